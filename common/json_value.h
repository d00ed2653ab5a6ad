// Building google::protobuf::Value trees (the JSON the CLI prints: top
// --json, query --json, newsflow schema) one node at a time.
#ifndef NEWSFLOW_COMMON_JSON_VALUE_H_
#define NEWSFLOW_COMMON_JSON_VALUE_H_

#include <string>
#include <utility>

#include "google/protobuf/struct.pb.h"

namespace newsflow {

inline google::protobuf::Value JsonText(std::string text) {
  google::protobuf::Value value;
  value.set_string_value(std::move(text));
  return value;
}

inline google::protobuf::Value JsonNumber(double number) {
  google::protobuf::Value value;
  value.set_number_value(number);
  return value;
}

inline google::protobuf::Value JsonBool(bool flag) {
  google::protobuf::Value value;
  value.set_bool_value(flag);
  return value;
}

inline google::protobuf::Value JsonNull() {
  google::protobuf::Value value;
  value.set_null_value(google::protobuf::NULL_VALUE);
  return value;
}

inline google::protobuf::Value JsonObject(google::protobuf::Struct fields) {
  google::protobuf::Value value;
  *value.mutable_struct_value() = std::move(fields);
  return value;
}

}  // namespace newsflow

#endif  // NEWSFLOW_COMMON_JSON_VALUE_H_
