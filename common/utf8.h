// UTF-8 decoding, encoding and validation: the one place newsflow reads
// code points out of bytes.
//
// The rule for ill-formed input, everywhere: a byte that does not start a
// well-formed sequence (Unicode table 3-7: no overlong forms, no surrogates,
// nothing past U+10FFFF), or that starts a sequence the text cuts short or
// breaks off, decodes as U+FFFD and consumes exactly that one byte; decoding
// resumes at the next byte. So every invalid byte becomes one U+FFFD, and a
// scan never skips a byte that could start a valid sequence.
//
// A genuine U+FFFD in the text is three bytes long, so `length == 1` together
// with U+FFFD means an invalid byte (see IsInvalidUtf8Byte) for callers that
// must tell the two apart, e.g. to copy the byte through unchanged.
//
// The decoders are inline: tokenizers and the clean stage call them per
// character, and ASCII returns before any table or branch on lead bytes.
#ifndef NEWSFLOW_COMMON_UTF8_H_
#define NEWSFLOW_COMMON_UTF8_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace newsflow {

inline constexpr char32_t kReplacementCharacter = 0xFFFD;

// Byte length of the sequence `lead` starts: 1 for ASCII, 2-4 for the lead
// bytes well-formed UTF-8 uses (0xC2-0xF4), 0 for bytes that never start a
// sequence (continuation bytes 0x80-0xBF, 0xC0, 0xC1, 0xF5-0xFF).
inline size_t Utf8SequenceLength(unsigned char lead) {
  if (lead < 0x80) return 1;
  if (lead < 0xC2) return 0;
  if (lead < 0xE0) return 2;
  if (lead < 0xF0) return 3;
  if (lead < 0xF5) return 4;
  return 0;
}

namespace utf8_internal {

// The multi-byte half of DecodeUtf8At, kept apart so the ASCII path inlines
// to a compare.
inline char32_t DecodeMultiByte(const unsigned char* s, size_t left,
                                size_t* length) {
  const size_t n = Utf8SequenceLength(s[0]);
  *length = 1;
  if (n < 2 || n > left) return kReplacementCharacter;
  // The second byte's range is what rules out overlongs, surrogates and
  // values past U+10FFFF.
  unsigned char low = 0x80;
  unsigned char high = 0xBF;
  switch (s[0]) {
    case 0xE0:
      low = 0xA0;
      break;
    case 0xED:
      high = 0x9F;
      break;
    case 0xF0:
      low = 0x90;
      break;
    case 0xF4:
      high = 0x8F;
      break;
    default:
      break;
  }
  if (s[1] < low || s[1] > high) return kReplacementCharacter;
  char32_t cp = (s[0] & (0x7F >> n)) << 6 | (s[1] & 0x3F);
  for (size_t i = 2; i < n; ++i) {
    if ((s[i] & 0xC0) != 0x80) return kReplacementCharacter;
    cp = (cp << 6) | (s[i] & 0x3F);
  }
  *length = n;
  return cp;
}

}  // namespace utf8_internal

// Decodes the code point starting at text[pos] and stores its byte length in
// *length. Ill-formed bytes follow the rule above (U+FFFD, length 1). At or
// past the end of `text` returns 0 with *length 0, so scans can test for
// the end and for a following character in one call.
inline char32_t DecodeUtf8At(std::string_view text, size_t pos,
                             size_t* length) {
  if (pos >= text.size()) {
    *length = 0;
    return 0;
  }
  const auto* s = reinterpret_cast<const unsigned char*>(text.data()) + pos;
  if (s[0] < 0x80) {
    *length = 1;
    return s[0];
  }
  return utf8_internal::DecodeMultiByte(s, text.size() - pos, length);
}

// Decodes the code point that ends just before text[pos] and stores its byte
// length in *length: the reverse of DecodeUtf8At, with the same rule (a byte
// that does not end a well-formed sequence is U+FFFD, length 1). At
// position 0 or past the end returns 0 with *length 0.
inline char32_t DecodeUtf8Before(std::string_view text, size_t pos,
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
  char32_t cp = DecodeUtf8At(text, start, &n);
  if (start + n != pos) {
    *length = 1;
    return kReplacementCharacter;
  }
  *length = n;
  return cp;
}

// True when a decode that returned `cp` with byte length `length` read an
// ill-formed byte rather than a code point present in the text.
inline bool IsInvalidUtf8Byte(char32_t cp, size_t length) {
  return cp == kReplacementCharacter && length == 1;
}

// Byte offset of the first ill-formed byte in `text`, or npos when `text` is
// well-formed UTF-8.
size_t FirstInvalidUtf8Offset(std::string_view text);

// True when `text` is well-formed UTF-8 (no overlongs, no surrogates).
bool IsValidUtf8(std::string_view text);

// Length of the run of ASCII bytes (below 0x80) that opens `text`: where
// the first multi-byte sequence or ill-formed byte starts, or text.size().
// Read 16 or 64 bytes per step, for scanners that only care about the rare
// non-ASCII characters of news text.
size_t AsciiPrefixLength(std::string_view text);

// Appends the UTF-8 encoding of `code_point` to *out. Anything that is not a
// Unicode scalar value (a surrogate, or past U+10FFFF) is appended as U+FFFD,
// so the output is always well-formed.
void AppendUtf8(char32_t code_point, std::string* out);

}  // namespace newsflow

#endif  // NEWSFLOW_COMMON_UTF8_H_
