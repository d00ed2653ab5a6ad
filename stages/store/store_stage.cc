#include "stages/store/store_stage.h"

#include "newsflow/stage.h"
#include "store_options.pb.h"

namespace newsflow {
namespace {

class StoreStage : public Stage {
 public:
  static absl::StatusOr<std::unique_ptr<Stage>> Create(
      std::string_view options_json, StageContext context) {
    stages::store::StoreOptions options;
    if (auto status = ParseStageOptions(options_json, &options); !status.ok()) {
      return status;
    }
    return std::unique_ptr<Stage>(new StoreStage(context));
  }

  absl::Status Process(v1::Article article) override {
    (void)article;
    return absl::OkStatus();
  }

 private:
  explicit StoreStage(StageContext context) : Stage(context) {}
};

constexpr nf_option_spec kOptions[] = {
    {"path", NF_OPTION_PATH, "\"news.db\"", "SQLite database file."},
};

}  // namespace

const nf_stage_type kStoreStageType = MakeStageType<StoreStage>(
    "store", "(stub) stores articles", NF_STAGE_SINK, kOptions,
    sizeof(kOptions) / sizeof(kOptions[0]));

}  // namespace newsflow
