#include "stages/ingest/page_article.h"

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/text.h"
#include "stages/ingest/charset.h"
#include "stages/ingest/file_parser.h"
#include "stages/ingest/html/extract.h"

namespace newsflow::ingest {

PageContent ExtractPage(std::string_view html, std::string_view page_url) {
  PageContent page;
  absl::StatusOr<html::ExtractedArticle> extracted =
      html::ExtractArticle(absl::string_view(html.data(), html.size()),
                           absl::string_view(page_url.data(), page_url.size()));
  // No article (or not UTF-8): an empty body, which the caller judges.
  if (!extracted.ok()) return page;
  page.title = std::move(extracted->title);
  page.body = extracted->Body();
  page.authors = std::move(extracted->authors);
  // Only a full timestamp; a bare date is not RFC 3339.
  if (extracted->published_at.size() > 10) {
    page.published = std::move(extracted->published_at);
  }
  page.canonical_url = std::move(extracted->canonical_url);
  return page;
}

absl::StatusOr<DecodedText> DecodePage(std::string_view bytes,
                                       std::string_view content_type) {
  absl::StatusOr<DecodedText> decoded = DecodeToUtf8(bytes, content_type);
  if (decoded.ok()) return decoded;
  std::string_view text = StripUtf8Bom(bytes);
  DecodedText repaired;
  repaired.utf8.reserve(text.size());
  size_t replaced = 0;
  for (size_t pos = 0; pos < text.size();) {
    size_t length = 0;
    char32_t cp = DecodeUtf8At(text, pos, &length);
    if (IsInvalidUtf8Byte(cp, length)) {
      if (++replaced * 1000 > text.size()) return decoded;
      AppendUtf8(kReplacementCharacter, &repaired.utf8);
    } else {
      repaired.utf8.append(text.data() + pos, length);
    }
    pos += length;
  }
  repaired.charset = "utf-8";
  repaired.evidence = absl::StrCat("utf-8, ", replaced, " bytes replaced");
  return repaired;
}

absl::StatusOr<v1::Article> FetchPageArticle(HttpFetcher& fetcher,
                                             const std::string& url) {
  absl::StatusOr<FetchResponse> response = fetcher.Fetch({url, "", ""});
  if (!response.ok()) return response.status();
  const std::string type = absl::AsciiStrToLower(response->content_type);
  const bool plain = absl::StartsWith(type, "text/plain");
  if (!type.empty() && !plain && !absl::StartsWith(type, "text/html") &&
      !absl::StartsWith(type, "application/xhtml")) {
    return absl::FailedPreconditionError(absl::StrCat(
        url, ": content type ", response->content_type, " is not a page"));
  }
  absl::StatusOr<DecodedText> decoded =
      DecodePage(response->body, response->content_type);
  if (!decoded.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(url, ": cannot convert to UTF-8: ",
                     std::string(decoded.status().message())));
  }
  v1::Article article;
  if (plain) {
    TextDocument document = SplitTextDocument(decoded->utf8);
    article.set_title(std::move(document.title));
    article.set_body(std::move(document.body));
    article.set_format("text");
    article.set_url(response->final_url);
  } else {
    PageContent page = ExtractPage(decoded->utf8, response->final_url);
    article.set_title(std::move(page.title));
    article.set_body(std::move(page.body));
    article.set_byline(absl::StrJoin(page.authors, ", "));
    article.set_published_at(page.published);
    article.set_format("html");
    article.set_url(page.canonical_url.empty() ? response->final_url
                                               : page.canonical_url);
  }
  auto& metadata = *article.mutable_metadata();
  metadata["fetched_url"] = url;
  metadata["charset"] = decoded->charset;
  if (decoded->evidence == "detected") {
    article.add_warnings(
        absl::StrCat("charset ", decoded->charset, " detected, not declared"));
  } else if (absl::EndsWith(decoded->evidence, "replaced")) {
    article.add_warnings(absl::StrCat("not valid UTF-8: ", decoded->evidence));
  }
  return article;
}

bool PageIsArticle(const v1::Article& article, const PageOptions& options) {
  return static_cast<int>(article.body().size()) >= options.min_body_chars;
}

}  // namespace newsflow::ingest
