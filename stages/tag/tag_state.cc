#include "stages/tag/tag_state.h"

#include <fcntl.h>
#include <sys/file.h>
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
// Version 2 checks the file with StableChecksum64; version 1 (still read)
// with StableHash64, FNV-1a, a byte per multiply.
constexpr uint32_t kVersion = 2;
constexpr uint32_t kFnvVersion = 1;
// Bytes buffered while saving before they are written out.
constexpr size_t kSaveChunkBytes = 64 * 1024;

}  // namespace

absl::StatusOr<std::unique_ptr<StateFile>> StateFile::Open(
    const std::string& path) {
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
  return std::unique_ptr<StateFile>(new StateFile(path, fd));
}

StateFile::~StateFile() {
  if (lock_fd_ >= 0) ::close(lock_fd_);  // releases the lock
}

absl::Status StateFile::Load(EntityIdentity* identities,
                             StoryClusterer* stories,
                             DocumentFrequencies* frequencies) const {
  std::ifstream in(path_, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("no state at ", path_));
  // Read into one string of the file's size (a stringstream copy held the
  // state three times over while starting).
  in.seekg(0, std::ios::end);
  std::string bytes(static_cast<size_t>(std::max<std::streamoff>(
                        0, static_cast<std::streamoff>(in.tellg()))),
                    '\0');
  in.seekg(0, std::ios::beg);
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!in) return absl::DataLossError(absl::StrCat("cannot read ", path_));
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
  if (version != kVersion && version != kFnvVersion) {
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
  return absl::OkStatus();
}

absl::Status StateFile::Save(const EntityIdentity& identities,
                             const StoryClusterer& stories,
                             const DocumentFrequencies& frequencies) const {
  // Written through a small buffer, the checksum computed as it goes: the
  // whole state in one string (grown by doubling) left the heap holding a
  // few times the state's size after every save, most of what a
  // long-running tag stage grew by.
  const std::string temporary = path_ + ".tmp";
  std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
  StableChecksum64 checksum;
  size_t written = 0;
  std::string chunk;
  chunk.reserve(kSaveChunkBytes);
  auto write = [&](std::string* bytes) {
    checksum.Update(*bytes);
    out.write(bytes->data(), static_cast<std::streamsize>(bytes->size()));
    written += bytes->size();
    largest_buffer_ = std::max(largest_buffer_, bytes->size());
    bytes->clear();
  };
  auto spill = [&](std::string* bytes) {
    if (bytes->size() >= kSaveChunkBytes) write(bytes);
  };
  chunk.assign(kMagic);
  PutU32(&chunk, kVersion);
  identities.AppendTo(&chunk, spill);
  stories.AppendTo(&chunk, spill);
  frequencies.AppendTo(&chunk, spill);
  write(&chunk);
  PutU64(&chunk, checksum.Value());
  write(&chunk);
  out.close();
  if (!out) {
    return absl::InternalError(absl::StrCat("cannot write ", temporary));
  }
  last_size_ = written;
  if (std::rename(temporary.c_str(), path_.c_str()) != 0) {
    return absl::InternalError(
        absl::StrCat("cannot replace ", path_, ": ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

}  // namespace tag
}  // namespace newsflow
