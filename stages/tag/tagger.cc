#include "stages/tag/tagger.h"

#include <fstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "common/install_layout.h"

namespace newsflow {
namespace tag {
namespace {

// Saves the state every this many articles, besides every Flush.
constexpr uint64_t kSaveEvery = 1000;

std::optional<int64_t> ParseTime(const std::string& text) {
  if (text.empty()) return std::nullopt;
  absl::Time time;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, text, &time, &error)) {
    return std::nullopt;
  }
  return absl::ToUnixSeconds(time);
}

}  // namespace

TaggerOptions TaggerOptionsFromProto(const stages::tag::TagOptions& proto) {
  TaggerOptions options;
  options.max_keywords = proto.max_keywords();
  options.detect_language = proto.detect_language();
  options.extract_entities = proto.extract_entities();
  options.min_entity_mentions = proto.min_entity_mentions();
  options.ner_model = proto.ner_model();
  options.keyword_df = proto.keyword_df();
  options.state_path = proto.state_path();
  options.assign_stories = proto.assign_stories();
  options.story_window_hours = proto.story_window_hours();
  options.story_threshold = proto.story_threshold();
  options.max_identities = proto.max_identities();
  return options;
}

std::string DefaultKeywordDfPath() {
  return FindShippedFile("models/keyword_df.tsv");
}

Tagger::Tagger(TaggerOptions options, std::shared_ptr<const NerModel> model)
    : options_(std::move(options)),
      language_(NewCld2LanguageDetector()),
      entities_(NewStatisticalEntityRecognizer(std::move(model))),
      keywords_(NewTfIdfKeywordExtractor(&frequencies_)),
      identity_(
          EntityIdentityOptions{static_cast<size_t>(options_.max_identities)}),
      stories_(StoryOptions{options_.story_window_hours,
                            options_.story_threshold}) {}

absl::StatusOr<std::unique_ptr<Tagger>> Tagger::Create(TaggerOptions options) {
  std::string model_path =
      options.ner_model.empty() ? DefaultNerModelPath() : options.ner_model;
  if (model_path.empty()) {
    return absl::NotFoundError(
        "no NER model: set ner_model, or keep models/ner.bin in the source "
        "tree or under <prefix>/share/newsflow/models");
  }
  absl::StatusOr<std::shared_ptr<const NerModel>> model =
      LoadSharedNerModel(model_path);
  if (!model.ok()) return model.status();
  auto tagger = std::unique_ptr<Tagger>(
      new Tagger(std::move(options), *std::move(model)));

  std::string df_path = tagger->options_.keyword_df;
  if (df_path.empty()) {
    df_path = DefaultKeywordDfPath();
    if (df_path.empty()) {
      tagger->warnings_.push_back(
          "no keyword_df table found: keyword weights come from the stream "
          "alone");
    }
  }
  if (!df_path.empty() && df_path != "none") {
    if (absl::Status status = tagger->frequencies_.LoadBackground(df_path);
        !status.ok()) {
      return status;
    }
  }

  if (!tagger->options_.state_path.empty()) {
    absl::StatusOr<std::unique_ptr<StateFile>> state =
        StateFile::Open(tagger->options_.state_path);
    if (!state.ok()) {
      tagger->warnings_.push_back(
          absl::StrCat(std::string(state.status().message()),
                       "; keeping entity identities and stories in memory "
                       "only"));
    } else {
      absl::Status loaded = (*state)->Load(
          &tagger->identity_, &tagger->stories_, &tagger->frequencies_);
      if (!loaded.ok() && !absl::IsNotFound(loaded)) return loaded;
      tagger->state_ = *std::move(state);
    }
  }
  return tagger;
}

void Tagger::Tag(v1::Article* article) {
  if (options_.detect_language) {
    LanguageGuess guess = language_->Detect(article->title(), article->body());
    article->set_language(guess.code);
    article->set_language_confidence(guess.confidence);
  }
  const bool english =
      article->language().empty() || article->language() == "en";
  const bool want_entities = options_.extract_entities;
  const bool want_keywords = options_.max_keywords > 0;
  if (want_entities) article->clear_entities();
  if (want_keywords) article->clear_keywords();
  keyword_result_.terms.clear();

  // Whether tokenized_ holds this article's tokens.
  bool tokenized = false;
  if (english && (want_entities || want_keywords || options_.assign_stories)) {
    tokenized_.Reset(article->title(), article->body());
    tokenized = true;
    if (want_entities) {
      entities_->Recognize(tokenized_, &entity_result_);
      google::protobuf::RepeatedPtrField<v1::Entity> entities;
      for (v1::Entity& entity : entity_result_.entities) {
        *entities.Add() = std::move(entity);
      }
      identity_.Resolve(&entities);
      for (v1::Entity& entity : entities) {
        if (entity.mentions() < options_.min_entity_mentions) continue;
        *article->add_entities() = std::move(entity);
      }
    }
    if (want_keywords || options_.assign_stories) {
      keywords_->Extract(tokenized_, options_.max_keywords, &keyword_result_);
      if (want_keywords) {
        for (std::string& keyword : keyword_result_.keywords) {
          article->add_keywords(std::move(keyword));
        }
      }
    }
  }

  if (options_.assign_stories) {
    StoryInput input;
    input.article_id = article->id();
    input.time = ParseTime(article->published_at());
    for (const v1::Entity& entity : article->entities()) {
      input.entities.push_back(&entity);
    }
    input.terms = std::move(keyword_result_.terms);
    input.simhash =
        tokenized ? SimHash(tokenized_.tokens.data() + tokenized_.body_begin,
                            tokenized_.tokens.data() + tokenized_.tokens.size())
                  : SimHash(article->body());
    article->set_simhash(
        input.simhash == 0 ? "" : absl::StrFormat("%016x", input.simhash));
    StoryAssignment assignment = stories_.Assign(input);
    article->set_story_id(assignment.story_id);
    article->set_duplicate_of(assignment.duplicate_of);
  }
  if (state_ != nullptr && ++tagged_ % kSaveEvery == 0) {
    (void)SaveState();
  }
}

TaggerStats Tagger::Stats() const {
  TaggerStats stats;
  stats.identities = identity_.Stats();
  stats.stories = stories_.Stats();
  stats.keyword_terms = frequencies_.stream_terms();
  return stats;
}

absl::Status Tagger::SaveState() {
  if (state_ == nullptr) return absl::OkStatus();
  return state_->Save(identity_, stories_, frequencies_);
}

}  // namespace tag
}  // namespace newsflow
