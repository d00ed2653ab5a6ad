// The source journal on disk: what survives a reopen, a torn tail and a
// compaction.
#include "runner/host/journal.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "newsflow/v1/control.pb.h"
#include "tests/unit/runner/temp_dir.h"

namespace newsflow {
namespace {

std::unique_ptr<SourceJournal> OpenOrDie(const std::string& path) {
  auto journal = SourceJournal::Open(path, {"store", "index"});
  EXPECT_TRUE(journal.ok()) << journal.status();
  return journal.ok() ? *std::move(journal) : nullptr;
}

uint64_t EmitOrDie(SourceJournal& journal, const std::string& id,
                   const std::string& article = "bytes") {
  auto seq = journal.Emit(id, article);
  EXPECT_TRUE(seq.ok()) << seq.status();
  return seq.ok() ? *seq : 0;
}

void SettleOrDie(SourceJournal& journal, uint64_t seq) {
  EXPECT_FALSE(journal.Ack(seq, "store"));
  EXPECT_TRUE(journal.Ack(seq, "index"));
}

TEST(SourceJournalTest, AMissingFileIsAnEmptyJournalInANewFolder) {
  TempDir dir;
  auto journal = OpenOrDie(dir.File("state/deeper/src.0.journal"));
  ASSERT_NE(journal, nullptr);
  EXPECT_TRUE(journal->pending().empty());
  EXPECT_EQ(journal->settled_count(), 0u);
  EXPECT_FALSE(journal->Known("a1"));
  EXPECT_TRUE(std::filesystem::exists(dir.File("state/deeper/src.0.journal")));
}

TEST(SourceJournalTest, PendingAndSettledSurviveAReopen) {
  TempDir dir;
  const std::string path = dir.File("src.0.journal");
  uint64_t a = 0, b = 0, c = 0;
  {
    auto journal = OpenOrDie(path);
    a = EmitOrDie(*journal, "a", "article a");
    b = EmitOrDie(*journal, "b", "article b");
    c = EmitOrDie(*journal, "c", "article c");
    EXPECT_LT(a, b);
    EXPECT_LT(b, c);
    SettleOrDie(*journal, b);
    // Half-acknowledged: still pending after the reopen.
    EXPECT_FALSE(journal->Ack(c, "store"));
  }
  auto journal = OpenOrDie(path);
  ASSERT_NE(journal, nullptr);
  ASSERT_EQ(journal->pending().size(), 2u);
  EXPECT_EQ(journal->pending().at(a).id, "a");
  EXPECT_EQ(journal->pending().at(a).article, "article a");
  // Nothing of it was sent by this process yet.
  EXPECT_EQ(journal->pending().at(a).sends, 0);
  EXPECT_EQ(journal->settled_count(), 1u);
  EXPECT_TRUE(journal->Known("a"));
  EXPECT_TRUE(journal->Known("b"));
  EXPECT_FALSE(journal->Known("d"));
  // Acknowledgements are not journaled per terminal: c waits for both
  // again (a re-send is harmless, a loss would not be).
  EXPECT_FALSE(journal->Ack(c, "store"));
  EXPECT_TRUE(journal->Ack(c, "index"));
  EXPECT_GT(EmitOrDie(*journal, "d"), c);
}

// Write-ahead: emissions are in the file (with the acknowledgements
// buffered before them) as soon as WriteOut returns, before any Sync() or
// close, as a SIGKILLed process leaves it; the host calls it before it
// sends what was emitted, once for all of it.
TEST(SourceJournalTest, EmissionsAreInTheFileWhenWriteOutReturns) {
  TempDir dir;
  const std::string path = dir.File("src.0.journal");
  auto journal = OpenOrDie(path);
  const uint64_t a = EmitOrDie(*journal, "a", std::string(6000, 'x'));
  ASSERT_TRUE(journal->WriteOut().ok());
  SettleOrDie(*journal, a);
  const uint64_t b = EmitOrDie(*journal, "b", "article b");
  EXPECT_TRUE(journal->has_unwritten());
  {
    // Not written yet: a process killed now never sent b.
    auto reader = OpenOrDie(path);
    EXPECT_EQ(reader->pending().count(a), 1u);
    EXPECT_EQ(reader->pending().count(b), 0u);
  }
  ASSERT_TRUE(journal->WriteOut().ok());
  EXPECT_FALSE(journal->has_unwritten());
  // Read by a second journal while the first is still open, unsynced.
  auto reader = OpenOrDie(path);
  EXPECT_TRUE(reader->Known("a"));
  EXPECT_EQ(reader->pending().count(a), 0u);  // its ack was written too
  ASSERT_EQ(reader->pending().count(b), 1u);
  EXPECT_EQ(reader->pending().at(b).article, "article b");
}

// An emission's record is written from the pending article's own bytes
// (not copied into the buffer first) and must still be exactly protobuf's
// encoding of the record: other readers of the file parse it as one.
TEST(SourceJournalTest, AnEmissionsRecordIsProtobufsEncoding) {
  TempDir dir;
  const std::string path = dir.File("src.0.journal");
  // Sizes whose lengths take one, two and three varint bytes.
  const std::vector<std::string> articles = {"short", std::string(200, 'm'),
                                             std::string(20000, 'l')};
  std::string expected;
  {
    auto journal = OpenOrDie(path);
    for (size_t i = 0; i < articles.size(); ++i) {
      const std::string id = "id" + std::to_string(i);
      const uint64_t seq = EmitOrDie(*journal, id, articles[i]);
      v1::JournalRecord record;
      record.mutable_emitted()->set_seq(seq);
      record.mutable_emitted()->set_id(id);
      record.mutable_emitted()->set_article(articles[i]);
      const std::string bytes = record.SerializeAsString();
      for (int b = 0; b < 4; ++b) {
        expected.push_back(static_cast<char>((bytes.size() >> (8 * b)) & 0xFF));
      }
      expected += bytes;
    }
    ASSERT_TRUE(journal->WriteOut().ok());
  }
  std::ifstream in(path, std::ios::binary);
  const std::string file((std::istreambuf_iterator<char>(in)),
                         std::istreambuf_iterator<char>());
  EXPECT_EQ(file, expected);
}

// A process SIGKILLed with emissions written and others still buffered:
// the written ones are pending after a reopen, the others are not (they
// were never sent: their source reads them again), and the next sequence
// number is past every written one.
TEST(SourceJournalTest, AKilledProcessKeepsWhatItWroteOut) {
  TempDir dir;
  const std::string path = dir.File("src.0.journal");
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto opened = SourceJournal::Open(path, {"store"});
    if (!opened.ok()) _exit(2);
    SourceJournal& journal = **opened;
    for (const char* id : {"w1", "w2", "w3"}) {
      if (!journal.Emit(id, std::string(5000, 'w')).ok()) _exit(3);
    }
    if (!journal.WriteOut().ok()) _exit(4);
    for (const char* id : {"u1", "u2"}) {
      if (!journal.Emit(id, std::string(5000, 'u')).ok()) _exit(5);
    }
    raise(SIGKILL);
    _exit(6);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status)) << "exit " << WEXITSTATUS(status);
  ASSERT_EQ(WTERMSIG(status), SIGKILL);
  auto journal = OpenOrDie(path);
  ASSERT_NE(journal, nullptr);
  std::vector<std::string> pending;
  uint64_t last = 0;
  for (const auto& [seq, p] : journal->pending()) {
    pending.push_back(p.id);
    EXPECT_EQ(p.article, std::string(5000, 'w'));
    last = std::max(last, seq);
  }
  EXPECT_EQ(pending, (std::vector<std::string>{"w1", "w2", "w3"}));
  EXPECT_FALSE(journal->Known("u1"));
  EXPECT_GT(EmitOrDie(*journal, "u1"), last);
}

TEST(SourceJournalTest, UnknownAndRepeatedAcknowledgementsAreIgnored) {
  TempDir dir;
  auto journal = OpenOrDie(dir.File("src.0.journal"));
  const uint64_t seq = EmitOrDie(*journal, "a");
  EXPECT_FALSE(journal->Ack(seq + 100, "store"));
  EXPECT_FALSE(journal->Ack(seq, "somebody else"));
  SettleOrDie(*journal, seq);
  EXPECT_FALSE(journal->Ack(seq, "index"));
  EXPECT_EQ(journal->settled_count(), 1u);
}

TEST(SourceJournalTest, ASettledArticlesMemoryIsLentForTheNextOne) {
  TempDir dir;
  auto journal = OpenOrDie(dir.File("src.0.journal"));
  EXPECT_TRUE(journal->TakeBuffer().empty());
  const uint64_t small = EmitOrDie(*journal, "a", std::string(5000, 'a'));
  const uint64_t huge = EmitOrDie(*journal, "b", std::string(1 << 20, 'b'));
  SettleOrDie(*journal, small);
  SettleOrDie(*journal, huge);
  // Empty, with the small article's memory; the huge one's is not kept.
  const std::string lent = journal->TakeBuffer();
  EXPECT_TRUE(lent.empty());
  EXPECT_GE(lent.capacity(), 5000u);
  EXPECT_LT(lent.capacity(), size_t{1} << 20);
  EXPECT_EQ(journal->TakeBuffer().capacity(), std::string().capacity());
  // Lending changes nothing the journal holds.
  EXPECT_TRUE(journal->Known("a"));
  EXPECT_TRUE(journal->pending().empty());
}

TEST(SourceJournalTest, ATornFinalRecordIsIgnored) {
  TempDir dir;
  const std::string path = dir.File("src.0.journal");
  uint64_t a = 0;
  {
    auto journal = OpenOrDie(path);
    a = EmitOrDie(*journal, "a");
  }
  {
    // A crash mid-write: a header promising 100 bytes, then three.
    std::ofstream out(path, std::ios::app | std::ios::binary);
    out.write("\x64\0\0\0abc", 7);
  }
  auto journal = OpenOrDie(path);
  ASSERT_NE(journal, nullptr);
  ASSERT_EQ(journal->pending().size(), 1u);
  EXPECT_EQ(journal->pending().begin()->first, a);
  EXPECT_GT(EmitOrDie(*journal, "b"), a);
}

TEST(SourceJournalTest, WhatIsAppendedAfterATornRecordSurvivesTheNextReopen) {
  TempDir dir;
  const std::string path = dir.File("src.0.journal");
  {
    auto journal = OpenOrDie(path);
    EmitOrDie(*journal, "a");
  }
  {
    std::ofstream out(path, std::ios::app | std::ios::binary);
    out.write("\x64\0\0\0abc", 7);
  }
  uint64_t b = 0;
  {
    auto journal = OpenOrDie(path);
    ASSERT_NE(journal, nullptr);
    b = EmitOrDie(*journal, "b");
  }
  auto journal = OpenOrDie(path);
  ASSERT_NE(journal, nullptr);
  EXPECT_EQ(journal->pending().size(), 2u);
  EXPECT_TRUE(journal->Known("b"));
  EXPECT_GT(EmitOrDie(*journal, "c"), b);  // sequence numbers never reused
}

TEST(SourceJournalTest, CompactionKeepsWhatTheJournalMustHold) {
  TempDir dir;
  const std::string path = dir.File("src.0.journal");
  const std::string big(9 * 1024 * 1024, 'x');
  uint64_t last = 0;
  {
    auto journal = OpenOrDie(path);
    SettleOrDie(*journal, EmitOrDie(*journal, "big1", big));
    SettleOrDie(*journal, EmitOrDie(*journal, "big2", big));
    last = EmitOrDie(*journal, "small", "still pending");
    ASSERT_TRUE(journal->Sync().ok());
    ASSERT_GT(std::filesystem::file_size(path), 16u * 1024 * 1024);
    ASSERT_TRUE(journal->MaybeCompact().ok());
    EXPECT_LT(std::filesystem::file_size(path), 1024u);
    // Still appends to the new file.
    SettleOrDie(*journal, last);
  }
  auto journal = OpenOrDie(path);
  ASSERT_NE(journal, nullptr);
  EXPECT_TRUE(journal->Known("big1"));
  EXPECT_TRUE(journal->Known("big2"));
  EXPECT_TRUE(journal->Known("small"));
  EXPECT_TRUE(journal->pending().empty());
  EXPECT_EQ(journal->settled_count(), 3u);
  // Sequence numbers used before the compaction are not used again.
  EXPECT_GT(EmitOrDie(*journal, "next"), last);
}

// Journals compacted by older versions list settled ids whole; they still
// load, and a compaction now keeps 8-byte hashes that recognise them.
TEST(SourceJournalTest, SettledIdsWrittenWholeStillLoad) {
  TempDir dir;
  const std::string path = dir.File("src.0.journal");
  {
    std::ofstream out(path, std::ios::binary);
    for (const char* id : {"old-a", "old-b"}) {
      v1::JournalRecord record;
      record.set_settled_id(id);
      const std::string body = record.SerializeAsString();
      const uint32_t size = static_cast<uint32_t>(body.size());
      const char length[4] = {static_cast<char>(size & 0xff),
                              static_cast<char>((size >> 8) & 0xff),
                              static_cast<char>((size >> 16) & 0xff),
                              static_cast<char>(size >> 24)};
      out.write(length, 4);
      out << body;
    }
  }
  {
    auto journal = OpenOrDie(path);
    ASSERT_NE(journal, nullptr);
    EXPECT_TRUE(journal->Known("old-a"));
    EXPECT_TRUE(journal->Known("old-b"));
    EXPECT_FALSE(journal->Known("old-c"));
    EXPECT_EQ(journal->settled_count(), 2u);
    const std::string big(9 * 1024 * 1024, 'x');
    SettleOrDie(*journal, EmitOrDie(*journal, "big1", big));
    SettleOrDie(*journal, EmitOrDie(*journal, "big2", big));
    ASSERT_TRUE(journal->Sync().ok());
    ASSERT_TRUE(journal->MaybeCompact().ok());
  }
  auto journal = OpenOrDie(path);
  for (const char* id : {"old-a", "old-b", "big1", "big2"}) {
    EXPECT_TRUE(journal->Known(id)) << id;
  }
  EXPECT_FALSE(journal->Known("old-c"));
  // next_seq and four hash records (4 bytes of length, 9 of record each).
  EXPECT_LT(std::filesystem::file_size(path), 80u);
}

TEST(SourceJournalTest, ASmallJournalIsNotRewritten) {
  TempDir dir;
  const std::string path = dir.File("src.0.journal");
  auto journal = OpenOrDie(path);
  SettleOrDie(*journal, EmitOrDie(*journal, "a", std::string(1000, 'x')));
  ASSERT_TRUE(journal->Sync().ok());
  const auto before = std::filesystem::file_size(path);
  ASSERT_TRUE(journal->MaybeCompact().ok());
  EXPECT_EQ(std::filesystem::file_size(path), before);
}

}  // namespace
}  // namespace newsflow
