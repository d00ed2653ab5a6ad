#include "tests/support/test_https_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"

namespace newsflow::testing {
namespace {

namespace fs = std::filesystem;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Starts `argv` in `cwd` with stdin from /dev/null and stdout and stderr
// appended to `log`; -1 when fork fails.
pid_t Spawn(const std::vector<std::string>& argv, const std::string& cwd,
            const std::string& log) {
  std::vector<char*> args;
  for (const std::string& arg : argv) {
    args.push_back(const_cast<char*>(arg.c_str()));
  }
  args.push_back(nullptr);
  pid_t pid = fork();
  if (pid != 0) return pid;
  // Only async-signal-safe calls between fork and exec: the test process
  // has threads.
  // The server dies with the test, even when the test is killed.
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  int in = open("/dev/null", O_RDONLY);
  int out = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  if (in < 0 || out < 0 || chdir(cwd.c_str()) != 0) _exit(126);
  dup2(in, 0);
  dup2(out, 1);
  dup2(out, 2);
  execv(args[0], args.data());
  _exit(127);
}

// 127.0.0.1 port the kernel had free a moment ago (0 on failure). Another
// process may take it before s_server binds; StartServer then retries.
int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof(address);
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) == 0) {
    port = ntohs(address.sin_port);
  }
  close(fd);
  return port;
}

bool Accepts(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  const bool connected =
      connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  close(fd);
  return connected;
}

}  // namespace

bool HaveOpenssl() { return access(kOpensslBinary, X_OK) == 0; }

TestHttpsServer::TestHttpsServer(const std::string& common_name,
                                 const std::string& alt_names) {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = absl::StrCat(tmp != nullptr && *tmp ? tmp : "/tmp",
                                     "/newsflow-https-XXXXXX");
  if (mkdtemp(pattern.data()) == nullptr) {
    error_ = absl::StrCat("cannot create a folder like ", pattern);
    return;
  }
  dir_ = pattern;
  std::error_code ignored;
  fs::create_directory(dir_ + "/www", ignored);
  if (!HaveOpenssl()) {
    error_ = absl::StrCat(kOpensslBinary, " is not installed");
    return;
  }
  if (!MakeCertificate(common_name, alt_names)) return;
  for (int attempt = 0; attempt < 5 && !ok(); ++attempt) {
    const int port = FreePort();
    if (port != 0) StartServer(port);
  }
}

TestHttpsServer::~TestHttpsServer() {
  StopServer();
  if (!dir_.empty()) {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
}

std::string TestHttpsServer::Url(const std::string& path,
                                 const std::string& host) const {
  return absl::StrCat("https://", host, ":", port_, path);
}

void TestHttpsServer::Serve(const std::string& name,
                            const std::string& content) const {
  std::ofstream(dir_ + "/www/" + name, std::ios::binary) << content;
}

bool TestHttpsServer::MakeCertificate(const std::string& common_name,
                                      const std::string& alt_names) {
  const std::string log = dir_ + "/req.log";
  // A 1-day self-signed certificate whose names are only what was asked
  // for, so that a test controls which host names it matches.
  pid_t pid = Spawn({kOpensslBinary, "req", "-x509", "-newkey", "rsa:2048",
                     "-nodes", "-keyout", "key.pem", "-out", "cert.pem",
                     "-days", "1", "-subj", absl::StrCat("/CN=", common_name),
                     "-addext", absl::StrCat("subjectAltName=", alt_names)},
                    dir_, log);
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
      WEXITSTATUS(status) != 0) {
    error_ = absl::StrCat("openssl req failed: ", ReadAll(log));
    return false;
  }
  return true;
}

bool TestHttpsServer::StartServer(int port) {
  const std::string log = dir_ + "/server.log";
  // The key stays outside www/: -WWW serves any file under its folder.
  pid_t pid =
      Spawn({kOpensslBinary, "s_server", "-accept",
             absl::StrCat("127.0.0.1:", port), "-cert", dir_ + "/cert.pem",
             "-key", dir_ + "/key.pem", "-WWW", "-quiet"},
            dir_ + "/www", log);
  if (pid < 0) {
    error_ = "fork failed";
    return false;
  }
  pid_ = pid;
  port_ = port;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      // Most likely the port was taken in the meantime.
      pid_ = -1;
      error_ = absl::StrCat("openssl s_server exited: ", ReadAll(log));
      return false;
    }
    if (Accepts(port)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  StopServer();
  error_ = absl::StrCat("openssl s_server did not accept on port ", port,
                        " within 20s: ", ReadAll(log));
  return false;
}

void TestHttpsServer::StopServer() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

}  // namespace newsflow::testing
