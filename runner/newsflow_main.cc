// `newsflow`: the command-line interface. Each command family registers
// itself from runner/commands/; see command.h.
#include "CLI/CLI.hpp"
#include "runner/commands/command.h"

int main(int argc, char** argv) {
  CLI::App app{
      "newsflow: a streaming news pipeline of independent stage processes.\n"
      "Examples:\n"
      "  newsflow run examples/pipeline.yaml --once\n"
      "  newsflow tail clean -c examples/pipeline.yaml\n"
      "  newsflow query news.db \"ceasefire AND russia\"",
      "newsflow"};
  app.require_subcommand(1);
  app.set_version_flag("--version", NEWSFLOW_VERSION);

  newsflow::CommandContext context;
  newsflow::RegisterPipelineCommands(app, context);
  newsflow::RegisterPluginCommands(app, context);
  newsflow::RegisterStoreCommands(app, context);
  newsflow::RegisterDeliveryCommands(app, context);
  newsflow::RegisterNerCommands(app, context);
  newsflow::RegisterObserveCommands(app, context);
  newsflow::RegisterSecurityCommands(app, context);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    // --help and --version are "errors" that exit 0; every real usage
    // mistake exits 2, like an invalid config (see README, Exit codes).
    return app.exit(error) == 0 ? 0 : 2;
  }
  return context.exit_code;
}
