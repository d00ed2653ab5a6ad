// Progress of `newsflow run`, fed with the runner's status snapshots
// (SupervisorOptions::on_status, about every 500 ms).
//
// On a terminal it is one line that updates in place below the log:
//   1200 read, 950/1200 stored (79%), 310/s, ETA 1s, 4.2s elapsed
// While sources are still reading input of a known size (files), the share
// of bytes read leads and the ETA is when reading ends at the recent pace:
//   1.2 GB of 2.0 GB read (60%), 52k read, 51k stored, 9.1k/s, ETA 1m28s, ...
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
  // Input bytes the sources consumed, of those known so far (0: unknown).
  int64_t bytes_read = 0;
  int64_t bytes_total = 0;
  double per_second = 0;  // stored per second, recent
  std::optional<absl::Duration> eta;
  absl::Duration elapsed;
};

// "1200 read, 950/1200 stored (79%), 310/s, ETA 1s, 4.2s elapsed"
std::string FormatProgress(const Progress& progress);

// "512 B", "3.4 kB", "1.2 MB", "2.0 GB" (decimal units, as disks are sold).
std::string FormatByteSize(int64_t bytes);

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
  struct Sample {
    absl::Time at;
    int64_t stored;
    int64_t bytes_read;
  };
  // The last few seconds, for the rates.
  std::deque<Sample> samples_;
  Progress progress_;
  bool drawn_ = false;
};

}  // namespace newsflow

#endif  // NEWSFLOW_RUNNER_OBSERVE_PROGRESS_H_
