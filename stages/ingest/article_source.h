// Where the ingest stage gets articles from. Files now; feeds and URLs are
// meant to become sibling implementations, so the stage itself only
// batches what a source yields.
#ifndef NEWSFLOW_STAGES_INGEST_ARTICLE_SOURCE_H_
#define NEWSFLOW_STAGES_INGEST_ARTICLE_SOURCE_H_

#include <deque>

#include "newsflow/stage_plugin.h"
#include "newsflow/v1/article.pb.h"

namespace newsflow::ingest {

class ArticleSource {
 public:
  virtual ~ArticleSource() = default;

  // Reads one unit of input (a file; later a feed fetch), appends the
  // articles it yields to *out, and reports what it could not read through
  // the stage context it was made with. Returns NF_POLL_MORE when another
  // unit is ready now, NF_POLL_IDLE when none is but one may come later,
  // NF_POLL_DONE when everything was read. Must not throw; may be called
  // again after NF_POLL_IDLE or NF_POLL_DONE.
  virtual nf_poll_state ReadNext(std::deque<v1::Article>* out) = 0;
};

}  // namespace newsflow::ingest

#endif  // NEWSFLOW_STAGES_INGEST_ARTICLE_SOURCE_H_
