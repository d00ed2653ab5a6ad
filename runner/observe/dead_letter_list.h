// What `newsflow deadletters` shows and manages: the dead-letter file
// (runner/host/dead_letters.h) seen as distinct rejections.
//
// A pipeline run twice over the same bad input appends the same rejection
// twice; people want to see it once, with how often and when it happened.
// Two records are the same rejection when the same stage gave the same
// reason for the same input: the same raw bytes, or, without raw bytes, the
// same description of the input (a file path, an article id).
#ifndef NEWSFLOW_RUNNER_OBSERVE_DEAD_LETTER_LIST_H_
#define NEWSFLOW_RUNNER_OBSERVE_DEAD_LETTER_LIST_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "newsflow/v1/control.pb.h"

namespace newsflow {

struct DeadLetterGroup {
  v1::DeadLetter latest;  // the most recent record of this rejection
  std::string first_at;   // when it first happened
  int count = 0;          // how many records it stands for
};

// The key two records of one rejection share.
std::string DeadLetterKey(const v1::DeadLetter& letter);

// One group per distinct rejection whose latest record is at or after
// `since`, in the order each first happened. Records whose time does not
// parse count as old (they are shown only without a `since`).
std::vector<DeadLetterGroup> GroupDeadLetters(
    const std::vector<v1::DeadLetter>& letters,
    absl::Time since = absl::InfinitePast());

// Rewrites the file at `path` keeping only the records `keep` accepts,
// through a temporary file renamed over it, so a crash leaves either the
// old file or the new one. Returns how many records were removed. A missing
// file has nothing to remove.
absl::StatusOr<int> RemoveDeadLetters(
    const std::string& path,
    const std::function<bool(const v1::DeadLetter&)>& keep);

}  // namespace newsflow

#endif  // NEWSFLOW_RUNNER_OBSERVE_DEAD_LETTER_LIST_H_
