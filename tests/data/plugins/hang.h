// Stage callbacks that hang: they sleep far longer than any test waits,
// restarting the sleep when a signal cuts it short, and never ask the host
// whether it is stopping, like a plugin blocked in a call it cannot leave.
// Each says on the log when it starts hanging, so a test knows when.
#ifndef NEWSFLOW_TESTS_DATA_PLUGINS_HANG_H_
#define NEWSFLOW_TESTS_DATA_PLUGINS_HANG_H_

#include <errno.h>
#include <time.h>

#include "tests/data/plugins/fixture_plugin.h"

namespace fixture {

inline void HangFor60Seconds(const nf_host* host, const char* where) {
  host->log(host->context, NF_LOG_INFO, where);
  struct timespec left = {60, 0};
  while (nanosleep(&left, &left) != 0 && errno == EINTR) {
  }
}

// Says when the stage is up (and the host's signal handlers with it).
inline void* CreateAndSayReady(const char* options_json, const nf_host* host,
                               nf_error* error) {
  host->log(host->context, NF_LOG_INFO, "fixture ready");
  return Create(options_json, host, error);
}

// Flushes nothing, but says so: the clean path of a stop flushes.
inline nf_result LogFlush(void* instance, nf_error* /*error*/) {
  const nf_host* host = static_cast<const nf_host*>(instance);
  host->log(host->context, NF_LOG_INFO, "fixture flushed");
  return NF_OK;
}

inline nf_result HangInProcess(void* instance, const void* /*data*/,
                               size_t /*size*/, nf_error* /*error*/) {
  HangFor60Seconds(static_cast<const nf_host*>(instance),
                   "fixture hanging in process()");
  return NF_OK;
}

inline nf_result HangInPoll(void* instance, nf_poll_state* state,
                            nf_error* /*error*/) {
  HangFor60Seconds(static_cast<const nf_host*>(instance),
                   "fixture hanging in poll()");
  *state = NF_POLL_IDLE;
  return NF_OK;
}

// A source hanging in its first poll(), or a transform hanging in
// process() on every input (idle, it stops like any stage).
constexpr nf_stage_type Hanging(const char* name, nf_stage_kind kind) {
  nf_stage_type type = PassThrough(name);
  type.kind = kind;
  if (kind == NF_STAGE_SOURCE) {
    type.consumes = nullptr;
    type.process = nullptr;
    type.poll = &HangInPoll;
  } else {
    type.process = &HangInProcess;
  }
  type.create = &CreateAndSayReady;
  type.flush = &LogFlush;
  return type;
}

}  // namespace fixture

#endif  // NEWSFLOW_TESTS_DATA_PLUGINS_HANG_H_
