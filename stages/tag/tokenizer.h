// Word tokenizer for English news text.
//
// Tokens are views into the caller's text (no copies), annotated with the
// orthographic facts the taggers need: capitalisation, sentence starts,
// possessives and abbreviations. The rules are tuned for edited news prose:
//   - "U.S.", "U.N.", "Mr.", "Gen.", "F." keep their dots; a period after
//     other words ends the sentence.
//   - "Kadafi's" and "Kadafi’s" become "Kadafi" with kPossessive set, as does
//     the plural possessive "rebels’".
//   - Hyphenated words ("al-Qaida", "NATO-led", "cease-fire") are one token;
//     so are internal apostrophes ("O'Brien", "don't") and "AT&T".
//   - Quotes (" “ ” ‘ ’ « »), brackets and dashes are punctuation tokens.
//   - A sentence starts at the beginning of the text, after . ! ? … : , after
//     a line break, after an opening quote or a bullet.
#ifndef NEWSFLOW_STAGES_TAG_TOKENIZER_H_
#define NEWSFLOW_STAGES_TAG_TOKENIZER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace newsflow {
namespace tag {

enum class TokenKind : uint8_t {
  kWord,    // letters (and digits, hyphens, apostrophes, initialism dots)
  kNumber,  // starts with a digit: "1973", "3.5", "24th"
  kPunct,   // everything else, one token per character or dash run
};

struct Token {
  enum Flag : uint16_t {
    kCapitalized = 1 << 0,    // first letter is upper or title case
    kAllCaps = 1 << 1,        // two or more letters, none lower case
    kLowerInitial = 1 << 2,   // first letter is lower case
    kSentenceStart = 1 << 3,  // first word or number of a sentence
    kPossessive = 1 << 4,     // a stripped 's / ’s / trailing ’ followed
    kAbbreviation = 1 << 5,   // ends with a kept period: "U.S.", "Mr."
    kHyphenated = 1 << 6,     // contains an internal hyphen
    kSentenceEnd = 1 << 7,    // punctuation that ends a sentence
    kOpeningQuote = 1 << 8,   // “ ‘ « or a straight quote that opens
    kPossessiveS = 1 << 9,  // with kPossessive: it was 's / ’s, not a bare ’
  };

  std::string_view text;
  TokenKind kind = TokenKind::kPunct;
  uint16_t flags = 0;

  bool Has(Flag flag) const { return (flags & flag) != 0; }
  bool IsWord() const { return kind == TokenKind::kWord; }
};

// Appends the tokens of `text` (valid UTF-8 expected; invalid bytes become
// punctuation) to `tokens`. The views stay valid as long as `text` does.
void Tokenize(std::string_view text, std::vector<Token>* tokens);

// Appends the lower-case form of `text` to `out`, mapping the typographic
// apostrophe ’ to '. ASCII is handled without table lookups.
void AppendLowercase(std::string_view text, std::string* out);

// Convenience wrapper over AppendLowercase.
std::string Lowercase(std::string_view text);

// The title and body of one article, tokenized once and shared by the
// entity recognizer and the keyword extractor.
struct TokenizedArticle {
  std::string_view title;
  std::string_view body;
  std::vector<Token> tokens;
  // tokens[0, body_begin) come from the title, the rest from the body.
  size_t body_begin = 0;

  // Re-tokenizes in place, reusing the token buffer.
  void Reset(std::string_view new_title, std::string_view new_body);

  bool InTitle(size_t index) const { return index < body_begin; }
  // The text (title or body) a token points into.
  std::string_view SectionOf(size_t index) const {
    return InTitle(index) ? title : body;
  }
};

}  // namespace tag
}  // namespace newsflow

#endif  // NEWSFLOW_STAGES_TAG_TOKENIZER_H_
