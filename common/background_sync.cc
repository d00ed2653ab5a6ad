#include "common/background_sync.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"

namespace newsflow {

BackgroundSync::~BackgroundSync() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

void BackgroundSync::Request(int fd) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    fd_ = fd;
    requested_ = true;
  }
  if (!thread_.joinable()) thread_ = std::thread([this] { Loop(); });
  changed_.notify_all();
}

void BackgroundSync::Wait() {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [this] { return !requested_ && !running_; });
}

absl::Status BackgroundSync::TakeError() {
  std::lock_guard<std::mutex> lock(mutex_);
  return std::exchange(error_, absl::OkStatus());
}

void BackgroundSync::Loop() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (true) {
    changed_.wait(lock, [this] { return requested_ || stop_; });
    if (!requested_) return;  // stopping, nothing asked
    requested_ = false;
    running_ = true;
    const int fd = fd_;
    lock.unlock();
    int result = fdatasync(fd);
    while (result != 0 && errno == EINTR) result = fdatasync(fd);
    const int error = result == 0 ? 0 : errno;
    lock.lock();
    running_ = false;
    if (error != 0 && error_.ok()) {
      error_ = absl::UnavailableError(
          absl::StrCat(name_, ": cannot sync: ", std::strerror(error)));
    }
    changed_.notify_all();
  }
}

}  // namespace newsflow
