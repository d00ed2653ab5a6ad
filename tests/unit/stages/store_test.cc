#include "gtest/gtest.h"
#include "stages/store/store_stage.h"

TEST(storeStageTest, DescriptorNamesTheType) {
  EXPECT_STREQ(newsflow::kStoreStageType.name, "store");
}
