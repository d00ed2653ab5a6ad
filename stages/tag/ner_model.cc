#include "stages/tag/ner_model.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <numeric>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "common/hash.h"
#include "common/install_layout.h"
#include "stages/tag/binary_io.h"

namespace newsflow {
namespace tag {
namespace {

constexpr std::string_view kMagic = "NFNERMDL";
constexpr float kForbidden = -1e30f;

bool EndsChunk(int label) {
  return label == 0 || NerLabelPosition(label) == kLast ||
         NerLabelPosition(label) == kUnit;
}

}  // namespace

std::string DefaultNerModelPath() { return FindShippedFile("models/ner.bin"); }

bool NerTransitionAllowed(int from, int to) {
  const bool from_open =
      from != kNerBoundary && from != 0 &&
      (NerLabelPosition(from) == kBegin || NerLabelPosition(from) == kInside);
  if (to == kNerBoundary) return !from_open;
  const bool to_continues = to != 0 && (NerLabelPosition(to) == kInside ||
                                        NerLabelPosition(to) == kLast);
  if (from_open) {
    return to_continues && NerLabelType(to) == NerLabelType(from);
  }
  return !to_continues;
}

absl::StatusOr<std::unique_ptr<NerModel>> NerModel::Load(
    const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(absl::StrCat("cannot read NER model ", path));
  }
  std::ostringstream bytes;
  bytes << in.rdbuf();
  absl::StatusOr<std::unique_ptr<NerModel>> model = FromBytes(bytes.str());
  if (!model.ok()) {
    return absl::Status(
        model.status().code(),
        absl::StrCat(path, ": ", std::string(model.status().message())));
  }
  return model;
}

absl::StatusOr<std::unique_ptr<NerModel>> NerModel::FromBytes(
    std::string_view bytes) {
  if (bytes.size() < kMagic.size() + 16 ||
      bytes.substr(0, kMagic.size()) != kMagic) {
    return absl::InvalidArgumentError("not a newsflow NER model");
  }
  const std::string_view body = bytes.substr(0, bytes.size() - 8);
  BinaryReader tail(bytes, bytes.size() - 8);
  if (tail.U64() != StableHash64(body)) {
    return absl::DataLossError("NER model checksum mismatch (corrupt file)");
  }
  BinaryReader reader(body, kMagic.size());
  const uint32_t format = reader.U32();
  const uint32_t feature_version = reader.U32();
  if (format != kNerModelFormat) {
    return absl::FailedPreconditionError(absl::StrCat(
        "NER model format ", format, ", this build reads ", kNerModelFormat));
  }
  if (feature_version != kNerFeatureVersion) {
    return absl::FailedPreconditionError(
        absl::StrCat("NER model trained with feature version ", feature_version,
                     ", this build computes version ", kNerFeatureVersion,
                     ": retrain with `newsflow train-ner`"));
  }
  auto model = std::unique_ptr<NerModel>(new NerModel());
  model->description_ = std::string(reader.String());
  size_t pos = reader.pos();
  if (absl::Status status = model->lexicon_.ReadFrom(body, &pos);
      !status.ok()) {
    return status;
  }
  reader = BinaryReader(body, pos);
  for (float& t : model->transitions_) t = reader.F32();
  model->scale_ = reader.F32();
  const uint32_t n = reader.U32();
  if (!reader.ok() || n > reader.remaining() / 12) {
    return absl::DataLossError("NER model truncated");
  }
  model->keys_.resize(n);
  model->quantized_.assign(size_t(n) * kNerLabels, 0);
  for (uint32_t i = 0; i < n && reader.ok(); ++i) {
    model->keys_[i] = reader.U64();
    uint32_t mask = reader.U32();
    for (int label = 0; label < kNerLabels; ++label) {
      if (mask & (1u << label)) {
        model->quantized_[size_t(i) * kNerLabels + label] =
            static_cast<int16_t>(reader.U16());
      }
    }
  }
  if (!reader.ok() || reader.remaining() != 0) {
    return absl::DataLossError("NER model truncated or has trailing bytes");
  }
  model->BuildTable();
  return model;
}

std::unique_ptr<NerModel> NerModel::FromWeights(
    NerLexicon lexicon, const std::vector<uint64_t>& keys,
    const std::vector<float>& weights, const NerTransitions& transitions,
    std::string description) {
  auto model = std::unique_ptr<NerModel>(new NerModel());
  model->lexicon_ = std::move(lexicon);
  model->description_ = std::move(description);
  model->transitions_ = transitions;
  float largest = 0;
  for (float w : weights) largest = std::max(largest, std::fabs(w));
  model->scale_ = largest > 0 ? largest / 32767.0f : 1.0f;
  std::vector<size_t> order(keys.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return keys[a] < keys[b]; });
  for (size_t i : order) {
    std::array<int16_t, kNerLabels> row;
    bool any = false;
    for (int label = 0; label < kNerLabels; ++label) {
      row[label] = static_cast<int16_t>(
          std::lround(weights[i * kNerLabels + label] / model->scale_));
      any |= row[label] != 0;
    }
    if (!any) continue;
    model->keys_.push_back(keys[i]);
    model->quantized_.insert(model->quantized_.end(), row.begin(), row.end());
  }
  model->BuildTable();
  return model;
}

void NerModel::BuildTable() {
  size_t capacity = 16;
  while (capacity < keys_.size() * 2) capacity *= 2;
  mask_ = capacity - 1;
  table_.assign(capacity, Slot());
  rows_.assign(keys_.size(), Row());
  for (size_t i = 0; i < keys_.size(); ++i) {
    rows_[i].key = keys_[i];
    std::copy_n(&quantized_[i * kNerLabels], kNerLabels, rows_[i].weights);
    uint64_t slot = keys_[i] & mask_;
    while (table_[slot].row != 0) slot = (slot + 1) & mask_;
    table_[slot] = {Fingerprint(keys_[i]), static_cast<uint32_t>(i + 1)};
  }
  size_t filter_words = 1;
  while (filter_words * 64 < keys_.size() * 16) filter_words *= 2;
  filter_mask_ = filter_words - 1;
  filter_.assign(filter_words, 0);
  for (uint64_t key : keys_) {
    filter_[(key >> 12) & filter_mask_] |=
        (uint64_t{1} << (key & 63)) | (uint64_t{1} << ((key >> 6) & 63));
  }
  for (int from = 0; from < kNerTransitionSize; ++from) {
    for (int to = 0; to < kNerTransitionSize; ++to) {
      if (!NerTransitionAllowed(from, to)) {
        transitions_[from * kNerTransitionSize + to] = kForbidden;
      }
    }
  }
}

std::string NerModel::ToBytes() const {
  std::string out(kMagic);
  PutU32(&out, kNerModelFormat);
  PutU32(&out, kNerFeatureVersion);
  PutString(&out, description_);
  lexicon_.AppendTo(&out);
  for (float t : transitions_) PutF32(&out, std::max(t, -1e4f));
  PutF32(&out, scale_);
  PutU32(&out, static_cast<uint32_t>(keys_.size()));
  for (size_t i = 0; i < keys_.size(); ++i) {
    PutU64(&out, keys_[i]);
    uint32_t mask = 0;
    for (int label = 0; label < kNerLabels; ++label) {
      if (quantized_[i * kNerLabels + label] != 0) mask |= 1u << label;
    }
    PutU32(&out, mask);
    for (int label = 0; label < kNerLabels; ++label) {
      if (mask & (1u << label)) {
        PutU16(&out, static_cast<uint16_t>(quantized_[i * kNerLabels + label]));
      }
    }
  }
  PutU64(&out, StableHash64(out));
  return out;
}

absl::Status NerModel::Save(const std::string& path) const {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  std::string bytes = ToBytes();
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) return absl::InternalError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

NerDecoder::NerDecoder() {
  // BILOU: O, B- and U- (the "opening" labels) may follow exactly the
  // "closing" labels O, L- and U- of any type; I- and L- follow B- and I-
  // of their own type. Both lists ascend, so ties go to the lowest label.
  int closing = 0, opening = 0;
  for (int label = 0; label < kNerLabels; ++label) {
    const int position = label == 0 ? kUnit : NerLabelPosition(label);
    if (position == kLast || position == kUnit) {
      closing_[closing++] = static_cast<uint8_t>(label);
    }
    if (position == kBegin || position == kUnit) {
      opening_[opening++] = static_cast<uint8_t>(label);
    }
  }
}

void NerDecoder::Decode(const float* emissions, size_t n,
                        const NerTransitions& transitions, uint8_t* labels) {
  if (n == 0) return;
  constexpr int L = kNerLabels;
  constexpr int T = kNerTransitionSize;
  // The transitions a step can take, gathered once per sentence.
  float open_scores[kOpening][kClosing];
  for (int o = 0; o < kOpening; ++o) {
    for (int c = 0; c < kClosing; ++c) {
      open_scores[o][c] = transitions[closing_[c] * T + opening_[o]];
    }
  }
  score_.resize(n * L);
  back_.resize(n * L);
  for (int y = 0; y < L; ++y) {
    score_[y] = emissions[y] + transitions[kNerBoundary * T + y];
  }
  for (size_t i = 1; i < n; ++i) {
    const float* previous = &score_[(i - 1) * L];
    const float* emission = &emissions[i * L];
    float* current = &score_[i * L];
    uint8_t* back = &back_[i * L];
    float closed[kClosing];
    for (int c = 0; c < kClosing; ++c) closed[c] = previous[closing_[c]];
    for (int o = 0; o < kOpening; ++o) {
      const float* from = open_scores[o];
      float best = closed[0] + from[0];
      int best_from = 0;
      for (int c = 1; c < kClosing; ++c) {
        const float s = closed[c] + from[c];
        best_from = s > best ? c : best_from;
        best = s > best ? s : best;
      }
      const int y = opening_[o];
      current[y] = best + emission[y];
      back[y] = closing_[best_from];
    }
    for (int type = 0; type < kNerTypes; ++type) {
      const int begin = NerLabel(type, kBegin);
      const int inside = NerLabel(type, kInside);
      for (int y : {inside, NerLabel(type, kLast)}) {
        const float from_begin = previous[begin] + transitions[begin * T + y];
        const float from_inside =
            previous[inside] + transitions[inside * T + y];
        const bool inside_wins = from_inside > from_begin;
        current[y] = (inside_wins ? from_inside : from_begin) + emission[y];
        back[y] = static_cast<uint8_t>(inside_wins ? inside : begin);
      }
    }
  }
  const float* last = &score_[(n - 1) * L];
  int best_label = 0;
  float best = last[0] + transitions[kNerBoundary];
  for (int y = 1; y < L; ++y) {
    float s = last[y] + transitions[y * T + kNerBoundary];
    if (s > best) {
      best = s;
      best_label = y;
    }
  }
  for (size_t i = n; i-- > 0;) {
    labels[i] = static_cast<uint8_t>(best_label);
    best_label = back_[i * L + best_label];
  }
}

void NerSpans(const uint8_t* labels, size_t n, std::vector<NerSpan>* spans) {
  spans->clear();
  bool open = false;
  for (size_t i = 0; i < n; ++i) {
    const int label = labels[i];
    if (label == 0) {
      open = false;
      continue;
    }
    const int type = NerLabelType(label);
    const int position = NerLabelPosition(label);
    const bool starts = position == kBegin || position == kUnit || !open ||
                        spans->back().type != type;
    if (starts) {
      spans->push_back(
          {static_cast<uint32_t>(i), static_cast<uint32_t>(i + 1), type});
    } else {
      spans->back().end = static_cast<uint32_t>(i + 1);
    }
    open = !EndsChunk(label);
  }
}

}  // namespace tag
}  // namespace newsflow
