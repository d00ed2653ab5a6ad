#include "runner/supervise/run_outcome.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace newsflow {

const char* OutcomeName(RunOutcome::Kind kind) {
  switch (kind) {
    case RunOutcome::Kind::kFinished:
      return "finished";
    case RunOutcome::Kind::kStopped:
      return "stopped";
    case RunOutcome::Kind::kFailed:
      return "failed";
  }
  return "failed";
}

std::string DescribeOutcome(const std::string& pipeline,
                            const RunOutcome& outcome) {
  // FAILED in capitals: the line people look for when a run went wrong.
  const std::string how = outcome.kind == RunOutcome::Kind::kFailed
                              ? "FAILED"
                              : OutcomeName(outcome.kind);
  std::string line = absl::StrFormat(
      "pipeline '%s' %s%s after %.2f s", pipeline, how,
      outcome.signal.empty() ? "" : " by " + outcome.signal, outcome.seconds);
  // A completed run has nothing pending; the table says the rest.
  if (outcome.kind != RunOutcome::Kind::kStopped) return line;
  absl::StrAppend(&line, ": ", outcome.read, " read, ", outcome.stored,
                  " stored; ");
  if (!outcome.acks) {
    absl::StrAppend(&line,
                    "without acknowledgements nothing is kept to re-send");
  } else if (outcome.pending == 0) {
    absl::StrAppend(&line, "nothing pending");
  } else {
    absl::StrAppend(&line, outcome.pending,
                    " pending in the source journal, re-sent on the next run");
  }
  return line;
}

}  // namespace newsflow
