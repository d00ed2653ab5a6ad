// When a --once run is finished, and why it is not.
//
// On one host (LocalProgress): with acknowledgements, every source has
// read everything and no message it sent is still unacknowledged; without,
// every source has read everything and every other stage has completed
// (for the store: committed) as many messages as its inputs emitted.
// Counters are snapshots per process, so equality checked in topological
// order proves nothing is still in flight.
//
// Across hosts (OnceCompletion), a runner also waits until every other
// host has said its stages are complete and has seen this host complete,
// so that none exits while another still needs it. A runner that is done
// answers as "leaving" for a while before it exits, so the last one knows
// it left. Silence alone is ambiguous (a peer that finished and a link
// that is down look the same): a silent peer is taken as finished only
// after kPeerSilenceGrace, and only if it had said its stages are complete.
// Both hosts complete means every article is stored; what waiting adds is
// that the peer hears this host is done, and after that long a peer that
// is still there is cut off and hears nothing anyway (it stops at its own
// stall timeout and says which host it last waited for).
//
// Both are pure logic: the supervisor gathers its replicas' counters and
// the peers' status answers and passes them in with the time.
#ifndef NEWSFLOW_RUNNER_SUPERVISE_ONCE_COMPLETION_H_
#define NEWSFLOW_RUNNER_SUPERVISE_ONCE_COMPLETION_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "newsflow/v1/control.pb.h"
#include "runner/config/plan.h"

namespace newsflow {

// How often a runner asks its peers how far they are.
inline constexpr absl::Duration kPeerPollInterval = absl::Milliseconds(500);
// Longer than the ZeroMQ heartbeat timeout plus a reconnect, so a link
// that drops and comes back is not taken for a peer that finished.
inline constexpr absl::Duration kPeerSilenceGrace = absl::Seconds(10);
// How long a finished runner answers as leaving: three peer polls.
inline constexpr absl::Duration kLeavingAnnouncement = absl::Milliseconds(1500);

// One replica of this host, as completion sees it: its counters summed
// over its processes (restarts included).
struct ReplicaProgress {
  std::string stage;
  bool source = false;
  bool running = false;  // has a live process
  bool retired = false;  // replaced or removed by a reload
  // A source that has read everything (since its last start).
  bool source_done = false;
  int64_t received = 0;
  int64_t emitted = 0;
  int64_t completed = 0;
  int64_t failed = 0;
  int64_t pending_acks = 0;  // of the current process
  int restarts = 0;
};

// This host's replicas at one moment.
class LocalProgress {
 public:
  // `stages` in plan order (inputs before consumers), kept by reference.
  LocalProgress(const std::vector<StagePlan>& stages, bool acks,
                std::vector<ReplicaProgress> replicas);

  bool Complete() const;
  // Why Complete() is false, for the stall error.
  std::string IncompleteReason() const;
  // Changes whenever any replica moves (or restarts).
  int64_t Fingerprint() const;

 private:
  int64_t Emitted(const std::string& stage) const;
  int64_t Completed(const std::string& stage) const;

  const std::vector<StagePlan>& stages_;
  bool acks_;
  std::vector<ReplicaProgress> replicas_;
};

// What this runner knows of another host's runner.
struct PeerView {
  std::string name;
  bool complete = false;  // its own stages are done (latched)
  bool knows_me = false;  // its last answer: it has seen this host complete
  bool gone = false;      // it left (said so, or silent long after done)
  absl::Time silent_since = absl::InfiniteFuture();
  int64_t progress = 0;  // its counters, for stall detection
};

// --once across hosts: the handshake with the peers, and stall detection.
// With no peers it reduces to LocalProgress::Complete() and the stall
// timeout.
class OnceCompletion {
 public:
  using Log = std::function<void(const std::string&)>;

  // `log` receives the peer transitions worth a log line (may be empty).
  OnceCompletion(std::string local_host, absl::Duration stall_timeout,
                 Log log = nullptr);

  void AddPeer(std::string name);
  const std::vector<PeerView>& peers() const { return peers_; }

  // Whether it is time to ask the peers again (then true until `now` +
  // kPeerPollInterval is past). False without peers.
  bool PollDue(absl::Time now);
  // peers()[i] answered a status request with `status`.
  void OnAnswer(size_t i, const v1::PipelineStatus& status);
  // peers()[i] did not answer at `now`.
  void OnSilence(size_t i, absl::Time now);

  // Every peer is complete and has seen this host complete or has left.
  // The run is finished when this and the local Complete() hold.
  bool PeersDone() const;
  bool EveryoneLeft() const;

  // This host is finished and now answers as leaving.
  void StartLeaving() { leaving_ = true; }
  bool leaving() const { return leaving_; }
  // This host's side of the handshake, for its status answers.
  void DescribeSelf(bool complete, v1::PipelineStatus* status) const;

  // Nothing moved here or at any peer for longer than the stall timeout.
  // Call it on every check while the run is not finished.
  bool Stalled(int64_t local_fingerprint, absl::Time now);
  // Why the run is not finished: a peer's part once this host is complete,
  // this host's otherwise.
  std::string IncompleteReason(const LocalProgress& local,
                               absl::Time now) const;

 private:
  void Say(const std::string& line) const {
    if (log_) log_(line);
  }

  std::string local_host_;
  absl::Duration stall_timeout_;
  Log log_;
  std::vector<PeerView> peers_;
  absl::Time last_poll_ = absl::InfinitePast();
  bool leaving_ = false;
  int64_t last_fingerprint_ = -1;
  absl::Time last_progress_ = absl::InfinitePast();
};

}  // namespace newsflow

#endif  // NEWSFLOW_RUNNER_SUPERVISE_ONCE_COMPLETION_H_
