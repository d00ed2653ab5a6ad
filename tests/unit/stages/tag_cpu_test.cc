// The tag stage's CPU mechanisms that change no output: huge-page tables
// (huge_pages.h), the NER's row store in huge-page chunks, and the document
// frequencies' single table (keywords.h), and the identities' "seen with"
// counting (entity_identity.h) on articles naming many identities.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <random>
#include <set>
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

// Adds organisation `index`, named once, to an article's entities.
v1::Entity* AddOrganisation(
    google::protobuf::RepeatedPtrField<v1::Entity>* entities, int index) {
  v1::Entity* entity = entities->Add();
  entity->set_text(OrganisationName(index));
  entity->set_type(v1::ORG);
  entity->set_mentions(1);
  entity->add_aliases(OrganisationName(index));
  entity->set_canonical(OrganisationName(index));
  return entity;
}

// Resolves one article naming the organisations `indexes` (in that order)
// and returns their canonical ids, in the same order.
std::vector<std::string> ResolveOrganisations(EntityIdentity* identity,
                                              const std::vector<int>& indexes) {
  google::protobuf::RepeatedPtrField<v1::Entity> entities;
  for (int index : indexes) AddOrganisation(&entities, index);
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

// ---- Review: differential test of NoteSeenTogether against the old loop ----

using Lists = std::map<uint32_t, std::vector<std::pair<uint32_t, uint32_t>>>;

// The loop NoteSeenTogether replaced (5829b48^), verbatim but for the map.
void OldNoteSeenTogether(Lists* identities,
                         const std::vector<uint32_t>& context,
                         size_t max_neighbors) {
  for (uint32_t serial : context) {
    auto it = identities->find(serial);
    if (it == identities->end()) continue;
    auto& neighbors = it->second;
    for (uint32_t other : context) {
      if (other == serial) continue;
      auto found =
          std::find_if(neighbors.begin(), neighbors.end(),
                       [&](const auto& p) { return p.first == other; });
      if (found != neighbors.end()) {
        ++found->second;
      } else {
        neighbors.emplace_back(other, 1);
      }
    }
    if (neighbors.size() > max_neighbors) {
      std::stable_sort(
          neighbors.begin(), neighbors.end(),
          [](const auto& a, const auto& b) { return a.second > b.second; });
      neighbors.resize(max_neighbors);
    }
  }
}

// The identities' state file (AppendTo), parsed: each identity's bytes up
// to its neighbour list, and the list.
struct ParsedIdentity {
  std::string head;  // serial .. aliases, as written
  std::string id;
  std::vector<std::pair<uint32_t, uint32_t>> neighbors;
};
struct ParsedState {
  uint32_t version = 0, next_serial = 0;
  uint64_t articles = 0;
  std::map<uint32_t, ParsedIdentity> identities;
};

uint32_t GetU32(std::string_view d, size_t* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= uint32_t(uint8_t(d[*p + i])) << (8 * i);
  *p += 4;
  return v;
}
uint64_t GetU64(std::string_view d, size_t* p) {
  uint64_t lo = GetU32(d, p);
  uint64_t hi = GetU32(d, p);
  return lo | (hi << 32);
}
std::string GetString(std::string_view d, size_t* p) {
  uint32_t n = GetU32(d, p);
  std::string s(d.substr(*p, n));
  *p += n;
  return s;
}
void PutU32To(std::string* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out->push_back(char((v >> (8 * i)) & 0xff));
}
void PutU64To(std::string* out, uint64_t v) {
  PutU32To(out, uint32_t(v));
  PutU32To(out, uint32_t(v >> 32));
}

ParsedState Parse(const EntityIdentity& identity) {
  std::string d;
  identity.AppendTo(&d);
  ParsedState st;
  size_t p = 0;
  st.version = GetU32(d, &p);
  st.next_serial = GetU32(d, &p);
  st.articles = GetU64(d, &p);
  uint32_t count = GetU32(d, &p);
  for (uint32_t i = 0; i < count; ++i) {
    size_t start = p;
    uint32_t serial = GetU32(d, &p);
    ParsedIdentity pi;
    pi.id = GetString(d, &p);
    for (int t = 0; t < 5; ++t) GetU32(d, &p);
    GetU32(d, &p);
    GetU64(d, &p);
    GetString(d, &p);
    uint32_t aliases = GetU32(d, &p);
    for (uint32_t a = 0; a < aliases; ++a) {
      GetString(d, &p);
      GetU32(d, &p);
    }
    pi.head = d.substr(start, p - start);
    uint32_t n = GetU32(d, &p);
    for (uint32_t k = 0; k < n; ++k) {
      uint32_t s = GetU32(d, &p);
      uint32_t c = GetU32(d, &p);
      pi.neighbors.emplace_back(s, c);
    }
    st.identities[serial] = std::move(pi);
  }
  EXPECT_EQ(p, d.size());
  return st;
}

std::string Serialize(const ParsedState& st) {
  std::string out;
  PutU32To(&out, st.version);
  PutU32To(&out, st.next_serial);
  PutU64To(&out, st.articles);
  PutU32To(&out, uint32_t(st.identities.size()));
  for (const auto& [serial, pi] : st.identities) {
    out += pi.head;
    PutU32To(&out, uint32_t(pi.neighbors.size()));
    for (auto [s, c] : pi.neighbors) {
      PutU32To(&out, s);
      PutU32To(&out, c);
    }
  }
  return out;
}

std::string ListText(const std::vector<std::pair<uint32_t, uint32_t>>& l) {
  std::string t;
  for (auto [s, c] : l) t += std::to_string(s) + ":" + std::to_string(c) + " ";
  return t;
}

// Runs `articles` random articles (0-400 names from a pool, with repeats in
// and across articles; some articles merge two known names), comparing
// every identity's list with the old loop's after each article. With
// `inject`, the lists are also tampered with through the state file as
// merges and old files can leave them (duplicates, the identity itself,
// gone serials, ties, lists at / over / far over the cap). With
// `round_trip`, the identities are saved and read back (whole and by
// changes) along the way.
void RunDifferential(uint32_t seed, size_t max_neighbors, int articles,
                     bool inject, bool round_trip) {
  SCOPED_TRACE("seed " + std::to_string(seed) + " cap " +
               std::to_string(max_neighbors));
  std::mt19937 rng(seed);
  EntityIdentityOptions options;
  options.max_neighbors = max_neighbors;
  auto identity = std::make_unique<EntityIdentity>(options);
  // Mirror kept by incremental saves.
  auto mirror = std::make_unique<EntityIdentity>(options);
  EntityIdentity::SaveMarks marks;
  Lists reference;
  std::map<int, uint32_t> serial_of_name;  // name index -> serial
  const int pool = 1200;
  int merges_done = 0, merges_last = 0, gone_in_context = 0;
  size_t longest_context = 0, longest_list = 0;
  for (int a = 0; a < articles; ++a) {
    SCOPED_TRACE("article " + std::to_string(a));
    // The article.
    std::uniform_int_distribution<int> length_of(0, 400);
    int length = length_of(rng);
    if (a % 7 == 0) length = std::uniform_int_distribution<int>(0, 3)(rng);
    std::vector<int> names;
    for (int i = 0; i < length; ++i) {
      if (!names.empty() && a % 4 != 1 && rng() % 5 == 0) {
        names.push_back(names[rng() % names.size()]);  // a repeat
      } else {
        names.push_back(int(rng() % pool));
      }
    }
    // Sometimes the first entity joins two known names (Absorb).
    int merge_a = -1, merge_b = -1;
    if (merges_done < 25 && rng() % 6 == 0 && serial_of_name.size() > 10) {
      auto pick = [&]() {
        auto it = serial_of_name.begin();
        std::advance(it, rng() % serial_of_name.size());
        return it->first;
      };
      merge_a = pick();
      merge_b = pick();
      if (serial_of_name[merge_a] == serial_of_name[merge_b]) merge_a = -1;
    }
    // The merging entity comes first, or last (then names it merges away
    // earlier in the article leave a gone serial in the context).
    const bool merge_last = merge_a >= 0 && rng() % 2 == 0;
    google::protobuf::RepeatedPtrField<v1::Entity> entities;
    auto add_merge_entity = [&]() {
      AddOrganisation(&entities, merge_a)
          ->add_aliases(OrganisationName(merge_b));
    };
    if (merge_a >= 0 && !merge_last) add_merge_entity();
    for (int index : names) AddOrganisation(&entities, index);
    if (merge_last) add_merge_entity();
    // The reference: the merge, then the context (known names first in
    // the article's order, then new ones), then the old loop.
    std::vector<uint32_t> context;
    auto add = [&](uint32_t s) {
      if (std::find(context.begin(), context.end(), s) == context.end())
        context.push_back(s);
    };
    uint32_t merged_from = 0;
    auto merge = [&]() {
      ++merges_done;
      uint32_t sa = serial_of_name[merge_a], sb = serial_of_name[merge_b];
      uint32_t into = std::min(sa, sb), from = std::max(sa, sb);
      auto& target = reference[into];
      for (auto p : reference[from]) target.push_back(p);
      reference.erase(from);
      for (auto& [name, s] : serial_of_name)
        if (s == from) s = into;
      // The article's context follows the surviving identity.
      auto gone = std::find(context.begin(), context.end(), from);
      if (gone != context.end()) {
        if (std::find(context.begin(), context.end(), into) == context.end()) {
          *gone = into;
        } else {
          context.erase(gone);
        }
      }
      add(into);
      merged_from = from;
    };
    if (merge_a >= 0 && !merge_last) merge();
    std::vector<uint32_t> before_merge(names.size(), 0);
    for (size_t i = 0; i < names.size(); ++i) {
      if (serial_of_name.count(names[i])) {
        before_merge[i] = serial_of_name[names[i]];
        add(serial_of_name[names[i]]);
      }
    }
    if (merge_last) {
      ++merges_last;
      if (std::find(context.begin(), context.end(),
                    std::max(serial_of_name[merge_a],
                             serial_of_name[merge_b])) != context.end())
        ++gone_in_context;
      merge();
    }
    identity->Resolve(&entities);
    ParsedState after = Parse(*identity);
    std::map<std::string, uint32_t> serial_of_id;
    for (const auto& [s, pi] : after.identities) serial_of_id[pi.id] = s;
    int e = merge_a >= 0 && !merge_last ? 1 : 0;
    for (size_t i = 0; i < names.size(); ++i) {
      const int index = names[i];
      const std::string& cid = entities.Get(e++).canonical_id();
      ASSERT_TRUE(serial_of_id.count(cid)) << "harness: " << index;
      uint32_t s = serial_of_id[cid];
      if (serial_of_name.count(index)) {
        ASSERT_EQ(s, serial_of_name[index])
            << "harness: a rule joined " << index;
      } else {
        serial_of_name[index] = s;
        reference[s];  // a new identity, empty list
        add(s);
      }
    }
    ASSERT_EQ(after.identities.size(), reference.size()) << "harness";
    longest_context = std::max(longest_context, context.size());
    for (const auto& [s, l] : reference)
      longest_list = std::max(longest_list, l.size());
    OldNoteSeenTogether(&reference, context, max_neighbors);
    for (const auto& [s, pi] : after.identities) {
      ASSERT_TRUE(reference.count(s)) << "harness";
      ASSERT_EQ(ListText(pi.neighbors), ListText(reference[s]))
          << "identity " << s << " context " << context.size();
    }
    if (round_trip) {
      // Incremental save into the mirror.
      std::string changes;
      identity->AppendChangesTo(&changes, {}, &marks);
      size_t pos = 0;
      ASSERT_TRUE(mirror->ReadChangesFrom(changes, &pos).ok());
      std::string x, y;
      identity->AppendTo(&x);
      mirror->AppendTo(&y);
      ASSERT_EQ(x, y) << "incremental save differs";
      if (a % 10 == 9) {
        auto fresh = std::make_unique<EntityIdentity>(options);
        size_t p2 = 0;
        ASSERT_TRUE(fresh->ReadFrom(x, &p2).ok());
        std::string z;
        fresh->AppendTo(&z);
        ASSERT_EQ(x, z);
        identity = std::move(fresh);
        marks.clear();
        identity->MarkSaved(&marks);
      }
    }
    if (inject && a % 15 == 14) {
      // Tamper with some lists as merges and old state files leave them.
      ParsedState st = Parse(*identity);
      std::vector<uint32_t> gone;
      for (uint32_t s = 1; s < st.next_serial; ++s)
        if (!st.identities.count(s)) gone.push_back(s);
      for (auto& [s, pi] : st.identities) {
        if (rng() % 4 != 0) continue;
        auto& l = pi.neighbors;
        const int kind = int(rng() % 6);
        size_t target_size;
        switch (kind) {
          case 0:
            target_size = max_neighbors;
            break;
          case 1:
            target_size = max_neighbors + 1;
            break;
          case 2:
            target_size = max_neighbors ? max_neighbors - 1 : 0;
            break;
          case 3:
            target_size = 2 * max_neighbors + 3;
            break;
          default:
            target_size = l.size() + rng() % 4;
            break;
        }
        while (l.size() < target_size) {
          const int what = int(rng() % 5);
          uint32_t n;
          if (what == 0) {
            n = s;  // itself
          } else if (what == 1 && !l.empty()) {
            n = l[rng() % l.size()].first;  // a duplicate
          } else if (what == 2 && !gone.empty()) {
            n = gone[rng() % gone.size()];  // a serial merged away
          } else {
            auto it = st.identities.begin();
            std::advance(it, rng() % st.identities.size());
            n = it->first;
          }
          l.emplace_back(n, 1 + rng() % 3);
        }
        std::shuffle(l.begin(), l.end(), rng);
      }
      std::string bytes = Serialize(st);
      auto fresh = std::make_unique<EntityIdentity>(options);
      size_t p2 = 0;
      ASSERT_TRUE(fresh->ReadFrom(bytes, &p2).ok());
      identity = std::move(fresh);
      reference.clear();
      for (const auto& [s, pi] : st.identities) reference[s] = pi.neighbors;
      if (round_trip) {
        mirror = std::make_unique<EntityIdentity>(options);
        size_t p3 = 0;
        ASSERT_TRUE(mirror->ReadFrom(bytes, &p3).ok());
        marks.clear();
        identity->MarkSaved(&marks);
      }
    }
  }
  std::cout << "seed " << seed << " cap " << max_neighbors << ": merges "
            << merges_done << " (last " << merges_last << ", gone serial in "
            << "context " << gone_in_context << "), longest context "
            << longest_context << ", longest list before an article "
            << longest_list << "\n";
}

// A name settled to an identity that a later entity of the same article
// merges away takes the merged identity's id.
TEST(SeenWithTest, ANameMergedAwayLaterInTheArticleKeepsAnId) {
  EntityIdentity identity;
  std::vector<std::string> ids = ResolveOrganisations(&identity, {0, 1});
  google::protobuf::RepeatedPtrField<v1::Entity> entities;
  AddOrganisation(&entities, 1);
  AddOrganisation(&entities, 0)->add_aliases(OrganisationName(1));
  identity.Resolve(&entities);
  EXPECT_EQ(identity.size(), 1u);
  EXPECT_EQ(entities.Get(1).canonical_id(), ids[0]);
  EXPECT_EQ(entities.Get(0).canonical_id(), ids[0]);
}

// The header's contract for max_neighbors: among equal counts the earliest
// listed stays, so a full list takes no newcomer.
TEST(SeenWithTest, AmongEqualCountsTheEarliestListedStays) {
  EntityIdentityOptions options;
  options.max_neighbors = 1;
  EntityIdentity identity(options);
  std::vector<std::string> first = ResolveOrganisations(&identity, {0, 1});
  ResolveOrganisations(&identity, {0, 2});
  EXPECT_EQ(identity.SeenWith(first[0]),
            (std::vector<std::pair<std::string, uint32_t>>{{first[1], 1}}));
}

TEST(SeenWithTest, SameListsAsTheOldLoopOnRandomArticles) {
  for (uint32_t seed : {1u, 2u, 3u})
    RunDifferential(seed, 32, 120, false, true);
}
TEST(SeenWithTest, SameListsAsTheOldLoopSmallCaps) {
  for (size_t cap : {0u, 1u, 2u, 5u})
    RunDifferential(10 + cap, cap, 80, false, true);
}
TEST(SeenWithTest, SameListsAsTheOldLoopOnTamperedLists) {
  for (uint32_t seed : {4u, 5u}) RunDifferential(seed, 32, 120, true, true);
  for (size_t cap : {1u, 3u}) RunDifferential(20 + cap, cap, 80, true, false);
}

}  // namespace
}  // namespace tag
}  // namespace newsflow
