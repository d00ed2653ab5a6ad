#include "stages/tag/ner_tagger.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <array>

#include "stages/tag/u64_map.h"

namespace newsflow {
namespace tag {
namespace {

// Rows cached per word: one per offset, then "first in sentence" and
// "in a caseless sentence".
constexpr int kFirstRow = kNerOffsets;
constexpr int kCaselessRow = kNerOffsets + 1;
constexpr size_t kWordRows = kNerOffsets + 2;
constexpr size_t kSmallRowChunkBytes = size_t{256} << 10;
// Pairs ahead whose table slot is prefetched.
constexpr size_t kPrefetchAhead = kNerWindow + 2;
constexpr size_t kMaxCachedPairs = 1 << 20;
// Pairs with a word with a digit: a few per cached digit word.
constexpr size_t kMaxCachedDigitPairs = 4096;

// Rows have 17 labels: the first 16 in a loop the compiler vectorises at
// -O2 (it leaves loops that would need a remainder alone), then the last.
// The rows never overlap (__restrict__): without it GCC, unsure, emitted
// one scalar add per label. Each label is still one addition, so sums are
// bit-equal.
constexpr int kVectorLabels = kNerLabels - 1;
static_assert(kVectorLabels % 8 == 0);

inline void AddRow(const float* __restrict__ row, float* __restrict__ out) {
  for (int label = 0; label < kVectorLabels; ++label) out[label] += row[label];
  out[kVectorLabels] += row[kVectorLabels];
}

// Sums rows of 16-bit weights exactly, as 32-bit integers (in SSE2
// registers where there are some), and adds the total, scaled, to a float
// row.
class RowSum {
 public:
  void Add(const int16_t* weights) {
#if defined(__SSE2__)
    const __m128i low =
        _mm_loadu_si128(reinterpret_cast<const __m128i*>(weights));
    const __m128i high =
        _mm_loadu_si128(reinterpret_cast<const __m128i*>(weights + 8));
    // Widen by pairing each 16-bit value with itself and shifting the
    // copy out arithmetically (SSE2 has no sign-extending load).
    sums_[0] = _mm_add_epi32(sums_[0],
                             _mm_srai_epi32(_mm_unpacklo_epi16(low, low), 16));
    sums_[1] = _mm_add_epi32(sums_[1],
                             _mm_srai_epi32(_mm_unpackhi_epi16(low, low), 16));
    sums_[2] = _mm_add_epi32(
        sums_[2], _mm_srai_epi32(_mm_unpacklo_epi16(high, high), 16));
    sums_[3] = _mm_add_epi32(
        sums_[3], _mm_srai_epi32(_mm_unpackhi_epi16(high, high), 16));
#else
    for (int label = 0; label < kVectorLabels; ++label) {
      sums_[label] += weights[label];
    }
#endif
    last_ += weights[kVectorLabels];
  }

  void AddTo(float scale, float* row) const {
    int32_t sums[kVectorLabels];
#if defined(__SSE2__)
    for (int i = 0; i < 4; ++i) {
      _mm_storeu_si128(reinterpret_cast<__m128i*>(sums + 4 * i), sums_[i]);
    }
#else
    std::copy_n(sums_, kVectorLabels, sums);
#endif
    for (int label = 0; label < kVectorLabels; ++label) {
      row[label] += static_cast<float>(sums[label]) * scale;
    }
    row[kVectorLabels] += static_cast<float>(last_) * scale;
  }

 private:
#if defined(__SSE2__)
  __m128i sums_[4] = {_mm_setzero_si128(), _mm_setzero_si128(),
                      _mm_setzero_si128(), _mm_setzero_si128()};
#else
  int32_t sums_[kVectorLabels] = {};
#endif
  int32_t last_ = 0;
};

constexpr int kPersonType = 0;  // NerTypeName: PER

// The type with strictly more votes than any other, or -1.
int Majority(const std::array<uint16_t, kNerTypes>& votes) {
  int best = -1;
  bool tie = false;
  for (int type = 0; type < kNerTypes; ++type) {
    if (votes[type] == 0) continue;
    if (best < 0 || votes[type] > votes[best]) {
      best = type;
      tie = false;
    } else if (votes[type] == votes[best]) {
      tie = true;
    }
  }
  return tie ? -1 : best;
}

// The words of tokens [begin, end) as written, hashed in order.
uint64_t SpanKey(const PreparedDocument& document, size_t begin, size_t end) {
  uint64_t key = end - begin;
  for (size_t j = begin; j < end; ++j) {
    key = (key ^ document.tokens[j].facts->word) * 0x9e3779b97f4a7c15ull;
    key ^= key >> 29;
  }
  return key;
}

}  // namespace

void HarmonizeDocumentLabels(const PreparedDocument& document,
                             std::vector<uint8_t>* labels) {
  uint8_t* out = labels->data();
  U64Map<std::array<uint16_t, kNerTypes>> votes;
  std::vector<NerSpan> spans, sentence_spans;
  bool has_surnames = false;
  for (const PreparedDocument::Sentence& sentence : document.sentences) {
    NerSpans(out + sentence.begin, sentence.end - sentence.begin,
             &sentence_spans);
    for (NerSpan span : sentence_spans) {
      span.begin += sentence.begin;
      span.end += sentence.begin;
      if (span.end - span.begin > kMaxHarmonizedWords) continue;
      uint16_t& count =
          votes[SpanKey(document, span.begin, span.end)][span.type];
      if (count < UINT16_MAX) ++count;
      if (span.type == kPersonType && span.end - span.begin > 1) {
        // The surname alone names the same person.
        has_surnames = true;
        uint16_t& surname =
            votes[SpanKey(document, span.end - 1, span.end)][kPersonType];
        if (surname < UINT16_MAX) ++surname;
      }
      spans.push_back(span);
    }
  }
  // Every span's words unique in the document: nothing to agree on.
  if (votes.size() == spans.size() && !has_surnames) return;
  for (const NerSpan& span : spans) {
    const int type = Majority(votes[SpanKey(document, span.begin, span.end)]);
    if (type < 0 || type == span.type) continue;
    for (uint32_t j = span.begin; j < span.end; ++j) {
      out[j] = static_cast<uint8_t>(NerLabel(type, NerLabelPosition(out[j])));
    }
  }
}

NerRowStore::NerRowStore(size_t row_floats, size_t min_chunk_bytes)
    : row_floats_(row_floats) {
  chunk_bits_ = 0;
  while ((size_t{1} << chunk_bits_) * row_floats_ * sizeof(float) <
         min_chunk_bytes) {
    ++chunk_bits_;
  }
  chunk_mask_ = (size_t{1} << chunk_bits_) - 1;
}

NerRowStore::~NerRowStore() {
  for (float* chunk : chunks_) {
    FreeHugePageBlock(chunk, (chunk_mask_ + 1) * row_floats_ * sizeof(float));
  }
}

size_t NerRowStore::Add() {
  if ((size_ >> chunk_bits_) == chunks_.size()) {
    // Uninitialised: pages are touched (and zeroed) as rows are added.
    chunks_.push_back(static_cast<float*>(AllocateHugePageBlock(
        (chunk_mask_ + 1) * row_floats_ * sizeof(float))));
  }
  std::fill_n(Row(size_), row_floats_, 0.0f);
  return size_++;
}

NerTagger::NerTagger(const NerModel& model, size_t max_cached_pair_classes)
    : model_(model),
      features_(&model.lexicon()),
      word_cache_(kWordRows * kNerLabels),
      pair_cache_(2 * kNerLabels),
      // Bounded by the small digit-word cache: ordinary memory, as a huge
      // page each would be mostly empty.
      digit_word_cache_(kWordRows * kNerLabels, kSmallRowChunkBytes),
      digit_pair_cache_(2 * kNerLabels, kSmallRowChunkBytes),
      max_cached_pair_classes_(max_cached_pair_classes),
      class_cache_(2 * kNerLabels) {}

void NerTagger::SumBatch() {
  // Three passes so the cache misses overlap: start loading every key's
  // slot, then find each key's candidate row (and start loading it), then
  // check the rows and add them up.
  for (uint64_t key : keys_) model_.Prefetch(key);
  found_.clear();
  size_t k = 0;
  for (const auto& [end, target] : targets_) {
    for (; k < end; ++k) {
      if (const NerModel::Row* row = model_.Candidate(keys_[k])) {
        __builtin_prefetch(row);
        found_.push_back({row, keys_[k], target});
      }
    }
  }
  RowSum sum;
  float* target = nullptr;
  for (const Found& found : found_) {
    const int16_t* weights = found.row->key == found.key
                                 ? found.row->weights
                                 : model_.Find(found.key);
    if (weights == nullptr) continue;
    if (found.target != target) {
      if (target != nullptr) sum.AddTo(model_.scale(), target);
      sum = RowSum();
      target = found.target;
    }
    sum.Add(weights);
  }
  if (target != nullptr) sum.AddTo(model_.scale(), target);
}

void NerTagger::SumPairRows(const WordFacts& left, const WordFacts& right,
                            bool with_word_keys, float* scores) {
  keys_.clear();
  right_keys_.clear();
  if (with_word_keys) {
    features_.AppendPairKeys(left, right, &keys_, &right_keys_);
  } else {
    features_.AppendPairClassKeys(left, right, &keys_, &right_keys_);
  }
  targets_.clear();
  targets_.emplace_back(keys_.size(), scores);
  keys_.insert(keys_.end(), right_keys_.begin(), right_keys_.end());
  targets_.emplace_back(keys_.size(), scores + kNerLabels);
  SumBatch();
}

const float* NerTagger::WordScores(const WordFacts& facts) {
  NerRowStore& cache =
      facts.Has(WordFacts::kHasDigit) ? digit_word_cache_ : word_cache_;
  if (facts.cache_slot >= 0) return cache.Row(facts.cache_slot);
  const size_t slot = cache.Add();
  facts.cache_slot = static_cast<int32_t>(slot);
  float* scores = cache.Row(slot);
  keys_.clear();
  targets_.clear();
  auto rows_up_to = [&](size_t row) {
    targets_.emplace_back(keys_.size(), scores + row * kNerLabels);
  };
  for (int offset = -kNerWindow; offset <= kNerWindow; ++offset) {
    features_.AppendWordKeys(facts, offset, &keys_);
    rows_up_to(static_cast<size_t>(offset + kNerWindow));
  }
  features_.AppendFirstKeys(facts, &keys_);
  rows_up_to(kFirstRow);
  features_.AppendCaselessKeys(facts, &keys_);
  rows_up_to(kCaselessRow);
  SumBatch();
  return scores;
}

bool NerTagger::MayHaveWordKeys(const WordFacts& left,
                                const WordFacts& right) const {
  const NerFeatures::PairWordKeys words = features_.PairWordKeysOf(left, right);
  return model_.MayHave(words.left) || model_.MayHave(words.right);
}

void NerTagger::PrefetchPairSlot(const WordFacts& left, const WordFacts& right,
                                 bool may_have_word_keys) const {
  if (!may_have_word_keys) {
    class_slots_.prefetch(NerPairClass::Of(left, right));
    return;
  }
  const bool with_digit =
      left.Has(WordFacts::kHasDigit) || right.Has(WordFacts::kHasDigit);
  (with_digit ? digit_pair_slots_ : pair_slots_)
      .prefetch(std::make_pair(&left, &right));
}

const float* NerTagger::PairClassScores(const WordFacts& left,
                                        const WordFacts& right) {
  auto [it, inserted] =
      class_slots_.try_emplace(NerPairClass::Of(left, right),
                               static_cast<uint32_t>(class_cache_.size()));
  if (!inserted) return class_cache_.Row(it->second);
  float* scores = class_cache_.Row(class_cache_.Add());
  SumPairRows(left, right, /*with_word_keys=*/false, scores);
  return scores;
}

const float* NerTagger::PairScores(const WordFacts& left,
                                   const WordFacts& right,
                                   bool may_have_word_keys) {
  // Without its word keys a pair sums exactly the weights of its class.
  if (!may_have_word_keys) return PairClassScores(left, right);
  const bool with_digit =
      left.Has(WordFacts::kHasDigit) || right.Has(WordFacts::kHasDigit);
  PairSlots& slots = with_digit ? digit_pair_slots_ : pair_slots_;
  NerRowStore& cache = with_digit ? digit_pair_cache_ : pair_cache_;
  auto [it, inserted] = slots.try_emplace(std::make_pair(&left, &right),
                                          static_cast<uint32_t>(cache.size()));
  if (!inserted) return cache.Row(it->second);
  float* scores = cache.Row(cache.Add());
  SumPairRows(left, right, /*with_word_keys=*/true, scores);
  return scores;
}

void NerTagger::Tag(const NerInput& input, std::vector<uint8_t>* labels) {
  features_.Prepare(input, &document_);
  // Pairs are keyed by facts pointers: they go when either word's facts go.
  const bool words_dropped = features_.generation() != generation_;
  const bool digit_words_dropped =
      features_.digit_generation() != digit_generation_;
  if (words_dropped || pair_slots_.size() > kMaxCachedPairs) {
    if (words_dropped) {
      generation_ = features_.generation();
      word_cache_.Clear();
      features_.sentence_start().cache_slot = -1;
      features_.sentence_end().cache_slot = -1;
    }
    pair_slots_.clear();
    pair_cache_.Clear();
  }
  if (words_dropped || digit_words_dropped ||
      digit_pair_slots_.size() > kMaxCachedDigitPairs) {
    if (digit_words_dropped) {
      digit_generation_ = features_.digit_generation();
      digit_word_cache_.Clear();
    }
    digit_pair_slots_.clear();
    digit_pair_cache_.Clear();
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
    // Every pair's rows are found first and start loading while the word
    // rows are added: read right after their lookup, they stalled on memory.
    // (The rows are still added after the word rows, so sums are
    // unchanged.)
    if (class_slots_.size() + n + 1 > max_cached_pair_classes_) {
      class_slots_.clear();
      class_cache_.Clear();
    }
    pair_word_keys_.resize(n + 1);
    for (ptrdiff_t i = -1; i < static_cast<ptrdiff_t>(n); ++i) {
      pair_word_keys_[i + 1] = MayHaveWordKeys(facts_at(i), facts_at(i + 1));
    }
    pair_rows_.resize(n + 1);
    for (ptrdiff_t i = -1; i < static_cast<ptrdiff_t>(n); ++i) {
      // The pair table holds up to kMaxCachedPairs pairs and its lookups
      // stalled on memory: start loading a later pair's slot.
      if (i + static_cast<ptrdiff_t>(kPrefetchAhead) <
          static_cast<ptrdiff_t>(n)) {
        PrefetchPairSlot(facts_at(i + kPrefetchAhead),
                         facts_at(i + kPrefetchAhead + 1),
                         pair_word_keys_[i + kPrefetchAhead + 1]);
      }
      const float* pair =
          PairScores(facts_at(i), facts_at(i + 1), pair_word_keys_[i + 1]);
      constexpr size_t kPairBytes = 2 * kNerLabels * sizeof(float);
      for (size_t offset = 0; offset < kPairBytes; offset += 64) {
        __builtin_prefetch(reinterpret_cast<const char*>(pair) + offset);
      }
      __builtin_prefetch(reinterpret_cast<const char*>(pair) + kPairBytes - 1);
      pair_rows_[i + 1] = pair;
    }
    // Likewise every word's rows, padding included, before any is added:
    // the lookups overlap instead of each waiting for the one before.
    word_rows_.clear();
    for (ptrdiff_t i = -kNerWindow; i < static_cast<ptrdiff_t>(n) + kNerWindow;
         ++i) {
      const float* rows = WordScores(facts_at(i));
      constexpr size_t kOffsetBytes = kNerOffsets * kNerLabels * sizeof(float);
      for (size_t offset = 0; offset < kOffsetBytes; offset += 64) {
        __builtin_prefetch(reinterpret_cast<const char*>(rows) + offset);
      }
      word_rows_.push_back(rows);
    }
    emissions_.assign(n * kNerLabels, 0.0f);
    for (size_t i = 0; i < n; ++i) {
      float* emission = &emissions_[i * kNerLabels];
      for (int offset = -kNerWindow; offset <= kNerWindow; ++offset) {
        AddRow(word_rows_[static_cast<ptrdiff_t>(i) + offset + kNerWindow] +
                   (offset + kNerWindow) * kNerLabels,
               emission);
      }
      const float* own = word_rows_[i + kNerWindow];
      if (i == 0) AddRow(own + kFirstRow * kNerLabels, emission);
      if (sentence.caseless) AddRow(own + kCaselessRow * kNerLabels, emission);
    }
    for (ptrdiff_t i = -1; i < static_cast<ptrdiff_t>(n); ++i) {
      const float* pair = pair_rows_[i + 1];
      if (i >= 0) AddRow(pair, &emissions_[i * kNerLabels]);
      if (i + 1 < static_cast<ptrdiff_t>(n)) {
        AddRow(pair + kNerLabels, &emissions_[(i + 1) * kNerLabels]);
      }
    }
    keys_.clear();
    targets_.clear();
    for (size_t i = 0; i < n; ++i) {
      features_.AppendTokenKeys(document_, s, begin + i, &keys_);
      features_.AppendHistoryKeys(history_, *document_.tokens[begin + i].facts,
                                  &keys_);
      targets_.emplace_back(keys_.size(), &emissions_[i * kNerLabels]);
    }
    SumBatch();
    decoder_.Decode(emissions_.data(), n, model_.transitions(),
                    labels->data() + begin);
    for (size_t i = begin; i < sentence.end; ++i) {
      history_.Add(*document_.tokens[i].facts, (*labels)[i]);
    }
  }
  HarmonizeDocumentLabels(document_, labels);
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
