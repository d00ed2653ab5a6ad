// Where the ingest stage gets articles from: files, Reuters SGML archives,
// standard input, web pages and feeds, each a sibling implementation of
// ArticleSource in its own file, so the stage itself only batches and
// round-robins what its sources yield.
#ifndef NEWSFLOW_STAGES_INGEST_ARTICLE_SOURCE_H_
#define NEWSFLOW_STAGES_INGEST_ARTICLE_SOURCE_H_

#include <cstdint>
#include <deque>
#include <string>

#include "absl/strings/str_cat.h"
#include "newsflow/stage.h"
#include "newsflow/stage_plugin.h"
#include "newsflow/v1/article.pb.h"

namespace newsflow::ingest {

class ArticleSource {
 public:
  virtual ~ArticleSource() = default;

  // Reads one unit of input (a file; a feed fetch; a page), appends the
  // articles it yields to *out, and reports what it could not read through
  // the stage context it was made with. Returns NF_POLL_MORE when another
  // unit is ready now, NF_POLL_IDLE when none is but one may come later,
  // NF_POLL_DONE when everything was read. Must not throw; may be called
  // again after NF_POLL_IDLE or NF_POLL_DONE.
  virtual nf_poll_state ReadNext(std::deque<v1::Article>* out) = 0;

  // Everything ReadNext returned so far has been handed to the host (and
  // so written to the source journal). Sources that remember what they
  // have read across restarts save that memory here, never earlier, so a
  // crash cannot mark as read what was never sent.
  virtual void Commit() {}
};

// Cumulative per-source counters, sent to the runner's summary through
// StageContext::Progress whenever they change: `seen` counts what the
// source looked at (files, feed items, documents, lines, URLs), `added`
// the articles it produced, `failed` what it rejected.
class SourceProgress {
 public:
  // Reports zeros at once, so that every source shows in the summary.
  SourceProgress(std::string name, StageContext context)
      : name_(std::move(name)), context_(context) {
    context_.Progress(name_, 0, 0, 0);
  }

  const std::string& name() const { return name_; }
  void Seen(int64_t n = 1) { Bump(&seen_, n); }
  void Added(int64_t n = 1) { Bump(&added_, n); }
  // Rejects the input for good through the host (which keeps it with the
  // dead letters) and counts it as failed.
  void Reject(const std::string& what, const std::string& reason,
              std::string_view raw = {}) {
    context_.Reject(what, reason, raw);
    Bump(&failed_, 1);
  }
  // An attempt that failed but will be made again (a feed that is down, a
  // page that timed out): logged and counted as failed, not a dead letter,
  // since the input may yet arrive and each poll would add another.
  void Retry(const std::string& what, const std::string& reason) {
    context_.Warn(absl::StrCat("will retry ", what, ": ", reason));
    Bump(&failed_, 1);
  }

  // Input of `n` bytes was found (a listed file): the total grows.
  void BytesListed(int64_t n) { BumpBytes(&bytes_total_, n); }
  // `n` bytes of listed input were consumed: read, skipped or rejected.
  void BytesRead(int64_t n) { BumpBytes(&bytes_read_, n); }

  int64_t seen() const { return seen_; }
  int64_t added() const { return added_; }
  int64_t failed() const { return failed_; }

 private:
  void Bump(int64_t* counter, int64_t n) {
    if (n == 0) return;
    *counter += n;
    context_.Progress(name_, seen_, added_, failed_);
  }
  void BumpBytes(int64_t* counter, int64_t n) {
    if (n <= 0) return;
    *counter += n;
    context_.ProgressBytes(name_, bytes_read_, bytes_total_);
  }

  const std::string name_;
  const StageContext context_;
  int64_t seen_ = 0;
  int64_t added_ = 0;
  int64_t failed_ = 0;
  int64_t bytes_read_ = 0;
  int64_t bytes_total_ = 0;
};

}  // namespace newsflow::ingest

#endif  // NEWSFLOW_STAGES_INGEST_ARTICLE_SOURCE_H_
