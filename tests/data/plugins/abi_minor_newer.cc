// Built for a newer minor ABI than the host's: must be refused.
#include "tests/data/plugins/fixture_plugin.h"

namespace {
constexpr nf_stage_type kType = fixture::PassThrough("fixture_minor");
}  // namespace

FIXTURE_PLUGIN(NEWSFLOW_STAGE_ABI_MAJOR, NEWSFLOW_STAGE_ABI_MINOR + 1,
               sizeof(nf_plugin_descriptor), kType)
