#include "runner/observe/graph.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"

namespace newsflow {
namespace {

// Text inside a DOT double-quoted string.
std::string Quote(absl::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c == '\n' ? ' ' : c;
  }
  out += "\"";
  return out;
}

// A label's lines; DOT's own escapes (\n centred, \l left-justified) are
// added here, after the text itself has been escaped.
std::string Label(const std::vector<std::string>& centred,
                  const std::vector<std::string>& left) {
  std::string label = "\"";
  auto escaped = [](absl::string_view text) {
    std::string quoted = Quote(text);
    return quoted.substr(1, quoted.size() - 2);
  };
  for (const auto& line : centred)
    absl::StrAppend(&label, escaped(line), "\\n");
  for (const auto& line : left) absl::StrAppend(&label, escaped(line), "\\l");
  label += "\"";
  return label;
}

std::string Rate(double per_second) {
  if (per_second >= 1e4) return absl::StrFormat("%.1fk/s", per_second / 1e3);
  if (per_second > 0 && per_second < 10) {
    return absl::StrFormat("%.1f/s", per_second);
  }
  return absl::StrFormat("%.0f/s", per_second);
}

}  // namespace

std::string PipelineDot(const PipelinePlan& plan, const PipelineView* live) {
  std::string dot =
      absl::StrCat("digraph ", Quote(plan.pipeline), " {\n", "  rankdir=LR;\n",
                   "  graph [fontname=\"Helvetica\", label=",
                   Quote(absl::StrCat("pipeline ", plan.pipeline,
                                      live != nullptr ? " (live)" : "")),
                   ", labelloc=t];\n",
                   "  node [shape=box, style=rounded, fontname=\"Helvetica\", "
                   "fontsize=10];\n",
                   "  edge [fontname=\"Helvetica\", fontsize=9];\n");
  for (const auto& stage : plan.stages) {
    const StageView* view =
        live != nullptr ? live->FindStage(stage.name) : nullptr;
    std::vector<std::string> centred = {
        stage.name,
        absl::StrCat("type: ", stage.type,
                     stage.kind == NF_STAGE_SOURCE ? " (source)"
                     : stage.kind == NF_STAGE_SINK ? " (sink)"
                                                   : ""),
        absl::StrCat(stage.replicas.size(),
                     stage.replicas.size() == 1 ? " replica" : " replicas")};
    if (view != nullptr) {
      centred.push_back(absl::StrFormat("busy %.0f%%, blocked %.0f%%",
                                        view->busy_share * 100,
                                        view->blocked_share * 100));
      if (view->bottleneck) centred.push_back("BOTTLENECK");
    }
    std::vector<std::string> left;
    for (const auto& replica : stage.replicas) {
      if (!replica.input_endpoint.empty()) {
        left.push_back(
            absl::StrCat(replica.index, " in:  ", replica.input_endpoint));
      }
      left.push_back(
          absl::StrCat(replica.index, " tap: ", replica.tap_endpoint));
    }
    std::string attributes = absl::StrCat("label=", Label(centred, left));
    if (stage.kind == NF_STAGE_SINK) {
      absl::StrAppend(&attributes, ", shape=cylinder, style=solid");
    }
    if (view != nullptr && view->bottleneck) {
      absl::StrAppend(&attributes, ", color=red, fontcolor=red, penwidth=2");
    }
    absl::StrAppend(&dot, "  ", Quote(stage.name), " [", attributes, "];\n");
  }
  for (const auto& stage : plan.stages) {
    const StageView* consumer =
        live != nullptr ? live->FindStage(stage.name) : nullptr;
    for (const auto& input : stage.inputs) {
      std::string attributes;
      const StageView* producer =
          live != nullptr ? live->FindStage(input) : nullptr;
      if (producer != nullptr) {
        std::vector<std::string> lines = {Rate(producer->out_per_second)};
        if (consumer != nullptr && consumer->queue_messages.value_or(0) > 0) {
          lines.push_back(absl::StrCat("queue ", *consumer->queue_messages));
        }
        attributes = absl::StrCat(" [label=", Label(lines, {}), "]");
      }
      absl::StrAppend(&dot, "  ", Quote(input), " -> ", Quote(stage.name),
                      attributes, ";\n");
    }
  }
  dot += "}\n";
  return dot;
}

bool DotAvailable() {
  const char* path = getenv("PATH");
  if (path == nullptr) return false;
  for (absl::string_view dir : absl::StrSplit(path, ':', absl::SkipEmpty())) {
    const std::string candidate = absl::StrCat(dir, "/dot");
    if (access(candidate.c_str(), X_OK) == 0) return true;
  }
  return false;
}

absl::Status WriteSvg(const std::string& dot_source, const std::string& path) {
  if (!DotAvailable()) {
    return absl::FailedPreconditionError(
        "Graphviz is not installed (no `dot` on PATH); install it (Debian: "
        "apt-get install graphviz) or render the DOT output elsewhere");
  }
  // dot may exit before reading everything; that is its error to report.
  signal(SIGPIPE, SIG_IGN);
  int input[2], errors[2];
  if (pipe2(input, O_CLOEXEC) != 0) {
    return absl::InternalError(absl::StrCat("pipe: ", strerror(errno)));
  }
  if (pipe2(errors, O_CLOEXEC) != 0) {
    close(input[0]);
    close(input[1]);
    return absl::InternalError(absl::StrCat("pipe: ", strerror(errno)));
  }
  pid_t pid = fork();
  if (pid == 0) {
    dup2(input[0], STDIN_FILENO);
    dup2(errors[1], STDERR_FILENO);
    const char* argv[] = {"dot", "-Tsvg", "-o", path.c_str(), nullptr};
    execvp(argv[0], const_cast<char* const*>(argv));
    _exit(127);
  }
  close(input[0]);
  close(errors[1]);
  if (pid < 0) {
    close(input[1]);
    close(errors[0]);
    return absl::InternalError(absl::StrCat("fork: ", strerror(errno)));
  }
  size_t written = 0;
  while (written < dot_source.size()) {
    ssize_t n = write(input[1], dot_source.data() + written,
                      dot_source.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    written += static_cast<size_t>(n);
  }
  close(input[1]);
  std::string messages;
  char buffer[4096];
  ssize_t n;
  while ((n = read(errors[0], buffer, sizeof(buffer))) != 0) {
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    messages.append(buffer, static_cast<size_t>(n));
  }
  close(errors[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return absl::InternalError(absl::StrCat(
        "dot -Tsvg failed: ", messages.empty() ? "no message" : messages));
  }
  return absl::OkStatus();
}

}  // namespace newsflow
