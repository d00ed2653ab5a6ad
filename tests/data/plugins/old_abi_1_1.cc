// A plugin built against ABI 1.1: its stage types end before validate. It
// must keep loading and running on a 1.2 host.
#include "tests/data/plugins/fixture_plugin.h"

namespace {
constexpr nf_stage_type kType =
    fixture::PassThrough("fixture_old_abi", NF_STAGE_TYPE_SIZE_1_1);
}  // namespace

FIXTURE_PLUGIN(1, 1, sizeof(nf_plugin_descriptor), kType)
