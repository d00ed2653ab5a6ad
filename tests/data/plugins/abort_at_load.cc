// Crashes while being loaded: a static initializer calls abort(). Only
// ever inspected in a child process.
#include <cstdlib>

#include "tests/data/plugins/fixture_plugin.h"

namespace {

struct AbortAtLoad {
  AbortAtLoad() { std::abort(); }
};
AbortAtLoad abort_at_load;

constexpr nf_stage_type kType = fixture::PassThrough("fixture_abort");

}  // namespace

FIXTURE_PLUGIN(NEWSFLOW_STAGE_ABI_MAJOR, NEWSFLOW_STAGE_ABI_MINOR,
               sizeof(nf_plugin_descriptor), kType)
