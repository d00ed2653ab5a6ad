// newsflow_store_bench: the article database on SQLite and on PostgreSQL.
//
// Measures, per backend:
//   - insert throughput (articles/s) into an empty database at batch sizes
//     1, 100 and 1000 (one UpsertBatch, i.e. one transaction, per batch);
//   - on a 100,000-article database: query latency p50/p99 for text queries
//     (words, AND, phrases), entity queries (any alias) and story queries
//     (the articles of one story; the story list), and the size on disk per
//     article.
// The articles come from ../shared/corpora: Reuters-21578 (typed entities
// from its PLACES/PEOPLE/ORGS tags) and BBC News (no tags). Each corpus
// article is "syndicated" to several outlets: copy k gets its own id, URL,
// outlet and time (+2 h per copy), and all copies share a story id. Both
// corpora also get MISC/PERSON/ORG entities from runs of capitalised words.
// The 100,000-article databases are built once and cached (default
// /tmp/newsflow-store-bench; never inside the repository).
//
// PostgreSQL runs under scripts/pg-test-server with fsync on (durable
// against an OS crash) and synchronous_commit off, which matches SQLite's
// WAL + synchronous=NORMAL: a commit is not flushed on its own.
//
// Usage: newsflow_store_bench [--articles N] [--cache DIR] [--queries N]
//                             [--backends sqlite,postgres] [--no-insert]
//                             [--no-queries]
#include <libpq-fe.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "common/hash.h"
#include "common/text.h"
#include "stages/store/article_db.h"

namespace newsflow {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// Bump when the generated articles change, so that cached databases are
// rebuilt.
constexpr int kGeneratorVersion = 2;

struct BaseArticle {
  std::string key;
  std::string title;
  std::string body;
  absl::Time time;
  std::vector<v1::Entity> entities;
};

std::string ReadFile(const fs::path& path) {
  std::ifstream file(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(file), {});
}

std::string TitleCase(absl::string_view text) {
  std::string out;
  bool start = true;
  for (char c : text) {
    if (c == '-' || c == ' ') {
      out.push_back(' ');
      start = true;
      continue;
    }
    out.push_back(start ? absl::ascii_toupper(static_cast<unsigned char>(c))
                        : c);
    start = false;
  }
  return out;
}

int CountOccurrences(const std::string& lower_body, const std::string& name) {
  const std::string needle = absl::AsciiStrToLower(name);
  int count = 0;
  for (size_t at = lower_body.find(needle); at != std::string::npos;
       at = lower_body.find(needle, at + needle.size())) {
    ++count;
  }
  return count;
}

v1::Entity MakeEntity(const std::string& name, v1::EntityType type,
                      const std::string& id_prefix,
                      const std::vector<std::string>& aliases,
                      const std::string& lower_body) {
  v1::Entity entity;
  entity.set_text(aliases.front());
  entity.set_type(type);
  entity.set_canonical(name);
  entity.set_canonical_id(
      absl::StrCat(id_prefix, ":", absl::AsciiStrToLower(name)));
  int mentions = 0;
  for (const std::string& alias : aliases) {
    entity.add_aliases(alias);
    mentions += CountOccurrences(lower_body, alias);
  }
  entity.set_mentions(std::max(1, mentions));
  return entity;
}

// Runs of two or three capitalised words inside sentences: a crude tagger,
// enough to give every article a realistic spread of entities.
void AddCapitalisedRuns(BaseArticle& article, const std::string& lower_body) {
  std::set<std::string> seen;
  for (const v1::Entity& entity : article.entities) {
    seen.insert(absl::AsciiStrToLower(entity.canonical()));
  }
  std::vector<std::string> run;
  bool sentence_start = true;
  int added = 0;
  auto flush = [&] {
    if (run.size() >= 2 && run.size() <= 3 && added < 6) {
      const std::string name = absl::StrJoin(run, " ");
      if (seen.insert(absl::AsciiStrToLower(name)).second) {
        v1::EntityType type = run.size() == 2 ? v1::PERSON : v1::MISC;
        for (const char* org : {"Bank", "Corp", "Inc", "Group", "Party",
                                "Ministry", "Council", "Union", "Company"}) {
          if (absl::StrContains(name, org)) type = v1::ORG;
        }
        const char* prefix = type == v1::PERSON ? "person"
                             : type == v1::ORG  ? "org"
                                                : "misc";
        article.entities.push_back(
            MakeEntity(name, type, prefix, {name}, lower_body));
        ++added;
      }
    }
    run.clear();
  };
  for (absl::string_view word : absl::StrSplit(
           article.body, absl::ByAnyChar(" \n\t"), absl::SkipEmpty())) {
    absl::string_view bare = absl::StripSuffix(
        absl::StripSuffix(absl::StripSuffix(word, ","), "."), "'s");
    const bool capitalised =
        bare.size() >= 2 &&
        absl::ascii_isupper(static_cast<unsigned char>(bare[0])) &&
        absl::ascii_islower(static_cast<unsigned char>(bare[1]));
    if (capitalised && !sentence_start) {
      run.emplace_back(bare);
    } else {
      flush();
    }
    if (word.back() == ',' || word.back() == '.') flush();
    sentence_start = word.back() == '.' || word.back() == '"';
  }
  flush();
}

std::string Between(absl::string_view text, absl::string_view open,
                    absl::string_view close, size_t* from = nullptr) {
  size_t start = text.find(open, from ? *from : 0);
  if (start == absl::string_view::npos) return std::string();
  start += open.size();
  size_t end = text.find(close, start);
  if (end == absl::string_view::npos) return std::string();
  if (from) *from = end + close.size();
  return std::string(text.substr(start, end - start));
}

std::string Unescape(std::string text) {
  // Control-character references (&#3; ends every article) go.
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '&' && i + 1 < text.size() && text[i + 1] == '#') {
      size_t end = text.find(';', i);
      if (end != std::string::npos && end - i <= 5) {
        i = end;
        continue;
      }
    }
    out.push_back(text[i]);
  }
  for (auto [from, to] : {std::pair<const char*, const char*>{"&lt;", "<"},
                          {"&gt;", ">"},
                          {"&amp;", "&"}}) {
    for (size_t at = out.find(from); at != std::string::npos;
         at = out.find(from, at + 1)) {
      out.replace(at, std::strlen(from), to);
    }
  }
  return out;
}

std::vector<std::string> Tags(const std::string& block, const char* tag) {
  std::vector<std::string> values;
  const std::string list =
      Between(block, absl::StrCat("<", tag, ">"), absl::StrCat("</", tag, ">"));
  size_t from = 0;
  while (true) {
    std::string value = Between(list, "<D>", "</D>", &from);
    if (value.empty()) break;
    values.push_back(value);
  }
  return values;
}

void LoadReuters(const fs::path& dir, std::vector<BaseArticle>& out) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() == ".sgm") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  for (const fs::path& file : files) {
    std::string text = ReadFile(file);
    if (!IsValidUtf8(text)) text = Windows1252ToUtf8(text);
    size_t from = 0;
    while (true) {
      const size_t start = text.find("<REUTERS", from);
      if (start == std::string::npos) break;
      const size_t end = text.find("</REUTERS>", start);
      if (end == std::string::npos) break;
      from = end;
      const std::string block = text.substr(start, end - start);
      BaseArticle article;
      article.title = Unescape(Between(block, "<TITLE>", "</TITLE>"));
      std::string body = Unescape(Between(block, "<BODY>", "</BODY>"));
      body = std::string(absl::StripAsciiWhitespace(body));
      if (absl::EndsWith(body, "Reuter")) body.resize(body.size() - 6);
      if (article.title.empty() || body.size() < 200) continue;
      // Reuters wraps lines at ~70 columns; paragraphs start with a tab.
      for (char& c : body) {
        if (c == '\t') c = '\n';
      }
      article.body = std::string(absl::StripAsciiWhitespace(body));
      article.title = TitleCase(absl::AsciiStrToLower(article.title));
      article.key = absl::StrCat("reuters-", Between(block, "NEWID=\"", "\""));
      std::string error;
      const std::string date = Between(block, "<DATE>", "</DATE>");
      if (!absl::ParseTime("%d-%b-%Y %H:%M:%S", date.substr(0, date.find('.')),
                           absl::UTCTimeZone(), &article.time, &error)) {
        article.time =
            absl::FromCivil(absl::CivilDay(1987, 3, 1), absl::UTCTimeZone());
      }
      const std::string lower = absl::AsciiStrToLower(article.body);
      for (const std::string& place : Tags(block, "PLACES")) {
        const std::string name =
            place.size() <= 3 ? absl::AsciiStrToUpper(place) : TitleCase(place);
        article.entities.push_back(
            MakeEntity(name, v1::LOC, "loc", {name}, lower));
      }
      for (const std::string& person : Tags(block, "PEOPLE")) {
        const std::string name = TitleCase(person);
        article.entities.push_back(
            MakeEntity(name, v1::PERSON, "person", {name}, lower));
      }
      for (const std::string& org : Tags(block, "ORGS")) {
        const std::string upper = absl::AsciiStrToUpper(org);
        article.entities.push_back(
            MakeEntity(upper, v1::ORG, "org", {upper, TitleCase(org)}, lower));
      }
      AddCapitalisedRuns(article, lower);
      out.push_back(std::move(article));
    }
  }
}

void LoadBbc(const fs::path& dir, std::vector<BaseArticle>& out) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.path().extension() == ".txt" &&
        entry.path().filename() != "README.TXT") {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  const absl::Time start =
      absl::FromCivil(absl::CivilDay(2004, 1, 1), absl::UTCTimeZone());
  for (size_t i = 0; i < files.size(); ++i) {
    std::string text = ReadFile(files[i]);
    if (!IsValidUtf8(text)) text = Windows1252ToUtf8(text);
    const size_t newline = text.find('\n');
    if (newline == std::string::npos) continue;
    BaseArticle article;
    article.title =
        std::string(absl::StripAsciiWhitespace(text.substr(0, newline)));
    article.body =
        std::string(absl::StripAsciiWhitespace(text.substr(newline + 1)));
    article.key =
        absl::StrCat("bbc-", files[i].parent_path().filename().string(), "-",
                     files[i].stem().string());
    article.time = start + absl::Minutes(static_cast<int64_t>(i) * 233);
    AddCapitalisedRuns(article, absl::AsciiStrToLower(article.body));
    out.push_back(std::move(article));
  }
}

// Article `index` of the generated collection.
v1::Article Generate(const std::vector<BaseArticle>& bases, int64_t index) {
  const BaseArticle& base = bases[static_cast<size_t>(index) % bases.size()];
  const int64_t copy = index / static_cast<int64_t>(bases.size());
  v1::Article article;
  article.set_id(StableHashHex(absl::StrCat("bench:", base.key, "#", copy)));
  const std::string outlet = absl::StrCat("outlet", copy, ".example");
  article.set_source(absl::StrCat("outlet", copy));
  article.set_url(absl::StrCat("https://www.", outlet, "/", base.key));
  article.set_title(base.title);
  article.set_body(base.body);
  article.set_published_at(absl::FormatTime("%Y-%m-%dT%H:%M:%SZ",
                                            base.time + absl::Hours(2 * copy),
                                            absl::UTCTimeZone()));
  article.set_language("en");
  article.set_story_id(absl::StrCat("story-", base.key));
  article.set_format("text");
  for (const v1::Entity& entity : base.entities) {
    *article.add_entities() = entity;
  }
  for (const char* stage : {"ingest", "clean", "tag", "store"}) {
    v1::TraceHop* hop = article.add_trace();
    hop->set_stage(stage);
    hop->set_at(article.published_at());
  }
  return article;
}

double Seconds(Clock::duration duration) {
  return std::chrono::duration<double>(duration).count();
}

double Percentile(std::vector<double> values, double fraction) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t at = std::min(
      values.size() - 1,
      static_cast<size_t>(fraction * static_cast<double>(values.size())));
  return values[at];
}

// A raw PostgreSQL command (creating databases, sizes).
std::string PgValue(const std::string& url, const std::string& sql) {
  PGconn* connection = PQconnectdb(url.c_str());
  std::string value;
  if (PQstatus(connection) == CONNECTION_OK) {
    PQsetNoticeProcessor(
        connection, [](void*, const char*) {}, nullptr);
    PGresult* result = PQexec(connection, sql.c_str());
    const ExecStatusType status = PQresultStatus(result);
    if (status == PGRES_TUPLES_OK && PQntuples(result) > 0) {
      value = PQgetvalue(result, 0, 0);
    } else if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      std::cerr << "postgres: " << sql << ": " << PQresultErrorMessage(result);
    }
    PQclear(result);
  } else {
    std::cerr << "postgres: " << PQerrorMessage(connection);
  }
  PQfinish(connection);
  return value;
}

std::string WithDatabase(const std::string& url, const std::string& name) {
  return url.substr(0, url.rfind('/') + 1) + name;
}

// CPU seconds this process has used.
double OwnCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) /
             1e6;
}

// CPU seconds used so far by a PostgreSQL server (the postmaster and its
// live children: our backend, the WAL writer, the checkpointer, ...).
double ServerCpuSeconds(pid_t postmaster) {
  if (postmaster <= 0) return 0;
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  double seconds = 0;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.empty() ||
        !absl::ascii_isdigit(static_cast<unsigned char>(name[0]))) {
      continue;
    }
    const std::string stat = ReadFile(entry.path() / "stat");
    const size_t close = stat.rfind(')');
    if (close == std::string::npos) continue;
    // Fields after the command: state ppid ... utime(14) stime(15).
    std::vector<std::string> fields =
        absl::StrSplit(stat.substr(close + 2), ' ');
    if (fields.size() < 13) continue;
    const pid_t pid = static_cast<pid_t>(std::atol(name.c_str()));
    const pid_t parent = static_cast<pid_t>(std::atol(fields[1].c_str()));
    if (pid != postmaster && parent != postmaster) continue;
    seconds +=
        (std::atof(fields[11].c_str()) + std::atof(fields[12].c_str())) / ticks;
  }
  return seconds;
}

struct Backend {
  std::string name;
  // A fresh, empty database location for `tag`.
  std::function<std::string(const std::string& tag)> fresh;
  // Bytes on disk of the database at `location`.
  std::function<int64_t(const std::string& location)> size;
  // The server process, whose CPU time counts too (0: none).
  pid_t server = 0;
};

struct InsertResult {
  int batch_size;
  int64_t articles;
  double seconds;
  // Client and server CPU time: less sensitive to a busy machine.
  double cpu_seconds;
};

InsertResult MeasureInsert(const Backend& backend,
                           const std::vector<BaseArticle>& bases,
                           int batch_size, int64_t articles) {
  const std::string location =
      backend.fresh(absl::StrCat("insert_", batch_size));
  auto db = ArticleDb::Open(location, ArticleDb::OpenMode::kReadWrite);
  if (!db.ok()) {
    std::cerr << db.status() << "\n";
    std::exit(1);
  }
  std::vector<std::vector<v1::Article>> batches;
  for (int64_t i = 0; i < articles; i += batch_size) {
    std::vector<v1::Article>& batch = batches.emplace_back();
    for (int64_t j = i; j < std::min(articles, i + batch_size); ++j) {
      batch.push_back(Generate(bases, j));
    }
  }
  const double cpu_before = OwnCpuSeconds() + ServerCpuSeconds(backend.server);
  const Clock::time_point start = Clock::now();
  for (const std::vector<v1::Article>& batch : batches) {
    if (absl::Status status = (*db)->UpsertBatch(batch); !status.ok()) {
      std::cerr << status << "\n";
      std::exit(1);
    }
  }
  const double seconds = Seconds(Clock::now() - start);
  const double cpu_after = OwnCpuSeconds() + ServerCpuSeconds(backend.server);
  return {batch_size, articles, seconds, cpu_after - cpu_before};
}

// Builds (or finds) the big database; returns its location.
std::string BigDatabase(const Backend& backend,
                        const std::vector<BaseArticle>& bases, int64_t articles,
                        const std::string& location) {
  {
    auto db = ArticleDb::Open(location, ArticleDb::OpenMode::kReadWrite);
    if (!db.ok()) {
      std::cerr << db.status() << "\n";
      std::exit(1);
    }
    absl::StatusOr<int64_t> count = (*db)->Count();
    if (count.ok() && *count == articles) {
      std::cerr << backend.name << ": reusing " << location << " (" << articles
                << " articles)\n";
      return location;
    }
    std::cerr << backend.name << ": building " << articles << " articles into "
              << location << " ...\n";
    std::vector<v1::Article> batch;
    const Clock::time_point start = Clock::now();
    for (int64_t i = 0; i < articles; i += 1000) {
      batch.clear();
      for (int64_t j = i; j < std::min(articles, i + 1000); ++j) {
        batch.push_back(Generate(bases, j));
      }
      if (absl::Status status = (*db)->UpsertBatch(batch); !status.ok()) {
        std::cerr << status << "\n";
        std::exit(1);
      }
      if ((i / 1000) % 10 == 9) {
        std::cerr << "  " << i + 1000 << " articles, "
                  << static_cast<int>(Seconds(Clock::now() - start)) << " s\n";
      }
    }
  }
  return location;
}

struct QueryLatency {
  std::string kind;
  int64_t queries = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  double mean_hits = 0;
};

QueryLatency Time(const std::string& kind, int64_t count,
                  const std::function<absl::StatusOr<size_t>(int64_t)>& run) {
  std::vector<double> millis;
  int64_t hits = 0;
  for (int64_t i = 0; i < count; ++i) {
    const Clock::time_point start = Clock::now();
    absl::StatusOr<size_t> found = run(i);
    millis.push_back(Seconds(Clock::now() - start) * 1000);
    if (!found.ok()) {
      std::cerr << kind << ": " << found.status() << "\n";
      std::exit(1);
    }
    hits += static_cast<int64_t>(*found);
  }
  return {kind, count, Percentile(millis, 0.5), Percentile(millis, 0.99),
          static_cast<double>(hits) / static_cast<double>(count)};
}

std::vector<QueryLatency> MeasureQueries(const std::string& location,
                                         const std::vector<BaseArticle>& bases,
                                         int64_t queries) {
  auto opened = ArticleDb::Open(location, ArticleDb::OpenMode::kReadOnly);
  if (!opened.ok()) {
    std::cerr << opened.status() << "\n";
    std::exit(1);
  }
  ArticleDb& db = **opened;
  std::mt19937 random(20310402);

  // Text: single words, two words of one title (AND), and phrases.
  std::vector<std::string> texts;
  while (static_cast<int64_t>(texts.size()) < queries) {
    const BaseArticle& base = bases[random() % bases.size()];
    std::vector<std::string> words;
    for (absl::string_view word :
         absl::StrSplit(base.title, ' ', absl::SkipEmpty())) {
      if (word.size() >= 4 && std::all_of(word.begin(), word.end(), [](char c) {
            return absl::ascii_isalpha(static_cast<unsigned char>(c));
          })) {
        words.push_back(absl::AsciiStrToLower(word));
      }
    }
    if (words.size() < 2) continue;
    const size_t first = random() % (words.size() - 1);
    switch (texts.size() % 3) {
      case 0:
        texts.push_back(words[first]);
        break;
      case 1:
        texts.push_back(absl::StrCat(words[first], " ", words.back()));
        break;
      default:
        texts.push_back(
            absl::StrCat("\"", words[first], " ", words[first + 1], "\""));
        break;
    }
  }
  // Entities: any alias of a catalogue entity, in any case.
  EntityQuery catalogue;
  catalogue.limit = 5000;
  absl::StatusOr<std::vector<EntityInfo>> entities = db.Entities(catalogue);
  if (!entities.ok() || entities->empty()) {
    std::cerr << "no entities: " << entities.status() << "\n";
    std::exit(1);
  }
  std::vector<std::string> aliases;
  for (int64_t i = 0; i < queries; ++i) {
    const EntityInfo& info = (*entities)[random() % entities->size()];
    aliases.push_back(absl::AsciiStrToLower(
        info.aliases.empty()
            ? info.entity.name
            : info.aliases[random() % info.aliases.size()].alias));
  }
  std::vector<std::string> stories;
  for (int64_t i = 0; i < queries; ++i) {
    stories.push_back(
        absl::StrCat("story-", bases[random() % bases.size()].key));
  }

  std::vector<QueryLatency> results;
  results.push_back(Time("text (top 10)", queries, [&](int64_t i) {
    absl::StatusOr<std::vector<SearchHit>> hits = db.Search(texts[i], 10);
    if (!hits.ok()) return absl::StatusOr<size_t>(hits.status());
    return absl::StatusOr<size_t>(hits->size());
  }));
  results.push_back(
      Time("entity, any alias (newest 10)", queries, [&](int64_t i) {
        SearchRequest request;
        request.filter.entity = aliases[i];
        request.limit = 10;
        auto hits = db.Search(request);
        if (!hits.ok()) {
          return absl::StatusOr<size_t>(hits.status());
        }
        return absl::StatusOr<size_t>(hits->size());
      }));
  results.push_back(Time("text + entity (top 10)", queries, [&](int64_t i) {
    SearchRequest request;
    request.text = texts[i];
    request.filter.entity = aliases[i];
    request.limit = 10;
    auto hits = db.Search(request);
    if (!hits.ok()) return absl::StatusOr<size_t>(hits.status());
    return absl::StatusOr<size_t>(hits->size());
  }));
  results.push_back(Time("story's articles", queries, [&](int64_t i) {
    SearchRequest request;
    request.filter.story_id = stories[i];
    request.limit = 50;
    auto hits = db.Search(request);
    if (!hits.ok()) return absl::StatusOr<size_t>(hits.status());
    return absl::StatusOr<size_t>(hits->size());
  }));
  results.push_back(Time("story list (20, top entities)",
                         std::min<int64_t>(queries, 50), [&](int64_t) {
                           auto listed = db.Stories({});
                           if (!listed.ok()) {
                             return absl::StatusOr<size_t>(listed.status());
                           }
                           return absl::StatusOr<size_t>(listed->size());
                         }));
  return results;
}

int Main(int argc, char** argv) {
  CLI::App app("Measures the article database on SQLite and PostgreSQL.");
  int64_t articles = 100000;
  int64_t queries = 200;
  std::string cache = "/tmp/newsflow-store-bench";
  std::string backends_arg = "sqlite,postgres";
  bool no_insert = false;
  std::string shared = NEWSFLOW_SHARED_DIR;
  app.add_option("--articles", articles, "Articles in the query database");
  app.add_option("--queries", queries, "Queries per kind");
  app.add_option("--cache", cache, "Where the big databases are kept");
  app.add_option("--backends", backends_arg, "sqlite, postgres or both");
  app.add_option("--shared", shared, "The shared data folder");
  app.add_flag("--no-insert", no_insert, "Skip the insert measurements");
  bool no_queries = false;
  app.add_flag("--no-queries", no_queries,
               "Skip the big database (query latency, size)");
  CLI11_PARSE(app, argc, argv);

  std::vector<BaseArticle> bases;
  LoadReuters(fs::path(shared) / "corpora/reuters21578", bases);
  const size_t reuters = bases.size();
  LoadBbc(fs::path(shared) / "corpora/bbc", bases);
  if (bases.empty()) {
    std::cerr << "no corpus articles under " << shared << "/corpora\n";
    return 1;
  }
  std::cerr << "corpus: " << reuters << " Reuters + " << bases.size() - reuters
            << " BBC articles, "
            << (articles + static_cast<int64_t>(bases.size()) - 1) /
                   static_cast<int64_t>(bases.size())
            << " outlet copies each\n";
  fs::create_directories(cache);

  std::vector<Backend> backends;
  std::string pg_server_dir = (fs::path(cache) / "pg-server").string();
  const std::string script =
      std::string(NEWSFLOW_SOURCE_DIR) + "/scripts/pg-test-server";
  std::string pg_url;
  for (absl::string_view name : absl::StrSplit(backends_arg, ',')) {
    if (name == "sqlite") {
      backends.push_back(
          {"SQLite",
           [cache](const std::string& tag) {
             const std::string path =
                 (fs::path(cache) / absl::StrCat(tag, ".db")).string();
             for (const char* suffix : {"", "-wal", "-shm"}) {
               fs::remove(path + suffix);
             }
             return path;
           },
           [](const std::string& path) {
             int64_t bytes = 0;
             for (const char* suffix : {"", "-wal"}) {
               std::error_code error;
               const auto size = fs::file_size(path + suffix, error);
               if (!error) bytes += static_cast<int64_t>(size);
             }
             return bytes;
           },
           0});
    } else if (name == "postgres") {
      setenv("PG_TEST_SERVER_OPTIONS",
             "-c fsync=on -c full_page_writes=on -c shared_buffers=256MB", 1);
      FILE* pipe = popen(
          absl::StrCat("'", script, "' start '", pg_server_dir, "'").c_str(),
          "r");
      char line[512] = {};
      if (pipe == nullptr || fgets(line, sizeof(line), pipe) == nullptr ||
          pclose(pipe) != 0) {
        std::cerr << "cannot start PostgreSQL (" << script << ")\n";
        return 1;
      }
      pg_url = std::string(absl::StripAsciiWhitespace(line));
      const std::string server = pg_url;
      const std::string data_dir = std::string(absl::StripAsciiWhitespace(
          ReadFile(fs::path(pg_server_dir) / "data_dir")));
      const pid_t postmaster = static_cast<pid_t>(
          std::atol(ReadFile(fs::path(data_dir) / "postmaster.pid").c_str()));
      backends.push_back(
          {"PostgreSQL",
           [server](const std::string& tag) {
             PgValue(server, absl::StrCat("DROP DATABASE IF EXISTS ", tag,
                                          " WITH (FORCE)"));
             PgValue(server, absl::StrCat("CREATE DATABASE ", tag));
             return WithDatabase(server, tag);
           },
           [](const std::string& url) {
             return static_cast<int64_t>(std::strtoll(
                 PgValue(url, "SELECT pg_database_size(current_database())")
                     .c_str(),
                 nullptr, 10));
           },
           postmaster});
    } else {
      std::cerr << "unknown backend " << name << "\n";
      return 1;
    }
  }

  std::vector<std::pair<std::string, std::vector<InsertResult>>> inserts;
  if (!no_insert) {
    for (const Backend& backend : backends) {
      std::vector<InsertResult> results;
      for (auto [batch_size, count] :
           {std::pair<int, int64_t>{1, 3000}, {100, 30000}, {1000, 30000}}) {
        std::cerr << backend.name << ": inserting " << count
                  << " articles in batches of " << batch_size << "\n";
        results.push_back(MeasureInsert(backend, bases, batch_size, count));
      }
      inserts.emplace_back(backend.name, results);
    }
  }

  struct BigResult {
    std::string backend;
    int64_t bytes;
    std::vector<QueryLatency> latencies;
  };
  std::vector<BigResult> big;
  for (const Backend& backend : backends) {
    if (no_queries) break;
    const std::string tag =
        absl::StrCat("news_", articles, "_v", kGeneratorVersion);
    const std::string location =
        backend.name == "SQLite"
            ? (fs::path(cache) / absl::StrCat(tag, ".db")).string()
            : WithDatabase(pg_url, tag);
    if (backend.name == "PostgreSQL" &&
        PgValue(pg_url, absl::StrCat("SELECT 1 FROM pg_database WHERE "
                                     "datname = '",
                                     tag, "'"))
            .empty()) {
      PgValue(pg_url, absl::StrCat("CREATE DATABASE ", tag));
    }
    BigDatabase(backend, bases, articles, location);
    if (backend.name == "PostgreSQL") {
      PgValue(location, "VACUUM ANALYZE");
    } else {
      // Fold the WAL into the file so that the size is the database's.
      auto db = ArticleDb::Open(location, ArticleDb::OpenMode::kReadWrite);
    }
    std::cerr << backend.name << ": querying\n";
    big.push_back({backend.name, backend.size(location),
                   MeasureQueries(location, bases, queries)});
  }
  if (!pg_url.empty()) {
    // Keep the big database for the next run; the insert databases go.
    for (int batch_size : {1, 100, 1000}) {
      PgValue(pg_url, absl::StrCat("DROP DATABASE IF EXISTS insert_",
                                   batch_size, " WITH (FORCE)"));
    }
    std::system(
        absl::StrCat("'", script, "' halt '", pg_server_dir, "'").c_str());
  }
  for (int batch_size : {1, 100, 1000}) {
    for (const char* suffix : {"", "-wal", "-shm"}) {
      std::error_code ignored;
      fs::remove(
          fs::path(cache) / absl::StrCat("insert_", batch_size, ".db", suffix),
          ignored);
    }
  }

  // The report, as Markdown.
  std::cout << "### Store: insert throughput (articles/s into an empty "
               "database; in brackets: per CPU-second of client and server)"
               "\n\n| backend | batch 1 | batch 100 | batch 1000 |\n"
               "|---|---:|---:|---:|\n";
  for (const auto& [name, results] : inserts) {
    std::cout << "| " << name;
    for (const InsertResult& result : results) {
      const double count = static_cast<double>(result.articles);
      std::cout << absl::StrFormat(" | %.0f (%.0f)", count / result.seconds,
                                   count / result.cpu_seconds);
    }
    std::cout << " |\n";
  }
  std::cout << "\n### Store: query latency on a " << articles
            << "-article database (ms)\n\n| query | ";
  for (const BigResult& result : big) {
    std::cout << result.backend << " p50 | " << result.backend << " p99 | ";
  }
  std::cout << "hits/query |\n|---|";
  for (size_t i = 0; i < big.size(); ++i) std::cout << "---:|---:|";
  std::cout << "---:|\n";
  for (size_t q = 0; !big.empty() && q < big[0].latencies.size(); ++q) {
    std::cout << "| " << big[0].latencies[q].kind << " | ";
    for (const BigResult& result : big) {
      std::cout << absl::StrFormat("%.2f | %.2f | ", result.latencies[q].p50_ms,
                                   result.latencies[q].p99_ms);
    }
    std::cout << absl::StrFormat("%.1f |\n", big[0].latencies[q].mean_hits);
  }
  std::cout << "\n### Store: size on disk\n\n| backend | total | per "
               "article |\n|---|---:|---:|\n";
  for (const BigResult& result : big) {
    std::cout << absl::StrFormat("| %s | %.0f MB | %.1f KB |\n", result.backend,
                                 static_cast<double>(result.bytes) / 1e6,
                                 static_cast<double>(result.bytes) / 1e3 /
                                     static_cast<double>(articles));
  }
  return 0;
}

}  // namespace
}  // namespace newsflow

int main(int argc, char** argv) { return newsflow::Main(argc, argv); }
