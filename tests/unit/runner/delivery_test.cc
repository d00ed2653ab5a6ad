// The delivery state machine driven by hand: emissions, acknowledgements
// and time are fed in; what it asks to send, re-send and skip is checked.
#include "runner/host/delivery.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/runner/temp_dir.h"

namespace newsflow {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

const absl::Time kT0 = absl::FromUnixSeconds(1'000'000);
constexpr int kTimeoutMs = 10000;
const absl::Duration kTimeout = absl::Milliseconds(kTimeoutMs);

std::string ArticleBytes(const std::string& id, const std::string& title) {
  v1::Article article;
  if (!id.empty()) article.set_id(id);
  article.set_title(title);
  return article.SerializeAsString();
}

v1::AckBatch AckOf(std::vector<uint64_t> seqs,
                   std::vector<std::string> terminals) {
  v1::AckBatch batch;
  for (uint64_t seq : seqs) batch.add_seqs(seq);
  for (const auto& terminal : terminals) batch.add_terminals(terminal);
  return batch;
}

class SourceDeliveryTest : public ::testing::Test {
 protected:
  // A source replica "ingest.1" whose messages two terminals must settle.
  std::unique_ptr<SourceDelivery> Start(absl::Time now,
                                        int max_in_flight = 100) {
    absl::StatusOr<std::unique_ptr<SourceJournal>> journal =
        SourceJournal::Open(dir_.File("ingest.1.journal"), {"store", "index"});
    EXPECT_TRUE(journal.ok()) << journal.status();
    DeliveryPolicy policy;
    policy.ack_timeout_ms = kTimeoutMs;
    policy.max_in_flight = max_in_flight;
    return std::make_unique<SourceDelivery>(policy, *std::move(journal),
                                            "ingest", 1, now);
  }

  // Emits and returns the sequence number it was sent with.
  uint64_t EmitNew(SourceDelivery& delivery, const std::string& id,
                   absl::Time now) {
    auto out = delivery.Emit(ArticleBytes(id, "t"), now);
    EXPECT_TRUE(out.ok()) << out.status();
    EXPECT_TRUE(out->has_value()) << id << " was taken as a duplicate";
    return out.ok() && out->has_value() ? (*out)->envelope.seq() : 0;
  }

  void AckByAll(SourceDelivery& delivery, uint64_t seq, absl::Time now) {
    delivery.Ack(AckOf({seq}, {"store", "index"}), now);
  }

  TempDir dir_;
};

TEST_F(SourceDeliveryTest, EmitReturnsTheEnvelopeThatNamesTheOrigin) {
  auto delivery = Start(kT0);
  const std::string bytes = ArticleBytes("a1", "Title");
  auto out = delivery->Emit(bytes, kT0);
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_TRUE(out->has_value());
  const v1::Envelope& envelope = (*out)->envelope;
  EXPECT_EQ(envelope.id(), "a1");
  EXPECT_EQ(envelope.origin_stage(), "ingest");
  EXPECT_EQ(envelope.origin_replica(), 1);
  EXPECT_EQ((*out)->article, bytes);
  EXPECT_TRUE(delivery->IsPending(envelope.seq()));
  EXPECT_EQ(delivery->pending_count(), 1u);
}

TEST_F(SourceDeliveryTest, AnIdEmittedBeforeIsSkippedAsDeliveredOrInFlight) {
  auto delivery = Start(kT0);
  const uint64_t seq = EmitNew(*delivery, "a1", kT0);
  // In flight: a second read of the same article is not sent again.
  auto again = delivery->Emit(ArticleBytes("a1", "other title"), kT0);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->has_value());
  // Settled: still skipped.
  AckByAll(*delivery, seq, kT0);
  again = delivery->Emit(ArticleBytes("a1", "t"), kT0);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->has_value());
  EXPECT_EQ(delivery->deduplicated(), 2);
  EXPECT_EQ(delivery->pending_count(), 0u);
}

TEST_F(SourceDeliveryTest, ArticlesWithoutIdsAreTellApartByTheirBytes) {
  auto delivery = Start(kT0);
  auto first = delivery->Emit(ArticleBytes("", "one"), kT0);
  auto same = delivery->Emit(ArticleBytes("", "one"), kT0);
  auto other = delivery->Emit(ArticleBytes("", "two"), kT0);
  ASSERT_TRUE(first.ok() && same.ok() && other.ok());
  EXPECT_TRUE(first->has_value());
  EXPECT_FALSE(same->has_value());
  EXPECT_TRUE(other->has_value());
  EXPECT_NE((*first)->envelope.id(), (*other)->envelope.id());
}

TEST_F(SourceDeliveryTest, SettledOnlyOnceEveryTerminalAcknowledged) {
  auto delivery = Start(kT0);
  const uint64_t seq = EmitNew(*delivery, "a1", kT0);
  EXPECT_EQ(delivery->Ack(AckOf({seq}, {"store"}), kT0), 0);
  EXPECT_TRUE(delivery->IsPending(seq));
  EXPECT_EQ(delivery->Ack(AckOf({seq}, {"store"}), kT0), 0);  // repeated
  EXPECT_TRUE(delivery->IsPending(seq));
  EXPECT_EQ(delivery->Ack(AckOf({seq}, {"index"}), kT0), 1);
  EXPECT_FALSE(delivery->IsPending(seq));
  EXPECT_EQ(delivery->settled_count(), 1u);
  // Late and unknown acknowledgements change nothing.
  EXPECT_EQ(delivery->Ack(AckOf({seq, 999}, {"store", "index"}), kT0), 0);
  EXPECT_EQ(delivery->settled_count(), 1u);
}

TEST_F(SourceDeliveryTest, NothingIsResentBeforeTheTimeout) {
  auto delivery = Start(kT0);
  EmitNew(*delivery, "a1", kT0);
  EXPECT_THAT(delivery->DueForResend(kT0 + kTimeout - absl::Milliseconds(1)),
              IsEmpty());
}

TEST_F(SourceDeliveryTest, AStalledPipelineGetsItsMessagesAgain) {
  auto delivery = Start(kT0);
  const uint64_t a = EmitNew(*delivery, "a1", kT0);
  const uint64_t b = EmitNew(*delivery, "a2", kT0 + absl::Seconds(1));
  // Nothing acknowledged for a whole timeout: the pipeline stalled.
  EXPECT_THAT(delivery->DueForResend(kT0 + kTimeout), ElementsAre(a));
  EXPECT_THAT(delivery->DueForResend(kT0 + kTimeout + absl::Seconds(1)),
              ElementsAre(a, b));
  auto resend = delivery->Resend(a, kT0 + kTimeout);
  ASSERT_TRUE(resend.has_value());
  EXPECT_EQ(resend->envelope.seq(), a);
  EXPECT_EQ(resend->envelope.id(), "a1");
  EXPECT_EQ(resend->article, ArticleBytes("a1", "t"));
  EXPECT_EQ(delivery->resent(), 1);
}

TEST_F(SourceDeliveryTest, EachFurtherResendWaitsTwiceAsLongUpTo16Times) {
  auto delivery = Start(kT0);
  const uint64_t seq = EmitNew(*delivery, "a1", kT0);
  absl::Time sent = kT0;
  // After send n (n >= 1) the next is due (2^(n-1), at most 16) timeouts on.
  for (int factor : {1, 2, 4, 8, 16, 16}) {
    const absl::Time due = sent + kTimeout * factor;
    EXPECT_THAT(delivery->DueForResend(due - absl::Milliseconds(1)), IsEmpty())
        << "factor " << factor;
    EXPECT_THAT(delivery->DueForResend(due), ElementsAre(seq))
        << "factor " << factor;
    ASSERT_TRUE(delivery->Resend(seq, due).has_value());
    sent = due;
  }
  EXPECT_EQ(delivery->resent(), 6);
}

TEST_F(SourceDeliveryTest, ASlowButMovingPipelineIsNotFloodedWithCopies) {
  auto delivery = Start(kT0);
  const uint64_t a = EmitNew(*delivery, "a1", kT0);
  const uint64_t b = EmitNew(*delivery, "a2", kT0);
  // b, sent together with a, is acknowledged late: the pipeline moves,
  // and a was not overtaken, only queued behind.
  AckByAll(*delivery, b, kT0 + absl::Seconds(9));
  EXPECT_THAT(delivery->DueForResend(kT0 + kTimeout), IsEmpty());
  // Once nothing has been acknowledged for a timeout, it is re-sent.
  EXPECT_THAT(delivery->DueForResend(kT0 + absl::Seconds(9) + kTimeout),
              ElementsAre(a));
}

TEST_F(SourceDeliveryTest, AnOvertakenMessageIsResentAfterTheTimeout) {
  auto delivery = Start(kT0);
  const uint64_t a = EmitNew(*delivery, "a1", kT0);
  const uint64_t b = EmitNew(*delivery, "a2", kT0 + absl::Seconds(1));
  // b was sent after a and settled first: whoever held a died.
  AckByAll(*delivery, b, kT0 + absl::Seconds(2));
  EXPECT_THAT(delivery->DueForResend(kT0 + kTimeout - absl::Milliseconds(1)),
              IsEmpty());
  EXPECT_THAT(delivery->DueForResend(kT0 + kTimeout), ElementsAre(a));
}

TEST_F(SourceDeliveryTest, AfterARestartUnsettledMessagesAreSentAtOnce) {
  uint64_t settled = 0, pending = 0;
  {
    auto delivery = Start(kT0);
    settled = EmitNew(*delivery, "a1", kT0);
    pending = EmitNew(*delivery, "a2", kT0);
    AckByAll(*delivery, settled, kT0);
    ASSERT_TRUE(delivery->Sync().ok());
  }
  const absl::Time later = kT0 + absl::Hours(1);
  auto delivery = Start(later);
  EXPECT_EQ(delivery->pending_count(), 1u);
  EXPECT_THAT(delivery->DueForResend(later), ElementsAre(pending));
  auto resend = delivery->Resend(pending, later);
  ASSERT_TRUE(resend.has_value());
  EXPECT_EQ(resend->envelope.id(), "a2");
  // A first send by this process, not a re-send of its own.
  EXPECT_EQ(delivery->resent(), 0);
  EXPECT_THAT(delivery->DueForResend(later), IsEmpty());
  // Read again after the restart: both are known.
  auto again = delivery->Emit(ArticleBytes("a1", "t"), later);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->has_value());
  // Sequence numbers are never reused.
  EXPECT_GT(EmitNew(*delivery, "a3", later), pending);
}

TEST_F(SourceDeliveryTest, AdmitsUpToMaxInFlight) {
  auto delivery = Start(kT0, /*max_in_flight=*/2);
  EXPECT_TRUE(delivery->CanAdmit());
  const uint64_t first = EmitNew(*delivery, "a1", kT0);
  EXPECT_TRUE(delivery->CanAdmit());
  EmitNew(*delivery, "a2", kT0);
  EXPECT_FALSE(delivery->CanAdmit());
  AckByAll(*delivery, first, kT0);
  EXPECT_TRUE(delivery->CanAdmit());
}

TEST_F(SourceDeliveryTest, ResendOfASettledMessageAsksForNothing) {
  auto delivery = Start(kT0);
  const uint64_t seq = EmitNew(*delivery, "a1", kT0);
  AckByAll(*delivery, seq, kT0);
  EXPECT_FALSE(delivery->Resend(seq, kT0 + kTimeout).has_value());
  EXPECT_EQ(delivery->resent(), 0);
}

TEST(SettleInputTest, WhoAcknowledgesAProcessedInput) {
  // Passed on: whoever receives what it became settles it.
  EXPECT_EQ(SettleInput(/*failed=*/false, /*emitted=*/1, /*terminal=*/false),
            Settle::kNo);
  // Dropped by a filter: settled here, at once.
  EXPECT_EQ(SettleInput(false, 0, false), Settle::kNow);
  // Stored by a terminal: only once a flush made it durable.
  EXPECT_EQ(SettleInput(false, 0, true), Settle::kAfterFlush);
  // Dead-lettered: settled at once, whatever it emitted before failing.
  EXPECT_EQ(SettleInput(true, 0, true), Settle::kNow);
  EXPECT_EQ(SettleInput(true, 2, false), Settle::kNow);
}

TEST(FlushForInFlightTest, ATerminalFlushesAtHalfASourcesAllowance) {
  // The default allowance of 5,000: the timer decides below 2,500.
  EXPECT_FALSE(FlushForInFlight(0, 5000));
  EXPECT_FALSE(FlushForInFlight(2499, 5000));
  EXPECT_TRUE(FlushForInFlight(2500, 5000));
  EXPECT_TRUE(FlushForInFlight(6000, 5000));
  // The smallest allowances still let a flush come before the source stops.
  EXPECT_TRUE(FlushForInFlight(1, 1));
  EXPECT_FALSE(FlushForInFlight(0, 1));
  EXPECT_TRUE(FlushForInFlight(1, 3));
  // No allowance known (a launch without one): the timer alone.
  EXPECT_FALSE(FlushForInFlight(100000, 0));
}

TEST(BatchAcksTest, OneBatchPerSourceReplicaNamingTheTerminals) {
  std::vector<v1::Envelope> envelopes(3);
  envelopes[0].set_origin_stage("ingest");
  envelopes[0].set_origin_replica(0);
  envelopes[0].set_seq(7);
  envelopes[1].set_origin_stage("ingest");
  envelopes[1].set_origin_replica(1);
  envelopes[1].set_seq(3);
  envelopes[2] = envelopes[0];
  envelopes[2].set_seq(8);
  auto batches = BatchAcks(envelopes, {"store"});
  ASSERT_EQ(batches.size(), 2u);
  EXPECT_EQ(batches[0].first, "ingest.0");
  EXPECT_THAT(batches[0].second.seqs(), ElementsAre(7, 8));
  EXPECT_THAT(batches[0].second.terminals(), ElementsAre("store"));
  EXPECT_EQ(batches[1].first, "ingest.1");
  EXPECT_THAT(batches[1].second.seqs(), ElementsAre(3));
  EXPECT_THAT(BatchAcks({}, {"store"}), IsEmpty());
}

}  // namespace
}  // namespace newsflow
