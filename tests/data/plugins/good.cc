// A valid plugin: one pass-through type, "fixture_passthrough".
#include "tests/data/plugins/fixture_plugin.h"

namespace {
constexpr nf_stage_type kType = fixture::PassThrough("fixture_passthrough");
}  // namespace

FIXTURE_PLUGIN(NEWSFLOW_STAGE_ABI_MAJOR, NEWSFLOW_STAGE_ABI_MINOR,
               sizeof(nf_plugin_descriptor), kType)
