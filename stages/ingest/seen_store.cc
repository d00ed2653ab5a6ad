#include "stages/ingest/seen_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace newsflow::ingest {
namespace {

constexpr char kHeader[] = "newsflow-seen 1";

}  // namespace

SeenStore::SeenStore(std::string path, size_t capacity)
    : path_(std::move(path)), capacity_(capacity) {}

absl::Status SeenStore::Load() {
  std::error_code missing;
  if (path_.empty() || !std::filesystem::exists(path_, missing)) {
    return absl::OkStatus();
  }
  std::ifstream in(path_, std::ios::binary);
  if (!in) {
    return absl::UnavailableError(
        absl::StrCat(path_, ": cannot read: ", strerror(errno)));
  }
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (number == 1) {
      if (line != kHeader) {
        return absl::DataLossError(
            absl::StrCat(path_, ":1: not a newsflow seen-items file"));
      }
      continue;
    }
    std::vector<std::string> parts =
        absl::StrSplit(line, absl::MaxSplits('\t', 2));
    std::string a, b;
    bool ok = parts.size() >= 2 && absl::CUnescape(parts[1], &a);
    if (ok && parts[0] == "seen" && parts.size() == 2) {
      if (keys_.insert(a).second) order_.push_back(a);
    } else if (ok && parts[0] == "value" && parts.size() == 3 &&
               absl::CUnescape(parts[2], &b)) {
      values_[a] = b;
    } else {
      keys_.clear();
      order_.clear();
      values_.clear();
      return absl::DataLossError(
          absl::StrCat(path_, ":", number, ": malformed line"));
    }
  }
  return absl::OkStatus();
}

bool SeenStore::Contains(const std::string& key) const {
  return keys_.contains(key);
}

void SeenStore::Mark(const std::string& key) {
  if (!keys_.insert(key).second) return;
  order_.push_back(key);
  while (order_.size() > capacity_) {
    keys_.erase(order_.front());
    order_.pop_front();
  }
  dirty_ = true;
}

std::string SeenStore::Value(const std::string& name) const {
  auto it = values_.find(name);
  return it == values_.end() ? "" : it->second;
}

void SeenStore::SetValue(const std::string& name, const std::string& value) {
  auto [it, inserted] = values_.try_emplace(name, value);
  if (!inserted && it->second == value) return;
  it->second = value;
  dirty_ = true;
}

absl::Status SeenStore::Commit() {
  if (!dirty_ || path_.empty()) return absl::OkStatus();
  std::string text = absl::StrCat(kHeader, "\n");
  for (const auto& [name, value] : values_) {
    absl::StrAppend(&text, "value\t", absl::CEscape(name), "\t",
                    absl::CEscape(value), "\n");
  }
  for (const std::string& key : order_) {
    absl::StrAppend(&text, "seen\t", absl::CEscape(key), "\n");
  }
  std::error_code ignored;
  std::filesystem::create_directories(
      std::filesystem::path(path_).parent_path(), ignored);
  const std::string temp = path_ + ".tmp";
  int fd = open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    return absl::UnavailableError(
        absl::StrCat(temp, ": cannot write: ", strerror(errno)));
  }
  size_t written = 0;
  while (written < text.size()) {
    ssize_t n = write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int error = errno;
      close(fd);
      return absl::UnavailableError(
          absl::StrCat(temp, ": cannot write: ", strerror(error)));
    }
    written += static_cast<size_t>(n);
  }
  fdatasync(fd);
  close(fd);
  if (rename(temp.c_str(), path_.c_str()) != 0) {
    return absl::UnavailableError(
        absl::StrCat(path_, ": cannot replace: ", strerror(errno)));
  }
  dirty_ = false;
  return absl::OkStatus();
}

}  // namespace newsflow::ingest
