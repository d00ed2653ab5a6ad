#include "stages/tag/keywords.h"

#include <algorithm>

#include "absl/container/flat_hash_map.h"
#include "stages/tag/lexicon.h"

namespace newsflow {
namespace tag {
namespace {

constexpr float kTitleWeight = 3;
constexpr float kPhraseBoost = 1.5f;
constexpr int kMinPhraseCount = 2;
constexpr size_t kMinWordBytes = 3;

struct Term {
  float score = 0;
  int count = 0;
  uint32_t first = 0;
  // For phrases: the two words, as keys into the word table.
  std::string first_word;
  std::string second_word;
};

class FrequencyKeywordExtractor : public KeywordExtractor {
 public:
  void Extract(const TokenizedArticle& article, int max_keywords,
               std::vector<std::string>* keywords) override;

 private:
  // Lower-cases a content word into `out`; false when it is not one.
  static bool ContentWord(const Token& token, std::string* out);

  absl::flat_hash_map<std::string, Term> words_;
  absl::flat_hash_map<std::string, Term> phrases_;
  std::string word_;
  std::string previous_;
  std::string phrase_;
};

bool FrequencyKeywordExtractor::ContentWord(const Token& token,
                                            std::string* out) {
  if (!token.IsWord() || token.text.size() < kMinWordBytes) return false;
  for (char c : token.text) {
    if ((c >= '0' && c <= '9') || c == '.') return false;
  }
  out->clear();
  AppendLowercase(token.text, out);
  return !IsStopword(*out);
}

void FrequencyKeywordExtractor::Extract(const TokenizedArticle& article,
                                        int max_keywords,
                                        std::vector<std::string>* keywords) {
  keywords->clear();
  if (max_keywords <= 0) return;
  words_.clear();
  phrases_.clear();

  bool previous_is_content = false;
  for (size_t i = 0; i < article.tokens.size(); ++i) {
    const Token& token = article.tokens[i];
    const bool in_title = article.InTitle(i);
    if (!ContentWord(token, &word_)) {
      previous_is_content = false;
      continue;
    }
    const float weight = in_title ? kTitleWeight : 1;
    const uint32_t position = static_cast<uint32_t>(i);
    Term& term = words_[word_];
    if (term.count == 0) term.first = position;
    term.score += weight;
    ++term.count;

    if (previous_is_content && !token.Has(Token::kSentenceStart) &&
        i != article.body_begin) {
      phrase_.assign(previous_);
      phrase_.push_back(' ');
      phrase_.append(word_);
      Term& phrase = phrases_[phrase_];
      if (phrase.count == 0) {
        phrase.first = position - 1;
        phrase.first_word = previous_;
        phrase.second_word = word_;
      }
      phrase.score += weight * kPhraseBoost;
      ++phrase.count;
    }
    previous_.swap(word_);
    previous_is_content = !token.Has(Token::kPossessive);
  }

  struct Ranked {
    const std::string* text;
    float score;
    uint32_t first;
  };
  std::vector<Ranked> ranked;
  for (const auto& [text, phrase] : phrases_) {
    if (phrase.count < kMinPhraseCount) continue;
    // The phrase's occurrences no longer count for its words.
    float taken = phrase.score / kPhraseBoost;
    words_[phrase.first_word].score -= taken;
    words_[phrase.second_word].score -= taken;
    ranked.push_back({&text, phrase.score, phrase.first});
  }
  for (const auto& [text, word] : words_) {
    if (word.score > 0) ranked.push_back({&text, word.score, word.first});
  }
  std::sort(ranked.begin(), ranked.end(), [](const Ranked& a, const Ranked& b) {
    if (a.score != b.score) return a.score > b.score;
    if (a.first != b.first) return a.first < b.first;
    return *a.text < *b.text;
  });
  size_t limit = std::min(ranked.size(), static_cast<size_t>(max_keywords));
  for (size_t i = 0; i < limit; ++i) keywords->push_back(*ranked[i].text);
}

}  // namespace

std::unique_ptr<KeywordExtractor> NewFrequencyKeywordExtractor() {
  return std::make_unique<FrequencyKeywordExtractor>();
}

}  // namespace tag
}  // namespace newsflow
