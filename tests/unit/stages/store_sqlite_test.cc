// Store tests of what only SQLite has (files, pages, a VFS, the version 1
// schema), and of the store stage through its C ABI. The tests both
// backends share are in store_test.cc.
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "newsflow/v1/article.pb.h"
#include "stages/store/article_db.h"
#include "stages/store/sqlite_article_db.h"
#include "stages/store/sqlite_article_db_rank.h"
#include "stages/store/sqlite_pair_tokenizer.h"
#include "stages/store/store_stage.h"
#include "store_options.pb.h"
#include "tests/unit/stages/store_test_support.h"

namespace newsflow {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using OpenMode = ArticleDb::OpenMode;
using store_test::AddAliasRule;
using store_test::AddEntity;
using store_test::CountOrDie;
using store_test::ExportAll;
using store_test::HitIds;
using store_test::MakeArticle;
using store_test::OpenOrDie;
using store_test::PgTestServer;
using store_test::StoredAliasRules;
using store_test::WordHits;

// A fresh folder per test, removed afterwards.
class TempDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "newsflow_store_XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr) << std::strerror(errno);
    dir_ = pattern;
  }
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  std::string PathOf(const std::string& name) const {
    return (dir_ / name).string();
  }

  std::filesystem::path dir_;
};

// Runs SQL on the database file through a connection of its own, the way a
// foreign tool (or an older/newer newsflow) would.
void RawExec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_TRUE(RegisterPairTokenizer(db).ok());
  // Waits for a store's indexer, which may be in a step (at open it takes
  // one even with nothing to index).
  sqlite3_busy_timeout(db, 5000);
  char* error = nullptr;
  int result = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
  std::string message = error ? error : "";
  sqlite3_free(error);
  sqlite3_close(db);
  ASSERT_EQ(result, SQLITE_OK) << message;
}

// Turns FTS5's merging off in the search index beside the database at
// `path`, so that every batch stays a segment of its own.
void KeepEachBatchAnIndexSegment(const std::string& path) {
  RawExec(SqliteSearchIndexPath(path),
          "INSERT INTO articles_fts(articles_fts, rank) "
          "VALUES ('automerge', 0); INSERT INTO articles_fts(articles_fts, "
          "rank) VALUES ('crisismerge', 64)");
}

void WriteBytes(const std::string& path, const std::string& bytes,
                std::streamoff offset = 0) {
  std::fstream file(path, std::ios::binary | std::ios::in | std::ios::out);
  if (!file) file.open(path, std::ios::binary | std::ios::out);
  ASSERT_TRUE(file) << path;
  file.seekp(offset);
  file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(file) << path;
}

std::string PseudoRandomBytes(size_t size) {
  std::string bytes(size, '\0');
  uint32_t state = 0x9E3779B9u;
  for (char& byte : bytes) {
    state = state * 1664525u + 1013904223u;
    byte = static_cast<char>(state >> 24);
  }
  return bytes;
}

std::string ReadBytes(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(file), {});
}

// ---------------------------------------------------------------------------
// A default SQLite VFS that forwards to the real one but fails every write
// with SQLITE_FULL while `full` is set: a disk that filled up.

struct WrappedFile {
  sqlite3_file base;
  sqlite3_file* real;
  // A search index's WAL (see on_search_wal_write).
  bool search_wal;
  // An articles file "news.db" itself (see on_news_db_write).
  bool news_db;
  // Its WAL, "news.db-wal" (see news_wal_syncs).
  bool news_wal;
  // A search index file itself, "...-search" (see on_search_read_end).
  bool search_db;
};

sqlite3_file* Real(sqlite3_file* file) {
  return reinterpret_cast<WrappedFile*>(file)->real;
}

std::atomic<bool> disk_full{false};
sqlite3_vfs* real_vfs = nullptr;
// When set, called before each write to a search index's WAL (SQLite
// writes a transaction's frames there at its commit), not from within
// itself.
std::function<void()> on_search_wal_write;
std::atomic<bool> in_search_wal_write{false};
// When set, called before each write to a file named "news.db" (not its WAL
// or its search index): with WAL, only checkpoints write there. Set it
// before opening a store (its threads read it), and clear it after closing.
std::function<void()> on_news_db_write;
// While set, writes to a file named "news.db" fail with SQLITE_FULL: only
// checkpoints fail (see on_news_db_write).
std::atomic<bool> news_db_full{false};
// Writes to a search index's WAL that fail with SQLITE_FULL before the
// disk has room again.
std::atomic<int> search_wal_full{0};
// Syncs of a file named "news.db-wal".
std::atomic<int> news_wal_syncs{0};
// Set before a batch: its first write to "news.db-wal" then counts in
// unsynced_wal_batch_starts when no sync of it came after its last write
// before (the previous batch's frames were not yet synced).
std::atomic<bool> news_wal_batch_starting{false};
std::atomic<int> unsynced_wal_batch_starts{0};
std::atomic<int> news_wal_syncs_at_last_write{0};
// When search_read_end_armed, called once (which disarms it) right after a
// connection ends a read of a search index (releases its WAL read mark).
std::function<void()> on_search_read_end;
std::atomic<bool> search_read_end_armed{false};
// When news_read_begin_armed, called once (which disarms it) right after a
// thread other than news_read_begin_exempt begins a read of a file named
// "news.db" (takes a WAL read mark), holding it while it runs.
std::function<void()> on_news_read_begin;
std::atomic<bool> news_read_begin_armed{false};
std::atomic<std::thread::id> news_read_begin_exempt;
// Checkpoint attempts on "news.db" (its WAL_CKPT_LOCK taken).
std::atomic<int> news_checkpoint_locks{0};

int WrappedClose(sqlite3_file* f) { return Real(f)->pMethods->xClose(Real(f)); }
int WrappedRead(sqlite3_file* f, void* data, int amount, sqlite3_int64 at) {
  return Real(f)->pMethods->xRead(Real(f), data, amount, at);
}
int WrappedWrite(sqlite3_file* f, const void* data, int amount,
                 sqlite3_int64 at) {
  if (disk_full) return SQLITE_FULL;
  if (reinterpret_cast<WrappedFile*>(f)->news_wal) {
    if (news_wal_batch_starting.exchange(false) &&
        news_wal_syncs.load() == news_wal_syncs_at_last_write.load()) {
      ++unsynced_wal_batch_starts;
    }
    news_wal_syncs_at_last_write = news_wal_syncs.load();
  }
  if (reinterpret_cast<WrappedFile*>(f)->search_wal) {
    int left = search_wal_full.load();
    while (left > 0 && !search_wal_full.compare_exchange_weak(left, left - 1)) {
    }
    if (left > 0) return SQLITE_FULL;
  }
  if (reinterpret_cast<WrappedFile*>(f)->news_db && news_db_full) {
    return SQLITE_FULL;
  }
  if (reinterpret_cast<WrappedFile*>(f)->news_db && on_news_db_write) {
    on_news_db_write();
  }
  if (reinterpret_cast<WrappedFile*>(f)->search_wal && on_search_wal_write &&
      !in_search_wal_write.exchange(true)) {
    on_search_wal_write();
    in_search_wal_write = false;
  }
  return Real(f)->pMethods->xWrite(Real(f), data, amount, at);
}
int WrappedTruncate(sqlite3_file* f, sqlite3_int64 size) {
  return Real(f)->pMethods->xTruncate(Real(f), size);
}
int WrappedSync(sqlite3_file* f, int flags) {
  if (reinterpret_cast<WrappedFile*>(f)->news_wal) ++news_wal_syncs;
  return Real(f)->pMethods->xSync(Real(f), flags);
}
int WrappedFileSize(sqlite3_file* f, sqlite3_int64* size) {
  return Real(f)->pMethods->xFileSize(Real(f), size);
}
int WrappedLock(sqlite3_file* f, int level) {
  return Real(f)->pMethods->xLock(Real(f), level);
}
int WrappedUnlock(sqlite3_file* f, int level) {
  return Real(f)->pMethods->xUnlock(Real(f), level);
}
int WrappedCheckReservedLock(sqlite3_file* f, int* out) {
  return Real(f)->pMethods->xCheckReservedLock(Real(f), out);
}
int WrappedFileControl(sqlite3_file* f, int op, void* arg) {
  return Real(f)->pMethods->xFileControl(Real(f), op, arg);
}
int WrappedSectorSize(sqlite3_file* f) {
  return Real(f)->pMethods->xSectorSize(Real(f));
}
int WrappedDeviceCharacteristics(sqlite3_file* f) {
  return Real(f)->pMethods->xDeviceCharacteristics(Real(f));
}
int WrappedShmMap(sqlite3_file* f, int region, int size, int extend,
                  void volatile** out) {
  return Real(f)->pMethods->xShmMap(Real(f), region, size, extend, out);
}
int WrappedShmLock(sqlite3_file* f, int offset, int n, int flags) {
  const int result = Real(f)->pMethods->xShmLock(Real(f), offset, n, flags);
  if (reinterpret_cast<WrappedFile*>(f)->search_db && offset >= 3 &&
      flags == (SQLITE_SHM_UNLOCK | SQLITE_SHM_SHARED) &&
      search_read_end_armed.exchange(false)) {
    on_search_read_end();
  }
  if (reinterpret_cast<WrappedFile*>(f)->news_db && result == SQLITE_OK &&
      offset == 1 && n == 1 &&
      flags == (SQLITE_SHM_LOCK | SQLITE_SHM_EXCLUSIVE)) {
    ++news_checkpoint_locks;
  }
  if (reinterpret_cast<WrappedFile*>(f)->news_db && result == SQLITE_OK &&
      offset >= 3 && flags == (SQLITE_SHM_LOCK | SQLITE_SHM_SHARED) &&
      std::this_thread::get_id() != news_read_begin_exempt.load() &&
      news_read_begin_armed.exchange(false)) {
    on_news_read_begin();
  }
  return result;
}
void WrappedShmBarrier(sqlite3_file* f) {
  Real(f)->pMethods->xShmBarrier(Real(f));
}
int WrappedShmUnmap(sqlite3_file* f, int delete_flag) {
  return Real(f)->pMethods->xShmUnmap(Real(f), delete_flag);
}

// Version 2: no memory-mapped reads, so every page goes through xRead.
const sqlite3_io_methods kWrappedMethods = {
    2,
    WrappedClose,
    WrappedRead,
    WrappedWrite,
    WrappedTruncate,
    WrappedSync,
    WrappedFileSize,
    WrappedLock,
    WrappedUnlock,
    WrappedCheckReservedLock,
    WrappedFileControl,
    WrappedSectorSize,
    WrappedDeviceCharacteristics,
    WrappedShmMap,
    WrappedShmLock,
    WrappedShmBarrier,
    WrappedShmUnmap,
    nullptr,
    nullptr,
};

int WrappedOpen(sqlite3_vfs*, const char* name, sqlite3_file* file, int flags,
                int* out_flags) {
  auto* wrapped = reinterpret_cast<WrappedFile*>(file);
  wrapped->real = reinterpret_cast<sqlite3_file*>(wrapped + 1);
  wrapped->search_wal =
      name != nullptr && absl::EndsWith(absl::string_view(name), "-search-wal");
  wrapped->news_db =
      name != nullptr && absl::EndsWith(absl::string_view(name), "/news.db");
  wrapped->news_wal = name != nullptr &&
                      absl::EndsWith(absl::string_view(name), "/news.db-wal");
  wrapped->search_db =
      name != nullptr && absl::EndsWith(absl::string_view(name), "-search");
  int result = real_vfs->xOpen(real_vfs, name, wrapped->real, flags, out_flags);
  wrapped->base.pMethods =
      wrapped->real->pMethods != nullptr ? &kWrappedMethods : nullptr;
  return result;
}

// Installs the VFS as SQLite's default for the object's lifetime. Every
// connection opened meanwhile must be closed before it goes.
class DiskFullVfs {
 public:
  DiskFullVfs() {
    real_vfs = sqlite3_vfs_find(nullptr);
    vfs_ = *real_vfs;
    vfs_.zName = "newsflow-test-disk-full";
    vfs_.szOsFile = static_cast<int>(sizeof(WrappedFile)) + real_vfs->szOsFile;
    vfs_.xOpen = WrappedOpen;
    vfs_.pNext = nullptr;
    sqlite3_vfs_register(&vfs_, /*makeDflt=*/1);
  }
  ~DiskFullVfs() {
    disk_full = false;
    news_db_full = false;
    search_wal_full = 0;
    on_search_wal_write = nullptr;
    on_news_db_write = nullptr;
    news_read_begin_armed = false;
    sqlite3_vfs_unregister(&vfs_);
    sqlite3_vfs_register(real_vfs, /*makeDflt=*/1);
  }
  DiskFullVfs(const DiskFullVfs&) = delete;
  DiskFullVfs& operator=(const DiskFullVfs&) = delete;

 private:
  sqlite3_vfs vfs_;
};

// ---------------------------------------------------------------------------
// ArticleDb: what only the SQLite backend has (files, pages, a VFS).

using SqliteArticleDbTest = TempDirTest;

TEST_F(SqliteArticleDbTest, ReadOnlyOpenOfMissingFileFailsNamingIt) {
  const std::string path = PathOf("absent.db");
  absl::StatusOr<std::unique_ptr<ArticleDb>> db =
      ArticleDb::Open(path, OpenMode::kReadOnly);
  EXPECT_EQ(db.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(db.status().message()), HasSubstr(path));
  EXPECT_FALSE(std::filesystem::exists(path)) << "must not create it";
}

TEST_F(SqliteArticleDbTest, GarbageFileIsRefusedAndLeftUntouched) {
  const std::string path = PathOf("garbage.db");
  const std::string garbage = PseudoRandomBytes(16384);
  WriteBytes(path, garbage);

  for (OpenMode mode : {OpenMode::kReadOnly, OpenMode::kReadWrite}) {
    absl::StatusOr<std::unique_ptr<ArticleDb>> db = ArticleDb::Open(path, mode);
    ASSERT_FALSE(db.ok());
    EXPECT_EQ(db.status().code(), absl::StatusCode::kFailedPrecondition)
        << db.status();
    EXPECT_THAT(std::string(db.status().message()), StartsWith(path));
    EXPECT_THAT(std::string(db.status().message()),
                HasSubstr("not a database"));
  }
  EXPECT_EQ(ReadBytes(path), garbage);
}

TEST_F(SqliteArticleDbTest, ForeignSqliteDatabaseIsRefused) {
  const std::string path = PathOf("foreign.db");
  RawExec(path,
          "CREATE TABLE recipes (name TEXT); "
          "INSERT INTO recipes VALUES ('barley soup');");
  for (OpenMode mode : {OpenMode::kReadOnly, OpenMode::kReadWrite}) {
    absl::StatusOr<std::unique_ptr<ArticleDb>> db = ArticleDb::Open(path, mode);
    ASSERT_FALSE(db.ok());
    EXPECT_EQ(db.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_THAT(std::string(db.status().message()),
                HasSubstr("not a newsflow database"));
  }
}

TEST_F(SqliteArticleDbTest, CorruptPagesGiveAnErrorNotACrash) {
  const std::string path = PathOf("news.db");
  {
    std::unique_ptr<ArticleDb> db = OpenOrDie(path, OpenMode::kReadWrite);
    ASSERT_NE(db, nullptr);
    std::vector<v1::Article> batch;
    for (int i = 0; i < 300; ++i) {
      batch.push_back(MakeArticle(absl::StrCat("c", i), "Weather report",
                                  std::string(400, 'w')));
    }
    ASSERT_TRUE(db->UpsertBatch(batch).ok());
  }  // Closing the last connection checkpoints the WAL into the file.
  const auto size = std::filesystem::file_size(path);
  ASSERT_GT(size, 65536u);
  // Keep the header page, scramble everything else.
  WriteBytes(path, PseudoRandomBytes(size - 4096), 4096);

  absl::StatusOr<std::unique_ptr<ArticleDb>> db =
      ArticleDb::Open(path, OpenMode::kReadOnly);
  absl::Status failure = db.status();
  if (db.ok()) {
    absl::Status exported =
        (*db)->ForEach([](const v1::Article&) { return absl::OkStatus(); });
    failure = exported.ok() ? (*db)->Count().status() : exported;
  }
  ASSERT_FALSE(failure.ok()) << "scrambled pages went unnoticed";
  EXPECT_THAT(std::string(failure.message()), HasSubstr(path));
}

TEST_F(SqliteArticleDbTest, FullDiskIsResourceExhaustedAndRollsBack) {
  DiskFullVfs vfs;
  const std::string path = PathOf("news.db");
  std::unique_ptr<ArticleDb> db = OpenOrDie(path, OpenMode::kReadWrite);
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(db->UpsertBatch({MakeArticle("before", "Before", "b")}).ok());

  std::vector<v1::Article> batch;
  for (int i = 0; i < 50; ++i) {
    batch.push_back(MakeArticle(absl::StrCat("full-", i), "Snowfall totals",
                                std::string(2000, 's')));
  }
  disk_full = true;
  absl::Status status = db->UpsertBatch(batch);
  disk_full = false;
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted) << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr(path));
  EXPECT_EQ(CountOrDie(*db), 1);

  absl::Status retried = db->UpsertBatch(batch);
  ASSERT_TRUE(retried.ok()) << retried;
  EXPECT_EQ(CountOrDie(*db), 51);
  db.reset();  // Before the VFS goes away.
}

// The schema of version 1, as released: articles and their FTS5 index.
constexpr char kVersion1Schema[] = R"sql(
CREATE TABLE articles (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  source TEXT NOT NULL,
  url TEXT NOT NULL,
  title TEXT NOT NULL,
  body TEXT NOT NULL,
  published_at TEXT NOT NULL,
  language TEXT NOT NULL,
  story_id TEXT NOT NULL,
  stored_at TEXT NOT NULL,
  article BLOB NOT NULL
);
CREATE INDEX articles_published_at ON articles(published_at);
CREATE INDEX articles_story_id ON articles(story_id);
CREATE VIRTUAL TABLE articles_fts USING fts5(
  title, body, content='articles', content_rowid='seq',
  tokenize='unicode61 remove_diacritics 2');
CREATE TRIGGER articles_fts_after_insert AFTER INSERT ON articles BEGIN
  INSERT INTO articles_fts(rowid, title, body)
    VALUES (new.seq, new.title, new.body);
END;
CREATE TRIGGER articles_fts_after_delete AFTER DELETE ON articles BEGIN
  INSERT INTO articles_fts(articles_fts, rowid, title, body)
    VALUES ('delete', old.seq, old.title, old.body);
END;
CREATE TRIGGER articles_fts_after_update AFTER UPDATE OF title, body
    ON articles WHEN old.title IS NOT new.title OR old.body IS NOT new.body
BEGIN
  INSERT INTO articles_fts(articles_fts, rowid, title, body)
    VALUES ('delete', old.seq, old.title, old.body);
  INSERT INTO articles_fts(rowid, title, body)
    VALUES (new.seq, new.title, new.body);
END;
PRAGMA application_id = 1313227842;
PRAGMA user_version = 1;
)sql";

// Writes a database as newsflow with schema version 1 did.
void WriteVersion1Database(const std::string& path,
                           const std::vector<std::string>& ids,
                           const std::vector<std::string>& blobs,
                           const std::vector<v1::Article>& articles) {
  RawExec(path, kVersion1Schema);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* insert = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(
                db,
                "INSERT INTO articles (id, source, url, title, body, "
                "published_at, language, story_id, stored_at, article) "
                "VALUES (?1, 'unit-test', ?2, ?3, ?4, ?5, 'en', ?6, "
                "'2031-04-03T00:00:00Z', ?7)",
                -1, &insert, nullptr),
            SQLITE_OK)
      << sqlite3_errmsg(db);
  for (size_t i = 0; i < ids.size(); ++i) {
    const v1::Article& article = articles[i];
    sqlite3_bind_text(insert, 1, ids[i].c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(insert, 2, article.url().c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(insert, 3, article.title().c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(insert, 4, article.body().c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(insert, 5, article.published_at().c_str(), -1,
                      SQLITE_TRANSIENT);
    sqlite3_bind_text(insert, 6, article.story_id().c_str(), -1,
                      SQLITE_TRANSIENT);
    sqlite3_bind_blob(insert, 7, blobs[i].data(),
                      static_cast<int>(blobs[i].size()), SQLITE_TRANSIENT);
    EXPECT_EQ(sqlite3_step(insert), SQLITE_DONE) << sqlite3_errmsg(db);
    sqlite3_reset(insert);
  }
  sqlite3_finalize(insert);
  sqlite3_close(db);
}

std::vector<v1::Article> Version1Articles() {
  v1::Article first = MakeArticle("v1-a", "Colonel Gaddafi addresses rally",
                                  "Muammar Gaddafi spoke in Sirte.");
  first.set_story_id("story-rally");
  AddEntity(first, "Muammar Gaddafi", v1::PERSON, "Muammar Gaddafi",
            "person:gaddafi", 2, {"Muammar Gaddafi", "Gaddafi"});
  v1::Article second = MakeArticle("v1-b", "Kadafi rally draws crowds",
                                   "Supporters cheered Kadafi in Sirte.");
  second.set_story_id("story-rally");
  second.set_published_at("2031-04-03T09:00:00Z");
  second.set_url("https://www.wire.test/rally");
  AddEntity(second, "Kadafi", v1::PERSON, "Muammar Gaddafi", "person:gaddafi",
            1, {"Kadafi"});
  AddEntity(second, "Sirte", v1::LOC, "Sirte", "loc:sirte", 1, {"Sirte"});
  return {first, second};
}

TEST_F(SqliteArticleDbTest, Version1DatabaseMigratesOnReadWriteOpen) {
  const std::string path = PathOf("old.db");
  const std::vector<v1::Article> articles = Version1Articles();
  WriteVersion1Database(
      path, {"v1-a", "v1-b"},
      {articles[0].SerializeAsString(), articles[1].SerializeAsString()},
      articles);

  // Readers cannot migrate; they say how to.
  absl::StatusOr<std::unique_ptr<ArticleDb>> reader =
      ArticleDb::Open(path, OpenMode::kReadOnly);
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(reader.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(reader.status().message()), HasSubstr("version 1"));
  EXPECT_THAT(std::string(reader.status().message()), HasSubstr("migrate"));

  std::unique_ptr<ArticleDb> db = OpenOrDie(path, OpenMode::kReadWrite);
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(CountOrDie(*db), 2);
  std::vector<v1::Article> exported = ExportAll(*db);
  ASSERT_EQ(exported.size(), 2u);
  EXPECT_EQ(exported[0].id(), "v1-a");

  // The derived tables were rebuilt from the stored articles.
  absl::StatusOr<std::vector<EntityInfo>> entities = db->Entities({});
  ASSERT_TRUE(entities.ok()) << entities.status();
  ASSERT_EQ(entities->size(), 2u);
  EXPECT_EQ((*entities)[0].entity.name, "Muammar Gaddafi");
  EXPECT_EQ((*entities)[0].entity.article_count, 2);
  EXPECT_EQ((*entities)[0].mention_count, 3);
  absl::StatusOr<std::vector<StoryInfo>> stories = db->Stories({});
  ASSERT_TRUE(stories.ok()) << stories.status();
  ASSERT_EQ(stories->size(), 1u);
  EXPECT_EQ((*stories)[0].article_count, 2);
  EXPECT_EQ((*stories)[0].headline, "Colonel Gaddafi addresses rally");
  EXPECT_EQ((*stories)[0].outlets,
            (std::vector<std::string>{"example.test", "wire.test"}));

  SearchRequest by_alias;
  by_alias.filter.entity = "kadafi";
  EXPECT_EQ(HitIds(db->Search(by_alias)),
            (std::vector<std::string>{"v1-a", "v1-b"}));
  SearchRequest since;
  since.filter.since = absl::FromUnixSeconds(0) + absl::Hours(24 * 365 * 61);
  since.text = "rally";
  EXPECT_EQ(HitIds(db->Search(since)),
            (std::vector<std::string>{"v1-a", "v1-b"}));
  since.filter.since = absl::FromCivil(absl::CivilSecond(2031, 4, 3, 0, 0, 0),
                                       absl::UTCTimeZone());
  EXPECT_EQ(HitIds(db->Search(since)), (std::vector<std::string>{"v1-b"}));
  db.reset();

  // Now readers can open it.
  EXPECT_NE(OpenOrDie(path, OpenMode::kReadOnly), nullptr);
}

// What version 2 added to version 1, as released.
constexpr char kVersion2Additions[] = R"sql(
ALTER TABLE articles ADD COLUMN outlet TEXT NOT NULL DEFAULT '';
ALTER TABLE articles ADD COLUMN seen_at INTEGER;
CREATE INDEX articles_seen_at ON articles(seen_at);
CREATE INDEX articles_source ON articles(source);
CREATE TABLE entities (
  canonical_id TEXT PRIMARY KEY, name TEXT NOT NULL, name_key TEXT NOT NULL,
  type TEXT NOT NULL, article_count INTEGER NOT NULL,
  mention_count INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX entities_name_key ON entities(name_key);
CREATE INDEX entities_article_count ON entities(article_count);
CREATE TABLE entity_aliases (
  canonical_id TEXT NOT NULL, alias TEXT NOT NULL, alias_key TEXT NOT NULL,
  article_count INTEGER NOT NULL, PRIMARY KEY (canonical_id, alias)
) WITHOUT ROWID;
CREATE INDEX entity_aliases_alias_key ON entity_aliases(alias_key);
CREATE TABLE mentions (
  canonical_id TEXT NOT NULL,
  article_seq INTEGER NOT NULL REFERENCES articles(seq) ON DELETE CASCADE,
  mentions INTEGER NOT NULL, PRIMARY KEY (canonical_id, article_seq)
) WITHOUT ROWID;
CREATE INDEX mentions_article_seq ON mentions(article_seq);
CREATE TABLE stories (
  id TEXT PRIMARY KEY, first_seen INTEGER, last_seen INTEGER,
  article_count INTEGER NOT NULL, outlets TEXT NOT NULL,
  headline TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX stories_last_seen ON stories(last_seen);
CREATE TABLE dead_letters (
  id INTEGER PRIMARY KEY, stage TEXT NOT NULL, reason TEXT NOT NULL,
  raw BLOB NOT NULL, at TEXT NOT NULL
);
UPDATE articles SET outlet = 'example.test', seen_at = 1933000000 + seq;
INSERT INTO entities VALUES ('person:gaddafi', 'Muammar Gaddafi',
  'muammar gaddafi', 'PERSON', 2, 3);
INSERT INTO mentions SELECT 'person:gaddafi', seq, 1 FROM articles;
INSERT INTO stories VALUES ('story-rally', 1933000001, 1933000002, 2,
  'example.test', 'Colonel Gaddafi addresses rally');
PRAGMA user_version = 2;
)sql";

int64_t RawInt(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* statement = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr),
            SQLITE_OK)
      << sqlite3_errmsg(db);
  int64_t value = -1;
  if (sqlite3_step(statement) == SQLITE_ROW) {
    value = sqlite3_column_int64(statement, 0);
  }
  sqlite3_finalize(statement);
  sqlite3_close(db);
  return value;
}

// The search index holds the text of every article, and nothing else
// (its own copy, compared with the articles file), and FTS5's own check
// finds its index in step with that text.
void ExpectSearchIndexMatchesArticles(const std::string& path) {
  const std::string index = SqliteSearchIndexPath(path);
  RawExec(index,
          "INSERT INTO articles_fts(articles_fts, rank) "
          "VALUES ('integrity-check', 1)");
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(index.c_str(), &db), SQLITE_OK);
  const std::string attach =
      absl::StrCat("ATTACH DATABASE '", path, "' AS store");
  ASSERT_EQ(sqlite3_exec(db, attach.c_str(), nullptr, nullptr, nullptr),
            SQLITE_OK)
      << sqlite3_errmsg(db);
  for (const char* sql :
       {"SELECT (SELECT count(*) FROM store.articles) - "
        "(SELECT count(*) FROM search_text)",
        "SELECT count(*) FROM store.articles AS a LEFT JOIN search_text AS t "
        "ON t.seq = a.seq WHERE t.title IS NOT a.title OR "
        "t.body IS NOT a.body"}) {
    sqlite3_stmt* statement = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db, sql, -1, &statement, nullptr), SQLITE_OK)
        << sqlite3_errmsg(db);
    ASSERT_EQ(sqlite3_step(statement), SQLITE_ROW);
    EXPECT_EQ(sqlite3_column_int64(statement, 0), 0) << sql;
    sqlite3_finalize(statement);
  }
  sqlite3_close(db);
}

TEST_F(SqliteArticleDbTest, Version2DatabaseMigratesKeepingIndexAndMentions) {
  const std::string path = PathOf("v2.db");
  const std::vector<v1::Article> articles = Version1Articles();
  WriteVersion1Database(
      path, {"v1-a", "v1-b"},
      {articles[0].SerializeAsString(), articles[1].SerializeAsString()},
      articles);
  RawExec(path, kVersion2Additions);

  std::unique_ptr<ArticleDb> db = OpenOrDie(path, OpenMode::kReadWrite);
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(RawInt(path, "PRAGMA user_version"), kArticleDbSchemaVersion);
  EXPECT_EQ(RawInt(path,
                   "SELECT count(*) FROM sqlite_schema WHERE "
                   "type = 'trigger' AND name LIKE '%after_insert'"),
            0);
  EXPECT_EQ(CountOrDie(*db), 2);
  // The full-text index, kept by seq, still finds the old rows.
  EXPECT_EQ(HitIds(db->Search("rally", 10)),
            (std::vector<std::string>{"v1-a", "v1-b"}));
  // The mentions survived the rebuilt articles table (no cascade).
  SearchRequest by_id;
  by_id.filter.entity = "person:gaddafi";
  EXPECT_EQ(HitIds(db->Search(by_id)),
            (std::vector<std::string>{"v1-a", "v1-b"}));
  SearchRequest story;
  story.filter.story_id = "story-rally";
  EXPECT_EQ(HitIds(db->Search(story)).size(), 2u);

  // Writes after the migration keep the index in step.
  v1::Article changed = articles[1];
  changed.set_title("Kadafi parade draws crowds");
  v1::Article added = MakeArticle("v3-c", "Harbour reopens", "Boats sail.");
  ASSERT_TRUE(db->UpsertBatch({changed, added}).ok());
  EXPECT_EQ(HitIds(db->Search("rally", 10)),
            (std::vector<std::string>{"v1-a"}));
  EXPECT_EQ(HitIds(db->Search("parade", 10)),
            (std::vector<std::string>{"v1-b"}));
  EXPECT_EQ(HitIds(db->Search("harbour", 10)),
            (std::vector<std::string>{"v3-c"}));
  db.reset();
  ExpectSearchIndexMatchesArticles(path);
  EXPECT_NE(OpenOrDie(path, OpenMode::kReadOnly), nullptr);
}

TEST_F(SqliteArticleDbTest, Version3DatabaseMigratesKeepingAliases) {
  const std::string path = PathOf("v3.db");
  {
    std::unique_ptr<ArticleDb> db = OpenOrDie(path, OpenMode::kReadWrite);
    ASSERT_NE(db, nullptr);
    ASSERT_TRUE(db->UpsertBatch(Version1Articles()).ok());
  }
  // Version 3 as released: aliases without the rule that joined them.
  RawExec(path,
          "ALTER TABLE entity_aliases DROP COLUMN join_rule; "
          "PRAGMA user_version = 3;");
  absl::StatusOr<std::unique_ptr<ArticleDb>> reader =
      ArticleDb::Open(path, OpenMode::kReadOnly);
  EXPECT_EQ(reader.status().code(), absl::StatusCode::kFailedPrecondition);

  std::unique_ptr<ArticleDb> db = OpenOrDie(path, OpenMode::kReadWrite);
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(RawInt(path, "PRAGMA user_version"), kArticleDbSchemaVersion);
  using Rules = std::map<std::string, std::string>;
  EXPECT_EQ(StoredAliasRules(*db, "person:gaddafi"),
            (Rules{{"Gaddafi", ""}, {"Kadafi", ""}, {"Muammar Gaddafi", ""}}));
  // A rule stored later fills in an unknown one.
  v1::Article later = MakeArticle("v4-c", "Kadafi again", "Kadafi spoke.");
  AddAliasRule(AddEntity(later, "Kadafi", v1::PERSON, "Muammar Gaddafi",
                         "person:gaddafi", 1, {"Kadafi"}),
               "Kadafi", "transliteration");
  ASSERT_TRUE(db->UpsertBatch({later}).ok());
  EXPECT_EQ(StoredAliasRules(*db, "person:gaddafi"),
            (Rules{{"Gaddafi", ""},
                   {"Kadafi", "transliteration"},
                   {"Muammar Gaddafi", ""}}));
  db.reset();
  EXPECT_NE(OpenOrDie(path, OpenMode::kReadOnly), nullptr);
}

TEST_F(SqliteArticleDbTest, SearchIndexFollowsEveryKindOfUpsertInOneBatch) {
  const std::string path = PathOf("news.db");
  std::unique_ptr<ArticleDb> db = OpenOrDie(path, OpenMode::kReadWrite);
  ASSERT_NE(db, nullptr);
  v1::Article kept = MakeArticle("kept", "Lighthouse keeper", "Foggy night.");
  v1::Article retitled = MakeArticle("retitled", "Old mill", "Grain dust.");
  v1::Article relabelled = MakeArticle("relabel", "Ferry times", "Late.");
  ASSERT_TRUE(db->UpsertBatch({kept, retitled, relabelled}).ok());

  // One batch: unchanged, new text, same text with another story, new
  // articles, and one id twice (the later wins).
  retitled.set_title("New bakery");
  relabelled.set_story_id("story-ferry");
  v1::Article first = MakeArticle("twice", "Draft headline", "Early copy.");
  v1::Article second = MakeArticle("twice", "Final headline", "Late copy.");
  v1::Article fresh = MakeArticle("fresh", "Orchard harvest", "Apples.");
  ASSERT_TRUE(
      db->UpsertBatch({kept, retitled, relabelled, first, fresh, second}).ok());

  EXPECT_EQ(WordHits(*db,
                     {"lighthouse", "mill", "bakery", "ferry", "draft", "final",
                      "orchard"},
                     10),
            (std::map<std::string, std::vector<std::string>>{
                {"lighthouse", {"kept"}},
                {"mill", {}},
                {"bakery", {"retitled"}},
                {"ferry", {"relabel"}},
                {"draft", {}},
                {"final", {"twice"}},
                {"orchard", {"fresh"}}}));
  db.reset();
  ExpectSearchIndexMatchesArticles(path);
}

// How many segments the full-text index is in: the second varint of FTS5's
// structure record (row 10 of its data table), after a 4-byte cookie and
// the number of levels.
std::string FtsStructure(const std::string& path) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(SqliteSearchIndexPath(path).c_str(), &db), SQLITE_OK);
  sqlite3_stmt* statement = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db,
                               "SELECT block FROM articles_fts_data "
                               "WHERE id = 10",
                               -1, &statement, nullptr),
            SQLITE_OK);
  std::string block;
  if (sqlite3_step(statement) == SQLITE_ROW) {
    block.assign(static_cast<const char*>(sqlite3_column_blob(statement, 0)),
                 sqlite3_column_bytes(statement, 0));
  }
  sqlite3_finalize(statement);
  sqlite3_close(db);
  return block;
}

int64_t FtsSegments(const std::string& path) {
  return Fts5SegmentCount(FtsStructure(path));
}

// How many levels FTS5's structure record holds, empty ones too; -1 when it
// cannot be read.
int64_t FtsLevels(const std::string& path) {
  const std::optional<Fts5Segments> segments =
      ParseFts5Segments(FtsStructure(path));
  return segments.has_value() ? segments->levels : -1;
}

// A batch adds one segment to the full-text index however many articles it
// holds: FTS5 writes its pending terms out at every statement savepoint,
// and a segment per article made most of an insert's cost (version 2).
TEST_F(SqliteArticleDbTest, EachBatchAddsOneIndexSegment) {
  const std::string path = PathOf("news.db");
  std::unique_ptr<ArticleDb> db = OpenOrDie(path, OpenMode::kReadWrite);
  ASSERT_NE(db, nullptr);
  KeepEachBatchAnIndexSegment(path);
  for (int batch = 0; batch < 3; ++batch) {
    std::vector<v1::Article> articles;
    for (int i = 0; i < 40; ++i) {
      articles.push_back(MakeArticle(absl::StrCat("b", batch, "-", i),
                                     absl::StrCat("Quarry report ", i),
                                     "Slate was cut and carted away."));
    }
    // An article of an earlier batch, retitled: its old entry goes too.
    if (batch > 0) {
      articles.push_back(MakeArticle(absl::StrCat("b", batch - 1, "-0"),
                                     "Kiln fired", "Bricks cooled."));
    }
    ASSERT_TRUE(db->UpsertBatch(articles).ok());
    // The indexer takes what is stored so far in one step.
    ASSERT_TRUE(db->WaitForSearchIndex().ok());
    EXPECT_EQ(FtsSegments(path), batch + 1) << "after batch " << batch;
  }
  EXPECT_EQ(HitIds(db->Search("quarry", 200)).size(), 118u);
  EXPECT_EQ(HitIds(db->Search("kiln", 200)).size(), 2u);
  db.reset();
  ExpectSearchIndexMatchesArticles(path);
}

// Merging the full-text index changes what a query walks, never what it
// finds: many small batches with automerge off leave one segment each (and
// the upserts' deletions), bounded steps merge them into one, and every
// query gives the same hits and scores before and after.
// Fills the database at `path` with many small batches, automerge off, so
// that its full-text index is in one segment per batch (over 10), with
// deletions of retitled articles in later segments.
// WriteFragmentedIndex's article `n`.
v1::Article FragmentArticle(int n) {
  const char* words[] = {"harbour", "lantern", "orchard", "granite",
                         "ferry",   "meadow",  "copper",  "willow"};
  // Enough distinct words that the merged index spans many pages.
  std::string body =
      absl::StrCat("The ", words[(n / 3) % 8], " and the ", words[(n * 5) % 8],
                   " near the ", words[n % 8], ".");
  for (int w = 0; w < 300; ++w) {
    absl::StrAppend(&body, " w", (n * 37 + w * 11) % 5000);
  }
  return MakeArticle(absl::StrCat("a", n),
                     absl::StrCat(words[n % 8], " news ", n), body);
}

void WriteFragmentedIndex(ArticleDb& db, const std::string& path) {
  KeepEachBatchAnIndexSegment(path);
  for (int batch = 0; batch < 24; ++batch) {
    std::vector<v1::Article> articles;
    for (int i = 0; i < 4; ++i)
      articles.push_back(FragmentArticle(batch * 4 + i));
    if (batch > 0) {
      articles.push_back(MakeArticle(absl::StrCat("a", batch - 1),
                                     "copper willow retitled", "Redone."));
    }
    ASSERT_TRUE(db.UpsertBatch(articles).ok()) << "batch " << batch;
    ASSERT_TRUE(db.WaitForSearchIndex().ok());
  }
  ASSERT_GT(FtsSegments(path), 10);
}

// The hits (id, score) of queries of every kind over WriteFragmentedIndex's
// articles.
std::vector<std::vector<std::pair<std::string, double>>> SearchAll(
    ArticleDb& db) {
  const std::vector<std::string> queries = {
      "harbour",         "copper willow", "\"the lantern\"",  "gran*",
      "ferry OR meadow", "title:copper",  "news NOT orchard", "w111 w122"};
  std::vector<std::vector<std::pair<std::string, double>>> all;
  for (const std::string& query : queries) {
    SearchRequest request;
    request.text = query;
    request.limit = 200;
    absl::StatusOr<std::vector<SearchHit>> hits = db.Search(request);
    EXPECT_TRUE(hits.ok()) << query << ": " << hits.status();
    auto& one = all.emplace_back();
    if (!hits.ok()) continue;
    for (const SearchHit& hit : *hits) one.emplace_back(hit.id, hit.score);
  }
  return all;
}

TEST_F(SqliteArticleDbTest, MergingTheSearchIndexKeepsEveryHitAndScore) {
  const std::string path = PathOf("news.db");
  std::unique_ptr<ArticleDb> db = OpenOrDie(path, OpenMode::kReadWrite);
  ASSERT_NE(db, nullptr);
  WriteFragmentedIndex(*db, path);
  if (HasFatalFailure()) return;
  auto run_all = [&] { return SearchAll(*db); };
  const auto before = run_all();
  EXPECT_FALSE(before[0].empty());

  int steps = 0;
  while (true) {
    absl::StatusOr<bool> merged = db->MergeIndexStep(1);
    ASSERT_TRUE(merged.ok()) << merged.status();
    if (!*merged) break;
    ASSERT_LT(++steps, 10000) << "merging never ends";
  }
  EXPECT_GT(steps, 1) << "a step of one page cannot merge everything";
  EXPECT_EQ(FtsSegments(path), 1);
  EXPECT_EQ(run_all(), before);
  EXPECT_FALSE(*db->MergeIndexStep(100)) << "nothing left to merge";
  EXPECT_EQ(db->MergeIndexStep(0).status().code(),
            absl::StatusCode::kInvalidArgument);
  db.reset();
  ExpectSearchIndexMatchesArticles(path);

  std::unique_ptr<ArticleDb> reader = OpenOrDie(path, OpenMode::kReadOnly);
  ASSERT_NE(reader, nullptr);
  EXPECT_EQ(reader->MergeIndexStep(10).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

// A batch stored after the index was merged into one waits beside it:
// merging it in would rewrite the whole index (WorthMergingIntoOne). Once
// the batches since hold a share of the merged segment, the index is merged
// into one again. Hits never change.
TEST_F(SqliteArticleDbTest, MergeRewritesTheIndexOnlyOnceBatchesAddUp) {
  const std::string path = PathOf("news.db");
  std::unique_ptr<ArticleDb> db = OpenOrDie(path, OpenMode::kReadWrite);
  ASSERT_NE(db, nullptr);
  WriteFragmentedIndex(*db, path);
  if (HasFatalFailure()) return;
  auto merge_all = [&] {
    int steps = 0;
    absl::StatusOr<bool> merged;
    while ((merged = db->MergeIndexStep(64)).ok() && *merged) {
      if (++steps > 10000) break;
    }
    EXPECT_TRUE(merged.ok()) << merged.status();
    return steps;
  };
  EXPECT_GT(merge_all(), 0);
  ASSERT_EQ(FtsSegments(path), 1);

  int n = 1000;
  ASSERT_TRUE(db->UpsertBatch({FragmentArticle(n++)}).ok());
  ASSERT_TRUE(db->WaitForSearchIndex().ok());
  ASSERT_EQ(FtsSegments(path), 2);
  const auto before = SearchAll(*db);
  EXPECT_EQ(merge_all(), 0) << "one small batch rewrote the whole index";
  EXPECT_EQ(FtsSegments(path), 2);
  EXPECT_EQ(SearchAll(*db), before);

  // Batches of four like the 24 merged: 1/8 of them is three batches.
  int batches = 1;
  int steps = 0;
  std::vector<std::vector<std::pair<std::string, double>>> unmerged;
  while (steps == 0 && batches < 24) {
    std::vector<v1::Article> articles;
    for (int i = 0; i < 4; ++i) articles.push_back(FragmentArticle(n++));
    ASSERT_TRUE(db->UpsertBatch(articles).ok());
    ASSERT_TRUE(db->WaitForSearchIndex().ok());
    ++batches;
    unmerged = SearchAll(*db);
    steps = merge_all();
  }
  EXPECT_GE(batches, 3) << "merged before the batches added up";
  EXPECT_LE(batches, 6) << "the batches never added up";
  EXPECT_EQ(FtsSegments(path), 1);
  EXPECT_EQ(SearchAll(*db), unmerged);
  EXPECT_NE(unmerged, before);
}

// A store whose index stays small (the same live stories updated) merges
// into one after each batch once idle; in SQLite 3.40.1 each such merge adds
// up to two FTS5 levels, which it never removes, and calls a structure of
// 2000 levels corrupt. Merges into one stop short of
// kMaxLevelsAfterMergeIntoOne levels, and of the levels the index's size
// allows (kLevelsBeforeIndexDoubles), and the index stays whole.
TEST_F(SqliteArticleDbTest, MergesIntoOneKeepTheLevelsBounded) {
  const std::string path = PathOf("news.db");
  std::unique_ptr<ArticleDb> db = OpenOrDie(path, OpenMode::kReadWrite);
  ASSERT_NE(db, nullptr);
  int64_t most_levels = 0;
  int rounds_merged = 0;
  for (int round = 0; round < 60; ++round) {
    std::vector<v1::Article> articles;
    if (round == 0) {
      for (int i = 0; i < 40; ++i) articles.push_back(FragmentArticle(i));
    } else {
      // Eight of the forty stories updated: their text changes.
      for (int i = 0; i < 8; ++i) {
        v1::Article article = FragmentArticle((round * 8 + i) % 40);
        article.set_body(
            absl::StrCat(article.body(), " harbour update ", round));
        articles.push_back(article);
      }
    }
    ASSERT_TRUE(db->UpsertBatch(articles).ok()) << "round " << round;
    ASSERT_TRUE(db->WaitForSearchIndex().ok()) << "round " << round;
    absl::StatusOr<bool> merged;
    int steps = 0;
    while ((merged = db->MergeIndexStep(256)).ok() && *merged) {
      ASSERT_LT(++steps, 1000) << "merging never ends";
    }
    ASSERT_TRUE(merged.ok()) << "round " << round << ": " << merged.status();
    if (steps > 0) ++rounds_merged;
    most_levels = std::max(most_levels, FtsLevels(path));
  }
  EXPECT_GT(rounds_merged, 3) << "too few merges into one to test";
  EXPECT_LE(most_levels, kMaxLevelsAfterMergeIntoOne);
  RawExec(SqliteSearchIndexPath(path),
          "INSERT INTO articles_fts(articles_fts) VALUES ('integrity-check')");
  absl::StatusOr<std::vector<SearchHit>> hits = db->Search("harbour", 10);
  ASSERT_TRUE(hits.ok()) << hits.status();
  EXPECT_FALSE(hits->empty());
  db.reset();
  ExpectSearchIndexMatchesArticles(path);
}

// A batch stored while a merge into one is under way: the next idle step
// continues that merge (a positive 'merge') rather than start it over,
// which would put every segment, its partial output too, on two new levels
// and redo its work. Hits never change.
TEST_F(SqliteArticleDbTest, AWriteDuringAMergeIntoOneLetsItContinue) {
  const std::string path = PathOf("news.db");
  std::unique_ptr<ArticleDb> db = OpenOrDie(path, OpenMode::kReadWrite);
  ASSERT_NE(db, nullptr);
  WriteFragmentedIndex(*db, path);
  if (HasFatalFailure()) return;
  for (int s = 0; s < 3; ++s) ASSERT_TRUE(*db->MergeIndexStep(4));
  const int64_t levels = FtsLevels(path);
  ASSERT_GT(levels, 0);
  for (int round = 0; round < 5; ++round) {
    ASSERT_TRUE(db->UpsertBatch({MakeArticle(absl::StrCat("t", round), "Tiny",
                                             "tiny words")})
                    .ok());
    ASSERT_TRUE(db->WaitForSearchIndex().ok());
    absl::StatusOr<bool> merged = db->MergeIndexStep(4);
    ASSERT_TRUE(merged.ok()) << merged.status();
    EXPECT_EQ(FtsLevels(path), levels) << "round " << round;
  }
  const auto before = SearchAll(*db);
  int steps = 0;
  absl::StatusOr<bool> merged;
  while ((merged = db->MergeIndexStep(4)).ok() && *merged) {
    ASSERT_LT(++steps, 10000) << "merging never ends";
  }
  ASSERT_TRUE(merged.ok()) << merged.status();
  EXPECT_EQ(FtsLevels(path), levels) << "the merge was started over";
  EXPECT_LE(FtsSegments(path), 6) << "the merge into one never finished";
  EXPECT_EQ(SearchAll(*db), before);
  RawExec(SqliteSearchIndexPath(path),
          "INSERT INTO articles_fts(articles_fts) VALUES ('integrity-check')");
  db.reset();
  ExpectSearchIndexMatchesArticles(path);
}

// The structure record of the index at `path`, for a failure's message.
std::string DescribeStructure(const std::string& path) {
  const std::optional<Fts5Segments> s = ParseFts5Segments(FtsStructure(path));
  if (!s) return "unparsed";
  return absl::StrCat("levels=", s->levels, " segments=", s->pages.size(),
                      " unfinished=", s->unfinished_merge,
                      " into_one=", s->merging_into_one);
}

// Steps MergeIndexStep(pages) on `db` until it says false.
void MergeAll(ArticleDb& db, int pages) {
  absl::StatusOr<bool> merged;
  int steps = 0;
  while ((merged = db.MergeIndexStep(pages)).ok() && *merged) {
    ASSERT_LT(++steps, 10000) << "merging never ends";
  }
  ASSERT_TRUE(merged.ok()) << merged.status();
}

// A merge into one of two segments that two small batches interrupted is
// finished by the idle merge: FTS5's positive 'merge' first takes level 0
// (its two segments are as many as the merge's inputs) and, below its
// default 'usermerge' of 4, did nothing at all, so MergeIndexStep said
// false with the merge unfinished and the index in five pieces.
TEST_F(SqliteArticleDbTest, AMergeIntoOneInterruptedByTwoBatchesFinishes) {
  const std::string path = PathOf("news.db");
  std::unique_ptr<ArticleDb> db = OpenOrDie(path, OpenMode::kReadWrite);
  ASSERT_NE(db, nullptr);
  int next = 0;
  auto batch = [&](int n) {
    std::vector<v1::Article> articles;
    for (int i = 0; i < n; ++i) articles.push_back(FragmentArticle(next++));
    ASSERT_TRUE(db->UpsertBatch(articles).ok());
    ASSERT_TRUE(db->WaitForSearchIndex().ok());
  };
  batch(60);
  batch(40);
  MergeAll(*db, 256);
  ASSERT_EQ(FtsSegments(path), 1);
  batch(30);  // At least 1/8 of the merged segment: worth merging into one.
  absl::StatusOr<bool> step = db->MergeIndexStep(4);
  ASSERT_TRUE(step.ok() && *step);
  ASSERT_TRUE(ParseFts5Segments(FtsStructure(path))->merging_into_one);
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(
        db->UpsertBatch({MakeArticle(absl::StrCat("t", i), "Tiny", "tiny")})
            .ok());
    ASSERT_TRUE(db->WaitForSearchIndex().ok());
  }
  const auto before = SearchAll(*db);
  MergeAll(*db, 256);
  const std::optional<Fts5Segments> after =
      ParseFts5Segments(FtsStructure(path));
  ASSERT_TRUE(after.has_value());
  EXPECT_FALSE(after->unfinished_merge)
      << "MergeIndexStep said false with a merge unfinished: "
      << DescribeStructure(path);
  EXPECT_LE(after->pages.size(), 3u) << DescribeStructure(path);
  EXPECT_EQ(SearchAll(*db), before);
  RawExec(SqliteSearchIndexPath(path),
          "INSERT INTO articles_fts(articles_fts) VALUES ('integrity-check')");
}

// A batch the writer indexes between the merge step's reading of the
// structure and its 'merge' (here: the moment that read ends) made the
// negative 'merge' chosen to go on with a merge into one start it over:
// every segment re-levelled, two more levels each time. The step holds the
// index's write lock from before the read to its end.
TEST_F(SqliteArticleDbTest, ABatchWhileAMergeStepReadsDoesNotRestartIt) {
  DiskFullVfs vfs;
  const std::string path = PathOf("news.db");
  std::unique_ptr<ArticleDb> db = OpenOrDie(path, OpenMode::kReadWrite);
  ASSERT_NE(db, nullptr);
  WriteFragmentedIndex(*db, path);
  if (HasFatalFailure()) return;
  // The idle merger's own handle.
  std::unique_ptr<ArticleDb> merger = OpenOrDie(path, OpenMode::kReadWrite);
  ASSERT_NE(merger, nullptr);
  for (int s = 0; s < 2; ++s) ASSERT_TRUE(*merger->MergeIndexStep(4));
  ASSERT_TRUE(ParseFts5Segments(FtsStructure(path))->merging_into_one);
  const int64_t levels = FtsLevels(path);
  int injected = 0;
  on_search_read_end = [&] {
    ++injected;
    EXPECT_TRUE(
        db->UpsertBatch({MakeArticle("late", "Late", "late words")}).ok());
    EXPECT_TRUE(db->WaitForSearchIndex().ok());
  };
  search_read_end_armed = true;
  absl::StatusOr<bool> merged = merger->MergeIndexStep(4);
  search_read_end_armed = false;
  on_search_read_end = nullptr;
  ASSERT_TRUE(merged.ok()) << merged.status();
  ASSERT_EQ(injected, 1);
  EXPECT_EQ(FtsLevels(path), levels)
      << "the merge into one was started over: " << DescribeStructure(path);
  MergeAll(*merger, 256);
  EXPECT_EQ(FtsLevels(path), levels) << DescribeStructure(path);
  EXPECT_EQ(HitIds(db->Search("late", 10)), std::vector<std::string>{"late"});
  RawExec(SqliteSearchIndexPath(path),
          "INSERT INTO articles_fts(articles_fts) VALUES ('integrity-check')");
}

// A store that starts empty and grows (new articles each batch, merged when
// idle after each) keeps merging into one as it grows: each merge into one
// waits for the index to double (kLevelsBeforeIndexDoubles), where before
// any batch of a tiny index was worth it and the 64 levels were gone after
// about 600 articles, none merged into one again.
TEST_F(SqliteArticleDbTest, AGrowingStoreKeepsMergingIntoOne) {
  const std::string path = PathOf("news.db");
  std::unique_ptr<ArticleDb> db = OpenOrDie(path, OpenMode::kReadWrite);
  ASSERT_NE(db, nullptr);
  int next = 0, last_merge_round = -1;
  constexpr int kRounds = 300;
  for (int round = 0; round < kRounds; ++round) {
    std::vector<v1::Article> articles;
    for (int i = 0; i < 10; ++i) articles.push_back(FragmentArticle(next++));
    ASSERT_TRUE(db->UpsertBatch(articles).ok());
    ASSERT_TRUE(db->WaitForSearchIndex().ok());
    const int64_t levels_before = FtsLevels(path);
    MergeAll(*db, 256);
    if (HasFatalFailure()) return;
    if (FtsLevels(path) > levels_before) last_merge_round = round;
  }
  // The index doubled since round kRounds / 2.
  EXPECT_GT(last_merge_round, kRounds / 2)
      << "the store stopped merging into one: " << DescribeStructure(path);
  EXPECT_LE(FtsLevels(path), kMaxLevelsAfterMergeIntoOne / 2)
      << DescribeStructure(path);
}

// The merger writes into the file that holds the articles, so a store
// killed in the middle of a merge step must lose nothing: SQLite rolls the
// step back, and the index still finds what it found before.
TEST_F(SqliteArticleDbTest, KillDuringAMergeStepLosesNothing) {
  const std::string path = PathOf("news.db");
  std::unique_ptr<ArticleDb> db = OpenOrDie(path, OpenMode::kReadWrite);
  ASSERT_NE(db, nullptr);
  WriteFragmentedIndex(*db, path);
  if (HasFatalFailure()) return;
  const auto before = SearchAll(*db);
  const int64_t segments = FtsSegments(path);
  db.reset();

  int steps[2];
  ASSERT_EQ(pipe(steps), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(steps[0]);
    absl::StatusOr<std::unique_ptr<ArticleDb>> merger =
        ArticleDb::Open(path, OpenMode::kReadWrite);
    if (!merger.ok()) _exit(11);
    // One page a step, reporting each: the parent kills it mid-merge.
    while (true) {
      absl::StatusOr<bool> merged = (*merger)->MergeIndexStep(1);
      if (!merged.ok()) _exit(12);
      if (!*merged) _exit(0);
      if (write(steps[1], "s", 1) != 1) _exit(13);
    }
  }
  close(steps[1]);
  char step;
  for (int i = 0; i < 2; ++i) ASSERT_EQ(read(steps[0], &step, 1), 1);
  kill(child, SIGKILL);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  close(steps[0]);
  EXPECT_TRUE(WIFSIGNALED(status)) << "the merge ended before the kill";

  ExpectSearchIndexMatchesArticles(path);
  db = OpenOrDie(path, OpenMode::kReadWrite);
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(CountOrDie(*db), 96);
  // A merge under way keeps its inputs and adds its output segment.
  EXPECT_NE(FtsSegments(path), segments) << "the first steps were committed";
  EXPECT_EQ(SearchAll(*db), before);
  // The next store picks the merge up where it stopped.
  absl::StatusOr<bool> merged;
  for (int i = 0;
       i < 10000 && (merged = db->MergeIndexStep(64)).ok() && *merged; ++i) {
  }
  ASSERT_TRUE(merged.ok()) << merged.status();
  EXPECT_EQ(FtsSegments(path), 1);
  EXPECT_EQ(SearchAll(*db), before);
}

// The search index is filled after the articles commit, on the indexer's
// thread: a store killed after acknowledging batches the indexer never
// reached loses none of them, a reader meanwhile finds them by everything
// but text, and the next store indexes them (search catches up). The
// parent holds the index file's write lock so that the child's indexer
// cannot have reached them when it dies.
TEST_F(SqliteArticleDbTest, KillBeforeIndexingLosesNothingAndSearchCatchesUp) {
  const std::string path = PathOf("news.db");
  {
    std::unique_ptr<ArticleDb> db = OpenOrDie(path, OpenMode::kReadWrite);
    ASSERT_NE(db, nullptr);
    ASSERT_TRUE(
        db->UpsertBatch({MakeArticle("first", "Beacon lit", "Warm glow.")})
            .ok());
  }
  int to_parent[2];
  int to_child[2];
  ASSERT_EQ(pipe(to_parent), 0);
  ASSERT_EQ(pipe(to_child), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(to_parent[0]);
    close(to_child[1]);
    absl::StatusOr<std::unique_ptr<ArticleDb>> store =
        ArticleDb::Open(path, OpenMode::kReadWrite);
    if (!store.ok()) _exit(11);
    char go;
    if (write(to_parent[1], "o", 1) != 1 || read(to_child[0], &go, 1) != 1) {
      _exit(12);
    }
    for (int batch = 0; batch < 3; ++batch) {
      std::vector<v1::Article> articles;
      for (int i = 0; i < 5; ++i) {
        articles.push_back(MakeArticle(absl::StrCat("k", batch, "-", i),
                                       absl::StrCat("Signal flare ", i),
                                       "Seen from the cliffs."));
      }
      // Retitled: its old entry must go as well.
      if (batch == 2) {
        articles.push_back(MakeArticle("first", "Signal lamp", "Dim."));
      }
      if (!(*store)->UpsertBatch(articles).ok()) _exit(13);
      // Acknowledged.
      if (write(to_parent[1], "a", 1) != 1) _exit(14);
    }
    pause();
    _exit(0);
  }
  close(to_parent[1]);
  close(to_child[0]);
  char byte;
  ASSERT_EQ(read(to_parent[0], &byte, 1), 1);
  sqlite3* lock = nullptr;
  ASSERT_EQ(sqlite3_open(SqliteSearchIndexPath(path).c_str(), &lock),
            SQLITE_OK);
  // The child's indexer may hold the index's lock a moment after opening
  // (CI saw "database is locked" once): wait for it rather than fail.
  sqlite3_busy_timeout(lock, 10000);
  ASSERT_EQ(sqlite3_exec(lock, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr),
            SQLITE_OK)
      << sqlite3_errmsg(lock);
  ASSERT_EQ(write(to_child[1], "g", 1), 1);
  for (int i = 0; i < 3; ++i) ASSERT_EQ(read(to_parent[0], &byte, 1), 1);
  kill(child, SIGKILL);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFSIGNALED(status));
  close(to_parent[0]);
  close(to_child[1]);
  sqlite3_exec(lock, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(lock);

  // Stored, not yet searchable.
  EXPECT_EQ(RawInt(SqliteSearchIndexPath(path),
                   "SELECT upto FROM indexed WHERE name = 'seq'"),
            1);
  {
    std::unique_ptr<ArticleDb> reader = OpenOrDie(path, OpenMode::kReadOnly);
    ASSERT_NE(reader, nullptr);
    EXPECT_EQ(CountOrDie(*reader), 16);
    EXPECT_TRUE(HitIds(reader->Search("flare", 100)).empty());
    EXPECT_EQ(HitIds(reader->Search("beacon", 100)),
              (std::vector<std::string>{"first"}));
    SearchRequest by_source;
    by_source.filter.source = "unit-test";
    by_source.limit = 100;
    EXPECT_EQ(HitIds(reader->Search(by_source)).size(), 16u);
  }
  // The next store catches up before its first text search.
  std::unique_ptr<ArticleDb> db = OpenOrDie(path, OpenMode::kReadWrite);
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(HitIds(db->Search("flare", 100)).size(), 15u);
  EXPECT_TRUE(HitIds(db->Search("beacon", 100)).empty());
  EXPECT_EQ(HitIds(db->Search("lamp", 100)),
            (std::vector<std::string>{"first"}));
  db.reset();
  ExpectSearchIndexMatchesArticles(path);
}

// The indexer writes the index without a read transaction open on the
// articles file: one held through its writing would keep the store's WAL
// from restarting (it then grows with every batch). Checked by
// checkpointing the articles file with TRUNCATE, which fails while any
// reader of its WAL is left, each time the indexer commits.
TEST_F(SqliteArticleDbTest, IndexerWritesWithoutHoldingTheArticlesFile) {
  DiskFullVfs vfs;
  const std::string path = PathOf("news.db");
  std::unique_ptr<ArticleDb> db = OpenOrDie(path, OpenMode::kReadWrite);
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(db->WaitForSearchIndex().ok());
  std::atomic<int> probes{0};
  std::atomic<int> blocked{0};
  on_search_wal_write = [&] {
    sqlite3* probe = nullptr;
    // Reading the schema opens the WAL (a checkpoint does nothing before).
    if (sqlite3_open(path.c_str(), &probe) == SQLITE_OK &&
        sqlite3_exec(probe, "PRAGMA schema_version", nullptr, nullptr,
                     nullptr) == SQLITE_OK) {
      ++probes;
      // The checkpoint thread's own checkpoints (one checkpointer at a
      // time) block a probe for a moment; a read the indexer held through
      // this write would block every try, since this is its thread.
      int rc = SQLITE_BUSY;
      for (int attempt = 0; attempt < 20 && rc != SQLITE_OK; ++attempt) {
        if (attempt > 0) absl::SleepFor(absl::Milliseconds(20));
        rc = sqlite3_wal_checkpoint_v2(
            probe, "main", SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
      }
      if (rc != SQLITE_OK) ++blocked;
    }
    sqlite3_close(probe);
  };
  for (int batch = 0; batch < 3; ++batch) {
    ASSERT_TRUE(db->UpsertBatch({MakeArticle(absl::StrCat("w", batch),
                                             "Lighthouse keeper", "Fog.")})
                    .ok());
    ASSERT_TRUE(db->WaitForSearchIndex().ok());
  }
  on_search_wal_write = nullptr;
  EXPECT_GT(probes.load(), 0);
  EXPECT_EQ(blocked.load(), 0);
  EXPECT_EQ(HitIds(db->Search("lighthouse", 100)).size(), 3u);
  db.reset();  // Before the VFS goes away.
}

// A store closed right after opening a file whose index is far behind
// (as after migrating from version 5) does not wait for the whole rebuild:
// it stops after what it stored itself, and the next store goes on.
TEST_F(SqliteArticleDbTest, ClosingLeavesAnOlderBacklogToTheNextStore) {
  const std::string path = PathOf("news.db");
  constexpr int kArticles = 10000;
  {
    std::unique_ptr<ArticleDb> db = OpenOrDie(path, OpenMode::kReadWrite);
    ASSERT_NE(db, nullptr);
    std::vector<v1::Article> batch;
    for (int i = 0; i < kArticles; ++i) {
      batch.push_back(MakeArticle(absl::StrCat("b", i),
                                  absl::StrCat("Buoy report ", i), "Swell."));
    }
    ASSERT_TRUE(db->UpsertBatch(batch).ok());
  }
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::filesystem::remove(SqliteSearchIndexPath(path) + suffix);
  }
  // The rebuild indexes 2,000 articles per step: closing at once stops
  // after a step or two.
  OpenOrDie(path, OpenMode::kReadWrite).reset();
  EXPECT_LT(RawInt(SqliteSearchIndexPath(path),
                   "SELECT upto FROM indexed WHERE name = 'seq'"),
            kArticles);
  std::unique_ptr<ArticleDb> db = OpenOrDie(path, OpenMode::kReadWrite);
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(HitIds(db->Search("buoy", kArticles)).size(),
            static_cast<size_t>(kArticles));
}

// An indexer step that fails once (a full disk that cleared) is retried,
// and searches wait for it rather than fail.
TEST_F(SqliteArticleDbTest, SearchOutwaitsAnIndexerErrorThatClears) {
  DiskFullVfs vfs;
  const std::string path = PathOf("news.db");
  std::unique_ptr<ArticleDb> db = OpenOrDie(path, OpenMode::kReadWrite);
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(db->WaitForSearchIndex().ok());
  search_wal_full = 1;
  ASSERT_TRUE(
      db->UpsertBatch({MakeArticle("c1", "Cormorant dives", "Cold.")}).ok());
  absl::StatusOr<std::vector<SearchHit>> hits = db->Search("cormorant", 10);
  ASSERT_TRUE(hits.ok()) << hits.status();
  EXPECT_EQ(HitIds(*hits), (std::vector<std::string>{"c1"}));
  EXPECT_EQ(search_wal_full.load(), 0);
  db.reset();  // Before the VFS goes away.
}

// Both files sync at their own moments, so a power loss can leave the
// index's marks past what the articles file kept (its later articles and
// reindex rows lost); their seqs and ids are given again, and the next open
// must rebuild the index rather than skip them or keep the lost text.
TEST_F(SqliteArticleDbTest, IndexAheadOfTheArticlesIsRebuiltOnOpen) {
  for (const char* mark : {"seq", "reindex"}) {
    SCOPED_TRACE(mark);
    const std::string path = PathOf(absl::StrCat(mark, ".db"));
    {
      std::unique_ptr<ArticleDb> db = OpenOrDie(path, OpenMode::kReadWrite);
      ASSERT_NE(db, nullptr);
      ASSERT_TRUE(db->UpsertBatch({MakeArticle("a1", "Kettle hums", "Tea."),
                                   MakeArticle("a2", "Kettle sings", "Tea.")})
                      .ok());
      ASSERT_TRUE(db->WaitForSearchIndex().ok());
    }
    // The index kept what the articles file lost: seq 3 with its text, or
    // reindex rows up to 5.
    if (std::string(mark) == "seq") {
      RawExec(SqliteSearchIndexPath(path),
              "INSERT INTO search_text (seq, title, body, entity_ids) "
              "VALUES (3, 'Ghost lantern', 'Lost.', '');"
              "INSERT INTO articles_fts(rowid, title, body) "
              "VALUES (3, 'Ghost lantern', 'Lost.');"
              "UPDATE indexed SET upto = 3 WHERE name = 'seq';");
    } else {
      RawExec(SqliteSearchIndexPath(path),
              "UPDATE indexed SET upto = 5 WHERE name = 'reindex';");
    }
    std::unique_ptr<ArticleDb> db = OpenOrDie(path, OpenMode::kReadWrite);
    ASSERT_NE(db, nullptr);
    ASSERT_TRUE(db->UpsertBatch({MakeArticle("a3", "Otter swims", "River."),
                                 MakeArticle("a1", "Heron waits", "Reeds.")})
                    .ok());
    EXPECT_EQ(
        WordHits(*db, {"otter", "ghost", "heron", "kettle"}, 100),
        (std::map<std::string, std::vector<std::string>>{{"otter", {"a3"}},
                                                         {"ghost", {}},
                                                         {"heron", {"a1"}},
                                                         {"kettle", {"a2"}}}));
    db.reset();
    ExpectSearchIndexMatchesArticles(path);
  }
}

using WordPairs = ArticleDb::OpenOptions::WordPairs;
using EntityTokens = ArticleDb::OpenOptions::EntityTokens;

// Opens `path` read-write asking for these index forms.
std::unique_ptr<ArticleDb> OpenWithForm(const std::string& path,
                                        WordPairs pairs,
                                        EntityTokens entities) {
  ArticleDb::OpenOptions options;
  options.sqlite_index_word_pairs = pairs;
  options.sqlite_index_entity_tokens = entities;
  absl::StatusOr<std::unique_ptr<ArticleDb>> db =
      ArticleDb::Open(path, OpenMode::kReadWrite, options);
  EXPECT_TRUE(db.ok()) << db.status();
  return db.ok() ? *std::move(db) : nullptr;
}

std::unique_ptr<ArticleDb> OpenWithPairs(const std::string& path,
                                         WordPairs pairs) {
  return OpenWithForm(path, pairs, EntityTokens::kAsIndexed);
}

// Whether the index of the articles file at `path` has pair tokens: the
// form it records in its declaration.
int64_t IndexHasPairs(const std::string& path) {
  return RawInt(SqliteSearchIndexPath(path),
                "SELECT instr(sql, 'newsflow_pairs') > 0 FROM sqlite_schema "
                "WHERE name = 'articles_fts'");
}

std::vector<v1::Article> CommonWordArticles() {
  return {MakeArticle("a1", "Corp loss", "The firm lost money last year."),
          MakeArticle("a2", "Kettle", "The kettle of the firm, last."),
          MakeArticle("a3", "Year", "Last: year of the corp; loss.")};
}

// An index of the other form (words alone, or with pairs) is queried as it
// is by a read-only store and by a read-write one that keeps the form
// (kAsIndexed: the idle merger), and made again in the asked form and
// rebuilt from the articles by a read-write one asking for the other form:
// the same hits either way.
TEST_F(SqliteArticleDbTest, IndexOfTheOtherFormIsRebuiltOnOpen) {
  const std::string path = PathOf("old_index.db");
  // Each query's hits in rank order, with their scores.
  auto hits = [](ArticleDb& db) {
    std::vector<std::string> all;
    for (const char* query :
         {"\"last year\"", "\"the firm\"", "\"corp loss\"", "loss"}) {
      absl::StatusOr<std::vector<SearchHit>> found = db.Search(query, 10);
      EXPECT_TRUE(found.ok()) << found.status();
      std::string line = query;
      for (const SearchHit& hit : found.value_or(std::vector<SearchHit>())) {
        absl::StrAppend(&line, " ", hit.id, "=", hit.score);
      }
      all.push_back(line);
    }
    return all;
  };
  {
    std::unique_ptr<ArticleDb> db = OpenOrDie(path, OpenMode::kReadWrite);
    ASSERT_NE(db, nullptr);
    ASSERT_TRUE(db->UpsertBatch(CommonWordArticles()).ok());
    ASSERT_TRUE(db->WaitForSearchIndex().ok());
  }
  EXPECT_EQ(IndexHasPairs(path), 0);
  std::vector<std::string> old_hits;
  {
    std::unique_ptr<ArticleDb> db = OpenOrDie(path, OpenMode::kReadOnly);
    ASSERT_NE(db, nullptr);
    old_hits = hits(*db);
    EXPECT_EQ(HitIds(db->Search("\"last year\"", 10)),
              (std::vector<std::string>{"a1", "a3"}));
    // "corp; loss": FTS5 skips what is between tokens.
    EXPECT_EQ(HitIds(db->Search("\"corp loss\"", 10)),
              (std::vector<std::string>{"a1", "a3"}));
  }
  for (WordPairs pairs : {WordPairs::kWith, WordPairs::kAsIndexed,
                          WordPairs::kWithout, WordPairs::kAsIndexed}) {
    SCOPED_TRACE(static_cast<int>(pairs));
    std::unique_ptr<ArticleDb> db = OpenWithPairs(path, pairs);
    ASSERT_NE(db, nullptr);
    ASSERT_TRUE(db->WaitForSearchIndex().ok());
    EXPECT_EQ(hits(*db), old_hits);
    db.reset();
    if (pairs != WordPairs::kAsIndexed) {
      EXPECT_EQ(IndexHasPairs(path), pairs == WordPairs::kWith ? 1 : 0);
    }
    ExpectSearchIndexMatchesArticles(path);
  }
  EXPECT_EQ(IndexHasPairs(path), 0);
}

// A read-write open whose form is the index's never rebuilds it: the
// default open and the store's default (words alone) on an index of words,
// and kWith or kAsIndexed on one with pairs. Seen by an index emptied behind
// the store's back (its marks kept): a rebuild would find the articles
// again, as the open asking for the other form does.
TEST_F(SqliteArticleDbTest, OpeningWithTheIndexsFormNeverRebuildsIt) {
  const struct {
    const char* name;
    WordPairs made;
    WordPairs reopened;
    bool rebuilt;
  } cases[] = {
      {"default", WordPairs::kAsIndexed, WordPairs::kAsIndexed, false},
      {"words", WordPairs::kWithout, WordPairs::kWithout, false},
      {"default_then_words", WordPairs::kAsIndexed, WordPairs::kWithout, false},
      {"pairs", WordPairs::kWith, WordPairs::kWith, false},
      {"pairs_as_indexed", WordPairs::kWith, WordPairs::kAsIndexed, false},
      {"words_then_pairs", WordPairs::kWithout, WordPairs::kWith, true},
      {"pairs_then_words", WordPairs::kWith, WordPairs::kWithout, true},
  };
  for (const auto& form : cases) {
    SCOPED_TRACE(form.name);
    const std::string path = PathOf(absl::StrCat(form.name, ".db"));
    {
      std::unique_ptr<ArticleDb> db = OpenWithPairs(path, form.made);
      ASSERT_NE(db, nullptr);
      ASSERT_TRUE(db->UpsertBatch(CommonWordArticles()).ok());
      ASSERT_TRUE(db->WaitForSearchIndex().ok());
    }
    const int64_t had_pairs = IndexHasPairs(path);
    EXPECT_EQ(had_pairs, form.made == WordPairs::kWith ? 1 : 0);
    RawExec(SqliteSearchIndexPath(path),
            "INSERT INTO articles_fts(articles_fts) VALUES ('delete-all')");
    std::unique_ptr<ArticleDb> db = OpenWithPairs(path, form.reopened);
    ASSERT_NE(db, nullptr);
    ASSERT_TRUE(db->WaitForSearchIndex().ok());
    EXPECT_EQ(HitIds(db->Search("kettle", 10)),
              form.rebuilt ? std::vector<std::string>{"a2"}
                           : std::vector<std::string>());
    db.reset();
    EXPECT_EQ(IndexHasPairs(path), form.rebuilt ? 1 - had_pairs : had_pairs);
  }
}

// Hits, their order, scores, snippets and cursors are the same with the
// word pairs as without, for phrases of common words and everything else,
// with and without an entity filter, ranking a window or every match.
TEST_F(SqliteArticleDbTest, WordPairsGiveTheSameHitsScoresAndSnippets) {
  std::vector<v1::Article> articles = {
      MakeArticle("p1", "Corp loss widens",
                  "The corp loss, after the firm said so, was the largest "
                  "of the year. Last year the loss was smaller."),
      MakeArticle("p2", "After the meeting",
                  "Shares rose after the meeting; the the shares fell. "
                  "Sales of the company rose last year"),
      MakeArticle("p3", "Loss",
                  "corp. loss? corp--loss! corp\nloss and a corpus of the "
                  "corp"),
      MakeArticle("p4", "The year of the corp",
                  "last year last year last year"),
      MakeArticle("p5", "Kelp and otters",
                  "Divers mapped the kelp of the bay after the storm of "
                  "last year."),
      MakeArticle("p6", "Café société", "Élan, said the firm"),
      MakeArticle("p7", "Last year", "the firm"),
      MakeArticle("p8", "The corpus", "A corporate loss of the company"),
  };
  for (int copy = 0; copy < 24; ++copy) {
    v1::Article article = articles[static_cast<size_t>(copy % 8)];
    article.set_id(absl::StrCat("c", copy));
    article.set_body(absl::StrCat(article.body(), " The company said ", copy,
                                  " shares of the firm rose last year."));
    articles.push_back(article);
  }
  for (size_t i = 0; i < articles.size(); ++i) {
    if (i % 3 == 0) {
      AddEntity(articles[i], "Kestrel Holdings", v1::ORG, "Kestrel Holdings",
                "org:kestrel", 1, {"Kestrel Holdings"});
    }
  }
  std::map<WordPairs, std::vector<std::string>> pages;
  for (WordPairs pairs : {WordPairs::kWithout, WordPairs::kWith}) {
    const std::string path =
        PathOf(absl::StrCat("pairs", static_cast<int>(pairs), ".db"));
    std::unique_ptr<ArticleDb> db = OpenWithPairs(path, pairs);
    ASSERT_NE(db, nullptr);
    ASSERT_TRUE(db->UpsertBatch(articles).ok());
    ASSERT_TRUE(db->WaitForSearchIndex().ok());
    EXPECT_EQ(IndexHasPairs(path), pairs == WordPairs::kWith ? 1 : 0);
    for (const char* text :
         {"\"corp loss\"", "\"the corp loss\"", "\"last year\"",
          "\"last year last\"", "\"the the shares\"", "\"of the company\"",
          "\"said the firm\"", "\"the firm\"*", "\"last yea\"*", "corp*",
          "corp loss", "\"corp\" + \"loss\"", "last OR year", "the NOT year",
          "NEAR(\"the firm\" \"last year\", 3)", "title:\"the year\"",
          "kelp \"of the bay\"", "shares"}) {
      for (const char* entity : {"", "Kestrel Holdings"}) {
        for (int window : {0, 4}) {
          SearchRequest request;
          request.text = text;
          request.filter.entity = entity;
          request.rank_window = window;
          request.limit = 5;
          absl::StatusOr<std::vector<SearchHit>> hits = db->Search(request);
          std::string page = absl::StrCat(text, " [", entity, "] ", window,
                                          hits.ok() ? "" : ": error");
          for (const SearchHit& hit : hits.value_or(std::vector<SearchHit>())) {
            absl::StrAppend(&page, "\n  ", hit.id, " ", hit.score, " ",
                            hit.cursor, " ", hit.snippet);
          }
          pages[pairs].push_back(page);
        }
      }
    }
  }
  ASSERT_EQ(pages[WordPairs::kWith].size(), pages[WordPairs::kWithout].size());
  for (size_t i = 0; i < pages[WordPairs::kWith].size(); ++i) {
    EXPECT_EQ(pages[WordPairs::kWith][i], pages[WordPairs::kWithout][i]);
  }
  // The queries found something: a comparison of empty pages shows nothing.
  EXPECT_NE(pages[WordPairs::kWith][0].find("p1"), std::string::npos);
}

// Whether the index of the articles file at `path` has entity tokens: the
// form it records in its declaration.
int64_t IndexHasEntityTokens(const std::string& path) {
  return RawInt(SqliteSearchIndexPath(path),
                "SELECT instr(sql, 'entity_ids') > 0 FROM sqlite_schema "
                "WHERE name = 'articles_fts'");
}

// Hits, their order, scores, snippets and cursors are the same with the
// entity tokens as without (and with word pairs or not), for text alone and
// with an entity of one canonical id or of two (an alias both share), on a
// first page, a later one and after a cursor, ranking a window or every
// match; and the text + entity queries use the tokens (no walk of the
// entity's mentions).
TEST_F(SqliteArticleDbTest, EntityTokensGiveTheSameHitsScoresAndSnippets) {
  std::vector<v1::Article> articles;
  const char* bodies[] = {
      "The corp loss, after the firm said so, was the largest of the year.",
      "Shares rose after the meeting; sales of the company rose last year",
      "corp. loss? a corpus of the corp and the kelp of the bay",
      "last year last year the storm of the year",
      "Divers mapped the kelp of the bay after the storm of last year.",
      "Élan, said the firm; café société"};
  for (int i = 0; i < 60; ++i) {
    v1::Article article = MakeArticle(
        absl::StrCat("k", i), i % 4 == 0 ? "Kelp and the firm" : "Corp loss",
        absl::StrCat(bodies[i % 6], " The company said ", i,
                     " shares of the firm rose last year."));
    if (i % 3 == 0) {
      AddEntity(article, "Kestrel Holdings", v1::ORG, "Kestrel Holdings",
                "org:kestrel", 1, {"Kestrel Holdings", "Kestrel"});
    }
    if (i % 4 == 1) {
      AddEntity(article, "Kestrel Air", v1::ORG, "Kestrel Air",
                "org:kestrel-air", 2, {"Kestrel Air", "Kestrel"});
    }
    if (i % 5 == 2) {
      AddEntity(article, "Osprey", v1::PERSON, "Osprey", "per:osprey", 1,
                {"Osprey"});
    }
    articles.push_back(article);
  }
  std::map<std::pair<WordPairs, EntityTokens>, std::vector<std::string>> pages;
  for (WordPairs pairs : {WordPairs::kWithout, WordPairs::kWith}) {
    for (EntityTokens entities :
         {EntityTokens::kWithout, EntityTokens::kWith}) {
      const std::string path =
          PathOf(absl::StrCat("tokens", static_cast<int>(pairs),
                              static_cast<int>(entities), ".db"));
      std::unique_ptr<ArticleDb> db = OpenWithForm(path, pairs, entities);
      ASSERT_NE(db, nullptr);
      ASSERT_TRUE(db->UpsertBatch(articles).ok());
      ASSERT_TRUE(db->WaitForSearchIndex().ok());
      EXPECT_EQ(IndexHasEntityTokens(path),
                entities == EntityTokens::kWith ? 1 : 0);
      const int64_t lookups = SqliteEntityLookupsForTest();
      std::vector<std::string>& form = pages[{pairs, entities}];
      for (const char* text :
           {"\"corp loss\"", "corp loss", "\"last year\" kelp", "corp*",
            "last OR year", "the NOT year",
            "NEAR(\"the firm\" \"last year\", 3)", "title:kelp",
            "kelp \"of the bay\"", "shares", "storm OR café"}) {
        for (const char* entity :
             {"", "Kestrel Holdings", "Kestrel", "Osprey"}) {
          for (int window : {0, 4}) {
            std::string cursor;
            for (int offset : {0, 3, -1}) {
              SearchRequest request;
              request.text = text;
              request.filter.entity = entity;
              request.rank_window = window;
              request.limit = 4;
              if (offset >= 0) request.offset = offset;
              if (offset < 0) request.after = cursor;
              absl::StatusOr<std::vector<SearchHit>> hits = db->Search(request);
              std::string page =
                  absl::StrCat(text, " [", entity, "] ", window, " ", offset,
                               hits.ok() ? "" : ": error");
              for (const SearchHit& hit :
                   hits.value_or(std::vector<SearchHit>())) {
                absl::StrAppend(&page, "\n  ", hit.id, " ", hit.score, " ",
                                hit.cursor, " ", hit.snippet);
                if (offset == 0) cursor = hit.cursor;
              }
              form.push_back(page);
            }
          }
        }
      }
      // With the tokens, no text + entity search walked the mentions' runs.
      if (entities == EntityTokens::kWith) {
        EXPECT_EQ(SqliteEntityLookupsForTest(), lookups);
      }
    }
  }
  const std::vector<std::string>& plain =
      pages[{WordPairs::kWithout, EntityTokens::kWithout}];
  for (const auto& [form, form_pages] : pages) {
    SCOPED_TRACE(absl::StrCat(static_cast<int>(form.first), " ",
                              static_cast<int>(form.second)));
    ASSERT_EQ(form_pages.size(), plain.size());
    for (size_t i = 0; i < plain.size(); ++i) {
      EXPECT_EQ(form_pages[i], plain[i]);
    }
  }
  // The queries found something, with entities too.
  size_t with_entity_hits = 0;
  for (const std::string& page : plain) {
    if (page.find("] ") != std::string::npos &&
        page.find("[]") == std::string::npos &&
        page.find("\n  k") != std::string::npos) {
      ++with_entity_hits;
    }
  }
  EXPECT_GT(with_entity_hits, plain.size() / 4);
}

// An article stored again with other entities and the same text is indexed
// again: its entity tokens follow its mentions.
TEST_F(SqliteArticleDbTest, EntityTokensFollowAnArticlesNewEntities) {
  const std::string path = PathOf("retagged.db");
  std::unique_ptr<ArticleDb> db =
      OpenWithForm(path, WordPairs::kWithout, EntityTokens::kWith);
  ASSERT_NE(db, nullptr);
  v1::Article article = MakeArticle("r1", "Kelp harvest", "The kelp grew.");
  v1::Article other = MakeArticle("r2", "Kelp prices", "Kelp rose.");
  AddEntity(other, "Osprey", v1::PERSON, "Osprey", "per:osprey", 1, {"Osprey"});
  AddEntity(article, "Kestrel", v1::ORG, "Kestrel", "org:kestrel", 1,
            {"Kestrel"});
  ASSERT_TRUE(db->UpsertBatch({article, other}).ok());
  auto search = [&db](const char* entity) {
    SearchRequest request;
    request.text = "kelp";
    request.filter.entity = entity;
    return HitIds(db->Search(request));
  };
  EXPECT_EQ(search("Kestrel"), (std::vector<std::string>{"r1"}));
  article.clear_entities();
  AddEntity(article, "Osprey", v1::PERSON, "Osprey", "per:osprey", 1,
            {"Osprey"});
  ASSERT_TRUE(db->UpsertBatch({article}).ok());
  EXPECT_EQ(search("Kestrel"), std::vector<std::string>());
  EXPECT_EQ(search("Osprey"), (std::vector<std::string>{"r1", "r2"}));
  db.reset();
  ExpectSearchIndexMatchesArticles(path);
}

// An article about kelp naming the company Kestrel (id "org:kestrel").
v1::Article KelpArticleNamingKestrel(const std::string& id,
                                     const std::string& title) {
  v1::Article article = MakeArticle(id, title, "The kelp grew.");
  AddEntity(article, "Kestrel", v1::ORG, "Kestrel", "org:kestrel", 1,
            {"Kestrel"});
  return article;
}

// No query text matches an entity token, even one spelling a token out:
// the same (no) hits as an index without them.
TEST_F(SqliteArticleDbTest, NoTextMatchesAnEntityToken) {
  // The token of "org:kestrel": U+E000 and the id's bytes in hex.
  const std::string token =
      "\xEE\x80\x80"
      "6f72673a6b65737472656c";
  for (EntityTokens entities : {EntityTokens::kWithout, EntityTokens::kWith}) {
    SCOPED_TRACE(static_cast<int>(entities));
    const std::string path =
        PathOf(absl::StrCat("spelled", static_cast<int>(entities), ".db"));
    std::unique_ptr<ArticleDb> db =
        OpenWithForm(path, WordPairs::kWithout, entities);
    ASSERT_NE(db, nullptr);
    ASSERT_TRUE(db->UpsertBatch({KelpArticleNamingKestrel("s1", "Kelp")}).ok());
    EXPECT_EQ(IndexHasEntityTokens(path),
              entities == EntityTokens::kWith ? 1 : 0);
    for (const std::string& text :
         {token, "\"" + token + "\"", token.substr(0, 8) + "*",
          "kelp OR " + token}) {
      SCOPED_TRACE(text);
      SearchRequest request;
      request.text = text;
      EXPECT_EQ(HitIds(db->Search(request)),
                text.rfind("kelp", 0) == 0 ? std::vector<std::string>{"s1"}
                                           : std::vector<std::string>());
      request.filter.entity = "Kestrel";
      EXPECT_EQ(HitIds(db->Search(request)),
                text.rfind("kelp", 0) == 0 ? std::vector<std::string>{"s1"}
                                           : std::vector<std::string>());
    }
  }
}

// A query text of U+E000 marks alone (or with spaces) matches nothing: it
// is no listing of every article.
TEST_F(SqliteArticleDbTest, AMarkAloneIsNoListingOfEverything) {
  const std::string mark = "\xEE\x80\x80";
  for (EntityTokens entities : {EntityTokens::kWithout, EntityTokens::kWith}) {
    SCOPED_TRACE(static_cast<int>(entities));
    const std::string path =
        PathOf(absl::StrCat("markalone", static_cast<int>(entities), ".db"));
    std::unique_ptr<ArticleDb> db =
        OpenWithForm(path, WordPairs::kWithout, entities);
    ASSERT_NE(db, nullptr);
    ASSERT_TRUE(db->UpsertBatch({MakeArticle("m1", "Kelp", "The kelp grew."),
                                 MakeArticle("m2", "Gulls", "Gulls flew.")})
                    .ok());
    for (const std::string& text :
         {mark, mark + " " + mark, " " + mark + " "}) {
      SearchRequest request;
      request.text = text;
      absl::StatusOr<std::vector<SearchHit>> hits = db->Search(request);
      if (hits.ok()) {
        EXPECT_TRUE(hits->empty()) << hits->size() << " hits for a mark";
      } else {
        EXPECT_EQ(hits.status().code(), absl::StatusCode::kInvalidArgument)
            << hits.status();
      }
    }
  }
}

// The mark inside a quoted phrase or before a prefix reads as a space.
TEST_F(SqliteArticleDbTest, AMarkInsideAPhraseOrPrefix) {
  const std::string mark = "\xEE\x80\x80";
  const std::string path = PathOf("markphrase.db");
  std::unique_ptr<ArticleDb> db =
      OpenWithForm(path, WordPairs::kWithout, EntityTokens::kWith);
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(db->UpsertBatch({KelpArticleNamingKestrel("p1", "Kelp")}).ok());
  for (const std::string& text :
       {"\"kelp" + mark + "grew\"", mark + "kel*", "\"" + mark + "kelp\"",
        "kelp" + mark, "\"the kelp\" " + mark + " grew"}) {
    SearchRequest request;
    request.text = text;
    absl::StatusOr<std::vector<SearchHit>> hits = db->Search(request);
    EXPECT_TRUE(hits.ok()) << text << ": " << hits.status();
    if (hits.ok()) {
      EXPECT_EQ(HitIds(hits), std::vector<std::string>{"p1"}) << text;
    }
  }
  // A mark as an operand is a blank operand: the syntax error "kelp OR"
  // gets, not a hit.
  for (const std::string& text :
       {"kelp OR " + mark, mark + " OR kelp", "kelp NOT " + mark}) {
    SearchRequest request;
    request.text = text;
    EXPECT_FALSE(db->Search(request).ok()) << text;
  }
}

// A ")" of a text's own cannot reach the entity column ("zzz) OR
// (\"<token>\"" once escaped a column-filter wrapper): no hit, and no
// token in a snippet.
TEST_F(SqliteArticleDbTest, AParenthesisInATextCannotReachTheEntityColumn) {
  const std::string token =
      "\xEE\x80\x80"
      "6f72673a6b65737472656c";  // org:kestrel
  const std::string path = PathOf("wrapped.db");
  std::unique_ptr<ArticleDb> db =
      OpenWithForm(path, WordPairs::kWithout, EntityTokens::kWith);
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(db->UpsertBatch({KelpArticleNamingKestrel("s1", "Kelp")}).ok());
  SearchRequest request;
  request.text = "zzz) OR (\"" + token + "\"";
  absl::StatusOr<std::vector<SearchHit>> hits = db->Search(request);
  for (const SearchHit& hit : hits.value_or(std::vector<SearchHit>())) {
    ADD_FAILURE() << "hit " << hit.id << " snippet [" << hit.snippet << "]";
    EXPECT_EQ(hit.snippet.find("\xEE\x80\x80"), std::string::npos)
        << "entity token in the snippet";
  }
}

// A read-only store on an index with tokens filters by the tokens (as the
// README says): seen by emptying the mentions the old plan checks (the
// entity catalogue, which gives the ids, stays).
TEST_F(SqliteArticleDbTest, AReadOnlyStoreUsesTheIndexsEntityTokens) {
  const std::string path = PathOf("readonly.db");
  {
    std::unique_ptr<ArticleDb> db =
        OpenWithForm(path, WordPairs::kWithout, EntityTokens::kWith);
    ASSERT_NE(db, nullptr);
    ASSERT_TRUE(
        db->UpsertBatch({KelpArticleNamingKestrel("r1", "Kelp harvest")}).ok());
    ASSERT_TRUE(db->WaitForSearchIndex().ok());
  }
  RawExec(path, "DELETE FROM mentions");
  std::unique_ptr<ArticleDb> db = OpenOrDie(path, OpenMode::kReadOnly);
  ASSERT_NE(db, nullptr);
  SearchRequest request;
  request.text = "kelp";
  request.filter.entity = "Kestrel";
  // The old plan would walk the (now empty) mentions and find nothing.
  EXPECT_EQ(HitIds(db->Search(request)), std::vector<std::string>{"r1"});
}

// A read-write open keeping the index's entity form never rebuilds it
// (kAsIndexed: the default, the store's unless asked); asking for the other
// form does. A new index has the tokens. Seen as in
// OpeningWithTheIndexsFormNeverRebuildsIt.
TEST_F(SqliteArticleDbTest, OpeningKeepsTheIndexsEntityForm) {
  const struct {
    const char* name;
    EntityTokens made;
    EntityTokens reopened;
    bool had;
    bool rebuilt;
  } cases[] = {
      {"new", EntityTokens::kAsIndexed, EntityTokens::kAsIndexed, true, false},
      {"with", EntityTokens::kWith, EntityTokens::kWith, true, false},
      {"without", EntityTokens::kWithout, EntityTokens::kAsIndexed, false,
       false},
      {"without_again", EntityTokens::kWithout, EntityTokens::kWithout, false,
       false},
      {"add", EntityTokens::kWithout, EntityTokens::kWith, false, true},
      {"drop", EntityTokens::kAsIndexed, EntityTokens::kWithout, true, true},
  };
  for (const auto& form : cases) {
    SCOPED_TRACE(form.name);
    const std::string path = PathOf(absl::StrCat(form.name, ".db"));
    {
      std::unique_ptr<ArticleDb> db =
          OpenWithForm(path, WordPairs::kAsIndexed, form.made);
      ASSERT_NE(db, nullptr);
      ASSERT_TRUE(db->UpsertBatch(CommonWordArticles()).ok());
      ASSERT_TRUE(db->WaitForSearchIndex().ok());
    }
    EXPECT_EQ(IndexHasEntityTokens(path), form.had ? 1 : 0);
    RawExec(SqliteSearchIndexPath(path),
            "INSERT INTO articles_fts(articles_fts) VALUES ('delete-all')");
    std::unique_ptr<ArticleDb> db =
        OpenWithForm(path, WordPairs::kAsIndexed, form.reopened);
    ASSERT_NE(db, nullptr);
    ASSERT_TRUE(db->WaitForSearchIndex().ok());
    EXPECT_EQ(HitIds(db->Search("kettle", 10)),
              form.rebuilt ? std::vector<std::string>{"a2"}
                           : std::vector<std::string>());
    db.reset();
    EXPECT_EQ(IndexHasEntityTokens(path), form.had != form.rebuilt ? 1 : 0);
  }
}

// The serialized article is stored without its title and body (they are
// the row's columns; storing them twice doubled what a commit writes), and
// every reader gets the article back whole: a title or body set, set to ""
// or never set each comes back as it was.
TEST_F(SqliteArticleDbTest, StoredArticleKeepsItsTextOnceAndReadsBackWhole) {
  const std::string path = PathOf("news.db");
  std::unique_ptr<ArticleDb> db = OpenOrDie(path, OpenMode::kReadWrite);
  ASSERT_NE(db, nullptr);
  v1::Article full =
      MakeArticle("full", "Quarry reopens", std::string(2000, 'q') + " slate");
  v1::Article empty = MakeArticle("empty", "", "");
  v1::Article unset = MakeArticle("unset", "x", "y");
  unset.clear_title();
  unset.clear_body();
  ASSERT_TRUE(db->UpsertBatch({full, empty, unset}).ok());
  EXPECT_LT(RawInt(path,
                   "SELECT length(article) FROM articles WHERE id = "
                   "'full'"),
            500);
  for (const v1::Article& article : {full, empty, unset}) {
    SCOPED_TRACE(article.id());
    absl::StatusOr<StoredArticle> stored = db->Get(article.id());
    ASSERT_TRUE(stored.ok()) << stored.status();
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(
        stored->article, article));
  }
  std::vector<v1::Article> all;
  ASSERT_TRUE(db->ForEach(ArticleFilter(), [&](const v1::Article& article) {
                  all.push_back(article);
                  return absl::OkStatus();
                }).ok());
  ASSERT_EQ(all.size(), 3u);
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(all[0], full));
  EXPECT_TRUE(
      google::protobuf::util::MessageDifferencer::Equals(all[1], empty));
  EXPECT_TRUE(
      google::protobuf::util::MessageDifferencer::Equals(all[2], unset));
  // Stored again unchanged: only touched, nothing to index again.
  ASSERT_TRUE(db->UpsertBatch({full}).ok());
  EXPECT_EQ(RawInt(path, "SELECT count(*) FROM reindex"), 0);
  EXPECT_EQ(HitIds(db->Search("quarry", 10)),
            (std::vector<std::string>{"full"}));
}

// A small store commit that leaves the WAL past SQLite's automatic
// checkpoint (1,000 pages) asks the checkpoint thread to copy it into the
// file instead of copying it inside the commit: the store's thread never
// writes the articles file itself, and another thread does. Twenty batches
// of 25 articles of 16 KB write about 2,100 pages, about 105 a commit,
// below the store's own backstop (4,000 pages). The commits themselves
// must ask (hand_overs): the indexer also asks after each of its steps.
TEST_F(SqliteArticleDbTest, SmallCommitsLeaveCheckpointsToTheCheckpointThread) {
  DiskFullVfs vfs;
  const std::string path = PathOf("news.db");
  std::mutex mu;
  int store_thread_writes = 0;
  int other_writes = 0;
  std::atomic<bool> counting{false};
  const std::thread::id store_thread = std::this_thread::get_id();
  // Installed before the store's threads start, which read it.
  on_news_db_write = [&] {
    if (!counting) return;
    std::lock_guard<std::mutex> lock(mu);
    ++(std::this_thread::get_id() == store_thread ? store_thread_writes
                                                  : other_writes);
  };
  std::unique_ptr<ArticleDb> db = OpenOrDie(path, OpenMode::kReadWrite);
  ASSERT_NE(db, nullptr);
  counting = true;
  const SqliteCheckpointCounts before = SqliteCheckpointCountsForTest();
  const std::string body = PseudoRandomBytes(16 * 1024);
  std::string text;
  for (const char c : body) text.push_back(static_cast<char>('a' + (c & 15)));
  for (int batch = 0; batch < 20; ++batch) {
    std::vector<v1::Article> articles;
    for (int i = 0; i < 25; ++i) {
      articles.push_back(MakeArticle(absl::StrCat("a", batch, "-", i),
                                     absl::StrCat("Title ", i), text));
    }
    ASSERT_TRUE(db->UpsertBatch(articles).ok());
  }
  const SqliteCheckpointCounts small = SqliteCheckpointCountsForTest();
  EXPECT_GT(small.hand_overs, before.hand_overs);
  EXPECT_EQ(small.inline_checkpoints, before.inline_checkpoints);
  for (int wait = 0; wait < 200; ++wait) {
    {
      std::lock_guard<std::mutex> lock(mu);
      if (other_writes > 0) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  {
    std::lock_guard<std::mutex> lock(mu);
    EXPECT_EQ(store_thread_writes, 0);
    EXPECT_GT(other_writes, 0);
  }
  EXPECT_EQ(CountOrDie(*db), 500);
  // Cleared once no other thread can be writing.
  db.reset();
  on_news_db_write = nullptr;
}

// A 16 KB article of letters; `seed` varies it.
std::string LettersText(int seed) {
  const std::string bytes = PseudoRandomBytes(16 * 1024 + seed);
  std::string text;
  for (const char c : bytes) text.push_back(static_cast<char>('a' + (c & 15)));
  return text;
}

// Back-to-back commits of over 1,000 pages hand their checkpoints to the
// checkpoint thread too (the store's thread never writes the articles
// file), and each next batch waits for that checkpoint before it begins,
// so that the WAL restarts there: it never holds more than two batches
// (a WAL file keeps its largest size on disk). Handed over without the
// wait, it grew by a batch per commit up to the backstop (4,000 pages).
// 300 articles of 16 KB write about 1,250 pages.
TEST_F(SqliteArticleDbTest,
       BigCommitsLeaveCheckpointsToTheThreadAndTheWalRestarts) {
  DiskFullVfs vfs;
  const std::string path = PathOf("news.db");
  std::atomic<int> store_thread_writes{0};
  std::atomic<bool> counting{false};
  const std::thread::id store_thread = std::this_thread::get_id();
  on_news_db_write = [&] {
    if (counting && std::this_thread::get_id() == store_thread) {
      ++store_thread_writes;
    }
  };
  std::unique_ptr<ArticleDb> db = OpenOrDie(path, OpenMode::kReadWrite);
  ASSERT_NE(db, nullptr);
  counting = true;
  const std::string text = LettersText(0);
  const SqliteCheckpointCounts before = SqliteCheckpointCountsForTest();
  constexpr int kBatches = 6;
  constexpr int64_t kBatchBytes = 300 * 16 * 1024;
  for (int batch = 0; batch < kBatches; ++batch) {
    std::vector<v1::Article> articles;
    for (int i = 0; i < 300; ++i) {
      articles.push_back(MakeArticle(absl::StrCat("b", batch, "-", i),
                                     absl::StrCat("Title ", i), text));
    }
    ASSERT_TRUE(db->UpsertBatch(articles).ok());
    std::error_code error;
    const auto wal_bytes =
        static_cast<int64_t>(std::filesystem::file_size(path + "-wal", error));
    ASSERT_FALSE(error) << error.message();
    // Two batches at most: the indexer's read of the last batch may keep a
    // checkpoint from reaching its end, and the WAL then restarts a batch
    // later.
    EXPECT_LT(wal_bytes, 3 * kBatchBytes) << "after batch " << batch;
    // A reader holding its snapshot longer than the checkpoint thread
    // retries lets the WAL grow (documented; ReaderSnapshotLetsTheWalGrow-
    // UntilItEnds): on a loaded machine the indexer's read of a batch can,
    // so each batch waits for it here, and the bound is the store's own.
    ASSERT_TRUE(db->WaitForSearchIndex().ok());
  }
  const SqliteCheckpointCounts after = SqliteCheckpointCountsForTest();
  EXPECT_EQ(after.inline_checkpoints, before.inline_checkpoints);
  EXPECT_GE(after.hand_overs - before.hand_overs, kBatches);
  EXPECT_EQ(store_thread_writes, 0);
  EXPECT_EQ(CountOrDie(*db), 300 * kBatches);
  // Cleared once no other thread can be writing.
  db.reset();
  on_news_db_write = nullptr;
}

// A checkpoint that fails (here the disk is full for the articles file
// alone, inside a commit and on the checkpoint thread) is reported by
// WaitForSearchIndex, naming the file and SQLite's error, and no article
// is lost or refused: they are in the WAL. The next checkpoint that
// succeeds clears it.
TEST_F(SqliteArticleDbTest, FailedCheckpointsAreReportedAndLoseNothing) {
  DiskFullVfs vfs;
  const std::string path = PathOf("news.db");
  std::unique_ptr<ArticleDb> db = OpenOrDie(path, OpenMode::kReadWrite);
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(db->WaitForSearchIndex().ok());
  const std::string text = LettersText(1);
  news_db_full = true;
  int stored = 0;
  auto store = [&](int articles) {
    std::vector<v1::Article> batch;
    for (int i = 0; i < articles; ++i) {
      batch.push_back(MakeArticle(absl::StrCat("f", stored++),
                                  absl::StrCat("Gannet ", i), text));
    }
    return db->UpsertBatch(batch);
  };
  // One commit over the threshold, then small ones (all handed to the
  // checkpoint thread).
  ASSERT_TRUE(store(300).ok());
  for (int batch = 0; batch < 5; ++batch) ASSERT_TRUE(store(25).ok());
  // Failures on the checkpoint thread may come after the commits return.
  absl::Status status = db->WaitForSearchIndex();
  for (int wait = 0; wait < 100 && status.ok(); ++wait) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    status = db->WaitForSearchIndex();
  }
  EXPECT_FALSE(status.ok());
  EXPECT_THAT(std::string(status.message()), HasSubstr(path));
  EXPECT_THAT(std::string(status.message()),
              HasSubstr(sqlite3_errstr(SQLITE_FULL)));
  // Searches still work, and every article is there.
  EXPECT_EQ(HitIds(db->Search("gannet", 1000)).size(),
            static_cast<size_t>(stored));
  EXPECT_EQ(CountOrDie(*db), stored);
  news_db_full = false;
  ASSERT_TRUE(store(300).ok());
  // A checkpoint running on the other thread may have kept the commit's
  // own from running; the thread's next one succeeds.
  for (int wait = 0; wait < 100 && !db->WaitForSearchIndex().ok(); ++wait) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(db->WaitForSearchIndex().ok());
  EXPECT_EQ(CountOrDie(*db), stored);
  db.reset();  // Before the VFS goes away.
  std::unique_ptr<ArticleDb> reopened = OpenOrDie(path, OpenMode::kReadWrite);
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(CountOrDie(*reopened), stored);
}

std::string RawArticleBlobHex(const std::string& path, const std::string& id) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* statement = nullptr;
  const std::string sql =
      "SELECT hex(article) FROM articles WHERE id = '" + id + "'";
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr),
            SQLITE_OK);
  std::string value;
  if (sqlite3_step(statement) == SQLITE_ROW) {
    value = reinterpret_cast<const char*>(sqlite3_column_text(statement, 0));
  }
  sqlite3_finalize(statement);
  sqlite3_close(db);
  return value;
}

// 300 articles of 16 KB: a commit of about 1,250 pages.
std::vector<v1::Article> BigBatch(const std::string& prefix,
                                  const std::string& text) {
  std::vector<v1::Article> articles;
  for (int i = 0; i < 300; ++i) {
    articles.push_back(MakeArticle(absl::StrCat(prefix, "-", i),
                                   absl::StrCat("Title ", i), text));
  }
  return articles;
}
constexpr int64_t kBigBatchBytes = 300 * 16 * 1024;

// Re-deliveries of an unchanged article with a metadata map of several
// entries leave its stored bytes alone. protobuf seeds each map's hash
// per map, so each parsed copy serialized its map in its own order by
// default: the article was rewritten on 19 of 19 re-deliveries (review
// 14e).
TEST_F(SqliteArticleDbTest, UnchangedArticleWithMetadataIsNotRewritten) {
  const std::string path = PathOf("news.db");
  std::unique_ptr<ArticleDb> db = OpenOrDie(path, OpenMode::kReadWrite);
  ASSERT_NE(db, nullptr);
  v1::Article article = MakeArticle("m", "Title", "Body text here");
  for (int i = 0; i < 6; ++i) {
    (*article.mutable_metadata())[absl::StrCat("key", i)] =
        absl::StrCat("value", i);
  }
  std::string wire;
  ASSERT_TRUE(article.SerializeToString(&wire));
  int rewrites = 0;
  std::string last;
  for (int delivery = 0; delivery < 20; ++delivery) {
    v1::Article copy;
    ASSERT_TRUE(copy.ParseFromString(wire));
    ASSERT_TRUE(db->UpsertBatch({copy}).ok());
    const std::string bytes = RawArticleBlobHex(path, "m");
    if (delivery > 0 && bytes != last) ++rewrites;
    last = bytes;
  }
  EXPECT_EQ(rewrites, 0) << "unchanged article re-stored " << rewrites
                         << " times in 19 re-deliveries";
}

// A new article's row is inserted without reading the id first (most of a
// stream is new); an id already stored is read once, and then updated in
// place (its changed text, its seq kept) or, unchanged, only touched.
TEST_F(SqliteArticleDbTest, NewArticlesAreInsertedWithoutReadingThemFirst) {
  const std::string path = PathOf("news.db");
  std::unique_ptr<ArticleDb> db = OpenOrDie(path, OpenMode::kReadWrite);
  ASSERT_NE(db, nullptr);
  std::vector<v1::Article> batch;
  for (int i = 0; i < 5; ++i) {
    batch.push_back(MakeArticle(absl::StrCat("n", i), absl::StrCat("Title ", i),
                                "Some body words"));
  }
  int64_t reads = SqliteStoredArticleReadsForTest();
  ASSERT_TRUE(db->UpsertBatch(batch).ok());
  EXPECT_EQ(SqliteStoredArticleReadsForTest() - reads, 0);
  v1::Article changed = batch[1];
  changed.set_title("A new title");
  reads = SqliteStoredArticleReadsForTest();
  ASSERT_TRUE(db->UpsertBatch({batch[0], changed,
                               MakeArticle("n5", "Title 5", "More words")})
                  .ok());
  EXPECT_EQ(SqliteStoredArticleReadsForTest() - reads, 2);
  EXPECT_EQ(CountOrDie(*db), 6);
  absl::StatusOr<StoredArticle> stored = db->Get("n1");
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->article.title(), "A new title");
  ASSERT_TRUE(db->WaitForSearchIndex().ok());
  SearchRequest request;
  request.text = "new title";
  absl::StatusOr<std::vector<SearchHit>> hits = db->Search(request);
  ASSERT_TRUE(hits.ok()) << hits.status();
  ASSERT_EQ(hits->size(), 1u);
  EXPECT_EQ((*hits)[0].id, "n1");
}

// Unknown fields that carry the title's or body's number with another
// wire type (a foreign or malformed producer) are stored and given back:
// only a length-delimited field of those numbers is the text kept apart.
TEST_F(SqliteArticleDbTest, UnknownFieldsWithTextFieldNumbersSurvive) {
  const std::string path = PathOf("news.db");
  std::unique_ptr<ArticleDb> db = OpenOrDie(path, OpenMode::kReadWrite);
  ASSERT_NE(db, nullptr);
  v1::Article article = MakeArticle("u", "Title", "Body");
  article.mutable_unknown_fields()->AddVarint(v1::Article::kTitleFieldNumber,
                                              300);
  article.mutable_unknown_fields()->AddFixed32(v1::Article::kBodyFieldNumber,
                                               7);
  ASSERT_TRUE(db->UpsertBatch({article}).ok());
  absl::StatusOr<StoredArticle> stored = db->Get("u");
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->article.unknown_fields().field_count(), 2);
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(
      stored->article, article));
}

// A reader holding a snapshot (a query process, an export) keeps every
// checkpoint from copying the frames after it: the WAL is neither synced
// nor restarted and grows past the backstop while it reads (the README's
// limit, the old inline checkpoint the same). Once it ends, the next big
// batch's checkpoint copies and syncs them all and the batch restarts the
// WAL: it does not grow, even when the store's own indexer is in the middle
// of a short read (an older snapshot) as that checkpoint begins, which the
// checkpoint thread waits out. Before, after a reader had outlasted its
// retries, it did not, and the next batch was appended (session 16's gap).
// With `slow_first_copy` every write to the articles file takes 80 us while
// the first batch after the reader commits (a slow disk): that copy of the
// reader's frames outlasts the retry window, which must count from its end.
void ExpectWalRestartsAfterALongReader(const std::string& path,
                                       bool slow_first_copy) {
  // Before the store: its indexer may call the hooks until it stops.
  std::atomic<bool> indexer_reading{false};
  std::atomic<bool> slow_disk{false};
  on_news_db_write = [&] {
    if (slow_disk) std::this_thread::sleep_for(std::chrono::microseconds(80));
  };
  std::unique_ptr<ArticleDb> db = OpenOrDie(path, OpenMode::kReadWrite);
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(db->UpsertBatch({MakeArticle("first", "First", "one")}).ok());
  ASSERT_TRUE(db->WaitForSearchIndex().ok());
  sqlite3* reader = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &reader), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(reader, "BEGIN; SELECT count(*) FROM articles;",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  const std::string text = LettersText(2);
  const auto wal_size = [&] {
    std::error_code error;
    return static_cast<int64_t>(
        std::filesystem::file_size(path + "-wal", error));
  };
  for (int batch = 0; batch < 5; ++batch) {
    ASSERT_TRUE(db->UpsertBatch(BigBatch(absl::StrCat("r", batch), text)).ok());
  }
  // The indexer's next read (of the article below) holds its snapshot for
  // 200 ms, and another article is committed meanwhile, so that its
  // snapshot is older than the WAL's end when the reader ends and the next
  // big batch asks for its checkpoint (kFramesLeftRetryMs is 250 ms).
  ASSERT_TRUE(db->WaitForSearchIndex().ok());
  news_read_begin_exempt = std::this_thread::get_id();
  on_news_read_begin = [&] {
    indexer_reading = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  };
  news_read_begin_armed = true;
  ASSERT_TRUE(db->UpsertBatch({MakeArticle("a", "A", "two")}).ok());
  for (int wait = 0; wait < 5000 && !indexer_reading; ++wait) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_TRUE(indexer_reading.load());
  ASSERT_TRUE(db->UpsertBatch({MakeArticle("b", "B", "three")}).ok());
  const int64_t wal_while_read = wal_size();
  EXPECT_GT(wal_while_read, 4 * kBigBatchBytes);
  slow_disk = slow_first_copy;
  sqlite3_exec(reader, "COMMIT", nullptr, nullptr, nullptr);
  sqlite3_close(reader);
  const int syncs_while_read = news_wal_syncs.load();
  for (int batch = 5; batch < 9; ++batch) {
    ASSERT_TRUE(db->UpsertBatch(BigBatch(absl::StrCat("r", batch), text)).ok());
    slow_disk = false;
    // As in the big-commit test: an indexer read outlasting the checkpoint
    // thread's retries would let the WAL restart a batch later under load
    // (1 failure in CI at 1.01 times the bound); the bound is the store's.
    ASSERT_TRUE(db->WaitForSearchIndex().ok());
  }
  EXPECT_GT(news_wal_syncs.load(), syncs_while_read);
  // The batch after the reader restarts the WAL (a quarter of a batch's
  // articles for slack; a batch appended instead adds a whole batch plus
  // its catalogue pages, and a WAL that never restarts four).
  EXPECT_LE(wal_size(), wal_while_read + kBigBatchBytes / 4)
      << "WAL while read " << wal_while_read;
  EXPECT_EQ(CountOrDie(*db), 3 + 9 * 300);
  // Cleared once no other thread can be calling them.
  db.reset();
  on_news_read_begin = nullptr;
  on_news_db_write = nullptr;
}

TEST_F(SqliteArticleDbTest, ReaderSnapshotLetsTheWalGrowUntilItEnds) {
  DiskFullVfs vfs;
  ExpectWalRestartsAfterALongReader(PathOf("news.db"),
                                    /*slow_first_copy=*/false);
}

TEST_F(SqliteArticleDbTest, ASlowFirstCopyAfterALongReaderStillRestartsTheWal) {
  DiskFullVfs vfs;
  ExpectWalRestartsAfterALongReader(PathOf("news.db"),
                                    /*slow_first_copy=*/true);
}

// Once a long reader (an export) has outlasted the checkpoint thread's
// retries, checkpoints are not retried for frames left, so that the store
// does not wait that long at each big batch. Big batches
// streamed back to back (the indexer reading one batch while the next
// arrives) must not each wait for kFramesLeftRetryMs of retries of a
// checkpoint the reader keeps from finishing.
TEST_F(SqliteArticleDbTest,
       BigBatchesAfterAnOutlastingReaderDoNotEachWaitRetries) {
  DiskFullVfs vfs;
  const std::string path = PathOf("news.db");
  std::unique_ptr<ArticleDb> db = OpenOrDie(path, OpenMode::kReadWrite);
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(db->UpsertBatch({MakeArticle("first", "First", "one")}).ok());
  ASSERT_TRUE(db->WaitForSearchIndex().ok());
  sqlite3* reader = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &reader), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(reader, "BEGIN; SELECT count(*) FROM articles;",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  const std::string text = LettersText(2);
  // The reader outlasts the retries (the index idle meanwhile).
  for (int batch = 0; batch < 2; ++batch) {
    ASSERT_TRUE(db->UpsertBatch(BigBatch(absl::StrCat("r", batch), text)).ok());
    ASSERT_TRUE(db->WaitForSearchIndex().ok());
  }
  const int locks_before = news_checkpoint_locks.load();
  std::string durations;
  int64_t total_ms = 0;
  constexpr int kBatches = 8;
  for (int batch = 2; batch < 2 + kBatches; ++batch) {
    const absl::Time begin = absl::Now();
    ASSERT_TRUE(db->UpsertBatch(BigBatch(absl::StrCat("r", batch), text)).ok());
    const int64_t ms = absl::ToInt64Milliseconds(absl::Now() - begin);
    total_ms += ms;
    absl::StrAppend(&durations, ms, " ");
  }
  const int attempts = news_checkpoint_locks.load() - locks_before;
  ASSERT_TRUE(db->WaitForSearchIndex().ok());
  sqlite3_exec(reader, "COMMIT", nullptr, nullptr, nullptr);
  sqlite3_close(reader);
  std::cerr << "checkpoint attempts " << attempts << ", UpsertBatch ms "
            << durations << "(total " << total_ms << ")\n";
  // A checkpoint request or two a batch, plus the indexer's after each of
  // its steps: a few attempts each, not a retry every millisecond.
  EXPECT_LE(attempts, 10 * kBatches) << durations;
}

// The indexer's read of the articles file ends at its COMMIT. Its wait
// afterwards for the search index's write lock (up to the busy timeout,
// while another indexer, a second store replica on the same file, holds
// it) is no read: counted as one, the checkpoint thread, having copied
// every frame, retried every millisecond for kFramesLeftRetryMs while a
// big batch waited for it on the store thread.
TEST_F(SqliteArticleDbTest,
       AnIndexerWaitingForTheIndexLockIsNotReadingArticles) {
  DiskFullVfs vfs;
  const std::string path = PathOf("news.db");
  std::unique_ptr<ArticleDb> db = OpenOrDie(path, OpenMode::kReadWrite);
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(db->UpsertBatch({MakeArticle("first", "First", "one")}).ok());
  ASSERT_TRUE(db->WaitForSearchIndex().ok());
  // Another writer of the search index (another replica's indexer).
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(SqliteSearchIndexPath(path).c_str(), &other),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other,
                         "BEGIN IMMEDIATE; "
                         "UPDATE indexed SET upto = upto WHERE name = 'seq'",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  ASSERT_TRUE(db->UpsertBatch({MakeArticle("x", "X", "two")}).ok());
  // The indexer reads "x" and then waits for the index's write lock.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const std::string text = LettersText(2);
  const int locks_before = news_checkpoint_locks.load();
  const absl::Time begin = absl::Now();
  ASSERT_TRUE(db->UpsertBatch(BigBatch("big", text)).ok());
  const int64_t ms = absl::ToInt64Milliseconds(absl::Now() - begin);
  const int attempts = news_checkpoint_locks.load() - locks_before;
  sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(other);
  ASSERT_TRUE(db->WaitForSearchIndex().ok());
  std::cerr << "big batch " << ms << " ms, checkpoint attempts " << attempts
            << "\n";
  EXPECT_LE(attempts, 20) << "the big batch took " << ms << " ms";
  EXPECT_EQ(CountOrDie(*db), 302);
}

// insert-first rows with ids differing
// only in case or after a NUL byte, one id twice in a batch, a changed
// re-delivery and an older version after a newer one (the last delivered
// wins, as before the change); entity counts not doubled, search sees each
// article once, ForEach keeps first-stored order.
TEST_F(SqliteArticleDbTest,
       InsertFirstKeepsIdsThatDifferInCaseOrAfterANulApart) {
  const std::string path = PathOf("news.db");
  std::unique_ptr<ArticleDb> db = OpenOrDie(path, OpenMode::kReadWrite);
  ASSERT_NE(db, nullptr);
  const std::string nul_a("n\0a", 3);
  const std::string nul_b("n\0b", 3);
  v1::Article abc = MakeArticle("Abc", "Oldtitle", "common words");
  AddEntity(abc, "Sirte", v1::LOC, "Sirte", "loc:sirte", 2, {"Sirte"});
  ASSERT_TRUE(db->UpsertBatch({abc, MakeArticle("abc", "Lower", "common words"),
                               MakeArticle(nul_a, "Nula", "common words"),
                               MakeArticle(nul_b, "Nulb", "common words"),
                               MakeArticle("n", "Plain", "common words")})
                  .ok());
  EXPECT_EQ(CountOrDie(*db), 5);
  v1::Article newer = MakeArticle("Abc", "Newesttitle", "common words");
  AddEntity(newer, "Sirte", v1::LOC, "Sirte", "loc:sirte", 1, {"Sirte"});
  v1::Article nul_changed = MakeArticle(nul_a, "Nulchanged", "common words");
  ASSERT_TRUE(db->UpsertBatch({abc, newer, nul_changed,
                               MakeArticle("z", "Zed", "common words")})
                  .ok());
  EXPECT_EQ(CountOrDie(*db), 6);
  EXPECT_EQ(db->Get("Abc")->article.title(), "Newesttitle");
  EXPECT_EQ(db->Get("abc")->article.title(), "Lower");
  EXPECT_EQ(db->Get(nul_a)->article.title(), "Nulchanged");
  EXPECT_EQ(db->Get(nul_b)->article.title(), "Nulb");
  EXPECT_EQ(db->Get("n")->article.title(), "Plain");
  absl::StatusOr<std::vector<EntityInfo>> entities = db->Entities({});
  ASSERT_TRUE(entities.ok()) << entities.status();
  ASSERT_EQ(entities->size(), 1u);
  EXPECT_EQ((*entities)[0].entity.article_count, 1);
  EXPECT_EQ((*entities)[0].mention_count, 1);
  ASSERT_TRUE(db->WaitForSearchIndex().ok());
  absl::StatusOr<std::vector<SearchHit>> all = db->Search("common", 100);
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ(all->size(), 6u);
  EXPECT_EQ(HitIds(db->Search("Newesttitle", 10)),
            (std::vector<std::string>{"Abc"}));
  EXPECT_TRUE(HitIds(db->Search("Oldtitle", 10)).empty());
  EXPECT_EQ(HitIds(db->Search("Nulchanged", 10)),
            (std::vector<std::string>{nul_a}));
  // An older version after a newer one: stored (last delivered wins).
  ASSERT_TRUE(db->UpsertBatch({abc}).ok());
  EXPECT_EQ(db->Get("Abc")->article.title(), "Oldtitle");
  entities = db->Entities({});
  ASSERT_TRUE(entities.ok());
  ASSERT_EQ(entities->size(), 1u);
  EXPECT_EQ((*entities)[0].entity.article_count, 1);
  EXPECT_EQ((*entities)[0].mention_count, 2);
  std::vector<v1::Article> exported = ExportAll(*db);
  ASSERT_EQ(exported.size(), 6u);
  EXPECT_EQ(exported[0].id(), "Abc");
  EXPECT_EQ(exported[5].id(), "z");
}

// Two store replicas (two ArticleDb handles) on one file, big batches in
// turn: each big batch waits for a checkpoint of what the WAL holds,
// whichever handle wrote it, and a checkpoint that finds the other
// handle's running tries again, so the WAL stays within the backstop and
// a batch. Each handle waited for its own checkpoint only, which the
// other's made BUSY: the WAL grew to 26-41 MB in 20 batches (review 14e).
TEST_F(SqliteArticleDbTest, TwoHandlesOnOneFileKeepTheWalBounded) {
  constexpr int kBatches = 20;
  const std::string path = PathOf("news.db");
  std::unique_ptr<ArticleDb> a = OpenOrDie(path, OpenMode::kReadWrite);
  std::unique_ptr<ArticleDb> b = OpenOrDie(path, OpenMode::kReadWrite);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  const std::string text = LettersText(3);
  int64_t max_wal = 0;
  for (int batch = 0; batch < kBatches; ++batch) {
    ASSERT_TRUE((batch % 2 == 0 ? a : b)
                    ->UpsertBatch(BigBatch(absl::StrCat("t", batch), text))
                    .ok());
    std::error_code error;
    max_wal = std::max<int64_t>(
        max_wal,
        static_cast<int64_t>(std::filesystem::file_size(path + "-wal", error)));
  }
  // The backstop: 4,000 pages of 4 KB.
  EXPECT_LT(max_wal, 4000 * 4096 + kBigBatchBytes) << "max WAL " << max_wal;
  EXPECT_EQ(CountOrDie(*a), 300 * kBatches);
  b.reset();
  a.reset();
}

// Closing right after a big commit whose checkpoint is still pending
// neither hangs nor loses anything.
TEST_F(SqliteArticleDbTest, ClosingWithACheckpointPendingLosesNothing) {
  const std::string path = PathOf("news.db");
  const std::string text = LettersText(4);
  for (int round = 0; round < 3; ++round) {
    std::unique_ptr<ArticleDb> db = OpenOrDie(path, OpenMode::kReadWrite);
    ASSERT_NE(db, nullptr);
    ASSERT_TRUE(db->UpsertBatch(BigBatch(absl::StrCat("c", round), text)).ok());
    db.reset();
  }
  std::unique_ptr<ArticleDb> db = OpenOrDie(path, OpenMode::kReadWrite);
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(CountOrDie(*db), 900);
}

// With no reader but the store's own indexer, a big batch begins only
// after the last big batch's WAL frames were synced (by its checkpoint):
// the checkpoint thread tries again while the indexer's read keeps frames
// from being copied.
TEST_F(SqliteArticleDbTest, BigBatchBeginsOnlyAfterTheLastOnesWalSync) {
  DiskFullVfs vfs;
  const std::string path = PathOf("news.db");
  std::unique_ptr<ArticleDb> db = OpenOrDie(path, OpenMode::kReadWrite);
  ASSERT_NE(db, nullptr);
  const std::string text = LettersText(5);
  unsynced_wal_batch_starts = 0;
  for (int batch = 0; batch < 10; ++batch) {
    news_wal_batch_starting = batch > 0;
    ASSERT_TRUE(db->UpsertBatch(BigBatch(absl::StrCat("n", batch), text)).ok());
  }
  news_wal_batch_starting = false;
  EXPECT_EQ(unsynced_wal_batch_starts, 0)
      << unsynced_wal_batch_starts << " of 9 batches began to write the WAL "
      << "before the previous big batch's frames were synced";
  db.reset();
}

// Entity filters of listings are planned three ways (the entity's time
// index when nothing else filters; else by how many articles the entity is
// in, its mentions gathered or each article visited probed); every plan
// must give the same hits in the same order and pages. 2,100
// articles: one entity in all of them (probed), one in every 500th
// (gathered); text searches with either entity count every match.
TEST_F(SqliteArticleDbTest, EntityFiltersGiveTheSameHitsWhicheverSideDrives) {
  std::unique_ptr<ArticleDb> db =
      OpenOrDie(PathOf("news.db"), OpenMode::kReadWrite);
  ASSERT_NE(db, nullptr);
  constexpr int kArticles = 2100;
  std::vector<v1::Article> batch;
  for (int i = 0; i < kArticles; ++i) {
    v1::Article article =
        MakeArticle(absl::StrFormat("a%04d", i), absl::StrCat("Tide table ", i),
                    i % 3 == 0 ? "Alpha quay notes." : "Calm water today.");
    // Minutes apart, in reverse of storing order for half of them, so that
    // newest first is not storing order.
    const int minute = i % 2 == 0 ? i : kArticles + (kArticles - i);
    article.set_published_at(absl::FormatTime(
        "%Y-%m-%dT%H:%M:%SZ",
        absl::FromUnixSeconds(1900000000) + absl::Minutes(minute),
        absl::UTCTimeZone()));
    AddEntity(article, "Harbour Board", v1::ORG, "Harbour Board",
              "org:harbour-board", 1, {"Harbour Board"});
    if (i % 500 == 0) {
      AddEntity(article, "Quay Warden", v1::PERSON, "Quay Warden",
                "person:quay-warden", 1, {"Quay Warden"});
    }
    batch.push_back(article);
  }
  ASSERT_TRUE(db->UpsertBatch(batch).ok());

  // The expected order of filter-only hits: newest first.
  auto newest = [&](const std::function<bool(int)>& selected, size_t limit) {
    std::vector<std::pair<std::string, std::string>> chosen;
    for (int i = 0; i < kArticles; ++i) {
      if (selected(i)) {
        chosen.emplace_back(batch[i].published_at(), batch[i].id());
      }
    }
    std::sort(chosen.rbegin(), chosen.rend());
    std::vector<std::string> ids;
    for (size_t k = 0; k < chosen.size() && k < limit; ++k) {
      ids.push_back(chosen[k].second);
    }
    return ids;
  };
  for (const auto& [entity, selected] :
       std::vector<std::pair<std::string, std::function<bool(int)>>>{
           {"harbour board", [](int) { return true; }},
           {"quay warden", [](int i) { return i % 500 == 0; }}}) {
    // Alone (the entity's time index), and with a filter on the articles
    // (gathered or probed by count).
    for (const char* source : {"", "unit-test"}) {
      SCOPED_TRACE(absl::StrCat(entity, " ", source));
      SearchRequest request;
      request.filter.entity = entity;
      request.filter.source = source;
      request.limit = 3;
      EXPECT_EQ(HitIds(db->Search(request), /*sorted=*/false),
                newest(selected, 3));
      // The next page, by cursor, and by offset.
      absl::StatusOr<std::vector<SearchHit>> first = db->Search(request);
      ASSERT_TRUE(first.ok() && !first->empty());
      std::vector<std::string> expected = newest(selected, 6);
      expected.erase(
          expected.begin(),
          expected.begin() + static_cast<std::ptrdiff_t>(
                                 std::min<size_t>(3, expected.size())));
      request.after = first->back().cursor;
      EXPECT_EQ(HitIds(db->Search(request), /*sorted=*/false), expected);
      request.after.clear();
      request.offset = 3;
      EXPECT_EQ(HitIds(db->Search(request), /*sorted=*/false), expected);
    }

    SearchRequest text;
    text.text = "alpha";
    text.filter.entity = entity;
    text.limit = kArticles;
    size_t matches = 0;
    for (int i = 0; i < kArticles; ++i) {
      matches += selected(i) && i % 3 == 0 ? 1 : 0;
    }
    EXPECT_EQ(HitIds(db->Search(text)).size(), matches);
  }
}

// What bm25() itself gives: (seq, -score) of every match of `query`, best
// first, through a connection without newsflow_bm25.
std::vector<std::pair<int64_t, double>> Bm25Scores(const std::string& path,
                                                   const std::string& query) {
  std::vector<std::pair<int64_t, double>> scores;
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(SqliteSearchIndexPath(path).c_str(), &db,
                            SQLITE_OPEN_READONLY, nullptr),
            SQLITE_OK);
  EXPECT_TRUE(RegisterPairTokenizer(db).ok());
  sqlite3_stmt* statement = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(
                db,
                "SELECT rowid, bm25(articles_fts, 4.0, 1.0) AS r FROM "
                "articles_fts WHERE articles_fts MATCH ?1 ORDER BY r, rowid",
                -1, &statement, nullptr),
            SQLITE_OK)
      << sqlite3_errmsg(db);
  sqlite3_bind_text(statement, 1, query.c_str(), -1, SQLITE_TRANSIENT);
  while (sqlite3_step(statement) == SQLITE_ROW) {
    scores.emplace_back(sqlite3_column_int64(statement, 0),
                        -sqlite3_column_double(statement, 1));
  }
  sqlite3_finalize(statement);
  sqlite3_close(db);
  return scores;
}

TEST(SqliteRankTest, PhraseRowsScaleTheSampleByWhereItEnds) {
  // The 1,024th match at rowid 10,240 of 100,000: one row in ten.
  EXPECT_EQ(EstimatedPhraseRows(1024, 10240, 100000, 100000), 10000);
  // Rowids with gaps (90,000 rows up to rowid 100,000): still one in ten.
  EXPECT_EQ(EstimatedPhraseRows(1024, 10240, 90000, 100000), 10000);
  // A phrase in every row, and one whose sample ends at the last row.
  EXPECT_EQ(EstimatedPhraseRows(1024, 1024, 5000, 5000), 5000);
  EXPECT_EQ(EstimatedPhraseRows(1024, 5000, 5000, 5000), 1024);
  // Never more rows than the table has.
  EXPECT_EQ(EstimatedPhraseRows(1024, 1000, 3000, 9000), 3000);
}

// Text search ranks with newsflow_bm25, not bm25 (see
// sqlite_article_db_rank.h): the same scores while each phrase matches at
// most kIdfSampleRows articles, and close ones, in the same order, when a
// phrase matches more (its count is then estimated). Every query form that
// makes phrases: a word, words, a phrase, OR, a column filter, a prefix.
TEST_F(SqliteArticleDbTest, TextRankIsBm25WithSampledPhraseCounts) {
  const std::string path = PathOf("news.db");
  std::unique_ptr<ArticleDb> db = OpenOrDie(path, OpenMode::kReadWrite);
  ASSERT_NE(db, nullptr);
  // "kelp" in every second article, more than kIdfSampleRows of them;
  // the rest in fewer; lengths and title/body places vary.
  const int articles = static_cast<int>(kIdfSampleRows) * 2 + 300;
  std::vector<v1::Article> batch;
  for (int i = 0; i < articles; ++i) {
    std::string title = absl::StrCat("Shore log ", i);
    std::string body = "Gulls over the pier.";
    if (i % 2 == 0) absl::StrAppend(&body, " Kelp washed up.");
    if (i % 7 == 0) absl::StrAppend(&title, " kelp forest");
    if (i % 11 == 0) absl::StrAppend(&body, " A kelp forest at low tide.");
    if (i % 13 == 0) absl::StrAppend(&body, " Tide pools, tide pools, tide.");
    for (int k = 0; k < i % 5; ++k) absl::StrAppend(&body, " Salt air.");
    batch.push_back(MakeArticle(absl::StrFormat("r%05d", i), title, body));
    if (batch.size() == 500) {
      ASSERT_TRUE(db->UpsertBatch(batch).ok());
      batch.clear();
    }
  }
  ASSERT_TRUE(db->UpsertBatch(batch).ok());
  struct Case {
    std::string query;
    bool exact;  // No phrase matches more than kIdfSampleRows articles.
  };
  for (const Case& test : std::vector<Case>{{"tide", true},
                                            {"tide pools", true},
                                            {"\"kelp forest\"", true},
                                            {"tide OR forest", true},
                                            {"title:forest", true},
                                            {"pool*", true},
                                            {"kelp", false},
                                            {"kelp tide", false},
                                            {"kelp OR forest", false}}) {
    SCOPED_TRACE(test.query);
    SearchRequest request;
    request.text = test.query;
    request.limit = articles;
    request.rank_window = 0;
    absl::StatusOr<std::vector<SearchHit>> hits = db->Search(request);
    ASSERT_TRUE(hits.ok()) << hits.status();
    const std::vector<std::pair<int64_t, double>> expected =
        Bm25Scores(path, test.query);
    ASSERT_EQ(hits->size(), expected.size());
    ASSERT_FALSE(expected.empty());
    for (size_t i = 0; i < expected.size(); ++i) {
      // Article r<n> is the (n + 1)-th stored, seq n + 1.
      EXPECT_EQ((*hits)[i].id, absl::StrFormat("r%05d", expected[i].first - 1))
          << "at " << i;
      if (test.exact) {
        EXPECT_DOUBLE_EQ((*hits)[i].score, expected[i].second) << "at " << i;
      } else {
        EXPECT_NEAR((*hits)[i].score, expected[i].second,
                    0.02 * std::abs(expected[i].second))
            << "at " << i;
      }
    }
  }
}

// Articles whose text repeats "kelp" and "tide" a varied number of times
// over varied lengths, in the title or the body, so that ranks spread and
// many rows tie.
std::vector<v1::Article> VariedShoreArticles(int count) {
  std::vector<v1::Article> batch;
  for (int i = 0; i < count; ++i) {
    std::string title = absl::StrCat("Shore log ", i % 50);
    std::string body = "Gulls over the pier.";
    for (int k = 0; k < i % 4; ++k) absl::StrAppend(&body, " Kelp washed up.");
    if (i % 7 == 0) absl::StrAppend(&title, " kelp forest");
    if (i % 11 == 0) absl::StrAppend(&body, " A kelp forest at low tide.");
    if (i % 3 == 0) absl::StrAppend(&body, " Tide pools, tide.");
    for (int k = 0; k < (i * 7) % 13; ++k) absl::StrAppend(&body, " Salt air.");
    batch.push_back(MakeArticle(absl::StrFormat("k%05d", i), title, body));
  }
  return batch;
}

// newsflow_bm25_top gives a row that can be among the `top` best its exact
// newsflow_bm25 rank, and any other a bound: no worse than its exact rank
// and worse than the best kept: the `top` best stay those of the exact
// ranking, and rows are left out (this data is varied enough to leave some).
TEST_F(SqliteArticleDbTest, RankKnowingThePageKeepsItsBestRowsExact) {
  const std::string path = PathOf("news.db");
  {
    std::unique_ptr<ArticleDb> db = OpenOrDie(path, OpenMode::kReadWrite);
    ASSERT_NE(db, nullptr);
    ASSERT_TRUE(db->UpsertBatch(VariedShoreArticles(600)).ok());
    ASSERT_TRUE(db->WaitForSearchIndex().ok());
  }
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open_v2(SqliteSearchIndexPath(path).c_str(), &raw,
                            SQLITE_OPEN_READONLY, nullptr),
            SQLITE_OK);
  ASSERT_TRUE(RegisterNewsflowBm25(raw).ok());
  ASSERT_TRUE(RegisterPairTokenizer(raw).ok());
  for (const char* query : {"kelp", "kelp tide", "kelp OR tide", "kelp kelp"}) {
    SCOPED_TRACE(query);
    constexpr int kTop = 5;
    sqlite3_stmt* statement = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(
                  raw,
                  "SELECT rowid, newsflow_bm25(articles_fts, 600, NULL, 4.0, "
                  "1.0), newsflow_bm25_top(articles_fts, 600, NULL, 5, NULL, "
                  "0, 4.0, 1.0) FROM articles_fts WHERE articles_fts MATCH ?1 "
                  "ORDER BY rowid DESC",
                  -1, &statement, nullptr),
              SQLITE_OK)
        << sqlite3_errmsg(raw);
    sqlite3_bind_text(statement, 1, query, -1, SQLITE_TRANSIENT);
    std::vector<std::pair<double, int64_t>> exact;
    std::vector<std::pair<double, int64_t>> top;
    int bounded = 0;
    while (sqlite3_step(statement) == SQLITE_ROW) {
      const int64_t rowid = sqlite3_column_int64(statement, 0);
      const double rank = sqlite3_column_double(statement, 1);
      const double bound = sqlite3_column_double(statement, 2);
      EXPECT_LE(bound, rank) << rowid;
      if (bound != rank) ++bounded;
      exact.emplace_back(rank, rowid);
      top.emplace_back(bound, rowid);
    }
    sqlite3_finalize(statement);
    ASSERT_GT(exact.size(), static_cast<size_t>(kTop));
    std::sort(exact.begin(), exact.end());
    std::sort(top.begin(), top.end());
    exact.resize(kTop);
    top.resize(kTop);
    EXPECT_EQ(top, exact);
    EXPECT_GT(bounded, 0) << "no row was left out";
  }
  sqlite3_close(raw);
}

// The rank reads rows' lengths through a blob handle on FTS5's docsize
// table (RowLengthTable) and gets FTS5's own numbers: every score equals
// bm25()'s, lengths over 127 tokens (varints of two bytes) included, and
// the handle was used. A table that is not the docsize of the table ranked
// (missing, or holding other numbers) is noticed and read past: the scores
// stay bm25()'s and the handle goes unused.
TEST_F(SqliteArticleDbTest, RowLengthsReadByBlobAreFts5sOwn) {
  const std::string path = PathOf("news.db");
  std::vector<v1::Article> batch = VariedShoreArticles(400);
  for (int i = 0; i < 60; ++i) {
    std::string body = "Kelp log.";
    for (int k = 0; k < 40 + i * 7; ++k) absl::StrAppend(&body, " Tide turns.");
    batch.push_back(MakeArticle(absl::StrFormat("long%03d", i),
                                absl::StrCat("Long shore log ", i), body));
  }
  {
    std::unique_ptr<ArticleDb> db = OpenOrDie(path, OpenMode::kReadWrite);
    ASSERT_NE(db, nullptr);
    ASSERT_TRUE(db->UpsertBatch(batch).ok());
    for (const char* query : {"kelp", "kelp tide", "\"kelp forest\" OR tide"}) {
      SCOPED_TRACE(query);
      SearchRequest request;
      request.text = query;
      request.limit = static_cast<int>(batch.size());
      request.rank_window = 0;
      const int64_t by_blob = RowLengthsReadByBlobForTest();
      absl::StatusOr<std::vector<SearchHit>> hits = db->Search(request);
      ASSERT_TRUE(hits.ok()) << hits.status();
      EXPECT_GT(RowLengthsReadByBlobForTest(), by_blob);
      const std::vector<std::pair<int64_t, double>> expected =
          Bm25Scores(path, query);
      ASSERT_EQ(hits->size(), expected.size());
      ASSERT_GT(expected.size(), 100u);
      for (size_t i = 0; i < expected.size(); ++i) {
        EXPECT_EQ((*hits)[i].id, batch[expected[i].first - 1].id()) << i;
        EXPECT_DOUBLE_EQ((*hits)[i].score, expected[i].second) << i;
      }
    }
  }
  for (const RowLengthTable& lengths :
       {RowLengthTable{}, RowLengthTable{"main", "no_such_table"},
        RowLengthTable{"temp", "wrong_sizes"}}) {
    SCOPED_TRACE(lengths.table);
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open_v2(SqliteSearchIndexPath(path).c_str(), &raw,
                              SQLITE_OPEN_READONLY, nullptr),
              SQLITE_OK);
    ASSERT_TRUE(RegisterNewsflowBm25(raw, lengths).ok());
    ASSERT_TRUE(RegisterPairTokenizer(raw).ok());
    // Well-formed records of one token per column, for every row.
    ASSERT_EQ(sqlite3_exec(raw,
                           "CREATE TEMP TABLE wrong_sizes (id INTEGER PRIMARY "
                           "KEY, sz BLOB); INSERT INTO wrong_sizes SELECT id, "
                           "X'0101' FROM articles_fts_docsize",
                           nullptr, nullptr, nullptr),
              SQLITE_OK)
        << sqlite3_errmsg(raw);
    sqlite3_stmt* statement = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(
                  raw,
                  "SELECT newsflow_bm25(articles_fts, 0, NULL, 4.0, 1.0), "
                  "bm25(articles_fts, 4.0, 1.0) FROM articles_fts WHERE "
                  "articles_fts MATCH 'kelp OR tide' ORDER BY rowid DESC",
                  -1, &statement, nullptr),
              SQLITE_OK)
        << sqlite3_errmsg(raw);
    const int64_t by_blob = RowLengthsReadByBlobForTest();
    int rows = 0;
    while (sqlite3_step(statement) == SQLITE_ROW) {
      ++rows;
      EXPECT_DOUBLE_EQ(sqlite3_column_double(statement, 0),
                       sqlite3_column_double(statement, 1))
          << "row " << rows;
    }
    sqlite3_finalize(statement);
    EXPECT_GT(rows, 100);
    if (lengths.table == RowLengthTable{}.table) {
      EXPECT_EQ(RowLengthsReadByBlobForTest(), by_blob + rows - 1);
    } else {
      EXPECT_EQ(RowLengthsReadByBlobForTest(), by_blob);
    }
    sqlite3_close(raw);
  }
}

// newsflow_phrase_rows, which text + entity plans are chosen by: each
// word's count (exact up to kIdfSampleRows), -1 for a phrase of several
// words, nothing when nothing matches.
TEST_F(SqliteArticleDbTest, PhraseRowsCountWordsAndMarkPhrases) {
  const std::string path = PathOf("news.db");
  std::vector<v1::Article> batch = VariedShoreArticles(600);
  {
    std::unique_ptr<ArticleDb> db = OpenOrDie(path, OpenMode::kReadWrite);
    ASSERT_NE(db, nullptr);
    ASSERT_TRUE(db->UpsertBatch(batch).ok());
    ASSERT_TRUE(db->WaitForSearchIndex().ok());
  }
  auto count = [&](const char* word) {
    int rows = 0;
    for (const v1::Article& article : batch) {
      const std::string text =
          absl::AsciiStrToLower(article.title() + " " + article.body());
      rows += text.find(word) != std::string::npos ? 1 : 0;
    }
    return rows;
  };
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open_v2(SqliteSearchIndexPath(path).c_str(), &raw,
                            SQLITE_OPEN_READONLY, nullptr),
            SQLITE_OK);
  ASSERT_TRUE(RegisterNewsflowBm25(raw).ok());
  ASSERT_TRUE(RegisterPairTokenizer(raw).ok());
  for (const auto& [query, expected] :
       std::vector<std::pair<std::string, std::string>>{
           {"kelp", absl::StrCat(count("kelp"))},
           {"kelp tide", absl::StrCat(count("kelp"), ",", count("tide"))},
           {"\"kelp forest\" tide", absl::StrCat("-1,", count("tide"))},
           {"seaweed", "(none)"}}) {
    SCOPED_TRACE(query);
    sqlite3_stmt* statement = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(raw,
                                 "SELECT newsflow_phrase_rows(articles_fts, "
                                 "600) FROM articles_fts WHERE articles_fts "
                                 "MATCH ?1 LIMIT 1",
                                 -1, &statement, nullptr),
              SQLITE_OK)
        << sqlite3_errmsg(raw);
    sqlite3_bind_text(statement, 1, query.c_str(), -1, SQLITE_TRANSIENT);
    std::string got = "(none)";
    if (sqlite3_step(statement) == SQLITE_ROW) {
      got = reinterpret_cast<const char*>(sqlite3_column_text(statement, 0));
    }
    sqlite3_finalize(statement);
    EXPECT_EQ(got, expected);
  }
  sqlite3_close(raw);
}

// Every page of a text search, by cursor or by offset, of any size, is the
// slice of the whole ranking (every hit on one page) at its place: the rank
// knows the page (newsflow_bm25_top) and must not leave out a row of it.
TEST_F(SqliteArticleDbTest, TextPagesAreSlicesOfTheWholeRanking) {
  const std::string path = PathOf("news.db");
  std::unique_ptr<ArticleDb> db = OpenOrDie(path, OpenMode::kReadWrite);
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(db->UpsertBatch(VariedShoreArticles(600)).ok());
  for (const char* query :
       {"kelp", "kelp tide", "kelp OR tide", "\"kelp forest\"", "kelp kelp"}) {
    for (const int64_t window : {int64_t{0}, int64_t{100}}) {
      SCOPED_TRACE(absl::StrCat(query, " window ", window));
      SearchRequest all;
      all.text = query;
      // A window's ranking: as many hits as the window holds.
      all.limit = window > 0 ? static_cast<int>(window) : 1000;
      all.rank_window = window;
      absl::StatusOr<std::vector<SearchHit>> whole = db->Search(all);
      ASSERT_TRUE(whole.ok()) << whole.status();
      ASSERT_GT(whole->size(), 20u);
      std::vector<std::pair<std::string, double>> expected;
      for (const SearchHit& hit : *whole) {
        expected.emplace_back(hit.id, hit.score);
      }
      if (window == 0) {
        // The whole ranking is bm25's (no phrase matches over 1,024 rows).
        const std::vector<std::pair<int64_t, double>> bm25 =
            Bm25Scores(path, query);
        ASSERT_EQ(bm25.size(), expected.size());
        for (size_t i = 0; i < bm25.size(); ++i) {
          EXPECT_EQ(expected[i].first,
                    absl::StrFormat("k%05d", bm25[i].first - 1));
          EXPECT_DOUBLE_EQ(expected[i].second, bm25[i].second);
        }
      }
      for (const int limit : {1, 3, 7}) {
        SearchRequest request = all;
        request.limit = limit;
        std::vector<std::pair<std::string, double>> by_cursor;
        std::vector<std::pair<std::string, double>> by_offset;
        for (int page = 0; page < 8; ++page) {
          absl::StatusOr<std::vector<SearchHit>> hits = db->Search(request);
          ASSERT_TRUE(hits.ok()) << hits.status();
          if (hits->empty()) break;
          for (const SearchHit& hit : *hits) {
            by_cursor.emplace_back(hit.id, hit.score);
          }
          request.after = hits->back().cursor;
          SearchRequest offset = all;
          offset.limit = limit;
          offset.offset = page * limit;
          hits = db->Search(offset);
          ASSERT_TRUE(hits.ok()) << hits.status();
          for (const SearchHit& hit : *hits) {
            by_offset.emplace_back(hit.id, hit.score);
          }
        }
        const std::vector<std::pair<std::string, double>> slice(
            expected.begin(),
            expected.begin() + static_cast<std::ptrdiff_t>(std::min<size_t>(
                                   expected.size(), 8 * limit)));
        EXPECT_EQ(by_cursor, slice) << "limit " << limit;
        EXPECT_EQ(by_offset, slice) << "limit " << limit;
      }
    }
  }
}

// A text search with an entity filter walks the text's matches testing
// each for the entity, or, when the text has over 512 matches per article
// of the entity, looks the entity's articles up in the full-text index.
// Both must give the hits, scores and pages of the unfiltered ranking with
// the other articles taken out. 2,100 articles all matching "alpha": an
// entity in 3 (3 * 512 < 2,100: looked up) and one in 7 (walked).
TEST_F(SqliteArticleDbTest, TextAndEntityGiveTheSameHitsWhicheverSideDrives) {
  std::unique_ptr<ArticleDb> db =
      OpenOrDie(PathOf("news.db"), OpenMode::kReadWrite);
  ASSERT_NE(db, nullptr);
  constexpr int kArticles = 2100;
  std::vector<v1::Article> batch;
  for (int i = 0; i < kArticles; ++i) {
    std::string body = "Alpha quay notes.";
    for (int k = 0; k < i % 4; ++k) absl::StrAppend(&body, " Calm water.");
    if (i % 9 == 0) absl::StrAppend(&body, " Alpha again, alpha.");
    v1::Article article = MakeArticle(absl::StrFormat("t%04d", i),
                                      absl::StrCat("Tide table ", i), body);
    if ((i / 100) % 2 == 1) article.set_source("other-source");
    if (i % 700 == 0) {
      AddEntity(article, "Quay Warden", v1::PERSON, "Quay Warden",
                "person:quay-warden", 1, {"Quay Warden"});
    }
    if (i % 300 == 0) {
      AddEntity(article, "Pier Clerk", v1::PERSON, "Pier Clerk",
                "person:pier-clerk", 1, {"Pier Clerk"});
    }
    batch.push_back(article);
  }
  ASSERT_TRUE(db->UpsertBatch(batch).ok());
  SearchRequest all;
  all.text = "alpha";
  all.limit = kArticles;
  all.rank_window = 0;
  absl::StatusOr<std::vector<SearchHit>> ranked = db->Search(all);
  ASSERT_TRUE(ranked.ok()) << ranked.status();
  ASSERT_EQ(ranked->size(), static_cast<size_t>(kArticles));
  for (const auto& [entity, every] : std::vector<std::pair<std::string, int>>{
           {"quay warden", 700}, {"pier clerk", 300}}) {
    for (const std::string source : {"", "unit-test"}) {
      SCOPED_TRACE(absl::StrCat(entity, " ", source));
      std::vector<std::pair<std::string, double>> expected;
      for (const SearchHit& hit : *ranked) {
        int i = 0;
        ASSERT_TRUE(absl::SimpleAtoi(hit.id.substr(1), &i));
        if (i % every == 0 && (source.empty() || (i / 100) % 2 == 0)) {
          expected.emplace_back(hit.id, hit.score);
        }
      }
      SearchRequest request;
      request.text = "alpha";
      request.filter.entity = entity;
      request.filter.source = source;
      request.limit = kArticles;
      absl::StatusOr<std::vector<SearchHit>> hits = db->Search(request);
      ASSERT_TRUE(hits.ok()) << hits.status();
      std::vector<std::pair<std::string, double>> got;
      for (const SearchHit& hit : *hits) got.emplace_back(hit.id, hit.score);
      EXPECT_EQ(got, expected);
      // Pages of 2 by cursor.
      request.limit = 2;
      std::vector<std::string> paged;
      for (int page = 0; page < 10; ++page) {
        hits = db->Search(request);
        ASSERT_TRUE(hits.ok()) << hits.status();
        if (hits->empty()) break;
        for (const SearchHit& hit : *hits) paged.push_back(hit.id);
        request.after = hits->back().cursor;
      }
      std::vector<std::string> expected_ids;
      for (const auto& [id, score] : expected) expected_ids.push_back(id);
      EXPECT_EQ(paged, expected_ids);
    }
  }
  // A query FTS5 rejects is named whichever side would drive, and for an
  // entity in no article.
  for (const char* entity : {"quay warden", "pier clerk", "nobody at all"}) {
    SearchRequest request;
    request.text = "alpha AND";
    request.filter.entity = entity;
    absl::StatusOr<std::vector<SearchHit>> hits = db->Search(request);
    EXPECT_EQ(hits.status().code(), absl::StatusCode::kInvalidArgument)
        << entity;
  }
}

// Articles 0..1199 all matching "alpha" (repeated and padded variously);
// "Harbour Pilot" names a person in every third and is an alias of a
// company in every fifth, so the alias is two entities' articles.
std::vector<v1::Article> PilotArticles() {
  std::vector<v1::Article> batch;
  for (int i = 0; i < 1200; ++i) {
    std::string body = "Alpha quay notes.";
    for (int k = 0; k < i % 5; ++k) absl::StrAppend(&body, " Calm water.");
    if (i % 7 == 0) absl::StrAppend(&body, " Alpha again.");
    v1::Article article = MakeArticle(absl::StrFormat("p%04d", i),
                                      absl::StrCat("Pilot log ", i), body);
    if (i % 3 == 0) {
      AddEntity(article, "Harbour Pilot", v1::PERSON, "Harbour Pilot",
                "person:harbour-pilot", 1, {"Harbour Pilot"});
    }
    if (i % 5 == 0) {
      AddEntity(article, "Harbour Pilot Co", v1::ORG, "Harbour Pilot Co",
                "org:harbour-pilot-co", 1,
                {"Harbour Pilot Co", "Harbour Pilot"});
    }
    batch.push_back(article);
  }
  return batch;
}

// The merge join's side: whatever order seqs are asked in, the answer is
// whether the entity (either of two ids) has a mention there.
TEST_F(SqliteArticleDbTest, EntityArticlesAnswersInAnyOrder) {
  const std::string path = PathOf("news.db");
  {
    std::unique_ptr<ArticleDb> db = OpenOrDie(path, OpenMode::kReadWrite);
    ASSERT_NE(db, nullptr);
    ASSERT_TRUE(db->UpsertBatch(PilotArticles()).ok());
  }
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr),
            SQLITE_OK);
  // Article p<n> is seq n + 1.
  auto expected = [](int64_t seq, bool person, bool org) {
    const int64_t i = seq - 1;
    return i >= 0 && i < 1200 &&
           ((person && i % 3 == 0) || (org && i % 5 == 0));
  };
  std::vector<int64_t> asks;
  for (int64_t seq = 1300; seq >= -2; seq -= 1) asks.push_back(seq);
  for (int64_t seq = 1250; seq >= 0; seq -= 37) asks.push_back(seq);
  for (int64_t seq = 0; seq <= 1250; seq += 11) asks.push_back(seq);
  for (int64_t seq : {500, 500, 499, 1000, 2, 1201, 1}) asks.push_back(seq);
  for (const auto& [ids, person, org] :
       std::vector<std::tuple<std::vector<std::string>, bool, bool>>{
           {{"person:harbour-pilot"}, true, false},
           {{"person:harbour-pilot", "org:harbour-pilot-co"}, true, true},
           {{}, false, false}}) {
    SCOPED_TRACE(ids.size());
    absl::StatusOr<std::unique_ptr<EntityArticles>> articles =
        EntityArticles::Open(raw, ids);
    ASSERT_TRUE(articles.ok()) << articles.status();
    for (int64_t seq : asks) {
      bool found = false;
      ASSERT_EQ((*articles)->Contains(seq, &found), SQLITE_OK);
      EXPECT_EQ(found, expected(seq, person, org)) << "seq " << seq;
    }
  }
  sqlite3_close(raw);
}

// A text search with only an entity filter ranks the best of the window's
// newest matches of that entity (both entities an alias names), as an
// unfiltered one does of the text's, with the same scores; pages by
// cursor and by offset are slices of that ranking.
TEST_F(SqliteArticleDbTest, TextAndEntityRankTheEntitysNewestMatches) {
  const std::string path = PathOf("news.db");
  std::unique_ptr<ArticleDb> db = OpenOrDie(path, OpenMode::kReadWrite);
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(db->UpsertBatch(PilotArticles()).ok());
  SearchRequest all;
  all.text = "alpha";
  all.limit = 1200;
  all.rank_window = 0;
  absl::StatusOr<std::vector<SearchHit>> ranked = db->Search(all);
  ASSERT_TRUE(ranked.ok()) << ranked.status();
  ASSERT_EQ(ranked->size(), 1200u);
  constexpr int kWindow = 60;
  // The ranking of the `size` newest articles of either entity.
  auto window_ranking = [&](size_t size) {
    std::set<int> window;
    for (int i = 1199; i >= 0 && window.size() < size; --i) {
      if (i % 3 == 0 || i % 5 == 0) window.insert(i);
    }
    std::vector<std::pair<std::string, double>> expected;
    for (const SearchHit& hit : *ranked) {
      int i = 0;
      EXPECT_TRUE(absl::SimpleAtoi(hit.id.substr(1), &i));
      if (window.count(i) > 0) expected.emplace_back(hit.id, hit.score);
    }
    return expected;
  };
  std::vector<std::pair<std::string, double>> expected =
      window_ranking(kWindow);
  ASSERT_EQ(expected.size(), static_cast<size_t>(kWindow));
  SearchRequest request;
  request.text = "alpha";
  request.filter.entity = "harbour pilot";
  request.rank_window = kWindow;
  request.limit = kWindow;
  absl::StatusOr<std::vector<SearchHit>> hits = db->Search(request);
  ASSERT_TRUE(hits.ok()) << hits.status();
  std::vector<std::pair<std::string, double>> got;
  for (const SearchHit& hit : *hits) got.emplace_back(hit.id, hit.score);
  EXPECT_EQ(got, expected);
  // Pages of 7 (8 pages stay inside the window) by cursor and by offset.
  request.limit = 7;
  std::vector<std::pair<std::string, double>> by_cursor;
  std::vector<std::pair<std::string, double>> by_offset;
  for (int page = 0; page < 8; ++page) {
    hits = db->Search(request);
    ASSERT_TRUE(hits.ok()) << hits.status();
    ASSERT_FALSE(hits->empty());
    for (const SearchHit& hit : *hits)
      by_cursor.emplace_back(hit.id, hit.score);
    request.after = hits->back().cursor;
    SearchRequest offset = request;
    offset.after.clear();
    offset.offset = page * 7;
    hits = db->Search(offset);
    ASSERT_TRUE(hits.ok()) << hits.status();
    for (const SearchHit& hit : *hits)
      by_offset.emplace_back(hit.id, hit.score);
  }
  expected.resize(56);
  EXPECT_EQ(by_cursor, expected);
  EXPECT_EQ(by_offset, expected);
  // A page longer than the window widens it eightfold: the best 100 of the
  // 480 newest.
  request.after.clear();
  request.limit = 100;
  hits = db->Search(request);
  ASSERT_TRUE(hits.ok()) << hits.status();
  got.clear();
  for (const SearchHit& hit : *hits) got.emplace_back(hit.id, hit.score);
  expected = window_ranking(8 * kWindow);
  expected.resize(100);
  EXPECT_EQ(got, expected);
}

// A first page of one quoted phrase is ranked with its IDF deferred
// (DeferredIdf) and scaled afterwards, from the walk's own count (or its
// estimate from where the 1,024th oldest match lies) when the walk saw
// every match, else from the sampled count: hits, scores and cursors are
// those of the same phrase written as "a" + "b" (one phrase, not
// deferred), alone or with an entity, whether the window is full or not,
// for a phrase in every article, in about every second (over
// kIdfSampleRows and in under half the articles, so that its IDF is not
// floored and the estimate differs from the article count) and in every
// ninth.
TEST_F(SqliteArticleDbTest, OnePhraseRankedBeforeItsIdfIsCountedIsExact) {
  std::unique_ptr<ArticleDb> db =
      OpenOrDie(PathOf("news.db"), OpenMode::kReadWrite);
  ASSERT_NE(db, nullptr);
  std::vector<v1::Article> batch;
  for (int i = 0; i < 3000; ++i) {
    std::string body = "Alpha quay notes.";
    if (i % 5 < 2) absl::StrAppend(&body, " Calm water.");
    if (i % 9 == 0) absl::StrAppend(&body, " Alpha again, calm water.");
    for (int k = 0; k < i % 5; ++k) absl::StrAppend(&body, " Salt air.");
    v1::Article article = MakeArticle(absl::StrFormat("q%04d", i),
                                      absl::StrCat("Quay log ", i), body);
    if (i % 3 == 0) {
      AddEntity(article, "Harbour Pilot", v1::PERSON, "Harbour Pilot",
                "person:harbour-pilot", 1, {"Harbour Pilot"});
    }
    batch.push_back(article);
  }
  ASSERT_TRUE(db->UpsertBatch(batch).ok());
  const std::pair<const char*, const char*> phrases[] = {
      {"\"alpha quay\"", "\"alpha\" + \"quay\""},
      {"\"calm water\"", "\"calm\" + \"water\""},
      {" \"alpha again\"", "\"alpha\" + \"again\""}};
  for (const auto& [phrase, same_phrase] : phrases) {
    for (const char* entity : {"", "harbour pilot"}) {
      for (const int64_t window : {int64_t{20}, int64_t{300}, int64_t{5000}}) {
        for (const int limit : {1, 3, 10}) {
          SCOPED_TRACE(absl::StrCat(phrase, " + '", entity, "' window ", window,
                                    " limit ", limit));
          SearchRequest request;
          request.text = phrase;
          request.filter.entity = entity;
          request.rank_window = window;
          request.limit = limit;
          absl::StatusOr<std::vector<SearchHit>> got = db->Search(request);
          ASSERT_TRUE(got.ok()) << got.status();
          request.text = same_phrase;
          absl::StatusOr<std::vector<SearchHit>> expected = db->Search(request);
          ASSERT_TRUE(expected.ok()) << expected.status();
          ASSERT_EQ(got->size(), static_cast<size_t>(limit));
          ASSERT_EQ(got->size(), expected->size());
          for (size_t i = 0; i < got->size(); ++i) {
            EXPECT_EQ((*got)[i].id, (*expected)[i].id) << i;
            EXPECT_EQ((*got)[i].score, (*expected)[i].score) << i;
            EXPECT_EQ((*got)[i].cursor, (*expected)[i].cursor) << i;
          }
        }
      }
    }
  }
}

// When an entity's few mentions drive a windowed text search, the window's
// newest articles are cut from every article of the entity the rank has
// seen (mentions of two entities an alias names, sorted): its ranks and page
// order are still those of the exact ranking.
TEST_F(SqliteArticleDbTest, WindowDrivenByMentionsRanksExactly) {
  std::unique_ptr<ArticleDb> db =
      OpenOrDie(PathOf("news.db"), OpenMode::kReadWrite);
  ASSERT_NE(db, nullptr);
  // Few enough articles of the entity (12 of 7,000) and a common enough
  // word for the mentions to drive (see MentionsDriveTextSearch).
  constexpr int kArticles = 7000;
  constexpr int kEvery = 600;
  std::vector<v1::Article> batch;
  for (int i = 0; i < kArticles; ++i) {
    std::string body = "Alpha quay notes. Calm water.";
    std::string title = absl::StrCat("Tide table ", i);
    if (i % kEvery == 0) {
      for (int k = 0; k < i / kEvery % 3; ++k)
        absl::StrAppend(&body, " Alpha.");
      // The entity's older articles rank far better than the window's: the
      // rank skips the window's rows once it has seen them.
      if (i / kEvery < 6) title = "Alpha alpha alpha tide";
    }
    v1::Article article = MakeArticle(absl::StrFormat("t%04d", i), title, body);
    // Every other one the company the alias names too: two ranges of
    // mentions, which only a sort puts in seq order.
    if (i % kEvery == 0 && (i / kEvery) % 2 == 0) {
      AddEntity(article, "Quay Warden", v1::PERSON, "Quay Warden",
                "person:quay-warden", 1, {"Quay Warden"});
    } else if (i % kEvery == 0) {
      AddEntity(article, "Quay Warden Co", v1::ORG, "Quay Warden Co",
                "org:quay-warden-co", 1, {"Quay Warden Co", "Quay Warden"});
    }
    batch.push_back(article);
  }
  ASSERT_TRUE(db->UpsertBatch(batch).ok());
  SearchRequest all;
  all.text = "alpha";
  all.limit = kArticles;
  all.rank_window = 0;
  absl::StatusOr<std::vector<SearchHit>> ranked = db->Search(all);
  ASSERT_TRUE(ranked.ok()) << ranked.status();
  constexpr int kWindow = 4;
  // The entity's kWindow newest, in the exact ranking's order.
  std::vector<std::pair<std::string, double>> expected;
  for (const SearchHit& hit : *ranked) {
    int i = 0;
    ASSERT_TRUE(absl::SimpleAtoi(hit.id.substr(1), &i));
    if (i % kEvery == 0 && i / kEvery >= (kArticles - 1) / kEvery + 1 - kWindow)
      expected.emplace_back(hit.id, hit.score);
  }
  ASSERT_EQ(expected.size(), static_cast<size_t>(kWindow));
  SearchRequest request;
  request.text = "alpha";
  request.filter.entity = "quay warden";
  request.rank_window = kWindow;
  for (const int limit : {2, kWindow}) {
    SCOPED_TRACE(limit);
    request.limit = limit;
    absl::StatusOr<std::vector<SearchHit>> hits = db->Search(request);
    ASSERT_TRUE(hits.ok()) << hits.status();
    std::vector<std::pair<std::string, double>> got;
    for (const SearchHit& hit : *hits) got.emplace_back(hit.id, hit.score);
    const std::vector<std::pair<std::string, double>> page(
        expected.begin(), expected.begin() + limit);
    EXPECT_EQ(got, page);
  }
}

// The ids and scores of every match of `text` (at most `most`), ranked
// without a window.
std::vector<std::pair<std::string, double>> ExactRanking(
    ArticleDb& db, const std::string& text, int most) {
  SearchRequest request;
  request.text = text;
  request.limit = most;
  request.rank_window = 0;
  absl::StatusOr<std::vector<SearchHit>> hits = db.Search(request);
  EXPECT_TRUE(hits.ok()) << hits.status();
  std::vector<std::pair<std::string, double>> ranked;
  for (const SearchHit& hit : hits.value_or(std::vector<SearchHit>())) {
    ranked.emplace_back(hit.id, hit.score);
  }
  return ranked;
}

// An entity's few articles driving a text search are looked up in the
// full-text index a run of nearby seqs at a time (SeqRuns), not one by one;
// the other articles inside a run that match the text are not hits.
TEST_F(SqliteArticleDbTest, EntityArticlesAreLookedUpInRunsOfNearbySeqs) {
  // The runs are for an index without entity tokens (a new one has them).
  std::unique_ptr<ArticleDb> db = OpenWithForm(
      PathOf("news.db"), WordPairs::kAsIndexed, EntityTokens::kWithout);
  ASSERT_NE(db, nullptr);
  // Few enough of 7,000 (10) for the mentions to drive (see
  // MentionsDriveTextSearch). Runs at most 256 apart: 1000-1010,
  // 3000-3300 (gaps of 100 and 200), 5000, 6500 and 6900 (400 apart).
  constexpr int kArticles = 7000;
  const std::set<int> entity_articles = {1000, 1001, 1003, 1010, 3000,
                                         3100, 3300, 5000, 6500, 6900};
  std::vector<v1::Article> batch(kArticles);
  for (int i = 0; i < kArticles; ++i) {
    std::string body = "Alpha quay notes. Calm water.";
    for (int k = 0; k < i % 4; ++k) absl::StrAppend(&body, " Alpha.");
    if (i % 5 == 0) absl::StrAppend(&body, " Long tide tables follow here.");
    batch[i] = MakeArticle(absl::StrFormat("t%04d", i), "Tide table", body);
  }
  for (int i : entity_articles) {
    AddEntity(batch[i], "Quay Warden", v1::PERSON, "Quay Warden",
              "person:quay-warden", 1, {"Quay Warden"});
  }
  ASSERT_TRUE(db->UpsertBatch(batch).ok());
  std::vector<std::pair<std::string, double>> expected;
  for (const auto& [id, score] : ExactRanking(*db, "alpha", kArticles)) {
    if (entity_articles.count(std::stoi(id.substr(1))) > 0) {
      expected.emplace_back(id, score);
    }
  }
  ASSERT_EQ(expected.size(), entity_articles.size());
  SearchRequest request;
  request.text = "alpha";
  request.filter.entity = "quay warden";
  for (const int64_t window : {int64_t{0}, int64_t{4096}}) {
    for (const int limit : {3, 10}) {
      SCOPED_TRACE(absl::StrCat("window ", window, " limit ", limit));
      request.rank_window = window;
      request.limit = limit;
      const int64_t lookups = SqliteEntityLookupsForTest();
      absl::StatusOr<std::vector<SearchHit>> hits = db->Search(request);
      ASSERT_TRUE(hits.ok()) << hits.status();
      EXPECT_EQ(SqliteEntityLookupsForTest() - lookups, 5);
      std::vector<std::pair<std::string, double>> got;
      for (const SearchHit& hit : *hits) got.emplace_back(hit.id, hit.score);
      const std::vector<std::pair<std::string, double>> page(
          expected.begin(), expected.begin() + limit);
      EXPECT_EQ(got, page);
    }
  }
}

// The widest gap inside a run grows with the full-text index's segment
// count (a lookup seeks each word in each segment: 32 seqs a segment, at
// least 256): two articles of an entity 300 seqs apart are one lookup in
// an index of ten batches (ten segments, merging off), two once it is
// merged into one segment; the hits stay the same.
TEST_F(SqliteArticleDbTest, EntityRunsWidenWithTheIndexSegments) {
  const std::string path = PathOf("news.db");
  // The runs are for an index without entity tokens (a new one has them).
  std::unique_ptr<ArticleDb> db =
      OpenWithForm(path, WordPairs::kAsIndexed, EntityTokens::kWithout);
  ASSERT_NE(db, nullptr);
  KeepEachBatchAnIndexSegment(path);
  constexpr int kBatch = 300;
  for (int first = 0; first < 10 * kBatch; first += kBatch) {
    std::vector<v1::Article> batch;
    for (int i = first; i < first + kBatch; ++i) {
      batch.push_back(MakeArticle(absl::StrFormat("t%05d", i), "Tide table",
                                  "Alpha quay notes. Calm water."));
      if (i == 1000 || i == 1300) {
        AddEntity(batch.back(), "Gap Warden", v1::PERSON, "Gap Warden",
                  "person:gap-warden", 1, {"Gap Warden"});
      }
    }
    ASSERT_TRUE(db->UpsertBatch(batch).ok());
    // Indexed before the next batch (a search waits for it): one segment
    // each, not one for batches the indexer took together.
    SearchRequest wait;
    wait.text = "quay";
    ASSERT_TRUE(db->Search(wait).ok());
  }
  auto lookups_and_hits = [&] {
    SearchRequest request;
    request.text = "alpha";
    request.filter.entity = "gap warden";
    request.limit = 10;
    const int64_t before = SqliteEntityLookupsForTest();
    absl::StatusOr<std::vector<SearchHit>> hits = db->Search(request);
    EXPECT_TRUE(hits.ok()) << hits.status();
    std::vector<std::string> ids;
    if (hits.ok()) {
      for (const SearchHit& hit : *hits) ids.push_back(hit.id);
    }
    std::sort(ids.begin(), ids.end());
    return std::make_pair(SqliteEntityLookupsForTest() - before, ids);
  };
  const std::vector<std::string> both = {"t01000", "t01300"};
  ASSERT_GE(FtsSegments(path), 10);
  EXPECT_EQ(lookups_and_hits(), std::make_pair(int64_t{1}, both));
  for (int steps = 0; steps < 10000; ++steps) {
    absl::StatusOr<bool> merged = db->MergeIndexStep(100);
    ASSERT_TRUE(merged.ok()) << merged.status();
    if (!*merged) break;
  }
  EXPECT_EQ(FtsSegments(path), 1);
  EXPECT_EQ(lookups_and_hits(), std::make_pair(int64_t{2}, both));
}

// The entity's seqs (EntitySeqs) and the full-text query read one
// snapshot. A second handle re-stores X alternately as (mentions Race
// Warden, source s1) and (no mention, source s2); no committed state has X
// both mentioning Race Warden and from s2, so a search for both finds
// nothing. Read apart, 24 of 803 searches found X (review 14a); the loop
// stops at the first such hit or after 6 s.
TEST_F(SqliteArticleDbTest, EntityRunsSearchSeesOneSnapshot) {
  // The runs are for an index without entity tokens (a new one has them).
  std::unique_ptr<ArticleDb> db = OpenWithForm(
      PathOf("news.db"), WordPairs::kAsIndexed, EntityTokens::kWithout);
  ASSERT_NE(db, nullptr);
  constexpr int kArticles = 4000;
  auto article = [](int i, bool warden) {
    v1::Article a = MakeArticle(absl::StrFormat("t%05d", i), "Tide table",
                                "Alpha quay notes. Calm water.");
    a.set_source(warden ? "s1" : "s2");
    if (warden) {
      AddEntity(a, "Race Warden", v1::PERSON, "Race Warden",
                "person:race-warden", 1, {"Race Warden"});
    }
    return a;
  };
  std::vector<v1::Article> batch;
  for (int i = 0; i < kArticles; ++i) {
    batch.push_back(article(i, i == 100 || i == 200 || i == 300));
  }
  ASSERT_TRUE(db->UpsertBatch(batch).ok());
  std::unique_ptr<ArticleDb> writer =
      OpenOrDie(PathOf("news.db"), OpenMode::kReadWrite);
  ASSERT_NE(writer, nullptr);
  std::atomic<bool> stop{false};
  std::atomic<int> writes{0};
  std::thread thread([&] {
    for (int k = 0; !stop.load(); ++k) {
      std::vector<v1::Article> one = {article(200, k % 2 == 0)};
      if (!writer->UpsertBatch(one).ok()) break;
      ++writes;
    }
  });
  int wrong = 0, searches = 0;
  const int64_t lookups = SqliteEntityLookupsForTest();
  const absl::Time end = absl::Now() + absl::Seconds(6);
  while (wrong == 0 && absl::Now() < end) {
    SearchRequest request;
    request.text = "alpha";
    request.filter.entity = "race warden";
    request.filter.source = "s2";
    absl::StatusOr<std::vector<SearchHit>> hits = db->Search(request);
    ++searches;
    if (!hits.ok()) continue;  // A busy store, not what this looks for.
    if (!hits->empty()) ++wrong;
  }
  stop = true;
  thread.join();
  EXPECT_GT(writes.load(), 1);
  EXPECT_GT(SqliteEntityLookupsForTest() - lookups, 0);
  EXPECT_EQ(wrong, 0) << "of " << searches
                      << " searches, hits from s2 mentioning Race Warden";
}

// In a child process, where SQLite can still be configured: the store
// stage's open commits the page cache's memory before the first page is
// read, and SQLite then takes its pages from it.
TEST_F(SqliteArticleDbTest, PageCacheCanBeReservedUpFront) {
  const std::string path = PathOf("news.db");
  const pid_t child = fork();
  ASSERT_GE(child, 0) << std::strerror(errno);
  if (child == 0) {
    // Nothing of this test process is open in the child.
    if (sqlite3_shutdown() != SQLITE_OK) _exit(10);
    ArticleDb::OpenOptions options;
    options.sqlite_cache_mib = 2;
    options.reserve_sqlite_cache = true;
    absl::StatusOr<std::unique_ptr<ArticleDb>> db =
        ArticleDb::Open(path, OpenMode::kReadWrite, options);
    if (!db.ok()) _exit(11);
    // 2 MiB of 4 KiB pages and their headers, and a few more.
    const int64_t pages = ReservedSqlitePages();
    if (pages < 400 || pages > 530) _exit(12);
    std::vector<v1::Article> batch;
    for (int i = 0; i < 200; ++i) {
      batch.push_back(MakeArticle(absl::StrCat("id-", i),
                                  absl::StrCat("Title ", i),
                                  std::string(3000, 'a' + i % 26)));
    }
    if (!(*db)->UpsertBatch(batch).ok()) _exit(13);
    int used = 0;
    int peak = 0;
    sqlite3_status(SQLITE_STATUS_PAGECACHE_USED, &used, &peak, 0);
    if (peak < 100) _exit(14);
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0)
      << "10: shutdown, 11: open, 12: reserved pages, 13: store, 14: pages "
         "not taken from the reservation";
}

TEST_F(SqliteArticleDbTest, FailedMigrationLeavesTheVersion1FileAsItWas) {
  const std::string path = PathOf("old.db");
  const std::vector<v1::Article> articles = Version1Articles();
  WriteVersion1Database(path, {"v1-a", "v1-b"},
                        {articles[0].SerializeAsString(),
                         std::string("\xff\xff\xff\x0f not a protobuf")},
                        articles);
  absl::StatusOr<std::unique_ptr<ArticleDb>> db =
      ArticleDb::Open(path, OpenMode::kReadWrite);
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), absl::StatusCode::kDataLoss) << db.status();
  EXPECT_THAT(std::string(db.status().message()), HasSubstr("v1-b"));

  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
  sqlite3_stmt* version = nullptr;
  ASSERT_EQ(
      sqlite3_prepare_v2(raw, "PRAGMA user_version", -1, &version, nullptr),
      SQLITE_OK);
  ASSERT_EQ(sqlite3_step(version), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(version, 0), 1);
  sqlite3_finalize(version);
  sqlite3_stmt* tables = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(raw,
                               "SELECT count(*) FROM sqlite_schema WHERE "
                               "name IN ('entities', 'stories', 'mentions')",
                               -1, &tables, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(tables), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(tables, 0), 0) << "no half-migrated schema";
  sqlite3_finalize(tables);
  sqlite3_close(raw);
}

// ---------------------------------------------------------------------------
// The store stage, driven through its C ABI like the host does.

struct FakeHost {
  static nf_result Emit(void* context, const void* data, size_t size) {
    static_cast<FakeHost*>(context)->emitted.emplace_back(
        static_cast<const char*>(data), size);
    return NF_OK;
  }
  static void Log(void* context, nf_log_level, const char* message) {
    static_cast<FakeHost*>(context)->logs.emplace_back(message);
  }
  static void Reject(void* context, const char* what, const char*, const void*,
                     size_t) {
    static_cast<FakeHost*>(context)->rejected.emplace_back(what);
  }

  std::vector<std::string> emitted;
  std::vector<std::string> logs;
  std::vector<std::string> rejected;
  nf_host host{sizeof(nf_host), this,    &Emit,   &Log,
               &Reject,         nullptr, nullptr, nullptr};
};

// One stage instance created through kStoreStageType.
class StageInstance {
 public:
  StageInstance(const std::string& options_json, FakeHost& host)
      : error_{buffer_, sizeof(buffer_)} {
    instance_ =
        kStoreStageType.create(options_json.c_str(), &host.host, &error_);
  }
  ~StageInstance() {
    if (instance_ != nullptr) kStoreStageType.destroy(instance_);
  }
  StageInstance(const StageInstance&) = delete;
  StageInstance& operator=(const StageInstance&) = delete;

  bool created() const { return instance_ != nullptr; }
  std::string error() const { return buffer_; }

  nf_result Process(const v1::Article& article) {
    return ProcessBytes(article.SerializeAsString());
  }
  nf_result ProcessBytes(const std::string& bytes) {
    buffer_[0] = '\0';
    return kStoreStageType.process(instance_, bytes.data(), bytes.size(),
                                   &error_);
  }
  nf_result Flush() {
    buffer_[0] = '\0';
    return kStoreStageType.flush(instance_, &error_);
  }

 private:
  char buffer_[1024] = {};
  nf_error error_;
  void* instance_ = nullptr;
};

int64_t StoredCount(const std::string& path) {
  std::unique_ptr<ArticleDb> reader = OpenOrDie(path, OpenMode::kReadOnly);
  return reader == nullptr ? -1 : CountOrDie(*reader);
}

using StoreStageTest = TempDirTest;

// The stage's options JSON for the database at `path`.
std::string BatchOptions(const std::string& path, int batch_size,
                         int batch_delay_ms) {
  return absl::StrCat(R"({"path": ")", path, R"(", "batch_size": )", batch_size,
                      R"(, "batch_delay_ms": )", batch_delay_ms, "}");
}

TEST_F(StoreStageTest, DescriptorIsASinkOfArticles) {
  EXPECT_STREQ(kStoreStageType.name, "store");
  EXPECT_EQ(kStoreStageType.kind, NF_STAGE_SINK);
  EXPECT_STREQ(kStoreStageType.consumes, "newsflow.v1.Article");
  EXPECT_EQ(kStoreStageType.emits, nullptr);
  EXPECT_NE(kStoreStageType.flush, nullptr);
}

TEST_F(StoreStageTest, OptionSchemaListsEveryOptionsField) {
  const google::protobuf::Descriptor* descriptor =
      stages::store::StoreOptions::descriptor();
  ASSERT_EQ(kStoreStageType.option_count,
            static_cast<size_t>(descriptor->field_count()));
  for (size_t i = 0; i < kStoreStageType.option_count; ++i) {
    EXPECT_NE(descriptor->FindFieldByName(kStoreStageType.options[i].name),
              nullptr)
        << kStoreStageType.options[i].name;
  }
}

TEST_F(StoreStageTest, CommitsFullBatchesAndTheRestOnFlush) {
  const std::string path = PathOf("out/news.db");  // Folder made on demand.
  FakeHost host;
  StageInstance stage(
      absl::StrCat(R"({"path": ")", path,
                   R"(", "batch_size": 3, "batch_delay_ms": 600000})"),
      host);
  ASSERT_TRUE(stage.created()) << stage.error();

  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(stage.Process(MakeArticle(absl::StrCat("s", i),
                                        absl::StrCat("Market day ", i),
                                        "Stalls sold early cherries.")),
              NF_OK)
        << stage.error();
    EXPECT_EQ(StoredCount(path), i < 2 ? 0 : 3) << "after article " << i;
  }
  ASSERT_EQ(stage.Flush(), NF_OK) << stage.error();
  EXPECT_EQ(StoredCount(path), 5);
  ASSERT_EQ(stage.Flush(), NF_OK) << "flushing nothing is fine";

  std::unique_ptr<ArticleDb> reader = OpenOrDie(path, OpenMode::kReadOnly);
  ASSERT_NE(reader, nullptr);
  std::vector<v1::Article> stored = ExportAll(*reader);
  ASSERT_EQ(stored.size(), 5u);
  EXPECT_EQ(stored[4].title(), "Market day 4");
  EXPECT_TRUE(host.emitted.empty()) << "a sink emits nothing";
}

// The option sqlite_index_word_pairs gives the store's index its form, and
// the store's idle merger (a connection of its own) keeps that form.
TEST_F(StoreStageTest, WordPairsOptionGivesTheIndexItsForm) {
  const std::string path = PathOf("news.db");
  int round = 0;
  for (const char* pairs : {"true", "false", "true"}) {
    SCOPED_TRACE(pairs);
    ++round;
    FakeHost host;
    StageInstance stage(
        absl::StrCat(R"({"path": ")", path,
                     R"(", "batch_size": 1, "index_merge_idle_ms": 10, )",
                     R"("sqlite_index_word_pairs": )", pairs, "}"),
        host);
    ASSERT_TRUE(stage.created()) << stage.error();
    // Each article indexed on its own stays a segment of its own, so that
    // only the idle merger (which opens the index as it is) makes one.
    KeepEachBatchAnIndexSegment(path);
    for (int i = 0; i < 3; ++i) {
      const int64_t seq_before = RawInt(path, "SELECT max(seq) FROM articles");
      ASSERT_EQ(stage.Process(MakeArticle(absl::StrCat("w", round, "-", i),
                                          "The firm said so",
                                          "Last year the firm said so.")),
                NF_OK)
          << stage.error();
      for (int wait = 0;
           wait < 600 &&
           RawInt(SqliteSearchIndexPath(path),
                  "SELECT upto FROM indexed WHERE name = 'seq'") <= seq_before;
           ++wait) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    }
    ASSERT_EQ(stage.Flush(), NF_OK) << stage.error();
    // Polled: the merger's merge is the event waited for.
    for (int wait = 0; wait < 600 && FtsSegments(path) > 1; ++wait) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    EXPECT_EQ(FtsSegments(path), 1);
    EXPECT_EQ(IndexHasPairs(path), std::string(pairs) == "true" ? 1 : 0);
  }
  // Read-write, to wait for the rebuild.
  std::unique_ptr<ArticleDb> reader = OpenOrDie(path, OpenMode::kReadWrite);
  ASSERT_NE(reader, nullptr);
  ASSERT_TRUE(reader->WaitForSearchIndex().ok());
  EXPECT_EQ(IndexHasPairs(path), 1);
  EXPECT_EQ(HitIds(reader->Search("\"last year\"", 10)).size(), 9u);
}

// After a bulk load the store merges the index into one piece once idle;
// with index_merge_idle_ms 0 it leaves the pieces alone. Either way every
// article is found.
TEST_F(StoreStageTest, IdleStoreMergesTheSearchIndex) {
  for (int idle_ms : {0, 50}) {
    SCOPED_TRACE(absl::StrCat("index_merge_idle_ms ", idle_ms));
    const std::string path = PathOf(absl::StrCat("news", idle_ms, ".db"));
    FakeHost host;
    StageInstance stage(
        absl::StrCat(R"({"path": ")", path,
                     R"(", "batch_size": 2, "batch_delay_ms": 600000, )",
                     R"("index_merge_idle_ms": )", idle_ms, "}"),
        host);
    ASSERT_TRUE(stage.created()) << stage.error();
    // Automerge off: every batch stays a segment of its own.
    KeepEachBatchAnIndexSegment(path);
    for (int i = 0; i < 40; ++i) {
      ASSERT_EQ(stage.Process(MakeArticle(absl::StrCat("m", i),
                                          absl::StrCat("Tide table ", i),
                                          "Boats left the quay at dawn.")),
                NF_OK)
          << stage.error();
      // Each batch indexed before the next is stored, so each is a segment
      // (the indexer takes what is stored so far in one step). Polled.
      for (int wait = 0;
           i % 2 == 1 && wait < 600 &&
           RawInt(SqliteSearchIndexPath(path),
                  "SELECT upto FROM indexed WHERE name = 'seq'") < i + 1;
           ++wait) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    }
    ASSERT_EQ(stage.Flush(), NF_OK) << stage.error();
    if (idle_ms == 0) {
      EXPECT_GE(FtsSegments(path), 20);
    } else {
      // Polled, not timed: the merger has up to a minute on a busy machine.
      for (int wait = 0; wait < 600 && FtsSegments(path) > 1; ++wait) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
      EXPECT_EQ(FtsSegments(path), 1);
    }
    std::unique_ptr<ArticleDb> reader = OpenOrDie(path, OpenMode::kReadOnly);
    ASSERT_NE(reader, nullptr);
    EXPECT_EQ(HitIds(reader->Search("tide", 100)).size(), 40u);
    EXPECT_EQ(HitIds(reader->Search("quay dawn", 100)).size(), 40u);
  }
}

TEST_F(StoreStageTest, ZeroDelayCommitsEveryArticleOnArrival) {
  const std::string path = PathOf("news.db");
  FakeHost host;
  StageInstance stage(
      absl::StrCat(R"({"path": ")", path, R"(", "batch_delay_ms": 0})"), host);
  ASSERT_TRUE(stage.created()) << stage.error();
  ASSERT_EQ(stage.Process(MakeArticle("now", "Immediate", "x")), NF_OK);
  EXPECT_EQ(StoredCount(path), 1);
}

TEST_F(StoreStageTest, RefusesUnusableInputsAndGoesOn) {
  const std::string path = PathOf("news.db");
  FakeHost host;
  StageInstance stage(absl::StrCat(R"({"path": ")", path, R"("})"), host);
  ASSERT_TRUE(stage.created()) << stage.error();

  EXPECT_EQ(stage.ProcessBytes("\xff\xff\xff not protobuf"), NF_ERROR);
  EXPECT_EQ(stage.Process(MakeArticle("", "Nameless", "no id")), NF_ERROR);
  EXPECT_THAT(stage.error(), HasSubstr("without id"));
  EXPECT_EQ(stage.Process(MakeArticle("kept", "Kept", "yes")), NF_OK);
  ASSERT_EQ(stage.Flush(), NF_OK) << stage.error();
  EXPECT_EQ(StoredCount(path), 1);
}

TEST_F(StoreStageTest, BadOptionsFailCreation) {
  FakeHost host;
  const std::string path = PathOf("news.db");
  StageInstance typo(absl::StrCat(R"({"pth": ")", path, R"("})"), host);
  EXPECT_FALSE(typo.created());
  EXPECT_THAT(typo.error(), HasSubstr("invalid options"));
  StageInstance zero_batch(
      absl::StrCat(R"({"path": ")", path, R"(", "batch_size": 0})"), host);
  EXPECT_FALSE(zero_batch.created());
  EXPECT_THAT(zero_batch.error(), HasSubstr("batch_size"));
  StageInstance no_cache(
      absl::StrCat(R"({"path": ")", path, R"(", "sqlite_cache_mib": 0})"),
      host);
  EXPECT_FALSE(no_cache.created());
  EXPECT_THAT(no_cache.error(), HasSubstr("sqlite_cache_mib"));
  StageInstance small_cache(
      absl::StrCat(R"({"path": ")", path, R"(", "sqlite_cache_mib": 2})"),
      host);
  EXPECT_TRUE(small_cache.created()) << small_cache.error();
  StageInstance not_a_db(absl::StrCat(R"({"path": ")", dir_.string(), R"("})"),
                         host);
  EXPECT_FALSE(not_a_db.created());
  EXPECT_THAT(not_a_db.error(), HasSubstr(dir_.string()));
}

TEST_F(StoreStageTest, FailedCommitKeepsTheBatchForTheNextFlush) {
  DiskFullVfs vfs;
  const std::string path = PathOf("news.db");
  {
    FakeHost host;
    StageInstance stage(absl::StrCat(R"({"path": ")", path, R"("})"), host);
    ASSERT_TRUE(stage.created()) << stage.error();
    ASSERT_EQ(stage.Process(MakeArticle("k1", "Kept one", "a")), NF_OK);
    ASSERT_EQ(stage.Process(MakeArticle("k2", "Kept two", "b")), NF_OK);

    disk_full = true;
    EXPECT_EQ(stage.Flush(), NF_ERROR);
    disk_full = false;
    EXPECT_THAT(stage.error(), HasSubstr("full"));
    EXPECT_EQ(StoredCount(path), 0);

    ASSERT_EQ(stage.Flush(), NF_OK) << stage.error();
    EXPECT_EQ(StoredCount(path), 2);
  }  // The stage closes its database before the VFS goes away.
}

TEST_F(StoreStageTest, FailedCommitOfADueBatchDoesNotFailTheArticle) {
  // A failed Process() would dead-letter the article and acknowledge it
  // to its source although it is not stored.
  DiskFullVfs vfs;
  const std::string path = PathOf("news.db");
  {
    FakeHost host;
    StageInstance stage(BatchOptions(path, 2, 0), host);
    ASSERT_TRUE(stage.created()) << stage.error();
    disk_full = true;
    EXPECT_EQ(stage.Process(MakeArticle("d1", "Due one", "a")), NF_OK)
        << stage.error();
    EXPECT_EQ(stage.Process(MakeArticle("d2", "Due two", "b")), NF_OK)
        << stage.error();
    // A re-sent copy replaces the pending one rather than queueing twice.
    EXPECT_EQ(stage.Process(MakeArticle("d1", "Due one again", "a")), NF_OK);
    EXPECT_EQ(StoredCount(path), 0);
    EXPECT_THAT(host.logs, Contains(HasSubstr("unacknowledged")));
    EXPECT_EQ(stage.Flush(), NF_ERROR) << "still nothing stored";
    disk_full = false;

    ASSERT_EQ(stage.Flush(), NF_OK) << stage.error();
    std::unique_ptr<ArticleDb> reader = OpenOrDie(path, OpenMode::kReadOnly);
    ASSERT_NE(reader, nullptr);
    std::vector<v1::Article> stored = ExportAll(*reader);
    ASSERT_EQ(stored.size(), 2u);
    EXPECT_EQ(stored[0].title(), "Due one again");
    EXPECT_TRUE(host.rejected.empty());
  }
}

// A store stage on `path` whose batches are about 1,250 WAL pages each,
// checkpointed inside their commit; for the tests of failed checkpoints.
class CheckpointingStage {
 public:
  explicit CheckpointingStage(const std::string& path)
      : stage_(BatchOptions(path, 100000, 600000), host_),
        text_(LettersText(2)) {}

  StageInstance& stage() { return stage_; }
  int stored() const { return stored_; }

  // Stores one batch of 300 new articles.
  int StoreBatch() {
    for (int i = 0; i < 300; ++i) {
      EXPECT_EQ(stage_.Process(MakeArticle(absl::StrCat("c", stored_++),
                                           absl::StrCat("Heron ", i), text_)),
                NF_OK);
    }
    return stage_.Flush();
  }

  // Lines logged so far that contain `part`.
  int Logged(const std::string& part) const {
    return std::count_if(
        host_.logs.begin(), host_.logs.end(),
        [&](const std::string& log) { return absl::StrContains(log, part); });
  }

  const std::vector<std::string>& logs() const { return host_.logs; }

 private:
  FakeHost host_;
  StageInstance stage_;
  const std::string text_;
  int stored_ = 0;
};

// Failed checkpoints of the articles file fail no commit (the articles are
// in its WAL), so the running stage logs them from the database's
// background status: once while they last (not per batch), and once more
// when they end.
TEST_F(StoreStageTest, FailedCheckpointsAreLoggedOnceAndTheirEnd) {
  DiskFullVfs vfs;
  const std::string path = PathOf("news.db");
  {
    CheckpointingStage run(path);
    ASSERT_TRUE(run.stage().created()) << run.stage().error();
    ASSERT_EQ(run.StoreBatch(), NF_OK) << run.stage().error();
    EXPECT_EQ(run.Logged("checkpointing the articles file"), 0);

    news_db_full = true;
    for (int batch = 0; batch < 3; ++batch) {
      ASSERT_EQ(run.StoreBatch(), NF_OK)
          << "the articles are stored all the same";
    }
    EXPECT_EQ(run.Logged("checkpointing the articles file"), 1);
    EXPECT_THAT(run.logs(),
                Contains(AllOf(HasSubstr("checkpointing"), HasSubstr(path),
                               HasSubstr(sqlite3_errstr(SQLITE_FULL)))));
    EXPECT_EQ(run.Logged("succeeds again"), 0);

    news_db_full = false;
    // A checkpoint on the stage's thread may be kept from running by one on
    // the checkpoint thread; a later batch's succeeds.
    for (int batch = 0; batch < 20 && run.Logged("succeeds again") == 0;
         ++batch) {
      ASSERT_EQ(run.StoreBatch(), NF_OK) << run.stage().error();
    }
    EXPECT_EQ(run.Logged("succeeds again"), 1);
    EXPECT_EQ(run.Logged("checkpointing the articles file"), 1);
    EXPECT_EQ(StoredCount(path), run.stored());
  }  // The stage closes its database before the VFS goes away.
}

// Checkpoint failures that come and go (fail, recover, fail...) are
// rate-limited like lasting ones: at most one error line a minute, and a
// recovery is logged only after an error line.
TEST_F(StoreStageTest, FlappingCheckpointFailuresLogOnceAMinute) {
  DiskFullVfs vfs;
  const std::string path = PathOf("news.db");
  {
    CheckpointingStage run(path);
    ASSERT_TRUE(run.stage().created()) << run.stage().error();
    ASSERT_EQ(run.StoreBatch(), NF_OK) << run.stage().error();
    for (int batch = 0; batch < 12; ++batch) {
      news_db_full = batch % 2 == 0;
      ASSERT_EQ(run.StoreBatch(), NF_OK) << run.stage().error();
    }
    news_db_full = false;
    EXPECT_EQ(run.Logged("checkpointing the articles file"), 1);
    EXPECT_LE(run.Logged("succeeds again"), 1);
    EXPECT_EQ(StoredCount(path), run.stored());
  }  // The stage closes its database before the VFS goes away.
}

TEST_F(StoreStageTest, ArticleTheDatabaseRefusesIsDeadLetteredAlone) {
  // One article the database will never take must not hold back its
  // batch forever: the others are stored, it becomes a dead letter.
  const std::string path = PathOf("news.db");
  ASSERT_NE(OpenOrDie(path, OpenMode::kReadWrite), nullptr);
  {
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
    const int result = sqlite3_exec(
        raw,
        "CREATE TRIGGER poison BEFORE INSERT ON articles "
        "WHEN new.id = 'poison' BEGIN SELECT RAISE(ABORT, 'poisoned row'); "
        "END",
        nullptr, nullptr, nullptr);
    sqlite3_close(raw);
    ASSERT_EQ(result, SQLITE_OK);
  }
  FakeHost host;
  StageInstance stage(
      absl::StrCat(R"({"path": ")", path,
                   R"(", "batch_size": 3, "batch_delay_ms": 600000})"),
      host);
  ASSERT_TRUE(stage.created()) << stage.error();
  for (const char* id : {"fine1", "poison", "fine2"}) {
    EXPECT_EQ(stage.Process(MakeArticle(id, "Pier", "Boats.")), NF_OK)
        << stage.error();
  }
  EXPECT_EQ(StoredCount(path), 2);
  EXPECT_THAT(host.rejected, ElementsAre("article poison"));
  EXPECT_EQ(stage.Flush(), NF_OK) << "nothing left pending";

  std::unique_ptr<ArticleDb> reader = OpenOrDie(path, OpenMode::kReadOnly);
  ASSERT_NE(reader, nullptr);
  absl::StatusOr<std::vector<DeadLetter>> letters = reader->ListDeadLetters(10);
  ASSERT_TRUE(letters.ok()) << letters.status();
  ASSERT_EQ(letters->size(), 1u);
  EXPECT_EQ((*letters)[0].stage, "store");
  EXPECT_THAT((*letters)[0].reason, HasSubstr("poisoned row"));
  v1::Article refused;
  ASSERT_TRUE(refused.ParseFromString((*letters)[0].raw));
  EXPECT_EQ(refused.id(), "poison");
}

TEST_F(StoreStageTest, PostgresUrlMustGoInTheUrlOption) {
  FakeHost host;
  // What the runner makes of a URL given as a path: resolved against the
  // config's folder.
  StageInstance mangled(
      R"({"path": "/etc/newsflow/postgresql:/news@db.example/news"})", host);
  EXPECT_FALSE(mangled.created());
  EXPECT_THAT(mangled.error(), HasSubstr("url"));
  StageInstance not_postgres(
      absl::StrCat(R"({"url": ")", PathOf("news.db"), R"("})"), host);
  EXPECT_FALSE(not_postgres.created());
  EXPECT_THAT(not_postgres.error(), HasSubstr("postgresql://"));
}

TEST_F(StoreStageTest, UrlOptionStoresIntoPostgres) {
  NEWSFLOW_REQUIRE_PG_SERVER();
  const std::string url = PgTestServer::NewDatabase();
  ASSERT_FALSE(url.empty());
  {
    FakeHost host;
    StageInstance stage(
        absl::StrCat(R"({"url": ")", url, R"(", "path": ")",
                     PathOf("unused.db"),
                     R"(", "batch_size": 2, "batch_delay_ms": 600000})"),
        host);
    ASSERT_TRUE(stage.created()) << stage.error();
    for (int i = 0; i < 3; ++i) {
      ASSERT_EQ(stage.Process(MakeArticle(absl::StrCat("pg", i),
                                          absl::StrCat("Ferry timetable ", i),
                                          "Crossings resume at dawn.")),
                NF_OK)
          << stage.error();
    }
    ASSERT_EQ(stage.Flush(), NF_OK) << stage.error();
    EXPECT_FALSE(std::filesystem::exists(PathOf("unused.db")));
  }
  std::unique_ptr<ArticleDb> reader = OpenOrDie(url, OpenMode::kReadOnly);
  ASSERT_NE(reader, nullptr);
  EXPECT_EQ(CountOrDie(*reader), 3);
  reader.reset();
  PgTestServer::DropDatabase(url);
}

}  // namespace
}  // namespace newsflow

namespace newsflow {
namespace {

// Stores `count` articles of common words at `path` with an index without
// pairs, in batches of `batch_size`, and waits for the index.
void StoreArticlesWithoutPairs(const std::string& path, int count,
                               int batch_size) {
  std::unique_ptr<ArticleDb> db = OpenWithPairs(path, WordPairs::kWithout);
  ASSERT_NE(db, nullptr);
  std::vector<v1::Article> batch;
  for (int i = 0; i < count; ++i) {
    batch.push_back(MakeArticle(
        absl::StrCat("r", i), absl::StrCat("Last year of the corp ", i),
        absl::StrCat("The firm said the loss of the year was ", i,
                     " million, after the company sold shares of the "
                     "bank last year.")));
    if (static_cast<int>(batch.size()) == batch_size || i + 1 == count) {
      ASSERT_TRUE(db->UpsertBatch(batch).ok());
      batch.clear();
    }
  }
  ASSERT_TRUE(db->WaitForSearchIndex().ok());
}

// A store at `path` of `count` articles indexed without pairs, opened with
// the option on (a rebuild under way) after one more article ("new") was
// stored; null on failure.
std::unique_ptr<ArticleDb> StoreOneDuringAFormRebuild(const std::string& path,
                                                      int count,
                                                      int batch_size) {
  StoreArticlesWithoutPairs(path, count, batch_size);
  std::unique_ptr<ArticleDb> db = OpenWithPairs(path, WordPairs::kWith);
  if (db == nullptr ||
      !db->UpsertBatch({MakeArticle("new", "Kettle", "A new kettle.")}).ok()) {
    ADD_FAILURE() << "storing during the rebuild";
    return nullptr;
  }
  return db;
}

int64_t IndexedUpto(const std::string& path) {
  return RawInt(SqliteSearchIndexPath(path),
                "SELECT upto FROM indexed WHERE name = 'seq'");
}

// A store opened with the other form (the option changed) rebuilds the
// index in the background; closing it after storing one article does not
// wait for the whole rebuild (the stage has a stop deadline): the next
// store goes on from the index's saved marks. Before, closing indexed all
// 20,000 again.
TEST_F(SqliteArticleDbTest, ClosingDuringAFormRebuildDoesNotWaitForIt) {
  const std::string path = PathOf("rebuild_close.db");
  constexpr int kArticles = 20000;
  std::unique_ptr<ArticleDb> db =
      StoreOneDuringAFormRebuild(path, kArticles, 1000);
  ASSERT_NE(db, nullptr);
  db.reset();
  EXPECT_LT(IndexedUpto(path), kArticles / 2)
      << "closing rebuilt the whole backlog";
  // The next store finishes the rebuild, the new article too.
  db = OpenWithPairs(path, WordPairs::kWith);
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(db->WaitForSearchIndex().ok());
  EXPECT_EQ(HitIds(db->Search("kettle", 10)),
            (std::vector<std::string>{"new"}));
  EXPECT_EQ(
      HitIds(db->Search("\"last year of the corp\"", kArticles + 1)).size(),
      static_cast<size_t>(kArticles));
}

// After the option changed, the store's batches do not wait for the
// background rebuild (the index's lag counts only what was stored since the
// open, up to kMaxIndexLag, 50,000): before, the first batch waited until
// all but 50,000 articles were indexed again, most of the rebuild.
TEST_F(SqliteArticleDbTest, StoringDuringAFormRebuildDoesNotWaitForIt) {
  const std::string path = PathOf("rebuild_store.db");
  constexpr int kArticles = 110000;
  std::unique_ptr<ArticleDb> db =
      StoreOneDuringAFormRebuild(path, kArticles, 5000);
  ASSERT_NE(db, nullptr);
  EXPECT_LT(IndexedUpto(path), kArticles / 2)
      << "the batch waited for the rebuild";
  ASSERT_TRUE(db->WaitForSearchIndex().ok());
}

// Two read-write stores on one file with different forms (two replicas, or
// a reload racing the old process): the second one's open drops and remakes
// the index under the first one's running indexer, and the index still
// holds every article, found by both.
TEST_F(SqliteArticleDbTest, TwoStoresWithDifferentFormsOnOneFileFindTheSame) {
  const std::string path = PathOf("two_forms.db");
  auto article = [](int i, int version) {
    return MakeArticle(
        absl::StrCat("t", i), absl::StrCat("Last year ", i),
        absl::StrCat("The firm said the loss of the year was ", i, " v",
                     version, version % 2 == 0 ? " last year" : " kelp"));
  };
  std::unique_ptr<ArticleDb> a = OpenWithPairs(path, WordPairs::kWith);
  ASSERT_NE(a, nullptr);
  std::vector<v1::Article> batch;
  for (int i = 0; i < 3000; ++i) batch.push_back(article(i, 0));
  ASSERT_TRUE(a->UpsertBatch(batch).ok());
  std::unique_ptr<ArticleDb> b = OpenWithPairs(path, WordPairs::kWithout);
  ASSERT_NE(b, nullptr);
  for (int round = 1; round <= 6; ++round) {
    std::vector<v1::Article> more;
    for (int i = round * 100; i < 3000; i += 7)
      more.push_back(article(i, round));
    for (int i = 0; i < 50; ++i)
      more.push_back(article(3000 + round * 50 + i, round));
    ASSERT_TRUE((round % 2 ? a : b)->UpsertBatch(more).ok());
  }
  ASSERT_TRUE(a->WaitForSearchIndex().ok());
  ASSERT_TRUE(b->WaitForSearchIndex().ok());
  absl::StatusOr<std::vector<SearchHit>> viaa =
      a->Search("\"last year\" kelp", 10000);
  absl::StatusOr<std::vector<SearchHit>> viab =
      b->Search("\"last year\" kelp", 10000);
  ASSERT_TRUE(viaa.ok() && viab.ok());
  EXPECT_EQ(viaa->size(), viab->size());
  a.reset();
  b.reset();
  ExpectSearchIndexMatchesArticles(path);
  std::unique_ptr<ArticleDb> ro = OpenOrDie(path, OpenMode::kReadOnly);
  int64_t expected =
      RawInt(path, "SELECT count(*) FROM articles WHERE body LIKE '%kelp%'");
  absl::StatusOr<std::vector<SearchHit>> hits =
      ro->Search("\"last year\" kelp", 100000);
  ASSERT_TRUE(hits.ok());
  EXPECT_EQ(static_cast<int64_t>(hits->size()), expected);
  EXPECT_EQ(static_cast<int64_t>(
                ro->Search("\"the year\" \"last year\"", 100000)->size()),
            RawInt(path, "SELECT count(*) FROM articles"));
}

// As TwoStoresWithDifferentFormsOnOneFileFindTheSame, for the entity form:
// a replica opening with sqlite_add_entity_tokens drops and remakes the
// index with a third column under the first store's running indexer, which
// then writes the form the index has (its statements follow the form).
TEST_F(SqliteArticleDbTest,
       TwoStoresWithDifferentEntityFormsOnOneFileFindTheSame) {
  const std::string path = PathOf("two_entity_forms.db");
  auto article = [](int i, int version) {
    v1::Article made =
        MakeArticle(absl::StrCat("t", i), absl::StrCat("Kelp ", i),
                    absl::StrCat("The kelp of the bay ", i, " v", version));
    AddEntity(made, "Kestrel", v1::ORG, "Kestrel", "org:kestrel", 1,
              {"Kestrel"});
    return made;
  };
  std::unique_ptr<ArticleDb> a =
      OpenWithForm(path, WordPairs::kAsIndexed, EntityTokens::kWithout);
  ASSERT_NE(a, nullptr);
  std::vector<v1::Article> batch;
  for (int i = 0; i < 300; ++i) batch.push_back(article(i, 0));
  ASSERT_TRUE(a->UpsertBatch(batch).ok());
  ASSERT_TRUE(a->WaitForSearchIndex().ok());
  std::unique_ptr<ArticleDb> b =
      OpenWithForm(path, WordPairs::kAsIndexed, EntityTokens::kWith);
  ASSERT_NE(b, nullptr);
  ASSERT_TRUE(b->WaitForSearchIndex().ok());
  std::vector<v1::Article> more;
  for (int i = 300; i < 350; ++i) more.push_back(article(i, 1));
  ASSERT_TRUE(a->UpsertBatch(more).ok());
  absl::Status waited = a->WaitForSearchIndex();
  EXPECT_TRUE(waited.ok()) << waited;
  EXPECT_TRUE(b->WaitForSearchIndex().ok());
  for (ArticleDb* db : {a.get(), b.get()}) {
    SearchRequest request;
    request.text = "kelp";
    request.filter.entity = "Kestrel";
    request.limit = 1000;
    absl::StatusOr<std::vector<SearchHit>> hits = db->Search(request);
    ASSERT_TRUE(hits.ok()) << hits.status();
    EXPECT_EQ(hits->size(), 350u);
  }
}

// An index made by a build with another common-word list (its declaration
// names another VERSION) is rebuilt with this build's list even by an open
// that keeps the index's form (kAsIndexed: the idle merger, import): this
// build would write its rows without that list's pairs, which that build's
// phrase queries then miss.
TEST_F(SqliteArticleDbTest, AnotherListsIndexIsRebuiltWithThisBuildsList) {
  const std::string path = PathOf("another_list.db");
  {
    std::unique_ptr<ArticleDb> db = OpenWithPairs(path, WordPairs::kWith);
    ASSERT_NE(db, nullptr);
    ASSERT_TRUE(db->UpsertBatch(CommonWordArticles()).ok());
    ASSERT_TRUE(db->WaitForSearchIndex().ok());
  }
  RawExec(SqliteSearchIndexPath(path),
          "PRAGMA writable_schema = ON; UPDATE sqlite_schema SET sql = "
          "replace(sql, 'newsflow_pairs 1 ', 'newsflow_pairs 999 ') WHERE "
          "name = 'articles_fts'");
  const std::string declared =
      "SELECT instr(sql, '" + std::string(kWordPairsTokenize) +
      "') > 0 FROM sqlite_schema WHERE name = 'articles_fts'";
  ASSERT_EQ(RawInt(SqliteSearchIndexPath(path), declared), 0);
  std::unique_ptr<ArticleDb> db = OpenWithPairs(path, WordPairs::kAsIndexed);
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(
      db->UpsertBatch({MakeArticle("a4", "Corp", "Last year the firm.")}).ok());
  ASSERT_TRUE(db->WaitForSearchIndex().ok());
  EXPECT_EQ(RawInt(SqliteSearchIndexPath(path), declared), 1);
  EXPECT_EQ(HitIds(db->Search("\"last year\"", 10)),
            (std::vector<std::string>{"a1", "a3", "a4"}));
  db.reset();
  ExpectSearchIndexMatchesArticles(path);
}

}  // namespace
}  // namespace newsflow
