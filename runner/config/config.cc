#include "runner/config/config.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "runner/config/config_keys.h"
#include "runner/wire/security.h"

namespace newsflow {
namespace {

namespace fs = std::filesystem;

// "expected an integer", "expected a string".
std::string ExpectedType(nf_option_type type) {
  const std::string noun = OptionTypeName(type);
  return absl::StrCat("expected ",
                      absl::StrContains("aeiou", noun[0]) ? "an " : "a ", noun);
}
using google::protobuf::Value;

// Collects errors so that one `validate` run reports all of them, in the
// order of the places they point at.
class ErrorList {
 public:
  explicit ErrorList(std::string file) : file_(std::move(file)) {}

  void Add(const YAML::Node& node, absl::string_view message) {
    Add(LocationOf(node), message);
  }
  void Add(const SourceLocation& location, absl::string_view message) {
    errors_.push_back(
        {location.line, location.column, FormatAt(location, message)});
  }
  SourceLocation LocationOf(const YAML::Node& node) const {
    YAML::Mark mark = node.Mark();
    return SourceLocation{file_, mark.line + 1, mark.column + 1};
  }
  bool empty() const { return errors_.empty(); }
  absl::Status ToStatus() const {
    if (errors_.empty()) return absl::OkStatus();
    std::vector<Entry> sorted = errors_;
    std::stable_sort(
        sorted.begin(), sorted.end(), [](const Entry& a, const Entry& b) {
          return std::tie(a.line, a.column) < std::tie(b.line, b.column);
        });
    return absl::InvalidArgumentError(absl::StrJoin(
        sorted, "\n",
        [](std::string* out, const Entry& e) { out->append(e.text); }));
  }

 private:
  struct Entry {
    int line;
    int column;
    std::string text;
  };
  std::string file_;
  std::vector<Entry> errors_;
};

template <size_t N>
bool IsOneOf(const std::string& key, const ConfigKey (&keys)[N]) {
  for (const ConfigKey& k : keys) {
    if (key == k.name) return true;
  }
  return false;
}

template <size_t N>
std::string JoinKeys(const ConfigKey (&keys)[N]) {
  return absl::StrJoin(
      keys, keys + N, ", ",
      [](std::string* out, const ConfigKey& key) { out->append(key.name); });
}

// "unknown key 'KEY'IN; did you mean 'K'? (known: ...)".
template <size_t N>
std::string UnknownKey(const std::string& key, absl::string_view in,
                       const ConfigKey (&keys)[N]) {
  std::vector<std::string> names;
  for (const ConfigKey& k : keys) names.emplace_back(k.name);
  return absl::StrCat("unknown key '", key, "'", in, DidYouMean(key, names),
                      " (known: ", JoinKeys(keys), ")");
}

bool IsValidStageName(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_' &&
        c != '-') {
      return false;
    }
  }
  return true;
}

// Reads a scalar-or-sequence of strings.
std::vector<std::string> StringList(const YAML::Node& node, ErrorList& errors,
                                    absl::string_view what) {
  std::vector<std::string> values;
  if (node.IsScalar()) {
    values.push_back(node.Scalar());
  } else if (node.IsSequence()) {
    for (const auto& item : node) {
      if (!item.IsScalar()) {
        errors.Add(item, absl::StrCat(what, " must be a list of strings"));
        continue;
      }
      values.push_back(item.Scalar());
    }
  } else if (!node.IsNull()) {
    errors.Add(node, absl::StrCat(what, " must be a string or a list"));
  }
  return values;
}

std::string ResolvePath(const std::string& directory, const std::string& p) {
  if (p.empty()) return p;
  fs::path path(p);
  if (p[0] == '~') {
    const char* home = getenv("HOME");
    if (home != nullptr) path = fs::path(home) / p.substr(p.size() > 1 ? 2 : 1);
  }
  if (path.is_relative()) path = fs::path(directory) / path;
  return path.lexically_normal().string();
}

bool ParseBool(const std::string& s, bool* out) {
  std::string lower = absl::AsciiStrToLower(s);
  if (lower == "true" || lower == "yes" || lower == "on") {
    *out = true;
    return true;
  }
  if (lower == "false" || lower == "no" || lower == "off") {
    *out = false;
    return true;
  }
  return false;
}

// Untyped YAML to a JSON value: used for NF_OPTION_ANY.
Value GenericValue(const YAML::Node& node) {
  Value value;
  if (node.IsMap()) {
    auto* fields = value.mutable_struct_value()->mutable_fields();
    for (auto it = node.begin(); it != node.end(); ++it) {
      (*fields)[it->first.Scalar()] = GenericValue(it->second);
    }
  } else if (node.IsSequence()) {
    auto* list = value.mutable_list_value();
    for (const auto& item : node) *list->add_values() = GenericValue(item);
  } else if (node.IsNull()) {
    value.set_null_value(google::protobuf::NULL_VALUE);
  } else {
    const std::string& s = node.Scalar();
    bool b;
    double d;
    if (node.Tag() != "!" && ParseBool(s, &b)) {
      value.set_bool_value(b);
    } else if (node.Tag() != "!" && absl::SimpleAtod(s, &d)) {
      value.set_number_value(d);
    } else {
      value.set_string_value(s);
    }
  }
  return value;
}

// Converts one option value to its declared type.
absl::StatusOr<Value> TypedValue(const YAML::Node& node, nf_option_type type,
                                 const std::string& directory) {
  Value value;
  auto scalar = [&]() -> absl::StatusOr<std::string> {
    if (!node.IsScalar()) {
      return absl::InvalidArgumentError(ExpectedType(type));
    }
    return node.Scalar();
  };
  switch (type) {
    case NF_OPTION_STRING:
    case NF_OPTION_PATH: {
      absl::StatusOr<std::string> s = scalar();
      if (!s.ok()) return s.status();
      value.set_string_value(type == NF_OPTION_PATH ? ResolvePath(directory, *s)
                                                    : *s);
      return value;
    }
    case NF_OPTION_INT: {
      absl::StatusOr<std::string> s = scalar();
      if (!s.ok()) return s.status();
      int64_t i;
      if (!absl::SimpleAtoi(*s, &i)) {
        return absl::InvalidArgumentError(
            absl::StrCat("expected an integer, got '", *s, "'"));
      }
      value.set_number_value(static_cast<double>(i));
      return value;
    }
    case NF_OPTION_DOUBLE: {
      absl::StatusOr<std::string> s = scalar();
      if (!s.ok()) return s.status();
      double d;
      if (!absl::SimpleAtod(*s, &d)) {
        return absl::InvalidArgumentError(
            absl::StrCat("expected a number, got '", *s, "'"));
      }
      value.set_number_value(d);
      return value;
    }
    case NF_OPTION_BOOL: {
      absl::StatusOr<std::string> s = scalar();
      if (!s.ok()) return s.status();
      bool b;
      if (!ParseBool(*s, &b)) {
        return absl::InvalidArgumentError(
            absl::StrCat("expected true or false, got '", *s, "'"));
      }
      value.set_bool_value(b);
      return value;
    }
    case NF_OPTION_STRING_LIST:
    case NF_OPTION_PATH_LIST: {
      auto* list = value.mutable_list_value();
      auto add = [&](const std::string& s) {
        list->add_values()->set_string_value(
            type == NF_OPTION_PATH_LIST ? ResolvePath(directory, s) : s);
      };
      if (node.IsScalar()) {
        add(node.Scalar());
      } else if (node.IsSequence()) {
        for (const auto& item : node) {
          if (!item.IsScalar()) {
            return absl::InvalidArgumentError(ExpectedType(type));
          }
          add(item.Scalar());
        }
      } else if (!node.IsNull()) {
        return absl::InvalidArgumentError(ExpectedType(type));
      }
      return value;
    }
    case NF_OPTION_ANY:
      return GenericValue(node);
  }
  return absl::InvalidArgumentError("unknown option type");
}

const nf_option_spec* FindOption(const nf_stage_type& type,
                                 const std::string& name) {
  for (size_t i = 0; i < type.option_count; ++i) {
    if (name == type.options[i].name) return &type.options[i];
  }
  return nullptr;
}

std::string OptionNames(const nf_stage_type& type) {
  std::vector<std::string> names;
  for (size_t i = 0; i < type.option_count; ++i) {
    names.push_back(type.options[i].name);
  }
  return names.empty() ? "(none)" : absl::StrJoin(names, ", ");
}

// What a transport section set explicitly (it matters with `hosts:`).
struct TransportSeen {
  std::optional<SourceLocation> ipc;
  std::optional<SourceLocation> host;
};

void ParseTransport(const YAML::Node& node, PipelineConfig& config,
                    ErrorList& errors, TransportSeen& seen) {
  if (node.IsScalar()) {
    // Shorthand: `transport: tcp`.
    if (node.Scalar() == "tcp") {
      config.transport = Transport::kTcp;
    } else if (node.Scalar() != "ipc") {
      errors.Add(node, "transport must be 'ipc' or 'tcp'");
    } else {
      seen.ipc = errors.LocationOf(node);
    }
    return;
  }
  if (!node.IsMap()) {
    errors.Add(node, "transport must be 'ipc', 'tcp' or a map");
    return;
  }
  for (auto it = node.begin(); it != node.end(); ++it) {
    const std::string key = it->first.Scalar();
    // A copy, not a reference: yaml-cpp's iterator yields a temporary.
    const YAML::Node value = it->second;
    if (!IsOneOf(key, kTransportKeys)) {
      errors.Add(it->first, UnknownKey(key, " in transport", kTransportKeys));
    } else if (key == "kind") {
      if (value.IsScalar() && value.Scalar() == "tcp") {
        config.transport = Transport::kTcp;
      } else if (!value.IsScalar() || value.Scalar() != "ipc") {
        errors.Add(value, "transport kind must be 'ipc' or 'tcp'");
      } else {
        seen.ipc = errors.LocationOf(value);
      }
    } else if (key == "host") {
      config.tcp_host = value.Scalar();
      seen.host = errors.LocationOf(value);
    } else if (key == "base_port") {
      int port = 0;
      if (!value.IsScalar() || !absl::SimpleAtoi(value.Scalar(), &port) ||
          port < 1024 || port > 65000) {
        errors.Add(value, "base_port must be an integer from 1024 to 65000");
      }
      config.tcp_base_port = port;
    }
  }
}

// Parses a map of integer (or boolean) settings; `set` stores each value.
template <size_t N>
void ParseSettings(
    const YAML::Node& node, const char* section, const ConfigKey (&keys)[N],
    ErrorList& errors,
    const std::function<bool(const std::string&, const std::string&)>& set) {
  if (!node.IsMap()) {
    errors.Add(
        node,
        absl::StrCat(section, " must be a map (keys: ", JoinKeys(keys), ")"));
    return;
  }
  for (auto it = node.begin(); it != node.end(); ++it) {
    const std::string key = it->first.Scalar();
    if (!IsOneOf(key, keys)) {
      errors.Add(it->first,
                 UnknownKey(key, absl::StrCat(" in ", section), keys));
    } else if (!it->second.IsScalar() || !set(key, it->second.Scalar())) {
      errors.Add(it->second,
                 absl::StrCat(section, ".", key, " has an invalid value"));
    }
  }
}

bool SetPositive(const std::string& text, int* out) {
  int value = 0;
  if (!absl::SimpleAtoi(text, &value) || value < 1) return false;
  *out = value;
  return true;
}

// A positive whole number of `unit`s.
bool SetPositive(const std::string& text, absl::Duration unit,
                 absl::Duration* out) {
  int value = 0;
  if (!SetPositive(text, &value)) return false;
  *out = value * unit;
  return true;
}

// `metrics: 9598` or `metrics: { address: 127.0.0.1, port: 9598 }`.
void ParseMetrics(const YAML::Node& node, PipelineConfig& config,
                  ErrorList& errors) {
  auto port = [&](const YAML::Node& value) {
    int number = -1;
    if (!value.IsScalar() || !absl::SimpleAtoi(value.Scalar(), &number) ||
        number < 0 || number > 65535) {
      errors.Add(value,
                 "metrics port must be an integer from 0 to 65535 "
                 "(0: any free port)");
      return;
    }
    config.metrics_port = number;
  };
  if (node.IsScalar()) {
    port(node);
    return;
  }
  if (!node.IsMap()) {
    errors.Add(node, "metrics must be a port or { address: ..., port: ... }");
    return;
  }
  config.metrics_port = 9598;
  for (auto it = node.begin(); it != node.end(); ++it) {
    const std::string key = it->first.Scalar();
    if (!IsOneOf(key, kMetricsKeys)) {
      errors.Add(it->first, UnknownKey(key, " in metrics", kMetricsKeys));
    } else if (key == "port") {
      port(it->second);
    } else if (!it->second.IsScalar() || it->second.Scalar().empty()) {
      errors.Add(it->second, "metrics address must be a host name or address");
    } else {
      config.metrics_address = it->second.Scalar();
    }
  }
}

// Most processes one stage may run.
constexpr int kMaxReplicas = 64;

// Reads a count of processes into *count; false (and an error naming `key`)
// when `value` is not an integer from 1 to kMaxReplicas.
bool ParseReplicaCount(const YAML::Node& value, const std::string& key,
                       ErrorList& errors, int* count) {
  int parsed = 0;
  if (!value.IsScalar() || !absl::SimpleAtoi(value.Scalar(), &parsed) ||
      parsed < 1 || parsed > kMaxReplicas) {
    errors.Add(value, absl::StrCat(key, " must be an integer from 1 to ",
                                   kMaxReplicas));
    return false;
  }
  *count = parsed;
  return true;
}

void ParseStage(const std::string& name, const YAML::Node& name_node,
                const YAML::Node& node, PipelineConfig& config,
                ErrorList& errors) {
  StageConfig stage;
  stage.name = name;
  stage.location = errors.LocationOf(name_node);
  if (!IsValidStageName(name)) {
    errors.Add(name_node,
               absl::StrCat("stage name '", name,
                            "' must be 1-64 letters, digits, '_' or '-'"));
  }
  if (!node.IsMap()) {
    errors.Add(node.IsNull() ? name_node : node,
               absl::StrCat("stage '", name,
                            "' must be a map with at least a 'type'"));
    return;
  }
  absl::flat_hash_set<std::string> seen;
  for (auto it = node.begin(); it != node.end(); ++it) {
    const std::string key = it->first.Scalar();
    const YAML::Node value = it->second;
    if (!seen.insert(key).second) {
      errors.Add(it->first, absl::StrCat("duplicate key '", key, "' in stage '",
                                         name, "'"));
      continue;
    }
    if (key == "type") {
      if (!value.IsScalar() || value.Scalar().empty()) {
        errors.Add(value, "type must be a stage type name");
      } else {
        stage.type = value.Scalar();
        stage.type_location = errors.LocationOf(value);
      }
    } else if (key == "inputs") {
      stage.inputs = StringList(value, errors, "inputs");
    } else if (key == "rate_limit") {
      double rate = 0;
      if (!value.IsScalar() || !absl::SimpleAtod(value.Scalar(), &rate) ||
          rate < 0) {
        errors.Add(value, "rate_limit must be a number of inputs per second");
      } else {
        stage.rate_limit = rate;
      }
    } else if (key == "host") {
      stage.hosts = StringList(value, errors, "host");
      stage.host_location = errors.LocationOf(value);
      if (stage.hosts.empty()) {
        errors.Add(value, "host must be a host name or a list of host names");
      }
    } else if (key == "annotate_replicas") {
      if (ParseReplicaCount(value, key, errors, &stage.annotate_replicas)) {
        stage.annotate_replicas_location = errors.LocationOf(value);
      }
    } else if (key == "replicas") {
      ParseReplicaCount(value, key, errors, &stage.replicas);
    } else {
      stage.options.push_back(
          StageOption{key, value, errors.LocationOf(it->first)});
    }
  }
  if (stage.type.empty() && seen.count("type") == 0) {
    errors.Add(name_node, absl::StrCat("stage '", name, "' has no 'type'"));
  }
  if (stage.hosts.size() > 1) {
    if (!seen.contains("replicas")) {
      stage.replicas = static_cast<int>(stage.hosts.size());
    } else if (static_cast<int>(stage.hosts.size()) > stage.replicas) {
      errors.Add(
          stage.host_location,
          absl::StrCat("stage '", name, "' is placed on ", stage.hosts.size(),
                       " hosts but has only ", stage.replicas,
                       " replicas (replica i runs on host i mod ",
                       stage.hosts.size(), ")"));
    }
  }
  config.stages.push_back(std::move(stage));
}

// Writes each `tag` stage with `annotate_replicas` out as the two stages it
// runs as: NAME-annotate (the replicable half, on the tag's inputs) and NAME
// itself as link (the stateful half), so stages reading NAME are unchanged.
// Both get the tag's options: they share TagOptions, and annotate computes
// what the options enable for link.
void ExpandTagSplits(PipelineConfig& config, ErrorList& errors) {
  absl::flat_hash_set<std::string> names;
  for (const StageConfig& stage : config.stages) names.insert(stage.name);
  std::vector<StageConfig> stages;
  stages.reserve(config.stages.size());
  for (StageConfig& stage : config.stages) {
    if (stage.annotate_replicas == 0) {
      stages.push_back(std::move(stage));
      continue;
    }
    if (stage.type != "tag") {
      errors.Add(stage.annotate_replicas_location,
                 absl::StrCat("annotate_replicas applies to type tag only "
                              "(stage '",
                              stage.name, "' is type ", stage.type, ")"));
      stages.push_back(std::move(stage));
      continue;
    }
    if (stage.replicas != 1) {
      errors.Add(stage.annotate_replicas_location,
                 absl::StrCat("stage '", stage.name,
                              "' sets both replicas and annotate_replicas: "
                              "its link half keeps the stream's state and "
                              "runs as one process"));
    }
    StageConfig annotate = stage;
    annotate.name = absl::StrCat(stage.name, "-annotate");
    if (names.contains(annotate.name)) {
      errors.Add(stage.annotate_replicas_location,
                 absl::StrCat("annotate_replicas names a stage '",
                              annotate.name, "', which the file already has"));
    }
    annotate.type = "annotate";
    annotate.split_of = stage.name;
    annotate.replicas = stage.annotate_replicas;
    annotate.annotate_replicas = 0;
    stage.type = "link";
    stage.inputs = {annotate.name};
    stage.hosts.resize(std::min<size_t>(stage.hosts.size(), 1));
    stage.rate_limit = 0;  // the annotate half takes the input rate
    stages.push_back(std::move(annotate));
    stages.push_back(std::move(stage));
  }
  config.stages = std::move(stages);
}

// `hosts: { NAME: { address, public_key, secret_key_file, bind, base_port } }`
void ParseHosts(const YAML::Node& node, PipelineConfig& config,
                ErrorList& errors) {
  if (!node.IsMap() || node.size() == 0) {
    errors.Add(node,
               "hosts must be a map of host name to { address, public_key, "
               "secret_key_file }");
    return;
  }
  for (auto it = node.begin(); it != node.end(); ++it) {
    HostConfig host;
    host.name = it->first.Scalar();
    host.location = errors.LocationOf(it->first);
    if (!IsValidStageName(host.name)) {
      errors.Add(it->first, absl::StrCat("host name '", host.name,
                                         "' must be 1-64 letters, digits, "
                                         "'_' or '-'"));
    }
    if (config.FindHost(host.name) != nullptr) {
      errors.Add(it->first, absl::StrCat("duplicate host '", host.name, "'"));
      continue;
    }
    const YAML::Node body = it->second;
    if (!body.IsMap()) {
      errors.Add(body.IsNull() ? it->first : body,
                 absl::StrCat("host '", host.name,
                              "' must be a map with at least an 'address'"));
      continue;
    }
    for (auto field = body.begin(); field != body.end(); ++field) {
      const std::string key = field->first.Scalar();
      const YAML::Node value = field->second;
      if (!IsOneOf(key, kHostKeys)) {
        errors.Add(field->first,
                   UnknownKey(key, absl::StrCat(" in host '", host.name, "'"),
                              kHostKeys));
        continue;
      }
      if (!value.IsScalar() || value.Scalar().empty()) {
        errors.Add(value, absl::StrCat("host '", host.name, "': ", key,
                                       " must be a non-empty string"));
        continue;
      }
      const std::string& text = value.Scalar();
      if (key == "address") {
        host.address = text;
      } else if (key == "bind") {
        host.bind = text;
      } else if (key == "public_key") {
        host.public_key = text;
        if (absl::Status status = CheckZ85Key(text); !status.ok()) {
          errors.Add(value, absl::StrCat("host '", host.name, "': public_key: ",
                                         std::string(status.message())));
        }
      } else if (key == "secret_key_file") {
        host.secret_key_file = ResolvePath(config.directory, text);
        host.secret_key_location = errors.LocationOf(value);
      } else if (key == "base_port") {
        if (!absl::SimpleAtoi(text, &host.base_port) || host.base_port < 1024 ||
            host.base_port > 65000) {
          errors.Add(value, "base_port must be an integer from 1024 to 65000");
        }
      }
    }
    if (host.address.empty()) {
      errors.Add(it->first, absl::StrCat("host '", host.name,
                                         "' needs an 'address' (IP or name "
                                         "the other hosts reach it at)"));
    }
    if (host.bind.empty()) host.bind = host.address;
    config.hosts.push_back(std::move(host));
  }
}

// `clients: { NAME: PUBLIC_KEY }`: keys that may tail and top.
void ParseClients(const YAML::Node& node, PipelineConfig& config,
                  ErrorList& errors) {
  if (!node.IsMap()) {
    errors.Add(node, "clients must be a map of client name to public key");
    return;
  }
  for (auto it = node.begin(); it != node.end(); ++it) {
    ClientConfig client;
    client.name = it->first.Scalar();
    client.location = errors.LocationOf(it->first);
    const YAML::Node value = it->second;
    if (!value.IsScalar()) {
      errors.Add(value.IsNull() ? it->first : value,
                 absl::StrCat("client '", client.name,
                              "' must be a public key (Z85 text)"));
      continue;
    }
    client.public_key = value.Scalar();
    if (absl::Status status = CheckZ85Key(client.public_key); !status.ok()) {
      errors.Add(value, absl::StrCat("client '", client.name,
                                     "': ", std::string(status.message())));
    }
    config.clients.push_back(std::move(client));
  }
}

bool IsLoopback(const std::string& address) {
  return absl::StartsWith(address, "127.") || address == "localhost" ||
         address == "::1";
}

// Placement and keys: every stage on a declared host, every host with keys
// (or insecure: true, warned about), no key listed twice.
void CheckPlacement(PipelineConfig& config, const TransportSeen& transport,
                    const SourceLocation& insecure_location,
                    ErrorList& errors) {
  if (config.hosts.empty()) {
    for (const auto& stage : config.stages) {
      if (!stage.hosts.empty()) {
        errors.Add(stage.host_location,
                   absl::StrCat("stage '", stage.name, "' names host '",
                                stage.hosts[0],
                                "' but the config declares no 'hosts:'"));
      }
    }
    if (config.transport == Transport::kTcp && !IsLoopback(config.tcp_host)) {
      config.warnings.push_back(FormatAt(
          transport.host.value_or(SourceLocation{config.display_path, 1, 1}),
          absl::StrCat("warning: plaintext TCP on ", config.tcp_host,
                       ": anyone who reaches these ports can read and inject "
                       "articles; declare hosts: with keys for CURVE")));
    }
    return;
  }
  config.transport = Transport::kTcp;
  if (transport.ipc) {
    errors.Add(*transport.ipc,
               "transport ipc cannot reach other hosts; with 'hosts:' the "
               "transport is tcp");
  }
  if (transport.host) {
    errors.Add(*transport.host,
               "transport.host does not apply with 'hosts:' (each host has "
               "its own address)");
  }
  std::vector<std::string> names;
  for (const auto& host : config.hosts) names.push_back(host.name);
  for (const auto& stage : config.stages) {
    if (stage.hosts.empty()) {
      errors.Add(stage.location,
                 absl::StrCat("stage '", stage.name,
                              "' needs 'host: NAME' (the config declares "
                              "hosts: ",
                              absl::StrJoin(names, ", "), ")"));
    }
    for (const auto& name : stage.hosts) {
      if (config.FindHost(name) == nullptr) {
        errors.Add(stage.host_location,
                   absl::StrCat("stage '", stage.name, "' is placed on host '",
                                name, "', which is not declared under hosts: (",
                                absl::StrJoin(names, ", "), ")"));
      }
    }
  }
  absl::flat_hash_map<std::string, std::string> owner;
  auto claim = [&](const std::string& key, const std::string& who,
                   const SourceLocation& where) {
    if (key.empty()) return;
    auto [it, inserted] = owner.emplace(key, who);
    if (!inserted) {
      errors.Add(where,
                 absl::StrCat(who, " has the same public key as ", it->second,
                              "; every host and client needs its own "
                              "key pair"));
    }
  };
  for (const auto& host : config.hosts) {
    claim(host.public_key, absl::StrCat("host '", host.name, "'"),
          host.location);
    if (config.insecure) continue;
    if (host.public_key.empty()) {
      errors.Add(host.location,
                 absl::StrCat("host '", host.name,
                              "' has no public_key (make a pair with "
                              "`newsflow keygen ",
                              host.name,
                              "`), or set 'insecure: true' for plaintext TCP"));
    }
    if (host.secret_key_file.empty()) {
      errors.Add(host.location,
                 absl::StrCat("host '", host.name,
                              "' has no secret_key_file (where its secret key "
                              "is on that host)"));
    }
  }
  for (const auto& client : config.clients) {
    claim(client.public_key, absl::StrCat("client '", client.name, "'"),
          client.location);
  }
  if (config.insecure) {
    config.warnings.push_back(FormatAt(
        insecure_location,
        "warning: insecure: true: TCP between hosts is plaintext and "
        "unauthenticated; anyone who reaches these ports can read and inject "
        "articles"));
  }
}

void CheckGraph(const PipelineConfig& config, ErrorList& errors) {
  absl::flat_hash_map<std::string, const StageConfig*> by_name;
  for (const auto& stage : config.stages) by_name[stage.name] = &stage;
  for (const auto& stage : config.stages) {
    absl::flat_hash_set<std::string> seen;
    for (const auto& input : stage.inputs) {
      if (!by_name.contains(input)) {
        std::vector<std::string> names;
        for (const auto& other : config.stages) names.push_back(other.name);
        errors.Add(stage.location,
                   absl::StrCat("stage '", stage.name, "' reads from '", input,
                                "', which is not a stage in this pipeline",
                                DidYouMean(input, names)));
      } else if (input == stage.name) {
        errors.Add(stage.location,
                   absl::StrCat("stage '", stage.name, "' reads from itself"));
      } else if (!seen.insert(input).second) {
        errors.Add(stage.location,
                   absl::StrCat("stage '", stage.name, "' lists input '", input,
                                "' twice"));
      }
    }
  }
  // Cycle detection: depth-first search with colours.
  enum Colour { kWhite, kGrey, kBlack };
  absl::flat_hash_map<std::string, Colour> colour;
  std::vector<std::string> path;
  std::function<bool(const StageConfig&)> visit = [&](const StageConfig& s) {
    colour[s.name] = kGrey;
    path.push_back(s.name);
    for (const auto& input : s.inputs) {
      auto it = by_name.find(input);
      if (it == by_name.end() || input == s.name) continue;
      if (colour[input] == kGrey) {
        auto start = std::find(path.begin(), path.end(), input);
        std::vector<std::string> cycle(start, path.end());
        cycle.push_back(input);
        errors.Add(s.location, absl::StrCat("stages form a cycle: ",
                                            absl::StrJoin(cycle, " <- ")));
        return true;
      }
      if (colour[input] == kWhite && visit(*it->second)) return true;
    }
    path.pop_back();
    colour[s.name] = kBlack;
    return false;
  };
  for (const auto& stage : config.stages) {
    if (colour[stage.name] == kWhite && visit(stage)) break;
  }
}

std::string AbsolutePath(const std::string& path) {
  std::error_code error;
  fs::path absolute = fs::absolute(path, error);
  return error ? path : absolute.lexically_normal().string();
}

}  // namespace

std::string FormatAt(const SourceLocation& location,
                     absl::string_view message) {
  return absl::StrCat(location.file, ":", location.line, ":", location.column,
                      ": ", message);
}

const StageConfig* PipelineConfig::FindStage(absl::string_view name) const {
  for (const auto& stage : stages) {
    if (stage.name == name) return &stage;
  }
  return nullptr;
}

const HostConfig* PipelineConfig::FindHost(absl::string_view name) const {
  for (const auto& host : hosts) {
    if (host.name == name) return &host;
  }
  return nullptr;
}

absl::Status CheckHostKeyFile(const PipelineConfig& config,
                              const std::string& host_name) {
  const HostConfig* host = config.FindHost(host_name);
  if (host == nullptr) {
    std::vector<std::string> names;
    for (const auto& h : config.hosts) names.push_back(h.name);
    return absl::InvalidArgumentError(absl::StrCat(
        config.display_path, ": no host '", host_name, "' under hosts: (",
        names.empty() ? "the config declares none" : absl::StrJoin(names, ", "),
        ")"));
  }
  if (config.insecure && host->secret_key_file.empty()) return absl::OkStatus();
  absl::StatusOr<KeyPair> pair = ReadSecretKeyFile(host->secret_key_file);
  if (!pair.ok()) {
    return absl::Status(pair.status().code(),
                        FormatAt(host->secret_key_location,
                                 std::string(pair.status().message())));
  }
  if (pair->public_key != host->public_key) {
    return absl::InvalidArgumentError(
        FormatAt(host->secret_key_location,
                 absl::StrCat("the secret key in ", host->secret_key_file,
                              " belongs to public key ", pair->public_key,
                              ", not to host '", host_name, "''s public_key ",
                              host->public_key)));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ExpandVariables(
    absl::string_view text,
    const std::function<const char*(const std::string&)>& lookup) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '$' || i + 1 >= text.size() ||
        (text[i + 1] != '$' && text[i + 1] != '{')) {
      out.push_back(text[i]);
      continue;
    }
    if (text[i + 1] == '$') {
      out.push_back('$');
      ++i;
      continue;
    }
    const size_t close = text.find('}', i + 2);
    if (close == absl::string_view::npos) {
      return absl::InvalidArgumentError(absl::StrCat(
          "unterminated ${ (write $$ for a literal $): ", text.substr(i)));
    }
    const absl::string_view inside = text.substr(i + 2, close - i - 2);
    const size_t dash = inside.find(":-");
    const std::string name(inside.substr(0, dash));
    const bool named =
        !name.empty() &&
        !absl::ascii_isdigit(static_cast<unsigned char>(name[0])) &&
        std::all_of(name.begin(), name.end(), [](char c) {
          return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_';
        });
    if (!named) {
      return absl::InvalidArgumentError(
          absl::StrCat("'", name,
                       "' is not an environment variable name (letters, "
                       "digits and _, not starting with a digit)"));
    }
    const char* value = lookup(name);
    if (dash != absl::string_view::npos) {
      absl::StrAppend(&out, value != nullptr && *value != '\0'
                                ? absl::string_view(value)
                                : inside.substr(dash + 2));
    } else if (value == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          "environment variable ", name, " is not set (give a default with ${",
          name, ":-DEFAULT})"));
    } else {
      out.append(value);
    }
    i = close;
  }
  return out;
}

namespace {

// Deeper than any real config; bounds the recursion below on hostile
// input (found by the config fuzzer: thousands of nested brackets).
constexpr int kMaxConfigDepth = 64;

// Expands ${VAR} in every scalar value under `node`, in place; errors at
// the value's own position.
void ExpandEnvironment(YAML::Node node, ErrorList& errors, int depth = 0) {
  if (depth > kMaxConfigDepth) {
    errors.Add(node,
               absl::StrCat("nested deeper than ", kMaxConfigDepth, " levels"));
    return;
  }
  if (node.IsScalar()) {
    if (node.Scalar().find('$') == std::string::npos) return;
    absl::StatusOr<std::string> expanded = ExpandVariables(
        node.Scalar(),
        [](const std::string& name) { return getenv(name.c_str()); });
    if (!expanded.ok()) {
      errors.Add(node, expanded.status().message());
    } else {
      node = *expanded;
    }
  } else if (node.IsSequence()) {
    for (auto item : node) ExpandEnvironment(item, errors, depth + 1);
  } else if (node.IsMap()) {
    for (auto it = node.begin(); it != node.end(); ++it) {
      // CURVE public keys are Z85, whose alphabet has '$', '{' and '}': a
      // key is never a template, and expanding one would corrupt it.
      const std::string key = it->first.Scalar();
      if (key == "public_key" || (depth == 0 && key == "clients")) continue;
      ExpandEnvironment(it->second, errors, depth + 1);
    }
  }
}

}  // namespace

namespace {

void ValidateStagesInto(const PipelineConfig& config,
                        const StageRegistry& registry, ErrorList& errors);

// Every structural check of a config, errors into `errors`; the config
// holds what did parse. False when there is nothing to check further (the
// YAML does not parse, or is not a map).
bool ParseConfigInto(const std::string& text, const std::string& path,
                     PipelineConfig& config, ErrorList& errors) {
  config.path = AbsolutePath(path);
  config.directory = fs::path(config.path).parent_path().string();
  config.display_path = path;

  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    errors.Add(SourceLocation{path, e.mark.line + 1, e.mark.column + 1},
               absl::StrCat("YAML syntax error: ", e.msg));
    return false;
  }
  if (!root.IsMap()) {
    errors.Add(SourceLocation{path, 1, 1},
               "a pipeline config must be a map with 'pipeline' and 'stages'");
    return false;
  }
  ExpandEnvironment(root, errors);
  absl::flat_hash_set<std::string> seen;
  TransportSeen transport_seen;
  SourceLocation insecure_location{path, 1, 1};
  for (auto it = root.begin(); it != root.end(); ++it) {
    const std::string key = it->first.Scalar();
    const YAML::Node value = it->second;
    if (!seen.insert(key).second) {
      errors.Add(it->first, absl::StrCat("duplicate key '", key, "'"));
      continue;
    }
    if (!IsOneOf(key, kPipelineKeys)) {
      errors.Add(it->first, UnknownKey(key, "", kPipelineKeys));
    } else if (key == "pipeline") {
      if (!value.IsScalar() || !IsValidStageName(value.Scalar())) {
        errors.Add(value,
                   "pipeline must be a name of letters, digits, '_' or '-'");
      } else {
        config.pipeline = value.Scalar();
      }
    } else if (key == "stages") {
      if (!value.IsMap() || value.size() == 0) {
        errors.Add(value, "stages must be a map of stage name to stage");
        continue;
      }
      absl::flat_hash_set<std::string> names;
      for (auto s = value.begin(); s != value.end(); ++s) {
        const std::string name = s->first.Scalar();
        if (!names.insert(name).second) {
          errors.Add(s->first, absl::StrCat("duplicate stage '", name, "'"));
          continue;
        }
        ParseStage(name, s->first, s->second, config, errors);
      }
    } else if (key == "plugin_path") {
      for (const auto& p : StringList(value, errors, "plugin_path")) {
        config.plugin_paths.push_back(ResolvePath(config.directory, p));
      }
    } else if (key == "run_dir") {
      if (!value.IsScalar()) {
        errors.Add(value, "run_dir must be a path");
      } else {
        config.run_dir = ResolvePath(config.directory, value.Scalar());
      }
    } else if (key == "transport") {
      ParseTransport(value, config, errors, transport_seen);
    } else if (key == "hosts") {
      ParseHosts(value, config, errors);
    } else if (key == "clients") {
      ParseClients(value, config, errors);
    } else if (key == "insecure") {
      insecure_location = errors.LocationOf(value);
      if (!value.IsScalar() || !ParseBool(value.Scalar(), &config.insecure)) {
        errors.Add(value, "insecure must be true or false");
      }
    } else if (key == "metrics") {
      ParseMetrics(value, config, errors);
    } else if (key == "state_dir") {
      if (!value.IsScalar()) {
        errors.Add(value, "state_dir must be a path");
      } else {
        config.state_dir = ResolvePath(config.directory, value.Scalar());
      }
    } else if (key == "delivery") {
      ParseSettings(value, "delivery", kDeliveryKeys, errors,
                    [&](const std::string& k, const std::string& v) {
                      if (k == "acks") {
                        return ParseBool(v, &config.delivery.acks);
                      }
                      if (k == "ack_timeout_ms") {
                        return SetPositive(v, &config.delivery.ack_timeout_ms);
                      }
                      return SetPositive(v, &config.delivery.max_in_flight);
                    });
    } else if (key == "restart") {
      ParseSettings(value, "restart", kRestartKeys, errors,
                    [&](const std::string& k, const std::string& v) {
                      RestartPolicy& policy = config.restart;
                      if (k == "max_restarts") {
                        return SetPositive(v, &policy.max_restarts);
                      }
                      if (k == "window_seconds") {
                        return SetPositive(v, absl::Seconds(1), &policy.window);
                      }
                      if (k == "backoff_initial_ms") {
                        return SetPositive(v, absl::Milliseconds(1),
                                           &policy.initial_backoff);
                      }
                      return SetPositive(v, absl::Milliseconds(1),
                                         &policy.max_backoff);
                    });
    }
  }
  if (config.state_dir.empty() && !config.pipeline.empty()) {
    config.state_dir =
        absl::StrCat(config.directory, "/.newsflow/", config.pipeline);
  }
  if (!seen.contains("pipeline")) {
    errors.Add(SourceLocation{path, 1, 1}, "missing 'pipeline: NAME'");
  }
  if (!seen.contains("stages")) {
    errors.Add(SourceLocation{path, 1, 1}, "missing 'stages:'");
  }
  ExpandTagSplits(config, errors);
  CheckGraph(config, errors);
  CheckPlacement(config, transport_seen, insecure_location, errors);
  return true;
}

absl::StatusOr<std::string> ReadConfigText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat(path, ": cannot read config: ", strerror(errno)));
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

}  // namespace

absl::StatusOr<PipelineConfig> ParseConfig(const std::string& text,
                                           const std::string& path) {
  PipelineConfig config;
  ErrorList errors(path);
  ParseConfigInto(text, path, config, errors);
  if (!errors.empty()) return errors.ToStatus();
  return config;
}

absl::StatusOr<PipelineConfig> LoadConfig(const std::string& path) {
  absl::StatusOr<std::string> text = ReadConfigText(path);
  if (!text.ok()) return text.status();
  return ParseConfig(*text, path);
}

absl::StatusOr<PipelineConfig> CheckConfig(
    const std::string& path,
    const std::function<StageRegistry(const PipelineConfig&)>& registry_for) {
  absl::StatusOr<std::string> text = ReadConfigText(path);
  if (!text.ok()) return text.status();
  PipelineConfig config;
  ErrorList errors(path);
  if (ParseConfigInto(*text, path, config, errors)) {
    ValidateStagesInto(config, registry_for(config), errors);
  }
  if (!errors.empty()) return errors.ToStatus();
  return config;
}

namespace {

// Where a validator's message points: its first "OPTION", "OPTION[INDEX]"
// or "OPTION[INDEX].KEY" naming one of the stage's options, resolved to
// that YAML node (a key's own position for KEY); else the stage's name.
SourceLocation LocateOptionPath(const std::string& path,
                                const StageConfig& stage,
                                const std::string& message) {
  const StageOption* found = nullptr;
  size_t found_at = std::string::npos;
  for (const auto& option : stage.options) {
    for (size_t at = message.find(option.name); at != std::string::npos;
         at = message.find(option.name, at + 1)) {
      const size_t end = at + option.name.size();
      const bool starts = at == 0 || message[at - 1] == ' ';
      const bool ends =
          end < message.size() &&
          (message[end] == '[' || message[end] == ':' || message[end] == '.');
      if (starts && ends && at < found_at) {
        found = &option;
        found_at = at;
      }
    }
  }
  if (found == nullptr) return stage.location;
  auto at_mark = [&path](const YAML::Mark& mark) {
    return SourceLocation{path, mark.line + 1, mark.column + 1};
  };
  YAML::Node node = found->value;
  SourceLocation location = at_mark(node.Mark());
  size_t i = found_at + found->name.size();
  if (i < message.size() && message[i] == '[') {
    size_t close = message.find(']', i);
    int index = 0;
    if (close == std::string::npos ||
        !absl::SimpleAtoi(message.substr(i + 1, close - i - 1), &index) ||
        !node.IsSequence() || index < 0 ||
        static_cast<size_t>(index) >= node.size()) {
      return location;
    }
    node = node[static_cast<size_t>(index)];
    location = at_mark(node.Mark());
    i = close + 1;
  }
  if (i < message.size() && message[i] == '.' && node.IsMap()) {
    size_t end = message.find_first_of(": ", i + 1);
    const std::string key = message.substr(
        i + 1, end == std::string::npos ? std::string::npos : end - i - 1);
    for (auto it = node.begin(); it != node.end(); ++it) {
      if (it->first.Scalar() == key) return at_mark(it->first.Mark());
    }
  }
  return location;
}

// Where a problem's field path ("sources[2].url") points in the stage's
// YAML: the deepest node the path reaches (a key's own position for a map
// key); the stage's name when even the option is not there.
SourceLocation LocateFieldPath(const std::string& path,
                               const StageConfig& stage,
                               const std::string& field_path) {
  auto at_mark = [&path](const YAML::Mark& mark) {
    return SourceLocation{path, mark.line + 1, mark.column + 1};
  };
  const size_t option_end = field_path.find_first_of(".[");
  const std::string option_name = field_path.substr(0, option_end);
  const StageOption* option = nullptr;
  for (const auto& candidate : stage.options) {
    if (candidate.name == option_name) option = &candidate;
  }
  if (option == nullptr) return stage.location;
  YAML::Node node = option->value;
  SourceLocation location = at_mark(node.Mark());
  size_t i = option_end;
  while (i != std::string::npos && i < field_path.size()) {
    if (field_path[i] == '[') {
      const size_t close = field_path.find(']', i);
      size_t index = 0;
      if (close == std::string::npos ||
          !absl::SimpleAtoi(field_path.substr(i + 1, close - i - 1), &index) ||
          !node.IsSequence() || index >= node.size()) {
        return location;
      }
      node = node[index];
      location = at_mark(node.Mark());
      i = close + 1;
      continue;
    }
    // '.': a key of a map.
    const size_t end = field_path.find_first_of(".[", i + 1);
    const std::string key = field_path.substr(
        i + 1, end == std::string::npos ? std::string::npos : end - i - 1);
    if (!node.IsMap()) return location;
    bool found = false;
    for (auto it = node.begin(); it != node.end(); ++it) {
      if (it->first.Scalar() == key) {
        location = at_mark(it->first.Mark());
        node = it->second;
        found = true;
        break;
      }
    }
    if (!found) return location;
    i = end;
  }
  return location;
}

}  // namespace

std::vector<std::string> MissingInputWarnings(const PipelineConfig& config,
                                              const StageRegistry& registry) {
  std::vector<std::string> warnings;
  for (const auto& stage : config.stages) {
    const RegisteredStageType* registered = registry.Find(stage.type);
    if (registered == nullptr || registered->type->kind != NF_STAGE_SOURCE) {
      continue;
    }
    for (const auto& option : stage.options) {
      const nf_option_spec* spec = FindOption(*registered->type, option.name);
      if (spec == nullptr || spec->type != NF_OPTION_PATH_LIST ||
          !option.value.IsSequence()) {
        continue;
      }
      for (const YAML::Node& item : option.value) {
        if (!item.IsScalar() || item.Scalar().empty()) continue;
        std::error_code error;
        if (fs::exists(ResolvePath(config.directory, item.Scalar()), error)) {
          continue;
        }
        const YAML::Mark mark = item.Mark();
        warnings.push_back(FormatAt(
            SourceLocation{config.display_path, mark.line + 1, mark.column + 1},
            absl::StrCat("warning: stage '", stage.name, "': ", option.name,
                         " entry '", item.Scalar(),
                         "' does not exist (now); nothing will be read from "
                         "it")));
      }
    }
  }
  return warnings;
}

namespace {

void ValidateStagesInto(const PipelineConfig& config,
                        const StageRegistry& registry, ErrorList& errors) {
  for (const auto& stage : config.stages) {
    const RegisteredStageType* registered = registry.Find(stage.type);
    if (registered == nullptr) {
      const std::string known = registry.TypeNames();
      std::string message = absl::StrCat(
          "unknown stage type '", stage.type, "' for stage '", stage.name, "'",
          DidYouMean(stage.type, absl::StrSplit(known, ", ")),
          " (known: ", known, ")");
      for (const auto& broken : registry.broken()) {
        absl::StrAppend(&message,
                        "\n  note: plugin library not loaded: ", broken.reason);
      }
      errors.Add(stage.type_location, message);
      continue;
    }
    const nf_stage_type& type = *registered->type;
    bool stage_ok = true;
    auto add = [&](const SourceLocation& location, absl::string_view message) {
      errors.Add(location, message);
      stage_ok = false;
    };
    if (type.kind == NF_STAGE_SOURCE && !stage.inputs.empty()) {
      add(stage.location,
          absl::StrCat("stage '", stage.name, "' is a ", type.name,
                       " source and takes no inputs"));
    }
    if (type.kind != NF_STAGE_SOURCE && stage.inputs.empty()) {
      add(stage.location, absl::StrCat("stage '", stage.name, "' (", type.name,
                                       ") needs 'inputs: [STAGE, ...]'"));
    }
    for (const auto& input : stage.inputs) {
      const StageConfig* upstream = config.FindStage(input);
      if (upstream == nullptr) continue;
      const RegisteredStageType* up = registry.Find(upstream->type);
      if (up != nullptr && up->type->kind == NF_STAGE_SINK) {
        add(stage.location,
            absl::StrCat("stage '", stage.name, "' reads from '", input,
                         "', a ", up->type->name, " sink that emits nothing"));
      }
    }
    // The annotate half of a split tag carries the tag's options, which the
    // link half (the same option schema) reports on: once is enough.
    if (!stage.split_of.empty()) continue;
    absl::flat_hash_set<std::string> given;
    for (const auto& option : stage.options) {
      given.insert(option.name);
      const nf_option_spec* spec = FindOption(type, option.name);
      if (spec == nullptr) {
        add(option.location,
            absl::StrCat(
                "unknown key '", option.name, "' in stage '", stage.name, "'",
                DidYouMean(option.name,
                           absl::StrSplit(OptionNames(type), ", ")),
                " (type ", type.name, "; options: ", OptionNames(type), ")"));
        continue;
      }
      absl::StatusOr<Value> value =
          TypedValue(option.value, spec->type, config.directory);
      if (!value.ok()) {
        YAML::Mark mark = option.value.Mark();
        add(SourceLocation{stage.location.file, mark.line + 1, mark.column + 1},
            absl::StrCat("option '", option.name, "' of stage '", stage.name,
                         "': ", std::string(value.status().message())));
      }
    }
    for (size_t i = 0; i < type.option_count; ++i) {
      const nf_option_spec& spec = type.options[i];
      if (spec.default_value == nullptr && !given.contains(spec.name)) {
        add(stage.location,
            absl::StrCat("stage '", stage.name, "' needs option '", spec.name,
                         "' (", spec.help, ")"));
      }
    }
    if (stage_ok && registered->validate) {
      absl::StatusOr<std::string> json = StageOptionsJson(config, stage, type);
      std::vector<OptionProblem> problems;
      if (json.ok()) {
        problems = registered->validate(*json);
      } else {
        problems.push_back({"", std::string(json.status().message())});
      }
      for (const OptionProblem& problem : problems) {
        // A problem without a field path may still name its option in the
        // text (validators written before field paths).
        SourceLocation location =
            problem.field_path.empty()
                ? LocateOptionPath(stage.location.file, stage, problem.message)
                : LocateFieldPath(stage.location.file, stage,
                                  problem.field_path);
        add(location, absl::StrCat("stage '", stage.name, "': ",
                                   problem.field_path.empty() ? "" : "option ",
                                   FormatOptionProblems({problem})));
      }
    }
  }
}

}  // namespace

absl::Status ValidateStages(const PipelineConfig& config,
                            const StageRegistry& registry) {
  ErrorList errors(config.display_path);
  ValidateStagesInto(config, registry, errors);
  return errors.ToStatus();
}

absl::StatusOr<std::string> StageOptionsJson(const PipelineConfig& config,
                                             const StageConfig& stage,
                                             const nf_stage_type& type) {
  google::protobuf::Struct options;
  auto& fields = *options.mutable_fields();
  for (size_t i = 0; i < type.option_count; ++i) {
    const nf_option_spec& spec = type.options[i];
    if (spec.default_value == nullptr) continue;
    Value value;
    auto status =
        google::protobuf::util::JsonStringToMessage(spec.default_value, &value);
    if (!status.ok()) {
      return absl::InternalError(
          absl::StrCat("stage type '", type.name, "' declares a default for '",
                       spec.name, "' that is not JSON: ", spec.default_value));
    }
    if (spec.type == NF_OPTION_PATH && value.has_string_value()) {
      value.set_string_value(
          ResolvePath(config.directory, value.string_value()));
    }
    fields[spec.name] = value;
  }
  for (const auto& option : stage.options) {
    const nf_option_spec* spec = FindOption(type, option.name);
    if (spec == nullptr) {
      return absl::InvalidArgumentError(FormatAt(
          option.location, absl::StrCat("unknown key '", option.name,
                                        "' in stage '", stage.name, "'")));
    }
    absl::StatusOr<Value> value =
        TypedValue(option.value, spec->type, config.directory);
    if (!value.ok()) {
      return absl::InvalidArgumentError(
          FormatAt(option.location, value.status().message()));
    }
    fields[option.name] = *value;
  }
  // Keys in sorted order: the same config always yields the same text, which
  // is how a reload tells a changed stage from an unchanged one.
  std::vector<std::string> keys;
  for (const auto& [key, value] : fields) keys.push_back(key);
  std::sort(keys.begin(), keys.end());
  std::string json = "{";
  for (const auto& key : keys) {
    Value name;
    name.set_string_value(key);
    std::string name_json, value_json;
    auto status = google::protobuf::util::MessageToJsonString(name, &name_json);
    if (status.ok()) {
      status =
          google::protobuf::util::MessageToJsonString(fields[key], &value_json);
    }
    if (!status.ok()) return absl::InternalError(std::string(status.message()));
    absl::StrAppend(&json, json.size() > 1 ? "," : "", name_json, ":",
                    value_json);
  }
  json += "}";
  return json;
}

std::vector<std::string> TopologicalOrder(const PipelineConfig& config) {
  std::vector<std::string> order;
  absl::flat_hash_set<std::string> placed;
  // Config order breaks ties, so the order is deterministic.
  bool progress = true;
  while (order.size() < config.stages.size() && progress) {
    progress = false;
    for (const auto& stage : config.stages) {
      if (placed.contains(stage.name)) continue;
      bool ready = true;
      for (const auto& input : stage.inputs) {
        if (!placed.contains(input)) ready = false;
      }
      if (ready) {
        order.push_back(stage.name);
        placed.insert(stage.name);
        progress = true;
      }
    }
  }
  return order;
}

}  // namespace newsflow
