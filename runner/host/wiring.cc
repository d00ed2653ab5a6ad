#include "runner/host/wiring.h"

#include <algorithm>
#include <cerrno>
#include <filesystem>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "runner/wire/frame.h"

namespace newsflow {
namespace {

// Between hosts: a peer silent this long is disconnected (see SetHeartbeat).
constexpr int kHeartbeatIntervalMs = 1000;
constexpr int kHeartbeatTimeoutMs = 4000;

void EnsureIpcDirectory(const std::string& endpoint) {
  if (!absl::StartsWith(endpoint, "ipc://")) return;
  std::filesystem::path path(endpoint.substr(6));
  std::error_code ignored;
  std::filesystem::create_directories(path.parent_path(), ignored);
}

void CapLinger(zmq::socket_t& socket, int linger_ms) {
  if (socket.get(zmq::sockopt::linger) > linger_ms) {
    socket.set(zmq::sockopt::linger, linger_ms);
  }
}

// Sends one part, waiting (in 100 ms sends) while the queue is full.
absl::Status SendWaiting(zmq::socket_t& socket, absl::string_view data,
                         zmq::send_flags flags, Wiring::FullOutputWait& wait) {
  const auto start = std::chrono::steady_clock::now();
  for (int attempt = 0;; ++attempt) {
    const zmq::send_flags how =
        wait.SendWithoutWaiting() ? flags | zmq::send_flags::dontwait : flags;
    try {
      if (socket.send(zmq::buffer(data.data(), data.size()), how)) {
        if (attempt > 0) wait.WentThrough();
        return absl::OkStatus();
      }
    } catch (const zmq::error_t& e) {
      if (e.num() != EINTR) {
        return absl::UnavailableError(absl::StrCat("send failed: ", e.what()));
      }
    }
    if (!wait.Waiting(start)) {
      return absl::CancelledError("gave up on a full output");
    }
  }
}

std::optional<zmq::message_t> TryReceive(zmq::socket_t* socket) {
  if (socket == nullptr) return std::nullopt;
  zmq::message_t message;
  try {
    if (!socket->recv(message, zmq::recv_flags::dontwait)) return std::nullopt;
  } catch (const zmq::error_t&) {
    return std::nullopt;
  }
  return message;
}

}  // namespace

Wiring::Wiring(const v1::StageLaunch& launch,
               std::function<void(const std::string&)> warn)
    : launch_(launch), warn_(std::move(warn)) {}

Wiring::~Wiring() = default;

absl::Status Wiring::Open() {
  if (absl::Status status = StartSecurity(); !status.ok()) return status;
  try {
    return OpenSockets();
  } catch (const zmq::error_t& e) {
    return absl::UnavailableError(
        absl::StrCat("cannot open sockets: ", e.what()));
  }
}

// CURVE: this host's key, and a ZAP handler bound before any secure
// socket is (without one libzmq would let every key in).
absl::Status Wiring::StartSecurity() {
  if (!launch_.has_security()) return absl::OkStatus();
  absl::StatusOr<KeyPair> pair =
      ReadSecretKeyFile(launch_.security().secret_key_file());
  if (!pair.ok()) return pair.status();
  own_key_ = *pair;
  absl::StatusOr<std::unique_ptr<ZapHandler>> zap =
      ZapHandler::Start(context_,
                        MakeAccessPolicy(launch_.security().host_keys(),
                                         launch_.security().client_keys()),
                        warn_);
  if (!zap.ok()) return zap.status();
  zap_ = *std::move(zap);
  return absl::OkStatus();
}

void Wiring::SecureServer(zmq::socket_t& socket, const char* domain) {
  if (own_key_) MakeCurveServer(socket, *own_key_, domain);
  if (launch_.between_hosts()) {
    SetHeartbeat(socket, kHeartbeatIntervalMs, kHeartbeatTimeoutMs);
  }
}

void Wiring::SecureConnect(zmq::socket_t& socket, const std::string& endpoint,
                           const std::string& server_key) {
  if (own_key_ && !server_key.empty()) {
    MakeCurveClient(socket, *own_key_, server_key);
  }
  if (launch_.between_hosts()) {
    SetHeartbeat(socket, kHeartbeatIntervalMs, kHeartbeatTimeoutMs);
  }
  socket.connect(endpoint);
}

std::unique_ptr<zmq::socket_t> Wiring::BindPull(const std::string& endpoint,
                                                int rcvhwm,
                                                const char* domain) {
  EnsureIpcDirectory(endpoint);
  auto socket =
      std::make_unique<zmq::socket_t>(context_, zmq::socket_type::pull);
  if (rcvhwm > 0) socket->set(zmq::sockopt::rcvhwm, rcvhwm);
  socket->set(zmq::sockopt::linger, 0);
  if (domain != nullptr) SecureServer(*socket, domain);
  socket->bind(endpoint);
  return socket;
}

absl::Status Wiring::OpenSockets() {
  if (!launch_.input_endpoint().empty()) {
    input_ = BindPull(launch_.input_endpoint(),
                      FrameHighWaterMark(launch_.receive_high_water_mark()),
                      kDataDomain);
  }
  for (const auto& link : launch_.outputs()) {
    outputs_.push_back(OpenOutput(link));
  }
  if (!launch_.ack_endpoint().empty() && launch_.acks()) {
    ack_input_ = BindPull(launch_.ack_endpoint(), 100000, kDataDomain);
  }
  if (!launch_.command_endpoint().empty()) {
    commands_ = BindPull(launch_.command_endpoint(), 0, nullptr);
  }
  if (!launch_.tap_endpoint().empty()) {
    EnsureIpcDirectory(launch_.tap_endpoint());
    absl::StatusOr<std::unique_ptr<Tap>> tap = Tap::Open(
        context_, launch_.tap_endpoint(),
        [this](zmq::socket_t& s) { SecureServer(s, kObserveDomain); });
    if (!tap.ok()) return tap.status();
    tap_ = *std::move(tap);
  }
  if (!launch_.control_endpoint().empty()) {
    control_ =
        std::make_unique<zmq::socket_t>(context_, zmq::socket_type::push);
    control_->set(zmq::sockopt::sndhwm, 100);
    control_->set(zmq::sockopt::linger, 1000);
    control_->connect(launch_.control_endpoint());
  }
  return absl::OkStatus();
}

Wiring::Output Wiring::OpenOutput(const v1::OutputLink& link) {
  auto socket =
      std::make_unique<zmq::socket_t>(context_, zmq::socket_type::push);
  // A link to replicas carries single articles (see StageHost::OutboxFits),
  // so its queue counts articles as configured; one carrying batches is
  // shortened to match.
  const int sndhwm = link.endpoints_size() > 1
                         ? launch_.send_high_water_mark()
                         : FrameHighWaterMark(launch_.send_high_water_mark());
  if (sndhwm > 0) socket->set(zmq::sockopt::sndhwm, sndhwm);
  socket->set(zmq::sockopt::sndtimeo, 100);
  // On close, keep delivering what is queued: a reload closes links to
  // processes that are being replaced, and they must get it all.
  socket->set(zmq::sockopt::linger, kOutputLingerMs);
  for (int i = 0; i < link.endpoints_size(); ++i) {
    SecureConnect(*socket, link.endpoints(i),
                  i < link.server_keys_size() ? link.server_keys(i) : "");
  }
  return Output{link, std::move(socket)};
}

void Wiring::Close(int linger_ms) {
  for (Output& output : outputs_) {
    if (output.socket) CapLinger(*output.socket, linger_ms);
  }
  for (auto& [origin, socket] : ack_sockets_) CapLinger(*socket, linger_ms);
  if (control_) CapLinger(*control_, linger_ms);
  ack_sockets_.clear();
  ack_input_.reset();
  input_.reset();
  outputs_.clear();
  tap_.reset();
  commands_.reset();
  control_.reset();
}

Wiring::Ready Wiring::Poll(long timeout_ms, bool want_acks) {
  zmq_pollitem_t items[4];
  int count = 0;
  int input = -1, tap = -1, commands = -1, acks = -1;
  auto add = [&](zmq::socket_t& socket, int* index) {
    items[count] = {socket.handle(), 0, ZMQ_POLLIN, 0};
    *index = count++;
  };
  if (input_) add(*input_, &input);
  if (tap_) add(tap_->socket(), &tap);
  if (commands_) add(*commands_, &commands);
  if (ack_input_ && want_acks) add(*ack_input_, &acks);
  const int rc = zmq_poll(items, count, timeout_ms);
  auto readable = [&](int index) {
    return rc > 0 && index >= 0 && (items[index].revents & ZMQ_POLLIN) != 0;
  };
  Ready ready;
  ready.input = readable(input);
  ready.tap = readable(tap);
  ready.commands = readable(commands);
  ready.acks = readable(acks);
  return ready;
}

absl::StatusOr<std::vector<zmq::message_t>> Wiring::ReceiveFrame() {
  std::vector<zmq::message_t> parts;
  try {
    zmq::message_t first;
    if (!input_->recv(first, zmq::recv_flags::dontwait)) return parts;
    parts.push_back(std::move(first));
    while (parts.back().more() && parts.size() < 16) {
      zmq::message_t next;
      if (!input_->recv(next, zmq::recv_flags::dontwait)) break;
      parts.push_back(std::move(next));
    }
  } catch (const zmq::error_t& e) {
    if (e.num() == EINTR) return absl::CancelledError(e.what());
    return absl::UnavailableError(absl::StrCat("receive failed: ", e.what()));
  }
  return parts;
}

std::optional<zmq::message_t> Wiring::NextCommand() {
  return TryReceive(commands_.get());
}

std::optional<zmq::message_t> Wiring::NextAck() {
  return TryReceive(ack_input_.get());
}

absl::Status Wiring::SendToOutputs(absl::Span<const absl::string_view> parts,
                                   FullOutputWait& wait) {
  for (Output& output : outputs_) {
    for (size_t i = 0; i < parts.size(); ++i) {
      absl::Status status =
          SendWaiting(*output.socket, parts[i],
                      i + 1 < parts.size() ? zmq::send_flags::sndmore
                                           : zmq::send_flags::none,
                      wait);
      if (!status.ok()) return status;
    }
  }
  return absl::OkStatus();
}

absl::Status Wiring::SendAck(const std::string& origin,
                             const v1::AckBatch& batch) {
  auto endpoint = launch_.ack_endpoints().find(origin);
  if (endpoint == launch_.ack_endpoints().end()) {
    return absl::NotFoundError(absl::StrCat("no acknowledgement endpoint for ",
                                            origin,
                                            "; its source will re-send"));
  }
  std::unique_ptr<zmq::socket_t>& socket = ack_sockets_[origin];
  try {
    if (!socket) {
      socket =
          std::make_unique<zmq::socket_t>(context_, zmq::socket_type::push);
      socket->set(zmq::sockopt::sndhwm, 100000);
      socket->set(zmq::sockopt::linger, 2000);
      auto key = launch_.ack_server_keys().find(origin);
      SecureConnect(*socket, endpoint->second,
                    key == launch_.ack_server_keys().end() ? "" : key->second);
    }
    const std::string bytes = batch.SerializeAsString();
    // A lost acknowledgement only costs a re-send (and the store's upsert
    // makes that harmless), so never block on it.
    socket->send(zmq::buffer(bytes), zmq::send_flags::dontwait);
  } catch (const zmq::error_t& e) {
    return absl::UnavailableError(
        absl::StrCat("acknowledgement to ", origin, " failed: ", e.what()));
  }
  return absl::OkStatus();
}

void Wiring::SendControl(const std::string& bytes) {
  if (!control_) return;
  try {
    control_->send(zmq::buffer(bytes), zmq::send_flags::dontwait);
  } catch (const zmq::error_t&) {
    // Reports are cumulative: a lost one is superseded by the next.
  }
}

absl::Status Wiring::Rewire(const v1::StageCommand::Rewire& rewire) {
  try {
    std::vector<Output> next;
    for (const auto& link : rewire.outputs()) {
      const bool reconnect =
          std::find(rewire.reconnect().begin(), rewire.reconnect().end(),
                    link.stage()) != rewire.reconnect().end();
      const std::string wanted = link.SerializeAsString();
      auto same = std::find_if(
          outputs_.begin(), outputs_.end(), [&](const Output& output) {
            return output.socket && output.link.SerializeAsString() == wanted;
          });
      if (same != outputs_.end() && !reconnect) {
        next.push_back(std::move(*same));
      } else {
        next.push_back(OpenOutput(link));
      }
    }
    // Whatever is left closes here, lingering until its queue is delivered.
    outputs_ = std::move(next);
  } catch (const zmq::error_t& e) {
    return absl::UnavailableError(e.what());
  }
  return absl::OkStatus();
}

absl::Status Wiring::Unbind() {
  try {
    if (input_) input_->unbind(launch_.input_endpoint());
  } catch (const zmq::error_t& e) {
    return absl::UnavailableError(e.what());
  }
  if (tap_) return tap_->Unbind();
  return absl::OkStatus();
}

}  // namespace newsflow
