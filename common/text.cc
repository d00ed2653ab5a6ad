#include "common/text.h"

#include <utf8proc.h>

#include <algorithm>
#include <cstdlib>
#include <memory>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace newsflow {

bool LooksBinary(std::string_view bytes) {
  size_t sample = bytes.size() < 8192 ? bytes.size() : 8192;
  size_t control = 0;
  for (size_t i = 0; i < sample; ++i) {
    unsigned char c = static_cast<unsigned char>(bytes[i]);
    if (c == 0) return true;
    if (c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f') {
      ++control;
    }
  }
  return sample > 0 && control * 20 > sample;  // more than 5% controls
}

absl::StatusOr<std::string> NormalizeNfc(std::string_view utf8) {
  if (utf8.empty()) return std::string();
  utf8proc_uint8_t* result = nullptr;
  utf8proc_ssize_t n = utf8proc_map(
      reinterpret_cast<const utf8proc_uint8_t*>(utf8.data()),
      static_cast<utf8proc_ssize_t>(utf8.size()), &result,
      static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE));
  if (n < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("NFC normalization failed: ", utf8proc_errmsg(n)));
  }
  std::unique_ptr<utf8proc_uint8_t, decltype(&std::free)> owned(result,
                                                                &std::free);
  return std::string(reinterpret_cast<const char*>(result),
                     static_cast<size_t>(n));
}

namespace {

// Latin letters whose stroke or missing dot is part of the letter, not a
// combining mark, so decomposition leaves them: written without it by
// writers without the key ("Wrocław" / "Wroclaw", "Şanlıurfa" /
// "Sanliurfa").
utf8proc_int32_t PlainLatinLetter(utf8proc_int32_t cp, void* /*data*/) {
  switch (cp) {
    case 0x0131:  // ı
      return 'i';
    case 0x0141:  // Ł
    case 0x0142:  // ł
      return 'l';
    case 0x00D8:  // Ø
    case 0x00F8:  // ø
      return 'o';
    case 0x0110:  // Đ
    case 0x0111:  // đ
      return 'd';
    case 0x0126:  // Ħ
    case 0x0127:  // ħ
      return 'h';
    default:
      return cp;
  }
}

}  // namespace

std::string FoldCaseAndMarks(std::string_view utf8, FoldOptions options) {
  // ASCII has no marks, nothing to compose or lump, and folds by case
  // alone; most names are ASCII, and utf8proc's per-character decomposition
  // was a fifth of the tag stage's identity work.
  if (std::all_of(utf8.begin(), utf8.end(), [](char c) {
        return static_cast<unsigned char>(c) < 0x80;
      })) {
    std::string lowered(utf8);
    for (char& c : lowered) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return lowered;
  }
  utf8proc_uint8_t* result = nullptr;
  int flags = UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_STRIPMARK |
              UTF8PROC_CASEFOLD;
  if (options.ascii_punctuation) flags |= UTF8PROC_LUMP;
  utf8proc_ssize_t n = utf8proc_map_custom(
      reinterpret_cast<const utf8proc_uint8_t*>(utf8.data()),
      static_cast<utf8proc_ssize_t>(utf8.size()), &result,
      static_cast<utf8proc_option_t>(flags),
      options.plain_latin_letters ? &PlainLatinLetter : nullptr, nullptr);
  std::unique_ptr<utf8proc_uint8_t, decltype(&std::free)> owned(result,
                                                                &std::free);
  if (n < 0) {
    std::string lowered(utf8);
    for (char& c : lowered) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return lowered;
  }
  return std::string(reinterpret_cast<const char*>(result),
                     static_cast<size_t>(n));
}

bool EndsSentence(std::string_view line) {
  size_t end = line.size();
  while (end > 0) {
    size_t length = 0;
    char32_t cp = DecodeUtf8Before(line, end, &length);
    switch (cp) {
      case ' ':
      case ')':
      case ']':
      case '"':
      case '\'':
      case 0x201D:  // ”
      case 0x2019:  // ’
      case 0x00BB:  // »
      // German and Swiss closing marks: „…“ ‚…‘ »…« ›…‹, and «…» ‹…›.
      case 0x201C:  // “
      case 0x2018:  // ‘
      case 0x00AB:  // «
      case 0x2039:  // ‹
      case 0x203A:  // ›
        end -= length;
        continue;
      case 0x300D:  // 」
      case 0x300F:  // 』
      case 0xFF09:  // ）
        end -= length;
        continue;
      case '.':
      case '!':
      case '?':
      case 0x2026:  // …
      case 0x3002:  // 。
      case 0xFF01:  // ！
      case 0xFF1F:  // ？
      case 0xFF0E:  // ．
      case 0x061F:  // ؟
      case 0x06D4:  // ۔
      case 0x0964:  // ।
      case 0x0965:  // ॥
        return true;
      default:
        return false;
    }
  }
  return false;
}

std::string_view StripUtf8Bom(std::string_view text) {
  if (text.size() >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF") {
    text.remove_prefix(3);
  }
  return text;
}

}  // namespace newsflow
