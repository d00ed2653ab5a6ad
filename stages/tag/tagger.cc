#include "stages/tag/tagger.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"

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

Tagger::Tagger(TaggerOptions options, std::unique_ptr<Annotator> annotator)
    : options_(std::move(options)),
      annotator_(std::move(annotator)),
      identity_(
          EntityIdentityOptions{static_cast<size_t>(options_.max_identities)}),
      stories_(StoryOptions{options_.story_window_hours,
                            options_.story_threshold}) {}

absl::StatusOr<std::unique_ptr<Tagger>> Tagger::Create(TaggerOptions options) {
  absl::StatusOr<std::unique_ptr<Annotator>> annotator =
      Annotator::Create(options);
  if (!annotator.ok()) return annotator.status();
  auto tagger = std::unique_ptr<Tagger>(
      new Tagger(std::move(options), *std::move(annotator)));

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
      for (const std::string& warning : (*state)->warnings()) {
        tagger->warnings_.push_back(warning);
      }
      tagger->state_ = *std::move(state);
    }
  }
  return tagger;
}

void Tagger::Tag(v1::Article* article) {
  if (article->has_annotations()) {
    AnnotationFromProto(article->mutable_annotations(), &annotation_);
    article->clear_annotations();
  } else {
    annotator_->Annotate(article, &annotation_);
  }
  Link(article, &annotation_);
}

void Tagger::Link(v1::Article* article, Annotation* annotation) {
  const bool want_entities = options_.extract_entities;
  const bool want_keywords = options_.max_keywords > 0;
  if (want_entities) article->clear_entities();
  if (want_keywords) article->clear_keywords();
  keyword_result_.terms.clear();

  if (annotation->english && want_entities) {
    identity_.Resolve(&annotation->entities, article->title(), article->body());
    for (v1::Entity& entity : annotation->entities) {
      if (entity.mentions() < options_.min_entity_mentions) continue;
      *article->add_entities() = std::move(entity);
    }
  }
  if (annotation->english && (want_keywords || options_.assign_stories)) {
    ScoreKeywords(annotation->terms, options_.max_keywords, &frequencies_,
                  &keyword_result_);
    if (want_keywords) {
      for (std::string& keyword : keyword_result_.keywords) {
        article->add_keywords(std::move(keyword));
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
    AddNumberTerms(article->title(), article->body(), &input);
    AddEventDays(article->title(), article->body(), &input);
    MarkNameTerms(annotation->terms, &input);
    input.simhash = annotation->simhash;
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
