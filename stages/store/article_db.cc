#include "stages/store/article_db.h"

#include <sqlite3.h>

#include <cerrno>
#include <filesystem>
#include <system_error>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/time.h"

namespace newsflow {
namespace {

// PRAGMA application_id of a newsflow database ("NFDB"): tells our files
// apart from any other SQLite database.
constexpr int32_t kApplicationId = 0x4E464442;

// kMigrations[v] turns schema version v into version v + 1, so the current
// version is the number of entries. Entries are never edited once released;
// a schema change appends one (the entities/mentions tables will be v2).
//
// `seq` is an explicit INTEGER PRIMARY KEY because the full-text index refers
// to rows by rowid, and VACUUM may renumber an implicit rowid; `id` is the
// article's key. The index is an external-content FTS5 table kept in sync by
// triggers, so it stores no second copy of the text.
constexpr const char* kMigrations[] = {
    R"sql(
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
)sql",
};
constexpr int kSchemaVersion =
    static_cast<int>(sizeof(kMigrations) / sizeof(kMigrations[0]));

constexpr int kBusyTimeoutMs = 5000;

constexpr char kUpsertSql[] = R"sql(
INSERT INTO articles (id, source, url, title, body, published_at, language,
                      story_id, stored_at, article)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
ON CONFLICT(id) DO UPDATE SET
  source = excluded.source, url = excluded.url, title = excluded.title,
  body = excluded.body, published_at = excluded.published_at,
  language = excluded.language, story_id = excluded.story_id,
  stored_at = excluded.stored_at, article = excluded.article
)sql";

// bm25 column weights (title, body): a word in the title says more about
// what the article is about than the same word somewhere in the body.
constexpr char kSearchSql[] = R"sql(
SELECT a.id, a.title, a.url, a.published_at, a.source,
       snippet(articles_fts, -1, ?3, ?4, ?5, 16),
       bm25(articles_fts, 4.0, 1.0) AS rank_score
FROM articles_fts JOIN articles AS a ON a.seq = articles_fts.rowid
WHERE articles_fts MATCH ?1
ORDER BY rank_score
LIMIT ?2
)sql";

constexpr char kCountSql[] = "SELECT count(*) FROM articles";
constexpr char kForEachSql[] = "SELECT id, article FROM articles ORDER BY seq";

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

// Binds text that outlives the statement's next step (SQLITE_STATIC).
int BindText(sqlite3_stmt* statement, int index, const std::string& text) {
  return sqlite3_bind_text64(statement, index, text.data(), text.size(),
                             SQLITE_STATIC, SQLITE_UTF8);
}

class SqliteArticleDb : public ArticleDb {
 public:
  static absl::StatusOr<std::unique_ptr<ArticleDb>> Open(
      const std::string& path, OpenMode mode);

  absl::Status UpsertBatch(const std::vector<v1::Article>& articles) override;
  absl::Status ForEach(
      const std::function<absl::Status(const v1::Article&)>& visit) override;
  absl::StatusOr<std::vector<SearchHit>> Search(const std::string& query,
                                                int limit) override;
  absl::StatusOr<int64_t> Count() override;
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
  // Ends a failed transaction, unless SQLite already rolled it back (it does
  // on some errors, e.g. a full disk).
  void RollbackIfActive();

  absl::Status PrepareSchema();
  absl::Status CheckSchemaReadOnly();
  absl::Status CheckApplicationId(int64_t application_id,
                                  int64_t schema_objects) const;
  absl::Status PrepareStatements();

  std::string path_;
  // Declared before the statements so that they are finalized first.
  DbHandle db_;
  bool read_only_;
  Statement upsert_;
  Statement search_;
  Statement count_;
};

absl::Status SqliteArticleDb::Error(int result, const std::string& what) const {
  int system_errno = db_ ? sqlite3_system_errno(db_.get()) : 0;
  const char* message =
      db_ ? sqlite3_errmsg(db_.get()) : sqlite3_errstr(result);
  return absl::Status(StatusCodeOf(result, system_errno),
                      absl::StrCat(path_, ": ", what, ": ", message));
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

void SqliteArticleDb::RollbackIfActive() {
  if (sqlite3_get_autocommit(db_.get()) == 0) {
    sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
  }
}

absl::StatusOr<std::unique_ptr<ArticleDb>> SqliteArticleDb::Open(
    const std::string& path, OpenMode mode) {
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
                    SQLITE_OPEN_NOMUTEX;
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

  std::unique_ptr<SqliteArticleDb> article_db(
      new SqliteArticleDb(path, std::move(db), read_only));
  absl::Status status = read_only ? article_db->CheckSchemaReadOnly()
                                  : article_db->PrepareSchema();
  if (!status.ok()) return status;
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

absl::Status SqliteArticleDb::PrepareSchema() {
  // WAL lets readers (export, query) work while the store stage writes.
  // journal_mode cannot change inside a transaction, so it comes first; it
  // is also the first read of the file, so a foreign file fails here.
  if (auto status = Exec("PRAGMA journal_mode = WAL", "enabling WAL");
      !status.ok()) {
    return status;
  }
  if (auto status =
          Exec("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
               "setting pragmas");
      !status.ok()) {
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
  for (int64_t from = *version; from < kSchemaVersion; ++from) {
    if (auto status = Exec(kMigrations[from],
                           absl::StrCat("migrating the schema from version ",
                                        from, " to ", from + 1));
        !status.ok()) {
      return fail(status);
    }
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
        "; open it read-write once (e.g. run a pipeline that stores into it) "
        "to migrate it"));
  }
  return absl::OkStatus();
}

absl::Status SqliteArticleDb::PrepareStatements() {
  if (!read_only_) {
    absl::StatusOr<Statement> upsert = Prepare(kUpsertSql);
    if (!upsert.ok()) return upsert.status();
    upsert_ = *std::move(upsert);
  }
  absl::StatusOr<Statement> search = Prepare(kSearchSql);
  if (!search.ok()) return search.status();
  search_ = *std::move(search);
  absl::StatusOr<Statement> count = Prepare(kCountSql);
  if (!count.ok()) return count.status();
  count_ = *std::move(count);
  return absl::OkStatus();
}

absl::Status SqliteArticleDb::UpsertBatch(
    const std::vector<v1::Article>& articles) {
  if (read_only_) {
    return absl::FailedPreconditionError(
        absl::StrCat(path_, ": cannot store articles: opened read-only"));
  }
  for (size_t i = 0; i < articles.size(); ++i) {
    if (articles[i].id().empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path_, ": article #", i, " of the batch (title \"",
                       articles[i].title(), "\") has no id; nothing stored"));
    }
  }
  if (articles.empty()) return absl::OkStatus();

  if (auto status = Exec("BEGIN IMMEDIATE", "starting a transaction");
      !status.ok()) {
    return status;
  }
  const std::string stored_at = NowRfc3339();
  std::string serialized;
  sqlite3_stmt* upsert = upsert_.get();
  for (const v1::Article& article : articles) {
    if (!article.SerializeToString(&serialized)) {
      RollbackIfActive();
      return absl::InvalidArgumentError(
          absl::StrCat(path_, ": storing article ", article.id(),
                       ": could not serialize it; nothing stored"));
    }
    ResetOnExit reset(upsert);
    int result = SQLITE_OK;
    const std::string* texts[] = {
        &article.id(),       &article.source(),   &article.url(),
        &article.title(),    &article.body(),     &article.published_at(),
        &article.language(), &article.story_id(), &stored_at};
    for (int i = 0; i < 9 && result == SQLITE_OK; ++i) {
      result = BindText(upsert, i + 1, *texts[i]);
    }
    if (result == SQLITE_OK) {
      result = sqlite3_bind_blob64(upsert, 10, serialized.data(),
                                   serialized.size(), SQLITE_STATIC);
    }
    if (result == SQLITE_OK) result = sqlite3_step(upsert);
    if (result != SQLITE_DONE) {
      absl::Status error = Error(
          result, absl::StrCat("storing article ", article.id(), " (batch of ",
                               articles.size(), " rolled back)"));
      sqlite3_reset(upsert);
      RollbackIfActive();
      return error;
    }
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
  return absl::OkStatus();
}

absl::Status SqliteArticleDb::ForEach(
    const std::function<absl::Status(const v1::Article&)>& visit) {
  // Its own statement rather than a shared one, so that `visit` may run
  // other queries on this database.
  absl::StatusOr<Statement> statement = Prepare(kForEachSql);
  if (!statement.ok()) return statement.status();
  v1::Article article;
  int result;
  while ((result = sqlite3_step(statement->get())) == SQLITE_ROW) {
    const void* blob = sqlite3_column_blob(statement->get(), 1);
    const int size = sqlite3_column_bytes(statement->get(), 1);
    article.Clear();
    if (size > 0 && !article.ParseFromArray(blob, size)) {
      return absl::DataLossError(absl::StrCat(path_, ": stored article ",
                                              ColumnText(statement->get(), 0),
                                              " cannot be decoded"));
    }
    if (auto status = visit(article); !status.ok()) return status;
  }
  if (result != SQLITE_DONE) return Error(result, "reading articles");
  return absl::OkStatus();
}

absl::StatusOr<std::vector<SearchHit>> SqliteArticleDb::Search(
    const std::string& query, int limit) {
  if (absl::StripAsciiWhitespace(query).empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path_, ": empty search query"));
  }
  if (limit <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(path_, ": search limit must be positive, got ", limit));
  }
  sqlite3_stmt* search = search_.get();
  ResetOnExit reset(search);
  int result = BindText(search, 1, query);
  if (result == SQLITE_OK) result = sqlite3_bind_int(search, 2, limit);
  if (result == SQLITE_OK) {
    result =
        sqlite3_bind_text(search, 3, kSnippetMatchStart, -1, SQLITE_STATIC);
  }
  if (result == SQLITE_OK) {
    result = sqlite3_bind_text(search, 4, kSnippetMatchEnd, -1, SQLITE_STATIC);
  }
  if (result == SQLITE_OK) {
    result = sqlite3_bind_text(search, 5, kSnippetEllipsis, -1, SQLITE_STATIC);
  }
  if (result != SQLITE_OK) return Error(result, "binding the search query");

  std::vector<SearchHit> hits;
  while ((result = sqlite3_step(search)) == SQLITE_ROW) {
    SearchHit hit;
    hit.id = ColumnText(search, 0);
    hit.title = ColumnText(search, 1);
    hit.url = ColumnText(search, 2);
    hit.published_at = ColumnText(search, 3);
    hit.source = ColumnText(search, 4);
    hit.snippet = ColumnText(search, 5);
    // bm25() is lower for better matches.
    hit.score = -sqlite3_column_double(search, 6);
    hits.push_back(std::move(hit));
  }
  if (result == SQLITE_DONE) return hits;
  // A plain SQLITE_ERROR from MATCH is FTS5 rejecting the query text.
  if ((result & 0xff) == SQLITE_ERROR) {
    return absl::InvalidArgumentError(
        absl::StrCat(path_, ": invalid search query \"", query,
                     "\": ", sqlite3_errmsg(db_.get())));
  }
  return Error(result, absl::StrCat("searching for \"", query, "\""));
}

absl::StatusOr<int64_t> SqliteArticleDb::Count() {
  sqlite3_stmt* count = count_.get();
  ResetOnExit reset(count);
  int result = sqlite3_step(count);
  if (result != SQLITE_ROW) return Error(result, "counting articles");
  return sqlite3_column_int64(count, 0);
}

}  // namespace

absl::StatusOr<std::unique_ptr<ArticleDb>> ArticleDb::Open(
    const std::string& path, OpenMode mode) {
  return SqliteArticleDb::Open(path, mode);
}

}  // namespace newsflow
