// The article cleaner behind the "clean" stage: turns a scraped article
// (title candidate + raw body) into the article: clean text, the real
// headline, and the facts the text states about itself.
//
// CleanArticle runs a pipeline of named steps over the article:
//   repair_text         always; decodes leftover HTML entities
//                       (`decode_entities`, see DecodeHtmlEntities),
//                       reverses mojibake (`repair_mojibake`, see
//                       RepairMojibake), repairs Unicode and layout
//                       (`normalize_unicode`, see RepairText), makes the
//                       quotation marks consistent (`quotes`, see
//                       quotes.h), then splits the body into lines,
//                       rejoining lines that a hard wrap or a lost link
//                       split mid-sentence;
//   join_hyphenation    "Secu- rity" -> "Security", "well- known" ->
//                       "well-known", decided by a word list (see
//                       JoinHyphenation and Vocabulary);
//   extract_facts       reads the publication time, dateline, byline and
//                       credits (see article_facts.h) into published_at,
//                       dateline, byline and credits; stamp lines that hold
//                       only such facts leave the body;
//   remove_boilerplate  drops site chrome line by line (see ClassifyLine),
//                       lines after the story that name the outlet (from
//                       the URL host), lines the source repeats across
//                       many articles (see LineStats), short fragments
//                       outside the run of
//                       sentences (see IsShortFragment), weak lines
//                       next to chrome in the same paragraph, and kept
//                       lines outside the long paragraphs that the learned
//                       line scorer calls chrome (see line_model.h);
//   fix_title           replaces a section-label or chrome title, or an
//                       empty one, by the headline-shaped line right above
//                       the opening byline/date lines (whatever its words),
//                       else by the first headline-shaped paragraph; kept
//                       lines above that headline are chrome.
// Every removed line goes to Article.removed as {text, reason} when
// `keep_removed`, so each cut can be audited. The body comes out as
// paragraphs separated by exactly "\n\n", each one line without "\n".
//
// No I/O and no global state besides the LineStats the caller passes in;
// with a null LineStats, safe to call from several threads.
#ifndef NEWSFLOW_STAGES_CLEAN_CLEANER_H_
#define NEWSFLOW_STAGES_CLEAN_CLEANER_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "newsflow/v1/article.pb.h"

namespace newsflow {
namespace clean {

class LineStats;
class Vocabulary;

enum class QuotePolicy {
  // The article's own majority style, applied to its stray marks too.
  kKeep,
  kAscii,
  kTypographic,
  // Untouched.
  kAsWritten,
};

struct CleanerOptions {
  // repair_text
  bool normalize_unicode = true;
  bool decode_entities = true;
  bool repair_mojibake = true;
  QuotePolicy quotes = QuotePolicy::kKeep;
  // join_hyphenation
  bool join_hyphenation = true;
  // The word list that decides hyphenation; null: Vocabulary::English().
  std::shared_ptr<const Vocabulary> vocabulary;
  // extract_facts
  bool extract_facts = true;
  // Also cut the dateline ("TRIPOLI - ") from the paragraph it opens; it is
  // kept by default, as agencies print it.
  bool strip_dateline = false;
  // Zone of stated times that name none ("09:11 pm"); unset: such a time
  // gives only its date.
  std::optional<int> default_utc_offset_minutes;
  // remove_boilerplate
  bool remove_boilerplate = true;
  // Body lines with fewer words and no sentence punctuation are dropped as
  // "short-line" when they hold no letter or lie before the first or after
  // the last sentence (see IsShortFragment); 0 keeps them.
  int min_body_line_words = 3;
  // Remove lines seen in at least this many distinct articles of the same
  // source (needs a LineStats); 0 turns the rule off.
  int repeated_line_min_articles = 3;
  // Kept lines outside the run of long paragraphs that the learned line
  // scorer (line_model.h) calls chrome with at least this probability are
  // removed as "learned-chrome"; 0 turns the scorer off.
  double learned_chrome_threshold = 0.9;
  // fix_title
  bool fix_title = true;
  // Record removed lines in Article.removed.
  bool keep_removed = true;
};

// Reason tags of the lines extract_facts moves out of the body.
inline constexpr std::string_view kReasonDateline = "dateline";
inline constexpr std::string_view kReasonByline = "byline";
inline constexpr std::string_view kReasonDateStamp = "date-stamp";
// Reason tag of kept lines above a headline found in the body: a story
// opens with its headline, so what a page prints above it is chrome.
inline constexpr std::string_view kReasonAboveHeadline = "above-headline";
// Reason tag of lines the source repeats across articles.
inline constexpr std::string_view kReasonRepeatedLine = "repeated-line";
// Reason tag of lines after the story that name the outlet itself (from the
// URL host: "portville-ledger.com" names "Portville Ledger").
inline constexpr std::string_view kReasonOutletName = "outlet-name";
// Reason tag of a sentence after the story that opens with the writer's own
// name ("Ann Vale is a retired teacher."): the writer's blurb.
inline constexpr std::string_view kReasonAuthorBlurb = "author-blurb";

// Reason tag of a sentence under the story that speaks of the page itself
// ("We may earn a commission through links on this page."): the outlet's
// note, not the story's.
inline constexpr std::string_view kReasonPageNote = "page-note";

// Step names in the order they run.
std::vector<std::string_view> CleanStepNames();

// What repair_text and join_hyphenation make of one line on its own, as
// one line: for comparing input lines with the cleaned body (the quote
// style is the line's own, where the article's majority may differ).
// Fails on invalid UTF-8.
absl::StatusOr<std::string> CleanLineText(const CleanerOptions& options,
                                          std::string_view line);

// The name LineStats counts an article's lines under: the host of an
// http(s) URL without "www." ("news.example.com"), else the article's
// source, else "".
std::string SourceKeyOf(const v1::Article& article);

// Cleans `article` in place: title and body are rewritten; published_at,
// dateline and byline are filled when the text states them and they are
// empty; credits are appended; removed lines are appended to `removed`,
// and notes (an empty body, no headline found, repaired mojibake) to
// `warnings`. With `line_stats`, the article's lines are counted there and
// lines repeated across the source's articles are removed. An article is
// never dropped. Returns InvalidArgument, naming the article id, when the
// title or body is not valid UTF-8; the article is then left unchanged.
absl::Status CleanArticle(const CleanerOptions& options, v1::Article* article,
                          LineStats* line_stats = nullptr);

}  // namespace clean
}  // namespace newsflow

#endif  // NEWSFLOW_STAGES_CLEAN_CLEANER_H_
