#include "stages/tag/stories.h"

#include <algorithm>
#include <cmath>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "common/hash.h"
#include "stages/tag/binary_io.h"
#include "stages/tag/tokenizer.h"

namespace newsflow {
namespace tag {
namespace {

constexpr uint32_t kStateVersion = 1;
// Share of the similarity that comes from entities (the rest from terms).
constexpr double kEntityShare = 0.6;
// Terms of each joining article that index its story for candidate search.
constexpr size_t kIndexedTerms = 20;
// Most entries kept in a story's vectors.
constexpr size_t kMaxStoryEntities = 100;
constexpr size_t kMaxStoryTerms = 300;
constexpr size_t kMaxEntityDf = 200000;

double TypeWeight(v1::EntityType type) {
  switch (type) {
    case v1::PERSON:
      return 1.0;
    case v1::ORG:
      return 0.8;
    default:
      return 0.5;
  }
}

void Prune(absl::flat_hash_map<std::string, double>* vector, size_t keep) {
  if (vector->size() <= keep) return;
  std::vector<std::pair<double, std::string>> entries;
  for (const auto& [key, weight] : *vector) entries.emplace_back(weight, key);
  std::nth_element(
      entries.begin(), entries.begin() + keep, entries.end(),
      [](const auto& a, const auto& b) { return a.first > b.first; });
  entries.resize(keep);
  vector->clear();
  for (auto& [weight, key] : entries) (*vector)[std::move(key)] = weight;
}

void PutVector(std::string* out,
               const absl::flat_hash_map<std::string, double>& vector) {
  std::vector<std::pair<std::string, double>> sorted(vector.begin(),
                                                     vector.end());
  std::sort(sorted.begin(), sorted.end());
  PutU32(out, static_cast<uint32_t>(sorted.size()));
  for (const auto& [key, weight] : sorted) {
    PutString(out, key);
    PutF64(out, weight);
  }
}

void ReadVector(BinaryReader* reader,
                absl::flat_hash_map<std::string, double>* vector) {
  const uint32_t count = reader->U32();
  for (uint32_t i = 0; i < count && reader->ok(); ++i) {
    std::string key(reader->String());
    (*vector)[std::move(key)] = reader->F64();
  }
}

void PutTime(std::string* out, const std::optional<int64_t>& time) {
  PutU8(out, time.has_value());
  PutU64(out, static_cast<uint64_t>(time.value_or(0)));
}

std::optional<int64_t> ReadTime(BinaryReader* reader) {
  const bool present = reader->U8() != 0;
  const int64_t value = static_cast<int64_t>(reader->U64());
  return present ? std::optional<int64_t>(value) : std::nullopt;
}

}  // namespace

uint64_t SimHash(std::string_view text) {
  std::vector<Token> tokens;
  Tokenize(text, &tokens);
  absl::flat_hash_map<std::string, int> counts;
  for (const Token& token : tokens) {
    if (token.kind != TokenKind::kPunct) ++counts[Lowercase(token.text)];
  }
  if (counts.empty()) return 0;
  int64_t sums[64] = {};
  for (const auto& [word, count] : counts) {
    const uint64_t h = StableHash64(word);
    for (int bit = 0; bit < 64; ++bit) {
      sums[bit] += (h >> bit) & 1 ? count : -count;
    }
  }
  uint64_t hash = 0;
  for (int bit = 0; bit < 64; ++bit) {
    if (sums[bit] > 0) hash |= uint64_t{1} << bit;
  }
  return hash;
}

int HammingDistance(uint64_t a, uint64_t b) {
  return __builtin_popcountll(a ^ b);
}

StoryClusterer::StoryClusterer(StoryOptions options) : options_(options) {}

StoryClusterer::Vector StoryClusterer::EntityVector(
    const StoryInput& input) const {
  Vector vector;
  for (const v1::Entity* entity : input.entities) {
    if (entity->canonical_id().empty()) continue;
    auto df = entity_df_.find(entity->canonical_id());
    const double rarity =
        std::log((articles_ + 2.0) /
                 ((df == entity_df_.end() ? 0 : df->second) + 1.0)) +
        1;
    vector[entity->canonical_id()] +=
        TypeWeight(entity->type()) *
        (1 + std::log(std::max(1, entity->mentions()))) * rarity;
  }
  double norm = 0;
  for (const auto& [key, weight] : vector) norm += weight * weight;
  norm = std::sqrt(norm);
  for (auto& [key, weight] : vector) weight /= norm;
  return vector;
}

double StoryClusterer::Cosine(const Vector& article, const Vector& story,
                              double norm) {
  double dot = 0;
  if (norm == 0) return 0;
  for (const auto& [key, weight] : article) {
    auto it = story.find(key);
    if (it != story.end()) dot += weight * it->second;
  }
  return dot / std::sqrt(norm);  // the article's vector has unit length
}

bool StoryClusterer::WithinWindow(const Story& story,
                                  std::optional<int64_t> time) const {
  if (!time || !story.first_time) return true;
  const int64_t window = static_cast<int64_t>(options_.window_hours * 3600);
  return *time >= *story.first_time - window &&
         *time <= *story.last_time + window;
}

void StoryClusterer::Join(Story* story, const Vector& entities,
                          const StoryInput& input) {
  for (const auto& [key, weight] : entities) story->entities[key] += weight;
  for (const auto& [key, weight] : input.terms) story->terms[key] += weight;
  Prune(&story->entities, kMaxStoryEntities);
  Prune(&story->terms, kMaxStoryTerms);
  if (input.time) {
    story->first_time = story->first_time
                            ? std::min(*story->first_time, *input.time)
                            : *input.time;
    story->last_time = story->last_time
                           ? std::max(*story->last_time, *input.time)
                           : *input.time;
  }
  ++story->articles;
  story->last_joined = articles_;
  auto squared = [](const Vector& vector) {
    double sum = 0;
    for (const auto& [key, weight] : vector) sum += weight * weight;
    return sum;
  };
  story->entity_norm = squared(story->entities);
  story->term_norm = squared(story->terms);
  const uint32_t index = static_cast<uint32_t>(story - stories_.data());
  auto add_key = [&](const std::string& key) {
    if (std::find(story->keys.begin(), story->keys.end(), key) !=
        story->keys.end()) {
      return;
    }
    story->keys.push_back(key);
    index_[key].push_back(index);
  };
  for (const auto& [key, weight] : entities) add_key("e:" + key);
  for (size_t i = 0; i < input.terms.size() && i < kIndexedTerms; ++i) {
    add_key("t:" + input.terms[i].first);
  }
}

void StoryClusterer::RebuildIndex() {
  index_.clear();
  for (uint32_t i = 0; i < stories_.size(); ++i) {
    for (const std::string& key : stories_[i].keys) index_[key].push_back(i);
  }
}

StoryAssignment StoryClusterer::Assign(const StoryInput& input) {
  ++articles_;
  StoryAssignment assignment;
  const Vector entities = EntityVector(input);
  Vector terms;
  for (size_t i = 0; i < input.terms.size(); ++i) {
    terms[input.terms[i].first] = input.terms[i].second;
  }

  // A copy of an earlier text belongs to that text's story.
  int best_distance = options_.max_duplicate_distance + 1;
  const Fingerprint* original = nullptr;
  if (input.simhash != 0) {
    for (const Fingerprint& fingerprint : fingerprints_) {
      const int distance = HammingDistance(fingerprint.hash, input.simhash);
      if (distance < best_distance) {
        best_distance = distance;
        original = &fingerprint;
      }
    }
  }
  Story* chosen = nullptr;
  if (original != nullptr) {
    assignment.duplicate_of = original->article_id;
    for (Story& story : stories_) {
      if (story.id == original->story_id) chosen = &story;
    }
    assignment.story_id = original->story_id;
    assignment.similarity = 1;
  }
  if (original == nullptr) {
    absl::flat_hash_set<uint32_t> candidates;
    auto gather = [&](const std::string& key) {
      auto it = index_.find(key);
      if (it == index_.end()) return;
      candidates.insert(it->second.begin(), it->second.end());
    };
    for (const auto& [key, weight] : entities) gather("e:" + key);
    for (size_t i = 0; i < input.terms.size() && i < kIndexedTerms; ++i) {
      gather("t:" + input.terms[i].first);
    }
    std::vector<uint32_t> ordered(candidates.begin(), candidates.end());
    std::sort(ordered.begin(), ordered.end());
    double best = options_.threshold;
    for (uint32_t index : ordered) {
      Story& story = stories_[index];
      if (!WithinWindow(story, input.time)) continue;
      const double similarity =
          kEntityShare * Cosine(entities, story.entities, story.entity_norm) +
          (1 - kEntityShare) * Cosine(terms, story.terms, story.term_norm);
      if (similarity >= best) {
        best = similarity;
        chosen = &story;
      }
    }
    if (chosen != nullptr) {
      assignment.story_id = chosen->id;
      assignment.similarity = best;
    }
  }
  if (chosen == nullptr && assignment.story_id.empty()) {
    Story& story = stories_.emplace_back();
    story.id = StableHashHex(
        input.article_id.empty()
            ? absl::StrCat("story:#", articles_, ":", input.simhash)
            : absl::StrCat("story:", input.article_id));
    assignment.story_id = story.id;
    chosen = &story;
  }
  if (chosen != nullptr) Join(chosen, entities, input);

  if (input.simhash != 0) {
    fingerprints_.push_back(
        {input.simhash, input.article_id, assignment.story_id});
    if (fingerprints_.size() > options_.max_fingerprints) {
      fingerprints_.pop_front();
    }
  }
  absl::flat_hash_set<std::string> seen;
  for (const v1::Entity* entity : input.entities) {
    if (!entity->canonical_id().empty() &&
        seen.insert(entity->canonical_id()).second) {
      ++entity_df_[entity->canonical_id()];
    }
  }
  if (entity_df_.size() > kMaxEntityDf) {
    for (auto it = entity_df_.begin(); it != entity_df_.end();) {
      if (it->second <= 1) {
        entity_df_.erase(it++);
      } else {
        ++it;
      }
    }
  }
  // Close the stories nobody joined for a while.
  if (stories_.size() > options_.max_open) {
    std::sort(stories_.begin(), stories_.end(),
              [](const Story& a, const Story& b) {
                return a.last_joined > b.last_joined;
              });
    stories_.resize(options_.max_open - options_.max_open / 10);
    RebuildIndex();
  }
  return assignment;
}

void StoryClusterer::AppendTo(std::string* out) const {
  PutU32(out, kStateVersion);
  PutU64(out, articles_);
  PutU32(out, static_cast<uint32_t>(stories_.size()));
  for (const Story& story : stories_) {
    PutString(out, story.id);
    PutVector(out, story.entities);
    PutVector(out, story.terms);
    PutTime(out, story.first_time);
    PutTime(out, story.last_time);
    PutU32(out, story.articles);
    PutU64(out, story.last_joined);
    PutF64(out, story.entity_norm);
    PutF64(out, story.term_norm);
    PutU32(out, static_cast<uint32_t>(story.keys.size()));
    for (const std::string& key : story.keys) PutString(out, key);
  }
  PutU32(out, static_cast<uint32_t>(fingerprints_.size()));
  for (const Fingerprint& fingerprint : fingerprints_) {
    PutU64(out, fingerprint.hash);
    PutString(out, fingerprint.article_id);
    PutString(out, fingerprint.story_id);
  }
  std::vector<std::pair<std::string, uint32_t>> df(entity_df_.begin(),
                                                   entity_df_.end());
  std::sort(df.begin(), df.end());
  PutU32(out, static_cast<uint32_t>(df.size()));
  for (const auto& [id, count] : df) {
    PutString(out, id);
    PutU32(out, count);
  }
}

absl::Status StoryClusterer::ReadFrom(std::string_view data, size_t* pos) {
  BinaryReader reader(data, *pos);
  if (reader.U32() != kStateVersion) {
    return absl::DataLossError("stories: unknown version");
  }
  StoryClusterer fresh(options_);
  fresh.articles_ = reader.U64();
  const uint32_t stories = reader.U32();
  for (uint32_t i = 0; i < stories && reader.ok(); ++i) {
    Story& story = fresh.stories_.emplace_back();
    story.id = std::string(reader.String());
    ReadVector(&reader, &story.entities);
    ReadVector(&reader, &story.terms);
    story.first_time = ReadTime(&reader);
    story.last_time = ReadTime(&reader);
    story.articles = reader.U32();
    story.last_joined = reader.U64();
    story.entity_norm = reader.F64();
    story.term_norm = reader.F64();
    const uint32_t keys = reader.U32();
    for (uint32_t k = 0; k < keys && reader.ok(); ++k) {
      story.keys.emplace_back(reader.String());
    }
  }
  const uint32_t fingerprints = reader.U32();
  for (uint32_t i = 0; i < fingerprints && reader.ok(); ++i) {
    Fingerprint fingerprint;
    fingerprint.hash = reader.U64();
    fingerprint.article_id = std::string(reader.String());
    fingerprint.story_id = std::string(reader.String());
    fresh.fingerprints_.push_back(std::move(fingerprint));
  }
  const uint32_t df = reader.U32();
  for (uint32_t i = 0; i < df && reader.ok(); ++i) {
    std::string id(reader.String());
    fresh.entity_df_[std::move(id)] = reader.U32();
  }
  if (!reader.ok()) return absl::DataLossError("stories: truncated");
  fresh.RebuildIndex();
  *this = std::move(fresh);
  *pos = reader.pos();
  return absl::OkStatus();
}

}  // namespace tag
}  // namespace newsflow
