// StageInstance: one instance of a stage type, called through the C ABI
// (include/newsflow/stage_plugin.h). It owns the instance, turns the
// callbacks' error buffers into strings, times each call, and marks what
// it is in (for the stop deadline, which names a callback that does not
// return). What the instance calls back goes to a HostServices.
//
// Not thread-safe, like the ABI: one thread calls one instance.
#ifndef NEWSFLOW_RUNNER_HOST_STAGE_INSTANCE_H_
#define NEWSFLOW_RUNNER_HOST_STAGE_INSTANCE_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "newsflow/options.h"
#include "newsflow/stage_plugin.h"

namespace newsflow {

// What a stage instance may ask of its host (nf_host's callbacks).
class HostServices {
 public:
  virtual ~HostServices() = default;
  // Sends one message downstream: NF_OK, or NF_FATAL when the host cannot.
  virtual nf_result Emit(absl::string_view message) = 0;
  virtual void Log(nf_log_level level, absl::string_view message) = 0;
  // An input that could not become a message; `raw` may be empty.
  virtual void Reject(absl::string_view what, absl::string_view reason,
                      absl::string_view raw) = 0;
  virtual void Progress(absl::string_view source, int64_t seen, int64_t added,
                        int64_t failed) = 0;
  virtual void ProgressBytes(absl::string_view source, int64_t bytes_read,
                             int64_t bytes_total) = 0;
  // Called from any thread.
  virtual bool Stopping() = 0;
};

// How one callback went.
struct StageCall {
  nf_result result = NF_OK;
  // What the callback wrote into its error buffer ("" when nothing).
  std::string error;
  int64_t elapsed_ns = 0;
  // When it returned (steady clock): the caller's "now", without reading
  // the clock again.
  std::chrono::steady_clock::time_point finished{};
};

class StageInstance {
 public:
  // `type` must outlive this object. While a callback runs, `*busy_with`
  // names it ("process()"), and is restored after; `busy_with` may be
  // null.
  StageInstance(const nf_stage_type& type, std::atomic<const char*>* busy_with);
  // Destroys the instance, if there still is one.
  ~StageInstance();
  StageInstance(const StageInstance&) = delete;
  StageInstance& operator=(const StageInstance&) = delete;

  const nf_stage_type& type() const { return type_; }
  bool created() const { return instance_ != nullptr; }

  // The type's validate callback on `options_json`: every problem (none
  // without the callback).
  std::vector<OptionProblem> Validate(const std::string& options_json);
  // Creates the instance; `services` must outlive it. On failure, the
  // status carries what create() wrote.
  absl::Status Create(const std::string& options_json, HostServices* services);
  // A source's poll(), a consumer's process(), and flush() (NF_OK when
  // the type has none). Once an emit has returned NF_FATAL to the stage,
  // every later poll() and process() reports NF_FATAL: the stage may have
  // ignored it, but the host cannot go on. Require created().
  StageCall Poll(nf_poll_state* state);
  StageCall Process(absl::string_view message);
  StageCall Flush();
  // Destroys the instance (once; later calls do nothing).
  void Destroy();

 private:
  static nf_result EmitThunk(void* context, const void* data, size_t size);
  static void LogThunk(void* context, nf_log_level level, const char* text);
  static void RejectThunk(void* context, const char* what, const char* reason,
                          const void* raw, size_t raw_size);
  static void ProgressThunk(void* context, const char* source, int64_t seen,
                            int64_t added, int64_t failed);
  static int StoppingThunk(void* context);
  static void ProgressBytesThunk(void* context, const char* source,
                                 int64_t bytes_read, int64_t bytes_total);

  const nf_stage_type& type_;
  std::atomic<const char*>* const busy_with_;
  HostServices* services_ = nullptr;
  // What the instance may call back; its context is this object.
  nf_host host_api_ = {};
  void* instance_ = nullptr;
  bool emit_failed_ = false;
};

}  // namespace newsflow

#endif  // NEWSFLOW_RUNNER_HOST_STAGE_INSTANCE_H_
