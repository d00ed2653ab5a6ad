#include "runner/host/dead_letters.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "common/time.h"
#include "google/protobuf/util/json_util.h"

namespace newsflow {

std::string DeadLetterLine(const v1::DeadLetter& letter) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  std::string line;
  // A DeadLetter has only strings, numbers and bytes: printing cannot fail.
  (void)google::protobuf::util::MessageToJsonString(letter, &line, options);
  return line;
}

absl::Status AppendDeadLetter(const std::string& path,
                              const v1::DeadLetter& letter) {
  std::error_code ignored;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(),
                                      ignored);
  const std::string line = DeadLetterLine(letter) + "\n";
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    return absl::UnavailableError(absl::StrCat(
        path, ": cannot open dead-letter file: ", strerror(errno)));
  }
  ssize_t written = write(fd, line.data(), line.size());
  int saved_errno = errno;
  bool synced = fdatasync(fd) == 0;
  close(fd);
  if (written != static_cast<ssize_t>(line.size()) || !synced) {
    return absl::UnavailableError(absl::StrCat(
        path, ": cannot write dead letter: ", strerror(saved_errno)));
  }
  return absl::OkStatus();
}

DeadLetterWriter::DeadLetterWriter(std::string path, std::string stage,
                                   int replica)
    : path_(std::move(path)), stage_(std::move(stage)), replica_(replica) {}

absl::Status DeadLetterWriter::Append(absl::string_view what,
                                      absl::string_view reason,
                                      absl::string_view raw,
                                      absl::string_view article_id) const {
  if (path_.empty()) return absl::OkStatus();
  v1::DeadLetter letter;
  letter.set_at(NowRfc3339());
  letter.set_stage(stage_);
  letter.set_replica(replica_);
  letter.set_reason(std::string(reason));
  letter.set_what(std::string(what));
  letter.set_raw(std::string(raw));
  if (!article_id.empty()) letter.set_article_id(std::string(article_id));
  return AppendDeadLetter(path_, letter);
}

absl::StatusOr<std::vector<v1::DeadLetter>> ReadDeadLetters(
    const std::string& path) {
  std::vector<v1::DeadLetter> letters;
  std::ifstream in(path);
  if (!in) return letters;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty()) continue;
    v1::DeadLetter letter;
    google::protobuf::util::JsonParseOptions options;
    options.ignore_unknown_fields = true;
    auto status =
        google::protobuf::util::JsonStringToMessage(line, &letter, options);
    if (!status.ok()) {
      return absl::DataLossError(
          absl::StrCat(path, ":", number, ": ", std::string(status.message())));
    }
    letters.push_back(std::move(letter));
  }
  return letters;
}

}  // namespace newsflow
