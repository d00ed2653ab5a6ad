#include "stages/ingest/stdin_source.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/article_json.h"
#include "common/hash.h"
#include "common/text.h"
#include "common/time.h"

namespace newsflow::ingest {

StdinSource::StdinSource(StdinSourceOptions options, StageContext context)
    : options_(std::move(options)), progress_("stdin", context) {
  int flags = fcntl(options_.fd, F_GETFL);
  if (flags >= 0) fcntl(options_.fd, F_SETFL, flags | O_NONBLOCK);
}

nf_poll_state StdinSource::ReadNext(std::deque<v1::Article>* out) {
  if (eof_) return NF_POLL_DONE;
  char chunk[65536];
  ssize_t n = read(options_.fd, chunk, sizeof(chunk));
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
    return NF_POLL_IDLE;
  }
  if (n < 0) {
    progress_.Reject("stdin", absl::StrCat("cannot read: ", strerror(errno)));
    eof_ = true;
    return NF_POLL_DONE;
  }
  if (n == 0) {
    eof_ = true;
    if (!buffer_.empty() && !skipping_long_line_) TakeLine(buffer_, out);
    buffer_.clear();
    return NF_POLL_DONE;
  }
  buffer_.append(chunk, static_cast<size_t>(n));
  size_t start = 0;
  for (size_t newline = buffer_.find('\n'); newline != std::string::npos;
       newline = buffer_.find('\n', start)) {
    if (skipping_long_line_) {
      skipping_long_line_ = false;  // the over-long line ends here
    } else {
      TakeLine(std::string_view(buffer_).substr(start, newline - start), out);
    }
    start = newline + 1;
  }
  buffer_.erase(0, start);
  if (static_cast<int64_t>(buffer_.size()) > options_.max_line_bytes) {
    ++line_number_;
    progress_.Seen();
    progress_.Reject(
        absl::StrCat("stdin:", line_number_),
        absl::StrCat("line longer than ", options_.max_line_bytes, " bytes"));
    buffer_.clear();
    skipping_long_line_ = true;
  }
  return NF_POLL_MORE;
}

void StdinSource::TakeLine(std::string_view line,
                           std::deque<v1::Article>* out) {
  ++line_number_;
  while (!line.empty() &&
         absl::ascii_isspace(static_cast<unsigned char>(line.back()))) {
    line.remove_suffix(1);
  }
  while (!line.empty() &&
         absl::ascii_isspace(static_cast<unsigned char>(line.front()))) {
    line.remove_prefix(1);
  }
  if (line.empty()) return;
  progress_.Seen();
  const std::string what = absl::StrCat("stdin:", line_number_);
  if (!IsValidUtf8(line)) {
    progress_.Reject(
        what,
        absl::StrCat("invalid UTF-8 at byte ", FirstInvalidUtf8Offset(line)),
        line);
    return;
  }
  absl::StatusOr<v1::Article> article =
      ArticleFromJson(line, /*ignore_unknown_fields=*/true);
  if (!article.ok()) {
    progress_.Reject(what, std::string(article.status().message()), line);
    return;
  }
  if (article->id().empty()) article->set_id(StableHashHex(line));
  if (article->source().empty()) article->set_source(options_.source_name);
  if (article->ingested_at().empty()) article->set_ingested_at(NowRfc3339());
  if (article->format().empty()) article->set_format("json");
  (*article->mutable_metadata())["line"] = absl::StrCat(line_number_);
  progress_.Added();
  out->push_back(*std::move(article));
}

}  // namespace newsflow::ingest
