#include "runner/config/config_schema.h"

#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "runner/config/config_keys.h"

namespace newsflow {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;

Value Text(const std::string& text) {
  Value value;
  value.set_string_value(text);
  return value;
}

Value Object(Struct fields) {
  Value value;
  *value.mutable_struct_value() = std::move(fields);
  return value;
}

Value ArrayOfStrings() {
  Struct array;
  (*array.mutable_fields())["type"] = Text("array");
  Struct item;
  (*item.mutable_fields())["type"] = Text("string");
  (*array.mutable_fields())["items"] = Object(item);
  return Object(array);
}

// A property of a ConfigKey: its type (when it has one shape) and help.
Value KeyProperty(const ConfigKey& key) {
  Struct property;
  if (std::string(key.json_type) == "array") {
    property = ArrayOfStrings().struct_value();
  } else if (*key.json_type != '\0') {
    (*property.mutable_fields())["type"] = Text(key.json_type);
  }
  (*property.mutable_fields())["description"] = Text(key.help);
  return Object(property);
}

template <size_t N>
Struct KeyProperties(const ConfigKey (&keys)[N]) {
  Struct properties;
  for (const ConfigKey& key : keys) {
    (*properties.mutable_fields())[key.name] = KeyProperty(key);
  }
  return properties;
}

template <size_t N>
Value ClosedObject(const ConfigKey (&keys)[N]) {
  Struct object;
  (*object.mutable_fields())["type"] = Text("object");
  (*object.mutable_fields())["properties"] = Object(KeyProperties(keys));
  (*object.mutable_fields())["additionalProperties"].set_bool_value(false);
  return Object(object);
}

Value OptionProperty(const nf_option_spec& spec) {
  Struct property;
  auto& fields = *property.mutable_fields();
  switch (spec.type) {
    case NF_OPTION_STRING:
    case NF_OPTION_PATH:
      fields["type"] = Text("string");
      break;
    case NF_OPTION_INT:
      fields["type"] = Text("integer");
      break;
    case NF_OPTION_DOUBLE:
      fields["type"] = Text("number");
      break;
    case NF_OPTION_BOOL:
      fields["type"] = Text("boolean");
      break;
    case NF_OPTION_STRING_LIST:
    case NF_OPTION_PATH_LIST:
      property = ArrayOfStrings().struct_value();
      break;
    case NF_OPTION_ANY:
      break;  // maps, lists of maps: the stage's validate checks them
  }
  if (spec.help != nullptr)
    property.mutable_fields()->insert({"description", Text(spec.help)});
  Value fallback;
  if (spec.default_value != nullptr &&
      google::protobuf::util::JsonStringToMessage(spec.default_value, &fallback)
          .ok()) {
    (*property.mutable_fields())["default"] = fallback;
  }
  return Object(property);
}

// One stage type: `type` fixed, its options plus the common stage keys.
Value StageTypeCase(const nf_stage_type& type) {
  Struct properties = KeyProperties(kStageKeys);
  for (size_t i = 0; i < type.option_count; ++i) {
    (*properties.mutable_fields())[type.options[i].name] =
        OptionProperty(type.options[i]);
  }
  Struct type_is;
  Struct type_const;
  (*type_const.mutable_fields())["const"] = Text(type.name);
  Struct type_property;
  (*type_property.mutable_fields())["type"] = Object(type_const);
  (*type_is.mutable_fields())["properties"] = Object(type_property);
  Struct then;
  (*then.mutable_fields())["properties"] = Object(properties);
  (*then.mutable_fields())["additionalProperties"].set_bool_value(false);
  std::vector<std::string> required;
  for (size_t i = 0; i < type.option_count; ++i) {
    if (type.options[i].default_value == nullptr) {
      required.emplace_back(type.options[i].name);
    }
  }
  if (!required.empty()) {
    Value& list = (*then.mutable_fields())["required"];
    for (const auto& name : required) {
      *list.mutable_list_value()->add_values() = Text(name);
    }
  }
  Struct branch;
  (*branch.mutable_fields())["if"] = Object(type_is);
  (*branch.mutable_fields())["then"] = Object(then);
  return Object(branch);
}

}  // namespace

std::string ConfigJsonSchema(const StageRegistry& registry) {
  Struct stage;
  auto& stage_fields = *stage.mutable_fields();
  stage_fields["type"] = Text("object");
  *stage_fields["required"].mutable_list_value()->add_values() = Text("type");
  Struct stage_properties = KeyProperties(kStageKeys);
  Value& type_enum = (*(*stage_properties.mutable_fields())["type"]
                           .mutable_struct_value()
                           ->mutable_fields())["enum"];
  Value& cases = stage_fields["allOf"];
  for (const RegisteredStageType* entry : registry.List()) {
    *type_enum.mutable_list_value()->add_values() = Text(entry->type->name);
    *cases.mutable_list_value()->add_values() = StageTypeCase(*entry->type);
  }
  stage_fields["properties"] = Object(stage_properties);

  Struct properties = KeyProperties(kPipelineKeys);
  auto& top = *properties.mutable_fields();
  Struct stages = top["stages"].struct_value();
  Struct stage_ref;
  (*stage_ref.mutable_fields())["$ref"] = Text("#/definitions/stage");
  (*stages.mutable_fields())["additionalProperties"] = Object(stage_ref);
  top["stages"] = Object(stages);
  top["delivery"] = ClosedObject(kDeliveryKeys);
  top["restart"] = ClosedObject(kRestartKeys);
  top["transport"] = ClosedObject(kTransportKeys);
  Struct hosts = top["hosts"].struct_value();
  (*hosts.mutable_fields())["additionalProperties"] = ClosedObject(kHostKeys);
  top["hosts"] = Object(hosts);

  Struct schema;
  auto& fields = *schema.mutable_fields();
  fields["$schema"] = Text("http://json-schema.org/draft-07/schema#");
  fields["title"] = Text("newsflow pipeline config");
  fields["type"] = Text("object");
  Value& required = fields["required"];
  *required.mutable_list_value()->add_values() = Text("pipeline");
  *required.mutable_list_value()->add_values() = Text("stages");
  fields["properties"] = Object(properties);
  fields["additionalProperties"].set_bool_value(false);
  Struct definitions;
  (*definitions.mutable_fields())["stage"] = Object(stage);
  fields["definitions"] = Object(definitions);

  std::string json;
  google::protobuf::util::JsonPrintOptions print;
  print.add_whitespace = true;
  (void)google::protobuf::util::MessageToJsonString(schema, &json, print);
  return json;
}

}  // namespace newsflow
