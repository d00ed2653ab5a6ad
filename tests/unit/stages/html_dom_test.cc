// The DOM that extraction reads (html/dom.h, libxml2's HTML parser through
// SAX), on the places where an HTML4-era recovering parser and an HTML5
// tree builder can differ: encodings, misnested and unknown elements,
// <template>, <noscript>, raw text, void elements, NUL bytes. The pages are
// our own writing.
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "stages/ingest/html/dom.h"
#include "stages/ingest/html/extract.h"

namespace newsflow::html {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

// All text under `index`, in document order, pieces joined by '|'.
std::string TextUnder(const Dom& dom, int index) {
  std::vector<std::string> pieces;
  std::vector<int> stack = {index};
  while (!stack.empty()) {
    int at = stack.back();
    stack.pop_back();
    if (dom[at].is_text) pieces.push_back(dom[at].text);
    const std::vector<int>& children = dom[at].children;
    for (size_t i = children.size(); i > 0; --i)
      stack.push_back(children[i - 1]);
  }
  return absl::StrJoin(pieces, "|");
}

// The first element named `name` in document order, else -1.
int Find(const Dom& dom, const std::string& name) {
  for (int i = 0; i < dom.size(); ++i) {
    if (!dom[i].is_text && dom[i].name == name) return i;
  }
  return -1;
}

TEST(HtmlDomTest, TextStaysUtf8WhateverCharsetThePageDeclares) {
  // The caller has already converted the page: a declared charset must not
  // make the parser read the UTF-8 bytes again as Latin-1.
  Dom declared = Dom::Parse(
      "<html><head><meta charset=\"iso-8859-1\"></head>"
      "<body><p>Gr\xC3\xBC\xC3\x9F"
      "e aus \xE6\x9D\xB1\xE4\xBA\xAC</p></body>");
  EXPECT_EQ(TextUnder(declared, Find(declared, "p")),
            "Gr\xC3\xBC\xC3\x9F"
            "e aus \xE6\x9D\xB1\xE4\xBA\xAC");
  Dom undeclared = Dom::Parse("<p>caf\xC3\xA9 \xE2\x80\x94 ok</p>");
  EXPECT_EQ(TextUnder(undeclared, Find(undeclared, "p")),
            "caf\xC3\xA9 \xE2\x80\x94 ok");
}

TEST(HtmlDomTest, EntitiesAreDecodedInTextAndAttributes) {
  Dom dom = Dom::Parse(
      "<p title=\"Fish &amp; chips\">caf&eacute; &#8217;n&#x2019; "
      "&lt;tag&gt;</p>");
  int p = Find(dom, "p");
  EXPECT_STREQ(dom.Attribute(p, "title"), "Fish & chips");
  EXPECT_EQ(TextUnder(dom, p), "caf\xC3\xA9 \xE2\x80\x99n\xE2\x80\x99 <tag>");
}

TEST(HtmlDomTest, ReferencesToC1ControlsAreWindows1252AsInHtml5) {
  Dom dom =
      Dom::Parse("<p title=\"&#128;5\">9&#150;5 &#147;quoted&#148; &#x85;</p>");
  int p = Find(dom, "p");
  EXPECT_STREQ(dom.Attribute(p, "title"),
               "\xE2\x82\xAC"
               "5");
  EXPECT_EQ(TextUnder(dom, p),
            "9\xE2\x80\x93"
            "5 \xE2\x80\x9Cquoted\xE2\x80\x9D \xE2\x80\xA6");
}

TEST(HtmlDomTest, NulBytesAreDroppedAndTheRestIsKept) {
  std::string page = "<p>before";
  page.push_back('\0');
  page += "after</p><p>second paragraph</p>";
  Dom dom = Dom::Parse(page);
  EXPECT_EQ(TextUnder(dom, dom.Body()), "beforeafter|second paragraph");
}

TEST(HtmlDomTest, MisnestedInlineTagsKeepAllTextInOrder) {
  Dom dom = Dom::Parse(
      "<body><p>plain <b>bold <i>both</b> italic</i> tail</p>"
      "<div><span>open span <p>para in span</div><p>after</p></body>");
  std::string text = TextUnder(dom, dom.Body());
  for (const char* piece : {"plain ", "bold ", "both", " italic", " tail",
                            "open span ", "para in span", "after"}) {
    EXPECT_THAT(text, HasSubstr(piece));
  }
  EXPECT_LT(text.find("plain"), text.find("tail"));
  EXPECT_LT(text.find("tail"), text.find("para in span"));
  EXPECT_LT(text.find("para in span"), text.find("after"));
}

TEST(HtmlDomTest, BlockEndTagsCloseWhatTheyEncloseAsInHtml5) {
  // libxml2 alone ignores </header> while a <div> inside it is open, so
  // everything after the header would be in it.
  Dom dom = Dom::Parse(
      "<body><header><div class=\"menu\"><a href=/>Home</a></header>"
      "<article><p>story</p></article></body>");
  int article = Find(dom, "article");
  ASSERT_GE(article, 0);
  EXPECT_EQ(dom[dom[article].parent].tag, Tag::kBody);
  EXPECT_EQ(TextUnder(dom, Find(dom, "header")), "Home");
  // Never across a table cell: </section> inside a cell whose <section>
  // is outside the table closes nothing.
  Dom table = Dom::Parse(
      "<body><section><table><tr><td><div>cell</section> more</td></tr>"
      "</table><p>in section</p></section></body>");
  int p = Find(table, "p");
  ASSERT_GE(p, 0);
  EXPECT_EQ(table[table[p].parent].tag, Tag::kSection);
  EXPECT_EQ(TextUnder(table, Find(table, "td")), "cell more");
}

TEST(HtmlDomTest, UnknownAndHtml5ElementsHoldWhatTheyEnclose) {
  Dom dom = Dom::Parse(
      "<body><main><article><my-widget data-x=\"1\">inside widget"
      "</my-widget><section><p>para</p></section></article></main></body>");
  int widget = Find(dom, "my-widget");
  ASSERT_GE(widget, 0);
  EXPECT_EQ(dom[widget].tag, Tag::kUnknown);
  EXPECT_EQ(dom[dom[widget].parent].tag, Tag::kArticle);
  EXPECT_EQ(TextUnder(dom, widget), "inside widget");
  int section = Find(dom, "section");
  EXPECT_EQ(dom[section].tag, Tag::kSection);
  EXPECT_EQ(dom[dom[section].parent].tag, Tag::kArticle);
  EXPECT_EQ(dom[dom[Find(dom, "article")].parent].tag, Tag::kMain);
}

TEST(HtmlDomTest, TemplateAndNoscriptHoldParsedMarkup) {
  Dom dom = Dom::Parse(
      "<body><template><p>templated</p></template>"
      "<noscript><p>no script</p></noscript><p>shown</p></body>");
  int template_element = Find(dom, "template");
  ASSERT_GE(template_element, 0);
  EXPECT_EQ(dom[template_element].tag, Tag::kTemplate);
  EXPECT_EQ(TextUnder(dom, template_element), "templated");
  int noscript = Find(dom, "noscript");
  ASSERT_GE(noscript, 0);
  ASSERT_EQ(dom[noscript].children.size(), 1u);
  EXPECT_EQ(dom[dom[noscript].children[0]].tag, Tag::kP);
}

TEST(HtmlDomTest, ScriptTextEndsOnlyAtItsEndTag) {
  Dom dom = Dom::Parse(
      "<body><script type=\"application/ld+json\">{\"a\": \"<p>x</p> 1 < 2\"}"
      "</script><p>after</p></body>");
  int script = Find(dom, "script");
  EXPECT_EQ(TextUnder(dom, script), "{\"a\": \"<p>x</p> 1 < 2\"}");
  EXPECT_EQ(TextUnder(dom, Find(dom, "p")), "after");
}

TEST(HtmlDomTest, VoidElementsHoldNothing) {
  Dom dom = Dom::Parse(
      "<body><p>one<br>two<img src=a.png>three<hr>four<wbr>five</p></body>");
  for (int i = 0; i < dom.size(); ++i) {
    if (dom[i].name == "br" || dom[i].name == "img" || dom[i].name == "hr") {
      EXPECT_TRUE(dom[i].children.empty()) << dom[i].name;
    }
  }
  EXPECT_THAT(TextUnder(dom, dom.Body()), HasSubstr("five"));
}

TEST(HtmlDomTest, AttributesAreLowerCaseFirstWinsAndBareOnesAreEmpty) {
  Dom dom = Dom::Parse(
      "<div CLASS=\"Lead\" class=\"second\" hidden data-note='q'>x</div>");
  int div = Find(dom, "div");
  ASSERT_GE(div, 0);
  EXPECT_STREQ(dom.Attribute(div, "class"), "Lead");
  EXPECT_STREQ(dom.Attribute(div, "hidden"), "");
  EXPECT_STREQ(dom.Attribute(div, "data-note"), "q");
  EXPECT_EQ(dom.Attribute(div, "id"), nullptr);
}

TEST(HtmlDomTest, EveryInputHasADocumentToWalk) {
  for (const char* page : {"", "just words", "<!-- only a comment -->",
                           "</p></div></body>", "<html>", "<<<>>>"}) {
    Dom dom = Dom::Parse(page);
    ASSERT_GE(dom.size(), 1) << page;
    EXPECT_FALSE(dom[0].is_text) << page;
  }
  Dom words = Dom::Parse("just words");
  ASSERT_GE(words.Body(), 0);
  EXPECT_EQ(TextUnder(words, words.Body()), "just words");
}

TEST(HtmlDomTest, NestingToTheExtractorsLimitIsKept) {
  std::string page = "<body>";
  for (int i = 0; i < kMaxNestingDepth; ++i) page += "<div>";
  page += "deep text";
  Dom dom = Dom::Parse(page);
  int deepest = -1;
  for (int i = 0; i < dom.size(); ++i) {
    if (dom[i].is_text) deepest = i;
  }
  ASSERT_GE(deepest, 0);
  EXPECT_EQ(dom[deepest].text, "deep text");
  int depth = 0;
  for (int at = dom[deepest].parent; at > 0; at = dom[at].parent) ++depth;
  EXPECT_GE(depth, kMaxNestingDepth);
}

// The same quirks through the whole extractor.
std::string Paragraph(int n) {
  return absl::StrCat(
      "The harbour committee met for the ", n,
      "th time this spring to weigh the plan for the old grain quay, and its "
      "members agreed that the repairs could not wait another winter.");
}

TEST(HtmlExtractQuirksTest, MisnestedMarkupLosesNoParagraph) {
  std::string page =
      absl::StrCat("<html><body><div class=\"story\"><p><b>", Paragraph(1),
                   "<p>", Paragraph(2), "</b></p><p><i>", Paragraph(3),
                   "</div><p>", Paragraph(4), "</i></p></div></body></html>");
  absl::StatusOr<ExtractedArticle> article = ExtractArticle(page, "");
  ASSERT_TRUE(article.ok()) << article.status();
  std::string body = article->Body();
  for (int n = 1; n <= 4; ++n) {
    EXPECT_THAT(body, HasSubstr(Paragraph(n))) << n;
  }
}

TEST(HtmlExtractQuirksTest, UnclosedDivInTheHeaderDoesNotSwallowThePage) {
  std::string page = absl::StrCat(
      "<html><body><header><nav><div class=\"menu\"><a href=/a>Politics</a> "
      "<a href=/b>Sport</a></nav></header><article><p>",
      Paragraph(1), "</p><p>", Paragraph(2), "</p></article></body></html>");
  absl::StatusOr<ExtractedArticle> article = ExtractArticle(page, "");
  ASSERT_TRUE(article.ok()) << article.status();
  EXPECT_THAT(article->paragraphs, ElementsAre(Paragraph(1), Paragraph(2)));
  EXPECT_THAT(article->body_source, Not(HasSubstr("lenient")));
}

TEST(HtmlExtractQuirksTest, TemplateContentIsNeverBody) {
  std::string page = absl::StrCat(
      "<html><body><article><p>", Paragraph(1), "</p><p>", Paragraph(2),
      "</p><template><p>A templated card the script clones later, long enough "
      "to be a paragraph of its own if it were ever shown.</p></template>"
      "</article></body></html>");
  absl::StatusOr<ExtractedArticle> article = ExtractArticle(page, "");
  ASSERT_TRUE(article.ok()) << article.status();
  EXPECT_THAT(article->Body(), Not(HasSubstr("templated card")));
  EXPECT_THAT(article->paragraphs, ElementsAre(Paragraph(1), Paragraph(2)));
}

TEST(HtmlExtractQuirksTest, NoscriptIsHiddenWhenThePageHasAnArticle) {
  std::string page =
      absl::StrCat("<html><body><article><p>", Paragraph(1),
                   "</p><noscript><p>Please "
                   "turn on scripts to see the comments below this article.</p>"
                   "</noscript><p>",
                   Paragraph(2), "</p></article></body></html>");
  absl::StatusOr<ExtractedArticle> article = ExtractArticle(page, "");
  ASSERT_TRUE(article.ok()) << article.status();
  EXPECT_THAT(article->Body(), Not(HasSubstr("turn on scripts")));
}

TEST(HtmlExtractQuirksTest, UnknownElementsCountAsContainers) {
  // A custom element wrapping the story is a container like a <div>; its
  // name is among the names that pruning reads.
  std::string page = absl::StrCat(
      "<html><body><story-body><p>", Paragraph(1), "</p><p>", Paragraph(2),
      "</p></story-body><share-bar><p>Share this on your favourite network "
      "today.</p></share-bar></body></html>");
  absl::StatusOr<ExtractedArticle> article = ExtractArticle(page, "");
  ASSERT_TRUE(article.ok()) << article.status();
  EXPECT_THAT(article->paragraphs, ElementsAre(Paragraph(1), Paragraph(2)));
}

TEST(HtmlExtractQuirksTest, HeadElementsInTheBodyStillGiveMetadata) {
  // HTML4 parsing leaves a <meta> or <title> written in the body where it
  // is; metadata is read from the whole document.
  std::string page = absl::StrCat(
      "<html><body><title>Quay repairs approved</title>"
      "<meta property=\"article:published_time\" "
      "content=\"2024-03-05T10:00:00Z\"><article><p>",
      Paragraph(1), "</p></article></body></html>");
  absl::StatusOr<ExtractedArticle> article = ExtractArticle(page, "");
  ASSERT_TRUE(article.ok()) << article.status();
  EXPECT_EQ(article->title, "Quay repairs approved");
  EXPECT_EQ(article->published_at, "2024-03-05T10:00:00Z");
}

}  // namespace
}  // namespace newsflow::html
