// Asks a running `newsflow run` for its v1::PipelineStatus over the REP
// socket at PipelinePlan::status_endpoint (see supervisor.h).
//
// REQ/REP is lock-step: a REQ socket whose request got no reply cannot send
// again. So a request that times out closes its socket (linger 0) and the
// next Fetch() starts a fresh one; a caller may poll a pipeline that is not
// running yet, or was restarted, without ever hanging.
#ifndef NEWSFLOW_RUNNER_WIRE_STATUS_CLIENT_H_
#define NEWSFLOW_RUNNER_WIRE_STATUS_CLIENT_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "newsflow/v1/control.pb.h"
#include "runner/wire/security.h"

namespace zmq {
class context_t;
class socket_t;
}  // namespace zmq

namespace newsflow {

// Keys for a CURVE-protected status endpoint (pipelines on several hosts).
struct StatusClientKeys {
  KeyPair own;             // a client (or host) key listed in the config
  std::string server_key;  // the public key of the host that answers
};

class StatusClient {
 public:
  explicit StatusClient(std::string endpoint,
                        std::optional<StatusClientKeys> keys = std::nullopt);
  ~StatusClient();
  StatusClient(const StatusClient&) = delete;
  StatusClient& operator=(const StatusClient&) = delete;

  // Something the caller must keep serving while it waits for the reply:
  // `ready` is called whenever `socket` (a libzmq socket handle) is
  // readable. Two runners that ask each other at the same moment would
  // otherwise each wait out the other's timeout.
  struct WhileWaiting {
    void* socket = nullptr;
    std::function<void()> ready;
  };

  // Unavailable when nothing answers within `timeout` (no runner, or one
  // that is busy); DataLoss when the reply is not a PipelineStatus.
  absl::StatusOr<v1::PipelineStatus> Fetch(
      absl::Duration timeout, const WhileWaiting* while_waiting = nullptr);

  const std::string& endpoint() const { return endpoint_; }

 private:
  std::string endpoint_;
  std::optional<StatusClientKeys> keys_;
  std::unique_ptr<zmq::context_t> context_;
  std::unique_ptr<zmq::socket_t> socket_;
};

}  // namespace newsflow

#endif  // NEWSFLOW_RUNNER_WIRE_STATUS_CLIENT_H_
