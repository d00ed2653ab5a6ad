#include "stages/tag/annotator.h"

#include <utility>

#include "stages/tag/stories.h"

namespace newsflow {
namespace tag {

void AnnotationToProto(Annotation* annotation, v1::Annotations* proto) {
  proto->Clear();
  proto->set_english(annotation->english);
  proto->mutable_entities()->Swap(&annotation->entities);
  proto->mutable_terms()->Reserve(
      static_cast<int>(annotation->terms.terms.size()));
  for (TermCount& term : annotation->terms.terms) {
    v1::AnnotatedTerm* out = proto->add_terms();
    // Most terms are spelled as their stem: the empty spelling says so.
    if (term.spelling != term.term) out->set_spelling(std::move(term.spelling));
    out->set_term(std::move(term.term));
    out->set_count(term.count);
    out->set_first(term.first);
  }
  for (PhraseCount& phrase : annotation->terms.phrases) {
    v1::AnnotatedPhrase* out = proto->add_phrases();
    out->set_first_term(phrase.first_term);
    out->set_second_term(phrase.second_term);
    out->set_count(phrase.count);
    out->set_first(phrase.first);
    out->set_text(std::move(phrase.text));
  }
  if (annotation->simhash != 0) proto->set_simhash(annotation->simhash);
  annotation->Clear();
}

void AnnotationFromProto(v1::Annotations* proto, Annotation* annotation) {
  annotation->Clear();
  annotation->english = proto->english();
  annotation->entities.Swap(proto->mutable_entities());
  annotation->terms.terms.reserve(static_cast<size_t>(proto->terms_size()));
  const uint32_t term_count = static_cast<uint32_t>(proto->terms_size());
  for (v1::AnnotatedTerm& in : *proto->mutable_terms()) {
    TermCount& term = annotation->terms.terms.emplace_back();
    term.term = std::move(*in.mutable_term());
    term.spelling =
        in.spelling().empty() ? term.term : std::move(*in.mutable_spelling());
    term.count = in.count();
    term.first = in.first();
  }
  for (v1::AnnotatedPhrase& in : *proto->mutable_phrases()) {
    // A phrase naming a term the annotation lacks came from a broken
    // sender; it is dropped rather than read out of bounds.
    if (in.first_term() >= term_count || in.second_term() >= term_count) {
      continue;
    }
    PhraseCount& phrase = annotation->terms.phrases.emplace_back();
    phrase.first_term = in.first_term();
    phrase.second_term = in.second_term();
    phrase.count = in.count();
    phrase.first = in.first();
    phrase.text = std::move(*in.mutable_text());
  }
  annotation->simhash = proto->simhash();
}

Annotator::Annotator(const TaggerOptions& options,
                     std::shared_ptr<const NerModel> model)
    : detect_language_(options.detect_language),
      extract_entities_(options.extract_entities),
      count_terms_(options.max_keywords > 0 || options.assign_stories),
      fingerprint_(options.assign_stories),
      language_(NewCld2LanguageDetector()),
      entities_(NewStatisticalEntityRecognizer(std::move(model))) {}

absl::StatusOr<std::unique_ptr<Annotator>> Annotator::Create(
    const TaggerOptions& options) {
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
  return std::unique_ptr<Annotator>(new Annotator(options, *std::move(model)));
}

void Annotator::Annotate(v1::Article* article, Annotation* annotation) {
  annotation->Clear();
  if (detect_language_) {
    LanguageGuess guess = language_->Detect(article->title(), article->body());
    article->set_language(guess.code);
    article->set_language_confidence(guess.confidence);
  }
  annotation->english =
      article->language().empty() || article->language() == "en";

  // Whether tokenized_ holds this article's tokens.
  bool tokenized = false;
  if (annotation->english &&
      (extract_entities_ || count_terms_ || fingerprint_)) {
    tokenized_.Reset(article->title(), article->body());
    tokenized = true;
    if (extract_entities_) {
      entities_->Recognize(tokenized_, &entity_result_);
      annotation->entities.Reserve(
          static_cast<int>(entity_result_.entities.size()));
      for (v1::Entity& entity : entity_result_.entities) {
        *annotation->entities.Add() = std::move(entity);
      }
    }
    if (count_terms_) terms_.Count(tokenized_, &annotation->terms);
  }
  if (fingerprint_) {
    annotation->simhash =
        tokenized ? SimHash(tokenized_.tokens.data() + tokenized_.body_begin,
                            tokenized_.tokens.data() + tokenized_.tokens.size())
                  : SimHash(article->body());
  }
}

}  // namespace tag
}  // namespace newsflow
