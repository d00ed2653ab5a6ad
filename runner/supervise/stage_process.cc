#include "runner/supervise/stage_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "runner/observe/log.h"

namespace newsflow {
namespace {

// The file descriptor a stage process reads its launch spec from.
constexpr int kSpecFd = 3;
// Lines of output kept for failure reports.
constexpr size_t kTailLines = 10;

bool WriteAll(int fd, absl::string_view data) {
  while (!data.empty()) {
    ssize_t written = write(fd, data.data(), data.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<size_t>(written));
  }
  return true;
}

// In the child, between fork and exec: only async-signal-safe calls.
[[noreturn]] void ExecStage(const std::string& binary,
                            const std::string& process_name, pid_t parent,
                            int output_fd, int spec_fd) {
  // Stop (and flush) if the runner dies: a restarted runner starts
  // fresh processes, and sources resume from their journals.
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (getppid() != parent) _exit(0);
  dup2(output_fd, STDERR_FILENO);
  dup2(output_fd, STDOUT_FILENO);
  // The spec arrives on fd 3 (dup2 clears close-on-exec; fd 3 itself
  // needs it cleared by hand).
  if (spec_fd == kSpecFd) {
    fcntl(kSpecFd, F_SETFD, 0);
  } else {
    dup2(spec_fd, kSpecFd);
  }
  // Die with the runner rather than linger as an orphan.
  signal(SIGINT, SIG_IGN);
  const std::string spec_fd_text = std::to_string(kSpecFd);
  const char* argv[] = {binary.c_str(),       "--spec-fd",
                        spec_fd_text.c_str(), "--name",
                        process_name.c_str(), nullptr};
  execv(argv[0], const_cast<char* const*>(argv));
  fprintf(stderr, "error: cannot execute %s: %s\n", argv[0], strerror(errno));
  _exit(127);
}

}  // namespace

std::string DescribeExit(int status) {
  if (WIFEXITED(status))
    return absl::StrCat("exited with code ", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    return absl::StrCat("was killed by signal ", WTERMSIG(status), " (",
                        strsignal(WTERMSIG(status)), ")");
  }
  return "stopped";
}

absl::StatusOr<StageProcessHandle> LaunchStageProcess(
    const std::string& binary, const std::string& process_name,
    const std::string& label, absl::string_view launch_json) {
  int output_fds[2];
  if (pipe2(output_fds, O_CLOEXEC) != 0) {
    return absl::InternalError(absl::StrCat("pipe: ", strerror(errno)));
  }
  int spec_fds[2];
  if (pipe2(spec_fds, O_CLOEXEC) != 0) {
    const int error = errno;
    close(output_fds[0]);
    close(output_fds[1]);
    return absl::InternalError(absl::StrCat("pipe: ", strerror(error)));
  }
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    const int error = errno;
    for (int fd : {output_fds[0], output_fds[1], spec_fds[0], spec_fds[1]}) {
      close(fd);
    }
    return absl::UnavailableError(absl::StrCat("fork: ", strerror(error)));
  }
  if (pid == 0) {
    ExecStage(binary, process_name, parent, output_fds[1], spec_fds[0]);
  }
  close(output_fds[1]);
  close(spec_fds[0]);
  // The child reads the whole spec before anything else; if it died
  // first, the write fails (SIGPIPE is ignored) and the exit is reaped as
  // any crash.
  if (!WriteAll(spec_fds[1], launch_json)) {
    LogRunnerLine("warning", absl::StrCat("cannot pass the launch spec to ",
                                          label, ": ", strerror(errno)));
  }
  close(spec_fds[1]);
  fcntl(output_fds[0], F_SETFL, O_NONBLOCK);
  StageProcessHandle handle;
  handle.pid = pid;
  handle.stderr_fd = output_fds[0];
  return handle;
}

void StderrRelay::Line(const Emit& emit, const std::string& line) {
  emit(line);
  last_.push_back(line);
  if (last_.size() > kTailLines) last_.pop_front();
}

void StderrRelay::Read(const Emit& emit) {
  char buffer[8192];
  while (fd_ >= 0) {
    ssize_t n = read(fd_, buffer, sizeof(buffer));
    if (n > 0) {
      partial_.append(buffer, static_cast<size_t>(n));
      size_t newline;
      while ((newline = partial_.find('\n')) != std::string::npos) {
        Line(emit, partial_.substr(0, newline));
        partial_.erase(0, newline + 1);
      }
      continue;
    }
    if (n == 0) {  // the process closed its end: it has exited
      if (!partial_.empty()) {
        Line(emit, partial_);
        partial_.clear();
      }
      close(fd_);
      fd_ = -1;
    }
    return;
  }
}

void StderrRelay::Drain(const Emit& emit) {
  if (fd_ < 0) return;
  Read(emit);
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
}

std::string StderrRelay::Tail() const {
  std::string tail;
  for (const std::string& line : last_) absl::StrAppend(&tail, "\n    ", line);
  return tail;
}

void AddSourceProgress(
    const google::protobuf::RepeatedPtrField<v1::SourceProgress>& from,
    google::protobuf::RepeatedPtrField<v1::SourceProgress>* into) {
  for (const v1::SourceProgress& source : from) {
    v1::SourceProgress* target = nullptr;
    for (v1::SourceProgress& existing : *into) {
      if (existing.name() == source.name()) target = &existing;
    }
    if (target == nullptr) {
      target = into->Add();
      target->set_name(source.name());
    }
    target->set_seen(target->seen() + source.seen());
    target->set_added(target->added() + source.added());
    target->set_failed(target->failed() + source.failed());
    target->set_bytes_read(target->bytes_read() + source.bytes_read());
    target->set_bytes_total(target->bytes_total() + source.bytes_total());
  }
}

void ReplicaCounters::ProcessEnded() {
  earlier.set_received(earlier.received() + current.received());
  earlier.set_emitted(earlier.emitted() + current.emitted());
  earlier.set_completed(earlier.completed() + current.completed());
  earlier.set_failed(earlier.failed() + current.failed());
  earlier.set_busy_ns(earlier.busy_ns() + current.busy_ns());
  earlier.set_blocked_ns(earlier.blocked_ns() + current.blocked_ns());
  earlier.set_bytes_in(earlier.bytes_in() + current.bytes_in());
  earlier.set_bytes_out(earlier.bytes_out() + current.bytes_out());
  earlier.set_dead_letters(earlier.dead_letters() + current.dead_letters());
  // What an ended process had yet to read, its successor counts again (it
  // lists its input anew): only what it read stays in the total.
  for (v1::SourceProgress& source : *current.mutable_sources()) {
    source.set_bytes_total(source.bytes_read());
  }
  AddSourceProgress(current.sources(), earlier.mutable_sources());
  if (earlier.latency_buckets_size() == 0) {
    *earlier.mutable_latency_buckets() = current.latency_buckets();
  } else {
    for (int i = 0; i < earlier.latency_buckets_size() &&
                    i < current.latency_buckets_size();
         ++i) {
      earlier.set_latency_buckets(
          i, earlier.latency_buckets(i) + current.latency_buckets(i));
    }
  }
  earlier.set_peak_rss_kib(
      std::max(earlier.peak_rss_kib(), current.peak_rss_kib()));
  current.Clear();
}

v1::StageReport ReplicaCounters::Totals() const {
  v1::StageReport totals = current;
  totals.set_received(received());
  totals.set_emitted(emitted());
  totals.set_completed(completed());
  totals.set_failed(failed());
  totals.set_busy_ns(earlier.busy_ns() + current.busy_ns());
  totals.set_blocked_ns(earlier.blocked_ns() + current.blocked_ns());
  totals.set_bytes_in(earlier.bytes_in() + current.bytes_in());
  totals.set_bytes_out(earlier.bytes_out() + current.bytes_out());
  totals.set_dead_letters(earlier.dead_letters() + current.dead_letters());
  for (int i = 0;
       i < earlier.latency_buckets_size() && i < totals.latency_buckets_size();
       ++i) {
    totals.set_latency_buckets(
        i, totals.latency_buckets(i) + earlier.latency_buckets(i));
  }
  totals.clear_sources();
  AddSourceProgress(earlier.sources(), totals.mutable_sources());
  AddSourceProgress(current.sources(), totals.mutable_sources());
  return totals;
}

}  // namespace newsflow
