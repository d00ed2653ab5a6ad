// The "tag" stage type.
#ifndef NEWSFLOW_STAGES_TAG_TAG_STAGE_H_
#define NEWSFLOW_STAGES_TAG_TAG_STAGE_H_

#include "newsflow/stage_plugin.h"

namespace newsflow {

extern const nf_stage_type kTagStageType;

}  // namespace newsflow

#endif  // NEWSFLOW_STAGES_TAG_TAG_STAGE_H_
