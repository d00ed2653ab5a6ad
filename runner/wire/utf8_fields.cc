#include "runner/wire/utf8_fields.h"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
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

// What the check needs of a message type's length-delimited fields, by
// field number: looking each field up in the descriptor (a hash lookup per
// field of every article at every hop) was a twentieth of a hop.
struct FieldTable {
  const Descriptor* type = nullptr;
  // Indexed by field number up to kMaxIndexed; larger numbers are looked
  // up in the descriptor.
  std::vector<const FieldDescriptor*> strings;  // TYPE_STRING fields
  std::vector<const FieldTable*> messages;      // TYPE_MESSAGE fields
  std::vector<const FieldDescriptor*> messages_fields;
};

constexpr uint64_t kMaxIndexed = 1024;

// One table per type and thread (no lock on the hot path), built on first
// use together with the tables of the message types it holds.
const FieldTable& TableFor(const Descriptor& type) {
  thread_local absl::flat_hash_map<const Descriptor*,
                                   std::unique_ptr<FieldTable>>
      tables;
  std::unique_ptr<FieldTable>& slot = tables[&type];
  if (slot) return *slot;
  slot = std::make_unique<FieldTable>();
  FieldTable* table = slot.get();  // `slot` may move as the map grows
  table->type = &type;
  int max_number = 0;
  for (int i = 0; i < type.field_count(); ++i) {
    max_number = std::max(max_number, type.field(i)->number());
  }
  const size_t size =
      static_cast<size_t>(std::min<uint64_t>(max_number, kMaxIndexed)) + 1;
  table->strings.assign(size, nullptr);
  table->messages.assign(size, nullptr);
  table->messages_fields.assign(size, nullptr);
  for (int i = 0; i < type.field_count(); ++i) {
    const FieldDescriptor* field = type.field(i);
    const auto number = static_cast<uint64_t>(field->number());
    if (number > kMaxIndexed) continue;
    if (field->type() == FieldDescriptor::TYPE_STRING) {
      table->strings[number] = field;
    } else if (field->type() == FieldDescriptor::TYPE_MESSAGE) {
      table->messages_fields[number] = field;
    }
  }
  // Inserted before its children: a type that holds itself finds its
  // table already there.
  for (size_t number = 0; number < size; ++number) {
    if (table->messages_fields[number] != nullptr) {
      table->messages[number] =
          &TableFor(*table->messages_fields[number]->message_type());
    }
  }
  return *table;
}

absl::Status Check(absl::string_view bytes, const FieldTable& table,
                   int depth) {
  const Descriptor& type = *table.type;
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
    const uint64_t number = tag >> 3;
    const FieldDescriptor* field = nullptr;
    const FieldTable* message = nullptr;
    if (number < table.strings.size()) {
      field = table.strings[number];
      message = table.messages[number];
      if (message != nullptr) field = table.messages_fields[number];
    } else if (number > kMaxIndexed &&
               number <= static_cast<uint64_t>(FieldDescriptor::kMaxNumber)) {
      field = type.FindFieldByNumber(static_cast<int>(number));
      if (field != nullptr && field->type() == FieldDescriptor::TYPE_MESSAGE) {
        message = &TableFor(*field->message_type());
      }
    }
    if (field == nullptr) continue;
    if (field->type() == FieldDescriptor::TYPE_STRING) {
      const size_t bad = FirstInvalidUtf8Offset(
          std::string_view(payload.data(), payload.size()));
      if (bad != std::string_view::npos) {
        return absl::InvalidArgumentError(
            absl::StrCat(field->full_name(), " is not valid UTF-8 (byte ", bad,
                         " of ", payload.size(), ")"));
      }
    } else if (message != nullptr) {
      if (absl::Status status = Check(payload, *message, depth + 1);
          !status.ok()) {
        return status;
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckUtf8Fields(absl::string_view bytes, const Descriptor& type) {
  return Check(bytes, TableFor(type), 0);
}

Utf8FieldsCheck::Utf8FieldsCheck(const Descriptor& type)
    : table_(&TableFor(type)) {}

absl::Status Utf8FieldsCheck::operator()(absl::string_view bytes) const {
  return Check(bytes, *static_cast<const FieldTable*>(table_), 0);
}

}  // namespace newsflow
