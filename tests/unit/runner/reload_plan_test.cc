// What a reload changes (runner/supervise/reload_plan.h), from two plans
// of a config before and after an edit.
#include "runner/supervise/reload_plan.h"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runner/config/config.h"

namespace newsflow {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

PipelinePlan PlanOf(const std::string& stages,
                    const std::string& run_dir = "/tmp/nf-reload-plan-test") {
  absl::StatusOr<PipelineConfig> config =
      ParseConfig(absl::StrCat("pipeline: reload\nrun_dir: ", run_dir,
                               "\nstages:\n", stages),
                  "/etc/newsflow/p.yaml");
  EXPECT_TRUE(config.ok()) << config.status();
  absl::StatusOr<PipelinePlan> plan =
      MakePlan(*config, StageRegistry::WithBuiltins());
  EXPECT_TRUE(plan.ok()) << plan.status();
  return *plan;
}

constexpr char kBefore[] =
    "  in: { type: ingest, paths: [x] }\n"
    "  clean: { type: clean, inputs: [in] }\n"
    "  old: { type: store, inputs: [clean], path: old.db }\n";

TEST(ReloadPlanTest, SortsStagesIntoAddedReplacedAndRemoved) {
  const PipelinePlan before = PlanOf(kBefore);
  const PipelinePlan after = PlanOf(
      "  in: { type: ingest, paths: [x] }\n"
      "  clean: { type: clean, inputs: [in], replicas: 2 }\n"
      "  new: { type: store, inputs: [clean], path: new.db }\n");
  const ReloadChanges changes = CompareStages(before, after);
  EXPECT_THAT(changes.added, ElementsAre("new"));
  EXPECT_THAT(changes.changed, ElementsAre("clean"));
  EXPECT_THAT(changes.removed, ElementsAre("old"));
  EXPECT_EQ(changes.Summary(), "1 added, 1 replaced, 1 removed");
  EXPECT_TRUE(SameProcesses(*before.FindStage("in"), *after.FindStage("in")));
}

TEST(ReloadPlanTest, NothingChangesForTheSameConfig) {
  const ReloadChanges changes = CompareStages(PlanOf(kBefore), PlanOf(kBefore));
  EXPECT_THAT(changes.added, IsEmpty());
  EXPECT_THAT(changes.changed, IsEmpty());
  EXPECT_THAT(changes.removed, IsEmpty());
}

TEST(ReloadPlanTest, TheRunFolderCannotChange) {
  EXPECT_TRUE(CheckReloadable(PlanOf(kBefore), PlanOf(kBefore)).ok());
  EXPECT_EQ(CheckReloadable(PlanOf(kBefore),
                            PlanOf(kBefore, "/tmp/nf-reload-plan-other"))
                .message(),
            "run_dir and transport cannot change while the pipeline runs");
}

TEST(ReloadPlanTest, RewireReconnectsOnlyToReplacedConsumers) {
  const PipelinePlan after = PlanOf(
      "  in: { type: ingest, paths: [x] }\n"
      "  clean: { type: clean, inputs: [in], replicas: 2 }\n"
      "  old: { type: store, inputs: [in], path: old.db }\n");
  ReloadChanges changes;
  changes.changed = {"clean"};
  v1::StageCommand rewire =
      RewireCommand(after, *after.FindStage("in"), 0, true, changes);
  ASSERT_EQ(rewire.rewire().outputs_size(), 2);
  EXPECT_THAT(rewire.rewire().reconnect(), ElementsAre("clean"));
}

TEST(ConfigWatcherTest, NoticesANewModificationTimeAtMostOnceASecond) {
  char pattern[] = "/tmp/newsflow-watch-XXXXXX";
  ASSERT_NE(mkdtemp(pattern), nullptr);
  const std::string path = std::string(pattern) + "/p.yaml";
  std::ofstream(path) << "a\n";
  ConfigWatcher watcher(path);
  const absl::Time t0 = absl::Now();
  EXPECT_FALSE(watcher.Changed(t0));
  std::filesystem::last_write_time(
      path, std::filesystem::last_write_time(path) + std::chrono::seconds(5));
  EXPECT_FALSE(watcher.Changed(t0 + absl::Milliseconds(500)));
  EXPECT_TRUE(watcher.Changed(t0 + absl::Seconds(1)));
  EXPECT_FALSE(watcher.Changed(t0 + absl::Seconds(2)));
  unlink(path.c_str());
  rmdir(pattern);
}

}  // namespace
}  // namespace newsflow
