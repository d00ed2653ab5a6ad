// Hangs while being loaded: a static initializer sleeps for a minute. Only
// ever inspected in a child process, with a short timeout.
#include <unistd.h>

#include "tests/data/plugins/fixture_plugin.h"

namespace {

struct HangAtLoad {
  HangAtLoad() { sleep(60); }
};
HangAtLoad hang_at_load;

constexpr nf_stage_type kType = fixture::PassThrough("fixture_hang");

}  // namespace

FIXTURE_PLUGIN(NEWSFLOW_STAGE_ABI_MAJOR, NEWSFLOW_STAGE_ABI_MINOR,
               sizeof(nf_plugin_descriptor), kType)
