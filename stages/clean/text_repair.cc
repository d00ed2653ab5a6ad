#include "stages/clean/text_repair.h"

#include <utf8proc.h>

#include <cstddef>
#include <cstdint>
#include <limits>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "common/letters.h"
#include "common/text.h"
#include "common/utf8.h"

namespace newsflow {
namespace clean {
namespace {

// Builds the repaired layout: whitespace is recorded as pending and only
// written once the next visible character arrives, which trims lines,
// collapses runs and folds blank-line runs in the same single pass.
class LayoutWriter {
 public:
  explicit LayoutWriter(size_t capacity) { out_.reserve(capacity); }

  void Space() { pending_space_ = true; }
  void LineBreak() {
    if (pending_breaks_ < 2) ++pending_breaks_;
    pending_space_ = false;
  }
  void ParagraphBreak() {
    pending_breaks_ = 2;
    pending_space_ = false;
  }
  void Append(std::string_view visible) {
    if (!out_.empty()) {
      if (pending_breaks_ == 2) {
        out_ += "\n\n";
      } else if (pending_breaks_ == 1) {
        out_ += '\n';
      } else if (pending_space_) {
        out_ += ' ';
      }
    }
    pending_breaks_ = 0;
    pending_space_ = false;
    out_.append(visible.data(), visible.size());
  }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
  int pending_breaks_ = 0;
  bool pending_space_ = false;
};

bool IsUnicodeSpace(char32_t cp) {
  return cp == 0x00A0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) ||
         cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

bool IsInvisible(char32_t cp) {
  return cp == 0x00AD ||  // soft hyphen
         cp == 0x200B ||  // zero-width space
         cp == 0x2060 ||  // word joiner
         cp == 0xFEFF ||  // byte order mark / zero-width no-break space
         cp == 0x180E ||  // Mongolian vowel separator
         (cp >= 0x0080 && cp <= 0x009F && cp != 0x0085);  // C1 controls
}

bool IsPlainAscii(unsigned char c) { return c > 0x20 && c < 0x7F; }

// From `pos`, the end of the stretch where every byte is visible ASCII or
// a space followed by visible ASCII, 16 bytes per step with SSE2; may stop
// short of it (the caller goes on byte by byte).
size_t SkipProse(std::string_view text, size_t pos) {
#if defined(__SSE2__)
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  while (text.size() - pos >= 16) {
    const __m128i bytes =
        _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + pos));
    // Signed compares: bytes from 0x80 up are negative, so not visible.
    const unsigned visible = static_cast<unsigned>(_mm_movemask_epi8(
        _mm_and_si128(_mm_cmpgt_epi8(bytes, _mm_set1_epi8(0x20)),
                      _mm_cmplt_epi8(bytes, _mm_set1_epi8(0x7F)))));
    const unsigned space = static_cast<unsigned>(
        _mm_movemask_epi8(_mm_cmpeq_epi8(bytes, _mm_set1_epi8(' '))));
    // Neither kind, or a space whose next byte (in this block) is not
    // visible; a space in the last place is left to the caller.
    const unsigned stop =
        (~(visible | space) & 0xFFFFu) | (space & ~(visible >> 1));
    if (stop != 0) return pos + static_cast<size_t>(__builtin_ctz(stop));
    pos += 16;
  }
#endif
  return pos;
}

bool IsHangulJamoOrSyllable(char32_t cp) {
  return (cp >= 0x1100 && cp <= 0x11FF) || (cp >= 0xA960 && cp <= 0xA97F) ||
         (cp >= 0xAC00 && cp <= 0xD7FF);
}

// Whether NFC could change the text. A cheap conservative scan: NFC leaves
// text alone unless it holds a combining mark, a character that takes part
// in canonical composition or has a canonical decomposition, or Hangul
// (composed algorithmically). Most news text (ASCII, curly quotes, currency
// signs) skips the full normalization this way.
bool MayChangeUnderNfc(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    if (static_cast<unsigned char>(text[i]) < 0x80) {
      i += AsciiPrefixLength(text.substr(i));
      continue;
    }
    size_t length = 0;
    char32_t cp = DecodeUtf8At(text, i, &length);
    i += length;
    const utf8proc_property_t* property =
        utf8proc_get_property(static_cast<utf8proc_int32_t>(cp));
    bool canonical_decomposition =
        property->decomp_seqindex != UINT16_MAX && property->decomp_type == 0;
    if (property->combining_class != 0 || property->comb_index != UINT16_MAX ||
        canonical_decomposition || IsHangulJamoOrSyllable(cp)) {
      return true;
    }
  }
  return false;
}

// Scripts written without spaces between words (Han, kana, Thai, Lao,
// Khmer, Myanmar), where counting space-separated tokens would call a whole
// sentence one word.
bool IsUnspacedScript(char32_t cp) {
  return (cp >= 0x3040 && cp <= 0x30FF) ||  // Hiragana, Katakana
         (cp >= 0x3400 && cp <= 0x4DBF) ||  // CJK Extension A
         (cp >= 0x4E00 && cp <= 0x9FFF) ||  // CJK Unified Ideographs
         (cp >= 0xF900 && cp <= 0xFAFF) ||  // CJK Compatibility Ideographs
         (cp >= 0x0E00 && cp <= 0x0EFF) ||  // Thai, Lao
         (cp >= 0x1000 && cp <= 0x109F) ||  // Myanmar
         (cp >= 0x1780 && cp <= 0x17FF) ||  // Khmer
         (cp >= 0x20000 && cp <= 0x2FFFF);  // CJK Extensions B-F
}

}  // namespace

bool IsAscii(std::string_view text) {
  return AsciiPrefixLength(text) == text.size();
}

absl::StatusOr<std::string> RepairText(std::string_view text,
                                       bool normalize_unicode) {
  std::string composed;
  if (normalize_unicode && MayChangeUnderNfc(text)) {
    absl::StatusOr<std::string> nfc = NormalizeNfc(text);
    if (!nfc.ok()) return nfc.status();
    composed = *std::move(nfc);
    text = composed;
  }
  LayoutWriter writer(text.size());
  size_t i = 0;
  const size_t n = text.size();
  while (i < n) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (IsPlainAscii(c)) {
      // A single space between visible characters is written as it is, so
      // the run goes on through it: one append per stretch of prose rather
      // than one per word.
      size_t start = i;
      while (i < n) {
        i = SkipProse(text, i);
        if (i >= n) break;
        const auto b = static_cast<unsigned char>(text[i]);
        if (IsPlainAscii(b)) {
          ++i;
        } else if (b == ' ' && i + 1 < n &&
                   IsPlainAscii(static_cast<unsigned char>(text[i + 1]))) {
          i += 2;
        } else {
          break;
        }
      }
      writer.Append(text.substr(start, i - start));
      continue;
    }
    if (c < 0x80) {
      switch (c) {
        case ' ':
        case '\t':
        case '\v':
        case '\f':
          writer.Space();
          break;
        case '\n':
          writer.LineBreak();
          break;
        case '\r':
          writer.LineBreak();
          if (i + 1 < n && text[i + 1] == '\n') ++i;
          break;
        default:
          break;  // other control characters and DEL
      }
      ++i;
      continue;
    }
    size_t length = 0;
    char32_t cp = DecodeUtf8At(text, i, &length);
    std::string_view bytes = text.substr(i, length);
    i += length;
    if (!normalize_unicode) {
      writer.Append(bytes);
    } else if (IsUnicodeSpace(cp)) {
      writer.Space();
    } else if (cp == 0x2028 || cp == 0x0085) {
      writer.LineBreak();
    } else if (cp == 0x2029) {
      writer.ParagraphBreak();
    } else if (!IsInvisible(cp)) {
      writer.Append(bytes);
    }
  }
  return writer.Take();
}

std::string FlattenToLine(std::string_view repaired) {
  std::string line;
  line.reserve(repaired.size());
  bool pending_space = false;
  for (char c : repaired) {
    if (c == '\n' || c == ' ') {
      pending_space = !line.empty();
      continue;
    }
    if (pending_space) line += ' ';
    pending_space = false;
    line += c;
  }
  return line;
}

namespace {

// Whether each ASCII byte is a word character (IsWordChar: a letter or a
// digit).
struct AsciiWordChars {
  unsigned char is_word[128] = {};
  constexpr AsciiWordChars() {
    for (int c = 0; c < 128; ++c) {
      is_word[c] =
          (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
    }
  }
};
constexpr AsciiWordChars kAsciiWordChars;

// Counts words up to `limit` (CountWords without a limit). An ASCII byte
// takes a branch-free step: the word boundaries of a branchy loop
// mispredict.
int CountWordsUpTo(std::string_view line, int limit) {
  int words = 0;
  unsigned token_has_word_char = 0;
  size_t i = 0;
  while (i < line.size()) {
    size_t length = 1;
    const auto c = static_cast<unsigned char>(line[i]);
    if (c < 0x80) {
      const unsigned space = c == ' ';
      words += static_cast<int>(space & token_has_word_char);
      if (words >= limit) return words;
      token_has_word_char =
          (token_has_word_char | kAsciiWordChars.is_word[c]) & (space ^ 1u);
    } else {
      char32_t cp = DecodeUtf8At(line, i, &length);
      if (IsUnspacedScript(cp)) {
        // Scripts written without spaces: a character per word.
        if (++words >= limit) return words;
      } else if (IsWordChar(cp)) {
        token_has_word_char = 1;
      }
    }
    i += length;
  }
  if (token_has_word_char) ++words;
  return words;
}

}  // namespace

int CountWords(std::string_view line) {
  return CountWordsUpTo(line, std::numeric_limits<int>::max());
}

bool HasAtLeastWords(std::string_view line, int n) {
  return n <= 0 || CountWordsUpTo(line, n) >= n;
}

}  // namespace clean
}  // namespace newsflow
