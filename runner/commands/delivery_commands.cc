// `newsflow deadletters`: what the pipeline could not process, and why.
#include <algorithm>
#include <iostream>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "newsflow/v1/article.pb.h"
#include "runner/commands/command.h"
#include "runner/host/dead_letters.h"
#include "runner/observe/dead_letter_list.h"
#include "runner/supervise/supervisor.h"
#include "runner/wire/security.h"
#include "stages/store/query_syntax.h"
#include "zmq.hpp"

namespace newsflow {
namespace {

struct DeadLetterArgs {
  std::string config_path;
  bool json = false;
  bool raw = false;
  std::string since;
  std::string stage;
  bool clear = false;
  bool replay = false;
  std::string key_path;
};

void PrintGroup(const DeadLetterGroup& group, const DeadLetterArgs& args) {
  const v1::DeadLetter& letter = group.latest;
  if (args.json) {
    v1::DeadLetter listed = letter;
    listed.set_count(group.count);
    listed.set_first_at(group.first_at);
    std::cout << DeadLetterLine(listed) << "\n";
    return;
  }
  std::cout << letter.at() << "  " << letter.stage() << "." << letter.replica()
            << "  " << letter.what()
            << (letter.article_id().empty()
                    ? ""
                    : " (article " + letter.article_id() + ")")
            << (group.count > 1 ? absl::StrCat("  ", group.count,
                                               " times since ", group.first_at)
                                : "")
            << "\n    " << letter.reason() << "  [" << letter.raw().size()
            << " bytes]\n";
  if (args.raw) {
    std::cout << "    " << absl::CHexEscape(letter.raw().substr(0, 200))
              << "\n";
  }
}

// Whether a dead letter holds an article a stage with an input can be
// given again (a garbage frame or a file a source rejected cannot).
bool Replayable(const v1::DeadLetter& letter, const PipelinePlan& plan) {
  const StagePlan* stage = plan.FindStage(letter.stage());
  if (stage == nullptr || stage->replicas.empty() ||
      stage->replicas[0].input_endpoint.empty()) {
    return false;
  }
  v1::Article article;
  return !letter.raw().empty() && article.ParseFromString(letter.raw()) &&
         !article.id().empty();
}

// Sends each letter's article to its stage's input, as an upstream stage
// would (without an envelope: nothing upstream waits for an ack). Returns
// the keys of the letters sent.
absl::StatusOr<absl::flat_hash_set<std::string>> Replay(
    const std::vector<DeadLetterGroup>& groups, const PipelinePlan& plan,
    const std::string& key_path) {
  std::optional<KeyPair> key;
  if (!key_path.empty()) {
    absl::StatusOr<KeyPair> pair = ReadSecretKeyFile(key_path);
    if (!pair.ok()) return pair.status();
    key = *pair;
  }
  zmq::context_t context(1);
  absl::flat_hash_map<std::string, std::unique_ptr<zmq::socket_t>> inputs;
  absl::flat_hash_set<std::string> sent;
  for (const DeadLetterGroup& group : groups) {
    const v1::DeadLetter& letter = group.latest;
    std::unique_ptr<zmq::socket_t>& socket = inputs[letter.stage()];
    if (socket == nullptr) {
      socket = std::make_unique<zmq::socket_t>(context, zmq::socket_type::push);
      // Wait for a connection rather than queue for a pipeline that is not
      // there; then wait for what was queued to leave.
      socket->set(zmq::sockopt::immediate, 1);
      socket->set(zmq::sockopt::sndtimeo, 5000);
      socket->set(zmq::sockopt::linger, 10000);
      for (const ReplicaPlan& replica :
           plan.FindStage(letter.stage())->replicas) {
        if (!replica.server_key.empty()) {
          if (!key.has_value()) {
            return absl::UnauthenticatedError(absl::StrCat(
                "the input of '", letter.stage(),
                "' is CURVE-protected; pass --key FILE (a host's secret "
                "key: clients may watch but not feed)"));
          }
          MakeCurveClient(*socket, *key, replica.server_key);
        }
        socket->connect(replica.input_endpoint);
      }
    }
    if (!socket->send(zmq::buffer(letter.raw()), zmq::send_flags::none)) {
      return absl::UnavailableError(
          absl::StrCat("stage '", letter.stage(),
                       "' took no input within 5s: is the pipeline running? (",
                       sent.size(), " replayed before that)"));
    }
    sent.insert(DeadLetterKey(letter));
  }
  return sent;
}

int DeadLetters(const DeadLetterArgs& args) {
  absl::StatusOr<PipelineConfig> config = LoadConfig(args.config_path);
  if (!config.ok()) {
    PrintError(config.status());
    return kRunExitBadConfig;
  }
  absl::Time since = absl::InfinitePast();
  if (!args.since.empty()) {
    absl::StatusOr<absl::Time> bound =
        ParseTimeBound(args.since, TimeBound::kSince);
    if (!bound.ok()) {
      PrintError(bound.status());
      return kRunExitBadConfig;
    }
    since = *bound;
  }
  const std::string path = config->state_dir + "/deadletters.jsonl";
  absl::StatusOr<std::vector<v1::DeadLetter>> letters = ReadDeadLetters(path);
  if (!letters.ok()) {
    PrintError(letters.status());
    return 1;
  }
  std::vector<DeadLetterGroup> groups = GroupDeadLetters(*letters, since);
  if (!args.stage.empty()) {
    groups.erase(std::remove_if(groups.begin(), groups.end(),
                                [&](const DeadLetterGroup& group) {
                                  return group.latest.stage() != args.stage;
                                }),
                 groups.end());
  }
  absl::flat_hash_set<std::string> chosen;
  for (const DeadLetterGroup& group : groups) {
    chosen.insert(DeadLetterKey(group.latest));
  }
  if (args.clear || args.replay) {
    absl::flat_hash_set<std::string> remove = chosen;
    if (args.replay) {
      absl::StatusOr<PipelinePlan> plan = LoadPlan(args.config_path);
      if (!plan.ok()) {
        PrintError(plan.status());
        return kRunExitBadConfig;
      }
      std::vector<DeadLetterGroup> replayable;
      for (const DeadLetterGroup& group : groups) {
        if (Replayable(group.latest, *plan)) replayable.push_back(group);
      }
      absl::StatusOr<absl::flat_hash_set<std::string>> sent =
          Replay(replayable, *plan, args.key_path);
      if (!sent.ok()) {
        PrintError(sent.status());
        return 1;
      }
      std::cout << "replayed " << sent->size() << " of " << groups.size()
                << " dead letters"
                << (sent->size() < groups.size()
                        ? " (the others are not articles a stage with an "
                          "input can take again: garbage frames, or inputs "
                          "a source rejected; fix and re-run the source)"
                        : "")
                << "\n";
      remove = *std::move(sent);
    }
    absl::StatusOr<int> removed =
        RemoveDeadLetters(path, [&](const v1::DeadLetter& letter) {
          return !remove.contains(DeadLetterKey(letter));
        });
    if (!removed.ok()) {
      PrintError(removed.status());
      return 1;
    }
    std::cout << "removed " << *removed << " records from " << path << "\n";
    return 0;
  }
  for (const DeadLetterGroup& group : groups) PrintGroup(group, args);
  if (!args.json) {
    std::cout << groups.size() << " dead letters in " << path;
    if (groups.size() != letters->size()) {
      std::cout << " (" << letters->size()
                << " records: the same input rejected again is listed once)";
    }
    std::cout << "\n";
  }
  return 0;
}

}  // namespace

void RegisterDeliveryCommands(CLI::App& app, CommandContext& context) {
  auto args = std::make_shared<DeadLetterArgs>();
  auto* command = app.add_subcommand(
      "deadletters",
      "List inputs the pipeline could not process (frames that do not parse, "
      "articles a stage failed on), with stage, reason and raw bytes; the "
      "same input rejected again is listed once, with a count. --clear "
      "forgets them; --replay gives the articles among them to their stage "
      "again (the pipeline must be running) once the cause is fixed.\n"
      "Example: newsflow deadletters -c examples/pipeline.yaml --since 1d");
  command->add_option("-c,--config", args->config_path, "Pipeline config")
      ->required();
  command->add_flag("--json", args->json,
                    "One JSON object per line (with count and first_at)");
  command->add_flag("--raw", args->raw, "Show the first raw bytes");
  command->add_option("--since", args->since,
                      "Only rejections that happened since: 90m, 36h, 7d, "
                      "2031-04-02, or an RFC 3339 time");
  command->add_option("--stage", args->stage, "Only this stage's");
  auto* clear = command->add_flag(
      "--clear", args->clear,
      "Remove the dead letters listed (with --since/--stage: those only)");
  auto* replay = command->add_flag(
      "--replay", args->replay,
      "Send the listed articles to their stage again, then remove them");
  clear->excludes(replay);
  command->add_option("--key", args->key_path,
                      "Secret key of a host, for a CURVE-protected pipeline");
  command->callback(
      [args, &context] { context.exit_code = DeadLetters(*args); });
}

}  // namespace newsflow
