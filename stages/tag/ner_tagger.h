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
#include <memory>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "stages/tag/huge_pages.h"
#include "stages/tag/ner_features.h"
#include "stages/tag/ner_model.h"

namespace newsflow {
namespace tag {

// Rows of `row_floats` floats, allocated in chunks so that adding a row
// never moves or copies the rows before it (a growing vector would copy
// megabytes of cached scores on a cold start, and fault every page twice).
// A chunk is at least `min_chunk_bytes`; by default large and on huge pages
// (huge_pages.h): rows are read at random, a few per token, and memory is
// only taken as rows are added (a huge page at a time, so a store that stays
// small is better given small chunks).
class NerRowStore {
 public:
  static constexpr size_t kMinChunkBytes = size_t{16} << 20;

  explicit NerRowStore(size_t row_floats,
                       size_t min_chunk_bytes = kMinChunkBytes);
  ~NerRowStore();
  NerRowStore(const NerRowStore&) = delete;
  NerRowStore& operator=(const NerRowStore&) = delete;

  size_t size() const { return size_; }
  float* Row(size_t slot) {
    return chunks_[slot >> chunk_bits_] + (slot & chunk_mask_) * row_floats_;
  }
  // Appends a zeroed row and returns its slot.
  size_t Add();
  // Forgets every row; the memory is kept for the rows added next.
  void Clear() { size_ = 0; }

 private:
  size_t row_floats_;
  // Rows per chunk: 1 << chunk_bits_.
  size_t chunk_bits_;
  size_t chunk_mask_;
  size_t size_ = 0;
  std::vector<float*> chunks_;
};

// Document-level label consistency, run once a whole document is labelled:
// a name keeps one type throughout a story, so a span whose words, as
// written, were tagged more often with another type elsewhere in the
// document takes that type (a strict majority of the document's spans of
// those words; ties change nothing). The last word of a person's name of
// several words also counts as a person's span of that word ("Lena Marsh"
// ... "Marsh"). Spans of more than kMaxHarmonizedWords words are left
// alone.
constexpr size_t kMaxHarmonizedWords = 6;
void HarmonizeDocumentLabels(const PreparedDocument& document,
                             std::vector<uint8_t>* labels);

class NerTagger {
 public:
  // Most pairs of adjacent words have no word keys in the model (see
  // NerFeatures::PairWordKeysOf) and score as their NerPairClass: their
  // scores are cached per class, up to `max_cached_pair_classes` classes
  // (emptied before a sentence that could take it past that; a sentence
  // with more pairs than that holds them all until the next one).
  explicit NerTagger(const NerModel& model,
                     size_t max_cached_pair_classes = 1 << 16);

  NerTagger(const NerTagger&) = delete;
  NerTagger& operator=(const NerTagger&) = delete;

  // One label per word of `input` (see ner_features.h for the labels).
  void Tag(const NerInput& input, std::vector<uint8_t>* labels);

  // Tag() and then the entity spans, in token indices.
  void TagSpans(const NerInput& input, std::vector<NerSpan>* spans);

  size_t cached_pair_classes() const { return class_slots_.size(); }

 private:
  // Adds the weights of keys_ to rows: targets_ lists (end, row) in key
  // order, and the keys before `end` (after the previous entry's) go to
  // `row`. All keys are looked up at once (prefetched) and the 16-bit
  // weights summed as integers, scaled once per row.
  void SumBatch();
  // Sums the pair's keys (or only its class keys) into its two rows at
  // `scores`, the left word's then the right word's.
  void SumPairRows(const WordFacts& left, const WordFacts& right,
                   bool with_word_keys, float* scores);
  // Cached sums per word (see ner_tagger.cc for the rows) and per pair of
  // adjacent words (row for the left word, row for the right one).
  const float* WordScores(const WordFacts& facts);
  // `may_have_word_keys` is MayHaveWordKeys(left, right).
  const float* PairScores(const WordFacts& left, const WordFacts& right,
                          bool may_have_word_keys);
  // The scores of a pair whose word keys the model lacks.
  const float* PairClassScores(const WordFacts& left, const WordFacts& right);
  // Whether the model may have a word key of (left, right).
  bool MayHaveWordKeys(const WordFacts& left, const WordFacts& right) const;
  // Asks the CPU to load the slot PairScores() will read.
  void PrefetchPairSlot(const WordFacts& left, const WordFacts& right,
                        bool may_have_word_keys) const;

  const NerModel& model_;
  NerFeatures features_;
  NerDecoder decoder_;
  NerHistory history_;
  uint64_t generation_ = 0;
  // Scores of words without a digit and pairs of them; those involving a
  // word with a digit go to the digit_ caches, emptied with the features'
  // digit-word cache (see NerFeatures) so they stay as small as it.
  using PairSlots =
      HugePageHashMap<std::pair<const WordFacts*, const WordFacts*>, uint32_t>;
  NerRowStore word_cache_;
  PairSlots pair_slots_;
  NerRowStore pair_cache_;
  uint64_t digit_generation_ = 0;
  NerRowStore digit_word_cache_;
  PairSlots digit_pair_slots_;
  NerRowStore digit_pair_cache_;
  // Pairs whose word keys the model lacks, by class: far fewer classes
  // than pairs, so their rows stay in the CPU cache.
  size_t max_cached_pair_classes_;
  HugePageHashMap<NerPairClass, uint32_t> class_slots_;
  NerRowStore class_cache_;
  PreparedDocument document_;
  std::vector<uint64_t> keys_;
  std::vector<std::pair<size_t, float*>> targets_;
  // Scratch for SumBatch(): candidate weight rows and the row they add to.
  struct Found {
    const NerModel::Row* row;
    uint64_t key;
    float* target;
  };
  std::vector<Found> found_;
  std::vector<uint64_t> right_keys_;
  // Per pair of a sentence (from the padding before it): MayHaveWordKeys()
  // and the pair's score rows.
  std::vector<uint8_t> pair_word_keys_;
  std::vector<const float*> pair_rows_;
  // Per token of a sentence and kNerWindow of padding each side: the
  // word's score rows.
  std::vector<const float*> word_rows_;
  std::vector<float> emissions_;
  std::vector<uint8_t> labels_;
};

}  // namespace tag
}  // namespace newsflow

#endif  // NEWSFLOW_STAGES_TAG_NER_TAGGER_H_
