// scripts/check-deps, the guard that keeps scripts/install-deps complete:
// it must name a used package that the list does not bring in, accept one
// that a listed package depends on, and catch a real package of this build
// removed from the list.
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/harness.h"

namespace newsflow::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string CheckDeps() { return SourceDir() + "/scripts/check-deps"; }

// The real list, less `dropped`.
std::string ListWithout(const TempDir& dir, const std::string& dropped) {
  CommandResult listed =
      RunCommand({SourceDir() + "/scripts/install-deps", "--list"});
  EXPECT_EQ(listed.exit_code, 0) << listed.err;
  std::vector<std::string> kept;
  for (absl::string_view line : absl::StrSplit(listed.out, '\n')) {
    if (!line.empty() && line != dropped) kept.emplace_back(line);
  }
  EXPECT_LT(kept.size() + 1, listed.out.size()) << "empty package list";
  return dir.Write("packages", absl::StrJoin(kept, "\n") + "\n");
}

TEST(CheckDepsTest, NamesAUsedPackageThatTheListLacks) {
  TempDir dir;
  const std::string list = dir.Write("packages", "cppzmq-dev\n");
  CommandResult result = RunCommand({CheckDeps(), "--only-used", "--list", list,
                                     "--used", "newsflow-fake-package"});
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  EXPECT_THAT(result.err,
              HasSubstr("package newsflow-fake-package is used by the build"));
  EXPECT_THAT(result.err,
              HasSubstr("scripts/install-deps does not install it"));
}

TEST(CheckDepsTest, AcceptsAPackageThatAListedPackageDependsOn) {
  TempDir dir;
  // cppzmq-dev depends on libzmq3-dev, which depends on libzmq5.
  const std::string list = dir.Write("packages", "cppzmq-dev\n");
  CommandResult result = RunCommand(
      {CheckDeps(), "--only-used", "--list", list, "--used", "libzmq5"});
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_THAT(result.out, HasSubstr("check-deps: ok"));
}

TEST(CheckDepsTest, CatchesAPackageOfThisBuildRemovedFromTheList) {
  TempDir dir;
  // The tag stage includes libstemmer.h; nothing else brings the package in.
  CommandResult result =
      RunCommand({CheckDeps(), "--build", NEWSFLOW_BINARY_DIR, "--list",
                  ListWithout(dir, "libstemmer-dev")},
                 absl::Seconds(300));
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  EXPECT_THAT(result.err, HasSubstr("package libstemmer-dev is used by the "
                                    "build (/usr/include/libstemmer.h)"));
  EXPECT_THAT(result.err, Not(HasSubstr("package libzmq")));
}

TEST(CheckDepsTest, ThisBuildUsesOnlyListedPackages) {
  CommandResult result = RunCommand(
      {CheckDeps(), "--build", NEWSFLOW_BINARY_DIR}, absl::Seconds(300));
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_THAT(result.out, HasSubstr("check-deps: ok"));
}

}  // namespace
}  // namespace newsflow::testing
