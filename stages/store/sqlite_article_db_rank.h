// The text rank of the SQLite backend: an FTS5 auxiliary function,
// newsflow_bm25(fts_table, max_rowid, idfs, weight_1, ..., weight_n), equal
// to FTS5's bm25(fts_table, weight_1, ..., weight_n) except for how each
// phrase's document count (its inverse document frequency) is found.
// `idfs` is NULL, or what newsflow_bm25_idf(fts_table, max_rowid) gave for
// the same MATCH: FTS5 forgets what an auxiliary function kept whenever a
// join looks the table up by rowid again, so a query that does that counts
// once beforehand and passes the IDFs in.
//
// Why: bm25() counts every row that matches each phrase of the query,
// walking the phrase's whole doclist once per statement (for a phrase, the
// position lists of both words). At a million articles that count, not the
// ranking of the newest matches, was most of a text query (a word in a
// tenth of the store: ~100 ms). newsflow_bm25 counts a phrase's matches in
// rowid order up to kIdfSampleRows; a phrase with no more matches than that
// gets its exact count (the same score as bm25), a more common one an
// estimate scaled from where its kIdfSampleRows-th match lies
// (EstimatedPhraseRows). max_rowid is the table's highest rowid (the
// articles' highest seq), which the estimate scales by.
//
// newsflow_bm25_top(fts_table, max_rowid, idfs, top, after_rank,
// after_rowid, weight_1, ..., weight_n) is for a query that keeps the
// `top` best rows (lowest rank, then lowest rowid) of those after
// (after_rank, after_rowid) in that order (after_rank NULL: all rows): each
// row that can be among them gets newsflow_bm25's rank; any other row a
// lower bound of its rank that is still worse than the `top` best rows
// before it. Why: reading a row's length in tokens (the FTS5 docsize
// table) was half the cost of ranking a window of 4,096 matches, and a row
// is at least as long as its matches, so most rows of a window can be left
// out from their matches alone. Valid only where the function sees every
// row it ranks exactly once or with the same rowid twice in a row, after
// every other condition of the query: the caller evaluates it in the
// result columns of a query (or a subquery with a LIMIT, which SQLite
// neither flattens nor pushes conditions into) whose other conditions are
// all in its own WHERE clause.
#ifndef NEWSFLOW_STAGES_STORE_SQLITE_ARTICLE_DB_RANK_H_
#define NEWSFLOW_STAGES_STORE_SQLITE_ARTICLE_DB_RANK_H_

#include <sqlite3.h>

#include <cstdint>

#include "absl/status/status.h"

namespace newsflow {

// Matches of one phrase counted exactly before estimating.
inline constexpr int64_t kIdfSampleRows = 1024;

// Rows matching a phrase whose `sample`-th match (counting from the lowest
// rowid) is at `sample_rowid`, in a table of `rows` rows whose rowids run up
// to `max_rowid`: the phrase is assumed as frequent in the rest of the table
// as up to its sample-th match, and rowids to be spread evenly. Between
// `sample` and `rows`.
int64_t EstimatedPhraseRows(int64_t sample, int64_t sample_rowid, int64_t rows,
                            int64_t max_rowid);

// Registers newsflow_bm25 on `db`'s FTS5 module.
absl::Status RegisterNewsflowBm25(sqlite3* db);

}  // namespace newsflow

#endif  // NEWSFLOW_STAGES_STORE_SQLITE_ARTICLE_DB_RANK_H_
