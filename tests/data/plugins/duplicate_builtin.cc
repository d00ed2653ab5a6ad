// Declares a type named like a built-in stage ("clean").
#include "tests/data/plugins/fixture_plugin.h"

namespace {
constexpr nf_stage_type kType = fixture::PassThrough("clean");
}  // namespace

FIXTURE_PLUGIN(NEWSFLOW_STAGE_ABI_MAJOR, NEWSFLOW_STAGE_ABI_MINOR,
               sizeof(nf_plugin_descriptor), kType)
