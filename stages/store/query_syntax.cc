#include "stages/store/query_syntax.h"

#include <optional>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/time.h"
#include "stages/store/catalogue.h"

namespace newsflow {
namespace {

// Debian's Abseil has its own string_view.
absl::string_view Absl(std::string_view text) {
  return absl::string_view(text.data(), text.size());
}

// Column masks of a column filter.
constexpr unsigned kTitle = 1;
constexpr unsigned kBody = 2;
constexpr unsigned kAllColumns = kTitle | kBody;

struct Token {
  enum Kind {
    kWord,    // FTS5 bareword (also AND, OR, NOT, NEAR)
    kString,  // "quoted"
    kLeftParen,
    kRightParen,
    kLeftBrace,
    kRightBrace,
    kColon,
    kStar,
    kPlus,
    kCaret,
    kMinus,
    kComma,
    kEnd,
  };
  Kind kind;
  std::string text;
};

bool IsBarewordByte(unsigned char c) {
  return absl::ascii_isalnum(c) || c == '_' || c == 0x1a || c >= 0x80;
}

class Parser {
 public:
  explicit Parser(std::string_view query) : query_(query) {}

  absl::StatusOr<std::string> Parse() {
    if (auto status = Lex(); !status.ok()) return status;
    absl::StatusOr<std::string> expression = Or(kAllColumns);
    if (!expression.ok()) return expression;
    if (Peek().kind != Token::kEnd) return SyntaxError(Peek());
    return expression;
  }

 private:
  absl::Status Lex() {
    size_t i = 0;
    while (i < query_.size()) {
      const unsigned char c = static_cast<unsigned char>(query_[i]);
      if (absl::ascii_isspace(c)) {
        ++i;
        continue;
      }
      if (c == '"') {
        std::string text;
        size_t j = i + 1;
        bool closed = false;
        while (j < query_.size()) {
          if (query_[j] == '"') {
            if (j + 1 < query_.size() && query_[j + 1] == '"') {
              text.push_back('"');
              j += 2;
              continue;
            }
            closed = true;
            break;
          }
          text.push_back(query_[j++]);
        }
        if (!closed) {
          return absl::InvalidArgumentError(
              "syntax error: unterminated string");
        }
        tokens_.push_back({Token::kString, std::move(text)});
        i = j + 1;
        continue;
      }
      if (IsBarewordByte(c)) {
        size_t j = i;
        while (j < query_.size() &&
               IsBarewordByte(static_cast<unsigned char>(query_[j]))) {
          ++j;
        }
        tokens_.push_back({Token::kWord, std::string(query_.substr(i, j - i))});
        i = j;
        continue;
      }
      Token::Kind kind;
      switch (c) {
        case '(':
          kind = Token::kLeftParen;
          break;
        case ')':
          kind = Token::kRightParen;
          break;
        case '{':
          kind = Token::kLeftBrace;
          break;
        case '}':
          kind = Token::kRightBrace;
          break;
        case ':':
          kind = Token::kColon;
          break;
        case '*':
          kind = Token::kStar;
          break;
        case '+':
          kind = Token::kPlus;
          break;
        case '^':
          kind = Token::kCaret;
          break;
        case '-':
          kind = Token::kMinus;
          break;
        case ',':
          kind = Token::kComma;
          break;
        default:
          return absl::InvalidArgumentError(
              absl::StrCat("syntax error near \"",
                           std::string(1, static_cast<char>(c)), "\""));
      }
      tokens_.push_back({kind, std::string(1, static_cast<char>(c))});
      ++i;
    }
    tokens_.push_back({Token::kEnd, ""});
    return absl::OkStatus();
  }

  const Token& Peek(size_t ahead = 0) const {
    return tokens_[std::min(next_ + ahead, tokens_.size() - 1)];
  }
  const Token& Take() {
    const Token& token = Peek();
    if (next_ < tokens_.size() - 1) ++next_;
    return token;
  }
  bool IsKeyword(const Token& token, std::string_view keyword) const {
    return token.kind == Token::kWord && token.text == keyword;
  }
  bool AtOperator() const {
    return IsKeyword(Peek(), "AND") || IsKeyword(Peek(), "OR") ||
           IsKeyword(Peek(), "NOT");
  }

  static absl::Status SyntaxError(const Token& token) {
    if (token.kind == Token::kEnd) {
      return absl::InvalidArgumentError("syntax error at the end of the query");
    }
    return absl::InvalidArgumentError(
        absl::StrCat("syntax error near \"", token.text, "\""));
  }

  absl::StatusOr<std::string> Or(unsigned columns) {
    absl::StatusOr<std::string> left = And(columns);
    while (left.ok() && IsKeyword(Peek(), "OR")) {
      Take();
      absl::StatusOr<std::string> right = And(columns);
      if (!right.ok()) return right;
      left = absl::StrCat("(", *left, " | ", *right, ")");
    }
    return left;
  }

  absl::StatusOr<std::string> And(unsigned columns) {
    absl::StatusOr<std::string> left = Not(columns);
    while (left.ok() && IsKeyword(Peek(), "AND")) {
      Take();
      absl::StatusOr<std::string> right = Not(columns);
      if (!right.ok()) return right;
      left = absl::StrCat("(", *left, " & ", *right, ")");
    }
    return left;
  }

  absl::StatusOr<std::string> Not(unsigned columns) {
    absl::StatusOr<std::string> left = Operand(columns);
    while (left.ok() && IsKeyword(Peek(), "NOT")) {
      Take();
      absl::StatusOr<std::string> right = Operand(columns);
      if (!right.ok()) return right;
      left = absl::StrCat("(", *left, " & !", *right, ")");
    }
    return left;
  }

  bool AtColumnFilter() const {
    return Peek().kind == Token::kMinus || Peek().kind == Token::kLeftBrace ||
           (Peek().kind == Token::kWord && Peek(1).kind == Token::kColon &&
            !AtOperator());
  }

  // A parenthesised expression, optionally under a column filter, or a
  // run of phrases (implicitly AND-ed, as FTS5 does only there).
  absl::StatusOr<std::string> Operand(unsigned columns) {
    if (Peek().kind == Token::kLeftParen) return Group(columns);
    if (AtColumnFilter() && ColumnFilterAppliesToGroup()) {
      absl::StatusOr<unsigned> filtered = ColumnFilter(columns);
      if (!filtered.ok()) return filtered.status();
      return Group(*filtered);
    }
    std::vector<std::string> phrases;
    while (true) {
      absl::StatusOr<std::string> phrase = FilteredPhrase(columns);
      if (!phrase.ok()) return phrase;
      phrases.push_back(*std::move(phrase));
      const Token& next = Peek();
      const bool more =
          !AtOperator() &&
          (next.kind == Token::kWord || next.kind == Token::kString ||
           next.kind == Token::kCaret || next.kind == Token::kMinus ||
           next.kind == Token::kLeftBrace);
      if (!more) break;
    }
    if (phrases.size() == 1) return phrases[0];
    return absl::StrCat("(", absl::StrJoin(phrases, " & "), ")");
  }

  // Whether the column filter ahead is followed by "(" (after its ":").
  bool ColumnFilterAppliesToGroup() const {
    size_t ahead = 0;
    if (Peek(ahead).kind == Token::kMinus) ++ahead;
    if (Peek(ahead).kind == Token::kLeftBrace) {
      while (Peek(ahead).kind != Token::kRightBrace &&
             Peek(ahead).kind != Token::kEnd) {
        ++ahead;
      }
    }
    ++ahead;  // The column name or "}".
    return Peek(ahead).kind == Token::kColon &&
           Peek(ahead + 1).kind == Token::kLeftParen;
  }

  absl::StatusOr<std::string> Group(unsigned columns) {
    if (Peek().kind != Token::kLeftParen) return SyntaxError(Peek());
    Take();
    absl::StatusOr<std::string> inner = Or(columns);
    if (!inner.ok()) return inner;
    if (Peek().kind != Token::kRightParen) return SyntaxError(Peek());
    Take();
    return inner;
  }

  absl::StatusOr<unsigned> ColumnMask(const std::string& name) const {
    const std::string lower = absl::AsciiStrToLower(name);
    if (lower == "title") return kTitle;
    if (lower == "body") return kBody;
    return absl::InvalidArgumentError(absl::StrCat("no such column: ", name));
  }

  // [-] (column | "{" column... "}") ":" -> the columns left to search.
  absl::StatusOr<unsigned> ColumnFilter(unsigned columns) {
    const bool negated = Peek().kind == Token::kMinus;
    if (negated) Take();
    unsigned named = 0;
    if (Peek().kind == Token::kLeftBrace) {
      Take();
      while (Peek().kind == Token::kWord) {
        absl::StatusOr<unsigned> mask = ColumnMask(Take().text);
        if (!mask.ok()) return mask.status();
        named |= *mask;
      }
      if (Peek().kind != Token::kRightBrace || named == 0) {
        return SyntaxError(Peek());
      }
      Take();
    } else if (Peek().kind == Token::kWord) {
      absl::StatusOr<unsigned> mask = ColumnMask(Take().text);
      if (!mask.ok()) return mask.status();
      named = *mask;
    } else {
      return SyntaxError(Peek());
    }
    if (Peek().kind != Token::kColon) return SyntaxError(Peek());
    Take();
    const unsigned result = columns & (negated ? kAllColumns & ~named : named);
    if (result == 0) {
      return absl::InvalidArgumentError(
          "the column filters leave no column to search");
    }
    return result;
  }

  absl::StatusOr<std::string> FilteredPhrase(unsigned columns) {
    if (AtColumnFilter()) {
      absl::StatusOr<unsigned> filtered = ColumnFilter(columns);
      if (!filtered.ok()) return filtered.status();
      columns = *filtered;
    }
    return Phrase(columns);
  }

  // STRING [*] ( "+" STRING [*] )*  ->  'a' <-> 'b':* ...
  absl::StatusOr<std::string> Phrase(unsigned columns) {
    if (IsKeyword(Peek(), "NEAR") && Peek(1).kind == Token::kLeftParen) {
      return absl::InvalidArgumentError(
          "NEAR(...) is supported on SQLite databases only; use a phrase or "
          "AND");
    }
    const char* weight = columns == kTitle ? "A" : columns == kBody ? "B" : "";
    std::vector<std::string> lexemes;
    while (true) {
      if (Peek().kind == Token::kCaret) {
        return absl::InvalidArgumentError(
            "^ (initial token) is supported on SQLite databases only");
      }
      const Token& token = Peek();
      if ((token.kind != Token::kWord && token.kind != Token::kString) ||
          AtOperator()) {
        return SyntaxError(token);
      }
      Take();
      const bool prefix = Peek().kind == Token::kStar;
      if (prefix) Take();
      std::vector<std::string> words = SearchTokens(token.text);
      if (words.empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat("\"", token.text, "\" has no searchable word in it"));
      }
      for (size_t i = 0; i < words.size(); ++i) {
        const bool last = i + 1 == words.size();
        std::string suffix = absl::StrCat(prefix && last ? "*" : "", weight);
        lexemes.push_back(absl::StrCat("'", words[i], "'",
                                       suffix.empty() ? "" : ":", suffix));
      }
      if (Peek().kind != Token::kPlus) break;
      Take();
    }
    if (lexemes.size() == 1) return lexemes[0];
    return absl::StrCat("(", absl::StrJoin(lexemes, " <-> "), ")");
  }

  std::string_view query_;
  std::vector<Token> tokens_;
  size_t next_ = 0;
};

}  // namespace

bool IsOneQuotedPhrase(std::string_view query) {
  const absl::string_view phrase =
      absl::StripAsciiWhitespace(absl::string_view(query.data(), query.size()));
  return phrase.size() >= 2 && phrase.front() == '"' && phrase.back() == '"' &&
         phrase.substr(1, phrase.size() - 2).find('"') ==
             absl::string_view::npos;
}

bool HasPhraseOfSeveralTokens(std::string_view query) {
  bool quoted = false;
  for (const char c : query) {
    if (c == '"') {
      // An escaped quote ("") inside a string is a separator too: the
      // string ends and starts again, which this counts as a separator.
      quoted = !quoted;
      continue;
    }
    if (quoted ? !IsBarewordByte(static_cast<unsigned char>(c)) : c == '+') {
      return true;
    }
  }
  return false;
}

absl::StatusOr<std::string> TextQueryToTsQuery(std::string_view query) {
  return Parser(query).Parse();
}

absl::StatusOr<absl::Time> ParseTimeBound(std::string_view text,
                                          TimeBound bound, absl::Time now) {
  const std::string trimmed(absl::StripAsciiWhitespace(Absl(text)));
  auto invalid = [&] {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid time \"", trimmed,
                     "\": expected a date (2031-04-02), an RFC 3339 time "
                     "(2031-04-02T08:15:00Z) or an age (90m, 36h, 7d, 2w)"));
  };
  if (trimmed.empty()) return invalid();

  const char unit = trimmed.back();
  int64_t amount = 0;
  if ((unit == 'm' || unit == 'h' || unit == 'd' || unit == 'w') &&
      absl::SimpleAtoi(absl::string_view(trimmed).substr(0, trimmed.size() - 1),
                       &amount) &&
      amount >= 0) {
    const absl::Duration per = unit == 'm'   ? absl::Minutes(1)
                               : unit == 'h' ? absl::Hours(1)
                               : unit == 'd' ? absl::Hours(24)
                                             : absl::Hours(24 * 7);
    return now - amount * per;
  }

  const std::optional<absl::Time> stamp = ParseTimestamp(trimmed);
  if (!stamp) return invalid();
  // A date alone ("2031-04-02", the only form of ten characters) bounds
  // its whole day.
  const bool date_alone = trimmed.size() == 10;
  return bound == TimeBound::kUntil && date_alone ? *stamp + absl::Hours(24)
                                                  : *stamp;
}

}  // namespace newsflow
