// The shipped examples give the answers examples/articles/README.md says
// they give: the demo pipeline (real runner, real stage processes) is run
// on examples/articles and its store is read back.
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "tests/integration/harness.h"

namespace newsflow::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// The README's claims are spelled out here; the test first checks that the
// README still makes them, so that the two cannot drift apart unnoticed.
constexpr const char* kReadmeClaims[] = {
    "01, 02 and 07",
    "03 and 04",
    "Zelensky",
    "Zelenskyy",
    "Zelenskiy",
    "U.N.",
    "UN",
    "United Nations",
    "Arkady",
    "Arkadiy Voronin",
};

// Site chrome the README lists as mixed into the examples.
constexpr const char* kChrome[] = {
    "Sign in to unlock member-only benefits!",
    "Share this article",
    "Click here for full coverage",
    "(EFE, AFP)",
    "\xC2\xA9",  // ©
    "Photo:",
    "download our app",
    "Follow us on",
    "Read more",
    "Privacy | Terms",
    "All rights reserved",
};

class ExamplesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string readme =
        ReadFile(SourceDir() + "/examples/articles/README.md");
    for (const char* claim : kReadmeClaims) {
      ASSERT_THAT(readme, HasSubstr(claim))
          << "examples/articles/README.md no longer says this; update "
             "examples_test.cc with it";
    }
    const std::string config = dir_.Write(
        "pipeline.yaml",
        absl::StrCat("pipeline: examples\nrun_dir: ", dir_.path(),
                     "/run\nstages:\n"
                     "  ingest: { type: ingest, paths: [",
                     SourceDir(),
                     "/examples/articles] }\n"
                     "  clean:  { type: clean, inputs: [ingest] }\n"
                     "  tag:    { type: tag, inputs: [clean] }\n"
                     "  store:  { type: store, inputs: [tag], path: ",
                     Db(), " }\n"));
    CommandResult run = RunCommand({NewsflowBinary(), "run", config, "--once"},
                                   absl::Seconds(180));
    ASSERT_EQ(run.exit_code, 0) << run.err;
    for (v1::Article& article : StoredArticles(Db())) {
      const std::string key = KeyOf(article);
      ASSERT_FALSE(key.empty()) << article.url();
      ASSERT_EQ(articles_.count(key), 0u) << key;
      articles_[key] = std::move(article);
    }
  }

  std::string Db() const { return dir_.path() + "/news.db"; }

  // "01" .. "08" from the file name; "09.1", "09.2" for the lines of
  // 09-short-briefs.jsonl.
  static std::string KeyOf(const v1::Article& article) {
    auto path = article.metadata().find("path");
    if (path == article.metadata().end()) return "";
    std::string name = path->second.substr(path->second.rfind('/') + 1);
    std::string key = name.substr(0, 2);
    auto line = article.metadata().find("line");
    if (line != article.metadata().end())
      absl::StrAppend(&key, ".", line->second);
    return key;
  }

  const v1::Article& Get(const std::string& key) {
    static const v1::Article kEmpty;
    auto it = articles_.find(key);
    if (it == articles_.end()) {
      ADD_FAILURE() << "no stored article " << key;
      return kEmpty;
    }
    return it->second;
  }

  // canonical_ids of the entities of `key` spelled as one of `spellings`.
  std::set<std::string> IdsOf(const std::string& key,
                              const std::set<std::string>& spellings) {
    std::set<std::string> ids;
    for (const v1::Entity& entity : Get(key).entities()) {
      bool spelled = spellings.count(entity.text()) > 0;
      for (const std::string& alias : entity.aliases()) {
        spelled = spelled || spellings.count(alias) > 0;
      }
      if (spelled) ids.insert(entity.canonical_id());
    }
    return ids;
  }

  TempDir dir_;
  std::map<std::string, v1::Article> articles_;
};

TEST_F(ExamplesTest, StoriesGroupWhatTheReadmeGroups) {
  ASSERT_EQ(articles_.size(), 10u);
  const std::string geneva = Get("01").story_id();
  const std::string antwerp = Get("03").story_id();
  ASSERT_FALSE(geneva.empty());
  ASSERT_FALSE(antwerp.empty());
  EXPECT_EQ(Get("02").story_id(), geneva);
  EXPECT_EQ(Get("07").story_id(), geneva);
  EXPECT_EQ(Get("04").story_id(), antwerp);
  EXPECT_NE(geneva, antwerp);
  // The storm, the science story, the marathon and the two briefs: each
  // alone.
  std::set<std::string> seen = {geneva, antwerp};
  for (const char* key : {"05", "06", "08", "09.1", "09.2"}) {
    EXPECT_TRUE(seen.insert(Get(key).story_id()).second)
        << key << " shares a story with another article";
  }
}

TEST_F(ExamplesTest, SpellingVariantsAreOneEntity) {
  const std::vector<std::set<std::string>> variants = {
      {"Zelensky", "Zelenskyy", "Zelenskiy", "Volodymyr Zelensky",
       "Volodymyr Zelenskyy", "Volodymyr Zelenskiy"},
      {"U.N.", "UN", "United Nations"},
      {"Arkady Voronin", "Arkadiy Voronin", "Voronin"},
  };
  for (const std::set<std::string>& spellings : variants) {
    std::set<std::string> ids;
    for (const char* key : {"01", "02", "07"}) {
      std::set<std::string> found = IdsOf(key, spellings);
      EXPECT_FALSE(found.empty())
          << key << " names none of " << *spellings.begin();
      ids.insert(found.begin(), found.end());
    }
    EXPECT_EQ(ids.size(), 1u)
        << *spellings.begin() << " has " << ids.size() << " identities";
  }
}

TEST_F(ExamplesTest, BylinesAndDatesLeaveTheBody) {
  const v1::Article& dockers = Get("04");
  EXPECT_EQ(dockers.byline(), "Elise Janssens");
  EXPECT_TRUE(absl::StartsWith(dockers.published_at(), "2026-03-09"))
      << dockers.published_at();
  EXPECT_THAT(dockers.body(), Not(HasSubstr("Elise Janssens")));
  EXPECT_THAT(dockers.body(), Not(HasSubstr("Published 9 March")));
  std::map<std::string, std::string> removed;
  for (const v1::RemovedLine& line : dockers.removed()) {
    removed[line.text()] = line.reason();
  }
  EXPECT_EQ(removed["By Elise Janssens, Labour Reporter"], "byline");
  EXPECT_EQ(removed["Published 9 March 2026, 14:05"], "date-stamp");

  // A writer's role is not an entity, anywhere.
  for (const auto& [key, article] : articles_) {
    for (const v1::Entity& entity : article.entities()) {
      EXPECT_THAT(entity.canonical(), Not(HasSubstr("Reporter"))) << key;
      EXPECT_THAT(entity.canonical(), Not(HasSubstr("Correspondent"))) << key;
      EXPECT_THAT(entity.canonical(), Not(HasSubstr("Editor"))) << key;
    }
  }
  // Every stated date is read: 02 ("March 3, 2026 | GENEVA:"), 03, 04, 05,
  // 07, 08 and the briefs.
  for (const char* key : {"02", "03", "04", "05", "07", "08", "09.1", "09.2"}) {
    EXPECT_TRUE(absl::StartsWith(Get(key).published_at(), "2026-03-"))
        << key << ": \"" << Get(key).published_at() << "\"";
  }
}

TEST_F(ExamplesTest, ChromeAndPrintBreaksAreGone) {
  for (const auto& [key, article] : articles_) {
    for (const char* chrome : kChrome) {
      EXPECT_THAT(article.body(), Not(HasSubstr(chrome))) << key;
    }
    for (absl::string_view paragraph : absl::StrSplit(article.body(), "\n\n")) {
      EXPECT_NE(paragraph, "Advertisement") << key;
      EXPECT_FALSE(absl::EndsWith(paragraph, " comments")) << key;
    }
  }
  EXPECT_THAT(Get("05").body(), HasSubstr("regional government"));
  EXPECT_THAT(Get("05").body(), HasSubstr("emergency coordination"));
  EXPECT_THAT(Get("06").body(), HasSubstr("well-known"));
}

TEST_F(ExamplesTest, StoriesSpanTheDatesTheArticlesState) {
  CommandResult stories =
      RunCommand({NewsflowBinary(), "stories", Db(), "--json"});
  ASSERT_EQ(stories.exit_code, 0) << stories.err;
  std::map<std::string, google::protobuf::Struct> by_id;
  for (absl::string_view line : absl::StrSplit(stories.out, '\n')) {
    if (line.empty()) continue;
    google::protobuf::Struct story;
    ASSERT_TRUE(
        google::protobuf::util::JsonStringToMessage(std::string(line), &story)
            .ok())
        << line;
    by_id[story.fields().at("id").string_value()] = story;
  }
  // 01 states no date; the story's span still comes from 02 and 07's.
  const google::protobuf::Struct& geneva = by_id[Get("01").story_id()];
  EXPECT_EQ(geneva.fields().at("first_seen").string_value().substr(0, 10),
            "2026-03-03");
  EXPECT_EQ(geneva.fields().at("last_seen").string_value().substr(0, 10),
            "2026-03-03");
  const google::protobuf::Struct& antwerp = by_id[Get("03").story_id()];
  EXPECT_EQ(antwerp.fields().at("first_seen").string_value().substr(0, 10),
            "2026-03-09");
  EXPECT_EQ(antwerp.fields().at("last_seen").string_value().substr(0, 10),
            "2026-03-09");
}

}  // namespace
}  // namespace newsflow::testing
