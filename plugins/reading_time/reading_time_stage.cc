#include "plugins/reading_time/reading_time_stage.h"

#include <cmath>
#include <memory>
#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "newsflow/stage.h"
#include "plugins/reading_time/readability.h"
#include "reading_time_options.pb.h"

namespace newsflow::plugins {
namespace {

using reading_time::TextStats;

// One decimal, and never "-0".
std::string OneDecimal(double value) {
  double rounded = std::round(value * 10) / 10;
  if (rounded == 0) rounded = 0;
  return absl::StrCat(rounded);
}

class ReadingTimeStage : public Stage {
 public:
  using Options = reading_time::ReadingTimeOptions;

  static absl::StatusOr<std::unique_ptr<Stage>> Create(
      std::string_view options_json, StageContext context) {
    reading_time::ReadingTimeOptions options;
    if (absl::Status status = ParseStageOptions(options_json, &options);
        !status.ok()) {
      return status;
    }
    return std::unique_ptr<Stage>(
        new ReadingTimeStage(context, options.words_per_minute()));
  }

  absl::Status Process(v1::Article article) override {
    const TextStats stats = reading_time::MeasureText(article.body());
    auto& metadata = *article.mutable_metadata();
    metadata["word_count"] = absl::StrCat(stats.words);
    metadata["reading_minutes"] = absl::StrCat(
        reading_time::ReadingMinutes(stats.words, words_per_minute_));
    if (stats.words > 0 && reading_time::EnglishOrUnknown(article.language())) {
      metadata["flesch_reading_ease"] =
          OneDecimal(reading_time::FleschReadingEase(stats));
    } else {
      // A score left by an earlier pass would describe another text.
      metadata.erase("flesch_reading_ease");
    }
    return context().Emit(article);
  }

 private:
  ReadingTimeStage(StageContext context, int words_per_minute)
      : Stage(context), words_per_minute_(words_per_minute) {}

  const int words_per_minute_;
};

}  // namespace

const nf_stage_type kReadingTimeStageType = MakeStageType<ReadingTimeStage>(
    "reading_time",
    "Adds word_count, reading_minutes and (English) flesch_reading_ease to "
    "each article's metadata.",
    NF_STAGE_TRANSFORM);

}  // namespace newsflow::plugins
