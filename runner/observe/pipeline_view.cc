#include "runner/observe/pipeline_view.h"

#include <algorithm>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "runner/config/plan.h"
#include "runner/host/stage_host.h"

namespace newsflow {
namespace {

std::string Key(const std::string& stage, int replica) {
  return absl::StrCat(stage, "\x1f", replica);
}

std::vector<int64_t> Buckets(const v1::StageReport& report) {
  return std::vector<int64_t>(report.latency_buckets().begin(),
                              report.latency_buckets().end());
}

double Share(int64_t nanoseconds, double seconds) {
  if (seconds <= 0) return 0;
  return std::clamp(static_cast<double>(nanoseconds) / (seconds * 1e9), 0.0,
                    1.0);
}

double Rate(int64_t count, double seconds) {
  return seconds > 0
             ? static_cast<double>(std::max<int64_t>(count, 0)) / seconds
             : 0;
}

int Percent(double share) { return static_cast<int>(share * 100 + 0.5); }

}  // namespace

const StageView* PipelineView::FindStage(const std::string& name) const {
  for (const auto& stage : stages) {
    if (stage.name == name) return &stage;
  }
  return nullptr;
}

std::optional<double> LatencyQuantileUs(const std::vector<int64_t>& buckets,
                                        double q) {
  int64_t total = 0;
  for (int64_t count : buckets) total += std::max<int64_t>(count, 0);
  if (total == 0) return std::nullopt;
  const double rank = q * static_cast<double>(total);
  double below = 0;
  constexpr int kBounds = kLatencyBuckets - 1;
  for (size_t i = 0; i < buckets.size(); ++i) {
    const double count = static_cast<double>(std::max<int64_t>(buckets[i], 0));
    if (count > 0 && below + count >= rank) {
      if (static_cast<int>(i) >= kBounds) {
        return static_cast<double>(kLatencyBucketBoundsUs[kBounds - 1]);
      }
      const double lower =
          i == 0 ? 0 : static_cast<double>(kLatencyBucketBoundsUs[i - 1]);
      const double upper = static_cast<double>(kLatencyBucketBoundsUs[i]);
      return lower +
             (upper - lower) * std::clamp((rank - below) / count, 0.0, 1.0);
    }
    below += count;
  }
  return static_cast<double>(kLatencyBucketBoundsUs[kBounds - 1]);
}

PipelineView MakePipelineView(const v1::PipelineStatus& current,
                              const v1::PipelineStatus* previous) {
  PipelineView view;
  view.pipeline = current.pipeline();
  view.config_path = current.config_path();
  view.started = absl::FromUnixMillis(current.started_unix_ms());
  view.now = absl::FromUnixMillis(current.now_unix_ms());
  const int64_t since_ms =
      previous != nullptr ? previous->now_unix_ms() : current.started_unix_ms();
  view.interval_seconds =
      std::max<double>(0, (current.now_unix_ms() - since_ms) / 1000.0);
  const double seconds = view.interval_seconds;

  absl::flat_hash_map<std::string, const v1::ReplicaStatus*> before;
  if (previous != nullptr) {
    for (const auto& r : previous->replicas()) {
      if (r.state() != "retired") before[Key(r.stage(), r.replica())] = &r;
    }
  }

  // Stages in the order the runner lists them (inputs first), then any
  // stage that has no replica in this snapshot.
  absl::flat_hash_map<std::string, size_t> stage_index;
  auto stage_for = [&](const std::string& name) -> StageView& {
    auto [it, added] = stage_index.try_emplace(name, view.stages.size());
    if (added) {
      StageView stage;
      stage.name = name;
      auto inputs = current.inputs().find(name);
      if (inputs != current.inputs().end() && !inputs->second.empty()) {
        stage.inputs = absl::StrSplit(inputs->second, ',');
      }
      stage.source = stage.inputs.empty();
      stage.source_done = stage.source;
      view.stages.push_back(std::move(stage));
    }
    return view.stages[it->second];
  };
  for (const auto& r : current.replicas()) stage_for(r.stage());
  {
    std::vector<std::string> rest;
    for (const auto& [name, inputs] : current.inputs()) {
      if (!stage_index.contains(name)) rest.push_back(name);
    }
    std::sort(rest.begin(), rest.end());
    for (const auto& name : rest) stage_for(name);
  }

  // Totals include retired replicas: what they received and emitted is
  // part of the queue arithmetic.
  for (const auto& r : current.replicas()) {
    StageView& stage = stage_for(r.stage());
    const v1::StageReport& t = r.totals();
    stage.received += t.received();
    stage.emitted += t.emitted();
    stage.completed += t.completed();
    stage.failed += t.failed();
    for (const v1::SourceProgress& source : t.sources()) {
      stage.bytes_read += source.bytes_read();
      stage.bytes_total += source.bytes_total();
    }
    if (r.state() == "retired") continue;
    if (stage.type.empty()) stage.type = r.type();
    stage.replicas++;
    if (stage.source && !t.source_done()) stage.source_done = false;

    ReplicaView replica;
    replica.stage = r.stage();
    replica.replica = r.replica();
    replica.type = r.type();
    replica.state = r.state();
    replica.pid = t.pid();
    replica.restarts = r.restarts();
    replica.received = t.received();
    replica.emitted = t.emitted();
    replica.completed = t.completed();
    replica.failed = t.failed();
    replica.dead_letters = t.dead_letters();
    replica.peak_rss_kib = t.peak_rss_kib();
    replica.source_done = t.source_done();

    v1::StageReport zero;
    const v1::StageReport* old = &zero;
    auto found = before.find(Key(r.stage(), r.replica()));
    if (found != before.end()) old = &found->second->totals();
    replica.in_per_second = Rate(t.received() - old->received(), seconds);
    replica.out_per_second = Rate(t.emitted() - old->emitted(), seconds);
    replica.errors_per_second = Rate(t.failed() - old->failed(), seconds);
    replica.busy_share = Share(t.busy_ns() - old->busy_ns(), seconds);
    replica.blocked_share = Share(t.blocked_ns() - old->blocked_ns(), seconds);
    std::vector<int64_t> buckets = Buckets(t);
    const std::vector<int64_t> old_buckets = Buckets(*old);
    for (size_t i = 0; i < buckets.size() && i < old_buckets.size(); ++i) {
      buckets[i] -= old_buckets[i];
    }
    replica.p50_us = LatencyQuantileUs(buckets, 0.5);
    replica.p99_us = LatencyQuantileUs(buckets, 0.99);

    stage.in_per_second += replica.in_per_second;
    stage.out_per_second += replica.out_per_second;
    stage.busy_share += replica.busy_share;
    stage.blocked_share += replica.blocked_share;
    view.replicas.push_back(std::move(replica));
  }

  absl::flat_hash_map<std::string, bool> is_input;
  for (auto& stage : view.stages) {
    if (stage.replicas > 0) {
      stage.busy_share /= stage.replicas;
      stage.blocked_share /= stage.replicas;
    }
    for (const auto& input : stage.inputs) is_input[input] = true;
  }
  for (auto& stage : view.stages) {
    stage.sink = !is_input.contains(stage.name);
    if (stage.source) continue;
    int64_t upstream = 0;
    for (const auto& input : stage.inputs) {
      auto it = stage_index.find(input);
      if (it != stage_index.end()) upstream += view.stages[it->second].emitted;
    }
    stage.queue_messages = std::max<int64_t>(0, upstream - stage.received);
    stage.queue_fill = static_cast<double>(*stage.queue_messages) /
                       (static_cast<double>(std::max(stage.replicas, 1)) *
                        kDefaultHighWaterMark);
  }
  for (auto& replica : view.replicas) {
    const StageView& stage = view.stages[stage_index[replica.stage]];
    if (!stage.queue_messages.has_value()) continue;
    replica.queue_messages =
        *stage.queue_messages / std::max(stage.replicas, 1);
    replica.queue_fill = stage.queue_fill;
  }

  // The bottleneck rule (see the header).
  const StageView* best = nullptr;
  std::string best_reason;
  for (size_t i = 0; i < view.stages.size(); ++i) {
    const StageView& stage = view.stages[i];
    if (stage.replicas == 0 || stage.blocked_share >= kHeldBackBlockedShare) {
      continue;
    }
    std::vector<std::string> evidence;
    if (stage.busy_share >= kPressureBusyShare) {
      evidence.push_back(
          absl::StrCat("busy ", Percent(stage.busy_share), "% of the time"));
    }
    for (const auto& input : stage.inputs) {
      const StageView* upstream = view.FindStage(input);
      if (upstream != nullptr &&
          upstream->blocked_share >= kPressureUpstreamBlockedShare) {
        evidence.push_back(absl::StrCat(input, " waits on it ",
                                        Percent(upstream->blocked_share),
                                        "% of the time"));
      }
    }
    const double fill = stage.queue_fill.value_or(0);
    if (fill >= kPressureQueueFill) {
      evidence.push_back(absl::StrCat("input queue ", Percent(fill), "% full"));
    }
    if (evidence.empty()) continue;
    auto better = [&](const StageView& a, const StageView& b) {
      if (a.busy_share != b.busy_share) return a.busy_share > b.busy_share;
      // Equal: prefer the fuller queue, then the later (downstream) stage.
      return a.queue_fill.value_or(0) >= b.queue_fill.value_or(0);
    };
    if (best == nullptr || better(stage, *best)) {
      best = &stage;
      best_reason = absl::StrJoin(evidence, "; ");
    }
  }
  if (best != nullptr) {
    view.bottleneck = best->name;
    view.bottleneck_reason = best_reason;
    for (auto& stage : view.stages) stage.bottleneck = stage.name == best->name;
    for (auto& replica : view.replicas) {
      replica.bottleneck = replica.stage == best->name;
    }
  }
  return view;
}

}  // namespace newsflow
