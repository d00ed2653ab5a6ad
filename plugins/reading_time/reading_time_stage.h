// The "reading_time" stage type: adds metadata["word_count"],
// metadata["reading_minutes"] and, for English (or unknown-language)
// bodies, metadata["flesch_reading_ease"] (one decimal). See readability.h
// for how words, sentences and syllables are counted.
#ifndef NEWSFLOW_PLUGINS_READING_TIME_READING_TIME_STAGE_H_
#define NEWSFLOW_PLUGINS_READING_TIME_READING_TIME_STAGE_H_

#include "newsflow/stage_plugin.h"

namespace newsflow::plugins {

extern const nf_stage_type kReadingTimeStageType;

}  // namespace newsflow::plugins

#endif  // NEWSFLOW_PLUGINS_READING_TIME_READING_TIME_STAGE_H_
