// Reporter: what a stage process tells the runner about itself. It keeps
// the cumulative counters of a v1::StageReport (inputs, outputs, failures,
// time busy and blocked, a latency histogram, per-source progress) and
// says when the next report is due. It neither sends nor reads the clock:
// the host passes `now` and sends the bytes Take() returns, so a report
// lost on the way is superseded by the next.
#ifndef NEWSFLOW_RUNNER_HOST_REPORTER_H_
#define NEWSFLOW_RUNNER_HOST_REPORTER_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "newsflow/v1/control.pb.h"

namespace newsflow {

// Upper bounds (microseconds) of StageReport.latency_buckets; a final
// bucket counts everything slower.
inline constexpr int64_t kLatencyBucketBoundsUs[] = {
    10, 30, 100, 300, 1000, 3000, 10000, 30000, 100000, 300000, 1000000};
inline constexpr int kLatencyBuckets =
    sizeof(kLatencyBucketBoundsUs) / sizeof(kLatencyBucketBoundsUs[0]) + 1;

// The bucket of StageReport.latency_buckets a call of `nanoseconds` counts
// in: the first whose bound it does not exceed.
int LatencyBucket(int64_t nanoseconds);

// This process's peak resident set (VmHWM), in KiB; 0 when unknown.
int64_t PeakRssKib();

class Reporter {
 public:
  using Clock = std::chrono::steady_clock;
  // How often a report goes out while the process runs.
  static constexpr Clock::duration kInterval = std::chrono::milliseconds(200);

  Reporter(absl::string_view stage, int replica, int pid);

  // An input arrived (`bytes` on the wire).
  void Received(size_t bytes);
  // A message went out (`bytes` long).
  void Emitted(size_t bytes);
  // An input or poll failed.
  void Failed();
  // An input was kept with the dead letters.
  void DeadLettered();
  // A stage callback (poll, process) ran this long: busy time and latency.
  void Called(int64_t nanoseconds);
  // Time busy outside the latency histogram (flush).
  void Busy(int64_t nanoseconds);
  // Everything received so far is processed and flushed.
  void Completed();
  void SetPendingAcks(size_t pending);
  void SetSourceDone();
  // The last runner command applied.
  void SetCommandSeq(int64_t seq);
  // What source `name` of the stage has seen, added and failed so far.
  void SetSourceProgress(absl::string_view name, int64_t seen, int64_t added,
                         int64_t failed);
  // How far source `name` is through its input, in bytes.
  void SetSourceBytes(absl::string_view name, int64_t bytes_read,
                      int64_t bytes_total);

  // A send has been waiting on a full downstream queue since `start`;
  // reports show the wait so far until Unblocked.
  void BlockedSince(Clock::time_point start);
  // The send went through at `now`: the wait counts in blocked_ns.
  void Unblocked(Clock::time_point now);

  // Whether kInterval has passed since the last report.
  bool Due(Clock::time_point now) const;
  // The serialized report to send now; the next is due kInterval later.
  std::string Take(bool final, int64_t peak_rss_kib, Clock::time_point now);
  // No report can be sent (no runner to send to): wait kInterval again.
  void Skip(Clock::time_point now) { last_report_ = now; }

  const v1::StageReport& report() const { return report_; }

 private:
  // The entry of source `name`, added when new.
  v1::SourceProgress* Source(absl::string_view name);

  v1::StageReport report_;
  Clock::time_point last_report_{};
  Clock::time_point blocked_since_{};
};

}  // namespace newsflow

#endif  // NEWSFLOW_RUNNER_HOST_REPORTER_H_
