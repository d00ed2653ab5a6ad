// SIGTERM is honoured within NEWSFLOW_STAGE_STOP_DEADLINE_MS by every stage
// process, whatever its stage is doing: a plugin hanging in poll() or
// process() (the host's deadline ends the process without it), a feed
// fetch that the server never answers (the fetcher gives up when the host
// says it is stopping, and the stage exits cleanly), an idle stage (flushed
// and exit 0 as always); and `newsflow run` stops promptly around them.
//
// The hangs last 60 s, so each bound below fails if the deadline is gone;
// the bounds leave slack for a loaded machine and are no benchmark.
#include <signal.h>
#include <sys/stat.h>

#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "newsflow/stage_plugin.h"
#include "newsflow/v1/article.pb.h"
#include "tests/integration/harness.h"
#include "tests/support/test_http_server.h"
#include "zmq.hpp"

namespace newsflow::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr absl::Duration kStopBound = absl::Seconds(3);

std::string Fixture(const std::string& name) {
  return absl::StrCat(NEWSFLOW_BINARY_DIR, "/tests/plugin_fixtures/", name,
                      ".so");
}

// One stage process, started from a launch spec as the runner would.
std::unique_ptr<ChildProcess> StartStage(const TempDir& dir,
                                         const std::string& spec_json) {
  const std::string spec = dir.Write("launch.json", spec_json);
  return std::make_unique<ChildProcess>(
      std::vector<std::string>{
          absl::StrCat(NEWSFLOW_BINARY_DIR, "/runner/newsflow-stage"), "--spec",
          spec},
      dir.path());
}

struct Stopped {
  int exit_code = -1;
  absl::Duration took;
};

// Sends `signal_number` once `ready` is true; waits for the exit.
Stopped SignalWhen(ChildProcess& process, const std::function<bool()>& ready,
                   int signal_number = SIGTERM) {
  EXPECT_TRUE(WaitFor(ready, absl::Seconds(60))) << "never ready:\n"
                                                 << process.Stderr();
  const absl::Time start = absl::Now();
  process.Signal(signal_number);
  Stopped stopped;
  stopped.exit_code = process.Wait(absl::Seconds(60));
  stopped.took = absl::Now() - start;
  // For the test log: how long the stop took.
  std::cout << "stopped in " << absl::FormatDuration(stopped.took)
            << ", exit code " << stopped.exit_code << std::endl;
  return stopped;
}

// SignalWhen `ready` is on the process's stderr.
Stopped SignalWhenReady(ChildProcess& process, const std::string& ready) {
  return SignalWhen(process,
                    [&] { return absl::StrContains(process.Stderr(), ready); });
}

TEST(ShutdownTest, APluginHangingInPollIsEndedAtTheDeadline) {
  TempDir dir;
  std::unique_ptr<ChildProcess> stage = StartStage(
      dir, absl::StrCat(R"({"pipeline": "hang", "stage": "source",)",
                        R"( "type": "fixture_hang_in_poll",)",
                        R"( "plugin_library": ")", Fixture("hang_in_poll"),
                        R"(", "options_json": "{}"})"));
  Stopped stopped = SignalWhenReady(*stage, "fixture hanging in poll()");
  EXPECT_LT(stopped.took, kStopBound);
  EXPECT_GE(stopped.took,
            absl::Milliseconds(NEWSFLOW_STAGE_STOP_DEADLINE_MS) * 0.9);
  EXPECT_EQ(stopped.exit_code, NEWSFLOW_STAGE_EXIT_STOP_DEADLINE)
      << stage->Stderr();
  EXPECT_THAT(stage->Stderr(),
              HasSubstr(absl::StrCat("stage 'source' still in poll() ",
                                     NEWSFLOW_STAGE_STOP_DEADLINE_MS,
                                     " ms after the stop signal")));
}

class ShutdownProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    stage_ = StartStage(
        dir_,
        absl::StrCat(R"({"pipeline": "hang", "stage": "slow",)",
                     R"( "type": "fixture_hang_in_process",)",
                     R"( "plugin_library": ")", Fixture("hang_in_process"),
                     R"(", "options_json": "{}", "input_endpoint": ")", Input(),
                     R"("})"));
  }
  std::string Input() const {
    return absl::StrCat("ipc://", dir_.path(), "/in");
  }

  TempDir dir_;
  std::unique_ptr<ChildProcess> stage_;
};

TEST_F(ShutdownProcessTest, APluginHangingInProcessIsEndedAtTheDeadline) {
  zmq::context_t context;
  zmq::socket_t push(context, zmq::socket_type::push);
  push.set(zmq::sockopt::linger, 0);
  push.connect(Input());
  v1::Article article;
  article.set_id("stuck-1");
  article.set_title("An input the stage never finishes");
  ASSERT_TRUE(push.send(zmq::buffer(article.SerializeAsString()),
                        zmq::send_flags::none));
  Stopped stopped = SignalWhenReady(*stage_, "fixture hanging in process()");
  EXPECT_LT(stopped.took, kStopBound);
  EXPECT_EQ(stopped.exit_code, NEWSFLOW_STAGE_EXIT_STOP_DEADLINE)
      << stage_->Stderr();
  EXPECT_THAT(stage_->Stderr(), HasSubstr("stage 'slow' still in process()"));
  EXPECT_THAT(stage_->Stderr(), Not(HasSubstr("fixture flushed")));
}

TEST_F(ShutdownProcessTest, AnIdleStageFlushesAndExitsCleanly) {
  // Idle between inputs: the ordinary stop, well within the deadline.
  Stopped stopped = SignalWhenReady(*stage_, "fixture ready");
  EXPECT_EQ(stopped.exit_code, 0) << stage_->Stderr();
  EXPECT_LT(stopped.took, absl::Milliseconds(NEWSFLOW_STAGE_STOP_DEADLINE_MS));
  EXPECT_THAT(stage_->Stderr(), HasSubstr("fixture flushed"));
  EXPECT_THAT(stage_->Stderr(), Not(HasSubstr("ms after the stop signal")));
}

// A feed whose server takes the request and never answers (for 60 s).
struct SilentFeed {
  SilentFeed() {
    HttpResponse silent;
    silent.delay_ms = 60000;
    server.Set("/feed.xml", silent);
  }
  std::string Url() const { return server.Url("/feed.xml"); }
  bool Asked() const { return server.RequestCount("/feed.xml") > 0; }

  TestHttpServer server;
};

// The cooperative path: the built-in fetcher gives up when the host says
// it is stopping, so the stage returns from poll() and stops cleanly.
TEST(ShutdownTest, AFeedFetchNeverAnsweredIsAbandonedAndTheStageExitsCleanly) {
  SilentFeed feed;
  ASSERT_TRUE(feed.server.ok());
  TempDir dir;
  const std::string options = absl::StrCat(
      R"({\"fetch_timeout_ms\": 60000, \"sources\": [{\"feed\": \")",
      feed.Url(), R"(\"}]})");
  std::unique_ptr<ChildProcess> stage =
      StartStage(dir, absl::StrCat(R"({"pipeline": "hang", "stage": "ingest",)",
                                   R"( "type": "ingest", "options_json": ")",
                                   options, R"("})"));
  Stopped stopped = SignalWhen(*stage, [&] { return feed.Asked(); });
  EXPECT_EQ(stopped.exit_code, 0) << stage->Stderr();
  EXPECT_LT(stopped.took, kStopBound);
  EXPECT_THAT(stage->Stderr(),
              HasSubstr("/feed.xml: abandoned, the stage is stopping"));
}

// End to end: the runner asks its sources to drain first, which a source
// stuck in a fetch cannot hear; it must not wait long for that.
TEST(ShutdownTest, RunStopsPromptlyWhileItsFeedHangs) {
  SilentFeed feed;
  ASSERT_TRUE(feed.server.ok());
  TempDir dir;
  const std::string config = dir.Write(
      "pipeline.yaml",
      absl::StrCat("pipeline: hang\nrun_dir: ", dir.path(),
                   "/run\nstate_dir: ", dir.path(),
                   "/state\nstages:\n"
                   "  ingest:\n    type: ingest\n    fetch_timeout_ms: 60000\n"
                   "    sources:\n      - feed: ",
                   feed.Url(),
                   "\n  store:  { type: store, inputs: [ingest], path: ",
                   dir.path(), "/news.db }\n"));
  ChildProcess runner({NewsflowBinary(), "run", config}, dir.path());
  Stopped stopped = SignalWhen(
      runner, [&] { return feed.Asked(); }, SIGINT);
  EXPECT_EQ(stopped.exit_code, 0) << runner.Stderr();
  EXPECT_LT(stopped.took, absl::Seconds(5)) << runner.Stderr();
  EXPECT_THAT(runner.Stderr(),
              HasSubstr("ingest.0 is busy reading and cannot drain"));
  EXPECT_THAT(runner.Stderr(), Not(HasSubstr("killing it")));
}

// Idle (a watched, empty folder): nothing to wait for, and the summary
// says the run stopped, not that it finished.
TEST(ShutdownTest, AnIdleRunStopsOnSigintAndSaysSo) {
  TempDir dir;
  const std::string inbox = dir.path() + "/inbox";
  ASSERT_EQ(mkdir(inbox.c_str(), 0700), 0);
  const std::string config =
      dir.Write("pipeline.yaml",
                absl::StrCat("pipeline: idle\nrun_dir: ", dir.path(),
                             "/run\nstate_dir: ", dir.path(),
                             "/state\nstages:\n"
                             "  ingest: { type: ingest, watch: true, paths: [",
                             inbox,
                             "] }\n"
                             "  clean:  { type: clean, inputs: [ingest] }\n"
                             "  tag:    { type: tag, inputs: [clean] }\n"
                             "  store:  { type: store, inputs: [tag], path: ",
                             dir.path(), "/news.db }\n"));
  const std::string summary = dir.path() + "/summary.json";
  ChildProcess runner(
      {NewsflowBinary(), "run", config, "--summary-json", summary}, dir.path());
  Stopped stopped = SignalWhen(
      runner,
      [&] { return absl::StrContains(runner.Stderr(), "storing into"); },
      SIGINT);
  EXPECT_EQ(stopped.exit_code, 0) << runner.Stderr();
  EXPECT_THAT(runner.Stdout(),
              HasSubstr("pipeline 'idle' stopped by SIGINT after "));
  EXPECT_THAT(runner.Stdout(),
              HasSubstr(": 0 read, 0 stored; nothing pending"));
  EXPECT_THAT(runner.Stderr(), Not(HasSubstr("killing it")));
  EXPECT_THAT(ReadFile(summary), HasSubstr(R"("outcome":"stopped")"));
  EXPECT_THAT(ReadFile(summary), HasSubstr(R"("pending":0)"));
}

}  // namespace
}  // namespace newsflow::testing
