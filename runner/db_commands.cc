#include "runner/db_commands.h"

#include <iostream>

#include "absl/strings/str_format.h"
#include "common/article_json.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "stages/store/article_db.h"

namespace newsflow {

int ExportCommand(const std::string& db_path, std::ostream& out) {
  auto db = ArticleDb::Open(db_path, ArticleDb::OpenMode::kReadOnly);
  if (!db.ok()) {
    std::cerr << db.status().message() << "\n";
    return 1;
  }
  absl::Status status = (*db)->ForEach([&](const v1::Article& article) {
    absl::StatusOr<std::string> json = ArticleToJson(article);
    if (!json.ok()) return json.status();
    out << *json << "\n";
    return absl::OkStatus();
  });
  if (!status.ok()) {
    std::cerr << status.message() << "\n";
    return 1;
  }
  return 0;
}

int QueryCommand(const std::string& db_path, const std::string& query,
                 int limit, bool json, std::ostream& out) {
  auto db = ArticleDb::Open(db_path, ArticleDb::OpenMode::kReadOnly);
  if (!db.ok()) {
    std::cerr << db.status().message() << "\n";
    return 1;
  }
  absl::StatusOr<std::vector<SearchHit>> hits = (*db)->Search(query, limit);
  if (!hits.ok()) {
    std::cerr << hits.status().message() << "\n";
    return 2;
  }
  if (json) {
    for (const auto& hit : *hits) {
      google::protobuf::Struct row;
      auto& fields = *row.mutable_fields();
      fields["id"].set_string_value(hit.id);
      fields["title"].set_string_value(hit.title);
      fields["url"].set_string_value(hit.url);
      fields["published_at"].set_string_value(hit.published_at);
      fields["source"].set_string_value(hit.source);
      fields["snippet"].set_string_value(hit.snippet);
      fields["score"].set_number_value(hit.score);
      std::string line;
      (void)google::protobuf::util::MessageToJsonString(row, &line);
      out << line << "\n";
    }
    return 0;
  }
  if (hits->empty()) {
    out << "no articles match " << query << "\n";
    return 0;
  }
  int rank = 1;
  for (const auto& hit : *hits) {
    out << absl::StrFormat("%2d. %s  [%.2f]\n    %s\n    %s\n", rank++,
                           hit.title.empty() ? "(untitled)" : hit.title,
                           hit.score, hit.url, hit.snippet);
  }
  return 0;
}

}  // namespace newsflow
