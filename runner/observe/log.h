// The runner's log output: one line per event on stderr, naming the stage,
// the process and the level.
//
// Text (the default, for people):
//   [runner] info: pipeline 'demo' running: 4 stage processes
//   [clean.0 pid 4242] warning: rejected empty.txt: the file is empty
// JSON (`--log-format json`, for collectors), one object per line:
//   {"time":"2024-05-01T10:00:00.123Z","level":"warning","stage":"clean",
//    "replica":0,"pid":4242,"message":"rejected empty.txt: ..."}
// The runner's own lines have stage "runner", replica null and the runner's
// pid. A stage line that does not start with a level ("error: ...") is
// relayed whole with level "info": nothing a stage writes is dropped.
//
// A terminal may also show a status line (the `run --once` progress line):
// it stays below the log, is erased before each log line and drawn again
// after it, so the two never overwrite each other.
//
// Thread-safe: lines are written whole under a mutex.
#ifndef NEWSFLOW_RUNNER_OBSERVE_LOG_H_
#define NEWSFLOW_RUNNER_OBSERVE_LOG_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace newsflow {

enum class LogFormat { kText, kJson };

// "text" or "json".
absl::StatusOr<LogFormat> ParseLogFormat(absl::string_view name);

// Process-wide; text until set.
void SetLogFormat(LogFormat format);
LogFormat GetLogFormat();

struct LogRecord {
  absl::Time time;
  std::string level;  // debug, info, warning, error
  std::string stage;  // "runner" for the runner itself
  int replica = -1;   // -1: not a stage replica
  int pid = 0;        // 0: unknown (e.g. the process has been reaped)
  std::string message;
};

// The record as one line, newline included. JSON strings are valid UTF-8
// whatever the message holds (invalid bytes become U+FFFD).
std::string FormatLogRecord(const LogRecord& record, LogFormat format);

// Splits a stage host's stderr line ("warning: text") into a record; a
// line without a known level prefix keeps its text with level "info".
LogRecord StageLineRecord(absl::string_view stage, int replica, int pid,
                          absl::string_view line);

// Writes a record to stderr in the current format.
void WriteLogRecord(const LogRecord& record);
// The runner's own events.
void LogRunnerLine(absl::string_view level, absl::string_view message);
// A line a stage process wrote to its stderr or stdout.
void LogStageLine(absl::string_view stage, int replica, int pid,
                  absl::string_view line);

// Shows `line` as the status line below the log ("" removes it). Only call
// this when stderr is a terminal: it uses carriage returns and ANSI
// erase-line sequences.
void SetLogStatusLine(absl::string_view line);

// JSON string literal (quotes included) for UTF-8 text; invalid bytes
// become U+FFFD. Shared with the other JSON writers of the runner.
std::string JsonQuote(absl::string_view text);

}  // namespace newsflow

#endif  // NEWSFLOW_RUNNER_OBSERVE_LOG_H_
