// Date and time words shared by stages: month names, clock times and digit
// groups that read as dates. One place for each rule; where stages read
// them differently (which languages, which case, which clock syntax), the
// difference is a parameter here, not a second copy.
#ifndef NEWSFLOW_COMMON_DATE_WORDS_H_
#define NEWSFLOW_COMMON_DATE_WORDS_H_

#include <string_view>

#include "absl/types/span.h"

namespace newsflow {

// Which spellings of a month MonthOfWord reads.
enum class MonthNames {
  // English, lower case: full names, three-letter abbreviations and "sept"
  // ("march", "mar", "sept").
  kEnglish,
  // English full names only, lower case ("march", not "mar").
  kEnglishFull,
  // The kEnglish spellings written with a capital, then lower case
  // ("March", "Mar", "Sept"; not "march" or "MARCH"): in English prose
  // "may" and "march" are words too.
  kEnglishCapitalised,
  // kEnglish and the German, French, Spanish, Italian and Dutch names and
  // their common abbreviations, lower case ("märz", "mars", "marzo",
  // "maart"). Only for text of unknown language: "mars" is a planet in
  // English.
  kEuropean,
};

// The month (1-12) that `word` names among `names`, or 0. `word` is
// compared as given: lower-case it first for the lower-case sets
// (kEuropean alone also reads a word with non-ASCII letters whatever their
// case and marks: "MÃRZ", "AOÃT" lower-cased as ASCII).
int MonthOfWord(std::string_view word, MonthNames names);

// Every spelling MonthNames::kEnglish reads (24), for callers that merge
// month words into a word set of their own.
absl::Span<const std::string_view> EnglishMonthWords();

// Every English weekday word, lower case: the full names from "monday" to
// "sunday", then their abbreviations ("mon", "tue", "tues", "wed", "thu",
// "thur", "thurs", "fri", "sat", "sun", and, when `informal`, "weds"), for
// callers that merge them into a word set of their own. Without `informal`
// for text where a weekday is not expected: the informal "weds" is more
// often the verb there ("Prince weds actress") than a day.
absl::Span<const std::string_view> EnglishWeekdayWords(bool informal = true);

// The weekday (1 for Monday to 7 for Sunday) that `word` names as a full
// English name: lower case ("monday") or, when `capitalised`, with a capital
// and the rest lower case ("Monday"; then "monday" is no weekday); 0
// otherwise. Abbreviations are not read: "Sun" and "Sat" are words too.
int WeekdayOfFullName(std::string_view word, bool capitalised = false);

// A time of day read from digits; values of fields not written are 0.
struct ClockTime {
  int hour = -1;
  int minute = 0;
  int second = 0;
};

// Reads `text` as one to three groups of one or two ASCII digits split by
// `separator` ("9", "14:30", "9:05:30", "21.11" with '.'), into hour,
// minute and second. Returns the number of groups (1-3), or 0 when `text`
// is anything else (empty groups, three digits, a sign, other characters).
// Values are not checked: see IsTimeOfDay.
int ReadClockGroups(std::string_view text, char separator, ClockTime* time);

// Whether `time` is a time of day: hour 0-23, minute 0-59, second 0-59, or
// 60 when `leap_second` (a timestamp may carry one).
bool IsTimeOfDay(const ClockTime& time, bool leap_second = false);

// Whether `token` is hours and minutes, perhaps seconds, split by ':' that
// name a time of day ("14:30", "9:05:30"); "28:25" is a score or a
// duration, "14:30:00:00" no time.
bool IsClockTime(std::string_view token);

enum class Meridiem { kNone, kAm, kPm };

// "am", "pm", "a.m", "p.m", "a.m.", "p.m." (lower case) as a meridiem;
// kNone for anything else.
Meridiem MeridiemOf(std::string_view lower);

// Turns a 12-hour `time` with `meridiem` into 24 hours ("12 am" is 0,
// "2 pm" is 14). False, leaving `time` as it was, when the hour is not
// 1-12; kNone changes nothing and is true.
bool ApplyMeridiem(Meridiem meridiem, ClockTime* time);

// Whether `chunk` (one space-separated word) is a date or a year range
// written as digit groups split by one of '-' or '/' ("12-03-2025",
// "2025/03/12", "12/3/25", "2025-26", "2024/2025"): a day (1-31) and a
// month (1-12) either way round and a year, a year-first date, or a year
// (19xx, 20xx) and the next. Telephone numbers are grouped otherwise
// ("0161-555-0199", "12-34-5678") and read as none.
bool ReadsAsDateOrYearRange(std::string_view chunk);

}  // namespace newsflow

#endif  // NEWSFLOW_COMMON_DATE_WORDS_H_
