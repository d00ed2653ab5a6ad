// Groups the entity mentions of one article into entities: the mentions
// "Jeffrey Feltman" ... "Feltman", "NATO" ... "North Atlantic Treaty
// Organization", "U.N." ... "UN" become one entity each.
//
// Rules, applied to distinct spellings (longest first):
//   1. spellings equal after NormalizeCanonical ("U.N." = "UN") are one;
//   2. spellings the gazetteer gives the same canonical name are one
//      ("U.S." = "United States"; "U.S. State Department" = "State
//      Department": see KnownName);
//   3. a person's shorter form joins the one longer person name it ends
//      ("Feltman" → "Jeffrey Feltman") or whose first and last words it is
//      ("Hillary Clinton" → "Hillary Rodham Clinton"); when two longer
//      names fit ("Bill Clinton", "Hillary Clinton") it joins neither.
//      A single word the tagger typed otherwise joins too unless the
//      gazetteer knows it as a place or organisation; a longer name typed
//      otherwise counts as a person when its last word is a person's name
//      mentioned at least as often;
//   4. an all-capitals word joins the one organisation name whose initials
//      it spells (function words skipped: "North Atlantic Treaty
//      Organization" → NATO), and an organisation name joins the one longer
//      organisation name it ends ("Security Council" → "UN Security
//      Council").
// A group's type is its longest spelling's (person when rule 3 applied).
#ifndef NEWSFLOW_STAGES_TAG_MENTION_GROUPS_H_
#define NEWSFLOW_STAGES_TAG_MENTION_GROUPS_H_

#include <string>
#include <string_view>
#include <vector>

#include "newsflow/v1/article.pb.h"
#include "stages/tag/gazetteer.h"

namespace newsflow {
namespace tag {

struct MentionSpelling {
  std::string text;  // as written
  v1::EntityType type = v1::ENTITY_TYPE_UNSPECIFIED;
  int count = 0;
  int first = 0;  // order of first mention
};

struct MentionGroup {
  // Indices into the spellings, in order of first mention.
  std::vector<int> spellings;
  v1::EntityType type = v1::ENTITY_TYPE_UNSPECIFIED;
};

// Groups `spellings` (distinct texts; each spelling's type is the one most
// of its mentions got). Groups come in order of first mention.
std::vector<MentionGroup> GroupMentions(
    const std::vector<MentionSpelling>& spellings);

// The gazetteer entry of a name, also for a known organisation after a
// country or nationality ("U.S. State Department" → State Department);
// nullptr when unknown. `scratch` is reused to avoid allocations.
const GazetteerEntry* KnownName(std::string_view name, std::string* scratch);

// An Arabic definite article written before a name, each outlet its own
// way ("al-Sharif", "el-Sharif", "ash-Shami", "al Sharif"): `lower` is the
// article in lower case. Not part of what identifies the name.
bool IsNameArticle(std::string_view lower);

// A word made of such an article, a hyphen and a capitalised name
// ("el-Sharif").
bool IsArticlePrefixedName(std::string_view word);

// Words of a name: split at spaces.
std::vector<std::string_view> NameWords(std::string_view name);

// The capital initials of a multi-word name, function words skipped
// ("North Atlantic Treaty Organization" → "NATO"); empty for one word.
std::string Initials(std::string_view name);

// Initials() and, when different, the initials with the first letter of
// each function word but "the" ("Bank of Qurum" → "BQ", "BOQ"): acronyms
// are written both ways.
std::vector<std::string> InitialsVariants(std::string_view name);

// The letters of an all-capitals word or a dotted initialism ("NATO",
// "U.N." → "UN"), upper case, also with single small letters between
// capitals ("BoJ" → "BOJ"); empty for other words.
std::string AcronymLetters(std::string_view word);

}  // namespace tag
}  // namespace newsflow

#endif  // NEWSFLOW_STAGES_TAG_MENTION_GROUPS_H_
