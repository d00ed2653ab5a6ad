// The quote policy of the clean stage: one consistent quotation-mark style
// per article.
#ifndef NEWSFLOW_STAGES_CLEAN_QUOTES_H_
#define NEWSFLOW_STAGES_CLEAN_QUOTES_H_

#include <string>
#include <string_view>

namespace newsflow {
namespace clean {

enum class QuoteStyle {
  // Leave quotation marks as written.
  kAsWritten,
  // Straight quotes: " and '.
  kAscii,
  // Typographic quotes: “ ” ‘ ’.
  kTypographic,
};

// The style an article mostly uses: kTypographic when it has at least as
// many curly quotes and apostrophes (“ ” ‘ ’) as straight ones (" '),
// kAscii when straight ones are the majority, kAsWritten when it has none.
// Counts over `text` and `more` together (an article's title and body).
QuoteStyle DominantQuoteStyle(std::string_view text,
                              std::string_view more = {});

// Rewrites every quotation mark and apostrophe of `text` in `style`.
//  - kAscii: “ ” „ ‟ become ", ‘ ’ ‚ ‛ become '.
//  - kTypographic: a straight double quote opens (“) at the start of the
//    text or after a space, an opening bracket, a dash or another opening
//    quote, and closes (”) elsewhere; a straight single quote between
//    letters or after a letter, digit or punctuation is an apostrophe or a
//    closing quote (’), before a year's digits an elision (’90s), and
//    otherwise opens (‘).
// With either style, a grave accent or acute accent standing for an
// apostrophe between letters ("don`t", "it´s") becomes the style's
// apostrophe. kAsWritten returns `text` unchanged. Text without a mark to
// change costs one scan.
std::string ApplyQuoteStyle(std::string_view text, QuoteStyle style);

}  // namespace clean
}  // namespace newsflow

#endif  // NEWSFLOW_STAGES_CLEAN_QUOTES_H_
