// Small code-point helpers for scanning UTF-8 text that is already known to
// be valid (callers validate first). Out-of-range positions decode as 0.
#ifndef NEWSFLOW_STAGES_CLEAN_UTF8_SCAN_H_
#define NEWSFLOW_STAGES_CLEAN_UTF8_SCAN_H_

#include <utf8proc.h>

#include <cstddef>
#include <string>
#include <string_view>

#include "common/text.h"

namespace newsflow {
namespace clean {

// Byte length of the UTF-8 sequence starting with `lead`.
inline size_t Utf8SequenceLength(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead & 0xE0) == 0xC0) return 2;
  if ((lead & 0xF0) == 0xE0) return 3;
  if ((lead & 0xF8) == 0xF0) return 4;
  return 1;  // stray continuation byte: step over it
}

// Decodes the code point starting at `pos`; stores its byte length in *length.
inline char32_t DecodeAt(std::string_view text, size_t pos, size_t* length) {
  if (pos >= text.size()) {
    *length = 0;
    return 0;
  }
  const auto lead = static_cast<unsigned char>(text[pos]);
  size_t n = Utf8SequenceLength(lead);
  if (pos + n > text.size()) n = 1;
  *length = n;
  if (n == 1) return lead;
  char32_t cp = lead & (0x7F >> n);
  for (size_t i = 1; i < n; ++i) {
    cp = (cp << 6) | (static_cast<unsigned char>(text[pos + i]) & 0x3F);
  }
  return cp;
}

// Decodes the code point that ends just before `pos`.
inline char32_t DecodeBefore(std::string_view text, size_t pos,
                             size_t* length) {
  if (pos == 0 || pos > text.size()) {
    *length = 0;
    return 0;
  }
  size_t start = pos - 1;
  while (start > 0 && pos - start < 4 &&
         (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) {
    --start;
  }
  size_t n = 0;
  char32_t cp = DecodeAt(text, start, &n);
  *length = pos - start;
  return cp;
}

inline bool IsLetter(char32_t cp) {
  if (cp < 0x80) {
    return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
  }
  utf8proc_category_t category =
      utf8proc_category(static_cast<utf8proc_int32_t>(cp));
  return category >= UTF8PROC_CATEGORY_LU && category <= UTF8PROC_CATEGORY_LO;
}

inline bool IsLowercaseLetter(char32_t cp) {
  if (cp < 0x80) return cp >= 'a' && cp <= 'z';
  return utf8proc_category(static_cast<utf8proc_int32_t>(cp)) ==
         UTF8PROC_CATEGORY_LL;
}

inline bool IsUppercaseLetter(char32_t cp) {
  if (cp < 0x80) return cp >= 'A' && cp <= 'Z';
  utf8proc_category_t category =
      utf8proc_category(static_cast<utf8proc_int32_t>(cp));
  return category == UTF8PROC_CATEGORY_LU || category == UTF8PROC_CATEGORY_LT;
}

inline bool IsAsciiDigit(char32_t cp) { return cp >= '0' && cp <= '9'; }

// Letters, marks and numbers of any script.
inline bool IsWordChar(char32_t cp) {
  if (cp < 0x80) return IsLetter(cp) || IsAsciiDigit(cp);
  utf8proc_category_t category =
      utf8proc_category(static_cast<utf8proc_int32_t>(cp));
  return category >= UTF8PROC_CATEGORY_LU && category <= UTF8PROC_CATEGORY_NO;
}

// Windows-1252 bytes 0x80-0x9F as Unicode; the five bytes the code page
// leaves undefined map to the C1 control of the same value, as browsers do.
inline char32_t Cp1252HighToUnicode(unsigned char byte) {
  static constexpr char16_t kTable[32] = {
      0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
      0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
      0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
      0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
  };
  if (byte < 0x80 || byte > 0x9F) return byte;
  return kTable[byte - 0x80];
}

// The Windows-1252 (or, for C1 controls, Latin-1) byte that decodes to
// `cp`, or -1 when there is none.
inline int UnicodeToCp1252Byte(char32_t cp) {
  if (cp < 0x80 || (cp >= 0xA0 && cp <= 0xFF)) return static_cast<int>(cp);
  if (cp >= 0x80 && cp <= 0x9F) return static_cast<int>(cp);
  for (int byte = 0x80; byte <= 0x9F; ++byte) {
    if (Cp1252HighToUnicode(static_cast<unsigned char>(byte)) == cp) {
      return byte;
    }
  }
  return -1;
}

}  // namespace clean
}  // namespace newsflow

#endif  // NEWSFLOW_STAGES_CLEAN_UTF8_SCAN_H_
