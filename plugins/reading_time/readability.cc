#include "plugins/reading_time/readability.h"

#include <utf8proc.h>

#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
// Header-only parts of common/ (inline, linking nothing), so the plugin
// still depends on the SDK alone.
#include "common/letters.h"
#include "common/utf8.h"

namespace newsflow::plugins::reading_time {
namespace {

bool IsSpace(char32_t c) {
  if (c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r') {
    return true;
  }
  if (c < 0x80) return c == ' ';
  utf8proc_category_t category =
      utf8proc_category(static_cast<utf8proc_int32_t>(c));
  return category == UTF8PROC_CATEGORY_ZS || category == UTF8PROC_CATEGORY_ZL ||
         category == UTF8PROC_CATEGORY_ZP;
}

// Closing punctuation that may follow a sentence's final mark.
bool IsCloser(char32_t c) {
  return c == '"' || c == '\'' || c == ')' || c == ']' || c == 0x2019 ||
         c == 0x201D || c == 0x00BB;
}

// `token` without the opening quotes and brackets it starts with.
std::string_view StripOpeners(std::string_view token) {
  constexpr std::string_view kOpeners[] = {"\"",           "'", "(", "[",
                                           "\xE2\x80\x9C",  // U+201C
                                           "\xE2\x80\x98",  // U+2018
                                           "\xC2\xAB"};     // U+00AB
  bool stripped = true;
  while (stripped) {
    stripped = false;
    for (std::string_view opener : kOpeners) {
      if (token.substr(0, opener.size()) == opener) {
        token.remove_prefix(opener.size());
        stripped = true;
      }
    }
  }
  return token;
}

// Abbreviations that end with a period mid-sentence in news prose.
const absl::flat_hash_set<std::string>& Abbreviations() {
  static const auto* const kAbbreviations =
      new absl::flat_hash_set<std::string>{
          "mr",  "mrs", "ms",   "dr",   "prof", "st",  "jr",  "sr",    "gen",
          "col", "lt",  "sgt",  "capt", "gov",  "sen", "rep", "rev",   "hon",
          "vs",  "inc", "ltd",  "corp", "co",   "jan", "feb", "mar",   "apr",
          "aug", "sep", "sept", "oct",  "nov",  "dec", "no",  "approx"};
  return *kAbbreviations;
}

// Whether `token` (no spaces) ends a sentence.
bool EndsSentence(std::string_view token) {
  // Strip closing quotes and brackets, which are multi-byte in UTF-8: find
  // the last code point that is not one.
  size_t end = token.size();
  while (end > 0) {
    size_t length = 0;
    const char32_t c = DecodeUtf8Before(token, end, &length);
    const size_t start = end - length;
    if (!IsCloser(c)) {
      if (c == '!' || c == '?' || c == 0x2026) return true;
      if (c != '.') return false;
      end = start;
      break;
    }
    end = start;
  }
  if (end == 0) return false;
  // A period: not after an initial or an abbreviation.
  std::string_view core = StripOpeners(token.substr(0, end));
  if (core.empty()) return false;
  if (core.size() == 1 &&
      absl::ascii_isalpha(static_cast<unsigned char>(core[0]))) {
    return false;
  }
  if (absl::StrContains(absl::string_view(core.data(), core.size()), '.')) {
    return false;  // U.S., e.g.
  }
  return !Abbreviations().contains(
      absl::AsciiStrToLower(absl::string_view(core.data(), core.size())));
}

bool IsVowel(char c) {
  return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'y';
}

bool EndsWith(const std::string& word, const char* suffix) {
  return absl::EndsWith(word, suffix);
}

// Syllables of lower-case ASCII letters.
int SyllablesOfLetters(std::string word) {
  if (word.size() <= 3) return 1;
  const size_t n = word.size();
  if (EndsWith(word, "es")) {
    char before = word[n - 3];
    bool sibilant = before == 's' || before == 'x' || before == 'z' ||
                    before == 'c' || before == 'g' ||
                    (n >= 4 && (word.compare(n - 4, 2, "ch") == 0 ||
                                word.compare(n - 4, 2, "sh") == 0));
    if (!sibilant) word.resize(n - 2);
  } else if (EndsWith(word, "ed")) {
    char before = word[n - 3];
    if (before != 't' && before != 'd') word.resize(n - 2);
  } else if (word.back() == 'e') {
    // "table", "little": the e after a consonant + l is sounded.
    bool consonant_le = n >= 3 && word[n - 2] == 'l' && !IsVowel(word[n - 3]);
    if (!consonant_le) word.pop_back();
  }
  int groups = 0;
  bool in_vowels = false;
  for (size_t i = 0; i < word.size(); ++i) {
    bool vowel = IsVowel(word[i]) && !(i == 0 && word[i] == 'y');
    if (vowel && !in_vowels) ++groups;
    in_vowels = vowel;
  }
  return groups > 0 ? groups : 1;
}

}  // namespace

int CountSyllables(std::string_view word) {
  int syllables = 0;
  std::string part;
  auto finish_part = [&] {
    if (!part.empty()) syllables += SyllablesOfLetters(part);
    part.clear();
  };
  for (char c : word) {
    if (c == '-') {
      finish_part();
    } else if (absl::ascii_isalpha(static_cast<unsigned char>(c))) {
      part.push_back(absl::ascii_tolower(static_cast<unsigned char>(c)));
    }
  }
  finish_part();
  return syllables > 0 ? syllables : 1;
}

TextStats MeasureText(std::string_view text) {
  TextStats stats;
  bool sentence_open = false;  // words seen since the last sentence ended
  size_t i = 0;
  while (i < text.size()) {
    int newlines = 0;
    char32_t c = 0;
    size_t length = 0;
    while (i < text.size()) {
      c = DecodeUtf8At(text, i, &length);
      if (!IsSpace(c)) break;
      if (c == '\n') ++newlines;
      i += length;
    }
    if (newlines >= 2 && sentence_open) {
      ++stats.sentences;  // a paragraph ends its last sentence
      sentence_open = false;
    }
    const size_t start = i;
    bool has_letter_or_digit = false;
    while (i < text.size()) {
      c = DecodeUtf8At(text, i, &length);
      if (IsSpace(c)) break;
      has_letter_or_digit =
          has_letter_or_digit || IsInClass(c, kLetterClass | kNumberClass);
      i += length;
    }
    if (start == i) continue;
    std::string_view token = text.substr(start, i - start);
    if (has_letter_or_digit) {
      ++stats.words;
      stats.syllables += CountSyllables(token);
      sentence_open = true;
    }
    // "Really ?" ends a sentence too.
    if (sentence_open && EndsSentence(token)) {
      ++stats.sentences;
      sentence_open = false;
    }
  }
  if (sentence_open) ++stats.sentences;
  return stats;
}

int64_t ReadingMinutes(int64_t words, int words_per_minute) {
  if (words <= 0) return 0;
  return (words + words_per_minute - 1) / words_per_minute;
}

double FleschReadingEase(const TextStats& stats) {
  const double words = static_cast<double>(stats.words);
  const double sentences =
      static_cast<double>(stats.sentences > 0 ? stats.sentences : 1);
  return 206.835 - 1.015 * (words / sentences) -
         84.6 * (static_cast<double>(stats.syllables) / words);
}

bool EnglishOrUnknown(std::string_view language) {
  if (language.empty()) return true;
  if (language.size() < 2) return false;
  std::string lower = absl::AsciiStrToLower(
      absl::string_view(language.data(), language.size()));
  return lower == "en" || absl::StartsWith(lower, "en-") ||
         absl::StartsWith(lower, "en_");
}

}  // namespace newsflow::plugins::reading_time
