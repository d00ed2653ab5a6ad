// Tests of what the clean stage reads from an article's text about the
// article itself: publication time, dateline, byline and credits. Every
// test string is our own invention.
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "newsflow/v1/article.pb.h"
#include "stages/clean/article_facts.h"
#include "stages/clean/cleaner.h"

namespace newsflow {
namespace clean {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;

std::string Published(std::string_view line) {
  std::optional<StampLine> stamp = ParseStampLine(line);
  if (!stamp.has_value()) return "(not a stamp)";
  return stamp->published.has_value() ? stamp->published->ToRfc3339() : "";
}

TEST(StampLineTest, ReadsTheFirstDateNotTheUpdate) {
  std::optional<StampLine> stamp = ParseStampLine(
      "March 22, 2011 09:11 pm | Updated September 30, 2016 11:26 pm IST - "
      "MOSCOW:");
  ASSERT_TRUE(stamp.has_value());
  ASSERT_TRUE(stamp->published.has_value());
  // The zone stated once applies to the whole line.
  EXPECT_EQ(stamp->published->ToRfc3339(), "2011-03-22T21:11:00+05:30");
  ASSERT_TRUE(stamp->updated.has_value());
  EXPECT_EQ(stamp->updated->ToRfc3339(), "2016-09-30T23:26:00+05:30");
  EXPECT_EQ(stamp->dateline, "MOSCOW");
}

TEST(StampLineTest, ReadsTheUsualDateFormats) {
  EXPECT_EQ(Published("Published: 14 May 2019, 08:30 GMT"),
            "2019-05-14T08:30:00Z");
  EXPECT_EQ(Published("Tue 14 May 2019 08.30 BST"),
            "2019-05-14T08:30:00+01:00");
  EXPECT_EQ(Published("Posted on 2019-05-14"), "2019-05-14");
  EXPECT_EQ(Published("2019-05-14T08:30:00.000-04:00"),
            "2019-05-14T08:30:00-04:00");
  EXPECT_EQ(Published("Mar. 3rd, 2015 at 10:42 a.m."), "2015-03-03");
  EXPECT_EQ(Published("10:42 AM ET, Thu March 3, 2022"),
            "2022-03-03T10:42:00-05:00");
  // The same zone name in summer: US daylight time.
  EXPECT_EQ(Published("10:42 AM ET, Thu July 7, 2022"),
            "2022-07-07T10:42:00-04:00");
  EXPECT_EQ(Published("22nd of March, 2011 | 5 min read"), "2011-03-22");
  EXPECT_EQ(Published("Published 14/05/2019 (UTC+3)"), "2019-05-14");
  EXPECT_EQ(Published("Date: 03/04/2019"), "");     // day and month ambiguous
  EXPECT_EQ(Published("3.11.2025"), "2025-11-03");  // dots: day first
  EXPECT_EQ(Published("2025.11.03"), "2025-11-03");
  EXPECT_EQ(Published("March 22, 2011 / 9:11 PM / Updated 5 years ago"),
            "2011-03-22");
}

TEST(StampLineTest, ReadsBylinesAndTheirAffiliations) {
  std::optional<StampLine> stamp =
      ParseStampLine("By JANE DOE and PETER ROE, Associated Press");
  ASSERT_TRUE(stamp.has_value());
  EXPECT_EQ(stamp->byline, "JANE DOE and PETER ROE");
  EXPECT_THAT(stamp->credits, ElementsAre("Associated Press"));

  stamp = ParseStampLine("By Maria Keane, Staff Writer | March 5, 2024");
  ASSERT_TRUE(stamp.has_value());
  EXPECT_EQ(stamp->byline, "Maria Keane");
  EXPECT_THAT(stamp->credits, IsEmpty());
  EXPECT_EQ(stamp->published->ToRfc3339(), "2024-03-05");

  // A newsroom's name stands for the role, and is the writer's credit.
  stamp = ParseStampLine("Joel Adeyemi, Larchmere FM News");
  ASSERT_TRUE(stamp.has_value());
  EXPECT_EQ(stamp->byline, "Joel Adeyemi");
  EXPECT_THAT(stamp->credits, ElementsAre("Larchmere FM News"));
  stamp = ParseStampLine("By Hana Sato, Valley News");
  ASSERT_TRUE(stamp.has_value());
  EXPECT_EQ(stamp->byline, "Hana Sato");
  EXPECT_THAT(stamp->credits, ElementsAre("Valley News"));
  // What a person does for a newsroom is no byline.
  EXPECT_FALSE(
      ParseStampLine("Tom Ekwall, a spokesman for Valley News").has_value());
  stamp = ParseStampLine("Kim Lowe, Rural affairs correspondent");
  ASSERT_TRUE(stamp.has_value());
  EXPECT_EQ(stamp->byline, "Kim Lowe");

  stamp = ParseStampLine("Posted by Jun Park on April 2, 2022");
  ASSERT_TRUE(stamp.has_value());
  EXPECT_EQ(stamp->byline, "Jun Park");

  stamp = ParseStampLine("Submitted by Ola Berg on 3 May 2024");
  ASSERT_TRUE(stamp.has_value());
  EXPECT_EQ(stamp->byline, "Ola Berg");
  EXPECT_EQ(stamp->published->ToRfc3339(), "2024-05-03");

  stamp = ParseStampLine("By Ana Ruiz, Luis Soto and Eva Lind");
  ASSERT_TRUE(stamp.has_value());
  EXPECT_EQ(stamp->byline, "Ana Ruiz, Luis Soto and Eva Lind");

  stamp = ParseStampLine("By Maarten Claes | Northsea Business Daily");
  ASSERT_TRUE(stamp.has_value());
  EXPECT_EQ(stamp->byline, "Maarten Claes");
  EXPECT_THAT(stamp->credits, ElementsAre("Northsea Business Daily"));

  stamp = ParseStampLine("By Reuters");
  ASSERT_TRUE(stamp.has_value());
  EXPECT_EQ(stamp->byline, "");
  EXPECT_THAT(stamp->credits, ElementsAre("Reuters"));
}

// Bylines are known by their shape, not a list of phrases: a participle
// before "by", or a label and a colon, then a person's name ending the line.
TEST(StampLineTest, ReadsBylinesByTheirShape) {
  for (const char* line :
       {"Tested by Petra Lund", "Driven by Petra Lund",
        "Photographed and written by Petra Lund", "Words: Petra Lund",
        "Text: Petra Lund", "Staff reporter: Petra Lund"}) {
    std::optional<StampLine> stamp = ParseStampLine(line);
    if (std::string(line).rfind("Photographed and", 0) == 0) {
      EXPECT_FALSE(stamp.has_value()) << line;  // two words before "by"
      continue;
    }
    ASSERT_TRUE(stamp.has_value()) << line;
    EXPECT_EQ(stamp->byline, "Petra Lund") << line;
    EXPECT_TRUE(stamp->byline_by_shape) << line;
  }
  // A role in lowercase words after the name.
  std::optional<StampLine> stamp =
      ParseStampLine("Written by Petra Lund, transport editor");
  ASSERT_TRUE(stamp.has_value());
  EXPECT_EQ(stamp->byline, "Petra Lund");
  EXPECT_FALSE(stamp->byline_by_shape);  // "Written by" is a known label
  // A picture credit, a company, a name that does not end the line, a verb
  // that is no participle, or a label of three words are no byline.
  EXPECT_FALSE(ParseStampLine("Photos: Petra Lund").has_value());
  EXPECT_FALSE(ParseStampLine("Source: Harbour Biotech Ltd").has_value());
  EXPECT_FALSE(ParseStampLine("Words: Petra Lund on the harbour").has_value());
  EXPECT_FALSE(ParseStampLine("Hit by Petra Lund").has_value());
  EXPECT_FALSE(
      ParseStampLine("Notes from the harbour: Petra Lund").has_value());
}

// A credit word joined by "and" to what else the writers did opens a byline
// at the line's start, as the credit word alone does.
TEST(StampLineTest, ACreditLabelOfTwoJobsOpensAByline) {
  std::optional<StampLine> stamp =
      ParseStampLine("Words and pictures by Petra Lund and Ivo Marek");
  ASSERT_TRUE(stamp.has_value());
  EXPECT_EQ(stamp->byline, "Petra Lund and Ivo Marek");
  EXPECT_FALSE(stamp->byline_by_shape);
  stamp = ParseStampLine("Text and research by Petra Lund");
  ASSERT_TRUE(stamp.has_value());
  EXPECT_EQ(stamp->byline, "Petra Lund");
  // Not at the line's start, or more than one word joined: no label.
  EXPECT_FALSE(ParseStampLine("Her words and deeds were judged by Petra Lund")
                   .has_value());
  EXPECT_FALSE(
      ParseStampLine("Words and their meanings by Petra Lund").has_value());
}

// The word after "and" in a two-job credit label is a newsroom job: the
// credits of a reviewed work ("Written and directed by") are no byline,
// and a headline shaped like a credit ("Posted and deleted by NAME") no
// stamp.
TEST(StampLineTest, ATwoJobCreditLabelNamesNewsroomJobsOnly) {
  for (const char* line :
       {"Written and directed by Greta Lund", "Words and music by Ana Ruiz",
        "Story and screenplay by Ivo Marek", "Posted and deleted by Elon Musk",
        "Written and signed by Vladimir Putin", "Reported and ignored by Ofcom",
        "Submitted and rejected by Brussels"}) {
    std::optional<StampLine> stamp = ParseStampLine(line);
    EXPECT_FALSE(stamp.has_value() && !stamp->byline.empty()) << line;
  }
  for (const char* line :
       {"Words and photographs by Petra Lund", "Story and video by Petra Lund",
        "Text and graphics by Petra Lund",
        "Story and research by Petra Lund"}) {
    std::optional<StampLine> stamp = ParseStampLine(line);
    ASSERT_TRUE(stamp.has_value()) << line;
    EXPECT_EQ(stamp->byline, "Petra Lund") << line;
  }
}

// A headline shaped like a two-job credit is the headline, and the review
// credit under a film review's headline is not the article's byline.
TEST(ExtractFactsTest, ACreditShapedHeadlineIsNoStampLine) {
  const std::string headline = "Posted and deleted by Elon Musk";
  const std::string body =
      "By Ana Ruiz\n\n4 June 2025\n\n"
      "A post claiming the launch had been cancelled appeared on the "
      "billionaire's account on Tuesday night and vanished an hour later.\n\n"
      "Engineers at the site said the launch was going ahead as planned on "
      "Friday morning.";
  for (const std::string& feed_title : {headline, std::string()}) {
    v1::Article article;
    article.set_id("credit-headline");
    article.set_title(feed_title);
    article.set_body(headline + "\n\n" + body);
    ASSERT_TRUE(CleanArticle(CleanerOptions(), &article).ok());
    EXPECT_EQ(article.title(), headline);
    EXPECT_EQ(article.byline(), "Ana Ruiz");
  }
  v1::Article review;
  review.set_id("film-review");
  review.set_body(
      "The long winter: a quiet triumph\n\n"
      "Written and directed by Greta Lund\n\n"
      "4 June 2025\n\n"
      "Lund's second feature follows a lighthouse keeper through one dark "
      "season, and it is the best film of the year so far.\n\n"
      "The cast is small and the sets are few, but the film never feels "
      "thin.");
  ASSERT_TRUE(CleanArticle(CleanerOptions(), &review).ok());
  EXPECT_NE(review.byline(), "Greta Lund");
}

// A newsroom named as a page's author ("Keston Sound newsroom", "the
// Communications Team") makes a stamp beside a date, as a person's name
// does; alone, or in a headline's clause ("Beaten by the Rovers Team"), it
// makes none.
TEST(StampLineTest, ANewsroomStandsForTheWriterBesideADate) {
  std::optional<StampLine> stamp = ParseStampLine(
      "Keston Sound newsroom \xC2\xB7 14:20, Thursday 20 March 2025");
  ASSERT_TRUE(stamp.has_value());
  EXPECT_EQ(stamp->published->ToRfc3339(), "2025-03-20");
  EXPECT_THAT(stamp->credits, ElementsAre("Keston Sound newsroom"));
  EXPECT_EQ(stamp->byline, "");
  stamp = ParseStampLine("Issued 21 March 2025 by the Communications Team");
  ASSERT_TRUE(stamp.has_value());
  EXPECT_EQ(stamp->published->ToRfc3339(), "2025-03-21");
  EXPECT_THAT(stamp->credits, ElementsAre("Communications Team"));
  for (const char* line : {"Keston Sound newsroom", "Beaten by the Rovers Team",
                           "Rescue team saves two climbers", "The News Desk"}) {
    EXPECT_FALSE(ParseStampLine(line).has_value()) << line;
  }
}

TEST(StampLineTest, ANameBeforeABarIsABylineOnlyBesideADate) {
  std::optional<StampLine> stamp = ParseStampLine("Oren Falk | 9 April 2024");
  ASSERT_TRUE(stamp.has_value());
  EXPECT_EQ(stamp->byline, "Oren Falk");
  EXPECT_EQ(stamp->published->ToRfc3339(), "2024-04-09");
  stamp = ParseStampLine("Oren Falk \xC2\xB7 April 9, 2024 10:05");
  ASSERT_TRUE(stamp.has_value());
  EXPECT_EQ(stamp->byline, "Oren Falk");
  EXPECT_FALSE(ParseStampLine("Oren Falk | Weather").has_value());
  EXPECT_FALSE(ParseStampLine("Oren Falk | Garden Notes").has_value());
  EXPECT_FALSE(ParseStampLine("Oren Falk").has_value());
}

TEST(StampLineTest, ProseIsNeverAStamp) {
  for (std::string_view line : {
           "By the end of the year, the council will vote again.",
           "By Monday evening the road had reopened.",
           "March 22, 2011 was the day the harbor froze.",
           "The ferry leaves at 09:11 pm on March 22, 2011.",
           "14:52",                  // a live page's entry time
           "Saturday, 26 February",  // a fixture list's heading
           "Updated",                // a label alone
           "NATO - the alliance",    // no date, no city
           "By Staff",
       }) {
    SCOPED_TRACE(line);
    EXPECT_FALSE(ParseStampLine(line).has_value());
  }
  EXPECT_TRUE(ParseStampLine("Updated 3 minutes ago").has_value());
  EXPECT_TRUE(IsTimeOfDayLine("14:52"));
  EXPECT_TRUE(IsTimeOfDayLine("2:52 pm BST"));
  EXPECT_FALSE(IsTimeOfDayLine("1600 metres"));
}

TEST(TimeZoneTest, KnowsTheAbbreviationsAndUsDaylightTime) {
  EXPECT_EQ(UtcOffsetOfZone("IST", 2011, 3, 22), 330);
  EXPECT_EQ(UtcOffsetOfZone("GMT", 2011, 3, 22), 0);
  EXPECT_EQ(UtcOffsetOfZone("NPT", 2011, 3, 22), 345);
  EXPECT_EQ(UtcOffsetOfZone("EDT", 2011, 1, 1), -240);  // as stated
  // 2024: daylight time from March 10 to November 3.
  EXPECT_EQ(UtcOffsetOfZone("ET", 2024, 3, 9), -300);
  EXPECT_EQ(UtcOffsetOfZone("ET", 2024, 3, 10), -240);
  EXPECT_EQ(UtcOffsetOfZone("PT", 2024, 11, 2), -420);
  EXPECT_EQ(UtcOffsetOfZone("PT", 2024, 11, 3), -480);
  // 2006 rules: first Sunday of April to last Sunday of October.
  EXPECT_EQ(UtcOffsetOfZone("CT", 2006, 4, 1), -360);
  EXPECT_EQ(UtcOffsetOfZone("CT", 2006, 4, 2), -300);
  EXPECT_FALSE(UtcOffsetOfZone("ist", 2011, 3, 22).has_value());
  EXPECT_FALSE(UtcOffsetOfZone("MOSCOW", 2011, 3, 22).has_value());
}

TEST(StatedTimeTest, FormatsWhatIsKnown) {
  StatedTime time;
  time.year = 2011;
  time.month = 3;
  time.day = 22;
  EXPECT_EQ(time.ToRfc3339(), "2011-03-22");
  time.hour = 21;
  time.minute = 11;
  EXPECT_EQ(time.ToRfc3339(), "2011-03-22");  // no zone: the date only
  EXPECT_EQ(time.ToRfc3339(-240), "2011-03-22T21:11:00-04:00");
  time.utc_offset_minutes = 0;
  EXPECT_EQ(time.ToRfc3339(-240), "2011-03-22T21:11:00Z");
  time.year = 0;
  EXPECT_EQ(time.ToRfc3339(), "");
}

TEST(DatelinePrefixTest, FindsTheCityAndAgency) {
  std::string_view text = "TRIPOLI - Libyan and US officials met.";
  std::optional<DatelinePrefix> dateline = MatchDatelinePrefix(text);
  ASSERT_TRUE(dateline.has_value());
  EXPECT_EQ(dateline->city, "TRIPOLI");
  EXPECT_EQ(text.substr(dateline->length), "Libyan and US officials met.");

  dateline = MatchDatelinePrefix(
      "WASHINGTON, March 22 (AP) \xE2\x80\x94 The Senate voted.");
  ASSERT_TRUE(dateline.has_value());
  EXPECT_EQ(dateline->city, "WASHINGTON");
  EXPECT_EQ(dateline->agency, "AP");
  EXPECT_FALSE(dateline->date.has_value());  // no year

  dateline = MatchDatelinePrefix("BERLIN, March 3, 2022 (CPA) - A plant.");
  ASSERT_TRUE(dateline.has_value());
  ASSERT_TRUE(dateline->date.has_value());
  EXPECT_EQ(dateline->date->ToRfc3339(), "2022-03-03");

  for (std::string_view city_line :
       {"NEW DELHI: The metro will run late.",
        "ST. PETERSBURG, Fla. \xE2\x80\x94 Rain fell.",
        "Moscow, March 22 (Reuters) - Talks ended.",
        "PORTVILLE\xE2\x80\x94The vote passed."}) {
    SCOPED_TRACE(city_line);
    EXPECT_TRUE(MatchDatelinePrefix(city_line).has_value());
  }
}

TEST(DatelinePrefixTest, TakesADateBeforeTheCity) {
  std::string_view text =
      "June 4, 2024 | HARBORTON, Maine: The ferry resumed service.";
  std::optional<DatelinePrefix> dateline = MatchDatelinePrefix(text);
  ASSERT_TRUE(dateline.has_value());
  EXPECT_EQ(dateline->city, "HARBORTON");
  ASSERT_TRUE(dateline->date.has_value());
  EXPECT_EQ(dateline->date->ToRfc3339(), "2024-06-04");
  EXPECT_EQ(text.substr(dateline->length), "The ferry resumed service.");

  dateline =
      MatchDatelinePrefix("12 May 2023 \xE2\x80\x94 LINTON - Rain fell.");
  ASSERT_TRUE(dateline.has_value());
  EXPECT_EQ(dateline->city, "LINTON");

  // A date opening a sentence, or before a city in title case, is not one.
  for (std::string_view line : {
           "June 4, 2024 was the wettest day on record.",
           "June 4, 2024 | Harborton: The ferry resumed service.",
           "June 4 | HARBORTON: The ferry resumed service.",  // no year
           "4 June 2024, the council said, was a turning point.",
       }) {
    SCOPED_TRACE(line);
    EXPECT_FALSE(MatchDatelinePrefix(line).has_value());
  }
}

TEST(DatelinePrefixTest, RejectsLabelsAndOrdinaryOpenings) {
  for (std::string_view line : {
           "UPDATE: The road is open again.",
           "BREAKING NEWS - A fire broke out.",
           "NATO - The alliance met on Monday.",
           "TRIPOLI-based traders said prices rose.",
           "TRIPOLI - and other cities were quiet.",
           "Moscow - The talks ended.",  // title case needs a date or agency
           "The harbor council voted on Monday.",
           "WATCH: The moment the bridge opened.",
       }) {
    SCOPED_TRACE(line);
    EXPECT_FALSE(MatchDatelinePrefix(line).has_value());
  }
}

v1::Article Clean(std::string title, std::string body,
                  const CleanerOptions& options = {}) {
  v1::Article article;
  article.set_id("facts-test");
  article.set_title(std::move(title));
  article.set_body(std::move(body));
  absl::Status status = CleanArticle(options, &article);
  EXPECT_TRUE(status.ok()) << status;
  return article;
}

std::vector<std::pair<std::string, std::string>> Removed(
    const v1::Article& article) {
  std::vector<std::pair<std::string, std::string>> removed;
  for (const v1::RemovedLine& line : article.removed()) {
    removed.emplace_back(line.text(), line.reason());
  }
  return removed;
}

TEST(ExtractFactsTest, MovesStampLinesToFields) {
  v1::Article article = Clean(
      "Harbor council approves ferry terminal",
      "By Maria Keane, Staff Writer\n"
      "March 5, 2024 9:30 a.m. EST | Updated March 5, 2024 4:12 p.m. EST\n\n"
      "PORTVILLE - The harbor council voted 6-3 on Monday night to approve "
      "a ferry terminal on the east pier.\n\n"
      "Construction starts in the fall, the council said.\n\n"
      "(CPA, Harbor Wire)");
  EXPECT_EQ(article.published_at(), "2024-03-05T09:30:00-05:00");
  EXPECT_EQ(article.metadata().at("updated_at"), "2024-03-05T16:12:00-05:00");
  EXPECT_EQ(article.dateline(), "PORTVILLE");
  EXPECT_EQ(article.byline(), "Maria Keane");
  EXPECT_THAT(article.credits(), ElementsAre("CPA, Harbor Wire"));
  EXPECT_EQ(article.body(),
            "PORTVILLE - The harbor council voted 6-3 on Monday night to "
            "approve a ferry terminal on the east pier.\n\nConstruction "
            "starts in the fall, the council said.");
  EXPECT_THAT(Removed(article),
              ElementsAre(Pair("By Maria Keane, Staff Writer", "byline"),
                          Pair("March 5, 2024 9:30 a.m. EST | Updated March "
                               "5, 2024 4:12 p.m. EST",
                               "date-stamp"),
                          Pair("(CPA, Harbor Wire)", "credit")));
}

TEST(ExtractFactsTest, KeepsFieldsTheInputAlreadyHas) {
  v1::Article article;
  article.set_id("facts-test");
  article.set_title("Ferry fares rise");
  article.set_body(
      "Published March 5, 2024\n\nFares rose by a fifth on "
      "Monday, the operator said.");
  article.set_published_at("2024-03-04T22:00:00Z");
  article.set_byline("Desk");
  ASSERT_TRUE(CleanArticle({}, &article).ok());
  EXPECT_EQ(article.published_at(), "2024-03-04T22:00:00Z");
  EXPECT_EQ(article.byline(), "Desk");
  EXPECT_EQ(article.body(),
            "Fares rose by a fifth on Monday, the operator "
            "said.");
}

TEST(ExtractFactsTest, OptionsStripTheDatelineAndSupplyAZone) {
  CleanerOptions options;
  options.strip_dateline = true;
  options.default_utc_offset_minutes = 60;
  v1::Article article = Clean(
      "Bridge reopens",
      "Published 10:15, 3 June 2023\n\n"
      "CASTLEBRIDGE (CPA) \xE2\x80\x94 The old bridge reopened on Saturday "
      "after two years of repairs, the council said.",
      options);
  EXPECT_EQ(article.published_at(), "2023-06-03T10:15:00+01:00");
  EXPECT_EQ(article.dateline(), "CASTLEBRIDGE");
  EXPECT_THAT(article.credits(), ElementsAre("CPA"));
  EXPECT_EQ(article.body(),
            "The old bridge reopened on Saturday after two "
            "years of repairs, the council said.");
  EXPECT_THAT(Removed(article),
              Contains(Pair("CASTLEBRIDGE (CPA) \xE2\x80\x94", "dateline")));
}

TEST(ExtractFactsTest, KeepsLivePageTimesAndTakesAStampTitle) {
  v1::Article article =
      Clean("Updated 3 minutes ago",
            "Storm closes coast road - live\n\n"
            "14:52\nCrews have reconnected about 6,000 homes since midday.\n\n"
            "14:31\nPolice closed the coast road after a wall collapsed.");
  EXPECT_EQ(article.title(), "Storm closes coast road - live");
  EXPECT_EQ(article.body(),
            "14:52 Crews have reconnected about 6,000 homes since midday."
            "\n\n14:31 Police closed the coast road after a wall collapsed.");
  EXPECT_THAT(Removed(article),
              ElementsAre(Pair("Updated 3 minutes ago", "date-stamp")));
}

TEST(ExtractFactsTest, TakesStampLinesBelowAPromoAtTheTop) {
  // A sign-in promo's sentence above the byline must not make the byline
  // look like part of the story.
  v1::Article article = Clean(
      "Ferry fares rise for the second time this year",
      "Log in to keep reading!\nSubscribers read every story on the site "
      "without any ads.\n\n"
      "By Tomas Wren, Transport Reporter\nPublished 5 March 2024, 09:30\n\n"
      "Fares on the harbor ferry rose by a fifth on Monday, the operator "
      "said, blaming fuel costs.\n\n"
      "Commuters said they would switch to the bus.");
  EXPECT_EQ(article.byline(), "Tomas Wren");
  // No zone stated: the date alone, not a guessed instant.
  EXPECT_EQ(article.published_at(), "2024-03-05");
  EXPECT_THAT(Removed(article),
              Contains(Pair("By Tomas Wren, Transport Reporter", "byline")));
  EXPECT_THAT(Removed(article),
              Contains(Pair("Published 5 March 2024, 09:30", "date-stamp")));
  EXPECT_THAT(article.body(), ::testing::Not(::testing::HasSubstr("Wren")));
}

TEST(ExtractFactsTest, CanBeSwitchedOff) {
  CleanerOptions options;
  options.extract_facts = false;
  v1::Article article =
      Clean("Ferry fares rise",
            "By Maria Keane\n\nTRIPOLI - Fares rose by a fifth on Monday, "
            "the operator said.",
            options);
  EXPECT_EQ(article.dateline(), "");
  EXPECT_EQ(article.byline(), "");
  EXPECT_THAT(article.credits(), IsEmpty());
}

}  // namespace
}  // namespace clean
}  // namespace newsflow
