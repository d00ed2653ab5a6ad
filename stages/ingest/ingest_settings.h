// The ingest stage's options, validated and with defaults applied.
#ifndef NEWSFLOW_STAGES_INGEST_INGEST_SETTINGS_H_
#define NEWSFLOW_STAGES_INGEST_INGEST_SETTINGS_H_

#include "absl/status/statusor.h"
#include "ingest_options.pb.h"
#include "stages/ingest/file_source.h"

namespace newsflow::ingest {

struct IngestSettings {
  FileSourceOptions files;
  int batch_size = 0;
};

// Fails with InvalidArgument naming the option when a value is unusable:
// no paths, an empty path or extension, max_file_bytes or batch_size below
// 1, a negative watch_interval_ms. Extensions are lowercased and get a
// leading '.' if they lack one.
absl::StatusOr<IngestSettings> ResolveIngestOptions(
    const stages::ingest::IngestOptions& options);

}  // namespace newsflow::ingest

#endif  // NEWSFLOW_STAGES_INGEST_INGEST_SETTINGS_H_
