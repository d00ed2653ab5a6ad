// The article database: durable storage and full-text search of Articles.
//
// This is the only module that knows the storage schema and its SQL. The
// store stage writes through it; the runner's `export` and `query` commands
// read through it. ArticleDb is an abstract interface so that another backend
// (PostgreSQL) can sit behind the same calls; Open() picks the backend from
// the location it is given (today: always an SQLite file).
//
// Contract of every backend:
//   - An article is keyed by its id; storing the same id again replaces the
//     row and its search index entry (no stale search results).
//   - Every stored article keeps its full serialized form, so ForEach()
//     returns each field a stage set (entities, trace, metadata, ...).
//   - The schema is versioned. A read-write open migrates an older database
//     forward; every open refuses a database newer than this build.
//   - Errors are statuses that name the database location; a corrupt or
//     foreign file is an error, never a crash.
//
// Thread safety: an ArticleDb is used from one thread at a time. Several
// ArticleDb objects (in one or several processes) may share one database:
// one writer at a time, any number of readers alongside it.
#ifndef NEWSFLOW_STAGES_STORE_ARTICLE_DB_H_
#define NEWSFLOW_STAGES_STORE_ARTICLE_DB_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "newsflow/v1/article.pb.h"

namespace newsflow {

// Markers Search() puts around the matched terms of SearchHit::snippet.
inline constexpr char kSnippetMatchStart[] = "\u00ab";  // «
inline constexpr char kSnippetMatchEnd[] = "\u00bb";    // »
// Marks text cut from either end of a snippet.
inline constexpr char kSnippetEllipsis[] = "\u2026";  // …

// One result of ArticleDb::Search().
struct SearchHit {
  std::string id;
  std::string title;
  std::string url;
  std::string published_at;
  std::string source;
  // About 16 tokens around the best match, from the title or the body, with
  // each matched term between kSnippetMatchStart and kSnippetMatchEnd.
  std::string snippet;
  // Relevance; higher is better. Only comparable within one Search() call.
  double score = 0;
};

class ArticleDb {
 public:
  enum class OpenMode {
    // Creates the database (and its schema) when missing; migrates an older
    // schema forward.
    kReadWrite,
    // Fails when the database is missing, is not a newsflow database, or has
    // a different schema version. Works while a writer has it open.
    kReadOnly,
  };

  // Opens the SQLite database file at `path`.
  //
  // Errors: NotFound (kReadOnly and no such file), FailedPrecondition (not a
  // newsflow database, or a schema version this build cannot use),
  // DataLoss (corrupt file), or the mapped SQLite error. Every message names
  // `path`.
  static absl::StatusOr<std::unique_ptr<ArticleDb>> Open(
      const std::string& path, OpenMode mode);

  virtual ~ArticleDb() = default;
  ArticleDb(const ArticleDb&) = delete;
  ArticleDb& operator=(const ArticleDb&) = delete;

  // Inserts or replaces `articles` (keyed by id) in one transaction: either
  // all of them are stored or none is. Within the batch a later article with
  // the same id wins.
  //
  // Errors: InvalidArgument (an article without id), FailedPrecondition
  // (opened read-only), ResourceExhausted (disk or database full), or the
  // mapped storage error; the message names the failing article's id when
  // one article is to blame.
  virtual absl::Status UpsertBatch(
      const std::vector<v1::Article>& articles) = 0;

  // Calls `visit` with every stored article, in the order their ids were
  // first stored. Stops at, and returns, the first non-OK status of `visit`.
  // DataLoss when a stored article cannot be decoded.
  virtual absl::Status ForEach(
      const std::function<absl::Status(const v1::Article&)>& visit) = 0;

  // Full-text search over titles and bodies, best `limit` hits first; a
  // title match ranks above the same match in a body.
  //
  // `query` uses SQLite FTS5 syntax: words (all must match), `OR`, `NOT`,
  // "quoted phrases", prefix*, NEAR(a b, 5), and `title:` / `body:` column
  // filters. InvalidArgument, quoting `query` and the parser's message, when
  // it is malformed or `limit` is not positive.
  virtual absl::StatusOr<std::vector<SearchHit>> Search(
      const std::string& query, int limit) = 0;

  // The number of stored articles.
  virtual absl::StatusOr<int64_t> Count() = 0;

  // Where the database lives, as given to Open().
  virtual const std::string& location() const = 0;

 protected:
  ArticleDb() = default;
};

}  // namespace newsflow

#endif  // NEWSFLOW_STAGES_STORE_ARTICLE_DB_H_
