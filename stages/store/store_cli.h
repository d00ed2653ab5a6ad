// The store's command-line verbs, independent of the argument parser:
// runner/commands/store_commands.cc maps `newsflow query|stories|entities|
// show|export|import` onto these, and tests call them directly.
//
// DB is an SQLite path or a postgresql:// URL. Read-only verbs open the
// database read-only, so they work while a pipeline writes into it.
// Each verb returns the process exit code: 0 success, 1 the database (or a
// file) failed, 2 the request itself is invalid (bad query syntax, bad
// time, unknown entity type). Errors go to `err`, one line each.
#ifndef NEWSFLOW_STAGES_STORE_STORE_CLI_H_
#define NEWSFLOW_STAGES_STORE_STORE_CLI_H_

#include <cstdint>
#include <istream>
#include <ostream>
#include <string>

#include "stages/store/article_db.h"

namespace newsflow {

// Article selection shared by query and export; empty fields select all.
struct FilterArgs {
  std::string entity;  // any alias of an entity
  std::string type;    // PERSON, ORG, LOC, MISC (any case)
  std::string source;
  std::string since;  // see ParseTimeBound (query_syntax.h)
  std::string until;
  std::string story;
};

struct QueryArgs {
  std::string db;
  // Full-text query (FTS5 syntax, see query_syntax.h); may be empty when a
  // filter is given.
  std::string text;
  FilterArgs filter;
  int limit = 10;
  // Pagination (SearchRequest::offset and ::after): --offset N skips N hits;
  // --after CURSOR continues after the hit that printed that cursor.
  int64_t offset = 0;
  std::string after;
  // SearchRequest::rank_window.
  int64_t rank_window = SearchRequest::kDefaultRankWindow;
  bool json = false;
};
// Ranked hits: title, score, time, source, id, URL and a snippet with the
// matched terms between « and »; when the page is full, a last line
// "next: --after CURSOR" to continue. --json: one object per hit, each with
// its "cursor".
int RunQuery(const QueryArgs& args, std::ostream& out, std::ostream& err);

struct StoriesArgs {
  std::string db;
  std::string since;
  std::string until;
  int limit = 20;
  bool json = false;
};
// Stories, most recently active first: size, outlets, time span, headline
// and top entities.
int RunStories(const StoriesArgs& args, std::ostream& out, std::ostream& err);

struct EntitiesArgs {
  std::string db;
  std::string type;
  std::string name;  // only entities with this alias or name
  int limit = 50;
  bool json = false;
  // A canonical id, or an alias or name only one entity has: explain that
  // entity instead of listing the catalogue.
  std::string explain;
};
// The entity catalogue: name, type, article and mention counts, aliases.
// With `explain`: the entity and, per alias, the rule that joined it to the
// entity ("unknown" when the store does not know), the articles it was seen
// in and the first of them stored (id and title). An id or name no entity
// has is NotFound (exit 1); a name several entities have lists them
// (exit 2).
int RunEntities(const EntitiesArgs& args, std::ostream& out, std::ostream& err);

struct ShowArgs {
  std::string db;
  std::string id;
  bool json = false;
};
// One article in full, with its trace through the stages (times between
// hops); --json: the article as one JSON object.
int RunShow(const ShowArgs& args, std::ostream& out, std::ostream& err);

struct ExportArgs {
  std::string db;
  FilterArgs filter;
};
// The selected articles as JSON lines (common/article_json.h), in the order
// they were first stored.
int RunExport(const ExportArgs& args, std::ostream& out, std::ostream& err);

struct ImportArgs {
  std::string db;
  // A JSON-lines file as export writes it, or "-" for `in`.
  std::string file;
  int batch_size = 500;
};
// Stores every article of the file (upsert by id, so importing twice
// changes nothing). The whole input is checked before anything is stored:
// one bad line (named FILE:LINE) and nothing is written.
int RunImport(const ImportArgs& args, std::istream& in, std::ostream& out,
              std::ostream& err);

}  // namespace newsflow

#endif  // NEWSFLOW_STAGES_STORE_STORE_CLI_H_
