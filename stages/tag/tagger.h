// The tag stage's pure logic: fills an article's language, entities and
// keywords. The stage adapter (tag_stage.cc) only parses options and emits.
//
// The entity and keyword rules are English: they run when the article's
// language (detected, or as received when detection is off) is "en" or
// unknown. For other languages both fields are left empty.
#ifndef NEWSFLOW_STAGES_TAG_TAGGER_H_
#define NEWSFLOW_STAGES_TAG_TAGGER_H_

#include <memory>

#include "absl/status/statusor.h"
#include "newsflow/v1/article.pb.h"
#include "stages/tag/entities.h"
#include "stages/tag/keywords.h"
#include "stages/tag/language.h"
#include "stages/tag/tokenizer.h"
#include "tag_options.pb.h"

namespace newsflow {
namespace tag {

struct TaggerOptions {
  int max_keywords = 10;
  bool detect_language = true;
  bool extract_entities = true;
  int min_entity_mentions = 1;
};

// Applies defaults to unset fields and validates ranges.
absl::StatusOr<TaggerOptions> TaggerOptionsFromProto(
    const stages::tag::TagOptions& proto);

class Tagger {
 public:
  // Uses CLD2, the rule-based recognizer and frequency keywords.
  explicit Tagger(TaggerOptions options);
  // Each component may be swapped; none may be null.
  Tagger(TaggerOptions options, std::unique_ptr<LanguageDetector> language,
         std::unique_ptr<EntityRecognizer> entities,
         std::unique_ptr<KeywordExtractor> keywords);

  Tagger(const Tagger&) = delete;
  Tagger& operator=(const Tagger&) = delete;

  // Fills the fields the enabled features own: language and
  // language_confidence (detect_language), entities (extract_entities),
  // keywords (max_keywords > 0). Other fields are left as they are.
  void Tag(v1::Article* article);

  const TaggerOptions& options() const { return options_; }

 private:
  TaggerOptions options_;
  std::unique_ptr<LanguageDetector> language_;
  std::unique_ptr<EntityRecognizer> entities_;
  std::unique_ptr<KeywordExtractor> keywords_;
  TokenizedArticle tokenized_;
  EntityResult entity_result_;
  std::vector<std::string> keyword_buffer_;
};

}  // namespace tag
}  // namespace newsflow

#endif  // NEWSFLOW_STAGES_TAG_TAGGER_H_
