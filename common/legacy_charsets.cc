#include "common/legacy_charsets.h"

#include "common/utf8.h"

namespace newsflow {

int UnicodeToWindows1252(char32_t cp) {
  if (cp <= 0xFF) return static_cast<int>(cp);
  for (int byte = 0x80; byte <= 0x9F; ++byte) {
    if (charset_internal::kWindows1252High[byte - 0x80] == cp) return byte;
  }
  return -1;
}

std::string Windows1252ToUtf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() + bytes.size() / 8);
  for (unsigned char c : bytes) AppendUtf8(Windows1252ToUnicode(c), &out);
  return out;
}

}  // namespace newsflow
