#include "stages/store/index_merger.h"

#include <memory>
#include <utility>

#include "absl/status/statusor.h"
#include "stages/store/article_db.h"

namespace newsflow {

IdleIndexMerger::IdleIndexMerger(std::string location,
                                 std::chrono::milliseconds idle)
    : location_(std::move(location)), idle_(idle), last_store_(Clock::now()) {
  thread_ = std::thread([this] { Run(); });
}

IdleIndexMerger::~IdleIndexMerger() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void IdleIndexMerger::Stored() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    last_store_ = Clock::now();
    dirty_ = true;
    ++stores_;
  }
  wake_.notify_all();
}

std::string IdleIndexMerger::TakeError() {
  std::lock_guard<std::mutex> lock(mu_);
  return std::exchange(error_, std::string());
}

void IdleIndexMerger::Run() {
  std::unique_ptr<ArticleDb> db;
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    if (!dirty_) {
      wake_.wait(lock, [this] { return stop_ || dirty_; });
      continue;
    }
    const Clock::time_point due = last_store_ + idle_;
    if (Clock::now() < due) {
      // Stored() may move `due` later; the loop looks again.
      wake_.wait_until(lock, due, [this] { return stop_; });
      continue;
    }
    const uint64_t stores = stores_;
    lock.unlock();
    absl::StatusOr<bool> merged = false;
    if (db == nullptr) {
      absl::StatusOr<std::unique_ptr<ArticleDb>> opened =
          ArticleDb::Open(location_, ArticleDb::OpenMode::kReadWrite);
      if (opened.ok()) {
        db = *std::move(opened);
      } else {
        merged = opened.status();
      }
    }
    if (db != nullptr) merged = db->MergeIndexStep(kPagesPerStep);
    lock.lock();
    if (!merged.ok()) {
      error_ = std::string(merged.status().message());
      db.reset();
      last_store_ = Clock::now();  // Tries again after another idle spell.
    } else if (!*merged && stores == stores_) {
      dirty_ = false;
    }
  }
}

}  // namespace newsflow
