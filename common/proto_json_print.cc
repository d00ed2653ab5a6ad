#include <algorithm>
#include <cmath>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/proto_json.h"
#include "common/utf8.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/stubs/strutil.h"

namespace newsflow {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// What protobuf writes for each byte below 0x80: "" passes the byte
// through. '<' and '>' are escaped (protobuf does, for HTML safety). Views
// with their lengths: article text has an escaped newline every paragraph.
struct AsciiEscapes {
  std::string_view escape[0x80];
  constexpr AsciiEscapes() : escape() {
    for (auto& e : escape) e = "";
  }
};

const AsciiEscapes& Escapes() {
  static const AsciiEscapes* escapes = [] {
    static const char* const kControl[0x20] = {
        "\\u0000", "\\u0001", "\\u0002", "\\u0003", "\\u0004", "\\u0005",
        "\\u0006", "\\u0007", "\\b",     "\\t",     "\\n",     "\\u000b",
        "\\f",     "\\r",     "\\u000e", "\\u000f", "\\u0010", "\\u0011",
        "\\u0012", "\\u0013", "\\u0014", "\\u0015", "\\u0016", "\\u0017",
        "\\u0018", "\\u0019", "\\u001a", "\\u001b", "\\u001c", "\\u001d",
        "\\u001e", "\\u001f"};
    auto* table = new AsciiEscapes;
    for (int c = 0; c < 0x20; ++c) table->escape[c] = kControl[c];
    table->escape[static_cast<int>('"')] = "\\\"";
    table->escape[static_cast<int>('\\')] = "\\\\";
    table->escape[static_cast<int>('<')] = "\\u003c";
    table->escape[static_cast<int>('>')] = "\\u003e";
    table->escape[0x7F] = "\\u007f";
    return table;
  }();
  return *escapes;
}

// Non-ASCII code points protobuf escapes: C1 controls, and format
// characters that are invisible or reorder text.
bool NeedsEscape(char32_t cp) {
  return cp < 0xA0 || cp == 0xAD || (cp >= 0x600 && cp <= 0x603) ||
         cp == 0x6DD || cp == 0x70F || cp == 0x17B4 || cp == 0x17B5 ||
         (cp >= 0x200B && cp <= 0x200F) || (cp >= 0x2028 && cp <= 0x202E) ||
         (cp >= 0x2060 && cp <= 0x2064) || (cp >= 0x206A && cp <= 0x206F) ||
         cp == 0xFEFF || (cp >= 0xFFF9 && cp <= 0xFFFB) ||
         (cp >= 0x1D173 && cp <= 0x1D17A) || cp == 0xE0001 ||
         (cp >= 0xE0020 && cp <= 0xE007F);
}

void AppendUnicodeEscape(char32_t unit, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  char escape[6] = {'\\',
                    'u',
                    kHex[(unit >> 12) & 0xF],
                    kHex[(unit >> 8) & 0xF],
                    kHex[(unit >> 4) & 0xF],
                    kHex[unit & 0xF]};
  out->append(escape, sizeof(escape));
}

void AppendEscapedCodePoint(char32_t cp, std::string* out) {
  if (cp < 0x10000) {
    AppendUnicodeEscape(cp, out);
    return;
  }
  cp -= 0x10000;
  AppendUnicodeEscape(0xD800 + (cp >> 10), out);
  AppendUnicodeEscape(0xDC00 + (cp & 0x3FF), out);
}

// True for the ASCII bytes that print as themselves.
inline bool PlainAscii(unsigned char c) {
  return c >= 0x20 && c < 0x7F && c != '"' && c != '\\' && c != '<' && c != '>';
}

// The end of the run of PlainAscii bytes starting at s[pos]. Article text
// is mostly such runs, so they are found 16 bytes at a time where SSE2 is
// there (every x86-64): as signed bytes, controls and non-ASCII are both
// below 0x20.
size_t PlainRunEnd(const unsigned char* s, size_t pos, size_t n) {
#ifdef __SSE2__
  const __m128i space = _mm_set1_epi8(0x20);
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  const __m128i less = _mm_set1_epi8('<');
  const __m128i greater = _mm_set1_epi8('>');
  const __m128i del = _mm_set1_epi8(0x7F);
  while (n - pos >= 16) {
    const __m128i chunk =
        _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + pos));
    __m128i special = _mm_or_si128(_mm_cmplt_epi8(chunk, space),
                                   _mm_cmpeq_epi8(chunk, quote));
    special = _mm_or_si128(special, _mm_cmpeq_epi8(chunk, backslash));
    special = _mm_or_si128(special, _mm_cmpeq_epi8(chunk, less));
    special = _mm_or_si128(special, _mm_cmpeq_epi8(chunk, greater));
    special = _mm_or_si128(special, _mm_cmpeq_epi8(chunk, del));
    const int mask = _mm_movemask_epi8(special);
    if (mask != 0) return pos + static_cast<size_t>(__builtin_ctz(mask));
    pos += 16;
  }
#endif
  while (pos < n && PlainAscii(s[pos])) ++pos;
  return pos;
}

std::string DoubleText(double value) {
  if (std::isnan(value)) return "\"NaN\"";
  if (std::isinf(value)) return value > 0 ? "\"Infinity\"" : "\"-Infinity\"";
  return google::protobuf::SimpleDtoa(value);
}

std::string FloatText(float value) {
  if (std::isnan(value)) return "\"NaN\"";
  if (std::isinf(value)) return value > 0 ? "\"Infinity\"" : "\"-Infinity\"";
  return google::protobuf::SimpleFtoa(value);
}

void AppendEnum(const FieldDescriptor* field, int number, std::string* out) {
  const auto* value = field->enum_type()->FindValueByNumber(number);
  if (value == nullptr) {
    absl::StrAppend(out, number);
    return;
  }
  out->push_back('"');
  out->append(value->name());
  out->push_back('"');
}

void AppendMessage(const Message& message, std::string* out);

// One value of `field` (element `index` when repeated, else -1); `r` is
// the message's reflection, looked up once per message by the caller
// (GetReflection() per value was a twentieth of printing an article).
void AppendValue(const Message& message, const Reflection* r,
                 const FieldDescriptor* field, int index, std::string* out) {
  const bool repeated = index >= 0;
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING: {
      std::string scratch;
      const std::string& text =
          repeated
              ? r->GetRepeatedStringReference(message, field, index, &scratch)
              : r->GetStringReference(message, field, &scratch);
      if (field->type() == FieldDescriptor::TYPE_BYTES) {
        out->push_back('"');
        out->append(absl::Base64Escape(text));
        out->push_back('"');
      } else {
        AppendJsonString(text, out);
      }
      return;
    }
    case FieldDescriptor::CPPTYPE_INT32:
      absl::StrAppend(out, repeated ? r->GetRepeatedInt32(message, field, index)
                                    : r->GetInt32(message, field));
      return;
    case FieldDescriptor::CPPTYPE_UINT32:
      absl::StrAppend(out, repeated
                               ? r->GetRepeatedUInt32(message, field, index)
                               : r->GetUInt32(message, field));
      return;
    // 64-bit integers are strings in protobuf's JSON mapping.
    case FieldDescriptor::CPPTYPE_INT64:
      absl::StrAppend(out, "\"",
                      repeated ? r->GetRepeatedInt64(message, field, index)
                               : r->GetInt64(message, field),
                      "\"");
      return;
    case FieldDescriptor::CPPTYPE_UINT64:
      absl::StrAppend(out, "\"",
                      repeated ? r->GetRepeatedUInt64(message, field, index)
                               : r->GetUInt64(message, field),
                      "\"");
      return;
    case FieldDescriptor::CPPTYPE_DOUBLE:
      out->append(DoubleText(repeated
                                 ? r->GetRepeatedDouble(message, field, index)
                                 : r->GetDouble(message, field)));
      return;
    case FieldDescriptor::CPPTYPE_FLOAT:
      out->append(FloatText(repeated
                                ? r->GetRepeatedFloat(message, field, index)
                                : r->GetFloat(message, field)));
      return;
    case FieldDescriptor::CPPTYPE_BOOL:
      out->append((repeated ? r->GetRepeatedBool(message, field, index)
                            : r->GetBool(message, field))
                      ? "true"
                      : "false");
      return;
    case FieldDescriptor::CPPTYPE_ENUM:
      AppendEnum(field,
                 repeated ? r->GetRepeatedEnumValue(message, field, index)
                          : r->GetEnumValue(message, field),
                 out);
      return;
    case FieldDescriptor::CPPTYPE_MESSAGE:
      AppendMessage(repeated ? r->GetRepeatedMessage(message, field, index)
                             : r->GetMessage(message, field),
                    out);
      return;
  }
}

// A map key is always a JSON string.
void AppendMapKey(const Message& entry, const Reflection* r,
                  const FieldDescriptor* key, std::string* out) {
  if (key->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
    AppendValue(entry, r, key, -1, out);
    return;
  }
  if (key->cpp_type() == FieldDescriptor::CPPTYPE_INT64 ||
      key->cpp_type() == FieldDescriptor::CPPTYPE_UINT64) {
    AppendValue(entry, r, key, -1, out);  // already quoted
    return;
  }
  out->push_back('"');
  AppendValue(entry, r, key, -1, out);
  out->push_back('"');
}

}  // namespace

std::string MapKeyText(const Message& entry) {
  const FieldDescriptor* key = entry.GetDescriptor()->map_key();
  const Reflection* r = entry.GetReflection();
  switch (key->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      return r->GetString(entry, key);
    case FieldDescriptor::CPPTYPE_BOOL:
      return r->GetBool(entry, key) ? "true" : "false";
    case FieldDescriptor::CPPTYPE_INT32:
      return absl::StrCat(r->GetInt32(entry, key));
    case FieldDescriptor::CPPTYPE_INT64:
      return absl::StrCat(r->GetInt64(entry, key));
    case FieldDescriptor::CPPTYPE_UINT32:
      return absl::StrCat(r->GetUInt32(entry, key));
    case FieldDescriptor::CPPTYPE_UINT64:
      return absl::StrCat(r->GetUInt64(entry, key));
    default:  // protobuf allows no other key type
      return std::string();
  }
}

namespace {

// Map entries in key order, so that the same map always prints the same.
void AppendMap(const Message& message, const Reflection* r,
               const FieldDescriptor* field, std::string* out) {
  const int size = r->FieldSize(message, field);
  const FieldDescriptor* key = field->message_type()->map_key();
  const FieldDescriptor* value = field->message_type()->map_value();
  std::vector<std::pair<std::string, const Message*>> entries;
  entries.reserve(size);
  const Reflection* entry_r = nullptr;  // all entries are of one type
  for (int i = 0; i < size; ++i) {
    const Message& entry = r->GetRepeatedMessage(message, field, i);
    if (entry_r == nullptr) entry_r = entry.GetReflection();
    std::string printed_key;
    AppendMapKey(entry, entry_r, key, &printed_key);
    entries.emplace_back(std::move(printed_key), &entry);
  }
  std::sort(entries.begin(), entries.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  out->push_back('{');
  for (size_t i = 0; i < entries.size(); ++i) {
    if (i > 0) out->push_back(',');
    out->append(entries[i].first);
    out->push_back(':');
    AppendValue(*entries[i].second, entry_r, value, -1, out);
  }
  out->push_back('}');
}

// proto3's notion of a field left at its default, which JSON leaves out.
bool HoldsDefault(const Message& message, const Reflection* r,
                  const FieldDescriptor* field) {
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING: {
      std::string scratch;
      return r->GetStringReference(message, field, &scratch).empty();
    }
    case FieldDescriptor::CPPTYPE_INT32:
      return r->GetInt32(message, field) == 0;
    case FieldDescriptor::CPPTYPE_INT64:
      return r->GetInt64(message, field) == 0;
    case FieldDescriptor::CPPTYPE_UINT32:
      return r->GetUInt32(message, field) == 0;
    case FieldDescriptor::CPPTYPE_UINT64:
      return r->GetUInt64(message, field) == 0;
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return r->GetDouble(message, field) == 0;
    case FieldDescriptor::CPPTYPE_FLOAT:
      return r->GetFloat(message, field) == 0;
    case FieldDescriptor::CPPTYPE_BOOL:
      return !r->GetBool(message, field);
    case FieldDescriptor::CPPTYPE_ENUM:
      return r->GetEnumValue(message, field) == 0;
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return false;
  }
  return false;
}

void AppendMessage(const Message& message, std::string* out) {
  const Reflection* r = message.GetReflection();
  // One list per nesting depth and thread, kept: no allocation per message
  // (an article's trace entries are messages too).
  thread_local std::vector<std::vector<const FieldDescriptor*>> lists;
  thread_local size_t depth = 0;
  if (lists.size() <= depth) lists.resize(depth + 1);
  std::vector<const FieldDescriptor*> fields;
  fields.swap(lists[depth]);
  fields.clear();
  ++depth;
  r->ListFields(message, &fields);  // present ones, by number
  out->push_back('{');
  bool first = true;
  for (const FieldDescriptor* field : fields) {
    if (!field->is_repeated() && HoldsDefault(message, r, field)) continue;
    if (!first) out->push_back(',');
    first = false;
    out->push_back('"');
    out->append(field->name());
    out->append("\":");
    if (field->is_map()) {
      AppendMap(message, r, field, out);
    } else if (field->is_repeated()) {
      out->push_back('[');
      const int size = r->FieldSize(message, field);
      for (int i = 0; i < size; ++i) {
        if (i > 0) out->push_back(',');
        AppendValue(message, r, field, i, out);
      }
      out->push_back(']');
    } else {
      AppendValue(message, r, field, -1, out);
    }
  }
  out->push_back('}');
  --depth;
  lists[depth].swap(fields);  // its memory, for the next message
}

}  // namespace

void AppendJsonString(std::string_view text, std::string* out) {
  const AsciiEscapes& escapes = Escapes();
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  out->reserve(out->size() + n + 2);
  out->push_back('"');
  size_t pos = 0;
  while (pos < n) {
    // Copy the run of bytes that print as themselves in one append: most
    // article text is such a run between a few quotes and accents.
    const size_t run = PlainRunEnd(s, pos, n);
    out->append(text.data() + pos, run - pos);
    pos = run;
    if (pos >= n) break;
    if (s[pos] < 0x80) {
      const std::string_view escape = escapes.escape[s[pos]];
      out->append(escape.data(), escape.size());
      ++pos;
      continue;
    }
    size_t length = 0;
    char32_t cp = DecodeUtf8At(text, pos, &length);
    if (NeedsEscape(cp)) {
      AppendEscapedCodePoint(cp, out);
    } else if (IsInvalidUtf8Byte(cp, length)) {
      AppendUtf8(kReplacementCharacter, out);
    } else {
      out->append(text.data() + pos, length);
    }
    pos += length;
  }
  out->push_back('"');
}

void AppendMessageJson(const Message& message, std::string* out) {
  AppendMessage(message, out);
}

}  // namespace newsflow
