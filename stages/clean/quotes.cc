#include "stages/clean/quotes.h"

#include "common/letters.h"
#include "common/utf8.h"

namespace newsflow {
namespace clean {
namespace {

constexpr char32_t kLeftDouble = 0x201C;   // “
constexpr char32_t kRightDouble = 0x201D;  // ”
constexpr char32_t kLeftSingle = 0x2018;   // ‘
constexpr char32_t kRightSingle = 0x2019;  // ’

bool IsCurlyDouble(char32_t cp) {
  return cp == kLeftDouble || cp == kRightDouble || cp == 0x201E ||
         cp == 0x201F;
}
bool IsCurlySingle(char32_t cp) {
  return cp == kLeftSingle || cp == kRightSingle || cp == 0x201A ||
         cp == 0x201B;
}

// Characters after which a straight double quote opens a quotation.
bool OpensAfter(char32_t previous) {
  return previous == 0 || previous == ' ' || previous == '\n' ||
         previous == '(' || previous == '[' || previous == '{' ||
         previous == '-' || previous == 0x2013 || previous == 0x2014 ||
         previous == kLeftDouble || previous == kLeftSingle || previous == '/';
}

bool IsWordCharacter(char32_t cp) { return IsLetter(cp) || IsAsciiDigit(cp); }

// "'90s", "'09": an elided century.
bool IsElidedYear(std::string_view text, size_t after) {
  return after + 1 < text.size() && IsAsciiDigit(text[after]) &&
         IsAsciiDigit(text[after + 1]) &&
         (after + 2 >= text.size() || !IsAsciiDigit(text[after + 2]));
}

// Whether text[pos] opens U+2018..U+201F, the curly single and double
// quotes (E2 80 98..9F). A byte scan equals a decode of the text: 0xE2
// never continues a sequence, and a '"' or '\'' byte is never part of one.
bool IsCurlyQuoteAt(std::string_view text, size_t pos) {
  return pos + 2 < text.size() &&
         static_cast<unsigned char>(text[pos]) == 0xE2 &&
         static_cast<unsigned char>(text[pos + 1]) == 0x80 &&
         static_cast<unsigned char>(text[pos + 2]) >= 0x98 &&
         static_cast<unsigned char>(text[pos + 2]) <= 0x9F;
}

// Counted without decoding: a branch-free pass for the straight marks (the
// compiler vectorizes it) and memchr for the lead byte of the curly ones.
void CountQuotes(std::string_view text, int* straight, int* curly) {
  int marks = 0;
  for (char c : text) marks += (c == '"') + (c == '\'');
  *straight += marks;
  for (size_t pos = text.find('\xE2'); pos != std::string_view::npos;
       pos = text.find('\xE2', pos + 1)) {
    *curly += IsCurlyQuoteAt(text, pos);
  }
}

}  // namespace

QuoteStyle DominantQuoteStyle(std::string_view text, std::string_view more) {
  int straight = 0;
  int curly = 0;
  CountQuotes(text, &straight, &curly);
  CountQuotes(more, &straight, &curly);
  if (straight == 0 && curly == 0) return QuoteStyle::kAsWritten;
  return curly >= straight ? QuoteStyle::kTypographic : QuoteStyle::kAscii;
}

namespace {

// Whether the mark at text[pos] is one `style` rewrites.
bool RewritesMarkAt(std::string_view text, size_t pos, bool typographic) {
  const auto byte = static_cast<unsigned char>(text[pos]);
  if (byte == '"' || byte == '\'' || byte == '`') return typographic;
  if (byte == 0xC2) {
    return pos + 1 < text.size() &&
           static_cast<unsigned char>(text[pos + 1]) == 0xB4;  // ´
  }
  return !typographic && IsCurlyQuoteAt(text, pos);  // ‘ ’ ‚ ‛ “ ” „ ‟
}

// Where the first mark `style` would rewrite starts; npos when none. Found
// with memchr per lead byte (most text has none to rewrite, and the scan
// is of every byte of the article).
size_t FirstMarkToRewrite(std::string_view text, bool typographic) {
  constexpr std::string_view kTypographicLeads = "\"'`\xC2";
  constexpr std::string_view kAsciiLeads = "\xC2\xE2";
  size_t first = std::string_view::npos;
  for (char lead : typographic ? kTypographicLeads : kAsciiLeads) {
    const std::string_view before = text.substr(0, first);
    for (size_t pos = before.find(lead); pos != std::string_view::npos;
         pos = before.find(lead, pos + 1)) {
      if (RewritesMarkAt(text, pos, typographic)) {
        first = pos;
        break;
      }
    }
  }
  return first;
}

}  // namespace

std::string ApplyQuoteStyle(std::string_view text, QuoteStyle style) {
  if (style == QuoteStyle::kAsWritten) return std::string(text);
  const bool typographic = style == QuoteStyle::kTypographic;
  size_t first = FirstMarkToRewrite(text, typographic);
  if (first == std::string_view::npos) return std::string(text);
  std::string out;
  out.reserve(text.size() + text.size() / 16);
  // Everything before the first mark stays; `previous` is what precedes it.
  size_t length = 0;
  char32_t previous = first == 0 ? 0 : DecodeUtf8Before(text, first, &length);
  out.append(text.data(), first);
  size_t copied = first;  // text[copied, pos) is pending, unchanged
  for (size_t pos = first; pos < text.size(); pos += length) {
    const auto byte = static_cast<unsigned char>(text[pos]);
    if (byte < 0x80 && byte != '"' && byte != '\'' && byte != '`') {
      length = 1;
      previous = byte;
      continue;
    }
    char32_t cp = DecodeUtf8At(text, pos, &length);
    char32_t next_cp = 0;
    size_t next_length = 0;
    if (pos + length < text.size()) {
      next_cp = DecodeUtf8At(text, pos + length, &next_length);
    }
    char32_t written = cp;
    if (cp == '"' || IsCurlyDouble(cp)) {
      if (!typographic) {
        written = '"';
      } else if (cp == '"') {
        written = OpensAfter(previous) ? kLeftDouble : kRightDouble;
      }
    } else if (cp == '\'' || IsCurlySingle(cp) ||
               ((cp == '`' || cp == 0x00B4) && IsLetter(previous) &&
                IsLetter(next_cp))) {
      if (!typographic) {
        written = '\'';
      } else if (cp == '\'' || cp == '`' || cp == 0x00B4) {
        if (IsWordCharacter(previous) ||
            (previous != 0 && !OpensAfter(previous))) {
          written = kRightSingle;  // apostrophe or closing quote
        } else if (IsElidedYear(text, pos + length)) {
          written = kRightSingle;
        } else {
          written = kLeftSingle;
        }
      }
    }
    if (written != cp) {
      out.append(text.data() + copied, pos - copied);
      AppendUtf8(written, &out);
      copied = pos + length;
    }
    previous = written;
  }
  out.append(text.data() + copied, text.size() - copied);
  return out;
}

}  // namespace clean
}  // namespace newsflow
