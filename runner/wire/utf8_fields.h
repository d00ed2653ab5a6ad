// The UTF-8 check of a serialized message's text, at the edge of a stage.
//
// Articles are proto2 (article.proto says why), so protobuf no longer
// checks their strings on every parse; newsflow checks them once where
// bytes enter a stage process instead: every frame a stage host receives,
// before the stage sees it. Ingest and sources already make text valid
// UTF-8, so this only ever rejects garbage: a stray client's frame, or a
// plugin that emitted broken text.
#ifndef NEWSFLOW_RUNNER_WIRE_UTF8_FIELDS_H_
#define NEWSFLOW_RUNNER_WIRE_UTF8_FIELDS_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"

namespace newsflow {

// OK when every `string` field of `bytes`, a serialized `type` message, and
// of the messages (and map entries) it holds is well-formed UTF-8
// (common/utf8.h). Reads the wire format directly: nothing is parsed into
// a message or copied, and fields `type` does not know are skipped.
// InvalidArgument naming the field and the byte offset of the first bad
// byte, or saying the bytes are not a valid message.
absl::Status CheckUtf8Fields(absl::string_view bytes,
                             const google::protobuf::Descriptor& type);

// The same check for one message type, prepared once: what a stage host
// runs on every article it receives, without looking the type up again
// each time. Use from the thread that made it.
class Utf8FieldsCheck {
 public:
  explicit Utf8FieldsCheck(const google::protobuf::Descriptor& type);
  absl::Status operator()(absl::string_view bytes) const;

 private:
  const void* table_;  // the type's field table (utf8_fields.cc)
};

}  // namespace newsflow

#endif  // NEWSFLOW_RUNNER_WIRE_UTF8_FIELDS_H_
