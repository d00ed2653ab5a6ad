// `newsflow tail`: prints the messages leaving a stage of a running
// pipeline. It subscribes to the stage's tap (XPUB) endpoints, so the stage
// serializes tap copies only while someone listens and never waits for a
// slow reader.
#ifndef NEWSFLOW_RUNNER_TAIL_H_
#define NEWSFLOW_RUNNER_TAIL_H_

#include <cstdint>
#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "runner/plan.h"

namespace newsflow {

struct TailOptions {
  std::string stage;
  // Stop after this many messages (0: never).
  int64_t limit = 0;
  // Stop after this long (InfiniteDuration: never).
  absl::Duration duration = absl::InfiniteDuration();
};

// Writes one JSON line per message to `out` until SIGINT/SIGTERM, `limit`
// or `duration`.
absl::Status RunTail(const PipelinePlan& plan, const TailOptions& options,
                     std::ostream& out);

}  // namespace newsflow

#endif  // NEWSFLOW_RUNNER_TAIL_H_
