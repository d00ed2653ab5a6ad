// Turns the bytes of one file into articles: encoding checks, then the
// format's own parsing (plain text, HTML, JSON, JSON lines). Pure: no I/O,
// no clock, so the same bytes always give the same result.
#ifndef NEWSFLOW_STAGES_INGEST_FILE_PARSER_H_
#define NEWSFLOW_STAGES_INGEST_FILE_PARSER_H_

#include <string>
#include <string_view>
#include <vector>

#include "newsflow/v1/article.pb.h"

namespace newsflow::ingest {

enum class FileFormat { kText, kHtml, kJson, kJsonLines };

// By the file's extension, case-insensitively: .html .htm .xhtml are HTML,
// .json is JSON, .jsonl .ndjson are JSON lines, anything else is text.
FileFormat FormatForPath(std::string_view path);

// The Article.format value: "text", "html" or "json" (also for JSON lines).
const char* FormatName(FileFormat format);

// An input that could not become an article.
struct Rejection {
  std::string what;    // the file's name, or "name:LINE" for one record
  std::string reason;  // why, for a person
  std::string raw;     // the record's bytes when it is one of many, else ""
};

struct ParsedFile {
  std::vector<v1::Article> articles;
  std::vector<Rejection> rejections;
  // Notes for the log, each naming the file (and line).
  std::vector<std::string> warnings;
  // Articles still without their content id, and the raw records it is
  // the hash of (views into the caller's bytes): ParseJsonLine leaves the
  // ids to AssignContentIds, which hashes several records side by side.
  struct PendingId {
    size_t article;  // index into `articles`
    std::string_view raw;
  };
  std::vector<PendingId> pending_ids;
};

// Parses one file. `name` names it in rejections and warnings.
//
// Whole file: UTF-16 and binary data (LooksBinary) are rejected, as is a
// file holding only whitespace; a UTF-8 byte order mark is dropped.
// Encoding, per record (the file, or one JSON record): valid UTF-8 passes
// unchanged; anything else is read as Windows-1252 and the article gets the
// warning "converted from windows-1252: invalid UTF-8 at byte N" (N counts
// from the start of the file). Every article is valid UTF-8.
//
// Each article gets title, body, format, warnings, and an id: the record's
// own "id" for JSON, else StableHashHex of the record's raw bytes (the
// file after any byte order mark, or the JSON record's text). Records of
// JSON arrays and JSON lines get metadata["line"] (1-based). Fields a JSON
// record gives are kept; unknown keys are ignored. Source, url, ingested_at
// and metadata["path"] are the caller's to fill (url only when empty).
//
// HTML goes through html::ExtractArticle (stages/ingest/html/extract.h):
// title, body paragraphs, url = the page's canonical URL (if it declares
// one), byline = its authors joined by ", ", published_at when the page
// gives a time with a zone (a bare date goes to metadata["published_date"]),
// metadata["declared_language"], metadata["extracted_by"] (why that body);
// a page with no article is rejected with the extractor's reason.
ParsedFile ParseFile(std::string_view name, std::string_view bytes,
                     FileFormat format);

// One line of a JSON-lines file, exactly as ParseFile reads it (id,
// metadata["line"], the encoding rule), for readers that stream a file a
// line at a time: `line_number` is 1-based, `file_offset` is where the
// line starts in the file (for warnings). A blank line adds nothing.
// A record without an "id" gets its id from AssignContentIds(out), which
// the caller calls before using the articles, while `line`'s bytes are
// still there: after a batch of lines, so that their hashes run together.
void ParseJsonLine(std::string_view name, std::string_view line,
                   int line_number, size_t file_offset, ParsedFile* out);

// Gives every article in out->pending_ids its id (StableHashHex of its raw
// record) and empties the list.
void AssignContentIds(ParsedFile* out);

struct TextDocument {
  std::string title;
  std::string body;
};

// Plain text: the first non-blank line, trimmed, is the title; the lines
// after it are the body, as written, except that runs of blank lines become
// one paragraph break "\n\n" and leading and trailing blank lines go.
// "\r\n" and lone "\r" line ends count as "\n".
TextDocument SplitTextDocument(std::string_view text);

}  // namespace newsflow::ingest

#endif  // NEWSFLOW_STAGES_INGEST_FILE_PARSER_H_
