#include "runner/wire/status_client.h"

#include <unistd.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "zmq.hpp"

namespace newsflow {

StatusClient::StatusClient(std::string endpoint,
                           std::optional<StatusClientKeys> keys)
    : endpoint_(std::move(endpoint)),
      keys_(std::move(keys)),
      context_(std::make_unique<zmq::context_t>(1)) {}

StatusClient::~StatusClient() {
  socket_.reset();
  context_.reset();
}

absl::StatusOr<v1::PipelineStatus> StatusClient::Fetch(
    absl::Duration timeout, const WhileWaiting* while_waiting) {
  auto unavailable = [&] {
    return absl::UnavailableError(absl::StrCat("nothing answered on ",
                                               endpoint_, " within ",
                                               absl::FormatDuration(timeout)));
  };
  // An ipc:// endpoint without its socket file has no runner behind it.
  if (absl::StartsWith(endpoint_, "ipc://") &&
      access(endpoint_.substr(6).c_str(), F_OK) != 0) {
    socket_.reset();
    return unavailable();
  }
  try {
    if (!socket_) {
      socket_ =
          std::make_unique<zmq::socket_t>(*context_, zmq::socket_type::req);
      socket_->set(zmq::sockopt::linger, 0);
      if (keys_) MakeCurveClient(*socket_, keys_->own, keys_->server_key);
      socket_->connect(endpoint_);
    }
    socket_->send(zmq::str_buffer("status"), zmq::send_flags::dontwait);
    const absl::Time deadline = absl::Now() + timeout;
    bool answered = false;
    while (!answered) {
      const absl::Duration left = deadline - absl::Now();
      if (left <= absl::ZeroDuration()) break;
      zmq_pollitem_t items[2] = {
          {socket_->handle(), 0, ZMQ_POLLIN, 0},
          {while_waiting != nullptr ? while_waiting->socket : nullptr, 0,
           ZMQ_POLLIN, 0}};
      const long ms = static_cast<long>(
          absl::ToInt64Milliseconds(absl::Ceil(left, absl::Milliseconds(1))));
      if (zmq_poll(items, while_waiting != nullptr ? 2 : 1, ms) < 0) break;
      answered = items[0].revents & ZMQ_POLLIN;
      if (while_waiting != nullptr && (items[1].revents & ZMQ_POLLIN)) {
        while_waiting->ready();
      }
    }
    if (!answered) {
      socket_.reset();  // lock-step: this socket can never send again
      return unavailable();
    }
    zmq::message_t reply;
    if (!socket_->recv(reply, zmq::recv_flags::dontwait)) {
      socket_.reset();
      return unavailable();
    }
    v1::PipelineStatus status;
    if (!status.ParseFromArray(reply.data(), static_cast<int>(reply.size()))) {
      return absl::DataLossError(absl::StrCat(
          "the reply on ", endpoint_, " is not a newsflow pipeline status"));
    }
    return status;
  } catch (const zmq::error_t& e) {
    socket_.reset();
    return absl::UnavailableError(
        absl::StrCat("cannot ask ", endpoint_, ": ", e.what()));
  }
}

}  // namespace newsflow
