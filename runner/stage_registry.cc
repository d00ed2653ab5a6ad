#include "runner/stage_registry.h"

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
                                      const std::string& origin) {
  if (descriptor == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(origin, ": the entry point returned no descriptor"));
  }
  if (descriptor->abi_major != NEWSFLOW_STAGE_ABI_MAJOR) {
    return absl::FailedPreconditionError(absl::StrCat(
        origin, ": built for stage ABI ", descriptor->abi_major, ".",
        descriptor->abi_minor, ", this newsflow speaks ABI ",
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
        " bytes, ABI ", descriptor->abi_major, ".", descriptor->abi_minor,
        " defines ", sizeof(nf_plugin_descriptor)));
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
    if (type->struct_size != sizeof(nf_stage_type)) {
      return absl::FailedPreconditionError(absl::StrCat(
          origin, ": stage type '", type->name, "' is ", type->struct_size,
          " bytes, ABI ", descriptor->abi_major, ".", descriptor->abi_minor,
          " defines ", sizeof(nf_stage_type)));
    }
    if (type->create == nullptr || type->destroy == nullptr ||
        (type->kind == NF_STAGE_SOURCE ? type->poll == nullptr
                                       : type->process == nullptr)) {
      return absl::InvalidArgumentError(
          absl::StrCat(origin, ": stage type '", type->name,
                       "' lacks a callback its kind requires"));
    }
    if (const RegisteredStageType* existing = Find(type->name)) {
      return absl::AlreadyExistsError(absl::StrCat(
          origin, ": stage type '", type->name, "' is already provided by ",
          existing->origin));
    }
    incoming.push_back(RegisteredStageType{
        type, descriptor->name,
        descriptor->version != nullptr ? descriptor->version : "", origin});
  }
  for (auto& entry : incoming) {
    types_.emplace(entry.type->name, std::move(entry));
  }
  return absl::OkStatus();
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
