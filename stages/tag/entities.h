// Named-entity recognition for one article.
//
// EntityRecognizer is the seam for recognizers; the one newsflow ships runs
// the statistical tagger (ner_tagger.h) over the title and body and groups
// the mentions of each entity (mention_groups.h). A title written in title
// case ("Serdyukov Seeks Libya Cease-Fire") carries no capitalisation signal
// the model could use, so the model reads it in capitals, as CoNLL-2003's
// wire headlines are written, and leans on the body's spellings. Titles
// before a person's name ("Mayor", "Foreign Minister") are left out of the
// name; a name written before a hyphenated tail ("NATO-led") is kept
// without it.
//
// The canonical names and ids it fills are per article; the tagger
// replaces them with stream-wide identities (entity_identity.h).
//
// Instances keep scratch buffers between calls: use one per thread.
#ifndef NEWSFLOW_STAGES_TAG_ENTITIES_H_
#define NEWSFLOW_STAGES_TAG_ENTITIES_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "newsflow/v1/article.pb.h"
#include "stages/tag/ner_model.h"
#include "stages/tag/tokenizer.h"

namespace newsflow {
namespace tag {

// One occurrence of an entity in the text.
struct EntityMention {
  bool in_title = false;
  // Byte offsets into the title or the body.
  uint32_t begin = 0;
  uint32_t end = 0;
  v1::EntityType type = v1::ENTITY_TYPE_UNSPECIFIED;
  // Index into EntityResult::entities.
  int entity = -1;
};

struct EntityResult {
  // One per distinct entity, in order of first mention; every field of
  // v1::Entity is filled.
  std::vector<v1::Entity> entities;
  // Every mention, in text order (title first).
  std::vector<EntityMention> mentions;

  void Clear() {
    entities.clear();
    mentions.clear();
  }
};

class EntityRecognizer {
 public:
  virtual ~EntityRecognizer() = default;

  // Replaces `result` with the entities of `article`.
  virtual void Recognize(const TokenizedArticle& article,
                         EntityResult* result) = 0;
};

// The statistical recognizer over `model` (shared: many recognizers may use
// one loaded model).
std::unique_ptr<EntityRecognizer> NewStatisticalEntityRecognizer(
    std::shared_ptr<const NerModel> model);

// Loads a model once per process per path; later calls share it (the
// model stays loaded until the process ends).
absl::StatusOr<std::shared_ptr<const NerModel>> LoadSharedNerModel(
    const std::string& path);

// "PERSON", "ORG", "LOC", "MISC".
std::string_view EntityTypeName(v1::EntityType type);

// The id shared by every article's mention of the same entity:
// StableHashHex(type name + ":" + lower-cased canonical name).
std::string CanonicalId(v1::EntityType type, std::string_view canonical);

// The readable canonical form of a name: dotted initialisms lose their dots
// ("U.N. Security Council" → "UN Security Council") and typographic
// apostrophes become straight, so spellings agree across sources.
std::string NormalizeCanonical(std::string_view name);

}  // namespace tag
}  // namespace newsflow

#endif  // NEWSFLOW_STAGES_TAG_ENTITIES_H_
