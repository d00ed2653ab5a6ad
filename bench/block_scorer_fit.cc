// Fits the extractor's block scorer (stages/ingest/html/block_scorer.h) on
// fold A (by site, extract_folds.h) of trafilatura-eval-dev and measures it
// there, cross-validated by site: fold B's pages are never read.
//
// Examples: each block the scorer sees (IsBorderline: every candidate block
// outside the chosen content that may join and the short ones inside it; the
// extractor
// run without the scorer) that holds one of its page's `without` segments
// (furniture, label 1) or one of its `with` segments, or lies inside one
// (body, label 0); blocks touching both, or neither, teach nothing. The model
// is an L2-regularised logistic regression on standardised features, fitted by
// full-batch gradient descent (the result is deterministic).
//
// Figures printed, all on fold A scored as the corpus defines it: the rules
// alone; the rules with the scorer fitted on the other site groups of fold A
// for each group (cross-validation by site, kSiteGroups groups); the model
// fitted on all of fold A (in-sample); the shipped model.
//
//   newsflow_block_scorer_fit [--trafilatura DIR] [--print-weights]
//                             [--drop-probability P] [--l2 L]
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "bench/extract_folds.h"
#include "common/hash.h"
#include "stages/ingest/html/block_scorer.h"
#include "stages/ingest/html/extract.h"
#include "stages/ingest/html/segment_eval.h"
#include "stages/ingest/html/shingle_eval.h"
#include "stages/ingest/page_article.h"

namespace {

using newsflow::html::BlockFeatures;
using newsflow::html::BlockModel;
using newsflow::html::kBlockFeatureCount;
using newsflow::html::SegmentCounts;
using newsflow::html::SegmentPage;

// Site groups of fold A for cross-validation.
constexpr int kSiteGroups = 5;

// Paragraphs shorter than this (normalised bytes) are not taken as lying
// inside a segment: a short word would lie inside many.
constexpr size_t kMinInsideBytes = 12;

// One fold A page as the rules extract it.
struct Page {
  const SegmentPage* truth = nullptr;
  int group = 0;
  std::string body;  // the whole body when it was not filtered
  std::vector<newsflow::html::BlockCandidate> candidates;
};

struct Example {
  BlockFeatures x;
  int y = 0;  // 1: furniture
  int group = 0;
};

// 1 furniture, 0 body, -1 no label.
int LabelOf(const std::string& paragraph, const SegmentPage& truth) {
  const std::string text = newsflow::html::NormalizePythonSpace(paragraph);
  auto touches = [&](const std::vector<std::string>& segments) {
    for (const std::string& raw : segments) {
      const std::string segment = newsflow::html::NormalizePythonSpace(raw);
      if (segment.empty()) continue;
      if (absl::StrContains(text, segment)) return true;
      if (text.size() >= kMinInsideBytes && absl::StrContains(segment, text)) {
        return true;
      }
    }
    return false;
  };
  const bool body = touches(truth.with);
  const bool furniture = touches(truth.without);
  if (body == furniture) return -1;
  return furniture ? 1 : 0;
}

// Fits on `examples` except those of group `skip` (-1: none).
BlockModel Fit(const std::vector<Example>& examples, int skip, double l2) {
  std::vector<const Example*> train;
  for (const Example& example : examples) {
    if (example.group != skip) train.push_back(&example);
  }
  double mean[kBlockFeatureCount] = {}, scale[kBlockFeatureCount] = {};
  for (int k = 0; k < kBlockFeatureCount; ++k) {
    for (const Example* e : train) mean[k] += e->x[k];
    mean[k] /= std::max<size_t>(train.size(), 1);
    double variance = 0;
    for (const Example* e : train) {
      variance += (e->x[k] - mean[k]) * (e->x[k] - mean[k]);
    }
    variance /= std::max<size_t>(train.size(), 1);
    scale[k] = variance > 1e-12 ? 1.0 / std::sqrt(variance) : 0.0;
  }
  double bias = 0, w[kBlockFeatureCount] = {};
  const double rate = 0.5;
  for (int iteration = 0; iteration < 3000; ++iteration) {
    double grad_bias = 0, grad[kBlockFeatureCount] = {};
    for (const Example* e : train) {
      double z = bias;
      for (int k = 0; k < kBlockFeatureCount; ++k) {
        z += w[k] * (e->x[k] - mean[k]) * scale[k];
      }
      const double error = 1.0 / (1.0 + std::exp(-z)) - e->y;
      grad_bias += error;
      for (int k = 0; k < kBlockFeatureCount; ++k) {
        grad[k] += error * (e->x[k] - mean[k]) * scale[k];
      }
    }
    const double n = std::max<size_t>(train.size(), 1);
    bias -= rate * grad_bias / n;
    for (int k = 0; k < kBlockFeatureCount; ++k) {
      w[k] -= rate * (grad[k] / n + l2 * w[k]);
    }
  }
  // Back to raw features: w.(x - mean)*scale = (w*scale).x - w*scale.mean.
  BlockModel model;
  model.bias = bias;
  for (int k = 0; k < kBlockFeatureCount; ++k) {
    model.weights[k] = w[k] * scale[k];
    model.bias -= w[k] * scale[k] * mean[k];
  }
  return model;
}

// The page's body as `model` decides (null: as the rules do).
std::string BodyWith(const Page& page, const BlockModel* model,
                     double drop_probability) {
  if (page.candidates.empty()) return page.body;
  if (model == nullptr) return page.body;
  return absl::StrJoin(
      newsflow::html::ScorerKeeps(*model, page.candidates, drop_probability),
      "\n\n");
}

void PrintRow(const char* name, const SegmentCounts& counts) {
  absl::PrintF("| %s | %.4f | %.3f | %.3f | %d | %d | %d |\n", name,
               counts.F1(), counts.Precision(), counts.Recall(), counts.tp,
               counts.fp, counts.fn);
}

void PrintModel(const BlockModel& model) {
  absl::PrintF("      %.4f,\n      {", model.bias);
  for (int k = 0; k < kBlockFeatureCount; ++k) {
    absl::PrintF("%s%.4f", k == 0 ? "" : ", ", model.weights[k]);
  }
  absl::PrintF("},\n  // ");
  for (int k = 0; k < kBlockFeatureCount; ++k) {
    absl::PrintF("%s%s", k == 0 ? "" : ", ",
                 newsflow::html::kBlockFeatureNames[k]);
  }
  absl::PrintF("\n");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Fit the HTML extractor's block scorer on fold A"};
  std::string corpus = NEWSFLOW_SHARED_DIR "/corpora/trafilatura-eval-dev";
  bool print_weights = false;
  double drop_probability = newsflow::html::kDropProbability;
  double l2 = 0.03;
  app.add_option("--trafilatura", corpus, "the trafilatura-eval-dev folder");
  app.add_flag("--print-weights", print_weights,
               "print the model fitted on all of fold A as C++ constants");
  app.add_option("--drop-probability", drop_probability,
                 "probability from which a borderline paragraph is dropped");
  app.add_option("--l2", l2, "L2 regularisation on standardised weights");
  CLI11_PARSE(app, argc, argv);
  absl::StatusOr<std::vector<SegmentPage>> truth =
      newsflow::html::LoadSegmentPages(corpus);
  if (!truth.ok()) {
    absl::FPrintF(stderr, "%s\n", truth.status().ToString());
    return 1;
  }
  std::vector<Page> pages;
  std::vector<Example> examples;
  newsflow::html::ExtractOptions options;
  options.block_model = nullptr;
  for (const SegmentPage& page : *truth) {
    if (newsflow::bench::FoldOf(page.url) != 0) continue;
    absl::StatusOr<std::string> raw =
        newsflow::html::ReadWholeFile(corpus + "/pages/" + page.file);
    if (!raw.ok()) {
      absl::FPrintF(stderr, "%s\n", raw.status().ToString());
      return 1;
    }
    Page fitted;
    fitted.truth = &page;
    fitted.group = static_cast<int>(
        newsflow::StableHash64(newsflow::bench::SiteOf(page.url)) / 2 %
        kSiteGroups);
    absl::StatusOr<newsflow::ingest::DecodedText> decoded =
        newsflow::ingest::DecodePage(*raw, "");
    if (decoded.ok()) {
      options.candidates = &fitted.candidates;
      absl::StatusOr<newsflow::html::ExtractedArticle> article =
          newsflow::html::ExtractArticleWithOptions(decoded->utf8, page.url,
                                                    options);
      if (article.ok()) {
        fitted.body = article->Body();
      } else {
        fitted.candidates.clear();
      }
    }
    for (const newsflow::html::BlockCandidate& candidate : fitted.candidates) {
      if (!newsflow::html::IsBorderline(candidate)) continue;
      const int label = LabelOf(candidate.text, page);
      if (label >= 0) {
        examples.push_back({candidate.features, label, fitted.group});
      }
    }
    pages.push_back(std::move(fitted));
  }
  int furniture = 0;
  for (const Example& example : examples) furniture += example.y;
  absl::PrintF(
      "fold A: %zu pages; %zu labelled borderline blocks (%d furniture, "
      "%zu body); drop from P >= %.2f, L2 %.3g\n\n",
      pages.size(), examples.size(), furniture, examples.size() - furniture,
      drop_probability, l2);

  std::vector<BlockModel> by_group;
  for (int group = 0; group < kSiteGroups; ++group) {
    by_group.push_back(Fit(examples, group, l2));
  }
  const BlockModel all = Fit(examples, -1, l2);
  SegmentCounts rules, cross_validated, in_sample, shipped;
  for (const Page& page : pages) {
    rules.Add(newsflow::html::CountSegments(
        *page.truth, BodyWith(page, nullptr, drop_probability)));
    cross_validated.Add(newsflow::html::CountSegments(
        *page.truth, BodyWith(page, &by_group[page.group], drop_probability)));
    in_sample.Add(newsflow::html::CountSegments(
        *page.truth, BodyWith(page, &all, drop_probability)));
    shipped.Add(newsflow::html::CountSegments(
        *page.truth, BodyWith(page, &newsflow::html::ShippedBlockModel(),
                              drop_probability)));
  }
  absl::PrintF(
      "| fold A | F1 | precision | recall | tp | fp | fn |\n"
      "|---|---|---|---|---|---|---|\n");
  PrintRow("rules alone", rules);
  PrintRow("rules + scorer, cross-validated by site", cross_validated);
  PrintRow("rules + scorer fitted on all of fold A (in-sample)", in_sample);
  PrintRow("rules + shipped scorer", shipped);
  if (print_weights) {
    absl::PrintF("\nfitted on all of fold A (bias, weights):\n");
    PrintModel(all);
  }
  return 0;
}
