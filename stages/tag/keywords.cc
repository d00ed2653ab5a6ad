#include "stages/tag/keywords.h"

#include <libstemmer.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <type_traits>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "stages/tag/binary_io.h"
#include "stages/tag/lexicon.h"

namespace newsflow {
namespace tag {
namespace {

constexpr uint32_t kTitleWeight = 3;
constexpr int kMinPhraseCount = 2;
constexpr double kPhraseBoost = 1.5;
constexpr size_t kMinWordBytes = 3;
// Tokens ahead whose word-cache slot TermCounter::Count prefetches.
constexpr size_t kPrefetchAhead = 4;
constexpr uint32_t kStateVersion = 1;

class TfIdfKeywordExtractor : public KeywordExtractor {
 public:
  explicit TfIdfKeywordExtractor(DocumentFrequencies* frequencies)
      : frequencies_(frequencies) {}

  void Extract(const TokenizedArticle& article, int max_keywords,
               KeywordResult* result) override {
    counter_.Count(article, &counts_);
    ScoreKeywords(counts_, max_keywords, frequencies_, result);
  }

 private:
  DocumentFrequencies* frequencies_;
  TermCounter counter_;
  TermCounts counts_;
};

}  // namespace

struct TermCounter::Scratch {
  struct Phrase {
    int occurrences = 0;
    // The first occurrence's spellings (ids into `lowers`): the text is
    // built only for a phrase that repeats (most word pairs occur once, and
    // building each one's text was an allocation per pair).
    uint32_t first_lower = 0;
    uint32_t second_lower = 0;
    PhraseCount count;
  };
  // What a word as written says, remembered across articles: stemming and
  // lower-casing were most of the counting time, and news repeats its
  // words. Terms and lower-case spellings are interned as ids, so that an
  // article's tokens are counted by integer compares instead of string
  // hashes and copies. Every table is emptied between articles once
  // kMaxRemembered words are known.
  struct Word {
    uint32_t term = kNoTerm;  // into `terms`
    uint32_t lower = 0;       // into `lowers`
  };
  struct Term {
    std::string text;
    // The article (`article` at the time) that last counted this term, and
    // its index into that article's TermCounts::terms.
    uint64_t article = 0;
    uint32_t index = 0;
  };
  static constexpr uint32_t kNoTerm = UINT32_MAX;
  static constexpr size_t kMaxRemembered = 200000;

  const Word& WordOf(std::string_view text) {
    auto [slot, added] =
        words.try_emplace(absl::string_view(text.data(), text.size()));
    if (!added) return slot->second;
    Word& word = slot->second;
    const std::string term = tag::TermOf(text, &stemmer);
    if (!term.empty()) word.term = Intern(term, &term_ids, &terms);
    std::string lower;
    AppendLowercase(text, &lower);
    word.lower = Intern(lower, &lower_ids, &lowers);
    return word;
  }

  template <typename Entry>
  static uint32_t Intern(const std::string& text,
                         absl::flat_hash_map<std::string, uint32_t>* ids,
                         std::vector<Entry>* entries) {
    auto [slot, added] =
        ids->try_emplace(text, static_cast<uint32_t>(entries->size()));
    if (added) {
      if constexpr (std::is_same_v<Entry, std::string>) {
        entries->push_back(text);
      } else {
        entries->emplace_back().text = text;
      }
    }
    return slot->second;
  }

  void Forget() {
    words.clear();
    term_ids.clear();
    terms.clear();
    lower_ids.clear();
    lowers.clear();
  }

  Stemmer stemmer;
  // On huge pages (huge_pages.h): a lookup per token, at random.
  HugePageHashMap<std::string, Word> words;
  absl::flat_hash_map<std::string, uint32_t> term_ids;
  std::vector<Term> terms;
  absl::flat_hash_map<std::string, uint32_t> lower_ids;
  std::vector<std::string> lowers;
  // Counts articles: a Term whose `article` differs is not in this one yet.
  uint64_t article = 0;
  // Per index into TermCounts::terms, the spellings (lower ids) seen with
  // their counts, in order first seen.
  std::vector<std::vector<std::pair<uint32_t, int>>> spellings;
  // By the indices of its two terms.
  absl::flat_hash_map<std::pair<uint32_t, uint32_t>, Phrase> phrases;
};

TermCounter::TermCounter() : scratch_(std::make_unique<Scratch>()) {}
TermCounter::~TermCounter() = default;

void TermCounter::Count(const TokenizedArticle& article, TermCounts* counts) {
  counts->Clear();
  Scratch& scratch = *scratch_;
  scratch.phrases.clear();
  if (scratch.words.size() > Scratch::kMaxRemembered) scratch.Forget();
  const uint64_t this_article = ++scratch.article;

  uint32_t previous_lower = 0;
  uint32_t previous_index = 0;
  bool previous_is_content = false;
  size_t distinct = 0;
  for (size_t i = 0; i < article.tokens.size(); ++i) {
    // The word cache is large and each lookup missed the CPU cache: start
    // loading a later token's slot now so the misses overlap.
    if (i + kPrefetchAhead < article.tokens.size()) {
      const std::string_view ahead = article.tokens[i + kPrefetchAhead].text;
      scratch.words.prefetch(absl::string_view(ahead.data(), ahead.size()));
    }
    const Token& token = article.tokens[i];
    if (!token.IsWord()) {
      previous_is_content = false;
      continue;
    }
    const Scratch::Word& word = scratch.WordOf(token.text);
    if (word.term == Scratch::kNoTerm) {
      previous_is_content = false;
      continue;
    }
    const uint32_t position = static_cast<uint32_t>(i);
    const uint32_t weight = article.InTitle(i) ? kTitleWeight : 1;
    Scratch::Term& term = scratch.terms[word.term];
    if (term.article != this_article) {
      term.article = this_article;
      term.index = static_cast<uint32_t>(distinct++);
      TermCount& entry = counts->terms.emplace_back();
      entry.term = term.text;
      entry.first = position;
      if (scratch.spellings.size() < distinct) scratch.spellings.emplace_back();
      scratch.spellings[term.index].clear();
    }
    const uint32_t index = term.index;
    counts->terms[index].count += weight;
    auto& spellings = scratch.spellings[index];
    auto spelling =
        std::find_if(spellings.begin(), spellings.end(),
                     [&](const auto& s) { return s.first == word.lower; });
    if (spelling == spellings.end()) {
      spellings.emplace_back(word.lower, 1);
    } else {
      ++spelling->second;
    }
    if (previous_is_content && !token.Has(Token::kSentenceStart) &&
        i != article.body_begin && previous_index != index) {
      auto [found, new_phrase] =
          scratch.phrases.try_emplace(std::make_pair(previous_index, index));
      Scratch::Phrase& phrase = found->second;
      if (new_phrase) {
        phrase.count.first = position - 1;
        phrase.count.first_term = previous_index;
        phrase.count.second_term = index;
        phrase.first_lower = previous_lower;
        phrase.second_lower = word.lower;
      }
      phrase.count.count += weight;
      ++phrase.occurrences;
    }
    previous_index = index;
    previous_lower = word.lower;
    previous_is_content = !token.Has(Token::kPossessive);
  }

  for (size_t t = 0; t < counts->terms.size(); ++t) {
    const auto& spellings = scratch.spellings[t];
    counts->terms[t].spelling =
        scratch.lowers[std::max_element(spellings.begin(), spellings.end(),
                                        [](const auto& a, const auto& b) {
                                          return a.second < b.second;
                                        })
                           ->first];
  }
  for (auto& [key, phrase] : scratch.phrases) {
    if (phrase.occurrences < kMinPhraseCount) continue;
    phrase.count.text = absl::StrCat(scratch.lowers[phrase.first_lower], " ",
                                     scratch.lowers[phrase.second_lower]);
    counts->phrases.push_back(std::move(phrase.count));
  }
  // A phrase's first occurrence starts at a token no other phrase starts
  // at: a total order, independent of the hash map's.
  std::sort(counts->phrases.begin(), counts->phrases.end(),
            [](const PhraseCount& a, const PhraseCount& b) {
              return a.first < b.first;
            });
}

void ScoreKeywords(const TermCounts& counts, int max_keywords,
                   DocumentFrequencies* frequencies, KeywordResult* result) {
  result->keywords.clear();
  result->terms.clear();
  const size_t n = counts.terms.size();

  // Term weights, before this article joins the stream's counts.
  std::vector<double> idf(n);
  std::vector<double> keyword_weight(n);
  double norm = 0;
  result->terms.reserve(n);
  std::vector<double> weight(n);
  for (size_t t = 0; t < n; ++t) {
    const TermCount& term = counts.terms[t];
    idf[t] = frequencies->IdfThenCount(term.term);
    const double w = term.count * idf[t];
    keyword_weight[t] = w;
    weight[t] = w;
    norm += w * w;
  }
  struct Ranked {
    const std::string* text;
    double score;
    uint32_t first;
  };
  std::vector<Ranked> ranked;
  // A repeated phrase outranks its words: it takes their weight for its
  // occurrences (so "cod quotas" comes before "cod" and "quotas").
  for (const PhraseCount& phrase : counts.phrases) {
    const double first_idf = idf[phrase.first_term];
    const double second_idf = idf[phrase.second_term];
    const double count = phrase.count;
    ranked.push_back({&phrase.text,
                      count * (first_idf + second_idf) / 2 * kPhraseBoost,
                      phrase.first});
    keyword_weight[phrase.first_term] -= count * first_idf;
    keyword_weight[phrase.second_term] -= count * second_idf;
  }
  for (size_t t = 0; t < n; ++t) {
    if (keyword_weight[t] <= 1e-9) continue;
    ranked.push_back(
        {&counts.terms[t].spelling, keyword_weight[t], counts.terms[t].first});
  }
  norm = std::sqrt(norm);
  // Sorted as indices, the strings copied once in order: sorting the
  // (term, weight) pairs themselves moved every string several times. The
  // order is total (terms are distinct), so the result is the same.
  std::vector<uint32_t> order(n);
  for (size_t t = 0; t < n; ++t) {
    weight[t] = norm > 0 ? weight[t] / norm : 0;
    order[t] = static_cast<uint32_t>(t);
  }
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    if (weight[a] != weight[b]) return weight[a] > weight[b];
    return counts.terms[a].term < counts.terms[b].term;
  });
  for (uint32_t t : order)
    result->terms.emplace_back(counts.terms[t].term, weight[t]);
  std::sort(ranked.begin(), ranked.end(), [](const Ranked& a, const Ranked& b) {
    if (a.score != b.score) return a.score > b.score;
    if (a.first != b.first) return a.first < b.first;
    return *a.text < *b.text;
  });
  for (const Ranked& r : ranked) {
    if (static_cast<int>(result->keywords.size()) >= max_keywords) break;
    if (std::find(result->keywords.begin(), result->keywords.end(), *r.text) ==
        result->keywords.end()) {
      result->keywords.push_back(*r.text);
    }
  }
  // Each term was counted as it was scored (the terms are distinct).
  frequencies->EndDocument();
}

Stemmer::Stemmer() : stemmer_(sb_stemmer_new("english", "UTF_8")) {}

Stemmer::~Stemmer() { sb_stemmer_delete(stemmer_); }

std::string Stemmer::Stem(std::string_view lower) {
  const sb_symbol* stem = sb_stemmer_stem(
      stemmer_, reinterpret_cast<const sb_symbol*>(lower.data()),
      static_cast<int>(lower.size()));
  if (stem == nullptr) return std::string(lower);
  return std::string(reinterpret_cast<const char*>(stem),
                     static_cast<size_t>(sb_stemmer_length(stemmer_)));
}

std::string TermOf(std::string_view word, Stemmer* stemmer) {
  if (word.size() < kMinWordBytes) return "";
  for (char c : word) {
    if ((c >= '0' && c <= '9') || c == '.') return "";
  }
  std::string lower;
  AppendLowercase(word, &lower);
  if (IsStopword(lower)) return "";
  lower.erase(std::remove_if(lower.begin(), lower.end(),
                             [](char c) { return c == '-' || c == '\''; }),
              lower.end());
  if (lower.size() < kMinWordBytes) return "";
  return stemmer->Stem(lower);
}

absl::Status DocumentFrequencies::LoadBackground(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  Zero(&Counts::background);
  background_documents_ = 0;
  std::string line;
  int line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    if (line.rfind("#documents ", 0) == 0) {
      if (!absl::SimpleAtoi(line.substr(11), &background_documents_)) {
        return absl::InvalidArgumentError(
            absl::StrCat(path, ":", line_number, ": bad document count"));
      }
      continue;
    }
    if (line.empty() || line[0] == '#') continue;
    size_t tab = line.find('\t');
    uint32_t df = 0;
    if (tab == std::string::npos ||
        !absl::SimpleAtoi(line.substr(tab + 1), &df)) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ":", line_number, ": expected term<TAB>count"));
    }
    Counts& counts = counts_[line.substr(0, tab)];
    counts.background = df;
    if (counts.background == 0 && counts.stream == 0) {
      counts_.erase(line.substr(0, tab));
    }
  }
  return absl::OkStatus();
}

double DocumentFrequencies::IdfOf(const Counts& counts) const {
  const double df = static_cast<double>(counts.background) + counts.stream;
  return std::log((background_documents_ + documents_ + 1.0) / (df + 1.0)) + 1;
}

double DocumentFrequencies::Idf(std::string_view term) const {
  // Looked up without a copy of the term (absl's string maps take views).
  auto it = counts_.find(absl::string_view(term.data(), term.size()));
  return IdfOf(it == counts_.end() ? Counts() : it->second);
}

void DocumentFrequencies::CountTerm(std::string_view term) {
  Counts& counts =
      counts_.try_emplace(absl::string_view(term.data(), term.size()))
          .first->second;
  if (counts.stream++ == 0) ++stream_terms_;
}

double DocumentFrequencies::IdfThenCount(std::string_view term) {
  Counts& counts =
      counts_.try_emplace(absl::string_view(term.data(), term.size()))
          .first->second;
  const double idf = IdfOf(counts);
  if (counts.stream++ == 0) ++stream_terms_;
  return idf;
}

void DocumentFrequencies::EndDocument() {
  ++documents_;
  if (stream_terms_ > max_terms_) {
    // Terms seen in one document only are forgotten.
    for (auto it = counts_.begin(); it != counts_.end();) {
      Counts& counts = it->second;
      if (counts.stream == 1) {
        counts.stream = 0;
        --stream_terms_;
      }
      if (counts.stream == 0 && counts.background == 0) {
        counts_.erase(it++);
      } else {
        ++it;
      }
    }
  }
}

void DocumentFrequencies::Zero(uint32_t Counts::*field) {
  for (auto it = counts_.begin(); it != counts_.end();) {
    it->second.*field = 0;
    if (it->second.background == 0 && it->second.stream == 0) {
      counts_.erase(it++);
    } else {
      ++it;
    }
  }
  if (field == &Counts::stream) stream_terms_ = 0;
}

void DocumentFrequencies::AppendTo(
    std::string* out, const std::function<void(std::string*)>& spill) const {
  PutU32(out, kStateVersion);
  PutU64(out, static_cast<uint64_t>(documents_));
  std::vector<std::pair<std::string_view, uint32_t>> sorted;
  sorted.reserve(stream_terms_);
  for (const auto& [term, counts] : counts_) {
    if (counts.stream > 0) sorted.emplace_back(term, counts.stream);
  }
  std::sort(sorted.begin(), sorted.end());
  PutU32(out, static_cast<uint32_t>(sorted.size()));
  for (const auto& [term, count] : sorted) {
    PutString(out, term);
    PutU32(out, count);
    if (spill) spill(out);
  }
}

absl::Status DocumentFrequencies::ReadFrom(std::string_view data, size_t* pos) {
  BinaryReader reader(data, *pos);
  if (reader.U32() != kStateVersion) {
    return absl::DataLossError("document frequencies: unknown version");
  }
  const int64_t documents = static_cast<int64_t>(reader.U64());
  const uint32_t count = reader.U32();
  std::vector<std::pair<std::string, uint32_t>> stream;
  for (uint32_t i = 0; i < count && reader.ok(); ++i) {
    std::string term(reader.String());
    stream.emplace_back(std::move(term), reader.U32());
  }
  if (!reader.ok()) {
    return absl::DataLossError("document frequencies: truncated");
  }
  documents_ = documents;
  Zero(&Counts::stream);
  // A term given twice keeps its last count, as a map assigned in turn did.
  for (auto& [term, count] : stream) {
    Counts& counts = counts_[term];
    if (counts.stream == 0 && count > 0) ++stream_terms_;
    if (counts.stream > 0 && count == 0) --stream_terms_;
    counts.stream = count;
    if (counts.stream == 0 && counts.background == 0) counts_.erase(term);
  }
  *pos = reader.pos();
  return absl::OkStatus();
}

std::unique_ptr<KeywordExtractor> NewTfIdfKeywordExtractor(
    DocumentFrequencies* frequencies) {
  return std::make_unique<TfIdfKeywordExtractor>(frequencies);
}

}  // namespace tag
}  // namespace newsflow
