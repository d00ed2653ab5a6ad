// Keywords by TF-IDF over the stream, with Snowball stemming.
//
// Terms are stems of content words (three or more characters, not a
// stopword from lexicon.h, no digits; hyphens dropped, so "cease-fire" and
// "ceasefire" are one term). A term's weight in an article is its count
// (title occurrences count kTitleWeight times) times its inverse document
// frequency, which combines a shipped background table (models/
// keyword_df.tsv, counted over news corpora by `newsflow
// build-keyword-df`) with the documents of the stream so far:
//   idf = log((N_background + N_stream + 1) / (df_background + df_stream
//   + 1)) + 1.
// Keywords are the best terms, each shown as its most frequent spelling in
// the article, and two-word phrases seen at least twice (title
// occurrences weighted alike), scored 1.5 times their count times their
// words' mean IDF; a phrase takes its occurrences' weight from its words.
// The weighted term vector (phrases aside) is also handed to story
// clustering.
#ifndef NEWSFLOW_STAGES_TAG_KEYWORDS_H_
#define NEWSFLOW_STAGES_TAG_KEYWORDS_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "stages/tag/huge_pages.h"
#include "stages/tag/tokenizer.h"

struct sb_stemmer;  // libstemmer

namespace newsflow {
namespace tag {

// Document frequencies of terms: a fixed background table plus counts
// from the stream. Stream counts are bounded: past max_terms, terms seen
// in one document only are forgotten.
class DocumentFrequencies {
 public:
  explicit DocumentFrequencies(size_t max_terms = 500000)
      : max_terms_(max_terms) {}

  // Reads a background table: "#documents N" then "term<TAB>df" lines
  // ('#' lines are comments).
  absl::Status LoadBackground(const std::string& path);

  double Idf(std::string_view term) const;
  // Counts one document with these distinct terms: CountTerm each, then
  // EndDocument (which bounds the stream counts).
  void CountTerm(std::string_view term);
  // Idf(term) before CountTerm(term), in one lookup. Counting a term leaves
  // every other term's idf as it was (the document count moves only at
  // EndDocument), so a document's distinct terms may each be scored and
  // counted in turn.
  double IdfThenCount(std::string_view term);
  void EndDocument();

  int64_t documents() const { return background_documents_ + documents_; }
  // Terms counted from the stream (the background table aside).
  size_t stream_terms() const { return stream_terms_; }

  // The stream counts (not the background) for a state file; `spill` as
  // in EntityIdentity::AppendTo.
  void AppendTo(std::string* out,
                const std::function<void(std::string*)>& spill = {}) const;
  absl::Status ReadFrom(std::string_view data, size_t* pos);

 private:
  // A term's background and stream counts side by side, so a term costs
  // one hash lookup (two, one per table, before); on huge pages
  // (huge_pages.h), as it is probed at random per term. An entry with both
  // counts 0 is erased.
  struct Counts {
    uint32_t background = 0;
    uint32_t stream = 0;
  };
  double IdfOf(const Counts& counts) const;
  // Sets `field` of every entry to 0 and erases the entries left empty.
  void Zero(uint32_t Counts::*field);

  size_t max_terms_;
  HugePageHashMap<std::string, Counts> counts_;
  int64_t background_documents_ = 0;
  // Entries with a stream count.
  size_t stream_terms_ = 0;
  int64_t documents_ = 0;
};

struct KeywordResult {
  // Best first, lower case, distinct.
  std::vector<std::string> keywords;
  // Every term with its TF-IDF weight, L2-normalised, heaviest first.
  std::vector<std::pair<std::string, double>> terms;
};

// Keyword extraction in two halves, so that the half needing no stream
// state (and most of the time: stemming) can run in replicas (the annotate
// stage) and only the scoring runs where the frequencies live (link).
//
// One term of an article.
struct TermCount {
  std::string term;
  // Its most frequent spelling in the article, lower case (the first seen
  // among equally frequent ones).
  std::string spelling;
  // Occurrences, a title occurrence counting kTitleWeight (3).
  uint32_t count = 0;
  // Token index of the first occurrence.
  uint32_t first = 0;
};

// A two-word phrase seen at least twice.
struct PhraseCount {
  // Indices into TermCounts::terms.
  uint32_t first_term = 0;
  uint32_t second_term = 0;
  uint32_t count = 0;  // weighted as TermCount::count
  uint32_t first = 0;  // token index of the first occurrence
  std::string text;    // the first occurrence's spelling
};

// What one article brings to keywords, read from its text alone.
struct TermCounts {
  // Both in order of first occurrence.
  std::vector<TermCount> terms;
  std::vector<PhraseCount> phrases;

  void Clear() {
    terms.clear();
    phrases.clear();
  }
};

// The pure half. Keeps scratch buffers and a Snowball stemmer between
// calls: use one per thread.
class TermCounter {
 public:
  TermCounter();
  ~TermCounter();
  TermCounter(const TermCounter&) = delete;
  TermCounter& operator=(const TermCounter&) = delete;

  // Replaces `counts` with the terms and repeated phrases of `article`.
  void Count(const TokenizedArticle& article, TermCounts* counts);

 private:
  struct Scratch;
  std::unique_ptr<Scratch> scratch_;
};

// The stateful half: replaces `result` with the keywords (at most
// `max_keywords`) and weighted terms of the article `counts` describe,
// then counts the article in `frequencies`. Every sum runs in the order of
// `counts`, so equal counts give bit-equal weights in any process.
void ScoreKeywords(const TermCounts& counts, int max_keywords,
                   DocumentFrequencies* frequencies, KeywordResult* result);

class KeywordExtractor {
 public:
  virtual ~KeywordExtractor() = default;

  // Replaces `result` with the keywords (at most `max_keywords`) and terms
  // of `article`, then counts the article in the stream's frequencies.
  virtual void Extract(const TokenizedArticle& article, int max_keywords,
                       KeywordResult* result) = 0;
};

// TermCounter then ScoreKeywords. `frequencies` must outlive the
// extractor. Use one per thread.
std::unique_ptr<KeywordExtractor> NewTfIdfKeywordExtractor(
    DocumentFrequencies* frequencies);

// The term of a word as the extractor computes it ("Ceasefires" →
// "ceasefir"); empty for a word that is not a content word.
class Stemmer {
 public:
  Stemmer();
  ~Stemmer();
  Stemmer(const Stemmer&) = delete;
  Stemmer& operator=(const Stemmer&) = delete;

  // Stem of a lower-case word.
  std::string Stem(std::string_view lower);

 private:
  ::sb_stemmer* stemmer_;
};

// Term of `word` as written: lower-cased, hyphens and apostrophes dropped,
// stemmed; empty when `word` is not a content word.
std::string TermOf(std::string_view word, Stemmer* stemmer);

}  // namespace tag
}  // namespace newsflow

#endif  // NEWSFLOW_STAGES_TAG_KEYWORDS_H_
