#include "common/article_json.h"

#include <utility>

#include "common/proto_json.h"

namespace newsflow {

absl::StatusOr<std::string> ArticleToJson(const v1::Article& article) {
  std::string json;
  AppendMessageJson(article, &json);
  return json;
}

absl::StatusOr<std::string> ArticleToJson(v1::Article&& article) {
  return ArticleToJson(static_cast<const v1::Article&>(article));
}

absl::StatusOr<v1::Article> ArticleFromJson(std::string_view json,
                                            bool ignore_unknown_fields) {
  std::string scratch(json);
  v1::Article article;
  absl::Status status =
      ArticleFromJsonInPlace(&scratch, ignore_unknown_fields, &article);
  if (!status.ok()) return status;
  return article;
}

absl::Status ArticleFromJsonInPlace(std::string* json,
                                    bool ignore_unknown_fields,
                                    v1::Article* article) {
  JsonParseOptions options;
  options.ignore_unknown_fields = ignore_unknown_fields;
  return ParseMessageJson(json, options, article);
}

}  // namespace newsflow
