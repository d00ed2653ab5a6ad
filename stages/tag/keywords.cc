#include "stages/tag/keywords.h"

#include <libstemmer.h>

#include <algorithm>
#include <cmath>
#include <fstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "stages/tag/binary_io.h"
#include "stages/tag/lexicon.h"

namespace newsflow {
namespace tag {
namespace {

constexpr double kTitleWeight = 3;
constexpr int kMinPhraseCount = 2;
constexpr double kPhraseBoost = 1.5;
constexpr size_t kMinWordBytes = 3;
constexpr uint32_t kStateVersion = 1;

struct Term {
  double count = 0;
  uint32_t first = 0;
  // Spellings seen, with counts; the most frequent shows the term.
  std::vector<std::pair<std::string, int>> spellings;
};

struct Phrase {
  int occurrences = 0;
  double count = 0;  // title occurrences weighted
  uint32_t first = 0;
  std::string first_term;
  std::string second_term;
  std::string text;
};

class TfIdfKeywordExtractor : public KeywordExtractor {
 public:
  explicit TfIdfKeywordExtractor(DocumentFrequencies* frequencies)
      : frequencies_(frequencies) {}

  void Extract(const TokenizedArticle& article, int max_keywords,
               KeywordResult* result) override;

 private:
  DocumentFrequencies* frequencies_;
  Stemmer stemmer_;
  absl::flat_hash_map<std::string, Term> terms_;
  absl::flat_hash_map<std::string, Phrase> phrases_;
};

void TfIdfKeywordExtractor::Extract(const TokenizedArticle& article,
                                    int max_keywords, KeywordResult* result) {
  result->keywords.clear();
  result->terms.clear();
  terms_.clear();
  phrases_.clear();

  std::string previous_term, previous_text;
  bool previous_is_content = false;
  std::string lower;
  for (size_t i = 0; i < article.tokens.size(); ++i) {
    const Token& token = article.tokens[i];
    std::string term = token.IsWord() ? TermOf(token.text, &stemmer_) : "";
    if (term.empty()) {
      previous_is_content = false;
      continue;
    }
    lower.clear();
    AppendLowercase(token.text, &lower);
    const uint32_t position = static_cast<uint32_t>(i);
    Term& entry = terms_[term];
    if (entry.count == 0) entry.first = position;
    entry.count += article.InTitle(i) ? kTitleWeight : 1;
    auto spelling =
        std::find_if(entry.spellings.begin(), entry.spellings.end(),
                     [&](const auto& s) { return s.first == lower; });
    if (spelling == entry.spellings.end()) {
      entry.spellings.emplace_back(lower, 1);
    } else {
      ++spelling->second;
    }
    if (previous_is_content && !token.Has(Token::kSentenceStart) &&
        i != article.body_begin && previous_term != term) {
      Phrase& phrase = phrases_[previous_term + " " + term];
      if (phrase.count == 0) {
        phrase.first = position - 1;
        phrase.first_term = previous_term;
        phrase.second_term = term;
        phrase.text = previous_text + " " + lower;
      }
      phrase.count += article.InTitle(i) ? kTitleWeight : 1;
      ++phrase.occurrences;
    }
    previous_term = std::move(term);
    previous_text = lower;
    previous_is_content = !token.Has(Token::kPossessive);
  }

  // Term weights, before this article joins the stream's counts.
  struct Ranked {
    std::string text;
    double score;
    uint32_t first;
  };
  std::vector<Ranked> ranked;
  absl::flat_hash_map<std::string, double> weight;
  double norm = 0;
  std::vector<std::string> distinct;
  for (const auto& [term, entry] : terms_) {
    const double w = entry.count * frequencies_->Idf(term);
    weight[term] = w;
    norm += w * w;
    distinct.push_back(term);
    result->terms.emplace_back(term, w);
  }
  // A repeated phrase outranks its words: it takes their weight for its
  // occurrences (so "cod quotas" comes before "cod" and "quotas").
  absl::flat_hash_map<std::string, double> keyword_weight = weight;
  for (const auto& [key, phrase] : phrases_) {
    if (phrase.occurrences < kMinPhraseCount) continue;
    const double first_idf = frequencies_->Idf(phrase.first_term);
    const double second_idf = frequencies_->Idf(phrase.second_term);
    ranked.push_back(
        {phrase.text,
         phrase.count * (first_idf + second_idf) / 2 * kPhraseBoost,
         phrase.first});
    keyword_weight[phrase.first_term] -= phrase.count * first_idf;
    keyword_weight[phrase.second_term] -= phrase.count * second_idf;
  }
  for (const auto& [term, entry] : terms_) {
    if (keyword_weight[term] <= 1e-9) continue;
    const auto& best = *std::max_element(
        entry.spellings.begin(), entry.spellings.end(),
        [](const auto& a, const auto& b) { return a.second < b.second; });
    ranked.push_back({best.first, keyword_weight[term], entry.first});
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
    return a.text < b.text;
  });
  for (const Ranked& r : ranked) {
    if (static_cast<int>(result->keywords.size()) >= max_keywords) break;
    if (std::find(result->keywords.begin(), result->keywords.end(), r.text) ==
        result->keywords.end()) {
      result->keywords.push_back(r.text);
    }
  }
  std::sort(distinct.begin(), distinct.end());
  frequencies_->AddDocument(distinct);
}

}  // namespace

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
  const std::string key(term);
  if (auto it = background_.find(key); it != background_.end())
    df += it->second;
  if (auto it = stream_.find(key); it != stream_.end()) df += it->second;
  return std::log((background_documents_ + documents_ + 1.0) / (df + 1.0)) + 1;
}

void DocumentFrequencies::AddDocument(const std::vector<std::string>& terms) {
  ++documents_;
  for (const std::string& term : terms) ++stream_[term];
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
