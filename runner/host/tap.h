// Tap: the XPUB socket through which `newsflow tail` watches a stage. A
// copy of an emitted message is made and sent only while someone is
// subscribed, so an unwatched pipeline pays nothing for it, and a copy is
// never waited for: a slow watcher loses messages, the pipeline does not.
//
// Each copy is two parts, [8-byte big-endian sequence number, article]:
// the watcher counts the gaps in the sequence to tell what it missed.
#ifndef NEWSFLOW_RUNNER_HOST_TAP_H_
#define NEWSFLOW_RUNNER_HOST_TAP_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "zmq.hpp"

namespace newsflow {

// The first part of a tap copy: `sequence`, 8 bytes big-endian.
std::string TapSequence(uint64_t sequence);

class Tap {
 public:
  // Binds an XPUB socket at `endpoint`. `secure` configures it before the
  // bind (CURVE, heartbeats) and may be empty.
  static absl::StatusOr<std::unique_ptr<Tap>> Open(
      zmq::context_t& context, const std::string& endpoint,
      const std::function<void(zmq::socket_t&)>& secure);

  // Takes in subscription changes; call when the socket polls readable.
  void ReadSubscriptions();
  // Whether anyone is subscribed.
  bool listening() const { return listening_; }
  // Sends a copy of `article` numbered `sequence` when someone listens;
  // returns whether a copy was queued.
  bool Publish(uint64_t sequence, absl::string_view article);
  // Gives up the endpoint to a replacement process; copies stop.
  absl::Status Unbind();

  // For polling.
  zmq::socket_t& socket() { return *socket_; }
  // Caps how long closing may wait for queued copies.
  void CapLinger(int linger_ms);

 private:
  Tap(std::unique_ptr<zmq::socket_t> socket, std::string endpoint)
      : socket_(std::move(socket)), endpoint_(std::move(endpoint)) {}

  std::unique_ptr<zmq::socket_t> socket_;
  const std::string endpoint_;
  bool listening_ = false;
};

}  // namespace newsflow

#endif  // NEWSFLOW_RUNNER_HOST_TAP_H_
