// Pipeline configuration: the YAML file a user writes.
//
//   pipeline: demo
//   stages:
//     ingest: { type: ingest, paths: [examples/articles] }
//     clean:  { type: clean, inputs: [ingest] }
//
// This shape is a contract: keys are only ever added. Loading checks the
// structure (syntax, unknown keys, missing inputs, cycles); ValidateStages
// then checks each stage's options against its type's schema. Every error
// names file:line:column.
#ifndef NEWSFLOW_RUNNER_CONFIG_CONFIG_H_
#define NEWSFLOW_RUNNER_CONFIG_CONFIG_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "runner/config/delivery_policy.h"
#include "runner/host/stage_registry.h"
#include "runner/supervise/restart_policy.h"
#include "yaml-cpp/yaml.h"

namespace newsflow {

// 1-based position in a config file.
struct SourceLocation {
  std::string file;
  int line = 0;
  int column = 0;
};

// "file:line:column: message"
std::string FormatAt(const SourceLocation& location, absl::string_view message);

struct StageOption {
  std::string name;
  YAML::Node value;
  SourceLocation location;
};

struct StageConfig {
  std::string name;
  std::string type;
  std::vector<std::string> inputs;
  int replicas = 1;
  // `host: a` or `host: [a, b, ...]`: replica i runs on hosts[i % size].
  // A list without `replicas` gives one replica per entry. Empty: the
  // config declares no hosts (everything runs where `newsflow run` runs).
  std::vector<std::string> hosts;
  SourceLocation host_location;  // of the host value
  // Maximum inputs per second per replica (0: unlimited).
  double rate_limit = 0;
  // `annotate_replicas: N` on a `tag` stage: it runs as `NAME-annotate`
  // (type annotate, N replicas) feeding NAME (type link), which LoadConfig
  // writes out as those two stages. 0: not split.
  int annotate_replicas = 0;
  SourceLocation annotate_replicas_location;
  // The tag stage this annotate half was written out of; empty otherwise.
  std::string split_of;
  // Keys beside type/inputs/replicas, in file order.
  std::vector<StageOption> options;
  SourceLocation location;       // of the stage's name
  SourceLocation type_location;  // of its type value
};

enum class Transport { kIpc, kTcp };

// One machine of a pipeline spread over several (`hosts:`).
struct HostConfig {
  std::string name;
  // Where the other hosts (and tail/top) connect to this host's endpoints.
  std::string address;
  // The interface its endpoints bind to; default: address. "*" binds all
  // (for addresses that are not on an interface, behind NAT).
  std::string bind;
  // CURVE keys (runner/wire/security.h): the public key as Z85 text, and the
  // secret key file as an absolute path (it exists only on this host).
  std::string public_key;
  std::string secret_key_file;
  // First TCP port of this host's endpoints; 0: transport.base_port or
  // derived from the config path.
  int base_port = 0;
  SourceLocation location;
  SourceLocation secret_key_location;
};

// A key that may watch (tail, top) but not feed the pipeline.
struct ClientConfig {
  std::string name;
  std::string public_key;
  SourceLocation location;
};

struct PipelineConfig {
  std::string path;       // absolute path of the config file
  std::string directory;  // its folder: relative paths resolve against it
  // The path as the user gave it: what messages quote.
  std::string display_path;
  std::string pipeline;             // the pipeline's name
  std::vector<StageConfig> stages;  // in file order
  std::vector<std::string> plugin_paths;
  std::string run_dir;  // empty: derived from the config path
  Transport transport = Transport::kIpc;
  std::string tcp_host = "127.0.0.1";
  int tcp_base_port = 0;  // 0: derived from the config path
  // `metrics: { address, port }`: where the runner serves /metrics and
  // /health (runner/observe/metrics.h). Port -1: not served; 0: any free port.
  std::string metrics_address = "127.0.0.1";
  int metrics_port = -1;
  // Durable state (source journals, dead letters); default
  // <config folder>/.newsflow/<pipeline>.
  std::string state_dir;
  // delivery: { acks, ack_timeout_ms, max_in_flight }
  DeliveryPolicy delivery;
  // restart: { max_restarts, window_seconds, backoff_initial_ms,
  //            backoff_max_ms }
  RestartPolicy restart;
  // Several machines (see README "Running on several machines").
  std::vector<HostConfig> hosts;  // in file order
  std::vector<ClientConfig> clients;
  // Plaintext TCP between hosts, asked for explicitly; always warned about.
  bool insecure = false;
  // Things worth saying that do not stop a run ("file:line:column: ...").
  std::vector<std::string> warnings;

  const StageConfig* FindStage(absl::string_view name) const;
  const HostConfig* FindHost(absl::string_view name) const;
};

// Checks the secret key file of host `host_name`: it exists, is mode 0600
// (or stricter) and holds the secret half of the host's public_key. Used
// by `run --host` and `validate --host` (the other hosts' files exist only
// on their machines).
absl::Status CheckHostKeyFile(const PipelineConfig& config,
                              const std::string& host_name);

// Reads and structurally checks a config file. Errors are one or more lines
// of "file:line:column: message".
absl::StatusOr<PipelineConfig> LoadConfig(const std::string& path);

// Expands environment variables in one config value, as Vector and Benthos
// do: ${VAR} is VAR's value (an error when VAR is unset), ${VAR:-default}
// is VAR's value when set and not empty, else `default`; $$ is one literal
// $. Any other $ is kept. `lookup` returns nullptr for an unset variable.
absl::StatusOr<std::string> ExpandVariables(
    absl::string_view text,
    const std::function<const char*(const std::string&)>& lookup);

// Parses config text as if read from `path` (for tests and `validate -`).
// Every scalar value has its ${VAR} references expanded (ExpandVariables)
// from the environment first; keys are taken as written.
absl::StatusOr<PipelineConfig> ParseConfig(const std::string& text,
                                           const std::string& path);

// What `validate` and `run` check: LoadConfig's structural checks and
// then ValidateStages with the registry `registry_for` gives for the
// config (its plugin paths), even when the structure has errors, so that
// every error is reported at once, sorted by position.
absl::StatusOr<PipelineConfig> CheckConfig(
    const std::string& path,
    const std::function<StageRegistry(const PipelineConfig&)>& registry_for);

// Checks types exist and options match their schemas. Collects every error.
absl::Status ValidateStages(const PipelineConfig& config,
                            const StageRegistry& registry);

// Warnings, one "file:line:column: warning: ..." each, for inputs a source
// stage names that do not exist now (a `paths` entry): not errors, since a
// watched folder may appear later, but a run would read nothing from them.
// Paths are quoted as the user wrote them.
std::vector<std::string> MissingInputWarnings(const PipelineConfig& config,
                                              const StageRegistry& registry);

// The options of `stage` as the JSON object its stage type receives: every
// schema option present (defaults filled in), values converted to the
// declared types, relative paths resolved against the config's folder.
absl::StatusOr<std::string> StageOptionsJson(const PipelineConfig& config,
                                             const StageConfig& stage,
                                             const nf_stage_type& type);

// Names of stages in an order where every stage follows its inputs.
std::vector<std::string> TopologicalOrder(const PipelineConfig& config);

}  // namespace newsflow

#endif  // NEWSFLOW_RUNNER_CONFIG_CONFIG_H_
