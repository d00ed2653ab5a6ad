// Dead letters seen as distinct rejections (runner/observe/dead_letter_list.h).
#include "runner/observe/dead_letter_list.h"

#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runner/host/dead_letters.h"
#include "tests/unit/runner/temp_dir.h"

namespace newsflow {
namespace {

using ::testing::SizeIs;

v1::DeadLetter Letter(const std::string& stage, const std::string& what,
                      const std::string& reason, const std::string& at,
                      const std::string& raw = "") {
  v1::DeadLetter letter;
  letter.set_stage(stage);
  letter.set_what(what);
  letter.set_reason(reason);
  letter.set_at(at);
  letter.set_raw(raw);
  return letter;
}

TEST(DeadLetterListTest, TheSameRejectionIsOneGroupWithItsCount) {
  const std::vector<v1::DeadLetter> letters = {
      Letter("ingest", "/in/empty.txt", "empty file", "2031-04-01T08:00:00Z"),
      Letter("clean", "frame #3", "not an article", "2031-04-01T08:00:01Z",
             "\x01\x02"),
      Letter("ingest", "/in/empty.txt", "empty file", "2031-04-02T08:00:00Z"),
      // The same bytes under another frame number are the same input.
      Letter("clean", "frame #9", "not an article", "2031-04-02T08:00:01Z",
             "\x01\x02"),
      // Another reason for the same file is another rejection.
      Letter("ingest", "/in/empty.txt", "unreadable", "2031-04-02T09:00:00Z"),
  };
  std::vector<DeadLetterGroup> groups = GroupDeadLetters(letters);
  ASSERT_THAT(groups, SizeIs(3));
  EXPECT_EQ(groups[0].count, 2);
  EXPECT_EQ(groups[0].first_at, "2031-04-01T08:00:00Z");
  EXPECT_EQ(groups[0].latest.at(), "2031-04-02T08:00:00Z");
  EXPECT_EQ(groups[1].count, 2);
  EXPECT_EQ(groups[1].latest.what(), "frame #9");
  EXPECT_EQ(groups[2].count, 1);
  EXPECT_EQ(groups[2].latest.reason(), "unreadable");
}

TEST(DeadLetterListTest, SinceKeepsRejectionsThatHappenedAgainLately) {
  const std::vector<v1::DeadLetter> letters = {
      Letter("ingest", "a", "empty file", "2031-04-01T08:00:00Z"),
      Letter("ingest", "b", "empty file", "2031-04-01T08:00:00Z"),
      Letter("ingest", "a", "empty file", "2031-04-03T08:00:00Z"),
      Letter("ingest", "c", "empty file", "not a time"),
  };
  absl::Time since;
  std::string error;
  ASSERT_TRUE(absl::ParseTime(absl::RFC3339_full, "2031-04-02T00:00:00Z",
                              &since, &error));
  std::vector<DeadLetterGroup> groups = GroupDeadLetters(letters, since);
  ASSERT_THAT(groups, SizeIs(1));
  EXPECT_EQ(groups[0].latest.what(), "a");
  EXPECT_THAT(GroupDeadLetters(letters), SizeIs(3));
}

TEST(DeadLetterListTest, RemoveRewritesTheFileKeepingTheRest) {
  TempDir dir;
  const std::string path = dir.path() + "/deadletters.jsonl";
  ASSERT_TRUE(AppendDeadLetter(path, Letter("ingest", "a", "x", "t1")).ok());
  ASSERT_TRUE(AppendDeadLetter(path, Letter("clean", "b", "y", "t2")).ok());
  ASSERT_TRUE(AppendDeadLetter(path, Letter("ingest", "a", "x", "t3")).ok());
  absl::StatusOr<int> removed = RemoveDeadLetters(
      path,
      [](const v1::DeadLetter& letter) { return letter.stage() != "ingest"; });
  ASSERT_TRUE(removed.ok()) << removed.status();
  EXPECT_EQ(*removed, 2);
  absl::StatusOr<std::vector<v1::DeadLetter>> left = ReadDeadLetters(path);
  ASSERT_TRUE(left.ok());
  ASSERT_THAT(*left, SizeIs(1));
  EXPECT_EQ((*left)[0].what(), "b");
  EXPECT_EQ(*RemoveDeadLetters(dir.path() + "/missing.jsonl",
                               [](const v1::DeadLetter&) { return false; }),
            0);
}

}  // namespace
}  // namespace newsflow
