// `newsflow run`, `validate`, `tail` and `graph`.
#include <fstream>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "runner/commands/command.h"
#include "runner/supervisor.h"
#include "runner/tail.h"

namespace newsflow {
namespace {

int Validate(const std::vector<std::string>& paths) {
  int exit_code = 0;
  for (const auto& path : paths) {
    absl::StatusOr<PipelinePlan> plan = LoadPlan(path);
    if (!plan.ok()) {
      PrintError(plan.status());
      exit_code = kRunExitBadConfig;
      continue;
    }
    int processes = 0;
    for (const auto& stage : plan->stages) {
      processes += static_cast<int>(stage.replicas.size());
    }
    std::cout << path << ": ok (pipeline '" << plan->pipeline << "', "
              << plan->stages.size() << " stages, " << processes
              << " processes)\n";
  }
  return exit_code;
}

absl::Status WriteSummaryJson(const std::vector<StageSummary>& summary,
                              int exit_code, const std::string& path) {
  google::protobuf::Struct root;
  auto& fields = *root.mutable_fields();
  fields["exit_code"].set_number_value(exit_code);
  auto* stages = fields["stages"].mutable_list_value();
  for (const auto& s : summary) {
    auto& stage = *stages->add_values()->mutable_struct_value()->mutable_fields();
    stage["stage"].set_string_value(s.stage);
    stage["replicas"].set_number_value(s.replicas);
    stage["in"].set_number_value(static_cast<double>(s.received));
    stage["out"].set_number_value(static_cast<double>(s.emitted));
    stage["errors"].set_number_value(static_cast<double>(s.failed));
    stage["completed"].set_number_value(static_cast<double>(s.completed));
    stage["restarts"].set_number_value(s.restarts);
    stage["busy_seconds"].set_number_value(s.busy_seconds);
    stage["peak_rss_kib"].set_number_value(static_cast<double>(s.peak_rss_kib));
  }
  std::string json;
  (void)google::protobuf::util::MessageToJsonString(root, &json);
  std::ofstream out(path, std::ios::trunc);
  out << json << "\n";
  if (!out) return absl::UnavailableError("cannot write " + path);
  return absl::OkStatus();
}

int Run(const std::string& config_path, bool once,
        const std::string& summary_json) {
  absl::StatusOr<PipelinePlan> plan = LoadPlan(config_path);
  if (!plan.ok()) {
    PrintError(plan.status());
    return kRunExitBadConfig;
  }
  SupervisorOptions options;
  options.once = once;
  options.stage_binary = DefaultStageBinary();
  Supervisor supervisor(*std::move(plan), options);
  int exit_code = supervisor.Run();
  if (!summary_json.empty()) {
    absl::Status status =
        WriteSummaryJson(supervisor.summary(), exit_code, summary_json);
    if (!status.ok()) PrintError(status);
  }
  return exit_code;
}

int Tail(const std::string& stage, const std::string& config_path,
         int64_t limit, double seconds) {
  absl::StatusOr<PipelinePlan> plan = LoadPlan(config_path);
  if (!plan.ok()) {
    PrintError(plan.status());
    return kRunExitBadConfig;
  }
  TailOptions options;
  options.stage = stage;
  options.limit = limit;
  if (seconds > 0) options.duration = absl::Seconds(seconds);
  absl::Status status = RunTail(*plan, options, std::cout);
  if (!status.ok()) {
    PrintError(status);
    return 1;
  }
  return 0;
}

int Graph(const std::string& config_path) {
  absl::StatusOr<PipelinePlan> plan = LoadPlan(config_path);
  if (!plan.ok()) {
    PrintError(plan.status());
    return kRunExitBadConfig;
  }
  std::cout << "digraph \"" << plan->pipeline << "\" {\n  rankdir=LR;\n"
            << "  node [shape=box, style=rounded];\n";
  for (const auto& stage : plan->stages) {
    std::string label = absl::StrCat(stage.name, "\\n(", stage.type, ")");
    if (stage.replicas.size() > 1) {
      absl::StrAppend(&label, "\\nx", stage.replicas.size(), " replicas");
    }
    std::cout << "  \"" << stage.name << "\" [label=\"" << label << "\"];\n";
    for (const auto& input : stage.inputs) {
      std::cout << "  \"" << input << "\" -> \"" << stage.name << "\";\n";
    }
  }
  std::cout << "}\n";
  return 0;
}

}  // namespace

void RegisterPipelineCommands(CLI::App& app, CommandContext& context) {
  struct Options {
    std::string config_path;
    bool once = false;
    std::string summary_json;
    std::vector<std::string> validate_paths;
    std::string tail_stage;
    int64_t tail_limit = 0;
    double tail_seconds = 0;
  };
  auto options = std::make_shared<Options>();

  auto* run = app.add_subcommand(
      "run", "Run a pipeline: one process per stage replica, supervised.\n"
             "Examples:\n"
             "  newsflow run examples/pipeline.yaml --once\n"
             "  newsflow run examples/pipeline.yaml   # until Ctrl-C");
  run->add_option("config", options->config_path, "Pipeline config (YAML)")
      ->required();
  run->add_flag("--once", options->once,
                "Read sources once; exit 0 when every article is stored");
  run->add_option("--summary-json", options->summary_json,
                  "Also write the per-stage summary to this file as JSON");
  run->callback([options, &context] {
    context.exit_code =
        Run(options->config_path, options->once, options->summary_json);
  });

  auto* validate = app.add_subcommand(
      "validate", "Check configs without starting anything.\n"
                  "Example: newsflow validate examples/pipeline.yaml");
  validate->add_option("config", options->validate_paths, "Pipeline config(s)")
      ->required();
  validate->callback([options, &context] {
    context.exit_code = Validate(options->validate_paths);
  });

  auto* tail = app.add_subcommand(
      "tail", "Print each message leaving a stage of a running pipeline as a "
              "JSON line.\nExample: newsflow tail clean -c "
              "examples/pipeline.yaml");
  tail->add_option("stage", options->tail_stage, "Stage name")->required();
  tail->add_option("-c,--config", options->config_path, "Pipeline config")
      ->required();
  tail->add_option("-n,--limit", options->tail_limit, "Stop after N messages");
  tail->add_option("--duration", options->tail_seconds, "Stop after S seconds");
  tail->callback([options, &context] {
    context.exit_code = Tail(options->tail_stage, options->config_path,
                             options->tail_limit, options->tail_seconds);
  });

  auto* graph = app.add_subcommand(
      "graph", "Print the pipeline topology as Graphviz DOT.\n"
               "Example: newsflow graph examples/pipeline.yaml | dot -Tsvg");
  graph->add_option("config", options->config_path, "Pipeline config")
      ->required();
  graph->callback(
      [options, &context] { context.exit_code = Graph(options->config_path); });
}

}  // namespace newsflow
