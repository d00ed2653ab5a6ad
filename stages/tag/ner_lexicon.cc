#include "stages/tag/ner_lexicon.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "stages/tag/binary_io.h"
#include "stages/tag/tokenizer.h"

namespace newsflow {
namespace tag {
namespace {

constexpr int kMinCaseEvidence = 3;
constexpr double kContextSmoothing = 0.75;

bool HasLetter(std::string_view word) {
  for (unsigned char c : word) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80) {
      return true;
    }
  }
  return false;
}
bool StartsUpper(std::string_view word) {
  return !word.empty() && word[0] >= 'A' && word[0] <= 'Z';
}
bool StartsLower(std::string_view word) {
  return !word.empty() && word[0] >= 'a' && word[0] <= 'z';
}
bool HasLower(std::string_view word) {
  for (char c : word) {
    if (c >= 'a' && c <= 'z') return true;
  }
  return false;
}
bool StartsDigit(std::string_view word) {
  return !word.empty() && word[0] >= '0' && word[0] <= '9';
}

// "JAPAN" → "Japan" (ASCII only; other words are returned as they are).
std::string TitleCase(std::string_view word) {
  std::string out(word);
  for (size_t i = 1; i < out.size(); ++i) {
    if (out[i] >= 'A' && out[i] <= 'Z') out[i] = static_cast<char>(out[i] + 32);
  }
  return out;
}

// A sentence whose letters carry no case signal: most of its words are in
// capitals (wire headlines, datelines).
bool IsCaselessSentence(const LexiconSentence& sentence) {
  int words = 0, caps = 0;
  for (const std::string& word : sentence) {
    if (!HasLetter(word)) continue;
    ++words;
    caps += !HasLower(word);
  }
  return words >= 2 && caps * 2 > words;
}

CaseProfile ProfileOf(int capitalized, int lower) {
  int total = capitalized + lower;
  if (total < kMinCaseEvidence) return CaseProfile::kUnknown;
  double share = static_cast<double>(capitalized) / total;
  if (share < 0.05) return CaseProfile::kAlwaysLower;
  if (share < 0.35) return CaseProfile::kMostlyLower;
  if (share < 0.65) return CaseProfile::kMixed;
  if (share < 0.95) return CaseProfile::kMostlyCap;
  return CaseProfile::kAlwaysCap;
}

// A legal or group designator that ends a company name.
bool IsDesignator(std::string_view word) {
  static constexpr std::string_view kDesignators[] = {
      "Inc",     "Inc.", "Corp", "Corp.", "Corporation", "Co",       "Co.",
      "Ltd",     "Ltd.", "Plc",  "PLC",   "plc",         "Limited",  "LLC",
      "AG",      "SA",   "NV",   "N.V.",  "GmbH",        "Holdings", "Group",
      "Bancorp", "SpA",  "S.A.", "Bhd",   "AB",          "ASA",      "Oyj"};
  for (std::string_view d : kDesignators) {
    if (word == d) return true;
  }
  return false;
}

bool IsPersonalTitle(std::string_view word) {
  static constexpr std::string_view kTitles[] = {
      "Mr", "Mr.", "Mrs", "Mrs.", "Ms", "Ms.", "Dr", "Dr.", "Sir", "Dame"};
  for (std::string_view t : kTitles) {
    if (word == t) return true;
  }
  return false;
}

int CueBucket(int cues, int total) {
  if (cues == 0 || total == 0) return 0;
  const double share = static_cast<double>(cues) / total;
  return share < 0.05 ? 1 : share < 0.25 ? 2 : 3;
}

// One word's PPMI context vector: (dimension, weight), L2-normalised.
using SparseVector = std::vector<std::pair<uint32_t, float>>;

// Spherical k-means over `vectors` in `dims` dimensions; returns each
// vector's cluster in [0, k).
std::vector<int> SphericalKMeans(const std::vector<SparseVector>& vectors,
                                 int dims, int k, int iterations, int threads,
                                 uint64_t seed) {
  const int n = static_cast<int>(vectors.size());
  k = std::min(k, n);
  std::vector<int> assignment(n, 0);
  if (k <= 1) return assignment;
  // Centroids, dimension-major so that scoring one sparse vector against
  // all k centroids reads contiguous rows.
  std::vector<float> centroids(static_cast<size_t>(dims) * k, 0.0f);
  std::mt19937_64 rng(seed);
  std::vector<int> order(n);
  std::iota(order.begin(), order.end(), 0);
  for (int i = 0; i < k; ++i) {
    std::swap(order[i], order[i + rng() % (n - i)]);
    for (auto [dim, weight] : vectors[order[i]]) {
      centroids[static_cast<size_t>(dim) * k + i] = weight;
    }
  }
  std::vector<float> similarity(n, 0.0f);
  auto assign = [&](int begin, int end) {
    std::vector<float> scores(k);
    for (int w = begin; w < end; ++w) {
      std::fill(scores.begin(), scores.end(), 0.0f);
      for (auto [dim, weight] : vectors[w]) {
        const float* row = &centroids[static_cast<size_t>(dim) * k];
        for (int c = 0; c < k; ++c) scores[c] += weight * row[c];
      }
      int best = static_cast<int>(
          std::max_element(scores.begin(), scores.end()) - scores.begin());
      assignment[w] = best;
      similarity[w] = scores[best];
    }
  };
  for (int iteration = 0; iteration < iterations; ++iteration) {
    std::vector<std::thread> workers;
    const int per_thread = (n + threads - 1) / threads;
    for (int t = 0; t < threads; ++t) {
      int begin = t * per_thread;
      int end = std::min(n, begin + per_thread);
      if (begin < end) workers.emplace_back(assign, begin, end);
    }
    for (std::thread& worker : workers) worker.join();

    std::fill(centroids.begin(), centroids.end(), 0.0f);
    std::vector<int> sizes(k, 0);
    for (int w = 0; w < n; ++w) {
      ++sizes[assignment[w]];
      for (auto [dim, weight] : vectors[w]) {
        centroids[static_cast<size_t>(dim) * k + assignment[w]] += weight;
      }
    }
    // An empty cluster restarts from the word its centroid fits worst.
    std::vector<int> worst(n);
    std::iota(worst.begin(), worst.end(), 0);
    std::sort(worst.begin(), worst.end(),
              [&](int a, int b) { return similarity[a] < similarity[b]; });
    size_t next_worst = 0;
    for (int c = 0; c < k; ++c) {
      if (sizes[c] > 0 || next_worst >= worst.size()) continue;
      int w = worst[next_worst++];
      for (auto [dim, weight] : vectors[w]) {
        centroids[static_cast<size_t>(dim) * k + c] = weight;
      }
    }
    std::vector<double> norms(k, 0.0);
    for (int d = 0; d < dims; ++d) {
      const float* row = &centroids[static_cast<size_t>(d) * k];
      for (int c = 0; c < k; ++c) norms[c] += double(row[c]) * row[c];
    }
    for (int d = 0; d < dims; ++d) {
      float* row = &centroids[static_cast<size_t>(d) * k];
      for (int c = 0; c < k; ++c) {
        if (norms[c] > 0)
          row[c] = static_cast<float>(row[c] / std::sqrt(norms[c]));
      }
    }
  }
  assign(0, n);
  return assignment;
}

}  // namespace

NerLexicon NerLexicon::Build(const std::vector<LexiconSentence>& sentences,
                             const LexiconBuildOptions& options,
                             void (*progress)(const std::string&)) {
  auto report = [&](const std::string& line) {
    if (progress != nullptr) progress(line);
  };
  NerLexicon lexicon;

  // Words as written, and lower-cased forms with their case evidence.
  absl::flat_hash_map<std::string, uint32_t> word_ids;
  std::vector<std::string> words;
  std::vector<int64_t> word_counts;
  struct CaseCounts {
    int capitalized = 0;
    int lower = 0;
  };
  absl::flat_hash_map<std::string, CaseCounts> case_counts;
  absl::flat_hash_map<std::string, int64_t> lower_counts;
  std::vector<std::vector<uint32_t>> encoded;
  encoded.reserve(sentences.size());
  int64_t tokens = 0;
  std::string lower;
  for (const LexiconSentence& sentence : sentences) {
    const bool caseless = IsCaselessSentence(sentence);
    std::vector<uint32_t>& ids = encoded.emplace_back();
    ids.reserve(sentence.size());
    for (size_t i = 0; i < sentence.size(); ++i) {
      const std::string& word = sentence[i];
      auto [it, inserted] =
          word_ids.try_emplace(word, static_cast<uint32_t>(words.size()));
      if (inserted) {
        words.push_back(word);
        word_counts.push_back(0);
      }
      ++word_counts[it->second];
      ids.push_back(it->second);
      lower.clear();
      AppendLowercase(word, &lower);
      ++lower_counts[lower];
      ++tokens;
      if (caseless || i == 0 || !HasLetter(word)) continue;
      if (StartsUpper(word)) {
        ++case_counts[lower].capitalized;
      } else if (StartsLower(word)) {
        ++case_counts[lower].lower;
      }
    }
  }
  report(absl::StrCat("lexicon: ", sentences.size(), " sentences, ", tokens,
                      " tokens, ", words.size(), " distinct words"));
  for (const auto& [word, counts] : case_counts) {
    CaseProfile profile = ProfileOf(counts.capitalized, counts.lower);
    if (profile != CaseProfile::kUnknown) lexicon.case_[word] = profile;
  }

  // Name cues, over runs of capitalised words in sentences whose capitals
  // mean something.
  struct CueCounts {
    int total = 0;
    int organisation = 0;
    int person = 0;
  };
  absl::flat_hash_map<std::string, CueCounts> cue_counts;
  for (const LexiconSentence& sentence : sentences) {
    if (IsCaselessSentence(sentence)) continue;
    for (size_t i = 0; i < sentence.size();) {
      if (!StartsUpper(sentence[i])) {
        ++i;
        continue;
      }
      size_t end = i;
      while (end < sentence.size() && StartsUpper(sentence[end])) ++end;
      // The name proper: without a leading title or a trailing designator
      // (lower-case "plc" follows the run).
      size_t first = i, last = end;
      const bool titled = IsPersonalTitle(sentence[first]);
      if (titled) ++first;
      bool company = (last > first + 1 && IsDesignator(sentence[last - 1])) ||
                     (end < sentence.size() && IsDesignator(sentence[end]));
      if (last > first + 1 && IsDesignator(sentence[last - 1])) --last;
      if (i >= 2 && (sentence[i - 1] == "of" || sentence[i - 1] == "in") &&
          (sentence[i - 2] == "shares" || sentence[i - 2] == "stake")) {
        company = true;
      }
      for (size_t j = first; j < last; ++j) {
        if (!HasLower(sentence[j])) continue;  // acronyms, "U.S."
        lower.clear();
        AppendLowercase(sentence[j], &lower);
        CueCounts& counts = cue_counts[lower];
        ++counts.total;
        counts.organisation += company;
        counts.person += titled;
      }
      i = end;
    }
  }
  for (const auto& [word, counts] : cue_counts) {
    const int cues = CueBucket(counts.organisation, counts.total) * 4 +
                     CueBucket(counts.person, counts.total);
    if (cues != 0) lexicon.cues_[word] = static_cast<uint8_t>(cues);
  }
  report(
      absl::StrCat("lexicon: ", lexicon.cues_.size(), " words with name cues"));

  // The words to cluster: the most frequent, seen at least min_count times.
  std::vector<uint32_t> by_count(words.size());
  std::iota(by_count.begin(), by_count.end(), 0);
  std::sort(by_count.begin(), by_count.end(), [&](uint32_t a, uint32_t b) {
    if (word_counts[a] != word_counts[b])
      return word_counts[a] > word_counts[b];
    return words[a] < words[b];
  });
  std::vector<int32_t> row_of(words.size(), -1);
  std::vector<uint32_t> rows;
  for (uint32_t id : by_count) {
    if (word_counts[id] < options.min_count ||
        static_cast<int>(rows.size()) >= options.max_words) {
      break;
    }
    row_of[id] = static_cast<int32_t>(rows.size());
    rows.push_back(id);
  }

  // Context dimensions: frequent lower-cased words, then word classes.
  std::vector<std::pair<int64_t, std::string>> lower_by_count;
  lower_by_count.reserve(lower_counts.size());
  for (const auto& [word, count] : lower_counts) {
    lower_by_count.emplace_back(-count, word);
  }
  std::sort(lower_by_count.begin(), lower_by_count.end());
  absl::flat_hash_map<std::string, uint32_t> context_dim;
  for (int i = 0;
       i < options.context_words && i < static_cast<int>(lower_by_count.size());
       ++i) {
    context_dim[lower_by_count[i].second] = static_cast<uint32_t>(i);
  }
  const uint32_t base = static_cast<uint32_t>(context_dim.size());
  const uint32_t kCapClass = base, kLowerClass = base + 1,
                 kNumberClass = base + 2, kOtherClass = base + 3,
                 kBoundaryClass = base + 4;
  const uint32_t side = base + 5;
  const int dims = static_cast<int>(2 * side);
  std::vector<uint32_t> context_of(words.size());
  for (uint32_t id = 0; id < words.size(); ++id) {
    lower.clear();
    AppendLowercase(words[id], &lower);
    auto it = context_dim.find(lower);
    if (it != context_dim.end()) {
      context_of[id] = it->second;
    } else if (StartsDigit(words[id])) {
      context_of[id] = kNumberClass;
    } else if (StartsUpper(words[id])) {
      context_of[id] = kCapClass;
    } else if (HasLetter(words[id])) {
      context_of[id] = kLowerClass;
    } else {
      context_of[id] = kOtherClass;
    }
  }

  // Co-occurrence counts as sorted (row, dimension) keys.
  std::vector<uint64_t> pairs;
  pairs.reserve(static_cast<size_t>(tokens) * 2);
  for (const std::vector<uint32_t>& ids : encoded) {
    for (size_t i = 0; i < ids.size(); ++i) {
      int32_t row = row_of[ids[i]];
      if (row < 0) continue;
      uint32_t left = i == 0 ? kBoundaryClass : context_of[ids[i - 1]];
      uint32_t right =
          i + 1 == ids.size() ? kBoundaryClass : context_of[ids[i + 1]];
      pairs.push_back(uint64_t(row) << 32 | left);
      pairs.push_back(uint64_t(row) << 32 | (side + right));
    }
  }
  encoded.clear();
  encoded.shrink_to_fit();
  std::sort(pairs.begin(), pairs.end());
  std::vector<double> context_mass(dims, 0.0);
  std::vector<int64_t> row_totals(rows.size(), 0);
  for (uint64_t key : pairs) {
    context_mass[key & 0xffffffffu] += 1;
    ++row_totals[key >> 32];
  }
  double mass_total = 0;
  for (double& mass : context_mass) {
    mass = std::pow(mass, kContextSmoothing);
    mass_total += mass;
  }

  std::vector<SparseVector> vectors(rows.size());
  for (size_t i = 0; i < pairs.size();) {
    size_t j = i;
    while (j < pairs.size() && pairs[j] == pairs[i]) ++j;
    uint32_t row = static_cast<uint32_t>(pairs[i] >> 32);
    uint32_t dim = static_cast<uint32_t>(pairs[i] & 0xffffffffu);
    double joint = static_cast<double>(j - i);
    double pmi =
        std::log(joint * mass_total /
                 (static_cast<double>(row_totals[row]) * context_mass[dim]));
    if (pmi > 0) vectors[row].emplace_back(dim, static_cast<float>(pmi));
    i = j;
  }
  pairs.clear();
  pairs.shrink_to_fit();
  for (SparseVector& vector : vectors) {
    if (static_cast<int>(vector.size()) > options.max_contexts) {
      std::nth_element(
          vector.begin(), vector.begin() + options.max_contexts, vector.end(),
          [](const auto& a, const auto& b) { return a.second > b.second; });
      vector.resize(options.max_contexts);
    }
    std::sort(vector.begin(), vector.end());
    double norm = 0;
    for (const auto& entry : vector)
      norm += double(entry.second) * entry.second;
    norm = std::sqrt(norm);
    for (auto& entry : vector) {
      entry.second = norm > 0 ? static_cast<float>(entry.second / norm) : 0;
    }
  }

  std::vector<ClusterPath> paths(rows.size(), ClusterPath{});
  for (int level = 0; level < kClusterLevels; ++level) {
    std::vector<int> assignment = SphericalKMeans(
        vectors, dims, options.clusters[level], options.iterations,
        std::max(1, options.threads), 0x6e657773ull + level);
    for (size_t row = 0; row < rows.size(); ++row) {
      paths[row][level] = static_cast<uint16_t>(assignment[row] + 1);
    }
    report(absl::StrCat("lexicon: ", rows.size(), " words in ",
                        options.clusters[level], " clusters"));
  }
  for (size_t row = 0; row < rows.size(); ++row) {
    if (!vectors[row].empty()) lexicon.clusters_[words[rows[row]]] = paths[row];
  }
  return lexicon;
}

ClusterPath NerLexicon::Clusters(std::string_view word) const {
  std::string key(word);
  if (auto it = clusters_.find(key); it != clusters_.end()) return it->second;
  if (!HasLower(word) && word.size() > 1) {
    if (auto it = clusters_.find(TitleCase(word)); it != clusters_.end()) {
      return it->second;
    }
  }
  key.clear();
  AppendLowercase(word, &key);
  if (auto it = clusters_.find(key); it != clusters_.end()) return it->second;
  return ClusterPath{};
}

CaseProfile NerLexicon::Case(std::string_view lower) const {
  auto it = case_.find(std::string(lower));
  return it == case_.end() ? CaseProfile::kUnknown : it->second;
}

uint8_t NerLexicon::NameCues(std::string_view lower) const {
  auto it = cues_.find(std::string(lower));
  return it == cues_.end() ? 0 : it->second;
}

void NerLexicon::AppendTo(std::string* out) const {
  // Sorted, so that the same lexicon always writes the same bytes.
  std::vector<const std::pair<const std::string, ClusterPath>*> clusters;
  for (const auto& entry : clusters_) clusters.push_back(&entry);
  std::sort(clusters.begin(), clusters.end(),
            [](const auto* a, const auto* b) { return a->first < b->first; });
  PutU32(out, static_cast<uint32_t>(clusters.size()));
  for (const auto* entry : clusters) {
    PutString(out, entry->first);
    for (uint16_t id : entry->second) PutU16(out, id);
  }
  std::vector<const std::pair<const std::string, CaseProfile>*> cases;
  for (const auto& entry : case_) cases.push_back(&entry);
  std::sort(cases.begin(), cases.end(),
            [](const auto* a, const auto* b) { return a->first < b->first; });
  PutU32(out, static_cast<uint32_t>(cases.size()));
  for (const auto* entry : cases) {
    PutString(out, entry->first);
    PutU8(out, static_cast<uint8_t>(entry->second));
  }
  std::vector<const std::pair<const std::string, uint8_t>*> cues;
  for (const auto& entry : cues_) cues.push_back(&entry);
  std::sort(cues.begin(), cues.end(),
            [](const auto* a, const auto* b) { return a->first < b->first; });
  PutU32(out, static_cast<uint32_t>(cues.size()));
  for (const auto* entry : cues) {
    PutString(out, entry->first);
    PutU8(out, entry->second);
  }
}

absl::Status NerLexicon::ReadFrom(std::string_view data, size_t* pos) {
  BinaryReader reader(data, *pos);
  clusters_.clear();
  case_.clear();
  uint32_t count = reader.U32();
  if (count > reader.remaining()) {
    return absl::DataLossError("lexicon: bad word count");
  }
  clusters_.reserve(count);
  for (uint32_t i = 0; i < count && reader.ok(); ++i) {
    std::string word(reader.String());
    ClusterPath path;
    for (uint16_t& id : path) id = reader.U16();
    clusters_.emplace(std::move(word), path);
  }
  count = reader.U32();
  if (count > reader.remaining()) {
    return absl::DataLossError("lexicon: bad profile count");
  }
  case_.reserve(count);
  for (uint32_t i = 0; i < count && reader.ok(); ++i) {
    std::string word(reader.String());
    uint8_t profile = reader.U8();
    if (profile > static_cast<uint8_t>(CaseProfile::kAlwaysCap)) {
      return absl::DataLossError("lexicon: bad case profile");
    }
    case_.emplace(std::move(word), static_cast<CaseProfile>(profile));
  }
  cues_.clear();
  count = reader.U32();
  if (count > reader.remaining()) {
    return absl::DataLossError("lexicon: bad cue count");
  }
  cues_.reserve(count);
  for (uint32_t i = 0; i < count && reader.ok(); ++i) {
    std::string word(reader.String());
    uint8_t cues = reader.U8();
    if (cues > 15) return absl::DataLossError("lexicon: bad name cues");
    cues_.emplace(std::move(word), cues);
  }
  if (!reader.ok()) return absl::DataLossError("lexicon: truncated");
  *pos = reader.pos();
  return absl::OkStatus();
}

}  // namespace tag
}  // namespace newsflow
