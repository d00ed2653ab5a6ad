// Merges a database's full-text index while its writer is idle.
//
// Each batch a store commits adds a piece (an FTS5 segment) to the index,
// and FTS5 merges pieces only in groups, so after a bulk load a text query
// walks a dozen pieces. Merging them into one makes text queries cheaper
// but costs writes, so it waits until the writer has stored nothing for a
// while, then goes in bounded steps (ArticleDb::MergeIndexStep) on a
// connection and thread of its own: the writer's indexer waits for at most
// one step when it comes back (a step ends only between terms, so at 1M
// articles up to about 3 s: see ArticleDb::MergeIndexStep). Results never
// change, only what a query costs. The largest piece is rewritten only once the
// others add up to a share of it (ArticleDb::MergeIndexStep): a small batch
// alone waits.
#ifndef NEWSFLOW_STAGES_STORE_INDEX_MERGER_H_
#define NEWSFLOW_STAGES_STORE_INDEX_MERGER_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace newsflow {

class IdleIndexMerger {
 public:
  using Clock = std::chrono::steady_clock;

  // Pages written per step (4 KiB each): 1 MiB, tens of milliseconds for
  // most steps (more when a step reaches a common term's long list).
  static constexpr int kPagesPerStep = 256;

  // Starts merging the index of the database at `location` (opened
  // read-write on the merger's own thread) once `idle` passes without
  // Stored(), and again after each later Stored().
  IdleIndexMerger(std::string location, std::chrono::milliseconds idle);
  // Stops; waits for a step under way (bounded) to end.
  ~IdleIndexMerger();
  IdleIndexMerger(const IdleIndexMerger&) = delete;
  IdleIndexMerger& operator=(const IdleIndexMerger&) = delete;

  // The writer committed something: merging pauses until `idle` passes.
  void Stored();

  // The last failure since the previous call ("" if none); after one the
  // merger tries again once idle. For the caller's log: the merger has no
  // logger of its own.
  std::string TakeError();

 private:
  void Run();

  const std::string location_;
  const std::chrono::milliseconds idle_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;
  // Whether something may be left to merge (true at start: the database
  // may come from an earlier run).
  bool dirty_ = true;
  uint64_t stores_ = 0;
  Clock::time_point last_store_;
  std::string error_;
  std::thread thread_;
};

}  // namespace newsflow

#endif  // NEWSFLOW_STAGES_STORE_INDEX_MERGER_H_
