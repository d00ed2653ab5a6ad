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

void CountQuotes(std::string_view text, int* straight, int* curly) {
  size_t length = 0;
  for (size_t pos = 0; pos < text.size(); pos += length) {
    const auto byte = static_cast<unsigned char>(text[pos]);
    if (byte < 0x80) {
      length = 1;
      *straight += byte == '"' || byte == '\'';
      continue;
    }
    char32_t cp = DecodeUtf8At(text, pos, &length);
    *curly += IsCurlyDouble(cp) || IsCurlySingle(cp);
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

// Where the first mark `style` would rewrite starts; npos when none.
size_t FirstMarkToRewrite(std::string_view text, bool typographic) {
  for (size_t pos = 0; pos < text.size(); ++pos) {
    const auto byte = static_cast<unsigned char>(text[pos]);
    if (byte == '"' || byte == '\'' || byte == '`') {
      if (typographic) return pos;
    } else if (byte == 0xC2 && pos + 1 < text.size() &&
               static_cast<unsigned char>(text[pos + 1]) == 0xB4) {
      return pos;  // ´
    } else if (!typographic && byte == 0xE2 && pos + 2 < text.size() &&
               static_cast<unsigned char>(text[pos + 1]) == 0x80 &&
               static_cast<unsigned char>(text[pos + 2]) >= 0x98 &&
               static_cast<unsigned char>(text[pos + 2]) <= 0x9F) {
      return pos;  // ‘ ’ ‚ ‛ “ ” „ ‟
    }
  }
  return std::string_view::npos;
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
