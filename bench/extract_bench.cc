// HTML article extraction on two benchmarks, each scored as it defines it:
//
// 1. Zyte article-extraction (181 pages of
//    ../shared/corpora/zyte-article-extraction): F1 over 4-word shingles
//    (stages/ingest/html/shingle_eval.h) for our extractor beside every
//    extractor whose output the benchmark ships, all scored by the same code
//    in this run; then speed, ours against Readability.js on the same pages.
// 2. trafilatura's evaluation corpus, development half
//    (../shared/corpora/trafilatura-eval-dev, 487 pages): with/without
//    segments (stages/ingest/html/segment_eval.h), ours beside
//    readability-lxml (Debian's python3-readability) run in this bench on
//    the same decoded pages; then speed, ours against readability-lxml.
//
// 3. With --metadata, instead: title, date and author accuracy against each
//    page's own JSON-LD on both sets (bench/extract_bench_metadata.h).
//
//   newsflow_extract_bench [--corpus DIR] [--trafilatura DIR] [--rounds N]
//                          [--worst N] [--no-readability] [--skip-zyte]
//                          [--skip-trafilatura] [--metadata] [--dump DIR]
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/types/optional.h"
#include "bench/extract_bench_metadata.h"
#include "bench/extract_folds.h"
#include "stages/ingest/html/extract.h"
#include "stages/ingest/html/json_value.h"
#include "stages/ingest/html/segment_eval.h"
#include "stages/ingest/html/shingle_eval.h"
#include "stages/ingest/http_fetcher.h"
#include "stages/ingest/page_article.h"

namespace {

namespace fs = std::filesystem;
using newsflow::html::BenchmarkPage;
using newsflow::html::Quality;
using newsflow::html::SegmentCounts;
using newsflow::html::SegmentPage;
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

// Our extractor over every page: bodies ("" when it found no article),
// why each body was chosen (or the error), and speed over whole rounds,
// best round kept.
struct OurRun {
  std::vector<std::string> bodies;
  std::vector<std::string> why;
  int failures = 0;
  Speed speed;
};

OurRun RunOurs(const std::vector<std::string>& html,
               const std::vector<std::string>& urls, int rounds, size_t bytes) {
  OurRun run;
  run.bodies.resize(html.size());
  run.why.resize(html.size());
  run.speed = {1e30, html.size(), bytes};
  for (int round = 0; round < std::max(1, rounds); ++round) {
    auto start = std::chrono::steady_clock::now();
    for (size_t i = 0; i < html.size(); ++i) {
      absl::StatusOr<newsflow::html::ExtractedArticle> article =
          newsflow::html::ExtractArticle(html[i], urls[i]);
      if (round > 0) continue;
      if (article.ok()) {
        run.bodies[i] = article->Body();
        run.why[i] = article->body_source;
      } else {
        ++run.failures;
        run.why[i] = std::string(article.status().message());
      }
    }
    std::chrono::duration<double> elapsed =
        std::chrono::steady_clock::now() - start;
    run.speed.seconds = std::min(run.speed.seconds, elapsed.count());
  }
  return run;
}

// Ours, then the peer's speed (when it ran) and the ratio.
void PrintSpeeds(const Speed& ours, const char* peer_name, const Speed* peer) {
  PrintSpeed("newsflow (ours)", ours);
  if (peer == nullptr) return;
  PrintSpeed(peer_name, *peer);
  absl::PrintF("speed ratio (ours / %s): %.1fx\n", peer_name,
               (ours.pages / ours.seconds) / (peer->pages / peer->seconds));
}

// Runs a peer extractor's script, which writes `out` as JSON with
// "seconds", "pages", "bytes" and "output"; fills `speed` from it. nullopt
// (with a message) when the script fails or its result is unreadable.
absl::optional<newsflow::html::JsonValue> RunPeer(const char* name,
                                                  const std::string& command,
                                                  const std::string& out,
                                                  Speed* speed) {
  if (std::system(command.c_str()) != 0) {
    absl::PrintF("%s: failed (%s)\n", name, command);
    return absl::nullopt;
  }
  absl::StatusOr<std::string> text = newsflow::html::ReadWholeFile(out);
  fs::remove(out);
  absl::StatusOr<newsflow::html::JsonValue> json =
      text.ok() ? newsflow::html::ParseJson(*text)
                : absl::StatusOr<newsflow::html::JsonValue>(text.status());
  if (!json.ok() || !json->is_object()) {
    absl::PrintF("%s: unreadable result\n", name);
    return absl::nullopt;
  }
  auto number = [&](const char* key) {
    const newsflow::html::JsonValue* value = json->Find(key);
    return value == nullptr ? 0.0 : value->number;
  };
  speed->seconds = number("seconds");
  speed->pages = static_cast<size_t>(number("pages"));
  speed->bytes = static_cast<size_t>(number("bytes"));
  return *std::move(json);
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
  absl::optional<newsflow::html::JsonValue> json =
      RunPeer("Readability.js", command, out, speed);
  if (!json.has_value()) return false;
  if (const newsflow::html::JsonValue* records = json->Find("output")) {
    for (const auto& [id, record] : records->object) {
      (*output)[id] = record.StringOr("articleBody");
    }
  }
  return true;
}

// The readability-lxml outputs: file -> summary HTML and its text.
struct LxmlOutput {
  std::string html;
  std::string text;
};

// Runs bench/extract_bench_readability_lxml.py over `folder` (UTF-8 pages);
// false (with a message) when it cannot.
bool RunReadabilityLxml(const std::string& folder, Speed* speed,
                        absl::flat_hash_map<std::string, LxmlOutput>* output) {
  const char* python = newsflow::bench::ReadabilityLxmlPython();
  if (python == nullptr) return false;
  std::string out = folder + ".json";
  std::string command = absl::StrCat(
      python, " '", NEWSFLOW_SOURCE_DIR,
      "/bench/extract_bench_readability_lxml.py' '", folder, "' '", out, "'");
  absl::optional<newsflow::html::JsonValue> json =
      RunPeer("readability-lxml", command, out, speed);
  if (!json.has_value()) return false;
  if (const newsflow::html::JsonValue* records = json->Find("output")) {
    for (const auto& [file, record] : records->object) {
      (*output)[file] = {record.StringOr("html"), record.StringOr("text")};
    }
  }
  return true;
}

// False, saying so, when a benchmark's file is absent.
bool CorpusPresent(const char* name, const std::string& file) {
  if (fs::exists(file)) return true;
  absl::PrintF("%s: skipped, %s not found (the shared corpora are absent)\n",
               name, file);
  return false;
}

int Fail(const absl::Status& status) {
  absl::FPrintF(stderr, "%s\n", status.ToString());
  return 1;
}

void PrintSegmentRow(const std::string& name, const SegmentCounts& counts) {
  absl::PrintF("| %s | %.3f | %.3f | %.3f | %d | %d | %d | %d |\n", name,
               counts.Precision(), counts.Recall(), counts.F1(), counts.tp,
               counts.fp, counts.fn, counts.tn);
}

// The trafilatura-eval-dev section; returns a process exit code.
// `only_fold`: 0 or 1 limits --worst and --dump to that fold (by site), so
// that development can look at one fold's pages and keep the other unseen;
// -1 shows both.
int TrafilaturaBench(const std::string& corpus, int rounds, int worst,
                     bool no_readability, const std::string& dump,
                     int only_fold) {
  if (!CorpusPresent("trafilatura-eval-dev", corpus + "/evaldata.json")) {
    return 0;
  }
  absl::StatusOr<std::vector<SegmentPage>> pages =
      newsflow::html::LoadSegmentPages(corpus);
  if (!pages.ok()) return Fail(pages.status());
  // Pages are decoded once, as ingest decodes fetched pages (DecodePage);
  // readability-lxml reads the same UTF-8 text.
  std::vector<std::string> html;
  size_t bytes = 0;
  int undecodable = 0;
  for (const SegmentPage& page : *pages) {
    absl::StatusOr<std::string> raw =
        newsflow::html::ReadWholeFile(corpus + "/pages/" + page.file);
    if (!raw.ok()) {
      absl::FPrintF(stderr, "%s\n", raw.status().ToString());
      return 1;
    }
    absl::StatusOr<newsflow::ingest::DecodedText> decoded =
        newsflow::ingest::DecodePage(*raw, "");
    if (!decoded.ok()) {
      ++undecodable;
      html.emplace_back();
      continue;
    }
    bytes += decoded->utf8.size();
    html.push_back(std::move(decoded->utf8));
  }

  std::vector<std::string> urls;
  for (const SegmentPage& page : *pages) urls.push_back(page.url);
  OurRun run = RunOurs(html, urls, rounds, bytes);
  const std::vector<std::string>& ours = run.bodies;
  const std::vector<std::string>& why = run.why;
  const int failures = run.failures;
  const Speed& our_speed = run.speed;
  SegmentCounts our_total;
  // Halves by position in evaldata.json, so a change can be decided on one
  // half (A, even positions) and checked on the other (B).
  SegmentCounts our_half[2];
  // Folds by site (a stable hash of the site, extract_folds.h), so that what
  // one fold teaches is checked on sites it never saw, as a held-out half of
  // other sites is.
  SegmentCounts our_fold[2];
  int fold_pages[2] = {0, 0};
  std::vector<int> page_fold;
  std::vector<SegmentCounts> our_counts;
  for (size_t i = 0; i < pages->size(); ++i) {
    our_counts.push_back(newsflow::html::CountSegments((*pages)[i], ours[i]));
    our_total.Add(our_counts.back());
    our_half[i % 2].Add(our_counts.back());
    const int fold = newsflow::bench::FoldOf((*pages)[i].url);
    our_fold[fold].Add(our_counts.back());
    page_fold.push_back(fold);
    ++fold_pages[fold];
  }
  if (!dump.empty()) {
    fs::create_directories(dump);
    for (size_t i = 0; i < pages->size(); ++i) {
      if (only_fold >= 0 && page_fold[i] != only_fold) continue;
      std::FILE* file = std::fopen(
          (fs::path(dump) / ((*pages)[i].file + ".txt")).string().c_str(),
          "wb");
      if (file == nullptr) continue;
      std::fwrite(ours[i].data(), 1, ours[i].size(), file);
      std::fclose(file);
    }
  }

  Speed lxml_speed;
  absl::flat_hash_map<std::string, LxmlOutput> lxml;
  bool have_lxml = false;
  if (!no_readability) {
    fs::path folder = fs::temp_directory_path() /
                      absl::StrCat("extract_bench_pages_", getpid());
    fs::create_directories(folder);
    for (size_t i = 0; i < pages->size(); ++i) {
      if (html[i].empty()) continue;
      std::FILE* file =
          std::fopen((folder / (*pages)[i].file).string().c_str(), "wb");
      if (file == nullptr) continue;
      std::fwrite(html[i].data(), 1, html[i].size(), file);
      std::fclose(file);
    }
    have_lxml = RunReadabilityLxml(folder.string(), &lxml_speed, &lxml);
    fs::remove_all(folder);
  }

  absl::PrintF(
      "\ntrafilatura-eval-dev: %zu pages, %.2f MB decoded (%d undecodable); "
      "segments scored as evaldata.json defines them\n\n",
      pages->size(), bytes / 1e6, undecodable);
  absl::PrintF(
      "| extractor | precision | recall | F1 | tp | fp | fn | tn |\n"
      "|---|---|---|---|---|---|---|---|\n");
  PrintSegmentRow("**newsflow (ours)**", our_total);
  PrintSegmentRow("newsflow, half A (even positions in evaldata.json)",
                  our_half[0]);
  PrintSegmentRow("newsflow, half B (odd positions in evaldata.json)",
                  our_half[1]);
  PrintSegmentRow(absl::StrCat("newsflow, fold A (sites hashing even, ",
                               fold_pages[0], " pages)"),
                  our_fold[0]);
  PrintSegmentRow(absl::StrCat("newsflow, fold B (sites hashing odd, ",
                               fold_pages[1], " pages)"),
                  our_fold[1]);
  if (have_lxml) {
    SegmentCounts as_html, as_text;
    int empty = 0;
    for (const SegmentPage& page : *pages) {
      auto it = lxml.find(page.file);
      const LxmlOutput none;
      const LxmlOutput& output = it == lxml.end() ? none : it->second;
      empty += output.text.empty();
      as_html.Add(newsflow::html::CountSegments(page, output.html));
      as_text.Add(newsflow::html::CountSegments(page, output.text));
    }
    PrintSegmentRow("readability-lxml, summary() HTML as evaluate.py scores it",
                    as_html);
    PrintSegmentRow("readability-lxml, summary() text", as_text);
    absl::PrintF("\nreadability-lxml: %d of %zu pages gave no text\n", empty,
                 pages->size());
  }
  absl::PrintF("ours: %d of %zu pages gave no article\n\n", failures,
               pages->size());
  PrintSpeeds(our_speed, "readability-lxml", have_lxml ? &lxml_speed : nullptr);
  if (worst > 0) {
    std::vector<size_t> order;
    for (size_t i = 0; i < pages->size(); ++i) {
      if (only_fold < 0 || page_fold[i] == only_fold) order.push_back(i);
    }
    auto loss = [&](size_t i) { return our_counts[i].fp + our_counts[i].fn; };
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return loss(a) > loss(b); });
    absl::PrintF("\nworst pages (fp + fn):\n");
    for (int k = 0; k < worst && k < static_cast<int>(order.size()); ++k) {
      size_t i = order[k];
      const SegmentPage& page = (*pages)[i];
      if (loss(i) == 0) break;
      absl::PrintF("fp=%d fn=%d fold %c %s\n    %s\n", our_counts[i].fp,
                   our_counts[i].fn, "AB"[page_fold[i]], page.file, why[i]);
      std::string text = newsflow::html::NormalizePythonSpace(ours[i]);
      for (const std::string& segment : page.with) {
        if (!absl::StrContains(text,
                               newsflow::html::NormalizePythonSpace(segment))) {
          absl::PrintF("    missed: %s\n", segment);
        }
      }
      for (const std::string& segment : page.without) {
        if (absl::StrContains(text,
                              newsflow::html::NormalizePythonSpace(segment))) {
          absl::PrintF("    included: %s\n", segment);
        }
      }
    }
  }
  return 0;
}

// The Zyte section; returns a process exit code.
int ZyteBench(const std::string& corpus, int rounds, int worst,
              bool no_readability) {
  if (!CorpusPresent("Zyte", corpus + "/ground-truth.json")) return 0;
  absl::StatusOr<std::vector<BenchmarkPage>> pages =
      newsflow::html::LoadGroundTruth(corpus);
  if (!pages.ok()) return Fail(pages.status());
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

  std::vector<std::string> urls;
  for (const BenchmarkPage& page : *pages) urls.push_back(page.url);
  OurRun run = RunOurs(html, urls, rounds, bytes);
  absl::flat_hash_map<std::string, std::string> ours;
  for (size_t i = 0; i < pages->size(); ++i) {
    ours[(*pages)[i].id] = run.bodies[i];
  }
  const std::vector<std::string>& why = run.why;
  const int failures = run.failures;
  const Speed& our_speed = run.speed;

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
  PrintSpeeds(our_speed, "Readability.js + jsdom",
              have_readability ? &readability_speed : nullptr);

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

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"HTML article extraction: quality and speed"};
  std::string corpus = NEWSFLOW_SHARED_DIR "/corpora/zyte-article-extraction";
  std::string trafilatura = NEWSFLOW_SHARED_DIR "/corpora/trafilatura-eval-dev";
  bool skip_zyte = false;
  bool skip_trafilatura = false;
  int rounds = 3;
  int worst = 0;
  bool no_readability = false;
  std::string dump;
  app.add_option("--corpus", corpus, "the Zyte benchmark folder");
  app.add_option("--trafilatura", trafilatura,
                 "the trafilatura-eval-dev folder");
  app.add_flag("--skip-zyte", skip_zyte, "skip the Zyte benchmark");
  app.add_flag("--skip-trafilatura", skip_trafilatura,
               "skip trafilatura-eval-dev");
  app.add_option("--rounds", rounds, "timed extraction rounds (best kept)");
  app.add_option("--worst", worst, "list the N pages we score worst on");
  app.add_flag("--no-readability", no_readability,
               "skip Readability.js and readability-lxml");
  bool metadata = false;
  app.add_flag("--metadata", metadata,
               "only the title/date/author table against JSON-LD");
  app.add_option("--dump", dump,
                 "write our text of each trafilatura-eval-dev page here");
  std::string fold;
  app.add_option("--fold", fold,
                 "A or B: --worst and --dump show only that fold's "
                 "trafilatura-eval-dev pages")
      ->check(CLI::IsMember({"A", "B"}));
  CLI11_PARSE(app, argc, argv);
  if (metadata) {
    return newsflow::bench::MetadataBench(corpus, trafilatura, no_readability,
                                          worst);
  }

  int code = skip_zyte ? 0 : ZyteBench(corpus, rounds, worst, no_readability);
  if (code != 0 || skip_trafilatura) return code;
  return TrafilaturaBench(trafilatura, rounds, worst, no_readability, dump,
                          fold.empty()  ? -1
                          : fold == "A" ? 0
                                        : 1);
}
