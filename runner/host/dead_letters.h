// The dead-letter file of a pipeline: inputs a stage could not process
// (frames that do not parse, articles a stage failed on), with the stage,
// the reason and the raw bytes, one JSON object per line. Stage processes
// append to it concurrently (each record is one O_APPEND write);
// `newsflow deadletters` reads it.
#ifndef NEWSFLOW_RUNNER_HOST_DEAD_LETTERS_H_
#define NEWSFLOW_RUNNER_HOST_DEAD_LETTERS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "newsflow/v1/control.pb.h"

namespace newsflow {

// One record as the file holds it: a JSON object with the proto's field
// names, without the newline. `deadletters --json` prints the same.
std::string DeadLetterLine(const v1::DeadLetter& letter);

// Appends one record durably (write + fdatasync).
absl::Status AppendDeadLetter(const std::string& path,
                              const v1::DeadLetter& letter);

// The dead letters of one stage replica: each record is stamped with the
// stage, the replica and the time it was kept.
class DeadLetterWriter {
 public:
  // With `path` empty there is no file, and nothing is kept.
  DeadLetterWriter(std::string path, std::string stage, int replica);

  // Appends one record (AppendDeadLetter); `article_id` may be empty.
  absl::Status Append(absl::string_view what, absl::string_view reason,
                      absl::string_view raw,
                      absl::string_view article_id) const;

 private:
  const std::string path_;
  const std::string stage_;
  const int replica_;
};

// Every record in the file; a missing file has none. Lines that do not
// parse are reported in the error, naming path:line.
absl::StatusOr<std::vector<v1::DeadLetter>> ReadDeadLetters(
    const std::string& path);

}  // namespace newsflow

#endif  // NEWSFLOW_RUNNER_HOST_DEAD_LETTERS_H_
