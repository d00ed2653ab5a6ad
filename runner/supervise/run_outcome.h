// How a `newsflow run` ended, as its summary's first line and
// --summary-json state it: finished (--once completed), stopped (by a
// signal, with what is pending), or failed.
#ifndef NEWSFLOW_RUNNER_SUPERVISE_RUN_OUTCOME_H_
#define NEWSFLOW_RUNNER_SUPERVISE_RUN_OUTCOME_H_

#include <cstdint>
#include <string>

namespace newsflow {

struct RunOutcome {
  enum class Kind { kFinished, kStopped, kFailed };
  Kind kind = Kind::kFinished;
  // The signal that stopped the run ("SIGINT"), when one did.
  std::string signal;
  double seconds = 0;
  // This host's sources: messages read and sent on (re-sends not counted).
  int64_t read = 0;
  // This host's last stages (those without consumers): messages completed,
  // for the store committed.
  int64_t stored = 0;
  // What this host's sources sent and had not seen acknowledged when they
  // stopped: kept in their journals and re-sent on the next run (the store
  // deduplicates by id).
  int64_t pending = 0;
  // Without acknowledgements there is no journal: nothing is pending, and
  // what was in flight is gone.
  bool acks = true;
};

// "finished", "stopped" or "failed".
const char* OutcomeName(RunOutcome::Kind kind);

// The summary's first line, without a newline: "pipeline 'demo' stopped by
// SIGINT after 3.20 s: 812 read, 640 stored; 172 pending in the source
// journal, re-sent on the next run".
std::string DescribeOutcome(const std::string& pipeline,
                            const RunOutcome& outcome);

}  // namespace newsflow

#endif  // NEWSFLOW_RUNNER_SUPERVISE_RUN_OUTCOME_H_
