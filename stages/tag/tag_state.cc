#include "stages/tag/tag_state.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "common/hash.h"
#include "stages/tag/binary_io.h"

namespace newsflow {
namespace tag {
namespace {

constexpr std::string_view kMagic = "NFTAGST1";
// Version 3 is version 2's layout with a log (<path>.log) that may follow
// it: a binary that knows only version 2 would load the base alone, a
// stale state, without a word, so it must refuse the file instead. Version
// 2 (still read) checks the file with StableChecksum64; version 1 (still
// read) with StableHash64, FNV-1a, a byte per multiply.
constexpr uint32_t kVersion = 3;
constexpr uint32_t kChecksumVersion = 2;
constexpr uint32_t kFnvVersion = 1;
constexpr std::string_view kLogMagic = "NFTAGLG1";
constexpr uint32_t kLogVersion = 1;
// Bytes buffered while saving before they are written out.
constexpr size_t kSaveChunkBytes = 64 * 1024;

// Streams a save out through a small buffer, checksumming as it goes;
// `framed` writes each chunk as a log frame (u32 length, bytes).
class ChunkedWriter {
 public:
  ChunkedWriter(const std::string& path, std::ios::openmode mode, bool framed,
                size_t* largest_buffer)
      : out_(path, std::ios::binary | mode),
        framed_(framed),
        largest_buffer_(largest_buffer) {
    chunk_.reserve(kSaveChunkBytes);
  }

  std::string* chunk() { return &chunk_; }
  // Writes the chunk out once it is full (a module's `spill`).
  void Spill(std::string* bytes) {
    if (bytes->size() >= kSaveChunkBytes) Write();
  }
  void Write() {
    if (chunk_.empty()) return;
    checksum_.Update(chunk_);
    *largest_buffer_ = std::max(*largest_buffer_, chunk_.size());
    if (framed_) {
      std::string length;
      PutU32(&length, static_cast<uint32_t>(chunk_.size()));
      Raw(length);
    }
    Raw(chunk_);
    chunk_.clear();
  }
  // Writes what is buffered and the checksum of all of it (after a u32 0
  // frame when framed), and closes the file.
  absl::Status Finish(uint64_t* checksum) {
    Write();
    *checksum = checksum_.Value();
    std::string end;
    if (framed_) PutU32(&end, 0);
    PutU64(&end, *checksum);
    Raw(end);
    out_.close();
    return out_ ? absl::OkStatus() : absl::InternalError("write failed");
  }
  size_t written() const { return written_; }

 private:
  void Raw(const std::string& bytes) {
    out_.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    written_ += bytes.size();
  }

  std::ofstream out_;
  bool framed_;
  size_t* largest_buffer_;
  std::string chunk_;
  StableChecksum64 checksum_;
  size_t written_ = 0;
};

// Flushes what was written to `path` to the disk, so that a power loss
// after a rename or an append cannot leave an empty or torn file behind
// where a whole one was reported saved.
absl::Status SyncFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 || ::fdatasync(fd) != 0) {
    const int error = errno;
    if (fd >= 0) ::close(fd);
    return absl::InternalError(
        absl::StrCat("cannot sync ", path, ": ", std::strerror(error)));
  }
  ::close(fd);
  return absl::OkStatus();
}

// The whole file at `path`; NotFound when there is none.
absl::StatusOr<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("no file at ", path));
  // Read into one string of the file's size (a stringstream copy held the
  // state three times over while starting).
  in.seekg(0, std::ios::end);
  std::string bytes(static_cast<size_t>(std::max<std::streamoff>(
                        0, static_cast<std::streamoff>(in.tellg()))),
                    '\0');
  in.seekg(0, std::ios::beg);
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!in) return absl::DataLossError(absl::StrCat("cannot read ", path));
  return bytes;
}

}  // namespace

absl::StatusOr<std::unique_ptr<StateFile>> StateFile::Open(
    const std::string& path, double compact_after) {
  const std::string lock_path = path + ".lock";
  int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot create ", lock_path, ": ", std::strerror(errno)));
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    ::close(fd);
    return absl::FailedPreconditionError(absl::StrCat(
        path, " is in use by another process (", std::strerror(error), ")"));
  }
  return std::unique_ptr<StateFile>(new StateFile(path, fd, compact_after));
}

StateFile::~StateFile() {
  if (lock_fd_ >= 0) ::close(lock_fd_);  // releases the lock
}

absl::Status StateFile::Load(EntityIdentity* identities,
                             StoryClusterer* stories,
                             DocumentFrequencies* frequencies) {
  in_step_ = false;
  warnings_.clear();
  absl::StatusOr<std::string> read = ReadWholeFile(path_);
  if (absl::IsNotFound(read.status())) {
    return absl::NotFoundError(absl::StrCat("no state at ", path_));
  }
  if (!read.ok()) return read.status();
  const std::string& bytes = *read;
  auto damaged = [&](std::string_view why) {
    return absl::DataLossError(
        absl::StrCat(path_, ": damaged tag state (", std::string(why), ")"));
  };
  if (bytes.size() < kMagic.size() + 12 ||
      std::string_view(bytes).substr(0, kMagic.size()) != kMagic) {
    return damaged("not a tag state file");
  }
  const std::string_view body =
      std::string_view(bytes).substr(0, bytes.size() - 8);
  BinaryReader reader(body, kMagic.size());
  const uint32_t version = reader.U32();
  if (version != kVersion && version != kChecksumVersion &&
      version != kFnvVersion) {
    return damaged("unknown version");
  }
  uint64_t checksum;
  if (version == kFnvVersion) {
    checksum = StableHash64(body);
  } else {
    StableChecksum64 sum;
    sum.Update(body);
    checksum = sum.Value();
  }
  BinaryReader tail(bytes, bytes.size() - 8);
  if (tail.U64() != checksum) return damaged("checksum mismatch");
  size_t pos = reader.pos();
  if (absl::Status s = identities->ReadFrom(body, &pos); !s.ok()) return s;
  if (absl::Status s = stories->ReadFrom(body, &pos); !s.ok()) return s;
  if (absl::Status s = frequencies->ReadFrom(body, &pos); !s.ok()) return s;
  if (pos != body.size()) return damaged("trailing bytes");
  base_checksum_ = checksum;
  base_size_ = bytes.size();
  bool appendable;
  if (absl::Status s = LoadLog(identities, stories, frequencies, &appendable);
      !s.ok()) {
    return s;
  }
  identities->MarkSaved(&identity_marks_);
  stories->MarkSaved(&story_marks_);
  in_step_ = appendable;
  return absl::OkStatus();
}

absl::Status StateFile::LoadLog(EntityIdentity* identities,
                                StoryClusterer* stories,
                                DocumentFrequencies* frequencies,
                                bool* appendable) {
  *appendable = true;
  log_size_ = 0;
  const std::string log = log_path();
  absl::StatusOr<std::string> read = ReadWholeFile(log);
  if (absl::IsNotFound(read.status())) return absl::OkStatus();
  if (!read.ok()) return read.status();
  const std::string_view bytes = *read;
  BinaryReader header(bytes);
  const std::string_view magic = header.Bytes(kLogMagic.size());
  const uint32_t version = header.U32();
  const uint64_t base = header.U64();
  if (!header.ok() || magic != kLogMagic || version != kLogVersion) {
    warnings_.push_back(absl::StrCat(log, ": not a tag state log; ignored"));
    return absl::OkStatus();
  }
  // A log of an earlier base (the process stopped between writing a base
  // and emptying its log): the base holds all of it.
  if (base != base_checksum_) return absl::OkStatus();
  size_t good = header.pos();
  BinaryReader reader(bytes, good);
  std::string record;
  while (reader.remaining() > 0) {
    // One save's record: frames up to a 0 frame and the checksum.
    record.clear();
    bool closed = false;
    while (reader.ok() && !closed) {
      const uint32_t length = reader.U32();
      if (length == 0) {
        StableChecksum64 sum;
        sum.Update(record);
        closed = reader.U64() == sum.Value() && reader.ok();
        break;
      }
      const std::string_view frame = reader.Bytes(length);
      record.append(frame.data(), frame.size());
    }
    if (!closed) {
      warnings_.push_back(absl::StrCat(
          log, ": a torn or damaged save at offset ", good, " (",
          bytes.size() - good,
          " bytes) is ignored; the state is the one saved before it"));
      // Cut it off, so the next save appends after the last whole one.
      if (::truncate(log.c_str(), static_cast<off_t>(good)) != 0) {
        // The records before it are in memory, not in a fresh log: the
        // next save must be whole.
        *appendable = false;
      }
      break;
    }
    size_t pos = 0;
    if (absl::Status s = identities->ReadChangesFrom(record, &pos); !s.ok()) {
      return s;
    }
    if (absl::Status s = stories->ReadChangesFrom(record, &pos); !s.ok()) {
      return s;
    }
    if (absl::Status s = frequencies->ReadFrom(record, &pos); !s.ok()) {
      return s;
    }
    if (pos != record.size()) {
      return absl::DataLossError(absl::StrCat(
          log, ": damaged tag state log (trailing bytes at offset ", good,
          ")"));
    }
    good = reader.pos();
  }
  log_size_ = good;
  return absl::OkStatus();
}

absl::Status StateFile::Save(const EntityIdentity& identities,
                             const StoryClusterer& stories,
                             const DocumentFrequencies& frequencies) {
  // A log not as this process left it (removed, or written by another
  // hand) cannot be appended to.
  struct stat log_stat;
  const bool log_as_left =
      log_size_ == 0 || (::stat(log_path().c_str(), &log_stat) == 0 &&
                         static_cast<size_t>(log_stat.st_size) == log_size_);
  const bool whole = !in_step_ || !log_as_left ||
                     static_cast<double>(log_size_) >=
                         compact_after_ * static_cast<double>(base_size_);
  // Until this save is known written, the marks may say more than the
  // files: a failure makes the next save whole.
  in_step_ = false;
  last_save_whole_ = whole;
  absl::Status saved = whole ? SaveBase(identities, stories, frequencies)
                             : AppendLog(identities, stories, frequencies);
  in_step_ = saved.ok();
  return saved;
}

absl::Status StateFile::SaveBase(const EntityIdentity& identities,
                                 const StoryClusterer& stories,
                                 const DocumentFrequencies& frequencies) {
  // Written through a small buffer, the checksum computed as it goes: the
  // whole state in one string (grown by doubling) left the heap holding a
  // few times the state's size after every save, most of what a
  // long-running tag stage grew by.
  const std::string temporary = path_ + ".tmp";
  ChunkedWriter writer(temporary, std::ios::trunc, /*framed=*/false,
                       &largest_buffer_);
  auto spill = [&](std::string* bytes) { writer.Spill(bytes); };
  std::string* chunk = writer.chunk();
  chunk->assign(kMagic);
  PutU32(chunk, kVersion);
  identities.AppendTo(chunk, spill);
  stories.AppendTo(chunk, spill);
  frequencies.AppendTo(chunk, spill);
  uint64_t checksum;
  if (!writer.Finish(&checksum).ok()) {
    return absl::InternalError(absl::StrCat("cannot write ", temporary));
  }
  last_size_ = writer.written();
  if (absl::Status synced = SyncFile(temporary); !synced.ok()) return synced;
  if (std::rename(temporary.c_str(), path_.c_str()) != 0) {
    return absl::InternalError(
        absl::StrCat("cannot replace ", path_, ": ", std::strerror(errno)));
  }
  base_checksum_ = checksum;
  base_size_ = writer.written();
  // The old log follows the old base; were it left behind by a crash here,
  // its base checksum would not match and it would be ignored.
  std::remove(log_path().c_str());
  log_size_ = 0;
  identities.MarkSaved(&identity_marks_);
  stories.MarkSaved(&story_marks_);
  return absl::OkStatus();
}

absl::Status StateFile::AppendLog(const EntityIdentity& identities,
                                  const StoryClusterer& stories,
                                  const DocumentFrequencies& frequencies) {
  const std::string log = log_path();
  if (log_size_ == 0) {
    std::string header(kLogMagic);
    PutU32(&header, kLogVersion);
    PutU64(&header, base_checksum_);
    std::ofstream out(log, std::ios::binary | std::ios::trunc);
    out.write(header.data(), static_cast<std::streamsize>(header.size()));
    out.close();
    if (!out) return absl::InternalError(absl::StrCat("cannot write ", log));
    log_size_ = header.size();
  }
  ChunkedWriter writer(log, std::ios::app, /*framed=*/true, &largest_buffer_);
  auto spill = [&](std::string* bytes) { writer.Spill(bytes); };
  identities.AppendChangesTo(writer.chunk(), spill, &identity_marks_);
  stories.AppendChangesTo(writer.chunk(), spill, &story_marks_);
  frequencies.AppendTo(writer.chunk(), spill);
  uint64_t checksum;
  if (!writer.Finish(&checksum).ok()) {
    return absl::InternalError(absl::StrCat("cannot append to ", log));
  }
  if (absl::Status synced = SyncFile(log); !synced.ok()) return synced;
  last_size_ = writer.written();
  log_size_ += writer.written();
  return absl::OkStatus();
}

}  // namespace tag
}  // namespace newsflow
