#include "common/hash.h"

#include <string>
#include <string_view>
#include <vector>

#include "gtest/gtest.h"

namespace newsflow {
namespace {

TEST(StableHashTest, KnownFnv1aValues) {
  // FNV-1a 64 of "" is the offset basis; of "a", the published test value.
  EXPECT_EQ(StableHashHex(""), "cbf29ce484222325");
  EXPECT_EQ(StableHashHex("a"), "af63dc4c8601ec8c");
}

TEST(StableHashTest, ManyGivesEachInputsOwnHashWhateverTheLengths) {
  // Lengths that differ (the side-by-side loop stops at the shortest),
  // empty ones, and counts that are not a multiple of four.
  std::vector<std::string> texts;
  for (int i = 0; i < 11; ++i) {
    std::string text;
    for (int j = 0; j < (i * 37) % 101; ++j) {
      text.push_back(static_cast<char>('a' + (i * 7 + j * 3) % 26));
    }
    if (i == 5) text.push_back('\xC3');  // high bytes hash as unsigned
    texts.push_back(text);
  }
  for (size_t count = 0; count <= texts.size(); ++count) {
    std::vector<std::string_view> views(texts.begin(), texts.begin() + count);
    const std::vector<std::string> hashes = StableHashHexMany(views);
    const std::vector<uint64_t> values = StableHash64Many(views);
    ASSERT_EQ(hashes.size(), count);
    ASSERT_EQ(values.size(), count);
    for (size_t i = 0; i < count; ++i) {
      EXPECT_EQ(hashes[i], StableHashHex(texts[i])) << count << " " << i;
      EXPECT_EQ(values[i], StableHash64(texts[i])) << count << " " << i;
    }
  }
}

}  // namespace
}  // namespace newsflow
