#include "common/call_to_action.h"

#include <set>
#include <string>
#include <string_view>

#include "gtest/gtest.h"

namespace newsflow {
namespace {

TEST(CallToActionPhrasesTest, EachPhraseIsOneLowercaseEntryWithAUse) {
  std::set<std::string_view> seen;
  for (const CallToActionPhrase& entry : kCallToActionPhrases) {
    const std::string_view phrase = entry.phrase;
    SCOPED_TRACE(std::string(phrase));
    EXPECT_TRUE(seen.insert(phrase).second) << "listed twice";
    ASSERT_FALSE(phrase.empty());
    // Both stages lowercase the text (ASCII) before matching, and the clean
    // stage splits a phrase at single spaces into words.
    for (char c : phrase) EXPECT_FALSE(c >= 'A' && c <= 'Z');
    EXPECT_NE(phrase.front(), ' ');
    EXPECT_NE(phrase.back(), ' ');
    EXPECT_EQ(phrase.find("  "), std::string_view::npos);
    EXPECT_GE(entry.cue_weight, 0);
    EXPECT_LE(entry.cue_weight, 2);
    EXPECT_TRUE(entry.cue_weight > 0 || entry.page_block) << "unused";
  }
  EXPECT_GT(CallToActionCueCount(), 0u);
  EXPECT_LT(CallToActionCueCount(), seen.size());
}

}  // namespace
}  // namespace newsflow
