#include "runner/observe/dead_letter_list.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "common/hash.h"
#include "google/protobuf/util/json_util.h"
#include "runner/host/dead_letters.h"

namespace newsflow {
namespace {

absl::Time TimeOf(const v1::DeadLetter& letter) {
  absl::Time at;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, letter.at(), &at, &error)) {
    return absl::InfinitePast();
  }
  return at;
}

}  // namespace

std::string DeadLetterKey(const v1::DeadLetter& letter) {
  return absl::StrCat(
      letter.stage(), "\n", letter.reason(), "\n",
      letter.raw().empty() ? letter.what() : StableHashHex(letter.raw()));
}

std::vector<DeadLetterGroup> GroupDeadLetters(
    const std::vector<v1::DeadLetter>& letters, absl::Time since) {
  std::vector<DeadLetterGroup> groups;
  absl::flat_hash_map<std::string, size_t> index;
  for (const v1::DeadLetter& letter : letters) {
    auto [it, added] = index.try_emplace(DeadLetterKey(letter), groups.size());
    if (added) {
      groups.push_back({letter, letter.at(), 0});
    }
    DeadLetterGroup& group = groups[it->second];
    ++group.count;
    if (TimeOf(letter) >= TimeOf(group.latest)) group.latest = letter;
  }
  if (since != absl::InfinitePast()) {
    std::vector<DeadLetterGroup> recent;
    for (DeadLetterGroup& group : groups) {
      if (TimeOf(group.latest) >= since) recent.push_back(std::move(group));
    }
    groups = std::move(recent);
  }
  return groups;
}

absl::StatusOr<int> RemoveDeadLetters(
    const std::string& path,
    const std::function<bool(const v1::DeadLetter&)>& keep) {
  absl::StatusOr<std::vector<v1::DeadLetter>> letters = ReadDeadLetters(path);
  if (!letters.ok()) return letters.status();
  if (letters->empty()) return 0;
  std::string kept;
  int removed = 0;
  for (const v1::DeadLetter& letter : *letters) {
    if (!keep(letter)) {
      ++removed;
      continue;
    }
    absl::StrAppend(&kept, DeadLetterLine(letter), "\n");
  }
  if (removed == 0) return 0;
  const std::string temporary = absl::StrCat(path, ".rewrite");
  const int fd =
      open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    return absl::UnavailableError(
        absl::StrCat(temporary, ": cannot create: ", strerror(errno)));
  }
  const ssize_t written = write(fd, kept.data(), kept.size());
  const int saved_errno = errno;
  const bool synced = fsync(fd) == 0;
  close(fd);
  if (written != static_cast<ssize_t>(kept.size()) || !synced ||
      std::rename(temporary.c_str(), path.c_str()) != 0) {
    const int error = written < 0 || !synced ? saved_errno : errno;
    unlink(temporary.c_str());
    return absl::UnavailableError(absl::StrCat(
        path, ": cannot rewrite the dead-letter file: ", strerror(error)));
  }
  return removed;
}

}  // namespace newsflow
