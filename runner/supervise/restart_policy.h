// When a crashed stage process is started again. The policy is the
// config's `restart: { max_restarts, window_seconds, backoff_initial_ms,
// backoff_max_ms }`, carried unchanged from the config through the plan to
// the supervisor; a RestartTracker applies it to one replica.
//
// The tracker only decides: it takes the process's wait status and the
// times it started and ended, and never sleeps or reads the clock, so the
// whole policy is testable without processes.
#ifndef NEWSFLOW_RUNNER_SUPERVISE_RESTART_POLICY_H_
#define NEWSFLOW_RUNNER_SUPERVISE_RESTART_POLICY_H_

#include <deque>
#include <string>

#include "absl/time/time.h"

namespace newsflow {

struct RestartPolicy {
  // The wait before a restart doubles from initial_backoff up to
  // max_backoff.
  absl::Duration initial_backoff = absl::Milliseconds(100);
  absl::Duration max_backoff = absl::Seconds(5);
  // A replica that crashes more than max_restarts times within `window`
  // has failed, and with it the run.
  int max_restarts = 5;
  absl::Duration window = absl::Seconds(60);
};

// A process that ran this long before dying was working, not crash
// looping: its next restart waits initial_backoff again.
inline constexpr absl::Duration kStableRun = absl::Seconds(10);

// What to do about a replica whose process exited unexpectedly.
struct RestartDecision {
  enum Action {
    kRestart,  // start it again after `delay`
    kGiveUp,   // it crashed too often: the run has failed
    // It exited NEWSFLOW_STAGE_EXIT_BAD_CONFIG: its options are wrong and
    // a restart would fail the same way.
    kBadConfig,
  };
  Action action = kRestart;
  absl::Duration delay = absl::ZeroDuration();
  // kGiveUp: "it crashed 6 times within 1m".
  std::string reason;
};

// The restart history of one replica.
class RestartTracker {
 public:
  explicit RestartTracker(const RestartPolicy& policy);

  // The process that started at `started` exited at `now` with
  // `wait_status` (as from waitpid). Any exit of a running stage is a crash
  // here, a clean one and NEWSFLOW_STAGE_EXIT_STOP_DEADLINE included: the
  // runner stops stages itself, so one that exits by itself is not done.
  RestartDecision OnExit(int wait_status, absl::Time started, absl::Time now);

  // The wait before the next start, for a start that failed before the
  // process existed (fork): it is retried without counting as a crash.
  absl::Duration next_delay() const { return backoff_; }

  // Restarts decided so far.
  int restarts() const { return restarts_; }

 private:
  RestartPolicy policy_;
  absl::Duration backoff_;
  std::deque<absl::Time> crashes_;  // within the window, oldest first
  int restarts_ = 0;
};

}  // namespace newsflow

#endif  // NEWSFLOW_RUNNER_SUPERVISE_RESTART_POLICY_H_
