#include "stages/store/sqlite_article_db.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <optional>
#include <set>
#include <system_error>
#include <thread>
#include <tuple>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "common/time.h"
#include "stages/store/catalogue.h"
#include "stages/store/db_common.h"
#include "stages/store/query_syntax.h"
#include "stages/store/sqlite_article_db_rank.h"
#include "stages/store/sqlite_pair_tokenizer.h"

namespace newsflow {
namespace {

// PRAGMA application_id of a newsflow database ("NFDB"): tells our files
// apart from any other SQLite database.
constexpr int32_t kApplicationId = 0x4E464442;

// kMigrations[v] turns schema version v into version v + 1, so the current
// version is the number of entries. Entries are never edited once released;
// a schema change appends one.
struct Migration {
  const char* sql;
  // Whether the derived tables (mentions, entities, aliases, stories and
  // the derived article columns) must be rebuilt from the stored articles
  // afterwards, in the same transaction.
  bool rebuild_derived;
};

// Version 1: articles and their full-text index.
//
// `seq` is an explicit INTEGER PRIMARY KEY because the full-text index refers
// to rows by rowid, and VACUUM may renumber an implicit rowid; `id` is the
// article's key. The index is an external-content FTS5 table kept in sync by
// triggers, so it stores no second copy of the text.
constexpr char kSchemaV1[] = R"sql(
CREATE TABLE articles (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  source TEXT NOT NULL,
  url TEXT NOT NULL,
  title TEXT NOT NULL,
  body TEXT NOT NULL,
  published_at TEXT NOT NULL,
  language TEXT NOT NULL,
  story_id TEXT NOT NULL,
  stored_at TEXT NOT NULL,
  article BLOB NOT NULL
);
CREATE INDEX articles_published_at ON articles(published_at);
CREATE INDEX articles_story_id ON articles(story_id);
CREATE VIRTUAL TABLE articles_fts USING fts5(
  title, body, content='articles', content_rowid='seq',
  tokenize='unicode61 remove_diacritics 2');
CREATE TRIGGER articles_fts_after_insert AFTER INSERT ON articles BEGIN
  INSERT INTO articles_fts(rowid, title, body)
    VALUES (new.seq, new.title, new.body);
END;
CREATE TRIGGER articles_fts_after_delete AFTER DELETE ON articles BEGIN
  INSERT INTO articles_fts(articles_fts, rowid, title, body)
    VALUES ('delete', old.seq, old.title, old.body);
END;
CREATE TRIGGER articles_fts_after_update AFTER UPDATE OF title, body
    ON articles WHEN old.title IS NOT new.title OR old.body IS NOT new.body
BEGIN
  INSERT INTO articles_fts(articles_fts, rowid, title, body)
    VALUES ('delete', old.seq, old.title, old.body);
  INSERT INTO articles_fts(rowid, title, body)
    VALUES (new.seq, new.title, new.body);
END;
)sql";

// Version 2: the entity catalogue, mentions, stories, dead letters, and the
// derived article columns searches filter on (outlet; seen_at, Unix
// seconds of published_at or else ingested_at).
constexpr char kSchemaV2[] = R"sql(
ALTER TABLE articles ADD COLUMN outlet TEXT NOT NULL DEFAULT '';
ALTER TABLE articles ADD COLUMN seen_at INTEGER;
CREATE INDEX articles_seen_at ON articles(seen_at);
CREATE INDEX articles_source ON articles(source);
CREATE TABLE entities (
  canonical_id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  name_key TEXT NOT NULL,
  type TEXT NOT NULL,
  article_count INTEGER NOT NULL,
  mention_count INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX entities_name_key ON entities(name_key);
CREATE INDEX entities_article_count ON entities(article_count);
CREATE TABLE entity_aliases (
  canonical_id TEXT NOT NULL,
  alias TEXT NOT NULL,
  alias_key TEXT NOT NULL,
  article_count INTEGER NOT NULL,
  PRIMARY KEY (canonical_id, alias)
) WITHOUT ROWID;
CREATE INDEX entity_aliases_alias_key ON entity_aliases(alias_key);
CREATE TABLE mentions (
  canonical_id TEXT NOT NULL,
  article_seq INTEGER NOT NULL REFERENCES articles(seq) ON DELETE CASCADE,
  mentions INTEGER NOT NULL,
  PRIMARY KEY (canonical_id, article_seq)
) WITHOUT ROWID;
CREATE INDEX mentions_article_seq ON mentions(article_seq);
CREATE TABLE stories (
  id TEXT PRIMARY KEY,
  first_seen INTEGER,
  last_seen INTEGER,
  article_count INTEGER NOT NULL,
  outlets TEXT NOT NULL,
  headline TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX stories_last_seen ON stories(last_seen);
CREATE TABLE dead_letters (
  id INTEGER PRIMARY KEY,
  stage TEXT NOT NULL,
  reason TEXT NOT NULL,
  raw BLOB NOT NULL,
  at TEXT NOT NULL
);
)sql";

// Version 3: faster inserts and cheaper row reads; the same data.
//  - The code, not triggers, keeps the full-text index in step, once per
//    batch: FTS5 writes its pending terms out as a new segment at every
//    statement savepoint, and the article upsert is such a statement, so
//    the insert trigger made one tiny segment per article, and merging them
//    was most of an insert's cost. The delete trigger stays for rows deleted
//    by hand.
//  - The articles table is rebuilt with its small columns first: SQLite
//    reads a row's columns in order, and version 2 had appended outlet and
//    seen_at after the body and the serialized article, so reading them
//    walked the row's overflow pages.
//  - The story index covers what story summaries and story listings read
//    (time, whether the time is stated, outlet), so neither reads rows; the
//    published_at index, unread since version 2, is gone.
//  - Mentions carry their article's time, indexed per entity, so an
//    entity's newest articles are the last entries of one index range
//    instead of every mention's article read and sorted.
// The copy keeps every seq, so the full-text index stays valid. It runs
// with foreign keys off (PrepareSchema), so dropping the old table does not
// cascade into mentions.
constexpr char kSchemaV3[] = R"sql(
CREATE TABLE articles_v3 (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  seen_at INTEGER,
  story_id TEXT NOT NULL,
  source TEXT NOT NULL,
  outlet TEXT NOT NULL,
  published_at TEXT NOT NULL,
  language TEXT NOT NULL,
  stored_at TEXT NOT NULL,
  url TEXT NOT NULL,
  title TEXT NOT NULL,
  body TEXT NOT NULL,
  article BLOB NOT NULL
);
INSERT INTO articles_v3 (seq, id, seen_at, story_id, source, outlet,
                         published_at, language, stored_at, url, title, body,
                         article)
  SELECT seq, id, seen_at, story_id, source, outlet, published_at, language,
         stored_at, url, title, body, article FROM articles ORDER BY seq;
DROP TABLE articles;
ALTER TABLE articles_v3 RENAME TO articles;
CREATE INDEX articles_seen_at ON articles(seen_at);
CREATE INDEX articles_source ON articles(source);
CREATE INDEX articles_story ON articles(story_id, seen_at, published_at,
                                        outlet);
CREATE TRIGGER articles_fts_after_delete AFTER DELETE ON articles BEGIN
  INSERT INTO articles_fts(articles_fts, rowid, title, body)
    VALUES ('delete', old.seq, old.title, old.body);
END;
ALTER TABLE mentions ADD COLUMN seen_at INTEGER;
UPDATE mentions SET seen_at =
  (SELECT seen_at FROM articles WHERE seq = mentions.article_seq);
CREATE INDEX mentions_newest ON mentions(canonical_id, seen_at, article_seq);
)sql";

// Version 4: each alias keeps the rule that first joined it to its entity
// (Entity.alias_rules); rows stored before say nothing ('').
constexpr char kSchemaV4[] = R"sql(
ALTER TABLE entity_aliases ADD COLUMN join_rule TEXT NOT NULL DEFAULT '';
)sql";

// Version 6: the full-text index moves to a file of its own
// (SqliteSearchIndexPath), filled from the committed articles by an indexer
// thread (SearchIndexer below), so that indexing runs beside the store's
// commits instead of inside them: SQLite lets one connection at a time
// write a file. `reindex` lists, in order, the stored articles whose text
// changed after they were first stored (new articles are found by seq);
// the indexer records how far it got in its own file.
constexpr char kSchemaV6[] = R"sql(
DROP TRIGGER IF EXISTS articles_fts_after_delete;
DROP TABLE IF EXISTS articles_fts;
CREATE TABLE IF NOT EXISTS reindex (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  seq INTEGER NOT NULL
);
)sql";

constexpr Migration kMigrations[] = {
    {kSchemaV1, false},
    {kSchemaV2, true},
    {kSchemaV3, false},
    {kSchemaV4, false},
    // Version 5 changed PostgreSQL's schema only (its mentions carry their
    // article's time, as SQLite's have since version 3).
    {"", false},
    {kSchemaV6, false},
};
static_assert(sizeof(kMigrations) / sizeof(kMigrations[0]) ==
                  kArticleDbSchemaVersion,
              "one migration per schema version");
constexpr int kSchemaVersion = kArticleDbSchemaVersion;

constexpr int kBusyTimeoutMs = 5000;
// The indexer's wait for the search index's write lock: an idle merge step
// (IdleIndexMerger, another replica's) holds it for the whole list of the
// term it reaches, up to about 3 s at 1M articles and growing with the
// store, so the indexer waits far longer than other connections before it
// counts a step as failed.
constexpr int kIndexerBusyTimeoutMs = 60000;
// How long the checkpoint thread tries again a checkpoint that a
// reader's snapshot kept from copying every frame (the indexer's reads end
// within this): a next big batch waits for it, so that its WAL restarts
// and the last batch's frames were synced before it begins.
constexpr int kFramesLeftRetryMs = 250;
// Stored articles the search index may lag behind before the store waits
// for it (at the indexer's 10,000 to 20,000 articles/s, a few seconds).
constexpr int64_t kMaxIndexLag = 50000;
// Checkpoints of the articles file, in WAL pages (4 KiB). A store commit
// that leaves the WAL at kStoreCheckpointPages or more (SQLite's default
// automatic checkpoint) while writing fewer itself asks the checkpoint
// thread (SearchIndexer) for a passive checkpoint instead of copying the
// pages inside the commit (SqliteArticleDb::AfterCommit); after a commit
// that wrote that many itself, the next batch waits for that checkpoint
// before it begins, so that the WAL restarts. A commit that finds the WAL
// at kStoreCheckpointBackstopPages or more (the thread did not keep up)
// checkpoints itself, which bounds the WAL's size (a WAL that grew stays
// that big on disk until it is emptied).
constexpr int kStoreCheckpointPages = 1000;
constexpr int kStoreCheckpointBackstopPages = 4 * kStoreCheckpointPages;
// What AfterCommit decided, over the process (SqliteCheckpointCountsForTest).
std::atomic<int64_t> hand_overs{0};
std::atomic<int64_t> inline_checkpoints{0};
// Full-text lookups of runs of an entity's articles (SeqRuns), for tests.
std::atomic<int64_t> entity_lookups{0};
// Stored articles read by id to store a new version (StoreBatch).
std::atomic<int64_t> stored_article_reads{0};
// Articles read per step while rebuilding derived tables.
constexpr int kRebuildChunk = 500;
// Words in the snippet of a hit found without a text query.
constexpr int kLeadSnippetWords = 30;

// The `article` column holds the serialized article without its title and
// body (since version 6; before, with them): they are the row's own
// columns, and storing them twice doubled what a commit writes. Readers
// put them back (ReadStoredArticle).
constexpr char kFindSql[] =
    "SELECT seq, article, title, body FROM articles WHERE id = ?1";

// The search index file (SqliteSearchIndexPath): the searchable text of
// every indexed article and its FTS5 index (an external-content table over
// that text, so that FTS5 is told the old text of a changed article rather
// than a DELETE statement making it write a segment), and how far the
// indexer got: `seq`, every article up to this seq; `reindex`, every
// articles-file reindex row up to this id. Written by the indexer only.
constexpr char kIndexSchemaSql[] = R"sql(
CREATE TABLE IF NOT EXISTS search_text (
  seq INTEGER PRIMARY KEY,
  title TEXT NOT NULL,
  body TEXT NOT NULL%ENTITY_TEXT_COLUMN%
);
CREATE VIRTUAL TABLE IF NOT EXISTS articles_fts USING fts5(
  title, body%ENTITY_COLUMN%, content='search_text', content_rowid='seq',
  tokenize='%TOKENIZE%');
CREATE TABLE IF NOT EXISTS indexed (
  name TEXT PRIMARY KEY,
  upto INTEGER NOT NULL
) WITHOUT ROWID;
INSERT OR IGNORE INTO indexed (name, upto) VALUES ('seq', 0), ('reindex', 0);
)sql";
// With entity tokens (the index's other form, OpenOptions::EntityTokens),
// both tables have a third column, entity_ids: each canonical id the
// article mentions as one token (EntityIdToken), which no text can match
// (see kEntityTokenMark); ranks leave it out (a NULL weight). The
// %ENTITY_...% parts below are that column's, or empty (FormSql).
// %TOKENIZE% is the form's (kWordsTokenize or kWordPairsTokenize,
// sqlite_pair_tokenizer.h); an index whose articles_fts another tokenize
// option made is made again and rebuilt from the articles, as an index reset
// below, when the store asks for the other form; until then a read-only
// store queries it as it is (the pair tokenizer leaves a list it does not
// know alone).
constexpr char kIndexTokenizeSql[] =
    "SELECT sql FROM main.sqlite_schema WHERE name = 'articles_fts'";
// An index left from an earlier articles file of the same name (or from
// before version 6) is emptied when the articles file is created or
// migrated, so it is rebuilt from the articles.
constexpr char kIndexResetSql[] =
    "DELETE FROM search_text; "
    "INSERT INTO articles_fts(articles_fts) VALUES ('delete-all'); "
    "UPDATE indexed SET upto = 0;";
// Whether the index's marks are past what the articles file holds: both
// files sync at their own moments (synchronous = NORMAL), so after a power
// loss the index may keep articles the articles file lost, whose seqs (and
// reindex ids) would then be given again and never indexed. The index is
// then reset. Reindex ids come from AUTOINCREMENT (sqlite_sequence): the
// rows themselves go once indexed.
constexpr char kIndexAheadSql[] =
    "SELECT (SELECT upto FROM main.indexed WHERE name = 'seq') > "
    "(SELECT coalesce(max(seq), 0) FROM store.articles) OR "
    "(SELECT upto FROM main.indexed WHERE name = 'reindex') > "
    "coalesce((SELECT seq FROM store.sqlite_sequence "
    "WHERE name = 'reindex'), 0)";

// The indexer's reads of the articles file (attached read-only as `store`):
// new articles in seq order, and the articles whose text changed.
constexpr char kUnindexedSql[] =
    "SELECT a.seq, a.title, a.body%ENTITY_TOKENS_OF_A% FROM store.articles AS "
    "a WHERE a.seq > ?1 ORDER BY a.seq LIMIT ?2";
constexpr char kReindexSql[] =
    "SELECT r.id, r.seq, a.title, a.body%ENTITY_TOKENS_OF_A% FROM "
    "store.reindex AS r LEFT JOIN store.articles AS a ON a.seq = r.seq "
    "WHERE r.id > ?1 ORDER BY r.id LIMIT ?2";
constexpr char kIndexedUptoSql[] = "SELECT upto FROM indexed WHERE name = ?1";
constexpr char kSetIndexedUptoSql[] =
    "UPDATE indexed SET upto = ?2 WHERE name = ?1";
constexpr char kOldTextSql[] =
    "SELECT title, body%ENTITY_COLUMN% FROM search_text WHERE seq = ?1";
constexpr char kDeleteTextSql[] = "DELETE FROM search_text WHERE seq = ?1";
constexpr char kInsertTextSql[] =
    "INSERT INTO search_text (seq, title, body%ENTITY_COLUMN%) VALUES (?1, "
    "?2, ?3%ENTITY_VALUE%)";
// Each is a statement of its own with no statement transaction, so FTS5
// keeps a step's terms in memory and writes them out as one segment at the
// commit: a statement that opens a savepoint (any write to an ordinary
// table once FTS5 joined the transaction) makes FTS5 write out a segment,
// so a step writes its other tables first. (Version 2's trigger ran inside
// each article's upsert and made a segment per article.)
constexpr char kFtsDeleteSql[] =
    "INSERT INTO articles_fts(articles_fts, rowid, title, body"
    "%ENTITY_COLUMN%) VALUES ('delete', ?1, ?2, ?3%ENTITY_VALUE%)";
constexpr char kFtsInsertSql[] =
    "INSERT INTO articles_fts(rowid, title, body%ENTITY_COLUMN%) VALUES (?1, "
    "?2, ?3%ENTITY_VALUE%)";

// The first character of every entity token: U+E000, a private-use
// character, which unicode61 keeps in a token (category Co) and no text
// holds by accident. Only a query text holding it could match a token (as
// a word or a prefix): Search keeps such a text to the text columns, so
// other texts need no column filter, which FTS5 would check at each match.
constexpr absl::string_view kEntityTokenMark = "\xEE\x80\x80";

// The entity token of canonical id `id`: kEntityTokenMark and the id's
// bytes in lowercase hex (one unicode61 token whatever the id holds).
std::string EntityIdToken(absl::string_view id) {
  return absl::StrCat(kEntityTokenMark, absl::BytesToHexString(id));
}

// Whether two articles' contributions (EntityContributions, sorted by id)
// name the same canonical ids.
bool SameCanonicalIds(const std::vector<EntityContribution>& a,
                      const std::vector<EntityContribution>& b) {
  return std::equal(
      a.begin(), a.end(), b.begin(), b.end(),
      [](const EntityContribution& x, const EntityContribution& y) {
        return x.canonical_id == y.canonical_id;
      });
}

// The FTS5 query matching `text` in articles matched by `entity_match`
// (EntityTokensMatch): `text`'s phrases come first, so a rank numbers them
// as for `text` alone.
std::string TextAndEntity(absl::string_view text,
                          absl::string_view entity_match) {
  return absl::StrCat("(", text, ") AND ", entity_match);
}

// Whether `declared`, the SQL that created articles_fts, has entity tokens.
bool DeclaresEntityTokens(absl::string_view declared) {
  return absl::StrContains(declared, "entity_ids");
}

// The SQL of the index's statements and schema above for its form: with
// entity tokens or without.
std::string FormSql(absl::string_view sql, bool entity_tokens) {
  if (!entity_tokens) {
    return absl::StrReplaceAll(sql, {{"%ENTITY_TEXT_COLUMN%", ""},
                                     {"%ENTITY_COLUMN%", ""},
                                     {"%ENTITY_VALUE%", ""},
                                     {"%ENTITY_TOKENS_OF_A%", ", ''"}});
  }
  // EntityIdToken in SQL: U+E000 is char(57344).
  return absl::StrReplaceAll(
      sql, {{"%ENTITY_TEXT_COLUMN%", ",\n  entity_ids TEXT NOT NULL"},
            {"%ENTITY_COLUMN%", ", entity_ids"},
            {"%ENTITY_VALUE%", ", ?4"},
            {"%ENTITY_TOKENS_OF_A%",
             ", coalesce((SELECT group_concat(char(57344) || "
             "lower(hex(m.canonical_id)), ' ') FROM store.mentions AS m "
             "WHERE m.article_seq = a.seq), '')"}});
}

// The store's side of the index: a stored article whose text changed is
// queued for the indexer in the same transaction; rows the indexer is past
// go at the next batch.
constexpr char kQueueReindexSql[] = "INSERT INTO reindex (seq) VALUES (?1)";
// The first statement of a batch's transaction, a write, so that the
// transaction (BEGIN DEFERRED, see UpsertBatch) takes the articles file's
// write lock at once and nothing of the search index.
constexpr char kDropReindexedSql[] = "DELETE FROM reindex WHERE id <= ?1";

// An article's row: inserted before anything is looked up (most articles
// of a stream are new, and a lookup by id first was a second descent of
// the id index); an id already stored inserts nothing, and that article is
// then read (kFindSql) and updated in place, keeping its seq, or only
// touched when unchanged. Not an upsert with RETURNING, which buffers its
// rows, nor one that updates, which would need the stored version first.
constexpr char kInsertArticleSql[] = R"sql(
INSERT INTO articles (id, source, url, title, body, published_at, language,
                      story_id, stored_at, article, outlet, seen_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
ON CONFLICT(id) DO NOTHING
)sql";
constexpr char kUpdateArticleSql[] = R"sql(
UPDATE articles SET
  source = ?2, url = ?3, title = ?4, body = ?5, published_at = ?6,
  language = ?7, story_id = ?8, stored_at = ?9, article = ?10, outlet = ?11,
  seen_at = ?12
WHERE seq = ?13
)sql";

constexpr char kTouchSql[] =
    "UPDATE articles SET stored_at = ?2 WHERE seq = ?1";

constexpr char kDeleteMentionsSql[] =
    "DELETE FROM mentions WHERE article_seq = ?1";
constexpr char kInsertMentionSql[] =
    "INSERT INTO mentions (canonical_id, article_seq, mentions, seen_at) "
    "VALUES (?1, ?2, ?3, ?4)";

// An entity delta; an empty name keeps the stored name and type.
constexpr char kEntityDeltaSql[] = R"sql(
INSERT INTO entities (canonical_id, name, name_key, type, article_count,
                      mention_count)
VALUES (?1, ?2, ?3, ?4, ?5, ?6)
ON CONFLICT(canonical_id) DO UPDATE SET
  name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE name END,
  name_key = CASE WHEN excluded.name <> '' THEN excluded.name_key
             ELSE name_key END,
  type = CASE WHEN excluded.name <> '' THEN excluded.type ELSE type END,
  article_count = article_count + excluded.article_count,
  mention_count = mention_count + excluded.mention_count
)sql";
constexpr char kDropEntitySql[] =
    "DELETE FROM entities WHERE canonical_id = ?1 AND article_count <= 0";

constexpr char kAliasDeltaSql[] = R"sql(
INSERT INTO entity_aliases (canonical_id, alias, alias_key, article_count,
                            join_rule)
VALUES (?1, ?2, ?3, ?4, ?5)
ON CONFLICT(canonical_id, alias) DO UPDATE SET
  article_count = article_count + excluded.article_count,
  join_rule = CASE WHEN join_rule = '' THEN excluded.join_rule
              ELSE join_rule END
)sql";
constexpr char kDropAliasSql[] =
    "DELETE FROM entity_aliases WHERE canonical_id = ?1 AND alias = ?2 AND "
    "article_count <= 0";

// A story's summary, from its articles. The span covers the times its
// articles state (ingest times only when none states one: an undated
// report read months later must not stretch an event over months). The
// headline is the title of the earliest article (unknown times last, then
// first stored). Everything but the headline's title comes from the
// articles_story index.
constexpr char kStorySql[] = R"sql(
INSERT INTO stories (id, first_seen, last_seen, article_count, outlets,
                     headline)
SELECT ?1,
  coalesce(min(CASE WHEN published_at <> '' THEN seen_at END), min(seen_at)),
  coalesce(max(CASE WHEN published_at <> '' THEN seen_at END), max(seen_at)),
  count(*),
  coalesce((SELECT group_concat(outlet, char(10)) FROM
            (SELECT DISTINCT outlet FROM articles
             WHERE story_id = ?1 AND outlet <> '' ORDER BY outlet)), ''),
  coalesce((SELECT title FROM articles WHERE seq =
            (SELECT seq FROM articles WHERE story_id = ?1
             ORDER BY seen_at IS NULL, seen_at, seq LIMIT 1)), '')
FROM articles WHERE story_id = ?1 GROUP BY story_id
ON CONFLICT(id) DO UPDATE SET
  first_seen = excluded.first_seen, last_seen = excluded.last_seen,
  article_count = excluded.article_count, outlets = excluded.outlets,
  headline = excluded.headline
)sql";
// A story that a batch starts: its summary computed from the batch's own
// articles (SummarizeStory), written only when the story has no row, i.e.
// no article stored before (every story with articles has one).
constexpr char kNewStorySql[] = R"sql(
INSERT INTO stories (id, first_seen, last_seen, article_count, outlets,
                     headline)
VALUES (?1, ?2, ?3, ?4, ?5, ?6)
ON CONFLICT(id) DO NOTHING
)sql";
constexpr char kDropStorySql[] =
    "DELETE FROM stories WHERE id = ?1 AND NOT EXISTS "
    "(SELECT 1 FROM articles WHERE story_id = ?1)";

constexpr char kCountSql[] = "SELECT count(*) FROM articles";
constexpr char kGetSql[] =
    "SELECT article, title, body, stored_at FROM articles WHERE id = ?1";

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct StatementFinalizer {
  void operator()(sqlite3_stmt* statement) const {
    sqlite3_finalize(statement);
  }
};
using DbHandle = std::unique_ptr<sqlite3, DbCloser>;
using Statement = std::unique_ptr<sqlite3_stmt, StatementFinalizer>;

// Resets a statement when leaving a scope: an unreset statement keeps its
// read transaction, which would pin an old snapshot and block checkpoints.
class ResetOnExit {
 public:
  explicit ResetOnExit(sqlite3_stmt* statement) : statement_(statement) {}
  ~ResetOnExit() {
    sqlite3_reset(statement_);
    sqlite3_clear_bindings(statement_);
  }
  ResetOnExit(const ResetOnExit&) = delete;
  ResetOnExit& operator=(const ResetOnExit&) = delete;

 private:
  sqlite3_stmt* statement_;
};

// Maps an SQLite result code to the closest absl status code.
absl::StatusCode StatusCodeOf(int result, int system_errno) {
  switch (result & 0xff) {
    case SQLITE_FULL:
    case SQLITE_NOMEM:
      return absl::StatusCode::kResourceExhausted;
    case SQLITE_CORRUPT:
      return absl::StatusCode::kDataLoss;
    case SQLITE_NOTADB:
      return absl::StatusCode::kFailedPrecondition;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return absl::StatusCode::kUnavailable;
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_AUTH:
      return absl::StatusCode::kPermissionDenied;
    case SQLITE_CANTOPEN:
      if (system_errno == ENOENT) return absl::StatusCode::kNotFound;
      if (system_errno == EACCES || system_errno == EPERM) {
        return absl::StatusCode::kPermissionDenied;
      }
      return absl::StatusCode::kUnavailable;
    case SQLITE_TOOBIG:
    case SQLITE_CONSTRAINT:
    case SQLITE_MISMATCH:
    case SQLITE_RANGE:
      return absl::StatusCode::kInvalidArgument;
    case SQLITE_INTERRUPT:
    case SQLITE_ABORT:
      return absl::StatusCode::kAborted;
    default:
      return absl::StatusCode::kInternal;
  }
}

std::string ColumnText(sqlite3_stmt* statement, int column) {
  const unsigned char* text = sqlite3_column_text(statement, column);
  if (text == nullptr) return std::string();
  return std::string(
      reinterpret_cast<const char*>(text),
      static_cast<size_t>(sqlite3_column_bytes(statement, column)));
}

std::string ColumnBlob(sqlite3_stmt* statement, int column) {
  const void* blob = sqlite3_column_blob(statement, column);
  const int size = sqlite3_column_bytes(statement, column);
  if (blob == nullptr || size <= 0) return std::string();
  return std::string(static_cast<const char*>(blob), static_cast<size_t>(size));
}

std::optional<int64_t> ColumnOptionalInt(sqlite3_stmt* statement, int column) {
  if (sqlite3_column_type(statement, column) == SQLITE_NULL) {
    return std::nullopt;
  }
  return sqlite3_column_int64(statement, column);
}

// Parses the stored article in column `column` of `statement`, its title
// and body from the two columns after it (see kFindSql); false when the
// bytes are not an article.
bool ReadStoredArticle(sqlite3_stmt* statement, int column,
                       v1::Article* article) {
  const void* blob = sqlite3_column_blob(statement, column);
  const int size = sqlite3_column_bytes(statement, column);
  article->Clear();
  if (size > 0 && !article->ParseFromArray(blob, size)) return false;
  // An empty title or body stays in the serialized article (see
  // StoreBatch), so that a field set to "" and one never set stay apart.
  if (sqlite3_column_bytes(statement, column + 1) > 0) {
    article->set_title(ColumnText(statement, column + 1));
  }
  if (sqlite3_column_bytes(statement, column + 2) > 0) {
    article->set_body(ColumnText(statement, column + 2));
  }
  return true;
}

// `article` serialized as the `article` column keeps it: without a
// non-empty title or body (see ReadStoredArticle). Serialized whole and
// those two fields dropped from the bytes, rather than serialized from a
// copy without them: copying the article (its entities, trace) cost more
// than the walk over its top-level fields. Nothing when it cannot be
// serialized.
std::optional<std::string> SerializeWithoutText(const v1::Article& article) {
  using google::protobuf::internal::WireFormatLite;
  std::string whole;
  if (!SerializeDeterministically(article, &whole)) return std::nullopt;
  std::string kept;
  kept.reserve(whole.size() - article.title().size() - article.body().size());
  google::protobuf::io::CodedInputStream in(
      reinterpret_cast<const uint8_t*>(whole.data()),
      static_cast<int>(whole.size()));
  while (true) {
    const int start = in.CurrentPosition();
    const uint32_t tag = in.ReadTag();
    if (tag == 0) break;
    const int field = WireFormatLite::GetTagFieldNumber(tag);
    if (!WireFormatLite::SkipField(&in, tag)) return std::nullopt;
    const bool text = (field == v1::Article::kTitleFieldNumber ||
                       field == v1::Article::kBodyFieldNumber) &&
                      WireFormatLite::GetTagWireType(tag) ==
                          WireFormatLite::WIRETYPE_LENGTH_DELIMITED;
    // A tag and a one-byte length: the field was set to "".
    if (text && in.CurrentPosition() - start > 2) continue;
    kept.append(whole, start, in.CurrentPosition() - start);
  }
  return kept;
}

// Binds text that outlives the statement's next step (SQLITE_STATIC).
int BindText(sqlite3_stmt* statement, int index, const std::string& text) {
  return sqlite3_bind_text64(statement, index, text.data(), text.size(),
                             SQLITE_STATIC, SQLITE_UTF8);
}

int BindOptionalInt(sqlite3_stmt* statement, int index,
                    std::optional<int64_t> value) {
  return value ? sqlite3_bind_int64(statement, index, *value)
               : sqlite3_bind_null(statement, index);
}

// The page size of every database this code creates (SQLite's default).
constexpr int kPageSize = 4096;

// Pages in the reserved page cache; 0 while none is.
std::atomic<int64_t> reserved_pages{0};

// See ArticleDbOpenOptions::reserve_sqlite_cache. The pages for a cache of
// `cache_mib` (SQLite counts a page with its header against the size), plus
// a few for the schema and statement journals; the memory is written once
// so that it is resident from the start, not on first use.
void ReservePageCache(int cache_mib) {
  static std::once_flag once;
  std::call_once(once, [cache_mib] {
    int header = 0;
    if (sqlite3_config(SQLITE_CONFIG_PCACHE_HDRSZ, &header) != SQLITE_OK) {
      return;
    }
    const int64_t slot = (kPageSize + header + 7) / 8 * 8;
    const int64_t pages = int64_t{cache_mib} * 1024 * 1024 / slot + 16;
    // Never freed: SQLite uses it until the process ends.
    char* memory = new char[static_cast<size_t>(slot * pages)];
    std::memset(memory, 0, static_cast<size_t>(slot * pages));
    if (sqlite3_config(SQLITE_CONFIG_PAGECACHE, memory, static_cast<int>(slot),
                       static_cast<int>(pages)) != SQLITE_OK) {
      // SQLite is already in use in this process: too late to reserve.
      delete[] memory;
      return;
    }
    reserved_pages = pages;
  });
}

// `path` as an SQLite URI that opens it read-only (connections are opened
// with SQLITE_OPEN_URI so that ATTACH takes one).
std::string ReadOnlyUri(const std::string& path) {
  std::string uri = "file:";
  for (const char c : path) {
    if (c == '%' || c == '?' || c == '#') {
      absl::StrAppend(&uri, absl::StrFormat("%%%02X", static_cast<int>(c)));
    } else {
      uri += c;
    }
  }
  return uri + "?mode=ro";
}

// The full-text index's structure record (row 10 of its _data table, see
// Fts5SegmentCount) in *structure, "" when there is none; a SQLite result.
int ReadIndexStructure(sqlite3* db, std::string* structure) {
  sqlite3_stmt* raw = nullptr;
  int result = sqlite3_prepare_v2(
      db, "SELECT block FROM articles_fts_data WHERE id = 10", -1, &raw,
      nullptr);
  Statement statement(raw);
  if (result != SQLITE_OK) return result;
  result = sqlite3_step(statement.get());
  structure->clear();
  if (result == SQLITE_ROW) {
    structure->assign(
        static_cast<const char*>(sqlite3_column_blob(statement.get(), 0)),
        static_cast<size_t>(sqlite3_column_bytes(statement.get(), 0)));
    return SQLITE_OK;
  }
  return result == SQLITE_DONE ? SQLITE_OK : result;
}

// How far the articles' full-text index got: every article up to `seq`,
// every reindex row up to `reindex`.
struct IndexMark {
  int64_t seq = 0;
  int64_t reindex = 0;
  bool Covers(const IndexMark& other) const {
    return seq >= other.seq && reindex >= other.reindex;
  }
};

// Fills the search index file from the committed articles, on a thread and
// connection of its own, so that the store's commits (and their
// acknowledgements) do not wait for FTS5. Its progress is in the index
// file, committed with the index entries, so after a crash the next
// indexer goes on from there: the index is derived data, and an article is
// safe once the articles file has it.
class SearchIndexer {
 public:
  // Opens (creating when missing) the index of the articles file at
  // `articles_path`, emptied first when `reset` or made again when its form
  // is not `pairs`, and starts indexing what is not yet indexed; `stored` is
  // what the articles file holds now.
  static absl::StatusOr<std::unique_ptr<SearchIndexer>> Start(
      const std::string& articles_path, bool reset, IndexMark stored,
      int cache_mib, ArticleDb::OpenOptions::WordPairs pairs,
      ArticleDb::OpenOptions::EntityTokens entities);
  // Indexes what Stored() reported, then stops; but while the index is
  // still behind what the file held at Start (a rebuild, an old backlog),
  // stops after the step under way: the index's saved marks let the next
  // indexer go on from there, and what this store reported comes after.
  ~SearchIndexer();
  SearchIndexer(const SearchIndexer&) = delete;
  SearchIndexer& operator=(const SearchIndexer&) = delete;

  // The store committed articles up to `stored`: index them.
  void Stored(IndexMark stored);
  // Blocks until everything Stored() reported (and what the file held at
  // Start) is indexed; the indexer's error if it keeps failing meanwhile
  // (kFailuresReported steps in a row).
  absl::Status WaitIndexed();
  // The indexer's error once it keeps failing (kFailuresReported steps in
  // a row), else OK; never blocks.
  absl::Status IndexerStatus();
  // Blocks while over `lag` articles reported since Start are not yet
  // indexed (until the indexer keeps failing, if it does): a backlog of
  // Start's (a rebuild) never holds up the store.
  void WaitLag(int64_t lag);
  // How far the index got, as of the indexer's last step.
  IndexMark Done();
  // Asks the checkpoint thread for a passive checkpoint of the articles
  // file (one pending request at a time; never blocks). Returns the
  // request's number for WaitCheckpointed.
  int64_t CheckpointSoon();
  // Blocks until a checkpoint that began after request `request` ended (or
  // the thread stops); not for later requests, which the indexer makes
  // after each of its steps.
  void WaitCheckpointed(int64_t request);
  // Where a checkpoint of the articles file ran (for its error message).
  enum CheckpointSite { kFirstRead, kCheckpointThread, kStoreCommit };
  // Notes the result of a checkpoint of the articles file at `site` (from
  // either thread): the last failure is kept until a checkpoint succeeds;
  // BUSY and LOCKED (another checkpoint or a reader in the way) are not
  // failures, the next checkpoint retries.
  void NoteCheckpoint(int result, CheckpointSite site);
  // The kept checkpoint failure, naming the file and SQLite's error; OK
  // when there is none.
  absl::Status CheckpointStatus() const;
  // ArticleDb::MergeIndexStep, on the indexer's connection.
  absl::StatusOr<bool> MergeStep(int pages);

 private:
  explicit SearchIndexer(std::string path) : path_(std::move(path)) {}

  absl::Status Error(int result, const std::string& what) const;
  // The tokenize option the index's articles_fts was declared with; empty
  // when there is no articles_fts.
  absl::StatusOr<std::string> IndexTokenize() const;
  // Whether the index's articles_fts was declared with entity tokens.
  absl::StatusOr<bool> IndexHasEntityTokens() const;
  // Prepares the step's statements for an index of that form (with or
  // without entity tokens) and records the form.
  absl::Status PrepareStatements(bool entity_tokens);
  absl::Status Exec(const char* sql, const std::string& what);
  void Run();
  // The checkpoint thread: a passive checkpoint per CheckpointSoon().
  void RunCheckpoints();
  // A passive checkpoint of the articles file, tried again while another
  // checkpoint of it runs (another ArticleDb's on the same file: PASSIVE
  // returns BUSY at once and never calls the busy handler), for up to
  // kBusyTimeoutMs, and while a reader's snapshot keeps it from copying
  // every frame (see kFramesLeftRetryMs); not once the thread stops. Its
  // result.
  int CheckpointRetryingBusy();
  // Indexes up to kStepArticles articles in one transaction; whether there
  // may be more.
  absl::StatusOr<bool> Step();
  // MergeStep's work, inside its transaction holding the index's write lock.
  absl::StatusOr<bool> MergeStepLocked(int pages, const std::string& what);

  // Articles (new or changed) indexed per transaction, at most.
  static constexpr int kStepArticles = 2000;
  // Makes the checkpoint connection read the articles file, which a
  // checkpoint needs first (see Start); whether it did.
  bool ReadForCheckpoints();

  // Failed steps in a row (a second apart) before waiters get the error: a
  // busy or briefly full disk clears by the next retry.
  static constexpr int kFailuresReported = 3;

  // Whether waiters give up: the indexer keeps failing, or is stopping.
  bool Failing() const { return failures_ >= kFailuresReported || stop_; }

  const std::string path_;
  // The articles file (path_ is its index).
  std::string articles_path_;
  // A connection to the articles file that only checkpoints it (see
  // kStoreCheckpointPages); used by the checkpoint thread alone.
  DbHandle checkpointer_;
  // Whether checkpointer_ has read the file (ReadForCheckpoints).
  bool checkpointer_read_ = false;
  // The last failed checkpoint (NoteCheckpoint): its CheckpointSite in the
  // high 32 bits, SQLite's result in the low ones; 0 when there is none.
  // One atomic, so that a reader never pairs a site with another's result.
  std::atomic<int64_t> checkpoint_failure_{0};
  std::mutex checkpoint_mu_;
  std::condition_variable checkpoint_wanted_changed_;
  std::condition_variable checkpoint_ended_;
  bool checkpoint_wanted_ = false;
  // CheckpointSoon's requests so far, and the last one a checkpoint that
  // ended had begun after.
  int64_t checkpoint_requests_ = 0;
  int64_t checkpointed_request_ = 0;
  bool checkpoint_stop_ = false;
  // CheckpointRetryingBusy's: a reader kept frames from being copied for
  // longer than it retries (checkpoint thread only).
  bool reader_outlasted_retries_ = false;
  // Step()'s reads of the articles file begun plus ended: odd while one is
  // under way (IndexerReadScope). A checkpoint that overlapped one may have
  // been kept by it, a short read, rather than by a long reader.
  std::atomic<int64_t> articles_reads_{0};
  std::thread checkpoint_thread_;
  // The connection and its statements; held by a step or a merge step.
  std::mutex db_mu_;
  DbHandle db_;
  Statement unindexed_;
  Statement reindex_;
  Statement upto_;
  Statement set_upto_;
  Statement old_text_;
  Statement delete_text_;
  Statement insert_text_;
  Statement fts_delete_;
  Statement fts_insert_;
  // The index's form: whether its rows hold entity tokens (Start).
  bool entity_tokens_ = false;

  std::mutex mu_;
  std::condition_variable changed_;
  // What the articles file held at Start and what Stored() reported since;
  // `reported_` the latter alone (what the destructor waits for).
  IndexMark wanted_;
  IndexMark reported_;
  // What the file held at Start.
  IndexMark backlog_;
  IndexMark done_;
  // Whether a step ended, so that done_ is the index's own mark.
  bool stepped_ = false;
  bool more_ = true;
  bool stop_ = false;
  // The last step's error, and how many steps in a row failed.
  absl::Status error_;
  int failures_ = 0;
  std::thread thread_;
};

absl::Status SearchIndexer::Error(int result, const std::string& what) const {
  const int system_errno = sqlite3_system_errno(db_.get());
  return absl::Status(
      StatusCodeOf(result, system_errno),
      absl::StrCat(path_, ": ", what, ": ", sqlite3_errmsg(db_.get())));
}

absl::Status SearchIndexer::Exec(const char* sql, const std::string& what) {
  const int result = sqlite3_exec(db_.get(), sql, nullptr, nullptr, nullptr);
  if (result != SQLITE_OK) return Error(result, what);
  return absl::OkStatus();
}

absl::StatusOr<std::string> SearchIndexer::IndexTokenize() const {
  sqlite3_stmt* raw = nullptr;
  int step =
      sqlite3_prepare_v2(db_.get(), kIndexTokenizeSql, -1, &raw, nullptr);
  Statement statement(raw);
  if (step == SQLITE_OK) step = sqlite3_step(raw);
  if (step == SQLITE_DONE) return std::string();
  if (step != SQLITE_ROW) return Error(step, "reading the search index");
  const auto* sql = reinterpret_cast<const char*>(sqlite3_column_text(raw, 0));
  const absl::string_view declared = sql == nullptr ? "" : sql;
  constexpr absl::string_view kOption = "tokenize='";
  const size_t start = declared.find(kOption);
  if (start == absl::string_view::npos) return std::string("?");
  const absl::string_view option = declared.substr(start + kOption.size());
  return std::string(option.substr(0, option.find('\'')));
}

absl::StatusOr<bool> SearchIndexer::IndexHasEntityTokens() const {
  sqlite3_stmt* raw = nullptr;
  int step =
      sqlite3_prepare_v2(db_.get(), kIndexTokenizeSql, -1, &raw, nullptr);
  Statement statement(raw);
  if (step == SQLITE_OK) step = sqlite3_step(raw);
  if (step == SQLITE_DONE) return false;
  if (step != SQLITE_ROW) return Error(step, "reading the search index");
  const auto* sql = reinterpret_cast<const char*>(sqlite3_column_text(raw, 0));
  return sql != nullptr && DeclaresEntityTokens(sql);
}

absl::Status SearchIndexer::PrepareStatements(bool entity_tokens) {
  const std::pair<Statement*, const char*> statements[] = {
      {&unindexed_, kUnindexedSql},    {&reindex_, kReindexSql},
      {&upto_, kIndexedUptoSql},       {&set_upto_, kSetIndexedUptoSql},
      {&old_text_, kOldTextSql},       {&delete_text_, kDeleteTextSql},
      {&insert_text_, kInsertTextSql}, {&fts_delete_, kFtsDeleteSql},
      {&fts_insert_, kFtsInsertSql},
  };
  for (const auto& [statement, form_sql] : statements) {
    const std::string sql = FormSql(form_sql, entity_tokens);
    sqlite3_stmt* prepared = nullptr;
    const int prepare =
        sqlite3_prepare_v3(db_.get(), sql.c_str(), -1,
                           SQLITE_PREPARE_PERSISTENT, &prepared, nullptr);
    statement->reset(prepared);
    if (prepare != SQLITE_OK) {
      return Error(prepare, absl::StrCat("preparing \"", sql, "\""));
    }
  }
  // Recorded once every statement is ready, so a failed prepare is tried
  // again at the next step.
  entity_tokens_ = entity_tokens;
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<SearchIndexer>> SearchIndexer::Start(
    const std::string& articles_path, bool reset, IndexMark stored,
    int cache_mib, ArticleDb::OpenOptions::WordPairs pairs,
    ArticleDb::OpenOptions::EntityTokens entities) {
  std::unique_ptr<SearchIndexer> indexer(
      new SearchIndexer(SqliteSearchIndexPath(articles_path)));
  sqlite3* raw = nullptr;
  const int result =
      sqlite3_open_v2(indexer->path_.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                          SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI,
                      nullptr);
  indexer->db_.reset(raw);
  if (result != SQLITE_OK) {
    if (raw == nullptr) {
      return absl::ResourceExhaustedError(
          absl::StrCat(indexer->path_, ": cannot open the search index"));
    }
    return indexer->Error(result, "opening the search index");
  }
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, kIndexerBusyTimeoutMs);
  // Same durability as the articles: see README, Acknowledgements.
  const std::string setup = absl::StrCat(
      "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; ",
      cache_mib > 0
          ? absl::StrCat("PRAGMA cache_size = -", cache_mib * 1024, "; ")
          : "",
      "ATTACH DATABASE '",
      absl::StrReplaceAll(ReadOnlyUri(articles_path), {{"'", "''"}}),
      "' AS store; BEGIN IMMEDIATE; ");
  auto fail = [raw](absl::Status status) {
    if (sqlite3_get_autocommit(raw) == 0) {
      sqlite3_exec(raw, "ROLLBACK", nullptr, nullptr, nullptr);
    }
    return status;
  };
  const std::string what = "creating the search index";
  if (auto status = RegisterPairTokenizer(raw); !status.ok()) {
    return absl::Status(status.code(),
                        absl::StrCat(indexer->path_, ": ", status.message()));
  }
  if (auto status = indexer->Exec(setup.c_str(), what); !status.ok()) {
    return fail(status);
  }
  absl::StatusOr<std::string> declared = indexer->IndexTokenize();
  if (!declared.ok()) return fail(declared.status());
  using WordPairs = ArticleDb::OpenOptions::WordPairs;
  // As indexed keeps the declared form, but this build writes word pairs
  // with its own list only (see DeclaresAnotherPairList).
  std::string tokenize =
      pairs == WordPairs::kWith || DeclaresAnotherPairList(*declared)
          ? kWordPairsTokenize
      : pairs == WordPairs::kWithout || declared->empty() ? kWordsTokenize
                                                          : *declared;
  absl::StatusOr<bool> declared_entities = indexer->IndexHasEntityTokens();
  if (!declared_entities.ok()) return fail(declared_entities.status());
  using EntityTokens = ArticleDb::OpenOptions::EntityTokens;
  const bool entity_tokens = entities == EntityTokens::kWith ||
                             (entities == EntityTokens::kAsIndexed &&
                              (declared->empty() || *declared_entities));
  if (!declared->empty() &&
      (*declared != tokenize || *declared_entities != entity_tokens)) {
    // Searches are partial until it ends: worth a line in the stage's log.
    std::cerr << indexer->path_ << ": rebuilding the search index "
              << (tokenize == kWordPairsTokenize ? "with word pairs"
                                                 : "without word pairs")
              << (entity_tokens ? ", with entity tokens"
                                : ", without entity tokens")
              << " (declared '" << *declared << "'"
              << (*declared_entities ? " with entity tokens" : "")
              << "), articles up to seq " << stored.seq
              << "; searches are partial until it ends\n";
    // The text table goes too: its columns are the index's.
    if (auto status = indexer->Exec(
            "DROP TABLE articles_fts; DROP TABLE IF EXISTS search_text", what);
        !status.ok()) {
      return fail(status);
    }
    reset = true;
  }
  const std::string schema = absl::StrCat(
      FormSql(absl::StrReplaceAll(kIndexSchemaSql, {{"%TOKENIZE%", tokenize}}),
              entity_tokens),
      reset ? kIndexResetSql : "");
  if (auto status = indexer->Exec(schema.c_str(), what); !status.ok()) {
    return fail(status);
  }
  if (!reset) {
    sqlite3_stmt* ahead = nullptr;
    int step = sqlite3_prepare_v2(raw, kIndexAheadSql, -1, &ahead, nullptr);
    Statement ahead_statement(ahead);
    if (step == SQLITE_OK) step = sqlite3_step(ahead);
    if (step != SQLITE_ROW) return fail(indexer->Error(step, what));
    if (sqlite3_column_int64(ahead, 0) != 0) {
      if (auto status = indexer->Exec(kIndexResetSql, what); !status.ok()) {
        return fail(status);
      }
    }
  }
  if (auto status = indexer->Exec("COMMIT", what); !status.ok()) {
    return fail(status);
  }
  if (auto status = indexer->PrepareStatements(entity_tokens); !status.ok()) {
    return status;
  }
  // Another connection on the articles file, for passive checkpoints.
  indexer->articles_path_ = articles_path;
  sqlite3* checkpointer = nullptr;
  const int opened =
      sqlite3_open_v2(articles_path.c_str(), &checkpointer,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
  indexer->checkpointer_.reset(checkpointer);
  if (opened != SQLITE_OK) {
    return absl::Status(
        StatusCodeOf(opened, 0),
        absl::StrCat(articles_path, ": cannot open a connection to checkpoint",
                     checkpointer
                         ? absl::StrCat(": ", sqlite3_errmsg(checkpointer))
                         : ""));
  }
  sqlite3_busy_timeout(checkpointer, kBusyTimeoutMs);
  sqlite3_extended_result_codes(checkpointer, 1);
  // Retried by the checkpoint thread when it fails here.
  indexer->ReadForCheckpoints();
  indexer->wanted_ = stored;
  indexer->backlog_ = stored;
  indexer->checkpoint_thread_ = std::thread(
      [raw_indexer = indexer.get()] { raw_indexer->RunCheckpoints(); });
  indexer->thread_ =
      std::thread([raw_indexer = indexer.get()] { raw_indexer->Run(); });
  return indexer;
}

SearchIndexer::~SearchIndexer() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
  {
    std::lock_guard<std::mutex> lock(checkpoint_mu_);
    checkpoint_stop_ = true;
  }
  checkpoint_wanted_changed_.notify_all();
  if (checkpoint_thread_.joinable()) checkpoint_thread_.join();
  // The store's connection, which closes last, only reads the index, so
  // the index's WAL is folded in here.
  sqlite3_wal_checkpoint_v2(db_.get(), "main", SQLITE_CHECKPOINT_TRUNCATE,
                            nullptr, nullptr);
}

IndexMark SearchIndexer::Done() {
  std::lock_guard<std::mutex> lock(mu_);
  return done_;
}

int64_t SearchIndexer::CheckpointSoon() {
  int64_t request;
  {
    std::lock_guard<std::mutex> lock(checkpoint_mu_);
    checkpoint_wanted_ = true;
    request = ++checkpoint_requests_;
  }
  checkpoint_wanted_changed_.notify_one();
  return request;
}

void SearchIndexer::WaitCheckpointed(int64_t request) {
  std::unique_lock<std::mutex> lock(checkpoint_mu_);
  checkpoint_ended_.wait(lock, [&] {
    return checkpointed_request_ >= request || checkpoint_stop_;
  });
}

bool SearchIndexer::ReadForCheckpoints() {
  if (checkpointer_read_) return true;
  // A connection checkpoints only once it has read the file: until then it
  // does not know the file is in WAL mode, and a checkpoint returns at once
  // having copied nothing.
  const int result = sqlite3_exec(checkpointer_.get(),
                                  "PRAGMA wal_autocheckpoint = 0; "
                                  "SELECT count(*) FROM sqlite_schema",
                                  nullptr, nullptr, nullptr);
  checkpointer_read_ = result == SQLITE_OK;
  if (!checkpointer_read_) {
    NoteCheckpoint(result, kFirstRead);
  }
  return checkpointer_read_;
}

void SearchIndexer::NoteCheckpoint(int result, CheckpointSite site) {
  if ((result & 0xff) == SQLITE_BUSY || (result & 0xff) == SQLITE_LOCKED) {
    return;
  }
  checkpoint_failure_.store(result == SQLITE_OK
                                ? 0
                                : (int64_t{site} << 32) |
                                      static_cast<uint32_t>(result));
}

absl::Status SearchIndexer::CheckpointStatus() const {
  const int64_t failure = checkpoint_failure_.load();
  if (failure == 0) return absl::OkStatus();
  const int result = static_cast<int>(failure & 0xffffffff);
  static constexpr const char* kSites[] = {
      "reading it before its first checkpoint", "on the checkpoint thread",
      "inside a store commit"};
  return absl::Status(
      StatusCodeOf(result, 0),
      absl::StrCat(articles_path_, ": checkpointing the articles file (",
                   kSites[failure >> 32], ") failed: ", sqlite3_errstr(result),
                   "; the articles are safe in its WAL, which grows until a "
                   "checkpoint succeeds"));
}

int SearchIndexer::CheckpointRetryingBusy() {
  // While a reader keeps frames from being copied, retried for
  // kFramesLeftRetryMs; after a reader outlasted that (a long export), not
  // retried for frames left until a checkpoint copies them all again, so
  // that the store does not wait that long at each big batch; but still
  // retried (as long) when this store's own indexer read meanwhile: else
  // the first checkpoint after a long reader ended left the frames the
  // indexer's short read held, and the next batch was appended to the WAL
  // instead of restarting it.
  // The window is counted from the end of the first attempt: that one
  // copies what a long reader held (a WAL past the backstop), which can
  // take longer than the whole window on a slow or busy disk.
  auto start = std::chrono::steady_clock::now();
  bool first_attempt = true;
  while (true) {
    int frames = 0;
    int copied = 0;
    const int64_t reads_before = articles_reads_.load();
    const int result =
        sqlite3_wal_checkpoint_v2(checkpointer_.get(), "main",
                                  SQLITE_CHECKPOINT_PASSIVE, &frames, &copied);
    const bool indexer_read =
        reads_before % 2 == 1 || articles_reads_.load() != reads_before;
    if (first_attempt) {
      first_attempt = false;
      start = std::chrono::steady_clock::now();
    }
    const bool busy = (result & 0xff) == SQLITE_BUSY;
    const bool frames_left = result == SQLITE_OK && copied < frames;
    if (result == SQLITE_OK && !frames_left) reader_outlasted_retries_ = false;
    const auto waited = std::chrono::steady_clock::now() - start;
    // Every frame copied, but an indexer read that began before may still
    // hold a WAL read mark, and then the next commit cannot restart the
    // WAL and appends (readers that begin after a full copy read the file
    // alone and do not stop a restart).
    const bool indexer_holds_wal =
        result == SQLITE_OK && !frames_left && articles_reads_.load() % 2 == 1;
    const bool retry =
        (busy && waited < std::chrono::milliseconds(kBusyTimeoutMs)) ||
        ((indexer_holds_wal ||
          (frames_left && (!reader_outlasted_retries_ || indexer_read))) &&
         waited < std::chrono::milliseconds(kFramesLeftRetryMs));
    if (!retry) {
      if (frames_left) reader_outlasted_retries_ = true;
      return result;
    }
    {
      std::lock_guard<std::mutex> lock(checkpoint_mu_);
      if (checkpoint_stop_) return result;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

void SearchIndexer::RunCheckpoints() {
  std::unique_lock<std::mutex> lock(checkpoint_mu_);
  while (true) {
    checkpoint_wanted_changed_.wait(
        lock, [&] { return checkpoint_wanted_ || checkpoint_stop_; });
    if (checkpoint_stop_) break;
    checkpoint_wanted_ = false;
    const int64_t request = checkpoint_requests_;
    lock.unlock();
    // PASSIVE takes no lock a writer waits for, so it copies the store's
    // committed pages beside its next commits. A failure (another
    // checkpoint running, a full disk) leaves it to the next request, or to
    // the store's backstop (kStoreCheckpointBackstopPages).
    if (ReadForCheckpoints())
      NoteCheckpoint(CheckpointRetryingBusy(), kCheckpointThread);
    lock.lock();
    checkpointed_request_ = request;
    checkpoint_ended_.notify_all();
  }
  checkpoint_ended_.notify_all();
}

void SearchIndexer::Stored(IndexMark stored) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    wanted_.seq = std::max(wanted_.seq, stored.seq);
    wanted_.reindex = std::max(wanted_.reindex, stored.reindex);
    reported_.seq = std::max(reported_.seq, stored.seq);
    reported_.reindex = std::max(reported_.reindex, stored.reindex);
  }
  changed_.notify_all();
}

absl::Status SearchIndexer::WaitIndexed() {
  std::unique_lock<std::mutex> lock(mu_);
  const IndexMark wanted = wanted_;
  changed_.wait(lock, [&] { return done_.Covers(wanted) || Failing(); });
  if (done_.Covers(wanted)) return absl::OkStatus();
  return error_.ok() ? absl::CancelledError(
                           absl::StrCat(path_, ": the search indexer stopped"))
                     : error_;
}

absl::Status SearchIndexer::IndexerStatus() {
  std::lock_guard<std::mutex> lock(mu_);
  return failures_ >= kFailuresReported ? error_ : absl::OkStatus();
}

void SearchIndexer::WaitLag(int64_t lag) {
  std::unique_lock<std::mutex> lock(mu_);
  changed_.wait(lock, [&] {
    return wanted_.seq - std::max(done_.seq, backlog_.seq) <= lag || Failing();
  });
}

void SearchIndexer::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    changed_.wait(lock,
                  [&] { return stop_ || more_ || !done_.Covers(wanted_); });
    // At the end, what this store reported, not an older backlog (a later
    // store goes on with it): a rebuild would hold up the stage's stop.
    if (stop_ && (done_.Covers(reported_) || !error_.ok() ||
                  (stepped_ && !done_.Covers(backlog_)))) {
      break;
    }
    more_ = false;
    lock.unlock();
    absl::StatusOr<bool> more = Step();
    // The step ended its read of the articles file, which may have kept a
    // checkpoint from finishing.
    CheckpointSoon();
    lock.lock();
    if (more.ok()) {
      error_ = absl::OkStatus();
      failures_ = 0;
      more_ = *more;
    } else {
      // Retried after a pause (a busy or full disk may clear); waiters
      // learn of it once it persists (kFailuresReported).
      error_ = more.status();
      ++failures_;
      changed_.notify_all();
      changed_.wait_for(lock, std::chrono::seconds(1), [&] { return stop_; });
      more_ = true;
    }
    changed_.notify_all();
  }
}

// Counts a read of the articles file begun and, at End() or the end of
// the scope (once), ended.
class IndexerReadScope {
 public:
  explicit IndexerReadScope(std::atomic<int64_t>* reads) : reads_(reads) {
    reads_->fetch_add(1);
  }
  ~IndexerReadScope() { End(); }
  IndexerReadScope(const IndexerReadScope&) = delete;
  IndexerReadScope& operator=(const IndexerReadScope&) = delete;
  void End() {
    if (!ended_) reads_->fetch_add(1);
    ended_ = true;
  }

 private:
  std::atomic<int64_t>* reads_;
  bool ended_ = false;
};

absl::StatusOr<bool> SearchIndexer::Step() {
  std::lock_guard<std::mutex> db_lock(db_mu_);
  const std::string what = "indexing articles for search";
  // First the reads, in one read transaction of both files, ended before
  // the index is written: a reader of the articles file held through the
  // writing would keep the store's WAL from restarting at its next commit
  // (it then grows with every batch).
  IndexerReadScope read_scope(&articles_reads_);
  if (auto status = Exec("BEGIN", what); !status.ok()) return status;
  auto fail = [this, &read_scope](absl::Status status) {
    if (sqlite3_get_autocommit(db_.get()) == 0) {
      sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
    }
    read_scope.End();
    return status;
  };
  // Another store on the file may have rebuilt the index in the other form
  // (a replica opened with sqlite_add_entity_tokens): write what it holds.
  absl::StatusOr<bool> has_entity_tokens = IndexHasEntityTokens();
  if (!has_entity_tokens.ok()) return fail(has_entity_tokens.status());
  if (*has_entity_tokens != entity_tokens_) {
    if (auto status = PrepareStatements(*has_entity_tokens); !status.ok()) {
      return fail(status);
    }
  }
  auto read_mark = [this](IndexMark* mark) {
    for (auto [name, value] :
         {std::pair<const char*, int64_t*>{"seq", &mark->seq},
          {"reindex", &mark->reindex}}) {
      sqlite3_stmt* upto = upto_.get();
      ResetOnExit reset(upto);
      sqlite3_bind_text(upto, 1, name, -1, SQLITE_STATIC);
      const int result = sqlite3_step(upto);
      if (result != SQLITE_ROW) return result;
      *value = sqlite3_column_int64(upto, 0);
    }
    return SQLITE_OK;
  };
  IndexMark mark;
  if (int result = read_mark(&mark); result != SQLITE_OK) {
    return fail(Error(result, what));
  }
  const IndexMark start = mark;
  // What to index: new articles, then changed ones (a changed article not
  // yet reached by seq is indexed with its new text when it is).
  struct Text {
    int64_t seq;
    std::string title;
    std::string body;
    // The article's entity tokens (EntityIdToken, space-separated); empty
    // without entity tokens.
    std::string entities;
  };
  std::vector<Text> texts;
  int64_t reindexed = 0;
  {
    sqlite3_stmt* read = unindexed_.get();
    ResetOnExit reset(read);
    sqlite3_bind_int64(read, 1, mark.seq);
    sqlite3_bind_int(read, 2, kStepArticles);
    int result;
    while ((result = sqlite3_step(read)) == SQLITE_ROW) {
      texts.push_back({sqlite3_column_int64(read, 0), ColumnText(read, 1),
                       ColumnText(read, 2), ColumnText(read, 3)});
    }
    if (result != SQLITE_DONE) return fail(Error(result, what));
  }
  const int64_t new_articles = static_cast<int64_t>(texts.size());
  absl::flat_hash_set<int64_t> queued;
  for (const Text& text : texts) queued.insert(text.seq);
  const int64_t new_seq = texts.empty() ? mark.seq : texts.back().seq;
  {
    sqlite3_stmt* read = reindex_.get();
    ResetOnExit reset(read);
    sqlite3_bind_int64(read, 1, mark.reindex);
    sqlite3_bind_int(read, 2, kStepArticles);
    int result;
    while ((result = sqlite3_step(read)) == SQLITE_ROW) {
      ++reindexed;
      const int64_t id = sqlite3_column_int64(read, 0);
      const int64_t seq = sqlite3_column_int64(read, 1);
      mark.reindex = id;
      // Gone (deleted by hand): only its old entry goes.
      const bool exists = sqlite3_column_type(read, 2) != SQLITE_NULL;
      // Read in this step's snapshot: once is enough.
      if (seq > new_seq || !queued.insert(seq).second) continue;
      texts.push_back({seq, exists ? ColumnText(read, 2) : std::string(),
                       exists ? ColumnText(read, 3) : std::string(),
                       exists ? ColumnText(read, 4) : std::string()});
      if (!exists) texts.back().seq = -seq;
    }
    if (result != SQLITE_DONE) return fail(Error(result, what));
  }
  mark.seq = new_seq;
  // DEFERRED, its first statement a write to the index file: that takes
  // the index's write lock at once, so another store's indexer (another
  // process) waits rather than indexing the same articles (when one got in
  // between, this step starts over from where that one ended). IMMEDIATE
  // would also open a read transaction on the attached articles file for
  // the whole write, and the store's WAL could not restart meanwhile.
  // The read ends at the COMMIT, not once the index's write lock is had
  // (another replica's indexer may hold it for up to the busy timeout).
  if (auto status = Exec("COMMIT", what); !status.ok()) return fail(status);
  read_scope.End();
  if (auto status =
          Exec("BEGIN; "
               "UPDATE main.indexed SET upto = upto WHERE name = 'seq'",
               what);
      !status.ok()) {
    return fail(status);
  }
  IndexMark now;
  if (int result = read_mark(&now); result != SQLITE_OK) {
    return fail(Error(result, what));
  }
  if (now.seq != start.seq || now.reindex != start.reindex) {
    fail(absl::OkStatus()).IgnoreError();
    return true;
  }
  // The old entries to remove, read before their text is replaced.
  std::vector<Text> old_texts;
  for (const Text& text : texts) {
    sqlite3_stmt* read = old_text_.get();
    ResetOnExit reset(read);
    sqlite3_bind_int64(read, 1, std::abs(text.seq));
    const int result = sqlite3_step(read);
    if (result == SQLITE_ROW) {
      old_texts.push_back(
          {std::abs(text.seq), ColumnText(read, 0), ColumnText(read, 1),
           entity_tokens_ ? ColumnText(read, 2) : std::string()});
    } else if (result != SQLITE_DONE) {
      return fail(Error(result, what));
    }
  }
  // Ordinary tables first, FTS5 last (see kFtsDeleteSql).
  for (const Text& old : old_texts) {
    ResetOnExit reset(delete_text_.get());
    sqlite3_bind_int64(delete_text_.get(), 1, old.seq);
    const int result = sqlite3_step(delete_text_.get());
    if (result != SQLITE_DONE) return fail(Error(result, what));
  }
  // Runs `statement` on (seq, title, body[, entity tokens]).
  auto write_text = [this](sqlite3_stmt* statement, const Text& text) {
    ResetOnExit reset(statement);
    sqlite3_bind_int64(statement, 1, std::abs(text.seq));
    BindText(statement, 2, text.title);
    BindText(statement, 3, text.body);
    if (entity_tokens_) BindText(statement, 4, text.entities);
    return sqlite3_step(statement);
  };
  for (const Text& text : texts) {
    if (text.seq < 0) continue;
    const int result = write_text(insert_text_.get(), text);
    if (result != SQLITE_DONE) return fail(Error(result, what));
  }
  for (auto [name, value] : {std::pair<const char*, int64_t>{"seq", mark.seq},
                             {"reindex", mark.reindex}}) {
    sqlite3_stmt* set = set_upto_.get();
    ResetOnExit reset(set);
    sqlite3_bind_text(set, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(set, 2, value);
    const int result = sqlite3_step(set);
    if (result != SQLITE_DONE) return fail(Error(result, what));
  }
  // In seq order, an old entry's removal before its new text: FTS5 writes
  // its pending terms out whenever a rowid comes below the last one.
  std::sort(old_texts.begin(), old_texts.end(),
            [](const Text& a, const Text& b) { return a.seq < b.seq; });
  std::sort(texts.begin(), texts.end(), [](const Text& a, const Text& b) {
    return std::abs(a.seq) < std::abs(b.seq);
  });
  auto old_text = old_texts.begin();
  for (const Text& text : texts) {
    const int64_t seq = std::abs(text.seq);
    for (; old_text != old_texts.end() && old_text->seq <= seq; ++old_text) {
      const int result = write_text(fts_delete_.get(), *old_text);
      if (result != SQLITE_DONE) return fail(Error(result, what));
    }
    if (text.seq < 0) continue;
    const int result = write_text(fts_insert_.get(), text);
    if (result != SQLITE_DONE) return fail(Error(result, what));
  }
  const int result =
      sqlite3_exec(db_.get(), "COMMIT", nullptr, nullptr, nullptr);
  if (result != SQLITE_OK) return fail(Error(result, what));
  {
    std::lock_guard<std::mutex> lock(mu_);
    done_.seq = std::max(done_.seq, mark.seq);
    done_.reindex = std::max(done_.reindex, mark.reindex);
    stepped_ = true;
  }
  return new_articles >= kStepArticles || reindexed >= kStepArticles;
}

absl::StatusOr<bool> SearchIndexer::MergeStep(int pages) {
  std::lock_guard<std::mutex> db_lock(db_mu_);
  const std::string what = "merging the search index";
  // The index's write lock first, as Step takes it, then the structure: a
  // batch indexed between reading the structure and merging would have the
  // merge chosen for one structure run on another (a merge into one under
  // way started over: every segment re-levelled, two more levels).
  if (auto status =
          Exec("BEGIN; UPDATE main.indexed SET upto = upto WHERE name = 'seq'",
               what);
      !status.ok()) {
    if (sqlite3_get_autocommit(db_.get()) == 0) {
      sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
    }
    return status;
  }
  absl::StatusOr<bool> merged = MergeStepLocked(pages, what);
  // Nothing merged: nothing to keep (the lock's UPDATE writes its page).
  if (merged.ok() && *merged) {
    if (auto status = Exec("COMMIT", what); !status.ok()) merged = status;
  }
  if (sqlite3_get_autocommit(db_.get()) == 0) {
    sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
  }
  return merged;
}

absl::StatusOr<bool> SearchIndexer::MergeStepLocked(int pages,
                                                    const std::string& what) {
  // A merge under way is continued; a new merge into one only when worth
  // rewriting the largest segment and within the levels
  // (WorthMergingIntoOne); a record this code cannot read (a newer FTS5,
  // which caps its levels itself) merges into one as before.
  std::string structure;
  if (const int result = ReadIndexStructure(db_.get(), &structure);
      result != SQLITE_OK) {
    return Error(result, "reading the search index's structure");
  }
  const std::optional<Fts5Segments> segments = ParseFts5Segments(structure);
  // A positive 'merge' continues the lowest unfinished merge (the one into
  // one too, when segments written since sit below it) without moving any
  // segment, after first merging any lower level with at least as many
  // segments as that merge has inputs (and at least 'usermerge'); a
  // negative one first puts every segment on a new level (unless all sit on
  // one, or all but the output of a merge into one under way), so steps add
  // up to an `optimize` done a bounded piece at a time, and would start an
  // interrupted one over. FTS5 tells whether a step did any work only by
  // the change count: under 2 means none.
  const bool continue_merge = segments.has_value() &&
                              segments->unfinished_merge &&
                              !segments->merging_into_one;
  if (segments.has_value() && !continue_merge &&
      !WorthMergingIntoOne(*segments)) {
    return false;
  }
  if (continue_merge) {
    // 'usermerge' at most the merge's inputs (FTS5's floor is 2, its
    // default 4), so a lower level FTS5 picks first is merged rather than
    // stop the step with nothing done (a merge into one of 2 or 3 segments
    // that two small batches interrupted stayed unfinished).
    const std::string usermerge = absl::StrCat(
        "INSERT INTO articles_fts(articles_fts, rank) VALUES ('usermerge', ",
        std::clamp<int64_t>(segments->lowest_merge_inputs, 2, 4), ")");
    if (auto status = Exec(usermerge.c_str(), what); !status.ok()) {
      return status;
    }
  }
  const int before = sqlite3_total_changes(db_.get());
  const std::string merge =
      absl::StrCat("INSERT INTO articles_fts(articles_fts, rank) VALUES ",
                   "('merge', ", continue_merge ? "" : "-", pages, ")");
  if (auto status = Exec(merge.c_str(), what); !status.ok()) return status;
  return sqlite3_total_changes(db_.get()) - before >= 2;
}

// A read transaction for a scope: its reads see one committed state of
// each file. It ends with the scope, on every path (statements still open
// on it are read-only, so ending it cannot fail them); within a
// transaction already open it does nothing.
class ReadTransaction {
 public:
  explicit ReadTransaction(sqlite3* db) : db_(db) {
    if (sqlite3_get_autocommit(db_) == 0) return;
    result_ = sqlite3_exec(db_, "BEGIN", nullptr, nullptr, nullptr);
    began_ = result_ == SQLITE_OK;
  }
  ReadTransaction(const ReadTransaction&) = delete;
  ReadTransaction& operator=(const ReadTransaction&) = delete;
  ~ReadTransaction() {
    if (!began_ || sqlite3_get_autocommit(db_) != 0) return;
    if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    }
  }
  // SQLITE_OK, or why BEGIN failed.
  int result() const { return result_; }

 private:
  sqlite3* db_;
  int result_ = SQLITE_OK;
  bool began_ = false;
};

class SqliteArticleDb : public ArticleDb {
 public:
  static absl::StatusOr<std::unique_ptr<ArticleDb>> Open(
      const std::string& path, OpenMode mode, int cache_mib,
      OpenOptions::WordPairs pairs, OpenOptions::EntityTokens entities);

  using ArticleDb::ForEach;
  using ArticleDb::Search;

  absl::Status UpsertBatch(const std::vector<v1::Article>& articles) override;
  absl::Status ForEach(
      const ArticleFilter& filter,
      const std::function<absl::Status(const v1::Article&)>& visit) override;
  absl::StatusOr<StoredArticle> Get(const std::string& id) override;
  absl::StatusOr<std::vector<std::string>> IdsStartingWith(
      const std::string& prefix, int limit) override;
  absl::StatusOr<std::vector<SearchHit>> Search(
      const SearchRequest& request) override;
  absl::StatusOr<int64_t> Count() override;
  absl::StatusOr<std::vector<StoryInfo>> Stories(
      const StoryQuery& query) override;
  absl::StatusOr<std::vector<EntityInfo>> Entities(
      const EntityQuery& query) override;
  absl::StatusOr<int64_t> AddDeadLetter(const DeadLetter& letter) override;
  absl::StatusOr<std::vector<DeadLetter>> ListDeadLetters(int limit) override;
  absl::StatusOr<bool> MergeIndexStep(int pages) override;
  absl::Status WaitForSearchIndex() override;
  absl::Status BackgroundStatus() override;
  const std::string& location() const override { return path_; }

 private:
  SqliteArticleDb(std::string path, DbHandle db, bool read_only)
      : path_(std::move(path)), db_(std::move(db)), read_only_(read_only) {}

  // The status for SQLite result `result` while doing `what`, quoting
  // SQLite's own message. Call before any other SQLite call on db_.
  absl::Status Error(int result, const std::string& what) const;
  absl::Status Exec(const char* sql, const std::string& what);
  absl::StatusOr<int64_t> QueryInt(const char* sql, const std::string& what);
  absl::StatusOr<Statement> Prepare(const char* sql);
  // Prepares `sql` and binds `params` (from SqlParams).
  absl::StatusOr<Statement> PrepareWith(const std::string& sql,
                                        const SqlParams& params);
  // Steps a statement that returns no rows (or whose rows are ignored).
  absl::Status Run(sqlite3_stmt* statement, const std::string& what);
  // Ends a failed transaction, unless SQLite already rolled it back (it does
  // on some errors, e.g. a full disk).
  void RollbackIfActive();
  absl::Status ReadOnlyError(const std::string& what) const;
  // Which side drives a search with an entity filter: the entity's mentions
  // (kGather) when it is in few articles, else the articles in the search's
  // own order, probing each for a mention (kProbe). Filter-only searches
  // walk the newest articles: about (limit + offset) * articles / count
  // probes against count mentions to gather, so they gather when count^2 <=
  // (limit + offset) * articles (the estimate assumes the entity's articles
  // are spread over time). Text searches gather when their matches drive
  // (see MentionsDriveTextSearch).
  // One search; a text search with `window` > 0 ranks only the `window`
  // most recently stored matches (one walk of the index, newest first,
  // ranking as it goes).
  // `defer_idf` allows ranking a first page of one phrase with its IDF
  // deferred (DeferredIdf).
  absl::StatusOr<std::vector<SearchHit>> SearchFrom(
      const SearchRequest& request, int64_t window, bool defer_idf = true);
  // Search, once no text's token can match an entity token.
  absl::StatusOr<std::vector<SearchHit>> SearchText(
      const SearchRequest& request);
  // The seq of the `n`th most recently stored match of `text` (n >= 1),
  // or nothing when it has fewer matches.
  absl::StatusOr<std::optional<int64_t>> NthNewestMatch(
      const std::string& text, int64_t n, EntityArticles* entity = nullptr);
  // The seqs of the articles mentioning the filter's entity, ascending.
  absl::StatusOr<std::vector<int64_t>> EntitySeqs(const ArticleFilter& filter);
  // The widest gap between an entity's articles that one lookup of a run
  // walks rather than looking each up: kSeqsPerSegment per segment of the
  // full-text index (what a lookup costs, see Fts5SegmentCount), at least
  // kFewestSeqs.
  absl::StatusOr<int64_t> MostSeqsBetweenLookups();
  // A walk of the articles of `filter`'s entity for the text-driven plan;
  // null when the filter names no entity or too many canonical ids.
  absl::StatusOr<std::unique_ptr<EntityArticles>> EntityWalk(
      const ArticleFilter& filter);
  // The canonical ids of `filter`'s entity (EntityIdsSql); nothing when
  // there are more than eight (each a walk of its own, see EntityWalk).
  absl::StatusOr<std::optional<std::vector<std::string>>> EntityCanonicalIds(
      const ArticleFilter& filter);
  // Whether the attached search index holds entity tokens (its form, read
  // in the search's snapshot: another store may have rebuilt it).
  absl::StatusOr<bool> IndexHasEntityTokens();
  // The FTS5 expression matching the articles of `filter`'s entity by their
  // entity tokens, for a text search to AND with its text; nothing when the
  // index has no entity tokens or the entity has no or too many canonical
  // ids.
  absl::StatusOr<std::optional<std::string>> EntityTokensMatch(
      const ArticleFilter& filter);
  // Set by Search for its SearchFrom and NthNewestMatch calls: the
  // EntityTokensMatch of the request's entity, which then filters the text
  // inside FTS5 in place of the entity's walk (see Search).
  std::optional<std::string> entity_tokens_match_;
  // Whether a text search with an entity filter should walk the entity's
  // articles and look each up in the full-text index, rather than walk the
  // text's matches and test each for the entity. A lookup costs about as
  // much as walking kMatchesPerLookup matches of a word, so the mentions
  // drive when the text's rarest word has more than that many matches per
  // article of the entity, counted from a sample of each word's matches;
  // never for a text with a phrase of several words.
  absl::StatusOr<bool> MentionsDriveTextSearch(const SearchRequest& request);
  // newsflow_phrase_rows for `text`: the rows matching each of its
  // phrases; empty when nothing matches it.
  absl::StatusOr<std::vector<int64_t>> PhraseRows(const std::string& text);
  // The IDF of a one-phrase query ranked with `deferred` by a walk of at
  // most `window` rows; nothing when the query had more than one phrase
  // after all.
  absl::StatusOr<std::optional<double>> DeferredPhraseIdf(
      const std::string& text, const DeferredIdf& deferred, int64_t window);
  // newsflow_bm25_idf for `text`; nothing when nothing matches it.
  absl::StatusOr<std::optional<std::string>> TextIdfs(const std::string& text);
  // The error for a failed step of a text search.
  absl::Status SearchError(int result, const std::string& text);
  absl::StatusOr<EntityTest> ChooseEntityTest(const SearchRequest& request,
                                              bool has_text);

  // Creates or migrates the schema; sets `*migrated` when the file was
  // created or brought to version 6 (its search index is then rebuilt).
  absl::Status PrepareSchema(int cache_mib, bool* migrated);
  // Starts the indexer (read-write) and attaches the search index.
  absl::Status OpenSearchIndex(bool reset, int cache_mib,
                               OpenOptions::WordPairs pairs,
                               OpenOptions::EntityTokens entities);
  // The WAL hook of a read-write connection, in place of SQLite's automatic
  // checkpoint (see kStoreCheckpointPages).
  static int AfterCommit(void* self, sqlite3* db, const char* name, int pages);
  absl::Status CheckSchemaReadOnly();
  absl::Status CheckApplicationId(int64_t application_id,
                                  int64_t schema_objects) const;
  absl::Status PrepareStatements();

  // What a batch writes of an article that needs no read of the file,
  // derived before the batch's transaction begins (and while the store
  // waits for a checkpoint, see AfterCommit).
  struct PreparedArticle {
    const v1::Article* article;
    // SerializeWithoutText.
    std::string serialized;
    std::vector<EntityContribution> entities;
    std::string outlet;
    std::optional<int64_t> seen_at;
  };
  absl::StatusOr<std::vector<PreparedArticle>> PrepareBatch(
      const std::vector<const v1::Article*>& batch) const;
  // Whether a batch may write kStoreCheckpointPages or more (by its
  // articles' bytes).
  static bool IsBigBatch(const std::vector<PreparedArticle>& batch);
  // The writes of UpsertBatch, inside its transaction; `*stored` gets the
  // highest seq and reindex id written.
  absl::Status StoreBatch(std::vector<PreparedArticle>* batch,
                          IndexMark* stored);
  // A mention row to insert; `article_id` names the article in errors.
  struct MentionRow {
    std::string canonical_id;
    int64_t seq;
    int64_t mentions;
    std::optional<int64_t> seen_at;
    const std::string* article_id;
  };
  // Removes the mentions of article `seq` when `replace` (a new article
  // has none to look up) and adds its new ones to `rows`.
  absl::Status WriteMentions(int64_t seq, const v1::Article& article,
                             std::optional<int64_t> seen_at,
                             std::vector<EntityContribution> entities,
                             bool replace, std::vector<MentionRow>* rows);
  // Inserts `rows` in key order: consecutive inserts then land on the same
  // pages of the mention indexes (two of the three lead with the entity)
  // instead of one page per mention spread over the whole index.
  absl::Status InsertMentions(std::vector<MentionRow>* rows);
  // A batch's articles per story id.
  using StoryMembers =
      absl::flat_hash_map<std::string, std::vector<StoryMember>>;
  // Applies `delta`; only the stories in `left` (an article moved out of
  // them or changed) can have lost articles, so only they may be dropped.
  // A story not in `left` whose articles are all in `members` (it has no
  // row yet) gets its summary from them instead of a query of its
  // articles: in a stream most stories a batch touches are new.
  absl::Status ApplyDelta(const CatalogueDelta& delta,
                          const std::set<std::string>& left = {},
                          const StoryMembers& members = {});
  // Recomputes the derived tables from every stored article (migrations).
  absl::Status RebuildDerived();

  std::string path_;
  // Declared before the statements so that they are finalized first.
  DbHandle db_;
  bool read_only_;
  Statement find_;
  Statement insert_article_;
  Statement update_article_;
  Statement queue_reindex_;
  Statement drop_reindexed_;
  Statement touch_;
  Statement delete_mentions_;
  Statement insert_mention_;
  Statement entity_delta_;
  Statement drop_entity_;
  Statement alias_delta_;
  Statement drop_alias_;
  Statement story_;
  Statement new_story_;
  Statement drop_story_;
  Statement count_;
  Statement get_;
  // The checkpoint request of a big commit that handed its checkpoint
  // over, 0 when none: the next batch waits for it before it begins
  // (AfterCommit).
  int64_t checkpoint_pending_ = 0;
  // Read-write opens only; declared last so that it finishes (indexing
  // what this object stored) before the connection closes.
  std::unique_ptr<SearchIndexer> indexer_;
};

absl::Status SqliteArticleDb::Error(int result, const std::string& what) const {
  int system_errno = db_ ? sqlite3_system_errno(db_.get()) : 0;
  const char* message =
      db_ ? sqlite3_errmsg(db_.get()) : sqlite3_errstr(result);
  return absl::Status(StatusCodeOf(result, system_errno),
                      absl::StrCat(path_, ": ", what, ": ", message));
}

absl::Status SqliteArticleDb::ReadOnlyError(const std::string& what) const {
  return absl::FailedPreconditionError(
      absl::StrCat(path_, ": cannot ", what, ": opened read-only"));
}

absl::Status SqliteArticleDb::Exec(const char* sql, const std::string& what) {
  int result = sqlite3_exec(db_.get(), sql, nullptr, nullptr, nullptr);
  if (result != SQLITE_OK) return Error(result, what);
  return absl::OkStatus();
}

absl::StatusOr<int64_t> SqliteArticleDb::QueryInt(const char* sql,
                                                  const std::string& what) {
  absl::StatusOr<Statement> statement = Prepare(sql);
  if (!statement.ok()) return statement.status();
  int result = sqlite3_step(statement->get());
  if (result != SQLITE_ROW) return Error(result, what);
  return sqlite3_column_int64(statement->get(), 0);
}

absl::StatusOr<Statement> SqliteArticleDb::Prepare(const char* sql) {
  sqlite3_stmt* raw = nullptr;
  int result = sqlite3_prepare_v3(db_.get(), sql, -1, SQLITE_PREPARE_PERSISTENT,
                                  &raw, nullptr);
  Statement statement(raw);
  if (result != SQLITE_OK) {
    return Error(result, absl::StrCat("preparing \"", sql, "\""));
  }
  return statement;
}

absl::StatusOr<Statement> SqliteArticleDb::PrepareWith(
    const std::string& sql, const SqlParams& params) {
  sqlite3_stmt* raw = nullptr;
  int result = sqlite3_prepare_v2(db_.get(), sql.c_str(),
                                  static_cast<int>(sql.size()), &raw, nullptr);
  Statement statement(raw);
  if (result != SQLITE_OK) {
    return Error(result, absl::StrCat("preparing \"", sql, "\""));
  }
  const std::vector<SqlParams::Value>& values = params.values();
  for (size_t i = 0; i < values.size() && result == SQLITE_OK; ++i) {
    const int index = static_cast<int>(i) + 1;
    if (values[i].is_int) {
      result = sqlite3_bind_int64(raw, index, values[i].number);
    } else if (values[i].is_real) {
      result = sqlite3_bind_double(raw, index, values[i].real);
    } else {
      result = BindText(raw, index, values[i].text);
    }
  }
  if (result != SQLITE_OK) return Error(result, "binding query parameters");
  return statement;
}

absl::Status SqliteArticleDb::Run(sqlite3_stmt* statement,
                                  const std::string& what) {
  int result;
  while ((result = sqlite3_step(statement)) == SQLITE_ROW) {
  }
  if (result != SQLITE_DONE) return Error(result, what);
  return absl::OkStatus();
}

void SqliteArticleDb::RollbackIfActive() {
  if (sqlite3_get_autocommit(db_.get()) == 0) {
    sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
  }
}

absl::StatusOr<std::unique_ptr<ArticleDb>> SqliteArticleDb::Open(
    const std::string& path, OpenMode mode, int cache_mib,
    OpenOptions::WordPairs pairs, OpenOptions::EntityTokens entities) {
  const bool read_only = mode == OpenMode::kReadOnly;
  if (path.empty()) {
    return absl::InvalidArgumentError("no database path given");
  }
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": is a folder, not a database file"));
  }
  if (read_only) {
    if (!std::filesystem::exists(path, error)) {
      return absl::NotFoundError(
          absl::StrCat(path, ": no such database file",
                       error ? absl::StrCat(" (", error.message(), ")") : ""));
    }
  }
  // NOMUTEX: one ArticleDb is used from one thread at a time.
  const int flags = (read_only ? SQLITE_OPEN_READONLY
                               : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
                    SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI;
  sqlite3* raw = nullptr;
  int result = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  DbHandle db(raw);
  if (result != SQLITE_OK) {
    const char* message = raw ? sqlite3_errmsg(raw) : sqlite3_errstr(result);
    int system_errno = raw ? sqlite3_system_errno(raw) : 0;
    return absl::Status(StatusCodeOf(result, system_errno),
                        absl::StrCat(path, ": cannot open: ", message));
  }
  sqlite3_extended_result_codes(db.get(), 1);
  sqlite3_busy_timeout(db.get(), kBusyTimeoutMs);
  // The index is attached as "search" (OpenSearchIndex).
  absl::Status registered = RegisterNewsflowBm25(
      db.get(), RowLengthTable{"search", "articles_fts_docsize"});
  if (registered.ok()) registered = RegisterPairTokenizer(db.get());
  if (!registered.ok()) {
    return absl::Status(registered.code(),
                        absl::StrCat(path, ": ", registered.message()));
  }

  std::unique_ptr<SqliteArticleDb> article_db(
      new SqliteArticleDb(path, std::move(db), read_only));
  bool migrated = false;
  absl::Status status = read_only
                            ? article_db->CheckSchemaReadOnly()
                            : article_db->PrepareSchema(cache_mib, &migrated);
  if (!status.ok()) return status;
  status = article_db->OpenSearchIndex(migrated, cache_mib, pairs, entities);
  if (!status.ok()) return status;
  if (!read_only) {
    // AfterCommit counts the pages written from here on.
    int written = 0;
    int highwater = 0;
    sqlite3_db_status(article_db->db_.get(), SQLITE_DBSTATUS_CACHE_WRITE,
                      &written, &highwater, /*resetFlg=*/1);
    sqlite3_wal_hook(article_db->db_.get(), &SqliteArticleDb::AfterCommit,
                     article_db.get());
  }
  status = article_db->PrepareStatements();
  if (!status.ok()) return status;
  return std::unique_ptr<ArticleDb>(std::move(article_db));
}

absl::Status SqliteArticleDb::CheckApplicationId(int64_t application_id,
                                                 int64_t schema_objects) const {
  if (application_id == kApplicationId) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      path_, ": not a newsflow database (",
      schema_objects == 0
          ? "it is empty"
          : absl::StrCat("its SQLite application_id is ", application_id),
      ")"));
}

absl::Status SqliteArticleDb::OpenSearchIndex(
    bool reset, int cache_mib, OpenOptions::WordPairs pairs,
    OpenOptions::EntityTokens entities) {
  const std::string index_path = SqliteSearchIndexPath(path_);
  if (!read_only_) {
    absl::StatusOr<int64_t> seq = QueryInt(
        "SELECT coalesce(max(seq), 0) FROM articles", "reading the articles");
    if (!seq.ok()) return seq.status();
    absl::StatusOr<int64_t> reindex =
        QueryInt("SELECT coalesce(max(id), 0) FROM reindex",
                 "reading the articles to index");
    if (!reindex.ok()) return reindex.status();
    absl::StatusOr<std::unique_ptr<SearchIndexer>> indexer =
        SearchIndexer::Start(path_, reset, IndexMark{*seq, *reindex}, cache_mib,
                             pairs, entities);
    if (!indexer.ok()) return indexer.status();
    indexer_ = *std::move(indexer);
  } else {
    std::error_code error;
    if (!std::filesystem::exists(index_path, error)) {
      return absl::FailedPreconditionError(absl::StrCat(
          path_, ": its search index ", index_path,
          " is missing; open it read-write once to rebuild it (run a "
          "pipeline that stores into it, or `newsflow import ",
          path_, " /dev/null`)"));
    }
  }
  // Read-only here: only the indexer writes it.
  const std::string attach =
      absl::StrCat("ATTACH DATABASE '",
                   absl::StrReplaceAll(ReadOnlyUri(index_path), {{"'", "''"}}),
                   "' AS search");
  if (auto status = Exec(attach.c_str(), "opening the search index");
      !status.ok() || read_only_) {
    return status;
  }
  absl::StatusOr<Statement> drop = Prepare(kDropReindexedSql);
  if (!drop.ok()) return drop.status();
  drop_reindexed_ = *std::move(drop);
  return absl::OkStatus();
}

int SqliteArticleDb::AfterCommit(void* self, sqlite3* db, const char* name,
                                 int pages) {
  auto* store = static_cast<SqliteArticleDb*>(self);
  // The pages this connection wrote to the WAL since the last commit (in
  // WAL mode CACHE_WRITE counts those; reset here). Not the growth of
  // `pages`, the WAL's size: after a commit that restarted the WAL, a
  // commit as big as the last one leaves it no bigger.
  int written = 0;
  int highwater = 0;
  sqlite3_db_status(db, SQLITE_DBSTATUS_CACHE_WRITE, &written, &highwater,
                    /*resetFlg=*/1);
  if (pages >= kStoreCheckpointBackstopPages) {
    store->indexer_->NoteCheckpoint(
        sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, nullptr,
                                  nullptr),
        SearchIndexer::kStoreCommit);
    ++inline_checkpoints;
  } else if (pages >= kStoreCheckpointPages && std::strcmp(name, "main") == 0) {
    ++hand_overs;
    const int64_t request = store->indexer_->CheckpointSoon();
    // A commit as big as the threshold is handed over too (its copy and
    // syncs are a sixth of a big batch's time on the store thread), but
    // the next batch waits for that checkpoint before it begins, so that
    // the WAL restarts there: a checkpoint still running when the next
    // batch appends leaves the WAL unrestarted, and back-to-back batches
    // then grew it to the backstop (measured slower, session 11).
    if (written >= kStoreCheckpointPages) store->checkpoint_pending_ = request;
  }
  return SQLITE_OK;
}

absl::Status SqliteArticleDb::WaitForSearchIndex() {
  if (indexer_ == nullptr) return absl::OkStatus();
  if (auto status = indexer_->WaitIndexed(); !status.ok()) return status;
  // Reported here rather than failing the next UpsertBatch: the articles
  // committed fine.
  return indexer_->CheckpointStatus();
}

absl::Status SqliteArticleDb::BackgroundStatus() {
  if (indexer_ == nullptr) return absl::OkStatus();
  if (auto status = indexer_->IndexerStatus(); !status.ok()) return status;
  return indexer_->CheckpointStatus();
}

absl::Status SqliteArticleDb::PrepareSchema(int cache_mib, bool* migrated) {
  // WAL lets readers (export, query) work while the store stage writes.
  // journal_mode cannot change inside a transaction, so it comes first; it
  // is also the first read of the file, so a foreign file fails here.
  if (auto status = Exec("PRAGMA journal_mode = WAL", "enabling WAL");
      !status.ok()) {
    return status;
  }
  // ArticleDbOpenOptions::sqlite_cache_mib (0: SQLite's default).
  const std::string pragmas = absl::StrCat(
      "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = OFF; ",
      "PRAGMA wal_autocheckpoint = ", kStoreCheckpointPages, "; ",
      cache_mib > 0
          ? absl::StrCat("PRAGMA cache_size = -", cache_mib * 1024, "; ")
          : "",
      "PRAGMA temp_store = MEMORY;");
  if (auto status = Exec(pragmas.c_str(), "setting pragmas"); !status.ok()) {
    return status;
  }
  // IMMEDIATE: two writers opening a new file at once migrate it only once.
  if (auto status = Exec("BEGIN IMMEDIATE", "starting the schema migration");
      !status.ok()) {
    return status;
  }
  auto fail = [this](absl::Status status) {
    RollbackIfActive();
    return status;
  };
  absl::StatusOr<int64_t> application_id =
      QueryInt("PRAGMA application_id", "reading the application id");
  if (!application_id.ok()) return fail(application_id.status());
  absl::StatusOr<int64_t> version =
      QueryInt("PRAGMA user_version", "reading the schema version");
  if (!version.ok()) return fail(version.status());
  absl::StatusOr<int64_t> schema_objects =
      QueryInt("SELECT count(*) FROM sqlite_schema", "reading the schema");
  if (!schema_objects.ok()) return fail(schema_objects.status());

  const bool fresh =
      *application_id == 0 && *version == 0 && *schema_objects == 0;
  if (!fresh) {
    if (auto status = CheckApplicationId(*application_id, *schema_objects);
        !status.ok()) {
      return fail(status);
    }
    if (*version > kSchemaVersion) {
      return fail(absl::FailedPreconditionError(
          absl::StrCat(path_, ": schema version ", *version,
                       " is newer than this newsflow supports (",
                       kSchemaVersion, "); use a newer newsflow")));
    }
  }
  bool rebuild = false;
  for (int64_t from = *version; from < kSchemaVersion; ++from) {
    if (auto status = Exec(kMigrations[from].sql,
                           absl::StrCat("migrating the schema from version ",
                                        from, " to ", from + 1));
        !status.ok()) {
      return fail(status);
    }
    rebuild = rebuild || kMigrations[from].rebuild_derived;
  }
  *migrated = fresh || *version < 6;
  if (rebuild && !fresh) {
    if (auto status = RebuildDerived(); !status.ok()) return fail(status);
  }
  if (*version != kSchemaVersion || fresh) {
    const std::string stamp =
        absl::StrCat("PRAGMA application_id = ", kApplicationId,
                     "; PRAGMA user_version = ", kSchemaVersion, ";");
    if (auto status = Exec(stamp.c_str(), "recording the schema version");
        !status.ok()) {
      return fail(status);
    }
  }
  if (auto status = Exec("COMMIT", "committing the schema"); !status.ok()) {
    return fail(status);
  }
  // Foreign keys stay off on the writer's connection: the store writes an
  // article's mentions in the transaction that writes the article and
  // never deletes an article, so the checks had nothing to catch, while a
  // checked insert opens a statement journal that copies each page it
  // changes (a sixth of writing mentions). A migration that rebuilds a
  // table must not cascade into the rows that refer to it either.
  return absl::OkStatus();
}

absl::Status SqliteArticleDb::CheckSchemaReadOnly() {
  // journal_mode and synchronous belong to the writer; WAL is recorded in
  // the file itself.
  if (auto status = Exec("PRAGMA foreign_keys = ON", "setting pragmas");
      !status.ok()) {
    return status;
  }
  absl::StatusOr<int64_t> application_id =
      QueryInt("PRAGMA application_id", "reading the application id");
  if (!application_id.ok()) return application_id.status();
  absl::StatusOr<int64_t> schema_objects =
      QueryInt("SELECT count(*) FROM sqlite_schema", "reading the schema");
  if (!schema_objects.ok()) return schema_objects.status();
  if (auto status = CheckApplicationId(*application_id, *schema_objects);
      !status.ok()) {
    return status;
  }
  absl::StatusOr<int64_t> version =
      QueryInt("PRAGMA user_version", "reading the schema version");
  if (!version.ok()) return version.status();
  if (*version > kSchemaVersion) {
    return absl::FailedPreconditionError(
        absl::StrCat(path_, ": schema version ", *version,
                     " is newer than this newsflow supports (", kSchemaVersion,
                     "); use a newer newsflow"));
  }
  if (*version < kSchemaVersion) {
    return absl::FailedPreconditionError(absl::StrCat(
        path_, ": schema version ", *version, " is older than ", kSchemaVersion,
        "; open it read-write once to migrate it (run a pipeline that stores "
        "into it, or `newsflow import ",
        path_, " /dev/null`)"));
  }
  return absl::OkStatus();
}

absl::Status SqliteArticleDb::PrepareStatements() {
  struct Entry {
    Statement* statement;
    const char* sql;
    bool writes;
  };
  const Entry entries[] = {
      {&find_, kFindSql, true},
      {&insert_article_, kInsertArticleSql, true},
      {&update_article_, kUpdateArticleSql, true},
      {&queue_reindex_, kQueueReindexSql, true},
      {&touch_, kTouchSql, true},
      {&delete_mentions_, kDeleteMentionsSql, true},
      {&insert_mention_, kInsertMentionSql, true},
      {&entity_delta_, kEntityDeltaSql, true},
      {&drop_entity_, kDropEntitySql, true},
      {&alias_delta_, kAliasDeltaSql, true},
      {&drop_alias_, kDropAliasSql, true},
      {&story_, kStorySql, true},
      {&new_story_, kNewStorySql, true},
      {&drop_story_, kDropStorySql, true},
      {&count_, kCountSql, false},
      {&get_, kGetSql, false},
  };
  for (const Entry& entry : entries) {
    if (entry.writes && read_only_) continue;
    absl::StatusOr<Statement> statement = Prepare(entry.sql);
    if (!statement.ok()) return statement.status();
    *entry.statement = *std::move(statement);
  }
  return absl::OkStatus();
}

absl::Status SqliteArticleDb::UpsertBatch(
    const std::vector<v1::Article>& articles) {
  if (read_only_) return ReadOnlyError("store articles");
  if (auto status = CheckBatchIds(path_, articles); !status.ok()) {
    return status;
  }
  if (articles.empty()) return absl::OkStatus();
  // Bounds how stale search can be: the store waits for the indexer when
  // it is this far behind (a few seconds of indexing).
  indexer_->WaitLag(kMaxIndexLag);
  absl::StatusOr<std::vector<PreparedArticle>> prepared =
      PrepareBatch(LatestPerId(articles));
  if (!prepared.ok()) return prepared.status();
  if (checkpoint_pending_ > 0) {
    indexer_->WaitCheckpointed(checkpoint_pending_);
    checkpoint_pending_ = 0;
  }
  // Before a big batch, a checkpoint of what the WAL still holds, so that
  // the batch restarts the WAL whichever connection wrote it: with two
  // ArticleDb handles on one file, the other's commits are not this one's
  // to wait for, and its checkpoint thread's run made this one's BUSY;
  // the WAL grew to 26-41 MB in 20 batches (review 14e). Usually there is
  // nothing left to copy by then.
  if (IsBigBatch(*prepared)) {
    indexer_->WaitCheckpointed(indexer_->CheckpointSoon());
  }

  // DEFERRED, its first statement a write (kDropReindexedSql): IMMEDIATE
  // would also open a read transaction on the attached search index for
  // the whole batch, and with the store writing batch after batch the
  // index's WAL could then never restart (it grew to 80 MB in 20,000
  // articles).
  if (auto status = Exec("BEGIN", "starting a transaction"); !status.ok()) {
    return status;
  }
  IndexMark stored;
  if (auto status = StoreBatch(&*prepared, &stored); !status.ok()) {
    RollbackIfActive();
    return status;
  }
  int result = sqlite3_exec(db_.get(), "COMMIT", nullptr, nullptr, nullptr);
  if (result != SQLITE_OK) {
    absl::Status error =
        Error(result, absl::StrCat("committing a batch of ", articles.size(),
                                   " articles (", articles.front().id(), " .. ",
                                   articles.back().id(), "; rolled back)"));
    RollbackIfActive();
    return error;
  }
  indexer_->Stored(stored);
  return absl::OkStatus();
}

bool SqliteArticleDb::IsBigBatch(const std::vector<PreparedArticle>& batch) {
  int64_t bytes = 0;
  for (const PreparedArticle& prepared : batch) {
    bytes += static_cast<int64_t>(prepared.serialized.size() +
                                  prepared.article->title().size() +
                                  prepared.article->body().size());
  }
  return bytes >= int64_t{kStoreCheckpointPages} * kPageSize;
}

absl::StatusOr<std::vector<SqliteArticleDb::PreparedArticle>>
SqliteArticleDb::PrepareBatch(
    const std::vector<const v1::Article*>& batch) const {
  std::vector<PreparedArticle> prepared;
  prepared.reserve(batch.size());
  for (const v1::Article* article : batch) {
    std::optional<std::string> serialized = SerializeWithoutText(*article);
    if (!serialized.has_value()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path_, ": storing article ", article->id(),
                       ": could not serialize it; nothing stored"));
    }
    prepared.push_back({article, *std::move(serialized),
                        EntityContributions(*article), OutletOf(*article),
                        SeenAtOf(*article)});
  }
  return prepared;
}

absl::Status SqliteArticleDb::StoreBatch(std::vector<PreparedArticle>* batch,
                                         IndexMark* stored) {
  const std::string stored_at = NowRfc3339();
  const std::string batch_note =
      absl::StrCat(" (batch of ", batch->size(), " rolled back)");
  CatalogueDeltaBuilder delta;
  std::vector<MentionRow> mentions;
  // Stories an article of the batch was in before (see ApplyDelta).
  std::set<std::string> left_stories;
  StoryMembers story_members;
  {
    sqlite3_stmt* drop = drop_reindexed_.get();
    ResetOnExit reset(drop);
    sqlite3_bind_int64(drop, 1, indexer_->Done().reindex);
    if (auto status = Run(drop, "updating the reindex queue"); !status.ok()) {
      return status;
    }
  }
  for (PreparedArticle& prepared : *batch) {
    const v1::Article* article = prepared.article;
    const std::string& serialized = prepared.serialized;
    const std::string& outlet = prepared.outlet;
    const std::optional<int64_t> seen_at = prepared.seen_at;
    // Writes the article's row with `statement` (the insert, or the update
    // of `old_seq`); SQLITE_DONE when it ran.
    auto write_row = [&](sqlite3_stmt* statement,
                         std::optional<int64_t> old_seq) {
      ResetOnExit reset(statement);
      int result = SQLITE_OK;
      const std::string* texts[] = {
          &article->id(),       &article->source(),   &article->url(),
          &article->title(),    &article->body(),     &article->published_at(),
          &article->language(), &article->story_id(), &stored_at};
      for (int i = 0; i < 9 && result == SQLITE_OK; ++i) {
        result = BindText(statement, i + 1, *texts[i]);
      }
      if (result == SQLITE_OK) {
        result = sqlite3_bind_blob64(statement, 10, serialized.data(),
                                     serialized.size(), SQLITE_STATIC);
      }
      if (result == SQLITE_OK) result = BindText(statement, 11, outlet);
      if (result == SQLITE_OK) result = BindOptionalInt(statement, 12, seen_at);
      if (result == SQLITE_OK && old_seq.has_value()) {
        result = sqlite3_bind_int64(statement, 13, *old_seq);
      }
      if (result == SQLITE_OK) result = sqlite3_step(statement);
      return result;
    };
    const int inserted = write_row(insert_article_.get(), std::nullopt);
    if (inserted != SQLITE_DONE) {
      return Error(inserted,
                   absl::StrCat("storing article ", article->id(), batch_note));
    }
    // The stored version (the id was there): unchanged articles only get a
    // new stored_at; changed ones give back what they contributed.
    std::optional<int64_t> old_seq;
    bool text_changed = true;
    bool entities_changed = false;
    int64_t seq = 0;
    if (sqlite3_changes(db_.get()) == 1) {
      seq = sqlite3_last_insert_rowid(db_.get());
    } else {
      stored_article_reads.fetch_add(1, std::memory_order_relaxed);
      sqlite3_stmt* find = find_.get();
      ResetOnExit reset(find);
      int result = BindText(find, 1, article->id());
      if (result == SQLITE_OK) result = sqlite3_step(find);
      if (result != SQLITE_ROW) {
        return Error(
            result == SQLITE_DONE ? SQLITE_CORRUPT : result,
            absl::StrCat("reading article ", article->id(), batch_note));
      }
      old_seq = sqlite3_column_int64(find, 0);
      const std::string old_bytes = ColumnBlob(find, 1);
      text_changed = ColumnText(find, 2) != article->title() ||
                     ColumnText(find, 3) != article->body();
      if (old_bytes == serialized && !text_changed) {
        sqlite3_stmt* touch = touch_.get();
        ResetOnExit reset_touch(touch);
        sqlite3_bind_int64(touch, 1, *old_seq);
        BindText(touch, 2, stored_at);
        if (auto status = Run(touch, absl::StrCat("storing article ",
                                                  article->id(), batch_note));
            !status.ok()) {
          return status;
        }
        continue;
      }
      v1::Article old_article;
      if (!ReadStoredArticle(find, 1, &old_article)) {
        return absl::DataLossError(
            absl::StrCat(path_, ": stored article ", article->id(),
                         " cannot be decoded; nothing stored"));
      }
      delta.Remove(old_article);
      // The index's entity tokens are the article's mentions: a change of
      // them alone reindexes it too.
      entities_changed = !SameCanonicalIds(EntityContributions(old_article),
                                           prepared.entities);
      left_stories.insert(old_article.story_id());
      seq = *old_seq;
      const int updated = write_row(update_article_.get(), old_seq);
      if (updated != SQLITE_DONE) {
        return Error(updated, absl::StrCat("storing article ", article->id(),
                                           batch_note));
      }
    }
    delta.Add(*article, prepared.entities);
    stored->seq = std::max(stored->seq, seq);
    if (!article->story_id().empty()) {
      story_members[article->story_id()].push_back(
          {seq, seen_at, !article->published_at().empty(), outlet,
           article->title()});
    }
    if (old_seq.has_value() && (text_changed || entities_changed)) {
      sqlite3_stmt* queue = queue_reindex_.get();
      ResetOnExit reset(queue);
      sqlite3_bind_int64(queue, 1, seq);
      if (auto status = Run(queue, absl::StrCat("storing article ",
                                                article->id(), batch_note));
          !status.ok()) {
        return status;
      }
      stored->reindex = sqlite3_last_insert_rowid(db_.get());
    }
    if (auto status =
            WriteMentions(seq, *article, seen_at, std::move(prepared.entities),
                          old_seq.has_value(), &mentions);
        !status.ok()) {
      return status;
    }
  }
  if (auto status = InsertMentions(&mentions); !status.ok()) return status;
  return ApplyDelta(delta.Build(), left_stories, story_members);
}

absl::StatusOr<bool> SqliteArticleDb::MergeIndexStep(int pages) {
  if (read_only_) return ReadOnlyError("merge the search index");
  if (pages < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat(path_, ": a merge step needs pages > 0, not ", pages));
  }
  return indexer_->MergeStep(pages);
}

absl::Status SqliteArticleDb::WriteMentions(
    int64_t seq, const v1::Article& article, std::optional<int64_t> seen_at,
    std::vector<EntityContribution> entities, bool replace,
    std::vector<MentionRow>* rows) {
  if (replace) {
    sqlite3_stmt* remove = delete_mentions_.get();
    ResetOnExit reset(remove);
    sqlite3_bind_int64(remove, 1, seq);
    if (auto status = Run(
            remove,
            absl::StrCat("recording the entities of article ", article.id()));
        !status.ok()) {
      return status;
    }
  }
  for (EntityContribution& entity : entities) {
    rows->push_back({std::move(entity.canonical_id), seq, entity.mentions,
                     seen_at, &article.id()});
  }
  return absl::OkStatus();
}

absl::Status SqliteArticleDb::InsertMentions(std::vector<MentionRow>* rows) {
  std::sort(rows->begin(), rows->end(),
            [](const MentionRow& a, const MentionRow& b) {
              return std::tie(a.canonical_id, a.seq) <
                     std::tie(b.canonical_id, b.seq);
            });
  for (const MentionRow& row : *rows) {
    sqlite3_stmt* insert = insert_mention_.get();
    ResetOnExit reset(insert);
    BindText(insert, 1, row.canonical_id);
    sqlite3_bind_int64(insert, 2, row.seq);
    sqlite3_bind_int64(insert, 3, row.mentions);
    BindOptionalInt(insert, 4, row.seen_at);
    if (auto status =
            Run(insert, absl::StrCat("recording the entities of article ",
                                     *row.article_id));
        !status.ok()) {
      return status;
    }
  }
  rows->clear();
  return absl::OkStatus();
}

absl::Status SqliteArticleDb::ApplyDelta(const CatalogueDelta& delta,
                                         const std::set<std::string>& left,
                                         const StoryMembers& members) {
  for (const CatalogueDelta::Entity& entity : delta.entities) {
    const std::string what =
        absl::StrCat("updating entity ", entity.canonical_id);
    {
      sqlite3_stmt* upsert = entity_delta_.get();
      ResetOnExit reset(upsert);
      BindText(upsert, 1, entity.canonical_id);
      BindText(upsert, 2, entity.name);
      BindText(upsert, 3, entity.name_key);
      BindText(upsert, 4, entity.type);
      sqlite3_bind_int64(upsert, 5, entity.article_delta);
      sqlite3_bind_int64(upsert, 6, entity.mention_delta);
      if (auto status = Run(upsert, what); !status.ok()) return status;
    }
    if (entity.article_delta < 0) {
      sqlite3_stmt* drop = drop_entity_.get();
      ResetOnExit reset(drop);
      BindText(drop, 1, entity.canonical_id);
      if (auto status = Run(drop, what); !status.ok()) return status;
    }
  }
  for (const CatalogueDelta::Alias& alias : delta.aliases) {
    const std::string what = absl::StrCat("updating alias \"", alias.alias,
                                          "\" of entity ", alias.canonical_id);
    {
      sqlite3_stmt* upsert = alias_delta_.get();
      ResetOnExit reset(upsert);
      BindText(upsert, 1, alias.canonical_id);
      BindText(upsert, 2, alias.alias);
      BindText(upsert, 3, alias.alias_key);
      sqlite3_bind_int64(upsert, 4, alias.article_delta);
      BindText(upsert, 5, alias.rule);
      if (auto status = Run(upsert, what); !status.ok()) return status;
    }
    if (alias.article_delta < 0) {
      sqlite3_stmt* drop = drop_alias_.get();
      ResetOnExit reset(drop);
      BindText(drop, 1, alias.canonical_id);
      BindText(drop, 2, alias.alias);
      if (auto status = Run(drop, what); !status.ok()) return status;
    }
  }
  for (const std::string& story : delta.stories) {
    const std::string what = absl::StrCat("updating story ", story);
    if (auto batch = members.find(story);
        batch != members.end() && left.count(story) == 0) {
      const StorySummary summary = SummarizeStory(batch->second);
      sqlite3_stmt* insert = new_story_.get();
      ResetOnExit reset(insert);
      BindText(insert, 1, story);
      BindOptionalInt(insert, 2, summary.first_seen);
      BindOptionalInt(insert, 3, summary.last_seen);
      sqlite3_bind_int64(insert, 4, summary.article_count);
      BindText(insert, 5, summary.outlets);
      BindText(insert, 6, summary.headline);
      if (auto status = Run(insert, what); !status.ok()) return status;
      // Inserted: the story is new. Else it had articles before the batch.
      if (sqlite3_changes(db_.get()) == 1) continue;
    }
    for (sqlite3_stmt* statement : {story_.get(), drop_story_.get()}) {
      if (statement == drop_story_.get() && left.count(story) == 0) continue;
      ResetOnExit reset(statement);
      BindText(statement, 1, story);
      if (auto status = Run(statement, what); !status.ok()) return status;
    }
  }
  return absl::OkStatus();
}

absl::Status SqliteArticleDb::RebuildDerived() {
  // Statements of their own: PrepareStatements() has not run yet.
  for (const char* sql : {"DELETE FROM mentions", "DELETE FROM entity_aliases",
                          "DELETE FROM entities", "DELETE FROM stories"}) {
    if (auto status = Exec(sql, "clearing derived tables"); !status.ok()) {
      return status;
    }
  }
  if (auto status = PrepareStatements(); !status.ok()) return status;
  absl::StatusOr<Statement> chunk = Prepare(
      "SELECT seq, id, article, title, body FROM articles WHERE seq > ?1 "
      "ORDER BY seq "
      "LIMIT ?2");
  if (!chunk.ok()) return chunk.status();
  absl::StatusOr<Statement> update =
      Prepare("UPDATE articles SET outlet = ?2, seen_at = ?3 WHERE seq = ?1");
  if (!update.ok()) return update.status();

  CatalogueDeltaBuilder delta;
  std::vector<MentionRow> mentions;
  int64_t last_seq = 0;
  while (true) {
    std::vector<std::pair<int64_t, v1::Article>> articles;
    {
      ResetOnExit reset(chunk->get());
      sqlite3_bind_int64(chunk->get(), 1, last_seq);
      sqlite3_bind_int(chunk->get(), 2, kRebuildChunk);
      int result;
      while ((result = sqlite3_step(chunk->get())) == SQLITE_ROW) {
        auto& [seq, article] = articles.emplace_back();
        seq = sqlite3_column_int64(chunk->get(), 0);
        if (!ReadStoredArticle(chunk->get(), 2, &article)) {
          return absl::DataLossError(absl::StrCat(
              path_, ": stored article ", ColumnText(chunk->get(), 1),
              " cannot be decoded; the migration is rolled back"));
        }
      }
      if (result != SQLITE_DONE) return Error(result, "reading articles");
    }
    if (articles.empty()) break;
    for (const auto& [seq, article] : articles) {
      const std::optional<int64_t> seen_at = SeenAtOf(article);
      {
        ResetOnExit reset(update->get());
        sqlite3_bind_int64(update->get(), 1, seq);
        const std::string outlet = OutletOf(article);
        BindText(update->get(), 2, outlet);
        BindOptionalInt(update->get(), 3, seen_at);
        if (auto status = Run(update->get(), "deriving article columns");
            !status.ok()) {
          return status;
        }
      }
      std::vector<EntityContribution> entities = EntityContributions(article);
      delta.Add(article, entities);
      if (auto status = WriteMentions(seq, article, seen_at,
                                      std::move(entities), true, &mentions);
          !status.ok()) {
        return status;
      }
      last_seq = seq;
    }
    if (auto status = InsertMentions(&mentions); !status.ok()) return status;
  }
  return ApplyDelta(delta.Build());
}

absl::Status SqliteArticleDb::ForEach(
    const ArticleFilter& filter,
    const std::function<absl::Status(const v1::Article&)>& visit) {
  // Its own statement rather than a shared one, so that `visit` may run
  // other queries on this database.
  SqlParams params('?');
  const std::string sql = absl::StrCat(
      "SELECT a.id, a.article, a.title, a.body FROM articles AS "
      "a WHERE 1",
      ArticleFilterSql(filter, params), " ORDER BY a.seq");
  absl::StatusOr<Statement> statement = PrepareWith(sql, params);
  if (!statement.ok()) return statement.status();
  v1::Article article;
  int result;
  while ((result = sqlite3_step(statement->get())) == SQLITE_ROW) {
    if (!ReadStoredArticle(statement->get(), 1, &article)) {
      return absl::DataLossError(absl::StrCat(path_, ": stored article ",
                                              ColumnText(statement->get(), 0),
                                              " cannot be decoded"));
    }
    if (auto status = visit(article); !status.ok()) return status;
  }
  if (result != SQLITE_DONE) return Error(result, "reading articles");
  return absl::OkStatus();
}

absl::StatusOr<StoredArticle> SqliteArticleDb::Get(const std::string& id) {
  sqlite3_stmt* get = get_.get();
  ResetOnExit reset(get);
  int result = BindText(get, 1, id);
  if (result == SQLITE_OK) result = sqlite3_step(get);
  if (result == SQLITE_DONE) {
    return absl::NotFoundError(
        absl::StrCat(path_, ": no article with id \"", id, "\""));
  }
  if (result != SQLITE_ROW) {
    return Error(result, absl::StrCat("reading article ", id));
  }
  StoredArticle stored;
  if (!ReadStoredArticle(get, 0, &stored.article)) {
    return absl::DataLossError(
        absl::StrCat(path_, ": stored article ", id, " cannot be decoded"));
  }
  stored.stored_at = ColumnText(get, 3);
  return stored;
}

absl::StatusOr<EntityTest> SqliteArticleDb::ChooseEntityTest(
    const SearchRequest& request, bool has_text) {
  const ArticleFilter& filter = request.filter;
  // A text search whose matches drive tests every match (the entity's
  // articles drive when they are few, see MentionsDriveTextSearch);
  // testing a match against the gathered mentions measured cheaper than
  // probing (at 1M articles, 36,000 mentions: 18 against 27 ms).
  if (has_text) return EntityTest::kGather;
  if (filter.entity.empty()) {
    // A type alone: every entity of the type, in most articles.
    return filter.entity_type == v1::ENTITY_TYPE_UNSPECIFIED
               ? EntityTest::kGather
               : EntityTest::kProbe;
  }
  SqlParams params('?');
  const std::string sql = absl::StrCat(
      "SELECT coalesce(sum(article_count), 0), "
      "(SELECT coalesce(max(seq), 0) FROM articles) FROM entities "
      "WHERE canonical_id IN (",
      EntityIdsSql(filter.entity, filter.entity_type, params), ")");
  absl::StatusOr<Statement> statement = PrepareWith(sql, params);
  if (!statement.ok()) return statement.status();
  const int result = sqlite3_step(statement->get());
  if (result != SQLITE_ROW) return Error(result, "counting an entity");
  const double mentions =
      static_cast<double>(sqlite3_column_int64(statement->get(), 0));
  const double articles =
      static_cast<double>(sqlite3_column_int64(statement->get(), 1));
  const double pages = static_cast<double>(request.limit + request.offset);
  return mentions * mentions <= pages * articles ? EntityTest::kGather
                                                 : EntityTest::kProbe;
}

absl::StatusOr<bool> SqliteArticleDb::MentionsDriveTextSearch(
    const SearchRequest& request) {
  // Measured at 1M articles: walking a word's matches about 0.05 us each,
  // looking an article up 25 us (for a text of words).
  constexpr int64_t kMatchesPerLookup = 512;
  if (request.filter.entity.empty()) return false;
  SqlParams params('?');
  const std::string sql = absl::StrCat(
      "SELECT coalesce(sum(article_count), 0), "
      "(SELECT coalesce(max(seq), 0) FROM articles) FROM entities WHERE "
      "canonical_id IN (",
      EntityIdsSql(request.filter.entity, request.filter.entity_type, params),
      ")");
  absl::StatusOr<Statement> statement = PrepareWith(sql, params);
  if (!statement.ok()) return statement.status();
  const int result = sqlite3_step(statement->get());
  if (result != SQLITE_ROW) return Error(result, "counting an entity");
  const int64_t entity_articles = sqlite3_column_int64(statement->get(), 0);
  const int64_t articles = sqlite3_column_int64(statement->get(), 1);
  if (entity_articles == 0) {
    // Nothing to look up; still a query FTS5 rejects is named.
    absl::StatusOr<std::optional<int64_t>> first =
        NthNewestMatch(request.text, 1);
    if (!first.ok()) return first.status();
    return true;
  }
  if (entity_articles > articles / kMatchesPerLookup) return false;
  // Known without asking FTS5, whose count of the phrases would walk the
  // rare phrase of common words to its first match and then count it.
  if (HasPhraseOfSeveralTokens(request.text)) return false;
  // Weighed from the phrases' counts (newsflow_phrase_rows, which reads at
  // most kIdfSampleRows matches of each) rather than by walking up to
  // entity_articles * kMatchesPerLookup matches to see whether there are
  // that many: that walk alone cost 5 ms for a common word, 15 for two, with
  // an entity in 100 to 200 articles at 1M. Words only: the query matches at
  // most as many rows as its rarest word (exactly as many for one word),
  // and walking it costs about as much. A phrase of several words never
  // drives from the mentions: looking an article up measured 3 ms for
  // "corp loss" (against 25 us for a word), and walking it costs what
  // walking its words does, which its count does not say.
  absl::StatusOr<std::vector<int64_t>> rows = PhraseRows(request.text);
  if (!rows.ok()) return rows.status();
  if (rows->empty()) return false;
  int64_t rarest = rows->front();
  for (int64_t count : *rows) {
    if (count < 0) return false;
    rarest = std::min(rarest, count);
  }
  return rarest > entity_articles * kMatchesPerLookup;
}

absl::StatusOr<std::vector<SearchHit>> SqliteArticleDb::Search(
    const SearchRequest& request) {
  // Only a text holding kEntityTokenMark could match an entity token: the
  // mark reads as a space there. (Wrapping such a text in a column filter
  // let a ")" of its own close the filter early.) A text of marks alone
  // matches nothing; it is no listing of every article.
  if (absl::StrContains(request.text, kEntityTokenMark)) {
    SearchRequest text_only = request;
    text_only.text =
        absl::StrReplaceAll(request.text, {{kEntityTokenMark, " "}});
    if (absl::StripAsciiWhitespace(text_only.text).empty()) {
      return std::vector<SearchHit>();
    }
    if (auto status = CheckSearchRequest(path_, text_only); !status.ok()) {
      return status;
    }
    return SearchText(text_only);
  }
  if (auto status = CheckSearchRequest(path_, request); !status.ok()) {
    return status;
  }
  return SearchText(request);
}

absl::StatusOr<std::vector<SearchHit>> SqliteArticleDb::SearchText(
    const SearchRequest& request) {
  // What this object stored is searchable (others' articles once indexed).
  // Not WaitForSearchIndex: a failed checkpoint does not fail a search.
  if (indexer_ != nullptr) {
    if (auto status = indexer_->WaitIndexed(); !status.ok()) return status;
  }
  // Every read of the search in one snapshot of each file: the entity's
  // seqs, the counts choosing the plan, each widening's walk and the page
  // itself (read apart, an article re-stored in between could pass the
  // entity test as one version and the filter as another). A WAL reader
  // blocks neither the writer nor the indexer; a caller's own transaction
  // is already one snapshot.
  ReadTransaction snapshot(db_.get());
  if (snapshot.result() != SQLITE_OK) {
    return Error(snapshot.result(), "starting a search");
  }
  // A filter on article columns ranks every match: its page is often
  // short of the window's matches, and widening would rank them all
  // several times over. An entity filter ranks a window of the entity's
  // matches, counted (when a page asks) by the same merge of the text's
  // matches with the entity's mentions as the search (EntityArticles).
  if (absl::StripAsciiWhitespace(request.text).empty() ||
      request.rank_window <= 0 || FiltersArticleColumns(request.filter) ||
      (request.filter.entity.empty() &&
       request.filter.entity_type != v1::ENTITY_TYPE_UNSPECIFIED)) {
    return SearchFrom(request, 0);
  }
  absl::StatusOr<std::unique_ptr<EntityArticles>> entity =
      EntityWalk(request.filter);
  if (!entity.ok()) return entity.status();
  if (!request.filter.entity.empty() && *entity == nullptr) {
    return SearchFrom(request, 0);
  }
  // An index with entity tokens ANDs the text with the entity inside FTS5,
  // which steps the two doclists and skips through the longer one to the
  // shorter one's rows (Lucene's conjunction): no plan to choose, and no
  // row of one side alone reaches SQLite. Not for one quoted phrase: the
  // walk of its first page also counts its IDF (DeferredIdf), which the AND
  // would not see.
  absl::StatusOr<std::optional<std::string>> tokens_match =
      IsOneQuotedPhrase(request.text) ? std::optional<std::string>()
                                      : EntityTokensMatch(request.filter);
  if (!tokens_match.ok()) return tokens_match.status();
  struct ClearOnExit {
    std::optional<std::string>* match;
    ~ClearOnExit() { match->reset(); }
  } clear_on_exit{&entity_tokens_match_};
  entity_tokens_match_ = *std::move(tokens_match);
  // FTS5 walks its doclists in seq order, so the newest matches are a
  // prefix of a walk newest first; a short page widens only when the window
  // was full (checked then, by counting the window's matches off). A first
  // page (no cursor, no offset) shorter than its window held fewer matches
  // than the page, so every match was ranked: no count needed, which
  // spares a rare phrase of common words a second walk.
  for (int64_t window = request.rank_window;; window *= 8) {
    absl::StatusOr<std::vector<SearchHit>> hits = SearchFrom(request, window);
    if (!hits.ok() || hits->size() >= static_cast<size_t>(request.limit)) {
      return hits;
    }
    if (request.after.empty() && request.offset == 0 &&
        window >= request.limit) {
      return hits;
    }
    absl::StatusOr<std::optional<int64_t>> lowest =
        NthNewestMatch(request.text, window, entity->get());
    if (!lowest.ok()) return lowest.status();
    if (!lowest->has_value()) return hits;
  }
}

absl::StatusOr<std::unique_ptr<EntityArticles>> SqliteArticleDb::EntityWalk(
    const ArticleFilter& filter) {
  if (filter.entity.empty()) return nullptr;
  absl::StatusOr<std::optional<std::vector<std::string>>> ids =
      EntityCanonicalIds(filter);
  if (!ids.ok()) return ids.status();
  if (!ids->has_value()) return nullptr;
  absl::StatusOr<std::unique_ptr<EntityArticles>> walk =
      EntityArticles::Open(db_.get(), **ids);
  if (!walk.ok()) {
    return absl::InternalError(
        absl::StrCat(path_, ": ", walk.status().message()));
  }
  return walk;
}

absl::StatusOr<bool> SqliteArticleDb::IndexHasEntityTokens() {
  absl::StatusOr<Statement> statement = Prepare(
      "SELECT sql FROM search.sqlite_schema WHERE name = 'articles_fts'");
  if (!statement.ok()) return statement.status();
  const int result = sqlite3_step(statement->get());
  if (result == SQLITE_DONE) return false;
  if (result != SQLITE_ROW) return Error(result, "reading the search index");
  return DeclaresEntityTokens(ColumnText(statement->get(), 0));
}

absl::StatusOr<std::optional<std::string>> SqliteArticleDb::EntityTokensMatch(
    const ArticleFilter& filter) {
  if (filter.entity.empty()) return std::optional<std::string>();
  absl::StatusOr<bool> has_tokens = IndexHasEntityTokens();
  if (!has_tokens.ok()) return has_tokens.status();
  if (!*has_tokens) return std::optional<std::string>();
  absl::StatusOr<std::optional<std::vector<std::string>>> ids =
      EntityCanonicalIds(filter);
  if (!ids.ok()) return ids.status();
  if (!ids->has_value() || (*ids)->empty()) {
    return std::optional<std::string>();
  }
  // The column filter keeps a title or body that happens to hold a token
  // of this form from passing as a mention.
  std::string match = "{entity_ids} : (";
  for (size_t i = 0; i < (*ids)->size(); ++i) {
    absl::StrAppend(&match, i > 0 ? " OR \"" : "\"", EntityIdToken((**ids)[i]),
                    "\"");
  }
  match += ")";
  return std::optional<std::string>(std::move(match));
}

absl::StatusOr<std::optional<std::vector<std::string>>>
SqliteArticleDb::EntityCanonicalIds(const ArticleFilter& filter) {
  // Each id is a walk of its own, stepped at every match.
  constexpr size_t kMostWalks = 8;
  SqlParams params('?');
  const std::string sql =
      absl::StrCat("SELECT canonical_id FROM (",
                   EntityIdsSql(filter.entity, filter.entity_type, params),
                   ") LIMIT ", params.Int(kMostWalks + 1));
  absl::StatusOr<Statement> statement = PrepareWith(sql, params);
  if (!statement.ok()) return statement.status();
  std::vector<std::string> ids;
  int result;
  while ((result = sqlite3_step(statement->get())) == SQLITE_ROW) {
    ids.push_back(ColumnText(statement->get(), 0));
  }
  if (result != SQLITE_DONE) return Error(result, "finding an entity");
  if (ids.size() > kMostWalks) {
    return std::optional<std::vector<std::string>>();
  }
  return std::optional<std::vector<std::string>>(std::move(ids));
}

absl::StatusOr<int64_t> SqliteArticleDb::MostSeqsBetweenLookups() {
  // A lookup seeks each word in each segment. Measured (text + entity
  // queries, CPU p50): at 20,000 articles in 9 segments, gaps of 28 to 60
  // seqs a segment were fastest (10 and 120 slower), in one segment 1 to
  // 400 seqs measured the same; at 1M in 13 segments 416 beat 256 for all
  // six queries, and in one segment 256 beat 32 for five of six (a seek in
  // a large segment costs more): never below kFewestSeqs.
  constexpr int64_t kSeqsPerSegment = 32;
  constexpr int64_t kFewestSeqs = 256;
  std::string structure;
  if (const int result = ReadIndexStructure(db_.get(), &structure);
      result != SQLITE_OK) {
    return Error(result, "reading the search index's structure");
  }
  int64_t segments = structure.empty() ? -1 : Fts5SegmentCount(structure);
  // An unreadable record (a newer FTS5) keeps the 13-segment figure.
  if (segments < 0) segments = 13;
  return std::max(kFewestSeqs, kSeqsPerSegment * segments);
}

absl::StatusOr<std::vector<int64_t>> SqliteArticleDb::EntitySeqs(
    const ArticleFilter& filter) {
  SqlParams params('?');
  const std::string sql = absl::StrCat(
      "SELECT DISTINCT article_seq FROM mentions WHERE canonical_id IN (",
      EntityIdsSql(filter.entity, filter.entity_type, params),
      ") ORDER BY article_seq");
  absl::StatusOr<Statement> statement = PrepareWith(sql, params);
  if (!statement.ok()) return statement.status();
  std::vector<int64_t> seqs;
  int result;
  while ((result = sqlite3_step(statement->get())) == SQLITE_ROW) {
    seqs.push_back(sqlite3_column_int64(statement->get(), 0));
  }
  if (result != SQLITE_DONE)
    return Error(result, "reading an entity's mentions");
  return seqs;
}

absl::StatusOr<std::optional<int64_t>> SqliteArticleDb::NthNewestMatch(
    const std::string& text, int64_t n, EntityArticles* entity) {
  SqlParams params('?');
  std::string sql =
      absl::StrCat("SELECT rowid FROM articles_fts WHERE articles_fts MATCH ",
                   params.Text(entity_tokens_match_.has_value()
                                   ? TextAndEntity(text, *entity_tokens_match_)
                                   : text));
  int walk_param = 0;
  if (entity != nullptr && !entity_tokens_match_.has_value()) {
    absl::StrAppend(&sql, " AND newsflow_in_entity(rowid, ", params.Int(0),
                    ")");
    walk_param = static_cast<int>(params.values().size());
  }
  absl::StrAppend(&sql, " ORDER BY rowid DESC LIMIT 1 OFFSET ",
                  params.Int(n - 1));
  absl::StatusOr<Statement> statement = PrepareWith(sql, params);
  if (!statement.ok()) return statement.status();
  if (walk_param > 0) {
    const int bound = sqlite3_bind_pointer(statement->get(), walk_param, entity,
                                           kEntityArticlesPointer, nullptr);
    if (bound != SQLITE_OK) return Error(bound, "binding an entity's walk");
  }
  const int result = sqlite3_step(statement->get());
  if (result == SQLITE_ROW) {
    return std::optional<int64_t>(sqlite3_column_int64(statement->get(), 0));
  }
  if (result == SQLITE_DONE) return std::optional<int64_t>();
  return SearchError(result, text);
}

absl::StatusOr<std::optional<std::string>> SqliteArticleDb::TextIdfs(
    const std::string& text) {
  SqlParams params('?');
  const std::string sql = absl::StrCat(
      "SELECT newsflow_bm25_idf(articles_fts, (SELECT max(seq) FROM "
      "articles)) FROM articles_fts WHERE articles_fts MATCH ",
      params.Text(text), " LIMIT 1");
  absl::StatusOr<Statement> statement = PrepareWith(sql, params);
  if (!statement.ok()) return statement.status();
  const int result = sqlite3_step(statement->get());
  if (result == SQLITE_ROW) {
    return std::optional<std::string>(ColumnText(statement->get(), 0));
  }
  if (result == SQLITE_DONE) return std::optional<std::string>();
  return SearchError(result, text);
}

absl::StatusOr<std::vector<int64_t>> SqliteArticleDb::PhraseRows(
    const std::string& text) {
  SqlParams params('?');
  const std::string sql = absl::StrCat(
      "SELECT newsflow_phrase_rows(articles_fts, (SELECT max(seq) FROM "
      "articles)) FROM articles_fts WHERE articles_fts MATCH ",
      params.Text(text), " LIMIT 1");
  absl::StatusOr<Statement> statement = PrepareWith(sql, params);
  if (!statement.ok()) return statement.status();
  const int result = sqlite3_step(statement->get());
  std::vector<int64_t> rows;
  if (result == SQLITE_DONE) return rows;
  if (result != SQLITE_ROW) return SearchError(result, text);
  const std::string counts = ColumnText(statement->get(), 0);
  for (absl::string_view part :
       absl::StrSplit(counts, ',', absl::SkipEmpty())) {
    int64_t count = 0;
    if (!absl::SimpleAtoi(part, &count)) return std::vector<int64_t>();
    rows.push_back(count);
  }
  return rows;
}

absl::Status SqliteArticleDb::SearchError(int result, const std::string& text) {
  // A plain SQLITE_ERROR from MATCH is FTS5 rejecting the query text.
  if ((result & 0xff) == SQLITE_ERROR) {
    std::string message = sqlite3_errmsg(db_.get());
    if (message.rfind("fts5: ", 0) == 0) message.erase(0, 6);
    return absl::InvalidArgumentError(absl::StrCat(
        path_, ": invalid search query \"", text, "\": ", message));
  }
  return Error(result, absl::StrCat("searching for \"", text, "\""));
}

absl::StatusOr<std::vector<SearchHit>> SqliteArticleDb::SearchFrom(
    const SearchRequest& request, int64_t window, bool defer_idf) {
  const bool has_text = !absl::StripAsciiWhitespace(request.text).empty();
  absl::StatusOr<std::optional<SearchCursor>> decoded =
      AfterCursorOf(path_, request, has_text);
  if (!decoded.ok()) return decoded.status();
  const std::optional<SearchCursor>& after = *decoded;
  // An entity's newest articles, nothing else asked: the last entries of
  // its range of the mentions_newest index.
  const bool entity_newest = !has_text && !request.filter.entity.empty() &&
                             !FiltersArticleColumns(request.filter);
  absl::StatusOr<EntityTest> entity_test =
      entity_newest ? EntityTest::kGather : ChooseEntityTest(request, has_text);
  if (!entity_test.ok()) return entity_test.status();
  SqlParams params('?');
  std::string sql;
  // The text-driven plan's walk of the entity's mentions, bound as a
  // pointer to parameter walk_param.
  std::unique_ptr<EntityArticles> entity_walk;
  int walk_param = 0;
  // With the IDF deferred, the DeferredIdf bound to parameter idf_param.
  DeferredIdf deferred;
  int idf_param = 0;
  if (has_text) {
    // bm25 column weights (title, body): a word in the title says more about
    // what the article is about than the same word somewhere in the body.
    // newsflow_bm25 rather than bm25: the same score without counting every
    // match of each phrase first (see sqlite_article_db_rank.h).
    constexpr char kMaxSeq[] = "(SELECT max(seq) FROM articles)";
    // Two levels: the inner query ranks every match and keeps the page's
    // seqs; only then are the page's snippets made and rows read. In one
    // level SQLite made a snippet and read an article row for every match
    // before sorting. The inner query reads articles only to filter. CROSS
    // JOIN keeps the page driving the outer level: not knowing the bound
    // LIMIT, SQLite sometimes walked every match of the text instead and
    // read its article row (1.3 s for "with" at 1M articles).
    const bool tokens_drive = entity_tokens_match_.has_value();
    absl::StatusOr<bool> mentions_drive =
        tokens_drive ? false : MentionsDriveTextSearch(request);
    if (!mentions_drive.ok()) return mentions_drive.status();
    if (!*mentions_drive && !tokens_drive) {
      absl::StatusOr<std::unique_ptr<EntityArticles>> opened =
          EntityWalk(request.filter);
      if (!opened.ok()) return opened.status();
      entity_walk = *std::move(opened);
    }
    // A first page of one phrase, walked newest first (alone or merged
    // with an entity's mentions): its IDF is counted from the walk when
    // the walk reaches the oldest match before kIdfSampleRows (see
    // DeferredIdf), else afterwards. One more row is asked for, to see
    // whether scaling the ranks could reorder the page's last row.
    defer_idf = defer_idf && window > 0 && !after && request.offset == 0 &&
                !*mentions_drive && !FiltersArticleColumns(request.filter) &&
                (request.filter.entity.empty() || entity_walk != nullptr) &&
                IsOneQuotedPhrase(request.text);
    // Looked up row by row, the rank would count its IDFs again for each
    // row (see sqlite_article_db_rank.h): counted once here instead.
    std::string idfs = "NULL";
    if (defer_idf) {
      idfs = params.Int(0);
      idf_param = static_cast<int>(params.values().size());
      if (entity_walk != nullptr) {
        deferred.rank_counts = false;
        entity_walk->CountInto(&deferred);
      }
    } else if (*mentions_drive) {
      absl::StatusOr<std::optional<std::string>> counted =
          TextIdfs(request.text);
      if (!counted.ok()) return counted.status();
      if (counted->has_value()) idfs = params.Text(**counted);
    }
    // Ranked knowing the page (see newsflow_bm25_top): the inner query
    // keeps its other conditions in its own WHERE clause and always has a
    // LIMIT, so the rank is taken once per row that passes them.
    // The entity's mentions driving a window are ranked before the window
    // is cut (ORDER BY over a DISTINCT subquery sorts what it ranked), so
    // the rank could keep its best rows among articles outside the window:
    // it skips nothing there (top 0). (Each rowid lookup now starts FTS5's
    // query over, and the rank's kept rows with it, so this costs nothing
    // measured; it no longer rests on that.)
    double after_score = 0;
    if (after) (void)absl::SimpleAtod(after->score, &after_score);
    const int64_t page_rows = request.limit + (defer_idf ? 1 : 0);
    const int64_t top =
        window > 0 && *mentions_drive ? 0 : page_rows + request.offset;
    const std::string rank =
        absl::StrCat("newsflow_bm25_top(articles_fts, ", kMaxSeq, ", ", idfs,
                     ", ", params.Int(top), ", ",
                     after ? params.Real(after_score) : std::string("NULL"),
                     ", ", params.Int(after ? after->seq : 0),
                     // The entity tokens' column, if any, is not text.
                     ", 4.0, 1.0, NULL)");
    const std::string query = params.Text(request.text);
    const bool join = FiltersArticleColumns(request.filter);
    std::string ranked = absl::StrCat(
        "SELECT seq, rank_score FROM (SELECT articles_fts.rowid AS seq, ", rank,
        " AS rank_score FROM ");
    if (*mentions_drive) {
      // The entity's articles, looked up in the full-text index a run at a
      // time (SeqRuns; CROSS JOIN keeps that order), each match kept when
      // it is one of them; the rest of the filter after. A gap costs at most
      // a match walked per seq, a tenth of a microsecond or two, against
      // 55 us or more for a lookup.
      absl::StatusOr<int64_t> gap = MostSeqsBetweenLookups();
      if (!gap.ok()) return gap.status();
      absl::StatusOr<std::vector<int64_t>> seqs = EntitySeqs(request.filter);
      if (!seqs.ok()) return seqs.status();
      const std::vector<std::pair<int64_t, int64_t>> runs =
          SeqRuns(*seqs, *gap);
      entity_lookups.fetch_add(static_cast<int64_t>(runs.size()),
                               std::memory_order_relaxed);
      std::string runs_json = "[";
      for (const auto& [first, last] : runs) {
        absl::StrAppend(&runs_json, runs_json.size() > 1 ? "," : "", "[", first,
                        ",", last, "]");
      }
      runs_json += "]";
      entity_walk = EntityArticles::OfSeqs(*std::move(seqs));
      ArticleFilter rest = request.filter;
      rest.entity.clear();
      rest.entity_type = v1::ENTITY_TYPE_UNSPECIFIED;
      const std::string runs_sql = params.Text(runs_json);
      const std::string walk = params.Int(0);
      walk_param = static_cast<int>(params.values().size());
      const std::string rest_sql = ArticleFilterSql(rest, params);
      absl::StrAppend(
          &ranked,
          "(SELECT json_extract(value, '$[0]') AS first, "
          "json_extract(value, '$[1]') AS last FROM json_each(",
          runs_sql,
          // LIMIT keeps the runs a subquery of their own: flattened, each
          // bound was parsed from JSON again at each match walked (SQLite
          // checks FTS5's rowid range itself too), doubling the cost.
          ") LIMIT -1) AS r CROSS JOIN articles_fts ON articles_fts.rowid "
          "BETWEEN "
          "r.first AND r.last",
          join ? " JOIN articles AS a ON a.seq = articles_fts.rowid" : "",
          " WHERE articles_fts MATCH ", query,
          " AND newsflow_in_entity(articles_fts.rowid, ", walk, ")", rest_sql);
    } else if (tokens_drive) {
      // The text's matches that are the entity's, found by FTS5 (see
      // Search); the rest of the filter after.
      ArticleFilter rest = request.filter;
      rest.entity.clear();
      rest.entity_type = v1::ENTITY_TYPE_UNSPECIFIED;
      absl::StrAppend(
          &ranked, "articles_fts",
          join ? " JOIN articles AS a ON a.seq = articles_fts.rowid" : "",
          " WHERE articles_fts MATCH ",
          params.Text(TextAndEntity(request.text, *entity_tokens_match_)),
          ArticleFilterSql(rest, params));
    } else if (entity_walk != nullptr) {
      // The text's matches newest first, merged with the entity's
      // mentions in the same order (EntityArticles): no mention below the
      // last match walked is read.
      ArticleFilter rest = request.filter;
      rest.entity.clear();
      rest.entity_type = v1::ENTITY_TYPE_UNSPECIFIED;
      const std::string walk = params.Int(0);
      walk_param = static_cast<int>(params.values().size());
      absl::StrAppend(
          &ranked, "articles_fts",
          join ? " JOIN articles AS a ON a.seq = articles_fts.rowid" : "",
          " WHERE articles_fts MATCH ", query,
          " AND newsflow_in_entity(articles_fts.rowid, ", walk, ")",
          ArticleFilterSql(rest, params));
    } else {
      // The unary + keeps the full-text index driving: SQLite would
      // otherwise look every mention of the entity up in the index by
      // rowid, whatever the counts.
      absl::StrAppend(
          &ranked, "articles_fts",
          join ? " JOIN articles AS a ON a.seq = articles_fts.rowid" : "",
          " WHERE articles_fts MATCH ", query,
          ArticleFilterSql(request.filter, params, *entity_test,
                           join ? "+a.seq" : "+articles_fts.rowid"));
    }
    if (window > 0 && *mentions_drive) {
      // Sorted after the lookups: handed to FTS5, the order made it walk
      // each run newest first, and FTS5 finds a run's newest end by
      // stepping back from the doclist's end (the whole doclist of a word
      // in most articles).
      absl::StrAppend(&ranked, " ORDER BY +articles_fts.rowid DESC LIMIT ",
                      params.Int(window));
    } else if (window > 0) {
      absl::StrAppend(&ranked, " ORDER BY articles_fts.rowid DESC LIMIT ",
                      params.Int(window));
    } else if (entity_walk != nullptr && !*mentions_drive) {
      absl::StrAppend(&ranked, " ORDER BY articles_fts.rowid DESC LIMIT -1");
    } else {
      absl::StrAppend(&ranked, " LIMIT -1");
    }
    absl::StrAppend(&ranked, ") WHERE 1");
    if (after) {
      // The cursor's score is the double the rank gave, bound as a double,
      // so the equality below holds for the cursor's own row and its ties.
      const std::string bound = params.Real(after_score);
      absl::StrAppend(&ranked, " AND (rank_score > ", bound,
                      " OR (rank_score = ", bound, " AND seq > ",
                      params.Int(after->seq), "))");
    }
    absl::StrAppend(&ranked, " ORDER BY rank_score, seq LIMIT ",
                    params.Int(page_rows), " OFFSET ",
                    params.Int(request.offset));
    sql = absl::StrCat(
        "SELECT a.id, a.title, a.url, a.published_at, a.source, a.story_id, "
        "snippet(articles_fts, -1, ",
        params.Text(kSnippetMatchStart), ", ", params.Text(kSnippetMatchEnd),
        ", ", params.Text(kSnippetEllipsis),
        ", 16), t.rank_score, a.seq, a.seen_at FROM (", ranked,
        ") AS t CROSS JOIN articles_fts ON articles_fts.rowid = t.seq "
        "CROSS JOIN articles AS a ON a.seq = t.seq WHERE articles_fts MATCH ",
        query, " ORDER BY t.rank_score, t.seq");
  } else if (entity_newest) {
    const std::string ids =
        EntityIdsSql(request.filter.entity, request.filter.entity_type, params);
    sql = absl::StrCat(
        "SELECT a.id, a.title, a.url, a.published_at, a.source, a.story_id, "
        "a.body, 0, a.seq, a.seen_at FROM articles AS a WHERE a.seq IN "
        "(SELECT DISTINCT m.article_seq FROM mentions AS m WHERE "
        "m.canonical_id IN (",
        ids, ")",
        after ? NewestAfterSql(*after, params, "m.seen_at", "m.article_seq")
              : std::string(),
        " ORDER BY m.seen_at DESC, m.article_seq DESC LIMIT ",
        params.Int(request.limit + request.offset),
        ") ORDER BY a.seen_at DESC, a.seq DESC LIMIT ",
        params.Int(request.limit), " OFFSET ", params.Int(request.offset));
  } else {
    sql = absl::StrCat(
        "SELECT a.id, a.title, a.url, a.published_at, a.source, a.story_id, "
        "a.body, 0, a.seq, a.seen_at FROM articles AS a WHERE 1",
        ArticleFilterSql(request.filter, params, *entity_test),
        after ? NewestAfterSql(*after, params) : std::string(),
        " ORDER BY a.seen_at DESC, a.seq DESC LIMIT ",
        params.Int(request.limit), " OFFSET ", params.Int(request.offset));
  }
  absl::StatusOr<Statement> statement = PrepareWith(sql, params);
  if (!statement.ok()) return statement.status();
  sqlite3_stmt* search = statement->get();
  if (walk_param > 0) {
    const int bound = sqlite3_bind_pointer(
        search, walk_param, entity_walk.get(), kEntityArticlesPointer, nullptr);
    if (bound != SQLITE_OK) return Error(bound, "binding an entity's walk");
  }
  if (idf_param > 0) {
    const int bound = sqlite3_bind_pointer(search, idf_param, &deferred,
                                           kDeferredIdfPointer, nullptr);
    if (bound != SQLITE_OK) return Error(bound, "binding a deferred IDF");
  }

  std::vector<SearchHit> hits;
  // The rank of each hit, and its seq and seen_at, for the cursor.
  std::vector<std::pair<double, SearchCursor>> ranks;
  int result;
  while ((result = sqlite3_step(search)) == SQLITE_ROW) {
    SearchHit hit;
    hit.id = ColumnText(search, 0);
    hit.title = ColumnText(search, 1);
    hit.url = ColumnText(search, 2);
    hit.published_at = ColumnText(search, 3);
    hit.source = ColumnText(search, 4);
    hit.story_id = ColumnText(search, 5);
    hit.snippet = has_text
                      ? ColumnText(search, 6)
                      : LeadSnippet(ColumnText(search, 6), kLeadSnippetWords);
    SearchCursor cursor;
    cursor.ranked = has_text;
    cursor.seq = sqlite3_column_int64(search, 8);
    if (!has_text && sqlite3_column_type(search, 9) != SQLITE_NULL) {
      cursor.seen_at = sqlite3_column_int64(search, 9);
    }
    ranks.emplace_back(sqlite3_column_double(search, 7), cursor);
    hits.push_back(std::move(hit));
  }
  if (result != SQLITE_DONE) {
    if (has_text) return SearchError(result, request.text);
    return Error(result, "searching");
  }
  if (defer_idf && !hits.empty()) {
    absl::StatusOr<std::optional<double>> idf =
        DeferredPhraseIdf(request.text, deferred, window);
    if (!idf.ok()) return idf.status();
    if (!idf->has_value()) return SearchFrom(request, window, false);
    std::vector<size_t> order(hits.size());
    std::vector<double> scaled(hits.size());
    for (size_t i = 0; i < hits.size(); ++i) {
      order[i] = i;
      scaled[i] = ScaledRank(ranks[i].first, **idf);
    }
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      return scaled[a] < scaled[b] ||
             (scaled[a] == scaled[b] &&
              ranks[a].second.seq < ranks[b].second.seq);
    });
    // Two ranks that scaling made equal would be ordered by seq: when that
    // happens at the page's edge, rows past the extra one could belong in
    // the page, so the page is ranked again with the IDF counted first.
    const size_t limit = static_cast<size_t>(request.limit);
    if (hits.size() > limit &&
        scaled[order[limit - 1]] == scaled[order[limit]] &&
        ranks[order[limit - 1]].first != ranks[order[limit]].first) {
      return SearchFrom(request, window, false);
    }
    std::vector<SearchHit> page;
    std::vector<std::pair<double, SearchCursor>> page_ranks;
    for (size_t i = 0; i < order.size() && i < limit; ++i) {
      page.push_back(std::move(hits[order[i]]));
      page_ranks.emplace_back(scaled[order[i]], ranks[order[i]].second);
    }
    hits = std::move(page);
    ranks = std::move(page_ranks);
  }
  for (size_t i = 0; i < hits.size(); ++i) {
    // bm25() is lower for better matches.
    const double rank = ranks[i].first;
    SearchHit& hit = hits[i];
    hit.score = -rank;
    if (hit.score == 0) hit.score = 0;  // No "-0".
    SearchCursor& cursor = ranks[i].second;
    if (has_text) cursor.score = absl::StrFormat("%.17g", rank);
    hit.cursor = EncodeCursor(cursor);
  }
  return hits;
}

absl::StatusOr<std::optional<double>> SqliteArticleDb::DeferredPhraseIdf(
    const std::string& text, const DeferredIdf& deferred, int64_t window) {
  if (deferred.phrases != 1) return std::optional<double>();
  // A walk that ended before the window did has seen every match, and so
  // what the rank's sample of the phrase would count.
  if (deferred.ranked_rows < window) {
    return std::optional<double>(
        PhraseIdf(deferred.table_rows, deferred.SampledRows()));
  }
  absl::StatusOr<std::optional<std::string>> counted = TextIdfs(text);
  if (!counted.ok()) return counted.status();
  double idf = 0;
  if (!counted->has_value() || !absl::SimpleAtod(**counted, &idf)) {
    return std::optional<double>();
  }
  return std::optional<double>(idf);
}

absl::StatusOr<int64_t> SqliteArticleDb::Count() {
  sqlite3_stmt* count = count_.get();
  ResetOnExit reset(count);
  int result = sqlite3_step(count);
  if (result != SQLITE_ROW) return Error(result, "counting articles");
  return sqlite3_column_int64(count, 0);
}

absl::StatusOr<std::vector<StoryInfo>> SqliteArticleDb::Stories(
    const StoryQuery& query) {
  SqlParams params(kSqliteDialect.placeholder);
  absl::StatusOr<std::string> sql =
      ListStoriesSql(path_, query, kSqliteDialect, params);
  if (!sql.ok()) return sql.status();
  absl::StatusOr<Statement> statement = PrepareWith(*sql, params);
  if (!statement.ok()) return statement.status();
  std::vector<StoryInfo> stories;
  int result;
  while ((result = sqlite3_step(statement->get())) == SQLITE_ROW) {
    sqlite3_stmt* row = statement->get();
    StoryInfo& story = stories.emplace_back();
    story.id = ColumnText(row, 0);
    story.first_seen = TimeFromSeconds(ColumnOptionalInt(row, 1));
    story.last_seen = TimeFromSeconds(ColumnOptionalInt(row, 2));
    story.article_count = sqlite3_column_int64(row, 3);
    story.outlets = SplitOutlets(ColumnText(row, 4));
    story.headline = ColumnText(row, 5);
  }
  if (result != SQLITE_DONE) return Error(result, "listing stories");
  if (query.top_entities <= 0) return stories;

  absl::StatusOr<Statement> top = Prepare(
      "SELECT e.canonical_id, e.name, e.type, count(*) AS n "
      "FROM articles AS a JOIN mentions AS m ON m.article_seq = a.seq "
      "JOIN entities AS e ON e.canonical_id = m.canonical_id "
      "WHERE a.story_id = ?1 GROUP BY e.canonical_id "
      "ORDER BY n DESC, sum(m.mentions) DESC, e.name LIMIT ?2");
  if (!top.ok()) return top.status();
  for (StoryInfo& story : stories) {
    sqlite3_stmt* row = top->get();
    ResetOnExit reset(row);
    BindText(row, 1, story.id);
    sqlite3_bind_int(row, 2, query.top_entities);
    while ((result = sqlite3_step(row)) == SQLITE_ROW) {
      EntityRef& entity = story.top_entities.emplace_back();
      entity.canonical_id = ColumnText(row, 0);
      entity.name = ColumnText(row, 1);
      entity.type = ParseEntityType(ColumnText(row, 2))
                        .value_or(v1::ENTITY_TYPE_UNSPECIFIED);
      entity.article_count = sqlite3_column_int64(row, 3);
    }
    if (result != SQLITE_DONE) {
      return Error(result,
                   absl::StrCat("reading the entities of story ", story.id));
    }
  }
  return stories;
}

absl::StatusOr<std::vector<EntityInfo>> SqliteArticleDb::Entities(
    const EntityQuery& query) {
  SqlParams params(kSqliteDialect.placeholder);
  absl::StatusOr<std::string> sql =
      ListEntitiesSql(path_, query, kSqliteDialect, params);
  if (!sql.ok()) return sql.status();
  absl::StatusOr<Statement> statement = PrepareWith(*sql, params);
  if (!statement.ok()) return statement.status();
  std::vector<EntityInfo> entities;
  int result;
  while ((result = sqlite3_step(statement->get())) == SQLITE_ROW) {
    sqlite3_stmt* row = statement->get();
    EntityInfo& info = entities.emplace_back();
    info.entity.canonical_id = ColumnText(row, 0);
    info.entity.name = ColumnText(row, 1);
    info.entity.type = ParseEntityType(ColumnText(row, 2))
                           .value_or(v1::ENTITY_TYPE_UNSPECIFIED);
    info.entity.article_count = sqlite3_column_int64(row, 3);
    info.mention_count = sqlite3_column_int64(row, 4);
  }
  if (result != SQLITE_DONE) return Error(result, "listing entities");

  absl::StatusOr<Statement> aliases = Prepare(
      "SELECT alias, article_count, join_rule FROM entity_aliases "
      "WHERE canonical_id = ?1 "
      "ORDER BY article_count DESC, alias");
  if (!aliases.ok()) return aliases.status();
  for (EntityInfo& info : entities) {
    sqlite3_stmt* row = aliases->get();
    ResetOnExit reset(row);
    BindText(row, 1, info.entity.canonical_id);
    while ((result = sqlite3_step(row)) == SQLITE_ROW) {
      info.aliases.push_back({ColumnText(row, 0), sqlite3_column_int64(row, 1),
                              ColumnText(row, 2)});
    }
    if (result != SQLITE_DONE) {
      return Error(result, absl::StrCat("reading the aliases of entity ",
                                        info.entity.canonical_id));
    }
  }
  return entities;
}

absl::StatusOr<int64_t> SqliteArticleDb::AddDeadLetter(
    const DeadLetter& letter) {
  if (read_only_) return ReadOnlyError("record a dead letter");
  absl::StatusOr<Statement> insert = Prepare(
      "INSERT INTO dead_letters (stage, reason, raw, at) VALUES (?1, ?2, ?3, "
      "?4) RETURNING id");
  if (!insert.ok()) return insert.status();
  sqlite3_stmt* row = insert->get();
  const std::string at = letter.at.empty() ? NowRfc3339() : letter.at;
  BindText(row, 1, letter.stage);
  BindText(row, 2, letter.reason);
  sqlite3_bind_blob64(row, 3, letter.raw.data(), letter.raw.size(),
                      SQLITE_STATIC);
  BindText(row, 4, at);
  int result = sqlite3_step(row);
  if (result != SQLITE_ROW) return Error(result, "recording a dead letter");
  const int64_t id = sqlite3_column_int64(row, 0);
  result = sqlite3_step(row);
  if (result != SQLITE_DONE) return Error(result, "recording a dead letter");
  return id;
}

absl::StatusOr<std::vector<std::string>> SqliteArticleDb::IdsStartingWith(
    const std::string& prefix, int limit) {
  // substr() rather than LIKE or GLOB: no wildcard in an id can misfire.
  absl::StatusOr<Statement> list = Prepare(
      "SELECT id FROM articles WHERE substr(id, 1, length(?1)) = ?1 "
      "ORDER BY id LIMIT ?2");
  if (!list.ok()) return list.status();
  sqlite3_stmt* row = list->get();
  int result = BindText(row, 1, prefix);
  if (result != SQLITE_OK) return Error(result, "finding ids");
  sqlite3_bind_int(row, 2, limit);
  std::vector<std::string> ids;
  while ((result = sqlite3_step(row)) == SQLITE_ROW) {
    ids.push_back(ColumnText(row, 0));
  }
  if (result != SQLITE_DONE) return Error(result, "finding ids");
  return ids;
}

absl::StatusOr<std::vector<DeadLetter>> SqliteArticleDb::ListDeadLetters(
    int limit) {
  if (auto status = CheckLimit(path_, "dead letter", limit); !status.ok()) {
    return status;
  }
  absl::StatusOr<Statement> list = Prepare(
      "SELECT id, stage, reason, raw, at FROM dead_letters ORDER BY id DESC "
      "LIMIT ?1");
  if (!list.ok()) return list.status();
  sqlite3_stmt* row = list->get();
  sqlite3_bind_int(row, 1, limit);
  std::vector<DeadLetter> letters;
  int result;
  while ((result = sqlite3_step(row)) == SQLITE_ROW) {
    DeadLetter& letter = letters.emplace_back();
    letter.id = sqlite3_column_int64(row, 0);
    letter.stage = ColumnText(row, 1);
    letter.reason = ColumnText(row, 2);
    letter.raw = ColumnBlob(row, 3);
    letter.at = ColumnText(row, 4);
  }
  if (result != SQLITE_DONE) return Error(result, "listing dead letters");
  return letters;
}

}  // namespace

absl::StatusOr<std::unique_ptr<ArticleDb>> OpenSqliteArticleDb(
    const std::string& path, ArticleDb::OpenMode mode,
    const ArticleDb::OpenOptions& options) {
  if (options.reserve_sqlite_cache && options.sqlite_cache_mib > 0) {
    ReservePageCache(options.sqlite_cache_mib);
  }
  return SqliteArticleDb::Open(path, mode, options.sqlite_cache_mib,
                               options.sqlite_index_word_pairs,
                               options.sqlite_index_entity_tokens);
}

int64_t ReservedSqlitePages() { return reserved_pages; }

int64_t SqliteEntityLookupsForTest() { return entity_lookups.load(); }

int64_t SqliteStoredArticleReadsForTest() {
  return stored_article_reads.load();
}

SqliteCheckpointCounts SqliteCheckpointCountsForTest() {
  return SqliteCheckpointCounts{hand_overs.load(), inline_checkpoints.load()};
}

std::string SqliteSearchIndexPath(const std::string& path) {
  return path + "-search";
}

}  // namespace newsflow
