// The "store" stage type.
#ifndef NEWSFLOW_STAGES_STORE_STORE_STAGE_H_
#define NEWSFLOW_STAGES_STORE_STORE_STAGE_H_

#include "newsflow/stage_plugin.h"

namespace newsflow {

extern const nf_stage_type kStoreStageType;

}  // namespace newsflow

#endif  // NEWSFLOW_STAGES_STORE_STORE_STAGE_H_
