#include "runner/stage_host.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/time.h"
#include "zmq.hpp"

namespace newsflow {
namespace {

std::atomic<bool> g_stop_requested{false};

void RequestStop(int) { g_stop_requested.store(true); }

void InstallSignalHandlers() {
  struct sigaction action = {};
  action.sa_handler = RequestStop;
  sigemptyset(&action.sa_mask);
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

using Clock = std::chrono::steady_clock;

constexpr auto kReportInterval = std::chrono::milliseconds(200);
// How long the input must be quiet before the stage is asked to flush.
constexpr long kIdleFlushMs = 20;
// How long a blocked send may wait once a stop is requested.
constexpr auto kStopSendDeadline = std::chrono::seconds(2);

int64_t PeakRssKib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (absl::StartsWith(line, "VmHWM:")) {
      absl::string_view value = absl::StripAsciiWhitespace(
          absl::StripSuffix(absl::StripPrefix(line, "VmHWM:"), "kB"));
      int64_t kib = 0;
      if (absl::SimpleAtoi(value, &kib)) return kib;
    }
  }
  return 0;
}

void EnsureIpcDirectory(const std::string& endpoint) {
  if (!absl::StartsWith(endpoint, "ipc://")) return;
  std::filesystem::path path(endpoint.substr(6));
  std::error_code ignored;
  std::filesystem::create_directories(path.parent_path(), ignored);
}

class StageHost {
 public:
  StageHost(const v1::StageLaunch& launch, const nf_stage_type& type)
      : launch_(launch), type_(type), pid_(getpid()) {
    report_.set_stage(launch.stage());
    report_.set_replica(launch.replica());
    report_.set_pid(pid_);
    for (int i = 0; i < kLatencyBuckets; ++i) report_.add_latency_buckets(0);
  }

  int Run() {
    if (!OpenSockets()) return kStageExitBadLaunch;

    nf_host host = {sizeof(nf_host), this, &StageHost::EmitThunk,
                    &StageHost::LogThunk, &StageHost::RejectThunk};
    char error_text[1024] = "";
    nf_error error = {error_text, sizeof(error_text)};
    instance_ = type_.create(launch_.options_json().c_str(), &host, &error);
    if (instance_ == nullptr) {
      Log(NF_LOG_ERROR, absl::StrCat("cannot start stage '", launch_.stage(),
                                     "' (type ", type_.name,
                                     "): ", error_text));
      SendReport(/*final=*/true);
      return kStageExitBadLaunch;
    }
    Log(NF_LOG_DEBUG, absl::StrCat("started ", type_.name));
    int exit_code = type_.kind == NF_STAGE_SOURCE ? RunSource() : RunConsumer();
    if (exit_code == kStageExitOk) Flush();
    type_.destroy(instance_);
    instance_ = nullptr;
    SendReport(/*final=*/true);
    CloseSockets();
    return exit_code;
  }

 private:
  bool OpenSockets() {
    try {
      const int rcvhwm = launch_.receive_high_water_mark();
      if (!launch_.input_endpoint().empty()) {
        EnsureIpcDirectory(launch_.input_endpoint());
        input_ = std::make_unique<zmq::socket_t>(context_,
                                                 zmq::socket_type::pull);
        if (rcvhwm > 0) input_->set(zmq::sockopt::rcvhwm, rcvhwm);
        input_->set(zmq::sockopt::linger, 0);
        input_->bind(launch_.input_endpoint());
      }
      for (const auto& link : launch_.outputs()) {
        outputs_.push_back(OpenOutput(link));
      }
      if (!launch_.command_endpoint().empty()) {
        EnsureIpcDirectory(launch_.command_endpoint());
        commands_ = std::make_unique<zmq::socket_t>(context_,
                                                    zmq::socket_type::pull);
        commands_->set(zmq::sockopt::linger, 0);
        commands_->bind(launch_.command_endpoint());
      }
      if (!launch_.tap_endpoint().empty()) {
        EnsureIpcDirectory(launch_.tap_endpoint());
        tap_ = std::make_unique<zmq::socket_t>(context_, zmq::socket_type::xpub);
        tap_->set(zmq::sockopt::sndhwm, 10000);
        tap_->set(zmq::sockopt::linger, 0);
        tap_->bind(launch_.tap_endpoint());
      }
      if (!launch_.control_endpoint().empty()) {
        control_ =
            std::make_unique<zmq::socket_t>(context_, zmq::socket_type::push);
        control_->set(zmq::sockopt::sndhwm, 100);
        control_->set(zmq::sockopt::linger, 1000);
        control_->connect(launch_.control_endpoint());
      }
    } catch (const zmq::error_t& e) {
      Log(NF_LOG_ERROR, absl::StrCat("cannot open sockets: ", e.what()));
      return false;
    }
    return true;
  }

  struct Output {
    v1::OutputLink link;
    std::unique_ptr<zmq::socket_t> socket;
  };

  Output OpenOutput(const v1::OutputLink& link) {
    auto socket =
        std::make_unique<zmq::socket_t>(context_, zmq::socket_type::push);
    const int sndhwm = launch_.send_high_water_mark();
    if (sndhwm > 0) socket->set(zmq::sockopt::sndhwm, sndhwm);
    socket->set(zmq::sockopt::sndtimeo, 100);
    // On close, keep delivering what is queued: a reload closes links to
    // processes that are being replaced, and they must get it all.
    socket->set(zmq::sockopt::linger, 30000);
    for (const auto& endpoint : link.endpoints()) socket->connect(endpoint);
    return Output{link, std::move(socket)};
  }

  void CloseSockets() {
    input_.reset();
    outputs_.clear();
    tap_.reset();
    commands_.reset();
    control_.reset();
  }

  void ReadCommands() {
    while (true) {
      zmq::message_t message;
      zmq::recv_result_t received;
      try {
        received = commands_->recv(message, zmq::recv_flags::dontwait);
      } catch (const zmq::error_t&) {
        return;
      }
      if (!received) return;
      v1::StageCommand command;
      if (!command.ParseFromArray(message.data(),
                                  static_cast<int>(message.size()))) {
        Log(NF_LOG_WARNING, "ignored a malformed runner command");
        continue;
      }
      Apply(command);
      report_.set_command_seq(command.seq());
      SendReport(false);
    }
  }

  void Apply(const v1::StageCommand& command) {
    try {
      if (command.has_unbind()) {
        if (input_) input_->unbind(launch_.input_endpoint());
        if (tap_) tap_->unbind(launch_.tap_endpoint());
        Log(NF_LOG_DEBUG, "unbound input and tap for a replacement");
      } else if (command.has_drain()) {
        draining_ = true;
        drain_quiet_ms_ = std::max(command.drain().quiet_ms(), 50);
        Log(NF_LOG_DEBUG, "draining");
      } else if (command.has_rewire()) {
        Rewire(command.rewire());
      }
    } catch (const zmq::error_t& e) {
      Log(NF_LOG_ERROR, absl::StrCat("runner command failed: ", e.what()));
    }
  }

  void Rewire(const v1::StageCommand::Rewire& rewire) {
    std::vector<Output> next;
    for (const auto& link : rewire.outputs()) {
      bool reconnect = std::find(rewire.reconnect().begin(),
                                 rewire.reconnect().end(),
                                 link.stage()) != rewire.reconnect().end();
      auto same = std::find_if(outputs_.begin(), outputs_.end(),
                               [&](const Output& o) {
                                 return o.socket &&
                                        o.link.SerializeAsString() ==
                                            link.SerializeAsString();
                               });
      if (same != outputs_.end() && !reconnect) {
        next.push_back(std::move(*same));
      } else {
        next.push_back(OpenOutput(link));
      }
    }
    // Whatever is left closes here, lingering until its queue is delivered.
    outputs_ = std::move(next);
    Log(NF_LOG_DEBUG, absl::StrCat("rewired to ", outputs_.size(), " outputs"));
  }

  int RunSource() {
    bool done = false;
    while (!g_stop_requested.load() && !draining_) {
      if (done) {
        WaitForEvents(200);
        continue;
      }
      nf_poll_state state = NF_POLL_MORE;
      char error_text[1024] = "";
      nf_error error = {error_text, sizeof(error_text)};
      auto start = Clock::now();
      nf_result result = type_.poll(instance_, &state, &error);
      int64_t elapsed = Elapsed(start);
      report_.set_busy_ns(report_.busy_ns() + elapsed);
      RecordLatency(elapsed);
      if (result == NF_FATAL || fatal_) {
        Log(NF_LOG_ERROR, absl::StrCat("source failed: ", error_text));
        return kStageExitFatal;
      }
      if (result == NF_ERROR) {
        report_.set_failed(report_.failed() + 1);
        Log(NF_LOG_ERROR, absl::StrCat("source error: ", error_text));
      }
      if (state == NF_POLL_DONE || (state == NF_POLL_IDLE && launch_.once())) {
        Flush();
        done = true;
        report_.set_source_done(true);
        Log(NF_LOG_INFO, absl::StrCat("source finished: ", report_.emitted(),
                                      " emitted, ", report_.failed(),
                                      " failed"));
        SendReport(false);
        continue;
      }
      WaitForEvents(state == NF_POLL_IDLE ? 100 : 0);
    }
    return kStageExitOk;
  }

  int RunConsumer() {
    bool dirty = false;
    Clock::time_point last_input = Clock::now();
    while (!g_stop_requested.load()) {
      bool input_ready = WaitForEvents(dirty ? kIdleFlushMs : 50);
      if (!input_ready) {
        if (dirty) {
          dirty = !Flush();
          SendReport(false);
        }
        if (draining_ && !dirty &&
            Clock::now() - last_input >
                std::chrono::milliseconds(drain_quiet_ms_)) {
          Log(NF_LOG_DEBUG, "drained");
          break;
        }
        continue;
      }
      last_input = Clock::now();
      // Drain a bounded burst so reports and taps stay timely.
      for (int i = 0; i < 256 && !g_stop_requested.load(); ++i) {
        zmq::message_t message;
        zmq::recv_result_t received;
        try {
          received = input_->recv(message, zmq::recv_flags::dontwait);
        } catch (const zmq::error_t& e) {
          if (e.num() == EINTR) break;
          Log(NF_LOG_ERROR, absl::StrCat("receive failed: ", e.what()));
          return kStageExitFatal;
        }
        if (!received) break;
        if (!ProcessMessage(message)) return kStageExitFatal;
        dirty = true;
      }
    }
    return kStageExitOk;
  }

  // Returns false when the stage is unusable.
  bool ProcessMessage(zmq::message_t& message) {
    report_.set_received(report_.received() + 1);
    report_.set_bytes_in(report_.bytes_in() + message.size());
    if (message.more()) {
      // Skip the remaining parts: a newsflow frame is one part.
      size_t parts = 1;
      while (message.more()) {
        zmq::message_t rest;
        if (!input_->recv(rest, zmq::recv_flags::dontwait)) break;
        message.swap(rest);
        ++parts;
      }
      Reject(absl::StrCat("frame #", report_.received()),
             absl::StrCat("multipart message with ", parts,
                          " parts; newsflow frames are single-part"),
             {});
      return true;
    }
    std::string bytes(static_cast<const char*>(message.data()), message.size());
    AppendTraceHop(MakeHop(), &bytes);
    char error_text[1024] = "";
    nf_error error = {error_text, sizeof(error_text)};
    auto start = Clock::now();
    nf_result result = type_.process(instance_, bytes.data(), bytes.size(),
                                     &error);
    int64_t elapsed = Elapsed(start);
    report_.set_busy_ns(report_.busy_ns() + elapsed);
    RecordLatency(elapsed);
    if (result == NF_FATAL || fatal_) {
      Log(NF_LOG_ERROR, absl::StrCat("stage failed: ", error_text));
      return false;
    }
    if (result == NF_ERROR) {
      report_.set_failed(report_.failed() + 1);
      Log(NF_LOG_ERROR, absl::StrCat("message #", report_.received(), " (",
                                     message.size(), " bytes) failed: ",
                                     error_text));
    }
    return true;
  }

  // Returns true when everything received so far is now complete.
  bool Flush() {
    if (instance_ == nullptr) return false;
    if (type_.flush != nullptr) {
      char error_text[1024] = "";
      nf_error error = {error_text, sizeof(error_text)};
      auto start = Clock::now();
      nf_result result = type_.flush(instance_, &error);
      report_.set_busy_ns(report_.busy_ns() + Elapsed(start));
      if (result != NF_OK) {
        Log(NF_LOG_ERROR, absl::StrCat("flush failed: ", error_text));
        return false;
      }
    }
    report_.set_completed(report_.received());
    return true;
  }

  // Waits up to timeout_ms for input or tap subscriptions; sends periodic
  // reports. Returns true when input is ready.
  bool WaitForEvents(long timeout_ms) {
    zmq_pollitem_t items[3];
    int count = 0;
    int input_index = -1, tap_index = -1, command_index = -1;
    if (input_) {
      items[count] = {input_->handle(), 0, ZMQ_POLLIN, 0};
      input_index = count++;
    }
    if (tap_) {
      items[count] = {tap_->handle(), 0, ZMQ_POLLIN, 0};
      tap_index = count++;
    }
    if (commands_) {
      items[count] = {commands_->handle(), 0, ZMQ_POLLIN, 0};
      command_index = count++;
    }
    int rc = zmq_poll(items, count, timeout_ms);
    if (rc > 0 && tap_index >= 0 && (items[tap_index].revents & ZMQ_POLLIN)) {
      ReadTapSubscriptions();
    }
    if (rc > 0 && command_index >= 0 &&
        (items[command_index].revents & ZMQ_POLLIN)) {
      ReadCommands();
    }
    if (Clock::now() - last_report_ >= kReportInterval) SendReport(false);
    return rc > 0 && input_index >= 0 &&
           (items[input_index].revents & ZMQ_POLLIN);
  }

  void ReadTapSubscriptions() {
    // XPUB (non-verbose) delivers the first subscription and the last
    // unsubscription: exactly "someone is listening" transitions.
    while (true) {
      zmq::message_t event;
      if (!tap_->recv(event, zmq::recv_flags::dontwait)) return;
      if (event.size() > 0) {
        tap_listening_ = static_cast<const char*>(event.data())[0] == 1;
      }
    }
  }

  void SendReport(bool final) {
    last_report_ = Clock::now();
    if (!control_) return;
    report_.set_peak_rss_kib(PeakRssKib());
    report_.set_final(final);
    std::string bytes;
    if (blocked_since_ != Clock::time_point{}) {
      // Still waiting on a full queue: show the wait so far.
      v1::StageReport live = report_;
      live.set_blocked_ns(live.blocked_ns() + Elapsed(blocked_since_));
      live.SerializeToString(&bytes);
    } else {
      report_.SerializeToString(&bytes);
    }
    try {
      control_->send(zmq::buffer(bytes), zmq::send_flags::dontwait);
    } catch (const zmq::error_t&) {
      // Reports are cumulative: a lost one is superseded by the next.
    }
  }

  v1::TraceHop MakeHop() const {
    v1::TraceHop hop;
    hop.set_stage(launch_.stage());
    hop.set_at(NowRfc3339());
    hop.set_replica(launch_.replica());
    hop.set_pid(pid_);
    return hop;
  }

  nf_result Emit(const void* data, size_t size) {
    std::string stamped;
    const void* payload = data;
    if (type_.kind == NF_STAGE_SOURCE) {
      stamped.assign(static_cast<const char*>(data), size);
      AppendTraceHop(MakeHop(), &stamped);
      payload = stamped.data();
      size = stamped.size();
    }
    for (auto& output : outputs_) {
      if (!SendBlocking(*output.socket, payload, size)) return NF_FATAL;
    }
    if (tap_ && tap_listening_) {
      try {
        // Never blocks: a slow `tail` loses messages, the pipeline does not.
        tap_->send(zmq::buffer(payload, size), zmq::send_flags::dontwait);
      } catch (const zmq::error_t&) {
      }
    }
    report_.set_emitted(report_.emitted() + 1);
    report_.set_bytes_out(report_.bytes_out() + size);
    if (Clock::now() - last_report_ >= kReportInterval) SendReport(false);
    return NF_OK;
  }

  bool SendBlocking(zmq::socket_t& socket, const void* data, size_t size) {
    Clock::time_point stop_seen{};
    const Clock::time_point start = Clock::now();
    for (int attempt = 0;; ++attempt) {
      if (attempt == 1) blocked_since_ = start;
      try {
        if (socket.send(zmq::buffer(data, size), zmq::send_flags::none)) {
          if (attempt > 0) {
            report_.set_blocked_ns(report_.blocked_ns() + Elapsed(start));
            blocked_since_ = Clock::time_point{};
          }
          return true;
        }
      } catch (const zmq::error_t& e) {
        if (e.num() != EINTR) {
          Log(NF_LOG_ERROR, absl::StrCat("send failed: ", e.what()));
          return false;
        }
      }
      // Timed out: downstream is full. Keep the report flowing so the
      // runner sees a blocked stage rather than a dead one.
      if (Clock::now() - last_report_ >= kReportInterval) SendReport(false);
      if (g_stop_requested.load()) {
        if (stop_seen == Clock::time_point{}) stop_seen = Clock::now();
        if (Clock::now() - stop_seen > kStopSendDeadline) {
          Log(NF_LOG_ERROR, "stopping with a message downstream did not take");
          return false;
        }
      }
    }
  }

  void Log(nf_log_level level, absl::string_view message) const {
    static constexpr const char* kLevels[] = {"debug", "info", "warning",
                                              "error"};
    if (level == NF_LOG_DEBUG && getenv("NEWSFLOW_DEBUG") == nullptr) return;
    int index = level >= NF_LOG_DEBUG && level <= NF_LOG_ERROR ? level : 1;
    std::string line = absl::StrCat(kLevels[index], ": ", message, "\n");
    fwrite(line.data(), 1, line.size(), stderr);
    fflush(stderr);
  }

  void Reject(const std::string& what, const std::string& reason,
              absl::string_view raw) {
    report_.set_failed(report_.failed() + 1);
    Log(NF_LOG_WARNING,
        absl::StrCat("rejected ", what, ": ", reason,
                     raw.empty() ? "" : absl::StrCat(" (", raw.size(),
                                                     " bytes)")));
  }

  void RecordLatency(int64_t nanoseconds) {
    int bucket = 0;
    while (bucket < kLatencyBuckets - 1 &&
           nanoseconds > kLatencyBucketBoundsUs[bucket] * 1000) {
      ++bucket;
    }
    report_.set_latency_buckets(bucket,
                                report_.latency_buckets(bucket) + 1);
  }

  static int64_t Elapsed(Clock::time_point start) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() -
                                                                start)
        .count();
  }

  static nf_result EmitThunk(void* context, const void* data, size_t size) {
    auto* host = static_cast<StageHost*>(context);
    nf_result result = host->Emit(data, size);
    if (result == NF_FATAL) host->fatal_ = true;
    return result;
  }
  static void LogThunk(void* context, nf_log_level level, const char* text) {
    static_cast<StageHost*>(context)->Log(level, text == nullptr ? "" : text);
  }
  static void RejectThunk(void* context, const char* what, const char* reason,
                          const void* raw, size_t raw_size) {
    static_cast<StageHost*>(context)->Reject(
        what == nullptr ? "input" : what, reason == nullptr ? "" : reason,
        absl::string_view(static_cast<const char*>(raw),
                         raw == nullptr ? 0 : raw_size));
  }

  const v1::StageLaunch& launch_;
  const nf_stage_type& type_;
  const int pid_;
  void* instance_ = nullptr;
  bool fatal_ = false;
  bool tap_listening_ = false;
  bool draining_ = false;
  // Set while a send waits on a full downstream queue.
  Clock::time_point blocked_since_{};
  int drain_quiet_ms_ = 500;
  zmq::context_t context_{1};
  std::unique_ptr<zmq::socket_t> input_;
  std::vector<Output> outputs_;
  std::unique_ptr<zmq::socket_t> tap_;
  std::unique_ptr<zmq::socket_t> commands_;
  std::unique_ptr<zmq::socket_t> control_;
  v1::StageReport report_;
  Clock::time_point last_report_{};
};

}  // namespace

void AppendTraceHop(const v1::TraceHop& hop, std::string* article_bytes) {
  std::string encoded;
  hop.SerializeToString(&encoded);
  // Field 11 (trace), wire type 2 (length-delimited).
  constexpr uint32_t kTraceTag = (11 << 3) | 2;
  article_bytes->push_back(static_cast<char>(kTraceTag));
  uint64_t length = encoded.size();
  while (length >= 0x80) {
    article_bytes->push_back(static_cast<char>((length & 0x7F) | 0x80));
    length >>= 7;
  }
  article_bytes->push_back(static_cast<char>(length));
  article_bytes->append(encoded);
}

int RunStageHost(const v1::StageLaunch& launch, const StageRegistry& registry) {
  InstallSignalHandlers();
  const RegisteredStageType* registered = registry.Find(launch.type());
  if (registered == nullptr) {
    fprintf(stderr, "error: unknown stage type '%s'\n", launch.type().c_str());
    return kStageExitBadLaunch;
  }
  StageHost host(launch, *registered->type);
  return host.Run();
}

}  // namespace newsflow
