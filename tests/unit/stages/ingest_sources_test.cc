// The ingest stage's typed sources: charset decoding, the feed parser, the
// Reuters SGML reader, the HTTP fetcher and the feed, url, stdin, Reuters
// and watched files sources, against a scripted HTTP server on 127.0.0.1.
// Every feed and page served here is our own writing.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <deque>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "stages/ingest/charset.h"
#include "stages/ingest/feed_parser.h"
#include "stages/ingest/file_source.h"
#include "stages/ingest/http_fetcher.h"
#include "stages/ingest/ingest_stage.h"
#include "stages/ingest/page_article.h"
#include "stages/ingest/reuters_sgml.h"
#include "stages/ingest/reuters_source.h"
#include "stages/ingest/seen_store.h"
#include "tests/support/test_http_server.h"
#include "tests/unit/stages/ingest_test_support.h"

namespace newsflow {
namespace {

namespace fs = std::filesystem;
using ::newsflow::testing::HttpResponse;
using ::newsflow::testing::TestHttpServer;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

// ---------------------------------------------------------------- charset

TEST(CharsetTest, HeaderCharsetWins) {
  auto decoded =
      ingest::DecodeToUtf8("caf\xE9", "text/html; charset=ISO-8859-1");
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->utf8, "caf\xC3\xA9");
  EXPECT_EQ(decoded->charset, "windows-1252");
  EXPECT_EQ(decoded->evidence, "header");
}

TEST(CharsetTest, MetaCharsetIsReadWhenTheHeaderHasNone) {
  std::string page =
      "<html><head><meta charset=\"koi8-r\"></head><body>\xF0\xD2\xC9"
      "</body></html>";
  auto decoded = ingest::DecodeToUtf8(page, "text/html");
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->evidence, "document");
  EXPECT_THAT(decoded->utf8, HasSubstr("\xD0\x9F\xD1\x80\xD0\xB8"));  // При
}

TEST(CharsetTest, HttpEquivAndXmlDeclarationsAreRead) {
  EXPECT_EQ(
      ingest::CharsetFromDocument("<meta http-equiv=\"Content-Type\" "
                                  "content=\"text/html; charset=Shift_JIS\">"),
      "shift_jis");
  EXPECT_EQ(ingest::CharsetFromDocument(
                "<?xml version=\"1.0\" encoding='ISO-8859-15'?><rss/>"),
            "iso-8859-15");
  EXPECT_EQ(ingest::CharsetFromDocument("<p>no declaration</p>"), "");
}

TEST(CharsetTest, ByteOrderMarkBeatsADeclaration) {
  std::string utf16 = std::string("\xFF\xFE", 2) + std::string("h\0i\0", 4);
  auto decoded = ingest::DecodeToUtf8(utf16, "text/plain; charset=utf-8");
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->utf8, "hi");
  EXPECT_EQ(decoded->evidence, "bom");
}

TEST(CharsetTest, UndeclaredLatinTextIsDetected) {
  std::string text =
      "Les \xE9l\xE8ves de l'\xE9"
      "cole ont visit\xE9 le mus\xE9"
      "e "
      "d'histoire naturelle, o\xF9 ils ont d\xE9"
      "couvert des fossiles "
      "tr\xE8s anciens et une for\xEAt recr\xE9\xE9"
      "e pour l'\xE9t\xE9.";
  auto decoded = ingest::DecodeToUtf8(text, "");
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->evidence, "detected");
  EXPECT_THAT(decoded->utf8, HasSubstr("\xC3\xA9l\xC3\xA8ves"));
}

TEST(CharsetTest, WrongDeclaredCharsetIsAnErrorNotMojibake) {
  auto decoded =
      ingest::DecodeToUtf8("caf\xE9 cr\xE8me", "text/html; charset=utf-8");
  ASSERT_FALSE(decoded.ok());
  EXPECT_THAT(std::string(decoded.status().message()),
              HasSubstr("charset utf-8 (header): invalid utf-8 at byte 3"));
}

TEST(CharsetTest, PageWithAFewStrayBytesInUtf8IsKept) {
  // One Latin-1 byte in a long UTF-8 page: kept, the byte as U+FFFD.
  std::string page = absl::StrCat(
      "<html><head><meta charset=\"utf-8\"></head><body><p>",
      std::string(2000, 'x'), " caf\xE9 na\xC3\xAFve</p></body></html>");
  ASSERT_FALSE(ingest::DecodeToUtf8(page, "").ok());
  auto decoded = ingest::DecodePage(page, "");
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_THAT(decoded->utf8, HasSubstr("caf\xEF\xBF\xBD na\xC3\xAFve"));
  EXPECT_EQ(decoded->charset, "utf-8");
  EXPECT_EQ(decoded->evidence, "utf-8, 1 bytes replaced");
  // Text that is Latin-1 throughout is still refused, not turned to U+FFFD.
  EXPECT_FALSE(
      ingest::DecodePage("caf\xE9 cr\xE8me", "text/html; charset=utf-8").ok());
}

TEST(CharsetTest, UnknownCharsetIsAnError) {
  auto decoded = ingest::DecodeToUtf8("abc", "text/html; charset=x-klingon");
  ASSERT_FALSE(decoded.ok());
  EXPECT_THAT(std::string(decoded.status().message()),
              HasSubstr("unknown charset 'x-klingon'"));
}

TEST(CharsetTest, InvalidBytesInAMultiByteCharsetAreAnError) {
  // 0x81 0x20 is not a Shift_JIS character.
  auto converted = ingest::ConvertToUtf8("ok \x81\x20", "shift_jis");
  ASSERT_FALSE(converted.ok());
  EXPECT_THAT(std::string(converted.status().message()), HasSubstr("byte 3"));
}

// ------------------------------------------------------------ feed parser

constexpr char kRss[] = R"(<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel>
  <title>Harbour Town Gazette</title>
  <link>http://news.test/</link>
  <item>
    <title>Ferry timetable &amp; fares change</title>
    <link>/local/ferry.html</link>
    <guid isPermaLink="false">gazette-101</guid>
    <description>&lt;p&gt;The winter &lt;b&gt;timetable&lt;/b&gt; starts Monday.&lt;/p&gt;</description>
    <pubDate>Tue, 03 Nov 2026 08:15:00 GMT</pubDate>
    <dc:creator>Ines Maalouf</dc:creator>
  </item>
  <item>
    <title><![CDATA[Library opens a <i>seed</i> exchange]]></title>
    <link>http://news.test/local/seeds.html</link>
    <pubDate>Wed, 4 Nov 2026 17:40:00 +0100</pubDate>
  </item>
</channel>
</rss>)";

TEST(FeedParserTest, ReadsRss) {
  auto feed = ingest::ParseFeed(kRss, "http://news.test/rss.xml");
  ASSERT_TRUE(feed.ok()) << feed.status();
  EXPECT_EQ(feed->title, "Harbour Town Gazette");
  ASSERT_THAT(feed->items, SizeIs(2));
  const auto& first = feed->items[0];
  EXPECT_EQ(first.title, "Ferry timetable & fares change");
  EXPECT_EQ(first.link, "http://news.test/local/ferry.html");
  EXPECT_EQ(first.guid, "gazette-101");
  EXPECT_EQ(first.Key(), "gazette-101");
  EXPECT_EQ(first.summary, "The winter timetable starts Monday.");
  EXPECT_EQ(first.published, "2026-11-03T08:15:00Z");
  EXPECT_EQ(first.author, "Ines Maalouf");
  const auto& second = feed->items[1];
  EXPECT_EQ(second.title, "Library opens a seed exchange");
  EXPECT_EQ(second.Key(), "http://news.test/local/seeds.html");
  EXPECT_EQ(second.published, "2026-11-04T16:40:00Z");
}

TEST(FeedParserTest, ReadsAtom) {
  constexpr char kAtom[] = R"(<?xml version="1.0"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title type="text">Valley Weather Desk</title>
  <entry>
    <title>Frost expected in the upper valley</title>
    <link rel="self" href="http://wx.test/api/frost"/>
    <link href="frost.html"/>
    <id>urn:wx:2026:frost</id>
    <updated>2026-11-05T06:00:00+02:00</updated>
    <summary type="html">Growers should &lt;em&gt;cover&lt;/em&gt; seedlings.</summary>
    <author><name>Tomas Reyes</name></author>
  </entry>
</feed>)";
  auto feed = ingest::ParseFeed(kAtom, "http://wx.test/feeds/atom.xml");
  ASSERT_TRUE(feed.ok()) << feed.status();
  EXPECT_EQ(feed->title, "Valley Weather Desk");
  ASSERT_THAT(feed->items, SizeIs(1));
  EXPECT_EQ(feed->items[0].link, "http://wx.test/feeds/frost.html");
  EXPECT_EQ(feed->items[0].guid, "urn:wx:2026:frost");
  EXPECT_EQ(feed->items[0].published, "2026-11-05T04:00:00Z");
  EXPECT_EQ(feed->items[0].summary, "Growers should cover seedlings.");
  EXPECT_EQ(feed->items[0].author, "Tomas Reyes");
}

TEST(FeedParserTest, BrokenXmlNamesUrlLineAndColumn) {
  auto feed = ingest::ParseFeed("<rss><channel>\n<item><title>x</item>",
                                "http://news.test/bad.xml");
  ASSERT_FALSE(feed.ok());
  EXPECT_THAT(std::string(feed.status().message()),
              HasSubstr("http://news.test/bad.xml:2:"));
  EXPECT_THAT(std::string(feed.status().message()),
              HasSubstr("mismatched tag"));
}

TEST(FeedParserTest, WellFormedNonFeedIsRefused) {
  auto feed = ingest::ParseFeed("<html><body>hi</body></html>",
                                "http://news.test/page");
  ASSERT_FALSE(feed.ok());
  EXPECT_THAT(std::string(feed.status().message()),
              HasSubstr("not an RSS or Atom feed (root element <html>)"));
}

TEST(FeedParserTest, DatesOfBothFormats) {
  EXPECT_EQ(ingest::FeedDateToRfc3339("Sat, 07 Nov 2026 23:05:09 EST"),
            "2026-11-08T04:05:09Z");
  EXPECT_EQ(ingest::FeedDateToRfc3339("2026-11-07T10:00:00Z"),
            "2026-11-07T10:00:00Z");
  EXPECT_EQ(ingest::FeedDateToRfc3339("next Tuesday"), "");
}

// Found by feed_fuzzer: "%Y" read "24" as the year 24, and the result,
// "24-03-05T14:05:00Z", was not RFC 3339.
TEST(FeedParserTest, TwoDigitYearsAreRfc2822Years) {
  EXPECT_EQ(ingest::FeedDateToRfc3339("5 Mar 24 09:05 EST"),
            "2024-03-05T14:05:00Z");
  EXPECT_EQ(ingest::FeedDateToRfc3339("Fri, 05 Mar 99 09:05:30 GMT"),
            "1999-03-05T09:05:30Z");
}

// Found by feed_fuzzer: a year the four-digit form cannot hold, or no
// feed could mean, gave a date that was not RFC 3339.
TEST(FeedParserTest, ImplausibleYearsAreNoDate) {
  EXPECT_EQ(ingest::FeedDateToRfc3339("0999-03-05T09:05:00Z"), "");
  EXPECT_EQ(ingest::FeedDateToRfc3339("12024-03-05T09:05:00Z"), "");
  EXPECT_EQ(ingest::FeedDateToRfc3339("05 Mar 812 09:05:00 GMT"), "");
  EXPECT_EQ(ingest::FeedDateToRfc3339("1899-12-31T23:59:59Z"), "");
  EXPECT_EQ(ingest::FeedDateToRfc3339("2200-01-01T00:00:00Z"),
            "2200-01-01T00:00:00Z");
}

// ------------------------------------------------------------ SGML reader

constexpr char kSgml[] =
    "<!DOCTYPE lewis SYSTEM \"lewis.dtd\">\n"
    "<REUTERS TOPICS=\"YES\" LEWISSPLIT=\"TRAIN\" CGISPLIT=\"TRAINING-SET\" "
    "OLDID=\"17\" NEWID=\"7\">\n"
    "<DATE> 2-MAR-1987 09:30:12.40</DATE>\n"
    "<TOPICS><D>grain</D><D>wheat</D></TOPICS>\n"
    "<PLACES><D>canada</D></PLACES>\n<PEOPLE></PEOPLE>\n<ORGS></ORGS>\n"
    "<EXCHANGES></EXCHANGES>\n<COMPANIES></COMPANIES>\n"
    "<UNKNOWN>&#5;&#5;noise</UNKNOWN>\n"
    "<TEXT>&#2;\n<TITLE>PRAIRIE WHEAT &lt;HARVEST&gt; BEATS FORECAST</TITLE>\n"
    "<DATELINE>    WINNIPEG, March 2 - </DATELINE><BODY>Farmers on the "
    "prairies\n"
    "brought in more wheat than forecast.\n"
    "    Storage is short, the board said.\n"
    " Reuter\n&#3;</BODY></TEXT>\n"
    "</REUTERS>\n"
    "<REUTERS TOPICS=\"NO\" NEWID=\"8\">\n<DATE>bad date</DATE>\n"
    "<TEXT TYPE=\"BRIEF\">&#2;\n<TITLE>SHORT NOTICE</TITLE>\n&#3;\n</TEXT>\n"
    "</REUTERS>\n"
    "<REUTERS NEWID=\"9\">\n<TEXT>&#2;\n</TEXT>\n</REUTERS>\n"
    "<REUTERS OLDID=\"1\">\n<TEXT><TITLE>NO ID</TITLE></TEXT>\n</REUTERS>\n"
    "<REUTERS NEWID=\"10\">\n<TEXT><TITLE>CUT OFF</TITLE>";

TEST(ReutersSgmlTest, ReadsDocumentsAndReportsBrokenOnes) {
  ingest::ReutersFile file = ingest::ParseReutersSgml(kSgml);
  ASSERT_THAT(file.documents, SizeIs(2));
  const auto& d = file.documents[0];
  EXPECT_EQ(d.line, 2);
  EXPECT_EQ(d.new_id, "7");
  EXPECT_EQ(d.old_id, "17");
  EXPECT_EQ(d.date, "1987-03-02T09:30:12Z");
  EXPECT_EQ(d.title, "PRAIRIE WHEAT <HARVEST> BEATS FORECAST");
  EXPECT_EQ(d.dateline, "WINNIPEG, March 2 -");
  EXPECT_EQ(d.body,
            "Farmers on the prairies brought in more wheat than forecast."
            "\n\nStorage is short, the board said.\n\nReuter");
  EXPECT_THAT(d.topics, ElementsAre("grain", "wheat"));
  EXPECT_THAT(d.places, ElementsAre("canada"));
  EXPECT_THAT(d.people, IsEmpty());
  const auto& brief = file.documents[1];
  EXPECT_EQ(brief.text_type, "BRIEF");
  EXPECT_EQ(brief.title, "SHORT NOTICE");
  EXPECT_EQ(brief.date, "");
  EXPECT_EQ(brief.raw_date, "bad date");

  ASSERT_THAT(file.problems, SizeIs(3));
  EXPECT_THAT(file.problems[0].reason, HasSubstr("NEWID 9 has neither"));
  EXPECT_THAT(file.problems[1].reason, HasSubstr("without NEWID"));
  EXPECT_THAT(file.problems[2].reason, HasSubstr("without </REUTERS>"));
}

std::string SharedReuters() {
  return std::string(NEWSFLOW_SHARED_DIR) + "/corpora/reuters21578";
}

TEST(ReutersSgmlTest, CorpusFileHoldsAThousandDocuments) {
  const std::string path = SharedReuters() + "/reut2-000.sgm";
  if (!fs::exists(path)) GTEST_SKIP() << "shared corpus absent: " << path;
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)),
                    std::istreambuf_iterator<char>());
  ingest::ReutersFile file = ingest::ParseReutersSgml(bytes);
  EXPECT_EQ(file.documents.size() + file.problems.size(), 1000u);
  EXPECT_GE(file.documents.size(), 990u);
  int dated = 0, with_topics = 0, with_places = 0;
  for (const auto& d : file.documents) {
    dated += !d.date.empty();
    with_topics += !d.topics.empty();
    with_places += !d.places.empty();
    EXPECT_EQ(d.body.find('\x03'), std::string::npos) << d.new_id;
  }
  EXPECT_EQ(dated, static_cast<int>(file.documents.size()));
  EXPECT_GT(with_topics, 500);
  EXPECT_GT(with_places, 800);
}

// Parses `bytes` a document at a time, as ReutersSource reads a file.
ingest::ReutersFile ParseStreamed(const std::string& bytes) {
  std::istringstream in(bytes);
  ingest::ReutersSgmlReader reader(in);
  ingest::ReutersFile all;
  std::string text;
  int line = 0;
  while (reader.Next(&text, &line)) {
    ingest::ReutersFile one = ingest::ParseReutersSgml(text, line);
    for (auto& d : one.documents) all.documents.push_back(std::move(d));
    for (auto& p : one.problems) all.problems.push_back(std::move(p));
  }
  EXPECT_FALSE(reader.failed());
  return all;
}

void ExpectSameParse(const ingest::ReutersFile& streamed,
                     const ingest::ReutersFile& whole) {
  ASSERT_EQ(streamed.documents.size(), whole.documents.size());
  for (size_t i = 0; i < whole.documents.size(); ++i) {
    EXPECT_EQ(streamed.documents[i].line, whole.documents[i].line) << i;
    EXPECT_EQ(streamed.documents[i].new_id, whole.documents[i].new_id) << i;
    EXPECT_EQ(streamed.documents[i].title, whole.documents[i].title) << i;
    EXPECT_EQ(streamed.documents[i].body, whole.documents[i].body) << i;
  }
  ASSERT_EQ(streamed.problems.size(), whole.problems.size());
  for (size_t i = 0; i < whole.problems.size(); ++i) {
    EXPECT_EQ(streamed.problems[i].line, whole.problems[i].line) << i;
    EXPECT_EQ(streamed.problems[i].reason, whole.problems[i].reason) << i;
    EXPECT_EQ(streamed.problems[i].raw, whole.problems[i].raw) << i;
  }
}

TEST(ReutersSgmlTest, ReadingDocumentByDocumentParsesAsTheWholeFile) {
  // Many copies, so that documents straddle the reader's blocks at every
  // offset; a preamble that is skipped.
  std::string bytes = "<!DOCTYPE lewis SYSTEM \"lewis.dtd\">\n";
  for (int i = 0; i < 300; ++i) bytes += kSgml;
  ExpectSameParse(ParseStreamed(bytes), ingest::ParseReutersSgml(bytes));
  ExpectSameParse(ParseStreamed(kSgml), ingest::ParseReutersSgml(kSgml));
  EXPECT_TRUE(ParseStreamed("").documents.empty());
  EXPECT_TRUE(ParseStreamed("no documents here\n").problems.empty());

  const std::string path = SharedReuters() + "/reut2-000.sgm";
  if (!fs::exists(path)) return;
  std::ifstream in(path, std::ios::binary);
  std::string corpus((std::istreambuf_iterator<char>(in)),
                     std::istreambuf_iterator<char>());
  ExpectSameParse(ParseStreamed(corpus), ingest::ParseReutersSgml(corpus));
}

// ------------------------------------------------------------- seen store

class TempDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern =
        (fs::temp_directory_path() / "newsflow-sources-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
  std::string Write(const std::string& relative, const std::string& bytes) {
    fs::path path = fs::path(dir_) / relative;
    fs::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << bytes;
    return path.string();
  }
  std::string dir_;
};

using SeenStoreTest = TempDirTest;

TEST_F(SeenStoreTest, KeysSurviveOnlyWhenCommitted) {
  const std::string path = dir_ + "/state/feed.seen";
  {
    ingest::SeenStore store(path);
    ASSERT_TRUE(store.Load().ok());
    store.Mark("a\tb\nc");
    store.SetValue("etag", "\"v1\"");
    ASSERT_TRUE(store.Commit().ok());
    store.Mark("uncommitted");
  }
  ingest::SeenStore again(path);
  ASSERT_TRUE(again.Load().ok());
  EXPECT_TRUE(again.Contains("a\tb\nc"));
  EXPECT_FALSE(again.Contains("uncommitted"));
  EXPECT_EQ(again.Value("etag"), "\"v1\"");
}

TEST_F(SeenStoreTest, ForgetsTheOldestBeyondCapacityAndRejectsGarbage) {
  ingest::SeenStore store(dir_ + "/s.seen", 2);
  store.Mark("1");
  store.Mark("2");
  store.Mark("3");
  EXPECT_FALSE(store.Contains("1"));
  EXPECT_TRUE(store.Contains("3"));
  Write("bad.seen", "something else\n");
  ingest::SeenStore bad(dir_ + "/bad.seen");
  absl::Status status = bad.Load();
  EXPECT_THAT(std::string(status.message()), HasSubstr("bad.seen:1:"));
}

// ------------------------------------------------------------------ globs

TEST(GlobTest, MatchesComponentsAndDoubleStar) {
  EXPECT_TRUE(ingest::GlobMatches("/in/**/*.html", "/in/a.html"));
  EXPECT_TRUE(ingest::GlobMatches("/in/**/*.html", "/in/x/y/a.html"));
  EXPECT_FALSE(ingest::GlobMatches("/in/**/*.html", "/in/x/a.txt"));
  EXPECT_TRUE(ingest::GlobMatches("/in/*/a.txt", "/in/x/a.txt"));
  EXPECT_FALSE(ingest::GlobMatches("/in/*/a.txt", "/in/x/y/a.txt"));
  EXPECT_FALSE(ingest::GlobMatches("/in/*.txt", "/in/.hidden.txt"));
}

// ---------------------------------------------------------------- fetcher

// Waits (up to 10 s) until the server has received a request for `path`.
bool WaitForRequest(const TestHttpServer& server, const std::string& path) {
  for (int i = 0; i < 1000 && server.RequestCount(path) == 0; ++i) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  return server.RequestCount(path) > 0;
}

ingest::FetchOptions FastFetch() {
  ingest::FetchOptions options;
  options.timeout = absl::Milliseconds(1500);
  options.host_delay = absl::ZeroDuration();
  options.max_bytes = 1 << 20;
  options.max_redirects = 3;
  return options;
}

TEST(HttpFetcherTest, ConditionalGetGzipAndUserAgent) {
  TestHttpServer server;
  ASSERT_TRUE(server.ok());
  server.SetHandler("/feed", [](const testing::HttpRequest& request) {
    HttpResponse response;
    if (request.headers.count("if-none-match") &&
        request.headers.at("if-none-match") == "\"abc\"") {
      response.status = 304;
      return response;
    }
    response.headers = {{"ETag", "\"abc\""},
                        {"Last-Modified", "Tue, 03 Nov 2026 08:00:00 GMT"},
                        {"Content-Type", "application/rss+xml"}};
    response.body = "<rss/>";
    response.gzip = true;
    return response;
  });
  ingest::HttpFetcher fetcher(FastFetch());
  auto first = fetcher.Fetch({server.Url("/feed"), "", ""});
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->status, 200);
  EXPECT_EQ(first->body, "<rss/>");
  EXPECT_EQ(first->etag, "\"abc\"");
  EXPECT_EQ(first->last_modified, "Tue, 03 Nov 2026 08:00:00 GMT");
  auto second =
      fetcher.Fetch({server.Url("/feed"), first->etag, first->last_modified});
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->status, 304);
  auto requests = server.Requests();
  ASSERT_THAT(requests, SizeIs(2));
  EXPECT_THAT(requests[0].headers["user-agent"], HasSubstr("newsflow/"));
  EXPECT_THAT(requests[0].headers["accept-encoding"], HasSubstr("gzip"));
  EXPECT_EQ(requests[1].headers["if-modified-since"],
            "Tue, 03 Nov 2026 08:00:00 GMT");
}

TEST(HttpFetcherTest, EveryFailureHasADefinedStatus) {
  TestHttpServer server;
  ASSERT_TRUE(server.ok());
  HttpResponse missing;
  missing.status = 404;
  server.Set("/missing", missing);
  HttpResponse broken;
  broken.status = 500;
  server.Set("/broken", broken);
  HttpResponse slow = TestHttpServer::Html("<p>late</p>");
  slow.delay_ms = 5000;
  server.Set("/slow", slow);
  HttpResponse forbidden;
  forbidden.status = 403;
  server.Set("/forbidden", forbidden);
  server.Set("/loop", TestHttpServer::Redirect("/loop"));
  server.Set("/hop", TestHttpServer::Redirect("/missing"));
  server.Set("/huge", TestHttpServer::Html(std::string(20 << 20, 'x')));
  ingest::HttpFetcher fetcher(FastFetch());

  auto status_of = [&](const std::string& path) {
    return fetcher.Fetch({server.Url(path), "", ""}).status();
  };
  absl::Status status = status_of("/missing");
  EXPECT_TRUE(absl::IsNotFound(status)) << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr("/missing: HTTP 404"));
  EXPECT_FALSE(ingest::IsTransient(status));
  status = status_of("/forbidden");
  EXPECT_TRUE(absl::IsPermissionDenied(status)) << status;
  EXPECT_FALSE(ingest::IsTransient(status));
  status = status_of("/broken");
  EXPECT_TRUE(ingest::IsTransient(status)) << status;
  status = status_of("/slow");
  EXPECT_TRUE(ingest::IsTransient(status)) << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr("timed out"));
  status = status_of("/loop");
  EXPECT_THAT(std::string(status.message()), HasSubstr("redirect loop"));
  status = status_of("/hop");
  EXPECT_TRUE(absl::IsNotFound(status)) << status;
  status = status_of("/huge");
  EXPECT_TRUE(absl::IsResourceExhausted(status)) << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr("larger than 1048576"));
  status = fetcher.Fetch({"file:///etc/passwd", "", ""}).status();
  EXPECT_FALSE(status.ok());
}

TEST(HttpFetcherTest, AbandonsTransfersAndPausesOnceTheStageStops) {
  TestHttpServer server;
  ASSERT_TRUE(server.ok());
  HttpResponse silent = TestHttpServer::Html("<p>never</p>");
  silent.delay_ms = 60000;
  server.Set("/silent", silent);
  server.Set("/page", TestHttpServer::Html("<p>here</p>"));
  std::atomic<bool> stopping{false};
  ingest::FetchOptions options = FastFetch();
  options.timeout = absl::Seconds(60);
  options.host_delay = absl::Seconds(60);
  options.stopping = [&stopping] { return stopping.load(); };
  ingest::HttpFetcher fetcher(options);
  ASSERT_TRUE(fetcher.Fetch({server.Url("/page"), "", ""}).ok());

  // The same host again: inside its 60 s host_delay.
  std::thread stop([&] {
    absl::SleepFor(absl::Milliseconds(200));
    stopping = true;
  });
  absl::Time start = absl::Now();
  absl::Status status = fetcher.Fetch({server.Url("/page"), "", ""}).status();
  stop.join();
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
  EXPECT_TRUE(absl::IsCancelled(status)) << status;
  EXPECT_TRUE(ingest::IsTransient(status));
  EXPECT_EQ(server.RequestCount("/page"), 1);

  // A transfer the server never answers.
  stopping = false;
  ingest::FetchOptions no_delay = options;
  no_delay.host_delay = absl::ZeroDuration();
  ingest::HttpFetcher waiting(no_delay);
  stop = std::thread([&] {
    EXPECT_TRUE(WaitForRequest(server, "/silent"));
    stopping = true;
  });
  start = absl::Now();
  status = waiting.Fetch({server.Url("/silent"), "", ""}).status();
  stop.join();
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  EXPECT_TRUE(absl::IsCancelled(status)) << status;
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("/silent: abandoned, the stage is stopping"));
}

TEST(HttpFetcherTest, ResolvesRelativeUrls) {
  EXPECT_EQ(ingest::ResolveUrl("http://a.test/x/feed.xml", "../p.html"),
            "http://a.test/p.html");
  EXPECT_EQ(ingest::ResolveUrl("http://a.test/x/", "http://b.test/q"),
            "http://b.test/q");
  EXPECT_EQ(ingest::UrlHost("https://News.Test:8080/a"), "news.test");
}

// A percent-encoded host decodes to bytes that may be no UTF-8 (found by
// the feed fuzzer: an Atom link "https://weather.test%bahn"); such a link
// is no usable URL, never invalid UTF-8 in an article field.
TEST(HttpFetcherTest, AHostThatDecodesToNoUtf8IsNoUrl) {
  EXPECT_EQ(
      ingest::ResolveUrl("http://a.test/feed.xml", "https://weather.test%bahn"),
      "");
  EXPECT_EQ(ingest::UrlHost("https://weather.test%ba/x"), "");
  // A host whose escapes decode to UTF-8 still resolves.
  EXPECT_FALSE(
      ingest::ResolveUrl("http://a.test/feed.xml", "https://caf%C3%A9.test/")
          .empty());
}

// --------------------------------------------------- sources in the stage

std::string Article(const std::string& title, const std::string& sentence) {
  std::string body;
  for (int i = 0; i < 6; ++i) {
    absl::StrAppend(&body, "<p>", sentence, " (paragraph ", i + 1, ")</p>\n");
  }
  return absl::StrCat("<html><head><title>", title,
                      " | Gazette</title></head><body><h1>", title, "</h1>",
                      body, "</body></html>");
}

std::string RssItem(const std::string& guid, const std::string& link,
                    const std::string& title,
                    const std::string& description = "") {
  return absl::StrCat(
      "<item><guid>", guid, "</guid><link>", link, "</link><title>", title,
      "</title>",
      description.empty()
          ? ""
          : absl::StrCat("<description>", description, "</description>"),
      "<pubDate>Mon, 02 Nov 2026 10:00:00 GMT</pubDate></item>");
}

std::string Rss(const std::vector<std::string>& items) {
  return absl::StrCat(
      "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Test "
      "Wire</title>",
      absl::StrJoin(items, ""), "</channel></rss>");
}

class WebSourceTest : public TempDirTest {
 protected:
  std::string FeedOptions(const std::string& feed_path,
                          const std::string& extra = "") {
    return absl::StrCat(R"({"sources": [{"feed": ")", server_.Url(feed_path),
                        R"(", "every": "1h"}], "state_dir": ")", dir_,
                        R"(", "host_delay_ms": 0, "fetch_timeout_ms": 1500,)",
                        R"( "max_fetch_bytes": 1048576, "max_redirects": 3)",
                        extra, "}");
  }
  // Reasons of the rejections whose `what` contains `needle`.
  static std::vector<std::string> RejectedFor(const FakeHost& host,
                                              const std::string& needle) {
    std::vector<std::string> reasons;
    for (const auto& r : host.rejections) {
      if (absl::StrContains(r.what, needle)) reasons.push_back(r.reason);
    }
    return reasons;
  }
  // The "will retry WHAT: REASON" warnings whose WHAT contains `needle`:
  // failures tried again later, which are not rejections (dead letters).
  static std::vector<std::string> RetriedFor(const FakeHost& host,
                                             const std::string& needle) {
    std::vector<std::string> warnings;
    for (const std::string& warning : host.warnings) {
      if (absl::StartsWith(warning, "will retry ") &&
          absl::StrContains(warning.substr(0, warning.find(": ")), needle)) {
        warnings.push_back(warning);
      }
    }
    return warnings;
  }

  TestHttpServer server_;
};

TEST_F(WebSourceTest, FeedItemsEachGetADefinedOutcome) {
  ASSERT_TRUE(server_.ok());
  server_.Set("/a.html", TestHttpServer::Html(Article(
                             "Bridge reopens", "The east bridge reopened")));
  HttpResponse gone;
  gone.status = 404;
  server_.Set("/gone.html", gone);
  HttpResponse failing;
  failing.status = 500;
  server_.Set("/fail.html", failing);
  HttpResponse slow = TestHttpServer::Html(Article("Late", "Too late"));
  slow.delay_ms = 5000;
  server_.Set("/slow.html", slow);
  server_.Set("/loop.html", TestHttpServer::Redirect("/loop.html"));
  server_.Set("/huge.html", TestHttpServer::Html(std::string(20 << 20, 'x')));
  server_.Set("/latin.html", TestHttpServer::Html(
                                 Article("Caf\xE9 closes", "The caf\xE9 shut"),
                                 "text/html; charset=utf-8"));
  server_.Set("/nav.html", TestHttpServer::Html(
                               "<html><body><a href=/>Home</a></body></html>"));
  server_.Set("/moved.html", TestHttpServer::Redirect("/a2.html"));
  server_.Set("/a2.html", TestHttpServer::Html(Article(
                              "Market hall", "The market hall expanded")));
  server_.Set("/feed.xml",
              TestHttpServer::Html(
                  Rss({RssItem("g-a", "/a.html", "Bridge reopens"),
                       RssItem("g-gone", "/gone.html", "Gone"),
                       RssItem("g-fail", "/fail.html", "Fails"),
                       RssItem("g-slow", "/slow.html", "Slow"),
                       RssItem("g-loop", "/loop.html", "Loop"),
                       RssItem("g-huge", "/huge.html", "Huge"),
                       RssItem("g-latin", "/latin.html", "Latin"),
                       RssItem("g-nav", "/nav.html", "Council notes",
                               "The council met and agreed the budget."),
                       RssItem("g-nav2", "/nav.html", "Nothing"),
                       RssItem("g-moved", "/moved.html", "Moved"),
                       RssItem("g-a", "/a.html", "Bridge reopens (again)")}),
                  "application/rss+xml"));

  IngestInstance stage(FeedOptions("/feed.xml"));
  ASSERT_TRUE(stage.created()) << stage.create_error();
  stage.PollUntil(NF_POLL_IDLE);
  const FakeHost& host = stage.host();

  std::vector<std::string> titles;
  for (const auto& a : host.articles) titles.push_back(a.title());
  EXPECT_THAT(titles,
              ElementsAre("Bridge reopens", "Council notes", "Market hall"));
  const v1::Article& bridge = host.articles[0];
  EXPECT_EQ(bridge.url(), server_.Url("/a.html"));
  EXPECT_EQ(bridge.published_at(), "2026-11-02T10:00:00Z");
  EXPECT_EQ(bridge.source(), "127.0.0.1");
  EXPECT_EQ(bridge.metadata().at("feed_title"), "Test Wire");
  EXPECT_THAT(bridge.body(), HasSubstr("The east bridge reopened"));
  const v1::Article& notes = host.articles[1];
  EXPECT_EQ(notes.body(), "The council met and agreed the budget.");
  EXPECT_THAT(absl::StrJoin(notes.warnings(), "|"),
              HasSubstr("body is the feed's summary"));
  EXPECT_EQ(host.articles[2].url(), server_.Url("/a2.html"));

  EXPECT_THAT(RejectedFor(host, "/gone.html"),
              ElementsAre(HasSubstr("HTTP 404")));
  // Failures that may pass are retried, not rejected.
  EXPECT_THAT(RejectedFor(host, "/fail.html"), IsEmpty());
  EXPECT_THAT(RetriedFor(host, "/fail.html"),
              ElementsAre(HasSubstr("HTTP 500")));
  EXPECT_THAT(RetriedFor(host, "/slow.html"),
              ElementsAre(HasSubstr("timed out")));
  EXPECT_THAT(RetriedFor(host, "/loop.html"),
              ElementsAre(HasSubstr("redirect loop")));
  EXPECT_THAT(RejectedFor(host, "/huge.html"),
              ElementsAre(HasSubstr("larger than")));
  EXPECT_THAT(RejectedFor(host, "/latin.html"),
              ElementsAre(HasSubstr("invalid utf-8")));
  EXPECT_THAT(RejectedFor(host, "/nav.html"),
              ElementsAre(HasSubstr("no article text")));
  EXPECT_EQ(server_.RequestCount("/a.html"), 1);  // the repeated item

  const std::string name = "feed " + server_.Url("/feed.xml");
  ASSERT_TRUE(host.progress.count(name));
  EXPECT_EQ(host.progress.at(name).seen, 10);  // distinct items: g-a twice
  EXPECT_EQ(host.progress.at(name).added, 3);
  EXPECT_EQ(host.progress.at(name).failed, 7);

  // What the last poll read is saved once the host has journaled it: at
  // the next callback (here the flush a host sends an idle source).
  stage.Flush();
  // A restart fetches again only what failed for a reason that may pass.
  IngestInstance again(FeedOptions("/feed.xml"));
  ASSERT_TRUE(again.created()) << again.create_error();
  again.PollUntil(NF_POLL_IDLE);
  EXPECT_THAT(again.host().articles, IsEmpty());
  EXPECT_EQ(server_.RequestCount("/a.html"), 1);
  EXPECT_EQ(server_.RequestCount("/gone.html"), 1);
  EXPECT_EQ(server_.RequestCount("/nav.html"), 2);
  EXPECT_EQ(server_.RequestCount("/fail.html"), 2);
  EXPECT_EQ(server_.RequestCount("/slow.html"), 2);
  // Each attempt follows max_redirects (3) redirects, then gives up.
  EXPECT_EQ(server_.RequestCount("/loop.html"), 2 * 4);
}

TEST_F(WebSourceTest, UnchangedFeedIsAskedConditionallyAndFetchesNothing) {
  ASSERT_TRUE(server_.ok());
  server_.Set("/one.html", TestHttpServer::Html(Article(
                               "Harvest fair", "The harvest fair opened")));
  server_.SetHandler("/feed.xml", [](const testing::HttpRequest& request) {
    HttpResponse response;
    if (request.headers.count("if-none-match")) {
      response.status = 304;
      return response;
    }
    response.headers = {{"ETag", "\"v1\""},
                        {"Content-Type", "application/rss+xml"}};
    // The same item twice: one item seen.
    response.body = Rss({RssItem("h-1", "/one.html", "Harvest fair"),
                         RssItem("h-1", "/one.html", "Harvest fair")});
    return response;
  });
  const std::string url = server_.Url("/feed.xml");
  {
    IngestInstance stage(FeedOptions("/feed.xml"));
    stage.PollUntil(NF_POLL_IDLE);
    ASSERT_THAT(stage.host().articles, SizeIs(1));
    EXPECT_EQ(stage.host().progress.at("feed " + url).seen, 1);
    EXPECT_THAT(stage.host().infos, Contains(HasSubstr("feed " + url +
                                                       ": 1 new, 1 unchanged; "
                                                       "polling again in")));
  }
  IngestInstance again(FeedOptions("/feed.xml"));
  again.PollUntil(NF_POLL_IDLE);
  EXPECT_THAT(again.host().infos,
              Contains(HasSubstr("feed " + url + ": not modified")));
  EXPECT_THAT(again.host().articles, IsEmpty());
  EXPECT_THAT(again.host().rejections, IsEmpty());
  auto requests = server_.Requests();
  ASSERT_THAT(requests, SizeIs(3));
  EXPECT_EQ(requests[2].path, "/feed.xml");
  EXPECT_EQ(requests[2].headers["if-none-match"], "\"v1\"");
}

// What a poll emitted reaches the host's journal once that poll has
// returned, so the feed's seen items are saved in the next callback, not
// in the poll itself: a process killed right after the poll fetches the
// item again on its next start (same id: the journal drops the duplicate)
// instead of losing it; after a flush it does not.
TEST_F(WebSourceTest, SeenItemsAreSavedAfterThePollThatEmittedThem) {
  ASSERT_TRUE(server_.ok());
  server_.Set("/one.html", TestHttpServer::Html(Article(
                               "Harvest fair", "The harvest fair opened")));
  server_.Set(
      "/feed.xml",
      TestHttpServer::Html(Rss({RssItem("h-1", "/one.html", "Harvest fair")})));
  std::string id;
  {
    IngestInstance stage(FeedOptions("/feed.xml"));
    stage.PollUntil(NF_POLL_IDLE);
    ASSERT_THAT(stage.host().articles, SizeIs(1));
    id = stage.host().articles[0].id();
    stage.Crash();
  }
  {
    IngestInstance again(FeedOptions("/feed.xml"));
    again.PollUntil(NF_POLL_IDLE);
    ASSERT_THAT(again.host().articles, SizeIs(1)) << "read again, not lost";
    EXPECT_EQ(again.host().articles[0].id(), id);
    again.Flush();
    again.Crash();
  }
  IngestInstance third(FeedOptions("/feed.xml"));
  third.PollUntil(NF_POLL_IDLE);
  EXPECT_THAT(third.host().articles, IsEmpty()) << "saved by the flush";
  EXPECT_EQ(server_.RequestCount("/one.html"), 2);
}

// A feed is polled again whatever went wrong, so a broken or missing feed
// is a warning naming the URL (and line:column) and a failed count, never a
// dead letter: one per poll would pile up while the feed stays down.
TEST_F(WebSourceTest, BrokenFeedAndMissingFeedAreRetriedNamingTheUrl) {
  ASSERT_TRUE(server_.ok());
  server_.Set("/broken.xml",
              TestHttpServer::Html("<rss><channel><item><title>x</channel>",
                                   "application/rss+xml"));
  IngestInstance stage(FeedOptions("/broken.xml"));
  stage.PollUntil(NF_POLL_IDLE);
  EXPECT_THAT(stage.host().rejections, IsEmpty());
  EXPECT_THAT(RetriedFor(stage.host(), server_.Url("/broken.xml")),
              ElementsAre(HasSubstr(server_.Url("/broken.xml") + ":1:")));
  EXPECT_THAT(stage.host().articles, IsEmpty());
  const std::string name = "feed " + server_.Url("/broken.xml");
  ASSERT_TRUE(stage.host().progress.count(name));
  EXPECT_EQ(stage.host().progress.at(name).failed, 1);

  IngestInstance missing(FeedOptions("/nowhere.xml"));
  missing.PollUntil(NF_POLL_IDLE);
  EXPECT_THAT(missing.host().rejections, IsEmpty());
  EXPECT_THAT(RetriedFor(missing.host(), server_.Url("/nowhere.xml")),
              ElementsAre(HasSubstr("HTTP 404")));
  EXPECT_THAT(
      missing.host().infos,
      Contains(AllOf(HasSubstr(server_.Url("/nowhere.xml") + ": failed ("),
                     HasSubstr("HTTP 404"))));
}

TEST_F(WebSourceTest, UrlsAreFetchedOnceAcrossRuns) {
  ASSERT_TRUE(server_.ok());
  server_.Set("/p1.html", TestHttpServer::Html(
                              Article("Tram line", "The tram line extension")));
  server_.Set("/p2.txt",
              TestHttpServer::Html("Plain notice\n\nThe pool closes for "
                                   "repairs in December, the town said, and "
                                   "reopens in spring after the roof and the "
                                   "heating have been replaced by the "
                                   "contractor chosen last month. Swimming "
                                   "clubs will train at the school pool.",
                                   "text/plain; charset=utf-8"));
  server_.Set("/nav.html", TestHttpServer::Html("<a href=/>Home</a>"));
  const std::string list =
      Write("urls.txt", absl::StrCat("# pages\n", server_.Url("/p1.html"),
                                     "\n\n", server_.Url("/p2.txt"), "\n",
                                     server_.Url("/nav.html"), "\n"));
  const std::string options = absl::StrCat(
      R"({"sources": [{"urls_file": ")", list, R"(", "source": "town"}],)",
      R"( "state_dir": ")", dir_, R"(", "host_delay_ms": 0})");
  {
    IngestInstance stage(options);
    ASSERT_TRUE(stage.created()) << stage.create_error();
    stage.PollUntil(NF_POLL_DONE);
    ASSERT_THAT(stage.host().articles, SizeIs(2));
    EXPECT_EQ(stage.host().articles[0].title(), "Tram line");
    EXPECT_EQ(stage.host().articles[0].source(), "town");
    EXPECT_EQ(stage.host().articles[1].title(), "Plain notice");
    EXPECT_EQ(stage.host().articles[1].format(), "text");
    EXPECT_THAT(RejectedFor(stage.host(), "/nav.html"),
                ElementsAre(HasSubstr("no article text")));
  }
  IngestInstance again(options);
  again.PollUntil(NF_POLL_DONE);
  EXPECT_THAT(again.host().articles, IsEmpty());
  EXPECT_EQ(server_.Requests().size(), 3u);
}

// ------------------------------------------------- files, stdin, reuters

using LocalSourceTest = TempDirTest;

TEST_F(LocalSourceTest, WatchedGlobPicksUpAFileWrittenAfterStart) {
  Write("inbox/old.html", "<h1>Old</h1><p>Old text.</p>");
  Write("inbox/skip.txt", "Not matched\n");
  const std::string options =
      absl::StrCat(R"({"sources": [{"files": [")", dir_,
                   R"(/inbox/**/*.html"], "watch": true}]})");
  IngestInstance stage(options);
  ASSERT_TRUE(stage.created()) << stage.create_error();
  stage.PollUntil(NF_POLL_IDLE);
  ASSERT_THAT(stage.host().articles, SizeIs(1));
  EXPECT_EQ(stage.host().articles[0].title(), "Old");

  Write("inbox/deep/new.html", "<h1>New</h1><p>New text.</p>");
  stage.PollUntil(NF_POLL_IDLE);
  ASSERT_THAT(stage.host().articles, SizeIs(2)) << "inotify saw no change";
  EXPECT_EQ(stage.host().articles[1].title(), "New");
}

TEST_F(LocalSourceTest, RelativeSourcePathsResolveAgainstBaseDir) {
  Write("data/a.txt", "Alpha\n\nText.\n");
  IngestInstance stage(absl::StrCat(R"({"base_dir": ")", dir_,
                                    R"(", "sources": [{"files": "data"}]})"));
  ASSERT_TRUE(stage.created()) << stage.create_error();
  stage.PollUntil(NF_POLL_DONE);
  ASSERT_THAT(stage.host().articles, SizeIs(1));
  EXPECT_EQ(stage.host().articles[0].title(), "Alpha");
}

TEST_F(LocalSourceTest, FilesSourceExcludesRelativeToBaseDirAndByName) {
  Write("data/a.txt", "Alpha\n\nText.\n");
  Write("data/README.txt", "About\n");
  Write("data/old/b.txt", "Beta\n\nText.\n");
  Write("data/new/c.txt", "Gamma\n\nText.\n");
  IngestInstance stage(
      absl::StrCat(R"({"base_dir": ")", dir_,
                   R"(", "exclude": "README*", "sources": [{"files": "data", )",
                   R"("exclude": ["data/old"]}]})"));
  ASSERT_TRUE(stage.created()) << stage.create_error();
  stage.PollUntil(NF_POLL_DONE);
  std::vector<std::string> titles;
  for (const auto& article : stage.host().articles) {
    titles.push_back(article.title());
  }
  EXPECT_THAT(titles, ElementsAre("Alpha", "Gamma"));
}

TEST_F(LocalSourceTest, ReutersSourceEmitsOneArticlePerDocument) {
  const std::string path = Write("wire.sgm", kSgml);
  IngestInstance stage(
      absl::StrCat(R"({"sources": [{"reuters_sgml": ")", path, R"("}]})"));
  ASSERT_TRUE(stage.created()) << stage.create_error();
  stage.PollUntil(NF_POLL_DONE);
  const FakeHost& host = stage.host();
  ASSERT_THAT(host.articles, SizeIs(2));
  const v1::Article& a = host.articles[0];
  EXPECT_EQ(a.id(), "reuters-7");
  EXPECT_EQ(a.source(), "reuters");
  EXPECT_EQ(a.published_at(), "1987-03-02T09:30:12Z");
  EXPECT_EQ(a.dateline(), "WINNIPEG, March 2 -");
  EXPECT_EQ(a.metadata().at("topics"), "grain,wheat");
  EXPECT_EQ(a.metadata().at("places"), "canada");
  EXPECT_EQ(a.metadata().at("lewis_split"), "TRAIN");
  EXPECT_EQ(a.url(), "file://" + path + "#7");
  ASSERT_THAT(host.rejections, SizeIs(3));
  EXPECT_EQ(host.rejections[0].what, path + ":26");
  EXPECT_EQ(host.progress.at("reuters_sgml " + path).seen, 5);
}

TEST_F(LocalSourceTest, ReutersSourceReadsAFileAFewDocumentsAtATime) {
  std::string sgml;
  for (int i = 1; i <= 200; ++i) {
    absl::StrAppend(&sgml, "<REUTERS NEWID=\"", i, "\">\n<TEXT><TITLE>ITEM ", i,
                    "</TITLE><BODY>Body.</BODY></TEXT>\n</REUTERS>\n");
  }
  const std::string path = Write("many.sgm", sgml);
  FakeHost host;
  ingest::ReutersSourceOptions options;
  options.path = path;
  ingest::ReutersSource source(options, StageContext(host.host()));
  std::deque<v1::Article> out;
  std::vector<size_t> per_read;
  nf_poll_state state = NF_POLL_MORE;
  while (state == NF_POLL_MORE) {
    const size_t before = out.size();
    state = source.ReadNext(&out);
    per_read.push_back(out.size() - before);
    ASSERT_LE(per_read.back(),
              static_cast<size_t>(ingest::ReutersSource::kDocumentsPerRead));
  }
  EXPECT_EQ(state, NF_POLL_DONE);
  ASSERT_EQ(out.size(), 200u);
  EXPECT_EQ(out.front().id(), "reuters-1");
  EXPECT_EQ(out.back().id(), "reuters-200");
  EXPECT_EQ(out.back().metadata().at("line"), "598");
  EXPECT_GE(per_read.size(), 4u);
  EXPECT_THAT(host.rejections, IsEmpty());
}

TEST_F(LocalSourceTest, StdinReadsJsonLinesUntilEndOfInput) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  // The stage reads fd 0; give it the pipe for the test.
  int saved = dup(0);
  ASSERT_EQ(dup2(fds[0], 0), 0);
  close(fds[0]);
  {
    IngestInstance stage(R"({"sources": [{"stdin": "jsonl"}]})");
    ASSERT_TRUE(stage.created()) << stage.create_error();
    EXPECT_EQ(stage.Poll(), NF_POLL_IDLE);  // nothing written yet
    std::string lines =
        "{\"title\": \"Piped\", \"body\": \"Through a pipe.\"}\n"
        "not json\n\n"
        "{\"id\": \"x1\", \"title\": \"Last\", \"source\": \"up\"}";
    ASSERT_EQ(write(fds[1], lines.data(), lines.size()),
              static_cast<ssize_t>(lines.size()));
    close(fds[1]);
    stage.PollUntil(NF_POLL_DONE);
    const FakeHost& host = stage.host();
    ASSERT_THAT(host.articles, SizeIs(2));
    EXPECT_EQ(host.articles[0].title(), "Piped");
    EXPECT_EQ(host.articles[0].source(), "stdin");
    EXPECT_EQ(host.articles[1].id(), "x1");
    EXPECT_EQ(host.articles[1].source(), "up");
    ASSERT_THAT(host.rejections, SizeIs(1));
    EXPECT_EQ(host.rejections[0].what, "stdin:2");
    EXPECT_EQ(host.rejections[0].raw, "not json");
  }
  dup2(saved, 0);
  close(saved);
}

// ------------------------------------------------------------ config errors

TEST(IngestSourcesConfigTest, ProblemsNameTheEntryAndKey) {
  struct Case {
    std::string sources;
    std::string message;
  };
  for (const Case& c : std::vector<Case>{
           {R"([{"feed": "http://a.test/rss", "evry": "5m"}])",
            "sources[0].evry: unknown option; did you mean 'every'?"},
           {R"([{"feed": "http://a.test/rss", "every": "often"}])",
            "sources[0].every: expected a duration"},
           {R"([{"feed": "ftp://a.test/rss"}])",
            "sources[0].feed: 'ftp://a.test/rss' is not an http(s) URL"},
           {R"(["inbox"])", "sources[0]: must be a map of options"},
           {R"([{"files": "a", "feed": "http://a.test/"}])",
            "sources[0]: has more than one source type"},
           {R"([{"watch": true}])", "sources[0]: needs one of"},
           {R"([{"stdin": "csv"}])", "sources[0].stdin: the only format"},
           {R"([{"stdin": "jsonl"}, {"stdin": "jsonl"}])",
            "sources[1]: standard input can be read by one source only"},
           {R"([{"files": "a", "watch": "yes"}])",
            "sources[0].watch: must be true or false"},
           {R"([{"feed": "http://a.test/rss", "watch": true}])",
            "sources[0]: watch, extensions and exclude are for files"},
           {R"([{"files": "a", "every": "5m"}])",
            "sources[0].every: is for feed sources, not files"},
           {R"([{"files": ["a", ""]}])", "sources[0].files: a path is empty"},
           {R"([{"urls": ["notaurl"]}])", "sources[0].urls: 'notaurl'"},
       }) {
    absl::Status status =
        ValidateIngestOptions(absl::StrCat(R"({"sources": )", c.sources, "}"));
    EXPECT_THAT(std::string(status.message()), HasSubstr(c.message))
        << c.sources;
  }
  EXPECT_TRUE(
      ValidateIngestOptions(
          R"({"sources": [{"feed": "https://a.test/rss", "every": 300}]})")
          .ok());
}

}  // namespace
}  // namespace newsflow
