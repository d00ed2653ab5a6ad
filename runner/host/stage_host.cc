#include "runner/host/stage_host.h"

#include <semaphore.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "common/hash.h"
#include "common/time.h"
#include "runner/host/dead_letters.h"
#include "runner/host/journal.h"
#include "runner/wire/security.h"
#include "zmq.hpp"

namespace newsflow {
namespace {

std::atomic<bool> g_stop_requested{false};
// Posted by the signal handler (sem_post is async-signal-safe) to start
// the stop deadline.
sem_t g_stop_signalled;

// What the host's thread is doing that may take long (a stage callback,
// named for the log), or nullptr; read by the stop deadline.
std::atomic<const char*> g_busy_with{nullptr};
// Set once the host returns: too late for the deadline to cut it short.
std::atomic<bool> g_host_finished{false};

using Clock = std::chrono::steady_clock;

constexpr auto kStopDeadline =
    std::chrono::milliseconds(NEWSFLOW_STAGE_STOP_DEADLINE_MS);
// When the stop deadline started (steady clock, ns); 0 before.
std::atomic<int64_t> g_stop_seen_ns{0};

void RequestStop(int) {
  g_stop_requested.store(true);
  sem_post(&g_stop_signalled);
}

// Marks the host's thread busy with `what` for the scope.
class BusyWith {
 public:
  explicit BusyWith(const char* what) : previous_(g_busy_with.exchange(what)) {}
  ~BusyWith() { g_busy_with.store(previous_); }
  BusyWith(const BusyWith&) = delete;
  BusyWith& operator=(const BusyWith&) = delete;

 private:
  const char* const previous_;
};

// The guarantee that SIGTERM ends the process within kStopDeadline even
// when a stage does not cooperate (a plugin blocked in poll() or
// process(), which nothing can interrupt from outside): a thread that
// waits for the signal, then for the deadline, and then ends the process
// without returning from the callback.
//
// Leaving mid-callback loses nothing that was promised: an input counts
// as delivered only when its terminal stages acknowledge it after a flush,
// and a source re-sends from its journal everything not acknowledged, so
// the input being processed (and anything this process emitted or queued
// but nobody settled) comes again after the next start. Without
// acknowledgements (delivery.acks: false) there is no such promise, and
// what this process held is lost, as it would be in a crash.
void StartStopDeadline(std::string stage) {
  std::thread([stage = std::move(stage)] {
    while (sem_wait(&g_stop_signalled) != 0) {
    }
    const Clock::time_point seen = Clock::now();
    g_stop_seen_ns.store(std::chrono::duration_cast<std::chrono::nanoseconds>(
                             seen.time_since_epoch())
                             .count());
    std::this_thread::sleep_until(seen + kStopDeadline);
    if (g_host_finished.load()) return;
    const char* busy = g_busy_with.load();
    const std::string line = absl::StrCat(
        "error: stage '", stage, "' still ",
        busy == nullptr ? "stopping" : absl::StrCat("in ", busy), " ",
        NEWSFLOW_STAGE_STOP_DEADLINE_MS,
        " ms after the stop signal; exiting without it (sources re-send "
        "what was not acknowledged)\n");
    fwrite(line.data(), 1, line.size(), stderr);
    fflush(stderr);
    _exit(kStageExitStopDeadline);
  }).detach();
}

// How long, at most, what is left of the stop deadline allows for
// lingering on close (with a margin for the rest of the exit); the
// default when no stop was requested.
int CloseLingerMs(int default_ms) {
  const int64_t seen_ns = g_stop_seen_ns.load();
  if (!g_stop_requested.load()) return default_ms;
  constexpr auto kExitMargin = std::chrono::milliseconds(100);
  const Clock::time_point seen =
      seen_ns == 0 ? Clock::now()
                   : Clock::time_point(std::chrono::nanoseconds(seen_ns));
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      seen + kStopDeadline - kExitMargin - Clock::now());
  return std::clamp(static_cast<int>(left.count()), 0, default_ms);
}

void InstallSignalHandlers() {
  struct sigaction action = {};
  action.sa_handler = RequestStop;
  sigemptyset(&action.sa_mask);
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

constexpr auto kReportInterval = std::chrono::milliseconds(200);
// How long the input must be quiet before the stage is asked to flush.
constexpr long kIdleFlushMs = 20;
// The longest a terminal stage's processed input waits for a flush (and
// so its acknowledgement) while input keeps coming.
constexpr auto kMaxFlushDelay = std::chrono::milliseconds(250);
// How long a blocked send may wait once a stop is requested: half the
// stop deadline, leaving the rest for the flush and the exit.
constexpr auto kStopSendDeadline = kStopDeadline / 2;
// How long closing an output may wait for its queue to be delivered.
constexpr int kOutputLingerMs = 30000;
// Between hosts: a peer silent this long is disconnected (see SetHeartbeat).
constexpr int kHeartbeatIntervalMs = 1000;
constexpr int kHeartbeatTimeoutMs = 4000;

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
      : launch_(launch), type_(type), pid_(getpid()), parent_pid_(getppid()) {
    report_.set_stage(launch.stage());
    report_.set_replica(launch.replica());
    report_.set_pid(pid_);
    for (int i = 0; i < kLatencyBuckets; ++i) report_.add_latency_buckets(0);
  }

  int Run() {
    if (!OpenSockets()) return kStageExitBadLaunch;
    if (type_.kind == NF_STAGE_SOURCE && launch_.acks() &&
        !launch_.journal_path().empty()) {
      std::vector<std::string> terminals(launch_.terminals().begin(),
                                         launch_.terminals().end());
      absl::StatusOr<std::unique_ptr<SourceJournal>> journal =
          SourceJournal::Open(launch_.journal_path(), std::move(terminals));
      if (!journal.ok()) {
        Log(NF_LOG_ERROR, std::string(journal.status().message()));
        return kStageExitBadLaunch;
      }
      journal_ = *std::move(journal);
      if (!journal_->pending().empty()) {
        Log(NF_LOG_INFO,
            absl::StrCat("journal: ", journal_->pending().size(),
                         " unacknowledged messages to re-send, ",
                         journal_->settled_count(), " delivered before"));
      }
      report_.set_pending_acks(
          static_cast<int64_t>(journal_->pending().size()));
    }

    nf_host host = {sizeof(nf_host),          this,
                    &StageHost::EmitThunk,    &StageHost::LogThunk,
                    &StageHost::RejectThunk,  &StageHost::ProgressThunk,
                    &StageHost::StoppingThunk};
    if (!launch_.state_dir().empty()) {
      setenv("NEWSFLOW_STATE_DIR", launch_.state_dir().c_str(), 1);
      setenv("NEWSFLOW_STAGE_ID",
             absl::StrCat(launch_.stage(), ".", launch_.replica()).c_str(), 1);
    }
    // Options a restart cannot fix are reported as such, before create()
    // could fail on them (or half-succeed).
    std::vector<OptionProblem> problems;
    {
      BusyWith busy("validate()");
      problems = ValidateStageOptions(type_, launch_.options_json());
    }
    if (!problems.empty()) {
      for (const OptionProblem& problem : problems) {
        Log(NF_LOG_ERROR, absl::StrCat("stage '", launch_.stage(), "' (type ",
                                       type_.name, "): invalid options: ",
                                       FormatOptionProblems({problem})));
      }
      SendReport(/*final=*/true);
      return kStageExitBadConfig;
    }
    char error_text[1024] = "";
    nf_error error = {error_text, sizeof(error_text)};
    {
      BusyWith busy("create()");
      instance_ = type_.create(launch_.options_json().c_str(), &host, &error);
    }
    if (instance_ == nullptr) {
      Log(NF_LOG_ERROR,
          absl::StrCat("cannot start stage '", launch_.stage(), "' (type ",
                       type_.name, "): ", error_text));
      SendReport(/*final=*/true);
      return kStageExitBadLaunch;
    }
    Log(NF_LOG_DEBUG, absl::StrCat("started ", type_.name));
    int exit_code = type_.kind == NF_STAGE_SOURCE ? RunSource() : RunConsumer();
    if (exit_code == kStageExitOk) Flush();
    {
      BusyWith busy("destroy()");
      type_.destroy(instance_);
    }
    instance_ = nullptr;
    SendReport(/*final=*/true);
    CloseSockets();
    return exit_code;
  }

 private:
  // CURVE: this host's key, and a ZAP handler bound before any secure
  // socket is (without one libzmq would let every key in).
  bool StartSecurity() {
    if (!launch_.has_security()) return true;
    absl::StatusOr<KeyPair> pair =
        ReadSecretKeyFile(launch_.security().secret_key_file());
    if (!pair.ok()) {
      Log(NF_LOG_ERROR, std::string(pair.status().message()));
      return false;
    }
    own_key_ = *pair;
    absl::StatusOr<std::unique_ptr<ZapHandler>> zap = ZapHandler::Start(
        context_,
        MakeAccessPolicy(launch_.security().host_keys(),
                         launch_.security().client_keys()),
        [this](const std::string& line) { Log(NF_LOG_WARNING, line); });
    if (!zap.ok()) {
      Log(NF_LOG_ERROR, std::string(zap.status().message()));
      return false;
    }
    zap_ = *std::move(zap);
    return true;
  }

  // A socket this process binds for other hosts.
  void SecureServer(zmq::socket_t& socket, const char* domain) {
    if (own_key_) MakeCurveServer(socket, *own_key_, domain);
    if (launch_.between_hosts()) {
      SetHeartbeat(socket, kHeartbeatIntervalMs, kHeartbeatTimeoutMs);
    }
  }

  // Connects `socket` to `endpoint` on the host whose key is `server_key`.
  void SecureConnect(zmq::socket_t& socket, const std::string& endpoint,
                     const std::string& server_key) {
    if (own_key_ && !server_key.empty()) {
      MakeCurveClient(socket, *own_key_, server_key);
    }
    if (launch_.between_hosts()) {
      SetHeartbeat(socket, kHeartbeatIntervalMs, kHeartbeatTimeoutMs);
    }
    socket.connect(endpoint);
  }

  bool OpenSockets() {
    if (!StartSecurity()) return false;
    try {
      const int rcvhwm = launch_.receive_high_water_mark();
      if (!launch_.input_endpoint().empty()) {
        EnsureIpcDirectory(launch_.input_endpoint());
        input_ =
            std::make_unique<zmq::socket_t>(context_, zmq::socket_type::pull);
        if (rcvhwm > 0) input_->set(zmq::sockopt::rcvhwm, rcvhwm);
        input_->set(zmq::sockopt::linger, 0);
        SecureServer(*input_, kDataDomain);
        input_->bind(launch_.input_endpoint());
      }
      for (const auto& link : launch_.outputs()) {
        outputs_.push_back(OpenOutput(link));
      }
      if (!launch_.ack_endpoint().empty() && launch_.acks()) {
        EnsureIpcDirectory(launch_.ack_endpoint());
        ack_input_ =
            std::make_unique<zmq::socket_t>(context_, zmq::socket_type::pull);
        ack_input_->set(zmq::sockopt::rcvhwm, 100000);
        ack_input_->set(zmq::sockopt::linger, 0);
        SecureServer(*ack_input_, kDataDomain);
        ack_input_->bind(launch_.ack_endpoint());
      }
      if (!launch_.command_endpoint().empty()) {
        EnsureIpcDirectory(launch_.command_endpoint());
        commands_ =
            std::make_unique<zmq::socket_t>(context_, zmq::socket_type::pull);
        commands_->set(zmq::sockopt::linger, 0);
        commands_->bind(launch_.command_endpoint());
      }
      if (!launch_.tap_endpoint().empty()) {
        EnsureIpcDirectory(launch_.tap_endpoint());
        tap_ =
            std::make_unique<zmq::socket_t>(context_, zmq::socket_type::xpub);
        tap_->set(zmq::sockopt::sndhwm, 10000);
        tap_->set(zmq::sockopt::linger, 0);
        SecureServer(*tap_, kObserveDomain);
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
    socket->set(zmq::sockopt::linger, kOutputLingerMs);
    for (int i = 0; i < link.endpoints_size(); ++i) {
      SecureConnect(*socket, link.endpoints(i),
                    i < link.server_keys_size() ? link.server_keys(i) : "");
    }
    return Output{link, std::move(socket)};
  }

  void CloseSockets() {
    // With the runner gone nobody will drain what is queued: lingering
    // would only keep this process alive (the source journal re-sends
    // everything unacknowledged on the next start). Once stopping, it may
    // only use what is left of the stop deadline, for the same reason.
    const int linger =
        getppid() != parent_pid_ ? 0 : CloseLingerMs(kOutputLingerMs);
    auto cap_linger = [linger](zmq::socket_t& socket) {
      if (socket.get(zmq::sockopt::linger) > linger) {
        socket.set(zmq::sockopt::linger, linger);
      }
    };
    for (Output& output : outputs_) {
      if (output.socket) cap_linger(*output.socket);
    }
    for (auto& [origin, socket] : ack_sockets_) cap_linger(*socket);
    if (control_) cap_linger(*control_);
    ack_sockets_.clear();
    ack_input_.reset();
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
      bool reconnect =
          std::find(rewire.reconnect().begin(), rewire.reconnect().end(),
                    link.stage()) != rewire.reconnect().end();
      auto same =
          std::find_if(outputs_.begin(), outputs_.end(), [&](const Output& o) {
            return o.socket &&
                   o.link.SerializeAsString() == link.SerializeAsString();
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
    Clock::time_point last_housekeeping = Clock::now();
    while (!g_stop_requested.load()) {
      if (Clock::now() - last_housekeeping > std::chrono::milliseconds(100)) {
        last_housekeeping = Clock::now();
        SourceHousekeeping();
      }
      if (draining_) {
        // Stop reading; stay until everything sent is acknowledged.
        if (!journal_ || journal_->pending().empty()) break;
        WaitForEvents(50);
        continue;
      }
      if (done || (journal_ && static_cast<int>(journal_->pending().size()) >=
                                   launch_.max_in_flight())) {
        WaitForEvents(done ? 200 : 20);
        continue;
      }
      nf_poll_state state = NF_POLL_MORE;
      char error_text[1024] = "";
      nf_error error = {error_text, sizeof(error_text)};
      auto start = Clock::now();
      nf_result result;
      {
        BusyWith busy("poll()");
        result = type_.poll(instance_, &state, &error);
      }
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
        Log(NF_LOG_INFO,
            absl::StrCat("source finished: ", report_.emitted(), " emitted, ",
                         deduplicated_, " already delivered, ",
                         report_.failed(), " failed"));
        SendReport(false);
        continue;
      }
      WaitForEvents(state == NF_POLL_IDLE ? 100 : 0);
    }
    SourceHousekeeping();
    return kStageExitOk;
  }

  // Re-sends what waited too long for its acknowledgement; keeps the
  // journal durable and compact.
  //
  // Waiting long is not enough to be presumed lost: under load a message
  // can sit in full queues far longer than the timeout, and re-sending it
  // would only double the work (and the load). So a message is re-sent
  // once it has waited ack_timeout_ms AND either nothing at all was
  // acknowledged during that time (the pipeline stalled or a stage died)
  // or a message sent after it was acknowledged first (it was overtaken,
  // so a process that held it died). Re-sends of one message back off
  // exponentially.
  void SourceHousekeeping() {
    if (!journal_) return;
    const absl::Time now = absl::Now();
    const absl::Duration timeout = absl::Milliseconds(launch_.ack_timeout_ms());
    const bool stalled = now - last_ack_ >= timeout;
    const int64_t resent_before = resent_;
    // Said once per round: a lost link or host shows up in the log.
    auto log_resends = [&] {
      if (resent_ == resent_before) return;
      Log(NF_LOG_INFO, absl::StrCat("re-sent ", resent_ - resent_before,
                                    " messages not acknowledged within ",
                                    launch_.ack_timeout_ms(), " ms (", resent_,
                                    " re-sends so far)"));
    };
    for (auto& [seq, pending] : journal_->pending()) {
      // Each further re-send of one message waits twice as long (up to
      // 16x), so a slow pipeline is not flooded with copies.
      const int backoff = 1 << std::min(std::max(pending.sends - 1, 0), 4);
      if (now - pending.last_sent < timeout * backoff) continue;
      // (Never sent by this process: left over from before a restart.)
      const bool unsent = pending.sends == 0;
      if (!unsent && !stalled && latest_acked_send_ <= pending.last_sent) {
        continue;
      }
      if (pending.sends > 0) resent_++;
      pending.last_sent = now;
      pending.sends++;
      v1::Envelope envelope;
      envelope.set_id(pending.id);
      envelope.set_origin_stage(launch_.stage());
      envelope.set_origin_replica(launch_.replica());
      envelope.set_seq(seq);
      if (!SendToOutputs(&envelope, pending.article)) {
        log_resends();
        return;
      }
    }
    log_resends();
    if (absl::Status status = journal_->Sync(); !status.ok()) {
      Log(NF_LOG_ERROR, std::string(status.message()));
    }
    if (++housekeeping_rounds_ % 100 == 0) {
      if (absl::Status status = journal_->MaybeCompact(); !status.ok()) {
        Log(NF_LOG_WARNING, std::string(status.message()));
      }
    }
    report_.set_pending_acks(static_cast<int64_t>(journal_->pending().size()));
  }

  int RunConsumer() {
    bool dirty = false;
    Clock::time_point last_input = Clock::now();
    Clock::time_point retry_flush_at{};
    Clock::time_point first_unflushed{};
    while (!g_stop_requested.load()) {
      bool input_ready = WaitForEvents(dirty ? kIdleFlushMs : 50);
      if (!input_ready) {
        if (dirty && Clock::now() >= retry_flush_at) {
          dirty = !Flush();
          // A failing flush (a full disk, say) is retried, not hammered.
          if (dirty) retry_flush_at = Clock::now() + std::chrono::seconds(1);
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
        Pace();
        std::vector<zmq::message_t> parts;
        try {
          zmq::message_t first;
          if (!input_->recv(first, zmq::recv_flags::dontwait)) break;
          parts.push_back(std::move(first));
          while (parts.back().more() && parts.size() < 16) {
            zmq::message_t next;
            if (!input_->recv(next, zmq::recv_flags::dontwait)) break;
            parts.push_back(std::move(next));
          }
        } catch (const zmq::error_t& e) {
          if (e.num() == EINTR) break;
          Log(NF_LOG_ERROR, absl::StrCat("receive failed: ", e.what()));
          return kStageExitFatal;
        }
        if (!ProcessFrame(parts)) return kStageExitFatal;
        if (!dirty) first_unflushed = Clock::now();
        dirty = true;
      }
      // Under continuous input the quiet-time flush never comes: without
      // this a terminal stage would hold its acknowledgements until the
      // input paused, and a source re-sending what timed out would keep
      // it from ever pausing. Only terminals: for the others a flush gates
      // no acknowledgement and may be costly (tag persists its state).
      if (dirty && outputs_.empty() &&
          Clock::now() - first_unflushed >= kMaxFlushDelay &&
          Clock::now() >= retry_flush_at) {
        dirty = !Flush();
        if (dirty) retry_flush_at = Clock::now() + std::chrono::seconds(1);
      }
    }
    return kStageExitOk;
  }

  // Honours launch.rate_limit by waiting (while still reporting).
  void Pace() {
    if (launch_.rate_limit() <= 0) return;
    const auto interval = std::chrono::nanoseconds(
        static_cast<int64_t>(1e9 / launch_.rate_limit()));
    const Clock::time_point now = Clock::now();
    // In slices: a slow rate must not hold up a stop.
    while (next_input_at_ > Clock::now() && !g_stop_requested.load()) {
      std::this_thread::sleep_for(std::min<Clock::duration>(
          next_input_at_ - Clock::now(), std::chrono::milliseconds(50)));
      if (Clock::now() - last_report_ >= kReportInterval) SendReport(false);
    }
    next_input_at_ = std::max(next_input_at_, now) + interval;
  }

  // A frame is [Envelope, Article] between stages, or a bare Article from
  // outside (no acknowledgement then). Returns false when the stage is
  // unusable.
  bool ProcessFrame(std::vector<zmq::message_t>& parts) {
    report_.set_received(report_.received() + 1);
    size_t size = 0;
    for (const auto& part : parts) size += part.size();
    report_.set_bytes_in(report_.bytes_in() + size);
    const std::string what = absl::StrCat("frame #", report_.received());
    std::vector<absl::string_view> views;
    for (const auto& part : parts) {
      views.emplace_back(static_cast<const char*>(part.data()), part.size());
    }
    absl::StatusOr<DecodedFrame> frame =
        DecodeFrame(views, !parts.empty() && parts.back().more());
    if (!frame.ok()) {
      DeadLetter(what, std::string(frame.status().message()),
                 parts.empty() ? "" : parts.back().to_string(), nullptr);
      return true;
    }
    std::optional<v1::Envelope>& envelope = frame->envelope;
    const zmq::message_t* article = &parts.back();
    std::string bytes(static_cast<const char*>(article->data()),
                      article->size());
    AppendTraceHop(MakeHop(), &bytes);
    char error_text[1024] = "";
    nf_error error = {error_text, sizeof(error_text)};
    current_envelope_ = envelope ? &*envelope : nullptr;
    emitted_for_input_ = 0;
    auto start = Clock::now();
    nf_result result;
    {
      BusyWith busy("process()");
      result = type_.process(instance_, bytes.data(), bytes.size(), &error);
    }
    int64_t elapsed = Elapsed(start);
    current_envelope_ = nullptr;
    report_.set_busy_ns(report_.busy_ns() + elapsed);
    RecordLatency(elapsed);
    if (result == NF_FATAL || fatal_) {
      Log(NF_LOG_ERROR, absl::StrCat("stage failed: ", error_text));
      return false;
    }
    if (result == NF_ERROR) {
      report_.set_failed(report_.failed() + 1);
      DeadLetter(what, error_text, article->to_string(),
                 envelope ? &*envelope : nullptr);
    }
    if (envelope && launch_.acks() &&
        (result == NF_ERROR || emitted_for_input_ == 0)) {
      // Settled here: dead-lettered, dropped, or stored by a terminal. A
      // terminal acknowledges only after its flush makes it durable.
      if (result != NF_ERROR && launch_.outputs_size() == 0) {
        unflushed_acks_.push_back(*envelope);
      } else {
        SendAcks({*envelope});
      }
    }
    return true;
  }

  // An input this stage could not process (`envelope`: its message's, when
  // it had one): logged, counted, and appended to the dead-letter file.
  void DeadLetter(const std::string& what, const std::string& reason,
                  const std::string& raw, const v1::Envelope* envelope) {
    Log(NF_LOG_ERROR,
        absl::StrCat(
            what,
            envelope ? absl::StrCat(" (article ", envelope->id(), ")") : "",
            " -> dead letters: ", reason));
    KeepDeadLetter(what, reason, raw, envelope);
  }

  void KeepDeadLetter(const std::string& what, const std::string& reason,
                      const std::string& raw, const v1::Envelope* envelope) {
    v1::DeadLetter letter;
    letter.set_at(NowRfc3339());
    letter.set_stage(launch_.stage());
    letter.set_replica(launch_.replica());
    letter.set_reason(reason);
    letter.set_what(what);
    letter.set_raw(raw);
    if (envelope != nullptr) letter.set_article_id(envelope->id());
    report_.set_dead_letters(report_.dead_letters() + 1);
    if (launch_.dead_letter_path().empty()) return;
    if (absl::Status status =
            AppendDeadLetter(launch_.dead_letter_path(), letter);
        !status.ok()) {
      Log(NF_LOG_ERROR, std::string(status.message()));
    }
  }

  // Tells each envelope's source that this stage's terminals settled it.
  void SendAcks(const std::vector<v1::Envelope>& envelopes) {
    absl::flat_hash_map<std::string, v1::AckBatch> batches;
    for (const auto& envelope : envelopes) {
      std::string origin =
          absl::StrCat(envelope.origin_stage(), ".", envelope.origin_replica());
      v1::AckBatch& batch = batches[origin];
      batch.add_seqs(envelope.seq());
    }
    for (auto& [origin, batch] : batches) {
      for (const auto& terminal : launch_.terminals()) {
        batch.add_terminals(terminal);
      }
      auto endpoint = launch_.ack_endpoints().find(origin);
      if (endpoint == launch_.ack_endpoints().end()) {
        Log(NF_LOG_WARNING, absl::StrCat("no acknowledgement endpoint for ",
                                         origin, "; its source will re-send"));
        continue;
      }
      std::unique_ptr<zmq::socket_t>& socket = ack_sockets_[origin];
      try {
        if (!socket) {
          socket =
              std::make_unique<zmq::socket_t>(context_, zmq::socket_type::push);
          socket->set(zmq::sockopt::sndhwm, 100000);
          socket->set(zmq::sockopt::linger, 2000);
          auto key = launch_.ack_server_keys().find(origin);
          SecureConnect(
              *socket, endpoint->second,
              key == launch_.ack_server_keys().end() ? "" : key->second);
        }
        std::string bytes;
        batch.SerializeToString(&bytes);
        // A lost acknowledgement only costs a re-send (and the store's
        // upsert makes that harmless), so never block on it.
        socket->send(zmq::buffer(bytes), zmq::send_flags::dontwait);
      } catch (const zmq::error_t& e) {
        Log(NF_LOG_WARNING,
            absl::StrCat("acknowledgement to ", origin, " failed: ", e.what()));
      }
    }
  }

  void ReadAcks() {
    while (true) {
      zmq::message_t message;
      try {
        if (!ack_input_->recv(message, zmq::recv_flags::dontwait)) return;
      } catch (const zmq::error_t&) {
        return;
      }
      v1::AckBatch batch;
      if (!batch.ParseFromArray(message.data(),
                                static_cast<int>(message.size()))) {
        Log(NF_LOG_WARNING, "ignored a malformed acknowledgement");
        continue;
      }
      const absl::Time now = absl::Now();
      for (uint64_t seq : batch.seqs()) {
        auto pending = journal_->pending().find(seq);
        if (pending == journal_->pending().end()) continue;
        last_ack_ = now;
        latest_acked_send_ =
            std::max(latest_acked_send_, pending->second.last_sent);
        for (const auto& terminal : batch.terminals()) {
          journal_->Ack(seq, terminal);
        }
      }
      report_.set_pending_acks(
          static_cast<int64_t>(journal_->pending().size()));
    }
  }

  // Returns true when everything received so far is now complete.
  bool Flush() {
    if (instance_ == nullptr) return false;
    if (type_.flush != nullptr) {
      char error_text[1024] = "";
      nf_error error = {error_text, sizeof(error_text)};
      auto start = Clock::now();
      nf_result result;
      {
        BusyWith busy("flush()");
        result = type_.flush(instance_, &error);
      }
      report_.set_busy_ns(report_.busy_ns() + Elapsed(start));
      if (result != NF_OK) {
        Log(NF_LOG_ERROR, absl::StrCat("flush failed: ", error_text));
        return false;
      }
    }
    report_.set_completed(report_.received());
    if (!unflushed_acks_.empty()) {
      SendAcks(unflushed_acks_);
      unflushed_acks_.clear();
    }
    return true;
  }

  // Waits up to timeout_ms for input or tap subscriptions; sends periodic
  // reports. Returns true when input is ready.
  bool WaitForEvents(long timeout_ms) {
    zmq_pollitem_t items[4];
    int count = 0;
    int input_index = -1, tap_index = -1, command_index = -1, ack_index = -1;
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
    if (ack_input_ && journal_) {
      items[count] = {ack_input_->handle(), 0, ZMQ_POLLIN, 0};
      ack_index = count++;
    }
    int rc = zmq_poll(items, count, timeout_ms);
    if (rc > 0 && tap_index >= 0 && (items[tap_index].revents & ZMQ_POLLIN)) {
      ReadTapSubscriptions();
    }
    if (rc > 0 && command_index >= 0 &&
        (items[command_index].revents & ZMQ_POLLIN)) {
      ReadCommands();
    }
    if (rc > 0 && ack_index >= 0 && (items[ack_index].revents & ZMQ_POLLIN)) {
      ReadAcks();
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
    std::string payload(static_cast<const char*>(data), size);
    std::optional<v1::Envelope> source_envelope;
    if (type_.kind == NF_STAGE_SOURCE) {
      AppendTraceHop(MakeHop(), &payload);
      if (journal_) {
        std::string id = ArticleIdOf(payload);
        if (id.empty()) id = StableHashHex(payload);
        if (journal_->Known(id)) {
          // Read again after a restart; delivered (or in flight) already.
          deduplicated_++;
          return NF_OK;
        }
        absl::StatusOr<uint64_t> seq = journal_->Emit(id, payload);
        if (!seq.ok()) {
          Log(NF_LOG_ERROR, std::string(seq.status().message()));
          return NF_FATAL;
        }
        auto& pending = journal_->pending()[*seq];
        pending.last_sent = absl::Now();
        pending.sends = 1;
        source_envelope.emplace();
        source_envelope->set_id(id);
        source_envelope->set_origin_stage(launch_.stage());
        source_envelope->set_origin_replica(launch_.replica());
        source_envelope->set_seq(*seq);
        report_.set_pending_acks(
            static_cast<int64_t>(journal_->pending().size()));
      }
    }
    const v1::Envelope* envelope =
        source_envelope ? &*source_envelope : current_envelope_;
    if (!SendToOutputs(envelope, payload)) return NF_FATAL;
    if (tap_ && tap_listening_) {
      try {
        // Never blocks: a slow `tail` loses messages, the pipeline does not.
        // [8-byte big-endian sequence, article]: tail counts the gaps.
        unsigned char sequence[8];
        uint64_t n = static_cast<uint64_t>(report_.emitted()) + 1;
        for (int i = 7; i >= 0; --i, n >>= 8) {
          sequence[i] = static_cast<unsigned char>(n & 0xFF);
        }
        tap_->send(zmq::buffer(sequence, sizeof(sequence)),
                   zmq::send_flags::sndmore | zmq::send_flags::dontwait);
        tap_->send(zmq::buffer(payload), zmq::send_flags::dontwait);
      } catch (const zmq::error_t&) {
      }
    }
    emitted_for_input_++;
    report_.set_emitted(report_.emitted() + 1);
    report_.set_bytes_out(report_.bytes_out() + payload.size());
    if (Clock::now() - last_report_ >= kReportInterval) SendReport(false);
    return NF_OK;
  }

  // Sends [envelope, article] (or a bare article) to every output.
  bool SendToOutputs(const v1::Envelope* envelope, const std::string& article) {
    std::string header;
    if (envelope != nullptr) envelope->SerializeToString(&header);
    for (auto& output : outputs_) {
      if (envelope != nullptr) {
        if (!SendBlocking(*output.socket, header.data(), header.size(),
                          zmq::send_flags::sndmore)) {
          return false;
        }
      }
      if (!SendBlocking(*output.socket, article.data(), article.size(),
                        zmq::send_flags::none)) {
        return false;
      }
    }
    return true;
  }

  bool SendBlocking(zmq::socket_t& socket, const void* data, size_t size,
                    zmq::send_flags flags) {
    Clock::time_point stop_seen{};
    const Clock::time_point start = Clock::now();
    for (int attempt = 0;; ++attempt) {
      if (attempt == 1) blocked_since_ = start;
      try {
        if (socket.send(zmq::buffer(data, size), flags)) {
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

  // An outside input a stage turned down (an unreadable file, a malformed
  // record): kept with the dead letters, so that `newsflow deadletters`
  // lists everything the pipeline did not take in, wherever it stopped.
  void Reject(const std::string& what, const std::string& reason,
              absl::string_view raw) {
    report_.set_failed(report_.failed() + 1);
    Log(NF_LOG_WARNING,
        absl::StrCat(
            "rejected ", what, ": ", reason,
            raw.empty() ? "" : absl::StrCat(" (", raw.size(), " bytes)"),
            " -> dead letters"));
    KeepDeadLetter(what, reason, std::string(raw), nullptr);
  }

  void RecordLatency(int64_t nanoseconds) {
    int bucket = 0;
    while (bucket < kLatencyBuckets - 1 &&
           nanoseconds > kLatencyBucketBoundsUs[bucket] * 1000) {
      ++bucket;
    }
    report_.set_latency_buckets(bucket, report_.latency_buckets(bucket) + 1);
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
  static void ProgressThunk(void* context, const char* source, int64_t seen,
                            int64_t added, int64_t failed) {
    auto* host = static_cast<StageHost*>(context);
    const std::string name = source == nullptr ? "" : source;
    v1::SourceProgress* target = nullptr;
    for (v1::SourceProgress& existing : *host->report_.mutable_sources()) {
      if (existing.name() == name) target = &existing;
    }
    if (target == nullptr) {
      target = host->report_.add_sources();
      target->set_name(name);
    }
    target->set_seen(seen);
    target->set_added(added);
    target->set_failed(failed);
  }
  static int StoppingThunk(void* /*context*/) {
    return g_stop_requested.load() ? 1 : 0;
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
  const pid_t parent_pid_;
  // Acknowledgement progress, for SourceHousekeeping's re-send rule.
  absl::Time last_ack_ = absl::Now();
  absl::Time latest_acked_send_ = absl::InfinitePast();
  void* instance_ = nullptr;
  bool fatal_ = false;
  bool tap_listening_ = false;
  bool draining_ = false;
  // Delivery: a source's journal and the socket acknowledgements reach it
  // on; every stage's sockets to the sources it acknowledges.
  std::unique_ptr<SourceJournal> journal_;
  std::unique_ptr<zmq::socket_t> ack_input_;
  absl::flat_hash_map<std::string, std::unique_ptr<zmq::socket_t>> ack_sockets_;
  // The envelope of the input being processed (nullptr for a bare one).
  const v1::Envelope* current_envelope_ = nullptr;
  int emitted_for_input_ = 0;
  // Inputs a terminal stage settled; acknowledged after the next flush.
  std::vector<v1::Envelope> unflushed_acks_;
  int64_t deduplicated_ = 0;
  int64_t resent_ = 0;
  int64_t housekeeping_rounds_ = 0;
  Clock::time_point next_input_at_{};
  // Set while a send waits on a full downstream queue.
  Clock::time_point blocked_since_{};
  int drain_quiet_ms_ = 500;
  zmq::context_t context_{1};
  // Declared after the context: the handler's socket closes first.
  std::optional<KeyPair> own_key_;
  std::unique_ptr<ZapHandler> zap_;
  std::unique_ptr<zmq::socket_t> input_;
  std::vector<Output> outputs_;
  std::unique_ptr<zmq::socket_t> tap_;
  std::unique_ptr<zmq::socket_t> commands_;
  std::unique_ptr<zmq::socket_t> control_;
  v1::StageReport report_;
  Clock::time_point last_report_{};
};

}  // namespace

int RunStageHost(const v1::StageLaunch& launch, const StageRegistry& registry) {
  sem_init(&g_stop_signalled, /*pshared=*/0, /*value=*/0);
  StartStopDeadline(launch.stage());
  InstallSignalHandlers();
  const RegisteredStageType* registered = registry.Find(launch.type());
  if (registered == nullptr) {
    fprintf(stderr, "error: unknown stage type '%s'\n", launch.type().c_str());
    return kStageExitBadLaunch;
  }
  auto host = std::make_unique<StageHost>(launch, *registered->type);
  const int exit_code = host->Run();
  {
    // Ending the ZeroMQ context waits (lingers) for queued messages.
    BusyWith busy("delivering queued messages");
    host.reset();
  }
  g_host_finished.store(true);
  return exit_code;
}

}  // namespace newsflow
