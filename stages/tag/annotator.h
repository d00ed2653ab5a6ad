// The pure half of tagging: everything the tag stage derives from one
// article and the shipped models alone — language, tokens, recognised
// entities (before stream identity), term and phrase counts for keywords,
// and the body's SimHash. Being a function of the article, it can run in
// any number of replicas (the `annotate` stage); the stateful half
// (Tagger::Tag, the `link` stage) then reads the Annotation instead of
// computing it, and produces exactly what `tag` alone would.
//
// What is computed follows TaggerOptions as the tag stage's: language when
// detect_language; entities when extract_entities; terms when max_keywords
// > 0 or assign_stories; the fingerprint when assign_stories. Entities and
// terms are English: for an article of another language (detected, or as
// received) both stay empty and `english` is false.
#ifndef NEWSFLOW_STAGES_TAG_ANNOTATOR_H_
#define NEWSFLOW_STAGES_TAG_ANNOTATOR_H_

#include <cstdint>
#include <memory>

#include "absl/status/statusor.h"
#include "newsflow/v1/article.pb.h"
#include "stages/tag/entities.h"
#include "stages/tag/keywords.h"
#include "stages/tag/language.h"
#include "stages/tag/tagger_options.h"
#include "stages/tag/tokenizer.h"

namespace newsflow {
namespace tag {

// One article's annotation; carried between stages as v1::Annotations.
struct Annotation {
  // Entities and terms were looked for (the article reads as English or
  // its language is unknown).
  bool english = false;
  // Recognised entities with their per-article canonical names.
  google::protobuf::RepeatedPtrField<v1::Entity> entities;
  TermCounts terms;
  // 0 when not computed (or a body without words).
  uint64_t simhash = 0;

  void Clear() {
    english = false;
    entities.Clear();
    terms.Clear();
    simhash = 0;
  }
};

// Moves `annotation` into `proto`, replacing what it held; and back.
// Lossless: AnnotationFromProto(AnnotationToProto(a)) equals a.
void AnnotationToProto(Annotation* annotation, v1::Annotations* proto);
void AnnotationFromProto(v1::Annotations* proto, Annotation* annotation);

class Annotator {
 public:
  // Loads the NER model (shared by every Annotator of the process). Fails
  // when there is none or it cannot be read.
  static absl::StatusOr<std::unique_ptr<Annotator>> Create(
      const TaggerOptions& options);

  Annotator(const Annotator&) = delete;
  Annotator& operator=(const Annotator&) = delete;

  // Sets language and language_confidence (detect_language) and replaces
  // `annotation` with the article's. Other fields are left as they are.
  void Annotate(v1::Article* article, Annotation* annotation);

 private:
  Annotator(const TaggerOptions& options,
            std::shared_ptr<const NerModel> model);

  bool detect_language_;
  bool extract_entities_;
  bool count_terms_;
  bool fingerprint_;
  std::unique_ptr<LanguageDetector> language_;
  std::unique_ptr<EntityRecognizer> entities_;
  TermCounter terms_;
  TokenizedArticle tokenized_;
  EntityResult entity_result_;
};

}  // namespace tag
}  // namespace newsflow

#endif  // NEWSFLOW_STAGES_TAG_ANNOTATOR_H_
