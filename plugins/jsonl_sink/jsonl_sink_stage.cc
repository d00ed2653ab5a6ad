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

constexpr int kMaxRotatedFiles = 1000;

absl::StatusOr<RotationPolicy> ToPolicy(
    const jsonl_sink::JsonlSinkOptions& options) {
  RotationPolicy policy;
  if (options.has_max_bytes()) {
    if (options.max_bytes() < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "invalid options: max_bytes must be >= 0 (0 never rotates), got ",
          options.max_bytes()));
    }
    policy.max_bytes = options.max_bytes();
  }
  if (options.has_max_files()) {
    if (options.max_files() < 1 || options.max_files() > kMaxRotatedFiles) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid options: max_files must be between 1 and ",
                       kMaxRotatedFiles, ", got ", options.max_files()));
    }
    policy.max_files = options.max_files();
  }
  return policy;
}

class JsonlSinkStage : public Stage {
 public:
  static absl::StatusOr<std::unique_ptr<Stage>> Create(
      std::string_view options_json, StageContext context) {
    jsonl_sink::JsonlSinkOptions options;
    if (absl::Status status = ParseStageOptions(options_json, &options);
        !status.ok()) {
      return status;
    }
    if (options.path().empty()) {
      return absl::InvalidArgumentError(
          "invalid options: path is required (the JSON Lines file to write)");
    }
    absl::StatusOr<RotationPolicy> policy = ToPolicy(options);
    if (!policy.ok()) return policy.status();
    absl::StatusOr<std::unique_ptr<RotatingFile>> file =
        RotatingFile::Open(options.path(), *policy);
    if (!file.ok()) return file.status();
    return std::unique_ptr<Stage>(
        new JsonlSinkStage(context, *std::move(file)));
  }

  absl::Status Process(v1::Article article) override {
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

constexpr nf_option_spec kOptions[] = {
    {"path", NF_OPTION_PATH, nullptr,
     "The JSON Lines file each article is appended to, one object per line "
     "with proto field names (as `newsflow export` prints). Created with its "
     "folders if missing; appended to if present."},
    {"max_bytes", NF_OPTION_INT, "67108864",
     "Rotate before a line would take the file past this many bytes: path "
     "becomes path.1, path.1 becomes path.2, and so on. A line is never "
     "split. 0 never rotates."},
    {"max_files", NF_OPTION_INT, "5",
     "Rotated files kept (path.1 is the newest); the oldest beyond this is "
     "deleted. 1 to 1000."},
};

}  // namespace

const nf_stage_type kJsonlSinkStageType = MakeStageType<JsonlSinkStage>(
    "jsonl_sink",
    "Appends each article as one JSON line to a size-rotated file; flushes "
    "are fsync()ed and write errors are reported.",
    NF_STAGE_SINK, kOptions, sizeof(kOptions) / sizeof(kOptions[0]));

}  // namespace newsflow::plugins
