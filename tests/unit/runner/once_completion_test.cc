// --once completion (runner/supervise/once_completion.h) without
// processes or sockets: local completeness from replica counters, and the
// handshake between runners on several hosts, simulated on a made-up clock
// with links that can go down.
#include "runner/supervise/once_completion.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace newsflow {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

const absl::Time kT0 = absl::FromUnixSeconds(1'000'000);
constexpr absl::Duration kStall = absl::Seconds(30);

StagePlan Stage(std::string name, nf_stage_kind kind,
                std::vector<std::string> inputs = {}) {
  StagePlan stage;
  stage.name = std::move(name);
  stage.kind = kind;
  stage.inputs = std::move(inputs);
  return stage;
}

ReplicaProgress Worker(std::string stage, int64_t received, int64_t completed,
                       int64_t emitted = 0) {
  ReplicaProgress r;
  r.stage = std::move(stage);
  r.running = true;
  r.received = received;
  r.completed = completed;
  r.emitted = emitted;
  return r;
}

ReplicaProgress Source(std::string stage, bool done, int64_t emitted,
                       int64_t pending_acks = 0) {
  ReplicaProgress r = Worker(std::move(stage), 0, 0, emitted);
  r.source = true;
  r.source_done = done;
  r.pending_acks = pending_acks;
  return r;
}

// in -> clean -> store
const std::vector<StagePlan>& Chain() {
  static const auto* stages = new std::vector<StagePlan>{
      Stage("in", NF_STAGE_SOURCE), Stage("clean", NF_STAGE_TRANSFORM, {"in"}),
      Stage("store", NF_STAGE_SINK, {"clean"})};
  return *stages;
}

v1::PipelineStatus Answer(bool complete, std::vector<std::string> seen = {},
                          bool leaving = false) {
  v1::PipelineStatus status;
  status.set_once_complete(complete);
  status.set_leaving(leaving);
  for (const auto& name : seen) status.add_seen_complete(name);
  return status;
}

// --- one host -------------------------------------------------------------

TEST(LocalProgressTest, AcksCompleteWhenEverySourceIsDoneAndAcknowledged) {
  EXPECT_TRUE(LocalProgress(Chain(), true,
                            {Source("in", true, 10), Worker("clean", 10, 9)})
                  .Complete())
      << "the sources' acknowledgements settle it, not other counters";
  EXPECT_FALSE(
      LocalProgress(Chain(), true, {Source("in", false, 10)}).Complete());
  LocalProgress pending(Chain(), true, {Source("in", true, 10, 3)});
  EXPECT_FALSE(pending.Complete());
  EXPECT_EQ(pending.IncompleteReason(),
            "3 messages are still unacknowledged (a stage keeps failing to "
            "store them; see its errors)");
  ReplicaProgress restarting = Source("in", true, 10);
  restarting.running = false;
  EXPECT_FALSE(LocalProgress(Chain(), true, {restarting}).Complete());
  ReplicaProgress retired = Source("in", false, 4);
  retired.retired = true;
  retired.running = false;
  EXPECT_TRUE(LocalProgress(Chain(), true, {retired, Source("in", true, 6)})
                  .Complete());
}

TEST(LocalProgressTest, AHostWithoutSourcesIsCompleteAtOnceWithAcks) {
  // Its sinks are accounted for by the sources' acknowledgements elsewhere.
  EXPECT_TRUE(LocalProgress(Chain(), true, {Worker("store", 0, 0)}).Complete());
}

TEST(LocalProgressTest, NoAcksCompleteWhenEveryStageDidWhatItsInputsEmitted) {
  EXPECT_TRUE(LocalProgress(Chain(), false,
                            {Source("in", true, 5), Worker("clean", 5, 5, 5),
                             Worker("store", 5, 5)})
                  .Complete());
  LocalProgress behind(
      Chain(), false,
      {Source("in", true, 5), Worker("clean", 5, 5, 5), Worker("store", 3, 3)});
  EXPECT_FALSE(behind.Complete());
  EXPECT_EQ(behind.IncompleteReason(),
            "stage 'store' completed 3 of the 5 messages its inputs emitted "
            "(messages in flight are lost when a stage process dies)");
  // Received but not completed: still working on it.
  EXPECT_FALSE(LocalProgress(Chain(), false,
                             {Source("in", true, 5), Worker("clean", 5, 4, 4),
                              Worker("clean", 0, 1, 1), Worker("store", 5, 5)})
                   .Complete());
  LocalProgress reading(Chain(), false, {Source("in", false, 0)});
  EXPECT_FALSE(reading.Complete());
  EXPECT_EQ(reading.IncompleteReason(), "a source has not finished");
}

TEST(LocalProgressTest, NoAcksCountsWhatRetiredReplicasCompleted) {
  ReplicaProgress old_clean = Worker("clean", 2, 2, 2);
  old_clean.retired = true;
  old_clean.running = false;
  EXPECT_TRUE(LocalProgress(Chain(), false,
                            {Source("in", true, 5), old_clean,
                             Worker("clean", 3, 3, 3), Worker("store", 5, 5)})
                  .Complete());
}

TEST(LocalProgressTest, FingerprintMovesWithAnyCounterAndRestarts) {
  const int64_t base =
      LocalProgress(Chain(), true, {Worker("clean", 5, 5, 5)}).Fingerprint();
  ReplicaProgress failed = Worker("clean", 5, 5, 5);
  failed.failed = 1;
  EXPECT_NE(LocalProgress(Chain(), true, {failed}).Fingerprint(), base);
  ReplicaProgress restarted = Worker("clean", 5, 5, 5);
  restarted.restarts = 1;
  EXPECT_NE(LocalProgress(Chain(), true, {restarted}).Fingerprint(), base);
}

TEST(OnceCompletionTest, StalledOnlyAfterTheTimeoutWithoutAnyMovement) {
  OnceCompletion once("", kStall);
  EXPECT_FALSE(once.Stalled(7, kT0));
  EXPECT_FALSE(once.Stalled(7, kT0 + kStall));
  EXPECT_FALSE(once.Stalled(8, kT0 + kStall + absl::Seconds(1)));
  EXPECT_FALSE(once.Stalled(8, kT0 + 2 * kStall + absl::Seconds(1)));
  EXPECT_TRUE(once.Stalled(8, kT0 + 2 * kStall + absl::Seconds(2)));
}

TEST(OnceCompletionTest, APeerThatMovesIsNotAStall) {
  OnceCompletion once("a", kStall);
  once.AddPeer("b");
  EXPECT_FALSE(once.Stalled(7, kT0));
  v1::PipelineStatus moving = Answer(false);
  moving.add_replicas()->mutable_totals()->set_received(1);
  once.OnAnswer(0, moving);
  EXPECT_FALSE(once.Stalled(7, kT0 + kStall + absl::Seconds(1)));
  EXPECT_EQ(once.peers()[0].progress, 1);
}

TEST(OnceCompletionTest, WithoutPeersOnlyThisHostCounts) {
  OnceCompletion once("", kStall);
  EXPECT_TRUE(once.PeersDone());
  EXPECT_FALSE(once.PollDue(kT0));
  LocalProgress reading(Chain(), true, {Source("in", false, 0, 2)});
  EXPECT_THAT(once.IncompleteReason(reading, kT0),
              HasSubstr("2 messages are still unacknowledged"));
}

// --- the handshake, one answer at a time -----------------------------------

TEST(OnceCompletionTest, PollsPeersEveryInterval) {
  OnceCompletion once("a", kStall);
  once.AddPeer("b");
  EXPECT_TRUE(once.PollDue(kT0));
  EXPECT_FALSE(once.PollDue(kT0 + absl::Milliseconds(499)));
  EXPECT_TRUE(once.PollDue(kT0 + kPeerPollInterval));
}

TEST(OnceCompletionTest, DoneWhenEveryPeerIsCompleteAndHasSeenThisHost) {
  std::vector<std::string> log;
  OnceCompletion once("a", kStall,
                      [&log](const std::string& line) { log.push_back(line); });
  once.AddPeer("b");
  once.AddPeer("c");
  once.OnAnswer(0, Answer(true, {"a"}));
  once.OnAnswer(1, Answer(true, {}));
  EXPECT_FALSE(once.PeersDone());
  LocalProgress done(Chain(), true, {});
  EXPECT_EQ(once.IncompleteReason(done, kT0),
            "host 'c' has not yet seen this host complete");
  once.OnAnswer(1, Answer(true, {"b", "a"}));
  EXPECT_TRUE(once.PeersDone());
  EXPECT_FALSE(once.EveryoneLeft());
  EXPECT_THAT(log, ElementsAre("host 'b' reports its stages complete",
                               "host 'c' reports its stages complete"));
  v1::PipelineStatus mine;
  once.DescribeSelf(true, &mine);
  EXPECT_TRUE(mine.once_complete());
  EXPECT_FALSE(mine.leaving());
  EXPECT_THAT(mine.seen_complete(), ElementsAre("b", "c"));
}

TEST(OnceCompletionTest, APeerThatAnnouncesLeavingLetsTheLastRunnerExit) {
  OnceCompletion once("b", kStall);
  once.AddPeer("a");
  // a was complete but had not yet seen b complete when b last asked...
  once.OnAnswer(0, Answer(true, {}));
  EXPECT_FALSE(once.PeersDone());
  // ...then it saw b, finished, and says it is leaving.
  once.OnAnswer(0, Answer(true, {}, /*leaving=*/true));
  EXPECT_TRUE(once.peers()[0].gone);
  EXPECT_TRUE(once.PeersDone());
  EXPECT_TRUE(once.EveryoneLeft());
}

TEST(OnceCompletionTest, ALeavingPeerThatWasNeverCompleteIsStillWaitedFor) {
  // It stopped (a signal, a stall) without finishing its stages.
  OnceCompletion once("b", kStall);
  once.AddPeer("a");
  once.OnAnswer(0, Answer(false, {}, /*leaving=*/true));
  EXPECT_FALSE(once.PeersDone());
}

TEST(OnceCompletionTest, ASilentCompletePeerIsFinishedOnlyAfterTheGrace) {
  OnceCompletion once("b", kStall);
  once.AddPeer("a");
  once.OnAnswer(0, Answer(true, {"b"}));
  once.OnSilence(0, kT0);
  once.OnSilence(0, kT0 + kPeerSilenceGrace);
  EXPECT_FALSE(once.peers()[0].gone);
  once.OnSilence(0, kT0 + kPeerSilenceGrace + absl::Milliseconds(500));
  EXPECT_TRUE(once.peers()[0].gone);
  EXPECT_TRUE(once.PeersDone());
}

TEST(OnceCompletionTest, ASilentCompletePeerIsFinishedEvenIfItHadNotSeenUs) {
  // It may have left during a link outage while announcing it: everything
  // is stored once both are complete, so waiting longer only strands us.
  OnceCompletion once("b", kStall);
  once.AddPeer("a");
  once.OnAnswer(0, Answer(true, {}));
  once.OnSilence(0, kT0);
  once.OnSilence(0, kT0 + absl::Seconds(5));
  EXPECT_FALSE(once.PeersDone());
  EXPECT_EQ(once.IncompleteReason(LocalProgress(Chain(), true, {}),
                                  kT0 + absl::Seconds(5)),
            "host 'a' has not yet seen this host complete and has not "
            "answered for 5s");
  once.OnSilence(0, kT0 + kPeerSilenceGrace + absl::Milliseconds(500));
  EXPECT_TRUE(once.peers()[0].gone);
  EXPECT_TRUE(once.PeersDone());
}

TEST(OnceCompletionTest, ASilentPeerThatWasNotCompleteIsNeverGone) {
  OnceCompletion once("b", kStall);
  once.AddPeer("a");
  once.OnSilence(0, kT0);
  once.OnSilence(0, kT0 + absl::Minutes(1));
  EXPECT_FALSE(once.peers()[0].gone);
  EXPECT_EQ(once.IncompleteReason(LocalProgress(Chain(), true, {}),
                                  kT0 + absl::Seconds(12)),
            "host 'a' has not reported its stages complete and has not "
            "answered for 12s");
  // This host's own reason comes first while it is not complete itself.
  EXPECT_THAT(
      once.IncompleteReason(
          LocalProgress(Chain(), true, {Source("in", true, 1, 1)}), kT0),
      HasSubstr("1 messages are still unacknowledged"));
}

TEST(OnceCompletionTest, AnAnswerRestartsTheSilence) {
  OnceCompletion once("b", kStall);
  once.AddPeer("a");
  once.OnAnswer(0, Answer(true, {"b"}));
  once.OnSilence(0, kT0);
  once.OnSilence(0, kT0 + absl::Seconds(9));
  once.OnAnswer(0, Answer(true, {"b"}));
  once.OnSilence(0, kT0 + absl::Seconds(10));
  once.OnSilence(0, kT0 + absl::Seconds(19));
  EXPECT_FALSE(once.peers()[0].gone);
}

// --- the handshake between simulated runners ------------------------------

// A runner of a --once run driven as the supervisor drives OnceCompletion:
// it asks its peers (every kPeerPollInterval) only once its own stages are
// complete; when they are all done it answers as leaving for
// kLeavingAnnouncement (asking on, and leaving early once every peer left)
// and exits; it gives up after the stall timeout.
struct Runner {
  Runner(std::string name, absl::Time complete_at)
      : name(name), complete_at(complete_at), once(name, kStall) {}

  bool Complete(absl::Time now) const { return now >= complete_at; }
  bool Running(absl::Time now) const { return now < exited_at; }
  v1::PipelineStatus Answer(absl::Time now) const {
    v1::PipelineStatus status;
    status.set_host(name);
    once.DescribeSelf(Complete(now), &status);
    return status;
  }

  std::string name;
  absl::Time complete_at;
  OnceCompletion once;
  absl::Time leave_at = absl::InfiniteFuture();
  absl::Time exited_at = absl::InfiniteFuture();
  int exit_code = -1;
};

class Cluster {
 public:
  // Every link is down during [from, until).
  void Outage(absl::Time from, absl::Time until) {
    outages_.push_back({from, until});
  }

  Runner& Add(std::string name, absl::Duration complete_after) {
    for (auto& other : runners_) {
      other->once.AddPeer(name);
    }
    runners_.push_back(std::make_unique<Runner>(name, kT0 + complete_after));
    for (auto& other : runners_) {
      if (other != runners_.back()) runners_.back()->once.AddPeer(other->name);
    }
    return *runners_.back();
  }

  // Runs until `until` after the start (or on from where it stopped).
  void RunUntil(absl::Duration until) {
    for (; now_ < kT0 + until; now_ += absl::Milliseconds(100)) {
      for (auto& r : runners_) {
        if (r->Running(now_)) Step(*r, now_);
      }
    }
  }

 private:
  bool LinkUp(absl::Time now) const {
    for (const auto& [from, until] : outages_) {
      if (now >= from && now < until) return false;
    }
    return true;
  }

  void Poll(Runner& r, absl::Time now) {
    if (!r.once.PollDue(now)) return;
    for (size_t i = 0; i < r.once.peers().size(); ++i) {
      if (r.once.peers()[i].gone) continue;
      Runner* peer = nullptr;
      for (auto& other : runners_) {
        if (other->name == r.once.peers()[i].name) peer = other.get();
      }
      if (LinkUp(now) && peer->Running(now)) {
        r.once.OnAnswer(i, peer->Answer(now));
      } else {
        r.once.OnSilence(i, now);
      }
    }
  }

  void Step(Runner& r, absl::Time now) {
    if (r.once.leaving()) {
      Poll(r, now);
      if (now >= r.leave_at || r.once.EveryoneLeft()) {
        r.exited_at = now;
        r.exit_code = 0;
      }
      return;
    }
    if (r.Complete(now)) {
      Poll(r, now);
      if (r.once.PeersDone()) {
        r.once.StartLeaving();
        r.leave_at = now + kLeavingAnnouncement;
        return;
      }
    }
    // Nothing moves in this simulation once the stages are done.
    const int64_t fingerprint = r.Complete(now) ? 1 : 0;
    if (r.once.Stalled(fingerprint, now)) {
      r.exited_at = now;
      r.exit_code = 3;
    }
  }

  absl::Time now_ = kT0;
  std::vector<std::unique_ptr<Runner>> runners_;
  std::vector<std::pair<absl::Time, absl::Time>> outages_;
};

// Every runner finished (exit 0) within [from, until).
void ExpectFinished(std::initializer_list<const Runner*> runners,
                    absl::Time from, absl::Time until) {
  for (const Runner* r : runners) {
    EXPECT_EQ(r->exit_code, 0) << r->name;
    EXPECT_GE(r->exited_at, from) << r->name;
    EXPECT_LT(r->exited_at, until) << r->name;
  }
}

TEST(OnceHandshakeTest, TwoHostsFinishTogether) {
  Cluster cluster;
  Runner& a = cluster.Add("a", absl::Seconds(1));
  Runner& b = cluster.Add("b", absl::Seconds(2));
  cluster.RunUntil(absl::Minutes(2));
  ExpectFinished({&a, &b}, b.complete_at, kT0 + absl::Seconds(5));
}

TEST(OnceHandshakeTest, ALinkOutageNeitherEndsARunEarlyNorStrandsIt) {
  // b finishes while the link is down for 6 s: a hears nothing from it,
  // which must not pass for b having finished; once the link is back both
  // finish normally.
  Cluster cluster;
  Runner& a = cluster.Add("a", absl::Seconds(1));
  Runner& b = cluster.Add("b", absl::Seconds(3));
  const absl::Time back = kT0 + absl::Seconds(8);
  cluster.Outage(kT0 + absl::Seconds(2), back);
  cluster.RunUntil(absl::Minutes(2));
  ExpectFinished({&a, &b}, back, back + absl::Seconds(5));
}

// Both complete at 1 s; a 6 s outage starting at `start`.
struct OutageRun {
  explicit OutageRun(absl::Duration start)
      : a(cluster.Add("a", absl::Seconds(1))),
        b(cluster.Add("b", absl::Seconds(1))) {
    cluster.Outage(kT0 + start, kT0 + start + absl::Seconds(6));
    cluster.RunUntil(absl::Minutes(2));
  }
  Cluster cluster;
  Runner& a;
  Runner& b;
};

TEST(OnceHandshakeTest, NoOutageEndsARunBeforeEveryHostIsComplete) {
  for (absl::Duration start = absl::ZeroDuration(); start < absl::Seconds(4);
       start += absl::Milliseconds(100)) {
    SCOPED_TRACE(absl::StrCat("outage from ", absl::FormatDuration(start)));
    Cluster cluster;
    Runner& a = cluster.Add("a", absl::Seconds(1));
    Runner& b = cluster.Add("b", absl::Seconds(2));
    cluster.Outage(kT0 + start, kT0 + start + absl::Seconds(6));
    cluster.RunUntil(absl::Minutes(2));
    for (Runner* r : {&a, &b}) {
      if (r->exit_code == 0) {
        EXPECT_GE(r->exited_at, b.complete_at) << r->name;
      }
    }
  }
}

TEST(OnceHandshakeTest, AnOutageBeforeEitherLeavesStrandsNeither) {
  // Unfinished or mid-handshake when the link drops (b decides to leave
  // at 1 s when there is no outage): both wait for it and finish after.
  for (absl::Duration start = absl::ZeroDuration(); start <= absl::Seconds(1);
       start += absl::Milliseconds(100)) {
    SCOPED_TRACE(absl::StrCat("outage from ", absl::FormatDuration(start)));
    OutageRun run(start);
    ExpectFinished({&run.a, &run.b}, kT0 + absl::Seconds(1),
                   kT0 + start + absl::Seconds(9));
  }
}

TEST(OnceHandshakeTest, AnOutageAfterTheAnnouncementWasHeardStrandsNeither) {
  for (absl::Duration start = absl::Milliseconds(1600);
       start < absl::Seconds(4); start += absl::Milliseconds(100)) {
    SCOPED_TRACE(absl::StrCat("outage from ", absl::FormatDuration(start)));
    OutageRun run(start);
    ExpectFinished({&run.a, &run.b}, kT0 + absl::Seconds(1),
                   kT0 + absl::Seconds(3));
  }
}

// b has seen a complete and seen a list b, and leaves at 1 s; a's last
// answer from b (at 1 s, before b had asked a) did not list a. If the link
// drops before a hears b's leaving answers (1.1 s to 1.5 s), a sees only
// silence from a peer whose last word was "complete": after the grace it
// takes b as finished instead of waiting out the stall timeout.
TEST(OnceHandshakeTest,
     AnOutageDuringTheLeavingAnnouncementDoesNotStrandTheLastRunner) {
  for (absl::Duration start = absl::Milliseconds(1100);
       start <= absl::Milliseconds(1500); start += absl::Milliseconds(100)) {
    SCOPED_TRACE(absl::StrCat("outage from ", absl::FormatDuration(start)));
    OutageRun run(start);
    ExpectFinished(
        {&run.a, &run.b}, kT0 + absl::Seconds(1),
        kT0 + start + absl::Seconds(6) + kPeerSilenceGrace + absl::Seconds(1));
  }
}

TEST(OnceHandshakeTest, ALeavingAnnouncementLetsTheLastRunnerExit) {
  // a is complete first. When b completes at 2 s it asks a before a has
  // heard that b is complete, so b's view of a lacks knows_me; a then sees
  // b complete and listing a, and leaves. b learns that from a's leaving
  // answer, not by waiting out a silence.
  Cluster cluster;
  Runner& b = cluster.Add("b", absl::Seconds(2));
  Runner& a = cluster.Add("a", absl::Seconds(1));
  cluster.RunUntil(absl::Seconds(2) + absl::Milliseconds(100));
  ASSERT_TRUE(a.once.leaving());
  ASSERT_FALSE(b.once.leaving());
  ASSERT_TRUE(b.once.peers()[0].complete);
  ASSERT_FALSE(b.once.peers()[0].knows_me);
  cluster.RunUntil(absl::Minutes(2));
  EXPECT_TRUE(b.once.peers()[0].gone);
  ExpectFinished({&a, &b}, b.complete_at, kT0 + absl::Seconds(4));
}

TEST(OnceHandshakeTest, TwoHostsWhereOneHasNoSources) {
  // b runs only sinks: with acks it is complete from the start, and waits
  // until a's sources have read everything and been acknowledged.
  EXPECT_TRUE(LocalProgress(Chain(), true, {Worker("store", 0, 0)}).Complete());
  Cluster cluster;
  Runner& a = cluster.Add("a", absl::Seconds(5));
  Runner& b = cluster.Add("b", absl::ZeroDuration());
  cluster.RunUntil(absl::Minutes(2));
  ExpectFinished({&a, &b}, a.complete_at, kT0 + absl::Seconds(8));
}

TEST(OnceHandshakeTest, ThreeHostsFinishTogether) {
  Cluster cluster;
  Runner& a = cluster.Add("a", absl::Seconds(1));
  Runner& b = cluster.Add("b", absl::Seconds(2));
  Runner& c = cluster.Add("c", absl::Seconds(4));
  cluster.RunUntil(absl::Minutes(2));
  ExpectFinished({&a, &b, &c}, c.complete_at, kT0 + absl::Seconds(8));
}

TEST(OnceHandshakeTest, AHostThatNeverCompletesStallsEveryone) {
  Cluster cluster;
  Runner& a = cluster.Add("a", absl::Seconds(1));
  Runner& b = cluster.Add("b", absl::Hours(1));
  cluster.RunUntil(absl::Minutes(2));
  EXPECT_EQ(a.exit_code, 3);
  EXPECT_EQ(b.exit_code, 3);
  EXPECT_THAT(
      a.once.IncompleteReason(LocalProgress(Chain(), true, {}), a.exited_at),
      HasSubstr("host 'b' has not reported its stages complete"));
}

}  // namespace
}  // namespace newsflow
