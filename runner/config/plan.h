// The running shape of a pipeline: which processes exist and which ZeroMQ
// endpoints connect them. Derived from a validated config, deterministically,
// so `newsflow tail` finds the same endpoints as the `newsflow run` it taps.
//
// Wiring: every replica binds its own PULL input endpoint. An upstream
// replica holds one PUSH socket per downstream stage, connected to every
// replica of that stage: fan-out (each consumer stage gets every message)
// comes from the separate sockets, replica load-balancing from PUSH's
// round-robin, fan-in from one PULL receiving many connections.
#ifndef NEWSFLOW_RUNNER_CONFIG_PLAN_H_
#define NEWSFLOW_RUNNER_CONFIG_PLAN_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "newsflow/v1/control.pb.h"
#include "runner/config/config.h"
#include "runner/host/stage_registry.h"

namespace newsflow {

// Endpoints are what other processes connect to; the *_bind forms are
// what the replica itself binds (they differ only when a host's `bind`
// differs from its `address`).
struct ReplicaPlan {
  int index = 0;
  std::string input_endpoint;  // empty for sources
  std::string tap_endpoint;
  std::string command_endpoint;  // runner -> process commands (reload)
  std::string ack_endpoint;      // sources: acknowledgements come here
  std::string input_bind;
  std::string tap_bind;
  std::string ack_bind;
  // The host it runs on ("" without `hosts:`) and that host's CURVE
  // public key ("" for plaintext).
  std::string host;
  std::string server_key;
};

// One host of a pipeline spread over several.
struct HostPlan {
  std::string name;
  std::string address;
  std::string public_key;       // "" with insecure: true
  std::string secret_key_file;  // on that host
  // Its runner's status (REP) endpoint: connect and bind forms.
  std::string status_endpoint;
  std::string status_bind;
  bool has_sources = false;
};

struct StagePlan {
  std::string name;
  std::string type;
  nf_stage_kind kind = NF_STAGE_TRANSFORM;
  std::string options_json;
  // Shared library providing the type; empty for built-ins.
  std::string plugin_library;
  std::vector<std::string> inputs;
  std::vector<std::string> consumers;  // stages that list this one as input
  // Stages without consumers reachable from here (itself if it has none):
  // the ones that must acknowledge what this stage emits or drops.
  std::vector<std::string> terminals;
  double rate_limit = 0;
  std::vector<ReplicaPlan> replicas;
};

struct PipelinePlan {
  std::string pipeline;
  std::string config_path;
  std::string run_dir;
  std::string control_endpoint;
  // REP endpoint where the runner answers with a v1::PipelineStatus.
  std::string status_endpoint;
  // Where the runner serves /metrics and /health; port -1: nowhere.
  std::string metrics_address;
  int metrics_port = -1;
  std::vector<StagePlan> stages;  // inputs before consumers
  std::string state_dir;
  DeliveryPolicy delivery;
  RestartPolicy restart;
  // Several hosts: every host (empty without `hosts:`), the one this
  // runner is (`run --host`; "" when planning for all, as tail does), and
  // the keys ZAP lets in (name -> Z85 public key). curve: TCP endpoints
  // use CURVE (hosts with keys, not insecure).
  std::vector<HostPlan> hosts;
  std::string local_host;
  bool curve = false;
  std::map<std::string, std::string> host_keys;
  std::map<std::string, std::string> client_keys;

  const StagePlan* FindStage(absl::string_view name) const;
  const HostPlan* FindHost(absl::string_view name) const;
  // Whether replica `replica` of `stage` is started by this runner.
  bool IsLocal(const StagePlan& stage, int replica) const;
};

// ZeroMQ high-water marks (messages) on every data socket: with the OS
// socket buffers they bound what sits between two stages; a full queue
// blocks the sender, which is how backpressure travels upstream.
inline constexpr int kDefaultHighWaterMark = 1000;

// Computes endpoints for a config that has passed ValidateStages (as
// CheckConfig's does: validating again here would run every plugin's
// validate callback, a child process each, twice). With `hosts:`, local_host
// names the host this runner is (run_dir, control and status endpoints
// are its own); "" plans the whole pipeline without a local host.
absl::StatusOr<PipelinePlan> MakePlan(const PipelineConfig& config,
                                      const StageRegistry& registry,
                                      const std::string& local_host = "");

// What one replica process is told at start.
v1::StageLaunch MakeLaunch(const PipelinePlan& plan, const StagePlan& stage,
                           int replica, bool once);

}  // namespace newsflow

#endif  // NEWSFLOW_RUNNER_CONFIG_PLAN_H_
