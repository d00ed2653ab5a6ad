#include "runner/host/stage_registry.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "stages/builtin_plugin.h"

namespace newsflow {

StageRegistry StageRegistry::WithBuiltins() {
  StageRegistry registry;
  absl::Status status =
      registry.AddPlugin(BuiltinPluginDescriptor(), "built-in");
  if (!status.ok()) {
    // The built-in descriptor is compiled with this very header; a failure
    // here is a build defect, not a user error.
    fprintf(stderr, "newsflow: built-in stages rejected: %s\n",
            std::string(status.message()).c_str());
    abort();
  }
  return registry;
}

absl::Status StageRegistry::AddPlugin(const nf_plugin_descriptor* descriptor,
                                      const std::string& origin,
                                      const std::string& library) {
  if (descriptor == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(origin, ": the entry point returned no descriptor"));
  }
  if (descriptor->abi_major != NEWSFLOW_STAGE_ABI_MAJOR) {
    return absl::FailedPreconditionError(
        absl::StrCat(origin, ": built for stage ABI ", descriptor->abi_major,
                     ".", descriptor->abi_minor, ", this newsflow speaks ABI ",
                     NEWSFLOW_STAGE_ABI_MAJOR, ".", NEWSFLOW_STAGE_ABI_MINOR,
                     " (major versions must match)"));
  }
  if (descriptor->abi_minor > NEWSFLOW_STAGE_ABI_MINOR) {
    return absl::FailedPreconditionError(absl::StrCat(
        origin, ": built for stage ABI ", descriptor->abi_major, ".",
        descriptor->abi_minor, ", newer than this newsflow's ABI ",
        NEWSFLOW_STAGE_ABI_MAJOR, ".", NEWSFLOW_STAGE_ABI_MINOR,
        "; upgrade newsflow"));
  }
  if (descriptor->struct_size != sizeof(nf_plugin_descriptor)) {
    return absl::FailedPreconditionError(absl::StrCat(
        origin, ": plugin descriptor is ", descriptor->struct_size,
        " bytes where ABI ", descriptor->abi_major, ".", descriptor->abi_minor,
        " defines ", sizeof(nf_plugin_descriptor),
        "; rebuild the plugin against this newsflow's stage_plugin.h"));
  }
  if (descriptor->name == nullptr || descriptor->types == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(origin, ": descriptor lacks a name or a type list"));
  }
  std::vector<RegisteredStageType> incoming;
  for (size_t i = 0; i < descriptor->type_count; ++i) {
    const nf_stage_type* type = descriptor->types[i];
    if (type == nullptr || type->name == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat(origin, ": stage type #", i, " has no name"));
    }
    // Minor versions append fields: a 1.0/1.1 type ends before validate.
    const size_t expected_size = descriptor->abi_minor >= 2
                                     ? sizeof(nf_stage_type)
                                     : NF_STAGE_TYPE_SIZE_1_1;
    if (type->struct_size != expected_size) {
      return absl::FailedPreconditionError(absl::StrCat(
          origin, ": stage type '", type->name, "' is ", type->struct_size,
          " bytes where ABI ", descriptor->abi_major, ".",
          descriptor->abi_minor, " defines ", expected_size,
          "; rebuild the plugin against this newsflow's stage_plugin.h"));
    }
    if (type->create == nullptr || type->destroy == nullptr ||
        (type->kind == NF_STAGE_SOURCE ? type->poll == nullptr
                                       : type->process == nullptr)) {
      return absl::InvalidArgumentError(
          absl::StrCat(origin, ": stage type '", type->name,
                       "' lacks a callback its kind requires"));
    }
    if (const RegisteredStageType* existing = Find(type->name)) {
      return absl::AlreadyExistsError(
          absl::StrCat(origin, ": stage type '", type->name,
                       "' is already provided by ", existing->origin));
    }
    for (const auto& entry : incoming) {
      if (std::string_view(entry.type->name) == type->name) {
        return absl::AlreadyExistsError(absl::StrCat(
            origin, ": declares stage type '", type->name, "' twice"));
      }
    }
    RegisteredStageType registered;
    registered.type = type;
    registered.plugin = descriptor->name;
    registered.version =
        descriptor->version != nullptr ? descriptor->version : "";
    registered.origin = origin;
    registered.library = library;
    if (ValidateCallback(*type) != nullptr) {
      registered.validate = [type](const std::string& options_json) {
        return ValidateStageOptions(*type, options_json);
      };
    }
    incoming.push_back(std::move(registered));
  }
  for (auto& entry : incoming) {
    types_.emplace(entry.type->name, std::move(entry));
  }
  return absl::OkStatus();
}

absl::Status StageRegistry::AddDescribed(
    const v1::PluginDescription& description) {
  if (!storage_) storage_ = std::make_shared<DescribedStorage>();
  DescribedStorage& storage = *storage_;
  auto keep = [&](const std::string& s) -> const char* {
    return storage.strings.emplace_back(s).c_str();
  };
  auto& type_list = storage.type_lists.emplace_back();
  for (const auto& described : description.types()) {
    auto& options = storage.options.emplace_back();
    for (const auto& option : described.options()) {
      options.push_back(nf_option_spec{
          keep(option.name()), static_cast<nf_option_type>(option.type()),
          option.has_default_value() ? keep(option.default_value()) : nullptr,
          keep(option.help())});
    }
    nf_stage_type& type = storage.types.emplace_back();
    type.struct_size = sizeof(nf_stage_type);
    type.name = keep(described.name());
    type.description = keep(described.description());
    type.kind = static_cast<nf_stage_kind>(described.kind());
    type.consumes =
        described.consumes().empty() ? nullptr : keep(described.consumes());
    type.emits = described.emits().empty() ? nullptr : keep(described.emits());
    type.options = options.data();
    type.option_count = options.size();
    type_list.push_back(&type);
  }
  // Re-check names and versions exactly as for a loaded descriptor; the
  // callbacks were checked where the library was loaded.
  for (const nf_stage_type* type : type_list) {
    if (const RegisteredStageType* existing = Find(type->name)) {
      return absl::AlreadyExistsError(
          absl::StrCat(description.library(), ": stage type '", type->name,
                       "' is already provided by ", existing->origin));
    }
  }
  for (const nf_stage_type* type : type_list) {
    RegisteredStageType registered;
    registered.type = type;
    registered.plugin = description.name();
    registered.version = description.version();
    registered.origin = description.library();
    registered.library = description.library();
    for (const auto& described : description.types()) {
      if (described.name() == type->name) {
        registered.described_has_validate = described.has_validate();
      }
    }
    types_.emplace(type->name, std::move(registered));
  }
  return absl::OkStatus();
}

decltype(nf_stage_type::validate) ValidateCallback(const nf_stage_type& type) {
  if (type.struct_size <
      offsetof(nf_stage_type, validate) + sizeof(type.validate)) {
    return nullptr;
  }
  return type.validate;
}

std::vector<OptionProblem> ValidateStageOptions(
    const nf_stage_type& type, const std::string& options_json) {
  std::vector<OptionProblem> problems;
  auto validate = ValidateCallback(type);
  if (validate == nullptr) return problems;
  validate(
      options_json.c_str(),
      [](void* context, const char* field_path, const char* message) {
        static_cast<std::vector<OptionProblem>*>(context)->push_back(
            {field_path == nullptr ? "" : field_path,
             message == nullptr ? "" : message});
      },
      &problems);
  return problems;
}

v1::PluginDescription DescribePlugin(const nf_plugin_descriptor& descriptor) {
  v1::PluginDescription description;
  auto text = [](const char* s) { return s == nullptr ? "" : s; };
  description.set_abi_major(descriptor.abi_major);
  description.set_abi_minor(descriptor.abi_minor);
  description.set_name(text(descriptor.name));
  description.set_version(text(descriptor.version));
  description.set_description(text(descriptor.description));
  description.set_license(text(descriptor.license));
  for (size_t i = 0; i < descriptor.type_count; ++i) {
    const nf_stage_type& type = *descriptor.types[i];
    v1::StageTypeDescription* described = description.add_types();
    described->set_name(text(type.name));
    described->set_description(text(type.description));
    described->set_kind(type.kind);
    described->set_consumes(text(type.consumes));
    described->set_emits(text(type.emits));
    described->set_has_validate(ValidateCallback(type) != nullptr);
    for (size_t j = 0; j < type.option_count; ++j) {
      const nf_option_spec& spec = type.options[j];
      v1::OptionDescription* option = described->add_options();
      option->set_name(text(spec.name));
      option->set_type(spec.type);
      if (spec.default_value != nullptr) {
        option->set_default_value(spec.default_value);
      }
      option->set_help(text(spec.help));
    }
  }
  return description;
}

void StageRegistry::SetValidator(
    absl::string_view type_name,
    std::function<std::vector<OptionProblem>(const std::string&)> validate) {
  auto it = types_.find(std::string(type_name));
  if (it != types_.end()) it->second.validate = std::move(validate);
}

const RegisteredStageType* StageRegistry::Find(
    absl::string_view type_name) const {
  auto it = types_.find(std::string(type_name));
  return it == types_.end() ? nullptr : &it->second;
}

std::vector<const RegisteredStageType*> StageRegistry::List() const {
  std::vector<const RegisteredStageType*> list;
  for (const auto& [name, entry] : types_) list.push_back(&entry);
  std::sort(list.begin(), list.end(), [](const auto* a, const auto* b) {
    return absl::string_view(a->type->name) < absl::string_view(b->type->name);
  });
  return list;
}

std::string StageRegistry::TypeNames() const {
  std::vector<std::string> names;
  for (const auto* entry : List()) names.push_back(entry->type->name);
  return absl::StrJoin(names, ", ");
}

const char* OptionTypeName(nf_option_type type) {
  switch (type) {
    case NF_OPTION_STRING:
      return "string";
    case NF_OPTION_INT:
      return "integer";
    case NF_OPTION_DOUBLE:
      return "number";
    case NF_OPTION_BOOL:
      return "boolean";
    case NF_OPTION_STRING_LIST:
      return "list of strings";
    case NF_OPTION_PATH:
      return "path";
    case NF_OPTION_PATH_LIST:
      return "list of paths";
    case NF_OPTION_ANY:
      return "any";
  }
  return "unknown";
}

}  // namespace newsflow
