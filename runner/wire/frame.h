// The wire frames stage processes exchange, decoded without trusting them.
//
// A frame is one ZeroMQ multipart message: [Envelope, Article] when the
// pipeline acknowledges deliveries (the envelope says whom to acknowledge),
// or [Article] alone, or a batch frame of several articles (below).
// Anything else — other part counts, an envelope that does not parse, a
// batch that does not add up — is an error whose message is the reason
// recorded in the dead letter. The article bytes are not parsed here: the
// stage does that, and a stage that cannot parse them rejects the input the
// same way.
//
// A batch frame carries articles that were ready together in one ZeroMQ
// message, so a hop pays one wake-up, one receive and one send for all of
// them instead of one each. It has three parts:
//   header     kBatchMagic, a version byte (kBatchVersion), a flags byte
//              (1: the articles have envelopes), the article count (varint);
//   envelopes  `count` serialized Envelopes, each prefixed by its length
//              (varint); empty when the flags say there are none;
//   articles   `count` serialized Articles, each prefixed by its length.
// The magic starts with a NUL byte, which no protobuf message starts with,
// so a batch header can never be mistaken for an envelope or an article. A
// build older than batch frames rejects one as a malformed frame ("frame has
// 3 parts"), and this build names a batch version it does not read, so
// peers of different builds fail loudly instead of misreading each other.
#ifndef NEWSFLOW_RUNNER_WIRE_FRAME_H_
#define NEWSFLOW_RUNNER_WIRE_FRAME_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "newsflow/v1/article.pb.h"
#include "newsflow/v1/control.pb.h"

namespace newsflow {

struct DecodedFrame {
  std::optional<v1::Envelope> envelope;
  // The envelope as it came (empty without one): what a stage's output
  // for this input carries on, unchanged, without serializing it again.
  absl::string_view envelope_bytes;
  absl::string_view article;  // points into the last part
};

// `parts` are the parts received; `truncated` is true when the sender had
// more parts queued than were read (ZMQ_RCVMORE on the last one).
// InvalidArgument, with the reason, for a malformed frame.
absl::StatusOr<DecodedFrame> DecodeFrame(
    absl::Span<const absl::string_view> parts, bool truncated);

inline constexpr absl::string_view kBatchMagic("\0newsflow-batch", 15);
inline constexpr uint8_t kBatchVersion = 1;
// What a sender puts in one batch at most. Receivers take any batch that
// adds up, up to kBatchMaxReadArticles articles.
inline constexpr int kBatchMaxArticles = 64;
inline constexpr size_t kBatchMaxBytes = size_t{256} << 10;
inline constexpr int kBatchMaxReadArticles = 65536;

// ZeroMQ bounds a link's queue in messages, and a message may hold up to
// kBatchMaxArticles articles. So that a slow consumer does not let its
// producers queue 64 times the articles (and memory) they did before
// batches, a data socket's high-water mark is the configured one (counted
// in articles, as before) divided by kBatchQueueDivisor: a queue of full
// batches holds at most 8 times the articles, one of single articles 1/8.
// 0 (libzmq's default) stays 0; anything else stays at least 1.
inline constexpr int kBatchQueueDivisor = 8;
int FrameHighWaterMark(int articles);

// Whether `parts` are meant as a batch frame (three parts, the first one
// starting with kBatchMagic), well-formed or not.
bool IsBatchFrame(absl::Span<const absl::string_view> parts);

// Decodes a single frame (as DecodeFrame) or a batch frame into its
// articles, in order, with the envelopes parsed. A batch is checked whole
// before any of it is returned: one that does not add up is an error and
// none of its articles is taken.
absl::StatusOr<std::vector<DecodedFrame>> DecodeFrames(
    absl::Span<const absl::string_view> parts, bool truncated);

// The same into `frames`, whose elements (and their envelopes' memory) are
// reused from call to call: a stage host decodes every frame it receives.
// On error `frames` holds nothing usable.
absl::Status DecodeFramesInto(absl::Span<const absl::string_view> parts,
                              bool truncated,
                              std::vector<DecodedFrame>* frames);

// Collects the articles a stage has ready to send into one frame: a plain
// frame when there is one, a batch frame when there are several. All the
// articles of one frame have envelopes or none has (Fits says whether the
// next one may join); the caps keep a batch within kBatchMaxArticles and
// kBatchMaxBytes (a larger article still goes, alone).
class FrameBuilder {
 public:
  // Whether an article of `size` bytes, with an envelope or not, may join
  // what is collected; always true when nothing is.
  bool Fits(bool with_envelope, size_t size) const;
  // Caps the articles of one frame below kBatchMaxArticles (at least 1):
  // ZeroMQ balances replicas by message, so a consumer with replicas gets
  // single articles, balanced one by one.
  void set_max_articles(int max_articles) {
    max_articles_ = max_articles < 1                   ? 1
                    : max_articles > kBatchMaxArticles ? kBatchMaxArticles
                                                       : max_articles;
  }
  // Copies the article (and its envelope, serialized) in. Call Fits first.
  void Add(const v1::Envelope* envelope, absl::string_view article);
  // The same with the envelope already serialized (nullptr: none), as a
  // stage's input brought it.
  void AddSerialized(const absl::string_view* envelope,
                     absl::string_view article);

  int count() const { return count_; }
  bool empty() const { return count_ == 0; }
  // The articles collected, in order. Valid until the next Add or Clear.
  std::vector<absl::string_view> Articles() const;
  // The parts to send: [envelope, article] or [article] for one article,
  // [header, envelopes, articles] for several. Valid until the next Add or
  // Clear; empty when nothing was added.
  std::vector<absl::string_view> Parts();
  // Starts a new frame, keeping the buffers' memory.
  void Clear();

 private:
  int count_ = 0;
  int max_articles_ = kBatchMaxArticles;
  bool with_envelopes_ = false;
  std::string header_;
  std::string envelopes_;  // length-prefixed
  std::string articles_;   // length-prefixed
  // Where the first envelope's and article's bytes start (after their
  // length), for sending a lone article as a plain frame.
  size_t first_envelope_at_ = 0;
  size_t first_article_at_ = 0;
  std::string scratch_;
};

// The id of a serialized Article, read without parsing the rest ("" when
// absent or malformed).
std::string ArticleIdOf(absl::string_view bytes);

// Appends `hop` to serialized Article bytes as an extra `trace` entry.
// Protobuf merges repeated fields by concatenation, so this needs no parse.
void AppendTraceHop(const v1::TraceHop& hop, std::string* article_bytes);

// One host's trace entries: AppendTraceHop of {stage, at, replica, pid}
// byte for byte, with everything but the time encoded once, and the time
// formatted as FormatRfc3339Micros does (common/time.h) with the date and
// second formatted once a second. A stage host appends one to every
// article it takes in.
class TraceHopWriter {
 public:
  TraceHopWriter(const std::string& stage, int replica, int pid);

  void Append(absl::Time at, std::string* article_bytes);

 private:
  std::string before_at_;  // the stage field
  std::string after_at_;   // the replica and pid fields
  int64_t second_ = -1;    // of at_prefix_, in Unix seconds
  std::string at_prefix_;  // "YYYY-MM-DDTHH:MM:SS"
  std::string hop_;        // scratch
};

}  // namespace newsflow

#endif  // NEWSFLOW_RUNNER_WIRE_FRAME_H_
