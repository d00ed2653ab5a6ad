#include "stages/clean/mojibake.h"

#include <utf8proc.h>

#include "stages/clean/utf8_scan.h"

namespace newsflow {
namespace clean {
namespace {

// Times a text is repaired at most: each pass undoes one round of
// mis-decoding.
constexpr int kMaxPasses = 3;

// Byte length of the UTF-8 sequence that `lead` starts, 0 when `lead`
// cannot start a multi-byte sequence (0xC0, 0xC1 and 0xF5.. never do).
size_t SequenceLength(int lead) {
  if (lead >= 0xC2 && lead <= 0xDF) return 2;
  if (lead >= 0xE0 && lead <= 0xEF) return 3;
  if (lead >= 0xF0 && lead <= 0xF4) return 4;
  return 0;
}

// The range the second byte must lie in, which rules out overlong forms,
// surrogates and values past U+10FFFF.
bool SecondByteFits(int lead, int second) {
  switch (lead) {
    case 0xE0:
      return second >= 0xA0;
    case 0xED:
      return second < 0xA0;
    case 0xF0:
      return second >= 0x90;
    case 0xF4:
      return second < 0x90;
    default:
      return true;
  }
}

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
  size_t length = 0;
  char32_t lead_cp = DecodeAt(text, pos, &length);
  const int lead = UnicodeToCp1252Byte(lead_cp);
  const size_t bytes = SequenceLength(lead);
  if (bytes == 0) return 0;
  char32_t cp = static_cast<char32_t>(lead) & (0x7F >> bytes);
  size_t end = pos + length;
  for (size_t i = 1; i < bytes; ++i) {
    const int byte = UnicodeToCp1252Byte(DecodeAt(text, end, &length));
    if (length == 0 || byte < 0x80 || byte > 0xBF) return 0;
    if (i == 1 && !SecondByteFits(lead, byte)) return 0;
    cp = (cp << 6) | static_cast<char32_t>(byte & 0x3F);
    end += length;
  }
  if (!IsPlausible(cp)) return 0;
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
