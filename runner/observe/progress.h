// Progress of `newsflow run`, fed with the runner's status snapshots
// (SupervisorOptions::on_status, about every 500 ms).
//
// On a terminal it is one line that updates in place below the log:
//   1200 read, 950/1200 stored (79%), 310/s, ETA 1s, 4.2s elapsed
// Without a terminal it is a log line every few seconds instead
// ("[runner] info: progress: ..."), so CI logs and journals stay readable.
//
// "read" is what the sources emitted; "stored" what the sinks completed
// (the least of them when the pipeline fans out to several sinks). The
// total is known once every source has read everything; the ETA needs it.
// A stage that drops articles on purpose (a filter) leaves the sinks short
// of the total, so the ETA is then an upper bound.
#ifndef NEWSFLOW_RUNNER_OBSERVE_PROGRESS_H_
#define NEWSFLOW_RUNNER_OBSERVE_PROGRESS_H_

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "newsflow/v1/control.pb.h"

namespace newsflow {

enum class ProgressMode { kOff, kLine, kLog };

// "auto" (a line on a terminal, log lines otherwise; only with --once),
// "line", "log" or "off".
absl::StatusOr<ProgressMode> ParseProgressMode(absl::string_view name,
                                               bool once, bool terminal);

struct Progress {
  int64_t read = 0;
  int64_t stored = 0;
  bool total_known = false;  // every source is done; total == read
  double per_second = 0;     // stored per second, recent
  std::optional<absl::Duration> eta;
  absl::Duration elapsed;
};

// "1200 read, 950/1200 stored (79%), 310/s, ETA 1s, 4.2s elapsed"
std::string FormatProgress(const Progress& progress);

class ProgressReporter {
 public:
  explicit ProgressReporter(ProgressMode mode,
                            absl::Duration log_every = absl::Seconds(5));
  ~ProgressReporter();

  // Takes a new snapshot; draws the line or logs when it is time.
  void Update(const v1::PipelineStatus& status);
  // Removes the line (the run's summary follows).
  void Finish();

  // The progress at the last Update().
  const Progress& progress() const { return progress_; }

 private:
  ProgressMode mode_;
  absl::Duration log_every_;
  absl::Time last_log_ = absl::InfinitePast();
  // (time, stored) over the last few seconds, for the rate.
  std::deque<std::pair<absl::Time, int64_t>> samples_;
  Progress progress_;
  bool drawn_ = false;
};

}  // namespace newsflow

#endif  // NEWSFLOW_RUNNER_OBSERVE_PROGRESS_H_
