#include "common/html_entities.h"

#include <string>

#include "gtest/gtest.h"

namespace newsflow {
namespace {

std::string Markup(std::string_view text) {
  return DecodeHtmlEntities(text, EntityMode::kMarkup);
}
std::string Scraped(std::string_view text) {
  return DecodeHtmlEntities(text, EntityMode::kScrapedText);
}

TEST(DecodeHtmlEntitiesTest, NamedReferencesInBothModes) {
  for (auto mode : {EntityMode::kMarkup, EntityMode::kScrapedText}) {
    EXPECT_EQ(DecodeHtmlEntities("AT&amp;T caf&eacute; &thetasym;", mode),
              "AT&T caf\xC3\xA9 \xCF\x91");
    EXPECT_EQ(DecodeHtmlEntities("it&apos;s", mode), "it's");
    // No ';', an unknown name, the wrong case: left alone.
    EXPECT_EQ(DecodeHtmlEntities("&copy 2011 AT&T &Amp; &bogus;", mode),
              "&copy 2011 AT&T &Amp; &bogus;");
  }
}

TEST(DecodeHtmlEntitiesTest, NumericReferencesInBothModes) {
  for (auto mode : {EntityMode::kMarkup, EntityMode::kScrapedText}) {
    EXPECT_EQ(DecodeHtmlEntities("it&#8217;s &#x2019; &#X41;", mode),
              "it\xE2\x80\x99s \xE2\x80\x99 A");
    // 0x80-0x9F are Windows-1252.
    EXPECT_EQ(DecodeHtmlEntities("&#146;&#x96;&#129;", mode),
              "\xE2\x80\x99\xE2\x80\x93\xC2\x81");
    EXPECT_EQ(DecodeHtmlEntities("&#8217 s", mode), "\xE2\x80\x99 s");
    EXPECT_EQ(DecodeHtmlEntities("& &# &#x;", mode), "& &# &#x;");
  }
}

TEST(DecodeHtmlEntitiesTest, MarkupReadsNumericReferencesLikeABrowser) {
  EXPECT_EQ(Markup("&#39s"), "'s");
  EXPECT_EQ(Markup("&#0; &#xD800; &#x110000; &#99999999999;"),
            "\xEF\xBF\xBD \xEF\xBF\xBD \xEF\xBF\xBD \xEF\xBF\xBD");
  EXPECT_EQ(Markup("&#0000000065;"), "A");
}

TEST(DecodeHtmlEntitiesTest, ScrapedTextDecodesOnlyUnambiguousNumbers) {
  EXPECT_EQ(Scraped("&#39s"), "&#39s");
  EXPECT_EQ(Scraped("&#0; &#xD800; &#x110000;"), "&#0; &#xD800; &#x110000;");
  EXPECT_EQ(Scraped("&#0000000065;"), "&#0000000065;");
}

TEST(DecodeHtmlEntitiesTest, OnlyScrapedTextDecodesTwice) {
  EXPECT_EQ(Scraped("&amp;#8217;"), "\xE2\x80\x99");
  EXPECT_EQ(Markup("&amp;#8217;"), "&#8217;");
  EXPECT_EQ(Markup("&amp;lt;"), "&lt;");
}

TEST(DecodeHtmlEntitiesTest, CountsDecodedReferences) {
  int decoded = -1;
  EXPECT_EQ(DecodeHtmlEntities("plain", EntityMode::kScrapedText, &decoded),
            "plain");
  EXPECT_EQ(decoded, 0);
  DecodeHtmlEntities("&amp;amp; &lt;", EntityMode::kScrapedText, &decoded);
  EXPECT_EQ(decoded, 3);
  DecodeHtmlEntities("&amp;amp; &lt;", EntityMode::kMarkup, &decoded);
  EXPECT_EQ(decoded, 2);
}

}  // namespace
}  // namespace newsflow
