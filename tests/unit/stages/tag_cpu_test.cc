// The tag stage's CPU mechanisms that change no output: huge-page tables
// (huge_pages.h), the NER's row store in huge-page chunks, and the document
// frequencies' single table (keywords.h), and the identities' "seen with"
// counting (entity_identity.h) on articles naming many identities.
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "stages/tag/entity_identity.h"
#include "stages/tag/huge_pages.h"
#include "stages/tag/keywords.h"
#include "stages/tag/ner_tagger.h"
#include "tests/unit/stages/tag_test_util.h"

namespace newsflow {
namespace tag {
namespace {

TEST(HugePagesTest, ABigBlockStartsOnAHugePageAndIsUsableWhole) {
  for (size_t bytes :
       {kHugePageBytes, kHugePageBytes * 3 / 2 + 5, kHugePageBytes * 4}) {
    auto* block = static_cast<unsigned char*>(AllocateHugePageBlock(bytes));
    ASSERT_NE(block, nullptr);
    // A huge page must be aligned in memory: a block that is not cannot
    // start on one.
    EXPECT_EQ(reinterpret_cast<uintptr_t>(block) % kHugePageBytes, 0u) << bytes;
    for (size_t i = 0; i < bytes; i += 4096) block[i] = 1;
    block[bytes - 1] = 2;
    EXPECT_EQ(block[bytes - 1], 2);
    FreeHugePageBlock(block, bytes);
  }
  // Small blocks are not mapped on their own.
  EXPECT_FALSE(IsMappedHugePageBlock(kHugePageBytes - 1));
  void* small = AllocateHugePageBlock(100);
  ASSERT_NE(small, nullptr);
  FreeHugePageBlock(small, 100);
}

// The cut of an over-mapped region: the block starts on the region's first
// huge-page boundary and the head and tail unmapped add up to the one extra
// huge page, whatever the region's alignment (this kernel aligns large
// mappings itself, so AllocateHugePageBlock alone never shows an unaligned
// region).
TEST(HugePagesTest, TheCutStartsOnTheFirstBoundaryOfAnyRegion) {
  const size_t mapped = 3 * kHugePageBytes;
  for (uintptr_t region :
       {uintptr_t{0x7f0000000000}, uintptr_t{0x7f0000000000} + 4096,
        uintptr_t{0x7f0000000000} + kHugePageBytes - 4096,
        uintptr_t{0x7f0000000000} + kHugePageBytes + 8192}) {
    const HugePageCut cut = CutToHugePage(region);
    EXPECT_EQ(cut.start % kHugePageBytes, 0u) << region;
    EXPECT_GE(cut.start, region);
    EXPECT_LT(cut.start - region, kHugePageBytes) << region;
    EXPECT_EQ(cut.head_bytes, cut.start - region);
    EXPECT_EQ(cut.head_bytes + cut.tail_bytes, kHugePageBytes) << region;
    EXPECT_EQ(cut.start + mapped + cut.tail_bytes,
              region + mapped + kHugePageBytes);
  }
}

// A size that cannot be mapped throws, as the header promises (rounding up
// once wrapped around to a 2 MiB block returned unmapped).
TEST(HugePagesTest, AnImpossibleSizeThrows) {
  EXPECT_THROW(AllocateHugePageBlock(SIZE_MAX - 4096), std::bad_alloc);
  EXPECT_THROW(AllocateHugePageBlock(SIZE_MAX - 3 * kHugePageBytes),
               std::bad_alloc);
}

TEST(HugePagesTest, ContainersKeepTheirContentsAcrossTheThreshold) {
  HugePageVector<uint64_t> values;
  HugePageHashMap<std::string, uint64_t> map;
  // Past kHugePageBytes of values (2 MiB / 8 bytes) and of map slots.
  for (uint64_t i = 0; i < 400000; ++i) {
    values.push_back(i * 7);
    map[std::to_string(i)] = i;
  }
  for (uint64_t i = 0; i < 400000; i += 997) {
    EXPECT_EQ(values[i], i * 7);
    auto it = map.find(absl::string_view(std::to_string(i)));
    ASSERT_NE(it, map.end());
    EXPECT_EQ(it->second, i);
  }
}

TEST(NerRowStoreTest, RowsStayPutAndStartZeroedAcrossChunks) {
  // 4 KiB rows: 4,096 rows to a 16 MiB chunk, so 5,000 rows take two.
  const size_t row_floats = 1024;
  NerRowStore store(row_floats);
  std::vector<float*> rows;
  for (size_t i = 0; i < 5000; ++i) {
    const size_t slot = store.Add();
    ASSERT_EQ(slot, i);
    float* row = store.Row(slot);
    for (size_t f = 0; f < row_floats; ++f) ASSERT_EQ(row[f], 0.0f);
    row[0] = static_cast<float>(i);
    row[row_floats - 1] = static_cast<float>(i) + 0.5f;
    rows.push_back(row);
  }
  for (size_t i = 0; i < rows.size(); ++i) {
    ASSERT_EQ(store.Row(i), rows[i]);
    EXPECT_EQ(rows[i][0], static_cast<float>(i));
    EXPECT_EQ(rows[i][row_floats - 1], static_cast<float>(i) + 0.5f);
  }
  // Cleared, the memory is reused and rows start zeroed again.
  store.Clear();
  EXPECT_EQ(store.size(), 0u);
  EXPECT_EQ(store.Add(), 0u);
  EXPECT_EQ(store.Row(0), rows[0]);
  for (size_t f = 0; f < row_floats; ++f) ASSERT_EQ(store.Row(0)[f], 0.0f);
}

TEST(NerRowStoreTest, SmallChunksKeepRowsApartToo) {
  // 4 KiB rows in 64 KiB chunks: 16 rows each, ordinary memory.
  NerRowStore store(1024, size_t{64} << 10);
  std::vector<float*> rows;
  for (size_t i = 0; i < 100; ++i) {
    float* row = store.Row(store.Add());
    row[0] = static_cast<float>(i);
    rows.push_back(row);
  }
  for (size_t i = 0; i < rows.size(); ++i) {
    ASSERT_EQ(store.Row(i), rows[i]);
    EXPECT_EQ(rows[i][0], static_cast<float>(i));
  }
}

// A background table of two terms over 1,000 documents.
std::string BackgroundTable() {
  const std::string path =
      (testing_util::FreshDir("tag_cpu_df") / "df.tsv").string();
  std::ofstream out(path);
  out << "#documents 1000\nharbour\t40\nlighthous\t3\n";
  return path;
}

TEST(DocumentFrequenciesTest, IdfThenCountIsIdfBeforeCountTerm) {
  const std::string path = BackgroundTable();
  DocumentFrequencies apart, together;
  ASSERT_TRUE(apart.LoadBackground(path).ok());
  ASSERT_TRUE(together.LoadBackground(path).ok());
  const std::vector<std::vector<std::string>> documents = {
      {"harbour", "ferri", "storm"},
      {"storm", "lighthous"},
      {"harbour", "storm", "quay"},
  };
  for (const auto& terms : documents) {
    for (const std::string& term : terms) {
      const double idf = apart.Idf(term);
      apart.CountTerm(term);
      EXPECT_EQ(together.IdfThenCount(term), idf) << term;
    }
    apart.EndDocument();
    together.EndDocument();
  }
  EXPECT_EQ(together.stream_terms(), apart.stream_terms());
  EXPECT_EQ(together.stream_terms(), 5u);
  for (const char* term : {"harbour", "lighthous", "storm", "quay", "none"}) {
    EXPECT_EQ(together.Idf(term), apart.Idf(term)) << term;
  }
  // df 40 + 2 from the stream, over 1,003 documents.
  EXPECT_DOUBLE_EQ(together.Idf("harbour"), std::log(1004.0 / 43.0) + 1);
}

TEST(DocumentFrequenciesTest, StreamTermsStayBoundedAndBackgroundStays) {
  DocumentFrequencies frequencies(/*max_terms=*/10);
  ASSERT_TRUE(frequencies.LoadBackground(BackgroundTable()).ok());
  for (int d = 0; d < 50; ++d) {
    // Two terms of every document recur; the others are new each time.
    frequencies.IdfThenCount("harbour");
    frequencies.IdfThenCount("storm");
    for (int t = 0; t < 4; ++t) {
      frequencies.IdfThenCount("new" + std::to_string(d * 4 + t));
    }
    frequencies.EndDocument();
    EXPECT_LE(frequencies.stream_terms(), 10u) << d;
  }
  // Forgetting the stream's once-seen terms keeps recurring ones and the
  // background: "harbour" 40 + 50, "storm" 50, "lighthous" 3 alone.
  EXPECT_DOUBLE_EQ(frequencies.Idf("harbour"), std::log(1051.0 / 91.0) + 1);
  EXPECT_DOUBLE_EQ(frequencies.Idf("storm"), std::log(1051.0 / 51.0) + 1);
  EXPECT_DOUBLE_EQ(frequencies.Idf("lighthous"), std::log(1051.0 / 4.0) + 1);
}

TEST(DocumentFrequenciesTest, TheStateHoldsStreamCountsAndReplacesThem) {
  const std::string path = BackgroundTable();
  DocumentFrequencies frequencies;
  ASSERT_TRUE(frequencies.LoadBackground(path).ok());
  frequencies.CountTerm("harbour");
  frequencies.CountTerm("storm");
  frequencies.EndDocument();
  std::string saved;
  frequencies.AppendTo(&saved);

  DocumentFrequencies restored;
  ASSERT_TRUE(restored.LoadBackground(path).ok());
  // Counts from before the load are replaced, not added to.
  restored.CountTerm("quay");
  restored.CountTerm("harbour");
  restored.EndDocument();
  size_t pos = 0;
  ASSERT_TRUE(restored.ReadFrom(saved, &pos).ok());
  EXPECT_EQ(pos, saved.size());
  EXPECT_EQ(restored.stream_terms(), 2u);
  for (const char* term : {"harbour", "storm", "quay", "lighthous"}) {
    EXPECT_EQ(restored.Idf(term), frequencies.Idf(term)) << term;
  }
  std::string again;
  restored.AppendTo(&again);
  EXPECT_EQ(again, saved);
}

// Distinct organisation names no identity rule joins: a made-up first word
// per index (letters of the index in base 26), so no prefix, initials or
// spelling rule relates two of them.
std::string OrganisationName(int index) {
  std::string word = "Q";
  for (int n = index; n > 0 || word.size() == 1; n /= 26) {
    word.push_back(static_cast<char>('a' + n % 26));
  }
  return word + "vel Trust";
}

// Resolves one article naming the organisations `indexes` (in that order)
// and returns their canonical ids, in the same order.
std::vector<std::string> ResolveOrganisations(EntityIdentity* identity,
                                              const std::vector<int>& indexes) {
  google::protobuf::RepeatedPtrField<v1::Entity> entities;
  for (int index : indexes) {
    v1::Entity* entity = entities.Add();
    entity->set_text(OrganisationName(index));
    entity->set_type(v1::ORG);
    entity->set_mentions(1);
    entity->add_aliases(OrganisationName(index));
    entity->set_canonical(OrganisationName(index));
  }
  identity->Resolve(&entities);
  std::vector<std::string> ids;
  for (const v1::Entity& entity : entities)
    ids.push_back(entity.canonical_id());
  return ids;
}

std::vector<int> Range(int from, int to) {
  std::vector<int> indexes;
  for (int i = from; i < to; ++i) indexes.push_back(i);
  return indexes;
}

// "Seen with" on an article of 300 names and the articles after it: each
// list holds the identities seen together most, then, among equal counts,
// the earlier listed, then this article's newcomers in the order the
// article settled them, cut at max_neighbors (32). Pins the lists the
// quadratic loop gave (NoteSeenTogether walks only a list and the cap).
TEST(SeenWithTest, ManyNamesKeepTheFirstSeenAndCountRepeats) {
  EntityIdentity identity;
  std::vector<std::string> id = ResolveOrganisations(&identity, Range(0, 300));
  ASSERT_EQ(identity.size(), 300u);
  auto expect_seen = [&](int of, const std::vector<std::pair<int, int>>& want) {
    std::vector<std::pair<std::string, uint32_t>> ids;
    for (const auto& [index, count] : want) {
      ids.emplace_back(id[index], static_cast<uint32_t>(count));
    }
    EXPECT_EQ(identity.SeenWith(id[of]), ids) << "seen with " << of;
  };
  auto run = [](int from, int to, int count, int skip = -1) {
    std::vector<std::pair<int, int>> seen;
    for (int i = from; i < to; ++i) {
      if (i != skip) seen.emplace_back(i, count);
    }
    return seen;
  };
  // A fresh article: the first 32 others, once each.
  expect_seen(0, run(1, 33, 1));
  expect_seen(17, run(0, 33, 1, 17));
  expect_seen(299, run(0, 32, 1));

  // Ten of the first names again with ten later ones (all known, so
  // settled in the article's order): the repeats count twice and move
  // ahead; a full list takes no newcomer.
  std::vector<int> again = Range(0, 10);
  for (int i = 200; i < 210; ++i) again.push_back(i);
  ResolveOrganisations(&identity, again);
  std::vector<std::pair<int, int>> want = run(1, 10, 2);
  for (const auto& seen : run(10, 33, 1)) want.push_back(seen);
  expect_seen(0, want);
  want = run(0, 10, 2);
  for (const auto& seen : run(10, 32, 1)) want.push_back(seen);
  expect_seen(205, want);

  // A short list under the cap takes every newcomer, known identities
  // (settled first) before new ones.
  std::vector<std::string> small =
      ResolveOrganisations(&identity, {400, 401, 5, 402});
  EXPECT_EQ(identity.SeenWith(small[0]),
            (std::vector<std::pair<std::string, uint32_t>>{
                {id[5], 1}, {small[1], 1}, {small[3], 1}}));
  EXPECT_TRUE(identity.SeenWith("no such id").empty());
}

// A short list that overflows in a long article keeps its own entries
// (counted again where the article names them) ahead of the newcomers,
// and of those the first in the article's order fill what is left.
TEST(SeenWithTest, AShortListOverflowingKeepsItsOwnThenTheFirstNewcomers) {
  EntityIdentityOptions options;
  options.max_neighbors = 4;
  EntityIdentity identity(options);
  std::vector<std::string> first = ResolveOrganisations(&identity, {0, 1, 2});
  // 2 and 0 are known, so settled first in the article's order (2, 0),
  // then the new names (10, 11, 12, ...).
  std::vector<int> article = Range(10, 60);
  article.insert(article.begin() + 5, 2);
  article.insert(article.begin() + 20, 0);
  std::vector<std::string> ids = ResolveOrganisations(&identity, article);
  EXPECT_EQ(identity.SeenWith(first[0]),
            (std::vector<std::pair<std::string, uint32_t>>{
                {first[2], 2}, {first[1], 1}, {ids[0], 1}, {ids[1], 1}}));
  EXPECT_EQ(identity.SeenWith(ids[30]),
            (std::vector<std::pair<std::string, uint32_t>>{
                {first[2], 1}, {first[0], 1}, {ids[0], 1}, {ids[1], 1}}));
}

}  // namespace
}  // namespace tag
}  // namespace newsflow
