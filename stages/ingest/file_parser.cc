#include "stages/ingest/file_parser.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/article_json.h"
#include "common/hash.h"
#include "common/text.h"
#include "stages/ingest/html/extract.h"

namespace newsflow::ingest {
namespace {

constexpr size_t kNpos = std::string_view::npos;

bool IsBlankChar(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
         c == '\v';
}

bool IsBlank(std::string_view text) {
  for (char c : text) {
    if (!IsBlankChar(c)) return false;
  }
  return true;
}

std::string_view TrimBlank(std::string_view text) {
  while (!text.empty() && IsBlankChar(text.front())) text.remove_prefix(1);
  while (!text.empty() && IsBlankChar(text.back())) text.remove_suffix(1);
  return text;
}

std::string NormalizeNewlines(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\r') {
      out.push_back(text[i]);
    } else {
      out.push_back('\n');
      if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
    }
  }
  return out;
}

std::string AsciiLower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

struct DecodedRecord {
  std::string text;
  // Offset of the first invalid UTF-8 byte in the raw record, if converted.
  size_t invalid_utf8_at = kNpos;
};

DecodedRecord DecodeRecord(std::string_view raw) {
  size_t invalid_at = FirstInvalidUtf8Offset(raw);
  if (invalid_at == kNpos) return {std::string(raw), kNpos};
  return {Windows1252ToUtf8(raw), invalid_at};
}

// 1-based line numbers of byte offsets asked for in increasing order, in
// one pass over the text overall.
class LineCounter {
 public:
  explicit LineCounter(std::string_view text) : text_(text) {}
  int LineAt(size_t offset) {
    for (; scanned_ < offset && scanned_ < text_.size(); ++scanned_) {
      if (text_[scanned_] == '\n') ++line_;
    }
    return line_;
  }

 private:
  std::string_view text_;
  size_t scanned_ = 0;
  int line_ = 1;
};

// The top-level elements of a JSON array, found without parsing them, so
// that one bad element costs only itself.
struct JsonArraySplit {
  // [begin, end) byte ranges of well-delimited elements.
  std::vector<std::pair<size_t, size_t>> elements;
  // Set when the array's structure breaks; elements before it stand.
  std::string error;
  size_t error_offset = 0;
};

// text[open] == '['.
JsonArraySplit SplitJsonArray(std::string_view text, size_t open) {
  JsonArraySplit split;
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  size_t element_start = kNpos;
  size_t last_non_blank = kNpos;
  for (size_t i = open + 1; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      last_non_blank = i;
      continue;
    }
    if (depth == 0 && (c == ',' || c == ']')) {
      if (element_start != kNpos) {
        split.elements.emplace_back(element_start, last_non_blank + 1);
        element_start = kNpos;
      } else if (c == ',' || !split.elements.empty()) {
        split.error = "empty array element";
        split.error_offset = i;
        return split;
      }
      if (c == ']') {
        if (!IsBlank(text.substr(i + 1))) {
          split.error = "unexpected data after the array";
          split.error_offset = i + 1;
        }
        return split;
      }
      continue;
    }
    if (IsBlankChar(c)) continue;
    if (element_start == kNpos) element_start = i;
    last_non_blank = i;
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (depth == 0) {
        split.error = "unbalanced brackets";
        split.error_offset = i;
        return split;
      }
      --depth;
    }
  }
  split.error = "the array is not closed (truncated file?)";
  split.error_offset = element_start != kNpos ? element_start : text.size();
  return split;
}

// A conversion warning for a record that starts `file_offset` into the
// file.
void NoteConversionIn(const std::string& what, size_t file_offset,
                      size_t invalid_utf8_at, v1::Article* article,
                      ParsedFile* parsed) {
  if (invalid_utf8_at == kNpos) return;
  std::string warning =
      absl::StrCat("converted from windows-1252: invalid UTF-8 at byte ",
                   file_offset + invalid_utf8_at);
  parsed->warnings.push_back(absl::StrCat(what, ": ", warning));
  article->add_warnings(std::move(warning));
}

// One JSON record; `line` is 0 for a whole-file record.
void AddJsonRecordTo(std::string_view name, FileFormat format,
                     std::string_view raw, size_t file_offset, int line,
                     ParsedFile* parsed) {
  // Named only when something is reported: most records never need it.
  auto what = [&] {
    const absl::string_view file(name.data(), name.size());
    return line > 0 ? absl::StrCat(file, ":", line) : std::string(file);
  };
  // The record is parsed in place, in a copy kept from record to record: a
  // fresh copy was a malloc and a free of the record's size each, and a
  // second of each when the parser extended it with its SIMD slack.
  thread_local std::string text;
  const size_t invalid_utf8_at = FirstInvalidUtf8Offset(raw);
  if (invalid_utf8_at == kNpos) {
    text.assign(raw.data(), raw.size());
  } else {
    text = Windows1252ToUtf8(raw);
  }
  // Checked UTF-8 now: parsed without a second check.
  v1::Article article;
  absl::Status status =
      ArticleFromJsonInPlace(&text, /*ignore_unknown_fields=*/true, &article);
  // Keep a buffer of a usual record's size, not of the largest one seen.
  constexpr size_t kKeptBytes = 1 << 20;
  if (text.capacity() > kKeptBytes) std::string().swap(text);
  if (!status.ok()) {
    parsed->rejections.push_back(
        {what(),
         absl::StrCat("invalid JSON record: ", std::string(status.message())),
         std::string(raw)});
    return;
  }
  if (article.title().empty() && article.body().empty()) {
    parsed->rejections.push_back(
        {what(), "record has neither title nor body", std::string(raw)});
    return;
  }
  if (article.id().empty()) {
    parsed->pending_ids.push_back({parsed->articles.size(), raw});
  }
  article.set_format(FormatName(format));
  if (line > 0) (*article.mutable_metadata())["line"] = absl::StrCat(line);
  if (invalid_utf8_at != kNpos) {
    NoteConversionIn(what(), file_offset, invalid_utf8_at, &article, parsed);
  }
  parsed->articles.push_back(std::move(article));
}

class FileParser {
 public:
  FileParser(std::string_view name, std::string_view bytes, FileFormat format)
      : name_(name), bytes_(bytes), format_(format) {}

  ParsedFile Run() && {
    if (bytes_.size() >= 2 && (bytes_.substr(0, 2) == "\xFF\xFE" ||
                               bytes_.substr(0, 2) == "\xFE\xFF")) {
      Reject(name_, "UTF-16 text is not supported; convert it to UTF-8");
      return std::move(parsed_);
    }
    if (LooksBinary(bytes_)) {
      Reject(name_, "binary file");
      return std::move(parsed_);
    }
    content_ = StripUtf8Bom(bytes_);
    content_offset_ = bytes_.size() - content_.size();
    if (IsBlank(content_)) {
      Reject(name_, "empty file");
      return std::move(parsed_);
    }
    switch (format_) {
      case FileFormat::kText:
      case FileFormat::kHtml:
        ParseDocument();
        break;
      case FileFormat::kJson:
        ParseJson();
        break;
      case FileFormat::kJsonLines:
        ParseJsonLines();
        break;
    }
    AssignContentIds(&parsed_);
    return std::move(parsed_);
  }

 private:
  void ParseDocument() {
    DecodedRecord decoded = DecodeRecord(content_);
    v1::Article article;
    if (format_ == FileFormat::kHtml) {
      absl::StatusOr<html::ExtractedArticle> page =
          html::ExtractArticle(decoded.text, /*page_url=*/"");
      if (!page.ok()) {
        Reject(name_, std::string(page.status().message()));
        return;
      }
      FillFromPage(*std::move(page), &article);
    } else {
      TextDocument document = SplitTextDocument(decoded.text);
      article.set_title(std::move(document.title));
      article.set_body(std::move(document.body));
    }
    article.set_id(StableHashHex(content_));
    article.set_format(FormatName(format_));
    NoteConversion(name_, 0, decoded, &article);
    parsed_.articles.push_back(std::move(article));
  }

  void FillFromPage(html::ExtractedArticle page, v1::Article* article) {
    article->set_title(std::move(page.title));
    article->set_body(page.Body());
    // The page's own canonical address is the article's URL; the caller
    // keeps the file's path in metadata["path"].
    article->set_url(std::move(page.canonical_url));
    article->set_byline(absl::StrJoin(page.authors, ", "));
    auto& metadata = *article->mutable_metadata();
    // published_at is RFC 3339 only; a bare date goes to metadata.
    if (page.published_at.size() > 10) {
      article->set_published_at(std::move(page.published_at));
    } else if (!page.published_at.empty()) {
      metadata["published_date"] = std::move(page.published_at);
    }
    if (!page.language.empty()) {
      metadata["declared_language"] = std::move(page.language);
    }
    metadata["extracted_by"] = std::move(page.body_source);
    for (std::string& note : page.notes) {
      parsed_.warnings.push_back(absl::StrCat(name_, ": ", note));
      article->add_warnings(std::move(note));
    }
  }

  void ParseJson() {
    size_t first = 0;
    while (first < content_.size() && IsBlankChar(content_[first])) ++first;
    if (content_[first] == '{') {
      AddJsonRecord(content_, 0, /*line=*/0);
      return;
    }
    if (content_[first] != '[') {
      Reject(name_, "expected a JSON object or an array of objects");
      return;
    }
    JsonArraySplit split = SplitJsonArray(content_, first);
    LineCounter lines(content_);
    for (const auto& [begin, end] : split.elements) {
      AddJsonRecord(content_.substr(begin, end - begin), begin,
                    lines.LineAt(begin));
    }
    if (!split.error.empty()) {
      Reject(absl::StrCat(name_, ":", lines.LineAt(split.error_offset)),
             absl::StrCat("invalid JSON: ", split.error));
    }
  }

  void ParseJsonLines() {
    size_t start = 0;
    int line_number = 1;
    while (start < content_.size()) {
      size_t end = content_.find('\n', start);
      if (end == kNpos) end = content_.size();
      std::string_view line = content_.substr(start, end - start);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (!IsBlank(line)) AddJsonRecord(line, start, line_number);
      start = end + 1;
      ++line_number;
    }
  }

  void AddJsonRecord(std::string_view raw, size_t offset, int line) {
    AddJsonRecordTo(name_, format_, raw, content_offset_ + offset, line,
                    &parsed_);
  }

  void NoteConversion(const std::string& what, size_t offset,
                      const DecodedRecord& decoded, v1::Article* article) {
    NoteConversionIn(what, content_offset_ + offset, decoded.invalid_utf8_at,
                     article, &parsed_);
  }

  void Reject(std::string what, std::string reason, std::string_view raw = {}) {
    parsed_.rejections.push_back(
        {std::move(what), std::move(reason), std::string(raw)});
  }

  const std::string name_;
  const std::string_view bytes_;
  const FileFormat format_;
  // bytes_ without a byte order mark, which starts content_offset_ in.
  std::string_view content_;
  size_t content_offset_ = 0;
  ParsedFile parsed_;
};

}  // namespace

void ParseJsonLine(std::string_view name, std::string_view line,
                   int line_number, size_t file_offset, ParsedFile* out) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (IsBlank(line)) return;
  AddJsonRecordTo(name, FileFormat::kJsonLines, line, file_offset, line_number,
                  out);
}

void AssignContentIds(ParsedFile* out) {
  if (out->pending_ids.empty()) return;
  std::vector<std::string_view> raw;
  raw.reserve(out->pending_ids.size());
  for (const ParsedFile::PendingId& pending : out->pending_ids) {
    raw.push_back(pending.raw);
  }
  std::vector<std::string> ids = StableHashHexMany(raw);
  for (size_t i = 0; i < ids.size(); ++i) {
    out->articles[out->pending_ids[i].article].set_id(std::move(ids[i]));
  }
  out->pending_ids.clear();
}

FileFormat FormatForPath(std::string_view path) {
  size_t slash = path.rfind('/');
  std::string_view file_name = slash == kNpos ? path : path.substr(slash + 1);
  size_t dot = file_name.rfind('.');
  if (dot == kNpos) return FileFormat::kText;
  std::string extension = AsciiLower(file_name.substr(dot));
  if (extension == ".html" || extension == ".htm" || extension == ".xhtml") {
    return FileFormat::kHtml;
  }
  if (extension == ".json") return FileFormat::kJson;
  if (extension == ".jsonl" || extension == ".ndjson") {
    return FileFormat::kJsonLines;
  }
  return FileFormat::kText;
}

const char* FormatName(FileFormat format) {
  switch (format) {
    case FileFormat::kText:
      return "text";
    case FileFormat::kHtml:
      return "html";
    case FileFormat::kJson:
    case FileFormat::kJsonLines:
      return "json";
  }
  return "text";
}

ParsedFile ParseFile(std::string_view name, std::string_view bytes,
                     FileFormat format) {
  return FileParser(name, bytes, format).Run();
}

TextDocument SplitTextDocument(std::string_view text) {
  std::string normalized = NormalizeNewlines(text);
  std::string_view rest = normalized;
  TextDocument document;
  bool have_title = false;
  bool pending_break = false;
  while (!rest.empty()) {
    size_t end = rest.find('\n');
    std::string_view line = rest.substr(0, end);
    rest.remove_prefix(end == kNpos ? rest.size() : end + 1);
    if (IsBlank(line)) {
      pending_break = !document.body.empty();
      continue;
    }
    if (!have_title) {
      document.title = std::string(TrimBlank(line));
      have_title = true;
      continue;
    }
    if (!document.body.empty()) document.body += pending_break ? "\n\n" : "\n";
    pending_break = false;
    document.body.append(line);
  }
  return document;
}

}  // namespace newsflow::ingest
