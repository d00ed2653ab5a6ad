// The stage host: the body of every stage process (`newsflow-stage`).
//
// It instantiates one stage type through the C ABI and owns the process's
// ZeroMQ sockets:
//   input   PULL, bound at launch.input_endpoint (not for sources);
//   outputs one PUSH per consumer stage, connected to its replicas;
//   tap     XPUB, bound at launch.tap_endpoint; a copy of every emitted
//           message goes out only while a `newsflow tail` is subscribed;
//   control PUSH to the runner: StageReport counters every 200 ms.
// Each received message gets a TraceHop appended before the stage sees it
// (sources: on emit). SIGTERM/SIGINT flush the stage and exit 0, within
// NEWSFLOW_STAGE_STOP_DEADLINE_MS: a stage callback that has not returned
// by then is abandoned (exit kStageExitStopDeadline).
#ifndef NEWSFLOW_RUNNER_HOST_STAGE_HOST_H_
#define NEWSFLOW_RUNNER_HOST_STAGE_HOST_H_

#include <string>

#include "absl/strings/string_view.h"
#include "newsflow/v1/article.pb.h"
#include "newsflow/v1/control.pb.h"
#include "runner/wire/frame.h"
#include "runner/host/stage_registry.h"

namespace newsflow {

// Exit codes of a stage process.
inline constexpr int kStageExitOk = 0;
inline constexpr int kStageExitBadLaunch = 2;  // unusable spec or options
inline constexpr int kStageExitFatal = 3;      // the stage reported NF_FATAL
// Its options are wrong (validate found problems): not restarted.
inline constexpr int kStageExitBadConfig = NEWSFLOW_STAGE_EXIT_BAD_CONFIG;
// A callback was still running NEWSFLOW_STAGE_STOP_DEADLINE_MS after
// SIGTERM; the process left without it.
inline constexpr int kStageExitStopDeadline = NEWSFLOW_STAGE_EXIT_STOP_DEADLINE;

// Upper bounds (microseconds) of StageReport.latency_buckets; a final
// bucket counts everything slower.
inline constexpr int64_t kLatencyBucketBoundsUs[] = {
    10, 30, 100, 300, 1000, 3000, 10000, 30000, 100000, 300000, 1000000};
inline constexpr int kLatencyBuckets =
    sizeof(kLatencyBucketBoundsUs) / sizeof(kLatencyBucketBoundsUs[0]) + 1;

// Runs until stopped by a signal. Returns the process exit code.
int RunStageHost(const v1::StageLaunch& launch, const StageRegistry& registry);

}  // namespace newsflow

#endif  // NEWSFLOW_RUNNER_HOST_STAGE_HOST_H_
