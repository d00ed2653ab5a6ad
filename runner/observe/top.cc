#include "runner/observe/top.h"

#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <deque>
#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/json_value.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "runner/host/stage_host.h"
#include "runner/observe/progress.h"
#include "runner/wire/status_client.h"

namespace newsflow {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;

std::atomic<bool> g_top_stop{false};
void StopTop(int) { g_top_stop.store(true); }

std::string Rate(double per_second) {
  if (per_second >= 1e5) return absl::StrFormat("%.0fk", per_second / 1e3);
  if (per_second >= 1e4) return absl::StrFormat("%.1fk", per_second / 1e3);
  if (per_second > 0 && per_second < 10) {
    return absl::StrFormat("%.1f", per_second);
  }
  return absl::StrFormat("%.0f", per_second);
}

std::string Count(int64_t n) {
  if (n >= 10000000) return absl::StrFormat("%dM", n / 1000000);
  if (n >= 100000) return absl::StrFormat("%dk", n / 1000);
  return absl::StrCat(n);
}

std::string Latency(const std::optional<double>& us) {
  if (!us.has_value()) return "-";
  constexpr double kLast =
      static_cast<double>(kLatencyBucketBoundsUs[kLatencyBuckets - 2]);
  if (*us >= kLast) return absl::StrFormat(">%.0fs", kLast / 1e6);
  if (*us < 1000) return absl::StrFormat("%.0fus", *us);
  if (*us < 10000) return absl::StrFormat("%.1fms", *us / 1e3);
  return absl::StrFormat("%.0fms", *us / 1e3);
}

std::string Percent(double share) {
  const double percent = share * 100;
  if (percent > 999) return ">999";
  return absl::StrFormat("%.0f%%", percent);
}

std::string Uptime(absl::Duration d) {
  const int64_t s = absl::ToInt64Seconds(d);
  if (s < 60) return absl::StrCat(s, "s");
  if (s < 3600) return absl::StrFormat("%dm%02ds", s / 60, s % 60);
  return absl::StrFormat("%dh%02dm", s / 3600, (s / 60) % 60);
}

std::string State(const std::string& state) {
  if (state == "running") return "up";
  if (state == "restarting") return "down";
  if (state == "failed") return "FAIL";
  return state.substr(0, 5);
}

// Word-wraps `text` to `width` columns, indenting continuation lines.
std::vector<std::string> Wrap(const std::string& text, int width,
                              const std::string& indent) {
  std::vector<std::string> lines;
  std::string line;
  for (absl::string_view word : absl::StrSplit(text, ' ', absl::SkipEmpty())) {
    if (!line.empty() &&
        static_cast<int>(line.size() + 1 + word.size()) > width) {
      lines.push_back(line);
      line = indent;
    }
    absl::StrAppend(&line, line.empty() || line == indent ? "" : " ", word);
  }
  if (!line.empty()) lines.push_back(line);
  return lines;
}

template <typename T>
Value Optional(const std::optional<T>& v, double scale = 1) {
  return v.has_value() ? JsonNumber(static_cast<double>(*v) * scale)
                       : JsonNull();
}
// Shares and rates rounded so snapshots stay short and diffable.
double Round(double v, double steps_per_unit) {
  return std::round(v * steps_per_unit) / steps_per_unit;
}

bool Sleep(absl::Duration d) {
  const absl::Time until = absl::Now() + d;
  while (!g_top_stop.load()) {
    const absl::Duration left = until - absl::Now();
    if (left <= absl::ZeroDuration()) return true;
    absl::SleepFor(std::min(left, absl::Milliseconds(50)));
  }
  return false;
}

}  // namespace

void StatusWindow::Add(v1::PipelineStatus status) {
  if (!history_.empty() &&
      history_.front().started_unix_ms() != status.started_unix_ms()) {
    history_.clear();
  }
  history_.push_back(std::move(status));
  const int64_t window_ms = absl::ToInt64Milliseconds(window_);
  const int64_t newest_ms = history_.back().now_unix_ms();
  // Keep the oldest snapshot that still lies within the window, and never
  // drop the one just before the newest.
  while (history_.size() > 2 &&
         newest_ms - history_[1].now_unix_ms() >= window_ms) {
    history_.pop_front();
  }
}

const v1::PipelineStatus* StatusWindow::Base() const {
  return history_.size() < 2 ? nullptr : &history_.front();
}

std::string RenderTop(const PipelineView& view, int width) {
  std::vector<std::string> lines;
  lines.push_back(absl::StrCat("newsflow top - pipeline '", view.pipeline,
                               "' - up ", Uptime(view.now - view.started),
                               " - ", view.replicas.size(), " processes"));
  int64_t read = 0;
  int64_t stored = 0;
  int64_t errors = 0;
  int64_t bytes_read = 0, bytes_total = 0;
  bool reading = false;
  for (const StageView& stage : view.stages) {
    bytes_read += stage.bytes_read;
    bytes_total += stage.bytes_total;
    reading |= stage.source && !stage.source_done;
    if (stage.source) read += stage.emitted;
    if (stage.sink) stored += stage.completed;
    errors += stage.failed;
  }
  std::string input;
  if (reading && bytes_total > 0) {
    input = absl::StrCat(" (", FormatByteSize(bytes_read), " of ",
                         FormatByteSize(bytes_total), " input)");
  }
  lines.push_back(absl::StrCat(
      "  totals: ", read, " read", input, ", ", stored, " stored, ", errors,
      " errors; rates over the last ",
      Uptime(
          absl::Seconds(static_cast<int64_t>(view.interval_seconds + 0.5)))));
  constexpr const char* kRow = "%-15s %-5s %7s %7s %5s %6s %6s %5s %5s %5s %3s";
  lines.push_back(absl::StrFormat(kRow, "STAGE", "STATE", "IN/s", "OUT/s",
                                  "ERR", "P50", "P99", "QUEUE", "BLOCK", "BUSY",
                                  "RST"));
  for (const auto& r : view.replicas) {
    std::string name =
        absl::StrCat(r.bottleneck ? "*" : " ", r.stage, ".", r.replica);
    if (name.size() > 15) name = absl::StrCat(name.substr(0, 14), "~");
    lines.push_back(absl::StrFormat(
        kRow, name, State(r.state), Rate(r.in_per_second),
        Rate(r.out_per_second), Count(r.failed), Latency(r.p50_us),
        Latency(r.p99_us),
        r.queue_fill.has_value() ? Percent(*r.queue_fill) : "-",
        Percent(r.blocked_share), Percent(r.busy_share), Count(r.restarts)));
  }
  lines.push_back("");
  const std::string summary =
      view.bottleneck.empty()
          ? "  no bottleneck: every stage keeps up with its input"
          : absl::StrCat("* bottleneck: ", view.bottleneck, " - ",
                         view.bottleneck_reason);
  for (auto& line : Wrap(summary, width, "  ")) lines.push_back(line);
  std::string out;
  for (auto& line : lines) {
    if (static_cast<int>(line.size()) > width) line.resize(width);
    absl::StrAppend(&out, line, "\n");
  }
  return out;
}

std::string TopJson(const PipelineView& view) {
  Struct root;
  auto& f = *root.mutable_fields();
  f["pipeline"] = JsonText(view.pipeline);
  f["config"] = JsonText(view.config_path);
  f["time"] = JsonText(
      absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", view.now, absl::UTCTimeZone()));
  f["uptime_seconds"] =
      JsonNumber(Round(absl::ToDoubleSeconds(view.now - view.started), 1000));
  f["interval_seconds"] = JsonNumber(Round(view.interval_seconds, 1000));
  f["bottleneck"] =
      view.bottleneck.empty() ? JsonNull() : JsonText(view.bottleneck);
  f["bottleneck_reason"] = JsonText(view.bottleneck_reason);
  auto* stages = f["stages"].mutable_list_value();
  for (const auto& s : view.stages) {
    auto& o = *stages->add_values()->mutable_struct_value()->mutable_fields();
    o["stage"] = JsonText(s.name);
    o["type"] = JsonText(s.type);
    o["replicas"] = JsonNumber(s.replicas);
    o["source"] = JsonBool(s.source);
    o["sink"] = JsonBool(s.sink);
    o["received"] = JsonNumber(static_cast<double>(s.received));
    o["emitted"] = JsonNumber(static_cast<double>(s.emitted));
    o["completed"] = JsonNumber(static_cast<double>(s.completed));
    o["errors"] = JsonNumber(static_cast<double>(s.failed));
    o["in_per_second"] = JsonNumber(Round(s.in_per_second, 100));
    o["out_per_second"] = JsonNumber(Round(s.out_per_second, 100));
    o["busy"] = JsonNumber(Round(s.busy_share, 10000));
    o["blocked"] = JsonNumber(Round(s.blocked_share, 10000));
    o["queue_messages"] = Optional(s.queue_messages);
    o["queue_fill"] = s.queue_fill.has_value()
                          ? JsonNumber(Round(*s.queue_fill, 10000))
                          : JsonNull();
    o["bottleneck"] = JsonBool(s.bottleneck);
  }
  auto* replicas = f["replicas"].mutable_list_value();
  for (const auto& r : view.replicas) {
    auto& o = *replicas->add_values()->mutable_struct_value()->mutable_fields();
    o["stage"] = JsonText(r.stage);
    o["replica"] = JsonNumber(r.replica);
    o["type"] = JsonText(r.type);
    o["state"] = JsonText(r.state);
    o["pid"] = r.pid > 0 ? JsonNumber(r.pid) : JsonNull();
    o["restarts"] = JsonNumber(r.restarts);
    o["received"] = JsonNumber(static_cast<double>(r.received));
    o["emitted"] = JsonNumber(static_cast<double>(r.emitted));
    o["completed"] = JsonNumber(static_cast<double>(r.completed));
    o["errors"] = JsonNumber(static_cast<double>(r.failed));
    o["dead_letters"] = JsonNumber(static_cast<double>(r.dead_letters));
    o["in_per_second"] = JsonNumber(Round(r.in_per_second, 100));
    o["out_per_second"] = JsonNumber(Round(r.out_per_second, 100));
    o["errors_per_second"] = JsonNumber(Round(r.errors_per_second, 100));
    o["p50_ms"] = r.p50_us.has_value()
                      ? JsonNumber(Round(*r.p50_us / 1e3, 1000))
                      : JsonNull();
    o["p99_ms"] = r.p99_us.has_value()
                      ? JsonNumber(Round(*r.p99_us / 1e3, 1000))
                      : JsonNull();
    o["busy"] = JsonNumber(Round(r.busy_share, 10000));
    o["blocked"] = JsonNumber(Round(r.blocked_share, 10000));
    o["queue_messages"] = Optional(r.queue_messages);
    o["queue_fill"] = r.queue_fill.has_value()
                          ? JsonNumber(Round(*r.queue_fill, 10000))
                          : JsonNull();
    o["bottleneck"] = JsonBool(r.bottleneck);
  }
  std::string json;
  (void)google::protobuf::util::MessageToJsonString(root, &json);
  return json;
}

int RunTop(const TopOptions& options, std::ostream& out, std::ostream& err) {
  g_top_stop.store(false);
  struct sigaction action = {};
  action.sa_handler = StopTop;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);

  StatusClient client(options.status_endpoint, options.keys);
  auto no_pipeline = [&](const absl::Status& status) {
    return absl::StrCat("no running pipeline for ", options.description, " (",
                        status.message(), ")");
  };
  auto show = [&](const PipelineView& view) {
    if (options.json) {
      out << TopJson(view) << "\n";
    } else if (options.terminal) {
      std::string screen = "\033[H";
      for (absl::string_view line :
           absl::StrSplit(RenderTop(view, 79), '\n', absl::SkipEmpty())) {
        absl::StrAppend(&screen, line, "\033[K\n");
      }
      absl::StrAppend(&screen, "\033[K\n  refreshing every ",
                      absl::FormatDuration(options.interval),
                      "; Ctrl-C to quit\033[K\n\033[J");
      out << screen;
    } else {
      out << RenderTop(view, 79) << "\n";
    }
    out.flush();
  };

  if (options.once) {
    absl::StatusOr<v1::PipelineStatus> first =
        client.Fetch(options.request_timeout);
    if (!first.ok()) {
      err << no_pipeline(first.status()) << "\n";
      return kTopExitNoPipeline;
    }
    if (!Sleep(options.interval)) return kTopExitOk;
    absl::StatusOr<v1::PipelineStatus> second =
        client.Fetch(options.request_timeout);
    if (!second.ok()) {
      err << no_pipeline(second.status()) << "\n";
      return kTopExitNoPipeline;
    }
    const bool same_run = second->started_unix_ms() == first->started_unix_ms();
    show(MakePipelineView(*second, same_run ? &*first : nullptr));
    return kTopExitOk;
  }

  if (options.terminal && !options.json) out << "\033[?25l\033[2J";
  StatusWindow window(std::max(options.window, options.interval));
  bool said_down = false;
  do {
    absl::StatusOr<v1::PipelineStatus> status =
        client.Fetch(options.request_timeout);
    if (!status.ok()) {
      window.Clear();
      const std::string message = no_pipeline(status.status());
      if (options.terminal && !options.json) {
        out << "\033[H" << message << "\033[K\n  retrying every "
            << absl::FormatDuration(options.interval)
            << "; Ctrl-C to quit\033[K\n\033[J";
        out.flush();
      } else if (!said_down) {
        err << message << "; retrying\n";
      }
      said_down = true;
      continue;
    }
    said_down = false;
    window.Add(*std::move(status));
    // A terminal shows averages since the start at once; scripts and logs
    // only get views over at least one interval.
    if (window.Base() != nullptr || (options.terminal && !options.json)) {
      show(MakePipelineView(*window.Newest(), window.Base()));
    }
  } while (Sleep(options.interval));
  if (options.terminal && !options.json) out << "\033[?25h";
  out.flush();
  return kTopExitOk;
}

}  // namespace newsflow
