// Shared by the store tests: articles to store, and a database location per
// backend (a temporary SQLite file, or a fresh database on the test
// PostgreSQL server) so that one suite runs against both backends.
//
// The PostgreSQL server: under CTest, the store_pg_server fixture starts one
// (scripts/pg-test-server) and passes its folder in NEWSFLOW_TEST_PG_DIR;
// run by hand, the first PostgreSQL test starts one itself and the test
// program stops it at exit. Without PostgreSQL installed the PostgreSQL
// cases skip, saying why; NEWSFLOW_REQUIRE_PG=1 turns that into a failure
// (CI, where scripts/install-deps installs the server).
#ifndef NEWSFLOW_TESTS_UNIT_STAGES_STORE_TEST_SUPPORT_H_
#define NEWSFLOW_TESTS_UNIT_STAGES_STORE_TEST_SUPPORT_H_

#include <filesystem>
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "newsflow/v1/article.pb.h"
#include "stages/store/article_db.h"

struct sqlite3;

namespace newsflow::store_test {

enum class Backend { kSqlite, kPostgres };

std::string BackendName(const ::testing::TestParamInfo<Backend>& info);
// For test names and messages: "Sqlite", "Postgres".
void PrintTo(Backend backend, std::ostream* out);

v1::Article MakeArticle(const std::string& id, const std::string& title,
                        const std::string& body);
v1::Entity* AddEntity(v1::Article& article, const std::string& text,
                      v1::EntityType type, const std::string& canonical,
                      const std::string& canonical_id, int mentions,
                      const std::vector<std::string>& aliases);

// Records that the tagger joined `alias` to `entity` by `rule`.
void AddAliasRule(v1::Entity* entity, const std::string& alias,
                  const std::string& rule);
// The stored rule of each alias of entity `canonical_id`, by alias; empty
// (and a test failure) unless the catalogue has that entity.
std::map<std::string, std::string> StoredAliasRules(
    ArticleDb& db, const std::string& canonical_id);

std::unique_ptr<ArticleDb> OpenOrDie(const std::string& location,
                                     ArticleDb::OpenMode mode);
int64_t CountOrDie(ArticleDb& db);
std::vector<v1::Article> ExportAll(ArticleDb& db);
std::vector<std::string> HitIds(
    const absl::StatusOr<std::vector<SearchHit>>& hits, bool sorted = true);

// The sorted ids a text search for each word finds (up to `limit`), by
// word: one EXPECT_EQ against a table instead of one per word.
std::map<std::string, std::vector<std::string>> WordHits(
    ArticleDb& db, const std::vector<std::string>& words, int limit);

// The test PostgreSQL server.
class PgTestServer {
 public:
  // "" when a server is available, else why not.
  static std::string UnavailableReason();
  // The URL of a new, empty database: a schema of its own in a database
  // the tests share (selected with the URL's search_path option).
  static std::string NewDatabase();
  static void DropDatabase(const std::string& url);
  // The server's maintenance database ("" when unavailable).
  static std::string ServerUrlForTests();
  // Runs `sql` on the database at `url`; "" on success, else the error.
  static std::string Exec(const std::string& url, const std::string& sql);
  // The first column of the first row `sql` returns ("" on error).
  static std::string QueryValue(const std::string& url, const std::string& sql);
};

// A fresh database of the test's backend; PostgreSQL cases skip (or fail,
// see above) without a server.
class BackendTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override;
  void TearDown() override;

  Backend backend() const { return GetParam(); }
  bool is_sqlite() const { return GetParam() == Backend::kSqlite; }
  // The database location: a file in a fresh folder, or a database URL.
  const std::string& location() const { return location_; }
  // A second, empty database of the same backend.
  std::string OtherLocation(const std::string& name);
  // Runs SQL on the database through a connection of its own, the way a
  // foreign tool would.
  void RawExec(const std::string& sql);
  std::string RawQueryValue(const std::string& sql);
  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
  std::string location_;
  std::vector<std::string> databases_;
};

// A foreign writer in the middle of a transaction, through a connection of
// its own: it has changed every article (SQLite: holding the write lock;
// PostgreSQL: the rows' locks) and not committed, until destroyed.
class OpenWriteTransaction {
 public:
  OpenWriteTransaction(Backend backend, const std::string& location);
  ~OpenWriteTransaction();
  OpenWriteTransaction(const OpenWriteTransaction&) = delete;
  OpenWriteTransaction& operator=(const OpenWriteTransaction&) = delete;

  // "" once the transaction holds its locks, else why it does not.
  const std::string& error() const { return error_; }

 private:
  sqlite3* sqlite_ = nullptr;
  void* postgres_ = nullptr;  // PGconn
  std::string error_;
};

// Skips (or, with NEWSFLOW_REQUIRE_PG=1, fails) the current test when the
// PostgreSQL server is unavailable.
#define NEWSFLOW_REQUIRE_PG_SERVER()                                       \
  do {                                                                     \
    const std::string pg_reason =                                          \
        ::newsflow::store_test::PgTestServer::UnavailableReason();         \
    if (!pg_reason.empty()) {                                              \
      if (::newsflow::store_test::PgServerRequired()) {                    \
        FAIL() << "PostgreSQL required (NEWSFLOW_REQUIRE_PG=1): "          \
               << pg_reason;                                               \
      }                                                                    \
      GTEST_SKIP() << "PostgreSQL test server unavailable: " << pg_reason; \
    }                                                                      \
  } while (0)

bool PgServerRequired();

}  // namespace newsflow::store_test

#endif  // NEWSFLOW_TESTS_UNIT_STAGES_STORE_TEST_SUPPORT_H_
