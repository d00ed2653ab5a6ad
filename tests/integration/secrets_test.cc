// Secrets and run folders on a shared machine: a planted database password
// must appear in no file the run writes, no output (logs, graph, top, tail,
// /metrics) and no command line; run folders are private (0700, ours, not a
// symlink) or refused, and removed on a clean stop.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/harness.h"

namespace newsflow::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kUrlPassword[] = "Planted-Url-Secret-4f1d";
constexpr char kFilePassword[] = "Planted-File-Secret-9c2e";

class SecretsTest : public ::testing::Test {
 protected:
  std::string RunDir() const { return dir_.path() + "/run"; }

  // Two PostgreSQL stores nobody answers for (port 1): one with the
  // password in its URL, one with a password_file. They fail, log and are
  // restarted, which is where a leak would show.
  std::string WriteConfig() {
    dir_.Write("articles/a.txt", "A headline\n\nA body of words for a test.\n");
    const std::string password_file =
        dir_.Write("pg-password", absl::StrCat(kFilePassword, "\n"));
    chmod(password_file.c_str(), 0600);
    return dir_.Write(
        "pipeline.yaml",
        absl::StrCat(
            "pipeline: secrets\nrun_dir: ", RunDir(),
            "\nstate_dir: ", dir_.path(), "/state\nmetrics: { port: 0 }\n",
            // Keeps restarting the failing stores while the test looks.
            "restart: { max_restarts: 1000 }\n", "stages:\n",
            "  ingest: { type: ingest, paths: [articles] }\n",
            "  clean:  { type: clean, inputs: [ingest] }\n",
            "  pg_url: { type: store, inputs: [clean], url: "
            "\"postgresql://news:",
            kUrlPassword, "@127.0.0.1:1/news?connect_timeout=1\" }\n",
            "  pg_file: { type: store, inputs: [clean], url: "
            "\"postgresql://news@127.0.0.1:1/news\", password_file: ",
            password_file, " }\n"));
  }

  TempDir dir_;
};

void ExpectNoSecret(const std::string& where, const std::string& text) {
  EXPECT_THAT(text, Not(HasSubstr(kUrlPassword))) << where;
  EXPECT_THAT(text, Not(HasSubstr(kFilePassword))) << where;
}

TEST_F(SecretsTest, APlantedPasswordLeaksNowhere) {
  const std::string config = WriteConfig();
  ChildProcess runner({NewsflowBinary(), "run", config}, dir_.path());
  const int port = MetricsPort(runner);
  ASSERT_GT(port, 0) << runner.Stderr();
  // Both stores have failed to connect (and been restarted) at least once.
  ASSERT_TRUE(WaitFor(
      [&] {
        const std::string err = runner.Stderr();
        return absl::StrContains(err, "restarting pg_url.0") &&
               absl::StrContains(err, "restarting pg_file.0");
      },
      absl::Seconds(30)))
      << runner.Stderr();

  struct stat st;
  ASSERT_EQ(lstat(RunDir().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0700u);

  // Every command line of the pipeline's processes.
  std::vector<pid_t> stages = StageProcesses(RunDir() + "/");
  EXPECT_FALSE(stages.empty());
  for (pid_t pid : stages) {
    ExpectNoSecret(absl::StrCat("cmdline of ", pid),
                   ReadFile(absl::StrCat("/proc/", pid, "/cmdline")));
  }
  ExpectNoSecret("cmdline of the runner",
                 ReadFile(absl::StrCat("/proc/", runner.pid(), "/cmdline")));

  // What an operator looks at.
  ExpectNoSecret("/metrics", HttpGet(port, "/metrics"));
  ExpectNoSecret("/health", HttpGet(port, "/health"));
  CommandResult graph = RunCommand({NewsflowBinary(), "graph", config});
  EXPECT_EQ(graph.exit_code, 0) << graph.err;
  ExpectNoSecret("graph", graph.out + graph.err);
  CommandResult top =
      RunCommand({NewsflowBinary(), "top", "-c", config, "--once", "--json"},
                 absl::Seconds(30));
  EXPECT_EQ(top.exit_code, 0) << top.err;
  ExpectNoSecret("top", top.out + top.err);
  CommandResult tail = RunCommand(
      {NewsflowBinary(), "tail", "clean", "-c", config, "--duration", "1"},
      absl::Seconds(30));
  ExpectNoSecret("tail", tail.out + tail.err);
  CommandResult validate = RunCommand({NewsflowBinary(), "validate", config});
  ExpectNoSecret("validate", validate.out + validate.err);

  // Every file the run wrote, while it runs and after it stopped.
  auto expect_no_file_leaks = [&](const std::string& when) {
    for (const auto& entry : fs::recursive_directory_iterator(dir_.path())) {
      if (!entry.is_regular_file()) continue;
      const std::string path = entry.path().string();
      // The user's own files: the config and the password file.
      if (path == config || path == dir_.path() + "/pg-password") continue;
      ExpectNoSecret(absl::StrCat(when, ": ", path), ReadFile(path));
    }
  };
  expect_no_file_leaks("running");

  runner.Signal(SIGTERM);
  EXPECT_EQ(runner.Wait(absl::Seconds(30)), 0) << runner.Stderr();
  ExpectNoSecret("runner output", runner.Stdout() + runner.Stderr());
  expect_no_file_leaks("stopped");
  EXPECT_FALSE(fs::exists(RunDir())) << "run folder left after a clean stop";
}

TEST_F(SecretsTest, ARunFolderOthersCouldWriteIsRefused) {
  const std::string config = WriteConfig();
  fs::create_directories(RunDir());
  chmod(RunDir().c_str(), 0775);
  CommandResult run = RunCommand({NewsflowBinary(), "run", config, "--once"},
                                 absl::Seconds(30));
  EXPECT_EQ(run.exit_code, 2) << run.out << run.err;
  EXPECT_THAT(run.err, HasSubstr(absl::StrCat("refusing run folder ", RunDir(),
                                              ": its mode is 0775, not 0700")));
  EXPECT_TRUE(fs::exists(RunDir()));
}

TEST_F(SecretsTest, AnOwnRunFolderOthersCouldOnlyReadIsClosed) {
  // What older versions left behind: ours, 0755. Nobody else could write
  // into it, so it is closed rather than refused, and the run goes on.
  const std::string config = WriteConfig();
  fs::create_directories(RunDir());
  chmod(RunDir().c_str(), 0755);
  ChildProcess runner({NewsflowBinary(), "run", config}, dir_.path());
  ASSERT_TRUE(
      WaitFor([&] { return absl::StrContains(runner.Stderr(), "running: "); },
              absl::Seconds(20)))
      << runner.Stderr();
  EXPECT_THAT(runner.Stderr(),
              HasSubstr(absl::StrCat("run folder ", RunDir(),
                                     " was mode 0755; now 0700")));
  struct stat st;
  ASSERT_EQ(lstat(RunDir().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0700u);
  runner.Signal(SIGTERM);
  runner.Wait(absl::Seconds(30));
}

TEST_F(SecretsTest, ARunFolderThatIsASymlinkIsRefused) {
  const std::string config = WriteConfig();
  fs::create_directories(dir_.path() + "/elsewhere");
  chmod((dir_.path() + "/elsewhere").c_str(), 0700);
  fs::create_directory_symlink(dir_.path() + "/elsewhere", RunDir());
  CommandResult run = RunCommand({NewsflowBinary(), "run", config, "--once"},
                                 absl::Seconds(30));
  EXPECT_EQ(run.exit_code, 2) << run.out << run.err;
  EXPECT_THAT(run.err, HasSubstr(absl::StrCat("refusing run folder ", RunDir(),
                                              ": it is a symbolic link")));
}

TEST_F(SecretsTest, ARunFolderOfAnotherUserIsRefused) {
  const std::string config = WriteConfig();
  fs::create_directories(RunDir());
  chmod(RunDir().c_str(), 0700);
  const uid_t other = getuid() == 65534 ? 65533 : 65534;
  if (chown(RunDir().c_str(), other, other) != 0) {
    GTEST_SKIP() << "cannot give a folder to another user without root";
  }
  CommandResult run = RunCommand({NewsflowBinary(), "run", config, "--once"},
                                 absl::Seconds(30));
  EXPECT_EQ(run.exit_code, 2) << run.out << run.err;
  EXPECT_THAT(run.err, HasSubstr(absl::StrCat("refusing run folder ", RunDir(),
                                              ": it belongs to uid ", other)));
}

TEST_F(SecretsTest, APasswordFileOthersMayReadIsRefused) {
  const std::string config = WriteConfig();
  chmod((dir_.path() + "/pg-password").c_str(), 0644);
  ChildProcess runner({NewsflowBinary(), "run", config}, dir_.path());
  EXPECT_TRUE(WaitFor(
      [&] {
        return absl::StrContains(runner.Stderr(),
                                 "group or others may read it (mode 0644)");
      },
      absl::Seconds(30)))
      << runner.Stderr();
  runner.Signal(SIGTERM);
  runner.Wait(absl::Seconds(30));
  ExpectNoSecret("run", runner.Stdout() + runner.Stderr());
}

}  // namespace
}  // namespace newsflow::testing
