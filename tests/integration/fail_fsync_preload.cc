// LD_PRELOAD fault seam for integration tests: fsync(2) and fdatasync(2)
// of a file whose path ends in "/out.jsonl" fail with EIO (a lost
// writeback) while the file NF_FAIL_FSYNC_MARKER names exists.
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {
bool Failing(int fd) {
  const char* marker = std::getenv("NF_FAIL_FSYNC_MARKER");
  if (marker == nullptr || access(marker, F_OK) != 0) return false;
  char link[64];
  char target[4096];
  std::snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  const ssize_t n = readlink(link, target, sizeof target - 1);
  if (n <= 0) return false;
  target[n] = 0;
  const size_t length = std::strlen(target);
  return length >= 10 && std::strcmp(target + length - 10, "/out.jsonl") == 0;
}
}  // namespace

extern "C" int fsync(int fd) {
  if (Failing(fd)) {
    errno = EIO;
    return -1;
  }
  return static_cast<int>(syscall(SYS_fsync, fd));
}

extern "C" int fdatasync(int fd) {
  if (Failing(fd)) {
    errno = EIO;
    return -1;
  }
  return static_cast<int>(syscall(SYS_fdatasync, fd));
}
