// The "filter" stage type: passes on the articles an ArticleFilter keeps
// (see article_filter.h) and counts the rest; each Flush() logs a summary
// at debug level (NEWSFLOW_DEBUG=1 shows it).
#ifndef NEWSFLOW_PLUGINS_FILTER_FILTER_STAGE_H_
#define NEWSFLOW_PLUGINS_FILTER_FILTER_STAGE_H_

#include "newsflow/stage_plugin.h"

namespace newsflow::plugins {

extern const nf_stage_type kFilterStageType;

}  // namespace newsflow::plugins

#endif  // NEWSFLOW_PLUGINS_FILTER_FILTER_STAGE_H_
