// A small fixed set of lowercase words, checked against every token of
// every line: a first-byte and length pre-check rejects most tokens before
// any hashing.
#ifndef NEWSFLOW_STAGES_CLEAN_WORD_SET_H_
#define NEWSFLOW_STAGES_CLEAN_WORD_SET_H_

#include <bitset>
#include <cstdint>
#include <initializer_list>
#include <string_view>

#include "absl/container/flat_hash_set.h"

namespace newsflow {
namespace clean {

class WordSet {
 public:
  WordSet() = default;
  WordSet(std::initializer_list<std::string_view> words) {
    for (std::string_view word : words) Add(word);
  }

  // `word` must outlive the set (string literals do).
  void Add(std::string_view word) {
    if (word.empty()) return;
    words_.insert(word);
    first_bytes_.set(static_cast<unsigned char>(word[0]));
    lengths_ |= LengthBit(word.size());
  }

  bool contains(std::string_view word) const {
    if (word.empty() ||
        !first_bytes_.test(static_cast<unsigned char>(word[0])) ||
        (lengths_ & LengthBit(word.size())) == 0) {
      return false;
    }
    return words_.contains(word);
  }

 private:
  static uint64_t LengthBit(size_t length) {
    return uint64_t{1} << (length < 63 ? length : 63);
  }

  absl::flat_hash_set<std::string_view> words_;
  std::bitset<256> first_bytes_;
  uint64_t lengths_ = 0;
};

}  // namespace clean
}  // namespace newsflow

#endif  // NEWSFLOW_STAGES_CLEAN_WORD_SET_H_
