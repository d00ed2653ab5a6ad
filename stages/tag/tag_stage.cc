#include "stages/tag/tag_stage.h"

#include "newsflow/stage.h"
#include "stages/tag/annotator.h"
#include "stages/tag/tagger.h"
#include "tag_options.pb.h"

namespace newsflow {
namespace {

// All three stage types take the tag stage's options.
absl::StatusOr<tag::TaggerOptions> ParseTaggerOptions(
    std::string_view options_json) {
  stages::tag::TagOptions proto;
  if (auto status = ParseStageOptions(options_json, &proto); !status.ok()) {
    return status;
  }
  return tag::TaggerOptionsFromProto(proto);
}

// "tag" and "link": the same Tagger, which reads annotations when an
// article has them.
class TagStage : public Stage {
 public:
  using Options = stages::tag::TagOptions;

  static absl::StatusOr<std::unique_ptr<Stage>> Create(
      std::string_view options_json, StageContext context) {
    absl::StatusOr<tag::TaggerOptions> options =
        ParseTaggerOptions(options_json);
    if (!options.ok()) return options.status();
    absl::StatusOr<std::unique_ptr<tag::Tagger>> tagger =
        tag::Tagger::Create(*std::move(options));
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

class AnnotateStage : public Stage {
 public:
  using Options = stages::tag::TagOptions;

  static absl::StatusOr<std::unique_ptr<Stage>> Create(
      std::string_view options_json, StageContext context) {
    absl::StatusOr<tag::TaggerOptions> options =
        ParseTaggerOptions(options_json);
    if (!options.ok()) return options.status();
    absl::StatusOr<std::unique_ptr<tag::Annotator>> annotator =
        tag::Annotator::Create(*options);
    if (!annotator.ok()) return annotator.status();
    return std::unique_ptr<Stage>(
        new AnnotateStage(context, *std::move(annotator)));
  }

  absl::Status Process(v1::Article article) override {
    annotator_->Annotate(&article, &annotation_);
    tag::AnnotationToProto(&annotation_, article.mutable_annotations());
    return context().Emit(article);
  }

 private:
  AnnotateStage(StageContext context, std::unique_ptr<tag::Annotator> annotator)
      : Stage(context), annotator_(std::move(annotator)) {}

  std::unique_ptr<tag::Annotator> annotator_;
  tag::Annotation annotation_;
};

}  // namespace

const nf_stage_type kTagStageType = MakeStageType<TagStage>(
    "tag",
    "Detects the language and extracts named entities and keywords of each "
    "article.",
    NF_STAGE_TRANSFORM);

const nf_stage_type kAnnotateStageType = MakeStageType<AnnotateStage>(
    "annotate",
    "The replicable half of tag: language, entities as recognised, term "
    "counts and fingerprint of each article, in its annotations field, for "
    "a link stage. Takes tag's options and uses detect_language, "
    "extract_entities, ner_model, max_keywords and assign_stories.",
    NF_STAGE_TRANSFORM);

const nf_stage_type kLinkStageType = MakeStageType<TagStage>(
    "link",
    "The stateful half of tag, after annotate stages: stream-wide entity "
    "identities, keywords, stories and duplicates from each article's "
    "annotations, which it clears. One process. Takes tag's options; an "
    "article without annotations is tagged whole.",
    NF_STAGE_TRANSFORM);

}  // namespace newsflow
