// The stage host: the body of every stage process (`newsflow-stage`).
//
// It instantiates one stage type through the C ABI and runs its loop,
// composed of parts that each have their own header:
//   wiring.h    the ZeroMQ sockets (input, outputs, acknowledgements,
//               runner commands and reports), CURVE between hosts;
//   delivery.h  a source's journal, acknowledgements and re-sends, and
//               when a stage acknowledges what it settled;
//   reporter.h  the StageReport counters sent every 200 ms;
//   tap.h       copies for `newsflow tail`, only while it listens, sent
//               with the frame they belong to: after a source journal
//               write that records them, never before.
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
#include "runner/host/reporter.h"
#include "runner/host/stage_registry.h"
#include "runner/wire/frame.h"

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

// Runs until stopped by a signal. Returns the process exit code.
int RunStageHost(const v1::StageLaunch& launch, const StageRegistry& registry);

}  // namespace newsflow

#endif  // NEWSFLOW_RUNNER_HOST_STAGE_HOST_H_
