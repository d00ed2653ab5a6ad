// A complete newsflow stage plugin: capitalises each word of the title and
// tags the article with the plugin's name. Copy this folder to start yours.
#include <cctype>

#include "newsflow/stage.h"

namespace {

class TitleCase : public newsflow::Stage {
 public:
  using Stage::Stage;

  static absl::StatusOr<std::unique_ptr<Stage>> Create(
      std::string_view /*options_json*/, newsflow::StageContext context) {
    return std::unique_ptr<Stage>(new TitleCase(context));
  }

  absl::Status Process(newsflow::v1::Article article) override {
    std::string* title = article.mutable_title();
    bool word_start = true;
    for (char& c : *title) {
      if (word_start && std::islower(static_cast<unsigned char>(c))) {
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      }
      word_start = std::isspace(static_cast<unsigned char>(c));
    }
    (*article.mutable_metadata())["title_case"] = "applied";
    return context().Emit(article);
  }
};

const nf_stage_type kTitleCaseType = newsflow::MakeStageType<TitleCase>(
    "title_case", "Capitalises every word of the title.", NF_STAGE_TRANSFORM,
    nullptr, 0);

}  // namespace

NEWSFLOW_PLUGIN("title-case", "1.0.0", "Example newsflow plugin", "MIT",
                &kTitleCaseType)
