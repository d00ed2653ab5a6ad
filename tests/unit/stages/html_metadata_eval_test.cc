// The metadata table's scoring (stages/ingest/html/metadata_eval.h): truth
// read from JSON-LD, JSON-LD blanked, and the matching rules per field.
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "stages/ingest/html/metadata_eval.h"

namespace newsflow::html {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kPage[] = R"(<html><head>
<script type="application/ld+json">{"@type": "WebSite", "name": "Gazette"}</script>
<SCRIPT TYPE="Application/LD+JSON">{"@graph": [{"@type": "BreadcrumbList"},
 {"@type": ["NewsArticle"], "headline": "Ferry runs again &amp; on time",
  "datePublished": "2024-03-05T23:30:00-05:00",
  "author": [{"@type": "Person", "name": "Ada  Quill"}, "Ben Moor"]}]}</SCRIPT>
<script>var x = 1;</script>
</head><body><h1>Ferry runs again</h1></body></html>)";

TEST(MetadataEvalTest, ReadsTheArticleObjectInsideAGraph) {
  MetadataTruth truth = ReadJsonLdTruth(kPage);
  EXPECT_TRUE(truth.found);
  EXPECT_EQ(truth.headline, "Ferry runs again &amp; on time");
  EXPECT_EQ(truth.date_published, "2024-03-05T23:30:00-05:00");
  EXPECT_THAT(truth.authors, ElementsAre("Ada  Quill", "Ben Moor"));
  EXPECT_FALSE(ReadJsonLdTruth("<p>no json-ld</p>").found);
  EXPECT_FALSE(ReadJsonLdTruth(R"(<script type="application/ld+json">
      {"@type": "Recipe", "headline": "Soup"}</script>)")
                   .found);
}

TEST(MetadataEvalTest, BlanksEveryJsonLdScriptAndNothingElse) {
  std::string blanked = BlankJsonLd(kPage);
  EXPECT_THAT(blanked, Not(HasSubstr("ld+json")));
  EXPECT_THAT(blanked, Not(HasSubstr("LD+JSON")));
  EXPECT_THAT(blanked, Not(HasSubstr("Ada")));
  EXPECT_THAT(blanked, HasSubstr("<script>var x = 1;</script>"));
  EXPECT_THAT(blanked, HasSubstr("<h1>Ferry runs again</h1>"));
  EXPECT_FALSE(ReadJsonLdTruth(blanked).found);
  EXPECT_EQ(BlankJsonLd("<p>a</p><script type='application/ld+json'>{"),
            "<p>a</p>");
}

TEST(MetadataEvalTest, TitlesMatchOnLettersAndDigitsOnly) {
  EXPECT_TRUE(TitleMatches("Ferry runs again &amp; on time",
                           "FERRY RUNS AGAIN & ON TIME."));
  EXPECT_TRUE(TitleMatches("Café “reopens”", "cafe \"reopens\""));
  EXPECT_FALSE(TitleMatches("Ferry runs again & on time", "Ferry runs again"));
  EXPECT_FALSE(TitleMatches("", ""));
}

TEST(MetadataEvalTest, DatesMatchOnTheWrittenOrTheUtcDay) {
  const char* truth = "2024-03-05T23:30:00-05:00";
  EXPECT_TRUE(DateMatches(truth, "2024-03-06T04:30:00Z"));  // UTC day
  EXPECT_TRUE(DateMatches(truth, "2024-03-05"));            // written day
  EXPECT_FALSE(DateMatches(truth, "2024-03-04"));
  EXPECT_FALSE(DateMatches(truth, ""));
  EXPECT_FALSE(DateMatches("5 March 2024", "2024-03-05"));
}

TEST(MetadataEvalTest, FirstAuthorMustBeOneOfTheTruths) {
  EXPECT_TRUE(AuthorMatches({"Ada  Quill", "Ben Moor"}, {"ben moor"}));
  EXPECT_TRUE(AuthorMatches({"Ada  Quill"}, {"ADA QUILL", "Someone"}));
  EXPECT_FALSE(AuthorMatches({"Ada Quill"}, {"Someone", "Ada Quill"}));
  EXPECT_FALSE(AuthorMatches({"Ada Quill"}, {}));
  EXPECT_FALSE(AuthorMatches({"By Ada Quill, Staff Writer"}, {"Ada Quill"}));
  EXPECT_TRUE(
      AuthorMatches({"By Ada Quill, Staff Writer"}, {"Ada Quill"}, true));
  EXPECT_TRUE(AuthorMatches({"Ada Quill"}, {"Ada Quill | Gazette"}, true));
  EXPECT_FALSE(AuthorMatches({"Ada Quill"}, {"Ben Moor, Ada Quill"}, true));
}

}  // namespace
}  // namespace newsflow::html
