// The "jsonl_sink" stage type: appends every article as one JSON line
// (proto field names, as `newsflow export` prints them) to a size-rotated
// file. Its Flush() fsync()s, so the runner counts an article as completed
// only once its line is on disk; write errors are returned, never dropped.
#ifndef NEWSFLOW_PLUGINS_JSONL_SINK_JSONL_SINK_STAGE_H_
#define NEWSFLOW_PLUGINS_JSONL_SINK_JSONL_SINK_STAGE_H_

#include "newsflow/stage_plugin.h"

namespace newsflow::plugins {

extern const nf_stage_type kJsonlSinkStageType;

}  // namespace newsflow::plugins

#endif  // NEWSFLOW_PLUGINS_JSONL_SINK_JSONL_SINK_STAGE_H_
