// Drives one stage type through its C ABI (nf_stage_type), as the stage
// host does, with a host that records what the stage emits and logs.
// For plugin unit tests, which link the plugin's library (and so the plugin
// SDK's newsflow.v1.Article).
#ifndef NEWSFLOW_TESTS_UNIT_PLUGINS_STAGE_DRIVER_H_
#define NEWSFLOW_TESTS_UNIT_PLUGINS_STAGE_DRIVER_H_

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "google/protobuf/descriptor.h"
#include "newsflow/stage_plugin.h"
#include "newsflow/v1/article.pb.h"

namespace newsflow::testing {

class StageDriver {
 public:
  explicit StageDriver(const nf_stage_type& type) : type_(type) {
    host_.struct_size = sizeof(nf_host);
    host_.context = this;
    host_.emit = &StageDriver::EmitThunk;
    host_.log = &StageDriver::LogThunk;
    host_.reject = &StageDriver::RejectThunk;
  }
  ~StageDriver() {
    if (instance_ != nullptr) type_.destroy(instance_);
  }
  StageDriver(const StageDriver&) = delete;
  StageDriver& operator=(const StageDriver&) = delete;

  // create(); the error text of a refusal comes back as the message.
  absl::Status Create(const std::string& options_json) {
    char text[1024] = "";
    nf_error error = {text, sizeof(text)};
    instance_ = type_.create(options_json.c_str(), &host_, &error);
    return instance_ != nullptr ? absl::OkStatus()
                                : absl::InvalidArgumentError(text);
  }

  absl::Status Process(const v1::Article& article) {
    return ProcessBytes(article.SerializeAsString());
  }

  // process() on bytes as they would come off the wire.
  absl::Status ProcessBytes(const std::string& bytes) {
    char text[1024] = "";
    nf_error error = {text, sizeof(text)};
    return ToStatus(
        type_.process(instance_, bytes.data(), bytes.size(), &error), text);
  }

  absl::Status Flush() {
    char text[1024] = "";
    nf_error error = {text, sizeof(text)};
    return ToStatus(type_.flush(instance_, &error), text);
  }

  const std::vector<v1::Article>& emitted() const { return emitted_; }
  // What emit() was given, byte for byte.
  const std::vector<std::string>& emitted_bytes() const {
    return emitted_bytes_;
  }
  const std::vector<std::pair<nf_log_level, std::string>>& logs() const {
    return logs_;
  }
  int rejected() const { return rejected_; }

 private:
  static absl::Status ToStatus(nf_result result, const char* text) {
    switch (result) {
      case NF_OK:
        return absl::OkStatus();
      case NF_ERROR:
        return absl::UnknownError(text);
      case NF_FATAL:
        return absl::AbortedError(text);
    }
    return absl::InternalError("unknown nf_result");
  }

  static nf_result EmitThunk(void* context, const void* data, size_t size) {
    auto* self = static_cast<StageDriver*>(context);
    v1::Article article;
    if (!article.ParseFromArray(data, static_cast<int>(size))) return NF_FATAL;
    self->emitted_.push_back(std::move(article));
    self->emitted_bytes_.emplace_back(static_cast<const char*>(data), size);
    return NF_OK;
  }
  static void LogThunk(void* context, nf_log_level level, const char* message) {
    static_cast<StageDriver*>(context)->logs_.emplace_back(level, message);
  }
  static void RejectThunk(void* context, const char*, const char*, const void*,
                          size_t) {
    ++static_cast<StageDriver*>(context)->rejected_;
  }

  const nf_stage_type& type_;
  nf_host host_{};
  void* instance_ = nullptr;
  std::vector<v1::Article> emitted_;
  std::vector<std::string> emitted_bytes_;
  std::vector<std::pair<nf_log_level, std::string>> logs_;
  int rejected_ = 0;
};

// Option names of a schema, and field names of an options message, sorted:
// the two must agree (the schema is what `newsflow validate` checks).
inline std::vector<std::string> SchemaOptionNames(const nf_stage_type& type) {
  std::vector<std::string> names;
  for (size_t i = 0; i < type.option_count; ++i) {
    names.push_back(type.options[i].name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

inline std::vector<std::string> OptionsProtoFieldNames(
    const google::protobuf::Descriptor& descriptor) {
  std::vector<std::string> names;
  for (int i = 0; i < descriptor.field_count(); ++i) {
    names.push_back(descriptor.field(i)->name());
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace newsflow::testing

#endif  // NEWSFLOW_TESTS_UNIT_PLUGINS_STAGE_DRIVER_H_
