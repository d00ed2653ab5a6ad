#include "stages/ingest/html/extract.h"

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/call_to_action.h"
#include "common/date_words.h"
#include "common/letters.h"
#include "common/text.h"
#include "stages/ingest/html/block_scorer.h"
#include "stages/ingest/html/dom.h"
#include "stages/ingest/html/json_value.h"
#include "stages/ingest/html/nesting.h"

namespace newsflow::html {
namespace {

// ---------------------------------------------------------------------------
// Text helpers

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
         c == '\v';
}

// Runs of ASCII whitespace become one space; no-break spaces are content.
void AppendCollapsed(absl::string_view text, std::string* out) {
  for (char c : text) {
    if (IsSpace(c)) {
      if (!out->empty() && out->back() != ' ') out->push_back(' ');
    } else {
      out->push_back(c);
    }
  }
}

std::string Collapse(absl::string_view text) {
  std::string out;
  AppendCollapsed(text, &out);
  absl::string_view trimmed = absl::StripAsciiWhitespace(out);
  return std::string(trimmed);
}

// Soft hyphens (U+00AD) and zero-width spaces (U+200B) only say where a
// browser may break a line; they are never shown, and left in the text
// they split words for search and matching ("Mit\u00ADtel\u00ADal\u00ADter").
bool IsLineBreakHint(absl::string_view text, size_t at, size_t* length) {
  if (text.substr(at, 2) == "\xC2\xAD") {
    *length = 2;
    return true;
  }
  if (text.substr(at, 3) == "\xE2\x80\x8B") {
    *length = 3;
    return true;
  }
  return false;
}

// Characters of UTF-8 `text`, spaces included.
int CodePoints(absl::string_view text) {
  int count = 0;
  for (char c : text) count += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return count;
}

// Characters other than whitespace: how much text a node holds.
int CountChars(absl::string_view text) {
  int count = 0;
  for (char c : text) {
    unsigned char byte = static_cast<unsigned char>(c);
    if ((byte & 0xC0) != 0x80 && !IsSpace(c)) ++count;
  }
  return count;
}

int CountCommas(absl::string_view text) {
  int count = 0;
  for (char c : text) count += c == ',';
  // Fullwidth and ideographic commas (U+FF0C, U+3001).
  for (size_t pos = 0;
       (pos = text.find("\xEF\xBC\x8C", pos)) != absl::string_view::npos;
       pos += 3) {
    ++count;
  }
  for (size_t pos = 0;
       (pos = text.find("\xE3\x80\x81", pos)) != absl::string_view::npos;
       pos += 3) {
    ++count;
  }
  return count;
}

std::string LowerAttribute(const Dom& dom, int element, const char* name) {
  const char* value = dom.Attribute(element, name);
  return value == nullptr ? std::string() : absl::AsciiStrToLower(value);
}

// ---------------------------------------------------------------------------
// The page as a compact tree of the elements and text that can be visible.

struct Node {
  int parent = -1;
  int source = 0;  // elements: the element's index in the Dom
  std::vector<int> children;
  Tag tag = Tag::kUnknown;
  bool is_text = false;
  std::string text;   // text nodes: whitespace collapsed
  std::string names;  // elements: lower-case class and id
  std::string itemprop;
  std::string role;
  // Stats of the subtree, counting only nodes not removed.
  int chars = 0;
  int link_chars = 0;
  int commas = 0;
  // Boilerplate pruning.
  bool removed = false;
  const char* removed_why = nullptr;
  // Candidate scoring.
  bool scored = false;
  double score = 0;
};

// Elements whose content is never article text.
bool Invisible(Tag tag) {
  switch (tag) {
    case Tag::kScript:
    case Tag::kStyle:
    case Tag::kNoscript:
    case Tag::kTemplate:
    case Tag::kSvg:
    case Tag::kMath:
    case Tag::kIframe:
    case Tag::kObject:
    case Tag::kEmbed:
    case Tag::kCanvas:
    case Tag::kVideo:
    case Tag::kAudio:
    case Tag::kSelect:
    case Tag::kButton:
    case Tag::kInput:
    case Tag::kTextarea:
    case Tag::kHead:
    case Tag::kLink:
    case Tag::kMeta:
    case Tag::kMap:
    case Tag::kTitle:
    case Tag::kLabel:
      return true;
    default:
      return false;
  }
}

// Hover cards, tooltips and popovers: text shown over the page on demand,
// often written inline in the sentence it annotates, so it would be glued
// into that sentence ("Kristi NoemKristi Lynn NoemSouth Dakota governor").
bool Popup(const Dom& dom, int element) {
  std::string role = LowerAttribute(dom, element, "role");
  if (role == "tooltip" || role == "dialog") return true;
  std::string names = LowerAttribute(dom, element, "class");
  for (absl::string_view word :
       {"tooltip", "hovercard", "hover-card", "popover", "popup", "pop-up"}) {
    if (absl::StrContains(names, word)) return true;
  }
  return false;
}

bool Hidden(const Dom& dom, int element) {
  if (dom[element].attributes.empty()) return false;  // most elements
  if (Popup(dom, element)) return true;
  if (dom.Attribute(element, "hidden") != nullptr) return true;
  if (LowerAttribute(dom, element, "aria-hidden") == "true") return true;
  std::string style = LowerAttribute(dom, element, "style");
  if (style.empty()) return false;
  style.erase(std::remove(style.begin(), style.end(), ' '), style.end());
  return absl::StrContains(style, "display:none") ||
         absl::StrContains(style, "visibility:hidden");
}

// The class words that can say what role an element plays. Words naming
// the content's taxonomy ("category-newsletter", "tag-comments") or what an
// element holds ("has-ads", "has-post-thumbnail") describe the article, not
// the element, and CMSs put them on the article's own container.
std::string RoleWords(absl::string_view classes) {
  std::string out;
  for (absl::string_view word : absl::StrSplit(
           classes, absl::ByAnyChar(" \t\n\r\f"), absl::SkipEmpty())) {
    if (absl::StartsWith(word, "category-") || absl::StartsWith(word, "tag-") ||
        absl::StrContains(word, "has-")) {
      continue;
    }
    if (!out.empty()) out.push_back(' ');
    absl::StrAppend(&out, word);
  }
  return out;
}

class Tree {
 public:
  // Builds from element `root` of `dom` (usually <body>), iteratively;
  // `dom` must outlive the tree.
  // `show_noscript`: keep <noscript> content (the last-resort pass).
  Tree(const Dom& dom, int root, bool show_noscript) : dom_(&dom) {
    nodes_.reserve(dom.size());
    std::vector<std::pair<int, int>> stack = {{root, -1}};
    while (!stack.empty()) {
      auto [source, parent] = stack.back();
      stack.pop_back();
      const DomNode& element = dom[source];
      int index = static_cast<int>(nodes_.size());
      if (element.is_text) {
        Node node;
        node.is_text = true;
        node.parent = parent;
        // Edge spaces are kept: they separate words across inline tags.
        const absl::string_view text = element.text;
        for (size_t at = 0; at < text.size(); ++at) {
          const char c = text[at];
          size_t hint = 0;
          if (!IsSpace(c)) {
            if ((c == '\xC2' || c == '\xE2') &&
                IsLineBreakHint(text, at, &hint)) {
              at += hint - 1;
              continue;
            }
            node.text.push_back(c);
          } else if (node.text.empty() || node.text.back() != ' ') {
            node.text.push_back(' ');
          }
        }
        if (node.text.empty()) continue;
        nodes_.push_back(std::move(node));
        if (parent >= 0) nodes_[parent].children.push_back(index);
        continue;
      }
      // The root is kept whatever it says: every walk starts from it.
      if (parent >= 0 && ((Invisible(element.tag) &&
                           !(show_noscript && element.tag == Tag::kNoscript)) ||
                          Hidden(dom, source))) {
        continue;
      }
      Node node;
      node.parent = parent;
      node.source = source;
      node.tag = element.tag;
      if (element.attributes.empty()) {
        node.names = " ";  // as below, without the lookups
      } else {
        node.names =
            absl::StrCat(RoleWords(LowerAttribute(dom, source, "class")), " ",
                         LowerAttribute(dom, source, "id"));
        node.itemprop = LowerAttribute(dom, source, "itemprop");
        node.role = LowerAttribute(dom, source, "role");
      }
      if (element.tag == Tag::kUnknown) {
        // Custom elements (<amp-img>, <my-widget>) carry their name only
        // in the element name; keep it among the names.
        absl::StrAppend(&node.names, " ", element.name);
      }
      nodes_.push_back(std::move(node));
      if (parent >= 0) nodes_[parent].children.push_back(index);
      // Children pushed in reverse so they are visited in order.
      for (size_t i = element.children.size(); i > 0; --i) {
        stack.emplace_back(element.children[i - 1], index);
      }
    }
  }

  // The element name of element `index`.
  const std::string& Name(int index) const {
    return (*dom_)[nodes_[index].source].name;
  }

  std::vector<Node>& nodes() { return nodes_; }
  const std::vector<Node>& nodes() const { return nodes_; }
  Node& operator[](int index) { return nodes_[index]; }
  const Node& operator[](int index) const { return nodes_[index]; }
  int size() const { return static_cast<int>(nodes_.size()); }

  // Recomputes chars, link_chars and commas bottom-up; nodes come in
  // pre-order, so every child follows its parent.
  void ComputeStats() {
    for (Node& node : nodes_) {
      node.chars = node.link_chars = node.commas = 0;
      if (node.is_text && !node.removed) {
        node.chars = CountChars(node.text);
        node.commas = CountCommas(node.text);
      }
    }
    for (int i = size() - 1; i > 0; --i) {
      Node& node = nodes_[i];
      if (node.removed) continue;
      if (node.tag == Tag::kA) node.link_chars = node.chars;
      Node& parent = nodes_[node.parent];
      parent.chars += node.chars;
      parent.link_chars += node.link_chars;
      parent.commas += node.commas;
    }
  }

  double LinkDensity(int index) const {
    const Node& node = nodes_[index];
    return node.chars == 0 ? 0.0
                           : static_cast<double>(node.link_chars) / node.chars;
  }

  // Text of a subtree, blocks separated by spaces; nested block elements
  // are skipped when `stop_at_blocks`.
  std::string TextOf(int index, bool stop_at_blocks) const;

 private:
  const Dom* dom_;
  std::vector<Node> nodes_;
};

// One past the last node of `root`'s subtree: nodes come in pre-order, so
// the subtree ends at the first node whose parent comes before `root`.
int SubtreeEnd(const Tree& tree, int root) {
  int end = root + 1;
  while (end < tree.size() && tree[end].parent >= root) ++end;
  return end;
}

bool IsBlock(Tag tag) {
  switch (tag) {
    case Tag::kP:
    case Tag::kDiv:
    case Tag::kSection:
    case Tag::kArticle:
    case Tag::kMain:
    case Tag::kHeader:
    case Tag::kFooter:
    case Tag::kAside:
    case Tag::kNav:
    case Tag::kH1:
    case Tag::kH2:
    case Tag::kH3:
    case Tag::kH4:
    case Tag::kH5:
    case Tag::kH6:
    case Tag::kUl:
    case Tag::kOl:
    case Tag::kLi:
    case Tag::kDl:
    case Tag::kDt:
    case Tag::kDd:
    case Tag::kBlockquote:
    case Tag::kPre:
    case Tag::kTable:
    case Tag::kTr:
    case Tag::kCaption:
    case Tag::kFigure:
    case Tag::kFigcaption:
    case Tag::kAddress:
    case Tag::kHr:
    case Tag::kBr:
    case Tag::kForm:
    case Tag::kFieldset:
    case Tag::kCenter:
    case Tag::kDetails:
    case Tag::kSummary:
    case Tag::kTbody:
    case Tag::kThead:
    case Tag::kTfoot:
      return true;
    default:
      return false;
  }
}

bool IsHeading(Tag tag) {
  return tag == Tag::kH1 || tag == Tag::kH2 || tag == Tag::kH3 ||
         tag == Tag::kH4 || tag == Tag::kH5 || tag == Tag::kH6;
}

std::string Tree::TextOf(int index, bool stop_at_blocks) const {
  std::string out;
  std::vector<int> stack = {index};
  while (!stack.empty()) {
    int current = stack.back();
    stack.pop_back();
    const Node& node = nodes_[current];
    if (node.is_text) {
      AppendCollapsed(node.text, &out);
      continue;
    }
    if (current != index && IsBlock(node.tag)) {
      if (stop_at_blocks) continue;
      if (!out.empty() && out.back() != ' ') out.push_back(' ');
    }
    for (size_t i = node.children.size(); i > 0; --i) {
      stack.push_back(node.children[i - 1]);
    }
  }
  return Collapse(out);
}

// ---------------------------------------------------------------------------
// Boilerplate by tag and by class/id words.

// Class or id words that mark page furniture whatever else the names say.
constexpr absl::string_view kStrongNegative[] = {
    "comment",    "share",    "sharing",   "social",     "related",
    "newsletter", "subscri",  "advert",    "sponsor",    "promo",
    "recommend",  "outbrain", "taboola",   "breadcrumb", "cookie",
    "popular",    "trending", "signup",    "paywall",    "footer",
    "most-read",  "mostread", "read-more", "readmore",   "more-stories",
    "disqus",     "consent",  "gdpr",      "follow-us",  "jump-link"};
// Words that usually mark furniture, unless the names also say content.
constexpr absl::string_view kWeakNegative[] = {
    "sidebar",    "masthead",  "widget",     "banner",          "byline",
    "author",     "caption",   "toolbar",    "pagination",      "pager",
    "modal",      "popup",     "sr-only",    "visually-hidden", "navbar",
    "navigation", "topics",    "keywords",   "timestamp",       "dateline",
    "tooltip",    "copyright", "disclaimer", "playlist",        "inline-ad"};
// Whole class/id words (split at ' ', '-' and '_') that mark furniture.
constexpr absl::string_view kNegativeTokens[] = {
    "ad",      "ads",     "advertisement", "nav",   "menu",   "tag",   "tags",
    "meta",    "share",   "more",          "next",  "prev",   "aside", "extra",
    "header",  "rail",    "print",         "login", "hidden", "bio",   "credit",
    "credits", "contact", "legal",         "skip",  "episode"};
// Whole class/id words naming a caption or a key, which an element holding
// prose is not (a "club legend" story's wrapper).
constexpr absl::string_view kCaptionTokens[] = {"legend"};
constexpr absl::string_view kPositive[] = {
    "article", "body",  "content", "entry", "main",
    "post",    "story", "text",    "blog",  "hentry"};

bool ContainsAny(absl::string_view names, const absl::string_view* words,
                 size_t count) {
  for (size_t i = 0; i < count; ++i) {
    if (absl::StrContains(names, words[i])) return true;
  }
  return false;
}

bool HasToken(absl::string_view names, const absl::string_view* words,
              size_t count) {
  for (absl::string_view token :
       absl::StrSplit(names, absl::ByAnyChar(" -_"), absl::SkipEmpty())) {
    for (size_t i = 0; i < count; ++i) {
      if (token == words[i]) return true;
    }
  }
  return false;
}

template <size_t N>
bool ContainsAny(absl::string_view names, const absl::string_view (&words)[N]) {
  return ContainsAny(names, words, N);
}

template <size_t N>
bool HasToken(absl::string_view names, const absl::string_view (&words)[N]) {
  return HasToken(names, words, N);
}

bool IsArticleBodyProp(const Node& node) {
  return absl::StrContains(node.itemprop, "articlebody");
}

enum class NameClass { kNeutral, kPositive, kWeakNegative, kStrongNegative };

// `holds_prose`: the element holds prose paragraphs (see PruneBoilerplate),
// so no caption word makes it furniture.
NameClass ClassifyNames(const Node& node, bool holds_prose = false) {
  if (IsArticleBodyProp(node)) return NameClass::kPositive;
  absl::string_view names = node.names;
  if (ContainsAny(names, kStrongNegative)) return NameClass::kStrongNegative;
  bool positive = ContainsAny(names, kPositive);
  if (ContainsAny(names, kWeakNegative) || HasToken(names, kNegativeTokens) ||
      (!holds_prose && HasToken(names, kCaptionTokens))) {
    return positive ? NameClass::kNeutral : NameClass::kWeakNegative;
  }
  return positive ? NameClass::kPositive : NameClass::kNeutral;
}

const char* BoilerplateTag(const Node& node) {
  switch (node.tag) {
    case Tag::kNav:
      return "nav";
    case Tag::kAside:
      return "aside";
    case Tag::kFooter:
      return "footer";
    case Tag::kFigcaption:
      return "figcaption";
    case Tag::kHeader:
      return "header";
    default:
      break;
  }
  if (node.role == "navigation" || node.role == "banner" ||
      node.role == "contentinfo" || node.role == "complementary" ||
      node.role == "menu" || node.role == "dialog") {
    return "role";
  }
  return nullptr;
}

// Characters from which an unlinked <p> counts as a prose paragraph.
constexpr int kProseParagraphChars = 80;
// Prose paragraphs from which a <header> is text (a card's or section's
// description), not a masthead; nor is an element marked as the author's or
// named a legend, which then wraps the story.
constexpr int kMinHeaderProse = 2;

// itemprop words naming the page's author (microdata).
constexpr absl::string_view kAuthorProps[] = {"author", "creator"};

// Marks page furniture removed. A weakly negative name never removes an
// element holding half of the page's text: pages put words like "sidebar"
// on their outermost wrappers.
int PruneBoilerplate(Tree& tree) {
  int pruned = 0;
  int page_chars = std::max(1, tree[0].chars - tree[0].link_chars);
  // prose[i]: prose paragraphs in i's subtree.
  std::vector<int> prose(tree.size(), 0);
  for (int i = tree.size() - 1; i > 0; --i) {
    const Node& node = tree[i];
    if (node.is_text) continue;
    if (node.tag == Tag::kP && node.chars >= kProseParagraphChars &&
        node.link_chars * 4 < node.chars) {
      ++prose[i];
    }
    prose[node.parent] += prose[i];
  }
  for (int i = 1; i < tree.size(); ++i) {
    Node& node = tree[i];
    if (node.is_text) continue;
    if (tree[node.parent].removed) {
      node.removed = true;
      continue;
    }
    if (node.tag == Tag::kBody || node.tag == Tag::kMain ||
        IsArticleBodyProp(node)) {
      continue;
    }
    const bool holds_prose = prose[i] >= kMinHeaderProse;
    const char* why = BoilerplateTag(node);
    if (node.tag == Tag::kHeader && holds_prose) why = nullptr;
    NameClass names = ClassifyNames(node, holds_prose);
    if (why == nullptr &&
        (names == NameClass::kStrongNegative ||
         names == NameClass::kWeakNegative) &&
        node.chars - node.link_chars < page_chars / 2) {
      why = "class/id";
    }
    // schema.org's author of the page: a byline or the author's box (a
    // portrait and a biography), never the story.
    if (why == nullptr && !holds_prose &&
        HasToken(node.itemprop, kAuthorProps) &&
        node.chars - node.link_chars < page_chars / 2) {
      why = "itemprop=author";
    }
    if (why != nullptr) {
      node.removed = true;
      node.removed_why = why;
      ++pruned;
    }
  }
  for (Node& node : tree.nodes()) {
    if (node.is_text && node.parent >= 0 && tree[node.parent].removed) {
      node.removed = true;
    }
  }
  return pruned;
}

// ---------------------------------------------------------------------------
// Candidate scoring, after Readability: paragraphs give points to their
// ancestors; the container with the most (discounted by link density) wins.

double TagWeight(Tag tag) {
  switch (tag) {
    case Tag::kDiv:
    case Tag::kArticle:
    case Tag::kSection:
    case Tag::kMain:
      return 5;
    case Tag::kPre:
    case Tag::kTd:
    case Tag::kBlockquote:
      return 3;
    case Tag::kAddress:
    case Tag::kOl:
    case Tag::kUl:
    case Tag::kDl:
    case Tag::kDd:
    case Tag::kDt:
    case Tag::kLi:
    case Tag::kForm:
      return -3;
    case Tag::kH1:
    case Tag::kH2:
    case Tag::kH3:
    case Tag::kH4:
    case Tag::kH5:
    case Tag::kH6:
    case Tag::kTh:
      return -5;
    default:
      return 0;
  }
}

double NameWeight(const Node& node) {
  double weight = 0;
  switch (ClassifyNames(node)) {
    case NameClass::kPositive:
      weight += 25;
      break;
    case NameClass::kWeakNegative:
    case NameClass::kStrongNegative:
      weight -= 25;
      break;
    case NameClass::kNeutral:
      break;
  }
  if (IsArticleBodyProp(node)) weight += 50;
  if (node.tag == Tag::kArticle || node.role == "main" ||
      node.tag == Tag::kMain) {
    weight += 10;
  }
  return weight;
}

// A <div> or <section> with no block children reads as a paragraph.
bool ActsAsParagraph(const Tree& tree, const Node& node) {
  if (node.tag == Tag::kP || node.tag == Tag::kPre || node.tag == Tag::kTd ||
      node.tag == Tag::kBlockquote) {
    return true;
  }
  if (node.tag != Tag::kDiv && node.tag != Tag::kSection) {
    return false;
  }
  for (int child : node.children) {
    const Node& c = tree[child];
    if (!c.is_text && !c.removed && IsBlock(c.tag) && c.tag != Tag::kBr) {
      return false;
    }
  }
  return true;
}

void InitCandidate(Node& node) {
  if (node.scored) return;
  node.scored = true;
  node.score = TagWeight(node.tag) + NameWeight(node);
}

// The element the page itself marks as the article body (schema.org
// itemprop=articleBody) when it holds real text: scoring misses bodies
// written without <p>. -1 when none.
int MarkedArticleBody(const Tree& tree) {
  int best = -1;
  for (int i = 1; i < tree.size(); ++i) {
    const Node& node = tree[i];
    if (node.is_text || node.removed || !IsArticleBodyProp(node)) continue;
    if (node.chars - node.link_chars < 200 || tree.LinkDensity(i) > 0.3) {
      continue;
    }
    if (best < 0 || node.chars > tree[best].chars) best = i;
  }
  return best;
}

int ChooseTopCandidate(Tree& tree) {
  for (int i = 1; i < tree.size(); ++i) {
    Node& node = tree[i];
    if (node.is_text || node.removed || !ActsAsParagraph(tree, node)) continue;
    int chars = node.chars;
    if (chars < 25) continue;
    double points = 1 + node.commas + std::min(chars / 100, 3);
    int ancestor = node.parent;
    for (int level = 0; level < 5 && ancestor >= 0; ++level) {
      Node& target = tree[ancestor];
      InitCandidate(target);
      double divider = level == 0 ? 1 : level == 1 ? 2 : level * 3;
      target.score += points / divider;
      ancestor = target.parent;
    }
  }
  int top = -1;
  for (int i = 0; i < tree.size(); ++i) {
    Node& node = tree[i];
    if (!node.scored) continue;
    node.score *= 1 - tree.LinkDensity(i);
    if (top < 0 || node.score > tree[top].score) top = i;
  }
  if (top < 0) return 0;

  // Several near-best candidates under one ancestor: the article is split
  // into sections, so take the ancestor.
  std::vector<int> alternatives;
  for (int i = 0; i < tree.size(); ++i) {
    if (i != top && tree[i].scored && tree[i].score >= tree[top].score * 0.75) {
      alternatives.push_back(i);
    }
  }
  if (alternatives.size() >= 3) {
    auto is_ancestor = [&](int ancestor, int node) {
      for (int n = node; n >= 0; n = tree[n].parent) {
        if (n == ancestor) return true;
      }
      return false;
    };
    for (int parent = tree[top].parent; parent > 0;
         parent = tree[parent].parent) {
      int containing = 0;
      for (int alternative : alternatives) {
        containing += is_ancestor(parent, alternative);
      }
      if (containing >= 3) {
        top = parent;
        break;
      }
    }
  }
  // A parent scoring higher than the child holds more of the article.
  double last = tree[top].score;
  double threshold = last / 3;
  for (int parent = tree[top].parent; parent > 0;
       parent = tree[parent].parent) {
    if (!tree[parent].scored) continue;
    if (tree[parent].score < threshold) break;
    if (tree[parent].score > last) {
      top = parent;
      break;
    }
    last = tree[parent].score;
  }
  // The page's own marked body wins unless the choice already holds it
  // (bodies split into sections mark only the first).
  int marked = MarkedArticleBody(tree);
  if (marked > 0) {
    bool holds = false;
    for (int n = marked; n >= 0 && !holds; n = tree[n].parent) {
      holds = n == top;
    }
    if (!holds) {
      InitCandidate(tree[marked]);
      top = marked;
    }
  }
  // A container holding one paragraph (a teaser or intro box whose class
  // names won it the bonus) is not the article: the article is what holds
  // it, and ChooseContent adds the paragraphs beside it.
  auto paragraphs_in = [&](int root) {
    int count = 0;
    // Nodes come in pre-order: the subtree ends at the first node whose
    // parent comes before `root`.
    for (int i = root; i < tree.size() && (i == root || tree[i].parent >= root);
         ++i) {
      const Node& node = tree[i];
      count += !node.is_text && !node.removed && node.chars >= 25 &&
               ActsAsParagraph(tree, node);
    }
    return count;
  };
  if (top > 0 && tree[top].parent > 0 && paragraphs_in(top) <= 1 &&
      !IsArticleBodyProp(tree[top])) {
    top = tree[top].parent;
    InitCandidate(tree[top]);
  }
  // An only child adds nothing over its parent.
  while (top > 0) {
    const Node& parent = tree[tree[top].parent];
    int element_children = 0;
    for (int child : parent.children) {
      element_children += !tree[child].is_text && !tree[child].removed;
    }
    if (element_children != 1 || tree[top].parent == 0) break;
    top = tree[top].parent;
  }
  return top;
}

// Share of the best score from which the headline's own story replaces a
// better-scoring container that belongs to another story.
constexpr double kHeadlineStoryShare = 0.3;

// Pages that run several stories one after another, each under its own
// <h1> (endless-scroll article pages, printed digests), are about the story
// whose <h1> is the page's headline: when the chosen container belongs to
// another <h1>, the best-scoring container of the headline's story wins
// instead. A container belongs to the story of the <h1>s it holds, else to
// the last <h1> before it. `top` unchanged when the page has fewer than two
// <h1>s, none of them the headline, or no such container scores enough.
int PreferHeadlineStory(const Tree& tree, int top, const std::string& title) {
  if (top <= 0 || title.empty()) return top;
  std::vector<int> h1s;
  int headline = -1;
  for (int i = 1; i < tree.size(); ++i) {
    const Node& node = tree[i];
    // Pruned headers still say where each story begins.
    if (node.is_text || node.tag != Tag::kH1) continue;
    h1s.push_back(i);
    if (headline < 0 && tree.TextOf(i, false) == title) headline = i;
  }
  if (h1s.size() < 2 || headline < 0) return top;
  auto story_is_headline = [&](int candidate) {
    int end = SubtreeEnd(tree, candidate);
    bool holds_headline = false, holds_other = false;
    int before = -1;
    for (int h1 : h1s) {
      if (h1 >= candidate && h1 < end) {
        (h1 == headline ? holds_headline : holds_other) = true;
      } else if (h1 < candidate) {
        before = h1;
      }
    }
    if (holds_other) return false;
    return holds_headline || before == headline;
  };
  if (story_is_headline(top)) return top;
  // Containers of the same kind: same element, same names but for digits
  // ("article-3", "post-1201").
  auto kind = [&](int index) {
    std::string names = tree[index].names;
    names.erase(std::remove_if(names.begin(), names.end(),
                               [](char c) { return absl::ascii_isdigit(c); }),
                names.end());
    return names;
  };
  const std::string top_kind = kind(top);
  int best = -1;
  for (int i = 1; i < tree.size(); ++i) {
    const Node& node = tree[i];
    if (!node.scored || node.removed || i == top) continue;
    if (node.tag != tree[top].tag || kind(i) != top_kind) continue;
    if (node.score < tree[top].score * kHeadlineStoryShare) continue;
    if (best >= 0 && node.score <= tree[best].score) continue;
    if (story_is_headline(i)) best = i;
  }
  return best > 0 ? best : top;
}

// A sibling of the same kind as the chosen container continues it from
// this much text with at most this share of it in links.
constexpr int kMinSameKindChars = 25;
constexpr double kMaxSameKindLinkDensity = 0.25;

// Whether the subtree of `root` holds an <h1> (pruned or not).
bool HoldsH1(const Tree& tree, int root) {
  const int end = SubtreeEnd(tree, root);
  for (int i = root + 1; i < end; ++i) {
    if (!tree[i].is_text && tree[i].tag == Tag::kH1) return true;
  }
  return false;
}

// The top candidate and the siblings that continue it.
std::vector<int> ChooseContent(const Tree& tree, int top) {
  if (top == 0) return {0};
  const Node& top_node = tree[top];
  double threshold = std::max(10.0, top_node.score * 0.2);
  std::vector<int> content;
  for (int sibling : tree[top_node.parent].children) {
    const Node& node = tree[sibling];
    if (node.removed) continue;
    if (sibling == top) {
      content.push_back(sibling);
      continue;
    }
    if (node.is_text) continue;
    double bonus = !top_node.names.empty() && node.names == top_node.names
                       ? top_node.score * 0.2
                       : 0;
    if (node.scored && node.score + bonus >= threshold) {
      content.push_back(sibling);
      continue;
    }
    // A box of the same kind (element and names) as the chosen one is the
    // page's next section of it when its text is mostly unlinked, even
    // with too few paragraphs to score; one with its own <h1> is another
    // story.
    if (top_node.names.size() > 1 && node.names == top_node.names &&
        node.tag == top_node.tag && !HoldsH1(tree, sibling) &&
        node.chars >= kMinSameKindChars &&
        tree.LinkDensity(sibling) < kMaxSameKindLinkDensity) {
      content.push_back(sibling);
      continue;
    }
    if (node.tag == Tag::kP) {
      double density = tree.LinkDensity(sibling);
      std::string text = tree.TextOf(sibling, false);
      if ((node.chars > 80 && density < 0.25) ||
          (node.chars > 0 && node.chars <= 80 && density == 0 &&
           absl::EndsWith(text, "."))) {
        content.push_back(sibling);
      }
    }
  }
  return content;
}

// Characters from which a paragraph between the headline and the body reads
// as the article's lead.
constexpr int kLeadChars = 80;
// Whether a paragraph of `chars` characters reads as a lead: a standfirst's
// length, ending a sentence.
bool ReadsAsLead(int chars, std::string_view text) {
  return chars >= kLeadChars && EndsSentence(text);
}
// More prose blocks than this between headline and body: not a lead but a
// listing or a second story.
constexpr int kMaxLeads = 2;

// The lead: prose paragraphs between the page's last <h1> before the body
// and the body, which pages often set apart (a standfirst in the article's
// <header>, a teaser box above the text). Returned in page order, their
// subtrees marked not removed; empty when the body holds an <h1> itself
// (then the headline is not what precedes it).
std::vector<int> ChooseLead(Tree& tree, const std::vector<int>& content) {
  if (content.empty() || content[0] == 0) return {};
  const int start = content[0];
  // end[i]: one past the last node of i's subtree (nodes are in pre-order).
  std::vector<int> end(tree.size());
  for (int i = 0; i < tree.size(); ++i) end[i] = i + 1;
  for (int i = tree.size() - 1; i > 0; --i) {
    end[tree[i].parent] = std::max(end[tree[i].parent], end[i]);
  }
  for (int content_root : content) {
    for (int i = content_root; i < end[content_root]; ++i) {
      if (!tree[i].is_text && tree[i].tag == Tag::kH1) return {};
    }
  }
  int headline = -1;
  for (int i = start - 1; i > 0 && headline < 0; --i) {
    if (!tree[i].is_text && tree[i].tag == Tag::kH1) headline = i;
  }
  if (headline < 0) return {};
  // Only furniture removed for being in a <header> may hold the lead.
  auto allowed = [&](int index) {
    for (int n = index; n > 0; n = tree[n].parent) {
      const Node& node = tree[n];
      if (node.is_text) continue;
      if (node.tag == Tag::kFigure || node.tag == Tag::kFigcaption) {
        return false;
      }
      if (node.removed && node.removed_why != nullptr &&
          absl::string_view(node.removed_why) != "header") {
        return false;
      }
    }
    return true;
  };
  std::vector<int> leads;
  for (int i = end[headline]; i < start; ++i) {
    const Node& node = tree[i];
    if (node.is_text || end[i] > start) continue;
    if (node.tag != Tag::kP &&
        !(node.tag == Tag::kDiv && ActsAsParagraph(tree, node))) {
      continue;
    }
    int chars = 0, link_chars = 0, link_depth_end = -1;
    for (int j = i; j < end[i]; ++j) {
      const Node& inner = tree[j];
      if (!inner.is_text && inner.tag == Tag::kA && link_depth_end < j) {
        link_depth_end = end[j];
      }
      if (!inner.is_text) continue;
      int n = CountChars(inner.text);
      chars += n;
      if (j < link_depth_end) link_chars += n;
    }
    std::string text = Collapse(tree.TextOf(i, false));
    if (!ReadsAsLead(chars, text) || link_chars * 5 > chars || !allowed(i)) {
      i = end[i] - 1;
      continue;
    }
    leads.push_back(i);
    i = end[i] - 1;
  }
  if (leads.size() > kMaxLeads) return {};
  for (int lead : leads) {
    for (int j = lead; j < end[lead]; ++j) tree[j].removed = false;
  }
  return leads;
}

// ---------------------------------------------------------------------------
// Blocks of the chosen content, filtered one by one.

struct Block {
  std::string text;
  int chars = 0;
  int link_chars = 0;
  Tag tag = Tag::kP;  // the block element it came from; kBr: after a <br>
  // Written by WritePage: the block holds pruned text (outside the content
  // only), and it was written from the chosen content (or its lead).
  bool removed = false;
  bool in_content = false;
  bool in_lead = false;  // written from the lead (ExtractFromDom marks it)
  int first_node = -1;   // the tree index of its first text node
};

class BlockWriter {
 public:
  explicit BlockWriter(const Tree& tree) : tree_(tree) {}

  // Writes the blocks of `root`'s subtree, pruned nodes skipped.
  void Write(int root) { Walk(root, nullptr); }

  // Writes the whole page in one walk, so that each block knows where it
  // came from: the subtrees of `content` (roots in page order, none inside
  // another) exactly as Write writes them, their blocks marked in_content;
  // the rest with pruned text too, a block holding some marked removed. No
  // block straddles the edge of a content root.
  void WritePage(const std::vector<int>& content) {
    std::vector<bool> content_root(tree_.size(), false);
    for (int root : content) content_root[root] = true;
    Walk(0, &content_root);
  }

  std::vector<Block>& blocks() { return blocks_; }

 private:
  // (node, entering) events; exits close blocks and links. `content_root`
  // null: everything is content.
  void Walk(int root, const std::vector<bool>* content_root) {
    in_content_ = content_root == nullptr;
    std::vector<std::pair<int, bool>> stack = {{root, true}};
    while (!stack.empty()) {
      auto [index, entering] = stack.back();
      stack.pop_back();
      const Node& node = tree_[index];
      const bool edge = content_root != nullptr && (*content_root)[index];
      if (node.removed && (in_content_ || edge)) continue;
      if (edge && entering) {
        // As Write would start: a fresh block, outside any link.
        Flush();
        in_content_ = true;
        outer_link_depth_ = link_depth_;
        link_depth_ = 0;
      }
      if (node.is_text) {
        if (current_.first_node < 0) current_.first_node = index;
        current_.removed = current_.removed || node.removed;
        AppendCollapsed(node.text, &current_.text);
        int chars = CountChars(node.text);
        current_.chars += chars;
        if (link_depth_ > 0) current_.link_chars += chars;
        continue;
      }
      if (!entering) {
        if (node.tag == Tag::kA) --link_depth_;
        // A <br> holds nothing; the line after it keeps its tag (kBr).
        if (IsBlock(node.tag) && node.tag != Tag::kBr) Flush();
        if (node.tag == Tag::kTd || node.tag == Tag::kTh) {
          current_.text.push_back(' ');
        }
        if (edge) {
          Flush();
          in_content_ = false;
          link_depth_ = outer_link_depth_;
        }
        continue;
      }
      if (IsBlock(node.tag)) {
        Flush();
        current_.tag = node.tag;
      }
      if (node.tag == Tag::kA) ++link_depth_;
      stack.emplace_back(index, false);
      for (size_t i = node.children.size(); i > 0; --i) {
        stack.emplace_back(node.children[i - 1], true);
      }
    }
    Flush();
  }

  void Flush() {
    std::string text = Collapse(current_.text);
    if (!text.empty()) {
      current_.text = std::move(text);
      current_.in_content = in_content_;
      blocks_.push_back(std::move(current_));
    }
    current_ = Block();
  }

  const Tree& tree_;
  std::vector<Block> blocks_;
  Block current_;
  int link_depth_ = 0;
  int outer_link_depth_ = 0;
  bool in_content_ = true;
};

// Short lines that are page furniture wherever they stand.
bool IsFurnitureLine(absl::string_view text) {
  static constexpr absl::string_view kPrefixes[] = {
      "advertisement", "share this",   "share on",        "follow us",
      "sign up",       "subscribe",    "read more",       "click here",
      "related:",      "see also",     "image copyright", "image caption",
      "photo:",        "getty images", "supported by",    "continue reading",
      "skip to",       "loading"};
  if (text.size() > 80) return false;
  // A short line holding a copyright sign is a picture's or the page's
  // credit ("Harbour at dawn \xC2\xA9 J. Moss / Agency").
  if (absl::StrContains(text, "\xC2\xA9")) return true;
  std::string lower = absl::AsciiStrToLower(text);
  for (absl::string_view prefix : kPrefixes) {
    if (absl::StartsWith(lower, prefix)) return true;
  }
  return false;
}

// Characters (spaces included) under which a line opening with a credit
// label is a credit.
constexpr int kCreditLineChars = 100;

// A short line that opens with a label naming a picture's or the story's
// credit or source, then a colon ("Foto: A. Maier/dpa", "Titelbild: ...",
// "Quelle: Landesamt, 2. Mai", "Source: agency"; several languages), and
// ends no sentence and introduces nothing (no final colon): the credit, not
// the story, wherever it stands.
bool IsCreditLine(absl::string_view text) {
  // Case-folded without marks (FoldCaseAndMarks): "Źródło", "CRÉDIT".
  static constexpr absl::string_view kLabels[] = {
      "foto",   "fotos",        "photo",       "photos",     "bild",
      "bilder", "titelbild",    "image",       "images",     "picture",
      "credit", "credits",      "quelle",      "bildquelle", "source",
      "fuente", "fonte",        "zrodlo",      "zdjecie",    "foto's",
      "bron",   "photo credit", "image credit"};
  if (CodePoints(text) >= kCreditLineChars ||
      EndsSentence(std::string_view(text.data(), text.size())) ||
      absl::EndsWith(absl::StripTrailingAsciiWhitespace(text), ":")) {
    return false;
  }
  const size_t colon = text.find(':');
  if (colon == absl::string_view::npos || colon + 1 >= text.size()) {
    return false;
  }
  const absl::string_view raw_label =
      absl::StripAsciiWhitespace(text.substr(0, colon));
  const std::string label =
      FoldCaseAndMarks(std::string_view(raw_label.data(), raw_label.size()));
  for (absl::string_view known : kLabels) {
    if (label == known) return true;
  }
  return false;
}

// Characters (spaces included) under which a line asking the reader to
// sign up, subscribe, follow or download is a call to action.
constexpr int kCallToActionChars = 160;

// A short line asking the reader to sign up for a newsletter, subscribe,
// follow the outlet on social networks or download its app (several
// languages), wherever it stands: the outlet's, not the story's.
// The phrases are kCallToActionPhrases' page_block ones.
bool IsCallToAction(absl::string_view text) {
  if (CodePoints(text) >= kCallToActionChars) return false;
  std::string lower = absl::AsciiStrToLower(text);
  for (const CallToActionPhrase& entry : kCallToActionPhrases) {
    if (entry.page_block &&
        absl::StrContains(lower, absl::string_view(entry.phrase.data(),
                                                   entry.phrase.size()))) {
      return true;
    }
  }
  return false;
}

constexpr int kLinkCaptionChars = 40;
// Characters from which a block ending in sentence punctuation is prose.
constexpr int kTailProseChars = 30;
// Characters below which a line ending in ':' is a label.
constexpr int kTailLabelChars = 80;
// Characters (spaces included) below which a line that is no sentence is a
// label or credit when it follows the story's last sentence.
constexpr int kTailFragmentChars = 40;

// "Previous post / Next post" and the like: a short line made only of
// the words of post-to-post navigation (any of several languages) and
// arrows.
bool IsPagerLine(absl::string_view text) {
  static constexpr absl::string_view kWords[] = {
      "previous", "next",      "older",      "newer",      "post",
      "posts",    "article",   "articles",   "story",      "entry",
      "page",     "prev",      "vorheriger", "vorheriges", "nächster",
      "nächstes", "voriger",   "beitrag",    "artikel",    "zurück",
      "weiter",   "précédent", "suivant",    "précédente", "suivante",
      "anterior", "siguiente", "entrada",    "precedente", "successivo",
      "articolo", "vorige",    "volgende",   "bericht",    "poprzedni",
      "następny", "wpis"};
  if (text.size() > 80) return false;
  int words = 0;
  for (absl::string_view word : absl::StrSplit(
           text, absl::ByAnyChar(" \t:|/-\xC2\xAB\xBB<>"), absl::SkipEmpty())) {
    std::string lower = absl::AsciiStrToLower(word);
    // Arrows and other symbols (U+2190-21FF, U+2000-206F) are separators.
    if (absl::StartsWith(lower, "\xE2\x86") ||
        absl::StartsWith(lower, "\xE2\x80")) {
      continue;
    }
    bool known = false;
    for (absl::string_view known_word : kWords) known |= lower == known_word;
    if (!known) return false;
    ++words;
  }
  return words > 0;
}

// Bytes over which a line is no bare date or time.
constexpr size_t kMaxDateTimeBytes = 24;

// Whether IsDateOrTimeLine takes any hours:minutes or only a time of day.
enum class TimeRule { kHoursMinutes, kClockTime };

// A line that is only a date or a time ("20.01.2022", "2019-11-18",
// "3:59 pm", "14:05 Uhr"): digit groups joined by two or more of . / -,
// or hours and two-digit minutes, perhaps with am/pm or Uhr. `lower` is
// lower case.
bool IsDateOrTimeLine(absl::string_view lower,
                      TimeRule rule = TimeRule::kHoursMinutes) {
  if (lower.size() > kMaxDateTimeBytes) return false;
  bool date_or_time = false;
  for (absl::string_view token :
       absl::StrSplit(lower, ' ', absl::SkipEmpty())) {
    if (token == "am" || token == "pm" || token == "a.m." || token == "p.m." ||
        token == "uhr") {
      continue;
    }
    int separators = 0;
    for (char c : token) {
      if (c == '.' || c == '/' || c == '-') {
        ++separators;
      } else if (c != ':' && !absl::ascii_isdigit(c)) {
        return false;
      }
    }
    const size_t colon = token.rfind(':');
    const bool time =
        colon != absl::string_view::npos && colon > 0 &&
        token.size() - colon == 3 &&
        (rule == TimeRule::kHoursMinutes ||
         IsClockTime(std::string_view(token.data(), token.size())));
    if (separators >= 2 || time) date_or_time = true;
  }
  return date_or_time;
}

// Bytes over which a line is no publication stamp.
constexpr size_t kMaxStampBytes = 64;

// A line that is only a publication stamp ("Updated June 13, 2019",
// "Aktualisiert am 17.01.2021.", "Posted on April 22, 2022 at 9:15 am"):
// a word saying published or updated (several languages), then a date or
// time, i.e. tokens holding digits, connecting words and at most three
// other words (month, weekday, zone); or a bare date or time
// (IsDateOrTimeLine). It is the post's meta, not its text.
bool IsDateStampLine(absl::string_view text) {
  static constexpr absl::string_view kStampWords[] = {"last updated",
                                                      "updated",
                                                      "published",
                                                      "posted",
                                                      "zuletzt aktualisiert",
                                                      "aktualisiert",
                                                      "veröffentlicht",
                                                      "erstellt",
                                                      "mis à jour",
                                                      "publié",
                                                      "publicado",
                                                      "actualizado",
                                                      "pubblicato",
                                                      "aggiornato",
                                                      "opublikowano",
                                                      "zaktualizowano",
                                                      "gepubliceerd",
                                                      "bijgewerkt"};
  static constexpr absl::string_view kConnectors[] = {
      "on", "at", "am", "um", "uhr", "le",   "el",   "il", "de", "del", "du",
      "op", "om", "w",  "o",  "pm",  "a.m.", "p.m.", "|",  "-",  "/"};
  if (text.size() > kMaxStampBytes) return false;
  std::string lower = absl::AsciiStrToLower(text);
  absl::string_view rest;
  for (absl::string_view word : kStampWords) {
    if (absl::StartsWith(lower, word)) {
      rest = absl::string_view(lower).substr(word.size());
      break;
    }
  }
  if (rest.empty()) return IsDateOrTimeLine(lower);
  if (absl::ascii_isalpha(rest[0])) return false;
  bool digits = false;
  int words = 0;
  for (absl::string_view token :
       absl::StrSplit(rest, absl::ByAnyChar(" :,"), absl::SkipEmpty())) {
    if (std::any_of(token.begin(), token.end(),
                    [](char c) { return absl::ascii_isdigit(c); })) {
      digits = true;
      continue;
    }
    bool connector = false;
    for (absl::string_view known : kConnectors) connector |= token == known;
    if (!connector && ++words > 3) return false;
  }
  return digits;
}

std::string DateInText(absl::string_view text);

// Bytes over which a line is no row of post meta fields.
constexpr size_t kMaxMetaFieldsBytes = 100;
// Fields from which a line split by bars or dots is a row of them.
constexpr int kMinMetaFields = 3;

// A short line of three or more fields split by "|", "·" or "•" standing
// between spaces, one of them a date or a time of day ("Friday | 14 June 2019
// | 15:49 BY A. QUILL IN Travel | 0 comments"), that ends no sentence: the
// post's meta row, not its text. A "·" inside a word joins letters
// ("col·legi"); "28:25" is a score.
bool IsMetaFieldsLine(absl::string_view text) {
  if (text.size() > kMaxMetaFieldsBytes ||
      EndsSentence(std::string_view(text.data(), text.size()))) {
    return false;
  }
  std::vector<std::string> fields(1);
  for (absl::string_view word :
       absl::StrSplit(text, absl::ByAnyChar(" \t\n"), absl::SkipEmpty())) {
    if (word == "|" || word == "\xC2\xB7" || word == "\xE2\x80\xA2") {
      if (!fields.back().empty()) fields.emplace_back();
      continue;
    }
    absl::StrAppend(&fields.back(), fields.back().empty() ? "" : " ", word);
  }
  if (fields.back().empty()) fields.pop_back();
  bool dated = false;
  for (const std::string& field : fields) {
    dated =
        dated ||
        IsDateOrTimeLine(absl::AsciiStrToLower(field), TimeRule::kClockTime) ||
        !DateInText(field).empty();
  }
  return static_cast<int>(fields.size()) >= kMinMetaFields && dated;
}

struct BodyResult {
  std::vector<std::string> paragraphs;
  // Every block the rules decided on, with the block scorer's evidence
  // (block_scorer.h) and their verdict; empty when the body is no filtered
  // list of blocks (the best single block).
  std::vector<BlockCandidate> candidates;
  // Per block given to FilterBlocks: the rules kept it; it is the headline.
  std::vector<bool> block_kept;
  std::vector<bool> block_is_title;
  int kept = 0;
  int link_dense = 0;
  int furniture = 0;
  int title = 0;
  int repeated = 0;  // copies of a kept lead
};

double BlockLinkDensity(const Block& block) {
  return block.chars == 0 ? 0
                          : static_cast<double>(block.link_chars) / block.chars;
}

// A line that is furniture wherever it stands (see each rule).
bool IsFurnitureBlock(absl::string_view text) {
  return IsFurnitureLine(text) || IsCreditLine(text) || IsPagerLine(text) ||
         IsCallToAction(text) || IsDateStampLine(text) ||
         IsMetaFieldsLine(text);
}

BodyResult FilterBlocks(std::vector<Block>& blocks, const std::string& title) {
  BodyResult result;
  std::vector<Tag> tags;        // of result.paragraphs
  std::vector<size_t> sources;  // of result.paragraphs: index in blocks
  result.block_kept.assign(blocks.size(), false);
  result.block_is_title.assign(blocks.size(), false);
  std::string title_collapsed = Collapse(title);
  // The lead's texts kept so far: pages print the lead in more than one box
  // (desktop and mobile, a pull quote), never as more of the story. Other
  // repeats inside the content are the writer's (a question put to each
  // guest, a meal in each day's list) and stay; outside it, the scorer's
  // seen set (filled from what is kept here) keeps every copy out.
  absl::flat_hash_set<absl::string_view> lead_texts;
  for (size_t i = 0; i < blocks.size(); ++i) {
    Block& block = blocks[i];
    if (BlockLinkDensity(block) > 0.7) {
      ++result.link_dense;
      continue;
    }
    // A short line right before a block of links is that block's caption
    // ("Read also:", "Mehr zum Thema", "Das könnte Sie interessieren"), in
    // whatever language: it goes with the links.
    if (block.chars < kLinkCaptionChars && i + 1 < blocks.size() &&
        BlockLinkDensity(blocks[i + 1]) > 0.7 && block.link_chars == 0) {
      ++result.link_dense;
      continue;
    }
    if (IsHeading(block.tag) && block.text == title_collapsed) {
      ++result.title;
      result.block_is_title[i] = true;
      continue;
    }
    if (block.tag == Tag::kH1 && result.paragraphs.empty()) {
      ++result.title;
      result.block_is_title[i] = true;
      continue;
    }
    if (IsFurnitureBlock(block.text)) {
      ++result.furniture;
      continue;
    }
    if (lead_texts.contains(block.text)) {
      ++result.repeated;
      continue;
    }
    if (block.in_lead) lead_texts.insert(block.text);
    result.paragraphs.push_back(block.text);
    tags.push_back(block.tag);
    sources.push_back(i);
    ++result.kept;
  }
  // After the story's last sentence, a short line ending in a colon
  // introduces what the page adds, not the story ("Kontakt:", "Autoren:",
  // "Zum Weiterlesen:", "You might also like:"), and a very short line that
  // is no sentence is a label, credit or caption ("Foto: A. Maier", "Das
  // könnte Sie auch interessieren", "Quellen ausblenden").
  size_t last_prose = result.paragraphs.size();
  for (size_t i = 0; i < result.paragraphs.size(); ++i) {
    const std::string& text = result.paragraphs[i];
    if (CountChars(text) >= kTailProseChars &&
        absl::string_view(".!?\"\xE2\x80\x9D\xC2\xBB)").find(text.back()) !=
            absl::string_view::npos) {
      last_prose = i;
    }
  }
  if (last_prose < result.paragraphs.size()) {
    size_t keep = last_prose + 1;
    for (size_t i = last_prose + 1; i < result.paragraphs.size(); ++i) {
      const std::string& text = result.paragraphs[i];
      const bool label =
          text.back() == ':' && CountChars(text) < kTailLabelChars;
      // List items, cells and lines broken by <br> are the story's own
      // lists, tables and verses.
      const bool own_line = tags[i] == Tag::kLi || tags[i] == Tag::kTd ||
                            tags[i] == Tag::kBr ||
                            (i + 1 < tags.size() && tags[i + 1] == Tag::kBr);
      const bool fragment = !own_line &&
                            CodePoints(text) < kTailFragmentChars &&
                            !EndsSentence(text);
      if (!label && !fragment) {
        if (keep != i) {
          result.paragraphs[keep] = std::move(result.paragraphs[i]);
          sources[keep] = sources[i];
        }
        ++keep;
      } else {
        ++result.furniture;
        --result.kept;
      }
    }
    result.paragraphs.resize(keep);
    sources.resize(keep);
  }
  for (size_t source : sources) result.block_kept[source] = true;
  return result;
}

// The part of the page where a block outside the content may join the body:
// the tree nodes [begin, end).
struct StoryScope {
  int begin = 0;
  int end = 0;
};

// The smallest element holding the content's container and the headline
// (the page's last <h1> before the content), where the story's own text
// stands: what lies outside it (boxes beside the headline's element, the
// site's lower furniture, the next story) is not this story. Without such an
// <h1>, the content's container.
StoryScope ScopeOf(const Tree& tree, const std::vector<int>& content) {
  if (content.empty() || content[0] == 0) {
    return {0, tree.size()};
  }
  int scope = tree[content[0]].parent;
  int headline = -1;
  for (int i = content[0] - 1; i > 0 && headline < 0; --i) {
    if (!tree[i].is_text && tree[i].tag == Tag::kH1) headline = i;
  }
  // Parents come before their children: the later of the two climbs
  // until they meet.
  while (headline >= 0 && scope != headline) {
    if (scope > headline) {
      scope = tree[scope].parent;
    } else {
      headline = tree[headline].parent;
    }
  }
  return {scope, SubtreeEnd(tree, scope)};
}

// Characters from which a block above the story's prose that ends no
// sentence may be its standfirst (bylines and date lines are shorter).
constexpr int kMinOpenLineChars = 40;

// Characters from which an element holding a picture is no media wrapper
// (a caption's box) but a section of text.
constexpr int kMaxMediaWrapperChars = 300;

// Whether an element above `node` (below `scope`) holds a picture as a
// child and under kMaxMediaWrapperChars characters: text in such a media
// wrapper is the picture's caption.
bool InMediaWrapper(const Tree& tree, int node, StoryScope scope) {
  for (int at = tree[node].parent; at > scope.begin; at = tree[at].parent) {
    if (tree[at].chars >= kMaxMediaWrapperChars) return false;
    for (int child : tree[at].children) {
      if (tree[child].is_text) continue;
      if (tree[child].tag == Tag::kVideo || tree.Name(child) == "img" ||
          tree.Name(child) == "picture") {
        return true;
      }
    }
  }
  return false;
}

// Adds to `result` (FilterBlocks' of the content blocks of `page`, the page
// as WritePage wrote it; `content_at[k]` is the page block of content block
// k) the block scorer's candidates (block_scorer.h): the page's blocks but
// those pruned, the headline, and those the link and furniture-line rules
// reject wherever they stand.
void AddScorerCandidates(const Tree& tree, const std::vector<Block>& page,
                         const std::vector<size_t>& content_at,
                         const std::string& title, StoryScope scope,
                         BodyResult* result) {
  const std::string title_collapsed = Collapse(title);
  std::vector<ParagraphEvidence> all;
  all.reserve(page.size());
  for (const Block& block : page) {
    ParagraphEvidence item{block.text, block.chars, block.link_chars,
                           block.tag};
    item.in_content = block.in_content;
    all.push_back(item);
  }
  std::vector<bool> is_title(page.size(), false);
  absl::flat_hash_set<absl::string_view> kept_texts;
  for (size_t k = 0; k < content_at.size(); ++k) {
    all[content_at[k]].rule_kept = result->block_kept[k];
    is_title[content_at[k]] = result->block_is_title[k];
    if (result->block_kept[k]) kept_texts.insert(page[content_at[k]].text);
  }
  auto content = [&](size_t i) { return all[i].in_content && !is_title[i]; };
  // Outside the content, whether an <h1> stands between a block and the
  // content (the block belongs to another story), scanning both ways.
  std::vector<bool> across_h1(all.size(), false);
  for (int direction : {1, -1}) {
    bool seen_h1 = false, seen_content = false;
    for (size_t k = 0; k < all.size(); ++k) {
      const size_t i = direction == 1 ? k : all.size() - 1 - k;
      if (content(i)) {
        seen_content = true;
        seen_h1 = false;
      } else if (page[i].tag == Tag::kH1) {
        seen_h1 = true;
      }
      if (seen_content && seen_h1) across_h1[i] = true;
    }
  }
  auto rejected_anywhere = [](const Block& block) {
    return BlockLinkDensity(block) > 0.7 || IsFurnitureBlock(block.text);
  };
  // The story ends at the first heading or furniture line (a line the
  // rules reject wherever it stands) below the content's last block: what
  // follows is the page's next section (comments, more stories).
  size_t last_content = page.size();
  for (size_t i = 0; i < page.size(); ++i) {
    if (content(i)) last_content = i;
  }
  // Pruned blocks (an ad slot's "Advertisement") do not end the story: the
  // story may go on below them.
  size_t story_end = page.size();
  for (size_t i = last_content + 1; i < page.size(); ++i) {
    if (page[i].removed) continue;
    if (IsHeading(page[i].tag) || IsFurnitureBlock(page[i].text)) {
      story_end = i;
      break;
    }
  }
  // The story's prose: its first and last kept paragraph of the content
  // that ends a sentence from kProseParagraphChars characters.
  size_t first_prose = page.size(), last_prose = page.size();
  for (size_t i = 0; i < page.size(); ++i) {
    if (!content(i) || !all[i].rule_kept ||
        page[i].chars < kProseParagraphChars || !EndsSentence(page[i].text)) {
      continue;
    }
    if (first_prose == page.size()) first_prose = i;
    last_prose = i;
  }
  std::vector<ParagraphEvidence> evidence;
  std::vector<bool> may_join;
  for (size_t i = 0; i < all.size(); ++i) {
    const Block& block = page[i];
    if (block.removed || is_title[i]) continue;
    if (IsHeading(block.tag) && block.text == title_collapsed) continue;
    if (rejected_anywhere(block)) continue;
    all[i].after_linked_line = i > 0 && BlockLinkDensity(page[i - 1]) > 0.5;
    all[i].across_h1 = !all[i].in_content && across_h1[i];
    evidence.push_back(all[i]);
    // Below the story's last prose paragraph (other stories' headlines) a
    // block must end a sentence to join, above its first (bylines, dates)
    // end one or be a standfirst's length; a picture's caption never joins;
    // a text joins once (boxes repeat it).
    const bool beside_prose =
        first_prose < page.size() && i > first_prose && i < last_prose;
    const bool standfirst_length = first_prose < page.size() &&
                                   i < first_prose &&
                                   block.chars >= kMinOpenLineChars;
    const bool joins =
        !all[i].in_content && i < story_end &&
        block.first_node >= scope.begin && block.first_node < scope.end &&
        (beside_prose || standfirst_length || EndsSentence(block.text)) &&
        (!InMediaWrapper(tree, block.first_node, scope)) &&
        !kept_texts.contains(block.text);
    if (joins) kept_texts.insert(block.text);
    may_join.push_back(joins);
  }
  std::vector<BlockFeatures> features = ComputeBlockFeatures(evidence);
  for (size_t i = 0; i < evidence.size(); ++i) {
    result->candidates.push_back({std::string(evidence[i].text), features[i],
                                  evidence[i].rule_kept, may_join[i]});
  }
}

std::string Describe(const Tree& tree, int index) {
  const Node& node = tree[index];
  if (index == 0) return "<body>";
  std::string names(absl::StripAsciiWhitespace(node.names));
  return absl::StrCat("<", tree.Name(index),
                      names.empty() ? "" : absl::StrCat(" \"", names, "\""),
                      ">");
}

// ---------------------------------------------------------------------------
// Metadata from <head>, JSON-LD and microdata.

struct PageMeta {
  std::string title_element;
  std::vector<std::string> h1s;
  // name/property/itemprop (lower case) -> content, first wins.
  std::vector<std::pair<std::string, std::string>> metas;
  std::string canonical;
  std::string html_lang;
  std::vector<std::string> time_datetimes;  // in page order
  std::string time_published;               // <time itemprop=datePublished>
  std::vector<std::string> dom_authors;     // rel=author, itemprop=author
  // Short texts of elements whose class or id says byline or author, in
  // page order: where pages without author metadata print the byline.
  std::vector<std::string> byline_texts;
  // Short texts of <time> elements and of elements whose class or id says
  // date, in page order: where pages without date metadata print it.
  std::vector<std::string> date_texts;
  std::vector<JsonValue> json_ld;

  const std::string* Meta(absl::string_view key) const {
    for (const auto& [name, content] : metas) {
      if (name == key && !content.empty()) return &content;
    }
    return nullptr;
  }
};

// The text under `root`; past `max_bytes` (raw, before collapsing) the
// walk stops, so asking whether a large container's text is short costs
// little.
std::string DomText(const Dom& dom, int root, bool stop_at_blocks,
                    size_t max_bytes = std::string::npos) {
  std::string out;
  std::vector<int> stack = {root};
  while (!stack.empty() && out.size() <= max_bytes) {
    int index = stack.back();
    stack.pop_back();
    const DomNode& node = dom[index];
    if (node.is_text) {
      AppendCollapsed(node.text, &out);
      continue;
    }
    Tag tag = node.tag;
    if (index != root && (Invisible(tag) || (stop_at_blocks && IsBlock(tag) &&
                                             tag != Tag::kBr))) {
      continue;
    }
    if (tag == Tag::kBr && !out.empty()) out.push_back(' ');
    for (size_t i = node.children.size(); i > 0; --i) {
      stack.push_back(node.children[i - 1]);
    }
  }
  return Collapse(out);
}

// Longest element text read as a byline ("By Jane Doe, Staff Writer |
// March 3, 2024" fits; an author box with a biography does not).
constexpr size_t kMaxBylineTextBytes = 100;

// The element's class and id words, lower case, split at spaces, '-' and
// '_'; they point into *names. Read once per element: both questions below
// ask them.
std::vector<absl::string_view> NameWords(const Dom& dom, int element,
                                         std::string* names) {
  const char* classes = dom.Attribute(element, "class");
  const char* id = dom.Attribute(element, "id");
  if (classes == nullptr && id == nullptr) return {};
  *names = absl::AsciiStrToLower(absl::StrCat(classes == nullptr ? "" : classes,
                                              " ", id == nullptr ? "" : id));
  return absl::StrSplit(*names, absl::ByAnyChar(" \t\n-_"), absl::SkipEmpty());
}

bool HasNameWord(const std::vector<absl::string_view>& names,
                 std::initializer_list<absl::string_view> words) {
  for (absl::string_view word : names) {
    if (std::find(words.begin(), words.end(), word) != words.end()) {
      return true;
    }
  }
  return false;
}

// Whether the element's class or id has a word naming a byline or author
// ("byline", "article-author", "author_name", "autor").
bool NamesByline(const std::vector<absl::string_view>& names) {
  return HasNameWord(
      names, {"byline", "author", "authors", "autor", "auteur", "writer"});
}

// Longest element text read for a date ("Published Tuesday, 19 November
// 2019, 14:05 CET" fits).
constexpr size_t kMaxDateTextBytes = 80;

// Whether the element's class or id has a word naming a date ("date",
// "post-date", "published", "datum", "fecha", "timestamp").
bool NamesDate(const std::vector<absl::string_view>& names) {
  return HasNameWord(
      names, {"date", "dateline", "published", "pubdate", "timestamp", "datum",
              "fecha", "data", "time", "byline", "meta"});
}

PageMeta CollectMeta(const Dom& dom) {
  PageMeta meta;
  std::vector<int> stack;
  const std::vector<int>& top = dom[0].children;
  for (size_t i = top.size(); i > 0; --i) stack.push_back(top[i - 1]);
  while (!stack.empty()) {
    int node = stack.back();
    stack.pop_back();
    const DomNode& element = dom[node];
    if (element.is_text) continue;
    switch (element.tag) {
      case Tag::kHtml:
        meta.html_lang = LowerAttribute(dom, node, "lang");
        if (meta.html_lang.empty()) {
          meta.html_lang = LowerAttribute(dom, node, "xml:lang");
        }
        break;
      case Tag::kTitle:
        if (meta.title_element.empty()) {
          meta.title_element = DomText(dom, node, false);
        }
        break;
      case Tag::kH1: {
        std::string text = DomText(dom, node, true);
        if (!text.empty()) meta.h1s.push_back(std::move(text));
        break;
      }
      case Tag::kMeta: {
        const char* content = dom.Attribute(node, "content");
        if (content == nullptr) break;
        for (const char* key : {"property", "name", "itemprop", "http-equiv"}) {
          std::string name = LowerAttribute(dom, node, key);
          if (!name.empty()) meta.metas.emplace_back(name, Collapse(content));
        }
        break;
      }
      case Tag::kLink: {
        std::string rel = LowerAttribute(dom, node, "rel");
        const char* href = dom.Attribute(node, "href");
        if (rel == "canonical" && href != nullptr && meta.canonical.empty()) {
          meta.canonical = Collapse(href);
        }
        break;
      }
      case Tag::kScript: {
        std::string type = LowerAttribute(dom, node, "type");
        if (type != "application/ld+json" || element.children.empty()) {
          break;
        }
        const DomNode& text = dom[element.children[0]];
        if (!text.is_text) break;
        absl::StatusOr<JsonValue> json = ParseJson(text.text);
        if (json.ok()) meta.json_ld.push_back(*std::move(json));
        break;
      }
      case Tag::kTime: {
        const char* datetime = dom.Attribute(node, "datetime");
        if (datetime == nullptr) {
          std::string text = DomText(dom, node, false, 2 * kMaxDateTextBytes);
          if (text.size() <= kMaxDateTextBytes) {
            meta.date_texts.push_back(std::move(text));
          }
          break;
        }
        meta.time_datetimes.emplace_back(datetime);
        std::string itemprop = LowerAttribute(dom, node, "itemprop");
        std::string names = LowerAttribute(dom, node, "class");
        if (meta.time_published.empty() &&
            (itemprop == "datepublished" || absl::StrContains(names, "pub"))) {
          meta.time_published = datetime;
        }
        break;
      }
      default:
        break;
    }
    std::string rel = LowerAttribute(dom, node, "rel");
    std::string itemprop = LowerAttribute(dom, node, "itemprop");
    std::string names;
    const std::vector<absl::string_view> name_words =
        NameWords(dom, node, &names);
    if (rel == "author" || itemprop == "author" || itemprop == "creator") {
      std::string name;
      // Microdata puts the name in a nested itemprop=name when the author
      // is a Person item.
      std::vector<int> inner = {node};
      while (!inner.empty() && name.empty()) {
        int candidate = inner.back();
        inner.pop_back();
        if (dom[candidate].is_text) continue;
        if (LowerAttribute(dom, candidate, "itemprop") == "name") {
          const char* content = dom.Attribute(candidate, "content");
          name = content != nullptr ? Collapse(content)
                                    : DomText(dom, candidate, false);
        }
        for (int child : dom[candidate].children) inner.push_back(child);
      }
      if (name.empty()) {
        const char* content = dom.Attribute(node, "content");
        name =
            content != nullptr ? Collapse(content) : DomText(dom, node, false);
      }
      if (!name.empty()) meta.dom_authors.push_back(std::move(name));
    } else if (NamesByline(name_words)) {
      std::string text = DomText(dom, node, false, 2 * kMaxBylineTextBytes);
      if (!text.empty() && text.size() <= kMaxBylineTextBytes) {
        meta.byline_texts.push_back(std::move(text));
      }
    }
    if (element.tag != Tag::kTime && NamesDate(name_words)) {
      std::string text = DomText(dom, node, false, 2 * kMaxDateTextBytes);
      if (!text.empty() && text.size() <= kMaxDateTextBytes) {
        meta.date_texts.push_back(std::move(text));
      }
    }
    for (size_t i = element.children.size(); i > 0; --i) {
      stack.push_back(element.children[i - 1]);
    }
  }
  return meta;
}

bool IsArticleType(const JsonValue& object) {
  const JsonValue* type = object.Find("@type");
  if (type == nullptr) return false;
  std::vector<const JsonValue*> types;
  if (type->is_array()) {
    for (const JsonValue& t : type->array) types.push_back(&t);
  } else {
    types.push_back(type);
  }
  for (const JsonValue* t : types) {
    if (!t->is_string()) continue;
    if (absl::StrContains(t->string, "Article") || t->string == "BlogPosting" ||
        t->string == "Report" || t->string == "LiveBlogPosting" ||
        t->string == "SocialMediaPosting") {
      return true;
    }
  }
  return false;
}

// The first article-typed object in the JSON-LD blocks (also inside @graph
// and arrays), breadth-first so top-level objects win.
const JsonValue* FindJsonLdArticle(const std::vector<JsonValue>& blocks) {
  return FindJsonLdObject(blocks, IsArticleType);
}

std::string StripBy(absl::string_view name) {
  std::string text = Collapse(name);
  if (absl::StartsWithIgnoreCase(text, "by ")) text = Collapse(text.substr(3));
  return text;
}

// Whether a byline reads as a person's or desk's name: some letters, at
// most eight words, few digits, and not a URL, path, e-mail address or file
// name ("humans.txt", which rel=author links point at).
bool LooksLikeName(const std::string& name) {
  if (name.empty() || name.size() > 100 || absl::StrContains(name, "://") ||
      absl::StartsWith(name, "/") || absl::StrContains(name, "@")) {
    return false;
  }
  size_t dot = name.rfind('.');
  if (dot != std::string::npos && dot + 1 < name.size() &&
      name.size() - dot - 1 <= 4 &&
      std::all_of(name.begin() + dot + 1, name.end(),
                  [](char c) { return absl::ascii_isalnum(c); }) &&
      name.find(' ', dot) == std::string::npos &&
      absl::ascii_islower(name[dot + 1])) {
    return false;
  }
  int letters = 0, digits = 0, words = 1;
  const std::string_view view(name);
  for (size_t pos = 0; pos < view.size();) {
    size_t length = 0;
    char32_t cp = DecodeUtf8At(view, pos, &length);
    letters += IsLetter(cp);
    digits += IsDecimalDigit(cp);
    words += cp == ' ';
    pos += length;
  }
  return letters >= 2 && digits * 3 < letters && words <= 8;
}

// Words naming a role or a desk, not a person ("Staff Writer", "Live
// Science Contributor", "FOCUS-Online-Experte").
bool HasRoleWord(absl::string_view text) {
  const std::string lower = absl::AsciiStrToLower(text);
  for (absl::string_view role :
       {"writer", "reporter", "correspondent", "editor", "contributor", "staff",
        "columnist", "journalist", "redakteur", "autor", "experte", "expertin",
        "photographer", "producer", "analyst"}) {
    if (absl::StrContains(lower, role)) return true;
  }
  return false;
}

// Lowercase words that may sit inside a person's name.
bool IsNameParticle(absl::string_view word) {
  for (absl::string_view particle : {"de", "da", "van", "von", "der", "den",
                                     "la", "le", "del", "di", "bin", "al"}) {
    if (word == particle) return true;
  }
  return false;
}

// A weekday or month name, which a date glued to a byline brings in
// ("Malcolm Owen Monday, November 18").
bool IsCalendarWord(absl::string_view word) {
  const std::string lower = absl::AsciiStrToLower(word);
  if (WeekdayOfFullName(lower) != 0) return true;
  // "May" is a surname as often as a month ("Theresa May").
  return lower != "may" && MonthOfWord(lower, MonthNames::kEnglishFull) != 0;
}

// Two to four words, each capitalized (or a particle: "de", "van"), no
// digits, weekdays, months or role words: how a person's name is written.
bool LooksLikePersonName(absl::string_view text) {
  std::vector<absl::string_view> words =
      absl::StrSplit(text, ' ', absl::SkipEmpty());
  if (words.size() < 2 || words.size() > 4 || HasRoleWord(text)) return false;
  for (absl::string_view word : words) {
    if (IsNameParticle(word)) continue;
    if (IsCalendarWord(word)) return false;
    size_t length = 0;
    char32_t first =
        DecodeUtf8At(std::string_view(word.data(), word.size()), 0, &length);
    if (!IsLetter(first) || IsLowercaseLetter(first)) return false;
    for (char c : word) {
      if (absl::ascii_isdigit(c)) return false;
    }
  }
  return true;
}

// The person names in a byline: the text without "By " (or "Von", "Por",
// "Par", "Door"), split at commas, bars, dashes, slashes and "and"/"&",
// keeping the parts shaped like a name, so roles, outlets and dates go
// ("Paul Doe, Staff writer" -> Paul Doe; "Ana Ruiz and Li Wen" -> both).
std::vector<std::string> PersonNames(absl::string_view byline) {
  std::string text = StripBy(absl::StripAsciiWhitespace(byline));
  while (!text.empty() && absl::StrContains("'\"", text.back())) {
    text.pop_back();
  }
  while (!text.empty() && absl::StrContains("'\"", text.front())) {
    text.erase(0, 1);
  }
  for (absl::string_view prefix : {"von ", "por ", "par ", "door ", "author: ",
                                   "autor: ", "auteur: ", "text: "}) {
    if (absl::StartsWithIgnoreCase(text, prefix)) {
      text = Collapse(text.substr(prefix.size()));
    }
  }
  for (absl::string_view separator :
       {", ", " | ", " - ", " \xE2\x80\x93 ", " \xE2\x80\x94 ", " / ", "; ",
        " and ", " & ", " und ", " y ", " et "}) {
    text = absl::StrReplaceAll(text, {{separator, "\n"}});
  }
  std::vector<std::string> names;
  for (absl::string_view part :
       absl::StrSplit(text, '\n', absl::SkipWhitespace())) {
    std::string name = StripBy(part);
    if (LooksLikePersonName(name)) names.push_back(std::move(name));
  }
  return names;
}

void AddName(std::string name, std::vector<std::string>* authors) {
  if (!LooksLikeName(name)) return;
  for (const std::string& known : *authors) {
    if (absl::EqualsIgnoreCase(known, name)) return;
  }
  authors->push_back(std::move(name));
}

// Adds the person names `raw` holds; when it holds none, `raw` itself if it
// reads as a name (a desk or agency: "Reuters", "CBS News"), unless
// `people_only`.
void AddAuthor(absl::string_view raw, std::vector<std::string>* authors,
               bool people_only = false) {
  std::vector<std::string> names = PersonNames(raw);
  if (names.empty() && !people_only) names.push_back(StripBy(raw));
  for (std::string& name : names) AddName(std::move(name), authors);
}

void AddJsonAuthors(const JsonValue& value, std::vector<std::string>* out) {
  if (value.is_string()) {
    AddAuthor(value.string, out);
  } else if (value.is_object()) {
    AddAuthor(value.StringOr("name"), out);
  } else if (value.is_array()) {
    for (const JsonValue& item : value.array) {
      if (!item.is_array()) AddJsonAuthors(item, out);
    }
  }
}

std::string PrimaryLanguage(absl::string_view tag) {
  std::string lower = absl::AsciiStrToLower(Collapse(tag));
  size_t end = lower.find_first_of("-_,; ");
  if (end != std::string::npos) lower.resize(end);
  if (lower.size() < 2 || lower.size() > 3) return "";
  for (char c : lower) {
    if (!absl::ascii_isalpha(c)) return "";
  }
  return lower;
}

std::string ResolveUrl(absl::string_view base, absl::string_view href) {
  std::string link = Collapse(href);
  if (link.empty()) return "";
  size_t colon = link.find(':');
  size_t slash = link.find('/');
  if (colon != std::string::npos &&
      (slash == std::string::npos || colon < slash)) {
    return link;  // has a scheme
  }
  size_t scheme_end = base.find("://");
  if (scheme_end == absl::string_view::npos) return link;
  if (absl::StartsWith(link, "//")) {
    return absl::StrCat(base.substr(0, scheme_end + 1), link);
  }
  size_t host_end = base.find('/', scheme_end + 3);
  absl::string_view origin =
      host_end == absl::string_view::npos ? base : base.substr(0, host_end);
  if (absl::StartsWith(link, "/")) return absl::StrCat(origin, link);
  absl::string_view path = base.substr(origin.size());
  size_t query = path.find_first_of("?#");
  if (query != absl::string_view::npos) path = path.substr(0, query);
  size_t last_slash = path.rfind('/');
  absl::string_view directory = last_slash == absl::string_view::npos
                                    ? "/"
                                    : path.substr(0, last_slash + 1);
  return absl::StrCat(origin, directory, link);
}

constexpr absl::string_view kTitleSeparators[] = {" | ",
                                                  " - ",
                                                  " \xE2\x80\x93 ",
                                                  " \xE2\x80\x94 ",
                                                  " :: ",
                                                  " \xC2\xB7 ",
                                                  " \xC2\xBB ",
                                                  " \xC2\xAB ",
                                                  " < ",
                                                  " > ",
                                                  " : "};

// Where `title` splits into "Headline | Site" (the last separator), or npos.
size_t LastSeparator(const std::string& title, size_t* length) {
  size_t best = std::string::npos;
  for (absl::string_view separator : kTitleSeparators) {
    size_t at =
        title.rfind(separator.data(), std::string::npos, separator.size());
    if (at != std::string::npos && (best == std::string::npos || at > best)) {
      best = at;
      *length = separator.size();
    }
  }
  return best;
}

std::string Normalized(absl::string_view text) {
  std::string out;
  for (char c : absl::AsciiStrToLower(text)) {
    if (absl::ascii_isalnum(c) || static_cast<unsigned char>(c) >= 0x80) {
      out.push_back(c);
    }
  }
  return out;
}

// Title sources, in the order that breaks ties between equally confirmed
// candidates.
enum TitleSource { kH1, kLdHeadline, kOgTitle, kTwitterTitle, kTitleElement };

struct TitleCandidate {
  std::string text;
  std::string key;  // Normalized(text)
  TitleSource source;
  bool site_first = false;  // "Site - X" reduced to "X"
};

// Whether two titles say the same: equal, or one holds the other and the
// held one is long enough to mean something.
bool TitlesAgree(const std::string& a, const std::string& b) {
  if (a == b) return true;
  if (a.size() >= 10 && absl::StrContains(b, a)) return true;
  return b.size() >= 10 && absl::StrContains(a, b);
}

// The headline by agreement of the page's title sources. Site names (from
// og:site_name, application-name, JSON-LD publisher, and the short side of
// "Headline | Site" in <title>) are cut from the ends of titles and are
// never a candidate; the candidate confirmed by most other sources wins.
// "Site | X" (a site name and its tagline as often as a headline) ranks
// below an <h1> that does not confirm X.
std::string ChooseTitle(const PageMeta& meta, const JsonValue* ld) {
  std::vector<std::string> site_names;
  for (const char* key : {"og:site_name", "application-name"}) {
    if (const std::string* value = meta.Meta(key)) {
      site_names.push_back(Normalized(*value));
    }
  }
  if (ld != nullptr) {
    if (const JsonValue* publisher = ld->Find("publisher")) {
      site_names.push_back(Normalized(publisher->StringOr("name")));
    }
  }
  auto is_site = [&](const std::string& key) {
    return !key.empty() && std::find(site_names.begin(), site_names.end(),
                                     key) != site_names.end();
  };
  // Cuts site names off either end; `had_site` notes that it did,
  // `site_first` (may be null) that one was cut from the front.
  auto strip = [&](std::string text, bool* had_site, bool* site_first) {
    for (bool cut = true; cut;) {
      cut = false;
      size_t length = 0;
      size_t at = LastSeparator(text, &length);
      if (at == std::string::npos) break;
      if (is_site(Normalized(text.substr(at + length)))) {
        text.resize(at);
        cut = *had_site = true;
        continue;
      }
      for (absl::string_view separator : kTitleSeparators) {
        size_t first = text.find(separator.data(), 0, separator.size());
        if (first != std::string::npos &&
            is_site(Normalized(text.substr(0, first)))) {
          text = text.substr(first + separator.size());
          cut = *had_site = true;
          if (site_first != nullptr) *site_first = true;
          break;
        }
      }
    }
    return Collapse(text);
  };

  std::vector<TitleCandidate> candidates;
  auto add = [&](const std::string& raw, TitleSource source) {
    TitleCandidate candidate;
    candidate.source = source;
    bool had_site = false;
    candidate.text = strip(Collapse(raw), &had_site, &candidate.site_first);
    candidate.key = Normalized(candidate.text);
    if (candidate.key.empty() || is_site(candidate.key)) return;
    candidates.push_back(std::move(candidate));
  };
  // The other sources, raw, to confirm what <title> says.
  std::vector<std::string> others;
  if (ld != nullptr) others.push_back(Normalized(ld->StringOr("headline")));
  for (const char* key : {"og:title", "twitter:title"}) {
    if (const std::string* value = meta.Meta(key)) {
      others.push_back(Normalized(*value));
    }
  }
  const size_t meta_titles = others.size();
  for (const std::string& h1 : meta.h1s) others.push_back(Normalized(h1));
  // <title> "Headline | Site": the tail is a site name when another source
  // gives the headline without it (so "Kicker - Headline" stays whole), or
  // when a logo <h1> gives the tail alone.
  std::string title_element = meta.title_element;
  bool title_site_first = false;
  {
    bool had_site = false;
    title_element = strip(title_element, &had_site, &title_site_first);
    size_t length = 0;
    for (size_t at;
         (at = LastSeparator(title_element, &length)) != std::string::npos;) {
      std::string head = Normalized(title_element.substr(0, at));
      std::string tail = Normalized(title_element.substr(at + length));
      bool confirmed = std::any_of(
          others.begin(), others.end(), [&](const std::string& other) {
            return !other.empty() && TitlesAgree(head, other) &&
                   !absl::StrContains(other, tail);
          });
      // Or an <h1> is the tail alone and no meta title says it: the logo.
      bool meta_says_tail = std::any_of(
          others.begin(), others.begin() + meta_titles,
          [&](const std::string& other) { return TitlesAgree(tail, other); });
      confirmed |=
          !meta_says_tail && std::find(others.begin() + meta_titles,
                                       others.end(), tail) != others.end();
      if (!confirmed) break;
      site_names.push_back(tail);
      title_element.resize(at);
    }
  }
  if (ld != nullptr) add(ld->StringOr("headline"), kLdHeadline);
  if (const std::string* value = meta.Meta("og:title")) add(*value, kOgTitle);
  if (const std::string* value = meta.Meta("twitter:title")) {
    add(*value, kTwitterTitle);
  }
  add(title_element, kTitleElement);
  if (!candidates.empty() && candidates.back().source == kTitleElement) {
    candidates.back().site_first |= title_site_first;
  }
  for (size_t i = 0; i < meta.h1s.size() && i < 3; ++i) {
    if (Normalized(meta.h1s[i]).size() >= 4) add(meta.h1s[i], kH1);
  }
  if (candidates.empty()) return meta.h1s.empty() ? "" : meta.h1s.front();
  // <title> alone: of "Headline | Site" and "Site | Headline", the longer
  // side is the headline.
  if (candidates.size() == 1 && candidates[0].source == kTitleElement) {
    const std::string& text = candidates[0].text;
    size_t length = 0;
    size_t at = LastSeparator(text, &length);
    if (at == std::string::npos) return text;
    std::string head = text.substr(0, at);
    std::string tail = text.substr(at + length);
    return head.size() >= tail.size() ? head : tail;
  }

  const bool have_h1 =
      std::any_of(candidates.begin(), candidates.end(),
                  [](const TitleCandidate& c) { return c.source == kH1; });
  const TitleCandidate* best = nullptr;
  int best_votes = -2;
  auto rank = [](const TitleCandidate& c, int votes) {
    // Unconfirmed: meta titles before <h1>.
    if (votes > 0) return static_cast<int>(c.source);
    if (c.source == kH1) return 2;
    return c.source == kTitleElement ? 5 : static_cast<int>(c.source) - 1;
  };
  for (const TitleCandidate& candidate : candidates) {
    int votes = 0;
    bool h1_agrees = false;
    for (const TitleCandidate& other : candidates) {
      if (other.source != candidate.source &&
          TitlesAgree(candidate.key, other.key)) {
        ++votes;
        h1_agrees |= other.source == kH1;
      }
    }
    // "Site | X" is how sites title their own pages ("Site | tagline"):
    // unless an <h1> says X too, the <h1> is the headline.
    if (candidate.site_first && have_h1 && !h1_agrees) votes = -1;
    if (best == nullptr || votes > best_votes ||
        (votes == best_votes &&
         rank(candidate, votes) < rank(*best, best_votes))) {
      best = &candidate;
      best_votes = votes;
    }
  }
  return best->text;
}

// "YYYY-MM-DD" when the numbers make a real date in the years NormalizeDate
// takes, else "".
std::string CivilDate(int year, int month, int day) {
  return NormalizeDate(absl::StrFormat("%04d-%02d-%02d", year, month, day));
}

// The first date written in `text` as pages print it: ISO "2019-11-19",
// "2019/11/19", day-first "19.11.2019", and with a month name "November 19,
// 2019", "19 November 2019", "19. November 2019", "19 de noviembre de
// 2019". "YYYY-MM-DD", or "" when there is none. Slashed day/month orders
// ("11/12/2019") are ambiguous and skipped.
std::string DateInText(absl::string_view text) {
  // Words and numbers, in order, lower case, punctuation dropped.
  std::vector<std::string> tokens;
  std::string lower = absl::AsciiStrToLower(text);
  std::string token;
  auto flush = [&] {
    if (!token.empty()) tokens.push_back(std::move(token));
    token.clear();
  };
  for (size_t i = 0; i < lower.size(); ++i) {
    const char c = lower[i];
    const bool digit = absl::ascii_isdigit(c);
    if (digit || absl::ascii_isalpha(c) ||
        static_cast<unsigned char>(c) >= 0x80) {
      if (!token.empty() && absl::ascii_isdigit(token.back()) != digit) flush();
      token.push_back(c);
      continue;
    }
    // Numeric dates: "2019-11-19", "2019/11/19", "19.11.2019".
    if ((c == '-' || c == '/' || c == '.') && digit == false &&
        !token.empty() && absl::ascii_isdigit(token.back())) {
      size_t start = i - token.size();
      absl::string_view rest(lower.data() + start, lower.size() - start);
      int a = 0, b = 0, y = 0;
      char sep = c;
      size_t used = 0;
      auto number = [&](size_t at, int* value, size_t* length) {
        size_t n = 0;
        int v = 0;
        while (at + n < rest.size() && n < 4 &&
               absl::ascii_isdigit(rest[at + n])) {
          v = v * 10 + (rest[at + n] - '0');
          ++n;
        }
        *value = v;
        *length = n;
        return n > 0;
      };
      size_t l1 = 0, l2 = 0, l3 = 0;
      if (number(0, &a, &l1) && l1 + 1 < rest.size() && rest[l1] == sep &&
          number(l1 + 1, &b, &l2) && l1 + l2 + 1 < rest.size() &&
          rest[l1 + l2 + 1] == sep && number(l1 + l2 + 2, &y, &l3)) {
        used = l1 + l2 + l3 + 2;
        std::string date;
        if (l1 == 4 && sep != '.') date = CivilDate(a, b, y);  // Y-M-D
        if (l3 == 4 && sep == '.') date = CivilDate(y, b, a);  // D.M.Y
        if (!date.empty()) return date;
        i = start + used - 1;
        token.clear();
        continue;
      }
    }
    flush();
  }
  flush();
  auto is_number = [](const std::string& t) {
    return !t.empty() && absl::ascii_isdigit(t[0]);
  };
  for (size_t i = 0; i < tokens.size(); ++i) {
    const int month = MonthOfWord(tokens[i], MonthNames::kEuropean);
    if (month == 0) continue;
    // "November 19, 2019"
    if (i + 2 < tokens.size() && is_number(tokens[i + 1]) &&
        tokens[i + 1].size() <= 2 && is_number(tokens[i + 2]) &&
        tokens[i + 2].size() == 4) {
      std::string date =
          CivilDate(std::stoi(tokens[i + 2]), month, std::stoi(tokens[i + 1]));
      if (!date.empty()) return date;
    }
    // "19 November 2019", "19. November 2019", "19 de noviembre de 2019"
    size_t day_at = i >= 1 && tokens[i - 1] == "de" ? i - 2 : i - 1;
    size_t year_at =
        i + 1 < tokens.size() && tokens[i + 1] == "de" ? i + 2 : i + 1;
    if (i >= 1 && day_at < i && is_number(tokens[day_at]) &&
        tokens[day_at].size() <= 2 && year_at < tokens.size() &&
        is_number(tokens[year_at]) && tokens[year_at].size() == 4) {
      std::string date = CivilDate(std::stoi(tokens[year_at]), month,
                                   std::stoi(tokens[day_at]));
      if (!date.empty()) return date;
    }
  }
  return "";
}

// Labels of a printed date that say it is an update, or the publication.
constexpr absl::string_view kUpdateWords[] = {
    "updated",           "modified",   "aktualisiert", "actualizado",
    "mis \xC3\xA0 jour", "aggiornato", "bijgewerkt"};
constexpr absl::string_view kPublishedWords[] = {"published",
                                                 "posted",
                                                 "ver\xC3\xB6"
                                                 "ffentlicht",
                                                 "publicado",
                                                 "publi\xC3\xA9",
                                                 "pubblicato",
                                                 "gepubliceerd"};

std::string ChooseDate(const PageMeta& meta, const JsonValue* ld) {
  std::vector<std::string> candidates;
  if (ld != nullptr) {
    candidates.push_back(ld->StringOr("datePublished"));
    candidates.push_back(ld->StringOr("dateCreated"));
  }
  for (const char* key :
       {"article:published_time", "datepublished", "og:published_time",
        "published_time", "pubdate", "publishdate", "publish-date",
        "publish_date", "article.published", "dc.date.issued", "dc.date",
        "dcterms.created", "dcterms.date", "sailthru.date", "parsely-pub-date",
        "date", "og:updated_time", "article:modified_time"}) {
    if (const std::string* value = meta.Meta(key)) candidates.push_back(*value);
  }
  candidates.push_back(meta.time_published);
  for (const std::string& datetime : meta.time_datetimes) {
    candidates.push_back(datetime);
  }
  for (const std::string& candidate : candidates) {
    std::string date = NormalizeDate(candidate);
    if (!date.empty()) return date;
  }
  // No machine-readable date: the first one printed where pages print it,
  // other than a date labelled as an update only.
  for (const std::string& text : meta.date_texts) {
    const std::string lower = absl::AsciiStrToLower(text);
    const bool update_only =
        std::any_of(
            std::begin(kUpdateWords), std::end(kUpdateWords),
            [&](absl::string_view w) { return absl::StrContains(lower, w); }) &&
        !std::any_of(
            std::begin(kPublishedWords), std::end(kPublishedWords),
            [&](absl::string_view w) { return absl::StrContains(lower, w); });
    if (update_only) continue;
    // "Updated 9 March · Published 4 March": the date the label introduces.
    for (absl::string_view word : kPublishedWords) {
      size_t at = lower.find(word.data(), 0, word.size());
      if (at == std::string::npos) continue;
      std::string date = DateInText(absl::string_view(text).substr(at));
      if (!date.empty()) return date;
    }
    std::string date = DateInText(text);
    if (!date.empty()) return date;
  }
  return "";
}

std::vector<std::string> ChooseAuthors(const PageMeta& meta,
                                       const JsonValue* ld) {
  std::vector<std::string> authors;
  if (ld != nullptr) {
    if (const JsonValue* author = ld->Find("author")) {
      AddJsonAuthors(*author, &authors);
    }
  }
  if (!authors.empty()) return authors;
  {
    for (const char* key :
         {"author", "article:author", "byl", "dc.creator", "parsely-author",
          "sailthru.author", "twitter:creator"}) {
      for (const auto& [name, content] : meta.metas) {
        if (name == key && !absl::StartsWith(content, "@")) {
          AddAuthor(content, &authors);
        }
      }
      if (!authors.empty()) break;
    }
  }
  if (authors.empty()) {
    for (const std::string& name : meta.dom_authors) AddAuthor(name, &authors);
  }
  // The first visible byline with a person's name in it, also in place of
  // meta tags that name only a desk ("Valley Courier Staff").
  std::vector<std::string> people;
  for (size_t i = 0; people.empty() && i < meta.byline_texts.size(); ++i) {
    AddAuthor(meta.byline_texts[i], &people, /*people_only=*/true);
  }
  const bool names_a_person =
      std::any_of(authors.begin(), authors.end(), LooksLikePersonName);
  return people.empty() || names_a_person ? authors : people;
}

std::string ChooseLanguage(const PageMeta& meta, const JsonValue* ld) {
  std::vector<std::string> candidates = {meta.html_lang};
  if (const std::string* value = meta.Meta("content-language")) {
    candidates.push_back(*value);
  }
  if (ld != nullptr) candidates.push_back(ld->StringOr("inLanguage"));
  if (const std::string* value = meta.Meta("og:locale")) {
    candidates.push_back(*value);
  }
  for (const std::string& candidate : candidates) {
    std::string language = PrimaryLanguage(candidate);
    if (!language.empty()) return language;
  }
  return "";
}

// ---------------------------------------------------------------------------
// JSON-LD articleBody: used when it is real text that the page shows.

std::vector<std::string> Words(absl::string_view text) {
  std::vector<std::string> words;
  std::string word;
  for (char c : text) {
    unsigned char byte = static_cast<unsigned char>(c);
    if (absl::ascii_isalnum(c) || byte >= 0x80) {
      word.push_back(absl::ascii_tolower(c));
    } else if (!word.empty()) {
      words.push_back(std::move(word));
      word.clear();
    }
  }
  if (!word.empty()) words.push_back(std::move(word));
  return words;
}

absl::flat_hash_set<std::string> Trigrams(const std::vector<std::string>& w) {
  absl::flat_hash_set<std::string> grams;
  for (size_t i = 0; i + 2 < w.size(); ++i) {
    grams.insert(absl::StrCat(w[i], " ", w[i + 1], " ", w[i + 2]));
  }
  return grams;
}

// Share of `text`'s word trigrams found in `page`.
double Coverage(const std::vector<std::string>& text,
                const absl::flat_hash_set<std::string>& page) {
  if (text.size() < 3) return 0;
  size_t found = 0;
  size_t total = 0;
  for (size_t i = 0; i + 2 < text.size(); ++i) {
    ++total;
    found += page.contains(
        absl::StrCat(text[i], " ", text[i + 1], " ", text[i + 2]));
  }
  return static_cast<double>(found) / total;
}

std::vector<std::string> SplitParagraphs(absl::string_view text) {
  std::vector<std::string> paragraphs;
  for (absl::string_view line : absl::StrSplit(text, absl::ByAnyChar("\n\r"))) {
    std::string collapsed = Collapse(line);
    if (!collapsed.empty()) paragraphs.push_back(std::move(collapsed));
  }
  return paragraphs;
}

bool LooksLikeMarkup(absl::string_view text) {
  int tags = 0;
  for (absl::string_view tag : {"<p", "<div", "<br", "<a ", "</"}) {
    for (size_t at = 0; (at = text.find(tag, at)) != absl::string_view::npos;
         at += tag.size()) {
      if (++tags > 2) return true;
    }
  }
  return false;
}

// The one block with the most unlinked text, for pages where no container
// scores: a block mostly of links is never taken.
BodyResult BestBlock(const std::vector<Block>& blocks) {
  BodyResult result;
  const Block* best = nullptr;
  for (const Block& block : blocks) {
    int text = block.chars - block.link_chars;
    if (block.link_chars * 2 > block.chars || text < 25) continue;
    if (best == nullptr || text > best->chars - best->link_chars) {
      best = &block;
    }
  }
  if (best != nullptr) {
    result.paragraphs.push_back(best->text);
    result.kept = 1;
  }
  return result;
}

// A strict body shorter than this (in characters) is thin enough that the
// lenient pass is tried too, and taken when it finds kThinBodyGain times as
// much.
constexpr int kThinBodyChars = 200;
constexpr int kThinBodyGain = 3;

// A thin strict body also holds at most this many paragraphs that end a
// sentence: none, only a headline or a label. One sentence is what a short
// news brief looks like, and the unpruned pass would add its comments.
constexpr int kThinBodySentences = 0;

// True when `line` ends in '!' or '?', perhaps before closing quotes or
// brackets.
bool ExclaimsOrAsks(absl::string_view line) {
  static constexpr absl::string_view kClosers[] = {
      "\"", "'", ")", "]", "\xE2\x80\x9D", "\xE2\x80\x99", "\xC2\xBB"};
  line = absl::StripTrailingAsciiWhitespace(line);
  for (bool stripped = true; stripped;) {
    stripped = false;
    for (absl::string_view closer : kClosers) {
      if (absl::ConsumeSuffix(&line, closer)) stripped = true;
    }
  }
  return absl::EndsWith(line, "!") || absl::EndsWith(line, "?");
}

// Paragraphs of `result` that end a sentence; one ending in "!" or "?" only
// when long enough to be one: a headline or a button may ("Ear rings!").
int Sentences(const BodyResult& result) {
  int count = 0;
  for (const std::string& paragraph : result.paragraphs) {
    count +=
        EndsSentence(paragraph) && (!ExclaimsOrAsks(paragraph) ||
                                    CountChars(paragraph) >= kTailProseChars);
  }
  return count;
}

// Characters of all the paragraphs of `result`.
int BodyChars(const BodyResult& result) {
  int chars = 0;
  for (const std::string& paragraph : result.paragraphs) {
    chars += CodePoints(paragraph);
  }
  return chars;
}

enum class Leniency {
  kStrict,   // prune boilerplate, hide <noscript>
  kLenient,  // no pruning, <noscript> shown, else the best single block
};

// The body found in the DOM under `body`; `source` says how. `page_words`
// (may be null) receives the words of all visible text.
BodyResult ExtractFromDom(const Dom& dom, int body, const std::string& title,
                          Leniency leniency, std::string* source,
                          std::vector<std::string>* page_words) {
  const bool lenient = leniency == Leniency::kLenient;
  Tree tree(dom, body, lenient);
  tree.ComputeStats();
  if (page_words != nullptr) *page_words = Words(tree.TextOf(0, false));
  int pruned = lenient ? 0 : PruneBoilerplate(tree);
  tree.ComputeStats();
  int top = PreferHeadlineStory(tree, ChooseTopCandidate(tree), title);
  std::vector<int> content = ChooseContent(tree, top);
  std::vector<int> leads = ChooseLead(tree, content);
  std::vector<int> story = leads;
  story.insert(story.end(), content.begin(), content.end());
  BlockWriter page(tree);
  page.WritePage(story);
  // The lead: the lead step's paragraphs, and what the content holds above
  // its main container (a sibling box, a header holding the standfirst).
  std::vector<int> lead_roots = leads;
  for (int root : content) {
    if (root < top) lead_roots.push_back(root);
  }
  // One pass: roots are disjoint subtrees, so marking nodes is O(tree).
  std::vector<char> lead_node(tree.size(), 0);
  for (int lead : lead_roots) {
    const int lead_end = SubtreeEnd(tree, lead);
    std::fill(lead_node.begin() + lead, lead_node.begin() + lead_end, 1);
  }
  for (Block& block : page.blocks()) {
    // Only lead-like blocks (a standfirst's length, a sentence) fill the
    // set: the writer's short lines and headings above the container stay.
    block.in_lead = block.in_content && block.first_node >= 0 &&
                    lead_node[block.first_node] &&
                    ReadsAsLead(CountChars(block.text), block.text);
  }
  // The rules decide on the content's blocks; each stays tied to its page
  // block by position, never by text (which pruned inline markup changes and
  // other boxes may repeat).
  std::vector<Block> content_blocks;
  std::vector<size_t> content_at;
  for (size_t i = 0; i < page.blocks().size(); ++i) {
    if (!page.blocks()[i].in_content) continue;
    content_blocks.push_back(page.blocks()[i]);
    content_at.push_back(i);
  }
  BodyResult result = FilterBlocks(content_blocks, title);
  AddScorerCandidates(tree, page.blocks(), content_at, title,
                      ScopeOf(tree, content), &result);
  *source = absl::StrFormat(
      "dom%s: %s score %.1f + %d siblings + %d lead; %d blocks kept, "
      "dropped: %d "
      "link-dense, %d furniture, %d title, %d repeated; %d boilerplate "
      "elements pruned",
      lenient ? " (lenient)" : "", Describe(tree, top), tree[top].score,
      static_cast<int>(content.size()) - 1, static_cast<int>(leads.size()),
      result.kept, result.link_dense, result.furniture, result.title,
      result.repeated, pruned);
  if (result.paragraphs.empty() && lenient) {
    BlockWriter all(tree);
    all.Write(0);
    result = BestBlock(all.blocks());
    absl::StrAppend(source, result.kept > 0 ? "; the best single block"
                                            : "; no block has text");
  }
  return result;
}

}  // namespace

std::string ExtractedArticle::Body() const {
  return absl::StrJoin(paragraphs, "\n\n");
}

std::string NormalizeDate(absl::string_view raw) {
  std::string text = Collapse(raw);
  auto digits = [&](size_t at, size_t count, int* value) {
    if (at + count > text.size()) return false;
    int v = 0;
    for (size_t i = at; i < at + count; ++i) {
      if (!absl::ascii_isdigit(text[i])) return false;
      v = v * 10 + (text[i] - '0');
    }
    *value = v;
    return true;
  };
  int year, month, day;
  if (!digits(0, 4, &year) || text.size() < 10 || text[4] != '-' ||
      !digits(5, 2, &month) || text[7] != '-' || !digits(8, 2, &day)) {
    return "";
  }
  // CivilDay normalizes (February 30th becomes March 2nd), so a day that
  // does not exist comes back different.
  const absl::CivilDay civil_day(year, month, day);
  if (year < 1900 || year > 2200 || civil_day.month() != month ||
      civil_day.day() != day) {
    return "";
  }
  std::string date = absl::StrFormat("%04d-%02d-%02d", year, month, day);
  int hour, minute, second = 0;
  size_t at = 10;
  if (at >= text.size() || (text[at] != 'T' && text[at] != ' ') ||
      !digits(at + 1, 2, &hour) || at + 3 >= text.size() ||
      text[at + 3] != ':' || !digits(at + 4, 2, &minute)) {
    return date;
  }
  at += 6;
  if (at < text.size() && text[at] == ':' && digits(at + 1, 2, &second)) {
    at += 3;
  }
  if (at < text.size() && (text[at] == '.' || text[at] == ',')) {
    ++at;
    while (at < text.size() && absl::ascii_isdigit(text[at])) ++at;
  }
  if (at < text.size() && text[at] == ' ') ++at;
  int offset_minutes = 0;
  if (at < text.size() && (text[at] == 'Z' || text[at] == 'z')) {
    // UTC
  } else if (at < text.size() && (text[at] == '+' || text[at] == '-')) {
    int zone_hours, zone_minutes = 0;
    if (!digits(at + 1, 2, &zone_hours)) return date;
    size_t minutes_at = at + 3;
    if (minutes_at < text.size() && text[minutes_at] == ':') ++minutes_at;
    digits(minutes_at, 2, &zone_minutes);
    offset_minutes =
        (zone_hours * 60 + zone_minutes) * (text[at] == '-' ? -1 : 1);
  } else {
    return date;  // a local time without a zone
  }
  if (hour > 23 || minute > 59 || second > 60) return date;
  absl::Time time =
      absl::FromCivil(absl::CivilSecond(year, month, day, hour, minute, second),
                      absl::UTCTimeZone());
  time -= absl::Minutes(offset_minutes);
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", time, absl::UTCTimeZone());
}

absl::StatusOr<ExtractedArticle> ExtractArticle(absl::string_view html,
                                                absl::string_view page_url) {
  return ExtractArticleWithOptions(html, page_url, ExtractOptions());
}

absl::StatusOr<ExtractedArticle> ExtractArticleWithOptions(
    absl::string_view html, absl::string_view page_url,
    const ExtractOptions& options) {
  if (options.candidates != nullptr) options.candidates->clear();
  if (html.size() > kMaxHtmlBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("page of ", html.size(), " bytes is larger than the ",
                     kMaxHtmlBytes, "-byte limit"));
  }
  size_t invalid =
      FirstInvalidUtf8Offset(std::string_view(html.data(), html.size()));
  if (invalid != absl::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        "page is not valid UTF-8 (byte ", invalid, "); convert it first"));
  }
  ExtractedArticle article;
  std::string flattened;
  size_t cut = FlattenDeepNesting(html, kMaxNestingDepth, &flattened);
  if (cut > 0) {
    html = flattened;
    article.notes.push_back(absl::StrCat("markup nested deeper than ",
                                         kMaxNestingDepth, " elements: ", cut,
                                         " start tags flattened"));
  }
  const Dom parsed = Dom::Parse(html);
  PageMeta meta = CollectMeta(parsed);
  const JsonValue* ld = FindJsonLdArticle(meta.json_ld);
  article.title = ChooseTitle(meta, ld);
  article.authors = ChooseAuthors(meta, ld);
  article.published_at = ChooseDate(meta, ld);
  article.language = ChooseLanguage(meta, ld);
  std::string canonical = meta.canonical;
  if (canonical.empty()) {
    if (const std::string* og_url = meta.Meta("og:url")) canonical = *og_url;
  }
  article.canonical_url = canonical.empty() ? std::string(page_url)
                                            : ResolveUrl(page_url, canonical);

  const int body = parsed.Body();
  BodyResult dom;
  std::string dom_source = "no <body>";
  std::vector<std::string> page_words;
  if (body >= 0) {
    dom = ExtractFromDom(parsed, body, article.title, Leniency::kStrict,
                         &dom_source, &page_words);
    // Pruning can remove the whole article (a page wrapped in an unclosed
    // <header>, a page builder naming every block "widget", a page inside
    // <noscript>): rather than reject a page with text, look again without
    // pruning and with <noscript> shown.
    if (dom.paragraphs.empty()) {
      std::string strict_source = std::move(dom_source);
      dom = ExtractFromDom(parsed, body, article.title, Leniency::kLenient,
                           &dom_source, nullptr);
      dom_source = absl::StrCat(dom_source, "; strict pass found nothing (",
                                strict_source, ")");
    } else if (const int strict_chars = BodyChars(dom);
               strict_chars < kThinBodyChars &&
               Sentences(dom) <= kThinBodySentences) {
      // Pruning can also leave only a headline or a caption of such a page;
      // the lenient pass is then taken when it finds several times more.
      std::string lenient_source;
      BodyResult lenient =
          ExtractFromDom(parsed, body, article.title, Leniency::kLenient,
                         &lenient_source, nullptr);
      if (BodyChars(lenient) >= kThinBodyGain * std::max(strict_chars, 1)) {
        dom = std::move(lenient);
        dom_source =
            absl::StrCat(lenient_source, "; strict pass found ", strict_chars,
                         " characters (", dom_source, ")");
      }
    }
  }

  // JSON-LD articleBody, when the page shows that text and it holds more
  // than what the DOM heuristics found (paywalled and script-rendered pages
  // often carry the full text only there).
  std::string ld_body = ld != nullptr ? ld->StringOr("articleBody") : "";
  if (!ld_body.empty() && !LooksLikeMarkup(ld_body)) {
    std::vector<std::string> ld_words = Words(ld_body);
    size_t dom_words = 0;
    for (const std::string& paragraph : dom.paragraphs) {
      dom_words += Words(paragraph).size();
    }
    // Its opening must be on the page (a paywalled page shows at least the
    // lead); this keeps out the JSON-LD of some other article.
    std::vector<std::string> opening(
        ld_words.begin(),
        ld_words.begin() + std::min<size_t>(ld_words.size(), 40));
    double coverage = Coverage(opening, Trigrams(page_words));
    if (ld_words.size() >= 50 && coverage >= 0.6 &&
        ld_words.size() > dom_words * 1.3) {
      article.paragraphs = SplitParagraphs(ld_body);
      article.body_source = absl::StrFormat(
          "json-ld articleBody (%d words, opening %.0f%% on the page; %s "
          "gave %d words)",
          ld_words.size(), coverage * 100, dom_source, dom_words);
      return article;
    }
  }
  if (dom.paragraphs.empty()) {
    return absl::NotFoundError(
        absl::StrCat("no article found: no body text passed the boilerplate "
                     "filters (",
                     dom_source, ")"));
  }
  if (options.candidates != nullptr) *options.candidates = dom.candidates;
  if (options.block_model != nullptr && !dom.candidates.empty()) {
    std::vector<std::string> decided =
        ScorerKeeps(*options.block_model, dom.candidates);
    if (decided != dom.paragraphs) {
      absl::StrAppend(&dom_source, "; the block scorer kept ", decided.size(),
                      " of ", dom.candidates.size(), " blocks (rules ",
                      dom.paragraphs.size(), ")");
      dom.paragraphs = std::move(decided);
    }
  }
  article.paragraphs = std::move(dom.paragraphs);
  article.body_source = std::move(dom_source);
  return article;
}

}  // namespace newsflow::html
