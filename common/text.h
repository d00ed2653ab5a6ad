// UTF-8 and Unicode helpers shared by stages.
#ifndef NEWSFLOW_COMMON_TEXT_H_
#define NEWSFLOW_COMMON_TEXT_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace newsflow {

// True when `text` is well-formed UTF-8 (no overlongs, no surrogates).
bool IsValidUtf8(std::string_view text);

// Byte offset of the first invalid UTF-8 sequence, or npos.
size_t FirstInvalidUtf8Offset(std::string_view text);

// Appends the UTF-8 encoding of `code_point` (a Unicode scalar value:
// at most 0x10FFFF, not a surrogate) to *out.
void AppendUtf8(char32_t code_point, std::string* out);

// Decodes Windows-1252 (a superset of printable ISO-8859-1) into UTF-8.
// The five bytes undefined in Windows-1252 map to their C1 code points.
std::string Windows1252ToUtf8(std::string_view bytes);

// True when the bytes look like binary data rather than text in any
// encoding: NUL bytes or a high share of C0 control characters.
bool LooksBinary(std::string_view bytes);

// Unicode Normalization Form C. Fails on invalid UTF-8.
absl::StatusOr<std::string> NormalizeNfc(std::string_view utf8);

// Strips a leading UTF-8 byte order mark.
std::string_view StripUtf8Bom(std::string_view text);

}  // namespace newsflow

#endif  // NEWSFLOW_COMMON_TEXT_H_
