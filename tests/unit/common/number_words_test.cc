#include "common/number_words.h"

#include "gtest/gtest.h"

namespace newsflow {
namespace {

TEST(NumberWordsTest, ReadsCardinalsUnderAHundred) {
  EXPECT_EQ(CardinalOfWord("zero"), 0);
  EXPECT_EQ(CardinalOfWord("twelve"), 12);
  EXPECT_EQ(CardinalOfWord("Twelve"), 12);
  EXPECT_EQ(CardinalOfWord("nineteen"), 19);
  EXPECT_EQ(CardinalOfWord("sixty"), 60);
  EXPECT_EQ(CardinalOfWord("Ninety"), 90);
  EXPECT_EQ(CardinalOfWord("twenty-five"), 25);
  EXPECT_EQ(CardinalOfWord("seventy-seven"), 77);
}

TEST(NumberWordsTest, ReadsNoOtherWord) {
  for (const char* word :
       {"", "on", "twelfth", "TWELVE", "tWelve", "twenty-", "-five",
        "twenty-ten", "twenty-zero", "five-twenty", "thousand", "hundred",
        "tenth", "often", "nineteens", "seventy-seven-seven"}) {
    EXPECT_EQ(CardinalOfWord(word), -1) << word;
  }
}

}  // namespace
}  // namespace newsflow
