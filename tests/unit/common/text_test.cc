#include "common/text.h"

#include "common/hash.h"
#include "gtest/gtest.h"

namespace newsflow {
namespace {

TEST(TextTest, ValidatesUtf8) {
  EXPECT_TRUE(IsValidUtf8("Kadafi\xE2\x80\x99s"));
  EXPECT_FALSE(
      IsValidUtf8("fee of \xA3"
                  "15m"));
  EXPECT_EQ(FirstInvalidUtf8Offset("ab\xFF"), 2u);
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));  // overlong '/'
}

TEST(TextTest, EndsSentenceLooksPastClosersForFinalPunctuation) {
  EXPECT_TRUE(EndsSentence("The vote passed."));
  EXPECT_TRUE(EndsSentence("The vote passed.  "));
  EXPECT_TRUE(EndsSentence("\xE2\x80\x9CWe won!\xE2\x80\x9D"));
  EXPECT_TRUE(EndsSentence("(He declined to comment.)"));
  EXPECT_TRUE(
      EndsSentence("\xC2\xAB"
                   "Est-ce fini ?\xC2\xBB"));
  EXPECT_TRUE(EndsSentence("Wait for it\xE2\x80\xA6"));
  // German closing marks are the English opening ones.
  EXPECT_TRUE(
      EndsSentence("\xE2\x80\x9E"
                   "Wir haben gewonnen.\xE2\x80\x9C"));
  EXPECT_TRUE(
      EndsSentence("\xC2\xBB"
                   "Das war alles.\xC2\xAB"));
  EXPECT_TRUE(
      EndsSentence("\xE4\xBC\x9A\xE8\xAE\xAE\xE7\xBB\x93"
                   "\xE6\x9D\x9F\xE3\x80\x82"));          // 会议结束。
  EXPECT_TRUE(EndsSentence("\xD9\x87\xD9\x84\xD8\x9F"));  // هل؟
  // A closer alone ends nothing: a credit in brackets, a quoted title.
  EXPECT_FALSE(EndsSentence("(Photo: Harbor Authority)"));
  EXPECT_FALSE(EndsSentence("\xE2\x80\x9CThe Quiet Harbor\xE2\x80\x9D"));
  EXPECT_FALSE(EndsSentence("\"Read more\""));
  EXPECT_FALSE(EndsSentence("Harbor council approves terminal"));
  EXPECT_FALSE(EndsSentence("Updated 10:42 am - PORTVILLE:"));
  EXPECT_FALSE(EndsSentence(""));
  EXPECT_FALSE(EndsSentence(") \xE2\x80\x9D"));
}

TEST(TextTest, ConvertsWindows1252) {
  EXPECT_EQ(Windows1252ToUtf8("\xA3"
                              "5 \x93hi\x94"),
            "\xC2\xA3"
            "5 \xE2\x80\x9Chi\xE2\x80\x9D");
}

TEST(TextTest, EncodesEachUtf8Length) {
  std::string out;
  for (char32_t code_point : {U'A', U'\u00e9', U'\u20ac', U'\U0001F600'}) {
    AppendUtf8(code_point, &out);
  }
  EXPECT_EQ(out, "A\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
  EXPECT_TRUE(IsValidUtf8(out));
}

TEST(TextTest, DetectsBinary) {
  EXPECT_TRUE(LooksBinary(std::string("ab\0cd", 5)));
  EXPECT_FALSE(LooksBinary("plain news text\n"));
}

TEST(TextTest, NormalizesToNfc) {
  // "e" + combining acute -> precomposed e-acute.
  EXPECT_EQ(*NormalizeNfc("Caf\x65\xCC\x81"), "Caf\xC3\xA9");
  EXPECT_FALSE(NormalizeNfc("\xFF").ok());
}

TEST(HashTest, IsStableAcrossRuns) {
  // FNV-1a 64 reference value for the empty string and for "a".
  EXPECT_EQ(StableHashHex(""), "cbf29ce484222325");
  EXPECT_EQ(StableHashHex("a"), "af63dc4c8601ec8c");
}

// The two folds newsflow uses: names (identity) and search keys (store).
TEST(FoldCaseAndMarksTest, OptionsChooseLettersAndPunctuation) {
  EXPECT_EQ(FoldCaseAndMarks("Zürich’s Łódź"), "zurich’s lodz");
  FoldOptions search;
  search.plain_latin_letters = false;
  search.ascii_punctuation = true;
  EXPECT_EQ(FoldCaseAndMarks("Zürich’s Łódź", search), "zurich's łodz");
  // Not UTF-8: ASCII letters lowered, the rest as it was.
  EXPECT_EQ(FoldCaseAndMarks("Caf\xE9 BAR"), "caf\xE9 bar");
}

// ASCII input takes a shortcut past utf8proc: it must fold exactly as
// utf8proc does, which a trailing non-ASCII letter forces it through.
TEST(FoldCaseAndMarksTest, AsciiFoldsAsUtf8procDoes) {
  std::string ascii;
  for (int c = 1; c < 0x80; ++c) ascii.push_back(static_cast<char>(c));
  for (FoldOptions options :
       {FoldOptions{true, false}, FoldOptions{false, true},
        FoldOptions{true, true}, FoldOptions{false, false}}) {
    EXPECT_EQ(FoldCaseAndMarks(ascii + "\xC3\x89", options),
              FoldCaseAndMarks(ascii, options) + "e");
  }
  EXPECT_EQ(FoldCaseAndMarks("New YORK-City's"), "new york-city's");
}

}  // namespace
}  // namespace newsflow
