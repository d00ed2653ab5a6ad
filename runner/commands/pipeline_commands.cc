// `newsflow run`, `validate`, `tail` and `graph`.
#include <signal.h>

#include <cstring>
#include <fstream>
#include <iostream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
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

int Run(const std::string& config_path, bool once, bool watch,
        const std::string& summary_json) {
  absl::StatusOr<PipelinePlan> plan = LoadPlan(config_path);
  if (!plan.ok()) {
    PrintError(plan.status());
    return kRunExitBadConfig;
  }
  SupervisorOptions options;
  options.once = once;
  options.stage_binary = DefaultStageBinary();
  options.watch_config = watch;
  options.replan = [config_path] { return LoadPlan(config_path); };
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

// Asks the runner of `config_path` (found through its lock file) to reload
// and waits for its verdict in run_dir/reload.result.
int Reload(const std::string& config_path, absl::Duration timeout) {
  absl::StatusOr<PipelinePlan> plan = LoadPlan(config_path);
  if (!plan.ok()) {
    PrintError(plan.status());
    std::cerr << "reload not sent; the running pipeline is unchanged\n";
    return kRunExitBadConfig;
  }
  const std::string lock = plan->run_dir + "/runner.lock";
  std::ifstream lock_file(lock);
  pid_t pid = 0;
  if (!(lock_file >> pid) || pid <= 0 || kill(pid, 0) != 0) {
    std::cerr << "no running pipeline for " << config_path << " (" << lock
              << ")\n";
    return 1;
  }
  const std::string result_path = plan->run_dir + "/reload.result";
  auto read_generation = [&]() -> std::pair<int, std::string> {
    std::ifstream in(result_path);
    int generation = 0;
    std::string rest;
    if (in >> generation) std::getline(in, rest);
    return {generation, std::string(absl::StripAsciiWhitespace(rest))};
  };
  const int before = read_generation().first;
  if (kill(pid, SIGHUP) != 0) {
    std::cerr << "cannot signal runner " << pid << ": " << strerror(errno)
              << "\n";
    return 1;
  }
  absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    auto [generation, result] = read_generation();
    if (generation > before) {
      if (result == "ok") {
        std::cout << "reloaded " << config_path << " (runner " << pid << ")\n";
        return 0;
      }
      std::cerr << result << "\n";
      return 1;
    }
    absl::SleepFor(absl::Milliseconds(50));
  }
  std::cerr << "the runner did not answer within "
            << absl::FormatDuration(timeout) << "\n";
  return 1;
}

}  // namespace

void RegisterPipelineCommands(CLI::App& app, CommandContext& context) {
  struct Options {
    std::string config_path;
    bool once = false;
    bool watch = false;
    double reload_timeout = 60;
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
  run->add_flag("--watch", options->watch,
                "Apply edits of the config file to the running pipeline");
  run->callback([options, &context] {
    context.exit_code = Run(options->config_path, options->once,
                            options->watch, options->summary_json);
  });

  auto* reload = app.add_subcommand(
      "reload",
      "Apply the edited config to its running pipeline: added stages start, "
      "removed ones drain and stop, changed ones are replaced; the others "
      "keep running.\nExample: newsflow reload examples/pipeline.yaml");
  reload->add_option("config", options->config_path, "Pipeline config")
      ->required();
  reload->add_option("--timeout", options->reload_timeout,
                     "Seconds to wait for the runner's answer");
  reload->callback([options, &context] {
    context.exit_code =
        Reload(options->config_path, absl::Seconds(options->reload_timeout));
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
