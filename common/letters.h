// Character classes by Unicode general category (utf8proc's tables), with
// ASCII answered without a table lookup.
//
// Stages disagree on what belongs in a word (marks? numbers? private use?),
// so there is one class test, IsInClass, taking the groups the caller
// counts; the named helpers are the combinations in use. A code point that
// is not a scalar value (past U+10FFFF) is in no class.
#ifndef NEWSFLOW_COMMON_LETTERS_H_
#define NEWSFLOW_COMMON_LETTERS_H_

#include <utf8proc.h>

namespace newsflow {

// Groups of general categories, combined with `|`.
enum CharClass : unsigned {
  kLetterClass = 1u << 0,      // L*: Lu Ll Lt Lm Lo
  kMarkClass = 1u << 1,        // M*: Mn Mc Me (combining accents)
  kNumberClass = 1u << 2,      // N*: Nd Nl No
  kPrivateUseClass = 1u << 3,  // Co
  // U+00AD SOFT HYPHEN alone (category Cf): invisible, it only marks where
  // a word may break, so word scanners keep it inside the word.
  kSoftHyphenClass = 1u << 4,
};

// What a tokenizer keeps inside a word's spelling: letters, the marks of
// decomposed text, and soft hyphens.
inline constexpr unsigned kWordLetterClasses =
    kLetterClass | kMarkClass | kSoftHyphenClass;
// Letters, marks and numbers of any script.
inline constexpr unsigned kWordCharClasses =
    kLetterClass | kMarkClass | kNumberClass;

// True when `cp` belongs to one of the groups in `classes`.
inline bool IsInClass(char32_t cp, unsigned classes) {
  if (cp < 0x80) {
    // ASCII has no marks, no private use and no numbers but the digits.
    if ((cp | 0x20) >= 'a' && (cp | 0x20) <= 'z') {
      return (classes & kLetterClass) != 0;
    }
    return cp >= '0' && cp <= '9' && (classes & kNumberClass) != 0;
  }
  if (cp == 0x00AD) return (classes & kSoftHyphenClass) != 0;
  if (cp > 0x10FFFF) return false;
  switch (utf8proc_category(static_cast<utf8proc_int32_t>(cp))) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
      return (classes & kLetterClass) != 0;
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME:
      return (classes & kMarkClass) != 0;
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
      return (classes & kNumberClass) != 0;
    case UTF8PROC_CATEGORY_CO:
      return (classes & kPrivateUseClass) != 0;
    default:
      return false;
  }
}

// A letter of any script (L*).
inline bool IsLetter(char32_t cp) { return IsInClass(cp, kLetterClass); }

// Letters, marks and numbers of any script.
inline bool IsWordChar(char32_t cp) { return IsInClass(cp, kWordCharClasses); }

// Letters, marks and the soft hyphen: what a tokenizer keeps inside a word.
inline bool IsWordLetter(char32_t cp) {
  return IsInClass(cp, kWordLetterClasses);
}

// Lu or Lt: the letters that start a capitalized word.
inline bool IsUppercaseLetter(char32_t cp) {
  if (cp < 0x80) return cp >= 'A' && cp <= 'Z';
  if (cp > 0x10FFFF) return false;
  utf8proc_category_t category =
      utf8proc_category(static_cast<utf8proc_int32_t>(cp));
  return category == UTF8PROC_CATEGORY_LU || category == UTF8PROC_CATEGORY_LT;
}

// Ll.
inline bool IsLowercaseLetter(char32_t cp) {
  if (cp < 0x80) return cp >= 'a' && cp <= 'z';
  if (cp > 0x10FFFF) return false;
  return utf8proc_category(static_cast<utf8proc_int32_t>(cp)) ==
         UTF8PROC_CATEGORY_LL;
}

inline bool IsAsciiDigit(char32_t cp) { return cp >= '0' && cp <= '9'; }

// A decimal digit of any script (Nd): "٣" is one, "½" and "Ⅳ" are not.
inline bool IsDecimalDigit(char32_t cp) {
  if (cp < 0x80) return IsAsciiDigit(cp);
  if (cp > 0x10FFFF) return false;
  return utf8proc_category(static_cast<utf8proc_int32_t>(cp)) ==
         UTF8PROC_CATEGORY_ND;
}

}  // namespace newsflow

#endif  // NEWSFLOW_COMMON_LETTERS_H_
