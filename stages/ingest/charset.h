// Decoding of fetched and archived bytes to UTF-8.
//
// The charset is taken from the strongest evidence present, in this order:
// a byte order mark, the charset parameter of an HTTP Content-Type header,
// a charset declared in the document itself (<meta charset>, <meta
// http-equiv="Content-Type">, or an XML declaration's encoding), then bytes
// that are valid UTF-8 are UTF-8, and otherwise uchardet's guess. The bytes
// are then converted with iconv from that one charset: bytes that are not
// valid in it are an error, never replaced, so a page whose server names
// the wrong charset is reported instead of passed on as mojibake.
#ifndef NEWSFLOW_STAGES_INGEST_CHARSET_H_
#define NEWSFLOW_STAGES_INGEST_CHARSET_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace newsflow::ingest {

struct DecodedText {
  std::string utf8;  // without a byte order mark
  // The charset converted from, lowercase ("utf-8", "windows-1252", ...).
  std::string charset;
  // What named it: "bom", "header", "document", "utf-8" (valid UTF-8,
  // nothing declared) or "detected".
  std::string evidence;
};

// The charset parameter of a Content-Type value, lowercase and unquoted;
// "" when there is none.
std::string CharsetFromContentType(std::string_view content_type);

// The charset a document declares in its first 4 KiB: an XML declaration's
// encoding, <meta charset=...> or <meta http-equiv="Content-Type"
// content="...; charset=...">. Lowercase; "" when none.
std::string CharsetFromDocument(std::string_view bytes);

// Converts `bytes` from `charset` (any name iconv knows) to UTF-8. Fails
// with InvalidArgument naming the charset and the byte offset when the
// bytes are not valid in it, or when iconv does not know the charset.
absl::StatusOr<std::string> ConvertToUtf8(std::string_view bytes,
                                          const std::string& charset);

// Picks the charset as described above and converts. `content_type` may be
// "" (files, archives). Errors name the charset and its evidence.
absl::StatusOr<DecodedText> DecodeToUtf8(std::string_view bytes,
                                         std::string_view content_type);

}  // namespace newsflow::ingest

#endif  // NEWSFLOW_STAGES_INGEST_CHARSET_H_
