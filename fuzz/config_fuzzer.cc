// Fuzzes the config parser and the schema check behind `newsflow validate`:
// any text must give a config or errors naming file:line:column, never a
// crash or a hang.
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/match.h"
#include "fuzz/fuzz_input.h"
#include "runner/config/config.h"
#include "runner/host/stage_registry.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const newsflow::StageRegistry* const registry =
      new newsflow::StageRegistry(newsflow::StageRegistry::WithBuiltins());
  const std::string text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<newsflow::PipelineConfig> config =
      newsflow::ParseConfig(text, "/fuzz/pipeline.yaml");
  if (!config.ok()) {
    // Every error points into the file.
    newsflow::fuzz::Require(
        absl::StartsWith(config.status().message(), "/fuzz/pipeline.yaml:"));
    return 0;
  }
  absl::Status valid = newsflow::ValidateStages(*config, *registry);
  if (valid.ok()) {
    for (const std::string& name : newsflow::TopologicalOrder(*config)) {
      newsflow::fuzz::Require(config->FindStage(name) != nullptr);
    }
  }
  return 0;
}
