// Delivery: the at-least-once bookkeeping of a stage process, without its
// sockets. The stage host feeds it what happened ("emitted this article at
// t", "these sequence numbers were acknowledged at t", "it is now t") and
// does what it answers (send, re-send, skip as already delivered). Time is
// always passed in, never read, so tests drive it without sleeping.
//
// Two halves:
//  - SourceDelivery: a source replica's journal, the acknowledgements it
//    receives, and the rule that decides what to re-send.
//  - Settlement decisions and acknowledgement batching, for every stage
//    that settles inputs (drops them, dead-letters them, or stores them
//    as a terminal).
//
// Nothing here blocks or logs; failures of the journal come back as
// absl::Status for the host to report.
#ifndef NEWSFLOW_RUNNER_HOST_DELIVERY_H_
#define NEWSFLOW_RUNNER_HOST_DELIVERY_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "newsflow/v1/article.pb.h"
#include "newsflow/v1/control.pb.h"
#include "runner/config/delivery_policy.h"
#include "runner/host/journal.h"

namespace newsflow {

class SourceDelivery {
 public:
  // What the host must send: the envelope that says whom to acknowledge,
  // and the serialized article (valid until the next call that changes
  // the journal).
  struct Outgoing {
    v1::Envelope envelope;
    absl::string_view article;
  };

  // `journal` is the source replica's, opened; `stage` and `replica` name
  // the replica in the envelopes (acknowledgements come back by them).
  // `now` starts the clock of the stall rule: a source that has just
  // started has not yet waited for any acknowledgement.
  SourceDelivery(DeliveryPolicy policy, std::unique_ptr<SourceJournal> journal,
                 std::string stage, int replica, absl::Time now);

  // Journals a newly emitted article (serialized, trace included) and
  // returns what to send. Its id is the article's, or a hash of its bytes
  // when it has none. nullopt when that id was emitted before (read again
  // after a restart): it is delivered or in flight, and is counted in
  // deduplicated(). An error when the journal cannot record it; the
  // article must then not be sent. Journaled in a buffer: WriteJournal()
  // before sending it.
  absl::StatusOr<std::optional<Outgoing>> Emit(std::string article,
                                               absl::Time now);
  // An empty string to build the next article to Emit in, with the memory
  // of one settled before when there is one (SourceJournal::TakeBuffer).
  std::string TakeBuffer() { return journal_->TakeBuffer(); }
  // Writes what Emit journaled to the kernel (one write(2) for all of it):
  // before any of it is sent, so that no sequence number leaves the
  // process unjournaled. An error means none of it may be sent.
  absl::Status WriteJournal() {
    return journal_->has_unwritten() ? journal_->WriteOut() : absl::OkStatus();
  }

  // Records acknowledgements: each of `seqs` was settled by each of
  // `terminals`. Unknown sequence numbers (settled already, or from before
  // a compaction) are ignored. Returns how many messages became settled.
  int Ack(const v1::AckBatch& batch, absl::Time now);

  // The pending messages to re-send at `now`, in sequence order.
  //
  // Waiting long is not enough to be presumed lost: under load a message
  // can sit in full queues far longer than the timeout, and re-sending it
  // would only double the work (and the load). So a message is due once
  // it has waited ack_timeout AND either nothing at all was acknowledged
  // during that time (the pipeline stalled or a stage died) or a message
  // sent after it was acknowledged first (it was overtaken, so a process
  // that held it died). Each further re-send of one message waits twice as
  // long (up to 16x), so a slow pipeline is not flooded with copies.
  // Messages journaled by an earlier process (never sent by this one) are
  // due at once.
  std::vector<uint64_t> DueForResend(absl::Time now) const;

  // Marks `seq` as sent again at `now` and returns what to send; nullopt
  // when it is no longer pending.
  std::optional<Outgoing> Resend(uint64_t seq, absl::Time now);

  // Whether another message may be read: fewer than max_in_flight wait
  // for their acknowledgement.
  bool CanAdmit() const;

  // Makes the journal durable (fdatasync); call at least every 100 ms.
  absl::Status Sync();
  // Compacts the journal when it has grown well past what it holds.
  absl::Status MaybeCompact();

  size_t pending_count() const { return journal_->pending().size(); }
  size_t settled_count() const { return journal_->settled_count(); }
  bool IsPending(uint64_t seq) const;
  // Re-sends of messages this process had sent before (not first sends
  // of messages left over from a previous process).
  int64_t resent() const { return resent_; }
  // Emissions skipped because their id was delivered or in flight.
  int64_t deduplicated() const { return deduplicated_; }
  const DeliveryPolicy& policy() const { return policy_; }

 private:
  Outgoing MakeOutgoing(uint64_t seq,
                        const SourceJournal::Pending& pending) const;

  const DeliveryPolicy policy_;
  const std::unique_ptr<SourceJournal> journal_;
  const std::string stage_;
  const int replica_;
  // When any pending message was last acknowledged: the stall rule.
  absl::Time last_ack_;
  // The latest send time of an acknowledged message: the overtaken rule.
  absl::Time latest_acked_send_ = absl::InfinitePast();
  int64_t resent_ = 0;
  int64_t deduplicated_ = 0;
};

// When a stage acknowledges an input it received with an envelope.
enum class Settle {
  kNo,          // it emitted something: downstream settles it
  kNow,         // dropped, or dead-lettered
  kAfterFlush,  // a terminal stored it: acknowledged once flushed durably
};

// The decision for one processed input: `failed` when the stage rejected
// it (dead-lettered), `emitted` how many messages it produced from it,
// `terminal` when the stage has no outputs.
Settle SettleInput(bool failed, int emitted, bool terminal);

// Whether a terminal stage holding `unflushed` inputs whose
// acknowledgements wait for its next flush should flush now rather than at
// its timer: once they reach half of `max_in_flight`, the most a source may
// have unacknowledged. A source that reaches its allowance stops reading
// until acknowledgements come, so a terminal that waited for its timer
// (250 ms) would hold every source to max_in_flight articles per timer
// period (5,000 per 250 ms by default) however fast the stages are;
// flushing at half lets the source go on with the other half while the
// flush runs. 0 (or less) means no allowance is known: never.
bool FlushForInFlight(size_t unflushed, int max_in_flight);

// Groups acknowledgements by the source replica that must receive them
// ("stage.replica", from each envelope's origin), each batch naming
// `terminals` as the ones that settled its messages. In order of first
// appearance, so sends are deterministic.
std::vector<std::pair<std::string, v1::AckBatch>> BatchAcks(
    const std::vector<v1::Envelope>& envelopes,
    const std::vector<std::string>& terminals);

}  // namespace newsflow

#endif  // NEWSFLOW_RUNNER_HOST_DELIVERY_H_
