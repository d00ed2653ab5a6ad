// The store keeps the pipeline's promise when its database fails: nothing is
// acknowledged that was not stored. The database becomes unwritable in the
// middle of a run (SQLite: another writer holds its lock; PostgreSQL: the
// server turns read-only), the store process is killed while it holds
// articles it could not store, and once the database is writable again
// every article arrives exactly once, with the catalogue and story counts
// as if nothing had happened. And several store replicas writing into one
// PostgreSQL database, killed in turn, neither duplicate nor deadlock.
//
// Real processes over real sockets. PostgreSQL cases run against a
// throwaway server this test program starts (scripts/pg-test-server) and
// skip, saying why, when PostgreSQL is not installed.
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/article_json.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "stages/store/article_db.h"
#include "tests/integration/harness.h"
#include "tests/unit/stages/store_test_support.h"

namespace newsflow::testing {
namespace {

using store_test::PgTestServer;

// Entities and stories the generated articles share, so that every batch
// of every writer updates the same catalogue and story rows.
constexpr int kStories = 40;
struct SharedEntity {
  const char* canonical_id;
  const char* name;
  v1::EntityType type;
  // Mentioned by articles whose number is a multiple of this.
  int every;
};
constexpr SharedEntity kEntities[] = {
    {"org:harbour-board", "Harbour Board", v1::ORG, 1},
    {"loc:northport", "Northport", v1::LOC, 2},
    {"person:ada-quill", "Ada Quill", v1::PERSON, 3},
    {"misc:tidal-act", "Tidal Act", v1::MISC, 7},
};

// Writes `count` articles (ids PREFIX-N) as JSON lines under `dir`.
void WriteArticles(const std::string& dir, const std::string& prefix,
                   int count) {
  std::string lines;
  for (int i = 0; i < count; ++i) {
    v1::Article article;
    article.set_id(absl::StrCat(prefix, "-", i));
    article.set_title(absl::StrCat("Harbour report ", i));
    article.set_body(absl::StrCat(
        "The Harbour Board met in Northport to discuss berth ", i,
        ". Ada Quill said the Tidal Act would apply to the new quay."));
    article.set_url(absl::StrCat("https://outlet", i % 5, ".test/", i));
    article.set_published_at(absl::FormatTime(
        "%Y-%m-%dT%H:%M:%SZ", absl::FromUnixSeconds(1900000000 + 60 * i),
        absl::UTCTimeZone()));
    article.set_story_id(absl::StrCat("story-", i % kStories));
    for (const SharedEntity& shared : kEntities) {
      if (i % shared.every != 0) continue;
      v1::Entity* entity = article.add_entities();
      entity->set_text(shared.name);
      entity->set_type(shared.type);
      entity->set_canonical(shared.name);
      entity->set_canonical_id(shared.canonical_id);
      entity->set_mentions(1);
      entity->add_aliases(shared.name);
    }
    absl::StrAppend(&lines, *ArticleToJson(article), "\n");
    if (i % 500 == 499 || i == count - 1) {
      std::ofstream(absl::StrCat(dir, "/part-", i / 500, ".jsonl")) << lines;
      lines.clear();
    }
  }
}

class StoreDeliveryTest : public ::testing::Test {
 protected:
  // A pipeline ingest -> store (with `store_options`), slowed down at the
  // store so that the test can act while articles flow.
  std::string Config(const std::string& store_options) {
    return dir_.Write(
        "pipeline.yaml",
        absl::StrCat(
            "pipeline: store-delivery\nrun_dir: ", dir_.path(), "/run\n",
            "restart: { max_restarts: 1000, backoff_max_ms: 300 }\n",
            "delivery: { ack_timeout_ms: 2000, max_in_flight: 300 }\n",
            "stages:\n", "  ingest: { type: ingest, paths: [", inbox_.path(),
            "] }\n", "  store:  { type: store, inputs: [ingest], ",
            "batch_size: 50, batch_delay_ms: 50, ", store_options, " }\n"));
  }

  std::vector<pid_t> StorePids(int replica) const {
    return StageProcesses(absl::StrCat(dir_.path(), "/run/store.", replica));
  }

  // Every PREFIX-N, 0 <= N < count, stored once, with exact catalogue and
  // story counts (a re-sent article counted twice would show there).
  void ExpectAllStoredOnce(const std::string& location,
                           const std::string& prefix, int count) {
    absl::StatusOr<std::unique_ptr<ArticleDb>> db =
        ArticleDb::Open(location, ArticleDb::OpenMode::kReadOnly);
    ASSERT_TRUE(db.ok()) << db.status();
    absl::flat_hash_set<std::string> ids;
    int stored = 0;
    ASSERT_TRUE((*db)
                    ->ForEach([&](const v1::Article& article) {
                      ++stored;
                      ids.insert(article.id());
                      return absl::OkStatus();
                    })
                    .ok());
    EXPECT_EQ(stored, count);
    EXPECT_EQ(static_cast<int>(ids.size()), count);
    for (int i = 0; i < count; ++i) {
      if (!ids.contains(absl::StrCat(prefix, "-", i))) {
        ADD_FAILURE() << prefix << "-" << i << " is missing";
        break;
      }
    }

    EntityQuery all_entities;
    absl::StatusOr<std::vector<EntityInfo>> entities =
        (*db)->Entities(all_entities);
    ASSERT_TRUE(entities.ok()) << entities.status();
    std::map<std::string, int64_t> article_counts;
    for (const EntityInfo& info : *entities) {
      article_counts[info.entity.canonical_id] = info.entity.article_count;
    }
    for (const SharedEntity& shared : kEntities) {
      EXPECT_EQ(article_counts[shared.canonical_id],
                (count + shared.every - 1) / shared.every)
          << shared.canonical_id;
    }
    StoryQuery all_stories;
    all_stories.limit = 1000;
    absl::StatusOr<std::vector<StoryInfo>> stories =
        (*db)->Stories(all_stories);
    ASSERT_TRUE(stories.ok()) << stories.status();
    ASSERT_EQ(stories->size(), static_cast<size_t>(kStories));
    for (const StoryInfo& story : *stories) {
      const int number = std::stoi(story.id.substr(story.id.find('-') + 1));
      EXPECT_EQ(story.article_count,
                count / kStories + (number < count % kStories ? 1 : 0))
          << story.id;
    }
  }

  // No article went to the dead letters: a store that failed an article
  // because of its database would also have acknowledged it.
  void ExpectNoDeadLetters(const std::string& config) {
    CommandResult letters =
        RunCommand({NewsflowBinary(), "deadletters", "-c", config, "--json"});
    EXPECT_EQ(letters.exit_code, 0) << letters.err;
    EXPECT_EQ(letters.out, "");
  }

  // Waits until the store has said that it cannot store.
  bool WaitForStoreFailure(const ChildProcess& runner) {
    return WaitFor(
        [&] {
          const std::string err = runner.Stderr();
          return absl::StrContains(err, "cannot store") ||
                 absl::StrContains(err, "flush failed");
        },
        absl::Seconds(60));
  }

  // Kills store replica 0 while it holds what it could not store; the
  // runner starts it again. First lets it fail for a while, so that
  // articles arriving at a failing store (not only idle flushes) are in
  // what it holds: SQLite waits out its 5 s busy timeout per attempt.
  void KillStore(const ChildProcess& runner) {
    absl::SleepFor(absl::Seconds(12));
    std::vector<pid_t> pids = StorePids(0);
    ASSERT_FALSE(pids.empty()) << runner.Stderr();
    ASSERT_EQ(kill(pids[0], SIGKILL), 0);
  }

  TempDir dir_;
  TempDir inbox_;
};

TEST_F(StoreDeliveryTest, SqliteLockedMidRunAcknowledgesNothingUnstored) {
  constexpr int kArticles = 3000;
  WriteArticles(inbox_.path(), "lock", kArticles);
  const std::string db_path = dir_.path() + "/news.db";
  const std::string config = Config("path: news.db, rate_limit: 400");
  ChildProcess runner({NewsflowBinary(), "run", config, "--once"}, dir_.path());
  ASSERT_TRUE(
      WaitFor([&] { return StoredCount(db_path) >= 300; }, absl::Seconds(60)))
      << runner.Stderr();

  // Another writer takes the database's write lock and keeps it.
  sqlite3* blocker = nullptr;
  ASSERT_EQ(sqlite3_open(db_path.c_str(), &blocker), SQLITE_OK);
  sqlite3_busy_timeout(blocker, 30000);
  ASSERT_EQ(sqlite3_exec(blocker, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr),
            SQLITE_OK)
      << sqlite3_errmsg(blocker);
  const int64_t stored_when_locked = StoredCount(db_path);
  EXPECT_LT(stored_when_locked, kArticles) << "the test was too slow";
  EXPECT_TRUE(WaitForStoreFailure(runner)) << runner.Stderr();
  KillStore(runner);
  // The store comes back, cannot even open the database, and is restarted
  // until it can.
  absl::SleepFor(absl::Seconds(3));
  EXPECT_EQ(StoredCount(db_path), stored_when_locked);
  sqlite3_exec(blocker, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(blocker);

  ASSERT_EQ(runner.Wait(absl::Seconds(240)), 0) << runner.Stderr();
  ExpectAllStoredOnce(db_path, "lock", kArticles);
  ExpectNoDeadLetters(config);
}

// The disk under the database fills up mid-run: the store stops
// acknowledging, says why, holds on, and once space is back stores
// everything exactly once. A real ENOSPC from a small tmpfs, which needs
// the right to mount (root, or CAP_SYS_ADMIN): skipped, saying so, without.
TEST_F(StoreDeliveryTest, SqliteFullDiskMidRunResumesWhenSpaceIsBack) {
  const std::string disk = dir_.path() + "/disk";
  ASSERT_EQ(mkdir(disk.c_str(), 0755), 0);
  // A mount namespace of this test process (and the pipeline it starts):
  // the tmpfs cannot outlive the test, however the test ends.
  if (unshare(CLONE_NEWNS) != 0 ||
      mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
      mount("newsflow-test", disk.c_str(), "tmpfs", 0, "size=24m") != 0) {
    GTEST_SKIP() << "cannot mount a small tmpfs to fill (needs root or "
                    "CAP_SYS_ADMIN): "
                 << std::strerror(errno);
  }

  constexpr int kArticles = 3000;
  WriteArticles(inbox_.path(), "full", kArticles);
  const std::string db_path = disk + "/news.db";
  const std::string config =
      Config(absl::StrCat("path: \"", db_path, "\", rate_limit: 400"));
  ChildProcess runner({NewsflowBinary(), "run", config, "--once"}, dir_.path());
  ASSERT_TRUE(
      WaitFor([&] { return StoredCount(db_path) >= 300; }, absl::Seconds(60)))
      << runner.Stderr();

  // Fill every free byte of the disk.
  const std::string filler = disk + "/filler";
  {
    std::FILE* file = std::fopen(filler.c_str(), "wb");
    ASSERT_NE(file, nullptr);
    std::setvbuf(file, nullptr, _IONBF, 0);
    const std::string block(64 * 1024, 'x');
    size_t written = 0;
    while (std::fwrite(block.data(), 1, block.size(), file) == block.size()) {
      written += block.size();
    }
    EXPECT_EQ(errno, ENOSPC);
    std::fclose(file);
    ASSERT_GT(written, 0u);
  }
  // SQLite may still commit into space its write-ahead log already holds;
  // once it says the disk is full, nothing more gets in.
  ASSERT_TRUE(WaitFor(
      [&] { return absl::StrContains(runner.Stderr(), "disk is full"); },
      absl::Seconds(60)))
      << runner.Stderr();
  const int64_t stored_when_full = StoredCount(db_path);
  EXPECT_LT(stored_when_full, kArticles) << "the test was too slow";
  // Full, the store holds on: the run does not end and the rest waits.
  // (Not "nothing more is stored": a checkpoint that needs no new blocks
  // can free log space for another batch or two.)
  absl::SleepFor(absl::Seconds(3));
  EXPECT_LT(StoredCount(db_path), kArticles);
  EXPECT_EQ(runner.Wait(absl::Milliseconds(20)), -1) << runner.Stderr();

  ASSERT_EQ(unlink(filler.c_str()), 0);
  ASSERT_EQ(runner.Wait(absl::Seconds(240)), 0) << runner.Stderr();
  // It said so when it could store again.
  EXPECT_THAT(runner.Stderr(), ::testing::HasSubstr("storing again"));
  ExpectAllStoredOnce(db_path, "full", kArticles);
  ExpectNoDeadLetters(config);
}

class PostgresStoreDeliveryTest : public StoreDeliveryTest {
 protected:
  void SetUp() override {
    NEWSFLOW_REQUIRE_PG_SERVER();
    url_ = PgTestServer::NewDatabase();
    ASSERT_FALSE(url_.empty());
  }
  void TearDown() override {
    if (!url_.empty()) PgTestServer::DropDatabase(url_);
  }

  // Turns the whole server read-only (what a database set read-only or a
  // demoted primary answers), or writable again. Sessions already open see
  // the change at their next statement.
  void SetServerReadOnly(bool read_only) {
    // A session of its own that may write whatever the server says.
    const std::string admin =
        absl::StrCat(PgTestServer::ServerUrlForTests(),
                     "?options=-cdefault_transaction_read_only%3Doff");
    ASSERT_EQ(PgTestServer::Exec(
                  admin, read_only ? "ALTER SYSTEM SET "
                                     "default_transaction_read_only = on"
                                   : "ALTER SYSTEM RESET "
                                     "default_transaction_read_only"),
              "");
    ASSERT_EQ(PgTestServer::Exec(admin, "SELECT pg_reload_conf()"), "");
  }

  int64_t PgCount() {
    absl::StatusOr<std::unique_ptr<ArticleDb>> db =
        ArticleDb::Open(url_, ArticleDb::OpenMode::kReadOnly);
    if (!db.ok()) return 0;
    absl::StatusOr<int64_t> count = (*db)->Count();
    return count.ok() ? *count : 0;
  }

  std::string url_;
};

TEST_F(PostgresStoreDeliveryTest, ReadOnlyServerMidRunAcknowledgesNothing) {
  constexpr int kArticles = 3000;
  WriteArticles(inbox_.path(), "ro", kArticles);
  const std::string config =
      Config(absl::StrCat("url: \"", url_, "\", rate_limit: 400"));
  ChildProcess runner({NewsflowBinary(), "run", config, "--once"}, dir_.path());
  ASSERT_TRUE(WaitFor([&] { return PgCount() >= 300; }, absl::Seconds(60)))
      << runner.Stderr();
  SetServerReadOnly(true);
  // Counted once the store has failed: a transaction begun before the
  // server turned read-only may still commit.
  EXPECT_TRUE(WaitForStoreFailure(runner)) << runner.Stderr();
  const int64_t stored_when_read_only = PgCount();
  EXPECT_LT(stored_when_read_only, kArticles) << "the test was too slow";
  EXPECT_THAT(runner.Stderr(), ::testing::HasSubstr("refuses writes"));
  KillStore(runner);
  absl::SleepFor(absl::Seconds(3));
  EXPECT_EQ(PgCount(), stored_when_read_only);
  SetServerReadOnly(false);

  ASSERT_EQ(runner.Wait(absl::Seconds(240)), 0) << runner.Stderr();
  ExpectAllStoredOnce(url_, "ro", kArticles);
  ExpectNoDeadLetters(config);
}

TEST_F(PostgresStoreDeliveryTest, ReplicasKilledInTurnNeitherDuplicate) {
  // Three store processes write into one database; every batch touches the
  // same entity and story rows. Killing replicas makes the source re-send
  // what they held, to the others, while they write.
  constexpr int kArticles = 6000;
  WriteArticles(inbox_.path(), "rep", kArticles);
  const std::string config =
      Config(absl::StrCat("url: \"", url_, "\", replicas: 3, rate_limit: 200"));
  ChildProcess runner({NewsflowBinary(), "run", config, "--once"}, dir_.path());
  int kills = 0;
  int exit_code = -1;
  for (int round = 0; round < 600 && exit_code == -1; ++round) {
    absl::SleepFor(absl::Milliseconds(500));
    // Not ZeroDuration(): harness WaitPid() never polls with no time left.
    exit_code = runner.Wait(absl::Milliseconds(20));
    if (exit_code != -1 || kills >= 6 || round % 3 != 2) continue;
    std::vector<pid_t> pids = StorePids(kills % 3);
    if (!pids.empty() && kill(pids[0], SIGKILL) == 0) ++kills;
  }
  if (exit_code == -1) exit_code = runner.Wait(absl::Seconds(240));
  ASSERT_EQ(exit_code, 0) << runner.Stderr();
  EXPECT_GE(kills, 3) << "the run ended before the replicas were killed";
  EXPECT_THAT(runner.Stderr(),
              ::testing::Not(::testing::HasSubstr("deadlock")));
  ExpectAllStoredOnce(url_, "rep", kArticles);
  ExpectNoDeadLetters(config);

  // Every replica stored some of them (the last trace hop says which).
  absl::StatusOr<std::unique_ptr<ArticleDb>> db =
      ArticleDb::Open(url_, ArticleDb::OpenMode::kReadOnly);
  ASSERT_TRUE(db.ok()) << db.status();
  std::map<int, int> per_replica;
  ASSERT_TRUE((*db)
                  ->ForEach([&](const v1::Article& article) {
                    if (article.trace_size() > 0) {
                      const v1::TraceHop& last =
                          article.trace(article.trace_size() - 1);
                      if (last.stage() == "store")
                        ++per_replica[last.replica()];
                    }
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(per_replica.size(), 3u);
}

}  // namespace
}  // namespace newsflow::testing
