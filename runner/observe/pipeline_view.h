// What a running pipeline is doing, derived from the runner's status
// snapshots (v1::PipelineStatus): rates, latency quantiles, queue fill,
// busy and blocked time, and the stage that bounds throughput. Shared by
// `newsflow top`, `newsflow graph` and the `run --once` progress line.
//
// Rates and shares cover the interval between two snapshots; given only
// one, they are averages since the pipeline started.
//
// Queue: messages the inputs of a stage have emitted that the stage has
// not yet received (summed over replicas: upstream emitted - own
// received). They sit in ZeroMQ queues and socket buffers between the
// processes. Fill is that count relative to the stage's receive high-water
// mark (kDefaultHighWaterMark per replica); it can exceed 100% because the
// sending side queues up to its own high-water mark too. Sources have none.
//
// Busy share: the part of the interval a replica spent inside the stage's
// process/poll/flush calls. Blocked share: the part it spent waiting for a
// full downstream queue to take a message (backpressure).
//
// The bottleneck (the stage that bounds the pipeline's throughput):
//   1. a stage that is blocked half of the time or more is held back by a
//      stage downstream, so it is never the bottleneck;
//   2. a remaining stage is under pressure when it is busy at least half of
//      the time (its replicas averaged), or one of its inputs is blocked at
//      least 20% of the time, or its input queue is at least half full;
//   3. of the stages under pressure, the busiest is the bottleneck (ties:
//      the fuller input queue, then the one further downstream);
//   4. none under pressure: no bottleneck (the pipeline keeps up with its
//      sources, or is idle).
#ifndef NEWSFLOW_RUNNER_OBSERVE_PIPELINE_VIEW_H_
#define NEWSFLOW_RUNNER_OBSERVE_PIPELINE_VIEW_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "newsflow/v1/control.pb.h"

namespace newsflow {

// Thresholds of the bottleneck rule above.
inline constexpr double kHeldBackBlockedShare = 0.5;
inline constexpr double kPressureBusyShare = 0.5;
inline constexpr double kPressureUpstreamBlockedShare = 0.2;
inline constexpr double kPressureQueueFill = 0.5;

struct ReplicaView {
  std::string stage;
  int replica = 0;
  std::string type;
  std::string state;  // as in v1::ReplicaStatus
  int pid = 0;
  int restarts = 0;
  // Totals since the pipeline started (every incarnation).
  int64_t received = 0;
  int64_t emitted = 0;
  int64_t completed = 0;
  int64_t failed = 0;
  int64_t dead_letters = 0;
  int64_t peak_rss_kib = 0;
  bool source_done = false;
  // Over the interval.
  double in_per_second = 0;
  double out_per_second = 0;
  double errors_per_second = 0;
  // Processing time per call, microseconds; empty without calls.
  std::optional<double> p50_us;
  std::optional<double> p99_us;
  double busy_share = 0;
  double blocked_share = 0;
  // The stage's queue divided evenly among its replicas (PUSH round-robin).
  std::optional<int64_t> queue_messages;
  std::optional<double> queue_fill;
  bool bottleneck = false;
};

struct StageView {
  std::string name;
  std::string type;
  std::vector<std::string> inputs;
  bool source = false;  // reads no other stage
  bool sink = false;    // no stage reads it
  int replicas = 0;     // not retired
  int64_t received = 0;
  int64_t emitted = 0;
  int64_t completed = 0;
  int64_t failed = 0;
  bool source_done = false;  // every replica of a source is done
  // Sources: input bytes consumed, of the total known so far (0: unknown).
  int64_t bytes_read = 0;
  int64_t bytes_total = 0;
  double in_per_second = 0;
  double out_per_second = 0;
  double busy_share = 0;                  // mean over replicas
  double blocked_share = 0;               // mean over replicas
  std::optional<int64_t> queue_messages;  // empty for sources
  std::optional<double> queue_fill;
  bool bottleneck = false;
};

struct PipelineView {
  std::string pipeline;
  std::string config_path;
  absl::Time started;
  absl::Time now;
  // Length of the interval rates cover.
  double interval_seconds = 0;
  // Upstream first (the order the runner lists replicas in).
  std::vector<StageView> stages;
  // Running, restarting and failed replicas; retired ones are left out.
  std::vector<ReplicaView> replicas;
  // Empty when no stage is under pressure.
  std::string bottleneck;
  // Why, in words ("busy 98% of the time; input queue 60% full").
  std::string bottleneck_reason;

  const StageView* FindStage(const std::string& name) const;
};

// `previous` may be null (rates since the start).
PipelineView MakePipelineView(const v1::PipelineStatus& current,
                              const v1::PipelineStatus* previous);

// The q-quantile (0 < q <= 1) of a latency histogram with the bucket
// bounds kLatencyBucketBoundsUs, interpolated linearly inside the bucket it
// falls in. A quantile in the overflow bucket is reported as the last
// bound. Empty when the histogram counts nothing.
std::optional<double> LatencyQuantileUs(const std::vector<int64_t>& buckets,
                                        double q);

}  // namespace newsflow

#endif  // NEWSFLOW_RUNNER_OBSERVE_PIPELINE_VIEW_H_
