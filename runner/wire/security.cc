#include "runner/wire/security.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"

namespace newsflow {
namespace {

constexpr char kZapEndpoint[] = "inproc://zeromq.zap.01";
constexpr size_t kZ85KeyLength = 40;
constexpr int64_t kRejectionLogIntervalMs = 60000;

absl::Status WriteFileWithMode(const std::string& path,
                               const std::string& content, mode_t mode,
                               bool overwrite) {
  int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (overwrite ? O_TRUNC : O_EXCL);
  int fd = open(path.c_str(), flags, mode);
  if (fd < 0) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": cannot create: ", strerror(errno),
                     errno == EEXIST ? " (pass --force to replace it)" : ""));
  }
  // open() leaves an existing file's mode alone; the key must not stay
  // readable by others just because an old file was.
  bool ok =
      fchmod(fd, mode) == 0 && write(fd, content.data(), content.size()) ==
                                   static_cast<ssize_t>(content.size());
  ok = close(fd) == 0 && ok;
  if (!ok) {
    return absl::InternalError(
        absl::StrCat(path, ": cannot write: ", strerror(errno)));
  }
  return absl::OkStatus();
}

}  // namespace

bool CurveAvailable() { return zmq_has("curve") != 0; }

absl::StatusOr<KeyPair> GenerateKeyPair() {
  if (!CurveAvailable()) {
    return absl::FailedPreconditionError(
        "this libzmq was built without CURVE (libsodium)");
  }
  char public_key[kZ85KeyLength + 1];
  char secret_key[kZ85KeyLength + 1];
  if (zmq_curve_keypair(public_key, secret_key) != 0) {
    return absl::InternalError(
        absl::StrCat("zmq_curve_keypair: ", zmq_strerror(zmq_errno())));
  }
  return KeyPair{public_key, secret_key};
}

absl::Status CheckZ85Key(absl::string_view key) {
  if (key.size() != kZ85KeyLength) {
    return absl::InvalidArgumentError(
        absl::StrCat("a CURVE key is 40 characters of Z85 text, not ",
                     key.size(), " (make one with `newsflow keygen NAME`)"));
  }
  uint8_t decoded[32];
  std::string text(key);
  if (zmq_z85_decode(decoded, text.c_str()) == nullptr) {
    return absl::InvalidArgumentError(
        "not a CURVE key: the text is not valid Z85");
  }
  return absl::OkStatus();
}

absl::StatusOr<KeyPair> WriteKeyFiles(const std::string& directory,
                                      const std::string& name, bool overwrite) {
  absl::StatusOr<KeyPair> pair = GenerateKeyPair();
  if (!pair.ok()) return pair.status();
  const std::string base = absl::StrCat(directory, "/", name);
  absl::Status status = WriteFileWithMode(
      base + ".key",
      absl::StrCat("# newsflow CURVE secret key '", name,
                   "'. Keep it mode 0600; never copy it to another host.\n",
                   pair->secret_key, "\n"),
      0600, overwrite);
  if (!status.ok()) return status;
  status = WriteFileWithMode(base + ".pub",
                             absl::StrCat("# newsflow CURVE public key '", name,
                                          "'\n", pair->public_key, "\n"),
                             0644, overwrite);
  if (!status.ok()) return status;
  return pair;
}

absl::StatusOr<KeyPair> ReadSecretKeyFile(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return absl::NotFoundError(
        absl::StrCat(path, ": cannot read secret key file: ", strerror(errno)));
  }
  struct stat info = {};
  if (fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    close(fd);
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": secret key file is not a regular file"));
  }
  if ((info.st_mode & 077) != 0) {
    close(fd);
    return absl::PermissionDeniedError(absl::StrFormat(
        "%s: secret key file has mode %04o, which lets other users read or "
        "change it; refusing to use it (run: chmod 600 %s)",
        path, info.st_mode & 07777, path));
  }
  std::string content;
  char buffer[4096];
  ssize_t n;
  while ((n = read(fd, buffer, sizeof(buffer))) > 0) {
    content.append(buffer, static_cast<size_t>(n));
  }
  close(fd);
  std::string secret;
  for (absl::string_view line : absl::StrSplit(content, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line[0] == '#') continue;
    secret = std::string(line);
    break;
  }
  if (absl::Status status = CheckZ85Key(secret); !status.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": no secret key in it: ", std::string(status.message())));
  }
  char public_key[kZ85KeyLength + 1];
  if (zmq_curve_public(public_key, secret.c_str()) != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": cannot derive the public key: ", zmq_strerror(zmq_errno())));
  }
  return KeyPair{public_key, secret};
}

absl::StatusOr<std::unique_ptr<ZapHandler>> ZapHandler::Start(
    zmq::context_t& context, AccessPolicy policy, LogFunction log) {
  auto socket = std::make_unique<zmq::socket_t>(context, zmq::socket_type::rep);
  try {
    socket->set(zmq::sockopt::linger, 0);
    socket->bind(kZapEndpoint);
  } catch (const zmq::error_t& e) {
    return absl::InternalError(
        absl::StrCat("cannot start the ZAP handler: ", e.what()));
  }
  return std::unique_ptr<ZapHandler>(
      new ZapHandler(std::move(socket), std::move(policy), std::move(log)));
}

ZapHandler::ZapHandler(std::unique_ptr<zmq::socket_t> socket,
                       AccessPolicy policy, LogFunction log)
    : socket_(std::move(socket)),
      policy_(std::move(policy)),
      log_(std::move(log)),
      thread_([this] { Loop(); }) {}

ZapHandler::~ZapHandler() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
}

bool ZapHandler::Allowed(const AccessPolicy& policy, absl::string_view domain,
                         absl::string_view mechanism,
                         absl::string_view public_key_z85) {
  if (mechanism != "CURVE") return false;
  const std::string key(public_key_z85);
  if (domain == kDataDomain) return policy.data_keys.contains(key);
  if (domain == kObserveDomain) return policy.observe_keys.contains(key);
  return false;
}

void ZapHandler::Loop() {
  while (!stop_.load()) {
    zmq_pollitem_t item = {socket_->handle(), 0, ZMQ_POLLIN, 0};
    const int rc = zmq_poll(&item, 1, 100);
    if (rc < 0 && zmq_errno() == ETERM) break;  // the context is ending
    if (rc <= 0) continue;
    std::vector<zmq::message_t> request;
    try {
      do {
        zmq::message_t part;
        if (!socket_->recv(part, zmq::recv_flags::dontwait)) break;
        request.push_back(std::move(part));
      } while (request.back().more());
      Answer(request);
    } catch (const zmq::error_t&) {
      break;  // the context is terminating: the process is exiting
    }
  }
  socket_.reset();
}

void ZapHandler::Answer(std::vector<zmq::message_t>& request) {
  // ZAP 1.0 (RFC 27): version, request id, domain, address, identity,
  // mechanism, credentials...
  if (request.size() < 6) return;
  const std::string domain = request[2].to_string();
  const std::string address = request[3].to_string();
  const std::string mechanism = request[5].to_string();
  std::string public_key;
  if (mechanism == "CURVE" && request.size() >= 7 && request[6].size() == 32) {
    char z85[kZ85KeyLength + 1];
    zmq_z85_encode(z85, static_cast<const uint8_t*>(request[6].data()), 32);
    public_key = z85;
  }
  const bool allowed = Allowed(policy_, domain, mechanism, public_key);
  if (!allowed && log_) {
    const std::string what = absl::StrCat(public_key, "/", domain);
    const int64_t now = absl::ToUnixMillis(absl::Now());
    auto it = last_logged_ms_.find(what);
    if (it == last_logged_ms_.end() ||
        now - it->second >= kRejectionLogIntervalMs) {
      last_logged_ms_[what] = now;
      auto name = policy_.names.find(public_key);
      log_(absl::StrCat(
          "security: rejected a ", mechanism, " client from ", address,
          " with key ", public_key.empty() ? "(none)" : public_key, " on ",
          domain, ": ",
          name == policy_.names.end()
              ? "the key is not listed under hosts or clients in the config"
              : absl::StrCat(name->second, " may not connect here")));
    }
  }
  auto send = [&](const std::string& text, bool more) {
    socket_->send(zmq::buffer(text),
                  more ? zmq::send_flags::sndmore : zmq::send_flags::none);
  };
  send("1.0", true);
  socket_->send(request[1], zmq::send_flags::sndmore);
  send(allowed ? "200" : "400", true);
  send(allowed ? "OK" : "key not allowed", true);
  send(allowed ? public_key : "", true);
  send("", false);
}

void MakeCurveServer(zmq::socket_t& socket, const KeyPair& own,
                     const char* domain) {
  socket.set(zmq::sockopt::curve_server, 1);
  socket.set(zmq::sockopt::curve_secretkey, own.secret_key);
  socket.set(zmq::sockopt::zap_domain, domain);
}

void MakeCurveClient(zmq::socket_t& socket, const KeyPair& own,
                     const std::string& server_public_key) {
  socket.set(zmq::sockopt::curve_serverkey, server_public_key);
  socket.set(zmq::sockopt::curve_publickey, own.public_key);
  socket.set(zmq::sockopt::curve_secretkey, own.secret_key);
}

void SetHeartbeat(zmq::socket_t& socket, int interval_ms, int timeout_ms) {
  socket.set(zmq::sockopt::heartbeat_ivl, interval_ms);
  socket.set(zmq::sockopt::heartbeat_timeout, timeout_ms);
  socket.set(zmq::sockopt::heartbeat_ttl, timeout_ms);
}

}  // namespace newsflow
