#include "bench/proc_stats.h"

#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace newsflow::bench {

int64_t ProcStatusKib(const std::string& status_path, absl::string_view field) {
  const std::string prefix = absl::StrCat(field, ":");
  std::ifstream status(status_path);
  std::string line;
  while (std::getline(status, line)) {
    if (!absl::StartsWith(line, prefix)) continue;
    absl::string_view value = absl::StripAsciiWhitespace(
        absl::StripSuffix(absl::StripPrefix(line, prefix), "kB"));
    int64_t kib = 0;
    if (absl::SimpleAtoi(value, &kib)) return kib;
  }
  return 0;
}

std::string LoadAverage() {
  std::ifstream file("/proc/loadavg");
  std::string one, five, fifteen;
  if (!(file >> one >> five >> fifteen)) return "unknown";
  return absl::StrCat(one, " ", five, " ", fifteen);
}

}  // namespace newsflow::bench
