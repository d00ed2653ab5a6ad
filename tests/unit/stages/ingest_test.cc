#include "gtest/gtest.h"
#include "stages/ingest/ingest_stage.h"

TEST(ingestStageTest, DescriptorNamesTheType) {
  EXPECT_STREQ(newsflow::kIngestStageType.name, "ingest");
}
