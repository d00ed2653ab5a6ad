// The ingest stage, driven through its C ABI descriptor with a fake host,
// plus direct tests of its pure parsing modules.
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/hash.h"
#include "common/text.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "ingest_options.pb.h"
#include "newsflow/stage.h"
#include "newsflow/v1/article.pb.h"
#include "stages/ingest/file_parser.h"
#include "stages/ingest/ingest_settings.h"
#include "stages/ingest/ingest_stage.h"
#include "tests/unit/stages/ingest_test_support.h"

namespace newsflow {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

std::string JsonString(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + "\"";
}

// An options object with `paths` and any `extra` members ("\"watch\": true").
std::string Options(const std::vector<std::string>& paths,
                    const std::string& extra = "") {
  std::vector<std::string> quoted;
  for (const auto& path : paths) quoted.push_back(JsonString(path));
  return absl::StrCat("{\"paths\": [", absl::StrJoin(quoted, ", "), "]",
                      extra.empty() ? "" : ", ", extra, "}");
}

std::vector<std::string> PathsOf(const std::vector<v1::Article>& articles) {
  std::vector<std::string> paths;
  for (const auto& article : articles) {
    auto it = article.metadata().find("path");
    paths.push_back(it == article.metadata().end() ? "" : it->second);
  }
  return paths;
}

class IngestStageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern =
        (fs::temp_directory_path() / "newsflow-ingest-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    std::error_code ignored;
    fs::permissions(dir_, fs::perms::owner_all, ignored);
    fs::remove_all(dir_, ignored);
  }

  // Writes `bytes` to dir_/relative (creating folders); returns the path.
  std::string Write(const std::string& relative, std::string_view bytes) {
    fs::path path = fs::path(dir_) / relative;
    fs::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    EXPECT_TRUE(out.good()) << path;
    return path.string();
  }

  std::string Path(const std::string& relative) const {
    return (fs::path(dir_) / relative).string();
  }

  std::string dir_;
};

TEST_F(IngestStageTest, DescriptorIsASource) {
  EXPECT_STREQ(kIngestStageType.name, "ingest");
  EXPECT_EQ(kIngestStageType.kind, NF_STAGE_SOURCE);
  EXPECT_NE(kIngestStageType.poll, nullptr);
  EXPECT_EQ(kIngestStageType.process, nullptr);
  EXPECT_STREQ(kIngestStageType.emits, "newsflow.v1.Article");
}

TEST_F(IngestStageTest, TextFileSplitsTitleAndBody) {
  const std::string content =
      "\n   \nHarbour bridge reopens after repairs  \n"
      "Traffic crossed the bridge again on Monday.\n"
      "  An indented second line stays as written.\n"
      "\n\n\n"
      "Engineers said the work took six weeks.\n\n";
  std::string path = Write("bridge.txt", content);
  IngestInstance stage(Options({path}));
  ASSERT_TRUE(stage.created()) << stage.create_error();

  EXPECT_EQ(stage.Poll(), NF_POLL_DONE);

  ASSERT_THAT(stage.host().articles, SizeIs(1));
  const v1::Article& article = stage.host().articles[0];
  EXPECT_EQ(article.title(), "Harbour bridge reopens after repairs");
  EXPECT_EQ(article.body(),
            "Traffic crossed the bridge again on Monday.\n"
            "  An indented second line stays as written.\n\n"
            "Engineers said the work took six weeks.");
  EXPECT_EQ(article.id(), StableHashHex(content));
  EXPECT_EQ(article.source(), "files");
  EXPECT_EQ(article.url(), "file://" + path);
  EXPECT_EQ(article.format(), "text");
  EXPECT_EQ(article.metadata().at("path"), path);
  EXPECT_THAT(article.ingested_at(), HasSubstr("T"));
  EXPECT_EQ(article.ingested_at().back(), 'Z');
  EXPECT_THAT(article.warnings(), IsEmpty());
  EXPECT_THAT(stage.host().rejections, IsEmpty());
  EXPECT_EQ(stage.host().unparsable_emits, 0);
}

TEST_F(IngestStageTest, SourceOptionSetsArticleSource) {
  std::string path = Write("a.txt", "Title\n\nBody.\n");
  IngestInstance stage(Options({path}, R"("source": "archive")"));
  ASSERT_TRUE(stage.created()) << stage.create_error();
  stage.PollUntil(NF_POLL_DONE);
  ASSERT_THAT(stage.host().articles, SizeIs(1));
  EXPECT_EQ(stage.host().articles[0].source(), "archive");
}

TEST_F(IngestStageTest, ReadsDirectoriesRecursivelyInSortedOrder) {
  Write("news/b.txt", "B\n\nbody b\n");
  Write("news/a.txt", "A\n\nbody a\n");
  Write("news/sub/c.txt", "C\n\nbody c\n");
  Write("news/sub/deeper/d.html", "<h1>D</h1><p>body d</p>");
  Write("news/Z.TXT", "Z\n\nbody z\n");             // endings ignore case
  Write("news/notes.md", "Not a wanted ending\n");  // skipped
  Write("news/.draft.txt", "Hidden\n");             // skipped
  Write("news/.cache/e.txt", "Hidden folder\n");    // skipped
  std::string named = Write("extra.md", "Named directly\n\nRead anyway.\n");

  IngestInstance stage(Options({Path("news"), named}));
  ASSERT_TRUE(stage.created()) << stage.create_error();
  stage.PollUntil(NF_POLL_DONE);

  EXPECT_THAT(PathsOf(stage.host().articles),
              ElementsAre(Path("news/Z.TXT"), Path("news/a.txt"),
                          Path("news/b.txt"), Path("news/sub/c.txt"),
                          Path("news/sub/deeper/d.html"), named));
  EXPECT_EQ(stage.host().articles[4].format(), "html");
  EXPECT_EQ(stage.host().articles[4].title(), "D");
  EXPECT_THAT(stage.host().rejections, IsEmpty());
}

TEST_F(IngestStageTest, ExtensionsOptionChoosesFiles) {
  Write("in/a.txt", "A\n");
  Write("in/b.md", "B\n\nMarkdown read as text.\n");
  IngestInstance stage(Options({Path("in")}, R"("extensions": ["MD"])"));
  ASSERT_TRUE(stage.created()) << stage.create_error();
  stage.PollUntil(NF_POLL_DONE);
  EXPECT_THAT(PathsOf(stage.host().articles), ElementsAre(Path("in/b.md")));
  EXPECT_EQ(stage.host().articles[0].format(), "text");
}

TEST_F(IngestStageTest, ExcludeSkipsNamesAndPathsInsideFolders) {
  Write("corpus/a.txt", "A\n\nbody a\n");
  Write("corpus/README.TXT", "About this corpus\n");  // a name pattern
  Write("corpus/drafts/b.txt", "B\n\nbody b\n");      // a folder name
  Write("corpus/sport/c.txt", "C\n\nbody c\n");
  Write("corpus/sport/old/d.txt", "D\n\nbody d\n");  // a path pattern
  Write("corpus/e.txt.bak", "E\n");
  std::string named = Write("README.txt", "Named directly\n\nRead.\n");
  IngestInstance stage(Options(
      {Path("corpus"), named},
      absl::StrCat(R"("exclude": ["README*", "drafts", ")",
                   Path("corpus/sport/old"), R"("], "extensions": [".txt"])")));
  ASSERT_TRUE(stage.created()) << stage.create_error();
  stage.PollUntil(NF_POLL_DONE);
  EXPECT_THAT(
      PathsOf(stage.host().articles),
      ElementsAre(Path("corpus/a.txt"), Path("corpus/sport/c.txt"), named));
  EXPECT_THAT(stage.host().rejections, IsEmpty());
}

TEST_F(IngestStageTest, HtmlPageGivesTextTitleAndDecodedEntities) {
  std::string path = Write(
      "page.html",
      "<!DOCTYPE html>\n<html><head>\n"
      "<title>Site | Storm news</title>\n"
      "<meta name=\"description\" content=\"not body text\">\n"
      "<script>var s = \"<p>not text</p>\";</script>\n"
      "<style>p { color: red; }</style>\n"
      "</head>\n<body>\n"
      "<!-- a comment <p>hidden</p> -->\n"
      "<h1 class=\"headline\">Storm &amp; flood warning</h1>\n"
      "<p data-note=\"a > b\">Residents of the\n   valley were told "
      "to&nbsp;leave.</p>\n"
      "<p>Caf&eacute; owners said &#8216;we&#x2019;re ready&#8217; &mdash; "
      "&pound;5 &unknown; &#150; 3 &lt; 4</p>\n"
      "<noscript><p>Enable scripts</p></noscript>\n"
      "<ul><li>Roads closed</li><li>Schools <b>shut</b></li></ul>\n"
      "Line one<br>Line two\n"
      "<script type=\"text/javascript\">track('</p>');</script>\n"
      "</body></html>\n");
  IngestInstance stage(Options({path}));
  ASSERT_TRUE(stage.created()) << stage.create_error();
  stage.PollUntil(NF_POLL_DONE);

  ASSERT_THAT(stage.host().articles, SizeIs(1));
  const v1::Article& article = stage.host().articles[0];
  EXPECT_EQ(article.title(), "Storm & flood warning");
  EXPECT_EQ(article.body(),
            "Residents of the valley were told to\xC2\xA0leave.\n\n"
            "Caf\xC3\xA9 owners said \xE2\x80\x98we\xE2\x80\x99re "
            "ready\xE2\x80\x99 \xE2\x80\x94 \xC2\xA3"
            "5 &unknown; "
            "\xE2\x80\x93 3 < 4\n\n"
            "Roads closed\n\n"
            "Schools shut\n\n"
            "Line one\n\n"
            "Line two");
  EXPECT_EQ(article.format(), "html");
  EXPECT_TRUE(IsValidUtf8(article.body()));
}

// The HTML extractor's own tests are in html_extract_test.cc.

TEST(FileParserTest, SplitsTextWithAnyLineEnding) {
  ingest::TextDocument document =
      ingest::SplitTextDocument("Title line\r\n\r\nFirst\r\nsecond\r\rThird\r");
  EXPECT_EQ(document.title, "Title line");
  EXPECT_EQ(document.body, "First\nsecond\n\nThird");
}

TEST(FileParserTest, TitleOnlyTextHasEmptyBody) {
  ingest::TextDocument document = ingest::SplitTextDocument("Just a title\n");
  EXPECT_EQ(document.title, "Just a title");
  EXPECT_EQ(document.body, "");
}

TEST(FileParserTest, FormatFollowsExtension) {
  using ingest::FileFormat;
  EXPECT_EQ(ingest::FormatForPath("/a/b.HTM"), FileFormat::kHtml);
  EXPECT_EQ(ingest::FormatForPath("/a/b.html"), FileFormat::kHtml);
  EXPECT_EQ(ingest::FormatForPath("/a/b.json"), FileFormat::kJson);
  EXPECT_EQ(ingest::FormatForPath("/a/b.jsonl"), FileFormat::kJsonLines);
  EXPECT_EQ(ingest::FormatForPath("/a.json/b"), FileFormat::kText);
  EXPECT_EQ(ingest::FormatForPath("/a/b.txt"), FileFormat::kText);
}

TEST(FileParserTest, StripsUtf8ByteOrderMark) {
  ingest::ParsedFile parsed = ingest::ParseFile(
      "f.txt", "\xEF\xBB\xBFTitle\n\nBody\n", ingest::FileFormat::kText);
  ASSERT_THAT(parsed.articles, SizeIs(1));
  EXPECT_EQ(parsed.articles[0].title(), "Title");
  EXPECT_EQ(parsed.articles[0].id(), StableHashHex("Title\n\nBody\n"));
}

// Each JSON record is parsed in a buffer kept from record to record: a
// shorter record after a longer one, a bad one between and a converted one
// after it each read as themselves alone.
TEST(FileParserTest, JsonLinesReadEachRecordAloneWhateverCameBefore) {
  const std::string long_body(3000, 'x');
  const std::string bad = "{\"title\": \"Cut off";
  ingest::ParsedFile parsed = ingest::ParseFile(
      "f.jsonl",
      absl::StrCat("{\"title\": \"Long\", \"body\": \"", long_body, "\"}\n",
                   bad, "\n{\"title\": \"Short\"}\n",
                   "{\"title\": \"Caf\xE9\"}\n"),
      ingest::FileFormat::kJsonLines);
  ASSERT_THAT(parsed.articles, SizeIs(3));
  EXPECT_EQ(parsed.articles[0].body(), long_body);
  EXPECT_EQ(parsed.articles[1].title(), "Short");
  EXPECT_EQ(parsed.articles[1].body(), "");
  EXPECT_EQ(parsed.articles[2].title(), "Caf\xC3\xA9");
  EXPECT_THAT(parsed.articles[2].warnings(), SizeIs(1));
  ASSERT_THAT(parsed.rejections, SizeIs(1));
  EXPECT_EQ(parsed.rejections[0].what, "f.jsonl:2");
  EXPECT_EQ(parsed.rejections[0].raw, bad);
  EXPECT_EQ(parsed.articles[1].id(), StableHashHex("{\"title\": \"Short\"}"));
}

TEST(FileParserTest, RejectsUtf16) {
  ingest::ParsedFile parsed = ingest::ParseFile(
      "f.txt", std::string("\xFF\xFEH\0i\0", 6), ingest::FileFormat::kText);
  EXPECT_THAT(parsed.articles, IsEmpty());
  ASSERT_THAT(parsed.rejections, SizeIs(1));
  EXPECT_THAT(parsed.rejections[0].reason, HasSubstr("UTF-16"));
}

TEST_F(IngestStageTest, JsonObjectKeepsItsFields) {
  std::string path = Write("one.json",
                           R"({"id": "given-id", "title": "Port strike ends",
 "body": "Dock workers returned.", "url": "https://example.org/strike",
 "published_at": "2024-05-01T08:00:00Z", "extra_key": {"ignored": true}})");
  IngestInstance stage(Options({path}));
  ASSERT_TRUE(stage.created()) << stage.create_error();
  stage.PollUntil(NF_POLL_DONE);

  ASSERT_THAT(stage.host().articles, SizeIs(1));
  const v1::Article& article = stage.host().articles[0];
  EXPECT_EQ(article.id(), "given-id");
  EXPECT_EQ(article.title(), "Port strike ends");
  EXPECT_EQ(article.body(), "Dock workers returned.");
  EXPECT_EQ(article.url(), "https://example.org/strike");
  EXPECT_EQ(article.published_at(), "2024-05-01T08:00:00Z");
  EXPECT_EQ(article.format(), "json");
  EXPECT_EQ(article.source(), "files");
  EXPECT_EQ(article.metadata().at("path"), path);
  EXPECT_FALSE(article.ingested_at().empty());
  EXPECT_THAT(stage.host().rejections, IsEmpty());
}

TEST_F(IngestStageTest, JsonArrayRejectsOnlyItsBadElement) {
  std::string path = Write("many.json",
                           "[\n"
                           "  {\"title\": \"First\", \"body\": \"one\"},\n"
                           "  {\"title\": },\n"
                           "  {\"body\": \"no title, [still] fine\"},\n"
                           "  {\"unrelated\": 1}\n"
                           "]\n");
  IngestInstance stage(Options({path}));
  ASSERT_TRUE(stage.created()) << stage.create_error();
  stage.PollUntil(NF_POLL_DONE);

  ASSERT_THAT(stage.host().articles, SizeIs(2));
  EXPECT_EQ(stage.host().articles[0].title(), "First");
  EXPECT_EQ(stage.host().articles[0].metadata().at("line"), "2");
  EXPECT_EQ(stage.host().articles[0].id(),
            StableHashHex(R"({"title": "First", "body": "one"})"));
  EXPECT_EQ(stage.host().articles[1].body(), "no title, [still] fine");
  EXPECT_EQ(stage.host().articles[1].metadata().at("line"), "4");
  ASSERT_THAT(stage.host().rejections, SizeIs(2));
  EXPECT_EQ(stage.host().rejections[0].what, path + ":3");
  EXPECT_THAT(stage.host().rejections[0].reason, HasSubstr("invalid JSON"));
  EXPECT_EQ(stage.host().rejections[0].raw, R"({"title": })");
  EXPECT_EQ(stage.host().rejections[1].what, path + ":5");
  EXPECT_THAT(stage.host().rejections[1].reason,
              HasSubstr("neither title nor body"));
}

TEST_F(IngestStageTest, TruncatedJsonArrayKeepsCompleteElements) {
  std::string path = Write("cut.json",
                           "[{\"title\": \"Whole\"},\n"
                           " {\"title\": \"Cut");
  IngestInstance stage(Options({path}));
  ASSERT_TRUE(stage.created()) << stage.create_error();
  stage.PollUntil(NF_POLL_DONE);
  ASSERT_THAT(stage.host().articles, SizeIs(1));
  EXPECT_EQ(stage.host().articles[0].title(), "Whole");
  ASSERT_THAT(stage.host().rejections, SizeIs(1));
  EXPECT_EQ(stage.host().rejections[0].what, path + ":2");
  EXPECT_THAT(stage.host().rejections[0].reason, HasSubstr("not closed"));
}

TEST_F(IngestStageTest, JsonLinesRejectBadLinesAndKeepGoodOnes) {
  const std::string first = R"({"title": "Rates held", "body": "Steady."})";
  const std::string broken = R"({"title": "Half a record")";
  const std::string last =
      R"({"title": "Rain due", "body": "Wet.", "source": "wire"})";
  std::string path =
      Write("feed.jsonl", first + "\r\n" + broken + "\n\n" + last + "\n");
  IngestInstance stage(Options({path}));
  ASSERT_TRUE(stage.created()) << stage.create_error();
  stage.PollUntil(NF_POLL_DONE);

  ASSERT_THAT(stage.host().articles, SizeIs(2));
  const v1::Article& a = stage.host().articles[0];
  EXPECT_EQ(a.title(), "Rates held");
  EXPECT_EQ(a.id(), StableHashHex(first));
  EXPECT_EQ(a.metadata().at("line"), "1");
  EXPECT_EQ(a.url(), "file://" + path);
  EXPECT_EQ(a.format(), "json");
  const v1::Article& b = stage.host().articles[1];
  EXPECT_EQ(b.title(), "Rain due");
  EXPECT_EQ(b.metadata().at("line"), "4");
  EXPECT_EQ(b.source(), "wire");  // a record's own source wins
  ASSERT_THAT(stage.host().rejections, SizeIs(1));
  EXPECT_EQ(stage.host().rejections[0].what, path + ":2");
  EXPECT_THAT(stage.host().rejections[0].reason, HasSubstr("invalid JSON"));
  EXPECT_GT(stage.host().rejections[0].reason.size(),
            std::string("invalid JSON record: ").size());
  EXPECT_EQ(stage.host().rejections[0].raw, broken);
}

// Records that are valid JSON but not articles (a wrong type, a lone
// surrogate escape) are rejected alone, by line, with the field named; a
// record's unknown keys and nulls are fine, and camelCase names work.
TEST_F(IngestStageTest, JsonLinesRejectRecordsThatAreNotArticles) {
  const std::string typed = R"({"title": 5, "body": "Numbers."})";
  const std::string lone = R"({"title": "Odd \udc01 text", "body": "x"})";
  const std::string good =
      R"({"title": "Quay reopens", "body": null, "publishedAt": "2031-05-01T09:00:00Z", "mood": {"x": [1]}})";
  std::string path =
      Write("mixed.jsonl", typed + "\n" + lone + "\n" + good + "\n");
  IngestInstance stage(Options({path}));
  ASSERT_TRUE(stage.created()) << stage.create_error();
  stage.PollUntil(NF_POLL_DONE);

  ASSERT_THAT(stage.host().articles, SizeIs(1));
  EXPECT_EQ(stage.host().articles[0].title(), "Quay reopens");
  EXPECT_EQ(stage.host().articles[0].published_at(), "2031-05-01T09:00:00Z");
  EXPECT_FALSE(stage.host().articles[0].has_body());
  ASSERT_THAT(stage.host().rejections, SizeIs(2));
  EXPECT_EQ(stage.host().rejections[0].what, path + ":1");
  EXPECT_EQ(stage.host().rejections[0].reason,
            "invalid JSON record: title: expected a string, got 5");
  EXPECT_EQ(stage.host().rejections[1].what, path + ":2");
  EXPECT_THAT(stage.host().rejections[1].reason, HasSubstr("surrogate"));
  EXPECT_EQ(stage.host().rejections[1].raw, lone);
}

TEST_F(IngestStageTest, EmptyAndBlankFilesAreRejected) {
  std::string empty = Write("empty.txt", "");
  std::string blank = Write("blank.json", " \n\t\r\n");
  IngestInstance stage(Options({empty, blank}));
  ASSERT_TRUE(stage.created()) << stage.create_error();
  stage.PollUntil(NF_POLL_DONE);

  EXPECT_THAT(stage.host().articles, IsEmpty());
  ASSERT_THAT(stage.host().rejections, SizeIs(2));
  EXPECT_EQ(stage.host().rejections[0].what, empty);
  EXPECT_EQ(stage.host().rejections[0].reason, "empty file");
  EXPECT_EQ(stage.host().rejections[1].what, blank);
  EXPECT_EQ(stage.host().rejections[1].reason, "empty file");
}

TEST_F(IngestStageTest, BinaryFileIsRejected) {
  std::string path = Write(
      "archive.txt", std::string("PK\x03\x04\x14\0\0\0\x08\0payload\0\0", 19));
  IngestInstance stage(Options({path}));
  ASSERT_TRUE(stage.created()) << stage.create_error();
  stage.PollUntil(NF_POLL_DONE);

  EXPECT_THAT(stage.host().articles, IsEmpty());
  ASSERT_THAT(stage.host().rejections, SizeIs(1));
  EXPECT_EQ(stage.host().rejections[0].what, path);
  EXPECT_EQ(stage.host().rejections[0].reason, "binary file");
}

TEST_F(IngestStageTest, Windows1252FileIsConvertedWithAWarning) {
  std::string path = Write("fee.txt",
                           "Fee rises to \xA3"
                           "5m\n\n"
                           "The club paid \x93"
                           "a lot\x94 for him.\n");
  IngestInstance stage(Options({path}));
  ASSERT_TRUE(stage.created()) << stage.create_error();
  stage.PollUntil(NF_POLL_DONE);

  ASSERT_THAT(stage.host().articles, SizeIs(1));
  const v1::Article& article = stage.host().articles[0];
  EXPECT_EQ(article.title(),
            "Fee rises to \xC2\xA3"
            "5m");
  EXPECT_EQ(article.body(),
            "The club paid \xE2\x80\x9C"
            "a lot\xE2\x80\x9D for him.");
  EXPECT_THAT(article.warnings(),
              ElementsAre("converted from windows-1252: invalid UTF-8 at "
                          "byte 13"));
  ASSERT_THAT(stage.host().warnings, SizeIs(1));
  EXPECT_THAT(stage.host().warnings[0], HasSubstr(path));
  EXPECT_THAT(stage.host().warnings[0], HasSubstr("windows-1252"));
}

TEST_F(IngestStageTest, JsonLinesConvertOnlyTheRecordThatNeedsIt) {
  const std::string first = "{\"title\": \"Caf\xC3\xA9 opens\"}\n";
  std::string path =
      Write("mixed.jsonl", first + "{\"title\": \"Caf\xE9 closes\"}\n");
  IngestInstance stage(Options({path}));
  ASSERT_TRUE(stage.created()) << stage.create_error();
  stage.PollUntil(NF_POLL_DONE);

  ASSERT_THAT(stage.host().articles, SizeIs(2));
  EXPECT_EQ(stage.host().articles[0].title(), "Caf\xC3\xA9 opens");
  EXPECT_THAT(stage.host().articles[0].warnings(), IsEmpty());
  EXPECT_EQ(stage.host().articles[1].title(), "Caf\xC3\xA9 closes");
  EXPECT_THAT(stage.host().articles[1].warnings(),
              ElementsAre(absl::StrCat(
                  "converted from windows-1252: invalid UTF-8 at byte ",
                  first.size() + 14)));
  ASSERT_THAT(stage.host().warnings, SizeIs(1));
  EXPECT_THAT(stage.host().warnings[0], HasSubstr(path + ":2"));
}

TEST_F(IngestStageTest, OverSizeFileIsRejectedUnread) {
  std::string big =
      Write("in/big.txt", "A title\n\nA body that is too long.\n");
  std::string small = Write("in/small.txt", "Short\n");
  IngestInstance stage(Options({Path("in")}, R"("max_file_bytes": 16)"));
  ASSERT_TRUE(stage.created()) << stage.create_error();
  stage.PollUntil(NF_POLL_DONE);

  EXPECT_THAT(PathsOf(stage.host().articles), ElementsAre(small));
  ASSERT_THAT(stage.host().rejections, SizeIs(1));
  EXPECT_EQ(stage.host().rejections[0].what, big);
  EXPECT_THAT(stage.host().rejections[0].reason,
              HasSubstr("over max_file_bytes (16)"));
}

TEST_F(IngestStageTest, AHugeFileIsRejectedBeforeAByteIsRead) {
  // 8 GiB that take no disk (sparse): reading it would take minutes and
  // gigabytes, so only a check made before reading passes quickly.
  // HTML is read whole, so its size is checked first.
  const std::string huge = Write("in/huge.html", "");
  ASSERT_EQ(truncate(huge.c_str(), int64_t{8} << 30), 0);
  const std::string small = Write("in/small.txt", "Short\n\nA body.\n");
  IngestInstance stage(Options({Path("in")}));
  ASSERT_TRUE(stage.created()) << stage.create_error();
  stage.PollUntil(NF_POLL_DONE);
  EXPECT_THAT(PathsOf(stage.host().articles), ElementsAre(small));
  ASSERT_THAT(stage.host().rejections, SizeIs(1));
  EXPECT_EQ(stage.host().rejections[0].what, huge);
  EXPECT_THAT(stage.host().rejections[0].reason,
              HasSubstr("file is 8589934592 bytes, over max_file_bytes "
                        "(16777216)"));
}

TEST_F(IngestStageTest, JsonLinesAreStreamedWhateverTheirSize) {
  // Over max_file_bytes in all, and crossing the reader's 1 MiB chunks:
  // every line is read, with its own line number; one line over the limit
  // is rejected alone.
  std::string text;
  const std::string filler(700, 'x');
  for (int i = 1; i <= 3000; ++i) {
    if (i == 1500) {
      absl::StrAppend(&text, "{\"title\": \"", std::string(5000, 'y'), "\"}\n");
      continue;
    }
    absl::StrAppend(&text, "{\"id\": \"r", i, "\", \"title\": \"Record ", i,
                    "\", \"body\": \"", filler, "\"}\n");
  }
  absl::StrAppend(&text, "{\"id\": \"last\", \"title\": \"No newline\"}");
  ASSERT_GT(text.size(), size_t{2} << 20);
  const std::string path = Write("big.jsonl", text);
  IngestInstance stage(Options({path}, R"("max_file_bytes": 4096)"));
  ASSERT_TRUE(stage.created()) << stage.create_error();
  stage.PollUntil(NF_POLL_DONE);
  const auto& articles = stage.host().articles;
  ASSERT_EQ(articles.size(), 3000u);
  EXPECT_EQ(articles[0].id(), "r1");
  EXPECT_EQ(articles[1498].metadata().at("line"), "1499");
  EXPECT_EQ(articles[1499].id(), "r1501");
  EXPECT_EQ(articles[1499].metadata().at("line"), "1501");
  EXPECT_EQ(articles.back().id(), "last");
  EXPECT_EQ(articles.back().metadata().at("line"), "3001");
  ASSERT_THAT(stage.host().rejections, SizeIs(1));
  EXPECT_EQ(stage.host().rejections[0].what, path + ":1500");
  EXPECT_THAT(stage.host().rejections[0].reason,
              HasSubstr("line is over max_file_bytes (4096 bytes)"));
}

TEST_F(IngestStageTest, JsonLinesIdsAreTheRecordsHashesAcrossReadChunks) {
  // Records without an id get StableHashHex of their line, hashed several
  // at a time per chunk read: lengths that differ, records that carry
  // their own id between them, a file of several 1 MiB chunks, and a last
  // line without a newline.
  std::vector<std::string> lines;
  std::string text;
  for (int i = 0; i < 1500; ++i) {
    const std::string body(300 + (i * 131) % 1700,
                           static_cast<char>('a' + i % 26));
    lines.push_back(i % 7 == 3 ? absl::StrCat("{\"id\": \"own", i,
                                              "\", \"body\": \"", body, "\"}")
                               : absl::StrCat("{\"title\": \"Record ", i,
                                              "\", \"body\": \"", body, "\"}"));
    absl::StrAppend(&text, lines.back(), i + 1 < 1500 ? "\n" : "");
  }
  ASSERT_GT(text.size(), size_t{1} << 20);
  const std::string path = Write("ids.jsonl", text);
  IngestInstance stage(Options({path}));
  ASSERT_TRUE(stage.created()) << stage.create_error();
  stage.PollUntil(NF_POLL_DONE);
  const auto& articles = stage.host().articles;
  ASSERT_EQ(articles.size(), lines.size());
  for (size_t i = 0; i < lines.size(); ++i) {
    EXPECT_EQ(articles[i].id(),
              i % 7 == 3 ? absl::StrCat("own", i) : StableHashHex(lines[i]))
        << "line " << i + 1;
  }
}

TEST_F(IngestStageTest, A200MegabyteJsonLinesFileIsReadInBoundedMemory) {
  // Peak RSS of this test's own process (ctest runs each test alone).
  const std::string path = Path("huge.jsonl");
  {
    std::ofstream out(path, std::ios::binary);
    const std::string body(1900, 'w');
    for (int i = 0; out.tellp() < (int64_t{200} << 20); ++i) {
      out << "{\"id\": \"h" << i << "\", \"title\": \"Record " << i
          << "\", \"body\": \"" << body << "\"}\n";
    }
  }
  IngestInstance stage(Options({path}));
  ASSERT_TRUE(stage.created()) << stage.create_error();
  stage.host().keep_articles = false;
  for (int polls = 0; polls < 1000000 && stage.Poll() != NF_POLL_DONE;) {
    ++polls;
  }
  EXPECT_GT(stage.host().emitted, 100000);
  EXPECT_THAT(stage.host().rejections, IsEmpty());
  struct rusage usage;
  ASSERT_EQ(getrusage(RUSAGE_SELF, &usage), 0);
  EXPECT_LT(usage.ru_maxrss, 64 * 1024) << "peak RSS in KiB";
}

TEST_F(IngestStageTest, MissingPathIsRejectedOnceAndOthersAreRead) {
  std::string missing = Path("no/such/folder");
  std::string present = Write("here.txt", "Present\n");
  IngestInstance stage(Options({missing, present}));
  ASSERT_TRUE(stage.created()) << stage.create_error();
  stage.PollUntil(NF_POLL_DONE);
  EXPECT_EQ(stage.Poll(), NF_POLL_DONE);

  EXPECT_THAT(PathsOf(stage.host().articles), ElementsAre(present));
  ASSERT_THAT(stage.host().rejections, SizeIs(1));
  EXPECT_EQ(stage.host().rejections[0].what, missing);
  EXPECT_THAT(stage.host().rejections[0].reason,
              HasSubstr("No such file or directory"));
}

TEST_F(IngestStageTest, NonRegularFileNamedDirectlyIsRejected) {
  std::string fifo = Path("pipe.txt");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  IngestInstance stage(Options({fifo}));
  ASSERT_TRUE(stage.created()) << stage.create_error();
  stage.PollUntil(NF_POLL_DONE);
  EXPECT_THAT(stage.host().articles, IsEmpty());
  ASSERT_THAT(stage.host().rejections, SizeIs(1));
  EXPECT_EQ(stage.host().rejections[0].what, fifo);
  EXPECT_THAT(stage.host().rejections[0].reason, HasSubstr("not a regular"));
}

TEST_F(IngestStageTest, UnreadableFileIsRejectedWithTheOsError) {
  if (geteuid() == 0) GTEST_SKIP() << "root reads files whatever their mode";
  std::string path = Write("locked.txt", "Locked\n");
  fs::permissions(path, fs::perms::none);
  IngestInstance stage(Options({path}));
  ASSERT_TRUE(stage.created()) << stage.create_error();
  stage.PollUntil(NF_POLL_DONE);
  EXPECT_THAT(stage.host().articles, IsEmpty());
  ASSERT_THAT(stage.host().rejections, SizeIs(1));
  EXPECT_EQ(stage.host().rejections[0].what, path);
  EXPECT_THAT(stage.host().rejections[0].reason,
              HasSubstr("Permission denied"));
}

TEST_F(IngestStageTest, IdsAreStableAcrossRuns) {
  Write("in/a.txt", "Alpha\n\nFirst.\n");
  Write("in/b.html", "<h1>Beta</h1><p>Second.</p>");
  Write("in/c.jsonl", "{\"title\": \"Gamma\"}\n{\"title\": \"Delta\"}\n");
  auto run = [&] {
    IngestInstance stage(Options({Path("in")}));
    EXPECT_TRUE(stage.created()) << stage.create_error();
    stage.PollUntil(NF_POLL_DONE);
    std::vector<std::string> ids;
    for (const auto& article : stage.host().articles) {
      ids.push_back(article.id());
    }
    return ids;
  };
  std::vector<std::string> first = run();
  std::vector<std::string> second = run();
  ASSERT_THAT(first, SizeIs(4));
  EXPECT_EQ(first, second);
  std::sort(first.begin(), first.end());
  EXPECT_EQ(std::unique(first.begin(), first.end()), first.end())
      << "different records must get different ids";
}

TEST_F(IngestStageTest, ProgressCountsTheBytesOfEveryListedFile) {
  // Read whole, streamed, rejected as binary and over the size limit: each
  // file's bytes count as read once the source is done with it.
  const std::string lines = "{\"title\": \"Gamma\"}\n{\"title\": \"Delta\"}\n";
  const std::string text = "Alpha\n\nFirst.\n";
  const std::string binary(
      "\x7f"
      "ELF\0\0\0binary",
      13);
  Write("in/a.txt", text);
  Write("in/c.jsonl", lines);
  Write("in/d.txt", binary);
  Write("in/e.txt", std::string(5000, 'e'));
  const auto total =
      static_cast<int64_t>(text.size() + lines.size() + binary.size() + 5000);
  IngestInstance stage(Options({Path("in")}, R"("max_file_bytes": 4096)"));
  ASSERT_TRUE(stage.created()) << stage.create_error();
  stage.PollUntil(NF_POLL_DONE);
  ASSERT_EQ(stage.host().progress.size(), 1u);
  const FakeHost::Counts& counts = stage.host().progress.begin()->second;
  EXPECT_EQ(counts.bytes_total, total);
  EXPECT_EQ(counts.bytes_read, total);
  EXPECT_EQ(counts.added, 3);
}

TEST_F(IngestStageTest, PollEmitsAtMostBatchSize) {
  Write("in/records.jsonl",
        "{\"title\": \"1\"}\n{\"title\": \"2\"}\n{\"title\": \"3\"}\n"
        "{\"title\": \"4\"}\n{\"title\": \"5\"}\n");
  Write("in/single.txt", "6\n");
  IngestInstance stage(Options({Path("in")}, R"("batch_size": 2)"));
  ASSERT_TRUE(stage.created()) << stage.create_error();

  std::vector<size_t> per_poll;
  nf_poll_state state = NF_POLL_MORE;
  for (int i = 0; i < 20 && state != NF_POLL_DONE; ++i) {
    size_t before = stage.host().articles.size();
    state = stage.Poll();
    per_poll.push_back(stage.host().articles.size() - before);
  }
  EXPECT_EQ(state, NF_POLL_DONE);
  EXPECT_THAT(per_poll, ElementsAre(2, 2, 2));
  std::vector<std::string> titles;
  for (const auto& article : stage.host().articles) {
    titles.push_back(article.title());
  }
  EXPECT_THAT(titles, ElementsAre("1", "2", "3", "4", "5", "6"));
}

TEST_F(IngestStageTest, WatchPicksUpNewAndChangedFiles) {
  std::string first = Write("watched/first.txt", "First\n");
  std::string missing = Path("not-yet");
  IngestInstance stage(Options({Path("watched"), missing},
                               R"("watch": true, "watch_interval_ms": 0)"));
  ASSERT_TRUE(stage.created()) << stage.create_error();

  stage.PollUntil(NF_POLL_IDLE);
  EXPECT_THAT(PathsOf(stage.host().articles), ElementsAre(first));
  EXPECT_EQ(stage.Poll(), NF_POLL_IDLE);  // unchanged files are not re-read
  EXPECT_THAT(stage.host().articles, SizeIs(1));

  std::string second = Write("watched/sub/second.txt", "Second\n");
  stage.PollUntil(NF_POLL_IDLE);
  EXPECT_THAT(PathsOf(stage.host().articles), ElementsAre(first, second));

  Write("watched/first.txt", "First, revised\n");
  stage.PollUntil(NF_POLL_IDLE);
  ASSERT_THAT(stage.host().articles, SizeIs(3));
  EXPECT_EQ(stage.host().articles[2].title(), "First, revised");
  EXPECT_NE(stage.host().articles[2].id(), stage.host().articles[0].id());

  // The missing path was reported once, not once per scan.
  ASSERT_THAT(stage.host().rejections, SizeIs(1));
  EXPECT_EQ(stage.host().rejections[0].what, missing);
}

TEST_F(IngestStageTest, WatchWaitsForTheIntervalBetweenScans) {
  Write("watched/first.txt", "First\n");
  IngestInstance stage(Options(
      {Path("watched")}, R"("watch": true, "watch_interval_ms": 3600000)"));
  ASSERT_TRUE(stage.created()) << stage.create_error();
  stage.PollUntil(NF_POLL_IDLE);
  ASSERT_THAT(stage.host().articles, SizeIs(1));

  Write("watched/second.txt", "Second\n");
  EXPECT_EQ(stage.Poll(), NF_POLL_IDLE);
  EXPECT_THAT(stage.host().articles, SizeIs(1));
}

TEST_F(IngestStageTest, BadOptionsFailCreate) {
  std::string path = Write("a.txt", "A\n");
  struct Case {
    std::string options;
    std::string message;
  };
  for (const Case& c : std::vector<Case>{
           {Options({path}, R"("pahts": [])"), "pahts"},
           {Options({path}, R"("batch_size": 0)"), "batch_size"},
           {Options({path}, R"("max_file_bytes": 0)"), "max_file_bytes"},
           {Options({path}, R"("watch_interval_ms": -5)"), "watch_interval_ms"},
           {Options({path}, R"("extensions": [""])"), "extensions"},
           {"{}", "paths"},
       }) {
    IngestInstance stage(c.options);
    EXPECT_FALSE(stage.created()) << c.options;
    EXPECT_THAT(stage.create_error(), HasSubstr(c.message)) << c.options;
  }
}

TEST(IngestSchemaTest, ParsedOptionsCarryTheDeclaredDefaults) {
  stages::ingest::IngestOptions options;
  ASSERT_TRUE(ParseStageOptions(R"({"paths": ["/x"]})", &options).ok());
  auto settings = ingest::ResolveIngestOptions(options);
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(settings->batch_size, 64);
  EXPECT_EQ(settings->files.max_file_bytes, 16 << 20);
  EXPECT_EQ(settings->files.source_name, "files");
  EXPECT_THAT(settings->files.extensions,
              ElementsAre(".txt", ".html", ".htm", ".json", ".jsonl"));
}

TEST_F(IngestStageTest, BbcArticleInWindows1252BecomesValidUtf8) {
  const std::string path =
      std::string(NEWSFLOW_SHARED_DIR) + "/corpora/bbc/sport/199.txt";
  if (!fs::exists(path)) GTEST_SKIP() << "shared corpus absent: " << path;
  IngestInstance stage(Options({path}));
  ASSERT_TRUE(stage.created()) << stage.create_error();
  stage.PollUntil(NF_POLL_DONE);

  ASSERT_THAT(stage.host().articles, SizeIs(1));
  const v1::Article& article = stage.host().articles[0];
  EXPECT_FALSE(article.title().empty());
  EXPECT_THAT(article.body(), HasSubstr("\n\n"));
  EXPECT_TRUE(IsValidUtf8(article.title()));
  EXPECT_TRUE(IsValidUtf8(article.body()));
  ASSERT_THAT(article.warnings(), SizeIs(1));
  EXPECT_THAT(article.warnings(0), HasSubstr("converted from windows-1252"));
  EXPECT_THAT(article.body(), HasSubstr("\xC2\xA3"));  // a pound sign
}

}  // namespace
}  // namespace newsflow
