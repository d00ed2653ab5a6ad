// The tag stage's stream state on disk: entity identities, open stories and
// the stream's document frequencies, in one file.
//
// Format: "NFTAGST1", u32 version, then the three sections (each module's
// AppendTo), then u64 StableChecksum64 of everything before it (version 2;
// files of version 1, checked with StableHash64, still load). Saving writes a
// temporary file beside the target and renames it over, so a crash leaves
// the previous state whole. Saving streams the state out through a 64 KB
// buffer; loading reads the file into one string of its size.
//
// One process owns a state file at a time: StateFile takes an exclusive
// advisory lock (flock) on "<path>.lock" for its lifetime. A second process
// pointed at the same file (a replica of the same stage) cannot take the
// lock; it then keeps its state in memory only, so replicas never overwrite
// each other's state.
#ifndef NEWSFLOW_STAGES_TAG_TAG_STATE_H_
#define NEWSFLOW_STAGES_TAG_TAG_STATE_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "stages/tag/entity_identity.h"
#include "stages/tag/keywords.h"
#include "stages/tag/stories.h"

namespace newsflow {
namespace tag {

class StateFile {
 public:
  // Takes the lock. Fails (FailedPrecondition) when another process holds
  // it, or when the lock file cannot be created.
  static absl::StatusOr<std::unique_ptr<StateFile>> Open(
      const std::string& path);
  ~StateFile();

  StateFile(const StateFile&) = delete;
  StateFile& operator=(const StateFile&) = delete;

  // Reads the state into the three parts. NotFound when there is no file
  // yet (a fresh start); DataLoss when it is damaged.
  absl::Status Load(EntityIdentity* identities, StoryClusterer* stories,
                    DocumentFrequencies* frequencies) const;
  absl::Status Save(const EntityIdentity& identities,
                    const StoryClusterer& stories,
                    const DocumentFrequencies& frequencies) const;

  const std::string& path() const { return path_; }
  // Bytes of the last save.
  size_t last_size() const { return last_size_; }
  // The most bytes a save has buffered at once: saving writes the state
  // out in chunks of about 64 KB (one record may overrun it), so it costs
  // no memory in proportion to the state.
  size_t largest_buffer() const { return largest_buffer_; }

 private:
  StateFile(std::string path, int lock_fd)
      : path_(std::move(path)), lock_fd_(lock_fd) {}

  std::string path_;
  int lock_fd_;
  mutable size_t last_size_ = 0;
  mutable size_t largest_buffer_ = 0;
};

}  // namespace tag
}  // namespace newsflow

#endif  // NEWSFLOW_STAGES_TAG_TAG_STATE_H_
