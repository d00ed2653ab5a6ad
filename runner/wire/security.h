// CURVE security for pipelines that span several hosts: key files, the ZAP
// handler that decides who may connect, and socket setup.
//
// Keys are ZeroMQ CURVE key pairs as Z85 text (40 characters each). A
// secret key file holds the secret key on its first line that is neither
// blank nor a '#' comment; its public key is derived from it. Secret key
// files must be readable by their owner only (mode 0600 or stricter):
// anything looser is refused, never silently used.
//
// Two access levels, told apart by the ZAP domain a bound socket carries:
//   kDataDomain     stage inputs and acknowledgement sockets: only host
//                   keys (a client key could inject articles or forge
//                   acknowledgements);
//   kObserveDomain  taps and the runner's status socket: host keys and
//                   client keys (`newsflow tail` / `top --key`).
// libzmq asks the ZAP handler of the binding process's context
// (inproc://zeromq.zap.01) about every CURVE client; without a handler it
// would accept any key, so ZapHandler must be started before the first
// secure bind, and lives as long as the sockets.
#ifndef NEWSFLOW_RUNNER_WIRE_SECURITY_H_
#define NEWSFLOW_RUNNER_WIRE_SECURITY_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "zmq.hpp"

namespace newsflow {

inline constexpr char kDataDomain[] = "newsflow-data";
inline constexpr char kObserveDomain[] = "newsflow-observe";

// A CURVE key pair as Z85 text.
struct KeyPair {
  std::string public_key;
  std::string secret_key;
};

// Whether this libzmq can do CURVE (built with libsodium).
bool CurveAvailable();

absl::StatusOr<KeyPair> GenerateKeyPair();

// OK when `key` is 40 characters of Z85 that decode to 32 bytes.
absl::Status CheckZ85Key(absl::string_view key);

// Writes DIRECTORY/NAME.key (secret, mode 0600, created exclusively unless
// overwrite) and DIRECTORY/NAME.pub (public). Returns the pair.
absl::StatusOr<KeyPair> WriteKeyFiles(const std::string& directory,
                                      const std::string& name, bool overwrite);

// Reads a secret key file: refuses files that group or others may read or
// write, and files that hold no valid key. Errors name the file.
absl::StatusOr<KeyPair> ReadSecretKeyFile(const std::string& path);

// Who may connect: public keys (Z85) per ZAP domain.
struct AccessPolicy {
  absl::flat_hash_set<std::string> data_keys;
  absl::flat_hash_set<std::string> observe_keys;
  // Z85 public key -> a name for log lines ("host b", "client ops").
  absl::flat_hash_map<std::string, std::string> names;
};

// Host keys may connect everywhere, client keys to observe sockets only.
// Map: name -> Z85 public key (std::map or a protobuf map).
template <typename Map>
AccessPolicy MakeAccessPolicy(const Map& host_keys, const Map& client_keys) {
  AccessPolicy policy;
  for (const auto& [name, key] : host_keys) {
    policy.data_keys.insert(key);
    policy.observe_keys.insert(key);
    policy.names[key] = "host " + name;
  }
  for (const auto& [name, key] : client_keys) {
    policy.observe_keys.insert(key);
    policy.names[key] = "client " + name;
  }
  return policy;
}

// Answers ZAP requests for one ZeroMQ context on a thread of its own.
// Rejections are reported through `log` (at most once a minute per key
// and domain, so a client retrying every 100 ms does not flood the log).
class ZapHandler {
 public:
  using LogFunction = std::function<void(const std::string&)>;
  // Binds inproc://zeromq.zap.01 in `context` before returning.
  static absl::StatusOr<std::unique_ptr<ZapHandler>> Start(
      zmq::context_t& context, AccessPolicy policy, LogFunction log);
  ~ZapHandler();
  ZapHandler(const ZapHandler&) = delete;
  ZapHandler& operator=(const ZapHandler&) = delete;

  // Decides one request (exposed for tests): "200" or "400".
  static bool Allowed(const AccessPolicy& policy, absl::string_view domain,
                      absl::string_view mechanism,
                      absl::string_view public_key_z85);

 private:
  ZapHandler(std::unique_ptr<zmq::socket_t> socket, AccessPolicy policy,
             LogFunction log);
  void Loop();
  void Answer(std::vector<zmq::message_t>& request);

  std::unique_ptr<zmq::socket_t> socket_;
  AccessPolicy policy_;
  LogFunction log_;
  absl::flat_hash_map<std::string, int64_t> last_logged_ms_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// Makes `socket` (before bind) a CURVE server with `own` as its key, whose
// clients the ZAP handler checks under `domain`.
void MakeCurveServer(zmq::socket_t& socket, const KeyPair& own,
                     const char* domain);

// Makes the next connect() of `socket` a CURVE client of the server whose
// public key is `server_public_key`. libzmq copies socket options into
// each connection when connect() is called, so one socket may connect to
// servers with different keys by calling this before each connect().
void MakeCurveClient(zmq::socket_t& socket, const KeyPair& own,
                     const std::string& server_public_key);

// TCP keepalive at the ZeroMQ level for sockets between hosts: a peer that
// has not answered for `timeout_ms` is disconnected, so a PUSH stops
// routing messages to a lost host (what was queued for it is re-sent by
// the source journal) instead of waiting for TCP to give up.
void SetHeartbeat(zmq::socket_t& socket, int interval_ms, int timeout_ms);

}  // namespace newsflow

#endif  // NEWSFLOW_RUNNER_WIRE_SECURITY_H_
