// The PostgreSQL backend of ArticleDb (libpq): tsvector + GIN full-text
// index, batched idempotent upserts that several store replicas may run
// concurrently (articles read as new are inserted plainly under their
// locks, stored ones replaced by INSERT ... ON CONFLICT). Internal to
// stages/store; use ArticleDb::Open().
//
// Concurrency: a batch takes a transaction-scoped advisory lock per article
// id (sorted), then touches entity, alias and story rows in sorted order
// ("C" collation), so writers that share rows wait for each other instead
// of deadlocking; deadlock and serialization failures that still happen
// (e.g. under a stricter default isolation) are retried.
//
// Atomicity: a batch of 256 articles or more is split by story into two
// parts, stored at once on two connections, each in a transaction of its
// own; UpsertBatch returns OK only once both committed. After a failure one
// part may be stored: storing the batch again leaves that part as it is and
// stores the rest, so a batch retried whole ends as one transaction would.
#ifndef NEWSFLOW_STAGES_STORE_POSTGRES_ARTICLE_DB_H_
#define NEWSFLOW_STAGES_STORE_POSTGRES_ARTICLE_DB_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "stages/store/article_db.h"

namespace newsflow {

// Unimplemented when newsflow was built without libpq.
absl::StatusOr<std::unique_ptr<ArticleDb>> OpenPostgresArticleDb(
    const std::string& url, ArticleDb::OpenMode mode);

// `url` with its password (user:password@ or password=) replaced by "***".
std::string RedactPostgresUrl(const std::string& url);

}  // namespace newsflow

#endif  // NEWSFLOW_STAGES_STORE_POSTGRES_ARTICLE_DB_H_
