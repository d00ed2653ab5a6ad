#include "common/legacy_charsets.h"

#include "gtest/gtest.h"

namespace newsflow {
namespace {

TEST(Windows1252ToUnicodeTest, HighControlsAndLatin1) {
  EXPECT_EQ(Windows1252ToUnicode('a'), U'a');
  EXPECT_EQ(Windows1252ToUnicode(0x80), U'\u20ac');
  EXPECT_EQ(Windows1252ToUnicode(0x92), U'\u2019');
  EXPECT_EQ(Windows1252ToUnicode(0x9F), U'\u0178');
  EXPECT_EQ(Windows1252ToUnicode(0xA3), U'\u00a3');
  EXPECT_EQ(Windows1252ToUnicode(0xFF), U'\u00ff');
  // The undefined bytes are their C1 controls, as in browsers.
  for (unsigned char byte : {0x81, 0x8D, 0x8F, 0x90, 0x9D}) {
    EXPECT_EQ(Windows1252ToUnicode(byte), static_cast<char32_t>(byte));
  }
}

TEST(UnicodeToWindows1252Test, InvertsTheTable) {
  for (int byte = 0; byte <= 0xFF; ++byte) {
    EXPECT_EQ(UnicodeToWindows1252(
                  Windows1252ToUnicode(static_cast<unsigned char>(byte))),
              byte);
  }
}

TEST(UnicodeToWindows1252Test, AcceptsLatin1ControlsAndRejectsTheRest) {
  EXPECT_EQ(UnicodeToWindows1252(0x80), 0x80);  // ISO-8859-1 reading
  EXPECT_EQ(UnicodeToWindows1252(0x93), 0x93);
  EXPECT_EQ(UnicodeToWindows1252(0x0100), -1);
  EXPECT_EQ(UnicodeToWindows1252(0x2028), -1);
}

TEST(Windows1252ToUtf8Test, ConvertsEveryByte) {
  EXPECT_EQ(Windows1252ToUtf8("\xA3"
                              "5 \x93hi\x94"),
            "\xC2\xA3"
            "5 \xE2\x80\x9Chi\xE2\x80\x9D");
  EXPECT_EQ(Windows1252ToUtf8("\x81"), "\xC2\x81");
  EXPECT_EQ(Windows1252ToUtf8(""), "");
}

}  // namespace
}  // namespace newsflow
