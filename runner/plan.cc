#include "runner/plan.h"

#include <unistd.h>

#include <filesystem>
#include <set>

#include "absl/strings/str_cat.h"
#include "common/hash.h"

namespace newsflow {
namespace {

// Unix socket paths must fit sockaddr_un (108 bytes with the NUL).
constexpr size_t kMaxIpcPath = 100;

std::string DefaultRunDir(const PipelineConfig& config) {
  const char* base = getenv("XDG_RUNTIME_DIR");
  std::string root = base != nullptr && *base != '\0'
                         ? std::string(base)
                         : absl::StrCat("/tmp/newsflow-", getuid());
  if (base != nullptr && *base != '\0') root += "/newsflow";
  return absl::StrCat(root, "/", config.pipeline, "-",
                      StableHashHex(config.path).substr(0, 8));
}

int DefaultBasePort(const PipelineConfig& config) {
  // Spread pipelines over 20000-49999 so two configs rarely collide.
  return 20000 + static_cast<int>(StableHash64(config.path) % 3000) * 10;
}

}  // namespace

const StagePlan* PipelinePlan::FindStage(absl::string_view name) const {
  for (const auto& stage : stages) {
    if (stage.name == name) return &stage;
  }
  return nullptr;
}

absl::StatusOr<PipelinePlan> MakePlan(const PipelineConfig& config,
                                      const StageRegistry& registry) {
  if (absl::Status status = ValidateStages(config, registry); !status.ok()) {
    return status;
  }
  PipelinePlan plan;
  plan.pipeline = config.pipeline;
  plan.config_path = config.path;
  plan.run_dir =
      config.run_dir.empty() ? DefaultRunDir(config) : config.run_dir;
  plan.state_dir = config.state_dir;
  plan.acks = config.acks;
  plan.ack_timeout_ms = config.ack_timeout_ms;
  plan.max_in_flight = config.max_in_flight;
  plan.max_restarts = config.max_restarts;
  plan.restart_window_seconds = config.restart_window_seconds;
  plan.backoff_initial_ms = config.backoff_initial_ms;
  plan.backoff_max_ms = config.backoff_max_ms;

  int next_port = config.tcp_base_port != 0 ? config.tcp_base_port
                                            : DefaultBasePort(config);
  auto endpoint = [&](const std::string& name) -> absl::StatusOr<std::string> {
    if (config.transport == Transport::kTcp) {
      return absl::StrCat("tcp://", config.tcp_host, ":", next_port++);
    }
    std::string path = absl::StrCat(plan.run_dir, "/", name);
    if (path.size() > kMaxIpcPath) {
      return absl::InvalidArgumentError(absl::StrCat(
          config.path, ": socket path '", path, "' is longer than ",
          kMaxIpcPath, " bytes; set a shorter run_dir"));
    }
    return absl::StrCat("ipc://", path);
  };

  absl::StatusOr<std::string> control = endpoint("control");
  if (!control.ok()) return control.status();
  plan.control_endpoint = *control;
  absl::StatusOr<std::string> status = endpoint("status");
  if (!status.ok()) return status.status();
  plan.status_endpoint = *status;
  plan.metrics_address = config.metrics_address;
  plan.metrics_port = config.metrics_port;

  for (const std::string& name : TopologicalOrder(config)) {
    const StageConfig& stage = *config.FindStage(name);
    const RegisteredStageType& registered = *registry.Find(stage.type);
    const nf_stage_type& type = *registered.type;
    StagePlan sp;
    sp.plugin_library = registered.library;
    sp.rate_limit = stage.rate_limit;
    sp.name = stage.name;
    sp.type = stage.type;
    sp.kind = type.kind;
    sp.inputs = stage.inputs;
    absl::StatusOr<std::string> options = StageOptionsJson(config, stage, type);
    if (!options.ok()) return options.status();
    sp.options_json = *options;
    for (int r = 0; r < stage.replicas; ++r) {
      ReplicaPlan rp;
      rp.index = r;
      if (type.kind != NF_STAGE_SOURCE) {
        absl::StatusOr<std::string> in =
            endpoint(absl::StrCat(stage.name, ".", r, ".in"));
        if (!in.ok()) return in.status();
        rp.input_endpoint = *in;
      }
      absl::StatusOr<std::string> tap =
          endpoint(absl::StrCat(stage.name, ".", r, ".tap"));
      if (!tap.ok()) return tap.status();
      rp.tap_endpoint = *tap;
      absl::StatusOr<std::string> command =
          endpoint(absl::StrCat(stage.name, ".", r, ".cmd"));
      if (!command.ok()) return command.status();
      rp.command_endpoint = *command;
      if (type.kind == NF_STAGE_SOURCE) {
        absl::StatusOr<std::string> ack =
            endpoint(absl::StrCat(stage.name, ".", r, ".ack"));
        if (!ack.ok()) return ack.status();
        rp.ack_endpoint = *ack;
      }
      sp.replicas.push_back(rp);
    }
    plan.stages.push_back(std::move(sp));
  }
  for (auto& consumer : plan.stages) {
    for (const auto& input : consumer.inputs) {
      for (auto& producer : plan.stages) {
        if (producer.name == input) producer.consumers.push_back(consumer.name);
      }
    }
  }
  // Consumers come after producers, so walk backwards.
  for (auto it = plan.stages.rbegin(); it != plan.stages.rend(); ++it) {
    std::set<std::string> terminals;
    if (it->consumers.empty()) terminals.insert(it->name);
    for (const auto& consumer : it->consumers) {
      const StagePlan* c = plan.FindStage(consumer);
      terminals.insert(c->terminals.begin(), c->terminals.end());
    }
    it->terminals.assign(terminals.begin(), terminals.end());
  }
  return plan;
}

v1::StageLaunch MakeLaunch(const PipelinePlan& plan, const StagePlan& stage,
                           int replica, bool once) {
  v1::StageLaunch launch;
  launch.set_pipeline(plan.pipeline);
  launch.set_stage(stage.name);
  launch.set_type(stage.type);
  launch.set_replica(replica);
  launch.set_options_json(stage.options_json);
  launch.set_input_endpoint(stage.replicas[replica].input_endpoint);
  launch.set_tap_endpoint(stage.replicas[replica].tap_endpoint);
  launch.set_command_endpoint(stage.replicas[replica].command_endpoint);
  launch.set_control_endpoint(plan.control_endpoint);
  launch.set_once(once);
  launch.set_plugin_library(stage.plugin_library);
  launch.set_acks(plan.acks);
  for (const auto& terminal : stage.terminals) launch.add_terminals(terminal);
  for (const auto& s : plan.stages) {
    for (const auto& r : s.replicas) {
      if (!r.ack_endpoint.empty()) {
        (*launch.mutable_ack_endpoints())[absl::StrCat(s.name, ".", r.index)] =
            r.ack_endpoint;
      }
    }
  }
  launch.set_ack_endpoint(stage.replicas[replica].ack_endpoint);
  if (stage.kind == NF_STAGE_SOURCE) {
    launch.set_journal_path(absl::StrCat(plan.state_dir, "/", stage.name, ".",
                                         replica, ".journal"));
  }
  launch.set_ack_timeout_ms(plan.ack_timeout_ms);
  launch.set_max_in_flight(plan.max_in_flight);
  launch.set_dead_letter_path(plan.state_dir + "/deadletters.jsonl");
  launch.set_state_dir(plan.state_dir);
  launch.set_rate_limit(stage.rate_limit);
  launch.set_send_high_water_mark(kDefaultHighWaterMark);
  launch.set_receive_high_water_mark(kDefaultHighWaterMark);
  for (const auto& consumer_name : stage.consumers) {
    const StagePlan* consumer = plan.FindStage(consumer_name);
    v1::OutputLink* link = launch.add_outputs();
    link->set_stage(consumer_name);
    for (const auto& r : consumer->replicas) {
      link->add_endpoints(r.input_endpoint);
    }
  }
  return launch;
}

}  // namespace newsflow
