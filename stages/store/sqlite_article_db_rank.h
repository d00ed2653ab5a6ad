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
// articles' highest seq), which the estimate scales by. A NULL weight
// leaves its column out of the rank: its matches count for no phrase and
// its tokens for no row's length or the average length, so a column that
// is not text (the index's entity tokens, matched beside the text to
// filter it) ranks a row as the text columns alone would.
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
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

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

// FTS5 bm25()'s IDF of a phrase matching `hits` of `rows` rows: the
// Robertson-Sparck Jones IDF, floored so that a phrase in most rows still
// counts a little.
double PhraseIdf(int64_t rows, int64_t hits);

// newsflow_bm25's rank of a row of a one-phrase query whose IDF is `idf`,
// from the rank it gave the row with IDF 1 (bit for bit: the rank is
// -(idf * t) for the row's term t).
double ScaledRank(double unit_rank, double idf);

// For a query of one phrase, newsflow_bm25_top's `idfs` may be a
// DeferredIdf bound with sqlite3_bind_pointer(..., kDeferredIdfPointer,
// nullptr): the rows are then ranked with IDF 1, which orders them as the
// phrase's real IDF does (it scales every rank alike), and the caller
// scales the ranks it keeps (ScaledRank) once it knows the phrase's count.
// Why: counting a phrase's matches for its IDF walks up to kIdfSampleRows
// of them from the oldest row, so for a rare phrase of common words (which
// never fills a window) the whole table was walked twice, once for the
// count and once newest first for the window; a walk that reached the
// oldest match has seen what the sample would count, and where the sample
// would end (SampledRows).
// The walk's matches are counted by the rank, or by an EntityArticles the
// walk is merged with (EntityArticles::CountInto), which sees them all.
class DeferredIdf {
 public:
  int64_t table_rows = 0;   // FTS5's row count, for PhraseIdf.
  int64_t max_rowid = 0;    // The rank's max_rowid, for EstimatedPhraseRows.
  int64_t phrases = 0;      // The query's phrases (1 for the ranks to scale).
  int64_t ranked_rows = 0;  // Distinct rows ranked.
  bool rank_counts = true;  // Whether the rank counts the walk's matches.

  // One more match walked, newest first.
  void Walked(int64_t rowid) {
    if (oldest_.size() < static_cast<size_t>(kIdfSampleRows)) {
      oldest_.push_back(rowid);
    } else {
      oldest_[static_cast<size_t>(walked_ % kIdfSampleRows)] = rowid;
    }
    ++walked_;
  }
  int64_t walked() const { return walked_; }
  // What the rank's sample counts for the phrase, once a walk saw every
  // match: exact below kIdfSampleRows, else estimated from where the
  // kIdfSampleRows-th oldest match lies.
  int64_t SampledRows() const;

 private:
  int64_t walked_ = 0;
  // The last kIdfSampleRows matches walked, a ring.
  std::vector<int64_t> oldest_;
};

inline constexpr char kDeferredIdfPointer[] = "newsflow_deferred_idf";

// Where the ranked table keeps its rows' lengths: FTS5's docsize table
// (`table` is "<fts table>_docsize") in attached database `schema`.
// Why: FTS5 reads a row's length (xColumnSize) by running a statement per
// row, about 2 us at a million articles, most of the cost of ranking a
// window of matches; the rank functions read it from the same table
// through one blob handle moved from row to row (sqlite3_blob_reopen, about
// half that), the same numbers. A function call that ranks more than one
// row opens the handle at its second row and checks it against FTS5's own
// count there. The caller must name the ranked table's own docsize (FTS5's
// API does not tell a rank function which table it ranks): a table that
// fails that one check (columnsize=0, a missing table or row, another
// table's lengths disagreeing there) is read through xColumnSize as before,
// but another table agreeing at the checked row would be trusted.
struct RowLengthTable {
  std::string schema = "main";
  std::string table = "articles_fts_docsize";
};

// newsflow_phrase_rows(fts_table, max_rowid): the rows matching each phrase
// of the query as newsflow_bm25 counts them (exact up to kIdfSampleRows,
// else estimated), comma-separated, -1 for a phrase of several tokens, for
// a query plan to weigh a text's matches without walking them.
//
// Registers newsflow_bm25, newsflow_bm25_top, newsflow_bm25_idf and
// newsflow_phrase_rows on `db`'s FTS5 module, and newsflow_in_entity on
// `db`. `lengths` must name the docsize table of the FTS5 table ranked.
absl::Status RegisterNewsflowBm25(sqlite3* db,
                                  const RowLengthTable& lengths = {});

// Rows whose length a rank function read through its blob handle rather
// than xColumnSize, in this process (for tests: the cheap path is taken).
int64_t RowLengthsReadByBlobForTest();

// The articles an entity (one or more canonical ids) is mentioned in,
// asked about one seq at a time, for a text search that walks its matches
// newest first: a merge join of those matches with the entity's mentions
// in seq order (the mentions table's primary key), so the search stops
// with its walk instead of first gathering every mention of a common
// entity (36,000 for one at 1M articles). SQL: newsflow_in_entity(seq, p),
// p an EntityArticles* bound with sqlite3_bind_pointer(...,
// kEntityArticlesPointer, nullptr).
class EntityArticles {
 public:
  // `db` must outlive the object; `canonical_ids` may be empty (no
  // article).
  static absl::StatusOr<std::unique_ptr<EntityArticles>> Open(
      sqlite3* db, const std::vector<std::string>& canonical_ids);
  ~EntityArticles();
  EntityArticles(const EntityArticles&) = delete;
  EntityArticles& operator=(const EntityArticles&) = delete;

  // Whether the entity is mentioned in article `seq`, in *found; a SQLite
  // result code. Any order of seqs is right; decreasing seqs are cheapest:
  // each id's walk goes on down from where the previous one stopped,
  // seeking afresh when that would take more than a few steps.
  int Contains(int64_t seq, bool* found);
  // The articles `seqs` (ascending, distinct) already gathered, asked
  // about by binary search: for a walk that visits them in runs
  // (SeqRuns) rather than in one order.
  static std::unique_ptr<EntityArticles> OfSeqs(std::vector<int64_t> seqs);
  // Each seq asked about from now on is counted as walked in *deferred
  // (every match of a text whose walk this filters).
  void CountInto(DeferredIdf* deferred) { deferred_ = deferred; }

 private:
  struct Walk {
    sqlite3_stmt* statement = nullptr;
    bool started = false;
    int64_t asked = 0;
    // The walk's row: the highest seq <= asked (the lowest int64 when none).
    int64_t current = 0;
  };
  EntityArticles() = default;
  int Seek(Walk& walk, int64_t seq);
  int Step(Walk& walk);

  std::vector<Walk> walks_;
  // OfSeqs's articles (then walks_ is empty).
  std::vector<int64_t> seqs_;
  DeferredIdf* deferred_ = nullptr;
};

inline constexpr char kEntityArticlesPointer[] = "newsflow_entity_articles";

// The runs of `seqs` (ascending, distinct): [first, last] ranges in which
// each seq is at most `max_gap` above the one before it, in ascending
// order. Why: an entity's few articles drive a text search by looking each
// up in the full-text index, and a lookup costs FTS5 a seek of each word in
// each index segment (55 to 130 us at 1M articles in 13 segments, about as
// much as walking 1,000 matches); one lookup of a rowid range walks a run
// of an entity's articles (which cluster in time: stories, outlets' copies)
// for the price of one seek and the matches between them.
std::vector<std::pair<int64_t, int64_t>> SeqRuns(
    const std::vector<int64_t>& seqs, int64_t max_gap);

// The number of segments in an FTS5 index, read from its structure record
// (row 10 of its _data table: a 4-byte cookie, in newer SQLite a 4-byte
// version marker, then varints for the level and segment counts); -1 when
// `structure` is not one. Why: a lookup seeks each word in each segment, so
// what a run's gap may cost scales with the segment count (SeqRuns).
int64_t Fts5SegmentCount(absl::string_view structure);

// The segments of an FTS5 index as its structure record lists them: each
// one's size in leaf pages, whether a merge of every segment into one is
// under way (one level's segments are all inputs of an unfinished merge,
// and its output, on the next level, is the only other segment; FTS5's
// automerge of a few small segments beside others is not that), whether
// any merge is unfinished (a level with inputs of a merge: a merge into one
// that segments written since sit beside, or an automerge), the input count
// of the lowest unfinished merge (0 when none), and the level count (empty
// levels too: FTS5 never removes a level).
struct Fts5Segments {
  std::vector<int64_t> pages;
  bool merging_into_one = false;
  bool unfinished_merge = false;
  int64_t lowest_merge_inputs = 0;
  int64_t levels = 0;
};
// nullopt when `structure` is not a whole structure record, or a page
// number in it is outside FTS5's (0 to 2^31 - 1: FTS5 holds them in ints).
std::optional<Fts5Segments> ParseFts5Segments(absl::string_view structure);

// The segments besides the largest must hold at least 1/kSmallSegmentsShare
// of its pages before merging the index into one is worth it.
inline constexpr int64_t kSmallSegmentsShare = 8;

// The most levels a merge into one may leave an FTS5 index with. Why:
// SQLite 3.40.1's merge of every segment into one ('merge' with a negative
// count, and 'optimize') first moves every segment onto a new top level and
// writes its output on one more, unless they already sit on one level; FTS5
// never removes a level, so each merge into one adds up to two, and FTS5
// calls a structure of 2000 levels corrupt ("database disk image is
// malformed"). Later SQLite caps the levels at 64 (FTS5_MAX_LEVEL) itself;
// so a structure within it is one any FTS5 writes. Past it the index keeps
// only FTS5's automerge, which merges within the levels there are (a few
// segments a level): an index whose merges into one used up the levels
// (about 31 of them) stays in several segments, and only rebuilding it
// (a fresh store) brings the merges into one back.
inline constexpr int64_t kMaxLevelsAfterMergeIntoOne = 64;

// A merge into one that would leave the index with L levels waits until the
// index holds at least 2^((L - kLevelsBeforeIndexDoubles) / 2) leaf pages:
// each merge into one (two levels) needs an index twice the size the one
// before it needed, so the 64 levels last until the index holds 2^30 pages
// (4 TiB, billions of articles). Why: without it a store that starts empty
// and is fed live merges into one after nearly every batch while its index
// is tiny (any batch is 1/kSmallSegmentsShare of it) and used up the levels
// within about 600 articles, never to merge into one again.
inline constexpr int64_t kLevelsBeforeIndexDoubles = 4;

// Whether merging every segment of an index into one is worth its writes:
// such a merge under way finishes; otherwise only when there are several
// segments, those besides the largest hold at least 1/kSmallSegmentsShare
// of its pages, and the two levels the merge may add keep the index within
// kMaxLevelsAfterMergeIntoOne and within what its size allows
// (kLevelsBeforeIndexDoubles). Why: a merge into one rewrites every segment,
// the largest too, so merging whatever a store wrote since the last merge
// rewrote the whole index after each small batch (at 1M articles, 470 steps
// of 256 pages, 99 s, for a batch of 1,000 articles). Waiting for that share
// bounds the rewriting (as the index grows, a page is written about
// kSmallSegmentsShare + 1 times) while the small segments, which FTS5's
// automerge keeps few, stay a small share of what a query walks. A merge
// that a later batch interrupted is not judged here: the store continues it
// ('merge' with a positive count continues it without moving any segment,
// see SearchIndexer::MergeStep), since starting it over would re-level
// every segment (two more levels) and redo its work.
bool WorthMergingIntoOne(const Fts5Segments& segments);

}  // namespace newsflow

#endif  // NEWSFLOW_STAGES_STORE_SQLITE_ARTICLE_DB_RANK_H_
