#include "stages/ingest/html/json_value.h"

#include <cstdlib>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/text.h"

namespace newsflow::html {
namespace {

const std::string& EmptyString() {
  static const std::string* empty = new std::string();
  return *empty;
}

class JsonParser {
 public:
  explicit JsonParser(absl::string_view text) : text_(text) {}

  absl::StatusOr<JsonValue> Run() {
    SkipSpace();
    JsonValue value;
    if (!ParseValue(0, &value)) return Error();
    SkipSpace();
    if (pos_ < text_.size()) {
      error_ = "unexpected text after the value";
      return Error();
    }
    return value;
  }

 private:
  absl::Status Error() const {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid JSON at byte ", pos_, ": ", error_));
  }

  // Whitespace, and the "<!--" / "-->" some pages wrap JSON-LD in.
  void SkipSpace() {
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
        ++pos_;
      } else if (text_.substr(pos_, 4) == "<!--") {
        pos_ += 4;
      } else if (text_.substr(pos_, 3) == "-->") {
        pos_ += 3;
      } else {
        return;
      }
    }
  }

  bool ParseValue(int depth, JsonValue* out) {
    if (depth > kMaxJsonDepth) {
      error_ = "nested too deeply";
      return false;
    }
    if (pos_ >= text_.size()) {
      error_ = "unexpected end";
      return false;
    }
    char c = text_[pos_];
    if (c == '{') return ParseObject(depth, out);
    if (c == '[') return ParseArray(depth, out);
    if (c == '"') {
      out->kind = JsonValue::Kind::kString;
      return ParseString(&out->string);
    }
    if (Literal("true")) {
      out->kind = JsonValue::Kind::kBool;
      out->boolean = true;
      return true;
    }
    if (Literal("false")) {
      out->kind = JsonValue::Kind::kBool;
      return true;
    }
    if (Literal("null")) return true;
    return ParseNumber(out);
  }

  bool Literal(absl::string_view word) {
    if (text_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  bool ParseNumber(JsonValue* out) {
    size_t start = pos_;
    while (pos_ < text_.size() &&
           absl::string_view("+-0123456789.eE").find(text_[pos_]) !=
               absl::string_view::npos) {
      ++pos_;
    }
    if (pos_ == start) {
      error_ = "expected a value";
      return false;
    }
    std::string number(text_.substr(start, pos_ - start));
    char* end = nullptr;
    out->kind = JsonValue::Kind::kNumber;
    out->number = std::strtod(number.c_str(), &end);
    if (end != number.c_str() + number.size()) {
      error_ = "malformed number";
      return false;
    }
    return true;
  }

  bool ParseHex4(uint32_t* out) {
    if (pos_ + 4 > text_.size()) return false;
    uint32_t value = 0;
    for (int i = 0; i < 4; ++i) {
      char c = text_[pos_ + i];
      value <<= 4;
      if (c >= '0' && c <= '9') {
        value |= c - '0';
      } else if (c >= 'a' && c <= 'f') {
        value |= c - 'a' + 10;
      } else if (c >= 'A' && c <= 'F') {
        value |= c - 'A' + 10;
      } else {
        return false;
      }
    }
    pos_ += 4;
    *out = value;
    return true;
  }

  // text_[pos_] == '"'.
  bool ParseString(std::string* out) {
    ++pos_;
    while (pos_ < text_.size()) {
      char c = text_[pos_++];
      if (c == '"') return true;
      if (c != '\\') {
        out->push_back(c);
        continue;
      }
      if (pos_ >= text_.size()) break;
      char escape = text_[pos_++];
      switch (escape) {
        case 'n':
          out->push_back('\n');
          break;
        case 't':
          out->push_back('\t');
          break;
        case 'r':
          out->push_back('\r');
          break;
        case 'b':
          out->push_back('\b');
          break;
        case 'f':
          out->push_back('\f');
          break;
        case 'u': {
          uint32_t unit = 0;
          if (!ParseHex4(&unit)) {
            error_ = "bad \\u escape";
            return false;
          }
          if (unit >= 0xD800 && unit <= 0xDBFF &&
              text_.substr(pos_, 2) == "\\u") {
            size_t saved = pos_;
            pos_ += 2;
            uint32_t low = 0;
            if (ParseHex4(&low) && low >= 0xDC00 && low <= 0xDFFF) {
              unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
            } else {
              pos_ = saved;
            }
          }
          if (unit >= 0xD800 && unit <= 0xDFFF) unit = 0xFFFD;
          AppendUtf8(unit, out);
          break;
        }
        default:  // \" \\ \/ and, leniently, any other escaped character
          out->push_back(escape);
      }
    }
    error_ = "unterminated string";
    return false;
  }

  bool ParseArray(int depth, JsonValue* out) {
    out->kind = JsonValue::Kind::kArray;
    ++pos_;
    while (true) {
      SkipSpace();
      if (pos_ < text_.size() && text_[pos_] == ']') {
        ++pos_;
        return true;
      }
      out->array.emplace_back();
      if (!ParseValue(depth + 1, &out->array.back())) return false;
      SkipSpace();
      if (pos_ < text_.size() && text_[pos_] == ',') {
        ++pos_;
      } else if (pos_ >= text_.size() || text_[pos_] != ']') {
        error_ = "expected ',' or ']'";
        return false;
      }
    }
  }

  bool ParseObject(int depth, JsonValue* out) {
    out->kind = JsonValue::Kind::kObject;
    ++pos_;
    while (true) {
      SkipSpace();
      if (pos_ < text_.size() && text_[pos_] == '}') {
        ++pos_;
        return true;
      }
      if (pos_ >= text_.size() || text_[pos_] != '"') {
        error_ = "expected a key";
        return false;
      }
      std::string key;
      if (!ParseString(&key)) return false;
      SkipSpace();
      if (pos_ >= text_.size() || text_[pos_] != ':') {
        error_ = "expected ':'";
        return false;
      }
      ++pos_;
      SkipSpace();
      out->object.emplace_back(std::move(key), JsonValue());
      if (!ParseValue(depth + 1, &out->object.back().second)) return false;
      SkipSpace();
      if (pos_ < text_.size() && text_[pos_] == ',') {
        ++pos_;
      } else if (pos_ >= text_.size() || text_[pos_] != '}') {
        error_ = "expected ',' or '}'";
        return false;
      }
    }
  }

  absl::string_view text_;
  size_t pos_ = 0;
  std::string error_;
};

}  // namespace

const JsonValue* JsonValue::Find(absl::string_view key) const {
  for (const auto& [name, value] : object) {
    if (name == key) return &value;
  }
  return nullptr;
}

const std::string& JsonValue::StringOr(absl::string_view key) const {
  const JsonValue* value = Find(key);
  return value != nullptr && value->is_string() ? value->string : EmptyString();
}

absl::StatusOr<JsonValue> ParseJson(absl::string_view text) {
  return JsonParser(text).Run();
}

const JsonValue* FindJsonLdObject(
    const std::vector<JsonValue>& blocks,
    const std::function<bool(const JsonValue&)>& wanted) {
  std::vector<const JsonValue*> queue;
  for (const JsonValue& block : blocks) queue.push_back(&block);
  for (size_t i = 0; i < queue.size() && i < 10000; ++i) {
    const JsonValue* value = queue[i];
    if (value->is_array()) {
      for (const JsonValue& item : value->array) queue.push_back(&item);
    } else if (value->is_object()) {
      if (wanted(*value)) return value;
      const JsonValue* graph = value->Find("@graph");
      if (graph != nullptr) queue.push_back(graph);
    }
  }
  return nullptr;
}

}  // namespace newsflow::html
