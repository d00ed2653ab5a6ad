// The descriptor of newsflow's built-in stage types. The registry loads it
// exactly like an external plugin's descriptor.
#ifndef NEWSFLOW_STAGES_BUILTIN_PLUGIN_H_
#define NEWSFLOW_STAGES_BUILTIN_PLUGIN_H_

#include <string>

#include "absl/status/status.h"
#include "newsflow/stage_plugin.h"

namespace newsflow {

const nf_plugin_descriptor* BuiltinPluginDescriptor();

}  // namespace newsflow

#endif  // NEWSFLOW_STAGES_BUILTIN_PLUGIN_H_
