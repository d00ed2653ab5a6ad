#include "common/date_words.h"

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "common/text.h"
#include "common/utf8.h"

namespace newsflow {
namespace {

constexpr std::string_view kEnglishMonths[] = {
    "january", "february", "march",     "april",   "may",      "june",
    "july",    "august",   "september", "october", "november", "december"};

// kEnglishMonths' full names, then their abbreviations ("may" is both),
// then "sept".
constexpr std::string_view kEnglishMonthWords[] = {
    "january", "february", "march",     "april",   "may",      "june",
    "july",    "august",   "september", "october", "november", "december",
    "jan",     "feb",      "mar",       "apr",     "jun",      "jul",
    "aug",     "sep",      "oct",       "nov",     "dec",      "sept"};

// The full names first, Monday to Sunday (WeekdayOfFullName counts on it);
// the informal "weds" last (EnglishWeekdayWords leaves it out on request).
constexpr std::string_view kEnglishWeekdayWords[] = {
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
    "sunday", "mon",     "tue",       "tues",     "wed",    "thu",
    "thur",   "thurs",   "fri",       "sat",      "sun",    "weds"};
constexpr int kDaysOfTheWeek = 7;

// The month of a lower-case English full name ("march"), abbreviation
// ("mar") or "sept"; 0 otherwise.
int MonthOfEnglish(std::string_view lower, bool abbreviations) {
  for (int m = 0; m < 12; ++m) {
    if (lower == kEnglishMonths[m]) return m + 1;
    if (abbreviations && lower.size() == 3 &&
        kEnglishMonths[m].substr(0, 3) == lower) {
      return m + 1;
    }
  }
  if (abbreviations && lower == "sept") return 9;
  return 0;
}

// The same with a capital first letter and the rest lower case, compared
// without copying: "March" is 'M' then "arch".
int MonthOfCapitalisedEnglish(std::string_view word) {
  if (word.size() < 3 ||
      !absl::ascii_isupper(static_cast<unsigned char>(word[0]))) {
    return 0;
  }
  const char first = absl::ascii_tolower(static_cast<unsigned char>(word[0]));
  const std::string_view rest = word.substr(1);
  for (int m = 0; m < 12; ++m) {
    const std::string_view name = kEnglishMonths[m];
    if (name[0] != first) continue;
    if (rest == name.substr(1) || rest == name.substr(1, 2)) return m + 1;
  }
  if (word == "Sept") return 9;
  return 0;
}

// Month names of the languages pages are most often written in besides
// English (German, French, Spanish, Italian, Dutch; full and common
// abbreviations), lower case.
int MonthOfEuropean(std::string_view lower) {
  static constexpr std::pair<std::string_view, int> kMonths[] = {
      {"january", 1},    {"jan", 1},       {"januar", 1},    {"janvier", 1},
      {"enero", 1},      {"gennaio", 1},   {"januari", 1},   {"jänner", 1},
      {"february", 2},   {"feb", 2},       {"februar", 2},   {"février", 2},
      {"febrero", 2},    {"febbraio", 2},  {"februari", 2},  {"march", 3},
      {"mar", 3},        {"märz", 3},      {"mars", 3},      {"marzo", 3},
      {"maart", 3},      {"april", 4},     {"apr", 4},       {"avril", 4},
      {"abril", 4},      {"aprile", 4},    {"may", 5},       {"mai", 5},
      {"mayo", 5},       {"maggio", 5},    {"mei", 5},       {"june", 6},
      {"jun", 6},        {"juni", 6},      {"juin", 6},      {"junio", 6},
      {"giugno", 6},     {"july", 7},      {"jul", 7},       {"juli", 7},
      {"juillet", 7},    {"julio", 7},     {"luglio", 7},    {"august", 8},
      {"aug", 8},        {"août", 8},      {"agosto", 8},    {"augustus", 8},
      {"september", 9},  {"sep", 9},       {"sept", 9},      {"septembre", 9},
      {"septiembre", 9}, {"settembre", 9}, {"october", 10},  {"oct", 10},
      {"oktober", 10},   {"octobre", 10},  {"octubre", 10},  {"ottobre", 10},
      {"november", 11},  {"nov", 11},      {"novembre", 11}, {"noviembre", 11},
      {"december", 12},  {"dec", 12},      {"dezember", 12}, {"décembre", 12},
      {"diciembre", 12}, {"dicembre", 12}};
  for (const auto& [name, number] : kMonths) {
    if (lower == name) return number;
  }
  // A word with non-ASCII letters may hold a capital no ASCII lower-casing
  // reaches ("MÃRZ", "AOÃT") or a decomposed mark: compared folded.
  if (AsciiPrefixLength(lower) == lower.size()) return 0;
  const std::string folded = FoldCaseAndMarks(lower);
  for (const auto& [name, number] : kMonths) {
    if (AsciiPrefixLength(name) < name.size() &&
        folded == FoldCaseAndMarks(name)) {
      return number;
    }
  }
  return 0;
}

}  // namespace

int MonthOfWord(std::string_view word, MonthNames names) {
  switch (names) {
    case MonthNames::kEnglish:
      return MonthOfEnglish(word, /*abbreviations=*/true);
    case MonthNames::kEnglishFull:
      return MonthOfEnglish(word, /*abbreviations=*/false);
    case MonthNames::kEnglishCapitalised:
      return MonthOfCapitalisedEnglish(word);
    case MonthNames::kEuropean:
      return MonthOfEuropean(word);
  }
  return 0;
}

absl::Span<const std::string_view> EnglishWeekdayWords(bool informal) {
  const absl::Span<const std::string_view> words = kEnglishWeekdayWords;
  return informal ? words : words.first(words.size() - 1);
}

int WeekdayOfFullName(std::string_view word, bool capitalised) {
  if (word.empty()) return 0;
  const char first = word[0];
  if (capitalised ? !absl::ascii_isupper(static_cast<unsigned char>(first))
                  : !absl::ascii_islower(static_cast<unsigned char>(first))) {
    return 0;
  }
  for (int d = 0; d < kDaysOfTheWeek; ++d) {
    const std::string_view name = kEnglishWeekdayWords[d];
    if (name.size() == word.size() &&
        name[0] == absl::ascii_tolower(static_cast<unsigned char>(first)) &&
        name.substr(1) == word.substr(1)) {
      return d + 1;
    }
  }
  return 0;
}

absl::Span<const std::string_view> EnglishMonthWords() {
  return kEnglishMonthWords;
}

int ReadClockGroups(std::string_view text, char separator, ClockTime* time) {
  int values[3] = {0, 0, 0};
  int groups = 0;
  size_t digits = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == separator) {
      if (digits == 0) return 0;
      ++groups;
      if (i < text.size() && groups == 3) return 0;  // a fourth group
      digits = 0;
      continue;
    }
    if (!absl::ascii_isdigit(static_cast<unsigned char>(text[i])) ||
        ++digits > 2) {
      return 0;
    }
    values[groups] = values[groups] * 10 + (text[i] - '0');
  }
  time->hour = values[0];
  time->minute = values[1];
  time->second = values[2];
  return groups;
}

bool IsTimeOfDay(const ClockTime& time, bool leap_second) {
  return time.hour >= 0 && time.hour <= 23 && time.minute >= 0 &&
         time.minute <= 59 && time.second >= 0 &&
         time.second <= (leap_second ? 60 : 59);
}

bool IsClockTime(std::string_view token) {
  ClockTime time;
  return ReadClockGroups(token, ':', &time) >= 2 && IsTimeOfDay(time);
}

Meridiem MeridiemOf(std::string_view lower) {
  if (lower == "am" || lower == "a.m" || lower == "a.m.") return Meridiem::kAm;
  if (lower == "pm" || lower == "p.m" || lower == "p.m.") return Meridiem::kPm;
  return Meridiem::kNone;
}

bool ApplyMeridiem(Meridiem meridiem, ClockTime* time) {
  if (meridiem == Meridiem::kNone) return true;
  if (time->hour < 1 || time->hour > 12) return false;
  if (meridiem == Meridiem::kAm && time->hour == 12) time->hour = 0;
  if (meridiem == Meridiem::kPm && time->hour != 12) time->hour += 12;
  return true;
}

bool ReadsAsDateOrYearRange(std::string_view chunk) {
  struct Group {
    int value = 0;
    size_t digits = 0;
  };
  constexpr size_t kMaxGroupDigits = 4;
  std::vector<Group> groups(1);
  char separator = 0;
  for (char ch : chunk) {
    if (absl::ascii_isdigit(static_cast<unsigned char>(ch))) {
      if (++groups.back().digits > kMaxGroupDigits) return false;
      groups.back().value = groups.back().value * 10 + (ch - '0');
    } else if ((ch == '-' || ch == '/') && groups.back().digits > 0 &&
               (separator == 0 || separator == ch)) {
      separator = ch;
      groups.emplace_back();
    } else {
      return false;
    }
  }
  if (groups.back().digits == 0) return false;
  auto is_month = [](const Group& g) {
    return g.digits <= 2 && g.value >= 1 && g.value <= 12;
  };
  auto is_day = [](const Group& g) {
    return g.digits <= 2 && g.value >= 1 && g.value <= 31;
  };
  // A year opens the chunk in both a year range and a year-first date.
  const bool opens_with_year = groups[0].digits == 4 &&
                               groups[0].value >= 1900 &&
                               groups[0].value <= 2099;
  if (groups.size() == 2) {  // "2025-26", "2024/2026", "1914-1918"
    // A later year within the century after the first ("1999-00" too).
    const int first = groups[0].value;
    const int last = groups[1].digits == 4
                         ? groups[1].value
                         : first - first % 100 + groups[1].value +
                               (groups[1].value <= first % 100 ? 100 : 0);
    return opens_with_year &&
           (groups[1].digits == 2 || groups[1].digits == 4) && last > first &&
           last - first < 100;
  }
  if (groups.size() == 3) {  // "12-03-2025", "3/12/25", "2025-03-12"
    // Day first or month first, as the writer's country has it.
    const bool day_month_year =
        ((is_day(groups[0]) && is_month(groups[1])) ||
         (is_month(groups[0]) && is_day(groups[1]))) &&
        (groups[2].digits == 2 || groups[2].digits == 4);
    return day_month_year ||
           (opens_with_year && is_month(groups[1]) && is_day(groups[2]));
  }
  return false;
}

}  // namespace newsflow
