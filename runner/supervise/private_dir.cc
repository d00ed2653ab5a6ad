#include "runner/supervise/private_dir.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace newsflow {
namespace {

namespace fs = std::filesystem;

absl::Status Refuse(const std::string& folder, absl::string_view why,
                    absl::string_view fix) {
  return absl::FailedPreconditionError(
      absl::StrCat("refusing run folder ", folder, ": ", why, " (", fix, ")"));
}

// An existing ancestor is safe when only this user or root can change it:
// owned by one of them, and not writable by others unless sticky (/tmp).
absl::Status CheckAncestor(const std::string& folder, const struct stat& st) {
  if (!S_ISDIR(st.st_mode)) {
    return Refuse(folder, "it is not a folder", "set run_dir elsewhere");
  }
  if (st.st_uid != geteuid() && st.st_uid != 0) {
    return Refuse(folder, absl::StrCat("it belongs to uid ", st.st_uid),
                  "another user made it; set run_dir elsewhere");
  }
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0 && (st.st_mode & S_ISVTX) == 0) {
    return Refuse(folder,
                  absl::StrFormat("others may write to it (mode %04o)",
                                  st.st_mode & 07777),
                  "chmod go-w it or set run_dir elsewhere");
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status MakePrivateDirectory(const std::string& path,
                                  std::vector<std::string>* created,
                                  std::string* tightened) {
  const fs::path target = fs::absolute(path).lexically_normal();
  fs::path prefix;
  for (auto part = target.begin(); part != target.end(); ++part) {
    prefix /= *part;
    const std::string folder = prefix.string();
    const bool last = std::next(part) == target.end();
    struct stat st;
    if (lstat(folder.c_str(), &st) != 0) {
      if (errno != ENOENT) {
        return Refuse(folder, strerror(errno), "check the path");
      }
      if (mkdir(folder.c_str(), 0700) != 0 && errno != EEXIST) {
        return absl::FailedPreconditionError(absl::StrCat(
            "cannot create run folder ", folder, ": ", strerror(errno)));
      }
      if (errno != EEXIST && created != nullptr) created->push_back(folder);
      if (lstat(folder.c_str(), &st) != 0) {
        return Refuse(folder, strerror(errno), "check the path");
      }
    }
    if (S_ISLNK(st.st_mode)) {
      // A system's own links (/var/run -> /run) are fine above the folder;
      // a link anybody else made, or the run folder itself, is not.
      if (last || st.st_uid != 0) {
        return Refuse(folder, "it is a symbolic link",
                      "remove the link or set run_dir elsewhere");
      }
      if (stat(folder.c_str(), &st) != 0) {
        return Refuse(folder, strerror(errno), "check the path");
      }
    }
    if (!last) {
      if (absl::Status safe = CheckAncestor(folder, st); !safe.ok()) {
        return safe;
      }
      continue;
    }
    if (!S_ISDIR(st.st_mode)) {
      return Refuse(folder, "it is not a folder", "set run_dir elsewhere");
    }
    if (st.st_uid != geteuid()) {
      return Refuse(folder, absl::StrCat("it belongs to uid ", st.st_uid),
                    "remove it, or set run_dir elsewhere");
    }
    const mode_t mode = st.st_mode & 07777;
    if ((mode & (S_IWGRP | S_IWOTH)) != 0 || (mode & 0700) != 0700) {
      // Others could have put files (or links) in it: nothing there can
      // be trusted, so it is not ours to repair.
      return Refuse(folder, absl::StrFormat("its mode is %04o, not 0700", mode),
                    absl::StrCat("remove it, or chmod 700 it after checking "
                                 "what it holds"));
    }
    if (mode != 0700) {
      // Ours, and only readable by others (older newsflow versions left
      // 0755 run folders): closing it loses nothing and keeps upgrades
      // working. Nobody else could have written into it.
      if (chmod(folder.c_str(), 0700) != 0) {
        return Refuse(folder,
                      absl::StrFormat("its mode is %04o and chmod 700 failed: "
                                      "%s",
                                      mode, strerror(errno)),
                      "remove it, or set run_dir elsewhere");
      }
      if (tightened != nullptr) {
        *tightened = absl::StrFormat("run folder %s was mode %04o; now 0700",
                                     folder, mode);
      }
    }
  }
  return absl::OkStatus();
}

void RemovePrivateDirectory(const std::string& path,
                            const std::vector<std::string>& created) {
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(path, error)) {
    const std::string name = entry.path().filename().string();
    std::error_code ignored;
    if (entry.is_socket(ignored) || name == "runner.lock" ||
        name == "reload.result" || absl::EndsWith(name, ".launch.json")) {
      fs::remove(entry.path(), ignored);
    }
  }
  rmdir(path.c_str());  // fails, harmlessly, when something else is left
  for (auto folder = created.rbegin(); folder != created.rend(); ++folder) {
    rmdir(folder->c_str());
  }
}

}  // namespace newsflow
