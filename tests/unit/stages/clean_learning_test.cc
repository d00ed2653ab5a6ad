// Tests of what the clean stage learns from the stream: lines a source
// repeats across many of its articles are chrome. Covers the bounded
// statistics, their persistence, and the stage keeping them across a
// restart. Every article here is our own invention.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/hash.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "newsflow/stage_plugin.h"
#include "newsflow/v1/article.pb.h"
#include "stages/clean/clean_stage.h"
#include "stages/clean/cleaner.h"
#include "stages/clean/line_stats.h"

namespace newsflow {
namespace clean {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Pair;

constexpr char kFooter[] = "Printed on recycled paper in the Tidewater valley.";
constexpr char kDeskLine[] = "Harbor notes from the coast desk";
constexpr char kBackground[] =
    "The harbor authority was set up long ago to manage the three ports.";

// Distinct words, so that every article's own lines differ (LineKey reads
// all numbers alike).
const std::vector<std::string>& Places() {
  static const auto* places = new std::vector<std::string>{
      "Amble",    "Brisk",    "Corran", "Dunmere", "Elswick",  "Farrow",
      "Glenmore", "Hadley",   "Irvale", "Jarrow",  "Kelby",    "Lorton",
      "Marden",   "Netherby", "Oxmoor", "Pelham",  "Quarley",  "Ravensby",
      "Selham",   "Torver",   "Ulpha",  "Vange",   "Wickham",  "Yarwell",
      "Zennor",   "Ashby",    "Bexley", "Carlton", "Denby",    "Eskdale",
      "Fenwick",  "Garston",  "Hexham", "Ilkley",  "Jevington"};
  return *places;
}

// Article `n` of a source: its own lines, a background sentence and a desk
// line the outlet reuses inside stories, and a footer under every story.
v1::Article StoryArticle(const std::string& source, int n,
                         const std::string& tail = kFooter) {
  const std::string& place = Places()[n % Places().size()];
  v1::Article article;
  article.set_id(absl::StrCat(source, "-", n));
  article.set_source(source);
  article.set_title(absl::StrCat(place, " council backs harbor wall"));
  article.set_body(absl::StrCat(
      place, " council met on Monday to discuss a new harbor wall.\n\n",
      "Residents of ", place, " said the plan had taken far too long.\n\n",
      kDeskLine, "\n\n", kBackground, "\n\n", "Work in ", place,
      " is due to start in the spring, the council said.\n\n", tail));
  return article;
}

bool BodyHas(const v1::Article& article, const std::string& text) {
  return article.body().find(text) != std::string::npos;
}

v1::Article CleanWith(LineStats* stats, v1::Article article,
                      const CleanerOptions& options = {}) {
  absl::Status status = CleanArticle(options, &article, stats);
  EXPECT_TRUE(status.ok()) << status;
  return article;
}

TEST(LineKeyTest, IgnoresCaseNumbersAndPunctuation) {
  EXPECT_EQ(LineStats::LineKey("12 Comments"),
            LineStats::LineKey("3 comments"));
  EXPECT_EQ(LineStats::LineKey("Read more \xC2\xBB"),
            LineStats::LineKey("read more"));
  EXPECT_NE(LineStats::LineKey("read more"), LineStats::LineKey("read mode"));
  EXPECT_NE(LineStats::LineKey("ab c"), LineStats::LineKey("a bc"));
  EXPECT_EQ(LineStats::LineKey("--- | ---"), 0u);
}

TEST(LineKeyTest, IsFnvOfTheNormalizedWordsSoSavedStateStaysValid) {
  // Keys are persisted (state_path): their values must not change.
  EXPECT_EQ(LineStats::LineKey("  Read MORE, 12-14 times \xC2\xBB Caf\xC3\xA9"),
            StableHash64("read more 0 0 times caf\xC3\xA9"));
}

TEST(LineKeyTest, ManyAtOnceGivesEachLinesKey) {
  const std::vector<std::string_view> lines = {
      "Sign up for our newsletter",
      "",
      "--- | ---",
      "3 comments",
      "A longer line of the story, with more words than the others.",
      "\xC3\x89t\xC3\xA9 2024",
      "x"};
  const std::vector<uint64_t> keys = LineStats::LineKeys(lines);
  ASSERT_EQ(keys.size(), lines.size());
  for (size_t i = 0; i < lines.size(); ++i) {
    EXPECT_EQ(keys[i], LineStats::LineKey(lines[i])) << i;
  }
  EXPECT_EQ(keys[1], 0u);
  EXPECT_EQ(keys[2], 0u);
}

TEST(RepeatedLinesTest, LearnsAFooterAfterThreeArticles) {
  LineStats stats;
  for (int n = 0; n < 2; ++n) {
    v1::Article cleaned = CleanWith(&stats, StoryArticle("tidewater", n));
    EXPECT_TRUE(BodyHas(cleaned, kFooter)) << n;  // not learned yet
  }
  for (int n = 2; n < 6; ++n) {
    v1::Article cleaned = CleanWith(&stats, StoryArticle("tidewater", n));
    SCOPED_TRACE(n);
    EXPECT_FALSE(BodyHas(cleaned, kFooter));
    EXPECT_FALSE(BodyHas(cleaned, kDeskLine));  // no sentence: anywhere
    EXPECT_THAT(cleaned.removed(),
                Contains(testing::Property(&v1::RemovedLine::reason,
                                           std::string(kReasonRepeatedLine))));
    // A repeated sentence inside the story stays, and so do the story's
    // own lines.
    EXPECT_TRUE(BodyHas(cleaned, kBackground));
    EXPECT_TRUE(BodyHas(cleaned, "council met on Monday"));
    EXPECT_TRUE(BodyHas(cleaned, "is due to start in the spring"));
    EXPECT_EQ(cleaned.title(),
              absl::StrCat(Places()[n], " council backs harbor wall"));
  }
  EXPECT_EQ(stats.ArticlesOf("tidewater"), 6);
}

// Outside the story's sentences, a fragment the source printed in one other
// article already is its chrome; the same fragment between the sentences
// (a subheading) waits for the usual count.
TEST(RepeatedLinesTest, AnEdgeFragmentGoesOnItsSecondArticle) {
  LineStats stats;
  const std::string button = "Our picks of the week";
  // The learned scorer would take the button on sight.
  CleanerOptions rules_only;
  rules_only.learned_chrome_threshold = 0;
  v1::Article first =
      CleanWith(&stats, StoryArticle("tidewater", 0, button), rules_only);
  EXPECT_TRUE(BodyHas(first, button));
  v1::Article second =
      CleanWith(&stats, StoryArticle("tidewater", 1, button), rules_only);
  EXPECT_FALSE(BodyHas(second, button));

  LineStats inner;
  const std::string subheading = "What the council decided next";
  for (int n = 0; n < 2; ++n) {
    v1::Article article = StoryArticle("tidewater", n);
    article.set_body(
        absl::StrCat("The council met on Monday to discuss the "
                     "wall, the clerk said.\n\n",
                     subheading, "\n\n", article.body()));
    EXPECT_TRUE(BodyHas(CleanWith(&inner, article), subheading)) << n;
  }
}

TEST(RepeatedLinesTest, KeepsLinesOfOtherSourcesAndRareRepeats) {
  LineStats stats;
  for (int n = 0; n < 4; ++n) CleanWith(&stats, StoryArticle("tidewater", n));
  // Another source has seen the footer once: nothing learned there.
  v1::Article other = CleanWith(&stats, StoryArticle("gullpoint", 0));
  EXPECT_TRUE(BodyHas(other, kFooter));

  // A tail sentence in 3 of 30 articles is a coincidence, not chrome.
  LineStats rare;
  const std::string rare_line = "Ferry times are posted at the harbor office.";
  for (int n = 0; n < 30; ++n) {
    bool with_line = n % 10 == 9;
    v1::Article cleaned = CleanWith(
        &rare, StoryArticle("tidewater", n, with_line ? rare_line : kFooter));
    if (with_line) {
      EXPECT_TRUE(BodyHas(cleaned, rare_line)) << n;
    }
  }
}

TEST(RepeatedLinesTest, CountsAnArticleSeenAgainOnce) {
  LineStats stats;
  for (int run = 0; run < 4; ++run) {
    v1::Article cleaned = CleanWith(&stats, StoryArticle("tidewater", 0));
    EXPECT_TRUE(BodyHas(cleaned, kFooter)) << run;
  }
  EXPECT_EQ(stats.ArticlesOf("tidewater"), 1);
}

TEST(RepeatedLinesTest, AnUpdatedStoryKeepsItsText) {
  // Three versions of one story, each with a new last paragraph: their
  // shared paragraphs are repeated lines at the top, yet the story stays.
  LineStats stats;
  const std::string shared =
      "Gullpoint council voted on Monday to close the old ferry pier.\n\n"
      "The pier was built long ago and has needed repairs for years.\n\n"
      "Councillors said a new pier would be built further up the coast.\n\n"
      "Fishing crews said they had not been asked about the plan.";
  v1::Article last;
  for (int version = 0; version < 3; ++version) {
    v1::Article article;
    article.set_id(absl::StrCat("pier-", version));
    article.set_source("gullpoint");
    article.set_title("Council closes ferry pier");
    article.set_body(absl::StrCat(shared, "\n\n", "Update ", Places()[version],
                                  ": the harbor master said the pier would "
                                  "stay open for another week."));
    last = CleanWith(&stats, article);
  }
  EXPECT_TRUE(BodyHas(last, "Councillors said a new pier"));
  EXPECT_TRUE(BodyHas(last, "Fishing crews said"));
  EXPECT_TRUE(BodyHas(last, "stay open for another week"));
}

TEST(RepeatedLinesTest, CanBeSwitchedOff) {
  LineStats stats;
  CleanerOptions off;
  off.repeated_line_min_articles = 0;
  for (int n = 0; n < 5; ++n) {
    v1::Article cleaned = CleanWith(&stats, StoryArticle("tidewater", n), off);
    EXPECT_TRUE(BodyHas(cleaned, kFooter));
  }
  EXPECT_EQ(stats.source_count(), 0u);
}

TEST(RepeatedLinesTest, UsesTheUrlHostAsTheSource) {
  v1::Article article;
  article.set_source("files");
  EXPECT_EQ(SourceKeyOf(article), "files");
  article.set_url("https://www.Tidewater-Courier.example:8080/a/b?c=1");
  EXPECT_EQ(SourceKeyOf(article), "tidewater-courier.example");
  article.set_url("file:///data/a.txt");
  EXPECT_EQ(SourceKeyOf(article), "files");
}

TEST(LineStatsTest, StaysWithinItsLimits) {
  LineStatsLimits limits;
  limits.max_sources = 2;
  limits.max_lines_per_source = 40;
  LineStats stats(limits);
  const uint64_t footer = LineStats::LineKey(kFooter);
  for (int n = 0; n < 30; ++n) {
    std::vector<uint64_t> keys = {footer};
    for (int line = 0; line < 10; ++line) {
      keys.push_back(LineStats::LineKey(
          absl::StrCat(Places()[n], " line ", Places()[line])));
    }
    std::vector<LineStats::Seen> seen =
        stats.Observe("tidewater", absl::StrCat("a", n), keys);
    EXPECT_EQ(seen[0].articles, n + 1);  // the footer is never forgotten
    EXPECT_LE(stats.LineCountOf("tidewater"), 40u);
  }
  stats.Observe("gullpoint", "b1", {footer});
  stats.Observe("brisk", "c1", {footer});
  EXPECT_EQ(stats.source_count(), 2u);
  EXPECT_EQ(stats.ArticlesOf("tidewater"), 0);  // least recently seen
  EXPECT_EQ(stats.ArticlesOf("brisk"), 1);
}

class StateFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    folder_ =
        std::filesystem::temp_directory_path() /
        absl::StrCat(
            "clean_state_test_", getpid(), "_",
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(folder_);
    std::filesystem::create_directories(folder_);
  }
  void TearDown() override { std::filesystem::remove_all(folder_); }

  std::string Path(const std::string& name) const {
    return (folder_ / name).string();
  }
  size_t FileCount() const {
    size_t count = 0;
    for (const auto& entry : std::filesystem::directory_iterator(folder_)) {
      (void)entry;
      ++count;
    }
    return count;
  }

  std::filesystem::path folder_;
};

TEST_F(StateFileTest, SavesAndLoadsTheStatistics) {
  LineStats stats;
  for (int n = 0; n < 2; ++n) CleanWith(&stats, StoryArticle("tidewater", n));
  EXPECT_TRUE(stats.dirty());
  ASSERT_TRUE(stats.Save(Path("clean.state")).ok());
  EXPECT_FALSE(stats.dirty());
  EXPECT_EQ(FileCount(), 1u);  // no temporary file left behind

  LineStats restarted;
  ASSERT_TRUE(restarted.Load(Path("clean.state")).ok());
  EXPECT_EQ(restarted.ArticlesOf("tidewater"), 2);
  // The third article after the restart is the third one seen.
  v1::Article third = CleanWith(&restarted, StoryArticle("tidewater", 2));
  EXPECT_FALSE(BodyHas(third, kFooter));
  // Articles counted before the restart are not counted again.
  CleanWith(&restarted, StoryArticle("tidewater", 0));
  EXPECT_EQ(restarted.ArticlesOf("tidewater"), 3);
}

TEST_F(StateFileTest, MissingFileIsAFreshStartAndGarbageIsAnError) {
  LineStats stats;
  EXPECT_TRUE(stats.Load(Path("absent.state")).ok());
  EXPECT_EQ(stats.source_count(), 0u);
  std::ofstream(Path("garbage.state")) << "not a state file at all";
  absl::Status status = stats.Load(Path("garbage.state"));
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(status.message()), HasSubstr("garbage.state"));
  EXPECT_FALSE(LineStats().Save(Path("no/such/folder/x.state")).ok());
}

// A host that keeps what the stage emits.
class RecordingHost {
 public:
  RecordingHost() {
    host_.struct_size = sizeof(nf_host);
    host_.context = this;
    host_.emit = [](void* context, const void* data, size_t size) {
      v1::Article article;
      article.ParseFromArray(data, static_cast<int>(size));
      static_cast<RecordingHost*>(context)->emitted.push_back(article);
      return NF_OK;
    };
    host_.log = [](void*, nf_log_level, const char*) {};
    host_.reject = [](void*, const char*, const char*, const void*, size_t) {};
  }
  const nf_host* host() const { return &host_; }
  std::vector<v1::Article> emitted;

 private:
  nf_host host_{};
};

void* CreateStage(const std::string& options, RecordingHost* host,
                  std::string* error_text = nullptr) {
  char message[512] = {};
  nf_error error{message, sizeof(message)};
  void* instance =
      kCleanStageType.create(options.c_str(), host->host(), &error);
  if (error_text != nullptr) *error_text = message;
  return instance;
}

void Process(void* instance, const v1::Article& article) {
  std::string bytes = article.SerializeAsString();
  char message[256] = {};
  nf_error error{message, sizeof(message)};
  ASSERT_EQ(
      kCleanStageType.process(instance, bytes.data(), bytes.size(), &error),
      NF_OK)
      << message;
}

TEST_F(StateFileTest, StageKeepsWhatItLearnedAcrossARestart) {
  const std::string options =
      absl::StrCat(R"({"state_path": ")", Path("clean.state"), R"("})");
  RecordingHost host;
  void* first = CreateStage(options, &host);
  ASSERT_NE(first, nullptr);
  Process(first, StoryArticle("tidewater", 0));
  Process(first, StoryArticle("tidewater", 1));
  char message[256] = {};
  nf_error error{message, sizeof(message)};
  ASSERT_EQ(kCleanStageType.flush(first, &error), NF_OK) << message;
  kCleanStageType.destroy(first);
  ASSERT_TRUE(std::filesystem::exists(Path("clean.state")));

  void* second = CreateStage(options, &host);
  ASSERT_NE(second, nullptr);
  Process(second, StoryArticle("tidewater", 2));
  kCleanStageType.destroy(second);
  ASSERT_EQ(host.emitted.size(), 3u);
  EXPECT_TRUE(BodyHas(host.emitted[1], kFooter));
  EXPECT_FALSE(BodyHas(host.emitted[2], kFooter));
  EXPECT_THAT(host.emitted[2].removed(),
              Contains(testing::Property(&v1::RemovedLine::text,
                                         std::string(kFooter))));
}

TEST_F(StateFileTest, StageSavesPeriodicallyAndRejectsABadStateFile) {
  RecordingHost host;
  void* stage =
      CreateStage(absl::StrCat(R"({"state_path": ")", Path("clean.state"),
                               R"(", "state_save_every": 2})"),
                  &host);
  ASSERT_NE(stage, nullptr);
  Process(stage, StoryArticle("tidewater", 0));
  EXPECT_FALSE(std::filesystem::exists(Path("clean.state")));
  Process(stage, StoryArticle("tidewater", 1));
  EXPECT_TRUE(std::filesystem::exists(Path("clean.state")));
  kCleanStageType.destroy(stage);

  std::ofstream(Path("bad.state")) << "garbage";
  std::string error;
  EXPECT_EQ(CreateStage(
                absl::StrCat(R"({"state_path": ")", Path("bad.state"), R"("})"),
                &host, &error),
            nullptr);
  EXPECT_THAT(error, HasSubstr("bad.state"));
  for (const char* bad :
       {R"({"state_save_every": 0})", R"({"repeated_line_min_articles": 1})",
        R"({"quotes": "fancy"})", R"({"default_utc_offset": "+25:00"})",
        R"({"vocabulary_path": "/nonexistent/words"})"}) {
    EXPECT_EQ(CreateStage(bad, &host, &error), nullptr) << bad;
    EXPECT_THAT(error, HasSubstr("invalid options")) << bad;
  }
}

}  // namespace
}  // namespace clean
}  // namespace newsflow
