#include "runner/host/tap.h"

#include "absl/strings/str_cat.h"

namespace newsflow {

std::string TapSequence(uint64_t sequence) {
  std::string bytes(8, '\0');
  for (int i = 7; i >= 0; --i, sequence >>= 8) {
    bytes[i] = static_cast<char>(sequence & 0xFF);
  }
  return bytes;
}

absl::StatusOr<std::unique_ptr<Tap>> Tap::Open(
    zmq::context_t& context, const std::string& endpoint,
    const std::function<void(zmq::socket_t&)>& secure) {
  try {
    auto socket =
        std::make_unique<zmq::socket_t>(context, zmq::socket_type::xpub);
    socket->set(zmq::sockopt::sndhwm, 10000);
    socket->set(zmq::sockopt::linger, 0);
    if (secure) secure(*socket);
    socket->bind(endpoint);
    return std::unique_ptr<Tap>(new Tap(std::move(socket), endpoint));
  } catch (const zmq::error_t& e) {
    return absl::UnavailableError(
        absl::StrCat("cannot open tap ", endpoint, ": ", e.what()));
  }
}

void Tap::ReadSubscriptions() {
  // XPUB (non-verbose) delivers the first subscription and the last
  // unsubscription: exactly "someone is listening" transitions.
  while (true) {
    zmq::message_t event;
    try {
      if (!socket_->recv(event, zmq::recv_flags::dontwait)) return;
    } catch (const zmq::error_t&) {
      return;
    }
    if (event.size() > 0) {
      listening_ = static_cast<const char*>(event.data())[0] == 1;
    }
  }
}

bool Tap::Publish(uint64_t sequence, absl::string_view article) {
  if (!listening_) return false;
  try {
    const std::string header = TapSequence(sequence);
    if (!socket_->send(zmq::buffer(header),
                       zmq::send_flags::sndmore | zmq::send_flags::dontwait)) {
      return false;
    }
    return socket_
        ->send(zmq::buffer(article.data(), article.size()),
               zmq::send_flags::dontwait)
        .has_value();
  } catch (const zmq::error_t&) {
    return false;
  }
}

absl::Status Tap::Unbind() {
  try {
    socket_->unbind(endpoint_);
  } catch (const zmq::error_t& e) {
    return absl::UnavailableError(e.what());
  }
  return absl::OkStatus();
}

void Tap::CapLinger(int linger_ms) {
  if (socket_->get(zmq::sockopt::linger) > linger_ms) {
    socket_->set(zmq::sockopt::linger, linger_ms);
  }
}

}  // namespace newsflow
