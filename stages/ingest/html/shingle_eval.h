// Scoring of extracted article bodies exactly as the Zyte (Scrapinghub)
// article-extraction-benchmark's evaluate.py scores them, and loading of
// that benchmark's files. Used by bench/extract_bench and the quality-floor
// test, so both score every extractor with the same code.
//
// The definition: tokens are the matches of Python's re `\w+` (runs of
// Unicode letters L*, numbers N* and '_'; case kept); shingles are the
// token 4-grams (a text of 1-3 tokens is one shorter shingle, no tokens no
// shingle), counted as a multiset. Per page, tp/fp/fn are the multiset
// overlap and the two differences, divided by their sum so every page
// weighs the same. Precision is the mean over pages with tp+fp > 0 of
// tp/(tp+fp), recall the mean over pages with tp+fn > 0 of tp/(tp+fn)
// (both 1 when fp = fn = 0); F1 is the harmonic mean of those two means.
#ifndef NEWSFLOW_STAGES_INGEST_HTML_SHINGLE_EVAL_H_
#define NEWSFLOW_STAGES_INGEST_HTML_SHINGLE_EVAL_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace newsflow::html {

std::vector<std::string> BenchmarkTokens(absl::string_view text);

struct ShingleMatch {
  double tp = 0, fp = 0, fn = 0;  // normalized to sum 1 (or all 0)
};
ShingleMatch MatchShingles(absl::string_view truth,
                           absl::string_view predicted);

struct Quality {
  double precision = 0, recall = 0, f1 = 0;
};
Quality ScoreMatches(const std::vector<ShingleMatch>& matches);

// The benchmark folder: html/ID.html.gz, ground-truth.json, output/*.json.
struct BenchmarkPage {
  std::string id;
  std::string url;
  std::string truth;  // the ground truth articleBody
};
// Pages sorted by id.
absl::StatusOr<std::vector<BenchmarkPage>> LoadGroundTruth(
    const std::string& folder);
// The gunzipped bytes of html/ID.html.gz.
absl::StatusOr<std::string> ReadPageHtml(const std::string& folder,
                                         const std::string& id);
// One output/*.json file: id -> articleBody. Accepts both layouts the
// benchmark ships ({id: {articleBody}} and {"output": {...}, "version"}).
absl::StatusOr<absl::flat_hash_map<std::string, std::string>> LoadPredictions(
    const std::string& path);
// File-reading helper shared by the loaders.
absl::StatusOr<std::string> ReadWholeFile(const std::string& path);

}  // namespace newsflow::html

#endif  // NEWSFLOW_STAGES_INGEST_HTML_SHINGLE_EVAL_H_
