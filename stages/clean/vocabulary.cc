#include "stages/clean/vocabulary.h"

#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace newsflow {
namespace clean {

// Defined in the source generated from data/english_vocabulary.tsv.
extern const char kEmbeddedVocabulary[];
extern const size_t kEmbeddedVocabularySize;

namespace {

bool IsLowercaseAscii(std::string_view word) {
  for (char c : word) {
    if (c >= 'A' && c <= 'Z') return false;
  }
  return true;
}

}  // namespace

absl::Status Vocabulary::ParseLines(std::string_view text) {
  size_t line_number = 0;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line[0] == '#') continue;
    size_t tab = line.find('\t');
    std::string_view word = line.substr(0, tab);
    int64_t count = 1;
    if (tab != std::string_view::npos &&
        !absl::SimpleAtoi(
            absl::string_view(line.data() + tab + 1, line.size() - tab - 1),
            &count)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "vocabulary line ", line_number, ": expected word<TAB>count, got \"",
          std::string(line), "\""));
    }
    if (count < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("vocabulary line ", line_number, ": negative count"));
    }
    if (word.empty()) continue;
    counts_[word] += count;
  }
  return absl::OkStatus();
}

std::shared_ptr<const Vocabulary> Vocabulary::English() {
  static const std::shared_ptr<const Vocabulary> english = [] {
    std::shared_ptr<Vocabulary> built(new Vocabulary);
    // The embedded list is lowercase and well formed: the build made it.
    built
        ->ParseLines(
            std::string_view(kEmbeddedVocabulary, kEmbeddedVocabularySize))
        .IgnoreError();
    return built;
  }();
  return english;
}

absl::StatusOr<std::shared_ptr<const Vocabulary>> Vocabulary::Parse(
    std::string text) {
  std::shared_ptr<Vocabulary> built(new Vocabulary);
  built->storage_ = std::move(text);
  if (!IsLowercaseAscii(built->storage_)) {
    absl::AsciiStrToLower(&built->storage_);
  }
  if (absl::Status status = built->ParseLines(built->storage_); !status.ok()) {
    return status;
  }
  return std::shared_ptr<const Vocabulary>(std::move(built));
}

absl::StatusOr<std::shared_ptr<const Vocabulary>> Vocabulary::Load(
    const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat("cannot read the vocabulary file ", path));
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  absl::StatusOr<std::shared_ptr<const Vocabulary>> vocabulary =
      Parse(buffer.str());
  if (!vocabulary.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": ", std::string(vocabulary.status().message())));
  }
  return vocabulary;
}

int64_t Vocabulary::Count(std::string_view word) const {
  auto it = counts_.find(word);
  return it == counts_.end() ? 0 : it->second;
}

}  // namespace clean
}  // namespace newsflow
