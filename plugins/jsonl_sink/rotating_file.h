// An append-only file of records that rotates by size and reports every
// write error.
//
// Records are buffered in memory and written with write(2), so an error
// (a full disk, say) is seen precisely: what was not written stays buffered
// and is retried by the next Append() or Flush(), and Flush() reports the
// error. Append() takes its record even then (the caller's flush, which
// fails, holds back whatever promise it makes for it), up to a bound: once
// a failed write left more than kMaxBufferMultiple x buffer_bytes (16 MB by
// default) buffered, Append() refuses further records (taking nothing) with
// absl::ResourceExhaustedError, and the caller must stop and start again
// from what it has not yet been promised. Nothing is ever dropped silently.
// A write cut short (the disk filled mid-record) is taken back, so the file
// never ends on part of a record; a file a dead process left so (no flush
// succeeded after that part) is cut back to its last newline on opening.
//
// A failed sync is different: the kernel may have dropped the written pages
// and reports that to one sync only, so nothing written to this file is
// known to be on disk any more. It fails the file for good: every later
// Append() and Flush() returns the same absl::DataLossError, and the caller
// must start again from what it has not yet been promised.
//
// Rotation renames path.N-1 to path.N, ..., path to path.1 (path.N, the
// oldest, is replaced) and starts a new, empty path. A record is never
// split across files; a record larger than max_bytes gets a file to itself.
// A failed rotation (a rename refused, say) loses nothing: the records stay
// in path, which grows on. It is reported once, by TakeRotationError(), and
// retried only once another max_bytes were appended and
// rotation_retry_interval passed, not by every record.
// Only regular files rotate and are fsync()ed: a FIFO or /dev/stdout is
// simply written to. Each full buffer written is synced in the background
// (common/background_sync.h) while the next one fills, so a Flush() waits
// for little more than the last one.
#ifndef NEWSFLOW_PLUGINS_JSONL_SINK_ROTATING_FILE_H_
#define NEWSFLOW_PLUGINS_JSONL_SINK_ROTATING_FILE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/background_sync.h"

namespace newsflow::plugins::jsonl_sink {

struct RotationPolicy {
  // Rotate before a record would take the current file past this many
  // bytes; 0 never rotates.
  int64_t max_bytes = int64_t{64} << 20;
  // Rotated files kept, path.1 (newest) to path.N. At least 1.
  int max_files = 5;
  // Bytes held in memory before they are written out.
  size_t buffer_bytes = size_t{1} << 20;
  // After a failed rotation, the least time before it is tried again.
  absl::Duration rotation_retry_interval = absl::Seconds(10);
  // How long opening waits for another sink holding the file to let it go
  // before refusing: a sink replaced on reload binds its successor's
  // endpoints first, then drains and exits, so the successor opens the
  // file while the old process still holds it.
  absl::Duration lock_wait = absl::Seconds(30);
};

// After a failed write, Append() refuses records once this many buffers'
// worth waits in memory: a full disk must not take all of it.
inline constexpr size_t kMaxBufferMultiple = 16;

class RotatingFile {
 public:
  // Opens `path` for appending (creating it and its folders), continuing
  // after its last whole record (see the file comment).
  static absl::StatusOr<std::unique_ptr<RotatingFile>> Open(
      std::string path, RotationPolicy policy);

  // Writes out what it still can and closes; call Flush() first to learn
  // about errors.
  ~RotatingFile();
  RotatingFile(const RotatingFile&) = delete;
  RotatingFile& operator=(const RotatingFile&) = delete;

  // Appends one record: the caller includes its trailing newline. Fails
  // (taking nothing) only once the file failed for good or a failed write
  // left its buffer full (see the file comment): either way the caller must
  // stop using it.
  absl::Status Append(std::string_view record);

  // The error of a failed rotation, once per run of failures (OK when
  // there is none to report): the records are safe, but path grows on.
  absl::Status TakeRotationError();

  // What the caller should log, once (empty when nothing): a last line
  // found without a newline at opening, which was ended with one (bytes
  // the sink did not write are never cut), or a short write another
  // writer's bytes kept from being taken back.
  std::string TakeWarning() { return std::exchange(warning_, std::string()); }

  // Writes out everything appended so far and fsync()s it: when this
  // returns OK, the records are on disk. A write error is returned and may
  // pass (a retry writes what was kept); a sync error never does.
  absl::Status Flush();

  const std::string& path() const { return path_; }
  // Size of the current file including buffered records.
  int64_t file_bytes() const { return file_bytes_; }

 private:
  RotatingFile(std::string path, RotationPolicy policy)
      : path_(std::move(path)), policy_(policy), background_sync_(path_) {}

  absl::Status OpenCurrent();
  absl::Status WriteOut();
  // The size of path's first `size` bytes up to its last newline: its
  // whole records (0 when there is none).
  absl::StatusOr<int64_t> WholeRecordsSize(int64_t size) const;
  absl::Status Sync();
  absl::Status Rotate();
  // Rotates when due; a failure is kept for TakeRotationError() and
  // postpones the next attempt.
  void RotateIfDue();
  std::string RotatedPath(int index) const;
  absl::Status ErrnoError(const std::string& action) const;
  // Keeps a sync's failure for every later call (see the file comment).
  absl::Status FailForGood(absl::Status status);

  const std::string path_;
  const RotationPolicy policy_;
  int fd_ = -1;
  // A regular file: rotated and fsync()ed.
  bool regular_ = true;
  int64_t file_bytes_ = 0;
  std::string buffer_;
  // Set by the first failed sync; then every Append() and Flush() fails.
  absl::Status failed_;
  // After a failed rotation: no new attempt before both of these.
  bool rotation_failing_ = false;
  int64_t rotation_retry_bytes_ = 0;
  absl::Time rotation_retry_time_;
  absl::Status unreported_rotation_error_;
  std::string warning_;
  // Syncs what each full buffer wrote while the next fills (Sync() waits
  // for it before fd_ is synced, closed or replaced).
  BackgroundSync background_sync_;
};

}  // namespace newsflow::plugins::jsonl_sink

#endif  // NEWSFLOW_PLUGINS_JSONL_SINK_ROTATING_FILE_H_
