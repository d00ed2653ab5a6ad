#include "stages/ingest/feed_source.h"

#include "absl/strings/str_cat.h"
#include "common/hash.h"
#include "common/time.h"
#include "stages/ingest/charset.h"

namespace newsflow::ingest {
namespace {

constexpr char kEtag[] = "etag";
constexpr char kLastModified[] = "last_modified";

}  // namespace

FeedSource::FeedSource(FeedSourceOptions options,
                       std::shared_ptr<HttpFetcher> fetcher,
                       StageContext context)
    : options_(std::move(options)),
      fetcher_(std::move(fetcher)),
      context_(context),
      progress_(absl::StrCat("feed ", options_.url), context),
      seen_(options_.state_path) {}

nf_poll_state FeedSource::State() const {
  return queue_.empty() ? NF_POLL_IDLE : NF_POLL_MORE;
}

nf_poll_state FeedSource::ReadNext(std::deque<v1::Article>* out) {
  if (!loaded_) {
    loaded_ = true;
    if (absl::Status status = seen_.Load(); !status.ok()) {
      context_.Warn(absl::StrCat(std::string(status.message()),
                                 "; treating every item as new"));
    }
    etag_ = seen_.Value(kEtag);
    last_modified_ = seen_.Value(kLastModified);
  }
  if (!queue_.empty()) {
    FeedItem item = std::move(queue_.front());
    queue_.pop_front();
    queued_keys_.erase(item.Key());
    FetchItem(item, out);
    return State();
  }
  if (!next_poll_.has_value() || absl::Now() >= *next_poll_) PollFeed();
  return State();
}

void FeedSource::PollFeed() {
  next_poll_ = absl::Now() + options_.every;
  for (FeedItem& item : retry_) {
    if (queued_keys_.insert(item.Key()).second) {
      queue_.push_back(std::move(item));
    }
  }
  retry_.clear();
  absl::StatusOr<FetchResponse> response =
      fetcher_->Fetch({options_.url, etag_, last_modified_});
  // A feed that fails is polled again at the next poll: retried, never a
  // dead letter.
  if (!response.ok()) {
    progress_.Retry(options_.url, std::string(response.status().message()));
    context_.Info(absl::StrCat(
        "feed ", options_.url, ": failed (", response.status().message(),
        "); polling again in ", absl::FormatDuration(options_.every)));
    return;
  }
  if (response->status == 304) {
    context_.Info(absl::StrCat("feed ", options_.url,
                               ": not modified; polling again in ",
                               absl::FormatDuration(options_.every)));
    return;
  }
  absl::StatusOr<DecodedText> decoded =
      DecodeToUtf8(response->body, response->content_type);
  if (!decoded.ok()) {
    progress_.Retry(options_.url,
                    absl::StrCat("cannot convert to UTF-8: ",
                                 std::string(decoded.status().message())));
    return;
  }
  absl::StatusOr<Feed> feed = ParseFeed(decoded->utf8, options_.url);
  if (!feed.ok()) {
    progress_.Retry(options_.url, std::string(feed.status().message()));
    return;
  }
  feed_title_ = feed->title;
  int fresh = 0;
  int unchanged = 0;
  int failed = 0;
  for (FeedItem& item : feed->items) {
    const std::string key = item.Key();
    if (key.empty()) {
      progress_.Seen();
      progress_.Reject(options_.url, "an item has no guid, link or title");
      ++failed;
      continue;
    }
    if (met_keys_.insert(key).second) progress_.Seen();
    if (seen_.Contains(key) || !queued_keys_.insert(key).second) {
      ++unchanged;
      continue;
    }
    ++fresh;
    queue_.push_back(std::move(item));
  }
  context_.Info(absl::StrCat(
      "feed ", options_.url, ": ", fresh, " new, ", unchanged, " unchanged",
      failed > 0 ? absl::StrCat(", ", failed, " failed") : "",
      "; polling again in ", absl::FormatDuration(options_.every)));
  etag_ = response->etag;
  last_modified_ = response->last_modified;
}

void FeedSource::FetchItem(const FeedItem& item, std::deque<v1::Article>* out) {
  const std::string key = item.Key();
  const std::string what = item.link.empty() ? key : item.link;
  absl::StatusOr<v1::Article> article =
      item.link.empty()
          ? absl::StatusOr<v1::Article>(absl::FailedPreconditionError(
                absl::StrCat(options_.url, ": item ", key, " has no link")))
          : FetchPageArticle(*fetcher_, item.link);
  if (!article.ok() && IsTransient(article.status())) {
    progress_.Retry(what, std::string(article.status().message()));
    retry_.push_back(item);
    return;
  }
  if (!article.ok() && !absl::IsFailedPrecondition(article.status())) {
    // Gone, over size or undecodable: the feed's text cannot stand in for
    // a page that exists but is bad; remembered, not fetched again.
    progress_.Reject(what, std::string(article.status().message()));
    seen_.Mark(key);
    return;
  }
  if (!article.ok()) {
    const std::string why(article.status().message());
    article = v1::Article();
    article->set_url(item.link);
    article->add_warnings(why);
  }
  if (!PageIsArticle(*article, options_.page)) {
    if (item.summary.empty()) {
      progress_.Reject(what,
                       absl::StrCat("no article text (", article->body().size(),
                                    " characters) and no summary in the feed"));
      seen_.Mark(key);
      return;
    }
    article->add_warnings(
        absl::StrCat("page has no article text (", article->body().size(),
                     " characters); body is the feed's summary"));
    article->set_body(item.summary);
  }
  if (!item.title.empty() && article->title().empty()) {
    article->set_title(item.title);
  }
  if (article->published_at().empty())
    article->set_published_at(item.published);
  if (article->byline().empty()) article->set_byline(item.author);
  if (article->url().empty()) article->set_url(item.link);
  article->set_id(
      StableHashHex(absl::StrCat("feed:", options_.url, "\n", key)));
  article->set_source(options_.source_name.empty() ? UrlHost(options_.url)
                                                   : options_.source_name);
  article->set_ingested_at(NowRfc3339());
  auto& metadata = *article->mutable_metadata();
  metadata["feed_url"] = options_.url;
  if (!feed_title_.empty()) metadata["feed_title"] = feed_title_;
  if (!item.guid.empty()) metadata["guid"] = item.guid;
  seen_.Mark(key);
  progress_.Added();
  out->push_back(*std::move(article));
}

void FeedSource::Commit() {
  if (queue_.empty() && retry_.empty()) {
    seen_.SetValue(kEtag, etag_);
    seen_.SetValue(kLastModified, last_modified_);
  }
  if (absl::Status status = seen_.Commit(); !status.ok()) {
    context_.Warn(std::string(status.message()));
  }
}

}  // namespace newsflow::ingest
