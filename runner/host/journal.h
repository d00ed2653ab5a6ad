// The durable journal of a source replica: every message it emitted and
// every acknowledgement it received, so that after a crash or restart it
// re-sends exactly what was not settled and recognises inputs it has
// already delivered (by article id).
//
// Format: a sequence of records, each a 4-byte little-endian length and a
// serialized v1::JournalRecord. A torn final record (crash mid-write) is
// ignored on load. Records are buffered: the caller writes emissions out
// (WriteOut, one write(2) for all that are ready) before their messages
// are sent, so a killed process never forgets a sequence number anybody
// saw; an emission lost unwritten was never sent, and its source reads it
// again. Sync(), called at least every 100 ms, bounds what a power cut can
// lose to that window plus up to two fdatasyncs' duration (a record written
// while a sync runs is covered by the next one, which starts when that one
// ends): it writes the records out and has a background thread
// fdatasync() them, so the source's reading
// thread does not stand still while the disk catches up (it sent nothing
// that depends on the sync: the promise it keeps is write-ahead, to the
// kernel, which a killed process cannot break).
//
// Memory: a 64-bit hash (StableHash64) of the id of every settled article
// is kept to deduplicate re-read inputs, about 16 bytes each (1M articles:
// 16 MiB; full ids took about 60); pending messages are kept whole. Two
// distinct ids share a hash with odds of about n^2 / 2^65 (3e-8 for a
// million settled articles): then the later one is taken as delivered.
#ifndef NEWSFLOW_RUNNER_HOST_JOURNAL_H_
#define NEWSFLOW_RUNNER_HOST_JOURNAL_H_

#include <sys/uio.h>

#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/background_sync.h"

namespace newsflow {

class SourceJournal {
 public:
  struct Pending {
    std::string id;
    std::string article;  // serialized Article
    // Terminals yet to acknowledge, as indexes into the journal's
    // terminals: no allocation for up to four.
    absl::InlinedVector<uint32_t, 4> waiting_for;
    absl::Time last_sent = absl::InfinitePast();
    int sends = 0;
  };

  // Opens (creating if needed) and loads the journal at `path`; compacts
  // it when it has grown well past what it needs to hold. Every message
  // waits for an acknowledgement from each of `terminals`.
  static absl::StatusOr<std::unique_ptr<SourceJournal>> Open(
      const std::string& path, std::vector<std::string> terminals);
  ~SourceJournal();

  // True when `id` was emitted before (settled or pending).
  bool Known(const std::string& id) const;

  // Records a new emission (buffered until WriteOut) and keeps `article`
  // as pending; returns its sequence number.
  absl::StatusOr<uint64_t> Emit(const std::string& id, std::string article);
  // Writes the buffered records to the kernel (not synced): call before
  // sending what was emitted.
  absl::Status WriteOut();
  bool has_unwritten() const { return !unwritten_.empty(); }
  // Bytes buffered for the next WriteOut.
  size_t unwritten_bytes() const {
    return unwritten_.size() + unwritten_article_bytes_;
  }

  // An empty string to build the next emission's bytes in: the memory of
  // an article settled earlier when there is one (an article of a few KB
  // is past what malloc recycles quickly), else a new string.
  std::string TakeBuffer();

  // Records that `terminal` settled `seq`. Unknown or repeated
  // acknowledgements are ignored. Returns true when `seq` became settled.
  bool Ack(uint64_t seq, const std::string& terminal);

  // Writes the buffered records out and starts making everything written
  // durable (fdatasync) in the background, without waiting for it; at most
  // one sync runs, and requests made meanwhile are served by one more.
  // Returns the error of the write, or of a background sync that failed
  // since the last call (each reported once).
  absl::Status Sync();
  // Writes out, and returns once everything written is durable.
  absl::Status SyncNow();

  // Rewrites the file with only what it must hold, when it has grown past
  // twice that (and at least 16 MiB).
  absl::Status MaybeCompact();

  std::map<uint64_t, Pending>& pending() { return pending_; }
  size_t settled_count() const { return settled_ids_.size(); }
  const std::string& path() const { return path_; }

 private:
  SourceJournal(std::string path, std::vector<std::string> terminals)
      : path_(std::move(path)), terminals_(std::move(terminals)) {
    for (size_t i = 0; i < terminals_.size(); ++i) {
      all_terminals_.push_back(static_cast<uint32_t>(i));
    }
  }
  absl::Status Load();
  absl::Status Rewrite();

  std::string path_;
  int fd_ = -1;
  uint64_t next_seq_ = 1;
  int64_t file_bytes_ = 0;
  int64_t live_bytes_ = 0;  // what a compacted file would hold
  std::map<uint64_t, Pending> pending_;
  absl::flat_hash_map<std::string, uint64_t> pending_ids_;
  absl::flat_hash_set<uint64_t> settled_ids_;  // StableHash64 of the ids
  std::vector<std::string> terminals_;
  // Every index into terminals_: what a new Pending waits for.
  absl::InlinedVector<uint32_t, 4> all_terminals_;
  // Records not yet written: until the next WriteOut() or Sync(). An
  // emission's article is not copied in: each entry here names where in
  // unwritten_ one goes (it is the pending message's, unchanged until
  // written).
  std::string unwritten_;
  std::vector<std::pair<size_t, absl::string_view>> unwritten_articles_;
  size_t unwritten_article_bytes_ = 0;
  std::vector<iovec> iovecs_;  // WriteOut's, kept across calls
  // Settled articles' memory, for TakeBuffer.
  std::vector<std::string> spare_;

  // Syncs fd_ off the caller's thread; idle (Wait) before fd_ changes.
  BackgroundSync background_sync_{path_};
};

}  // namespace newsflow

#endif  // NEWSFLOW_RUNNER_HOST_JOURNAL_H_
