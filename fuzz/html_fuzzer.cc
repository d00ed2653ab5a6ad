// Fuzzes what the url and feed sources do with a fetched page: the bytes
// are decoded to UTF-8 (charset.h, with nothing declared by a server) and
// the article extracted (html/extract.h): title, body, authors, date,
// canonical URL, language. The fragment scanner that feed summaries go
// through (html_text.h) gets the same text. The input is the page itself,
// so real pages serve as seeds unchanged.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "common/text.h"
#include "fuzz/fuzz_input.h"
#include "stages/ingest/charset.h"
#include "stages/ingest/html/extract.h"
#include "stages/ingest/html_text.h"

namespace {

using newsflow::fuzz::Require;

// published_at is "", a real calendar day "YYYY-MM-DD", or a UTC instant
// (see IsUtcInstant).
bool IsPublishedForm(const std::string& date) {
  if (date.empty()) return true;
  if (date.size() == 10) {
    absl::CivilDay day;
    return absl::ParseCivilTime(date, &day) &&
           absl::FormatCivilTime(day) == date;
  }
  return newsflow::fuzz::IsUtcInstant(date);
}

void CheckArticle(const newsflow::html::ExtractedArticle& article) {
  Require(!article.paragraphs.empty());
  for (const std::string& paragraph : article.paragraphs) {
    Require(!paragraph.empty());
    Require(newsflow::IsValidUtf8(paragraph));
  }
  for (const std::string* text :
       {&article.title, &article.canonical_url, &article.language}) {
    Require(newsflow::IsValidUtf8(*text));
  }
  for (const std::string& author : article.authors) {
    Require(!author.empty() && newsflow::IsValidUtf8(author));
  }
  Require(IsPublishedForm(article.published_at));
  Require(absl::AsciiStrToLower(article.language) == article.language);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<newsflow::ingest::DecodedText> decoded =
      newsflow::ingest::DecodeToUtf8(bytes, "");
  if (decoded.ok()) Require(newsflow::IsValidUtf8(decoded->utf8));
  // Bytes that cannot be decoded still reach the extractor, which must
  // refuse them itself.
  const std::string page = decoded.ok() ? decoded->utf8 : std::string(bytes);

  absl::StatusOr<newsflow::html::ExtractedArticle> article =
      newsflow::html::ExtractArticle(page, "https://news.example.com/a/b.html");
  if (article.ok()) {
    CheckArticle(*article);
  } else {
    Require(absl::IsInvalidArgument(article.status()) ||
            absl::IsNotFound(article.status()));
    Require(!absl::IsInvalidArgument(article.status()) ||
            !newsflow::IsValidUtf8(page));
  }

  // The date parser directly too: a page's first bytes are as good a date
  // as any, and mutations reach its branches far sooner than through meta
  // tags.
  Require(IsPublishedForm(
      newsflow::html::NormalizeDate(absl::string_view(page).substr(0, 40))));

  if (newsflow::IsValidUtf8(page)) {
    newsflow::ingest::HtmlText text = newsflow::ingest::ExtractHtmlText(page);
    Require(newsflow::IsValidUtf8(text.title));
    Require(newsflow::IsValidUtf8(text.body));
  }
  return 0;
}
