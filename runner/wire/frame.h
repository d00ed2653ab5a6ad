// The wire frames stage processes exchange, decoded without trusting them.
//
// A frame is one ZeroMQ multipart message: [Envelope, Article] when the
// pipeline acknowledges deliveries (the envelope says whom to acknowledge),
// or [Article] alone. Anything else — more parts, an envelope that does not
// parse — is an error whose message is the reason recorded in the dead
// letter. The article bytes are not parsed here: the stage does that, and
// a stage that cannot parse them rejects the input the same way.
#ifndef NEWSFLOW_RUNNER_WIRE_FRAME_H_
#define NEWSFLOW_RUNNER_WIRE_FRAME_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "newsflow/v1/article.pb.h"
#include "newsflow/v1/control.pb.h"

namespace newsflow {

struct DecodedFrame {
  std::optional<v1::Envelope> envelope;
  absl::string_view article;  // points into the last part
};

// `parts` are the parts received; `truncated` is true when the sender had
// more parts queued than were read (ZMQ_RCVMORE on the last one).
// InvalidArgument, with the reason, for a malformed frame.
absl::StatusOr<DecodedFrame> DecodeFrame(
    absl::Span<const absl::string_view> parts, bool truncated);

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
