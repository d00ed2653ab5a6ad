// `newsflow export` and `newsflow query`: read-only commands over a store's
// database; they open it read-only, so they work while a pipeline writes.
#include "runner/commands/command.h"

#include <iostream>

#include "absl/strings/str_format.h"
#include "common/article_json.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "stages/store/article_db.h"

namespace newsflow {
namespace {

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

}  // namespace

void RegisterStoreCommands(CLI::App& app, CommandContext& context) {
  struct Options {
    std::string db_path;
    std::string query;
    int limit = 10;
    bool json = false;
  };
  auto options = std::make_shared<Options>();

  auto* export_command = app.add_subcommand(
      "export", "Print every stored article as one JSON line.\n"
                "Example: newsflow export news.db > articles.jsonl");
  export_command->add_option("db", options->db_path, "Database")->required();
  export_command->callback([options, &context] {
    context.exit_code = ExportCommand(options->db_path, std::cout);
  });

  auto* query = app.add_subcommand(
      "query", "Full-text search, ranked, with titles and snippets.\n"
               "Example: newsflow query news.db \"ceasefire AND russia\"");
  query->add_option("db", options->db_path, "Database")->required();
  query->add_option("query", options->query,
                    "FTS5 query: words, AND/OR/NOT, \"phrases\", prefix*")
      ->required();
  query->add_option("-n,--limit", options->limit, "Maximum results");
  query->add_flag("--json", options->json, "One JSON object per result");
  query->callback([options, &context] {
    context.exit_code = QueryCommand(options->db_path, options->query,
                                     options->limit, options->json, std::cout);
  });
}

}  // namespace newsflow
