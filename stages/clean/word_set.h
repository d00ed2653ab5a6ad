// A small fixed set of lowercase words, checked against every token of
// every line: a pre-check on the first and last byte and the length
// rejects most tokens before any hashing.
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
    signatures_.set(Signature(word));
  }

  bool contains(std::string_view word) const {
    return MayContain(word) && words_.contains(word);
  }

  // The pre-check alone: false when `word` is surely not in the set.
  bool MayContain(std::string_view word) const {
    return !word.empty() && signatures_.test(Signature(word));
  }

 private:
  // A word's first byte, last byte and length mixed into 12 bits: with a
  // few dozen words in a set about 1 token in 50 that is not in it passes
  // (a first-byte and length test passed most tokens on to the hash).
  static size_t Signature(std::string_view word) {
    const uint32_t mixed =
        static_cast<unsigned char>(word.front()) * 0x9E3779B1u ^
        static_cast<unsigned char>(word.back()) * 0x85EBCA77u ^
        static_cast<uint32_t>(word.size()) * 0xC2B2AE3Du;
    return mixed >> (32 - kSignatureBits);
  }
  static constexpr int kSignatureBits = 12;

  absl::flat_hash_set<std::string_view, ShortWordHash> words_;
  std::bitset<size_t{1} << kSignatureBits> signatures_;
};

}  // namespace clean
}  // namespace newsflow

#endif  // NEWSFLOW_STAGES_CLEAN_WORD_SET_H_
