// A vocabulary of word forms with corpus frequencies, the evidence the clean
// stage uses to decide whether "Secu- rity" is one word broken by print
// layout ("Security") or a compound ("well- known" -> "well-known").
#ifndef NEWSFLOW_STAGES_CLEAN_VOCABULARY_H_
#define NEWSFLOW_STAGES_CLEAN_VOCABULARY_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"

namespace newsflow {
namespace clean {

class Vocabulary {
 public:
  // The built-in English list (stages/clean/data/english_vocabulary.tsv,
  // compiled into the binary; see data/README.md for how it is made).
  // Parsed on first use, about 45,000 forms.
  static std::shared_ptr<const Vocabulary> English();

  // Parses a list: one form per line, "word<TAB>count" or a bare "word"
  // (count 1, as in /usr/share/dict/words); blank lines and lines starting
  // with '#' are skipped. Forms are lowercased (ASCII). A line with a
  // count that is not a non-negative integer is an error naming the line.
  static absl::StatusOr<std::shared_ptr<const Vocabulary>> Parse(
      std::string text);

  // Reads and parses the list at `path`; NotFound names the path.
  static absl::StatusOr<std::shared_ptr<const Vocabulary>> Load(
      const std::string& path);

  // How often `word` (lowercase) occurs; 0 when unknown.
  int64_t Count(std::string_view word) const;

  size_t size() const { return counts_.size(); }

  Vocabulary(const Vocabulary&) = delete;
  Vocabulary& operator=(const Vocabulary&) = delete;

 private:
  Vocabulary() = default;
  absl::Status ParseLines(std::string_view text);

  std::string storage_;  // the list's text when not built in
  absl::flat_hash_map<std::string_view, int64_t> counts_;
};

}  // namespace clean
}  // namespace newsflow

#endif  // NEWSFLOW_STAGES_CLEAN_VOCABULARY_H_
