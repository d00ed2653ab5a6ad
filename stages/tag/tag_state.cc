#include "stages/tag/tag_state.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "common/hash.h"
#include "stages/tag/binary_io.h"

namespace newsflow {
namespace tag {
namespace {

constexpr std::string_view kMagic = "NFTAGST1";
constexpr uint32_t kVersion = 1;

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
  std::ostringstream buffer;
  buffer << in.rdbuf();
  const std::string bytes = buffer.str();
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
  BinaryReader tail(bytes, bytes.size() - 8);
  if (tail.U64() != StableHash64(body)) return damaged("checksum mismatch");
  BinaryReader reader(body, kMagic.size());
  if (reader.U32() != kVersion) return damaged("unknown version");
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
  std::string bytes(kMagic);
  PutU32(&bytes, kVersion);
  identities.AppendTo(&bytes);
  stories.AppendTo(&bytes);
  frequencies.AppendTo(&bytes);
  PutU64(&bytes, StableHash64(bytes));
  const std::string temporary = path_ + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.flush();
    if (!out) {
      return absl::InternalError(absl::StrCat("cannot write ", temporary));
    }
  }
  if (std::rename(temporary.c_str(), path_.c_str()) != 0) {
    return absl::InternalError(
        absl::StrCat("cannot replace ", path_, ": ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

}  // namespace tag
}  // namespace newsflow
