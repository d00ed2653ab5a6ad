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

// Hashes a short word inline (FNV-1a over its bytes, length mixed in).
// The sets hold a few dozen words of a few bytes each; std::hash, which
// absl falls back to for std::string_view in this Abseil build, is an
// out-of-line library call per lookup.
struct ShortWordHash {
  size_t operator()(std::string_view word) const {
    uint64_t hash = 0xcbf29ce484222325u ^ word.size();
    for (char c : word) {
      hash = (hash ^ static_cast<unsigned char>(c)) * 0x100000001b3u;
    }
    return static_cast<size_t>(hash ^ (hash >> 29));
  }
};

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
    return MayContain(word) && words_.contains(word);
  }

  // The pre-check alone: false when `word` is surely not in the set.
  bool MayContain(std::string_view word) const {
    return !word.empty() &&
           first_bytes_.test(static_cast<unsigned char>(word[0])) &&
           (lengths_ & LengthBit(word.size())) != 0;
  }

 private:
  static uint64_t LengthBit(size_t length) {
    return uint64_t{1} << (length < 63 ? length : 63);
  }

  absl::flat_hash_set<std::string_view, ShortWordHash> words_;
  std::bitset<256> first_bytes_;
  uint64_t lengths_ = 0;
};

}  // namespace clean
}  // namespace newsflow

#endif  // NEWSFLOW_STAGES_CLEAN_WORD_SET_H_
