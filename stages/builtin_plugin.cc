#include "stages/builtin_plugin.h"

#include "stages/clean/clean_stage.h"
#include "stages/ingest/ingest_stage.h"
#include "stages/store/store_stage.h"
#include "stages/tag/tag_stage.h"

namespace newsflow {

const nf_plugin_descriptor* BuiltinPluginDescriptor() {
  static const nf_stage_type* const kTypes[] = {
      &kIngestStageType,   &kCleanStageType, &kTagStageType,
      &kAnnotateStageType, &kLinkStageType,  &kStoreStageType};
  static const nf_plugin_descriptor kDescriptor = {
      NEWSFLOW_STAGE_ABI_MAJOR,
      NEWSFLOW_STAGE_ABI_MINOR,
      sizeof(nf_plugin_descriptor),
      "builtin",
      "0.1.0",
      "newsflow's built-in stages: ingest, clean, tag (or annotate and "
      "link), store",
      "Apache-2.0",
      kTypes,
      sizeof(kTypes) / sizeof(kTypes[0])};
  return &kDescriptor;
}

}  // namespace newsflow
