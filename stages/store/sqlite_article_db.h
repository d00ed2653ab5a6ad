// The SQLite backend of ArticleDb: one file, WAL journal, FTS5 index.
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

}  // namespace newsflow

#endif  // NEWSFLOW_STAGES_STORE_SQLITE_ARTICLE_DB_H_
