#include "stages/ingest/url_source.h"

#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/hash.h"
#include "common/time.h"

namespace newsflow::ingest {

UrlSource::UrlSource(UrlSourceOptions options,
                     std::shared_ptr<HttpFetcher> fetcher, StageContext context)
    : options_(std::move(options)),
      fetcher_(std::move(fetcher)),
      context_(context),
      progress_(options_.urls_file.empty()
                    ? "urls"
                    : absl::StrCat("urls_file ", options_.urls_file),
                context),
      seen_(options_.state_path) {}

void UrlSource::Start() {
  started_ = true;
  if (absl::Status status = seen_.Load(); !status.ok()) {
    context_.Warn(absl::StrCat(std::string(status.message()),
                               "; fetching every URL again"));
  }
  std::vector<std::string> urls = options_.urls;
  if (!options_.urls_file.empty()) {
    std::ifstream in(options_.urls_file);
    if (!in) {
      progress_.Reject(options_.urls_file, "cannot read the URL list");
    }
    std::string line;
    while (std::getline(in, line)) {
      std::string url(absl::StripAsciiWhitespace(line));
      if (!url.empty() && url[0] != '#') urls.push_back(std::move(url));
    }
  }
  for (std::string& url : urls) {
    if (!seen_.Contains(url)) queue_.push_back(std::move(url));
  }
}

nf_poll_state UrlSource::ReadNext(std::deque<v1::Article>* out) {
  if (!started_) Start();
  if (queue_.empty()) return NF_POLL_DONE;
  const std::string url = std::move(queue_.front());
  queue_.pop_front();
  progress_.Seen();
  absl::StatusOr<v1::Article> article = FetchPageArticle(*fetcher_, url);
  if (article.ok() && !PageIsArticle(*article, options_.page)) {
    article = absl::FailedPreconditionError(
        absl::StrCat(url, ": no article text (", article->body().size(),
                     " characters, under min_body_chars ",
                     options_.page.min_body_chars, ")"));
  }
  if (!article.ok() && IsTransient(article.status())) {
    // Not remembered: fetched again at the next run.
    progress_.Retry(url, std::string(article.status().message()));
  } else if (!article.ok()) {
    progress_.Reject(url, std::string(article.status().message()));
    seen_.Mark(url);
  } else {
    article->set_id(StableHashHex(url));
    article->set_source(options_.source_name.empty() ? UrlHost(url)
                                                     : options_.source_name);
    article->set_ingested_at(NowRfc3339());
    seen_.Mark(url);
    progress_.Added();
    out->push_back(*std::move(article));
  }
  return queue_.empty() ? NF_POLL_DONE : NF_POLL_MORE;
}

void UrlSource::Commit() {
  if (absl::Status status = seen_.Commit(); !status.ok()) {
    context_.Warn(std::string(status.message()));
  }
}

}  // namespace newsflow::ingest
