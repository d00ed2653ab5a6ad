#include "runner/supervise/once_completion.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace newsflow {

LocalProgress::LocalProgress(const std::vector<StagePlan>& stages, bool acks,
                             std::vector<ReplicaProgress> replicas)
    : stages_(stages), acks_(acks), replicas_(std::move(replicas)) {}

int64_t LocalProgress::Emitted(const std::string& stage) const {
  int64_t total = 0;
  for (const ReplicaProgress& r : replicas_) {
    if (r.stage == stage) total += r.emitted;
  }
  return total;
}

int64_t LocalProgress::Completed(const std::string& stage) const {
  int64_t total = 0;
  for (const ReplicaProgress& r : replicas_) {
    if (r.stage == stage) total += r.completed;
  }
  return total;
}

bool LocalProgress::Complete() const {
  if (acks_) {
    // Every message a source emitted was acknowledged by every terminal
    // stage (after its commit), wherever that runs.
    for (const ReplicaProgress& r : replicas_) {
      if (r.retired || !r.source) continue;
      if (!r.source_done || !r.running || r.pending_acks > 0) return false;
    }
    return true;
  }
  for (const StagePlan& stage : stages_) {
    const bool source = stage.kind == NF_STAGE_SOURCE;
    for (const ReplicaProgress& r : replicas_) {
      if (r.retired || r.stage != stage.name) continue;
      if (!r.running) return false;
      if (source ? !r.source_done : r.completed != r.received) return false;
    }
    if (source) continue;
    int64_t expected = 0;
    for (const std::string& input : stage.inputs) expected += Emitted(input);
    if (Completed(stage.name) != expected) return false;
  }
  return true;
}

std::string LocalProgress::IncompleteReason() const {
  if (acks_) {
    int64_t pending = 0;
    for (const ReplicaProgress& r : replicas_) {
      if (r.source) pending += r.pending_acks;
    }
    return absl::StrCat(pending,
                        " messages are still unacknowledged (a stage "
                        "keeps failing to store them; see its errors)");
  }
  for (const StagePlan& stage : stages_) {
    if (stage.kind == NF_STAGE_SOURCE) continue;
    int64_t expected = 0;
    for (const std::string& input : stage.inputs) expected += Emitted(input);
    const int64_t completed = Completed(stage.name);
    if (completed != expected) {
      return absl::StrCat("stage '", stage.name, "' completed ", completed,
                          " of the ", expected,
                          " messages its inputs emitted (messages in flight "
                          "are lost when a stage process dies)");
    }
  }
  return "a source has not finished";
}

int64_t LocalProgress::Fingerprint() const {
  int64_t total = 0;
  for (const ReplicaProgress& r : replicas_) {
    total += r.received + r.emitted + r.completed + r.failed + r.restarts;
  }
  return total;
}

OnceCompletion::OnceCompletion(std::string local_host,
                               absl::Duration stall_timeout, Log log)
    : local_host_(std::move(local_host)),
      stall_timeout_(stall_timeout),
      log_(std::move(log)) {}

void OnceCompletion::AddPeer(std::string name) {
  PeerView peer;
  peer.name = std::move(name);
  peers_.push_back(std::move(peer));
}

bool OnceCompletion::PollDue(absl::Time now) {
  if (peers_.empty() || now - last_poll_ < kPeerPollInterval) return false;
  last_poll_ = now;
  return true;
}

void OnceCompletion::OnAnswer(size_t i, const v1::PipelineStatus& status) {
  PeerView& peer = peers_[i];
  peer.silent_since = absl::InfiniteFuture();
  if (!peer.complete && status.once_complete()) {
    peer.complete = true;
    Say(absl::StrCat("host '", peer.name, "' reports its stages complete"));
  }
  peer.knows_me = false;
  for (const std::string& name : status.seen_complete()) {
    peer.knows_me |= name == local_host_;
  }
  if (status.leaving() && !peer.gone) {
    peer.gone = true;
    Say(absl::StrCat("host '", peer.name, "' has finished"));
  }
  int64_t progress = 0;
  for (const v1::ReplicaStatus& r : status.replicas()) {
    progress += r.totals().received() + r.totals().emitted() +
                r.totals().completed() + r.restarts();
  }
  peer.progress = progress;
}

void OnceCompletion::OnSilence(size_t i, absl::Time now) {
  PeerView& peer = peers_[i];
  if (peer.silent_since == absl::InfiniteFuture()) peer.silent_since = now;
  if (!peer.gone && peer.complete &&
      now - peer.silent_since > kPeerSilenceGrace) {
    peer.gone = true;
    Say(absl::StrCat("host '", peer.name,
                     "' is taken as finished: it was complete and has been "
                     "silent for ",
                     absl::FormatDuration(kPeerSilenceGrace)));
  }
}

bool OnceCompletion::PeersDone() const {
  for (const PeerView& peer : peers_) {
    if (!peer.complete || (!peer.knows_me && !peer.gone)) return false;
  }
  return true;
}

bool OnceCompletion::EveryoneLeft() const {
  for (const PeerView& peer : peers_) {
    if (!peer.gone) return false;
  }
  return true;
}

void OnceCompletion::DescribeSelf(bool complete,
                                  v1::PipelineStatus* status) const {
  status->set_once_complete(complete);
  status->set_leaving(leaving_);
  for (const PeerView& peer : peers_) {
    if (peer.complete) status->add_seen_complete(peer.name);
  }
}

bool OnceCompletion::Stalled(int64_t local_fingerprint, absl::Time now) {
  int64_t total = local_fingerprint;
  for (const PeerView& peer : peers_) total += peer.progress;
  if (total != last_fingerprint_) {
    last_fingerprint_ = total;
    last_progress_ = now;
    return false;
  }
  return now - last_progress_ > stall_timeout_;
}

std::string OnceCompletion::IncompleteReason(const LocalProgress& local,
                                             absl::Time now) const {
  if (!peers_.empty() && local.Complete()) {
    for (const PeerView& peer : peers_) {
      if (peer.complete && (peer.knows_me || peer.gone)) continue;
      const bool silent = peer.silent_since != absl::InfiniteFuture();
      return absl::StrCat(
          "host '", peer.name, "' ",
          !peer.complete ? "has not reported its stages complete"
                         : "has not yet seen this host complete",
          silent ? absl::StrCat(" and has not answered for ",
                                absl::FormatDuration(absl::Trunc(
                                    now - peer.silent_since, absl::Seconds(1))))
                 : "");
    }
  }
  return local.IncompleteReason();
}

}  // namespace newsflow
