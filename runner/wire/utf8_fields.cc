#include "runner/wire/utf8_fields.h"

#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/utf8.h"

namespace newsflow {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;

// protobuf's own limit on nested messages.
constexpr int kMaxDepth = 100;

absl::Status Malformed(const Descriptor& type) {
  return absl::InvalidArgumentError(
      absl::StrCat("not a valid ", type.full_name(), " message"));
}

// Reads a varint at *pos; false when `bytes` ends inside it or it runs past
// ten bytes.
bool ReadVarint(absl::string_view bytes, size_t* pos, uint64_t* value) {
  *value = 0;
  for (int shift = 0; shift < 64 && *pos < bytes.size(); shift += 7) {
    const auto byte = static_cast<unsigned char>(bytes[(*pos)++]);
    *value |= static_cast<uint64_t>(byte & 0x7F) << shift;
    if (byte < 0x80) return true;
  }
  return false;
}

bool Skip(absl::string_view bytes, size_t* pos, uint64_t count) {
  if (count > bytes.size() - *pos) return false;
  *pos += count;
  return true;
}

absl::Status Check(absl::string_view bytes, const Descriptor& type, int depth) {
  if (depth > kMaxDepth) return Malformed(type);
  size_t pos = 0;
  while (pos < bytes.size()) {
    uint64_t tag = 0;
    if (!ReadVarint(bytes, &pos, &tag)) return Malformed(type);
    uint64_t value = 0;
    switch (tag & 7) {
      case 0:  // varint
        if (!ReadVarint(bytes, &pos, &value)) return Malformed(type);
        continue;
      case 1:  // fixed64
        if (!Skip(bytes, &pos, 8)) return Malformed(type);
        continue;
      case 5:  // fixed32
        if (!Skip(bytes, &pos, 4)) return Malformed(type);
        continue;
      case 2:  // length-delimited: the only kind that holds text
        break;
      default:  // groups: no newsflow message has one
        return Malformed(type);
    }
    if (!ReadVarint(bytes, &pos, &value)) return Malformed(type);
    const size_t start = pos;
    if (!Skip(bytes, &pos, value)) return Malformed(type);
    const absl::string_view payload = bytes.substr(start, value);
    const FieldDescriptor* field =
        tag >> 3 <= static_cast<uint64_t>(FieldDescriptor::kMaxNumber)
            ? type.FindFieldByNumber(static_cast<int>(tag >> 3))
            : nullptr;
    if (field == nullptr) continue;
    if (field->type() == FieldDescriptor::TYPE_STRING) {
      const size_t bad = FirstInvalidUtf8Offset(
          std::string_view(payload.data(), payload.size()));
      if (bad != std::string_view::npos) {
        return absl::InvalidArgumentError(
            absl::StrCat(field->full_name(), " is not valid UTF-8 (byte ", bad,
                         " of ", payload.size(), ")"));
      }
    } else if (field->type() == FieldDescriptor::TYPE_MESSAGE) {
      if (absl::Status status =
              Check(payload, *field->message_type(), depth + 1);
          !status.ok()) {
        return status;
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckUtf8Fields(absl::string_view bytes, const Descriptor& type) {
  return Check(bytes, type, 0);
}

}  // namespace newsflow
