// The one seam between fetched web pages and the HTML article extractor:
// the url and feed sources call only ExtractPage, so moving to another
// extractor changes this file's implementation and nothing else.
#ifndef NEWSFLOW_STAGES_INGEST_PAGE_ARTICLE_H_
#define NEWSFLOW_STAGES_INGEST_PAGE_ARTICLE_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "newsflow/v1/article.pb.h"
#include "stages/ingest/charset.h"
#include "stages/ingest/http_fetcher.h"

namespace newsflow::ingest {

struct PageContent {
  std::string title;
  std::string body;  // paragraphs separated by "\n\n"
  std::vector<std::string> authors;
  std::string published;      // RFC 3339, "" when unknown
  std::string canonical_url;  // "" when the page names none
};

// `html` must be UTF-8. Never fails: a page without an article gives an
// empty or short body, which the caller judges.
PageContent ExtractPage(std::string_view html, std::string_view page_url);

struct PageOptions {
  // Bodies shorter than this (in bytes) are "not an article".
  int min_body_chars = 200;
};

// Decodes page bytes as DecodeToUtf8 does, except that a page which is
// UTF-8 but for a few stray bytes (at most one byte in a thousand
// ill-formed, as when one template fragment was saved in Latin-1) is kept,
// each such byte becoming U+FFFD, with evidence "utf-8, N bytes replaced":
// browsers show such pages, so refusing them loses the article for a few
// characters. Other failures are DecodeToUtf8's.
absl::StatusOr<DecodedText> DecodePage(std::string_view bytes,
                                       std::string_view content_type);

// Fetches `url`, decodes it (DecodePage) and extracts it. The article gets
// url (the canonical URL, else the final URL after redirects), title,
// body, byline (authors joined by ", "), published_at, format "html" (or
// "text" for text/plain), and metadata fetched_url and charset; id,
// source and ingested_at are the caller's. Fails with the fetcher's
// status, InvalidArgument for bytes that cannot be decoded, and
// FailedPrecondition for content types other than HTML, XHTML and plain
// text. A short body is not an error here (see PageIsArticle).
absl::StatusOr<v1::Article> FetchPageArticle(HttpFetcher& fetcher,
                                             const std::string& url);

// Whether `article`'s body is long enough to count as an article.
bool PageIsArticle(const v1::Article& article, const PageOptions& options);

}  // namespace newsflow::ingest

#endif  // NEWSFLOW_STAGES_INGEST_PAGE_ARTICLE_H_
