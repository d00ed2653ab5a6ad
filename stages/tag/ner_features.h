// Features of the statistical named-entity tagger, shared by training
// (ner_trainer.h) and tagging (ner_tagger.h) so both see exactly the same
// keys.
//
// Labels are BILOU over four types: O, then B-/I-/L-/U- for PER, ORG, LOC,
// MISC (17 labels). A feature is a 64-bit key: a template number mixed with
// a value hash, so no feature strings are ever built. Per token the keys are
//   - word features of the token and its neighbours at offsets -2..+2: the
//     word as written and lower-cased, its shape ("Xxxx", "X.X."), affixes,
//     its distributional clusters, capitalisation profile and name cues
//     (see ner_lexicon.h). They depend on one word only, which lets
//     the tagger cache their summed weights per word and offset;
//   - context features: word and shape bigrams, sentence position,
//     all-caps lines, gazetteer matches (gazetteer.h) over the token and its
//     neighbours, and document evidence: whether the same word appears
//     elsewhere in the document capitalised mid-sentence, in lower case, or
//     as the last word of a run of two or more capitalised words (a
//     surname or a name's head: "Trivedi" after "Anushka Trivedi");
//   - the run head: a token in a run of capitalised words gets the run's
//     last word ("Railroad", "County", "Inc": the head that types most
//     multi-word names, often beyond the +-2 window) with its position in
//     the run and the run's length.
#ifndef NEWSFLOW_STAGES_TAG_NER_FEATURES_H_
#define NEWSFLOW_STAGES_TAG_NER_FEATURES_H_

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "stages/tag/gazetteer.h"
#include "stages/tag/huge_pages.h"
#include "stages/tag/ner_lexicon.h"
#include "stages/tag/u64_map.h"

namespace newsflow {
namespace tag {

// Bumped whenever the keys a word or context yields change: a model file
// records the version it was trained with and is refused by other code.
constexpr uint32_t kNerFeatureVersion = 5;

constexpr int kNerTypes = 4;  // PER, ORG, LOC, MISC
constexpr int kNerLabels = 1 + 4 * kNerTypes;
enum NerPosition { kBegin = 0, kInside = 1, kLast = 2, kUnit = 3 };
inline int NerLabel(int type, int position) { return 1 + 4 * type + position; }
inline int NerLabelType(int label) { return (label - 1) / 4; }
inline int NerLabelPosition(int label) { return (label - 1) % 4; }
// "PER", "ORG", "LOC", "MISC".
std::string_view NerTypeName(int type);
// -1 for an unknown name.
int NerTypeFromName(std::string_view name);

// Word features are computed for offsets -kNerWindow..+kNerWindow.
constexpr int kNerWindow = 2;
constexpr int kNerOffsets = 2 * kNerWindow + 1;

// Everything the features need to know about one word type.
struct WordFacts {
  enum Flag : uint8_t {
    kCapitalized = 1 << 0,  // first character is an upper-case letter
    kAllCaps = 1 << 1,      // has letters, none lower case
    kHasDigit = 1 << 2,
    kHasLetter = 1 << 3,
    kBoundary = 1 << 4,  // the padding before / after a sentence
  };
  uint64_t word = 0;
  uint64_t lower = 0;
  uint64_t shape = 0;
  uint64_t short_shape = 0;
  uint64_t prefix[4] = {};
  uint64_t suffix[4] = {};
  ClusterPath clusters{};
  CaseProfile case_profile = CaseProfile::kUnknown;
  // NerLexicon::NameCues.
  uint8_t name_cues = 0;
  uint8_t flags = 0;
  // Gazetteer::MaxTokensFrom(word): the longest gazetteer match that can
  // start here.
  uint8_t gazetteer_tokens = 0;
  // Free for the tagger's score cache; -1 when unused.
  mutable int32_t cache_slot = -1;

  bool Has(Flag flag) const { return (flags & flag) != 0; }
};

// A document to tag: its tokens, and where each sentence ends.
struct NerInput {
  std::vector<std::string_view> words;
  // Exclusive end index of each sentence, increasing; the last is
  // words.size().
  std::vector<uint32_t> sentence_ends;

  void Clear() {
    words.clear();
    sentence_ends.clear();
  }
};

// A document with the per-token facts the context features read.
struct PreparedDocument {
  struct Token {
    const WordFacts* facts = nullptr;
    // 0 none, else 1 + NerLabel-style (type, position) of a gazetteer match.
    uint8_t gazetteer = 0;
    // Document evidence bits (see ner_features.cc).
    uint8_t evidence = 0;
    // In a run of capitalised words (see ner_features.cc): 0 when not,
    // else 1 + position (BILU) * 4 + length bucket.
    uint8_t run = 0;
    // The facts of the run's last word; set when run != 0.
    const WordFacts* run_head = nullptr;
  };
  struct Sentence {
    uint32_t begin = 0;
    uint32_t end = 0;
    // Most words in capitals: capitalisation says nothing here.
    bool caseless = false;
  };
  std::vector<Token> tokens;
  std::vector<Sentence> sentences;
};

// What every key of a pair of adjacent words but its two word keys reads
// (NerFeatures::PairWordKeysOf): the words' short shapes and middle
// clusters. Two pairs of one class whose word keys a model lacks score
// alike.
struct NerPairClass {
  uint64_t left_shape = 0;
  uint64_t right_shape = 0;
  uint16_t left_cluster = 0;
  uint16_t right_cluster = 0;

  static NerPairClass Of(const WordFacts& left, const WordFacts& right) {
    return {left.short_shape, right.short_shape, left.clusters[1],
            right.clusters[1]};
  }
  bool operator==(const NerPairClass& other) const {
    return left_shape == other.left_shape && right_shape == other.right_shape &&
           left_cluster == other.left_cluster &&
           right_cluster == other.right_cluster;
  }
  template <typename H>
  friend H AbslHashValue(H h, const NerPairClass& c) {
    return H::combine(std::move(h), c.left_shape, c.right_shape, c.left_cluster,
                      c.right_cluster);
  }
};

// What the tagger has said so far in the current document about each
// word: how often its lower-cased form was inside an entity of each type
// or outside any (Ratinov & Roth's "prediction history"). Later mentions
// ("Feltman", a team name in a results table) lean on earlier ones.
class NerHistory {
 public:
  void Clear() { counts_.Clear(); }
  // Records the label given to a word (facts.lower).
  void Add(const WordFacts& facts, int label);
  // Counts per kind: 0 = outside, 1 + type; nullptr if never seen.
  const std::array<uint16_t, 1 + kNerTypes>* Find(
      const WordFacts& facts) const {
    return counts_.Find(facts.lower);
  }

 private:
  U64Map<std::array<uint16_t, 1 + kNerTypes>> counts_;
};

class NerFeatures {
 public:
  // `lexicon` must outlive this object. Facts are cached per word; the
  // cache is emptied by Prepare() once it holds more than `max_cached_words`.
  // Words with a digit ("1,234", "2031", "A380") have a small cache of
  // their own, emptied once it holds more than `max_cached_digit_words`:
  // numbers are new in almost every article, so in the main cache they
  // would grow it (and the tagger's score caches keyed by facts) for
  // nothing, while a few ("1", "2031") recur. Their facts carry
  // WordFacts::kHasDigit.
  explicit NerFeatures(const NerLexicon* lexicon,
                       size_t max_cached_words = 200000,
                       size_t max_cached_digit_words = 1024);

  NerFeatures(const NerFeatures&) = delete;
  NerFeatures& operator=(const NerFeatures&) = delete;

  // Fills `document` for `input`. Facts pointers stay valid until the cache
  // that holds them is emptied: generation() changes for words without a
  // digit, digit_generation() for those with one (only ever by Prepare()).
  void Prepare(const NerInput& input, PreparedDocument* document);

  // Appends the keys of the word features of `facts` seen at `offset`.
  void AppendWordKeys(const WordFacts& facts, int offset,
                      std::vector<uint64_t>* keys) const;
  // Keys that depend on one word and a fact about its sentence, cached per
  // word by the tagger: the word is the first of its sentence, or the
  // sentence is caseless.
  void AppendFirstKeys(const WordFacts& facts,
                       std::vector<uint64_t>* keys) const;
  void AppendCaselessKeys(const WordFacts& facts,
                          std::vector<uint64_t>* keys) const;
  // Keys of two adjacent words (either may be sentence padding), cached per
  // pair by the tagger: `left_keys` are features of the left word,
  // `right_keys` of the right one.
  void AppendPairKeys(const WordFacts& left, const WordFacts& right,
                      std::vector<uint64_t>* left_keys,
                      std::vector<uint64_t>* right_keys) const;
  // The pair keys that read the words' spellings (their lower-cased
  // bigram), one of the left word's features and one of the right word's;
  // AppendPairKeys gives each word its word key first, then the keys of
  // AppendPairClassKeys, which read only the pair's NerPairClass.
  struct PairWordKeys {
    uint64_t left = 0;
    uint64_t right = 0;
  };
  PairWordKeys PairWordKeysOf(const WordFacts& left,
                              const WordFacts& right) const;
  void AppendPairClassKeys(const WordFacts& left, const WordFacts& right,
                           std::vector<uint64_t>* left_keys,
                           std::vector<uint64_t>* right_keys) const;
  // The remaining keys of token `i` in sentence `s`: they read the
  // document (gazetteer matches, evidence) or three words at once.
  void AppendTokenKeys(const PreparedDocument& document, size_t s, size_t i,
                       std::vector<uint64_t>* keys) const;
  // Every context key of token `i`: pair keys with both neighbours, first
  // and caseless keys where they apply, token keys.
  void AppendContextKeys(const PreparedDocument& document, size_t s, size_t i,
                         std::vector<uint64_t>* keys) const;
  // Appends the keys of what `history` says about `facts`.
  void AppendHistoryKeys(const NerHistory& history, const WordFacts& facts,
                         std::vector<uint64_t>* keys) const;
  // Every key AppendHistoryKeys can produce.
  static std::vector<uint64_t> AllHistoryKeys();
  // All keys of token `i`: word keys at every offset plus context keys.
  void AppendAllKeys(const PreparedDocument& document, size_t s, size_t i,
                     std::vector<uint64_t>* keys) const;

  // The facts of the padding before and after each sentence.
  const WordFacts& sentence_start() const { return *start_; }
  const WordFacts& sentence_end() const { return *end_; }
  size_t cached_words() const { return facts_.size(); }
  size_t cached_digit_words() const { return digit_facts_.size(); }
  // Changes whenever the facts cache is emptied (which drops every
  // cache_slot with it).
  uint64_t generation() const { return generation_; }
  uint64_t digit_generation() const { return digit_generation_; }

 private:
  const WordFacts& Facts(std::string_view word);
  WordFacts ComputeFacts(std::string_view word) const;
  // The facts of the token at i + offset in [begin, end), or padding.
  const WordFacts& At(const PreparedDocument& document, size_t begin,
                      size_t end, size_t i, int offset) const;

  const NerLexicon* lexicon_;
  const Gazetteer& gazetteer_;
  size_t max_cached_words_;
  size_t max_cached_digit_words_;
  // Words (mostly short enough to sit in the slot) beside their facts
  // kept apart: a lookup compares the key without following a pointer,
  // and the facts stay where they are while the table grows. (With the
  // facts in nodes, each lookup missed the CPU cache twice in a row.) The
  // table and the facts are on huge pages (huge_pages.h): a lookup per
  // token, at random over megabytes.
  class FactsArena {
   public:
    explicit FactsArena(size_t facts_per_chunk)
        : facts_per_chunk_(facts_per_chunk) {}
    ~FactsArena();
    FactsArena(const FactsArena&) = delete;
    FactsArena& operator=(const FactsArena&) = delete;
    // A copy of `facts` that stays where it is until Clear().
    const WordFacts* Add(const WordFacts& facts);
    // Forgets every copy; the memory is kept for the next ones.
    void Clear() { used_ = 0; }

   private:
    size_t facts_per_chunk_;
    size_t used_ = 0;
    std::vector<WordFacts*> chunks_;
  };
  using FactsCache = HugePageHashMap<std::string, const WordFacts*>;
  FactsCache facts_;
  FactsArena facts_arena_;
  FactsCache digit_facts_;
  FactsArena digit_facts_arena_;
  uint64_t generation_ = 0;
  uint64_t digit_generation_ = 0;
  std::unique_ptr<WordFacts> start_;
  std::unique_ptr<WordFacts> end_;
  // Scratch for Prepare(): how each lower-cased word of the document is
  // written (see ner_features.cc).
  struct EvidenceCounts {
    int capitalized_mid = 0;
    int lower = 0;
    int total = 0;
  };
  U64Map<EvidenceCounts> evidence_;
  // Scratch for Prepare(): how often each lower-cased word ends a run of
  // two or more capitalised words (a map per document was an allocation
  // and a rehash or two per article).
  U64Map<int> run_ends_;
  std::string scratch_;
  std::string surface_;
};

}  // namespace tag
}  // namespace newsflow

#endif  // NEWSFLOW_STAGES_TAG_NER_FEATURES_H_
