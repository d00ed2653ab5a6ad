// The trained named-entity model: feature weights, label transitions and
// the lexicon (word clusters, capitalisation profiles) it was trained with.
//
// File format (all integers little-endian):
//   "NFNERMDL"            8-byte magic
//   u32 format version    kNerModelFormat
//   u32 feature version   kNerFeatureVersion of the code that trained it
//   string description    free text: data, command, scores (length-prefixed)
//   lexicon               NerLexicon::AppendTo
//   f32 x 18 x 18         transitions; row/column 17 is sentence start/end
//   f32 scale             weight = int16 value * scale
//   u32 n, then n x { u64 key, u32 label mask, i16 per set bit }
//   u64 checksum          StableHash64 of every byte before it
// A file written by another format or feature version is refused with a
// message saying so, never misread.
#ifndef NEWSFLOW_STAGES_TAG_NER_MODEL_H_
#define NEWSFLOW_STAGES_TAG_NER_MODEL_H_

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "stages/tag/huge_pages.h"
#include "stages/tag/ner_features.h"
#include "stages/tag/ner_lexicon.h"

namespace newsflow {
namespace tag {

constexpr uint32_t kNerModelFormat = 1;
// Row/column of the transition matrix for sentence start (as "from") and
// end (as "to").
constexpr int kNerBoundary = kNerLabels;
constexpr int kNerTransitionSize = kNerLabels + 1;
using NerTransitions =
    std::array<float, kNerTransitionSize * kNerTransitionSize>;

// The shipped model, models/ner.bin, found like every shipped file
// (common/install_layout.h: the binary's own installation first, then the
// source tree it was built from). Empty when neither has it.
std::string DefaultNerModelPath();

// Whether BILOU allows label `to` right after `from` (either may be
// kNerBoundary).
bool NerTransitionAllowed(int from, int to);

class NerModel {
 public:
  // Reads and checks a model file.
  static absl::StatusOr<std::unique_ptr<NerModel>> Load(
      const std::string& path);
  static absl::StatusOr<std::unique_ptr<NerModel>> FromBytes(
      std::string_view bytes);

  // A model from trained weights: `weights` holds kNerLabels values per key.
  // Weights are quantised to 16 bits as in the file, so a built model tags
  // exactly as the same model saved and loaded.
  static std::unique_ptr<NerModel> FromWeights(
      NerLexicon lexicon, const std::vector<uint64_t>& keys,
      const std::vector<float>& weights, const NerTransitions& transitions,
      std::string description);

  std::string ToBytes() const;
  absl::Status Save(const std::string& path) const;

  // One feature's quantised weights (multiply by scale()), with its key,
  // in one cache line.
  struct alignas(64) Row {
    uint64_t key = 0;
    int16_t weights[kNerLabels] = {};
  };

  // The kNerLabels quantised weights of `key`, or nullptr for an unknown
  // feature.
  const int16_t* Find(uint64_t key) const {
    const uint32_t fingerprint = Fingerprint(key);
    for (uint64_t slot = key & mask_;; slot = (slot + 1) & mask_) {
      const Slot& entry = table_[slot];
      if (entry.row == 0) return nullptr;
      if (entry.fingerprint == fingerprint) {
        const Row& row = rows_[entry.row - 1];
        if (row.key == key) return row.weights;
      }
    }
  }

  // The first half of a lookup, for batches: the row whose fingerprint
  // first matches `key`'s, without reading it (the caller prefetches it and
  // later checks row->key; when that differs, Find() decides). nullptr
  // means `key` is certainly unknown. The lookup table holds only 32-bit
  // fingerprints and row numbers, so it stays small enough to stay cached
  // while the rows are fetched one cache line each.
  const Row* Candidate(uint64_t key) const {
    const uint32_t fingerprint = Fingerprint(key);
    for (uint64_t slot = key & mask_;; slot = (slot + 1) & mask_) {
      const Slot& entry = table_[slot];
      if (entry.row == 0) return nullptr;
      if (entry.fingerprint == fingerprint) return &rows_[entry.row - 1];
    }
  }

  // False when the model certainly has no weights for `key`: a Bloom
  // filter, two bits per key in one 64-bit word and 16 to 32 bits per key
  // (its words are rounded up to a power of two: 27.6 bits, 256 KiB for the
  // shipped model's 75,889 keys), small enough to stay in the CPU cache
  // where the lookup table does not. An unknown key answers true about
  // once in 150 for the shipped model (review 16); a known one always does.
  bool MayHave(uint64_t key) const {
    const uint64_t word = filter_[(key >> 12) & filter_mask_];
    return ((word >> (key & 63)) & (word >> ((key >> 6) & 63)) & 1) != 0;
  }

  // Starts loading the slot Find(key) and Candidate(key) read first, so
  // that a batch of lookups waits for memory once rather than once per key.
  void Prefetch(uint64_t key) const {
    __builtin_prefetch(&table_[key & mask_]);
  }
  float scale() const { return scale_; }
  // Transition scores with disallowed transitions at a large negative
  // value, ready for decoding.
  const NerTransitions& transitions() const { return transitions_; }
  const NerLexicon& lexicon() const { return lexicon_; }
  const std::string& description() const { return description_; }
  size_t features() const { return keys_.size(); }

 private:
  NerModel() = default;
  void BuildTable();

  NerLexicon lexicon_;
  std::string description_;
  NerTransitions transitions_{};
  float scale_ = 1;
  // Sorted keys and their quantised weights (kNerLabels per key).
  std::vector<uint64_t> keys_;
  std::vector<int16_t> quantized_;
  // Lookup: open addressing over the key's low bits; `row` is 1 + the
  // index into rows_ (0 = empty slot), `fingerprint` the key's high bits.
  struct Slot {
    uint32_t fingerprint = 0;
    uint32_t row = 0;
  };
  static uint32_t Fingerprint(uint64_t key) {
    return static_cast<uint32_t>(key >> 32);
  }
  // On huge pages (huge_pages.h): probed at random, a few per token.
  HugePageVector<Slot> table_;
  HugePageVector<Row> rows_;
  uint64_t mask_ = 0;
  std::vector<uint64_t> filter_;
  uint64_t filter_mask_ = 0;
};

// Viterbi decoding of one sentence under BILOU constraints.
// `emissions` holds n rows of kNerLabels scores; `labels` receives n labels.
class NerDecoder {
 public:
  NerDecoder();
  void Decode(const float* emissions, size_t n,
              const NerTransitions& transitions, uint8_t* labels);

 private:
  // Labels that end a chunk (O, L-, U-) and labels that may follow them
  // (O, B-, U-), ascending.
  static constexpr int kClosing = 1 + 2 * kNerTypes;
  static constexpr int kOpening = 1 + 2 * kNerTypes;
  uint8_t closing_[kClosing] = {};
  uint8_t opening_[kOpening] = {};
  std::vector<float> score_;
  std::vector<uint8_t> back_;
};

// Entity chunks [begin, end) of a label sequence; stray I/L labels (which
// the decoder never produces) start or end a chunk as IOB would.
struct NerSpan {
  uint32_t begin = 0;
  uint32_t end = 0;
  int type = 0;
};
void NerSpans(const uint8_t* labels, size_t n, std::vector<NerSpan>* spans);

}  // namespace tag
}  // namespace newsflow

#endif  // NEWSFLOW_STAGES_TAG_NER_MODEL_H_
