#include "runner/supervise/run_outcome.h"

#include "gtest/gtest.h"

namespace newsflow {
namespace {

RunOutcome Stopped() {
  RunOutcome outcome;
  outcome.kind = RunOutcome::Kind::kStopped;
  outcome.signal = "SIGINT";
  outcome.seconds = 3.2;
  outcome.read = 812;
  outcome.stored = 640;
  outcome.pending = 172;
  return outcome;
}

TEST(RunOutcomeTest, AStoppedRunSaysWhatIsPendingAndWhereItGoes) {
  EXPECT_EQ(DescribeOutcome("demo", Stopped()),
            "pipeline 'demo' stopped by SIGINT after 3.20 s: 812 read, 640 "
            "stored; 172 pending in the source journal, re-sent on the next "
            "run");
}

TEST(RunOutcomeTest, AStoppedRunWithNothingPendingSaysSo) {
  RunOutcome outcome = Stopped();
  outcome.pending = 0;
  outcome.stored = 812;
  EXPECT_EQ(DescribeOutcome("demo", outcome),
            "pipeline 'demo' stopped by SIGINT after 3.20 s: 812 read, 812 "
            "stored; nothing pending");
}

TEST(RunOutcomeTest, WithoutAcknowledgementsNothingIsPromisedForLater) {
  RunOutcome outcome = Stopped();
  outcome.acks = false;
  EXPECT_EQ(DescribeOutcome("demo", outcome),
            "pipeline 'demo' stopped by SIGINT after 3.20 s: 812 read, 640 "
            "stored; without acknowledgements nothing is kept to re-send");
}

TEST(RunOutcomeTest, FinishedAndFailedRunsKeepTheirShortLine) {
  RunOutcome outcome;
  outcome.seconds = 0.31;
  EXPECT_EQ(DescribeOutcome("demo", outcome),
            "pipeline 'demo' finished after 0.31 s");
  outcome.kind = RunOutcome::Kind::kFailed;
  EXPECT_EQ(DescribeOutcome("demo", outcome),
            "pipeline 'demo' FAILED after 0.31 s");
  EXPECT_STREQ(OutcomeName(RunOutcome::Kind::kFailed), "failed");
}

}  // namespace
}  // namespace newsflow
