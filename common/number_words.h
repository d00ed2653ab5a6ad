// English cardinal number words, read as their values: two reports of one
// happening give its figures in digits or in words ("12 injured", "twelve
// injured"; "60,000 homes", "sixty thousand homes"), and a rule comparing
// figures must read both alike.
#ifndef NEWSFLOW_COMMON_NUMBER_WORDS_H_
#define NEWSFLOW_COMMON_NUMBER_WORDS_H_

#include <string_view>

namespace newsflow {

// The value (0-99) of `word` as an English cardinal under a hundred: "zero"
// to "nineteen", the tens ("twenty" to "ninety") and a ten joined to a unit
// by a hyphen ("twenty-five"), lower case or with a capital first letter
// ("Twelve" opening a sentence; not "TWELVE"); -1 for any other word.
// Scale words ("hundred", "thousand") are not read here: callers scale
// the number before them as they scale digits.
int CardinalOfWord(std::string_view word);

}  // namespace newsflow

#endif  // NEWSFLOW_COMMON_NUMBER_WORDS_H_
