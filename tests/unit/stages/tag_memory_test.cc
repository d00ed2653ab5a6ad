// The tag stage's memory bounds (README, Delivery: "Backpressure and
// memory"): what a long stream must not grow. Each test fails without its
// bound.

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "common/hash.h"
#include "gtest/gtest.h"
#include "stages/tag/binary_io.h"
#include "stages/tag/entity_identity.h"
#include "stages/tag/keywords.h"
#include "stages/tag/stories.h"
#include "stages/tag/tag_state.h"
#include "stages/tag/tokenizer.h"
#include "tests/unit/stages/tag_test_util.h"

namespace newsflow {
namespace tag {
namespace {

using testing_util::FreshDir;
using testing_util::Terms;

// Ten stories of sixty articles each would remember 600 members; the cap
// across stories keeps 100, taken from the stories remembering the most.
TEST(TagMemoryTest, RememberedMembersAreBoundedAcrossStories) {
  StoryOptions options;
  options.max_members = 100;
  StoryClusterer clusterer(options);
  for (int article = 0; article < 60; ++article) {
    for (int topic = 0; topic < 10; ++topic) {
      StoryInput input;
      input.article_id =
          "t" + std::to_string(topic) + "a" + std::to_string(article);
      input.terms = Terms("topic" + std::to_string(topic) + "term", 60);
      clusterer.Assign(input);
    }
  }
  EXPECT_EQ(clusterer.open_stories(), 10u);
  const StoryStats stats = clusterer.Stats();
  EXPECT_EQ(stats.members, 100u);
  std::map<std::string, int> per_story;
  for (const MemberCheck& check : clusterer.Audit()) {
    ++per_story[check.story_id];
  }
  ASSERT_EQ(per_story.size(), 10u);
  for (const auto& [story, members] : per_story) EXPECT_EQ(members, 10);

  // A state saved with more members than the reader's cap loads capped.
  std::string saved;
  StoryClusterer roomy;
  for (int article = 0; article < 30; ++article) {
    StoryInput input;
    input.article_id = "a" + std::to_string(article);
    input.terms = Terms("flood", 60);
    roomy.Assign(input);
  }
  roomy.AppendTo(&saved);
  size_t pos = 0;
  ASSERT_TRUE(clusterer.ReadFrom(saved, &pos).ok());
  EXPECT_EQ(clusterer.Stats().members, 30u);
  StoryOptions tight;
  tight.max_members = 8;
  StoryClusterer capped(tight);
  pos = 0;
  ASSERT_TRUE(capped.ReadFrom(saved, &pos).ok());
  EXPECT_EQ(capped.Stats().members, 8u);
}

// Remembered members keep their entity and term lists and bars through a
// state file (stored compactly in memory: 12 bytes an entry).
TEST(TagMemoryTest, RememberedMembersSurviveTheStateFile) {
  StoryClusterer clusterer;
  for (int article = 0; article < 12; ++article) {
    StoryInput input;
    input.article_id = "a" + std::to_string(article);
    input.terms = Terms("quake", 40 + article);
    clusterer.Assign(input);
  }
  std::string saved;
  clusterer.AppendTo(&saved);
  StoryClusterer restored;
  size_t pos = 0;
  ASSERT_TRUE(restored.ReadFrom(saved, &pos).ok());
  EXPECT_EQ(pos, saved.size());
  const std::vector<MemberCheck> before = clusterer.Audit();
  const std::vector<MemberCheck> after = restored.Audit();
  ASSERT_EQ(before.size(), after.size());
  ASSERT_FALSE(before.empty());
  for (size_t i = 0; i < before.size(); ++i) {
    EXPECT_EQ(before[i].story_id, after[i].story_id);
    EXPECT_EQ(before[i].bar, after[i].bar);
    EXPECT_NEAR(before[i].similarity, after[i].similarity, 1e-6);
    EXPECT_GE(after[i].similarity, after[i].bar - 1e-6);
  }
  EXPECT_EQ(restored.Stats().member_entries, clusterer.Stats().member_entries);
  std::string again;
  restored.AppendTo(&again);
  EXPECT_EQ(again, saved);
}

// Every soak article carries new numbers ("report 1234", "5678
// signatures"): numbers are not terms, so the stream's document
// frequencies stop growing once the words have been seen.
TEST(TagMemoryTest, NumbersNeverEnterDocumentFrequencies) {
  DocumentFrequencies frequencies;
  std::unique_ptr<KeywordExtractor> extractor =
      NewTfIdfKeywordExtractor(&frequencies);
  KeywordResult result;
  size_t after_first = 0;
  for (int i = 0; i < 1000; ++i) {
    const std::string body =
        "Report " + std::to_string(1000 + i) + ": a petition has gathered " +
        std::to_string(30000 + 7 * i) + " signatures, up " +
        std::to_string(i % 97) + "." + std::to_string(i % 10) +
        " percent, for the harbour plan worth " + std::to_string(i * 13) +
        ",000 pounds.";
    // The article points into its title and body.
    const std::string title = "Harbour petition " + std::to_string(i);
    TokenizedArticle article;
    article.Reset(title, body);
    extractor->Extract(article, 10, &result);
    for (const auto& [term, weight] : result.terms) {
      EXPECT_EQ(term.find_first_of("0123456789"), std::string::npos) << term;
    }
    if (i == 0) after_first = frequencies.stream_terms();
  }
  EXPECT_GT(after_first, 0u);
  EXPECT_EQ(frequencies.stream_terms(), after_first);
}

// A fresh directory for one test's state file, and `articles` articles of
// `topics` topics of `terms` terms each assigned to `stories`.
void AssignArticles(int articles, int topics, int terms,
                    StoryClusterer* stories) {
  for (int article = 0; article < articles; ++article) {
    StoryInput input;
    input.article_id = "article-" + std::to_string(article);
    input.terms =
        Terms("topic" + std::to_string(article % topics) + "term", terms);
    input.simhash = 0x9e3779b97f4a7c15ull * (article + 1);
    stories->Assign(input);
  }
}

// Saving a state of megabytes buffers a chunk at a time: the save costs no
// memory in proportion to the state (a whole-state string, grown by
// doubling, left the heap that much larger after each save).
TEST(TagMemoryTest, SavingTheStateBuffersAChunkAtATime) {
  const std::filesystem::path dir = FreshDir("tag_memory_test");
  const std::string path = (dir / "tag-state.bin").string();

  EntityIdentity identities;
  StoryClusterer stories;
  DocumentFrequencies frequencies;
  AssignArticles(2000, 40, 80, &stories);
  {
    absl::StatusOr<std::unique_ptr<StateFile>> state = StateFile::Open(path);
    ASSERT_TRUE(state.ok()) << state.status();
    ASSERT_TRUE((*state)->Save(identities, stories, frequencies).ok());
    EXPECT_GT((*state)->last_size(), size_t{2} << 20);
    EXPECT_EQ((*state)->last_size(), std::filesystem::file_size(path));
    EXPECT_GT((*state)->largest_buffer(), 0u);
    EXPECT_LE((*state)->largest_buffer(), size_t{80} << 10);

    EntityIdentity loaded_identities;
    StoryClusterer loaded_stories;
    DocumentFrequencies loaded_frequencies;
    ASSERT_TRUE(
        (*state)
            ->Load(&loaded_identities, &loaded_stories, &loaded_frequencies)
            .ok());
    EXPECT_EQ(loaded_stories.Stats().members, stories.Stats().members);
    EXPECT_EQ(loaded_stories.Stats().fingerprints, 2000u);
  }
  std::filesystem::remove_all(dir);
}

// State files written before the checksum changed (version 1, checked with
// StableHash64) still load; a damaged file of either version is refused.
TEST(TagStateTest, VersionOneFilesStillLoadAndDamageIsRefused) {
  const std::filesystem::path dir = FreshDir("tag_state_version_test");
  const std::string path = (dir / "tag-state.bin").string();
  EntityIdentity identities;
  StoryClusterer stories;
  DocumentFrequencies frequencies;
  AssignArticles(30, 3, 20, &stories);
  absl::StatusOr<std::unique_ptr<StateFile>> state = StateFile::Open(path);
  ASSERT_TRUE(state.ok()) << state.status();
  ASSERT_TRUE((*state)->Save(identities, stories, frequencies).ok());
  auto read = [&] {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  auto write = [&](const std::string& bytes) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
  };
  auto loads = [&] {
    EntityIdentity loaded_identities;
    StoryClusterer loaded_stories;
    DocumentFrequencies loaded_frequencies;
    absl::Status status = (*state)->Load(&loaded_identities, &loaded_stories,
                                         &loaded_frequencies);
    return status.ok() &&
           loaded_stories.Stats().members == stories.Stats().members;
  };
  const std::string saved = read();
  ASSERT_GT(saved.size(), 20u);
  EXPECT_TRUE(loads());

  std::string damaged = saved;
  damaged[damaged.size() / 2] ^= 0x10;
  write(damaged);
  EXPECT_FALSE(loads());

  // The same state as version 1 wrote it: version field 1 (after the
  // 8-byte magic), FNV-1a of everything before the last 8 bytes.
  std::string old = saved.substr(0, saved.size() - 8);
  old[8] = 1;
  const uint64_t fnv = StableHash64(old);
  for (int i = 0; i < 8; ++i) old.push_back(static_cast<char>(fnv >> (8 * i)));
  write(old);
  EXPECT_TRUE(loads());
  old[old.size() / 2] ^= 0x10;
  write(old);
  EXPECT_FALSE(loads());
  std::filesystem::remove_all(dir);
}

// The state and model files' encoding: fixed-width values little-endian
// whatever the host, each one appended whole, and read back as written.
TEST(TagStateTest, FixedWidthValuesAreWrittenLittleEndian) {
  std::string bytes = "x";
  PutU16(&bytes, 0x0102);
  PutU32(&bytes, 0x03040506u);
  PutU64(&bytes, 0x0708090a0b0c0d0eull);
  PutF64(&bytes, -2.5);
  PutString(&bytes, "ab");
  const std::string expected_prefix(
      "x\x02\x01\x06\x05\x04\x03\x0e\x0d\x0c\x0b\x0a\x09\x08\x07", 15);
  EXPECT_EQ(bytes.substr(0, 15), expected_prefix);
  ASSERT_EQ(bytes.size(), 15u + 8 + 4 + 2);
  BinaryReader reader(bytes, 1);
  EXPECT_EQ(reader.U16(), 0x0102);
  EXPECT_EQ(reader.U32(), 0x03040506u);
  EXPECT_EQ(reader.U64(), 0x0708090a0b0c0d0eull);
  EXPECT_EQ(reader.F64(), -2.5);
  EXPECT_EQ(reader.String(), "ab");
  EXPECT_TRUE(reader.ok());
  EXPECT_EQ(reader.remaining(), 0u);
}
}  // namespace
}  // namespace tag
}  // namespace newsflow
