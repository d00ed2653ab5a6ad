// Wiring: the ZeroMQ sockets of one stage process, as its StageLaunch
// describes them, and nothing of what flows through them.
//   input     PULL, bound (not for sources);
//   outputs   one PUSH per consumer stage, connected to its replicas;
//   acks in   PULL, bound by a source for the acknowledgements it gets;
//   acks out  PUSH to each source this stage acknowledges, opened lazily;
//   commands  PULL, bound, for the runner's StageCommands;
//   tap       XPUB, bound (runner/host/tap.h);
//   control   PUSH to the runner, for StageReports.
// Between hosts, sockets are CURVE servers (ZAP decides whose keys get
// in) or clients of a known server key, with heartbeats that drop a
// silent peer.
//
// Errors come back as absl::Status; nothing here logs except the ZAP
// handler's refusals, through the `warn` callback.
#ifndef NEWSFLOW_RUNNER_HOST_WIRING_H_
#define NEWSFLOW_RUNNER_HOST_WIRING_H_

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "newsflow/v1/control.pb.h"
#include "runner/host/tap.h"
#include "runner/wire/security.h"
#include "zmq.hpp"

namespace newsflow {

// How long closing an output may wait for its queue to be delivered.
inline constexpr int kOutputLingerMs = 30000;

class Wiring {
 public:
  struct Output {
    v1::OutputLink link;
    std::unique_ptr<zmq::socket_t> socket;
  };
  // Hears of a send waiting on a full output (downstream is slow), so
  // the process can go on reporting, and decides when to give up.
  class FullOutputWait {
   public:
    virtual ~FullOutputWait() = default;
    // A send has waited since `since`; called every 100 ms of waiting.
    // Returns false to give up on it.
    virtual bool Waiting(std::chrono::steady_clock::time_point since) = 0;
    // The send that waited went through.
    virtual void WentThrough() = 0;
    // True: try each send once without waiting (a stopping stage whose
    // message is kept for a re-send need not wait out a full output).
    virtual bool SendWithoutWaiting() { return false; }
  };
  // What Poll found readable.
  struct Ready {
    bool input = false;
    bool tap = false;
    bool commands = false;
    bool acks = false;
  };

  // `launch` must outlive this object.
  Wiring(const v1::StageLaunch& launch,
         std::function<void(const std::string&)> warn);
  ~Wiring();
  Wiring(const Wiring&) = delete;
  Wiring& operator=(const Wiring&) = delete;

  // Starts CURVE (this host's key, a ZAP handler) when the launch asks
  // for it, then binds and connects every socket.
  absl::Status Open();
  // Closes every socket, letting each linger at most `linger_ms` for what
  // it has queued (outputs otherwise linger until it is delivered).
  void Close(int linger_ms);

  // Waits up to `timeout_ms` for any socket to become readable; the
  // acknowledgement socket only when `want_acks`.
  Ready Poll(long timeout_ms, bool want_acks);

  // Reads one frame from the input without waiting: its parts (at most
  // 16), or none when nothing is queued. Cancelled when a signal
  // interrupted the read; any other error means the input is unusable.
  absl::StatusOr<std::vector<zmq::message_t>> ReceiveFrame();
  // The next queued runner command / acknowledgement batch, if any.
  std::optional<zmq::message_t> NextCommand();
  std::optional<zmq::message_t> NextAck();

  // Sends one frame (runner/wire/frame.h: its parts, as FrameBuilder
  // makes them) to every output in turn, waiting while one is full.
  // Cancelled when `wait` gave up; Unavailable when a send failed.
  absl::Status SendToOutputs(absl::Span<const absl::string_view> parts,
                             FullOutputWait& wait);
  // Sends `batch` to source replica `origin` ("stage.replica") without
  // waiting. NotFound when the launch names no endpoint for it.
  absl::Status SendAck(const std::string& origin, const v1::AckBatch& batch);
  // Sends a report to the runner, if there is one; a full queue drops it.
  void SendControl(const std::string& bytes);
  bool has_control() const { return control_ != nullptr; }

  // Links to consumers, in launch (or latest rewire) order.
  std::vector<Output>& outputs() { return outputs_; }
  // Switches to `rewire`'s outputs: unchanged links keep their sockets
  // (and queues) unless named for reconnection; dropped ones close,
  // delivering what they hold.
  absl::Status Rewire(const v1::StageCommand::Rewire& rewire);
  // Gives up the input and tap endpoints to a replacement process.
  absl::Status Unbind();

  Tap* tap() { return tap_.get(); }

 private:
  absl::Status StartSecurity();
  absl::Status OpenSockets();
  // A socket this process binds for other hosts.
  void SecureServer(zmq::socket_t& socket, const char* domain);
  // Connects `socket` to `endpoint` on the host whose key is `server_key`.
  void SecureConnect(zmq::socket_t& socket, const std::string& endpoint,
                     const std::string& server_key);
  // A PULL socket bound at `endpoint`: a CURVE server in `domain`, or
  // local only when `domain` is null; rcvhwm 0 keeps libzmq's default.
  std::unique_ptr<zmq::socket_t> BindPull(const std::string& endpoint,
                                          int rcvhwm, const char* domain);
  Output OpenOutput(const v1::OutputLink& link);

  const v1::StageLaunch& launch_;
  const std::function<void(const std::string&)> warn_;
  zmq::context_t context_{1};
  // Declared after the context: the handler's socket closes first.
  std::optional<KeyPair> own_key_;
  std::unique_ptr<ZapHandler> zap_;
  std::unique_ptr<zmq::socket_t> input_;
  std::vector<Output> outputs_;
  std::unique_ptr<zmq::socket_t> ack_input_;
  absl::flat_hash_map<std::string, std::unique_ptr<zmq::socket_t>> ack_sockets_;
  std::unique_ptr<zmq::socket_t> commands_;
  std::unique_ptr<Tap> tap_;
  std::unique_ptr<zmq::socket_t> control_;
};

}  // namespace newsflow

#endif  // NEWSFLOW_RUNNER_HOST_WIRING_H_
