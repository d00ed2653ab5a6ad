// Nothing lost, nothing doubled: stage processes (and the runner) are
// killed while articles flow; every article must end up stored exactly
// once. Real processes, real sockets.
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/article_json.h"
#include "common/text.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "newsflow/v1/control.pb.h"
#include "runner/wire/frame.h"
#include "tests/integration/harness.h"
#include "zmq.hpp"

namespace newsflow::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

// Writes `count` articles with distinct ids ("chaos-N") built from the BBC
// corpus into JSON-lines files under `dir`. Returns false when the corpus
// is absent.
bool WriteCorpusArticles(const std::string& dir, int count) {
  const std::string shared = SharedDir();
  if (shared.empty()) return false;
  std::vector<std::string> texts;
  for (const auto& entry :
       fs::recursive_directory_iterator(shared + "/corpora/bbc")) {
    if (entry.path().extension() != ".txt") continue;
    std::string text = ReadFile(entry.path().string());
    if (!IsValidUtf8(text)) text = Windows1252ToUtf8(text);
    texts.push_back(std::move(text));
  }
  if (texts.empty()) return false;
  std::sort(texts.begin(), texts.end());
  const int per_file = 1000;
  for (int file = 0; file * per_file < count; ++file) {
    std::ofstream out(absl::StrCat(dir, "/batch-", file, ".jsonl"));
    for (int i = file * per_file; i < std::min(count, (file + 1) * per_file);
         ++i) {
      const std::string& text = texts[i % texts.size()];
      size_t newline = text.find('\n');
      v1::Article article;
      article.set_id(absl::StrCat("chaos-", i));
      article.set_title(absl::StrCat(text.substr(0, newline), " #", i));
      article.set_body(newline == std::string::npos ? text
                                                    : text.substr(newline + 1));
      out << *ArticleToJson(article) << "\n";
    }
  }
  return true;
}

// The records `newsflow deadletters --json` printed; a line that does not
// parse fails the test.
std::vector<v1::DeadLetter> ParseDeadLetters(const std::string& json_lines) {
  std::vector<v1::DeadLetter> parsed;
  for (absl::string_view line : absl::StrSplit(json_lines, '\n')) {
    if (line.empty()) continue;
    v1::DeadLetter letter;
    EXPECT_TRUE(
        google::protobuf::util::JsonStringToMessage(std::string(line), &letter)
            .ok())
        << line;
    parsed.push_back(letter);
  }
  return parsed;
}

class DeliveryTest : public ::testing::Test {
 protected:
  std::string Config(const std::string& extra_stage_options = "",
                     const std::string& store_options = "") {
    return dir_.Write(
        "pipeline.yaml",
        absl::StrCat(
            "pipeline: chaos\nrun_dir: ", dir_.path(), "/run\n",
            "restart: { max_restarts: 1000, backoff_max_ms: 200 }\n",
            "delivery: { ack_timeout_ms: 2000, max_in_flight: 1000 }\n",
            "stages:\n", "  ingest: { type: ingest, paths: [", inbox_.path(),
            "]", extra_stage_options, " }\n",
            "  clean:  { type: clean, inputs: [ingest] }\n",
            "  tag:    { type: tag, inputs: [clean] }\n",
            "  store:  { type: store, inputs: [tag], path: news.db",
            store_options, " }\n"));
  }
  std::string Db() const { return dir_.path() + "/news.db"; }

  // Every chaos-N, 0 <= N < count, stored once and complete.
  void ExpectAllStoredOnce(int count) {
    std::vector<v1::Article> stored = StoredArticles(Db());
    EXPECT_EQ(static_cast<int>(stored.size()), count);
    absl::flat_hash_set<std::string> ids;
    int incomplete = 0;
    for (const auto& article : stored) {
      ids.insert(article.id());
      bool complete =
          !article.title().empty() && !article.body().empty() &&
          !article.language().empty() && article.trace_size() >= 4 &&
          article.trace(article.trace_size() - 1).stage() == "store";
      if (!complete) ++incomplete;
    }
    EXPECT_EQ(static_cast<int>(ids.size()), count);
    for (int i = 0; i < count; i += 997) {
      EXPECT_TRUE(ids.contains(absl::StrCat("chaos-", i))) << i;
    }
    EXPECT_EQ(incomplete, 0);
  }

  TempDir dir_;
  TempDir inbox_;
};

TEST_F(DeliveryTest, ChaosKillingStagesLosesAndDoublesNothing) {
  constexpr int kArticles = 20000;
  if (!WriteCorpusArticles(inbox_.path(), kArticles)) {
    GTEST_SKIP() << "../shared/corpora/bbc is absent";
  }
  const std::string config = Config();
  ChildProcess runner({NewsflowBinary(), "run", config, "--once"}, dir_.path());
  const std::vector<std::string> victims = {"ingest", "clean", "tag", "store"};
  int kills = 0;
  int exit_code = -1;
  for (int round = 0; round < 400 && exit_code == -1; ++round) {
    absl::SleepFor(absl::Milliseconds(500));
    exit_code = runner.Wait(absl::ZeroDuration());
    if (exit_code != -1 || kills >= 24) continue;
    const std::string& victim = victims[kills % victims.size()];
    std::vector<pid_t> pids =
        StageProcesses(dir_.path() + "/run/" + victim + ".0");
    if (!pids.empty() && kill(pids[0], SIGKILL) == 0) ++kills;
  }
  if (exit_code == -1) exit_code = runner.Wait(absl::Seconds(240));
  ASSERT_EQ(exit_code, 0) << runner.Stderr().substr(0, 20000);
  EXPECT_GE(kills, 20);
  ExpectAllStoredOnce(kArticles);
}

TEST_F(DeliveryTest, KillingTheRunnerAndStartingAgainLosesNothing) {
  constexpr int kArticles = 5000;
  if (!WriteCorpusArticles(inbox_.path(), kArticles)) {
    GTEST_SKIP() << "../shared/corpora/bbc is absent";
  }
  const std::string config = Config();
  for (int attempt = 0; attempt < 3; ++attempt) {
    ChildProcess runner({NewsflowBinary(), "run", config, "--once"},
                        dir_.path());
    // Let some of it through, then kill the runner outright.
    WaitFor([&] { return StoredCount(Db()) > (attempt + 1) * 800; },
            absl::Seconds(60));
    runner.Signal(SIGKILL);
    runner.Wait(absl::Seconds(10));
    // Its stage processes follow it (parent-death signal).
    ASSERT_TRUE(
        WaitFor([&] { return StageProcesses(dir_.path() + "/run/").empty(); },
                absl::Seconds(30)));
  }
  ChildProcess last({NewsflowBinary(), "run", config, "--once"}, dir_.path());
  ASSERT_EQ(last.Wait(absl::Seconds(240)), 0) << last.Stderr();
  ExpectAllStoredOnce(kArticles);
}

TEST_F(DeliveryTest, SigtermDrainsAndTheNextRunResumes) {
  constexpr int kArticles = 3000;
  if (!WriteCorpusArticles(inbox_.path(), kArticles)) {
    GTEST_SKIP() << "../shared/corpora/bbc is absent";
  }
  const std::string config = Config();
  {
    ChildProcess runner({NewsflowBinary(), "run", config}, dir_.path());
    WaitFor([&] { return StoredCount(Db()) > 500; }, absl::Seconds(60));
    runner.Signal(SIGTERM);
    EXPECT_EQ(runner.Wait(absl::Seconds(30)), 0) << runner.Stderr();
  }
  ChildProcess again({NewsflowBinary(), "run", config, "--once"}, dir_.path());
  ASSERT_EQ(again.Wait(absl::Seconds(240)), 0) << again.Stderr();
  ExpectAllStoredOnce(kArticles);
}

// A signal mid-run: the stages stop together, without waiting for the
// pipeline to finish what the source sent; the summary says "stopped" and
// how much waits in the journal, and the next run stores it, once. With
// --once too: a run cut short did not finish.
class SignalMidRunTest : public DeliveryTest,
                         public ::testing::WithParamInterface<bool> {};

TEST_P(SignalMidRunTest, SaysStoppedWithWhatIsPendingAndTheNextRunStoresIt) {
  constexpr int kArticles = 2000;
  if (!WriteCorpusArticles(inbox_.path(), kArticles)) {
    GTEST_SKIP() << "../shared/corpora/bbc is absent";
  }
  // A slow store: the run is still busy when the signal comes.
  const std::string config = Config("", ", rate_limit: 300");
  const std::string summary_path = dir_.path() + "/summary.json";
  std::vector<std::string> argv = {NewsflowBinary(), "run", config,
                                   "--summary-json", summary_path};
  if (GetParam()) argv.push_back("--once");
  {
    ChildProcess runner(argv, dir_.path());
    ASSERT_TRUE(
        WaitFor([&] { return StoredCount(Db()) > 200; }, absl::Seconds(60)))
        << runner.Stderr();
    runner.Signal(SIGINT);
    // A guard against a hang, not a measure of the stop.
    ASSERT_EQ(runner.Wait(absl::Seconds(30)), 0) << runner.Stderr();
    EXPECT_THAT(runner.Stdout(), HasSubstr("' stopped by SIGINT after "));
    EXPECT_THAT(runner.Stdout(),
                HasSubstr(" pending in the source journal, re-sent on the "
                          "next run"));
    EXPECT_THAT(runner.Stdout(), Not(HasSubstr("finished")));
  }
  google::protobuf::Struct summary;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(
                  ReadFile(summary_path), &summary)
                  .ok());
  const auto& fields = summary.fields();
  EXPECT_EQ(fields.at("outcome").string_value(), "stopped");
  EXPECT_EQ(fields.at("signal").string_value(), "SIGINT");
  EXPECT_GT(fields.at("pending").number_value(), 0);
  EXPECT_LT(fields.at("stored").number_value(), kArticles);

  CommandResult again = RunCommand({NewsflowBinary(), "run", config, "--once"},
                                   absl::Seconds(240));
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_THAT(again.out, HasSubstr("' finished after "));
  EXPECT_THAT(again.err, HasSubstr(" unacknowledged messages to re-send"));
  ExpectAllStoredOnce(kArticles);
}

INSTANTIATE_TEST_SUITE_P(RunAndOnce, SignalMidRunTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "Once" : "Run";
                         });

TEST_F(DeliveryTest, SlowStoreSlowsTheSourceAndLosesNothing) {
  // 50 articles/s at the store; at most 100 in flight from the source.
  for (int i = 0; i < 150; ++i) {
    inbox_.Write(
        absl::StrCat("slow-", i, ".txt"),
        absl::StrCat("Slow store probe ", i, "\n\nThe ferry crossing took ", i,
                     " minutes longer than planned today.\n"));
  }
  const std::string config = dir_.Write(
      "pipeline.yaml",
      absl::StrCat("pipeline: slow\nrun_dir: ", dir_.path(), "/run\n",
                   "delivery: { max_in_flight: 100 }\n", "stages:\n",
                   "  ingest: { type: ingest, paths: [", inbox_.path(),
                   "], batch_size: 10 }\n",
                   "  clean:  { type: clean, inputs: [ingest] }\n",
                   "  store:  { type: store, inputs: [clean], path: news.db, "
                   "rate_limit: 50 }\n"));
  CommandResult run =
      RunCommand({NewsflowBinary(), "run", config, "--once", "--summary-json",
                  dir_.path() + "/summary.json"},
                 absl::Seconds(120));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(StoredCount(Db()), 150);
  // Every process stayed under the documented bound (64 MiB here).
  std::string summary = ReadFile(dir_.path() + "/summary.json");
  for (size_t at = summary.find("\"peak_rss_kib\":"); at != std::string::npos;
       at = summary.find("\"peak_rss_kib\":", at + 1)) {
    double kib = std::stod(summary.substr(at + 15));
    EXPECT_LT(kib, 64 * 1024) << summary;
  }
}

TEST_F(DeliveryTest, GarbageFramesGoToDeadLettersAndValidOnesAreStored) {
  const std::string config = dir_.Write(
      "pipeline.yaml",
      absl::StrCat("pipeline: garbage\nrun_dir: ", dir_.path(), "/run\n",
                   "stages:\n", "  ingest: { type: ingest, paths: [",
                   inbox_.path(), "], watch: true }\n",
                   "  clean:  { type: clean, inputs: [ingest] }\n",
                   "  store:  { type: store, inputs: [clean], path: news.db "
                   "}\n"));
  ChildProcess runner({NewsflowBinary(), "run", config}, dir_.path());
  ASSERT_TRUE(WaitFor(
      [&] { return !StageProcesses(dir_.path() + "/run/clean.0").empty(); },
      absl::Seconds(20)));

  v1::Article valid;
  valid.set_id("direct-1");
  valid.set_title("Valid frame");
  valid.set_body("A valid article sent straight to the clean stage.");
  std::string valid_bytes = valid.SerializeAsString();
  v1::Article big;
  big.set_id("truncated");
  big.set_body(std::string(500, 'x'));
  std::string truncated = big.SerializeAsString().substr(0, 40);
  // Latin-1 text: protobuf no longer checks articles' UTF-8, the host does.
  v1::Article latin1;
  latin1.set_id("latin1");
  latin1.set_body("A caf\xe9 sent without converting it.");
  std::string latin1_bytes = latin1.SerializeAsString();

  zmq::context_t context(1);
  zmq::socket_t push(context, zmq::socket_type::push);
  push.set(zmq::sockopt::linger, 5000);
  push.connect("ipc://" + dir_.path() + "/run/clean.0.in");
  push.send(zmq::str_buffer("\xff\xfe garbage \x00\x01"));
  push.send(zmq::buffer(truncated));
  push.send(zmq::buffer(latin1_bytes));
  push.send(zmq::buffer(valid_bytes));
  push.send(zmq::str_buffer("a"), zmq::send_flags::sndmore);
  push.send(zmq::str_buffer("b"), zmq::send_flags::sndmore);
  push.send(zmq::str_buffer("c"));

  EXPECT_TRUE(
      WaitFor([&] { return StoredCount(Db()) == 1; }, absl::Seconds(20)))
      << runner.Stderr();
  CommandResult letters =
      RunCommand({NewsflowBinary(), "deadletters", "-c", config, "--json"});
  ASSERT_EQ(letters.exit_code, 0) << letters.err;
  const std::vector<v1::DeadLetter> parsed = ParseDeadLetters(letters.out);
  ASSERT_EQ(parsed.size(), 4u) << letters.out << runner.Stderr();
  for (const auto& letter : parsed) {
    EXPECT_EQ(letter.stage(), "clean");
    EXPECT_FALSE(letter.reason().empty());
  }
  EXPECT_THAT(parsed[0].reason(), HasSubstr("not a valid newsflow.v1.Article"));
  EXPECT_EQ(parsed[1].raw(), truncated);
  EXPECT_THAT(parsed[2].reason(),
              HasSubstr("rejected by clean: newsflow.v1.Article.body is not "
                        "valid UTF-8 (byte 5 of"));
  EXPECT_EQ(parsed[2].raw(), latin1_bytes);
  EXPECT_THAT(parsed[3].reason(), HasSubstr("parts"));
  runner.Signal(SIGTERM);
  EXPECT_EQ(runner.Wait(absl::Seconds(30)), 0) << runner.Stderr();
}

// Articles that arrive together travel between stages as batch frames
// (runner/wire/frame.h); every one must still be stored exactly once, and
// a batch frame that does not add up must be dead-lettered alone, while
// the articles of a good batch are taken (or rejected) one by one.
TEST_F(DeliveryTest, BatchFramesStoreEveryArticleOnceAndAGarbageBatchAlone) {
  constexpr int kCount = 400;
  {
    std::ofstream out(inbox_.path() + "/invented.jsonl");
    for (int i = 0; i < kCount; ++i) {
      v1::Article article;
      article.set_id(absl::StrCat("batched-", i));
      article.set_title(absl::StrCat("Lantern festival notes, part ", i));
      article.set_body(absl::StrCat(
          "The lantern makers of the river quarter met again on evening ", i,
          ". Paper, wire and patience were discussed at length, and the "
          "committee agreed that the parade would start at the old mill."));
      out << *ArticleToJson(article) << "\n";
    }
  }
  const std::string config = dir_.Write(
      "pipeline.yaml",
      absl::StrCat("pipeline: batches\nrun_dir: ", dir_.path(), "/run\n",
                   "stages:\n", "  ingest: { type: ingest, paths: [",
                   inbox_.path(), "], watch: true }\n",
                   "  clean:  { type: clean, inputs: [ingest] }\n",
                   "  pass:   { type: filter, inputs: [clean] }\n",
                   "  store:  { type: store, inputs: [pass], path: news.db "
                   "}\n"));
  ChildProcess runner({NewsflowBinary(), "run", config}, dir_.path());
  ASSERT_TRUE(
      WaitFor([&] { return StoredCount(Db()) == kCount; }, absl::Seconds(60)))
      << StoredCount(Db()) << runner.Stderr();

  // Straight to the pass stage: a good batch of two bare articles, one of
  // them not UTF-8; then a batch cut short.
  FrameBuilder good;
  v1::Article extra;
  extra.set_id("batched-extra");
  extra.set_title("An extra note");
  extra.set_body("Sent as part of a batch frame from outside.");
  const std::string extra_bytes = extra.SerializeAsString();
  v1::Article latin1;
  latin1.set_id("batched-latin1");
  latin1.set_body("A caf\xe9 in a batch.");
  const std::string latin1_bytes = latin1.SerializeAsString();
  good.Add(nullptr, latin1_bytes);
  good.Add(nullptr, extra_bytes);
  FrameBuilder cut;
  cut.Add(nullptr, extra_bytes);
  cut.Add(nullptr, latin1_bytes);
  const std::vector<absl::string_view> cut_views = cut.Parts();
  std::vector<std::string> cut_parts(cut_views.begin(), cut_views.end());
  cut_parts[2].resize(cut_parts[2].size() - 3);

  zmq::context_t context(1);
  zmq::socket_t push(context, zmq::socket_type::push);
  push.set(zmq::sockopt::linger, 5000);
  push.connect("ipc://" + dir_.path() + "/run/pass.0.in");
  auto send = [&](const std::vector<std::string>& parts) {
    for (size_t i = 0; i < parts.size(); ++i) {
      push.send(zmq::buffer(parts[i]), i + 1 < parts.size()
                                           ? zmq::send_flags::sndmore
                                           : zmq::send_flags::none);
    }
  };
  const std::vector<absl::string_view> good_views = good.Parts();
  send(std::vector<std::string>(good_views.begin(), good_views.end()));
  send(cut_parts);

  EXPECT_TRUE(WaitFor([&] { return StoredCount(Db()) == kCount + 1; },
                      absl::Seconds(20)))
      << runner.Stderr();
  std::vector<v1::Article> stored = StoredArticles(Db());
  absl::flat_hash_set<std::string> ids;
  for (const auto& article : stored) ids.insert(article.id());
  EXPECT_EQ(ids.size(), stored.size()) << "stored twice";
  EXPECT_EQ(static_cast<int>(ids.size()), kCount + 1);
  EXPECT_TRUE(ids.contains("batched-extra"));
  EXPECT_TRUE(ids.contains(absl::StrCat("batched-", kCount - 1)));

  CommandResult letters =
      RunCommand({NewsflowBinary(), "deadletters", "-c", config, "--json"});
  ASSERT_EQ(letters.exit_code, 0) << letters.err;
  const std::vector<v1::DeadLetter> parsed = ParseDeadLetters(letters.out);
  ASSERT_EQ(parsed.size(), 2u) << letters.out << runner.Stderr();
  EXPECT_EQ(parsed[0].stage(), "pass");
  EXPECT_THAT(parsed[0].reason(),
              HasSubstr("rejected by pass: newsflow.v1.Article.body is not "
                        "valid UTF-8"));
  EXPECT_EQ(parsed[0].raw(), latin1_bytes);
  EXPECT_EQ(parsed[1].stage(), "pass");
  EXPECT_THAT(parsed[1].reason(),
              HasSubstr("batch frame: article 2 of 2 runs past the end"));
  EXPECT_THAT(parsed[1].what(), HasSubstr("frame #"));
  runner.Signal(SIGTERM);
  EXPECT_EQ(runner.Wait(absl::Seconds(30)), 0) << runner.Stderr();
}

}  // namespace
}  // namespace newsflow::testing
