#include "runner/config/plan.h"

#include <unistd.h>

#include <filesystem>
#include <map>
#include <set>
#include <tuple>
#include <utility>

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

const HostPlan* PipelinePlan::FindHost(absl::string_view name) const {
  for (const auto& host : hosts) {
    if (host.name == name) return &host;
  }
  return nullptr;
}

bool PipelinePlan::IsLocal(const StagePlan& stage, int replica) const {
  return hosts.empty() || stage.replicas[replica].host == local_host;
}

absl::StatusOr<PipelinePlan> MakePlan(const PipelineConfig& config,
                                      const StageRegistry& registry,
                                      const std::string& local_host) {
  PipelinePlan plan;
  plan.pipeline = config.pipeline;
  plan.config_path = config.path;
  plan.run_dir =
      config.run_dir.empty() ? DefaultRunDir(config) : config.run_dir;
  plan.state_dir = config.state_dir;
  plan.delivery = config.delivery;
  plan.restart = config.restart;

  const bool several_hosts = !config.hosts.empty();
  if (several_hosts && !local_host.empty() &&
      config.FindHost(local_host) == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        config.display_path, ": no host '", local_host, "' under hosts:"));
  }
  // Each host's processes keep their sockets and launch files apart (the
  // hosts may share a file system, as in the tests).
  const std::string base_run_dir = plan.run_dir;
  auto host_run_dir = [&](const std::string& host) {
    return host.empty() ? base_run_dir : absl::StrCat(base_run_dir, "/", host);
  };
  plan.local_host = local_host;
  if (several_hosts) plan.run_dir = host_run_dir(local_host);
  plan.curve = several_hosts && !config.insecure;

  const int default_port = config.tcp_base_port != 0 ? config.tcp_base_port
                                                     : DefaultBasePort(config);
  int next_port = default_port;
  // Ports count up per host from its base_port (so one host's are one
  // contiguous range, whatever the other hosts run).
  std::map<std::string, int> host_ports;
  for (const auto& host : config.hosts) {
    host_ports[host.name] = host.base_port != 0 ? host.base_port : default_port;
  }
  auto ipc = [&](const std::string& dir,
                 const std::string& name) -> absl::StatusOr<std::string> {
    std::string path = absl::StrCat(dir, "/", name);
    if (path.size() > kMaxIpcPath) {
      return absl::InvalidArgumentError(absl::StrCat(
          config.display_path, ": socket path '", path, "' is longer than ",
          kMaxIpcPath, " bytes; set a shorter run_dir"));
    }
    return absl::StrCat("ipc://", path);
  };
  auto endpoint = [&](const std::string& name) -> absl::StatusOr<std::string> {
    if (config.transport == Transport::kTcp) {
      return absl::StrCat("tcp://", config.tcp_host, ":", next_port++);
    }
    return ipc(plan.run_dir, name);
  };
  // A TCP endpoint on `host`: {connect form, bind form}.
  auto host_endpoint = [&](const HostConfig& host) {
    const int port = host_ports[host.name]++;
    return std::make_pair(absl::StrCat("tcp://", host.address, ":", port),
                          absl::StrCat("tcp://", host.bind, ":", port));
  };

  if (several_hosts) {
    // Runner <-> stage traffic never leaves a host: ipc, not TCP.
    absl::StatusOr<std::string> control =
        ipc(host_run_dir(local_host), "control");
    if (!control.ok()) return control.status();
    plan.control_endpoint = *control;
    for (const auto& host : config.hosts) {
      HostPlan hp;
      hp.name = host.name;
      hp.address = host.address;
      if (!config.insecure) {
        hp.public_key = host.public_key;
        hp.secret_key_file = host.secret_key_file;
        plan.host_keys[host.name] = host.public_key;
      }
      std::tie(hp.status_endpoint, hp.status_bind) = host_endpoint(host);
      if (host.name == local_host) plan.status_endpoint = hp.status_endpoint;
      plan.hosts.push_back(hp);
    }
    if (!config.insecure) {
      for (const auto& client : config.clients) {
        plan.client_keys[client.name] = client.public_key;
      }
    }
  } else {
    absl::StatusOr<std::string> control = endpoint("control");
    if (!control.ok()) return control.status();
    plan.control_endpoint = *control;
    absl::StatusOr<std::string> status = endpoint("status");
    if (!status.ok()) return status.status();
    plan.status_endpoint = *status;
  }
  plan.metrics_address = config.metrics_address;
  plan.metrics_port = config.metrics_port;

  for (const std::string& name : TopologicalOrder(config)) {
    const StageConfig& stage = *config.FindStage(name);
    const RegisteredStageType* found = registry.Find(stage.type);
    if (found == nullptr) {
      return absl::InvalidArgumentError(
          FormatAt(stage.type_location,
                   absl::StrCat("unknown stage type '", stage.type, "'")));
    }
    const RegisteredStageType& registered = *found;
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
      if (several_hosts) {
        const HostConfig& host =
            *config.FindHost(stage.hosts[r % stage.hosts.size()]);
        rp.host = host.name;
        if (plan.curve) rp.server_key = host.public_key;
        if (type.kind == NF_STAGE_SOURCE) {
          plan.hosts[static_cast<size_t>(&host - config.hosts.data())]
              .has_sources = true;
        }
        if (type.kind != NF_STAGE_SOURCE) {
          std::tie(rp.input_endpoint, rp.input_bind) = host_endpoint(host);
        }
        std::tie(rp.tap_endpoint, rp.tap_bind) = host_endpoint(host);
        absl::StatusOr<std::string> command = ipc(
            host_run_dir(host.name), absl::StrCat(stage.name, ".", r, ".cmd"));
        if (!command.ok()) return command.status();
        rp.command_endpoint = *command;
        if (type.kind == NF_STAGE_SOURCE) {
          std::tie(rp.ack_endpoint, rp.ack_bind) = host_endpoint(host);
        }
        sp.replicas.push_back(rp);
        continue;
      }
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
      rp.input_bind = rp.input_endpoint;
      rp.tap_bind = rp.tap_endpoint;
      rp.ack_bind = rp.ack_endpoint;
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
  // The replica binds its own endpoints and connects to everyone else's.
  launch.set_input_endpoint(stage.replicas[replica].input_bind);
  launch.set_tap_endpoint(stage.replicas[replica].tap_bind);
  launch.set_command_endpoint(stage.replicas[replica].command_endpoint);
  launch.set_control_endpoint(plan.control_endpoint);
  launch.set_once(once);
  launch.set_plugin_library(stage.plugin_library);
  SetDeliveryPolicy(plan.delivery, &launch);
  for (const auto& terminal : stage.terminals) launch.add_terminals(terminal);
  for (const auto& s : plan.stages) {
    for (const auto& r : s.replicas) {
      if (!r.ack_endpoint.empty()) {
        const std::string origin = absl::StrCat(s.name, ".", r.index);
        (*launch.mutable_ack_endpoints())[origin] = r.ack_endpoint;
        if (!r.server_key.empty()) {
          (*launch.mutable_ack_server_keys())[origin] = r.server_key;
        }
      }
    }
  }
  launch.set_ack_endpoint(stage.replicas[replica].ack_bind);
  if (!plan.hosts.empty()) {
    launch.set_between_hosts(true);
    const HostPlan* host = plan.FindHost(stage.replicas[replica].host);
    if (plan.curve && host != nullptr) {
      v1::CurveSecurity* security = launch.mutable_security();
      security->set_secret_key_file(host->secret_key_file);
      security->mutable_host_keys()->insert(plan.host_keys.begin(),
                                            plan.host_keys.end());
      security->mutable_client_keys()->insert(plan.client_keys.begin(),
                                              plan.client_keys.end());
    }
  }
  if (stage.kind == NF_STAGE_SOURCE) {
    launch.set_journal_path(absl::StrCat(plan.state_dir, "/", stage.name, ".",
                                         replica, ".journal"));
  }
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
      if (plan.curve) link->add_server_keys(r.server_key);
    }
  }
  return launch;
}

}  // namespace newsflow
