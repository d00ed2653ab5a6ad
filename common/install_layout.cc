#include "common/install_layout.h"

#include <filesystem>
#include <system_error>

namespace newsflow {

namespace fs = std::filesystem;

std::string ExecutableDir() {
  std::error_code error;
  fs::path self = fs::read_symlink("/proc/self/exe", error);
  if (error) return "";
  return self.parent_path().string();
}

std::vector<std::string> ShippedFileCandidates(std::string_view relative) {
  std::vector<std::string> candidates;
  if (std::string exe_dir = ExecutableDir(); !exe_dir.empty()) {
    candidates.push_back(
        (fs::path(exe_dir).parent_path() / std::string(kInstalledDataDir) /
         std::string(relative))
            .lexically_normal()
            .string());
  }
  candidates.push_back(
      (fs::path(NEWSFLOW_SOURCE_TREE) / std::string(relative)).string());
  return candidates;
}

std::string FindShippedFile(std::string_view relative) {
  for (const std::string& candidate : ShippedFileCandidates(relative)) {
    std::error_code error;
    if (fs::is_regular_file(candidate, error)) return candidate;
  }
  return "";
}

std::vector<std::string> ShippedPluginDirs() {
  std::vector<std::string> folders;
  std::string exe_dir = ExecutableDir();
  if (exe_dir.empty()) return folders;
  fs::path prefix = fs::path(exe_dir).parent_path();
  for (const fs::path& shipped :
       {prefix / "plugins", prefix / std::string(kInstalledPluginDir)}) {
    std::error_code error;
    if (fs::is_directory(shipped, error)) {
      folders.push_back(shipped.lexically_normal().string());
    }
  }
  return folders;
}

}  // namespace newsflow
