// Tests of the clean stage's text repairs: HTML entities, mojibake, the
// quote policy, and the vocabulary that decides print hyphenation. Every
// test string is our own invention.
#include <filesystem>
#include <fstream>
#include <string>

#include "common/html_entities.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "newsflow/v1/article.pb.h"
#include "stages/clean/cleaner.h"
#include "stages/clean/hyphenation.h"
#include "stages/clean/mojibake.h"
#include "stages/clean/quotes.h"
#include "stages/clean/vocabulary.h"

namespace newsflow {
namespace clean {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// ’ “ ” ‘ é in UTF-8.
constexpr char kRsquo[] = "\xE2\x80\x99";
constexpr char kLdquo[] = "\xE2\x80\x9C";
constexpr char kRdquo[] = "\xE2\x80\x9D";
constexpr char kLsquo[] = "\xE2\x80\x98";

std::string Decode(std::string_view text, int* count = nullptr) {
  return DecodeHtmlEntities(text, EntityMode::kScrapedText, count);
}

TEST(HtmlEntitiesTest, DecodesNamedAndNumericReferences) {
  int count = 0;
  EXPECT_EQ(Decode("Tide &amp; Harbor Co. said it&#8217;s caf&eacute; "
                   "time &#x2014; &quot;again&quot;",
                   &count),
            std::string("Tide & Harbor Co. said it") + kRsquo +
                "s caf\xC3\xA9 time \xE2\x80\x94 \"again\"");
  EXPECT_EQ(count, 6);
  EXPECT_EQ(Decode("&lt;b&gt; &apos;x&apos; &nbsp;"), "<b> 'x' \xC2\xA0");
}

TEST(HtmlEntitiesTest,
     ReadsNumericReferencesInTheWindows1252RangeAsBrowsersDo) {
  // 146 is U+0092 in Unicode but "’" in Windows-1252, which is what the
  // page meant.
  EXPECT_EQ(Decode("it&#146;s &#150; 5&#128;"),
            std::string("it") + kRsquo + "s \xE2\x80\x93 5\xE2\x82\xAC");
}

TEST(HtmlEntitiesTest, DecodesDoubleEscapingOnce) {
  EXPECT_EQ(Decode("it&amp;#8217;s AT&amp;amp;T"),
            std::string("it") + kRsquo + "s AT&T");
}

TEST(HtmlEntitiesTest, LeavesWhatIsNoReferenceAlone) {
  int count = 0;
  for (std::string_view text :
       {"AT&T and R&D", "&copy 2011 (no semicolon)", "&notanentity;",
        "&#0; &#xD800; &#1114112;", "Q&A; a & b", "&#12a;", "&", "&#;"}) {
    SCOPED_TRACE(text);
    EXPECT_EQ(Decode(text, &count), text);
    EXPECT_EQ(count, 0);
  }
  // A numeric reference may drop its semicolon before a space.
  EXPECT_EQ(Decode("&#163 5"), "\xC2\xA3 5");
}

TEST(MojibakeTest, ReversesUtf8ReadAsWindows1252) {
  int count = 0;
  // "’" read as Windows-1252 is "â€™"; "é" is "Ã©"; "©" is "Â©".
  EXPECT_EQ(RepairMojibake("the mayorâ€™s cafÃ© Â© 2020", &count),
            std::string("the mayor") + kRsquo + "s caf\xC3\xA9 \xC2\xA9 2020");
  EXPECT_EQ(count, 3);
  // “quoted” with the closing quote's undefined byte 0x9D kept as a C1
  // control, as lenient decoders do.
  EXPECT_EQ(RepairMojibake("\xC3\xA2\xE2\x82\xAC\xC5\x93hi\xC3\xA2\xE2\x82\xAC"
                           "\xC2\x9D"),
            std::string(kLdquo) + "hi" + kRdquo);
}

TEST(MojibakeTest, RepairsTextMangledTwice) {
  // "’" mis-decoded twice.
  int count = 0;
  EXPECT_EQ(RepairMojibake("it\xC3\x83\xC2\xA2\xC3\xA2\xE2\x80\x9A\xC2\xAC"
                           "\xC3\xA2\xE2\x80\x9E\xC2\xA2s",
                           &count),
            std::string("it") + kRsquo + "s");
  EXPECT_GT(count, 1);
}

TEST(MojibakeTest, LeavesRealTextAlone) {
  int count = 0;
  for (std::string_view text : {
           "Fu\xC3\x9F\xC2\xAB",  // "Fuß«": would decode to a combining mark
           "S\xC3\xA3o Paulo \xC3\xA0 la caf\xC3\xA9",  // São Paulo à la café
           "\xC3\x83 alone",                            // a lone "Ã"
           "plain ASCII text",
           "\xE2\x80\x9C"
           "Curly\xE2\x80\x9D and \xE2\x82\xAC"
           "5",
       }) {
    SCOPED_TRACE(text);
    EXPECT_EQ(RepairMojibake(text, &count), text);
    EXPECT_EQ(count, 0);
  }
}

TEST(QuotesTest, FindsTheDominantStyle) {
  EXPECT_EQ(DominantQuoteStyle("no quotes at all"), QuoteStyle::kAsWritten);
  EXPECT_EQ(DominantQuoteStyle("\"Go,\" she said. It's late."),
            QuoteStyle::kAscii);
  EXPECT_EQ(DominantQuoteStyle(std::string(kLdquo) + "Go," + kRdquo +
                               " she said. It's late."),
            QuoteStyle::kTypographic);
}

TEST(QuotesTest, PlacesTypographicQuotesByContext) {
  EXPECT_EQ(ApplyQuoteStyle("\"We won,\" she said. 'Twas the team's "
                            "year, the '90s (\"golden\") era.",
                            QuoteStyle::kTypographic),
            std::string(kLdquo) + "We won," + kRdquo + " she said. " + kLsquo +
                "Twas the team" + kRsquo + "s year, the " + kRsquo + "90s (" +
                kLdquo + "golden" + kRdquo + ") era.");
  // An accent standing for an apostrophe.
  EXPECT_EQ(ApplyQuoteStyle("don\xC2\xB4t won`t", QuoteStyle::kTypographic),
            std::string("don") + kRsquo + "t won" + kRsquo + "t");
}

TEST(QuotesTest, StraightensQuotes) {
  EXPECT_EQ(ApplyQuoteStyle(std::string(kLdquo) + "It" + kRsquo + "s " +
                                kLsquo + "fine" + kRsquo + kRdquo +
                                " \xE2\x80\x9Ex\xE2\x80\x9C",
                            QuoteStyle::kAscii),
            "\"It's 'fine'\" \"x\"");
  EXPECT_EQ(ApplyQuoteStyle("a \"b\" c", QuoteStyle::kAsWritten), "a \"b\" c");
}

TEST(QuotesTest, ReadsMarksByTheirBytesAtAnyPosition) {
  // A curly quote cut short at the end, other E2 and C2 sequences (em
  // dash, pound sign) and a lone accent are no marks; the first mark to
  // rewrite may come late, after marks that stay.
  EXPECT_EQ(DominantQuoteStyle("x \xE2\x80", "\xE2\x80\x94 \xC2\xA3"),
            QuoteStyle::kAsWritten);
  EXPECT_EQ(DominantQuoteStyle("It's", std::string(kRsquo) + kLdquo),
            QuoteStyle::kTypographic);
  EXPECT_EQ(ApplyQuoteStyle("\xC2\xA3"
                            "5 \xE2\x80\x94 it's \xE2\x80",
                            QuoteStyle::kAscii),
            "\xC2\xA3"
            "5 \xE2\x80\x94 it's \xE2\x80");
  EXPECT_EQ(ApplyQuoteStyle("\xE2\x80\x94 it's " + std::string(kRdquo),
                            QuoteStyle::kAscii),
            "\xE2\x80\x94 it's \"");
  EXPECT_EQ(ApplyQuoteStyle(std::string(kLdquo) + "a\xC2\xB4"
                                                  "b",
                            QuoteStyle::kTypographic),
            std::string(kLdquo) + "a" + kRsquo + "b");
}

TEST(QuotesTest, CleanerMakesStrayQuotesMatchTheArticle) {
  v1::Article article;
  article.set_title("Harbor vote");
  // Five typographic marks, three straight ones: the straight ones follow.
  const std::string opening = std::string(kLdquo) + "We are ready," + kRdquo +
                              " the mayor said. " + kLdquo + "It" + kRsquo +
                              "s time." + kRdquo;
  article.set_body(opening + "\n\nThe council's vote is \"final\".");
  ASSERT_TRUE(CleanArticle({}, &article).ok());
  EXPECT_EQ(article.body(), opening + "\n\nThe council" + kRsquo +
                                "s vote is " + kLdquo + "final" + kRdquo + ".");
  CleanerOptions ascii;
  ascii.quotes = QuotePolicy::kAscii;
  v1::Article straight;
  straight.set_title("Harbor vote");
  straight.set_body(std::string(kLdquo) + "Ready," + kRdquo + " she said.");
  ASSERT_TRUE(CleanArticle(ascii, &straight).ok());
  EXPECT_EQ(straight.body(), "\"Ready,\" she said.");
}

TEST(CleanRepairTest, RepairsEntitiesAndMojibakeAndSaysSo) {
  v1::Article article;
  article.set_title("Caf\xC3\x83\xC2\xA9 reopens &amp; hires");
  article.set_body(
      "The owner\xC3\xA2\xE2\x82\xAC\xE2\x84\xA2s plan worked, "
      "she said on Monday.");
  ASSERT_TRUE(CleanArticle({}, &article).ok());
  EXPECT_EQ(article.title(), "Caf\xC3\xA9 reopens & hires");
  EXPECT_EQ(article.body(), std::string("The owner") + kRsquo +
                                "s plan worked, she said on Monday.");
  EXPECT_THAT(article.warnings(),
              ElementsAre(HasSubstr("repaired 2 mojibake character")));

  CleanerOptions off;
  off.decode_entities = false;
  off.repair_mojibake = false;
  v1::Article untouched;
  untouched.set_title("Tom &amp; Jerry");
  untouched.set_body(
      "It\xC3\xA2\xE2\x82\xAC\xE2\x84\xA2s on Monday, she said.");
  ASSERT_TRUE(CleanArticle(off, &untouched).ok());
  EXPECT_EQ(untouched.title(), "Tom &amp; Jerry");
  EXPECT_THAT(untouched.body(), HasSubstr("\xC3\xA2\xE2\x82\xAC"));
  EXPECT_THAT(untouched.warnings(), IsEmpty());
}

TEST(VocabularyTest, ParsesCountsAndBareWords) {
  auto vocabulary = Vocabulary::Parse(
      "# comment\nHarbor\t12\nferry\t3\n\nquay\nferry\t2\r\n");
  ASSERT_TRUE(vocabulary.ok()) << vocabulary.status();
  EXPECT_EQ((*vocabulary)->Count("harbor"), 12);  // lowercased
  EXPECT_EQ((*vocabulary)->Count("ferry"), 5);
  EXPECT_EQ((*vocabulary)->Count("quay"), 1);
  EXPECT_EQ((*vocabulary)->Count("dock"), 0);
  EXPECT_EQ((*vocabulary)->size(), 3u);

  auto bad = Vocabulary::Parse("harbor\t12\nferry\tmany\n");
  EXPECT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("line 2"));
  auto missing = Vocabulary::Load("/nonexistent/words.tsv");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(missing.status().message()),
              HasSubstr("/nonexistent/words.tsv"));
}

TEST(VocabularyTest, BuiltInEnglishListKnowsWordsAndCompounds) {
  std::shared_ptr<const Vocabulary> english = Vocabulary::English();
  EXPECT_GT(english->size(), 20000u);
  EXPECT_GT(english->Count("security"), 0);
  EXPECT_GT(english->Count("well-known"), 0);
  EXPECT_EQ(english->Count("wellknown"), 0);
  EXPECT_EQ(english->Count("secu"), 0);
  EXPECT_EQ(Vocabulary::English().get(), english.get());  // parsed once
}

TEST(VocabularyHyphenationTest, TheWordListDecides) {
  const Vocabulary& english = *Vocabulary::English();
  EXPECT_EQ(JoinHyphenation("the UN Secu- rity Council", &english),
            "the UN Security Council");
  EXPECT_EQ(JoinHyphenation("a well- known skipper", &english),
            "a well-known skipper");
  EXPECT_EQ(JoinHyphenation("a long- term plan", &english), "a long-term plan");
  // Two words the list knows, as a compound it does not: the hyphen stays.
  EXPECT_EQ(JoinHyphenation("a harbor- funded survey", &english),
            "a harbor-funded survey");
  // Fragments it knows neither way fall back to the rules.
  EXPECT_EQ(JoinHyphenation("the zorb- lings", &english), "the zorblings");
}

TEST(VocabularyHyphenationTest, TheMoreFrequentFormWins) {
  auto joined = Vocabulary::Parse("cooperation\t50\nco-operation\t5\n");
  auto hyphenated = Vocabulary::Parse("cooperation\t5\nco-operation\t50\n");
  ASSERT_TRUE(joined.ok() && hyphenated.ok());
  EXPECT_EQ(JoinHyphenation("more co- operation", joined->get()),
            "more cooperation");
  EXPECT_EQ(JoinHyphenation("more co- operation", hyphenated->get()),
            "more co-operation");
  // Without a list, the built-in rules keep "co-" compounds.
  EXPECT_EQ(JoinHyphenation("more co- operation"), "more co-operation");
}

TEST(VocabularyHyphenationTest, CleanerUsesAConfiguredList) {
  const std::filesystem::path path =
      std::filesystem::temp_directory_path() / "clean_vocabulary_test.txt";
  std::ofstream(path) << "harborage\n";
  auto vocabulary = Vocabulary::Load(path.string());
  std::filesystem::remove(path);
  ASSERT_TRUE(vocabulary.ok()) << vocabulary.status();
  CleanerOptions options;
  options.vocabulary = *vocabulary;
  v1::Article article;
  article.set_title("Moorings");
  article.set_body("The harbor- age fee rose on Monday, the port said.");
  ASSERT_TRUE(CleanArticle(options, &article).ok());
  EXPECT_EQ(article.body(), "The harborage fee rose on Monday, the port said.");
}

}  // namespace
}  // namespace clean
}  // namespace newsflow
