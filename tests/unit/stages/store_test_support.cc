#include "tests/unit/stages/store_test_support.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <mutex>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

#ifdef NEWSFLOW_TEST_HAVE_LIBPQ
#include <libpq-fe.h>
#endif

namespace newsflow::store_test {
namespace {

[[maybe_unused]] std::string ReadTrimmed(const std::filesystem::path& path) {
  std::ifstream file(path);
  std::string text((std::istreambuf_iterator<char>(file)), {});
  return std::string(absl::StripAsciiWhitespace(text));
}

// Runs a shell command; its trimmed standard output, or nullopt on failure.
[[maybe_unused]] std::optional<std::string> RunScript(
    const std::string& command) {
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return std::nullopt;
  std::string output;
  char buffer[512];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) {
    output.append(buffer, n);
  }
  if (pclose(pipe) != 0) return std::nullopt;
  return std::string(absl::StripAsciiWhitespace(output));
}

// The server this process uses: the CTest fixture's, or one it starts (and
// stops at exit).
struct ServerState {
  std::once_flag once;
  std::string url;      // of the maintenance database
  std::string reason;   // why there is none
  std::string own_dir;  // set when this process started the server
};

ServerState& State() {
  static ServerState* state = new ServerState;
  return *state;
}

[[maybe_unused]] void StopOwnServer() {
  ServerState& state = State();
  if (state.own_dir.empty()) return;
  const std::string script =
      std::string(NEWSFLOW_SOURCE_DIR) + "/scripts/pg-test-server";
  (void)RunScript(absl::StrCat("'", script, "' stop '", state.own_dir,
                               "' >/dev/null 2>&1"));
  state.own_dir.clear();
}

void FindOrStartServer() {
  ServerState& state = State();
#ifndef NEWSFLOW_TEST_HAVE_LIBPQ
  state.reason = "the tests were built without libpq (install libpq-dev)";
  return;
#else
  if (const char* fixture = getenv("NEWSFLOW_TEST_PG_DIR");
      fixture != nullptr && *fixture != '\0') {
    const std::filesystem::path dir(fixture);
    if (std::filesystem::exists(dir / "url")) {
      state.url = ReadTrimmed(dir / "url");
    } else if (std::filesystem::exists(dir / "unavailable")) {
      state.reason = ReadTrimmed(dir / "unavailable");
    } else {
      state.reason =
          absl::StrCat("the test fixture left no server in ", fixture);
    }
    return;
  }
  std::string pattern = ::testing::TempDir() + "newsflow_pg_XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) {
    state.reason = absl::StrCat("mkdtemp: ", std::strerror(errno));
    return;
  }
  const std::string dir = pattern + "/server";
  const std::string script =
      std::string(NEWSFLOW_SOURCE_DIR) + "/scripts/pg-test-server";
  std::optional<std::string> started = RunScript(
      absl::StrCat("'", script, "' start '", dir, "' --optional 2>&1"));
  if (std::filesystem::exists(dir + "/url")) {
    state.url = ReadTrimmed(dir + "/url");
    state.own_dir = dir;
    std::atexit(StopOwnServer);
  } else if (std::filesystem::exists(dir + "/unavailable")) {
    state.reason = ReadTrimmed(dir + "/unavailable");
  } else {
    state.reason = absl::StrCat("scripts/pg-test-server failed: ",
                                started.value_or("(no output)"));
  }
#endif
}

const std::string& ServerUrl() {
  ServerState& state = State();
  std::call_once(state.once, FindOrStartServer);
  return state.url;
}

// The database every test shares; each test gets a schema of its own in it
// (creating a database per test takes a second on a busy machine).
constexpr char kTestDatabase[] = "newsflow_tests";

// postgresql://user@host:port/db -> .../other
std::string WithDatabase(const std::string& url, const std::string& name) {
  const size_t slash = url.find('/', url.find("://") + 3);
  return url.substr(0, slash) + "/" + name;
}

// The schema a test URL selects through its search_path option.
std::string SchemaOf(const std::string& url) {
  const std::string marker = "search_path%3D";
  const size_t at = url.find(marker);
  return at == std::string::npos ? std::string()
                                 : url.substr(at + marker.size());
}

std::string TempFolder() {
  std::string pattern = ::testing::TempDir() + "newsflow_store_XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) {
    ADD_FAILURE() << "mkdtemp: " << std::strerror(errno);
    return std::string();
  }
  return pattern;
}

void SqliteExec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* error = nullptr;
  int result = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
  std::string message = error ? error : "";
  sqlite3_free(error);
  sqlite3_close(db);
  ASSERT_EQ(result, SQLITE_OK) << message;
}

std::string SqliteQueryValue(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) return std::string();
  sqlite3_stmt* statement = nullptr;
  std::string value;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr) ==
          SQLITE_OK &&
      sqlite3_step(statement) == SQLITE_ROW) {
    const unsigned char* text = sqlite3_column_text(statement, 0);
    if (text != nullptr) value = reinterpret_cast<const char*>(text);
  }
  sqlite3_finalize(statement);
  sqlite3_close(db);
  return value;
}

}  // namespace

bool PgServerRequired() {
  const char* required = getenv("NEWSFLOW_REQUIRE_PG");
  return required != nullptr && std::string(required) == "1";
}

std::string BackendName(const ::testing::TestParamInfo<Backend>& info) {
  return info.param == Backend::kSqlite ? "Sqlite" : "Postgres";
}

void PrintTo(Backend backend, std::ostream* out) {
  *out << (backend == Backend::kSqlite ? "Sqlite" : "Postgres");
}

v1::Article MakeArticle(const std::string& id, const std::string& title,
                        const std::string& body) {
  v1::Article article;
  article.set_id(id);
  article.set_source("unit-test");
  article.set_url("https://example.test/" + id);
  article.set_title(title);
  article.set_body(body);
  article.set_published_at("2031-04-02T08:15:00Z");
  article.set_language("en");
  return article;
}

v1::Entity* AddEntity(v1::Article& article, const std::string& text,
                      v1::EntityType type, const std::string& canonical,
                      const std::string& canonical_id, int mentions,
                      const std::vector<std::string>& aliases) {
  v1::Entity* entity = article.add_entities();
  entity->set_text(text);
  entity->set_type(type);
  entity->set_canonical(canonical);
  entity->set_canonical_id(canonical_id);
  entity->set_mentions(mentions);
  for (const std::string& alias : aliases) entity->add_aliases(alias);
  return entity;
}

void AddAliasRule(v1::Entity* entity, const std::string& alias,
                  const std::string& rule) {
  v1::AliasRule* explained = entity->add_alias_rules();
  explained->set_alias(alias);
  explained->set_rule(rule);
}

std::map<std::string, std::string> StoredAliasRules(
    ArticleDb& db, const std::string& canonical_id) {
  EntityQuery query;
  query.name = canonical_id;
  absl::StatusOr<std::vector<EntityInfo>> entities = db.Entities(query);
  std::map<std::string, std::string> rules;
  EXPECT_TRUE(entities.ok()) << entities.status();
  if (!entities.ok()) return rules;
  for (const EntityInfo& info : *entities) {
    if (info.entity.canonical_id != canonical_id) continue;
    for (const EntityAlias& alias : info.aliases) {
      rules[alias.alias] = alias.rule;
    }
  }
  EXPECT_FALSE(rules.empty()) << "no entity " << canonical_id;
  return rules;
}

std::unique_ptr<ArticleDb> OpenOrDie(const std::string& location,
                                     ArticleDb::OpenMode mode) {
  absl::StatusOr<std::unique_ptr<ArticleDb>> db =
      ArticleDb::Open(location, mode);
  EXPECT_TRUE(db.ok()) << db.status();
  return db.ok() ? *std::move(db) : nullptr;
}

int64_t CountOrDie(ArticleDb& db) {
  absl::StatusOr<int64_t> count = db.Count();
  EXPECT_TRUE(count.ok()) << count.status();
  return count.ok() ? *count : -1;
}

std::vector<v1::Article> ExportAll(ArticleDb& db) {
  std::vector<v1::Article> articles;
  absl::Status status = db.ForEach([&](const v1::Article& article) {
    articles.push_back(article);
    return absl::OkStatus();
  });
  EXPECT_TRUE(status.ok()) << status;
  return articles;
}

std::vector<std::string> HitIds(
    const absl::StatusOr<std::vector<SearchHit>>& hits, bool sorted) {
  std::vector<std::string> ids;
  EXPECT_TRUE(hits.ok()) << hits.status();
  if (!hits.ok()) return ids;
  for (const SearchHit& hit : *hits) ids.push_back(hit.id);
  if (sorted) std::sort(ids.begin(), ids.end());
  return ids;
}

std::map<std::string, std::vector<std::string>> WordHits(
    ArticleDb& db, const std::vector<std::string>& words, int limit) {
  std::map<std::string, std::vector<std::string>> hits;
  for (const std::string& word : words) {
    hits[word] = HitIds(db.Search(word, limit));
  }
  return hits;
}

std::string PgTestServer::UnavailableReason() {
  ServerUrl();
  return State().reason;
}

std::string PgTestServer::NewDatabase() {
  static std::atomic<int> counter{0};
  const std::string& url = ServerUrl();
  if (url.empty()) return std::string();
  const std::string database = WithDatabase(url, kTestDatabase);
  static std::once_flag created;
  std::call_once(created, [&] {
    // Parallel test processes race to create it; "already exists" is fine.
    const std::string error =
        Exec(url, absl::StrCat("CREATE DATABASE ", kTestDatabase));
    if (!error.empty() && error.find("already exists") == std::string::npos) {
      ADD_FAILURE() << "CREATE DATABASE " << kTestDatabase << ": " << error;
    }
  });
  const std::string schema =
      absl::StrCat("nf_", getpid(), "_", counter.fetch_add(1));
  std::string error = Exec(database, absl::StrCat("CREATE SCHEMA ", schema));
  if (!error.empty()) {
    ADD_FAILURE() << "CREATE SCHEMA " << schema << ": " << error;
    return std::string();
  }
  return absl::StrCat(database, "?options=-csearch_path%3D", schema);
}

void PgTestServer::DropDatabase(const std::string& url) {
  const std::string schema = SchemaOf(url);
  if (ServerUrl().empty() || schema.empty()) return;
  Exec(WithDatabase(ServerUrl(), kTestDatabase),
       absl::StrCat("DROP SCHEMA IF EXISTS ", schema, " CASCADE"));
}

std::string PgTestServer::ServerUrlForTests() { return ServerUrl(); }

std::string PgTestServer::Exec(const std::string& url, const std::string& sql) {
#ifdef NEWSFLOW_TEST_HAVE_LIBPQ
  PGconn* connection = PQconnectdb(url.c_str());
  if (PQstatus(connection) != CONNECTION_OK) {
    std::string error = PQerrorMessage(connection);
    PQfinish(connection);
    return error.empty() ? "cannot connect" : error;
  }
  PQsetNoticeProcessor(
      connection, [](void*, const char*) {}, nullptr);
  PGresult* result = PQexec(connection, sql.c_str());
  std::string error;
  const ExecStatusType status = PQresultStatus(result);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    error = PQresultErrorMessage(result);
    if (error.empty()) error = "failed";
  }
  PQclear(result);
  PQfinish(connection);
  return error;
#else
  (void)url;
  (void)sql;
  return "built without libpq";
#endif
}

std::string PgTestServer::QueryValue(const std::string& url,
                                     const std::string& sql) {
#ifdef NEWSFLOW_TEST_HAVE_LIBPQ
  PGconn* connection = PQconnectdb(url.c_str());
  std::string value;
  if (PQstatus(connection) == CONNECTION_OK) {
    PGresult* result = PQexec(connection, sql.c_str());
    if (PQresultStatus(result) == PGRES_TUPLES_OK && PQntuples(result) > 0) {
      value = PQgetvalue(result, 0, 0);
    }
    PQclear(result);
  }
  PQfinish(connection);
  return value;
#else
  (void)url;
  (void)sql;
  return std::string();
#endif
}

void BackendTest::SetUp() {
  if (is_sqlite()) {
    dir_ = TempFolder();
    ASSERT_FALSE(dir_.empty());
    location_ = (dir_ / "news.db").string();
    return;
  }
  NEWSFLOW_REQUIRE_PG_SERVER();
  location_ = PgTestServer::NewDatabase();
  ASSERT_FALSE(location_.empty());
  databases_.push_back(location_);
  dir_ = TempFolder();
}

void BackendTest::TearDown() {
  for (const std::string& url : databases_) PgTestServer::DropDatabase(url);
  if (!dir_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
}

std::string BackendTest::OtherLocation(const std::string& name) {
  if (is_sqlite()) return (dir_ / name).string();
  std::string url = PgTestServer::NewDatabase();
  databases_.push_back(url);
  return url;
}

void BackendTest::RawExec(const std::string& sql) {
  if (is_sqlite()) {
    SqliteExec(location_, sql);
  } else {
    std::string error = PgTestServer::Exec(location_, sql);
    ASSERT_EQ(error, "") << sql;
  }
}

// Every article rewritten in place, uncommitted.
constexpr char kForeignWriteSql[] = "UPDATE articles SET stored_at = stored_at";

OpenWriteTransaction::OpenWriteTransaction(Backend backend,
                                           const std::string& location) {
  if (backend == Backend::kSqlite) {
    if (sqlite3_open(location.c_str(), &sqlite_) != SQLITE_OK) {
      error_ = sqlite3_errmsg(sqlite_);
      return;
    }
    for (const char* sql : {"BEGIN IMMEDIATE", kForeignWriteSql}) {
      if (sqlite3_exec(sqlite_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) {
        error_ = absl::StrCat(sql, ": ", sqlite3_errmsg(sqlite_));
        return;
      }
    }
    return;
  }
#ifdef NEWSFLOW_TEST_HAVE_LIBPQ
  PGconn* connection = PQconnectdb(location.c_str());
  postgres_ = connection;
  if (PQstatus(connection) != CONNECTION_OK) {
    error_ = PQerrorMessage(connection);
    return;
  }
  for (const char* sql : {"BEGIN", kForeignWriteSql}) {
    PGresult* result = PQexec(connection, sql);
    if (PQresultStatus(result) != PGRES_COMMAND_OK) {
      error_ = absl::StrCat(sql, ": ", PQresultErrorMessage(result));
    }
    PQclear(result);
    if (!error_.empty()) return;
  }
#else
  error_ = "the tests were built without libpq";
#endif
}

OpenWriteTransaction::~OpenWriteTransaction() {
  if (sqlite_ != nullptr) sqlite3_close(sqlite_);  // Rolls back.
#ifdef NEWSFLOW_TEST_HAVE_LIBPQ
  if (postgres_ != nullptr) PQfinish(static_cast<PGconn*>(postgres_));
#endif
}

std::string BackendTest::RawQueryValue(const std::string& sql) {
  return is_sqlite() ? SqliteQueryValue(location_, sql)
                     : PgTestServer::QueryValue(location_, sql);
}

}  // namespace newsflow::store_test
