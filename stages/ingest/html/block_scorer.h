// A learned second look at the blocks the extractor's container choice left
// out: a block of the page outside the chosen content joins the body (in
// page order) when a logistic regression over generic evidence (length,
// links, sentence end, tag, position against the story's prose, distance to
// the content, punctuation, digits, capitals, neighbours, a linked line
// before it) gives it a low probability of being page furniture. Blocks a
// rule rejects (link-dense, furniture lines), pruned blocks, blocks past an
// <h1> from the content (another story), blocks outside the smallest element
// holding the content's container and the headline, blocks after the first
// heading or unpruned furniture line below the story, blocks ending no
// sentence below the story's last prose paragraph (or above its first, under
// a standfirst's length), captions in a media wrapper, and blocks repeating
// a kept or joinable paragraph never join; inside the content the rules decide
// alone. Blocks are tied to the content by their place in the page, never by
// their text.
//
// The weights are constants fitted on fold A (by site) of
// trafilatura-eval-dev by bench/block_scorer_fit.cc, which also reports
// their figure cross-validated by site inside fold A; refit with
//   build/bench/newsflow_block_scorer_fit --print-weights
// and paste the bias and weights it prints into ShippedBlockModel in
// block_scorer.cc.
#ifndef NEWSFLOW_STAGES_INGEST_HTML_BLOCK_SCORER_H_
#define NEWSFLOW_STAGES_INGEST_HTML_BLOCK_SCORER_H_

#include <array>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "stages/ingest/html/dom.h"

namespace newsflow::html {

inline constexpr int kBlockFeatureCount = 20;

// The evidence on one block, each a number in about [0, 1] (the length as
// a scaled log); kBlockFeatureNames says which is which.
using BlockFeatures = std::array<double, kBlockFeatureCount>;
extern const char* const kBlockFeatureNames[kBlockFeatureCount];

// A logistic model: P(furniture) = 1 / (1 + exp(-(bias + weights . x))).
struct BlockModel {
  double bias = 0;
  std::array<double, kBlockFeatureCount> weights{};
};

// The shipped model (fitted as the header says).
const BlockModel& ShippedBlockModel();

// Blocks inside the content from this many characters teach the fit
// nothing: the rules keep them all.
inline constexpr int kBorderlineChars = 200;

// The probability from which a block outside the content stays out.
inline constexpr double kDropProbability = 0.5;

// One block of the page (not pruned), in page order.
struct ParagraphEvidence {
  absl::string_view text;   // whitespace collapsed
  int chars = 0;            // characters other than whitespace
  int link_chars = 0;       // of which inside links
  Tag tag = Tag::kP;        // the block element; Tag::kBr after a <br>
  bool rule_kept = false;   // the extractor's rules keep it
  bool in_content = false;  // in the content the extractor chose
  // The block before it on the page is mostly a link (a teaser's headline).
  bool after_linked_line = false;
  // Outside the content, with an <h1> between it and the content.
  bool across_h1 = false;
};

// Features of each block of one page, in order.
std::vector<BlockFeatures> ComputeBlockFeatures(
    const std::vector<ParagraphEvidence>& paragraphs);

// A block and what the scorer knows of it.
struct BlockCandidate {
  std::string text;
  BlockFeatures features;
  bool rule_kept = false;
  // Outside the content, whether the block may join at all: it stands in
  // the story's part of the page, above the story's end, and repeats no
  // kept paragraph (extract.cc decides).
  bool may_join = false;
};

// Whether the fit learns from this block: every block outside the content
// that may join (the others' fate is decided) and the shorter ones inside it
// (what separates body from furniture near the story is learnt from both).
bool IsBorderline(const BlockCandidate& candidate);

double FurnitureProbability(const BlockModel& model,
                            const BlockFeatures& features);

// The texts of the blocks kept, in page order: a block of the content as
// the rules decided, one outside it when it may join, is not past an <h1>
// and its probability is under `drop_probability`; the rules' choice when
// that would keep nothing.
std::vector<std::string> ScorerKeeps(
    const BlockModel& model, const std::vector<BlockCandidate>& candidates,
    double drop_probability = kDropProbability);

}  // namespace newsflow::html

#endif  // NEWSFLOW_STAGES_INGEST_HTML_BLOCK_SCORER_H_
