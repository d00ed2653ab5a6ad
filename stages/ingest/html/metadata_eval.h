// Scoring of extracted metadata (title, publication date, authors) against
// the truth a page states in its own JSON-LD, for bench/extract_bench's
// metadata table and its tests.
//
// The truth is the first schema.org NewsArticle, Article or BlogPosting in
// the page's <script type="application/ld+json"> blocks (also inside @graph
// and arrays): its headline, datePublished and author names. The extractor
// is then run on the page with those blocks blanked out (BlankJsonLd), so it
// cannot read the answer and must find it where a page without JSON-LD
// gives it (meta tags, <h1>, <time>, bylines).
//
// Matching rules, one per field:
//  - title: equal after HTML entities are decoded, case and diacritics are
//    folded and everything but letters and digits is dropped;
//  - date: the same calendar day, either as the truth writes it or in UTC
//    (the extractor reports UTC when the page gives a zone);
//  - author: the extractor's first author is one of the truth's authors,
//    compared with entities decoded, case folded and whitespace collapsed;
//    with `name_only`, both sides also lose a leading "By " and everything
//    from the first ", ", " | ", " - " or ";" (the role or outlet some
//    pages write into the name: "By Tom Doe, AP Writer" is Tom Doe).
#ifndef NEWSFLOW_STAGES_INGEST_HTML_METADATA_EVAL_H_
#define NEWSFLOW_STAGES_INGEST_HTML_METADATA_EVAL_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace newsflow::html {

struct MetadataTruth {
  bool found = false;  // the page has an article-typed JSON-LD object
  std::string headline;
  std::string date_published;  // as written
  std::vector<std::string> authors;
};

// The truth stated in `html`'s JSON-LD; found == false when none.
MetadataTruth ReadJsonLdTruth(absl::string_view html);

// `html` with every <script type="application/ld+json"> element removed
// (type compared case-insensitively; an unclosed script runs to the end).
std::string BlankJsonLd(absl::string_view html);

// Whether an extracted value matches the truth, by the rules above. Each
// is false when either side is empty.
bool TitleMatches(absl::string_view truth, absl::string_view extracted);
bool DateMatches(absl::string_view truth, absl::string_view extracted);
bool AuthorMatches(const std::vector<std::string>& truth,
                   const std::vector<std::string>& extracted,
                   bool name_only = false);

}  // namespace newsflow::html

#endif  // NEWSFLOW_STAGES_INGEST_HTML_METADATA_EVAL_H_
