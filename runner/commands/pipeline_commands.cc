// `newsflow run`, `validate` and `reload` (`tail` and `graph`: see
// observe_commands.cc).
#include <signal.h>

#include <cstring>
#include <fstream>
#include <iostream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "runner/commands/command.h"
#include "runner/observe/log.h"
#include "runner/observe/metrics.h"
#include "runner/observe/progress.h"
#include "runner/supervise/supervisor.h"

namespace newsflow {
namespace {

void PrintWarnings(const std::vector<std::string>& warnings) {
  for (const auto& warning : warnings) std::cerr << warning << "\n";
}

int Validate(const std::vector<std::string>& paths, const std::string& host) {
  int exit_code = 0;
  for (const auto& path : paths) {
    std::vector<std::string> warnings;
    absl::StatusOr<PipelinePlan> plan = LoadPlan(path, host, &warnings);
    PrintWarnings(warnings);
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
              << " processes";
    if (!plan->hosts.empty()) {
      // Where each replica runs, and the ports each host must open.
      std::cout << " on " << plan->hosts.size() << " hosts)\n";
      for (const auto& h : plan->hosts) {
        std::vector<std::string> placed;
        for (const auto& stage : plan->stages) {
          for (const auto& r : stage.replicas) {
            if (r.host == h.name) {
              placed.push_back(absl::StrCat(stage.name, ".", r.index));
            }
          }
        }
        std::cout << "  host " << h.name << " (" << h.address
                  << "): " << absl::StrJoin(placed, " ") << "; status "
                  << h.status_endpoint << "\n";
      }
      if (host.empty() && plan->curve) {
        std::cout << "  (secret key files are checked with --host NAME on "
                     "each host)\n";
      }
    } else {
      std::cout << ")\n";
    }
  }
  return exit_code;
}

absl::Status WriteSummaryJson(const std::vector<StageSummary>& summary,
                              const RunOutcome& outcome, int exit_code,
                              const std::string& path) {
  google::protobuf::Struct root;
  auto& fields = *root.mutable_fields();
  fields["exit_code"].set_number_value(exit_code);
  fields["outcome"].set_string_value(OutcomeName(outcome.kind));
  if (!outcome.signal.empty()) {
    fields["signal"].set_string_value(outcome.signal);
  }
  fields["seconds"].set_number_value(outcome.seconds);
  fields["read"].set_number_value(static_cast<double>(outcome.read));
  fields["stored"].set_number_value(static_cast<double>(outcome.stored));
  // Without acknowledgements nothing is kept to re-send: null, not 0.
  if (outcome.acks) {
    fields["pending"].set_number_value(static_cast<double>(outcome.pending));
  } else {
    fields["pending"].set_null_value(google::protobuf::NULL_VALUE);
  }
  auto* stages = fields["stages"].mutable_list_value();
  for (const auto& s : summary) {
    auto& stage =
        *stages->add_values()->mutable_struct_value()->mutable_fields();
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

int Run(const std::string& config_path, const std::string& host, bool once,
        bool watch, const std::string& summary_json,
        const std::string& log_format, const std::string& progress_mode) {
  absl::StatusOr<LogFormat> format = ParseLogFormat(log_format);
  absl::StatusOr<ProgressMode> progress =
      ParseProgressMode(progress_mode, once, isatty(STDERR_FILENO) != 0);
  if (!format.ok() || !progress.ok()) {
    PrintError(!format.ok() ? format.status() : progress.status());
    return kRunExitBadConfig;
  }
  SetLogFormat(*format);
  // With JSON logs, even a bad config is reported as a JSON line.
  auto report = [&](const absl::Status& status) {
    if (*format == LogFormat::kJson) {
      LogRunnerLine("error", status.message());
    } else {
      PrintError(status);
    }
  };
  std::vector<std::string> warnings;
  absl::StatusOr<PipelinePlan> plan = LoadPlan(config_path, host, &warnings);
  for (const auto& warning : warnings) LogRunnerLine("warning", warning);
  if (!plan.ok()) {
    report(plan.status());
    return kRunExitBadConfig;
  }
  if (!plan->hosts.empty() && host.empty()) {
    std::vector<std::string> names;
    for (const auto& h : plan->hosts) names.push_back(h.name);
    report(absl::InvalidArgumentError(
        absl::StrCat(config_path, ": this config places stages on hosts ",
                     absl::StrJoin(names, ", "),
                     "; run it on each of them with --host NAME")));
    return kRunExitBadConfig;
  }
  if (plan->hosts.empty() && !host.empty()) {
    report(absl::InvalidArgumentError(
        absl::StrCat(config_path, ": --host ", host,
                     " given but the config declares no "
                     "hosts:")));
    return kRunExitBadConfig;
  }
  std::unique_ptr<MetricsServer> metrics;
  if (plan->metrics_port >= 0) {
    absl::StatusOr<std::unique_ptr<MetricsServer>> started =
        MetricsServer::Start(plan->metrics_address, plan->metrics_port);
    if (!started.ok()) {
      report(started.status());
      return kRunExitBadConfig;
    }
    metrics = *std::move(started);
    LogRunnerLine("info",
                  absl::StrCat("serving ", metrics->url(), "/metrics and ",
                               metrics->url(), "/health"));
  }
  ProgressReporter reporter(*progress);
  SupervisorOptions options;
  options.once = once;
  options.stage_binary = DefaultStageBinary();
  options.watch_config = watch;
  options.replan = [config_path, host] { return LoadPlan(config_path, host); };
  options.on_status = [&metrics, &reporter](const v1::PipelineStatus& status) {
    if (metrics) metrics->Update(status);
    reporter.Update(status);
  };
  Supervisor supervisor(*std::move(plan), options);
  int exit_code = supervisor.Run();
  reporter.Finish();
  if (!summary_json.empty()) {
    absl::Status status = WriteSummaryJson(
        supervisor.summary(), supervisor.outcome(), exit_code, summary_json);
    if (!status.ok()) PrintError(status);
  }
  return exit_code;
}

// Asks the runner of `config_path` (found through its lock file) to reload
// and waits for its verdict in run_dir/reload.result.
int Reload(const std::string& config_path, const std::string& host,
           absl::Duration timeout) {
  absl::StatusOr<PipelinePlan> plan = LoadPlan(config_path, host);
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
    std::string log_format = "text";
    std::string progress = "auto";
    std::vector<std::string> validate_paths;
    std::string host;
  };
  auto options = std::make_shared<Options>();

  auto* run = app.add_subcommand(
      "run",
      "Run a pipeline: one process per stage replica, supervised.\n"
      "Examples:\n"
      "  newsflow run examples/pipeline.yaml --once\n"
      "  newsflow run examples/pipeline.yaml   # until Ctrl-C\n"
      "  newsflow run p.yaml --once --log-format json 2> run.log\n"
      "Exit codes: 0 finished (--once) or stopped by a signal; 1 a "
      "stage kept crashing; 2 invalid config (nothing started); 3 "
      "--once could not finish (no progress).");
  run->add_option("config", options->config_path, "Pipeline config (YAML)")
      ->required();
  run->add_option("--host", options->host,
                  "With hosts: in the config, start only the stages placed "
                  "on this host (the same config on every host)");
  run->add_flag("--once", options->once,
                "Read sources once; exit 0 when every article is stored");
  run->add_option("--summary-json", options->summary_json,
                  "Also write the per-stage summary to this file as JSON");
  run->add_flag("--watch", options->watch,
                "Apply edits of the config file to the running pipeline");
  run->add_option("--log-format", options->log_format,
                  "text (default) or json: one JSON object per log line, "
                  "with time, level, stage, replica, pid, message");
  run->add_option("--progress", options->progress,
                  "auto (default: with --once, a progress line on a "
                  "terminal, a log line every 5 s otherwise), line, log, off");
  run->callback([options, &context] {
    context.exit_code =
        Run(options->config_path, options->host, options->once, options->watch,
            options->summary_json, options->log_format, options->progress);
  });

  auto* reload = app.add_subcommand(
      "reload",
      "Apply the edited config to its running pipeline: added stages start, "
      "removed ones drain and stop, changed ones are replaced; the others "
      "keep running.\nExample: newsflow reload examples/pipeline.yaml");
  reload->add_option("config", options->config_path, "Pipeline config")
      ->required();
  reload->add_option("--host", options->host,
                     "With hosts: in the config, the host whose runner to "
                     "reload (run it on that host)");
  reload->add_option("--timeout", options->reload_timeout,
                     "Seconds to wait for the runner's answer");
  reload->callback([options, &context] {
    context.exit_code = Reload(options->config_path, options->host,
                               absl::Seconds(options->reload_timeout));
  });

  auto* validate =
      app.add_subcommand("validate",
                         "Check configs without starting anything.\n"
                         "Example: newsflow validate examples/pipeline.yaml");
  validate->add_option("config", options->validate_paths, "Pipeline config(s)")
      ->required();
  validate->add_option("--host", options->host,
                       "Also check this host's secret key file (mode 0600, "
                       "matches its public_key)");
  validate->callback([options, &context] {
    context.exit_code = Validate(options->validate_paths, options->host);
  });
}

}  // namespace newsflow
