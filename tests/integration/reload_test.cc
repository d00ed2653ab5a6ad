// Reloading a running pipeline: stages are inserted, replaced and removed
// while articles flow, and none is lost.
#include <signal.h>

#include <atomic>
#include <thread>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/harness.h"

namespace newsflow::testing {
namespace {

using ::testing::HasSubstr;

constexpr int kArticles = 150;

class ReloadTest : public ::testing::Test {
 protected:
  std::string Config(const std::string& middle) {
    return absl::StrCat("pipeline: reload\nrun_dir: ", dir_.path(),
                        "/run\nstages:\n", "  ingest: { type: ingest, paths: [",
                        inbox_.path(),
                        "], watch: true, watch_interval_ms: 100 }\n",
                        "  clean:  { type: clean, inputs: [ingest] }\n",
                        "  tag:    { type: tag, inputs: [clean] }\n", middle);
  }

  void WriteArticle(int i) {
    inbox_.Write(absl::StrCat("a", i, ".txt"),
                 absl::StrCat("harbour report number ", i,
                              "\n\nThe harbour master said ship ", i,
                              " docked safely after the storm.\n"));
  }

  std::string Db() const { return dir_.path() + "/news.db"; }

  // Writes the kArticles articles into the inbox from another thread, one
  // every 20 ms; written_ counts those written so far.
  void StartWriting() {
    writer_ = std::thread([this] {
      for (int i = 0; i < kArticles; ++i) {
        WriteArticle(i);
        written_ = i + 1;
        absl::SleepFor(absl::Milliseconds(20));
      }
    });
  }
  // StartWriting(), then waits until 50 articles are in the inbox.
  void StartWritingAndWaitForFifty() {
    StartWriting();
    ASSERT_TRUE(
        WaitFor([&] { return written_.load() >= 50; }, absl::Seconds(30)));
  }
  void TearDown() override {
    if (writer_.joinable()) writer_.join();
  }

  TempDir dir_;
  TempDir inbox_;
  std::atomic<int> written_{0};
  std::thread writer_;
};

TEST_F(ReloadTest, InsertingAStageWhileArticlesFlowLosesNothing) {
  const std::string config = dir_.Write(
      "pipeline.yaml",
      Config("  store:  { type: store, inputs: [tag], path: news.db }\n"));
  ChildProcess runner({NewsflowBinary(), "run", config}, dir_.path());
  ASSERT_NO_FATAL_FAILURE(StartWritingAndWaitForFifty());
  // Insert title_case (the template plugin) between tag and store.
  dir_.Write(
      "pipeline.yaml",
      Config("  tc:     { type: title_case, inputs: [tag] }\n"
             "  store:  { type: store, inputs: [tc], path: news.db }\n"));
  CommandResult reload =
      RunCommand({NewsflowBinary(), "reload", config}, absl::Seconds(90));
  EXPECT_EQ(reload.exit_code, 0) << reload.err << runner.Stderr();
  const int written_after_reload = written_.load();
  writer_.join();

  EXPECT_TRUE(WaitFor([&] { return StoredCount(Db()) == kArticles; },
                      absl::Seconds(60)))
      << "stored " << StoredCount(Db()) << " of " << kArticles << "\n"
      << runner.Stderr();
  std::vector<v1::Article> stored = StoredArticles(Db());
  EXPECT_EQ(static_cast<int>(stored.size()), kArticles);
  // Articles written after the reload went through the new stage.
  int title_cased = 0;
  for (const auto& article : stored) {
    if (article.metadata().count("title_case") > 0) ++title_cased;
  }
  EXPECT_GE(title_cased, kArticles - written_after_reload);

  runner.Signal(SIGTERM);
  EXPECT_EQ(runner.Wait(absl::Seconds(30)), 0) << runner.Stderr();
}

// The number an article of WriteArticle carries in its title, or -1.
int ArticleNumber(const v1::Article& article) {
  const size_t at = article.title().rfind(' ');
  int number = -1;
  if (at == std::string::npos ||
      !absl::SimpleAtoi(article.title().substr(at + 1), &number)) {
    return -1;
  }
  return number;
}

TEST_F(ReloadTest, InsertingAFilterDropsOnlyWhatItShould) {
  const std::string config = dir_.Write(
      "pipeline.yaml",
      Config("  store:  { type: store, inputs: [tag], path: news.db }\n"));
  ChildProcess runner({NewsflowBinary(), "run", config}, dir_.path());
  ASSERT_NO_FATAL_FAILURE(StartWritingAndWaitForFifty());
  // From now on articles with an odd number are dropped.
  dir_.Write("pipeline.yaml",
             Config("  filter:\n"
                    "    type: filter\n"
                    "    inputs: [tag]\n"
                    "    drop: [{field: title, matches: \"[13579]$\"}]\n"
                    "  store:  { type: store, inputs: [filter], "
                    "path: news.db }\n"));
  const int written_before_reload = written_.load();
  CommandResult reload =
      RunCommand({NewsflowBinary(), "reload", config}, absl::Seconds(90));
  EXPECT_EQ(reload.exit_code, 0) << reload.err << runner.Stderr();
  const int written_after_reload = written_.load();
  writer_.join();

  // Every even article, and every odd one sent before the filter existed,
  // must arrive.
  auto must_arrive = [&](int i) {
    return i % 2 == 0 || i < written_before_reload;
  };
  int expected = 0;
  for (int i = 0; i < kArticles; ++i) expected += must_arrive(i) ? 1 : 0;
  auto arrived = [&] {
    int count = 0;
    for (const v1::Article& article : StoredArticles(Db())) {
      const int i = ArticleNumber(article);
      if (i >= 0 && must_arrive(i)) ++count;
    }
    return count;
  };
  EXPECT_TRUE(WaitFor([&] { return arrived() == expected; }, absl::Seconds(60)))
      << "arrived " << arrived() << " of " << expected << "\n"
      << runner.Stderr();

  absl::flat_hash_set<int> stored;
  for (const v1::Article& article : StoredArticles(Db())) {
    const int i = ArticleNumber(article);
    ASSERT_GE(i, 0) << article.title();
    EXPECT_TRUE(stored.insert(i).second) << "stored twice: " << i;
  }
  int dropped = 0;
  for (int i = 0; i < kArticles; ++i) {
    if (stored.contains(i)) continue;
    ++dropped;
    // Missing means dropped by the filter: odd, and sent once it could be
    // in place.
    EXPECT_EQ(i % 2, 1) << "article " << i << " was lost";
    EXPECT_GE(i, written_before_reload) << "article " << i << " was lost";
  }
  // Odd articles sent after the reload returned all met the filter.
  for (int i = written_after_reload; i < kArticles; ++i) {
    if (i % 2 == 1) {
      EXPECT_FALSE(stored.contains(i)) << i;
    }
  }
  EXPECT_EQ(static_cast<int>(stored.size()) + dropped, kArticles);
  EXPECT_GT(dropped, 0);

  runner.Signal(SIGTERM);
  EXPECT_EQ(runner.Wait(absl::Seconds(30)), 0) << runner.Stderr();
}

TEST_F(ReloadTest, InvalidConfigIsRejectedAndThePipelineKeepsRunning) {
  const std::string config = dir_.Write(
      "pipeline.yaml",
      Config("  store:  { type: store, inputs: [tag], path: news.db }\n"));
  ChildProcess runner({NewsflowBinary(), "run", config}, dir_.path());
  WriteArticle(0);
  ASSERT_TRUE(
      WaitFor([&] { return StoredCount(Db()) == 1; }, absl::Seconds(30)))
      << runner.Stderr();

  dir_.Write(
      "pipeline.yaml",
      Config("  store:  { type: stor, inputs: [tag], path: news.db }\n"));
  CommandResult reload = RunCommand({NewsflowBinary(), "reload", config});
  EXPECT_NE(reload.exit_code, 0);
  EXPECT_THAT(reload.err, HasSubstr("unknown stage type 'stor'"));
  EXPECT_THAT(reload.err, HasSubstr("unchanged"));

  WriteArticle(1);
  EXPECT_TRUE(
      WaitFor([&] { return StoredCount(Db()) == 2; }, absl::Seconds(30)))
      << runner.Stderr();
  runner.Signal(SIGTERM);
  EXPECT_EQ(runner.Wait(absl::Seconds(30)), 0) << runner.Stderr();
}

TEST_F(ReloadTest, ReplacingAndRemovingStagesKeepsTheOthersRunning) {
  const std::string config = dir_.Write(
      "pipeline.yaml",
      Config("  store:  { type: store, inputs: [tag], path: news.db }\n"
             "  extra:  { type: store, inputs: [tag], path: extra.db }\n"));
  ChildProcess runner({NewsflowBinary(), "run", config}, dir_.path());
  WriteArticle(0);
  ASSERT_TRUE(
      WaitFor([&] { return StoredCount(Db()) == 1; }, absl::Seconds(30)))
      << runner.Stderr();
  std::vector<pid_t> ingest_before =
      StageProcesses(dir_.path() + "/run/ingest.0");
  ASSERT_EQ(ingest_before.size(), 1u);

  // Change tag's options (replace it) and remove the extra store.
  dir_.Write("pipeline.yaml",
             absl::StrCat(
                 "pipeline: reload\nrun_dir: ", dir_.path(), "/run\nstages:\n",
                 "  ingest: { type: ingest, paths: [", inbox_.path(),
                 "], watch: true, watch_interval_ms: 100 }\n",
                 "  clean:  { type: clean, inputs: [ingest] }\n",
                 "  tag:    { type: tag, inputs: [clean], max_keywords: 3 }\n",
                 "  store:  { type: store, inputs: [tag], path: news.db }\n"));
  CommandResult reload = RunCommand({NewsflowBinary(), "reload", config});
  ASSERT_EQ(reload.exit_code, 0) << reload.err << runner.Stderr();
  EXPECT_EQ(StageProcesses(dir_.path() + "/run/ingest.0"), ingest_before)
      << runner.Stderr();
  EXPECT_TRUE(StageProcesses(dir_.path() + "/run/extra.0").empty());

  WriteArticle(1);
  ASSERT_TRUE(
      WaitFor([&] { return StoredCount(Db()) == 2; }, absl::Seconds(30)))
      << runner.Stderr();
  for (const auto& article : StoredArticles(Db())) {
    if (absl::StrContains(article.title(), "number 1")) {
      EXPECT_LE(article.keywords_size(), 3);
    }
  }
  EXPECT_EQ(StoredCount(dir_.path() + "/extra.db"), 1);
  runner.Signal(SIGTERM);
  EXPECT_EQ(runner.Wait(absl::Seconds(30)), 0) << runner.Stderr();
}

}  // namespace
}  // namespace newsflow::testing
