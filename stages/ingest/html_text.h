// Plain text of an HTML fragment (a feed item's summary, an SGML body),
// from a small tag scanner. Whole pages go through the article extractor
// (stages/ingest/html/extract.h) instead: a fragment has no page furniture
// to remove, so a scanner that never fails and never reads past its input
// is all it needs; it does not build a tree. It understands comments,
// doctypes, quoted attribute values containing '>', raw-text elements
// (script, style, ...) and character references (EntityMode::kMarkup of
// common/html_entities.h); anything it does not understand is kept as text.
#ifndef NEWSFLOW_STAGES_INGEST_HTML_TEXT_H_
#define NEWSFLOW_STAGES_INGEST_HTML_TEXT_H_

#include <string>
#include <string_view>

namespace newsflow::ingest {

struct HtmlText {
  // The first non-empty <h1>, else the <title>; whitespace collapsed.
  std::string title;
  // Visible text, paragraphs separated by "\n\n". Content of head (except
  // the title), script, style, noscript, template, svg and the <h1> chosen
  // as title is left out. Block elements (p, div, br, li, h1-h6, tr, ...)
  // end a paragraph; runs of HTML whitespace inside one become one space.
  std::string body;
};

// `html` must be valid UTF-8; the result then is too.
HtmlText ExtractHtmlText(std::string_view html);

}  // namespace newsflow::ingest

#endif  // NEWSFLOW_STAGES_INGEST_HTML_TEXT_H_
