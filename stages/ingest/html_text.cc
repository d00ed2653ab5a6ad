#include "stages/ingest/html_text.h"

#include <cstdint>
#include <initializer_list>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_join.h"
#include "common/text.h"

namespace newsflow::ingest {
namespace {

struct NamedEntity {
  const char* name;
  char32_t code_point;
};

// The references news pages actually use: markup escapes, typography, and
// the Latin-1 letters of names and places.
constexpr NamedEntity kNamedEntities[] = {
    {"amp", 0x26},      {"lt", 0x3C},       {"gt", 0x3E},
    {"quot", 0x22},     {"apos", 0x27},     {"nbsp", 0xA0},
    {"iexcl", 0xA1},    {"cent", 0xA2},     {"pound", 0xA3},
    {"curren", 0xA4},   {"yen", 0xA5},      {"brvbar", 0xA6},
    {"sect", 0xA7},     {"uml", 0xA8},      {"copy", 0xA9},
    {"ordf", 0xAA},     {"laquo", 0xAB},    {"not", 0xAC},
    {"shy", 0xAD},      {"reg", 0xAE},      {"macr", 0xAF},
    {"deg", 0xB0},      {"plusmn", 0xB1},   {"sup2", 0xB2},
    {"sup3", 0xB3},     {"acute", 0xB4},    {"micro", 0xB5},
    {"para", 0xB6},     {"middot", 0xB7},   {"cedil", 0xB8},
    {"sup1", 0xB9},     {"ordm", 0xBA},     {"raquo", 0xBB},
    {"frac14", 0xBC},   {"frac12", 0xBD},   {"frac34", 0xBE},
    {"iquest", 0xBF},   {"Agrave", 0xC0},   {"Aacute", 0xC1},
    {"Acirc", 0xC2},    {"Atilde", 0xC3},   {"Auml", 0xC4},
    {"Aring", 0xC5},    {"AElig", 0xC6},    {"Ccedil", 0xC7},
    {"Egrave", 0xC8},   {"Eacute", 0xC9},   {"Ecirc", 0xCA},
    {"Euml", 0xCB},     {"Igrave", 0xCC},   {"Iacute", 0xCD},
    {"Icirc", 0xCE},    {"Iuml", 0xCF},     {"ETH", 0xD0},
    {"Ntilde", 0xD1},   {"Ograve", 0xD2},   {"Oacute", 0xD3},
    {"Ocirc", 0xD4},    {"Otilde", 0xD5},   {"Ouml", 0xD6},
    {"times", 0xD7},    {"Oslash", 0xD8},   {"Ugrave", 0xD9},
    {"Uacute", 0xDA},   {"Ucirc", 0xDB},    {"Uuml", 0xDC},
    {"Yacute", 0xDD},   {"THORN", 0xDE},    {"szlig", 0xDF},
    {"agrave", 0xE0},   {"aacute", 0xE1},   {"acirc", 0xE2},
    {"atilde", 0xE3},   {"auml", 0xE4},     {"aring", 0xE5},
    {"aelig", 0xE6},    {"ccedil", 0xE7},   {"egrave", 0xE8},
    {"eacute", 0xE9},   {"ecirc", 0xEA},    {"euml", 0xEB},
    {"igrave", 0xEC},   {"iacute", 0xED},   {"icirc", 0xEE},
    {"iuml", 0xEF},     {"eth", 0xF0},      {"ntilde", 0xF1},
    {"ograve", 0xF2},   {"oacute", 0xF3},   {"ocirc", 0xF4},
    {"otilde", 0xF5},   {"ouml", 0xF6},     {"divide", 0xF7},
    {"oslash", 0xF8},   {"ugrave", 0xF9},   {"uacute", 0xFA},
    {"ucirc", 0xFB},    {"uuml", 0xFC},     {"yacute", 0xFD},
    {"thorn", 0xFE},    {"yuml", 0xFF},     {"OElig", 0x152},
    {"oelig", 0x153},   {"Scaron", 0x160},  {"scaron", 0x161},
    {"Yuml", 0x178},    {"fnof", 0x192},    {"circ", 0x2C6},
    {"tilde", 0x2DC},   {"ensp", 0x2002},   {"emsp", 0x2003},
    {"thinsp", 0x2009}, {"zwnj", 0x200C},   {"zwj", 0x200D},
    {"lrm", 0x200E},    {"rlm", 0x200F},    {"ndash", 0x2013},
    {"mdash", 0x2014},  {"lsquo", 0x2018},  {"rsquo", 0x2019},
    {"sbquo", 0x201A},  {"ldquo", 0x201C},  {"rdquo", 0x201D},
    {"bdquo", 0x201E},  {"dagger", 0x2020}, {"Dagger", 0x2021},
    {"bull", 0x2022},   {"hellip", 0x2026}, {"permil", 0x2030},
    {"prime", 0x2032},  {"Prime", 0x2033},  {"lsaquo", 0x2039},
    {"rsaquo", 0x203A}, {"euro", 0x20AC},   {"trade", 0x2122},
    {"larr", 0x2190},   {"rarr", 0x2192},   {"minus", 0x2212},
};

// Longer names are not in the table, so a scan for ';' can stop early.
constexpr size_t kMaxEntityNameLength = 8;

const absl::flat_hash_map<std::string, char32_t>& NamedEntityMap() {
  static const auto* const kMap = [] {
    auto* map = new absl::flat_hash_map<std::string, char32_t>();
    for (const NamedEntity& entity : kNamedEntities) {
      map->emplace(entity.name, entity.code_point);
    }
    return map;
  }();
  return *kMap;
}

// Appends the character a numeric reference stands for, mapped the way
// HTML5 browsers map it.
void AppendNumericReference(uint32_t value, std::string* out) {
  constexpr char32_t kReplacement = 0xFFFD;
  if (value >= 0x80 && value <= 0x9F) {
    // Pages written in Windows-1252 that mean "&#150;" as an en dash.
    out->append(Windows1252ToUtf8(std::string(1, static_cast<char>(value))));
  } else if (value == 0 || value > 0x10FFFF ||
             (value >= 0xD800 && value <= 0xDFFF)) {
    AppendUtf8(kReplacement, out);
  } else {
    AppendUtf8(static_cast<char32_t>(value), out);
  }
}

bool IsAsciiAlpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAsciiHexDigit(char c) {
  return IsAsciiDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
int HexValue(char c) {
  if (IsAsciiDigit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}
bool IsHtmlSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}
char AsciiToLower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}
bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (AsciiToLower(a[i]) != AsciiToLower(b[i])) return false;
  }
  return true;
}

// Decodes the reference starting at text[pos] == '&'. On success appends
// the character and returns the position after the reference; otherwise
// returns pos and appends nothing.
size_t DecodeReferenceAt(std::string_view text, size_t pos, std::string* out) {
  size_t i = pos + 1;
  if (i < text.size() && text[i] == '#') {
    ++i;
    bool hex = i < text.size() && (text[i] == 'x' || text[i] == 'X');
    if (hex) ++i;
    size_t digits_start = i;
    uint32_t value = 0;
    constexpr uint32_t kTooLarge = 0x110000;
    while (i < text.size() &&
           (hex ? IsAsciiHexDigit(text[i]) : IsAsciiDigit(text[i]))) {
      uint32_t digit =
          static_cast<uint32_t>(hex ? HexValue(text[i]) : text[i] - '0');
      value = value * (hex ? 16 : 10) + digit;
      if (value > kTooLarge) value = kTooLarge;  // saturate, stays invalid
      ++i;
    }
    if (i == digits_start) return pos;
    if (i < text.size() && text[i] == ';') ++i;
    AppendNumericReference(value, out);
    return i;
  }
  size_t name_start = i;
  while (i < text.size() && i - name_start <= kMaxEntityNameLength &&
         (IsAsciiAlpha(text[i]) || IsAsciiDigit(text[i]))) {
    ++i;
  }
  if (i == name_start || i >= text.size() || text[i] != ';') return pos;
  const auto& map = NamedEntityMap();
  auto it = map.find(std::string(text.substr(name_start, i - name_start)));
  if (it == map.end()) return pos;
  AppendUtf8(it->second, out);
  return i + 1;
}

// Collects text into paragraphs the way a browser lays out flow content:
// whitespace runs collapse to one space, paragraphs never start or end
// with spaces, and empty paragraphs vanish.
class ParagraphBuilder {
 public:
  void AppendText(std::string_view text) {
    for (char c : text) {
      if (IsHtmlSpace(c)) {
        pending_space_ = true;
        continue;
      }
      if (pending_space_ && !current_.empty()) current_.push_back(' ');
      pending_space_ = false;
      current_.push_back(c);
    }
  }
  void AppendSpace() { pending_space_ = true; }

  void Break() {
    TrimNoBreakSpaces(&current_);
    if (!current_.empty()) paragraphs_.push_back(std::move(current_));
    current_.clear();
    pending_space_ = false;
  }

  // Ends the current paragraph and returns all of them joined by "\n\n".
  std::string Finish() {
    Break();
    std::string text = absl::StrJoin(paragraphs_, "\n\n");
    paragraphs_.clear();
    return text;
  }

 private:
  // "<p>&nbsp;</p>" is a common spacer; it is not a paragraph.
  static void TrimNoBreakSpaces(std::string* text) {
    constexpr std::string_view kNbsp = "\xC2\xA0";
    std::string_view view = *text;
    bool trimmed = true;
    while (trimmed) {
      trimmed = false;
      if (view.size() >= 2 && view.substr(0, 2) == kNbsp) {
        view.remove_prefix(2);
        trimmed = true;
      }
      if (view.size() >= 2 && view.substr(view.size() - 2) == kNbsp) {
        view.remove_suffix(2);
        trimmed = true;
      }
      while (!view.empty() && view.front() == ' ') {
        view.remove_prefix(1);
        trimmed = true;
      }
      while (!view.empty() && view.back() == ' ') {
        view.remove_suffix(1);
        trimmed = true;
      }
    }
    if (view.size() != text->size()) *text = std::string(view);
  }

  std::vector<std::string> paragraphs_;
  std::string current_;
  bool pending_space_ = false;
};

bool IsOneOf(std::string_view name,
             std::initializer_list<std::string_view> set) {
  for (std::string_view candidate : set) {
    if (name == candidate) return true;
  }
  return false;
}

// Elements whose content is skipped up to their end tag (title is read).
bool IsSkippedContentElement(std::string_view name) {
  return IsOneOf(
      name, {"script", "style", "noscript", "template", "svg", "math", "iframe",
             "textarea", "title", "xmp", "noembed", "noframes", "object"});
}

bool IsBlockElement(std::string_view name) {
  return IsOneOf(
      name,
      {"address", "article", "aside",   "blockquote", "body",       "br",
       "caption", "center",  "dd",      "details",    "dialog",     "dir",
       "div",     "dl",      "dt",      "fieldset",   "figcaption", "figure",
       "footer",  "form",    "h1",      "h2",         "h3",         "h4",
       "h5",      "h6",      "header",  "hgroup",     "hr",         "html",
       "li",      "main",    "menu",    "nav",        "ol",         "p",
       "pre",     "section", "summary", "table",      "tbody",      "tfoot",
       "thead",   "tr",      "ul"});
}

// Elements that may appear in <head>; any other start tag means the body
// began even if </head> and <body> are missing.
bool IsHeadElement(std::string_view name) {
  return IsOneOf(name, {"head", "title", "meta", "link", "base", "script",
                        "style", "noscript", "template"});
}

class HtmlScanner {
 public:
  explicit HtmlScanner(std::string_view html) : html_(html) {}

  HtmlText Run() {
    size_t pos = 0;
    while (pos < html_.size()) {
      size_t lt = html_.find('<', pos);
      if (lt == std::string_view::npos) lt = html_.size();
      HandleText(html_.substr(pos, lt - pos));
      pos = lt < html_.size() ? HandleMarkup(lt) : lt;
    }
    if (capturing_h1_) FinishH1();
    HtmlText result;
    result.title = h1_title_.empty() ? title_element_ : h1_title_;
    result.body = body_.Finish();
    return result;
  }

 private:
  // html_[lt] == '<'. Returns the position after the markup.
  size_t HandleMarkup(size_t lt) {
    std::string_view rest = html_.substr(lt);
    if (rest.substr(0, 4) == "<!--") {
      size_t end = html_.find("-->", lt + 4);
      return end == std::string_view::npos ? html_.size() : end + 3;
    }
    if (rest.size() >= 2 && (rest[1] == '!' || rest[1] == '?')) {
      size_t end = html_.find('>', lt);
      return end == std::string_view::npos ? html_.size() : end + 1;
    }
    bool closing = rest.size() >= 2 && rest[1] == '/';
    size_t name_start = lt + (closing ? 2 : 1);
    if (name_start >= html_.size() || !IsAsciiAlpha(html_[name_start])) {
      HandleText("<");  // "a < b" is text, as in browsers
      return lt + 1;
    }
    size_t name_end = name_start;
    while (name_end < html_.size() && !IsHtmlSpace(html_[name_end]) &&
           html_[name_end] != '/' && html_[name_end] != '>') {
      ++name_end;
    }
    std::string name;
    for (size_t i = name_start; i < name_end; ++i) {
      name.push_back(AsciiToLower(html_[i]));
    }
    size_t after_tag = FindTagEnd(name_end);
    if (closing) {
      HandleEndTag(name);
      return after_tag;
    }
    HandleStartTag(name);
    if (!IsSkippedContentElement(name)) return after_tag;
    size_t content_end = FindEndTag(after_tag, name);
    if (name == "title" && title_element_.empty()) {
      ParagraphBuilder title;
      title.AppendText(
          DecodeHtmlEntities(html_.substr(after_tag, content_end - after_tag)));
      title_element_ = title.Finish();
    }
    return content_end;
  }

  // Position after the '>' closing a tag whose attributes start at pos.
  // A quoted attribute value may contain '>'.
  size_t FindTagEnd(size_t pos) const {
    bool after_equals = false;
    while (pos < html_.size()) {
      char c = html_[pos];
      if (c == '>') return pos + 1;
      if ((c == '"' || c == '\'') && after_equals) {
        size_t close = html_.find(c, pos + 1);
        if (close == std::string_view::npos) return html_.size();
        pos = close + 1;
        after_equals = false;
        continue;
      }
      if (c == '=') {
        after_equals = true;
      } else if (!IsHtmlSpace(c)) {
        after_equals = false;
      }
      ++pos;
    }
    return html_.size();
  }

  // Position of the "</name" that ends a raw-text element, or the end.
  size_t FindEndTag(size_t pos, std::string_view name) const {
    while (true) {
      size_t candidate = html_.find("</", pos);
      if (candidate == std::string_view::npos) return html_.size();
      size_t name_end = candidate + 2 + name.size();
      if (name_end <= html_.size() &&
          EqualsIgnoreCase(html_.substr(candidate + 2, name.size()), name) &&
          (name_end == html_.size() || IsHtmlSpace(html_[name_end]) ||
           html_[name_end] == '/' || html_[name_end] == '>')) {
        return candidate;
      }
      pos = candidate + 2;
    }
  }

  void HandleStartTag(const std::string& name) {
    if (name == "head") {
      in_head_ = true;
      return;
    }
    if (!IsHeadElement(name)) in_head_ = false;
    if (name == "h1" && h1_title_.empty() && !capturing_h1_) {
      body_.Break();
      capturing_h1_ = true;
      return;
    }
    HandleBoundary(name);
  }

  void HandleEndTag(const std::string& name) {
    if (name == "head") {
      in_head_ = false;
      return;
    }
    HandleBoundary(name);
  }

  void HandleBoundary(const std::string& name) {
    if (IsBlockElement(name)) {
      // Any block boundary ends the heading, so a missing </h1> cannot
      // swallow the page.
      if (capturing_h1_) FinishH1();
      body_.Break();
    } else if (name == "td" || name == "th") {
      Current().AppendSpace();
    }
  }

  void HandleText(std::string_view text) {
    if (text.empty() || in_head_) return;
    Current().AppendText(DecodeHtmlEntities(text));
  }

  void FinishH1() {
    capturing_h1_ = false;
    h1_title_ = h1_.Finish();
  }

  ParagraphBuilder& Current() { return capturing_h1_ ? h1_ : body_; }

  std::string_view html_;
  bool in_head_ = false;
  bool capturing_h1_ = false;
  std::string title_element_;
  std::string h1_title_;
  ParagraphBuilder h1_;
  ParagraphBuilder body_;
};

}  // namespace

std::string DecodeHtmlEntities(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t pos = 0;
  while (pos < text.size()) {
    size_t amp = text.find('&', pos);
    if (amp == std::string_view::npos) amp = text.size();
    out.append(text.substr(pos, amp - pos));
    if (amp == text.size()) break;
    size_t next = DecodeReferenceAt(text, amp, &out);
    if (next == amp) {
      out.push_back('&');
      next = amp + 1;
    }
    pos = next;
  }
  return out;
}

HtmlText ExtractHtmlText(std::string_view html) {
  return HtmlScanner(html).Run();
}

}  // namespace newsflow::ingest
