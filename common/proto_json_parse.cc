// RapidJSON's SAX reader drives a small state machine that sets fields by
// reflection as values arrive: no DOM, and strings are unescaped in place.
#define RAPIDJSON_SSE2
#define RAPIDJSON_HAS_STDSTRING 1

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/proto_json.h"
#include "common/utf8.h"
#include "google/protobuf/descriptor.h"
#include "rapidjson/error/en.h"
#include "rapidjson/reader.h"

namespace newsflow {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// A message type's fields by both names JSON may use.
using FieldIndex = absl::flat_hash_map<std::string, const FieldDescriptor*>;

const FieldIndex& IndexOf(const Descriptor* type) {
  static std::mutex mutex;
  static auto* indexes =
      new absl::flat_hash_map<const Descriptor*, std::unique_ptr<FieldIndex>>;
  std::lock_guard<std::mutex> lock(mutex);
  std::unique_ptr<FieldIndex>& index = (*indexes)[type];
  if (index == nullptr) {
    index = std::make_unique<FieldIndex>();
    for (int i = 0; i < type->field_count(); ++i) {
      const FieldDescriptor* field = type->field(i);
      index->emplace(field->name(), field);
      index->emplace(field->json_name(), field);
    }
  }
  return *index;
}

// A scalar as the JSON text gave it, before the field's type is known to
// accept it.
struct Scalar {
  enum Kind { kNull, kBool, kInt, kUint, kDouble, kString };
  Kind kind = kNull;
  bool boolean = false;
  int64_t int_value = 0;
  uint64_t uint_value = 0;
  double double_value = 0;
  std::string_view text;

  static Scalar Of(Kind kind) {
    Scalar value;
    value.kind = kind;
    return value;
  }
  static Scalar Bool(bool b) {
    Scalar value = Of(kBool);
    value.boolean = b;
    return value;
  }
  static Scalar Int(int64_t i) {
    Scalar value = Of(kInt);
    value.int_value = i;
    return value;
  }
  static Scalar Uint(uint64_t u) {
    Scalar value = Of(kUint);
    value.uint_value = u;
    return value;
  }
  static Scalar Double(double d) {
    Scalar value = Of(kDouble);
    value.double_value = d;
    return value;
  }
  static Scalar String(std::string_view text) {
    Scalar value = Of(kString);
    value.text = text;
    return value;
  }

  std::string Describe() const {
    switch (kind) {
      case kNull:
        return "null";
      case kBool:
        return boolean ? "true" : "false";
      case kInt:
        return absl::StrCat(int_value);
      case kUint:
        return absl::StrCat(uint_value);
      case kDouble:
        return absl::StrCat(double_value);
      case kString:
        return absl::StrCat("\"", std::string(text.substr(0, 40)), "\"");
    }
    return "";
  }
};

// Numbers as protobuf reads them: integers from JSON numbers (integral
// doubles too) or from strings holding one.
template <typename Int>
bool ToInteger(const Scalar& value, Int* out) {
  using Limits = std::numeric_limits<Int>;
  switch (value.kind) {
    case Scalar::kInt:
      if (value.int_value < static_cast<int64_t>(Limits::min()) ||
          (value.int_value > 0 && static_cast<uint64_t>(value.int_value) >
                                      static_cast<uint64_t>(Limits::max()))) {
        return false;
      }
      *out = static_cast<Int>(value.int_value);
      return true;
    case Scalar::kUint:
      if (value.uint_value > static_cast<uint64_t>(Limits::max())) {
        return false;
      }
      *out = static_cast<Int>(value.uint_value);
      return true;
    case Scalar::kDouble: {
      const double d = value.double_value;
      // 2^63 and 2^64 are exact doubles; compare against them, not max().
      const double high = std::ldexp(1.0, Limits::digits);
      if (!(d == std::floor(d)) || d < static_cast<double>(Limits::min()) ||
          d >= high) {
        return false;
      }
      *out = static_cast<Int>(d);
      return true;
    }
    case Scalar::kString: {
      absl::string_view text(value.text.data(), value.text.size());
      if (Limits::is_signed) {
        int64_t parsed = 0;
        if (absl::SimpleAtoi(text, &parsed)) {
          return ToInteger(Scalar::Int(parsed), out);
        }
      } else {
        uint64_t parsed = 0;
        if (absl::SimpleAtoi(text, &parsed)) {
          return ToInteger(Scalar::Uint(parsed), out);
        }
      }
      double parsed = 0;
      if (absl::SimpleAtod(text, &parsed)) {
        return ToInteger(Scalar::Double(parsed), out);
      }
      return false;
    }
    case Scalar::kNull:
    case Scalar::kBool:
      return false;
  }
  return false;
}

bool ToDouble(const Scalar& value, double* out) {
  switch (value.kind) {
    case Scalar::kInt:
      *out = static_cast<double>(value.int_value);
      return true;
    case Scalar::kUint:
      *out = static_cast<double>(value.uint_value);
      return true;
    case Scalar::kDouble:
      *out = value.double_value;
      return true;
    case Scalar::kString:
      if (value.text == "NaN") {
        *out = std::numeric_limits<double>::quiet_NaN();
        return true;
      }
      if (value.text == "Infinity") {
        *out = std::numeric_limits<double>::infinity();
        return true;
      }
      if (value.text == "-Infinity") {
        *out = -std::numeric_limits<double>::infinity();
        return true;
      }
      // Not "inf"/"nan" spellings SimpleAtod would take.
      if (value.text.empty() ||
          value.text.find_first_not_of("0123456789+-.eE") !=
              std::string_view::npos) {
        return false;
      }
      return absl::SimpleAtod(
          absl::string_view(value.text.data(), value.text.size()), out);
    case Scalar::kNull:
    case Scalar::kBool:
      return false;
  }
  return false;
}

// Deepest nesting of objects and arrays accepted.
constexpr int kMaxJsonDepth = 100;

class Handler
    : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, Handler> {
 public:
  Handler(const JsonParseOptions& options, Message* root)
      : options_(options), root_(root) {}

  const std::string& error() const { return error_; }

  bool Null() { return OnScalar(Scalar::Of(Scalar::kNull)); }
  bool Bool(bool b) { return OnScalar(Scalar::Bool(b)); }
  bool Int(int i) { return OnScalar(Scalar::Int(i)); }
  bool Uint(unsigned u) { return OnScalar(Scalar::Uint(u)); }
  bool Int64(int64_t i) { return OnScalar(Scalar::Int(i)); }
  bool Uint64(uint64_t u) { return OnScalar(Scalar::Uint(u)); }
  bool Double(double d) { return OnScalar(Scalar::Double(d)); }
  // Numbers come as text (kParseNumbersAsStringsFlag), checked against
  // JSON's grammar by RapidJSON and converted here, exactly rounded by
  // absl: Debian's RapidJSON 1.1.0 converts with undefined behaviour on
  // some inputs (clz of zero in DiyFp, arithmetic on a null stack).
  // Integers as RapidJSON reports them: negative ones signed, others
  // unsigned, a double past 64 bits.
  bool RawNumber(const char* text, rapidjson::SizeType length, bool /*copy*/) {
    const absl::string_view number(text, length);
    if (number.find_first_of(".eE") == absl::string_view::npos) {
      if (number[0] == '-') {
        int64_t i = 0;
        if (absl::SimpleAtoi(number, &i)) return OnScalar(Scalar::Int(i));
      } else {
        uint64_t u = 0;
        if (absl::SimpleAtoi(number, &u)) return OnScalar(Scalar::Uint(u));
      }
    }
    double d = 0;
    if (!absl::SimpleAtod(number, &d) || std::isinf(d)) {
      return Fail(absl::StrCat("the number ", number, " is out of range"));
    }
    return OnScalar(Scalar::Double(d));
  }
  bool String(const char* text, rapidjson::SizeType length, bool /*copy*/) {
    return OnScalar(Scalar::String(std::string_view(text, length)));
  }

  bool Key(const char* text, rapidjson::SizeType length, bool /*copy*/) {
    Frame& frame = stack_.back();
    std::string_view key(text, length);
    if (frame.kind == Frame::kSkip) return true;
    if (frame.kind == Frame::kMap) {
      frame.map_key.assign(key.data(), key.size());
      // As protobuf's parser: a key given twice is an error, not a second
      // entry (which would print twice and read back in another order).
      if (!frame.map_keys.insert(frame.map_key).second) {
        return Fail(absl::StrCat(frame.field->name(), ": the key \"",
                                 frame.map_key, "\" is given twice"));
      }
      return true;
    }
    // kMessage
    const FieldIndex& index = IndexOf(frame.message->GetDescriptor());
    auto found = index.find(absl::string_view(key.data(), key.size()));
    frame.field = found == index.end() ? nullptr : found->second;
    if (frame.field == nullptr) {
      if (!options_.ignore_unknown_fields) {
        return Fail(absl::StrCat("no field named \"", std::string(key),
                                 "\" in ",
                                 frame.message->GetDescriptor()->full_name()));
      }
      frame.skip_value = true;
    } else {
      frame.skip_value = false;
    }
    return true;
  }

  bool StartObject() {
    if (!Deeper()) return false;
    if (stack_.empty()) {
      root_->Clear();
      stack_.emplace_back(Frame::kMessage, root_);
      return true;
    }
    Frame& frame = stack_.back();
    switch (frame.kind) {
      case Frame::kSkip:
        ++frame.depth;
        return true;
      case Frame::kMessage: {
        if (frame.skip_value) return PushSkip();
        const FieldDescriptor* field = frame.field;
        const Reflection* r = frame.message->GetReflection();
        if (field->is_map()) {
          const int entries_before = r->FieldSize(*frame.message, field);
          stack_.emplace_back(Frame::kMap, frame.message, field);
          stack_.back().entries_before = entries_before;
          return true;
        }
        if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE ||
            field->is_repeated()) {
          return Mismatch(field, "an object");
        }
        Message* child = r->MutableMessage(frame.message, field);
        stack_.emplace_back(Frame::kMessage, child);
        return true;
      }
      case Frame::kRepeated: {
        const FieldDescriptor* field = frame.field;
        if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
          return Mismatch(field, "an object");
        }
        Message* child =
            frame.message->GetReflection()->AddMessage(frame.message, field);
        stack_.emplace_back(Frame::kMessage, child);
        return true;
      }
      case Frame::kMap: {
        const FieldDescriptor* value = frame.field->message_type()->map_value();
        if (value->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
          return Mismatch(value, "an object");
        }
        Message* entry = NewMapEntry(frame);
        if (entry == nullptr) return false;
        Message* child = entry->GetReflection()->MutableMessage(entry, value);
        stack_.emplace_back(Frame::kMessage, child);
        return true;
      }
    }
    return true;
  }

  bool EndObject(rapidjson::SizeType /*members*/) {
    --depth_;
    return Pop();
  }

  bool StartArray() {
    if (!Deeper()) return false;
    if (stack_.empty()) return Fail("expected a JSON object");
    Frame& frame = stack_.back();
    switch (frame.kind) {
      case Frame::kSkip:
        ++frame.depth;
        return true;
      case Frame::kMessage:
        if (frame.skip_value) return PushSkip();
        if (!frame.field->is_repeated() || frame.field->is_map()) {
          return Mismatch(frame.field, "an array");
        }
        stack_.emplace_back(Frame::kRepeated, frame.message, frame.field);
        return true;
      case Frame::kRepeated:
        return Mismatch(frame.field, "a nested array");
      case Frame::kMap:
        return Mismatch(frame.field->message_type()->map_value(), "an array");
    }
    return true;
  }

  bool EndArray(rapidjson::SizeType /*elements*/) {
    --depth_;
    return Pop();
  }

 private:
  struct Frame {
    enum Kind { kMessage, kRepeated, kMap, kSkip };
    explicit Frame(Kind k, Message* m = nullptr,
                   const FieldDescriptor* f = nullptr)
        : kind(k), message(m), field(f) {}
    Kind kind;
    Message* message = nullptr;
    // kMessage: the field the last key named; kRepeated, kMap: the field.
    const FieldDescriptor* field = nullptr;
    bool skip_value = false;  // kMessage: the last key named no field
    int depth = 0;            // kSkip: objects and arrays still open
    std::string map_key;      // kMap: the entry's key
    absl::flat_hash_set<std::string> map_keys;  // kMap: keys seen so far
    int entries_before = 0;  // kMap: entries an earlier object of it added
  };

  bool PushSkip() {
    stack_.emplace_back(Frame::kSkip);
    stack_.back().depth = 1;
    return true;
  }

  // RapidJSON descends one C++ call per nesting level: a line of "[[[[..."
  // would overflow the stack. Protobuf's parser stops at 100 levels too.
  bool Deeper() {
    if (++depth_ <= kMaxJsonDepth) return true;
    return Fail(
        absl::StrCat("values nested deeper than ", kMaxJsonDepth, " levels"));
  }

  bool Pop() {
    Frame& frame = stack_.back();
    if (frame.kind == Frame::kSkip && --frame.depth > 0) return true;
    if (frame.kind == Frame::kMap && frame.entries_before > 0) {
      DropReplacedEntries(frame);
    }
    stack_.pop_back();
    return true;
  }

  // A map field given twice ({"metadata":{"a":"1"},"metadata":{"a":"2"}})
  // merges, as protobuf's parser does: a key of the later object replaces
  // the earlier entry, so no key is kept twice (it would print twice and
  // not read back). The entries the later object added stay in order.
  static void DropReplacedEntries(const Frame& frame) {
    Message* message = frame.message;
    const Reflection* r = message->GetReflection();
    const int size = r->FieldSize(*message, frame.field);
    absl::flat_hash_set<std::string> later_keys;
    for (int i = frame.entries_before; i < size; ++i) {
      later_keys.insert(
          MapKeyText(r->GetRepeatedMessage(*message, frame.field, i)));
    }
    int kept = 0;
    for (int i = 0; i < size; ++i) {
      if (i < frame.entries_before &&
          later_keys.contains(
              MapKeyText(r->GetRepeatedMessage(*message, frame.field, i)))) {
        continue;
      }
      if (kept != i) r->SwapElements(message, frame.field, kept, i);
      ++kept;
    }
    for (int i = kept; i < size; ++i) r->RemoveLast(message, frame.field);
  }

  bool Fail(std::string message) {
    if (error_.empty()) error_ = std::move(message);
    return false;
  }

  bool Mismatch(const FieldDescriptor* field, std::string_view got) {
    return Fail(absl::StrCat(field->name(), ": expected ", Expected(field),
                             ", got ", std::string(got)));
  }

  static std::string Expected(const FieldDescriptor* field) {
    if (field->is_map()) return "an object (a map)";
    if (field->is_repeated()) return "an array";
    switch (field->cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING:
        return field->type() == FieldDescriptor::TYPE_BYTES ? "a base64 string"
                                                            : "a string";
      case FieldDescriptor::CPPTYPE_BOOL:
        return "true or false";
      case FieldDescriptor::CPPTYPE_ENUM:
        return absl::StrCat("a ", field->enum_type()->full_name(),
                            " name or number");
      case FieldDescriptor::CPPTYPE_MESSAGE:
        return "an object";
      case FieldDescriptor::CPPTYPE_DOUBLE:
      case FieldDescriptor::CPPTYPE_FLOAT:
        return "a number";
      default:
        return "an integer";
    }
  }

  // Adds an entry for frame.map_key to the map field, key set.
  Message* NewMapEntry(Frame& frame) {
    const FieldDescriptor* key = frame.field->message_type()->map_key();
    Message* entry =
        frame.message->GetReflection()->AddMessage(frame.message, frame.field);
    Scalar key_value = Scalar::String(frame.map_key);
    if (key->cpp_type() == FieldDescriptor::CPPTYPE_BOOL) {
      if (frame.map_key != "true" && frame.map_key != "false") {
        Mismatch(key, absl::StrCat("\"", frame.map_key, "\""));
        return nullptr;
      }
      entry->GetReflection()->SetBool(entry, key, frame.map_key == "true");
      return entry;
    }
    if (Store(entry, key, key_value, Mode::kMapEntry) != kSet) {
      if (error_.empty()) Mismatch(key, key_value.Describe());
      return nullptr;
    }
    return entry;
  }

  bool OnScalar(const Scalar& value) {
    if (stack_.empty()) return Fail("expected a JSON object");
    Frame& frame = stack_.back();
    switch (frame.kind) {
      case Frame::kSkip:
        return true;
      case Frame::kMessage: {
        if (frame.skip_value) return true;
        const FieldDescriptor* field = frame.field;
        if (value.kind == Scalar::kNull) {
          return true;  // absent (a repeated field or map: empty)
        }
        if (field->is_repeated()) return Mismatch(field, value.Describe());
        return Checked(
            field, Store(frame.message, field, value, Mode::kSingular), value);
      }
      case Frame::kRepeated: {
        if (value.kind == Scalar::kNull) {
          return Mismatch(frame.field, "null in the array");
        }
        return Checked(
            frame.field,
            Store(frame.message, frame.field, value, Mode::kRepeated), value);
      }
      case Frame::kMap: {
        const FieldDescriptor* field = frame.field->message_type()->map_value();
        if (value.kind == Scalar::kNull) return Mismatch(field, "null");
        Message* entry = NewMapEntry(frame);
        if (entry == nullptr) return false;
        return Checked(field, Store(entry, field, value, Mode::kMapEntry),
                       value);
      }
    }
    return true;
  }

  enum Outcome { kSet, kSkipped, kWrongType };

  bool Checked(const FieldDescriptor* field, Outcome outcome,
               const Scalar& value) {
    if (outcome == kWrongType) {
      if (error_.empty()) return Mismatch(field, value.Describe());
      return false;
    }
    return true;
  }

  // Enum values by name or number; an unknown name is skipped when unknown
  // fields are.
  Outcome EnumNumber(const FieldDescriptor* field, const Scalar& value,
                     int* number) {
    const auto* type = field->enum_type();
    const google::protobuf::EnumValueDescriptor* found = nullptr;
    if (value.kind == Scalar::kString) {
      found = type->FindValueByName(std::string(value.text));
    } else {
      int32_t n = 0;
      if (!ToInteger(value, &n)) return kWrongType;
      found = type->FindValueByNumber(n);
    }
    if (found == nullptr) {
      if (options_.ignore_unknown_fields) return kSkipped;
      Fail(absl::StrCat(field->name(), ": ", value.Describe(),
                        " is not a value of ", type->full_name()));
      return kWrongType;
    }
    *number = found->number();
    return kSet;
  }

  // How a value is stored: into a singular field (a default value leaves it
  // absent), a map entry's key or value (always set), or appended to a
  // repeated field.
  enum class Mode { kSingular, kMapEntry, kRepeated };

  template <typename Number, typename Convert, typename Put>
  static Outcome StoreNumber(const Scalar& value, bool keep_default,
                             Convert convert, Put put) {
    Number n = 0;
    if (!convert(value, &n)) return kWrongType;
    if (n != 0 || keep_default) put(n);
    return kSet;
  }

  Outcome Store(Message* message, const FieldDescriptor* field,
                const Scalar& value, Mode mode) {
    const Reflection* r = message->GetReflection();
    const bool add = mode == Mode::kRepeated;
    const bool keep = mode != Mode::kSingular;
    switch (field->cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING: {
        if (value.kind != Scalar::kString) return kWrongType;
        if (value.text.empty() && !keep) return kSet;
        std::string text;
        if (!Text(field, value.text, &text)) return kWrongType;
        add ? r->AddString(message, field, std::move(text))
            : r->SetString(message, field, std::move(text));
        return kSet;
      }
      case FieldDescriptor::CPPTYPE_INT32:
        return StoreNumber<int32_t>(value, keep, ToInteger<int32_t>,
                                    [&](int32_t n) {
                                      add ? r->AddInt32(message, field, n)
                                          : r->SetInt32(message, field, n);
                                    });
      case FieldDescriptor::CPPTYPE_INT64:
        return StoreNumber<int64_t>(value, keep, ToInteger<int64_t>,
                                    [&](int64_t n) {
                                      add ? r->AddInt64(message, field, n)
                                          : r->SetInt64(message, field, n);
                                    });
      case FieldDescriptor::CPPTYPE_UINT32:
        return StoreNumber<uint32_t>(value, keep, ToInteger<uint32_t>,
                                     [&](uint32_t n) {
                                       add ? r->AddUInt32(message, field, n)
                                           : r->SetUInt32(message, field, n);
                                     });
      case FieldDescriptor::CPPTYPE_UINT64:
        return StoreNumber<uint64_t>(value, keep, ToInteger<uint64_t>,
                                     [&](uint64_t n) {
                                       add ? r->AddUInt64(message, field, n)
                                           : r->SetUInt64(message, field, n);
                                     });
      case FieldDescriptor::CPPTYPE_DOUBLE:
        return StoreNumber<double>(value, keep, ToDouble, [&](double d) {
          add ? r->AddDouble(message, field, d)
              : r->SetDouble(message, field, d);
        });
      case FieldDescriptor::CPPTYPE_FLOAT:
        return StoreNumber<double>(value, keep, ToDouble, [&](double d) {
          add ? r->AddFloat(message, field, static_cast<float>(d))
              : r->SetFloat(message, field, static_cast<float>(d));
        });
      case FieldDescriptor::CPPTYPE_BOOL:
        if (value.kind != Scalar::kBool) return kWrongType;
        if (value.boolean || keep) {
          add ? r->AddBool(message, field, value.boolean)
              : r->SetBool(message, field, value.boolean);
        }
        return kSet;
      case FieldDescriptor::CPPTYPE_ENUM: {
        int number = 0;
        Outcome outcome = EnumNumber(field, value, &number);
        if (outcome == kSet && (number != 0 || keep)) {
          add ? r->AddEnumValue(message, field, number)
              : r->SetEnumValue(message, field, number);
        }
        return outcome;
      }
      case FieldDescriptor::CPPTYPE_MESSAGE:
        return kWrongType;
    }
    return kWrongType;
  }

  // A string value as the field stores it: bytes fields are base64.
  bool Text(const FieldDescriptor* field, std::string_view text,
            std::string* out) {
    if (field->type() != FieldDescriptor::TYPE_BYTES) {
      out->assign(text.data(), text.size());
      return true;
    }
    absl::string_view encoded(text.data(), text.size());
    return absl::Base64Unescape(encoded, out) ||
           absl::WebSafeBase64Unescape(encoded, out);
  }

  const JsonParseOptions& options_;
  Message* root_;
  std::vector<Frame> stack_;
  std::string error_;
  int depth_ = 0;  // objects and arrays open
};

// Lone surrogates: RapidJSON rejects an unpaired high surrogate but encodes
// a lone low one (\uDC00-\uDFFF) as ill-formed UTF-8. True when the text
// holds such an escape (upper or lower case), so only then is the parsed
// message checked.
bool IsLowSurrogateEscapeAt(std::string_view json, size_t at) {
  return at + 3 < json.size() && (json[at + 2] | 0x20) == 'd' &&
         ((json[at + 3] | 0x20) >= 'c' && (json[at + 3] | 0x20) <= 'f');
}

bool MayHoldLowSurrogateEscape(std::string_view json) {
  size_t at = 0;
#ifdef __SSE2__
  // Article text has an escaped newline every paragraph: find "\u" 16
  // positions at a time rather than stopping at every backslash.
  const __m128i backslash = _mm_set1_epi8('\\');
  const __m128i u = _mm_set1_epi8('u');
  for (; json.size() - at > 16; at += 16) {
    const auto* p = reinterpret_cast<const __m128i*>(json.data() + at);
    int hits = _mm_movemask_epi8(_mm_and_si128(
        _mm_cmpeq_epi8(_mm_loadu_si128(p), backslash),
        _mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(
                           json.data() + at + 1)),
                       u)));
    for (; hits != 0; hits &= hits - 1) {
      if (IsLowSurrogateEscapeAt(json, at + __builtin_ctz(hits))) return true;
    }
  }
#endif
  for (at = json.find("\\u", at); at != std::string_view::npos;
       at = json.find("\\u", at + 2)) {
    if (IsLowSurrogateEscapeAt(json, at)) return true;
  }
  return false;
}

// The first string field (recursively) that is not UTF-8, or "".
std::string FirstIllFormedField(const Message& message) {
  const Reflection* r = message.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  r->ListFields(message, &fields);
  for (const FieldDescriptor* field : fields) {
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      const int size = field->is_repeated() ? r->FieldSize(message, field) : 1;
      for (int i = 0; i < size; ++i) {
        const Message& child = field->is_repeated()
                                   ? r->GetRepeatedMessage(message, field, i)
                                   : r->GetMessage(message, field);
        std::string bad = FirstIllFormedField(child);
        if (!bad.empty()) return bad;
      }
      continue;
    }
    if (field->type() != FieldDescriptor::TYPE_STRING) continue;
    std::string scratch;
    const int size = field->is_repeated() ? r->FieldSize(message, field) : 1;
    for (int i = 0; i < size; ++i) {
      const std::string& text =
          field->is_repeated()
              ? r->GetRepeatedStringReference(message, field, i, &scratch)
              : r->GetStringReference(message, field, &scratch);
      if (!IsValidUtf8(text)) return field->name();
    }
  }
  return "";
}

}  // namespace

// Bytes RapidJSON's SIMD scan may read past the end of the text.
constexpr size_t kSimdSlack = 16;

absl::Status ParseMessageJson(std::string* json,
                              const JsonParseOptions& options,
                              Message* message) {
  message->Clear();
  // In-place parsing stops at a NUL byte; JSON text may not hold one raw.
  if (std::memchr(json->data(), '\0', json->size()) != nullptr) {
    return absl::InvalidArgumentError("a NUL byte in the JSON text");
  }
  // RapidJSON's SSE2 string scan loads whole aligned 16-byte blocks, up to
  // 15 bytes past the terminating NUL: keep those inside the allocation
  // (resize keeps the capacity), or the scan reads past the heap block.
  const size_t size = json->size();
  json->append(kSimdSlack, '\0');
  json->resize(size);
  const bool check_surrogates = MayHoldLowSurrogateEscape(*json);
  Handler handler(options, message);
  rapidjson::Reader reader;
  rapidjson::InsituStringStream stream(json->data());
  constexpr unsigned kFlags =
      rapidjson::kParseInsituFlag | rapidjson::kParseNumbersAsStringsFlag;
  rapidjson::ParseResult result = reader.Parse<kFlags>(stream, handler);
  if (!result) {
    if (!handler.error().empty()) {
      return absl::InvalidArgumentError(handler.error());
    }
    if (result.Code() == rapidjson::kParseErrorDocumentEmpty) {
      return absl::InvalidArgumentError("no JSON value");
    }
    return absl::InvalidArgumentError(
        absl::StrCat(rapidjson::GetParseError_En(result.Code()), " (byte ",
                     result.Offset() + 1, ")"));
  }
  if (check_surrogates) {
    std::string field = FirstIllFormedField(*message);
    if (!field.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": a \\u escape of a lone surrogate"));
    }
  }
  return absl::OkStatus();
}

}  // namespace newsflow
