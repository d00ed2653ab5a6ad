#include "stages/clean/article_facts.h"

#include <algorithm>
#include <cstdlib>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "common/date_words.h"
#include "common/letters.h"
#include "common/utf8.h"
#include "stages/clean/word_set.h"

namespace newsflow {
namespace clean {
namespace {

// ---------------------------------------------------------------------------
// Tokens

enum class Kind { kWord, kNumber, kPunct };

struct Token {
  Kind kind = Kind::kPunct;
  std::string_view text;  // as written
  std::string lower;      // ASCII-lowercased, without a trailing '.'
  size_t begin = 0;       // byte offsets in the line
  size_t end = 0;
  bool all_caps = false;     // words: every letter a capital, two or more
  bool capitalized = false;  // words: first letter a capital
  bool space_before = false;
};

bool IsDigitAt(std::string_view text, size_t pos) {
  return pos < text.size() && text[pos] >= '0' && text[pos] <= '9';
}

bool IsLetterAt(std::string_view text, size_t pos) {
  size_t length = 0;
  return pos < text.size() && IsLetter(DecodeUtf8At(text, pos, &length));
}

// Inner characters of a word: "p.m", "O'Brien", "Al-Fetori".
bool IsWordJoiner(char32_t cp) {
  return cp == '.' || cp == '\'' || cp == 0x2019 || cp == '-';
}

size_t ScanWord(std::string_view text, size_t pos) {
  size_t length = 0;
  size_t letters = 0;
  bool inner_dot = false;
  while (pos < text.size()) {
    char32_t cp = DecodeUtf8At(text, pos, &length);
    if (IsLetter(cp)) {
      ++letters;
      pos += length;
    } else if (IsWordJoiner(cp) && IsLetterAt(text, pos + length)) {
      inner_dot = inner_dot || cp == '.';
      pos += length;
    } else {
      break;
    }
  }
  // Abbreviations keep their dot: "Mar.", "p.m.", "Ill.", "J."
  if (pos < text.size() && text[pos] == '.' && (letters <= 4 || inner_dot)) {
    ++pos;
  }
  return pos;
}

size_t ScanNumber(std::string_view text, size_t pos) {
  bool iso_time = false;
  while (pos < text.size()) {
    char c = text[pos];
    if (c >= '0' && c <= '9') {
      ++pos;
    } else if ((c == ':' || c == '.' || c == '/' || c == '-') &&
               IsDigitAt(text, pos + 1)) {
      pos += 2;
    } else if (c == 'T' && IsDigitAt(text, pos + 1) && !iso_time) {
      iso_time = true;  // "2011-03-22T21:11:00"
      pos += 2;
    } else if (iso_time && (c == '+' || c == '-') && IsDigitAt(text, pos + 1)) {
      pos += 2;  // "...:00+05:30"
    } else {
      break;
    }
  }
  // Glued suffixes: "22nd", "9pm", "11:26p.m.", "...:00Z".
  while (pos < text.size()) {
    char c = text[pos];
    if (absl::ascii_isalpha(static_cast<unsigned char>(c)) ||
        (c == '.' && pos + 1 < text.size() &&
         absl::ascii_isalpha(static_cast<unsigned char>(text[pos + 1])))) {
      ++pos;
    } else if (c == '.' && pos > 0 &&
               absl::ascii_isalpha(static_cast<unsigned char>(text[pos - 1])) &&
               pos >= 2 && text[pos - 2] == '.') {
      ++pos;  // the final dot of "p.m."
      break;
    } else {
      break;
    }
  }
  return pos;
}

std::vector<Token> Tokenize(std::string_view text) {
  std::vector<Token> tokens;
  tokens.reserve(text.size() / 4 + 1);
  size_t pos = 0;
  bool space_before = true;
  while (pos < text.size()) {
    size_t length = 0;
    char32_t cp = DecodeUtf8At(text, pos, &length);
    if (cp == ' ') {
      space_before = true;
      pos += length;
      continue;
    }
    // Built in place, and `lower` lowercased in place: no temporaries.
    Token& token = tokens.emplace_back();
    token.begin = pos;
    token.space_before = space_before;
    space_before = false;
    if (IsLetter(cp)) {
      token.kind = Kind::kWord;
      token.end = ScanWord(text, pos);
    } else if (IsAsciiDigit(cp)) {
      token.kind = Kind::kNumber;
      token.end = ScanNumber(text, pos);
    } else {
      token.kind = Kind::kPunct;
      token.end = pos + length;
      if (cp == '-' && pos + 1 < text.size() && text[pos + 1] == '-') {
        token.end = pos + 2;  // "--"
      }
    }
    token.text = text.substr(pos, token.end - pos);
    if (token.kind != Kind::kPunct) {
      token.lower.assign(token.text.data(), token.text.size());
      absl::AsciiStrToLower(&token.lower);
      if (token.lower.back() == '.') token.lower.pop_back();
    }
    if (token.kind == Kind::kWord) {
      int letters = 0;
      bool all_caps = true;
      for (size_t p = pos; p < token.end; p += length) {
        char32_t c = DecodeUtf8At(text, p, &length);
        if (!IsLetter(c)) continue;
        if (letters == 0) token.capitalized = IsUppercaseLetter(c);
        ++letters;
        if (!IsUppercaseLetter(c)) all_caps = false;
      }
      token.all_caps = all_caps && letters >= 2;
    }
    pos = token.end;
  }
  return tokens;
}

// ---------------------------------------------------------------------------
// Vocabulary

const WordSet& Weekdays() {
  static const auto* words = [] {
    auto* set = new WordSet();
    for (std::string_view word : EnglishWeekdayWords()) set->Add(word);
    return set;
  }();
  return *words;
}

// Labels that say the next date is the publication's.
const WordSet& PublishedLabels() {
  static const auto* words = new WordSet{
      "published", "posted",   "first",   "originally", "created",
      "filed",     "released", "issued",  "date",       "dated",
      "on",        "at",       "time",    "uploaded",   "as",
      "of",        "pm",       "am",      "the",        "story",
      "online",    "print",    "edition", "since",      "submitted",
  };
  return *words;
}

// Labels that say the next date is an update's.
const WordSet& UpdateLabels() {
  static const auto* words = new WordSet{
      "updated", "update", "modified", "edited", "last", "revised", "amended",
  };
  return *words;
}

// Units of "5 years ago", "3 min read", "12 comments".
const WordSet& CountedUnits() {
  static const auto* words = new WordSet{
      "second",   "seconds", "sec",    "secs",   "minute", "minutes", "min",
      "mins",     "hour",    "hours",  "hr",     "hrs",    "day",     "days",
      "week",     "weeks",   "month",  "months", "year",   "years",   "comment",
      "comments", "share",   "shares", "view",   "views",
  };
  return *words;
}

// Words after a byline name that give the writer's role, not a name.
const WordSet& RoleWords() {
  static const auto* words = new WordSet{
      "staff",
      "writer",
      "writers",
      "reporter",
      "reporters",
      "correspondent",
      "correspondents",
      "editor",
      "editors",
      "columnist",
      "contributor",
      "contributing",
      "chief",
      "bureau",
      "senior",
      "political",
      "foreign",
      "diplomatic",
      "economics",
      "business",
      "sports",
      "science",
      "health",
      "special",
      "freelance",
      "intern",
      "desk",
      "team",
      "news",
      "associate",
      "deputy",
      "international",
      "national",
      "local",
      "city",
      "world",
      "affairs",
      "security",
      "defence",
      "defense",
      "investigations",
      "investigative",
      "analyst",
      "for",
      "the",
      "of",
      "and",
      "global",
      "europe",
      "africa",
      "asia",
      "middle",
      "east",
      "america",
      "opinion",
  };
  return *words;
}

// Last words of a role ("Rural affairs correspondent", "Local Democracy
// Reporter"): a phrase after a byline's comma that ends in one is the
// writer's role, whatever comes before.
const WordSet& RoleNouns() {
  static const auto* words = new WordSet{
      "writer",         "writers",    "reporter", "reporters", "correspondent",
      "correspondents", "editor",     "editors",  "columnist", "contributor",
      "critic",         "analyst",    "chief",    "producer",  "photographer",
      "staff",          "journalist", "blogger",  "presenter", "intern",
  };
  return *words;
}

// Name particles written in lowercase inside a name ("Ursula von der
// Leyen").
const WordSet& NameParticles() {
  static const auto* words = new WordSet{
      "de",  "da",  "das", "do", "dos", "del", "della",
      "der", "den", "di",  "du", "van", "von", "bin",
      "ben", "al",  "el",  "la", "le",  "ter", "y",
  };
  return *words;
}

// Capitalized words that open a paragraph or a label, never a dateline
// city: section labels and acronyms of organizations.
const WordSet& NotCities() {
  static const auto* words = new WordSet{
      "update",    "updated",    "breaking",
      "exclusive", "watch",      "listen",
      "live",      "video",      "videos",
      "photo",     "photos",     "analysis",
      "opinion",   "editorial",  "comment",
      "review",    "correction", "clarification",
      "note",      "warning",    "advertisement",
      "sponsored", "read",       "more",
      "also",      "related",    "see",
      "poll",      "quiz",       "factbox",
      "explainer", "timeline",   "interview",
      "graphic",   "podcast",    "newsletter",
      "alert",     "flash",      "urgent",
      "bulletin",  "nato",       "un",
      "eu",        "us",         "uk",
      "usa",       "opec",       "who",
      "imf",       "fifa",       "uefa",
      "nasa",      "fbi",        "cia",
      "ap",        "afp",        "upi",
      "pti",       "ians",       "ani",
      "bbc",       "cnn",        "by",
      "and",       "the",        "a",
      "an",        "in",         "on",
      "at",        "it",         "i",
      "we",        "he",         "she",
      "they",      "this",       "that",
      "what",      "why",        "how",
      "when",      "where",      "q",
      "ok",        "tv",         "new",
      "top",       "story",      "news",
      "sport",     "sports",     "business",
      "world",     "politics",   "health",
      "science",   "tech",       "money",
      "travel",    "culture",    "style",
      "home",      "latest",     "special",
      "report",    "feature",    "features",
      "media",     "caption",    "image",
      "credit",    "source",     "sources",
      "notes",     "ps",         "pps",
      "faq",       "tl",         "dr",
  };
  return *words;
}

// "NEW DELHI" is a city though "NEW" alone is a label; "BREAKING NEWS" is
// not.
bool IsCityName(const std::vector<Token>& tokens, size_t begin, size_t end) {
  for (size_t k = begin; k < end; ++k) {
    if (!NotCities().contains(tokens[k].lower)) return true;
  }
  return false;
}

bool IsSeparator(const Token& token) {
  if (token.kind != Kind::kPunct) return false;
  std::string_view t = token.text;
  return t == "|" || t == "," || t == ";" || t == ":" || t == "-" ||
         t == "--" || t == "/" || t == "(" || t == ")" || t == "[" ||
         t == "]" || t == "\xE2\x80\x94" ||  // —
         t == "\xE2\x80\x93" ||              // –
         t == "\xC2\xB7" ||                  // ·
         t == "\xE2\x80\xA2" ||              // •
         t == "\xE2\x80\xA3" || t == "\xE2\x97\x8F" || t == ".";
}

bool IsDash(const Token& token) {
  return token.kind == Kind::kPunct &&
         (token.text == "-" || token.text == "--" ||
          token.text == "\xE2\x80\x94" || token.text == "\xE2\x80\x93");
}

bool IsPunct(const Token& token, std::string_view text) {
  return token.kind == Kind::kPunct && token.text == text;
}

// ---------------------------------------------------------------------------
// Numbers, dates and times

bool ParseInt(std::string_view digits, int* value) {
  if (digits.empty() || digits.size() > 9) return false;
  int v = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *value = v;
  return true;
}

// "22", "22nd", "1st": a day of the month.
bool ParseDay(const Token& token, int* day) {
  if (token.kind != Kind::kNumber) return false;
  std::string_view text = token.lower;
  size_t digits = 0;
  while (digits < text.size() && absl::ascii_isdigit(text[digits])) ++digits;
  std::string_view suffix = text.substr(digits);
  if (!suffix.empty() && suffix != "st" && suffix != "nd" && suffix != "rd" &&
      suffix != "th") {
    return false;
  }
  return digits <= 2 && ParseInt(text.substr(0, digits), day) && *day >= 1 &&
         *day <= 31;
}

bool ParseYear(const Token& token, int* year) {
  return token.kind == Kind::kNumber && token.lower.size() == 4 &&
         ParseInt(token.lower, year) && *year >= 1900 && *year <= 2199;
}

bool ValidDate(int year, int month, int day) {
  if (month < 1 || month > 12 || day < 1 || day > 31) return false;
  if (year == 0) return true;
  absl::CivilDay civil(year, month, day);
  return civil.year() == year && civil.month() == month && civil.day() == day;
}

// "09:11", "9:11:30", "21.11" (only before a zone or meridiem), "9pm".
// Reads the meridiem from the next token too; returns the tokens used.
size_t ParseClock(const std::vector<Token>& tokens, size_t i, ClockTime* time) {
  if (i >= tokens.size() || tokens[i].kind != Kind::kNumber) return 0;
  std::string_view text = tokens[i].lower;
  size_t digits_end = 0;
  while (digits_end < text.size() &&
         (absl::ascii_isdigit(text[digits_end]) || text[digits_end] == ':' ||
          text[digits_end] == '.')) {
    ++digits_end;
  }
  std::string_view clock = text.substr(0, digits_end);
  std::string_view suffix = text.substr(digits_end);
  Meridiem meridiem = MeridiemOf(suffix);
  if (!suffix.empty() && meridiem == Meridiem::kNone) return 0;
  size_t used = 1;
  if (meridiem == Meridiem::kNone && i + 1 < tokens.size() &&
      tokens[i + 1].kind == Kind::kWord) {
    meridiem = MeridiemOf(tokens[i + 1].lower);
    if (meridiem != Meridiem::kNone) used = 2;
  }
  char separator = clock.find(':') != std::string_view::npos ? ':' : '.';
  ClockTime read;
  const int groups = ReadClockGroups(clock, separator, &read);
  if (groups == 0) return 0;
  if (groups == 1 && meridiem == Meridiem::kNone) return 0;  // a bare number
  if (separator == '.' && groups == 2 && meridiem == Meridiem::kNone) {
    // "21.11" is a time only before a zone ("21.11 GMT").
    if (i + 1 >= tokens.size() ||
        !UtcOffsetOfZone(tokens[i + 1].text, 2000, 1, 1).has_value()) {
      return 0;
    }
  }
  // Seconds may be 60 (a leap second); a time out of range leaves `time`
  // as it was, so a date before it keeps no half-read clock.
  if (read.minute > 59 || read.second > 60) return 0;
  if (!ApplyMeridiem(meridiem, &read) || read.hour > 23) return 0;
  *time = read;
  return used;
}

struct Date {
  int year = 0;
  int month = 0;
  int day = 0;
};

// "2011-03-22", "2011/03/22", "22/03/2011", "03/22/2011" (a numeric date
// whose day and month cannot be told apart is still a date, without a day
// the caller can trust: it comes back with month 0). With dots the day comes
// first ("3.11.2025"): no convention writes the month first with dots.
bool ParseNumericDate(const Token& token, Date* date, ClockTime* time,
                      std::optional<int>* offset) {
  if (token.kind != Kind::kNumber) return false;
  std::string_view text = token.text;
  char separator = 0;
  for (char c : text) {
    if (c == '-' || c == '/' || c == '.') {
      separator = c;
      break;
    }
  }
  if (separator == 0) return false;
  std::string_view date_part = text;
  std::string_view time_part;
  size_t t = text.find('T');
  if (t != std::string_view::npos) {
    date_part = text.substr(0, t);
    time_part = text.substr(t + 1);
  }
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t end = date_part.find(separator, start);
    parts.push_back(date_part.substr(start, end == std::string_view::npos
                                                ? std::string_view::npos
                                                : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  if (parts.size() != 3) return false;
  int a = 0, b = 0, c = 0;
  if (!ParseInt(parts[0], &a) || !ParseInt(parts[1], &b) ||
      !ParseInt(parts[2], &c)) {
    return false;
  }
  if (parts[0].size() == 4) {
    *date = {a, b, c};  // year first
  } else if (separator == '.' && parts[2].size() == 4) {
    *date = {c, b, a};
  } else if (parts[2].size() == 4) {
    if (a > 12 && b <= 12) {
      *date = {c, b, a};
    } else if (b > 12 && a <= 12) {
      *date = {c, a, b};
    } else if (a <= 12 && b <= 12) {
      *date = {c, 0, 0};  // ambiguous day and month
      return true;
    } else {
      return false;
    }
  } else {
    return false;
  }
  if (!ValidDate(date->year, date->month, date->day)) return false;
  if (time_part.empty()) return true;
  // "21:11:00Z", "21:11:00+05:30", "21:11:00.000-04:00".
  size_t zone = time_part.find_first_of("Zz+-");
  std::string_view clock = time_part.substr(0, zone);
  size_t fraction = clock.find('.');
  if (fraction != std::string_view::npos) clock = clock.substr(0, fraction);
  int h = 0, m = 0, s = 0;
  if (clock.size() < 5 || !ParseInt(clock.substr(0, 2), &h) ||
      clock[2] != ':' || !ParseInt(clock.substr(3, 2), &m)) {
    return false;
  }
  if (clock.size() >= 8 && clock[5] == ':') ParseInt(clock.substr(6, 2), &s);
  if (h > 23 || m > 59 || s > 60) return false;
  *time = {h, m, s};
  if (zone != std::string_view::npos) {
    std::string_view z = time_part.substr(zone);
    if (z == "Z" || z == "z") {
      *offset = 0;
    } else if (z.size() >= 3) {
      int hours = 0, minutes = 0;
      std::string_view digits = z.substr(1);
      if (!ParseInt(digits.substr(0, 2), &hours)) return false;
      if (digits.size() == 5 && digits[2] == ':') {
        ParseInt(digits.substr(3, 2), &minutes);
      } else if (digits.size() == 4) {
        ParseInt(digits.substr(2, 2), &minutes);
      }
      int total = hours * 60 + minutes;
      *offset = z[0] == '-' ? -total : total;
    }
  }
  return true;
}

// "March 22, 2011", "Mar. 22 2011", "March 22nd", "22 March 2011",
// "22nd of March, 2011", and numeric dates. Returns the tokens used.
size_t ParseDate(const std::vector<Token>& tokens, size_t i, Date* date,
                 ClockTime* time, std::optional<int>* offset) {
  if (i >= tokens.size()) return 0;
  const Token& first = tokens[i];
  auto skip_comma = [&](size_t j) {
    return j < tokens.size() && IsPunct(tokens[j], ",") ? j + 1 : j;
  };
  if (first.kind == Kind::kWord) {
    int month = MonthOfWord(first.lower, MonthNames::kEnglish);
    int day = 0;
    if (month == 0 || i + 1 >= tokens.size() ||
        !ParseDay(tokens[i + 1], &day)) {
      return 0;
    }
    size_t j = skip_comma(i + 2);
    int year = 0;
    if (j < tokens.size() && ParseYear(tokens[j], &year)) {
      *date = {year, month, day};
      return ValidDate(year, month, day) ? j + 1 - i : 0;
    }
    *date = {0, month, day};
    return ValidDate(0, month, day) ? 2 : 0;
  }
  if (first.kind != Kind::kNumber) return 0;
  if (ParseNumericDate(first, date, time, offset)) return 1;
  int day = 0;
  if (!ParseDay(first, &day) || i + 1 >= tokens.size()) return 0;
  size_t j = i + 1;
  if (tokens[j].lower == "of") ++j;
  if (j >= tokens.size() || tokens[j].kind != Kind::kWord) return 0;
  int month = MonthOfWord(tokens[j].lower, MonthNames::kEnglish);
  if (month == 0) return 0;
  size_t k = skip_comma(j + 1);
  int year = 0;
  if (k < tokens.size() && ParseYear(tokens[k], &year)) {
    *date = {year, month, day};
    return ValidDate(year, month, day) ? k + 1 - i : 0;
  }
  *date = {0, month, day};
  return ValidDate(0, month, day) ? j + 1 - i : 0;
}

// A zone: "IST", "(IST)", "GMT+5:30", "UTC-3", "+05:30", "+0530".
size_t ParseZone(const std::vector<Token>& tokens, size_t i, const Date& date,
                 std::optional<int>* offset) {
  if (i >= tokens.size()) return 0;
  size_t j = i;
  bool bracketed = IsPunct(tokens[j], "(");
  if (bracketed) ++j;
  if (j >= tokens.size()) return 0;
  auto signed_offset = [&](size_t k, int* minutes) -> size_t {
    if (k + 1 >= tokens.size() || tokens[k].kind != Kind::kPunct ||
        (tokens[k].text != "+" && tokens[k].text != "-" &&
         tokens[k].text != "\xE2\x88\x92") ||  // −
        tokens[k + 1].kind != Kind::kNumber ||
        tokens[k + 1].space_before) {
      return 0;
    }
    std::string_view digits = tokens[k + 1].text;
    int hours = 0, mins = 0;
    size_t colon = digits.find(':');
    if (colon != std::string_view::npos) {
      if (!ParseInt(digits.substr(0, colon), &hours) ||
          !ParseInt(digits.substr(colon + 1), &mins)) {
        return 0;
      }
    } else if (digits.size() == 4) {
      if (!ParseInt(digits.substr(0, 2), &hours) ||
          !ParseInt(digits.substr(2), &mins)) {
        return 0;
      }
    } else if (!ParseInt(digits, &hours)) {
      return 0;
    }
    if (hours > 14 || mins > 59) return 0;
    *minutes = (hours * 60 + mins) * (tokens[k].text == "+" ? 1 : -1);
    return 2;
  };
  size_t used = 0;
  int minutes = 0;
  if (tokens[j].kind == Kind::kWord) {
    std::optional<int> zone =
        UtcOffsetOfZone(tokens[j].text, date.year, date.month, date.day);
    if (!zone.has_value()) return 0;
    minutes = *zone;
    used = 1;
    if (tokens[j].text == "GMT" || tokens[j].text == "UTC") {
      int extra = 0;
      size_t more = signed_offset(j + 1, &extra);
      if (more > 0) {
        minutes = extra;
        used += more;
      }
    }
  } else {
    used = signed_offset(j, &minutes);
    if (used == 0) return 0;
  }
  j += used;
  if (bracketed) {
    if (j >= tokens.size() || !IsPunct(tokens[j], ")")) return 0;
    ++j;
  }
  *offset = minutes;
  return j - i;
}

// A date and/or a time with its zone: "March 22, 2011 09:11 pm",
// "Tue 22 Mar 2011 21.11 GMT", "10:42 am ET, March 3, 2015",
// "2011-03-22T21:11:00Z". Returns the tokens used.
size_t ParseDateTime(const std::vector<Token>& tokens, size_t i,
                     StatedTime* stated) {
  size_t j = i;
  auto skip_weekday = [&](size_t k) {
    if (k < tokens.size() && tokens[k].kind == Kind::kWord &&
        Weekdays().contains(tokens[k].lower)) {
      ++k;
      if (k < tokens.size() && IsPunct(tokens[k], ",")) ++k;
    }
    return k;
  };
  auto skip_words = [&](size_t k, std::initializer_list<std::string_view> words,
                        bool comma) {
    if (k < tokens.size() && comma && IsPunct(tokens[k], ",")) ++k;
    if (k < tokens.size() && tokens[k].kind == Kind::kWord) {
      for (std::string_view word : words) {
        if (tokens[k].lower == word) return k + 1;
      }
    }
    return k;
  };
  Date date;
  ClockTime clock;
  std::optional<int> offset;
  j = skip_weekday(j);
  size_t used = ParseDate(tokens, j, &date, &clock, &offset);
  bool have_date = used > 0;
  if (have_date) {
    j += used;
    if (clock.hour < 0) {
      size_t k = skip_words(j, {"at", "by"}, /*comma=*/true);
      size_t t = ParseClock(tokens, k, &clock);
      if (t > 0) j = k + t;
    }
  } else {
    used = ParseClock(tokens, j, &clock);
    if (used == 0) return 0;
    j += used;
  }
  size_t zone_at = tokens.size();
  if (!offset.has_value()) {
    size_t z = ParseZone(tokens, j, date, &offset);
    if (z > 0) zone_at = j;
    j += z;
  }
  if (!have_date) {
    size_t k = skip_words(j, {"on"}, /*comma=*/true);
    k = skip_weekday(k);
    std::optional<int> date_offset;
    ClockTime date_clock;
    size_t d = ParseDate(tokens, k, &date, &date_clock, &date_offset);
    if (d > 0) {
      j = k + d;
      if (zone_at < tokens.size()) {
        // "10:42 am ET, March 3, 2015": daylight time depends on the date.
        ParseZone(tokens, zone_at, date, &offset);
      }
    }
  }
  stated->year = date.year;
  stated->month = date.month;
  stated->day = date.day;
  stated->hour = clock.hour;
  stated->minute = clock.minute;
  stated->second = clock.second;
  stated->utc_offset_minutes = offset;
  return j - i;
}

// ---------------------------------------------------------------------------
// Bylines

bool IsNameWord(const Token& token) {
  if (token.kind != Kind::kWord || !token.capitalized) return false;
  return MonthOfWord(token.lower, MonthNames::kEnglish) == 0 &&
         !Weekdays().contains(token.lower) && token.lower != "by" &&
         token.lower != "and";
}

// One name: capitalized words, initials and particles ("Jane Q. Doe",
// "Ursula von der Leyen"). Returns the tokens used; *words counts the
// capitalized words.
size_t ParseName(const std::vector<Token>& tokens, size_t i, int* words) {
  size_t j = i;
  *words = 0;
  while (j < tokens.size()) {
    // "Jun Park", "May Ellis": a month's name starts a name when a name
    // follows it rather than a day.
    const bool month_as_name =
        tokens[j].kind == Kind::kWord && tokens[j].capitalized &&
        MonthOfWord(tokens[j].lower, MonthNames::kEnglish) > 0 &&
        j + 1 < tokens.size() && IsNameWord(tokens[j + 1]);
    if (IsNameWord(tokens[j]) || month_as_name) {
      ++*words;
      ++j;
    } else if (*words > 0 && tokens[j].kind == Kind::kWord &&
               NameParticles().contains(tokens[j].lower) &&
               j + 1 < tokens.size() && IsNameWord(tokens[j + 1])) {
      ++j;
    } else {
      break;
    }
  }
  return j - i;
}

bool AllRoleWords(const std::vector<Token>& tokens, size_t begin, size_t end) {
  for (size_t k = begin; k < end; ++k) {
    if (tokens[k].kind != Kind::kWord ||
        !RoleWords().contains(tokens[k].lower)) {
      return false;
    }
  }
  return begin < end;
}

std::string TextOf(std::string_view line, const std::vector<Token>& tokens,
                   size_t begin, size_t end) {
  if (begin >= end) return "";
  return std::string(line.substr(tokens[begin].begin,
                                 tokens[end - 1].end - tokens[begin].begin));
}

// Words of an agency's or outlet's name: ", Associated Press", ", The
// Portville Ledger" follow a byline as its affiliation, not as a name.
const WordSet& AffiliationWords() {
  static const auto* words = new WordSet{
      "press",
      "reuters",
      "afp",
      "ap",
      "bloomberg",
      "news",
      "times",
      "post",
      "herald",
      "ledger",
      "journal",
      "gazette",
      "tribune",
      "telegraph",
      "guardian",
      "daily",
      "weekly",
      "chronicle",
      "observer",
      "agency",
      "agencies",
      "wire",
      "wires",
      "network",
      "radio",
      "television",
      "tv",
      "media",
      "magazine",
      "online",
      "dispatch",
      "courier",
      "mirror",
      "mail",
      "express",
      "globe",
      "standard",
      "independent",
      "monitor",
      "bulletin",
      "inquirer",
      "examiner",
      "sentinel",
      "record",
      "the",
      "xinhua",
      "tass",
      "interfax",
      "pti",
      "ians",
      "dpa",
      "efe",
      "ansa",
      "kyodo",
      "yonhap",
      // A company's legal form: "Source: Harlow Biotech Ltd" names no one.
      "ltd",
      "limited",
      "inc",
      "plc",
      "llc",
      "gmbh",
      "corp",
  };
  return *words;
}

bool IsAffiliation(const std::vector<Token>& tokens, size_t begin, size_t end) {
  for (size_t k = begin; k < end; ++k) {
    if (AffiliationWords().contains(tokens[k].lower)) return true;
  }
  return false;
}

// "Larchmere FM News", "BBC News": capitalised words closed by "News", a
// newsroom's name, which after a byline's comma stands for the writer's
// role ("Joel Adeyemi, Larchmere FM News"); "a spokesman for Vale News"
// holds lowercase words and is what a person does, not a byline.
bool IsNewsroomName(const std::vector<Token>& tokens, size_t begin,
                    size_t end) {
  if (end < begin + 2 || tokens[end - 1].lower != "news") return false;
  for (size_t k = begin; k < end; ++k) {
    if (tokens[k].kind != Kind::kWord || !tokens[k].capitalized) return false;
  }
  return true;
}

// The end of a newsroom named as the author of a page, from
// tokens[begin]: capitalised words closed by a word for a newsroom ("Keston
// Sound newsroom", "the Communications Team", "Valley News"), standing
// alone before a separator or the line's end; 0 when there is none. A
// team or desk is named after "the" ("the Rovers Team"), and an article
// opens a name, never stands inside one: "Meet The England Team" is a
// headline.
size_t NewsroomAuthorEnd(const std::vector<Token>& tokens, size_t begin) {
  static const auto* newsroom_words =
      new WordSet{"news", "newsroom", "desk", "team"};
  size_t end = begin;
  while (end < tokens.size() && tokens[end].kind == Kind::kWord &&
         tokens[end].capitalized) {
    ++end;
  }
  if (end < tokens.size() && tokens[end].kind == Kind::kWord &&
      newsroom_words->contains(tokens[end].lower)) {
    ++end;  // "newsroom" in lowercase closes the name too
  }
  if (end < begin + 2 || !newsroom_words->contains(tokens[end - 1].lower) ||
      (end < tokens.size() && !IsSeparator(tokens[end]))) {
    return 0;
  }
  for (size_t k = begin + 1; k < end; ++k) {
    if (tokens[k].lower == "the") return 0;
  }
  const bool after_the = tokens[begin].lower == "the" ||
                         (begin > 0 && tokens[begin - 1].lower == "the");
  const std::string_view closer = tokens[end - 1].lower;
  if (tokens[end - 1].capitalized && (closer == "team" || closer == "desk") &&
      !after_the) {
    return 0;
  }
  return end;
}

// [begin, end) without the role words at its end ("Associated Press
// Writer" -> "Associated Press").
size_t CutRoleWords(const std::vector<Token>& tokens, size_t begin,
                    size_t end) {
  while (end > begin && RoleWords().contains(tokens[end - 1].lower)) --end;
  return end;
}

// Parses the names after "By" starting at tokens[i]: names joined by
// "and", "&" or commas, each maybe followed by a role (", Staff Writer")
// or an affiliation (", Associated Press", which becomes a credit).
// Returns the tokens used; 0 when neither a name nor an agency follows.
size_t ParseByline(std::string_view line, const std::vector<Token>& tokens,
                   size_t i, StampLine* stamp) {
  std::vector<std::string> names;
  std::vector<std::string> credits;
  size_t j = i;
  while (j < tokens.size()) {
    int words = 0;
    const size_t used = ParseName(tokens, j, &words);
    if (used == 0) break;
    const size_t cut = CutRoleWords(tokens, j, j + used);
    if (cut - j >= 2 && !IsAffiliation(tokens, j, cut)) {
      names.push_back(TextOf(line, tokens, j, cut));
    } else if (cut > j) {
      credits.push_back(TextOf(line, tokens, j, cut));  // "By Reuters"
    }
    j += used;
    if (j < tokens.size() &&
        (tokens[j].lower == "and" || IsPunct(tokens[j], "&"))) {
      ++j;
      continue;
    }
    if (j + 1 < tokens.size() && tokens[j].lower == "in" &&
        IsNameWord(tokens[j + 1])) {
      // "By Jane Doe in Moscow": where the writer was.
      j += 2;
      while (j < tokens.size() && IsNameWord(tokens[j])) ++j;
      break;
    }
    if (j + 1 >= tokens.size() || !IsPunct(tokens[j], ",") ||
        tokens[j + 1].kind != Kind::kWord) {
      break;
    }
    // ", Staff Writer", ", Associated Press" or ", John Roe".
    const size_t k = j + 1;
    size_t end = k;
    while (
        end < tokens.size() && tokens[end].kind == Kind::kWord &&
        (tokens[end].capitalized || RoleWords().contains(tokens[end].lower))) {
      ++end;
    }
    if (IsNewsroomName(tokens, k, end) &&
        (end == tokens.size() || IsSeparator(tokens[end]))) {
      credits.push_back(TextOf(line, tokens, k, end));  // ", Valley News"
      j = end;
      break;
    }
    // ", consumer editor": a role in lowercase words, closed by a role noun.
    size_t role_end = k;
    while (role_end < tokens.size() && role_end - k < 4 &&
           tokens[role_end].kind == Kind::kWord) {
      ++role_end;
    }
    if (role_end > k && RoleNouns().contains(tokens[role_end - 1].lower) &&
        (role_end == tokens.size() || IsSeparator(tokens[role_end]))) {
      j = role_end;
      break;
    }
    if (end == k) break;
    if (AllRoleWords(tokens, k, end) ||
        RoleNouns().contains(tokens[end - 1].lower)) {
      j = end;
      break;
    }
    if (!IsAffiliation(tokens, k, end)) {
      j = k;  // another name
      continue;
    }
    const size_t affiliation_end = CutRoleWords(tokens, k, end);
    credits.push_back(TextOf(line, tokens, k, affiliation_end));
    j = end;
    break;
  }
  if (names.empty() && credits.empty()) return 0;
  std::string joined;
  for (size_t n = 0; n < names.size(); ++n) {
    if (n > 0) joined += n + 1 == names.size() ? " and " : ", ";
    joined += names[n];
  }
  if (!joined.empty() && stamp->byline.empty()) stamp->byline = joined;
  for (std::string& credit : credits) {
    stamp->credits.push_back(std::move(credit));
  }
  return j - i;
}

}  // namespace

// ---------------------------------------------------------------------------
// Time zones

namespace {

struct ZoneSpec {
  const char* abbreviation;
  int offset_minutes;
};

constexpr ZoneSpec kZones[] = {
    {"UTC", 0},    {"GMT", 0},     {"UT", 0},      {"Z", 0},      {"WET", 0},
    {"WEST", 60},  {"BST", 60},    {"IST", 330},   {"CET", 60},   {"CEST", 120},
    {"MET", 60},   {"MEST", 120},  {"EET", 120},   {"EEST", 180}, {"MSK", 180},
    {"TRT", 180},  {"AST", -240},  {"ADT", -180},  {"EST", -300}, {"EDT", -240},
    {"CST", -360}, {"CDT", -300},  {"MST", -420},  {"MDT", -360}, {"PST", -480},
    {"PDT", -420}, {"AKST", -540}, {"AKDT", -480}, {"HST", -600}, {"NST", -210},
    {"NDT", -150}, {"GST", 240},   {"PKT", 300},   {"NPT", 345},  {"ICT", 420},
    {"WIB", 420},  {"SGT", 480},   {"HKT", 480},   {"PHT", 480},  {"AWST", 480},
    {"JST", 540},  {"KST", 540},   {"ACST", 570},  {"ACDT", 630}, {"AEST", 600},
    {"AEDT", 660}, {"NZST", 720},  {"NZDT", 780},  {"SAST", 120}, {"CAT", 120},
    {"EAT", 180},  {"WAT", 60},    {"BRT", -180},  {"ART", -180}, {"CLT", -240},
    {"IRST", 210}, {"AFT", 270},   {"UZT", 300},
};

// The Sunday `which` weeks into `month` (which = -1: the last one).
int NthSunday(int year, int month, int which) {
  if (which > 0) {
    absl::CivilDay first(year, month, 1);
    int to_sunday = (7 + static_cast<int>(absl::Weekday::sunday) -
                     static_cast<int>(absl::GetWeekday(first))) %
                    7;
    return 1 + to_sunday + 7 * (which - 1);
  }
  absl::CivilDay last = absl::CivilDay(year, month + 1, 1) - 1;
  int back = (7 + static_cast<int>(absl::GetWeekday(last)) -
              static_cast<int>(absl::Weekday::sunday)) %
             7;
  return static_cast<int>(last.day()) - back;
}

// US daylight saving time on a date (to the day: the 2 a.m. switch is
// ignored).
bool IsUsDaylightTime(int year, int month, int day) {
  int start_month = 4, start_day = 0, end_month = 10, end_day = 0;
  if (year >= 2007) {
    start_month = 3;
    start_day = NthSunday(year, 3, 2);
    end_month = 11;
    end_day = NthSunday(year, 11, 1);
  } else if (year >= 1987) {
    start_day = NthSunday(year, 4, 1);
    end_day = NthSunday(year, 10, -1);
  } else {
    start_day = NthSunday(year, 4, -1);
    end_day = NthSunday(year, 10, -1);
  }
  int date = month * 100 + day;
  return date >= start_month * 100 + start_day &&
         date < end_month * 100 + end_day;
}

}  // namespace

std::optional<int> UtcOffsetOfZone(std::string_view abbreviation, int year,
                                   int month, int day) {
  for (const ZoneSpec& zone : kZones) {
    if (abbreviation == zone.abbreviation) return zone.offset_minutes;
  }
  static constexpr std::pair<std::string_view, int> kGenericUs[] = {
      {"ET", -300}, {"CT", -360}, {"MT", -420}, {"PT", -480}};
  for (const auto& [name, standard] : kGenericUs) {
    if (abbreviation != name) continue;
    if (year == 0 || !ValidDate(year, month, day)) return standard;
    return IsUsDaylightTime(year, month, day) ? standard + 60 : standard;
  }
  return std::nullopt;
}

std::string StatedTime::ToRfc3339(
    std::optional<int> default_offset_minutes) const {
  if (year == 0 || month == 0 || day == 0) return "";
  std::optional<int> offset = utc_offset_minutes.has_value()
                                  ? utc_offset_minutes
                                  : default_offset_minutes;
  if (hour < 0 || !offset.has_value()) {
    return absl::StrFormat("%04d-%02d-%02d", year, month, day);
  }
  if (*offset == 0) {
    return absl::StrFormat("%04d-%02d-%02dT%02d:%02d:%02dZ", year, month, day,
                           hour, minute, second);
  }
  int magnitude = std::abs(*offset);
  return absl::StrFormat(
      "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", year, month, day, hour,
      minute, second, *offset < 0 ? '-' : '+', magnitude / 60, magnitude % 60);
}

// ---------------------------------------------------------------------------
// Stamp lines

// "Kim Lowe, Rural affairs correspondent": a name, a comma and a role.
// Returns the tokens used, 0 when the line does not start so.
size_t ParseNameWithRole(std::string_view line,
                         const std::vector<Token>& tokens, StampLine* stamp) {
  int words = 0;
  size_t used = ParseName(tokens, 0, &words);
  if (words < 2 || used > 4 || used + 1 >= tokens.size() ||
      !IsPunct(tokens[used], ",")) {
    return 0;
  }
  size_t end = used + 1;
  while (end < tokens.size() && tokens[end].kind == Kind::kWord) ++end;
  if (end == used + 1 || end - used > 6) return 0;
  const bool newsroom = IsNewsroomName(tokens, used + 1, end);
  if (!newsroom && !RoleNouns().contains(tokens[end - 1].lower)) return 0;
  if (end < tokens.size() && !IsSeparator(tokens[end])) return 0;
  stamp->byline = TextOf(line, tokens, 0, used);
  if (newsroom) stamp->credits.push_back(TextOf(line, tokens, used + 1, end));
  return end;
}

// "Ann Beck | ...": a name of two to four words and a bar, bullet or
// middle dot. Returns the tokens used (the separator included), 0 when the
// line does not start so.
size_t ParseNameBeforeBar(std::string_view line,
                          const std::vector<Token>& tokens, StampLine* stamp) {
  int words = 0;
  size_t used = ParseName(tokens, 0, &words);
  if (words < 2 || used > 4 || used + 1 >= tokens.size()) return 0;
  const std::string_view separator = tokens[used].text;
  if (tokens[used].kind != Kind::kPunct ||
      (separator != "|" && separator != "\xC2\xB7" &&
       separator != "\xE2\x80\xA2")) {
    return 0;
  }
  stamp->byline = TextOf(line, tokens, 0, used);
  return used + 1;
}

std::optional<std::string> ParseBareName(std::string_view line) {
  if (line.size() > 80) return std::nullopt;
  std::vector<Token> tokens = Tokenize(line);
  int words = 0;
  size_t used = ParseName(tokens, 0, &words);
  if (words < 2 || words > 4 || used != tokens.size()) return std::nullopt;
  for (const Token& token : tokens) {
    // "NEWS DESK", "UK POLITICS": names are not set in capitals.
    if (token.all_caps) return std::nullopt;
  }
  return std::string(line);
}

// "Words by", "Story by": a word that labels the writer's credit before
// "by"; at the line's start it may be joined by "and" to one lowercase word
// for the other newsroom job the writers did ("Words and research by",
// "Text and pictures by"). Only a newsroom job: "Written and directed by",
// "Words and music by" credit the work a review is about, and "Posted and
// deleted by NAME" is a headline. The grammar of credit labels, in one
// place. Returns the label's tokens, 0 when tokens[i] opens none.
size_t CreditLabelBeforeBy(const std::vector<Token>& tokens, size_t i) {
  static const auto* credit_words =
      new WordSet{"written",  "story", "words",     "posted",
                  "reported", "text",  "submitted", "contributed"};
  static const auto* newsroom_jobs = new WordSet{
      "pictures", "photos",    "photographs", "photography", "images",
      "research", "reporting", "video",       "graphics",    "illustrations"};
  if (!credit_words->contains(tokens[i].lower)) return 0;
  if (i + 1 < tokens.size() && tokens[i + 1].lower == "by") return 1;
  if (i == 0 && tokens.size() > 3 && tokens[1].lower == "and" &&
      tokens[2].kind == Kind::kWord && !tokens[2].capitalized &&
      newsroom_jobs->contains(tokens[2].lower) && tokens[3].lower == "by") {
    return 3;
  }
  return 0;
}

// "Tested by", "Driven by": a participle opening a line before "by" names
// what the writer did, whatever the verb; what follows must be a name.
bool IsParticipleBeforeBy(const std::vector<Token>& tokens, size_t i) {
  const Token& token = tokens[i];
  return i == 0 && i + 1 < tokens.size() && tokens[i + 1].lower == "by" &&
         token.kind == Kind::kWord && token.capitalized &&
         token.lower.size() >= 4 &&
         (absl::EndsWith(token.lower, "ed") ||
          absl::EndsWith(token.lower, "en"));
}

// "Words: NAME", "Student reporter: NAME": a label of one or two words and
// a colon before a person's name that ends the line (maybe with a role).
// Returns the tokens used, 0 when the line is not so.
size_t ParseLabelledByline(std::string_view line,
                           const std::vector<Token>& tokens, StampLine* stamp) {
  constexpr size_t kMaxLabelWords = 2;
  size_t colon = 0;
  while (colon < tokens.size() && colon < kMaxLabelWords &&
         tokens[colon].kind == Kind::kWord &&
         (colon == 0 ? tokens[0].capitalized && !tokens[0].all_caps
                     : !tokens[colon].capitalized)) {
    ++colon;
  }
  if (colon == 0 || colon >= tokens.size() || !IsPunct(tokens[colon], ":") ||
      IsPictureLabel(tokens[0].lower)) {
    return 0;
  }
  StampLine named;
  const size_t used = ParseByline(line, tokens, colon + 1, &named);
  if (used == 0 || named.byline.empty() || colon + 1 + used != tokens.size()) {
    return 0;
  }
  stamp->byline = std::move(named.byline);
  return tokens.size();
}

std::optional<StampLine> ParseStampLine(std::string_view line) {
  if (line.size() > 300) return std::nullopt;
  std::vector<Token> tokens = Tokenize(line);
  StampLine stamp;
  bool facts = false;
  bool next_is_update = false;
  bool labelled = false;         // "Published", "Updated", ... seen
  std::optional<int> line_zone;  // a zone stated once for the whole line
  std::vector<std::pair<StatedTime, bool>> times;  // with is-update
  size_t i = ParseNameWithRole(line, tokens, &stamp);
  facts = i > 0;
  // "Ann Beck | 18 January 2025": a bare name is a byline only beside a
  // date, joined by a separator no sentence uses between a name and a date.
  bool name_needs_date = false;
  if (i == 0) {
    i = ParseNameBeforeBar(line, tokens, &stamp);
    name_needs_date = i > 0;
  }
  if (i == 0) {
    i = ParseLabelledByline(line, tokens, &stamp);
    facts = i > 0;
    stamp.byline_by_shape = facts;
  }
  // "Keston Sound newsroom · 14:20, Thursday 20 March 2025": a newsroom
  // standing for the writer, a stamp only beside a date.
  if (i == 0) {
    if (const size_t end = NewsroomAuthorEnd(tokens, 0); end > 0) {
      stamp.credits.push_back(TextOf(line, tokens, 0, end));
      i = end;
      name_needs_date = true;
    }
  }
  while (i < tokens.size()) {
    const Token& token = tokens[i];
    if (IsSeparator(token)) {
      ++i;
      continue;
    }
    StatedTime stated;
    if (size_t used = ParseDateTime(tokens, i, &stated); used > 0) {
      if (stated.utc_offset_minutes.has_value() && !line_zone.has_value()) {
        line_zone = stated.utc_offset_minutes;
      }
      // A time alone ("14:52") is a live page's entry time, and a bare day
      // ("Saturday, 26 February") a heading of a fixture list: stamps give
      // the year, a time of day or a label.
      // An ambiguous numeric date ("03/04/2019") states only its year.
      if ((stated.month > 0 &&
           (stated.year != 0 || stated.hour >= 0 || labelled)) ||
          (stated.month == 0 && stated.year != 0)) {
        times.emplace_back(stated, next_is_update);
        facts = true;
      }
      next_is_update = false;
      i += used;
      continue;
    }
    if (token.kind == Kind::kWord) {
      const size_t credit_label = CreditLabelBeforeBy(tokens, i);
      const bool participle =
          credit_label == 0 && IsParticipleBeforeBy(tokens, i);
      if (token.lower == "by" || credit_label > 0 || participle) {
        if (participle) stamp.byline_by_shape = true;
        size_t by =
            token.lower == "by" ? i : i + std::max<size_t>(credit_label, 1);
        // "Issued DATE by the Communications Team": after a date, a
        // newsroom, no person, is the author.
        const size_t newsroom =
            by + 1 + (by + 1 < tokens.size() && tokens[by + 1].lower == "the");
        if (const size_t end = NewsroomAuthorEnd(tokens, newsroom);
            token.lower == "by" && !times.empty() && end > 0) {
          stamp.credits.push_back(TextOf(line, tokens, newsroom, end));
          i = end;
          continue;
        }
        size_t used = ParseByline(line, tokens, by + 1, &stamp);
        if (used == 0) return std::nullopt;
        facts = true;
        i = by + 1 + used;
        continue;
      }
      if (UpdateLabels().contains(token.lower)) {
        next_is_update = true;
        labelled = true;
        ++i;
        continue;
      }
      if (PublishedLabels().contains(token.lower) ||
          Weekdays().contains(token.lower)) {
        if (token.lower == "published" || token.lower == "posted") {
          next_is_update = false;
          labelled = true;
        }
        ++i;
        continue;
      }
      if (token.lower == "ago" || token.lower == "read") {
        ++i;
        continue;
      }
      if (token.all_caps && !UtcOffsetOfZone(token.text, 0, 0, 0).has_value()) {
        // A dateline city: "- MOSCOW:", "NEW DELHI:".
        size_t end = i;
        while (end < tokens.size() && end - i < 4 && tokens[end].all_caps) {
          ++end;
        }
        if (!IsCityName(tokens, i, end)) return std::nullopt;
        bool closes = end == tokens.size() || IsPunct(tokens[end], ":");
        bool opened =
            i == 0 || IsDash(tokens[i - 1]) || IsPunct(tokens[i - 1], "|");
        if (closes && opened && stamp.dateline.empty()) {
          stamp.dateline = TextOf(line, tokens, i, end);
          facts = true;
          i = end;
          continue;
        }
      }
      if (size_t used = ParseZone(tokens, i, Date{}, &line_zone); used > 0) {
        i += used;
        continue;
      }
      if (!stamp.byline.empty() && token.capitalized) {
        // "By Jane Doe | Northsea Business Daily": the outlet after a byline.
        size_t end = i;
        while (end < tokens.size() && tokens[end].kind == Kind::kWord &&
               (tokens[end].capitalized || tokens[end].lower == "of")) {
          ++end;
        }
        if (IsAffiliation(tokens, i, end)) {
          stamp.credits.push_back(TextOf(line, tokens, i, end));
          i = end;
          continue;
        }
      }
      return std::nullopt;
    }
    if (token.kind == Kind::kNumber && i + 1 < tokens.size() &&
        tokens[i + 1].kind == Kind::kWord &&
        CountedUnits().contains(tokens[i + 1].lower)) {
      // "5 years ago", "3 min read", "12 comments"; "Updated 3 minutes
      // ago" is a stamp even without a date.
      if (i + 2 < tokens.size() && tokens[i + 2].lower == "ago") facts = true;
      i += 2;
      continue;
    }
    return std::nullopt;
  }
  if (!facts || (name_needs_date && times.empty())) return std::nullopt;
  for (auto& [stated, is_update] : times) {
    if (!stated.utc_offset_minutes.has_value() && stated.hour >= 0) {
      stated.utc_offset_minutes = line_zone;
    }
    std::optional<StatedTime>& slot =
        is_update ? stamp.updated : stamp.published;
    if (!slot.has_value() && stated.year != 0 && stated.month != 0) {
      slot = stated;
    }
  }
  return stamp;
}

bool IsPictureLabel(std::string_view word) {
  for (const char* stem :
       {"photo", "picture", "image", "video", "illustrat", "graphic", "pic"}) {
    if (word.rfind(stem, 0) == 0) return true;
  }
  return false;
}

bool IsTimeOfDayLine(std::string_view line) {
  if (line.size() > 24) return false;
  std::vector<Token> tokens = Tokenize(line);
  ClockTime clock;
  size_t used = ParseClock(tokens, 0, &clock);
  if (used == 0) return false;
  std::optional<int> offset;
  used += ParseZone(tokens, used, Date{}, &offset);
  return used == tokens.size();
}

// ---------------------------------------------------------------------------
// Dateline prefixes

namespace {

// Longest paragraph prefix worth tokenizing for a dateline.
constexpr size_t kMaxDatelineBytes = 160;

bool IsCityWord(const Token& token, bool title_case) {
  if (token.kind != Kind::kWord) return false;
  return title_case ? token.capitalized : token.all_caps;
}

bool StartsStory(std::string_view text) {
  size_t length = 0;
  char32_t cp = DecodeUtf8At(text, 0, &length);
  return IsUppercaseLetter(cp) || IsAsciiDigit(cp) || cp == '"' ||
         cp == 0x201C || cp == 0x2018 || cp == '\'' || cp == 0x00AB;
}

}  // namespace

std::optional<DatelinePrefix> MatchDatelinePrefix(std::string_view paragraph) {
  std::string_view head = paragraph.substr(0, kMaxDatelineBytes);
  while (!head.empty() && head.size() < paragraph.size() &&
         (static_cast<unsigned char>(paragraph[head.size()]) & 0xC0) == 0x80) {
    head.remove_suffix(1);  // keep whole code points
  }
  // Cheap rejections first: a dateline opens with a capital (or the digit
  // of a leading date) and has its separator within the head.
  size_t length = 0;
  const char32_t opening = DecodeUtf8At(head, 0, &length);
  if ((!IsUppercaseLetter(opening) && !IsAsciiDigit(opening)) ||
      (head.find(" -") == std::string_view::npos &&
       head.find(':') == std::string_view::npos &&
       head.find("\xE2\x80\x94") == std::string_view::npos &&   // —
       head.find("\xE2\x80\x93") == std::string_view::npos)) {  // –
    return std::nullopt;
  }
  std::vector<Token> tokens = Tokenize(head);
  if (tokens.empty()) return std::nullopt;
  // "March 9, 2026 | ANTWERP, Belgium:": some sites print the date, with
  // its year, before the city. Only a city in capitals may follow it, so
  // that a sentence opening with a date stays a sentence.
  size_t start = 0;
  std::optional<StatedTime> leading_date;
  {
    StatedTime stated;
    const size_t used = ParseDateTime(tokens, 0, &stated);
    if (used > 0 && stated.year != 0 && stated.month > 0 &&
        used < tokens.size() && IsSeparator(tokens[used]) &&
        !IsPunct(tokens[used], ".")) {
      start = used + 1;
      leading_date = stated;
    } else if (!IsUppercaseLetter(opening)) {
      return std::nullopt;
    }
  }
  for (bool title_case : {false, true}) {
    if (title_case && leading_date.has_value()) break;
    size_t i = start;
    while (i < tokens.size() && i - start < 4 &&
           IsCityWord(tokens[i], title_case)) {
      ++i;
    }
    if (i == start || !IsCityName(tokens, start, i)) continue;
    // "ST. PETERSBURG": a dot that the tokenizer kept is fine; more than
    // four words is a sentence in capitals.
    if (i < tokens.size() && IsCityWord(tokens[i], title_case)) continue;
    DatelinePrefix prefix;
    prefix.city = TextOf(head, tokens, start, i);
    prefix.date = leading_date;
    bool dated = false;
    bool attributed = false;
    // ", Libya", ", Ill.", ", March 22", ", March 22, 2011".
    for (int region = 0;
         region < 2 && i + 1 < tokens.size() && IsPunct(tokens[i], ",");
         ++region) {
      StatedTime stated;
      size_t used = ParseDateTime(tokens, i + 1, &stated);
      if (used > 0 && stated.month > 0) {
        i += 1 + used;
        dated = true;
        if (stated.year != 0) prefix.date = stated;
        continue;
      }
      size_t end = i + 1;
      while (end < tokens.size() && end - i <= 3 &&
             tokens[end].kind == Kind::kWord && tokens[end].capitalized) {
        ++end;
      }
      if (end == i + 1) break;
      i = end;
    }
    // "(AP)", "(Reuters)".
    if (i + 2 < tokens.size() && IsPunct(tokens[i], "(")) {
      size_t end = i + 1;
      while (end < tokens.size() && end - i <= 4 &&
             tokens[end].kind == Kind::kWord && tokens[end].capitalized) {
        ++end;
      }
      if (end > i + 1 && end < tokens.size() && IsPunct(tokens[end], ")")) {
        prefix.agency = TextOf(head, tokens, i + 1, end);
        attributed = true;
        i = end + 1;
      }
    }
    if (i >= tokens.size()) continue;
    const Token& separator = tokens[i];
    bool colon = IsPunct(separator, ":");
    if (!IsDash(separator) && !colon) continue;
    if (title_case && !dated && !attributed) continue;
    if (colon && (title_case || separator.space_before)) continue;
    if (separator.text == "-" &&
        (!separator.space_before || i + 1 >= tokens.size() ||
         !tokens[i + 1].space_before)) {
      continue;  // "TRIPOLI-based" is a word, not a dateline
    }
    size_t story = separator.end;
    while (story < paragraph.size() && paragraph[story] == ' ') ++story;
    if (story >= paragraph.size() || !StartsStory(paragraph.substr(story))) {
      continue;
    }
    prefix.length = story;
    return prefix;
  }
  return std::nullopt;
}

}  // namespace clean
}  // namespace newsflow
