// newsflow_pipeline_bench: the end-to-end cost of running stages as
// separate processes.
//
// Runs ingest -> clean -> tag -> store over the BBC corpus five ways:
//   A  `newsflow run CONFIG --once`: four stage processes joined by ZeroMQ,
//      under the supervisor, exactly as a user runs it;
//   B  the same stage types, created through the same C ABI from the same
//      options JSON, chained by direct calls in one process (a re-executed
//      copy of this binary, so that its peak RSS is its own).
//   C  mode A with `delivery: { acks: false }`: the cost of end-to-end
//      acknowledgements is the throughput ratio A/C.
//   S  mode A with tag split into `annotate` on two replicas and `link`
//      (stages/tag/tag_stage.h): five stage processes, six with replicas;
//   T  mode S's stages in one process, like B (annotations still go
//      through bytes between annotate and link).
// S/B is what splitting tag buys over the one-process baseline.
// Then it kills each stage process of a running mode-A pipeline in turn
// and reports how long until articles are stored again.
// All are timed from the parent, spawn to exit, charged the CPU time of
// their whole process tree, and both stores are then counted through
// ArticleDb. One long run per mode, so this is a plain program printing a
// table rather than a Google Benchmark. On a machine with spare cores mode A
// also overlaps its stages, which mode B cannot: the ratio measures both the
// cost of the sockets and that gain.
//
// With --hops N it times instead what one more stage process costs: N
// synthetic 5 KB articles through ingest, 0, 1 and 3 pass-through `filter`
// stages and `jsonl_sink`, beside a raw ZeroMQ hop and protobuf's parse and
// serialize in the same run (and, with --reference, an older build).
//
// With --jsonl N it times N distinct synthetic 5 KB JSON lines through
// ingest -> jsonl_sink alone, acknowledgements on and off, alternating run
// by run with --reference, and compares the two builds' outputs.
//
// Usage: newsflow_pipeline_bench [--corpus DIR] [--newsflow PATH]
//                                [--repeat N] [--keep]
//                                [--hops N | --jsonl N] [--reference PATH]
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "bench/in_process_pipeline.h"
#include "bench/proc_stats.h"
#include "common/article_json.h"
#include "common/proto_json.h"
#include "common/utf8.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "newsflow/proto3/article.pb.h"
#include "newsflow/v1/article.pb.h"
#include "runner/config/config.h"
#include "runner/config/plan.h"
#include "runner/host/stage_registry.h"
#include "runner/wire/utf8_fields.h"
#include "stages/store/article_db.h"
#include "zmq.hpp"

extern char** environ;

namespace newsflow {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using bench::LoadAverage;
using bench::MiB;

// ---------------------------------------------------------------------------
// Small helpers.

// The peak RSS of a live process (0 once it has exited).
int64_t ReadVmHwmKib(const std::string& status_path = "/proc/self/status") {
  return bench::ProcStatusKib(status_path, "VmHWM");
}

double TimevalSeconds(const struct timeval& time) {
  return static_cast<double>(time.tv_sec) +
         static_cast<double>(time.tv_usec) / 1e6;
}

// A YAML double-quoted scalar.
std::string YamlQuote(absl::string_view text) {
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') quoted.push_back('\\');
    quoted.push_back(c);
  }
  quoted.push_back('"');
  return quoted;
}

absl::Status WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  out.close();
  if (!out) return absl::UnavailableError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

absl::StatusOr<google::protobuf::Struct> ReadJsonStruct(
    const std::string& path) {
  absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) return text.status();
  google::protobuf::Struct root;
  auto status = google::protobuf::util::JsonStringToMessage(*text, &root);
  if (!status.ok()) {
    return absl::DataLossError(
        absl::StrCat(path, ": ", status.message().ToString()));
  }
  return root;
}

double NumberField(const google::protobuf::Struct& object,
                   const std::string& name) {
  auto it = object.fields().find(name);
  return it == object.fields().end() ? 0 : it->second.number_value();
}

std::string StringField(const google::protobuf::Struct& object,
                        const std::string& name) {
  auto it = object.fields().find(name);
  return it == object.fields().end() ? "" : it->second.string_value();
}

absl::StatusOr<int64_t> CountStoredArticles(const std::string& db_path) {
  absl::StatusOr<std::unique_ptr<ArticleDb>> db =
      ArticleDb::Open(db_path, ArticleDb::OpenMode::kReadOnly);
  if (!db.ok()) return db.status();
  return (*db)->Count();
}

// ---------------------------------------------------------------------------
// The corpus.

struct CorpusInput {
  // What the ingest stage is pointed at: the corpus's topic folders, so
  // that the corpus's own README is not read as an article.
  std::vector<std::string> ingest_paths;
  int64_t files = 0;
  int64_t bytes = 0;
  // Files with distinct contents. Ingest derives an article's id from its
  // content, so byte-identical files are stored once: this, not `files`,
  // is the expected stored count.
  int64_t distinct_files = 0;
};

absl::StatusOr<CorpusInput> ScanCorpus(const std::string& corpus_dir) {
  CorpusInput input;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(corpus_dir, error)) {
    if (entry.is_directory()) input.ingest_paths.push_back(entry.path());
  }
  if (error) {
    return absl::UnavailableError(
        absl::StrCat(corpus_dir, ": ", error.message()));
  }
  if (input.ingest_paths.empty()) input.ingest_paths.push_back(corpus_dir);
  std::sort(input.ingest_paths.begin(), input.ingest_paths.end());
  absl::flat_hash_set<std::string> contents;
  for (const std::string& path : input.ingest_paths) {
    for (const auto& entry : fs::recursive_directory_iterator(path, error)) {
      if (!entry.is_regular_file()) continue;
      absl::StatusOr<std::string> content = ReadFile(entry.path());
      if (!content.ok()) return content.status();
      ++input.files;
      input.bytes += static_cast<int64_t>(content->size());
      contents.insert(*std::move(content));
    }
    if (error) {
      return absl::UnavailableError(absl::StrCat(path, ": ", error.message()));
    }
  }
  input.distinct_files = static_cast<int64_t>(contents.size());
  return input;
}

// The pipeline config of one run. Everything a stage keeps (the store's
// database, a source's journal, a stage's state file) resolves against the
// config's folder, so a fresh folder per run means no run inherits state.
// `split`: annotate (2 replicas) and link instead of tag.
std::string PipelineYaml(const std::string& name, const CorpusInput& corpus,
                         bool acks, bool split) {
  std::vector<std::string> paths;
  for (const auto& path : corpus.ingest_paths) paths.push_back(YamlQuote(path));
  return absl::StrCat(
      "# Written by newsflow_pipeline_bench.\n", "pipeline: ", name, "\n",
      // Sockets beside the config, so removing the work folder removes them.
      "run_dir: run\n", acks ? "" : "delivery: { acks: false }\n", "stages:\n",
      "  ingest: { type: ingest, paths: [", absl::StrJoin(paths, ", "), "] }\n",
      "  clean:  { type: clean, inputs: [ingest] }\n",
      split ? "  annotate: { type: annotate, inputs: [clean], replicas: 2 }\n"
              "  link:   { type: link,  inputs: [annotate] }\n"
              "  store:  { type: store, inputs: [link], path: news.db }\n"
            : "  tag:    { type: tag,   inputs: [clean] }\n"
              "  store:  { type: store, inputs: [tag], path: news.db }\n");
}

// ---------------------------------------------------------------------------
// Child processes.

struct ChildExit {
  int wait_status = 0;
  double seconds = 0;
  // The child's VmHWM as last sampled while it ran (every 10 ms). Not
  // wait4's ru_maxrss: Linux folds the spawning process's peak into that.
  int64_t vm_hwm_kib = 0;
  // User + system time of the child and of every descendant it reaped
  // (the supervisor reaps its stage processes).
  double cpu_seconds = 0;

  bool Succeeded() const {
    return WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0;
  }
  std::string Describe() const {
    if (WIFEXITED(wait_status)) {
      return absl::StrCat("exit code ", WEXITSTATUS(wait_status));
    }
    if (WIFSIGNALED(wait_status)) {
      return absl::StrCat("killed by signal ", WTERMSIG(wait_status));
    }
    return "stopped";
  }
};

// Runs `argv` with stdout and stderr appended to `log_path`, timed from
// spawn to exit.
absl::StatusOr<ChildExit> RunChild(const std::vector<std::string>& argv,
                                   const std::string& log_path) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_path.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null",
                                   O_RDONLY, 0);
  std::vector<char*> args;
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);

  ChildExit result;
  const Clock::time_point start = Clock::now();
  pid_t pid = 0;
  const int spawn_error =
      posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawn_error != 0) {
    return absl::UnavailableError(absl::StrCat("cannot start ", argv[0], ": ",
                                               std::strerror(spawn_error)));
  }
  // The sampler stops before the child is reaped, so its pid cannot have
  // been reused by then.
  std::atomic<bool> exited{false};
  std::thread sampler([&] {
    const std::string status_path = absl::StrCat("/proc/", pid, "/status");
    while (!exited.load()) {
      result.vm_hwm_kib =
          std::max(result.vm_hwm_kib, ReadVmHwmKib(status_path));
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  });
  siginfo_t info = {};
  int wait_error = 0;
  while (waitid(P_PID, pid, &info, WEXITED | WNOWAIT) < 0) {
    if (errno != EINTR) {
      wait_error = errno;
      break;
    }
  }
  result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  exited.store(true);
  sampler.join();
  int wait_status = 0;
  struct rusage usage = {};
  while (wait_error == 0 && wait4(pid, &wait_status, 0, &usage) < 0) {
    if (errno != EINTR) wait_error = errno;
  }
  if (wait_error != 0) {
    return absl::InternalError(
        absl::StrCat("wait for ", argv[0], ": ", std::strerror(wait_error)));
  }
  result.wait_status = wait_status;
  result.cpu_seconds =
      TimevalSeconds(usage.ru_utime) + TimevalSeconds(usage.ru_stime);
  return result;
}

// ---------------------------------------------------------------------------
// One run of one mode.

struct StageRow {
  std::string stage;
  int64_t in = 0;
  int64_t out = 0;
  int64_t errors = 0;
  int64_t warnings = -1;      // mode B only
  int64_t duplicates = 0;     // mode B only
  double busy_seconds = -1;   // mode A only
  int64_t peak_rss_kib = -1;  // mode A only
  int64_t restarts = 0;
};

struct ModeRun {
  bool ok = false;
  std::string problem;  // why !ok
  double seconds = 0;
  double cpu_seconds = 0;
  int64_t stored = -1;
  // A: the sum of the per-process peaks (supervisor + every stage), an
  // upper bound on what was resident at once. B: the process's VmHWM.
  int64_t peak_rss_kib = 0;
  std::vector<StageRow> stages;
  std::string log_path;
};

struct BenchPaths {
  std::string work_dir;
  std::string newsflow;
  std::string self;
};

// Makes <work_dir>/<mode>-<iteration>/ holding the run's pipeline.yaml.
// Returns the folder.
absl::StatusOr<std::string> PrepareRunFolder(const BenchPaths& paths,
                                             const CorpusInput& corpus,
                                             const std::string& mode,
                                             int iteration) {
  const std::string folder =
      absl::StrCat(paths.work_dir, "/", mode, "-", iteration);
  std::error_code error;
  fs::create_directories(folder, error);
  if (error) {
    return absl::UnavailableError(
        absl::StrCat("cannot create ", folder, ": ", error.message()));
  }
  absl::Status status =
      WriteFile(folder + "/pipeline.yaml",
                PipelineYaml(absl::StrCat("bench_", mode), corpus,
                             /*acks=*/mode != "c",
                             /*split=*/mode == "s" || mode == "t"));
  if (!status.ok()) return status;
  return folder;
}

// Mode A, or with mode "c" the same pipeline without acknowledgements, or
// with mode "s" split.
ModeRun RunModeA(const BenchPaths& paths, const CorpusInput& corpus,
                 int iteration, const std::string& mode = "a") {
  ModeRun run;
  absl::StatusOr<std::string> folder =
      PrepareRunFolder(paths, corpus, mode, iteration);
  if (!folder.ok()) {
    run.problem = std::string(folder.status().message());
    return run;
  }
  const std::string config = *folder + "/pipeline.yaml";
  const std::string db = *folder + "/news.db";
  const std::string summary = *folder + "/summary.json";
  run.log_path = *folder + "/run.log";

  absl::StatusOr<ChildExit> child = RunChild(
      {paths.newsflow, "run", config, "--once", "--summary-json", summary},
      run.log_path);
  if (!child.ok()) {
    run.problem = std::string(child.status().message());
    return run;
  }
  run.seconds = child->seconds;
  run.cpu_seconds = child->cpu_seconds;
  run.ok = child->Succeeded();
  if (!run.ok) run.problem = absl::StrCat("newsflow run: ", child->Describe());

  int64_t stage_rss_kib = 0;
  absl::StatusOr<google::protobuf::Struct> json = ReadJsonStruct(summary);
  if (json.ok()) {
    auto it = json->fields().find("stages");
    if (it != json->fields().end()) {
      for (const auto& value : it->second.list_value().values()) {
        const google::protobuf::Struct& stage = value.struct_value();
        StageRow row;
        row.stage = StringField(stage, "stage");
        row.in = static_cast<int64_t>(NumberField(stage, "in"));
        row.out = static_cast<int64_t>(NumberField(stage, "out"));
        row.errors = static_cast<int64_t>(NumberField(stage, "errors"));
        row.busy_seconds = NumberField(stage, "busy_seconds");
        row.peak_rss_kib =
            static_cast<int64_t>(NumberField(stage, "peak_rss_kib"));
        row.restarts = static_cast<int64_t>(NumberField(stage, "restarts"));
        stage_rss_kib += row.peak_rss_kib;
        run.stages.push_back(row);
      }
    }
  } else if (run.ok) {
    run.ok = false;
    run.problem = std::string(json.status().message());
  }
  run.peak_rss_kib = child->vm_hwm_kib + stage_rss_kib;

  absl::StatusOr<int64_t> stored = CountStoredArticles(db);
  if (stored.ok()) {
    run.stored = *stored;
  } else if (run.ok) {
    run.ok = false;
    run.problem = std::string(stored.status().message());
  }
  return run;
}

// Mode B, or with mode "t" the split pipeline in one process.
ModeRun RunModeB(const BenchPaths& paths, const CorpusInput& corpus,
                 int iteration, const std::string& mode = "b") {
  ModeRun run;
  absl::StatusOr<std::string> folder =
      PrepareRunFolder(paths, corpus, mode, iteration);
  if (!folder.ok()) {
    run.problem = std::string(folder.status().message());
    return run;
  }
  const std::string config = *folder + "/pipeline.yaml";
  const std::string db = *folder + "/news.db";
  const std::string result = *folder + "/result.json";
  run.log_path = *folder + "/run.log";

  absl::StatusOr<ChildExit> child = RunChild(
      {paths.self, "--in-process", config, "--result", result}, run.log_path);
  if (!child.ok()) {
    run.problem = std::string(child.status().message());
    return run;
  }
  run.seconds = child->seconds;
  run.cpu_seconds = child->cpu_seconds;
  run.ok = child->Succeeded();
  if (!run.ok) {
    run.problem = absl::StrCat("in-process run: ", child->Describe());
  }

  absl::StatusOr<google::protobuf::Struct> json = ReadJsonStruct(result);
  if (json.ok()) {
    run.peak_rss_kib = static_cast<int64_t>(NumberField(*json, "vm_hwm_kib"));
    auto it = json->fields().find("stages");
    if (it != json->fields().end()) {
      for (const auto& value : it->second.list_value().values()) {
        const google::protobuf::Struct& stage = value.struct_value();
        StageRow row;
        row.stage = StringField(stage, "stage");
        row.in = static_cast<int64_t>(NumberField(stage, "in"));
        row.out = static_cast<int64_t>(NumberField(stage, "out"));
        row.errors = static_cast<int64_t>(NumberField(stage, "errors"));
        row.warnings = static_cast<int64_t>(NumberField(stage, "warnings"));
        row.duplicates = static_cast<int64_t>(NumberField(stage, "duplicates"));
        run.stages.push_back(row);
      }
    }
  } else if (run.ok) {
    run.ok = false;
    run.problem = std::string(json.status().message());
  }

  absl::StatusOr<int64_t> stored = CountStoredArticles(db);
  if (stored.ok()) {
    run.stored = *stored;
  } else if (run.ok) {
    run.ok = false;
    run.problem = std::string(stored.status().message());
  }
  return run;
}

// The body of mode B, in the re-executed child: runs the config's plan in
// this process and writes counters, VmHWM and its own timing as JSON.
int InProcessChildMain(const std::string& config_path,
                       const std::string& result_path) {
  const Clock::time_point start = Clock::now();
  StageRegistry registry = StageRegistry::WithBuiltins();
  absl::StatusOr<PipelineConfig> config = CheckConfig(
      config_path, [&registry](const PipelineConfig&) { return registry; });
  if (!config.ok()) {
    std::cerr << config.status().message() << "\n";
    return 2;
  }
  absl::StatusOr<PipelinePlan> plan = MakePlan(*config, registry);
  if (!plan.ok()) {
    std::cerr << plan.status().message() << "\n";
    return 2;
  }
  absl::StatusOr<InProcessRunResult> counters =
      RunPlanInProcess(*plan, registry);
  const double seconds =
      std::chrono::duration<double>(Clock::now() - start).count();
  if (!counters.ok()) {
    std::cerr << "error: " << counters.status().message() << "\n";
    return 1;
  }

  google::protobuf::Struct root;
  auto& fields = *root.mutable_fields();
  fields["seconds"].set_number_value(seconds);
  fields["vm_hwm_kib"].set_number_value(static_cast<double>(ReadVmHwmKib()));
  auto* stages = fields["stages"].mutable_list_value();
  for (const InProcessStageCounters& stage : *counters) {
    auto& row = *stages->add_values()->mutable_struct_value()->mutable_fields();
    row["stage"].set_string_value(stage.stage);
    row["in"].set_number_value(static_cast<double>(stage.received));
    row["out"].set_number_value(static_cast<double>(stage.emitted));
    row["errors"].set_number_value(static_cast<double>(stage.failed));
    row["warnings"].set_number_value(static_cast<double>(stage.warnings));
    row["duplicates"].set_number_value(static_cast<double>(stage.duplicates));
  }
  std::string json;
  (void)google::protobuf::util::MessageToJsonString(root, &json);
  if (absl::Status status = WriteFile(result_path, json + "\n"); !status.ok()) {
    std::cerr << status.message() << "\n";
    return 1;
  }
  return 0;
}

// ---------------------------------------------------------------------------
// Reporting.

// The run with the median wall time (the lower median for an even count),
// or nullptr when no run succeeded.
const ModeRun* MedianRun(const std::vector<ModeRun>& runs) {
  std::vector<const ModeRun*> ok;
  for (const auto& run : runs) {
    if (run.ok) ok.push_back(&run);
  }
  if (ok.empty()) return nullptr;
  std::sort(ok.begin(), ok.end(), [](const ModeRun* a, const ModeRun* b) {
    return a->seconds < b->seconds;
  });
  return ok[(ok.size() - 1) / 2];
}

std::string AllSeconds(const std::vector<ModeRun>& runs) {
  std::vector<std::string> parts;
  for (const auto& run : runs) {
    parts.push_back(run.ok ? absl::StrFormat("%.2f", run.seconds) : "failed");
  }
  return absl::StrJoin(parts, " ");
}

double Throughput(const ModeRun& run) {
  return run.seconds > 0 ? static_cast<double>(run.stored) / run.seconds : 0;
}

void PrintModeRow(const char* mode, const ModeRun* run, int64_t input_bytes) {
  if (run == nullptr) {
    std::printf("%-26s %7s %8s %11s %7s %7s %13s\n", mode, "-", "FAILED", "-",
                "-", "-", "-");
    return;
  }
  std::printf("%-26s %7lld %8.2f %11.1f %7.2f %7.2f %13.1f\n", mode,
              static_cast<long long>(run->stored), run->seconds,
              Throughput(*run),
              static_cast<double>(input_bytes) / 1e6 / run->seconds,
              run->cpu_seconds, MiB(run->peak_rss_kib));
}

void PrintFailures(const char* mode, const std::vector<ModeRun>& runs) {
  for (size_t i = 0; i < runs.size(); ++i) {
    if (runs[i].ok) continue;
    std::printf("warning: mode %s run %zu failed: %s (log: %s)\n", mode, i + 1,
                runs[i].problem.c_str(), runs[i].log_path.c_str());
  }
}

// The per-stage table of a multi-process run (modes A and S).
void PrintProcessStages(const char* mode, const ModeRun* run) {
  if (run == nullptr) return;
  std::printf("\nmode %s per stage (median run):\n%-10s %8s %8s %7s %9s %13s\n",
              mode, "stage", "in", "out", "errors", "busy s", "peak RSS MiB");
  for (const StageRow& row : run->stages) {
    std::printf("%-10s %8lld %8lld %7lld %9.2f %13.1f", row.stage.c_str(),
                static_cast<long long>(row.in), static_cast<long long>(row.out),
                static_cast<long long>(row.errors), row.busy_seconds,
                MiB(row.peak_rss_kib));
    if (row.restarts > 0) {
      std::printf("  (%lld restarts)", static_cast<long long>(row.restarts));
    }
    std::printf("\n");
  }
}

void PrintReport(const CorpusInput& corpus, const std::vector<ModeRun>& a_runs,
                 const std::vector<ModeRun>& b_runs,
                 const std::vector<ModeRun>& c_runs,
                 const std::vector<ModeRun>& s_runs,
                 const std::vector<ModeRun>& t_runs) {
  const ModeRun* a = MedianRun(a_runs);
  const ModeRun* b = MedianRun(b_runs);
  const ModeRun* c = MedianRun(c_runs);
  const ModeRun* split = MedianRun(s_runs);
  const ModeRun* t = MedianRun(t_runs);
  std::printf("\n%-26s %7s %8s %11s %7s %7s %13s\n", "mode", "stored",
              "seconds", "articles/s", "MB/s", "CPU s", "peak RSS MiB");
  PrintModeRow("A: 4 processes (newsflow)", a, corpus.bytes);
  PrintModeRow("B: 1 process, no sockets", b, corpus.bytes);
  PrintModeRow("C: 4 processes, no acks", c, corpus.bytes);
  PrintModeRow("S: annotate x2 + link", split, corpus.bytes);
  PrintModeRow("T: S in 1 process", t, corpus.bytes);
  if (a != nullptr && b != nullptr && Throughput(*b) > 0) {
    std::printf("\nthroughput A/B: %.2f\n", Throughput(*a) / Throughput(*b));
  }
  if (a != nullptr && c != nullptr && Throughput(*c) > 0) {
    std::printf(
        "throughput A/C: %.2f (the cost of end-to-end acknowledgements)\n",
        Throughput(*a) / Throughput(*c));
  }
  if (split != nullptr && b != nullptr && Throughput(*b) > 0) {
    std::printf(
        "throughput S/B: %.2f (tag split, annotate on 2 replicas, against "
        "B)\n",
        Throughput(*split) / Throughput(*b));
  }
  if (t != nullptr && b != nullptr && Throughput(*b) > 0) {
    std::printf("throughput T/B: %.2f (the split's own cost in one process)\n",
                Throughput(*t) / Throughput(*b));
  }
  std::printf(
      "\nseconds: wall time, spawn to exit, median of %zu (lower median if "
      "even);\n  all runs: A %s | B %s | C %s | S %s | T %s\n",
      a_runs.size(), AllSeconds(a_runs).c_str(), AllSeconds(b_runs).c_str(),
      AllSeconds(c_runs).c_str(), AllSeconds(s_runs).c_str(),
      AllSeconds(t_runs).c_str());
  std::printf(
      "MB/s: %.2f MB (10^6 bytes) of corpus files read, %lld files\n"
      "CPU s: user + system time of the child and the processes it reaped "
      "(A: the\n  supervisor and its four stage processes)\n"
      "peak RSS: A = sum of per-process peaks (supervisor: its VmHWM sampled "
      "every 10 ms,\n  stages: the summary's peak_rss_kib), an upper bound "
      "on what was resident\n  at once; B = VmHWM of the in-process child "
      "(a fresh exec of this binary),\n  read by the child at the end of "
      "its run\n",
      static_cast<double>(corpus.bytes) / 1e6,
      static_cast<long long>(corpus.files));

  PrintProcessStages("A", a);
  PrintProcessStages("S", split);
  if (b != nullptr) {
    std::printf(
        "\nmode B per stage (median run):\n%-10s %8s %8s %7s %9s %11s\n",
        "stage", "in", "out", "errors", "warnings", "duplicates");
    for (const StageRow& row : b->stages) {
      std::printf("%-10s %8lld %8lld %7lld %9lld %11lld\n", row.stage.c_str(),
                  static_cast<long long>(row.in),
                  static_cast<long long>(row.out),
                  static_cast<long long>(row.errors),
                  static_cast<long long>(row.warnings),
                  static_cast<long long>(row.duplicates));
    }
  }

  std::printf("\n");
  PrintFailures("A", a_runs);
  PrintFailures("B", b_runs);
  PrintFailures("C", c_runs);
  PrintFailures("S", s_runs);
  PrintFailures("T", t_runs);
  if (a != nullptr && b != nullptr && a->stored != b->stored) {
    std::printf("warning: stored counts differ: A %lld, B %lld\n",
                static_cast<long long>(a->stored),
                static_cast<long long>(b->stored));
  }
  for (const auto& [mode, run] : {std::pair{"A", a}, std::pair{"B", b},
                                  std::pair{"S", split}, std::pair{"T", t}}) {
    if (run != nullptr && run->stored != corpus.distinct_files) {
      std::printf(
          "warning: mode %s stored %lld articles; the corpus has %lld "
          "distinct files\n",
          mode, static_cast<long long>(run->stored),
          static_cast<long long>(corpus.distinct_files));
    }
  }
}

// ---------------------------------------------------------------------------

std::string SelfPath() {
  std::error_code error;
  fs::path path = fs::read_symlink("/proc/self/exe", error);
  return error ? std::string() : path.string();
}

absl::StatusOr<std::string> MakeWorkDir() {
  const char* base = getenv("TMPDIR");
  std::string pattern =
      absl::StrCat(base != nullptr && *base != '\0' ? base : "/tmp",
                   "/newsflow-bench-XXXXXX");
  if (mkdtemp(pattern.data()) == nullptr) {
    return absl::UnavailableError(
        absl::StrCat("mkdtemp ", pattern, ": ", std::strerror(errno)));
  }
  return pattern;
}

// ---------------------------------------------------------------------------
// Recovery: how long the pipeline stalls when a stage process is killed.

// The pid of the process whose command line mentions `needle`, or 0.
pid_t FindProcess(const std::string& needle) {
  std::error_code error;
  for (const auto& entry : fs::directory_iterator("/proc", error)) {
    int pid = 0;
    if (!absl::SimpleAtoi(entry.path().filename().string(), &pid)) continue;
    std::ifstream in(entry.path() / "cmdline", std::ios::binary);
    std::string cmdline((std::istreambuf_iterator<char>(in)),
                        std::istreambuf_iterator<char>());
    std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
    if (absl::StrContains(cmdline, needle) &&
        absl::StrContains(cmdline, "newsflow-stage")) {
      return pid;
    }
  }
  return 0;
}

struct Recovery {
  std::string stage;
  double seconds = -1;  // kill to the next stored article; -1: never
};

// Runs the pipeline (with acknowledgements) until it stores steadily, then
// SIGKILLs one stage process at a time and times how long until the store
// count moves again: the supervisor's restart, the new process's start-up,
// and the re-sending of what the dead process held.
std::vector<Recovery> MeasureRecovery(const BenchPaths& paths,
                                      const CorpusInput& corpus) {
  std::vector<Recovery> results;
  absl::StatusOr<std::string> folder =
      PrepareRunFolder(paths, corpus, "recovery", 1);
  if (!folder.ok()) return results;
  const std::string db = *folder + "/news.db";
  const std::string log = *folder + "/run.log";
  std::vector<std::string> argv = {paths.newsflow, "run",
                                   *folder + "/pipeline.yaml"};
  std::vector<char*> args;
  for (auto& arg : argv) args.push_back(arg.data());
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  pid_t runner = 0;
  const int spawn_error =
      posix_spawn(&runner, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawn_error != 0) return results;

  auto stored = [&] {
    absl::StatusOr<int64_t> count = CountStoredArticles(db);
    return count.ok() ? *count : int64_t{0};
  };
  // Waits until more than `floor` are stored; seconds taken, or -1.
  auto wait_beyond = [&](int64_t floor, double limit_seconds) {
    const Clock::time_point start = Clock::now();
    while (std::chrono::duration<double>(Clock::now() - start).count() <
           limit_seconds) {
      if (stored() > floor) {
        return std::chrono::duration<double>(Clock::now() - start).count();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return -1.0;
  };
  wait_beyond(200, 120);
  for (const char* stage : {"ingest", "clean", "tag", "store"}) {
    Recovery recovery{stage};
    // Stage processes are named by --name RUN_DIR/STAGE.REPLICA (the
    // command line's NULs read as spaces, so the name ends in one).
    const pid_t victim =
        FindProcess(absl::StrCat("--name ", *folder, "/run/", stage, ".0 "));
    if (victim == 0) {
      results.push_back(recovery);
      continue;
    }
    // Let the store settle its current batch, so the next increase is
    // work done after the kill.
    const int64_t before = stored();
    kill(victim, SIGKILL);
    recovery.seconds = wait_beyond(before, 60);
    results.push_back(recovery);
    wait_beyond(stored() + 100, 60);
  }
  kill(runner, SIGTERM);
  int status = 0;
  waitpid(runner, &status, 0);
  return results;
}

void PrintRecovery(const std::vector<Recovery>& results) {
  if (results.empty()) return;
  std::printf(
      "\nrecovery after SIGKILL of one stage process (pipeline A, running):"
      "\n%-10s %28s\n",
      "stage", "s until the next stored one");
  for (const Recovery& r : results) {
    if (r.seconds < 0) {
      std::printf("%-10s %28s\n", r.stage.c_str(), "not measured");
    } else {
      std::printf("%-10s %28.3f\n", r.stage.c_str(), r.seconds);
    }
  }
}

// ---------------------------------------------------------------------------
// Per-hop cost (--hops N): what one more stage process costs per article,
// beside a raw ZeroMQ hop and protobuf's own parse and serialize, all in
// one run.

// N synthetic articles of about 5 KB as JSON lines, invented text. Four in
// five have one non-ASCII letter near the start, as most real news has (647
// of the 2,225 BBC files; any name with an accent): that one byte is what
// made proto3's UTF-8 check slow.
class SyntheticArticles {
 public:
  // Appends record `i` as one JSON line; records are made in order from 0
  // (each draws its words from where the previous one left off).
  void Append(int i, std::string* out) {
    static const char* const kWords[] = {
        "harbour", "council", "ferry",  "timetable", "river",    "bridge",
        "market",  "weather", "school", "library",   "festival", "orchard",
        "station", "budget",  "museum", "garden",    "tram",     "lantern"};
    std::string body =
        i % 5 == 4 ? "The mayor spoke. " : "The caf\\u00e9 opened. ";
    while (body.size() < 5000) {
      for (int w = 0; w < 12; ++w) {
        body += kWords[Next() % (sizeof(kWords) / sizeof(kWords[0]))];
        body += ' ';
      }
      body += "again.\\n\\n";
    }
    absl::StrAppend(out, "{\"url\": \"https://example.org/hop/", i,
                    "\", \"title\": \"Synthetic article ", i,
                    "\", \"body\": \"", body, "\"}\n");
  }

 private:
  uint64_t Next() {  // xorshift: fixed, fast
    state_ ^= state_ << 13;
    state_ ^= state_ >> 7;
    state_ ^= state_ << 17;
    return state_;
  }
  uint64_t state_ = 88172645463325252ULL;
};

// Writes `count` of them to `path`, a few thousand at a time (100,000 are
// 500 MB).
absl::Status WriteSyntheticJsonl(const std::string& path, int count) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  SyntheticArticles articles;
  std::string chunk;
  for (int i = 0; i < count; ++i) {
    articles.Append(i, &chunk);
    if (chunk.size() > (size_t{16} << 20) || i + 1 == count) {
      out.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
      chunk.clear();
    }
  }
  out.close();
  if (!out) return absl::UnavailableError("cannot write " + path);
  return absl::OkStatus();
}

double CpuSecondsOfThisProcess() {
  struct rusage usage = {};
  getrusage(RUSAGE_SELF, &usage);
  return TimevalSeconds(usage.ru_utime) + TimevalSeconds(usage.ru_stime);
}

// CPU microseconds per message of a PUSH/PULL pair over ipc in this process
// (sender and receiver threads): the floor a stage hop cannot go below.
double RawZmqMicros(const std::string& work_dir,
                    const std::vector<std::string>& payloads) {
  zmq::context_t context(1);
  zmq::socket_t pull(context, zmq::socket_type::pull);
  zmq::socket_t push(context, zmq::socket_type::push);
  const std::string endpoint = "ipc://" + work_dir + "/raw-hop.ipc";
  pull.bind(endpoint);
  push.connect(endpoint);
  const double start = CpuSecondsOfThisProcess();
  std::thread sender([&] {
    for (const std::string& payload : payloads) {
      push.send(zmq::buffer(payload), zmq::send_flags::none);
    }
  });
  size_t received = 0;
  zmq::message_t message;
  while (received < payloads.size() &&
         pull.recv(message, zmq::recv_flags::none)) {
    ++received;
  }
  sender.join();
  return (CpuSecondsOfThisProcess() - start) * 1e6 /
         static_cast<double>(payloads.size());
}

// CPU microseconds of `operation` per call, over about 0.3 s.
template <typename Operation>
double MicrosPerCall(Operation operation) {
  int calls = 0;
  const double start = CpuSecondsOfThisProcess();
  double spent = 0;
  while (spent < 0.3) {
    for (int i = 0; i < 100; ++i) operation();
    calls += 100;
    spent = CpuSecondsOfThisProcess() - start;
  }
  return spent * 1e6 / calls;
}

// Parse + serialize of one article as `Message`, in microseconds.
template <typename Message>
double ParseSerializeMicros(const std::string& bytes) {
  Message message;
  std::string out;
  return MicrosPerCall([&] {
    message.ParseFromString(bytes);
    out.clear();
    message.SerializeToString(&out);
  });
}

std::string HopYaml(const std::string& input, int hops, bool acks) {
  std::string yaml = absl::StrCat(
      "# Written by newsflow_pipeline_bench --hops.\npipeline: hops", hops,
      "\nrun_dir: run\n", acks ? "" : "delivery: { acks: false }\n",
      "stages:\n  ingest: { type: ingest, paths: [", YamlQuote(input), "] }\n");
  std::string previous = "ingest";
  for (int i = 1; i <= hops; ++i) {
    const std::string name = absl::StrCat("pass", i);
    absl::StrAppend(&yaml, "  ", name, ": { type: filter, inputs: [", previous,
                    "] }\n");
    previous = name;
  }
  absl::StrAppend(&yaml, "  sink: { type: jsonl_sink, inputs: [", previous,
                  "], path: out.jsonl, max_bytes: 0 }\n");
  return yaml;
}

int64_t CountLines(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) return -1;
  return static_cast<int64_t>(std::count(text->begin(), text->end(), '\n'));
}

struct HopRun {
  bool ok = false;
  double seconds = 0;
  double cpu_seconds = 0;
  // On-CPU seconds of the pass-through stage processes alone (all their
  // threads), summed; 0 without hops.
  double pass_cpu_seconds = 0;
  // The same of the ingest and the sink process.
  double ingest_cpu_seconds = 0;
  double sink_cpu_seconds = 0;
};

// Nanoseconds on CPU of every thread of `pid` (/proc/PID/task/*/schedstat,
// nanosecond counts, unlike /proc/PID/stat's 10 ms ticks); -1 once the
// process is gone.
int64_t ProcessOnCpuNs(pid_t pid) {
  std::error_code error;
  int64_t total = 0;
  fs::directory_iterator tasks(absl::StrCat("/proc/", pid, "/task"), error);
  if (error) return -1;
  for (const auto& task : tasks) {
    std::ifstream in(task.path() / "schedstat");
    int64_t on_cpu = 0;
    if (in >> on_cpu) total += on_cpu;
  }
  return total;
}

// Samples the CPU of the stage processes whose command line names
// `needle` (the run folder's pass stages) every 5 ms while `running`, and
// sums the last sample of each: what a pass-through stage costs by itself,
// without the noise of a difference between two whole-pipeline runs. What
// a process spends after its last sample (its exit) is missed.
class PassStageSampler {
 public:
  PassStageSampler(std::string needle, int processes)
      : needle_(std::move(needle)), processes_(processes) {
    if (processes_ > 0) thread_ = std::thread([this] { Loop(); });
  }
  // Stops sampling; the total over the processes, in seconds.
  double Finish() {
    done_.store(true);
    if (thread_.joinable()) thread_.join();
    int64_t total = 0;
    for (const auto& [pid, ns] : last_ns_) total += ns;
    return static_cast<double>(total) / 1e9;
  }

 private:
  void Loop() {
    while (!done_.load()) {
      if (static_cast<int>(last_ns_.size()) < processes_) Find();
      for (auto& [pid, ns] : last_ns_) {
        const int64_t now = ProcessOnCpuNs(pid);
        if (now >= 0) ns = std::max(ns, now);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  void Find() {
    std::error_code error;
    for (const auto& entry : fs::directory_iterator("/proc", error)) {
      int pid = 0;
      if (!absl::SimpleAtoi(entry.path().filename().string(), &pid)) continue;
      if (last_ns_.count(pid) != 0) continue;
      std::ifstream in(entry.path() / "cmdline", std::ios::binary);
      std::string cmdline;
      // A process that exits while it is read fails the read (ESRCH),
      // which istreambuf_iterator throws: it is no stage of this run.
      try {
        cmdline.assign(std::istreambuf_iterator<char>(in),
                       std::istreambuf_iterator<char>());
      } catch (const std::ios_base::failure&) {
        continue;
      }
      if (absl::StrContains(cmdline, needle_) &&
          absl::StrContains(cmdline, "newsflow-stage")) {
        last_ns_[pid] = 0;
      }
    }
  }

  const std::string needle_;
  const int processes_;
  std::atomic<bool> done_{false};
  std::map<pid_t, int64_t> last_ns_;
  std::thread thread_;
};

HopRun RunHops(const std::string& newsflow, const std::string& folder,
               const std::string& input, int hops, bool acks,
               int64_t expected) {
  HopRun run;
  std::error_code ignored;
  fs::remove_all(folder, ignored);
  fs::create_directories(folder, ignored);
  if (!WriteFile(folder + "/pipeline.yaml", HopYaml(input, hops, acks)).ok()) {
    return run;
  }
  // The stage processes are named by their run folder ("--name
  // FOLDER/run/pass1.0").
  PassStageSampler sampler(folder + "/run/pass", hops);
  PassStageSampler ingest(folder + "/run/ingest.", 1);
  PassStageSampler sink(folder + "/run/sink.", 1);
  absl::StatusOr<ChildExit> child =
      RunChild({newsflow, "run", folder + "/pipeline.yaml", "--once"},
               folder + "/run.log");
  run.pass_cpu_seconds = sampler.Finish();
  run.ingest_cpu_seconds = ingest.Finish();
  run.sink_cpu_seconds = sink.Finish();
  if (!child.ok()) return run;
  run.seconds = child->seconds;
  run.cpu_seconds = child->cpu_seconds;
  const int64_t written = CountLines(folder + "/out.jsonl");
  run.ok = child->Succeeded() && written == expected;
  if (!run.ok) {
    std::printf("warning: %s: %s, %lld of %lld articles written (see %s)\n",
                folder.c_str(), child->Describe().c_str(),
                static_cast<long long>(written),
                static_cast<long long>(expected),
                (folder + "/run.log").c_str());
  }
  return run;
}

// A fresh work folder holding `count` synthetic records as
// articles.jsonl (the input of --hops and --jsonl); says why when it fails.
absl::StatusOr<std::string> MakeSyntheticWorkDir(int count) {
  absl::StatusOr<std::string> work_dir = MakeWorkDir();
  absl::Status status = work_dir.status();
  if (status.ok()) {
    status = WriteSyntheticJsonl(*work_dir + "/articles.jsonl", count);
  }
  if (!status.ok()) {
    std::fprintf(stderr, "error: %s\n", std::string(status.message()).c_str());
    return status;
  }
  return work_dir;
}

int HopBenchMain(int count, const std::string& newsflow,
                 const std::string& reference, int repeat, bool keep) {
  absl::StatusOr<std::string> work_dir = MakeSyntheticWorkDir(count);
  if (!work_dir.ok()) return 1;
  const std::string input = *work_dir + "/articles.jsonl";

  // The articles as stages exchange them, for the in-process rows.
  std::vector<std::string> payloads;
  {
    std::ifstream lines(input);
    std::string line;
    while (std::getline(lines, line)) {
      absl::StatusOr<v1::Article> article =
          ArticleFromJson(line, /*ignore_unknown_fields=*/false);
      if (!article.ok()) return 1;
      payloads.push_back(article->SerializeAsString());
    }
  }
  const std::string& ascii = payloads[4];     // i % 5 == 4: all ASCII
  const std::string& accented = payloads[0];  // one "é" near the start

  std::printf(
      "newsflow per-hop bench: %d synthetic articles of %.1f KB "
      "(4 in 5 with one\nnon-ASCII letter) through ingest -> "
      "0/1/3 pass-through filters -> jsonl_sink\n",
      count, static_cast<double>(accented.size()) / 1e3);
  std::printf("machine: %ld CPUs online, load average %s (before)\n",
              sysconf(_SC_NPROCESSORS_ONLN), LoadAverage().c_str());
  std::printf("\nin one process, CPU us per article:\n");
  const double raw = RawZmqMicros(*work_dir, payloads);
  std::printf("  raw ZeroMQ PUSH/PULL over ipc (send + receive)  %7.2f\n", raw);
  std::printf("  parse + serialize, proto2 Article, ASCII        %7.2f\n",
              ParseSerializeMicros<v1::Article>(ascii));
  std::printf("  parse + serialize, proto2 Article, one non-ASCII %6.2f\n",
              ParseSerializeMicros<v1::Article>(accented));
  std::printf("  parse + serialize, proto3 Article, ASCII        %7.2f\n",
              ParseSerializeMicros<proto3::Article>(ascii));
  std::printf("  parse + serialize, proto3 Article, one non-ASCII %6.2f\n",
              ParseSerializeMicros<proto3::Article>(accented));
  std::printf("  host UTF-8 check of the frame, one non-ASCII     %6.2f\n",
              MicrosPerCall([&] {
                (void)CheckUtf8Fields(accented, *v1::Article::descriptor());
              }));
  // What ingest and jsonl_sink do per article besides messaging: a JSON
  // line to an Article and back, with protobuf's generic JSON converter
  // (what both used before) and with the direct one (common/proto_json.h).
  std::string first_line = ReadFile(input).value_or("");
  first_line.resize(first_line.find('\n'));
  v1::Article parsed_article;
  google::protobuf::util::JsonParseOptions parse_options;
  parse_options.ignore_unknown_fields = true;
  google::protobuf::util::JsonPrintOptions print_options;
  print_options.preserve_proto_field_names = true;
  std::printf("  JSON line -> Article, protobuf's converter      %7.2f\n",
              MicrosPerCall([&] {
                (void)google::protobuf::util::JsonStringToMessage(
                    first_line, &parsed_article, parse_options);
              }));
  std::printf("  JSON line -> Article, direct (+ UTF-8 check)    %7.2f\n",
              MicrosPerCall([&] {
                std::string scratch = first_line;
                (void)IsValidUtf8(scratch);
                (void)ArticleFromJsonInPlace(&scratch, true, &parsed_article);
              }));
  std::string printed;
  std::printf("  Article -> JSON line, protobuf's converter      %7.2f\n",
              MicrosPerCall([&] {
                printed.clear();
                (void)google::protobuf::util::MessageToJsonString(
                    parsed_article, &printed, print_options);
              }));
  std::printf("  Article -> JSON line, direct                    %7.2f\n",
              MicrosPerCall([&] {
                printed.clear();
                AppendMessageJson(parsed_article, &printed);
              }));
  std::fflush(stdout);

  struct Side {
    std::string label;
    std::string binary;
  };
  std::vector<Side> sides = {{"newsflow", newsflow}};
  if (!reference.empty()) sides.push_back({"reference", reference});
  // cpu[side][acks][hops index], medians over `repeat` runs.
  const int kHops[] = {0, 1, 3};
  bool all_ok = true;
  std::printf("\n%-10s %-5s %5s %9s %9s %12s %10s\n", "binary", "acks", "hops",
              "seconds", "CPU s", "CPU us/art", "art/s");
  std::vector<std::array<std::array<double, 3>, 2>> cpu(sides.size());
  // The pass stages' own CPU per stage (median over runs), by hops index.
  std::vector<std::array<std::array<double, 3>, 2>> pass_cpu(sides.size());
  for (int acks = 1; acks >= 0; --acks) {
    for (int h = 0; h < 3; ++h) {
      for (size_t side = 0; side < sides.size(); ++side) {
        std::vector<HopRun> runs;
        for (int r = 0; r < repeat; ++r) {
          runs.push_back(
              RunHops(sides[side].binary,
                      absl::StrCat(*work_dir, "/", sides[side].label, "-acks",
                                   acks, "-hops", kHops[h], "-", r),
                      input, kHops[h], acks == 1, count));
          all_ok = all_ok && runs.back().ok;
        }
        std::sort(runs.begin(), runs.end(),
                  [](const HopRun& a, const HopRun& b) {
                    return a.cpu_seconds < b.cpu_seconds;
                  });
        const HopRun& median = runs[(runs.size() - 1) / 2];
        cpu[side][acks][h] = median.cpu_seconds;
        if (kHops[h] > 0) {
          std::vector<double> own;
          for (const HopRun& run : runs) {
            own.push_back(run.pass_cpu_seconds / kHops[h]);
          }
          std::sort(own.begin(), own.end());
          pass_cpu[side][acks][h] = own[(own.size() - 1) / 2];
        }
        std::printf("%-10s %-5s %5d %9.2f %9.2f %12.1f %10.0f\n",
                    sides[side].label.c_str(), acks ? "on" : "off", kHops[h],
                    median.seconds, median.cpu_seconds,
                    median.cpu_seconds * 1e6 / count, count / median.seconds);
        std::fflush(stdout);
      }
    }
  }
  std::printf(
      "\nCPU us per added hop per article ((3 hops - 0 hops) / 3), "
      "and its ratio to raw ZeroMQ (%.2f us):\n",
      raw);
  for (size_t side = 0; side < sides.size(); ++side) {
    for (int acks = 1; acks >= 0; --acks) {
      const double per_hop =
          (cpu[side][acks][2] - cpu[side][acks][0]) * 1e6 / 3 / count;
      std::printf("  %-10s acks %-3s %7.2f us  %5.2fx raw\n",
                  sides[side].label.c_str(), acks ? "on" : "off", per_hop,
                  per_hop / raw);
    }
  }
  std::printf(
      "\nCPU us per article of one pass-through stage process itself (all "
      "its threads,\nsampled from /proc while it ran; median of %d), and its "
      "ratio to raw ZeroMQ:\n",
      repeat);
  for (size_t side = 0; side < sides.size(); ++side) {
    for (int acks = 1; acks >= 0; --acks) {
      const double one = pass_cpu[side][acks][1] * 1e6 / count;
      const double three = pass_cpu[side][acks][2] * 1e6 / count;
      std::printf(
          "  %-10s acks %-3s 1 hop %6.2f us %5.2fx   3 hops %6.2f us "
          "%5.2fx\n",
          sides[side].label.c_str(), acks ? "on" : "off", one, one / raw, three,
          three / raw);
    }
  }
  std::printf(
      "CPU: the whole process tree of `newsflow run --once` "
      "(supervisor and stages),\nmedian of %d; load average %s "
      "(after)\n",
      repeat, LoadAverage().c_str());
  std::error_code ignored;
  if (keep || !all_ok) {
    std::printf("kept %s\n", work_dir->c_str());
  } else {
    fs::remove_all(*work_dir, ignored);
  }
  return all_ok ? 0 : 1;
}

// ---------------------------------------------------------------------------
// JSON lines in and out (--jsonl N): N distinct synthetic 5 KB records
// through ingest -> jsonl_sink alone, with and without acknowledgements,
// this build and --reference alternating run by run, and the two builds'
// outputs compared.

// A JSON line as jsonl_sink writes it with what differs from run to run
// blanked: trace times and pids, and `ingested_at`.
std::string BlankRunValues(std::string line) {
  for (const absl::string_view key :
       {absl::string_view("\"at\":\""),
        absl::string_view("\"ingested_at\":\"")}) {
    for (size_t at = line.find(key.data(), 0, key.size());
         at != std::string::npos;
         at = line.find(key.data(), at + key.size(), key.size())) {
      const size_t begin = at + key.size();
      const size_t end = line.find('"', begin);
      if (end == std::string::npos) break;
      line.erase(begin, end - begin);
    }
  }
  const absl::string_view pid("\"pid\":");
  for (size_t at = line.find(pid.data(), 0, pid.size());
       at != std::string::npos;
       at = line.find(pid.data(), at + pid.size(), pid.size())) {
    const size_t begin = at + pid.size();
    size_t end = begin;
    while (end < line.size() && line[end] >= '0' && line[end] <= '9') ++end;
    line.erase(begin, end - begin);
  }
  return line;
}

// Seconds from the first article's first trace time (ingest took it in)
// to the last article's last (the sink took it in), in a jsonl_sink
// output: how fast the articles streamed, without the start-up and
// shut-down of `newsflow run`. -1 when the times are not there.
double StreamingSeconds(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string first;
  if (!std::getline(in, first)) return -1;
  const std::streamoff tail = 1 << 20;  // more than one 5 KB line
  in.clear();
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  in.seekg(std::max<std::streamoff>(0, size - tail));
  std::string end((std::istreambuf_iterator<char>(in)),
                  std::istreambuf_iterator<char>());
  while (!end.empty() && end.back() == '\n') end.pop_back();
  const absl::string_view last =
      absl::string_view(end).substr(end.rfind('\n') + 1);
  const absl::string_view key("\"at\":\"");
  auto time_at = [&](absl::string_view line, size_t at, absl::Time* time) {
    if (at == absl::string_view::npos) return false;
    const size_t begin = at + key.size();
    const size_t stop = line.find('"', begin);
    std::string error;
    return stop != absl::string_view::npos &&
           absl::ParseTime(absl::RFC3339_full,
                           std::string(line.substr(begin, stop - begin)), time,
                           &error);
  };
  absl::Time start, finish;
  if (!time_at(first, absl::string_view(first).find(key), &start) ||
      !time_at(last, last.rfind(key), &finish)) {
    return -1;
  }
  return absl::ToDoubleSeconds(finish - start);
}

// Whether two jsonl_sink outputs are the same line for line once
// BlankRunValues; otherwise says where they first differ.
std::string CompareOutputs(const std::string& a_path,
                           const std::string& b_path) {
  std::ifstream a(a_path), b(b_path);
  std::string a_line, b_line;
  int64_t line = 0;
  while (true) {
    const bool more_a = static_cast<bool>(std::getline(a, a_line));
    const bool more_b = static_cast<bool>(std::getline(b, b_line));
    if (!more_a && !more_b) {
      return absl::StrCat("the same (", line,
                          " lines; trace times, pids and ingested_at "
                          "blanked)");
    }
    ++line;
    if (more_a != more_b)
      return absl::StrCat("differ: line ", line, " missing");
    if (BlankRunValues(a_line) != BlankRunValues(b_line)) {
      return absl::StrCat("DIFFER from line ", line);
    }
  }
}

int JsonlBenchMain(int count, const std::string& newsflow,
                   const std::string& reference, int repeat, bool keep) {
  absl::StatusOr<std::string> work_dir = MakeSyntheticWorkDir(count);
  if (!work_dir.ok()) return 1;
  const std::string input = *work_dir + "/articles.jsonl";
  std::error_code ignored;
  std::printf(
      "newsflow JSON-lines bench: %d distinct synthetic records of about 5 KB "
      "(%.0f MB)\nthrough ingest -> jsonl_sink (`newsflow run --once`), "
      "%d runs per build and setting,\nthe builds alternating run by run\n",
      count, static_cast<double>(fs::file_size(input, ignored)) / 1e6, repeat);
  std::printf("machine: %ld CPUs online, load average %s (before)\n\n",
              sysconf(_SC_NPROCESSORS_ONLN), LoadAverage().c_str());
  struct Side {
    std::string label;
    std::string binary;
  };
  std::vector<Side> sides = {{"newsflow", newsflow}};
  if (!reference.empty()) sides.push_back({"reference", reference});
  std::printf(
      "columns: wall seconds of `newsflow run --once` and articles/s over "
      "them;\narticles/s while streaming (the first article's ingest trace "
      "time to the last\none's sink trace time: no start-up or shut-down); "
      "CPU us per article of the\nwhole process tree (runner included) and "
      "of the ingest and sink processes\nthemselves (all their threads, "
      "sampled from /proc every 5 ms)\n\n");
  std::printf("%-10s %-4s %3s %8s %9s %9s %11s %10s %10s %6s\n", "binary",
              "acks", "run", "seconds", "art/s", "stream/s", "CPU us/art",
              "ingest us", "sink us", "load");
  // rates[side][acks], cpu[side][acks]: one entry per run.
  std::vector<std::array<std::vector<double>, 2>> rates(sides.size());
  std::vector<std::array<std::vector<double>, 2>> cpus(sides.size());
  std::vector<std::array<std::vector<double>, 2>> streams(sides.size());
  std::vector<std::array<std::vector<double>, 2>> ingest_cpus(sides.size());
  std::vector<std::array<std::vector<double>, 2>> sink_cpus(sides.size());
  std::vector<std::string> outputs(sides.size());
  bool all_ok = true;
  for (int r = 0; r < repeat; ++r) {
    for (int acks = 1; acks >= 0; --acks) {
      for (size_t side = 0; side < sides.size(); ++side) {
        const std::string folder = absl::StrCat(
            *work_dir, "/", sides[side].label, "-acks", acks, "-", r);
        const HopRun run =
            RunHops(sides[side].binary, folder, input, 0, acks == 1, count);
        all_ok = all_ok && run.ok;
        const double streaming =
            run.ok ? StreamingSeconds(folder + "/out.jsonl") : -1;
        std::printf(
            "%-10s %-4s %3d %8.2f %9.0f %9.0f %11.1f %10.1f %10.1f %6s\n",
            sides[side].label.c_str(), acks ? "on" : "off", r + 1, run.seconds,
            count / run.seconds, streaming > 0 ? count / streaming : 0.0,
            run.cpu_seconds * 1e6 / count, run.ingest_cpu_seconds * 1e6 / count,
            run.sink_cpu_seconds * 1e6 / count,
            LoadAverage().substr(0, LoadAverage().find(' ')).c_str());
        if (run.ok) {
          streams[side][acks].push_back(streaming > 0 ? count / streaming : 0);
          ingest_cpus[side][acks].push_back(run.ingest_cpu_seconds * 1e6 /
                                            count);
          sink_cpus[side][acks].push_back(run.sink_cpu_seconds * 1e6 / count);
          rates[side][acks].push_back(count / run.seconds);
          cpus[side][acks].push_back(run.cpu_seconds * 1e6 / count);
        }
        std::fflush(stdout);
        // Each run writes twice the input (journal and output): only the
        // first output of each build is kept, for the comparison.
        if (outputs[side].empty() && run.ok) {
          outputs[side] =
              absl::StrCat(*work_dir, "/", sides[side].label, "-out.jsonl");
          fs::rename(folder + "/out.jsonl", outputs[side], ignored);
        }
        if (!keep && run.ok) fs::remove_all(folder, ignored);
      }
    }
  }
  auto median = [](std::vector<double> values) {
    if (values.empty()) return 0.0;
    std::sort(values.begin(), values.end());
    return values[(values.size() - 1) / 2];
  };
  std::printf(
      "\nmedians: articles/s wall, streaming; CPU us per article: tree, "
      "ingest, sink\n");
  for (int acks = 1; acks >= 0; --acks) {
    for (size_t side = 0; side < sides.size(); ++side) {
      std::printf("  acks %-3s %-10s %7.0f/s %7.0f/s  %5.1f %5.1f %5.1f us\n",
                  acks ? "on" : "off", sides[side].label.c_str(),
                  median(rates[side][acks]), median(streams[side][acks]),
                  median(cpus[side][acks]), median(ingest_cpus[side][acks]),
                  median(sink_cpus[side][acks]));
    }
    if (sides.size() == 2 && median(rates[1][acks]) > 0 &&
        median(streams[1][acks]) > 0) {
      std::printf("  acks %-3s new / reference: wall %.2fx, streaming %.2fx\n",
                  acks ? "on" : "off",
                  median(rates[0][acks]) / median(rates[1][acks]),
                  median(streams[0][acks]) / median(streams[1][acks]));
    }
  }
  if (sides.size() == 2 && !outputs[0].empty() && !outputs[1].empty()) {
    std::printf("outputs of the two builds (acks on, run 1): %s\n",
                CompareOutputs(outputs[0], outputs[1]).c_str());
  }
  std::printf("load average %s (after)\n", LoadAverage().c_str());
  if (keep || !all_ok) {
    std::printf("kept %s\n", work_dir->c_str());
  } else {
    fs::remove_all(*work_dir, ignored);
  }
  return all_ok ? 0 : 1;
}

int BenchMain(const std::string& corpus_dir, const std::string& newsflow,
              int repeat, bool keep) {
  if (!fs::is_directory(corpus_dir)) {
    std::printf("skipped: %s not found\n", corpus_dir.c_str());
    return 0;
  }
  std::error_code ignored;
  std::string corpus_path = fs::weakly_canonical(corpus_dir, ignored);
  if (corpus_path.empty()) corpus_path = corpus_dir;
  if (access(newsflow.c_str(), X_OK) != 0) {
    std::fprintf(stderr,
                 "error: %s is not an executable (build the newsflow "
                 "target or pass --newsflow)\n",
                 newsflow.c_str());
    return 1;
  }
  absl::StatusOr<CorpusInput> corpus = ScanCorpus(corpus_path);
  if (!corpus.ok()) {
    std::fprintf(stderr, "error: %s\n",
                 std::string(corpus.status().message()).c_str());
    return 1;
  }
  absl::StatusOr<std::string> work_dir = MakeWorkDir();
  if (!work_dir.ok()) {
    std::fprintf(stderr, "error: %s\n",
                 std::string(work_dir.status().message()).c_str());
    return 1;
  }
  BenchPaths paths{*work_dir, newsflow, SelfPath()};

  std::printf(
      "newsflow pipeline bench: ingest -> clean -> tag -> store (S, T: tag "
      "as annotate x2 -> link)\n");
  std::printf(
      "corpus:   %s (%lld files, %.2f MB; %lld distinct contents, the "
      "expected\n          stored count: ids are content hashes)\n",
      corpus_path.c_str(), static_cast<long long>(corpus->files),
      static_cast<double>(corpus->bytes) / 1e6,
      static_cast<long long>(corpus->distinct_files));
  std::printf("newsflow: %s\n", newsflow.c_str());
  std::printf("work dir: %s\n", paths.work_dir.c_str());
  std::printf("machine:  %ld CPUs online, load average %s (before)\n",
              sysconf(_SC_NPROCESSORS_ONLN), LoadAverage().c_str());
  std::fflush(stdout);

  std::vector<ModeRun> a_runs, b_runs, c_runs, s_runs, t_runs;
  for (int i = 1; i <= repeat; ++i) {
    a_runs.push_back(RunModeA(paths, *corpus, i));
    std::printf("run %d/%d: A %s", i, repeat,
                a_runs.back().ok
                    ? absl::StrFormat("%.2f s", a_runs.back().seconds).c_str()
                    : "failed");
    std::fflush(stdout);
    b_runs.push_back(RunModeB(paths, *corpus, i));
    std::printf(", B %s",
                b_runs.back().ok
                    ? absl::StrFormat("%.2f s", b_runs.back().seconds).c_str()
                    : "failed");
    std::fflush(stdout);
    c_runs.push_back(RunModeA(paths, *corpus, i, "c"));
    std::printf(", C %s",
                c_runs.back().ok
                    ? absl::StrFormat("%.2f s", c_runs.back().seconds).c_str()
                    : "failed");
    std::fflush(stdout);
    s_runs.push_back(RunModeA(paths, *corpus, i, "s"));
    std::printf(", S %s",
                s_runs.back().ok
                    ? absl::StrFormat("%.2f s", s_runs.back().seconds).c_str()
                    : "failed");
    std::fflush(stdout);
    t_runs.push_back(RunModeB(paths, *corpus, i, "t"));
    std::printf(", T %s\n",
                t_runs.back().ok
                    ? absl::StrFormat("%.2f s", t_runs.back().seconds).c_str()
                    : "failed");
    std::fflush(stdout);
  }
  std::printf("machine:  load average %s (after)\n", LoadAverage().c_str());
  PrintReport(*corpus, a_runs, b_runs, c_runs, s_runs, t_runs);
  PrintRecovery(MeasureRecovery(paths, *corpus));

  bool all_ok = true;
  for (const auto& run : a_runs) all_ok = all_ok && run.ok;
  for (const auto& run : b_runs) all_ok = all_ok && run.ok;
  for (const auto& run : c_runs) all_ok = all_ok && run.ok;
  for (const auto& run : s_runs) all_ok = all_ok && run.ok;
  for (const auto& run : t_runs) all_ok = all_ok && run.ok;
  if (keep || !all_ok) {
    std::printf("kept %s (a-N/, b-N/: config, database, log per run)\n",
                paths.work_dir.c_str());
  } else {
    fs::remove_all(paths.work_dir, ignored);
  }
  return all_ok ? 0 : 1;
}

}  // namespace
}  // namespace newsflow

int main(int argc, char** argv) {
  CLI::App app{
      "Times ingest -> clean -> tag -> store over the BBC corpus as four "
      "processes\n(newsflow run --once) and as one process without sockets.",
      "newsflow_pipeline_bench"};
  std::string corpus_dir = std::string(NEWSFLOW_SHARED_DIR) + "/corpora/bbc";
  std::string newsflow = NEWSFLOW_CLI_PATH;
  int repeat = 1;
  bool keep = false;
  app.add_option("--corpus", corpus_dir, "Corpus folder")
      ->capture_default_str();
  app.add_option("--newsflow", newsflow, "The newsflow executable")
      ->capture_default_str();
  app.add_option("--repeat", repeat,
                 "Runs per mode, alternating; the median "
                 "is reported")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_flag("--keep", keep,
               "Keep the work folder (configs, databases, logs)");
  int hops = 0;
  std::string reference;
  app.add_option("--hops", hops,
                 "Instead: time N synthetic 5 KB articles through 0, 1 and 3 "
                 "pass-through stages, beside raw ZeroMQ and protobuf")
      ->check(CLI::PositiveNumber);
  int jsonl = 0;
  app.add_option("--jsonl", jsonl,
                 "Instead: time N distinct synthetic 5 KB JSON lines through "
                 "ingest -> jsonl_sink, acks on and off")
      ->check(CLI::PositiveNumber);
  app.add_option("--reference", reference,
                 "With --hops or --jsonl: a second newsflow executable (an "
                 "older build) timed in the same run, alternating");
  // Mode B's child process; not for people.
  std::string in_process_config, in_process_result;
  auto* in_process =
      app.add_option("--in-process", in_process_config)->group("");
  app.add_option("--result", in_process_result)->group("")->needs(in_process);
  CLI11_PARSE(app, argc, argv);

  if (!in_process_config.empty()) {
    return newsflow::InProcessChildMain(in_process_config, in_process_result);
  }
  if (jsonl > 0) {
    return newsflow::JsonlBenchMain(jsonl, newsflow, reference, repeat, keep);
  }
  if (hops > 0) {
    return newsflow::HopBenchMain(hops, newsflow, reference, repeat, keep);
  }
  return newsflow::BenchMain(corpus_dir, newsflow, repeat, keep);
}
