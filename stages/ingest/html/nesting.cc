#include "stages/ingest/html/nesting.h"

#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"

namespace newsflow::html {
namespace {

constexpr size_t kNpos = absl::string_view::npos;

bool IsAsciiAlpha(char c) { return absl::ascii_isalpha(c); }

// Elements that never hold children, or whose end tags the tree builder
// implies (so an unclosed one never deepens the tree on its own).
bool Uncounted(absl::string_view name) {
  static constexpr absl::string_view kNames[] = {
      "area",   "base",     "br",      "col",      "embed",   "hr",    "img",
      "input",  "link",     "meta",    "param",    "source",  "track", "wbr",
      "keygen", "basefont", "bgsound", "frame",    "image",   "p",     "li",
      "dt",     "dd",       "option",  "optgroup", "tr",      "td",    "th",
      "tbody",  "thead",    "tfoot",   "colgroup", "caption", "rb",    "rp",
      "rt",     "rtc",      "html",    "head",     "body"};
  for (absl::string_view known : kNames) {
    if (name == known) return true;
  }
  return false;
}

// Elements whose content is not markup: the scan jumps to their end tag.
bool IsRawText(absl::string_view name) {
  return name == "script" || name == "style" || name == "textarea" ||
         name == "title" || name == "xmp" || name == "iframe" ||
         name == "noembed" || name == "noframes" || name == "noscript" ||
         name == "svg" || name == "math";
}

// `needle` starts with '<', so only the places of a '<' are compared (a
// compare at every byte made this scan cost as much as parsing the script).
size_t FindCaseInsensitive(absl::string_view haystack, absl::string_view needle,
                           size_t from) {
  for (size_t i = haystack.find(needle[0], from);
       i != kNpos && i + needle.size() <= haystack.size();
       i = haystack.find(needle[0], i + 1)) {
    if (absl::EqualsIgnoreCase(haystack.substr(i, needle.size()), needle)) {
      return i;
    }
  }
  return kNpos;
}

// The end of the tag starting at html[start] ('<'): one past its '>', or
// the input's end. Quoted attribute values may hold '>'.
size_t TagEnd(absl::string_view html, size_t start) {
  char quote = 0;
  bool after_equals = false;
  for (size_t i = start + 1; i < html.size(); ++i) {
    char c = html[i];
    if (quote != 0) {
      if (c == quote) quote = 0;
      continue;
    }
    if (c == '>') return i + 1;
    if ((c == '"' || c == '\'') && after_equals) {
      quote = c;
      after_equals = false;
    } else if (c == '=') {
      after_equals = true;
    } else if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
      after_equals = false;
    }
  }
  return html.size();
}

}  // namespace

size_t FlattenDeepNesting(absl::string_view html, int max_depth,
                          std::string* flattened) {
  std::vector<std::string> open;  // names of counted open elements
  std::vector<std::pair<size_t, size_t>> cuts;
  size_t i = 0;
  while (i < html.size()) {
    size_t lt = html.find('<', i);
    if (lt == kNpos || lt + 1 >= html.size()) break;
    char next = html[lt + 1];
    if (html.substr(lt, 4) == "<!--") {
      size_t end = html.find("-->", lt + 4);
      i = end == kNpos ? html.size() : end + 3;
      continue;
    }
    if (next == '!' || next == '?') {
      size_t end = html.find('>', lt);
      i = end == kNpos ? html.size() : end + 1;
      continue;
    }
    bool closing = next == '/';
    size_t name_start = lt + (closing ? 2 : 1);
    if (name_start >= html.size() || !IsAsciiAlpha(html[name_start])) {
      i = lt + 1;
      continue;
    }
    size_t name_end = name_start;
    while (name_end < html.size() &&
           (absl::ascii_isalnum(html[name_end]) || html[name_end] == '-' ||
            html[name_end] == ':')) {
      ++name_end;
    }
    std::string name =
        absl::AsciiStrToLower(html.substr(name_start, name_end - name_start));
    size_t end = TagEnd(html, lt);
    i = end;
    if (closing) {
      for (size_t k = open.size(); k > 0; --k) {
        if (open[k - 1] == name) {
          open.resize(k - 1);
          break;
        }
      }
      continue;
    }
    if (name == "plaintext") break;
    if (IsRawText(name)) {
      size_t close = FindCaseInsensitive(html, "</" + name, end);
      i = close == kNpos ? html.size() : close;
      continue;
    }
    if (Uncounted(name)) continue;
    if (static_cast<int>(open.size()) >= max_depth) {
      cuts.emplace_back(lt, end);
    } else {
      open.push_back(std::move(name));
    }
  }
  if (cuts.empty()) return 0;
  std::string out;
  out.reserve(html.size());
  size_t copied = 0;
  for (const auto& [begin, end] : cuts) {
    absl::string_view kept = html.substr(copied, begin - copied);
    out.append(kept.data(), kept.size());
    copied = end;
  }
  absl::string_view rest = html.substr(copied);
  out.append(rest.data(), rest.size());
  *flattened = std::move(out);
  return cuts.size();
}

}  // namespace newsflow::html
