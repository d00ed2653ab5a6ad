#include "bench/extract_bench_metadata.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "stages/ingest/html/extract.h"
#include "stages/ingest/html/json_value.h"
#include "stages/ingest/html/metadata_eval.h"
#include "stages/ingest/html/segment_eval.h"
#include "stages/ingest/html/shingle_eval.h"
#include "stages/ingest/page_article.h"

namespace newsflow::bench {
namespace {

namespace fs = std::filesystem;
using html::MetadataTruth;

// One page with JSON-LD truth: its blanked HTML and what each side found.
struct MetaPage {
  std::string set;   // "zyte" or "trafilatura-eval-dev"
  std::string name;  // file name written for readability-lxml
  std::string url;
  MetadataTruth truth;
  std::string blanked;
  std::string title, date;
  std::vector<std::string> authors;
  std::string lxml_title, lxml_short_title;
};

struct Tally {
  int pages = 0;  // with truth for the field
  int right = 0;  // matched
  int empty = 0;  // the extractor gave nothing
  void Add(bool has_truth, bool matched, bool gave_nothing) {
    if (!has_truth) return;
    ++pages;
    right += matched;
    empty += !matched && gave_nothing;
  }
  std::string Cell() const {
    if (pages == 0) return "-";
    return absl::StrFormat("%.3f (%d/%d)", 1.0 * right / pages, right, pages);
  }
};

// Adds the pages of one set that have article JSON-LD.
void AddPage(const std::string& set, const std::string& name,
             const std::string& url, const std::string& raw,
             std::vector<MetaPage>* pages) {
  absl::StatusOr<ingest::DecodedText> decoded = ingest::DecodePage(raw, "");
  if (!decoded.ok()) return;
  MetadataTruth truth = html::ReadJsonLdTruth(decoded->utf8);
  if (!truth.found) return;
  MetaPage page;
  page.set = set;
  page.name = name;
  page.url = url;
  page.truth = std::move(truth);
  page.blanked = html::BlankJsonLd(decoded->utf8);
  pages->push_back(std::move(page));
}

// readability-lxml's title() and short_title() of every page, run by
// bench/extract_bench_readability_lxml.py --titles; false when it cannot.
bool RunLxmlTitles(std::vector<MetaPage>* pages) {
  const char* python = ReadabilityLxmlPython();
  if (python == nullptr) return false;
  fs::path folder = fs::temp_directory_path() /
                    absl::StrCat("extract_bench_meta_pages_", getpid());
  fs::create_directories(folder);
  for (const MetaPage& page : *pages) {
    std::FILE* file = std::fopen((folder / page.name).string().c_str(), "wb");
    if (file == nullptr) continue;
    std::fwrite(page.blanked.data(), 1, page.blanked.size(), file);
    std::fclose(file);
  }
  std::string out = folder.string() + ".json";
  std::string command =
      absl::StrCat(python, " '", NEWSFLOW_SOURCE_DIR,
                   "/bench/extract_bench_readability_lxml.py' --titles '",
                   folder.string(), "' '", out, "'");
  const bool ran = std::system(command.c_str()) == 0;
  fs::remove_all(folder);
  absl::StatusOr<std::string> text =
      ran ? html::ReadWholeFile(out)
          : absl::StatusOr<std::string>(absl::UnknownError("failed"));
  fs::remove(out);
  absl::StatusOr<html::JsonValue> json =
      text.ok() ? html::ParseJson(*text)
                : absl::StatusOr<html::JsonValue>(text.status());
  const html::JsonValue* output = json.ok() ? json->Find("output") : nullptr;
  if (output == nullptr) {
    absl::PrintF("readability-lxml: failed (%s)\n", command);
    return false;
  }
  absl::flat_hash_map<std::string, const html::JsonValue*> by_name;
  for (const auto& [name, record] : output->object) by_name[name] = &record;
  for (MetaPage& page : *pages) {
    auto it = by_name.find(page.name);
    if (it == by_name.end()) continue;
    page.lxml_title = it->second->StringOr("title");
    page.lxml_short_title = it->second->StringOr("short_title");
  }
  return true;
}

}  // namespace

const char* ReadabilityLxmlPython() {
  const char* python = "/usr/bin/python3";
  std::string check =
      absl::StrCat(python, " -c 'import readability' >/dev/null 2>&1");
  if (std::system(check.c_str()) == 0) return python;
  absl::PrintF(
      "readability-lxml: skipped, python3-readability is not installed "
      "(scripts/install-deps)\n");
  return nullptr;
}

int MetadataBench(const std::string& zyte, const std::string& trafilatura,
                  bool no_readability, int worst) {
  std::vector<MetaPage> pages;
  int zyte_pages = 0, trafilatura_pages = 0;
  if (fs::exists(zyte + "/ground-truth.json")) {
    auto truth = html::LoadGroundTruth(zyte);
    if (truth.ok()) {
      zyte_pages = static_cast<int>(truth->size());
      for (const html::BenchmarkPage& page : *truth) {
        absl::StatusOr<std::string> raw = html::ReadPageHtml(zyte, page.id);
        if (raw.ok()) {
          AddPage("zyte", absl::StrCat("zyte-", page.id, ".html"), page.url,
                  *raw, &pages);
        }
      }
    }
  } else {
    absl::PrintF("Zyte: skipped, %s not found\n", zyte);
  }
  if (fs::exists(trafilatura + "/evaldata.json")) {
    auto segment_pages = html::LoadSegmentPages(trafilatura);
    if (segment_pages.ok()) {
      trafilatura_pages = static_cast<int>(segment_pages->size());
      for (const html::SegmentPage& page : *segment_pages) {
        absl::StatusOr<std::string> raw =
            html::ReadWholeFile(trafilatura + "/pages/" + page.file);
        if (raw.ok()) {
          AddPage("trafilatura-eval-dev", absl::StrCat("traf-", page.file),
                  page.url, *raw, &pages);
        }
      }
    }
  } else {
    absl::PrintF("trafilatura-eval-dev: skipped, %s not found\n", trafilatura);
  }
  if (pages.empty()) return 0;

  for (MetaPage& page : pages) {
    absl::StatusOr<html::ExtractedArticle> article =
        html::ExtractArticle(page.blanked, page.url);
    if (!article.ok()) continue;
    page.title = article->title;
    page.date = article->published_at;
    page.authors = article->authors;
  }
  const bool have_lxml = !no_readability && RunLxmlTitles(&pages);

  absl::PrintF(
      "\nmetadata against each page's own JSON-LD (NewsArticle, Article or "
      "BlogPosting), JSON-LD blanked before extraction: %zu pages (Zyte %d "
      "of %d, trafilatura-eval-dev %d of %d)\n\n",
      pages.size(),
      static_cast<int>(
          std::count_if(pages.begin(), pages.end(),
                        [](const MetaPage& p) { return p.set == "zyte"; })),
      zyte_pages,
      static_cast<int>(
          std::count_if(pages.begin(), pages.end(),
                        [](const MetaPage& p) { return p.set != "zyte"; })),
      trafilatura_pages);
  absl::PrintF(
      "| set | field | newsflow (ours) | ours gave none | readability-lxml "
      "title() | readability-lxml short_title() |\n"
      "|---|---|---:|---:|---:|---:|\n");
  for (const char* set : {"zyte", "trafilatura-eval-dev", "both"}) {
    Tally title, date, author, author_name, lxml, lxml_short;
    for (const MetaPage& page : pages) {
      if (std::string(set) != "both" && page.set != set) continue;
      const MetadataTruth& truth = page.truth;
      title.Add(!truth.headline.empty(),
                html::TitleMatches(truth.headline, page.title),
                page.title.empty());
      date.Add(!html::NormalizeDate(truth.date_published).empty(),
               html::DateMatches(truth.date_published, page.date),
               page.date.empty());
      author.Add(!truth.authors.empty(),
                 html::AuthorMatches(truth.authors, page.authors),
                 page.authors.empty());
      author_name.Add(
          !truth.authors.empty(),
          html::AuthorMatches(truth.authors, page.authors, /*name_only=*/true),
          page.authors.empty());
      lxml.Add(!truth.headline.empty(),
               html::TitleMatches(truth.headline, page.lxml_title),
               page.lxml_title.empty());
      lxml_short.Add(!truth.headline.empty(),
                     html::TitleMatches(truth.headline, page.lxml_short_title),
                     page.lxml_short_title.empty());
    }
    auto none = [](const Tally& tally) {
      return tally.pages == 0 ? std::string("-") : absl::StrCat(tally.empty);
    };
    absl::PrintF("| %s | title | %s | %s | %s | %s |\n", set, title.Cell(),
                 none(title), have_lxml ? lxml.Cell() : "-",
                 have_lxml ? lxml_short.Cell() : "-");
    absl::PrintF("| %s | date (same day) | %s | %s | - | - |\n", set,
                 date.Cell(), none(date));
    absl::PrintF("| %s | author (whole name) | %s | %s | - | - |\n", set,
                 author.Cell(), none(author));
    absl::PrintF("| %s | author (name before role) | %s | %s | - | - |\n", set,
                 author_name.Cell(), none(author_name));
  }
  if (worst > 0) {
    int titles = 0, dates = 0, authors = 0;
    absl::PrintF("\nmisses:\n");
    for (const MetaPage& page : pages) {
      const MetadataTruth& truth = page.truth;
      if (!truth.headline.empty() &&
          !html::TitleMatches(truth.headline, page.title) && titles++ < worst) {
        absl::PrintF("title  %s\n   truth: %s\n   ours:  %s\n", page.name,
                     truth.headline, page.title);
      }
      if (!html::NormalizeDate(truth.date_published).empty() &&
          !html::DateMatches(truth.date_published, page.date) &&
          dates++ < worst) {
        absl::PrintF("date   %s\n   truth: %s\n   ours:  %s\n", page.name,
                     truth.date_published, page.date);
      }
      if (!truth.authors.empty() &&
          !html::AuthorMatches(truth.authors, page.authors, true) &&
          authors++ < worst) {
        absl::PrintF("author %s\n   truth: %s\n   ours:  %s\n", page.name,
                     absl::StrJoin(truth.authors, "; "),
                     absl::StrJoin(page.authors, "; "));
      }
    }
  }
  return 0;
}

}  // namespace newsflow::bench
