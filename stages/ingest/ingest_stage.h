// The "ingest" stage type: a source that reads articles from files and
// directories (plain text, HTML, JSON, JSON lines), optionally watching
// them for new or changed files. Options: see ingest_options.proto.
#ifndef NEWSFLOW_STAGES_INGEST_INGEST_STAGE_H_
#define NEWSFLOW_STAGES_INGEST_INGEST_STAGE_H_

#include "newsflow/stage_plugin.h"

namespace newsflow {

extern const nf_stage_type kIngestStageType;

}  // namespace newsflow

#endif  // NEWSFLOW_STAGES_INGEST_INGEST_STAGE_H_
