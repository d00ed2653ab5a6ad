// A learned line scorer: how likely a line of an article's text is site
// chrome, from features that carry across outlets and languages (length,
// punctuation, capitalisation, separators, function words, the neighbours'
// lengths, where the line sits against the article's long paragraphs, its
// overlap with the title, and hashed lower-case words). The weights are
// trained on real pages of many sites (scripts/render-clean-lines, then
// newsflow_train_line_model; see models/README.md, "clean_lines.tsv"), so
// that chrome worded in ways no rule names is still caught.
//
// The scorer only adds removals to what the rules kept, and only where the
// rules' evidence is thin (see LearnedChromeLines): outside the run of long
// paragraphs, never the headline. Thread-safe once built; no I/O.
#ifndef NEWSFLOW_STAGES_CLEAN_LINE_MODEL_H_
#define NEWSFLOW_STAGES_CLEAN_LINE_MODEL_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace newsflow {
namespace clean {

// Reason tag of the lines the scorer removes.
inline constexpr std::string_view kReasonLearnedChrome = "learned-chrome";

// One article's lines as the scorer sees them.
struct LineView {
  std::string_view text;
  bool kept = true;  // false: the rules already removed it
  // A stamp line the rules moved to fields (byline, date, dateline).
  bool stamp = false;
  // Removed only as a short fragment ("78,000"), which news text's own
  // tails (results, line-ups) hold too: no evidence of a chrome block.
  bool fragment = false;
};

// The feature indices of line `index` of `lines` (weights of absent
// features are zero), each in [0, kLineModelBuckets). `title` is the
// article's title candidate. Removed lines count as neighbours (and
// which of them the rules removed is a feature), kept ones alone as long
// paragraphs.
inline constexpr uint32_t kLineModelBuckets = 1 << 14;
std::vector<uint32_t> LineFeatures(const std::vector<LineView>& lines,
                                   size_t index, std::string_view title);

class LineModel {
 public:
  // All weights zero: every line scores 0.5.
  LineModel();

  // The model compiled in from models/clean_lines.tsv.
  static const LineModel& BuiltIn();

  // Reads the text format Serialize writes: a "clean-line-model 1" line,
  // "bias W", then "INDEX W" per non-zero weight.
  static absl::StatusOr<LineModel> Parse(std::string_view text);
  std::string Serialize() const;

  // Probability that the line with these features is chrome.
  double Probability(const std::vector<uint32_t>& features) const;

  // Logistic-regression training, one step of stochastic gradient descent
  // on one labelled line (`chrome` or not), with per-example `weight`.
  void Learn(const std::vector<uint32_t>& features, bool chrome, double rate,
             double weight);
  // Sets weights with magnitude under `threshold` to zero.
  void Prune(double threshold);

 private:
  double bias_ = 0;
  std::vector<float> weights_;
};

// The kept lines the model calls chrome with probability at least
// `threshold`, among the lines where the rules' evidence is thin: before
// the first or after the last long paragraph (a kept sentence of
// kAnchorWords words or more), and between them only a button or a label
// (a few words, no sentence, opening with an imperative or holding a colon
// or a digit: "Gallery: 6 photos"). Never a line equal to `title`, nor a
// possible headline (the last and the longest headline-shaped kept line
// above the first long paragraph, or one right above a stamp line), nor an
// item of a
// bulleted list, nor a heading whose next kept line is a sentence the
// scorer keeps; a kept sentence that adjoins the long paragraphs (through
// removed lines only) needs much stronger evidence, unless it is part of
// the page's footer (below). Returns the indices in order; none when the
// article has no long paragraph.
inline constexpr int kAnchorWords = 12;

// The page's footer (the lines from the article's end up to the story
// that are removed or scored at least kFooterLine, a sentence only under
// a line removed or flagged or at the end above two, a long one at least
// kFooterSentence while three long paragraphs stay above it) goes whole
// once it holds one line the rules removed as chrome (not as a stamp or a
// fragment) or the scorer flags at `threshold`.
inline constexpr double kFooterLine = 0.5;
inline constexpr double kFooterSentence = 0.75;

// The first and last index of a long paragraph in `lines` (a kept
// sentence of kAnchorWords words or more); false when there is none.
bool FindLongParagraphs(const std::vector<LineView>& lines, size_t* first,
                        size_t* last);

std::vector<size_t> LearnedChromeLines(const LineModel& model,
                                       const std::vector<LineView>& lines,
                                       std::string_view title,
                                       double threshold);

}  // namespace clean
}  // namespace newsflow

#endif  // NEWSFLOW_STAGES_CLEAN_LINE_MODEL_H_
