#include "runner/observe/log.h"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <mutex>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "common/utf8.h"

namespace newsflow {
namespace {

std::atomic<LogFormat> g_format{LogFormat::kText};

// Guards stderr writes and the status line.
std::mutex& OutputMutex() {
  static std::mutex* mutex = new std::mutex;
  return *mutex;
}
std::string& StatusLine() {
  static std::string* line = new std::string;
  return *line;
}

constexpr absl::string_view kLevels[] = {"debug", "info", "warning", "error"};

void WriteStderr(const std::string& text) {
  fwrite(text.data(), 1, text.size(), stderr);
  fflush(stderr);
}

}  // namespace

absl::StatusOr<LogFormat> ParseLogFormat(absl::string_view name) {
  if (name == "text") return LogFormat::kText;
  if (name == "json") return LogFormat::kJson;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown log format '", name, "' (known: text, json)"));
}

void SetLogFormat(LogFormat format) { g_format.store(format); }
LogFormat GetLogFormat() { return g_format.load(); }

std::string JsonQuote(absl::string_view text) {
  std::string out = "\"";
  out.reserve(text.size() + 2);
  size_t i = 0;
  while (i < text.size()) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      size_t length = 0;
      const char32_t cp =
          DecodeUtf8At(std::string_view(text.data(), text.size()), i, &length);
      if (IsInvalidUtf8Byte(cp, length)) {
        out += "\\ufffd";
      } else {
        out.append(text.data() + i, length);
      }
      i += length;
      continue;
    }
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7F) {
          absl::StrAppendFormat(&out, "\\u%04x", c);
        } else {
          out += static_cast<char>(c);
        }
    }
    ++i;
  }
  out += "\"";
  return out;
}

std::string FormatLogRecord(const LogRecord& record, LogFormat format) {
  if (format == LogFormat::kJson) {
    return absl::StrCat(
        "{\"time\":",
        JsonQuote(absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", record.time,
                                   absl::UTCTimeZone())),
        ",\"level\":", JsonQuote(record.level),
        ",\"stage\":", JsonQuote(record.stage), ",\"replica\":",
        record.replica >= 0 ? absl::StrCat(record.replica) : "null",
        ",\"pid\":", record.pid > 0 ? absl::StrCat(record.pid) : "null",
        ",\"message\":", JsonQuote(record.message), "}\n");
  }
  std::string source = record.stage;
  if (record.replica >= 0) absl::StrAppend(&source, ".", record.replica);
  // The runner's pid is that of the process the user started; stage pids
  // tell restarted incarnations apart.
  if (record.pid > 0 && record.replica >= 0) {
    absl::StrAppend(&source, " pid ", record.pid);
  }
  return absl::StrCat("[", source, "] ", record.level, ": ", record.message,
                      "\n");
}

LogRecord StageLineRecord(absl::string_view stage, int replica, int pid,
                          absl::string_view line) {
  LogRecord record;
  record.time = absl::Now();
  record.stage = std::string(stage);
  record.replica = replica;
  record.pid = pid;
  record.level = "info";
  record.message = std::string(line);
  for (absl::string_view level : kLevels) {
    if (absl::StartsWith(line, level) &&
        absl::StartsWith(line.substr(level.size()), ": ")) {
      record.level = std::string(level);
      record.message = std::string(line.substr(level.size() + 2));
      break;
    }
  }
  return record;
}

void WriteLogRecord(const LogRecord& record) {
  std::string text = FormatLogRecord(record, GetLogFormat());
  std::lock_guard<std::mutex> lock(OutputMutex());
  const std::string& status = StatusLine();
  if (!status.empty()) {
    // Erase the status line, print the log line, draw the status again.
    text = absl::StrCat("\r\033[K", text, status);
  }
  WriteStderr(text);
}

void LogRunnerLine(absl::string_view level, absl::string_view message) {
  LogRecord record;
  record.time = absl::Now();
  record.level = std::string(level);
  record.stage = "runner";
  record.pid = static_cast<int>(getpid());
  record.message = std::string(message);
  WriteLogRecord(record);
}

void LogStageLine(absl::string_view stage, int replica, int pid,
                  absl::string_view line) {
  WriteLogRecord(StageLineRecord(stage, replica, pid, line));
}

void SetLogStatusLine(absl::string_view line) {
  std::lock_guard<std::mutex> lock(OutputMutex());
  std::string& status = StatusLine();
  if (status.empty() && line.empty()) return;
  status = std::string(line);
  WriteStderr(absl::StrCat("\r\033[K", status));
}

}  // namespace newsflow
