// Text repair for scraped article text: Unicode normalization, whitespace and
// invisible-character clean-up, and the line / paragraph layout that every
// later clean step relies on. Also the small line measures shared by them.
#ifndef NEWSFLOW_STAGES_CLEAN_TEXT_REPAIR_H_
#define NEWSFLOW_STAGES_CLEAN_TEXT_REPAIR_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace newsflow {
namespace clean {

// Repairs valid UTF-8 text. Always:
//  - "\r\n" and "\r" become "\n"; tab, vertical tab and form feed become a
//    space; other C0 control characters and DEL are dropped;
//  - runs of spaces collapse to one and every line is trimmed;
//  - any run of blank lines becomes exactly one ("\n\n"); the result neither
//    starts nor ends with whitespace.
// With `normalize_unicode`, also:
//  - Unicode NFC;
//  - no-break, en/em/thin/ideographic and other Unicode spaces become a
//    space; U+2028 becomes a line break and U+2029 / U+0085 a paragraph or
//    line break; C1 controls are dropped;
//  - zero-width space, word joiner, byte order mark, Mongolian vowel
//    separator and soft hyphen are removed. ZWJ and ZWNJ are kept: they
//    carry meaning in Persian, Indic scripts and emoji.
// Fails only when NFC fails, i.e. on invalid UTF-8; callers validate first.
absl::StatusOr<std::string> RepairText(std::string_view text,
                                       bool normalize_unicode);

// Turns repaired text into a single line: line and paragraph breaks become
// one space. Used for titles.
std::string FlattenToLine(std::string_view repaired);

// Number of words: space-separated tokens that hold a letter or digit
// (bullets, dashes and lone punctuation do not count). In scripts written
// without spaces (Han, kana, Thai, ...) every character counts as a word.
int CountWords(std::string_view line);

// CountWords(line) >= n, reading only as far as needed.
bool HasAtLeastWords(std::string_view line, int n);

// True when every byte is ASCII.
bool IsAscii(std::string_view text);

}  // namespace clean
}  // namespace newsflow

#endif  // NEWSFLOW_STAGES_CLEAN_TEXT_REPAIR_H_
