#include "runner/wire/frame.h"

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "common/time.h"

namespace newsflow {

absl::StatusOr<DecodedFrame> DecodeFrame(
    absl::Span<const absl::string_view> parts, bool truncated) {
  if (parts.empty() || parts.size() > 2 || truncated) {
    return absl::InvalidArgumentError(
        absl::StrCat("frame has ", parts.size(), truncated ? "+" : "",
                     " parts; newsflow frames have 1 or 2"));
  }
  DecodedFrame frame;
  frame.article = parts.back();
  if (parts.size() == 2) {
    frame.envelope.emplace();
    if (!frame.envelope->ParseFromArray(parts[0].data(),
                                        static_cast<int>(parts[0].size()))) {
      return absl::InvalidArgumentError("frame envelope does not parse");
    }
  }
  return frame;
}

std::string ArticleIdOf(absl::string_view bytes) {
  // Walks the top-level fields of the wire format looking for field 1
  // (id, length-delimited); everything else is skipped unparsed.
  size_t i = 0;
  auto varint = [&](uint64_t* value) {
    *value = 0;
    for (int shift = 0; shift < 64 && i < bytes.size(); shift += 7) {
      uint8_t b = static_cast<uint8_t>(bytes[i++]);
      *value |= static_cast<uint64_t>(b & 0x7F) << shift;
      if ((b & 0x80) == 0) return true;
    }
    return false;
  };
  while (i < bytes.size()) {
    uint64_t tag;
    if (!varint(&tag)) return "";
    const uint64_t field = tag >> 3;
    switch (tag & 7) {
      case 0: {
        uint64_t ignored;
        if (!varint(&ignored)) return "";
        break;
      }
      case 1:
        i += 8;
        break;
      case 5:
        i += 4;
        break;
      case 2: {
        uint64_t length;
        if (!varint(&length) || length > bytes.size() - i) return "";
        if (field == 1) return std::string(bytes.substr(i, length));
        i += length;
        break;
      }
      default:
        return "";
    }
  }
  return "";
}

namespace {

// Appends an encoded TraceHop as one more `trace` entry.
void AppendTraceEntry(const std::string& encoded, std::string* article_bytes) {
  // Field 11 (trace), wire type 2 (length-delimited).
  constexpr uint32_t kTraceTag = (11 << 3) | 2;
  article_bytes->push_back(static_cast<char>(kTraceTag));
  uint64_t length = encoded.size();
  while (length >= 0x80) {
    article_bytes->push_back(static_cast<char>((length & 0x7F) | 0x80));
    length >>= 7;
  }
  article_bytes->push_back(static_cast<char>(length));
  article_bytes->append(encoded);
}

}  // namespace

void AppendTraceHop(const v1::TraceHop& hop, std::string* article_bytes) {
  std::string encoded;
  hop.SerializeToString(&encoded);
  AppendTraceEntry(encoded, article_bytes);
}

TraceHopWriter::TraceHopWriter(const std::string& stage, int replica, int pid) {
  // Fields serialize in number order and concatenate: the parts before and
  // after `at` are protobuf's own encoding of those fields alone.
  v1::TraceHop before;
  before.set_stage(stage);
  before.SerializeToString(&before_at_);
  v1::TraceHop after;
  after.set_replica(replica);
  after.set_pid(pid);
  after.SerializeToString(&after_at_);
}

void TraceHopWriter::Append(absl::Time at, std::string* article_bytes) {
  const int64_t micros = absl::ToUnixMicros(at);
  int64_t second = micros / 1000000;
  int64_t fraction = micros % 1000000;
  if (fraction < 0) {
    fraction += 1000000;
    --second;
  }
  if (second != second_) {
    // "YYYY-MM-DDTHH:MM:SS.000000Z" without its fraction and zone.
    at_prefix_ = FormatRfc3339Micros(absl::FromUnixSeconds(second));
    at_prefix_.resize(at_prefix_.size() - 8);
    second_ = second;
  }
  char fraction_text[9];
  std::snprintf(fraction_text, sizeof(fraction_text), ".%06dZ",
                static_cast<int>(fraction));
  const size_t at_size = at_prefix_.size() + 8;
  hop_.assign(before_at_);
  // Field 2 (at), wire type 2; a timestamp is far shorter than 128 bytes.
  hop_.push_back(static_cast<char>((v1::TraceHop::kAtFieldNumber << 3) | 2));
  hop_.push_back(static_cast<char>(at_size));
  hop_.append(at_prefix_);
  hop_.append(fraction_text, 8);
  hop_.append(after_at_);
  AppendTraceEntry(hop_, article_bytes);
}

}  // namespace newsflow
