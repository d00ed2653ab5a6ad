#include "stages/clean/mojibake.h"

#include <utf8proc.h>

#include "common/legacy_charsets.h"
#include "common/utf8.h"

namespace newsflow {
namespace clean {
namespace {

// Times a text is repaired at most: each pass undoes one round of
// mis-decoding.
constexpr int kMaxPasses = 3;

bool IsPlausible(char32_t cp) {
  if (cp == 0x00A0) return true;
  if (cp < 0xA0 || (cp >= 0xFDD0 && cp <= 0xFDEF) || (cp & 0xFFFE) == 0xFFFE) {
    return false;
  }
  switch (utf8proc_category(static_cast<utf8proc_int32_t>(cp))) {
    case UTF8PROC_CATEGORY_CN:  // unassigned
    case UTF8PROC_CATEGORY_CC:
    case UTF8PROC_CATEGORY_CF:
    case UTF8PROC_CATEGORY_CS:
    case UTF8PROC_CATEGORY_CO:
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME:
    case UTF8PROC_CATEGORY_ZL:
    case UTF8PROC_CATEGORY_ZP:
      return false;
    default:
      return true;
  }
}

// Tries to read a mis-decoded sequence at `pos`; returns its length in
// bytes of `text` (0 when there is none) and the repaired character.
size_t ReadMojibake(std::string_view text, size_t pos, char32_t* repaired) {
  // The bytes the characters were mis-decoded from must form one
  // well-formed UTF-8 sequence.
  char bytes[4];
  size_t length = 0;
  const int lead = UnicodeToWindows1252(DecodeUtf8At(text, pos, &length));
  const size_t n =
      lead < 0 ? 0 : Utf8SequenceLength(static_cast<unsigned char>(lead));
  if (n < 2) return 0;
  bytes[0] = static_cast<char>(lead);
  size_t end = pos + length;
  for (size_t i = 1; i < n; ++i) {
    const int byte = UnicodeToWindows1252(DecodeUtf8At(text, end, &length));
    if (length == 0 || byte < 0x80 || byte > 0xBF) return 0;
    bytes[i] = static_cast<char>(byte);
    end += length;
  }
  size_t decoded = 0;
  const char32_t cp = DecodeUtf8At(std::string_view(bytes, n), 0, &decoded);
  if (decoded != n || !IsPlausible(cp)) return 0;
  *repaired = cp;
  return end - pos;
}

std::string RepairOnce(std::string_view text, int* repaired) {
  std::string out;
  size_t copied = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    // Every lead character ("Â".."ô") is encoded as 0xC3 0x82..0xB4.
    pos = text.find('\xC3', pos);
    if (pos == std::string_view::npos) break;
    char32_t cp = 0;
    size_t length = ReadMojibake(text, pos, &cp);
    if (length == 0) {
      pos += 2;
      continue;
    }
    if (out.empty()) out.reserve(text.size());
    out.append(text.data() + copied, pos - copied);
    AppendUtf8(cp, &out);
    pos += length;
    copied = pos;
    ++*repaired;
  }
  if (copied == 0) return std::string(text);
  out.append(text.data() + copied, text.size() - copied);
  return out;
}

}  // namespace

std::string RepairMojibake(std::string_view text, int* repaired) {
  int count = 0;
  std::string result(text);
  for (int pass = 0; pass < kMaxPasses; ++pass) {
    int before = count;
    result = RepairOnce(result, &count);
    if (count == before) break;
  }
  if (repaired != nullptr) *repaired = count;
  return result;
}

}  // namespace clean
}  // namespace newsflow
