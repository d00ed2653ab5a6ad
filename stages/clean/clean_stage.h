// The "clean" stage type.
#ifndef NEWSFLOW_STAGES_CLEAN_CLEAN_STAGE_H_
#define NEWSFLOW_STAGES_CLEAN_CLEAN_STAGE_H_

#include "newsflow/stage_plugin.h"

namespace newsflow {

extern const nf_stage_type kCleanStageType;

}  // namespace newsflow

#endif  // NEWSFLOW_STAGES_CLEAN_CLEAN_STAGE_H_
