#include "stages/clean/line_model.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/hash.h"
#include "common/letters.h"
#include "common/text.h"
#include "common/utf8.h"
#include "stages/clean/boilerplate.h"
#include "stages/clean/text_repair.h"
#include "stages/clean/word_set.h"

namespace newsflow {
namespace clean {

extern const char kEmbeddedLineModel[];
extern const size_t kEmbeddedLineModelSize;

namespace {

constexpr std::string_view kHeader = "clean-line-model 1";

// Closed-class words of the languages the training pages are written in
// (English, German, French, Spanish): running text is full of them, chrome
// has few. Not the tagger's lexicon (stages/tag/lexicon.h): that one is
// English only and wider (adverbs, quantifiers), and a stage cannot link
// another stage's code.
const WordSet& FunctionWords() {
  static const WordSet* const words = new WordSet{
      "the",   "a",    "an",   "of",   "to",   "in",   "and", "or",    "for",
      "on",    "at",   "by",   "with", "from", "is",   "are", "was",   "were",
      "be",    "has",  "have", "had",  "that", "this", "it",  "as",    "but",
      "not",   "he",   "she",  "they", "we",   "his",  "her", "their", "its",
      "which", "who",  "der",  "die",  "das",  "und",  "ist", "nicht", "mit",
      "von",   "zu",   "den",  "dem",  "ein",  "eine", "im",  "auf",   "sich",
      "des",   "le",   "la",   "les",  "de",   "du",   "et",  "est",   "un",
      "une",   "dans", "pour", "que",  "qui",  "el",   "los", "las",   "del",
      "y",     "en",   "por",  "con",  "una",  "es"};
  return *words;
}

// A feature's bucket: the project's stable hash (common/hash.h) of its
// kind and value, so that the shipped weights mean the same on every
// platform and build.
uint32_t Hash(std::string_view kind, std::string_view value) {
  std::string key;
  key.reserve(kind.size() + 1 + value.size());
  key.append(kind.data(), kind.size());
  key += '\xFF';
  key.append(value.data(), value.size());
  return static_cast<uint32_t>(StableHash64(key)) & (kLineModelBuckets - 1);
}

// Words: space-separated tokens with their surrounding punctuation cut,
// ASCII letters lowered (other bytes kept, so any script hashes).
std::vector<std::string> Tokens(std::string_view text) {
  std::vector<std::string> tokens;
  for (size_t start = 0; start < text.size();) {
    size_t stop = text.find(' ', start);
    if (stop == std::string_view::npos) stop = text.size();
    std::string_view piece = text.substr(start, stop - start);
    start = stop + 1;
    size_t begin = 0, end = piece.size();
    auto punct = [](char c) {
      return absl::ascii_ispunct(static_cast<unsigned char>(c));
    };
    while (begin < end && punct(piece[begin])) ++begin;
    while (end > begin && punct(piece[end - 1])) --end;
    if (begin == end) continue;
    tokens.push_back(
        absl::AsciiStrToLower(std::string(piece.substr(begin, end - begin))));
  }
  return tokens;
}

int LengthBin(int words) {
  static constexpr int kEdges[] = {1, 2, 3, 4, 5, 7, 10, 15, 25};
  int bin = 0;
  for (int edge : kEdges) {
    if (words <= edge) return bin;
    ++bin;
  }
  return bin;
}

// Quarters of a share, with "none" and "all" apart.
int ShareBin(int part, int whole) {
  if (whole == 0) return -1;
  if (part == 0) return 0;
  if (part == whole) return 5;
  return 1 + (4 * part - 1) / whole;
}

// Separators pages put between links.
bool IsSeparator(char32_t cp) {
  return cp == '|' || cp == '/' || cp == 0xB7 || cp == 0xBB || cp == 0x203A ||
         cp == 0x2022 || cp == 0x2192 || cp == 0x25B6 || cp == 0x25B8 ||
         cp == 0x25BE || cp == '>' || cp == 0xA9;
}

std::string_view EndClass(std::string_view text) {
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  if (text.empty()) return "none";
  if (EndsSentence(text)) return "sentence";
  char last = text.back();
  if (last == ':') return "colon";
  if (last == ')') return "paren";
  if (absl::ascii_isdigit(static_cast<unsigned char>(last))) return "digit";
  if (absl::ascii_isalpha(static_cast<unsigned char>(last)) ||
      static_cast<unsigned char>(last) >= 0x80) {
    return "letter";
  }
  return "other";
}

bool IsAnchor(std::string_view text) {
  return EndsSentence(text) && HasAtLeastWords(text, kAnchorWords);
}

}  // namespace

bool FindLongParagraphs(const std::vector<LineView>& lines, size_t* first,
                        size_t* last) {
  bool found = false;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (!lines[i].kept || !IsAnchor(lines[i].text)) continue;
    if (!found) *first = i;
    *last = i;
    found = true;
  }
  return found;
}

namespace {

// Where the long paragraphs are (see FindLongParagraphs).
struct Span {
  bool found = false;
  size_t first = 0, last = 0;
};

Span LongParagraphs(const std::vector<LineView>& lines) {
  Span span;
  span.found = FindLongParagraphs(lines, &span.first, &span.last);
  return span;
}

std::vector<uint32_t> FeaturesAt(const std::vector<LineView>& lines,
                                 size_t index, std::string_view title,
                                 const Span& span) {
  std::vector<uint32_t> f;
  f.reserve(64);
  const std::string_view text = lines[index].text;
  const std::vector<std::string> tokens = Tokens(text);
  const int words = CountWords(text);
  const int length_bin = LengthBin(words);
  const std::string_view end = EndClass(text);
  auto add = [&f](std::string_view kind, std::string_view value) {
    f.push_back(Hash(kind, value));
  };
  add("bias", "");
  add("len", absl::StrCat(length_bin));
  add("end", end);
  add("len*end", absl::StrCat(length_bin, std::string(end)));
  for (const std::string& token : tokens) add("w", token);
  if (!tokens.empty()) {
    add("first", tokens.front());
    add("last", tokens.back());
    add("first*len", absl::StrCat(tokens.front(), length_bin));
  }
  int capitalised = 0, function = 0, digits = 0, chars = 0, separators = 0;
  bool at_word_start = true;
  for (size_t pos = 0; pos < text.size();) {
    size_t length = 0;
    char32_t cp = DecodeUtf8At(text, pos, &length);
    pos += length;
    ++chars;
    digits += IsAsciiDigit(cp);
    separators += IsSeparator(cp);
    if (at_word_start && IsUppercaseLetter(cp)) ++capitalised;
    at_word_start = cp == ' ';
  }
  for (const std::string& token : tokens) {
    function += FunctionWords().contains(token);
  }
  const int token_count = static_cast<int>(tokens.size());
  add("caps", absl::StrCat(ShareBin(capitalised, token_count)));
  add("func", absl::StrCat(ShareBin(function, token_count)));
  add("func*len",
      absl::StrCat(ShareBin(function, token_count), "/", length_bin));
  add("digits", absl::StrCat(ShareBin(std::min(digits * 4, chars), chars)));
  add("sep", absl::StrCat(std::min(separators, 3)));
  auto contains = [text](std::string_view part) {
    return text.find(part) != std::string_view::npos;
  };
  if (contains("@") || contains("www.") || contains("http") ||
      contains(".com")) {
    add("address", "");
  }
  // Neighbours: the nearest lines above and below.
  auto neighbour = [&](std::string_view kind, size_t i) {
    if (i >= lines.size()) {
      add(kind, "none");
      return;
    }
    add(kind, absl::StrCat(LengthBin(CountWords(lines[i].text)),
                           EndsSentence(lines[i].text) ? "s" : ""));
  };
  neighbour("prev", index - 1);  // wraps to a huge index at 0
  neighbour("next", index + 1);
  // Link lists come in runs of lines that are not sentences.
  if (!EndsSentence(text)) {
    int run = 0;
    for (size_t i = index; i-- > 0 && run < 3 && !EndsSentence(lines[i].text);)
      ++run;
    for (size_t i = index + 1;
         i < lines.size() && run < 3 && !EndsSentence(lines[i].text); ++i)
      ++run;
    add("fragment_run", absl::StrCat(run));
  }
  // Chrome comes in runs: how many of the two lines above and the two
  // below the rules removed.
  int removed_around = 0;
  for (size_t i : {index - 2, index - 1, index + 1, index + 2}) {
    removed_around += i < lines.size() && !lines[i].kept;
  }
  add("removed_around", absl::StrCat(removed_around));
  add("prev_removed", index > 0 && !lines[index - 1].kept ? "1" : "0");
  add("next_removed",
      index + 1 < lines.size() && !lines[index + 1].kept ? "1" : "0");
  // Where the line sits against the long paragraphs.
  std::string region;
  if (!span.found) {
    region = "none";
  } else if (index < span.first) {
    region = absl::StrCat("before", std::min<size_t>(span.first - index, 4));
  } else if (index > span.last) {
    region = absl::StrCat("after", std::min<size_t>(index - span.last, 4));
  } else {
    region = "inside";
  }
  add("region", region);
  // Footers run to the page's end; after the story, a line under a line
  // the rules cut (not a stamp) is inside the footer block already.
  add("to_end", absl::StrCat(region.substr(0, 5),
                             std::min<size_t>(lines.size() - 1 - index, 3)));
  if (span.found && index > span.last) {
    bool cut_above = false;
    for (size_t i = span.last + 1; i < index && !cut_above; ++i) {
      cut_above = !lines[i].kept && !lines[i].stamp;
    }
    add("cut_above", cut_above ? "1" : "0");
  }
  // Link shapes: a count or a size in brackets ("Comments (12)", "(18 MB)").
  if (const size_t open = text.find('(');
      open != std::string_view::npos && open + 1 < text.size() &&
      absl::ascii_isdigit(static_cast<unsigned char>(text[open + 1]))) {
    add("paren_number", "");
  }
  add("region*len", absl::StrCat(region.substr(0, 5), length_bin));
  add("region*end", absl::StrCat(region.substr(0, 5), std::string(end)));
  // Overlap with the title: the share of the line's words of four letters
  // or more that the title holds.
  if (title.empty()) {
    add("title", "none");
  } else {
    const std::string lower_title = absl::AsciiStrToLower(std::string(title));
    int long_words = 0, in_title = 0;
    for (const std::string& token : tokens) {
      if (token.size() < 4) continue;
      ++long_words;
      in_title += lower_title.find(token) != std::string::npos;
    }
    add("title", absl::StrCat(ShareBin(in_title, long_words)));
  }
  return f;
}

}  // namespace

std::vector<uint32_t> LineFeatures(const std::vector<LineView>& lines,
                                   size_t index, std::string_view title) {
  return FeaturesAt(lines, index, title, LongParagraphs(lines));
}

LineModel::LineModel() : weights_(kLineModelBuckets, 0.0f) {}

const LineModel& LineModel::BuiltIn() {
  static const LineModel* const model = [] {
    absl::StatusOr<LineModel> parsed =
        Parse(std::string_view(kEmbeddedLineModel, kEmbeddedLineModelSize));
    if (!parsed.ok()) {
      std::fprintf(stderr, "built-in clean line model: %s\n",
                   std::string(parsed.status().message()).c_str());
      std::abort();
    }
    return new LineModel(*std::move(parsed));
  }();
  return *model;
}

absl::StatusOr<LineModel> LineModel::Parse(std::string_view text) {
  LineModel model;
  bool header = false;
  for (absl::string_view line :
       absl::StrSplit(absl::string_view(text.data(), text.size()), '\n',
                      absl::SkipEmpty())) {
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line[0] == '#') continue;
    if (!header) {
      if (line != absl::string_view(kHeader.data(), kHeader.size())) {
        return absl::InvalidArgumentError(
            absl::StrCat("not a clean line model: ", std::string(line)));
      }
      header = true;
      continue;
    }
    std::vector<absl::string_view> fields =
        absl::StrSplit(line, ' ', absl::SkipEmpty());
    double weight = 0;
    uint32_t index = 0;
    if (fields.size() != 2 || !absl::SimpleAtod(fields[1], &weight)) {
      return absl::InvalidArgumentError(
          absl::StrCat("bad line in clean line model: ", std::string(line)));
    }
    if (fields[0] == "bias") {
      model.bias_ = weight;
    } else if (absl::SimpleAtoi(fields[0], &index) &&
               index < kLineModelBuckets) {
      model.weights_[index] = static_cast<float>(weight);
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("bad index in clean line model: ", std::string(line)));
    }
  }
  if (!header) return absl::InvalidArgumentError("empty clean line model");
  return model;
}

std::string LineModel::Serialize() const {
  std::string out = absl::StrCat(std::string(kHeader), "\n");
  absl::StrAppend(&out, "bias ", bias_, "\n");
  for (uint32_t i = 0; i < kLineModelBuckets; ++i) {
    if (weights_[i] != 0) absl::StrAppend(&out, i, " ", weights_[i], "\n");
  }
  return out;
}

double LineModel::Probability(const std::vector<uint32_t>& features) const {
  double z = bias_;
  for (uint32_t feature : features) z += weights_[feature];
  return 1.0 / (1.0 + std::exp(-z));
}

void LineModel::Learn(const std::vector<uint32_t>& features, bool chrome,
                      double rate, double weight) {
  const double gradient = (chrome ? 1.0 : 0.0) - Probability(features);
  const double step = rate * weight * gradient;
  bias_ += step;
  for (uint32_t feature : features) {
    weights_[feature] += static_cast<float>(step);
  }
}

void LineModel::Prune(double threshold) {
  for (float& weight : weights_) {
    if (std::fabs(weight) < threshold) weight = 0;
  }
}

namespace {

bool IsBulletLine(std::string_view text) {
  size_t length = 0;
  char32_t cp = DecodeUtf8At(text, 0, &length);
  return cp == 0x2022 || cp == '-' || cp == '*' || cp == 0x25AA || cp == 0x25CF;
}

// A sentence of a few words: what a subheading or a list heads.
// How many times less likely to be body a kept sentence adjoining the long
// paragraphs must score than other lines (threshold 0.9: 0.98).
constexpr double kAdjoiningEvidence = 5;

bool IsShortSentence(std::string_view text) {
  return EndsSentence(text) && HasAtLeastWords(text, 4);
}

// A button or a label that pages print between a story's paragraphs: a
// line of a few words, no sentence, that opens with a verb telling the
// reader what to do (by the verb or the shape: HasImperativeShape) or
// holds a colon or a digit ("Add to watchlist",
// "Gallery: 6 photos"). A subheading ("What happens next") has neither.
constexpr int kMaxInsideButtonWords = 5;

bool HasColonOrDigit(std::string_view text) {
  for (char c : text) {
    if (c == ':' || absl::ascii_isdigit(static_cast<unsigned char>(c))) {
      return true;
    }
  }
  return false;
}

bool HasButtonShape(std::string_view text) {
  if (EndsSentence(text) || HasAtLeastWords(text, kMaxInsideButtonWords + 1)) {
    return false;
  }
  return StartsWithImperative(text) || HasImperativeShape(text) ||
         HasColonOrDigit(text);
}

bool IsTitle(std::string_view text, std::string_view title) {
  return absl::EqualsIgnoreCase(absl::string_view(text.data(), text.size()),
                                absl::string_view(title.data(), title.size()));
}

}  // namespace

std::vector<size_t> LearnedChromeLines(const LineModel& model,
                                       const std::vector<LineView>& lines,
                                       std::string_view title,
                                       double threshold) {
  std::vector<size_t> chrome;
  const Span span = LongParagraphs(lines);
  if (!span.found) return chrome;
  const size_t first_anchor = span.first, last_anchor = span.last;
  bool candidates = false;  // most articles have no kept line at the edges
  for (size_t i = 0; i < lines.size() && !candidates; ++i) {
    candidates = lines[i].kept && (i < first_anchor || i > last_anchor ||
                                   HasButtonShape(lines[i].text));
  }
  if (!candidates) return chrome;
  std::vector<bool> keep(lines.size(), false);
  // The headline when the title candidate is chrome: the last
  // headline-shaped kept line above the first long paragraph, and one right
  // above the stamp lines (byline, date) that open the story.
  // A line right under a stamp line that is shorter than a candidate above
  // the stamps is the head's furniture ("Price when reviewed: £89.99",
  // "Prep time 5 min | Reading time 3 min"): neither the headline nor a
  // heading over the story's first paragraph.
  size_t headline = lines.size();
  int headline_words = 0;
  std::vector<bool> head_furniture(lines.size(), false);
  for (size_t i = 0; i < first_anchor; ++i) {
    if (!lines[i].kept || !HasHeadlineShape(lines[i].text)) continue;
    const int words = CountWords(lines[i].text);
    if (i > 0 && lines[i - 1].stamp && words < headline_words &&
        lines[i].text.find_first_of("0123456789:|") != std::string::npos) {
      head_furniture[i] = true;
      continue;
    }
    headline = i;
    headline_words = words;
    if (i + 1 < lines.size() && lines[i + 1].stamp) keep[i] = true;
  }
  if (headline < lines.size()) keep[headline] = true;
  // And the longest headline-shaped kept line above the story: pages print
  // the headline longer than their labels and buttons, and a deck or an
  // unrecognised byline may sit between it and the story.
  size_t longest = lines.size();
  int most_words = 0;
  for (size_t i = 0; i < first_anchor; ++i) {
    if (!lines[i].kept || !HasHeadlineShape(lines[i].text)) continue;
    const int words = CountWords(lines[i].text);
    if (words > most_words) {
      most_words = words;
      longest = i;
    }
  }
  if (longest < lines.size()) keep[longest] = true;
  // A run of bullet items is the article's own list (key points): pages
  // print their chrome lists without bullets.
  for (size_t i = 0; i < lines.size(); ++i) {
    const bool bullet_run =
        IsBulletLine(lines[i].text) &&
        ((i > 0 && IsBulletLine(lines[i - 1].text)) ||
         (i + 1 < lines.size() && IsBulletLine(lines[i + 1].text)));
    if (bullet_run) keep[i] = true;
  }
  // The story may run on past its long paragraphs through the kept
  // sentences that adjoin them ("Work starts in May."): a short closing
  // paragraph or a standfirst. Those go only on much stronger evidence.
  std::vector<bool> adjoining(lines.size(), false);
  for (size_t i = last_anchor + 1; i < lines.size(); ++i) {
    if (!lines[i].kept) continue;
    if (!EndsSentence(lines[i].text)) {
      // Advice closing the story may lack its full stop ("Call 999 if you
      // see anyone digging near the main").
      keep[i] = keep[i] || IsConditionalAdvice(lines[i].text);
      break;
    }
    adjoining[i] = true;
  }
  for (size_t i = first_anchor; i-- > 0;) {
    if (!lines[i].kept) continue;
    if (!EndsSentence(lines[i].text)) break;
    adjoining[i] = true;
  }
  const double strict = 1 - (1 - threshold) / kAdjoiningEvidence;
  std::vector<bool> flagged(lines.size(), false);
  std::vector<bool> button(lines.size(), false);  // flagged inside the story
  for (size_t i = 0; i < lines.size(); ++i) {
    if (!lines[i].kept || keep[i]) continue;
    const bool inside = i >= first_anchor && i <= last_anchor;
    if (inside && !HasButtonShape(lines[i].text)) continue;
    if (IsTitle(lines[i].text, title)) continue;
    // Subheadings open with verbs too ("Follow the money"): a line inside
    // the story that is a button by its verb alone goes only on the
    // evidence asked of a sentence adjoining the story.
    const bool verb_only = inside && !HasColonOrDigit(lines[i].text);
    flagged[i] = model.Probability(FeaturesAt(lines, i, title, span)) >=
                 (adjoining[i] || verb_only ? strict : threshold);
    button[i] = inside && flagged[i];
  }
  // The page's footer: the lines from the article's end up to the story
  // that are all removed or read as chrome at the lower kFooterLine, and
  // hold at least one line removed by the rules as chrome or flagged at
  // `threshold`. Chrome comes in blocks, so once most of a block is chrome
  // its weaker lines go with it. A sentence joins under a confident line,
  // or at the page's end above two (a story may end on a short one after
  // one advertisement); a long one (an outlet's note above its links)
  // joins only under a confident line, also needs kFooterSentence and
  // joins only while three long paragraphs stay above it, so that a model
  // wrong about one article cannot take its story.
  size_t footer = lines.size();
  bool confident = false;
  // Sentences at the page's end, under no confident line yet: they join
  // only a block with two confident lines (a story's last sentence may
  // follow one advertisement; an outlet's note follows its footer).
  bool pending = false;
  int confident_lines = 0;
  int anchors = 0;
  for (size_t i = first_anchor; i < lines.size(); ++i) {
    anchors += lines[i].kept && IsAnchor(lines[i].text);
  }
  for (size_t i = lines.size(); i-- > first_anchor + 1;) {
    bool joins = !lines[i].kept, sure = false;
    if (!lines[i].kept) {
      sure = !lines[i].stamp && !lines[i].fragment;
    } else if (!keep[i] && !IsTitle(lines[i].text, title)) {
      const double p = model.Probability(FeaturesAt(lines, i, title, span));
      sure = p >= (adjoining[i] ? strict : threshold);
      if (IsAnchor(lines[i].text)) {
        joins = confident && p >= kFooterSentence && --anchors >= 3;
      } else if (EndsSentence(lines[i].text)) {
        // A sentence adjoining the story may be its last ("Work starts in
        // May."): the lines around it never lower the evidence it needs.
        joins = adjoining[i] ? sure : p >= kFooterLine;
        pending = pending || (joins && !confident && !sure);
      } else {
        joins = p >= kFooterLine;
      }
    }
    if (!joins) break;
    confident = confident || sure;
    confident_lines += sure;
    footer = i;
  }
  const bool block = pending ? confident_lines >= 2 : confident;
  for (size_t i = footer; block && i < lines.size(); ++i) {
    flagged[i] = flagged[i] ||
                 (lines[i].kept && !keep[i] && !IsTitle(lines[i].text, title));
  }
  // A heading stays with the text under it: a flagged line whose next kept
  // line is a sentence the scorer keeps (a long paragraph, or a short one
  // it does not flag) is a subheading.
  for (size_t i = lines.size(); i-- > 0;) {
    if (!flagged[i] || button[i] || head_furniture[i]) continue;
    size_t next = i + 1;
    while (next < lines.size() && !lines[next].kept) ++next;
    if (next < lines.size() && !flagged[next] &&
        IsShortSentence(lines[next].text)) {
      flagged[i] = false;
    }
  }
  for (size_t i = 0; i < lines.size(); ++i) {
    if (flagged[i]) chrome.push_back(i);
  }
  return chrome;
}

}  // namespace clean
}  // namespace newsflow
