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
    absl::StatusOr<std::unique_ptr<tag::Tagger>> tagger =
        tag::Tagger::Create(*options);
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

constexpr nf_option_spec kTagOptions[] = {
    {"max_keywords", NF_OPTION_INT, "10",
     "Most keywords per article: stemmed words by TF-IDF over the stream "
     "(title words count three times) and repeated two-word phrases; 0 "
     "disables keywords."},
    {"detect_language", NF_OPTION_BOOL, "true",
     "Detect the language with CLD2 and fill language (ISO 639-1) and "
     "language_confidence; empty and 0 when unreliable. When false, the "
     "language the article arrives with is kept."},
    {"extract_entities", NF_OPTION_BOOL, "true",
     "Find people, organisations, places and other names with the NER "
     "model (English; skipped for other languages), group each entity's "
     "mentions and give it its stream-wide canonical name and id."},
    {"min_entity_mentions", NF_OPTION_INT, "1",
     "Keep only entities mentioned at least this many times in the "
     "article."},
    {"ner_model", NF_OPTION_PATH, "\"\"",
     "The NER model file; empty: the shipped models/ner.bin, looked for in "
     "the source tree the binary was built from, then in "
     "<prefix>/share/newsflow/models."},
    {"keyword_df", NF_OPTION_PATH, "\"\"",
     "Background document frequencies for keyword TF-IDF; empty: the "
     "shipped models/keyword_df.tsv (looked for like ner_model); \"none\": "
     "the stream's own counts only."},
    {"state_path", NF_OPTION_PATH, "\"tag-state.bin\"",
     "File keeping the stream state (entity identities, open stories, "
     "document frequencies) across restarts, saved on idle, on shutdown "
     "and every 1000 articles; empty keeps it in memory. One process owns "
     "it: other replicas keep their state in memory."},
    {"assign_stories", NF_OPTION_BOOL, "true",
     "Cluster articles into stories (story_id) by their entities, keywords "
     "and dates, and fingerprint bodies (simhash) to mark near-copies "
     "(duplicate_of)."},
    {"story_window_hours", NF_OPTION_DOUBLE, "96",
     "Articles published further apart than this never share a story "
     "(articles without a date are not held to it)."},
    {"story_threshold", NF_OPTION_DOUBLE, "0.3",
     "Similarity (0..1; entities 60%, keywords 40%) an article needs to "
     "join an open story; lower merges more."},
    {"max_identities", NF_OPTION_INT, "100000",
     "Most entity identities remembered; beyond it the least recently seen "
     "tenth is forgotten."},
};

}  // namespace

const nf_stage_type kTagStageType = MakeStageType<TagStage>(
    "tag",
    "Detects the language and extracts named entities and keywords of each "
    "article.",
    NF_STAGE_TRANSFORM, kTagOptions,
    sizeof(kTagOptions) / sizeof(kTagOptions[0]));

}  // namespace newsflow
