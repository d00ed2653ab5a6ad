// Decoding frames from the wire without trusting them, and reading an
// article's id without parsing it.
#include "runner/wire/frame.h"

#include <string>
#include <vector>

#include "common/time.h"
#include "gtest/gtest.h"

namespace newsflow {
namespace {

TEST(DecodeFrameTest, ABareArticleHasNoEnvelope) {
  const std::vector<absl::string_view> parts = {"article bytes"};
  auto frame = DecodeFrame(parts, /*truncated=*/false);
  ASSERT_TRUE(frame.ok()) << frame.status();
  EXPECT_FALSE(frame->envelope.has_value());
  EXPECT_EQ(frame->article, "article bytes");
}

TEST(DecodeFrameTest, TwoPartsAreEnvelopeAndArticle) {
  v1::Envelope envelope;
  envelope.set_id("a1");
  envelope.set_origin_stage("ingest");
  envelope.set_origin_replica(2);
  envelope.set_seq(42);
  const std::string header = envelope.SerializeAsString();
  const std::vector<absl::string_view> parts = {header, "article"};
  auto frame = DecodeFrame(parts, false);
  ASSERT_TRUE(frame.ok()) << frame.status();
  ASSERT_TRUE(frame->envelope.has_value());
  EXPECT_EQ(frame->envelope->id(), "a1");
  EXPECT_EQ(frame->envelope->origin_stage(), "ingest");
  EXPECT_EQ(frame->envelope->origin_replica(), 2);
  EXPECT_EQ(frame->envelope->seq(), 42u);
  EXPECT_EQ(frame->article, "article");
}

TEST(DecodeFrameTest, MalformedFramesSayWhy) {
  const std::vector<absl::string_view> none;
  auto empty = DecodeFrame(none, false);
  EXPECT_EQ(empty.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(empty.status().message(),
            "frame has 0 parts; newsflow frames have 1 or 2");

  const std::vector<absl::string_view> three = {"a", "b", "c"};
  EXPECT_EQ(DecodeFrame(three, false).status().message(),
            "frame has 3 parts; newsflow frames have 1 or 2");

  EXPECT_EQ(
      DecodeFrame(std::vector<absl::string_view>{"a"}, true).status().message(),
      "frame has 1+ parts; newsflow frames have 1 or 2");

  // 0xFF is no valid field tag.
  const std::vector<absl::string_view> bad_envelope = {"\xff\xff\xff",
                                                       "article"};
  auto bad = DecodeFrame(bad_envelope, false);
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().message(), "frame envelope does not parse");
}

TEST(ArticleIdOfTest, FindsTheIdWhereverItIs) {
  v1::Article article;
  article.set_id("a1");
  article.set_title("Title");
  article.set_body(std::string(300, 'b'));  // a multi-byte length
  EXPECT_EQ(ArticleIdOf(article.SerializeAsString()), "a1");

  // Fields after the id on the wire (concatenation merges messages).
  v1::Article first, second;
  first.set_title("Title");
  first.set_body(std::string(300, 'b'));
  second.set_id("late");
  EXPECT_EQ(ArticleIdOf(first.SerializeAsString() + second.SerializeAsString()),
            "late");
}

TEST(ArticleIdOfTest, NoIdOrMalformedBytesGiveNone) {
  v1::Article article;
  article.set_title("Title");
  EXPECT_EQ(ArticleIdOf(article.SerializeAsString()), "");
  EXPECT_EQ(ArticleIdOf(""), "");
  // Field 1, length 50, but only 2 bytes follow.
  EXPECT_EQ(ArticleIdOf(absl::string_view("\x0a\x32xy", 4)), "");
  // An unterminated varint tag.
  EXPECT_EQ(ArticleIdOf("\xff"), "");
}

// The writer's cached encoding gives the bytes AppendTraceHop gives, over
// second boundaries and for any stage name, replica and pid.
TEST(TraceHopWriterTest, WritesWhatAppendTraceHopWrites) {
  struct Host {
    std::string stage;
    int replica;
    int pid;
  } hosts[] = {{"pass1", 0, 4242}, {std::string(200, 's'), 3, 1}};
  const absl::Time base = absl::FromUnixMicros(1796000000999998);
  for (const Host& host : hosts) {
    TraceHopWriter writer(host.stage, host.replica, host.pid);
    for (int64_t step : {0LL, 1LL, 2LL, 3LL, 1000000LL, 3600000000LL}) {
      const absl::Time at = base + absl::Microseconds(step);
      v1::TraceHop hop;
      hop.set_stage(host.stage);
      hop.set_at(FormatRfc3339Micros(at));
      hop.set_replica(host.replica);
      hop.set_pid(host.pid);
      std::string expected = "prefix";
      AppendTraceHop(hop, &expected);
      std::string written = "prefix";
      writer.Append(at, &written);
      EXPECT_EQ(written, expected) << hop.at();
    }
  }
}

}  // namespace
}  // namespace newsflow
