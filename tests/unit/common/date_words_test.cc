#include "common/date_words.h"

#include <algorithm>
#include <string_view>

#include "absl/container/flat_hash_set.h"
#include "gtest/gtest.h"

namespace newsflow {
namespace {

TEST(MonthOfWordTest, EnglishReadsLowerCaseNamesAndAbbreviations) {
  EXPECT_EQ(MonthOfWord("january", MonthNames::kEnglish), 1);
  EXPECT_EQ(MonthOfWord("mar", MonthNames::kEnglish), 3);
  EXPECT_EQ(MonthOfWord("may", MonthNames::kEnglish), 5);
  EXPECT_EQ(MonthOfWord("sep", MonthNames::kEnglish), 9);
  EXPECT_EQ(MonthOfWord("sept", MonthNames::kEnglish), 9);
  EXPECT_EQ(MonthOfWord("dec", MonthNames::kEnglish), 12);
  // Compared as given: the caller lower-cases.
  EXPECT_EQ(MonthOfWord("March", MonthNames::kEnglish), 0);
  EXPECT_EQ(MonthOfWord("marc", MonthNames::kEnglish), 0);
  EXPECT_EQ(MonthOfWord("ma", MonthNames::kEnglish), 0);
  EXPECT_EQ(MonthOfWord("septem", MonthNames::kEnglish), 0);
  EXPECT_EQ(MonthOfWord("mars", MonthNames::kEnglish), 0);  // a planet
  EXPECT_EQ(MonthOfWord("", MonthNames::kEnglish), 0);
}

TEST(MonthOfWordTest, EnglishFullTakesNoAbbreviation) {
  EXPECT_EQ(MonthOfWord("march", MonthNames::kEnglishFull), 3);
  EXPECT_EQ(MonthOfWord("may", MonthNames::kEnglishFull), 5);
  EXPECT_EQ(MonthOfWord("mar", MonthNames::kEnglishFull), 0);
  EXPECT_EQ(MonthOfWord("sept", MonthNames::kEnglishFull), 0);
}

TEST(MonthOfWordTest, CapitalisedEnglishWantsACapitalThenLowerCase) {
  EXPECT_EQ(MonthOfWord("March", MonthNames::kEnglishCapitalised), 3);
  EXPECT_EQ(MonthOfWord("Mar", MonthNames::kEnglishCapitalised), 3);
  EXPECT_EQ(MonthOfWord("May", MonthNames::kEnglishCapitalised), 5);
  EXPECT_EQ(MonthOfWord("Sept", MonthNames::kEnglishCapitalised), 9);
  EXPECT_EQ(MonthOfWord("December", MonthNames::kEnglishCapitalised), 12);
  // "may" and "march" are words too; all capitals are a heading's.
  EXPECT_EQ(MonthOfWord("march", MonthNames::kEnglishCapitalised), 0);
  EXPECT_EQ(MonthOfWord("may", MonthNames::kEnglishCapitalised), 0);
  EXPECT_EQ(MonthOfWord("MARCH", MonthNames::kEnglishCapitalised), 0);
  EXPECT_EQ(MonthOfWord("MAR", MonthNames::kEnglishCapitalised), 0);
  EXPECT_EQ(MonthOfWord("Marc", MonthNames::kEnglishCapitalised), 0);
  EXPECT_EQ(MonthOfWord("Ma", MonthNames::kEnglishCapitalised), 0);
  EXPECT_EQ(MonthOfWord("Mars", MonthNames::kEnglishCapitalised), 0);
  EXPECT_EQ(MonthOfWord("Jun", MonthNames::kEnglishCapitalised), 6);
  EXPECT_EQ(MonthOfWord("Jul", MonthNames::kEnglishCapitalised), 7);
}

TEST(MonthOfWordTest, EuropeanReadsSixLanguages) {
  EXPECT_EQ(MonthOfWord("march", MonthNames::kEuropean), 3);
  EXPECT_EQ(MonthOfWord("sept", MonthNames::kEuropean), 9);
  EXPECT_EQ(MonthOfWord("märz", MonthNames::kEuropean), 3);
  EXPECT_EQ(MonthOfWord("mars", MonthNames::kEuropean), 3);
  EXPECT_EQ(MonthOfWord("marzo", MonthNames::kEuropean), 3);
  EXPECT_EQ(MonthOfWord("maart", MonthNames::kEuropean), 3);
  EXPECT_EQ(MonthOfWord("août", MonthNames::kEuropean), 8);
  EXPECT_EQ(MonthOfWord("décembre", MonthNames::kEuropean), 12);
  EXPECT_EQ(MonthOfWord("jänner", MonthNames::kEuropean), 1);
  EXPECT_EQ(MonthOfWord("Mars", MonthNames::kEuropean), 0);
  EXPECT_EQ(MonthOfWord("marte", MonthNames::kEuropean), 0);
  // Non-ASCII capitals that ASCII lower-casing leaves, decomposed marks.
  EXPECT_EQ(MonthOfWord("m\xC3\x84rz", MonthNames::kEuropean), 3);
  EXPECT_EQ(MonthOfWord("ao\xC3\x9Bt", MonthNames::kEuropean), 8);
  EXPECT_EQ(MonthOfWord("d\xC3\x89"
                        "cembre",
                        MonthNames::kEuropean),
            12);
  EXPECT_EQ(MonthOfWord("ma\xCC\x88rz", MonthNames::kEuropean), 3);
  EXPECT_EQ(MonthOfWord("marz", MonthNames::kEuropean), 0);
}

TEST(MonthOfWordTest, EnglishMonthWordsAreWhatEnglishReads) {
  const absl::flat_hash_set<std::string_view> distinct(
      EnglishMonthWords().begin(), EnglishMonthWords().end());
  EXPECT_EQ(distinct.size(), EnglishMonthWords().size());
  EXPECT_EQ(distinct.size(), 24u);
  int spellings[13] = {};
  for (std::string_view word : EnglishMonthWords()) {
    ++spellings[MonthOfWord(word, MonthNames::kEnglish)];
    EXPECT_NE(MonthOfWord(word, MonthNames::kEuropean), 0) << word;
  }
  // A full name and an abbreviation each; "may" is both, and September
  // has "sept" too.
  EXPECT_EQ(spellings[0], 0);
  for (int month = 1; month <= 12; ++month) {
    EXPECT_EQ(spellings[month], month == 5 ? 1 : month == 9 ? 3 : 2) << month;
  }
}

TEST(WeekdayTest, FullNamesNumberTheDaysFromMonday) {
  EXPECT_EQ(WeekdayOfFullName("monday"), 1);
  EXPECT_EQ(WeekdayOfFullName("wednesday"), 3);
  EXPECT_EQ(WeekdayOfFullName("sunday"), 7);
  EXPECT_EQ(WeekdayOfFullName("Sunday", /*capitalised=*/true), 7);
  EXPECT_EQ(WeekdayOfFullName("Thursday", /*capitalised=*/true), 4);
  // The case asked for, and no abbreviation: "Sun" and "Sat" are words.
  EXPECT_EQ(WeekdayOfFullName("Monday"), 0);
  EXPECT_EQ(WeekdayOfFullName("monday", /*capitalised=*/true), 0);
  EXPECT_EQ(WeekdayOfFullName("MONDAY", /*capitalised=*/true), 0);
  EXPECT_EQ(WeekdayOfFullName("mon"), 0);
  EXPECT_EQ(WeekdayOfFullName("Sun", /*capitalised=*/true), 0);
  EXPECT_EQ(WeekdayOfFullName(""), 0);
  EXPECT_EQ(WeekdayOfFullName("mondays"), 0);
}

TEST(WeekdayTest, WeekdayWordsAreTheFullNamesThenTheirAbbreviations) {
  const auto words = EnglishWeekdayWords();
  ASSERT_EQ(words.size(), 18u);
  for (int d = 0; d < 7; ++d) EXPECT_EQ(WeekdayOfFullName(words[d]), d + 1);
  for (size_t i = 7; i < words.size(); ++i) {
    EXPECT_EQ(WeekdayOfFullName(words[i]), 0) << words[i];
    EXPECT_LE(words[i].size(), 5u) << words[i];
  }
  // Without the informal "weds" (a verb in headlines), the same words.
  const auto standard = EnglishWeekdayWords(/*informal=*/false);
  EXPECT_EQ(standard.size(), words.size() - 1);
  EXPECT_NE(std::find(words.begin(), words.end(), "weds"), words.end());
  EXPECT_EQ(std::find(standard.begin(), standard.end(), "weds"),
            standard.end());
}

TEST(ClockTest, ReadClockGroupsCountsGroupsOfOneOrTwoDigits) {
  ClockTime time;
  EXPECT_EQ(ReadClockGroups("14:30", ':', &time), 2);
  EXPECT_EQ(time.hour, 14);
  EXPECT_EQ(time.minute, 30);
  EXPECT_EQ(time.second, 0);
  EXPECT_EQ(ReadClockGroups("9:05:07", ':', &time), 3);
  EXPECT_EQ(time.hour, 9);
  EXPECT_EQ(time.minute, 5);
  EXPECT_EQ(time.second, 7);
  EXPECT_EQ(ReadClockGroups("21.11", '.', &time), 2);
  EXPECT_EQ(time.minute, 11);
  EXPECT_EQ(ReadClockGroups("9", ':', &time), 1);
  EXPECT_EQ(time.hour, 9);
  EXPECT_EQ(time.minute, 0);
  // Values are read, not checked.
  EXPECT_EQ(ReadClockGroups("28:75", ':', &time), 2);
  EXPECT_EQ(time.hour, 28);
  EXPECT_EQ(time.minute, 75);
}

TEST(ClockTest, ReadClockGroupsRefusesOtherShapes) {
  ClockTime time;
  for (std::string_view text :
       {"", ":", "14:", ":30", "14::30", "143:00", "14:300", "1:2:3:4", "14.30",
        "-1:30", "+1:30", "1a:30", "14:30 ", " 14:30"}) {
    EXPECT_EQ(ReadClockGroups(text, ':', &time), 0) << text;
  }
  EXPECT_EQ(ReadClockGroups("14:30", '.', &time), 0);
}

TEST(ClockTest, IsTimeOfDayChecksRanges) {
  EXPECT_TRUE(IsTimeOfDay({0, 0, 0}));
  EXPECT_TRUE(IsTimeOfDay({23, 59, 59}));
  EXPECT_FALSE(IsTimeOfDay({24, 0, 0}));
  EXPECT_FALSE(IsTimeOfDay({12, 60, 0}));
  EXPECT_FALSE(IsTimeOfDay({12, 0, 60}));
  EXPECT_TRUE(IsTimeOfDay({12, 0, 60}, /*leap_second=*/true));
  EXPECT_FALSE(IsTimeOfDay({12, 0, 61}, /*leap_second=*/true));
  EXPECT_FALSE(IsTimeOfDay(ClockTime()));  // no hour read
}

TEST(ClockTest, IsClockTimeIsHoursAndMinutesOfADay) {
  EXPECT_TRUE(IsClockTime("14:30"));
  EXPECT_TRUE(IsClockTime("0:05"));
  EXPECT_TRUE(IsClockTime("23:59:59"));
  EXPECT_FALSE(IsClockTime("28:25"));  // a score or a duration
  EXPECT_FALSE(IsClockTime("14:60"));
  EXPECT_FALSE(IsClockTime("14"));
  EXPECT_FALSE(IsClockTime("14:30:00:00"));
  EXPECT_FALSE(IsClockTime("-1:30"));
  EXPECT_FALSE(IsClockTime("14.30"));
}

TEST(ClockTest, MeridiemTurnsTwelveHoursIntoTwentyFour) {
  EXPECT_EQ(MeridiemOf("am"), Meridiem::kAm);
  EXPECT_EQ(MeridiemOf("a.m"), Meridiem::kAm);
  EXPECT_EQ(MeridiemOf("a.m."), Meridiem::kAm);
  EXPECT_EQ(MeridiemOf("pm"), Meridiem::kPm);
  EXPECT_EQ(MeridiemOf("p.m."), Meridiem::kPm);
  EXPECT_EQ(MeridiemOf("PM"), Meridiem::kNone);  // lower case only
  EXPECT_EQ(MeridiemOf("am."), Meridiem::kNone);
  EXPECT_EQ(MeridiemOf("uhr"), Meridiem::kNone);

  ClockTime time{2, 30, 0};
  EXPECT_TRUE(ApplyMeridiem(Meridiem::kPm, &time));
  EXPECT_EQ(time.hour, 14);
  time = {12, 0, 0};
  EXPECT_TRUE(ApplyMeridiem(Meridiem::kAm, &time));
  EXPECT_EQ(time.hour, 0);
  time = {12, 0, 0};
  EXPECT_TRUE(ApplyMeridiem(Meridiem::kPm, &time));
  EXPECT_EQ(time.hour, 12);
  time = {14, 0, 0};
  EXPECT_FALSE(ApplyMeridiem(Meridiem::kPm, &time));  // "14pm"
  EXPECT_EQ(time.hour, 14);
  time = {0, 0, 0};
  EXPECT_FALSE(ApplyMeridiem(Meridiem::kAm, &time));
  time = {14, 0, 0};
  EXPECT_TRUE(ApplyMeridiem(Meridiem::kNone, &time));
  EXPECT_EQ(time.hour, 14);
}

TEST(ReadsAsDateOrYearRangeTest, DatesAndYearRangesButNotPhoneNumbers) {
  for (std::string_view chunk : {"12-03-2025", "2025/03/12", "12/3/25",
                                 "2025-26", "2024/2025", "1999-2000"}) {
    EXPECT_TRUE(ReadsAsDateOrYearRange(chunk)) << chunk;
  }
  for (std::string_view chunk :
       {"0161-555-0199", "81976", "2025", "12-03/2025", "2025-", "-2025",
        "3025-26", "2025-262", "12/03", "123-03-2025", "2025-03-123", "1-2-3-4",
        "12-03-2025x", ""}) {
    EXPECT_FALSE(ReadsAsDateOrYearRange(chunk)) << chunk;
  }
}

// The groups' values count, not only their lengths: a day is 1-31 and a
// month 1-12 (either way round), and a year range ends on the next year.
TEST(ReadsAsDateOrYearRangeTest, ChecksDaysMonthsAndALaterYear) {
  // A year range ends on any later year within a century of its first:
  // "works extended to 2024-26" is no telephone number.
  for (std::string_view chunk :
       {"31/12/25", "12/31/25", "1999-00", "2025-01-31", "1/1/2025",
        "2024-2026", "2024-26", "1914-1918", "1990-99"}) {
    EXPECT_TRUE(ReadsAsDateOrYearRange(chunk)) << chunk;
  }
  for (std::string_view chunk :
       {"99/99/99", "00-00-00", "0-0-00", "2025/13/45", "2025-1999",
        "2025-2025", "1914-2020", "12-34-5678", "81-97-60", "13/13/25",
        "32/01/2025", "2025-00-10", "2025-12-32"}) {
    EXPECT_FALSE(ReadsAsDateOrYearRange(chunk)) << chunk;
  }
}

}  // namespace
}  // namespace newsflow
