#include "stages/tag/stories.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <tuple>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "common/date_words.h"
#include "common/hash.h"
#include "stages/tag/binary_io.h"
#include "stages/tag/lexicon.h"
#include "stages/tag/tokenizer.h"

namespace newsflow {
namespace tag {
namespace {

// Version 1 keyed vectors by strings; version 2 by their 64-bit keys;
// version 3 adds each story's remembered members; version 4 the days its
// members told of (named, or the publication day of a report naming none).
constexpr uint32_t kStateVersion = 4;
// Share of the similarity that comes from entities (the rest from terms).
constexpr double kEntityShare = 0.6;
// Terms of each joining article that index its story for candidate search.
constexpr size_t kIndexedTerms = 20;
// Terms of an article compared with stories: the heaviest. A news article
// has a few hundred; the light tail adds little to a cosine (the weights
// are L2-normalised and sorted) but most of its cost.
constexpr size_t kComparedTerms = 80;
// Most entries kept in a story's vectors.
constexpr size_t kMaxStoryEntities = 100;
constexpr size_t kMaxStoryTerms = 300;
constexpr size_t kMaxEntityDf = 200000;
// Terms from which an article is held to the full similarity threshold.
constexpr double kTermsForFullThreshold = 40;
// Terms from which an article has a body and must agree with its story on
// what happened, not only on who and where: a headline's few terms are
// mostly its names, and its story is often just those names (UCI).
constexpr size_t kBodyTerms = 15;
// Entities an article with a body must share with a story for the entity
// cosine to count at all, and for it to count without event terms.
constexpr uint32_t kNamesThatCount = 2;
constexpr uint32_t kNamesThatSuffice = 3;
// Mentions that make a person one an article is about, not a passing
// name (a mayor quoted once).
constexpr int kSubjectMentions = 2;
// The event-term cosine such an article needs otherwise, as a share of
// its bar, when it tells of one of the story's very days (the day is
// agreement on what happened in itself).
constexpr double kEventShareOfBar = 1.0 / 3;
// The same on any other day (or none known): first chosen for a full
// article (kTermsForFullThreshold terms or more), which
// states what happened and is not excused by shared names: on the check
// set (bar 0.3) the event cosines of members with their story were
// 0.20-0.50, of the distractors that reach the bar with the story they
// share names with 0.03-0.19; at half the bar the check set's pairwise
// precision was 0.857, at 0.8 of it its recall 0.833.
constexpr double kFullEventShareOfBar = 2.0 / 3;
// A number's weight as a share of the article's heaviest term's: a report
// states many figures, and another outlet's report of the same happening
// repeats some of them, not all (at the heaviest term's weight, the
// unshared ones pulled the examples' two reports of one strike apart).
constexpr double kNumberWeight = 0.5;
// Members per story re-checked as it grows: bounds the check's cost and
// the memory; a story this size is one event's coverage many times over.
constexpr size_t kCheckedMembers = 256;

// Days apart that still name one happening: a follow-up reports the day
// after (the inquiry opened on Monday into Sunday's grounding).
constexpr int32_t kDayTolerance = 1;
// The same for a publication day standing in for a day named: the
// publication day is the UTC day (the zone is lost at ingest), and an
// evening report in the Americas the local day after is two UTC days on.
constexpr int32_t kPublicationDayTolerance = 2;
// How far back a weekday names the day before publication: a report
// tells of the last few days.
constexpr int kMaxDaysBack = 4;
// Days a story remembers: its latest.
constexpr size_t kMaxStoryDays = 32;
// Figures of a story an article repeats that, with its day and what
// happened, make it a report of the story whatever its names resolve to:
// one figure may be any two reports' round number, two rarely are.
constexpr uint32_t kFiguresThatAgree = 2;

// The day (since the epoch, UTC) of a time in seconds since the epoch.
int32_t DayOf(int64_t time) {
  int64_t day = time / 86400;
  if (time % 86400 < 0) --day;
  return static_cast<int32_t>(day);
}

enum class DayAgreement { kUnknown, kAgrees, kDisagrees };

// Whether an article's days (sorted) name a day of a story's (sorted)
// within kDayTolerance; unknown when either names none.
DayAgreement CompareDays(const std::vector<int32_t>& article,
                         const std::vector<int32_t>& story,
                         int32_t tolerance = kDayTolerance) {
  if (article.empty() || story.empty()) return DayAgreement::kUnknown;
  for (int32_t day : article) {
    auto near = std::lower_bound(story.begin(), story.end(), day - tolerance);
    if (near != story.end() && *near <= day + tolerance) {
      return DayAgreement::kAgrees;
    }
  }
  return DayAgreement::kDisagrees;
}

double Blend(double entity_cosine, double term_cosine) {
  return kEntityShare * entity_cosine + (1 - kEntityShare) * term_cosine;
}

double TypeWeight(v1::EntityType type) {
  switch (type) {
    case v1::PERSON:
      return 1.0;
    case v1::ORG:
      return 0.8;
    default:
      return 0.5;
  }
}

using KeyedVector = absl::flat_hash_map<uint64_t, double>;

uint64_t KeyOf(std::string_view kind, std::string_view name) {
  std::string key;
  key.reserve(kind.size() + name.size());
  key.append(kind).append(name);
  return StableHash64(key);
}
uint64_t EntityKey(std::string_view canonical_id) {
  return KeyOf("e:", canonical_id);
}
uint64_t TermKey(std::string_view term) { return KeyOf("t:", term); }

// Keeps the `keep` heaviest entries of `vector`; appends the keys dropped
// to `dropped`.
void Prune(KeyedVector* vector, size_t keep, std::vector<uint64_t>* dropped) {
  if (vector->size() <= keep) return;
  std::vector<std::pair<double, uint64_t>> entries;
  entries.reserve(vector->size());
  for (const auto& [key, weight] : *vector) entries.emplace_back(weight, key);
  // Ties broken by key, so that what is kept does not depend on the
  // map's iteration order.
  std::nth_element(entries.begin(), entries.begin() + keep, entries.end(),
                   [](const auto& a, const auto& b) {
                     return a.first != b.first ? a.first > b.first
                                               : a.second < b.second;
                   });
  for (size_t i = keep; i < entries.size(); ++i) {
    vector->erase(entries[i].second);
    dropped->push_back(entries[i].second);
  }
}

void PutVector(std::string* out, const KeyedVector& vector) {
  std::vector<std::pair<uint64_t, double>> sorted(vector.begin(), vector.end());
  std::sort(sorted.begin(), sorted.end());
  PutU32(out, static_cast<uint32_t>(sorted.size()));
  for (const auto& [key, weight] : sorted) {
    PutU64(out, key);
    PutF64(out, weight);
  }
}

// `kind` ("e:" or "t:") is what a version-1 file's string keys lack.
void ReadVector(BinaryReader* reader, uint32_t version, std::string_view kind,
                KeyedVector* vector) {
  const uint32_t count = reader->U32();
  for (uint32_t i = 0; i < count && reader->ok(); ++i) {
    const uint64_t key =
        version == 1 ? KeyOf(kind, reader->String()) : reader->U64();
    (*vector)[key] = reader->F64();
  }
}

void PutTime(std::string* out, const std::optional<int64_t>& time) {
  PutU8(out, time.has_value());
  PutU64(out, static_cast<uint64_t>(time.value_or(0)));
}

std::vector<std::pair<uint64_t, double>> SortedEntries(
    const KeyedVector& vector) {
  std::vector<std::pair<uint64_t, double>> entries(vector.begin(),
                                                   vector.end());
  std::sort(entries.begin(), entries.end());
  return entries;
}

// Cosine of a unit-length member (entries [begin, end), each with .key and
// .weight or .first and .second) with `story` + `added`, whose squared norm
// is `norm`.
template <typename Entry>
double CosineAfter(const Entry* begin, const Entry* end,
                   const KeyedVector& story, const KeyedVector* added,
                   double norm) {
  if (norm <= 0) return 0;
  double dot = 0;
  for (const Entry* entry = begin; entry != end; ++entry) {
    const uint64_t key = entry->key;
    const double weight = entry->weight;
    auto in_story = story.find(key);
    if (in_story != story.end()) dot += weight * in_story->second;
    if (added == nullptr) continue;
    auto in_added = added->find(key);
    if (in_added != added->end()) dot += weight * in_added->second;
  }
  return dot / std::sqrt(norm);
}

std::optional<int64_t> ReadTime(BinaryReader* reader) {
  const bool present = reader->U8() != 0;
  const int64_t value = static_cast<int64_t>(reader->U64());
  return present ? std::optional<int64_t>(value) : std::nullopt;
}

bool IsNameTerm(const StoryInput& input, size_t i) {
  return i < input.name_terms.size() && input.name_terms[i];
}

// When the word after `number` ("#" and its digits, maybe with one "."),
// which ends at text[end], is thousand, million or billion, rewrites
// `number` as the amount's digits ("#1800000" for "1.8 million").
bool ScaleAmount(std::string_view text, size_t end, std::string* number) {
  static constexpr std::pair<std::string_view, int> kScales[] = {
      {"thousand", 3}, {"million", 6}, {"billion", 9}};
  if (end >= text.size() || text[end] != ' ') return false;
  const std::string_view rest = text.substr(end + 1);
  int zeros = 0;
  for (const auto& [word, power] : kScales) {
    if (rest.substr(0, word.size()) == word &&
        (rest.size() == word.size() ||
         !std::isalpha(static_cast<unsigned char>(rest[word.size()])))) {
      zeros = power;
    }
  }
  if (zeros == 0 || number->find(':') != std::string::npos) return false;
  std::string whole = number->substr(1), fraction;
  const size_t point = whole.find('.');
  if (point != std::string::npos) {
    fraction = whole.substr(point + 1);
    whole.resize(point);
  }
  if (fraction.size() > static_cast<size_t>(zeros)) return false;
  fraction.resize(zeros, '0');
  std::string digits = whole + fraction;
  digits.erase(0, std::min(digits.find_first_not_of('0'), digits.size() - 1));
  *number = "#" + digits;
  return true;
}

}  // namespace

uint64_t SimHash(std::string_view text) {
  std::vector<Token> tokens;
  Tokenize(text, &tokens);
  return SimHash(tokens.data(), tokens.data() + tokens.size());
}

uint64_t SimHash(const Token* begin, const Token* end) {
  // The lower-cased words: most are lowercase ASCII already and are viewed
  // as they stand; the others are lower-cased into one buffer and viewed
  // once it has stopped growing.
  std::vector<std::string_view> words;
  words.reserve(static_cast<size_t>(end - begin));
  std::string lowered;
  struct Lowered {
    size_t word, offset, size;
  };
  std::vector<Lowered> spans;
  for (const Token* token = begin; token != end; ++token) {
    if (token->kind == TokenKind::kPunct) continue;
    const bool lowercase_ascii =
        std::all_of(token->text.begin(), token->text.end(), [](char c) {
          return static_cast<unsigned char>(c) < 0x80 &&
                 !(c >= 'A' && c <= 'Z');
        });
    if (!lowercase_ascii) {
      const size_t offset = lowered.size();
      AppendLowercase(token->text, &lowered);
      spans.push_back({words.size(), offset, lowered.size() - offset});
    }
    words.push_back(token->text);
  }
  if (words.empty()) return 0;
  for (const Lowered& span : spans) {
    words[span.word] = std::string_view(lowered).substr(span.offset, span.size);
  }
  // Four words hashed side by side.
  const std::vector<uint64_t> hashes = StableHash64Many(words);
  // A bit's signed sum is (weight of the words that set it) - (of those
  // that do not), positive when the first exceeds half the total. A word's
  // weight is its count, so the sums are those over the tokens themselves:
  // no table of distinct words (filling one per article was most of
  // SimHash's time). Counted eight bits per add: byte k of lanes[j] counts
  // bit 8k + j, emptied into `set` before a byte can overflow.
  uint64_t set[64] = {};
  uint64_t lanes[8] = {};
  auto empty_lanes = [&] {
    for (int j = 0; j < 8; ++j) {
      for (int k = 0; k < 8; ++k)
        set[8 * k + j] += (lanes[j] >> (8 * k)) & 0xff;
      lanes[j] = 0;
    }
  };
  int pending = 0;
  for (uint64_t h : hashes) {
    for (int j = 0; j < 8; ++j) lanes[j] += (h >> j) & 0x0101010101010101ull;
    if (++pending == 255) {
      empty_lanes();
      pending = 0;
    }
  }
  empty_lanes();
  const uint64_t total = hashes.size();
  uint64_t hash = 0;
  for (int bit = 0; bit < 64; ++bit) {
    if (2 * set[bit] > total) hash |= uint64_t{1} << bit;
  }
  return hash;
}

void MarkNameTerms(const TermCounts& counts, StoryInput* input) {
  input->name_terms.clear();
  // Every alias lower-cased into one buffer first, its words then viewed in
  // it: a string per word was an allocation each.
  std::string lowered;
  std::vector<std::pair<size_t, size_t>> spans;
  for (const v1::Entity* entity : input->entities) {
    for (const std::string& alias : entity->aliases()) {
      const size_t start = lowered.size();
      AppendLowercase(alias, &lowered);
      spans.emplace_back(start, lowered.size() - start);
    }
  }
  absl::flat_hash_set<std::string_view> words;
  for (const auto& [offset, size] : spans) {
    const std::string_view lower =
        std::string_view(lowered).substr(offset, size);
    // The alias's words, and the parts of hyphenated ones: a spelling is
    // one token, and the tokenizer may keep a hyphen or split at it.
    size_t start = 0;
    while (start < lower.size()) {
      size_t end = lower.find(' ', start);
      if (end == std::string::npos) end = lower.size();
      const std::string_view word(lower.data() + start, end - start);
      if (!word.empty()) words.emplace(word);
      for (size_t part = 0; part < word.size();) {
        size_t hyphen = word.find('-', part);
        if (hyphen == std::string_view::npos) hyphen = word.size();
        if (hyphen < word.size() || part > 0) {
          words.emplace(word.substr(part, hyphen - part));
        }
        part = hyphen + 1;
      }
      start = end + 1;
    }
  }
  if (words.empty()) return;
  absl::flat_hash_set<std::string_view> names;
  for (const TermCount& term : counts.terms) {
    if (words.contains(term.spelling)) names.insert(term.term);
  }
  if (names.empty()) return;
  // Only the terms compared with stories are read.
  input->name_terms.resize(std::min(input->terms.size(), kComparedTerms));
  for (size_t i = 0; i < input->name_terms.size(); ++i) {
    input->name_terms[i] = names.contains(input->terms[i].first);
  }
}

// The letters just before text[at] (after spaces) and just after
// text[end] (after an ordinal suffix and spaces): the words beside a
// number.
std::string_view WordBefore(std::string_view text, size_t at) {
  size_t end = at;
  while (end > 0 && text[end - 1] == ' ') --end;
  // An abbreviation's full stop ("Mar. 12").
  if (end > 1 && text[end - 1] == '.' &&
      std::isalpha(static_cast<unsigned char>(text[end - 2]))) {
    --end;
  }
  size_t begin = end;
  while (begin > 0 &&
         std::isalpha(static_cast<unsigned char>(text[begin - 1]))) {
    --begin;
  }
  return text.substr(begin, end - begin);
}
std::string_view WordAfter(std::string_view text, size_t end) {
  for (std::string_view suffix : {"st", "nd", "rd", "th"}) {
    if (text.substr(end, 2) == suffix) {
      end += 2;
      break;
    }
  }
  while (end < text.size() && text[end] == ' ') ++end;
  size_t stop = end;
  while (stop < text.size() &&
         std::isalpha(static_cast<unsigned char>(text[stop]))) {
    ++stop;
  }
  return text.substr(end, stop - end);
}

void AddNumberTerms(std::string_view title, std::string_view body,
                    StoryInput* input) {
  if (input->terms.empty()) return;
  const double weight = kNumberWeight * input->terms.front().second;
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  // A handful per article: a vector searched in order beats a hash set.
  std::vector<std::string> numbers;
  std::string number;
  for (std::string_view text : {title, body}) {
    for (size_t i = 0; i < text.size();) {
      // A number starts at a digit that does not continue a word.
      if (!digit(text[i]) ||
          (i > 0 && std::isalnum(static_cast<unsigned char>(text[i - 1])))) {
        ++i;
        continue;
      }
      const size_t start = i;
      number.assign("#");
      size_t digits = 0;
      bool all_digits = true;
      // A comma or a scale word makes it an amount, never a year.
      bool bare = true;
      while (i < text.size()) {
        if (digit(text[i])) {
          number.push_back(text[i]);
          ++digits;
        } else if ((text[i] == ',' || text[i] == '.' || text[i] == ':') &&
                   i + 1 < text.size() && digit(text[i + 1])) {
          // "1,500" is 1500; "3.5" and "2:19:42" keep their separator.
          if (text[i] != ',') {
            number.push_back(text[i]);
            all_digits = false;
          }
          bare = false;
        } else {
          break;
        }
        ++i;
      }
      // "400 thousand", "1.8 million": the amount as its digits, the
      // same term as "400,000" and "1,800,000" in another outlet's report.
      if (ScaleAmount(text, i, &number)) {
        digits = number.size() - 1;
        all_digits = true;
        bare = false;
      }
      // Dates and times are not figures: digit groups joined by '-' or
      // '/' ("2026-03-12", "12/03/2026"), a clock time ("10:30") and a
      // day beside its month ("March 12", "12th March") are any two
      // reports' of one day, not what happened.
      if (i + 1 < text.size() && (text[i] == '-' || text[i] == '/') &&
          digit(text[i + 1])) {
        while (i < text.size() &&
               (digit(text[i]) || text[i] == '-' || text[i] == '/')) {
          ++i;
        }
        continue;
      }
      // A clock time is an hour of the day and two-digit minutes, which
      // are not range-checked; "2:19:42", a race time, is a figure.
      ClockTime clock;
      if (number.size() >= 3 && number[number.size() - 3] == ':' &&
          ReadClockGroups(std::string_view(number).substr(1), ':', &clock) ==
              2 &&
          clock.hour < 24) {
        continue;
      }
      if (all_digits && digits <= 2 &&
          (MonthOfWord(WordBefore(text, start),
                       MonthNames::kEnglishCapitalised) != 0 ||
           MonthOfWord(WordAfter(text, i), MonthNames::kEnglishCapitalised) !=
               0)) {
        continue;
      }
      if (digits < 2) continue;
      if (bare && digits == 4 &&
          (number.compare(1, 2, "19") == 0 ||
           number.compare(1, 2, "20") == 0)) {
        continue;
      }
      if (std::find(numbers.begin(), numbers.end(), number) == numbers.end()) {
        numbers.push_back(number);
      }
    }
  }
  if (numbers.empty()) return;
  // All at one weight: inserted as a block where that weight falls, the
  // terms stay heaviest first without sorting them again.
  auto at =
      std::find_if(input->terms.begin(), input->terms.end(),
                   [weight](const auto& term) { return term.second < weight; });
  std::vector<std::pair<std::string, double>> block;
  block.reserve(numbers.size());
  for (std::string& number : numbers) {
    block.emplace_back(std::move(number), weight);
  }
  input->terms.insert(at, std::make_move_iterator(block.begin()),
                      std::make_move_iterator(block.end()));
  double norm = 0;
  for (const auto& [term, w] : input->terms) norm += w * w;
  norm = std::sqrt(norm);
  for (auto& [term, w] : input->terms) w /= norm;
}

// Days since the epoch of a date the calendar has (not "31 April" or "29
// February" of a common year, which absl::CivilDay would roll over into
// the next month), or nothing.
std::optional<int64_t> CivilDay(int64_t year, int month, int day) {
  const absl::CivilDay civil(year, month, day);
  if (civil.year() != year || civil.month() != month || civil.day() != day) {
    return std::nullopt;
  }
  return civil - absl::CivilDay(1970, 1, 1);
}

// The latest day on or before `last` that is `day` `month` of some year.
std::optional<int64_t> LatestCivilDayBy(int64_t last, int month, int day) {
  // A 29 February may lie up to eight years back; later checks drop it.
  const int64_t last_year = (absl::CivilDay(1970, 1, 1) + last).year();
  for (int64_t year = last_year; year >= last_year - 8; --year) {
    if (const std::optional<int64_t> date = CivilDay(year, month, day);
        date && *date <= last) {
      return date;
    }
  }
  return std::nullopt;
}

// The day of the month (1-31) a word names ("2", "02", "2nd"), or 0.
int DayOfMonth(std::string_view word) {
  size_t digits = 0;
  while (digits < word.size() &&
         std::isdigit(static_cast<unsigned char>(word[digits]))) {
    ++digits;
  }
  if (digits == 0 || digits > 2) return 0;
  const std::string_view suffix = word.substr(digits);
  if (!suffix.empty() && suffix != "st" && suffix != "nd" && suffix != "rd" &&
      suffix != "th") {
    return 0;
  }
  const int day =
      digits == 1 ? word[0] - '0' : (word[0] - '0') * 10 + (word[1] - '0');
  return day >= 1 && day <= 31 ? day : 0;
}

void AddEventDays(std::string_view title, std::string_view body,
                  StoryInput* input) {
  input->days.clear();
  if (!input->time) return;
  static constexpr std::string_view kFuture[] = {
      "will",     "would",  "could",     "shall",    "due",
      "next",     "expect", "expects",   "expected", "until",
      "tomorrow", "plans",  "scheduled", "planned"};
  static constexpr std::string_view kCounts[] = {
      "a", "one", "two", "three", "four", "five", "six", "seven"};
  const int64_t today = DayOf(*input->time);
  // 1970-01-01, day 0, was a Thursday (3, counting from Monday).
  const int today_weekday = static_cast<int>(((today + 3) % 7 + 7) % 7);
  auto add = [&](int64_t day) {
    input->days.push_back(static_cast<int32_t>(day));
  };
  // The words of a text, each with whether a clause mark (punctuation)
  // lies between it and the word before.
  struct Word {
    std::string_view text;
    bool clause_start;
  };
  std::vector<Word> words;
  std::string lower, neighbour;
  // A capitalised word that does not open sentences ("Sheffield", "Times",
  // "Good"): a day word beside it in its clause is part of a name.
  auto name_word = [&](size_t at) {
    const std::string_view word = words[at].text;
    if (!std::isupper(static_cast<unsigned char>(word[0]))) return false;
    neighbour.clear();
    for (char w : word) {
      neighbour.push_back(
          static_cast<char>(std::tolower(static_cast<unsigned char>(w))));
    }
    return !IsSentenceStarter(neighbour);
  };
  for (std::string_view text : {title, body}) {
    words.clear();
    bool clause_start = true;
    for (size_t i = 0; i < text.size();) {
      const unsigned char c = static_cast<unsigned char>(text[i]);
      if (std::strchr(",;:.!?\n", c) != nullptr && c != 0) {
        clause_start = true;
        ++i;
        continue;
      }
      if (!std::isalnum(c)) {
        ++i;
        continue;
      }
      size_t j = i;
      while (j < text.size() &&
             std::isalnum(static_cast<unsigned char>(text[j]))) {
        ++j;
      }
      words.push_back(Word{text.substr(i, j - i), clause_start});
      clause_start = false;
      i = j;
    }
    // Per clause: whether a word of the future came before, the count
    // word just before ("two"), and the count of a "<count> days" just
    // before.
    bool future = false;
    int count = 0, days_count = 0;
    for (size_t k = 0; k < words.size(); ++k) {
      const std::string_view word = words[k].text;
      if (words[k].clause_start) {
        future = false;
        count = days_count = 0;
      }
      lower.clear();
      for (char w : word) {
        lower.push_back(
            static_cast<char>(std::tolower(static_cast<unsigned char>(w))));
      }
      // "Sheffield Wednesday", "the Sunday Times", "USA Today": a day word
      // with a name word beside it in its clause names no day.
      auto in_name = [&] {
        return (!words[k].clause_start && name_word(k - 1)) ||
               (k + 1 < words.size() && !words[k + 1].clause_start &&
                name_word(k + 1));
      };
      for (std::string_view marker : kFuture) future |= lower == marker;
      if (!future) {
        if (const int weekday = WeekdayOfFullName(word, /*capitalised=*/true);
            weekday != 0) {
          // Further back than kMaxDaysBack a weekday may as well be the
          // coming one ("on Tuesday" in Monday's paper).
          const int back = (today_weekday - (weekday - 1) + 7) % 7;
          if (back <= kMaxDaysBack && !in_name()) add(today - back);
        }
        // Capitalised only where a sentence may open with it ("Today, the
        // council ..."); elsewhere it is a title ("the Today programme").
        const int back = lower == "today" || lower == "tonight" ? 0
                         : lower == "yesterday"                 ? 1
                                                                : -1;
        if (back >= 0 && (word[0] == lower[0] || words[k].clause_start) &&
            !in_name()) {
          add(today - back);
        }
        // "on 2 March", "March 2, 2026": the latest such day at or before
        // the day after publication (a report dated in the reader's zone
        // may name the UTC day after), unless the year is given. As for a
        // weekday, a date further back than kMaxDaysBack recalls an
        // earlier step or another happening (the intruders logged in on
        // 20 May, the breach was disclosed on 2 June; the plant opened on
        // March 2, 1998).
        if (const int month =
                MonthOfWord(word, MonthNames::kEnglishCapitalised);
            month != 0) {
          int day = 0;
          size_t day_at = k;
          if (k > 0 && !words[k].clause_start &&
              (day = DayOfMonth(words[k - 1].text)) != 0) {
            day_at = k;
          } else if (k + 1 < words.size() &&
                     (!words[k + 1].clause_start ||  // "Mar. 2"
                      (word.size() == 3 && word != "May") || word == "Sept") &&
                     (day = DayOfMonth(words[k + 1].text)) != 0) {
            day_at = k + 1;
          }
          if (day != 0) {
            int64_t year = 0;
            if (day_at + 1 < words.size() &&
                words[day_at + 1].text.size() == 4 &&
                std::all_of(words[day_at + 1].text.begin(),
                            words[day_at + 1].text.end(), [](char c) {
                              return std::isdigit(
                                  static_cast<unsigned char>(c));
                            })) {
              year = std::stoi(std::string(words[day_at + 1].text));
            }
            // Without a year, the latest such day at or before the day
            // after publication ("1 January" on 31 December is the next
            // day); a day the month does not have names none.
            const std::optional<int64_t> date =
                year != 0 ? CivilDay(year, month, day)
                          : LatestCivilDayBy(today + 1, month, day);
            if (date && *date <= today + 1 && today - *date <= kMaxDaysBack) {
              add(*date);
            }
          }
        }
        // "two days after the breakdown": the breakdown's day.
        if (lower == "after" && days_count > 0) add(today - days_count);
      }
      days_count = lower == "day" || lower == "days" ? count : 0;
      count = 0;
      for (int n = 0; n < 8; ++n) {
        if (lower == kCounts[n]) count = std::max(n, 1);
      }
      if (lower.size() == 1 &&
          std::isdigit(static_cast<unsigned char>(word[0]))) {
        count = word[0] - '0';
      }
    }
  }
  std::sort(input->days.begin(), input->days.end());
  input->days.erase(std::unique(input->days.begin(), input->days.end()),
                    input->days.end());
}

StoryClusterer::StoryClusterer(StoryOptions options) : options_(options) {
  // Read per clusterer, not once per process, so that a test can set it;
  // the file is closed with the last copy of the clusterer.
  if (const char* path = std::getenv("NEWSFLOW_STORY_TRACE")) {
    trace_path_ = path;
    if (std::FILE* file = std::fopen(path, "a")) {
      trace_.reset(file, [](std::FILE* f) { std::fclose(f); });
    } else {
      const int open_error = errno;
      std::fprintf(stderr, "NEWSFLOW_STORY_TRACE %s: cannot open: %s\n", path,
                   std::strerror(open_error));
    }
  }
  ReserveStories();
}

StoryClusterer::StoryClusterer(StoryOptions options,
                               std::shared_ptr<std::FILE> trace,
                               std::string trace_path)
    : options_(options),
      trace_(std::move(trace)),
      trace_path_(std::move(trace_path)) {
  ReserveStories();
}

void StoryClusterer::ReserveStories() {
  // Once, for the bound: a Story is copied, not moved, when the vector
  // grows (std::deque's move may throw), and it holds its members.
  stories_.reserve(std::min<size_t>(options_.max_open + 1, 1 << 14));
}

StoryClusterer::Vector StoryClusterer::EntityVector(
    const StoryInput& input) const {
  Vector vector;
  for (const v1::Entity* entity : input.entities) {
    if (entity->canonical_id().empty()) continue;
    auto df = entity_df_.find(entity->canonical_id());
    const double rarity =
        std::log((articles_ + 2.0) /
                 ((df == entity_df_.end() ? 0 : df->second) + 1.0)) +
        1;
    vector[EntityKey(entity->canonical_id())] +=
        TypeWeight(entity->type()) *
        (1 + std::log(std::max(1, entity->mentions()))) * rarity;
  }
  double norm = 0;
  for (const auto& [key, weight] : vector) norm += weight * weight;
  norm = std::sqrt(norm);
  for (auto& [key, weight] : vector) weight /= norm;
  return vector;
}

void StoryClusterer::AddInto(uint32_t index, const Vector& vector, size_t keep,
                             Vector* story, Postings* postings) {
  auto by_story = [](const Posting& posting, uint32_t story) {
    return posting.story < story;
  };
  // Each key's postings slot (prefetched a few keys ahead) and the middle
  // of its list, where the search below starts, are brought in before any
  // list is searched: one key after another, the search waited on both.
  constexpr size_t kAhead = 4;
  keys_.clear();
  for (const auto& entry : vector) keys_.push_back(entry.first);
  for (size_t i = 0; i < std::min(kAhead, keys_.size()); ++i) {
    postings->prefetch(keys_[i]);
  }
  for (size_t i = 0; i < keys_.size(); ++i) {
    if (i + kAhead < keys_.size()) postings->prefetch(keys_[i + kAhead]);
    auto it = postings->find(keys_[i]);
    if (it != postings->end() && !it->second.empty()) {
      __builtin_prefetch(it->second.data() + it->second.size() / 2);
    }
  }
  for (const auto& [key, weight] : vector) {
    auto [it, inserted] = story->try_emplace(key, 0.0);
    it->second += weight;
    std::vector<Posting>& list = (*postings)[key];
    auto at = std::lower_bound(list.begin(), list.end(), index, by_story);
    if (at != list.end() && at->story == index) {
      at->weight = it->second;
    } else {
      list.insert(at, Posting{index, it->second});
    }
  }
  std::vector<uint64_t> dropped;
  Prune(story, keep, &dropped);
  for (uint64_t key : dropped) {
    auto it = postings->find(key);
    if (it == postings->end()) continue;
    std::vector<Posting>& list = it->second;
    auto at = std::lower_bound(list.begin(), list.end(), index, by_story);
    if (at != list.end() && at->story == index) list.erase(at);
    if (list.empty()) postings->erase(it);
  }
}

bool StoryClusterer::WithinWindow(const Story& story,
                                  std::optional<int64_t> time) const {
  if (!time || !story.first_time) return true;
  const int64_t window = static_cast<int64_t>(options_.window_hours * 3600);
  // The span the story would have with the article, not the gap to its
  // nearest member: a daily topic would otherwise creep on for months.
  return std::max(*story.last_time, *time) -
             std::min(*story.first_time, *time) <=
         window;
}

bool StoryClusterer::KeepsMembers(uint32_t index, const Vector& entities,
                                  const Vector& terms, double bar) const {
  const Story& story = stories_[index];
  // Squared norms of the story's sums with the article's unit vectors
  // added: |s + a|^2 = |s|^2 + 2 s.a + |a|^2.
  const double entity_norm =
      story.entity_norm + 2 * entity_dot_[index] + (entities.empty() ? 0 : 1);
  const double term_norm =
      story.term_norm + 2 * term_dot_[index] + (terms.empty() ? 0 : 1);
  auto holds = [&](const Member& member) {
    const MemberEntry* begin = member.entries.data();
    const MemberEntry* middle = begin + member.entity_count;
    const MemberEntry* end = begin + member.entries.size();
    return Blend(CosineAfter(begin, middle, story.entities, &entities,
                             entity_norm),
                 CosineAfter(middle, end, story.terms, &terms, term_norm)) >=
           member.bar;
  };
  if (!holds(MemberOf(entities, terms, bar))) return false;
  for (const Member& member : story.members) {
    if (!holds(member)) return false;
  }
  return true;
}

bool StoryClusterer::SimilarToMostMembers(uint32_t index,
                                          const Vector& entities,
                                          const Vector& terms, double bar,
                                          bool terms_only) const {
  const std::deque<Member>& members = stories_[index].members;
  size_t similar = 0;
  for (const Member& member : members) {
    double entity_dot = 0, term_dot = 0;
    for (uint32_t e = 0; e < member.entries.size(); ++e) {
      const bool entity = e < member.entity_count;
      const Vector& vector = entity ? entities : terms;
      // A copy: the packed entry's key is not 8-byte aligned, and find()
      // takes a reference.
      const uint64_t key = member.entries[e].key;
      auto it = vector.find(key);
      if (it == vector.end()) continue;
      (entity ? entity_dot : term_dot) += it->second * member.entries[e].weight;
    }
    // Both sides have unit length: the dot products are the cosines.
    similar += (terms_only ? term_dot : Blend(entity_dot, term_dot)) >= bar;
  }
  return 2 * similar >= members.size();
}

StoryClusterer::Member StoryClusterer::MemberOf(const Vector& entities,
                                                const Vector& terms,
                                                double bar) {
  Member member;
  member.entries.reserve(entities.size() + terms.size());
  for (const Vector* vector : {&entities, &terms}) {
    for (const auto& [key, weight] : SortedEntries(*vector)) {
      member.entries.push_back({key, static_cast<float>(weight)});
    }
  }
  member.entity_count = static_cast<uint32_t>(entities.size());
  member.bar = bar;
  return member;
}

std::vector<MemberCheck> StoryClusterer::Audit() const {
  std::vector<MemberCheck> checks;
  for (const Story& story : stories_) {
    for (const Member& member : story.members) {
      MemberCheck& check = checks.emplace_back();
      check.story_id = story.id;
      check.bar = member.bar;
      const MemberEntry* begin = member.entries.data();
      const MemberEntry* middle = begin + member.entity_count;
      const MemberEntry* end = begin + member.entries.size();
      check.similarity = Blend(
          CosineAfter(begin, middle, story.entities, nullptr,
                      story.entity_norm),
          CosineAfter(middle, end, story.terms, nullptr, story.term_norm));
    }
  }
  return checks;
}

StoryStats StoryClusterer::Stats() const {
  StoryStats stats;
  stats.stories = stories_.size();
  for (const Story& story : stories_) {
    stats.members += story.members.size();
    for (const Member& member : story.members) {
      stats.member_entries += member.entries.size();
    }
    stats.story_entries += story.entities.size() + story.terms.size();
    stats.story_keys += story.keys.size();
  }
  stats.index_keys = index_.size();
  stats.postings_keys = entity_postings_.size() + term_postings_.size();
  stats.fingerprints = fingerprints_.size();
  stats.fingerprint_bytes = fingerprint_hashes_.memory_bytes();
  stats.entity_df = entity_df_.size();
  return stats;
}

void StoryClusterer::Join(Story* story, const Vector& entities,
                          const Vector& terms, const StoryInput& input,
                          const std::vector<int32_t>& days_told, double bar) {
  const uint32_t index = static_cast<uint32_t>(story - stories_.data());
  AddInto(index, entities, kMaxStoryEntities, &story->entities,
          &entity_postings_);
  AddInto(index, terms, kMaxStoryTerms, &story->terms, &term_postings_);
  if (input.time) {
    story->first_time = story->first_time
                            ? std::min(*story->first_time, *input.time)
                            : *input.time;
    story->last_time = story->last_time
                           ? std::max(*story->last_time, *input.time)
                           : *input.time;
  }
  ++story->articles;
  story->last_joined = articles_;
  story->members.push_back(MemberOf(entities, terms, bar));
  if (!days_told.empty()) {
    std::vector<int32_t> days;
    std::merge(story->days.begin(), story->days.end(), days_told.begin(),
               days_told.end(), std::back_inserter(days));
    days.erase(std::unique(days.begin(), days.end()), days.end());
    if (days.size() > kMaxStoryDays) {
      days.erase(days.begin(), days.end() - kMaxStoryDays);
    }
    story->days = std::move(days);
  }
  ++members_;
  if (story->members.size() > kCheckedMembers) {
    story->members.pop_front();
    --members_;
  }
  auto squared = [](const Vector& vector) {
    double sum = 0;
    for (const auto& [key, weight] : vector) sum += weight * weight;
    return sum;
  };
  story->entity_norm = squared(story->entities);
  story->term_norm = squared(story->terms);
  auto add_key = [&](uint64_t key) {
    if (std::find(story->keys.begin(), story->keys.end(), key) !=
        story->keys.end()) {
      return;
    }
    story->keys.push_back(key);
    index_[key].push_back(index);
  };
  for (const auto& [key, weight] : entities) add_key(key);
  for (size_t i = 0; i < input.terms.size() && i < kIndexedTerms; ++i) {
    add_key(TermKey(input.terms[i].first));
  }
}

void StoryClusterer::ForgetMembers() {
  while (members_ > options_.max_members) {
    Story* most = nullptr;
    for (Story& story : stories_) {
      if (most == nullptr || story.members.size() > most->members.size()) {
        most = &story;
      }
    }
    if (most == nullptr || most->members.empty()) break;
    most->members.pop_front();
    --members_;
  }
}

void StoryClusterer::RebuildIndex() {
  index_.clear();
  entity_postings_.clear();
  term_postings_.clear();
  story_by_id_.clear();
  // In story order, so every postings list comes out sorted.
  for (uint32_t i = 0; i < stories_.size(); ++i) {
    story_by_id_[stories_[i].id] = i;
    for (uint64_t key : stories_[i].keys) index_[key].push_back(i);
    for (const auto& [key, weight] : stories_[i].entities) {
      entity_postings_[key].push_back({i, weight});
    }
    for (const auto& [key, weight] : stories_[i].terms) {
      term_postings_[key].push_back({i, weight});
    }
  }
}

void StoryClusterer::TraceArticle(const StoryInput& input, bool bodied,
                                  const std::vector<int32_t>& days_told,
                                  const Vector& entities) const {
  std::string line =
      absl::StrCat("A ", input.article_id, " ", input.time ? *input.time : -1,
                   " ", bodied ? 1 : 0, " ", input.terms.size(), " D");
  for (int32_t day : days_told) absl::StrAppend(&line, " ", day);
  absl::StrAppend(&line, " E");
  for (const auto& [key, weight] : SortedEntries(entities)) {
    absl::StrAppend(&line, " ", absl::Hex(key), ":", weight);
  }
  absl::StrAppend(&line, " T");
  for (size_t i = 0; i < input.terms.size() && i < kComparedTerms; ++i) {
    const std::string& term = input.terms[i].first;
    absl::StrAppend(&line, " ", term, ":", input.terms[i].second, ":",
                    IsNameTerm(input, i) ? "n"
                    : term[0] == '#'     ? "f"
                                         : "e");
  }
  std::fprintf(trace_.get(), "%s\n", line.c_str());
}

void StoryClusterer::TraceCandidate(const StoryInput& input, uint32_t index,
                                    const char* outcome,
                                    const CandidateScores& scores) const {
  std::fprintf(trace_.get(), "C %s %s %s %.4f %.4f %.4f %.4f %.4f %.4f %u %u\n",
               input.article_id.c_str(), stories_[index].id.c_str(), outcome,
               scores.entity_cos, scores.term_cos, scores.event_cos,
               scores.similarity, scores.event_need, scores.bar,
               shared_entities_[index], shared_numbers_[index]);
}

StoryAssignment StoryClusterer::Assign(const StoryInput& input) {
  ++articles_;
  StoryAssignment assignment;
  const Vector entities = EntityVector(input);
  Vector terms;
  double term_norm = 0;
  // The terms that are not words of the article's names: what happened.
  std::vector<uint64_t> name_keys;
  std::vector<uint64_t> number_keys;
  double event_norm = 0;
  double figure_norm = 0;
  for (size_t i = 0; i < input.terms.size() && i < kComparedTerms; ++i) {
    const uint64_t key = TermKey(input.terms[i].first);
    terms[key] = input.terms[i].second;
    term_norm += input.terms[i].second * input.terms[i].second;
    if (IsNameTerm(input, i)) {
      name_keys.push_back(key);
    } else if (input.terms[i].first[0] == '#') {
      number_keys.push_back(key);
      figure_norm += input.terms[i].second * input.terms[i].second;
    } else {
      event_norm += input.terms[i].second * input.terms[i].second;
    }
  }
  const bool bodied = input.terms.size() >= kBodyTerms;
  // The people the article is about: named twice or more.
  std::vector<uint64_t> subject_keys;
  for (const v1::Entity* entity : input.entities) {
    if (entity->type() == v1::PERSON &&
        entity->mentions() >= kSubjectMentions &&
        !entity->canonical_id().empty()) {
      subject_keys.push_back(EntityKey(entity->canonical_id()));
    }
  }
  // The days the article tells of: those it names, or else, for a dated
  // report with a body, the day it was published. A report that names no
  // day tells of that day or the one before (the day tolerance covers
  // both): the basketball club's signing published on Monday is not the
  // coach's sacking named on Wednesday, though neither shares a day word.
  std::vector<int32_t> publication_day;
  if (bodied && input.days.empty() && input.time) {
    publication_day.push_back(DayOf(*input.time));
  }
  const std::vector<int32_t>& days_told =
      input.days.empty() ? publication_day : input.days;
  if (trace_ != nullptr) TraceArticle(input, bodied, days_told, entities);
  // Unit length again after the cut, as the cosines below assume.
  if (term_norm > 0) {
    term_norm = std::sqrt(term_norm);
    for (auto& [key, weight] : terms) weight /= term_norm;
  }

  // A headline or a one-line brief has a handful of terms, and its
  // cosine with a story built from many articles stays low even when
  // every term it has is the story's: the bar falls with the evidence an
  // article carries, down to a third of the threshold.
  const double evidence = std::min(
      1.0, static_cast<double>(input.terms.size()) / kTermsForFullThreshold);
  const double bar = options_.threshold * std::max(1.0 / 3, evidence);

  // A copy of an earlier text belongs to that text's story.
  const Fingerprint* original = nullptr;
  if (input.simhash != 0) {
    const FingerprintIndex::Nearest nearest = fingerprint_hashes_.FindNearest(
        input.simhash, options_.max_duplicate_distance + 1);
    if (nearest.index < fingerprints_.size()) {
      original = &fingerprints_[nearest.index];
    }
  }
  Story* chosen = nullptr;
  double chosen_bar = bar;
  if (original != nullptr) {
    assignment.duplicate_of = original->article_id;
    if (auto it = story_by_id_.find(original->story_id);
        it != story_by_id_.end()) {
      chosen = &stories_[it->second];
    }
    assignment.story_id = original->story_id;
    assignment.similarity = 1;
  }
  if (original == nullptr) {
    // Each candidate once: a flag per story rather than a hash set.
    std::vector<uint32_t> ordered;
    candidate_.assign(stories_.size(), false);
    auto gather = [&](uint64_t key) {
      auto it = index_.find(key);
      if (it == index_.end()) return;
      for (uint32_t index : it->second) {
        if (!candidate_[index]) {
          candidate_[index] = true;
          ordered.push_back(index);
        }
      }
    };
    for (const auto& [key, weight] : entities) gather(key);
    for (size_t i = 0; i < input.terms.size() && i < kIndexedTerms; ++i) {
      gather(TermKey(input.terms[i].first));
    }
    // No sort: the order candidates are scored in does not matter, as
    // `passing` is ordered below by a total order (ending in the index).
    // Dot products of the article with every story it shares a key with.
    entity_dot_.assign(stories_.size(), 0.0);
    term_dot_.assign(stories_.size(), 0.0);
    // One pass along each key's postings, counting beside the dot
    // products the entities shared and the terms' share not from names.
    shared_entities_.assign(stories_.size(), 0);
    for (const auto& [key, weight] : entities) {
      auto it = entity_postings_.find(key);
      if (it == entity_postings_.end()) continue;
      for (const Posting& posting : it->second) {
        entity_dot_[posting.story] += weight * posting.weight;
        ++shared_entities_[posting.story];
      }
    }
    event_dot_.assign(stories_.size(), 0.0);
    shared_numbers_.assign(stories_.size(), 0);
    figure_dot_.assign(stories_.size(), 0.0);
    // Every term's postings list is found (the table's slot prefetched a
    // few terms ahead) and its start prefetched before any is walked: one
    // term after another, the walk waited on a slot and then on a list.
    struct TermPostings {
      double weight;
      const std::vector<Posting>* list;
      uint64_t key;
    };
    std::vector<TermPostings> found;
    found.reserve(terms.size());
    for (const auto& [key, weight] : terms)
      found.push_back({weight, nullptr, key});
    constexpr size_t kAhead = 4;
    for (size_t i = 0; i < std::min(kAhead, found.size()); ++i) {
      term_postings_.prefetch(found[i].key);
    }
    for (size_t i = 0; i < found.size(); ++i) {
      if (i + kAhead < found.size())
        term_postings_.prefetch(found[i + kAhead].key);
      auto it = term_postings_.find(found[i].key);
      if (it == term_postings_.end()) continue;
      found[i].list = &it->second;
      __builtin_prefetch(it->second.data());
    }
    for (const TermPostings& term : found) {
      if (term.list == nullptr) continue;
      const uint64_t key = term.key;
      const double weight = term.weight;
      // A few name terms per article: a scan beats a hash set.
      const bool name =
          std::find(name_keys.begin(), name_keys.end(), key) != name_keys.end();
      const bool number = !number_keys.empty() &&
                          std::find(number_keys.begin(), number_keys.end(),
                                    key) != number_keys.end();
      for (const Posting& posting : *term.list) {
        const double product = weight * posting.weight;
        term_dot_[posting.story] += product;
        // Figures stay out of the event cosine on both sides (event_norm
        // leaves them out too); they count through figure_agrees instead.
        if (!name && !number) event_dot_[posting.story] += product;
        if (number) {
          ++shared_numbers_[posting.story];
          figure_dot_[posting.story] += product;
        }
      }
    }
    // The article's vectors have unit length.
    auto cosine = [](double dot, double story_norm) {
      return story_norm == 0 ? 0 : dot / std::sqrt(story_norm);
    };
    // (what happened, similarity, story index) of each story it may join.
    std::vector<std::tuple<double, double, uint32_t>> passing;
    terms_only_.assign(stories_.size(), false);
    for (size_t k = 0; k < ordered.size(); ++k) {
      // A candidate's story is read at scattered places: its norms (the
      // first read, and a cache miss per candidate) and its days.
      if (k + kAhead < ordered.size()) {
        const Story& ahead = stories_[ordered[k + kAhead]];
        __builtin_prefetch(&ahead.entity_norm);
        __builtin_prefetch(&ahead.days);
      }
      const uint32_t index = ordered[k];
      Story& story = stories_[index];
      if (!WithinWindow(story, input.time)) {
        if (trace_ != nullptr) TraceCandidate(input, index, "window", {});
        continue;
      }
      const double entity_cos = cosine(entity_dot_[index], story.entity_norm);
      const double term_cos = cosine(term_dot_[index], story.term_norm);
      // What happened: the article's event terms (unit length after the
      // cut: sqrt(event_norm) / term_norm) against the story's terms.
      const double event_cos =
          event_norm > 0 ? cosine(event_dot_[index], story.term_norm) /
                               (std::sqrt(event_norm) / term_norm)
                         : 0;
      const uint32_t shared = shared_entities_[index];
      double similarity = Blend(entity_cos, term_cos);
      auto scores = [&](double event_need) {
        return CandidateScores{entity_cos, term_cos,   event_cos,
                               similarity, event_need, bar};
      };
      if (bodied) {
        // One shared name (the same city, company or minister) is not the
        // same happening; two or more count. A short article (a brief, a
        // transfer note) may say little of what happened beyond who was
        // involved, so three shared names (who, where and which
        // organisation) suffice for it when one is a person it is about
        // (named twice or more): a town's or company's places and
        // organisations recur in all its news (the carmaker, its city and
        // its model in the strike and in the recall). A full one states
        // what happened, and its event terms must agree with the story's
        // at two thirds of its bar whatever names it shares: otherwise the
        // bank's results join its outage. A figure the article repeats
        // from the story (47 injured, 3.5 million euros) is agreement on
        // what happened in itself.
        // Reports of one happening tell of its day or the day after; every
        // day told (named, or the publication day of a report naming none)
        // two or more days from all of the story's is another happening of
        // the same names (the research centre opened on Monday, the
        // earthquake on Wednesday).
        const DayAgreement told = CompareDays(
            days_told, story.days,
            input.days.empty() ? kPublicationDayTolerance : kDayTolerance);
        if (told == DayAgreement::kDisagrees) {
          if (trace_ != nullptr) TraceCandidate(input, index, "day", scores(0));
          continue;
        }
        // Within a day, as before the wider tolerance for a publication
        // day: the agreement that lets terms outweigh names below.
        const bool day_agrees =
            CompareDays(days_told, story.days) == DayAgreement::kAgrees;
        const bool full = input.terms.size() >= kTermsForFullThreshold;
        // Telling of one of the story's very days is agreement on what
        // happened in itself: an article that does is held to a third of
        // its bar (one outlet's report of the blast shares few words with
        // another's), one that does not, long or short, to two thirds (the
        // heat warning's brief on Monday, the record heat's on Tuesday).
        // Not the day after: a story's follow-ups add their own days, and
        // the same port's strike the day after its fire's last report is
        // another happening. Told, not only named: the bank's results
        // published the day of its outage join on a third of the bar too
        // (APublicationDayCountsAsTheStorysDay), but held to two thirds,
        // reports of one happening naming no day split (own labelled set
        // F1 1.000 -> 0.960, check set 6 0.800 -> 0.765, nothing gained).
        const bool same_day =
            CompareDays(days_told, story.days, 0) == DayAgreement::kAgrees;
        const double share = same_day ? kEventShareOfBar : kFullEventShareOfBar;
        if (shared < kNamesThatCount) similarity = Blend(0, term_cos);
        // Outlets spell names their own way (Graham / Graeme Muir, a firm
        // with and without its suffix, Château / Chateau), so few resolve
        // alike: an article that shares fewer than two names with the
        // story, or whose resolved names are few beside the story's but
        // which repeats two of its figures (14,000 bottles, 2 million
        // euros), and tells of the story's day (named, or its publication
        // day) and agrees on what happened at the full article's share, is
        // compared by its terms alone when they say more than the blend.
        if ((shared < kNamesThatCount ||
             shared_numbers_[index] >= kFiguresThatAgree) &&
            day_agrees && event_cos >= kFullEventShareOfBar * bar &&
            term_cos > similarity) {
          similarity = term_cos;
          terms_only_[index] = true;
        }
        const bool names_suffice =
            !full && shared >= kNamesThatSuffice &&
            std::any_of(
                subject_keys.begin(), subject_keys.end(),
                [&](uint64_t key) { return story.entities.contains(key); });
        const bool figure_agrees =
            shared >= kNamesThatCount && shared_numbers_[index] > 0;
        if (!names_suffice && !figure_agrees && event_cos < share * bar) {
          if (trace_ != nullptr) {
            TraceCandidate(input, index, "event", scores(share * bar));
          }
          continue;
        }
      }
      if (trace_ != nullptr) {
        TraceCandidate(input, index,
                       similarity < bar     ? "bar"
                       : terms_only_[index] ? "passes-by-terms"
                                            : "passes",
                       scores(0));
      }
      if (similarity < bar) continue;
      // Among the stories an article may join, it joins the one agreeing
      // most on what happened (its event terms and figures; a headline's
      // few terms are mostly names, so by similarity): the Norwegian
      // rider's crash report shares more names with his stage win the day
      // before, but its crash words with the crash's story.
      double happened = similarity;
      if (bodied) {
        const double event_figure_norm = event_norm + figure_norm;
        happened = event_figure_norm > 0
                       ? cosine(event_dot_[index] + figure_dot_[index],
                                story.term_norm) /
                             (std::sqrt(event_figure_norm) / term_norm)
                       : 0;
      }
      passing.emplace_back(happened, similarity, index);
    }
    // Most agreeing on what happened first, then most similar; on a tie
    // the later story.
    std::sort(passing.begin(), passing.end(), std::greater<>());
    for (const auto& [happened, similarity, index] : passing) {
      // An article compared by terms alone is held, as a member, to the
      // terms' share of its bar.
      const double member_bar =
          terms_only_[index] ? (1 - kEntityShare) * bar : bar;
      if (!KeepsMembers(index, entities, terms, member_bar)) {
        if (trace_ != nullptr) TraceCandidate(input, index, "members", {});
        continue;
      }
      // A sum of several reports shares a little with any article that
      // echoes a word or two of each (the ferry operator's order beside
      // three reports of its collision); one report of the same happening
      // is like most of them on its own. Headlines are not held to it: a
      // story of many headlines is like its sum far more than like most of
      // them (UCI dev B-cubed fell from 0.779 to 0.701).
      if (bodied && !SimilarToMostMembers(index, entities, terms, bar,
                                          terms_only_[index])) {
        if (trace_ != nullptr) TraceCandidate(input, index, "quorum", {});
        continue;
      }
      if (trace_ != nullptr) TraceCandidate(input, index, "join", {});
      chosen = &stories_[index];
      chosen_bar = member_bar;
      assignment.story_id = chosen->id;
      assignment.similarity = similarity;
      break;
    }
  }
  if (chosen == nullptr && assignment.story_id.empty()) {
    Story& story = stories_.emplace_back();
    story.id = StableHashHex(
        input.article_id.empty()
            ? absl::StrCat("story:#", articles_, ":", input.simhash)
            : absl::StrCat("story:", input.article_id));
    story_by_id_[story.id] = static_cast<uint32_t>(stories_.size() - 1);
    assignment.story_id = story.id;
    chosen = &story;
  }
  if (trace_ != nullptr) {
    errno = 0;
    std::fprintf(trace_.get(), "R %s %s\n", input.article_id.c_str(),
                 assignment.story_id.c_str());
    const bool failed =
        std::fflush(trace_.get()) != 0 || std::ferror(trace_.get());
    // Saved at once: the report's own calls may set errno.
    const int write_error = errno;
    if (failed) {
      // Reported once: the trace stops here rather than lose lines silently.
      std::fprintf(
          stderr, "NEWSFLOW_STORY_TRACE %s: writing failed: %s\n",
          trace_path_.c_str(),
          write_error != 0 ? std::strerror(write_error) : "unknown error");
      trace_.reset();
    }
  }
  if (chosen != nullptr) {
    Join(chosen, entities, terms, input, days_told, chosen_bar);
  }
  ForgetMembers();

  if (input.simhash != 0 && options_.max_fingerprints > 0) {
    // Forgotten before the push: max_fingerprints + 1 for a moment would
    // double the index's ring at a power-of-two cap.
    if (fingerprints_.size() >= options_.max_fingerprints) {
      fingerprint_hashes_.PopFront();
      fingerprints_.pop_front();
    }
    fingerprint_hashes_.PushBack(input.simhash);
    fingerprints_.push_back({input.article_id, assignment.story_id});
  }
  // Views of the entities' own ids: a copy of each was an allocation per
  // entity per article.
  absl::flat_hash_set<absl::string_view> seen;
  for (const v1::Entity* entity : input.entities) {
    if (!entity->canonical_id().empty() &&
        seen.insert(entity->canonical_id()).second) {
      ++entity_df_[entity->canonical_id()];
    }
  }
  if (entity_df_.size() > kMaxEntityDf) {
    for (auto it = entity_df_.begin(); it != entity_df_.end();) {
      if (it->second <= 1) {
        entity_df_.erase(it++);
      } else {
        ++it;
      }
    }
  }
  // Close the stories nobody joined for a while.
  if (stories_.size() > options_.max_open) {
    std::sort(stories_.begin(), stories_.end(),
              [](const Story& a, const Story& b) {
                return a.last_joined > b.last_joined;
              });
    stories_.resize(options_.max_open - options_.max_open / 10);
    RebuildIndex();
    members_ = 0;
    for (const Story& story : stories_) members_ += story.members.size();
  }
  return assignment;
}

void StoryClusterer::AppendStory(const Story& story, std::string* out) {
  PutString(out, story.id);
  PutVector(out, story.entities);
  PutVector(out, story.terms);
  PutTime(out, story.first_time);
  PutTime(out, story.last_time);
  PutU32(out, story.articles);
  PutU64(out, story.last_joined);
  PutF64(out, story.entity_norm);
  PutF64(out, story.term_norm);
  PutU32(out, static_cast<uint32_t>(story.keys.size()));
  for (uint64_t key : story.keys) PutU64(out, key);
  PutU32(out, static_cast<uint32_t>(story.members.size()));
  for (const Member& member : story.members) {
    // Each as two lists of (u64 key, f64 weight), as version 3 has it.
    PutU32(out, member.entity_count);
    for (size_t e = 0; e < member.entries.size(); ++e) {
      if (e == member.entity_count) {
        PutU32(out, static_cast<uint32_t>(member.entries.size() - e));
      }
      PutU64(out, member.entries[e].key);
      PutF64(out, member.entries[e].weight);
    }
    if (member.entity_count == member.entries.size()) PutU32(out, 0);
    PutF64(out, member.bar);
  }
  PutU32(out, static_cast<uint32_t>(story.days.size()));
  for (int32_t day : story.days) PutU32(out, static_cast<uint32_t>(day));
}

void StoryClusterer::AppendTail(
    std::string* out, const std::function<void(std::string*)>& spill) const {
  PutU32(out, static_cast<uint32_t>(fingerprints_.size()));
  for (size_t i = 0; i < fingerprints_.size(); ++i) {
    const Fingerprint& fingerprint = fingerprints_[i];
    PutU64(out, fingerprint_hashes_[i]);
    PutString(out, fingerprint.article_id);
    PutString(out, fingerprint.story_id);
    if (spill) spill(out);
  }
  std::vector<std::pair<std::string, uint32_t>> df(entity_df_.begin(),
                                                   entity_df_.end());
  std::sort(df.begin(), df.end());
  PutU32(out, static_cast<uint32_t>(df.size()));
  for (const auto& [id, count] : df) {
    PutString(out, id);
    PutU32(out, count);
    if (spill) spill(out);
  }
}

void StoryClusterer::AppendTo(
    std::string* out, const std::function<void(std::string*)>& spill) const {
  PutU32(out, kStateVersion);
  PutU64(out, articles_);
  PutU32(out, static_cast<uint32_t>(stories_.size()));
  for (const Story& story : stories_) {
    AppendStory(story, out);
    if (spill) spill(out);
  }
  AppendTail(out, spill);
}

void StoryClusterer::ReadStory(BinaryReader* reader, uint32_t version,
                               Story* story) {
  story->id = std::string(reader->String());
  ReadVector(reader, version, "e:", &story->entities);
  ReadVector(reader, version, "t:", &story->terms);
  story->first_time = ReadTime(reader);
  story->last_time = ReadTime(reader);
  story->articles = reader->U32();
  story->last_joined = reader->U64();
  story->entity_norm = reader->F64();
  story->term_norm = reader->F64();
  const uint32_t keys = reader->U32();
  for (uint32_t k = 0; k < keys && reader->ok(); ++k) {
    // Version-1 index keys carry their "e:" / "t:" already.
    story->keys.push_back(version == 1 ? StableHash64(reader->String())
                                       : reader->U64());
  }
  // Older files have no members: their stories are checked from the
  // next article on.
  const uint32_t members = version >= 3 ? reader->U32() : 0;
  for (uint32_t m = 0; m < members && reader->ok(); ++m) {
    Member& member = story->members.emplace_back();
    for (int list = 0; list < 2 && reader->ok(); ++list) {
      const uint32_t count = reader->U32();
      if (list == 0) member.entity_count = count;
      for (uint32_t e = 0; e < count && reader->ok(); ++e) {
        const uint64_t key = reader->U64();
        member.entries.push_back({key, static_cast<float>(reader->F64())});
      }
    }
    member.bar = reader->F64();
  }
  // Older files have no days: their stories are not held to them.
  const uint32_t days = version >= 4 ? reader->U32() : 0;
  for (uint32_t d = 0; d < days && reader->ok(); ++d) {
    story->days.push_back(static_cast<int32_t>(reader->U32()));
  }
}

void StoryClusterer::ReadTail(BinaryReader* reader) {
  const uint32_t fingerprints = reader->U32();
  for (uint32_t i = 0; i < fingerprints && reader->ok(); ++i) {
    fingerprint_hashes_.PushBack(reader->U64());
    Fingerprint fingerprint;
    fingerprint.article_id = std::string(reader->String());
    fingerprint.story_id = std::string(reader->String());
    fingerprints_.push_back(std::move(fingerprint));
  }
  const uint32_t df = reader->U32();
  for (uint32_t i = 0; i < df && reader->ok(); ++i) {
    std::string id(reader->String());
    entity_df_[std::move(id)] = reader->U32();
  }
}

void StoryClusterer::FinishReading() {
  members_ = 0;
  for (const Story& story : stories_) members_ += story.members.size();
  RebuildIndex();
  ForgetMembers();
}

absl::Status StoryClusterer::ReadFrom(std::string_view data, size_t* pos) {
  BinaryReader reader(data, *pos);
  const uint32_t version = reader.U32();
  if (version < 1 || version > kStateVersion) {
    return absl::DataLossError(
        absl::StrCat("stories: unknown state version ", version));
  }
  // The trace carries over: reopened, an unopenable one is reported again.
  StoryClusterer fresh(options_, trace_, trace_path_);
  fresh.articles_ = reader.U64();
  const uint32_t stories = reader.U32();
  for (uint32_t i = 0; i < stories && reader.ok(); ++i) {
    ReadStory(&reader, version, &fresh.stories_.emplace_back());
  }
  fresh.ReadTail(&reader);
  if (!reader.ok()) return absl::DataLossError("stories: truncated");
  fresh.FinishReading();
  *this = std::move(fresh);
  *pos = reader.pos();
  return absl::OkStatus();
}

void StoryClusterer::MarkSaved(SaveMarks* marks) const {
  marks->clear();
  for (const Story& story : stories_) {
    (*marks)[story.id] = {story.last_joined, story.members.size()};
  }
}

void StoryClusterer::AppendChangesTo(
    std::string* out, const std::function<void(std::string*)>& spill,
    SaveMarks* marks) const {
  // Two open stories sharing an id (one article id seen twice) are written
  // whole and left unmarked: a reference by id must name one story.
  SaveMarks next;
  absl::flat_hash_set<absl::string_view> shared;
  for (const Story& story : stories_) {
    if (!next.try_emplace(story.id, story.last_joined, story.members.size())
             .second) {
      shared.insert(story.id);
    }
  }
  PutU32(out, kStateVersion);
  PutU64(out, articles_);
  PutU32(out, static_cast<uint32_t>(stories_.size()));
  for (const Story& story : stories_) {
    auto mark = marks->find(story.id);
    const bool unchanged = mark != marks->end() && !shared.contains(story.id) &&
                           mark->second == next.at(story.id);
    PutU8(out, unchanged ? 0 : 1);
    if (unchanged) {
      PutString(out, story.id);
    } else {
      AppendStory(story, out);
    }
    if (spill) spill(out);
  }
  AppendTail(out, spill);
  for (absl::string_view id : shared) next.erase(std::string(id));
  *marks = std::move(next);
}

absl::Status StoryClusterer::ReadChangesFrom(std::string_view data,
                                             size_t* pos) {
  BinaryReader reader(data, *pos);
  const uint32_t version = reader.U32();
  if (version < 1 || version > kStateVersion) {
    return absl::DataLossError(
        absl::StrCat("stories: unknown state version ", version));
  }
  // The stories saved before, by id (an id two share is never referred to).
  absl::flat_hash_map<std::string, Story*> saved;
  for (Story& story : stories_) saved[story.id] = &story;
  // The trace carries over: reopened, an unopenable one is reported again.
  StoryClusterer fresh(options_, trace_, trace_path_);
  fresh.articles_ = reader.U64();
  const uint32_t stories = reader.U32();
  for (uint32_t i = 0; i < stories && reader.ok(); ++i) {
    if (reader.U8() != 0) {
      ReadStory(&reader, version, &fresh.stories_.emplace_back());
      continue;
    }
    auto it = saved.find(std::string(reader.String()));
    if (!reader.ok()) break;
    if (it == saved.end() || it->second == nullptr) {
      return absl::DataLossError("stories: a change names an unknown story");
    }
    fresh.stories_.push_back(std::move(*it->second));
    it->second = nullptr;
  }
  fresh.ReadTail(&reader);
  if (!reader.ok()) return absl::DataLossError("stories: truncated");
  fresh.FinishReading();
  *this = std::move(fresh);
  *pos = reader.pos();
  return absl::OkStatus();
}

}  // namespace tag
}  // namespace newsflow
