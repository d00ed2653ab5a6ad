#include "runner/supervise/restart_policy.h"

#include <sys/wait.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "newsflow/stage_plugin.h"

namespace newsflow {

RestartTracker::RestartTracker(const RestartPolicy& policy)
    : policy_(policy), backoff_(policy.initial_backoff) {}

RestartDecision RestartTracker::OnExit(int wait_status, absl::Time started,
                                       absl::Time now) {
  RestartDecision decision;
  if (WIFEXITED(wait_status) &&
      WEXITSTATUS(wait_status) == NEWSFLOW_STAGE_EXIT_BAD_CONFIG) {
    decision.action = RestartDecision::kBadConfig;
    return decision;
  }
  if (now - started > kStableRun) backoff_ = policy_.initial_backoff;
  crashes_.push_back(now);
  while (!crashes_.empty() && now - crashes_.front() > policy_.window) {
    crashes_.pop_front();
  }
  if (static_cast<int>(crashes_.size()) > policy_.max_restarts) {
    decision.action = RestartDecision::kGiveUp;
    decision.reason =
        absl::StrCat("it crashed ", crashes_.size(), " times within ",
                     absl::FormatDuration(policy_.window));
    return decision;
  }
  restarts_++;
  decision.delay = backoff_;
  backoff_ = std::min(backoff_ * 2, policy_.max_backoff);
  return decision;
}

}  // namespace newsflow
