#include "runner/observe/progress.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "runner/observe/log.h"
#include "runner/observe/pipeline_view.h"

namespace newsflow {
namespace {

// How far back the rate looks: long enough to smooth batching sinks,
// short enough to follow a change of pace.
constexpr absl::Duration kRateWindow = absl::Seconds(5);

std::string Count(double value) {
  if (value >= 1e6) return absl::StrFormat("%.1fM", value / 1e6);
  if (value >= 1e4) return absl::StrFormat("%.1fk", value / 1e3);
  return absl::StrFormat("%.0f", value);
}

std::string Duration(absl::Duration d, bool tenths) {
  const double seconds = absl::ToDoubleSeconds(d);
  if (seconds < 60) {
    return tenths ? absl::StrFormat("%.1fs", seconds)
                  : absl::StrFormat("%.0fs", std::ceil(seconds));
  }
  const int64_t total = static_cast<int64_t>(seconds);
  if (total < 3600) return absl::StrFormat("%dm%02ds", total / 60, total % 60);
  return absl::StrFormat("%dh%02dm", total / 3600, (total / 60) % 60);
}

int TerminalWidth() {
  winsize size = {};
  if (ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 10) {
    return size.ws_col;
  }
  return 80;
}

}  // namespace

absl::StatusOr<ProgressMode> ParseProgressMode(absl::string_view name,
                                               bool once, bool terminal) {
  if (name == "auto") {
    if (!once) return ProgressMode::kOff;
    return terminal ? ProgressMode::kLine : ProgressMode::kLog;
  }
  if (name == "line") return ProgressMode::kLine;
  if (name == "log") return ProgressMode::kLog;
  if (name == "off") return ProgressMode::kOff;
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown progress mode '", name, "' (known: auto, line, log, off)"));
}

std::string FormatByteSize(int64_t bytes) {
  const double value = static_cast<double>(bytes);
  if (value >= 1e9) return absl::StrFormat("%.1f GB", value / 1e9);
  if (value >= 1e6) return absl::StrFormat("%.1f MB", value / 1e6);
  if (value >= 1e3) return absl::StrFormat("%.1f kB", value / 1e3);
  return absl::StrCat(bytes, " B");
}

std::string FormatProgress(const Progress& p) {
  std::string text;
  if (!p.total_known && p.bytes_total > 0) {
    absl::StrAppend(&text, FormatByteSize(p.bytes_read), " of ",
                    FormatByteSize(p.bytes_total), " read (",
                    std::min<int64_t>(100, p.bytes_read * 100 / p.bytes_total),
                    "%), ");
  }
  absl::StrAppend(&text, p.read, " read, ");
  if (p.total_known && p.read > 0) {
    absl::StrAppend(&text, p.stored, "/", p.read, " stored (",
                    std::min<int64_t>(100, p.stored * 100 / p.read), "%)");
  } else {
    absl::StrAppend(&text, p.stored, " stored");
  }
  absl::StrAppend(&text, ", ", Count(p.per_second), "/s");
  if (p.eta.has_value()) {
    absl::StrAppend(&text, ", ETA ", Duration(*p.eta, false));
  }
  absl::StrAppend(&text, ", ", Duration(p.elapsed, true), " elapsed");
  return text;
}

ProgressReporter::ProgressReporter(ProgressMode mode, absl::Duration log_every)
    : mode_(mode), log_every_(log_every) {}

ProgressReporter::~ProgressReporter() { Finish(); }

void ProgressReporter::Update(const v1::PipelineStatus& status) {
  if (mode_ == ProgressMode::kOff) return;
  const PipelineView view = MakePipelineView(status, nullptr);
  Progress p;
  bool any_source = false, all_done = true, any_sink = false;
  int64_t stored = 0;
  for (const auto& stage : view.stages) {
    if (stage.source) {
      any_source = true;
      p.read += stage.emitted;
      p.bytes_read += stage.bytes_read;
      p.bytes_total += stage.bytes_total;
      all_done = all_done && stage.source_done;
    } else if (stage.sink) {
      stored = any_sink ? std::min(stored, stage.completed) : stage.completed;
      any_sink = true;
    }
  }
  p.stored = stored;
  p.total_known = any_source && all_done;
  p.elapsed = view.now - view.started;

  samples_.push_back({view.now, p.stored, p.bytes_read});
  while (samples_.size() > 2 && view.now - samples_[1].at >= kRateWindow) {
    samples_.pop_front();
  }
  const Sample& then = samples_.front();
  const double seconds = absl::ToDoubleSeconds(view.now - then.at);
  double bytes_per_second = 0;
  if (seconds >= 0.5) {
    p.per_second =
        static_cast<double>(std::max<int64_t>(0, p.stored - then.stored)) /
        seconds;
    bytes_per_second = static_cast<double>(std::max<int64_t>(
                           0, p.bytes_read - then.bytes_read)) /
                       seconds;
  }
  if (!p.total_known && p.bytes_total > 0) {
    // Articles per byte vary too much to turn bytes into a stored count:
    // this ETA is when the sources finish reading.
    const int64_t remaining =
        std::max<int64_t>(0, p.bytes_total - p.bytes_read);
    if (remaining > 0 && bytes_per_second > 0) {
      p.eta = absl::Seconds(static_cast<double>(remaining) / bytes_per_second);
    }
  } else if (p.total_known) {
    const int64_t remaining = std::max<int64_t>(0, p.read - p.stored);
    if (remaining == 0) {
      p.eta = absl::ZeroDuration();
    } else if (p.per_second > 0) {
      p.eta = absl::Seconds(static_cast<double>(remaining) / p.per_second);
    }
  }
  progress_ = p;

  const std::string text = FormatProgress(p);
  if (mode_ == ProgressMode::kLine) {
    const size_t width = static_cast<size_t>(TerminalWidth() - 1);
    SetLogStatusLine(text.size() > width ? text.substr(0, width) : text);
    drawn_ = true;
  } else if (last_log_ == absl::InfinitePast()) {
    last_log_ = view.now;  // the first line comes after log_every_
  } else if (view.now - last_log_ >= log_every_) {
    last_log_ = view.now;
    LogRunnerLine("info", absl::StrCat("progress: ", text));
  }
}

void ProgressReporter::Finish() {
  if (drawn_) SetLogStatusLine("");
  drawn_ = false;
}

}  // namespace newsflow
