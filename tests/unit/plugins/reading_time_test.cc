#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "plugins/reading_time/readability.h"
#include "plugins/reading_time/reading_time_stage.h"
#include "reading_time_options.pb.h"
#include "tests/unit/plugins/stage_driver.h"

namespace newsflow::plugins::reading_time {
namespace {

using ::newsflow::testing::StageDriver;
using ::testing::Contains;
using ::testing::Key;
using ::testing::Not;

TEST(CountSyllablesTest, FollowsEnglishSpelling) {
  EXPECT_EQ(CountSyllables("cat"), 1);
  EXPECT_EQ(CountSyllables("the"), 1);
  EXPECT_EQ(CountSyllables("make"), 1);    // silent e
  EXPECT_EQ(CountSyllables("makes"), 1);   // silent -es
  EXPECT_EQ(CountSyllables("boxes"), 2);   // sounded -es
  EXPECT_EQ(CountSyllables("jumped"), 1);  // silent -ed
  EXPECT_EQ(CountSyllables("wanted"), 2);  // sounded -ed
  EXPECT_EQ(CountSyllables("table"), 2);   // consonant + le
  EXPECT_EQ(CountSyllables("reading"), 2);
  EXPECT_EQ(CountSyllables("beautiful"), 3);
  EXPECT_EQ(CountSyllables("yesterday"), 3);  // leading y is a consonant
  EXPECT_EQ(CountSyllables("organization"), 5);
}

TEST(CountSyllablesTest, HandlesPunctuationCompoundsAndNonWords) {
  EXPECT_EQ(CountSyllables("\"Harbour,\""), 2);
  EXPECT_EQ(CountSyllables("well-known"), 2);
  EXPECT_EQ(CountSyllables("don't"), 1);
  EXPECT_EQ(CountSyllables("2026"), 1);
  EXPECT_EQ(CountSyllables("Женева"), 1);
}

TEST(MeasureTextTest, CountsASimpleSentence) {
  TextStats stats = MeasureText("The cat sat on the mat.");
  EXPECT_EQ(stats.words, 6);
  EXPECT_EQ(stats.sentences, 1);
  EXPECT_EQ(stats.syllables, 6);
}

TEST(MeasureTextTest, AbbreviationsAndInitialsDoNotEndSentences) {
  TextStats stats = MeasureText(
      "Mr. Lind met Dr. A. Okafor in the U.S. on Monday. They talked "
      "for an hour! Was it enough?");
  EXPECT_EQ(stats.words, 19);
  EXPECT_EQ(stats.sentences, 3);
}

TEST(MeasureTextTest, ParagraphsEndSentencesAndQuotesAreSkipped) {
  TextStats stats = MeasureText(
      "Storm warning for the coast\n\n\xE2\x80\x9CStay home.\xE2\x80\x9D "
      "The mayor said so \xE2\x80\x94 twice.\nThen she left");
  // The em dash is no word; the line break inside a paragraph ends nothing.
  EXPECT_EQ(stats.words, 15);
  EXPECT_EQ(stats.sentences, 4);
}

TEST(MeasureTextTest, QuotedAbbreviationsStillDoNotEndSentences) {
  TextStats stats = MeasureText(
      "She said \xE2\x80\x9CMr. Lind agrees\xE2\x80\x9D and (Dr. Okafor) "
      "too.");
  EXPECT_EQ(stats.words, 9);
  EXPECT_EQ(stats.sentences, 1);
}

TEST(MeasureTextTest, UnicodeSpacesSeparateWords) {
  // U+00A0 no-break space, U+2009 thin space.
  TextStats stats = MeasureText(
      "caf\xC3\xA9\xC2\xA0na\xC3\xAFve\xE2\x80\x89"
      "d\xC3\xA9j\xC3\xA0");
  EXPECT_EQ(stats.words, 3);
}

TEST(MeasureTextTest, EmptyTextHasNothing) {
  TextStats stats = MeasureText(" \n\n \xE2\x80\x94 ");
  EXPECT_EQ(stats.words, 0);
  EXPECT_EQ(stats.sentences, 0);
}

TEST(ReadingMinutesTest, RoundsUpWithAMinuteForAnyText) {
  EXPECT_EQ(ReadingMinutes(0, 230), 0);
  EXPECT_EQ(ReadingMinutes(1, 230), 1);
  EXPECT_EQ(ReadingMinutes(230, 230), 1);
  EXPECT_EQ(ReadingMinutes(231, 230), 2);
  EXPECT_EQ(ReadingMinutes(1000, 100), 10);
}

TEST(FleschReadingEaseTest, FollowsTheFormula) {
  // 206.835 - 1.015 * 6 - 84.6 * 1
  EXPECT_DOUBLE_EQ(FleschReadingEase(MeasureText("The cat sat on the mat.")),
                   116.145);
  double plain = FleschReadingEase(MeasureText(
      "The port is open again. Ships came in at dawn. The men went back to "
      "work."));
  double dense = FleschReadingEase(MeasureText(
      "Negotiators representing the municipal administration characterized "
      "the preliminary reconciliation framework as fundamentally "
      "unsatisfactory, notwithstanding considerable institutional "
      "encouragement."));
  EXPECT_GT(plain, 80);
  EXPECT_LT(dense, 0);
}

TEST(EnglishOrUnknownTest, AcceptsEnglishVariantsAndUnknown) {
  EXPECT_TRUE(EnglishOrUnknown(""));
  EXPECT_TRUE(EnglishOrUnknown("en"));
  EXPECT_TRUE(EnglishOrUnknown("EN-gb"));
  EXPECT_FALSE(EnglishOrUnknown("de"));
  EXPECT_FALSE(EnglishOrUnknown("eng"));
}

// --- the stage, through its C ABI --------------------------------------

// `words` words in sentences of five.
std::string Body(int words) {
  std::string body;
  for (int i = 1; i <= words; ++i) {
    absl::StrAppend(&body, "word", i % 5 == 0 ? ". " : " ");
  }
  return body;
}

v1::Article MakeArticle(const std::string& language, const std::string& body) {
  v1::Article article;
  article.set_id("a1");
  article.set_language(language);
  article.set_body(body);
  return article;
}

TEST(ReadingTimeStageTest, SchemaListsEveryOptionOfTheOptionsProto) {
  EXPECT_EQ(testing::SchemaOptionNames(kReadingTimeStageType),
            testing::OptionsProtoFieldNames(*ReadingTimeOptions::descriptor()));
  EXPECT_EQ(kReadingTimeStageType.kind, NF_STAGE_TRANSFORM);
}

TEST(ReadingTimeStageTest, AddsCountsMinutesAndScore) {
  StageDriver driver(kReadingTimeStageType);
  ASSERT_TRUE(driver.Create(R"({"words_per_minute": 230})").ok());
  ASSERT_TRUE(driver.Process(MakeArticle("en", Body(461))).ok());
  ASSERT_EQ(driver.emitted().size(), 1u);
  const auto& metadata = driver.emitted()[0].metadata();
  EXPECT_EQ(metadata.at("word_count"), "461");
  EXPECT_EQ(metadata.at("reading_minutes"), "3");
  // 93 sentences (the last one unfinished), 1 syllable per word:
  // 206.835 - 1.015 * 461 / 93 - 84.6 = 117.2
  EXPECT_EQ(metadata.at("flesch_reading_ease"), "117.2");
}

TEST(ReadingTimeStageTest, ScoresOnlyEnglishOrUnknownLanguages) {
  StageDriver driver(kReadingTimeStageType);
  ASSERT_TRUE(driver.Create("{}").ok());
  v1::Article german = MakeArticle("de", "Der Hafen ist wieder offen.");
  (*german.mutable_metadata())["flesch_reading_ease"] = "55.0";  // stale
  ASSERT_TRUE(driver.Process(german).ok());
  ASSERT_TRUE(driver.Process(MakeArticle("", "The port is open.")).ok());
  ASSERT_TRUE(driver.Process(MakeArticle("en", "")).ok());
  ASSERT_EQ(driver.emitted().size(), 3u);
  EXPECT_EQ(driver.emitted()[0].metadata().at("word_count"), "5");
  EXPECT_EQ(driver.emitted()[0].metadata().at("reading_minutes"), "1");
  EXPECT_THAT(driver.emitted()[0].metadata(),
              Not(Contains(Key("flesch_reading_ease"))));
  EXPECT_THAT(driver.emitted()[1].metadata(),
              Contains(Key("flesch_reading_ease")));
  EXPECT_EQ(driver.emitted()[2].metadata().at("word_count"), "0");
  EXPECT_EQ(driver.emitted()[2].metadata().at("reading_minutes"), "0");
  EXPECT_THAT(driver.emitted()[2].metadata(),
              Not(Contains(Key("flesch_reading_ease"))));
}

TEST(ReadingTimeStageTest, WordsPerMinuteIsAnOption) {
  StageDriver driver(kReadingTimeStageType);
  ASSERT_TRUE(driver.Create(R"({"words_per_minute": 100})").ok());
  ASSERT_TRUE(driver.Process(MakeArticle("en", Body(450))).ok());
  EXPECT_EQ(driver.emitted()[0].metadata().at("reading_minutes"), "5");
}

TEST(ReadingTimeStageTest, RefusesBadOptions) {
  StageDriver zero(kReadingTimeStageType);
  EXPECT_EQ(zero.Create(R"({"words_per_minute": 0})").message(),
            "invalid options: words_per_minute: must be at least 1, got 0");
  StageDriver text(kReadingTimeStageType);
  EXPECT_THAT(
      std::string(text.Create(R"({"words_per_minute": "fast"})").message()),
      ::testing::StartsWith("invalid options: "));
}

}  // namespace
}  // namespace newsflow::plugins::reading_time
