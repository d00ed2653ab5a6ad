#include "stages/store/sqlite_article_db_rank.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "stages/store/sqlite_pair_tokenizer.h"

namespace newsflow {
namespace {

// One ranked row: its rank (lower is better) and rowid, ordered as a page
// orders them.
struct Ranked {
  double rank;
  int64_t rowid;
  bool operator<(const Ranked& other) const {
    return rank < other.rank || (rank == other.rank && rowid < other.rowid);
  }
};

// What newsflow_bm25 computes once per statement (per FTS5 cursor).
struct RankData {
  ~RankData() { sqlite3_blob_close(docsize); }
  double average_tokens = 0;
  // Per column, whether its weight was NULL: its matches and its length
  // are not ranked (an index's column of entity tokens, see the header).
  std::vector<bool> unranked;
  bool any_unranked = false;
  std::vector<double> idf;        // Per phrase.
  std::vector<int64_t> rows;      // Per phrase, when counted here.
  std::vector<double> frequency;  // Per phrase, reused for each row.
  std::vector<int> instances;     // Per phrase, reused for each row.
  // newsflow_bm25_top: the best `top` exact ranks after the cursor so far,
  // a max-heap (its front is the worst kept), and the last row ranked, so
  // that a row evaluated twice gets the same value and is kept once.
  std::vector<Ranked> best;
  // Set when the IDFs are deferred (all 1; see DeferredIdf).
  DeferredIdf* deferred = nullptr;
  int64_t last_rowid = 0;
  double last_rank = 0;
  bool ranked_any = false;
  // The rows' lengths (see RowLengthTable): rows whose length was asked
  // for, the blob handle on the docsize table once opened, and whether that
  // table turned out not to be usable.
  int64_t lengths_asked = 0;
  sqlite3_blob* docsize = nullptr;
  bool docsize_unusable = false;
};

std::atomic<int64_t> g_lengths_read_by_blob{0};

// One SQLite varint (as FTS5 writes them) at data[*offset], moving *offset
// past it; false when the data ends first.
bool ReadVarint(const unsigned char* data, int size, int* offset,
                uint64_t* value) {
  uint64_t result = 0;
  for (int i = 0; i < 9; ++i) {
    if (*offset >= size) return false;
    const unsigned char byte = data[(*offset)++];
    if (i == 8) {
      result = (result << 8) | byte;
      break;
    }
    result = (result << 7) | (byte & 0x7f);
    if ((byte & 0x80) == 0) break;
  }
  *value = result;
  return true;
}

// The row's length in tokens from the docsize record under `blob`:
// exactly `columns` varints, those of ranked columns summed (as
// RankedColumnsSize sums them); false when the record is not that.
bool DocsizeTokens(sqlite3_blob* blob, int columns,
                   const std::vector<bool>& unranked, int* tokens) {
  // A varint takes at most 9 bytes; FTS5 has at most a few columns here.
  unsigned char record[64];
  const int size = sqlite3_blob_bytes(blob);
  if (size <= 0 || size > static_cast<int>(sizeof(record)) ||
      sqlite3_blob_read(blob, record, size, 0) != SQLITE_OK) {
    return false;
  }
  int offset = 0;
  int total = 0;
  for (int column = 0; column < columns; ++column) {
    uint64_t value = 0;
    if (!ReadVarint(record, size, &offset, &value)) return false;
    if (static_cast<size_t>(column) < unranked.size() && unranked[column]) {
      continue;
    }
    // FTS5's fts5GetVarint32 keeps the low 31 bits; so must we.
    total += static_cast<int>(static_cast<uint32_t>(value) & 0x7fffffffu);
  }
  *tokens = total;
  return offset == size;
}

// The current row's length in tokens in its ranked columns, as
// xColumnSize gives it (column -1 when every column is ranked).
int RankedColumnsSize(const Fts5ExtensionApi* api, Fts5Context* fts,
                      const RankData& data, int* tokens) {
  if (!data.any_unranked) return api->xColumnSize(fts, -1, tokens);
  *tokens = 0;
  for (size_t column = 0; column < data.unranked.size(); ++column) {
    if (data.unranked[column]) continue;
    int size = 0;
    const int rc = api->xColumnSize(fts, static_cast<int>(column), &size);
    if (rc != SQLITE_OK) return rc;
    *tokens += size;
  }
  return SQLITE_OK;
}

// The current row's length in tokens (RankedColumnsSize), read through
// data->docsize from a call's second row on (see RowLengthTable).
int RowTokens(const Fts5ExtensionApi* api, Fts5Context* fts,
              sqlite3_context* context, RankData* data, int* tokens) {
  const auto* lengths = static_cast<const RowLengthTable*>(api->xUserData(fts));
  // A rowid lookup ranks one row per cursor: opening a handle would cost
  // more than it saves.
  if (lengths == nullptr || data->docsize_unusable ||
      ++data->lengths_asked < 2) {
    return RankedColumnsSize(api, fts, *data, tokens);
  }
  const sqlite3_int64 rowid = api->xRowid(fts);
  const bool opening = data->docsize == nullptr;
  int rc = opening ? sqlite3_blob_open(sqlite3_context_db_handle(context),
                                       lengths->schema.c_str(),
                                       lengths->table.c_str(), "sz", rowid, 0,
                                       &data->docsize)
                   : sqlite3_blob_reopen(data->docsize, rowid);
  int read = 0;
  bool usable =
      rc == SQLITE_OK && DocsizeTokens(data->docsize, api->xColumnCount(fts),
                                       data->unranked, &read);
  if (usable && opening) {
    // Checked once against FTS5's own count: the table is this one's.
    int counted = 0;
    rc = RankedColumnsSize(api, fts, *data, &counted);
    if (rc != SQLITE_OK) return rc;
    usable = counted == read;
  }
  if (!usable) {
    // A failed open leaves a null handle; a failed reopen one to close.
    sqlite3_blob_close(data->docsize);
    data->docsize = nullptr;
    data->docsize_unusable = true;
    return RankedColumnsSize(api, fts, *data, tokens);
  }
  g_lengths_read_by_blob.fetch_add(1, std::memory_order_relaxed);
  *tokens = read;
  return SQLITE_OK;
}

struct PhraseCount {
  int64_t rows = 0;
  int64_t last_rowid = 0;
};

int CountSample(const Fts5ExtensionApi* api, Fts5Context* fts, void* data) {
  PhraseCount* count = static_cast<PhraseCount*>(data);
  ++count->rows;
  count->last_rowid = api->xRowid(fts);
  // SQLITE_DONE ends xQueryPhrase early without an error.
  return count->rows >= kIdfSampleRows ? SQLITE_DONE : SQLITE_OK;
}

void DeleteRankData(void* data) { delete static_cast<RankData*>(data); }

// The IDF of each phrase, from `idfs` when it is newsflow_bm25_idf's text
// for this query, else counted; which columns the `weight_count` weights
// leave unranked (NULL), and the ranked columns' average length.
int PrepareRankData(const Fts5ExtensionApi* api, Fts5Context* fts,
                    int64_t max_rowid, sqlite3_value* idfs,
                    sqlite3_value** weights, int weight_count, RankData** out) {
  *out = static_cast<RankData*>(api->xGetAuxdata(fts, 0));
  if (*out != nullptr) return SQLITE_OK;
  auto data = std::make_unique<RankData>();
  const int columns = api->xColumnCount(fts);
  data->unranked.assign(static_cast<size_t>(columns), false);
  for (int column = 0; column < columns && column < weight_count; ++column) {
    if (sqlite3_value_type(weights[column]) == SQLITE_NULL) {
      data->unranked[static_cast<size_t>(column)] = true;
      data->any_unranked = true;
    }
  }
  sqlite3_int64 rows = 0;
  sqlite3_int64 tokens = 0;
  int rc = api->xRowCount(fts, &rows);
  if (rc == SQLITE_OK && !data->any_unranked) {
    rc = api->xColumnTotalSize(fts, -1, &tokens);
  }
  for (int column = 0;
       rc == SQLITE_OK && data->any_unranked && column < columns; ++column) {
    if (data->unranked[static_cast<size_t>(column)]) continue;
    sqlite3_int64 column_tokens = 0;
    rc = api->xColumnTotalSize(fts, column, &column_tokens);
    tokens += column_tokens;
  }
  if (rc != SQLITE_OK) return rc;
  data->average_tokens =
      rows > 0 ? static_cast<double>(tokens) / static_cast<double>(rows) : 0;
  const size_t phrases = static_cast<size_t>(api->xPhraseCount(fts));
  data->frequency.resize(phrases);
  data->instances.resize(phrases);
  auto* deferred = static_cast<DeferredIdf*>(
      idfs != nullptr ? sqlite3_value_pointer(idfs, kDeferredIdfPointer)
                      : nullptr);
  if (deferred != nullptr) {
    deferred->table_rows = rows;
    deferred->max_rowid = max_rowid;
    deferred->phrases = static_cast<int64_t>(phrases);
    deferred->ranked_rows = 0;
    data->deferred = deferred;
    data->idf.assign(phrases, 1.0);
  } else if (idfs != nullptr && sqlite3_value_type(idfs) == SQLITE_TEXT) {
    const char* text = reinterpret_cast<const char*>(sqlite3_value_text(idfs));
    for (absl::string_view part :
         absl::StrSplit(text, ',', absl::SkipEmpty())) {
      double idf = 0;
      if (!absl::SimpleAtod(part, &idf)) break;
      data->idf.push_back(idf);
    }
    if (data->idf.size() != phrases) data->idf.clear();
  }
  for (size_t i = data->idf.size(); rc == SQLITE_OK && i < phrases; ++i) {
    PhraseCount count;
    rc = api->xQueryPhrase(fts, static_cast<int>(i), &count, CountSample);
    if (rc != SQLITE_OK) return rc;
    const int64_t hits = count.rows < kIdfSampleRows
                             ? count.rows
                             : EstimatedPhraseRows(count.rows, count.last_rowid,
                                                   rows, max_rowid);
    data->rows.push_back(hits);
    data->idf.push_back(PhraseIdf(rows, hits));
  }
  // xSetAuxdata frees the data itself when it fails.
  RankData* kept = data.release();
  rc = api->xSetAuxdata(fts, kept, DeleteRankData);
  if (rc != SQLITE_OK) return rc;
  *out = kept;
  return SQLITE_OK;
}

// The rank data of a function called as f(fts, max_rowid), counted here;
// null after setting the function's error.
RankData* CountedRankData(const Fts5ExtensionApi* api, Fts5Context* fts,
                          sqlite3_context* context, int argc,
                          sqlite3_value** argv) {
  RankData* data = nullptr;
  const int rc =
      PrepareRankData(api, fts, argc > 0 ? sqlite3_value_int64(argv[0]) : 0,
                      nullptr, nullptr, 0, &data);
  if (rc == SQLITE_OK) return data;
  sqlite3_result_error_code(context, rc);
  return nullptr;
}

// newsflow_bm25_idf(fts, max_rowid): the IDFs newsflow_bm25 uses for this
// query, as text to pass it back.
void NewsflowBm25Idf(const Fts5ExtensionApi* api, Fts5Context* fts,
                     sqlite3_context* context, int argc, sqlite3_value** argv) {
  RankData* data = CountedRankData(api, fts, context, argc, argv);
  if (data == nullptr) return;
  std::string text;
  for (double idf : data->idf) {
    absl::StrAppend(&text, text.empty() ? "" : ",",
                    absl::StrFormat("%.17g", idf));
  }
  sqlite3_result_text(context, text.data(), static_cast<int>(text.size()),
                      SQLITE_TRANSIENT);
}

// FTS5's bm25 formula (k1 = 1.2, b = 0.75, lower is better) for a row of
// `row_tokens` tokens whose phrases' weighted frequencies are in `data`.
double Bm25Rank(const RankData& data, int64_t row_tokens) {
  constexpr double k1 = 1.2;
  constexpr double b = 0.75;
  double score = 0;
  const double length_share =
      data.average_tokens > 0
          ? static_cast<double>(row_tokens) / data.average_tokens
          : 0;
  for (size_t i = 0; i < data.idf.size(); ++i) {
    const double frequency = data.frequency[i];
    score += data.idf[i] * ((frequency * (k1 + 1.0)) /
                            (frequency + k1 * (1 - b + b * length_share)));
  }
  return -1.0 * score;
}

// Fills data->frequency with this row's weighted count of each phrase
// (`weights[c]` for a match in column c, 1.0 past the end, none in an
// unranked column); `*tokens` is
// the most instances of one phrase, a lower bound on the row's length in
// tokens (one phrase's instances start at distinct positions; two phrases'
// may share one).
int CountFrequencies(const Fts5ExtensionApi* api, Fts5Context* fts,
                     sqlite3_value** weights, int weight_count, RankData* data,
                     int* tokens) {
  std::fill(data->frequency.begin(), data->frequency.end(), 0.0);
  std::fill(data->instances.begin(), data->instances.end(), 0);
  int instances = 0;
  int rc = api->xInstCount(fts, &instances);
  for (int i = 0; rc == SQLITE_OK && i < instances; ++i) {
    int phrase = 0;
    int column = 0;
    int offset = 0;
    rc = api->xInst(fts, i, &phrase, &column, &offset);
    if (rc == SQLITE_OK && !data->unranked[static_cast<size_t>(column)]) {
      const double weight =
          column < weight_count ? sqlite3_value_double(weights[column]) : 1.0;
      data->frequency[static_cast<size_t>(phrase)] += weight;
      ++data->instances[static_cast<size_t>(phrase)];
    }
  }
  *tokens = data->instances.empty() ? 0
                                    : *std::max_element(data->instances.begin(),
                                                        data->instances.end());
  return rc;
}

// newsflow_phrase_rows(fts, max_rowid): how many rows match each phrase
// (exact up to kIdfSampleRows, else estimated), as comma-separated text.
void NewsflowPhraseRows(const Fts5ExtensionApi* api, Fts5Context* fts,
                        sqlite3_context* context, int argc,
                        sqlite3_value** argv) {
  RankData* data = CountedRankData(api, fts, context, argc, argv);
  if (data == nullptr) return;
  // A phrase of several tokens is walked through each token's matches:
  // its rows say little of what walking it costs, so it reads -1.
  std::vector<int64_t> rows = data->rows;
  for (size_t i = 0; i < rows.size(); ++i) {
    if (api->xPhraseSize(fts, static_cast<int>(i)) != 1) rows[i] = -1;
  }
  const std::string text = absl::StrJoin(rows, ",");
  sqlite3_result_text(context, text.data(), static_cast<int>(text.size()),
                      SQLITE_TRANSIENT);
}

// newsflow_bm25(fts, max_rowid, idfs, weight...): bm25, each column's
// matches weighted.
void NewsflowBm25(const Fts5ExtensionApi* api, Fts5Context* fts,
                  sqlite3_context* context, int argc, sqlite3_value** argv) {
  if (argc < 2) {
    sqlite3_result_error(context, "newsflow_bm25: max_rowid or idfs missing",
                         -1);
    return;
  }
  RankData* data = nullptr;
  int rc = PrepareRankData(api, fts, sqlite3_value_int64(argv[0]), argv[1],
                           argv + 2, argc - 2, &data);
  int instances = 0;
  if (rc == SQLITE_OK) {
    rc = CountFrequencies(api, fts, argv + 2, argc - 2, data, &instances);
  }
  int row_tokens = 0;
  if (rc == SQLITE_OK) rc = RowTokens(api, fts, context, data, &row_tokens);
  if (rc != SQLITE_OK) {
    sqlite3_result_error_code(context, rc);
    return;
  }
  sqlite3_result_double(context, Bm25Rank(*data, row_tokens));
}

// newsflow_bm25_top(fts, max_rowid, idfs, top, after_rank, after_rowid,
// weight...): see the header.
void NewsflowBm25Top(const Fts5ExtensionApi* api, Fts5Context* fts,
                     sqlite3_context* context, int argc, sqlite3_value** argv) {
  constexpr int kFixed = 5;
  if (argc < kFixed) {
    sqlite3_result_error(context, "newsflow_bm25_top: arguments missing", -1);
    return;
  }
  RankData* data = nullptr;
  int rc = PrepareRankData(api, fts, sqlite3_value_int64(argv[0]), argv[1],
                           argv + kFixed, argc - kFixed, &data);
  if (rc != SQLITE_OK) {
    sqlite3_result_error_code(context, rc);
    return;
  }
  const int64_t rowid = api->xRowid(fts);
  if (data->ranked_any && data->last_rowid == rowid) {
    sqlite3_result_double(context, data->last_rank);
    return;
  }
  if (data->deferred != nullptr) {
    ++data->deferred->ranked_rows;
    if (data->deferred->rank_counts) data->deferred->Walked(rowid);
  }
  const size_t top = static_cast<size_t>(
      std::max<sqlite3_int64>(0, sqlite3_value_int64(argv[2])));
  int instances = 0;
  rc = CountFrequencies(api, fts, argv + kFixed, argc - kFixed, data,
                        &instances);
  if (rc != SQLITE_OK) {
    sqlite3_result_error_code(context, rc);
    return;
  }
  // A row is at least as long as its matches: the best rank it can have.
  // Reading its length is most of the cost of ranking it, so a row whose
  // best cannot beat the worst of `top` rows already kept is left at that
  // bound, which still sorts it after them.
  const double best_possible = Bm25Rank(*data, instances);
  double rank = best_possible;
  const bool full = top > 0 && data->best.size() >= top;
  const double worst = full ? data->best.front().rank : 0;
  if (!full || best_possible <= worst + 1e-9 * std::abs(worst)) {
    int row_tokens = 0;
    rc = RowTokens(api, fts, context, data, &row_tokens);
    if (rc != SQLITE_OK) {
      sqlite3_result_error_code(context, rc);
      return;
    }
    rank = Bm25Rank(*data, row_tokens);
    const bool after_cursor = sqlite3_value_type(argv[3]) == SQLITE_NULL ||
                              rank > sqlite3_value_double(argv[3]) ||
                              (rank == sqlite3_value_double(argv[3]) &&
                               rowid > sqlite3_value_int64(argv[4]));
    if (top > 0 && after_cursor) {
      data->best.push_back({rank, rowid});
      std::push_heap(data->best.begin(), data->best.end());
      if (data->best.size() > top) {
        std::pop_heap(data->best.begin(), data->best.end());
        data->best.pop_back();
      }
    }
  }
  data->ranked_any = true;
  data->last_rowid = rowid;
  data->last_rank = rank;
  sqlite3_result_double(context, rank);
}

// newsflow_in_entity(seq, entity_articles).
void NewsflowInEntity(sqlite3_context* context, int argc,
                      sqlite3_value** argv) {
  auto* articles = static_cast<EntityArticles*>(
      argc == 2 ? sqlite3_value_pointer(argv[1], kEntityArticlesPointer)
                : nullptr);
  if (articles == nullptr) {
    sqlite3_result_error(context, "newsflow_in_entity: no entity bound", -1);
    return;
  }
  bool found = false;
  const int rc = articles->Contains(sqlite3_value_int64(argv[0]), &found);
  if (rc != SQLITE_OK) {
    sqlite3_result_error_code(context, rc);
    return;
  }
  sqlite3_result_int(context, found ? 1 : 0);
}

}  // namespace

absl::StatusOr<std::unique_ptr<EntityArticles>> EntityArticles::Open(
    sqlite3* db, const std::vector<std::string>& canonical_ids) {
  std::unique_ptr<EntityArticles> articles(new EntityArticles());
  for (const std::string& id : canonical_ids) {
    Walk walk;
    int rc = sqlite3_prepare_v2(
        db,
        "SELECT article_seq FROM mentions WHERE canonical_id = ?1 AND "
        "article_seq <= ?2 ORDER BY article_seq DESC",
        -1, &walk.statement, nullptr);
    if (rc == SQLITE_OK) {
      rc = sqlite3_bind_text(walk.statement, 1, id.data(),
                             static_cast<int>(id.size()), SQLITE_TRANSIENT);
    }
    articles->walks_.push_back(walk);
    if (rc != SQLITE_OK) {
      return absl::InternalError(absl::StrCat("walking the mentions of ", id,
                                              ": ", sqlite3_errmsg(db)));
    }
  }
  return articles;
}

std::unique_ptr<EntityArticles> EntityArticles::OfSeqs(
    std::vector<int64_t> seqs) {
  std::unique_ptr<EntityArticles> articles(new EntityArticles());
  articles->seqs_ = std::move(seqs);
  return articles;
}

EntityArticles::~EntityArticles() {
  for (Walk& walk : walks_) sqlite3_finalize(walk.statement);
}

int EntityArticles::Step(Walk& walk) {
  const int rc = sqlite3_step(walk.statement);
  if (rc == SQLITE_ROW) {
    walk.current = sqlite3_column_int64(walk.statement, 0);
    return SQLITE_OK;
  }
  // Below every seq: the walk is over until the next seek (stepping on
  // would start the statement again).
  walk.current = std::numeric_limits<int64_t>::min();
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

int EntityArticles::Seek(Walk& walk, int64_t seq) {
  sqlite3_reset(walk.statement);
  const int rc = sqlite3_bind_int64(walk.statement, 2, seq);
  walk.started = true;
  walk.asked = seq;
  return rc == SQLITE_OK ? Step(walk) : rc;
}

int EntityArticles::Contains(int64_t seq, bool* found) {
  // Stepping costs a tenth of a seek or less: seek past longer gaps.
  constexpr int kStepsBeforeSeek = 8;
  *found = false;
  if (deferred_ != nullptr) deferred_->Walked(seq);
  if (walks_.empty()) {
    *found = std::binary_search(seqs_.begin(), seqs_.end(), seq);
    return SQLITE_OK;
  }
  for (Walk& walk : walks_) {
    int rc = SQLITE_OK;
    if (!walk.started || seq > walk.asked) {
      rc = Seek(walk, seq);
    } else {
      walk.asked = seq;
      for (int steps = 0; rc == SQLITE_OK && walk.current > seq; ++steps) {
        rc = steps < kStepsBeforeSeek ? Step(walk) : Seek(walk, seq);
      }
    }
    if (rc != SQLITE_OK) return rc;
    if (walk.current == seq) *found = true;
  }
  return SQLITE_OK;
}

std::vector<std::pair<int64_t, int64_t>> SeqRuns(
    const std::vector<int64_t>& seqs, int64_t max_gap) {
  std::vector<std::pair<int64_t, int64_t>> runs;
  for (int64_t seq : seqs) {
    if (!runs.empty() && seq - runs.back().second <= max_gap) {
      runs.back().second = seq;
    } else {
      runs.emplace_back(seq, seq);
    }
  }
  return runs;
}

namespace {

// Reads an FTS5 structure record (fts5StructureDecode's layout) front to
// back.
class StructureReader {
 public:
  explicit StructureReader(absl::string_view structure)
      : structure_(structure) {}

  // Past the cookie and, when FTS5_STRUCTURE_V2 marks it, the version;
  // whether the record is that long.
  bool SkipHeader() {
    constexpr absl::string_view kVersion2("\xff\x00\x00\x01", 4);
    at_ = 4;
    if (structure_.size() < at_) return false;
    version2_ = structure_.substr(at_, kVersion2.size()) == kVersion2;
    if (version2_) at_ += kVersion2.size();
    return true;
  }
  bool version2() const { return version2_; }
  bool AtEnd() const { return at_ == structure_.size(); }

  // SQLite's varints: seven bits a byte, most significant first, the high
  // bit set on every byte but the last; a ninth byte gives all its eight.
  bool Varint(int64_t* value) {
    uint64_t bits = 0;
    for (int bytes = 0; bytes < 9 && at_ < structure_.size(); ++bytes) {
      const unsigned char byte = static_cast<unsigned char>(structure_[at_++]);
      if (bytes == 8) {
        *value = static_cast<int64_t>((bits << 8) | byte);
        return true;
      }
      bits = (bits << 7) | (byte & 0x7f);
      if ((byte & 0x80) == 0) {
        *value = static_cast<int64_t>(bits);
        return true;
      }
    }
    return false;
  }

 private:
  const absl::string_view structure_;
  size_t at_ = 0;
  bool version2_ = false;
};

}  // namespace

int64_t Fts5SegmentCount(absl::string_view structure) {
  StructureReader reader(structure);
  int64_t levels = 0, segments = 0;
  if (!reader.SkipHeader() || !reader.Varint(&levels) ||
      !reader.Varint(&segments)) {
    return -1;
  }
  return segments;
}

// FTS5 holds page numbers in (32-bit) ints.
constexpr int64_t kMaxFts5Page = 0x7fffffff;

std::optional<Fts5Segments> ParseFts5Segments(absl::string_view structure) {
  StructureReader reader(structure);
  int64_t levels = 0, segments = 0, write_counter = 0;
  if (!reader.SkipHeader() || !reader.Varint(&levels) ||
      !reader.Varint(&segments) || !reader.Varint(&write_counter) ||
      levels < 0 || segments < 0) {
    return std::nullopt;
  }
  Fts5Segments parsed;
  parsed.levels = levels;
  // The level whose segments are all inputs of a merge, and the segment
  // count of the level after it.
  int64_t all_inputs = -1, inputs = 0, after_all_inputs = 0;
  for (int64_t level = 0; level < levels; ++level) {
    int64_t merging = 0, count = 0;
    if (!reader.Varint(&merging) || !reader.Varint(&count) || count < 0 ||
        count > segments) {
      return std::nullopt;
    }
    if (level == all_inputs + 1 && all_inputs >= 0) after_all_inputs = count;
    if (merging > 0 && !parsed.unfinished_merge) {
      parsed.unfinished_merge = true;
      parsed.lowest_merge_inputs = merging;
    }
    if (merging > 0 && merging == count) {
      all_inputs = level;
      inputs = count;
    }
    for (int64_t i = 0; i < count; ++i) {
      int64_t id = 0, first = 0, last = 0;
      // Page numbers within FTS5's ints keep the sizes and their sums
      // (WorthMergingIntoOne) far from overflowing.
      if (!reader.Varint(&id) || !reader.Varint(&first) ||
          !reader.Varint(&last) || first < 0 || last < first ||
          last > kMaxFts5Page) {
        return std::nullopt;
      }
      if (reader.version2()) {
        // Origins, tombstone pages and entries, entries: not needed here.
        for (int field = 0; field < 5; ++field) {
          int64_t unused = 0;
          if (!reader.Varint(&unused)) return std::nullopt;
        }
      }
      parsed.pages.push_back(last - first + 1);
    }
  }
  // More bytes than FTS5 writes: a layout this code does not know.
  if (static_cast<int64_t>(parsed.pages.size()) != segments ||
      !reader.AtEnd()) {
    return std::nullopt;
  }
  parsed.merging_into_one =
      all_inputs >= 0 && after_all_inputs == 1 && inputs + 1 == segments;
  return parsed;
}

bool WorthMergingIntoOne(const Fts5Segments& segments) {
  if (segments.merging_into_one) return true;
  if (segments.pages.size() < 2) return false;
  const int64_t levels_after = segments.levels + 2;
  if (levels_after > kMaxLevelsAfterMergeIntoOne) return false;
  // Unsigned and saturating: sizes of any record (or caller) cannot overflow.
  constexpr uint64_t kMost = std::numeric_limits<uint64_t>::max();
  uint64_t largest = 0, total = 0;
  for (int64_t pages : segments.pages) {
    const uint64_t size = pages > 0 ? static_cast<uint64_t>(pages) : 0;
    largest = std::max(largest, size);
    total = total > kMost - size ? kMost : total + size;
  }
  // At most 2^30: the cap above keeps levels_after <= 64.
  const int doublings = static_cast<int>(
      std::max<int64_t>(0, (levels_after - kLevelsBeforeIndexDoubles) / 2));
  if (total < (uint64_t{1} << doublings)) return false;
  const uint64_t rest = total - largest;
  // rest * kSmallSegmentsShare >= largest, without the multiplication.
  const uint64_t share = static_cast<uint64_t>(kSmallSegmentsShare);
  return rest >= largest / share + (largest % share != 0 ? 1 : 0);
}

int64_t DeferredIdf::SampledRows() const {
  if (walked_ < kIdfSampleRows) return walked_;
  // The ring's next slot holds the kIdfSampleRows-th match from the end.
  return EstimatedPhraseRows(
      kIdfSampleRows, oldest_[static_cast<size_t>(walked_ % kIdfSampleRows)],
      table_rows, max_rowid);
}

double PhraseIdf(int64_t rows, int64_t hits) {
  const double idf = std::log((static_cast<double>(rows - hits) + 0.5) /
                              (static_cast<double>(hits) + 0.5));
  return idf <= 0.0 ? 1e-6 : idf;
}

double ScaledRank(double unit_rank, double idf) {
  // As Bm25Rank sums it for one phrase: 0 + idf * t, negated.
  double score = 0;
  score += idf * -unit_rank;
  return -1.0 * score;
}

int64_t EstimatedPhraseRows(int64_t sample, int64_t sample_rowid, int64_t rows,
                            int64_t max_rowid) {
  // The sample reached the last rows: nothing further to scale to.
  if (sample_rowid <= 0 || max_rowid <= sample_rowid) return sample;
  const double estimate = static_cast<double>(sample) *
                          static_cast<double>(max_rowid) /
                          static_cast<double>(sample_rowid);
  return std::clamp(static_cast<int64_t>(std::llround(estimate)), sample,
                    std::max(sample, rows));
}

int64_t RowLengthsReadByBlobForTest() {
  return g_lengths_read_by_blob.load(std::memory_order_relaxed);
}

absl::Status RegisterNewsflowBm25(sqlite3* db, const RowLengthTable& lengths) {
  absl::StatusOr<fts5_api*> found = Fts5ApiOf(db);
  if (!found.ok()) return found.status();
  fts5_api* api = *found;
  // One copy for the connection's functions, freed with the first of them
  // (they all go when the connection closes).
  auto* table = new RowLengthTable(lengths);
  int rc = api->xCreateFunction(
      api, "newsflow_bm25", table, NewsflowBm25,
      [](void* p) { delete static_cast<RowLengthTable*>(p); });
  if (rc != SQLITE_OK) delete table;
  if (rc == SQLITE_OK) {
    rc = api->xCreateFunction(api, "newsflow_bm25_top", table, NewsflowBm25Top,
                              nullptr);
  }
  if (rc == SQLITE_OK) {
    rc = api->xCreateFunction(api, "newsflow_bm25_idf", nullptr,
                              NewsflowBm25Idf, nullptr);
  }
  if (rc == SQLITE_OK) {
    rc = api->xCreateFunction(api, "newsflow_phrase_rows", nullptr,
                              NewsflowPhraseRows, nullptr);
  }
  if (rc == SQLITE_OK) {
    rc = sqlite3_create_function_v2(db, "newsflow_in_entity", 2, SQLITE_UTF8,
                                    nullptr, NewsflowInEntity, nullptr, nullptr,
                                    nullptr);
  }
  if (rc != SQLITE_OK) {
    return absl::InternalError(
        absl::StrCat("registering newsflow_bm25: ", sqlite3_errstr(rc)));
  }
  return absl::OkStatus();
}

}  // namespace newsflow
