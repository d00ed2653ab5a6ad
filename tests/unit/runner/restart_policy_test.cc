// The restart policy (runner/supervise/restart_policy.h): from the config's
// `restart:` keys through the plan, and the decisions taken on each crash,
// with made-up times instead of processes and sleeps.
#include "runner/supervise/restart_policy.h"

#include <sys/wait.h>

#include <csignal>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "newsflow/stage_plugin.h"
#include "runner/config/config.h"
#include "runner/config/plan.h"

namespace newsflow {
namespace {

using ::testing::HasSubstr;

// waitpid statuses.
int Exited(int code) { return W_EXITCODE(code, 0); }
int Killed(int signal_number) { return W_EXITCODE(0, signal_number); }

const absl::Time kT0 = absl::FromUnixSeconds(1'000'000);

RestartPolicy Policy(int max_restarts, absl::Duration window) {
  RestartPolicy policy;
  policy.initial_backoff = absl::Milliseconds(100);
  policy.max_backoff = absl::Milliseconds(1000);
  policy.max_restarts = max_restarts;
  policy.window = window;
  return policy;
}

// A process that crashes `run` after it was started, restarted as soon as
// the tracker allows. Returns the decision; `now` moves to the crash.
RestartDecision CrashAfter(RestartTracker& tracker, absl::Time* now,
                           absl::Duration run, int status = Exited(1)) {
  const absl::Time started = *now;
  *now += run;
  RestartDecision decision = tracker.OnExit(status, started, *now);
  *now += decision.delay;
  return decision;
}

TEST(RestartPolicyTest, ConfigKeysReachThePlanAsOnePolicy) {
  absl::StatusOr<PipelineConfig> config = ParseConfig(R"(
pipeline: restarts
run_dir: /tmp/nf-restart-policy-test
restart: { max_restarts: 3, window_seconds: 20, backoff_initial_ms: 50,
           backoff_max_ms: 400 }
stages:
  in: { type: ingest, paths: [x] }
  out: { type: store, inputs: [in], path: out.db }
)",
                                                      "/etc/newsflow/p.yaml");
  ASSERT_TRUE(config.ok()) << config.status();
  absl::StatusOr<PipelinePlan> plan =
      MakePlan(*config, StageRegistry::WithBuiltins());
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->restart.max_restarts, 3);
  EXPECT_EQ(plan->restart.window, absl::Seconds(20));
  EXPECT_EQ(plan->restart.initial_backoff, absl::Milliseconds(50));
  EXPECT_EQ(plan->restart.max_backoff, absl::Milliseconds(400));
}

TEST(RestartPolicyTest, DefaultsWithoutRestartKey) {
  absl::StatusOr<PipelineConfig> config = ParseConfig(R"(
pipeline: defaults
stages:
  in: { type: ingest, paths: [x] }
)",
                                                      "/etc/newsflow/p.yaml");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->restart.max_restarts, 5);
  EXPECT_EQ(config->restart.window, absl::Seconds(60));
  EXPECT_EQ(config->restart.initial_backoff, absl::Milliseconds(100));
  EXPECT_EQ(config->restart.max_backoff, absl::Seconds(5));
}

TEST(RestartPolicyTest, NonPositiveValuesAreRefused) {
  for (const char* setting : {"max_restarts: 0", "window_seconds: -1",
                              "backoff_initial_ms: x", "backoff_max_ms: 0"}) {
    absl::StatusOr<PipelineConfig> config = ParseConfig(
        absl::StrCat("pipeline: p\nrestart: { ", setting,
                     " }\nstages:\n  in: { type: ingest, paths: [x] }\n"),
        "/etc/newsflow/p.yaml");
    EXPECT_FALSE(config.ok()) << setting;
  }
}

TEST(RestartTrackerTest, BackoffDoublesAndStopsAtTheMaximum) {
  RestartTracker tracker(Policy(100, absl::Seconds(600)));
  absl::Time now = kT0;
  std::vector<absl::Duration> delays;
  for (int i = 0; i < 6; ++i) {
    RestartDecision decision = CrashAfter(tracker, &now, absl::Seconds(1));
    ASSERT_EQ(decision.action, RestartDecision::kRestart);
    delays.push_back(decision.delay);
  }
  EXPECT_EQ(delays, (std::vector<absl::Duration>{
                        absl::Milliseconds(100), absl::Milliseconds(200),
                        absl::Milliseconds(400), absl::Milliseconds(800),
                        absl::Milliseconds(1000), absl::Milliseconds(1000)}));
  EXPECT_EQ(tracker.restarts(), 6);
}

TEST(RestartTrackerTest, AProcessThatRanAWhileStartsTheBackoffAfresh) {
  RestartTracker tracker(Policy(100, absl::Seconds(600)));
  absl::Time now = kT0;
  CrashAfter(tracker, &now, absl::Seconds(1));
  CrashAfter(tracker, &now, absl::Seconds(1));
  EXPECT_EQ(tracker.next_delay(), absl::Milliseconds(400));
  // Exactly kStableRun is still a crash loop; longer is not.
  EXPECT_EQ(CrashAfter(tracker, &now, kStableRun).delay,
            absl::Milliseconds(400));
  EXPECT_EQ(CrashAfter(tracker, &now, kStableRun + absl::Seconds(1)).delay,
            absl::Milliseconds(100));
}

TEST(RestartTrackerTest, GivesUpOnTheCrashPastMaxRestartsWithinTheWindow) {
  RestartTracker tracker(Policy(3, absl::Seconds(60)));
  absl::Time now = kT0;
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(CrashAfter(tracker, &now, absl::Seconds(1)).action,
              RestartDecision::kRestart)
        << "crash " << i + 1;
  }
  RestartDecision fourth =
      CrashAfter(tracker, &now, absl::Seconds(1), Killed(SIGSEGV));
  EXPECT_EQ(fourth.action, RestartDecision::kGiveUp);
  EXPECT_EQ(fourth.reason, "it crashed 4 times within 1m");
  EXPECT_EQ(tracker.restarts(), 3);
}

TEST(RestartTrackerTest, TheWindowForgetsOldCrashes) {
  RestartTracker tracker(Policy(2, absl::Seconds(60)));
  absl::Time now = kT0;
  CrashAfter(tracker, &now, absl::Seconds(1));  // t = 1 s
  CrashAfter(tracker, &now, absl::Seconds(1));  // t ~ 2 s
  // 3 crashes within 60 s would fail; the first two are older than that.
  now += absl::Seconds(61);
  EXPECT_EQ(CrashAfter(tracker, &now, absl::Seconds(1)).action,
            RestartDecision::kRestart);
  EXPECT_EQ(CrashAfter(tracker, &now, absl::Seconds(1)).action,
            RestartDecision::kRestart);
  EXPECT_EQ(CrashAfter(tracker, &now, absl::Seconds(1)).action,
            RestartDecision::kGiveUp);
}

TEST(RestartTrackerTest, ACrashExactlyOneWindowOldStillCounts) {
  RestartTracker tracker(Policy(1, absl::Seconds(10)));
  EXPECT_EQ(tracker.OnExit(Exited(1), kT0, kT0).action,
            RestartDecision::kRestart);
  // Crashes are forgotten only when older than the window.
  EXPECT_EQ(tracker.OnExit(Exited(1), kT0, kT0 + absl::Seconds(10)).action,
            RestartDecision::kGiveUp);
  RestartTracker later(Policy(1, absl::Seconds(10)));
  later.OnExit(Exited(1), kT0, kT0);
  EXPECT_EQ(
      later.OnExit(Exited(1), kT0, kT0 + absl::Milliseconds(10'001)).action,
      RestartDecision::kRestart);
}

TEST(RestartTrackerTest, BadConfigIsNeverRestartedNorCounted) {
  RestartTracker tracker(Policy(5, absl::Seconds(60)));
  RestartDecision decision =
      tracker.OnExit(Exited(NEWSFLOW_STAGE_EXIT_BAD_CONFIG), kT0, kT0);
  EXPECT_EQ(decision.action, RestartDecision::kBadConfig);
  EXPECT_EQ(tracker.restarts(), 0);
  EXPECT_EQ(tracker.next_delay(), absl::Milliseconds(100));
  EXPECT_EQ(tracker.OnExit(Killed(SIGKILL), kT0, kT0).action,
            RestartDecision::kRestart);
}

TEST(RestartTrackerTest, StopDeadlineExitAndCleanExitAreCrashesLikeAnyOther) {
  // Exit 75 (NEWSFLOW_STAGE_EXIT_STOP_DEADLINE) is what a stage does when
  // the runner stops it; one that exits that way by itself, or exits 0
  // while the run goes on, is restarted like a crash.
  RestartTracker tracker(Policy(5, absl::Seconds(60)));
  RestartDecision deadline = tracker.OnExit(
      Exited(NEWSFLOW_STAGE_EXIT_STOP_DEADLINE), kT0, kT0 + absl::Seconds(1));
  EXPECT_EQ(deadline.action, RestartDecision::kRestart);
  EXPECT_EQ(deadline.delay, absl::Milliseconds(100));
  RestartDecision clean =
      tracker.OnExit(Exited(0), kT0, kT0 + absl::Seconds(2));
  EXPECT_EQ(clean.action, RestartDecision::kRestart);
  EXPECT_EQ(clean.delay, absl::Milliseconds(200));
  EXPECT_EQ(tracker.restarts(), 2);
}

TEST(RestartTrackerTest, ReasonNamesTheWindowInItsOwnUnits) {
  RestartTracker tracker(Policy(1, absl::Seconds(90)));
  tracker.OnExit(Exited(1), kT0, kT0);
  EXPECT_THAT(tracker.OnExit(Exited(1), kT0, kT0 + absl::Seconds(1)).reason,
              HasSubstr("crashed 2 times within 1m30s"));
}

}  // namespace
}  // namespace newsflow
