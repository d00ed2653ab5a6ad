// End-to-end tests: the real `newsflow` runner starting real stage
// processes that talk over real ZeroMQ sockets.
#include <signal.h>

#include <filesystem>
#include <fstream>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/article_json.h"
#include "common/text.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/harness.h"

namespace newsflow::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

class PipelineTest : public ::testing::Test {
 protected:
  // Writes a config whose sockets live in this test's own directory.
  std::string WriteConfig(const std::string& stages_yaml,
                          const std::string& name = "pipeline.yaml") {
    return dir_.Write(name,
                      absl::StrCat("pipeline: test\nrun_dir: ", dir_.path(),
                                   "/run\nstages:\n", stages_yaml));
  }

  std::string Db(const std::string& name = "news.db") const {
    return absl::StrCat(dir_.path(), "/", name);
  }

  CommandResult RunOnce(const std::string& config) {
    return RunCommand({NewsflowBinary(), "run", config, "--once"},
                      absl::Seconds(180));
  }

  TempDir dir_;
};

std::string ExamplesDir() { return SourceDir() + "/examples/articles"; }

// Articles in examples/: one per .txt/.html file, one per .jsonl line.
int64_t ExpectedExampleArticles() {
  int64_t count = 0;
  for (const auto& entry : fs::directory_iterator(ExamplesDir())) {
    const std::string ext = entry.path().extension().string();
    if (ext == ".txt" || ext == ".html") ++count;
    if (ext == ".jsonl") {
      for (absl::string_view line :
           absl::StrSplit(ReadFile(entry.path().string()), '\n')) {
        if (!absl::StripAsciiWhitespace(line).empty()) ++count;
      }
    }
  }
  return count;
}

std::string FourStages(const std::string& paths, const std::string& db,
                       const std::string& ingest_extra = "") {
  return absl::StrCat(
      "  ingest: { type: ingest, paths: [", paths, "]", ingest_extra, " }\n",
      "  clean:  { type: clean, inputs: [ingest] }\n",
      "  tag:    { type: tag, inputs: [clean] }\n",
      "  store:  { type: store, inputs: [tag], path: ", db, " }\n");
}

TEST_F(PipelineTest, ExamplesAreStoredOnceEvenWhenRunTwice) {
  const int64_t expected = ExpectedExampleArticles();
  ASSERT_GE(expected, 6);
  std::string config = WriteConfig(FourStages(ExamplesDir(), Db()));

  CommandResult first = RunOnce(config);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_THAT(first.out, HasSubstr("finished"));
  std::vector<v1::Article> stored = StoredArticles(Db());
  ASSERT_EQ(static_cast<int64_t>(stored.size()), expected) << first.err;

  CommandResult second = RunOnce(config);
  ASSERT_EQ(second.exit_code, 0) << second.err;
  std::vector<v1::Article> again = StoredArticles(Db());
  ASSERT_EQ(again.size(), stored.size());
  for (size_t i = 0; i < stored.size(); ++i) {
    EXPECT_EQ(again[i].id(), stored[i].id());
  }

  for (const auto& article : again) {
    EXPECT_FALSE(article.title().empty()) << article.url();
    EXPECT_TRUE(IsValidUtf8(article.body())) << article.url();
    EXPECT_THAT(article.body(),
                Not(HasSubstr("Sign in to unlock member-only benefits!")))
        << article.url();
    EXPECT_THAT(article.body(), Not(HasSubstr("govern- ment")))
        << article.url();
    // The trace names every stage, in order.
    std::vector<std::string> stages;
    for (const auto& hop : article.trace()) stages.push_back(hop.stage());
    EXPECT_THAT(stages,
                ::testing::ElementsAre("ingest", "clean", "tag", "store"))
        << article.url();
    EXPECT_FALSE(article.language().empty()) << article.url();
  }
}

TEST_F(PipelineTest, QueryAndExportReadTheStore) {
  std::string config = WriteConfig(FourStages(ExamplesDir(), Db()));
  ASSERT_EQ(RunOnce(config).exit_code, 0);

  CommandResult query =
      RunCommand({NewsflowBinary(), "query", Db(), "ceasefire AND russia"});
  ASSERT_EQ(query.exit_code, 0) << query.err;
  EXPECT_THAT(query.out, HasSubstr("Geneva"));
  EXPECT_THAT(query.out, HasSubstr(" 2. "));  // at least two ranked hits

  CommandResult bad_query =
      RunCommand({NewsflowBinary(), "query", Db(), "ceasefire AND ("});
  EXPECT_NE(bad_query.exit_code, 0);
  EXPECT_THAT(bad_query.err, HasSubstr("ceasefire AND ("));

  CommandResult exported = RunCommand({NewsflowBinary(), "export", Db()});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  int64_t lines = 0;
  for (absl::string_view line : absl::StrSplit(exported.out, '\n')) {
    if (line.empty()) continue;
    ++lines;
    absl::StatusOr<v1::Article> article =
        ArticleFromJson(std::string(line), false);
    ASSERT_TRUE(article.ok()) << article.status() << "\n" << line;
    EXPECT_FALSE(article->id().empty());
  }
  EXPECT_EQ(lines, ExpectedExampleArticles());
}

TEST_F(PipelineTest, SeedArticlesComeOutWithoutChrome) {
  const std::string shared = SharedDir();
  if (shared.empty()) GTEST_SKIP() << "../shared is absent: no seed articles";
  std::string config =
      WriteConfig(FourStages(shared + "/seeds", Db(), ", extensions: [.txt]"));
  CommandResult run = RunOnce(config);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::vector<v1::Article> stored = StoredArticles(Db());
  ASSERT_EQ(stored.size(), 5u) << run.err;
  for (const auto& article : stored) {
    EXPECT_THAT(article.body(),
                Not(HasSubstr("Sign in to unlock member-only benefits!")));
    EXPECT_THAT(article.body(), Not(HasSubstr("Secu- rity")));
    EXPECT_THAT(article.title(), Not(HasSubstr("World & Nation")));
  }
}

TEST_F(PipelineTest, FanOutAndReplicasDeliverEveryArticleToEachBranch) {
  std::string config = WriteConfig(
      absl::StrCat("  ingest: { type: ingest, paths: [", ExamplesDir(), "] }\n",
                   "  clean:  { type: clean, inputs: [ingest], replicas: 2 }\n",
                   "  tag:    { type: tag, inputs: [clean], replicas: 2 }\n",
                   "  one:    { type: store, inputs: [tag], path: one.db }\n",
                   "  two:    { type: store, inputs: [tag], path: two.db }\n"));
  CommandResult run = RunOnce(config);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(StoredCount(Db("one.db")), ExpectedExampleArticles());
  EXPECT_EQ(StoredCount(Db("two.db")), ExpectedExampleArticles());
}

TEST_F(PipelineTest, BadInputsAreReportedAndTheRestIsStored) {
  TempDir inbox;
  const std::string bad = SourceDir() + "/tests/data/bad_inputs";
  fs::copy_file(bad + "/empty.txt", inbox.path() + "/empty.txt");
  fs::copy_file(bad + "/binary.txt", inbox.path() + "/binary.txt");
  fs::copy_file(bad + "/latin1.txt", inbox.path() + "/latin1.txt");
  inbox.Write("good.txt",
              "Harbour reopens\n\nThe harbour reopened on Monday after the "
              "storm, officials said.\n");
  {
    // 50 MB of plausible text: over the default per-file limit.
    std::ofstream big(inbox.path() + "/huge.txt", std::ios::binary);
    std::string line(1023, 'a');
    line += '\n';
    for (int i = 0; i < 50 * 1024; ++i) big << line;
  }
  int64_t expected = 2;  // good.txt and latin1.txt (converted)
  const std::string shared = SharedDir();
  if (!shared.empty()) {
    fs::copy_file(shared + "/corpora/bbc/sport/199.txt",
                  inbox.path() + "/bbc-199.txt");
    ++expected;
  }
  std::string config = WriteConfig(FourStages(inbox.path(), Db()));
  CommandResult run =
      RunCommand({NewsflowBinary(), "run", config, "--once", "--summary-json",
                  dir_.path() + "/summary.json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.err, HasSubstr("empty.txt"));
  EXPECT_THAT(run.err, HasSubstr("binary.txt"));
  EXPECT_THAT(run.err, HasSubstr("huge.txt"));
  EXPECT_THAT(run.err, HasSubstr("latin1.txt"));
  std::vector<v1::Article> stored = StoredArticles(Db());
  EXPECT_EQ(static_cast<int64_t>(stored.size()), expected) << run.err;
  for (const auto& article : stored) {
    EXPECT_TRUE(IsValidUtf8(article.title() + article.body()));
  }
  // The summary counts the three rejected files as ingest errors.
  std::string summary = ReadFile(dir_.path() + "/summary.json");
  EXPECT_THAT(summary, HasSubstr("\"errors\":3"));
  // And the dead letters list each of them, with the stage and the reason.
  CommandResult letters =
      RunCommand({NewsflowBinary(), "deadletters", "-c", config, "--json"});
  ASSERT_EQ(letters.exit_code, 0) << letters.err;
  std::vector<std::string> lines =
      absl::StrSplit(letters.out, '\n', absl::SkipEmpty());
  EXPECT_EQ(lines.size(), 3u) << letters.out;
  for (const char* file : {"empty.txt", "binary.txt", "huge.txt"}) {
    EXPECT_THAT(letters.out, HasSubstr(file));
  }
  for (const std::string& line : lines) {
    EXPECT_THAT(line, HasSubstr("\"stage\":\"ingest\"")) << line;
  }
}

TEST_F(PipelineTest, DeadLettersAreListedOnceAndCanBeReplayedOrCleared) {
  TempDir inbox;
  inbox.Write("empty.txt", "");
  inbox.Write("good.txt",
              "Harbour reopens\n\nThe harbour reopened on Monday after the "
              "storm, officials said.\n");
  const std::string state = dir_.path() + "/state";
  const std::string config = dir_.Write(
      "pipeline.yaml",
      absl::StrCat("pipeline: test\nrun_dir: ", dir_.path(),
                   "/run\nstate_dir: ", state, "\nstages:\n",
                   FourStages(inbox.path(), Db(),
                              ", watch: true, watch_interval_ms: 100")));
  auto deadletters = [&](std::vector<std::string> extra) {
    std::vector<std::string> argv = {NewsflowBinary(), "deadletters", "-c",
                                     config};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return RunCommand(argv);
  };
  // Two runs reject the same empty file twice: listed once, counted twice.
  for (int run = 0; run < 2; ++run) {
    ChildProcess runner({NewsflowBinary(), "run", config, "--once"},
                        dir_.path());
    ASSERT_EQ(runner.Wait(absl::Seconds(120)), 0) << runner.Stderr();
  }
  CommandResult listed = deadletters({});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_THAT(listed.out, HasSubstr("empty.txt"));
  EXPECT_THAT(listed.out, HasSubstr("2 times since"));
  EXPECT_THAT(listed.out, HasSubstr("1 dead letters in"));
  EXPECT_THAT(listed.out, HasSubstr("(2 records"));
  EXPECT_THAT(deadletters({"--since", "1d"}).out, HasSubstr("1 dead letters"));
  EXPECT_THAT(deadletters({"--since", "2099-01-01"}).out,
              HasSubstr("0 dead letters"));
  EXPECT_THAT(deadletters({"--json"}).out, HasSubstr("\"count\":2"));

  // An article the store once failed on, given again once the cause is
  // fixed: it goes to the running store and leaves the list.
  v1::Article article;
  article.set_id("replayed-1");
  article.set_title("Ferry timetable restored");
  article.set_body("The ferry runs on its summer timetable again.");
  {
    std::ofstream letters(state + "/deadletters.jsonl", std::ios::app);
    letters << R"({"at":"2031-04-02T08:00:00Z","stage":"store","replica":0,)"
            << R"("reason":"disk full","what":"article replayed-1","raw":")"
            << absl::Base64Escape(article.SerializeAsString())
            << R"(","article_id":"replayed-1"})"
            << "\n";
  }
  ChildProcess runner({NewsflowBinary(), "run", config}, dir_.path());
  ASSERT_TRUE(
      WaitFor([&] { return StoredCount(Db()) >= 1; }, absl::Seconds(60)))
      << runner.Stderr();
  CommandResult replayed = deadletters({"--replay"});
  EXPECT_EQ(replayed.exit_code, 0) << replayed.err;
  EXPECT_THAT(replayed.out, HasSubstr("replayed 1 of 2 dead letters"));
  EXPECT_TRUE(WaitFor(
      [&] {
        for (const auto& stored : StoredArticles(Db())) {
          if (stored.id() == "replayed-1") return true;
        }
        return false;
      },
      absl::Seconds(30)))
      << runner.Stderr();
  EXPECT_THAT(deadletters({}).out, Not(HasSubstr("replayed-1")));
  runner.Signal(SIGTERM);
  EXPECT_EQ(runner.Wait(absl::Seconds(30)), 0) << runner.Stderr();

  CommandResult cleared = deadletters({"--clear", "--stage", "ingest"});
  EXPECT_EQ(cleared.exit_code, 0) << cleared.err;
  EXPECT_THAT(cleared.out, HasSubstr("removed"));
  EXPECT_THAT(deadletters({}).out, HasSubstr("0 dead letters"));
}

TEST_F(PipelineTest, TailPrintsMessagesOfARunningPipeline) {
  TempDir inbox;
  std::string config = WriteConfig(
      FourStages(inbox.path(), Db(), ", watch: true, watch_interval_ms: 100"));
  ChildProcess runner({NewsflowBinary(), "run", config}, dir_.path());
  TempDir tail_dir;
  ChildProcess tail({NewsflowBinary(), "tail", "clean", "-c", config, "-n", "1",
                     "--duration", "60"},
                    tail_dir.path());
  // The subscription needs a moment to reach the stage; keep dropping new
  // articles until the tail has printed one.
  int written = 0;
  bool seen = WaitFor(
      [&] {
        if (!tail.Stdout().empty()) return true;
        inbox.Write(absl::StrCat("tail-", written, ".txt"),
                    absl::StrCat("Tail probe number ", written,
                                 "\n\nA lighthouse keeper reported calm seas "
                                 "on the northern coast today.\n"));
        ++written;
        absl::SleepFor(absl::Milliseconds(500));
        return !tail.Stdout().empty();
      },
      absl::Seconds(45));
  ASSERT_TRUE(seen) << "runner stderr:\n" << runner.Stderr();
  EXPECT_EQ(tail.Wait(absl::Seconds(10)), 0);
  std::string line = tail.Stdout();
  absl::StatusOr<v1::Article> article =
      ArticleFromJson(std::string(absl::StripAsciiWhitespace(line)), false);
  ASSERT_TRUE(article.ok()) << article.status() << "\n" << line;
  EXPECT_THAT(article->title(), HasSubstr("Tail probe number"));
  ASSERT_FALSE(article->trace().empty());
  EXPECT_EQ(article->trace().rbegin()->stage(), "clean");

  runner.Signal(SIGTERM);
  EXPECT_EQ(runner.Wait(absl::Seconds(30)), 0) << runner.Stderr();
}

TEST_F(PipelineTest, SupervisorRestartsAKilledStage) {
  TempDir inbox;
  inbox.Write("first.txt",
              "First report\n\nThe ferry service resumed on Tuesday.\n");
  std::string config = WriteConfig(
      FourStages(inbox.path(), Db(), ", watch: true, watch_interval_ms: 100"));
  ChildProcess runner({NewsflowBinary(), "run", config}, dir_.path());
  ASSERT_TRUE(
      WaitFor([&] { return StoredCount(Db()) == 1; }, absl::Seconds(30)))
      << runner.Stderr();

  const std::string needle = dir_.path() + "/run/clean.0";
  std::vector<pid_t> before = StageProcesses(needle);
  ASSERT_EQ(before.size(), 1u);
  ASSERT_EQ(kill(before[0], SIGKILL), 0);
  ASSERT_TRUE(WaitFor(
      [&] {
        std::vector<pid_t> now = StageProcesses(needle);
        return now.size() == 1 && now[0] != before[0];
      },
      absl::Seconds(20)))
      << runner.Stderr();

  inbox.Write("second.txt",
              "Second report\n\nThe bridge reopened on Wednesday.\n");
  EXPECT_TRUE(
      WaitFor([&] { return StoredCount(Db()) == 2; }, absl::Seconds(30)))
      << runner.Stderr();
  EXPECT_THAT(runner.Stderr(), HasSubstr("clean.0 was killed by signal 9"));

  runner.Signal(SIGTERM);
  EXPECT_EQ(runner.Wait(absl::Seconds(30)), 0) << runner.Stderr();
}

TEST_F(PipelineTest, OnceWithASourceThatReadNothingIsNotSuccess) {
  const std::string config =
      WriteConfig(FourStages(dir_.path() + "/does-not-exist", Db()));
  // validate passes (a watched folder may appear later) but says so.
  CommandResult validated = RunCommand({NewsflowBinary(), "validate", config});
  EXPECT_EQ(validated.exit_code, 0) << validated.err;
  EXPECT_THAT(validated.err,
              HasSubstr(absl::StrCat("pipeline.yaml:4:35: warning: stage "
                                     "'ingest': paths entry '",
                                     dir_.path(),
                                     "/does-not-exist' does not exist (now)")));
  CommandResult run = RunOnce(config);
  EXPECT_EQ(run.exit_code, 4) << run.out << run.err;
  EXPECT_THAT(run.err, HasSubstr("a source failed and read nothing: ingest: "));
  EXPECT_THAT(run.err, HasSubstr("(0 seen, 1 failed)"));
  EXPECT_THAT(run.out, HasSubstr("FAILED"));

  // A source that read something is success even when an input failed.
  dir_.Write("inbox/good.txt", "A headline\n\nA body of words.\n");
  const std::string mixed = WriteConfig(
      FourStages(
          absl::StrCat(dir_.path(), "/inbox, ", dir_.path(), "/does-not-exist"),
          Db("mixed.db")),
      "mixed.yaml");
  CommandResult ok = RunOnce(mixed);
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
}

TEST_F(PipelineTest, ValidateNamesFileLineAndColumn) {
  std::string good = WriteConfig(FourStages(ExamplesDir(), Db()), "good.yaml");
  CommandResult ok = RunCommand({NewsflowBinary(), "validate", good});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_THAT(ok.out, HasSubstr("ok"));

  std::string bad = dir_.Write(
      "bad.yaml",
      "pipeline: test\nstages:\n  ingest: { type: ingest, paths: [x] }\n"
      "  clean: { type: clen, inputs: [ingest] }\n");
  CommandResult error = RunCommand({NewsflowBinary(), "validate", bad});
  EXPECT_EQ(error.exit_code, 2);
  EXPECT_THAT(error.err, HasSubstr("bad.yaml:4:18: unknown stage type 'clen'"));

  // `run` refuses the same config before starting anything.
  CommandResult run = RunCommand({NewsflowBinary(), "run", bad, "--once"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_FALSE(fs::exists(dir_.path() + "/run"));
}

}  // namespace
}  // namespace newsflow::testing
