// The UTF-8 check a stage host runs on every article it receives, now that
// protobuf does not (article.proto), and the compatibility of the proto2
// article with the proto3 one plugins built against the old SDK still use.
#include "runner/wire/utf8_fields.h"

#include <string>
#include <thread>

#include "common/article_json.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "newsflow/proto3/article.pb.h"
#include "newsflow/v1/article.pb.h"

namespace newsflow {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

v1::Article SampleArticle() {
  v1::Article article;
  article.set_id("a1");
  article.set_title("Caf\xc3\xa9 owners meet the mayor");
  article.set_body(std::string(300, 'x') + " na\xc3\xafve \xe2\x82\xac 5");
  article.set_language("en");
  article.set_language_confidence(0.97);
  v1::Entity* entity = article.add_entities();
  entity->set_text("Z\xc3\xbcrich");
  entity->set_type(v1::LOC);
  entity->set_mentions(2);
  entity->add_aliases("Zurich");
  article.add_keywords("caf\xc3\xa9");
  (*article.mutable_metadata())["k\xc3\xa9y"] = "v\xc3\xa2lue";
  article.add_trace()->set_stage("ingest");
  return article;
}

absl::Status Check(const v1::Article& article) {
  return CheckUtf8Fields(article.SerializeAsString(),
                         *v1::Article::descriptor());
}

TEST(CheckUtf8FieldsTest, WellFormedTextPasses) {
  EXPECT_TRUE(Check(SampleArticle()).ok()) << Check(SampleArticle());
  EXPECT_TRUE(Check(v1::Article()).ok());
}

TEST(CheckUtf8FieldsTest, ABrokenBodyIsNamedWithItsOffset) {
  v1::Article article = SampleArticle();
  // Latin-1 "é" after a long ASCII run: past the eight-byte fast path.
  article.set_body(std::string(37, 'a') + "caf\xe9 au lait");
  const absl::Status status = Check(article);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(
      std::string(status.message()),
      HasSubstr("newsflow.v1.Article.body is not valid UTF-8 (byte 40"));
}

TEST(CheckUtf8FieldsTest, NestedMessagesRepeatedStringsAndMapsAreChecked) {
  v1::Article entity_text = SampleArticle();
  entity_text.mutable_entities(0)->set_text("Z\xfcrich");
  EXPECT_THAT(std::string(Check(entity_text).message()),
              HasSubstr("newsflow.v1.Entity.text"));

  v1::Article alias = SampleArticle();
  alias.mutable_entities(0)->add_aliases("\xc3");  // cut short
  EXPECT_THAT(std::string(Check(alias).message()),
              HasSubstr("newsflow.v1.Entity.aliases"));

  v1::Article keyword = SampleArticle();
  keyword.add_keywords("\xed\xa0\x80");  // a surrogate
  EXPECT_THAT(std::string(Check(keyword).message()),
              HasSubstr("newsflow.v1.Article.keywords"));

  v1::Article metadata = SampleArticle();
  (*metadata.mutable_metadata())["source"] = "\xc0\xaf";  // overlong
  EXPECT_THAT(std::string(Check(metadata).message()),
              HasSubstr("newsflow.v1.Article.MetadataEntry.value"));
}

TEST(CheckUtf8FieldsTest, MalformedBytesAreRejectedNotRead) {
  const std::string bytes = SampleArticle().SerializeAsString();
  for (size_t cut : {size_t{1}, size_t{5}, bytes.size() - 1}) {
    const absl::Status status =
        CheckUtf8Fields(bytes.substr(0, cut), *v1::Article::descriptor());
    EXPECT_THAT(std::string(status.message()),
                HasSubstr("not a valid newsflow.v1.Article message"))
        << cut;
  }
  EXPECT_FALSE(
      CheckUtf8Fields("\xff\xfe garbage", *v1::Article::descriptor()).ok());
  // A field this version does not know is skipped, whatever it holds.
  std::string unknown = SampleArticle().SerializeAsString();
  unknown += std::string("\xfa\x3e\x02\xff\xfe", 5);  // field 1007, 2 bytes
  EXPECT_TRUE(CheckUtf8Fields(unknown, *v1::Article::descriptor()).ok());
  // Past the numbers the check indexes (field 5000, looked up instead).
  unknown += std::string("\xc2\xb8\x02\x02\xff\xfe", 6);
  EXPECT_TRUE(CheckUtf8Fields(unknown, *v1::Article::descriptor()).ok());
}

// The prepared check a stage host keeps answers as the one-off check does.
TEST(CheckUtf8FieldsTest, APreparedCheckAnswersAlike) {
  const Utf8FieldsCheck check(*v1::Article::descriptor());
  v1::Article broken = SampleArticle();
  broken.set_title("caf\xe9");
  for (const v1::Article& article : {SampleArticle(), broken, v1::Article()}) {
    const std::string bytes = article.SerializeAsString();
    EXPECT_EQ(check(bytes), CheckUtf8Fields(bytes, *v1::Article::descriptor()));
  }
  EXPECT_FALSE(check(SampleArticle().SerializeAsString().substr(0, 5)).ok());
  EXPECT_FALSE(check(broken.SerializeAsString()).ok());
}

// The field tables are per thread: each thread's first check builds its
// own, with the same answers.
TEST(CheckUtf8FieldsTest, EachThreadChecksAlike) {
  v1::Article broken = SampleArticle();
  broken.mutable_entities(0)->add_aliases("Z\xfcrich");
  std::string first_ok, first_broken;
  std::thread other([&] {
    first_ok = std::string(Check(SampleArticle()).message());
    first_broken = std::string(Check(broken).message());
  });
  other.join();
  EXPECT_EQ(first_ok, "");
  EXPECT_THAT(first_broken,
              HasSubstr("newsflow.v1.Entity.aliases is not valid UTF-8"));
  EXPECT_EQ(std::string(Check(broken).message()), first_broken);
}

// Plugins built against the old SDK parse and serialize articles with the
// proto3 message: both must read each other's bytes to the same values.
TEST(ArticleWireTest, Proto2AndProto3ReadEachOthersBytes) {
  const v1::Article article = SampleArticle();
  proto3::Article old_plugin;
  ASSERT_TRUE(old_plugin.ParseFromString(article.SerializeAsString()));
  EXPECT_EQ(old_plugin.title(), article.title());
  EXPECT_EQ(old_plugin.entities(0).text(), "Z\xc3\xbcrich");
  EXPECT_EQ(old_plugin.entities(0).type(), proto3::LOC);
  EXPECT_EQ(old_plugin.metadata().at("k\xc3\xa9y"), "v\xc3\xa2lue");
  EXPECT_EQ(old_plugin.SerializeAsString(), article.SerializeAsString());

  v1::Article back;
  ASSERT_TRUE(back.ParseFromString(old_plugin.SerializeAsString()));
  EXPECT_EQ(back.SerializeAsString(), article.SerializeAsString());
}

TEST(ArticleWireTest, DefaultValuesPrintAsAbsentAsUnderProto3) {
  v1::Article article = SampleArticle();
  article.set_story_id("");  // present in proto2, absent in proto3
  article.mutable_entities(0)->set_mentions(0);
  article.set_language_confidence(0);
  absl::StatusOr<std::string> json = ArticleToJson(article);
  ASSERT_TRUE(json.ok()) << json.status();
  EXPECT_THAT(*json, Not(HasSubstr("story_id")));
  EXPECT_THAT(*json, Not(HasSubstr("mentions")));
  EXPECT_THAT(*json, Not(HasSubstr("language_confidence")));
  EXPECT_THAT(*json, HasSubstr("\"language\":\"en\""));

  absl::StatusOr<v1::Article> parsed =
      ArticleFromJson(R"({"id": "x", "title": "", "language_confidence": 0})",
                      /*ignore_unknown_fields=*/false);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_FALSE(parsed->has_title());
  EXPECT_FALSE(parsed->has_language_confidence());
  EXPECT_EQ(parsed->SerializeAsString(), "\x0a\x01x");
}

}  // namespace
}  // namespace newsflow
