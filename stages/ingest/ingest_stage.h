// The "ingest" stage type: a source reading files and folders (text, HTML,
// JSON, JSON lines; optionally watched), Reuters SGML archives, standard
// input, web pages and RSS/Atom feeds. Options: see ingest_options.proto
// and ingest_settings.h.
#ifndef NEWSFLOW_STAGES_INGEST_INGEST_STAGE_H_
#define NEWSFLOW_STAGES_INGEST_INGEST_STAGE_H_

#include <string>

#include "absl/status/status.h"
#include "newsflow/stage_plugin.h"

namespace newsflow {

extern const nf_stage_type kIngestStageType;

// The checks of create() without creating sources: parses and resolves
// the options (ingest_settings.h), naming the option at fault.
absl::Status ValidateIngestOptions(const std::string& options_json);

}  // namespace newsflow

#endif  // NEWSFLOW_STAGES_INGEST_INGEST_STAGE_H_
