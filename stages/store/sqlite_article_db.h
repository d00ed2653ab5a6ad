// The SQLite backend of ArticleDb: the articles file (WAL journal) and its
// full-text index (FTS5) in a file of its own beside it, filled by an
// indexer thread from the committed articles.
// Internal to stages/store; use ArticleDb::Open().
#ifndef NEWSFLOW_STAGES_STORE_SQLITE_ARTICLE_DB_H_
#define NEWSFLOW_STAGES_STORE_SQLITE_ARTICLE_DB_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "stages/store/article_db.h"

namespace newsflow {

absl::StatusOr<std::unique_ptr<ArticleDb>> OpenSqliteArticleDb(
    const std::string& path, ArticleDb::OpenMode mode,
    const ArticleDb::OpenOptions& options = ArticleDb::OpenOptions());

// Whether this process's SQLite page cache memory was reserved up front
// (ArticleDbOpenOptions::reserve_sqlite_cache), and how many pages it holds.
int64_t ReservedSqlitePages();

// The search index file of the articles file at `path` ("PATH-search"):
// derived data, rebuilt from the articles when missing or behind (a
// read-write open catches up). Kept and moved together with the articles
// file, like its -wal file.
std::string SqliteSearchIndexPath(const std::string& path);

// How many full-text lookups this process's text searches made for the
// articles of an entity filter, when those drove the search (one per run
// of nearby articles; see SeqRuns). For tests.
int64_t SqliteEntityLookupsForTest();

// Stored articles this process read by id to store a new version of them
// (an article is read only when its id was already stored). For tests.
int64_t SqliteStoredArticleReadsForTest();

// What store commits of this process did about checkpoints of their
// articles files: asked the checkpoint thread for one (`hand_overs`), or
// checkpointed inside the commit (`inline_checkpoints`). For tests.
struct SqliteCheckpointCounts {
  int64_t hand_overs = 0;
  int64_t inline_checkpoints = 0;
};
SqliteCheckpointCounts SqliteCheckpointCountsForTest();

}  // namespace newsflow

#endif  // NEWSFLOW_STAGES_STORE_SQLITE_ARTICLE_DB_H_
