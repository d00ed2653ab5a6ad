// The "tag" stage type, and its two halves "annotate" and "link".
//
// `tag` does everything in one process. `annotate` → `link` splits it
// where the stream state begins (tagger.h): annotate is a function of each
// article and the shipped models, so it may run in replicas; link, one
// process, keeps the stream's identities, frequencies and stories. All
// three take the tag stage's options (tag_options.proto), each using those
// of its half; given the same options, annotate → link emits what tag
// emits (link clears the annotations it consumed), and link given articles
// without annotations is tag.
#ifndef NEWSFLOW_STAGES_TAG_TAG_STAGE_H_
#define NEWSFLOW_STAGES_TAG_TAG_STAGE_H_

#include "newsflow/stage_plugin.h"

namespace newsflow {

extern const nf_stage_type kTagStageType;
extern const nf_stage_type kAnnotateStageType;
extern const nf_stage_type kLinkStageType;

}  // namespace newsflow

#endif  // NEWSFLOW_STAGES_TAG_TAG_STAGE_H_
