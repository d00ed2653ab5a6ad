#include "runner/host/stage_instance.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "runner/host/stage_registry.h"

namespace newsflow {
namespace {

using Clock = std::chrono::steady_clock;

// Marks `*busy_with` (if any) as `what` for the scope.
class BusyMark {
 public:
  BusyMark(std::atomic<const char*>* busy_with, const char* what)
      : busy_with_(busy_with),
        previous_(busy_with ? busy_with->exchange(what) : nullptr) {}
  ~BusyMark() {
    if (busy_with_ != nullptr) busy_with_->store(previous_);
  }
  BusyMark(const BusyMark&) = delete;
  BusyMark& operator=(const BusyMark&) = delete;

 private:
  std::atomic<const char*>* const busy_with_;
  const char* const previous_;
};

// Where a callback writes why it failed.
struct ErrorBuffer {
  ErrorBuffer() : error{text, sizeof(text)} {}
  ErrorBuffer(const ErrorBuffer&) = delete;
  ErrorBuffer& operator=(const ErrorBuffer&) = delete;
  char text[1024] = "";
  nf_error error;
};

// Runs `call` (which returns nf_result) marked busy with `what`, timed.
template <typename Call>
StageCall Timed(std::atomic<const char*>* busy_with, const char* what,
                Call call) {
  ErrorBuffer buffer;
  StageCall out;
  const Clock::time_point start = Clock::now();
  {
    BusyMark busy(busy_with, what);
    out.result = call(&buffer.error);
  }
  out.finished = Clock::now();
  out.elapsed_ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(out.finished - start)
          .count();
  // A stage that forgot the terminator must not take the host with it.
  buffer.text[sizeof(buffer.text) - 1] = '\0';
  out.error = buffer.text;
  return out;
}

}  // namespace

StageInstance::StageInstance(const nf_stage_type& type,
                             std::atomic<const char*>* busy_with)
    : type_(type), busy_with_(busy_with) {}

StageInstance::~StageInstance() { Destroy(); }

std::vector<OptionProblem> StageInstance::Validate(
    const std::string& options_json) {
  BusyMark busy(busy_with_, "validate()");
  return ValidateStageOptions(type_, options_json);
}

absl::Status StageInstance::Create(const std::string& options_json,
                                   HostServices* services) {
  services_ = services;
  host_api_ = {
      sizeof(nf_host), this,           &EmitThunk,     &LogThunk,
      &RejectThunk,    &ProgressThunk, &StoppingThunk, &ProgressBytesThunk};
  ErrorBuffer buffer;
  {
    BusyMark busy(busy_with_, "create()");
    instance_ = type_.create(options_json.c_str(), &host_api_, &buffer.error);
  }
  if (instance_ != nullptr) return absl::OkStatus();
  buffer.text[sizeof(buffer.text) - 1] = '\0';
  return absl::InvalidArgumentError(buffer.text);
}

StageCall StageInstance::Poll(nf_poll_state* state) {
  StageCall call = Timed(busy_with_, "poll()", [&](nf_error* error) {
    return type_.poll(instance_, state, error);
  });
  if (emit_failed_) call.result = NF_FATAL;
  return call;
}

StageCall StageInstance::Process(absl::string_view message) {
  StageCall call = Timed(busy_with_, "process()", [&](nf_error* error) {
    return type_.process(instance_, message.data(), message.size(), error);
  });
  if (emit_failed_) call.result = NF_FATAL;
  return call;
}

StageCall StageInstance::Flush() {
  if (type_.flush == nullptr) return StageCall{};
  return Timed(busy_with_, "flush()",
               [&](nf_error* error) { return type_.flush(instance_, error); });
}

void StageInstance::Destroy() {
  if (instance_ == nullptr) return;
  {
    BusyMark busy(busy_with_, "destroy()");
    type_.destroy(instance_);
  }
  instance_ = nullptr;
}

nf_result StageInstance::EmitThunk(void* context, const void* data,
                                   size_t size) {
  auto* self = static_cast<StageInstance*>(context);
  const nf_result result = self->services_->Emit(
      absl::string_view(static_cast<const char*>(data), size));
  if (result == NF_FATAL) self->emit_failed_ = true;
  return result;
}

void StageInstance::LogThunk(void* context, nf_log_level level,
                             const char* text) {
  static_cast<StageInstance*>(context)->services_->Log(
      level, text == nullptr ? "" : text);
}

void StageInstance::RejectThunk(void* context, const char* what,
                                const char* reason, const void* raw,
                                size_t raw_size) {
  static_cast<StageInstance*>(context)->services_->Reject(
      what == nullptr ? "input" : what, reason == nullptr ? "" : reason,
      absl::string_view(static_cast<const char*>(raw),
                        raw == nullptr ? 0 : raw_size));
}

void StageInstance::ProgressThunk(void* context, const char* source,
                                  int64_t seen, int64_t added, int64_t failed) {
  static_cast<StageInstance*>(context)->services_->Progress(
      source == nullptr ? "" : source, seen, added, failed);
}

void StageInstance::ProgressBytesThunk(void* context, const char* source,
                                       int64_t bytes_read,
                                       int64_t bytes_total) {
  static_cast<StageInstance*>(context)->services_->ProgressBytes(
      source == nullptr ? "" : source, bytes_read, bytes_total);
}

int StageInstance::StoppingThunk(void* context) {
  return static_cast<StageInstance*>(context)->services_->Stopping() ? 1 : 0;
}

}  // namespace newsflow
