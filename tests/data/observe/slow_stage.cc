// Test plugin: passes every article on unchanged after sleeping
// `sleep_ms`, so a test pipeline has a stage that is slow on purpose (the
// bottleneck `newsflow top` must point at). Built outside the plugins
// folder, so only configs that name this folder in plugin_path see it.
#include <chrono>
#include <thread>

#include "google/protobuf/struct.pb.h"
#include "newsflow/stage.h"

namespace {

class Slow : public newsflow::Stage {
 public:
  Slow(newsflow::StageContext context, int sleep_ms)
      : Stage(context), sleep_ms_(sleep_ms) {}

  static absl::StatusOr<std::unique_ptr<Stage>> Create(
      std::string_view options_json, newsflow::StageContext context) {
    google::protobuf::Struct options;
    if (!google::protobuf::util::JsonStringToMessage(std::string(options_json),
                                                     &options)
             .ok()) {
      return absl::InvalidArgumentError("options are not a JSON object");
    }
    int sleep_ms = 10;
    auto it = options.fields().find("sleep_ms");
    if (it != options.fields().end()) {
      sleep_ms = static_cast<int>(it->second.number_value());
    }
    return std::unique_ptr<Stage>(new Slow(context, sleep_ms));
  }

  absl::Status Process(newsflow::v1::Article article) override {
    std::this_thread::sleep_for(std::chrono::milliseconds(sleep_ms_));
    return context().Emit(article);
  }

 private:
  int sleep_ms_;
};

constexpr nf_option_spec kSlowOptions[] = {
    {"sleep_ms", NF_OPTION_INT, "10", "Milliseconds to sleep per article."},
};

const nf_stage_type kSlowType = newsflow::MakeStageType<Slow>(
    "slow", "Sleeps sleep_ms per article, then passes it on (tests only).",
    NF_STAGE_TRANSFORM, kSlowOptions, 1);

}  // namespace

NEWSFLOW_PLUGIN("observe-test-slow", "1.0.0", "newsflow test fixture", "MIT",
                &kSlowType)
