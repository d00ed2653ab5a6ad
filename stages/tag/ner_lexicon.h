// Word facts learned from unlabelled text, which the named-entity model
// uses as features to generalise beyond the words of its training set:
//
//   - distributional word clusters at three granularities: words that occur
//     between the same neighbours share a cluster ("Kadafi" near "Assad",
//     "Tripoli" near "Benghazi"). Each word kept (as written, case matters)
//     is a vector of positive pointwise mutual information with its left
//     and right neighbours (lower-cased frequent words, or a class such as
//     "capitalised word" / "number"), and spherical k-means groups them;
//   - a capitalisation profile per lower-cased word: how often it is
//     written capitalised where capitals say nothing about the sentence
//     (not first in a sentence, not in an all-caps line). This tells the
//     tagger that "JAPAN" in an all-caps headline is a name and "WIN" is
//     not;
//   - name cues per lower-cased word: how often a capitalised name it is
//     part of is followed by a company designator ("Pfizer Inc", "Acme
//     Holdings") or follows "shares of/in" or "stake in", and how often it
//     follows a personal title ("Mr", "Dr"). A gazetteer learned from text,
//     so a company the labelled data never named is still known as one.
//
// Build() is for training (`newsflow train-ner`); a built lexicon is stored
// inside the model file. Lookups are read-only and thread-safe.
#ifndef NEWSFLOW_STAGES_TAG_NER_LEXICON_H_
#define NEWSFLOW_STAGES_TAG_NER_LEXICON_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"

namespace newsflow {
namespace tag {

constexpr int kClusterLevels = 3;
// Cluster id 0 means "no cluster"; real clusters are 1..k.
using ClusterPath = std::array<uint16_t, kClusterLevels>;

// How often a lower-cased word is written capitalised mid-sentence.
enum class CaseProfile : uint8_t {
  kUnknown = 0,      // seen fewer than kMinCaseEvidence times
  kAlwaysLower = 1,  // capitalised < 5%
  kMostlyLower = 2,  // < 35%
  kMixed = 3,        // < 65%
  kMostlyCap = 4,    // < 95%
  kAlwaysCap = 5,    // ≥ 95%
};

// NameCues() packs an organisation bucket and a person bucket, each 0 (no
// cue seen), 1 (cues in under 5% of the word's capitalised occurrences),
// 2 (under 25%) or 3: organisation * 4 + person.
inline int OrganisationCue(uint8_t cues) { return cues >> 2; }
inline int PersonCue(uint8_t cues) { return cues & 3; }

struct LexiconBuildOptions {
  // Cluster counts, finest last.
  std::array<int, kClusterLevels> clusters = {64, 256, 1024};
  // Words seen fewer times get no cluster.
  int min_count = 3;
  // Most words clustered (the most frequent).
  int max_words = 80000;
  // Lower-cased context words that get their own dimension.
  int context_words = 2000;
  // Strongest PPMI contexts kept per word.
  int max_contexts = 200;
  int iterations = 12;
  // Threads for k-means (assignment is split by word).
  int threads = 2;
};

// A sentence of tokens for Build(), words as written.
using LexiconSentence = std::vector<std::string>;

class NerLexicon {
 public:
  NerLexicon() = default;

  // Clusters and counts the words of `sentences`. `progress`, when set,
  // receives one line per step.
  static NerLexicon Build(const std::vector<LexiconSentence>& sentences,
                          const LexiconBuildOptions& options,
                          void (*progress)(const std::string&) = nullptr);

  // The clusters of `word` as written; for a word never seen so, those of
  // its title-case form ("JAPAN" → "Japan") and then its lower-case form.
  // All zero when unknown.
  ClusterPath Clusters(std::string_view word) const;

  // The profile of AppendLowercase(word).
  CaseProfile Case(std::string_view lower) const;

  // The name cues of AppendLowercase(word); 0 when none were seen.
  uint8_t NameCues(std::string_view lower) const;

  size_t clustered_words() const { return clusters_.size(); }
  size_t profiled_words() const { return case_.size(); }
  size_t cued_words() const { return cues_.size(); }

  // A compact binary form (see ner_model.h for the file around it).
  void AppendTo(std::string* out) const;
  // Reads what AppendTo wrote from data[*pos...], advancing *pos.
  absl::Status ReadFrom(std::string_view data, size_t* pos);

 private:
  absl::flat_hash_map<std::string, ClusterPath> clusters_;
  absl::flat_hash_map<std::string, CaseProfile> case_;
  absl::flat_hash_map<std::string, uint8_t> cues_;
};

}  // namespace tag
}  // namespace newsflow

#endif  // NEWSFLOW_STAGES_TAG_NER_LEXICON_H_
