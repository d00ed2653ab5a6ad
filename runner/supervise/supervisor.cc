#include "runner/supervise/supervisor.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <memory>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/install_layout.h"
#include "google/protobuf/util/json_util.h"
#include "runner/observe/log.h"
#include "runner/observe/progress.h"
#include "runner/supervise/once_completion.h"
#include "runner/supervise/private_dir.h"
#include "runner/supervise/reload_plan.h"
#include "runner/supervise/restart_policy.h"
#include "runner/supervise/stage_process.h"
#include "runner/wire/security.h"
#include "runner/wire/status_client.h"
#include "zmq.hpp"

namespace newsflow {
namespace {

std::atomic<int> g_signal{0};
std::atomic<bool> g_reload{false};

void OnSignal(int signal_number) { g_signal.store(signal_number); }
void OnHangup(int) { g_reload.store(true); }

void LogLine(absl::string_view level, absl::string_view message) {
  LogRunnerLine(level, message);  // runner/observe/log.h: text or JSON
}

// How long a source has, once the run stops, to take up the drain command.
constexpr absl::Duration kDrainConfirmTimeout = absl::Seconds(1);
// How long sources stay, once every other stage has stopped, for the
// acknowledgements those sent as they flushed: what they miss is re-sent
// on the next run, so this only keeps that small.
constexpr absl::Duration kLastAcksGrace = absl::Milliseconds(100);

// "SIGINT" rather than strsignal's "Interrupt": what people type to kill.
std::string SignalName(int signal_number) {
  switch (signal_number) {
    case SIGINT:
      return "SIGINT";
    case SIGTERM:
      return "SIGTERM";
    default:
      return absl::StrCat("signal ", signal_number);
  }
}

}  // namespace

struct Supervisor::Replica {
  // The plan this replica was started from; kept alive while it runs.
  std::shared_ptr<const PipelinePlan> owner;
  const StagePlan* stage = nullptr;
  int index = 0;
  std::string label;  // "clean.0"
  // "RUN_DIR/clean.0" (".gN" after a reload): names the process on its
  // command line, for ps and tests; the spec itself goes through a pipe.
  std::string process_name;
  // The StageLaunch as JSON, written to the process's spec pipe at every
  // start. Never stored in a file: options may hold secrets.
  std::string launch_json;
  pid_t pid = -1;
  StderrRelay output;
  ReplicaCounters counters;
  bool source_done = false;
  RestartTracker restart{RestartPolicy{}};
  absl::Time last_report = absl::InfinitePast();
  absl::Time started_at = absl::InfinitePast();
  absl::Time restart_at = absl::InfiniteFuture();
  // When the runner sent SIGTERM to stop the run.
  absl::Time stop_sent = absl::InfiniteFuture();
  bool failed = false;
  bool bad_config = false;  // exited NEWSFLOW_STAGE_EXIT_BAD_CONFIG
  bool exited = false;
  // Being replaced or removed by a reload: its exit is expected.
  bool retiring = false;
  bool retired = false;
  // Runner -> process commands (reload), connected on first use.
  std::unique_ptr<zmq::socket_t> commands;
};

class Supervisor::Impl {
 public:
  Impl(PipelinePlan plan, SupervisorOptions options)
      : plan_(std::make_shared<const PipelinePlan>(std::move(plan))),
        options_(std::move(options)),
        restart_policy_(plan_->restart),
        once_(plan_->local_host, options_.stall_timeout,
              [](const std::string& line) { LogLine("info", line); }) {}

  int Run(std::vector<StageSummary>* summary, RunOutcome* outcome) {
    start_ = absl::Now();
    if (!Prepare()) {
      // Only empty folders of our own: the lock may belong to a live run.
      for (auto dir = created_run_dirs_.rbegin();
           dir != created_run_dirs_.rend(); ++dir) {
        rmdir(dir->c_str());
      }
      return kRunExitBadConfig;
    }
    InstallSignals();
    for (auto& replica : replicas_) Start(*replica);
    if (options_.watch_config) watcher_.emplace(plan_->config_path);
    LogLine("info", absl::StrCat("pipeline '", plan_->pipeline, "' running: ",
                                 replicas_.size(), " stage processes",
                                 options_.once ? " (--once)" : ""));
    int exit_code = Loop();
    StopAll();
    *summary = Summarize();
    std::vector<std::string> empty_sources;
    if (options_.once && exit_code == kRunExitOk && stop_signal_ == 0) {
      empty_sources = SourcesThatReadNothing(*summary);
      if (!empty_sources.empty()) exit_code = kRunExitSourceFailed;
    }
    *outcome = Outcome(*summary, exit_code);
    if (options_.print_summary) PrintSummary(*summary, *outcome);
    if (!empty_sources.empty()) {
      LogLine("error", absl::StrCat("a source failed and read nothing: ",
                                    absl::StrJoin(empty_sources, "; "),
                                    " (the reasons are logged above; `newsflow "
                                    "deadletters` keeps them)"));
    }
    CloseRunnerSockets();
    if (lock_fd_ >= 0) {
      close(lock_fd_);
      lock_fd_ = -1;
    }
    // The stages are stopped: nothing of this run is needed any more.
    RemovePrivateDirectory(plan_->run_dir, created_run_dirs_);
    return exit_code;
  }

 private:
  bool Prepare() {
    std::string tightened;
    if (absl::Status made = MakePrivateDirectory(
            plan_->run_dir, &created_run_dirs_, &tightened);
        !made.ok()) {
      LogLine("error", std::string(made.message()));
      return false;
    }
    if (!tightened.empty()) LogLine("info", tightened);
    lock_path_ = plan_->run_dir + "/runner.lock";
    lock_fd_ = open(lock_path_.c_str(),
                    O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (lock_fd_ < 0 || flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
      LogLine("error",
              absl::StrCat("another `newsflow run` of ", plan_->config_path,
                           " is active (lock ", lock_path_, ")"));
      lock_path_.clear();
      return false;
    }
    std::string pid = absl::StrCat(getpid(), "\n");
    if (ftruncate(lock_fd_, 0) != 0 ||
        write(lock_fd_, pid.data(), pid.size()) < 0) {
      LogLine("warning", "cannot record the runner pid in the lock file");
    }
    if (!PrepareHosts()) return false;
    const HostPlan* local = plan_->FindHost(plan_->local_host);
    try {
      control_ =
          std::make_unique<zmq::socket_t>(context_, zmq::socket_type::pull);
      control_->set(zmq::sockopt::linger, 0);
      control_->bind(plan_->control_endpoint);
      status_ =
          std::make_unique<zmq::socket_t>(context_, zmq::socket_type::rep);
      status_->set(zmq::sockopt::linger, 0);
      if (own_key_) MakeCurveServer(*status_, *own_key_, kObserveDomain);
      status_->bind(local != nullptr ? local->status_bind
                                     : plan_->status_endpoint);
    } catch (const zmq::error_t& e) {
      LogLine("error", absl::StrCat("cannot bind control socket ",
                                    plan_->control_endpoint, ": ", e.what()));
      return false;
    }
    if (access(options_.stage_binary.c_str(), X_OK) != 0) {
      LogLine("error", absl::StrCat("stage host '", options_.stage_binary,
                                    "' is not executable"));
      return false;
    }
    for (const auto& stage : plan_->stages) {
      if (!AddReplicas(stage)) return false;
    }
    return true;
  }

  // Closing the bound sockets removes their ipc files.
  void CloseRunnerSockets() {
    control_.reset();
    status_.reset();
  }

  // Several hosts: this host's key (checked before anything starts), the
  // ZAP handler for the status socket, and the peers --once waits for.
  bool PrepareHosts() {
    if (plan_->hosts.empty()) return true;
    const HostPlan* local = plan_->FindHost(plan_->local_host);
    if (local == nullptr) {
      LogLine("error",
              "this config places stages on several hosts; pass "
              "--host NAME");
      return false;
    }
    if (options_.once && !plan_->delivery.acks) {
      LogLine("error",
              "--once across hosts needs acknowledgements (delivery: { acks: "
              "true }): completion is known from the sources' acknowledged "
              "messages");
      return false;
    }
    // insecure: true is warned about with the config's other warnings.
    if (plan_->curve) {
      absl::StatusOr<KeyPair> pair = ReadSecretKeyFile(local->secret_key_file);
      if (!pair.ok()) {
        LogLine("error", pair.status().message());
        return false;
      }
      own_key_ = *pair;
      absl::StatusOr<std::unique_ptr<ZapHandler>> zap = ZapHandler::Start(
          context_, MakeAccessPolicy(plan_->host_keys, plan_->client_keys),
          [](const std::string& line) { LogLine("warning", line); });
      if (!zap.ok()) {
        LogLine("error", zap.status().message());
        return false;
      }
      zap_ = *std::move(zap);
    }
    for (const auto& host : plan_->hosts) {
      if (host.name == local->name) continue;
      std::optional<StatusClientKeys> keys;
      if (own_key_) keys = StatusClientKeys{*own_key_, host.public_key};
      peers_.push_back(
          std::make_unique<StatusClient>(host.status_endpoint, keys));
      once_.AddPeer(host.name);
    }
    int local_processes = 0;
    for (const auto& stage : plan_->stages) {
      for (const auto& r : stage.replicas)
        local_processes += r.host == local->name;
    }
    LogLine("info",
            absl::StrCat("host '", local->name, "' (", local->address,
                         "): ", local_processes, " stage processes here; ",
                         peers_.size(), " other hosts; ",
                         plan_->curve ? "CURVE" : "PLAINTEXT",
                         " TCP, status on ", local->status_endpoint));
    return true;
  }

  // --once across hosts: asks the other runners how far they are (at most
  // every kPeerPollInterval), for OnceCompletion to judge.
  void PollPeers() {
    if (!once_.PollDue(absl::Now())) return;
    const StatusClient::WhileWaiting keep_answering{status_->handle(),
                                                    [this] { AnswerStatus(); }};
    for (size_t i = 0; i < peers_.size(); ++i) {
      if (once_.peers()[i].gone) continue;
      absl::StatusOr<v1::PipelineStatus> status =
          peers_[i]->Fetch(absl::Milliseconds(300), &keep_answering);
      if (status.ok()) {
        once_.OnAnswer(i, *status);
      } else {
        once_.OnSilence(i, absl::Now());
      }
    }
  }

  // Complete here, and (asking them) every peer is done with this host.
  bool CompleteEverywhere() {
    if (!Local().Complete()) return false;
    PollPeers();
    return once_.PeersDone();
  }

  // Before exiting, a runner answers status requests as "leaving" for a
  // few peer polls, so the last runner does not wait for one that left.
  void AnnounceLeaving() {
    once_.StartLeaving();
    const absl::Time until = absl::Now() + kLeavingAnnouncement;
    while (absl::Now() < until && g_signal.load() == 0) {
      PollOnce(100);
      ReapChildren();
      PollPeers();
      if (once_.EveryoneLeft()) return;
    }
  }

  // Prepares the launch spec a replica's process starts from.
  void PrepareLaunch(Replica& replica) {
    v1::StageLaunch launch = MakeLaunch(*replica.owner, *replica.stage,
                                        replica.index, options_.once);
    google::protobuf::util::JsonPrintOptions print;
    print.preserve_proto_field_names = true;
    replica.launch_json.clear();
    (void)google::protobuf::util::MessageToJsonString(
        launch, &replica.launch_json, print);
  }

  // Creates (but does not start) the replicas of one stage of plan_.
  bool AddReplicas(const StagePlan& stage) {
    {
      for (const auto& rp : stage.replicas) {
        if (!plan_->IsLocal(stage, rp.index)) continue;  // another host's
        auto replica = std::make_unique<Replica>();
        replica->owner = plan_;
        replica->stage = &stage;
        replica->index = rp.index;
        replica->label = absl::StrCat(stage.name, ".", rp.index);
        replica->process_name = absl::StrCat(
            plan_->run_dir, "/", replica->label,
            reload_generation_ == 0 ? ""
                                    : absl::StrCat(".g", reload_generation_));
        replica->restart = RestartTracker(restart_policy_);
        PrepareLaunch(*replica);
        replicas_.push_back(std::move(replica));
      }
    }
    return true;
  }

  // ---- Reload ----------------------------------------------------------

  bool ConfigChanged() { return watcher_ && watcher_->Changed(absl::Now()); }

  // Applies the config file as it is now to the running pipeline. Stages
  // whose type, options or replica count changed are replaced; removed
  // stages drain and stop; added stages start; every other process keeps
  // running and is only re-pointed at its (possibly new) consumers.
  void Reload() {
    const int generation = reload_generation_ + 1;
    if (!options_.replan) {
      WriteReloadResult(plan_->run_dir, generation,
                        "error: this runner cannot reload");
      return;
    }
    LogLine("info", absl::StrCat("reloading ", plan_->config_path));
    absl::StatusOr<PipelinePlan> next = options_.replan();
    if (next.ok()) {
      if (absl::Status reloadable = CheckReloadable(*plan_, *next);
          !reloadable.ok()) {
        next = reloadable;
      }
    }
    if (!next.ok()) {
      LogLine("error", absl::StrCat("reload rejected, pipeline unchanged:\n",
                                    next.status().message()));
      WriteReloadResult(plan_->run_dir, generation,
                        absl::StrCat("error: ", next.status().message()));
      return;
    }
    reload_generation_ = generation;
    std::shared_ptr<const PipelinePlan> old_plan = plan_;
    auto fresh = std::make_shared<const PipelinePlan>(*std::move(next));
    const ReloadChanges changes = CompareStages(*old_plan, *fresh);
    const std::vector<Replica*> retiring = RetireChanged(changes);
    plan_ = fresh;
    StartAddedAndChanged(changes);
    Rewire(changes);
    DrainRetiring(*old_plan, retiring);
    LogLine("info", absl::StrCat("reload applied: ", changes.Summary()));
    WriteReloadResult(plan_->run_dir, generation, "ok");
  }

  // Old processes of changed stages free their endpoints; they and those
  // of removed stages retire: no restarts from here on.
  std::vector<Replica*> RetireChanged(const ReloadChanges& changes) {
    std::vector<Replica*> unbinding;
    for (auto& r : replicas_) {
      if (!r->retiring && r->pid > 0 && changes.IsChanged(r->stage->name)) {
        unbinding.push_back(r.get());
      }
    }
    v1::StageCommand unbind;
    unbind.mutable_unbind();
    SendAndWait(unbinding, unbind);
    std::vector<Replica*> retiring;
    for (auto& r : replicas_) {
      if (!r->retiring && (changes.IsChanged(r->stage->name) ||
                           changes.IsRemoved(r->stage->name))) {
        r->retiring = true;
        retiring.push_back(r.get());
      }
    }
    return retiring;
  }

  // New processes for added and changed stages of plan_.
  void StartAddedAndChanged(const ReloadChanges& changes) {
    const size_t first_new = replicas_.size();
    for (const auto& stage : plan_->stages) {
      if (changes.IsAdded(stage.name) || changes.IsChanged(stage.name)) {
        AddReplicas(stage);
      }
    }
    for (size_t i = first_new; i < replicas_.size(); ++i) Start(*replicas_[i]);
  }

  // Every process that stays follows the new topology.
  void Rewire(const ReloadChanges& changes) {
    for (auto& r : replicas_) {
      if (r->retiring || r->owner == plan_) continue;
      const StagePlan* stage = plan_->FindStage(r->stage->name);
      if (r->pid <= 0) {
        // Waiting for a restart: it will start from the new plan.
        r->owner = plan_;
        r->stage = stage;
        PrepareLaunch(*r);
        continue;
      }
      SendAndWait({r.get()}, RewireCommand(*plan_, *stage, r->index,
                                           options_.once, changes));
      r->owner = plan_;
      r->stage = stage;
    }
  }

  // Retiring processes drain, upstream first, so each one's output still
  // finds its (possibly retiring) consumers alive.
  void DrainRetiring(const PipelinePlan& old_plan,
                     const std::vector<Replica*>& retiring) {
    for (const auto& stage : old_plan.stages) {
      std::vector<Replica*> draining;
      for (Replica* r : retiring) {
        if (r->stage->name == stage.name && r->pid > 0) draining.push_back(r);
      }
      if (draining.empty()) continue;
      v1::StageCommand drain;
      drain.mutable_drain()->set_quiet_ms(500);
      SendAndWait(draining, drain);
      WaitForExit(draining, absl::Seconds(30));
    }
  }

  // Sends `command` to each replica and waits until each has applied it
  // (or died, or 10 s passed).
  void SendAndWait(const std::vector<Replica*>& targets,
                   v1::StageCommand command) {
    if (targets.empty()) return;
    if (!WaitForConfirmation(targets, SendCommand(targets, std::move(command)),
                             absl::Seconds(10))
             .empty()) {
      LogLine("warning", "a stage did not confirm a reload command in 10 s");
    }
  }

  // Returns the command's sequence number.
  int64_t SendCommand(const std::vector<Replica*>& targets,
                      v1::StageCommand command) {
    command.set_seq(++command_seq_);
    std::string bytes;
    command.SerializeToString(&bytes);
    for (Replica* r : targets) {
      try {
        if (!r->commands) {
          r->commands =
              std::make_unique<zmq::socket_t>(context_, zmq::socket_type::push);
          r->commands->set(zmq::sockopt::linger, 0);
          r->commands->connect(r->stage->replicas[r->index].command_endpoint);
        }
        r->commands->send(zmq::buffer(bytes), zmq::send_flags::dontwait);
      } catch (const zmq::error_t& e) {
        LogLine("warning",
                absl::StrCat("cannot command ", r->label, ": ", e.what()));
      }
    }
    return command.seq();
  }

  // Waits until every target applied command `seq` (or died); returns
  // those still running that did not within `timeout`.
  std::vector<Replica*> WaitForConfirmation(
      const std::vector<Replica*>& targets, int64_t seq,
      absl::Duration timeout) {
    const absl::Time deadline = absl::Now() + timeout;
    std::vector<Replica*> waiting;
    while (true) {
      waiting.clear();
      for (Replica* r : targets) {
        if (r->pid > 0 && r->counters.current.command_seq() < seq)
          waiting.push_back(r);
      }
      if (waiting.empty() || absl::Now() >= deadline) return waiting;
      PollOnce(20);
      ReapChildren();
    }
  }

  void WaitForExit(const std::vector<Replica*>& targets,
                   absl::Duration timeout) {
    absl::Time deadline = absl::Now() + timeout;
    while (absl::Now() < deadline) {
      bool all = true;
      for (Replica* r : targets) all &= r->pid <= 0;
      if (all) return;
      PollOnce(20);
      ReapChildren();
    }
    for (Replica* r : targets) {
      if (r->pid > 0) {
        LogLine("warning",
                absl::StrCat(r->label, " did not drain in time; stopping it"));
        kill(r->pid, SIGTERM);
      }
    }
  }

  void InstallSignals() {
    struct sigaction action = {};
    action.sa_handler = OnSignal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
    struct sigaction hangup = {};
    hangup.sa_handler = OnHangup;
    sigemptyset(&hangup.sa_mask);
    sigaction(SIGHUP, &hangup, nullptr);
    signal(SIGPIPE, SIG_IGN);
  }

  void Start(Replica& replica) {
    absl::StatusOr<StageProcessHandle> started =
        LaunchStageProcess(options_.stage_binary, replica.process_name,
                           replica.label, replica.launch_json);
    if (!started.ok()) {
      LogLine("error", std::string(started.status().message()));
      if (absl::IsUnavailable(started.status())) {
        replica.restart_at = absl::Now() + replica.restart.next_delay();
      } else {
        replica.failed = true;
      }
      return;
    }
    replica.pid = started->pid;
    replica.started_at = absl::Now();
    replica.output.Attach(started->stderr_fd);
    replica.exited = false;
    replica.restart_at = absl::InfiniteFuture();
  }

  int Loop() {
    while (true) {
      if (int signal_number = g_signal.load(); signal_number != 0) {
        LogLine("info", absl::StrCat("received ", SignalName(signal_number),
                                     "; stopping"));
        stop_signal_ = signal_number;
        return kRunExitOk;
      }
      PollOnce(100);
      ReapChildren();
      if (g_reload.exchange(false) || ConfigChanged()) Reload();
      absl::Time now = absl::Now();
      for (auto& replica : replicas_) {
        if (replica->pid < 0 && !replica->failed && !replica->retiring &&
            now >= replica->restart_at) {
          LogLine("info",
                  absl::StrCat("restarting ", replica->label, " (restart #",
                               replica->restart.restarts(), ")"));
          Start(*replica);
        }
      }
      for (auto& replica : replicas_) {
        if (replica->bad_config) return kRunExitBadConfig;
      }
      for (auto& replica : replicas_) {
        if (replica->failed) return kRunExitStageFailed;
      }
      if (!options_.once) continue;
      if (CompleteEverywhere()) {
        if (!peers_.empty()) AnnounceLeaving();
        return kRunExitOk;
      }
      const LocalProgress local = Local();
      if (once_.Stalled(local.Fingerprint(), now)) {
        LogLine("error",
                absl::StrCat("no progress for ",
                             absl::FormatDuration(options_.stall_timeout),
                             " and the pipeline is not complete: ",
                             once_.IncompleteReason(local, absl::Now())));
        return kRunExitIncomplete;
      }
    }
  }

  void PollOnce(long timeout_ms) {
    std::vector<zmq_pollitem_t> items;
    items.push_back({control_->handle(), 0, ZMQ_POLLIN, 0});
    items.push_back({status_->handle(), 0, ZMQ_POLLIN, 0});
    std::vector<Replica*> owners;
    for (auto& replica : replicas_) {
      if (replica->output.open()) {
        items.push_back({nullptr, replica->output.fd(), ZMQ_POLLIN, 0});
        owners.push_back(replica.get());
      }
    }
    int rc = zmq_poll(items.data(), static_cast<int>(items.size()), timeout_ms);
    if (options_.on_status &&
        absl::Now() - last_status_callback_ >= absl::Milliseconds(500)) {
      last_status_callback_ = absl::Now();
      options_.on_status(Status());
    }
    if (rc <= 0) return;
    if (items[0].revents & ZMQ_POLLIN) ReadReports();
    if (items[1].revents & ZMQ_POLLIN) AnswerStatus();
    for (size_t i = 2; i < items.size(); ++i) {
      if (items[i].revents & (ZMQ_POLLIN | ZMQ_POLLERR)) {
        RelayStderr(*owners[i - 2]);
      }
    }
  }

  v1::PipelineStatus Status() const {
    v1::PipelineStatus status;
    status.set_pipeline(plan_->pipeline);
    status.set_config_path(plan_->config_path);
    status.set_started_unix_ms(absl::ToUnixMillis(start_));
    status.set_now_unix_ms(absl::ToUnixMillis(absl::Now()));
    status.set_host(plan_->local_host);
    if (options_.once && !plan_->hosts.empty()) {
      once_.DescribeSelf(Local().Complete(), &status);
    }
    for (const auto& stage : plan_->stages) {
      std::string inputs;
      for (const auto& input : stage.inputs) {
        absl::StrAppend(&inputs, inputs.empty() ? "" : ",", input);
      }
      (*status.mutable_inputs())[stage.name] = inputs;
    }
    for (const auto& r : replicas_) {
      v1::ReplicaStatus* replica = status.add_replicas();
      replica->set_stage(r->stage->name);
      replica->set_replica(r->index);
      replica->set_type(r->stage->type);
      replica->set_state(r->retired   ? "retired"
                         : r->failed  ? "failed"
                         : r->pid > 0 ? "running"
                                      : "restarting");
      replica->set_restarts(r->restart.restarts());
      v1::StageReport* totals = replica->mutable_totals();
      *totals = r->counters.Totals();
      totals->set_stage(r->stage->name);
      totals->set_replica(r->index);
      totals->set_pid(r->pid > 0 ? r->pid : 0);
      replica->set_last_report_unix_ms(absl::ToUnixMillis(r->last_report));
    }
    return status;
  }

  void AnswerStatus() {
    zmq::message_t request;
    try {
      if (!status_->recv(request, zmq::recv_flags::dontwait)) return;
      std::string reply;
      Status().SerializeToString(&reply);
      status_->send(zmq::buffer(reply), zmq::send_flags::dontwait);
    } catch (const zmq::error_t& e) {
      LogLine("warning", absl::StrCat("status request failed: ", e.what()));
    }
  }

  void ReadReports() {
    while (true) {
      zmq::message_t message;
      zmq::recv_result_t received;
      try {
        received = control_->recv(message, zmq::recv_flags::dontwait);
      } catch (const zmq::error_t&) {
        return;
      }
      if (!received) return;
      v1::StageReport report;
      if (!report.ParseFromArray(message.data(),
                                 static_cast<int>(message.size()))) {
        LogLine("warning", absl::StrCat("ignored a malformed control frame (",
                                        message.size(), " bytes)"));
        continue;
      }
      for (auto& replica : replicas_) {
        if (replica->stage->name == report.stage() &&
            replica->index == report.replica() &&
            replica->pid == report.pid()) {
          replica->counters.current = report;
          replica->last_report = absl::Now();
          if (report.source_done()) replica->source_done = true;
        }
      }
    }
  }

  void RelayStderr(Replica& replica) {
    replica.output.Read([&replica](const std::string& line) {
      LogStageLine(replica.stage->name, replica.index, replica.pid, line);
    });
  }

  void ReapChildren() {
    while (true) {
      int status = 0;
      pid_t pid = waitpid(-1, &status, WNOHANG);
      if (pid <= 0) return;
      for (auto& replica_ptr : replicas_) {
        Replica& replica = *replica_ptr;
        if (replica.pid != pid) continue;
        if (replica.output.open()) RelayStderr(replica);
        ReadReports();
        replica.pid = -1;
        replica.exited = true;
        // Keep what the process did before it died.
        replica.counters.ProcessEnded();
        if (replica.retiring) {
          replica.retired = true;
          LogLine("info", absl::StrCat("retired ", replica.label, " (",
                                       DescribeExit(status), ")"));
          continue;
        }
        // A restarted source reads its inputs again.
        if (replica.stage->kind == NF_STAGE_SOURCE) replica.source_done = false;
        OnCrash(replica, status);
      }
    }
  }

  void OnCrash(Replica& replica, int status) {
    const absl::Time now = absl::Now();
    const RestartDecision decision =
        replica.restart.OnExit(status, replica.started_at, now);
    const std::string tail = replica.output.Tail();
    switch (decision.action) {
      case RestartDecision::kBadConfig:
        replica.failed = true;
        replica.bad_config = true;
        LogLine("error", absl::StrCat("stage ", replica.label,
                                      " refused its options; not restarted "
                                      "(fix the config):",
                                      tail.empty() ? " (no output)" : tail));
        return;
      case RestartDecision::kGiveUp:
        replica.failed = true;
        LogLine("error",
                absl::StrCat("stage ", replica.label, " ", DescribeExit(status),
                             "; ", decision.reason, ", giving up. Last output:",
                             tail.empty() ? " (none)" : tail));
        return;
      case RestartDecision::kRestart:
        replica.restart_at = now + decision.delay;
        LogLine("warning",
                absl::StrCat("stage ", replica.label, " ", DescribeExit(status),
                             "; restarting in ",
                             absl::FormatDuration(decision.delay)));
        return;
    }
  }

  // This host's replicas, for --once completion.
  LocalProgress Local() const {
    std::vector<ReplicaProgress> replicas;
    replicas.reserve(replicas_.size());
    for (const auto& r : replicas_) {
      ReplicaProgress p;
      p.stage = r->stage->name;
      p.source = r->stage->kind == NF_STAGE_SOURCE;
      p.running = r->pid > 0;
      p.retired = r->retired;
      p.source_done = r->source_done;
      p.received = r->counters.received();
      p.emitted = r->counters.emitted();
      p.completed = r->counters.completed();
      p.failed = r->counters.failed();
      p.pending_acks = r->counters.current.pending_acks();
      p.restarts = r->restart.restarts();
      replicas.push_back(std::move(p));
    }
    return LocalProgress(plan_->stages, plan_->delivery.acks,
                         std::move(replicas));
  }

  // Stops every stage at once, so a stop takes one stage deadline, not
  // one per stage: sources stop reading (a drain command) and stay only to
  // hear the last acknowledgements, while every other stage gets SIGTERM,
  // flushes (the store commits and acknowledges) and exits. Then the
  // sources get SIGTERM too. What they sent and was not acknowledged stays
  // in their journals, re-sent on the next run: waiting for the rest of
  // the pipeline to finish it could take as long as the run itself.
  void StopAll() {
    const absl::Time start = absl::Now();
    std::vector<Replica*> sources;
    for (auto& r : replicas_) {
      if (r->pid <= 0) continue;
      if (r->stage->kind == NF_STAGE_SOURCE) {
        sources.push_back(r.get());
      } else {
        Terminate(*r);
      }
    }
    int64_t drain_seq = 0;
    if (!sources.empty()) {
      v1::StageCommand drain;
      drain.mutable_drain()->set_quiet_ms(100);
      drain_seq = SendCommand(sources, drain);
    }
    absl::Time others_gone = absl::InfiniteFuture();
    while (true) {
      const absl::Time now = absl::Now();
      bool others_alive = false;
      bool any_alive = false;
      for (auto& r : replicas_) {
        if (r->pid <= 0) continue;
        any_alive = true;
        others_alive |= r->stage->kind != NF_STAGE_SOURCE;
      }
      if (!any_alive) break;
      if (!others_alive && others_gone == absl::InfiniteFuture()) {
        others_gone = now;
      }
      for (Replica* source : sources) {
        if (source->pid <= 0 || source->stop_sent != absl::InfiniteFuture()) {
          continue;
        }
        // A source reads commands between its poll() calls, so one that
        // does not confirm promptly is busy in one (a fetch the server does
        // not answer): SIGTERM ends that poll() at once (or its host's stop
        // deadline ends the process).
        const bool confirmed =
            source->counters.current.command_seq() >= drain_seq;
        if ((!confirmed && now - start >= kDrainConfirmTimeout) ||
            now - others_gone >= kLastAcksGrace) {
          if (!confirmed) {
            LogLine("info", absl::StrCat(source->label,
                                         " is busy reading and cannot drain; "
                                         "stopping it"));
          }
          Terminate(*source);
        }
      }
      for (auto& r : replicas_) {
        if (r->pid > 0 && now - r->stop_sent >= options_.stop_deadline) {
          LogLine("warning",
                  absl::StrCat(r->label, " did not stop in time; killing it"));
          kill(r->pid, SIGKILL);
          waitpid(r->pid, nullptr, 0);
          r->pid = -1;
        }
      }
      PollOnce(20);
      ReapStopped();
    }
    for (auto& replica : replicas_) {
      replica->output.Drain([&replica](const std::string& line) {
        LogStageLine(replica->stage->name, replica->index, replica->pid, line);
      });
    }
    ReadReports();
  }

  void Terminate(Replica& replica) {
    replica.stop_sent = absl::Now();
    kill(replica.pid, SIGTERM);
  }

  void ReapStopped() {
    while (true) {
      int status = 0;
      pid_t pid = waitpid(-1, &status, WNOHANG);
      if (pid <= 0) return;
      for (auto& replica : replicas_) {
        if (replica->pid != pid) continue;
        if (replica->output.open()) RelayStderr(*replica);
        ReadReports();
        replica->pid = -1;
        if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
          LogLine("warning",
                  absl::StrCat(replica->label, " ", DescribeExit(status),
                               " while stopping"));
        }
      }
    }
  }

  std::vector<StageSummary> Summarize() const {
    std::vector<StageSummary> summary;
    google::protobuf::RepeatedPtrField<v1::SourceProgress> sources;
    for (const auto& stage : plan_->stages) {
      bool here = false;
      for (const auto& r : stage.replicas)
        here |= plan_->IsLocal(stage, r.index);
      if (!here) continue;  // runs on another host: its runner summarizes it
      StageSummary s;
      s.stage = stage.name;
      s.source = stage.kind == NF_STAGE_SOURCE;
      s.terminal = stage.consumers.empty();
      for (const auto& r : replicas_) {
        if (r->stage->name != stage.name) continue;
        if (!r->retired) s.replicas++;
        const ReplicaCounters& c = r->counters;
        s.received += c.received();
        s.emitted += c.emitted();
        s.failed += c.failed();
        s.completed += c.completed();
        s.peak_rss_kib = std::max({s.peak_rss_kib, c.current.peak_rss_kib(),
                                   c.earlier.peak_rss_kib()});
        s.busy_seconds +=
            static_cast<double>(c.current.busy_ns() + c.earlier.busy_ns()) /
            1e9;
        s.restarts += r->restart.restarts();
        s.pending_acks += c.current.pending_acks();
        AddSourceProgress(c.earlier.sources(), &sources);
        AddSourceProgress(c.current.sources(), &sources);
      }
      s.sources.assign(sources.begin(), sources.end());
      sources.Clear();
      summary.push_back(s);
    }
    return summary;
  }

  RunOutcome Outcome(const std::vector<StageSummary>& summary,
                     int exit_code) const {
    RunOutcome outcome;
    outcome.kind = exit_code != kRunExitOk ? RunOutcome::Kind::kFailed
                   : stop_signal_ != 0     ? RunOutcome::Kind::kStopped
                                           : RunOutcome::Kind::kFinished;
    if (stop_signal_ != 0) outcome.signal = SignalName(stop_signal_);
    outcome.seconds = absl::ToDoubleSeconds(absl::Now() - start_);
    outcome.acks = plan_->delivery.acks;
    for (const StageSummary& s : summary) {
      if (s.source) {
        outcome.read += s.emitted;
        outcome.pending += s.pending_acks;
      }
      if (s.terminal) outcome.stored += s.completed;
    }
    return outcome;
  }

  void PrintSummary(const std::vector<StageSummary>& summary,
                    const RunOutcome& outcome) const {
    std::string out =
        absl::StrCat("\n", DescribeOutcome(plan_->pipeline, outcome), "\n");
    absl::StrAppendFormat(&out, "%-16s %8s %8s %8s %8s %9s %8s\n", "stage",
                          "in", "out", "errors", "restarts", "busy s",
                          "peak MB");
    for (const auto& s : summary) {
      absl::StrAppendFormat(&out, "%-16s %8d %8d %8d %8d %9.2f %8.1f\n",
                            s.stage, s.received, s.emitted, s.failed,
                            s.restarts, s.busy_seconds,
                            static_cast<double>(s.peak_rss_kib) / 1024.0);
      for (const auto& source : s.sources) {
        absl::StrAppendFormat(
            &out, "  %s: %d seen, %d new, %d failed%s\n", source.name(),
            source.seen(), source.added(), source.failed(),
            source.bytes_read() > 0
                ? absl::StrCat(", ", FormatByteSize(source.bytes_read()),
                               " read")
                : "");
      }
    }
    fwrite(out.data(), 1, out.size(), stdout);
    fflush(stdout);
  }

  std::shared_ptr<const PipelinePlan> plan_;
  SupervisorOptions options_;
  const RestartPolicy restart_policy_;
  int64_t command_seq_ = 0;
  int reload_generation_ = 0;
  // The signal that ended Loop(), 0 when it ended otherwise.
  int stop_signal_ = 0;
  std::optional<ConfigWatcher> watcher_;  // watch_config
  absl::Time start_;
  zmq::context_t context_{1};
  // Several hosts. Declared after the context: closed before it ends.
  std::optional<KeyPair> own_key_;
  std::unique_ptr<ZapHandler> zap_;
  // Status clients of the other hosts, in the order of once_.peers().
  std::vector<std::unique_ptr<StatusClient>> peers_;
  OnceCompletion once_;
  std::unique_ptr<zmq::socket_t> control_;
  std::unique_ptr<zmq::socket_t> status_;
  absl::Time last_status_callback_ = absl::InfinitePast();
  std::vector<std::unique_ptr<Replica>> replicas_;
  std::string lock_path_;
  int lock_fd_ = -1;
  // Run folders this runner created (outermost first): removed when it
  // stops, with what the run left in them.
  std::vector<std::string> created_run_dirs_;
};

Supervisor::Supervisor(PipelinePlan plan, SupervisorOptions options)
    : impl_(new Impl(std::move(plan), std::move(options))) {}

Supervisor::~Supervisor() { delete impl_; }

int Supervisor::Run() { return impl_->Run(&summary_, &outcome_); }

std::vector<std::string> SourcesThatReadNothing(
    const std::vector<StageSummary>& summary) {
  std::vector<std::string> empty;
  for (const StageSummary& stage : summary) {
    for (const v1::SourceProgress& source : stage.sources) {
      // Seen items that failed are all it saw: nothing was read. A re-run
      // that finds only what it delivered before has seen more than failed.
      if (source.failed() > 0 && source.added() == 0 &&
          source.seen() <= source.failed()) {
        empty.push_back(absl::StrCat(stage.stage, ": ", source.name(), " (",
                                     source.seen(), " seen, ", source.failed(),
                                     " failed)"));
      }
    }
  }
  return empty;
}

std::string DefaultStageBinary() {
  if (const char* env = getenv("NEWSFLOW_STAGE_BIN"); env != nullptr && *env) {
    return env;
  }
  // Beside this binary, in a build tree and an installation alike.
  const std::string exe_dir = ExecutableDir();
  if (exe_dir.empty()) return "newsflow-stage";
  return exe_dir + "/newsflow-stage";
}

}  // namespace newsflow
