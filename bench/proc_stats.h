// What /proc says about processes, for the benchmarks that watch the
// memory of the processes they run.
#ifndef NEWSFLOW_BENCH_PROC_STATS_H_
#define NEWSFLOW_BENCH_PROC_STATS_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace newsflow::bench {

// A kB field of a /proc/PID/status file ("VmRSS", "VmHWM"); 0 when the
// process is gone or the field is missing.
int64_t ProcStatusKib(const std::string& status_path, absl::string_view field);

// The three load averages of /proc/loadavg, or "unknown".
std::string LoadAverage();

inline double MiB(int64_t kib) { return static_cast<double>(kib) / 1024.0; }

}  // namespace newsflow::bench

#endif  // NEWSFLOW_BENCH_PROC_STATS_H_
