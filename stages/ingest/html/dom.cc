#include "stages/ingest/html/dom.h"

#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>

#include <algorithm>
#include <cstdarg>
#include <cstring>
#include <iterator>
#include <mutex>
#include <string_view>

#include "common/legacy_charsets.h"

namespace newsflow::html {
namespace {

struct TagName {
  absl::string_view name;
  Tag tag;
};

// Sorted by name, for binary search.
constexpr TagName kTagNames[] = {
    {"a", Tag::kA},
    {"address", Tag::kAddress},
    {"article", Tag::kArticle},
    {"aside", Tag::kAside},
    {"audio", Tag::kAudio},
    {"blockquote", Tag::kBlockquote},
    {"body", Tag::kBody},
    {"br", Tag::kBr},
    {"button", Tag::kButton},
    {"canvas", Tag::kCanvas},
    {"caption", Tag::kCaption},
    {"center", Tag::kCenter},
    {"dd", Tag::kDd},
    {"details", Tag::kDetails},
    {"div", Tag::kDiv},
    {"dl", Tag::kDl},
    {"dt", Tag::kDt},
    {"embed", Tag::kEmbed},
    {"fieldset", Tag::kFieldset},
    {"figcaption", Tag::kFigcaption},
    {"figure", Tag::kFigure},
    {"footer", Tag::kFooter},
    {"form", Tag::kForm},
    {"h1", Tag::kH1},
    {"h2", Tag::kH2},
    {"h3", Tag::kH3},
    {"h4", Tag::kH4},
    {"h5", Tag::kH5},
    {"h6", Tag::kH6},
    {"head", Tag::kHead},
    {"header", Tag::kHeader},
    {"hr", Tag::kHr},
    {"html", Tag::kHtml},
    {"iframe", Tag::kIframe},
    {"input", Tag::kInput},
    {"label", Tag::kLabel},
    {"li", Tag::kLi},
    {"link", Tag::kLink},
    {"main", Tag::kMain},
    {"map", Tag::kMap},
    {"math", Tag::kMath},
    {"meta", Tag::kMeta},
    {"nav", Tag::kNav},
    {"noscript", Tag::kNoscript},
    {"object", Tag::kObject},
    {"ol", Tag::kOl},
    {"p", Tag::kP},
    {"pre", Tag::kPre},
    {"script", Tag::kScript},
    {"section", Tag::kSection},
    {"select", Tag::kSelect},
    {"style", Tag::kStyle},
    {"summary", Tag::kSummary},
    {"svg", Tag::kSvg},
    {"table", Tag::kTable},
    {"tbody", Tag::kTbody},
    {"td", Tag::kTd},
    {"template", Tag::kTemplate},
    {"textarea", Tag::kTextarea},
    {"tfoot", Tag::kTfoot},
    {"th", Tag::kTh},
    {"thead", Tag::kThead},
    {"time", Tag::kTime},
    {"title", Tag::kTitle},
    {"tr", Tag::kTr},
    {"ul", Tag::kUl},
    {"video", Tag::kVideo},
};

const char* Chars(const xmlChar* text) {
  return reinterpret_cast<const char*>(text);
}

// End tags that in HTML5 close every element opened inside theirs (when it
// is in scope). libxml2 ignores them when that would close a <div> (its
// end-tag priorities), so one unclosed <div> in a <header> made the rest
// of the page part of the header.
bool ClosesWhatItEncloses(absl::string_view name) {
  static constexpr absl::string_view kNames[] = {
      "address", "article", "aside",   "blockquote", "center",   "details",
      "dialog",  "dir",     "div",     "dl",         "fieldset", "figcaption",
      "figure",  "footer",  "header",  "hgroup",     "main",     "menu",
      "nav",     "ol",      "section", "summary",    "ul"};
  return std::find(std::begin(kNames), std::end(kNames), name) !=
         std::end(kNames);
}

// Elements an end tag never closes across (HTML5's scope boundaries).
bool ScopeBoundary(Tag tag) {
  return tag == Tag::kTable || tag == Tag::kTd || tag == Tag::kTh ||
         tag == Tag::kCaption || tag == Tag::kTemplate || tag == Tag::kObject ||
         tag == Tag::kHtml || tag == Tag::kBody;
}

// Appends `text` to *out with C1 controls (U+0080-U+009F) replaced by the
// Windows-1252 characters of those bytes: HTML5 reads "&#150;" as an en
// dash, libxml2 as U+0096, and a C1 control is never meant as text.
void AppendText(absl::string_view text, std::string* out) {
  size_t copied = 0;
  for (size_t i = text.find('\xC2'); i != absl::string_view::npos;
       i = text.find('\xC2', i + 1)) {
    if (i + 1 >= text.size()) break;
    unsigned char next = static_cast<unsigned char>(text[i + 1]);
    if (next < 0x80 || next > 0x9F) continue;
    out->append(text.data() + copied, i - copied);
    char byte = static_cast<char>(next);
    out->append(Windows1252ToUtf8(std::string_view(&byte, 1)));
    copied = i + 2;
  }
  out->append(text.data() + copied, text.size() - copied);
}

// How libxml2 words an end tag it did not apply as written (in 2.9: the
// message is formatted before it reaches the error callback).
constexpr absl::string_view kMismatch = "Opening and ending tag mismatch: ";

}  // namespace

Tag TagOf(absl::string_view name) {
  auto it = std::lower_bound(std::begin(kTagNames), std::end(kTagNames), name,
                             [](const TagName& entry, absl::string_view key) {
                               return entry.name < key;
                             });
  return it != std::end(kTagNames) && it->name == name ? it->tag
                                                       : Tag::kUnknown;
}

// Receives libxml2's SAX events; `current` is the element that new nodes
// go into.
class DomBuilder {
 public:
  explicit DomBuilder(Dom* dom) : dom_(dom) {
    dom_->nodes_.emplace_back();  // the document
  }

  static void StartElement(void* self, const xmlChar* name,
                           const xmlChar** attributes) {
    static_cast<DomBuilder*>(self)->Start(Chars(name), attributes);
  }
  static void EndElement(void* self, const xmlChar* name) {
    static_cast<DomBuilder*>(self)->End(Chars(name));
  }
  static void Characters(void* self, const xmlChar* text, int length) {
    static_cast<DomBuilder*>(self)->Text(
        absl::string_view(Chars(text), static_cast<size_t>(length)));
  }
  // libxml2 calls it as error(self, "%s", message).
  static void Error(void* self, const char* format, ...) {
    va_list args;
    va_start(args, format);
    const char* message = va_arg(args, const char*);
    va_end(args);
    if (std::strcmp(format, "%s") != 0 || message == nullptr) return;
    absl::string_view text = message;
    if (text.substr(0, kMismatch.size()) != kMismatch) return;
    text.remove_prefix(kMismatch.size());
    size_t space = text.find(' ');
    static_cast<DomBuilder*>(self)->pending_close_ =
        std::string(text.substr(0, space));
  }

  // Applies an end tag libxml2 ignored: see ClosesWhatItEncloses.
  void Finish() { ResolvePending(); }

 private:
  std::vector<DomNode>& nodes() { return dom_->nodes_; }

  // After a mismatch libxml2 either closes the end tag's element (its
  // end event comes next, clearing pending_close_) or ignores the end tag
  // (any other event comes next): then it is applied here as HTML5 would.
  void ResolvePending() {
    if (pending_close_.empty()) return;
    std::string name = std::move(pending_close_);
    pending_close_.clear();
    if (!ClosesWhatItEncloses(name)) return;
    for (size_t i = open_.size(); i > 0; --i) {
      if (open_[i - 1].closed) continue;
      const DomNode& node = nodes()[open_[i - 1].index];
      if (node.name == name) {
        for (size_t k = i - 1; k < open_.size(); ++k) open_[k].closed = true;
        current_ = node.parent;
        return;
      }
      if (ScopeBoundary(node.tag)) return;
    }
  }

  void Start(const char* name, const xmlChar** attributes) {
    ResolvePending();
    int index = static_cast<int>(nodes().size());
    nodes()[current_].children.push_back(index);
    DomNode node;
    node.parent = current_;
    node.name = name;
    node.tag = TagOf(node.name);
    for (const xmlChar** a = attributes; a != nullptr && a[0] != nullptr;
         a += 2) {
      absl::string_view key = Chars(a[0]);
      bool seen = false;
      for (const auto& [existing, value] : node.attributes) {
        seen = seen || existing == key;
      }
      if (!seen) {
        node.attributes.emplace_back(key, "");
        if (a[1] != nullptr) {
          AppendText(Chars(a[1]), &node.attributes.back().second);
        }
      }
    }
    nodes().push_back(std::move(node));
    open_.push_back({index, false});
    current_ = index;
  }

  // libxml2's end events pop its own stack of open elements, which open_
  // mirrors; elements closed early by ResolvePending are popped the same
  // way but no longer receive nodes.
  void End(absl::string_view name) {
    if (!pending_close_.empty()) {
      if (pending_close_ == name) {
        pending_close_.clear();
      }
    }
    size_t at = open_.size();
    while (at > 0 && nodes()[open_[at - 1].index].name != name) --at;
    if (at == 0) return;  // not open: ignored
    open_.resize(at - 1);
    current_ = 0;
    for (size_t i = open_.size(); i > 0; --i) {
      if (!open_[i - 1].closed) {
        current_ = open_[i - 1].index;
        break;
      }
    }
  }

  void Text(absl::string_view text) {
    ResolvePending();
    std::vector<int>& children = nodes()[current_].children;
    if (!children.empty() && nodes()[children.back()].is_text) {
      AppendText(text, &nodes()[children.back()].text);
      return;
    }
    int index = static_cast<int>(nodes().size());
    children.push_back(index);
    DomNode node;
    node.is_text = true;
    node.parent = current_;
    AppendText(text, &node.text);
    nodes().push_back(std::move(node));
  }

  struct Open {
    int index;    // in nodes()
    bool closed;  // by ResolvePending, before libxml2 closes it
  };

  Dom* dom_;
  int current_ = 0;
  std::vector<Open> open_;
  std::string pending_close_;  // an end tag libxml2 may have ignored
};

Dom Dom::Parse(absl::string_view html) {
  static std::once_flag init;
  std::call_once(init, [] { xmlInitParser(); });
  // libxml2 ends the document at a NUL byte; HTML5 drops them from text.
  std::string without_nul;
  if (std::memchr(html.data(), '\0', html.size()) != nullptr) {
    without_nul.reserve(html.size());
    for (char c : html) {
      if (c != '\0') without_nul.push_back(c);
    }
    html = without_nul;
  }
  Dom dom;
  // About one node per 100 bytes on news pages; growing the vector moved
  // every node several times.
  dom.nodes_.reserve(html.size() / 100 + 16);
  DomBuilder builder(&dom);
  // An empty buffer makes no parser context; give it a document anyway.
  static const char kEmpty[] = "<html><body></body></html>";
  if (html.empty()) html = kEmpty;
  htmlParserCtxtPtr context =
      htmlCreateMemoryParserCtxt(html.data(), static_cast<int>(html.size()));
  if (context == nullptr) return dom;
  xmlSAXHandler sax;
  std::memset(&sax, 0, sizeof(sax));
  sax.startElement = &DomBuilder::StartElement;
  sax.endElement = &DomBuilder::EndElement;
  sax.characters = &DomBuilder::Characters;
  sax.ignorableWhitespace = &DomBuilder::Characters;
  sax.cdataBlock = &DomBuilder::Characters;  // <script> and <style> text
  sax.error = &DomBuilder::Error;  // end tags it did not apply (no output)
  *context->sax = sax;
  context->userData = &builder;
  htmlCtxtUseOptions(context, HTML_PARSE_RECOVER | HTML_PARSE_NOWARNING |
                                  HTML_PARSE_NONET | HTML_PARSE_IGNORE_ENC |
                                  XML_PARSE_HUGE);
  // Without this, the first byte above 0x7F with no charset declared
  // switches the parser to ISO-8859-1.
  xmlSwitchEncoding(context, XML_CHAR_ENCODING_UTF8);
  htmlParseDocument(context);
  builder.Finish();
  htmlFreeParserCtxt(context);
  return dom;
}

const char* Dom::Attribute(int index, absl::string_view name) const {
  for (const auto& [key, value] : nodes_[index].attributes) {
    if (key == name) return value.c_str();
  }
  return nullptr;
}

int Dom::Body() const {
  int html = -1;
  for (int child : nodes_[0].children) {
    if (nodes_[child].tag == Tag::kHtml) {
      html = child;
      break;
    }
  }
  if (html < 0) return -1;
  for (int child : nodes_[html].children) {
    if (nodes_[child].tag == Tag::kBody) return child;
  }
  return html;
}

}  // namespace newsflow::html
