// Facts an article states about itself in its text: when it was published
// ("March 22, 2011 09:11 pm | Updated ... IST"), where it was filed from
// (the dateline: "TRIPOLI - ...", "... - MOSCOW:") and who wrote it ("By
// Jane Doe, Associated Press").
//
// Two shapes are recognized:
//  - a stamp line: a whole line made only of such facts (dates, times,
//    time zones, "Published"/"Updated" labels, a byline, a dateline city,
//    reading times and separators). Any other word makes it prose, so a
//    sentence is never mistaken for a stamp;
//  - a dateline prefix opening a paragraph: a city in capitals, optionally
//    a region, a date and an agency, then a dash or colon and the story
//    ("WASHINGTON, March 22 (AP) — The ...").
// English month, weekday and label words only. Pure functions.
#ifndef NEWSFLOW_STAGES_CLEAN_ARTICLE_FACTS_H_
#define NEWSFLOW_STAGES_CLEAN_ARTICLE_FACTS_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace newsflow {
namespace clean {

// A date, and maybe a time of day and a UTC offset, as the text states it.
struct StatedTime {
  int year = 0;  // 0: not stated ("March 22")
  int month = 0;
  int day = 0;
  int hour = -1;  // -1: no time of day stated
  int minute = 0;
  int second = 0;
  std::optional<int> utc_offset_minutes;  // unset: no zone stated

  // RFC 3339: "2011-03-22T21:11:00+05:30" when the time and its zone are
  // known (the zone from `default_offset_minutes` when the text names
  // none); otherwise the full date alone, "2011-03-22". Empty when the year
  // is not stated.
  std::string ToRfc3339(
      std::optional<int> default_offset_minutes = std::nullopt) const;
};

// The UTC offset, in minutes, of a time-zone abbreviation on a given date
// ("IST" -> 330, "GMT" -> 0, "EDT" -> -240). A fixed table of the
// abbreviations news sites print, one meaning each (IST is India Standard
// Time, AST Atlantic Standard Time). The generic North American zones "ET",
// "CT", "MT" and "PT" follow the US daylight-saving rules of the date's
// year. Case-sensitive: zones are written in capitals.
std::optional<int> UtcOffsetOfZone(std::string_view abbreviation, int year,
                                   int month, int day);

// What a stamp line states.
struct StampLine {
  // The first date not labelled as an update ("Updated", "Modified",
  // "Last updated"); `updated` the first date that is.
  std::optional<StatedTime> published;
  std::optional<StatedTime> updated;
  std::string dateline;              // "MOSCOW"
  std::string byline;                // "Jane Doe and John Roe"
  std::vector<std::string> credits;  // affiliations: "Associated Press"
  // The byline was read from its shape alone ("Tested by NAME", "Words:
  // NAME"), which a headline can share ("Profile: Jane Doe"): callers take
  // such a line only where bylines stand (see ParseStampLine).
  bool byline_by_shape = false;
};

// Parses `line` (one line of repaired text) as a stamp line; nullopt when
// it is not one. A line holding only labels, separators or a time of day
// is not one either: it must state a date, a relative time ("Updated 3
// minutes ago"), a byline ("By Jane Doe", "Jane Doe, Staff Writer") or a
// dateline. Besides "By NAME" and a few labels ("Written by", "Posted
// by"), a byline is recognized by its shape: a participle before "by"
// ("Tested by NAME", "Driven by NAME") or a label of one or two words and a
// colon ("Words: NAME", "Student reporter: NAME", not a picture credit)
// before a person's name that ends the line; those set `byline_by_shape`.
std::optional<StampLine> ParseStampLine(std::string_view line);

// The name when `line` is nothing but a person's name of two to four words
// ("Jan Visser", "Ana de la Cruz"); nullopt otherwise. A bare name says
// nothing by itself: callers take it for a byline only where pages print
// one, beside or just above the date stamp.
std::optional<std::string> ParseBareName(std::string_view line);

// True when `word` (lowercase) names pictures ("photos", "pictures",
// "images", "video", "illustration"): a label of such a word before a name
// ("Photos: NAME") credits the photographer, not the writer.
bool IsPictureLabel(std::string_view word);

// True for a line that is only a time of day, maybe with its zone ("14:52",
// "2:52 pm", "14:52 BST"): how live pages head their entries.
bool IsTimeOfDayLine(std::string_view line);

// A dateline opening a paragraph.
struct DatelinePrefix {
  std::string city;    // "WASHINGTON", "NEW DELHI"
  std::string agency;  // "AP" from "(AP)"; empty when none
  // The date when the dateline states one with its year
  // ("BERLIN, March 3, 2022 (CPA) -").
  std::optional<StatedTime> date;
  // Bytes of the paragraph the dateline takes, separator and the spaces
  // after it included: the story starts at paragraph.substr(length).
  size_t length = 0;
};

// Matches a dateline at the start of `paragraph`: a city of one to four
// words in capitals ("TRIPOLI", "ST. PETERSBURG") or, when a date or an
// agency follows, in title case ("Moscow, March 22 (Reuters) -"); then an
// optional region (", Libya", ", Ill."), date and "(agency)"; then " - ",
// a dash or ":"; then the story, which must start with a capital, a digit
// or a quote. Section labels in capitals ("UPDATE:", "WATCH -") and
// acronyms of organizations are not cities.
std::optional<DatelinePrefix> MatchDatelinePrefix(std::string_view paragraph);

}  // namespace clean
}  // namespace newsflow

#endif  // NEWSFLOW_STAGES_CLEAN_ARTICLE_FACTS_H_
