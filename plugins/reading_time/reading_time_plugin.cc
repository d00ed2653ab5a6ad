// Entry point of reading_time.so; the stage lives in reading_time_stage.cc.
#include "newsflow/stage.h"
#include "plugins/reading_time/reading_time_stage.h"

NEWSFLOW_PLUGIN("reading_time", "0.1.0",
                "Word count, reading time and readability of each article",
                "Apache-2.0", &newsflow::plugins::kReadingTimeStageType)
