#include "stages/ingest/reuters_sgml.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "common/html_entities.h"
#include "stages/ingest/html_text.h"

namespace newsflow::ingest {
namespace {

// Line numbers of offsets met in increasing order, counted incrementally.
class LineCounter {
 public:
  LineCounter(std::string_view text, int first_line)
      : text_(text), line_(first_line) {}
  int LineAt(size_t offset) {
    line_ += static_cast<int>(
        std::count(text_.begin() + static_cast<long>(counted_),
                   text_.begin() + static_cast<long>(offset), '\n'));
    counted_ = offset;
    return line_;
  }

 private:
  std::string_view text_;
  size_t counted_ = 0;
  int line_;
};

constexpr std::string_view kDocumentStart = "<REUTERS";
constexpr size_t kReadBlock = 64 << 10;

// The content of the first <TAG ...>...</TAG> inside `doc`; "" if absent.
std::string_view Element(std::string_view doc, std::string_view tag,
                         std::string* attributes = nullptr) {
  const std::string open = "<" + std::string(tag);
  const std::string close = "</" + std::string(tag) + ">";
  size_t at = doc.find(open);
  while (at != std::string_view::npos) {
    char after = at + open.size() < doc.size() ? doc[at + open.size()] : '\0';
    if (after == '>' || after == ' ') break;
    at = doc.find(open, at + 1);
  }
  if (at == std::string_view::npos) return {};
  size_t start = doc.find('>', at);
  if (start == std::string_view::npos) return {};
  if (attributes != nullptr) {
    *attributes =
        std::string(doc.substr(at + open.size(), start - at - open.size()));
  }
  ++start;
  size_t end = doc.find(close, start);
  if (end == std::string_view::npos) return doc.substr(start);
  return doc.substr(start, end - start);
}

std::string Attribute(std::string_view attributes, std::string_view name) {
  const std::string key = std::string(name) + "=\"";
  size_t at = attributes.find(key);
  if (at == std::string_view::npos) return "";
  at += key.size();
  size_t end = attributes.find('"', at);
  if (end == std::string_view::npos) return "";
  return std::string(attributes.substr(at, end - at));
}

// Decoded, without control characters other than newlines.
std::string CleanText(std::string_view raw) {
  std::string decoded = DecodeHtmlEntities(raw, EntityMode::kMarkup);
  std::string out;
  out.reserve(decoded.size());
  for (char c : decoded) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 && c != '\n' && c != '\t') continue;
    if (u == 0x7F) continue;
    out.push_back(c == '\t' ? ' ' : c);
  }
  return out;
}

std::string OneLine(std::string_view raw) {
  std::vector<std::string> words =
      absl::StrSplit(CleanText(raw), absl::ByAnyChar(" \n"), absl::SkipEmpty());
  return absl::StrJoin(words, " ");
}

std::string Paragraphs(std::string_view raw) {
  std::vector<std::string> paragraphs;
  std::string current;
  const std::vector<std::string> lines = absl::StrSplit(std::string(raw), '\n');
  for (std::string line : lines) {
    bool starts_paragraph = false;
    if (line.rfind("&\\t", 0) == 0) {
      line.erase(0, 3);
      starts_paragraph = true;
    }
    if (!line.empty() && (line[0] == ' ' || line[0] == '\t')) {
      starts_paragraph = true;
    }
    std::string text = OneLine(line);
    if (text.empty()) {
      starts_paragraph = true;
    }
    if (starts_paragraph && !current.empty()) {
      paragraphs.push_back(std::move(current));
      current.clear();
    }
    if (!text.empty()) {
      absl::StrAppend(&current, current.empty() ? "" : " ", text);
    }
  }
  if (!current.empty()) paragraphs.push_back(std::move(current));
  return absl::StrJoin(paragraphs, "\n\n");
}

std::vector<std::string> List(std::string_view doc, std::string_view tag) {
  std::vector<std::string> values;
  std::string_view list = Element(doc, tag);
  size_t at = 0;
  while ((at = list.find("<D>", at)) != std::string_view::npos) {
    at += 3;
    size_t end = list.find("</D>", at);
    if (end == std::string_view::npos) break;
    std::string value = OneLine(list.substr(at, end - at));
    if (!value.empty()) values.push_back(std::move(value));
    at = end;
  }
  return values;
}

// "26-FEB-1987 15:01:01.79" -> "1987-02-26T15:01:01Z".
std::string ParseDate(std::string_view raw) {
  std::string text = OneLine(raw);
  size_t dot = text.find('.', text.find(' '));
  if (dot != std::string::npos) text.resize(dot);
  absl::Time time;
  std::string error;
  if (!absl::ParseTime("%d-%b-%Y %H:%M:%S", text, absl::UTCTimeZone(), &time,
                       &error)) {
    return "";
  }
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", time, absl::UTCTimeZone());
}

}  // namespace

ReutersFile ParseReutersSgml(std::string_view text, int first_line) {
  ReutersFile file;
  LineCounter lines(text, first_line);
  size_t at = 0;
  while ((at = text.find("<REUTERS", at)) != std::string_view::npos) {
    const int line = lines.LineAt(at);
    size_t tag_end = text.find('>', at);
    size_t end = text.find("</REUTERS>", at);
    size_t next = text.find("<REUTERS", at + 1);
    if (tag_end == std::string_view::npos || end == std::string_view::npos ||
        (next != std::string_view::npos && next < end)) {
      size_t stop = next == std::string_view::npos ? text.size() : next;
      file.problems.push_back({line, "<REUTERS> without </REUTERS>",
                               std::string(text.substr(at, stop - at))});
      at = stop;
      continue;
    }
    std::string_view attributes = text.substr(at, tag_end - at);
    std::string_view doc = text.substr(tag_end + 1, end - tag_end - 1);
    ReutersDocument d;
    d.line = line;
    d.new_id = Attribute(attributes, "NEWID");
    d.old_id = Attribute(attributes, "OLDID");
    d.topics_flag = Attribute(attributes, "TOPICS");
    d.lewis_split = Attribute(attributes, "LEWISSPLIT");
    d.cgi_split = Attribute(attributes, "CGISPLIT");
    d.raw_date = OneLine(Element(doc, "DATE"));
    d.date = ParseDate(d.raw_date);
    d.topics = List(doc, "TOPICS");
    d.places = List(doc, "PLACES");
    d.people = List(doc, "PEOPLE");
    d.orgs = List(doc, "ORGS");
    d.exchanges = List(doc, "EXCHANGES");
    d.companies = List(doc, "COMPANIES");
    std::string text_attributes;
    std::string_view body_text = Element(doc, "TEXT", &text_attributes);
    d.text_type = Attribute(text_attributes, "TYPE");
    d.title = OneLine(Element(body_text, "TITLE"));
    d.dateline = OneLine(Element(body_text, "DATELINE"));
    if (d.text_type == "UNPROC" ||
        body_text.find("<BODY>") == std::string_view::npos) {
      // Unprocessed and brief stories have no BODY element: the text is
      // what remains once the tagged parts are cut out.
      std::string rest(body_text);
      for (const char* tag : {"TITLE", "DATELINE", "AUTHOR"}) {
        std::string_view element = Element(rest, tag);
        if (element.data() == nullptr) continue;
        size_t open = rest.find(absl::StrCat("<", tag));
        size_t close = rest.find(absl::StrCat("</", tag, ">"), open);
        if (open != std::string::npos && close != std::string::npos) {
          rest.erase(open, close - open + std::string_view("</>").size() +
                               std::string_view(tag).size());
        }
      }
      d.body = Paragraphs(rest);
    } else {
      d.body = Paragraphs(Element(body_text, "BODY"));
    }
    std::string raw(text.substr(at, end + 10 - at));
    at = end + 10;
    if (d.new_id.empty()) {
      file.problems.push_back(
          {line, "<REUTERS> without NEWID", std::move(raw)});
      continue;
    }
    if (d.title.empty() && d.body.empty()) {
      file.problems.push_back(
          {line,
           absl::StrCat("NEWID ", d.new_id, " has neither title nor body"),
           std::move(raw)});
      continue;
    }
    file.documents.push_back(std::move(d));
  }
  return file;
}

bool ReutersSgmlReader::Fill() {
  if (failed_ || in_.eof()) return false;
  const size_t old_size = buffer_.size();
  buffer_.resize(old_size + kReadBlock);
  in_.read(buffer_.data() + old_size, kReadBlock);
  const size_t got = static_cast<size_t>(in_.gcount());
  buffer_.resize(old_size + got);
  if (in_.bad()) failed_ = true;
  return got > 0;
}

bool ReutersSgmlReader::Next(std::string* text, int* line) {
  // The start of a document may straddle two blocks: searches resume a
  // marker's length short of where the last one ended.
  constexpr size_t kOverlap = kDocumentStart.size() - 1;
  size_t searched = 0;
  while (!started_) {
    const size_t start = buffer_.find(kDocumentStart, searched);
    if (start != std::string::npos) {
      line_ += static_cast<int>(
          std::count(buffer_.begin(), buffer_.begin() + start, '\n'));
      buffer_.erase(0, start);
      started_ = true;
      break;
    }
    // Nothing before the first document is kept.
    const size_t keep = std::min(buffer_.size(), kOverlap);
    const size_t drop = buffer_.size() - keep;
    line_ += static_cast<int>(
        std::count(buffer_.begin(), buffer_.begin() + drop, '\n'));
    buffer_.erase(0, drop);
    searched = 0;
    if (!Fill()) return false;
  }
  if (buffer_.empty()) return false;
  searched = 1;
  size_t next;
  while ((next = buffer_.find(kDocumentStart, searched)) == std::string::npos) {
    searched = std::max<size_t>(
        1, buffer_.size() - std::min(buffer_.size(), kOverlap));
    if (!Fill()) {
      next = buffer_.size();
      break;
    }
  }
  if (failed_) return false;
  text->assign(buffer_, 0, next);
  *line = line_;
  line_ += static_cast<int>(std::count(text->begin(), text->end(), '\n'));
  buffer_.erase(0, next);
  return true;
}

}  // namespace newsflow::ingest
