// The dead-letter file: records written by stage processes and read back
// by `newsflow deadletters`.
#include "runner/host/dead_letters.h"

#include <fstream>
#include <string>

#include "absl/strings/match.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "tests/unit/runner/temp_dir.h"

namespace newsflow {
namespace {

v1::DeadLetter Letter(const std::string& what, const std::string& raw) {
  v1::DeadLetter letter;
  letter.set_at("2026-01-01T00:00:00.000000Z");
  letter.set_stage("clean");
  letter.set_replica(1);
  letter.set_reason("does not parse");
  letter.set_what(what);
  letter.set_raw(raw);
  letter.set_article_id("a1");
  return letter;
}

TEST(DeadLettersTest, RecordsComeBackAsWrittenInOrder) {
  TempDir dir;
  // In a folder that does not exist yet.
  const std::string path = dir.File("state/deadletters.jsonl");
  // Raw bytes are arbitrary binary, not text.
  const v1::DeadLetter first =
      Letter("frame #1", std::string("\0\xff\x80z", 4));
  const v1::DeadLetter second = Letter("frame #2", "plain");
  ASSERT_TRUE(AppendDeadLetter(path, first).ok());
  ASSERT_TRUE(AppendDeadLetter(path, second).ok());
  auto letters = ReadDeadLetters(path);
  ASSERT_TRUE(letters.ok()) << letters.status();
  ASSERT_EQ(letters->size(), 2u);
  EXPECT_TRUE(
      google::protobuf::util::MessageDifferencer::Equals((*letters)[0], first));
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals((*letters)[1],
                                                                 second));
}

TEST(DeadLettersTest, OneJsonObjectPerLine) {
  TempDir dir;
  const std::string path = dir.File("deadletters.jsonl");
  ASSERT_TRUE(AppendDeadLetter(path, Letter("frame #1", "x")).ok());
  std::ifstream in(path);
  std::string line;
  ASSERT_TRUE(std::getline(in, line));
  EXPECT_TRUE(absl::StartsWith(line, "{")) << line;
  EXPECT_TRUE(absl::StrContains(line, "\"article_id\"")) << line;
  EXPECT_FALSE(std::getline(in, line));
}

TEST(DeadLettersTest, AMissingFileHasNone) {
  TempDir dir;
  auto letters = ReadDeadLetters(dir.File("nothing.jsonl"));
  ASSERT_TRUE(letters.ok());
  EXPECT_TRUE(letters->empty());
}

TEST(DeadLettersTest, ABadLineIsReportedWithItsNumber) {
  TempDir dir;
  const std::string path = dir.File("deadletters.jsonl");
  ASSERT_TRUE(AppendDeadLetter(path, Letter("frame #1", "x")).ok());
  {
    std::ofstream out(path, std::ios::app);
    out << "\nnot json\n";
  }
  auto letters = ReadDeadLetters(path);
  EXPECT_EQ(letters.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_TRUE(absl::StartsWith(letters.status().message(), path + ":3: "))
      << letters.status();
}

TEST(DeadLettersTest, AnUnwritablePlaceIsAnError) {
  TempDir dir;
  // A path below a regular file cannot be created.
  const std::string blocker = dir.File("file");
  std::ofstream(blocker) << "x";
  EXPECT_FALSE(
      AppendDeadLetter(blocker + "/deadletters.jsonl", Letter("frame #1", "x"))
          .ok());
}

TEST(DeadLetterWriterTest, StampsEachRecordWithTheStageReplica) {
  TempDir dir;
  const std::string path = dir.File("deadletters.jsonl");
  const DeadLetterWriter writer(path, "clean", 2);
  ASSERT_TRUE(writer.Append("frame #7", "does not parse", "\x01", "a7").ok());
  ASSERT_TRUE(writer.Append("feed.xml", "unreadable", "", "").ok());
  auto letters = ReadDeadLetters(path);
  ASSERT_TRUE(letters.ok()) << letters.status();
  ASSERT_EQ(letters->size(), 2u);
  const v1::DeadLetter& first = (*letters)[0];
  EXPECT_EQ(first.stage(), "clean");
  EXPECT_EQ(first.replica(), 2);
  EXPECT_EQ(first.what(), "frame #7");
  EXPECT_EQ(first.reason(), "does not parse");
  EXPECT_EQ(first.raw(), "\x01");
  EXPECT_EQ(first.article_id(), "a7");
  EXPECT_FALSE(first.at().empty());
  EXPECT_EQ((*letters)[1].article_id(), "");
}

TEST(DeadLetterWriterTest, WithoutAPathNothingIsKept) {
  const DeadLetterWriter writer("", "clean", 0);
  EXPECT_TRUE(writer.Append("frame #1", "x", "raw", "").ok());
}

}  // namespace
}  // namespace newsflow
