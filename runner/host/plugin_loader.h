// Finding, loading and inspecting stage plugin libraries (.so).
//
// A plugin is loaded for real only inside the stage process that runs one
// of its types (LoadPluginLibrary). The runner and the CLI learn what a
// library provides by asking `newsflow-stage --describe LIB` in a child
// process (InspectPluginLibrary), and have it check options the same way
// (ValidateInPluginProcess), so a plugin that crashes or hangs fails that
// child, never the runner. A process asks each question once per build of
// the library and stage binary (same inode, size and modification time):
// an answer that came back is remembered, a crash, hang or refusal is not.
#ifndef NEWSFLOW_RUNNER_HOST_PLUGIN_LOADER_H_
#define NEWSFLOW_RUNNER_HOST_PLUGIN_LOADER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "newsflow/v1/control.pb.h"
#include "runner/host/stage_registry.h"

namespace newsflow {

// Folders to scan: the config's plugin_path entries, the colon-separated
// folders of $NEWSFLOW_PLUGIN_PATH, then the plugins shipped with newsflow.
std::vector<std::string> PluginSearchPath(
    const std::vector<std::string>& config_plugin_paths);

// Every *.so file directly inside `folders`, sorted, without duplicates.
// Missing folders are skipped.
std::vector<std::string> FindPluginLibraries(
    const std::vector<std::string>& folders);

// dlopen()s `path` into this process, checks its descriptor and registers
// its types in `registry`. The library stays loaded for the process's life.
// Every refusal says exactly why: not found, dlopen's message, missing entry
// point, ABI version, struct size, duplicate type name.
absl::StatusOr<const nf_plugin_descriptor*> LoadPluginLibrary(
    const std::string& path, StageRegistry* registry);

// Runs `stage_binary --describe path` and parses its answer. A crash, a
// hang past `timeout`, or a refusal comes back as an error with the reason.
absl::StatusOr<v1::PluginDescription> InspectPluginLibrary(
    const std::string& path, const std::string& stage_binary,
    absl::Duration timeout = absl::Seconds(10));

// Runs `stage_binary --validate library type_name` with the options on its
// standard input: the plugin's validate callback, in a child process so
// that a plugin which crashes or hangs fails the check, not the caller.
// A failure to run is one problem without a field path.
std::vector<OptionProblem> ValidateInPluginProcess(
    const std::string& library, const std::string& type_name,
    const std::string& options_json, const std::string& stage_binary,
    absl::Duration timeout = absl::Seconds(10));

// Built-in types plus every library found on the search path. Libraries
// that fail inspection are recorded in registry.broken().
StageRegistry RegistryWithPlugins(
    const std::vector<std::string>& config_plugin_paths,
    const std::string& stage_binary);

}  // namespace newsflow

#endif  // NEWSFLOW_RUNNER_HOST_PLUGIN_LOADER_H_
