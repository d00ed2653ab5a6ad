#include "runner/host/delivery.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/hash.h"
#include "runner/wire/frame.h"

namespace newsflow {

SourceDelivery::SourceDelivery(DeliveryPolicy policy,
                               std::unique_ptr<SourceJournal> journal,
                               std::string stage, int replica, absl::Time now)
    : policy_(policy),
      journal_(std::move(journal)),
      stage_(std::move(stage)),
      replica_(replica),
      last_ack_(now) {}

SourceDelivery::Outgoing SourceDelivery::MakeOutgoing(
    uint64_t seq, const SourceJournal::Pending& pending) const {
  Outgoing out;
  out.envelope.set_id(pending.id);
  out.envelope.set_origin_stage(stage_);
  out.envelope.set_origin_replica(replica_);
  out.envelope.set_seq(seq);
  out.article = pending.article;
  return out;
}

absl::StatusOr<std::optional<SourceDelivery::Outgoing>> SourceDelivery::Emit(
    std::string article, absl::Time now) {
  std::string id = ArticleIdOf(article);
  if (id.empty()) id = StableHashHex(article);
  if (journal_->Known(id)) {
    deduplicated_++;
    return std::optional<Outgoing>();
  }
  absl::StatusOr<uint64_t> seq = journal_->Emit(id, std::move(article));
  if (!seq.ok()) return seq.status();
  SourceJournal::Pending& pending = journal_->pending()[*seq];
  pending.last_sent = now;
  pending.sends = 1;
  return std::optional<Outgoing>(MakeOutgoing(*seq, pending));
}

int SourceDelivery::Ack(const v1::AckBatch& batch, absl::Time now) {
  int settled = 0;
  for (uint64_t seq : batch.seqs()) {
    auto pending = journal_->pending().find(seq);
    if (pending == journal_->pending().end()) continue;
    last_ack_ = now;
    latest_acked_send_ =
        std::max(latest_acked_send_, pending->second.last_sent);
    for (const auto& terminal : batch.terminals()) {
      // (Settling erases the entry: nothing below may touch `pending`.)
      if (journal_->Ack(seq, terminal)) {
        settled++;
        break;
      }
    }
  }
  return settled;
}

std::vector<uint64_t> SourceDelivery::DueForResend(absl::Time now) const {
  const absl::Duration timeout = policy_.ack_timeout();
  const bool stalled = now - last_ack_ >= timeout;
  std::vector<uint64_t> due;
  for (const auto& [seq, pending] : journal_->pending()) {
    const int backoff = 1 << std::min(std::max(pending.sends - 1, 0), 4);
    if (now - pending.last_sent < timeout * backoff) continue;
    const bool unsent = pending.sends == 0;
    if (!unsent && !stalled && latest_acked_send_ <= pending.last_sent) {
      continue;
    }
    due.push_back(seq);
  }
  return due;
}

std::optional<SourceDelivery::Outgoing> SourceDelivery::Resend(uint64_t seq,
                                                               absl::Time now) {
  auto it = journal_->pending().find(seq);
  if (it == journal_->pending().end()) return std::nullopt;
  SourceJournal::Pending& pending = it->second;
  if (pending.sends > 0) resent_++;
  pending.last_sent = now;
  pending.sends++;
  return MakeOutgoing(seq, pending);
}

bool SourceDelivery::CanAdmit() const {
  return static_cast<int>(journal_->pending().size()) < policy_.max_in_flight;
}

bool SourceDelivery::IsPending(uint64_t seq) const {
  return journal_->pending().count(seq) > 0;
}

absl::Status SourceDelivery::Sync() { return journal_->Sync(); }

absl::Status SourceDelivery::MaybeCompact() { return journal_->MaybeCompact(); }

Settle SettleInput(bool failed, int emitted, bool terminal) {
  if (!failed && emitted > 0) return Settle::kNo;
  if (!failed && terminal) return Settle::kAfterFlush;
  return Settle::kNow;
}

bool FlushForInFlight(size_t unflushed, int max_in_flight) {
  if (max_in_flight <= 0) return false;
  // At least 1: an allowance of 1 flushes after every input.
  const size_t half =
      std::max<size_t>(1, static_cast<size_t>(max_in_flight) / 2);
  return unflushed >= half;
}

std::vector<std::pair<std::string, v1::AckBatch>> BatchAcks(
    const std::vector<v1::Envelope>& envelopes,
    const std::vector<std::string>& terminals) {
  std::vector<std::pair<std::string, v1::AckBatch>> batches;
  for (const v1::Envelope& envelope : envelopes) {
    std::string origin =
        absl::StrCat(envelope.origin_stage(), ".", envelope.origin_replica());
    auto batch = std::find_if(batches.begin(), batches.end(),
                              [&](const auto& b) { return b.first == origin; });
    if (batch == batches.end()) {
      batches.emplace_back(std::move(origin), v1::AckBatch());
      batch = batches.end() - 1;
      for (const auto& terminal : terminals)
        batch->second.add_terminals(terminal);
    }
    batch->second.add_seqs(envelope.seq());
  }
  return batches;
}

}  // namespace newsflow
