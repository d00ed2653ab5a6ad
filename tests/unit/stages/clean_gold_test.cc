// Scores the clean stage against annotated articles: the five seed articles
// in ../shared/seeds (read at run time, never copied into the repo) and
// newsflow's own gold set in tests/data/clean (invented articles in the
// style of scraped news pages). Both use the same gold.json format: which
// lines are chrome, which line is the headline, and what the article
// states about itself.
//
// Prints precision and recall of line removal and the share of body lines
// kept; asserts floors a little under what the cleaner achieves, so a
// regression fails while the figures stay visible in the test log.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "newsflow/v1/article.pb.h"
#include "stages/clean/cleaner.h"
#include "stages/clean/line_stats.h"
#include "tests/unit/stages/clean_test_util.h"

namespace newsflow {
namespace clean {
namespace {

using ::google::protobuf::Struct;
using ::google::protobuf::Value;

using testing::IsBlank;
using testing::ReadFile;
using testing::SplitLikeIngest;
using testing::SplitLines;

// Straight quotes and single spaces, so that matching judges which lines
// were kept, not the quote policy.
std::string Fold(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    std::string_view rest = text.substr(i);
    auto starts = [&rest](std::string_view prefix) {
      return rest.substr(0, prefix.size()) == prefix;
    };
    if (starts("\xE2\x80\x9C") || starts("\xE2\x80\x9D")) {
      out += '"';
      i += 2;
    } else if (starts("\xE2\x80\x98") || starts("\xE2\x80\x99")) {
      out += '\'';
      i += 2;
    } else if (text[i] == ' ' && !out.empty() && out.back() == ' ') {
      continue;
    } else {
      out += text[i];
    }
  }
  return std::string(absl::StripAsciiWhitespace(out));
}

std::vector<std::string> FoldedParagraphs(const std::string& body) {
  std::vector<std::string> paragraphs;
  size_t pos = 0;
  while (!body.empty() && pos <= body.size()) {
    size_t end = body.find("\n\n", pos);
    if (end == std::string::npos) end = body.size();
    paragraphs.push_back(Fold(body.substr(pos, end - pos)));
    pos = end + 2;
  }
  return paragraphs;
}

int Words(std::string_view text) {
  int words = 0;
  bool in_word = false;
  for (char c : text) {
    bool word_char = c != ' ';
    if (word_char && !in_word) ++words;
    in_word = word_char;
  }
  return words;
}

bool IsWordByte(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) ||
         static_cast<unsigned char>(c) >= 0x80;
}

bool ContainsAsWords(std::string_view text, std::string_view part) {
  for (size_t pos = text.find(part); pos != std::string_view::npos;
       pos = text.find(part, pos + 1)) {
    size_t end = pos + part.size();
    if ((pos == 0 || !IsWordByte(text[pos - 1])) &&
        (end == text.size() || !IsWordByte(text[end]))) {
      return true;
    }
  }
  return false;
}

// Whether the (folded) input line survived into the body: a paragraph is
// the line, or holds it (a short line only when it was not removed as a
// line of its own, since "Comments" may well occur inside a sentence).
bool InBody(const std::string& line, const std::vector<std::string>& body,
            const std::vector<std::string>& removed) {
  if (line.empty()) return true;
  const bool short_line = Words(line) < 4;
  const bool removed_alone =
      std::find(removed.begin(), removed.end(), line) != removed.end();
  for (const std::string& paragraph : body) {
    if (paragraph == line) return true;
    if (!ContainsAsWords(paragraph, line)) continue;
    if (!short_line || !removed_alone) return true;
  }
  return false;
}

std::vector<int> Numbers(const Struct& entry, const std::string& key) {
  std::vector<int> numbers;
  auto it = entry.fields().find(key);
  if (it == entry.fields().end()) return numbers;
  for (const Value& value : it->second.list_value().values()) {
    numbers.push_back(static_cast<int>(value.number_value()));
  }
  return numbers;
}

std::vector<std::string> Strings(const Struct& entry, const std::string& key) {
  std::vector<std::string> strings;
  auto it = entry.fields().find(key);
  if (it == entry.fields().end()) return strings;
  for (const Value& value : it->second.list_value().values()) {
    strings.push_back(value.string_value());
  }
  return strings;
}

bool Has(const std::vector<int>& numbers, int number) {
  return std::find(numbers.begin(), numbers.end(), number) != numbers.end();
}

struct Tally {
  int right = 0;
  int total = 0;
  void Add(bool ok) {
    right += ok;
    ++total;
  }
  std::string Text() const { return absl::StrCat(right, "/", total); }
};

struct GoldScore {
  int articles = 0;
  int chrome_removed = 0;  // true positives
  int chrome_missed = 0;   // false negatives
  int body_kept = 0;
  int body_lost = 0;  // false positives
  int metadata_moved = 0;
  int metadata_left = 0;
  // The headline line cut from the article (neither the title nor kept).
  int headlines_removed = 0;
  Tally titles, datelines, dates, bylines, credits, hyphenation;
  std::vector<std::string> failures;

  double precision() const {
    return chrome_removed / std::max(1.0, 1.0 * (chrome_removed + body_lost));
  }
  double recall() const {
    return chrome_removed /
           std::max(1.0, 1.0 * (chrome_removed + chrome_missed));
  }
  double f1() const {
    double p = precision(), r = recall();
    return p + r == 0 ? 0 : 2 * p * r / (p + r);
  }
  double body_kept_share() const {
    return body_kept / std::max(1.0, 1.0 * (body_kept + body_lost));
  }
  std::string Summary(const std::string& name) const {
    char figures[512];
    std::snprintf(
        figures, sizeof(figures),
        "%s (%d articles): line removal precision %.3f recall %.3f F1 %.3f "
        "(%d removed, %d missed, %d body lines lost); body lines kept %.3f "
        "(%d/%d); stamp lines moved to fields %d/%d; titles %s, datelines "
        "%s, published_at %s, bylines %s, credits %s, hyphenation %s; "
        "headlines removed %d",
        name.c_str(), articles, precision(), recall(), f1(), chrome_removed,
        chrome_missed, body_lost, body_kept_share(), body_kept,
        body_kept + body_lost, metadata_moved, metadata_moved + metadata_left,
        titles.Text().c_str(), datelines.Text().c_str(), dates.Text().c_str(),
        bylines.Text().c_str(), credits.Text().c_str(),
        hyphenation.Text().c_str(), headlines_removed);
    return figures;
  }
};

// Cleans every article gold.json in `folder` annotates, in file order, with
// one LineStats shared by all (learning per source as a stream would), and
// scores the output.
GoldScore ScoreFolder(const std::filesystem::path& folder,
                      const CleanerOptions& options) {
  GoldScore score;
  Struct gold;
  auto parsed = google::protobuf::util::JsonStringToMessage(
      ReadFile(folder / "gold.json"), &gold);
  EXPECT_TRUE(parsed.ok()) << folder;
  const Struct& articles = gold.fields().at("articles").struct_value();
  std::vector<std::string> files;
  for (const auto& [file, value] : articles.fields()) files.push_back(file);
  std::sort(files.begin(), files.end());
  LineStats line_stats;
  for (const std::string& file : files) {
    const Struct& entry = articles.fields().at(file).struct_value();
    auto field = [&](const std::string& key) -> std::string {
      auto it = entry.fields().find(key);
      return it == entry.fields().end() ? "" : it->second.string_value();
    };
    auto fail = [&](const std::string& what) {
      score.failures.push_back(absl::StrCat(file, ": ", what));
    };
    const int title_line =
        static_cast<int>(entry.fields().at("title_line").number_value());
    const std::vector<int> chrome = Numbers(entry, "boilerplate_lines");
    const std::vector<int> labels = Numbers(entry, "section_label_lines");
    const std::vector<int> stamps = Numbers(entry, "metadata_lines");
    const bool stamps_annotated = entry.fields().contains("metadata_lines");

    const std::vector<std::string> lines = SplitLines(ReadFile(folder / file));
    v1::Article article;
    article.set_id(file);
    article.set_source("files");
    if (!field("source").empty()) {
      article.set_url(absl::StrCat("https://", field("source"), "/", file));
    }
    SplitLikeIngest(lines, &article);
    absl::Status status = CleanArticle(options, &article, &line_stats);
    EXPECT_TRUE(status.ok()) << file << ": " << status;
    ++score.articles;

    const std::vector<std::string> body = FoldedParagraphs(article.body());
    std::vector<std::string> removed;
    std::vector<std::string> removed_as_fact;
    for (const v1::RemovedLine& line : article.removed()) {
      removed.push_back(Fold(line.text()));
      if (line.reason() == kReasonDateline || line.reason() == kReasonByline ||
          line.reason() == kReasonDateStamp) {
        removed_as_fact.push_back(Fold(line.text()));
      }
    }
    for (int number = 1; number <= static_cast<int>(lines.size()); ++number) {
      const std::string& raw = lines[number - 1];
      if (IsBlank(raw)) continue;
      absl::StatusOr<std::string> cleaned = CleanLineText(options, raw);
      EXPECT_TRUE(cleaned.ok()) << file << ":" << number;
      if (!cleaned.ok()) continue;
      const std::string text = Fold(*cleaned);
      if (number == title_line) {
        bool ok = Fold(article.title()) == text;
        score.titles.Add(ok);
        if (!ok) fail(absl::StrCat("title \"", article.title(), "\""));
        if (!ok && !InBody(text, body, removed)) {
          ++score.headlines_removed;
          fail("headline removed");
          // NEWSFLOW_PRINT_HEADLINE_REMOVED=1 names the removed headline and
          // the reason it was cut, and nothing else of the article, so that
          // an uninspected set stays unread apart from its headline.
          if (std::getenv("NEWSFLOW_PRINT_HEADLINE_REMOVED") != nullptr) {
            for (const v1::RemovedLine& line : article.removed()) {
              if (Fold(line.text()) != text) continue;
              std::printf("headline removed: %s:%d as %s: %s (title \"%s\")\n",
                          file.c_str(), number, line.reason().c_str(),
                          text.c_str(), article.title().c_str());
            }
          }
        }
        continue;
      }
      const bool kept = InBody(text, body, removed);
      if (Has(chrome, number) || Has(labels, number)) {
        if (kept) {
          ++score.chrome_missed;
          fail(absl::StrCat("chrome line ", number, " kept: ", text));
        } else {
          ++score.chrome_removed;
        }
        if (Fold(article.title()) == text) fail("chrome line became the title");
      } else if (Has(stamps, number) ||
                 (!stamps_annotated && !kept &&
                  std::find(removed_as_fact.begin(), removed_as_fact.end(),
                            text) != removed_as_fact.end())) {
        // Seeds do not annotate stamp lines: a whole line removed as a
        // date, dateline or byline counts as one (its facts are checked
        // below).
        if (kept) {
          ++score.metadata_left;
          fail(absl::StrCat("stamp line ", number, " kept: ", text));
        } else {
          ++score.metadata_moved;
        }
      } else if (kept) {
        ++score.body_kept;
      } else {
        ++score.body_lost;
        fail(absl::StrCat("body line ", number, " lost: ", text));
      }
    }
    auto check = [&](Tally* tally, const std::string& what,
                     const std::string& expected, const std::string& actual) {
      bool ok = expected == actual;
      tally->Add(ok);
      if (!ok) {
        fail(absl::StrCat(what, " \"", actual, "\", expected \"", expected,
                          "\""));
      }
    };
    check(&score.datelines, "dateline", field("dateline"), article.dateline());
    check(&score.dates, "published_at", field("published_at"),
          article.published_at());
    if (entry.fields().contains("byline")) {
      check(&score.bylines, "byline", field("byline"), article.byline());
    }
    for (const std::string& credit : Strings(entry, "credits")) {
      bool found = false;
      for (const std::string& actual : article.credits()) {
        found = found || absl::StrContains(absl::AsciiStrToLower(actual),
                                           absl::AsciiStrToLower(credit));
      }
      score.credits.Add(found);
      if (!found) {
        fail(absl::StrCat("credit \"", credit, "\" missing from [",
                          absl::StrJoin(article.credits(), "; "), "]"));
      }
    }
    const std::string folded_body = Fold(article.body());
    for (const std::string& word : Strings(entry, "dehyphenated")) {
      bool ok = ContainsAsWords(folded_body, word);
      score.hyphenation.Add(ok);
      if (!ok) fail(absl::StrCat("not dehyphenated: ", word));
    }
    for (const std::string& word : Strings(entry, "kept_hyphenated")) {
      bool ok = ContainsAsWords(folded_body, word);
      score.hyphenation.Add(ok);
      if (!ok) fail(absl::StrCat("hyphen lost: ", word));
    }
  }
  return score;
}

void Report(const std::string& name, const GoldScore& score) {
  std::printf("%s\n", score.Summary(name).c_str());
  for (const std::string& failure : score.failures) {
    std::printf("  %s\n", failure.c_str());
  }
}

TEST(CleanGoldTest, SeedArticlesComeOutCleanAndComplete) {
  const std::filesystem::path seeds =
      std::filesystem::path(NEWSFLOW_SHARED_DIR) / "seeds";
  if (!std::filesystem::exists(seeds / "gold.json")) {
    GTEST_SKIP() << "no seed articles at " << seeds;
  }
  GoldScore score = ScoreFolder(seeds, CleanerOptions());
  Report("seeds", score);
  EXPECT_EQ(score.articles, 5);
  EXPECT_EQ(score.chrome_missed, 0);
  EXPECT_EQ(score.body_lost, 0);
  EXPECT_EQ(score.metadata_left, 0);
  EXPECT_EQ(score.titles.right, score.titles.total);
  EXPECT_EQ(score.headlines_removed, 0);
  EXPECT_EQ(score.datelines.right, score.datelines.total);
  EXPECT_EQ(score.dates.right, score.dates.total);
  EXPECT_EQ(score.hyphenation.right, score.hyphenation.total);
}

TEST(CleanGoldTest, OwnGoldSetMeetsItsFloors) {
  const std::filesystem::path folder =
      std::filesystem::path(NEWSFLOW_SOURCE_DIR) / "tests" / "data" / "clean";
  GoldScore score = ScoreFolder(folder, CleanerOptions());
  Report("own gold set", score);
  // Achieved: precision 1.000, recall 0.966, F1 0.983, body lines kept
  // 1.000; every title, dateline, date, byline and credit right.
  EXPECT_GE(score.articles, 20);
  EXPECT_GE(score.precision(), 0.99);
  EXPECT_GE(score.recall(), 0.95);
  EXPECT_GE(score.f1(), 0.975);
  EXPECT_GE(score.body_kept_share(), 0.99);
  EXPECT_EQ(score.headlines_removed, 0);
  EXPECT_EQ(score.metadata_left, 0);
  EXPECT_GE(score.titles.right, score.titles.total - 1);
  EXPECT_GE(score.datelines.right, score.datelines.total - 1);
  EXPECT_GE(score.dates.right, score.dates.total - 1);
  EXPECT_GE(score.bylines.right, score.bylines.total - 1);
  EXPECT_GE(score.credits.right, score.credits.total - 1);
  EXPECT_EQ(score.hyphenation.right, score.hyphenation.total);
}

// The held-out sets (tests/data/clean_heldout, clean_heldout_b to _f):
// outlets and chrome written once, each measured before any cleaner change
// made with it in view, and never tuned on (README, "Clean stage"). Their
// figures are reported; the floors are the goals that must keep
// holding: no headline lost and body text kept.
TEST(CleanGoldTest, HeldOutOutletsKeepEveryHeadlineAndTheBody) {
  for (const char* set :
       {"clean_heldout", "clean_heldout_b", "clean_heldout_c",
        "clean_heldout_d", "clean_heldout_e", "clean_heldout_f"}) {
    const std::filesystem::path folder =
        std::filesystem::path(NEWSFLOW_SOURCE_DIR) / "tests" / "data" / set;
    GoldScore score = ScoreFolder(folder, CleanerOptions());
    Report(absl::StrCat("held-out outlets (", set, ")"), score);
    EXPECT_GE(score.articles, 8);
    EXPECT_EQ(score.titles.right, score.titles.total) << set;
    EXPECT_GE(score.body_kept_share(), 0.99) << set;
    EXPECT_EQ(score.headlines_removed, 0) << set;
  }
}

// A held-out set under tests/data scored with the default cleaner, after
// printing the rules' figures alone beside it (the learned scorer off).
GoldScore ScoreHeldOutSetBesideRulesAlone(const char* set) {
  const std::filesystem::path folder =
      std::filesystem::path(NEWSFLOW_SOURCE_DIR) / "tests" / "data" / set;
  CleanerOptions rules_only;
  rules_only.learned_chrome_threshold = 0;
  std::printf("%s\n", ScoreFolder(folder, rules_only)
                          .Summary(absl::StrCat("held-out outlets (", set,
                                                "), rules only"))
                          .c_str());
  return ScoreFolder(folder, CleanerOptions());
}

// Batches G, H and I (tests/data/clean_heldout_g to _i): G written before
// the learned line scorer, H after it was frozen, I before it was
// retrained with G and H. Their figures are reported, with the rules alone
// beside them; held to the body floor and to at most one wrong title per
// set, since a line of chrome above the headline can still become the
// title (the headline then stays in the body).
TEST(CleanGoldTest, HeldOutBatchesGToIKeepTheBody) {
  for (const char* set :
       {"clean_heldout_g", "clean_heldout_h", "clean_heldout_i"}) {
    GoldScore score = ScoreHeldOutSetBesideRulesAlone(set);
    Report(absl::StrCat("held-out outlets (", set, ")"), score);
    EXPECT_GE(score.articles, 8);
    EXPECT_GE(score.titles.right, score.titles.total - 1) << set;
    EXPECT_GE(score.body_kept_share(), 0.99) << set;
    EXPECT_EQ(score.headlines_removed, 0) << set;
  }
}

// Batches J to N and P to T (tests/data/clean_heldout_j to _n, _p to
// _t): J written at the start of session 10, K after its freeze, L after
// its last change, M at the start of session 11 (headlines in words that
// read as chrome elsewhere), N at the start of the second cleaning session
// of session 11, P at the freeze of session 12, Q at the freeze of session
// 13, R at the freeze of session 14, S at the freeze of session 15, T at
// the start of session 18; each was first measured unseen (README, "Clean
// stage") and is tuned on since (P from session 13, Q from session 14, R
// and S from session 15, T from session 18), so its failing lines are
// printed. Held
// to the body floor and to the "no headline ever removed", which every
// other gold set is held to as well.
TEST(CleanGoldTest, HeldOutBatchesJToTKeepTheBodyAndEveryHeadline) {
  for (const char* set :
       {"clean_heldout_j", "clean_heldout_k", "clean_heldout_l",
        "clean_heldout_m", "clean_heldout_n", "clean_heldout_p",
        "clean_heldout_q", "clean_heldout_r", "clean_heldout_s",
        "clean_heldout_t"}) {
    GoldScore score = ScoreHeldOutSetBesideRulesAlone(set);
    Report(absl::StrCat("held-out outlets (", set, ")"), score);
    EXPECT_GE(score.articles, 8) << set;
    EXPECT_GE(score.body_kept_share(), 0.99) << set;
    EXPECT_EQ(score.headlines_removed, 0) << set;
  }
}

// Scores an unseen held-out set and prints only its figures, never which
// lines failed, so that it stays unseen; holds it to the body floor and to
// "no headline ever removed".
void ScoreUninspectedSet(const char* set) {
  GoldScore score = ScoreHeldOutSetBesideRulesAlone(set);
  std::printf(
      "%s\n",
      score.Summary(absl::StrCat("held-out outlets (", set, ")")).c_str());
  EXPECT_GE(score.articles, 8) << set;
  EXPECT_GE(score.body_kept_share(), 0.99) << set;
  EXPECT_EQ(score.headlines_removed, 0) << set;
}

// Batch O (tests/data/clean_heldout_o): written at the freeze of session
// 11's second cleaning session, before looking at any result, and measured
// once.
TEST(CleanGoldTest, HeldOutBatchOIsMeasuredNotInspected) {
  ScoreUninspectedSet("clean_heldout_o");
}

}  // namespace
}  // namespace clean
}  // namespace newsflow
