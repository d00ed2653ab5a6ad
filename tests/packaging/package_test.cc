// The Debian package as a user gets it: built by CPack from this build
// tree, unpacked into a temporary root (dpkg-deb -x), run from outside the
// source tree on the shipped example pipeline, and used to build the plugin
// template. It must find its stage host, plugins and models relative to its
// own prefix, declare its shared-library dependencies, and pass lintian
// without errors.
#include <stdlib.h>

#include <filesystem>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/harness.h"

namespace newsflow::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

class PackageTest : public ::testing::Test {
 protected:
  // One package for every case: building it strips and compresses ~40 MB.
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    CommandResult built =
        RunCommand({"/usr/bin/cpack", "--config",
                    std::string(NEWSFLOW_BINARY_DIR) + "/CPackConfig.cmake",
                    "-G", "DEB", "-B", dir_->path() + "/out"},
                   absl::Seconds(600));
    ASSERT_EQ(built.exit_code, 0) << built.out << built.err;
    for (const auto& entry : fs::directory_iterator(dir_->path() + "/out")) {
      if (entry.path().extension() == ".deb") deb_ = entry.path().string();
    }
    ASSERT_FALSE(deb_.empty()) << built.out;
    root_ = dir_->path() + "/root";
    CommandResult extracted =
        RunCommand({"/usr/bin/dpkg-deb", "-x", deb_, root_});
    ASSERT_EQ(extracted.exit_code, 0) << extracted.err;
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  void SetUp() override {
    ASSERT_FALSE(root_.empty()) << "the package was not built";
    // Nothing may point the installed binary back at the build tree.
    unsetenv("NEWSFLOW_PLUGIN_PATH");
    unsetenv("NEWSFLOW_STAGE_BIN");
  }
  static std::string Installed(const std::string& path) {
    return root_ + "/usr/" + path;
  }

  static TempDir* dir_;
  static std::string deb_;
  static std::string root_;
};
TempDir* PackageTest::dir_ = nullptr;
std::string PackageTest::deb_;
std::string PackageTest::root_;

TEST_F(PackageTest, IsNamedByVersionAndDeclaresItsLibraries) {
  EXPECT_TRUE(
      absl::EndsWith(deb_, "/newsflow_" NEWSFLOW_TEST_VERSION "_amd64.deb"))
      << deb_;
  CommandResult info = RunCommand({"/usr/bin/dpkg-deb", "-I", deb_});
  ASSERT_EQ(info.exit_code, 0) << info.err;
  // Computed by dpkg-shlibdeps from what the binaries load.
  EXPECT_THAT(info.out, HasSubstr("Depends:"));
  for (const char* library : {"libc6", "libzmq5", "libsqlite3-0", "libcurl4",
                              "libyaml-cpp0.7", "libstemmer0d"}) {
    EXPECT_THAT(info.out, HasSubstr(library));
  }
  EXPECT_THAT(info.out, HasSubstr("postinst"));
}

TEST_F(PackageTest, HoldsBinariesPluginsModelsSdkDocsAndTheServiceUnit) {
  for (const char* path :
       {"bin/newsflow", "bin/newsflow-stage", "lib/newsflow/plugins/filter.so",
        "lib/newsflow/plugins/jsonl_sink.so",
        "lib/newsflow/plugins/reading_time.so",
        "lib/newsflow/plugins/title_case.so", "share/newsflow/models/ner.bin",
        "share/newsflow/models/keyword_df.tsv",
        "include/newsflow/stage_plugin.h", "include/newsflow/stage.h",
        "lib/cmake/newsflow/newsflowConfig.cmake",
        "lib/pkgconfig/newsflow-plugin.pc",
        "share/newsflow/examples/plugin-template/CMakeLists.txt",
        "share/newsflow/examples/pipeline.yaml", "share/man/man1/newsflow.1.gz",
        "share/doc/newsflow/copyright", "lib/systemd/system/newsflow@.service",
        "lib/sysusers.d/newsflow.conf"}) {
    EXPECT_TRUE(fs::exists(Installed(path))) << path;
  }
  std::string unit =
      ReadFile(Installed("lib/systemd/system/newsflow@.service"));
  EXPECT_THAT(unit, HasSubstr("ExecStart=/usr/bin/newsflow run "
                              "/etc/newsflow/%i.yaml"));
  EXPECT_THAT(unit, HasSubstr("User=newsflow"));
  EXPECT_THAT(unit, HasSubstr("StateDirectory=newsflow/%i"));
  EXPECT_THAT(unit, HasSubstr("Restart=on-failure"));
}

TEST_F(PackageTest, FindsItsOwnPluginsAndModelsOutsideTheSourceTree) {
  CommandResult paths = RunCommand({Installed("bin/newsflow"), "paths"});
  ASSERT_EQ(paths.exit_code, 0) << paths.out << paths.err;
  EXPECT_THAT(paths.out, HasSubstr(Installed("bin/newsflow-stage")));
  EXPECT_THAT(paths.out, HasSubstr(Installed("lib/newsflow/plugins")));
  EXPECT_THAT(paths.out, HasSubstr(Installed("share/newsflow/models/ner.bin")));
  EXPECT_THAT(paths.out, Not(HasSubstr(SourceDir())));
  EXPECT_THAT(paths.out, Not(HasSubstr(NEWSFLOW_BINARY_DIR)));
}

TEST_F(PackageTest, RunsTheShippedExamplePipeline) {
  TempDir work;
  fs::copy(Installed("share/newsflow/examples"), work.path() + "/examples",
           fs::copy_options::recursive);
  CommandResult run =
      RunCommand({Installed("bin/newsflow"), "run",
                  work.path() + "/examples/pipeline.yaml", "--once"},
                 absl::Seconds(180));
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_THAT(run.out + run.err, HasSubstr("finished"));
  EXPECT_EQ(StoredCount(work.path() + "/news.db"), 10);
}

TEST_F(PackageTest, BuildsThePluginTemplateAgainstTheExtractedSdk) {
  TempDir work;
  const std::string source = work.path() + "/my-plugin";
  fs::copy(Installed("share/newsflow/examples/plugin-template"), source);
  std::string code = ReadFile(source + "/title_case.cc");
  absl::StrReplaceAll({{"\"title_case\"", "\"packaged_titles\""}}, &code);
  work.Write("my-plugin/title_case.cc", code);
  const std::string build = work.path() + "/build";
  CommandResult configure = RunCommand(
      {"/usr/bin/cmake", "-S", source, "-B", build,
       "-DCMAKE_PREFIX_PATH=" + root_ + "/usr", "-DCMAKE_BUILD_TYPE=Release"},
      absl::Seconds(120));
  ASSERT_EQ(configure.exit_code, 0) << configure.out << configure.err;
  EXPECT_THAT(configure.out + configure.err, Not(HasSubstr(SourceDir())));
  CommandResult compile =
      RunCommand({"/usr/bin/cmake", "--build", build, "--parallel", "2"},
                 absl::Seconds(300));
  ASSERT_EQ(compile.exit_code, 0) << compile.out << compile.err;
  setenv("NEWSFLOW_PLUGIN_PATH", build.c_str(), 1);
  CommandResult listed = RunCommand({Installed("bin/newsflow"), "plugins"});
  unsetenv("NEWSFLOW_PLUGIN_PATH");
  EXPECT_THAT(listed.out, HasSubstr("packaged_titles"));
  EXPECT_THAT(listed.out, HasSubstr(build + "/title_case.so"));
}

TEST_F(PackageTest, PassesLintianWithoutErrors) {
  CommandResult lintian =
      RunCommand({"/usr/bin/lintian", "--tag-display-limit", "0", deb_},
                 absl::Seconds(300));
  EXPECT_EQ(lintian.exit_code, 0) << lintian.out << lintian.err;
  EXPECT_THAT(lintian.out, Not(HasSubstr("E: ")));
}

}  // namespace
}  // namespace newsflow::testing
