// Shared pieces of the `newsflow` subcommands. Each command family lives in
// its own file under runner/commands/ and registers itself with
// Register*Commands(app, context); newsflow_main.cc only lists them.
#ifndef NEWSFLOW_RUNNER_COMMANDS_COMMAND_H_
#define NEWSFLOW_RUNNER_COMMANDS_COMMAND_H_

#include <string>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "runner/config/config.h"
#include "runner/config/plan.h"
#include "runner/host/stage_registry.h"

namespace newsflow {

// Set by the subcommand that ran; main returns it.
struct CommandContext {
  int exit_code = 0;
};

// Prints a status's message (already "file:line:column: ..." where it
// applies) to stderr.
void PrintError(const absl::Status& status);

// Built-in stage types plus the plugins on the config's (if any) and the
// environment's plugin path.
StageRegistry RegistryFor(const PipelineConfig* config);

// Loads, validates and plans a config. With `host` (configs with hosts:),
// plans as that host and checks its secret key file; config warnings
// (plaintext TCP) go to `warnings` when given.
absl::StatusOr<PipelinePlan> LoadPlan(
    const std::string& config_path, const std::string& host = "",
    std::vector<std::string>* warnings = nullptr);

void RegisterPipelineCommands(CLI::App& app, CommandContext& context);
void RegisterPluginCommands(CLI::App& app, CommandContext& context);
void RegisterStoreCommands(CLI::App& app, CommandContext& context);
void RegisterDeliveryCommands(CLI::App& app, CommandContext& context);
void RegisterNerCommands(CLI::App& app, CommandContext& context);
void RegisterObserveCommands(CLI::App& app, CommandContext& context);
void RegisterSecurityCommands(CLI::App& app, CommandContext& context);

}  // namespace newsflow

#endif  // NEWSFLOW_RUNNER_COMMANDS_COMMAND_H_
