#include <sqlite3.h>
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "newsflow/v1/article.pb.h"
#include "stages/store/article_db.h"
#include "stages/store/store_stage.h"
#include "store_options.pb.h"

namespace newsflow {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
using OpenMode = ArticleDb::OpenMode;

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

std::unique_ptr<ArticleDb> OpenOrDie(const std::string& path, OpenMode mode) {
  absl::StatusOr<std::unique_ptr<ArticleDb>> db = ArticleDb::Open(path, mode);
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

// Runs SQL on the database file through a connection of its own, the way a
// foreign tool (or an older/newer newsflow) would.
void RawExec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* error = nullptr;
  int result = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
  std::string message = error ? error : "";
  sqlite3_free(error);
  sqlite3_close(db);
  ASSERT_EQ(result, SQLITE_OK) << message;
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
};

sqlite3_file* Real(sqlite3_file* file) {
  return reinterpret_cast<WrappedFile*>(file)->real;
}

std::atomic<bool> disk_full{false};
sqlite3_vfs* real_vfs = nullptr;

int WrappedClose(sqlite3_file* f) { return Real(f)->pMethods->xClose(Real(f)); }
int WrappedRead(sqlite3_file* f, void* data, int amount, sqlite3_int64 at) {
  return Real(f)->pMethods->xRead(Real(f), data, amount, at);
}
int WrappedWrite(sqlite3_file* f, const void* data, int amount,
                 sqlite3_int64 at) {
  if (disk_full) return SQLITE_FULL;
  return Real(f)->pMethods->xWrite(Real(f), data, amount, at);
}
int WrappedTruncate(sqlite3_file* f, sqlite3_int64 size) {
  return Real(f)->pMethods->xTruncate(Real(f), size);
}
int WrappedSync(sqlite3_file* f, int flags) {
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
  return Real(f)->pMethods->xShmLock(Real(f), offset, n, flags);
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
    sqlite3_vfs_unregister(&vfs_);
    sqlite3_vfs_register(real_vfs, /*makeDflt=*/1);
  }
  DiskFullVfs(const DiskFullVfs&) = delete;
  DiskFullVfs& operator=(const DiskFullVfs&) = delete;

 private:
  sqlite3_vfs vfs_;
};

// ---------------------------------------------------------------------------
// ArticleDb

using ArticleDbTest = TempDirTest;

TEST_F(ArticleDbTest, CreatesThenReopensReadWriteAndReadOnly) {
  const std::string path = PathOf("news.db");
  {
    std::unique_ptr<ArticleDb> db = OpenOrDie(path, OpenMode::kReadWrite);
    ASSERT_NE(db, nullptr);
    EXPECT_TRUE(std::filesystem::exists(path));
    EXPECT_EQ(db->location(), path);
    EXPECT_EQ(CountOrDie(*db), 0);
    ASSERT_TRUE(db->UpsertBatch({MakeArticle("a1", "Harbour reopens", "x"),
                                 MakeArticle("a2", "Ferry delayed", "y")})
                    .ok());
  }
  {
    std::unique_ptr<ArticleDb> db = OpenOrDie(path, OpenMode::kReadWrite);
    ASSERT_NE(db, nullptr);
    EXPECT_EQ(CountOrDie(*db), 2);
  }
  std::unique_ptr<ArticleDb> db = OpenOrDie(path, OpenMode::kReadOnly);
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(CountOrDie(*db), 2);
}

TEST_F(ArticleDbTest, UpsertOfSameIdKeepsOneRowWithLatestFields) {
  std::unique_ptr<ArticleDb> db =
      OpenOrDie(PathOf("news.db"), OpenMode::kReadWrite);
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(db->UpsertBatch({MakeArticle("same", "Orchard frost warning",
                                           "Growers cover apricot trees.")})
                  .ok());
  v1::Article revised =
      MakeArticle("same", "Orchard frost eases", "Growers uncover the plums.");
  revised.set_story_id("story-7");
  ASSERT_TRUE(db->UpsertBatch({revised}).ok());

  EXPECT_EQ(CountOrDie(*db), 1);
  std::vector<v1::Article> stored = ExportAll(*db);
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].title(), "Orchard frost eases");
  EXPECT_EQ(stored[0].body(), "Growers uncover the plums.");
  EXPECT_EQ(stored[0].story_id(), "story-7");

  // The search index follows the row: no stale hits for replaced words.
  absl::StatusOr<std::vector<SearchHit>> old_words =
      db->Search("apricot OR warning", 10);
  ASSERT_TRUE(old_words.ok()) << old_words.status();
  EXPECT_TRUE(old_words->empty());
  absl::StatusOr<std::vector<SearchHit>> new_words = db->Search("plums", 10);
  ASSERT_TRUE(new_words.ok()) << new_words.status();
  ASSERT_EQ(new_words->size(), 1u);
  EXPECT_EQ((*new_words)[0].title, "Orchard frost eases");
}

TEST_F(ArticleDbTest, LaterDuplicateWithinOneBatchWins) {
  std::unique_ptr<ArticleDb> db =
      OpenOrDie(PathOf("news.db"), OpenMode::kReadWrite);
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(db->UpsertBatch({MakeArticle("dup", "First take", "one"),
                               MakeArticle("other", "Unrelated", "two"),
                               MakeArticle("dup", "Second take", "three")})
                  .ok());
  std::vector<v1::Article> stored = ExportAll(*db);
  ASSERT_EQ(stored.size(), 2u);
  EXPECT_EQ(stored[0].id(), "dup");
  EXPECT_EQ(stored[0].title(), "Second take");
}

TEST_F(ArticleDbTest, BatchOfAThousandIsAllOrNothing) {
  const std::string path = PathOf("news.db");
  std::unique_ptr<ArticleDb> db = OpenOrDie(path, OpenMode::kReadWrite);
  ASSERT_NE(db, nullptr);
  // A trigger (as a foreign tool could add) that refuses one article makes
  // the batch fail in the middle.
  RawExec(path,
          "CREATE TRIGGER refuse_poison BEFORE INSERT ON articles "
          "WHEN new.id = 'article-0700' "
          "BEGIN SELECT RAISE(ABORT, 'refused by the test trigger'); END;");

  std::vector<v1::Article> batch;
  for (int i = 0; i < 1000; ++i) {
    std::string number = std::to_string(i);
    number.insert(0, 4 - number.size(), '0');
    batch.push_back(MakeArticle("article-" + number,
                                absl::StrCat("Bulletin number ", i),
                                "Tide tables for the northern coast."));
  }
  absl::Status failed = db->UpsertBatch(batch);
  EXPECT_FALSE(failed.ok());
  EXPECT_THAT(std::string(failed.message()), HasSubstr("article-0700"));
  EXPECT_THAT(std::string(failed.message()),
              HasSubstr("refused by the test trigger"));
  EXPECT_THAT(std::string(failed.message()), HasSubstr(path));
  EXPECT_EQ(CountOrDie(*db), 0) << "the first 700 must have been rolled back";

  RawExec(path, "DROP TRIGGER refuse_poison;");
  absl::Status stored = db->UpsertBatch(batch);
  ASSERT_TRUE(stored.ok()) << stored;
  EXPECT_EQ(CountOrDie(*db), 1000);
}

TEST_F(ArticleDbTest, ArticleWithoutIdIsRefused) {
  std::unique_ptr<ArticleDb> db =
      OpenOrDie(PathOf("news.db"), OpenMode::kReadWrite);
  ASSERT_NE(db, nullptr);
  absl::Status status = db->UpsertBatch(
      {MakeArticle("fine", "Fine", "ok"), MakeArticle("", "Nameless", "no")});
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("Nameless"));
  EXPECT_EQ(CountOrDie(*db), 0);
}

TEST_F(ArticleDbTest, TitleMatchOutranksBodyOnlyMatch) {
  std::unique_ptr<ArticleDb> db =
      OpenOrDie(PathOf("news.db"), OpenMode::kReadWrite);
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(
      db->UpsertBatch(
            {MakeArticle("body-only", "Council debates the bus timetable",
                         "A member asked about the glacier viewpoint car "
                         "park; the glacier shuttle returns in spring."),
             MakeArticle("title", "Glacier retreat measured by students",
                         "Pupils from the valley school placed markers along "
                         "the ice edge and returned each month."),
             MakeArticle("none", "Bakery wins regional prize",
                         "The rye loaf impressed the judges.")})
          .ok());

  absl::StatusOr<std::vector<SearchHit>> hits = db->Search("glacier", 10);
  ASSERT_TRUE(hits.ok()) << hits.status();
  ASSERT_EQ(hits->size(), 2u);
  EXPECT_EQ((*hits)[0].id, "title");
  EXPECT_EQ((*hits)[1].id, "body-only");
  EXPECT_GT((*hits)[0].score, (*hits)[1].score);
  EXPECT_EQ((*hits)[1].url, "https://example.test/body-only");
  EXPECT_EQ((*hits)[1].source, "unit-test");
  EXPECT_EQ((*hits)[1].published_at, "2031-04-02T08:15:00Z");
  EXPECT_THAT(
      (*hits)[1].snippet,
      HasSubstr(absl::StrCat(kSnippetMatchStart, "glacier", kSnippetMatchEnd)));
  EXPECT_THAT(
      (*hits)[0].snippet,
      HasSubstr(absl::StrCat(kSnippetMatchStart, "Glacier", kSnippetMatchEnd)));

  absl::StatusOr<std::vector<SearchHit>> limited = db->Search("glacier", 1);
  ASSERT_TRUE(limited.ok()) << limited.status();
  ASSERT_EQ(limited->size(), 1u);
  EXPECT_EQ((*limited)[0].id, "title");
}

TEST_F(ArticleDbTest, SearchSpeaksFts5Syntax) {
  std::unique_ptr<ArticleDb> db =
      OpenOrDie(PathOf("news.db"), OpenMode::kReadWrite);
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(
      db->UpsertBatch(
            {MakeArticle("a", "Ceasefire talks resume in the capital",
                         "Delegations met at the old observatory."),
             MakeArticle("b", "Observatory reopens after repairs",
                         "Visitors can book telescope evenings again."),
             MakeArticle("c", "Talks on fishing quotas stall",
                         "No ceasefire in the long quarrel over herring.")})
          .ok());
  auto ids = [&](const std::string& query) {
    std::vector<std::string> found;
    absl::StatusOr<std::vector<SearchHit>> hits = db->Search(query, 10);
    EXPECT_TRUE(hits.ok()) << query << ": " << hits.status();
    if (hits.ok()) {
      for (const SearchHit& hit : *hits) found.push_back(hit.id);
    }
    std::sort(found.begin(), found.end());
    return found;
  };
  EXPECT_EQ(ids("ceasefire AND talks"), (std::vector<std::string>{"a", "c"}));
  EXPECT_EQ(ids("ceasefire NOT herring"), (std::vector<std::string>{"a"}));
  EXPECT_EQ(ids("\"telescope evenings\""), (std::vector<std::string>{"b"}));
  EXPECT_EQ(ids("observ*"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(ids("title:observatory"), (std::vector<std::string>{"b"}));
}

TEST_F(ArticleDbTest, MalformedQueryIsInvalidArgumentQuotingIt) {
  std::unique_ptr<ArticleDb> db =
      OpenOrDie(PathOf("news.db"), OpenMode::kReadWrite);
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(
      db->UpsertBatch({MakeArticle("a", "Quiet day", "Nothing.")}).ok());

  absl::StatusOr<std::vector<SearchHit>> dangling =
      db->Search("ceasefire AND", 10);
  EXPECT_EQ(dangling.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(dangling.status().message()),
              HasSubstr("\"ceasefire AND\""));
  EXPECT_THAT(std::string(dangling.status().message()),
              HasSubstr("syntax error"));

  absl::StatusOr<std::vector<SearchHit>> unbalanced =
      db->Search("\"open quote", 10);
  EXPECT_EQ(unbalanced.status().code(), absl::StatusCode::kInvalidArgument);

  EXPECT_EQ(db->Search("   ", 10).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(db->Search("quiet", 0).status().code(),
            absl::StatusCode::kInvalidArgument);
  // A failed query leaves the database usable.
  absl::StatusOr<std::vector<SearchHit>> fine = db->Search("quiet", 5);
  ASSERT_TRUE(fine.ok()) << fine.status();
  EXPECT_EQ(fine->size(), 1u);
}

TEST_F(ArticleDbTest, ReaderWorksBesideAnOpenWriterAndSeesCommits) {
  const std::string path = PathOf("news.db");
  std::unique_ptr<ArticleDb> writer = OpenOrDie(path, OpenMode::kReadWrite);
  ASSERT_NE(writer, nullptr);
  ASSERT_TRUE(writer
                  ->UpsertBatch({MakeArticle("w1", "Lighthouse keeper retires",
                                             "Forty winters on the rock.")})
                  .ok());

  std::unique_ptr<ArticleDb> reader = OpenOrDie(path, OpenMode::kReadOnly);
  ASSERT_NE(reader, nullptr);
  EXPECT_EQ(CountOrDie(*reader), 1);

  ASSERT_TRUE(
      writer
          ->UpsertBatch({MakeArticle("w2", "New lamp installed",
                                     "The lighthouse beam is brighter."),
                         MakeArticle("w3", "Fog horn silenced",
                                     "Neighbours sleep soundly.")})
          .ok());
  EXPECT_EQ(CountOrDie(*reader), 3);
  absl::StatusOr<std::vector<SearchHit>> hits = reader->Search("lighthouse", 5);
  ASSERT_TRUE(hits.ok()) << hits.status();
  EXPECT_EQ(hits->size(), 2u);

  absl::Status write = reader->UpsertBatch({MakeArticle("r", "No", "no")});
  EXPECT_EQ(write.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(write.message()), HasSubstr("read-only"));
}

TEST_F(ArticleDbTest, ReadOnlyOpenOfMissingFileFailsNamingIt) {
  const std::string path = PathOf("absent.db");
  absl::StatusOr<std::unique_ptr<ArticleDb>> db =
      ArticleDb::Open(path, OpenMode::kReadOnly);
  EXPECT_EQ(db.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(db.status().message()), HasSubstr(path));
  EXPECT_FALSE(std::filesystem::exists(path)) << "must not create it";
}

TEST_F(ArticleDbTest, GarbageFileIsRefusedAndLeftUntouched) {
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

TEST_F(ArticleDbTest, ForeignSqliteDatabaseIsRefused) {
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

TEST_F(ArticleDbTest, NewerSchemaVersionIsRefused) {
  const std::string path = PathOf("news.db");
  ASSERT_NE(OpenOrDie(path, OpenMode::kReadWrite), nullptr);
  RawExec(path, "PRAGMA user_version = 9999;");
  for (OpenMode mode : {OpenMode::kReadOnly, OpenMode::kReadWrite}) {
    absl::StatusOr<std::unique_ptr<ArticleDb>> db = ArticleDb::Open(path, mode);
    ASSERT_FALSE(db.ok());
    EXPECT_EQ(db.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_THAT(std::string(db.status().message()), HasSubstr("9999"));
    EXPECT_THAT(std::string(db.status().message()), HasSubstr("newer"));
  }
}

TEST_F(ArticleDbTest, CorruptPagesGiveAnErrorNotACrash) {
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

TEST_F(ArticleDbTest, ExportReturnsFullArticlesInFirstStoredOrder) {
  std::unique_ptr<ArticleDb> db =
      OpenOrDie(PathOf("news.db"), OpenMode::kReadWrite);
  ASSERT_NE(db, nullptr);
  v1::Article rich = MakeArticle("rich", "Mayor Lind opens the river bridge",
                                 "The bridge links both banks of Eastford.");
  v1::Entity* mayor = rich.add_entities();
  mayor->set_text("Mayor Lind");
  mayor->set_type(v1::PERSON);
  mayor->set_canonical("Astrid Lind");
  mayor->set_canonical_id("person:astrid-lind");
  mayor->set_mentions(2);
  mayor->add_aliases("Lind");
  v1::TraceHop* hop = rich.add_trace();
  hop->set_stage("ingest");
  hop->set_at("2031-04-02T08:16:00.000001Z");
  hop->set_pid(4242);
  rich.add_keywords("bridge");
  rich.add_warnings("converted from windows-1252");
  v1::RemovedLine* removed = rich.add_removed();
  removed->set_text("Subscribe now");
  removed->set_reason("boilerplate");
  (*rich.mutable_metadata())["desk"] = "city";
  rich.set_language_confidence(0.97);
  rich.set_byline("By a staff writer");

  ASSERT_TRUE(db->UpsertBatch({MakeArticle("zeta", "First stored", "1"), rich,
                               MakeArticle("alpha", "Third stored", "3")})
                  .ok());
  // Replacing an article keeps its place in the export order.
  ASSERT_TRUE(
      db->UpsertBatch({MakeArticle("zeta", "First stored, revised", "1b")})
          .ok());

  std::vector<v1::Article> exported = ExportAll(*db);
  ASSERT_EQ(exported.size(), 3u);
  EXPECT_EQ(exported[0].id(), "zeta");
  EXPECT_EQ(exported[0].title(), "First stored, revised");
  EXPECT_TRUE(
      google::protobuf::util::MessageDifferencer::Equals(exported[1], rich))
      << exported[1].DebugString();
  EXPECT_EQ(exported[2].id(), "alpha");
}

TEST_F(ArticleDbTest, ForEachStopsAtTheVisitorsError) {
  std::unique_ptr<ArticleDb> db =
      OpenOrDie(PathOf("news.db"), OpenMode::kReadWrite);
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(db->UpsertBatch({MakeArticle("1", "One", "a"),
                               MakeArticle("2", "Two", "b"),
                               MakeArticle("3", "Three", "c")})
                  .ok());
  int visited = 0;
  absl::Status status = db->ForEach([&](const v1::Article&) {
    return ++visited == 2 ? absl::CancelledError("reader went away")
                          : absl::OkStatus();
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(visited, 2);
}

TEST_F(ArticleDbTest, FullDiskIsResourceExhaustedAndRollsBack) {
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
  nf_host host{sizeof(nf_host), this, &Emit, &Log, &Reject};
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

}  // namespace
}  // namespace newsflow
