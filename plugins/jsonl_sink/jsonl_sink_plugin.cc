// Entry point of jsonl_sink.so; the stage lives in jsonl_sink_stage.cc.
#include "newsflow/stage.h"
#include "plugins/jsonl_sink/jsonl_sink_stage.h"

NEWSFLOW_PLUGIN("jsonl_sink", "0.1.0",
                "Writes articles to size-rotated JSON Lines files",
                "Apache-2.0", &newsflow::plugins::kJsonlSinkStageType)
