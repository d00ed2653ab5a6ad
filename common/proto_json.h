// Protobuf messages as JSON, directly: protobuf's JSON mapping as newsflow
// prints and reads articles, without protobuf's generic converter (which
// goes through a type resolver and a token stream and checks UTF-8 again:
// about 80 us for a 5 KB article, the ceiling of ingest and jsonl_sink).
//
// Driven by the message's descriptor, so fields added to a .proto need no
// change here. Printing matches google::protobuf::util::MessageToJsonString
// with preserve_proto_field_names after ClearDefaultValuedFields
// (newsflow/stage.h), byte for byte, except that map entries are printed in
// key order where protobuf prints them in its hash map's order (which
// varies between runs). Parsing accepts what JsonStringToMessage accepts
// for the field types it covers: proto names and JSON (lowerCamelCase)
// names, null for "absent", numbers given as strings, "NaN"/"Infinity",
// enum names or numbers, base64 bytes.
//
// Text is not re-validated: printing assumes the strings are UTF-8 (stage
// hosts and ingest guarantee it; an ill-formed byte is printed as U+FFFD,
// the rule of common/utf8.h, where protobuf dropped it),
// and parsing expects the caller to have checked the JSON text's encoding
// once (common/utf8.h); escapes always decode to well-formed UTF-8 (a lone
// surrogate is an error).
//
// printing: proto_json_print.cc (needs only protobuf; the jsonl_sink plugin
// compiles it too); parsing: proto_json_parse.cc (RapidJSON).
#ifndef NEWSFLOW_COMMON_PROTO_JSON_H_
#define NEWSFLOW_COMMON_PROTO_JSON_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "google/protobuf/message.h"

namespace newsflow {

// Appends `message` as one line of JSON (no newline) to *out. Singular
// fields holding their type's default ("", 0, false, the zero enum) are left
// out, as proto3 prints them.
void AppendMessageJson(const google::protobuf::Message& message,
                       std::string* out);

// Appends `text` as a JSON string literal, quotes included, escaped exactly
// as protobuf escapes it (control characters, '"', '\\', '<', '>' and the
// invisible format characters protobuf lists, as \uXXXX).
void AppendJsonString(std::string_view text, std::string* out);

// A map entry's key as text, the way JSON names it (without quotes or
// escapes): a string as it is, a number in decimal, a bool "true"/"false".
std::string MapKeyText(const google::protobuf::Message& entry);

struct JsonParseOptions {
  // Keys naming no field (and enum names naming no value) are skipped with
  // their values instead of failing the parse.
  bool ignore_unknown_fields = false;
};

// Parses one JSON object into *message, which is cleared first. `json` is
// used as scratch (parsed in place) and left unspecified. Errors name the
// field ("title: expected a string") or the byte offset of a syntax error.
// A field given its default value or null stays absent.
absl::Status ParseMessageJson(std::string* json,
                              const JsonParseOptions& options,
                              google::protobuf::Message* message);

}  // namespace newsflow

#endif  // NEWSFLOW_COMMON_PROTO_JSON_H_
