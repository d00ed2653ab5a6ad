// Fuzzes what the feed source does with a fetched feed: the bytes are
// decoded to UTF-8 (charset.h, with nothing declared by a server) and
// parsed as RSS or Atom (feed_parser.h, expat). The input is the feed
// itself, so any feed file serves as a seed unchanged.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "common/text.h"
#include "fuzz/fuzz_input.h"
#include "stages/ingest/charset.h"
#include "stages/ingest/feed_parser.h"

namespace {

using newsflow::fuzz::IsUtcInstant;
using newsflow::fuzz::Require;

constexpr char kFeedUrl[] = "https://news.example.com/feeds/main.xml";

void CheckFeed(const newsflow::ingest::Feed& feed) {
  Require(newsflow::IsValidUtf8(feed.title));
  for (const newsflow::ingest::FeedItem& item : feed.items) {
    for (const std::string* text :
         {&item.guid, &item.link, &item.title, &item.summary, &item.author}) {
      Require(newsflow::IsValidUtf8(*text));
    }
    Require(item.published.empty() || IsUtcInstant(item.published));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<newsflow::ingest::DecodedText> decoded =
      newsflow::ingest::DecodeToUtf8(bytes, "");
  if (!decoded.ok()) return 0;
  Require(newsflow::IsValidUtf8(decoded->utf8));

  absl::StatusOr<newsflow::ingest::Feed> feed =
      newsflow::ingest::ParseFeed(decoded->utf8, kFeedUrl);
  if (feed.ok()) {
    CheckFeed(*feed);
  } else {
    // Errors name the feed, for the operator reading the log.
    Require(absl::IsInvalidArgument(feed.status()));
    Require(absl::StartsWith(feed.status().message(), kFeedUrl));
  }

  // The date reader directly too: mutations reach its branches far sooner
  // than through <pubDate>.
  const std::string date =
      newsflow::ingest::FeedDateToRfc3339(decoded->utf8.substr(0, 40));
  Require(date.empty() || IsUtcInstant(date));
  return 0;
}
