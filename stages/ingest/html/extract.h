// Article extraction from one HTML page: headline, body paragraphs,
// authors, publication date, canonical URL and declared language.
//
// The page is parsed by libxml2's recovering HTML parser (dom.h: broken and
// unclosed markup is repaired, misnesting moves text but never drops it). The
// choice of the body is ours: boilerplate is pruned by tag and class/id
// semantics (nav, footer, comment, share, related, promo, ...), blocks are
// scored by text and link density and paragraph structure, the best container
// is chosen with its related siblings, and its blocks are filtered one by one;
// a learned block scorer (block_scorer.h) may add blocks of the page outside
// that content.
// A JSON-LD articleBody replaces the result when it is plausible (long
// enough, plain text, and agreeing with the page's visible text).
//
// Thread-safe; no I/O. Never crashes on any input: a page nested deeper than
// kMaxNestingDepth is flattened before parsing (its text is kept, noted in
// `notes`), and every walk over the tree is iterative.
#ifndef NEWSFLOW_STAGES_INGEST_HTML_EXTRACT_H_
#define NEWSFLOW_STAGES_INGEST_HTML_EXTRACT_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "stages/ingest/html/block_scorer.h"

namespace newsflow::html {

// Elements nested deeper than this (counting elements that need an explicit
// end tag) are flattened into their deepest allowed ancestor. Browsers cap
// nesting similarly (Chromium at 512).
inline constexpr int kMaxNestingDepth = 512;

// Larger inputs are refused rather than parsed (a parse holds about ten
// times the page in memory).
inline constexpr size_t kMaxHtmlBytes = 64 << 20;

struct ExtractedArticle {
  // The headline, by agreement of JSON-LD headline, og:title,
  // twitter:title, <title> and the first <h1>s: the candidate most others
  // confirm wins (ties: <h1>, JSON-LD, og:title, twitter:title, <title>).
  // Site names (og:site_name, application-name, JSON-LD publisher, the
  // " | Site" tail of <title> when another source gives the headline
  // without it, a logo <h1> that is that tail) are cut off titles and are
  // never the title; "Site | X" loses to an <h1> that does not say X (X is
  // the site's tagline). Whitespace collapsed.
  std::string title;
  // The article body, one entry per paragraph (heading, list item, quote),
  // whitespace collapsed, never empty strings. Never empty on success. The
  // lead (a standfirst of a sentence or more between headline and body),
  // which pages print in more than one box (desktop and mobile, a pull
  // quote), comes once when the copies are the same text (a copy in
  // quotation marks or with a no-break space, or on a page with no
  // container, still comes twice: the DISABLED_ tests); paragraphs the
  // writer repeats ("Yes.", a question put to each guest) all stay.
  std::vector<std::string> paragraphs;
  // Distinct author names (JSON-LD author, meta author tags, rel/itemprop
  // author), in page order; a leading "By " is removed; URLs are skipped.
  std::vector<std::string> authors;
  // When published: RFC 3339 in UTC ("2019-11-19T13:03:00Z") when the page
  // gives a time with a zone, "YYYY-MM-DD" when it gives only a date (or a
  // time without zone), "" when it gives none. Sources, in order: JSON-LD
  // datePublished, meta tags (article:published_time, itemprop
  // datePublished, pubdate, dc.date, ...), <time datetime>.
  std::string published_at;
  // <link rel=canonical>, else og:url, resolved against page_url; else
  // page_url itself (may then be "").
  std::string canonical_url;
  // The declared language's primary subtag, lower case ("en" for "en-US"):
  // <html lang>, Content-Language meta, JSON-LD inLanguage, og:locale.
  std::string language;
  // Why this body was chosen, for debugging, e.g.
  // "dom: <div class=\"article-body\"> score 48.2 + 1 sibling; 12 blocks
  // kept, 3 dropped (link-dense 2, boilerplate 1)" or "json-ld articleBody".
  std::string body_source;
  // Notes about the input, e.g. that deep nesting was flattened.
  std::vector<std::string> notes;

  // The paragraphs joined by a blank line ("\n\n").
  std::string Body() const;
};

// Extracts the article of one page. `html` must be UTF-8 (the caller
// converts other encodings); `page_url` (may be empty) resolves relative
// canonical links.
//
// A page whose article the boilerplate pruning removes entirely is looked at
// again without pruning and with <noscript> content shown, and failing that
// gives its one block with the most unlinked text: a page with text is not
// rejected.
//
// Errors: InvalidArgument when `html` is not valid UTF-8 (the message gives
// the byte offset) or larger than kMaxHtmlBytes; NotFound, with a message
// starting "no article found", when the page has no block of 25 or more
// characters that is mostly unlinked (a home page of links, a login form,
// an empty page).
absl::StatusOr<ExtractedArticle> ExtractArticle(absl::string_view html,
                                                absl::string_view page_url);

// How ExtractArticleWithOptions differs from ExtractArticle, for fitting and
// measuring the block scorer (block_scorer.h); the defaults are
// ExtractArticle's.
struct ExtractOptions {
  // The scorer's model; null keeps every paragraph the rules keep.
  const BlockModel* block_model = &ShippedBlockModel();
  // When not null, receives every block the rules decided on, with the
  // scorer's evidence; empty when the body was not filtered block by block
  // (JSON-LD articleBody, the best single block).
  std::vector<BlockCandidate>* candidates = nullptr;
};

absl::StatusOr<ExtractedArticle> ExtractArticleWithOptions(
    absl::string_view html, absl::string_view page_url,
    const ExtractOptions& options);

// The ISO 8601 / RFC 3339 date forms seen in pages, normalized as
// ExtractedArticle::published_at describes; "" when `text` is not a date.
std::string NormalizeDate(absl::string_view text);

}  // namespace newsflow::html

#endif  // NEWSFLOW_STAGES_INGEST_HTML_EXTRACT_H_
