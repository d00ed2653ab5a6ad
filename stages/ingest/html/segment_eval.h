// Scoring of extracted text exactly as trafilatura's evaluation corpus
// defines it (its tests/eval_common.py), and loading of that corpus
// (../shared/corpora/trafilatura-eval-dev: pages/*.html and evaldata.json).
// Used by bench/extract_bench and the extraction tests, so every extractor
// is scored by the same code.
//
// The definition: each text is whitespace-normalised as Python's
// re.sub(r"\s+", " ", text).strip() does (\s in a str pattern: ASCII
// whitespace, U+001C-U+001F, U+0085, U+00A0, U+1680, U+2000-U+200A, U+2028,
// U+2029, U+202F, U+205F, U+3000). Per page, each `with` segment that occurs
// (case-sensitive substring) in the normalised output is a true positive,
// else a false negative; each `without` segment that occurs is a false
// positive, else a true negative. A page with no output counts every `with`
// as a false negative. Precision = tp/(tp+fp), recall = tp/(tp+fn), F1 =
// 2tp/(2tp+fp+fn), over the counts summed over all pages (micro average).
#ifndef NEWSFLOW_STAGES_INGEST_HTML_SEGMENT_EVAL_H_
#define NEWSFLOW_STAGES_INGEST_HTML_SEGMENT_EVAL_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace newsflow::html {

// Whitespace runs (Python's `\s`, see above) become one space; the ends are
// trimmed.
std::string NormalizePythonSpace(absl::string_view text);

struct SegmentPage {
  std::string url;
  std::string file;  // under pages/
  std::vector<std::string> with;
  std::vector<std::string> without;
};

struct SegmentCounts {
  int tp = 0, fp = 0, fn = 0, tn = 0;
  void Add(const SegmentCounts& other);
  double Precision() const;
  double Recall() const;
  double F1() const;
};

// Scores one page's output (any text; it is normalised here).
SegmentCounts CountSegments(const SegmentPage& page, absl::string_view output);

// evaldata.json of `folder`, in file order (url -> file, with, without).
absl::StatusOr<std::vector<SegmentPage>> LoadSegmentPages(
    const std::string& folder);

}  // namespace newsflow::html

#endif  // NEWSFLOW_STAGES_INGEST_HTML_SEGMENT_EVAL_H_
