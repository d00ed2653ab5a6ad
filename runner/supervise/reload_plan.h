// What a reload changes in a running pipeline, decided from the plan it
// runs and the plan of the config file as it is now. The supervisor then
// applies it: changed stages' old processes unbind and retire, added and
// changed stages start, every other process is re-pointed at its
// (possibly new) consumers, and retiring processes drain, upstream first.
#ifndef NEWSFLOW_RUNNER_SUPERVISE_RELOAD_PLAN_H_
#define NEWSFLOW_RUNNER_SUPERVISE_RELOAD_PLAN_H_

#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "newsflow/v1/control.pb.h"
#include "runner/config/plan.h"

namespace newsflow {

// Stage names by what a reload does to them.
struct ReloadChanges {
  std::vector<std::string> added;
  std::vector<std::string> changed;  // replaced by new processes
  std::vector<std::string> removed;

  bool IsAdded(const std::string& stage) const;
  bool IsChanged(const std::string& stage) const;
  bool IsRemoved(const std::string& stage) const;
  // "1 added, 2 replaced, 0 removed"
  std::string Summary() const;
};

// A stage's processes can stay when its type, options, plugin and
// replicas (with their endpoints) are the same.
bool SameProcesses(const StagePlan& a, const StagePlan& b);

ReloadChanges CompareStages(const PipelinePlan& before,
                            const PipelinePlan& after);

// The run folder and transport cannot change while the pipeline runs.
absl::Status CheckReloadable(const PipelinePlan& before,
                             const PipelinePlan& after);

// Re-points a running replica of `stage` at the consumers of `plan`,
// reconnecting to those whose processes are replaced.
v1::StageCommand RewireCommand(const PipelinePlan& plan, const StagePlan& stage,
                               int replica, bool once,
                               const ReloadChanges& changes);

// "<generation> ok" or "<generation> error: ..." in run_dir/reload.result,
// where `newsflow reload` waits for it.
void WriteReloadResult(const std::string& run_dir, int generation,
                       const std::string& result);

// watch_config: notices a new modification time of the config file,
// looking at most once a second.
class ConfigWatcher {
 public:
  // Takes the file's current time as the one it has seen.
  explicit ConfigWatcher(std::string path);
  bool Changed(absl::Time now);

 private:
  std::filesystem::file_time_type Mtime() const;

  std::string path_;
  std::filesystem::file_time_type mtime_;
  absl::Time last_check_ = absl::InfinitePast();
};

}  // namespace newsflow

#endif  // NEWSFLOW_RUNNER_SUPERVISE_RELOAD_PLAN_H_
