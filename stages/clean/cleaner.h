// The article cleaner behind the "clean" stage: turns a scraped article
// (title candidate + raw body) into clean text.
//
// CleanArticle runs a pipeline of named steps over the article:
//   repair_text         always; Unicode part under `normalize_unicode`
//                       (see RepairText), then splits the body into lines,
//                       rejoining lines that a hard wrap or a lost link
//                       split mid-sentence;
//   join_hyphenation    "Secu- rity" -> "Security" (see JoinHyphenation);
//   remove_boilerplate  drops site chrome line by line (see ClassifyLine),
//                       short fragments outside the run of sentences (see
//                       IsShortFragment), and weak lines next to chrome in
//                       the same paragraph;
//   fix_title           replaces a section-label or chrome title, or an
//                       empty one, by the first headline-shaped paragraph.
// Every removed line goes to Article.removed as {text, reason} when
// `keep_removed`, so each cut can be audited. The body comes out as
// paragraphs separated by exactly "\n\n", each one line without "\n".
//
// Pure: no I/O, no global state; safe to call from several threads.
#ifndef NEWSFLOW_STAGES_CLEAN_CLEANER_H_
#define NEWSFLOW_STAGES_CLEAN_CLEANER_H_

#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "newsflow/v1/article.pb.h"

namespace newsflow {
namespace clean {

struct CleanerOptions {
  bool normalize_unicode = true;
  bool join_hyphenation = true;
  bool remove_boilerplate = true;
  bool fix_title = true;
  // Body lines with fewer words and no sentence punctuation are dropped as
  // "short-line" when they hold no letter or lie before the first or after
  // the last sentence (see IsShortFragment); 0 keeps them.
  int min_body_line_words = 3;
  // Record removed lines in Article.removed.
  bool keep_removed = true;
};

// Step names in the order they run.
std::vector<std::string_view> CleanStepNames();

// Cleans `article` in place: title and body are rewritten, removed lines
// are appended to `removed`, and notes (an empty body, no headline found)
// to `warnings`. An article is never dropped. Returns InvalidArgument,
// naming the article id, when the title or body is not valid UTF-8; the
// article is then left unchanged.
absl::Status CleanArticle(const CleanerOptions& options, v1::Article* article);

}  // namespace clean
}  // namespace newsflow

#endif  // NEWSFLOW_STAGES_CLEAN_CLEANER_H_
