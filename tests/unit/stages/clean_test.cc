// Tests of the clean stage: the pure building blocks (text repair,
// hyphenation, line classification), the whole cleaner on small invented
// scraped articles, the stage through its C ABI, and, when ../shared is
// present, the annotated seed articles and the BBC corpus.
//
// Every article text here is our own invention.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "clean_options.pb.h"
#include "common/text.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "newsflow/stage_plugin.h"
#include "newsflow/v1/article.pb.h"
#include "stages/clean/article_facts.h"
#include "stages/clean/boilerplate.h"
#include "stages/clean/clean_stage.h"
#include "stages/clean/cleaner.h"
#include "stages/clean/hyphenation.h"
#include "stages/clean/line_model.h"
#include "stages/clean/line_stats.h"
#include "stages/clean/text_repair.h"
#include "tests/unit/stages/clean_test_util.h"

namespace newsflow {
namespace clean {
namespace {

using ::testing::_;
using ::testing::AnyOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Ne;
using ::testing::Not;
using ::testing::Pair;
using ::testing::StartsWith;

std::string Repair(std::string_view text, bool normalize_unicode = true) {
  absl::StatusOr<std::string> repaired = RepairText(text, normalize_unicode);
  EXPECT_TRUE(repaired.ok()) << repaired.status();
  return repaired.ok() ? *repaired : std::string();
}

v1::Article MakeArticle(std::string title, std::string body) {
  v1::Article article;
  article.set_id("test-article");
  article.set_title(std::move(title));
  article.set_body(std::move(body));
  return article;
}

v1::Article Clean(v1::Article article, const CleanerOptions& options = {}) {
  absl::Status status = CleanArticle(options, &article);
  EXPECT_TRUE(status.ok()) << status;
  return article;
}

std::vector<std::string> Paragraphs(const std::string& body) {
  std::vector<std::string> paragraphs;
  size_t pos = 0;
  while (pos <= body.size() && !body.empty()) {
    size_t end = body.find("\n\n", pos);
    if (end == std::string::npos) end = body.size();
    paragraphs.push_back(body.substr(pos, end - pos));
    pos = end + 2;
  }
  return paragraphs;
}

std::vector<std::pair<std::string, std::string>> Removed(
    const v1::Article& article) {
  std::vector<std::pair<std::string, std::string>> removed;
  for (const v1::RemovedLine& line : article.removed()) {
    removed.emplace_back(line.text(), line.reason());
  }
  return removed;
}

// ---------------------------------------------------------------------------
// Text repair

TEST(RepairTextTest, NormalizesLineEndingsSpacesAndBlankLines) {
  EXPECT_EQ(Repair("  Ferry \t fares  rise \r\nagain\rtoday  \r\n\r\n\r\n\r\n"
                   "Second   paragraph.\n \n\t\nThird.  "),
            "Ferry fares rise\nagain\ntoday\n\nSecond paragraph.\n\nThird.");
}

TEST(RepairTextTest, CopiesSingleSpacesInsideRunsOfProse) {
  // Runs of visible ASCII are copied through single spaces; a space before
  // a line break, a control character, another space or the end is not.
  EXPECT_EQ(Repair(" One two \nthree four\x01 five  six \x7F seven end "),
            "One two\nthree four five six seven end");
  EXPECT_EQ(Repair("a b c\r\nd e\t f"), "a b c\nd e f");
}

TEST(RepairTextTest, RepairsSpacesAtEveryOffsetOfALongLine) {
  // The prose scan reads 16 bytes per step: each kind of space lands at
  // every place in and across its blocks.
  for (size_t at = 1; at < 40; ++at) {
    SCOPED_TRACE(at);
    const std::string head(at, 'a');
    const std::string tail(40 - at, 'b');
    EXPECT_EQ(Repair(head + " " + tail), head + " " + tail);
    EXPECT_EQ(Repair(head + "  " + tail), head + " " + tail);
    EXPECT_EQ(Repair(head + " \t" + tail), head + " " + tail);
    EXPECT_EQ(Repair(head + " \n" + tail), head + "\n" + tail);
    EXPECT_EQ(Repair(head + "\xC2\xA0" + tail), head + " " + tail);
    EXPECT_EQ(Repair(head + "\x7F " + tail), head + " " + tail);
    EXPECT_EQ(Repair(head + " "), head);
  }
}

TEST(RepairTextTest, RemovesInvisibleCharactersAndUnicodeSpaces) {
  // no-break space, thin space, zero-width space, soft hyphen, BOM.
  EXPECT_EQ(Repair("\xEF\xBB\xBFPort\xC2\xA0"
                   "fees\xE2\x80\x89rose\xE2\x80\x8B "
                   "sharp\xC2\xADly"),
            "Port fees rose sharply");
  // Without Unicode normalization only the ASCII layout is repaired.
  EXPECT_EQ(Repair("Port\xC2\xA0"
                   "fees  rose",
                   /*normalize_unicode=*/false),
            "Port\xC2\xA0"
            "fees rose");
}

TEST(RepairTextTest, AppliesNfcAndUnicodeBreaks) {
  // "e" + combining acute -> precomposed; U+2029 paragraph separator.
  EXPECT_EQ(Repair("Cafe\xCC\x81 owners\xE2\x80\xA9rejoice"),
            "Caf\xC3\xA9 owners\n\nrejoice");
  EXPECT_EQ(Repair("Cafe\xCC\x81", /*normalize_unicode=*/false),
            "Cafe\xCC\x81");
}

TEST(RepairTextTest, AgreesWithFullNfcWhereTheQuickCheckMatters) {
  // Inputs where skipping NFC would be wrong: a combining mark after ASCII,
  // a singleton decomposition (Angstrom sign), Hangul jamo, a composition
  // exclusion; and text NFC leaves alone (curly quotes, pound sign).
  for (std::string_view text :
       {"resume\xCC\x81", "12 \xE2\x84\xAB", "\xE1\x84\x80\xE1\x85\xA1",
        "\xE0\xA4\x95\xE0\xA4\xBC", "\xC3\xA9t\xC3\xA9",
        "\xE2\x80\x9C\xC2\xA3"
        "5\xE2\x80\x9D"}) {
    SCOPED_TRACE(text);
    EXPECT_EQ(Repair(text), *NormalizeNfc(text));
  }
  EXPECT_EQ(Repair("\xE1\x84\x80\xE1\x85\xA1"),
            "\xEA\xB0\x80");  // jamo -> syllable
}

TEST(RepairTextTest, MeasuresLines) {
  EXPECT_EQ(CountWords("\xE2\x80\xA2 Save stories / read later"), 4);
  EXPECT_EQ(CountWords("0 / 0"), 2);
  EXPECT_EQ(CountWords("  "), 0);
  // Words of scripts without spaces, beside spaced ones; the bounded count
  // stops at its limit and agrees with the full one below it.
  EXPECT_EQ(CountWords("Tokyo \xE6\x9D\xB1\xE4\xBA\xAC! -- x"), 4);
  EXPECT_TRUE(HasAtLeastWords("one two three", 3));
  EXPECT_FALSE(HasAtLeastWords("one two three", 4));
  EXPECT_FALSE(HasAtLeastWords("one two - ", 3));
  EXPECT_TRUE(HasAtLeastWords("a", 0));
  EXPECT_EQ(FlattenToLine("Harbor\nvote\n\npasses"), "Harbor vote passes");
}

// ---------------------------------------------------------------------------
// Hyphenation

TEST(HyphenationTest, JoinsWordFragments) {
  EXPECT_EQ(JoinHyphenation("the harbor authori- ty said"),
            "the harbor authority said");
  EXPECT_EQ(JoinHyphenation("Secu-  rity and de- fence"),
            "Security and defence");
  EXPECT_EQ(JoinHyphenation("r\xC3\xA9no- vation"), "r\xC3\xA9novation");
}

TEST(HyphenationTest, KeepsTheHyphenOfCompounds) {
  EXPECT_EQ(JoinHyphenation("a well- known skipper"), "a well-known skipper");
  EXPECT_EQ(JoinHyphenation("a self- made fortune"), "a self-made fortune");
  EXPECT_EQ(JoinHyphenation("a 20- year lease"), "a 20-year lease");
  EXPECT_EQ(JoinHyphenation("state-of-the- art cranes"),
            "state-of-the-art cranes");
  EXPECT_EQ(JoinHyphenation("Council- backed plan"), "Council-backed plan");
  EXPECT_EQ(JoinHyphenation("an e- mail"), "an e-mail");
}

TEST(HyphenationTest, LeavesSuspendedHyphensDashesAndCapitals) {
  EXPECT_EQ(JoinHyphenation("two- and three-year permits"),
            "two- and three-year permits");
  EXPECT_EQ(JoinHyphenation("short- or long-haul"), "short- or long-haul");
  EXPECT_EQ(JoinHyphenation("the pro- Harbor camp"), "the pro- Harbor camp");
  EXPECT_EQ(JoinHyphenation("Portville - the port - grew"),
            "Portville - the port - grew");
  EXPECT_EQ(JoinHyphenation("- a list item"), "- a list item");
  EXPECT_EQ(JoinHyphenation("no hyphens here"), "no hyphens here");
}

// ---------------------------------------------------------------------------
// Line classification

TEST(ClassifyLineTest, FindsEachKindOfChrome) {
  EXPECT_EQ(ClassifyLine("Sign up for the Harbor Daily newsletter"),
            kReasonCallToAction);
  EXPECT_EQ(ClassifyLine("Click here for all our ferry coverage"),
            kReasonCallToAction);
  EXPECT_EQ(ClassifyLine("Read more"), kReasonCallToAction);
  EXPECT_EQ(ClassifyLine("Advertisement"), kReasonCallToAction);
  EXPECT_EQ(ClassifyLine("Support The Portville Ledger!"), kReasonCallToAction);
  EXPECT_EQ(ClassifyLine("Start every weekday with our Harbor Briefing "
                         "newsletter, delivered to your inbox at 6 a.m."),
            kReasonCallToAction);
  EXPECT_EQ(ClassifyLine("You may also receive promotional content from the "
                         "Portville Ledger."),
            kReasonCallToAction);
  EXPECT_EQ(ClassifyLine("\xC2\xA9 2024 Portville Ledger"), kReasonCopyright);
  EXPECT_EQ(ClassifyLine("Copyright 2023 Harbor Media Group"),
            kReasonCopyright);
  EXPECT_EQ(ClassifyLine("(c) 2022 Coastline News"), kReasonCopyright);
  EXPECT_EQ(ClassifyLine("(AFP, dpa)"), kReasonCredit);
  EXPECT_EQ(ClassifyLine("Reporting by Ana Lee; editing by Tom Fry"),
            kReasonCredit);
  EXPECT_EQ(ClassifyLine("Dockworkers unload a freighter (Photo: J. Park)"),
            kReasonCaption);
  EXPECT_EQ(ClassifyLine("The new terminal at dusk. REUTERS/Sam Tate"),
            kReasonCaption);
  EXPECT_EQ(ClassifyLine("Fishing boats return to the quay on Friday. "
                         "Ines Moreau"),
            kReasonCaption);
  EXPECT_EQ(ClassifyLine("A crane lifts a container | Reuters"),
            kReasonCaption);
  EXPECT_EQ(ClassifyLine("Ferries wait out the storm in the outer harbor on "
                         "Sunday evening as waves top the breakwater. Photo: "
                         "Ana Lee"),
            kReasonCaption);
  EXPECT_EQ(ClassifyLine("17 Comments"), kReasonCommentCounter);
  EXPECT_EQ(ClassifyLine(", Comments 3 comments"), kReasonCommentCounter);
  EXPECT_EQ(ClassifyLine("Comments"), kReasonCommentCounter);
  EXPECT_EQ(ClassifyLine("Next story"), kReasonLinkLabel);
  EXPECT_EQ(ClassifyLine("https://example.org/ferry"), kReasonLinkLabel);
  EXPECT_EQ(ClassifyLine("More harbor news \xC2\xBB"), kReasonLinkLabel);
  EXPECT_EQ(ClassifyLine("RELATED: Ferry fares to rise in spring"),
            kReasonLinkLabel);
  EXPECT_EQ(ClassifyLine("See also: Our guide to the new terminal"),
            kReasonLinkLabel);
  EXPECT_EQ(ClassifyLine("We use cookies to improve your experience on our "
                         "site."),
            kReasonCallToAction);
  EXPECT_EQ(ClassifyLine("Join the conversation"), kReasonCallToAction);
  EXPECT_EQ(ClassifyLine("Image caption The mayor cuts the ribbon"),
            kReasonCaption);
  EXPECT_EQ(ClassifyLine("Buy Now"), kReasonCallToAction);
  EXPECT_EQ(ClassifyLine("Follow the Portville Ledger on Instagram for "
                         "harbor news."),
            kReasonCallToAction);
}

TEST(ClassifyLineTest, ReadsTokensWhereverTheSeparatorsFall) {
  // Separators are found 16 bytes at a time: cues split by ' ', '/' and
  // '|' are read at every offset in and across those blocks.
  for (size_t lead = 1; lead < 40; ++lead) {
    SCOPED_TRACE(lead);
    const std::string word(lead, 'x');
    // Each cue is only found when its separator splits the tokens.
    EXPECT_EQ(ClassifyLine(word + " Sign up/manage"), kReasonCallToAction);
    EXPECT_EQ(ClassifyLine(word + " Log in|manage"), kReasonCallToAction);
    // Capitals are lowercased 16 bytes at a time too.
    EXPECT_EQ(ClassifyLine(word + " SIGN UP NOW \xC3\x89T\xC3\x89"),
              kReasonCallToAction);
    EXPECT_EQ(ClassifyLine(word + " said the council met on Monday."), "");
  }
}

TEST(ClassifyLineTest, FindsShortFragments) {
  EXPECT_TRUE(IsShortFragment("Waterfront", 3));
  EXPECT_TRUE(IsShortFragment("1 / 4", 3));
  EXPECT_TRUE(IsShortFragment("___", 1));
  EXPECT_FALSE(IsShortFragment("Waterfront", 1));
  EXPECT_FALSE(IsShortFragment("Yes.", 3));
  EXPECT_FALSE(IsShortFragment("New ferry terminal", 3));
  // A sentence in a script without spaces is not one word.
  EXPECT_FALSE(
      IsShortFragment("\xE6\xB8\xAF\xE3\x81\xAE\xE6\x96\xB0"
                      "\xE3\x81\x97\xE3\x81\x84\xE6\xA1\x9F"
                      "\xE6\xA9\x8B",
                      3));
  EXPECT_TRUE(HasNoLetters("0 / 0"));
  EXPECT_TRUE(HasNoLetters("$139.00"));
  EXPECT_FALSE(HasNoLetters("2000 GMT"));
}

TEST(ClassifyLineTest, KeepsArticleText) {
  EXPECT_EQ(ClassifyLine("The council voted 7-2 on Tuesday to approve the "
                         "terminal, ending a decade-long dispute."),
            "");
  // Chrome vocabulary inside a quotation, or in reported speech, is news.
  EXPECT_EQ(ClassifyLine("\"Click here and subscribe, they tell you all day "
                         "long,\" the mayor complained."),
            "");
  EXPECT_EQ(ClassifyLine("The ferry company said 4,000 commuters had signed "
                         "up for its new app since March."),
            "");
  EXPECT_EQ(ClassifyLine("Critics said the newsletter was sent to every "
                         "household in the county."),
            "");
  EXPECT_EQ(ClassifyLine("Share prices fell after the ferry app launched."),
            "");
  EXPECT_EQ(ClassifyLine("The harbor master posted a picture of the new crane "
                         "on the port's website with the caption: \"Ready for "
                         "work\"."),
            "");
  EXPECT_EQ(ClassifyLine("Harbor council approves new ferry terminal"), "");
  EXPECT_EQ(ClassifyLine("Yes."), "");
  EXPECT_EQ(ClassifyLine("Waterfront"), "");
  // Japanese sentence (our own): "The new pier of the harbor opened."
  EXPECT_EQ(ClassifyLine("\xE6\xB8\xAF\xE3\x81\xAE\xE6\x96\xB0\xE3\x81"
                         "\x97\xE3\x81\x84\xE6\xA1\x9F\xE6\xA9\x8B\xE3"
                         "\x81\x8C\xE9\x96\x8B\xE3\x81\x84\xE3\x81\x9F"
                         "\xE3\x80\x82"),
            "");
  EXPECT_EQ(ClassifyLine("PORTVILLE, May 3 (Harbor Wire) -"), "");
}

TEST(ClassifyLineTest, RecognizesSectionLabelsAndHeadlines) {
  EXPECT_TRUE(LooksLikeSectionLabel("World & Nation", false));
  EXPECT_TRUE(LooksLikeSectionLabel("Business", false));
  EXPECT_TRUE(LooksLikeSectionLabel("News > Local", false));
  EXPECT_TRUE(LooksLikeSectionLabel("Coast & Harbors", true));
  EXPECT_FALSE(LooksLikeSectionLabel("Coast & Harbors", false));
  EXPECT_FALSE(LooksLikeSectionLabel("Harbor council approves terminal", true));
  EXPECT_FALSE(LooksLikeSectionLabel("Ferries, cranes and tides", true));
  EXPECT_FALSE(LooksLikeSectionLabel("Port wins 2-1", true));

  EXPECT_TRUE(LooksLikeHeadline("Harbor council approves new ferry terminal"));
  EXPECT_TRUE(LooksLikeHeadline("Is the port ready for winter?"));
  EXPECT_FALSE(LooksLikeHeadline("The council voted on Tuesday."));
  EXPECT_FALSE(LooksLikeHeadline("Sign in to read more"));
  EXPECT_FALSE(LooksLikeHeadline("Waterfront"));
  EXPECT_FALSE(LooksLikeHeadline("\xE2\x80\xA2 Free parking for residents"));
}

// ---------------------------------------------------------------------------
// The whole cleaner on invented scraped articles

// A scraped page with most kinds of chrome; only the paragraphs marked
// "kept" below are article text.
constexpr char kScrapedBody[] =
    "Harbor council approves new ferry terminal\n"
    "\n"
    "Residents watch the vote from the pier on Tuesday. Lena Ortiz\n"
    "\n"
    "PORTVILLE - The harbor council voted 7-2 on Tuesday to approve a new "
    "ferry terminal, ending a decade-long dispute over the waterfront.\n"
    "\n"
    "\xE2\x80\x9CWe finally have a plan that works for everyone,\xE2\x80\x9D "
    "council chair Maria Dobbs said.\n"
    "\n"
    "Follow us on social media\n"
    "\n"
    "The terminal will replace a pier built in 1952 and is expected to open "
    "in two years. The Secu- rity Board must still sign off.\n"
    "Cranes line the old pier at dawn.\n"
    "(photo credit: HARBOR WIRE/Ken Obi)\n"
    "Opponents said the well- known skipper who led them would appeal.\n"
    "\n"
    "\n"
    "\n"
    "Get the day's top harbor stories with our free Tide Times newsletter, "
    "sent every weekday morning.\n"
    "\n"
    "(Harbor Wire, AFP)\n"
    "\n"
    "\xC2\xA9 2024 Portville Ledger\n"
    "\n"
    "12 comments\n"
    "\n"
    "1 / 2\n"
    "Sign in to unlock subscriber benefits!\n"
    "\xE2\x80\xA2 Ten free articles every month\n"
    "\xE2\x80\xA2 Puzzles and games\n"
    "\n"
    "Read more";

TEST(CleanArticleTest, CleansAScrapedPage) {
  v1::Article cleaned = Clean(MakeArticle("  Coast & Region  ", kScrapedBody));
  // "Coast & Region" uses no section vocabulary, but it is short and
  // capitalized and a headline follows.
  EXPECT_EQ(cleaned.title(), "Harbor council approves new ferry terminal");
  EXPECT_THAT(
      Paragraphs(cleaned.body()),
      ElementsAre(
          "PORTVILLE - The harbor council voted 7-2 on Tuesday to approve a "
          "new ferry terminal, ending a decade-long dispute over the "
          "waterfront.",
          "\xE2\x80\x9CWe finally have a plan that works for everyone,"
          "\xE2\x80\x9D council chair Maria Dobbs said.",
          "The terminal will replace a pier built in 1952 and is expected to "
          "open in two years. The Security Board must still sign off.",
          "Opponents said the well-known skipper who led them would "
          "appeal."));
  EXPECT_THAT(
      Removed(cleaned),
      ElementsAre(
          Pair("Coast & Region", "section-label"),
          Pair("Residents watch the vote from the pier on Tuesday. Lena Ortiz",
               "caption"),
          Pair("Follow us on social media", "call-to-action"),
          Pair("Cranes line the old pier at dawn.", "caption"),
          Pair("(photo credit: HARBOR WIRE/Ken Obi)", "caption"),
          // The article's quotes are typographic, so its stray straight
          // apostrophe becomes one too (quotes: keep).
          Pair("Get the day\xE2\x80\x99s top harbor stories with our free "
               "Tide Times newsletter, sent every weekday morning.",
               "call-to-action"),
          Pair("(Harbor Wire, AFP)", "credit"),
          Pair("\xC2\xA9 2024 Portville Ledger", "copyright"),
          // The pager above the sign-in box goes with it.
          Pair("12 comments", "comment-counter"),
          Pair("1 / 2", "call-to-action"),
          Pair("Sign in to unlock subscriber benefits!", "call-to-action"),
          Pair("\xE2\x80\xA2 Ten free articles every month", "call-to-action"),
          Pair("\xE2\x80\xA2 Puzzles and games", "call-to-action"),
          Pair("Read more", "call-to-action")));
  EXPECT_THAT(cleaned.warnings(), IsEmpty());
  // The facts the page states: its dateline (kept in the paragraph) and
  // its credits.
  EXPECT_EQ(cleaned.dateline(), "PORTVILLE");
  EXPECT_THAT(
      cleaned.credits(),
      ElementsAre("photo credit: HARBOR WIRE/Ken Obi", "Harbor Wire, AFP",
                  "\xC2\xA9 2024 Portville Ledger"));
  EXPECT_EQ(cleaned.published_at(), "");
}

TEST(CleanArticleTest, BodyIsParagraphsSeparatedByOneBlankLine) {
  v1::Article cleaned =
      Clean(MakeArticle("Tide tables change",
                        "\n\n  First paragraph here.  \n\n\n\n\nSecond "
                        "paragraph here.\nThird line, own paragraph.\n"));
  EXPECT_EQ(cleaned.body(),
            "First paragraph here.\n\nSecond paragraph here.\n\nThird line, "
            "own paragraph.");
}

TEST(CleanArticleTest, RejoinsLinesSplitMidSentence) {
  v1::Article cleaned = Clean(
      MakeArticle("Ferry strike ends",
                  "Crews returned to work on Monday after the union and the\n"
                  "operator agreed on a new roster that limits night\n"
                  "shifts to four a week, a spokeswoman said. Services were\n"
                  "back to normal by noon.\n"
                  "\n"
                  "The sprinter from Portville\n"
                  "\n"
                  "took the title in record time.\n"
                  "\n"
                  "A pro-\n"
                  "Harbor vote and a long-\n"
                  "term plan followed; the autho-\n"
                  "rity agreed."));
  EXPECT_THAT(Paragraphs(cleaned.body()),
              ElementsAre("Crews returned to work on Monday after the union "
                          "and the operator agreed on a new roster that "
                          "limits night shifts to four a week, a spokeswoman "
                          "said. Services were back to normal by noon.",
                          "The sprinter from Portville took the title in "
                          "record time.",
                          "A pro-Harbor vote and a long-term plan followed; "
                          "the authority agreed."));
}

TEST(CleanArticleTest, DropsShortFragmentsOnlyOutsideTheSentences) {
  v1::Article cleaned = Clean(MakeArticle(
      "Ferry review",
      "Staff Reports\n\nThe new ferry is quiet and fast.\n\nVerdict\n\n"
      "It is the best boat on the bay.\n\n___\n\nMore Ferries\n\n1 / 3"));
  EXPECT_THAT(Paragraphs(cleaned.body()),
              ElementsAre("The new ferry is quiet and fast.", "Verdict",
                          "It is the best boat on the bay."));
  EXPECT_THAT(Removed(cleaned), ElementsAre(Pair("Staff Reports", "short-line"),
                                            Pair("___", "short-line"),
                                            Pair("More Ferries", "short-line"),
                                            Pair("1 / 3", "short-line")));
}

TEST(CleanArticleTest, RejoinsASentenceAnAdvertisementCutInTwo) {
  v1::Article cleaned = Clean(MakeArticle(
      "Terminal costs climb",
      "The council said the plan would\n\nAdvertisement\n\nrequire new "
      "funding from the state.\n\nWork starts in May."));
  EXPECT_THAT(Paragraphs(cleaned.body()),
              ElementsAre("The council said the plan would require new "
                          "funding from the state.",
                          "Work starts in May."));
  EXPECT_THAT(Removed(cleaned),
              ElementsAre(Pair("Advertisement", "call-to-action")));
}

TEST(CleanArticleTest, PromotesHeadlineWhenTitleIsChromeOrEmpty) {
  v1::Article from_chrome = Clean(MakeArticle(
      "Subscribe to the Portville Ledger!",
      "Tugboat Crews Win Pay Rise\n\nTugboat crews won a 6% pay rise on "
      "Friday after a week of talks."));
  EXPECT_EQ(from_chrome.title(), "Tugboat Crews Win Pay Rise");
  EXPECT_THAT(Removed(from_chrome),
              ElementsAre(Pair("Subscribe to the Portville Ledger!",
                               "call-to-action")));
  EXPECT_EQ(from_chrome.body(),
            "Tugboat crews won a 6% pay rise on Friday after a week of talks.");

  v1::Article from_empty = Clean(MakeArticle(
      "",
      "Lighthouse reopens to visitors\n\nThe old lighthouse reopened on "
      "Saturday after repairs."));
  EXPECT_EQ(from_empty.title(), "Lighthouse reopens to visitors");
  EXPECT_THAT(Removed(from_empty), IsEmpty());
}

// A headline is never cut as a call to action for its words: headline
// shape and its place before the body decide.
TEST(CleanArticleTest, HeadlineWithCallToActionWordsStays) {
  v1::Article as_title = Clean(MakeArticle(
      "Don't Miss Out: Festival Tickets Sell Out in an Hour",
      "Tickets for the harbour festival sold out within an hour of going on "
      "sale on Monday, the organisers said.\n\nA second day has been added "
      "for next year."));
  EXPECT_EQ(as_title.title(),
            "Don't Miss Out: Festival Tickets Sell Out in an Hour");
  EXPECT_THAT(Removed(as_title), IsEmpty());

  v1::Article in_body = Clean(MakeArticle(
      "",
      "Read More, Worry Less: The Library's Winter Plan\n\nThe town "
      "library will open until nine on Thursdays from November, and "
      "lend reading lamps to anyone who asks."));
  EXPECT_EQ(in_body.title(),
            "Read More, Worry Less: The Library's Winter Plan");
  EXPECT_THAT(Paragraphs(in_body.body()),
              ElementsAre(StartsWith("The town library will open")));
  EXPECT_THAT(in_body.warnings(), IsEmpty());
}

// The headline sits where pages print it, above the byline and the story:
// whatever words it holds, it becomes the title and is never cut, and a
// byline in any form ("Tested by NAME", "Words: NAME") does not hide it.
TEST(CleanArticleTest, TheHeadlineIsNeverCutWhateverItsWords) {
  const std::string story =
      "The ferry between the two islands will run every hour from June, "
      "the harbour board said on Monday.\n\nThe board has leased a second "
      "boat for the summer timetable.\n\nShare this story\n\n"
      "\xC2\xA9 Northsea Courier Ltd";
  for (const char* headline :
       {"Sign up now for the new hourly ferry, islanders told",
        "Watch: The new hourly ferry arrives at the harbour",
        "Subscribe and save? The ferry pass for the islands explained",
        "Read more about the ferry timetable before June",
        "Share your ferry stories with the harbour board",
        "Will the hourly ferry run all summer?"}) {
    for (const char* byline :
         {"By Petra Lund", "Tested by Petra Lund", "Words: Petra Lund",
          "Staff reporter: Petra Lund", ""}) {
      std::string head = absl::StrCat(
          "Northsea Courier\n\nHome | Ferries | "
          "Weather\n\n",
          headline, "\n\n");
      if (*byline != '\0') absl::StrAppend(&head, byline, "\n\n");
      absl::StrAppend(&head, "12 May 2025\n\n");
      v1::Article cleaned =
          Clean(MakeArticle("Northsea Courier", absl::StrCat(head, story)));
      EXPECT_EQ(cleaned.title(), headline) << byline;
      EXPECT_THAT(Paragraphs(cleaned.body()),
                  ElementsAre(StartsWith("The ferry between"),
                              StartsWith("The board has leased")))
          << headline << " / " << byline;
      if (*byline != '\0') {
        EXPECT_EQ(cleaned.byline(), "Petra Lund") << byline;
      }
    }
  }
}

// The story under the tram operator's headlines below.
constexpr char kTramwaysStory[] =
    "Services between Alderby and the harbour resumed on Monday after eleven "
    "weeks of track repairs, the operator said.\n\nEngineers replaced four "
    "kilometres of rail during the closure.\n\nDrivers had trained on the "
    "new signals since March.";

// The tram operator's page of the headline-guard tests: the masthead, a
// menu and a section label over `headline`, `stamp` and a three-paragraph
// story; returns the cleaned article.
v1::Article CleanTramwaysPage(absl::string_view headline,
                              absl::string_view stamp) {
  return Clean(MakeArticle(
      "Fenwick Tramways",
      absl::StrCat("Fenwick Tramways\n\nTimetables · Fares · Tickets · Contact "
                   "us\n\nTravel news\n\n",
                   headline, "\n\n", stamp, "\n\n", kTramwaysStory)));
}

// The headline directly above the stamp line that opens the story is
// never chrome, whatever words it holds ("Now boarding:", "Going, going,
// gone:", "Sign up" inside it, a question) and whether or not the lead
// repeats them, under a page title that is only the outlet's masthead; a
// short line closing on a full date is that stamp line whatever its label.

// A label of one or two words may run into the stamp's date.
TEST(CleanArticleTest, HeadlineOverUnseparatedStamps) {
  for (const char* headline : {"Going, going, gone: roadworks",
                               "Sign up, says mayor, as trams are back"}) {
    for (const char* stamp :
         {"Updated 14 May 2025", "Published 14 May 2025",
          "Published: 14 May 2025", "Last updated 14 May 2025",
          "Sale report 14 May 2025", "Posted 14 May 2025",
          "Wednesday 14 May 2025", "By Petra Lund 14 May 2025",
          "Petra Lund 14 May 2025", "Newsroom May 14, 2025",
          "Service update 14 May 2025", "Last modified 14 May 2025",
          "Story by Petra Lund 14 May 2025"}) {
      v1::Article cleaned = CleanTramwaysPage(headline, stamp);
      std::vector<std::string> kept = Paragraphs(cleaned.body());
      kept.push_back(cleaned.title());
      EXPECT_THAT(kept, Contains(headline)) << stamp;
    }
  }
}

// The masthead, equal to a page title that is only the outlet's name,
// directly above the headline: the headline still comes back.
TEST(CleanArticleTest, MastheadEqualToTitleAboveTheHeadline) {
  for (const char* headline : {"Going, going, gone: roadworks",
                               "Sign up, says mayor, as trams are back",
                               "Now boarding: night trams roll again"}) {
    for (const char* stamp : {"Service update · 14 May 2025", "14 May 2025"}) {
      v1::Article cleaned = Clean(
          MakeArticle("Fenwick Tramways",
                      absl::StrCat("Fenwick Tramways\n\n", headline, "\n\n",
                                   stamp, "\n\n", kTramwaysStory)));
      std::vector<std::string> kept = Paragraphs(cleaned.body());
      kept.push_back(cleaned.title());
      EXPECT_THAT(kept, Contains(headline)) << stamp;
    }
  }
}

// A kept kicker or section line above the headline.
TEST(CleanArticleTest, KickerAboveTheHeadline) {
  for (const char* kicker :
       {"Alderby Harbour", "Night Services", "Travel News Extra"}) {
    for (const char* headline : {"Going, going, gone: roadworks",
                                 "Sign up, says mayor, as trams are back"}) {
      v1::Article cleaned = Clean(MakeArticle(
          "Fenwick Tramways",
          absl::StrCat("Fenwick Tramways\n\nTimetables · Fares · Tickets · "
                       "Contact us\n\n",
                       kicker, "\n\n", headline,
                       "\n\nService update · 14 May 2025"
                       "\n\n",
                       kTramwaysStory)));
      std::vector<std::string> kept = Paragraphs(cleaned.body());
      kept.push_back(cleaned.title());
      EXPECT_THAT(kept, Contains(headline)) << kicker;
    }
  }
}

// Known limit (review 18b): a chrome-worded headline a rule cut, over a
// Related: link over the stamp: the link comes back in its place.
TEST(CleanArticleTest, DISABLED_ARelatedLinkUnderACutHeadlineStaysCut) {
  for (const char* headline : {"Going, going, gone: roadworks",
                               "Sign up, says mayor, as trams are back"}) {
    v1::Article cleaned = CleanTramwaysPage(
        headline,
        "Related: Bus fares rise in July\n\nService update · 14 May 2025");
    std::vector<std::string> kept = Paragraphs(cleaned.body());
    kept.push_back(cleaned.title());
    EXPECT_THAT(kept, Contains(headline));
    EXPECT_THAT(kept,
                Not(Contains(std::string("Related: Bus fares rise in July"))));
  }
}

TEST(CleanArticleTest, TheHeadlineAboveTheStampIsNeverChrome) {
  for (const char* headline :
       {"Now boarding: night trams roll again", "Going, going, gone: roadworks",
        "Sign up, says mayor, as trams are back",
        "Breaking the habit: a car-free commute",
        "Where did the number 9 go all winter?"}) {
    for (const char* stamp :
         {"Posted by the Fenwick Tramways team on 14 May "
          "2025",
          "Service update · 14 May 2025", "By Petra Lund", "14 May 2025"}) {
      v1::Article cleaned = CleanTramwaysPage(headline, stamp);
      std::vector<std::string> kept = Paragraphs(cleaned.body());
      kept.push_back(cleaned.title());
      EXPECT_THAT(kept, Contains(headline)) << stamp;
      EXPECT_THAT(Paragraphs(cleaned.body()),
                  Contains(StartsWith("Services between Alderby")))
          << headline << " / " << stamp;
    }
  }
}

// The headline guard does not take a promo or a "Related:" link printed
// between the headline and a dated line for the headline.
TEST(CleanArticleTest, ChromeAboveADatedLineIsNotKeptAsTheHeadline) {
  const std::string story =
      "Services between Alderby and the harbour resumed on Monday after "
      "eleven weeks of track repairs, the operator said.\n\nEngineers "
      "replaced four kilometres of rail during the closure.";
  struct Case {
    const char* title;
    const char* chrome;
    const char* stamp;
  };
  for (const Case& c : std::vector<Case>{
           {"Fenwick Tramways", "Sign up to our morning newsletter",
            "Posted in News · 3 June 2025"},
           {"", "Subscribe to our weekly newsletter",
            "Posted in News · 3 June 2025"},
           {"Fenwick Tramways", "Related: Bus fares rise in July",
            "Newsroom | June 3, 2025"}}) {
    v1::Article cleaned = Clean(MakeArticle(
        c.title, absl::StrCat(c.title, c.title[0] ? "\n\n" : "",
                              "Night trams roll again after repairs\n\n",
                              c.chrome, "\n\n", c.stamp, "\n\n", story)));
    EXPECT_EQ(cleaned.title(), "Night trams roll again after repairs")
        << c.chrome;
    std::vector<std::string> kept = Paragraphs(cleaned.body());
    kept.push_back(cleaned.title());
    EXPECT_THAT(kept, Not(Contains(std::string(c.chrome)))) << c.chrome;
  }
}

// A headline that runs into a date ("Hall reopens 14 June 2025") is no
// stamp: a stamp sets its date off from its label.
TEST(CleanArticleTest, AHeadlineClosingOnADateIsNoStamp) {
  v1::Article cleaned = Clean(MakeArticle(
      "Fenwick Tramways",
      "Fenwick Tramways\n\nTravel news\n\nPennock Hall reopens 14 June "
      "2025\n\nServices between Alderby and the harbour resumed on Monday "
      "after eleven weeks of track repairs, the operator said.\n\nEngineers "
      "replaced four kilometres of rail during the closure."));
  EXPECT_EQ(cleaned.title(), "Pennock Hall reopens 14 June 2025");
  std::vector<std::string> kept = Paragraphs(cleaned.body());
  EXPECT_THAT(kept, Not(Contains(std::string("Travel news"))));
}

// Known limits (review 18): stamps of other date shapes (an ordinal day,
// "14 May, 2025", a time after the date, "14.05.2025") do not open the
// guard, so a headline in chrome-like words over them is still cut; and a
// teaser over a bare date line under the real headline takes the title.
TEST(CleanArticleTest, DISABLED_HeadlineOverOtherDateShapesIsNeverRemoved) {
  for (const char* headline : {"Going, going, gone: roadworks",
                               "Sign up, says mayor, as trams are back"}) {
    for (const char* stamp :
         {"Posted by the Fenwick Tramways team on 14th May 2025",
          "Service update · 14 May, 2025", "Service update · May 14th, 2025",
          "Service update · Wed 14 May 2025 09:30",
          "Service update · 14.05.2025"}) {
      v1::Article cleaned = CleanTramwaysPage(headline, stamp);
      std::vector<std::string> kept = Paragraphs(cleaned.body());
      kept.push_back(cleaned.title());
      EXPECT_THAT(kept, Contains(std::string(headline))) << stamp;
      EXPECT_NE(cleaned.title(), stamp) << headline;
    }
  }
}

TEST(CleanArticleTest, DISABLED_TeaserOverADateLineDoesNotUnseatTheHeadline) {
  for (const char* chrome :
       {"Previous story: Bridge closes for summer works", "Most read"}) {
    v1::Article cleaned = Clean(MakeArticle(
        "Fenwick Tramways",
        absl::StrCat("Fenwick Tramways\n\nNight trams roll again after "
                     "repairs\n\n",
                     chrome,
                     "\n\n2 June 2025\n\nServices between Alderby and the "
                     "harbour resumed on Monday after eleven weeks of track "
                     "repairs, the operator said.")));
    std::vector<std::string> kept = Paragraphs(cleaned.body());
    kept.push_back(cleaned.title());
    EXPECT_THAT(kept,
                Contains(std::string("Night trams roll again after repairs")))
        << chrome;
    EXPECT_NE(cleaned.title(), chrome);
  }
}

// A line cut as chrome right above the byline ("Sign up to our Politics
// newsletter") comes back as the headline only when the lead repeats at
// least two of its longer words and, when the page has a title, it shares
// a word with that title.
TEST(CleanArticleTest, ChromeAboveTheBylineNeedsTheLeadAndTitleToComeBack) {
  v1::Article cleaned = Clean(MakeArticle(
      "Ministers clash over the island school budget",
      "Sign up to our Politics newsletter\n\nBy Jon Roe\n\n12 May 2025\n\n"
      "Politics on the island council turned sharp on Monday as ministers "
      "argued over the school budget.\n\nThe vote is due in June."));
  EXPECT_EQ(cleaned.title(), "Ministers clash over the island school budget");
  EXPECT_THAT(Paragraphs(cleaned.body()),
              ElementsAre(StartsWith("Politics on the island"),
                          StartsWith("The vote is due")));

  cleaned = Clean(MakeArticle(
      "Glaciers on the north ridge melt faster than forecast",
      "Sign up for our climate crisis newsletter\n\nBy Jon Roe\n\n12 May "
      "2025\n\nThe climate crisis reached the north ridge early this year, "
      "and its glaciers lost a tenth of their ice.\n\nSurveyors will return "
      "in August."));
  EXPECT_THAT(Paragraphs(cleaned.body()),
              ElementsAre(StartsWith("The climate crisis"),
                          StartsWith("Surveyors will return")));
}

// A headline-shaped line right above the story, with no byline or date
// between, is the headline too; a line under the byline and date ("Share
// this article") is furniture there, not a headline.
TEST(CleanArticleTest, TheFirstProminentLineAboveTheStoryIsTheHeadline) {
  v1::Article cleaned = Clean(MakeArticle(
      "Islands Courier",
      "Join the queue: islanders wait for the first hourly ferry\n\nThe "
      "first hourly ferry between the two islands left at seven on Monday "
      "with a queue of islanders on the quay.\n\nThe board has leased a "
      "second boat for the summer."));
  EXPECT_EQ(cleaned.title(),
            "Join the queue: islanders wait for the first hourly ferry");

  cleaned = Clean(MakeArticle(
      "Hourly ferry starts between the islands",
      "By Petra Lund\n\n12 May 2025\n\nShare this article\n\nThe first "
      "hourly ferry between the two islands left at seven on Monday with a "
      "queue of islanders sharing the quay.\n\nThe board has leased a "
      "second boat for the summer."));
  EXPECT_EQ(cleaned.title(), "Hourly ferry starts between the islands");
  EXPECT_THAT(Removed(cleaned), Contains(Pair("Share this article", _)));
}

// A headline that has a byline's shape ("Profile: Jane Doe") stays the
// title: such a line is a byline only where bylines stand.
TEST(CleanArticleTest, AHeadlineShapedLikeALabelledNameStaysTheTitle) {
  v1::Article cleaned = Clean(MakeArticle(
      "Profile: Petra Lund",
      "Petra Lund has run the island ferry company for twenty years and "
      "steps down in June, the board said.\n\nShe joined as a deckhand."));
  EXPECT_EQ(cleaned.title(), "Profile: Petra Lund");
  EXPECT_EQ(cleaned.byline(), "");
}

// A line with a byline's shape right above the opening byline and date
// ("Profile: NAME", "Inspired by NAME") stands where the headline does: it
// is no byline and its name is not the author.
TEST(CleanArticleTest, AByShapeBylineAboveTheOpeningBylineIsTheHeadline) {
  for (const char* headline :
       {"Profile: Petra Lund", "Inspired by Petra Lund"}) {
    v1::Article cleaned = Clean(MakeArticle(
        "", absl::StrCat(headline,
                         "\n\nBy Jon Roe\n\n12 May 2025\n\nPetra Lund has run "
                         "the island ferry company for twenty years and steps "
                         "down in June, the board said.\n\nShe joined as a "
                         "deckhand.")));
    EXPECT_EQ(cleaned.title(), headline);
    EXPECT_EQ(cleaned.byline(), "Jon Roe") << headline;
  }
}

// A byline by its shape with the writer's role, between a headline-shaped
// line and a date stamp, is the byline, and a question above it the
// headline; without a role the line there may be a headline under a
// section label.
TEST(CleanArticleTest, ARoleMakesAByShapeBylineAboveTheDate) {
  const std::string story =
      "\n\nPublished 12 May 2025\n\nMost season tickets can be "
      "refunded for the weeks a line is closed, whatever the reason for "
      "the closure.\n\nClaims must be made within a month.";
  v1::Article cleaned = Clean(MakeArticle(
      "Travel \xE2\x80\xBA Your questions",
      absl::StrCat("Can I get money back on my season ticket?\n\nAnswered by "
                   "Petra Lund, Transport Correspondent",
                   story)));
  EXPECT_EQ(cleaned.byline(), "Petra Lund");
  EXPECT_EQ(cleaned.title(), "Can I get money back on my season ticket?");
  v1::Article headline = Clean(MakeArticle(
      "Money matters", absl::StrCat("Inspired by Petra Lund", story)));
  EXPECT_EQ(headline.byline(), "");
  EXPECT_THAT(Paragraphs(headline.body()), Contains("Inspired by Petra Lund"));
}

// The role follows the byline's name after the comma: a headline whose
// clause before its comma ends on "by" ("Backed by Rovers, Ann Vale Signs
// On") leaves its parsed name after the comma, and stays the headline.
TEST(CleanArticleTest, AHeadlinesClauseBeforeItsCommaIsNoBylineWithItsRole) {
  for (const char* headline : {"Hit by Floods, Farmers Count the Cost",
                               "Backed by Rovers, Ann Vale Signs On",
                               "Inspired by Monet, Local Painter Opens Show",
                               "Trained by Ann Vale, Olympic Coach"}) {
    v1::Article cleaned = Clean(MakeArticle(
        "Local news",
        absl::StrCat("Farming \xE2\x80\xBA Local\n\n", headline,
                     "\n\nPublished 12 May 2025\n\n"
                     "Farmers across the valley are counting the cost of "
                     "the worst floods for thirty years.\n\nMany lost whole "
                     "fields of winter wheat.")));
    EXPECT_EQ(cleaned.title(), headline);
    EXPECT_EQ(cleaned.byline(), "") << headline;
  }
}

// A sentence under the story that speaks of the page itself is the
// outlet's note; the same words in a quote, or above a sentence of the
// story, stay.
TEST(CleanArticleTest, SentencesAboutThePageUnderTheStoryGo) {
  EXPECT_TRUE(RefersToThePage(
      "We may be paid a fee when you buy through links on this page."));
  EXPECT_TRUE(RefersToThePage("This article was translated by software."));
  EXPECT_FALSE(
      RefersToThePage("\"This page of history is closed,\" she "
                      "said."));
  EXPECT_FALSE(RefersToThePage("The page count rose to ninety."));

  const std::string story =
      "The island ferry will run every hour from June, the harbour board "
      "said on Monday.\n\nThe board has leased a second boat for the "
      "summer timetable.";
  v1::Article cleaned = Clean(MakeArticle(
      "Hourly ferry from June",
      absl::StrCat(story,
                   "\n\nWe may be paid a fee when you buy through links on "
                   "this page.\n\nThis article was translated by software "
                   "and checked by an editor.")));
  EXPECT_THAT(Paragraphs(cleaned.body()),
              ElementsAre(StartsWith("The island ferry"),
                          StartsWith("The board has leased")));
  EXPECT_THAT(Removed(cleaned), Contains(Pair(StartsWith("We may be paid"),
                                              std::string(kReasonPageNote))));

  // Above a sentence of the story, it is the story's.
  cleaned = Clean(MakeArticle(
      "Hourly ferry from June",
      "The island ferry will run every hour from June, the harbour board "
      "said on Monday.\n\nThe timetable on this page of the board's report "
      "was agreed in March.\n\nThe board has leased a second boat for the "
      "summer timetable."));
  EXPECT_THAT(Removed(cleaned), IsEmpty());
}

// "Article" is also a clause of a law: a sentence naming "this article" is
// a note about the page only when it also speaks to the reader or of the
// page's making, and never before "of" or a number.
TEST(CleanArticleTest, ALegalArticleIsNoPageNote) {
  EXPECT_TRUE(RefersToThePage("You can share this article with a friend."));
  EXPECT_FALSE(
      RefersToThePage("Lawyers say this article has never been tested in "
                      "court."));
  EXPECT_FALSE(RefersToThePage(
      "You may read this article 12 times and still find it unclear."));
  EXPECT_FALSE(RefersToThePage(
      "Your rights under this article of the charter were never used."));
  v1::Article cleaned = Clean(MakeArticle(
      "Island council may leave the harbour pact",
      "The island council voted on Monday to use the exit clause of the "
      "harbour pact for the first time.\n\nLawyers say this article has "
      "never been tested in court."));
  EXPECT_THAT(Removed(cleaned), IsEmpty());
}

// With no paragraph of prose there is no story above to keep: a line that
// speaks of the page is then the page's text, not a note under a story.
TEST(CleanArticleTest, WithoutProseNoLineIsAPageNote) {
  v1::Article cleaned = Clean(MakeArticle(
      "Winter ferry timetable",
      "Ferries leave the north quay at seven, noon and six\n\nAll times "
      "on this page are local harbour times"));
  EXPECT_THAT(Removed(cleaned),
              Not(Contains(Pair(_, std::string(kReasonPageNote)))));
}

// One headline under a list label after the story is a link when nothing
// of the article is kept under it; with text under it, it heads that text.
TEST(CleanArticleTest, OneHeadlineUnderAListLabelAtTheEndIsALink) {
  const std::string story =
      "The island ferry will run every hour from June, the harbour board "
      "said on Monday.\n\nThe board has leased a second boat for the "
      "summer timetable.\n\nMost read\n\n";
  CleanerOptions rules_only;
  rules_only.learned_chrome_threshold = 0;
  v1::Article cleaned = Clean(
      MakeArticle(
          "Hourly ferry from June",
          absl::StrCat(story, "Lighthouse keeper retires after forty years")),
      rules_only);
  EXPECT_THAT(Paragraphs(cleaned.body()),
              ElementsAre(StartsWith("The island ferry"),
                          StartsWith("The board has leased")));

  cleaned = Clean(
      MakeArticle("Hourly ferry from June",
                  absl::StrCat(
                      story,
                      "Lighthouse keeper retires after forty years\n\nThe "
                      "keeper of the north light retired on Friday after forty "
                      "years, the board said.")),
      rules_only);
  EXPECT_THAT(Paragraphs(cleaned.body()),
              Contains(StartsWith("Lighthouse keeper retires")));
}

// A picture label and a colon before a name credit the photographer, in any
// number ("Photos: NAME", "Pictures: NAME"); a gallery's headline is no
// credit.
TEST(ClassifyLineTest, APictureLabelBeforeANameIsACredit) {
  EXPECT_TRUE(IsPhotoCreditLine("Photos: Petra Lund"));
  EXPECT_TRUE(IsPhotoCreditLine("Pictures: Petra Lund"));
  EXPECT_TRUE(IsPhotoCreditLine("Video: Jon Berg"));
  EXPECT_FALSE(IsPhotoCreditLine("Pictures: The week in the harbour"));
  EXPECT_FALSE(IsPhotoCreditLine("Words: Petra Lund"));
}

TEST(ClassifyLineTest, AListLabelAloneIsChrome) {
  EXPECT_EQ(ClassifyLine("You may also like"), kReasonLinkLabel);
  EXPECT_EQ(ClassifyLine("Recommended"), kReasonLinkLabel);
  EXPECT_EQ(ClassifyLine("Most read"), kReasonLinkLabel);
  // A sentence that opens with the word is no label.
  EXPECT_EQ(ClassifyLine("Recommended doses were cut by half last year, the "
                         "health board said."),
            "");
}

TEST(ClassifyLineTest, AMenuLineIsChrome) {
  EXPECT_EQ(ClassifyLine("Start | Local | Courts | Arts | Weather"),
            kReasonLinkLabel);
  EXPECT_EQ(ClassifyLine("Hot topics: Tram works \xC2\xB7 Ice rink \xC2\xB7 "
                         "Derby day"),
            kReasonLinkLabel);
  // Two parts are a headline's; an item that is a sentence is no menu.
  EXPECT_EQ(ClassifyLine("Tram works | What the closures mean for you"), "");
  EXPECT_EQ(
      ClassifyLine("Rain by noon | Sleet at dusk | Roads may close tonight."),
      "");
}

// The line right above the opening byline and date is the headline, even
// with call-to-action words and chrome above it that reads as a headline.
TEST(CleanArticleTest, HeadlineAboveTheBylineWinsWhateverItsWords) {
  v1::Article cleaned = Clean(MakeArticle(
      "This site stores cookies on your device. Read our cookie policy.",
      "Okay Thanks Show Me Options\n\n"
      "Join the Club? Allotment Waiting Lists Pass Two Years\n\n"
      "By Wren Halloway\n\n"
      "12 October 2024\n\n"
      "People hoping for an allotment in the borough now wait more than "
      "two years, the parks department said on Friday.\n\n"
      "It plans to split large plots in half to shorten the list."));
  EXPECT_EQ(cleaned.title(),
            "Join the Club? Allotment Waiting Lists Pass Two Years");
  EXPECT_EQ(cleaned.byline(), "Wren Halloway");
  EXPECT_EQ(cleaned.published_at(), "2024-10-12");
  EXPECT_THAT(Paragraphs(cleaned.body()),
              ElementsAre(StartsWith("People hoping"), StartsWith("It plans")));
  // Chrome above the headline: fix_title's cut, unless the learned scorer
  // took it first.
  EXPECT_THAT(Removed(cleaned),
              Contains(Pair("Okay Thanks Show Me Options",
                            AnyOf(std::string(kReasonAboveHeadline),
                                  std::string(kReasonLearnedChrome)))));
}

// A short button taken for the title gives way to the line that heads the
// opening byline; a short headline without a byline under it stays.
TEST(CleanArticleTest, AButtonAboveTheHeadlineIsNotTheTitle) {
  v1::Article cleaned = Clean(MakeArticle(
      "Skip to the steps",
      "Three Ways to Revive Stale Oatcakes\n\n"
      "Posted by Ola Brun on May 2, 2025\n\n"
      "Oatcakes that have gone soft can be crisped again in a dry pan over a "
      "low heat, two minutes a side."));
  EXPECT_EQ(cleaned.title(), "Three Ways to Revive Stale Oatcakes");
  EXPECT_EQ(cleaned.byline(), "Ola Brun");
  EXPECT_THAT(
      Removed(cleaned),
      Contains(Pair("Skip to the steps", std::string(kReasonAboveHeadline))));

  v1::Article headline = Clean(MakeArticle(
      "Ferry fares rise",
      "Islanders face higher costs from June\n\n"
      "By Ola Brun\n\n"
      "Return tickets to the islands will cost a fifth more from June, the "
      "ferry operator said."));
  EXPECT_EQ(headline.title(), "Ferry fares rise");
}

// A bare name just above the date stamp at the head is the byline; a line
// elsewhere that the lead shares no word with is not the title when the
// line above the byline is headline-shaped and the lead repeats it.
TEST(CleanArticleTest, AHeadlineAboveTheStampsOutranksAnUnrelatedTitle) {
  v1::Article notice = Clean(MakeArticle(
      "This page was printed from our archive",
      "Orchard growers pick a record apple crop\n\n"
      "Tilde Marsh\n\n"
      "12 September 2025\n\n"
      "Growers in the valley picked more apples this month than in any "
      "September on record, after a warm spring.\n\n"
      "The orchard cooperative said the crop would keep its cold stores "
      "full until March."));
  EXPECT_EQ(notice.title(), "Orchard growers pick a record apple crop");
  EXPECT_EQ(notice.byline(), "Tilde Marsh");
  EXPECT_EQ(notice.published_at(), "2025-09-12");
  EXPECT_THAT(Removed(notice),
              Contains(Pair("This page was printed from our archive",
                            std::string(kReasonAboveHeadline))));

  // A deck under the real title, or a title the lead repeats, stays.
  v1::Article deck = Clean(MakeArticle(
      "Orchard crop breaks record",
      "Growers say cold stores will be full until March\n\n"
      "By Tilde Marsh\n\n"
      "Growers in the valley picked more apples this month than in any "
      "September on record, after a warm spring."));
  EXPECT_EQ(deck.title(), "Orchard crop breaks record");

  // Two capitalised words that are not a date's neighbour stay in the body.
  v1::Article body = Clean(MakeArticle(
      "Orchard growers pick a record apple crop",
      "Growers in the valley picked more apples this month than in any "
      "September on record, after a warm spring.\n\n"
      "Tilde Marsh\n\n"
      "The orchard cooperative said the crop would keep its cold stores "
      "full until March."));
  EXPECT_EQ(body.byline(), "");
}

// Two headline-shaped lines over the opening date: the one the lead repeats
// is the headline and the title, never cut as chrome above a line the lead
// shares no word with (a credit the byline parser does not read).
TEST(CleanArticleTest, TheHeadlineTheLeadRepeatsOutranksTheLineUnderIt) {
  const std::string headline =
      "Harbour trust sold its own slipway to the chairman's brother for a "
      "pound";
  v1::Article cleaned = Clean(MakeArticle(
      "Menu Search Subscribe",
      "Special report \xC2\xB7 Part 1 of 2\n\n" + headline +
          "\n\n"
          "Reporting and photographs by Lior Abrams and Hana Quist\n\n"
          "4 June 2025\n\n"
          "The harbour trust sold its public slipway to the brother of its "
          "chairman for one pound last spring, minutes of its meetings "
          "show.\n\n"
          "Boat owners who used the slipway say they were never told it was "
          "for sale, and the trust's chairman did not answer questions."));
  EXPECT_EQ(cleaned.title(), headline);
  EXPECT_EQ(cleaned.published_at(), "2025-06-04");
  EXPECT_THAT(Removed(cleaned), Not(Contains(Pair(headline, _))));
  EXPECT_THAT(Paragraphs(cleaned.body()),
              Contains(StartsWith("The harbour trust sold")));
}

// Of two headline-shaped lines over the stamps, the lower is the headline
// unless it reads as a credit ("... by NAME"): another story's teaser or a
// kicker above it whose words the lead repeats never takes the title from
// it, nor makes it chrome, whether the feed's title is empty or is that
// headline, and whatever chrome-like words the headline holds.
TEST(CleanArticleTest, AHeadlineUnderATeaserTheLeadRepeatsStaysTheHeadline) {
  const std::string headline = "Council axes night buses";
  const std::string teaser = "Transport budget shortfall hits city schools";
  const std::string stamps_and_lead =
      "\n\nBy Ana Ruiz\n\n4 June 2025\n\n"
      "The city's transport committee voted on Tuesday to end all "
      "late-evening bus routes from April, citing a budget shortfall.\n\n"
      "Drivers' unions said the decision would leave shift workers without "
      "a way home, and promised to fight it.";
  for (const std::string& above :
       {"Most read\n\n" + teaser, std::string("Transport budget cuts")}) {
    for (const std::string& feed_title : {std::string(), headline}) {
      v1::Article cleaned = Clean(
          MakeArticle(feed_title, above + "\n\n" + headline + stamps_and_lead));
      EXPECT_EQ(cleaned.title(), headline) << above << " / " << feed_title;
      // Cut as the feed title's copy at most: the headline is the title.
      EXPECT_THAT(Removed(cleaned),
                  Not(Contains(Pair(headline, Ne("duplicate-title")))));
    }
  }
  for (const std::string chrome_worded :
       {"Share Your Photos: Night Bus Axe Falls",
        "Subscribe or walk home: night bus axe falls"}) {
    v1::Article cleaned =
        Clean(MakeArticle("", "Most read\n\n" + teaser + "\n\n" +
                                  chrome_worded + stamps_and_lead));
    EXPECT_EQ(cleaned.title(), chrome_worded);
    EXPECT_THAT(Removed(cleaned), Not(Contains(Pair(chrome_worded, _))));
  }
  // A headline shaped like a credit that is the feed's title stays it.
  const std::string credit_shaped = "Night bus mural painted by Tilde Marsh";
  v1::Article cleaned =
      Clean(MakeArticle(credit_shaped, "Most read\n\n" + teaser + "\n\n" +
                                           credit_shaped + stamps_and_lead));
  EXPECT_EQ(cleaned.title(), credit_shaped);
  EXPECT_THAT(Removed(cleaned),
              Not(Contains(Pair(credit_shaped, Ne("duplicate-title")))));
}

// A headline's word and the lead's meet whatever their case and marks: an
// accented capital ("\xC3\x89coles") opens the word its lowercase spells.
TEST(CleanArticleTest, HeadlineWordsMeetTheLeadsAcrossAccentedCapitals) {
  EXPECT_EQ(HeadlineWordsInText("Ecoles sous l'eau", "Les ecoles de"), 1);
  EXPECT_EQ(HeadlineWordsInText("\xC3\x89"
                                "coles sous l\xE2\x80\x99"
                                "eau",
                                "Les \xC3\xA9"
                                "coles de la commune"),
            1);
  EXPECT_EQ(HeadlineWordsInText("\xC3\x84RZTE streiken", "die \xC3\xA4rzte"),
            1);
}

// Page furniture above the headline (a breadcrumb trail, a price ticker)
// is no title when the line above the byline is a headline without such
// marks; a headline holding a bar or a slash of its own stays the title.
TEST(CleanArticleTest, FurnitureAboveTheHeadlineIsNoTitle) {
  EXPECT_TRUE(HasFurnitureMarks("Home / Council news / Housing"));
  EXPECT_TRUE(HasFurnitureMarks("Oats \xE2\x96\xB2 2% barley \xE2\x96\xBC 1%"));
  EXPECT_TRUE(HasFurnitureMarks("Reviews \xE2\x80\xBA Games"));
  EXPECT_FALSE(HasFurnitureMarks("Ferry fares rise 5%/year, board says"));
  EXPECT_FALSE(HasFurnitureMarks("Orchard growers pick a record apple crop"));
  const std::string story =
      "Orchard growers pick a record apple crop\n\n"
      "By Tilde Marsh\n\n"
      "12 September 2025\n\n"
      "Growers in the valley picked more apples this month than in any "
      "September on record, after a warm spring.\n\n"
      "The orchard cooperative said the apple crop would keep its cold "
      "stores full until March.";
  for (const char* furniture :
       {"Where you are: Farming / Orchards / Apple crop",
        "Apple prices: dessert \xE2\x96\xB2 3p cider \xE2\x96\xBC 1p"}) {
    v1::Article cleaned = Clean(MakeArticle(furniture, story));
    EXPECT_EQ(cleaned.title(), "Orchard growers pick a record apple crop")
        << furniture;
    EXPECT_THAT(Removed(cleaned),
                Contains(Pair(furniture, std::string(kReasonAboveHeadline))));
  }
  // Marks in both lines: the page's own title stays.
  v1::Article both = Clean(MakeArticle(
      "Opinion | Orchard growers pick a record crop",
      "Apple growers | a record September\n\n"
      "By Tilde Marsh\n\n"
      "Growers in the valley picked more apples this month than in any "
      "September on record, after a warm spring."));
  EXPECT_EQ(both.title(), "Opinion | Orchard growers pick a record crop");
}

// A title written as a sentence (a notice) yields to the headline above the
// byline; the writer's blurb under the story goes.
TEST(CleanArticleTest, ASentenceTitleYieldsAndTheWritersBlurbGoes) {
  v1::Article cleaned = Clean(MakeArticle(
      "You are reading the members' edition of the Weekly Post.",
      "Bridge tolls to rise in spring\n\n"
      "By Ann Vale\n\n"
      "Tolls on the estuary bridge will rise by ten percent in April, the "
      "bridge trust said on Monday.\n\n"
      "Ann Vale is a former engineer and writes about transport for the "
      "paper.\n\n"
      "The views expressed are the author's own."));
  EXPECT_EQ(cleaned.title(), "Bridge tolls to rise in spring");
  EXPECT_THAT(Paragraphs(cleaned.body()),
              ElementsAre(StartsWith("Tolls on the estuary bridge")));
  EXPECT_THAT(Removed(cleaned),
              Contains(Pair(StartsWith("Ann Vale is a former engineer"),
                            std::string(kReasonAuthorBlurb))));

  // A story whose last sentence names someone else stays whole.
  v1::Article story = Clean(MakeArticle(
      "Bridge tolls to rise in spring",
      "By Ann Vale\n\n"
      "Tolls on the estuary bridge will rise by ten percent in April, the "
      "bridge trust said on Monday.\n\n"
      "Tom Reed is the trust's chair and opposed the rise at the meeting."));
  EXPECT_EQ(Paragraphs(story.body()).size(), 2u);
}

TEST(BoilerplateTest, SectionLinksUpgradePromptsAndPickLabelsAreChrome) {
  EXPECT_FALSE(ClassifyLine("Back to news").empty());
  EXPECT_FALSE(ClassifyLine("Upgrade to the full edition").empty());
  EXPECT_FALSE(ClassifyLine("Editor's picks").empty());
  EXPECT_FALSE(ClassifyLine("Text size: A A A").empty());
  EXPECT_TRUE(
      ClassifyLine("Back to the drawing board for the council").empty());
  EXPECT_TRUE(ClassifyLine("Upgrade work on the line starts in May.").empty());
}

// A masthead line that names the outlet yields to the headline above the
// byline.
TEST(CleanArticleTest, AMastheadTitleYieldsToTheHeadlineAboveTheByline) {
  v1::Article article = MakeArticle(
      "Tern Bay Courier - your paper since 1921",
      "Pier reopens after winter storms\n\n"
      "By Ann Vale\n\n"
      "The pier reopened on Saturday after repairs to the damage the winter "
      "storms did to its deck.");
  article.set_url("https://ternbaycourier.example/news/pier");
  EXPECT_EQ(Clean(article).title(), "Pier reopens after winter storms");
}

// Hosts join a place to a generic word ("fernvaleherald", "kestrelecho"):
// a capitalised word the host's name starts with names the outlet in a
// short masthead title and in the lines after the story, never in the
// story's own sentences, and a longer title about the place stays.
// A masthead with its motto after a dash is still a masthead of a few
// words: it yields to the headline above the byline; a headline naming the
// place with a clause after its dash that the lead repeats stays.
TEST(CleanArticleTest, AMastheadWithItsMottoYieldsToTheHeadline) {
  const std::string story =
      "Sign up for brown bin collections before April ends\n\n"
      "By Tomas Reyne\n\n"
      "Households wanting garden waste taken away this year must join the "
      "paid scheme by the end of the month, the council said.\n\n"
      "Bins left out without the scheme's sticker will not be emptied.";
  for (const char* masthead :
       {"Kestrel \xE2\x80\x94 news from the valley and the hills",
        "Kestrel Echo | your valley, every morning since 1921"}) {
    v1::Article article = MakeArticle(masthead, story);
    article.set_url("https://kestrelecho.example/news/bins");
    EXPECT_EQ(Clean(article).title(),
              "Sign up for brown bin collections before April ends")
        << masthead;
  }
  v1::Article headline = MakeArticle(
      "Kestrel bins \xE2\x80\x94 households must join the paid scheme", story);
  headline.set_url("https://kestrelecho.example/news/bins");
  EXPECT_EQ(Clean(headline).title(),
            "Kestrel bins \xE2\x80\x94 households must join the paid scheme");
}

// Before a dash or a bar only the outlet's own name is a masthead: a
// headline about the place the outlet is named after ("Kestrel floods —
// what we know so far" on kestrelecho) stays the title whatever follows,
// in any number of words ("Kestrel storm | live updates"); one bar or
// slash between a headline's parts is no page furniture either, and the
// outlet's name before a bar is still a masthead.
TEST(CleanArticleTest, AHeadlineNamingThePlaceBeforeItsDashStaysTheTitle) {
  const std::string story =
      "Hundreds of homes are without power\n\n"
      "By Tomas Reyne\n\n"
      "The river burst its banks overnight after two days of heavy rain, "
      "and engineers are still working to restore supplies.\n\n"
      "Residents were told to stay away from the embankment.";
  for (const char* title :
       {"Kestrel floods \xE2\x80\x94 what we know so far",
        "Kestrel Floods \xE2\x80\x94 What We Know So Far",
        "Kestrel council \xE2\x80\x93 leader quits after budget row",
        "Kestrel storm - what we know", "Kestrel storm | live updates",
        "Kestrel storm \xE2\x80\x94 latest"}) {
    v1::Article article = MakeArticle(title, story);
    article.set_url("https://kestrelecho.example/news/floods");
    EXPECT_EQ(Clean(article).title(), title) << title;
  }
  v1::Article masthead = MakeArticle("Kestrel Echo | local news", story);
  masthead.set_url("https://kestrelecho.example/news/floods");
  EXPECT_EQ(Clean(masthead).title(), "Hundreds of homes are without power");
  EXPECT_FALSE(HasFurnitureMarks("Kestrel storm | live updates"));
  EXPECT_TRUE(HasFurnitureMarks("News | Sport | Weather"));
  EXPECT_TRUE(HasFurnitureMarks("You are here: Council news / Housing"));
}

// A farming page's head (sign-in note, menu, section label) and a story
// that opens with its headline, byline and date.
constexpr char kFarmingPageHead[] =
    "Readers with a print subscription can sign in for the archive.\n\n"
    "News / Farming / Sport / Letters\n\n"
    "Farming\n\n";
constexpr char kGrazingStory[] =
    "Hill farmers win a reprieve on winter grazing rules\n\n"
    "By Ada Merrow | 2 June 2025\n\n"
    "Hill farmers in the upper dale will keep their winter grazing rights "
    "for two more years, the national park authority said on Monday.\n\n"
    "The authority had planned to close the high commons to sheep from "
    "November to protect nesting birds.\n\n"
    "Farmers said the reprieve gave them time to find winter grazing "
    "elsewhere.";

// A masthead over the page's head (a notice, a menu, a section label)
// yields to the headline over the byline and date: the page's head goes
// with it. A headline naming the outlet's place over a label and its deck
// stays, and so does one over a deck that shares its story words.
TEST(CleanArticleTest, TheMastheadOverThePagesHeadYieldsToTheHeadline) {
  const std::string head = kFarmingPageHead;
  const std::string story = kGrazingStory;
  for (const char* masthead :
       {"Tarnhollow Gazette \xE2\x80\x94 serving the upper dale since 1884",
        "Tarnhollow Gazette", "The Gazette of Tarnhollow"}) {
    v1::Article article = MakeArticle(masthead, head + story);
    article.set_url("https://tarnhollowgazette.example/farming/grazing");
    v1::Article cleaned = Clean(article);
    EXPECT_EQ(cleaned.title(),
              "Hill farmers win a reprieve on winter grazing rules")
        << masthead;
    EXPECT_FALSE(absl::StrContains(cleaned.body(), "print subscription"))
        << masthead;
    EXPECT_FALSE(absl::StrContains(cleaned.body(), "News / Farming"))
        << masthead;
    EXPECT_TRUE(absl::StrContains(cleaned.body(), "nesting birds")) << masthead;
  }
  // Under the masthead and a label, a headline over its deck: the headline
  // is the one the lead repeats more, never cut as the page's head.
  v1::Article with_deck =
      MakeArticle("Tarnhollow Gazette",
                  head +
                      "Hill farmers win a reprieve on winter grazing rules\n\n"
                      "Park authority puts off its ban on sheep\n\n" +
                      story.substr(story.find("By Ada")));
  with_deck.set_url("https://tarnhollowgazette.example/farming/grazing");
  EXPECT_EQ(Clean(with_deck).title(),
            "Hill farmers win a reprieve on winter grazing rules");
  // A byline under a short story is no head: the story above it stays.
  v1::Article signed_at_foot = MakeArticle(
      "Tarnhollow Gazette",
      "Hill farmers win a reprieve on winter grazing rules\n\n"
      "Hill farmers in the upper dale will keep their winter grazing rights "
      "for two more years, the park authority said.\n\n"
      "The authority had planned to close the commons to sheep.\n\n"
      "Farmers welcome two more years of winter grazing on the commons\n\n"
      "By Ada Merrow | 2 June 2025");
  signed_at_foot.set_url("https://tarnhollowgazette.example/farming/grazing");
  const v1::Article signed_cleaned = Clean(signed_at_foot);
  EXPECT_TRUE(absl::StrContains(signed_cleaned.body(), "upper dale"));
  EXPECT_TRUE(absl::StrContains(signed_cleaned.body(), "close the commons"));
  // A headline about the outlet itself: see
  // ATitleCaseHeadlineNamingTheOutletStaysOverALabelAndDeck.
  // A headline naming the place, a label, then a deck: the headline stays,
  // written in lowercase as headlines are, or sharing a word with the deck.
  const std::string deck_story =
      "Business\n\n"
      "Owners blame energy costs as orders dry up\n\n"
      "By Ada Merrow | 2 June 2025\n\n"
      "The owners of the mill said energy costs had tripled in two years "
      "while orders from builders dried up.\n\n"
      "Forty people work at the mill, which opened in 1884.";
  for (const char* title : {"Tarnhollow mill to close after 140 years",
                            "Tarnhollow Mill Owners Give Up"}) {
    v1::Article article = MakeArticle(title, deck_story);
    article.set_url("https://tarnhollowgazette.example/business/mill");
    EXPECT_EQ(Clean(article).title(), title);
  }
}

// A page prints its opening byline and date once: a title that reads as a
// stamp ("Good News Team · 3 May 2024", a newsroom beside a date) over the
// story's own byline and date is a headline, and stays the title; a title
// that is only a stamp over a different fact is still a stamp.
TEST(CleanArticleTest, ATitleReadAsAStampOverTheStorysOwnStampIsTheHeadline) {
  const std::string story =
      "By Omar Fell | 4 May 2025\n\n"
      "A year ago today the club won the county cup for the first time in "
      "forty years, and the players met again at the ground on Saturday.\n\n"
      "The captain said the win had changed the club, which now runs three "
      "junior sides.";
  for (const char* title : {"On 3 May 2024 by the Rovers Team",
                            "Good News Team \xC2\xB7 3 May 2024"}) {
    const v1::Article cleaned = Clean(MakeArticle(title, story));
    EXPECT_EQ(cleaned.title(), title);
    EXPECT_EQ(cleaned.byline(), "Omar Fell") << title;
  }
  const v1::Article stamp = Clean(MakeArticle(
      "By Omar Fell",
      "Updated 4 May 2025\n\n" + story.substr(story.find("A year ago"))));
  EXPECT_EQ(stamp.byline(), "Omar Fell");
  EXPECT_NE(stamp.title(), "By Omar Fell");
}

TEST(CleanArticleTest, AWordTheHostStartsWithNamesTheOutletAtThePageEdges) {
  const std::string story =
      "Sign up for brown bin collections before April ends\n\n"
      "By Marta Quill\n\n"
      "Households that want their brown bins collected this year have until "
      "the end of the month to join the paid scheme.\n\n"
      "The yearly charge stays at forty-two pounds for most households in "
      "the valley.";
  v1::Article masthead = MakeArticle("The Kestrel Valley Echo", story);
  masthead.set_url("https://kestrelecho.example/news/bins");
  EXPECT_EQ(Clean(masthead).title(),
            "Sign up for brown bin collections before April ends");
  v1::Article headline =
      MakeArticle("Kestrel Valley bins will be emptied every fortnight", story);
  headline.set_url("https://kestrelecho.example/news/bins");
  EXPECT_EQ(Clean(headline).title(),
            "Kestrel Valley bins will be emptied every fortnight");

  v1::Article alerts = MakeArticle(
      "Recycling centre to open on Sundays",
      "The recycling centre on Mill Lane will open on Sunday mornings from "
      "April, the county said.\n\n"
      "Queues on Saturday mornings have stretched back onto the main road "
      "for most of the winter.\n\n"
      "Notifications on? Turn on alerts for Fernvale");
  alerts.set_url("https://fernvaleherald.example/news/recycling");
  v1::Article cleaned = Clean(alerts);
  EXPECT_THAT(Removed(cleaned), Contains(Pair(StartsWith("Notifications on?"),
                                              std::string(kReasonOutletName))));

  v1::Article last_sentence = MakeArticle(
      "Recycling centre to open on Sundays",
      "The recycling centre on Mill Lane will open on Sunday mornings from "
      "April, the county said.\n\n"
      "Share this\n\n"
      "Advertisement\n\n"
      "Fernvale councillors will review the new hours in the autumn.");
  last_sentence.set_url("https://fernvaleherald.example/news/recycling");
  EXPECT_THAT(Paragraphs(Clean(last_sentence).body()),
              ElementsAre(_, StartsWith("Fernvale councillors")));

  // A story's closing lines name the place too: only a line that invites
  // the reader is the outlet's by a partial name.
  for (const char* closing : {"Tickets for Fernvale Park cost £5.",
                              "\"Fernvale deserved it,\" he said.",
                              "Result: Fernvale Rovers 2 Kestrel Town 1"}) {
    v1::Article article = MakeArticle(
        "Recycling centre to open on Sundays",
        absl::StrCat("The recycling centre on Mill Lane will open on Sunday "
                     "mornings from April, the county said.\n\n",
                     closing));
    article.set_url("https://fernvaleherald.example/news/recycling");
    EXPECT_THAT(Paragraphs(Clean(article).body()), ElementsAre(_, closing));
  }
  // A short headline naming the place the outlet is named after, which
  // the lead repeats, is the headline, not the masthead.
  v1::Article mill = MakeArticle(
      "Fernvale mill to close",
      "Eighty jobs go as owners blame rising energy costs\n\n"
      "By Ann Vale\n\n"
      "The Fernvale paper mill will close in June with the loss of eighty "
      "jobs, its owners said on Tuesday.\n\n"
      "The mill has made paper beside the river since 1890.");
  mill.set_url("https://fernvaleherald.example/news/mill");
  EXPECT_EQ(Clean(mill).title(), "Fernvale mill to close");
}

// The headline under a byline, shorter than the deck above it, is the
// headline, not furniture under the stamps.
TEST(CleanArticleTest, AHeadlineUnderTheBylineIsNoFurniture) {
  v1::Article cleaned = Clean(MakeArticle(
      "",
      "Business and jobs news from across the valley\n\n"
      "By Ann Vale\n\n"
      "Paper mill to close\n\n"
      "The paper mill beside the river will close in June with the loss "
      "of eighty jobs, its owners said on Tuesday.\n\n"
      "The mill has made paper in the town since 1890, and most of its "
      "workers live within two miles of it."));
  EXPECT_THAT(Removed(cleaned), Not(Contains(Pair("Paper mill to close", _))));
}

// Under the story, a sentence whose subject is the outlet's name and whose
// verb says what the outlet is or who makes it is the outlet's note about
// itself; a sentence telling what a namesake did, or a place named like
// the outlet, stays.
TEST(CleanArticleTest, TheOutletsNoteAboutItselfUnderTheStoryGoes) {
  const std::string story =
      "The new primary school on the Larchmere Fields estate will not take "
      "pupils until September next year.\n\n"
      "Building work stopped for four months after the main contractor went "
      "into administration.";
  for (const char* note :
       {"Larchmere FM is part of the Heartland Radio network.",
        "Larchmere Radio is run by volunteers. Contact the editor.",
        "Larchmere Radio Ltd is owned and operated by the Heartland group."}) {
    v1::Article article =
        MakeArticle("New school will open a year late",
                    absl::StrCat(story, "\n\nTags: schools, building\n\n", note,
                                 "\n\nRead more"));
    article.set_url("https://larchmereradio.example/news/school");
    v1::Article cleaned = Clean(article);
    EXPECT_THAT(Paragraphs(cleaned.body()),
                ElementsAre(StartsWith("The new primary school"),
                            StartsWith("Building work stopped")))
        << note;
    EXPECT_THAT(Removed(cleaned),
                Contains(Pair(note, std::string(kReasonOutletName))));
  }
  for (const char* sentence :
       {"Larchmere is run by a trust of local families who bought the "
        "estate in 1952.",
        "The Larchmere Hospice is funded by donations from families across "
        "the valley.",
        "Larchmere Council is expected to decide on the new date in June.",
        "Larchmere is twinned with a market town in Brittany, he said.",
        "The headteacher is backed by the Larchmere Radio appeal, he "
        "said."}) {
    v1::Article article = MakeArticle("New school will open a year late",
                                      absl::StrCat(story, "\n\n", sentence));
    article.set_url("https://larchmereradio.example/news/school");
    EXPECT_THAT(Paragraphs(Clean(article).body()), ElementsAre(_, _, sentence));
  }
}

// With no chrome above it (no cut line, no writer's blurb), the page's last
// line naming the outlet in full is the story's: a story may say who owns
// its paper or what its paper did.
TEST(CleanArticleTest, TheStorysLastLineNamingItsOutletStaysWithNoChromeAbove) {
  for (const char* last :
       {"The Larchmere Gazette is owned by Heartland Media, which bought it "
        "in 2019.",
        "Larchmere Gazette is part of the group of papers that challenged "
        "the ruling."}) {
    v1::Article article = MakeArticle(
        "Paper wins court fight over council records",
        "A judge has ordered the council to publish the records of its "
        "planning committee in full.\n\n"
        "The case was brought by three local newspapers after the council "
        "refused requests for the minutes.\n\n" +
            std::string(last));
    article.set_url("https://larchmeregazette.example/news/records");
    EXPECT_THAT(Paragraphs(Clean(article).body()), Contains(std::string(last)))
        << last;
  }
}

// The outlet's note naming it in full at the page's end goes when a
// control the page prints under its story (a "Label: value" listing, a
// widget's state) stands between it and the story, and the controls go
// with it; a subheading there is the story's, and so is the note under it.
TEST(CleanArticleTest, TheOutletsNoteUnderTheStorysControlsGoesWithThem) {
  const std::string story =
      "A judge has ordered the council to publish the records of its "
      "planning committee in full.\n\n"
      "The case was brought by three local newspapers after the council "
      "refused requests for the minutes.\n\n";
  const std::string note =
      "The Larchmere Gazette is published by Heartland Media Ltd.";
  for (const char* controls :
       {"Sponsored listing: Fenby Print \xE2\x80\x94 posters since 1961\n\n"
        "Jobs board: Press officer, Larchmere, \xC2\xA3"
        "29,000\n\n",
        "Loading comments\xE2\x80\xA6\n\n"}) {
    v1::Article article = MakeArticle(
        "Paper wins court fight over council records", story + controls + note);
    article.set_url("https://larchmeregazette.example/news/records");
    const std::vector<std::string> body = Paragraphs(Clean(article).body());
    EXPECT_THAT(body, Not(Contains(note))) << controls;
    EXPECT_EQ(body.size(), 2u) << controls;
  }
  v1::Article subheading =
      MakeArticle("Paper wins court fight over council records",
                  story + "What happens next\n\n" + note);
  subheading.set_url("https://larchmeregazette.example/news/records");
  EXPECT_THAT(Paragraphs(Clean(subheading).body()), Contains(note));
}

// Under the page's cut footer, the controls a page prints there go: an
// imperative without a sentence end, a label and a colon, a widget's
// state in an ellipsis. A one-word label before a sentence, or a
// sentence, is the story's.
TEST(CleanArticleTest, ControlsUnderTheCutFooterGo) {
  const std::string story =
      "The council says the cycle lane on Bridge Street will be finished by "
      "June, two months later than promised.\n\n"
      "Contractors found an old gas main under the junction with Mill Road, "
      "which had to be moved before work could go on.\n\n"
      "Shopkeepers said the delay had cost them trade over the winter.";
  for (const char* control :
       {"Pass this on to a friend who cycles",
        "Kick-off times: Saturday 3pm unless stated",
        "Editorial standards: we answer every complaint within ten working "
        "days.",
        "Fetching replies\xE2\x80\xA6",
        "Send this to a colleague who might want to read it",
        "Next fixture: Saturday 14 June v Harbour Town (H), kick-off 3pm"}) {
    v1::Article cleaned = Clean(MakeArticle(
        "Cycle lane", absl::StrCat(story, "\n\n", control,
                                   "\n\nShare this article\n\nAdvertisement")));
    EXPECT_THAT(Paragraphs(cleaned.body()),
                ElementsAre(StartsWith("The council says"),
                            StartsWith("Contractors found"),
                            StartsWith("Shopkeepers said")))
        << control;
  }
  for (const char* line :
       {"Update: The lane reopened to cyclists on Friday evening.",
        "The work is due to cost about half a million pounds."}) {
    v1::Article cleaned = Clean(MakeArticle(
        "Cycle lane", absl::StrCat(story, "\n\n", line,
                                   "\n\nShare this article\n\nAdvertisement")));
    EXPECT_THAT(Paragraphs(cleaned.body()), Contains(line)) << line;
  }
}

// Under the cut footer a line with a colon that is the story's stays: the
// story's last quotes ("He said: \"...\"", one after another) and an appeal
// opening on a bare verb ("Anyone with information: call ...").
TEST(CleanArticleTest, TheStorysQuotesAndAppealsUnderTheCutFooterStay) {
  const std::string story =
      "The council says the cycle lane on Bridge Street will be finished by "
      "June, two months later than promised.\n\n"
      "Contractors found an old gas main under the junction with Mill Road, "
      "which had to be moved before work could go on.\n\n"
      "Shopkeepers said the delay had cost them trade.";
  for (const std::vector<std::string>& last :
       std::vector<std::vector<std::string>>{
           {"Mrs Patel said: \"We are just glad it is nearly over.\""},
           {"He said: \xE2\x80\x9CWe are just glad it is nearly "
            "over.\xE2\x80\x9D"},
           {"\xC3\x89tienne Roux said: \xE2\x80\x9CIt is "
            "fine.\xE2\x80\x9D"},
           {"He said: \"We apologise for the delay.\"",
            "She added: \"The lane will be worth the wait.\""},
           {"Anyone with information: call police on 101 quoting incident "
            "245."},
           {"And as one trader put it, the lane may open before the shops "
            "do..."}}) {
    v1::Article cleaned = Clean(
        MakeArticle("Cycle lane will open in June",
                    absl::StrCat(story, "\n\n", absl::StrJoin(last, "\n\n"),
                                 "\n\nShare this article\n\nAdvertisement")));
    for (const std::string& line : last) {
      EXPECT_THAT(Paragraphs(cleaned.body()), Contains(line)) << line;
    }
  }
}

// The writer's blurb goes whatever stands under it: links and labels
// ("More columns by NAME"), or a reader prompt the scorer cuts.
TEST(CleanArticleTest, TheWritersBlurbGoesAboveLinksAndPrompts) {
  const std::string story =
      "We should stop building car parks beside stations\n\n"
      "By Maeve Doyle\n\n"
      "Every new station car park tells people that the train is something "
      "you drive to, and most who drive that far drive on.\n\n"
      "A bus that met every train would cost less and carry more people, "
      "and it would not leave a field of tarmac empty.\n\n"
      "Maeve Doyle is a retired headteacher and a member of the town's "
      "cycling club.";
  for (const char* tail :
       {"\n\nMore columns by Maeve Doyle",
        "\n\nAgree? Disagree? Send us a letter of no more than 250 words."
        "\n\nMore columns by Maeve Doyle"}) {
    v1::Article cleaned = Clean(MakeArticle("Opinion", story + tail));
    EXPECT_THAT(Removed(cleaned),
                Contains(Pair(StartsWith("Maeve Doyle is a retired"),
                              std::string(kReasonAuthorBlurb))))
        << tail;
  }
}

// A line of capitals alone reads as a dateline ("GENEVA"), but one that
// names the outlet is its masthead, and one under the story (a press
// release's end mark) opens nothing: neither is the dateline.
TEST(CleanArticleTest, AMastheadOrAnEndMarkInCapitalsIsNoDateline) {
  const std::string story =
      "Ferry fares to rise in April\n\n"
      "By Ines Varga\n\n"
      "3 March 2025\n\n"
      "Fares on the island ferry will rise by six per cent in April, the "
      "operator said on Monday, blaming the cost of fuel.\n\n"
      "Season tickets for islanders will be frozen until the end of the "
      "year, the operator added.";
  v1::Article masthead = MakeArticle("SKELLIG TIMES", story);
  masthead.set_url("https://skelligtimes.example/news/ferry");
  v1::Article cleaned = Clean(masthead);
  EXPECT_EQ(cleaned.dateline(), "");
  EXPECT_EQ(cleaned.title(), "Ferry fares to rise in April");
  EXPECT_EQ(cleaned.byline(), "Ines Varga");
  v1::Article end_mark =
      MakeArticle("Ferry fares to rise in April",
                  absl::StrCat(story.substr(story.find("By ")), "\n\nENDS"));
  EXPECT_EQ(Clean(end_mark).dateline(), "");
  v1::Article place = MakeArticle(
      "Ferry fares to rise in April",
      absl::StrCat("GENEVA\n\n", story.substr(story.find("Fares on"))));
  place.set_url("https://skelligtimes.example/news/ferry");
  EXPECT_EQ(Clean(place).dateline(), "GENEVA");
}

// Once the writer's blurb and the links under it are cut, the story's run
// of sentences ends higher, and a fragment between the story and the blurb
// (a save button) is outside it; a subheading inside the story stays.
TEST(CleanArticleTest, AFragmentAboveTheWritersBlurbGoesWithTheFooter) {
  const std::string head =
      "Night ferry returns to the island timetable\n\n"
      "Rosa Lindqvist \xC2\xB7 4 March 2025\n\n"
      "The night ferry to the island will run again from May, two years "
      "after it was cut to save money, the operator said on Monday.\n\n"
      "What changes\n\n"
      "Islanders who work late shifts in town had asked for the service "
      "back, and the council has agreed to pay part of its cost.\n\n"
      "The first crossing will leave the harbour at eleven at night and "
      "reach the island a little after midnight.\n\n";
  v1::Article cleaned = Clean(MakeArticle(
      "Night ferry returns to the island timetable",
      absl::StrCat(head,
                   "Save \xE2\x98\x86\n\n"
                   "Comments (14) \xE2\x80\x94 join the conversation\n\n"
                   "Rosa Lindqvist writes about transport and the coast from "
                   "a flat above the harbour.\n\n"
                   "You might also like\n\n"
                   "Why the island bus still runs on a 1970s timetable")));
  EXPECT_THAT(Paragraphs(cleaned.body()),
              ElementsAre(StartsWith("The night ferry"), "What changes",
                          StartsWith("Islanders who"),
                          StartsWith("The first crossing")));
}

// The writer's blurb and the outlet's note about itself, stacked at the
// page's end in either order, are its footer together: neither walk stops
// at the other. A story whose last sentence says who runs a place keeps it,
// with or without a blurb under it.
TEST(CleanArticleTest, TheWritersBlurbAndTheOutletsNoteGoTogether) {
  const std::string story =
      "Hollin Moss cheese wins a gold award\n\n"
      "By Tomasz Reid\n\n"
      "A washed-rind cheese made on a hill farm above the reservoir has won "
      "gold at the national cheese awards in its first year of entry.\n\n"
      "The farm's two cheesemakers said the rind took eight months of trial "
      "batches before they were happy with it.";
  const std::string blurb =
      "Tomasz Reid writes about food and farming from the Pennines.";
  const std::string note =
      "Hollin Courier is published by the Moorland Media Trust.";
  for (const auto& [first, second] :
       {std::pair(blurb, note), std::pair(note, blurb)}) {
    v1::Article article = MakeArticle(
        "Hollin Courier", absl::StrCat(story, "\n\n", first, "\n\n", second));
    article.set_url("https://hollincourier.example/food/cheese");
    v1::Article cleaned = Clean(article);
    EXPECT_THAT(
        Paragraphs(cleaned.body()),
        ElementsAre(StartsWith("A washed-rind"), StartsWith("The farm's two")))
        << first;
    EXPECT_THAT(Removed(cleaned),
                Contains(Pair(blurb, std::string(kReasonAuthorBlurb))));
    EXPECT_THAT(Removed(cleaned),
                Contains(Pair(note, std::string(kReasonOutletName))));
  }
  v1::Article alone =
      MakeArticle("Hollin Courier",
                  absl::StrCat(story,
                               "\n\nHollin Moss is run by a trust of three "
                               "families who bought the farm in 1961."));
  alone.set_url("https://hollincourier.example/food/cheese");
  EXPECT_THAT(Paragraphs(Clean(alone).body()),
              ElementsAre(_, _, StartsWith("Hollin Moss is run")));
  // With only the blurb under it, that sentence names the outlet by part
  // of its name (the place the Hollin Courier is named after) and stays:
  // the blurb alone is footer enough only for a note naming it in full.
  v1::Article above_blurb = alone;
  above_blurb.set_body(absl::StrCat(above_blurb.body(), "\n\n", blurb));
  EXPECT_THAT(Paragraphs(Clean(above_blurb).body()),
              ElementsAre(_, _, StartsWith("Hollin Moss is run")));
}

// A sign-up box's heading (an imperative and a colon) goes with the form
// under it; the same words over the story's text stay.
TEST(CleanArticleTest, ASignUpBoxGoesWithItsHeading) {
  const std::string first =
      "The central bank kept its main interest rate unchanged on Thursday, "
      "but four of the nine members voted for a cut.\n\n";
  const std::string last =
      "\n\nThe governor said inflation in services was still too high to "
      "move quickly, and the committee would wait.";
  const std::string heading =
      "Get the morning briefing: the day's markets in five minutes, free "
      "every weekday.";
  v1::Article cleaned = Clean(
      MakeArticle("Rates on hold",
                  absl::StrCat(first, heading, "\n\nEnter your email", last)));
  EXPECT_THAT(Paragraphs(cleaned.body()),
              ElementsAre(StartsWith("The central bank"),
                          StartsWith("The governor said")));
  EXPECT_THAT(Removed(cleaned),
              Contains(Pair(heading, std::string(kReasonCallToAction))));

  v1::Article story = Clean(MakeArticle(
      "Rates on hold",
      absl::StrCat(first,
                   "Read the minutes: they show a split committee, with four "
                   "members for a cut.",
                   last)));
  EXPECT_THAT(Paragraphs(story.body()),
              ElementsAre(_, StartsWith("Read the minutes"), _));
  // Over a sign-up form, a story's line that offers the reader nothing
  // stays.
  const std::string minutes =
      "Read the minutes: four members wanted a cut, and the governor was "
      "outvoted.";
  v1::Article over_form = Clean(MakeArticle(
      "Rates on hold",
      absl::StrCat(first, minutes,
                   "\n\nSign up for our free morning newsletter", last)));
  EXPECT_THAT(Paragraphs(over_form.body()), Contains(minutes));
}

TEST(BoilerplateTest, AdvertisingMarkersKeywordsAndSectionListsAreChrome) {
  EXPECT_FALSE(ClassifyLine("ADVERTISING").empty());
  EXPECT_FALSE(ClassifyLine("Have your say").empty());
  EXPECT_FALSE(ClassifyLine("Keywords: ferries, strikes").empty());
  EXPECT_FALSE(ClassifyLine("More in Business").empty());
  EXPECT_TRUE(
      ClassifyLine("Advertising revenue falls at broadcasters").empty());
  EXPECT_TRUE(ClassifyLine("More in the town are moving to flats").empty());
}

TEST(ArticleFactsTest, ABareNameIsTwoToFourNameWordsAndNothingElse) {
  EXPECT_EQ(ParseBareName("Jan Visser").value_or(""), "Jan Visser");
  EXPECT_EQ(ParseBareName("Ana da Silva").value_or(""), "Ana da Silva");
  EXPECT_FALSE(ParseBareName("Visser").has_value());
  EXPECT_FALSE(ParseBareName("NEWS DESK").has_value());
  EXPECT_FALSE(ParseBareName("Jan Visser reports").has_value());
  EXPECT_FALSE(ParseBareName("Jan Visser, 7 October").has_value());
}

TEST(BoilerplateTest, AReadingTimeLineIsChrome) {
  for (const char* line :
       {"4 min read", "Reading time: 3 min",
        "Estimated reading time: 3 minutes", "Listen (5 minutes)"}) {
    EXPECT_EQ(ClassifyLine(line), kReasonReadingTime) << line;
  }
  // A sentence of the story, or a time that is not the page's.
  for (const char* line :
       {"It takes 3 minutes to read the form.", "Reading Festival 2025",
        "Minutes of the 3 March meeting"}) {
    EXPECT_NE(ClassifyLine(line), kReasonReadingTime) << line;
  }
}

// A page's navigation among pages is chrome: a strip of page numbers
// counting up ("Pages: 1 2 3 4 5 6 … 32") or a short jump line ending on
// a page's number ("Continued on Page 6"); a sentence or a headline
// naming a page or holding numbers is not.
TEST(BoilerplateTest, PageStripsAndJumpLinesAreChrome) {
  for (const char* line :
       {"Pages: 1 2 3 4 5 6 \xE2\x80\xA6 32", "Continued on Page 6",
        "From Page 1", "\xC2\xAB Previous 1 2 3 4 Next \xC2\xBB"}) {
    EXPECT_EQ(ClassifyLine(line), kReasonLinkLabel) << line;
  }
  for (const char* line :
       {"The bill runs to 32 pages and was read on page 6 of the agenda.",
        "Scores of 1, 2 and 3 were given to the three schools last year.",
        "Council tax rises by 4%", "Page 3 girl turned MP",
        "Turn to page 6 for the full list of winners.",
        "Lines 1 2 and 3 closed after the storm",
        "Winning numbers: 4 5 6 17 28 40"}) {
    EXPECT_EQ(ClassifyLine(line), "") << line;
  }
}

TEST(BoilerplateTest, AButtonActingOnThePageIsChrome) {
  for (const char* line :
       {"Print this page", "Email the author", "Pin this for later!",
        "Save this story", "Report an error"}) {
    EXPECT_EQ(ClassifyLine(line), kReasonPageAction) << line;
  }
  EXPECT_EQ(ClassifyLine("Image 1 of 4"), kReasonCaption);
  // Headings and sentences that open with the same verbs.
  for (const char* line : {"Rate cuts ahead", "Print edition sales fall",
                           "Report finds this page of history forgotten.",
                           "Copy of the 1851 census found"}) {
    EXPECT_TRUE(ClassifyLine(line).empty()) << line;
  }
}

TEST(BoilerplateTest, ReadNextAndAuthorBoxLabelsAreLinkLabels) {
  EXPECT_FALSE(ClassifyLine("Read next: Night buses to run later").empty());
  EXPECT_FALSE(ClassifyLine("About the author").empty());
  EXPECT_FALSE(ClassifyLine("Up next").empty());
  EXPECT_TRUE(ClassifyLine("About the authority's new powers").empty());
}

TEST(BoilerplateTest, ContactPromptsNoticesAndClosedCommentsAreChrome) {
  EXPECT_TRUE(IsContactPrompt("Got a story? Write to desk@herald.example"));
  EXPECT_EQ(ClassifyLine("Comments are closed."), kReasonCommentCounter);
  EXPECT_EQ(ClassifyLine("Disclaimer: The views above are the writer's own."),
            kReasonCopyright);
  // A sentence of the story may give an address; a story may discuss
  // disclaimers and comments.
  EXPECT_TRUE(ClassifyLine("Residents can send their views to "
                           "consult@council.example until Friday.")
                  .empty());
  EXPECT_FALSE(IsContactPrompt(
      "Residents can send their views to consult@council.example until "
      "Friday."));
  EXPECT_TRUE(
      ClassifyLine("The disclaimer: was it ever read by anyone?").empty());
  EXPECT_TRUE(ClassifyLine("Public comments are closed to new speakers after "
                           "the first hour, the council said.")
                  .empty());
}

// A short hook, a question mark or a dash, then a call-to-action verb is
// the outlet's pitch, with or without a sentence end; a story's sentence
// runs longer before such a verb, or quotes it.
TEST(BoilerplateTest, AHookThenACallToActionIsAPitch) {
  EXPECT_TRUE(IsHookedPitch("New in town? Register with a surgery in minutes"));
  EXPECT_TRUE(
      IsHookedPitch("Love a bargain? Follow the market page for "
                    "weekly deals."));
  EXPECT_TRUE(
      IsHookedPitch("Every match, every goal \xE2\x80\x94 download "
                    "the club's scores app"));
  EXPECT_FALSE(
      IsHookedPitch("Residents who missed the first meeting in "
                    "March \xE2\x80\x94 register by Friday to "
                    "speak at the next one."));
  EXPECT_FALSE(
      IsHookedPitch("Her advice? \"Visit the gardens before the "
                    "autumn rains.\""));
  EXPECT_FALSE(
      IsHookedPitch("Why now? Officials say the old system cannot "
                    "cope with demand."));
}

// A story's sentences written as a hook and a verb are no pitch: they
// report what someone said, set an aside between two dashes, use the verb
// for a thing ("tap water", "visit times") rather than telling the reader
// to do something to us, now, or to the things a pitch offers, or quote
// the call in single quotes.
TEST(BoilerplateTest, ReportedSpeechAsidesAndNounsAreNoPitch) {
  EXPECT_FALSE(IsHookedPitch(
      "Is it safe? Tap water in the area meets every standard, the council "
      "said."));
  EXPECT_FALSE(IsHookedPitch(
      "Ms Okafor - sign language interpreter for the school - said the "
      "pupils were delighted."));
  EXPECT_FALSE(IsHookedPitch(
      "Why does it matter? Follow the money, says the county auditor."));
  EXPECT_FALSE(IsHookedPitch(
      "The exhibition runs until June - visit times are listed at the "
      "door."));
  EXPECT_FALSE(
      IsHookedPitch("Its two sponsors - follow the money - sit on the board."));
  EXPECT_FALSE(IsHookedPitch(
      "Her advice? 'Visit the gardens before the autumn rains.'"));
  EXPECT_FALSE(
      IsHookedPitch("Her advice? \xE2\x80\x98Visit the gardens before the "
                    "autumn rains.\xE2\x80\x99"));
  EXPECT_FALSE(
      IsHookedPitch("His message to fans - \xE2\x80\x98join us at the "
                    "parade on Sunday\xE2\x80\x99"));
  // The outlet's own pitches still are.
  EXPECT_TRUE(IsHookedPitch("Members' night? Join us for a tour"));
  EXPECT_TRUE(IsHookedPitch("Stuck indoors? Sign up now"));
}

// The same sentence in a story stays in it.
TEST(CleanArticleTest, ABodySentenceOpeningWithAQuestionStays) {
  const std::string line =
      "Is it safe? Tap water in the area meets every standard, the council "
      "said.";
  v1::Article cleaned = Clean(MakeArticle(
      "Water supply restored after contamination scare",
      absl::StrCat("Water supply restored after contamination scare\n\n"
                   "By Ines Varga\n\n"
                   "3 March 2025\n\n"
                   "Homes in three villages had their water supply restored "
                   "on Monday after tests found traces of diesel in a "
                   "reservoir last week.\n\n",
                   line,
                   "\n\nThe water company said bottled water stations would "
                   "close on Friday.")));
  EXPECT_THAT(Paragraphs(cleaned.body()), Contains(line));
}

// A headline may be written as a hook and a call to action; as the page's
// title it stays the title, over a kicker under it.
TEST(CleanArticleTest, AHeadlineWrittenAsAPitchStaysTheTitle) {
  v1::Article cleaned = Clean(MakeArticle(
      "Bored at home? Visit the new science museum",
      "Things to do this weekend\n\n"
      "By Ann Petrova\n\n"
      "12 March 2025\n\n"
      "The science museum on the old dock opens its doors on Saturday with "
      "four floors of hands-on exhibits and a planetarium.\n\n"
      "Entry is free for children under twelve until the end of April, the "
      "museum's trust said."));
  EXPECT_EQ(cleaned.title(), "Bored at home? Visit the new science museum");
}

// A prompt to call or text a number is the outlet's contact box, whatever
// the number; a story's sentences end in punctuation, and a subheading or
// a short number (an emergency line, a year) is no such prompt.
TEST(BoilerplateTest, APromptToCallOrTextANumberIsAContactBox) {
  EXPECT_TRUE(IsContactPrompt("Call the newsdesk on 0161 555 0199"));
  EXPECT_TRUE(IsContactPrompt("Text your requests to 60777"));
  EXPECT_TRUE(ClassifyLine("Call 999 in an emergency").empty());
  EXPECT_TRUE(ClassifyLine("Text messages from 2019 and 2020").empty());
  EXPECT_TRUE(ClassifyLine("Residents can call the helpline on 0800 555 "
                           "0123 until Friday.")
                  .empty());
  EXPECT_TRUE(ClassifyLine("Dial-up users in 14 villages").empty());
  // Headlines that open with such a verb and end on a number or an id.
  EXPECT_TRUE(ClassifyLine("Text message record smashed #10772").empty());
  EXPECT_TRUE(ClassifyLine("Call for action on internet scam 11490").empty());
  EXPECT_TRUE(ClassifyLine("Ring road plan goes to inquiry 2025-26").empty());
}

// A date or a year range written with '-' or '/' is no telephone number,
// and the contact rule judges body lines, never the title: a headline
// ending "to 2025-26" or "on 12-03-2025" stays the headline.
TEST(BoilerplateTest, ADateOrYearRangeIsNoTelephoneNumber) {
  EXPECT_FALSE(IsContactPrompt("Ring road opening delayed to 2025-26"));
  EXPECT_FALSE(IsContactPrompt("Call for witnesses after crash on 12-03-2025"));
  EXPECT_FALSE(IsContactPrompt("Call for witnesses after crash on 12/03/2025"));
  EXPECT_FALSE(IsContactPrompt("Ring road works extended to 2024/2025"));
  // Ranges of more than one year too.
  EXPECT_FALSE(IsContactPrompt("Ring road works extended to 2024-2026"));
  EXPECT_FALSE(IsContactPrompt("Call to freeze rail fares to 2024-26"));
  EXPECT_FALSE(
      IsContactPrompt("Call for a memorial to the fallen of 1914-1918"));
  EXPECT_TRUE(IsContactPrompt("Call the newsdesk on 0161-555-0199"));
  // Grouped like a date but holding no day and month: a number.
  EXPECT_TRUE(IsContactPrompt("Call the newsdesk on 12-34-5678"));
  EXPECT_TRUE(IsContactPrompt("Text the studio on 81-97-60"));
  EXPECT_TRUE(IsContactPrompt("Text your tips to 0161 555 0199"));
  EXPECT_TRUE(ClassifyLine("Ring road opening delayed to 2025-26").empty());
  EXPECT_TRUE(
      ClassifyLine("Call for witnesses after crash on 12-03-2025").empty());
}

TEST(CleanArticleTest, AHeadlineEndingOnADateStaysTheTitle) {
  const std::string body =
      "By Ines Varga\n\n"
      "3 March 2025\n\n"
      "The opening of the town's ring road has been put back by a year, the "
      "county council said on Monday, after contractors found old mine "
      "workings under the route.\n\n"
      "Councillors were told the extra cost would be met from reserves.";
  for (const std::string title :
       {"Ring road opening delayed to 2025-26",
        "Call for witnesses after crash on 12-03-2025"}) {
    EXPECT_EQ(Clean(MakeArticle(title, body)).title(), title);
  }
}

// A label and a colon is a control, speech and an appeal are not; a
// widget's state is a few words in an ellipsis, a longer line so ending is
// a sentence cut short.
TEST(BoilerplateTest, FooterControlsAreLabelsAndWidgetStatesNotSpeech) {
  EXPECT_TRUE(IsFooterControl("Next fixture: Saturday 14 June v Harbour Town"));
  EXPECT_TRUE(IsFooterControl(
      "Correction policy: we correct errors of fact promptly."));
  EXPECT_FALSE(IsFooterControl("He said: \"We apologise for the delay.\""));
  EXPECT_FALSE(IsFooterControl("Mrs Patel said: we are glad it is over."));
  EXPECT_FALSE(IsFooterControl(
      "Anyone with information: call police on 101 quoting incident 245."));
  EXPECT_TRUE(IsFooterControl("Loading comments\xE2\x80\xA6"));
  EXPECT_TRUE(IsFooterControl("Fetching replies..."));
  // A story's short line trailing off opens on no -ing verb.
  for (const char* line : {"And then\xE2\x80\xA6", "Or is it...",
                           "Until now\xE2\x80\xA6", "To be continued..."}) {
    EXPECT_FALSE(IsFooterControl(line)) << line;
  }
  EXPECT_FALSE(IsFooterControl(
      "And as one trader put it, the lane may open before the shops do..."));
  EXPECT_FALSE(IsFooterControl(""));
  EXPECT_FALSE(IsFooterControl(": "));
  EXPECT_FALSE(IsFooterControl("?"));
}

TEST(BoilerplateTest, HeadlineWordsInTextCountsSharedWordStarts) {
  EXPECT_EQ(HeadlineWordsInText("Museum Asks for Photos of the Pier",
                                "The museum wants photographs of the pier."),
            2);  // museum, photos~photographs; "pier" is too short
  EXPECT_EQ(HeadlineWordsInText("This page was printed from our archive",
                                "This month growers picked a record crop."),
            0);
}

// Under a footer of cut lines, a sentence naming the outlet is its house
// note even when it is the last sentence; after a single cut line (an
// advertisement) such a sentence is still the story's.
TEST(CleanArticleTest, AHouseNoteUnderTheFooterGoes) {
  v1::Article article = MakeArticle(
      "Harbour wall repairs start in May",
      "Repairs to the harbour wall will start in May and last ten weeks, "
      "the port authority said.\n\n"
      "Share on Facebook\n\n"
      "Sign up for our newsletter\n\n"
      "Gullport Echo is published by the Coastline Press group.");
  article.set_url("https://gullport-echo.example/news/wall");
  v1::Article cleaned = Clean(article);
  EXPECT_THAT(Paragraphs(cleaned.body()),
              ElementsAre(StartsWith("Repairs to the harbour wall")));
  EXPECT_THAT(Removed(cleaned),
              Contains(Pair(StartsWith("Gullport Echo is published"),
                            std::string(kReasonOutletName))));

  v1::Article story = MakeArticle(
      "Harbour wall repairs start in May",
      "Repairs to the harbour wall will start in May and last ten weeks, "
      "the port authority said.\n\n"
      "Advertisement\n\n"
      "The contractor did not reply to the Gullport Echo's questions.");
  story.set_url("https://gullport-echo.example/news/wall");
  EXPECT_THAT(Paragraphs(Clean(story).body()),
              ElementsAre(_, StartsWith("The contractor did not reply")));

  // A wire sign-off ends the story on its own.
  v1::Article wire = MakeArticle(
      "Harbour wall repairs start in May",
      "Repairs to the harbour wall will start in May and last ten weeks, "
      "the port authority said.\n\n"
      "(Reporting by Ann Vale; editing by Tom Reed)\n\n"
      "Gullport Echo\u2019s stories follow its published code of practice.");
  wire.set_url("https://gullport-echo.example/news/wall");
  EXPECT_THAT(Paragraphs(Clean(wire).body()),
              ElementsAre(StartsWith("Repairs to the harbour wall")));
}

// After the story, headlines under a label that is chrome are a list of
// other stories; a list that follows the story's own text stays.
TEST(CleanArticleTest, HeadlinesUnderAChromeLabelAfterTheStoryGo) {
  v1::Article cleaned = Clean(MakeArticle(
      "Ferry timetable changes for winter",
      "The island ferry will sail four times a day from November, down from "
      "six, the operator said.\n\n"
      "Most popular\n\n"
      "1. Lighthouse keeper's cottage sold at auction\n\n"
      "2. Harbour master retires after thirty years\n\n"
      "3. School minibus appeal reaches its target"));
  EXPECT_THAT(Paragraphs(cleaned.body()),
              ElementsAre(StartsWith("The island ferry")));
  EXPECT_THAT(Removed(cleaned),
              Contains(Pair("2. Harbour master retires after thirty years",
                            std::string(kReasonLinkLabel))));

  v1::Article own_list =
      Clean(MakeArticle("Cup draw pairs old rivals",
                        "The draw for the next round was made on Sunday.\n\n"
                        "Northfield Rovers v Eastgate Albion\n\n"
                        "Southbay Wanderers or Kilmore v Westholm Town"));
  EXPECT_THAT(Paragraphs(own_list.body()), ElementsAre(_, _, _));
}

// Session 14: the breaks older than session 13, each a headline or body
// line the cleaner removed.

// Two headline-shaped lines over the opening stamps that the lead both
// repeats are a headline and its deck: the upper line is the headline and
// is never cut as chrome above the deck. A line the lead does not repeat
// above the headline (a kicker, another story's teaser) is no headline.
TEST(CleanArticleTest, AHeadlineOverADeckTheLeadAlsoRepeatsStaysTheTitle) {
  const std::string lead =
      "The city's transport committee voted on Tuesday to end all "
      "late-evening bus routes from April, citing a budget shortfall.\n\n"
      "Drivers' unions said the decision would leave shift workers without "
      "a way home, and promised to fight it.";
  const std::string headline = "Transport committee ends late-evening routes";
  for (const std::string& feed_title : {std::string(), headline}) {
    v1::Article cleaned = Clean(MakeArticle(
        feed_title, headline +
                        "\n\nShift workers left stranded\n\nBy Ana Ruiz\n\n"
                        "4 June 2025\n\n" +
                        lead));
    EXPECT_EQ(cleaned.title(), headline) << feed_title;
    // Cut as the feed title's copy at most: the headline is the title.
    EXPECT_THAT(Removed(cleaned),
                Not(Contains(Pair(headline, Ne("duplicate-title")))));
    EXPECT_THAT(Paragraphs(cleaned.body()),
                Contains("Shift workers left stranded"));
  }
  // A kicker the lead repeats over a headline it repeats less stays above.
  v1::Article kicker = Clean(MakeArticle(
      "",
      "Budget shortfall\n\nCouncil axes night buses\n\nBy Ana Ruiz\n\n"
      "4 June 2025\n\n" +
          lead));
  EXPECT_EQ(kicker.title(), "Council axes night buses");
}

// Advice on what to do in the case the story describes closes it even
// without a full stop ("Call 999 if ..."): neither the scorer nor the
// footer's controls take it; a control speaking of the outlet or the page
// ("Contact us if ...") still goes.
TEST(CleanArticleTest, ConditionalAdviceUnderTheStoryStays) {
  EXPECT_TRUE(
      IsConditionalAdvice("Call 999 if you see anyone digging near the main"));
  EXPECT_FALSE(IsConditionalAdvice("Contact us if you have a story to tell"));
  EXPECT_FALSE(IsConditionalAdvice("Pass this on to a friend who cycles"));
  EXPECT_FALSE(IsConditionalAdvice("Click here if you agree"));
  EXPECT_FALSE(IsConditionalAdvice("Sign up if you want the morning news"));
  EXPECT_FALSE(IsConditionalAdvice("Councils if you ask them say no"));
  const std::string story =
      "The council says the cycle lane on Bridge Street will be finished by "
      "June, two months later than promised.\n\n"
      "Contractors found an old gas main under the junction with Mill Road, "
      "which had to be moved before work could go on.\n\n"
      "Shopkeepers said the delay had cost them trade.\n\n";
  for (const char* advice :
       {"Call 999 if you see anyone digging near the main",
        "Phone the gas board at once if you smell gas near the junction"}) {
    v1::Article cleaned = Clean(
        MakeArticle("Cycle lane will open in June",
                    absl::StrCat(story, advice,
                                 "\n\nShare this article\n\nAdvertisement")));
    EXPECT_THAT(Paragraphs(cleaned.body()), Contains(advice)) << advice;
    EXPECT_THAT(Removed(cleaned), Contains(Pair("Share this article", _)));
  }
  v1::Article control = Clean(MakeArticle(
      "Cycle lane will open in June",
      absl::StrCat(story,
                   "Contact us if you have a story to tell\n\nShare this "
                   "article\n\nAdvertisement")));
  EXPECT_THAT(Paragraphs(control.body()),
              Not(Contains("Contact us if you have a story to tell")));
}

// A code word in capitals naming the news or inviting the reader (NEWS,
// ALERTS), to send to a number, signs the reader up to a text service: an
// offer under the story, not advice on its events, so the scorer may take
// it; a number to call in the story's case, or a helpline's, a warning
// service's or a council's code word (SHOUT, FLOOD, UPDATES), stays advice.
TEST(CleanArticleTest, ATextServicesCodeWordIsNoAdvice) {
  EXPECT_FALSE(IsConditionalAdvice("Text NEWS to 88088 if you see a gas leak"));
  EXPECT_FALSE(
      IsConditionalAdvice("Text ALERTS to 60777 if you live near the river"));
  EXPECT_TRUE(IsConditionalAdvice(
      "Text UPDATES to 60777 if you need news of road closures"));
  EXPECT_TRUE(
      IsConditionalAdvice("Send FLOOD to 60060 if you live near the river"));
  EXPECT_TRUE(IsConditionalAdvice("Text SHOUT to 85258 if you need to talk"));
  EXPECT_TRUE(IsConditionalAdvice("Call 0800 111 999 if you smell gas"));
  EXPECT_TRUE(IsConditionalAdvice("Call NHS 111 if you feel unwell"));
  const std::string story =
      "Engineers are still working to repair a gas main under High Street, "
      "which has been closed to traffic since Monday morning.\n\n"
      "Shops on the street have stayed open, but buses are being sent along "
      "Station Road until the work is finished.\n\n";
  v1::Article cleaned = Clean(MakeArticle(
      "Gas leak closes High Street for a second day",
      story + "Text NEWS to 88088 if you want updates on the closure"));
  EXPECT_THAT(Paragraphs(cleaned.body()),
              Not(Contains("Text NEWS to 88088 if you want updates on the "
                           "closure")));
  v1::Article advice =
      Clean(MakeArticle("Gas leak closes High Street for a second day",
                        story + "Call 0800 111 999 if you smell gas"));
  EXPECT_THAT(Paragraphs(advice.body()),
              Contains("Call 0800 111 999 if you smell gas"));
}

TEST(CleanArticleTest, KeepsAGoodTitleAndDropsItsRepeat) {
  v1::Article cleaned = Clean(MakeArticle(
      "Harbor   fees\xC2\xA0rise\n",
      "Harbor fees rise\n\nFees at the harbor rise by 3% in June, the port "
      "said."));
  EXPECT_EQ(cleaned.title(), "Harbor fees rise");
  EXPECT_EQ(cleaned.body(),
            "Fees at the harbor rise by 3% in June, the port "
            "said.");
  EXPECT_THAT(Removed(cleaned),
              ElementsAre(Pair("Harbor fees rise", "duplicate-title")));
}

TEST(CleanArticleTest, SectionLabelWithoutHeadlineLeavesTitleEmpty) {
  v1::Article cleaned = Clean(MakeArticle(
      "Politics", "The county assembly met on Monday and passed the budget."));
  EXPECT_EQ(cleaned.title(), "");
  EXPECT_THAT(Removed(cleaned), ElementsAre(Pair("Politics", "section-label")));
  EXPECT_THAT(cleaned.warnings(), ElementsAre(HasSubstr("no headline")));
}

TEST(CleanArticleTest, EmptyBodyIsEmittedWithAWarning) {
  v1::Article cleaned =
      Clean(MakeArticle("Harbor news today", "Read more\n\nAdvertisement"));
  EXPECT_EQ(cleaned.title(), "Harbor news today");
  EXPECT_EQ(cleaned.body(), "");
  EXPECT_THAT(cleaned.warnings(), ElementsAre(HasSubstr("body is empty")));
  EXPECT_EQ(cleaned.removed_size(), 2);
}

TEST(CleanArticleTest, InvalidUtf8IsAnErrorNamingTheArticle) {
  v1::Article article = MakeArticle("Harbor fees",
                                    "Fees rose to \xA3"
                                    "15 on Monday.");
  article.set_id("harbor-42");
  absl::Status status = CleanArticle({}, &article);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("harbor-42"));
  EXPECT_THAT(std::string(status.message()), HasSubstr("body"));
  EXPECT_EQ(article.body(),
            "Fees rose to \xA3"
            "15 on Monday.");
}

TEST(CleanArticleTest, OptionsSwitchStepsOff) {
  const v1::Article input = MakeArticle(
      "World",
      "Tide Times\xC2\xA0Launch\n\nThe Secu- rity Board met.\n\nRead more\n\n"
      "Docks");
  CleanerOptions all_off;
  all_off.normalize_unicode = false;
  all_off.decode_entities = false;
  all_off.repair_mojibake = false;
  all_off.quotes = QuotePolicy::kAsWritten;
  all_off.join_hyphenation = false;
  all_off.extract_facts = false;
  all_off.remove_boilerplate = false;
  all_off.fix_title = false;
  v1::Article untouched = Clean(input, all_off);
  EXPECT_EQ(untouched.title(), "World");
  EXPECT_EQ(untouched.body(),
            "Tide Times\xC2\xA0Launch\n\nThe Secu- rity Board met.\n\nRead "
            "more\n\nDocks");
  EXPECT_THAT(untouched.removed(), IsEmpty());

  CleanerOptions no_short_lines;
  no_short_lines.min_body_line_words = 0;
  v1::Article with_short = Clean(input, no_short_lines);
  EXPECT_EQ(with_short.title(), "Tide Times Launch");
  EXPECT_EQ(with_short.body(), "The Security Board met.\n\nDocks");

  CleanerOptions forget_removed;
  forget_removed.keep_removed = false;
  v1::Article forgotten = Clean(input, forget_removed);
  EXPECT_EQ(forgotten.body(), "The Security Board met.");
  EXPECT_THAT(forgotten.removed(), IsEmpty());
}

TEST(CleanArticleTest, StepNamesMatchTheOptions) {
  EXPECT_THAT(CleanStepNames(),
              ElementsAre("repair_text", "join_hyphenation", "extract_facts",
                          "remove_boilerplate", "fix_title"));
}

// ---------------------------------------------------------------------------
// The stage through its C ABI

class FakeHost {
 public:
  FakeHost() {
    host_.struct_size = sizeof(nf_host);
    host_.context = this;
    host_.emit = [](void* context, const void* data, size_t size) {
      static_cast<FakeHost*>(context)->emitted.emplace_back(
          static_cast<const char*>(data), size);
      return NF_OK;
    };
    host_.log = [](void* context, nf_log_level, const char* message) {
      static_cast<FakeHost*>(context)->logs.emplace_back(message);
    };
    host_.reject = [](void* context, const char* what, const char*, const void*,
                      size_t) {
      static_cast<FakeHost*>(context)->rejected.emplace_back(what);
    };
  }
  const nf_host* host() const { return &host_; }

  std::vector<std::string> emitted;
  std::vector<std::string> logs;
  std::vector<std::string> rejected;

 private:
  nf_host host_{};
};

struct AbiCall {
  nf_result result;
  std::string error;
};

AbiCall ProcessThroughAbi(void* instance, const v1::Article& article) {
  std::string bytes = article.SerializeAsString();
  char message[256] = {};
  nf_error error{message, sizeof(message)};
  nf_result result =
      kCleanStageType.process(instance, bytes.data(), bytes.size(), &error);
  return {result, message};
}

TEST(CleanStageAbiTest, CleansAndEmitsThroughTheCAbi) {
  FakeHost host;
  char message[256] = {};
  nf_error error{message, sizeof(message)};
  void* instance = kCleanStageType.create(R"({"min_body_line_words": 2})",
                                          host.host(), &error);
  ASSERT_NE(instance, nullptr) << message;

  v1::Article article =
      MakeArticle("Middle East",
                  "Gulf ferry link opens\n\nA ferry link across the gulf "
                  "opened on Monday.\n\nShare this article");
  AbiCall call = ProcessThroughAbi(instance, article);
  ASSERT_EQ(call.result, NF_OK) << call.error;
  ASSERT_EQ(host.emitted.size(), 1u);
  v1::Article emitted;
  ASSERT_TRUE(emitted.ParseFromString(host.emitted[0]));
  EXPECT_EQ(emitted.id(), "test-article");
  EXPECT_EQ(emitted.title(), "Gulf ferry link opens");
  EXPECT_EQ(emitted.body(), "A ferry link across the gulf opened on Monday.");
  EXPECT_THAT(Removed(emitted),
              ElementsAre(Pair("Middle East", "section-label"),
                          Pair("Share this article", "call-to-action")));

  // Bytes that are no Article are an error for that input only.
  char garbage[] = "\xFF\xFF\xFF";
  char process_message[256] = {};
  nf_error process_error{process_message, sizeof(process_message)};
  EXPECT_EQ(kCleanStageType.process(instance, garbage, 3, &process_error),
            NF_ERROR);
  EXPECT_EQ(host.emitted.size(), 1u);
  kCleanStageType.destroy(instance);
}

TEST(CleanStageAbiTest, RejectsBadOptions) {
  FakeHost host;
  char message[256] = {};
  nf_error error{message, sizeof(message)};
  EXPECT_EQ(kCleanStageType.create(R"({"remove_boilerplat": true})",
                                   host.host(), &error),
            nullptr);
  EXPECT_THAT(std::string(message), HasSubstr("invalid options"));
  EXPECT_EQ(kCleanStageType.create(R"({"min_body_line_words": -1})",
                                   host.host(), &error),
            nullptr);
  EXPECT_THAT(std::string(message), HasSubstr("min_body_line_words"));
}

TEST(CleanStageAbiTest, OptionSchemaListsEveryOptionWithItsDefault) {
  EXPECT_STREQ(kCleanStageType.name, "clean");
  EXPECT_EQ(kCleanStageType.kind, NF_STAGE_TRANSFORM);
  const google::protobuf::Descriptor* descriptor =
      stages::clean::CleanOptions::descriptor();
  ASSERT_EQ(kCleanStageType.option_count,
            static_cast<size_t>(descriptor->field_count()));
  const CleanerOptions defaults;
  auto flag = [](bool value) -> std::string {
    return value ? "true" : "false";
  };
  // What the schema must say, from the cleaner's own defaults where it has
  // them.
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"normalize_unicode", flag(defaults.normalize_unicode)},
      {"join_hyphenation", flag(defaults.join_hyphenation)},
      {"remove_boilerplate", flag(defaults.remove_boilerplate)},
      {"fix_title", flag(defaults.fix_title)},
      {"min_body_line_words", std::to_string(defaults.min_body_line_words)},
      {"keep_removed", flag(defaults.keep_removed)},
      {"decode_entities", flag(defaults.decode_entities)},
      {"repair_mojibake", flag(defaults.repair_mojibake)},
      {"quotes", "\"keep\""},
      {"extract_facts", flag(defaults.extract_facts)},
      {"strip_dateline", flag(defaults.strip_dateline)},
      {"default_utc_offset", "\"\""},
      {"vocabulary_path", "\"\""},
      {"repeated_line_min_articles",
       std::to_string(defaults.repeated_line_min_articles)},
      {"state_path", "\"\""},
      {"state_save_every", "500"},
      {"max_sources", std::to_string(LineStatsLimits().max_sources)},
      {"max_lines_per_source",
       std::to_string(LineStatsLimits().max_lines_per_source)},
      {"learned_chrome_threshold",
       absl::StrCat(defaults.learned_chrome_threshold)},
  };
  ASSERT_EQ(expected.size(), kCleanStageType.option_count);
  for (size_t i = 0; i < kCleanStageType.option_count; ++i) {
    const nf_option_spec& spec = kCleanStageType.options[i];
    SCOPED_TRACE(spec.name);
    const google::protobuf::FieldDescriptor* field =
        descriptor->FindFieldByName(spec.name);
    ASSERT_NE(field, nullptr);
    EXPECT_EQ(spec.name, expected[i].first);
    EXPECT_EQ(spec.default_value, expected[i].second);
    EXPECT_GT(std::string(spec.help).size(), 40u);
    nf_option_type type = NF_OPTION_STRING;
    switch (field->cpp_type()) {
      case google::protobuf::FieldDescriptor::CPPTYPE_BOOL:
        type = NF_OPTION_BOOL;
        break;
      case google::protobuf::FieldDescriptor::CPPTYPE_INT32:
        type = NF_OPTION_INT;
        break;
      case google::protobuf::FieldDescriptor::CPPTYPE_DOUBLE:
        type = NF_OPTION_DOUBLE;
        break;
      default:
        type = absl::EndsWith(spec.name, "_path") ? NF_OPTION_PATH
                                                  : NF_OPTION_STRING;
    }
    EXPECT_EQ(spec.type, type);
  }
}

TEST(CleanStageAbiTest, EveryOptionDefaultParses) {
  // The schema's defaults, spelled out, create the same stage as "{}".
  std::string json = "{";
  for (size_t i = 0; i < kCleanStageType.option_count; ++i) {
    const nf_option_spec& spec = kCleanStageType.options[i];
    if (i > 0) json += ", ";
    json += absl::StrCat("\"", spec.name, "\": ", spec.default_value);
  }
  json += "}";
  FakeHost host;
  char message[256] = {};
  nf_error error{message, sizeof(message)};
  void* instance = kCleanStageType.create(json.c_str(), host.host(), &error);
  ASSERT_NE(instance, nullptr) << message;
  kCleanStageType.destroy(instance);
}

// ---------------------------------------------------------------------------
// Real data from ../shared (read at run time, never copied into the repo)

using testing::IsBlank;
using testing::ReadFile;
using testing::SplitLikeIngest;
using testing::SplitLines;

// The BBC corpus is clean article text: cleaning must keep nearly all of it
// and never take a title away.
TEST(CleanBbcTest, KeepsCleanNewsText) {
  const std::filesystem::path corpus =
      std::filesystem::path(NEWSFLOW_SHARED_DIR) / "corpora" / "bbc";
  if (!std::filesystem::exists(corpus)) {
    GTEST_SKIP() << "no BBC corpus at " << corpus;
  }
  // NEWSFLOW_PRINT_REMOVED=1 lists every removed line, for reading each
  // line a new rule removes.
  const bool print_removed = std::getenv("NEWSFLOW_PRINT_REMOVED") != nullptr;
  int articles = 0, lines = 0, removed = 0, titles_changed = 0;
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(corpus)) {
    if (entry.path().extension() != ".txt") continue;
    std::string text = ReadFile(entry.path());
    if (!IsValidUtf8(text)) continue;  // ingest converts those first
    std::vector<std::string> file_lines = SplitLines(text);
    v1::Article article;
    article.set_id(entry.path().filename().string());
    SplitLikeIngest(file_lines, &article);
    v1::Article cleaned = Clean(article);
    ++articles;
    for (const std::string& line : file_lines) lines += !IsBlank(line);
    removed += cleaned.removed_size();
    if (print_removed) {
      for (const v1::RemovedLine& line : cleaned.removed()) {
        std::printf("removed %s [%s] %s\n", article.id().c_str(),
                    line.reason().c_str(), line.text().c_str());
      }
    }
    if (cleaned.title() != *CleanLineText({}, article.title())) {
      ++titles_changed;
      ADD_FAILURE() << entry.path() << ": title became " << cleaned.title();
    }
  }
  ASSERT_GT(articles, 0);
  std::printf("BBC: %d articles, %d of %d lines removed (%.2f%%)\n", articles,
              removed, lines, 100.0 * removed / lines);
  EXPECT_EQ(titles_changed, 0);
  EXPECT_LT(removed * 100, lines);  // under 1%
}

// Review 14b's mends. The story under each case below.
const char* kCycleLaneStory =
    "The council says the cycle lane on Bridge Street will be finished by "
    "June, two months later than promised by the contractors.\n\n"
    "Contractors found an old gas main under the junction with Mill Road, "
    "which had to be moved before work could go on at the site.\n\n"
    "Shopkeepers said the delay had cost them trade over the busy spring "
    "months, and asked the council for a rates holiday.\n\n";

// A jump line opens on a word that sends the reader on ("Continued",
// "See", "Turn"), and a page strip holds only page words and numbers: a
// headline naming a page or a list counting places is neither, and the
// feed's title is never judged as a page's navigation.
TEST(BoilerplateTest, HeadlinesNamingAPageAndPlaceListsAreNoPageNavigation) {
  for (const char* title :
       {"Sun drops Page 3", "Goodbye to Page 3", "Terminals 1, 2 and 3 shut"}) {
    EXPECT_EQ(Clean(MakeArticle(title, kCycleLaneStory)).title(), title);
  }
  for (const char* line :
       {"1 Kenya 2 Ethiopia 3 Uganda", "1. Paris 2. Rome 3. Madrid",
        "Platforms 1, 2 and 3 closed", "Brexit back on Page 1",
        "Story of Page 3", "Winning numbers: 1 2 3 4 5 6"}) {
    EXPECT_EQ(ClassifyLine(line), "") << line;
    v1::Article c = Clean(MakeArticle(
        "Station shut after storm",
        absl::StrCat(kCycleLaneStory, line, "\n\n", kCycleLaneStory)));
    EXPECT_THAT(Paragraphs(c.body()), Contains(line));
  }
  for (const char* line :
       {"Story continues on page 6", "Turn to page 2", "See page 2",
        "Pages 1 2 3 of 12", "Page 1 2 3 Next"}) {
    EXPECT_EQ(ClassifyLine(line), kReasonLinkLabel) << line;
  }
}

// The bullet run under the story keeps its first item, whatever the
// story-end advice test says of it.
TEST(CleanArticleTest, FirstBulletUnderTheStoryKeepsItsBulletRun) {
  for (const char* list :
       {"- More details at the library\n\n- Bridge Street closed 6am-6pm\n\n"
        "- Buses diverted via Mill Road\n\n",
        "* Find out more on the council site\n\n* Bridge Street closed\n\n"
        "* Mill Road open\n\n",
        "\xE2\x80\xA2 Bridge Street closed from 6am\n\n"
        "\xE2\x80\xA2 Mill Road open to buses only\n\n"
        "\xE2\x80\xA2 Work ends in June\n\n"}) {
    v1::Article c =
        Clean(MakeArticle("Cycle lane will open in June",
                          absl::StrCat(kCycleLaneStory, list,
                                       "Share this article\n\nAdvertisement")));
    EXPECT_EQ(Paragraphs(c.body()).size(), 6u) << list;
  }
}

// Asking the reader to reach the outlet's people ("the newsdesk", "the
// editor", "a correction") is a footer, not advice the story gives; a
// helpline or the reader's own team is advice still.
TEST(BoilerplateTest, NewsroomFooterIsNoConditionalAdvice) {
  for (const char* line : {"Contact the newsdesk if you have a story to tell",
                           "Let the editor know if you spot an error",
                           "Write to the editor if you have a complaint",
                           "Send photos to the newsdesk if you were there",
                           "Report a correction if you spot an error",
                           "Message the team on WhatsApp if you have a tip"}) {
    EXPECT_FALSE(IsConditionalAdvice(line)) << line;
  }
  for (const char* line : {"Contact the newsdesk if you have a story to tell",
                           "Let the editor know if you spot an error"}) {
    v1::Article c = Clean(
        MakeArticle("Cycle lane will open in June",
                    absl::StrCat(kCycleLaneStory, line,
                                 "\n\nShare this article\n\nAdvertisement")));
    EXPECT_THAT(Paragraphs(c.body()), Not(Contains(line)));
  }
  for (const char* line : {"Call 999 if you see anyone digging near the main",
                           "Call NHS 111 if you feel unwell",
                           "Text SHOUT to 85258 if you need to talk",
                           "Speak to your care team if you feel unwell"}) {
    EXPECT_TRUE(IsConditionalAdvice(line)) << line;
  }
}

// A feed title of two short parts around one bar or slash is a section
// trail: the headline above the byline and date, with no separator, wins.
TEST(CleanArticleTest, ShortSectionTrailTitleYieldsToTheHeadlineAboveStamps) {
  for (const char* title : {"Council news / Housing", "Cycling | Council"}) {
    v1::Article a = MakeArticle(
        title, absl::StrCat("Cycle lane will open in June\n\nBy Ana Ruiz\n\n"
                            "4 June 2025\n\n",
                            kCycleLaneStory));
    a.set_url("https://kestrelecho.example/news/lane");
    EXPECT_EQ(Clean(a).title(), "Cycle lane will open in June") << title;
  }
  // With no headline above the stamps the trail is all there is, and a
  // headline with a long side keeps its separator.
  EXPECT_EQ(
      Clean(MakeArticle("Council news / Housing", kCycleLaneStory)).title(),
      "Council news / Housing");
  EXPECT_EQ(Clean(MakeArticle("Cycle lane delayed | what it means for you",
                              absl::StrCat("Cycle lane will open in June\n\n"
                                           "By Ana Ruiz\n\n4 June 2025\n\n",
                                           kCycleLaneStory)))
                .title(),
            "Cycle lane delayed | what it means for you");
}

// A newsroom closed by "Team" or "Desk" is named after "the", and "the"
// opens a name, never stands inside one: "Meet The England Team, 3 May
// 2024" is a headline with a date.
TEST(ArticleFactsTest, HeadlineEndingOnTeamBesideADateIsNoStamp) {
  for (const char* line :
       {"Meet The England Team, 3 May 2024", "England Team, 3 May 2024",
        "Pick The Right Desk, 3 May 2024"}) {
    EXPECT_FALSE(ParseStampLine(line).has_value()) << line;
  }
  for (const char* line :
       {"The Communications Team, 3 May 2024", "Valley News | 3 May 2024",
        "Issued 21 March 2025 by the Communications Team",
        "Keston Sound newsroom \xC2\xB7 14:20, Thursday 20 March 2025"}) {
    EXPECT_TRUE(ParseStampLine(line).has_value()) << line;
  }
  EXPECT_EQ(Clean(MakeArticle("", absl::StrCat("Meet The England Team, 3 May "
                                               "2024\n\n",
                                               kCycleLaneStory)))
                .title(),
            "Meet The England Team, 3 May 2024");
}

// Of two headline-shaped lines over the stamps, the upper is the headline
// only when the lead repeats it more: on a tie it is a kicker.
TEST(CleanArticleTest, KickerTheLeadRepeatsNoMoreThanTheHeadlineStaysAKicker) {
  const std::string lead =
      "The city's transport committee voted on Tuesday to end all "
      "late-evening routes from April, citing a budget shortfall.\n\n"
      "Drivers' unions said the decision would leave shift workers without "
      "a way home, and promised to fight it.";
  EXPECT_EQ(Clean(MakeArticle("",
                              "Drivers unions promise to fight\n\nTransport "
                              "committee ends late-evening routes\n\nBy Ana "
                              "Ruiz\n\n4 June 2025\n\n" +
                                  lead))
                .title(),
            "Transport committee ends late-evening routes");
  EXPECT_EQ(Clean(MakeArticle("",
                              "Budget shortfall\n\nTransport committee ends "
                              "late-evening routes\n\nBy Ana Ruiz\n\n4 June "
                              "2025\n\n" +
                                  lead))
                .title(),
            "Transport committee ends late-evening routes");
  // The lead repeats the upper more: it is the headline, the lower a deck.
  EXPECT_EQ(Clean(MakeArticle("",
                              "Transport committee ends late-evening routes "
                              "in April\n\nShift workers left stranded\n\n"
                              "By Ana Ruiz\n\n4 June 2025\n\n" +
                                  lead))
                .title(),
            "Transport committee ends late-evening routes in April");
}

const char* kStormStory =
    "Storm Kestrel brought winds of up to 90mph to the coast overnight, "
    "bringing down trees and cutting power to thousands of homes.\n\n"
    "The Met Office said the worst of the winds had passed but warned of "
    "flooding on low roads through the morning.\n\n"
    "Engineers were working to restore power, the network operator said, "
    "and most homes should be reconnected by the evening.\n\n";

// Found by review 14g: a feed title of two short capitalised parts around
// one bar that the lead repeats is the headline, not a section trail: it
// yields only to a line above the byline and date, and only when the lead
// does not repeat it.
TEST(CleanArticleTest, ATrailShapedHeadlineTheLeadRepeatsStaysOverAKicker) {
  // A kicker above the byline takes the title; the real headline is lost.
  EXPECT_EQ(Clean(MakeArticle("Kestrel Storm | Live Updates",
                              absl::StrCat("Live coverage\n\nBy Ana Ruiz\n\n"
                                           "4 June 2025\n\n",
                                           kStormStory)))
                .title(),
            "Kestrel Storm | Live Updates");
}

TEST(CleanArticleTest, ATrailShapedHeadlineStaysOverAnOpeningSubheading) {
  // No stamps: HeadlineByShape's pick (a subheading) takes the title.
  v1::Article c =
      Clean(MakeArticle("Kestrel Storm | Live Updates",
                        absl::StrCat("What we know so far\n\n", kStormStory)));
  EXPECT_EQ(c.title(), "Kestrel Storm | Live Updates");
  EXPECT_THAT(Paragraphs(c.body()), Contains("What we know so far"));
}

TEST(CleanArticleTest, ATrailShapedHeadlineNeverCutsTheLeadAboveASubheading) {
  // The subheading below the lead becomes the title and every line above
  // it (the lead) is removed as above-headline: a body line cut.
  v1::Article c = Clean(
      MakeArticle("Kestrel Storm | Live Updates",
                  absl::StrCat("Winds of 90mph hit the coast overnight.\n\n"
                               "What we know so far\n\n",
                               kStormStory)));
  EXPECT_EQ(c.title(), "Kestrel Storm | Live Updates");
  EXPECT_THAT(Paragraphs(c.body()),
              Contains("Winds of 90mph hit the coast overnight."));
  EXPECT_EQ(Paragraphs(c.body()).size(), 5u);
}

TEST(CleanArticleTest, ATrailShapedHeadlineStaysOverItsDeck) {
  v1::Article c = Clean(MakeArticle(
      "Kestrel Storm | Live Updates",
      absl::StrCat("Trees down and thousands without power across the coast"
                   "\n\nBy Ana Ruiz\n\n4 June 2025\n\n",
                   kStormStory)));
  EXPECT_EQ(c.title(), "Kestrel Storm | Live Updates");
}

TEST(BoilerplateTest,
     ClassifyTitleLineEqualsClassifyLineBesidesPageNavigation) {
  for (const char* line :
       {"Kestrel Storm | Live Updates", "Subscribe to our newsletter",
        "Share this article", "Read more", "Copyright 2025 Kestrel Echo",
        "Don't Miss Out: Festival Tickets Sell Out", "Sun drops Page 3",
        "Terminals 1, 2 and 3 shut", "Click here", "Advertisement"}) {
    EXPECT_EQ(ClassifyTitleLine(line), ClassifyLine(line)) << line;
  }
}

// Review 15 of the session-15 cleaning rules: each case below failed on
// 9aced67.

v1::Article CleanWithUrl(const std::string& url, const std::string& title,
                         const std::string& body) {
  v1::Article article;
  article.set_id("url-test");
  article.set_url(url);
  article.set_title(title);
  article.set_body(body);
  absl::Status status = CleanArticle(CleanerOptions{}, &article);
  EXPECT_TRUE(status.ok()) << status;
  return article;
}

// Rule 1 (HeadlineUnderMasthead): a Title Case headline of four or five
// words that names the outlet's place, a person whose name the host starts
// with, or the outlet itself, over a section label and a deck the lead
// repeats more (in other words than the headline's): the deck became the
// title and the headline went as above-headline.
TEST(CleanArticleTest,
     ATitleCaseHeadlineNamingTheOutletStaysOverALabelAndDeck) {
  const std::string ferry =
      "Council agrees to fund the crossing for five more years\n\n"
      "By Ada Merrow | 2 June 2025\n\n"
      "The council has agreed to fund the Tarnhollow ferry crossing for five "
      "more years, ending months of doubt over the service.\n\n"
      "Councillors voted on Tuesday to keep the crossing running until 2030 "
      "at a cost of about \xC2\xA3"
      "400,000 a year.\n\n"
      "Passengers said the vote was a relief for people who use the crossing "
      "to reach work.";
  const std::string headline = "Tarnhollow Ferry Wins Reprieve";
  for (const std::string& head :
       {std::string("Transport\n\n"), headline + "\n\n"}) {
    const v1::Article cleaned =
        CleanWithUrl("https://tarnhollowgazette.example/transport/ferry",
                     headline, head + ferry);
    EXPECT_EQ(cleaned.title(), headline) << head;
  }
  const v1::Article mayor = CleanWithUrl(
      "https://fenwicktimes.example/politics/leader",
      "Mayor Fenwick Steps Down Today",
      "Politics\n\n"
      "Council leader quits after budget row\n\n"
      "By Ada Merrow | 2 June 2025\n\n"
      "Council leader Ann Fenwick quit on Monday after a row over the "
      "council budget with her own party.\n\n"
      "Fenwick said she could not back a budget that cut the leader's own "
      "plans for libraries, and that the mayor had been told.\n\n"
      "The council will choose a new leader at its next meeting.");
  EXPECT_EQ(mayor.title(), "Mayor Fenwick Steps Down Today");
  // The commit's own "about the outlet" case has six words, so
  // ReadsAsOutletName is false before the lead is looked at; in five words
  // with the lead saying "prize" the deck wins.
  const v1::Article award = CleanWithUrl(
      "https://tarnhollowgazette.example/news/award",
      "Tarnhollow Gazette Wins Press Award",
      "Readers with a print subscription can sign in for the archive.\n\n"
      "News / Farming / Sport / Letters\n\n"
      "Farming\n\n"
      "Judges single out its flood coverage\n\n"
      "By Ada Merrow | 2 June 2025\n\n"
      "The Tarnhollow Gazette has won a regional prize for the second year "
      "running, the judges announced on Friday.\n\n"
      "Judges singled out the paper's coverage of the spring floods, calling "
      "the flood coverage the best in the region.\n\n"
      "The editor said the prize belonged to the readers who sent in their "
      "pictures.");
  EXPECT_EQ(award.title(), "Tarnhollow Gazette Wins Press Award");
}

// Rule 1: under a masthead title, a story that opens at once (no headline
// in the body) and has a subheading over a dated update within its first
// six lines: the story's opening paragraphs went as above-headline and the
// subheading became the title.
TEST(CleanArticleTest, TheStorysOpeningAboveADatedUpdateStaysUnderAMasthead) {
  const v1::Article cleaned = CleanWithUrl(
      "https://tarnhollowgazette.example/news/flood",
      "Tarnhollow Gazette \xE2\x80\x94 serving the upper dale since 1884",
      "River Tarn burst its banks on Sunday night, flooding forty homes in "
      "the lower town.\n\n"
      "Families spent the night in the school hall while firefighters "
      "pumped water from the streets.\n\n"
      "Council opens flood recovery fund for families\n\n"
      "Updated 3 June 2025\n\n"
      "The council has opened a flood recovery fund for families whose "
      "homes were flooded, with grants of up to \xC2\xA3"
      "500.\n\n"
      "Families can apply for the flood recovery fund at the town hall from "
      "Wednesday.\n\n"
      "The council said more than forty families had already asked for "
      "help.");
  EXPECT_TRUE(absl::StrContains(cleaned.body(), "River Tarn burst its banks"));
  EXPECT_TRUE(absl::StrContains(cleaned.body(), "Families spent the night"));
}

const char* kFestivalStory =
    "The Larchmere folk festival will return to Castle Park in July after a "
    "two-year break, its organisers said on Monday.\n\n"
    "More than forty acts have been booked for the three days, including "
    "several bands from the town.\n\n"
    "The organisers said tickets had sold faster than in any year before the "
    "break.\n\n"
    "Dates: 18-20 July\n\n"
    "Venue: Castle Park, Larchmere\n\n"
    "Tickets: \xC2\xA3"
    "45 for the weekend, from the town hall box office\n\n";

// Rule 2 (the control as evidence in RemoveOutletLines): the story's own
// fact box ("Label: value" lines) counts as the page's controls, so the
// publisher's standard note under it goes, and then the footer walk and
// the scorer take the fact box too. Without the rule the box stays.
TEST(CleanArticleTest, TheStorysFactBoxStaysAboveThePublishersNote) {
  const v1::Article cleaned =
      CleanWithUrl("https://larchmeregazette.example/whatson/festival",
                   "Folk festival returns to Larchmere park this summer",
                   std::string(kFestivalStory) +
                       "The Larchmere Gazette is published by Heartland Media "
                       "Ltd.");
  EXPECT_TRUE(absl::StrContains(cleaned.body(), "Dates: 18-20 July"));
  EXPECT_TRUE(absl::StrContains(cleaned.body(), "Tickets: "));
}

// Rule 2, the README's "residual risk": a story about its own paper, its
// fact box, and its closing sentence naming the paper's owner: all its
// lines stay. So with a fact box of one line ("Staff: 14 journalists"): one
// line sharing a story word under a label that is no page navigation is a
// fact box.
TEST(CleanArticleTest, AStoryAboutItsPaperKeepsItsFactBoxAndLastSentence) {
  for (const char* fact_box :
       {"Price: not disclosed\n\nStaff: 14 journalists\n\n",
        "Staff: 14 journalists\n\n"}) {
    const v1::Article cleaned = CleanWithUrl(
        "https://larchmeregazette.example/news/sale",
        "Larchmere Gazette sold to regional publisher",
        absl::StrCat(
            "The Larchmere Gazette has been sold to a regional publisher "
            "after 140 years in the hands of one family.\n\n"
            "Heartland Media said it would keep the paper's office in the "
            "town and all of its staff.\n\n",
            fact_box,
            "The Larchmere Gazette is owned by Heartland Media from today, "
            "the company said."));
    EXPECT_TRUE(absl::StrContains(cleaned.body(), "Staff: 14 journalists"))
        << cleaned.body();
    EXPECT_TRUE(absl::StrContains(cleaned.body(), "from today, the company"))
        << cleaned.body();
  }
}

// A sports story that opens with its headline and no stamp.
constexpr char kCupAnniversaryStory[] =
    "Rovers players mark a year since their cup win\n\n"
    "A year ago today the club won the county cup for the first time in "
    "forty years, and the players met again at the ground on Saturday.\n\n"
    "The captain said the win had changed the club, which now runs three "
    "junior sides.";

// Rule 3 (StampRepeatedUnderTitle): a title that is only a date ("4 May
// 2025", "Sunday 4 May 2025", "Published 4 May 2025") has a headline's
// shape by HasHeadlineShape (two words or more, no lowercase start), so
// over a body that opens on a stamp with a date it stays the title, and
// the headline under the stamp stays a body line.
TEST(CleanArticleTest, ADateTitleOverTheStorysStampYieldsToTheHeadline) {
  const std::string story = kCupAnniversaryStory;
  for (const char* title : {"4 May 2025", "Sunday 4 May 2025"}) {
    const v1::Article cleaned =
        CleanWithUrl("https://rovers.example/news/anniversary", title,
                     "By Omar Fell | 4 May 2025\n\n" + story);
    EXPECT_EQ(cleaned.title(), "Rovers players mark a year since their cup win")
        << title;
  }
  const v1::Article published = CleanWithUrl(
      "https://rovers.example/news/anniversary", "Published 4 May 2025",
      "Published 4 May 2025 | By Omar Fell\n\n" + story);
  EXPECT_EQ(published.title(),
            "Rovers players mark a year since their cup win");
  // A title that is a byline line, the story's own or another's, is a
  // stamp too.
  for (const char* byline : {"By Omar Fell", "By Ada Merrow"}) {
    const v1::Article byline_title =
        CleanWithUrl("https://rovers.example/news/anniversary", byline,
                     "By Omar Fell | 4 May 2025\n\n" + story);
    EXPECT_EQ(byline_title.title(),
              "Rovers players mark a year since their cup win")
        << byline;
  }
}

// A story under a byline, and its headline, for the notes printed between.
constexpr char kVillageHallStory[] =
    "By Ruth Pellow\n\n"
    "The village hall in Fenlow reopened on Saturday after volunteers "
    "spent the winter raising money for a new roof.\n\n"
    "The old roof had leaked for years, and the hall was closed in October "
    "when part of the ceiling fell in.\n\n"
    "The hall committee said the new roof should last fifty years.";
constexpr char kVillageHallHeadline[] =
    "Village hall reopens after a new roof is fitted";

// Of two headline-shaped lines over the byline, the lower one the lead
// repeats none of the longer words of (a note on where the story was
// printed first) is no headline: the one above it the lead repeats is, and
// stays the title.
TEST(CleanArticleTest,
     ANoteUnderTheHeadlineTheLeadRepeatsNothingOfIsNoHeadline) {
  const std::string story = kVillageHallStory;
  const std::string headline = kVillageHallHeadline;
  v1::Article article =
      MakeArticle("The Fenlow Chronicle",
                  headline + "\n\nAs printed in our spring number\n\n" + story);
  article.set_url("https://fenlowchronicle.example/village/hall");
  const v1::Article cleaned = Clean(article);
  EXPECT_EQ(cleaned.title(), headline);
  EXPECT_EQ(cleaned.byline(), "Ruth Pellow");
  // A lower headline the lead repeats stays the headline under a kicker.
  v1::Article kicker =
      MakeArticle("The Fenlow Chronicle",
                  "Fenlow village news\n\n" + headline + "\n\n" + story);
  kicker.set_url("https://fenlowchronicle.example/village/hall");
  EXPECT_EQ(Clean(kicker).title(), headline);
}

// A masthead whose host runs "the" into the name ("The Gazette" on
// thegazette, "The Hindu" on thehindu.com) reads as the outlet's name:
// "the" may spell part of the name, so the headline over the stamps takes
// the title.
// Each (url, masthead) page over kFarmingPageHead and kGrazingStory gives
// its title to the headline over the stamps.
void ExpectTheMastheadYieldsToTheHeadline(
    const std::vector<std::pair<std::string, std::string>>& pages) {
  for (const auto& [url, masthead] : pages) {
    const v1::Article cleaned = CleanWithUrl(
        url, masthead, std::string(kFarmingPageHead) + kGrazingStory);
    EXPECT_EQ(cleaned.title(),
              "Hill farmers win a reprieve on winter grazing rules")
        << masthead << "\nBODY:\n"
        << cleaned.body();
  }
}

TEST(CleanArticleTest, AMastheadWhoseHostJoinsTheToTheNameYieldsToTheHeadline) {
  ExpectTheMastheadYieldsToTheHeadline(
      {{"https://thegazette.example/farming/grazing", "The Gazette"},
       {"https://www.thehindu.com/farming/grazing", "The Hindu"},
       {"https://www.theherald.co.uk/farming/grazing",
        "The Herald \xE2\x80\x94 Scotland's champion"}});
}

// `headline` over the page's head, `deck`, a byline and `lead` stays the
// title.
void ExpectTheHeadlineStaysOverItsDeck(const std::string& url,
                                       const std::string& headline,
                                       const std::string& deck,
                                       const std::string& lead) {
  const v1::Article cleaned =
      CleanWithUrl(url, headline,
                   absl::StrCat(kFarmingPageHead, deck,
                                "\n\nBy Omar Fell | 2 June 2025\n\n", lead));
  EXPECT_EQ(cleaned.title(), headline) << "BODY:\n" << cleaned.body();
}

// A Title Case headline that spells the host's name and goes on with
// what happened ("Tarnhollow Gazette Editor Retires") is no masthead:
// words after the name must be a masthead's own ("Weekly", "Online"), so
// the headline stays the title over a label and a deck the lead repeats.
// So with a word before the name that no masthead prints ("Saving The
// Herald" on theherald, where "the" spells part of the name).
TEST(CleanArticleTest, AHeadlineAroundTheHostsNameIsNoMasthead) {
  for (const auto& [url, headline, deck, lead] : std::vector<
           std::tuple<std::string, std::string, std::string, std::string>>{
           {"https://tarnhollowgazette.example/news/editor",
            "Tarnhollow Gazette Editor Retires",
            "People\n\nAda Merrow leaves after thirty years at the paper",
            "Ada Merrow, who led the paper for thirty years, stepped down on "
            "Friday with a party for readers at the town hall.\n\n"
            "Merrow joined the paper as a trainee and became its first woman "
            "at the top in 1995.\n\n"
            "Her deputy will take over next month, the owners said."},
           {"https://www.theherald.example/news/sale", "Saving The Herald",
            "Readers raise a million to buy their paper",
            "Readers raised a million pounds in a month to buy their paper "
            "from its owners, the campaign said on Friday.\n\n"
            "The million will pay for the presses and the office.\n\n"
            "The owners said they would sell to the readers."}}) {
    ExpectTheHeadlineStaysOverItsDeck(url, headline, deck, lead);
  }
}

// The title Clean finds on a Fenlow Chronicle page that prints `kicker`
// over `headline` over a byline and `story`.
std::string TitleUnderKicker(const std::string& kicker,
                             const std::string& headline,
                             const std::string& story) {
  v1::Article article =
      MakeArticle("The Fenlow Chronicle", kicker + "\n\n" + headline +
                                              "\n\nBy Ruth Pellow\n\n" + story);
  article.set_url("https://fenlowchronicle.example/news/story");
  return Clean(article).title();
}

// A headline in the outlet's voice ("Our town's ...") under a kicker the
// lead repeats more is no note of where the story ran ("From our June
// issue"): it stays the title, the kicker above it chrome.
TEST(CleanArticleTest, HeadlineInTheOutletsVoiceUnderARepeatedKickerStays) {
  const std::string headline = "Our town's last picture house goes dark";
  for (const char* kicker :
       {"Regent Cinema", "Regent Cinema closure",
        "Farewell to the Regent Cinema", "Fenlow Regent Cinema 1933-2025"}) {
    EXPECT_EQ(
        TitleUnderKicker(
            kicker, headline,
            "The Regent cinema in Fenlow showed its final film on Sunday, "
            "ninety-two years after it first opened its doors.\n\n"
            "The owners said falling audiences and rising energy bills had "
            "made the cinema impossible to keep open.\n\n"
            "A campaign to reopen it as a community venue has already begun."),
        headline)
        << kicker;
  }
  // Likewise an editorial's "We were wrong" under a section kicker.
  const std::string editorial = "We were wrong, and we are sorry";
  for (const char* kicker : {"Fenlow bypass", "Fenlow Bypass Opinion",
                             "The Fenlow bypass, one year on"}) {
    EXPECT_EQ(
        TitleUnderKicker(
            kicker, editorial,
            "Last spring this newspaper backed the Fenlow bypass, saying the "
            "road would take lorries out of the market square.\n\n"
            "The bypass opened in March, and the lorries still come through "
            "the square every morning.\n\n"
            "Readers who told us so deserve an apology."),
        editorial)
        << kicker;
  }
}

// The body Clean leaves of a festival story on the Larchmere Gazette's
// page under which `listing` and the publisher's note stand.
std::string FestivalBodyOverListingAndNote(const std::string& listing) {
  return CleanWithUrl(
             "https://larchmeregazette.example/whatson/festival",
             "Folk festival returns to Larchmere park this summer",
             "The Larchmere folk festival will return to Castle Park in July "
             "after a two-year break, its organisers said on Monday.\n\n"
             "More than forty acts have been booked for the three days, "
             "including several bands from the town.\n\n"
             "The organisers said tickets had sold faster than in any year "
             "before the break.\n\n" +
                 listing +
                 "The Larchmere Gazette is published by Heartland Media Ltd.")
      .body();
}

// One "Label: value" line under the story with a navigation label
// ("Section: Festival guide", "Tags: festival, music") is the page's
// listing even when it shares a story word, so the publisher's note under
// the line goes.
TEST(CleanArticleTest, OneListingLineSharingAStoryWordIsNoFactBox) {
  for (const char* chrome :
       {"Tags: festival, music, Larchmere\n\n",
        "Related: Festival tickets sell out in a day\n\n",
        "Topics: Festival, Music\n\n", "Filed under: Festival news\n\n",
        "Section: Festival guide\n\n", "Comments: 12 on the festival\n\n",
        "Share this festival story: Facebook, X, Email\n\n"}) {
    EXPECT_FALSE(absl::StrContains(FestivalBodyOverListingAndNote(chrome),
                                   "Heartland Media"))
        << chrome;
  }
}

// A title that is a photo credit or a byline ("Photo: Jane Doe", "By
// OMAR FELL") is no headline: the headline over the story takes the title.
TEST(CleanArticleTest, ACreditOrBylineTitleYieldsToTheHeadline) {
  const std::string story = kCupAnniversaryStory;
  for (const char* title : {"Photo: Jane Doe", "Photograph: Jane Doe/Reuters",
                            "Jane Doe/Getty Images", "By OMAR FELL",
                            "Photo: Jane Doe \xC2\xB7 4 May 2025",
                            "By Omar Fell, Sports Reporter"}) {
    const v1::Article cleaned =
        CleanWithUrl("https://rovers.example/news/anniversary", title,
                     "By Omar Fell | 4 May 2025\n\n" + story);
    EXPECT_EQ(cleaned.title(), "Rovers players mark a year since their cup win")
        << title;
  }
}

// A note of where the story ran that does not open with a preposition
// ("First published in our spring number", "This story ran in our June
// issue") is the outlet's note too: the headline above it keeps the title.
TEST(CleanArticleTest, ANoteNotOpeningOnAPrepositionIsNoHeadline) {
  const std::string story = kVillageHallStory;
  const std::string headline = kVillageHallHeadline;
  for (const char* note :
       {"First published in our spring number",
        "Reprinted from our spring number", "This story ran in our June issue",
        "Published in our June issue"}) {
    v1::Article article = MakeArticle(
        "The Fenlow Chronicle", headline + "\n\n" + note + "\n\n" + story);
    article.set_url("https://fenlowchronicle.example/village/hall");
    const v1::Article cleaned = Clean(article);
    EXPECT_EQ(cleaned.title(), headline) << note << "\nBODY:\n"
                                         << cleaned.body();
  }
}

// An editorial's headline opening on a preposition with "our" that goes on
// with a clause ("In our view, this is ...") is no note of where the story
// ran: under a kicker the lead repeats, it keeps the title.
TEST(CleanArticleTest, AnInOurViewHeadlineUnderAKickerStays) {
  const std::string headline = "In our view, this is a false economy";
  v1::Article article = MakeArticle(
      "The Fenlow Chronicle",
      "Fenlow library cuts\n\n" + headline +
          "\n\nBy Ruth Pellow\n\n"
          "The plan to shut Fenlow library two days a week will save the "
          "council less than it spends on one consultant.\n\n"
          "The library is the only warm public room in the town for "
          "hundreds of pensioners.\n\n"
          "Councillors should think again before the vote next month.");
  article.set_url("https://fenlowchronicle.example/opinion/library");
  const v1::Article cleaned = Clean(article);
  EXPECT_EQ(cleaned.title(), headline) << "BODY:\n" << cleaned.body();
}

// A section or edition masthead whose host spells only the brand ("BBC
// Sport" on bbc.co.uk, "Politico Europe" on politico.eu, "HuffPost UK" on
// huffpost.com): one word after the name in a short heading is a
// masthead's, so the headline over the stamps takes the title.
TEST(CleanArticleTest, ASectionMastheadYieldsToTheHeadline) {
  ExpectTheMastheadYieldsToTheHeadline(
      {{"https://www.bbc.co.uk/sport/farming/grazing", "BBC Sport"},
       {"https://www.politico.eu/farming/grazing", "Politico Europe"},
       {"https://www.huffpost.com/uk/farming/grazing", "HuffPost UK"},
       {"https://www.kestrel.example/farming/grazing", "Kestrel Observer"}});
}

// A Title Case headline of two or three words that spells the host's name
// and adds a word no edition or section prints ("Kestrel Mourns", "The
// Herald Closes", "Gazette Sold") is no masthead: it keeps the title over
// a deck above the byline.
TEST(CleanArticleTest, AShortHeadlineNamingTheOutletStays) {
  for (const auto& [url, headline, deck, lead] : std::vector<
           std::tuple<std::string, std::string, std::string, std::string>>{
           {"https://www.kestrel.example/news/holt", "Kestrel Mourns",
            "Thousands in Kestrel line the streets for Ann Holt",
            "Thousands lined the streets of Kestrel on Friday for the "
            "funeral of Ann Holt, the town's mayor for twenty years.\n\n"
            "Holt died last month aged 81 after a short illness.\n\n"
            "Her family thanked the crowds who lined the streets."},
           {"https://www.theherald.example/news/last-edition",
            "The Herald Closes",
            "The Herald prints its final edition after 140 years",
            "The Herald printed its final edition on Saturday, 140 years "
            "after its first, its owners said.\n\n"
            "Forty staff will lose their jobs when the printing presses "
            "stop.\n\n"
            "The owners blamed falling sales and rising paper prices."},
           {"https://gazette.example/news/sale", "Gazette Sold",
            "Heartland Media buys the Gazette and keeps its staff",
            "Heartland Media has bought the Gazette from the family that "
            "owned it for a century and will keep all of its staff.\n\n"
            "The price was not disclosed, the buyers said on Monday.\n\n"
            "Heartland Media owns twelve other weekly titles."}}) {
    ExpectTheHeadlineStaysOverItsDeck(url, headline, deck, lead);
  }
}

// Known limit (issue 18): whether a short headline naming the outlet stays
// the title depends on which head lines were cut before the title is
// fixed. AShortHeadlineNamingTheOutletStays passes because the shipped
// scorer keeps its page's sign-in notice; when rules cut the head (a skip
// link, a sign-in button, a menu) or the page has none, the deck is the
// first kept line, reads as a headline, and "Kestrel Mourns" is cut as a
// section-label. The section-label rule must not depend on head removals.
TEST(CleanArticleTest,
     DISABLED_AShortHeadlineNamingTheOutletStaysWhateverCutTheHead) {
  for (const char* head :
       {"Skip to content\n\nSign in\n\nNews | Farming | Sport | Letters\n\n",
        ""}) {
    const v1::Article cleaned = CleanWithUrl(
        "https://www.kestrel.example/news/holt", "Kestrel Mourns",
        absl::StrCat(head,
                     "Thousands in Kestrel line the streets for Ann Holt\n\n"
                     "By Omar Fell | 2 June 2025\n\n"
                     "Thousands lined the streets of Kestrel on Friday for the "
                     "funeral of Ann Holt, the town's mayor for twenty "
                     "years.\n\nHolt died last month aged 81 after a short "
                     "illness.\n\nHer family thanked the crowds who lined the "
                     "streets."));
    EXPECT_EQ(cleaned.title(), "Kestrel Mourns") << head;
  }
}

// A headline in the outlet's voice ending on "our" and a short phrase, with
// no verb of publishing before it ("Farewell to our picture house", "A
// false economy for our town") is no note of where the story ran: under a
// kicker the lead repeats, it keeps the title.
TEST(CleanArticleTest, AHeadlineEndingOnOurPhraseUnderAKickerStays) {
  EXPECT_EQ(
      TitleUnderKicker(
          "Regent Cinema closure", "Farewell to our picture house",
          "The Regent cinema in Fenlow showed its final film on Sunday, "
          "ninety-two years after it first opened its doors.\n\n"
          "The owners said falling audiences and rising energy bills had "
          "made the cinema impossible to keep open.\n\n"
          "A campaign to reopen it as a community venue has already begun."),
      "Farewell to our picture house");
  EXPECT_EQ(TitleUnderKicker(
                "Fenlow library cuts", "A false economy for our town",
                "The plan to shut Fenlow library two days a week will save the "
                "council less than it spends on one consultant.\n\n"
                "The library is the only warm public room in the town for "
                "hundreds of pensioners.\n\n"
                "Councillors should think again before the vote next month."),
            "A false economy for our town");
}

// A note of where the story ran that names a dated issue ("From our 14
// June 2025 edition", "From our archive, June 1987": dates, numbers and
// issue words do not count toward the phrase's three words) is no
// headline, even where the scorer took the headline above it for chrome.
TEST(CleanArticleTest, ADatedNoteIsNoHeadline) {
  for (const char* note :
       {"From our 14 June 2025 edition", "As printed in our spring 2025 number",
        "From our archive, June 1987",
        "This story ran in our print edition of 14 June"}) {
    v1::Article article = MakeArticle(
        "The Fenlow Chronicle", std::string(kVillageHallHeadline) + "\n\n" +
                                    note + "\n\n" + kVillageHallStory);
    article.set_url("https://fenlowchronicle.example/village/hall");
    const v1::Article cleaned = Clean(article);
    EXPECT_EQ(cleaned.title(), kVillageHallHeadline) << note << "\nBODY:\n"
                                                     << cleaned.body();
  }
}

// One listing line whose value counts nothing ("Topic: Festival", "Tag:
// festival", "Read more: ...", "See also: Festival guide") is the page's
// listing whatever its label, no fact box: the publisher's note under it
// goes.
TEST(CleanArticleTest, AListingLineWithNoNumberIsNoFactBox) {
  for (const char* chrome :
       {"Topic: Festival\n\n", "Tag: festival\n\n",
        "Read more: Festival tickets sell out in a day\n\n",
        "More on this story: Larchmere festival\n\n",
        "See also: Festival guide\n\n"}) {
    EXPECT_FALSE(absl::StrContains(FestivalBodyOverListingAndNote(chrome),
                                   "Heartland Media"))
        << chrome;
  }
}

// A masthead that prints an edition word before the brand its host spells
// ("Evening Standard" on standard.co.uk, "Irish Independent" on
// independent.ie, "Sunday Express" on express.co.uk) yields to the
// headline.
TEST(CleanArticleTest, AMastheadWithAnEditionWordBeforeTheBrandYields) {
  ExpectTheMastheadYieldsToTheHeadline(
      {{"https://www.standard.co.uk/farming/grazing", "Evening Standard"},
       {"https://www.independent.ie/farming/grazing", "Irish Independent"},
       {"https://www.express.co.uk/farming/grazing", "Sunday Express"},
       {"https://www.mirror.co.uk/farming/grazing", "Sunday Mirror"}});
}

}  // namespace
}  // namespace clean
}  // namespace newsflow
