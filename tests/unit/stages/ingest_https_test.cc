// HTTPS for the web sources against a real TLS server on 127.0.0.1
// (`openssl s_server` with a throwaway self-signed certificate): a private
// CA trusted through ca_file / tls_ca_file, and the refusals of an
// untrusted certificate, of a certificate for another host, and of a CA
// file that cannot be used. Every feed and page served here is our own
// writing.
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "stages/ingest/http_fetcher.h"
#include "stages/ingest/ingest_stage.h"
#include "tests/support/test_https_server.h"
#include "tests/unit/stages/ingest_test_support.h"

namespace newsflow {
namespace {

using ::newsflow::testing::HaveOpenssl;
using ::newsflow::testing::kOpensslBinary;
using ::newsflow::testing::TestHttpsServer;
using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using ::testing::UnorderedElementsAre;

constexpr char kFeed[] =
    "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Valley "
    "Ledger</title><item><guid>v-1</guid><link>/library.html</link><title>"
    "Library</title></item></channel></rss>";

constexpr char kLibraryPage[] =
    "<html><head><title>Library extends its evening hours</title></head>"
    "<body><h1>Library extends its evening hours</h1>"
    "<p>The town library will stay open until nine on weekdays from next "
    "month, the board decided at its meeting on Tuesday.</p>"
    "<p>Volunteers from the reading club offered to staff the desk on two "
    "of the evenings, which keeps the change within this year's budget.</p>"
    "<p>The board will look at the visitor numbers again in the spring.</p>"
    "</body></html>";

constexpr char kMarketPage[] =
    "<html><head><title>Saturday market moves to the old mill yard</title>"
    "</head><body><h1>Saturday market moves to the old mill yard</h1>"
    "<p>The Saturday market will move from the square to the old mill yard "
    "while the square is repaved, the council said.</p>"
    "<p>Stallholders asked for the yard because it has room for a dozen "
    "more stalls and is sheltered from the wind off the river.</p>"
    "<p>The move is expected to last until the end of the summer.</p>"
    "</body></html>";

ingest::FetchOptions FastFetch(const std::string& ca_file = "") {
  ingest::FetchOptions options;
  options.timeout = absl::Seconds(10);
  options.host_delay = absl::ZeroDuration();
  options.ca_file = ca_file;
  return options;
}

std::string ReadWhole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Runs `stage` until it idles; it should emit nothing, reject nothing,
// and warn once that it will retry, for a reason containing `reason_part`.
void ExpectOnlyRetry(IngestInstance& stage, const std::string& reason_part) {
  ASSERT_TRUE(stage.created()) << stage.create_error();
  stage.PollUntil(NF_POLL_IDLE);
  EXPECT_THAT(stage.host().articles, IsEmpty());
  EXPECT_THAT(stage.host().rejections, IsEmpty());
  ASSERT_THAT(stage.host().warnings, SizeIs(1));
  EXPECT_THAT(stage.host().warnings[0], HasSubstr("will retry "));
  EXPECT_THAT(stage.host().warnings[0], HasSubstr(reason_part));
}

class HttpsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!HaveOpenssl()) {
      GTEST_SKIP() << kOpensslBinary
                   << " is absent: no HTTPS server to test against "
                      "(scripts/install-deps installs openssl)";
    }
    server_ = Start();
  }
  void TearDown() override { server_.reset(); }

  // A server with the feed and its page, its certificate made for
  // `common_name` and `alt_names`.
  static std::unique_ptr<TestHttpsServer> Start(
      const std::string& common_name = "localhost",
      const std::string& alt_names = "DNS:localhost,IP:127.0.0.1") {
    auto server = std::make_unique<TestHttpsServer>(common_name, alt_names);
    EXPECT_TRUE(server->ok()) << server->error();
    server->Serve("feed.xml", kFeed);
    server->Serve("library.html", kLibraryPage);
    server->Serve("market.html", kMarketPage);
    return server;
  }

  std::unique_ptr<TestHttpsServer> server_;
};

TEST_F(HttpsTest, FetcherTrustsTheCaFileByAddressAndByName) {
  ASSERT_TRUE(server_->ok()) << server_->error();
  ingest::HttpFetcher fetcher(FastFetch(server_->CertPath()));
  for (const std::string host : {"127.0.0.1", "localhost"}) {
    const std::string url = server_->Url("/feed.xml", host);
    auto response = fetcher.Fetch({url, "", ""});
    ASSERT_TRUE(response.ok()) << response.status();
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(response->body, kFeed);
    EXPECT_EQ(response->final_url, url);
  }
}

TEST_F(HttpsTest, FetcherRefusesACertificateNoTrustedCaSigned) {
  ASSERT_TRUE(server_->ok()) << server_->error();
  ingest::HttpFetcher fetcher(FastFetch());  // the system store
  const std::string url = server_->Url("/feed.xml");
  absl::Status status = fetcher.Fetch({url, "", ""}).status();
  // Retried later: a corrected tls_ca_file or a new certificate may pass.
  EXPECT_TRUE(absl::IsUnavailable(status)) << status;
  EXPECT_TRUE(ingest::IsTransient(status));
  EXPECT_THAT(std::string(status.message()),
              HasSubstr(absl::StrCat(url, ": TLS certificate problem: ")));
  EXPECT_THAT(std::string(status.message()), ContainsRegex("self.signed"));
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("(trusted CAs: the system store)"));
}

TEST_F(HttpsTest, FetcherRefusesACertificateForAnotherHost) {
  // Trusted (its own CA file) but made for example.invalid only.
  std::unique_ptr<TestHttpsServer> other =
      Start("example.invalid", "DNS:example.invalid");
  ASSERT_TRUE(other->ok()) << other->error();
  ingest::HttpFetcher fetcher(FastFetch(other->CertPath()));
  const std::string url = other->Url("/feed.xml");
  absl::Status status = fetcher.Fetch({url, "", ""}).status();
  EXPECT_TRUE(absl::IsUnavailable(status)) << status;
  EXPECT_THAT(std::string(status.message()),
              HasSubstr(absl::StrCat(url, ": TLS certificate problem: ")));
  EXPECT_THAT(std::string(status.message()), HasSubstr("'127.0.0.1'"));
  EXPECT_THAT(std::string(status.message()), HasSubstr(other->CertPath()));
}

TEST_F(HttpsTest, FetcherNamesACaFileThatCannotBeRead) {
  ASSERT_TRUE(server_->ok()) << server_->error();
  const std::string missing = "/nonexistent-newsflow-test/ca.pem";
  ingest::HttpFetcher fetcher(FastFetch(missing));
  const std::string url = server_->Url("/feed.xml");
  absl::Status status = fetcher.Fetch({url, "", ""}).status();
  EXPECT_TRUE(absl::IsUnavailable(status)) << status;
  EXPECT_THAT(std::string(status.message()),
              HasSubstr(absl::StrCat(url, ": TLS certificate problem: ")));
  EXPECT_THAT(std::string(status.message()), HasSubstr(missing));
}

TEST_F(HttpsTest, FeedAndUrlSourcesFetchOverHttpsWithTlsCaFile) {
  ASSERT_TRUE(server_->ok()) << server_->error();
  const std::string options = absl::StrCat(
      R"({"sources": [{"feed": ")", server_->Url("/feed.xml"),
      R"(", "every": "1h"}, {"urls": [")", server_->Url("/market.html"),
      R"("]}], "host_delay_ms": 0, "tls_ca_file": ")", server_->CertPath(),
      R"("})");
  ASSERT_TRUE(ValidateIngestOptions(options).ok());
  IngestInstance stage(options);
  ASSERT_TRUE(stage.created()) << stage.create_error();
  stage.PollUntil(NF_POLL_IDLE);
  EXPECT_THAT(stage.host().rejections, IsEmpty());
  std::vector<std::string> titles, urls;
  for (const v1::Article& article : stage.host().articles) {
    titles.push_back(article.title());
    urls.push_back(article.url());
  }
  EXPECT_THAT(titles, UnorderedElementsAre(
                          "Library extends its evening hours",
                          "Saturday market moves to the old mill yard"));
  EXPECT_THAT(urls, UnorderedElementsAre(server_->Url("/library.html"),
                                         server_->Url("/market.html")));
}

// A feed whose certificate is not trusted is polled again later: a
// warning naming the URL, counted as failed, and no dead letter.
TEST_F(HttpsTest, FeedSourceWithoutTlsCaFileRetriesTheFeed) {
  ASSERT_TRUE(server_->ok()) << server_->error();
  const std::string url = server_->Url("/feed.xml");
  IngestInstance stage(absl::StrCat(R"({"sources": [{"feed": ")", url,
                                    R"(", "every": "1h"}]})"));
  ExpectOnlyRetry(stage, absl::StrCat("will retry ", url, ": ", url,
                                      ": TLS certificate problem"));
  EXPECT_EQ(stage.host().progress["feed " + url].failed, 1);
}

// A page refused for its certificate is not forgotten: once the trust is
// fixed (here: a CA file holding both certificates), the next run fetches
// it.
TEST_F(HttpsTest, APageWithAnUntrustedCertificateIsFetchedOnceTrusted) {
  ASSERT_TRUE(server_->ok()) << server_->error();
  // Same names, but its own self-signed certificate, which is not trusted.
  std::unique_ptr<TestHttpsServer> other = Start();
  ASSERT_TRUE(other->ok()) << other->error();
  const std::string page = other->Url("/library.html");
  server_->Serve("mixed.xml",
                 absl::StrCat("<?xml version=\"1.0\"?><rss version=\"2.0\">"
                              "<channel><title>Mixed</title><item><guid>m-1"
                              "</guid><link>",
                              page,
                              "</link><title>Elsewhere</title></item>"
                              "</channel></rss>"));
  std::string state_dir =
      (std::filesystem::temp_directory_path() / "newsflow-https-XXXXXX")
          .string();
  ASSERT_NE(mkdtemp(state_dir.data()), nullptr);
  auto options = [&](const std::string& ca_file) {
    return absl::StrCat(
        R"({"sources": [{"feed": ")", server_->Url("/mixed.xml"),
        R"(", "every": "1h"}], "host_delay_ms": 0, )", R"("tls_ca_file": ")",
        ca_file, R"(", "state_dir": ")", state_dir, R"("})");
  };
  {
    IngestInstance stage(options(server_->CertPath()));
    ExpectOnlyRetry(stage, absl::StrCat(page, ": TLS certificate problem"));
  }
  const std::string both = state_dir + "/both.pem";
  std::ofstream(both) << ReadWhole(server_->CertPath())
                      << ReadWhole(other->CertPath());
  IngestInstance again(options(both));
  ASSERT_TRUE(again.created()) << again.create_error();
  again.PollUntil(NF_POLL_IDLE);
  EXPECT_THAT(again.host().rejections, IsEmpty());
  ASSERT_THAT(again.host().articles, SizeIs(1));
  EXPECT_EQ(again.host().articles[0].url(), page);
  std::error_code ignored;
  std::filesystem::remove_all(state_dir, ignored);
}

// No server needed: the option is checked before anything is fetched.
TEST(TlsCaFileOptionTest, AnUnusableFileFailsTheStageNamingIt) {
  const std::string readme = std::string(NEWSFLOW_SOURCE_DIR) + "/README.md";
  struct Case {
    std::string path;
    std::string problem;
  };
  for (const Case& c : {
           Case{"/nonexistent-newsflow-test/ca.pem",
                "cannot read CA file '/nonexistent-newsflow-test/ca.pem': No "
                "such file or directory"},
           Case{readme, absl::StrCat("CA file '", readme,
                                     "' holds no PEM certificate")},
           Case{NEWSFLOW_SOURCE_DIR,
                absl::StrCat("CA file '", NEWSFLOW_SOURCE_DIR,
                             "' is a folder, not a PEM file")},
       }) {
    const std::string options =
        absl::StrCat(R"({"sources": [{"feed": "https://news.test/feed.xml"}],)",
                     R"( "tls_ca_file": ")", c.path, R"("})");
    absl::Status status = ValidateIngestOptions(options);
    EXPECT_TRUE(absl::IsInvalidArgument(status)) << status;
    EXPECT_THAT(
        std::string(status.message()),
        HasSubstr(absl::StrCat("invalid options: tls_ca_file: ", c.problem)));
    IngestInstance stage(options);
    EXPECT_FALSE(stage.created());
    EXPECT_THAT(stage.create_error(), HasSubstr(c.problem));
  }
  EXPECT_THAT(std::string(ingest::CheckCaFile(readme).message()),
              HasSubstr(readme));
}

}  // namespace
}  // namespace newsflow
