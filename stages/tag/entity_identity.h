// One identity per real-world entity across a stream of articles, however
// it is spelled: an alias index that grows as articles arrive.
//
// Each article's entities (already grouped per article, see
// mention_groups.h) are resolved to an identity, which gives them their
// canonical_id (assigned when the identity is created, never changed) and
// canonical name (the identity's most complete spelling — most words, then
// most mentions; a gazetteer name when it has one). When two names may be
// the same identity:
//   - a shared strong key: a multi-word spelling (compared after
//     NormalizeCanonical, lower case and without diacritics: "U.N.
//     Security Council" = "UN Security Council", "São Paulo" = "Sao
//     Paulo"), an acronym ("NATO"), a gazetteer name ("U.S." = "United
//     States"), or, for places, organisations and other names, a single
//     word, also a group's plural and its member form ("the Marwanis" =
//     "Marwani"). A person's lone surname is never a strong key, so
//     "Clinton" cannot tie Bill to Hillary;
//   - people: two full names match when their first and last words match,
//     in either order ("Musa Ibrahim" / "Ibrahim Moussa"; middle names are
//     ignored: "Hillary Rodham Clinton" / "Hillary Clinton"). An Arabic
//     article before a word is dropped ("al-Sharif" = "el-Sharif" =
//     "Sharif") and a particle joins its word ("Abdel Rahman" =
//     "Abdel-Rahman" = "Abdulrahman"; "Ben" after a given name:
//     "Kareema Ben Ali" = "Karima Benali"). Words match when equal after
//     transliteration folding (q, g, c → k; dh → d; ou → u; y → i; z → s;
//     w → v; x → ks; yo between consonants → e; qu, qv, qw after a
//     consonant and before a vowel → kv; doubled letters once: "Gaddafi" =
//     "Kadafi" = "Qadhafi", "Pyotr" = "Petr", "Sundquist" = "Sundqvist",
//     "Wolkow" = "Volkov"), or when their consonants
//     agree and their folded spellings differ by one letter, or a third of
//     the letters in names of seven or more ("Moammar" / "Muammar",
//     "Kerimov" / "Karimov", "Oleksandr" / "Alexander"; but "John" ≠
//     "Jean", "Marin" ≠ "Moran", "Candy" ≠ "Kennedy"). A full name whose
//     surname is equal after folding and whose given name matches only so
//     joins as is ("Moammar" / "Muammar Gaddafi": outlets spell given names
//     their own way), unless the given names are two names: they differ
//     in their last letter ("Mario" / "Maria", "Carol" / "Carole": many
//     languages mark gender there) or either is another person's
//     ("Michelle" / "Michael Collins"); that, or a surname matching only
//     so, joins only a person seen with another known name of the article
//     ("Peter Saunders" / "Peter Sanders" are often two people, "Anna
//     Lindgren" / "Anna Lundgren" of other stories). A near spelling never
//     joins a person the article already names otherwise: an article spells
//     one person one way. Words of three letters or fewer must be
//     equal ("Ali" ≠ "Alli"). Words are indexed by their folded consonants
//     (NameKey), so a variant finds its candidates;
//   - a lone surname joins the person whose full name ends with it, equal
//     after folding (SameName: no fuzzier, one word confirms nothing) (when
//     the article names other known identities, only a person seen with
//     one of them: the Haddad of another story stays apart); a full
//     name joins an identity so far known only by that surname ("Gates",
//     then "Robert Gates"), unless it already has another first name;
//   - an acronym joins the one organisation (typed so) whose initials it
//     spells, with
//     or without its function words ("AU" / "African Union", "BoQ" / "Bank
//     of Qurum"), and the other way round, but stands for one name: an
//     identity that spells its initials out with another first word
//     ("SA": "Salvation Army") takes no other expansion ("Singapore
//     Airlines"), and such taken initials join nothing;
//   - a short form joins the one organisation whose name starts with it:
//     "Volga Grain" / "Volga Grain Holdings"; a single word ("Corvina" /
//     "Corvina United") only an organisation of the article's story (the
//     article's identities and those seen with them before), and never a
//     given name or a generic word ("Victoria", "Royal"); likewise, in
//     the story only, a club's name after its descriptors ("Marinha" of
//     "Sporting Marinha", also when the tagger read the full name as MISC
//     or the short one as a person; never a place of its own: "Madrid" of
//     "Real Madrid"); never a lone word the article writes only as "the X"
//     (the river "Odra" beside "Odra Shipping Group": WrittenWithTheOnly),
//     nor a word typed as a place that the article uses before it names
//     the organisation in full ("the port of Gabès ... the Gabès Phosphate
//     Group"): a short form follows the name it shortens;
//   - a lone place or organisation name joins the one identity of the
//     article's story of the same type with the same transliteration fold
//     (five letters or more: "Akaba" / "Aqaba");
//   - a lone word the tagger typed against its story joins the one
//     identity of the story it names, and takes its type: a surname typed
//     as a place ("Haddad") joins the person, a group or club typed as a
//     person joins it by one of its names (never by the first word of a
//     longer name: "Gates" stays apart from "Gates Foundation");
//   - people never merge with other types otherwise, and nothing merges on
//     co-occurrence alone: "Medvedev" and "Putin" share every article and
//     stay two identities.
// A non-person name the stream has seen at least three times, twice as
// often as another non-person type, is given that type ("Twitter" read
// once as a place).
// When several identities fit a name (two people called Gates), the one
// that shares the most other entities with the article wins, then the one
// seen most recently. When an article's entity carries strong keys of two
// identities, they merge into the older one; ids already emitted stay as
// they were.
//
// Each alias the resolver attaches is explained in Entity.alias_rules by
// the rule that relates it to a spelling the identity already had, or to an
// earlier spelling of the same entity (AliasRule below).
//
// Memory is bounded: beyond max_identities the least recently seen tenth
// is forgotten. Save/Load persist the index (see tag_state.h).
#ifndef NEWSFLOW_STAGES_TAG_ENTITY_IDENTITY_H_
#define NEWSFLOW_STAGES_TAG_ENTITY_IDENTITY_H_

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/node_hash_map.h"
#include "absl/status/status.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "newsflow/v1/article.pb.h"

namespace newsflow {
namespace tag {

class BinaryReader;

// Why a spelling belongs to its identity. Listed in order of preference:
// when several rules relate a spelling to known ones, the first is named.
enum class AliasRule {
  kSameSpelling,     // equal but for case or punctuation ("U.N." / "UN")
  kDiacritics,       // "São Paulo" / "Sao Paulo"
  kGazetteer,        // one gazetteer name ("U.S." / "United States")
  kMemberForm,       // a group and its plural or member ("Marwanis")
  kInitials,         // an acronym and its expansion ("AU" / "African Union")
  kShortForm,        // an organisation's first words ("Volga Grain")
  kTransliteration,  // name words equal after folding ("Gaddafi" / "Kadafi")
  kSurname,          // a lone surname of a full name
  kFirstSpelling,    // the spelling that created the identity
  kSameArticle,      // grouped with the entity's other spellings in the
                     // article (see mention_groups.h), no rule above
};
// The rule's stable name ("same spelling", "transliteration", ...): what
// Entity.alias_rules carries and the store keeps.
const char* AliasRuleName(AliasRule rule);

struct EntityIdentityOptions {
  size_t max_identities = 100000;
  // Spellings remembered per identity (the most mentioned stay).
  size_t max_aliases = 32;
  // Co-occurring identities remembered per identity, for disambiguation
  // (the most seen; among equal counts, the earliest listed, so a full list
  // takes no newcomer).
  size_t max_neighbors = 32;
};

// How much the identities hold, by count (the soak benchmark reports it;
// tests check the bounds with it).
struct IdentityStats {
  size_t identities = 0;
  size_t aliases = 0;
  size_t neighbors = 0;
  // Keys of all the alias indexes, and the identities they list.
  size_t index_keys = 0;
  size_t index_entries = 0;
  size_t ids = 0;
};

class EntityIdentity {
 public:
  explicit EntityIdentity(EntityIdentityOptions options = {});

  // Resolves `entities` (one article's, each with text, type, aliases and
  // mentions filled) and sets their canonical and canonical_id. `title`
  // and `body`, when given, are the article's text: a lone name it writes
  // only as "the X" is no organisation's short form (WrittenWithTheOnly).
  void Resolve(google::protobuf::RepeatedPtrField<v1::Entity>* entities,
               std::string_view title = {}, std::string_view body = {});

  // Exposed for tests: whether the article writes `word` alone (not as the
  // start of a longer capitalised name, a compound or a possessive) at
  // least once as "the X" followed by the end of a clause or a preposition
  // ("in the Odra below Szczecin", "on the Odra."), and never bare
  // ("Tengri said"): how news writes rivers, seas and regions, not the
  // short form of a company or club. "the X" followed by another word
  // ("the Odra warmed", "the Dow fell") is the name as a modifier or a
  // subject and counts neither way. The body decides; the title, whose
  // headline style drops "the", only when the body writes the word alone
  // nowhere.
  static bool WrittenWithTheOnly(std::string_view word, std::string_view title,
                                 std::string_view body);

  size_t size() const { return identities_.size(); }
  IdentityStats Stats() const;
  // Exposed for tests: the identities seen in articles with the one of
  // canonical id `id` ("seen with", what namesakes are chosen by), as
  // (their canonical id, articles together) in list order; empty for an
  // unknown id.
  std::vector<std::pair<std::string, uint32_t>> SeenWith(
      std::string_view id) const;

  // The state as bytes for a state file, and back. ReadFrom replaces the
  // current state.
  // `spill`, when given, is called with `out` between records, so that the
  // caller may write out and clear what is there (StateFile saves through
  // a small buffer).
  void AppendTo(std::string* out,
                const std::function<void(std::string*)>& spill = {}) const;
  absl::Status ReadFrom(std::string_view data, size_t* pos);

  // An incremental save (tag_state.h): what each identity was when last
  // saved, by serial: (last_seen, mentions). Resolve changes an identity
  // only in an article that also learns it (stamping last_seen and adding
  // to mentions), so a record whose pair is unchanged is unchanged.
  using SaveMarks =
      absl::flat_hash_map<uint32_t, std::pair<uint64_t, uint32_t>>;
  // Marks every identity as saved (after a whole save or a load).
  void MarkSaved(SaveMarks* marks) const;
  // Appends the changes since `marks` (the counters, the serials gone, the
  // records changed or new) and marks them saved.
  void AppendChangesTo(std::string* out,
                       const std::function<void(std::string*)>& spill,
                       SaveMarks* marks) const;
  // Applies what AppendChangesTo wrote; the result is what ReadFrom gives
  // for a whole save of the same state.
  absl::Status ReadChangesFrom(std::string_view data, size_t* pos);

  // Exposed for tests: transliteration folding and the word match rule.
  static std::string FoldName(std::string_view word);
  static bool NameWordsMatch(std::string_view a, std::string_view b);
  // The stricter rule for a lone word, which has no other word to confirm
  // it: equal after transliteration folding ("Kadafi" = "Gaddafi", but
  // "Robin" ≠ "Robben").
  static bool SameName(std::string_view a, std::string_view b);
  // The index key of a name word: words that NameWordsMatch share it (the
  // consonants of the folded word; short words as written).
  static std::string NameKey(std::string_view word);

 private:
  struct Alias {
    std::string text;  // NormalizeCanonical form
    uint32_t count = 0;
  };
  struct Identity {
    uint32_t serial = 0;
    std::string id;
    std::array<uint32_t, 5> type_counts{};
    uint32_t mentions = 0;
    uint64_t last_seen = 0;
    std::string gazetteer_name;
    std::vector<Alias> aliases;
    std::vector<std::pair<uint32_t, uint32_t>> neighbors;  // serial, count

    v1::EntityType type() const;
    bool is_person() const { return type() == v1::PERSON; }
  };
  using Index = absl::flat_hash_map<std::string, std::vector<uint32_t>>;

  // Keys of one spelling; `strong` for StrongKeys, `last`/`first` folded
  // name words for people.
  struct Keys {
    std::vector<std::string> strong;
    std::vector<std::string> last;
    std::vector<std::string> first;
    std::vector<std::string> acronym;
    std::vector<std::string> initials;
    std::vector<std::string> prefix;
  };
  static std::string PrefixKey(std::string_view name);
  static Keys KeysOf(std::string_view alias, v1::EntityType type, bool person);
  // KeysOf, remembered: each name of an article is keyed two or three
  // times (strong hits in two passes, then indexing), and news repeats
  // names. The reference lasts until the next call (the memo is emptied
  // when full).
  const Keys& CachedKeysOf(std::string_view alias, v1::EntityType type,
                           bool person) const;

  // Counts the article's identities (`context`, each once, in the order
  // the article settled them) as seen with one another, keeping each list
  // to max_neighbors.
  void NoteSeenTogether(const std::vector<uint32_t>& context);

  // Candidate identities of `entity` by each rule (see the file comment).
  std::vector<uint32_t> StrongHits(const v1::Entity& entity) const;
  // `known`: identities seen before that this article names;
  // `named_in_full`: the people this article so far names by a full name.
  std::vector<uint32_t> PersonMatches(
      const v1::Entity& entity, const std::vector<uint32_t>& known,
      const std::vector<uint32_t>& named_in_full) const;
  // Whether `given` (equal after folding) is the given name of a person
  // other than `candidate` whose surname is not `surname`.
  bool GivenNameOfAnother(std::string_view given, std::string_view surname,
                          uint32_t candidate) const;
  std::vector<uint32_t> InitialsMatches(const v1::Entity& entity) const;
  std::vector<uint32_t> PrefixMatches(const v1::Entity& entity,
                                      const std::vector<uint32_t>& story,
                                      bool single_words) const;
  std::vector<uint32_t> CrossTypeMatches(
      const v1::Entity& entity, const std::vector<uint32_t>& story) const;
  // The identities of `story` that the tagger typed as people but that are
  // only ever named by the plural of `entity`'s lone name (a group).
  std::vector<uint32_t> PluralPeopleMatches(
      const v1::Entity& entity, const std::vector<uint32_t>& story) const;
  // Makes a person-typed identity the group `type` it turned out to be.
  void RetypeAsGroup(uint32_t serial, v1::EntityType type);
  // The article's identities and those seen with them before, sorted
  // (the `story` PrefixMatches and CrossTypeMatches search).
  std::vector<uint32_t> StoryOf(const std::vector<uint32_t>& context) const;

  uint32_t Choose(const std::vector<uint32_t>& candidates,
                  const std::vector<uint32_t>& context) const;
  uint32_t Create(const v1::Entity& entity);
  void Absorb(uint32_t from, uint32_t into);
  void AddKeys(const Identity& identity);
  void RemoveKeys(const Identity& identity);
  void IndexAlias(uint32_t serial, std::string_view alias, bool person);
  void Learn(uint32_t serial, const v1::Entity& entity);
  std::string CanonicalOf(const Identity& identity) const;
  // Fills entity->alias_rules against `identity` before Learn adds them.
  void Explain(const Identity& identity, v1::Entity* entity) const;
  // The rule relating spelling `a` to known spelling `b` (both
  // NormalizeCanonical); kSameArticle when none does.
  AliasRule RuleBetween(std::string_view a, std::string_view b,
                        bool person) const;
  void Evict();
  static void AppendIdentity(const Identity& identity, std::string* out);
  // False when the record is truncated or its serial is 0.
  static bool ReadIdentity(BinaryReader* reader, Identity* identity);
  // Replaces the state with these identities, inserted in the order given
  // (a whole file's, by serial), and indexes them.
  absl::Status Rebuild(uint32_t next_serial, uint64_t articles,
                       std::vector<Identity> identities);
  static bool TypesCompatible(v1::EntityType a, v1::EntityType b);
  using WordsMatch = bool (*)(std::string_view, std::string_view);
  // First and last words match by `words_match`, in either order.
  bool PersonNamesMatch(std::string_view a, std::string_view b,
                        WordsMatch words_match = NameWordsMatch) const;

  EntityIdentityOptions options_;
  absl::flat_hash_map<uint32_t, Identity> identities_;
  absl::flat_hash_map<std::string, uint32_t> ids_;
  Index strong_;
  Index last_;
  Index first_;
  Index acronyms_;
  Index initials_;
  Index prefixes_;
  uint32_t next_serial_ = 1;
  uint64_t articles_ = 0;
  // CachedKeysOf's memo: "alias\0<type><person>" → keys.
  mutable absl::node_hash_map<std::string, Keys> keys_memo_;
  // Scratch for a memo key: looked up without building a string each time.
  mutable std::string memo_key_;
};

}  // namespace tag
}  // namespace newsflow

#endif  // NEWSFLOW_STAGES_TAG_ENTITY_IDENTITY_H_
