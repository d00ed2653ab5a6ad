// The shipped plugins and the plugin loader seen from the command line:
// `newsflow plugins` with a broken library on the plugin path, `newsflow
// validate` against a plugin's option schema, and a real pipeline through
// filter, reading_time and jsonl_sink beside the built-in store.
#include <signal.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/article_json.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "newsflow/stage_plugin.h"
#include "tests/integration/harness.h"

namespace newsflow::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::UnorderedElementsAre;

std::string Fixture(const std::string& name) {
  return absl::StrCat(NEWSFLOW_BINARY_DIR, "/tests/plugin_fixtures/", name,
                      ".so");
}

// The line of `text` holding `needle`, "" if none.
std::string LineWith(const std::string& text, const std::string& needle) {
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (absl::StrContains(line, needle)) return std::string(line);
  }
  return "";
}

// 1-based column of `needle` in line `line` (1-based) of `text`.
int ColumnOf(const std::string& text, int line, const std::string& needle) {
  std::vector<std::string> lines = absl::StrSplit(text, '\n');
  return static_cast<int>(
             lines.at(static_cast<size_t>(line - 1)).find(needle)) +
         1;
}

TEST(PluginCommandTest, ListsGoodTypesAndBrokenLibrariesWithTheirReason) {
  TempDir plugins;
  fs::copy_file(Fixture("good"), plugins.path() + "/good.so");
  fs::copy_file(Fixture("abi_major_next"), plugins.path() + "/next.so");
  CommandResult listed =
      RunCommand({"/usr/bin/env", "NEWSFLOW_PLUGIN_PATH=" + plugins.path(),
                  NewsflowBinary(), "plugins"});
  EXPECT_EQ(listed.exit_code, 1) << listed.out << listed.err;

  EXPECT_THAT(LineWith(listed.out, "fixture_passthrough"),
              HasSubstr("transform"));
  EXPECT_THAT(listed.out, HasSubstr(plugins.path() + "/good.so"));
  const std::string broken = LineWith(listed.out, plugins.path() + "/next.so");
  EXPECT_THAT(broken, HasSubstr("BROKEN"));
  EXPECT_THAT(broken,
              HasSubstr(absl::StrCat(
                  plugins.path(), "/next.so: built for stage ABI ",
                  NEWSFLOW_STAGE_ABI_MAJOR + 1, ".0, this newsflow speaks ABI ",
                  NEWSFLOW_STAGE_ABI_MAJOR, ".", NEWSFLOW_STAGE_ABI_MINOR,
                  " (major versions must match)")));
  // The shipped plugins are found without any plugin path.
  for (const char* shipped : {"jsonl_sink", "filter", "reading_time"}) {
    EXPECT_THAT(LineWith(listed.out, absl::StrCat(shipped, " ")),
                HasSubstr("plugin"))
        << shipped << "\n"
        << listed.out;
  }
}

TEST(PluginCommandTest, DescribesAShippedPluginsOptions) {
  CommandResult described =
      RunCommand({NewsflowBinary(), "plugins", "jsonl_sink"});
  ASSERT_EQ(described.exit_code, 0) << described.err;
  EXPECT_THAT(LineWith(described.out, "path"), HasSubstr("(required)"));
  EXPECT_THAT(LineWith(described.out, "max_bytes"), HasSubstr("67108864"));
  EXPECT_THAT(LineWith(described.out, "max_files"), HasSubstr("5"));
}

TEST(PluginValidateTest, PluginOptionsAreCheckedAgainstTheirSchema) {
  TempDir dir;
  const std::string yaml =
      "pipeline: bad-options\n"
      "stages:\n"
      "  ingest:  { type: ingest, paths: [inbox] }\n"
      "  reading: { type: reading_time, inputs: [ingest], "
      "words_per_minute: fast }\n"
      "  sink:    { type: jsonl_sink, inputs: [reading] }\n";
  const std::string config = dir.Write("pipeline.yaml", yaml);
  CommandResult validated = RunCommand({NewsflowBinary(), "validate", config});
  EXPECT_EQ(validated.exit_code, 2) << validated.out;
  EXPECT_THAT(validated.err,
              HasSubstr(absl::StrCat(
                  config, ":4:", ColumnOf(yaml, 4, "fast"),
                  ": option 'words_per_minute' of stage 'reading': expected "
                  "an integer, got 'fast'")));
  EXPECT_THAT(validated.err,
              HasSubstr(absl::StrCat(config, ":5:", ColumnOf(yaml, 5, "sink"),
                                     ": stage 'sink' needs option 'path'")));
}

// --- a pipeline through the three plugins --------------------------------

v1::Article Brief(const std::string& id, const std::string& language,
                  const std::string& title, const std::string& body) {
  v1::Article article;
  article.set_id(id);
  article.set_language(language);
  article.set_title(title);
  article.set_body(body);
  article.set_source("desk");
  return article;
}

// Whitespace-separated tokens: every body below is plain words.
int64_t WordsIn(const std::string& text) {
  std::vector<absl::string_view> words =
      absl::StrSplit(text, absl::ByAnyChar(" \n"), absl::SkipEmpty());
  return static_cast<int64_t>(words.size());
}

std::vector<v1::Article> Briefs() {
  std::string long_body;
  for (int i = 0; i < 60; ++i) {
    absl::StrAppend(&long_body, i > 0 && i % 10 == 0 ? "\n\n" : "",
                    "The night ferry left the pier on time again. ");
  }
  return {
      Brief("harbour", "en", "Harbour reopens after the storm",
            "The harbour reopened on Monday. Crews cleared the last of the "
            "fallen cranes overnight.\n\nFishing boats went out at dawn."),
      Brief("ferry", "en", "Night ferry keeps its timetable", long_body),
      Brief("lanes", "en", "Council approves new cycle lanes",
            "The council voted for two new cycle lanes along the river."),
      Brief("stars", "en", "Weekly Horoscope: calm seas ahead",
            "Sailors born in spring should expect a quiet week."),
      Brief("port-fr", "fr", "Le port rouvre après la tempête",
            "Le port a rouvert lundi matin."),
      Brief("radweg-de", "de", "Neue Radwege beschlossen",
            "Der Rat hat zwei neue Radwege beschlossen."),
  };
}

// Every JSON line of path, path.1, path.2, ...
std::vector<v1::Article> ReadJsonlFiles(const std::string& path,
                                        int* files_found) {
  std::vector<v1::Article> articles;
  *files_found = 0;
  for (int index = 0; index < 10; ++index) {
    const std::string file = index == 0 ? path : absl::StrCat(path, ".", index);
    if (!fs::exists(file)) continue;
    ++*files_found;
    for (absl::string_view line :
         absl::StrSplit(ReadFile(file), '\n', absl::SkipEmpty())) {
      absl::StatusOr<v1::Article> article =
          ArticleFromJson(std::string(line), /*ignore_unknown_fields=*/false);
      EXPECT_TRUE(article.ok()) << article.status() << "\n" << line;
      if (article.ok()) articles.push_back(*std::move(article));
    }
  }
  return articles;
}

// `articles` as JSON lines, as ingest reads them.
std::string JsonLines(const std::vector<v1::Article>& articles) {
  std::string lines;
  for (const v1::Article& article : articles) {
    absl::StatusOr<std::string> json = ArticleToJson(article);
    EXPECT_TRUE(json.ok()) << json.status();
    absl::StrAppend(&lines, json.value_or(""), "\n");
  }
  return lines;
}

std::vector<std::string> TraceStages(const v1::Article& article) {
  std::vector<std::string> stages;
  for (const auto& hop : article.trace()) stages.push_back(hop.stage());
  return stages;
}

TEST(PluginPipelineTest, FilterReadingTimeAndJsonlSinkBesideTheStore) {
  TempDir dir;
  dir.Write("inbox/briefs.jsonl", JsonLines(Briefs()));
  const std::string config = dir.Write(
      "pipeline.yaml",
      absl::StrCat(
          "pipeline: plugins\n"
          "run_dir: ",
          dir.path(),
          "/run\n"
          "stages:\n"
          "  ingest: { type: ingest, paths: [inbox] }\n"
          "  filter:\n"
          "    type: filter\n"
          "    inputs: [ingest]\n"
          "    keep: [{field: language, equals: en}]\n"
          "    drop: [{field: title, matches: \"(?i)horoscope\"}]\n"
          "  reading: { type: reading_time, inputs: [filter], "
          "words_per_minute: 200 }\n"
          "  jsonl:  { type: jsonl_sink, inputs: [reading], "
          "path: out/articles.jsonl, max_bytes: 1500 }\n"
          "  store:  { type: store, inputs: [reading], path: news.db }\n"));

  CommandResult run =
      RunCommand({NewsflowBinary(), "run", config, "--once", "--summary-json",
                  dir.path() + "/summary.json"},
                 absl::Seconds(180));
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;

  std::map<std::string, v1::Article> sent;
  for (const v1::Article& brief : Briefs()) sent[brief.id()] = brief;

  int files = 0;
  std::vector<v1::Article> written =
      ReadJsonlFiles(dir.path() + "/out/articles.jsonl", &files);
  std::vector<v1::Article> stored = StoredArticles(dir.path() + "/news.db");
  // The long brief's line alone passes max_bytes: it was rotated.
  EXPECT_GE(files, 2);

  for (const auto* branch : {&written, &stored}) {
    std::vector<std::string> ids;
    for (const v1::Article& article : *branch) {
      ids.push_back(article.id());
      const auto& metadata = article.metadata();
      const int64_t words = WordsIn(sent[article.id()].body());
      ASSERT_TRUE(metadata.contains("word_count")) << article.id();
      EXPECT_EQ(metadata.at("word_count"), absl::StrCat(words));
      EXPECT_EQ(metadata.at("reading_minutes"),
                absl::StrCat((words + 199) / 200));
      EXPECT_TRUE(metadata.contains("flesch_reading_ease")) << article.id();
      EXPECT_EQ(article.title(), sent[article.id()].title());
    }
    EXPECT_THAT(ids, UnorderedElementsAre("harbour", "ferry", "lanes"));
  }
  for (const v1::Article& article : written) {
    EXPECT_THAT(TraceStages(article),
                ElementsAre("ingest", "filter", "reading", "jsonl"));
  }
  for (const v1::Article& article : stored) {
    EXPECT_THAT(TraceStages(article),
                ElementsAre("ingest", "filter", "reading", "store"));
    if (article.id() == "ferry") {
      EXPECT_EQ(article.metadata().at("word_count"), "540");
      EXPECT_EQ(article.metadata().at("reading_minutes"), "3");
    }
  }
  // The summary counts what the filter let through.
  const std::string summary = ReadFile(dir.path() + "/summary.json");
  EXPECT_THAT(summary, HasSubstr(R"("stage":"filter")"));
}

// A filter passes a kept article on as the bytes it came in (the SDK's
// ArticleInput): over real sockets, with acknowledgements, two filters in a
// row deliver what a branch without them delivers, plus one trace entry
// each, and nothing is left unacknowledged.
TEST(PluginPipelineTest, FiltersPassArticlesOnUnchangedWithTheirTrace) {
  TempDir dir;
  std::vector<v1::Article> briefs = Briefs();
  for (v1::Article& brief : briefs) {
    (*brief.mutable_metadata())["desk"] = "coast";
    brief.add_keywords("harbour");
  }
  dir.Write("inbox/briefs.jsonl", JsonLines(briefs));
  const std::string config = dir.Write(
      "pipeline.yaml",
      absl::StrCat("pipeline: forward\n"
                   "run_dir: ",
                   dir.path(),
                   "/run\n"
                   "stages:\n"
                   "  ingest: { type: ingest, paths: [inbox] }\n"
                   "  direct: { type: jsonl_sink, inputs: [ingest], "
                   "path: direct.jsonl }\n"
                   "  pass: { type: filter, inputs: [ingest] }\n"
                   "  route: { type: filter, inputs: [pass], "
                   "drop: [{field: title, matches: \"(?i)horoscope\"}] }\n"
                   "  passed: { type: jsonl_sink, inputs: [route], "
                   "path: passed.jsonl }\n"));
  CommandResult run = RunCommand({NewsflowBinary(), "run", config, "--once"},
                                 absl::Seconds(180));
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;

  int files = 0;
  std::map<std::string, v1::Article> direct;
  for (v1::Article article :
       ReadJsonlFiles(dir.path() + "/direct.jsonl", &files)) {
    EXPECT_THAT(TraceStages(article), ElementsAre("ingest", "direct"));
    article.clear_trace();
    direct[article.id()] = article;
  }
  std::vector<std::string> ids;
  for (v1::Article article :
       ReadJsonlFiles(dir.path() + "/passed.jsonl", &files)) {
    ids.push_back(article.id());
    EXPECT_THAT(TraceStages(article),
                ElementsAre("ingest", "pass", "route", "passed"));
    article.clear_trace();
    ASSERT_TRUE(direct.count(article.id())) << article.id();
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(
        article, direct[article.id()]))
        << article.id();
    EXPECT_EQ(article.metadata().at("desk"), "coast");
  }
  EXPECT_EQ(direct.size(), 6u);
  EXPECT_THAT(ids, UnorderedElementsAre("harbour", "ferry", "lanes", "port-fr",
                                        "radweg-de"));
  // Everything was acknowledged: a second run re-sends nothing from the
  // source's journal.
  CommandResult again = RunCommand({NewsflowBinary(), "run", config, "--once"},
                                   absl::Seconds(180));
  ASSERT_EQ(again.exit_code, 0) << again.out << again.err;
  EXPECT_EQ(ReadJsonlFiles(dir.path() + "/passed.jsonl", &files).size(), 5u);
  EXPECT_EQ(ReadJsonlFiles(dir.path() + "/direct.jsonl", &files).size(), 6u);
}

TEST(PluginPipelineTest, ABadFilterRuleStopsTheRunNamingTheRule) {
  TempDir dir;
  dir.Write("inbox/one.txt", "Quiet day\n\nNothing happened at the port.\n");
  const std::string config =
      dir.Write("pipeline.yaml",
                absl::StrCat("pipeline: bad-rule\n"
                             "run_dir: ",
                             dir.path(),
                             "/run\n"
                             // Retrying a stage that refuses its options
                             // cannot help: fail fast.
                             "restart: { max_restarts: 1, "
                             "backoff_initial_ms: 10 }\n"
                             "stages:\n"
                             "  ingest: { type: ingest, paths: [inbox] }\n"
                             "  filter: { type: filter, inputs: [ingest], "
                             "keep: [{field: language, equals: en}, "
                             "{field: headline, equals: x}] }\n"
                             "  store:  { type: store, inputs: [filter], "
                             "path: news.db }\n"));
  CommandResult run = RunCommand({NewsflowBinary(), "run", config, "--once"},
                                 absl::Seconds(180));
  EXPECT_NE(run.exit_code, 0);
  // Found by the plugin's validate callback before anything started.
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_THAT(run.err,
              HasSubstr("stage 'filter': keep[1]: unknown field 'headline'"));
}

// --- ABI 1.2: a plugin's own option checks ----------------------------------

std::string ValidatingConfig(const TempDir& dir, const std::string& options) {
  return dir.Write(
      "pipeline.yaml",
      absl::StrCat(
          "pipeline: plugin-checks\n"
          "run_dir: ",
          dir.path(), "/run\n", "plugin_path: [", NEWSFLOW_BINARY_DIR,
          "/tests/plugin_fixtures]\n",
          "restart: { max_restarts: 5, backoff_initial_ms: 10 }\n"
          "stages:\n"
          "  ingest: { type: ingest, paths: [inbox], watch: true }\n"
          "  check:  { type: fixture_validating, inputs: [ingest], ",
          options,
          " }\n"
          "  store:  { type: store, inputs: [check], path: news.db }\n"));
}

TEST(PluginValidateTest, APluginsValidateCallbackNamesTheOptionAtItsPlace) {
  TempDir dir;
  const std::string config = ValidatingConfig(dir, "max_items: -4");
  CommandResult validated = RunCommand({NewsflowBinary(), "validate", config});
  EXPECT_EQ(validated.exit_code, 2) << validated.out << validated.err;
  const std::string yaml = ReadFile(config);
  EXPECT_THAT(validated.err,
              HasSubstr(absl::StrCat(
                  config, ":7:", ColumnOf(yaml, 7, "-4"),
                  ": stage 'check': option max_items: must not be negative")));
  // Nothing was started.
  CommandResult run = RunCommand({NewsflowBinary(), "run", config, "--once"});
  EXPECT_EQ(run.exit_code, 2) << run.err;
  EXPECT_FALSE(fs::exists(dir.path() + "/news.db"));
}

TEST(PluginValidateTest, AStageRefusingItsOptionsIsNotRestarted) {
  TempDir dir;
  dir.Write("inbox/one.txt", "Quiet day\n\nNothing happened at the port.\n");
  const std::string flag = dir.path() + "/refuse";
  const std::string config =
      ValidatingConfig(dir, absl::StrCat("refuse_if_exists: \"", flag, "\""));
  ChildProcess runner({NewsflowBinary(), "run", config}, dir.path());
  ASSERT_TRUE(WaitFor([&] { return StoredCount(dir.path() + "/news.db") == 1; },
                      absl::Seconds(30)))
      << runner.Stderr();
  // The config turns bad under the running stage, which then crashes.
  dir.Write("refuse", "");
  std::vector<pid_t> check = StageProcesses(dir.path() + "/run/check.0");
  ASSERT_EQ(check.size(), 1u) << runner.Stderr();
  ASSERT_EQ(kill(check[0], SIGKILL), 0);
  EXPECT_EQ(runner.Wait(absl::Seconds(30)), 2) << runner.Stderr();
  const std::string err = runner.Stderr();
  EXPECT_THAT(err, HasSubstr("stage check.0 refused its options; not "
                             "restarted (fix the config)"));
  EXPECT_THAT(err, HasSubstr("invalid options: refuse_if_exists: the file "
                             "exists: " +
                             flag));
  // One start after the crash, not max_restarts of them.
  EXPECT_THAT(err, Not(HasSubstr("restarting check.0 (restart #2)")));
}

// --- the jsonl sink on a failing disk (review 16) --------------------------

// `count` articles of about `body_bytes` each into `dir`/inbox/a.jsonl.
std::string WriteInbox(const TempDir& dir, int count, size_t body_bytes) {
  fs::create_directories(dir.path() + "/inbox");
  std::string lines;
  for (int i = 0; i < count; ++i) {
    v1::Article article;
    article.set_id(absl::StrCat("disk-", i));
    article.set_title(absl::StrCat("Story number ", i));
    std::string body;
    while (body.size() < body_bytes) body += "Farmers keep their grazing. ";
    article.set_body(body);
    lines += *ArticleToJson(article) + "\n";
  }
  dir.Write("inbox/a.jsonl", lines);
  return dir.path() + "/inbox";
}

// Writes pipeline.yaml in `dir`: ingest from `inbox` into a jsonl sink
// writing `sink_path`, with `settings` (YAML lines) before the stages.
std::string WriteSinkPipeline(TempDir& dir, const std::string& name,
                              const std::string& settings,
                              const std::string& inbox,
                              const std::string& sink_path) {
  return dir.Write(
      "pipeline.yaml",
      absl::StrCat(
          "pipeline: ", name, "\nrun_dir: ", dir.path(), "/run\n", settings,
          "stages:\n", "  ingest: { type: ingest, paths: [", inbox, "] }\n",
          "  sink: { type: jsonl_sink, inputs: [ingest], path: ", sink_path,
          " }\n"));
}

// A full disk (/dev/full) with acknowledgements on: the sources' re-sends
// fill the sink's buffer to its bound, the sink exits 3 (fatal), is
// restarted, and past max_restarts the run fails; nothing is acknowledged.
TEST(JsonlSinkFailureTest, AFullDiskEndsTheSinkWithExit3AndTheRunFails) {
  if (!fs::exists("/dev/full")) GTEST_SKIP() << "no /dev/full here";
  TempDir dir;
  const std::string inbox = WriteInbox(dir, 1500, 12000);
  const std::string config =
      WriteSinkPipeline(dir, "fulldisk",
                        "restart: { max_restarts: 1, backoff_max_ms: 200 }\n"
                        "delivery: { ack_timeout_ms: 2000 }\n",
                        inbox, "/dev/full");
  CommandResult run = RunCommand({NewsflowBinary(), "run", config, "--once"},
                                 absl::Seconds(150));
  EXPECT_NE(run.exit_code, 0) << run.err;
  EXPECT_NE(run.exit_code, -1) << "timed out\n" << run.err;
  EXPECT_THAT(run.err, HasSubstr("bytes wait in memory"));
  EXPECT_THAT(run.err, HasSubstr("sink.0 exited with code 3"));
  // Nothing was acknowledged: the next run, on a disk with room, gets
  // every article again.
  const std::string out = dir.path() + "/out.jsonl";
  const std::string room = WriteSinkPipeline(dir, "fulldisk", "", inbox, out);
  CommandResult again =
      RunCommand({NewsflowBinary(), "run", room, "--once"}, absl::Seconds(150));
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_THAT(
      again.err,
      HasSubstr("1500 unacknowledged messages to re-send, 0 delivered before"));
  int files = 0;
  EXPECT_EQ(ReadJsonlFiles(out, &files).size(), 1500u);
}

// A lost writeback met by the final flush at SIGTERM (the sink idle, every
// article flushed and acknowledged before): the sink exits 3, not 0
// (runner/host/stage_host.cc, 34a2427). fsync() of out.jsonl is made to
// fail by an LD_PRELOAD seam once the marker file exists.
TEST(JsonlSinkFailureTest, ALostWritebackAtTheFinalFlushExits3) {
  TempDir dir;
  const std::string inbox = WriteInbox(dir, 20, 100);
  const std::string out = dir.path() + "/out.jsonl";
  const std::string marker = dir.path() + "/marker";
  const std::string synced_size = dir.path() + "/synced_size";
  const std::string config = WriteSinkPipeline(dir, "lostsync", "", inbox, out);
  ChildProcess runner(
      {"/usr/bin/env", absl::StrCat("LD_PRELOAD=", NEWSFLOW_FAIL_FSYNC_LIB),
       absl::StrCat("NF_FAIL_FSYNC_MARKER=", marker),
       absl::StrCat("NF_FSYNCED_SIZE_FILE=", synced_size), NewsflowBinary(),
       "run", config},
      dir.path());
  // The idle flush synced all 20 records: all acknowledged.
  ASSERT_TRUE(WaitFor(
      [&] {
        const std::string written = ReadFile(out);
        return std::count(written.begin(), written.end(), '\n') == 20 &&
               ReadFile(synced_size) == std::to_string(written.size());
      },
      absl::Seconds(60)))
      << runner.Stderr();
  dir.Write("marker", "");
  runner.Signal(SIGTERM);
  EXPECT_EQ(runner.Wait(absl::Seconds(60)), 0) << runner.Stderr();
  EXPECT_THAT(runner.Stderr(), HasSubstr("fsync failed"));
  EXPECT_THAT(runner.Stderr(),
              HasSubstr("sink.0 exited with code 3 while stopping"));
}

}  // namespace
}  // namespace newsflow::testing
