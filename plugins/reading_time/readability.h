// Word, sentence and syllable counts of a text, and what they say about
// reading it: minutes at a given speed, and the Flesch reading ease.
//
// The counts are heuristics meant for news prose:
//   - a word is a whitespace-separated token holding a letter or a digit
//     ("U.N.", "well-known" and "2026" are one word each, a lone dash none);
//   - a sentence ends at ., ! or ? (before closing quotes or brackets),
//     except after an initial ("J.") or a common abbreviation ("Mr.",
//     "U.S."), and at the end of every paragraph (a blank line);
//   - syllables follow English spelling (see CountSyllables), so the Flesch
//     score is only meaningful for English text.
#ifndef NEWSFLOW_PLUGINS_READING_TIME_READABILITY_H_
#define NEWSFLOW_PLUGINS_READING_TIME_READABILITY_H_

#include <cstdint>
#include <string_view>

namespace newsflow::plugins::reading_time {

struct TextStats {
  int64_t words = 0;
  int64_t sentences = 0;
  int64_t syllables = 0;
};

TextStats MeasureText(std::string_view text);

// Syllables of one English word, counted as groups of vowels (y included
// after the first letter), less a silent final e ("make") or -es/-ed ending
// ("makes", "jumped", but not "boxes" or "wanted"). Parts of a hyphenated
// compound are counted separately. At least 1, also for numbers and words
// without Latin letters.
int CountSyllables(std::string_view word);

// ceil(words / words_per_minute): at least 1 minute for any text, 0 for
// none. words_per_minute must be positive.
int64_t ReadingMinutes(int64_t words, int words_per_minute);

// Flesch reading ease, 206.835 - 1.015 * words/sentence - 84.6 *
// syllables/word: higher is easier (plain English scores 60-70, dense
// reporting 30-50); the scale is open at both ends. Needs stats.words > 0.
double FleschReadingEase(const TextStats& stats);

// Whether a language code (ISO 639-1, maybe with a region) is English, or
// unknown (empty): the texts the Flesch score is computed for.
bool EnglishOrUnknown(std::string_view language);

}  // namespace newsflow::plugins::reading_time

#endif  // NEWSFLOW_PLUGINS_READING_TIME_READABILITY_H_
