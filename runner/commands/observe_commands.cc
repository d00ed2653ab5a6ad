// `newsflow top`, `graph` and `tail`: watching a pipeline.
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "runner/commands/command.h"
#include "runner/observe/graph.h"
#include "runner/observe/tail.h"
#include "runner/observe/top.h"
#include "runner/wire/security.h"
#include "runner/wire/status_client.h"

namespace newsflow {
namespace {

namespace fs = std::filesystem;

// Exit codes shared by graph and tail (top's are in top.h).
constexpr int kObserveExitOk = 0;
constexpr int kObserveExitFailed = 1;
constexpr int kObserveExitUsage = 2;

struct Target {
  std::string status_endpoint;
  std::string description;
  std::optional<StatusClientKeys> keys;
};

// `--key FILE` of tail and top: "" for none.
absl::StatusOr<std::optional<KeyPair>> ClientKey(const std::string& path) {
  if (path.empty()) return std::optional<KeyPair>();
  absl::StatusOr<KeyPair> pair = ReadSecretKeyFile(path);
  if (!pair.ok()) return pair.status();
  return std::optional<KeyPair>(*pair);
}

// Where `newsflow run` keeps the run directories of configs without a
// run_dir (as plan.cc derives them).
std::vector<std::string> DefaultRunRoots() {
  std::vector<std::string> roots;
  if (const char* xdg = getenv("XDG_RUNTIME_DIR"); xdg != nullptr && *xdg) {
    roots.push_back(absl::StrCat(xdg, "/newsflow"));
  }
  roots.push_back(absl::StrCat("/tmp/newsflow-", getuid()));
  return roots;
}

// The pipeline to watch: the config's, or else the only running pipeline
// in the default run directories (ipc transport only).
absl::StatusOr<Target> ResolveTarget(const std::string& config_path,
                                     const std::string& host,
                                     const std::string& key_path) {
  if (!config_path.empty()) {
    absl::StatusOr<PipelinePlan> plan = LoadPlan(config_path);
    if (!plan.ok()) return plan.status();
    if (plan->hosts.empty()) {
      return Target{plan->status_endpoint, config_path, std::nullopt};
    }
    // Several hosts: each runner reports its own host's stages.
    std::vector<std::string> names;
    for (const auto& h : plan->hosts) names.push_back(h.name);
    const HostPlan* target = plan->FindHost(host);
    if (target == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          config_path, ": this pipeline runs on hosts ",
          absl::StrJoin(names, ", "), "; pass --host NAME (one runner each)"));
    }
    Target result{target->status_endpoint,
                  absl::StrCat(config_path, " on host ", host), std::nullopt};
    if (!plan->curve) return result;
    absl::StatusOr<std::optional<KeyPair>> key = ClientKey(key_path);
    if (!key.ok()) return key.status();
    if (!key->has_value()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "the status of host ", host,
          " is CURVE-protected; pass --key FILE (the secret key of a client "
          "listed under clients:, or of a host)"));
    }
    result.keys = StatusClientKeys{**key, target->public_key};
    return result;
  }
  std::vector<std::string> running;
  const std::vector<std::string> roots = DefaultRunRoots();
  for (const auto& root : roots) {
    std::error_code error;
    for (const auto& entry : fs::directory_iterator(root, error)) {
      const std::string dir = entry.path().string();
      std::ifstream lock(dir + "/runner.lock");
      pid_t pid = 0;
      if (!(lock >> pid) || pid <= 0 || kill(pid, 0) != 0) continue;
      if (fs::exists(dir + "/status", error)) running.push_back(dir);
    }
  }
  if (running.size() == 1) {
    return Target{absl::StrCat("ipc://", running[0], "/status"),
                  absl::StrCat("the pipeline running in ", running[0]),
                  std::nullopt};
  }
  if (running.empty()) {
    return absl::NotFoundError(absl::StrCat(
        "no running pipeline found in ", absl::StrJoin(roots, " or "),
        "; pass -c CONFIG (needed too when the config sets run_dir or a tcp "
        "transport)"));
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "several pipelines are running (", absl::StrJoin(running, ", "),
      "); pass -c CONFIG to choose one"));
}

int Top(const std::string& config_path, const std::string& host,
        const std::string& key_path, bool json, bool once, double interval,
        double window) {
  absl::StatusOr<Target> target = ResolveTarget(config_path, host, key_path);
  if (!target.ok()) {
    PrintError(target.status());
    return absl::IsNotFound(target.status()) && config_path.empty()
               ? kTopExitNoPipeline
               : kTopExitBadConfig;
  }
  TopOptions options;
  options.status_endpoint = target->status_endpoint;
  options.keys = target->keys;
  options.description = target->description;
  options.json = json;
  options.once = once;
  options.interval = absl::Seconds(std::max(interval, 0.1));
  options.window = absl::Seconds(std::max(window, 0.0));
  options.terminal = isatty(STDOUT_FILENO) != 0;
  return RunTop(options, std::cout, std::cerr);
}

int Graph(const std::string& config_path, const std::string& svg_path,
          bool live, double interval) {
  absl::StatusOr<PipelinePlan> plan = LoadPlan(config_path);
  if (!plan.ok()) {
    PrintError(plan.status());
    return kObserveExitUsage;
  }
  std::optional<PipelineView> view;
  if (live) {
    // Two snapshots `interval` apart give the live rates; a pipeline that
    // is not running just gives the static graph.
    StatusClient client(plan->status_endpoint);
    absl::StatusOr<v1::PipelineStatus> first =
        client.Fetch(absl::Milliseconds(500));
    if (first.ok()) {
      absl::SleepFor(absl::Seconds(std::max(interval, 0.1)));
      absl::StatusOr<v1::PipelineStatus> second =
          client.Fetch(absl::Milliseconds(500));
      if (second.ok()) view = MakePipelineView(*second, &*first);
    }
  }
  const std::string dot = PipelineDot(*plan, view ? &*view : nullptr);
  if (svg_path.empty()) {
    std::cout << dot;
    return kObserveExitOk;
  }
  absl::Status status = WriteSvg(dot, svg_path);
  if (!status.ok()) {
    PrintError(status);
    return kObserveExitFailed;
  }
  std::cerr << "wrote " << svg_path << (view ? " (with live rates)" : "")
            << "\n";
  return kObserveExitOk;
}

struct TailArgs {
  std::string stage;
  std::string config_path;
  int64_t limit = 0;
  double seconds = 0;
  std::string where;
  std::string format = "json";
  bool from_start = false;
  std::string key_path;
};

int Tail(const TailArgs& args) {
  absl::StatusOr<TailFormat> format = ParseTailFormat(args.format);
  if (!format.ok()) {
    PrintError(format.status());
    return kObserveExitUsage;
  }
  if (*format == TailFormat::kProto && isatty(STDOUT_FILENO)) {
    std::cerr << "--format proto writes binary; redirect it to a file or a "
                 "pipe\n";
    return kObserveExitUsage;
  }
  absl::StatusOr<PipelinePlan> plan = LoadPlan(args.config_path);
  if (!plan.ok()) {
    PrintError(plan.status());
    return kObserveExitUsage;
  }
  TailOptions options;
  options.stage = args.stage;
  options.limit = args.limit;
  if (args.seconds > 0) options.duration = absl::Seconds(args.seconds);
  options.where = args.where;
  options.format = *format;
  options.from_start = args.from_start;
  absl::StatusOr<std::optional<KeyPair>> key = ClientKey(args.key_path);
  if (!key.ok()) {
    PrintError(key.status());
    return kObserveExitUsage;
  }
  options.client_key = *key;
  options.notices = &std::cerr;
  absl::StatusOr<TailStats> stats = RunTail(*plan, options, std::cout);
  if (!stats.ok()) {
    PrintError(stats.status());
    return absl::IsInvalidArgument(stats.status()) ||
                   absl::IsNotFound(stats.status())
               ? kObserveExitUsage
               : kObserveExitFailed;
  }
  if (stats->dropped > 0) {
    std::cerr << "tail: missed " << stats->dropped
              << " messages: tail fell behind and the stage dropped its copies "
                 "rather than wait (the pipeline was not slowed)\n";
  }
  if (stats->undecodable > 0) {
    std::cerr << "tail: " << stats->undecodable
              << " tapped messages were not newsflow.v1.Article\n";
    return kObserveExitFailed;
  }
  return kObserveExitOk;
}

}  // namespace

void RegisterObserveCommands(CLI::App& app, CommandContext& context) {
  struct Options {
    std::string config_path;
    bool json = false;
    bool once = false;
    double interval = 1;
    double window = 10;
    std::string svg_path;
    bool no_live = false;
    std::string host;
    std::string key_path;
    TailArgs tail;
  };
  auto options = std::make_shared<Options>();

  auto* top = app.add_subcommand(
      "top",
      "Live view of a running pipeline: per stage replica, messages in and "
      "out per second, p50/p99 processing time, input queue fill, time "
      "blocked on a full output, busy time, restarts; the stage that bounds "
      "throughput is marked with '*'.\n"
      "Examples:\n"
      "  newsflow top -c examples/pipeline.yaml\n"
      "  newsflow top --once --json -c examples/pipeline.yaml | jq "
      ".bottleneck\n"
      "Exit codes: 0 ok; 1 no running pipeline (--once, or none found "
      "without -c); 2 invalid config.");
  top->add_option("-c,--config", options->config_path,
                  "Pipeline config (default: the only running pipeline)");
  top->add_option("--host", options->host,
                  "With hosts: in the config, the host whose runner to ask");
  top->add_option("--key", options->key_path,
                  "Secret key file of a client listed under clients: (for a "
                  "CURVE-protected pipeline on several hosts)");
  top->add_flag("--json", options->json,
                "One JSON object per refresh, for scripts");
  top->add_flag("--once", options->once,
                "Print one view (over one interval) and exit");
  top->add_option("--interval", options->interval,
                  "Seconds between refreshes (default 1)");
  top->add_option("--window", options->window,
                  "Seconds of the recent past that rates average over "
                  "(default 10; at least one interval)");
  top->callback([options, &context] {
    context.exit_code =
        Top(options->config_path, options->host, options->key_path,
            options->json, options->once, options->interval, options->window);
  });

  auto* graph = app.add_subcommand(
      "graph",
      "Print the pipeline topology as Graphviz DOT: stages with type, "
      "replicas and endpoints; when the pipeline is running, edges carry "
      "live rates and the bottleneck is red.\n"
      "Examples:\n"
      "  newsflow graph examples/pipeline.yaml | dot -Tpng > pipeline.png\n"
      "  newsflow graph examples/pipeline.yaml --svg pipeline.svg\n"
      "Exit codes: 0 ok; 1 --svg failed (Graphviz missing or dot failed); "
      "2 invalid config.");
  graph->add_option("config", options->config_path, "Pipeline config")
      ->required();
  graph->add_option("--svg", options->svg_path,
                    "Write SVG to this file with Graphviz's dot");
  graph->add_flag("--no-live", options->no_live,
                  "Do not ask a running pipeline for rates");
  graph->add_option("--interval", options->interval,
                    "Seconds to measure live rates over (default 1)");
  graph->callback([options, &context] {
    context.exit_code = Graph(options->config_path, options->svg_path,
                              !options->no_live, options->interval);
  });

  auto* tail = app.add_subcommand(
      "tail",
      "Print the messages leaving a stage of a running pipeline, or the "
      "articles a store keeps. A tail that cannot keep up loses messages "
      "(and says how many) instead of slowing the pipeline.\n"
      "Examples:\n"
      "  newsflow tail clean -c examples/pipeline.yaml\n"
      "  newsflow tail tag -c p.yaml --where 'language == \"en\" and "
      "entities.canonical == \"Muammar Gaddafi\"'\n"
      "  newsflow tail tag -c p.yaml --where 'title ~ \"ceasefire\"' "
      "--format text\n"
      "  newsflow tail store -c p.yaml --from-start -n 100 --format proto > "
      "a.bin\n"
      "--where: field comparisons (== != < <= > >=, ~ for case-insensitive "
      "'contains') joined with and/or/not and parentheses; a path through a "
      "list matches when any element does; map keys as metadata.KEY.\n"
      "Exit codes: 0 ok; 1 cannot connect, database error or undecodable "
      "messages; 2 invalid config, stage, --where or --format.");
  tail->add_option("stage", options->tail.stage, "Stage name")->required();
  tail->add_option("-c,--config", options->tail.config_path, "Pipeline config")
      ->required();
  tail->add_option("-n,--limit", options->tail.limit,
                   "Stop after N printed messages");
  tail->add_option("--duration", options->tail.seconds, "Stop after S seconds");
  tail->add_option("--where", options->tail.where,
                   "Only messages matching this expression");
  tail->add_option("--format", options->tail.format,
                   "text, json (default) or proto (length-delimited binary)");
  tail->add_option("--key", options->tail.key_path,
                   "Secret key file of a client listed under clients: (taps "
                   "of a pipeline on several hosts are CURVE-protected)");
  tail->add_flag("--from-start", options->tail.from_start,
                 "Store stages: print what is stored, then follow new rows");
  tail->callback(
      [options, &context] { context.exit_code = Tail(options->tail); });
}

}  // namespace newsflow
