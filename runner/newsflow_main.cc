// `newsflow`: the command-line interface. Each subcommand is a thin layer
// over a runner module (config, plan, supervisor, tail, db_commands).
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "runner/config.h"
#include "runner/db_commands.h"
#include "runner/plan.h"
#include "runner/plugin_loader.h"
#include "runner/supervisor.h"
#include "runner/tail.h"

namespace newsflow {
namespace {

constexpr const char* kVersion = "0.1.0";

void PrintError(const absl::Status& status) {
  std::cerr << status.message() << "\n";
}

// Built-in types plus the plugins on the config's and the environment's
// plugin path.
StageRegistry RegistryFor(const PipelineConfig* config) {
  return RegistryWithPlugins(
      config != nullptr ? config->plugin_paths : std::vector<std::string>{},
      DefaultStageBinary());
}

absl::StatusOr<PipelinePlan> LoadPlan(const std::string& config_path) {
  absl::StatusOr<PipelineConfig> config = LoadConfig(config_path);
  if (!config.ok()) return config.status();
  return MakePlan(*config, RegistryFor(&*config));
}

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

int Plugins(const std::string& type_name, const std::string& config_path) {
  std::optional<PipelineConfig> config;
  if (!config_path.empty()) {
    absl::StatusOr<PipelineConfig> loaded = LoadConfig(config_path);
    if (!loaded.ok()) {
      PrintError(loaded.status());
      return kRunExitBadConfig;
    }
    config = *std::move(loaded);
  }
  StageRegistry registry = RegistryFor(config ? &*config : nullptr);
  if (type_name.empty()) {
    std::printf("%-12s %-10s %-9s %-10s %s\n", "TYPE", "KIND", "VERSION",
                "ORIGIN", "DESCRIPTION");
    for (const auto* entry : registry.List()) {
      const char* kind = entry->type->kind == NF_STAGE_SOURCE   ? "source"
                         : entry->type->kind == NF_STAGE_SINK ? "sink"
                                                              : "transform";
      std::printf("%-12s %-10s %-9s %-10s %s\n", entry->type->name, kind,
                  entry->version.c_str(),
                  entry->library.empty() ? "built-in" : "plugin",
                  entry->type->description);
      if (!entry->library.empty()) {
        std::printf("%-12s   from %s\n", "", entry->library.c_str());
      }
    }
    for (const auto& broken : registry.broken()) {
      std::printf("%-12s %-10s %-9s %-10s %s\n", "-", "BROKEN", "-", "plugin",
                  broken.reason.c_str());
    }
    return registry.broken().empty() ? 0 : 1;
  }
  const RegisteredStageType* entry = registry.Find(type_name);
  if (entry == nullptr) {
    std::cerr << "unknown stage type '" << type_name
              << "' (known: " << registry.TypeNames() << ")\n";
    return 1;
  }
  const nf_stage_type& type = *entry->type;
  std::printf("%s: %s\n\n", type.name, type.description);
  std::printf("  plugin    %s %s (%s)\n", entry->plugin.c_str(),
              entry->version.c_str(), entry->origin.c_str());
  std::printf("  consumes  %s\n", type.consumes ? type.consumes : "-");
  std::printf("  emits     %s\n\n  options:\n", type.emits ? type.emits : "-");
  for (size_t i = 0; i < type.option_count; ++i) {
    const nf_option_spec& option = type.options[i];
    std::printf("    %-22s %-16s default %s\n        %s\n", option.name,
                OptionTypeName(option.type),
                option.default_value ? option.default_value : "(required)",
                option.help);
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
}  // namespace newsflow

int main(int argc, char** argv) {
  using namespace newsflow;
  CLI::App app{
      "newsflow: a streaming news pipeline of independent stage processes.\n"
      "Examples:\n"
      "  newsflow run examples/pipeline.yaml --once\n"
      "  newsflow tail clean -c examples/pipeline.yaml\n"
      "  newsflow query news.db \"ceasefire AND russia\"",
      "newsflow"};
  app.require_subcommand(1);
  app.set_version_flag("--version", kVersion);

  std::string config_path;
  bool once = false;
  auto* run = app.add_subcommand(
      "run", "Run a pipeline: one process per stage replica, supervised.\n"
             "Example: newsflow run examples/pipeline.yaml --once");
  run->add_option("config", config_path, "Pipeline config (YAML)")
      ->required();
  run->add_flag("--once", once,
                "Read sources once; exit 0 when every article is stored");
  std::string summary_json;
  run->add_option("--summary-json", summary_json,
                  "Also write the per-stage summary to this file as JSON");

  std::vector<std::string> validate_paths;
  auto* validate = app.add_subcommand(
      "validate", "Check configs without starting anything.\n"
                  "Example: newsflow validate examples/pipeline.yaml");
  validate->add_option("config", validate_paths, "Pipeline config(s)")
      ->required();

  std::string tail_stage;
  int64_t tail_limit = 0;
  double tail_seconds = 0;
  auto* tail = app.add_subcommand(
      "tail", "Print each message leaving a stage of a running pipeline as a "
              "JSON line.\nExample: newsflow tail clean -c "
              "examples/pipeline.yaml");
  tail->add_option("stage", tail_stage, "Stage name")->required();
  tail->add_option("-c,--config", config_path, "Pipeline config")->required();
  tail->add_option("-n,--limit", tail_limit, "Stop after N messages");
  tail->add_option("--duration", tail_seconds, "Stop after S seconds");

  std::string db_path;
  auto* export_cmd = app.add_subcommand(
      "export", "Print every stored article as one JSON line.\n"
                "Example: newsflow export news.db > articles.jsonl");
  export_cmd->add_option("db", db_path, "Database")->required();

  std::string query_text;
  int query_limit = 10;
  bool query_json = false;
  auto* query = app.add_subcommand(
      "query", "Full-text search, ranked, with titles and snippets.\n"
               "Example: newsflow query news.db \"ceasefire AND russia\"");
  query->add_option("db", db_path, "Database")->required();
  query->add_option("query", query_text,
                    "FTS5 query: words, AND/OR/NOT, \"phrases\", prefix*")
      ->required();
  query->add_option("-n,--limit", query_limit, "Maximum results");
  query->add_flag("--json", query_json, "One JSON object per result");

  std::string plugin_type;
  auto* plugins = app.add_subcommand(
      "plugins", "List stage types, or describe one.\n"
                 "Example: newsflow plugins clean");
  plugins->add_option("type", plugin_type, "Stage type to describe");
  plugins->add_option("-c,--config", config_path,
                      "Pipeline config (adds its plugin_path)");

  auto* graph = app.add_subcommand(
      "graph", "Print the pipeline topology as Graphviz DOT.\n"
               "Example: newsflow graph examples/pipeline.yaml | dot -Tsvg");
  graph->add_option("config", config_path, "Pipeline config")->required();

  CLI11_PARSE(app, argc, argv);

  if (*run) return Run(config_path, once, summary_json);
  if (*validate) return Validate(validate_paths);
  if (*tail) return Tail(tail_stage, config_path, tail_limit, tail_seconds);
  if (*export_cmd) return ExportCommand(db_path, std::cout);
  if (*query) {
    return QueryCommand(db_path, query_text, query_limit, query_json,
                        std::cout);
  }
  if (*plugins) return Plugins(plugin_type, config_path);
  if (*graph) return Graph(config_path);
  return 0;
}
