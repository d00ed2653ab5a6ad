// Wiring's sends to outputs: frames as consumers read them, and what a
// send does while an output is full.
#include "runner/host/wiring.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "runner/wire/frame.h"
#include "tests/unit/runner/temp_dir.h"

namespace newsflow {
namespace {

// Counts the waits, and gives up after `patience` of them.
class CountingWait : public Wiring::FullOutputWait {
 public:
  explicit CountingWait(int patience) : patience_(patience) {}
  bool Waiting(std::chrono::steady_clock::time_point since) override {
    if (waits == 0) first_since = since;
    EXPECT_EQ(since, first_since) << "one send, one start";
    return ++waits < patience_;
  }
  void WentThrough() override { went_through++; }

  int waits = 0;
  int went_through = 0;
  std::chrono::steady_clock::time_point first_since{};

 private:
  const int patience_;
};

// A launch whose one output is its own input, so that what it sends
// comes back.
v1::StageLaunch Loopback(const std::string& endpoint) {
  v1::StageLaunch launch;
  launch.set_stage("clean");
  launch.set_input_endpoint(endpoint);
  v1::OutputLink* link = launch.add_outputs();
  link->set_stage("clean");
  link->add_endpoints(endpoint);
  return launch;
}

// Reads one frame, waiting up to a second for it.
std::vector<std::string> ReceiveOne(Wiring& wiring) {
  std::vector<std::string> parts;
  if (!wiring.Poll(1000, /*want_acks=*/false).input) return parts;
  absl::StatusOr<std::vector<zmq::message_t>> frame = wiring.ReceiveFrame();
  EXPECT_TRUE(frame.ok()) << frame.status();
  for (const zmq::message_t& part : *frame) parts.push_back(part.to_string());
  return parts;
}

TEST(WiringTest, SendsEnvelopeAndArticleAsOneFrame) {
  TempDir dir;
  const v1::StageLaunch launch = Loopback("ipc://" + dir.File("clean.0.sock"));
  Wiring wiring(launch, [](const std::string&) {});
  ASSERT_TRUE(wiring.Open().ok());
  CountingWait wait(/*patience=*/100);
  v1::Envelope envelope;
  envelope.set_id("a1");
  const std::string header = envelope.SerializeAsString();
  ASSERT_TRUE(wiring.SendToOutputs({header, "article"}, wait).ok());
  ASSERT_TRUE(wiring.SendToOutputs({"bare"}, wait).ok());
  EXPECT_EQ(ReceiveOne(wiring), (std::vector<std::string>{header, "article"}));
  EXPECT_EQ(ReceiveOne(wiring), std::vector<std::string>{"bare"});
  EXPECT_EQ(wait.waits, 0);
  wiring.Close(0);
}

TEST(WiringTest, ABatchFrameArrivesWholeAndDecodes) {
  TempDir dir;
  const v1::StageLaunch launch = Loopback("ipc://" + dir.File("clean.0.sock"));
  Wiring wiring(launch, [](const std::string&) {});
  ASSERT_TRUE(wiring.Open().ok());
  CountingWait wait(/*patience=*/100);
  FrameBuilder builder;
  v1::Envelope envelope;
  for (int i = 0; i < 3; ++i) {
    envelope.set_seq(i);
    builder.Add(&envelope, "article " + std::to_string(i));
  }
  ASSERT_TRUE(wiring.SendToOutputs(builder.Parts(), wait).ok());
  const std::vector<std::string> parts = ReceiveOne(wiring);
  ASSERT_EQ(parts.size(), 3u);
  const std::vector<absl::string_view> views(parts.begin(), parts.end());
  absl::StatusOr<std::vector<DecodedFrame>> frames =
      DecodeFrames(views, /*truncated=*/false);
  ASSERT_TRUE(frames.ok()) << frames.status();
  ASSERT_EQ(frames->size(), 3u);
  EXPECT_EQ((*frames)[2].article, "article 2");
  EXPECT_EQ((*frames)[2].envelope->seq(), 2u);
  wiring.Close(0);
}

TEST(WiringTest, AFullOutputWaitsUntilTheWaitGivesUp) {
  TempDir dir;
  v1::StageLaunch launch;
  launch.set_stage("ingest");
  // Nobody listens there: the queue fills at its high-water mark.
  launch.set_send_high_water_mark(1);
  launch.add_outputs()->add_endpoints("ipc://" + dir.File("nobody.sock"));
  Wiring wiring(launch, [](const std::string&) {});
  ASSERT_TRUE(wiring.Open().ok());
  CountingWait wait(/*patience=*/2);
  absl::Status status;
  for (int i = 0; i < 10 && status.ok(); ++i) {
    status = wiring.SendToOutputs({"article"}, wait);
  }
  EXPECT_TRUE(absl::IsCancelled(status)) << status;
  EXPECT_EQ(wait.waits, 2);
  EXPECT_EQ(wait.went_through, 0);
  wiring.Close(0);
}

// Links carrying batches count their queue in batches (a configured
// article count / kBatchQueueDivisor); links to replicas carry single
// articles, so their queue keeps the configured count.
TEST(WiringTest, OnlyBatchCarryingLinksHaveShorterQueues) {
  TempDir dir;
  v1::StageLaunch launch;
  launch.set_stage("clean");
  launch.set_send_high_water_mark(800);
  launch.add_outputs()->add_endpoints("ipc://" + dir.File("tag.0.sock"));
  v1::OutputLink* replicated = launch.add_outputs();
  replicated->add_endpoints("ipc://" + dir.File("annotate.0.sock"));
  replicated->add_endpoints("ipc://" + dir.File("annotate.1.sock"));
  Wiring wiring(launch, [](const std::string&) {});
  ASSERT_TRUE(wiring.Open().ok());
  ASSERT_EQ(wiring.outputs().size(), 2u);
  EXPECT_EQ(wiring.outputs()[0].socket->get(zmq::sockopt::sndhwm),
            800 / kBatchQueueDivisor);
  EXPECT_EQ(wiring.outputs()[1].socket->get(zmq::sockopt::sndhwm), 800);
  wiring.Close(0);
}

}  // namespace
}  // namespace newsflow
