// StageInstance against a fake stage type: callbacks, error buffers, the
// busy marker, what the instance calls back, and a failed emit.
#include "runner/host/stage_instance.h"

#include <atomic>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace newsflow {
namespace {

// Records what the instance asks of its host.
class FakeServices : public HostServices {
 public:
  nf_result Emit(absl::string_view message) override {
    emitted.emplace_back(message);
    return emit_result;
  }
  void Log(nf_log_level, absl::string_view message) override {
    logged.emplace_back(message);
  }
  void Reject(absl::string_view what, absl::string_view reason,
              absl::string_view raw) override {
    rejected.push_back(absl::StrCat(what, "|", reason, "|", raw));
  }
  void Progress(absl::string_view source, int64_t seen, int64_t added,
                int64_t failed) override {
    progress.push_back(
        absl::StrCat(source, ":", seen, ",", added, ",", failed));
  }
  void ProgressBytes(absl::string_view source, int64_t bytes_read,
                     int64_t bytes_total) override {
    progress.push_back(absl::StrCat(source, ":", bytes_read, "/", bytes_total));
  }
  bool Stopping() override { return stopping; }

  nf_result emit_result = NF_OK;
  bool stopping = false;
  std::vector<std::string> emitted, logged, rejected, progress;
};

// The fake's one instance: what it saw, and the marker it saw set.
struct FakeState {
  const nf_host* host = nullptr;
  std::atomic<const char*>* busy_with = nullptr;
  std::string seen_busy;
  int destroyed = 0;
};
FakeState* g_fake = nullptr;

void NoteBusy() {
  const char* busy = g_fake->busy_with->load();
  g_fake->seen_busy = busy == nullptr ? "(not marked)" : busy;
}

void WriteError(nf_error* error, const char* text) {
  snprintf(error->message, error->capacity, "%s", text);
}

// A transform: "fail" is NF_ERROR, "fatal" NF_FATAL; anything else is
// echoed back through emit, and "all" also logs, rejects and reports.
nf_stage_type FakeType() {
  nf_stage_type type = {};
  type.struct_size = sizeof(nf_stage_type);
  type.name = "fake";
  type.kind = NF_STAGE_TRANSFORM;
  type.create = [](const char* options, const nf_host* host,
                   nf_error* error) -> void* {
    NoteBusy();
    if (std::string(options) == "{\"bad\":1}") {
      WriteError(error, "bad option");
      return nullptr;
    }
    g_fake->host = host;
    return g_fake;
  };
  type.process = [](void*, const void* data, size_t size, nf_error* error) {
    NoteBusy();
    const std::string input(static_cast<const char*>(data), size);
    if (input == "fail") {
      WriteError(error, "cannot");
      return NF_ERROR;
    }
    if (input == "fatal") return NF_FATAL;
    const nf_host* host = g_fake->host;
    if (input == "all") {
      host->log(host->context, NF_LOG_INFO, "hello");
      host->reject(host->context, nullptr, "odd", "xy", 2);
      host->progress(host->context, "feed", 3, 2, 1);
      host->progress_bytes(host->context, "feed", 40, 100);
    }
    host->emit(host->context, input.data(), input.size());
    return NF_OK;
  };
  type.poll = [](void*, nf_poll_state* state, nf_error*) {
    NoteBusy();
    *state = g_fake->host->stopping(g_fake->host->context) ? NF_POLL_DONE
                                                           : NF_POLL_IDLE;
    return NF_OK;
  };
  type.destroy = [](void*) {
    NoteBusy();
    g_fake->destroyed++;
  };
  return type;
}

class StageInstanceTest : public ::testing::Test {
 protected:
  StageInstanceTest() {
    g_fake = &fake_;
    fake_.busy_with = &busy_with_;
  }
  ~StageInstanceTest() override { g_fake = nullptr; }

  FakeState fake_;
  std::atomic<const char*> busy_with_{nullptr};
  FakeServices services_;
  const nf_stage_type type_ = FakeType();
};

TEST_F(StageInstanceTest, CreateFailureCarriesTheStagesError) {
  StageInstance stage(type_, &busy_with_);
  const absl::Status status = stage.Create("{\"bad\":1}", &services_);
  EXPECT_EQ(status.message(), "bad option");
  EXPECT_FALSE(stage.created());
  EXPECT_EQ(fake_.seen_busy, "create()");
}

TEST_F(StageInstanceTest, CallsAreMarkedBusyAndReportTheirErrors) {
  StageInstance stage(type_, &busy_with_);
  ASSERT_TRUE(stage.Create("{}", &services_).ok());
  StageCall call = stage.Process("fail");
  EXPECT_EQ(call.result, NF_ERROR);
  EXPECT_EQ(call.error, "cannot");
  EXPECT_GE(call.elapsed_ns, 0);
  EXPECT_EQ(fake_.seen_busy, "process()");
  EXPECT_EQ(busy_with_.load(), nullptr);
  // A fresh buffer each call: no stale text.
  call = stage.Process("ok");
  EXPECT_EQ(call.result, NF_OK);
  EXPECT_EQ(call.error, "");
  // No flush callback: nothing to do, and fine.
  EXPECT_EQ(stage.Flush().result, NF_OK);
}

TEST_F(StageInstanceTest, CallbacksReachTheServices) {
  StageInstance stage(type_, &busy_with_);
  ASSERT_TRUE(stage.Create("{}", &services_).ok());
  EXPECT_EQ(stage.Process("all").result, NF_OK);
  EXPECT_EQ(services_.emitted, std::vector<std::string>{"all"});
  EXPECT_EQ(services_.logged, std::vector<std::string>{"hello"});
  // A null `what` is named "input".
  EXPECT_EQ(services_.rejected, std::vector<std::string>{"input|odd|xy"});
  EXPECT_EQ(services_.progress,
            (std::vector<std::string>{"feed:3,2,1", "feed:40/100"}));
  nf_poll_state state = NF_POLL_MORE;
  EXPECT_EQ(stage.Poll(&state).result, NF_OK);
  EXPECT_EQ(state, NF_POLL_IDLE);
  services_.stopping = true;
  EXPECT_EQ(stage.Poll(&state).result, NF_OK);
  EXPECT_EQ(state, NF_POLL_DONE);
  EXPECT_EQ(fake_.seen_busy, "poll()");
}

TEST_F(StageInstanceTest, AFailedEmitMakesLaterCallsFatal) {
  StageInstance stage(type_, &busy_with_);
  ASSERT_TRUE(stage.Create("{}", &services_).ok());
  services_.emit_result = NF_FATAL;
  // The fake ignores what emit returned; the instance does not.
  EXPECT_EQ(stage.Process("a").result, NF_FATAL);
  services_.emit_result = NF_OK;
  EXPECT_EQ(stage.Process("b").result, NF_FATAL);
  EXPECT_EQ(stage.Flush().result, NF_OK);
}

TEST_F(StageInstanceTest, DestroysOnceAndOnDestruction) {
  {
    StageInstance stage(type_, &busy_with_);
    ASSERT_TRUE(stage.Create("{}", &services_).ok());
    stage.Destroy();
    EXPECT_EQ(fake_.seen_busy, "destroy()");
    stage.Destroy();
    EXPECT_FALSE(stage.created());
  }
  EXPECT_EQ(fake_.destroyed, 1);
  {
    StageInstance stage(type_, nullptr);
    ASSERT_TRUE(stage.Create("{}", &services_).ok());
  }
  EXPECT_EQ(fake_.destroyed, 2);
  EXPECT_EQ(fake_.seen_busy, "(not marked)");
}

TEST_F(StageInstanceTest, NoValidateCallbackFindsNoProblems) {
  StageInstance stage(type_, &busy_with_);
  EXPECT_TRUE(stage.Validate("{\"anything\":1}").empty());
}

}  // namespace
}  // namespace newsflow
