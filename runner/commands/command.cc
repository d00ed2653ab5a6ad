#include "runner/commands/command.h"

#include <iostream>

#include "runner/host/plugin_loader.h"
#include "runner/supervise/supervisor.h"

namespace newsflow {

void PrintError(const absl::Status& status) {
  std::cerr << status.message() << "\n";
}

StageRegistry RegistryFor(const PipelineConfig* config) {
  return RegistryWithPlugins(
      config != nullptr ? config->plugin_paths : std::vector<std::string>{},
      DefaultStageBinary());
}

absl::StatusOr<PipelinePlan> LoadPlan(const std::string& config_path,
                                      const std::string& host,
                                      std::vector<std::string>* warnings) {
  absl::StatusOr<PipelineConfig> config = CheckConfig(
      config_path,
      [](const PipelineConfig& parsed) { return RegistryFor(&parsed); });
  if (!config.ok()) return config.status();
  StageRegistry registry = RegistryFor(&*config);
  if (warnings != nullptr) {
    *warnings = config->warnings;
    for (std::string& missing : MissingInputWarnings(*config, registry)) {
      warnings->push_back(std::move(missing));
    }
  }
  if (!host.empty()) {
    if (absl::Status status = CheckHostKeyFile(*config, host); !status.ok()) {
      return status;
    }
  }
  return MakePlan(*config, registry, host);
}

}  // namespace newsflow
