// Rejoins words that print layout split with a hyphen ("Secu- rity").
#ifndef NEWSFLOW_STAGES_CLEAN_HYPHENATION_H_
#define NEWSFLOW_STAGES_CLEAN_HYPHENATION_H_

#include <string>
#include <string_view>

namespace newsflow {
namespace clean {

class Vocabulary;

// Joins every "fragment-<spaces>continuation" in `line`, where the fragment
// ends in a letter or digit and the continuation starts with a lowercase
// letter. The fragment comes from a line break or a lost one, so the spaces
// always go; whether the hyphen goes too is decided conservatively:
//  - "Secu- rity" -> "Security": an ordinary word fragment;
//  - "well- known" -> "well-known", "20- year" -> "20-year",
//    "state-of-the- art" -> "state-of-the-art", "Kremlin- backed" ->
//    "Kremlin-backed": the left part is a compound-forming word (a small
//    built-in list: well, self, long, non, pro, ex, ...), a number, a single
//    letter or part of a longer compound, or the right part is a common
//    compound partner (known, based, led, year, old, ...); the hyphen stays;
//  - "two- and three-year", "pro- Western": left untouched (a suspended
//    hyphen before and/or/to, or a capitalized continuation).
// With a `vocabulary`, the evidence of real text comes before the lists:
// when it knows the joined word or the hyphenated compound, the more
// frequent form wins ("Secu- rity" -> "Security" because "security" is a
// word; "co- operation" follows usage); when it knows neither form but
// both parts, they form a compound ("Kremlin- backed"); otherwise the
// rules above decide. Expects one line of repaired text (see RepairText).
std::string JoinHyphenation(std::string_view line,
                            const Vocabulary* vocabulary = nullptr);

}  // namespace clean
}  // namespace newsflow

#endif  // NEWSFLOW_STAGES_CLEAN_HYPHENATION_H_
