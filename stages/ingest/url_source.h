// Articles from a fixed list of page URLs, each fetched and extracted once.
#ifndef NEWSFLOW_STAGES_INGEST_URL_SOURCE_H_
#define NEWSFLOW_STAGES_INGEST_URL_SOURCE_H_

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "newsflow/stage.h"
#include "stages/ingest/article_source.h"
#include "stages/ingest/http_fetcher.h"
#include "stages/ingest/page_article.h"
#include "stages/ingest/seen_store.h"

namespace newsflow::ingest {

struct UrlSourceOptions {
  std::vector<std::string> urls;
  std::string
      urls_file;  // one URL a line; blank lines and '#' comments skipped
  std::string source_name;  // "" = each URL's host
  std::string state_path;   // the SeenStore file; "" = remember nothing
  PageOptions page;
};

// One URL per ReadNext(), in order, then NF_POLL_DONE. A URL fetched into
// an article, or failed for good (HTTP 4xx, not decodable, not a page, no
// article text), is remembered in the state file and not fetched again by
// later runs; one that failed for a reason that may pass (timeout, HTTP
// 5xx) is rejected and left for the next run. Article ids are
// StableHashHex of the URL as listed, so they are stable across runs.
class UrlSource : public ArticleSource {
 public:
  UrlSource(UrlSourceOptions options, std::shared_ptr<HttpFetcher> fetcher,
            StageContext context);
  nf_poll_state ReadNext(std::deque<v1::Article>* out) override;
  void Commit() override;

 private:
  void Start();

  const UrlSourceOptions options_;
  const std::shared_ptr<HttpFetcher> fetcher_;
  const StageContext context_;
  SourceProgress progress_;
  SeenStore seen_;
  bool started_ = false;
  std::deque<std::string> queue_;
};

}  // namespace newsflow::ingest

#endif  // NEWSFLOW_STAGES_INGEST_URL_SOURCE_H_
