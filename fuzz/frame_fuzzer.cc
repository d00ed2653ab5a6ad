// Fuzzes what a stage process does with a frame off its input socket before
// the stage sees it: decoding [Envelope, Article] / [Article] and batch
// frames, reading the article id without parsing, and appending the trace
// hop.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz/fuzz_input.h"
#include "newsflow/v1/article.pb.h"
#include "runner/wire/frame.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  newsflow::fuzz::FuzzInput input(data, size);
  const uint8_t shape = input.Byte();
  const size_t part_count = shape % 4;  // 0..3: malformed counts included
  const bool truncated = (shape & 0x80) != 0;
  std::vector<absl::string_view> parts;
  for (size_t i = 0; i + 1 < part_count; ++i) parts.push_back(input.Piece());
  if (part_count > 0) parts.push_back(input.Rest());

  // Batch frames too: one that decodes yields articles inside its parts.
  absl::StatusOr<std::vector<newsflow::DecodedFrame>> frames =
      newsflow::DecodeFrames(parts, truncated);
  if (frames.ok()) {
    newsflow::fuzz::Require(!frames->empty());
    for (const newsflow::DecodedFrame& each : *frames) {
      const absl::string_view last = parts.back();
      newsflow::fuzz::Require(each.article.data() >= last.data() &&
                              each.article.data() + each.article.size() <=
                                  last.data() + last.size());
    }
  } else {
    newsflow::fuzz::Require(!frames.status().message().empty());
  }

  absl::StatusOr<newsflow::DecodedFrame> frame =
      newsflow::DecodeFrame(parts, truncated);
  if (!frame.ok()) {
    newsflow::fuzz::Require(!frame.status().message().empty());
    return 0;
  }
  newsflow::fuzz::Require(frame->envelope.has_value() == (parts.size() == 2));

  // Appending a hop to a well-formed article keeps it parsable, with the
  // same id and one more hop.
  const std::string id = newsflow::ArticleIdOf(frame->article);
  std::string bytes(frame->article);
  newsflow::v1::Article before;
  const bool parsed = before.ParseFromString(bytes);
  newsflow::v1::TraceHop hop;
  hop.set_stage("fuzz");
  hop.set_replica(1);
  newsflow::AppendTraceHop(hop, &bytes);
  if (parsed) {
    newsflow::fuzz::Require(newsflow::ArticleIdOf(bytes) == id);
    newsflow::v1::Article after;
    newsflow::fuzz::Require(after.ParseFromString(bytes));
    newsflow::fuzz::Require(after.id() == before.id());
    newsflow::fuzz::Require(after.trace_size() == before.trace_size() + 1);
  }
  return 0;
}
