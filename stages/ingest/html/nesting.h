// Bounds the element nesting of a page before the HTML parser sees it.
//
// A page of a million unclosed <div>s makes a parser's scope checks
// quadratic and its tree deeper than any recursive walk can afford. A
// cheap tag scan (comments, raw-text elements and quoted attribute values
// understood; end tags matched the way an HTML5 tree builder matches
// them) tracks the depth of elements that need an end tag, and start tags
// that would go deeper than the limit are cut out. Their text
// stays, attached to the deepest allowed element, as browsers do.
#ifndef NEWSFLOW_STAGES_INGEST_HTML_NESTING_H_
#define NEWSFLOW_STAGES_INGEST_HTML_NESTING_H_

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"

namespace newsflow::html {

// Returns the number of start tags cut; when it is not 0, *flattened holds
// the page without them (else *flattened is untouched).
size_t FlattenDeepNesting(absl::string_view html, int max_depth,
                          std::string* flattened);

}  // namespace newsflow::html

#endif  // NEWSFLOW_STAGES_INGEST_HTML_NESTING_H_
