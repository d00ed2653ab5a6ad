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

// Fed in pieces of any size, the checksum is that of the whole: a save
// writes its state out in chunks that end anywhere.
TEST(StableChecksumTest, PiecesGiveTheWholesValue) {
  std::string text;
  for (int i = 0; i < 131; ++i) text.push_back(static_cast<char>(i * 97 + 5));
  StableChecksum64 whole;
  whole.Update(text);
  for (size_t first = 0; first <= text.size(); first += 3) {
    for (size_t second = first; second <= text.size(); second += 7) {
      StableChecksum64 pieces;
      pieces.Update(std::string_view(text).substr(0, first));
      pieces.Update(std::string_view(text).substr(first, second - first));
      pieces.Update(std::string_view(text).substr(second));
      EXPECT_EQ(pieces.Value(), whole.Value()) << first << " " << second;
    }
  }
}

// Damage shows: any one byte changed, a byte dropped or a zero byte added
// changes the value.
TEST(StableChecksumTest, OneChangedByteChangesTheValue) {
  std::string text(100, '\0');
  for (size_t i = 0; i < text.size(); ++i) {
    text[i] = static_cast<char>('a' + i % 26);
  }
  auto value = [](std::string_view data) {
    StableChecksum64 sum;
    sum.Update(data);
    return sum.Value();
  };
  const uint64_t original = value(text);
  for (size_t i = 0; i < text.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string damaged = text;
      damaged[i] = static_cast<char>(damaged[i] ^ (1 << bit));
      EXPECT_NE(value(damaged), original) << i << " " << bit;
    }
  }
  EXPECT_NE(value(text.substr(1)), original);
  EXPECT_NE(value(text + std::string(1, '\0')), original);
  EXPECT_NE(value(""), value(std::string(8, '\0')));
}

}  // namespace
}  // namespace newsflow
