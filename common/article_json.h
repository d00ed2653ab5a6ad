// Articles as JSON: the one format of `tail`, `export` and .json ingest.
// Field names are the proto field names (preserve_proto_field_names).
#ifndef NEWSFLOW_COMMON_ARTICLE_JSON_H_
#define NEWSFLOW_COMMON_ARTICLE_JSON_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "newsflow/v1/article.pb.h"

namespace newsflow {

// One line of JSON, no trailing newline. Fields set to their default value
// are left out, as proto3 did (ClearDefaultValuedFields, newsflow/stage.h).
// Printed and parsed directly (common/proto_json.h), byte for byte as
// protobuf's JSON printer would, except map keys come out sorted.
absl::StatusOr<std::string> ArticleToJson(const v1::Article& article);
absl::StatusOr<std::string> ArticleToJson(v1::Article&& article);

// Parses a JSON object with Article fields. Unknown keys are ignored when
// `ignore_unknown_fields` (for ingesting other tools' JSON). A key whose
// value is a default ("", 0) yields an absent field, as under proto3.
absl::StatusOr<v1::Article> ArticleFromJson(std::string_view json,
                                            bool ignore_unknown_fields);

// The same, parsing `*json` in place (its contents are left unspecified),
// for callers that own a copy of the text anyway.
absl::Status ArticleFromJsonInPlace(std::string* json,
                                    bool ignore_unknown_fields,
                                    v1::Article* article);

}  // namespace newsflow

#endif  // NEWSFLOW_COMMON_ARTICLE_JSON_H_
