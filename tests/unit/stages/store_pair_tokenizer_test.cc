// The search index's pair tokenizer (sqlite_pair_tokenizer.h): every query
// gives the same rows, ranks and highlights on an index with pair tokens as
// on one without.
#include <sqlite3.h>

#include <cstdio>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "stages/store/sqlite_pair_tokenizer.h"

namespace newsflow {
namespace {

// Texts of our own: common words next to each other at the start and end
// of a column, across punctuation and a line break, repeated, and next to
// rarer words (the list's words: "the", "of", "last", "year", "corp",
// "loss", "after", "said", "firm", "shares", "company"; not "corpus",
// "kelp", "otters").
constexpr const char* kTexts[][2] = {
    {"Corp loss widens",
     "The corp loss, after the firm said so, was the largest of the year. "
     "Last year the loss was smaller."},
    {"After the meeting",
     "Shares rose after the meeting; the the shares fell. Sales of the "
     "company rose last year"},
    {"Loss", "corp. loss? corp--loss! corp\nloss and a corpus of the corp"},
    {"The year of the corp", "last year last year last year"},
    {"Kelp and otters",
     "Divers mapped the kelp of the bay after the storm of last year."},
    {"Café société", "Élan, said the firm"},
    {"Last year", "the firm"},
    {"The corpus", "A corporate loss of the company"},
    {"Year", "the year, the corp"},
};

constexpr const char* kQueries[] = {
    "\"corp loss\"",
    "\"the corp loss\"",
    "\"last year\"",
    "\"last year last\"",
    "\"year last year\"",
    "\"the the\"",
    "\"the the shares\"",
    "\"after the meeting\"",
    "\"of the company\"",
    "\"the firm\"",
    "\"firm said\"",
    "\"said the firm\"",
    "\"year the\"",
    "\"the year of the corp\"",
    "\"kelp of the bay\"",
    "\"of the bay after the storm\"",
    "\"the corp\"*",
    "\"last yea\"*",
    "the*",
    "corp*",
    "corp loss",
    "\"corp\" + \"loss\"",
    "title:\"corp loss\"",
    "body:\"the firm\"",
    "^\"last year\"",
    "title:^\"the year\"",
    "NEAR(\"corp loss\" \"last year\", 12)",
    "\"corp loss\" OR \"the firm\"",
    "\"the year\" NOT \"last year\"",
    "\"elan said the\"",
};

class PairTokenizerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(sqlite3_open(":memory:", &db_), SQLITE_OK);
    ASSERT_TRUE(RegisterPairTokenizer(db_).ok());
  }
  void TearDown() override { sqlite3_close(db_); }

  void Exec(const std::string& sql) {
    char* error = nullptr;
    const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error);
    const std::string message = error != nullptr ? error : "";
    sqlite3_free(error);
    ASSERT_EQ(rc, SQLITE_OK) << message << "\n" << sql;
  }

  // A table `name` with kTexts, tokenized by `tokenize`.
  void MakeTable(const std::string& name, const std::string& tokenize) {
    Exec(absl::StrCat("CREATE VIRTUAL TABLE ", name,
                      " USING fts5(title, body, tokenize='", tokenize, "')"));
    for (const auto& text : kTexts) InsertRow(name, text[0], text[1]);
  }

  void InsertRow(const std::string& table, const std::string& title,
                 const std::string& body) {
    sqlite3_stmt* insert = nullptr;
    ASSERT_EQ(
        sqlite3_prepare_v2(
            db_,
            absl::StrCat("INSERT INTO ", table, " VALUES (?1, ?2)").c_str(), -1,
            &insert, nullptr),
        SQLITE_OK);
    sqlite3_bind_text(insert, 1, title.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(insert, 2, body.c_str(), -1, SQLITE_TRANSIENT);
    EXPECT_EQ(sqlite3_step(insert), SQLITE_DONE) << sqlite3_errmsg(db_);
    sqlite3_finalize(insert);
  }

  // Each row `query` matches in `table`: rowid, bm25, both columns
  // highlighted, in rowid order.
  std::vector<std::string> Matches(const std::string& table,
                                   const std::string& query) {
    std::vector<std::string> rows;
    sqlite3_stmt* select = nullptr;
    const std::string sql = absl::StrCat(
        "SELECT rowid, bm25(", table, "), highlight(", table,
        ", 0, '[', ']'), highlight(", table, ", 1, '[', ']') FROM ", table,
        " WHERE ", table, " MATCH ?1 ORDER BY rowid");
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &select, nullptr) !=
        SQLITE_OK) {
      ADD_FAILURE() << sqlite3_errmsg(db_);
      return rows;
    }
    sqlite3_bind_text(select, 1, query.c_str(), -1, SQLITE_TRANSIENT);
    int rc = SQLITE_OK;
    while ((rc = sqlite3_step(select)) == SQLITE_ROW) {
      rows.push_back(absl::StrCat(
          sqlite3_column_int64(select, 0), " ",
          sqlite3_column_double(select, 1), " ",
          reinterpret_cast<const char*>(sqlite3_column_text(select, 2)), " | ",
          reinterpret_cast<const char*>(sqlite3_column_text(select, 3))));
    }
    EXPECT_EQ(rc, SQLITE_DONE) << query << ": " << sqlite3_errmsg(db_);
    sqlite3_finalize(select);
    return rows;
  }

  // How many rows of `table` hold the indexed term `term`.
  int64_t RowsWithTerm(const std::string& table, const std::string& term) {
    Exec(absl::StrCat("CREATE VIRTUAL TABLE IF NOT EXISTS temp.", table,
                      "_vocab USING fts5vocab(main, ", table, ", row)"));
    sqlite3_stmt* select = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(
                  db_,
                  absl::StrCat("SELECT coalesce(sum(doc), 0) FROM temp.", table,
                               "_vocab WHERE term = ?1")
                      .c_str(),
                  -1, &select, nullptr),
              SQLITE_OK);
    sqlite3_bind_text(select, 1, term.data(), static_cast<int>(term.size()),
                      SQLITE_TRANSIENT);
    int64_t rows = -1;
    if (sqlite3_step(select) == SQLITE_ROW) {
      rows = sqlite3_column_int64(select, 0);
    }
    sqlite3_finalize(select);
    return rows;
  }

  sqlite3* db_ = nullptr;
};

TEST_F(PairTokenizerTest, EveryQueryMatchesAsWithoutPairs) {
  MakeTable("plain", "unicode61 remove_diacritics 2");
  MakeTable("paired", kWordPairsTokenize);
  size_t rows = 0;
  for (const char* query : kQueries) {
    SCOPED_TRACE(query);
    const std::vector<std::string> plain = Matches("plain", query);
    EXPECT_EQ(Matches("paired", query), plain);
    rows += plain.size();
  }
  // Not a comparison of nothings: most queries match something.
  EXPECT_GT(rows, 40u);
  EXPECT_EQ(Matches("paired", "\"year the\"").size(), 2u);
  // Row 8's "the corpus" too, though "corpus" makes no pair.
  EXPECT_EQ(Matches("paired", "\"the corp\"*").size(), 5u);
}

TEST_F(PairTokenizerTest, CommonWordsNextToEachOtherAreIndexedAsPairs) {
  ASSERT_TRUE(IsCommonWord("the") && IsCommonWord("corp") &&
              IsCommonWord("loss") && IsCommonWord("last") &&
              IsCommonWord("year"));
  ASSERT_FALSE(IsCommonWord("kelp") || IsCommonWord("corpus"));
  MakeTable("paired", kWordPairsTokenize);
  // Rows 1 and 3 (punctuation between: still next to each other); not row
  // 8, where "corporate" is between.
  EXPECT_EQ(RowsWithTerm("paired", PairToken("corp", "loss")), 2);
  EXPECT_EQ(RowsWithTerm("paired", PairToken("last", "year")), 5);
  // Rows 1 and 9, not 7: "year" ends its title and "the" starts its body.
  EXPECT_EQ(RowsWithTerm("paired", PairToken("year", "the")), 2);
  EXPECT_EQ(RowsWithTerm("paired", PairToken("the", "kelp")), 0);
  // A pair token counts in no row's length: bm25 is the plain table's.
  MakeTable("plain", "unicode61 remove_diacritics 2");
  EXPECT_EQ(Matches("paired", "loss"), Matches("plain", "loss"));
}

// A build with another common-word list, as far as these texts go (none of
// its pairs are in them: the inner tokenizer alone), registered under the
// tokenizer's name.
struct StandInTokenizer {
  fts5_tokenizer inner_methods;
  Fts5Tokenizer* inner = nullptr;
};
int StandInCreate(void* api_pointer, const char** args, int count,
                  Fts5Tokenizer** out) {
  auto* api = static_cast<fts5_api*>(api_pointer);
  auto* tokenizer = new StandInTokenizer;
  void* context = nullptr;
  int rc =
      api->xFindTokenizer(api, args[1], &context, &tokenizer->inner_methods);
  if (rc == SQLITE_OK) {
    rc = tokenizer->inner_methods.xCreate(context, args + 2, count - 2,
                                          &tokenizer->inner);
  }
  *out = reinterpret_cast<Fts5Tokenizer*>(tokenizer);
  return rc;
}
void StandInDelete(Fts5Tokenizer* pointer) {
  auto* tokenizer = reinterpret_cast<StandInTokenizer*>(pointer);
  if (tokenizer->inner) tokenizer->inner_methods.xDelete(tokenizer->inner);
  delete tokenizer;
}
int StandInTokenize(Fts5Tokenizer* pointer, void* context, int flags,
                    const char* text, int size,
                    int (*emit)(void*, int, const char*, int, int, int)) {
  auto* tokenizer = reinterpret_cast<StandInTokenizer*>(pointer);
  return tokenizer->inner_methods.xTokenize(tokenizer->inner, context, flags,
                                            text, size, emit);
}

// An index made by a build with another list (VERSION 999) is read with its
// plain tokens, as a table without pairs; this build refuses to write it,
// since its build's phrase queries would miss rows without that list's pairs.
TEST_F(PairTokenizerTest, AnotherListsIndexIsReadWithoutPairsNotWritten) {
  const std::string path = ::testing::TempDir() + "/another_list.db";
  std::remove(path.c_str());
  sqlite3_close(db_);
  ASSERT_EQ(sqlite3_open(path.c_str(), &db_), SQLITE_OK);
  absl::StatusOr<fts5_api*> api = Fts5ApiOf(db_);
  ASSERT_TRUE(api.ok());
  fts5_tokenizer other_list{StandInCreate, StandInDelete, StandInTokenize};
  ASSERT_EQ((*api)->xCreateTokenizer(*api, "newsflow_pairs", *api, &other_list,
                                     nullptr),
            SQLITE_OK);
  MakeTable("other", "newsflow_pairs 999 unicode61 remove_diacritics 2");
  MakeTable("plain", "unicode61 remove_diacritics 2");
  sqlite3_close(db_);
  ASSERT_EQ(sqlite3_open(path.c_str(), &db_), SQLITE_OK);
  ASSERT_TRUE(RegisterPairTokenizer(db_).ok());
  EXPECT_EQ(RowsWithTerm("other", PairToken("corp", "loss")), 0);
  for (const char* query : kQueries) {
    SCOPED_TRACE(query);
    EXPECT_EQ(Matches("other", query), Matches("plain", query));
  }
  for (const char* write :
       {"INSERT INTO other VALUES ('Last year', 'the firm')",
        "DELETE FROM other WHERE rowid = 1",
        "UPDATE other SET body = 'the year' WHERE rowid = 2"}) {
    SCOPED_TRACE(write);
    EXPECT_EQ(sqlite3_exec(db_, write, nullptr, nullptr, nullptr),
              SQLITE_ERROR);
  }
  EXPECT_EQ(Matches("other", "\"the firm\"").size(), 3u);
  EXPECT_TRUE(DeclaresAnotherPairList(
      "newsflow_pairs 999 unicode61 remove_diacritics 2"));
  EXPECT_FALSE(DeclaresAnotherPairList(kWordPairsTokenize));
  EXPECT_FALSE(DeclaresAnotherPairList(kWordsTokenize));
}

// Random texts of common and rare words (case, diacritics, apostrophes,
// hyphens, numbers between them) and random queries: every query gives the
// same rows, bm25, highlights and snippets with pairs as without.
TEST_F(PairTokenizerTest, RandomQueriesMatchAsWithoutPairs) {
  const std::vector<std::string> words = {
      "the",   "The",   "THE", "Thé", "of",   "Of",     "last",
      "year",  "a",     "and", "1",   "000",  "corp",   "loss",
      "said",  "to",    "in",  "don", "t",    "it",     "kelp",
      "otter", "zebra", "s",   "u",   "éLan", "reuter", "mln"};
  const std::vector<std::string> seps = {" ",  " ",  " ",   ", ", "-",  "'",
                                         "\n", ". ", " — ", ",",  "..."};
  uint64_t state = 12345;
  auto next = [&state](uint64_t n) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (state >> 33) % n;
  };
  auto text = [&](int n) {
    std::string out;
    for (int i = 0; i < n; ++i) {
      if (i > 0) out += seps[next(seps.size())];
      out += words[next(words.size())];
    }
    return out;
  };
  for (const char* name : {"plain", "paired"}) {
    Exec(absl::StrCat(
        "CREATE VIRTUAL TABLE r", name, " USING fts5(title, body, tokenize='",
        std::string(name) == "plain" ? "unicode61 remove_diacritics 2"
                                     : kWordPairsTokenize,
        "')"));
  }
  std::vector<std::pair<std::string, std::string>> rows;
  for (int i = 0; i < 300; ++i) {
    rows.push_back({text(1 + static_cast<int>(next(4))),
                    text(3 + static_cast<int>(next(30)))});
  }
  for (const char* name : {"rplain", "rpaired"}) {
    for (const auto& row : rows) InsertRow(name, row.first, row.second);
  }
  auto phrase = [&](int n) {
    std::string out = "\"";
    for (int i = 0; i < n; ++i) {
      if (i > 0) out += seps[next(seps.size())];
      out += words[next(words.size())];
    }
    return out + "\"";
  };
  auto snippets = [&](const std::string& table, const std::string& query) {
    std::vector<std::string> out;
    sqlite3_stmt* select = nullptr;
    const std::string sql = absl::StrCat(
        "SELECT rowid, snippet(", table, ", -1, '[', ']', '..', 6) FROM ",
        table, " WHERE ", table, " MATCH ?1 ORDER BY bm25(", table, "), rowid");
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &select, nullptr) !=
        SQLITE_OK) {
      ADD_FAILURE() << sqlite3_errmsg(db_);
      return out;
    }
    sqlite3_bind_text(select, 1, query.c_str(), -1, SQLITE_TRANSIENT);
    while (sqlite3_step(select) == SQLITE_ROW) {
      out.push_back(absl::StrCat(
          sqlite3_column_int64(select, 0), " ",
          reinterpret_cast<const char*>(sqlite3_column_text(select, 1))));
    }
    sqlite3_finalize(select);
    return out;
  };
  size_t matched = 0;
  int differing = 0;
  for (int q = 0; q < 3000; ++q) {
    std::string query;
    switch (next(9)) {
      case 0:
        query = phrase(2) + "*";
        break;
      case 1:
        query = "NEAR(" + phrase(2) + " " + phrase(2) + ", 4)";
        break;
      case 2:
        query = "title:" + phrase(2);
        break;
      case 3:
        query = phrase(2) + " NOT " + phrase(2);
        break;
      case 4:
        query = phrase(2) + " OR " + phrase(3);
        break;
      case 5:
        query = "^" + phrase(2);
        break;
      case 6:
        query = phrase(1);
        break;
      default:
        query = phrase(2 + static_cast<int>(next(3)));
        break;
    }
    SCOPED_TRACE(query);
    const std::vector<std::string> plain = Matches("rplain", query);
    matched += plain.size();
    const std::vector<std::string> paired = Matches("rpaired", query);
    if (paired != plain && differing++ < 5) {
      EXPECT_EQ(paired, plain);
    }
    if (snippets("rpaired", query) != snippets("rplain", query) &&
        differing++ < 5) {
      EXPECT_EQ(snippets("rpaired", query), snippets("rplain", query));
    }
  }
  EXPECT_EQ(differing, 0);
  EXPECT_GT(matched, 1000u);
}

}  // namespace
}  // namespace newsflow
