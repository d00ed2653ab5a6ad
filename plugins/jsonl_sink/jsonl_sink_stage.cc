#include "plugins/jsonl_sink/jsonl_sink_stage.h"

#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/proto_json.h"
#include "jsonl_sink_options.pb.h"
#include "newsflow/stage.h"
#include "plugins/jsonl_sink/rotating_file.h"

namespace newsflow::plugins {
namespace {

using jsonl_sink::RotatingFile;
using jsonl_sink::RotationPolicy;

// A file that failed for good (a lost writeback: RotatingFile) makes this
// instance unusable: fatal, so that the runner starts a new one and the
// source re-sends everything not acknowledged, rather than dead letters.
absl::Status FatalIfLost(absl::Status status) {
  return absl::IsDataLoss(status) ? MarkFatal(std::move(status)) : status;
}

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
    if (std::string warning = (*file)->TakeWarning(); !warning.empty()) {
      context.Warn(warning);
    }
    return std::unique_ptr<Stage>(
        new JsonlSinkStage(context, *std::move(file)));
  }

  absl::Status ProcessInput(ArticleInput& input) override {
    // Read in place: the parsed message's memory is reused from one
    // article to the next.
    absl::StatusOr<const v1::Article*> article = input.Parsed();
    if (!article.ok()) return article.status();
    // The same JSON as `newsflow export` (common/article_json.h), printed
    // straight from the message: no copy, no second UTF-8 check (the host
    // checked the frame's text when it arrived).
    line_.clear();
    AppendMessageJson(**article, &line_);
    line_.push_back('\n');
    // Append() fails only when the file cannot go on (a lost writeback, or
    // a full disk with its buffer full): a new instance must start again.
    absl::Status appended = file_->Append(line_);
    ReportRotationError();
    return appended.ok() ? appended : MarkFatal(std::move(appended));
  }

  absl::Status Flush() override {
    absl::Status flushed = FatalIfLost(file_->Flush());
    ReportRotationError();
    return flushed;
  }

 private:
  JsonlSinkStage(StageContext context, std::unique_ptr<RotatingFile> file)
      : Stage(context), file_(std::move(file)) {}

  // Nothing is lost (the file grows on, the rotation is retried later), so
  // a log line, once per run of failures, rather than failing an article;
  // likewise the file's warnings (see RotatingFile::TakeWarning).
  void ReportRotationError() {
    if (std::string warning = file_->TakeWarning(); !warning.empty()) {
      context().Warn(warning);
    }
    absl::Status status = file_->TakeRotationError();
    if (!status.ok()) {
      // No room (a full disk, a quota, the file size limit: the message
      // ends with which) fails the rotation's write of the buffer first:
      // the room, not the renames, is what needs attention.
      context().Error(absl::StrCat(absl::IsResourceExhausted(status)
                                       ? "no room to write, rotation waits, "
                                       : "rotation failed, ",
                                   file_->path(),
                                   " grows past max_bytes until a retry "
                                   "succeeds: ",
                                   status.message()));
    }
  }

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
