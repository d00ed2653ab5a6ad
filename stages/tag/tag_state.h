// The tag stage's stream state on disk: entity identities, open stories and
// the stream's document frequencies, in a base file and a log beside it.
//
// Base file (`path`): "NFTAGST1", u32 version, then the three sections (each
// module's AppendTo), then u64 StableChecksum64 of everything before it
// (version 2; files of version 1, checked with StableHash64, still load).
// Writing it goes to a temporary file beside the target, renamed over it,
// so a crash leaves the previous base whole.
//
// Log (`path.log`): "NFTAGLG1", u32 log version, u64 the checksum of the
// base it follows; then one record per save, each the changes since the
// save before it: the identities and open stories changed (their
// SaveMarks), the fingerprints, entity and term counts whole. A record is
// frames of u32 length and bytes, closed by a u32 0 frame and the u64
// StableChecksum64 of its bytes. Loading applies the records in order; a
// torn or damaged record ends the log there (with a warning naming the
// file and offset, and the file cut back to it): the saves before it load
// whole. A log following another base (a crash between writing a base and
// emptying the log) is ignored: that base holds all of it.
//
// A save appends to the log unless the log has reached `compact_after`
// times the base's size (or there is no base, or a save failed), when it
// writes the whole state as a new base and empties the log.
//
// Why a log at all: between two saves (1,000 articles on BBC) about half
// of the identities and open stories change, so a record is about 60% of
// a base; compaction writes the rest.
//
// Saving streams out through a 64 KB buffer; loading reads a file into one
// string of its size.
//
// One process owns a state file at a time: StateFile takes an exclusive
// advisory lock (flock) on "<path>.lock" for its lifetime. A second process
// pointed at the same file (a replica of the same stage) cannot take the
// lock; it then keeps its state in memory only, so replicas never overwrite
// each other's state.
#ifndef NEWSFLOW_STAGES_TAG_TAG_STATE_H_
#define NEWSFLOW_STAGES_TAG_TAG_STATE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "stages/tag/entity_identity.h"
#include "stages/tag/keywords.h"
#include "stages/tag/stories.h"

namespace newsflow {
namespace tag {

class StateFile {
 public:
  // The log's size, relative to the base's, at which a save compacts.
  static constexpr double kCompactAfter = 1.0;

  // Takes the lock. Fails (FailedPrecondition) when another process holds
  // it, or when the lock file cannot be created.
  static absl::StatusOr<std::unique_ptr<StateFile>> Open(
      const std::string& path, double compact_after = kCompactAfter);
  ~StateFile();

  StateFile(const StateFile&) = delete;
  StateFile& operator=(const StateFile&) = delete;

  // Reads the base and its log into the three parts. NotFound when there
  // is no base yet (a fresh start); DataLoss when the base is damaged (a
  // damaged log record only ends the log: see warnings()).
  absl::Status Load(EntityIdentity* identities, StoryClusterer* stories,
                    DocumentFrequencies* frequencies);
  // Appends the changes since the last save or load to the log, or writes
  // a new base (see the file comment). The parts must be the ones loaded
  // or saved before, changed only by use.
  absl::Status Save(const EntityIdentity& identities,
                    const StoryClusterer& stories,
                    const DocumentFrequencies& frequencies);

  const std::string& path() const { return path_; }
  std::string log_path() const { return path_ + ".log"; }
  // Bytes written by the last save (a base, or a log record).
  size_t last_size() const { return last_size_; }
  // Whether the last save wrote a base.
  bool last_save_whole() const { return last_save_whole_; }
  // The most bytes a save has buffered at once: saving writes the state
  // out in chunks of about 64 KB (one record may overrun it), so it costs
  // no memory in proportion to the state.
  size_t largest_buffer() const { return largest_buffer_; }
  // Notes for the operator from Load (a torn log record ignored).
  const std::vector<std::string>& warnings() const { return warnings_; }

 private:
  StateFile(std::string path, int lock_fd, double compact_after)
      : path_(std::move(path)),
        lock_fd_(lock_fd),
        compact_after_(compact_after) {}

  absl::Status SaveBase(const EntityIdentity& identities,
                        const StoryClusterer& stories,
                        const DocumentFrequencies& frequencies);
  absl::Status AppendLog(const EntityIdentity& identities,
                         const StoryClusterer& stories,
                         const DocumentFrequencies& frequencies);
  // Applies the log's records that follow the base; cuts a torn tail.
  // `appendable` false: the log could not be cut (the next save is whole).
  absl::Status LoadLog(EntityIdentity* identities, StoryClusterer* stories,
                       DocumentFrequencies* frequencies, bool* appendable);

  std::string path_;
  int lock_fd_;
  double compact_after_;
  // Whether the files hold what the marks say (a base was loaded or
  // written, and no save failed since): otherwise the next save is whole.
  bool in_step_ = false;
  uint64_t base_checksum_ = 0;
  size_t base_size_ = 0;
  // Bytes of the log that follow the base (0: no log for it yet).
  size_t log_size_ = 0;
  EntityIdentity::SaveMarks identity_marks_;
  StoryClusterer::SaveMarks story_marks_;
  size_t last_size_ = 0;
  bool last_save_whole_ = false;
  size_t largest_buffer_ = 0;
  std::vector<std::string> warnings_;
};

}  // namespace tag
}  // namespace newsflow

#endif  // NEWSFLOW_STAGES_TAG_TAG_STATE_H_
