#include "common/letters.h"

#include "gtest/gtest.h"

namespace newsflow {
namespace {

TEST(IsInClassTest, AsciiFastPathMatchesTheCategories) {
  for (char32_t cp = 0; cp < 0x80; ++cp) {
    const auto category = utf8proc_category(static_cast<utf8proc_int32_t>(cp));
    const bool letter =
        category >= UTF8PROC_CATEGORY_LU && category <= UTF8PROC_CATEGORY_LO;
    const bool number =
        category >= UTF8PROC_CATEGORY_ND && category <= UTF8PROC_CATEGORY_NO;
    EXPECT_EQ(IsInClass(cp, kLetterClass), letter) << cp;
    EXPECT_EQ(IsInClass(cp, kNumberClass), number) << cp;
    EXPECT_FALSE(IsInClass(cp, kMarkClass | kPrivateUseClass)) << cp;
  }
}

TEST(IsInClassTest, GroupsCombine) {
  const char32_t kCombiningAcute = 0x0301;
  EXPECT_FALSE(IsInClass(kCombiningAcute, kLetterClass));
  EXPECT_TRUE(IsInClass(kCombiningAcute, kMarkClass));
  EXPECT_TRUE(IsInClass(kCombiningAcute, kWordLetterClasses));
  EXPECT_TRUE(IsInClass(0x00BD, kNumberClass));  // ½ (No)
  EXPECT_FALSE(IsInClass(0x00BD, kLetterClass | kMarkClass));
  EXPECT_TRUE(IsInClass(0xE000, kPrivateUseClass));
  EXPECT_FALSE(IsInClass(0xE000, kWordCharClasses));
}

TEST(IsInClassTest, SoftHyphenOnlyWhenAsked) {
  EXPECT_TRUE(IsInClass(0x00AD, kSoftHyphenClass));
  EXPECT_TRUE(IsInClass(0x00AD, kWordLetterClasses));
  EXPECT_FALSE(IsInClass(0x00AD, kWordCharClasses));
  EXPECT_FALSE(IsLetter(0x00AD));
}

TEST(IsInClassTest, NoClassForNonCharacters) {
  EXPECT_FALSE(IsInClass(0xFFFD, ~0u));  // So
  EXPECT_FALSE(IsInClass(0x110000, ~0u));
  EXPECT_FALSE(IsInClass(static_cast<char32_t>(-1), ~0u));
}

TEST(IsLetterTest, LettersOfAnyScript) {
  EXPECT_TRUE(IsLetter('a'));
  EXPECT_TRUE(IsLetter('Z'));
  EXPECT_TRUE(IsLetter(0x00E9));  // é
  EXPECT_TRUE(IsLetter(0x4E2D));  // 中 (Lo)
  EXPECT_TRUE(IsLetter(0x02B0));  // ʰ (Lm)
  EXPECT_FALSE(IsLetter('1'));
  EXPECT_FALSE(IsLetter('_'));
  EXPECT_FALSE(IsLetter(0x0301));  // combining acute
  EXPECT_FALSE(IsLetter(0x2019));
}

TEST(IsWordCharTest, LettersMarksAndNumbers) {
  EXPECT_TRUE(IsWordChar('a'));
  EXPECT_TRUE(IsWordChar('7'));
  EXPECT_TRUE(IsWordChar(0x0301));
  EXPECT_TRUE(IsWordChar(0x0663));  // Arabic-Indic three
  EXPECT_FALSE(IsWordChar('-'));
  EXPECT_FALSE(IsWordChar('_'));
  EXPECT_FALSE(IsWordChar(0x00A0));
}

TEST(IsUppercaseLetterTest, LuAndLt) {
  EXPECT_TRUE(IsUppercaseLetter('Q'));
  EXPECT_TRUE(IsUppercaseLetter(0x00C9));  // É
  EXPECT_TRUE(IsUppercaseLetter(0x01C5));  // ǅ (Lt)
  EXPECT_FALSE(IsUppercaseLetter('q'));
  EXPECT_FALSE(IsUppercaseLetter(0x4E2D));
  EXPECT_FALSE(IsUppercaseLetter(0x110000));
}

TEST(IsLowercaseLetterTest, Ll) {
  EXPECT_TRUE(IsLowercaseLetter('q'));
  EXPECT_TRUE(IsLowercaseLetter(0x00DF));  // ß
  EXPECT_FALSE(IsLowercaseLetter('Q'));
  EXPECT_FALSE(IsLowercaseLetter(0x01C5));
  EXPECT_FALSE(IsLowercaseLetter(0x4E2D));
}

TEST(IsAsciiDigitTest, OnlyAsciiDigits) {
  EXPECT_TRUE(IsAsciiDigit('0'));
  EXPECT_TRUE(IsAsciiDigit('9'));
  EXPECT_FALSE(IsAsciiDigit('a'));
  EXPECT_FALSE(IsAsciiDigit(0x0663));
}

TEST(IsDecimalDigitTest, NdOfAnyScript) {
  EXPECT_TRUE(IsDecimalDigit('5'));
  EXPECT_TRUE(IsDecimalDigit(0x0663));
  EXPECT_FALSE(IsDecimalDigit(0x00BD));  // ½
  EXPECT_FALSE(IsDecimalDigit(0x2163));  // Ⅳ (Nl)
  EXPECT_FALSE(IsDecimalDigit(0x110000));
}

}  // namespace
}  // namespace newsflow
