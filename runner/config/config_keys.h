// The keys a pipeline config accepts outside stage options, each with its
// JSON type and help: what the config parser checks keys against and what
// `newsflow schema` describes, from this one list. Stage options come from
// each stage type's own option schema.
#ifndef NEWSFLOW_RUNNER_CONFIG_CONFIG_KEYS_H_
#define NEWSFLOW_RUNNER_CONFIG_CONFIG_KEYS_H_

namespace newsflow {

struct ConfigKey {
  const char* name;
  // JSON Schema type: "string", "integer", "number", "boolean", "array",
  // "object", or "" for more than one shape.
  const char* json_type;
  const char* help;
};

inline constexpr ConfigKey kPipelineKeys[] = {
    {"pipeline", "string", "Name of the pipeline (letters, digits, - and _)."},
    {"stages", "object",
     "The stages by name, each a map with type: and its "
     "options; inputs: names the stages it reads."},
    {"plugin_path", "array", "Folders searched for stage plugins (.so)."},
    {"run_dir", "string",
     "Folder of the run's sockets and lock, private (0700); default "
     "/tmp/newsflow-UID/PIPELINE-HASH. Removed on a clean stop."},
    {"transport", "object",
     "How stages talk: {kind: ipc} (default) or "
     "{kind: tcp, host: H, base_port: P}."},
    {"state_dir", "string",
     "Folder of the pipeline's durable state "
     "(journals, dead letters); default "
     ".newsflow/PIPELINE beside the config."},
    {"delivery", "object",
     "Acknowledgements: {acks: true, ack_timeout_ms, "
     "max_in_flight}."},
    {"restart", "object",
     "Restart policy: {max_restarts, window_seconds, "
     "backoff_initial_ms, backoff_max_ms}."},
    {"metrics", "",
     "Prometheus /metrics and /health: a port, or {address, "
     "port}."},
    {"hosts", "object",
     "Machines the stages run on, by name: {address, "
     "bind, public_key, secret_key_file, base_port}."},
    {"clients", "object",
     "CURVE public keys (by name) that may tail and "
     "watch, never feed."},
    {"insecure", "boolean", "Allow plaintext TCP between hosts."},
};
inline constexpr ConfigKey kHostKeys[] = {
    {"address", "string", "Where other hosts reach this one."},
    {"bind", "string", "Interface to listen on (\"*\" for all)."},
    {"public_key", "string", "This host's CURVE public key (Z85)."},
    {"secret_key_file", "string", "File of this host's secret key (0600)."},
    {"base_port", "integer", "First TCP port of this host's stages."},
};
inline constexpr ConfigKey kMetricsKeys[] = {
    {"address", "string", "Address to serve on (default 127.0.0.1)."},
    {"port", "integer", "Port (0: any free one, printed at start)."},
};
inline constexpr ConfigKey kDeliveryKeys[] = {
    {"acks", "boolean",
     "Acknowledge every article end to end (default "
     "true): nothing lost or doubled across crashes."},
    {"ack_timeout_ms", "integer",
     "Re-send what is not acknowledged within "
     "this time."},
    {"max_in_flight", "integer",
     "Sources pause while this many articles "
     "are unacknowledged."},
};
inline constexpr ConfigKey kRestartKeys[] = {
    {"max_restarts", "integer",
     "Crashes within window_seconds before a "
     "stage is given up."},
    {"window_seconds", "integer", "The window max_restarts counts in."},
    {"backoff_initial_ms", "integer", "First wait before a restart."},
    {"backoff_max_ms", "integer", "Longest wait before a restart."},
};
inline constexpr ConfigKey kTransportKeys[] = {
    {"kind", "string", "ipc (one machine) or tcp."},
    {"host", "string", "tcp: the address stages bind."},
    {"base_port", "integer", "tcp: the first port."},
};
inline constexpr ConfigKey kStageKeys[] = {
    {"type", "string", "The stage type (`newsflow plugins` lists them)."},
    {"inputs", "array", "Stages this one reads from."},
    {"replicas", "integer", "Processes running this stage (default 1)."},
    {"annotate_replicas", "integer",
     "type tag only: run it as NAME-annotate (this many replicas) feeding "
     "NAME as link, to use more cores."},
    {"rate_limit", "number", "Most inputs per second per replica."},
    {"host", "string", "The host (of hosts:) this stage runs on."},
};

}  // namespace newsflow

#endif  // NEWSFLOW_RUNNER_CONFIG_CONFIG_KEYS_H_
