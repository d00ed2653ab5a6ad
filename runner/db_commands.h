// `newsflow export` and `newsflow query`: read-only commands over a store's
// database. They open it read-only, so they work while a pipeline writes.
#ifndef NEWSFLOW_RUNNER_DB_COMMANDS_H_
#define NEWSFLOW_RUNNER_DB_COMMANDS_H_

#include <ostream>
#include <string>

namespace newsflow {

// Every stored article as one JSON line. Returns the exit code.
int ExportCommand(const std::string& db_path, std::ostream& out);

// Ranked full-text search; a readable list, or JSON lines with `json`.
int QueryCommand(const std::string& db_path, const std::string& query,
                 int limit, bool json, std::ostream& out);

}  // namespace newsflow

#endif  // NEWSFLOW_RUNNER_DB_COMMANDS_H_
