#include "stages/clean/hyphenation.h"

#include <string>
#include <string_view>

#include "absl/strings/ascii.h"
#include "common/letters.h"
#include "common/utf8.h"
#include "stages/clean/vocabulary.h"
#include "stages/clean/word_set.h"

namespace newsflow {
namespace clean {
namespace {

// Left parts that usually form hyphenated compounds ("well-known",
// "self-made", "pro-government"): a line break after them keeps the hyphen.
// Prefixes that mostly fuse into one word ("re", "un", "sub", "over") are
// deliberately absent.
const WordSet& CompoundLeftWords() {
  static const auto* words = new WordSet{
      "all",    "anti",    "best",   "big",  "broad", "cease", "co",
      "cross",  "counter", "deep",   "ex",   "far",   "fast",  "first",
      "five",   "four",    "free",   "full", "half",  "hard",  "high",
      "ill",    "inter",   "large",  "left", "life",  "long",  "low",
      "many",   "mid",     "middle", "much", "multi", "near",  "neo",
      "never",  "new",     "nine",   "non",  "off",   "old",   "one",
      "open",   "pan",     "part",   "post", "pre",   "pro",   "quasi",
      "record", "right",   "second", "self", "semi",  "seven", "short",
      "six",    "slow",    "small",  "so",   "state", "ten",   "third",
      "three",  "top",     "twenty", "two",  "ultra", "vice",  "well",
      "wide",   "world",   "worst",  "year",
  };
  return *words;
}

// Right parts that usually close a compound ("Kremlin-backed",
// "decision-making", "20-year-old").
const WordSet& CompoundRightWords() {
  static const auto* words = new WordSet{
      "backed",  "based",      "born",   "bound",    "brokered", "building",
      "class",   "controlled", "driven", "ending",   "era",      "fire",
      "focused", "free",       "funded", "held",     "hit",      "income",
      "led",     "level",      "like",   "linked",   "long",     "made",
      "making",  "minded",     "old",    "oriented", "owned",    "profile",
      "ranking", "related",    "run",    "scale",    "sized",    "sponsored",
      "style",   "term",       "time",   "type",     "wide",     "year",
      "years",
  };
  return *words;
}

// Continuations that mark a suspended hyphen ("two- and three-year").
const WordSet& SuspendedHyphenPartners() {
  static const auto* words =
      new WordSet{"and", "or", "to", "nor", "than", "versus", "vs"};
  return *words;
}

struct WordSpan {
  size_t begin = 0;
  size_t end = 0;
  bool has_digit = false;
  bool has_letter = false;
  int letters = 0;
};

// The run of word characters that ends at `end`.
WordSpan WordEndingAt(std::string_view text, size_t end) {
  WordSpan span;
  span.end = end;
  size_t pos = end;
  while (pos > 0) {
    size_t length = 0;
    char32_t cp = DecodeUtf8Before(text, pos, &length);
    if (IsAsciiDigit(cp)) {
      span.has_digit = true;
    } else if (IsLetter(cp)) {
      span.has_letter = true;
      ++span.letters;
    } else {
      break;
    }
    pos -= length;
  }
  span.begin = pos;
  return span;
}

// The run of letters that starts at `begin`.
size_t LettersEndFrom(std::string_view text, size_t begin) {
  size_t pos = begin;
  while (pos < text.size()) {
    size_t length = 0;
    if (!IsLetter(DecodeUtf8At(text, pos, &length))) break;
    pos += length;
  }
  return pos;
}

// Longest word looked up; longer runs are no word of any list.
constexpr size_t kMaxWordBytes = 40;

std::string_view ToLower(std::string_view word, char* buffer) {
  for (size_t i = 0; i < word.size(); ++i) {
    buffer[i] = absl::ascii_tolower(static_cast<unsigned char>(word[i]));
  }
  return std::string_view(buffer, word.size());
}

bool Contains(const WordSet& set, std::string_view word) {
  if (word.size() > kMaxWordBytes) return false;
  char lower[kMaxWordBytes];
  return set.contains(ToLower(word, lower));
}

enum class Join { kNone, kDropHyphen, kKeepHyphen };

// What the vocabulary says about "left- right": the more frequent of
// "leftright" and "left-right" wins; when it knows neither, two words are
// a compound ("Kremlin- backed") and anything else is left to the lists.
Join AskVocabulary(const Vocabulary& vocabulary, std::string_view left,
                   std::string_view right) {
  const std::string lower_left = absl::AsciiStrToLower(std::string(left));
  const std::string lower_right = absl::AsciiStrToLower(std::string(right));
  const int64_t joined = vocabulary.Count(lower_left + lower_right);
  const int64_t hyphenated = vocabulary.Count(lower_left + "-" + lower_right);
  if (joined > 0 || hyphenated > 0) {
    return hyphenated >= joined ? Join::kKeepHyphen : Join::kDropHyphen;
  }
  if (vocabulary.Count(lower_left) > 0 && vocabulary.Count(lower_right) > 0) {
    return Join::kKeepHyphen;
  }
  return Join::kNone;
}

// Decides what to do with the hyphen at `hyphen`, followed by spaces up to
// `continuation`.
Join DecideJoin(std::string_view text, size_t hyphen, size_t continuation,
                const Vocabulary* vocabulary) {
  WordSpan left = WordEndingAt(text, hyphen);
  if (left.begin == left.end) return Join::kNone;
  size_t length = 0;
  if (!IsLowercaseLetter(DecodeUtf8At(text, continuation, &length))) {
    return Join::kNone;
  }
  std::string_view right = text.substr(
      continuation, LettersEndFrom(text, continuation) - continuation);
  if (Contains(SuspendedHyphenPartners(), right)) return Join::kNone;

  std::string_view left_word = text.substr(left.begin, left.end - left.begin);
  bool inside_compound = left.begin > 0 && text[left.begin - 1] == '-';
  if (left.has_digit || left.letters == 1 || inside_compound) {
    return Join::kKeepHyphen;
  }
  if (vocabulary != nullptr) {
    Join verdict = AskVocabulary(*vocabulary, left_word, right);
    if (verdict != Join::kNone) return verdict;
  }
  if (Contains(CompoundLeftWords(), left_word) ||
      Contains(CompoundRightWords(), right)) {
    return Join::kKeepHyphen;
  }
  return Join::kDropHyphen;
}

}  // namespace

std::string JoinHyphenation(std::string_view line,
                            const Vocabulary* vocabulary) {
  std::string out;
  size_t copied = 0;
  size_t search = 0;
  while (true) {
    size_t hyphen = line.find("- ", search);
    if (hyphen == std::string_view::npos) break;
    size_t continuation = hyphen + 1;
    while (continuation < line.size() && line[continuation] == ' ') {
      ++continuation;
    }
    search = continuation;
    Join join = hyphen == 0
                    ? Join::kNone
                    : DecideJoin(line, hyphen, continuation, vocabulary);
    if (join == Join::kNone) continue;
    if (out.empty()) out.reserve(line.size());
    out.append(line.data() + copied, hyphen - copied);
    if (join == Join::kKeepHyphen) out += '-';
    copied = continuation;
  }
  if (copied == 0) return std::string(line);
  out.append(line.data() + copied, line.size() - copied);
  return out;
}

}  // namespace clean
}  // namespace newsflow
