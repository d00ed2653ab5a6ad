// `newsflow schema`: a JSON Schema (draft-07) of the whole pipeline config,
// for editors' completion and checks (the YAML language server reads it).
// Top-level and stage keys come from runner/config/config_keys.h; each stage
// type's options from its option schema (built-ins and plugins alike), so
// the schema always matches what `newsflow validate` accepts.
#ifndef NEWSFLOW_RUNNER_CONFIG_CONFIG_SCHEMA_H_
#define NEWSFLOW_RUNNER_CONFIG_CONFIG_SCHEMA_H_

#include <string>

#include "runner/host/stage_registry.h"

namespace newsflow {

// The schema as indented JSON.
std::string ConfigJsonSchema(const StageRegistry& registry);

}  // namespace newsflow

#endif  // NEWSFLOW_RUNNER_CONFIG_CONFIG_SCHEMA_H_
