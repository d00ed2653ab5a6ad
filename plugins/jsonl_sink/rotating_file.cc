#include "plugins/jsonl_sink/rotating_file.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace newsflow::plugins::jsonl_sink {

namespace fs = std::filesystem;

absl::StatusOr<std::unique_ptr<RotatingFile>> RotatingFile::Open(
    std::string path, RotationPolicy policy) {
  if (path.empty()) return absl::InvalidArgumentError("no file path given");
  if (policy.max_bytes < 0 || policy.max_files < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid rotation policy for ", path, ": max_bytes ",
                     policy.max_bytes, ", max_files ", policy.max_files));
  }
  fs::path parent = fs::path(path).parent_path();
  if (!parent.empty()) {
    std::error_code error;
    fs::create_directories(parent, error);
    if (error) {
      return absl::FailedPreconditionError(absl::StrCat(
          "cannot create folder ", parent.string(), ": ", error.message()));
    }
  }
  std::unique_ptr<RotatingFile> file(new RotatingFile(std::move(path), policy));
  if (absl::Status status = file->OpenCurrent(); !status.ok()) return status;
  return file;
}

RotatingFile::~RotatingFile() {
  if (fd_ < 0) return;
  (void)WriteOut();
  background_sync_.Wait();
  (void)Sync();
  close(fd_);
}

absl::Status RotatingFile::ErrnoError(const std::string& action) const {
  int error = errno;
  std::string message =
      absl::StrCat(path_, ": ", action, ": ", std::strerror(error));
  // No space for the file: the disk, a quota or the file size limit.
  return error == ENOSPC || error == EDQUOT || error == EFBIG
             ? absl::ResourceExhaustedError(message)
             : absl::UnavailableError(message);
}

absl::Status RotatingFile::OpenCurrent() {
  // Until it is open, the current file holds only what waits in memory
  // (after a rotation whose reopen failed, path was renamed away).
  file_bytes_ = static_cast<int64_t>(buffer_.size());
  fd_ = open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) return ErrnoError("cannot open");
  struct stat info;
  if (fstat(fd_, &info) != 0) return ErrnoError("cannot stat");
  regular_ = S_ISREG(info.st_mode);
  if (!regular_) return absl::OkStatus();
  // Two sinks on one file (two processes on one path, `replicas: 2`)
  // would interleave their records and their rotations rename each
  // other's file away: the second waits for the first to let go (a sink
  // replaced on reload), then is refused.
  const absl::Time give_up = absl::Now() + policy_.lock_wait;
  while (flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    if (error == EINTR) continue;
    if (error == EWOULDBLOCK && absl::Now() < give_up) {
      absl::SleepFor(absl::Milliseconds(20));
      continue;
    }
    close(fd_);
    fd_ = -1;
    if (error == EWOULDBLOCK) {
      return absl::FailedPreconditionError(absl::StrCat(
          path_, ": another sink writes this file (waited ",
          absl::FormatDuration(policy_.lock_wait),
          "; give each sink, and each replica of one, its own path)"));
    }
    errno = error;
    return ErrnoError("cannot lock");
  }
  // A last line without a newline (a record cut short by a refused write
  // and the end of the process, or a line someone else wrote) is ended, not
  // cut: the sink never drops bytes it did not write, and a writer beside
  // it may still be writing that line. What follows starts on a line of
  // its own.
  absl::StatusOr<int64_t> whole = WholeRecordsSize(info.st_size);
  if (!whole.ok()) return whole.status();
  if (*whole < info.st_size) {
    while (write(fd_, "\n", 1) != 1) {
      if (errno != EINTR) return ErrnoError("cannot end its last line");
    }
    warning_ = absl::StrCat(path_, ": its last line (", info.st_size - *whole,
                            " bytes) had no newline: one was added");
    ++info.st_size;
  }
  file_bytes_ += info.st_size;
  return absl::OkStatus();
}

absl::StatusOr<int64_t> RotatingFile::WholeRecordsSize(int64_t size) const {
  if (size == 0) return size;
  int reader = open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (reader < 0) return ErrnoError("cannot open to read its end");
  char chunk[4096];
  int64_t end = size;
  absl::StatusOr<int64_t> whole = int64_t{0};
  while (end > 0) {
    const int64_t start = end > static_cast<int64_t>(sizeof(chunk))
                              ? end - static_cast<int64_t>(sizeof(chunk))
                              : 0;
    const ssize_t n = pread(reader, chunk, static_cast<size_t>(end - start),
                            static_cast<off_t>(start));
    if (n < 0 && errno == EINTR) continue;
    if (n != end - start) {
      whole = ErrnoError("cannot read its end");
      break;
    }
    const void* newline = memrchr(chunk, '\n', static_cast<size_t>(n));
    if (newline != nullptr) {
      whole = start + (static_cast<const char*>(newline) - chunk) + 1;
      break;
    }
    end = start;
  }
  close(reader);
  return whole;
}

absl::Status RotatingFile::WriteOut() {
  if (fd_ < 0) {
    if (absl::Status status = OpenCurrent(); !status.ok()) return status;
  }
  size_t written = 0;
  absl::Status status;
  // Where this write's bytes begin and end in the file (O_APPEND puts them
  // at its end), and whether they are one run (no other writer between).
  off_t start = -1;
  off_t end = -1;
  bool one_run = true;
  while (written < buffer_.size()) {
    ssize_t n = write(fd_, buffer_.data() + written, buffer_.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      status = ErrnoError("write failed");
      break;
    }
    written += static_cast<size_t>(n);
    const off_t after = lseek(fd_, 0, SEEK_CUR);
    if (start < 0) start = after - static_cast<off_t>(n);
    one_run = one_run && after >= 0 && (end < 0 || after - n == end);
    end = after;
  }
  if (!status.ok() && written > 0 && regular_) {
    // A short write then an error (a full disk) left part of a record: the
    // file goes back to where this write began, and the buffer stays whole
    // for the next attempt, so the file never ends on a torn record. Only
    // when the file still ends where this write did: another writer's
    // bytes after it (a second process on the path) are never cut. Then
    // the part stays, a torn line, and its whole record is written again.
    struct stat info;
    if (one_run && start >= 0 && fstat(fd_, &info) == 0 &&
        info.st_size == end && ftruncate(fd_, start) == 0) {
      written = 0;
    } else {
      const size_t last_newline = buffer_.rfind('\n', written - 1);
      written = last_newline == std::string::npos ? 0 : last_newline + 1;
      warning_ = absl::StrCat(
          path_,
          ": a write cut short could not be taken back (the file "
          "grew past it): a torn line stays before the record written again");
    }
  }
  // Whatever was not written stays buffered for the next attempt.
  buffer_.erase(0, written);
  return status;
}

absl::Status RotatingFile::FailForGood(absl::Status status) {
  if (failed_.ok() && !status.ok()) {
    failed_ = absl::DataLossError(
        absl::StrCat(status.message(), " (records written to it may be lost)"));
  }
  return failed_;
}

absl::Status RotatingFile::Sync() {
  if (!failed_.ok()) return failed_;
  if (!regular_ || fd_ < 0) return absl::OkStatus();
  // What the background sync made durable needs no second write; a failure
  // of it must fail this sync (the kernel reports a lost writeback once).
  background_sync_.Wait();
  while (fsync(fd_) != 0) {
    if (errno != EINTR) return FailForGood(ErrnoError("fsync failed"));
  }
  return FailForGood(background_sync_.TakeError());
}

std::string RotatingFile::RotatedPath(int index) const {
  return absl::StrCat(path_, ".", index);
}

absl::Status RotatingFile::Rotate() {
  if (absl::Status status = WriteOut(); !status.ok()) return status;
  if (absl::Status status = Sync(); !status.ok()) return status;
  // path.N-1 -> path.N, ..., path -> path.1: rename() replaces the oldest.
  for (int index = policy_.max_files - 1; index >= 0; --index) {
    std::string from = index == 0 ? path_ : RotatedPath(index);
    if (rename(from.c_str(), RotatedPath(index + 1).c_str()) != 0 &&
        errno != ENOENT) {
      return ErrnoError(
          absl::StrCat("cannot rename ", from, " to ", RotatedPath(index + 1)));
    }
  }
  close(fd_);
  fd_ = -1;
  if (absl::Status status = OpenCurrent(); !status.ok()) return status;
  // Make the renames durable too.
  std::string folder = fs::path(path_).parent_path().string();
  int dir_fd = open(folder.empty() ? "." : folder.c_str(),
                    O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    fsync(dir_fd);
    close(dir_fd);
  }
  return absl::OkStatus();
}

void RotatingFile::RotateIfDue() {
  if (rotation_failing_ && (file_bytes_ < rotation_retry_bytes_ ||
                            absl::Now() < rotation_retry_time_)) {
    return;
  }
  absl::Status status = Rotate();
  if (status.ok()) {
    rotation_failing_ = false;
    return;
  }
  if (!rotation_failing_) unreported_rotation_error_ = status;
  rotation_failing_ = true;
  rotation_retry_bytes_ = file_bytes_ + policy_.max_bytes;
  rotation_retry_time_ = absl::Now() + policy_.rotation_retry_interval;
}

absl::Status RotatingFile::TakeRotationError() {
  return std::exchange(unreported_rotation_error_, absl::OkStatus());
}

absl::Status RotatingFile::Append(std::string_view record) {
  if (!failed_.ok()) return failed_;
  const int64_t size = static_cast<int64_t>(record.size());
  // A write error here (a full disk) keeps the records buffered, this one
  // too, for the next Flush() to report and retry; rotation waits for it.
  if (regular_ && policy_.max_bytes > 0 && file_bytes_ > 0 &&
      file_bytes_ + size > policy_.max_bytes) {
    RotateIfDue();
    if (!failed_.ok()) return failed_;
  }
  if (!buffer_.empty() &&
      buffer_.size() + record.size() > policy_.buffer_bytes) {
    absl::Status written = WriteOut();
    if (written.ok() && regular_) {
      // The disk starts on it now, while the next records are made: the
      // next Flush()'s fsync then waits for the last buffer's worth only.
      background_sync_.Request(fd_);
    } else if (!written.ok() && buffer_.size() + record.size() >
                                    kMaxBufferMultiple * policy_.buffer_bytes) {
      return absl::ResourceExhaustedError(
          absl::StrCat(written.message(), "; ", buffer_.size(),
                       " bytes wait in memory, the most this file holds"));
    }
  }
  buffer_.append(record.data(), record.size());
  file_bytes_ += size;
  return absl::OkStatus();
}

absl::Status RotatingFile::Flush() {
  if (!failed_.ok()) return failed_;
  if (absl::Status status = WriteOut(); !status.ok()) return status;
  return Sync();
}

}  // namespace newsflow::plugins::jsonl_sink
