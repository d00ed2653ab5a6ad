// Watching real pipelines: `newsflow top --json` names the stage that is
// slow on purpose, /metrics counters move while articles flow, /health
// answers, `graph` output parses with Graphviz, `tail --where` filters
// (live and from a store), and `run --log-format json` writes JSON lines.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/article_json.h"
#include "gmock/gmock.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/delimited_message_util.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "tests/integration/harness.h"

namespace newsflow::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

std::string ObservePluginDir() {
  return absl::StrCat(NEWSFLOW_BINARY_DIR, "/tests/observe_fixtures");
}

bool DotInstalled() {
  return RunCommand({"/bin/sh", "-c", "command -v dot"}).exit_code == 0;
}

// The value of `metric` for `stage` in Prometheus text, -1 if absent.
double MetricValue(const std::string& text, const std::string& metric,
                   const std::string& stage) {
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (!absl::StartsWith(line, metric + "{") ||
        !absl::StrContains(line, absl::StrCat("stage=\"", stage, "\""))) {
      continue;
    }
    double value = -1;
    if (absl::SimpleAtod(line.substr(line.rfind(' ') + 1), &value)) {
      return value;
    }
  }
  return -1;
}

google::protobuf::Struct ParseJson(const std::string& json) {
  google::protobuf::Struct parsed;
  auto status = google::protobuf::util::JsonStringToMessage(json, &parsed);
  EXPECT_TRUE(status.ok()) << status << "\n" << json;
  return parsed;
}

class ObserveTest : public ::testing::Test {
 protected:
  std::string WriteConfig(const std::string& extra,
                          const std::string& stages_yaml) {
    return dir_.Write("pipeline.yaml",
                      absl::StrCat("pipeline: watched\nrun_dir: ", dir_.path(),
                                   "/run\n", extra, "stages:\n", stages_yaml));
  }
  std::string Db() const { return dir_.path() + "/news.db"; }

  TempDir dir_;
};

void WriteArticles(const TempDir& inbox, int count) {
  for (int i = 0; i < count; ++i) {
    inbox.Write(absl::StrCat("report-", i, ".txt"),
                absl::StrCat("Harbour traffic report ", i,
                             "\n\nThe harbour office counted ", i,
                             " vessels at the northern quay this morning, "
                             "and the pilots expect calm water.\n"));
  }
}

// Stages send their output in batch frames, but an article is never held
// for its batch: a slow stage handed a batch of inputs sends each article as
// it is done. The check is an order, not a time: the first article reaches
// the store before the slow stage has even started the twentieth.
TEST_F(ObserveTest, ASlowStageSendsEachArticleAsItIsDone) {
  constexpr int kArticles = 100;  // clean hands `slow` batches of up to 64
  constexpr int kLater = 20;
  TempDir inbox;
  WriteArticles(inbox, kArticles);
  const std::string config = WriteConfig(
      absl::StrCat("plugin_path: [", ObservePluginDir(), "]\n"),
      absl::StrCat("  ingest: { type: ingest, paths: [", inbox.path(), "] }\n",
                   "  clean:  { type: clean, inputs: [ingest] }\n",
                   "  slow:   { type: slow, inputs: [clean], sleep_ms: 20 }\n",
                   "  store:  { type: store, inputs: [slow], path: ", Db(),
                   " }\n"));
  CommandResult run = RunCommand({NewsflowBinary(), "run", config, "--once"},
                                 absl::Seconds(120));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  // RFC 3339 UTC with microseconds, a fixed width: ordered as strings.
  auto hop_time = [](const v1::Article& article, const std::string& stage) {
    for (const auto& hop : article.trace()) {
      if (hop.stage() == stage) return hop.at();
    }
    return std::string();
  };
  std::vector<v1::Article> stored = StoredArticles(Db());
  ASSERT_EQ(stored.size(), static_cast<size_t>(kArticles)) << run.err;
  std::sort(stored.begin(), stored.end(),
            [&](const v1::Article& a, const v1::Article& b) {
              return hop_time(a, "slow") < hop_time(b, "slow");
            });
  ASSERT_FALSE(hop_time(stored[0], "store").empty());
  EXPECT_LT(hop_time(stored[0], "store"), hop_time(stored[kLater], "slow"))
      << "the first article reached the store only after the slow stage "
         "had started article "
      << kLater;
}

TEST_F(ObserveTest, TopMetricsAndGraphSeeTheThrottledStage) {
  constexpr int kArticles = 240;  // x 30 ms in `slow`: about 7 s of work
  TempDir inbox;
  WriteArticles(inbox, kArticles);
  const std::string config = WriteConfig(
      absl::StrCat("plugin_path: [", ObservePluginDir(),
                   "]\nmetrics: { port: 0 }\n"),
      absl::StrCat("  ingest: { type: ingest, paths: [", inbox.path(), "] }\n",
                   "  clean:  { type: clean, inputs: [ingest] }\n",
                   "  slow:   { type: slow, inputs: [clean], sleep_ms: 30 }\n",
                   "  store:  { type: store, inputs: [slow], path: ", Db(),
                   " }\n"));
  ChildProcess runner({NewsflowBinary(), "run", config}, dir_.path());

  const int port = MetricsPort(runner);
  ASSERT_GT(port, 0) << runner.Stderr();

  // Every article read: from here on only `slow` holds the pipeline back.
  std::string scrape;
  ASSERT_TRUE(WaitFor(
      [&] {
        scrape = HttpGet(port, "/metrics");
        return MetricValue(scrape, "newsflow_stage_emitted_total", "ingest") ==
                   kArticles &&
               MetricValue(scrape, "newsflow_stage_received_total", "slow") > 5;
      },
      absl::Seconds(30)))
      << scrape << runner.Stderr();

  CommandResult top = RunCommand({NewsflowBinary(), "top", "-c", config,
                                  "--once", "--json", "--interval", "1"},
                                 absl::Seconds(30));
  ASSERT_EQ(top.exit_code, 0) << top.err;
  google::protobuf::Struct view = ParseJson(top.out);
  EXPECT_EQ(view.fields().at("bottleneck").string_value(), "slow") << top.out;
  int slow_rows = 0;
  for (const auto& value : view.fields().at("replicas").list_value().values()) {
    const auto& replica = value.struct_value().fields();
    const std::string stage = replica.at("stage").string_value();
    EXPECT_EQ(replica.at("bottleneck").bool_value(), stage == "slow") << stage;
    if (stage != "slow") continue;
    ++slow_rows;
    EXPECT_GT(replica.at("busy").number_value(), 0.5) << top.out;
    EXPECT_GT(replica.at("queue_messages").number_value(), 0) << top.out;
    EXPECT_GT(replica.at("p50_ms").number_value(), 20) << top.out;
    EXPECT_GT(replica.at("in_per_second").number_value(), 0) << top.out;
  }
  EXPECT_EQ(slow_rows, 1);

  // The counters move between two scrapes, and /health is happy. How soon
  // is the machine's business (a store commit waits for the disk), so the
  // second scrape is retried until they do, within a generous bound.
  const std::string first = HttpGet(port, "/metrics");
  EXPECT_THAT(first, HasSubstr("HTTP/1.1 200 OK"));
  std::string second;
  auto moved = [&](const char* metric, const char* stage) {
    return MetricValue(second, metric, stage) >
           MetricValue(first, metric, stage);
  };
  EXPECT_TRUE(WaitFor(
      [&] {
        second = HttpGet(port, "/metrics");
        return moved("newsflow_stage_received_total", "store") &&
               moved("newsflow_stage_busy_seconds_total", "slow");
      },
      absl::Seconds(20)))
      << first << second;
  EXPECT_GT(MetricValue(second, "newsflow_stage_queue_messages", "slow"), 0);
  EXPECT_EQ(MetricValue(second, "newsflow_stage_up", "slow"), 1);
  const std::string health = HttpGet(port, "/health");
  EXPECT_THAT(health, HasSubstr("HTTP/1.1 200 OK"));
  EXPECT_THAT(health, HasSubstr("\"status\":\"ok\""));

  // The live graph carries rates and marks the bottleneck.
  CommandResult graph =
      RunCommand({NewsflowBinary(), "graph", config, "--interval", "0.5"},
                 absl::Seconds(30));
  ASSERT_EQ(graph.exit_code, 0) << graph.err;
  EXPECT_THAT(graph.out, HasSubstr("\"clean\" -> \"slow\" [label="));
  EXPECT_THAT(graph.out, HasSubstr("/s"));
  EXPECT_THAT(graph.out, HasSubstr("BOTTLENECK"));

  runner.Signal(SIGTERM);
  EXPECT_EQ(runner.Wait(absl::Seconds(30)), 0) << runner.Stderr();
}

TEST_F(ObserveTest, TopSaysWhenNoPipelineRuns) {
  const std::string config = WriteConfig(
      "", absl::StrCat("  ingest: { type: ingest, paths: [", dir_.path(),
                       "] }\n  store: { type: store, inputs: [ingest] }\n"));
  CommandResult top =
      RunCommand({NewsflowBinary(), "top", "-c", config, "--once"});
  EXPECT_EQ(top.exit_code, 1);
  EXPECT_THAT(top.err, HasSubstr("no running pipeline for " + config));
}

TEST_F(ObserveTest, TailSaysItIsWaitingUntilThePipelineRuns) {
  TempDir inbox;
  const std::string config = WriteConfig(
      "", absl::StrCat("  ingest: { type: ingest, paths: [", inbox.path(),
                       "], watch: true, watch_interval_ms: 100 }\n"
                       "  clean: { type: clean, inputs: [ingest] }\n"
                       "  store: { type: store, inputs: [clean] }\n"));
  TempDir tail_dir;
  ChildProcess tail({NewsflowBinary(), "tail", "clean", "-c", config,
                     "--duration", "60", "-n", "1"},
                    tail_dir.path());
  ASSERT_TRUE(WaitFor(
      [&] {
        return absl::StrContains(
            tail.Stderr(),
            "waiting for stage 'clean' to run (no pipeline is "
            "running it yet; Ctrl-C to stop)");
      },
      absl::Seconds(20)))
      << tail.Stderr();
  ChildProcess runner({NewsflowBinary(), "run", config}, dir_.path());
  EXPECT_TRUE(WaitFor(
      [&] {
        return absl::StrContains(tail.Stderr(),
                                 "stage 'clean' is running; tailing");
      },
      absl::Seconds(30)))
      << tail.Stderr() << runner.Stderr();
  runner.Signal(SIGTERM);
  EXPECT_EQ(runner.Wait(absl::Seconds(30)), 0) << runner.Stderr();
  tail.Signal(SIGTERM);
  tail.Wait(absl::Seconds(10));
}

TEST_F(ObserveTest, GraphIsDotThatGraphvizAccepts) {
  const std::string config = WriteConfig(
      "", absl::StrCat("  ingest: { type: ingest, paths: [", dir_.path(),
                       "] }\n  clean: { type: clean, inputs: [ingest], "
                       "replicas: 2 }\n  store: { type: store, inputs: "
                       "[clean] }\n"));
  CommandResult graph = RunCommand({NewsflowBinary(), "graph", config});
  ASSERT_EQ(graph.exit_code, 0) << graph.err;
  EXPECT_THAT(graph.out, HasSubstr("digraph \"watched\""));
  EXPECT_THAT(graph.out, HasSubstr("type: clean"));
  EXPECT_THAT(graph.out, HasSubstr("2 replicas"));
  EXPECT_THAT(graph.out,
              HasSubstr("1 in:  ipc://" + dir_.path() + "/run/clean.1.in"));
  EXPECT_THAT(graph.out, HasSubstr("\"ingest\" -> \"clean\";"));
  if (!DotInstalled()) {
    GTEST_SKIP() << "Graphviz `dot` is not installed; DOT not rendered";
  }
  const std::string svg = dir_.path() + "/graph.svg";
  CommandResult rendered =
      RunCommand({NewsflowBinary(), "graph", config, "--svg", svg});
  ASSERT_EQ(rendered.exit_code, 0) << rendered.err;
  EXPECT_THAT(ReadFile(svg), HasSubstr("<svg"));
  EXPECT_THAT(ReadFile(svg), HasSubstr("clean"));
  // And the plain output parses on its own too.
  const std::string dot_file = dir_.Write("graph.dot", graph.out);
  CommandResult parsed =
      RunCommand({"/bin/sh", "-c", "dot -Tsvg " + dot_file + " >/dev/null"});
  EXPECT_EQ(parsed.exit_code, 0) << parsed.err;
}

TEST_F(ObserveTest, TailWhereFiltersTheStoreAndTheLiveTap) {
  TempDir inbox;
  inbox.Write("a.txt",
              "Ceasefire talks resume in the valley\n\nEnvoys met again on "
              "Tuesday to discuss the ceasefire line.\n");
  inbox.Write("b.txt",
              "Grain prices steady at the market\n\nTraders reported a quiet "
              "week with little change in grain prices.\n");
  inbox.Write("c.txt",
              "Second ceasefire round ends\n\nThe second round of ceasefire "
              "talks ended without a joint statement.\n");
  const std::string config = WriteConfig(
      "", absl::StrCat("  ingest: { type: ingest, paths: [", inbox.path(),
                       "], watch: true, watch_interval_ms: 100 }\n",
                       "  clean:  { type: clean, inputs: [ingest] }\n",
                       "  store:  { type: store, inputs: [clean], path: ", Db(),
                       " }\n"));
  ChildProcess runner({NewsflowBinary(), "run", config}, dir_.path());
  ASSERT_TRUE(
      WaitFor([&] { return StoredCount(Db()) == 3; }, absl::Seconds(30)))
      << runner.Stderr();

  // From the store: what is stored, filtered, in each format.
  CommandResult json = RunCommand({NewsflowBinary(), "tail", "store", "-c",
                                   config, "--from-start", "--where",
                                   "title ~ \"ceasefire\"", "--duration", "1"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  std::vector<std::string> titles;
  for (absl::string_view line : absl::StrSplit(json.out, '\n')) {
    if (line.empty()) continue;
    absl::StatusOr<v1::Article> article =
        ArticleFromJson(std::string(line), false);
    ASSERT_TRUE(article.ok()) << article.status() << "\n" << line;
    titles.push_back(article->title());
  }
  EXPECT_THAT(titles, ::testing::UnorderedElementsAre(
                          "Ceasefire talks resume in the valley",
                          "Second ceasefire round ends"));

  CommandResult text = RunCommand(
      {NewsflowBinary(), "tail", "store", "-c", config, "--from-start",
       "--where", "title !~ \"ceasefire\"", "--format", "text", "-n", "1"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_THAT(text.out, HasSubstr("Grain prices steady at the market"));
  EXPECT_EQ(std::count(text.out.begin(), text.out.end(), '\n'), 1);

  CommandResult proto =
      RunCommand({NewsflowBinary(), "tail", "store", "-c", config,
                  "--from-start", "--format", "proto", "-n", "3"});
  ASSERT_EQ(proto.exit_code, 0) << proto.err;
  google::protobuf::io::ArrayInputStream stream(
      proto.out.data(), static_cast<int>(proto.out.size()));
  int decoded = 0;
  v1::Article article;
  bool clean_eof = false;
  while (google::protobuf::util::ParseDelimitedFromZeroCopyStream(
      &article, &stream, &clean_eof)) {
    ++decoded;
    EXPECT_FALSE(article.title().empty());
  }
  EXPECT_TRUE(clean_eof);
  EXPECT_EQ(decoded, 3);

  CommandResult typo =
      RunCommand({NewsflowBinary(), "tail", "store", "-c", config, "--where",
                  "titel == \"x\"", "--from-start"});
  EXPECT_EQ(typo.exit_code, 2);
  EXPECT_THAT(typo.err, HasSubstr("no field 'titel'"));
  CommandResult not_a_store =
      RunCommand({NewsflowBinary(), "tail", "clean", "-c", config,
                  "--from-start", "--duration", "1"});
  EXPECT_EQ(not_a_store.exit_code, 2);
  EXPECT_THAT(not_a_store.err, HasSubstr("keeps nothing"));

  // Live, from the tap of `clean`: only the matching article comes out.
  TempDir tail_dir;
  ChildProcess tail(
      {NewsflowBinary(), "tail", "clean", "-c", config, "-n", "1", "--duration",
       "60", "--where", "title ~ \"lighthouse\" and not (body ~ \"ferry\")"},
      tail_dir.path());
  int written = 0;
  bool seen = WaitFor(
      [&] {
        // A non-matching article first, each time: the filter must skip it.
        inbox.Write(absl::StrCat("skip-", written, ".txt"),
                    absl::StrCat("Ferry timetable number ", written,
                                 "\n\nThe ferry keeps its winter timetable "
                                 "for another week.\n"));
        inbox.Write(absl::StrCat("keep-", written, ".txt"),
                    absl::StrCat("Lighthouse note number ", written,
                                 "\n\nThe lighthouse keeper reported calm "
                                 "seas along the coast today.\n"));
        ++written;
        absl::SleepFor(absl::Milliseconds(400));
        return !tail.Stdout().empty();
      },
      absl::Seconds(45));
  ASSERT_TRUE(seen) << runner.Stderr();
  EXPECT_EQ(tail.Wait(absl::Seconds(10)), 0) << tail.Stderr();
  absl::StatusOr<v1::Article> live = ArticleFromJson(
      std::string(absl::StripAsciiWhitespace(tail.Stdout())), false);
  ASSERT_TRUE(live.ok()) << live.status() << "\n" << tail.Stdout();
  EXPECT_THAT(live->title(), HasSubstr("Lighthouse note number"));

  runner.Signal(SIGTERM);
  EXPECT_EQ(runner.Wait(absl::Seconds(30)), 0) << runner.Stderr();
}

TEST_F(ObserveTest, JsonLogLinesCarryStagePidAndLevel) {
  TempDir inbox;
  inbox.Write("empty.txt", "");
  inbox.Write("good.txt",
              "Bridge repairs finish early\n\nCrews finished the bridge "
              "repairs two days ahead of plan.\n");
  const std::string config = WriteConfig(
      "", absl::StrCat("  ingest: { type: ingest, paths: [", inbox.path(),
                       "] }\n  store: { type: store, inputs: [ingest], "
                       "path: ",
                       Db(), " }\n"));
  CommandResult run = RunCommand(
      {NewsflowBinary(), "run", config, "--once", "--log-format", "json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  int lines = 0;
  bool ingest_warning = false, runner_info = false;
  for (absl::string_view line : absl::StrSplit(run.err, '\n')) {
    if (line.empty()) continue;
    ++lines;
    google::protobuf::Struct parsed = ParseJson(std::string(line));
    const auto& f = parsed.fields();
    for (const char* key :
         {"time", "level", "stage", "replica", "pid", "message"}) {
      EXPECT_TRUE(f.contains(key)) << key << " missing in " << line;
    }
    if (f.at("stage").string_value() == "ingest" &&
        f.at("level").string_value() == "warning") {
      ingest_warning = true;
      EXPECT_EQ(f.at("replica").number_value(), 0);
      EXPECT_GT(f.at("pid").number_value(), 0);
      EXPECT_THAT(f.at("message").string_value(), HasSubstr("empty.txt"));
    }
    if (f.at("stage").string_value() == "runner") {
      runner_info = runner_info || f.at("level").string_value() == "info";
      EXPECT_TRUE(f.at("replica").has_null_value());
    }
  }
  EXPECT_GT(lines, 1);
  EXPECT_TRUE(ingest_warning) << run.err;
  EXPECT_TRUE(runner_info) << run.err;
  EXPECT_THAT(run.out, HasSubstr("finished"));
}

}  // namespace
}  // namespace newsflow::testing
