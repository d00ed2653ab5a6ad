// `newsflow plugins [TYPE] [-c CONFIG]`: what stage types exist, like
// gst-inspect-1.0. `newsflow paths`: where this binary finds what it ships.
// `newsflow schema`: the config's JSON Schema.
#include <cstdio>
#include <iostream>
#include <optional>

#include "common/install_layout.h"
#include "runner/commands/command.h"
#include "runner/config/config_schema.h"
#include "runner/host/plugin_loader.h"
#include "runner/supervise/supervisor.h"

namespace newsflow {
namespace {

int Plugins(const std::string& type_name, const std::string& config_path) {
  std::optional<PipelineConfig> config;
  if (!config_path.empty()) {
    absl::StatusOr<PipelineConfig> loaded = LoadConfig(config_path);
    if (!loaded.ok()) {
      PrintError(loaded.status());
      return kRunExitBadConfig;
    }
    config = *std::move(loaded);
  }
  StageRegistry registry = RegistryFor(config ? &*config : nullptr);
  if (type_name.empty()) {
    std::printf("%-12s %-10s %-9s %-10s %s\n", "TYPE", "KIND", "VERSION",
                "ORIGIN", "DESCRIPTION");
    for (const auto* entry : registry.List()) {
      const char* kind = entry->type->kind == NF_STAGE_SOURCE ? "source"
                         : entry->type->kind == NF_STAGE_SINK ? "sink"
                                                              : "transform";
      std::printf("%-12s %-10s %-9s %-10s %s\n", entry->type->name, kind,
                  entry->version.c_str(),
                  entry->library.empty() ? "built-in" : "plugin",
                  entry->type->description);
      if (!entry->library.empty()) {
        std::printf("%-12s   from %s\n", "", entry->library.c_str());
      }
    }
    for (const auto& broken : registry.broken()) {
      std::printf("%-12s %-10s %-9s %-10s %s\n", "-", "BROKEN", "-", "plugin",
                  broken.reason.c_str());
    }
    return registry.broken().empty() ? 0 : 1;
  }
  const RegisteredStageType* entry = registry.Find(type_name);
  if (entry == nullptr) {
    std::cerr << "unknown stage type '" << type_name
              << "' (known: " << registry.TypeNames() << ")\n";
    return 1;
  }
  const nf_stage_type& type = *entry->type;
  std::printf("%s: %s\n\n", type.name, type.description);
  std::printf("  plugin    %s %s (%s)\n", entry->plugin.c_str(),
              entry->version.c_str(), entry->origin.c_str());
  std::printf("  consumes  %s\n", type.consumes ? type.consumes : "-");
  std::printf("  emits     %s\n\n  options:\n", type.emits ? type.emits : "-");
  for (size_t i = 0; i < type.option_count; ++i) {
    const nf_option_spec& option = type.options[i];
    std::printf("    %-22s %-16s default %s\n        %s\n", option.name,
                OptionTypeName(option.type),
                option.default_value ? option.default_value : "(required)",
                option.help);
  }
  return 0;
}

// What the binary found, one fact a line: a packager or an operator sees at
// once whether an installation is complete.
int Paths() {
  std::printf("%-16s %s\n", "stage host", DefaultStageBinary().c_str());
  for (const std::string& folder : PluginSearchPath({})) {
    std::printf("%-16s %s\n", "plugin folder", folder.c_str());
  }
  int missing = 0;
  for (const char* shipped : {"models/ner.bin", "models/keyword_df.tsv"}) {
    std::string found = FindShippedFile(shipped);
    if (found.empty()) ++missing;
    std::printf("%-16s %s\n", shipped,
                found.empty() ? "(missing)" : found.c_str());
  }
  return missing == 0 ? 0 : 1;
}

}  // namespace

void RegisterPluginCommands(CLI::App& app, CommandContext& context) {
  struct Options {
    std::string type;
    std::string config_path;
  };
  auto options = std::make_shared<Options>();
  auto* plugins = app.add_subcommand(
      "plugins",
      "List stage types (built-in and plugins), or describe one.\n"
      "Examples:\n"
      "  newsflow plugins\n"
      "  newsflow plugins clean");
  plugins->add_option("type", options->type, "Stage type to describe");
  plugins->add_option("-c,--config", options->config_path,
                      "Pipeline config (adds its plugin_path)");
  plugins->callback([options, &context] {
    context.exit_code = Plugins(options->type, options->config_path);
  });

  auto* paths = app.add_subcommand(
      "paths",
      "Where this binary finds the stage host, plugins and models; exit 1\n"
      "when a shipped model is missing.\n"
      "Example:\n"
      "  newsflow paths");
  paths->callback([&context] { context.exit_code = Paths(); });

  auto schema_config = std::make_shared<std::string>();
  auto* schema = app.add_subcommand(
      "schema",
      "Print a JSON Schema of the pipeline config (every stage type and its\n"
      "options, plugins on the path included) for editor completion.\n"
      "Examples:\n"
      "  newsflow schema > newsflow.schema.json\n"
      "  # VS Code, YAML extension: \"yaml.schemas\": "
      "{\"newsflow.schema.json\": \"*.yaml\"}");
  schema->add_option("-c,--config", *schema_config,
                     "Pipeline config (adds its plugin_path)");
  schema->callback([schema_config, &context] {
    std::optional<PipelineConfig> config;
    if (!schema_config->empty()) {
      absl::StatusOr<PipelineConfig> loaded = LoadConfig(*schema_config);
      if (!loaded.ok()) {
        PrintError(loaded.status());
        context.exit_code = kRunExitBadConfig;
        return;
      }
      config = *std::move(loaded);
    }
    std::printf(
        "%s\n",
        ConfigJsonSchema(RegistryFor(config ? &*config : nullptr)).c_str());
  });
}

}  // namespace newsflow
