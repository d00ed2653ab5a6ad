// Pieces every ArticleDb backend shares: batch validation, the checks of a
// search request, and the presentation of stored values. Internal to
// stages/store.
#ifndef NEWSFLOW_STAGES_STORE_DB_COMMON_H_
#define NEWSFLOW_STAGES_STORE_DB_COMMON_H_

#include <google/protobuf/message_lite.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "stages/store/article_db.h"
#include "stages/store/catalogue.h"

namespace newsflow {

// InvalidArgument naming `location` when an article has no id.
absl::Status CheckBatchIds(const std::string& location,
                           const std::vector<v1::Article>& articles);

// The batch with one article per id: the last one given for that id, at the
// position where the id first appears. With `id_form`, ids equal in that
// form (the backend's, see StoredKeyForm) are one id.
std::vector<const v1::Article*> LatestPerId(
    const std::vector<v1::Article>& articles, StoredKeyForm id_form = nullptr);

// InvalidArgument naming `location` and `what` ("story", "dead letter")
// unless `limit` is positive.
absl::Status CheckLimit(const std::string& location, absl::string_view what,
                        int64_t limit);

// InvalidArgument naming `location` for a request no backend can run: empty
// text and filter, a non-positive limit.
absl::Status CheckSearchRequest(const std::string& location,
                                const SearchRequest& request);

// `message` serialized with maps in key order, so that equal messages give
// equal bytes: stores compare these with the stored bytes to skip
// unchanged articles, and protobuf's default map order varies from one
// parsed copy to the next. False when it cannot be serialized.
bool SerializeDeterministically(const google::protobuf::MessageLite& message,
                                std::string* out);

// The start of `body`, at most `max_words` words, with kSnippetEllipsis when
// cut: the snippet of a hit found without a text query.
std::string LeadSnippet(const std::string& body, int max_words);

// Unix seconds as a time.
std::optional<absl::Time> TimeFromSeconds(std::optional<int64_t> seconds);

// Stories store their outlets as one "\n"-separated column.
std::vector<std::string> SplitOutlets(absl::string_view joined);

// Query parameters collected while building SQL text: each call returns the
// numbered placeholder to splice in ("?n" for SQLite, "$n" for PostgreSQL),
// so the text stays right whatever order the calls are evaluated in.
class SqlParams {
 public:
  struct Value {
    bool is_int = false;
    bool is_real = false;
    std::string text;
    int64_t number = 0;
    double real = 0;
  };
  // `prefix`: '?' or '$'.
  explicit SqlParams(char prefix) : prefix_(prefix) {}
  std::string Text(std::string text);
  std::string Int(int64_t number);
  // Bound as a double where the backend can (SQLite), so that it compares
  // exactly with a value the database computed; elsewhere as "%.17g" text.
  std::string Real(double number);
  const std::vector<Value>& values() const { return values_; }

 private:
  std::string Placeholder() const;
  char prefix_;
  std::vector<Value> values_;
};

// What differs between the SQL texts the two backends share.
struct SqlDialect {
  // SqlParams' placeholder prefix: '?' (SQLite) or '$' (PostgreSQL).
  char placeholder;
  // Follows a text column in ORDER BY, so that both backends sort text by
  // bytes (SQLite's default; PostgreSQL's default is the locale's order).
  absl::string_view byte_order;
  // A descending order that puts NULL last (SQLite sorts NULL lowest
  // already; PostgreSQL highest).
  absl::string_view descending_nulls_last;
};
extern const SqlDialect kSqliteDialect;
extern const SqlDialect kPostgresDialect;

// The stories `query` lists, in listing order, as columns id, first_seen,
// last_seen, article_count, outlets, headline. InvalidArgument naming
// `location` for a non-positive limit.
absl::StatusOr<std::string> ListStoriesSql(const std::string& location,
                                           const StoryQuery& query,
                                           const SqlDialect& dialect,
                                           SqlParams& params);

// The entities `query` lists, in listing order, as columns canonical_id,
// name, type, article_count, mention_count. InvalidArgument naming
// `location` for a non-positive limit.
absl::StatusOr<std::string> ListEntitiesSql(const std::string& location,
                                            const EntityQuery& query,
                                            const SqlDialect& dialect,
                                            SqlParams& params);

// A position in Search()'s order (SearchRequest::after), decoded.
struct SearchCursor {
  // A text query's (ordered by score, then seq) rather than a filter-only
  // query's (seen_at descending with NULL last, then seq descending).
  bool ranked = false;
  // Ranked: the backend's rank value as text that converts back to exactly
  // that value (a number; checked by DecodeCursor).
  std::string score;
  // Filter-only: the hit's seen_at, nullopt when unknown.
  std::optional<int64_t> seen_at;
  int64_t seq = 0;
};
std::string EncodeCursor(const SearchCursor& cursor);
// InvalidArgument naming `location` and quoting `text` unless it is a
// cursor EncodeCursor() made for a query of the same kind (`ranked`).
absl::StatusOr<SearchCursor> DecodeCursor(const std::string& location,
                                          const std::string& text, bool ranked);

// The decoded SearchRequest::after of `request` (a text query when
// `ranked`); nullopt when it has none.
absl::StatusOr<std::optional<SearchCursor>> AfterCursorOf(
    const std::string& location, const SearchRequest& request, bool ranked);

// A condition starting " AND " that keeps the rows of the articles table
// aliased `a` that come after `cursor` in filter-only order.
// (Another table's columns holding the article's time and seq may stand
// in for a.seen_at and a.seq.)
std::string NewestAfterSql(const SearchCursor& cursor, SqlParams& params,
                           const std::string& seen_at_column = "a.seen_at",
                           const std::string& seq_column = "a.seq");

// How ArticleFilterSql tests an article's entities.
enum class EntityTest {
  // `seq` IN (every mention of the entities): reads each mention once; the
  // plan for an entity in few articles, and lets the mentions drive.
  kGather,
  // EXISTS (a mention of `seq`): one index probe per article visited; the
  // plan when the query walks articles in its own order and stops early,
  // and the entity is in many of them.
  kProbe,
};

// SQL conditions, each starting " AND ", restricting the articles table
// aliased `a` (columns seq, seen_at, source, story_id) to `filter`; the
// entity condition refers to the article by `seq` (another table's column
// holding the article's seq may stand in). Both backends share the table
// layout these refer to.
std::string ArticleFilterSql(const ArticleFilter& filter, SqlParams& params,
                             EntityTest entity_test = EntityTest::kGather,
                             const std::string& seq = "a.seq");

// Whether `filter` restricts anything but entities (needs article columns).
bool FiltersArticleColumns(const ArticleFilter& filter);

// A subquery selecting the canonical ids of the entities named `name` (any
// alias, canonical name or id; "" for any) of type `type` (unspecified for
// any).
std::string EntityIdsSql(const std::string& name, v1::EntityType type,
                         SqlParams& params);

}  // namespace newsflow

#endif  // NEWSFLOW_STAGES_STORE_DB_COMMON_H_
