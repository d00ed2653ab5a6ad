// Legacy single-byte charsets newsflow decodes without iconv: Windows-1252,
// the charset of undeclared Western pages, of numeric HTML references to
// 0x80-0x9F, and of the usual mojibake. One table, used in both directions.
//
// The five bytes Windows-1252 leaves undefined (0x81, 0x8D, 0x8F, 0x90,
// 0x9D) map to the C1 control of the same value, as browsers (WHATWG
// Encoding) do, so every byte decodes to something and 0x00-0x7F and
// 0xA0-0xFF agree with ISO-8859-1.
#ifndef NEWSFLOW_COMMON_LEGACY_CHARSETS_H_
#define NEWSFLOW_COMMON_LEGACY_CHARSETS_H_

#include <string>
#include <string_view>

namespace newsflow {

namespace charset_internal {
// Code points of Windows-1252 bytes 0x80-0x9F.
inline constexpr char16_t kWindows1252High[32] = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
    0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
};
}  // namespace charset_internal

// The code point Windows-1252 byte `byte` stands for.
inline char32_t Windows1252ToUnicode(unsigned char byte) {
  if (byte < 0x80 || byte > 0x9F) return byte;
  return charset_internal::kWindows1252High[byte - 0x80];
}

// The byte that a Windows-1252 or an ISO-8859-1 decoder turns into `cp`, or
// -1 when neither does. Both are accepted because mojibake comes from either:
// U+0080-U+009F give their own value (ISO-8859-1), so U+20AC and U+0080 both
// give 0x80.
int UnicodeToWindows1252(char32_t cp);

// Decodes Windows-1252 bytes into UTF-8. Never fails: every byte has a
// code point.
std::string Windows1252ToUtf8(std::string_view bytes);

}  // namespace newsflow

#endif  // NEWSFLOW_COMMON_LEGACY_CHARSETS_H_
