#include "runner/host/plugin_loader.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <tuple>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "common/install_layout.h"
#include "google/protobuf/util/json_util.h"

namespace newsflow {
namespace {

namespace fs = std::filesystem;

// Reads everything from `fd` until EOF or `deadline`.
bool ReadAll(int fd, absl::Time deadline, std::string* out) {
  fcntl(fd, F_SETFL, O_NONBLOCK);
  char buffer[4096];
  while (absl::Now() < deadline) {
    ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n > 0) {
      out->append(buffer, static_cast<size_t>(n));
    } else if (n == 0) {
      return true;
    } else if (errno == EAGAIN || errno == EINTR) {
      absl::SleepFor(absl::Milliseconds(5));
    } else {
      return true;
    }
  }
  return false;
}

}  // namespace

std::vector<std::string> PluginSearchPath(
    const std::vector<std::string>& config_plugin_paths) {
  std::vector<std::string> folders = config_plugin_paths;
  if (const char* env = getenv("NEWSFLOW_PLUGIN_PATH"); env != nullptr) {
    for (absl::string_view folder :
         absl::StrSplit(env, ':', absl::SkipEmpty())) {
      folders.emplace_back(folder);
    }
  }
  for (std::string& shipped : ShippedPluginDirs()) {
    folders.push_back(std::move(shipped));
  }
  return folders;
}

std::vector<std::string> FindPluginLibraries(
    const std::vector<std::string>& folders) {
  std::vector<std::string> libraries;
  absl::flat_hash_set<std::string> seen;
  for (const auto& folder : folders) {
    std::error_code error;
    std::vector<std::string> here;
    for (const auto& entry : fs::directory_iterator(folder, error)) {
      if (entry.path().extension() != ".so") continue;
      std::error_code ignored;
      std::string path =
          fs::absolute(entry.path(), ignored).lexically_normal().string();
      if (seen.insert(path).second) here.push_back(path);
    }
    std::sort(here.begin(), here.end());
    libraries.insert(libraries.end(), here.begin(), here.end());
  }
  return libraries;
}

absl::StatusOr<const nf_plugin_descriptor*> LoadPluginLibrary(
    const std::string& path, StageRegistry* registry) {
  std::error_code error;
  if (!fs::exists(path, error)) {
    return absl::NotFoundError(
        absl::StrCat(path, ": plugin library not found"));
  }
  // RTLD_LOCAL: a plugin's symbols (its protobuf copy, say) never replace
  // another plugin's. RTLD_NOW: missing symbols fail here, not mid-stream.
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* error_text = dlerror();
    // dlerror() usually starts with the path again; say it once.
    absl::string_view reason =
        error_text != nullptr ? error_text : "unknown error";
    absl::ConsumePrefix(&reason, absl::StrCat(path, ": "));
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": dlopen failed: ", reason));
  }
  dlerror();
  auto entry = reinterpret_cast<nf_plugin_entry_fn>(
      dlsym(handle, NEWSFLOW_PLUGIN_ENTRY_POINT));
  if (entry == nullptr) {
    dlclose(handle);
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": not a newsflow plugin: it does not export ",
                     NEWSFLOW_PLUGIN_ENTRY_POINT, "()"));
  }
  const nf_plugin_descriptor* descriptor = entry();
  absl::Status status = registry->AddPlugin(descriptor, path, path);
  if (!status.ok()) {
    dlclose(handle);
    return status;
  }
  return descriptor;
}

namespace {

struct ChildOutput {
  int status = 0;
  std::string out;
  std::string err;
};

// Runs `stage_binary ARGS...` with `input` on its standard input and
// collects its output. `library` and `doing` ("loading") name the plugin
// and the step in errors: a hang past
// `timeout` or a crash is an error, any exit code is the caller's to read.
absl::StatusOr<ChildOutput> RunStageBinary(const std::string& stage_binary,
                                           const std::vector<std::string>& args,
                                           const std::string& input,
                                           const std::string& library,
                                           absl::string_view doing,
                                           absl::Duration timeout) {
  int in_pipe[2], out_pipe[2], err_pipe[2];
  if (pipe2(in_pipe, O_CLOEXEC) != 0 || pipe2(out_pipe, O_CLOEXEC) != 0 ||
      pipe2(err_pipe, O_CLOEXEC) != 0) {
    return absl::InternalError(absl::StrCat("pipe: ", strerror(errno)));
  }
  std::vector<const char*> argv = {stage_binary.c_str()};
  for (const auto& arg : args) argv.push_back(arg.c_str());
  argv.push_back(nullptr);
  pid_t pid = fork();
  if (pid < 0) {
    return absl::InternalError(absl::StrCat("fork: ", strerror(errno)));
  }
  if (pid == 0) {
    dup2(in_pipe[0], STDIN_FILENO);
    dup2(out_pipe[1], STDOUT_FILENO);
    dup2(err_pipe[1], STDERR_FILENO);
    execv(argv[0], const_cast<char* const*>(argv.data()));
    fprintf(stderr, "cannot execute %s: %s", argv[0], strerror(errno));
    _exit(127);
  }
  close(in_pipe[0]);
  close(out_pipe[1]);
  close(err_pipe[1]);
  // Options are small (well under a pipe's buffer); a child that exits
  // without reading makes this fail, which its exit status then explains.
  (void)!write(in_pipe[1], input.data(), input.size());
  close(in_pipe[1]);
  const absl::Time deadline = absl::Now() + timeout;
  ChildOutput output;
  bool finished = ReadAll(out_pipe[0], deadline, &output.out);
  finished = finished && ReadAll(err_pipe[0], deadline, &output.err);
  close(out_pipe[0]);
  close(err_pipe[0]);
  if (!finished) kill(pid, SIGKILL);
  waitpid(pid, &output.status, 0);
  if (!finished) {
    return absl::DeadlineExceededError(
        absl::StrCat(library, ": plugin did not finish ", doing, " within ",
                     absl::FormatDuration(timeout), " (killed)"));
  }
  if (WIFSIGNALED(output.status)) {
    return absl::AbortedError(
        absl::StrCat(library, ": plugin crashed while ", doing, " (",
                     strsignal(WTERMSIG(output.status)), ")"));
  }
  return output;
}

// What identifies one build of a library file: a rebuilt or replaced file
// differs in inode, size or modification time. Empty when it cannot be
// read (nothing is remembered then).
std::string FileIdentity(const std::string& path) {
  struct stat info;
  if (stat(path.c_str(), &info) != 0) return "";
  // ctime too: a copy that keeps the inode and restores mtime (cp -p of a
  // build of the same size) still changes it.
  return absl::StrCat(info.st_dev, ":", info.st_ino, ":", info.st_size, ":",
                      info.st_mtim.tv_sec, ".", info.st_mtim.tv_nsec, ":",
                      info.st_ctim.tv_sec, ".", info.st_ctim.tv_nsec);
}

// The answers of child processes that ran to completion, per process: one
// command reads a config more than once (checking it, then planning), and
// each stage of a type with the same options is validated alike, so a
// child per question is enough. Keys include the files' identities. Only
// validations that found nothing are kept: a plugin's check may read other
// files (a password file), and a problem the operator has since fixed must
// not outlive a reload.
struct ChildAnswers {
  std::mutex mutex;
  std::map<std::string, v1::PluginDescription> descriptions;
  std::map<std::string, std::vector<OptionProblem>> validations;
};

ChildAnswers& Answers() {
  static ChildAnswers* answers = new ChildAnswers;
  return *answers;
}

// The key of a question about `library` asked through `stage_binary`;
// empty when either file cannot be identified.
std::string AnswerKey(const std::string& stage_binary,
                      const std::string& library,
                      std::initializer_list<absl::string_view> rest) {
  const std::string binary_id = FileIdentity(stage_binary);
  const std::string library_id = FileIdentity(library);
  if (binary_id.empty() || library_id.empty()) return "";
  std::string key =
      absl::StrCat(stage_binary.size(), ":", stage_binary, binary_id, "|",
                   library.size(), ":", library, library_id);
  for (absl::string_view part : rest) {
    absl::StrAppend(&key, "|", part.size(), ":", part);
  }
  return key;
}

absl::StatusOr<v1::PluginDescription> InspectInChild(
    const std::string& path, const std::string& stage_binary,
    absl::Duration timeout) {
  absl::StatusOr<ChildOutput> child = RunStageBinary(
      stage_binary, {"--describe", path}, "", path, "loading", timeout);
  if (!child.ok()) return child.status();
  if (!WIFEXITED(child->status) || WEXITSTATUS(child->status) != 0) {
    std::string reason(absl::StripAsciiWhitespace(child->err));
    if (reason.empty()) reason = absl::StrCat(path, ": inspection failed");
    return absl::FailedPreconditionError(reason);
  }
  v1::PluginDescription description;
  auto parsed =
      google::protobuf::util::JsonStringToMessage(child->out, &description);
  if (!parsed.ok()) {
    return absl::InternalError(absl::StrCat(
        path,
        ": unreadable plugin description: ", std::string(parsed.message())));
  }
  description.set_library(path);
  return description;
}

// A failure to run the child: one problem without a field path.
std::vector<OptionProblem> ValidateInChild(const std::string& library,
                                           const std::string& type_name,
                                           const std::string& options_json,
                                           const std::string& stage_binary,
                                           absl::Duration timeout,
                                           bool* answered) {
  *answered = false;
  absl::StatusOr<ChildOutput> child =
      RunStageBinary(stage_binary, {"--validate", library, type_name},
                     options_json, library, "validating", timeout);
  if (!child.ok()) return {{"", std::string(child.status().message())}};
  v1::OptionProblemList list;
  if (!WIFEXITED(child->status) ||
      !google::protobuf::util::JsonStringToMessage(child->out, &list).ok()) {
    std::string reason(absl::StripAsciiWhitespace(child->err));
    return {{"", reason.empty()
                     ? absl::StrCat(library, ": validation failed to run")
                     : reason}};
  }
  std::vector<OptionProblem> problems;
  for (const auto& problem : list.problems()) {
    problems.push_back({problem.field_path(), problem.message()});
  }
  *answered = true;
  return problems;
}

}  // namespace

absl::StatusOr<v1::PluginDescription> InspectPluginLibrary(
    const std::string& path, const std::string& stage_binary,
    absl::Duration timeout) {
  const std::string key = AnswerKey(stage_binary, path, {"describe"});
  ChildAnswers& answers = Answers();
  if (!key.empty()) {
    std::lock_guard<std::mutex> lock(answers.mutex);
    auto known = answers.descriptions.find(key);
    if (known != answers.descriptions.end()) return known->second;
  }
  absl::StatusOr<v1::PluginDescription> description =
      InspectInChild(path, stage_binary, timeout);
  if (description.ok() && !key.empty()) {
    std::lock_guard<std::mutex> lock(answers.mutex);
    answers.descriptions[key] = *description;
  }
  return description;
}

std::vector<OptionProblem> ValidateInPluginProcess(
    const std::string& library, const std::string& type_name,
    const std::string& options_json, const std::string& stage_binary,
    absl::Duration timeout) {
  const std::string key =
      AnswerKey(stage_binary, library, {"validate", type_name, options_json});
  ChildAnswers& answers = Answers();
  if (!key.empty()) {
    std::lock_guard<std::mutex> lock(answers.mutex);
    auto known = answers.validations.find(key);
    if (known != answers.validations.end()) return known->second;
  }
  bool answered = false;
  std::vector<OptionProblem> problems = ValidateInChild(
      library, type_name, options_json, stage_binary, timeout, &answered);
  if (answered && problems.empty() && !key.empty()) {
    std::lock_guard<std::mutex> lock(answers.mutex);
    answers.validations[key] = problems;
  }
  return problems;
}

StageRegistry RegistryWithPlugins(
    const std::vector<std::string>& config_plugin_paths,
    const std::string& stage_binary) {
  StageRegistry registry = StageRegistry::WithBuiltins();
  for (const auto& library :
       FindPluginLibraries(PluginSearchPath(config_plugin_paths))) {
    absl::StatusOr<v1::PluginDescription> description =
        InspectPluginLibrary(library, stage_binary);
    absl::Status status = description.ok() ? registry.AddDescribed(*description)
                                           : description.status();
    if (!status.ok()) {
      registry.AddBroken(BrokenPlugin{library, std::string(status.message())});
      continue;
    }
    for (const auto& type : description->types()) {
      if (!type.has_validate()) continue;
      registry.SetValidator(type.name(),
                            [library, name = type.name(),
                             stage_binary](const std::string& options_json) {
                              return ValidateInPluginProcess(
                                  library, name, options_json, stage_binary);
                            });
    }
  }
  return registry;
}

}  // namespace newsflow
