// The SGML of the Reuters-21578 collection: files holding many
// <REUTERS ...> ... </REUTERS> documents (see lewis.dtd beside the data).
// Pure: bytes in, documents out.
#ifndef NEWSFLOW_STAGES_INGEST_REUTERS_SGML_H_
#define NEWSFLOW_STAGES_INGEST_REUTERS_SGML_H_

#include <istream>
#include <string>
#include <string_view>
#include <vector>

namespace newsflow::ingest {

struct ReutersDocument {
  int line = 0;  // of the <REUTERS> tag, 1-based
  // Attributes of <REUTERS>.
  std::string new_id, old_id, topics_flag, lewis_split, cgi_split;
  std::string date;       // RFC 3339 UTC, "" when <DATE> did not parse
  std::string raw_date;   // <DATE> as written
  std::string text_type;  // TYPE of <TEXT>: "" (normal), BRIEF, UNPROC
  std::string title, dateline, body;
  std::vector<std::string> topics, places, people, orgs, exchanges, companies;
};

struct ReutersProblem {
  int line = 0;
  std::string reason;
  std::string raw;  // the document's text, when there is one
};

struct ReutersFile {
  std::vector<ReutersDocument> documents;
  std::vector<ReutersProblem> problems;
};

// Reads every <REUTERS> document of `text` (UTF-8). Character references
// (&lt; &#3; ...) are decoded and control characters dropped; body
// paragraphs (lines indented, or marked "&\t" as in some copies of the
// collection) are separated by "\n\n" and their wrapped lines joined with
// spaces. A document without NEWID, without a closing </REUTERS>, or with
// neither title nor body is a problem, and the next document is read.
// Lines are numbered from `first_line`, the line `text` starts on.
ReutersFile ParseReutersSgml(std::string_view text, int first_line = 1);

// Splits a stream of Reuters SGML into documents without holding more than
// one of them (and one read block), so that a big file is read in
// constant memory. Parsing each piece with ParseReutersSgml() gives what
// parsing the whole stream at once gives.
class ReutersSgmlReader {
 public:
  // `in` must outlive the reader.
  explicit ReutersSgmlReader(std::istream& in) : in_(in) {}

  // The text from one "<REUTERS" up to the next (or the end of the
  // stream), and the line it starts on. Text before the first "<REUTERS"
  // is skipped, as ParseReutersSgml() skips it. False at the end of the
  // stream or when reading fails (see failed()).
  bool Next(std::string* text, int* line);
  // Whether reading failed (as opposed to the stream ending).
  bool failed() const { return failed_; }

 private:
  // Appends one block to buffer_; false when nothing more can be read.
  bool Fill();

  std::istream& in_;
  std::string buffer_;
  // The line buffer_'s first byte is on.
  int line_ = 1;
  bool started_ = false;
  bool failed_ = false;
};

}  // namespace newsflow::ingest

#endif  // NEWSFLOW_STAGES_INGEST_REUTERS_SGML_H_
