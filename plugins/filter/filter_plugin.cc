// Entry point of filter.so; the stage lives in filter_stage.cc.
#include "newsflow/stage.h"
#include "plugins/filter/filter_stage.h"

NEWSFLOW_PLUGIN("filter", "0.1.0", "Routes articles by rules on their fields",
                "Apache-2.0", &newsflow::plugins::kFilterStageType)
