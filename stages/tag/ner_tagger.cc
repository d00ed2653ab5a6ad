#include "stages/tag/ner_tagger.h"

#include <algorithm>

namespace newsflow {
namespace tag {
namespace {

// Rows cached per word: one per offset, then "first in sentence" and
// "in a caseless sentence".
constexpr int kFirstRow = kNerOffsets;
constexpr int kCaselessRow = kNerOffsets + 1;
constexpr size_t kWordRows = kNerOffsets + 2;
constexpr size_t kMaxCachedPairs = 1 << 20;

inline void AddRow(const float* row, float* out) {
  for (int label = 0; label < kNerLabels; ++label) out[label] += row[label];
}

}  // namespace

NerTagger::NerTagger(const NerModel& model)
    : model_(model), features_(&model.lexicon()) {}

void NerTagger::SumKeys(float* row) {
  const float scale = model_.scale();
  for (uint64_t key : keys_) {
    if (const int16_t* weights = model_.Find(key)) {
      for (int label = 0; label < kNerLabels; ++label) {
        row[label] += weights[label] * scale;
      }
    }
  }
}

const float* NerTagger::WordScores(const WordFacts& facts) {
  constexpr size_t kSize = kWordRows * kNerLabels;
  if (facts.cache_slot >= 0) return &word_cache_[facts.cache_slot * kSize];
  const size_t slot = word_cache_.size() / kSize;
  facts.cache_slot = static_cast<int32_t>(slot);
  word_cache_.resize(word_cache_.size() + kSize, 0.0f);
  float* scores = &word_cache_[slot * kSize];
  for (int offset = -kNerWindow; offset <= kNerWindow; ++offset) {
    keys_.clear();
    features_.AppendWordKeys(facts, offset, &keys_);
    SumKeys(scores + (offset + kNerWindow) * kNerLabels);
  }
  keys_.clear();
  features_.AppendFirstKeys(facts, &keys_);
  SumKeys(scores + kFirstRow * kNerLabels);
  keys_.clear();
  features_.AppendCaselessKeys(facts, &keys_);
  SumKeys(scores + kCaselessRow * kNerLabels);
  return scores;
}

const float* NerTagger::PairScores(const WordFacts& left,
                                   const WordFacts& right) {
  constexpr size_t kSize = 2 * kNerLabels;
  auto [it, inserted] = pair_slots_.try_emplace(
      std::make_pair(&left, &right),
      static_cast<uint32_t>(pair_cache_.size() / kSize));
  if (!inserted) return &pair_cache_[it->second * kSize];
  const size_t slot = it->second;
  pair_cache_.resize(pair_cache_.size() + kSize, 0.0f);
  float* scores = &pair_cache_[slot * kSize];
  keys_.clear();
  right_keys_.clear();
  features_.AppendPairKeys(left, right, &keys_, &right_keys_);
  SumKeys(scores);
  keys_.swap(right_keys_);
  SumKeys(scores + kNerLabels);
  return scores;
}

void NerTagger::Tag(const NerInput& input, std::vector<uint8_t>* labels) {
  features_.Prepare(input, &document_);
  if (features_.generation() != generation_ ||
      pair_slots_.size() > kMaxCachedPairs) {
    // The facts (and the cache slots they held) were dropped, or the pair
    // cache is full.
    if (features_.generation() != generation_) {
      generation_ = features_.generation();
      word_cache_.clear();
      features_.sentence_start().cache_slot = -1;
      features_.sentence_end().cache_slot = -1;
    }
    pair_slots_.clear();
    pair_cache_.clear();
  }
  labels->assign(input.words.size(), 0);
  history_.Clear();
  for (size_t s = 0; s < document_.sentences.size(); ++s) {
    const PreparedDocument::Sentence& sentence = document_.sentences[s];
    const size_t begin = sentence.begin;
    const size_t n = sentence.end - begin;
    auto facts_at = [&](ptrdiff_t i) -> const WordFacts& {
      if (i < 0) return features_.sentence_start();
      if (i >= static_cast<ptrdiff_t>(n)) return features_.sentence_end();
      return *document_.tokens[begin + i].facts;
    };
    emissions_.assign(n * kNerLabels, 0.0f);
    for (size_t i = 0; i < n; ++i) {
      float* emission = &emissions_[i * kNerLabels];
      for (int offset = -kNerWindow; offset <= kNerWindow; ++offset) {
        AddRow(WordScores(facts_at(static_cast<ptrdiff_t>(i) + offset)) +
                   (offset + kNerWindow) * kNerLabels,
               emission);
      }
      const float* own = WordScores(facts_at(static_cast<ptrdiff_t>(i)));
      if (i == 0) AddRow(own + kFirstRow * kNerLabels, emission);
      if (sentence.caseless) AddRow(own + kCaselessRow * kNerLabels, emission);
    }
    for (ptrdiff_t i = -1; i < static_cast<ptrdiff_t>(n); ++i) {
      const float* pair = PairScores(facts_at(i), facts_at(i + 1));
      if (i >= 0) AddRow(pair, &emissions_[i * kNerLabels]);
      if (i + 1 < static_cast<ptrdiff_t>(n)) {
        AddRow(pair + kNerLabels, &emissions_[(i + 1) * kNerLabels]);
      }
    }
    for (size_t i = 0; i < n; ++i) {
      keys_.clear();
      features_.AppendTokenKeys(document_, s, begin + i, &keys_);
      features_.AppendHistoryKeys(history_, *document_.tokens[begin + i].facts,
                                  &keys_);
      SumKeys(&emissions_[i * kNerLabels]);
    }
    decoder_.Decode(emissions_.data(), n, model_.transitions(),
                    labels->data() + begin);
    for (size_t i = begin; i < sentence.end; ++i) {
      history_.Add(*document_.tokens[i].facts, (*labels)[i]);
    }
  }
}

void NerTagger::TagSpans(const NerInput& input, std::vector<NerSpan>* spans) {
  Tag(input, &labels_);
  spans->clear();
  std::vector<NerSpan> sentence_spans;
  for (const PreparedDocument::Sentence& sentence : document_.sentences) {
    NerSpans(labels_.data() + sentence.begin, sentence.end - sentence.begin,
             &sentence_spans);
    for (NerSpan span : sentence_spans) {
      span.begin += sentence.begin;
      span.end += sentence.begin;
      spans->push_back(span);
    }
  }
}

}  // namespace tag
}  // namespace newsflow
