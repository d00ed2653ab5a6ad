#include "runner/host/stage_host.h"

#include <semaphore.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "runner/config/delivery_policy.h"
#include "runner/host/dead_letters.h"
#include "runner/host/delivery.h"
#include "runner/host/journal.h"
#include "runner/host/reporter.h"
#include "runner/host/stage_instance.h"
#include "runner/host/tap.h"
#include "runner/host/wiring.h"
#include "runner/wire/frame.h"
#include "runner/wire/utf8_fields.h"
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

// How long the input must be quiet before the stage is asked to flush.
constexpr long kIdleFlushMs = 20;
// The longest a terminal stage's processed input waits for a flush (and
// so its acknowledgement) while input keeps coming.
constexpr auto kMaxFlushDelay = std::chrono::milliseconds(250);
// A consumer takes at most this many articles (in as many frames as they
// came in) before it looks at commands, acknowledgements and reports again.
constexpr int kBurstArticles = 256;
// How long a batch may hold an article back, waiting for the next input to
// be processed: a pass-through stage fills a batch well within it, a slow
// stage (milliseconds an article) sends each article as it is done.
constexpr std::chrono::microseconds kMaxBatchDelay(1000);
// How long a blocked send may wait once a stop is requested: half the
// stop deadline, leaving the rest for the flush and the exit.
constexpr auto kStopSendDeadline = kStopDeadline / 2;
// Emit() looks whether a report is due once per this many emissions.
constexpr int kEmitsPerReportCheck = 32;
// How often a source re-sends, syncs and compacts its journal.
constexpr auto kHousekeepingInterval = std::chrono::milliseconds(100);

void Log(nf_log_level level, absl::string_view message) {
  static constexpr const char* kLevels[] = {"debug", "info", "warning",
                                            "error"};
  if (level == NF_LOG_DEBUG && getenv("NEWSFLOW_DEBUG") == nullptr) return;
  int index = level >= NF_LOG_DEBUG && level <= NF_LOG_ERROR ? level : 1;
  std::string line = absl::StrCat(kLevels[index], ": ", message, "\n");
  fwrite(line.data(), 1, line.size(), stderr);
  fflush(stderr);
}

// What a source's poll() asked for next.
enum class PollOutcome { kMore, kIdle, kDone, kFatal };

// The loop of one stage process: it composes Wiring (sockets), Delivery
// (journal, acknowledgements, re-sends), Reporter (counters) and the Tap
// around a StageInstance, and serves what the instance calls back.
class StageHost final : private HostServices, private Wiring::FullOutputWait {
 public:
  StageHost(const v1::StageLaunch& launch, const nf_stage_type& type)
      : launch_(launch),
        pid_(getpid()),
        parent_pid_(getppid()),
        wiring_(launch,
                [](const std::string& line) {
                  newsflow::Log(NF_LOG_WARNING, line);
                }),
        reporter_(launch.stage(), launch.replica(), pid_),
        trace_(launch.stage(), launch.replica(), pid_),
        dead_letters_(launch.dead_letter_path(), launch.stage(),
                      launch.replica()),
        stage_(type, &g_busy_with) {}

  int Run() {
    if (absl::Status status = wiring_.Open(); !status.ok()) {
      Log(NF_LOG_ERROR, status.message());
      return kStageExitBadLaunch;
    }
    if (!OpenDelivery()) return kStageExitBadLaunch;
    if (int exit_code = CreateStage(); exit_code != kStageExitOk) {
      return exit_code;
    }
    int exit_code = is_source() ? RunSource() : RunConsumer();
    // A fatal final flush (a lost writeback) must not pass for a clean end:
    // the runner restarts a fatal stage, and what it did not flush is
    // re-sent.
    if (exit_code == kStageExitOk && !Flush() && flush_fatal_) {
      exit_code = kStageExitFatal;
    }
    stage_.Destroy();
    SendReady();
    SendReport(/*final=*/true);
    CloseSockets();
    return exit_code;
  }

 private:
  bool is_source() const { return stage_.type().kind == NF_STAGE_SOURCE; }

  // A source that acknowledges keeps a journal of what it sent.
  bool OpenDelivery() {
    if (!is_source() || !launch_.acks() || launch_.journal_path().empty()) {
      return true;
    }
    std::vector<std::string> terminals(launch_.terminals().begin(),
                                       launch_.terminals().end());
    absl::StatusOr<std::unique_ptr<SourceJournal>> journal =
        SourceJournal::Open(launch_.journal_path(), std::move(terminals));
    if (!journal.ok()) {
      Log(NF_LOG_ERROR, journal.status().message());
      return false;
    }
    delivery_ = std::make_unique<SourceDelivery>(
        DeliveryPolicyOf(launch_), *std::move(journal), launch_.stage(),
        launch_.replica(), absl::Now());
    if (delivery_->pending_count() > 0) {
      Log(NF_LOG_INFO,
          absl::StrCat("journal: ", delivery_->pending_count(),
                       " unacknowledged messages to re-send, ",
                       delivery_->settled_count(), " delivered before"));
    }
    reporter_.SetPendingAcks(delivery_->pending_count());
    return true;
  }

  // Validates the options and creates the stage instance; returns the
  // exit code when that fails.
  int CreateStage() {
    if (!launch_.state_dir().empty()) {
      setenv("NEWSFLOW_STATE_DIR", launch_.state_dir().c_str(), 1);
      setenv("NEWSFLOW_STAGE_ID",
             absl::StrCat(launch_.stage(), ".", launch_.replica()).c_str(), 1);
    }
    // Options a restart cannot fix are reported as such, before create()
    // could fail on them (or half-succeed).
    const std::vector<OptionProblem> problems =
        stage_.Validate(launch_.options_json());
    for (const OptionProblem& problem : problems) {
      Log(NF_LOG_ERROR, absl::StrCat("stage '", launch_.stage(), "' (type ",
                                     stage_.type().name, "): invalid options: ",
                                     FormatOptionProblems({problem})));
    }
    if (!problems.empty()) {
      SendReport(/*final=*/true);
      return kStageExitBadConfig;
    }
    if (absl::Status status = stage_.Create(launch_.options_json(), this);
        !status.ok()) {
      Log(NF_LOG_ERROR,
          absl::StrCat("cannot start stage '", launch_.stage(), "' (type ",
                       stage_.type().name, "): ", status.message()));
      SendReport(/*final=*/true);
      return kStageExitBadLaunch;
    }
    Log(NF_LOG_DEBUG, absl::StrCat("started ", stage_.type().name));
    return kStageExitOk;
  }

  void CloseSockets() {
    // With the runner gone nobody will drain what is queued: lingering
    // would only keep this process alive (the source journal re-sends
    // everything unacknowledged on the next start). Once stopping, it may
    // only use what is left of the stop deadline, for the same reason.
    // Output queued when the stop came is not worth even that: the next
    // stage is stopping too, and with acknowledgements the source re-sends
    // it on the next run. Acknowledgements and the final report still go.
    if (g_stop_requested.load() && launch_.acks()) {
      for (Wiring::Output& output : wiring_.outputs()) {
        if (output.socket) output.socket->set(zmq::sockopt::linger, 0);
      }
    }
    wiring_.Close(getppid() != parent_pid_ ? 0
                                           : CloseLingerMs(kOutputLingerMs));
  }

  void ReadCommands() {
    while (std::optional<zmq::message_t> message = wiring_.NextCommand()) {
      v1::StageCommand command;
      if (!command.ParseFromArray(message->data(),
                                  static_cast<int>(message->size()))) {
        Log(NF_LOG_WARNING, "ignored a malformed runner command");
        continue;
      }
      Apply(command);
      reporter_.SetCommandSeq(command.seq());
      SendReport(false);
    }
  }

  void Apply(const v1::StageCommand& command) {
    absl::Status status;
    if (command.has_unbind()) {
      status = wiring_.Unbind();
      if (status.ok())
        Log(NF_LOG_DEBUG, "unbound input and tap for a replacement");
    } else if (command.has_drain()) {
      draining_ = true;
      drain_quiet_ms_ = std::max(command.drain().quiet_ms(), 50);
      Log(NF_LOG_DEBUG, "draining");
    } else if (command.has_rewire()) {
      status = wiring_.Rewire(command.rewire());
      if (status.ok()) {
        Log(NF_LOG_DEBUG,
            absl::StrCat("rewired to ", wiring_.outputs().size(), " outputs"));
      }
    }
    if (!status.ok()) {
      Log(NF_LOG_ERROR,
          absl::StrCat("runner command failed: ", status.message()));
    }
  }

  int RunSource() {
    bool done = false;
    Clock::time_point last_housekeeping = Clock::now();
    while (!g_stop_requested.load()) {
      if (Clock::now() - last_housekeeping > kHousekeepingInterval) {
        last_housekeeping = Clock::now();
        SourceHousekeeping();
      }
      if (draining_) {
        // Stop reading; stay until everything sent is acknowledged.
        if (!delivery_ || delivery_->pending_count() == 0) break;
        WaitForEvents(50);
        continue;
      }
      if (done || (delivery_ && !delivery_->CanAdmit())) {
        WaitForEvents(done ? 200 : 20);
        continue;
      }
      switch (PollSource()) {
        case PollOutcome::kFatal:
          return kStageExitFatal;
        case PollOutcome::kDone:
          done = true;
          break;
        case PollOutcome::kIdle:
          WaitForEvents(100);
          break;
        case PollOutcome::kMore:
          WaitForEvents(0);
          break;
      }
    }
    SourceHousekeeping();
    return kStageExitOk;
  }

  PollOutcome PollSource() {
    nf_poll_state state = NF_POLL_MORE;
    const StageCall call = stage_.Poll(&state);
    reporter_.Called(call.elapsed_ns);
    // What one poll emitted goes out together, before anything waits.
    if (!SendReady()) return PollOutcome::kFatal;  // logged by the send
    if (call.result == NF_FATAL) {
      Log(NF_LOG_ERROR, absl::StrCat("source failed: ", call.error));
      return PollOutcome::kFatal;
    }
    if (call.result == NF_ERROR) {
      reporter_.Failed();
      Log(NF_LOG_ERROR, absl::StrCat("source error: ", call.error));
    }
    if (state == NF_POLL_DONE || (state == NF_POLL_IDLE && launch_.once())) {
      if (!Flush() && flush_fatal_) return PollOutcome::kFatal;
      reporter_.SetSourceDone();
      const v1::StageReport& report = reporter_.report();
      Log(NF_LOG_INFO,
          absl::StrCat("source finished: ", report.emitted(), " emitted, ",
                       delivery_ ? delivery_->deduplicated() : 0,
                       " already delivered, ", report.failed(), " failed"));
      SendReport(false);
      return PollOutcome::kDone;
    }
    return state == NF_POLL_IDLE ? PollOutcome::kIdle : PollOutcome::kMore;
  }

  // Re-sends what waited too long for its acknowledgement (the rule is
  // SourceDelivery::DueForResend); keeps the journal durable and compact.
  void SourceHousekeeping() {
    if (!delivery_) return;
    const absl::Time now = absl::Now();
    const int64_t resent_before = delivery_->resent();
    bool sent = true;
    for (uint64_t seq : delivery_->DueForResend(now)) {
      std::optional<SourceDelivery::Outgoing> out = delivery_->Resend(seq, now);
      if (!out) continue;
      if (!OutboxFits(true, out->article.size()) && !SendOutbox()) {
        sent = false;
        break;
      }
      outbox_.Add(&out->envelope, out->article);
    }
    if (sent && !SendOutbox()) sent = false;
    outbox_.Clear();
    // Said once per round: a lost link or host shows up in the log.
    if (delivery_->resent() > resent_before) {
      Log(NF_LOG_INFO,
          absl::StrCat("re-sent ", delivery_->resent() - resent_before,
                       " messages not acknowledged within ",
                       launch_.ack_timeout_ms(), " ms (", delivery_->resent(),
                       " re-sends so far)"));
    }
    if (!sent) return;  // stopping, or downstream refused: next round
    if (absl::Status status = delivery_->Sync(); !status.ok()) {
      Log(NF_LOG_ERROR, status.message());
    }
    if (++housekeeping_rounds_ % 100 == 0) {
      if (absl::Status status = delivery_->MaybeCompact(); !status.ok()) {
        Log(NF_LOG_WARNING, status.message());
      }
    }
    reporter_.SetPendingAcks(delivery_->pending_count());
  }

  // A consumer's flush bookkeeping: processed input not yet flushed.
  struct Unflushed {
    bool dirty = false;
    Clock::time_point since{};     // the first unflushed input
    Clock::time_point retry_at{};  // after a failed flush
  };

  int RunConsumer() {
    Unflushed unflushed;
    Clock::time_point last_input = Clock::now();
    while (!g_stop_requested.load()) {
      if (!WaitForEvents(unflushed.dirty ? kIdleFlushMs : 50)) {
        if (unflushed.dirty && Clock::now() >= unflushed.retry_at) {
          if (!TryFlush(unflushed)) return kStageExitFatal;
          SendReport(false);
        }
        if (draining_ && !unflushed.dirty &&
            Clock::now() - last_input >
                std::chrono::milliseconds(drain_quiet_ms_)) {
          Log(NF_LOG_DEBUG, "drained");
          break;
        }
        continue;
      }
      last_input = Clock::now();
      if (!ProcessBurst(unflushed)) return kStageExitFatal;
      // Under continuous input the quiet-time flush never comes: without
      // this a terminal stage would hold its acknowledgements until the
      // input paused, and a source re-sending what timed out would keep
      // it from ever pausing. Only terminals: for the others a flush gates
      // no acknowledgement and may be costly (tag persists its state).
      // Nor may a source wait for the timer with its in-flight allowance
      // used up (delivery.h, FlushForInFlight).
      if (unflushed.dirty && wiring_.outputs().empty() &&
          (Clock::now() - unflushed.since >= kMaxFlushDelay ||
           FlushForInFlight(unflushed_acks_.size(), launch_.max_in_flight())) &&
          Clock::now() >= unflushed.retry_at && !TryFlush(unflushed)) {
        return kStageExitFatal;
      }
    }
    return kStageExitOk;
  }

  // Returns false when the flush was fatal: the process must end.
  bool TryFlush(Unflushed& unflushed) {
    unflushed.dirty = !Flush();
    // A failing flush (a full disk, say) is retried, not hammered.
    if (unflushed.dirty) {
      unflushed.retry_at = Clock::now() + std::chrono::seconds(1);
    }
    return !flush_fatal_;
  }

  // Processes a bounded burst of input, so reports and taps stay timely.
  // Returns false when the stage or its input is unusable.
  //
  // What the burst emits is collected while more input is already queued
  // and sent as one frame once the input runs dry (or a batch is full):
  // batching never waits for input that is not there yet.
  bool ProcessBurst(Unflushed& unflushed) {
    int articles = 0;
    while (articles < kBurstArticles && !g_stop_requested.load()) {
      absl::StatusOr<std::vector<zmq::message_t>> parts =
          wiring_.ReceiveFrame();
      if (absl::IsCancelled(parts.status())) break;
      if (!parts.ok()) {
        Log(NF_LOG_ERROR, parts.status().message());
        return false;
      }
      if (parts->empty()) break;
      // ProcessFrame sends what would wait too long after each article.
      const int taken = ProcessFrame(*parts);
      if (taken < 0) return false;
      articles += std::max(taken, 1);
      if (!unflushed.dirty) unflushed.since = Clock::now();
      unflushed.dirty = true;
    }
    return SendReady();
  }

  // Another input costs about what the last one did (`last_cost`): what is
  // collected for the next batch frame goes now if waiting for one more
  // input would hold its first article past kMaxBatchDelay. False when it
  // could not go.
  bool SendIfNextWouldWaitTooLong(Clock::time_point now,
                                  Clock::duration last_cost) {
    if (outbox_.empty() ||
        (now - outbox_since_) + last_cost <= kMaxBatchDelay) {
      return true;
    }
    return SendReady();
  }

  // Honours launch.rate_limit by waiting (while still reporting). Returns
  // false when what was ready to send could not go.
  bool Pace() {
    if (launch_.rate_limit() <= 0) return true;
    const auto interval = std::chrono::nanoseconds(
        static_cast<int64_t>(1e9 / launch_.rate_limit()));
    const Clock::time_point now = Clock::now();
    // Nothing ready waits out the pause.
    if (next_input_at_ > now && !SendReady()) return false;
    // In slices: a slow rate must not hold up a stop.
    while (next_input_at_ > Clock::now() && !g_stop_requested.load()) {
      std::this_thread::sleep_for(std::min<Clock::duration>(
          next_input_at_ - Clock::now(), std::chrono::milliseconds(50)));
      MaybeSendReport();
    }
    next_input_at_ = std::max(next_input_at_, now) + interval;
    return true;
  }

  // A frame is [Envelope, Article] between stages, a bare Article from
  // outside (no acknowledgement then), or a batch of either kind
  // (runner/wire/frame.h). Returns how many articles it held (0 for one
  // that does not decode), or -1 when the stage is unusable.
  int ProcessFrame(std::vector<zmq::message_t>& parts) {
    size_t size = 0;
    // Kept across frames, as are the decoded frames: no allocation per
    // frame or article.
    std::vector<absl::string_view>& views = part_views_;
    views.clear();
    for (const auto& part : parts) {
      size += part.size();
      views.emplace_back(static_cast<const char*>(part.data()), part.size());
    }
    std::vector<DecodedFrame>& frames = frames_;
    if (absl::Status status = DecodeFramesInto(
            views, !parts.empty() && parts.back().more(), &frames);
        !status.ok()) {
      // Nothing of a frame that does not add up is trusted, and nothing
      // else is lost: the next frame is read as usual.
      reporter_.Received(size);
      DeadLetter(InputName(), std::string(status.message()),
                 parts.empty() ? "" : parts.back().to_string(), nullptr);
      return 0;
    }
    for (const DecodedFrame& frame : frames) {
      if (!Pace()) return -1;
      // Each article of a batch counts (and is named) as one input.
      reporter_.Received(frames.size() == 1 ? size : frame.article.size());
      // The stage call's own times (no further clock reads: at about 80 ns
      // each on this machine's clock they were a tenth of a hop's host
      // work).
      Clock::duration cost{};
      Clock::time_point now{};
      if (!ProcessArticle(frame, &now, &cost)) return -1;
      // A slow stage given a batch sends as it goes, not after all of it
      // (64 articles at 30 ms each would hold the first for 2 s).
      if (now == Clock::time_point{}) continue;  // no stage call
      if (!SendIfNextWouldWaitTooLong(now, cost)) return -1;
      // Reports stay timely through a long burst of a slow stage.
      if (reporter_.Due(now)) SendReport(false);
    }
    return static_cast<int>(frames.size());
  }

  // How a dead letter names the input just received: "frame #N", N
  // counting articles (each article of a batch is one).
  std::string InputName() const {
    return absl::StrCat("frame #", reporter_.report().received());
  }

  // One article off the wire. Returns false when the stage is unusable.
  // Sets `*finished` and `*cost` from the stage call, when there was one.
  bool ProcessArticle(const DecodedFrame& frame, Clock::time_point* finished,
                      Clock::duration* cost) {
    const v1::Envelope* envelope = frame.envelope ? &*frame.envelope : nullptr;
    // The one UTF-8 check of a hop (runner/wire/utf8_fields.h): protobuf
    // does not check an article's strings.
    if (absl::Status text = check_utf8_(frame.article); !text.ok()) {
      reporter_.Failed();
      DeadLetter(InputName(),
                 absl::StrCat("rejected by ", launch_.stage(), ": ",
                              std::string(text.message())),
                 frame.article, envelope);
      emitted_for_input_ = 0;
      if (envelope != nullptr && launch_.acks()) Settled(*envelope, true);
      return true;
    }
    // Into a buffer kept across frames: no allocation per article.
    input_bytes_.assign(frame.article.data(), frame.article.size());
    trace_.Append(absl::Now(), &input_bytes_);
    current_envelope_ = envelope;
    current_envelope_bytes_ = frame.envelope_bytes;
    emitted_for_input_ = 0;
    const StageCall call = stage_.Process(input_bytes_);
    current_envelope_ = nullptr;
    reporter_.Called(call.elapsed_ns);
    *finished = call.finished;
    *cost = std::chrono::nanoseconds(call.elapsed_ns);
    if (call.result == NF_FATAL) {
      Log(NF_LOG_ERROR, absl::StrCat("stage failed: ", call.error));
      return false;
    }
    if (call.result == NF_ERROR) {
      reporter_.Failed();
      DeadLetter(InputName(), call.error, frame.article, envelope);
    }
    if (envelope != nullptr && launch_.acks()) {
      Settled(*envelope, call.result == NF_ERROR);
    }
    return true;
  }

  // Acknowledges an input when this stage settled it.
  void Settled(const v1::Envelope& envelope, bool failed) {
    switch (
        SettleInput(failed, emitted_for_input_, launch_.outputs_size() == 0)) {
      case Settle::kNo:
        break;
      case Settle::kNow:
        // Sent with what the burst emitted (SendReady): one message for
        // many.
        settled_now_.push_back(envelope);
        break;
      case Settle::kAfterFlush:
        unflushed_acks_.push_back(envelope);
        break;
    }
  }

  // An input this stage could not process (`envelope`: its message's, when
  // it had one): logged, counted, and appended to the dead-letter file.
  void DeadLetter(absl::string_view what, absl::string_view reason,
                  absl::string_view raw, const v1::Envelope* envelope) {
    Log(NF_LOG_ERROR,
        absl::StrCat(
            what,
            envelope ? absl::StrCat(" (article ", envelope->id(), ")") : "",
            " -> dead letters: ", reason));
    KeepDeadLetter(what, reason, raw,
                   envelope ? absl::string_view(envelope->id()) : "");
  }

  void KeepDeadLetter(absl::string_view what, absl::string_view reason,
                      absl::string_view raw, absl::string_view article_id) {
    reporter_.DeadLettered();
    if (absl::Status status =
            dead_letters_.Append(what, reason, raw, article_id);
        !status.ok()) {
      Log(NF_LOG_ERROR, status.message());
    }
  }

  // Tells each envelope's source that this stage's terminals settled it.
  void SendAcks(const std::vector<v1::Envelope>& envelopes) {
    const std::vector<std::string> terminals(launch_.terminals().begin(),
                                             launch_.terminals().end());
    for (const auto& [origin, batch] : BatchAcks(envelopes, terminals)) {
      if (absl::Status status = wiring_.SendAck(origin, batch); !status.ok()) {
        Log(NF_LOG_WARNING, status.message());
      }
    }
  }

  void ReadAcks() {
    while (std::optional<zmq::message_t> message = wiring_.NextAck()) {
      v1::AckBatch batch;
      if (!batch.ParseFromArray(message->data(),
                                static_cast<int>(message->size()))) {
        Log(NF_LOG_WARNING, "ignored a malformed acknowledgement");
        continue;
      }
      delivery_->Ack(batch, absl::Now());
      reporter_.SetPendingAcks(delivery_->pending_count());
    }
  }

  // Returns true when everything received so far is now complete.
  bool Flush() {
    if (!stage_.created()) return false;
    const StageCall call = stage_.Flush();
    reporter_.Busy(call.elapsed_ns);
    if (call.result != NF_OK) {
      Log(NF_LOG_ERROR, absl::StrCat("flush failed: ", call.error));
      // A failed flush is retried; a fatal one ends the process.
      if (call.result == NF_FATAL) flush_fatal_ = true;
      return false;
    }
    reporter_.Completed();
    if (!unflushed_acks_.empty()) {
      SendAcks(unflushed_acks_);
      unflushed_acks_.clear();
    }
    // What the flush emitted.
    return SendReady();
  }

  // Sends what is collected (outbox_, settled_now_). Returns false when the
  // output could not take it and it is not kept for a re-send either: the
  // process cannot go on.
  bool SendReady() {
    if (!settled_now_.empty()) {
      SendAcks(settled_now_);
      settled_now_.clear();
    }
    const bool sent = SendOutbox();
    outbox_.Clear();
    return sent;
  }

  // Whether the next article may join the outbox. Batches go only where no
  // consumer has replicas: ZeroMQ balances replicas by message, and a
  // batch of 64 to one replica would leave the others idle.
  bool OutboxFits(bool with_envelope, size_t size) {
    bool replicated = false;
    for (const Wiring::Output& output : wiring_.outputs()) {
      replicated |= output.link.endpoints_size() > 1;
    }
    outbox_.set_max_articles(replicated ? 1 : kBatchMaxArticles);
    return outbox_.Fits(with_envelope, size);
  }

  // Sends the outbox as one frame (emptied by the caller); true when it
  // went or, stopping, is kept for a re-send on the next run.
  bool SendOutbox() {
    if (outbox_.empty()) return true;
    // Write-ahead, once for all the outbox holds: a message's journal
    // record reaches the kernel before the message leaves, and before its
    // tap copy.
    if (delivery_) {
      if (absl::Status status = delivery_->WriteJournal(); !status.ok()) {
        Log(NF_LOG_ERROR, status.message());
        outbox_.Clear();
        outbox_taps_.clear();
        return false;
      }
    }
    PublishTapCopies();
    sending_kept_for_resend_ = outbox_kept_for_resend_;
    stop_seen_ = Clock::time_point{};
    const absl::Status status = wiring_.SendToOutputs(outbox_.Parts(), *this);
    const bool kept = outbox_kept_for_resend_;
    outbox_.Clear();
    outbox_kept_for_resend_ = true;
    if (status.ok()) return true;
    if (!absl::IsCancelled(status)) Log(NF_LOG_ERROR, status.message());
    // Not an error when kept: its input is never settled here (an input
    // that emitted counts as passed on), so it stays pending in its
    // source's journal.
    return g_stop_requested.load() && kept;
  }

  // Sends the tap copies of what the outbox holds (Emit chose which).
  void PublishTapCopies() {
    if (outbox_taps_.empty()) return;
    Tap* tap = wiring_.tap();
    const std::vector<absl::string_view> articles = outbox_.Articles();
    for (const auto& [index, sequence] : outbox_taps_) {
      if (tap != nullptr && index >= 0 &&
          index < static_cast<int>(articles.size())) {
        tap->Publish(sequence, articles[static_cast<size_t>(index)]);
      }
    }
    outbox_taps_.clear();
  }

  // Waits up to timeout_ms for input, commands, acknowledgements or tap
  // subscriptions; sends periodic reports. Returns true when input is
  // ready.
  bool WaitForEvents(long timeout_ms) {
    const Wiring::Ready ready =
        wiring_.Poll(timeout_ms, /*want_acks=*/delivery_ != nullptr);
    if (ready.tap) wiring_.tap()->ReadSubscriptions();
    if (ready.commands) ReadCommands();
    if (ready.acks) ReadAcks();
    MaybeSendReport();
    return ready.input;
  }

  void MaybeSendReport() {
    if (reporter_.Due(Clock::now())) SendReport(false);
  }

  void SendReport(bool final) {
    if (!wiring_.has_control()) {
      reporter_.Skip(Clock::now());
      return;
    }
    wiring_.SendControl(reporter_.Take(final, PeakRssKib(), Clock::now()));
  }

  // HostServices, for the stage instance.
  nf_result Emit(absl::string_view message) override {
    // Only a source's output changes here; anything else goes out as the
    // stage serialized it, uncopied.
    absl::string_view payload = message;
    std::string source_payload;
    std::optional<v1::Envelope> source_envelope;
    if (is_source()) {
      const absl::Time now = absl::Now();  // one read for both
      if (delivery_) source_payload = delivery_->TakeBuffer();
      source_payload.reserve(message.size() + 64);
      source_payload.assign(message.data(), message.size());
      trace_.Append(now, &source_payload);
      payload = source_payload;
      if (delivery_) {
        // The journal keeps the bytes (moved, not copied) while they are
        // pending; what goes out is its copy.
        absl::StatusOr<std::optional<SourceDelivery::Outgoing>> out =
            delivery_->Emit(std::move(source_payload), now);
        if (!out.ok()) {
          Log(NF_LOG_ERROR, out.status().message());
          return NF_FATAL;
        }
        // Read again after a restart; delivered (or in flight) already.
        if (!out->has_value()) return NF_OK;
        payload = (*out)->article;
        source_envelope = std::move((*out)->envelope);
        reporter_.SetPendingAcks(delivery_->pending_count());
      }
    }
    const v1::Envelope* envelope =
        source_envelope ? &*source_envelope : current_envelope_;
    // Collected, not sent: what is ready together goes out as one frame
    // (SendReady, after the poll or the burst of input).
    if (!OutboxFits(envelope != nullptr, payload.size()) && !SendOutbox()) {
      return NF_FATAL;
    }
    if (outbox_.empty()) outbox_since_ = Clock::now();
    if (source_envelope || envelope == nullptr) {
      outbox_.Add(envelope, payload);
    } else {
      // The input's envelope goes on as it came.
      outbox_.AddSerialized(&current_envelope_bytes_, payload);
    }
    outbox_kept_for_resend_ = outbox_kept_for_resend_ && KeptForResend();
    // Its tap copy goes with the frame (SendOutbox), after the journal
    // write: `newsflow tail` never shows what a crash would forget.
    if (Tap* tap = wiring_.tap(); tap != nullptr && tap->listening()) {
      outbox_taps_.push_back(
          {outbox_.count() - 1,
           static_cast<uint64_t>(reporter_.report().emitted()) + 1});
    }
    emitted_for_input_++;
    reporter_.Emitted(payload.size());
    // For a stage that emits many articles in one callback (a source's
    // poll): reports also go after every callback, so a clock read per
    // emission is not needed.
    if (++emits_since_report_check_ >= kEmitsPerReportCheck) {
      emits_since_report_check_ = 0;
      MaybeSendReport();
    }
    return NF_OK;
  }

  // Wiring::FullOutputWait: downstream is full. Keep the report flowing so
  // the runner sees a blocked stage rather than a dead one.
  bool Waiting(Clock::time_point since) override {
    reporter_.BlockedSince(since);
    MaybeSendReport();
    if (!g_stop_requested.load()) return true;
    if (sending_kept_for_resend_) return false;  // the next run re-sends it
    if (stop_seen_ == Clock::time_point{}) stop_seen_ = Clock::now();
    if (Clock::now() - stop_seen_ <= kStopSendDeadline) return true;
    Log(NF_LOG_ERROR, "stopping with a message downstream did not take");
    return false;
  }
  bool SendWithoutWaiting() override {
    return g_stop_requested.load() && sending_kept_for_resend_;
  }
  void WentThrough() override {
    reporter_.Unblocked(Clock::now());
    stop_seen_ = Clock::time_point{};
  }

  // Whether what this process cannot send on is kept for a re-send on the
  // next run: a source's message in its journal, or what a consumer emits
  // for an input whose source journals it (and will re-send it, since
  // nothing acknowledges it).
  bool KeptForResend() const {
    if (is_source()) return delivery_ != nullptr;
    return launch_.acks() && current_envelope_ != nullptr;
  }

  // An outside input a stage turned down (an unreadable file, a malformed
  // record): kept with the dead letters, so that `newsflow deadletters`
  // lists everything the pipeline did not take in, wherever it stopped.
  void Reject(absl::string_view what, absl::string_view reason,
              absl::string_view raw) override {
    reporter_.Failed();
    Log(NF_LOG_WARNING,
        absl::StrCat(
            "rejected ", what, ": ", reason,
            raw.empty() ? "" : absl::StrCat(" (", raw.size(), " bytes)"),
            " -> dead letters"));
    KeepDeadLetter(what, reason, raw, "");
  }
  void Log(nf_log_level level, absl::string_view message) override {
    newsflow::Log(level, message);
  }
  void Progress(absl::string_view source, int64_t seen, int64_t added,
                int64_t failed) override {
    reporter_.SetSourceProgress(source, seen, added, failed);
  }
  void ProgressBytes(absl::string_view source, int64_t bytes_read,
                     int64_t bytes_total) override {
    reporter_.SetSourceBytes(source, bytes_read, bytes_total);
  }
  bool Stopping() override { return g_stop_requested.load(); }

  const v1::StageLaunch& launch_;
  const int pid_;
  const pid_t parent_pid_;
  Wiring wiring_;
  Reporter reporter_;
  TraceHopWriter trace_;  // this stage's entry in each article's trace
  const DeadLetterWriter dead_letters_;
  // A source's journal and re-sends (null without acknowledgements).
  std::unique_ptr<SourceDelivery> delivery_;
  // Destroyed before the parts its callbacks use.
  StageInstance stage_;
  bool draining_ = false;
  // The stage's flush returned NF_FATAL: the process ends (exit 3).
  bool flush_fatal_ = false;
  int drain_quiet_ms_ = 500;
  // The envelope of the input being processed (nullptr for a bare one),
  // and its bytes as they came.
  const v1::Envelope* current_envelope_ = nullptr;
  absl::string_view current_envelope_bytes_;
  int emits_since_report_check_ = 0;
  // The one UTF-8 check of a hop, prepared once.
  const Utf8FieldsCheck check_utf8_{*v1::Article::descriptor()};
  // ProcessFrame's scratch, kept across frames.
  std::vector<absl::string_view> part_views_;
  std::vector<DecodedFrame> frames_;
  int emitted_for_input_ = 0;
  // The input article with this hop's trace entry, reused across frames.
  std::string input_bytes_;
  // Inputs a terminal stage settled; acknowledged after the next flush.
  std::vector<v1::Envelope> unflushed_acks_;
  // Inputs settled now (dropped, dead-lettered); acknowledged by SendReady.
  std::vector<v1::Envelope> settled_now_;
  // What was emitted and not sent yet, and whether all of it is kept for
  // a re-send should the send fail while stopping (KeptForResend).
  FrameBuilder outbox_;
  // Which articles of outbox_ the tap copies, as (index in the outbox,
  // tap sequence number): published when the outbox goes.
  std::vector<std::pair<int, uint64_t>> outbox_taps_;
  // When the first article now in outbox_ was added.
  Clock::time_point outbox_since_{};
  bool outbox_kept_for_resend_ = true;
  // That, for the send under way (Waiting and SendWithoutWaiting ask).
  bool sending_kept_for_resend_ = true;
  int64_t housekeeping_rounds_ = 0;
  Clock::time_point next_input_at_{};
  // When a blocked send first saw the stop request.
  Clock::time_point stop_seen_{};
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
