// newsflow_store_bench: the article database on SQLite and on PostgreSQL,
// measured side by side in one run and printed as one Markdown table.
//
// Per backend:
//   - insert throughput (articles/s) into an empty database at batch sizes
//     1, 100 and 1000 (one UpsertBatch, i.e. one transaction, per batch);
//   - on a 100,000-article database, built once per run in batches of 1000
//     (its first articles give the batch-1000 figure): query latency
//     p50/p99 for text queries (words, AND, phrases), entity queries (any
//     alias), text + entity, and story queries (the articles of one story;
//     the story list), and the size on disk per article.
// The articles come from ../shared/corpora: Reuters-21578 (typed entities
// from its PLACES/PEOPLE/ORGS tags) and BBC News (no tags). Each corpus
// article is "syndicated" to several outlets: copy k gets its own id, URL,
// outlet and time (+2 h per copy), and all copies share a story id. Both
// corpora also get MISC/PERSON/ORG entities from runs of capitalised words.
//
// Copies come in rounds of 6 outlets: each round is another story, 41 days
// after the previous one, so a database of 1,000,000 articles
// (--articles 1000000) has stories of up to 6 articles over years of dates.
// --reuse --work DIR keeps the big database in DIR and queries it again on
// the next run with the same --articles instead of rebuilding it (a
// database of 1,000,000 articles takes minutes to build).
//
// Without ../shared/corpora the bench says so and exits 0; without a
// PostgreSQL server (or libpq) its column says "skipped" and why.
// Everything it writes lives under --work (default /tmp), never in the
// repository, and is removed at the end unless --keep.
//
// Usage: newsflow_store_bench [--articles N] [--queries N]
//          [--single-articles N] [--batch-articles N]
//          [--backends sqlite,postgres] [--work DIR] [--keep] [--reuse]
//          [--merge-index] [--index-word-pairs]
#ifdef NEWSFLOW_BENCH_HAVE_LIBPQ
#include <libpq-fe.h>
#endif
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "common/hash.h"
#include "common/text.h"
#include "stages/store/article_db.h"
#include "stages/store/sqlite_article_db.h"

namespace newsflow {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// Bump when the generated articles change, so that cached databases are
// rebuilt.
constexpr int kGeneratorVersion = 3;
// Outlets that tell one story (see Generate).
constexpr int64_t kOutletsPerStory = 6;

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
  // Copies come in rounds of kOutletsPerStory: one round is one story told
  // by that many outlets 2 h apart; the next round is the same text told
  // again 41 days later as another story, so that big collections have
  // stories of realistic size and dates spread over years.
  const int64_t round = copy / kOutletsPerStory;
  v1::Article article;
  article.set_id(StableHashHex(absl::StrCat("bench:", base.key, "#", copy)));
  const std::string outlet = absl::StrCat("outlet", copy, ".example");
  article.set_source(absl::StrCat("outlet", copy));
  article.set_url(absl::StrCat("https://www.", outlet, "/", base.key));
  article.set_title(base.title);
  article.set_body(base.body);
  article.set_published_at(
      absl::FormatTime("%Y-%m-%dT%H:%M:%SZ",
                       base.time + absl::Hours(2 * (copy % kOutletsPerStory)) +
                           absl::Hours(24 * 41 * round),
                       absl::UTCTimeZone()));
  article.set_language("en");
  article.set_story_id(round == 0
                           ? absl::StrCat("story-", base.key)
                           : absl::StrCat("story-", base.key, "-", round));
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

#ifdef NEWSFLOW_BENCH_HAVE_LIBPQ
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
#endif

// CPU seconds the calling thread has used.
double ThreadCpuSeconds() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) +
         static_cast<double>(now.tv_nsec) / 1e9;
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
  // The location of `tag`'s database, as it is.
  std::function<std::string(const std::string& tag)> existing;
  // Removes the database `fresh(tag)` made.
  std::function<void(const std::string& tag)> drop;
  // Bytes on disk of the database at `location`, once settled (SQLite: its
  // WAL folded in; PostgreSQL: vacuumed and analysed).
  std::function<int64_t(const std::string& location)> settle_and_size;
  // The server process, whose CPU time counts too (0: none).
  pid_t server = 0;
  // Why this backend is not measured ("" when it is).
  std::string skipped;
  ArticleDb::OpenOptions open_options;
};

struct InsertResult {
  int batch_size = 0;
  int64_t articles = 0;
  double seconds = 0;
  // Client and server CPU time: less sensitive to a busy machine.
  double cpu_seconds = 0;
  // The part of cpu_seconds spent in this process.
  double client_cpu_seconds = 0;
  // The part spent by the thread calling UpsertBatch: what the store's
  // commits (and acknowledgements) cost, without SQLite's indexer thread.
  double store_thread_cpu_seconds = 0;
  // Waiting at the end until every article is found by text search
  // (ArticleDb::WaitForSearchIndex), not in `seconds`.
  double index_wait_seconds = 0;
};

// Stores generated articles [first, first + count) into `db` in batches of
// `batch_size` (one UpsertBatch, i.e. one transaction, each). Only the
// UpsertBatch calls are timed: articles are generated a chunk at a time
// beforehand.
InsertResult Insert(ArticleDb& db, const Backend& backend,
                    const std::vector<BaseArticle>& bases, int64_t first,
                    int64_t count, int batch_size, bool progress = false) {
  constexpr int64_t kChunk = 1000;
  InsertResult result;
  result.batch_size = batch_size;
  result.articles = count;
  std::vector<std::vector<v1::Article>> batches;
  for (int64_t chunk = first; chunk < first + count; chunk += kChunk) {
    const int64_t end = std::min(first + count, chunk + kChunk);
    batches.clear();
    for (int64_t i = chunk; i < end; i += batch_size) {
      std::vector<v1::Article>& batch = batches.emplace_back();
      for (int64_t j = i; j < std::min(end, i + batch_size); ++j) {
        batch.push_back(Generate(bases, j));
      }
    }
    const double own_before = OwnCpuSeconds();
    const double cpu_before = own_before + ServerCpuSeconds(backend.server);
    const double thread_before = ThreadCpuSeconds();
    const Clock::time_point start = Clock::now();
    for (const std::vector<v1::Article>& batch : batches) {
      if (absl::Status status = db.UpsertBatch(batch); !status.ok()) {
        std::cerr << status << "\n";
        std::exit(1);
      }
    }
    result.seconds += Seconds(Clock::now() - start);
    result.store_thread_cpu_seconds += ThreadCpuSeconds() - thread_before;
    if (end == first + count) {
      // The indexer's backlog, whose CPU time counts below.
      const Clock::time_point wait = Clock::now();
      if (absl::Status status = db.WaitForSearchIndex(); !status.ok()) {
        std::cerr << status << "\n";
        std::exit(1);
      }
      result.index_wait_seconds = Seconds(Clock::now() - wait);
    }
    const double own_after = OwnCpuSeconds();
    result.client_cpu_seconds += own_after - own_before;
    result.cpu_seconds +=
        own_after + ServerCpuSeconds(backend.server) - cpu_before;
    if (progress && ((end - first) % 20000 == 0 || end == first + count)) {
      std::cerr << "  " << backend.name << ": " << end << " articles stored\n";
    }
  }
  return result;
}

std::unique_ptr<ArticleDb> OpenOrExit(
    const std::string& location, ArticleDb::OpenMode mode,
    const ArticleDb::OpenOptions& options = ArticleDb::OpenOptions()) {
  absl::StatusOr<std::unique_ptr<ArticleDb>> db =
      ArticleDb::Open(location, mode, options);
  if (!db.ok()) {
    std::cerr << db.status() << "\n";
    std::exit(1);
  }
  return *std::move(db);
}

struct QueryLatency {
  std::string kind;
  int64_t queries = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  // The same, counting only the CPU time of this thread: what the query
  // costs, without the waits of a busy machine.
  double cpu_p50_ms = 0;
  double cpu_p99_ms = 0;
  double mean_hits = 0;
};

// With --slowest N: the N slowest queries of each kind that has a label,
// printed to stderr, so that a p99 can be traced to what was asked.
int64_t g_slowest = 0;
// --rank-window: SearchRequest::rank_window of the unfiltered text queries.
int64_t g_rank_window = SearchRequest::kDefaultRankWindow;
// --query-seed: which words, aliases and stories are asked about, so that
// a change tuned on the default queries can be checked on others.
uint32_t g_query_seed = 20310402;

QueryLatency Time(const std::string& kind, int64_t count,
                  const std::function<absl::StatusOr<size_t>(int64_t)>& run,
                  const std::function<std::string(int64_t)>& label = nullptr) {
  std::vector<double> millis;
  std::vector<double> cpu_millis;
  int64_t hits = 0;
  for (int64_t i = 0; i < count; ++i) {
    const Clock::time_point start = Clock::now();
    const double cpu_start = ThreadCpuSeconds();
    absl::StatusOr<size_t> found = run(i);
    millis.push_back(Seconds(Clock::now() - start) * 1000);
    cpu_millis.push_back((ThreadCpuSeconds() - cpu_start) * 1000);
    if (!found.ok()) {
      std::cerr << kind << ": " << found.status() << "\n";
      std::exit(1);
    }
    hits += static_cast<int64_t>(*found);
  }
  if (g_slowest > 0 && label) {
    std::vector<int64_t> order(static_cast<size_t>(count));
    for (int64_t i = 0; i < count; ++i) order[static_cast<size_t>(i)] = i;
    std::sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
      return cpu_millis[static_cast<size_t>(a)] >
             cpu_millis[static_cast<size_t>(b)];
    });
    for (int64_t k = 0; k < count && k < g_slowest; ++k) {
      const size_t i = static_cast<size_t>(order[static_cast<size_t>(k)]);
      std::cerr << absl::StrFormat("  slow %s: %.2f ms (CPU %.2f): %s\n", kind,
                                   millis[i], cpu_millis[i],
                                   label(static_cast<int64_t>(i)));
    }
  }
  return {kind,
          count,
          Percentile(millis, 0.5),
          Percentile(millis, 0.99),
          Percentile(cpu_millis, 0.5),
          Percentile(cpu_millis, 0.99),
          static_cast<double>(hits) / static_cast<double>(count)};
}

std::vector<QueryLatency> MeasureQueries(const std::string& location,
                                         const std::vector<BaseArticle>& bases,
                                         int64_t articles, int64_t queries) {
  auto opened = ArticleDb::Open(location, ArticleDb::OpenMode::kReadOnly);
  if (!opened.ok()) {
    std::cerr << opened.status() << "\n";
    std::exit(1);
  }
  ArticleDb& db = **opened;
  std::mt19937 random(g_query_seed);

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
  // Stories of random stored articles, so that every round of copies
  // (see Generate) is asked about.
  std::vector<std::string> stories;
  std::uniform_int_distribution<int64_t> any_article(0, articles - 1);
  for (int64_t i = 0; i < queries; ++i) {
    stories.push_back(Generate(bases, any_article(random)).story_id());
  }

  std::vector<QueryLatency> results;
  results.push_back(Time(
      "text (top 10)", queries,
      [&](int64_t i) {
        SearchRequest request;
        request.text = texts[i];
        request.limit = 10;
        request.rank_window = g_rank_window;
        absl::StatusOr<std::vector<SearchHit>> hits = db.Search(request);
        if (!hits.ok()) return absl::StatusOr<size_t>(hits.status());
        return absl::StatusOr<size_t>(hits->size());
      },
      [&](int64_t i) { return texts[i]; }));
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
  results.push_back(Time(
      "text + entity (top 10)", queries,
      [&](int64_t i) {
        SearchRequest request;
        request.text = texts[i];
        request.filter.entity = aliases[i];
        request.limit = 10;
        auto hits = db.Search(request);
        if (!hits.ok()) return absl::StatusOr<size_t>(hits.status());
        return absl::StatusOr<size_t>(hits->size());
      },
      [&](int64_t i) { return absl::StrCat(texts[i], " + ", aliases[i]); }));
  results.push_back(Time("story's articles", queries, [&](int64_t i) {
    SearchRequest request;
    request.filter.story_id = stories[i];
    request.limit = 50;
    auto hits = db.Search(request);
    if (!hits.ok()) return absl::StatusOr<size_t>(hits.status());
    return absl::StatusOr<size_t>(hits->size());
  }));
  results.push_back(Time("entity list (top 50)", std::min<int64_t>(queries, 50),
                         [&](int64_t) {
                           auto listed = db.Entities({});
                           if (!listed.ok()) {
                             return absl::StatusOr<size_t>(listed.status());
                           }
                           return absl::StatusOr<size_t>(listed->size());
                         }));
  results.push_back(Time("entity by alias", queries, [&](int64_t i) {
    EntityQuery query;
    query.name = aliases[i];
    auto listed = db.Entities(query);
    if (!listed.ok()) return absl::StatusOr<size_t>(listed.status());
    return absl::StatusOr<size_t>(listed->size());
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

struct BackendResult {
  std::string name;
  std::string skipped;
  // Batch sizes 1, 100 and 1000.
  std::vector<InsertResult> inserts;
  int64_t bytes = 0;
  // The whole query database, in batches of 1000 (seconds == 0: reused).
  InsertResult build;
  std::vector<QueryLatency> latencies;
};

// Every measurement of one backend: inserts into fresh databases at batch
// sizes 1 and 100; then the big database, built once in batches of 1000
// (its first `batch_articles` give the batch-1000 figure, so that all three
// start from an empty database), settled, sized and queried.
BackendResult Measure(const Backend& backend, const std::string& work,
                      const std::vector<BaseArticle>& bases,
                      int64_t single_articles, int64_t batch_articles,
                      int64_t articles, int64_t queries, bool keep, bool reuse,
                      std::vector<BackendResult>* merged) {
  BackendResult result;
  result.name = backend.name;
  for (auto [batch_size, count] :
       {std::pair<int, int64_t>{1, single_articles}, {100, batch_articles}}) {
    const std::string tag = absl::StrCat("insert_", batch_size);
    std::cerr << backend.name << ": inserting " << count
              << " articles in batches of " << batch_size << "\n";
    {
      std::unique_ptr<ArticleDb> db =
          OpenOrExit(backend.fresh(tag), ArticleDb::OpenMode::kReadWrite,
                     backend.open_options);
      result.inserts.push_back(
          Insert(*db, backend, bases, 0, count, batch_size));
    }
    backend.drop(tag);
  }

  const std::string tag = absl::StrCat("news_", articles);
  // Written once the database is complete: which generator filled it.
  const fs::path marker =
      fs::path(work) / absl::StrCat(backend.name, "-", tag, ".generator");
  const std::string generator = absl::StrCat("generator ", kGeneratorVersion);
  std::string location;
  if (reuse && ReadFile(marker) == generator) {
    location = backend.existing(tag);
    std::cerr << backend.name << ": reusing the " << articles
              << "-article database " << location << "\n";
    InsertResult none;
    none.batch_size = 1000;
    result.inserts.push_back(none);
    // An index an older build made is rebuilt on opening (SQLite: another
    // tokenizer); queries wait for it.
    const Clock::time_point start = Clock::now();
    const double cpu_start = OwnCpuSeconds();
    std::unique_ptr<ArticleDb> db = OpenOrExit(
        location, ArticleDb::OpenMode::kReadWrite, backend.open_options);
    if (absl::Status status = db->WaitForSearchIndex(); !status.ok()) {
      std::cerr << status << "\n";
      std::exit(1);
    }
    std::cerr << backend.name << ": search index ready in "
              << absl::StrFormat("%.1f s (CPU %.1f s)",
                                 Seconds(Clock::now() - start),
                                 OwnCpuSeconds() - cpu_start)
              << "\n";
  } else {
    location = backend.fresh(tag);
    std::error_code ignored;
    fs::remove(marker, ignored);
    std::cerr << backend.name << ": building the " << articles
              << "-article database in batches of 1000\n";
    std::unique_ptr<ArticleDb> db = OpenOrExit(
        location, ArticleDb::OpenMode::kReadWrite, backend.open_options);
    const int64_t timed = std::min(articles, batch_articles);
    result.inserts.push_back(Insert(*db, backend, bases, 0, timed, 1000));
    const InsertResult rest = Insert(*db, backend, bases, timed,
                                     articles - timed, 1000, /*progress=*/true);
    result.build = result.inserts.back();
    result.build.articles += rest.articles;
    result.build.seconds += rest.seconds;
    result.build.cpu_seconds += rest.cpu_seconds;
    result.build.client_cpu_seconds += rest.client_cpu_seconds;
    result.build.store_thread_cpu_seconds += rest.store_thread_cpu_seconds;
    result.build.index_wait_seconds += rest.index_wait_seconds;
    std::ofstream(marker) << generator;
  }
  result.bytes = backend.settle_and_size(location);
  std::cerr << backend.name << ": querying\n";
  result.latencies = MeasureQueries(location, bases, articles, queries);
  if (merged != nullptr) {
    // What the store's idle merger (IdleIndexMerger) does once a bulk load
    // ends: the index in one piece, in steps of 256 pages, when its pieces
    // besides the largest are worth it (WorthMergingIntoOne).
    std::cerr << backend.name << ": merging the full-text index\n";
    const Clock::time_point start = Clock::now();
    const double cpu_start = OwnCpuSeconds();
    int64_t steps = 0;
    {
      std::unique_ptr<ArticleDb> db = OpenOrExit(
          location, ArticleDb::OpenMode::kReadWrite, backend.open_options);
      while (true) {
        absl::StatusOr<bool> step = db->MergeIndexStep(256);
        if (!step.ok()) {
          std::cerr << "merging the index: " << step.status() << "\n";
          std::exit(1);
        }
        if (!*step) break;
        ++steps;
      }
    }
    BackendResult after = result;
    after.name = absl::StrFormat(
        "%s, index merged (%d steps, %.0f s, CPU %.0f s)", backend.name, steps,
        Seconds(Clock::now() - start), OwnCpuSeconds() - cpu_start);
    after.bytes = backend.settle_and_size(location);
    std::cerr << backend.name << ": querying the merged index\n";
    after.latencies = MeasureQueries(location, bases, articles, queries);
    merged->push_back(std::move(after));
  }
  if (!keep && !reuse) backend.drop(tag);
  return result;
}

Backend SqliteBackend(const std::string& work) {
  Backend backend;
  backend.name = "SQLite";
  auto path = [work](const std::string& tag) {
    return (fs::path(work) / absl::StrCat(tag, ".db")).string();
  };
  backend.drop = [path](const std::string& tag) {
    for (const std::string& file :
         {path(tag), SqliteSearchIndexPath(path(tag))}) {
      for (const char* suffix : {"", "-wal", "-shm"}) {
        std::error_code ignored;
        fs::remove(file + suffix, ignored);
      }
    }
  };
  backend.fresh = [path, drop = backend.drop](const std::string& tag) {
    drop(tag);
    return path(tag);
  };
  backend.existing = path;
  backend.settle_and_size = [](const std::string& location) {
    // The last writer to close checkpoints the WAL into the file.
    OpenOrExit(location, ArticleDb::OpenMode::kReadWrite).reset();
    int64_t bytes = 0;
    for (const std::string& file :
         {location, SqliteSearchIndexPath(location)}) {
      for (const char* suffix : {"", "-wal"}) {
        std::error_code error;
        const auto size = fs::file_size(file + suffix, error);
        if (!error) bytes += static_cast<int64_t>(size);
      }
    }
    return bytes;
  };
  return backend;
}

#ifdef NEWSFLOW_BENCH_HAVE_LIBPQ
// A throwaway server (scripts/pg-test-server) with fsync on (durable
// against an OS crash) and synchronous_commit off, which matches SQLite's
// WAL + synchronous=NORMAL: a commit is not flushed on its own.
Backend PostgresBackend(const std::string& server_dir) {
  Backend backend;
  backend.name = "PostgreSQL";
  const std::string script =
      std::string(NEWSFLOW_SOURCE_DIR) + "/scripts/pg-test-server";
  setenv("PG_TEST_SERVER_OPTIONS",
         "-c fsync=on -c full_page_writes=on -c shared_buffers=256MB", 1);
  const int started =
      std::system(absl::StrCat("'", script, "' start '", server_dir,
                               "' --optional >/dev/null")
                      .c_str());
  const std::string url = std::string(
      absl::StripAsciiWhitespace(ReadFile(fs::path(server_dir) / "url")));
  if (started != 0 || url.empty()) {
    const std::string reason = std::string(absl::StripAsciiWhitespace(
        ReadFile(fs::path(server_dir) / "unavailable")));
    backend.skipped = reason.empty()
                          ? absl::StrCat(script, " could not start a server")
                          : reason;
    return backend;
  }
  const std::string data_dir = std::string(
      absl::StripAsciiWhitespace(ReadFile(fs::path(server_dir) / "data_dir")));
  backend.server = static_cast<pid_t>(
      std::atol(ReadFile(fs::path(data_dir) / "postmaster.pid").c_str()));
  backend.drop = [url](const std::string& tag) {
    PgValue(url,
            absl::StrCat("DROP DATABASE IF EXISTS ", tag, " WITH (FORCE)"));
  };
  backend.fresh = [url, drop = backend.drop](const std::string& tag) {
    drop(tag);
    PgValue(url, absl::StrCat("CREATE DATABASE ", tag));
    return WithDatabase(url, tag);
  };
  backend.existing = [url](const std::string& tag) {
    return WithDatabase(url, tag);
  };
  backend.settle_and_size = [](const std::string& location) {
    PgValue(location, "VACUUM ANALYZE");
    return static_cast<int64_t>(std::strtoll(
        PgValue(location, "SELECT pg_database_size(current_database())")
            .c_str(),
        nullptr, 10));
  };
  return backend;
}
#endif

// "1234 (2345)": articles/s (per CPU-second); "reused" when not measured.
std::string Rate(const InsertResult& insert) {
  if (insert.seconds <= 0) return "reused";
  const double count = static_cast<double>(insert.articles);
  return absl::StrFormat(
      "%.0f (%.0f; client %.0f%%; store thread %.0f) searchable %.0f",
      count / insert.seconds, count / insert.cpu_seconds,
      100 * insert.client_cpu_seconds / insert.cpu_seconds,
      count / insert.store_thread_cpu_seconds,
      count / (insert.seconds + insert.index_wait_seconds));
}

// "12.3 / 45.6": p50 / p99 in milliseconds.
std::string Latency(const BackendResult& result, size_t row) {
  if (row >= result.latencies.size()) return "-";
  const QueryLatency& latency = result.latencies[row];
  return absl::StrFormat("%.2f / %.2f (CPU %.2f / %.2f)", latency.p50_ms,
                         latency.p99_ms, latency.cpu_p50_ms,
                         latency.cpu_p99_ms);
}

void PrintTable(const std::vector<BackendResult>& results, int64_t articles) {
  std::cout << "| store bench (" << articles << "-article database) |";
  for (const BackendResult& result : results)
    std::cout << " " << result.name << " |";
  std::cout << "\n|---|";
  for (size_t i = 0; i < results.size(); ++i) std::cout << "---:|";
  std::cout << "\n";
  auto row = [&](const std::string& label,
                 const std::function<std::string(const BackendResult&)>& cell) {
    std::cout << "| " << label << " |";
    for (const BackendResult& result : results) {
      std::cout << " " << (result.skipped.empty() ? cell(result) : "skipped")
                << " |";
    }
    std::cout << "\n";
  };
  for (size_t i = 0; i < 3; ++i) {
    const int batch_size = i == 0 ? 1 : i == 1 ? 100 : 1000;
    row(absl::StrCat("insert, batch ", batch_size,
                     ": articles/s (per CPU-second; client share; store "
                     "thread) searchable"),
        [i](const BackendResult& result) { return Rate(result.inserts[i]); });
  }
  row(absl::StrCat("building the ", articles,
                   "-article database: articles/s (per CPU-second; client "
                   "share; store thread) searchable"),
      [](const BackendResult& result) { return Rate(result.build); });
  const BackendResult* measured = nullptr;
  for (const BackendResult& result : results) {
    if (result.skipped.empty()) measured = &result;
  }
  for (size_t q = 0; measured != nullptr && q < measured->latencies.size();
       ++q) {
    row(absl::StrFormat("%s: p50 / p99 ms (%.1f hits)",
                        measured->latencies[q].kind,
                        measured->latencies[q].mean_hits),
        [q](const BackendResult& result) { return Latency(result, q); });
  }
  row("size on disk per article (total)", [&](const BackendResult& result) {
    return absl::StrFormat(
        "%.1f KB (%.0f MB)",
        static_cast<double>(result.bytes) / 1e3 / static_cast<double>(articles),
        static_cast<double>(result.bytes) / 1e6);
  });
  for (const BackendResult& result : results) {
    if (!result.skipped.empty()) {
      std::cout << "\n"
                << result.name << " skipped: " << result.skipped << "\n";
    }
  }
}

// --query: one search, run `repeat` times; prints each run's CPU and wall
// time and the hits of the last, so that a profiler sees only that query.
int TimeOneQuery(const std::string& location, const std::string& text,
                 const std::string& entity, int64_t repeat) {
  std::unique_ptr<ArticleDb> db =
      OpenOrExit(location, ArticleDb::OpenMode::kReadOnly);
  SearchRequest request;
  request.text = text;
  request.filter.entity = entity;
  request.limit = 10;
  request.rank_window = g_rank_window;
  absl::StatusOr<std::vector<SearchHit>> hits;
  std::vector<double> cpu_millis;
  for (int64_t i = 0; i < repeat; ++i) {
    const Clock::time_point start = Clock::now();
    const double cpu_start = ThreadCpuSeconds();
    hits = db->Search(request);
    cpu_millis.push_back((ThreadCpuSeconds() - cpu_start) * 1000);
    std::cout << absl::StrFormat("run %d: %.2f ms (CPU %.2f)\n", i,
                                 Seconds(Clock::now() - start) * 1000,
                                 cpu_millis.back());
    if (!hits.ok()) {
      std::cerr << hits.status() << "\n";
      return 1;
    }
  }
  std::cout << absl::StrFormat("CPU p50 %.2f ms\n",
                               Percentile(cpu_millis, 0.5));
  for (const SearchHit& hit : *hits) {
    std::cout << absl::StrFormat("%.6f %s %s\n", hit.score, hit.id, hit.title);
  }
  return 0;
}

int Main(int argc, char** argv) {
  CLI::App app("Measures the article database on SQLite and PostgreSQL.");
  int64_t articles = 100000;
  int64_t queries = 200;
  int64_t single_articles = 1000;
  int64_t batch_articles = 10000;
  std::string work = absl::StrCat("/tmp/newsflow-store-bench-", getpid());
  std::string backends_arg = "sqlite,postgres";
  std::string shared = NEWSFLOW_SHARED_DIR;
  bool keep = false;
  app.add_option("--articles", articles, "Articles in the query database");
  app.add_option("--queries", queries, "Queries per kind");
  app.add_option("--single-articles", single_articles,
                 "Articles inserted one per transaction");
  app.add_option("--batch-articles", batch_articles,
                 "Articles inserted in batches of 100 and of 1000");
  app.add_option("--work", work,
                 "Folder for the SQLite databases and the PostgreSQL server");
  app.add_option("--backends", backends_arg,
                 "sqlite, postgres or both; sqlite:MIB for another SQLite page "
                 "cache size (e.g. sqlite:32,sqlite:2)");
  app.add_option("--shared", shared, "The shared data folder");
  app.add_flag("--keep", keep,
               "Keep the big databases (and the server's data)");
  bool reuse = false;
  app.add_flag("--reuse", reuse,
               "Query the big databases a previous --reuse run left in --work "
               "(same --articles) instead of building them again; keeps "
               "them (and the server) for the next run");
  app.add_option("--slowest", g_slowest,
                 "Print the N slowest text queries of each kind to stderr");
  app.add_option("--rank-window", g_rank_window,
                 "SearchRequest::rank_window of the text queries (0: rank "
                 "every match)");
  app.add_option("--query-seed", g_query_seed,
                 "Seed of the sampled query words, aliases and stories "
                 "(another seed: a query set not tuned on)");
  bool merge_index = false;
  app.add_flag("--merge-index", merge_index,
               "SQLite: after the queries, merge the full-text index as the "
               "idle store does (into one piece once the pieces besides the "
               "largest hold 1/8 of it), and query again (another column)");
  bool index_word_pairs = false;
  app.add_flag("--index-word-pairs", index_word_pairs,
               "SQLite: the store option sqlite_index_word_pairs (a --reuse "
               "database of the other form is rebuilt first, and timed)");
  std::string entity_tokens = "as-indexed";
  app.add_option("--entity-tokens", entity_tokens,
                 "SQLite: the index's entity tokens: as-indexed (a new index "
                 "has them), with or without (a --reuse database of the "
                 "other form is rebuilt first, and timed)")
      ->check(CLI::IsMember({"as-indexed", "with", "without"}));
  std::string query_text;
  std::string query_entity;
  int64_t repeat = 20;
  app.add_option("--query", query_text,
                 "Only time this text query (with --query-entity, its entity "
                 "filter) on the SQLite database a --reuse run left in --work, "
                 "--repeat times, to profile one query");
  app.add_option("--query-entity", query_entity,
                 "The entity filter of --query (any alias)");
  app.add_option("--repeat", repeat, "How many times --query runs");
  CLI11_PARSE(app, argc, argv);
  if (!query_text.empty() || !query_entity.empty()) {
    return TimeOneQuery(
        (fs::path(work) / absl::StrCat("news_", articles, ".db")).string(),
        query_text, query_entity, repeat);
  }
  if (articles < 1 || queries < 1 || single_articles < 1 ||
      batch_articles < 1) {
    std::cerr << "counts must be positive\n";
    return 2;
  }

  const fs::path reuters_dir = fs::path(shared) / "corpora/reuters21578";
  const fs::path bbc_dir = fs::path(shared) / "corpora/bbc";
  for (const fs::path& dir : {reuters_dir, bbc_dir}) {
    if (!fs::is_directory(dir)) {
      std::cout << "store bench skipped: " << dir.string()
                << " is absent (the articles are generated from "
                   "../shared/corpora/bbc and reuters21578)\n";
      return 0;
    }
  }
  std::vector<BaseArticle> bases;
  LoadReuters(reuters_dir, bases);
  const size_t reuters = bases.size();
  LoadBbc(bbc_dir, bases);
  if (reuters == 0 || bases.size() == reuters) {
    std::cout << "store bench skipped: no articles found under "
              << reuters_dir.string() << " or " << bbc_dir.string() << "\n";
    return 0;
  }
  std::cerr << "corpus: " << reuters << " Reuters + " << bases.size() - reuters
            << " BBC articles, up to "
            << (articles + static_cast<int64_t>(bases.size()) - 1) /
                   static_cast<int64_t>(bases.size())
            << " outlet copies each\n";
  fs::create_directories(work);

  std::vector<Backend> backends;
  const std::string pg_server_dir = (fs::path(work) / "pg-server").string();
  for (absl::string_view name : absl::StrSplit(backends_arg, ',')) {
    if (name == "sqlite") {
      backends.push_back(SqliteBackend(work));
    } else if (absl::ConsumePrefix(&name, "sqlite:")) {
      // sqlite:MIB: the same backend with another page cache size, to
      // compare side by side in one run.
      const std::string subdir = absl::StrCat(work, "/cache-", name);
      fs::create_directories(subdir);
      Backend sized = SqliteBackend(subdir);
      if (!absl::SimpleAtoi(name, &sized.open_options.sqlite_cache_mib)) {
        std::cerr << "sqlite:MIB needs a number of MiB, not " << name << "\n";
        return 2;
      }
      sized.name = absl::StrCat("SQLite, ", name, " MiB cache");
      backends.push_back(sized);
    } else if (name == "postgres") {
#ifdef NEWSFLOW_BENCH_HAVE_LIBPQ
      backends.push_back(PostgresBackend(pg_server_dir));
#else
      Backend skipped;
      skipped.name = "PostgreSQL";
      skipped.skipped = "built without libpq (apt-get install libpq-dev)";
      backends.push_back(skipped);
#endif
    } else {
      std::cerr << "unknown backend " << name << " (sqlite, postgres)\n";
      return 2;
    }
  }
  for (Backend& backend : backends) {
    backend.open_options.sqlite_index_word_pairs =
        index_word_pairs ? ArticleDb::OpenOptions::WordPairs::kWith
                         : ArticleDb::OpenOptions::WordPairs::kWithout;
    backend.open_options.sqlite_index_entity_tokens =
        entity_tokens == "with" ? ArticleDb::OpenOptions::EntityTokens::kWith
        : entity_tokens == "without"
            ? ArticleDb::OpenOptions::EntityTokens::kWithout
            : ArticleDb::OpenOptions::EntityTokens::kAsIndexed;
  }

  const Clock::time_point start = Clock::now();
  std::vector<BackendResult> results;
  for (const Backend& backend : backends) {
    if (!backend.skipped.empty()) {
      std::cerr << backend.name << " skipped: " << backend.skipped << "\n";
      BackendResult skipped;
      skipped.name = backend.name;
      skipped.skipped = backend.skipped;
      results.push_back(skipped);
      continue;
    }
    std::vector<BackendResult> merged;
    const bool sqlite = absl::StartsWith(backend.name, "SQLite");
    results.push_back(Measure(backend, work, bases, single_articles,
                              batch_articles, articles, queries, keep, reuse,
                              merge_index && sqlite ? &merged : nullptr));
    for (BackendResult& after : merged) results.push_back(std::move(after));
  }
  if (reuse) keep = true;
  if (fs::exists(pg_server_dir) && !keep) {
    std::system(absl::StrCat("'", NEWSFLOW_SOURCE_DIR,
                             "/scripts/pg-test-server' stop '", pg_server_dir,
                             "'")
                    .c_str());
  }
  if (!keep) {
    std::error_code ignored;
    fs::remove_all(work, ignored);
  }

  PrintTable(results, articles);
  std::cout << absl::StrFormat(
      "\n%d CPUs; corpus %d Reuters + %d BBC articles; %d + %d + %d "
      "inserted articles per backend at batch 1, 100, 1000; %d queries per "
      "kind; whole run %.0f s.\n",
      std::thread::hardware_concurrency(), reuters, bases.size() - reuters,
      single_articles, batch_articles, std::min(articles, batch_articles),
      queries, Seconds(Clock::now() - start));
  return 0;
}

}  // namespace
}  // namespace newsflow

int main(int argc, char** argv) { return newsflow::Main(argc, argv); }
