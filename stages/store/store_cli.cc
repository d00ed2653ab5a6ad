#include "stages/store/store_cli.h"

#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "common/article_json.h"
#include "common/json_value.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "stages/store/article_db.h"
#include "stages/store/catalogue.h"
#include "stages/store/query_syntax.h"

namespace newsflow {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitInvalid = 2;

using google::protobuf::Struct;
using google::protobuf::Value;

// Prints the status and returns the exit code for it.
int Fail(const absl::Status& status, std::ostream& err) {
  err << status.message() << "\n";
  return status.code() == absl::StatusCode::kInvalidArgument ? kExitInvalid
                                                             : kExitFailed;
}

std::unique_ptr<ArticleDb> OpenOrReport(const std::string& db,
                                        ArticleDb::OpenMode mode,
                                        std::ostream& err) {
  absl::StatusOr<std::unique_ptr<ArticleDb>> opened = ArticleDb::Open(db, mode);
  if (!opened.ok()) {
    err << opened.status().message() << "\n";
    return nullptr;
  }
  return *std::move(opened);
}

absl::StatusOr<std::optional<absl::Time>> OptionalBound(const std::string& text,
                                                        TimeBound bound,
                                                        const char* flag) {
  if (text.empty()) return std::optional<absl::Time>();
  absl::StatusOr<absl::Time> time = ParseTimeBound(text, bound);
  if (!time.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, ": ", time.status().message()));
  }
  return std::optional<absl::Time>(*time);
}

absl::StatusOr<v1::EntityType> EntityTypeArg(const std::string& text) {
  if (text.empty()) return v1::ENTITY_TYPE_UNSPECIFIED;
  std::optional<v1::EntityType> type = ParseEntityType(text);
  if (!type) {
    return absl::InvalidArgumentError(
        absl::StrCat("--type: unknown entity type \"", text,
                     "\" (expected PERSON, ORG, LOC or MISC)"));
  }
  return *type;
}

absl::StatusOr<ArticleFilter> ToFilter(const FilterArgs& args) {
  ArticleFilter filter;
  absl::StatusOr<std::optional<absl::Time>> since =
      OptionalBound(args.since, TimeBound::kSince, "--since");
  if (!since.ok()) return since.status();
  absl::StatusOr<std::optional<absl::Time>> until =
      OptionalBound(args.until, TimeBound::kUntil, "--until");
  if (!until.ok()) return until.status();
  absl::StatusOr<v1::EntityType> type = EntityTypeArg(args.type);
  if (!type.ok()) return type.status();
  filter.since = *since;
  filter.until = *until;
  filter.entity_type = *type;
  filter.entity = args.entity;
  filter.source = args.source;
  filter.story_id = args.story;
  return filter;
}

std::string TimeText(const std::optional<absl::Time>& time) {
  if (!time) return "?";
  return absl::FormatTime("%Y-%m-%d %H:%M", *time, absl::UTCTimeZone());
}

Value TimeJson(const std::optional<absl::Time>& time) {
  if (!time) return JsonNull();
  return JsonText(
      absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", *time, absl::UTCTimeZone()));
}

void PrintJsonLine(const Struct& object, std::ostream& out) {
  std::string line;
  (void)google::protobuf::util::MessageToJsonString(object, &line);
  out << line << "\n";
}

Value EntityRefJson(const EntityRef& entity) {
  Value value;
  auto& fields = *value.mutable_struct_value()->mutable_fields();
  fields["canonical_id"] = JsonText(entity.canonical_id);
  fields["name"] = JsonText(entity.name);
  fields["type"] = JsonText(EntityTypeText(entity.type));
  fields["article_count"] =
      JsonNumber(static_cast<double>(entity.article_count));
  return value;
}

std::string TypeLabel(v1::EntityType type) {
  const std::string text = EntityTypeText(type);
  return text.empty() ? "?" : text;
}

}  // namespace

int RunQuery(const QueryArgs& args, std::ostream& out, std::ostream& err) {
  absl::StatusOr<ArticleFilter> filter = ToFilter(args.filter);
  if (!filter.ok()) return Fail(filter.status(), err);
  SearchRequest request;
  request.text = args.text;
  request.filter = *std::move(filter);
  request.limit = args.limit;
  request.offset = args.offset;
  request.after = args.after;
  request.rank_window = args.rank_window;

  std::unique_ptr<ArticleDb> db =
      OpenOrReport(args.db, ArticleDb::OpenMode::kReadOnly, err);
  if (db == nullptr) return kExitFailed;
  absl::StatusOr<std::vector<SearchHit>> hits = db->Search(request);
  if (!hits.ok()) return Fail(hits.status(), err);

  if (args.json) {
    for (const SearchHit& hit : *hits) {
      Struct row;
      auto& fields = *row.mutable_fields();
      fields["id"] = JsonText(hit.id);
      fields["title"] = JsonText(hit.title);
      fields["url"] = JsonText(hit.url);
      fields["published_at"] = JsonText(hit.published_at);
      fields["source"] = JsonText(hit.source);
      fields["story_id"] = JsonText(hit.story_id);
      fields["snippet"] = JsonText(hit.snippet);
      fields["score"] = JsonNumber(hit.score);
      fields["cursor"] = JsonText(hit.cursor);
      PrintJsonLine(row, out);
    }
    return kExitOk;
  }
  if (hits->empty()) {
    out << "no articles match"
        << (args.text.empty() ? std::string() : absl::StrCat(" ", args.text))
        << "\n";
    return kExitOk;
  }
  int64_t rank = args.offset + 1;
  for (const SearchHit& hit : *hits) {
    out << absl::StrFormat("%2d. %s  [%.2f]\n", rank++,
                           hit.title.empty() ? "(untitled)" : hit.title,
                           hit.score);
    std::vector<std::string> facts;
    if (!hit.published_at.empty()) facts.push_back(hit.published_at);
    if (!hit.source.empty()) facts.push_back(hit.source);
    if (!hit.story_id.empty()) facts.push_back("story " + hit.story_id);
    facts.push_back("id " + hit.id);
    out << "    " << absl::StrJoin(facts, "  ") << "\n";
    if (!hit.url.empty()) out << "    " << hit.url << "\n";
    if (!hit.snippet.empty()) out << "    " << hit.snippet << "\n";
  }
  // A short page is the last one; a full one may be too, which the next
  // request then shows as "no articles match".
  if (static_cast<int64_t>(hits->size()) == args.limit) {
    out << "next: --after " << hits->back().cursor << "\n";
  }
  return kExitOk;
}

int RunStories(const StoriesArgs& args, std::ostream& out, std::ostream& err) {
  StoryQuery query;
  absl::StatusOr<std::optional<absl::Time>> since =
      OptionalBound(args.since, TimeBound::kSince, "--since");
  if (!since.ok()) return Fail(since.status(), err);
  absl::StatusOr<std::optional<absl::Time>> until =
      OptionalBound(args.until, TimeBound::kUntil, "--until");
  if (!until.ok()) return Fail(until.status(), err);
  query.since = *since;
  query.until = *until;
  query.limit = args.limit;

  std::unique_ptr<ArticleDb> db =
      OpenOrReport(args.db, ArticleDb::OpenMode::kReadOnly, err);
  if (db == nullptr) return kExitFailed;
  absl::StatusOr<std::vector<StoryInfo>> stories = db->Stories(query);
  if (!stories.ok()) return Fail(stories.status(), err);

  for (const StoryInfo& story : *stories) {
    if (args.json) {
      Struct row;
      auto& fields = *row.mutable_fields();
      fields["id"] = JsonText(story.id);
      fields["headline"] = JsonText(story.headline);
      fields["article_count"] =
          JsonNumber(static_cast<double>(story.article_count));
      fields["first_seen"] = TimeJson(story.first_seen);
      fields["last_seen"] = TimeJson(story.last_seen);
      auto* outlets = fields["outlets"].mutable_list_value();
      for (const std::string& outlet : story.outlets) {
        *outlets->add_values() = JsonText(outlet);
      }
      auto* entities = fields["top_entities"].mutable_list_value();
      for (const EntityRef& entity : story.top_entities) {
        *entities->add_values() = EntityRefJson(entity);
      }
      PrintJsonLine(row, out);
      continue;
    }
    out << story.id << "  " << story.article_count
        << (story.article_count == 1 ? " article" : " articles") << ", "
        << story.outlets.size()
        << (story.outlets.size() == 1 ? " outlet" : " outlets") << "  "
        << TimeText(story.first_seen) << " .. " << TimeText(story.last_seen)
        << "\n";
    out << "    " << (story.headline.empty() ? "(untitled)" : story.headline)
        << "\n";
    if (!story.outlets.empty()) {
      out << "    outlets: " << absl::StrJoin(story.outlets, ", ") << "\n";
    }
    if (!story.top_entities.empty()) {
      std::vector<std::string> names;
      for (const EntityRef& entity : story.top_entities) {
        names.push_back(absl::StrCat(entity.name, " (", TypeLabel(entity.type),
                                     ", ", entity.article_count, ")"));
      }
      out << "    entities: " << absl::StrJoin(names, ", ") << "\n";
    }
  }
  if (stories->empty() && !args.json) out << "no stories\n";
  return kExitOk;
}

namespace {

// Where an alias was first seen: the first stored article that names the
// entity so.
struct FirstSeen {
  std::string article_id;
  std::string title;
};

// The entity `args.explain` names: an exact canonical id first, else the
// only entity with that alias or name.
absl::StatusOr<EntityInfo> EntityToExplain(ArticleDb& db,
                                           const EntitiesArgs& args,
                                           v1::EntityType type) {
  EntityQuery query;
  query.type = type;
  query.name = args.explain;
  query.limit = 20;
  absl::StatusOr<std::vector<EntityInfo>> entities = db.Entities(query);
  if (!entities.ok()) return entities.status();
  for (const EntityInfo& info : *entities) {
    if (info.entity.canonical_id == args.explain) return info;
  }
  if (entities->empty()) {
    return absl::NotFoundError(
        absl::StrCat("--explain: no entity \"", args.explain, "\""));
  }
  if (entities->size() > 1) {
    std::vector<std::string> candidates;
    for (const EntityInfo& info : *entities) {
      candidates.push_back(
          absl::StrCat(info.entity.name, " [", info.entity.canonical_id, "]"));
    }
    return absl::InvalidArgumentError(absl::StrCat(
        "--explain: \"", args.explain, "\" names ", entities->size(),
        " entities, give one id: ", absl::StrJoin(candidates, ", ")));
  }
  return entities->front();
}

// The first stored article naming the entity by each of its aliases.
absl::StatusOr<std::map<std::string, FirstSeen>> FirstSeenOf(
    ArticleDb& db, const EntityInfo& info) {
  std::map<std::string, FirstSeen> first;
  ArticleFilter filter;
  filter.entity = info.entity.canonical_id;
  // Stops the scan once every alias has been found.
  const absl::Status done = absl::CancelledError("every alias found");
  absl::Status status = db.ForEach(filter, [&](const v1::Article& article) {
    for (const v1::Entity& entity : article.entities()) {
      if (CanonicalIdOf(entity) != info.entity.canonical_id) continue;
      std::vector<std::string> spellings(entity.aliases().begin(),
                                         entity.aliases().end());
      spellings.push_back(entity.text());
      for (const std::string& spelling : spellings) {
        if (!spelling.empty() && !first.count(spelling)) {
          first[spelling] = {article.id(), article.title()};
        }
      }
    }
    return first.size() >= info.aliases.size() ? done : absl::OkStatus();
  });
  if (!status.ok() && status != done) return status;
  return first;
}

int ExplainEntity(const EntitiesArgs& args, v1::EntityType type,
                  std::ostream& out, std::ostream& err) {
  std::unique_ptr<ArticleDb> db =
      OpenOrReport(args.db, ArticleDb::OpenMode::kReadOnly, err);
  if (db == nullptr) return kExitFailed;
  absl::StatusOr<EntityInfo> info = EntityToExplain(*db, args, type);
  if (!info.ok()) return Fail(info.status(), err);
  absl::StatusOr<std::map<std::string, FirstSeen>> first =
      FirstSeenOf(*db, *info);
  if (!first.ok()) return Fail(first.status(), err);
  auto rule_of = [](const EntityAlias& alias) {
    return alias.rule.empty() ? std::string("unknown") : alias.rule;
  };
  if (args.json) {
    Value entity = EntityRefJson(info->entity);
    auto& fields = *entity.mutable_struct_value()->mutable_fields();
    fields["mention_count"] =
        JsonNumber(static_cast<double>(info->mention_count));
    auto* aliases = fields["aliases"].mutable_list_value();
    for (const EntityAlias& alias : info->aliases) {
      Value& item = *aliases->add_values();
      auto& alias_fields = *item.mutable_struct_value()->mutable_fields();
      alias_fields["alias"] = JsonText(alias.alias);
      alias_fields["rule"] = JsonText(rule_of(alias));
      alias_fields["article_count"] =
          JsonNumber(static_cast<double>(alias.article_count));
      if (auto it = first->find(alias.alias); it != first->end()) {
        alias_fields["first_article_id"] = JsonText(it->second.article_id);
        alias_fields["first_article_title"] = JsonText(it->second.title);
      }
    }
    PrintJsonLine(entity.struct_value(), out);
    return kExitOk;
  }
  out << info->entity.name << "  " << TypeLabel(info->entity.type) << "  "
      << info->entity.article_count
      << (info->entity.article_count == 1 ? " article" : " articles") << ", "
      << info->mention_count
      << (info->mention_count == 1 ? " mention" : " mentions") << "  ["
      << info->entity.canonical_id << "]\n";
  for (const EntityAlias& alias : info->aliases) {
    out << "  " << alias.alias << "  " << rule_of(alias) << "  "
        << alias.article_count
        << (alias.article_count == 1 ? " article" : " articles");
    if (auto it = first->find(alias.alias); it != first->end()) {
      out << "  first: " << it->second.article_id << " \"" << it->second.title
          << "\"";
    }
    out << "\n";
  }
  return kExitOk;
}

}  // namespace

int RunEntities(const EntitiesArgs& args, std::ostream& out,
                std::ostream& err) {
  if (!args.explain.empty()) {
    absl::StatusOr<v1::EntityType> type = EntityTypeArg(args.type);
    if (!type.ok()) return Fail(type.status(), err);
    return ExplainEntity(args, *type, out, err);
  }
  EntityQuery query;
  absl::StatusOr<v1::EntityType> type = EntityTypeArg(args.type);
  if (!type.ok()) return Fail(type.status(), err);
  query.type = *type;
  query.name = args.name;
  query.limit = args.limit;

  std::unique_ptr<ArticleDb> db =
      OpenOrReport(args.db, ArticleDb::OpenMode::kReadOnly, err);
  if (db == nullptr) return kExitFailed;
  absl::StatusOr<std::vector<EntityInfo>> entities = db->Entities(query);
  if (!entities.ok()) return Fail(entities.status(), err);

  for (const EntityInfo& info : *entities) {
    if (args.json) {
      Value entity = EntityRefJson(info.entity);
      auto& fields = *entity.mutable_struct_value()->mutable_fields();
      fields["mention_count"] =
          JsonNumber(static_cast<double>(info.mention_count));
      auto* aliases = fields["aliases"].mutable_list_value();
      for (const EntityAlias& alias : info.aliases) {
        Value& item = *aliases->add_values();
        auto& alias_fields = *item.mutable_struct_value()->mutable_fields();
        alias_fields["alias"] = JsonText(alias.alias);
        alias_fields["article_count"] =
            JsonNumber(static_cast<double>(alias.article_count));
      }
      PrintJsonLine(entity.struct_value(), out);
      continue;
    }
    out << info.entity.name << "  " << TypeLabel(info.entity.type) << "  "
        << info.entity.article_count
        << (info.entity.article_count == 1 ? " article" : " articles") << ", "
        << info.mention_count
        << (info.mention_count == 1 ? " mention" : " mentions") << "  ["
        << info.entity.canonical_id << "]\n";
    if (!info.aliases.empty()) {
      std::vector<std::string> aliases;
      for (const EntityAlias& alias : info.aliases) {
        aliases.push_back(
            absl::StrCat(alias.alias, " (", alias.article_count, ")"));
      }
      out << "    aliases: " << absl::StrJoin(aliases, ", ") << "\n";
    }
  }
  if (entities->empty() && !args.json) out << "no entities\n";
  return kExitOk;
}

int RunShow(const ShowArgs& args, std::ostream& out, std::ostream& err) {
  std::unique_ptr<ArticleDb> db =
      OpenOrReport(args.db, ArticleDb::OpenMode::kReadOnly, err);
  if (db == nullptr) return kExitFailed;
  absl::StatusOr<std::string> id = db->ResolveId(args.id);
  if (!id.ok()) return Fail(id.status(), err);
  absl::StatusOr<StoredArticle> stored = db->Get(*id);
  if (!stored.ok()) return Fail(stored.status(), err);
  const v1::Article& article = stored->article;
  if (args.json) {
    absl::StatusOr<std::string> json = ArticleToJson(article);
    if (!json.ok()) return Fail(json.status(), err);
    out << *json << "\n";
    return kExitOk;
  }

  auto field = [&](const char* label, const std::string& value) {
    if (!value.empty()) out << absl::StrFormat("%-11s %s\n", label, value);
  };
  out << (article.title().empty() ? "(untitled)" : article.title()) << "\n";
  field("id:", article.id());
  field("url:", article.url());
  field("source:", article.source());
  field("outlet:", OutletOf(article));
  field("published:", article.published_at());
  field("ingested:", article.ingested_at());
  field("stored:", stored->stored_at);
  if (!article.language().empty()) {
    field("language:", article.language_confidence() > 0
                           ? absl::StrFormat("%s (%.2f)", article.language(),
                                             article.language_confidence())
                           : article.language());
  }
  field("format:", article.format());
  field("byline:", article.byline());
  field("dateline:", article.dateline());
  field("story:", article.story_id());
  field("keywords:", absl::StrJoin(article.keywords(), ", "));
  if (article.entities_size() > 0) {
    out << "entities:\n";
    for (const v1::Entity& entity : article.entities()) {
      std::string name =
          entity.canonical().empty() ? entity.text() : entity.canonical();
      std::vector<std::string> forms(entity.aliases().begin(),
                                     entity.aliases().end());
      out << absl::StrFormat("  %-7s %s", TypeLabel(entity.type()), name);
      if (entity.mentions() > 0) {
        out << "  " << entity.mentions()
            << (entity.mentions() == 1 ? " mention" : " mentions");
      }
      if (!forms.empty()) out << "  as " << absl::StrJoin(forms, ", ");
      out << "  [" << CanonicalIdOf(entity) << "]\n";
    }
  }
  if (article.warnings_size() > 0) {
    out << "warnings:\n";
    for (const std::string& warning : article.warnings()) {
      out << "  - " << warning << "\n";
    }
  }
  if (article.removed_size() > 0) {
    out << "removed lines:\n";
    for (const v1::RemovedLine& line : article.removed()) {
      out << "  - [" << line.reason() << "] " << line.text() << "\n";
    }
  }
  if (!article.metadata().empty()) {
    out << "metadata:\n";
    std::vector<std::pair<std::string, std::string>> entries(
        article.metadata().begin(), article.metadata().end());
    std::sort(entries.begin(), entries.end());
    for (const auto& [key, value] : entries) {
      out << "  " << key << ": " << value << "\n";
    }
  }
  if (article.trace_size() > 0) {
    out << "trace:\n";
    std::optional<absl::Time> previous;
    for (const v1::TraceHop& hop : article.trace()) {
      absl::Time at;
      std::string error;
      std::optional<absl::Time> time;
      if (absl::ParseTime(absl::RFC3339_full, hop.at(), &at, &error)) {
        time = at;
      }
      std::string step;
      if (time && previous) {
        step = absl::StrFormat("+%.3f ms",
                               absl::ToDoubleMilliseconds(*time - *previous));
      }
      out << absl::StrFormat("  %-10s %-28s %-14s replica %d  pid %d\n",
                             hop.stage(), hop.at(), step, hop.replica(),
                             hop.pid());
      if (time) previous = time;
    }
  }
  out << "\n" << article.body() << "\n";
  return kExitOk;
}

int RunExport(const ExportArgs& args, std::ostream& out, std::ostream& err) {
  absl::StatusOr<ArticleFilter> filter = ToFilter(args.filter);
  if (!filter.ok()) return Fail(filter.status(), err);
  std::unique_ptr<ArticleDb> db =
      OpenOrReport(args.db, ArticleDb::OpenMode::kReadOnly, err);
  if (db == nullptr) return kExitFailed;
  absl::Status status =
      db->ForEach(*filter, [&](const v1::Article& article) -> absl::Status {
        absl::StatusOr<std::string> json = ArticleToJson(article);
        if (!json.ok()) return json.status();
        out << *json << "\n";
        if (!out) return absl::UnavailableError("output closed");
        return absl::OkStatus();
      });
  if (!status.ok()) {
    err << status.message() << "\n";
    return kExitFailed;
  }
  return kExitOk;
}

namespace {

// Calls `visit(line_number, article)` for each non-blank line of `path`.
absl::Status ForEachJsonLine(
    const std::string& path, const std::string& name,
    const std::function<absl::Status(int64_t, v1::Article)>& visit) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return absl::NotFoundError(
        absl::StrCat(name, ": cannot open: ", std::strerror(errno)));
  }
  std::string line;
  int64_t number = 0;
  while (std::getline(file, line)) {
    ++number;
    if (absl::StripAsciiWhitespace(line).empty()) continue;
    absl::StatusOr<v1::Article> article =
        ArticleFromJson(line, /*ignore_unknown_fields=*/false);
    if (!article.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          name, ":", number, ": not an article: ", article.status().message()));
    }
    if (article->id().empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(name, ":", number, ": article has no id"));
    }
    if (auto status = visit(number, *std::move(article)); !status.ok()) {
      return status;
    }
  }
  if (file.bad()) {
    return absl::DataLossError(absl::StrCat(name, ": read error"));
  }
  return absl::OkStatus();
}

// A temporary copy of standard input, removed with the object: import
// reads its input twice (check, then store).
class SpooledInput {
 public:
  ~SpooledInput() {
    if (!path_.empty()) unlink(path_.c_str());
  }
  absl::Status Spool(std::istream& in) {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "newsflow-import-XXXXXX")
            .string();
    const int fd = mkstemp(pattern.data());
    if (fd < 0) {
      return absl::UnavailableError(absl::StrCat(
          "cannot create a temporary file: ", std::strerror(errno)));
    }
    close(fd);
    path_ = pattern;
    std::ofstream copy(path_, std::ios::binary);
    copy << in.rdbuf();
    copy.flush();
    if (!copy) {
      return absl::UnavailableError(absl::StrCat(
          "cannot copy standard input to ", path_, ": ", std::strerror(errno)));
    }
    return absl::OkStatus();
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace

int RunImport(const ImportArgs& args, std::istream& in, std::ostream& out,
              std::ostream& err) {
  if (args.batch_size < 1) {
    return Fail(absl::InvalidArgumentError("batch size must be at least 1"),
                err);
  }
  SpooledInput spooled;
  std::string path = args.file;
  const std::string name = args.file == "-" ? "<stdin>" : args.file;
  if (args.file == "-") {
    if (in.peek() != std::char_traits<char>::eof()) {
      if (auto status = spooled.Spool(in); !status.ok()) {
        return Fail(status, err);
      }
      path = spooled.path();
    } else {
      path = "/dev/null";
    }
  }
  // First pass: every line must be an article, before anything is stored.
  int64_t total = 0;
  if (auto status = ForEachJsonLine(path, name,
                                    [&](int64_t, v1::Article) {
                                      ++total;
                                      return absl::OkStatus();
                                    });
      !status.ok()) {
    err << status.message() << "\nnothing imported\n";
    return status.code() == absl::StatusCode::kInvalidArgument ? kExitInvalid
                                                               : kExitFailed;
  }

  std::unique_ptr<ArticleDb> db =
      OpenOrReport(args.db, ArticleDb::OpenMode::kReadWrite, err);
  if (db == nullptr) return kExitFailed;
  absl::StatusOr<int64_t> before = db->Count();
  if (!before.ok()) return Fail(before.status(), err);

  std::vector<v1::Article> batch;
  int64_t stored = 0;
  auto commit = [&]() -> absl::Status {
    if (batch.empty()) return absl::OkStatus();
    if (auto status = db->UpsertBatch(batch); !status.ok()) return status;
    stored += static_cast<int64_t>(batch.size());
    batch.clear();
    return absl::OkStatus();
  };
  absl::Status status = ForEachJsonLine(
      path, name, [&](int64_t, v1::Article article) -> absl::Status {
        batch.push_back(std::move(article));
        if (static_cast<int>(batch.size()) >= args.batch_size) return commit();
        return absl::OkStatus();
      });
  if (status.ok()) status = commit();
  if (!status.ok()) {
    err << status.message() << "\n"
        << stored << " of " << total
        << " articles were stored before the failure; importing the same "
           "file again is safe (articles are replaced by id)\n";
    return kExitFailed;
  }
  absl::StatusOr<int64_t> after = db->Count();
  if (!after.ok()) return Fail(after.status(), err);
  out << "imported " << total << (total == 1 ? " article" : " articles")
      << " into " << db->location() << " (" << (*after - *before) << " new)\n";
  return kExitOk;
}

}  // namespace newsflow
