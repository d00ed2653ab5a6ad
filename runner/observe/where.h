// `newsflow tail --where EXPR`: a small filter language over the fields of
// a protobuf message (an Article), evaluated through reflection.
//
//   language == "en"
//   entities.canonical == "Muammar Gaddafi"
//   title ~ "ceasefire" and not (source == "wire" or language_confidence < 0.5)
//   entities.type == PERSON && metadata.reading_minutes >= "3"
//   warnings                      # a bare field: set / non-empty
//
// Grammar (keywords and enum names are case-insensitive):
//   expr       := and_expr { ("or" | "||") and_expr }
//   and_expr   := not_expr { ("and" | "&&") not_expr }
//   not_expr   := ("not" | "!") not_expr | "(" expr ")" | comparison
//   comparison := path [ op value ]
//   path       := name { "." name }      a map field takes a key: metadata.k
//   op         := "==" | "!=" | "~" | "!~" | "<" | "<=" | ">" | ">="
//   value      := "string" | 'string' | number | true | false | ENUM_NAME
//
// Semantics:
//   - A path through repeated fields (entities.canonical) yields every
//     element's value; a comparison holds when ANY value satisfies it.
//     `!=` and `!~` are the negations of `==` and `~`: they hold when NO
//     value matches (keywords != "sport": no keyword is "sport").
//   - `~` is a case-insensitive (ASCII) substring test on strings, not a
//     regular expression.
//   - Strings compare bytewise (so RFC 3339 times order correctly:
//     published_at >= "2024-01-01"); numbers numerically; enums by name
//     or number; bools with true / false.
//   - A bare path holds when the field is set: a non-empty string or
//     list, a non-zero number, true.
// Field names and value types are checked when the expression is parsed,
// so a typo is an error naming the known fields, never a silent no-match.
#ifndef NEWSFLOW_RUNNER_OBSERVE_WHERE_H_
#define NEWSFLOW_RUNNER_OBSERVE_WHERE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace newsflow {

class WhereExpression {
 public:
  // Errors are InvalidArgument, quoting the expression with the column of
  // the problem.
  static absl::StatusOr<WhereExpression> Parse(
      absl::string_view text, const google::protobuf::Descriptor* type);

  WhereExpression(WhereExpression&&) noexcept;
  WhereExpression& operator=(WhereExpression&&) noexcept;
  ~WhereExpression();

  // `message` must be of the type the expression was parsed for.
  bool Matches(const google::protobuf::Message& message) const;

  struct Node;

 private:
  explicit WhereExpression(std::unique_ptr<Node> root);
  std::unique_ptr<Node> root_;
};

}  // namespace newsflow

#endif  // NEWSFLOW_RUNNER_OBSERVE_WHERE_H_
