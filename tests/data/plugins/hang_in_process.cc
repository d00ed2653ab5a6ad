// A transform, "fixture_hang_in_process", whose process() hangs on every
// input (see hang.h).
#include "tests/data/plugins/hang.h"

namespace {
constexpr nf_stage_type kType =
    fixture::Hanging("fixture_hang_in_process", NF_STAGE_TRANSFORM);
}  // namespace

FIXTURE_PLUGIN(NEWSFLOW_STAGE_ABI_MAJOR, NEWSFLOW_STAGE_ABI_MINOR,
               sizeof(nf_plugin_descriptor), kType)
