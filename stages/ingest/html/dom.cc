#include "stages/ingest/html/dom.h"

#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>

#include <algorithm>
#include <cstring>
#include <iterator>
#include <mutex>

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

 private:
  std::vector<DomNode>& nodes() { return dom_->nodes_; }

  void Start(const char* name, const xmlChar** attributes) {
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
        node.attributes.emplace_back(key, a[1] == nullptr ? "" : Chars(a[1]));
      }
    }
    nodes().push_back(std::move(node));
    current_ = index;
  }

  // libxml2 closes elements innermost first, so `name` is normally the
  // current element; when it is not, the nearest open element of that name
  // is closed, and an end tag naming no open element is ignored.
  void End(absl::string_view name) {
    for (int open = current_; open > 0; open = nodes()[open].parent) {
      if (nodes()[open].name == name) {
        current_ = nodes()[open].parent;
        return;
      }
    }
  }

  void Text(absl::string_view text) {
    std::vector<int>& children = nodes()[current_].children;
    if (!children.empty() && nodes()[children.back()].is_text) {
      nodes()[children.back()].text.append(text.data(), text.size());
      return;
    }
    int index = static_cast<int>(nodes().size());
    children.push_back(index);
    DomNode node;
    node.is_text = true;
    node.parent = current_;
    node.text.assign(text.data(), text.size());
    nodes().push_back(std::move(node));
  }

  Dom* dom_;
  int current_ = 0;
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
  *context->sax = sax;
  context->userData = &builder;
  htmlCtxtUseOptions(context, HTML_PARSE_RECOVER | HTML_PARSE_NOERROR |
                                  HTML_PARSE_NOWARNING | HTML_PARSE_NONET |
                                  HTML_PARSE_IGNORE_ENC | XML_PARSE_HUGE);
  // Without this, the first byte above 0x7F with no charset declared
  // switches the parser to ISO-8859-1.
  xmlSwitchEncoding(context, XML_CHAR_ENCODING_UTF8);
  htmlParseDocument(context);
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
