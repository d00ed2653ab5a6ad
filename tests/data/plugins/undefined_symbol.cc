// Calls a function no library defines, so dlopen(RTLD_NOW) fails. Linked
// without -z defs on purpose.
#include "tests/data/plugins/fixture_plugin.h"

extern "C" void newsflow_missing_symbol(void);

namespace {

void* CreateAndCallTheMissingSymbol(const char* options_json,
                                    const nf_host* host, nf_error* error) {
  newsflow_missing_symbol();
  return fixture::Create(options_json, host, error);
}

constexpr nf_stage_type MakeType() {
  nf_stage_type type = fixture::PassThrough("fixture_undefined");
  type.create = &CreateAndCallTheMissingSymbol;
  return type;
}

constexpr nf_stage_type kType = MakeType();

}  // namespace

FIXTURE_PLUGIN(NEWSFLOW_STAGE_ABI_MAJOR, NEWSFLOW_STAGE_ABI_MINOR,
               sizeof(nf_plugin_descriptor), kType)
