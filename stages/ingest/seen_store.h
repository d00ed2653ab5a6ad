// What a web source has already fetched, remembered across restarts in one
// small file of its own under the pipeline's state folder.
//
// Keys are marked in memory first and written only by Commit(), which the
// source calls once the articles they produced are in the host's journal:
// a crash between the two re-fetches an item (its article id is stable, so
// the journal drops the duplicate) but never loses one. The file is
// replaced atomically (write, fsync, rename).
#ifndef NEWSFLOW_STAGES_INGEST_SEEN_STORE_H_
#define NEWSFLOW_STAGES_INGEST_SEEN_STORE_H_

#include <cstddef>
#include <deque>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"

namespace newsflow::ingest {

class SeenStore {
 public:
  // `path` "" keeps everything in memory only. At most `capacity` keys are
  // kept; the oldest are forgotten first (feeds list recent items only).
  explicit SeenStore(std::string path, size_t capacity = 100000);

  // Reads the file if it exists. A file that does not parse is an error
  // naming it and its line; the store then starts empty.
  absl::Status Load();

  bool Contains(const std::string& key) const;
  // Remembered from now on; written by the next Commit().
  void Mark(const std::string& key);

  // Small named strings saved with the keys (a feed's ETag).
  std::string Value(const std::string& name) const;
  void SetValue(const std::string& name, const std::string& value);

  // Writes the file if anything changed since the last write.
  absl::Status Commit();

  size_t size() const { return keys_.size(); }
  const std::string& path() const { return path_; }

 private:
  const std::string path_;
  const size_t capacity_;
  std::deque<std::string> order_;
  absl::flat_hash_set<std::string> keys_;
  absl::flat_hash_map<std::string, std::string> values_;
  bool dirty_ = false;
};

}  // namespace newsflow::ingest

#endif  // NEWSFLOW_STAGES_INGEST_SEEN_STORE_H_
