#include "stages/tag/tag_stage.h"

#include "newsflow/stage.h"
#include "stages/tag/tagger.h"
#include "tag_options.pb.h"

namespace newsflow {
namespace {

class TagStage : public Stage {
 public:
  using Options = stages::tag::TagOptions;

  static absl::StatusOr<std::unique_ptr<Stage>> Create(
      std::string_view options_json, StageContext context) {
    stages::tag::TagOptions proto;
    if (auto status = ParseStageOptions(options_json, &proto); !status.ok()) {
      return status;
    }
    absl::StatusOr<std::unique_ptr<tag::Tagger>> tagger =
        tag::Tagger::Create(tag::TaggerOptionsFromProto(proto));
    if (!tagger.ok()) return tagger.status();
    for (const std::string& warning : (*tagger)->warnings()) {
      context.Warn(warning);
    }
    return std::unique_ptr<Stage>(new TagStage(context, *std::move(tagger)));
  }

  absl::Status Process(v1::Article article) override {
    tagger_->Tag(&article);
    return context().Emit(article);
  }

  // Idle input or shutdown: make the stream state durable.
  absl::Status Flush() override { return tagger_->SaveState(); }

 private:
  TagStage(StageContext context, std::unique_ptr<tag::Tagger> tagger)
      : Stage(context), tagger_(std::move(tagger)) {}

  std::unique_ptr<tag::Tagger> tagger_;
};

}  // namespace

const nf_stage_type kTagStageType = MakeStageType<TagStage>(
    "tag",
    "Detects the language and extracts named entities and keywords of each "
    "article.",
    NF_STAGE_TRANSFORM);

}  // namespace newsflow
