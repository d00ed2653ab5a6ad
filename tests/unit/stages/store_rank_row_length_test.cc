// newsflow_bm25's row lengths read through FTS5's docsize table by one blob
// handle (sqlite_article_db_rank.h, RowLengthTable): the same numbers as
// FTS5's xColumnSize on every table kind, under writes and a concurrent
// writer, and through close and detach.
#include <sqlite3.h>

#include <cstdio>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "stages/store/sqlite_article_db_rank.h"

namespace newsflow {
namespace {

struct Db {
  sqlite3* db = nullptr;
  explicit Db(const std::string& path = ":memory:") {
    EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  }
  ~Db() { sqlite3_close_v2(db); }
  void Exec(const std::string& sql) {
    char* error = nullptr;
    ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error),
              SQLITE_OK)
        << (error ? error : "") << " in " << sql;
  }
};

std::string Words(int n, const char* word) {
  std::string s;
  for (int i = 0; i < n; ++i) {
    s += word;
    s += ' ';
  }
  return s;
}

// Steps "SELECT newsflow_bm25(t,...), bm25(t,...)" and compares each row.
void ExpectEqualScores(sqlite3* db, const std::string& table,
                       const std::string& match, int min_rows,
                       int64_t min_by_blob) {
  const std::string sql = "SELECT rowid, newsflow_bm25(" + table +
                          ", 0, NULL, 4.0, 1.0), bm25(" + table +
                          ", 4.0, 1.0) FROM " + table + " WHERE " + table +
                          " MATCH '" + match + "' ORDER BY rowid";
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr), SQLITE_OK)
      << sqlite3_errmsg(db);
  const int64_t before = RowLengthsReadByBlobForTest();
  int rows = 0;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    ++rows;
    EXPECT_EQ(sqlite3_column_double(st, 1), sqlite3_column_double(st, 2))
        << table << " rowid " << sqlite3_column_int64(st, 0);
  }
  EXPECT_EQ(rc, SQLITE_DONE) << sqlite3_errmsg(db);
  sqlite3_finalize(st);
  EXPECT_GE(rows, min_rows) << table;
  EXPECT_GE(RowLengthsReadByBlobForTest() - before, min_by_blob) << table;
}

// Empty columns, lengths over 16,383 tokens (3-byte varints) and over
// 2,097,151 (4-byte), an UNINDEXED column, detail=none/column, contentless,
// external content, columnsize=0.

// A NULL weight leaves its column out of the rank: on a table with a third
// column of other tokens (an index's entity tokens), newsflow_bm25 and
// newsflow_bm25_top give each row matching the text, and matching one of
// the third column's tokens too, the rank newsflow_bm25 gives it in a table
// of the two text columns alone, by blob and by xColumnSize. (Not bm25's
// own: for a word in every row, whose IDF is floored, the two differ in
// the last bits here.)
TEST(RankRowLengthTest, ANullWeightLeavesItsColumnOutOfTheRank) {
  for (const char* docsize : {"no_such_table", "t3_docsize"}) {
    SCOPED_TRACE(docsize);
    Db db;
    ASSERT_TRUE(
        RegisterNewsflowBm25(db.db, RowLengthTable{"main", docsize}).ok());
    db.Exec("CREATE VIRTUAL TABLE t2 USING fts5(title, body)");
    db.Exec("CREATE VIRTUAL TABLE t3 USING fts5(title, body, tags)");
    for (int i = 1; i <= 40; ++i) {
      const std::string title = i % 3 == 0 ? "kelp tide" : "tide";
      const std::string body = Words(i % 7 + 1, "kelp") + Words(i, "sea");
      // Tags longer than the text, and holding its words: left out, they
      // change neither a length nor a phrase's count in a row.
      const std::string tags = Words(60, i % 2 == 0 ? "even" : "odd") +
                               Words(i % 5, "kelp") + Words(i % 4, "tide");
      db.Exec("INSERT INTO t2(rowid, title, body) VALUES (" +
              std::to_string(i) + ", '" + title + "', '" + body + "')");
      db.Exec("INSERT INTO t3(rowid, title, body, tags) VALUES (" +
              std::to_string(i) + ", '" + title + "', '" + body + "', '" +
              tags + "')");
    }
    for (const char* text : {"kelp", "kelp OR tide", "\"kelp kelp\""}) {
      SCOPED_TRACE(text);
      std::vector<std::pair<int64_t, double>> expected;
      {
        sqlite3_stmt* st = nullptr;
        ASSERT_EQ(sqlite3_prepare_v2(
                      db.db,
                      (std::string("SELECT rowid, newsflow_bm25(t2, 0, NULL, "
                                   "4.0, 1.0) FROM t2 "
                                   "WHERE t2 MATCH '{title body} : (") +
                       text + ")' ORDER BY rowid")
                          .c_str(),
                      -1, &st, nullptr),
                  SQLITE_OK)
            << sqlite3_errmsg(db.db);
        while (sqlite3_step(st) == SQLITE_ROW) {
          expected.emplace_back(sqlite3_column_int64(st, 0),
                                sqlite3_column_double(st, 1));
        }
        sqlite3_finalize(st);
      }
      ASSERT_GT(expected.size(), 20u);
      for (const char* filter : {"", " AND {tags} : even"}) {
        SCOPED_TRACE(filter);
        sqlite3_stmt* st = nullptr;
        ASSERT_EQ(
            sqlite3_prepare_v2(
                db.db,
                (std::string("SELECT rowid, newsflow_bm25(t3, 0, NULL, 4.0, "
                             "1.0, NULL), newsflow_bm25_top(t3, 0, NULL, 0, "
                             "NULL, 0, 4.0, 1.0, NULL) FROM t3 WHERE t3 MATCH "
                             "'({title body} : (") +
                 text + "))" + filter + "' ORDER BY rowid")
                    .c_str(),
                -1, &st, nullptr),
            SQLITE_OK)
            << sqlite3_errmsg(db.db);
        size_t next = 0;
        int rows = 0;
        while (sqlite3_step(st) == SQLITE_ROW) {
          ++rows;
          const int64_t rowid = sqlite3_column_int64(st, 0);
          while (next < expected.size() && expected[next].first < rowid) {
            ++next;
          }
          ASSERT_LT(next, expected.size());
          ASSERT_EQ(expected[next].first, rowid);
          EXPECT_EQ(sqlite3_column_double(st, 1), expected[next].second)
              << "row " << rowid;
          EXPECT_EQ(sqlite3_column_double(st, 2), expected[next].second)
              << "row " << rowid;
        }
        sqlite3_finalize(st);
        EXPECT_GE(rows, 10);
      }
    }
  }
}

TEST(RankRowLengthTest, ScoresEqualBm25AcrossTableKinds) {
  struct Kind {
    std::string name;
    std::string options;
    bool blob;  // whether the blob path should be taken
  };
  for (const Kind& kind : std::vector<Kind>{
           {"t_plain", "", true},
           {"t_dnone", ", detail=none", true},
           {"t_dcol", ", detail=column", true},
           {"t_contentless", ", content=''", true},
           {"t_ext", ", content='src', content_rowid='id'", true},
           {"t_nosize", ", columnsize=0", false},
       }) {
    SCOPED_TRACE(kind.name);
    Db db;
    ASSERT_TRUE(RegisterNewsflowBm25(
                    db.db, RowLengthTable{"main", kind.name + "_docsize"})
                    .ok());
    db.Exec("CREATE TABLE src(id INTEGER PRIMARY KEY, title, extra, body)");
    db.Exec("CREATE VIRTUAL TABLE " + kind.name +
            " USING fts5(title, extra UNINDEXED, body" + kind.options + ")");
    std::vector<std::pair<std::string, std::string>> docs = {
        {"", "kelp"},
        {"kelp", ""},
        {"kelp", Words(20000, "tide")},
        {"", Words(16383, "kelp")},
        {"kelp tide", "kelp " + Words(127, "x")},
        {"", "kelp"},
        {"kelp", Words(2100000, "y")},
        {"kelp kelp", "a b c"},
    };
    db.Exec("BEGIN");
    for (size_t i = 0; i < docs.size(); ++i) {
      sqlite3_stmt* st = nullptr;
      ASSERT_EQ(sqlite3_prepare_v2(
                    db.db, "INSERT INTO src VALUES (?1, ?2, 'u v w', ?3)", -1,
                    &st, nullptr),
                SQLITE_OK);
      sqlite3_bind_int64(st, 1, static_cast<int64_t>(i + 1));
      sqlite3_bind_text(st, 2, docs[i].first.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(st, 3, docs[i].second.c_str(), -1, SQLITE_TRANSIENT);
      ASSERT_EQ(sqlite3_step(st), SQLITE_DONE);
      sqlite3_finalize(st);
    }
    db.Exec(
        "INSERT INTO " + kind.name +
        "(rowid, title, extra, body) SELECT id, title, extra, body FROM src");
    db.Exec("COMMIT");
    ExpectEqualScores(db.db, kind.name, "kelp", 7, kind.blob ? 6 : 0);
  }
}

// A write to the ranked table through the same connection between steps of
// a ranking statement (the row under the handle changed, rows deleted and
// added): the scores stay bm25()'s and nothing fails.
TEST(RankRowLengthTest, SameConnectionWritesWhileRanking) {
  // bm25() itself differs by an ULP at rowid 5 on the pre-change path too
  // (pre-existing): compare the blob path with the xColumnSize path instead.
  std::vector<std::vector<double>> scores;
  std::vector<int> codes;
  for (const char* docsize : {"no_such_table", "t_docsize"}) {
    scores.emplace_back();
    SCOPED_TRACE(docsize);
    Db db;
    ASSERT_TRUE(
        RegisterNewsflowBm25(db.db, RowLengthTable{"main", docsize}).ok());
    db.Exec("CREATE VIRTUAL TABLE t USING fts5(title, body)");
    db.Exec("BEGIN");
    for (int i = 1; i <= 50; ++i) {
      db.Exec("INSERT INTO t(rowid, title, body) VALUES (" + std::to_string(i) +
              ", 'kelp', '" + Words(i, "tide") + "')");
    }
    db.Exec("COMMIT");
    sqlite3_stmt* st = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db.db,
                                 "SELECT rowid, newsflow_bm25(t, 0, NULL, 4.0, "
                                 "1.0), bm25(t, 4.0, 1.0) FROM t WHERE t MATCH "
                                 "'kelp' ORDER BY rowid",
                                 -1, &st, nullptr),
              SQLITE_OK);
    int rows = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      ++rows;
      const int64_t rowid = sqlite3_column_int64(st, 0);
      (void)rowid;
      scores.back().push_back(sqlite3_column_double(st, 1));
      if (rowid == 3) {
        // The row under the handle, rewritten longer; the next rows deleted
        // and one re-added.
        db.Exec("UPDATE t SET body = '" + Words(300, "x") +
                "' WHERE rowid = 3");
        db.Exec("DELETE FROM t WHERE rowid IN (4, 5)");
        db.Exec("INSERT INTO t(rowid, title, body) VALUES (5, 'kelp', '" +
                Words(999, "z") + "')");
      }
      if (rowid == 10) db.Exec("DELETE FROM t_docsize WHERE id = 11");
    }
    // Row 11's docsize is gone: FTS5's own xColumnSize says SQLITE_CORRUPT
    // too; anything but a crash / wrong score is FTS5's behaviour.
    EXPECT_NE(rc, SQLITE_MISUSE) << sqlite3_errmsg(db.db);
    codes.push_back(rc);
    sqlite3_finalize(st);
    EXPECT_GE(rows, 8);
  }
  EXPECT_EQ(scores[0], scores[1]);
  EXPECT_EQ(codes[0], codes[1]);
  EXPECT_EQ(codes[1] & 0xff, SQLITE_CORRUPT);  // row 11's docsize deleted
}

// Closing the connection (close_v2) while a ranking statement is mid-walk,
// then finalizing; DETACH of the docsize's database while ranking.
TEST(RankRowLengthTest, CloseAndDetachWhileRanking) {
  const std::string path = ::testing::TempDir() + "/rank_row_length_idx.db";
  std::remove(path.c_str());
  {
    Db idx(path);
    idx.Exec("CREATE VIRTUAL TABLE t USING fts5(title, body)");
    idx.Exec("BEGIN");
    for (int i = 1; i <= 20; ++i) {
      idx.Exec("INSERT INTO t(rowid, title, body) VALUES (" +
               std::to_string(i) + ", 'kelp', '" + Words(i, "tide") + "')");
    }
    idx.Exec("COMMIT");
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(":memory:", &db), SQLITE_OK);
  ASSERT_TRUE(
      RegisterNewsflowBm25(db, RowLengthTable{"search", "t_docsize"}).ok());
  ASSERT_EQ(sqlite3_exec(db, ("ATTACH '" + path + "' AS search").c_str(),
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db,
                               "SELECT newsflow_bm25(t, 0, NULL), bm25(t) "
                               "FROM search.t WHERE t MATCH 'kelp'",
                               -1, &st, nullptr),
            SQLITE_OK);
  const int64_t before = RowLengthsReadByBlobForTest();
  for (int i = 0; i < 5; ++i) ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_EQ(RowLengthsReadByBlobForTest() - before, 4);
  // DETACH while the statement (and the handle) are open: refused.
  EXPECT_NE(sqlite3_exec(db, "DETACH search", nullptr, nullptr, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  // Reset closes the handle: DETACH then succeeds.
  sqlite3_reset(st);
  // Re-run after reset; then close_v2 mid-walk, then finalize.
  for (int i = 0; i < 5; ++i) ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_EQ(sqlite3_close_v2(db), SQLITE_OK);
  EXPECT_EQ(sqlite3_finalize(st), SQLITE_OK);
}

// A docsize table of ANOTHER FTS5 table whose numbers agree at the row
// where the handle is checked (the call's second row) but not after: the
// header says such a table "is noticed and read past"; it is not.

// A docsize record whose column size is a 5-byte varint >= 2^31 (only a
// corrupt or crafted file has one) reads as FTS5's fts5GetVarint32 reads
// it, masked to 31 bits.
TEST(RankRowLengthTest, VarintAbove31BitsDecodedAsFts5Does) {
  Db db;
  ASSERT_TRUE(
      RegisterNewsflowBm25(db.db, RowLengthTable{"main", "t_docsize"}).ok());
  db.Exec("CREATE VIRTUAL TABLE t USING fts5(title, body)");
  for (int i = 1; i <= 5; ++i) {
    db.Exec("INSERT INTO t(rowid, title, body) VALUES (" + std::to_string(i) +
            ", 'kelp', 'tide')");
  }
  // Row 3: title 1 token, body 0x80000001 tokens (FTS5 reads 1).
  db.Exec("UPDATE t_docsize SET sz = X'018880808001' WHERE id = 3");
  ExpectEqualScores(db.db, "t", "kelp", 5, 1);
}
// WAL: another connection rewrites and deletes rows (their docsize rows
// with them) and commits while a reader ranks mid-walk: the reader's
// snapshot holds, the blob path gives what the xColumnSize path gives.
// Fts5SegmentCount reads the segment count from SQLite's own structure
// record: one segment per transaction with merging off, one after
// 'optimize'; anything else is no structure record.
// The structure record of FTS5 table t in `db`; "" when there is none.
std::string StructureOfT(sqlite3* db) {
  sqlite3_stmt* statement = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, "SELECT block FROM t_data WHERE id = 10", -1,
                               &statement, nullptr),
            SQLITE_OK);
  std::string block;
  if (sqlite3_step(statement) == SQLITE_ROW) {
    block.assign(static_cast<const char*>(sqlite3_column_blob(statement, 0)),
                 static_cast<size_t>(sqlite3_column_bytes(statement, 0)));
  }
  sqlite3_finalize(statement);
  return block;
}

TEST(Fts5SegmentCountTest, CountsWhatFts5Wrote) {
  Db db;
  db.Exec("CREATE VIRTUAL TABLE t USING fts5(body)");
  db.Exec("INSERT INTO t(t, rank) VALUES('automerge', 0)");
  auto segments = [&] {
    const std::string structure = StructureOfT(db.db);
    return structure.empty() ? -2 : Fts5SegmentCount(structure);
  };
  EXPECT_EQ(segments(), 0);
  for (int i = 0; i < 5; ++i) {
    db.Exec("INSERT INTO t(body) VALUES('alpha beta " + Words(i, "gamma") +
            "')");
  }
  EXPECT_EQ(segments(), 5);
  db.Exec("INSERT INTO t(t) VALUES('optimize')");
  EXPECT_EQ(segments(), 1);
  EXPECT_EQ(Fts5SegmentCount(""), -1);
  EXPECT_EQ(Fts5SegmentCount(absl::string_view("\0\0\0\0\x81", 5)), -1);
  // A level count then a segment count above 127 (two-byte varint).
  EXPECT_EQ(Fts5SegmentCount(absl::string_view("\0\0\0\x01\x02\x81\x05", 7)),
            133);
}

// ParseFts5Segments reads each segment's pages from SQLite's own structure
// record: five transactions with merging off are five segments, 'optimize'
// leaves one holding about their pages; a cut record is none.
TEST(Fts5SegmentsTest, ReadsEachSegmentsPagesFromWhatFts5Wrote) {
  Db db;
  db.Exec("CREATE VIRTUAL TABLE t USING fts5(body)");
  db.Exec("INSERT INTO t(t, rank) VALUES('automerge', 0)");
  auto structure = [&] { return StructureOfT(db.db); };
  for (int i = 0; i < 5; ++i) {
    // The third transaction is big enough to span several leaf pages.
    std::string body = "alpha beta";
    for (int w = 0; w < (i == 2 ? 3000 : 3); ++w) {
      absl::StrAppend(&body, " w", i, "x", w);
    }
    db.Exec("INSERT INTO t(body) VALUES('" + body + "')");
  }
  std::optional<Fts5Segments> segments = ParseFts5Segments(structure());
  ASSERT_TRUE(segments.has_value());
  ASSERT_EQ(segments->pages.size(), 5u);
  EXPECT_FALSE(segments->merging_into_one);
  int64_t total = 0;
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_GE(segments->pages[i], 1) << i;
    if (i != 2) {
      EXPECT_LT(segments->pages[i], segments->pages[2]) << i;
    }
    total += segments->pages[i];
  }
  const int64_t big = segments->pages[2];
  EXPECT_GT(big, 3);
  EXPECT_EQ(Fts5SegmentCount(structure()), 5);

  db.Exec("INSERT INTO t(t) VALUES('optimize')");
  segments = ParseFts5Segments(structure());
  ASSERT_TRUE(segments.has_value());
  ASSERT_EQ(segments->pages.size(), 1u);
  EXPECT_GE(segments->pages[0], big);
  EXPECT_LE(segments->pages[0], total);

  const std::string whole = structure();
  EXPECT_FALSE(ParseFts5Segments(whole.substr(0, whole.size() - 1)));
  EXPECT_FALSE(ParseFts5Segments(""));
}

// A merge into one is worth it once the segments besides the largest hold
// 1/kSmallSegmentsShare of its pages, or when one is under way; never for
// one segment.
TEST(Fts5SegmentsTest, MergingIntoOneWaitsForTheSmallSegmentsShare) {
  const int64_t largest = 100 * kSmallSegmentsShare;
  EXPECT_FALSE(WorthMergingIntoOne(Fts5Segments{{largest}, false}));
  EXPECT_FALSE(WorthMergingIntoOne(Fts5Segments{{}, false}));
  EXPECT_FALSE(WorthMergingIntoOne(Fts5Segments{{largest, 60, 39}, false}));
  EXPECT_TRUE(WorthMergingIntoOne(Fts5Segments{{largest, 60, 40}, false}));
  EXPECT_TRUE(WorthMergingIntoOne(Fts5Segments{{60, largest, 40}, false}));
  EXPECT_TRUE(WorthMergingIntoOne(Fts5Segments{{5, 5}, false}));
  EXPECT_TRUE(WorthMergingIntoOne(Fts5Segments{{largest, 1}, true}));
}

// A structure record as FTS5 writes it (cookie, level and segment counts,
// write counter, then per level its merge inputs and segments' id, first
// and last page), for levels of {merge inputs, {pages of each segment}}.
std::string StructureRecord(
    const std::vector<std::pair<int, std::vector<int>>>& levels) {
  std::string record("\0\0\0\x01", 4);
  auto varint = [&](uint32_t value) {
    std::string bytes(1, static_cast<char>(value & 0x7f));
    while ((value >>= 7) != 0) {
      bytes.insert(bytes.begin(), static_cast<char>(0x80 | (value & 0x7f)));
    }
    record += bytes;
  };
  size_t segments = 0;
  for (const auto& level : levels) segments += level.second.size();
  varint(static_cast<uint32_t>(levels.size()));
  varint(static_cast<uint32_t>(segments));
  varint(300);  // write counter
  int id = 0;
  for (const auto& [inputs, pages] : levels) {
    varint(static_cast<uint32_t>(inputs));
    varint(static_cast<uint32_t>(pages.size()));
    for (int count : pages) {
      varint(static_cast<uint32_t>(++id));
      varint(5);
      varint(static_cast<uint32_t>(5 + count - 1));
    }
  }
  return record;
}

// Only a merge of every segment into one counts as one under way: FTS5's
// automerge of small segments beside a big one does not (a merge into one
// then would rewrite the big one for them).
TEST(Fts5SegmentsTest, AMergeIntoOneIsToldFromAnAutomerge) {
  std::optional<Fts5Segments> parsed = ParseFts5Segments(
      StructureRecord({{0, {}}, {3, {40, 50, 9000}}, {0, {100}}}));
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->pages, (std::vector<int64_t>{40, 50, 9000, 100}));
  EXPECT_TRUE(parsed->merging_into_one);
  EXPECT_TRUE(WorthMergingIntoOne(*parsed));

  parsed = ParseFts5Segments(
      StructureRecord({{4, {10, 12, 9, 11}}, {0, {3}}, {0, {}}, {0, {9000}}}));
  ASSERT_TRUE(parsed.has_value());
  EXPECT_FALSE(parsed->merging_into_one) << "an automerge beside a big one";
  EXPECT_FALSE(WorthMergingIntoOne(*parsed));

  parsed = ParseFts5Segments(StructureRecord({{2, {10, 12}}, {0, {3, 5}}}));
  ASSERT_TRUE(parsed.has_value());
  EXPECT_FALSE(parsed->merging_into_one) << "two segments after the inputs";

  const std::string whole =
      StructureRecord({{0, {}}, {2, {40, 9000}}, {0, {100}}});
  EXPECT_TRUE(ParseFts5Segments(whole).has_value());
  EXPECT_FALSE(ParseFts5Segments(whole.substr(0, whole.size() - 1)));
  EXPECT_FALSE(ParseFts5Segments(whole + "x")) << "the record is longer";
}

// Each merge into one (two levels) needs an index twice the size the one
// before it needed: 2^((L - kLevelsBeforeIndexDoubles) / 2) pages for L
// levels after it, so a store that starts empty keeps levels for the
// merges it will need as it grows; the lowest levels ask for one page.
// The unfinished merge FTS5 continues first is read with its input count.
TEST(Fts5SegmentsTest, MergingIntoOneWaitsForTheIndexToDouble) {
  Fts5Segments segments{{60, 40}, false};
  segments.levels = 0;
  EXPECT_TRUE(WorthMergingIntoOne(segments));
  segments.levels = 16;  // 18 after: 2^7 = 128 pages.
  EXPECT_FALSE(WorthMergingIntoOne(segments)) << "100 pages";
  segments.pages = {70, 58};
  EXPECT_TRUE(WorthMergingIntoOne(segments)) << "128 pages";
  segments.levels = 18;  // 20 after: 256 pages.
  EXPECT_FALSE(WorthMergingIntoOne(segments));
  segments.pages = {200, 56};
  EXPECT_TRUE(WorthMergingIntoOne(segments));
  segments.levels = 19;  // 21 after: still 256 pages.
  EXPECT_TRUE(WorthMergingIntoOne(segments));

  std::optional<Fts5Segments> parsed = ParseFts5Segments(
      StructureRecord({{0, {1, 2}}, {2, {40, 50}}, {4, {1, 1, 1, 1, 1}}}));
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->lowest_merge_inputs, 2);
  parsed = ParseFts5Segments(StructureRecord({{0, {1}}, {0, {90}}}));
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->lowest_merge_inputs, 0);
}

// A merge into one may add two FTS5 levels (SQLite 3.40.1 never removes
// one): none starts that would leave more than kMaxLevelsAfterMergeIntoOne,
// while one under way finishes. Unfinished merges and levels are read.
TEST(Fts5SegmentsTest, MergingIntoOneStaysWithinTheLevels) {
  // Big enough for the levels (MergingIntoOneWaitsForTheIndexToDouble).
  constexpr int64_t kHalf = int64_t{1} << 29;
  Fts5Segments segments{{kHalf, kHalf}, false};
  segments.levels = kMaxLevelsAfterMergeIntoOne - 2;
  EXPECT_TRUE(WorthMergingIntoOne(segments));
  segments.levels = kMaxLevelsAfterMergeIntoOne - 1;
  EXPECT_FALSE(WorthMergingIntoOne(segments));
  segments.merging_into_one = true;
  EXPECT_TRUE(WorthMergingIntoOne(segments)) << "one under way finishes";

  std::optional<Fts5Segments> parsed = ParseFts5Segments(
      StructureRecord({{0, {1}}, {3, {40, 50, 9000}}, {0, {100}}}));
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->levels, 3);
  EXPECT_TRUE(parsed->unfinished_merge);
  EXPECT_FALSE(parsed->merging_into_one) << "a batch was written since";
  parsed = ParseFts5Segments(StructureRecord({{0, {1}}, {0, {}}, {0, {90}}}));
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->levels, 3);
  EXPECT_FALSE(parsed->unfinished_merge);
}

// Sizes from a corrupt record (a page number past FTS5's ints, up to 2^63
// from a 9-byte varint) make it no record; sizes however large a caller
// passes are compared without overflowing.
TEST(Fts5SegmentsTest, HugeSizesNeitherOverflowNorParse) {
  // Cookie; 1 level, 1 segment, write counter 0; no merge, 1 segment, id 1.
  const std::string head("\0\0\0\x01\x01\x01\x00\x00\x01\x01", 10);
  // First page -2^63 (a 9-byte varint), last 1: last - first overflowed.
  EXPECT_FALSE(ParseFts5Segments(
      head + std::string("\xc0\x80\x80\x80\x80\x80\x80\x80\x00\x01", 10)))
      << "a negative first page";
  // Pages 0 to 2^31: past FTS5's ints.
  EXPECT_FALSE(
      ParseFts5Segments(head + std::string("\x00\x88\x80\x80\x80\x00", 6)))
      << "a page past FTS5's ints";
  EXPECT_TRUE(
      ParseFts5Segments(head + std::string("\x00\x87\xff\xff\xff\x7f", 6)))
      << "the last page FTS5 can number";
  const int64_t most = std::numeric_limits<int64_t>::max();
  EXPECT_TRUE(WorthMergingIntoOne(Fts5Segments{{most, most, most}, false}));
  EXPECT_FALSE(WorthMergingIntoOne(Fts5Segments{{most, 1}, false}));
  EXPECT_TRUE(WorthMergingIntoOne(
      Fts5Segments{{most, most / kSmallSegmentsShare + 1}, false}));
  EXPECT_FALSE(WorthMergingIntoOne(
      Fts5Segments{{most, most / kSmallSegmentsShare - 1}, false}));
}

TEST(RankRowLengthTest, ConcurrentWriterConnectionInWal) {
  std::vector<std::vector<double>> scores;
  for (const char* docsize : {"no_such_table", "t_docsize"}) {
    SCOPED_TRACE(docsize);
    const std::string path = ::testing::TempDir() + "/rank_row_length_wal.db";
    std::remove(path.c_str());
    std::remove((path + "-wal").c_str());
    std::remove((path + "-shm").c_str());
    Db writer(path);
    writer.Exec("PRAGMA journal_mode = WAL");
    writer.Exec("CREATE VIRTUAL TABLE t USING fts5(title, body)");
    writer.Exec("BEGIN");
    for (int i = 1; i <= 40; ++i) {
      writer.Exec("INSERT INTO t(rowid, title, body) VALUES (" +
                  std::to_string(i) + ", 'kelp', '" + Words(i, "tide") + "')");
    }
    writer.Exec("COMMIT");
    Db reader(path);
    ASSERT_TRUE(
        RegisterNewsflowBm25(reader.db, RowLengthTable{"main", docsize}).ok());
    sqlite3_stmt* st = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(reader.db,
                                 "SELECT newsflow_bm25(t, 0, NULL), bm25(t) "
                                 "FROM t WHERE t MATCH 'kelp' ORDER BY rowid",
                                 -1, &st, nullptr),
              SQLITE_OK);
    scores.emplace_back();
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      scores.back().push_back(sqlite3_column_double(st, 0));
      EXPECT_DOUBLE_EQ(sqlite3_column_double(st, 0),
                       sqlite3_column_double(st, 1));
      if (scores.back().size() == 3) {
        writer.Exec("UPDATE t SET body = '" + Words(500, "x") +
                    "' WHERE rowid BETWEEN 3 AND 20");
        writer.Exec("DELETE FROM t WHERE rowid > 30");
        writer.Exec("PRAGMA wal_checkpoint(PASSIVE)");
      }
    }
    EXPECT_EQ(rc, SQLITE_DONE) << sqlite3_errmsg(reader.db);
    EXPECT_EQ(scores.back().size(), 40u);
    sqlite3_finalize(st);
  }
  EXPECT_EQ(scores[0], scores[1]);
}
}  // namespace
}  // namespace newsflow
