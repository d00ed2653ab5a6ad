// The plugin SDK end to end, as a plugin author uses it: install newsflow,
// build the template out of tree against the installed CMake package,
// list it, insert it into a running pipeline by reload, and tail it.
#include <signal.h>
#include <stdlib.h>

#include <filesystem>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "common/article_json.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/harness.h"

namespace newsflow::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

TEST(PluginSdkTest, TemplateBuildsOutOfTreeAndJoinsARunningPipeline) {
  TempDir dir;
  const std::string prefix = dir.path() + "/prefix";
  CommandResult install = RunCommand(
      {"/usr/bin/cmake", "--install", NEWSFLOW_BINARY_DIR, "--prefix", prefix},
      absl::Seconds(120));
  ASSERT_EQ(install.exit_code, 0) << install.out << install.err;
  ASSERT_TRUE(fs::exists(prefix + "/include/newsflow/stage_plugin.h"));
  ASSERT_TRUE(fs::exists(prefix + "/lib/pkgconfig/newsflow-plugin.pc"));

  // A plugin author copies the template and renames the type.
  const std::string source = dir.path() + "/my-plugin";
  fs::copy(prefix + "/share/newsflow/examples/plugin-template", source);
  std::string code = ReadFile(source + "/title_case.cc");
  absl::StrReplaceAll({{"\"title_case\"", "\"shouty_titles\""}}, &code);
  dir.Write("my-plugin/title_case.cc", code);

  const std::string build = dir.path() + "/my-plugin-build";
  CommandResult configure = RunCommand(
      {"/usr/bin/cmake", "-S", source, "-B", build,
       "-DCMAKE_PREFIX_PATH=" + prefix, "-DCMAKE_BUILD_TYPE=Release"},
      absl::Seconds(120));
  ASSERT_EQ(configure.exit_code, 0) << configure.out << configure.err;
  CommandResult compile =
      RunCommand({"/usr/bin/cmake", "--build", build, "--parallel", "2"},
                 absl::Seconds(300));
  ASSERT_EQ(compile.exit_code, 0) << compile.out << compile.err;
  ASSERT_TRUE(fs::exists(build + "/title_case.so"));

  setenv("NEWSFLOW_PLUGIN_PATH", build.c_str(), 1);
  CommandResult listed = RunCommand({NewsflowBinary(), "plugins"});
  EXPECT_EQ(listed.exit_code, 0) << listed.out << listed.err;
  EXPECT_THAT(listed.out, HasSubstr("shouty_titles"));
  EXPECT_THAT(listed.out, HasSubstr(build + "/title_case.so"));

  // A running pipeline gains the stage by reload.
  TempDir inbox;
  auto config_text = [&](const std::string& middle,
                         const std::string& store_input) {
    return absl::StrCat("pipeline: sdk\nrun_dir: ", dir.path(),
                        "/run\nstages:\n", "  ingest: { type: ingest, paths: [",
                        inbox.path(),
                        "], watch: true, watch_interval_ms: 100 }\n", middle,
                        "  store: { type: store, inputs: [", store_input,
                        "], path: news.db }\n");
  };
  const std::string config =
      dir.Write("pipeline.yaml", config_text("", "ingest"));
  ChildProcess runner({NewsflowBinary(), "run", config}, dir.path());
  inbox.Write("first.txt", "quiet morning\n\nNothing happened at all.\n");
  ASSERT_TRUE(WaitFor([&] { return StoredCount(dir.path() + "/news.db") == 1; },
                      absl::Seconds(30)))
      << runner.Stderr();

  dir.Write("pipeline.yaml",
            config_text("  shout: { type: shouty_titles, inputs: [ingest] }\n",
                        "shout"));
  CommandResult reload = RunCommand({NewsflowBinary(), "reload", config});
  ASSERT_EQ(reload.exit_code, 0) << reload.err << runner.Stderr();

  TempDir tail_dir;
  ChildProcess tail({NewsflowBinary(), "tail", "shout", "-c", config, "-n", "1",
                     "--duration", "60"},
                    tail_dir.path());
  int n = 0;
  ASSERT_TRUE(WaitFor(
      [&] {
        // Distinct text: identical files are the same article (same id).
        inbox.Write(absl::StrCat("later-", n, ".txt"),
                    absl::StrCat("river levels fall\n\nThe river fell ", n,
                                 " centimetres overnight.\n"));
        ++n;
        absl::SleepFor(absl::Milliseconds(300));
        return !tail.Stdout().empty();
      },
      absl::Seconds(40)))
      << runner.Stderr();
  absl::StatusOr<v1::Article> tapped = ArticleFromJson(
      std::string(absl::StripAsciiWhitespace(tail.Stdout())), false);
  ASSERT_TRUE(tapped.ok()) << tapped.status();
  EXPECT_EQ(tapped->title(), "River Levels Fall") << tail.Stdout();
  EXPECT_THAT(tapped->metadata(),
              ::testing::Contains(::testing::Pair("shouty_titles", "applied")))
      << tail.Stdout();

  runner.Signal(SIGTERM);
  EXPECT_EQ(runner.Wait(absl::Seconds(30)), 0) << runner.Stderr();
  unsetenv("NEWSFLOW_PLUGIN_PATH");
}

}  // namespace
}  // namespace newsflow::testing
