#include "stages/ingest/html_text.h"

#include <initializer_list>
#include <utility>
#include <vector>

#include "absl/strings/str_join.h"
#include "common/html_entities.h"

namespace newsflow::ingest {
namespace {

bool IsAsciiAlpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
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
          DecodeHtmlEntities(html_.substr(after_tag, content_end - after_tag),
                             EntityMode::kMarkup));
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
    Current().AppendText(DecodeHtmlEntities(text, EntityMode::kMarkup));
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

HtmlText ExtractHtmlText(std::string_view html) {
  return HtmlScanner(html).Run();
}

}  // namespace newsflow::ingest
