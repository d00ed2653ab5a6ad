#include "stages/tag/tokenizer.h"

#include <utf8proc.h>

#include "common/letters.h"
#include "common/utf8.h"
#include "stages/tag/lexicon.h"

namespace newsflow {
namespace tag {
namespace {

// No code point: before the start or past the end of the text.
constexpr int32_t kNone = -1;

// DecodeUtf8At as a signed value, so that kNone cannot be mistaken for a
// code point; an ill-formed byte is U+FFFD of length 1.
inline int32_t Decode(std::string_view text, size_t pos, size_t* length) {
  return static_cast<int32_t>(DecodeUtf8At(text, pos, length));
}

inline int32_t PeekAt(std::string_view text, size_t pos) {
  if (pos >= text.size()) return kNone;
  size_t unused;
  return Decode(text, pos, &unused);
}

bool IsNewline(int32_t c) {
  return c == '\n' || c == '\r' || c == 0x2028 || c == 0x2029 || c == 0x85;
}

bool IsSpace(int32_t c) {
  if (c < 0x80) return c == ' ' || c == '\t' || c == '\f' || c == '\v';
  if (c == 0x200B || c == 0xFEFF) return true;  // zero-width space, BOM
  auto category = utf8proc_category(c);
  return category == UTF8PROC_CATEGORY_ZS;
}

inline bool IsApostrophe(int32_t c) { return c == '\'' || c == 0x2019; }
inline bool IsHyphen(int32_t c) {
  return c == '-' || c == 0x2010 || c == 0x2011;
}
inline bool IsDash(int32_t c) { return c == '-' || c == 0x2013 || c == 0x2014; }
inline bool IsBullet(int32_t c) {
  return c == 0x2022 || c == 0x00B7 || c == 0x25AA || c == 0x25CF ||
         c == 0x25A0 || c == 0x2023;
}
// Punctuation after which a straight quote opens rather than closes.
inline bool OpensBefore(int32_t c) {
  return c == kNone || IsSpace(c) || IsNewline(c) || c == '(' || c == '[' ||
         c == '{' || IsDash(c) || c == 0x201C || c == 0x2018;
}

// Decoding state of the sentence-start rules, carried from token to token.
struct SentenceState {
  // The next word or number starts a sentence.
  bool boundary = true;
  // The previous token was an abbreviation that may have ended a sentence
  // ("... the U.S. He said"): the next token starts one only if it is a
  // capitalised function word.
  bool after_ambiguous_abbreviation = false;
};

void MarkSentenceStart(Token* token, SentenceState* state) {
  if (state->boundary) {
    token->flags |= Token::kSentenceStart;
  } else if (state->after_ambiguous_abbreviation &&
             token->Has(Token::kCapitalized) &&
             IsFunctionWord(Lowercase(token->text))) {
    token->flags |= Token::kSentenceStart;
  }
  state->boundary = false;
  state->after_ambiguous_abbreviation = false;
}

// Scans a word starting at `pos`; returns the position after it (including
// any stripped possessive) and fills `token`.
size_t ScanWord(std::string_view text, size_t pos, Token* token) {
  const size_t start = pos;
  size_t end = pos;     // end of the token text
  size_t resume = pos;  // where scanning continues
  int letters = 0;      // letters in the whole token
  int upper = 0;
  int lower = 0;
  int segment_letters = 0;  // letters since the start or the last '.'
  bool internal_dot = false;
  bool hyphenated = false;
  bool possessive = false;
  bool possessive_s = false;
  int32_t first_letter = kNone;
  int32_t previous = kNone;

  while (pos < text.size()) {
    size_t length;
    int32_t c = Decode(text, pos, &length);
    if (IsWordLetter(c) || IsDecimalDigit(c)) {
      if (IsWordLetter(c) && c != 0x00AD) {
        ++letters;
        ++segment_letters;
        if (first_letter == kNone) first_letter = c;
        if (IsUppercaseLetter(c)) ++upper;
        if (IsLowercaseLetter(c)) ++lower;
      }
      pos += length;
      end = pos;
      previous = c;
      continue;
    }
    int32_t next = PeekAt(text, pos + length);
    bool previous_alnum = IsWordLetter(previous) || IsDecimalDigit(previous);
    bool next_alnum = IsWordLetter(next) || IsDecimalDigit(next);
    if (IsHyphen(c) && previous_alnum && next_alnum) {
      hyphenated = true;
      segment_letters = 0;
      pos += length;
      previous = c;
      continue;
    }
    if (IsApostrophe(c) && IsWordLetter(previous)) {
      size_t after = pos + length;
      if ((next == 's' || next == 'S') &&
          !IsWordLetter(PeekAt(text, after + 1)) &&
          !IsDecimalDigit(PeekAt(text, after + 1))) {
        possessive = true;
        possessive_s = true;
        resume = after + 1;
        break;
      }
      if (IsWordLetter(next)) {
        pos += length;
        previous = c;
        continue;
      }
      if (previous == 's' && !IsDecimalDigit(next)) {
        possessive = true;
        resume = after;
        break;
      }
      break;
    }
    if (c == '.' && IsWordLetter(previous) && segment_letters <= 2 &&
        IsWordLetter(next) && (letters == segment_letters || internal_dot)) {
      // "U.S", "e.g", "Ph.D": an initialism continues.
      internal_dot = true;
      segment_letters = 0;
      pos += length;
      previous = c;
      continue;
    }
    if (c == '&' && IsUppercaseLetter(previous) && IsUppercaseLetter(next)) {
      pos += length;
      previous = c;
      continue;
    }
    break;
  }
  if (!possessive) resume = end;

  token->kind = TokenKind::kWord;
  token->flags = 0;
  // A trailing period belongs to initialisms, single-letter initials and
  // known abbreviations; otherwise it is punctuation.
  if (!possessive && end < text.size() && text[end] == '.') {
    std::string_view word = text.substr(start, end - start);
    bool initial = letters == 1 && upper == 1 && word.size() <= 2;
    if ((internal_dot && segment_letters <= 2) || initial ||
        IsAbbreviation(word)) {
      ++end;
      resume = end;
      token->flags |= Token::kAbbreviation;
    }
  }
  token->text = text.substr(start, end - start);
  if (first_letter != kNone) {
    if (IsUppercaseLetter(first_letter)) token->flags |= Token::kCapitalized;
    if (IsLowercaseLetter(first_letter)) token->flags |= Token::kLowerInitial;
  }
  if (letters >= 2 && lower == 0 && upper >= 2) token->flags |= Token::kAllCaps;
  if (hyphenated) token->flags |= Token::kHyphenated;
  if (possessive) token->flags |= Token::kPossessive;
  if (possessive_s) token->flags |= Token::kPossessiveS;
  return resume;
}

size_t ScanNumber(std::string_view text, size_t pos, Token* token) {
  const size_t start = pos;
  while (pos < text.size()) {
    size_t length;
    int32_t c = Decode(text, pos, &length);
    if (IsWordLetter(c) || IsDecimalDigit(c)) {
      pos += length;
      continue;
    }
    if ((c == '.' || c == ',' || c == ':' || c == '/' || IsHyphen(c)) &&
        IsDecimalDigit(PeekAt(text, pos + length))) {
      pos += length;
      continue;
    }
    break;
  }
  token->text = text.substr(start, pos - start);
  token->kind = TokenKind::kNumber;
  token->flags = 0;
  return pos;
}

}  // namespace

void Tokenize(std::string_view text, std::vector<Token>* tokens) {
  SentenceState state;
  int32_t previous = kNone;  // last code point before the current one
  size_t pos = 0;
  while (pos < text.size()) {
    size_t length;
    int32_t c = Decode(text, pos, &length);
    if (IsNewline(c)) {
      state.boundary = true;
      state.after_ambiguous_abbreviation = false;
      previous = c;
      pos += length;
      continue;
    }
    if (IsSpace(c)) {
      previous = c;
      pos += length;
      continue;
    }
    Token token;
    if (IsWordLetter(c) && c != 0x00AD) {
      size_t next_pos = ScanWord(text, pos, &token);
      MarkSentenceStart(&token, &state);
      if (token.Has(Token::kAbbreviation) && !IsTitleAbbreviation(token.text) &&
          !(token.text.size() == 2 && token.Has(Token::kCapitalized))) {
        state.after_ambiguous_abbreviation = true;
      }
      tokens->push_back(token);
      previous = '.';  // any non-space value: only used for quote direction
      pos = next_pos;
      continue;
    }
    if (IsDecimalDigit(c)) {
      pos = ScanNumber(text, pos, &token);
      MarkSentenceStart(&token, &state);
      tokens->push_back(token);
      previous = '0';
      continue;
    }

    // Punctuation.
    size_t start = pos;
    token.kind = TokenKind::kPunct;
    if (c == '.' || c == 0x2026) {
      // Periods and ellipses end a sentence unless glued to a following
      // word (".com", ".5").
      while (pos < text.size() && text[pos] == '.') ++pos;
      if (c == 0x2026) pos = start + length;
      int32_t next = PeekAt(text, pos);
      if (!IsWordLetter(next) && !IsDecimalDigit(next)) {
        token.flags |= Token::kSentenceEnd;
        state.boundary = true;
      }
    } else if (c == '!' || c == '?') {
      pos += length;
      token.flags |= Token::kSentenceEnd;
      state.boundary = true;
    } else if (c == ':') {
      pos += length;
      state.boundary = true;
    } else if (IsDash(c)) {
      pos += length;
      while (pos < text.size()) {
        size_t next_length;
        int32_t next = Decode(text, pos, &next_length);
        if (!IsDash(next)) break;
        pos += next_length;
      }
    } else if (c == 0x201C || c == 0x00AB || c == 0x201E ||
               (c == 0x2018 && OpensBefore(previous)) ||
               ((c == '"' || c == '\'') && OpensBefore(previous))) {
      pos += length;
      token.flags |= Token::kOpeningQuote;
      state.boundary = true;
    } else if (IsBullet(c) || (c == '*' && OpensBefore(previous))) {
      pos += length;
      state.boundary = true;
    } else {
      pos += length;
    }
    state.after_ambiguous_abbreviation = false;
    token.text = text.substr(start, pos - start);
    tokens->push_back(token);
    previous = c;
  }
}

void AppendLowercase(std::string_view text, std::string* out) {
  size_t pos = 0;
  while (pos < text.size()) {
    unsigned char byte = static_cast<unsigned char>(text[pos]);
    if (byte < 0x80) {
      out->push_back(byte >= 'A' && byte <= 'Z' ? static_cast<char>(byte + 32)
                                                : static_cast<char>(byte));
      ++pos;
      continue;
    }
    size_t length;
    int32_t c = Decode(text, pos, &length);
    if (IsInvalidUtf8Byte(static_cast<char32_t>(c), length)) {
      out->push_back(text[pos]);
      ++pos;
      continue;
    }
    if (c == 0x2019) {
      out->push_back('\'');
    } else {
      AppendUtf8(static_cast<char32_t>(utf8proc_tolower(c)), out);
    }
    pos += length;
  }
}

std::string Lowercase(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  AppendLowercase(text, &out);
  return out;
}

void TokenizedArticle::Reset(std::string_view new_title,
                             std::string_view new_body) {
  title = new_title;
  body = new_body;
  tokens.clear();
  Tokenize(title, &tokens);
  body_begin = tokens.size();
  Tokenize(body, &tokens);
}

}  // namespace tag
}  // namespace newsflow
