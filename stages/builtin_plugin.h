// The descriptor of newsflow's built-in stage types. The registry loads it
// exactly like an external plugin's descriptor.
#ifndef NEWSFLOW_STAGES_BUILTIN_PLUGIN_H_
#define NEWSFLOW_STAGES_BUILTIN_PLUGIN_H_

#include <string>

#include "absl/status/status.h"
#include "newsflow/stage_plugin.h"

namespace newsflow {

const nf_plugin_descriptor* BuiltinPluginDescriptor();

// Checks a built-in stage's options JSON as its create() would, without
// creating anything, so that the runner can report problems inside nested
// options (the ingest stage's `sources`) at their file:line:column before
// any process starts. A message naming "OPTION[INDEX].KEY" (or OPTION[INDEX]
// or OPTION) is located at that YAML node.
using OptionValidator = absl::Status (*)(const std::string& options_json);

// nullptr for types without a validator beyond the option schema.
OptionValidator BuiltinOptionValidator(const std::string& type_name);

}  // namespace newsflow

#endif  // NEWSFLOW_STAGES_BUILTIN_PLUGIN_H_
