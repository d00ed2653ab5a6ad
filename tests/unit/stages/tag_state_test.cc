// The state file's incremental save: a base plus a log of the changes
// since it (tag_state.h).
#include "stages/tag/tag_state.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "stages/tag/entity_identity.h"
#include "stages/tag/keywords.h"
#include "stages/tag/stories.h"
#include "tests/unit/stages/tag_test_util.h"

namespace newsflow {
namespace tag {
namespace {

using testing_util::FreshDir;

// The three parts of a tag stage's stream state, bounded small so that a
// few hundred articles evict identities, close stories and forget members.
struct Stream {
  Stream()
      : identities(IdentityOptions()),
        stories(Options()),
        frequencies(/*max_terms=*/300) {}
  static EntityIdentityOptions IdentityOptions() {
    EntityIdentityOptions options;
    options.max_identities = 60;
    options.max_neighbors = 4;
    return options;
  }
  static StoryOptions Options() {
    StoryOptions options;
    options.max_open = 25;
    options.max_fingerprints = 70;
    options.max_members = 90;
    return options;
  }

  // Article `n` of a made-up stream: a few of a pool of names (people by
  // full name and surname, organisations and their acronyms) and terms of
  // one of a few topics. Returns what it was tagged with: the entities'
  // canonical ids and the story id.
  std::string Feed(int n) {
    return FeedAs(n, "article-" + std::to_string(n),
                  /*long_first_story=*/true, /*recall_places=*/false);
  }
  // The same, delivered under `id` (a re-delivery, or another article under
  // a reused id, so that open stories share ids); without the long first
  // story, and naming an earlier article's place every fifth article.
  std::string FeedAs(int n, const std::string& id, bool long_first_story,
                     bool recall_places) {
    static const char* const kPeople[] = {"Anna Berg", "Tomas Lind",
                                          "Maria Holm", "Erik Sand"};
    static const char* const kOrganisations[] = {
        "Nordic Rail Union", "Harbour Water Board", "City Arts Council"};
    static const char* const kAcronyms[] = {"NRU", "HWB", "CAC"};
    google::protobuf::RepeatedPtrField<v1::Entity> entities;
    auto add = [&](const std::string& text, v1::EntityType type) {
      v1::Entity* entity = entities.Add();
      entity->set_text(text);
      entity->set_type(type);
      entity->set_mentions(1 + n % 3);
      entity->add_aliases(text);
    };
    // One long story first: the stories after it take its members once
    // the bound is reached, though it has no new article.
    const int topic = long_first_story && n < 100 ? 0 : (n * 7) % 41;
    add(kPeople[n % 4], v1::PERSON);
    if (n % 3 == 0) add(kPeople[(n + 1) % 4], v1::PERSON);
    add(n % 2 ? kOrganisations[topic % 3] : kAcronyms[topic % 3], v1::ORG);
    // A name of its own every few articles: new identities to evict.
    if (n % 4 == 0) add("Place" + std::to_string(n), v1::LOC);
    if (recall_places && n % 5 == 0) {
      add("Place" + std::to_string(n - 20), v1::LOC);
    }
    identities.Resolve(&entities);

    StoryInput input;
    input.article_id = id;
    // The stories by their terms alone: the names above recur across
    // topics.
    for (int t = 0; t < 12; ++t) {
      input.terms.emplace_back(
          "topic" + std::to_string(topic) + "term" + std::to_string(t),
          1 / std::sqrt(12.0));
    }
    input.terms.emplace_back("word" + std::to_string(n % 37), 0.2);
    input.simhash = 0x9e3779b97f4a7c15ull * static_cast<uint64_t>(n + 1);
    for (const auto& [term, weight] : input.terms) frequencies.CountTerm(term);
    frequencies.EndDocument();
    std::string tagged;
    for (const v1::Entity& entity : entities) {
      tagged += entity.canonical_id() + " ";
    }
    return tagged + stories.Assign(input).story_id;
  }

  // The whole state as a whole save writes it.
  std::string Bytes() const {
    std::string bytes;
    identities.AppendTo(&bytes);
    stories.AppendTo(&bytes);
    frequencies.AppendTo(&bytes);
    return bytes;
  }

  EntityIdentity identities;
  StoryClusterer stories;
  DocumentFrequencies frequencies;
};

std::unique_ptr<StateFile> OpenState(const std::string& path,
                                     double compact_after) {
  absl::StatusOr<std::unique_ptr<StateFile>> state =
      StateFile::Open(path, compact_after);
  EXPECT_TRUE(state.ok()) << state.status();
  return state.ok() ? *std::move(state) : nullptr;
}

absl::Status Save(StateFile* state, const Stream& stream) {
  return state->Save(stream.identities, stream.stories, stream.frequencies);
}

absl::Status Load(StateFile* state, Stream* stream) {
  return state->Load(&stream->identities, &stream->stories,
                     &stream->frequencies);
}

// Never compacts: every save after the first is a log record.
constexpr double kNeverCompact = 1e9;

// A state saved as a base and then a log record every 40 articles loads as
// the same state saved whole: byte for byte, and tagging the articles that
// follow alike.
TEST(TagStateTest, IncrementalSavesLoadAsTheWholeStateDoes) {
  const std::filesystem::path dir = FreshDir("tag_state_incremental_test");
  const std::string logged = (dir / "logged.bin").string();
  const std::string whole = (dir / "whole.bin").string();
  Stream live;
  {
    std::unique_ptr<StateFile> state = OpenState(logged, kNeverCompact);
    ASSERT_NE(state, nullptr);
    int records = 0;
    for (int n = 0; n < 400; ++n) {
      live.Feed(n);
      if (n % 40 == 39) {
        ASSERT_TRUE(Save(state.get(), live).ok());
        records += !state->last_save_whole();
      }
    }
    EXPECT_EQ(records, 9) << "a base, then log records";
    EXPECT_GT(std::filesystem::file_size(state->log_path()), 0u);
    // Bounded: identities were evicted, stories closed, members forgotten.
    EXPECT_LE(live.stories.open_stories(), Stream::Options().max_open);
    EXPECT_GT(live.stories.open_stories(), Stream::Options().max_open / 2);
    EXPECT_LE(live.stories.Stats().members, Stream::Options().max_members);
  }
  {
    std::unique_ptr<StateFile> state = OpenState(whole, 0);
    ASSERT_NE(state, nullptr);
    ASSERT_TRUE(Save(state.get(), live).ok());
    ASSERT_TRUE(Save(state.get(), live).ok());
    EXPECT_TRUE(state->last_save_whole());
    EXPECT_FALSE(std::filesystem::exists(state->log_path()));
  }
  Stream from_log;
  Stream from_whole;
  {
    std::unique_ptr<StateFile> state = OpenState(logged, kNeverCompact);
    ASSERT_TRUE(Load(state.get(), &from_log).ok());
    EXPECT_TRUE(state->warnings().empty());
  }
  {
    std::unique_ptr<StateFile> state = OpenState(whole, kNeverCompact);
    ASSERT_TRUE(Load(state.get(), &from_whole).ok());
  }
  EXPECT_TRUE(from_log.Bytes() == live.Bytes());
  EXPECT_TRUE(from_log.Bytes() == from_whole.Bytes());
  for (int n = 400; n < 480; ++n) {
    const std::string expected = from_whole.Feed(n);
    ASSERT_EQ(from_log.Feed(n), expected) << "article " << n;
    ASSERT_EQ(live.Feed(n), expected) << "article " << n;
  }
  std::filesystem::remove_all(dir);
}

// A log record cut short or damaged (a crash while appending, a bad disk)
// is ignored with a warning naming the log and the record's offset; the
// saves before it load, and the next save appends after them.
TEST(TagStateTest, ATornLogRecordIsIgnoredWithAWarning) {
  const std::filesystem::path dir = FreshDir("tag_state_torn_test");
  const std::string path = (dir / "tag-state.bin").string();
  Stream live;
  std::string after_first_record;
  size_t first_record_end = 0;
  std::string log_path;
  {
    std::unique_ptr<StateFile> state = OpenState(path, kNeverCompact);
    ASSERT_NE(state, nullptr);
    log_path = state->log_path();
    for (int n = 0; n < 90; ++n) {
      live.Feed(n);
      if (n % 30 == 29) {
        ASSERT_TRUE(Save(state.get(), live).ok());
      }
      if (n == 59) {
        after_first_record = live.Bytes();
        first_record_end = std::filesystem::file_size(log_path);
      }
    }
  }
  std::string log;
  {
    std::ifstream in(log_path, std::ios::binary);
    log.assign(std::istreambuf_iterator<char>(in), {});
  }
  ASSERT_GT(log.size(), first_record_end + 100);
  auto write_log = [&](const std::string& bytes) {
    std::ofstream(log_path, std::ios::binary | std::ios::trunc) << bytes;
  };
  auto load = [&](Stream* stream, std::vector<std::string>* warnings) {
    std::unique_ptr<StateFile> state = OpenState(path, kNeverCompact);
    absl::Status status = Load(state.get(), stream);
    *warnings = state->warnings();
    return status;
  };
  const std::string offset = "offset " + std::to_string(first_record_end);
  for (const bool cut : {true, false}) {
    std::string damaged = log;
    if (cut) {
      damaged.resize(log.size() - 5);
    } else {
      damaged[first_record_end + (log.size() - first_record_end) / 2] ^= 0x20;
    }
    write_log(damaged);
    Stream loaded;
    std::vector<std::string> warnings;
    ASSERT_TRUE(load(&loaded, &warnings).ok());
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_NE(warnings[0].find(log_path), std::string::npos) << warnings[0];
    EXPECT_NE(warnings[0].find(offset), std::string::npos) << warnings[0];
    EXPECT_TRUE(loaded.Bytes() == after_first_record) << "cut: " << cut;
    EXPECT_EQ(std::filesystem::file_size(log_path), first_record_end)
        << "the torn record is cut off";
  }
  // Saving again appends after the last whole record; it all loads.
  Stream resumed;
  {
    std::unique_ptr<StateFile> state = OpenState(path, kNeverCompact);
    ASSERT_TRUE(Load(state.get(), &resumed).ok());
    for (int n = 60; n < 75; ++n) resumed.Feed(n);
    ASSERT_TRUE(Save(state.get(), resumed).ok());
    EXPECT_FALSE(state->last_save_whole());
  }
  Stream reloaded;
  std::vector<std::string> warnings;
  ASSERT_TRUE(load(&reloaded, &warnings).ok());
  EXPECT_TRUE(warnings.empty());
  EXPECT_TRUE(reloaded.Bytes() == resumed.Bytes());
  std::filesystem::remove_all(dir);
}

// A log removed between two saves (by hand, say) is not appended to as if
// it were there: the next save writes the whole state.
TEST(TagStateTest, ALogRemovedBetweenSavesMakesTheNextSaveWhole) {
  const std::filesystem::path dir = FreshDir("tag_state_removed_log_test");
  const std::string path = (dir / "tag-state.bin").string();
  Stream live;
  {
    std::unique_ptr<StateFile> state = OpenState(path, kNeverCompact);
    ASSERT_NE(state, nullptr);
    for (int n = 0; n < 60; ++n) {
      live.Feed(n);
      if (n % 20 != 19) continue;
      if (n == 59) std::filesystem::remove(state->log_path());
      ASSERT_TRUE(Save(state.get(), live).ok());
      EXPECT_EQ(state->last_save_whole(), n != 39) << "article " << n;
    }
  }
  Stream loaded;
  std::unique_ptr<StateFile> state = OpenState(path, kNeverCompact);
  ASSERT_TRUE(Load(state.get(), &loaded).ok());
  EXPECT_TRUE(state->warnings().empty());
  EXPECT_TRUE(loaded.Bytes() == live.Bytes());
  state.reset();
  std::filesystem::remove_all(dir);
}

// When the log outgrows its share of the base, a save writes a new base and
// empties the log; nothing saved is lost on the way. A log left beside a
// newer base (a crash before it was emptied) is not applied to it.
// A base that a log may follow carries a version a binary without logs
// refuses ("unknown version"): loading the base alone would be a stale
// state, taken without a word (review 14f).
TEST(TagStateTest, ABaseALogMayFollowIsRefusedByALogUnawareVersion) {
  const std::filesystem::path dir = FreshDir("tag_state_version_test");
  const std::string path = (dir / "tag-state.bin").string();
  Stream live;
  {
    std::unique_ptr<StateFile> state = OpenState(path, kNeverCompact);
    ASSERT_NE(state, nullptr);
    live.Feed(0);
    ASSERT_TRUE(Save(state.get(), live).ok());
    live.Feed(1);
    ASSERT_TRUE(Save(state.get(), live).ok());
    ASSERT_FALSE(state->last_save_whole());
  }
  std::ifstream in(path, std::ios::binary);
  std::string header(12, '\0');
  in.read(header.data(), 12);
  ASSERT_EQ(header.substr(0, 8), "NFTAGST1");
  const uint32_t version = static_cast<unsigned char>(header[8]) |
                           static_cast<unsigned char>(header[9]) << 8 |
                           static_cast<unsigned char>(header[10]) << 16 |
                           static_cast<unsigned char>(header[11]) << 24;
  // Version 2, the last that had no log, would be read whole by a binary
  // before the log and its records lost.
  EXPECT_EQ(version, 3u);
  Stream loaded;
  std::unique_ptr<StateFile> state = OpenState(path, kNeverCompact);
  ASSERT_TRUE(Load(state.get(), &loaded).ok());
  EXPECT_TRUE(loaded.Bytes() == live.Bytes());
}

TEST(TagStateTest, CompactionKeepsEverything) {
  const std::filesystem::path dir = FreshDir("tag_state_compaction_test");
  const std::string path = (dir / "tag-state.bin").string();
  Stream live;
  int bases = 0;
  int records = 0;
  std::string stale_log;
  {
    std::unique_ptr<StateFile> state = OpenState(path, 0.5);
    ASSERT_NE(state, nullptr);
    for (int n = 0; n < 300; ++n) {
      live.Feed(n);
      if (n % 20 != 19) continue;
      const bool log_before = std::filesystem::exists(state->log_path());
      if (log_before) {
        std::ifstream in(state->log_path(), std::ios::binary);
        stale_log.assign(std::istreambuf_iterator<char>(in), {});
      }
      ASSERT_TRUE(Save(state.get(), live).ok());
      if (state->last_save_whole()) {
        ++bases;
        EXPECT_FALSE(std::filesystem::exists(state->log_path()));
        // The state loads whole from the new base alone.
        if (log_before) break;
      } else {
        ++records;
      }
    }
  }
  EXPECT_GE(bases, 2) << "the log was compacted";
  EXPECT_GE(records, 1);
  Stream loaded;
  {
    std::unique_ptr<StateFile> state = OpenState(path, 0.5);
    ASSERT_TRUE(Load(state.get(), &loaded).ok());
  }
  EXPECT_TRUE(loaded.Bytes() == live.Bytes());
  // The log of the base before, as a crash after renaming the new base
  // would have left it: ignored, without a warning.
  ASSERT_FALSE(stale_log.empty());
  std::ofstream((dir / "tag-state.bin.log").string(),
                std::ios::binary | std::ios::trunc)
      << stale_log;
  Stream beside_stale;
  {
    std::unique_ptr<StateFile> state = OpenState(path, 0.5);
    ASSERT_TRUE(Load(state.get(), &beside_stale).ok());
    EXPECT_TRUE(state->warnings().empty());
  }
  EXPECT_TRUE(beside_stale.Bytes() == live.Bytes());
  std::filesystem::remove_all(dir);
}

// Property tests written by review 14f (random saves and restarts; cuts
// and flipped bytes of the log).
namespace review14f {

// Random articles (some under reused article ids), random saves, restarts
// (save, drop the process, load base+log, go on from what was loaded) and
// compaction thresholds: what is loaded is always what was live, byte for
// byte, and tags the next articles as a whole save's load does.
TEST(TagStateTest, RandomSavesRestartsAndCompactionsLoadAsTheLiveState) {
  for (int seed = 0; seed < 12; ++seed) {
    SCOPED_TRACE(seed);
    std::mt19937 rng(seed);
    const std::filesystem::path dir =
        FreshDir("rev14f_prop_" + std::to_string(seed));
    const std::string path = (dir / "state.bin").string();
    const double compact = seed % 3 == 0   ? 0.4
                           : seed % 3 == 1 ? 1.0
                                           : kNeverCompact;
    auto live = std::make_unique<Stream>();
    auto state = OpenState(path, compact);
    ASSERT_NE(state, nullptr);
    int n = 0;
    for (int step = 0; step < 400; ++step) {
      const int article = n++;
      std::string id = "article-" + std::to_string(article);
      if (article > 5 && rng() % 6 == 0) {
        id = "article-" + std::to_string(rng() % article);  // reused id
      }
      live->FeedAs(article, id, /*long_first_story=*/false,
                   /*recall_places=*/true);
      if (rng() % 5 == 0) {
        ASSERT_TRUE(Save(state.get(), *live).ok());
      }
      if (rng() % 37 == 0) {
        ASSERT_TRUE(Save(state.get(), *live).ok());
        state.reset();
        state = OpenState(path, compact);
        auto loaded = std::make_unique<Stream>();
        absl::Status s = Load(state.get(), loaded.get());
        ASSERT_TRUE(s.ok()) << s << " at step " << step;
        ASSERT_TRUE(state->warnings().empty()) << state->warnings()[0];
        ASSERT_TRUE(loaded->Bytes() == live->Bytes()) << "step " << step;
        live = std::move(loaded);
      }
    }
    ASSERT_TRUE(Save(state.get(), *live).ok());
    state.reset();
    Stream from_log;
    {
      auto again = OpenState(path, compact);
      absl::Status s = Load(again.get(), &from_log);
      ASSERT_TRUE(s.ok()) << s;
    }
    const std::string whole_path = (dir / "whole.bin").string();
    {
      auto whole = OpenState(whole_path, 0);
      ASSERT_TRUE(Save(whole.get(), *live).ok());
    }
    Stream from_whole;
    {
      auto whole = OpenState(whole_path, 0);
      ASSERT_TRUE(Load(whole.get(), &from_whole).ok());
    }
    ASSERT_TRUE(from_log.Bytes() == live->Bytes());
    ASSERT_TRUE(from_log.Bytes() == from_whole.Bytes());
    for (int m = n; m < n + 60; ++m) {
      const std::string id = "article-" + std::to_string(m % 2 ? m : m / 3);
      const std::string expected = from_whole.FeedAs(
          m, id, /*long_first_story=*/false, /*recall_places=*/true);
      ASSERT_EQ(from_log.FeedAs(m, id, /*long_first_story=*/false,
                                /*recall_places=*/true),
                expected)
          << "article " << m;
    }
    std::filesystem::remove_all(dir);
  }
}

// A crash at any byte of an append (the log cut there) or a flipped byte
// anywhere in the log loads as the state of some earlier save, never as
// another state; and the next save after a cut appends and loads.
TEST(TagStateTest, EveryCutOrFlippedByteOfTheLogLoadsAnEarlierSave) {
  const std::filesystem::path dir = FreshDir("rev14f_cuts");
  const std::string path = (dir / "state.bin").string();
  Stream live;
  std::vector<std::string> snapshots;  // after each save
  std::vector<size_t> log_sizes;       // the log's size after each save
  {
    auto state = OpenState(path, kNeverCompact);
    for (int n = 0; n < 160; ++n) {
      live.Feed(n);
      if (n % 40 == 39) {
        ASSERT_TRUE(Save(state.get(), live).ok());
        snapshots.push_back(live.Bytes());
        log_sizes.push_back(std::filesystem::exists(state->log_path())
                                ? std::filesystem::file_size(state->log_path())
                                : 0);
      }
    }
  }
  std::string log;
  {
    std::ifstream in(path + ".log", std::ios::binary);
    log.assign(std::istreambuf_iterator<char>(in), {});
  }
  ASSERT_EQ(log.size(), log_sizes.back());
  const std::string scratch = (dir / "scratch.bin").string();
  auto try_log = [&](const std::string& bytes, bool flipped) {
    std::filesystem::remove(scratch);
    std::filesystem::copy_file(path, scratch);
    {
      std::ofstream out(scratch + ".log", std::ios::binary | std::ios::trunc);
      out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    }
    Stream loaded;
    auto state = OpenState(scratch, kNeverCompact);
    absl::Status s = Load(state.get(), &loaded);
    if (!s.ok()) {
      EXPECT_TRUE(flipped) << s;
      return;
    }
    const std::string got = loaded.Bytes();
    bool earlier = false;
    for (const std::string& snap : snapshots) earlier |= got == snap;
    EXPECT_TRUE(earlier) << "log of " << bytes.size() << " bytes";
    // The next save appends after the cut, and loads.
    loaded.Feed(1000);
    ASSERT_TRUE(Save(state.get(), loaded).ok());
    const std::string after = loaded.Bytes();
    state.reset();
    Stream again;
    auto reopened = OpenState(scratch, kNeverCompact);
    ASSERT_TRUE(Load(reopened.get(), &again).ok());
    EXPECT_TRUE(again.Bytes() == after) << "log of " << bytes.size();
  };
  for (size_t cut = 0; cut < log.size(); cut += 1 + cut % 97) {
    try_log(log.substr(0, cut), false);
  }
  std::mt19937 rng(7);
  for (int i = 0; i < 50; ++i) {
    std::string bytes = log;
    bytes[rng() % bytes.size()] ^= static_cast<char>(1 + rng() % 255);
    try_log(bytes, true);
  }
  std::filesystem::remove_all(dir);
}

}  // namespace review14f

}  // namespace
}  // namespace tag
}  // namespace newsflow
