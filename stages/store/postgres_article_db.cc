#include "stages/store/postgres_article_db.h"

#include <libpq-fe.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/hash.h"
#include "common/time.h"
#include "stages/store/catalogue.h"
#include "stages/store/db_common.h"
#include "stages/store/query_syntax.h"

namespace newsflow {
namespace {

constexpr int kSchemaVersion = kArticleDbSchemaVersion;

// pg_advisory_xact_lock key that serializes schema creation and migration
// ("NFDB" and 1).
constexpr int64_t kSchemaLockKey = 0x4E46444200000001;

// A batch that hits a deadlock, a serialization failure or a lost
// connection is tried this many times in all.
constexpr int kMaxAttempts = 6;
// Bodies beyond this many bytes of words are not indexed (PostgreSQL limits
// a tsvector to 1 MB).
constexpr size_t kMaxIndexedBodyBytes = 256 * 1024;
// Articles per statement storing a batch (see StoreBatch).
constexpr size_t kUpsertPart = 128;
// A batch of at least kParallelBatch articles is split by story into
// kWriters parts, each stored in a transaction of its own on a connection
// of its own, at the same time (see UpsertBatch): one connection is one
// server process, which left one of two cores idle while it worked.
constexpr size_t kWriters = 2;
constexpr size_t kParallelBatch = 2 * kUpsertPart;
// Articles read per round trip by ForEach().
constexpr int kForEachPage = 500;
constexpr int kLeadSnippetWords = 30;
// The largest row PostgreSQL stores without compressing or moving a value
// out of line (see PrepareSchema), as pg_class.reloptions spells it.
constexpr char kArticlesToastTarget[] = "toast_tuple_target=8160";
// Room left on each page of entity_aliases for updated rows (see
// PrepareSchema).
constexpr char kAliasesFillFactor[] = "fillfactor=80";

// The schema, version 2 (the first PostgreSQL has; SQLite's version 1 had no
// counterpart here). The article table keeps the search vector built by
// the client from SearchText() (see catalogue.h), so that PostgreSQL splits
// and folds words exactly as SQLite's FTS5 unicode61 tokenizer does.
constexpr char kSchemaSql[] = R"sql(
CREATE TABLE newsflow_schema (version integer NOT NULL);
CREATE TABLE articles (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id text NOT NULL UNIQUE,
  source text NOT NULL,
  url text NOT NULL,
  title text NOT NULL,
  body text NOT NULL,
  published_at text NOT NULL,
  language text NOT NULL,
  story_id text NOT NULL,
  stored_at text NOT NULL,
  article bytea NOT NULL,
  outlet text NOT NULL,
  seen_at bigint,
  search tsvector NOT NULL
);
CREATE INDEX articles_search ON articles USING gin (search);
CREATE INDEX articles_seen_at ON articles (seen_at DESC NULLS LAST, seq DESC);
CREATE INDEX articles_story_id ON articles (story_id);
CREATE INDEX articles_source ON articles (source);
CREATE TABLE entities (
  canonical_id text PRIMARY KEY,
  name text NOT NULL,
  name_key text NOT NULL,
  type text NOT NULL,
  article_count bigint NOT NULL,
  mention_count bigint NOT NULL
);
CREATE INDEX entities_name_key ON entities (name_key);
CREATE INDEX entities_article_count ON entities (article_count);
CREATE TABLE entity_aliases (
  canonical_id text NOT NULL,
  alias text NOT NULL,
  alias_key text NOT NULL,
  article_count bigint NOT NULL,
  PRIMARY KEY (canonical_id, alias)
);
CREATE INDEX entity_aliases_alias_key ON entity_aliases (alias_key);
CREATE TABLE mentions (
  canonical_id text NOT NULL,
  article_seq bigint NOT NULL REFERENCES articles (seq) ON DELETE CASCADE,
  mentions bigint NOT NULL,
  PRIMARY KEY (canonical_id, article_seq)
);
CREATE INDEX mentions_article_seq ON mentions (article_seq);
CREATE TABLE stories (
  id text PRIMARY KEY,
  first_seen bigint,
  last_seen bigint,
  article_count bigint NOT NULL,
  outlets text NOT NULL,
  headline text NOT NULL
);
CREATE INDEX stories_last_seen ON stories (last_seen DESC NULLS LAST);
CREATE TABLE dead_letters (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  stage text NOT NULL,
  reason text NOT NULL,
  raw bytea NOT NULL,
  at text NOT NULL
);
)sql";

// Forward migrations, oldest first: each brings a database below
// `to_version` up to it, inside the transaction that holds the schema lock.
// Entries are never edited once released; a schema change appends one (and
// bumps kArticleDbSchemaVersion, as SQLite's list does).
struct Migration {
  int to_version;
  const char* sql;
};
constexpr Migration kMigrations[] = {
    {2, kSchemaSql},
    // Version 3 changed SQLite's schema only (its full-text index is written
    // once per batch, not by triggers); nothing to do here.
    {3, nullptr},
    // Version 4: each alias keeps the rule that first joined it to its
    // entity (Entity.alias_rules); rows stored before say nothing ('').
    {4,
     "ALTER TABLE entity_aliases ADD COLUMN join_rule text NOT NULL "
     "DEFAULT ''"},
    // Version 5: mentions carry their article's time, indexed per entity,
    // so that an entity's newest articles are the first entries of one
    // index range (reading every mention of a place in 400,000 articles,
    // or walking the newest articles for one, took 0.5 s at 1M articles).
    {5,
     "ALTER TABLE mentions ADD COLUMN seen_at bigint; "
     "UPDATE mentions AS m SET seen_at = a.seen_at FROM articles AS a "
     "WHERE a.seq = m.article_seq AND a.seen_at IS NOT NULL; "
     "CREATE INDEX mentions_newest ON mentions "
     "(canonical_id, seen_at DESC NULLS LAST, article_seq DESC)"},
    // Version 6 changed SQLite's schema only (its full-text index moved to
    // a file of its own); nothing to do here.
    {6, nullptr},
};
static_assert(kMigrations[sizeof(kMigrations) / sizeof(kMigrations[0]) - 1]
                      .to_version == kSchemaVersion,
              "the last migration reaches kArticleDbSchemaVersion");

// kInsertSql, then kOnConflictSql for a part with a stored article.
constexpr char kInsertSql[] = R"sql(
INSERT INTO articles (id, source, url, title, body, published_at, language,
                      story_id, stored_at, article, outlet, seen_at, search)
SELECT t.id, t.source, t.url, t.title, t.body, t.published_at, t.language,
       t.story_id, $13, t.article, t.outlet, t.seen_at, t.search
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],
            $6::text[], $7::text[], $8::text[], $9::bytea[], $10::text[],
            $11::bigint[], $12::tsvector[])
  AS t(id, source, url, title, body, published_at, language, story_id,
       article, outlet, seen_at, search)
)sql";
constexpr char kOnConflictSql[] = R"sql(
ON CONFLICT (id) DO UPDATE SET
  source = excluded.source, url = excluded.url, title = excluded.title,
  body = excluded.body, published_at = excluded.published_at,
  language = excluded.language, story_id = excluded.story_id,
  stored_at = excluded.stored_at, article = excluded.article,
  outlet = excluded.outlet, seen_at = excluded.seen_at,
  search = excluded.search
)sql";

constexpr char kEntityDeltaSql[] = R"sql(
INSERT INTO entities AS e (canonical_id, name, name_key, type, article_count,
                           mention_count)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[],
                     $5::bigint[], $6::bigint[])
ON CONFLICT (canonical_id) DO UPDATE SET
  name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE e.name END,
  name_key = CASE WHEN excluded.name <> '' THEN excluded.name_key
             ELSE e.name_key END,
  type = CASE WHEN excluded.name <> '' THEN excluded.type ELSE e.type END,
  article_count = e.article_count + excluded.article_count,
  mention_count = e.mention_count + excluded.mention_count
)sql";

constexpr char kAliasDeltaSql[] = R"sql(
INSERT INTO entity_aliases AS a (canonical_id, alias, alias_key,
                                 article_count, join_rule)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[],
                     $5::text[])
ON CONFLICT (canonical_id, alias) DO UPDATE SET
  article_count = a.article_count + excluded.article_count,
  join_rule = CASE WHEN a.join_rule = '' THEN excluded.join_rule
              ELSE a.join_rule END
)sql";

// Every story a batch touches gets a row, in one statement, in sorted
// order. A story the batch starts (no row, and no article but the batch's
// changed ones, `$7`: a writer adding to a story inserts or meets its row in
// the transaction that adds the article) is inserted with its summary, made by
// the client from the batch's articles (SummarizeStory): a concurrent
// writer starting the same story meets that row, waits for this
// transaction and then summarizes the story itself. Any other row is
// created empty if missing, then locked in a fixed order, and only then
// summarized: the summary statement's fresh snapshot (READ COMMITTED) then
// includes every article a concurrent writer committed to the story.
// (Summarizing every story with a query was a tenth of the server's time
// storing a batch of new stories.) The statement leaves the ids of `$1` it
// did not insert with their summary in the transaction's setting
// newsflow.summarize (kStoriesToSummarize), read by the next statements of
// the same round trip. (Telling the rows by `xmin` was wrong after xid
// wraparound: a frozen row keeps its raw xmin, which the current xid can
// equal again.)
constexpr char kStoryRowsSql[] = R"sql(
WITH ins AS (
INSERT INTO stories (id, first_seen, last_seen, article_count, outlets,
                     headline)
SELECT t.id, CASE WHEN t.whole THEN t.first_seen END,
       CASE WHEN t.whole THEN t.last_seen END,
       CASE WHEN t.whole THEN t.n ELSE 0 END,
       CASE WHEN t.whole THEN t.outlets ELSE '' END,
       CASE WHEN t.whole THEN t.headline ELSE '' END
FROM (
  SELECT u.*, u.n > 0
    AND NOT EXISTS (SELECT 1 FROM articles AS a WHERE a.story_id = u.id
                    AND a.id <> ALL($7::text[])) AS whole
  FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[],
              $5::text[], $6::text[])
    AS u(id, first_seen, last_seen, n, outlets, headline)
  OFFSET 0) AS t
ORDER BY t.id COLLATE "C"
ON CONFLICT (id) DO NOTHING
RETURNING id, article_count)
SELECT set_config('newsflow.summarize', coalesce((
  SELECT array_agg(u.id) FROM unnest($1::text[]) AS u(id)
  WHERE u.id NOT IN (SELECT id FROM ins WHERE article_count > 0)),
  '{}')::text, true)
)sql";
// The stories kStoryRowsSql did not insert with their summary (those it did
// have articles, and no other writer changes them before the transaction
// ends): the ones to lock (kLockStoriesSql), then to summarize
// (between kSummarizeStoriesSql and kSummarizeStoriesEndSql).
constexpr char kStoriesToSummarize[] =
    "current_setting('newsflow.summarize')::text[]";
constexpr char kSummarizeStoriesSql[] = R"sql(
UPDATE stories AS s SET
  first_seen = agg.first_seen, last_seen = agg.last_seen,
  article_count = agg.n, outlets = agg.outlets, headline = agg.headline
FROM (
  SELECT story_id,
    coalesce(min(seen_at) FILTER (WHERE published_at <> ''), min(seen_at))
      AS first_seen,
    coalesce(max(seen_at) FILTER (WHERE published_at <> ''), max(seen_at))
      AS last_seen,
    count(*) AS n,
    coalesce(string_agg(DISTINCT outlet COLLATE "C", E'\n'
                        ORDER BY outlet COLLATE "C")
             FILTER (WHERE outlet <> ''), '') AS outlets,
    (array_agg(title ORDER BY seen_at ASC NULLS LAST, seq))[1] AS headline
  FROM articles WHERE story_id = ANY()sql";
constexpr char kSummarizeStoriesEndSql[] = R"sql()
  GROUP BY story_id) AS agg
WHERE s.id = agg.story_id
)sql";
// A story left without articles keeps its row, emptied (readers skip rows
// with no articles): deleted, it would be lost to a concurrent transaction
// adding to the story, whose lock would then find no row to summarize.
constexpr char kEmptyStoriesSql[] = R"sql(
UPDATE stories AS s SET
  first_seen = NULL, last_seen = NULL, article_count = 0, outlets = '',
  headline = ''
WHERE s.id = ANY($1::text[]) AND s.article_count <> 0
  AND NOT EXISTS (SELECT 1 FROM articles WHERE story_id = s.id)
)sql";

// ts_headline options: about 16 words around the best match, like FTS5's
// snippet().
constexpr char kHeadlineOptions[] =
    "StartSel=\u00ab, StopSel=\u00bb, MaxWords=16, MinWords=8, "
    "ShortWord=0, HighlightAll=false, MaxFragments=1, FragmentDelimiter=\" "
    "\u2026 \"";

struct ConnectionCloser {
  void operator()(PGconn* connection) const { PQfinish(connection); }
};
struct ResultClearer {
  void operator()(PGresult* result) const { PQclear(result); }
};
using Connection = std::unique_ptr<PGconn, ConnectionCloser>;
using Result = std::unique_ptr<PGresult, ResultClearer>;

void IgnoreNotice(void*, const char*) {}

// One query parameter: text, or binary bytes (bytea).
struct Param {
  std::string value;
  bool binary = false;
  bool null = false;
};

Param TextParam(std::string value) { return {std::move(value), false, false}; }
Param BinaryParam(std::string value) { return {std::move(value), true, false}; }

// Appends `text` without its NUL characters, in runs between them.
void AppendWithoutNul(absl::string_view text, std::string* out) {
  for (size_t nul = text.find('\0'); nul != absl::string_view::npos;
       nul = text.find('\0')) {
    out->append(text.data(), nul);
    text.remove_prefix(nul + 1);
  }
  out->append(text.data(), text.size());
}

// PostgreSQL text columns cannot hold NUL characters; the article's full
// form (bytea) keeps them. Also the catalogue's StoredKeyForm here: texts
// equal without NULs are one key.
std::string WithoutNul(const std::string& text) {
  if (text.find('\0') == std::string::npos) return text;
  std::string cleaned;
  cleaned.reserve(text.size());
  AppendWithoutNul(text, &cleaned);
  return cleaned;
}

// Arrays go in PostgreSQL's binary format, which the server copies in
// without parsing (the text form's array_in was an eighth of the server's
// time storing a batch, hex-encoded bytea another part).
constexpr uint32_t kBytea = 17;
constexpr uint32_t kInt8 = 20;
constexpr uint32_t kText = 25;
constexpr uint32_t kTsVector = 3614;

void AppendInt32(uint32_t value, std::string* out) {
  for (int shift = 24; shift >= 0; shift -= 8) {
    out->push_back(static_cast<char>((value >> shift) & 0xff));
  }
}

void AppendUint16(uint16_t value, std::string* out) {
  out->push_back(static_cast<char>(value >> 8));
  out->push_back(static_cast<char>(value & 0xff));
}

// A one-dimensional array of `count` elements of type `oid`; element(i)
// appends element i's binary form to its argument and returns true, or
// returns false for NULL.
template <typename Element>
Param BinaryArray(uint32_t oid, size_t count, size_t bytes_hint,
                  const Element& element) {
  std::string out;
  out.reserve(20 + 4 * count + bytes_hint);
  AppendInt32(count == 0 ? 0 : 1, &out);  // dimensions
  const size_t flags_at = out.size();
  AppendInt32(0, &out);  // has nulls: patched below
  AppendInt32(oid, &out);
  if (count > 0) {
    AppendInt32(static_cast<uint32_t>(count), &out);
    AppendInt32(1, &out);  // lower bound
  }
  bool has_null = false;
  for (size_t i = 0; i < count; ++i) {
    // Each element is made in place after its length, patched once known
    // (not made aside and copied: the articles' texts are most of a batch).
    const size_t length_at = out.size();
    AppendInt32(0, &out);
    if (!element(i, &out)) {
      has_null = true;
      out.resize(length_at);
      AppendInt32(0xffffffff, &out);
      continue;
    }
    const auto length = static_cast<uint32_t>(out.size() - length_at - 4);
    for (int b = 0; b < 4; ++b) {
      out[length_at + static_cast<size_t>(b)] =
          static_cast<char>((length >> (24 - 8 * b)) & 0xff);
    }
  }
  if (has_null) out[flags_at + 3] = 1;
  return BinaryParam(std::move(out));
}

Param TextArray(const std::vector<std::string>& values) {
  size_t bytes = 0;
  for (const std::string& value : values) bytes += value.size();
  return BinaryArray(kText, values.size(), bytes,
                     [&](size_t i, std::string* out) {
                       AppendWithoutNul(values[i], out);
                       return true;
                     });
}

Param IntArray(const std::vector<std::optional<int64_t>>& values) {
  return BinaryArray(kInt8, values.size(), 8 * values.size(),
                     [&](size_t i, std::string* out) {
                       if (!values[i]) return false;
                       const auto bits = static_cast<uint64_t>(*values[i]);
                       AppendInt32(static_cast<uint32_t>(bits >> 32), out);
                       AppendInt32(static_cast<uint32_t>(bits), out);
                       return true;
                     });
}

Param ByteaArray(const std::vector<const std::string*>& values) {
  size_t bytes = 0;
  for (const std::string* value : values) bytes += value->size();
  return BinaryArray(kBytea, values.size(), bytes,
                     [&](size_t i, std::string* out) {
                       out->append(*values[i]);
                       return true;
                     });
}

// Elements already in tsvector's binary form (see SearchVector).
Param TsVectorArray(const std::vector<std::string>& values) {
  size_t bytes = 0;
  for (const std::string& value : values) bytes += value.size();
  return BinaryArray(kTsVector, values.size(), bytes,
                     [&](size_t i, std::string* out) {
                       out->append(values[i]);
                       return true;
                     });
}

// PostgreSQL's limits on a tsvector: words of this many bytes or more are
// not indexed, positions stop at kMaxPosition and a lexeme keeps at most
// kMaxPositions of them.
constexpr size_t kMaxLexemeBytes = 2047;
constexpr uint16_t kMaxPosition = 16383;
constexpr size_t kMaxPositions = 256;

// One position of a word, with its weight in the top two bits as a
// tsvector keeps it.
struct WordAt {
  std::string_view word;
  uint16_t position;
  // The word's first 8 bytes, big-endian, zero-padded: words (which hold no
  // NUL) with different prefixes sort as these do, so that sorting compares
  // whole words only on a tie (comparing them always was half of the
  // client's time storing a batch).
  uint64_t prefix;
};

uint64_t WordPrefix(absl::string_view word) {
  uint64_t prefix = 0;
  for (size_t i = 0; i < 8; ++i) {
    prefix = (prefix << 8) |
             (i < word.size() ? static_cast<unsigned char>(word[i]) : 0u);
  }
  return prefix;
}

// The words of `words` (SearchText()) and their positions, as to_tsvector
// ('simple', words) keeps them: counted from 1, clamped, distinct, at most
// kMaxPositions - 1 per word; sorted by word (bytewise, as tsvector sorts
// lexemes), then position.
std::vector<WordAt> WordPositions(std::string_view words) {
  std::vector<WordAt> all;
  size_t position = 0;
  for (absl::string_view word :
       absl::StrSplit(absl::string_view(words.data(), words.size()), ' ',
                      absl::SkipEmpty())) {
    if (word.size() >= kMaxLexemeBytes) continue;
    ++position;
    all.push_back(
        {std::string_view(word.data(), word.size()),
         static_cast<uint16_t>(std::min<size_t>(position, kMaxPosition)),
         WordPrefix(word)});
  }
  // By word, then by order in the text (positions only grow, but the
  // clamped ones are equal: the sort must be stable).
  std::stable_sort(
      all.begin(), all.end(), [](const WordAt& a, const WordAt& b) {
        if (a.prefix != b.prefix) return a.prefix < b.prefix;
        return (a.word.size() > 8 || b.word.size() > 8) && a.word < b.word;
      });
  size_t kept = 0;
  size_t group = 0;  // where the current word's kept positions start
  for (size_t i = 0; i < all.size(); ++i) {
    if (kept == 0 || all[i].word != all[kept - 1].word) {
      group = kept;
    } else {
      const uint16_t last = all[kept - 1].position;
      if (kept - group >= kMaxPositions - 1 || last == kMaxPosition ||
          last == all[i].position) {
        continue;
      }
    }
    all[kept++] = all[i];
  }
  all.resize(kept);
  return all;
}

// The search vector, in tsvector's binary form, that
//   setweight(to_tsvector('simple', title_words), 'A') ||
//   setweight(to_tsvector('simple', body_words), 'B')
// makes on the server: built here, because parsing the text again there
// was a quarter of the server's time storing a batch, and because the words
// are then exactly the client's (SearchText), whatever the server's parser
// and locale would make of them.
std::string SearchVector(std::string_view title_words,
                         std::string_view body_words) {
  constexpr uint16_t kWeightA = 3 << 14;
  constexpr uint16_t kWeightB = 2 << 14;
  const std::vector<WordAt> title = WordPositions(title_words);
  const std::vector<WordAt> body = WordPositions(body_words);
  // The concatenation shifts the body's positions past the title's last.
  size_t shift = 0;
  for (const WordAt& at : title) shift = std::max<size_t>(shift, at.position);
  std::string out;
  out.reserve(4 + title_words.size() + body_words.size() +
              3 * (title.size() + body.size()));
  AppendInt32(0, &out);  // the number of lexemes: patched below
  uint32_t lexemes = 0;
  std::vector<uint16_t> positions;
  size_t t = 0;
  size_t b = 0;
  while (t < title.size() || b < body.size()) {
    const std::string_view word =
        b == body.size() || (t < title.size() && title[t].word < body[b].word)
            ? title[t].word
            : body[b].word;
    positions.clear();
    for (; t < title.size() && title[t].word == word; ++t) {
      positions.push_back(title[t].position | kWeightA);
    }
    for (; b < body.size() && body[b].word == word; ++b) {
      if (positions.size() >= kMaxPositions ||
          (!positions.empty() &&
           (positions.back() & kMaxPosition) == kMaxPosition)) {
        continue;
      }
      positions.push_back(static_cast<uint16_t>(std::min<size_t>(
                              body[b].position + shift, kMaxPosition)) |
                          kWeightB);
    }
    out.append(word);
    out.push_back('\0');
    AppendUint16(static_cast<uint16_t>(positions.size()), &out);
    for (uint16_t position : positions) AppendUint16(position, &out);
    ++lexemes;
  }
  for (int i = 0; i < 4; ++i) {
    out[static_cast<size_t>(i)] =
        static_cast<char>((lexemes >> (24 - 8 * i)) & 0xff);
  }
  return out;
}

// A big-endian int8 column of a binary-format result.
int64_t BinaryInt64(const PGresult* result, int row, int column) {
  const auto* bytes =
      reinterpret_cast<const unsigned char*>(PQgetvalue(result, row, column));
  uint64_t value = 0;
  for (int i = 0; i < 8; ++i) value = (value << 8) | bytes[i];
  return static_cast<int64_t>(value);
}

std::string Value(const PGresult* result, int row, int column) {
  return std::string(PQgetvalue(result, row, column),
                     static_cast<size_t>(PQgetlength(result, row, column)));
}

std::optional<int64_t> OptionalInt(const PGresult* result, int row,
                                   int column) {
  if (PQgetisnull(result, row, column)) return std::nullopt;
  return std::strtoll(PQgetvalue(result, row, column), nullptr, 10);
}

int64_t Int(const PGresult* result, int row, int column) {
  return std::strtoll(PQgetvalue(result, row, column), nullptr, 10);
}

absl::StatusCode CodeOfSqlState(absl::string_view state) {
  // A unique violation too: a writer that took no lock (none of ours)
  // inserted an article this batch read as new; the next attempt reads it.
  if (state == "40001" || state == "40P01" || state == "23505") {
    return absl::StatusCode::kAborted;
  }
  if (state == "25006" || state == "42501" || state == "28000" ||
      state == "28P01") {
    return absl::StatusCode::kPermissionDenied;
  }
  if (state == "53100" || state == "53200" || state == "53300" ||
      state == "54000") {
    return absl::StatusCode::kResourceExhausted;
  }
  if (state == "3D000") return absl::StatusCode::kNotFound;
  if (state == "XX001" || state == "XX002") return absl::StatusCode::kDataLoss;
  if (absl::StartsWith(state, "08") || absl::StartsWith(state, "57P")) {
    return absl::StatusCode::kUnavailable;
  }
  if (absl::StartsWith(state, "22")) return absl::StatusCode::kInvalidArgument;
  if (state == "42P01" || state == "42703") {
    return absl::StatusCode::kFailedPrecondition;
  }
  return absl::StatusCode::kInternal;
}

// Deadlocks and serialization failures (kAborted), and a lost connection
// (kUnavailable; the next attempt reconnects). Retrying is safe even when a
// COMMIT's outcome is unknown: storing a batch again changes nothing.
bool IsRetryable(const absl::Status& status) {
  return status.code() == absl::StatusCode::kAborted ||
         status.code() == absl::StatusCode::kUnavailable;
}

// The snippet of a hit from ts_headline() over the title and the body: the
// one with more matched terms (the title on a tie), with an ellipsis where
// it is cut from the text.
std::string ChooseSnippet(const std::string& title,
                          const std::string& title_headline,
                          const std::string& body,
                          const std::string& body_headline) {
  auto matches = [](const std::string& text) {
    size_t count = 0;
    for (size_t at = text.find(kSnippetMatchStart); at != std::string::npos;
         at = text.find(kSnippetMatchStart, at + 1)) {
      ++count;
    }
    return count;
  };
  const bool use_body = matches(body_headline) > matches(title_headline);
  const std::string& text = use_body ? body : title;
  const std::string& headline = use_body ? body_headline : title_headline;
  std::string plain = headline;
  for (const char* marker : {kSnippetMatchStart, kSnippetMatchEnd}) {
    for (size_t at = plain.find(marker); at != std::string::npos;
         at = plain.find(marker, at)) {
      plain.erase(at, std::strlen(marker));
    }
  }
  absl::string_view trimmed = absl::StripAsciiWhitespace(plain);
  std::string snippet;
  if (!trimmed.empty() &&
      !absl::StartsWith(absl::StripLeadingAsciiWhitespace(text), trimmed)) {
    snippet.append(kSnippetEllipsis);
  }
  snippet.append(std::string(absl::StripAsciiWhitespace(headline)));
  if (!trimmed.empty() &&
      !absl::EndsWith(absl::StripTrailingAsciiWhitespace(text), trimmed)) {
    snippet.append(kSnippetEllipsis);
  }
  return snippet;
}

class PostgresArticleDb : public ArticleDb {
 public:
  static absl::StatusOr<std::unique_ptr<ArticleDb>> Open(const std::string& url,
                                                         OpenMode mode);

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
  // Search() ranking every match (window 0) or the newest `window`.
  absl::StatusOr<std::vector<SearchHit>> SearchWithin(
      const SearchRequest& request, int64_t window);
  absl::StatusOr<std::vector<StoryInfo>> Stories(
      const StoryQuery& query) override;
  absl::StatusOr<std::vector<EntityInfo>> Entities(
      const EntityQuery& query) override;
  absl::StatusOr<int64_t> AddDeadLetter(const DeadLetter& letter) override;
  absl::StatusOr<std::vector<DeadLetter>> ListDeadLetters(int limit) override;
  const std::string& location() const override { return location_; }

 private:
  PostgresArticleDb(std::string url, bool read_only)
      : url_(std::move(url)),
        location_(RedactPostgresUrl(url_)),
        read_only_(read_only) {}

  // (Re)connects when there is no healthy connection, and sets the
  // session up.
  absl::Status EnsureConnected();
  absl::Status ConnectionError(const std::string& what) const;
  absl::Status ResultError(const PGresult* result,
                           const std::string& what) const;
  // Runs `sql`; a status for anything but success.
  absl::StatusOr<Result> Query(const std::string& sql,
                               const std::vector<Param>& params,
                               const std::string& what,
                               bool binary_result = false);
  absl::StatusOr<Result> Query(const std::string& sql, const SqlParams& params,
                               const std::string& what);
  absl::Status Exec(const std::string& sql, const std::string& what);
  void RollbackQuietly();
  absl::Status ReadOnlyError(const std::string& what) const;

  absl::Status PrepareSchema();
  // Sets the storage parameter `option` ("name=value") of `table` unless it
  // is set, inside PrepareSchema's transaction; a server or role that may
  // not change the table leaves a warning on stderr and the table as it is.
  absl::Status SetStorageOption(const std::string& table,
                                const std::string& option,
                                const std::string& what);
  absl::Status CheckSchemaReadOnly();
  // The schema version, or nullopt when there is no newsflow schema; a
  // FailedPrecondition when the tables of some other application are there.
  absl::StatusOr<std::optional<int>> SchemaVersion();

  // One statement of a pipeline.
  struct Step {
    std::string sql;
    std::vector<Param> params;
    std::string what;
    bool binary_result = false;
  };
  // Sends every step before reading any result (libpq's pipeline mode):
  // one round trip for all. The first failure, naming its step; the steps
  // after it are not run.
  absl::StatusOr<std::vector<Result>> Pipeline(std::vector<Step> steps);
  // The same, with the steps made part by part: each part is made once the
  // parts before it are sent, so that the server runs those while the
  // client makes it.
  using PipelinePart = std::function<void(std::vector<Step>& steps)>;
  absl::StatusOr<std::vector<Result>> Pipeline(
      const std::vector<PipelinePart>& parts);

  // `batch` in kWriters parts of about equal size such that every story
  // the batch touches (an article's new story, and the one it had if
  // stored) is written by one part only: otherwise one part could empty a
  // story while another adds to it, neither seeing the other's articles.
  absl::StatusOr<std::vector<std::vector<const v1::Article*>>> SplitByStory(
      const std::vector<const v1::Article*>& batch);
  // Stores `batch` in one transaction, retrying what IsRetryable().
  absl::Status StoreWithRetries(const std::vector<const v1::Article*>& batch);
  // One attempt at storing a batch, in a transaction of its own.
  absl::Status StoreBatch(const std::vector<const v1::Article*>& batch);
  // `replaces`: whether some article of the batch had a stored version
  // (only then can a story lose its last article).
  // `members`: the batch's changed articles by story (their summary when
  // the batch starts the story); `changed_ids`: the ids of all of them.
  // `delta` and `members` are keyed as the server keeps texts (WithoutNul).
  void AppendDeltaSteps(
      const CatalogueDelta& delta,
      const std::map<std::string, std::vector<StoryMember>>& members,
      const std::vector<std::string>& changed_ids, bool replaces,
      std::vector<Step>& steps);

  std::string url_;
  std::string location_;
  bool read_only_;
  Connection connection_;
  std::minstd_rand random_{std::random_device{}()};
  // The other writers of a split batch, each with its connection (opened
  // on first use).
  std::vector<std::unique_ptr<PostgresArticleDb>> writers_;
};

absl::Status PostgresArticleDb::ConnectionError(const std::string& what) const {
  std::string message =
      connection_ ? PQerrorMessage(connection_.get()) : "out of memory";
  message = std::string(absl::StripAsciiWhitespace(message));
  absl::StatusCode code = absl::StatusCode::kUnavailable;
  if (absl::StrContains(message, "does not exist")) {
    code = absl::StatusCode::kNotFound;
  } else if (absl::StrContains(message, "authentication failed") ||
             absl::StrContains(message, "pg_hba.conf") ||
             absl::StrContains(message, "permission denied")) {
    code = absl::StatusCode::kPermissionDenied;
  } else if (absl::StrContains(message, "invalid URI") ||
             absl::StrContains(message, "invalid connection option") ||
             absl::StrContains(message, "invalid integer value")) {
    code = absl::StatusCode::kInvalidArgument;
  }
  return absl::Status(code, absl::StrCat(location_, ": ", what, ": ", message));
}

absl::Status PostgresArticleDb::ResultError(const PGresult* result,
                                            const std::string& what) const {
  if (result == nullptr || connection_ == nullptr ||
      PQstatus(connection_.get()) != CONNECTION_OK) {
    return ConnectionError(what);
  }
  const char* state = PQresultErrorField(result, PG_DIAG_SQLSTATE);
  const char* primary = PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY);
  const char* detail = PQresultErrorField(result, PG_DIAG_MESSAGE_DETAIL);
  std::string message = primary != nullptr
                            ? primary
                            : std::string(absl::StripAsciiWhitespace(
                                  PQresultErrorMessage(result)));
  if (detail != nullptr) absl::StrAppend(&message, " (", detail, ")");
  const absl::StatusCode code =
      state != nullptr ? CodeOfSqlState(state) : absl::StatusCode::kInternal;
  if (state != nullptr && absl::string_view(state) == "25006") {
    message = absl::StrCat("the database refuses writes: ", message);
  }
  return absl::Status(code, absl::StrCat(location_, ": ", what, ": ", message));
}

absl::Status PostgresArticleDb::ReadOnlyError(const std::string& what) const {
  return absl::FailedPreconditionError(
      absl::StrCat(location_, ": cannot ", what, ": opened read-only"));
}

absl::Status PostgresArticleDb::EnsureConnected() {
  if (connection_ && PQstatus(connection_.get()) == CONNECTION_OK) {
    return absl::OkStatus();
  }
  // A URL without connect_timeout would wait as long as the OS does for an
  // unreachable host.
  const bool has_timeout = absl::StrContains(url_, "connect_timeout");
  const char* keywords[] = {"dbname", "fallback_application_name",
                            has_timeout ? nullptr : "connect_timeout", nullptr};
  const char* values[] = {url_.c_str(), "newsflow", "10", nullptr};
  connection_.reset(PQconnectdbParams(keywords, values, /*expand_dbname=*/1));
  if (connection_ == nullptr || PQstatus(connection_.get()) != CONNECTION_OK) {
    absl::Status error = ConnectionError("cannot connect");
    connection_.reset();
    return error;
  }
  PQsetNoticeProcessor(connection_.get(), IgnoreNotice, nullptr);
  std::string setup =
      "SET client_min_messages = warning; SET client_encoding = 'UTF8'; "
      "SET standard_conforming_strings = on;";
  if (read_only_) setup += " SET default_transaction_read_only = on;";
  Result result(PQexec(connection_.get(), setup.c_str()));
  if (PQresultStatus(result.get()) != PGRES_COMMAND_OK) {
    absl::Status error = ResultError(result.get(), "setting up the session");
    connection_.reset();
    return error;
  }
  // Bodies and serialized articles are compressed with LZ4 where the server
  // has it (PostgreSQL 14 and later, when built with it): pglz was a tenth
  // of the server's time storing a batch. Columns without a compression of
  // their own follow this setting, so stored rows of either kind stay
  // readable; a server without LZ4 keeps pglz.
  if (!read_only_) {
    Result ignored(
        PQexec(connection_.get(), "SET default_toast_compression = 'lz4'"));
  }
  return absl::OkStatus();
}

absl::StatusOr<Result> PostgresArticleDb::Query(
    const std::string& sql, const std::vector<Param>& params,
    const std::string& what, bool binary_result) {
  if (auto status = EnsureConnected(); !status.ok()) return status;
  std::vector<const char*> values;
  std::vector<int> lengths;
  std::vector<int> formats;
  values.reserve(params.size());
  for (const Param& param : params) {
    values.push_back(param.null ? nullptr : param.value.c_str());
    lengths.push_back(static_cast<int>(param.value.size()));
    formats.push_back(param.binary ? 1 : 0);
  }
  Result result(PQexecParams(
      connection_.get(), sql.c_str(), static_cast<int>(params.size()), nullptr,
      values.data(), lengths.data(), formats.data(), binary_result ? 1 : 0));
  const ExecStatusType status = PQresultStatus(result.get());
  if (result == nullptr ||
      (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)) {
    return ResultError(result.get(), what);
  }
  return result;
}

absl::StatusOr<Result> PostgresArticleDb::Query(const std::string& sql,
                                                const SqlParams& params,
                                                const std::string& what) {
  std::vector<Param> values;
  for (const SqlParams::Value& value : params.values()) {
    values.push_back(TextParam(WithoutNul(value.text)));
  }
  return Query(sql, values, what);
}

absl::Status PostgresArticleDb::Exec(const std::string& sql,
                                     const std::string& what) {
  // The simple query protocol: `sql` may hold several statements.
  if (auto status = EnsureConnected(); !status.ok()) return status;
  Result result(PQexec(connection_.get(), sql.c_str()));
  const ExecStatusType status = PQresultStatus(result.get());
  if (result == nullptr ||
      (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)) {
    return ResultError(result.get(), what);
  }
  return absl::OkStatus();
}

void PostgresArticleDb::RollbackQuietly() {
  if (connection_ && PQstatus(connection_.get()) == CONNECTION_OK &&
      PQtransactionStatus(connection_.get()) != PQTRANS_IDLE) {
    Result ignored(PQexec(connection_.get(), "ROLLBACK"));
  }
}

absl::StatusOr<std::unique_ptr<ArticleDb>> PostgresArticleDb::Open(
    const std::string& url, OpenMode mode) {
  std::unique_ptr<PostgresArticleDb> db(
      new PostgresArticleDb(url, mode == OpenMode::kReadOnly));
  if (auto status = db->EnsureConnected(); !status.ok()) return status;
  absl::Status status =
      db->read_only_ ? db->CheckSchemaReadOnly() : db->PrepareSchema();
  if (!status.ok()) return status;
  return std::unique_ptr<ArticleDb>(std::move(db));
}

absl::StatusOr<std::optional<int>> PostgresArticleDb::SchemaVersion() {
  absl::StatusOr<Result> tables = Query(
      "SELECT to_regclass('newsflow_schema') IS NOT NULL, "
      "to_regclass('articles') IS NOT NULL",
      std::vector<Param>(), "reading the schema");
  if (!tables.ok()) return tables.status();
  const bool has_schema = Value(tables->get(), 0, 0) == "t";
  const bool has_articles = Value(tables->get(), 0, 1) == "t";
  if (!has_schema) {
    if (has_articles) {
      return absl::FailedPreconditionError(absl::StrCat(
          location_,
          ": not a newsflow database (it has an articles table but no "
          "newsflow_schema table)"));
    }
    return std::optional<int>();
  }
  absl::StatusOr<Result> version =
      Query("SELECT max(version) FROM newsflow_schema", std::vector<Param>(),
            "reading the schema version");
  if (!version.ok()) return version.status();
  if (PQgetisnull(version->get(), 0, 0)) {
    return absl::FailedPreconditionError(absl::StrCat(
        location_, ": not a newsflow database (newsflow_schema is empty)"));
  }
  return std::optional<int>(static_cast<int>(Int(version->get(), 0, 0)));
}

absl::Status PostgresArticleDb::PrepareSchema() {
  auto fail = [this](absl::Status status) {
    RollbackQuietly();
    return status;
  };
  // The advisory lock makes replicas that start together create the
  // schema once.
  if (auto status = Exec("BEGIN", "starting the schema migration");
      !status.ok()) {
    return status;
  }
  if (auto status = Exec(
          absl::StrCat("SELECT pg_advisory_xact_lock(", kSchemaLockKey, ")"),
          "locking the schema");
      !status.ok()) {
    return fail(status);
  }
  absl::StatusOr<std::optional<int>> version = SchemaVersion();
  if (!version.ok()) return fail(version.status());
  if (version->has_value() && **version > kSchemaVersion) {
    return fail(absl::FailedPreconditionError(
        absl::StrCat(location_, ": schema version ", **version,
                     " is newer than this newsflow supports (", kSchemaVersion,
                     "); use a newer newsflow")));
  }
  if (version->has_value() && **version < kMigrations[0].to_version) {
    // No PostgreSQL schema older than the first migration was released.
    return fail(absl::FailedPreconditionError(absl::StrCat(
        location_, ": schema version ", **version,
        " is unknown; this newsflow creates version ", kSchemaVersion)));
  }
  const int from = version->value_or(0);
  for (const Migration& migration : kMigrations) {
    if (migration.to_version <= from || migration.sql == nullptr) continue;
    if (auto status =
            Exec(migration.sql, absl::StrCat("migrating the schema to version ",
                                             migration.to_version));
        !status.ok()) {
      return fail(status);
    }
  }
  if (from != kSchemaVersion) {
    if (auto status = Exec(
            absl::StrCat(from == 0 ? "INSERT INTO newsflow_schema VALUES ("
                                   : "UPDATE newsflow_schema SET version = (",
                         kSchemaVersion, ")"),
            "recording the schema version");
        !status.ok()) {
      return fail(status);
    }
  }
  // The search vector is kept in the row (compressed), not out of line:
  // every match a query tests or ranks reads it, and out of line that cost
  // a TOAST index lookup and page reads each (about 25 buffers per row at
  // 600,000 articles). A storage setting, not a schema change: any version
  // reads such rows alike, so it is applied here, once, and applies to rows
  // written from then on (VACUUM FULL rewrites older ones).
  absl::StatusOr<Result> storage = Query(
      "SELECT attstorage = 'm' FROM pg_attribute WHERE attrelid = "
      "'articles'::regclass AND attname = 'search'",
      std::vector<Param>(), "reading the storage of search vectors");
  if (!storage.ok()) return fail(storage.status());
  if (PQntuples(storage->get()) == 1 && Value(storage->get(), 0, 0) != "t") {
    if (auto status =
            Exec("ALTER TABLE articles ALTER COLUMN search SET STORAGE MAIN",
                 "keeping search vectors in their rows");
        !status.ok()) {
      return fail(status);
    }
  }
  // Articles of up to 8 KB are kept whole in their rows, not compressed or
  // moved out of line: the body and the serialized article each cost a
  // TOAST row, its index entry and an LZ4 pass (inserting 10,000 news
  // articles without the full-text index took 0.38 s of the server's CPU
  // with them, 0.25 s without; 0.4 KB more on disk per article), and every
  // hit a search reads read them back. Longer rows are still compressed
  // first, then moved out. A storage setting like the one above.
  if (auto status = SetStorageOption("articles", kArticlesToastTarget,
                                     "keeping articles whole in their rows");
      !status.ok()) {
    return fail(status);
  }
  // Alias rows leave a fifth of each page free, so that a count change
  // writes the new version on the row's own page without new index
  // entries (a HOT update: neither updated column is indexed); packed
  // full, each update of the ~half of a batch's alias rows that exist
  // added an entry to both indexes. A storage setting like the ones above.
  if (auto status = SetStorageOption("entity_aliases", kAliasesFillFactor,
                                     "leaving room to update aliases");
      !status.ok()) {
    return fail(status);
  }
  // Mentions without a primary key or a foreign key: each one checked its
  // article (and locked its row, a WAL record each) and added an index
  // entry that no query reads, a sixth of the server's time storing a
  // batch. Only the store writes mentions, each article's under its lock
  // after removing the ones it replaces, and articles are never deleted:
  // the constraints could not fail. Dropped here, once, like the storage
  // setting above: any version reads and writes the table alike.
  absl::StatusOr<Result> constraints = Query(
      "SELECT string_agg(format('DROP CONSTRAINT %I', conname), ', ') FROM "
      "pg_constraint WHERE conrelid = 'mentions'::regclass AND contype IN "
      "('p', 'f')",
      std::vector<Param>(), "reading the constraints of mentions");
  if (!constraints.ok()) return fail(constraints.status());
  if (!PQgetisnull(constraints->get(), 0, 0)) {
    if (auto status = Exec(absl::StrCat("ALTER TABLE mentions ",
                                        Value(constraints->get(), 0, 0)),
                           "dropping the constraints of mentions");
        !status.ok()) {
      return fail(status);
    }
  }
  if (auto status = Exec("COMMIT", "committing the schema"); !status.ok()) {
    return fail(status);
  }
  return absl::OkStatus();
}

absl::Status PostgresArticleDb::SetStorageOption(const std::string& table,
                                                 const std::string& option,
                                                 const std::string& what) {
  absl::StatusOr<Result> current = Query(
      "SELECT coalesce(reloptions, '{}') @> ARRAY[$1] FROM pg_class WHERE "
      "oid = $2::regclass",
      {TextParam(option), TextParam(table)},
      absl::StrCat("reading the storage of ", table));
  if (!current.ok()) return current.status();
  if (Value(current->get(), 0, 0) == "t") return absl::OkStatus();
  // Optional, behind a savepoint: a server that refuses writes (hot
  // standby, default_transaction_read_only) or a role not owning the table
  // still opens, and refuses writes batch by batch as before the setting.
  if (auto status = Exec("SAVEPOINT storage_option", what); !status.ok()) {
    return status;
  }
  absl::Status status =
      Exec(absl::StrCat("ALTER TABLE ", table, " SET (", option, ")"), what);
  // kPermissionDenied: SQLSTATE 25006 (read-only transaction) or 42501
  // (insufficient privilege); the login errors sharing it cannot occur
  // on an open connection.
  if (status.code() == absl::StatusCode::kPermissionDenied) {
    std::cerr << "warning: " << status.message() << " (" << table
              << " are stored as before)\n";
    status = Exec("ROLLBACK TO SAVEPOINT storage_option",
                  absl::StrCat("skipping the storage setting of ", table));
  }
  return status;
}

absl::Status PostgresArticleDb::CheckSchemaReadOnly() {
  absl::StatusOr<std::optional<int>> version = SchemaVersion();
  if (!version.ok()) return version.status();
  if (!version->has_value()) {
    return absl::NotFoundError(absl::StrCat(
        location_,
        ": no newsflow articles here yet (no newsflow_schema table; a store "
        "stage writing into it creates one)"));
  }
  if (**version != kSchemaVersion) {
    return absl::FailedPreconditionError(absl::StrCat(
        location_, ": schema version ", **version,
        **version > kSchemaVersion ? " is newer than this newsflow supports ("
                                   : " is not the one this newsflow reads (",
        kSchemaVersion, ")",
        **version > kSchemaVersion ? "; use a newer newsflow" : ""));
  }
  return absl::OkStatus();
}

absl::Status PostgresArticleDb::UpsertBatch(
    const std::vector<v1::Article>& articles) {
  if (read_only_) return ReadOnlyError("store articles");
  if (auto status = CheckBatchIds(location_, articles); !status.ok()) {
    return status;
  }
  if (articles.empty()) return absl::OkStatus();
  // Ids as the server keeps them: two articles of the batch for one row
  // would fail the batch.
  const std::vector<const v1::Article*> batch =
      LatestPerId(articles, &WithoutNul);
  if (batch.size() < kParallelBatch) return StoreWithRetries(batch);
  // Split by story, so that the parts never write the same story row;
  // entity rows they share are taken in one order by both (as by concurrent
  // replicas), so the later part waits for the earlier's commit there,
  // never deadlocks.
  absl::StatusOr<std::vector<std::vector<const v1::Article*>>> split =
      SplitByStory(batch);
  if (!split.ok()) return split.status();
  std::vector<std::vector<const v1::Article*>>& parts = *split;
  while (writers_.size() + 1 < kWriters) {
    writers_.emplace_back(new PostgresArticleDb(url_, /*read_only=*/false));
  }
  std::vector<absl::Status> statuses(kWriters);
  std::vector<std::thread> threads;
  for (size_t i = 1; i < kWriters; ++i) {
    if (parts[i].empty()) continue;
    threads.emplace_back([this, i, &parts, &statuses] {
      statuses[i] = writers_[i - 1]->StoreWithRetries(parts[i]);
    });
  }
  if (!parts[0].empty()) statuses[0] = StoreWithRetries(parts[0]);
  for (std::thread& thread : threads) thread.join();
  for (size_t i = 0; i < kWriters; ++i) {
    if (statuses[i].ok()) continue;
    // The other parts may have committed: storing the batch again replaces
    // them with themselves (unchanged articles), so the caller retries it
    // whole, acknowledging nothing of it until all of it is stored.
    return absl::Status(
        statuses[i].code(),
        absl::StrCat(statuses[i].message(), "; part ", i + 1, " of ", kWriters,
                     " of a batch of ", batch.size(),
                     " (the other parts may be stored; storing the batch "
                     "again leaves them as they are)"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::vector<const v1::Article*>>>
PostgresArticleDb::SplitByStory(const std::vector<const v1::Article*>& batch) {
  std::vector<std::string> ids;
  ids.reserve(batch.size());
  for (const v1::Article* article : batch) {
    ids.push_back(WithoutNul(article->id()));
  }
  absl::StatusOr<Result> stored = Query(
      "SELECT id, story_id FROM articles WHERE id = ANY($1::text[]) "
      "AND story_id <> ''",
      {TextArray(ids)}, "reading the stories of a batch's articles");
  if (!stored.ok()) return stored.status();
  absl::flat_hash_map<std::string, std::string> old_story;
  for (int row = 0; row < PQntuples(stored->get()); ++row) {
    old_story[Value(stored->get(), row, 0)] = Value(stored->get(), row, 1);
  }
  // Union-find over the batch's articles, joining those that share a story,
  // old or new.
  std::vector<size_t> parent(batch.size());
  for (size_t i = 0; i < batch.size(); ++i) parent[i] = i;
  auto root = [&parent](size_t i) {
    while (parent[i] != i) i = parent[i] = parent[parent[i]];
    return i;
  };
  absl::flat_hash_map<std::string, size_t> first_of_story;
  auto join = [&](size_t i, const std::string& story) {
    if (story.empty()) return;
    auto [first, inserted] = first_of_story.emplace(story, i);
    if (!inserted) parent[root(i)] = root(first->second);
  };
  for (size_t i = 0; i < batch.size(); ++i) {
    join(i, WithoutNul(batch[i]->story_id()));
    auto old = old_story.find(ids[i]);
    if (old != old_story.end()) join(i, old->second);
  }
  std::vector<std::vector<const v1::Article*>> groups(batch.size());
  for (size_t i = 0; i < batch.size(); ++i) {
    groups[root(i)].push_back(batch[i]);
  }
  // Largest groups first, each to the part with fewest articles so far.
  std::stable_sort(
      groups.begin(), groups.end(),
      [](const auto& a, const auto& b) { return a.size() > b.size(); });
  std::vector<std::vector<const v1::Article*>> parts(kWriters);
  for (std::vector<const v1::Article*>& group : groups) {
    if (group.empty()) break;
    auto smallest = std::min_element(
        parts.begin(), parts.end(),
        [](const auto& a, const auto& b) { return a.size() < b.size(); });
    smallest->insert(smallest->end(), group.begin(), group.end());
  }
  return parts;
}

absl::Status PostgresArticleDb::StoreWithRetries(
    const std::vector<const v1::Article*>& batch) {
  absl::Status status;
  for (int attempt = 1; attempt <= kMaxAttempts; ++attempt) {
    status = StoreBatch(batch);
    if (status.ok()) return status;
    RollbackQuietly();
    if (!IsRetryable(status)) break;
    // Back off a random while so that the writers we collided with finish.
    std::uniform_int_distribution<int> jitter(1, 10 * attempt);
    std::this_thread::sleep_for(std::chrono::milliseconds(jitter(random_)));
  }
  return absl::Status(
      status.code(), absl::StrCat(status.message(), " (batch of ", batch.size(),
                                  " articles ", batch.front()->id(), " .. ",
                                  batch.back()->id(), " rolled back)"));
}

absl::StatusOr<std::vector<Result>> PostgresArticleDb::Pipeline(
    std::vector<Step> steps) {
  return Pipeline(std::vector<PipelinePart>{
      [&steps](std::vector<Step>& part) { part = std::move(steps); }});
}

absl::StatusOr<std::vector<Result>> PostgresArticleDb::Pipeline(
    const std::vector<PipelinePart>& parts) {
  if (auto status = EnsureConnected(); !status.ok()) return status;
  PGconn* connection = connection_.get();
  if (PQenterPipelineMode(connection) != 1) {
    return ConnectionError("entering pipeline mode");
  }
  absl::Status failure;
  std::vector<std::string> sent;  // what each step sent does
  std::vector<Step> steps;
  for (const PipelinePart& part : parts) {
    steps.clear();
    part(steps);
    for (const Step& step : steps) {
      std::vector<const char*> values;
      std::vector<int> lengths;
      std::vector<int> formats;
      for (const Param& param : step.params) {
        values.push_back(param.null ? nullptr : param.value.c_str());
        lengths.push_back(static_cast<int>(param.value.size()));
        formats.push_back(param.binary ? 1 : 0);
      }
      if (PQsendQueryParams(connection, step.sql.c_str(),
                            static_cast<int>(step.params.size()), nullptr,
                            values.data(), lengths.data(), formats.data(),
                            step.binary_result ? 1 : 0) != 1) {
        failure = ConnectionError(step.what);
        break;
      }
      sent.push_back(step.what);
    }
    // Out of libpq's buffer, so that the server starts on it now.
    if (failure.ok() && PQflush(connection) != 0) {
      failure = ConnectionError(sent.empty() ? "" : sent.back());
    }
    if (!failure.ok()) break;
  }
  std::vector<Result> results;
  if (PQpipelineSync(connection) != 1 && failure.ok()) {
    failure = ConnectionError("sending a pipeline");
  }
  // One result (then a null) per query sent, then the sync point; after an
  // error the rest report PGRES_PIPELINE_ABORTED.
  for (size_t i = 0; i < sent.size(); ++i) {
    Result result(PQgetResult(connection));
    const ExecStatusType status = PQresultStatus(result.get());
    if (result == nullptr) {
      if (failure.ok()) failure = ConnectionError(sent[i]);
      break;
    }
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK &&
        status != PGRES_PIPELINE_ABORTED && failure.ok()) {
      failure = ResultError(result.get(), sent[i]);
    }
    results.push_back(std::move(result));
    while (Result extra{PQgetResult(connection)}) {
    }
  }
  while (true) {
    Result result(PQgetResult(connection));
    if (result == nullptr ||
        PQresultStatus(result.get()) == PGRES_PIPELINE_SYNC) {
      break;
    }
  }
  if (PQexitPipelineMode(connection) != 1 && failure.ok()) {
    failure = ConnectionError("leaving pipeline mode");
  }
  if (PQstatus(connection) != CONNECTION_OK && failure.ok()) {
    failure = ConnectionError(sent.empty() ? "" : sent.back());
  }
  if (!failure.ok()) return failure;
  return results;
}

absl::Status PostgresArticleDb::StoreBatch(
    const std::vector<const v1::Article*>& batch) {
  // Two round trips, whatever the batch size: lock and read what is
  // stored, then write everything and commit.
  //
  // Per-id locks, in one order for every writer: a replica storing the same
  // article waits here until this transaction ends, so both read the
  // stored version they replace.
  std::vector<std::optional<int64_t>> keys;
  std::vector<std::string> ids;
  keys.reserve(batch.size());
  ids.reserve(batch.size());
  for (const v1::Article* article : batch) {
    ids.push_back(WithoutNul(article->id()));
    keys.push_back(static_cast<int64_t>(StableHash64(ids.back())));
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  absl::StatusOr<std::vector<Result>> read = Pipeline({
      {"BEGIN", {}, "starting a transaction"},
      {"SELECT count(pg_advisory_xact_lock(k)) FROM unnest($1::bigint[]) AS k",
       {IntArray(keys)},
       "locking the batch's articles"},
      {"SELECT id, article, seq FROM articles WHERE id = ANY($1::text[])",
       {TextArray(ids)},
       "reading the stored versions",
       /*binary_result=*/true},
  });
  if (!read.ok()) return read.status();
  const PGresult* stored = (*read)[2].get();
  struct Stored {
    std::string bytes;
    int64_t seq;
  };
  absl::flat_hash_map<std::string, Stored> stored_bytes;
  for (int row = 0; row < PQntuples(stored); ++row) {
    stored_bytes[Value(stored, row, 0)] = {Value(stored, row, 1),
                                           BinaryInt64(stored, row, 2)};
  }

  const std::string stored_at = NowRfc3339();
  // Keys as the server keeps them: ids or aliases differing only by NULs
  // are one row, which one upsert must not update twice.
  CatalogueDeltaBuilder delta(&WithoutNul);
  std::vector<std::string> serialized(batch.size());
  std::vector<const v1::Article*> changed;
  std::vector<const std::string*> changed_bytes;
  // Whether each changed article had a stored version (and so may have
  // mentions to replace): under its lock no other writer adds one.
  std::vector<bool> replaced;
  std::vector<std::string> unchanged_ids;
  // Each changed article's entities and time, derived once.
  std::vector<std::vector<EntityContribution>> entities;
  std::vector<std::optional<int64_t>> seen_at;
  // The changed articles of each story, in the order they are inserted.
  std::map<std::string, std::vector<StoryMember>> members;
  std::vector<std::string> changed_ids;
  constexpr int64_t kNewSeqs = int64_t{1} << 62;
  for (size_t i = 0; i < batch.size(); ++i) {
    const v1::Article& article = *batch[i];
    if (!SerializeDeterministically(article, &serialized[i])) {
      return absl::InvalidArgumentError(
          absl::StrCat(location_, ": storing article ", article.id(),
                       ": could not serialize it; nothing stored"));
    }
    auto old = stored_bytes.find(ids[i]);
    if (old != stored_bytes.end()) {
      if (old->second.bytes == serialized[i]) {
        unchanged_ids.push_back(ids[i]);
        continue;
      }
      v1::Article old_article;
      if (!old_article.ParseFromString(old->second.bytes)) {
        return absl::DataLossError(
            absl::StrCat(location_, ": stored article ", article.id(),
                         " cannot be decoded; nothing stored"));
      }
      delta.Remove(old_article);
    }
    entities.push_back(EntityContributions(article, &WithoutNul));
    seen_at.push_back(SeenAtOf(article));
    delta.Add(article, entities.back());
    if (!WithoutNul(article.story_id()).empty()) {
      // A replaced article keeps its seq; new ones get larger ones, in
      // this order.
      const int64_t seq = old != stored_bytes.end()
                              ? old->second.seq
                              : kNewSeqs + static_cast<int64_t>(changed.size());
      // Its fields, and its story's id, as the server keeps them (see
      // TextArray).
      members[WithoutNul(article.story_id())].push_back(
          {seq, seen_at.back(), !WithoutNul(article.published_at()).empty(),
           WithoutNul(OutletOf(article)), WithoutNul(article.title())});
    }
    replaced.push_back(old != stored_bytes.end());
    changed_ids.push_back(ids[i]);
    changed.push_back(&article);
    changed_bytes.push_back(&serialized[i]);
  }

  // The rows go in parts of kUpsertPart articles: the server stores one
  // part while the client makes the next one's search vectors.
  std::vector<PipelinePart> writes;
  if (!unchanged_ids.empty()) {
    writes.push_back([&](std::vector<Step>& steps) {
      steps.push_back(
          {"UPDATE articles SET stored_at = $1 WHERE id = ANY($2::text[])",
           {TextParam(stored_at), TextArray(unchanged_ids)},
           "storing unchanged articles"});
    });
  }
  for (size_t first = 0; first < changed.size(); first += kUpsertPart) {
    writes.push_back([&, first](std::vector<Step>& steps) {
      const size_t end = std::min(changed.size(), first + kUpsertPart);
      std::vector<std::string> columns[9];
      std::vector<std::string> search;
      std::vector<std::optional<int64_t>> part_seen_at;
      std::vector<std::string> replaced_ids;
      std::vector<std::string> mention_articles;
      std::vector<std::string> mention_entities;
      std::vector<std::optional<int64_t>> mention_counts;
      for (size_t i = first; i < end; ++i) {
        const v1::Article* article = changed[i];
        const std::string* texts[] = {
            &article->id(),       &article->source(),  &article->url(),
            &article->title(),    &article->body(),    &article->published_at(),
            &article->language(), &article->story_id()};
        for (int c = 0; c < 8; ++c) columns[c].push_back(*texts[c]);
        if (replaced[i]) replaced_ids.push_back(article->id());
        columns[8].push_back(OutletOf(*article));
        search.push_back(
            SearchVector(SearchText(article->title(), kMaxIndexedBodyBytes),
                         SearchText(article->body(), kMaxIndexedBodyBytes)));
        part_seen_at.push_back(seen_at[i]);
        for (const EntityContribution& entity : entities[i]) {
          mention_articles.push_back(article->id());
          mention_entities.push_back(entity.canonical_id);
          mention_counts.push_back(entity.mentions);
        }
      }
      std::vector<Param> params;
      for (int c = 0; c < 8; ++c) params.push_back(TextArray(columns[c]));
      params.push_back(ByteaArray(std::vector<const std::string*>(
          changed_bytes.begin() + static_cast<std::ptrdiff_t>(first),
          changed_bytes.begin() + static_cast<std::ptrdiff_t>(end))));
      params.push_back(TextArray(columns[8]));
      params.push_back(IntArray(part_seen_at));
      params.push_back(TsVectorArray(search));
      params.push_back(TextParam(stored_at));
      // The part's ids are distinct from every other part's.
      if (!replaced_ids.empty()) {
        steps.push_back(
            {"DELETE FROM mentions WHERE article_seq IN (SELECT seq "
             "FROM articles WHERE id = ANY($1::text[]))",
             {TextArray(replaced_ids)},
             "replacing mentions"});
      }
      // Articles without a stored version are inserted plainly: under
      // their locks no other writer inserts them, and the conflict check
      // (an index probe, and a WAL record confirming each row) was
      // wasted on them.
      const std::string upsert =
          absl::StrCat(kInsertSql, replaced_ids.empty() ? "" : kOnConflictSql);
      if (mention_articles.empty()) {
        steps.push_back({upsert, std::move(params), "storing articles"});
        return;
      }
      // The mentions join the rows the upsert returns rather than looking
      // each article up again by id.
      params.push_back(TextArray(mention_articles));
      params.push_back(TextArray(mention_entities));
      params.push_back(IntArray(mention_counts));
      steps.push_back(
          {absl::StrCat("WITH a AS (", upsert,
                        " RETURNING id, seq, seen_at) "
                        "INSERT INTO mentions (canonical_id, article_seq, "
                        "mentions, seen_at) SELECT t.canonical_id, a.seq, "
                        "t.mentions, a.seen_at FROM unnest($14::text[], "
                        "$15::text[], $16::bigint[]) AS t(article_id, "
                        "canonical_id, mentions) JOIN a ON a.id = "
                        "t.article_id"),
           std::move(params), "storing articles and mentions"});
    });
  }
  writes.push_back([&](std::vector<Step>& steps) {
    if (!changed.empty()) {
      AppendDeltaSteps(
          delta.Build(), members, changed_ids,
          std::find(replaced.begin(), replaced.end(), true) != replaced.end(),
          steps);
    }
    steps.push_back({"COMMIT", {}, "committing the batch"});
  });
  return Pipeline(writes).status();
}

void PostgresArticleDb::AppendDeltaSteps(
    const CatalogueDelta& delta,
    const std::map<std::string, std::vector<StoryMember>>& members,
    const std::vector<std::string>& changed_ids, bool replaces,
    std::vector<Step>& steps) {
  if (!delta.entities.empty()) {
    std::vector<std::string> ids, names, keys, types, dropped;
    std::vector<std::optional<int64_t>> articles, mentions;
    for (const CatalogueDelta::Entity& entity : delta.entities) {
      ids.push_back(entity.canonical_id);
      names.push_back(entity.name);
      keys.push_back(entity.name_key);
      types.push_back(entity.type);
      articles.push_back(entity.article_delta);
      mentions.push_back(entity.mention_delta);
      if (entity.article_delta < 0) dropped.push_back(entity.canonical_id);
    }
    steps.push_back({kEntityDeltaSql,
                     {TextArray(ids), TextArray(names), TextArray(keys),
                      TextArray(types), IntArray(articles), IntArray(mentions)},
                     "updating the entity catalogue"});
    if (!dropped.empty()) {
      steps.push_back(
          {"DELETE FROM entities WHERE canonical_id = "
           "ANY($1::text[]) AND article_count <= 0",
           {TextArray(dropped)},
           "updating the entity catalogue"});
    }
  }
  if (!delta.aliases.empty()) {
    std::vector<std::string> ids, aliases, keys, rules, dropped_ids,
        dropped_aliases;
    std::vector<std::optional<int64_t>> counts;
    for (const CatalogueDelta::Alias& alias : delta.aliases) {
      ids.push_back(alias.canonical_id);
      aliases.push_back(alias.alias);
      keys.push_back(alias.alias_key);
      rules.push_back(alias.rule);
      counts.push_back(alias.article_delta);
      if (alias.article_delta < 0) {
        dropped_ids.push_back(alias.canonical_id);
        dropped_aliases.push_back(alias.alias);
      }
    }
    steps.push_back({kAliasDeltaSql,
                     {TextArray(ids), TextArray(aliases), TextArray(keys),
                      IntArray(counts), TextArray(rules)},
                     "updating entity aliases"});
    if (!dropped_ids.empty()) {
      steps.push_back(
          {"DELETE FROM entity_aliases AS a USING unnest($1::text[], "
           "$2::text[]) AS d(canonical_id, alias) WHERE "
           "a.canonical_id = d.canonical_id AND a.alias = d.alias "
           "AND a.article_count <= 0",
           {TextArray(dropped_ids), TextArray(dropped_aliases)},
           "updating entity aliases"});
    }
  }
  // Story ids as the server keeps them (a story id of only NULs is no
  // story).
  const std::vector<std::string>& story_ids = delta.stories;
  if (!story_ids.empty()) {
    // Each story's summary from the batch's articles, used if the batch
    // starts it (none for a story only left).
    std::vector<std::optional<int64_t>> first_seen, last_seen, counts;
    std::vector<std::string> outlets, headlines;
    for (const std::string& story : story_ids) {
      auto batch = members.find(story);
      const StorySummary summary = batch == members.end()
                                       ? StorySummary()
                                       : SummarizeStory(batch->second);
      first_seen.push_back(summary.first_seen);
      last_seen.push_back(summary.last_seen);
      counts.push_back(summary.article_count);
      outlets.push_back(summary.outlets);
      headlines.push_back(summary.headline);
    }
    const Param stories = TextArray(story_ids);
    steps.push_back(
        {kStoryRowsSql,
         {stories, IntArray(first_seen), IntArray(last_seen), IntArray(counts),
          TextArray(outlets), TextArray(headlines), TextArray(changed_ids)},
         "updating stories"});
    steps.push_back({absl::StrCat("SELECT id FROM stories WHERE id = ANY(",
                                  kStoriesToSummarize,
                                  ") ORDER BY id COLLATE \"C\" FOR UPDATE"),
                     {},
                     "updating stories"});
    steps.push_back({absl::StrCat(kSummarizeStoriesSql, kStoriesToSummarize,
                                  kSummarizeStoriesEndSql),
                     {},
                     "updating stories"});
    // New articles only add to stories; a story is left empty only by an
    // article moving to another one.
    if (replaces)
      steps.push_back({kEmptyStoriesSql, {stories}, "updating stories"});
  }
}

absl::Status PostgresArticleDb::ForEach(
    const ArticleFilter& filter,
    const std::function<absl::Status(const v1::Article&)>& visit) {
  // Pages by seq rather than one long-running cursor, so `visit` may use
  // this connection and no transaction stays open.
  int64_t last_seq = 0;
  v1::Article article;
  while (true) {
    SqlParams params('$');
    const std::string sql = absl::StrCat(
        "SELECT a.seq, a.id, a.article FROM articles AS a WHERE a.seq > ",
        params.Int(last_seq), ArticleFilterSql(filter, params),
        " ORDER BY a.seq LIMIT ", params.Int(kForEachPage));
    std::vector<Param> values;
    for (const SqlParams::Value& value : params.values()) {
      values.push_back(TextParam(WithoutNul(value.text)));
    }
    absl::StatusOr<Result> page =
        Query(sql, values, "reading articles", /*binary_result=*/true);
    if (!page.ok()) return page.status();
    const int rows = PQntuples(page->get());
    for (int row = 0; row < rows; ++row) {
      last_seq = BinaryInt64(page->get(), row, 0);
      article.Clear();
      const std::string bytes = Value(page->get(), row, 2);
      if (!article.ParseFromString(bytes)) {
        return absl::DataLossError(absl::StrCat(location_, ": stored article ",
                                                Value(page->get(), row, 1),
                                                " cannot be decoded"));
      }
      if (auto status = visit(article); !status.ok()) return status;
    }
    if (rows < kForEachPage) return absl::OkStatus();
  }
}

absl::StatusOr<StoredArticle> PostgresArticleDb::Get(const std::string& id) {
  absl::StatusOr<Result> row =
      Query("SELECT article, stored_at FROM articles WHERE id = $1",
            {TextParam(WithoutNul(id))}, absl::StrCat("reading article ", id),
            /*binary_result=*/true);
  if (!row.ok()) return row.status();
  if (PQntuples(row->get()) == 0) {
    return absl::NotFoundError(
        absl::StrCat(location_, ": no article with id \"", id, "\""));
  }
  StoredArticle stored;
  if (!stored.article.ParseFromString(Value(row->get(), 0, 0))) {
    return absl::DataLossError(
        absl::StrCat(location_, ": stored article ", id, " cannot be decoded"));
  }
  stored.stored_at = Value(row->get(), 0, 1);
  return stored;
}

absl::StatusOr<std::vector<SearchHit>> PostgresArticleDb::Search(
    const SearchRequest& request) {
  if (auto status = CheckSearchRequest(location_, request); !status.ok()) {
    return status;
  }
  const bool has_text = !absl::StripAsciiWhitespace(request.text).empty();
  // As on SQLite (see SearchRequest::rank_window): a filtered search ranks
  // every match, an unfiltered one the newest matches first.
  if (!has_text || request.rank_window <= 0 ||
      FiltersArticleColumns(request.filter) || !request.filter.entity.empty() ||
      request.filter.entity_type != v1::ENTITY_TYPE_UNSPECIFIED) {
    return SearchWithin(request, 0);
  }
  for (int64_t window = request.rank_window;; window *= 8) {
    absl::StatusOr<std::vector<SearchHit>> hits = SearchWithin(request, window);
    if (!hits.ok() || hits->size() >= static_cast<size_t>(request.limit)) {
      return hits;
    }
    // A short page: widen only if the window did not hold every match.
    absl::StatusOr<std::string> tsquery = TextQueryToTsQuery(request.text);
    if (!tsquery.ok()) return hits;
    absl::StatusOr<Result> count = Query(
        "SELECT count(*) FROM (SELECT 1 FROM articles WHERE search @@ "
        "$1::tsquery LIMIT $2::bigint) AS m",
        {TextParam(*tsquery), TextParam(absl::StrCat(window + 1))},
        absl::StrCat("searching for \"", request.text, "\""));
    if (!count.ok()) return count.status();
    if (Int(count->get(), 0, 0) <= window) return hits;
  }
}

absl::StatusOr<std::vector<SearchHit>> PostgresArticleDb::SearchWithin(
    const SearchRequest& request, int64_t window) {
  const bool has_text = !absl::StripAsciiWhitespace(request.text).empty();
  absl::StatusOr<std::optional<SearchCursor>> decoded =
      AfterCursorOf(location_, request, has_text);
  if (!decoded.ok()) return decoded.status();
  const std::optional<SearchCursor>& after = *decoded;
  SqlParams params('$');
  std::string sql;
  if (has_text) {
    absl::StatusOr<std::string> tsquery = TextQueryToTsQuery(request.text);
    if (!tsquery.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(location_, ": invalid search query \"", request.text,
                       "\": ", tsquery.status().message()));
    }
    const std::string query = absl::StrCat("(SELECT ", params.Text(*tsquery),
                                           "::tsquery AS q) AS query");
    // What is ranked: every match, or the newest `window` of them (their
    // seqs come from the full-text and primary key indexes, and only
    // their vectors are read).
    std::string ranked =
        absl::StrCat("articles AS a, ", query, " WHERE a.search @@ q",
                     ArticleFilterSql(request.filter, params));
    if (window > 0) {
      ranked =
          absl::StrCat("(SELECT a.seq, a.search FROM articles AS a, ", query,
                       " WHERE a.search @@ q ORDER BY a.seq DESC LIMIT ",
                       params.Int(window), ") AS a, ", query, " WHERE true");
    }
    if (after) {
      // The cursor's score is ts_rank()'s real as PostgreSQL printed it,
      // which converts back to exactly that real.
      const std::string score = params.Text(after->score);
      absl::StrAppend(&ranked, " AND (ts_rank(a.search, q) < ", score,
                      "::real OR (ts_rank(a.search, q) = ", score,
                      "::real AND a.seq > ", params.Int(after->seq), "))");
    }
    // Rows are read, and headlines made (ts_headline re-parses the text),
    // for the page only.
    const std::string options = params.Text(kHeadlineOptions);
    sql = absl::StrCat(
        "SELECT h.id, h.title, h.url, h.published_at, h.source, h.story_id, "
        "ts_headline('simple', h.title, q, ",
        options, "), ts_headline('simple', h.body, q, ", options,
        "), r.score, h.body, h.seq, h.seen_at FROM (SELECT a.seq, "
        "ts_rank(a.search, q) AS score FROM ",
        ranked, " ORDER BY score DESC, a.seq LIMIT ", params.Int(request.limit),
        " OFFSET ", params.Int(request.offset),
        ") AS r JOIN articles AS h ON h.seq = r.seq, ", query,
        " ORDER BY r.score DESC, r.seq");
  } else if (!request.filter.entity.empty() &&
             !FiltersArticleColumns(request.filter)) {
    // An entity's newest articles: the first entries of each of its ids'
    // ranges of mentions_newest (a name may stand for several entities;
    // each one's newest `limit + offset` hold the page).
    const std::string ids =
        EntityIdsSql(request.filter.entity, request.filter.entity_type, params);
    sql = absl::StrCat(
        "SELECT a.id, a.title, a.url, a.published_at, a.source, a.story_id, "
        "'', a.body, 0, a.body, a.seq, a.seen_at FROM articles AS a "
        "WHERE a.seq IN (SELECT t.article_seq FROM (",
        ids,
        ") AS e CROSS JOIN LATERAL (SELECT m.article_seq FROM mentions AS m "
        "WHERE m.canonical_id = e.canonical_id",
        after ? NewestAfterSql(*after, params, "m.seen_at", "m.article_seq")
              : std::string(),
        " ORDER BY m.seen_at DESC NULLS LAST, m.article_seq DESC LIMIT ",
        params.Int(request.limit + request.offset),
        ") AS t) ORDER BY a.seen_at DESC NULLS LAST, a.seq DESC LIMIT ",
        params.Int(request.limit), " OFFSET ", params.Int(request.offset));
  } else {
    sql = absl::StrCat(
        "SELECT a.id, a.title, a.url, a.published_at, a.source, a.story_id, "
        "'', a.body, 0, a.body, a.seq, a.seen_at FROM articles AS a "
        "WHERE true",
        ArticleFilterSql(request.filter, params),
        after ? NewestAfterSql(*after, params) : std::string(),
        " ORDER BY a.seen_at DESC NULLS LAST, a.seq DESC LIMIT ",
        params.Int(request.limit), " OFFSET ", params.Int(request.offset));
  }
  absl::StatusOr<Result> rows =
      Query(sql, params, absl::StrCat("searching for \"", request.text, "\""));
  if (!rows.ok()) return rows.status();
  std::vector<SearchHit> hits;
  const PGresult* result = rows->get();
  for (int row = 0; row < PQntuples(result); ++row) {
    SearchHit& hit = hits.emplace_back();
    hit.id = Value(result, row, 0);
    hit.title = Value(result, row, 1);
    hit.url = Value(result, row, 2);
    hit.published_at = Value(result, row, 3);
    hit.source = Value(result, row, 4);
    hit.story_id = Value(result, row, 5);
    const std::string body = Value(result, row, 9);
    hit.snippet = has_text ? ChooseSnippet(hit.title, Value(result, row, 6),
                                           body, Value(result, row, 7))
                           : LeadSnippet(body, kLeadSnippetWords);
    hit.score = std::strtod(PQgetvalue(result, row, 8), nullptr);
    SearchCursor cursor;
    cursor.ranked = has_text;
    cursor.seq = Int(result, row, 10);
    if (has_text) {
      cursor.score = Value(result, row, 8);
    } else {
      cursor.seen_at = OptionalInt(result, row, 11);
    }
    hit.cursor = EncodeCursor(cursor);
  }
  return hits;
}

absl::StatusOr<int64_t> PostgresArticleDb::Count() {
  absl::StatusOr<Result> count =
      Query("SELECT count(*) FROM articles", std::vector<Param>(),
            "counting articles");
  if (!count.ok()) return count.status();
  return Int(count->get(), 0, 0);
}

absl::StatusOr<std::vector<StoryInfo>> PostgresArticleDb::Stories(
    const StoryQuery& query) {
  SqlParams params(kPostgresDialect.placeholder);
  absl::StatusOr<std::string> sql =
      ListStoriesSql(location_, query, kPostgresDialect, params);
  if (!sql.ok()) return sql.status();
  absl::StatusOr<Result> rows = Query(*sql, params, "listing stories");
  if (!rows.ok()) return rows.status();
  std::vector<StoryInfo> stories;
  const PGresult* result = rows->get();
  for (int row = 0; row < PQntuples(result); ++row) {
    StoryInfo& story = stories.emplace_back();
    story.id = Value(result, row, 0);
    story.first_seen = TimeFromSeconds(OptionalInt(result, row, 1));
    story.last_seen = TimeFromSeconds(OptionalInt(result, row, 2));
    story.article_count = Int(result, row, 3);
    story.outlets = SplitOutlets(Value(result, row, 4));
    story.headline = Value(result, row, 5);
  }
  if (query.top_entities <= 0 || stories.empty()) return stories;
  // One round trip for every story's top entities.
  std::vector<std::string> ids;
  absl::flat_hash_map<std::string, StoryInfo*> by_id;
  for (StoryInfo& story : stories) {
    ids.push_back(story.id);
    by_id[story.id] = &story;
  }
  absl::StatusOr<Result> top = Query(
      "SELECT story_id, canonical_id, name, type, n FROM ("
      "SELECT a.story_id, e.canonical_id, e.name, e.type, count(*) AS n, "
      "row_number() OVER (PARTITION BY a.story_id ORDER BY count(*) DESC, "
      "sum(m.mentions) DESC, e.name COLLATE \"C\") AS r "
      "FROM articles AS a JOIN mentions AS m ON m.article_seq = a.seq "
      "JOIN entities AS e ON e.canonical_id = m.canonical_id "
      "WHERE a.story_id = ANY($1::text[]) "
      "GROUP BY a.story_id, e.canonical_id) AS ranked "
      "WHERE r <= $2 ORDER BY story_id, r",
      {TextArray(ids), TextParam(absl::StrCat(query.top_entities))},
      "reading the entities of stories");
  if (!top.ok()) return top.status();
  for (int row = 0; row < PQntuples(top->get()); ++row) {
    auto story = by_id.find(Value(top->get(), row, 0));
    if (story == by_id.end()) continue;
    EntityRef& entity = story->second->top_entities.emplace_back();
    entity.canonical_id = Value(top->get(), row, 1);
    entity.name = Value(top->get(), row, 2);
    entity.type = ParseEntityType(Value(top->get(), row, 3))
                      .value_or(v1::ENTITY_TYPE_UNSPECIFIED);
    entity.article_count = Int(top->get(), row, 4);
  }
  return stories;
}

absl::StatusOr<std::vector<EntityInfo>> PostgresArticleDb::Entities(
    const EntityQuery& query) {
  SqlParams params(kPostgresDialect.placeholder);
  absl::StatusOr<std::string> sql =
      ListEntitiesSql(location_, query, kPostgresDialect, params);
  if (!sql.ok()) return sql.status();
  absl::StatusOr<Result> rows = Query(*sql, params, "listing entities");
  if (!rows.ok()) return rows.status();
  std::vector<EntityInfo> entities;
  std::vector<std::string> ids;
  const PGresult* result = rows->get();
  for (int row = 0; row < PQntuples(result); ++row) {
    EntityInfo& info = entities.emplace_back();
    info.entity.canonical_id = Value(result, row, 0);
    info.entity.name = Value(result, row, 1);
    info.entity.type = ParseEntityType(Value(result, row, 2))
                           .value_or(v1::ENTITY_TYPE_UNSPECIFIED);
    info.entity.article_count = Int(result, row, 3);
    info.mention_count = Int(result, row, 4);
    ids.push_back(info.entity.canonical_id);
  }
  if (entities.empty()) return entities;
  absl::StatusOr<Result> aliases = Query(
      "SELECT canonical_id, alias, article_count, join_rule "
      "FROM entity_aliases "
      "WHERE canonical_id = ANY($1::text[]) "
      "ORDER BY article_count DESC, alias COLLATE \"C\"",
      {TextArray(ids)}, "reading entity aliases");
  if (!aliases.ok()) return aliases.status();
  absl::flat_hash_map<std::string, EntityInfo*> by_id;
  for (EntityInfo& info : entities) by_id[info.entity.canonical_id] = &info;
  for (int row = 0; row < PQntuples(aliases->get()); ++row) {
    auto it = by_id.find(Value(aliases->get(), row, 0));
    if (it == by_id.end()) continue;
    it->second->aliases.push_back({Value(aliases->get(), row, 1),
                                   Int(aliases->get(), row, 2),
                                   Value(aliases->get(), row, 3)});
  }
  return entities;
}

absl::StatusOr<int64_t> PostgresArticleDb::AddDeadLetter(
    const DeadLetter& letter) {
  if (read_only_) return ReadOnlyError("record a dead letter");
  absl::StatusOr<Result> row = Query(
      "INSERT INTO dead_letters (stage, reason, raw, at) VALUES ($1, $2, $3, "
      "$4) RETURNING id",
      {TextParam(WithoutNul(letter.stage)),
       TextParam(WithoutNul(letter.reason)), BinaryParam(letter.raw),
       TextParam(letter.at.empty() ? NowRfc3339() : WithoutNul(letter.at))},
      "recording a dead letter");
  if (!row.ok()) return row.status();
  return Int(row->get(), 0, 0);
}

absl::StatusOr<std::vector<std::string>> PostgresArticleDb::IdsStartingWith(
    const std::string& prefix, int limit) {
  absl::StatusOr<Result> rows = Query(
      "SELECT id FROM articles WHERE starts_with(id, $1) ORDER BY id "
      "LIMIT $2::bigint",
      {TextParam(WithoutNul(prefix)), TextParam(absl::StrCat(limit))},
      "finding ids", /*binary_result=*/false);
  if (!rows.ok()) return rows.status();
  std::vector<std::string> ids;
  for (int row = 0; row < PQntuples(rows->get()); ++row) {
    ids.push_back(Value(rows->get(), row, 0));
  }
  return ids;
}

absl::StatusOr<std::vector<DeadLetter>> PostgresArticleDb::ListDeadLetters(
    int limit) {
  if (auto status = CheckLimit(location_, "dead letter", limit); !status.ok()) {
    return status;
  }
  absl::StatusOr<Result> rows = Query(
      "SELECT id, stage, reason, raw, at FROM dead_letters "
      "ORDER BY id DESC LIMIT $1::bigint",
      {TextParam(absl::StrCat(limit))}, "listing dead letters",
      /*binary_result=*/true);
  if (!rows.ok()) return rows.status();
  std::vector<DeadLetter> letters;
  for (int row = 0; row < PQntuples(rows->get()); ++row) {
    DeadLetter& letter = letters.emplace_back();
    letter.id = BinaryInt64(rows->get(), row, 0);
    letter.stage = Value(rows->get(), row, 1);
    letter.reason = Value(rows->get(), row, 2);
    letter.raw = Value(rows->get(), row, 3);
    letter.at = Value(rows->get(), row, 4);
  }
  return letters;
}

}  // namespace

absl::StatusOr<std::unique_ptr<ArticleDb>> OpenPostgresArticleDb(
    const std::string& url, ArticleDb::OpenMode mode) {
  return PostgresArticleDb::Open(url, mode);
}

}  // namespace newsflow
