#include "common/article_json.h"

#include "absl/status/status.h"
#include "google/protobuf/util/json_util.h"
#include "newsflow/stage.h"

namespace newsflow {

absl::StatusOr<std::string> ArticleToJson(const v1::Article& article) {
  return ArticleToJson(v1::Article(article));
}

absl::StatusOr<std::string> ArticleToJson(v1::Article&& article) {
  ClearDefaultValuedFields(&article);
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  std::string json;
  auto status =
      google::protobuf::util::MessageToJsonString(article, &json, options);
  if (!status.ok()) {
    return absl::InternalError(std::string(status.message()));
  }
  return json;
}

absl::StatusOr<v1::Article> ArticleFromJson(std::string_view json,
                                            bool ignore_unknown_fields) {
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = ignore_unknown_fields;
  v1::Article article;
  auto status = google::protobuf::util::JsonStringToMessage(std::string(json),
                                                            &article, options);
  if (!status.ok()) {
    return absl::InvalidArgumentError(std::string(status.message()));
  }
  ClearDefaultValuedFields(&article);
  return article;
}

}  // namespace newsflow
