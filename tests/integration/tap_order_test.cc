// A source's tap copy of an article (what `newsflow tail` shows) goes out
// only after the journal write that records the article: a watcher never
// sees an article that a crash at that moment would make the source forget.
// The fixture source stays in the poll() that emitted its article for 2 s;
// the host writes a poll's emissions to the journal once the poll returns,
// so a tap copy published at emit time would arrive while the journal is
// still empty.
#include <signal.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/integration/harness.h"
#include "zmq.hpp"

namespace newsflow::testing {
namespace {

TEST(TapOrderTest, ATapCopyComesAfterTheJournalWriteThatRecordsIt) {
  TempDir dir;
  const std::string ipc = absl::StrCat("ipc://", dir.path());
  const std::string journal = dir.path() + "/source.0.journal";
  const std::string spec = dir.Write(
      "launch.json",
      absl::StrCat(
          R"({"pipeline": "tap", "stage": "source",)",
          R"( "type": "fixture_emit_then_wait", "plugin_library": ")",
          NEWSFLOW_BINARY_DIR, R"(/tests/plugin_fixtures/emit_then_wait.so",)",
          R"( "options_json": "{}", "tap_endpoint": ")", ipc, R"(/tap",)",
          R"( "outputs": [{"stage": "sink", "endpoints": [")", ipc,
          R"(/sink"]}], "acks": true, "terminals": ["sink"],)",
          R"( "ack_endpoint": ")", ipc, R"(/ack", "journal_path": ")", journal,
          R"(", "ack_timeout_ms": 60000, "max_in_flight": 100,)",
          R"( "state_dir": ")", dir.path(), R"("})"));
  zmq::context_t context;
  zmq::socket_t sink(context, zmq::socket_type::pull);
  sink.set(zmq::sockopt::linger, 0);
  sink.bind(ipc + "/sink");
  ChildProcess stage(
      {absl::StrCat(NEWSFLOW_BINARY_DIR, "/runner/newsflow-stage"), "--spec",
       spec},
      dir.path());
  zmq::socket_t tap(context, zmq::socket_type::sub);
  tap.set(zmq::sockopt::linger, 0);
  tap.set(zmq::sockopt::subscribe, "");
  tap.set(zmq::sockopt::rcvtimeo, 20000);
  tap.connect(ipc + "/tap");
  // The host takes the subscription in when it next polls its sockets
  // (every 100 ms while the source is idle).
  absl::SleepFor(absl::Seconds(1));
  dir.Write("go", "");

  zmq::message_t sequence, article;
  ASSERT_TRUE(tap.recv(sequence)) << "no tap copy:\n" << stage.Stderr();
  // At the moment the copy is here, its journal record must be too.
  const std::string journaled = ReadFile(journal);
  ASSERT_TRUE(sequence.more());
  ASSERT_TRUE(tap.recv(article));
  EXPECT_TRUE(absl::StrContains(article.to_string(), "tap-order-1"));
  EXPECT_TRUE(absl::StrContains(journaled, "tap-order-1"))
      << "the tap showed an article its journal did not hold yet ("
      << journaled.size() << " journal bytes)";
  EXPECT_TRUE(absl::StrContains(stage.Stderr(), "fixture emitted"));

  // And the article itself went on, journaled.
  sink.set(zmq::sockopt::rcvtimeo, 20000);
  zmq::message_t part;
  ASSERT_TRUE(sink.recv(part)) << stage.Stderr();
  stage.Signal(SIGTERM);
  EXPECT_EQ(stage.Wait(absl::Seconds(10)), 0) << stage.Stderr();
}

}  // namespace
}  // namespace newsflow::testing
