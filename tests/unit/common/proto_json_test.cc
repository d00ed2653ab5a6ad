#include "common/proto_json.h"

#include <memory>
#include <string>

#include "common/article_json.h"
#include "common/utf8.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "newsflow/stage.h"
#include "newsflow/v1/article.pb.h"

namespace newsflow {
namespace {

using google::protobuf::Message;
using ::testing::HasSubstr;

// What protobuf's own printer gives, as newsflow printed articles before.
std::string ProtobufJson(const Message& message) {
  std::unique_ptr<Message> copy(message.New());
  copy->CopyFrom(message);
  ClearDefaultValuedFields(copy.get());
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  std::string json;
  EXPECT_TRUE(
      google::protobuf::util::MessageToJsonString(*copy, &json, options).ok());
  return json;
}

std::string DirectJson(const Message& message) {
  std::string json;
  AppendMessageJson(message, &json);
  return json;
}

absl::Status Parse(std::string json, Message* message,
                   bool ignore_unknown = false) {
  JsonParseOptions options;
  options.ignore_unknown_fields = ignore_unknown;
  return ParseMessageJson(&json, options, message);
}

v1::Article FullArticle() {
  v1::Article article;
  article.set_id("a1");
  article.set_title("Harbour \"works\" <begin> \\ today\tnow");
  article.set_body(
      "Line one.\n\nCafé crème, naïve — “quoted” 🙂 end.");
  article.set_language("fr");
  article.set_language_confidence(0.8125);
  article.add_keywords("harbour");
  article.add_keywords("works");
  v1::Entity* entity = article.add_entities();
  entity->set_text("Port Authority");
  entity->set_type(v1::ORG);
  entity->set_mentions(3);
  entity->add_aliases("the Authority");
  v1::AliasRule* rule = entity->add_alias_rules();
  rule->set_alias("the Authority");
  rule->set_rule("short form");
  v1::TraceHop* hop = article.add_trace();
  hop->set_stage("ingest");
  hop->set_at("2026-01-02T03:04:05.000006Z");
  hop->set_pid(42);
  hop->set_replica(0);  // a default: left out
  article.add_removed()->set_text("Advertisement");
  article.add_warnings("converted from windows-1252: invalid UTF-8 at byte 4");
  (*article.mutable_metadata())["line"] = "7";
  article.add_credits("AP");
  article.set_simhash("00ff00ff00ff00ff");
  return article;
}

TEST(ProtoJsonPrintTest, MatchesProtobufsPrinterForEveryArticleField) {
  v1::Article article = FullArticle();
  EXPECT_EQ(DirectJson(article), ProtobufJson(article));
}

TEST(ProtoJsonPrintTest, DefaultValuedFieldsAreLeftOutAsProto3Did) {
  v1::Article article;
  article.set_title("");
  article.set_language_confidence(0);
  article.add_entities()->set_type(v1::ENTITY_TYPE_UNSPECIFIED);
  EXPECT_EQ(DirectJson(article), R"({"entities":[{}]})");
  EXPECT_EQ(DirectJson(article), ProtobufJson(article));
}

TEST(ProtoJsonPrintTest, DoublesPrintAsProtobufPrintsThem) {
  for (double value : {0.1, 0.1 + 0.2, 1e-7, 1e21, 123456789.125, -2.5, 1.0 / 3,
                       5e-324, 1.7976931348623157e308}) {
    v1::Article article;
    article.set_language_confidence(value);
    EXPECT_EQ(DirectJson(article), ProtobufJson(article)) << value;
  }
}

std::string TitleJsonBothWays(const std::string& text, std::string* theirs) {
  v1::Article article;
  article.set_title(text);
  *theirs = ProtobufJson(article);
  return DirectJson(article);
}

// Every code point, 2,048 to a string, printed both ways: the escaping
// rules (which control and format characters become \uXXXX) are the same.
TEST(ProtoJsonPrintTest, EscapesEveryCodePointAsProtobufDoes) {
  int failures = 0;
  for (char32_t start = 1; start <= 0x10FFFF && failures < 10; start += 2048) {
    std::string text;
    for (char32_t cp = start; cp < start + 2048 && cp <= 0x10FFFF; ++cp) {
      if (cp >= 0xD800 && cp <= 0xDFFF) continue;
      AppendUtf8(cp, &text);
    }
    std::string theirs;
    if (text.empty() || TitleJsonBothWays(text, &theirs) == theirs) continue;
    for (char32_t cp = start; cp < start + 2048 && failures < 10; ++cp) {
      if (cp >= 0xD800 && cp <= 0xDFFF) continue;
      std::string one;
      AppendUtf8(cp, &one);
      std::string ours = TitleJsonBothWays(one, &theirs);
      if (ours != theirs) {
        ADD_FAILURE() << "U+" << std::hex << static_cast<int>(cp) << ": "
                      << ours << " vs protobuf " << theirs;
        ++failures;
      }
    }
  }
}

TEST(ProtoJsonPrintTest, AnIllFormedBytePrintsAsReplacementCharacter) {
  v1::Article article;
  article.set_title(
      "a\xFF"
      "b");
  EXPECT_EQ(DirectJson(article),
            "{\"title\":\"a\xEF\xBF\xBD"
            "b\"}");
}

TEST(ProtoJsonPrintTest, MapKeysComeOutSorted) {
  v1::Article article;
  auto& metadata = *article.mutable_metadata();
  metadata["path"] = "/x";
  metadata["line"] = "2";
  metadata["author"] = "";
  EXPECT_EQ(DirectJson(article),
            R"({"metadata":{"author":"","line":"2","path":"/x"}})");
}

TEST(ProtoJsonParseTest, ReadsWhatItPrints) {
  v1::Article article = FullArticle();
  v1::Article parsed;
  ASSERT_TRUE(Parse(DirectJson(article), &parsed).ok());
  ClearDefaultValuedFields(&article);
  EXPECT_TRUE(
      google::protobuf::util::MessageDifferencer::Equals(parsed, article))
      << parsed.DebugString();
}

// Inputs protobuf's parser accepts: both parsers give the same message.
TEST(ProtoJsonParseTest, AgreesWithProtobufsParser) {
  const char* const inputs[] = {
      R"({"title": "T", "publishedAt": "2026-01-01T00:00:00Z"})",
      R"({"published_at": "x", "language_confidence": "0.25"})",
      R"({"languageConfidence": 1e-3, "entities": [{"type": "PERSON",
          "mentions": "4", "aliases": ["A", "B"]}, {"type": 2}]})",
      R"({"title": "\u00e9\ud83d\ude00\n\t\"\\\/\b\f\r", "body": null})",
      R"({"metadata": {"k": "v", "k2": ""}, "keywords": [],
          "entities": null})",
      R"({"entities": [{"mentions": 3.0, "alias_rules": [{"rule": "x"}]}]})",
      R"( {"trace": [{"stage": "s", "pid": 12, "replica": 0}]} )",
      R"({"language_confidence": "NaN"})",
      R"({"language_confidence": "-Infinity"})",
      R"({"id": "", "title": "", "language_confidence": 0})",
  };
  for (const char* input : inputs) {
    v1::Article expected;
    ASSERT_TRUE(
        google::protobuf::util::JsonStringToMessage(input, &expected).ok())
        << input;
    ClearDefaultValuedFields(&expected);
    v1::Article parsed;
    absl::Status status = Parse(input, &parsed);
    ASSERT_TRUE(status.ok()) << input << ": " << status;
    // NaN never equals itself: compare the printed forms (printing is
    // checked against protobuf's above).
    EXPECT_EQ(DirectJson(parsed), DirectJson(expected)) << input;
  }
}

TEST(ProtoJsonParseTest, SurrogatePairsDecodeAndLoneSurrogatesFail) {
  v1::Article article;
  ASSERT_TRUE(Parse(R"({"title": "\uD834\uDD1E"})", &article).ok());
  EXPECT_EQ(article.title(), "\xF0\x9D\x84\x9E");  // U+1D11E
  EXPECT_FALSE(Parse(R"({"title": "\ud834 x"})", &article).ok());
  absl::Status low = Parse(R"({"title": "a\udd1e"})", &article);
  EXPECT_FALSE(low.ok());
  EXPECT_THAT(low.message(), HasSubstr("title"));
  absl::Status nested =
      Parse(R"({"entities": [{"aliases": ["\uDC00"]}]})", &article);
  EXPECT_THAT(nested.message(), HasSubstr("aliases"));
}

// The escape is looked for 16 positions at a time: found wherever it falls,
// among other escapes, in either case, and a pair still decodes.
TEST(ProtoJsonParseTest, LoneLowSurrogatesFailAtEveryPosition) {
  v1::Article article;
  for (size_t at = 0; at < 48; ++at) {
    const std::string before = std::string(at % 3, 'a') +
                               std::string(at / 3, 'b').replace(0, 0, "\\n");
    for (const char* escape : {"\\udc00", "\\uDFFF", "\\uDe01"}) {
      const std::string json =
          absl::StrCat("{\"body\": \"", before, escape, "\\n tail\"}");
      EXPECT_FALSE(Parse(json, &article).ok()) << json;
    }
    const std::string pair =
        absl::StrCat("{\"body\": \"", before, "\\ud834\\udd1e\"}");
    ASSERT_TRUE(Parse(pair, &article).ok()) << pair;
    EXPECT_EQ(article.body().substr(article.body().size() - 4),
              "\xF0\x9D\x84\x9E");
  }
}

TEST(ProtoJsonParseTest, UnknownFieldsFailOrAreSkippedWithTheirValues) {
  const std::string json =
      R"({"title": "T", "extra": {"deep": [1, {"x": null}], "y": "z"},
          "more": [[]], "body": "B", "n": 5})";
  v1::Article article;
  absl::Status strict = Parse(json, &article);
  EXPECT_FALSE(strict.ok());
  EXPECT_THAT(strict.message(), HasSubstr("extra"));
  ASSERT_TRUE(Parse(json, &article, /*ignore_unknown=*/true).ok());
  EXPECT_EQ(article.title(), "T");
  EXPECT_EQ(article.body(), "B");
}

TEST(ProtoJsonParseTest, UnknownEnumNamesFollowTheUnknownFieldsOption) {
  v1::Article article;
  const std::string json = R"({"entities": [{"type": "PLANET"}]})";
  EXPECT_FALSE(Parse(json, &article).ok());
  ASSERT_TRUE(Parse(json, &article, true).ok());
  ASSERT_EQ(article.entities_size(), 1);
  EXPECT_FALSE(article.entities(0).has_type());
}

TEST(ProtoJsonParseTest, WrongTypesAndBadSyntaxNameTheProblem) {
  v1::Article article;
  struct Case {
    const char* json;
    const char* says;
  } cases[] = {
      {R"({"title": 5})", "title: expected a string, got 5"},
      {R"({"keywords": "one"})", "keywords: expected an array"},
      {R"({"entities": [{"mentions": 1.5}]})", "mentions: expected an integer"},
      {R"({"entities": [{"mentions": 3000000000}]})", "mentions"},
      {R"({"entities": {"text": "x"}})", "entities: expected an array"},
      {R"({"metadata": {"k": 1}})", "value: expected a string"},
      {R"({"language_confidence": "high"})", "language_confidence"},
      {R"({"keywords": ["a", null]})", "keywords"},
      {R"({"title": "x")", "byte 14"},
      {R"({"title": "x"} trailing)", "byte 16"},
      {R"(["title"])", "expected a JSON object"},
      {R"("title")", "expected a JSON object"},
      {"", "no JSON value"},
  };
  for (const Case& c : cases) {
    absl::Status status = Parse(c.json, &article);
    EXPECT_FALSE(status.ok()) << c.json;
    EXPECT_THAT(status.message(), HasSubstr(c.says)) << c.json;
  }
  std::string with_nul("{\"title\": \"a\0b\"}", 16);
  EXPECT_FALSE(Parse(with_nul, &article).ok());
}

// RapidJSON's SSE2 scan reads aligned 16-byte blocks past the end of the
// text (the json fuzzer's first AddressSanitizer finding): the parser must
// give the string that much room, whatever capacity it came with.
TEST(ProtoJsonParseTest, LeavesRoomForTheSimdScanPastTheText) {
  for (const std::string& record :
       {std::string(R"({"title":"boilerplate"})"),
        std::string(R"({"removed":[{"text":"Ad","reason":"boilerplate"}]})"),
        std::string(R"({"title":"a"})")}) {
    std::string json = record;
    json.shrink_to_fit();
    v1::Article article;
    ASSERT_TRUE(ParseMessageJson(&json, JsonParseOptions(), &article).ok())
        << record;
    EXPECT_GE(json.capacity(), record.size() + 15) << record;
  }
}

// Found by the json fuzzer: a map key given twice made two entries, which
// printed twice and read back in another order. Protobuf's parser refuses
// it; so does ours, naming the field and the key.
TEST(ProtoJsonParseTest, AMapKeyGivenTwiceIsAnError) {
  v1::Article article;
  absl::Status status =
      Parse(R"({"metadata":{"desk":"a","url":"b","desk":"c"}})", &article);
  EXPECT_FALSE(status.ok());
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("metadata: the key \"desk\" is given twice"));
  EXPECT_FALSE(google::protobuf::util::JsonStringToMessage(
                   R"({"metadata":{"desk":"a","desk":"c"}})", &article)
                   .ok());
  ASSERT_TRUE(Parse(R"({"metadata":{"desk":"a","Desk":"c"}})", &article).ok());
  EXPECT_EQ(article.metadata_size(), 2);
}

// Found by the json fuzzer: a map field given twice kept a key of both
// objects twice, which printed twice and did not read back. A field given
// twice reads as protobuf's parser reads it: the later value of a scalar,
// the items of both lists, and both maps merged with the later key's value.
TEST(ProtoJsonParseTest, AFieldGivenTwiceReadsAsProtobufReadsIt) {
  for (const std::string& record : {
           std::string(R"({"body":"T:00Z","metadata":{"desk":"locl"},)"
                       R"("metadata":{"desk":"locl"}})"),
           std::string(R"({"metadata":{"desk":"a","url":"u"},)"
                       R"("metadata":{"lang":"en","desk":"b"},)"
                       R"("metadata":{"desk":"c"}})"),
           std::string(R"({"title":"a","title":"b"})"),
           std::string(R"({"keywords":["a"],"keywords":["b","a"]})"),
           std::string(R"({"published_at":"2011-03-01T00:00:00Z",)"
                       R"("publishedAt":"2011-03-02T00:00:00Z"})"),
           std::string(R"({"removed":[{"text":"a","text":"b"}]})"),
       }) {
    v1::Article ours;
    ASSERT_TRUE(Parse(record, &ours).ok()) << record;
    v1::Article theirs;
    ASSERT_TRUE(
        google::protobuf::util::JsonStringToMessage(record, &theirs).ok())
        << record;
    EXPECT_TRUE(
        google::protobuf::util::MessageDifferencer::Equivalent(ours, theirs))
        << record << "\nours: " << ours.ShortDebugString()
        << "\nprotobuf's: " << theirs.ShortDebugString();
    // What prints reads back to the same message.
    std::string printed;
    AppendMessageJson(ours, &printed);
    v1::Article reread;
    ASSERT_TRUE(Parse(printed, &reread).ok()) << printed;
    EXPECT_TRUE(
        google::protobuf::util::MessageDifferencer::Equivalent(ours, reread))
        << printed;
  }
  v1::Article article;
  ASSERT_TRUE(Parse(R"({"metadata":{"desk":"a","url":"u"},)"
                    R"("metadata":{"lang":"en","desk":"b"}})",
                    &article)
                  .ok());
  EXPECT_EQ(article.metadata_size(), 3);
  EXPECT_EQ(article.metadata().at("desk"), "b");
  EXPECT_EQ(article.metadata().at("url"), "u");
  // Within one object a key given twice is still an error.
  EXPECT_FALSE(Parse(R"({"metadata":{"desk":"a"},)"
                     R"("metadata":{"desk":"b","desk":"c"}})",
                     &article)
                   .ok());
}

// Found by the json fuzzer: RapidJSON recurses once per level, so a line
// of ten thousand "[" overflowed the stack. Past 100 levels (protobuf's
// limit) the record is an error; an unknown field may still nest a little.
TEST(ProtoJsonParseTest, DeepNestingIsAnErrorNotACrash) {
  v1::Article article;
  // A known field stops at its first wrong level; an unknown one is skipped
  // level by level, arrays or objects.
  EXPECT_FALSE(Parse(R"({"keywords":)" + std::string(100000, '['), &article,
                     /*ignore_unknown=*/true)
                   .ok());
  std::string objects;
  for (int i = 0; i < 100000; ++i) objects += R"({"a":)";
  for (const std::string& deep :
       {R"({"extra":)" + std::string(100000, '['), objects}) {
    absl::Status status = Parse(deep, &article, /*ignore_unknown=*/true);
    EXPECT_THAT(std::string(status.message()),
                HasSubstr("nested deeper than 100 levels"));
  }
  std::string hundred = R"({"extra":)" + std::string(99, '[') +
                        std::string(99, ']') + R"(,"title":"t"})";
  EXPECT_TRUE(Parse(hundred, &article, /*ignore_unknown=*/true).ok());
  EXPECT_TRUE(Parse(R"({"extra":[[[{"a":[1]}]]],"title":"t"})", &article,
                    /*ignore_unknown=*/true)
                  .ok());
  EXPECT_EQ(article.title(), "t");
}

// Numbers are converted by absl, exactly rounded; integers keep 64 bits.
TEST(ProtoJsonParseTest, NumbersConvertExactly) {
  v1::Article article;
  ASSERT_TRUE(Parse(R"({"language_confidence":0.1})", &article).ok());
  EXPECT_EQ(article.language_confidence(), 0.1);
  ASSERT_TRUE(
      Parse(R"({"language_confidence":2.2250738585072011e-308})", &article)
          .ok());
  EXPECT_EQ(article.language_confidence(), 2.2250738585072011e-308);
  ASSERT_TRUE(Parse(R"({"language_confidence":0e5})", &article).ok());
  EXPECT_EQ(article.language_confidence(), 0.0);
  EXPECT_FALSE(Parse(R"({"language_confidence":1e400})", &article).ok());
}

TEST(ProtoJsonParseTest, ClearsTheMessageFirst) {
  v1::Article article;
  article.set_body("old");
  ASSERT_TRUE(Parse(R"({"title": "new"})", &article).ok());
  EXPECT_FALSE(article.has_body());
}

// Types Article lacks (64-bit integers, unsigned, bool, float, bytes,
// int-keyed maps), on a message built at run time.
class AllTypesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    google::protobuf::FileDescriptorProto file;
    ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(
        R"pb(
          name: "all_types.proto"
          package: "nftest"
          syntax: "proto3"
          message_type {
            name: "All"
            field {
              name: "big"
              number: 1
              label: LABEL_OPTIONAL
              type: TYPE_INT64
            }
            field {
              name: "ubig"
              number: 2
              label: LABEL_OPTIONAL
              type: TYPE_UINT64
            }
            field {
              name: "small_u"
              number: 3
              label: LABEL_OPTIONAL
              type: TYPE_UINT32
            }
            field {
              name: "flag"
              number: 4
              label: LABEL_OPTIONAL
              type: TYPE_BOOL
            }
            field {
              name: "ratio"
              number: 5
              label: LABEL_OPTIONAL
              type: TYPE_FLOAT
            }
            field {
              name: "blob"
              number: 6
              label: LABEL_OPTIONAL
              type: TYPE_BYTES
            }
            field {
              name: "counts"
              number: 7
              label: LABEL_REPEATED
              type: TYPE_INT32
            }
            field {
              name: "by_id"
              number: 8
              label: LABEL_REPEATED
              type: TYPE_MESSAGE
              type_name: ".nftest.All.ByIdEntry"
            }
            field {
              name: "flags"
              number: 9
              label: LABEL_REPEATED
              type: TYPE_BOOL
            }
            nested_type {
              name: "ByIdEntry"
              options { map_entry: true }
              field {
                name: "key"
                number: 1
                label: LABEL_OPTIONAL
                type: TYPE_INT32
              }
              field {
                name: "value"
                number: 2
                label: LABEL_OPTIONAL
                type: TYPE_STRING
              }
            }
          }
        )pb",
        &file));
    const google::protobuf::FileDescriptor* built = pool_.BuildFile(file);
    ASSERT_NE(built, nullptr);
    prototype_ = factory_.GetPrototype(built->FindMessageTypeByName("All"));
  }

  std::unique_ptr<Message> New() const {
    return std::unique_ptr<Message>(prototype_->New());
  }

  google::protobuf::DescriptorPool pool_;
  google::protobuf::DynamicMessageFactory factory_;
  const Message* prototype_ = nullptr;
};

TEST_F(AllTypesTest, PrintsAndParsesAsProtobufDoes) {
  const char* const inputs[] = {
      R"({"big": "-9223372036854775808", "ubig": "18446744073709551615",
          "small_u": 4000000000, "flag": true, "ratio": 0.5,
          "blob": "aGVsbG8=", "counts": [1, -2, "3"], "flags": [true, false],
          "by_id": {"7": "seven"}})",
      R"({"big": 12, "ubig": 1e3, "smallU": "5", "ratio": "Infinity"})",
      R"({"blob": "", "flag": false, "counts": [], "byId": {"-1": ""}})",
  };
  for (const char* input : inputs) {
    std::unique_ptr<Message> expected = New();
    ASSERT_TRUE(
        google::protobuf::util::JsonStringToMessage(input, expected.get()).ok())
        << input;
    std::unique_ptr<Message> parsed = New();
    absl::Status status = Parse(input, parsed.get());
    ASSERT_TRUE(status.ok()) << input << ": " << status;
    EXPECT_TRUE(
        google::protobuf::util::MessageDifferencer::Equals(*parsed, *expected))
        << input << "\n"
        << parsed->DebugString();
    EXPECT_EQ(DirectJson(*parsed), ProtobufJson(*expected)) << input;
  }
}

TEST_F(AllTypesTest, RangesAndTypesAreChecked) {
  std::unique_ptr<Message> message = New();
  EXPECT_FALSE(Parse(R"({"small_u": -1})", message.get()).ok());
  EXPECT_FALSE(Parse(R"({"big": "9223372036854775808"})", message.get()).ok());
  EXPECT_FALSE(Parse(R"({"flag": "yes"})", message.get()).ok());
  EXPECT_FALSE(Parse(R"({"blob": "not base64!"})", message.get()).ok());
  EXPECT_FALSE(Parse(R"({"by_id": {"x": "y"}})", message.get()).ok());
}

TEST(ArticleJsonTest, ExportImportRoundTrip) {
  v1::Article article = FullArticle();
  absl::StatusOr<std::string> json = ArticleToJson(article);
  ASSERT_TRUE(json.ok());
  absl::StatusOr<v1::Article> back = ArticleFromJson(*json, false);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*ArticleToJson(*back), *json);
}

}  // namespace
}  // namespace newsflow
