// The stage types a pipeline may use: the built-in descriptor and, later,
// plugin libraries, all checked against the ABI in newsflow/stage_plugin.h.
#ifndef NEWSFLOW_RUNNER_HOST_STAGE_REGISTRY_H_
#define NEWSFLOW_RUNNER_HOST_STAGE_REGISTRY_H_

#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "newsflow/options.h"
#include "newsflow/stage_plugin.h"
#include "newsflow/v1/control.pb.h"

namespace newsflow {

struct RegisteredStageType {
  const nf_stage_type* type = nullptr;
  std::string plugin;   // descriptor name, e.g. "builtin"
  std::string version;  // plugin version
  std::string origin;   // "built-in" or the library's path
  // The shared library to load in the stage process; empty for built-ins.
  std::string library;
  // Checks options JSON without creating anything (the type's ABI 1.2
  // validate callback, called in this process or, for a described plugin,
  // in a `newsflow-stage --validate` child). Empty when the type has none.
  std::function<std::vector<OptionProblem>(const std::string& options_json)>
      validate;
  // Described types: the plugin has a validate callback.
  bool described_has_validate = false;
};

// A stage type's ABI 1.2 validate callback, or nullptr: NULL, or absent
// from the smaller struct of a 1.0/1.1 plugin.
decltype(nf_stage_type::validate) ValidateCallback(const nf_stage_type& type);

// Runs the type's validate callback on `options_json`: every problem with
// its field path. Empty when the type has no callback.
std::vector<OptionProblem> ValidateStageOptions(
    const nf_stage_type& type, const std::string& options_json);

// A plugin library that could not be used, and why.
struct BrokenPlugin {
  std::string library;
  std::string reason;
};

class StageRegistry {
 public:
  // A registry holding newsflow's built-in stage types.
  static StageRegistry WithBuiltins();

  // Checks a descriptor against this host's ABI and registers its types.
  // Refuses the whole descriptor on any mismatch or duplicate type name.
  // `library` is the path of the shared library it came from, if any.
  absl::Status AddPlugin(const nf_plugin_descriptor* descriptor,
                         const std::string& origin,
                         const std::string& library = "");

  // Registers the types of a plugin inspected in another process. The
  // registered types carry metadata and option schemas but no callbacks:
  // they serve validation and listing, never execution.
  absl::Status AddDescribed(const v1::PluginDescription& description);

  // Records a library that failed to load, for listings and error hints.
  void AddBroken(BrokenPlugin broken) { broken_.push_back(std::move(broken)); }
  const std::vector<BrokenPlugin>& broken() const { return broken_; }

  // nullptr when no such type is registered.
  const RegisteredStageType* Find(absl::string_view type_name) const;

  // Sets how a described type validates (see RegisteredStageType::validate).
  void SetValidator(
      absl::string_view type_name,
      std::function<std::vector<OptionProblem>(const std::string&)> validate);

  // Every registered type, sorted by name.
  std::vector<const RegisteredStageType*> List() const;

  // "ingest, clean, ..." for error messages.
  std::string TypeNames() const;

 private:
  // Storage behind described types; shared so copies of a registry stay
  // valid.
  struct DescribedStorage {
    std::deque<std::string> strings;
    std::deque<std::vector<nf_option_spec>> options;
    std::deque<nf_stage_type> types;
    std::deque<std::vector<const nf_stage_type*>> type_lists;
    std::deque<nf_plugin_descriptor> descriptors;
  };

  absl::flat_hash_map<std::string, RegisteredStageType> types_;
  std::vector<BrokenPlugin> broken_;
  std::shared_ptr<DescribedStorage> storage_;
};

// Human-readable name of an option type ("string", "path list", ...).
const char* OptionTypeName(nf_option_type type);

// A descriptor's metadata and schemas as a message (for --describe).
v1::PluginDescription DescribePlugin(const nf_plugin_descriptor& descriptor);

}  // namespace newsflow

#endif  // NEWSFLOW_RUNNER_HOST_STAGE_REGISTRY_H_
