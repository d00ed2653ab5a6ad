// The two folds of trafilatura-eval-dev BY SITE, shared by the extraction
// bench and the block scorer's fit: development looks at fold A and keeps
// fold B's sites unseen, as the held-out half's are.
#ifndef NEWSFLOW_BENCH_EXTRACT_FOLDS_H_
#define NEWSFLOW_BENCH_EXTRACT_FOLDS_H_

#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/hash.h"
#include "stages/ingest/http_fetcher.h"

namespace newsflow::bench {

// The site a page belongs to: its host's last two labels, or three under a
// two-letter country domain with a short second level ("co.uk", "com.br"),
// so that every page of one site lands in the same fold.
inline std::string SiteOf(const std::string& url) {
  std::string host = newsflow::ingest::UrlHost(url);
  std::vector<std::string> labels = absl::StrSplit(host, '.');
  size_t keep = 2;
  if (labels.size() >= 3 && labels.back().size() == 2 &&
      labels[labels.size() - 2].size() <= 3) {
    keep = 3;
  }
  if (labels.size() <= keep) return host;
  return absl::StrJoin(labels.end() - keep, labels.end(), ".");
}

// 0 (fold A) or 1 (fold B): a stable hash of the page's site.
inline int FoldOf(const std::string& url) {
  return static_cast<int>(newsflow::StableHash64(SiteOf(url)) % 2);
}

}  // namespace newsflow::bench

#endif  // NEWSFLOW_BENCH_EXTRACT_FOLDS_H_
