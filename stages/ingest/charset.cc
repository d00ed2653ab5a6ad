#include "stages/ingest/charset.h"

#include <errno.h>
#include <iconv.h>
#include <uchardet/uchardet.h>

#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/text.h"

namespace newsflow::ingest {
namespace {

constexpr size_t kDeclarationWindow = 4096;

// The value after `key` ("charset" or "encoding") in `text`, up to the
// first character that cannot be part of a charset name.
std::string ValueAfter(std::string_view text, std::string_view key) {
  std::string lower = absl::AsciiStrToLower(std::string(text));
  size_t at = lower.find(std::string(key));
  while (at != std::string::npos) {
    size_t i = at + key.size();
    while (i < lower.size() && (lower[i] == ' ' || lower[i] == '\t')) ++i;
    if (i < lower.size() && lower[i] == '=') {
      ++i;
      while (i < lower.size() &&
             (lower[i] == ' ' || lower[i] == '"' || lower[i] == '\'')) {
        ++i;
      }
      size_t end = i;
      while (end < lower.size() &&
             (absl::ascii_isalnum(static_cast<unsigned char>(lower[end])) ||
              lower[end] == '-' || lower[end] == '_' || lower[end] == '.' ||
              lower[end] == ':')) {
        ++end;
      }
      if (end > i) return lower.substr(i, end - i);
    }
    at = lower.find(std::string(key), at + 1);
  }
  return "";
}

struct Bom {
  std::string_view bytes;
  const char* charset;
};

constexpr Bom kBoms[] = {{"\xEF\xBB\xBF", "utf-8"},
                         {"\xFF\xFE", "utf-16le"},
                         {"\xFE\xFF", "utf-16be"}};

// Browsers read these labels as their supersets; so do we.
std::string Canonical(std::string charset) {
  if (charset == "iso-8859-1" || charset == "latin1" || charset == "us-ascii" ||
      charset == "ascii" || charset == "latin-1") {
    return "windows-1252";
  }
  if (charset == "utf8") return "utf-8";
  return charset;
}

}  // namespace

std::string CharsetFromContentType(std::string_view content_type) {
  return ValueAfter(content_type, "charset");
}

std::string CharsetFromDocument(std::string_view bytes) {
  std::string_view head = bytes.substr(0, kDeclarationWindow);
  if (head.substr(0, 5) == "<?xml") {
    size_t end = head.find("?>");
    std::string encoding = ValueAfter(
        head.substr(0, end == std::string_view::npos ? head.size() : end),
        "encoding");
    if (!encoding.empty()) return encoding;
  }
  std::string lower = absl::AsciiStrToLower(std::string(head));
  for (size_t at = lower.find("<meta"); at != std::string::npos;
       at = lower.find("<meta", at + 5)) {
    size_t end = lower.find('>', at);
    if (end == std::string::npos) break;
    std::string charset =
        ValueAfter(std::string_view(lower).substr(at, end - at), "charset");
    if (!charset.empty()) return charset;
  }
  return "";
}

absl::StatusOr<std::string> ConvertToUtf8(std::string_view bytes,
                                          const std::string& charset) {
  const std::string from = Canonical(absl::AsciiStrToLower(charset));
  if (from == "utf-8") {
    if (!IsValidUtf8(bytes)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "invalid utf-8 at byte ", FirstInvalidUtf8Offset(bytes)));
    }
    return std::string(bytes);
  }
  iconv_t cd = iconv_open("UTF-8", from.c_str());
  if (cd == reinterpret_cast<iconv_t>(-1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown charset '", charset, "'"));
  }
  std::string out;
  out.resize(bytes.size() * 4 + 16);
  char* in_ptr = const_cast<char*>(bytes.data());
  size_t in_left = bytes.size();
  char* out_ptr = out.data();
  size_t out_left = out.size();
  absl::Status status;
  while (in_left > 0) {
    if (iconv(cd, &in_ptr, &in_left, &out_ptr, &out_left) !=
        static_cast<size_t>(-1)) {
      continue;
    }
    if (errno == E2BIG) {
      size_t used = static_cast<size_t>(out_ptr - out.data());
      out.resize(out.size() * 2);
      out_ptr = out.data() + used;
      out_left = out.size() - used;
      continue;
    }
    status = absl::InvalidArgumentError(
        absl::StrCat(errno == EINVAL ? "truncated " : "invalid ", from,
                     " at byte ", bytes.size() - in_left));
    break;
  }
  iconv_close(cd);
  if (!status.ok()) return status;
  out.resize(static_cast<size_t>(out_ptr - out.data()));
  if (!IsValidUtf8(out)) {
    return absl::InternalError("iconv produced invalid utf-8 from " + from);
  }
  return out;
}

absl::StatusOr<DecodedText> DecodeToUtf8(std::string_view bytes,
                                         std::string_view content_type) {
  DecodedText result;
  std::string_view body = bytes;
  for (const Bom& bom : kBoms) {
    if (bytes.substr(0, bom.bytes.size()) == bom.bytes) {
      body = bytes.substr(bom.bytes.size());
      result.charset = bom.charset;
      result.evidence = "bom";
      break;
    }
  }
  if (result.charset.empty()) {
    result.charset = CharsetFromContentType(content_type);
    result.evidence = "header";
  }
  if (result.charset.empty()) {
    result.charset = CharsetFromDocument(body);
    result.evidence = "document";
  }
  if (result.charset.empty() && IsValidUtf8(bytes)) {
    result.charset = "utf-8";
    result.evidence = "utf-8";
  }
  if (result.charset.empty()) {
    uchardet_t detector = uchardet_new();
    if (uchardet_handle_data(detector, bytes.data(), bytes.size()) == 0) {
      uchardet_data_end(detector);
      result.charset = absl::AsciiStrToLower(uchardet_get_charset(detector));
    }
    uchardet_delete(detector);
    result.evidence = "detected";
    if (result.charset.empty() || result.charset == "ascii") {
      return absl::InvalidArgumentError(
          "not valid utf-8 and the charset could not be detected");
    }
  }
  absl::StatusOr<std::string> utf8 = ConvertToUtf8(body, result.charset);
  if (!utf8.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("charset ", result.charset, " (", result.evidence,
                     "): ", std::string(utf8.status().message())));
  }
  result.utf8 = *std::move(utf8);
  result.charset = Canonical(result.charset);
  return result;
}

}  // namespace newsflow::ingest
