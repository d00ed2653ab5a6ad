// The ingest stage's typed sources through the whole pipeline: the real
// runner and stage processes, a feed served by a scripted HTTP server on
// 127.0.0.1 and one over HTTPS (openssl s_server with a private
// certificate), Reuters SGML and standard input, and a watched folder.
// Every feed, page and document here is our own writing.
#include <signal.h>

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/harness.h"
#include "tests/support/test_http_server.h"
#include "tests/support/test_https_server.h"

namespace newsflow::testing {
namespace {

using ::testing::HasSubstr;

class SourcesTest : public ::testing::Test {
 protected:
  std::string WriteConfig(const std::string& ingest_yaml) {
    return dir_.Write(
        "pipeline.yaml",
        absl::StrCat("pipeline: sources\nrun_dir: ", dir_.path(),
                     "/run\nstate_dir: ", dir_.path(), "/state\nstages:\n",
                     ingest_yaml,
                     "  clean:  { type: clean, inputs: [ingest] }\n"
                     "  tag:    { type: tag, inputs: [clean] }\n"
                     "  store:  { type: store, inputs: [tag], path: ",
                     Db(), " }\n"));
  }
  std::string Db() const { return dir_.path() + "/news.db"; }

  std::vector<std::string> StoredTitles() {
    std::vector<std::string> titles;
    for (const auto& article : StoredArticles(Db())) {
      titles.push_back(article.title());
    }
    std::sort(titles.begin(), titles.end());
    return titles;
  }

  TempDir dir_;
};

std::string Page(const std::string& title,
                 const std::vector<std::string>& paragraphs) {
  std::string body;
  for (const auto& p : paragraphs) absl::StrAppend(&body, "<p>", p, "</p>\n");
  return absl::StrCat(
      "<!doctype html><html><head><meta charset=\"utf-8\">"
      "<title>",
      title, "</title></head><body><article><h1>", title, "</h1>", body,
      "</article></body></html>");
}

TEST_F(SourcesTest, FeedItemsReachTheStoreAndASecondRunFetchesNothing) {
  TestHttpServer server;
  ASSERT_TRUE(server.ok());
  server.Set("/news/orchard.html",
             TestHttpServer::Html(Page(
                 "Orchard cooperative doubles its cider output",
                 {"The hillside orchard cooperative pressed twice as much "
                  "cider this autumn as last year, its chair said on "
                  "Thursday.",
                  "Members credited a dry September and a new press bought "
                  "with a regional grant for the larger harvest.",
                  "The cooperative plans to open a tasting room in the old "
                  "railway depot next spring."})));
  server.Set("/news/ferry.html",
             TestHttpServer::Html(
                 Page("Night ferry returns after a two-year pause",
                      {"The night ferry between the two island towns will run "
                       "again from December, the transport board announced.",
                       "Crews were hired over the summer and the older of the "
                       "two boats has had its engines replaced.",
                       "Tickets go on sale next week at the harbour office and "
                       "online."})));
  const std::string feed = absl::StrCat(
      "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Island "
      "Courier</title>",
      "<item><guid>c-1</guid><link>/news/orchard.html</link><title>Orchard"
      "</title><pubDate>Thu, 05 Nov 2026 09:00:00 GMT</pubDate></item>",
      "<item><guid>c-2</guid><link>/news/ferry.html</link><title>Ferry"
      "</title></item>",
      "<item><guid>c-3</guid><link>/news/missing.html</link><title>Gone"
      "</title></item></channel></rss>");
  server.SetHandler("/feed.xml", [feed](const HttpRequest& request) {
    HttpResponse response;
    if (request.headers.count("if-none-match")) {
      response.status = 304;
      return response;
    }
    response.headers = {{"Content-Type", "application/rss+xml"},
                        {"ETag", "\"courier-1\""}};
    response.body = feed;
    return response;
  });
  const std::string config = WriteConfig(absl::StrCat(
      "  ingest:\n    type: ingest\n    host_delay_ms: 0\n    sources:\n"
      "      - feed: ",
      server.Url("/feed.xml"), "\n        every: 10m\n"));

  CommandResult first = RunCommand({NewsflowBinary(), "run", config, "--once"},
                                   absl::Seconds(180));
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_THAT(
      StoredTitles(),
      ::testing::ElementsAre("Night ferry returns after a two-year pause",
                             "Orchard cooperative doubles its cider output"));
  EXPECT_THAT(first.out,
              HasSubstr(absl::StrCat("feed ", server.Url("/feed.xml"),
                                     ": 3 seen, 2 new, 1 failed")));
  EXPECT_THAT(first.err, HasSubstr("/news/missing.html: HTTP 404"));

  CommandResult second = RunCommand({NewsflowBinary(), "run", config, "--once"},
                                    absl::Seconds(180));
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(StoredCount(Db()), 2);
  EXPECT_EQ(server.RequestCount("/feed.xml"), 2);
  EXPECT_EQ(server.RequestCount("/news/orchard.html"), 1);
  EXPECT_EQ(server.RequestCount("/news/ferry.html"), 1);
  EXPECT_EQ(server.RequestCount("/news/missing.html"), 1);
  EXPECT_THAT(second.out, HasSubstr(": 0 seen, 0 new, 0 failed"));
}

TEST_F(SourcesTest, ReutersSgmlAndStandardInputReachTheStore) {
  dir_.Write(
      "wire.sgm",
      "<REUTERS TOPICS=\"YES\" NEWID=\"41\">\n<DATE>12-MAR-1987 "
      "10:04:00.00</DATE>\n<TOPICS><D>coffee</D></TOPICS>\n<PLACES><D>brazil"
      "</D></PLACES>\n<TEXT>\n<TITLE>COFFEE GROWERS EXPECT LARGER CROP</TITLE>"
      "\n<DATELINE>    SANTOS, March 12 - </DATELINE><BODY>Coffee growers in "
      "the south expect a larger crop\nthis season after good rains, their "
      "association said.\n    Exporters said prices could ease if the "
      "estimate holds.\n Reuter\n</BODY></TEXT>\n</REUTERS>\n"
      "<REUTERS TOPICS=\"YES\" NEWID=\"42\">\n<DATE>12-MAR-1987 "
      "11:30:00.00</DATE>\n<TOPICS><D>ship</D></TOPICS>\n<PLACES><D>"
      "netherlands</D></PLACES>\n<TEXT>\n<TITLE>PORT STRIKE ENDS AFTER "
      "THREE DAYS</TITLE>\n<BODY>Dock workers returned to work on Thursday "
      "after\nunions and employers agreed on a new shift schedule.\n    "
      "Ships that waited at anchor began unloading in the afternoon.\n "
      "Reuter\n</BODY></TEXT>\n</REUTERS>\n");
  const std::string input = dir_.Write(
      "input.jsonl",
      "{\"id\": \"piped-1\", \"title\": \"Piped article one\", \"body\": "
      "\"The first article arrived through a Unix pipe and was stored like "
      "any other.\"}\n"
      "{\"id\": \"piped-2\", \"title\": \"Piped article two\", \"body\": "
      "\"The second article followed it down the same pipe a moment "
      "later.\"}\n");
  const std::string config = WriteConfig(
      "  ingest:\n    type: ingest\n    sources:\n"
      "      - reuters_sgml: wire.sgm\n      - stdin: jsonl\n");
  CommandResult run =
      RunCommand({"/bin/sh", "-c",
                  absl::StrCat("exec '", NewsflowBinary(), "' run '", config,
                               "' --once < '", input, "'")},
                 absl::Seconds(180));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::vector<v1::Article> stored = StoredArticles(Db());
  std::vector<std::string> ids;
  for (const auto& article : stored) ids.push_back(article.id());
  std::sort(ids.begin(), ids.end());
  EXPECT_THAT(ids, ::testing::ElementsAre("piped-1", "piped-2", "reuters-41",
                                          "reuters-42"));
  for (const auto& article : stored) {
    if (article.id() != "reuters-41") continue;
    EXPECT_EQ(article.metadata().at("topics"), "coffee");
    EXPECT_EQ(article.metadata().at("places"), "brazil");
    EXPECT_EQ(article.published_at(), "1987-03-12T10:04:00Z");
  }
  EXPECT_THAT(run.out, HasSubstr("stdin: 2 seen, 2 new, 0 failed"));
}

TEST_F(SourcesTest, WatchedFolderPicksUpAFileWrittenAfterStart) {
  dir_.Write("inbox/first.txt",
             "Reservoir levels recover\n\nAutumn rain has filled the "
             "reservoir to three quarters of its capacity.\n");
  const std::string config = WriteConfig(
      "  ingest:\n    type: ingest\n    sources:\n"
      "      - files: [inbox/**/*.txt]\n        watch: true\n");
  ChildProcess runner({NewsflowBinary(), "run", config}, dir_.path());
  ASSERT_TRUE(
      WaitFor([&] { return StoredCount(Db()) == 1; }, absl::Seconds(60)))
      << runner.Stderr();
  dir_.Write("inbox/later/second.txt",
             "School bus routes change\n\nTwo new stops will be added on "
             "the north side of town from January.\n");
  EXPECT_TRUE(
      WaitFor([&] { return StoredCount(Db()) == 2; }, absl::Seconds(60)))
      << runner.Stderr();
  runner.Signal(SIGTERM);
  EXPECT_EQ(runner.Wait(absl::Seconds(30)), 0) << runner.Stderr();
}

TEST_F(SourcesTest, ValidateNamesTheBadSourceEntry) {
  const std::string config = WriteConfig(
      "  ingest:\n    type: ingest\n    sources:\n"
      "      - feed: http://127.0.0.1:9/rss\n        every: sometimes\n");
  CommandResult result = RunCommand({NewsflowBinary(), "validate", config});
  EXPECT_EQ(result.exit_code, 2) << result.out << result.err;
  EXPECT_THAT(result.out + result.err,
              HasSubstr("pipeline.yaml:9:9: stage 'ingest': option "
                        "sources[0].every: expected a duration"));
}

TEST_F(SourcesTest, FeedOverHttpsWithAPrivateCaReachesTheStore) {
  if (!HaveOpenssl()) {
    GTEST_SKIP() << kOpensslBinary << " is absent: no HTTPS server to test "
                 << "against (scripts/install-deps installs openssl)";
  }
  TestHttpsServer server;
  ASSERT_TRUE(server.ok()) << server.error();
  server.Serve("harbour.html",
               Page("Harbour crane is lifted into place",
                    {"A new crane was lifted onto the north quay on Monday, "
                     "ending three years of loading by hand at the small "
                     "harbour.",
                     "The harbour master said the crane would halve the time "
                     "the weekly supply boat spends at the quay.",
                     "It was paid for by the fishing association and a loan "
                     "from the county."}));
  server.Serve("bakery.html",
               Page("Village bakery wins the county bread prize",
                    {"The bakery on Mill Lane took first place for its rye "
                     "loaf at the county show on Saturday.",
                     "Its owner, who opened the shop four years ago, said "
                     "the recipe came from a notebook left by the previous "
                     "baker.",
                     "Orders for the loaf have tripled since the result was "
                     "announced."}));
  server.Serve(
      "feed.xml",
      "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Coast "
      "Weekly</title><item><guid>w-1</guid><link>/harbour.html</link><title>"
      "Crane</title></item><item><guid>w-2</guid><link>/bakery.html</link>"
      "<title>Bakery</title></item></channel></rss>");
  // Relative: resolved against the config's folder.
  dir_.Write("ca.pem", ReadFile(server.CertPath()));
  const std::string feed_url = server.Url("/feed.xml");
  const std::string config = WriteConfig(
      absl::StrCat("  ingest:\n    type: ingest\n    host_delay_ms: 0\n"
                   "    tls_ca_file: ca.pem\n    sources:\n      - feed: ",
                   feed_url, "\n        every: 10m\n"));

  CommandResult run = RunCommand({NewsflowBinary(), "run", config, "--once"},
                                 absl::Seconds(180));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(StoredTitles(),
              ::testing::ElementsAre("Harbour crane is lifted into place",
                                     "Village bakery wins the county bread "
                                     "prize"));
  EXPECT_THAT(run.out, HasSubstr(absl::StrCat("feed ", feed_url,
                                              ": 2 seen, 2 new, 0 failed")));
}

TEST_F(SourcesTest, AMissingTlsCaFileStopsTheRunNamingTheFile) {
  const std::string config = WriteConfig(
      "  ingest:\n    type: ingest\n    tls_ca_file: private-ca.pem\n"
      "    sources:\n      - feed: https://127.0.0.1:9/rss\n");
  CommandResult result = RunCommand({NewsflowBinary(), "run", config, "--once"},
                                    absl::Seconds(60));
  EXPECT_EQ(result.exit_code, 2) << result.out << result.err;
  EXPECT_THAT(result.out + result.err,
              HasSubstr(absl::StrCat(
                  "pipeline.yaml:7:18: stage 'ingest': option "
                  "tls_ca_file: cannot read CA file '",
                  dir_.path(), "/private-ca.pem': No such file or directory")));
}

}  // namespace
}  // namespace newsflow::testing
