// Keyword extraction for one article.
//
// KeywordExtractor is the seam where stream-level statistics will plug in
// later (TF-IDF over the stream, stemming); FrequencyKeywordExtractor is the
// first implementation: term frequency of content words and repeated
// two-word phrases, with title words counting extra.
#ifndef NEWSFLOW_STAGES_TAG_KEYWORDS_H_
#define NEWSFLOW_STAGES_TAG_KEYWORDS_H_

#include <memory>
#include <string>
#include <vector>

#include "stages/tag/tokenizer.h"

namespace newsflow {
namespace tag {

class KeywordExtractor {
 public:
  virtual ~KeywordExtractor() = default;

  // Replaces `keywords` with at most `max_keywords` lower-case, distinct
  // words or phrases, best first.
  virtual void Extract(const TokenizedArticle& article, int max_keywords,
                       std::vector<std::string>* keywords) = 0;
};

// Scoring of FrequencyKeywordExtractor:
//   - content words: three or more characters, not a stopword (see
//     lexicon.h), no digits or periods; each occurrence scores 1, or
//     kTitleWeight in the title;
//   - phrases: two adjacent content words in one sentence, kept when seen
//     at least twice, scoring kPhraseBoost times their occurrences; the
//     words of a kept phrase lose the score the phrase took from them;
//   - ties go to the earlier first occurrence.
// Instances keep scratch buffers between calls: use one per thread.
std::unique_ptr<KeywordExtractor> NewFrequencyKeywordExtractor();

}  // namespace tag
}  // namespace newsflow

#endif  // NEWSFLOW_STAGES_TAG_KEYWORDS_H_
