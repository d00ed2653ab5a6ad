// The ingest stage driven through its C ABI descriptor with a fake host:
// shared by the ingest tests.
#ifndef NEWSFLOW_TESTS_UNIT_STAGES_INGEST_TEST_SUPPORT_H_
#define NEWSFLOW_TESTS_UNIT_STAGES_INGEST_TEST_SUPPORT_H_

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "newsflow/stage_plugin.h"
#include "newsflow/v1/article.pb.h"
#include "stages/ingest/ingest_stage.h"

namespace newsflow {

struct Rejected {
  std::string what;
  std::string reason;
  std::string raw;
};

// The host side of the C ABI: collects whatever the stage sends.
class FakeHost {
 public:
  FakeHost()
      : host_{sizeof(nf_host), this,      &Emit,   &Log,
              &Reject,         &Progress, nullptr, &ProgressBytes} {}
  FakeHost(const FakeHost&) = delete;
  FakeHost& operator=(const FakeHost&) = delete;

  const nf_host* host() const { return &host_; }

  std::vector<v1::Article> articles;
  std::vector<Rejected> rejections;
  std::vector<std::string> warnings;
  std::vector<std::string> infos;
  int unparsable_emits = 0;
  // False: articles are counted, not kept (for inputs too big to hold).
  bool keep_articles = true;
  int64_t emitted = 0;
  struct Counts {
    int64_t seen = 0, added = 0, failed = 0;
    int64_t bytes_read = 0, bytes_total = 0;
  };
  // The last progress reported per source name.
  std::map<std::string, Counts> progress;

 private:
  static FakeHost* Self(void* context) {
    return static_cast<FakeHost*>(context);
  }
  static nf_result Emit(void* context, const void* data, size_t size) {
    v1::Article article;
    if (!article.ParseFromArray(data, static_cast<int>(size))) {
      ++Self(context)->unparsable_emits;
      return NF_OK;
    }
    ++Self(context)->emitted;
    if (Self(context)->keep_articles) {
      Self(context)->articles.push_back(std::move(article));
    }
    return NF_OK;
  }
  static void Log(void* context, nf_log_level level, const char* message) {
    if (level == NF_LOG_WARNING) Self(context)->warnings.push_back(message);
    if (level == NF_LOG_INFO) Self(context)->infos.push_back(message);
  }
  static void Reject(void* context, const char* what, const char* reason,
                     const void* raw, size_t raw_size) {
    Self(context)->rejections.push_back(
        {what, reason,
         raw == nullptr
             ? std::string()
             : std::string(static_cast<const char*>(raw), raw_size)});
  }

  static void Progress(void* context, const char* source, int64_t seen,
                       int64_t added, int64_t failed) {
    Counts& counts = Self(context)->progress[source];
    counts.seen = seen;
    counts.added = added;
    counts.failed = failed;
  }
  static void ProgressBytes(void* context, const char* source,
                            int64_t bytes_read, int64_t bytes_total) {
    Counts& counts = Self(context)->progress[source];
    // Cumulative, so never going back.
    EXPECT_GE(bytes_read, counts.bytes_read);
    EXPECT_GE(bytes_total, counts.bytes_total);
    EXPECT_LE(bytes_read, bytes_total);
    counts.bytes_read = bytes_read;
    counts.bytes_total = bytes_total;
  }

  nf_host host_;
};

// One stage instance created through kIngestStageType.
class IngestInstance {
 public:
  explicit IngestInstance(const std::string& options_json) {
    nf_error error{error_buffer_, sizeof(error_buffer_)};
    error_buffer_[0] = '\0';
    instance_ =
        kIngestStageType.create(options_json.c_str(), host_.host(), &error);
  }
  // Ends as a stage host ends a stage that stopped cleanly: flushed, then
  // destroyed. (A source saves what it has read, such as a feed's seen
  // items, after the poll that emitted it, once the host has journaled it:
  // in the next poll or flush.)
  ~IngestInstance() {
    if (instance_ == nullptr) return;
    Flush();
    kIngestStageType.destroy(instance_);
  }
  IngestInstance(const IngestInstance&) = delete;
  IngestInstance& operator=(const IngestInstance&) = delete;

  bool created() const { return instance_ != nullptr; }
  std::string create_error() const { return error_buffer_; }
  FakeHost& host() { return host_; }

  nf_poll_state Poll() {
    char buffer[256] = "";
    nf_error error{buffer, sizeof(buffer)};
    nf_poll_state state = NF_POLL_DONE;
    nf_result result = kIngestStageType.poll(instance_, &state, &error);
    EXPECT_EQ(result, NF_OK) << buffer;
    return state;
  }

  // Ends as a killed process does: no flush, no destroy (the instance is
  // leaked on purpose).
  void Crash() { instance_ = nullptr; }

  void Flush() {
    char buffer[256] = "";
    nf_error error{buffer, sizeof(buffer)};
    EXPECT_EQ(kIngestStageType.flush(instance_, &error), NF_OK) << buffer;
  }

  // Polls until the stage reports `until`; fails the test if it never does.
  void PollUntil(nf_poll_state until) {
    for (int i = 0; i < 1000; ++i) {
      if (Poll() == until) return;
    }
    ADD_FAILURE() << "stage never reached poll state " << until;
  }

 private:
  FakeHost host_;
  char error_buffer_[512];
  void* instance_ = nullptr;
};

}  // namespace newsflow

#endif  // NEWSFLOW_TESTS_UNIT_STAGES_INGEST_TEST_SUPPORT_H_
