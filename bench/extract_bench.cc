// HTML article extraction on the Zyte article-extraction benchmark (181
// pages of ../shared/corpora/zyte-article-extraction): quality as that
// benchmark defines it (F1 over 4-word shingles; see
// stages/ingest/html/shingle_eval.h) for our extractor beside every
// extractor whose output the benchmark ships, all scored by the same code
// in this run; then speed, ours against Readability.js on the same pages.
//
//   newsflow_extract_bench [--corpus DIR] [--rounds N] [--worst N]
//                          [--no-readability]
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "stages/ingest/html/extract.h"
#include "stages/ingest/html/json_value.h"
#include "stages/ingest/html/shingle_eval.h"

namespace {

namespace fs = std::filesystem;
using newsflow::html::BenchmarkPage;
using newsflow::html::Quality;
using newsflow::html::ShingleMatch;

struct Row {
  std::string name;
  Quality quality;
  bool ours = false;
};

struct Speed {
  double seconds = 0;
  size_t pages = 0;
  size_t bytes = 0;
};

std::vector<ShingleMatch> MatchAll(
    const std::vector<BenchmarkPage>& pages,
    const absl::flat_hash_map<std::string, std::string>& predicted) {
  std::vector<ShingleMatch> matches;
  for (const BenchmarkPage& page : pages) {
    auto it = predicted.find(page.id);
    matches.push_back(newsflow::html::MatchShingles(
        page.truth, it == predicted.end() ? "" : it->second));
  }
  return matches;
}

void PrintSpeed(const char* name, const Speed& speed) {
  absl::PrintF("%-24s %8.1f pages/s %8.2f MB/s  (%zu pages, %.2f MB, %.3f s)\n",
               name, speed.pages / speed.seconds,
               speed.bytes / 1e6 / speed.seconds, speed.pages,
               speed.bytes / 1e6, speed.seconds);
}

// Runs bench/extract_bench_readability; false (with a message) when it
// cannot.
bool RunReadability(const std::string& corpus, Speed* speed,
                    absl::flat_hash_map<std::string, std::string>* output) {
  std::string script_dir =
      NEWSFLOW_SOURCE_DIR "/bench/extract_bench_readability";
  if (std::system("node --version >/dev/null 2>&1") != 0) {
    absl::PrintF("Readability.js: skipped, node is not installed\n");
    return false;
  }
  if (!fs::exists(script_dir + "/node_modules/@mozilla/readability")) {
    absl::PrintF("Readability.js: skipped, run `npm install` in %s first\n",
                 script_dir);
    return false;
  }
  std::string out =
      (fs::temp_directory_path() /
       absl::StrCat("extract_bench_readability_", getpid(), ".json"))
          .string();
  std::string command =
      absl::StrCat("node '", script_dir, "/readability_bench.mjs' '", corpus,
                   "' '", out, "'");
  if (std::system(command.c_str()) != 0) {
    absl::PrintF("Readability.js: failed (%s)\n", command);
    return false;
  }
  absl::StatusOr<std::string> text = newsflow::html::ReadWholeFile(out);
  fs::remove(out);
  if (!text.ok()) return false;
  absl::StatusOr<newsflow::html::JsonValue> json =
      newsflow::html::ParseJson(*text);
  if (!json.ok() || !json->is_object()) {
    absl::PrintF("Readability.js: unreadable result\n");
    return false;
  }
  auto number = [&](const char* key) {
    const newsflow::html::JsonValue* value = json->Find(key);
    return value == nullptr ? 0.0 : value->number;
  };
  speed->seconds = number("seconds");
  speed->pages = static_cast<size_t>(number("pages"));
  speed->bytes = static_cast<size_t>(number("bytes"));
  if (const newsflow::html::JsonValue* records = json->Find("output")) {
    for (const auto& [id, record] : records->object) {
      (*output)[id] = record.StringOr("articleBody");
    }
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"HTML article extraction: quality and speed"};
  std::string corpus = NEWSFLOW_SHARED_DIR "/corpora/zyte-article-extraction";
  int rounds = 3;
  int worst = 0;
  bool no_readability = false;
  app.add_option("--corpus", corpus, "the benchmark folder");
  app.add_option("--rounds", rounds, "timed extraction rounds (best kept)");
  app.add_option("--worst", worst, "list the N pages we score worst on");
  app.add_flag("--no-readability", no_readability, "skip Readability.js");
  CLI11_PARSE(app, argc, argv);

  if (!fs::exists(corpus + "/ground-truth.json")) {
    absl::PrintF(
        "skipped: %s/ground-truth.json not found (the shared corpora "
        "are absent)\n",
        corpus);
    return 0;
  }
  absl::StatusOr<std::vector<BenchmarkPage>> pages =
      newsflow::html::LoadGroundTruth(corpus);
  if (!pages.ok()) {
    absl::FPrintF(stderr, "%s\n", pages.status().ToString());
    return 1;
  }
  std::vector<std::string> html;
  size_t bytes = 0;
  for (const BenchmarkPage& page : *pages) {
    absl::StatusOr<std::string> text =
        newsflow::html::ReadPageHtml(corpus, page.id);
    if (!text.ok()) {
      absl::FPrintF(stderr, "%s\n", text.status().ToString());
      return 1;
    }
    bytes += text->size();
    html.push_back(*std::move(text));
  }

  // Ours: extraction timed over whole rounds, best round kept.
  absl::flat_hash_map<std::string, std::string> ours;
  std::vector<std::string> why(pages->size());
  Speed our_speed{1e30, pages->size(), bytes};
  int failures = 0;
  for (int round = 0; round < std::max(1, rounds); ++round) {
    failures = 0;
    auto start = std::chrono::steady_clock::now();
    for (size_t i = 0; i < pages->size(); ++i) {
      absl::StatusOr<newsflow::html::ExtractedArticle> article =
          newsflow::html::ExtractArticle(html[i], (*pages)[i].url);
      if (round > 0) continue;
      if (article.ok()) {
        ours[(*pages)[i].id] = article->Body();
        why[i] = article->body_source;
      } else {
        ++failures;
        ours[(*pages)[i].id] = "";
        why[i] = std::string(article.status().message());
      }
    }
    std::chrono::duration<double> elapsed =
        std::chrono::steady_clock::now() - start;
    our_speed.seconds = std::min(our_speed.seconds, elapsed.count());
  }

  std::vector<Row> rows;
  std::vector<ShingleMatch> our_matches = MatchAll(*pages, ours);
  rows.push_back(
      {"newsflow (ours)", newsflow::html::ScoreMatches(our_matches), true});
  std::vector<fs::path> outputs;
  for (const auto& entry : fs::directory_iterator(corpus + "/output")) {
    if (entry.path().extension() == ".json") outputs.push_back(entry.path());
  }
  std::sort(outputs.begin(), outputs.end());
  for (const fs::path& path : outputs) {
    auto predicted = newsflow::html::LoadPredictions(path.string());
    if (!predicted.ok()) {
      absl::PrintF("%s: %s\n", path.filename().string(),
                   predicted.status().ToString());
      continue;
    }
    rows.push_back({path.stem().string(), newsflow::html::ScoreMatches(
                                              MatchAll(*pages, *predicted))});
  }
  Speed readability_speed;
  absl::flat_hash_map<std::string, std::string> readability;
  bool have_readability =
      !no_readability &&
      RunReadability(corpus, &readability_speed, &readability);
  if (have_readability) {
    rows.push_back(
        {"Readability.js (this run)",
         newsflow::html::ScoreMatches(MatchAll(*pages, readability))});
  }
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    return a.quality.f1 > b.quality.f1;
  });

  absl::PrintF("Zyte article-extraction benchmark: %zu pages, %.2f MB\n\n",
               pages->size(), bytes / 1e6);
  absl::PrintF("| extractor | precision | recall | F1 |\n|---|---|---|---|\n");
  for (const Row& row : rows) {
    std::string name = row.ours ? absl::StrCat("**", row.name, "**") : row.name;
    absl::PrintF("| %s | %.3f | %.3f | %.3f |\n", name, row.quality.precision,
                 row.quality.recall, row.quality.f1);
  }
  absl::PrintF("\nours: %d of %zu pages gave no article\n\n", failures,
               pages->size());
  PrintSpeed("newsflow (ours)", our_speed);
  if (have_readability) {
    PrintSpeed("Readability.js + jsdom", readability_speed);
    absl::PrintF("speed ratio (ours / Readability.js): %.1fx\n",
                 (our_speed.pages / our_speed.seconds) /
                     (readability_speed.pages / readability_speed.seconds));
  }

  if (worst > 0) {
    std::vector<size_t> order(pages->size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    auto f1 = [&](size_t i) {
      const ShingleMatch& m = our_matches[i];
      return m.tp == 0 ? 0.0 : 2 * m.tp / (2 * m.tp + m.fp + m.fn);
    };
    std::sort(order.begin(), order.end(),
              [&](size_t a, size_t b) { return f1(a) < f1(b); });
    absl::PrintF("\nworst pages:\n");
    for (int k = 0; k < worst && k < static_cast<int>(order.size()); ++k) {
      size_t i = order[k];
      const ShingleMatch& m = our_matches[i];
      absl::PrintF("%.3f tp=%.2f fp=%.2f fn=%.2f %s %s\n    %s\n", f1(i), m.tp,
                   m.fp, m.fn, (*pages)[i].id.substr(0, 12), (*pages)[i].url,
                   why[i]);
    }
  }
  return 0;
}
