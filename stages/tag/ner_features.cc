#include "stages/tag/ner_features.h"

#include <algorithm>
#include <new>
#include <type_traits>

#include "common/hash.h"
#include "common/letters.h"
#include "common/utf8.h"
#include "stages/tag/tokenizer.h"

namespace newsflow {
namespace tag {
namespace {

// Feature templates. Word templates are numbered per offset: template
// kWordBase + offset_index * kWordTemplates + t.
enum WordTemplate : uint32_t {
  kWord = 0,
  kLower,
  kShape,
  kShortShape,
  kPrefix1,
  kPrefix2,
  kPrefix3,
  kPrefix4,
  kSuffix1,
  kSuffix2,
  kSuffix3,
  kSuffix4,
  kCluster0,
  kCluster1,
  kCluster2,
  kCase,
  kCaseShape,
  kNameCues,
  kNameCuesShape,
  kWordTemplates,
};
constexpr uint32_t kWordBase = 100;

enum ContextTemplate : uint32_t {
  kBias = 1,
  kLowerBigramLeft,
  kLowerBigramRight,
  kShapeTrigram,
  kShapeBigramLeft,
  kShapeBigramRight,
  kFirstShapeCase,
  kFirstWord,
  kCaselessLower,
  kCaselessCase,
  kCaselessCluster,
  kCaselessShape,
  kGazetteer,
  kGazetteerShape,
  kGazetteerLeft,
  kGazetteerRight,
  kEvidence,
  kEvidenceShape,
  kEvidenceCaseless,
  kEvidenceFirst,
  kClusterBigramLeft,
  kClusterBigramRight,
  kHistory,
  kRunHead,
};

// Words ahead whose facts-cache slot Prepare() prefetches.
constexpr size_t kPrefetchAhead = 4;

// Document evidence bits.
enum Evidence : uint8_t {
  kElsewhereCapitalized = 1 << 0,  // capitalised mid-sentence elsewhere
  kElsewhereLower = 1 << 1,        // in lower case elsewhere
  kElsewhere = 1 << 2,             // anywhere else in the document
  kElsewhereRunLast = 1 << 3,  // ends a capitalised run of 2+ words elsewhere
};

inline uint64_t Mix(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  x ^= x >> 31;
  return x;
}

// Never 0, which the model's table uses for "empty".
inline uint64_t Key(uint32_t feature_template, uint64_t value) {
  uint64_t key = Mix(value + 0x9e3779b97f4a7c15ull * (feature_template + 1));
  return key == 0 ? 1 : key;
}

inline uint64_t Pair(uint64_t a, uint64_t b) { return Mix(a * 31 + b + 7); }

uint64_t HashString(std::string_view text) { return StableHash64(text); }

// Shape characters: X upper, x lower, d digit, the character itself
// otherwise. `collapse_after` repeats of one shape character are kept.
void AppendShape(std::string_view word, size_t collapse_after,
                 std::string* out) {
  char last = 0;
  size_t run = 0;
  for (size_t i = 0; i < word.size();) {
    unsigned char c = static_cast<unsigned char>(word[i]);
    char shape;
    size_t length = 1;
    if (c < 0x80) {
      if (c >= 'A' && c <= 'Z') {
        shape = 'X';
      } else if (c >= 'a' && c <= 'z') {
        shape = 'x';
      } else if (c >= '0' && c <= '9') {
        shape = 'd';
      } else {
        shape = static_cast<char>(c);
      }
    } else {
      const char32_t cp = DecodeUtf8At(word, i, &length);
      if (IsInvalidUtf8Byte(cp, length)) {
        shape = '?';
      } else if (IsUppercaseLetter(cp)) {
        shape = 'X';
      } else if (IsLetter(cp)) {  // Ll, Lm, Lo
        shape = 'x';
      } else if (IsDecimalDigit(cp)) {
        shape = 'd';
      } else {
        shape = '*';
      }
    }
    i += length;
    run = shape == last ? run + 1 : 1;
    last = shape;
    if (run <= collapse_after) out->push_back(shape);
  }
}

}  // namespace

std::string_view NerTypeName(int type) {
  static constexpr std::string_view kNames[] = {"PER", "ORG", "LOC", "MISC"};
  return type >= 0 && type < kNerTypes ? kNames[type] : "";
}

int NerTypeFromName(std::string_view name) {
  for (int type = 0; type < kNerTypes; ++type) {
    if (NerTypeName(type) == name) return type;
  }
  return -1;
}

NerFeatures::NerFeatures(const NerLexicon* lexicon, size_t max_cached_words,
                         size_t max_cached_digit_words)
    : lexicon_(lexicon),
      gazetteer_(Gazetteer::Default()),
      max_cached_words_(max_cached_words),
      max_cached_digit_words_(max_cached_digit_words),
      facts_arena_(kHugePageBytes * 8 / sizeof(WordFacts)),
      digit_facts_arena_(256) {
  start_ = std::make_unique<WordFacts>(ComputeFacts("<S>"));
  start_->flags = WordFacts::kBoundary;
  end_ = std::make_unique<WordFacts>(ComputeFacts("</S>"));
  end_->flags = WordFacts::kBoundary;
}

WordFacts NerFeatures::ComputeFacts(std::string_view word) const {
  WordFacts facts;
  facts.word = HashString(word);
  std::string lower;
  AppendLowercase(word, &lower);
  facts.lower = HashString(lower);
  std::string shape;
  AppendShape(word, 4, &shape);
  facts.shape = HashString(shape);
  std::string short_shape;
  AppendShape(word, 1, &short_shape);
  facts.short_shape = HashString(short_shape);
  for (size_t k = 1; k <= 4; ++k) {
    if (word.size() < k + 1) break;
    facts.prefix[k - 1] = HashString(word.substr(0, k));
    facts.suffix[k - 1] = HashString(std::string_view(lower).substr(
        lower.size() >= k ? lower.size() - k : 0));
  }
  if (lexicon_ != nullptr) {
    facts.clusters = lexicon_->Clusters(word);
    facts.case_profile = lexicon_->Case(lower);
    facts.name_cues = lexicon_->NameCues(lower);
  }
  bool has_lower = false, has_letter = false;
  for (char c : shape) {
    has_lower |= c == 'x';
    has_letter |= c == 'x' || c == 'X';
    if (c == 'd') facts.flags |= WordFacts::kHasDigit;
  }
  if (!shape.empty() && shape[0] == 'X') facts.flags |= WordFacts::kCapitalized;
  if (has_letter) facts.flags |= WordFacts::kHasLetter;
  if (has_letter && !has_lower) facts.flags |= WordFacts::kAllCaps;
  facts.gazetteer_tokens = static_cast<uint8_t>(
      std::min(255, gazetteer_.MaxTokensFrom(word, &lower)));
  return facts;
}

const WordFacts& NerFeatures::Facts(std::string_view word) {
  const absl::string_view key(word.data(), word.size());
  auto it = facts_.find(key);
  if (it != facts_.end()) return *it->second;
  it = digit_facts_.find(key);
  if (it != digit_facts_.end()) return *it->second;
  // Typographic apostrophes read as the ASCII ones of the training text
  // ("’s" is "'s", "O’Mara" is "O'Mara").
  std::string ascii;
  for (size_t i = 0; i < word.size(); ++i) {
    if (word.compare(i, 3, "\xE2\x80\x99") == 0 ||
        word.compare(i, 3, "\xE2\x80\x98") == 0) {
      ascii.push_back('\'');
      i += 2;
    } else {
      ascii.push_back(word[i]);
    }
  }
  WordFacts facts = ComputeFacts(ascii);
  const bool with_digit = facts.Has(WordFacts::kHasDigit);
  auto& cache = with_digit ? digit_facts_ : facts_;
  auto& arena = with_digit ? digit_facts_arena_ : facts_arena_;
  return *cache.emplace(std::string(word), arena.Add(facts)).first->second;
}

// The arena neither constructs in order nor destroys its copies.
static_assert(std::is_trivially_destructible_v<WordFacts>);

NerFeatures::FactsArena::~FactsArena() {
  for (WordFacts* chunk : chunks_) {
    FreeHugePageBlock(chunk, facts_per_chunk_ * sizeof(WordFacts));
  }
}

const WordFacts* NerFeatures::FactsArena::Add(const WordFacts& facts) {
  const size_t chunk = used_ / facts_per_chunk_;
  if (chunk == chunks_.size()) {
    chunks_.push_back(static_cast<WordFacts*>(
        AllocateHugePageBlock(facts_per_chunk_ * sizeof(WordFacts))));
  }
  WordFacts* copy =
      new (chunks_[chunk] + used_ % facts_per_chunk_) WordFacts(facts);
  ++used_;
  return copy;
}

void NerFeatures::Prepare(const NerInput& input, PreparedDocument* document) {
  if (facts_.size() > max_cached_words_) {
    facts_.clear();
    facts_arena_.Clear();
    ++generation_;
  }
  if (digit_facts_.size() > max_cached_digit_words_) {
    digit_facts_.clear();
    digit_facts_arena_.Clear();
    ++digit_generation_;
  }
  document->tokens.assign(input.words.size(), PreparedDocument::Token());
  document->sentences.clear();
  for (size_t i = 0; i < input.words.size(); ++i) {
    // The facts cache holds up to max_cached_words_ words and nearly every
    // lookup missed the CPU cache: start loading a later word's slot now
    // so the misses overlap.
    if (i + kPrefetchAhead < input.words.size()) {
      const std::string_view ahead = input.words[i + kPrefetchAhead];
      facts_.prefetch(absl::string_view(ahead.data(), ahead.size()));
    }
    document->tokens[i].facts = &Facts(input.words[i]);
    // Read by the loops below: load it while looking up the next words.
    __builtin_prefetch(document->tokens[i].facts);
  }

  // Sentences, and whether their capitals mean anything.
  uint32_t begin = 0;
  for (uint32_t end : input.sentence_ends) {
    if (end <= begin || end > input.words.size()) continue;
    PreparedDocument::Sentence& sentence = document->sentences.emplace_back();
    sentence.begin = begin;
    sentence.end = end;
    int words = 0, caps = 0;
    for (uint32_t i = begin; i < end; ++i) {
      const WordFacts& facts = *document->tokens[i].facts;
      if (!facts.Has(WordFacts::kHasLetter)) continue;
      ++words;
      caps += facts.Has(WordFacts::kAllCaps);
    }
    sentence.caseless = words >= 2 && caps * 2 > words;
    begin = end;
  }

  // Gazetteer matches: longest first, from capitalised words.
  for (const PreparedDocument::Sentence& sentence : document->sentences) {
    for (uint32_t i = sentence.begin; i < sentence.end;) {
      if (!document->tokens[i].facts->Has(WordFacts::kCapitalized)) {
        ++i;
        continue;
      }
      uint32_t longest = std::min<uint32_t>(
          document->tokens[i].facts->gazetteer_tokens, sentence.end - i);
      uint32_t matched = 0;
      const GazetteerEntry* entry = nullptr;
      for (uint32_t length = longest; length >= 1 && entry == nullptr;
           --length) {
        surface_.clear();
        for (uint32_t j = i; j < i + length; ++j) {
          if (j > i) surface_.push_back(' ');
          surface_.append(input.words[j]);
        }
        entry = gazetteer_.Find(surface_, &scratch_);
        if (entry != nullptr) matched = length;
      }
      if (entry == nullptr || entry->type < v1::PERSON ||
          entry->type > v1::MISC) {
        ++i;
        continue;
      }
      const int type = entry->type - v1::PERSON;
      for (uint32_t j = i; j < i + matched; ++j) {
        int position = matched == 1           ? kUnit
                       : j == i               ? kBegin
                       : j + 1 == i + matched ? kLast
                                              : kInside;
        document->tokens[j].gazetteer =
            static_cast<uint8_t>(NerLabel(type, position));
      }
      i += matched;
    }
  }

  // Runs of capitalised words. In a caseless sentence capitals say nothing,
  // so it has no runs.
  // How often each lower-cased word ends a run of two or more words.
  U64Map<int>& run_ends = run_ends_;
  run_ends.Clear();
  for (const PreparedDocument::Sentence& sentence : document->sentences) {
    if (sentence.caseless) continue;
    for (uint32_t i = sentence.begin; i < sentence.end;) {
      if (!document->tokens[i].facts->Has(WordFacts::kCapitalized)) {
        ++i;
        continue;
      }
      uint32_t end = i + 1;
      while (end < sentence.end &&
             document->tokens[end].facts->Has(WordFacts::kCapitalized)) {
        ++end;
      }
      const uint32_t length = end - i;
      const uint8_t bucket =
          static_cast<uint8_t>(std::min<uint32_t>(length, 4) - 1);
      for (uint32_t j = i; j < end; ++j) {
        const int position = length == 1    ? kUnit
                             : j == i       ? kBegin
                             : j + 1 == end ? kLast
                                            : kInside;
        PreparedDocument::Token& token = document->tokens[j];
        token.run = static_cast<uint8_t>(1 + position * 4 + bucket);
        token.run_head = document->tokens[end - 1].facts;
      }
      if (length >= 2) ++run_ends[document->tokens[end - 1].facts->lower];
      i = end;
    }
  }

  // Document evidence: how each lower-cased word is written elsewhere.
  U64Map<EvidenceCounts>& counts = evidence_;
  counts.Clear();
  auto is_capitalized_mid = [&](const PreparedDocument::Sentence& sentence,
                                uint32_t i) {
    const WordFacts& facts = *document->tokens[i].facts;
    return !sentence.caseless && i > sentence.begin &&
           facts.Has(WordFacts::kCapitalized);
  };
  auto is_lower = [&](uint32_t i) {
    const WordFacts& facts = *document->tokens[i].facts;
    return facts.Has(WordFacts::kHasLetter) &&
           !facts.Has(WordFacts::kCapitalized) &&
           !facts.Has(WordFacts::kAllCaps);
  };
  for (const PreparedDocument::Sentence& sentence : document->sentences) {
    for (uint32_t i = sentence.begin; i < sentence.end; ++i) {
      const WordFacts& facts = *document->tokens[i].facts;
      if (!facts.Has(WordFacts::kHasLetter)) continue;
      EvidenceCounts& c = counts[facts.lower];
      ++c.total;
      c.capitalized_mid += is_capitalized_mid(sentence, i);
      c.lower += is_lower(i);
    }
  }
  for (const PreparedDocument::Sentence& sentence : document->sentences) {
    for (uint32_t i = sentence.begin; i < sentence.end; ++i) {
      PreparedDocument::Token& token = document->tokens[i];
      if (!token.facts->Has(WordFacts::kHasLetter)) continue;
      const EvidenceCounts& c = counts[token.facts->lower];
      uint8_t evidence = 0;
      if (c.capitalized_mid - is_capitalized_mid(sentence, i) > 0) {
        evidence |= kElsewhereCapitalized;
      }
      if (c.lower - is_lower(i) > 0) evidence |= kElsewhereLower;
      if (c.total > 1) evidence |= kElsewhere;
      // A surname or a name's head ("Trivedi" after "Anushka Trivedi").
      if (const int* ends = run_ends.Find(token.facts->lower)) {
        const bool own_last = token.run != 0 && (token.run - 1) / 4 == kLast;
        if (*ends - own_last > 0) evidence |= kElsewhereRunLast;
      }
      token.evidence = evidence;
    }
  }
}

const WordFacts& NerFeatures::At(const PreparedDocument& document, size_t begin,
                                 size_t end, size_t i, int offset) const {
  if (offset < 0 && i < begin + static_cast<size_t>(-offset)) return *start_;
  if (offset > 0 && i + offset >= end) return *end_;
  return *document.tokens[i + offset].facts;
}

void NerFeatures::AppendWordKeys(const WordFacts& facts, int offset,
                                 std::vector<uint64_t>* keys) const {
  const uint32_t base =
      kWordBase + static_cast<uint32_t>(offset + kNerWindow) * kWordTemplates;
  auto add = [&](WordTemplate t, uint64_t value) {
    keys->push_back(Key(base + t, value));
  };
  const uint64_t case_profile = static_cast<uint64_t>(facts.case_profile);
  if (offset == 0) {
    keys->push_back(Key(kBias, 0));
    add(kWord, facts.word);
    add(kLower, facts.lower);
    add(kShape, facts.shape);
    add(kShortShape, facts.short_shape);
    for (int k = 0; k < 4; ++k) {
      if (facts.prefix[k] == 0) break;
      add(static_cast<WordTemplate>(kPrefix1 + k), facts.prefix[k]);
      add(static_cast<WordTemplate>(kSuffix1 + k), facts.suffix[k]);
    }
    for (int level = 0; level < kClusterLevels; ++level) {
      if (facts.clusters[level] != 0) {
        add(static_cast<WordTemplate>(kCluster0 + level),
            facts.clusters[level]);
      }
    }
    add(kCase, case_profile);
    add(kCaseShape, Pair(case_profile, facts.short_shape));
    if (facts.name_cues != 0) {
      add(kNameCues, facts.name_cues);
      add(kNameCuesShape, Pair(facts.name_cues, facts.short_shape));
    }
    return;
  }
  add(kLower, facts.lower);
  add(kShortShape, facts.short_shape);
  if (facts.clusters[1] != 0) add(kCluster1, facts.clusters[1]);
  if (offset == -1 || offset == 1) {
    add(kWord, facts.word);
    if (facts.clusters[2] != 0) add(kCluster2, facts.clusters[2]);
    add(kCaseShape, Pair(case_profile, facts.short_shape));
    if (facts.suffix[2] != 0) add(kSuffix3, facts.suffix[2]);
    if (facts.name_cues != 0) add(kNameCues, facts.name_cues);
  }
}

void NerFeatures::AppendFirstKeys(const WordFacts& self,
                                  std::vector<uint64_t>* keys) const {
  const uint64_t case_profile = static_cast<uint64_t>(self.case_profile);
  keys->push_back(Key(kFirstShapeCase, Pair(self.short_shape, case_profile)));
  keys->push_back(Key(kFirstWord, self.lower));
}

void NerFeatures::AppendCaselessKeys(const WordFacts& self,
                                     std::vector<uint64_t>* keys) const {
  keys->push_back(Key(kCaselessLower, self.lower));
  keys->push_back(Key(kCaselessCase, static_cast<uint64_t>(self.case_profile)));
  keys->push_back(Key(kCaselessCluster, self.clusters[2]));
  keys->push_back(Key(kCaselessShape, self.short_shape));
}

NerFeatures::PairWordKeys NerFeatures::PairWordKeysOf(
    const WordFacts& left, const WordFacts& right) const {
  const uint64_t bigram = Pair(left.lower, right.lower);
  // The left word looking right, the right word looking left.
  return {Key(kLowerBigramRight, bigram), Key(kLowerBigramLeft, bigram)};
}

void NerFeatures::AppendPairClassKeys(const WordFacts& left,
                                      const WordFacts& right,
                                      std::vector<uint64_t>* left_keys,
                                      std::vector<uint64_t>* right_keys) const {
  const NerPairClass pair_class = NerPairClass::Of(left, right);
  const uint64_t shapes = Pair(pair_class.left_shape, pair_class.right_shape);
  const uint64_t clusters =
      Pair(pair_class.left_cluster, pair_class.right_cluster);
  // Features of the right word looking left...
  right_keys->push_back(Key(kShapeBigramLeft, shapes));
  right_keys->push_back(Key(kClusterBigramLeft, clusters));
  // ...and of the left word looking right.
  left_keys->push_back(Key(kShapeBigramRight, shapes));
  left_keys->push_back(Key(kClusterBigramRight, clusters));
}

void NerFeatures::AppendPairKeys(const WordFacts& left, const WordFacts& right,
                                 std::vector<uint64_t>* left_keys,
                                 std::vector<uint64_t>* right_keys) const {
  const PairWordKeys words = PairWordKeysOf(left, right);
  right_keys->push_back(words.right);
  left_keys->push_back(words.left);
  AppendPairClassKeys(left, right, left_keys, right_keys);
}

void NerFeatures::AppendTokenKeys(const PreparedDocument& document, size_t s,
                                  size_t i, std::vector<uint64_t>* keys) const {
  const PreparedDocument::Sentence& sentence = document.sentences[s];
  const PreparedDocument::Token& token = document.tokens[i];
  const WordFacts& self = *token.facts;
  const WordFacts& left = At(document, sentence.begin, sentence.end, i, -1);
  const WordFacts& right = At(document, sentence.begin, sentence.end, i, 1);
  const bool first = i == sentence.begin;
  const uint64_t case_profile = static_cast<uint64_t>(self.case_profile);
  auto add = [&](ContextTemplate t, uint64_t value) {
    keys->push_back(Key(t, value));
  };
  add(kShapeTrigram,
      Pair(Pair(left.short_shape, self.short_shape), right.short_shape));
  auto gazetteer_at = [&](int offset) -> uint64_t {
    if (offset < 0 && i == sentence.begin) return 0;
    if (offset > 0 && i + 1 >= sentence.end) return 0;
    return document.tokens[i + offset].gazetteer;
  };
  if (token.gazetteer != 0) {
    add(kGazetteer, token.gazetteer);
    add(kGazetteerShape, Pair(token.gazetteer, self.short_shape));
  }
  if (uint64_t g = gazetteer_at(-1); g != 0) add(kGazetteerLeft, g);
  if (uint64_t g = gazetteer_at(1); g != 0) add(kGazetteerRight, g);
  // The head word types a long name ("Bridgton Junction", "Reading
  // Railroad") even where it is beyond the +-2 window.
  if (token.run != 0) add(kRunHead, Pair(token.run, token.run_head->lower));
  if (self.Has(WordFacts::kHasLetter)) {
    const uint64_t evidence = token.evidence;
    add(kEvidence, evidence);
    add(kEvidenceShape, Pair(evidence, self.short_shape));
    if (sentence.caseless) add(kEvidenceCaseless, Pair(evidence, case_profile));
    if (first) add(kEvidenceFirst, Pair(evidence, case_profile));
  }
}

void NerFeatures::AppendContextKeys(const PreparedDocument& document, size_t s,
                                    size_t i,
                                    std::vector<uint64_t>* keys) const {
  const PreparedDocument::Sentence& sentence = document.sentences[s];
  const WordFacts& self = *document.tokens[i].facts;
  std::vector<uint64_t> unused;
  AppendPairKeys(At(document, sentence.begin, sentence.end, i, -1), self,
                 &unused, keys);
  AppendPairKeys(self, At(document, sentence.begin, sentence.end, i, 1), keys,
                 &unused);
  if (i == sentence.begin) AppendFirstKeys(self, keys);
  if (sentence.caseless) AppendCaselessKeys(self, keys);
  AppendTokenKeys(document, s, i, keys);
}

void NerHistory::Add(const WordFacts& facts, int label) {
  if (!facts.Has(WordFacts::kHasLetter)) return;
  auto& counts = counts_[facts.lower];
  uint16_t& count = counts[label == 0 ? 0 : 1 + NerLabelType(label)];
  if (count < UINT16_MAX) ++count;
}

namespace {
uint64_t HistoryValue(int kind, int bucket) { return Pair(kind, bucket); }
}  // namespace

void NerFeatures::AppendHistoryKeys(const NerHistory& history,
                                    const WordFacts& facts,
                                    std::vector<uint64_t>* keys) const {
  if (!facts.Has(WordFacts::kHasLetter)) return;
  const auto* counts = history.Find(facts);
  if (counts == nullptr) return;
  int total = 0;
  for (uint16_t count : *counts) total += count;
  for (int kind = 0; kind <= kNerTypes; ++kind) {
    const int count = (*counts)[kind];
    if (count == 0) continue;
    const int bucket = count == total           ? 3
                       : count * 3 >= total * 2 ? 2
                       : count * 3 >= total     ? 1
                                                : 0;
    keys->push_back(Key(kHistory, HistoryValue(kind, bucket)));
  }
}

std::vector<uint64_t> NerFeatures::AllHistoryKeys() {
  std::vector<uint64_t> keys;
  for (int kind = 0; kind <= kNerTypes; ++kind) {
    for (int bucket = 0; bucket < 4; ++bucket) {
      keys.push_back(Key(kHistory, HistoryValue(kind, bucket)));
    }
  }
  return keys;
}

void NerFeatures::AppendAllKeys(const PreparedDocument& document, size_t s,
                                size_t i, std::vector<uint64_t>* keys) const {
  const PreparedDocument::Sentence& sentence = document.sentences[s];
  for (int offset = -kNerWindow; offset <= kNerWindow; ++offset) {
    AppendWordKeys(At(document, sentence.begin, sentence.end, i, offset),
                   offset, keys);
  }
  AppendContextKeys(document, s, i, keys);
}

}  // namespace tag
}  // namespace newsflow
