#include "runner/config/config_schema.h"

#include "common/json_value.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "runner/config/config_keys.h"

namespace newsflow {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;

Value ArrayOfStrings() {
  Struct array;
  (*array.mutable_fields())["type"] = JsonText("array");
  Struct item;
  (*item.mutable_fields())["type"] = JsonText("string");
  (*array.mutable_fields())["items"] = JsonObject(item);
  return JsonObject(array);
}

// A property of a ConfigKey: its type (when it has one shape) and help.
Value KeyProperty(const ConfigKey& key) {
  Struct property;
  if (std::string(key.json_type) == "array") {
    property = ArrayOfStrings().struct_value();
  } else if (*key.json_type != '\0') {
    (*property.mutable_fields())["type"] = JsonText(key.json_type);
  }
  (*property.mutable_fields())["description"] = JsonText(key.help);
  return JsonObject(property);
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
  (*object.mutable_fields())["type"] = JsonText("object");
  (*object.mutable_fields())["properties"] = JsonObject(KeyProperties(keys));
  (*object.mutable_fields())["additionalProperties"].set_bool_value(false);
  return JsonObject(object);
}

Value OptionProperty(const nf_option_spec& spec) {
  Struct property;
  auto& fields = *property.mutable_fields();
  switch (spec.type) {
    case NF_OPTION_STRING:
    case NF_OPTION_PATH:
      fields["type"] = JsonText("string");
      break;
    case NF_OPTION_INT:
      fields["type"] = JsonText("integer");
      break;
    case NF_OPTION_DOUBLE:
      fields["type"] = JsonText("number");
      break;
    case NF_OPTION_BOOL:
      fields["type"] = JsonText("boolean");
      break;
    case NF_OPTION_STRING_LIST:
    case NF_OPTION_PATH_LIST:
      property = ArrayOfStrings().struct_value();
      break;
    case NF_OPTION_ANY:
      break;  // maps, lists of maps: the stage's validate checks them
  }
  if (spec.help != nullptr)
    property.mutable_fields()->insert({"description", JsonText(spec.help)});
  Value fallback;
  if (spec.default_value != nullptr &&
      google::protobuf::util::JsonStringToMessage(spec.default_value, &fallback)
          .ok()) {
    (*property.mutable_fields())["default"] = fallback;
  }
  return JsonObject(property);
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
  (*type_const.mutable_fields())["const"] = JsonText(type.name);
  Struct type_property;
  (*type_property.mutable_fields())["type"] = JsonObject(type_const);
  (*type_is.mutable_fields())["properties"] = JsonObject(type_property);
  Struct then;
  (*then.mutable_fields())["properties"] = JsonObject(properties);
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
      *list.mutable_list_value()->add_values() = JsonText(name);
    }
  }
  Struct branch;
  (*branch.mutable_fields())["if"] = JsonObject(type_is);
  (*branch.mutable_fields())["then"] = JsonObject(then);
  return JsonObject(branch);
}

}  // namespace

std::string ConfigJsonSchema(const StageRegistry& registry) {
  Struct stage;
  auto& stage_fields = *stage.mutable_fields();
  stage_fields["type"] = JsonText("object");
  *stage_fields["required"].mutable_list_value()->add_values() =
      JsonText("type");
  Struct stage_properties = KeyProperties(kStageKeys);
  Value& type_enum = (*(*stage_properties.mutable_fields())["type"]
                           .mutable_struct_value()
                           ->mutable_fields())["enum"];
  Value& cases = stage_fields["allOf"];
  for (const RegisteredStageType* entry : registry.List()) {
    *type_enum.mutable_list_value()->add_values() = JsonText(entry->type->name);
    *cases.mutable_list_value()->add_values() = StageTypeCase(*entry->type);
  }
  stage_fields["properties"] = JsonObject(stage_properties);

  Struct properties = KeyProperties(kPipelineKeys);
  auto& top = *properties.mutable_fields();
  Struct stages = top["stages"].struct_value();
  Struct stage_ref;
  (*stage_ref.mutable_fields())["$ref"] = JsonText("#/definitions/stage");
  (*stages.mutable_fields())["additionalProperties"] = JsonObject(stage_ref);
  top["stages"] = JsonObject(stages);
  top["delivery"] = ClosedObject(kDeliveryKeys);
  top["restart"] = ClosedObject(kRestartKeys);
  top["transport"] = ClosedObject(kTransportKeys);
  Struct hosts = top["hosts"].struct_value();
  (*hosts.mutable_fields())["additionalProperties"] = ClosedObject(kHostKeys);
  top["hosts"] = JsonObject(hosts);

  Struct schema;
  auto& fields = *schema.mutable_fields();
  fields["$schema"] = JsonText("http://json-schema.org/draft-07/schema#");
  fields["title"] = JsonText("newsflow pipeline config");
  fields["type"] = JsonText("object");
  Value& required = fields["required"];
  *required.mutable_list_value()->add_values() = JsonText("pipeline");
  *required.mutable_list_value()->add_values() = JsonText("stages");
  fields["properties"] = JsonObject(properties);
  fields["additionalProperties"].set_bool_value(false);
  Struct definitions;
  (*definitions.mutable_fields())["stage"] = JsonObject(stage);
  fields["definitions"] = JsonObject(definitions);

  std::string json;
  google::protobuf::util::JsonPrintOptions print;
  print.add_whitespace = true;
  (void)google::protobuf::util::MessageToJsonString(schema, &json, print);
  return json;
}

}  // namespace newsflow
