#include "stages/tag/tag_stage.h"

#include "newsflow/stage.h"
#include "tag_options.pb.h"

namespace newsflow {
namespace {

class TagStage : public Stage {
 public:
  static absl::StatusOr<std::unique_ptr<Stage>> Create(
      std::string_view options_json, StageContext context) {
    stages::tag::TagOptions options;
    if (auto status = ParseStageOptions(options_json, &options); !status.ok()) {
      return status;
    }
    return std::unique_ptr<Stage>(new TagStage(context));
  }

  absl::Status Process(v1::Article article) override {
    return context().Emit(article);
  }

 private:
  explicit TagStage(StageContext context) : Stage(context) {}
};

}  // namespace

const nf_stage_type kTagStageType = MakeStageType<TagStage>(
    "tag", "(stub) passes articles through", NF_STAGE_TRANSFORM, nullptr, 0);

}  // namespace newsflow
