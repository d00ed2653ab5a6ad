#include "gtest/gtest.h"
#include "stages/clean/clean_stage.h"

TEST(cleanStageTest, DescriptorNamesTheType) {
  EXPECT_STREQ(newsflow::kCleanStageType.name, "clean");
}
