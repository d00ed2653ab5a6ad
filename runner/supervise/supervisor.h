// The supervisor behind `newsflow run`: starts one process per stage
// replica, relays their stderr with a "[stage.replica]" prefix, collects
// their StageReports over the control socket, restarts crashed processes
// with exponential backoff, and stops everything on SIGINT/SIGTERM.
//
// In --once mode it also decides when the pipeline is finished: every
// source has read everything, and every other stage has completed (for the
// store: committed) as many messages as its inputs emitted. Counters are
// snapshots per process, so equality checked in topological order proves
// nothing is still in flight.
#ifndef NEWSFLOW_RUNNER_SUPERVISE_SUPERVISOR_H_
#define NEWSFLOW_RUNNER_SUPERVISE_SUPERVISOR_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "newsflow/v1/control.pb.h"
#include "runner/config/plan.h"
#include "runner/supervise/run_outcome.h"

namespace newsflow {

struct SupervisorOptions {
  bool once = false;
  // Path of the newsflow-stage executable.
  std::string stage_binary;
  // How long a stage process may outlive SIGTERM before SIGKILL. Each
  // ends itself NEWSFLOW_STAGE_STOP_DEADLINE_MS after it; one still there
  // a second later is stuck in exiting.
  absl::Duration stop_deadline = absl::Seconds(2);
  // --once: give up when nothing has moved for this long but the pipeline
  // is not complete (messages were lost in a crash).
  absl::Duration stall_timeout = absl::Seconds(30);
  // Print the per-stage summary table on exit.
  bool print_summary = true;
  // Re-reads and plans the config for a reload (SIGHUP, `newsflow reload`,
  // or watch_config). Without it the runner cannot reload.
  std::function<absl::StatusOr<PipelinePlan>()> replan;
  // Reload whenever the config file's modification time changes.
  bool watch_config = false;
  // Called about every 500 ms with the pipeline's current status (for
  // metrics exporters and progress displays). Runs on the runner's thread.
  std::function<void(const v1::PipelineStatus&)> on_status;
};

struct StageSummary {
  std::string stage;
  int replicas = 0;
  int64_t received = 0;
  int64_t emitted = 0;
  int64_t failed = 0;
  int64_t completed = 0;
  int64_t peak_rss_kib = 0;  // largest of the replicas
  double busy_seconds = 0;
  int restarts = 0;
  bool source = false;
  bool terminal = false;  // no consumers: completed means stored
  // Sources: sent and not acknowledged when the last process stopped.
  int64_t pending_acks = 0;
  // Sources: progress per named input, summed over replicas and restarts.
  std::vector<v1::SourceProgress> sources;
};

// Exit codes of `newsflow run`.
inline constexpr int kRunExitOk = 0;
inline constexpr int kRunExitStageFailed = 1;  // a stage kept crashing
inline constexpr int kRunExitBadConfig = 2;
inline constexpr int kRunExitIncomplete = 3;  // --once could not finish
// --once finished, but a source failed and read nothing (a missing path, a
// feed answering 404): an empty result is not success.
inline constexpr int kRunExitSourceFailed = 4;

// The sources of a --once run that failed and read nothing: "stage: input
// (N seen, M failed)" each. Empty when every source read something or
// failed nothing.
std::vector<std::string> SourcesThatReadNothing(
    const std::vector<StageSummary>& summary);

// Restarts follow plan.restart, the policy the run started with: a reload
// does not change it.
class Supervisor {
 public:
  Supervisor(PipelinePlan plan, SupervisorOptions options);
  ~Supervisor();

  // Runs until a signal (or, with once, completion). Returns an exit code.
  int Run();

  // Per-stage counters, valid after Run().
  const std::vector<StageSummary>& summary() const { return summary_; }
  // How the run ended, valid after Run().
  const RunOutcome& outcome() const { return outcome_; }

 private:
  struct Replica;
  class Impl;
  Impl* impl_;
  std::vector<StageSummary> summary_;
  RunOutcome outcome_;
};

// Where `newsflow-stage` lives: $NEWSFLOW_STAGE_BIN, else beside the
// running executable.
std::string DefaultStageBinary();

}  // namespace newsflow

#endif  // NEWSFLOW_RUNNER_SUPERVISE_SUPERVISOR_H_
