#include "plugins/jsonl_sink/jsonl_sink_stage.h"

#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "jsonl_sink_options.pb.h"
#include "newsflow/stage.h"
#include "plugins/jsonl_sink/rotating_file.h"

namespace newsflow::plugins {
namespace {

using jsonl_sink::RotatingFile;
using jsonl_sink::RotationPolicy;

// Defaults and ranges were applied when the options were parsed.
RotationPolicy ToPolicy(const jsonl_sink::JsonlSinkOptions& options) {
  RotationPolicy policy;
  policy.max_bytes = options.max_bytes();
  policy.max_files = options.max_files();
  return policy;
}

class JsonlSinkStage : public Stage {
 public:
  using Options = jsonl_sink::JsonlSinkOptions;

  static absl::StatusOr<std::unique_ptr<Stage>> Create(
      std::string_view options_json, StageContext context) {
    jsonl_sink::JsonlSinkOptions options;
    if (absl::Status status = ParseStageOptions(options_json, &options);
        !status.ok()) {
      return status;
    }
    absl::StatusOr<std::unique_ptr<RotatingFile>> file =
        RotatingFile::Open(options.path(), ToPolicy(options));
    if (!file.ok()) return file.status();
    return std::unique_ptr<Stage>(
        new JsonlSinkStage(context, *std::move(file)));
  }

  absl::Status Process(v1::Article article) override {
    // The same JSON as `newsflow export` (common/article_json.h).
    ClearDefaultValuedFields(&article);
    line_.clear();
    google::protobuf::util::JsonPrintOptions print_options;
    print_options.preserve_proto_field_names = true;
    auto printed = google::protobuf::util::MessageToJsonString(article, &line_,
                                                               print_options);
    if (!printed.ok()) {
      return absl::InternalError(
          absl::StrCat("cannot print article ", article.id(),
                       " as JSON: ", std::string(printed.message())));
    }
    line_.push_back('\n');
    return file_->Append(line_);
  }

  absl::Status Flush() override { return file_->Flush(); }

 private:
  JsonlSinkStage(StageContext context, std::unique_ptr<RotatingFile> file)
      : Stage(context), file_(std::move(file)) {}

  std::unique_ptr<RotatingFile> file_;
  std::string line_;  // reused across articles
};

}  // namespace

const nf_stage_type kJsonlSinkStageType = MakeStageType<JsonlSinkStage>(
    "jsonl_sink",
    "Appends each article as one JSON line to a size-rotated file; flushes "
    "are fsync()ed and write errors are reported.",
    NF_STAGE_SINK);

}  // namespace newsflow::plugins
