#include "stages/ingest/feed_parser.h"

#include <expat.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "stages/ingest/html_text.h"
#include "stages/ingest/http_fetcher.h"

namespace newsflow::ingest {
namespace {

// "" outside the years a feed can mean (the HTML extractor's window too),
// which also keeps the year at the four digits RFC 3339 requires.
std::string Rfc3339Seconds(absl::Time time) {
  const int64_t year = absl::ToCivilYear(time, absl::UTCTimeZone()).year();
  if (year < 1900 || year > 2200) return "";
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", time, absl::UTCTimeZone());
}

std::string_view LocalName(std::string_view name) {
  size_t colon = name.rfind(':');
  return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

// Feed text fields may hold escaped HTML; keep only its text.
std::string PlainText(const std::string& text) {
  if (text.find('<') == std::string::npos &&
      text.find('&') == std::string::npos) {
    return std::string(absl::StripAsciiWhitespace(text));
  }
  HtmlText html = ExtractHtmlText(text);
  std::string out =
      html.title.empty()
          ? html.body
          : (html.body.empty() ? html.title : html.title + "\n\n" + html.body);
  return std::string(absl::StripAsciiWhitespace(out));
}

class FeedBuilder {
 public:
  explicit FeedBuilder(std::string_view feed_url) : feed_url_(feed_url) {}

  void Start(const char* name, const char** attributes) {
    const std::string full(name);
    const std::string local(LocalName(full));
    if (depth_ == 0) root_ = local;
    ++depth_;
    text_.clear();
    if (local == "item" || local == "entry") {
      in_item_ = true;
      item_ = FeedItem();
      return;
    }
    if (local == "link" && !absl::StartsWith(full, "atom:")) {
      // Atom: <link rel="alternate" href="..."/> (rel defaults to alternate).
      std::string href, rel = "alternate";
      for (int i = 0; attributes[i] != nullptr; i += 2) {
        std::string_view key = attributes[i];
        if (key == "href") href = attributes[i + 1];
        if (key == "rel") rel = attributes[i + 1];
      }
      if (in_item_ && !href.empty() && rel == "alternate" &&
          item_.link.empty()) {
        item_.link = ResolveUrl(feed_url_, href);
      }
    }
  }

  void End(const char* name) {
    const std::string full(name);
    const std::string local(LocalName(full));
    --depth_;
    std::string text = std::move(text_);
    text_.clear();
    if (local == "item" || local == "entry") {
      if (in_item_) feed_.items.push_back(std::move(item_));
      in_item_ = false;
      return;
    }
    if (!in_item_) {
      if (local == "title" && feed_.title.empty() && depth_ <= 2) {
        feed_.title = PlainText(text);
      }
      return;
    }
    if (local == "title" && item_.title.empty()) {
      item_.title = PlainText(text);
    } else if (local == "link" && item_.link.empty() &&
               !absl::StripAsciiWhitespace(text).empty()) {
      item_.link =
          ResolveUrl(feed_url_, std::string(absl::StripAsciiWhitespace(text)));
    } else if (local == "guid" || local == "id") {
      item_.guid = std::string(absl::StripAsciiWhitespace(text));
    } else if (local == "description" || local == "summary" ||
               (local == "encoded" && item_.summary.empty()) ||
               (local == "content" && item_.summary.empty())) {
      std::string plain = PlainText(text);
      if (!plain.empty()) item_.summary = std::move(plain);
    } else if (local == "pubDate" || local == "published" ||
               full == "dc:date" ||
               (local == "updated" && item_.published.empty())) {
      std::string date = FeedDateToRfc3339(text);
      if (!date.empty()) item_.published = std::move(date);
    } else if ((local == "name" || local == "creator" || local == "author") &&
               item_.author.empty()) {
      item_.author = std::string(absl::StripAsciiWhitespace(text));
    }
  }

  void Text(const char* data, int length) {
    text_.append(data, static_cast<size_t>(length));
  }

  const std::string& root() const { return root_; }
  Feed Take() { return std::move(feed_); }

 private:
  const std::string feed_url_;
  Feed feed_;
  FeedItem item_;
  bool in_item_ = false;
  int depth_ = 0;
  std::string root_;
  std::string text_;
};

void XMLCALL OnStart(void* user, const XML_Char* name, const XML_Char** atts) {
  static_cast<FeedBuilder*>(user)->Start(name, atts);
}
void XMLCALL OnEnd(void* user, const XML_Char* name) {
  static_cast<FeedBuilder*>(user)->End(name);
}
void XMLCALL OnText(void* user, const XML_Char* data, int length) {
  static_cast<FeedBuilder*>(user)->Text(data, length);
}

}  // namespace

std::string FeedItem::Key() const {
  if (!guid.empty()) return guid;
  if (!link.empty()) return link;
  return title;
}

absl::StatusOr<Feed> ParseFeed(std::string_view utf8_xml,
                               std::string_view feed_url) {
  // The bytes are UTF-8 whatever the declaration says.
  std::unique_ptr<XML_ParserStruct, void (*)(XML_Parser)> parser(
      XML_ParserCreate("UTF-8"), &XML_ParserFree);
  if (parser == nullptr) return absl::InternalError("expat: out of memory");
  FeedBuilder builder(feed_url);
  XML_SetUserData(parser.get(), &builder);
  XML_SetElementHandler(parser.get(), &OnStart, &OnEnd);
  XML_SetCharacterDataHandler(parser.get(), &OnText);
  if (XML_Parse(parser.get(), utf8_xml.data(),
                static_cast<int>(utf8_xml.size()),
                /*isFinal=*/1) == XML_STATUS_ERROR) {
    return absl::InvalidArgumentError(absl::StrCat(
        std::string(feed_url), ":", XML_GetCurrentLineNumber(parser.get()), ":",
        XML_GetCurrentColumnNumber(parser.get()) + 1,
        ": not a well-formed feed: ",
        XML_ErrorString(XML_GetErrorCode(parser.get()))));
  }
  const std::string& root = builder.root();
  if (root != "rss" && root != "feed" && root != "RDF") {
    return absl::InvalidArgumentError(
        absl::StrCat(std::string(feed_url),
                     ": not an RSS or Atom feed (root element <", root, ">)"));
  }
  return builder.Take();
}

std::string FeedDateToRfc3339(std::string_view date) {
  std::string text(absl::StripAsciiWhitespace(std::string(date)));
  if (text.empty()) return "";
  absl::Time time;
  std::string error;
  if (absl::ParseTime(absl::RFC3339_full, text, &time, &error)) {
    return Rfc3339Seconds(time);
  }
  // RFC 822: optional weekday, then "02 Jan 2006 15:04[:05] ZONE".
  if (size_t comma = text.find(','); comma != std::string::npos) {
    text = std::string(absl::StripAsciiWhitespace(text.substr(comma + 1)));
  }
  // RFC 822 years have two digits, which "%Y" would take as years 0-99;
  // RFC 2822 section 4.3 reads 00-49 as 20xx and 50-99 as 19xx.
  std::vector<std::string> fields =
      absl::StrSplit(text, ' ', absl::SkipEmpty());
  if (fields.size() >= 3 && fields[2].size() == 2 &&
      absl::ascii_isdigit(fields[2][0]) && absl::ascii_isdigit(fields[2][1])) {
    const int year = (fields[2][0] - '0') * 10 + (fields[2][1] - '0');
    fields[2] = absl::StrCat(year < 50 ? 2000 + year : 1900 + year);
    text = absl::StrJoin(fields, " ");
  }
  static constexpr const char* kZones[][2] = {
      {"GMT", "+0000"}, {"UT", "+0000"},  {"UTC", "+0000"}, {"Z", "+0000"},
      {"EST", "-0500"}, {"EDT", "-0400"}, {"CST", "-0600"}, {"CDT", "-0500"},
      {"MST", "-0700"}, {"MDT", "-0600"}, {"PST", "-0800"}, {"PDT", "-0700"}};
  for (const auto& zone : kZones) {
    if (absl::EndsWith(text, absl::StrCat(" ", zone[0]))) {
      text =
          absl::StrCat(text.substr(0, text.size() - strlen(zone[0])), zone[1]);
      break;
    }
  }
  for (const char* format : {"%d %b %Y %H:%M:%S %z", "%d %b %Y %H:%M %z"}) {
    if (absl::ParseTime(format, text, &time, &error)) {
      return Rfc3339Seconds(time);
    }
  }
  return "";
}

}  // namespace newsflow::ingest
