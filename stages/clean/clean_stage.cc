#include "stages/clean/clean_stage.h"

#include "newsflow/stage.h"
#include "clean_options.pb.h"

namespace newsflow {
namespace {

class CleanStage : public Stage {
 public:
  static absl::StatusOr<std::unique_ptr<Stage>> Create(
      std::string_view options_json, StageContext context) {
    stages::clean::CleanOptions options;
    if (auto status = ParseStageOptions(options_json, &options); !status.ok()) {
      return status;
    }
    return std::unique_ptr<Stage>(new CleanStage(context));
  }

  absl::Status Process(v1::Article article) override {
    return context().Emit(article);
  }

 private:
  explicit CleanStage(StageContext context) : Stage(context) {}
};

}  // namespace

const nf_stage_type kCleanStageType = MakeStageType<CleanStage>(
    "clean", "(stub) passes articles through", NF_STAGE_TRANSFORM, nullptr, 0);

}  // namespace newsflow
