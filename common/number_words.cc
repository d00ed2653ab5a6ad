#include "common/number_words.h"

#include <string>

#include "absl/strings/ascii.h"

namespace newsflow {
namespace {

constexpr std::string_view kUnits[] = {
    "zero",    "one",     "two",       "three",    "four",
    "five",    "six",     "seven",     "eight",    "nine",
    "ten",     "eleven",  "twelve",    "thirteen", "fourteen",
    "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"};
constexpr std::string_view kTens[] = {"twenty", "thirty",  "forty",  "fifty",
                                      "sixty",  "seventy", "eighty", "ninety"};

// `word` lower case (its first letter lowered by the caller).
int IndexIn(std::string_view word, const std::string_view* begin,
            const std::string_view* end) {
  for (const std::string_view* it = begin; it != end; ++it) {
    if (*it == word) return static_cast<int>(it - begin);
  }
  return -1;
}

}  // namespace

int CardinalOfWord(std::string_view word) {
  // The longest is "seventy-seven" (13 letters); the shortest "one".
  if (word.size() < 3 || word.size() > 13) return -1;
  // Every one starts with one of these: most words are turned away here.
  switch (absl::ascii_tolower(static_cast<unsigned char>(word[0]))) {
    case 'e':
    case 'f':
    case 'n':
    case 'o':
    case 's':
    case 't':
    case 'z':
      break;
    default:
      return -1;
  }
  for (size_t i = 1; i < word.size(); ++i) {
    if (absl::ascii_isupper(static_cast<unsigned char>(word[i]))) return -1;
  }
  char lowered[13];
  word.copy(lowered, word.size());
  lowered[0] = absl::ascii_tolower(static_cast<unsigned char>(lowered[0]));
  const std::string_view lower(lowered, word.size());
  const size_t hyphen = lower.find('-');
  if (hyphen == std::string_view::npos) {
    const int unit = IndexIn(lower, std::begin(kUnits), std::end(kUnits));
    if (unit >= 0) return unit;
    const int ten = IndexIn(lower, std::begin(kTens), std::end(kTens));
    return ten >= 0 ? 20 + 10 * ten : -1;
  }
  const int ten =
      IndexIn(lower.substr(0, hyphen), std::begin(kTens), std::end(kTens));
  const int unit = IndexIn(lower.substr(hyphen + 1), std::begin(kUnits),
                           std::begin(kUnits) + 10);
  return ten >= 0 && unit >= 1 ? 20 + 10 * ten + unit : -1;
}

}  // namespace newsflow
