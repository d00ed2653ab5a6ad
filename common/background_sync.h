// BackgroundSync: makes written file data durable (fdatasync) on a thread
// of its own, so that the thread that writes goes on producing while the
// disk catches up. Used by a source's journal (whose syncs bound what a
// power cut loses, and gate nothing sent) and by the JSON-lines sink
// (which syncs as it writes, so that the fsync its flush must wait for
// finds little left to do).
//
// At most one sync runs at a time; requests made while one runs are served
// by one more sync once it ends (which covers everything written before
// them). Failures are kept and reported once, by the next TakeError(): a
// caller that promises durability must check it before promising (Linux
// reports a failed writeback to one fsync only).
#ifndef NEWSFLOW_COMMON_BACKGROUND_SYNC_H_
#define NEWSFLOW_COMMON_BACKGROUND_SYNC_H_

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include "absl/status/status.h"

namespace newsflow {

class BackgroundSync {
 public:
  // `name` names the file in errors.
  explicit BackgroundSync(std::string name) : name_(std::move(name)) {}
  // Waits for a running sync and makes one asked for but not yet started:
  // every request is served.
  ~BackgroundSync();
  BackgroundSync(const BackgroundSync&) = delete;
  BackgroundSync& operator=(const BackgroundSync&) = delete;

  // Asks for an fdatasync of `fd` (the same fd until Wait() returns) and
  // returns without waiting for it. The thread starts on the first call.
  void Request(int fd);
  // Returns once no sync runs or is asked for: before `fd` is closed or
  // replaced, or to know that what was written before Request() is durable.
  void Wait();
  // The first failure since the last call, if any (then cleared).
  absl::Status TakeError();

 private:
  void Loop();

  const std::string name_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable changed_;
  int fd_ = -1;             // guarded by mutex_
  bool requested_ = false;  // guarded by mutex_
  bool running_ = false;    // guarded by mutex_
  bool stop_ = false;       // guarded by mutex_
  absl::Status error_;      // guarded by mutex_
};

}  // namespace newsflow

#endif  // NEWSFLOW_COMMON_BACKGROUND_SYNC_H_
