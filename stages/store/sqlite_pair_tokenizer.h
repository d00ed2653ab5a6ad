// The SQLite search index's tokenizer: FTS5's own tokenizer plus "common
// grams" (as Lucene's CommonGramsFilter), so that a phrase of common words
// is found through one short doclist instead of by intersecting the long
// doclists of its words.
//
// Declared as tokenize='newsflow_pairs VERSION INNER ARGS...' (e.g.
// 'newsflow_pairs 1 unicode61 remove_diacritics 2'); it tokenizes with
// INNER ARGS... and:
//  - indexing a text (FTS5_TOKENIZE_DOCUMENT), after each token that follows
//    another within the same column where both are common words (the
//    kCommonWords list of VERSION), also indexes PairToken(previous, this)
//    at the same position (FTS5_TOKEN_COLOCATED: it counts in no length);
//  - tokenizing a query's string of several tokens (a phrase), gives each
//    token that follows a common word and is one itself as that pair token
//    instead, except a phrase's last token when it is a prefix. The pair
//    token at position p+1 is there exactly when the two words are at p and
//    p+1, so the phrase matches the same rows at the same positions with the
//    same size (ranks, snippets and NEAR unchanged), and FTS5 walks the pair's
//    doclist, which holds only the rows with the two words together;
//  - otherwise (snippets, highlights: FTS5_TOKENIZE_AUX) tokenizes as INNER.
// A VERSION this build does not know (an index made with another list):
// queries and snippets are tokenized as INNER alone (its plain tokens answer
// every query as before, without the pairs' speed), but writes (inserts,
// deletes: FTS5_TOKENIZE_DOCUMENT) are refused with SQLITE_ERROR, since rows
// without that list's pairs would be missed by its build's phrase queries
// (and a removal would leave its pairs behind). The store rebuilds such an
// index when it opens it (DeclaresAnotherPairList).
//
// Every connection that reads or writes such an index must register the
// tokenizer first (RegisterPairTokenizer); FTS5 refuses the table otherwise.
#ifndef NEWSFLOW_STAGES_STORE_SQLITE_PAIR_TOKENIZER_H_
#define NEWSFLOW_STAGES_STORE_SQLITE_PAIR_TOKENIZER_H_

#include <sqlite3.h>

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace newsflow {

// The tokenize options of the search index: words alone (FTS5's unicode61,
// as before pairs existed), and words with their pairs (this tokenizer).
// The form an index has is the option its articles_fts was declared with.
extern const char kWordsTokenize[];
extern const char kWordPairsTokenize[];

// The FTS5 of `db`; FailedPrecondition when SQLite was built without it.
absl::StatusOr<fts5_api*> Fts5ApiOf(sqlite3* db);

// Registers "newsflow_pairs" with the FTS5 of `db`.
absl::Status RegisterPairTokenizer(sqlite3* db);

// Whether the tokenize option `tokenize` declares this tokenizer with a
// VERSION other than this build's list (an index made by another build).
bool DeclaresAnotherPairList(absl::string_view tokenize);

// Whether `token` (as FTS5's unicode61 gives it: folded, no diacritics) is
// one of the current list's common words.
bool IsCommonWord(absl::string_view token);

// The token indexed for `first` followed by `second`: bytes no tokenizer
// token holds (a unit separator first and between), so that no query of
// plain words, prefixes included, matches a pair token.
std::string PairToken(absl::string_view first, absl::string_view second);

}  // namespace newsflow

#endif  // NEWSFLOW_STAGES_STORE_SQLITE_PAIR_TOKENIZER_H_
