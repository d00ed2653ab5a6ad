// RSS 2.0 and Atom 1.0 feeds, parsed with expat.
//
// expat rather than libxml2: a feed needs only a stream of elements and
// text, expat is a small, well-fuzzed streaming parser with built-in
// protection against entity-expansion attacks, and it never touches the
// network (no external DTDs or entities are loaded).
//
// Elements are matched by local name (a prefix such as "atom:" or "dc:" is
// ignored, except that dc:creator and dc:date count as author and date), so
// feeds that mix namespaces still read.
#ifndef NEWSFLOW_STAGES_INGEST_FEED_PARSER_H_
#define NEWSFLOW_STAGES_INGEST_FEED_PARSER_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace newsflow::ingest {

struct FeedItem {
  std::string guid;     // RSS guid / Atom id; may be ""
  std::string link;     // absolute (resolved against the feed's URL)
  std::string title;    // text; markup removed, entities decoded
  std::string summary;  // text of description / summary / content
  std::string author;
  // RFC 3339 (UTC) when the feed's date could be read, else "".
  std::string published;

  // What identifies the item across polls: guid, else link, else title.
  std::string Key() const;
};

struct Feed {
  std::string title;
  std::vector<FeedItem> items;  // in document order
};

// Parses a feed already converted to UTF-8 (an XML declaration naming
// another encoding is ignored). `feed_url` resolves relative links and
// names the feed in errors: a document that is not well-formed XML fails
// with "URL:LINE:COLUMN: <expat's message>"; well-formed XML whose root is
// neither <rss> (or RSS 1.0's <rdf:RDF>) nor <feed> fails too. Items with
// neither link nor guid are kept; the caller decides.
absl::StatusOr<Feed> ParseFeed(std::string_view utf8_xml,
                               std::string_view feed_url);

// An RFC 822 (RSS) or RFC 3339 (Atom) date as RFC 3339 UTC; "" when it is
// neither.
std::string FeedDateToRfc3339(std::string_view date);

}  // namespace newsflow::ingest

#endif  // NEWSFLOW_STAGES_INGEST_FEED_PARSER_H_
