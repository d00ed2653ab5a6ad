// Articles from an RSS 2.0 or Atom feed polled over HTTP(S): each new
// item's page is fetched and extracted.
#ifndef NEWSFLOW_STAGES_INGEST_FEED_SOURCE_H_
#define NEWSFLOW_STAGES_INGEST_FEED_SOURCE_H_

#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/time/time.h"
#include "newsflow/stage.h"
#include "stages/ingest/article_source.h"
#include "stages/ingest/feed_parser.h"
#include "stages/ingest/http_fetcher.h"
#include "stages/ingest/page_article.h"
#include "stages/ingest/seen_store.h"

namespace newsflow::ingest {

struct FeedSourceOptions {
  std::string url;
  absl::Duration every = absl::Minutes(5);
  std::string source_name;  // "" = the feed URL's host
  std::string state_path;   // the SeenStore file; "" = remember nothing
  PageOptions page;
};

// Polls the feed when due (at once, then every `every`), with a
// conditional GET (the ETag and Last-Modified of the last complete poll);
// then fetches the page of one new item per ReadNext(). Outcomes:
// - 304 Not Modified, or a feed whose items were all seen: nothing new.
// - Feed fetch fails, is not decodable, or is not a well-formed RSS/Atom
//   document: one rejection naming the URL (and line:column), retried at
//   the next poll.
// - A new item (by FeedItem::Key) whose page gives an article: emitted.
//   Title, published_at and byline the page lacks come from the feed; a
//   page with no article text (PageIsArticle) gets the feed summary as
//   body, with a warning, or is rejected if the feed has none.
// - A page that fails for good (4xx, undecodable, not a page, no text and
//   no summary): rejected and remembered as seen; one that may pass
//   (timeout, 5xx, redirect loop): rejected and retried at the next poll.
// Seen items and the feed's validators survive restarts in state_path,
// written by Commit(). Article ids are StableHashHex("feed:" + URL + key),
// stable across runs.
class FeedSource : public ArticleSource {
 public:
  FeedSource(FeedSourceOptions options, std::shared_ptr<HttpFetcher> fetcher,
             StageContext context);
  nf_poll_state ReadNext(std::deque<v1::Article>* out) override;
  void Commit() override;

 private:
  void PollFeed();
  void FetchItem(const FeedItem& item, std::deque<v1::Article>* out);
  nf_poll_state State() const;

  const FeedSourceOptions options_;
  const std::shared_ptr<HttpFetcher> fetcher_;
  const StageContext context_;
  SourceProgress progress_;
  SeenStore seen_;
  bool loaded_ = false;
  std::optional<absl::Time> next_poll_;
  std::string feed_title_;
  std::deque<FeedItem> queue_;
  absl::flat_hash_set<std::string> queued_keys_;
  // Every item key this process has met, so "seen" counts distinct items
  // rather than the same items again at every poll.
  absl::flat_hash_set<std::string> met_keys_;
  // Transient failures, queued again at the next poll.
  std::deque<FeedItem> retry_;
  // Validators of the last feed response, saved once its items are done.
  std::string etag_;
  std::string last_modified_;
};

}  // namespace newsflow::ingest

#endif  // NEWSFLOW_STAGES_INGEST_FEED_SOURCE_H_
