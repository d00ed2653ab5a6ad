#include "common/utf8.h"

#include <cstdint>
#include <cstring>
#include <random>
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

// The scan skips ASCII 64, 16 and 8 bytes at a time; a bad byte, or a sequence
// cut or split across those words, is found wherever it falls.
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

// The validator, checked against the plainest reading of the rule: decode
// byte by byte and stop at the first ill-formed byte (the implementation
// before the wide ASCII steps, kept here as the reference).
size_t ReferenceFirstInvalid(std::string_view text) {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t length = 0;
    const char32_t cp = DecodeUtf8At(text, pos, &length);
    if (IsInvalidUtf8Byte(cp, length)) return pos;
    pos += length;
  }
  return std::string_view::npos;
}

// Checks `bytes` at several places in ASCII text: at the start, after ASCII
// runs that put it in every lane of the 8- and 16-byte steps and past a
// 64-byte step, at the end of the text and followed by more text.
class Placements {
 public:
  Placements() : buffer_(256, 'a') {}

  // Returns the number of placements that disagreed with the reference.
  int Check(const unsigned char* bytes, size_t size, size_t variant) {
    static constexpr size_t kPrefixes[] = {0, 1, 7, 8, 15, 16, 17, 63, 64, 70};
    const size_t prefix = kPrefixes[variant % 10];
    std::memcpy(&buffer_[prefix], bytes, size);
    int wrong = 0;
    for (size_t suffix : {size_t{0}, size_t{1}, size_t{40}}) {
      const std::string_view text(buffer_.data(), prefix + size + suffix);
      if (FirstInvalidUtf8Offset(text) != ReferenceFirstInvalid(text)) {
        ++wrong;
      }
    }
    std::memset(&buffer_[prefix], 'a', size);
    return wrong;
  }

 private:
  std::string buffer_;
};

std::string Hex(const unsigned char* bytes, size_t size) {
  std::string out;
  static constexpr char kDigits[] = "0123456789ABCDEF";
  for (size_t i = 0; i < size; ++i) {
    out += kDigits[bytes[i] >> 4];
    out += kDigits[bytes[i] & 15];
    out += ' ';
  }
  return out;
}

// Every sequence of one, two and three bytes: overlongs (C0 80, E0 80 80),
// surrogates (ED A0 80), stray continuation bytes, cut sequences.
TEST(FirstInvalidUtf8OffsetTest, AgreesWithTheReferenceOnEveryShortSequence) {
  Placements placements;
  int wrong = 0;
  unsigned char bytes[3];
  for (uint32_t v = 0; v < (1u << 24) && wrong < 5; ++v) {
    bytes[0] = static_cast<unsigned char>(v >> 16);
    bytes[1] = static_cast<unsigned char>(v >> 8);
    bytes[2] = static_cast<unsigned char>(v);
    for (size_t size : {size_t{1}, size_t{2}, size_t{3}}) {
      // Shorter lengths once per value of their bytes.
      if (size < 3 && (v & ((1u << (8 * (3 - size))) - 1)) != 0) continue;
      const int bad = placements.Check(bytes, size, v >> 8);
      EXPECT_EQ(bad, 0) << Hex(bytes, size);
      wrong += bad;
    }
  }
}

// Every lead and second byte of a four-byte sequence with the third and
// fourth bytes from the edges of each range: overlongs (F0 80-8F), values
// past U+10FFFF (F4 90, F5-FF), bad and cut continuations.
TEST(FirstInvalidUtf8OffsetTest, AgreesWithTheReferenceOnFourByteSequences) {
  static constexpr unsigned char kEdges[] = {0x00, 0x41, 0x7F, 0x80, 0x81, 0x8F,
                                             0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC2,
                                             0xE0, 0xED, 0xF0, 0xFF};
  Placements placements;
  int wrong = 0;
  unsigned char bytes[4];
  for (uint32_t v = 0; v < (1u << 16) && wrong < 5; ++v) {
    bytes[0] = static_cast<unsigned char>(v >> 8);
    bytes[1] = static_cast<unsigned char>(v);
    for (unsigned char third : kEdges) {
      for (unsigned char fourth : kEdges) {
        bytes[2] = third;
        bytes[3] = fourth;
        const int bad = placements.Check(bytes, 4, v + third);
        EXPECT_EQ(bad, 0) << Hex(bytes, 4);
        wrong += bad;
      }
    }
  }
}

// Every scalar value's encoding, whole and cut after each of its bytes, at
// the end of the text, before ASCII and before another multi-byte character.
TEST(FirstInvalidUtf8OffsetTest, AgreesWithTheReferenceOnEveryCutCharacter) {
  Placements placements;
  int wrong = 0;
  std::string encoded;
  for (char32_t cp = 0; cp <= 0x10FFFF && wrong < 5; ++cp) {
    if (cp >= 0xD800 && cp <= 0xDFFF) continue;
    encoded.clear();
    AppendUtf8(cp, &encoded);
    ASSERT_EQ(FirstInvalidUtf8Offset(encoded), std::string_view::npos) << cp;
    for (size_t cut = 1; cut <= encoded.size(); ++cut) {
      std::string text = encoded.substr(0, cut);
      const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
      int bad = placements.Check(bytes, text.size(), cp + cut);
      text += "\xC3\xA9";
      bad += placements.Check(
          reinterpret_cast<const unsigned char*>(text.data()), text.size(), cp);
      EXPECT_EQ(bad, 0) << "U+" << std::hex << cp << " cut at " << cut;
      wrong += bad;
    }
  }
}

// Random texts mixing ASCII runs of every length, well-formed characters of
// each length and random bytes, against the reference.
TEST(FirstInvalidUtf8OffsetTest, AgreesWithTheReferenceOnRandomText) {
  std::mt19937 random(20);
  std::string text;
  int wrong = 0;
  for (int round = 0; round < 200000 && wrong < 5; ++round) {
    text.clear();
    const int pieces = static_cast<int>(random() % 12);
    // One text in four is well-formed, so the scan also runs to the end.
    const bool well_formed = random() % 4 == 0;
    for (int i = 0; i < pieces; ++i) {
      switch (random() % (well_formed ? 3 : 4)) {
        case 0:
          text.append(random() % 100, static_cast<char>('a' + random() % 26));
          break;
        case 1:
          AppendUtf8(static_cast<char32_t>(random() % 0x800), &text);
          break;
        case 2:
          AppendUtf8(static_cast<char32_t>(random() % 0x110000), &text);
          break;
        default:
          text += static_cast<char>(random() % 256);
          break;
      }
    }
    const size_t got = FirstInvalidUtf8Offset(text);
    const size_t want = ReferenceFirstInvalid(text);
    EXPECT_EQ(got, want) << Hex(
        reinterpret_cast<const unsigned char*>(text.data()), text.size());
    EXPECT_EQ(IsValidUtf8(text), want == std::string_view::npos);
    if (got != want) ++wrong;
  }
}

TEST(AsciiPrefixLengthTest, StopsAtTheFirstByteAbove0x7F) {
  EXPECT_EQ(AsciiPrefixLength(""), 0u);
  EXPECT_EQ(AsciiPrefixLength("plain"), 5u);
  // Every position across the 64-, 16- and 8-byte steps and the tail.
  for (size_t at = 0; at < 150; ++at) {
    std::string text(150, 'a');
    text[at] = '\xC3';
    EXPECT_EQ(AsciiPrefixLength(text), at);
    EXPECT_EQ(AsciiPrefixLength(std::string_view(text).substr(0, at)), at);
  }
}

}  // namespace
}  // namespace newsflow
