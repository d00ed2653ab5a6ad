// The article database: durable storage, full-text search, the entity
// catalogue and stories.
//
// The only module that knows the storage schema and its SQL. The store stage
// writes through it; the runner's store commands (query, stories, entities,
// show, export, import) read and write through it. ArticleDb is an abstract
// interface with two backends chosen by Open() from the location:
//   - an SQLite file path (the zero-setup default), or
//   - a PostgreSQL URL, "postgresql://[user[:password]@][host][:port]/dbname
//     [?param=value...]" (also "postgres://"), for several store replicas on
//     several hosts writing into one database. libpq's environment (PGPASSWORD,
//     PGPASSFILE, PGSSLMODE, ...) applies.
//
// Schema (version kArticleDbSchemaVersion):
//   articles        one row per article id: the searchable columns, the
//                   derived outlet and time, and the full serialized Article
//   entities        the entity catalogue: canonical id, name, type, article
//                   and mention counts
//   entity_aliases  every surface form seen per entity, with article counts
//                   and the rule that first joined it (Entity.alias_rules)
//   mentions        article <-> entity, with the mention count
//   stories         per story id: first/last seen, article count, outlets,
//                   headline (the title of its earliest article)
//   dead_letters    inputs a stage could not turn into articles
//   the full-text index over title and body (SQLite FTS5 / PostgreSQL
//   tsvector with a GIN index)
// Every derived table follows the articles: storing an article again
// replaces it and recomputes what it contributed (see catalogue.h), so an
// article that changes story or entities moves, never duplicates.
//
// Contract of every backend:
//   - An article is keyed by its id; storing the same id again replaces the
//     row, its search index entry and its derived rows. Idempotent.
//   - Every stored article keeps its full serialized form, so ForEach() and
//     Get() return each field a stage set (entities, trace, metadata, ...).
//   - The schema is versioned. A read-write open migrates an older database
//     forward (rebuilding derived tables from the stored articles); every
//     open refuses a database newer than this build.
//   - A failed write changes nothing (one transaction per call).
//   - Errors are statuses that name the database location (a URL's password
//     replaced by "***"); a corrupt or foreign database is an error, never a
//     crash.
//
// Thread safety: an ArticleDb is used from one thread at a time. Several
// ArticleDb objects (in one or several processes, on PostgreSQL on several
// hosts) may share one database. SQLite: one writer at a time (others wait
// up to 5 s), any number of readers alongside. PostgreSQL: concurrent
// writers, serialized per article id; batches lock rows in a fixed order
// and retry deadlocks and serialization failures, so replicas that store
// overlapping articles neither duplicate nor deadlock.
#ifndef NEWSFLOW_STAGES_STORE_ARTICLE_DB_H_
#define NEWSFLOW_STAGES_STORE_ARTICLE_DB_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "newsflow/v1/article.pb.h"

namespace newsflow {

// The schema version this build reads and writes.
inline constexpr int kArticleDbSchemaVersion = 6;

// Markers Search() puts around the matched terms of SearchHit::snippet.
inline constexpr char kSnippetMatchStart[] = "\u00ab";  // «
inline constexpr char kSnippetMatchEnd[] = "\u00bb";    // »
// Marks text cut from either end of a snippet.
inline constexpr char kSnippetEllipsis[] = "\u2026";  // …

// Which articles a search, an export or a count sees. Each set field
// narrows the selection; a default ArticleFilter selects everything.
struct ArticleFilter {
  // The article's time is in [since, until). The time is published_at, or
  // ingested_at when that is unknown; articles with neither are excluded
  // by either bound.
  std::optional<absl::Time> since;
  std::optional<absl::Time> until;
  // Exactly Article.source.
  std::string source;
  // Exactly Article.story_id.
  std::string story_id;
  // An entity the article mentions, by any alias seen for it, its
  // canonical name or its canonical id; case- and accent-insensitive
  // ("kadafi" finds the articles of every spelling of that entity).
  std::string entity;
  // With `entity`: only entities of this type. Alone: articles mentioning
  // any entity of this type.
  v1::EntityType entity_type = v1::ENTITY_TYPE_UNSPECIFIED;
};

struct SearchRequest {
  // Full-text query (syntax in query_syntax.h). Empty: every article the
  // filter selects, newest first. Empty text with an empty filter is an
  // error.
  std::string text;
  ArticleFilter filter;
  int limit = 10;
  // Skips this many hits (after `after`, when both are given). The database
  // still walks the skipped rows; prefer `after` for deep pages.
  int64_t offset = 0;
  // Keyset pagination: SearchHit::cursor of the last hit of the previous
  // page of the same request; the page continues right after that hit
  // without visiting the hits before it. Hits are ordered by score, then
  // by when their id was first stored (text queries), or newest first by
  // article time (see ArticleFilter::since; unknown times last), then
  // most recently first stored (filter-only queries), so every hit has one
  // place in the order. Filter-only pages are stable under concurrent
  // writes: no hit repeats and none that was there is skipped (articles
  // added meanwhile appear only if they sort after the cursor). Scores
  // depend on the whole collection, so articles added between two pages of
  // a text query may shift which hits fall on either side of the cursor.
  // Cursors are opaque and belong to one backend; InvalidArgument for
  // one that is malformed or from the other kind of query.
  std::string after;
  // Text queries without a filter rank the best of the `rank_window` most
  // recently stored matches, widening eightfold until the page is full or
  // every match is ranked; 0 ranks every match. Why: ranking costs about 1 us
  // per match, and a common word matches a tenth of a million-article store,
  // while news search wants the recent best. Both backends; SQLite also
  // ranks a window of the matches when the only filter is an entity (the
  // entity's newest matches).
  int64_t rank_window = kDefaultRankWindow;
  static constexpr int64_t kDefaultRankWindow = 4096;
};

// One result of ArticleDb::Search().
struct SearchHit {
  std::string id;
  std::string title;
  std::string url;
  std::string published_at;
  std::string source;
  std::string story_id;
  // About 16 words around the best match, from the title or the body, with
  // each matched term between kSnippetMatchStart and kSnippetMatchEnd;
  // without a text query, the start of the body.
  std::string snippet;
  // Relevance; higher is better. Only comparable within one Search() call;
  // 0 without a text query.
  double score = 0;
  // Where this hit is in the order: SearchRequest::after continues after
  // it. Shell-safe (letters, digits, ".", ":", "+", "-").
  std::string cursor;
};

// An article as stored.
struct StoredArticle {
  v1::Article article;
  // When it was last stored (RFC 3339 UTC).
  std::string stored_at;
};

// An entity as the catalogue knows it.
struct EntityRef {
  std::string canonical_id;
  std::string name;
  v1::EntityType type = v1::ENTITY_TYPE_UNSPECIFIED;
  // Articles mentioning it (within a story: the story's articles).
  int64_t article_count = 0;
};

struct StoryInfo {
  std::string id;
  // The earliest and latest article times (see ArticleFilter::since);
  // nullopt when no article of the story has a time.
  std::optional<absl::Time> first_seen;
  std::optional<absl::Time> last_seen;
  int64_t article_count = 0;
  // Distinct outlets (see catalogue.h OutletOf), sorted.
  std::vector<std::string> outlets;
  // The title of the story's earliest article.
  std::string headline;
  // The entities most of its articles mention, most first.
  std::vector<EntityRef> top_entities;
};

struct StoryQuery {
  // Stories with an article in [since, until).
  std::optional<absl::Time> since;
  std::optional<absl::Time> until;
  // Most recently active first.
  int limit = 20;
  // How many top entities to fill in per story.
  int top_entities = 3;
};

struct EntityAlias {
  std::string alias;
  // Articles in which this spelling was seen.
  int64_t article_count = 0;
  // The rule that first joined it to the entity (see AliasRule in
  // stages/tag/entity_identity.h); empty when unknown (stored before
  // schema version 4, or by a tagger that did not say).
  std::string rule;
};

struct EntityInfo {
  EntityRef entity;
  // Mentions over all articles.
  int64_t mention_count = 0;
  // Most seen first.
  std::vector<EntityAlias> aliases;
};

struct EntityQuery {
  v1::EntityType type = v1::ENTITY_TYPE_UNSPECIFIED;
  // Entities with this alias, canonical name or id (as in ArticleFilter).
  std::string name;
  // Most mentioned (by article count) first.
  int limit = 50;
};

// An input a stage could not turn into an article.
struct DeadLetter {
  // Assigned by AddDeadLetter(); increases with each letter.
  int64_t id = 0;
  std::string stage;
  std::string reason;
  std::string raw;
  // RFC 3339; AddDeadLetter() fills it in when empty.
  std::string at;
};

// How ArticleDb::Open sets a database up (outside the class so that it can
// be a default argument there).
struct ArticleDbOpenOptions {
  // SQLite: the most memory the connection keeps for database pages; 0 for
  // SQLite's own default (2 MB). A bigger cache makes big batches touch the
  // disk less; the process then grows by up to this much as the database
  // grows past it (the OS page cache holds the rest of the file either
  // way). The store stage sets it from its sqlite_cache_mib option.
  int sqlite_cache_mib = 0;
  // SQLite: commit the memory of that page cache when the first database
  // of the process opens, once per process, so that the process starts at
  // the size it keeps instead of growing by up to sqlite_cache_mib as the
  // database grows past it (a bound that looks like a leak to anyone
  // watching its size; see README, Soak). Only before SQLite's first use
  // in the process (SQLITE_CONFIG_PAGECACHE); later, ignored. Pages beyond
  // the reserved ones (other connections, bigger pages) use the heap as
  // usual. The store stage sets it; one-shot commands do not.
  bool reserve_sqlite_cache = false;
  // SQLite: the form of the full-text index (the store option
  // sqlite_index_word_pairs). A read-write open whose form differs from
  // the index's makes the index again and rebuilds it from the articles
  // (searches see part of the articles until it catches up); kAsIndexed
  // never rebuilds (a new index: words alone), for connections beside a
  // store (the idle merger, import) that must not undo its choice.
  // Read-only opens query any form as it is.
  enum class WordPairs { kAsIndexed, kWithout, kWith };
  WordPairs sqlite_index_word_pairs = WordPairs::kAsIndexed;
  // SQLite: whether the full-text index also holds each article's entities
  // as tokens of a column of their own, so that text + entity is one FTS5
  // AND walked by the rarer side, instead of the text's matches checked
  // against the entity's mentions one by one. As for WordPairs, a
  // read-write open whose form differs rebuilds the index; kAsIndexed keeps
  // an existing index's form, and gives a new index the entity tokens. The
  // store stage opens with kAsIndexed, or kWith when its option
  // sqlite_add_entity_tokens is set.
  enum class EntityTokens { kAsIndexed, kWithout, kWith };
  EntityTokens sqlite_index_entity_tokens = EntityTokens::kAsIndexed;
};

class ArticleDb {
 public:
  enum class OpenMode {
    // Creates the database's schema when missing (an SQLite file is created
    // too; a PostgreSQL database must exist); migrates an older schema.
    kReadWrite,
    // Fails when the database is missing, is not a newsflow database, or has
    // a different schema version. Works while writers have it open; writes
    // fail with FailedPrecondition.
    kReadOnly,
  };

  // Opens the database at `location`: an SQLite file path or a
  // postgresql:// URL (see IsPostgresLocation).
  //
  // Errors: NotFound (kReadOnly and no such file or database),
  // FailedPrecondition (not a newsflow database, or a schema version this
  // build cannot use), DataLoss (corrupt file), Unavailable (server
  // unreachable), PermissionDenied, Unimplemented (a PostgreSQL URL and a
  // build without libpq), or the mapped storage error. Every message names
  // the location.
  using OpenOptions = ArticleDbOpenOptions;
  static absl::StatusOr<std::unique_ptr<ArticleDb>> Open(
      const std::string& location, OpenMode mode,
      const OpenOptions& options = OpenOptions());

  // Whether `location` names a PostgreSQL database rather than a file.
  static bool IsPostgresLocation(const std::string& location);

  virtual ~ArticleDb() = default;
  ArticleDb(const ArticleDb&) = delete;
  ArticleDb& operator=(const ArticleDb&) = delete;

  // Inserts or replaces `articles` (keyed by id) and updates the derived
  // tables, in one transaction: either all of them are stored or none is.
  // Within the batch a later article with the same id wins.
  //
  // Errors: InvalidArgument (an article without id), FailedPrecondition
  // (opened read-only), PermissionDenied (the database refuses writes),
  // ResourceExhausted (disk or database full), Unavailable (server gone;
  // the next call reconnects), or the mapped storage error; the message
  // names the failing article's id when one article is to blame.
  virtual absl::Status UpsertBatch(
      const std::vector<v1::Article>& articles) = 0;

  // Calls `visit` with every stored article the filter selects, in the
  // order their ids were first stored (articles first stored by one
  // UpsertBatch in any order among themselves: PostgreSQL writes a big
  // batch as two transactions at once). Stops at, and returns, the first
  // non-OK status of `visit`; `visit` may use this ArticleDb. DataLoss when
  // a stored article cannot be decoded.
  virtual absl::Status ForEach(
      const ArticleFilter& filter,
      const std::function<absl::Status(const v1::Article&)>& visit) = 0;
  absl::Status ForEach(
      const std::function<absl::Status(const v1::Article&)>& visit) {
    return ForEach(ArticleFilter(), visit);
  }

  // One article by id; NotFound when there is none.
  virtual absl::StatusOr<StoredArticle> Get(const std::string& id) = 0;

  // Up to `limit` ids that start with `prefix`, in order.
  virtual absl::StatusOr<std::vector<std::string>> IdsStartingWith(
      const std::string& prefix, int limit) = 0;

  // The id a person typed: a whole id, or a unique prefix of at least
  // kMinIdPrefix characters (tail prints shortened ids). NotFound when
  // nothing matches; InvalidArgument listing candidates when several do.
  static constexpr int kMinIdPrefix = 4;
  absl::StatusOr<std::string> ResolveId(const std::string& id_or_prefix);

  // Ranked full-text search restricted by the filter, best `limit` hits
  // first; a title match ranks above the same match in a body (bm25 on
  // SQLite, ts_rank on PostgreSQL).
  //
  // InvalidArgument, quoting the query and saying what is wrong, when the
  // query is malformed, both text and filter are empty, `limit` is not
  // positive, the offset is negative, the cursor is invalid, or the entity
  // type is invalid.
  virtual absl::StatusOr<std::vector<SearchHit>> Search(
      const SearchRequest& request) = 0;
  absl::StatusOr<std::vector<SearchHit>> Search(const std::string& query,
                                                int limit) {
    SearchRequest request;
    request.text = query;
    request.limit = limit;
    return Search(request);
  }

  // The number of stored articles.
  virtual absl::StatusOr<int64_t> Count() = 0;

  // Stories, most recently active first.
  virtual absl::StatusOr<std::vector<StoryInfo>> Stories(
      const StoryQuery& query) = 0;

  // The entity catalogue, most widely mentioned first.
  virtual absl::StatusOr<std::vector<EntityInfo>> Entities(
      const EntityQuery& query) = 0;

  // Records an input a stage could not turn into an article; returns its id.
  virtual absl::StatusOr<int64_t> AddDeadLetter(const DeadLetter& letter) = 0;
  // The newest `limit` dead letters, newest first.
  virtual absl::StatusOr<std::vector<DeadLetter>> ListDeadLetters(
      int limit) = 0;

  // One bounded step of merging the full-text index into fewer pieces;
  // returns whether it merged anything (false: the index is in one piece,
  // or its other pieces are too small a share of the largest to be worth
  // rewriting it, or a merge into one would leave SQLite's FTS5 with more
  // levels than kMaxLevelsAfterMergeIntoOne or than the index's size allows
  // (kLevelsBeforeIndexDoubles), see WorthMergingIntoOne in
  // sqlite_article_db_rank.h; so callers step until false). Inserts leave the
  // index in several pieces (SQLite FTS5 writes one segment per batch and
  // merges them only in groups), and a text query walks every piece, so a store
  // that falls idle after a bulk load merges in steps (store stage,
  // index_merge_idle_ms) and queries then walk one piece. A step writes
  // about `pages` pages (4 KiB each) inside one transaction and holds the
  // index's write lock that long, except that SQLite's FTS5 ends a step
  // only between terms: a step writes at least the whole list of the term
  // it reaches (review 16: 256-page steps on a 1M-article index took 68 ms
  // at the median, 336 ms at p99 and up to 3 s). Results never change, only
  // their cost. The default, for backends whose index needs no merging
  // (PostgreSQL's GIN), does nothing and returns false. FailedPrecondition
  // when opened read-only; a storage error otherwise.
  virtual absl::StatusOr<bool> MergeIndexStep(int pages);

  // Blocks until every article this object stored is found by text search.
  // SQLite indexes committed articles on a thread of its own, so search
  // lags the store by what that thread has not reached (at most 50,000
  // articles: a store that far ahead waits for it); Search() waits for
  // this first, so a writer finds what it stored, while other readers find
  // articles once indexed. An error when the indexer keeps failing (it
  // retries), or when SQLite's last checkpoint of the articles file failed
  // (the articles are stored all the same, in its WAL). The default, for
  // backends that index in the same transaction (PostgreSQL), returns at once.
  virtual absl::Status WaitForSearchIndex();

  // The error of this object's background work as of now, without waiting:
  // SQLite's indexer when it keeps failing (as WaitForSearchIndex would
  // return it), else SQLite's last failed checkpoint of the articles file;
  // OK when there is none, and again once the work succeeds. Never a
  // reason to refuse or retry a batch (what was committed is stored), only
  // to tell someone: the store stage logs it (see store_stage.cc). Cheap (a
  // lock and an atomic), so callable after every batch. The default, for
  // backends without background work (PostgreSQL), is OK.
  virtual absl::Status BackgroundStatus();

  // Where the database lives, as given to Open() (a URL's password
  // replaced by "***").
  virtual const std::string& location() const = 0;

 protected:
  ArticleDb() = default;
};

}  // namespace newsflow

#endif  // NEWSFLOW_STAGES_STORE_ARTICLE_DB_H_
