// Claims a descriptor size its ABI version does not define.
#include "tests/data/plugins/fixture_plugin.h"

namespace {
constexpr nf_stage_type kType = fixture::PassThrough("fixture_descriptor");
}  // namespace

FIXTURE_PLUGIN(NEWSFLOW_STAGE_ABI_MAJOR, NEWSFLOW_STAGE_ABI_MINOR,
               sizeof(nf_plugin_descriptor) + 16, kType)
