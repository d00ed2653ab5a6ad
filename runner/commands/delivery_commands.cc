// `newsflow deadletters`: what the pipeline could not process, and why.
#include <iostream>

#include "absl/strings/escaping.h"
#include "google/protobuf/util/json_util.h"
#include "runner/commands/command.h"
#include "runner/host/dead_letters.h"
#include "runner/supervise/supervisor.h"

namespace newsflow {
namespace {

int DeadLetters(const std::string& config_path, bool json, bool raw) {
  absl::StatusOr<PipelineConfig> config = LoadConfig(config_path);
  if (!config.ok()) {
    PrintError(config.status());
    return kRunExitBadConfig;
  }
  const std::string path = config->state_dir + "/deadletters.jsonl";
  absl::StatusOr<std::vector<v1::DeadLetter>> letters = ReadDeadLetters(path);
  if (!letters.ok()) {
    PrintError(letters.status());
    return 1;
  }
  for (const auto& letter : *letters) {
    if (json) {
      google::protobuf::util::JsonPrintOptions options;
      options.preserve_proto_field_names = true;
      std::string line;
      (void)google::protobuf::util::MessageToJsonString(letter, &line,
                                                        options);
      std::cout << line << "\n";
      continue;
    }
    std::cout << letter.at() << "  " << letter.stage() << "." << letter.replica()
              << "  " << letter.what()
              << (letter.article_id().empty() ? ""
                                              : " (article " +
                                                    letter.article_id() + ")")
              << "\n    " << letter.reason() << "  [" << letter.raw().size()
              << " bytes]\n";
    if (raw) {
      std::cout << "    " << absl::CHexEscape(letter.raw().substr(0, 200))
                << "\n";
    }
  }
  if (!json) {
    std::cout << letters->size() << " dead letters in " << path << "\n";
  }
  return 0;
}

}  // namespace

void RegisterDeliveryCommands(CLI::App& app, CommandContext& context) {
  struct Options {
    std::string config_path;
    bool json = false;
    bool raw = false;
  };
  auto options = std::make_shared<Options>();
  auto* command = app.add_subcommand(
      "deadletters",
      "List inputs the pipeline could not process (frames that do not parse, "
      "articles a stage failed on), with stage, reason and raw bytes.\n"
      "Example: newsflow deadletters -c examples/pipeline.yaml");
  command->add_option("-c,--config", options->config_path, "Pipeline config")
      ->required();
  command->add_flag("--json", options->json, "One JSON object per line");
  command->add_flag("--raw", options->raw, "Show the first raw bytes");
  command->callback([options, &context] {
    context.exit_code =
        DeadLetters(options->config_path, options->json, options->raw);
  });
}

}  // namespace newsflow
