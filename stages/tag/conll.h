// CoNLL-2003 named-entity files and conlleval-exact span scoring.
//
// A CoNLL file holds one token per line ("word POS chunk NE-tag"), blank
// lines between sentences and "-DOCSTART-" lines between documents. Only
// the first and last columns are read. Tags may be IOB1 (the CoNLL-2003
// files: "I-" unless two chunks of one type touch), IOB2 or BILOU/IOBES;
// chunks are cut exactly as conlleval.pl cuts them, so the scores printed by
// FormatConllScores match conlleval's to the last digit.
#ifndef NEWSFLOW_STAGES_TAG_CONLL_H_
#define NEWSFLOW_STAGES_TAG_CONLL_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace newsflow {
namespace tag {

struct ConllSentence {
  std::vector<std::string> words;
  // The last column as written ("I-PER", "B-LOC", "O").
  std::vector<std::string> tags;
};

struct ConllDocument {
  std::vector<ConllSentence> sentences;
};

// Reads a whole file. Text before the first -DOCSTART- (or a file without
// any) forms one document.
absl::StatusOr<std::vector<ConllDocument>> ReadConllFile(
    const std::string& path);

// Parses the text of a CoNLL file; `name` prefixes error messages.
absl::StatusOr<std::vector<ConllDocument>> ParseConll(std::string_view text,
                                                      std::string_view name);

// A chunk of tokens [begin, end) of one sentence.
struct ConllChunk {
  int begin = 0;
  int end = 0;
  std::string type;  // "PER", "LOC", ...

  bool operator==(const ConllChunk& other) const {
    return begin == other.begin && end == other.end && type == other.type;
  }
};

// The chunks of one sentence's tags, by conlleval's start/end rules.
std::vector<ConllChunk> ChunksOf(const std::vector<std::string>& tags);

// Counts for conlleval's report.
class ConllScorer {
 public:
  // Adds one sentence: its gold and guessed tags (same length).
  void Add(const std::vector<std::string>& gold,
           const std::vector<std::string>& guessed);
  // Adds one sentence given as chunks; `tokens` and `correct_tokens` feed
  // the token accuracy line.
  void AddChunks(const std::vector<ConllChunk>& gold,
                 const std::vector<ConllChunk>& guessed, int tokens,
                 int correct_tokens);

  struct Figures {
    int gold = 0;
    int found = 0;
    int correct = 0;
    double precision() const { return found ? double(correct) / found : 0; }
    double recall() const { return gold ? double(correct) / gold : 0; }
    double f1() const {
      double p = precision(), r = recall();
      return p + r > 0 ? 2 * p * r / (p + r) : 0;
    }
  };
  Figures Overall() const { return overall_; }
  // Keyed by type name, sorted.
  const std::map<std::string, Figures>& PerType() const { return per_type_; }
  int tokens() const { return tokens_; }
  double accuracy() const {
    return tokens_ ? double(correct_tokens_) / tokens_ : 0;
  }

  // conlleval.pl's report, e.g.
  //   processed 46435 tokens with 5648 phrases; found: 5702 phrases; ...
  //   accuracy:  97.61%; precision:  88.40%; recall:  88.97%; FB1:  88.68
  //                 LOC: precision:  ...  FB1:  91.30  1671
  std::string Format() const;

 private:
  Figures overall_;
  std::map<std::string, Figures> per_type_;
  int tokens_ = 0;
  int correct_tokens_ = 0;
};

}  // namespace tag
}  // namespace newsflow

#endif  // NEWSFLOW_STAGES_TAG_CONLL_H_
