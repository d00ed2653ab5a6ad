#include "stages/tag/tagger.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace newsflow {
namespace tag {

absl::StatusOr<TaggerOptions> TaggerOptionsFromProto(
    const stages::tag::TagOptions& proto) {
  TaggerOptions options;
  if (proto.has_max_keywords()) {
    if (proto.max_keywords() < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "max_keywords must be 0 or more, got ", proto.max_keywords()));
    }
    options.max_keywords = proto.max_keywords();
  }
  if (proto.has_detect_language()) {
    options.detect_language = proto.detect_language();
  }
  if (proto.has_extract_entities()) {
    options.extract_entities = proto.extract_entities();
  }
  if (proto.has_min_entity_mentions()) {
    if (proto.min_entity_mentions() < 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("min_entity_mentions must be 1 or more, got ",
                       proto.min_entity_mentions()));
    }
    options.min_entity_mentions = proto.min_entity_mentions();
  }
  return options;
}

Tagger::Tagger(TaggerOptions options)
    : Tagger(options, NewCld2LanguageDetector(), NewRuleBasedEntityRecognizer(),
             NewFrequencyKeywordExtractor()) {}

Tagger::Tagger(TaggerOptions options,
               std::unique_ptr<LanguageDetector> language,
               std::unique_ptr<EntityRecognizer> entities,
               std::unique_ptr<KeywordExtractor> keywords)
    : options_(options),
      language_(std::move(language)),
      entities_(std::move(entities)),
      keywords_(std::move(keywords)) {}

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
  if (!english || (!want_entities && !want_keywords)) return;

  tokenized_.Reset(article->title(), article->body());
  if (want_entities) {
    entities_->Recognize(tokenized_, &entity_result_);
    for (v1::Entity& entity : entity_result_.entities) {
      if (entity.mentions() < options_.min_entity_mentions) continue;
      *article->add_entities() = std::move(entity);
    }
  }
  if (want_keywords) {
    keywords_->Extract(tokenized_, options_.max_keywords, &keyword_buffer_);
    for (std::string& keyword : keyword_buffer_) {
      article->add_keywords(std::move(keyword));
    }
  }
}

}  // namespace tag
}  // namespace newsflow
