// `newsflow top`: a live view of a running pipeline, one row per stage
// replica, refreshed every interval (like `vector top`). It asks the
// runner's status endpoint (StatusClient) for two snapshots and shows what
// happened between them (see pipeline_view.h for every number and for how
// the bottleneck is chosen).
//
//   newsflow top - pipeline 'demo' - up 2m05s - 5 processes
//   STAGE           STATE    IN/s   OUT/s   ERR    P50    P99 QUEUE BLOCK  BUSY
//   RST
//    ingest.0       up          0     412     0   40us  300us     -   71%   20%
//    0 clean.0        up        412     412     0  180us  2.1ms    0%    0% 9%
//    0
//   *tag.0          up        410     410     0  2.3ms  8.0ms   98%    0%   99%
//   0
//    store.0        up        410       0     0   20us  4.0ms    0%    0%    3%
//    0
//
//   * bottleneck: tag - busy 99% of the time; clean waits on it 71% ...
//
// It fits an 80-column terminal. On a terminal the screen is redrawn in
// place (ANSI home + erase); otherwise each refresh is printed as plain
// text after the previous one. With json, each refresh is one JSON object
// on one line (TopJson), for scripts.
#ifndef NEWSFLOW_RUNNER_OBSERVE_TOP_H_
#define NEWSFLOW_RUNNER_OBSERVE_TOP_H_

#include <deque>
#include <optional>
#include <ostream>
#include <string>

#include "absl/time/time.h"
#include "runner/observe/pipeline_view.h"
#include "runner/wire/status_client.h"

namespace newsflow {

// Exit codes of `newsflow top`.
inline constexpr int kTopExitOk = 0;
inline constexpr int kTopExitNoPipeline = 1;  // --once and nothing answered
inline constexpr int kTopExitBadConfig = 2;

struct TopOptions {
  std::string status_endpoint;
  // CURVE-protected status (a pipeline on several hosts): the client key
  // and the host's public key.
  std::optional<StatusClientKeys> keys;
  // How to name the pipeline in "no running pipeline for ..." messages.
  std::string description;
  bool json = false;
  bool once = false;
  // Between the two snapshots of --once, and between refreshes.
  absl::Duration interval = absl::Seconds(1);
  // Rates are averaged over this much of the recent past (at least one
  // interval), so a burst shows for a while instead of for one refresh.
  absl::Duration window = absl::Seconds(10);
  // How long one status request may take before it counts as unanswered.
  absl::Duration request_timeout = absl::Seconds(1);
  // Redraw in place with ANSI sequences (stdout is a terminal).
  bool terminal = false;
};

// The recent snapshots of one run of a pipeline, so rates can be averaged
// over a window rather than over the last refresh only.
class StatusWindow {
 public:
  explicit StatusWindow(absl::Duration window) : window_(window) {}

  // Adds the newest snapshot; a snapshot of another run (the pipeline was
  // restarted) starts the window afresh.
  void Add(v1::PipelineStatus status);
  // The snapshot rates are measured from: the oldest one at most `window`
  // before the newest, or the one just before the newest if that is
  // older. Null with fewer than two snapshots.
  const v1::PipelineStatus* Base() const;
  const v1::PipelineStatus* Newest() const {
    return history_.empty() ? nullptr : &history_.back();
  }
  void Clear() { history_.clear(); }

 private:
  absl::Duration window_;
  std::deque<v1::PipelineStatus> history_;
};

// The table, at most `width` columns (at least 79 are needed to show every
// column; narrower terminals get the rows cut).
std::string RenderTop(const PipelineView& view, int width);

// One JSON object (one line, no newline):
//   {"pipeline", "config", "time", "uptime_seconds", "interval_seconds",
//    "bottleneck" (name or null), "bottleneck_reason",
//    "stages": [{"stage", "type", "replicas", "source", "sink", "received",
//                "emitted", "completed", "errors", "in_per_second",
//                "out_per_second", "busy", "blocked", "queue_messages",
//                "queue_fill", "bottleneck"}],
//    "replicas": [{"stage", "replica", "type", "state", "pid", "restarts",
//                  "received", "emitted", "completed", "errors",
//                  "dead_letters", "in_per_second", "out_per_second",
//                  "errors_per_second", "p50_ms", "p99_ms", "busy",
//                  "blocked", "queue_messages", "queue_fill",
//                  "bottleneck"}]}
// Shares (busy, blocked, queue_fill) are fractions (0.5 = 50%); values that
// do not apply (a source's queue, a latency without calls) are null.
std::string TopJson(const PipelineView& view);

// Runs until SIGINT/SIGTERM (or, with once, after one view). Returns an
// exit code.
int RunTop(const TopOptions& options, std::ostream& out, std::ostream& err);

}  // namespace newsflow

#endif  // NEWSFLOW_RUNNER_OBSERVE_TOP_H_
