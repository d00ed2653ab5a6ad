// The user-facing syntax of store queries: full-text queries and time
// bounds. Pure functions; the backends and the command line share them.
//
// Full-text queries use SQLite FTS5's syntax on every backend:
//   ceasefire talks          every word must match (implicit AND)
//   a AND b, a OR b, a NOT b binary operators (upper case); precedence from
//                            tightest: implicit AND, NOT, AND, OR
//   "telescope evenings"     a phrase; "a" + "b" is the same phrase
//   observ*                  a prefix (also "a phrase ending in a prefix"*)
//   ( ... )                  grouping
//   title:word  body:(a OR b)  {title body}:w  -title:w   column filters
// SQLite evaluates the query itself (so NEAR(a b, 5) and ^initial work
// there too); PostgreSQL uses TextQueryToTsQuery().
#ifndef NEWSFLOW_STAGES_STORE_QUERY_SYNTAX_H_
#define NEWSFLOW_STAGES_STORE_QUERY_SYNTAX_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace newsflow {

// Translates `query` into PostgreSQL tsquery text, whose lexemes are
// SearchTokens() words (see catalogue.h), taken as they are by a ::tsquery
// cast: the search vector holds SearchText() words, the title at weight A
// and the body at weight B.
//
// InvalidArgument with a message starting "syntax error" when `query` is
// malformed, and naming the operator when it uses NEAR or ^ (SQLite-only).
absl::StatusOr<std::string> TextQueryToTsQuery(std::string_view query);

// Whether `query` is one quoted phrase and nothing else ("kelp forest",
// spaces around it allowed): a query whose matches are exactly the rows
// its one phrase matches (no operator, column filter, prefix or escaped
// quote).
bool IsOneQuotedPhrase(std::string_view query);

// Whether `query` surely has a phrase of several tokens: a quoted string
// holding a byte that separates tokens (an ASCII byte other than a letter,
// digit or '_'), or strings joined with '+'. False does not promise the
// opposite (a non-ASCII separator is not seen), so a plan that needs single
// tokens must still check FTS5's phrases.
bool HasPhraseOfSeveralTokens(std::string_view query);

enum class TimeBound { kSince, kUntil };

// Parses a --since / --until argument into the instant a filter compares
// with (since: inclusive; until: exclusive):
//   2031-04-02              the start of that day, UTC; as an until bound
//                           the day is included (the bound is the next day)
//   2031-04-02T08:15:00Z    RFC 3339 (an offset, or no zone for UTC; a
//                           space may replace the T)
//   90m, 36h, 7d, 2w        that long before `now`
// InvalidArgument, quoting `text`, for anything else.
absl::StatusOr<absl::Time> ParseTimeBound(std::string_view text,
                                          TimeBound bound,
                                          absl::Time now = absl::Now());

}  // namespace newsflow

#endif  // NEWSFLOW_STAGES_STORE_QUERY_SYNTAX_H_
