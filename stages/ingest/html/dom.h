// A compact, read-only DOM of one HTML page, built by libxml2's HTML parser
// through its SAX interface (no libxml2 tree is built: the events go
// straight into one vector of nodes).
//
// libxml2's parser is an HTML4-era recovering parser (the one lxml, and so
// readability-lxml, uses), not an HTML5 tree builder: unclosed <p>, <li>
// and table cells are closed where HTML4 says, end tags without an open
// element are ignored, and unknown elements (HTML5's <article>, <template>,
// custom elements) are ordinary elements holding what they enclose. The end
// tag of a block (</header>, </section>, </div>, ...) closes every element
// opened inside it, as in HTML5, though never across a table cell (libxml2
// alone would ignore it while a <div> inside is open). Text is
// never dropped by misnesting: it only hangs at another place in the tree.
// <script> and <style> hold their raw text; <noscript> holds parsed markup.
// References to 0x80-0x9F ("&#150;") mean the Windows-1252 characters, as
// in HTML5 (libxml2 alone gives C1 controls).
//
// The input must be UTF-8 (a declared charset is ignored); NUL bytes are
// dropped before parsing. Thread-safe; no I/O, no network.
#ifndef NEWSFLOW_STAGES_INGEST_HTML_DOM_H_
#define NEWSFLOW_STAGES_INGEST_HTML_DOM_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace newsflow::html {

// The elements extraction treats specially; every other element is kUnknown
// and is known by its name.
enum class Tag : uint8_t {
  kUnknown,
  kA,
  kAddress,
  kArticle,
  kAside,
  kAudio,
  kBlockquote,
  kBody,
  kBr,
  kButton,
  kCanvas,
  kCaption,
  kCenter,
  kDd,
  kDetails,
  kDiv,
  kDl,
  kDt,
  kEmbed,
  kFieldset,
  kFigcaption,
  kFigure,
  kFooter,
  kForm,
  kH1,
  kH2,
  kH3,
  kH4,
  kH5,
  kH6,
  kHead,
  kHeader,
  kHr,
  kHtml,
  kIframe,
  kInput,
  kLabel,
  kLi,
  kLink,
  kMain,
  kMap,
  kMath,
  kMeta,
  kNav,
  kNoscript,
  kObject,
  kOl,
  kP,
  kPre,
  kScript,
  kSection,
  kSelect,
  kStyle,
  kSummary,
  kSvg,
  kTable,
  kTbody,
  kTd,
  kTemplate,
  kTextarea,
  kTfoot,
  kTh,
  kThead,
  kTime,
  kTitle,
  kTr,
  kUl,
  kVideo,
};

// The tag of a lower-case element name (kUnknown for any other name).
Tag TagOf(absl::string_view name);

struct DomNode {
  bool is_text = false;
  Tag tag = Tag::kUnknown;
  int parent = -1;
  std::string name;  // elements: the lower-case element name
  std::string text;  // text nodes: the decoded text, as in the page
  // Elements: lower-case attribute names and decoded values ("" for an
  // attribute without value), in page order, the first of a name only.
  std::vector<std::pair<std::string, std::string>> attributes;
  std::vector<int> children;
};

class Dom {
 public:
  // Parses `html` (UTF-8). Node 0 is the document; <html> and <body> are
  // always there (implied when the page has none). Adjacent text is one
  // text node.
  static Dom Parse(absl::string_view html);

  const DomNode& operator[](int index) const { return nodes_[index]; }
  int size() const { return static_cast<int>(nodes_.size()); }

  // The value of attribute `name` (lower case) of element `index`; nullptr
  // when the element has no such attribute.
  const char* Attribute(int index, absl::string_view name) const;

  // The first <body>, else the first <html>, else -1.
  int Body() const;

 private:
  friend class DomBuilder;
  std::vector<DomNode> nodes_;
};

}  // namespace newsflow::html

#endif  // NEWSFLOW_STAGES_INGEST_HTML_DOM_H_
