#include "runner/supervise/reload_plan.h"

#include <algorithm>
#include <fstream>
#include <utility>

#include "absl/strings/str_cat.h"

namespace newsflow {
namespace {

bool Contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace

bool ReloadChanges::IsAdded(const std::string& stage) const {
  return Contains(added, stage);
}
bool ReloadChanges::IsChanged(const std::string& stage) const {
  return Contains(changed, stage);
}
bool ReloadChanges::IsRemoved(const std::string& stage) const {
  return Contains(removed, stage);
}

std::string ReloadChanges::Summary() const {
  return absl::StrCat(added.size(), " added, ", changed.size(), " replaced, ",
                      removed.size(), " removed");
}

bool SameProcesses(const StagePlan& a, const StagePlan& b) {
  if (a.type != b.type || a.options_json != b.options_json ||
      a.plugin_library != b.plugin_library ||
      a.replicas.size() != b.replicas.size()) {
    return false;
  }
  for (size_t i = 0; i < a.replicas.size(); ++i) {
    if (a.replicas[i].input_endpoint != b.replicas[i].input_endpoint ||
        a.replicas[i].tap_endpoint != b.replicas[i].tap_endpoint) {
      return false;
    }
  }
  return true;
}

ReloadChanges CompareStages(const PipelinePlan& before,
                            const PipelinePlan& after) {
  ReloadChanges changes;
  for (const StagePlan& stage : after.stages) {
    const StagePlan* old = before.FindStage(stage.name);
    if (old == nullptr) {
      changes.added.push_back(stage.name);
    } else if (!SameProcesses(*old, stage)) {
      changes.changed.push_back(stage.name);
    }
  }
  for (const StagePlan& stage : before.stages) {
    if (after.FindStage(stage.name) == nullptr) {
      changes.removed.push_back(stage.name);
    }
  }
  return changes;
}

absl::Status CheckReloadable(const PipelinePlan& before,
                             const PipelinePlan& after) {
  if (after.run_dir != before.run_dir ||
      after.control_endpoint != before.control_endpoint) {
    return absl::InvalidArgumentError(
        "run_dir and transport cannot change while the pipeline runs");
  }
  return absl::OkStatus();
}

v1::StageCommand RewireCommand(const PipelinePlan& plan, const StagePlan& stage,
                               int replica, bool once,
                               const ReloadChanges& changes) {
  v1::StageLaunch launch = MakeLaunch(plan, stage, replica, once);
  v1::StageCommand rewire;
  for (const auto& link : launch.outputs()) {
    *rewire.mutable_rewire()->add_outputs() = link;
    if (changes.IsChanged(link.stage())) {
      rewire.mutable_rewire()->add_reconnect(link.stage());
    }
  }
  return rewire;
}

void WriteReloadResult(const std::string& run_dir, int generation,
                       const std::string& result) {
  std::ofstream out(run_dir + "/reload.result", std::ios::trunc);
  out << generation << " " << result << "\n";
}

ConfigWatcher::ConfigWatcher(std::string path)
    : path_(std::move(path)), mtime_(Mtime()) {}

std::filesystem::file_time_type ConfigWatcher::Mtime() const {
  std::error_code error;
  auto mtime = std::filesystem::last_write_time(path_, error);
  return error ? std::filesystem::file_time_type{} : mtime;
}

bool ConfigWatcher::Changed(absl::Time now) {
  if (now - last_check_ < absl::Seconds(1)) return false;
  last_check_ = now;
  const auto mtime = Mtime();
  if (mtime == mtime_) return false;
  mtime_ = mtime;
  return true;
}

}  // namespace newsflow
