#include "gtest/gtest.h"
#include "stages/tag/tag_stage.h"

TEST(tagStageTest, DescriptorNamesTheType) {
  EXPECT_STREQ(newsflow::kTagStageType.name, "tag");
}
