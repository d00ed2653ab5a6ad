#include "runner/host/reporter.h"

#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/strip.h"

namespace newsflow {
namespace {

int64_t Nanoseconds(Reporter::Clock::duration duration) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(duration).count();
}

}  // namespace

int LatencyBucket(int64_t nanoseconds) {
  int bucket = 0;
  while (bucket < kLatencyBuckets - 1 &&
         nanoseconds > kLatencyBucketBoundsUs[bucket] * 1000) {
    ++bucket;
  }
  return bucket;
}

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

Reporter::Reporter(absl::string_view stage, int replica, int pid) {
  report_.set_stage(std::string(stage));
  report_.set_replica(replica);
  report_.set_pid(pid);
  for (int i = 0; i < kLatencyBuckets; ++i) report_.add_latency_buckets(0);
}

void Reporter::Received(size_t bytes) {
  report_.set_received(report_.received() + 1);
  report_.set_bytes_in(report_.bytes_in() + static_cast<int64_t>(bytes));
}

void Reporter::Emitted(size_t bytes) {
  report_.set_emitted(report_.emitted() + 1);
  report_.set_bytes_out(report_.bytes_out() + static_cast<int64_t>(bytes));
}

void Reporter::Failed() { report_.set_failed(report_.failed() + 1); }

void Reporter::DeadLettered() {
  report_.set_dead_letters(report_.dead_letters() + 1);
}

void Reporter::Called(int64_t nanoseconds) {
  Busy(nanoseconds);
  const int bucket = LatencyBucket(nanoseconds);
  report_.set_latency_buckets(bucket, report_.latency_buckets(bucket) + 1);
}

void Reporter::Busy(int64_t nanoseconds) {
  report_.set_busy_ns(report_.busy_ns() + nanoseconds);
}

void Reporter::Completed() { report_.set_completed(report_.received()); }

void Reporter::SetPendingAcks(size_t pending) {
  report_.set_pending_acks(static_cast<int64_t>(pending));
}

void Reporter::SetSourceDone() { report_.set_source_done(true); }

void Reporter::SetCommandSeq(int64_t seq) { report_.set_command_seq(seq); }

v1::SourceProgress* Reporter::Source(absl::string_view name) {
  for (v1::SourceProgress& existing : *report_.mutable_sources()) {
    if (existing.name() == name) return &existing;
  }
  v1::SourceProgress* added = report_.add_sources();
  added->set_name(std::string(name));
  return added;
}

void Reporter::SetSourceBytes(absl::string_view name, int64_t bytes_read,
                              int64_t bytes_total) {
  v1::SourceProgress* target = Source(name);
  target->set_bytes_read(bytes_read);
  target->set_bytes_total(bytes_total);
}

void Reporter::SetSourceProgress(absl::string_view name, int64_t seen,
                                 int64_t added, int64_t failed) {
  v1::SourceProgress* target = Source(name);
  target->set_seen(seen);
  target->set_added(added);
  target->set_failed(failed);
}

void Reporter::BlockedSince(Clock::time_point start) { blocked_since_ = start; }

void Reporter::Unblocked(Clock::time_point now) {
  if (blocked_since_ == Clock::time_point{}) return;
  report_.set_blocked_ns(report_.blocked_ns() +
                         Nanoseconds(now - blocked_since_));
  blocked_since_ = Clock::time_point{};
}

bool Reporter::Due(Clock::time_point now) const {
  return now - last_report_ >= kInterval;
}

std::string Reporter::Take(bool final, int64_t peak_rss_kib,
                           Clock::time_point now) {
  last_report_ = now;
  report_.set_peak_rss_kib(peak_rss_kib);
  report_.set_final(final);
  if (blocked_since_ == Clock::time_point{}) return report_.SerializeAsString();
  // Still waiting on a full queue: show the wait so far.
  v1::StageReport live = report_;
  live.set_blocked_ns(live.blocked_ns() + Nanoseconds(now - blocked_since_));
  return live.SerializeAsString();
}

}  // namespace newsflow
