// Runs a pipeline plan inside the calling process, without sockets: the
// baseline that `newsflow run` (one process per stage, ZeroMQ between them)
// is measured against.
//
// Each stage of the plan becomes one instance of its registered type,
// created through the C ABI with the plan's options_json, exactly as a
// stage process would create it. An emitted message is handed straight to
// the process() of every consumer stage, on the same thread and before
// emit() returns. Like the stage host, the harness appends a TraceHop to a
// source's emitted bytes and to every consumer's input bytes, so stages see
// (and the store keeps) articles of the same shape as under the runner.
// And like the stage host's source journal, it passes on only the first
// message a source emits with a given article id, so both carry the same
// messages.
//
// The run has `--once` semantics: sources are polled until they report
// NF_POLL_DONE or NF_POLL_IDLE; then every stage is flushed, inputs before
// consumers, and destroyed.
//
// Not modelled: replicas (each stage runs as one instance whatever the
// plan says), taps, control reports, restarts, acknowledgements and the
// journal's persistence across runs.
#ifndef NEWSFLOW_BENCH_IN_PROCESS_PIPELINE_H_
#define NEWSFLOW_BENCH_IN_PROCESS_PIPELINE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "runner/config/plan.h"
#include "runner/host/stage_registry.h"

namespace newsflow {

// What one stage did during an in-process run. The fields mean what the
// runner's StageSummary fields of the same names mean.
struct InProcessStageCounters {
  std::string stage;
  int64_t received = 0;
  int64_t emitted = 0;
  // Inputs that failed (NF_ERROR from process/poll) plus rejected inputs.
  int64_t failed = 0;
  // Log lines at warning level or above, rejections included.
  int64_t warnings = 0;
  // Sources: emits dropped because the id was emitted before.
  int64_t duplicates = 0;
};

// Per stage, in plan order.
using InProcessRunResult = std::vector<InProcessStageCounters>;

// Runs `plan` to completion. Stage log lines go to stderr prefixed with
// "[stage] ". Errors: the stage type is unknown, create() failed, or a
// stage returned NF_FATAL; the message names the stage.
absl::StatusOr<InProcessRunResult> RunPlanInProcess(
    const PipelinePlan& plan, const StageRegistry& registry);

}  // namespace newsflow

#endif  // NEWSFLOW_BENCH_IN_PROCESS_PIPELINE_H_
