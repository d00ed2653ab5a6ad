#include "runner/config/config.h"

#include <fstream>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runner/config/plan.h"
#include "tests/unit/runner/temp_dir.h"

namespace newsflow {
namespace {

using ::testing::HasSubstr;

constexpr char kPath[] = "/etc/newsflow/pipeline.yaml";

std::string ErrorOf(const std::string& yaml) {
  absl::StatusOr<PipelineConfig> config = ParseConfig(yaml, kPath);
  if (!config.ok()) return std::string(config.status().message());
  absl::Status status = ValidateStages(*config, StageRegistry::WithBuiltins());
  return status.ok() ? "" : std::string(status.message());
}

TEST(ConfigTest, CheckConfigReportsEveryPhaseAtOnceSortedWithSuggestions) {
  TempDir dir;
  const std::string path = dir.File("bad.yaml");
  {
    std::ofstream out(path);
    out << "pipelin: demo\n"
           "stages:\n"
           "  ingest: { type: ingest, paths: [in], max_file_byte: 10 }\n"
           "  clean: { type: clean, inputs: [ingset] }\n"
           "  tag: { type: tagg, inputs: [clean] }\n"
           "  store: { type: store, inputs: [tag], batch_size: many }\n";
  }
  absl::StatusOr<PipelineConfig> config = CheckConfig(
      path,
      [](const PipelineConfig&) { return StageRegistry::WithBuiltins(); });
  ASSERT_FALSE(config.ok());
  const std::vector<std::string> lines =
      absl::StrSplit(config.status().message(), '\n');
  ASSERT_EQ(lines.size(), 6u) << config.status().message();
  // Structure, options, graph and types, in the order of the file.
  EXPECT_THAT(lines[0], HasSubstr(path + ":1:1: unknown key 'pipelin'; did "
                                         "you mean 'pipeline'?"));
  EXPECT_THAT(lines[1], HasSubstr(":1:1: missing 'pipeline: NAME'"));
  EXPECT_THAT(lines[2], HasSubstr(":3:40: unknown key 'max_file_byte' in "
                                  "stage 'ingest'; did you mean "
                                  "'max_file_bytes'?"));
  EXPECT_THAT(lines[3], HasSubstr(":4:3: stage 'clean' reads from 'ingset', "
                                  "which is not a stage in this pipeline; did "
                                  "you mean 'ingest'?"));
  EXPECT_THAT(lines[4], HasSubstr(":5:16: unknown stage type 'tagg' for stage "
                                  "'tag'; did you mean 'tag'?"));
  EXPECT_THAT(lines[5], HasSubstr(":6:52: option 'batch_size' of stage "
                                  "'store': expected an integer"));
}

TEST(ConfigTest, SuggestionsAreOnlyForCloseNames) {
  EXPECT_EQ(DidYouMean("evry", {"every", "feed"}), "; did you mean 'every'?");
  EXPECT_EQ(DidYouMean("ingset", {"ingest", "clean"}),
            "; did you mean 'ingest'?");
  EXPECT_EQ(DidYouMean("xyz", {"tag", "store"}), "");
  EXPECT_EQ(DidYouMean("ab", {"cd"}), "");
}

// --- environment variables ----------------------------------------------

const char* FakeEnvironment(const std::string& name) {
  if (name == "NF_DIR") return "/data/news";
  if (name == "NF_EMPTY") return "";
  return nullptr;
}

TEST(ExpandVariablesTest, ExpandsSetVariablesDefaultsAndEscapes) {
  EXPECT_EQ(*ExpandVariables("${NF_DIR}/in", FakeEnvironment), "/data/news/in");
  EXPECT_EQ(*ExpandVariables("${NF_UNSET:-/tmp/x}", FakeEnvironment), "/tmp/x");
  EXPECT_EQ(*ExpandVariables("${NF_EMPTY:-fallback}", FakeEnvironment),
            "fallback");
  EXPECT_EQ(*ExpandVariables("${NF_DIR:-unused}", FakeEnvironment),
            "/data/news");
  EXPECT_EQ(*ExpandVariables("cost: $$5, end$", FakeEnvironment),
            "cost: $5, end$");
  EXPECT_EQ(*ExpandVariables("$$${NF_DIR}", FakeEnvironment), "$/data/news");
}

TEST(ExpandVariablesTest, RefusesUnsetUnterminatedAndBadNames) {
  EXPECT_THAT(
      std::string(
          ExpandVariables("${NF_UNSET}", FakeEnvironment).status().message()),
      HasSubstr("environment variable NF_UNSET is not set (give a "
                "default with ${NF_UNSET:-DEFAULT})"));
  EXPECT_THAT(
      std::string(
          ExpandVariables("${NF_DIR", FakeEnvironment).status().message()),
      HasSubstr("unterminated ${"));
  EXPECT_THAT(
      std::string(ExpandVariables("${1X}", FakeEnvironment).status().message()),
      HasSubstr("'1X' is not an environment variable name"));
}

TEST(ConfigTest, ExpandsEnvironmentVariablesInValuesAtTheirPlace) {
  setenv("NEWSFLOW_TEST_INBOX", "/srv/inbox", 1);
  unsetenv("NEWSFLOW_TEST_MISSING");
  absl::StatusOr<PipelineConfig> config = ParseConfig(
      "pipeline: demo\n"
      "stages:\n"
      "  ingest: { type: ingest, paths: [\"${NEWSFLOW_TEST_INBOX}\"] }\n"
      "  store:  { type: store, inputs: [ingest], "
      "path: \"${NEWSFLOW_TEST_DB:-news.db}\" }\n",
      kPath);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->stages[0].options[0].value[0].Scalar(), "/srv/inbox");
  EXPECT_EQ(config->stages[1].options[0].value.Scalar(), "news.db");
  EXPECT_THAT(
      ErrorOf("pipeline: demo\nstages:\n"
              "  ingest: { type: ingest, paths: [\"${NEWSFLOW_TEST_MISSING}\"] "
              "}\n"),
      HasSubstr("pipeline.yaml:3:35: environment variable "
                "NEWSFLOW_TEST_MISSING is not set"));
}

TEST(ConfigTest, DeepNestingIsAnErrorNotACrash) {
  // Found by the config fuzzer: expanding variables recursed once per level.
  const std::string deep = "pipeline: demo\nstages: " + std::string(200, '[') +
                           "x" + std::string(200, ']') + "\n";
  absl::StatusOr<PipelineConfig> config = ParseConfig(deep, kPath);
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(std::string(config.status().message()),
              HasSubstr("nested deeper than 64 levels"));
}

TEST(ConfigTest, ParsesTheContractShape) {
  absl::StatusOr<PipelineConfig> config = ParseConfig(R"(
pipeline: demo
stages:
  ingest: { type: ingest, paths: [articles] }
  clean:  { type: clean, inputs: [ingest] }
  tag:    { type: tag,   inputs: [clean], replicas: 2 }
  store:  { type: store, inputs: [tag], path: news.db }
)",
                                                      kPath);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->pipeline, "demo");
  ASSERT_EQ(config->stages.size(), 4u);
  EXPECT_EQ(config->stages[2].replicas, 2);
  EXPECT_EQ(config->stages[3].inputs, std::vector<std::string>{"tag"});
  EXPECT_EQ(config->directory, "/etc/newsflow");
  EXPECT_TRUE(ValidateStages(*config, StageRegistry::WithBuiltins()).ok());
}

// `annotate_replicas` writes a tag stage out as annotate (replicated) feeding
// link under the tag's own name, so its readers need no change.
TEST(ConfigTest, AnnotateReplicasSplitsTagIntoAnnotateAndLink) {
  absl::StatusOr<PipelineConfig> config = ParseConfig(R"(
pipeline: demo
stages:
  ingest: { type: ingest, paths: [articles] }
  clean:  { type: clean, inputs: [ingest] }
  tag:    { type: tag, inputs: [clean], annotate_replicas: 2, max_keywords: 5 }
  store:  { type: store, inputs: [tag], path: news.db }
)",
                                                      kPath);
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_EQ(config->stages.size(), 5u);
  const StageConfig& annotate = config->stages[2];
  const StageConfig& link = config->stages[3];
  EXPECT_EQ(annotate.name, "tag-annotate");
  EXPECT_EQ(annotate.type, "annotate");
  EXPECT_EQ(annotate.replicas, 2);
  EXPECT_EQ(annotate.inputs, std::vector<std::string>{"clean"});
  EXPECT_EQ(link.name, "tag");
  EXPECT_EQ(link.type, "link");
  EXPECT_EQ(link.replicas, 1);
  EXPECT_EQ(link.inputs, std::vector<std::string>{"tag-annotate"});
  ASSERT_EQ(annotate.options.size(), 1u);
  ASSERT_EQ(link.options.size(), 1u);
  EXPECT_EQ(link.options[0].name, "max_keywords");
  EXPECT_EQ(annotate.split_of, "tag");
  EXPECT_EQ(config->stages[4].inputs, std::vector<std::string>{"tag"});
  absl::Status valid = ValidateStages(*config, StageRegistry::WithBuiltins());
  EXPECT_TRUE(valid.ok()) << valid.message();
}

TEST(ConfigTest, AnnotateReplicasIsRefusedWhereItCannotSplit) {
  EXPECT_THAT(ErrorOf(R"(
pipeline: demo
stages:
  ingest: { type: ingest, paths: [articles] }
  clean:  { type: clean, inputs: [ingest], annotate_replicas: 2 }
)"),
              HasSubstr("5:63: annotate_replicas applies to type tag only"));
  EXPECT_THAT(ErrorOf(R"(
pipeline: demo
stages:
  ingest: { type: ingest, paths: [articles] }
  tag:    { type: tag, inputs: [ingest], replicas: 2, annotate_replicas: 2 }
)"),
              HasSubstr("sets both replicas and annotate_replicas"));
  EXPECT_THAT(ErrorOf(R"(
pipeline: demo
stages:
  ingest: { type: ingest, paths: [articles] }
  tag-annotate: { type: clean, inputs: [ingest] }
  tag:    { type: tag, inputs: [ingest], annotate_replicas: 2 }
)"),
              HasSubstr("names a stage 'tag-annotate', which the file already "
                        "has"));
  EXPECT_THAT(ErrorOf(R"(
pipeline: demo
stages:
  ingest: { type: ingest, paths: [articles] }
  tag:    { type: tag, inputs: [ingest], annotate_replicas: 0 }
)"),
              HasSubstr("annotate_replicas must be an integer from 1 to 64"));
  // A bad option of a split tag is reported once, not once per half.
  const std::string bad_option = ErrorOf(R"(
pipeline: demo
stages:
  ingest: { type: ingest, paths: [articles] }
  tag:    { type: tag, inputs: [ingest], annotate_replicas: 2, max_keyword: 5 }
)");
  EXPECT_THAT(bad_option,
              HasSubstr("unknown key 'max_keyword' in stage 'tag'"));
  EXPECT_EQ(bad_option.find('\n'), std::string::npos) << bad_option;
}

TEST(ConfigTest, ResolvesRelativePathsAgainstTheConfigFolder) {
  absl::StatusOr<PipelineConfig> config = ParseConfig(R"(
pipeline: demo
stages:
  ingest: { type: ingest, paths: [articles, /abs/dir] }
  store:  { type: store, inputs: [ingest], path: ../data/news.db }
)",
                                                      kPath);
  ASSERT_TRUE(config.ok()) << config.status();
  StageRegistry registry = StageRegistry::WithBuiltins();
  absl::StatusOr<std::string> ingest = StageOptionsJson(
      *config, config->stages[0], *registry.Find("ingest")->type);
  ASSERT_TRUE(ingest.ok()) << ingest.status();
  EXPECT_THAT(*ingest, HasSubstr("\"/etc/newsflow/articles\""));
  EXPECT_THAT(*ingest, HasSubstr("\"/abs/dir\""));
  absl::StatusOr<std::string> store = StageOptionsJson(
      *config, config->stages[1], *registry.Find("store")->type);
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_THAT(*store, HasSubstr("\"/etc/data/news.db\""));
}

TEST(ConfigTest, UnknownTopLevelKeyNamesLineAndColumn) {
  EXPECT_THAT(ErrorOf("pipeline: demo\nstagez: {}\n"),
              HasSubstr("pipeline.yaml:2:1: unknown key 'stagez'"));
}

TEST(ConfigTest, UnknownStageTypeNamesTheTypeValue) {
  EXPECT_THAT(ErrorOf("pipeline: demo\nstages:\n  a: { type: ingets }\n"),
              HasSubstr("pipeline.yaml:3:14: unknown stage type 'ingets'"));
}

TEST(ConfigTest, IngestSourcesProblemsNameTheirYamlNode) {
  const std::string head =
      "pipeline: demo\nstages:\n  ingest:\n    type: ingest\n"
      "    sources:\n      - files: [inbox/*.html]\n";
  EXPECT_THAT(
      ErrorOf(head + "      - feed: http://a.test/rss\n"
                     "        evry: 5m\n"),
      HasSubstr("pipeline.yaml:8:9: stage 'ingest': option "
                "sources[1].evry: unknown option; did you mean 'every'?"));
  EXPECT_THAT(ErrorOf(head + "      - stdin: csv\n"),
              HasSubstr("pipeline.yaml:7:9: stage 'ingest': option "
                        "sources[1].stdin: the only format is jsonl"));
  EXPECT_THAT(ErrorOf(head + "      - just a string\n"),
              HasSubstr("pipeline.yaml:7:9: stage 'ingest': option "
                        "sources[1]: must be a map of options"));
  EXPECT_THAT(ErrorOf("pipeline: demo\nstages:\n  ingest: { type: ingest }\n"),
              HasSubstr("pipeline.yaml:3:3: stage 'ingest': option paths: "
                        "list at least one"));
  EXPECT_EQ(ErrorOf(head), "");
}

TEST(ConfigTest, IngestSourcePathsResolveAgainstTheConfigFolder) {
  absl::StatusOr<PipelineConfig> config = ParseConfig(
      "pipeline: demo\nstages:\n  ingest:\n    type: ingest\n"
      "    sources: [{ reuters_sgml: corpora/reuters }]\n",
      kPath);
  ASSERT_TRUE(config.ok()) << config.status();
  StageRegistry registry = StageRegistry::WithBuiltins();
  absl::StatusOr<std::string> ingest = StageOptionsJson(
      *config, config->stages[0], *registry.Find("ingest")->type);
  ASSERT_TRUE(ingest.ok()) << ingest.status();
  EXPECT_THAT(*ingest, HasSubstr("\"base_dir\":\"/etc/newsflow/\""));
}

TEST(ConfigTest, UnknownOptionListsTheKnownOnes) {
  std::string error =
      ErrorOf("pipeline: demo\nstages:\n  a: { type: ingest, pathz: [x] }\n");
  EXPECT_THAT(error, HasSubstr("pipeline.yaml:3:22: unknown key 'pathz'"));
  EXPECT_THAT(error, HasSubstr("paths"));
}

TEST(ConfigTest, MissingInputIsAnError) {
  EXPECT_THAT(
      ErrorOf("pipeline: demo\nstages:\n  a: { type: ingest }\n"
              "  b: { type: clean, inputs: [nope] }\n"),
      HasSubstr("pipeline.yaml:4:3: stage 'b' reads from 'nope', which is "
                "not a stage"));
}

TEST(ConfigTest, CycleIsAnError) {
  EXPECT_THAT(ErrorOf("pipeline: demo\nstages:\n"
                      "  a: { type: ingest }\n"
                      "  b: { type: clean, inputs: [a, c] }\n"
                      "  c: { type: tag, inputs: [b] }\n"),
              HasSubstr("stages form a cycle"));
}

TEST(ConfigTest, YamlSyntaxErrorHasPosition) {
  EXPECT_THAT(ErrorOf("pipeline: demo\nstages: [\n  a: {type: x\n"),
              HasSubstr("pipeline.yaml:"));
  EXPECT_THAT(ErrorOf("pipeline: demo\nstages: [\n  a: {type: x\n"),
              HasSubstr("YAML syntax error"));
}

TEST(ConfigTest, OptionTypeIsChecked) {
  EXPECT_THAT(ErrorOf("pipeline: demo\nstages:\n  a: { type: ingest }\n"
                      "  s: { type: store, inputs: [a], batch_size: lots }\n"),
              HasSubstr("pipeline.yaml:4:46: option 'batch_size' of stage 's': "
                        "expected an integer, got 'lots'"));
}

TEST(ConfigTest, ReplicasMustBePositive) {
  EXPECT_THAT(ErrorOf("pipeline: demo\nstages:\n  a: { type: ingest, "
                      "replicas: 0 }\n"),
              HasSubstr("replicas must be an integer from 1 to 64"));
}

TEST(ConfigTest, SourcesTakeNoInputsAndOthersNeedThem) {
  EXPECT_THAT(ErrorOf("pipeline: demo\nstages:\n  a: { type: ingest }\n"
                      "  b: { type: ingest, inputs: [a] }\n"),
              HasSubstr("takes no inputs"));
  EXPECT_THAT(ErrorOf("pipeline: demo\nstages:\n  a: { type: clean }\n"),
              HasSubstr("needs 'inputs"));
}

TEST(ConfigTest, ReportsEveryErrorAtOnce) {
  std::string error = ErrorOf(
      "pipeline: demo\nstages:\n  a: { type: ingest, bogus: 1 }\n"
      "  b: { type: nothing, inputs: [a] }\n");
  EXPECT_THAT(error, HasSubstr("unknown key 'bogus'"));
  EXPECT_THAT(error, HasSubstr("unknown stage type 'nothing'"));
}

TEST(ConfigTest, MissingFileNamesIt) {
  absl::StatusOr<PipelineConfig> config = LoadConfig("/nonexistent/x.yaml");
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(std::string(config.status().message()),
              HasSubstr("/nonexistent/x.yaml"));
}

TEST(PlanTest, WiresFanOutFanInAndReplicas) {
  absl::StatusOr<PipelineConfig> config = ParseConfig(R"(
pipeline: wiring
run_dir: /tmp/nf-plan-test
stages:
  a: { type: ingest, paths: [x] }
  b: { type: ingest, paths: [y] }
  clean: { type: clean, inputs: [a, b], replicas: 2 }
  tag:   { type: tag, inputs: [clean] }
  s1: { type: store, inputs: [tag], path: one.db }
  s2: { type: store, inputs: [tag], path: two.db }
)",
                                                      kPath);
  ASSERT_TRUE(config.ok()) << config.status();
  absl::StatusOr<PipelinePlan> plan =
      MakePlan(*config, StageRegistry::WithBuiltins());
  ASSERT_TRUE(plan.ok()) << plan.status();
  const StagePlan* clean = plan->FindStage("clean");
  ASSERT_NE(clean, nullptr);
  ASSERT_EQ(clean->replicas.size(), 2u);
  EXPECT_EQ(clean->replicas[1].input_endpoint,
            "ipc:///tmp/nf-plan-test/clean.1.in");
  // Fan-in: both sources feed every clean replica.
  v1::StageLaunch a = MakeLaunch(*plan, *plan->FindStage("a"), 0, true);
  ASSERT_EQ(a.outputs_size(), 1);
  EXPECT_EQ(a.outputs(0).endpoints_size(), 2);
  EXPECT_TRUE(a.once());
  // Fan-out: tag has one output per consumer stage.
  v1::StageLaunch tag = MakeLaunch(*plan, *plan->FindStage("tag"), 0, false);
  ASSERT_EQ(tag.outputs_size(), 2);
  EXPECT_EQ(tag.outputs(0).stage(), "s1");
  EXPECT_EQ(tag.outputs(1).stage(), "s2");
  // Inputs come before consumers.
  EXPECT_EQ(
      plan->stages.back().name == "s1" || plan->stages.back().name == "s2",
      true);
}

TEST(PlanTest, TcpTransportAssignsDistinctPorts) {
  absl::StatusOr<PipelineConfig> config = ParseConfig(R"(
pipeline: tcp
transport: { kind: tcp, host: 127.0.0.1, base_port: 24000 }
stages:
  a: { type: ingest, paths: [x] }
  s: { type: store, inputs: [a] }
)",
                                                      kPath);
  ASSERT_TRUE(config.ok()) << config.status();
  absl::StatusOr<PipelinePlan> plan =
      MakePlan(*config, StageRegistry::WithBuiltins());
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->control_endpoint, "tcp://127.0.0.1:24000");
  // status 24001; a: tap 24002, commands 24003, acks 24004; s: input 24005
  EXPECT_EQ(plan->FindStage("s")->replicas[0].input_endpoint,
            "tcp://127.0.0.1:24005");
  std::set<std::string> endpoints = {plan->control_endpoint,
                                     plan->status_endpoint};
  size_t count = 2;
  for (const auto& stage : plan->stages) {
    for (const auto& r : stage.replicas) {
      for (const auto& e : {r.input_endpoint, r.tap_endpoint,
                            r.command_endpoint, r.ack_endpoint}) {
        if (e.empty()) continue;
        endpoints.insert(e);
        ++count;
      }
    }
  }
  EXPECT_EQ(endpoints.size(), count);
}

}  // namespace
}  // namespace newsflow
