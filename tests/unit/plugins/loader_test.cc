// The plugin loader's refusals, each with its exact reason, both in
// process (LoadPluginLibrary, what a stage process does) and out of process
// (InspectPluginLibrary, what the runner and the CLI do). The fixtures are
// in tests/data/plugins/.
#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runner/host/plugin_loader.h"
#include "runner/host/stage_registry.h"

namespace newsflow {
namespace {

namespace fs = std::filesystem;

std::string Fixture(const std::string& name) {
  return absl::StrCat(NEWSFLOW_BINARY_DIR, "/tests/plugin_fixtures/", name,
                      ".so");
}

std::string StageBinary() {
  return absl::StrCat(NEWSFLOW_BINARY_DIR, "/runner/newsflow-stage");
}

// "1.0": this host's ABI.
std::string HostAbi() {
  return absl::StrCat(NEWSFLOW_STAGE_ABI_MAJOR, ".", NEWSFLOW_STAGE_ABI_MINOR);
}

std::string LoadError(const std::string& path) {
  StageRegistry registry = StageRegistry::WithBuiltins();
  absl::StatusOr<const nf_plugin_descriptor*> loaded =
      LoadPluginLibrary(path, &registry);
  return loaded.ok() ? "(loaded)" : std::string(loaded.status().message());
}

std::string InspectError(const std::string& path,
                         absl::Duration timeout = absl::Seconds(20)) {
  absl::StatusOr<v1::PluginDescription> description =
      InspectPluginLibrary(path, StageBinary(), timeout);
  return description.ok() ? "(inspected)"
                          : std::string(description.status().message());
}

constexpr char kRebuildHint[] =
    "; rebuild the plugin against this newsflow's stage_plugin.h";

struct Refusal {
  std::string fixture;
  std::string reason;  // after "<path>: "
};

std::vector<Refusal> Refusals() {
  return {
      {"abi_major_next",
       absl::StrCat("built for stage ABI ", NEWSFLOW_STAGE_ABI_MAJOR + 1,
                    ".0, this newsflow speaks ABI ", HostAbi(),
                    " (major versions must match)")},
      {"abi_minor_newer",
       absl::StrCat("built for stage ABI ", NEWSFLOW_STAGE_ABI_MAJOR, ".",
                    NEWSFLOW_STAGE_ABI_MINOR + 1,
                    ", newer than this newsflow's ABI ", HostAbi(),
                    "; upgrade newsflow")},
      {"descriptor_size",
       absl::StrCat("plugin descriptor is ", sizeof(nf_plugin_descriptor) + 16,
                    " bytes where ABI ", HostAbi(), " defines ",
                    sizeof(nf_plugin_descriptor), kRebuildHint)},
      {"type_size",
       absl::StrCat("stage type 'fixture_type_size' is ",
                    sizeof(nf_stage_type) - 8, " bytes where ABI ", HostAbi(),
                    " defines ", sizeof(nf_stage_type), kRebuildHint)},
      {"no_entry_point",
       "not a newsflow plugin: it does not export "
       "newsflow_plugin_descriptor()"},
      {"undefined_symbol",
       "dlopen failed: undefined symbol: newsflow_missing_symbol"},
      {"duplicate_builtin",
       "stage type 'clean' is already provided by built-in"},
      {"missing_library", "plugin library not found"},
  };
}

class RefusalTest : public ::testing::TestWithParam<Refusal> {};

TEST_P(RefusalTest, LoadingInProcessSaysWhy) {
  const std::string path = Fixture(GetParam().fixture);
  EXPECT_EQ(LoadError(path), absl::StrCat(path, ": ", GetParam().reason));
}

TEST_P(RefusalTest, InspectingInAChildProcessSaysTheSame) {
  const std::string path = Fixture(GetParam().fixture);
  EXPECT_EQ(InspectError(path), absl::StrCat(path, ": ", GetParam().reason));
}

INSTANTIATE_TEST_SUITE_P(Fixtures, RefusalTest, ::testing::ValuesIn(Refusals()),
                         [](const ::testing::TestParamInfo<Refusal>& info) {
                           return info.param.fixture;
                         });

TEST(PluginLoaderTest, ARefusedLibraryRegistersNothing) {
  StageRegistry registry = StageRegistry::WithBuiltins();
  const std::string before = registry.TypeNames();
  ASSERT_FALSE(LoadPluginLibrary(Fixture("type_size"), &registry).ok());
  EXPECT_EQ(registry.TypeNames(), before);
  EXPECT_EQ(registry.Find("fixture_type_size"), nullptr);
}

TEST(PluginLoaderTest, LoadsAGoodPluginInProcess) {
  StageRegistry registry = StageRegistry::WithBuiltins();
  const std::string path = Fixture("good");
  absl::StatusOr<const nf_plugin_descriptor*> loaded =
      LoadPluginLibrary(path, &registry);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_STREQ((*loaded)->name, "fixture");
  const RegisteredStageType* type = registry.Find("fixture_passthrough");
  ASSERT_NE(type, nullptr);
  EXPECT_EQ(type->library, path);
  EXPECT_EQ(type->plugin, "fixture");
  // Loading the same library into the same registry again is a duplicate.
  EXPECT_EQ(LoadPluginLibrary(path, &registry).status().message(),
            absl::StrCat(path,
                         ": stage type 'fixture_passthrough' is already "
                         "provided by ",
                         path));
}

TEST(PluginLoaderTest, InspectsAGoodPluginOutOfProcess) {
  const std::string path = Fixture("good");
  absl::StatusOr<v1::PluginDescription> description =
      InspectPluginLibrary(path, StageBinary());
  ASSERT_TRUE(description.ok()) << description.status();
  EXPECT_EQ(description->name(), "fixture");
  EXPECT_EQ(description->library(), path);
  ASSERT_EQ(description->types_size(), 1);
  EXPECT_EQ(description->types(0).name(), "fixture_passthrough");
}

class CrashingPluginTest : public ::testing::Test {
 protected:
  // The crash fixture must not leave a core file behind.
  void SetUp() override {
    struct rlimit no_core = {0, 0};
    setrlimit(RLIMIT_CORE, &no_core);
  }
};

TEST_F(CrashingPluginTest, ACrashWhileLoadingIsReported) {
  const std::string path = Fixture("abort_at_load");
  EXPECT_EQ(InspectError(path),
            absl::StrCat(path, ": plugin crashed while loading (Aborted)"));
}

TEST(HangingPluginTest, AHangWhileLoadingIsCutAtTheTimeout) {
  const std::string path = Fixture("hang_at_load");
  const absl::Time start = absl::Now();
  EXPECT_EQ(
      InspectError(path, absl::Seconds(2)),
      absl::StrCat(path, ": plugin did not finish loading within 2s (killed)"));
  // The fixture sleeps 60 s: returning well before proves it was killed.
  EXPECT_LT(absl::Now() - start, absl::Seconds(45));
}

TEST(PluginLoaderTest, RegistryListsGoodTypesAndBrokenLibraries) {
  char pattern[] = "/tmp/nf-plugins-XXXXXX";
  const std::string folder = mkdtemp(pattern);
  fs::copy_file(Fixture("good"), folder + "/good.so");
  fs::copy_file(Fixture("abi_major_next"), folder + "/next.so");
  StageRegistry registry = RegistryWithPlugins({folder}, StageBinary());
  EXPECT_NE(registry.Find("fixture_passthrough"), nullptr);
  EXPECT_NE(registry.Find("clean"), nullptr);
  ASSERT_EQ(registry.broken().size(), 1u);
  EXPECT_EQ(registry.broken()[0].library, folder + "/next.so");
  EXPECT_EQ(registry.broken()[0].reason,
            absl::StrCat(folder, "/next.so: ", Refusals()[0].reason));
  fs::remove_all(folder);
}

TEST(PluginAbiTest, APluginBuiltForAbi11StillLoadsWithoutValidate) {
  StageRegistry registry = StageRegistry::WithBuiltins();
  absl::StatusOr<const nf_plugin_descriptor*> loaded =
      LoadPluginLibrary(Fixture("old_abi_1_1"), &registry);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  const RegisteredStageType* type = registry.Find("fixture_old_abi");
  ASSERT_NE(type, nullptr);
  EXPECT_EQ(type->type->struct_size, NF_STAGE_TYPE_SIZE_1_1);
  // The host never reads past the 1.1 struct for the callback.
  EXPECT_EQ(ValidateCallback(*type->type), nullptr);
  EXPECT_FALSE(type->validate);
  EXPECT_TRUE(ValidateStageOptions(*type->type, "{}").empty());
}

TEST(PluginAbiTest, AValidateCallbackReportsFieldPathsInProcess) {
  StageRegistry registry = StageRegistry::WithBuiltins();
  ASSERT_TRUE(LoadPluginLibrary(Fixture("validating"), &registry).ok());
  const RegisteredStageType* type = registry.Find("fixture_validating");
  ASSERT_NE(type, nullptr);
  ASSERT_TRUE(type->validate);
  std::vector<OptionProblem> problems = type->validate(R"({"max_items": -3})");
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].field_path, "max_items");
  EXPECT_EQ(problems[0].message, "must not be negative");
  EXPECT_TRUE(type->validate(R"({"max_items": 3})").empty());
}

TEST(PluginAbiTest, AValidateCallbackRunsInAChildProcessForTheRunner) {
  StageRegistry registry = RegistryWithPlugins(
      {absl::StrCat(NEWSFLOW_BINARY_DIR, "/tests/plugin_fixtures")},
      StageBinary());
  const RegisteredStageType* type = registry.Find("fixture_validating");
  ASSERT_NE(type, nullptr);
  ASSERT_TRUE(type->validate) << "described types validate in a child";
  std::vector<OptionProblem> problems = type->validate(R"({"max_items":-1})");
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].field_path, "max_items");
  EXPECT_TRUE(type->validate(R"({"max_items":1})").empty());
  // A 1.1 plugin is described without a validator.
  const RegisteredStageType* old = registry.Find("fixture_old_abi");
  ASSERT_NE(old, nullptr);
  EXPECT_FALSE(old->validate);
}

bool WriteText(const std::string& path, const char* text) {
  FILE* file = fopen(path.c_str(), "w");
  if (file == nullptr) return false;
  fputs(text, file);
  return fclose(file) == 0;
}

// A stand-in stage binary that counts its runs in `count_file` and answers
// every question alike: a description of one validating type, or no
// option problems.
std::string CountingStageBinary(const std::string& folder,
                                const std::string& count_file) {
  const std::string path = folder + "/counting-stage";
  FILE* script = fopen(path.c_str(), "w");
  if (script == nullptr) return "";
  fprintf(script,
          "#!/bin/sh\necho run >> '%s'\ncat > /dev/null\n"
          "if [ \"$1\" = --describe ]; then\n"
          "  echo '{\"types\": [{\"name\": \"counted\", "
          "\"hasValidate\": true}]}'\n"
          "else\n  echo '{}'\nfi\n",
          count_file.c_str());
  fclose(script);
  fs::permissions(path, fs::perms::owner_all);
  return path;
}

int Runs(const std::string& count_file) {
  FILE* file = fopen(count_file.c_str(), "r");
  if (file == nullptr) return 0;
  int lines = 0;
  for (int c; (c = fgetc(file)) != EOF;) lines += c == '\n';
  fclose(file);
  return lines;
}

TEST(PluginLoaderTest, AChildAnswerIsAskedOncePerLibraryFile) {
  const std::string folder =
      absl::StrCat(testing::TempDir(), "/answers-", getpid());
  fs::create_directories(folder);
  const std::string count_file = folder + "/runs";
  const std::string binary = CountingStageBinary(folder, count_file);
  ASSERT_FALSE(binary.empty());
  const std::string library = folder + "/libcounted.so";
  ASSERT_TRUE(WriteText(library, "one build"));
  ASSERT_TRUE(InspectPluginLibrary(library, binary).ok());
  ASSERT_TRUE(InspectPluginLibrary(library, binary).ok());
  EXPECT_EQ(Runs(count_file), 1) << "the same file is described once";
  EXPECT_TRUE(
      ValidateInPluginProcess(library, "counted", "{}", binary).empty());
  EXPECT_TRUE(
      ValidateInPluginProcess(library, "counted", "{}", binary).empty());
  EXPECT_EQ(Runs(count_file), 2) << "the same options are validated once";
  EXPECT_TRUE(ValidateInPluginProcess(library, "counted", "{\"a\": 1}", binary)
                  .empty());
  EXPECT_EQ(Runs(count_file), 3) << "other options are validated again";
  // A rebuilt library (another size) is asked again.
  ASSERT_TRUE(WriteText(library, "another build"));
  ASSERT_TRUE(InspectPluginLibrary(library, binary).ok());
  EXPECT_EQ(Runs(count_file), 4);
  EXPECT_TRUE(
      ValidateInPluginProcess(library, "counted", "{}", binary).empty());
  EXPECT_EQ(Runs(count_file), 5);
  fs::remove_all(folder);
}

TEST(PluginLoaderTest, AValidationThatFoundAProblemIsAskedAgain) {
  // A plugin's check may read other files (a password file): once the
  // operator fixes the file, a reload must not be refused from memory.
  const std::string folder =
      absl::StrCat(testing::TempDir(), "/problems-", getpid());
  fs::create_directories(folder);
  const std::string count_file = folder + "/runs";
  const std::string binary = folder + "/complaining-stage";
  const std::string script =
      absl::StrCat("#!/bin/sh\necho run >> '", count_file,
                   "'\ncat > /dev/null\n"
                   "echo '{\"problems\": [{\"fieldPath\": \"password_file\", "
                   "\"message\": \"unreadable\"}]}'\n");
  ASSERT_TRUE(WriteText(binary, script.c_str()));
  fs::permissions(binary, fs::perms::owner_all);
  const std::string library = folder + "/libcomplaining.so";
  ASSERT_TRUE(WriteText(library, "one build"));
  EXPECT_EQ(ValidateInPluginProcess(library, "t", "{}", binary).size(), 1u);
  EXPECT_EQ(ValidateInPluginProcess(library, "t", "{}", binary).size(), 1u);
  EXPECT_EQ(Runs(count_file), 2) << "a problem is not remembered";
  fs::remove_all(folder);
}

TEST(PluginLoaderTest, AFailedInspectionIsNotRemembered) {
  const std::string folder =
      absl::StrCat(testing::TempDir(), "/unanswered-", getpid());
  fs::create_directories(folder);
  const std::string library = folder + "/libmissing-binary.so";
  ASSERT_TRUE(WriteText(library, ""));
  const std::string binary = folder + "/stage";
  ASSERT_TRUE(WriteText(binary, "#!/bin/sh\necho no >&2\nexit 3\n"));
  fs::permissions(binary, fs::perms::owner_all);
  EXPECT_FALSE(InspectPluginLibrary(library, binary).ok());
  const std::string count_file = folder + "/runs";
  // The same path now answers (the binary was replaced): asked again.
  fs::remove(binary);
  fs::copy_file(CountingStageBinary(folder, count_file), binary);
  fs::permissions(binary, fs::perms::owner_all);
  EXPECT_TRUE(InspectPluginLibrary(library, binary).ok());
  EXPECT_EQ(Runs(count_file), 1);
  fs::remove_all(folder);
}

TEST(PluginAbiTest, ATypeSizedForAnotherMinorIsRefused) {
  // A 1.2 descriptor whose type has the 1.1 size (or the reverse) was
  // built against a header that does not match its own version numbers.
  nf_stage_type type = {};
  type.struct_size = NF_STAGE_TYPE_SIZE_1_1;
  type.name = "mismatched";
  type.kind = NF_STAGE_TRANSFORM;
  const nf_stage_type* types[] = {&type};
  nf_plugin_descriptor descriptor = {NEWSFLOW_STAGE_ABI_MAJOR,
                                     2,
                                     sizeof(nf_plugin_descriptor),
                                     "m",
                                     "1",
                                     "",
                                     "",
                                     types,
                                     1};
  StageRegistry registry;
  absl::Status status = registry.AddPlugin(&descriptor, "m.so");
  EXPECT_THAT(std::string(status.message()),
              ::testing::HasSubstr(absl::StrCat("is ", NF_STAGE_TYPE_SIZE_1_1,
                                                " bytes where ABI 1.2 defines ",
                                                sizeof(nf_stage_type))));
}

}  // namespace
}  // namespace newsflow
