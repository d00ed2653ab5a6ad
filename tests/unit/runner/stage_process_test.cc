// Stage processes (runner/supervise/stage_process.h): launching with the
// spec on fd 3, relaying output line by line, and counters that survive
// restarts. The launched "stage" is a shell script.
#include "runner/supervise/stage_process.h"

#include <poll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace newsflow {
namespace {

using ::testing::ElementsAre;

TEST(DescribeExitTest, NamesTheCodeOrTheSignal) {
  EXPECT_EQ(DescribeExit(W_EXITCODE(3, 0)), "exited with code 3");
  EXPECT_EQ(DescribeExit(W_EXITCODE(0, SIGKILL)),
            "was killed by signal 9 (Killed)");
}

class LaunchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/newsflow-stage-process-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
    script_ = dir_ + "/fake-stage";
    std::ofstream(script_) << "#!/bin/sh\n"
                              "echo \"args: $*\"\n"
                              "echo \"spec: $(cat <&3)\" >&2\n"
                              "printf 'no newline'\n"
                              "exit 7\n";
    chmod(script_.c_str(), 0700);
  }
  void TearDown() override {
    unlink(script_.c_str());
    rmdir(dir_.c_str());
  }

  std::string dir_;
  std::string script_;
};

TEST_F(LaunchTest, PassesTheSpecOnFd3AndRelaysEveryLine) {
  absl::StatusOr<StageProcessHandle> started = LaunchStageProcess(
      script_, "run/clean.0", "clean.0", R"({"stage":"clean"})");
  ASSERT_TRUE(started.ok()) << started.status();
  StderrRelay relay;
  relay.Attach(started->stderr_fd);
  std::vector<std::string> lines;
  while (relay.open()) {
    pollfd item = {relay.fd(), POLLIN, 0};
    ASSERT_GT(poll(&item, 1, 10'000), 0);
    relay.Read([&lines](const std::string& line) { lines.push_back(line); });
  }
  int status = 0;
  ASSERT_EQ(waitpid(started->pid, &status, 0), started->pid);
  EXPECT_EQ(DescribeExit(status), "exited with code 7");
  EXPECT_THAT(lines, ElementsAre("args: --spec-fd 3 --name run/clean.0",
                                 R"(spec: {"stage":"clean"})", "no newline"));
  EXPECT_EQ(relay.Tail(),
            "\n    args: --spec-fd 3 --name run/clean.0"
            "\n    spec: {\"stage\":\"clean\"}\n    no newline");
}

TEST_F(LaunchTest, AMissingBinaryExits127SayingWhy) {
  // As the runner does (stage_process.h): the child may die before it reads
  // its spec.
  signal(SIGPIPE, SIG_IGN);
  absl::StatusOr<StageProcessHandle> started =
      LaunchStageProcess(dir_ + "/absent", "x", "x.0", "{}");
  ASSERT_TRUE(started.ok()) << started.status();
  StderrRelay relay;
  relay.Attach(started->stderr_fd);
  int status = 0;
  ASSERT_EQ(waitpid(started->pid, &status, 0), started->pid);
  std::vector<std::string> lines;
  relay.Drain([&lines](const std::string& line) { lines.push_back(line); });
  EXPECT_FALSE(relay.open());
  EXPECT_EQ(DescribeExit(status), "exited with code 127");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_THAT(lines[0], ::testing::HasSubstr("cannot execute"));
}

TEST(StderrRelayTest, KeepsTheLastTenLines) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  for (int i = 0; i < 12; ++i) {
    std::string line = "line " + std::to_string(i) + "\n";
    ASSERT_EQ(write(fds[1], line.data(), line.size()),
              static_cast<ssize_t>(line.size()));
  }
  close(fds[1]);
  StderrRelay relay;
  relay.Attach(fds[0]);
  int emitted = 0;
  relay.Read([&emitted](const std::string&) { ++emitted; });
  EXPECT_EQ(emitted, 12);
  EXPECT_FALSE(relay.open());
  EXPECT_EQ(relay.Tail().rfind("\n    line 2\n", 0), 0u) << relay.Tail();
}

TEST(ReplicaCountersTest, AnEndedProcessCountsOnInTheTotals) {
  ReplicaCounters counters;
  counters.current.set_received(10);
  counters.current.set_emitted(9);
  counters.current.set_completed(8);
  counters.current.set_failed(1);
  counters.current.set_peak_rss_kib(500);
  counters.current.add_latency_buckets(2);
  counters.current.add_latency_buckets(3);
  v1::SourceProgress* source = counters.current.add_sources();
  source->set_name("feed");
  source->set_seen(4);
  counters.ProcessEnded();
  EXPECT_EQ(counters.current.received(), 0);

  counters.current.set_received(5);
  counters.current.set_peak_rss_kib(300);
  counters.current.set_pending_acks(2);
  counters.current.add_latency_buckets(1);
  counters.current.add_latency_buckets(1);
  source = counters.current.add_sources();
  source->set_name("feed");
  source->set_seen(6);
  EXPECT_EQ(counters.received(), 15);
  EXPECT_EQ(counters.emitted(), 9);
  EXPECT_EQ(counters.completed(), 8);
  EXPECT_EQ(counters.failed(), 1);

  v1::StageReport totals = counters.Totals();
  EXPECT_EQ(totals.received(), 15);
  EXPECT_EQ(totals.pending_acks(), 2) << "the current process's own";
  EXPECT_THAT(totals.latency_buckets(), ElementsAre(3, 4));

  counters.ProcessEnded();
  EXPECT_EQ(counters.earlier.peak_rss_kib(), 500);
  ASSERT_EQ(counters.earlier.sources_size(), 1);
  EXPECT_EQ(counters.earlier.sources(0).seen(), 10);
  EXPECT_THAT(counters.earlier.latency_buckets(), ElementsAre(3, 4));
}

TEST(ReplicaCountersTest, WhatAnEndedProcessHadNotReadLeavesTheByteTotal) {
  ReplicaCounters counters;
  v1::SourceProgress* source = counters.current.add_sources();
  source->set_name("files /in");
  source->set_bytes_read(300);
  source->set_bytes_total(1000);
  counters.ProcessEnded();
  // The successor lists the 700 unread bytes again as its own total.
  source = counters.current.add_sources();
  source->set_name("files /in");
  source->set_bytes_read(200);
  source->set_bytes_total(700);
  const v1::StageReport totals = counters.Totals();
  ASSERT_EQ(totals.sources_size(), 1);
  EXPECT_EQ(totals.sources(0).bytes_read(), 500);
  EXPECT_EQ(totals.sources(0).bytes_total(), 1000);
}

}  // namespace
}  // namespace newsflow
