// LD_PRELOAD fault seam for integration tests: fsync(2) and fdatasync(2)
// of a file whose path ends in "/out.jsonl" fail with EIO (a lost
// writeback) while the file NF_FAIL_FSYNC_MARKER names exists. Each one
// that succeeds writes the file's size then into the file
// NF_FSYNCED_SIZE_FILE names (when set), for a test to wait on.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {
// Whether `fd` is the sink's file: its path ends in "/out.jsonl".
bool IsSinkFile(int fd) {
  char link[64];
  char target[4096];
  std::snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  const ssize_t n = readlink(link, target, sizeof target - 1);
  if (n <= 0) return false;
  target[n] = 0;
  const size_t length = std::strlen(target);
  return length >= 10 && std::strcmp(target + length - 10, "/out.jsonl") == 0;
}

bool Failing(int fd) {
  const char* marker = std::getenv("NF_FAIL_FSYNC_MARKER");
  return marker != nullptr && access(marker, F_OK) == 0 && IsSinkFile(fd);
}

// Records the size of the sink's file `fd` synced: written whole to a temporary
// file, then renamed over, so a reader never sees half of it.
int RecordSynced(int fd, int result) {
  const char* size_file = std::getenv("NF_FSYNCED_SIZE_FILE");
  struct stat info;
  if (result != 0 || size_file == nullptr || !IsSinkFile(fd) ||
      fstat(fd, &info) != 0) {
    return result;
  }
  const int saved_errno = errno;
  char temporary[4096];
  std::snprintf(temporary, sizeof temporary, "%s.%d", size_file,
                static_cast<int>(getpid()));
  if (FILE* out = std::fopen(temporary, "w")) {
    std::fprintf(out, "%lld", static_cast<long long>(info.st_size));
    std::fclose(out);
    std::rename(temporary, size_file);
  }
  errno = saved_errno;
  return result;
}
}  // namespace

extern "C" int fsync(int fd) {
  if (Failing(fd)) {
    errno = EIO;
    return -1;
  }
  return RecordSynced(fd, static_cast<int>(syscall(SYS_fsync, fd)));
}

extern "C" int fdatasync(int fd) {
  if (Failing(fd)) {
    errno = EIO;
    return -1;
  }
  return RecordSynced(fd, static_cast<int>(syscall(SYS_fdatasync, fd)));
}
