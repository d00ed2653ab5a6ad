// Building blocks of the test fixture plugins: a pass-through stage type
// written against the C ABI alone (no protobuf), and a macro defining the
// entry point with chosen ABI numbers and struct sizes, so each fixture can
// break exactly one rule of the loader.
#ifndef NEWSFLOW_TESTS_DATA_PLUGINS_FIXTURE_PLUGIN_H_
#define NEWSFLOW_TESTS_DATA_PLUGINS_FIXTURE_PLUGIN_H_

#include "newsflow/stage_plugin.h"

namespace fixture {

// The instance is the host itself: all a pass-through needs.
inline void* Create(const char* /*options_json*/, const nf_host* host,
                    nf_error* /*error*/) {
  return const_cast<nf_host*>(host);
}

inline nf_result Process(void* instance, const void* data, size_t size,
                         nf_error* /*error*/) {
  const nf_host* host = static_cast<const nf_host*>(instance);
  return host->emit(host->context, data, size);
}

inline void Destroy(void* /*instance*/) {}

constexpr nf_stage_type PassThrough(
    const char* name, uint32_t struct_size = sizeof(nf_stage_type)) {
  return nf_stage_type{struct_size,
                       name,
                       "Test fixture: emits every input unchanged.",
                       NF_STAGE_TRANSFORM,
                       "newsflow.v1.Article",
                       "newsflow.v1.Article",
                       nullptr,
                       0,
                       &Create,
                       &Process,
                       nullptr,
                       nullptr,
                       &Destroy,
                       nullptr};
}

}  // namespace fixture

// The entry point, returning a descriptor with the given ABI numbers and
// struct size that lists `type` (an nf_stage_type object).
#define FIXTURE_PLUGIN(abi_major, abi_minor, struct_size, type) \
  extern "C" __attribute__((visibility("default")))             \
  const nf_plugin_descriptor*                                   \
  newsflow_plugin_descriptor(void) {                            \
    static const nf_stage_type* const kTypes[] = {&type};       \
    static const nf_plugin_descriptor kDescriptor = {           \
        abi_major,    abi_minor, struct_size,                   \
        "fixture",    "0.0.1",   "newsflow test fixture",       \
        "Apache-2.0", kTypes,    1};                            \
    return &kDescriptor;                                        \
  }

#endif  // NEWSFLOW_TESTS_DATA_PLUGINS_FIXTURE_PLUGIN_H_
