#include "stages/tag/ner_model.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <numeric>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "common/hash.h"
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

std::string DefaultNerModelPath() {
  for (const char* path :
       {NEWSFLOW_NER_MODEL_SOURCE_PATH, NEWSFLOW_NER_MODEL_INSTALL_PATH}) {
    std::ifstream probe(path, std::ios::binary);
    if (probe) return path;
  }
  return "";
}

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
  for (size_t i = 0; i < keys_.size(); ++i) {
    uint64_t slot = keys_[i] & mask_;
    while (table_[slot].key != 0) slot = (slot + 1) & mask_;
    table_[slot] = {keys_[i], static_cast<uint32_t>(i)};
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
  // BILOU leaves few predecessors per label: O, B- and U- follow O, L-
  // and U-; I- and L- follow B- and I- of their type.
  for (int to = 0; to < kNerLabels; ++to) {
    for (int from = 0; from < kNerLabels; ++from) {
      if (NerTransitionAllowed(from, to)) {
        predecessors_[to][predecessor_count_[to]++] =
            static_cast<uint8_t>(from);
      }
    }
  }
}

void NerDecoder::Decode(const float* emissions, size_t n,
                        const NerTransitions& transitions, uint8_t* labels) {
  if (n == 0) return;
  constexpr int L = kNerLabels;
  constexpr int T = kNerTransitionSize;
  score_.resize(n * L);
  back_.resize(n * L);
  for (int y = 0; y < L; ++y) {
    score_[y] = emissions[y] + transitions[kNerBoundary * T + y];
  }
  for (size_t i = 1; i < n; ++i) {
    const float* previous = &score_[(i - 1) * L];
    float* current = &score_[i * L];
    uint8_t* back = &back_[i * L];
    for (int y = 0; y < L; ++y) {
      const uint8_t* from = predecessors_[y];
      int best_from = from[0];
      float best = previous[best_from] + transitions[best_from * T + y];
      for (int k = 1; k < predecessor_count_[y]; ++k) {
        const int x = from[k];
        const float s = previous[x] + transitions[x * T + y];
        if (s > best) {
          best = s;
          best_from = x;
        }
      }
      current[y] = best + emissions[i * L + y];
      back[y] = static_cast<uint8_t>(best_from);
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
