// The plugin SDK's ArticleInput (newsflow/stage.h): an input parsed only as
// far as a stage asks, each field once.
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "newsflow/stage.h"

namespace newsflow {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

v1::Article Sample() {
  v1::Article article;
  article.set_id("quay");
  article.set_title("Quay wall repaired");
  article.set_body("Masons finished the quay wall on Friday.");
  article.add_keywords("quay");
  article.add_keywords("masons");
  (*article.mutable_metadata())["desk"] = "city";
  article.add_trace()->set_stage("ingest");
  return article;
}

TEST(ArticleInputTest, FieldsParsesOnlyTheFieldsAskedFor) {
  const std::string bytes = Sample().SerializeAsString();
  ArticleInput input(bytes);
  absl::StatusOr<const v1::Article*> article =
      input.Fields({v1::Article::kTitleFieldNumber});
  ASSERT_TRUE(article.ok()) << article.status();
  EXPECT_EQ((*article)->title(), "Quay wall repaired");
  EXPECT_FALSE((*article)->has_id());
  EXPECT_FALSE((*article)->has_body());
  EXPECT_THAT((*article)->keywords(), IsEmpty());
  EXPECT_THAT((*article)->trace(), IsEmpty());
  EXPECT_EQ(input.bytes(), bytes);
}

TEST(ArticleInputTest, AFieldIsParsedOnceHoweverOftenItIsAskedFor) {
  const std::string bytes = Sample().SerializeAsString();
  ArticleInput input(bytes);
  ASSERT_TRUE(input.Fields({v1::Article::kKeywordsFieldNumber}).ok());
  absl::StatusOr<const v1::Article*> article = input.Fields(
      {v1::Article::kKeywordsFieldNumber, v1::Article::kMetadataFieldNumber});
  ASSERT_TRUE(article.ok());
  // Merged twice, a repeated field would hold its values twice.
  EXPECT_THAT((*article)->keywords(), ElementsAre("quay", "masons"));
  EXPECT_EQ((*article)->metadata().at("desk"), "city");
  absl::StatusOr<const v1::Article*> whole = input.Parsed();
  ASSERT_TRUE(whole.ok());
  EXPECT_EQ((*whole)->SerializeAsString(), bytes);
  EXPECT_EQ(*whole, *article);  // the same message, completed
}

TEST(ArticleInputTest, ARepeatedFieldSplitAcrossTheBytesIsReadWhole) {
  // A host appends its trace entry to the bytes, after every other field:
  // the values of one field need not be together.
  v1::Article first = Sample();
  v1::Article more;
  more.add_keywords("friday");
  more.add_trace()->set_stage("clean");
  const std::string bytes =
      first.SerializeAsString() + more.SerializeAsString();
  ArticleInput input(bytes);
  absl::StatusOr<const v1::Article*> article = input.Fields(
      {v1::Article::kKeywordsFieldNumber, v1::Article::kTraceFieldNumber});
  ASSERT_TRUE(article.ok());
  EXPECT_THAT((*article)->keywords(), ElementsAre("quay", "masons", "friday"));
  ASSERT_EQ((*article)->trace_size(), 2);
  EXPECT_EQ((*article)->trace(1).stage(), "clean");
  EXPECT_FALSE((*article)->has_title());
}

TEST(ArticleInputTest, FieldsUnknownToThisSchemaSurviveAWholeParse) {
  const std::string unknown("\xa2\x06\x03new", 6);  // field 100, "new"
  const std::string bytes = Sample().SerializeAsString() + unknown;
  ArticleInput input(bytes);
  ASSERT_TRUE(input.Fields({v1::Article::kIdFieldNumber}).ok());
  absl::StatusOr<const v1::Article*> article = input.Parsed();
  ASSERT_TRUE(article.ok());
  EXPECT_EQ((*article)->SerializeAsString(), bytes);
}

TEST(ArticleInputTest, AReusedMessageKeepsNothingOfThePreviousInput) {
  const std::string full = Sample().SerializeAsString();
  v1::Article bare_article;
  bare_article.set_title("Bare");
  const std::string bare = bare_article.SerializeAsString();
  v1::Article reused;
  {
    ArticleInput input(full, &reused);
    ASSERT_TRUE(input.Parsed().ok());
    EXPECT_EQ(reused.keywords_size(), 2);
  }
  ArticleInput whole(bare, &reused);
  absl::StatusOr<const v1::Article*> article = whole.Parsed();
  ASSERT_TRUE(article.ok());
  EXPECT_EQ(*article, &reused);
  EXPECT_EQ((*article)->SerializeAsString(), bare);
  ArticleInput again(full, &reused);
  ASSERT_TRUE(again.Fields({v1::Article::kTitleFieldNumber}).ok());
  ArticleInput partly(bare, &reused);
  article = partly.Fields(
      {v1::Article::kIdFieldNumber, v1::Article::kTitleFieldNumber});
  ASSERT_TRUE(article.ok());
  EXPECT_EQ((*article)->SerializeAsString(), bare);
}

TEST(ArticleInputTest, TakeMovesTheWholeArticleOut) {
  const std::string bytes = Sample().SerializeAsString();
  v1::Article reused;
  ArticleInput input(bytes, &reused);
  ASSERT_TRUE(input.Fields({v1::Article::kTitleFieldNumber}).ok());
  absl::StatusOr<v1::Article> taken = input.Take();
  ASSERT_TRUE(taken.ok());
  EXPECT_EQ(taken->SerializeAsString(), bytes);
}

TEST(ArticleInputTest, BytesThatAreNoArticleAreAnError) {
  const std::string truncated("\x0a\x09short", 7);  // a 9-byte id, 5 there
  ArticleInput input(truncated);
  absl::StatusOr<const v1::Article*> article =
      input.Fields({v1::Article::kTitleFieldNumber});
  ASSERT_FALSE(article.ok());
  EXPECT_EQ(article.status().message(),
            "input is not a valid newsflow.v1.Article");
  ArticleInput whole(truncated);
  EXPECT_FALSE(whole.Parsed().ok());
  ArticleInput taken(truncated);
  EXPECT_EQ(taken.Take().status().message(),
            "input is not a valid newsflow.v1.Article");
}

}  // namespace
}  // namespace newsflow
