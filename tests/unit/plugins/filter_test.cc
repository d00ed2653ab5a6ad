#include <string>
#include <vector>

#include "filter_options.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "plugins/filter/article_filter.h"
#include "plugins/filter/filter_stage.h"
#include "tests/unit/plugins/stage_driver.h"

namespace newsflow::plugins::filter {
namespace {

using ::newsflow::testing::StageDriver;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

google::protobuf::Value Json(const std::string& json) {
  google::protobuf::Value value;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(json, &value).ok())
      << json;
  return value;
}

// The error text of a filter built from JSON rule lists, "" if it builds.
std::string ErrorOf(const std::string& keep, const std::string& drop = "[]") {
  absl::StatusOr<ArticleFilter> filter =
      ArticleFilter::Create(Json(keep), Json(drop));
  return filter.ok() ? "" : std::string(filter.status().message());
}

ArticleFilter FilterOrDie(const std::string& keep,
                          const std::string& drop = "[]") {
  absl::StatusOr<ArticleFilter> filter =
      ArticleFilter::Create(Json(keep), Json(drop));
  EXPECT_TRUE(filter.ok()) << filter.status();
  return *std::move(filter);
}

v1::Article MakeArticle(const std::string& id, const std::string& language,
                        const std::string& title) {
  v1::Article article;
  article.set_id(id);
  article.set_language(language);
  article.set_title(title);
  article.set_source("files");
  return article;
}

bool Keeps(const ArticleFilter& filter, const v1::Article& article) {
  return filter.Decide(article).keep;
}

TEST(FilterRuleTest, EqualsComparesExactly) {
  ArticleFilter filter =
      FilterOrDie(R"([{"field": "language", "equals": "en"}])");
  EXPECT_TRUE(Keeps(filter, MakeArticle("1", "en", "")));
  EXPECT_FALSE(Keeps(filter, MakeArticle("2", "EN", "")));
  EXPECT_FALSE(Keeps(filter, MakeArticle("3", "eng", "")));
}

TEST(FilterRuleTest, MatchesSearchesWithRe2) {
  ArticleFilter filter =
      FilterOrDie(R"([{"field": "title", "matches": "(?i)cease-?fire"}])");
  EXPECT_TRUE(Keeps(filter, MakeArticle("1", "en", "Talks on a Ceasefire")));
  EXPECT_TRUE(Keeps(filter, MakeArticle("2", "en", "cease-fire holds")));
  EXPECT_FALSE(Keeps(filter, MakeArticle("3", "en", "Fire at the docks")));
}

TEST(FilterRuleTest, ContainsIsMembershipForListsAndSubstringForText) {
  v1::Article article = MakeArticle("1", "en", "Oil prices climb");
  article.add_keywords("oil");
  article.add_keywords("opec");
  EXPECT_TRUE(Keeps(
      FilterOrDie(R"([{"field": "keywords", "contains": "oil"}])"), article));
  EXPECT_FALSE(Keeps(
      FilterOrDie(R"([{"field": "keywords", "contains": "pec"}])"), article));
  EXPECT_TRUE(Keeps(
      FilterOrDie(R"([{"field": "title", "contains": "prices"}])"), article));
}

TEST(FilterRuleTest, EntityFieldsMatchAnyEntity) {
  v1::Article article = MakeArticle("1", "en", "");
  v1::Entity* first = article.add_entities();
  first->set_text("Arkadiy Voronin");
  first->set_canonical("Arkady Voronin");
  first->set_type(v1::PERSON);
  first->add_aliases("Voronin");
  v1::Entity* second = article.add_entities();
  second->set_text("Geneva");
  second->set_canonical("Geneva");
  second->set_type(v1::LOC);
  EXPECT_TRUE(Keeps(FilterOrDie(R"([{"field": "entities.canonical",
                                     "equals": "Arkady Voronin"}])"),
                    article));
  EXPECT_TRUE(
      Keeps(FilterOrDie(R"([{"field": "entities.type", "equals": "LOC"}])"),
            article));
  EXPECT_TRUE(Keeps(FilterOrDie(R"([{"field": "entities.aliases",
                                     "contains": "Voronin"}])"),
                    article));
  EXPECT_FALSE(
      Keeps(FilterOrDie(R"([{"field": "entities.type", "equals": "ORG"}])"),
            article));
}

TEST(FilterRuleTest, InAndMetadata) {
  v1::Article article = MakeArticle("1", "en", "");
  (*article.mutable_metadata())["desk"] = "sport";
  EXPECT_TRUE(
      Keeps(FilterOrDie(R"([{"field": "source", "in": ["wire", "files"]}])"),
            article));
  EXPECT_FALSE(
      Keeps(FilterOrDie(R"([{"field": "source", "in": ["wire"]}])"), article));
  EXPECT_TRUE(
      Keeps(FilterOrDie(R"([{"field": "metadata.desk", "equals": "sport"}])"),
            article));
  // An absent key has no value, not an empty one.
  EXPECT_FALSE(
      Keeps(FilterOrDie(R"([{"field": "metadata.missing", "equals": ""}])"),
            article));
  EXPECT_TRUE(
      Keeps(FilterOrDie(R"([{"field": "byline", "equals": ""}])"), article));
}

TEST(FilterRuleTest, NumbersStandForTheirDigits) {
  v1::Article article = MakeArticle("1", "en", "");
  (*article.mutable_metadata())["year"] = "2026";
  EXPECT_TRUE(Keeps(
      FilterOrDie(R"([{"field": "metadata.year", "equals": 2026}])"), article));
  EXPECT_TRUE(
      Keeps(FilterOrDie(R"([{"field": "metadata.year", "in": [2025, 2026]}])"),
            article));
}

TEST(ArticleFilterTest, KeepsWhatMatchesAnyKeepRuleAndNoDropRule) {
  ArticleFilter filter = FilterOrDie(
      R"([{"field": "language", "equals": "en"},
          {"field": "language", "equals": "fr"}])",
      R"([{"field": "title", "matches": "(?i)horoscope"},
          {"field": "source", "equals": "spam"}])");
  EXPECT_TRUE(Keeps(filter, MakeArticle("1", "en", "Port strike ends")));
  EXPECT_TRUE(Keeps(filter, MakeArticle("2", "fr", "La grève est finie")));

  Decision unkept = filter.Decide(MakeArticle("3", "de", "Streik beendet"));
  EXPECT_FALSE(unkept.keep);
  EXPECT_EQ(unkept.drop_rule, -1);

  Decision dropped = filter.Decide(MakeArticle("4", "en", "Your HOROSCOPE"));
  EXPECT_FALSE(dropped.keep);
  EXPECT_EQ(dropped.drop_rule, 0);

  v1::Article spam = MakeArticle("5", "en", "Win now");
  spam.set_source("spam");
  EXPECT_EQ(filter.Decide(spam).drop_rule, 1);
}

TEST(ArticleFilterTest, NoRulesKeepEverything) {
  ArticleFilter filter = FilterOrDie("[]", "null");
  EXPECT_TRUE(Keeps(filter, MakeArticle("1", "", "")));
  ArticleFilter drop_only =
      FilterOrDie("[]", R"([{"field": "language", "equals": "de"}])");
  EXPECT_TRUE(Keeps(drop_only, MakeArticle("1", "en", "")));
  EXPECT_FALSE(Keeps(drop_only, MakeArticle("2", "de", "")));
}

TEST(ArticleFilterTest, RuleErrorsNameTheRule) {
  EXPECT_EQ(ErrorOf(R"([{"field": "language", "equals": "en"},
                        {"field": "titel", "equals": "x"}])"),
            "keep[1]: unknown field 'titel' (fields: " + FieldNames() + ")");
  EXPECT_EQ(ErrorOf("[]", R"([{"field": "title", "equal": "x"}])"),
            "drop[0]: unknown operator 'equal' (operators: equals, matches, "
            "contains, in)");
  EXPECT_EQ(ErrorOf(R"([{"field": "title"}])"),
            "keep[0]: needs an operator (equals, matches, contains, in)");
  EXPECT_EQ(ErrorOf(R"([{"equals": "en"}])"),
            "keep[0]: needs 'field' (one of " + FieldNames() + ")");
  EXPECT_EQ(ErrorOf(R"([{"field": "title", "equals": "a", "matches": "b"}])"),
            "keep[0]: has both 'equals' and 'matches'; write one operator per "
            "rule");
  EXPECT_EQ(ErrorOf("[]", R"([{"field": "title", "matches": "(truce"}])"),
            "drop[0]: invalid regular expression '(truce': missing ): (truce");
  EXPECT_EQ(ErrorOf(R"([{"field": "language", "equals": false}])"),
            "keep[0]: 'equals' got the boolean false; YAML reads unquoted "
            "yes/no/on/off/true/false as booleans, so quote the text you "
            "mean, e.g. \"no\"");
  EXPECT_EQ(ErrorOf(R"([{"field": "source", "in": "wire"}])"),
            "keep[0]: 'in' needs a non-empty list like [a, b], got a string");
  EXPECT_EQ(ErrorOf(R"(["language"])"),
            "keep[0]: expected a map like {field: language, equals: en}, got "
            "a string");
  EXPECT_EQ(ErrorOf(R"({"field": "language", "equals": "en"})"),
            "keep: expected a list of rules like [{field: language, equals: "
            "en}], got a map");
  EXPECT_EQ(
      ErrorOf(R"([{"field": "metadata.", "equals": "x"}])"),
      "keep[0]: unknown field 'metadata.' (fields: " + FieldNames() + ")");
}

// --- the stage, through its C ABI --------------------------------------

TEST(FilterStageTest, SchemaListsEveryOptionOfTheOptionsProto) {
  EXPECT_EQ(testing::SchemaOptionNames(kFilterStageType),
            testing::OptionsProtoFieldNames(*FilterOptions::descriptor()));
  EXPECT_EQ(kFilterStageType.kind, NF_STAGE_TRANSFORM);
  StageDriver driver(kFilterStageType);
  EXPECT_TRUE(driver.Create(R"({"keep": [], "drop": []})").ok());
}

TEST(FilterStageTest, EmitsKeptArticlesAndLogsASummaryOnFlush) {
  StageDriver driver(kFilterStageType);
  ASSERT_TRUE(driver
                  .Create(R"({"keep": [{"field": "language", "equals": "en"}],
                              "drop": [{"field": "title",
                                        "matches": "(?i)ceasefire"}]})")
                  .ok());
  for (const v1::Article& article :
       {MakeArticle("a", "en", "Port strike ends"),
        MakeArticle("b", "en", "Ceasefire talks resume"),
        MakeArticle("c", "fr", "La grève est finie"),
        MakeArticle("d", "en", "Storm closes the coast road"),
        MakeArticle("e", "en", "New CEASEFIRE proposal")}) {
    ASSERT_TRUE(driver.Process(article).ok());
  }
  std::vector<std::string> ids;
  for (const auto& article : driver.emitted()) ids.push_back(article.id());
  EXPECT_THAT(ids, ElementsAre("a", "d"));

  EXPECT_THAT(driver.logs(), IsEmpty());
  ASSERT_TRUE(driver.Flush().ok());
  ASSERT_EQ(driver.logs().size(), 1u);
  EXPECT_EQ(driver.logs()[0].first, NF_LOG_DEBUG);
  EXPECT_EQ(driver.logs()[0].second,
            "filter: kept 2, dropped 3 (1 matched no keep rule; 2 by drop[0] "
            "title matches \"(?i)ceasefire\")");
  // Nothing new since: no new summary.
  ASSERT_TRUE(driver.Flush().ok());
  EXPECT_EQ(driver.logs().size(), 1u);
}

TEST(ArticleFilterTest, FieldsReadAreTheTopLevelFieldsOfItsRules) {
  EXPECT_THAT(FilterOrDie("[]").FieldsRead(), IsEmpty());
  EXPECT_THAT(FilterOrDie(R"([{"field": "language", "equals": "en"},
                      {"field": "entities.canonical", "equals": "Oslo"}])",
                          R"([{"field": "metadata.desk", "equals": "sport"},
                      {"field": "entities.type", "equals": "LOC"},
                      {"field": "language", "equals": "de"}])")
                  .FieldsRead(),
              ElementsAre(v1::Article::kLanguageFieldNumber,
                          v1::Article::kEntitiesFieldNumber,
                          v1::Article::kMetadataFieldNumber));
}

TEST(FilterStageTest, KeptArticlesGoOnAsTheBytesTheyCameIn) {
  StageDriver driver(kFilterStageType);
  ASSERT_TRUE(
      driver.Create(R"({"keep": [{"field": "title", "matches": "Tram"}]})")
          .ok());
  // Fields out of number order and a field this schema does not know:
  // parsing and serializing again would reorder the first and could drop
  // the second; a kept article must pass on exactly as it came.
  v1::Article title;
  title.set_title("Tram line reopens");
  v1::Article rest = MakeArticle("tram", "en", "");
  rest.clear_title();
  rest.set_body("The night tram runs again from Monday.");
  rest.add_trace()->set_stage("ingest");
  const std::string unknown_field("\xa2\x06\x03new", 6);  // field 100
  const std::string kept =
      rest.SerializeAsString() + title.SerializeAsString() + unknown_field;
  title.set_title("Ferry timetable");
  const std::string dropped =
      rest.SerializeAsString() + title.SerializeAsString();

  ASSERT_TRUE(driver.ProcessBytes(kept).ok());
  ASSERT_TRUE(driver.ProcessBytes(dropped).ok());
  ASSERT_EQ(driver.emitted_bytes().size(), 1u);
  EXPECT_EQ(driver.emitted_bytes()[0], kept);

  EXPECT_EQ(std::string(driver.ProcessBytes("\x0a\x09short").message()),
            "input is not a valid newsflow.v1.Article");
}

TEST(FilterStageTest, BadRulesFailCreateNamingTheRule) {
  StageDriver driver(kFilterStageType);
  absl::Status status = driver.Create(
      R"({"keep": [], "drop": [{"field": "language", "equals": "de"},
                               {"field": "mood", "equals": "grim"}]})");
  EXPECT_EQ(status.message(),
            "invalid options: drop[1]: unknown field 'mood' "
            "(fields: " +
                FieldNames() + ")");
  StageDriver typo(kFilterStageType);
  EXPECT_THAT(std::string(typo.Create(R"({"kept": []})").message()),
              ::testing::StartsWith("invalid options: "));
}

}  // namespace
}  // namespace newsflow::plugins::filter
