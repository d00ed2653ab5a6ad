#include "common/utf8.h"

#include <string>

#include "gtest/gtest.h"

namespace newsflow {
namespace {

TEST(Utf8SequenceLengthTest, ByLeadByte) {
  EXPECT_EQ(Utf8SequenceLength('a'), 1u);
  EXPECT_EQ(Utf8SequenceLength(0xC3), 2u);
  EXPECT_EQ(Utf8SequenceLength(0xE2), 3u);
  EXPECT_EQ(Utf8SequenceLength(0xF0), 4u);
  EXPECT_EQ(Utf8SequenceLength(0xF4), 4u);
  // Bytes that never start a sequence.
  EXPECT_EQ(Utf8SequenceLength(0x80), 0u);
  EXPECT_EQ(Utf8SequenceLength(0xBF), 0u);
  EXPECT_EQ(Utf8SequenceLength(0xC0), 0u);
  EXPECT_EQ(Utf8SequenceLength(0xC1), 0u);
  EXPECT_EQ(Utf8SequenceLength(0xF5), 0u);
  EXPECT_EQ(Utf8SequenceLength(0xFF), 0u);
}

TEST(DecodeUtf8AtTest, DecodesEachLength) {
  const std::string text = "A\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80";
  size_t length = 0;
  EXPECT_EQ(DecodeUtf8At(text, 0, &length), U'A');
  EXPECT_EQ(length, 1u);
  EXPECT_EQ(DecodeUtf8At(text, 1, &length), U'\u00e9');
  EXPECT_EQ(length, 2u);
  EXPECT_EQ(DecodeUtf8At(text, 3, &length), U'\u20ac');
  EXPECT_EQ(length, 3u);
  EXPECT_EQ(DecodeUtf8At(text, 6, &length), U'\U0001F600');
  EXPECT_EQ(length, 4u);
}

TEST(DecodeUtf8AtTest, PastTheEndIsZeroWithLengthZero) {
  size_t length = 7;
  EXPECT_EQ(DecodeUtf8At("ab", 2, &length), 0u);
  EXPECT_EQ(length, 0u);
  EXPECT_EQ(DecodeUtf8At("", 0, &length), 0u);
  EXPECT_EQ(length, 0u);
}

// The one rule: each ill-formed byte is U+FFFD of length 1.
TEST(DecodeUtf8AtTest, IllFormedByteIsReplacementOfLengthOne) {
  for (std::string bad : {
           std::string("\x80"),              // stray continuation
           std::string("\xC0\xAF"),          // overlong '/'
           std::string("\xE0\x80\xAF"),      // overlong, three bytes
           std::string("\xED\xA0\x80"),      // surrogate U+D800
           std::string("\xF4\x90\x80\x80"),  // past U+10FFFF
           std::string("\xF5\x80\x80\x80"),  // never a lead byte
           std::string("\xC3"),              // cut short by the end
           std::string("\xE2\x82"),          // cut short by the end
           std::string("\xC3"
                       "A"),  // broken off
           std::string("\xE2\x82"
                       "A"),  // broken off
       }) {
    size_t length = 0;
    EXPECT_EQ(DecodeUtf8At(bad, 0, &length), kReplacementCharacter) << bad;
    EXPECT_EQ(length, 1u) << bad;
  }
}

TEST(DecodeUtf8AtTest, ResumesAtTheNextByte) {
  // The broken lead is skipped alone; the 'A' after it is read.
  const std::string text =
      "\xE2\x82"
      "A";
  size_t length = 0;
  DecodeUtf8At(text, 0, &length);
  EXPECT_EQ(DecodeUtf8At(text, length, &length), kReplacementCharacter);
  EXPECT_EQ(DecodeUtf8At(text, 2, &length), U'A');
}

TEST(DecodeUtf8AtTest, AcceptsTheEdgesOfTheRanges) {
  size_t length = 0;
  EXPECT_EQ(DecodeUtf8At("\xC2\x80", 0, &length), 0x80u);
  EXPECT_EQ(DecodeUtf8At("\xE0\xA0\x80", 0, &length), 0x800u);
  EXPECT_EQ(DecodeUtf8At("\xED\x9F\xBF", 0, &length), 0xD7FFu);
  EXPECT_EQ(DecodeUtf8At("\xEE\x80\x80", 0, &length), 0xE000u);
  EXPECT_EQ(DecodeUtf8At("\xF0\x90\x80\x80", 0, &length), 0x10000u);
  EXPECT_EQ(DecodeUtf8At("\xF4\x8F\xBF\xBF", 0, &length), 0x10FFFFu);
  EXPECT_EQ(length, 4u);
}

TEST(DecodeUtf8BeforeTest, DecodesTheCodePointEndingThere) {
  const std::string text = "a\xE2\x80\x99s";
  size_t length = 0;
  EXPECT_EQ(DecodeUtf8Before(text, 4, &length), U'\u2019');
  EXPECT_EQ(length, 3u);
  EXPECT_EQ(DecodeUtf8Before(text, 5, &length), U's');
  EXPECT_EQ(length, 1u);
  EXPECT_EQ(DecodeUtf8Before(text, 1, &length), U'a');
  EXPECT_EQ(DecodeUtf8Before(text, 0, &length), 0u);
  EXPECT_EQ(length, 0u);
  EXPECT_EQ(DecodeUtf8Before(text, 6, &length), 0u);
  EXPECT_EQ(length, 0u);
}

TEST(DecodeUtf8BeforeTest, IllFormedByteIsReplacementOfLengthOne) {
  size_t length = 0;
  // A lead byte without its continuation, and a stray continuation.
  EXPECT_EQ(DecodeUtf8Before("a\xE2", 2, &length), kReplacementCharacter);
  EXPECT_EQ(length, 1u);
  EXPECT_EQ(DecodeUtf8Before("a\x80\x80\x80\x80", 5, &length),
            kReplacementCharacter);
  EXPECT_EQ(length, 1u);
}

TEST(IsInvalidUtf8ByteTest, TellsInvalidBytesFromARealReplacement) {
  size_t length = 0;
  char32_t cp = DecodeUtf8At("\xEF\xBF\xBD", 0, &length);  // real U+FFFD
  EXPECT_EQ(cp, kReplacementCharacter);
  EXPECT_FALSE(IsInvalidUtf8Byte(cp, length));
  cp = DecodeUtf8At("\xFF", 0, &length);
  EXPECT_TRUE(IsInvalidUtf8Byte(cp, length));
}

TEST(FirstInvalidUtf8OffsetTest, FindsTheFirstIllFormedByte) {
  EXPECT_EQ(FirstInvalidUtf8Offset("plain"), std::string_view::npos);
  EXPECT_EQ(FirstInvalidUtf8Offset("caf\xC3\xA9 \xC3"), 6u);
  EXPECT_EQ(FirstInvalidUtf8Offset("\xED\xA0\x80"), 0u);
  EXPECT_EQ(FirstInvalidUtf8Offset(""), std::string_view::npos);
}

TEST(IsValidUtf8Test, AgreesWithTheDecoder) {
  EXPECT_TRUE(IsValidUtf8("\xF4\x8F\xBF\xBF"));
  EXPECT_TRUE(IsValidUtf8("\xEF\xBF\xBD"));
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));
  EXPECT_FALSE(IsValidUtf8("\xE0\x80\xAF"));
}

TEST(AppendUtf8Test, EncodesAndRoundTrips) {
  std::string out;
  for (char32_t cp :
       {0x7Fu, 0x80u, 0x7FFu, 0x800u, 0xFFFFu, 0x10000u, 0x10FFFFu}) {
    out.clear();
    AppendUtf8(cp, &out);
    size_t length = 0;
    EXPECT_EQ(DecodeUtf8At(out, 0, &length), cp);
    EXPECT_EQ(length, out.size());
  }
}

TEST(AppendUtf8Test, NonScalarValuesBecomeReplacement) {
  std::string out;
  AppendUtf8(0xD800, &out);
  AppendUtf8(0x110000, &out);
  EXPECT_EQ(out, "\xEF\xBF\xBD\xEF\xBF\xBD");
}

// The scan skips ASCII eight bytes at a time; a bad byte, or a sequence cut
// or split across those words, is found wherever it falls.
TEST(FirstInvalidUtf8OffsetTest, FindsBadBytesAtEveryPositionOfALongText) {
  for (size_t at = 0; at < 40; ++at) {
    std::string text(48, 'a');
    text[at] = '\xE9';  // Latin-1, not UTF-8
    EXPECT_EQ(FirstInvalidUtf8Offset(text), at) << at;
    std::string valid(48, 'a');
    valid.replace(at, 2, "\xC3\xA9");
    EXPECT_EQ(FirstInvalidUtf8Offset(valid), std::string_view::npos) << at;
    std::string cut = std::string(at, 'a') + "\xE2\x82";
    EXPECT_EQ(FirstInvalidUtf8Offset(cut), at) << at;
  }
}

}  // namespace
}  // namespace newsflow
