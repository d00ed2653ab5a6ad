// The tag stage's pure logic, one article at a time: language, entities
// with stream-wide identities, keywords, near-duplicate fingerprint and
// story. The stage adapter (tag_stage.cc) only parses options and emits.
//
// Entities and keywords are English: they run when the article's language
// (detected, or as received when detection is off) is "en" or unknown. For
// other languages both fields are left empty (their stories then rest on
// near-duplicates alone).
//
// A Tagger holds the stream state (entity identities, open stories,
// document frequencies): one Tagger sees one stream. With state_path set
// the state survives restarts (tag_state.h); a second process pointed at
// the same file keeps its state in memory only and says so in warnings().
#ifndef NEWSFLOW_STAGES_TAG_TAGGER_H_
#define NEWSFLOW_STAGES_TAG_TAGGER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "newsflow/options.h"
#include "newsflow/v1/article.pb.h"
#include "stages/tag/entities.h"
#include "stages/tag/entity_identity.h"
#include "stages/tag/keywords.h"
#include "stages/tag/language.h"
#include "stages/tag/stories.h"
#include "stages/tag/tag_state.h"
#include "stages/tag/tokenizer.h"
#include "tag_options.pb.h"

namespace newsflow {
namespace tag {

// The tagger's settings; each default is the tag stage's, declared once in
// tag_options.proto (help and ranges there too), except state_path.
struct TaggerOptions {
  int max_keywords = Defaults().max_keywords();
  bool detect_language = Defaults().detect_language();
  bool extract_entities = Defaults().extract_entities();
  int min_entity_mentions = Defaults().min_entity_mentions();
  // Empty: DefaultNerModelPath().
  std::string ner_model;
  // Empty: DefaultKeywordDfPath(); "none": the stream's counts alone.
  std::string keyword_df;
  // Empty: the state lives in memory only. A library user opts in to a
  // file; the stage's default file is in tag_options.proto.
  std::string state_path;
  bool assign_stories = Defaults().assign_stories();
  double story_window_hours = Defaults().story_window_hours();
  double story_threshold = Defaults().story_threshold();
  int max_identities = Defaults().max_identities();

 private:
  static const stages::tag::TagOptions& Defaults() {
    return DeclaredDefaults<stages::tag::TagOptions>();
  }
};

// The settings of parsed options (ParseStageOptions applied the defaults
// and checked the ranges).
TaggerOptions TaggerOptionsFromProto(const stages::tag::TagOptions& proto);

// The shipped keyword frequencies, models/keyword_df.tsv, found like every
// shipped file (common/install_layout.h: the binary's own installation
// first, then the source tree). Empty when neither has it.
std::string DefaultKeywordDfPath();

// How much a Tagger's stream state holds, by count: newsflow_soak_tag_bench
// prints it beside the heap size, and tests check the bounds with it.
struct TaggerStats {
  IdentityStats identities;
  StoryStats stories;
  size_t keyword_terms = 0;
};

class Tagger {
 public:
  // Loads the model and keyword frequencies, and the state when
  // state_path is set. Fails when a file cannot be read or is damaged.
  static absl::StatusOr<std::unique_ptr<Tagger>> Create(TaggerOptions options);

  Tagger(const Tagger&) = delete;
  Tagger& operator=(const Tagger&) = delete;

  // Fills the fields the enabled features own: language and
  // language_confidence (detect_language), entities (extract_entities),
  // keywords (max_keywords > 0), simhash, story_id and duplicate_of
  // (assign_stories). Other fields are left as they are.
  void Tag(v1::Article* article);

  // Writes the stream state to state_path (no-op without one).
  absl::Status SaveState();

  const TaggerOptions& options() const { return options_; }
  // Notes for the operator gathered while starting (e.g. state kept in
  // memory because another process holds the file).
  const std::vector<std::string>& warnings() const { return warnings_; }
  size_t identities() const { return identity_.size(); }
  size_t open_stories() const { return stories_.open_stories(); }
  // Each open story's remembered members against their bars (tests).
  std::vector<MemberCheck> AuditStories() const { return stories_.Audit(); }
  TaggerStats Stats() const;

 private:
  Tagger(TaggerOptions options, std::shared_ptr<const NerModel> model);

  TaggerOptions options_;
  std::unique_ptr<LanguageDetector> language_;
  std::unique_ptr<EntityRecognizer> entities_;
  DocumentFrequencies frequencies_;
  std::unique_ptr<KeywordExtractor> keywords_;
  EntityIdentity identity_;
  StoryClusterer stories_;
  std::unique_ptr<StateFile> state_;
  std::vector<std::string> warnings_;
  TokenizedArticle tokenized_;
  EntityResult entity_result_;
  KeywordResult keyword_result_;
  uint64_t tagged_ = 0;
};

}  // namespace tag
}  // namespace newsflow

#endif  // NEWSFLOW_STAGES_TAG_TAGGER_H_
