// BackgroundSync: syncs run off the caller's thread, and their failures are
// not lost on the way back.
#include "common/background_sync.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "gtest/gtest.h"

namespace newsflow {
namespace {

// A failure seen only by the background thread is the caller's to report
// (the kernel tells one fsync about a lost writeback, not the next), once.
TEST(BackgroundSyncTest, AFailedSyncIsReportedOnceByTheNextTakeError) {
  BackgroundSync sync("closed.file");
  sync.Request(-1);  // EBADF
  sync.Wait();
  const absl::Status error = sync.TakeError();
  EXPECT_FALSE(error.ok());
  EXPECT_NE(error.message().find("closed.file: cannot sync"),
            absl::string_view::npos)
      << error;
  EXPECT_TRUE(sync.TakeError().ok());
}

TEST(BackgroundSyncTest, SyncsOfAGoodFileReportNothingAndWaitReturns) {
  char path[] = "/tmp/background_sync_test_XXXXXX";
  const int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  BackgroundSync sync(path);
  for (int i = 0; i < 50; ++i) {
    ASSERT_EQ(write(fd, "line\n", 5), 5);
    sync.Request(fd);
  }
  sync.Wait();
  EXPECT_TRUE(sync.TakeError().ok());
  close(fd);
  unlink(path);
}

// Waiting with nothing asked returns at once; destroying with nothing
// asked (no thread yet) is fine.
TEST(BackgroundSyncTest, WaitWithoutARequestReturns) {
  BackgroundSync sync("unused");
  sync.Wait();
  EXPECT_TRUE(sync.TakeError().ok());
}

}  // namespace
}  // namespace newsflow
