#include "stages/ingest/html/block_scorer.h"

#include <algorithm>
#include <cmath>
#include <string_view>

#include "common/letters.h"
#include "common/text.h"
#include "common/utf8.h"

namespace newsflow::html {
namespace {

// Characters from which a paragraph ending a sentence is the story's prose.
constexpr int kProseChars = 80;

// Log length is divided by this so that it reads about 0-1 like the others.
constexpr double kLogCharsScale = 7.0;

enum Feature {
  kLogChars,
  kLinkDensity,
  kEndsSentence,
  kHeading,
  kListItemOrCell,
  kLineAfterBreak,
  kPosition,
  kAfterLastProse,
  kBeforeFirstProse,
  kPunctuationPerWord,
  kDigitShare,
  kEndsInColon,
  kProseNeighbours,
  kCapitalizedWords,
  kRuleKept,
  kInContent,
  kNearContent,
  kParagraphTag,
  kAfterLinkedLine,
  kAcrossH1,
};

bool IsProse(const ParagraphEvidence& paragraph) {
  return paragraph.chars >= kProseChars &&
         EndsSentence(
             std::string_view(paragraph.text.data(), paragraph.text.size()));
}

// Shares of words opening with a capital, of characters that are digits,
// and punctuation marks (, ; .) per word.
struct TextShares {
  double capitalized_words = 0;
  double digits = 0;
  double punctuation_per_word = 0;
};

TextShares SharesOf(absl::string_view text) {
  const std::string_view view(text.data(), text.size());
  int words = 0, capitalized = 0, letters_and_digits = 0, digits = 0;
  int punctuation = 0;
  bool in_word = false;
  size_t pos = 0;
  while (pos < view.size()) {
    size_t length = 0;
    const char32_t cp = DecodeUtf8At(view, pos, &length);
    pos += length;
    if (cp == ' ') {
      in_word = false;
      continue;
    }
    if (cp == ',' || cp == ';' || cp == '.') ++punctuation;
    if (IsDecimalDigit(cp)) {
      ++digits;
      ++letters_and_digits;
    } else if (IsLetter(cp)) {
      ++letters_and_digits;
    }
    if (!in_word) {
      in_word = true;
      ++words;
      capitalized += IsUppercaseLetter(cp);
    }
  }
  TextShares shares;
  if (words > 0) {
    shares.capitalized_words = static_cast<double>(capitalized) / words;
    shares.punctuation_per_word =
        std::min(1.0, static_cast<double>(punctuation) / words);
  }
  if (letters_and_digits > 0) {
    shares.digits = static_cast<double>(digits) / letters_and_digits;
  }
  return shares;
}

bool IsHeadingTag(Tag tag) {
  return tag == Tag::kH1 || tag == Tag::kH2 || tag == Tag::kH3 ||
         tag == Tag::kH4 || tag == Tag::kH5 || tag == Tag::kH6;
}

bool IsListItemOrCell(Tag tag) {
  return tag == Tag::kLi || tag == Tag::kTd || tag == Tag::kTh ||
         tag == Tag::kDt || tag == Tag::kDd;
}

}  // namespace

const char* const kBlockFeatureNames[kBlockFeatureCount] = {
    "log_chars",         "link_density",      "ends_sentence",
    "heading",           "list_or_cell",      "line_after_br",
    "position",          "after_last_prose",  "before_first_prose",
    "punct_per_word",    "digit_share",       "ends_in_colon",
    "prose_neighbours",  "capitalized_words", "rule_kept",
    "in_content",        "near_content",      "paragraph_tag",
    "after_linked_line", "across_h1",
};

std::vector<BlockFeatures> ComputeBlockFeatures(
    const std::vector<ParagraphEvidence>& paragraphs) {
  const size_t n = paragraphs.size();
  std::vector<bool> prose(n);
  size_t first_prose = n, last_prose = n;
  for (size_t i = 0; i < n; ++i) {
    prose[i] = IsProse(paragraphs[i]);
    if (prose[i]) {
      if (first_prose == n) first_prose = i;
      last_prose = i;
    }
  }
  // Blocks to the nearest block of the chosen content (n: none).
  std::vector<size_t> distance(n, n);
  for (size_t i = 0, last = n; i < n; ++i) {
    if (paragraphs[i].in_content) last = i;
    if (last < n) distance[i] = i - last;
  }
  for (size_t i = n, next = n; i > 0; --i) {
    if (paragraphs[i - 1].in_content) next = i - 1;
    if (next < n) distance[i - 1] = std::min(distance[i - 1], next - (i - 1));
  }
  std::vector<BlockFeatures> features(n);
  for (size_t i = 0; i < n; ++i) {
    const ParagraphEvidence& paragraph = paragraphs[i];
    BlockFeatures& f = features[i];
    f.fill(0);
    f[kLogChars] = std::log1p(paragraph.chars) / kLogCharsScale;
    f[kLinkDensity] =
        paragraph.chars == 0
            ? 0
            : static_cast<double>(paragraph.link_chars) / paragraph.chars;
    f[kEndsSentence] = EndsSentence(
        std::string_view(paragraph.text.data(), paragraph.text.size()));
    f[kHeading] = IsHeadingTag(paragraph.tag);
    f[kListItemOrCell] = IsListItemOrCell(paragraph.tag);
    f[kLineAfterBreak] = paragraph.tag == Tag::kBr;
    f[kPosition] = n > 1 ? static_cast<double>(i) / (n - 1) : 0;
    f[kAfterLastProse] = last_prose < n && i > last_prose;
    f[kBeforeFirstProse] = first_prose == n || i < first_prose;
    const TextShares shares = SharesOf(paragraph.text);
    f[kPunctuationPerWord] = shares.punctuation_per_word;
    f[kDigitShare] = shares.digits;
    f[kEndsInColon] = !paragraph.text.empty() && paragraph.text.back() == ':';
    f[kProseNeighbours] =
        ((i > 0 && prose[i - 1]) + (i + 1 < n && prose[i + 1])) / 2.0;
    f[kCapitalizedWords] = shares.capitalized_words;
    f[kRuleKept] = paragraph.rule_kept;
    f[kInContent] = paragraph.in_content;
    f[kNearContent] = 1.0 / (1.0 + distance[i]);
    f[kParagraphTag] = paragraph.tag == Tag::kP;
    f[kAfterLinkedLine] = paragraph.after_linked_line;
    f[kAcrossH1] = paragraph.across_h1;
  }
  return features;
}

bool IsBorderline(const BlockCandidate& candidate) {
  const BlockFeatures& features = candidate.features;
  if (features[kInContent] == 0) {
    return candidate.may_join && features[kAcrossH1] == 0;
  }
  return features[kLogChars] * kLogCharsScale < std::log1p(kBorderlineChars);
}

double FurnitureProbability(const BlockModel& model,
                            const BlockFeatures& features) {
  double z = model.bias;
  for (int k = 0; k < kBlockFeatureCount; ++k) {
    z += model.weights[k] * features[k];
  }
  return 1.0 / (1.0 + std::exp(-z));
}

std::vector<std::string> ScorerKeeps(
    const BlockModel& model, const std::vector<BlockCandidate>& candidates,
    double drop_probability) {
  std::vector<std::string> kept, rules;
  for (const BlockCandidate& candidate : candidates) {
    if (candidate.rule_kept) rules.push_back(candidate.text);
    // Inside the chosen content the rules decide; outside it, the model.
    const bool keep =
        candidate.features[kInContent] != 0
            ? candidate.rule_kept
            : candidate.may_join && candidate.features[kAcrossH1] == 0 &&
                  FurnitureProbability(model, candidate.features) <
                      drop_probability;
    if (keep) kept.push_back(candidate.text);
  }
  return kept.empty() ? rules : kept;
}

const BlockModel& ShippedBlockModel() {
  // Fitted by `build/bench/newsflow_block_scorer_fit --print-weights`.
  static const BlockModel kModel = {
      0.7124,
      {-2.1834, 2.9184,  0.2250,  -0.3806, -1.9425, -1.2504, 1.5131,
       0.7780,  0.1673,  -1.2883, -0.6472, 0.7856,  0.1915,  0.7908,
       -1.8948, -0.4929, 0.1555,  -0.8705, 0.5428,  0.0000},
  };
  return kModel;
}

}  // namespace newsflow::html
