// What an article contributes to the store's derived tables: the entity
// catalogue (entities and their aliases), mentions, stories and the columns
// searches filter on. Pure functions, shared by every ArticleDb backend so
// that SQLite and PostgreSQL derive exactly the same rows.
//
// The derived tables are maintained incrementally: storing an article adds
// its contribution, and replacing one first subtracts the contribution of the
// stored version (decoded from its stored bytes). CatalogueDelta is that
// difference for a whole batch, aggregated so that a backend applies one
// change per entity, alias and story, in a deterministic (sorted) order;
// concurrent writers that lock rows in this order cannot deadlock each other.
#ifndef NEWSFLOW_STAGES_STORE_CATALOGUE_H_
#define NEWSFLOW_STAGES_STORE_CATALOGUE_H_

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "newsflow/v1/article.pb.h"

namespace newsflow {

// A form of `text` for case- and accent-insensitive lookups: Unicode case
// folding, diacritics removed, NFC, runs of white space collapsed to one
// space, trimmed. "  Muammar  al-Qaddāfi " -> "muammar al-qaddafi".
std::string FoldKey(std::string_view text);

// The words of `text` as the full-text index sees them: folded (see FoldKey)
// and split at every character that is not a letter, digit or combining
// mark. Used to build PostgreSQL's index so that it agrees with SQLite's
// unicode61 tokenizer ("Zürich's" -> "zurich", "s").
std::vector<std::string> SearchTokens(std::string_view text);
// SearchTokens(text) joined by single spaces, stopping before `max_bytes`.
std::string SearchText(std::string_view text, size_t max_bytes);

// One entity of one article, merged over the article's Entity entries that
// share a canonical id.
struct EntityContribution {
  std::string canonical_id;
  // The canonical name (the surface form when the tagger gave none, the id
  // when it gave neither). Never empty.
  std::string name;
  v1::EntityType type = v1::ENTITY_TYPE_UNSPECIFIED;
  // Mentions in the article; at least 1.
  int64_t mentions = 0;
  // Distinct surface forms seen in the article (Entity.text and
  // Entity.aliases), sorted.
  std::vector<std::string> aliases;
  // The rule that joined an alias to the entity (Entity.alias_rules), for
  // the aliases the tagger explained; the first entry wins.
  std::map<std::string, std::string> rules;
};

// How a backend's text columns keep a catalogue key (canonical id, alias,
// story id): keys equal in that form are one row there, so the catalogue
// merges them before counting. Null: kept as they are.
using StoredKeyForm = std::string (*)(const std::string& key);

// The canonical id of `entity`: Entity.canonical_id, or, when the tagger left
// it empty, a stable hash of its type and folded canonical name (or text).
// Empty when the entity has neither a name nor a text.
std::string CanonicalIdOf(const v1::Entity& entity);

// The entities of `article`, one per canonical id, sorted by canonical id.
// With `stored_form`, ids and aliases are in that form (ids and aliases
// empty in it are left out), so entities and aliases equal in it merge.
std::vector<EntityContribution> EntityContributions(
    const v1::Article& article, StoredKeyForm stored_form = nullptr);

// The outlet that published `article`: the host of an http(s) URL without a
// leading "www.", else Article.source.
std::string OutletOf(const v1::Article& article);

// When `article` appeared, in Unix seconds: Article.published_at, or
// Article.ingested_at when that is empty or unparsable. nullopt when neither
// parses. Accepts RFC 3339, and a date or date-time without a zone (UTC).
std::optional<int64_t> SeenAtOf(const v1::Article& article);

// "PERSON", "ORG", ... as stored in the catalogue; "" for unspecified.
std::string EntityTypeText(v1::EntityType type);
// The inverse of EntityTypeText, case-insensitive, also accepting
// "location", "organization"/"organisation" and "miscellaneous". nullopt for
// anything else.
std::optional<v1::EntityType> ParseEntityType(std::string_view text);

// A story's summary row (ArticleDb's `stories` table): the span of the
// times its articles state (ingest times only when none states one), its
// article count, its distinct outlets sorted and joined by "\n", and the
// title of its earliest article (unknown times last, then first stored).
struct StorySummary {
  std::optional<int64_t> first_seen;
  std::optional<int64_t> last_seen;
  int64_t article_count = 0;
  std::string outlets;
  std::string headline;
};

// One article of a story, as its summary sees it.
struct StoryMember {
  // Its seq (the order in which ids were first stored).
  int64_t seq = 0;
  // SeenAtOf(article).
  std::optional<int64_t> seen_at;
  // Whether Article.published_at is set (its time is stated).
  bool stated = false;
  // OutletOf(article).
  std::string outlet;
  std::string title;
};

// The summary of a story whose articles are exactly `members` (in any
// order): what the SQLite store's story query computes from the articles
// table, computed from a batch's own articles when the batch starts the
// story (no query needed).
StorySummary SummarizeStory(const std::vector<StoryMember>& members);

// The change a batch makes to the derived tables.
struct CatalogueDelta {
  struct Entity {
    std::string canonical_id;
    // From the newest added article that names it; empty when the batch only
    // removes it (the stored name stays).
    std::string name;
    std::string name_key;
    std::string type;
    int64_t article_delta = 0;
    int64_t mention_delta = 0;
  };
  struct Alias {
    std::string canonical_id;
    std::string alias;
    std::string alias_key;
    int64_t article_delta = 0;
    // The rule that joined it, from the first added article of the batch
    // that says; empty when none does. A stored rule is never replaced.
    std::string rule;
  };
  // Sorted by canonical id. Entries whose counts do not change are kept
  // only when the batch names the entity (its name or type may change).
  std::vector<Entity> entities;
  // Sorted by (canonical id, alias); no zero deltas.
  std::vector<Alias> aliases;
  // Stories whose summary must be recomputed (an article joined or left
  // them, or changed), sorted, without "".
  std::vector<std::string> stories;
};

// Accumulates the contributions of added and removed articles.
class CatalogueDeltaBuilder {
 public:
  // Keys (canonical ids, aliases, story ids) in `stored_form` (see
  // EntityContributions).
  explicit CatalogueDeltaBuilder(StoredKeyForm stored_form = nullptr)
      : stored_form_(stored_form) {}

  // `article` is being stored (a new article, or the new version).
  void Add(const v1::Article& article);
  // The same, with its EntityContributions already computed (in the
  // builder's stored form).
  void Add(const v1::Article& article,
           const std::vector<EntityContribution>& entities);
  // `article` is being replaced: this is its stored version.
  void Remove(const v1::Article& article);
  CatalogueDelta Build() const;

 private:
  struct EntityTotals {
    std::string name;
    std::string type;
    bool named = false;
    int64_t article_delta = 0;
    int64_t mention_delta = 0;
  };
  void Apply(const v1::Article& article,
             const std::vector<EntityContribution>& entities, int sign);

  StoredKeyForm stored_form_;
  std::map<std::string, EntityTotals> entities_;
  std::map<std::pair<std::string, std::string>, int64_t> aliases_;
  std::map<std::pair<std::string, std::string>, std::string> rules_;
  std::set<std::string> stories_;
};

}  // namespace newsflow

#endif  // NEWSFLOW_STAGES_STORE_CATALOGUE_H_
