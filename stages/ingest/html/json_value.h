// A small, lenient JSON reader for text found in the wild: JSON-LD blocks in
// web pages (which often hold raw newlines inside strings, trailing commas
// or HTML comments around them) and benchmark files.
//
// Contract: never crashes and never recurses deeper than kMaxJsonDepth
// (deeper input is an error). Accepts everything RFC 8259 accepts, plus raw
// control characters inside strings, trailing commas, and "<!--" / "-->"
// wrappers. Strings are returned as UTF-8; \u escapes (with surrogate
// pairs) are decoded, lone surrogates become U+FFFD.
#ifndef NEWSFLOW_STAGES_INGEST_HTML_JSON_VALUE_H_
#define NEWSFLOW_STAGES_INGEST_HTML_JSON_VALUE_H_

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace newsflow::html {

inline constexpr int kMaxJsonDepth = 200;

struct JsonValue {
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject };
  Kind kind = Kind::kNull;
  bool boolean = false;
  double number = 0;
  std::string string;
  std::vector<JsonValue> array;
  // In document order; duplicate keys are kept (Find returns the first).
  std::vector<std::pair<std::string, JsonValue>> object;

  bool is_string() const { return kind == Kind::kString; }
  bool is_array() const { return kind == Kind::kArray; }
  bool is_object() const { return kind == Kind::kObject; }
  // The member named `key` of an object, or nullptr.
  const JsonValue* Find(absl::string_view key) const;
  // The member's string value, or "" when absent or not a string.
  const std::string& StringOr(absl::string_view key) const;
};

// The first object in `blocks` (JSON-LD blocks: also inside arrays and
// @graph members) for which `wanted` is true, breadth-first so top-level
// objects win; nullptr when none. Looks at no more than 10,000 values.
const JsonValue* FindJsonLdObject(
    const std::vector<JsonValue>& blocks,
    const std::function<bool(const JsonValue&)>& wanted);

// Parses one JSON document. Text after the value (other than whitespace and
// a closing "-->") is an error.
absl::StatusOr<JsonValue> ParseJson(absl::string_view text);

}  // namespace newsflow::html

#endif  // NEWSFLOW_STAGES_INGEST_HTML_JSON_VALUE_H_
