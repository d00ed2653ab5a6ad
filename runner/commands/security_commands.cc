// `newsflow keygen`: CURVE key pairs for hosts and clients (see
// runner/wire/security.h and README "Running on several machines").
#include <filesystem>
#include <iostream>

#include "runner/commands/command.h"
#include "runner/wire/security.h"

namespace newsflow {
namespace {

int Keygen(const std::string& name, const std::string& directory,
           bool overwrite) {
  std::error_code error;
  std::filesystem::create_directories(directory, error);
  if (error) {
    std::cerr << directory << ": cannot create: " << error.message() << "\n";
    return 1;
  }
  absl::StatusOr<KeyPair> pair = WriteKeyFiles(directory, name, overwrite);
  if (!pair.ok()) {
    PrintError(pair.status());
    return 1;
  }
  const std::string secret = directory + "/" + name + ".key";
  // Z85 uses characters YAML gives meaning to ({}[]:#&*!%@); its alphabet
  // has no '"' or '\', so double quotes always work.
  std::cout << "wrote " << secret << " (secret, mode 0600) and " << directory
            << "/" << name << ".pub\n"
            << "public key: " << pair->public_key << "\n\n"
            << "For a host, in the config (copy " << secret
            << " to that host only):\n"
            << "  hosts:\n    " << name
            << ": { address: ADDRESS, public_key: \"" << pair->public_key
            << "\", secret_key_file: " << secret << " }\n"
            << "For a client (newsflow tail/top --key " << secret << "):\n"
            << "  clients:\n    " << name << ": \"" << pair->public_key
            << "\"\n";
  return 0;
}

}  // namespace

void RegisterSecurityCommands(CLI::App& app, CommandContext& context) {
  struct Options {
    std::string name;
    std::string directory = ".";
    bool force = false;
  };
  auto options = std::make_shared<Options>();
  auto* keygen = app.add_subcommand(
      "keygen",
      "Write a CURVE key pair: DIR/NAME.key (secret, mode 0600) and "
      "DIR/NAME.pub, and print the config lines that use it.\n"
      "Examples:\n"
      "  newsflow keygen ingest-host --dir keys\n"
      "  newsflow keygen ops   # a client key for tail/top --key ops.key\n"
      "Exit codes: 0 written; 1 cannot write (an existing key is never "
      "replaced without --force).");
  keygen->add_option("name", options->name, "Host or client name")->required();
  keygen->add_option("--dir", options->directory,
                     "Folder for the key files (default: .)");
  keygen->add_flag("--force", options->force, "Replace existing key files");
  keygen->callback([options, &context] {
    context.exit_code =
        Keygen(options->name, options->directory, options->force);
  });
}

}  // namespace newsflow
