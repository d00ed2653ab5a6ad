#include "runner/wire/frame.h"

#include <algorithm>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "common/time.h"

namespace newsflow {

namespace {

// Sets `envelope` (and `frame`'s view of its bytes) from `bytes`, reusing
// the message already there; false when they do not parse.
bool ParseEnvelopeInto(absl::string_view bytes, DecodedFrame* frame) {
  frame->envelope_bytes = bytes;
  if (!frame->envelope) frame->envelope.emplace();
  return frame->envelope->ParseFromArray(bytes.data(),
                                         static_cast<int>(bytes.size()));
}

// A plain frame of 1 or 2 parts (checked by the caller) into `frame`.
absl::Status DecodeSingleInto(absl::Span<const absl::string_view> parts,
                              DecodedFrame* frame) {
  frame->article = parts.back();
  if (parts.size() == 2) {
    if (!ParseEnvelopeInto(parts[0], frame)) {
      return absl::InvalidArgumentError("frame envelope does not parse");
    }
  } else {
    frame->envelope.reset();
    frame->envelope_bytes = absl::string_view();
  }
  return absl::OkStatus();
}

absl::Status CheckPlainPartCount(absl::Span<const absl::string_view> parts,
                                 bool truncated) {
  if (parts.empty() || parts.size() > 2 || truncated) {
    return absl::InvalidArgumentError(
        absl::StrCat("frame has ", parts.size(), truncated ? "+" : "",
                     " parts; newsflow frames have 1 or 2"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<DecodedFrame> DecodeFrame(
    absl::Span<const absl::string_view> parts, bool truncated) {
  if (absl::Status status = CheckPlainPartCount(parts, truncated);
      !status.ok()) {
    return status;
  }
  DecodedFrame frame;
  if (absl::Status status = DecodeSingleInto(parts, &frame); !status.ok()) {
    return status;
  }
  return frame;
}

namespace {

void AppendVarint(uint64_t value, std::string* out) {
  while (value >= 0x80) {
    out->push_back(static_cast<char>((value & 0x7F) | 0x80));
    value >>= 7;
  }
  out->push_back(static_cast<char>(value));
}

// Reads a varint at `*at` in `bytes`, advancing `*at`; false when it runs
// past the end or past 64 bits.
bool ReadVarint(absl::string_view bytes, size_t* at, uint64_t* value) {
  *value = 0;
  for (int shift = 0; shift < 64 && *at < bytes.size(); shift += 7) {
    const uint8_t b = static_cast<uint8_t>(bytes[(*at)++]);
    *value |= static_cast<uint64_t>(b & 0x7F) << shift;
    if ((b & 0x80) == 0) return true;
  }
  return false;
}

// Splits `part` (named `name` in errors) into exactly `count`
// length-prefixed pieces.
absl::Status SplitPrefixed(absl::string_view part, const char* name,
                           uint64_t count,
                           std::vector<absl::string_view>* pieces) {
  pieces->clear();
  // At most one piece per byte: a count past that fails below anyway.
  pieces->reserve(std::min<uint64_t>(count, part.size()));
  size_t at = 0;
  for (uint64_t i = 0; i < count; ++i) {
    uint64_t length;
    if (!ReadVarint(part, &at, &length) || length > part.size() - at) {
      return absl::InvalidArgumentError(absl::StrCat(
          "batch frame: ", name, " ", i + 1, " of ", count,
          " runs past the end of its part (", part.size(), " bytes)"));
    }
    pieces->push_back(part.substr(at, length));
    at += length;
  }
  if (at != part.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("batch frame: ", part.size() - at, " bytes after its ",
                     count, " ", name, "s"));
  }
  return absl::OkStatus();
}

constexpr uint8_t kBatchHasEnvelopes = 1;

}  // namespace

int FrameHighWaterMark(int articles) {
  if (articles <= 0) return articles;
  return std::max(1, articles / kBatchQueueDivisor);
}

bool IsBatchFrame(absl::Span<const absl::string_view> parts) {
  return parts.size() == 3 &&
         parts[0].substr(0, kBatchMagic.size()) == kBatchMagic;
}

absl::StatusOr<std::vector<DecodedFrame>> DecodeFrames(
    absl::Span<const absl::string_view> parts, bool truncated) {
  std::vector<DecodedFrame> frames;
  if (absl::Status status = DecodeFramesInto(parts, truncated, &frames);
      !status.ok()) {
    return status;
  }
  return frames;
}

absl::Status DecodeFramesInto(absl::Span<const absl::string_view> parts,
                              bool truncated,
                              std::vector<DecodedFrame>* frames_out) {
  std::vector<DecodedFrame>& frames = *frames_out;
  if (!IsBatchFrame(parts) || truncated) {
    if (parts.size() == 3 && !truncated) {
      frames.clear();
      return absl::InvalidArgumentError(
          "frame has 3 parts and no batch header; newsflow frames have 1 or "
          "2 parts, or 3 for a batch");
    }
    if (absl::Status status = CheckPlainPartCount(parts, truncated);
        !status.ok()) {
      frames.clear();
      return status;
    }
    frames.resize(1);
    return DecodeSingleInto(parts, &frames[0]);
  }
  const absl::string_view header = parts[0];
  size_t at = kBatchMagic.size();
  if (header.size() < at + 2) {
    return absl::InvalidArgumentError("batch frame: header too short");
  }
  const uint8_t version = static_cast<uint8_t>(header[at]);
  if (version != kBatchVersion) {
    return absl::InvalidArgumentError(absl::StrCat(
        "batch frame version ", version, " is not one this build reads (",
        kBatchVersion, "): is the sender a different newsflow build?"));
  }
  const uint8_t flags = static_cast<uint8_t>(header[at + 1]);
  at += 2;
  uint64_t count;
  if ((flags & ~kBatchHasEnvelopes) != 0 || !ReadVarint(header, &at, &count) ||
      at != header.size()) {
    return absl::InvalidArgumentError("batch frame: malformed header");
  }
  if (count == 0 || count > static_cast<uint64_t>(kBatchMaxReadArticles)) {
    return absl::InvalidArgumentError(
        absl::StrCat("batch frame: ", count, " articles; a batch has 1 to ",
                     kBatchMaxReadArticles));
  }
  std::vector<absl::string_view> articles;
  if (absl::Status status =
          SplitPrefixed(parts[2], "article", count, &articles);
      !status.ok()) {
    return status;
  }
  std::vector<absl::string_view> envelopes;
  const bool with_envelopes = (flags & kBatchHasEnvelopes) != 0;
  if (with_envelopes) {
    if (absl::Status status =
            SplitPrefixed(parts[1], "envelope", count, &envelopes);
        !status.ok()) {
      return status;
    }
  } else if (!parts[1].empty()) {
    return absl::InvalidArgumentError(
        "batch frame: envelopes where its header says there are none");
  }
  frames.resize(count);
  for (uint64_t i = 0; i < count; ++i) {
    frames[i].article = articles[i];
    if (!with_envelopes) {
      frames[i].envelope.reset();
      frames[i].envelope_bytes = absl::string_view();
      continue;
    }
    if (!ParseEnvelopeInto(envelopes[i], &frames[i])) {
      return absl::InvalidArgumentError(absl::StrCat(
          "batch frame: envelope ", i + 1, " of ", count, " does not parse"));
    }
  }
  return absl::OkStatus();
}

bool FrameBuilder::Fits(bool with_envelope, size_t size) const {
  if (count_ == 0) return true;
  return with_envelope == with_envelopes_ && count_ < max_articles_ &&
         articles_.size() + envelopes_.size() + size <= kBatchMaxBytes;
}

void FrameBuilder::Add(const v1::Envelope* envelope,
                       absl::string_view article) {
  if (envelope == nullptr) {
    AddSerialized(nullptr, article);
    return;
  }
  envelope->SerializeToString(&scratch_);
  const absl::string_view serialized(scratch_);
  AddSerialized(&serialized, article);
}

void FrameBuilder::AddSerialized(const absl::string_view* envelope,
                                 absl::string_view article) {
  if (count_ == 0) {
    with_envelopes_ = envelope != nullptr;
    envelopes_.clear();
    articles_.clear();
  }
  if (envelope != nullptr) {
    AppendVarint(envelope->size(), &envelopes_);
    if (count_ == 0) first_envelope_at_ = envelopes_.size();
    envelopes_.append(envelope->data(), envelope->size());
  }
  AppendVarint(article.size(), &articles_);
  if (count_ == 0) first_article_at_ = articles_.size();
  articles_.append(article.data(), article.size());
  ++count_;
}

std::vector<absl::string_view> FrameBuilder::Parts() {
  std::vector<absl::string_view> parts;
  if (count_ == 0) return parts;
  if (count_ == 1) {
    if (with_envelopes_) {
      parts.push_back(absl::string_view(envelopes_).substr(first_envelope_at_));
    }
    parts.push_back(absl::string_view(articles_).substr(first_article_at_));
    return parts;
  }
  header_.assign(kBatchMagic.data(), kBatchMagic.size());
  header_.push_back(static_cast<char>(kBatchVersion));
  header_.push_back(
      static_cast<char>(with_envelopes_ ? kBatchHasEnvelopes : 0));
  AppendVarint(static_cast<uint64_t>(count_), &header_);
  parts.push_back(header_);
  parts.push_back(envelopes_);
  parts.push_back(articles_);
  return parts;
}

std::vector<absl::string_view> FrameBuilder::Articles() const {
  std::vector<absl::string_view> articles;
  if (count_ > 0) {
    // Made by AddSerialized: always splits.
    (void)SplitPrefixed(articles_, "article", static_cast<uint64_t>(count_),
                        &articles);
  }
  return articles;
}

void FrameBuilder::Clear() { count_ = 0; }

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
  // ".ffffffZ", by hand: snprintf was a twentieth of a pass-through hop.
  char fraction_text[8] = {'.', '0', '0', '0', '0', '0', '0', 'Z'};
  for (int digit = 6; digit >= 1; --digit) {
    fraction_text[digit] = static_cast<char>('0' + fraction % 10);
    fraction /= 10;
  }
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
