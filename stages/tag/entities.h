// Named-entity recognition for one article.
//
// EntityRecognizer is the seam where a trained statistical model will plug
// in later; RuleBasedEntityRecognizer is the first implementation:
// capitalised-name candidates typed by cues and a built-in gazetteer.
//
//   1. Candidates are maximal runs of capitalised tokens, joined across
//      name particles ("bin", "de", "al") and "of" after words that take a
//      complement ("Secretary of State", "Bank of England"), plus all-caps
//      acronyms. Function words, weekdays, months and common sentence
//      openers never start a candidate.
//   2. Runs are split at personal titles ("Russian Foreign Minister Sergei
//      Lavrov" → MISC "Russian" + PERSON "Sergei Lavrov") and after
//      organisation heads ("National Transitional Council Mustafa ...").
//   3. Types come from the gazetteer (nationalities are MISC), organisation,
//      place and event head words ("Council", "Sea", "Cup" → MISC),
//      titles and person nouns before a name ("spokesman X"), speech verbs
//      after it ("X said"), place prepositions ("in X", "port of X"),
//      known given names, and acronyms (ORG); votes are summed over every
//      mention of the same spelling in the article.
//   4. A lone capitalised word at a sentence start counts only when it is
//      in the gazetteer, an acronym, or seen as a name elsewhere in the
//      article; a lone capitalised word that also appears in lower case in
//      the article ("Rebel" / "rebel") needs strong evidence.
//   5. Mentions of one entity are merged: a PERSON surname or shorter form
//      joins the longer name ("Feltman" → "Jeffrey Feltman") when only one
//      longer name fits; an acronym joins the ORG whose initials it spells
//      ("NATO" ↔ "North Atlantic Treaty Organization"); spellings the
//      gazetteer knows share its canonical name ("U.S." ↔ "United States").
//
// Title-case headlines and all-caps lines carry no capitalisation signal, so
// in them only names already found in the body or in the gazetteer count.
//
// Instances keep scratch buffers between calls: use one per thread.
#ifndef NEWSFLOW_STAGES_TAG_ENTITIES_H_
#define NEWSFLOW_STAGES_TAG_ENTITIES_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "newsflow/v1/article.pb.h"
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

// The rule-based English recognizer described above.
std::unique_ptr<EntityRecognizer> NewRuleBasedEntityRecognizer();

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
