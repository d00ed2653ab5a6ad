// A compact built-in gazetteer: countries, major cities, regions,
// well-known organisations and nationality adjectives, each with the
// canonical name shared by all its spellings ("U.S." / "US" / "United
// States" → "United States").
//
// All-caps spellings ("NATO", "U.S.", "UN") match only when written exactly
// so; other spellings match case-insensitively, which also finds headline
// and dateline capitals ("TRIPOLI").
#ifndef NEWSFLOW_STAGES_TAG_GAZETTEER_H_
#define NEWSFLOW_STAGES_TAG_GAZETTEER_H_

#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "newsflow/v1/article.pb.h"

namespace newsflow {
namespace tag {

struct GazetteerEntry {
  std::string_view canonical;
  v1::EntityType type = v1::ENTITY_TYPE_UNSPECIFIED;
  // A sovereign state (as opposed to a city, region or body).
  bool country = false;
};

class Gazetteer {
 public:
  // The built-in list; built on first use, immutable and thread-safe.
  static const Gazetteer& Default();

  // The entry for `surface` (tokens joined by single spaces, as written),
  // or nullptr. `scratch` is reused to avoid allocations.
  const GazetteerEntry* Find(std::string_view surface,
                             std::string* scratch) const;

  // The most tokens in any entry ("Democratic Republic of the Congo": 5).
  int max_tokens() const { return max_tokens_; }

  // The most tokens of an entry whose first token `first` may be (as
  // written; "Democratic" → 5, "U.S." → 1), 0 when no entry starts so.
  // Lets a caller skip Find() for the many words that start nothing.
  int MaxTokensFrom(std::string_view first, std::string* scratch) const;

  Gazetteer(const Gazetteer&) = delete;
  Gazetteer& operator=(const Gazetteer&) = delete;

 private:
  Gazetteer();
  void Add(std::string_view line, v1::EntityType type, bool country);

  absl::flat_hash_map<std::string_view, GazetteerEntry> exact_;
  absl::flat_hash_map<std::string, GazetteerEntry> folded_;
  // First token of the entries of exact_ (as written) and of folded_ (in
  // lower case) → the most tokens of those entries.
  absl::flat_hash_map<std::string, int> exact_first_;
  absl::flat_hash_map<std::string, int> folded_first_;
  int max_tokens_ = 1;
};

}  // namespace tag
}  // namespace newsflow

#endif  // NEWSFLOW_STAGES_TAG_GAZETTEER_H_
