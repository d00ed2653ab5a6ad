// Runs a NerModel over documents.
//
// Speed comes from caching: the summed weights of every word feature (see
// ner_features.h) are computed once per distinct word and offset, so a token
// costs five cached rows plus a dozen context lookups and a 17-label
// Viterbi step. Instances hold caches and scratch buffers: use one per
// thread. The model must outlive the tagger.
#ifndef NEWSFLOW_STAGES_TAG_NER_TAGGER_H_
#define NEWSFLOW_STAGES_TAG_NER_TAGGER_H_

#include <cstdint>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "stages/tag/ner_features.h"
#include "stages/tag/ner_model.h"

namespace newsflow {
namespace tag {

class NerTagger {
 public:
  explicit NerTagger(const NerModel& model);

  NerTagger(const NerTagger&) = delete;
  NerTagger& operator=(const NerTagger&) = delete;

  // One label per word of `input` (see ner_features.h for the labels).
  void Tag(const NerInput& input, std::vector<uint8_t>* labels);

  // Tag() and then the entity spans, in token indices.
  void TagSpans(const NerInput& input, std::vector<NerSpan>* spans);

 private:
  // Adds the weights of keys_ to `row`.
  void SumKeys(float* row);
  // Cached sums per word (see ner_tagger.cc for the rows) and per pair of
  // adjacent words (row for the left word, row for the right one).
  const float* WordScores(const WordFacts& facts);
  const float* PairScores(const WordFacts& left, const WordFacts& right);

  const NerModel& model_;
  NerFeatures features_;
  NerDecoder decoder_;
  NerHistory history_;
  uint64_t generation_ = 0;
  std::vector<float> word_cache_;
  absl::flat_hash_map<std::pair<const WordFacts*, const WordFacts*>, uint32_t>
      pair_slots_;
  std::vector<float> pair_cache_;
  PreparedDocument document_;
  std::vector<uint64_t> keys_;
  std::vector<uint64_t> right_keys_;
  std::vector<float> emissions_;
  std::vector<uint8_t> labels_;
};

}  // namespace tag
}  // namespace newsflow

#endif  // NEWSFLOW_STAGES_TAG_NER_TAGGER_H_
