// The tag stage's logic, one article at a time: language, entities
// with stream-wide identities, keywords, near-duplicate fingerprint and
// story. The stage adapters (tag_stage.cc) only parse options and emit.
//
// Tagging has two halves. What depends on the article alone (language,
// tokens, recognised entities, term counts, fingerprint) is an Annotator's
// (annotator.h), and may run elsewhere (the `annotate` stage, replicated);
// what depends on the stream (identities, keyword weights, stories) is the
// Tagger's. The Tagger takes an article's annotations when it arrives with
// them (Article.annotations, which it then clears) and annotates the
// article itself otherwise, so `tag` and `annotate` → `link` emit the same.
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
#include "newsflow/v1/article.pb.h"
#include "stages/tag/annotator.h"
#include "stages/tag/entities.h"
#include "stages/tag/entity_identity.h"
#include "stages/tag/keywords.h"
#include "stages/tag/language.h"
#include "stages/tag/stories.h"
#include "stages/tag/tag_state.h"
#include "stages/tag/tagger_options.h"
#include "stages/tag/tokenizer.h"

namespace newsflow {
namespace tag {

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
  // (assign_stories). Other fields are left as they are. An article with
  // annotations (the annotate stage's) is not annotated again: language is
  // kept as it came, the rest is read from them; they are then cleared.
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
  Tagger(TaggerOptions options, std::unique_ptr<Annotator> annotator);

  // The stateful half, over an article's annotation.
  void Link(v1::Article* article, Annotation* annotation);

  TaggerOptions options_;
  std::unique_ptr<Annotator> annotator_;
  DocumentFrequencies frequencies_;
  EntityIdentity identity_;
  StoryClusterer stories_;
  std::unique_ptr<StateFile> state_;
  std::vector<std::string> warnings_;
  Annotation annotation_;
  KeywordResult keyword_result_;
  uint64_t tagged_ = 0;
};

}  // namespace tag
}  // namespace newsflow

#endif  // NEWSFLOW_STAGES_TAG_TAGGER_H_
