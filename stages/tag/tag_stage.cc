#include "stages/tag/tag_stage.h"

#include "newsflow/stage.h"
#include "stages/tag/tagger.h"
#include "tag_options.pb.h"

namespace newsflow {
namespace {

class TagStage : public Stage {
 public:
  static absl::StatusOr<std::unique_ptr<Stage>> Create(
      std::string_view options_json, StageContext context) {
    stages::tag::TagOptions proto;
    if (auto status = ParseStageOptions(options_json, &proto); !status.ok()) {
      return status;
    }
    absl::StatusOr<tag::TaggerOptions> options =
        tag::TaggerOptionsFromProto(proto);
    if (!options.ok()) return options.status();
    return std::unique_ptr<Stage>(new TagStage(context, *options));
  }

  absl::Status Process(v1::Article article) override {
    tagger_.Tag(&article);
    return context().Emit(article);
  }

 private:
  TagStage(StageContext context, const tag::TaggerOptions& options)
      : Stage(context), tagger_(options) {}

  tag::Tagger tagger_;
};

constexpr nf_option_spec kTagOptions[] = {
    {"max_keywords", NF_OPTION_INT, "10",
     "Most keywords per article (content words and repeated two-word "
     "phrases by frequency, title words weighted up); 0 disables keywords."},
    {"detect_language", NF_OPTION_BOOL, "true",
     "Detect the language with CLD2 and fill language (ISO 639-1) and "
     "language_confidence; empty and 0 when unreliable. When false, the "
     "language the article arrives with is kept."},
    {"extract_entities", NF_OPTION_BOOL, "true",
     "Find people, organisations, places and other names (English rules; "
     "skipped for other languages) and merge the mentions of each."},
    {"min_entity_mentions", NF_OPTION_INT, "1",
     "Keep only entities mentioned at least this many times in the "
     "article."},
};

}  // namespace

const nf_stage_type kTagStageType = MakeStageType<TagStage>(
    "tag",
    "Detects the language and extracts named entities and keywords of each "
    "article.",
    NF_STAGE_TRANSFORM, kTagOptions,
    sizeof(kTagOptions) / sizeof(kTagOptions[0]));

}  // namespace newsflow
