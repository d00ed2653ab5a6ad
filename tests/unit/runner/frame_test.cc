// Decoding frames from the wire without trusting them, and reading an
// article's id without parsing it.
#include "runner/wire/frame.h"

#include <string>
#include <vector>

#include "common/time.h"
#include "gmock/gmock.h"
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
    for (int64_t step :
         {0LL, 1LL, 2LL, 3LL, 123457LL, 1000000LL, 3600000000LL}) {
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

// Invented articles of a few sizes, each with an envelope naming it.
std::vector<std::pair<v1::Envelope, std::string>> Invented(int count) {
  std::vector<std::pair<v1::Envelope, std::string>> out;
  for (int i = 0; i < count; ++i) {
    v1::Envelope envelope;
    envelope.set_id("story-" + std::to_string(i));
    envelope.set_origin_stage("ingest");
    envelope.set_seq(100 + i);
    v1::Article article;
    article.set_id(envelope.id());
    article.set_body(std::string(10 + 97 * i, 'q'));
    out.emplace_back(envelope, article.SerializeAsString());
  }
  return out;
}

std::vector<std::string> Copy(const std::vector<absl::string_view>& parts) {
  return std::vector<std::string>(parts.begin(), parts.end());
}

std::vector<absl::string_view> Views(const std::vector<std::string>& parts) {
  return std::vector<absl::string_view>(parts.begin(), parts.end());
}

TEST(FrameBuilderTest, OneArticleIsAPlainFrame) {
  const auto articles = Invented(1);
  FrameBuilder builder;
  builder.Add(&articles[0].first, articles[0].second);
  EXPECT_EQ(Copy(builder.Parts()),
            (std::vector<std::string>{articles[0].first.SerializeAsString(),
                                      articles[0].second}));
  builder.Clear();
  builder.Add(nullptr, "bare");
  EXPECT_EQ(Copy(builder.Parts()), std::vector<std::string>{"bare"});
  builder.Clear();
  EXPECT_TRUE(builder.Parts().empty());
}

TEST(FrameBuilderTest, ListsTheArticlesItHolds) {
  const auto articles = Invented(3);
  FrameBuilder builder;
  EXPECT_TRUE(builder.Articles().empty());
  for (const auto& [envelope, bytes] : articles) builder.Add(&envelope, bytes);
  EXPECT_EQ(Copy(builder.Articles()),
            (std::vector<std::string>{articles[0].second, articles[1].second,
                                      articles[2].second}));
  builder.Clear();
  builder.Add(nullptr, "bare");
  EXPECT_EQ(Copy(builder.Articles()), std::vector<std::string>{"bare"});
}

TEST(FrameBuilderTest, SeveralArticlesRoundTripAsABatch) {
  for (bool with_envelopes : {true, false}) {
    const auto articles = Invented(5);
    FrameBuilder builder;
    for (const auto& [envelope, bytes] : articles) {
      ASSERT_TRUE(builder.Fits(with_envelopes, bytes.size()));
      builder.Add(with_envelopes ? &envelope : nullptr, bytes);
    }
    const std::vector<std::string> parts = Copy(builder.Parts());
    ASSERT_EQ(parts.size(), 3u);
    EXPECT_TRUE(IsBatchFrame(Views(parts)));
    auto frames = DecodeFrames(Views(parts), /*truncated=*/false);
    ASSERT_TRUE(frames.ok()) << frames.status();
    ASSERT_EQ(frames->size(), articles.size());
    for (size_t i = 0; i < articles.size(); ++i) {
      EXPECT_EQ((*frames)[i].article, articles[i].second);
      ASSERT_EQ((*frames)[i].envelope.has_value(), with_envelopes);
      if (with_envelopes) {
        EXPECT_EQ((*frames)[i].envelope->SerializeAsString(),
                  articles[i].first.SerializeAsString());
      }
    }
  }
}

// A stage host decodes into the same vector frame after frame and passes
// each input's envelope bytes on as they came: what it sends is what a
// builder given the parsed envelopes sends, and nothing of an earlier
// frame shows through.
TEST(DecodeFramesIntoTest, ReusedFramesAndEnvelopeBytesCarryOnUnchanged) {
  const auto articles = Invented(4);
  FrameBuilder built;
  for (const auto& [envelope, bytes] : articles) built.Add(&envelope, bytes);
  const std::vector<std::string> batch = Copy(built.Parts());
  std::vector<DecodedFrame> frames;
  ASSERT_TRUE(DecodeFramesInto(Views(batch), false, &frames).ok());
  ASSERT_EQ(frames.size(), 4u);
  FrameBuilder forwarded;
  for (const DecodedFrame& frame : frames) {
    ASSERT_TRUE(frame.envelope.has_value());
    EXPECT_EQ(frame.envelope_bytes, frame.envelope->SerializeAsString());
    forwarded.AddSerialized(&frame.envelope_bytes, frame.article);
  }
  EXPECT_EQ(Copy(forwarded.Parts()), batch);
  // A bare article next: one frame, without the last batch's envelope.
  const std::vector<std::string> bare = {"bare"};
  ASSERT_TRUE(DecodeFramesInto(Views(bare), false, &frames).ok());
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_FALSE(frames[0].envelope.has_value());
  EXPECT_TRUE(frames[0].envelope_bytes.empty());
  EXPECT_EQ(frames[0].article, "bare");
  // Then [envelope, article]: the envelope is parsed afresh, not merged.
  v1::Envelope lone;
  lone.set_id("lone");
  const std::vector<std::string> plain = {lone.SerializeAsString(), "text"};
  ASSERT_TRUE(DecodeFramesInto(Views(plain), false, &frames).ok());
  ASSERT_EQ(frames.size(), 1u);
  ASSERT_TRUE(frames[0].envelope.has_value());
  EXPECT_EQ(frames[0].envelope->SerializeAsString(), plain[0]);
  EXPECT_EQ(frames[0].envelope_bytes, plain[0]);
  // A malformed frame is an error whatever the vector held.
  const std::vector<std::string> three = {"a", "b", "c"};
  EXPECT_FALSE(DecodeFramesInto(Views(three), false, &frames).ok());
}

TEST(FrameBuilderTest, PlainFramesDecodeAsOneArticle) {
  auto frames =
      DecodeFrames(std::vector<absl::string_view>{"bare"}, /*truncated=*/false);
  ASSERT_TRUE(frames.ok()) << frames.status();
  ASSERT_EQ(frames->size(), 1u);
  EXPECT_EQ((*frames)[0].article, "bare");
  EXPECT_FALSE((*frames)[0].envelope.has_value());
}

TEST(FrameBuilderTest, CapsByCountBytesAndKind) {
  FrameBuilder builder;
  EXPECT_TRUE(builder.Fits(true, kBatchMaxBytes * 2)) << "empty takes any";
  v1::Envelope envelope;
  for (int i = 0; i < kBatchMaxArticles; ++i) {
    ASSERT_TRUE(builder.Fits(true, 10)) << i;
    builder.Add(&envelope, "0123456789");
  }
  EXPECT_FALSE(builder.Fits(true, 10)) << "count cap";
  builder.Clear();
  builder.Add(&envelope, "x");
  EXPECT_FALSE(builder.Fits(false, 1)) << "bare after enveloped";
  EXPECT_FALSE(builder.Fits(true, kBatchMaxBytes)) << "byte cap";
  EXPECT_TRUE(builder.Fits(true, kBatchMaxBytes / 2));
}

TEST(FrameBuilderTest, ACapOfOneSendsSingleArticles) {
  FrameBuilder builder;
  v1::Envelope envelope;
  builder.set_max_articles(1);
  EXPECT_TRUE(builder.Fits(true, 10)) << "empty takes any";
  builder.Add(&envelope, "a");
  EXPECT_FALSE(builder.Fits(true, 10));
  EXPECT_EQ(builder.Parts().size(), 2u) << "a plain [envelope, article]";
  builder.Clear();
  builder.set_max_articles(0);  // never below one
  builder.Add(&envelope, "a");
  EXPECT_FALSE(builder.Fits(true, 10));
  builder.Clear();
  builder.set_max_articles(1000);  // never above the batch cap
  for (int i = 0; i < kBatchMaxArticles; ++i) builder.Add(&envelope, "x");
  EXPECT_FALSE(builder.Fits(true, 1));
}

TEST(FrameHighWaterMarkTest, QueuesOfBatchesHoldABoundedShareMore) {
  EXPECT_EQ(FrameHighWaterMark(1000), 1000 / kBatchQueueDivisor);
  EXPECT_EQ(FrameHighWaterMark(1), 1) << "never unbounded by rounding";
  EXPECT_EQ(FrameHighWaterMark(0), 0) << "libzmq's default";
}

TEST(DecodeFramesTest, MalformedBatchesAreRejectedWholeWithTheReason) {
  const auto articles = Invented(3);
  FrameBuilder builder;
  for (const auto& [envelope, bytes] : articles) builder.Add(&envelope, bytes);
  const std::vector<std::string> good = Copy(builder.Parts());
  auto decode = [](std::vector<std::string> parts) {
    return DecodeFrames(Views(parts), /*truncated=*/false).status();
  };
  ASSERT_TRUE(decode(good).ok());

  std::vector<std::string> truncated = good;
  truncated[2].resize(truncated[2].size() - 1);
  EXPECT_EQ(decode(truncated).message(),
            "batch frame: article 3 of 3 runs past the end of its part (" +
                std::to_string(truncated[2].size()) + " bytes)");

  std::vector<std::string> extra = good;
  extra[2] += "zz";
  EXPECT_EQ(decode(extra).message(),
            "batch frame: 2 bytes after its 3 articles");

  std::vector<std::string> envelopes_short = good;
  envelopes_short[1].resize(envelopes_short[1].size() / 2);
  EXPECT_THAT(std::string(decode(envelopes_short).message()),
              ::testing::HasSubstr("envelope"));

  std::vector<std::string> bad_envelope = good;
  bad_envelope[1][1] = '\xff';  // the first envelope's first tag
  EXPECT_EQ(decode(bad_envelope).message(),
            "batch frame: envelope 1 of 3 does not parse");

  std::vector<std::string> newer = good;
  newer[0][kBatchMagic.size()] = 2;
  EXPECT_EQ(decode(newer).message(),
            "batch frame version 2 is not one this build reads (1): is the "
            "sender a different newsflow build?");

  std::vector<std::string> zero = good;
  zero[0].back() = 0;  // a count of 0
  EXPECT_EQ(decode(zero).message(),
            "batch frame: 0 articles; a batch has 1 to 65536");

  std::vector<std::string> flags = good;
  flags[0][kBatchMagic.size() + 1] = 6;
  EXPECT_EQ(decode(flags).message(), "batch frame: malformed header");

  EXPECT_EQ(decode({"a", "b", "c"}).message(),
            "frame has 3 parts and no batch header; newsflow frames have 1 "
            "or 2 parts, or 3 for a batch");
  EXPECT_FALSE(DecodeFrames(Views(good), /*truncated=*/true).ok());
}

TEST(DecodeFramesTest, GarbageNeverDecodesPastItsBytes) {
  // Every prefix of a good batch's parts either decodes to articles inside
  // those bytes or is rejected; none is read past its end.
  const auto articles = Invented(4);
  FrameBuilder builder;
  for (const auto& [envelope, bytes] : articles) builder.Add(&envelope, bytes);
  const std::vector<std::string> good = Copy(builder.Parts());
  for (size_t part = 0; part < 3; ++part) {
    for (size_t cut = 0; cut < good[part].size(); ++cut) {
      std::vector<std::string> parts = good;
      parts[part].resize(cut);
      auto frames = DecodeFrames(Views(parts), false);
      EXPECT_FALSE(frames.ok()) << part << " cut at " << cut;
    }
  }
}

}  // namespace
}  // namespace newsflow
