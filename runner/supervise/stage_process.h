// One stage replica's process, as the supervisor runs it: started by
// fork/exec of newsflow-stage with its launch spec on a pipe (never in a
// file: options may hold secrets), its stderr relayed line by line, and
// its counters kept across restarts.
#ifndef NEWSFLOW_RUNNER_SUPERVISE_STAGE_PROCESS_H_
#define NEWSFLOW_RUNNER_SUPERVISE_STAGE_PROCESS_H_

#include <sys/types.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "newsflow/v1/control.pb.h"

namespace newsflow {

// "exited with code 3", "was killed by signal 9 (Killed)", from a waitpid
// status.
std::string DescribeExit(int wait_status);

// A started stage process.
struct StageProcessHandle {
  pid_t pid = -1;
  int stderr_fd = -1;  // non-blocking read end of its stdout and stderr
};

// Starts `binary --spec-fd 3 --name process_name`, writes `launch_json` to
// its fd 3 and returns. The child stops (SIGTERM) when the runner dies and
// ignores SIGINT: the runner stops it. Errors: Unavailable when fork
// failed (worth retrying later), Internal when no pipe could be made. A
// spec that cannot be written is logged (naming `label`), and the process
// is left to fail like any crash. The caller ignores SIGPIPE (the runner
// does), or a child that dies before reading its spec kills the caller.
absl::StatusOr<StageProcessHandle> LaunchStageProcess(
    const std::string& binary, const std::string& process_name,
    const std::string& label, absl::string_view launch_json);

// A process's output, relayed line by line; the last lines are kept for
// failure reports.
class StderrRelay {
 public:
  using Emit = std::function<void(const std::string& line)>;

  void Attach(int fd) { fd_ = fd; }
  bool open() const { return fd_ >= 0; }
  int fd() const { return fd_; }

  // Reads what is there, emitting each whole line. At end of file (the
  // process exited) emits the unfinished line too and closes the fd.
  void Read(const Emit& emit);
  // Read() until now, then close regardless.
  void Drain(const Emit& emit);

  // The last lines, each on a new line indented by four spaces; empty
  // when there were none.
  std::string Tail() const;

 private:
  void Line(const Emit& emit, const std::string& line);

  int fd_ = -1;
  std::string partial_;
  std::deque<std::string> last_;
};

// Adds `from`'s per-input counters into `into`, matching inputs by name.
void AddSourceProgress(
    const google::protobuf::RepeatedPtrField<v1::SourceProgress>& from,
    google::protobuf::RepeatedPtrField<v1::SourceProgress>* into);

// A replica's counters: the current process's last report and the sum of
// its earlier processes, so restarts lose nothing.
struct ReplicaCounters {
  v1::StageReport current;
  v1::StageReport earlier;

  int64_t received() const { return earlier.received() + current.received(); }
  int64_t emitted() const { return earlier.emitted() + current.emitted(); }
  int64_t completed() const {
    return earlier.completed() + current.completed();
  }
  int64_t failed() const { return earlier.failed() + current.failed(); }

  // The current process ended: what it did joins the earlier processes.
  void ProcessEnded();
  // Both together, as status answers report them (the current process's
  // other fields as they are).
  v1::StageReport Totals() const;
};

}  // namespace newsflow

#endif  // NEWSFLOW_RUNNER_SUPERVISE_STAGE_PROCESS_H_
