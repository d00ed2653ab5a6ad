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

// Where the shipped model is looked for, first found wins: the source
// tree's models/ner.bin (compiled in, so a build tree works without
// installing) and then <prefix>/share/newsflow/models/ner.bin. Empty when
// neither exists.
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

  // The kNerLabels quantised weights of `key` (multiply by scale()), or
  // nullptr for an unknown feature. Kept as 16-bit integers so that a
  // feature's row fits one cache line.
  const int16_t* Find(uint64_t key) const {
    uint64_t slot = key & mask_;
    while (true) {
      const Slot& entry = table_[slot];
      if (entry.key == key) return &quantized_[size_t(entry.row) * kNerLabels];
      if (entry.key == 0) return nullptr;
      slot = (slot + 1) & mask_;
    }
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
  // Lookup: open addressing over keys (0 = empty slot).
  struct Slot {
    uint64_t key = 0;
    uint32_t row = 0;
  };
  std::vector<Slot> table_;
  uint64_t mask_ = 0;
};

// Viterbi decoding of one sentence under BILOU constraints.
// `emissions` holds n rows of kNerLabels scores; `labels` receives n labels.
class NerDecoder {
 public:
  NerDecoder();
  void Decode(const float* emissions, size_t n,
              const NerTransitions& transitions, uint8_t* labels);

 private:
  // Labels that may precede each label.
  uint8_t predecessors_[kNerLabels][kNerLabels];
  int predecessor_count_[kNerLabels] = {};
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
