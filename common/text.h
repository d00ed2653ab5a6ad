// Whole-text helpers shared by stages: binary sniffing, NFC, byte order
// marks. Code points are read and written by common/utf8.h, classified by
// common/letters.h; legacy charsets are in common/legacy_charsets.h. This
// header includes utf8.h and legacy_charsets.h, which it grew out of.
#ifndef NEWSFLOW_COMMON_TEXT_H_
#define NEWSFLOW_COMMON_TEXT_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "common/legacy_charsets.h"
#include "common/utf8.h"

namespace newsflow {

// True when the bytes look like binary data rather than text in any
// encoding: NUL bytes or a high share of C0 control characters.
bool LooksBinary(std::string_view bytes);

// Unicode Normalization Form C. Fails on invalid UTF-8.
absl::StatusOr<std::string> NormalizeNfc(std::string_view utf8);

struct FoldOptions {
  // Stroked and dotless Latin letters lose the stroke or gain the dot
  // ("Wrocław" → "wroclaw", "Şanlıurfa" → "sanliurfa").
  bool plain_latin_letters = true;
  // Look-alike punctuation becomes ASCII (curly apostrophes, dashes).
  bool ascii_punctuation = false;
};

// Case-folded without diacritics, for comparing names written with and
// without them ("São Paulo" → "sao paulo", "Zürich" → "zurich"), as
// `options` say; other characters stay. Invalid UTF-8 comes back with only
// its ASCII letters lowercased.
std::string FoldCaseAndMarks(std::string_view utf8,
                             FoldOptions options = FoldOptions());

// True when `line` ends a sentence: its last character, ignoring trailing
// spaces and closing quotes and brackets, is sentence-final punctuation
// ('.', '!', '?', '…', and their CJK, Arabic and Devanagari counterparts).
// A closer alone ends nothing: "(Photo: Reuters)" and a quoted title do not.
// The one rule for every stage that asks (clean's line features, the HTML
// extractor's leads and tails).
bool EndsSentence(std::string_view line);

// Strips a leading UTF-8 byte order mark.
std::string_view StripUtf8Bom(std::string_view text);

}  // namespace newsflow

#endif  // NEWSFLOW_COMMON_TEXT_H_
