// The source journal on disk: what survives a reopen, a torn tail and a
// compaction.
#include "runner/host/journal.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "newsflow/v1/control.pb.h"
#include "tests/unit/runner/temp_dir.h"

// Fault seam: writev(2) that writes at most g_writev_chunk bytes a call
// (short writes; 0: no limit), fails with EINTR every other call when
// asked, and fails with ENOSPC once g_writev_budget bytes were written
// (-1: no limit).
std::atomic<size_t> g_writev_chunk{0};
std::atomic<bool> g_writev_eintr{false};
std::atomic<int64_t> g_writev_budget{-1};
extern "C" ssize_t writev(int fd, const struct iovec* iov, int count) {
  static std::atomic<int> calls{0};
  if (g_writev_eintr.load() && calls++ % 2 == 0) {
    errno = EINTR;
    return -1;
  }
  size_t want = 0;
  for (int i = 0; i < count; ++i) want += iov[i].iov_len;
  size_t limit = want;
  if (g_writev_chunk.load() > 0) limit = std::min(limit, g_writev_chunk.load());
  const int64_t budget = g_writev_budget.load();
  if (budget >= 0) {
    if (budget == 0) {
      errno = ENOSPC;
      return -1;
    }
    limit = std::min(limit, static_cast<size_t>(budget));
  }
  std::string bytes;
  for (int i = 0; i < count && bytes.size() < limit; ++i) {
    bytes.append(static_cast<const char*>(iov[i].iov_base),
                 std::min(iov[i].iov_len, limit - bytes.size()));
  }
  const ssize_t n = write(fd, bytes.data(), bytes.size());
  if (n > 0 && budget >= 0) g_writev_budget = budget - n;
  return n;
}

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

// `record` framed as the journal frames it: 4 bytes of little-endian
// length, then protobuf's bytes.
std::string Framed(const v1::JournalRecord& record) {
  const std::string bytes = record.SerializeAsString();
  std::string framed;
  for (int b = 0; b < 4; ++b) {
    framed.push_back(static_cast<char>((bytes.size() >> (8 * b)) & 0xFF));
  }
  return framed + bytes;
}

std::string ReadWhole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)),
                     std::istreambuf_iterator<char>());
}

// The hand-encoded head of an empty article omits field 3, as protobuf
// does (proto3 bytes), rather than writing 0x1A 0x00.
TEST(SourceJournalTest, AnEmptyArticlesRecordIsProtobufsEncoding) {
  TempDir dir;
  const std::string path = dir.File("src.0.journal");
  v1::JournalRecord record;
  {
    auto journal = OpenOrDie(path);
    const uint64_t seq = EmitOrDie(*journal, "id", "");
    record.mutable_emitted()->set_seq(seq);
    record.mutable_emitted()->set_id("id");
    ASSERT_TRUE(journal->WriteOut().ok());
  }
  EXPECT_EQ(ReadWhole(path), Framed(record));
}

// Lengths at the varint boundaries of the article and of the
// emitted message (2^7, 2^14, 2^21) equal protobuf's bytes.
TEST(SourceJournalTest, VarintBoundariesAreProtobufsEncoding) {
  for (const size_t size :
       {size_t{0x7F} - 8, size_t{0x7F}, size_t{0x80}, size_t{0x3FFF} - 9,
        size_t{0x3FFF} - 8, size_t{0x3FFF}, size_t{0x4000},
        size_t{0x1FFFFF} - 10, size_t{0x1FFFFF}, size_t{0x200000}}) {
    TempDir dir;
    const std::string path = dir.File("src.0.journal");
    const std::string article(size, 'x');
    std::string expected;
    {
      auto journal = OpenOrDie(path);
      const uint64_t seq = EmitOrDie(*journal, "some-id", article);
      v1::JournalRecord record;
      record.mutable_emitted()->set_seq(seq);
      record.mutable_emitted()->set_id("some-id");
      record.mutable_emitted()->set_article(article);
      expected = Framed(record);
      ASSERT_TRUE(journal->WriteOut().ok());
    }
    EXPECT_TRUE(ReadWhole(path) == expected) << "article size " << size;
    auto reader = OpenOrDie(path);
    EXPECT_EQ(reader->pending().size(), 1u) << size;
  }
}

// Ack() of an emission whose record is still buffered (no WriteOut in
// between; the API allows it) frees or recycles the article the record's
// bytes are taken from: the record must be written intact all the same
// (without the fix: EFAULT for a munmap'ed 200 KB buffer, then 'Z's).
TEST(SourceJournalTest, AckBeforeWriteOutKeepsTheRecordIntact) {
  TempDir dir;
  const std::string path = dir.File("src.0.journal");
  {
    auto journal = OpenOrDie(path);
    const uint64_t a = EmitOrDie(*journal, "a", std::string(200000, 'a'));
    const uint64_t b = EmitOrDie(*journal, "b", std::string(100, 'b'));
    SettleOrDie(*journal, a);
    SettleOrDie(*journal, b);
    std::string reused = journal->TakeBuffer();  // b's memory
    reused.assign(100, 'Z');
    EXPECT_TRUE(journal->WriteOut().ok());
  }
  EXPECT_NE(ReadWhole(path).find(std::string(100, 'b')), std::string::npos);
}

// Short writes and EINTR write every record whole.
TEST(SourceJournalTest, ShortWritesAndEintrWriteWholeRecords) {
  TempDir dir;
  const std::string path = dir.File("src.0.journal");
  std::vector<std::string> articles;
  for (int i = 0; i < 30; ++i)
    articles.push_back(std::string(37 * i + 1, 'a' + i % 26));
  {
    auto journal = OpenOrDie(path);
    g_writev_chunk = 13;
    g_writev_eintr = true;
    for (int i = 0; i < 30; ++i)
      EmitOrDie(*journal, "id" + std::to_string(i), articles[i]);
    ASSERT_TRUE(journal->WriteOut().ok());
    g_writev_chunk = 0;
    g_writev_eintr = false;
  }
  auto reader = OpenOrDie(path);
  ASSERT_EQ(reader->pending().size(), 30u);
  int i = 0;
  for (const auto& [seq, p] : reader->pending())
    EXPECT_EQ(p.article, articles[i++]);
}

// ENOSPC mid-record fails WriteOut; freed space, the retry
// completes the torn record; never retried, the reopen cuts the torn tail.
TEST(SourceJournalTest, EnospcMidRecordThenRetryOrCrash) {
  for (const bool retry : {true, false}) {
    TempDir dir;
    const std::string path = dir.File("src.0.journal");
    {
      auto journal = OpenOrDie(path);
      EmitOrDie(*journal, "a", std::string(100, 'a'));
      ASSERT_TRUE(journal->WriteOut().ok());
      EmitOrDie(*journal, "b", std::string(100, 'b'));
      EmitOrDie(*journal, "c", std::string(100, 'c'));
      g_writev_budget = 150;  // b whole, c torn
      EXPECT_FALSE(journal->WriteOut().ok());
      if (retry) {
        g_writev_budget = -1;
        EXPECT_TRUE(journal->WriteOut().ok());
      }
      // (without the retry the destructor's write fails too: a crash)
    }
    g_writev_budget = -1;
    auto reader = OpenOrDie(path);
    EXPECT_EQ(reader->pending().size(), retry ? 3u : 2u) << retry;
    for (const auto& [seq, p] : reader->pending()) {
      EXPECT_EQ(p.article, std::string(100, p.id[0])) << p.id;
    }
    if (!retry) {
      // New records after the cut are read back too.
      EmitOrDie(*reader, "d", "dd");
      ASSERT_TRUE(reader->WriteOut().ok());
      reader.reset();
      EXPECT_EQ(OpenOrDie(path)->pending().size(), 3u);
    }
  }
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
