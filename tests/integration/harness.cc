#include "tests/integration/harness.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "stages/store/article_db.h"

namespace newsflow::testing {
namespace fs = std::filesystem;

std::string NewsflowBinary() {
  return absl::StrCat(NEWSFLOW_BINARY_DIR, "/runner/newsflow");
}
std::string SourceDir() { return NEWSFLOW_SOURCE_DIR; }
std::string SharedDir() {
  std::error_code error;
  return fs::is_directory(NEWSFLOW_SHARED_DIR, error)
             ? fs::canonical(NEWSFLOW_SHARED_DIR).string()
             : "";
}

TempDir::TempDir() {
  // Short paths: ipc:// socket paths must stay under ~100 bytes.
  char pattern[] = "/tmp/nft-XXXXXX";
  char* made = mkdtemp(pattern);
  if (made == nullptr) {
    ADD_FAILURE() << "mkdtemp failed";
    return;
  }
  path_ = made;
}

TempDir::~TempDir() {
  std::error_code ignored;
  if (!path_.empty() && getenv("NEWSFLOW_KEEP_TEST_DIRS") == nullptr) {
    fs::remove_all(path_, ignored);
  }
}

std::string TempDir::Write(const std::string& name,
                           const std::string& content) const {
  std::string path = absl::StrCat(path_, "/", name);
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  return path;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

namespace {

pid_t Spawn(const std::vector<std::string>& argv, const std::string& out,
            const std::string& err) {
  pid_t pid = fork();
  if (pid == 0) {
    setpgid(0, 0);
    int out_fd = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err_fd = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int null_fd = open("/dev/null", O_RDONLY);
    dup2(null_fd, STDIN_FILENO);
    dup2(out_fd, STDOUT_FILENO);
    dup2(err_fd, STDERR_FILENO);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  return pid;
}

// Checks at least once, so a zero timeout polls.
int WaitPid(pid_t pid, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    int status = 0;
    pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) {
      if (WIFEXITED(status)) return WEXITSTATUS(status);
      return 128 + WTERMSIG(status);
    }
    if (absl::Now() >= deadline) return -1;
    absl::SleepFor(absl::Milliseconds(20));
  }
}

}  // namespace

CommandResult RunCommand(const std::vector<std::string>& argv,
                         absl::Duration timeout) {
  TempDir dir;
  std::string out = dir.path() + "/out", err = dir.path() + "/err";
  pid_t pid = Spawn(argv, out, err);
  CommandResult result;
  result.exit_code = WaitPid(pid, timeout);
  if (result.exit_code == -1) {
    kill(-pid, SIGKILL);
    waitpid(pid, nullptr, 0);
  }
  result.out = ReadFile(out);
  result.err = ReadFile(err);
  return result;
}

ChildProcess::ChildProcess(const std::vector<std::string>& argv,
                           const std::string& dir)
    : out_path_(dir + "/child.out"), err_path_(dir + "/child.err") {
  pid_ = Spawn(argv, out_path_, err_path_);
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0) {
    kill(-pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

void ChildProcess::Signal(int signal_number) const {
  if (pid_ > 0) kill(pid_, signal_number);
}

int ChildProcess::Wait(absl::Duration timeout) {
  if (pid_ <= 0) return exit_code_;  // already reaped
  int code = WaitPid(pid_, timeout);
  if (code != -1) {
    pid_ = -1;
    exit_code_ = code;
  }
  return code;
}

std::string ChildProcess::Stdout() const { return ReadFile(out_path_); }
std::string ChildProcess::Stderr() const { return ReadFile(err_path_); }

bool WaitFor(const std::function<bool()>& condition, absl::Duration timeout) {
  absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (condition()) return true;
    absl::SleepFor(absl::Milliseconds(50));
  }
  return condition();
}

std::vector<v1::Article> StoredArticles(const std::string& db_path) {
  std::vector<v1::Article> articles;
  auto db = ArticleDb::Open(db_path, ArticleDb::OpenMode::kReadOnly);
  if (!db.ok()) return articles;
  absl::Status status = (*db)->ForEach([&](const v1::Article& article) {
    articles.push_back(article);
    return absl::OkStatus();
  });
  if (!status.ok()) ADD_FAILURE() << status;
  return articles;
}

int64_t StoredCount(const std::string& db_path) {
  std::error_code error;
  if (!fs::exists(db_path, error)) return 0;
  auto db = ArticleDb::Open(db_path, ArticleDb::OpenMode::kReadOnly);
  if (!db.ok()) return 0;
  absl::StatusOr<int64_t> count = (*db)->Count();
  return count.ok() ? *count : 0;
}

std::vector<std::pair<std::string, pid_t>> NamedStageProcesses(
    const std::string& prefix) {
  std::vector<std::pair<std::string, pid_t>> found;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator("/proc", error)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || !isdigit(static_cast<unsigned char>(name[0]))) continue;
    std::string cmdline = ReadFile(entry.path().string() + "/cmdline");
    if (!absl::StrContains(cmdline, "newsflow-stage")) continue;
    std::vector<absl::string_view> args = absl::StrSplit(cmdline, '\0');
    for (size_t i = 0; i + 1 < args.size(); ++i) {
      if (args[i] == "--name" && absl::StartsWith(args[i + 1], prefix)) {
        found.emplace_back(std::string(args[i + 1]),
                           static_cast<pid_t>(std::stol(name)));
        break;
      }
    }
  }
  return found;
}

std::vector<pid_t> StageProcesses(const std::string& needle) {
  std::vector<pid_t> pids;
  for (const auto& [name, pid] : NamedStageProcesses(needle)) {
    if (name == needle || absl::EndsWith(needle, "/")) pids.push_back(pid);
  }
  return pids;
}

int MetricsPort(const ChildProcess& runner) {
  static const std::regex kServing(
      "serving http://127\\.0\\.0\\.1:([0-9]+)/metrics");
  int port = 0;
  WaitFor(
      [&] {
        std::smatch match;
        const std::string err = runner.Stderr();
        if (!std::regex_search(err, match, kServing)) return false;
        port = std::stoi(match[1].str());
        return true;
      },
      absl::Seconds(20));
  return port;
}

std::string HttpGet(int port, const std::string& path) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address = {};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) !=
      0) {
    close(fd);
    return "";
  }
  const std::string request =
      absl::StrCat("GET ", path, " HTTP/1.1\r\nHost: localhost\r\n\r\n");
  (void)!write(fd, request.data(), request.size());
  std::string response;
  char buffer[8192];
  ssize_t n;
  while ((n = read(fd, buffer, sizeof(buffer))) > 0) {
    response.append(buffer, static_cast<size_t>(n));
  }
  close(fd);
  return response;
}

}  // namespace newsflow::testing
