// A source, "fixture_emit_then_wait": idle until the file "go" appears in
// its state folder ($NEWSFLOW_STATE_DIR), then one poll() emits one article
// (id "tap-order-1") and stays in that poll() for 2 s before it returns, so
// that what the host does while a poll runs can be told from what it does
// once the poll has returned.
#include <errno.h>
#include <time.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "tests/data/plugins/fixture_plugin.h"

namespace {

void SleepMs(long ms) {
  struct timespec left = {ms / 1000, (ms % 1000) * 1000000};
  while (nanosleep(&left, &left) != 0 && errno == EINTR) {
  }
}

nf_result EmitOnceThenWait(void* instance, nf_poll_state* state,
                           nf_error* /*error*/) {
  static bool emitted = false;
  const nf_host* host = static_cast<const nf_host*>(instance);
  *state = NF_POLL_IDLE;
  const char* dir = std::getenv("NEWSFLOW_STATE_DIR");
  if (emitted || dir == nullptr ||
      access((std::string(dir) + "/go").c_str(), F_OK) != 0) {
    SleepMs(10);
    return NF_OK;
  }
  emitted = true;
  // newsflow.v1.Article {id: "tap-order-1"} in the wire format.
  static const char kArticle[] = "\x0a\x0btap-order-1";
  nf_result result = host->emit(host->context, kArticle, sizeof(kArticle) - 1);
  host->log(host->context, NF_LOG_INFO, "fixture emitted, waiting in poll()");
  SleepMs(2000);
  return result;
}

constexpr nf_stage_type EmitThenWait() {
  nf_stage_type type = fixture::PassThrough("fixture_emit_then_wait");
  type.kind = NF_STAGE_SOURCE;
  type.consumes = nullptr;
  type.process = nullptr;
  type.poll = &EmitOnceThenWait;
  return type;
}

constexpr nf_stage_type kType = EmitThenWait();

}  // namespace

FIXTURE_PLUGIN(NEWSFLOW_STAGE_ABI_MAJOR, NEWSFLOW_STAGE_ABI_MINOR,
               sizeof(nf_plugin_descriptor), kType)
