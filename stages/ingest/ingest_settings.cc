#include "stages/ingest/ingest_settings.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace newsflow::ingest {
namespace {

// Keep in step with the option schema in ingest_stage.cc (a test checks).
constexpr const char* kDefaultExtensions[] = {".txt", ".html", ".htm", ".json",
                                              ".jsonl"};
constexpr int64_t kDefaultMaxFileBytes = 16 << 20;
constexpr int64_t kDefaultWatchIntervalMs = 1000;
constexpr const char kDefaultSource[] = "files";
constexpr int kDefaultBatchSize = 64;

absl::Status Invalid(const std::string& option, const std::string& problem) {
  return absl::InvalidArgumentError(
      absl::StrCat("ingest option ", option, ": ", problem));
}

}  // namespace

absl::StatusOr<IngestSettings> ResolveIngestOptions(
    const stages::ingest::IngestOptions& options) {
  IngestSettings settings;
  FileSourceOptions& files = settings.files;

  if (options.paths().empty()) {
    return Invalid("paths", "list at least one file or directory");
  }
  for (const std::string& path : options.paths()) {
    if (path.empty()) return Invalid("paths", "a path is empty");
    files.paths.push_back(path);
  }

  for (const std::string& extension : options.extensions()) {
    if (extension.empty() || extension == ".") {
      return Invalid("extensions", "an extension is empty");
    }
    std::string lower = extension[0] == '.' ? extension : "." + extension;
    for (char& c : lower) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    files.extensions.push_back(std::move(lower));
  }
  if (files.extensions.empty()) {
    files.extensions.assign(std::begin(kDefaultExtensions),
                            std::end(kDefaultExtensions));
  }

  files.max_file_bytes = options.has_max_file_bytes() ? options.max_file_bytes()
                                                      : kDefaultMaxFileBytes;
  if (files.max_file_bytes < 1) {
    return Invalid("max_file_bytes", "must be at least 1");
  }

  files.watch = options.watch();
  int64_t interval_ms = options.has_watch_interval_ms()
                            ? options.watch_interval_ms()
                            : kDefaultWatchIntervalMs;
  if (interval_ms < 0) {
    return Invalid("watch_interval_ms", "must not be negative");
  }
  files.watch_interval = absl::Milliseconds(interval_ms);

  files.source_name =
      options.source().empty() ? kDefaultSource : options.source();

  settings.batch_size =
      options.has_batch_size() ? options.batch_size() : kDefaultBatchSize;
  if (settings.batch_size < 1) {
    return Invalid("batch_size", "must be at least 1");
  }
  return settings;
}

}  // namespace newsflow::ingest
