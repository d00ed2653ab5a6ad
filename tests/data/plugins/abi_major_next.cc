// Built for the next major ABI: must be refused.
#include "tests/data/plugins/fixture_plugin.h"

namespace {
constexpr nf_stage_type kType = fixture::PassThrough("fixture_major");
}  // namespace

FIXTURE_PLUGIN(NEWSFLOW_STAGE_ABI_MAJOR + 1, 0, sizeof(nf_plugin_descriptor),
               kType)
