#include "runner/observe/where.h"

#include <cctype>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/proto_json.h"

namespace newsflow {

using google::protobuf::Descriptor;
using google::protobuf::EnumValueDescriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

namespace {

enum class Op { kEq, kNe, kContains, kNotContains, kLt, kLe, kGt, kGe };

struct Step {
  const FieldDescriptor* field = nullptr;
  // Set for a map field followed by a key: metadata.KEY.
  bool has_key = false;
  std::string key;
};

// A literal converted to the type of the field it is compared with.
struct Operand {
  std::string text;  // strings (lower-cased for ~ and !~)
  double number = 0;
  bool boolean = false;
  // A text field compared with a number: text values (metadata is all
  // text) that parse as numbers compare as numbers.
  bool text_as_number = false;
};

enum class TokenKind {
  kName,
  kString,
  kNumber,
  kOp,
  kLParen,
  kRParen,
  kDot,
  kAnd,
  kOr,
  kNot,
  kEnd
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::string text;
  size_t column = 0;  // 1-based
};

std::string LowerAscii(absl::string_view text) {
  return absl::AsciiStrToLower(std::string(text));
}

}  // namespace

struct WhereExpression::Node {
  enum class Kind { kAnd, kOr, kNot, kCompare, kPresent };
  Kind kind = Kind::kCompare;
  std::unique_ptr<Node> left;
  std::unique_ptr<Node> right;
  std::vector<Step> path;
  Op op = Op::kEq;
  Operand operand;
};

namespace {

using Node = WhereExpression::Node;

class Lexer {
 public:
  explicit Lexer(absl::string_view text) : text_(text) {}

  absl::StatusOr<std::vector<Token>> Tokens() {
    std::vector<Token> tokens;
    while (true) {
      while (pos_ < text_.size() &&
             absl::ascii_isspace(static_cast<unsigned char>(text_[pos_]))) {
        ++pos_;
      }
      Token token;
      token.column = pos_ + 1;
      if (pos_ >= text_.size()) {
        tokens.push_back(token);
        return tokens;
      }
      const char c = text_[pos_];
      if (c == '"' || c == '\'') {
        absl::StatusOr<std::string> s = QuotedString(c);
        if (!s.ok()) return s.status();
        token.kind = TokenKind::kString;
        token.text = *s;
      } else if (absl::ascii_isdigit(static_cast<unsigned char>(c)) ||
                 ((c == '-' || c == '+') && pos_ + 1 < text_.size() &&
                  (absl::ascii_isdigit(
                       static_cast<unsigned char>(text_[pos_ + 1])) ||
                   text_[pos_ + 1] == '.'))) {
        size_t start = pos_++;
        while (pos_ < text_.size() &&
               (absl::ascii_isalnum(static_cast<unsigned char>(text_[pos_])) ||
                text_[pos_] == '.' ||
                ((text_[pos_] == '-' || text_[pos_] == '+') &&
                 (text_[pos_ - 1] == 'e' || text_[pos_ - 1] == 'E')))) {
          ++pos_;
        }
        token.kind = TokenKind::kNumber;
        token.text = std::string(text_.substr(start, pos_ - start));
      } else if (absl::ascii_isalpha(static_cast<unsigned char>(c)) ||
                 c == '_') {
        size_t start = pos_;
        while (pos_ < text_.size() &&
               (absl::ascii_isalnum(static_cast<unsigned char>(text_[pos_])) ||
                text_[pos_] == '_' || text_[pos_] == '-')) {
          ++pos_;
        }
        token.text = std::string(text_.substr(start, pos_ - start));
        const std::string lower = LowerAscii(token.text);
        token.kind = lower == "and"   ? TokenKind::kAnd
                     : lower == "or"  ? TokenKind::kOr
                     : lower == "not" ? TokenKind::kNot
                                      : TokenKind::kName;
      } else {
        static constexpr absl::string_view kSymbols[] = {
            "==", "!=", "!~", "<=", ">=", "&&", "||",
            "~",  "<",  ">",  "!",  "(",  ")",  "."};
        absl::string_view rest = text_.substr(pos_);
        absl::string_view symbol;
        for (absl::string_view s : kSymbols) {
          if (absl::StartsWith(rest, s)) {
            symbol = s;
            break;
          }
        }
        if (symbol.empty() && c == '=') {
          return Error(pos_, "use '==' to compare");
        }
        if (symbol.empty()) {
          return Error(pos_, absl::StrCat("unexpected character '",
                                          std::string(1, c), "'"));
        }
        pos_ += symbol.size();
        token.text = std::string(symbol);
        token.kind = symbol == "&&"   ? TokenKind::kAnd
                     : symbol == "||" ? TokenKind::kOr
                     : symbol == "!"  ? TokenKind::kNot
                     : symbol == "("  ? TokenKind::kLParen
                     : symbol == ")"  ? TokenKind::kRParen
                     : symbol == "."  ? TokenKind::kDot
                                      : TokenKind::kOp;
        tokens.push_back(token);
        continue;
      }
      tokens.push_back(token);
    }
  }

  absl::Status Error(size_t offset, absl::string_view message) const {
    return absl::InvalidArgumentError(absl::StrCat(
        "--where '", text_, "': column ", offset + 1, ": ", message));
  }

 private:
  absl::StatusOr<std::string> QuotedString(char quote) {
    const size_t start = pos_++;
    std::string out;
    while (pos_ < text_.size() && text_[pos_] != quote) {
      if (text_[pos_] == '\\' && pos_ + 1 < text_.size()) ++pos_;
      out += text_[pos_++];
    }
    if (pos_ >= text_.size()) return Error(start, "unterminated string");
    ++pos_;
    return out;
  }

  absl::string_view text_;
  size_t pos_ = 0;
};

std::string FieldNames(const Descriptor* type) {
  std::vector<std::string> names;
  for (int i = 0; i < type->field_count(); ++i) {
    names.push_back(type->field(i)->name());
  }
  return absl::StrJoin(names, ", ");
}

bool IsNumeric(const FieldDescriptor* field) {
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
    case FieldDescriptor::CPPTYPE_INT64:
    case FieldDescriptor::CPPTYPE_UINT32:
    case FieldDescriptor::CPPTYPE_UINT64:
    case FieldDescriptor::CPPTYPE_DOUBLE:
    case FieldDescriptor::CPPTYPE_FLOAT:
      return true;
    default:
      return false;
  }
}

class Parser {
 public:
  Parser(const Lexer& lexer, std::vector<Token> tokens, const Descriptor* type)
      : lexer_(lexer), tokens_(std::move(tokens)), type_(type) {}

  absl::StatusOr<std::unique_ptr<Node>> Parse() {
    absl::StatusOr<std::unique_ptr<Node>> node = Or();
    if (!node.ok()) return node;
    if (Peek().kind != TokenKind::kEnd) {
      return Error(Peek(), absl::StrCat("unexpected '", Peek().text,
                                        "'; expected and, or or the end"));
    }
    return node;
  }

 private:
  const Token& Peek() const { return tokens_[index_]; }
  const Token& Next() {
    const Token& token = tokens_[index_];
    if (token.kind != TokenKind::kEnd) ++index_;
    return token;
  }
  absl::Status Error(const Token& token, absl::string_view message) const {
    return lexer_.Error(token.column - 1, message);
  }

  absl::StatusOr<std::unique_ptr<Node>> Or() {
    absl::StatusOr<std::unique_ptr<Node>> left = And();
    if (!left.ok()) return left;
    while (Peek().kind == TokenKind::kOr) {
      Next();
      absl::StatusOr<std::unique_ptr<Node>> right = And();
      if (!right.ok()) return right;
      left = Join(Node::Kind::kOr, *std::move(left), *std::move(right));
    }
    return left;
  }

  absl::StatusOr<std::unique_ptr<Node>> And() {
    absl::StatusOr<std::unique_ptr<Node>> left = Not();
    if (!left.ok()) return left;
    while (Peek().kind == TokenKind::kAnd) {
      Next();
      absl::StatusOr<std::unique_ptr<Node>> right = Not();
      if (!right.ok()) return right;
      left = Join(Node::Kind::kAnd, *std::move(left), *std::move(right));
    }
    return left;
  }

  static std::unique_ptr<Node> Join(Node::Kind kind, std::unique_ptr<Node> a,
                                    std::unique_ptr<Node> b) {
    auto node = std::make_unique<Node>();
    node->kind = kind;
    node->left = std::move(a);
    node->right = std::move(b);
    return node;
  }

  absl::StatusOr<std::unique_ptr<Node>> Not() {
    if (Peek().kind == TokenKind::kNot) {
      Next();
      absl::StatusOr<std::unique_ptr<Node>> inner = Not();
      if (!inner.ok()) return inner;
      auto node = std::make_unique<Node>();
      node->kind = Node::Kind::kNot;
      node->left = *std::move(inner);
      return node;
    }
    if (Peek().kind == TokenKind::kLParen) {
      Next();
      absl::StatusOr<std::unique_ptr<Node>> inner = Or();
      if (!inner.ok()) return inner;
      if (Peek().kind != TokenKind::kRParen) {
        return Error(Peek(), "expected ')'");
      }
      Next();
      return inner;
    }
    return Comparison();
  }

  absl::StatusOr<std::unique_ptr<Node>> Comparison() {
    auto node = std::make_unique<Node>();
    const Token& start = Peek();
    if (absl::Status status = Path(node->path); !status.ok()) return status;
    std::string path_text;
    for (const Step& step : node->path) {
      absl::StrAppend(&path_text, path_text.empty() ? "" : ".",
                      step.field->name(), step.has_key ? "." : "", step.key);
    }
    const FieldDescriptor* leaf = LeafField(node->path);
    const bool list_leaf =
        node->path.back().field->is_repeated() && !node->path.back().has_key;
    if (Peek().kind != TokenKind::kOp) {
      node->kind = Node::Kind::kPresent;
      return node;
    }
    const Token& op_token = Next();
    const std::string& op = op_token.text;
    node->op = op == "=="   ? Op::kEq
               : op == "!=" ? Op::kNe
               : op == "~"  ? Op::kContains
               : op == "!~" ? Op::kNotContains
               : op == "<"  ? Op::kLt
               : op == "<=" ? Op::kLe
               : op == ">"  ? Op::kGt
                            : Op::kGe;
    if (leaf->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      std::vector<std::string> fields;
      for (int i = 0; i < leaf->message_type()->field_count(); ++i) {
        fields.push_back(absl::StrCat(path_text, ".",
                                      leaf->message_type()->field(i)->name()));
      }
      return Error(start,
                   absl::StrCat("'", leaf->name(), "' is ",
                                list_leaf ? "a list of messages" : "a message",
                                "; compare one of its fields: ",
                                absl::StrJoin(fields, ", ")));
    }
    const Token& value = Next();
    if (value.kind != TokenKind::kString && value.kind != TokenKind::kNumber &&
        value.kind != TokenKind::kName) {
      return Error(value,
                   "expected a value: \"text\", a number, true, false "
                   "or an enum name");
    }
    return ConvertOperand(std::move(node), leaf, value);
  }

  absl::StatusOr<std::unique_ptr<Node>> ConvertOperand(
      std::unique_ptr<Node> node, const FieldDescriptor* leaf,
      const Token& value) {
    const bool ordering = node->op == Op::kLt || node->op == Op::kLe ||
                          node->op == Op::kGt || node->op == Op::kGe;
    const bool contains =
        node->op == Op::kContains || node->op == Op::kNotContains;
    switch (leaf->cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING:
        if (value.kind == TokenKind::kNumber && !contains &&
            absl::SimpleAtod(value.text, &node->operand.number)) {
          node->operand.text_as_number = true;
          node->operand.text = value.text;
          return node;
        }
        if (value.kind != TokenKind::kString) {
          return Error(value, absl::StrCat("'", leaf->name(),
                                           "' is text; quote the value: \"",
                                           value.text, "\""));
        }
        node->operand.text = contains ? LowerAscii(value.text) : value.text;
        return node;
      case FieldDescriptor::CPPTYPE_BOOL:
        if (ordering || contains) {
          return Error(value, absl::StrCat("'", leaf->name(),
                                           "' is true or false; use == or !="));
        }
        if (value.kind != TokenKind::kName ||
            (LowerAscii(value.text) != "true" &&
             LowerAscii(value.text) != "false")) {
          return Error(value,
                       absl::StrCat("'", leaf->name(), "' is true or false"));
        }
        node->operand.boolean = LowerAscii(value.text) == "true";
        return node;
      case FieldDescriptor::CPPTYPE_ENUM: {
        if (ordering || contains) {
          return Error(value, absl::StrCat("'", leaf->name(),
                                           "' is one of a set of "
                                           "names; use == or !="));
        }
        const auto* type = leaf->enum_type();
        int number = 0;
        if (value.kind == TokenKind::kNumber &&
            absl::SimpleAtoi(value.text, &number)) {
          node->operand.number = number;
          return node;
        }
        for (int i = 0; i < type->value_count(); ++i) {
          if (LowerAscii(type->value(i)->name()) == LowerAscii(value.text)) {
            node->operand.number = type->value(i)->number();
            return node;
          }
        }
        std::vector<std::string> names;
        for (int i = 0; i < type->value_count(); ++i) {
          names.push_back(type->value(i)->name());
        }
        return Error(
            value,
            absl::StrCat("'", value.text, "' is not a value of '", leaf->name(),
                         "' (values: ", absl::StrJoin(names, ", "), ")"));
      }
      default:
        if (!IsNumeric(leaf)) {
          return Error(value,
                       absl::StrCat("'", leaf->name(), "' cannot be compared"));
        }
        if (contains) {
          return Error(value, absl::StrCat("'", leaf->name(),
                                           "' is a number; ~ works on text"));
        }
        if (value.kind != TokenKind::kNumber ||
            !absl::SimpleAtod(value.text, &node->operand.number)) {
          return Error(value,
                       absl::StrCat("'", leaf->name(), "' is a number; got '",
                                    value.text, "'"));
        }
        return node;
    }
  }

  // The field a comparison reads: a keyed map's value field, or the last.
  static const FieldDescriptor* LeafField(const std::vector<Step>& path) {
    const Step& last = path.back();
    if (last.has_key) return last.field->message_type()->map_value();
    return last.field;
  }

  absl::Status Path(std::vector<Step>& path) {
    const Descriptor* type = type_;
    std::string so_far;
    while (true) {
      const Token& name = Next();
      if (name.kind != TokenKind::kName) {
        return Error(name, "expected a field name");
      }
      if (type == nullptr) {
        return Error(
            name, absl::StrCat("'", so_far, "' has no fields to select from"));
      }
      const FieldDescriptor* field = type->FindFieldByName(name.text);
      if (field == nullptr) {
        return Error(name, absl::StrCat("no field '", name.text, "' in ",
                                        so_far.empty() ? type->name() : so_far,
                                        " (fields: ", FieldNames(type), ")"));
      }
      absl::StrAppend(&so_far, so_far.empty() ? "" : ".", name.text);
      Step step;
      step.field = field;
      type = field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE
                 ? field->message_type()
                 : nullptr;
      if (field->is_map() && Peek().kind == TokenKind::kDot) {
        Next();
        const Token& key = Next();
        if (key.kind != TokenKind::kName && key.kind != TokenKind::kString &&
            key.kind != TokenKind::kNumber) {
          return Error(key, absl::StrCat("expected a key of '", so_far, "'"));
        }
        step.has_key = true;
        step.key = key.text;
        absl::StrAppend(&so_far, ".", key.text);
        const FieldDescriptor* value = field->message_type()->map_value();
        type = value->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE
                   ? value->message_type()
                   : nullptr;
      }
      path.push_back(step);
      if (Peek().kind != TokenKind::kDot) return absl::OkStatus();
      Next();
    }
  }

  const Lexer& lexer_;
  std::vector<Token> tokens_;
  size_t index_ = 0;
  const Descriptor* type_;
};

// ---- Evaluation ----------------------------------------------------------

// One value a path reaches: `field` of `message`, element `index` of a
// repeated field (or -1).
struct LeafRef {
  const Message* message;
  const FieldDescriptor* field;
  int index;
};

template <typename Visit>
void ForEachLeaf(const Message& message, const std::vector<Step>& path,
                 size_t i, const Visit& visit) {
  const Step& step = path[i];
  const Reflection* r = message.GetReflection();
  const bool last = i + 1 == path.size();
  if (step.has_key) {
    const int n = r->FieldSize(message, step.field);
    const FieldDescriptor* value = step.field->message_type()->map_value();
    for (int k = 0; k < n; ++k) {
      const Message& entry = r->GetRepeatedMessage(message, step.field, k);
      if (MapKeyText(entry) != step.key) continue;
      if (last) {
        visit(LeafRef{&entry, value, -1});
      } else {
        ForEachLeaf(entry.GetReflection()->GetMessage(entry, value), path,
                    i + 1, visit);
      }
    }
    return;
  }
  if (step.field->is_repeated()) {
    const int n = r->FieldSize(message, step.field);
    for (int k = 0; k < n; ++k) {
      if (last) {
        visit(LeafRef{&message, step.field, k});
      } else {
        ForEachLeaf(r->GetRepeatedMessage(message, step.field, k), path, i + 1,
                    visit);
      }
    }
    return;
  }
  if (last) {
    visit(LeafRef{&message, step.field, -1});
  } else {
    ForEachLeaf(r->GetMessage(message, step.field), path, i + 1, visit);
  }
}

std::string StringOf(const LeafRef& leaf) {
  const Reflection* r = leaf.message->GetReflection();
  return leaf.index < 0
             ? r->GetString(*leaf.message, leaf.field)
             : r->GetRepeatedString(*leaf.message, leaf.field, leaf.index);
}

double NumberOf(const LeafRef& leaf) {
  const Reflection* r = leaf.message->GetReflection();
  const Message& m = *leaf.message;
  const FieldDescriptor* f = leaf.field;
  const int i = leaf.index;
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      return i < 0 ? r->GetInt32(m, f) : r->GetRepeatedInt32(m, f, i);
    case FieldDescriptor::CPPTYPE_INT64:
      return static_cast<double>(i < 0 ? r->GetInt64(m, f)
                                       : r->GetRepeatedInt64(m, f, i));
    case FieldDescriptor::CPPTYPE_UINT32:
      return i < 0 ? r->GetUInt32(m, f) : r->GetRepeatedUInt32(m, f, i);
    case FieldDescriptor::CPPTYPE_UINT64:
      return static_cast<double>(i < 0 ? r->GetUInt64(m, f)
                                       : r->GetRepeatedUInt64(m, f, i));
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return i < 0 ? r->GetDouble(m, f) : r->GetRepeatedDouble(m, f, i);
    case FieldDescriptor::CPPTYPE_FLOAT:
      return i < 0 ? r->GetFloat(m, f) : r->GetRepeatedFloat(m, f, i);
    case FieldDescriptor::CPPTYPE_ENUM:
      return i < 0 ? r->GetEnumValue(m, f) : r->GetRepeatedEnumValue(m, f, i);
    case FieldDescriptor::CPPTYPE_BOOL:
      return (i < 0 ? r->GetBool(m, f) : r->GetRepeatedBool(m, f, i)) ? 1 : 0;
    default:
      return 0;
  }
}

template <typename T>
bool Ordered(Op op, const T& a, const T& b) {
  switch (op) {
    case Op::kLt:
      return a < b;
    case Op::kLe:
      return a <= b;
    case Op::kGt:
      return a > b;
    case Op::kGe:
      return a >= b;
    default:
      return a == b;
  }
}

// Whether one leaf satisfies the positive form of the comparison.
bool LeafMatches(const Node& node, const LeafRef& leaf) {
  const Op op = node.op == Op::kNe            ? Op::kEq
                : node.op == Op::kNotContains ? Op::kContains
                                              : node.op;
  switch (leaf.field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING: {
      const std::string value = StringOf(leaf);
      if (node.operand.text_as_number) {
        double number = 0;
        return absl::SimpleAtod(value, &number) &&
               Ordered(op, number, node.operand.number);
      }
      if (op == Op::kContains) {
        return absl::StrContains(LowerAscii(value), node.operand.text);
      }
      return Ordered(op, value, node.operand.text);
    }
    case FieldDescriptor::CPPTYPE_BOOL:
      return (NumberOf(leaf) != 0) == node.operand.boolean;
    default:
      return Ordered(op, NumberOf(leaf), node.operand.number);
  }
}

bool IsSet(const LeafRef& leaf) {
  switch (leaf.field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      return !StringOf(leaf).empty();
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return leaf.index >= 0 ||
             leaf.message->GetReflection()->HasField(*leaf.message, leaf.field);
    default:
      return NumberOf(leaf) != 0;
  }
}

bool Evaluate(const Node& node, const Message& message) {
  switch (node.kind) {
    case Node::Kind::kAnd:
      return Evaluate(*node.left, message) && Evaluate(*node.right, message);
    case Node::Kind::kOr:
      return Evaluate(*node.left, message) || Evaluate(*node.right, message);
    case Node::Kind::kNot:
      return !Evaluate(*node.left, message);
    case Node::Kind::kPresent: {
      bool any = false;
      const Step& last = node.path.back();
      if (last.field->is_repeated() && !last.has_key) {
        // A list is set when it has elements, whatever they hold.
        ForEachLeaf(message, node.path, 0, [&](const LeafRef&) { any = true; });
      } else {
        ForEachLeaf(message, node.path, 0,
                    [&](const LeafRef& leaf) { any = any || IsSet(leaf); });
      }
      return any;
    }
    case Node::Kind::kCompare: {
      bool any = false;
      ForEachLeaf(message, node.path, 0, [&](const LeafRef& leaf) {
        any = any || LeafMatches(node, leaf);
      });
      return node.op == Op::kNe || node.op == Op::kNotContains ? !any : any;
    }
  }
  return false;
}

}  // namespace

absl::StatusOr<WhereExpression> WhereExpression::Parse(absl::string_view text,
                                                       const Descriptor* type) {
  Lexer lexer(text);
  absl::StatusOr<std::vector<Token>> tokens = lexer.Tokens();
  if (!tokens.ok()) return tokens.status();
  if (tokens->size() == 1) return lexer.Error(0, "the expression is empty");
  Parser parser(lexer, *std::move(tokens), type);
  absl::StatusOr<std::unique_ptr<Node>> root = parser.Parse();
  if (!root.ok()) return root.status();
  return WhereExpression(*std::move(root));
}

WhereExpression::WhereExpression(std::unique_ptr<Node> root)
    : root_(std::move(root)) {}
WhereExpression::WhereExpression(WhereExpression&&) noexcept = default;
WhereExpression& WhereExpression::operator=(WhereExpression&&) noexcept =
    default;
WhereExpression::~WhereExpression() = default;

bool WhereExpression::Matches(const Message& message) const {
  return Evaluate(*root_, message);
}

}  // namespace newsflow
