// The counters a stage process reports, and when it reports them.
#include "runner/host/reporter.h"

#include <string>

#include "gtest/gtest.h"

namespace newsflow {
namespace {

using Clock = Reporter::Clock;
using std::chrono::milliseconds;

v1::StageReport Parse(const std::string& bytes) {
  v1::StageReport report;
  EXPECT_TRUE(report.ParseFromString(bytes));
  return report;
}

TEST(ReporterTest, ANewReportNamesTheReplicaAndHasEmptyBuckets) {
  Reporter reporter("clean", 2, 4321);
  const v1::StageReport& report = reporter.report();
  EXPECT_EQ(report.stage(), "clean");
  EXPECT_EQ(report.replica(), 2);
  EXPECT_EQ(report.pid(), 4321);
  ASSERT_EQ(report.latency_buckets_size(), kLatencyBuckets);
  for (int64_t count : report.latency_buckets()) EXPECT_EQ(count, 0);
}

TEST(LatencyBucketTest, ACallCountsInTheFirstBucketItDoesNotExceed) {
  EXPECT_EQ(LatencyBucket(0), 0);
  EXPECT_EQ(LatencyBucket(10'000), 0);  // exactly 10 us
  EXPECT_EQ(LatencyBucket(10'001), 1);
  EXPECT_EQ(LatencyBucket(30'000), 1);
  EXPECT_EQ(LatencyBucket(1'000'000'000), kLatencyBuckets - 2);  // 1 s
  EXPECT_EQ(LatencyBucket(1'000'000'001), kLatencyBuckets - 1);
  EXPECT_EQ(LatencyBucket(int64_t{1} << 60), kLatencyBuckets - 1);
}

TEST(ReporterTest, CallsCountAsBusyAndInTheHistogramFlushesOnlyAsBusy) {
  Reporter reporter("clean", 0, 1);
  reporter.Called(5'000);        // 5 us
  reporter.Called(2'000'000);    // 2 ms
  reporter.Called(2'500'000);    // 2.5 ms
  reporter.Busy(7'000'000'000);  // a 7 s flush
  const v1::StageReport& report = reporter.report();
  EXPECT_EQ(report.busy_ns(), 5'000 + 2'000'000 + 2'500'000 + 7'000'000'000);
  EXPECT_EQ(report.latency_buckets(0), 1);
  EXPECT_EQ(report.latency_buckets(5), 2);  // (1 ms, 3 ms]
  EXPECT_EQ(report.latency_buckets(kLatencyBuckets - 1), 0);
}

TEST(ReporterTest, CountsInputsOutputsAndFailures) {
  Reporter reporter("clean", 0, 1);
  reporter.Received(100);
  reporter.Received(50);
  reporter.Emitted(70);
  reporter.Failed();
  reporter.DeadLettered();
  reporter.SetPendingAcks(12);
  const v1::StageReport& report = reporter.report();
  EXPECT_EQ(report.received(), 2);
  EXPECT_EQ(report.bytes_in(), 150);
  EXPECT_EQ(report.emitted(), 1);
  EXPECT_EQ(report.bytes_out(), 70);
  EXPECT_EQ(report.failed(), 1);
  EXPECT_EQ(report.dead_letters(), 1);
  EXPECT_EQ(report.pending_acks(), 12);
  // Completed catches up with what was received, no further.
  EXPECT_EQ(report.completed(), 0);
  reporter.Completed();
  EXPECT_EQ(reporter.report().completed(), 2);
}

TEST(ReporterTest, AReportIsDueEveryInterval) {
  Reporter reporter("clean", 0, 1);
  const Clock::time_point t0 = Clock::now();
  EXPECT_TRUE(reporter.Due(t0));  // never reported
  reporter.Take(false, 0, t0);
  EXPECT_FALSE(reporter.Due(t0 + Reporter::kInterval - milliseconds(1)));
  EXPECT_TRUE(reporter.Due(t0 + Reporter::kInterval));
  reporter.Skip(t0 + Reporter::kInterval);
  EXPECT_FALSE(reporter.Due(t0 + Reporter::kInterval + milliseconds(1)));
}

TEST(ReporterTest, TakeSerializesTheReportWithFinalAndPeakMemory) {
  Reporter reporter("store", 1, 1);
  reporter.Received(10);
  v1::StageReport sent = Parse(reporter.Take(false, 2048, Clock::now()));
  EXPECT_EQ(sent.stage(), "store");
  EXPECT_EQ(sent.received(), 1);
  EXPECT_EQ(sent.peak_rss_kib(), 2048);
  EXPECT_FALSE(sent.final());
  EXPECT_TRUE(Parse(reporter.Take(true, 2048, Clock::now())).final());
}

TEST(ReporterTest, AWaitOnAFullQueueShowsWhileItLasts) {
  Reporter reporter("clean", 0, 1);
  const Clock::time_point t0 = Clock::now();
  reporter.BlockedSince(t0);
  // Reports during the wait show it so far...
  EXPECT_EQ(Parse(reporter.Take(false, 0, t0 + milliseconds(5))).blocked_ns(),
            5'000'000);
  EXPECT_EQ(Parse(reporter.Take(false, 0, t0 + milliseconds(9))).blocked_ns(),
            9'000'000);
  // ...without counting it twice once it is over.
  reporter.Unblocked(t0 + milliseconds(10));
  EXPECT_EQ(reporter.report().blocked_ns(), 10'000'000);
  EXPECT_EQ(Parse(reporter.Take(false, 0, t0 + milliseconds(50))).blocked_ns(),
            10'000'000);
}

TEST(ReporterTest, SourceProgressIsUpdatedInPlaceByName) {
  Reporter reporter("ingest", 0, 1);
  reporter.SetSourceProgress("feeds", 10, 8, 1);
  reporter.SetSourceProgress("files", 3, 3, 0);
  reporter.SetSourceProgress("feeds", 20, 17, 2);
  const v1::StageReport& report = reporter.report();
  ASSERT_EQ(report.sources_size(), 2);
  EXPECT_EQ(report.sources(0).name(), "feeds");
  EXPECT_EQ(report.sources(0).seen(), 20);
  EXPECT_EQ(report.sources(0).added(), 17);
  EXPECT_EQ(report.sources(0).failed(), 2);
  EXPECT_EQ(report.sources(1).name(), "files");
}

TEST(ReporterTest, PeakRssIsReadFromTheKernel) {
  // Every live Linux process has a resident set.
  EXPECT_GT(PeakRssKib(), 0);
}

}  // namespace
}  // namespace newsflow
