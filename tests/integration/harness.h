// Helpers for integration tests that start real newsflow processes.
#ifndef NEWSFLOW_TESTS_INTEGRATION_HARNESS_H_
#define NEWSFLOW_TESTS_INTEGRATION_HARNESS_H_

#include <sys/types.h>

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "newsflow/v1/article.pb.h"

namespace newsflow::testing {

// Paths of the binaries under test and of the source tree.
std::string NewsflowBinary();
std::string SourceDir();
// ../shared, or "" when absent.
std::string SharedDir();

// A fresh directory, removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string Write(const std::string& name, const std::string& content) const;

 private:
  std::string path_;
};

struct CommandResult {
  int exit_code = -1;  // -1: killed by the timeout
  std::string out;
  std::string err;
};

// Runs a command to completion (killed after `timeout`).
CommandResult RunCommand(const std::vector<std::string>& argv,
                         absl::Duration timeout = absl::Seconds(120));

// A long-running child process; stdout and stderr go to files.
class ChildProcess {
 public:
  ChildProcess(const std::vector<std::string>& argv, const std::string& dir);
  ~ChildProcess();  // SIGKILLs the process if still running
  pid_t pid() const { return pid_; }
  void Signal(int signal_number) const;
  // Exit code, or -1 when it did not exit within `timeout`.
  int Wait(absl::Duration timeout);
  std::string Stdout() const;
  std::string Stderr() const;

 private:
  pid_t pid_ = -1;
  int exit_code_ = -1;  // once reaped
  std::string out_path_;
  std::string err_path_;
};

// Polls `condition` every 50 ms until true or `timeout`.
bool WaitFor(const std::function<bool()>& condition, absl::Duration timeout);

// Every article stored in a SQLite store ("" on failure, see ADD_FAILURE).
std::vector<v1::Article> StoredArticles(const std::string& db_path);
int64_t StoredCount(const std::string& db_path);

// PIDs of newsflow-stage processes named `needle` ("RUN_DIR/clean.0", see
// --name), or whose name starts with `needle` when it ends in "/".
std::vector<pid_t> StageProcesses(const std::string& needle);

// Every live newsflow-stage process whose --name starts with `prefix`, as
// (name, pid): a restarted stage shows up under the same name, new pid.
std::vector<std::pair<std::string, pid_t>> NamedStageProcesses(
    const std::string& prefix);

std::string ReadFile(const std::string& path);

// The port a runner started with `metrics: { port: 0 }` serves on, read
// from its log; 0 when it says nothing within 20 s.
int MetricsPort(const ChildProcess& runner);

// GET http://127.0.0.1:port/path; the whole response, "" when refused.
std::string HttpGet(int port, const std::string& path);

}  // namespace newsflow::testing

#endif  // NEWSFLOW_TESTS_INTEGRATION_HARNESS_H_
