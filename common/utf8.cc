#include "common/utf8.h"

#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace newsflow {

namespace {

constexpr bool kLittleEndian = __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__;

// Position of the first byte at or after `pos` with its high bit set, or `n`.
// Stage hosts check every string field of every article they receive
// (runner/wire/utf8_fields.h) and ingest checks every record, and news text
// is nearly all ASCII, so this loop is where validation spends its time:
// 64 bytes per step with SSE2 (part of the x86-64 baseline), then the exact
// position from the byte mask; 8 bytes per step elsewhere.
inline size_t SkipAscii(const unsigned char* s, size_t n, size_t pos) {
#if defined(__SSE2__)
  while (n - pos >= 64) {
    const auto* p = reinterpret_cast<const __m128i*>(s + pos);
    const __m128i any = _mm_or_si128(
        _mm_or_si128(_mm_loadu_si128(p), _mm_loadu_si128(p + 1)),
        _mm_or_si128(_mm_loadu_si128(p + 2), _mm_loadu_si128(p + 3)));
    if (_mm_movemask_epi8(any) != 0) break;
    pos += 64;
  }
  while (n - pos >= 16) {
    const int mask = _mm_movemask_epi8(
        _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + pos)));
    if (mask != 0) return pos + static_cast<size_t>(__builtin_ctz(mask));
    pos += 16;
  }
#endif
  while (n - pos >= sizeof(uint64_t)) {
    uint64_t word = 0;
    std::memcpy(&word, s + pos, sizeof(word));
    word &= 0x8080808080808080ULL;
    if (word != 0) {
      // Little-endian: the lowest set bit is the first byte in the text.
      if constexpr (kLittleEndian) {
        return pos + static_cast<size_t>(__builtin_ctzll(word)) / 8;
      }
      break;
    }
    pos += sizeof(word);
  }
  while (pos < n && s[pos] < 0x80) ++pos;
  return pos;
}

// Length of the well-formed multi-byte sequence starting at s[0] (a byte
// >= 0x80), or 0 when s[0] does not start one within `left` bytes. The same
// rule as utf8_internal::DecodeMultiByte (Unicode table 3-7), without
// assembling the code point.
inline size_t ValidSequenceLength(const unsigned char* s, size_t left) {
  const unsigned char lead = s[0];
  if (lead < 0xC2) return 0;  // a continuation byte, or an overlong C0/C1
  auto tail = [](unsigned char byte) { return (byte & 0xC0) == 0x80; };
  if (lead < 0xE0) return left >= 2 && tail(s[1]) ? 2 : 0;
  if (lead < 0xF0) {
    if (left < 3) return 0;
    // E0 needs A0-BF (no overlongs), ED needs 80-9F (no surrogates).
    const unsigned char low = lead == 0xE0 ? 0xA0 : 0x80;
    const unsigned char high = lead == 0xED ? 0x9F : 0xBF;
    return s[1] >= low && s[1] <= high && tail(s[2]) ? 3 : 0;
  }
  if (lead < 0xF5) {
    if (left < 4) return 0;
    // F0 needs 90-BF (no overlongs), F4 needs 80-8F (nothing past U+10FFFF).
    const unsigned char low = lead == 0xF0 ? 0x90 : 0x80;
    const unsigned char high = lead == 0xF4 ? 0x8F : 0xBF;
    return s[1] >= low && s[1] <= high && tail(s[2]) && tail(s[3]) ? 4 : 0;
  }
  return 0;
}

}  // namespace

size_t FirstInvalidUtf8Offset(std::string_view text) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  size_t pos = 0;
  while ((pos = SkipAscii(s, n, pos)) < n) {
    // A run of non-ASCII characters (accented words, CJK text) is checked
    // sequence by sequence before going back to the wide ASCII steps.
    do {
      const size_t length = ValidSequenceLength(s + pos, n - pos);
      if (length == 0) return pos;
      pos += length;
    } while (pos < n && s[pos] >= 0x80);
  }
  return std::string_view::npos;
}

size_t AsciiPrefixLength(std::string_view text) {
  return SkipAscii(reinterpret_cast<const unsigned char*>(text.data()),
                   text.size(), 0);
}

bool IsValidUtf8(std::string_view text) {
  return FirstInvalidUtf8Offset(text) == std::string_view::npos;
}

void AppendUtf8(char32_t cp, std::string* out) {
  if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    cp = kReplacementCharacter;
  }
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

}  // namespace newsflow
