// A source, "fixture_hang_in_poll", whose first poll() hangs (see hang.h).
#include "tests/data/plugins/hang.h"

namespace {
constexpr nf_stage_type kType =
    fixture::Hanging("fixture_hang_in_poll", NF_STAGE_SOURCE);
}  // namespace

FIXTURE_PLUGIN(NEWSFLOW_STAGE_ABI_MAJOR, NEWSFLOW_STAGE_ABI_MINOR,
               sizeof(nf_plugin_descriptor), kType)
