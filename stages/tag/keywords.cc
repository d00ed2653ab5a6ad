#include "stages/tag/keywords.h"

#include <libstemmer.h>

#include <algorithm>
#include <cmath>
#include <fstream>

#include "absl/container/node_hash_map.h"
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
    PhraseCount count;
  };
  // TermOf of a word as written, remembered across articles: stemming
  // was most of the counting time, and news repeats its words. Node-based
  // so that a term stays put while an article is counted; emptied between
  // articles once it holds kMaxRemembered words.
  const std::string& TermOf(std::string_view word) {
    auto [slot, added] =
        terms.try_emplace(absl::string_view(word.data(), word.size()));
    if (added) slot->second = tag::TermOf(word, &stemmer);
    return slot->second;
  }
  static constexpr size_t kMaxRemembered = 200000;

  Stemmer stemmer;
  absl::node_hash_map<std::string, std::string> terms;
  // Term → index into TermCounts::terms.
  absl::flat_hash_map<absl::string_view, uint32_t> index;
  // Per term, the spellings seen with their counts, in order first seen.
  std::vector<std::vector<std::pair<std::string, int>>> spellings;
  // By the indices of its two terms.
  absl::flat_hash_map<std::pair<uint32_t, uint32_t>, Phrase> phrases;
};

TermCounter::TermCounter() : scratch_(std::make_unique<Scratch>()) {}
TermCounter::~TermCounter() = default;

void TermCounter::Count(const TokenizedArticle& article, TermCounts* counts) {
  counts->Clear();
  Scratch& scratch = *scratch_;
  scratch.index.clear();
  scratch.spellings.clear();
  scratch.phrases.clear();
  if (scratch.terms.size() > Scratch::kMaxRemembered) scratch.terms.clear();

  static const std::string kNoTerm;
  std::string previous_text;
  uint32_t previous_index = 0;
  bool previous_is_content = false;
  std::string lower;
  for (size_t i = 0; i < article.tokens.size(); ++i) {
    const Token& token = article.tokens[i];
    const std::string& term =
        token.IsWord() ? scratch.TermOf(token.text) : kNoTerm;
    if (term.empty()) {
      previous_is_content = false;
      continue;
    }
    lower.clear();
    AppendLowercase(token.text, &lower);
    const uint32_t position = static_cast<uint32_t>(i);
    const uint32_t weight = article.InTitle(i) ? kTitleWeight : 1;
    auto [slot, added] = scratch.index.try_emplace(
        term, static_cast<uint32_t>(counts->terms.size()));
    const uint32_t index = slot->second;
    if (added) {
      TermCount& entry = counts->terms.emplace_back();
      entry.term = term;
      entry.first = position;
      scratch.spellings.emplace_back();
    }
    counts->terms[index].count += weight;
    auto& spellings = scratch.spellings[index];
    auto spelling =
        std::find_if(spellings.begin(), spellings.end(),
                     [&](const auto& s) { return s.first == lower; });
    if (spelling == spellings.end()) {
      spellings.emplace_back(lower, 1);
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
        phrase.count.text = previous_text + " " + lower;
      }
      phrase.count.count += weight;
      ++phrase.occurrences;
    }
    previous_index = index;
    previous_text = lower;
    previous_is_content = !token.Has(Token::kPossessive);
  }

  for (size_t t = 0; t < counts->terms.size(); ++t) {
    const auto& spellings = scratch.spellings[t];
    counts->terms[t].spelling =
        std::max_element(
            spellings.begin(), spellings.end(),
            [](const auto& a, const auto& b) { return a.second < b.second; })
            ->first;
  }
  for (auto& [key, phrase] : scratch.phrases) {
    if (phrase.occurrences < kMinPhraseCount) continue;
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
  for (size_t t = 0; t < n; ++t) {
    const TermCount& term = counts.terms[t];
    idf[t] = frequencies->Idf(term.term);
    const double w = term.count * idf[t];
    keyword_weight[t] = w;
    norm += w * w;
    result->terms.emplace_back(term.term, w);
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
  for (auto& [term, w] : result->terms) w = norm > 0 ? w / norm : 0;
  std::sort(result->terms.begin(), result->terms.end(),
            [](const auto& a, const auto& b) {
              if (a.second != b.second) return a.second > b.second;
              return a.first < b.first;
            });
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
  // The terms are distinct; the order they are counted in changes nothing.
  for (const TermCount& term : counts.terms) frequencies->CountTerm(term.term);
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
  background_.clear();
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
    background_[line.substr(0, tab)] = df;
  }
  return absl::OkStatus();
}

double DocumentFrequencies::Idf(std::string_view term) const {
  double df = 0;
  // Looked up without a copy of the term (absl's string maps take views).
  const absl::string_view key(term.data(), term.size());
  if (auto it = background_.find(key); it != background_.end())
    df += it->second;
  if (auto it = stream_.find(key); it != stream_.end()) df += it->second;
  return std::log((background_documents_ + documents_ + 1.0) / (df + 1.0)) + 1;
}

void DocumentFrequencies::EndDocument() {
  ++documents_;
  if (stream_.size() > max_terms_) {
    for (auto it = stream_.begin(); it != stream_.end();) {
      if (it->second <= 1) {
        stream_.erase(it++);
      } else {
        ++it;
      }
    }
  }
}

void DocumentFrequencies::AppendTo(
    std::string* out, const std::function<void(std::string*)>& spill) const {
  PutU32(out, kStateVersion);
  PutU64(out, static_cast<uint64_t>(documents_));
  std::vector<const std::pair<const std::string, uint32_t>*> sorted;
  for (const auto& entry : stream_) sorted.push_back(&entry);
  std::sort(sorted.begin(), sorted.end(),
            [](const auto* a, const auto* b) { return a->first < b->first; });
  PutU32(out, static_cast<uint32_t>(sorted.size()));
  for (const auto* entry : sorted) {
    PutString(out, entry->first);
    PutU32(out, entry->second);
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
  absl::flat_hash_map<std::string, uint32_t> stream;
  for (uint32_t i = 0; i < count && reader.ok(); ++i) {
    std::string term(reader.String());
    stream[std::move(term)] = reader.U32();
  }
  if (!reader.ok()) {
    return absl::DataLossError("document frequencies: truncated");
  }
  documents_ = documents;
  stream_ = std::move(stream);
  *pos = reader.pos();
  return absl::OkStatus();
}

std::unique_ptr<KeywordExtractor> NewTfIdfKeywordExtractor(
    DocumentFrequencies* frequencies) {
  return std::make_unique<TfIdfKeywordExtractor>(frequencies);
}

}  // namespace tag
}  // namespace newsflow
