// The stage types a pipeline may use: the built-in descriptor and, later,
// plugin libraries, all checked against the ABI in newsflow/stage_plugin.h.
#ifndef NEWSFLOW_RUNNER_STAGE_REGISTRY_H_
#define NEWSFLOW_RUNNER_STAGE_REGISTRY_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "newsflow/stage_plugin.h"

namespace newsflow {

struct RegisteredStageType {
  const nf_stage_type* type = nullptr;
  std::string plugin;   // descriptor name, e.g. "builtin"
  std::string version;  // plugin version
  std::string origin;   // "built-in" or the library's path
};

class StageRegistry {
 public:
  // A registry holding newsflow's built-in stage types.
  static StageRegistry WithBuiltins();

  // Checks a descriptor against this host's ABI and registers its types.
  // Refuses the whole descriptor on any mismatch or duplicate type name.
  absl::Status AddPlugin(const nf_plugin_descriptor* descriptor,
                         const std::string& origin);

  // nullptr when no such type is registered.
  const RegisteredStageType* Find(absl::string_view type_name) const;

  // Every registered type, sorted by name.
  std::vector<const RegisteredStageType*> List() const;

  // "ingest, clean, ..." for error messages.
  std::string TypeNames() const;

 private:
  absl::flat_hash_map<std::string, RegisteredStageType> types_;
};

// Human-readable name of an option type ("string", "path list", ...).
const char* OptionTypeName(nf_option_type type);

}  // namespace newsflow

#endif  // NEWSFLOW_RUNNER_STAGE_REGISTRY_H_
