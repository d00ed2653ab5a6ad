#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "jsonl_sink_options.pb.h"
#include "plugins/jsonl_sink/jsonl_sink_stage.h"
#include "plugins/jsonl_sink/rotating_file.h"
#include "tests/unit/plugins/stage_driver.h"

// Fault seam: fdatasync(2) defined in the test binary wins over libc's for
// the code linked into it; it fails (EIO, a lost writeback) as many times
// as asked, as Linux does: once, to the one sync it reports to.
std::atomic<int> g_failing_fdatasyncs{0};
extern "C" int fdatasync(int fd) {
  if (g_failing_fdatasyncs.load() > 0) {
    g_failing_fdatasyncs--;
    errno = EIO;
    return -1;
  }
  return static_cast<int>(syscall(SYS_fdatasync, fd));
}

// Counts fsync(2) calls (RotatingFile::Sync).
std::atomic<int> g_fsyncs{0};
extern "C" int fsync(int fd) {
  g_fsyncs++;
  return static_cast<int>(syscall(SYS_fsync, fd));
}

// write(2) defined in the test binary. When
// armed on an fd, its first write there goes half through, then another
// writer (g_other_fd, O_APPEND on the same file) appends its record, as a
// second replica or process does; the next write there fails with ENOSPC.
std::atomic<int> g_race_fd{-1};
std::atomic<int> g_other_fd{-1};
std::atomic<int> g_race_calls{0};
extern "C" ssize_t write(int fd, const void* buf, size_t n) {
  if (fd >= 0 && fd == g_race_fd.load()) {
    if (g_race_calls++ == 0) {
      const ssize_t half =
          static_cast<ssize_t>(syscall(SYS_write, fd, buf, n / 2));
      const char other[] = "{\"other\":\"acknowledged\"}\n";
      (void)syscall(SYS_write, g_other_fd.load(), other, sizeof(other) - 1);
      return half;
    }
    g_race_fd = -1;
    errno = ENOSPC;
    return -1;
  }
  return static_cast<ssize_t>(syscall(SYS_write, fd, buf, n));
}

namespace newsflow::plugins::jsonl_sink {
namespace {

namespace fs = std::filesystem;
using ::newsflow::testing::StageDriver;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class TempFolder {
 public:
  TempFolder() {
    char pattern[] = "/tmp/nf-jsonl-XXXXXX";
    path_ = mkdtemp(pattern);
  }
  ~TempFolder() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  std::string Path(const std::string& name) const {
    return absl::StrCat(path_, "/", name);
  }

 private:
  std::string path_;
};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

// "line-00\n", "line-01\n", ...: 8 bytes each.
std::string Line(int i) { return absl::StrCat("line-", i / 10, i % 10, "\n"); }

std::string Lines(int first, int last) {
  std::string lines;
  for (int i = first; i <= last; ++i) lines += Line(i);
  return lines;
}

// The sink's options: write `path`, rotate past 100 bytes, keep
// `max_files`.
std::string SmallRotationConfig(const std::string& path, int max_files) {
  return absl::StrCat(R"({"path": ")", path,
                      R"(", "max_bytes": 100, "max_files": )", max_files, "}");
}

// While it lives, files this process writes hold at most `bytes`, and a
// write past that is short or fails (EFBIG) as on a full disk, rather
// than raising SIGXFSZ.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    EXPECT_EQ(getrlimit(RLIMIT_FSIZE, &old_limit_), 0);
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    EXPECT_EQ(sigaction(SIGXFSZ, &ignore, &old_action_), 0);
    struct rlimit limit = old_limit_;
    limit.rlim_cur = bytes;
    EXPECT_EQ(setrlimit(RLIMIT_FSIZE, &limit), 0);
  }
  ~FileSizeLimit() {
    EXPECT_EQ(setrlimit(RLIMIT_FSIZE, &old_limit_), 0);
    EXPECT_EQ(sigaction(SIGXFSZ, &old_action_, nullptr), 0);
  }
  FileSizeLimit(const FileSizeLimit&) = delete;
  FileSizeLimit& operator=(const FileSizeLimit&) = delete;

 private:
  struct rlimit old_limit_ {};
  struct sigaction old_action_ {};
};

std::unique_ptr<RotatingFile> OpenOrDie(const std::string& path,
                                        RotationPolicy policy) {
  absl::StatusOr<std::unique_ptr<RotatingFile>> file =
      RotatingFile::Open(path, policy);
  EXPECT_TRUE(file.ok()) << file.status();
  return file.ok() ? *std::move(file) : nullptr;
}

TEST(RotatingFileTest, FlushWritesEveryAppendedRecord) {
  TempFolder dir;
  const std::string path = dir.Path("deep/folder/out.jsonl");
  auto file = OpenOrDie(path, RotationPolicy{});
  ASSERT_NE(file, nullptr);
  ASSERT_TRUE(file->Append(Line(0)).ok());
  ASSERT_TRUE(file->Append(Line(1)).ok());
  ASSERT_TRUE(file->Flush().ok());
  EXPECT_EQ(ReadFile(path), Lines(0, 1));
  EXPECT_EQ(file->file_bytes(), 16);
}

TEST(RotatingFileTest, ContinuesAnExistingFile) {
  TempFolder dir;
  const std::string path = dir.Path("out.jsonl");
  std::ofstream(path) << Lines(0, 2);
  RotationPolicy policy;
  policy.max_bytes = 32;
  auto file = OpenOrDie(path, policy);
  ASSERT_NE(file, nullptr);
  EXPECT_EQ(file->file_bytes(), 24);
  ASSERT_TRUE(file->Append(Line(3)).ok());  // 32 bytes: still fits
  ASSERT_TRUE(file->Append(Line(4)).ok());  // would be 40: rotates first
  ASSERT_TRUE(file->Flush().ok());
  EXPECT_EQ(ReadFile(path + ".1"), Lines(0, 3));
  EXPECT_EQ(ReadFile(path), Line(4));
}

TEST(RotatingFileTest, RotatesIntoNumberedFilesNewestFirst) {
  TempFolder dir;
  const std::string path = dir.Path("out.jsonl");
  RotationPolicy policy;
  policy.max_bytes = 24;  // three lines per file
  policy.max_files = 5;
  auto file = OpenOrDie(path, policy);
  ASSERT_NE(file, nullptr);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(file->Append(Line(i)).ok());
  ASSERT_TRUE(file->Flush().ok());
  EXPECT_EQ(ReadFile(path), Line(9));
  EXPECT_EQ(ReadFile(path + ".1"), Lines(6, 8));
  EXPECT_EQ(ReadFile(path + ".2"), Lines(3, 5));
  EXPECT_EQ(ReadFile(path + ".3"), Lines(0, 2));
  EXPECT_FALSE(fs::exists(path + ".4"));
}

TEST(RotatingFileTest, KeepsOnlyMaxFilesRotatedFiles) {
  TempFolder dir;
  const std::string path = dir.Path("out.jsonl");
  RotationPolicy policy;
  policy.max_bytes = 16;  // two lines per file
  policy.max_files = 2;
  auto file = OpenOrDie(path, policy);
  ASSERT_NE(file, nullptr);
  for (int i = 0; i < 9; ++i) ASSERT_TRUE(file->Append(Line(i)).ok());
  ASSERT_TRUE(file->Flush().ok());
  EXPECT_EQ(ReadFile(path), Line(8));
  EXPECT_EQ(ReadFile(path + ".1"), Lines(6, 7));
  EXPECT_EQ(ReadFile(path + ".2"), Lines(4, 5));
  EXPECT_FALSE(fs::exists(path + ".3"));
}

TEST(RotatingFileTest, NeverSplitsARecordLargerThanMaxBytes) {
  TempFolder dir;
  const std::string path = dir.Path("out.jsonl");
  RotationPolicy policy;
  policy.max_bytes = 10;
  auto file = OpenOrDie(path, policy);
  ASSERT_NE(file, nullptr);
  const std::string big = std::string(25, 'x') + "\n";
  ASSERT_TRUE(file->Append(big).ok());      // empty file: written whole
  ASSERT_TRUE(file->Append(Line(0)).ok());  // rotates the big one away
  ASSERT_TRUE(file->Flush().ok());
  EXPECT_EQ(ReadFile(path + ".1"), big);
  EXPECT_EQ(ReadFile(path), Line(0));
}

TEST(RotatingFileTest, ZeroMaxBytesNeverRotates) {
  TempFolder dir;
  const std::string path = dir.Path("out.jsonl");
  RotationPolicy policy;
  policy.max_bytes = 0;
  auto file = OpenOrDie(path, policy);
  ASSERT_NE(file, nullptr);
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(file->Append(Line(i)).ok());
  ASSERT_TRUE(file->Flush().ok());
  EXPECT_EQ(ReadFile(path), Lines(0, 49));
  EXPECT_FALSE(fs::exists(path + ".1"));
}

TEST(RotatingFileTest, WritesOutWhenTheBufferFillsEvenWithoutFlush) {
  TempFolder dir;
  const std::string path = dir.Path("out.jsonl");
  RotationPolicy policy;
  policy.buffer_bytes = 16;
  auto file = OpenOrDie(path, policy);
  ASSERT_NE(file, nullptr);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(file->Append(Line(i)).ok());
  EXPECT_EQ(ReadFile(path), Lines(0, 1));  // Line(2) is still buffered
}

TEST(RotatingFileTest, WriteErrorsAreReturnedAndTheDataIsKept) {
  if (!fs::exists("/dev/full")) GTEST_SKIP() << "no /dev/full here";
  RotationPolicy policy;
  policy.buffer_bytes = 16;
  auto file = OpenOrDie("/dev/full", policy);
  ASSERT_NE(file, nullptr);
  ASSERT_TRUE(file->Append(Line(0)).ok());
  ASSERT_TRUE(file->Append(Line(1)).ok());
  // Must write the first two, cannot, and keeps all three for Flush().
  ASSERT_TRUE(file->Append(Line(2)).ok());
  absl::Status full = file->Flush();
  EXPECT_EQ(full.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(full.message(), "/dev/full: write failed: No space left on device");
  // Nothing was dropped: every later flush fails again.
  EXPECT_EQ(file->Flush().code(), absl::StatusCode::kResourceExhausted);
}

// A file of Line(0..2) (a 16-byte buffer: lines 0-1 written out) whose
// background sync of lines 0-1 failed.
std::unique_ptr<RotatingFile> WrittenWithAFailingSync(const TempFolder& dir,
                                                      int64_t max_bytes) {
  RotationPolicy policy;
  policy.buffer_bytes = 16;
  policy.max_bytes = max_bytes;
  auto file = OpenOrDie(dir.Path("out.jsonl"), policy);
  g_failing_fdatasyncs = 1;
  for (int i = 0; file != nullptr && i < 3; ++i) {
    if (!file->Append(Line(i)).ok()) return nullptr;
  }
  return file;
}

// The background sync of Line(0..1) fails (EIO: the kernel dropped those
// pages' writeback and tells that one sync only). The host retries a failed
// Flush() and acknowledges on the first OK, so every later flush must fail
// too: lines 0-1 are not known to be on disk.
TEST(RotatingFileTest, AFailedBackgroundSyncFailsEveryLaterFlush) {
  TempFolder dir;
  auto file = WrittenWithAFailingSync(dir, /*max_bytes=*/0);
  ASSERT_NE(file, nullptr);
  EXPECT_EQ(file->Flush().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(file->Flush().code(), absl::StatusCode::kDataLoss);  // a retry
  EXPECT_EQ(file->Append(Line(3)).code(), absl::StatusCode::kDataLoss);
  g_failing_fdatasyncs = 0;
}

// The same failure taken by a rotation's sync fails that Append and every
// later Flush(): not one Append (whose article the host would dead-letter)
// followed by a Flush() that acknowledges lines 0-2.
TEST(RotatingFileTest, ABackgroundSyncFailureTakenByARotationFailsTheFile) {
  TempFolder dir;
  auto file = WrittenWithAFailingSync(dir, /*max_bytes=*/24);
  ASSERT_NE(file, nullptr);
  EXPECT_EQ(file->Append(Line(3)).code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(file->Flush().code(), absl::StatusCode::kDataLoss);
  g_failing_fdatasyncs = 0;
}

TEST(RotatingFileTest, OpenFailsWithTheReason) {
  TempFolder dir;
  std::ofstream(dir.Path("blocker")) << "a file, not a folder";
  absl::StatusOr<std::unique_ptr<RotatingFile>> file =
      RotatingFile::Open(dir.Path("blocker/out.jsonl"), RotationPolicy{});
  ASSERT_FALSE(file.ok());
  EXPECT_THAT(std::string(file.status().message()),
              HasSubstr(dir.Path("blocker")));
}

// --- the stage, through its C ABI --------------------------------------

v1::Article SampleArticle(const std::string& id) {
  v1::Article article;
  article.set_id(id);
  article.set_title("Harbour reopens after the storm");
  article.set_body("The harbour reopened on Monday.\n\nFerries \"resumed\".");
  article.set_published_at("2026-03-02T08:00:00Z");
  article.add_keywords("harbour");
  (*article.mutable_metadata())["word_count"] = "7";
  return article;
}

TEST(JsonlSinkStageTest, DescribesItselfAsASinkOfArticles) {
  const nf_stage_type& type = kJsonlSinkStageType;
  EXPECT_STREQ(type.name, "jsonl_sink");
  EXPECT_EQ(type.kind, NF_STAGE_SINK);
  EXPECT_STREQ(type.consumes, "newsflow.v1.Article");
  EXPECT_EQ(type.emits, nullptr);
  EXPECT_NE(type.flush, nullptr);
}

TEST(JsonlSinkStageTest, SchemaListsEveryOptionOfTheOptionsProto) {
  EXPECT_EQ(testing::SchemaOptionNames(kJsonlSinkStageType),
            testing::OptionsProtoFieldNames(*JsonlSinkOptions::descriptor()));
}

TEST(JsonlSinkStageTest, SchemaDefaultsAreAccepted) {
  TempFolder dir;
  StageDriver driver(kJsonlSinkStageType);
  // What the runner sends: every default filled in, plus the required path.
  ASSERT_TRUE(driver
                  .Create(absl::StrCat(R"({"path": ")", dir.Path("a.jsonl"),
                                       R"(", "max_bytes": 67108864,)",
                                       R"( "max_files": 5})"))
                  .ok());
}

TEST(JsonlSinkStageTest, WritesOneJsonLinePerArticleOnFlush) {
  TempFolder dir;
  const std::string path = dir.Path("articles.jsonl");
  StageDriver driver(kJsonlSinkStageType);
  ASSERT_TRUE(driver.Create(absl::StrCat(R"({"path": ")", path, R"("})")).ok());
  ASSERT_TRUE(driver.Process(SampleArticle("a1")).ok());
  ASSERT_TRUE(driver.Process(SampleArticle("a2")).ok());
  ASSERT_TRUE(driver.Flush().ok());
  EXPECT_TRUE(driver.emitted().empty());

  const std::string content = ReadFile(path);
  std::vector<std::string> lines =
      absl::StrSplit(content, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 2u) << content;
  EXPECT_EQ(content.back(), '\n');
  EXPECT_THAT(lines[0], HasSubstr(R"("published_at":"2026-03-02T08:00:00Z")"));
  for (size_t i = 0; i < lines.size(); ++i) {
    v1::Article parsed;
    ASSERT_TRUE(
        google::protobuf::util::JsonStringToMessage(lines[i], &parsed).ok())
        << lines[i];
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(
        parsed, SampleArticle(i == 0 ? "a1" : "a2")))
        << lines[i];
  }
}

TEST(JsonlSinkStageTest, RotatesByMaxBytes) {
  TempFolder dir;
  const std::string path = dir.Path("articles.jsonl");
  StageDriver driver(kJsonlSinkStageType);
  ASSERT_TRUE(driver.Create(SmallRotationConfig(path, 2)).ok());
  for (const char* id : {"a1", "a2", "a3", "a4"}) {
    ASSERT_TRUE(driver.Process(SampleArticle(id)).ok());
  }
  ASSERT_TRUE(driver.Flush().ok());
  // Each line is longer than 100 bytes, so each gets its own file.
  EXPECT_THAT(ReadFile(path), HasSubstr(R"("id":"a4")"));
  EXPECT_THAT(ReadFile(path + ".1"), HasSubstr(R"("id":"a3")"));
  EXPECT_THAT(ReadFile(path + ".2"), HasSubstr(R"("id":"a2")"));
  EXPECT_FALSE(fs::exists(path + ".3"));
}

TEST(JsonlSinkStageTest, RefusesBadOptionsWithTheReason) {
  auto error_of = [](const std::string& options) {
    StageDriver driver(kJsonlSinkStageType);
    return std::string(driver.Create(options).message());
  };
  EXPECT_THAT(error_of("{}"),
              HasSubstr("invalid options: path: is required (The JSON Lines "
                        "file each article is appended to"));
  EXPECT_EQ(error_of(R"({"path": "/tmp/x.jsonl", "max_files": 0})"),
            "invalid options: max_files: must be 1 to 1000, got 0");
  EXPECT_EQ(error_of(R"({"path": "/tmp/x.jsonl", "max_bytes": -1})"),
            "invalid options: max_bytes: must be at least 0, got -1");
  EXPECT_THAT(error_of(R"({"path": "/tmp/x.jsonl", "max_file": 10})"),
              HasSubstr("invalid options: max_file: unknown option; did you "
                        "mean 'max_files'?"));
  EXPECT_THAT(error_of(R"({"path": "/tmp/x.jsonl", "max_bytes": "big"})"),
              HasSubstr("invalid options: "));
}

TEST(JsonlSinkStageTest, FlushReportsAFullDisk) {
  if (!fs::exists("/dev/full")) GTEST_SKIP() << "no /dev/full here";
  StageDriver driver(kJsonlSinkStageType);
  ASSERT_TRUE(driver.Create(R"({"path": "/dev/full"})").ok());
  ASSERT_TRUE(driver.Process(SampleArticle("a1")).ok());  // buffered
  absl::Status flushed = driver.Flush();
  EXPECT_EQ(flushed.message(),
            "/dev/full: write failed: No space left on device");
}

// On a full disk the articles stay buffered and the error comes from
// Flush(), which holds their acknowledgements back until a retry succeeds;
// not from Process() once the 1 MB buffer must be written, which the host
// turns into a dead letter (on the same full disk) and an acknowledgement.
TEST(JsonlSinkStageTest, AFullDiskFailsTheFlushNotAnArticle) {
  if (!fs::exists("/dev/full")) GTEST_SKIP() << "no /dev/full here";
  StageDriver driver(kJsonlSinkStageType);
  ASSERT_TRUE(driver.Create(R"({"path": "/dev/full"})").ok());
  int processed = 0;
  absl::Status status;
  for (; processed < 20000 && status.ok(); ++processed) {
    status = driver.Process(SampleArticle(absl::StrCat("a", processed)));
  }
  EXPECT_TRUE(status.ok()) << "article " << processed << ": " << status;
  EXPECT_FALSE(driver.Flush().ok());
}

// A lost writeback makes the sink unusable: its flush is NF_FATAL (the
// driver's AbortedError), so the host ends the process, the runner starts
// it again and the source re-sends what was not acknowledged.
TEST(JsonlSinkStageTest, ALostWritebackIsFatal) {
  TempFolder dir;
  StageDriver driver(kJsonlSinkStageType);
  ASSERT_TRUE(
      driver
          .Create(absl::StrCat(R"({"path": ")", dir.Path("out.jsonl"), R"("})"))
          .ok());
  v1::Article article = SampleArticle("a");
  article.set_body(std::string(8192, 'x'));
  g_failing_fdatasyncs = 1;
  // Past the 1 MB buffer: written out and synced in the background.
  for (int i = 0; i < 200; ++i) ASSERT_TRUE(driver.Process(article).ok());
  EXPECT_EQ(driver.Flush().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(driver.Process(article).code(), absl::StatusCode::kAborted);
  g_failing_fdatasyncs = 0;
}

// On a full disk Append() takes records only up to kMaxBufferMultiple
// buffers' worth, then refuses them: without that, the buffer grows with
// everything the sink receives (and with acknowledgements, with every
// re-send of what waits for one).
TEST(RotatingFileTest, AFullDiskBufferIsBounded) {
  if (!fs::exists("/dev/full")) GTEST_SKIP() << "no /dev/full here";
  RotationPolicy policy;
  policy.buffer_bytes = 64;
  auto file = OpenOrDie("/dev/full", policy);
  ASSERT_NE(file, nullptr);
  int taken = 0;
  absl::Status refused;
  for (; taken < (1 << 17); ++taken) {
    refused = file->Append(Line(taken % 100));
    if (!refused.ok()) break;
  }
  EXPECT_LE(taken * 8, static_cast<int>(kMaxBufferMultiple * 64));
  EXPECT_GE(taken * 8, static_cast<int>(kMaxBufferMultiple * 64) - 8);
  EXPECT_TRUE(absl::IsResourceExhausted(refused)) << refused;
}

// The same through the stage: once the full disk's buffer is full, the
// article fails as fatal (the runner starts a new instance, sources re-send).
TEST(JsonlSinkStageTest, AFullDiskWithAFullBufferIsFatal) {
  if (!fs::exists("/dev/full")) GTEST_SKIP() << "no /dev/full here";
  StageDriver driver(kJsonlSinkStageType);
  ASSERT_TRUE(driver.Create(R"({"path": "/dev/full"})").ok());
  v1::Article article = SampleArticle("a");
  article.set_body(std::string(8192, 'x'));
  int processed = 0;
  absl::Status status;
  for (; processed < 4096; ++processed) {
    status = driver.Process(article);
    if (!status.ok()) break;
  }
  EXPECT_LT(processed, 4096) << "32 MB buffered, no error until Flush()";
  EXPECT_EQ(status.code(), absl::StatusCode::kAborted) << status;  // fatal
}

// A rotation whose rename fails (here path.1 is a non-empty folder) keeps
// every record in path, is reported once, and is not retried (a write and
// an fsync) by every later record.
TEST(RotatingFileTest, AFailedRotationIsReportedOnceAndNotRetriedPerRecord) {
  TempFolder dir;
  const std::string path = dir.Path("out.jsonl");
  fs::create_directories(path + ".1/x");
  RotationPolicy policy;
  policy.max_bytes = 24;  // three lines a file
  policy.max_files = 1;
  auto file = OpenOrDie(path, policy);
  ASSERT_NE(file, nullptr);
  const int fsyncs_before = g_fsyncs.load();
  int rotation_errors = 0;
  for (int i = 0; i < 40; ++i) {
    ASSERT_TRUE(file->Append(Line(i)).ok());
    if (!file->TakeRotationError().ok()) ++rotation_errors;
  }
  ASSERT_TRUE(file->Flush().ok());
  const int fsyncs = g_fsyncs.load() - fsyncs_before;
  EXPECT_EQ(ReadFile(path), Lines(0, 39));  // kept (not lost)
  EXPECT_EQ(rotation_errors, 1);
  EXPECT_LE(fsyncs, 5) << fsyncs << " fsyncs for 40 records of 8 bytes";
}

// Once the cause is gone, the rotation is retried after another max_bytes
// (the interval set to zero here) and succeeds.
TEST(RotatingFileTest, AFailedRotationIsRetriedAfterAnotherMaxBytes) {
  TempFolder dir;
  const std::string path = dir.Path("out.jsonl");
  fs::create_directories(path + ".1/x");
  RotationPolicy policy;
  policy.max_bytes = 24;
  policy.max_files = 1;
  policy.rotation_retry_interval = absl::ZeroDuration();
  auto file = OpenOrDie(path, policy);
  ASSERT_NE(file, nullptr);
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(file->Append(Line(i)).ok());
  EXPECT_FALSE(file->TakeRotationError().ok());
  fs::remove_all(path + ".1");
  // Failed at 24 bytes: the next attempt comes at 48.
  for (int i = 4; i < 6; ++i) ASSERT_TRUE(file->Append(Line(i)).ok());
  EXPECT_FALSE(fs::exists(path + ".1")) << "retried before another max_bytes";
  ASSERT_TRUE(file->Append(Line(6)).ok());
  ASSERT_TRUE(file->Flush().ok());
  EXPECT_EQ(ReadFile(path + ".1"), Lines(0, 5));
  EXPECT_EQ(ReadFile(path), Lines(6, 6));
  EXPECT_TRUE(file->TakeRotationError().ok());
}

// The stage logs a failed rotation once, as an error naming the file.
TEST(JsonlSinkStageTest, AFailedRotationIsLoggedOnce) {
  TempFolder dir;
  const std::string path = dir.Path("out.jsonl");
  fs::create_directories(path + ".1/x");
  StageDriver driver(kJsonlSinkStageType);
  ASSERT_TRUE(driver.Create(SmallRotationConfig(path, 1)).ok());
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(driver.Process(SampleArticle(absl::StrCat("a", i))).ok());
  }
  int errors = 0;
  for (const auto& [level, message] : driver.logs()) {
    if (level == NF_LOG_ERROR && message.find(path) != std::string::npos) {
      ++errors;
    }
  }
  EXPECT_EQ(errors, 1);
}

// A write that fills the disk is short (the kernel writes what fits, then
// refuses the rest), so part of a record reaches the file. The full buffer
// then makes the stage fatal while the disk is still full: the rest of the
// record never follows, and the restarted instance must not append the
// records sent again onto the torn one. RLIMIT_FSIZE (SIGXFSZ ignored)
// makes the short write here as a full disk does.
TEST(RotatingFileTest, AFatalFullDiskLeavesNoTornLineForTheNextInstance) {
  TempFolder dir;
  const std::string path = dir.Path("out.jsonl");
  RotationPolicy policy;
  policy.buffer_bytes = 64;
  int taken = 0;
  absl::Status refused;
  {
    const FileSizeLimit disk(100);  // "the disk" holds 100 bytes
    auto file = OpenOrDie(path, policy);
    ASSERT_NE(file, nullptr);
    for (; taken < 1000; ++taken) {
      refused = file->Append(Line(taken % 100));
      if (!refused.ok()) break;
    }
    // The stage is fatal now: this instance ends (its destructor's last
    // write fails too: the disk is still full).
  }
  ASSERT_FALSE(refused.ok()) << "never refused";
  // The short write was taken back: the file ends on a whole record.
  const std::string left = ReadFile(path);
  EXPECT_TRUE(left.empty() || left.back() == '\n') << left;
  // Space is freed; the runner starts a new instance and the source
  // re-sends everything (nothing was acknowledged: no flush succeeded).
  auto file = OpenOrDie(path, policy);
  ASSERT_NE(file, nullptr);
  for (int i = 0; i < taken; ++i) ASSERT_TRUE(file->Append(Line(i % 100)).ok());
  ASSERT_TRUE(file->Flush().ok());
  const std::string content = ReadFile(path);
  int torn = 0;
  for (absl::string_view line : absl::StrSplit(content, '\n')) {
    if (line.empty()) continue;
    if (line.size() != 7 || !absl::StartsWith(line, "line-")) {
      ++torn;
      ADD_FAILURE() << "torn line: '" << line << "'";
    }
  }
  EXPECT_EQ(torn, 0);
}

// A last line without a newline (a record a refused write cut short
// before the process ended, or a line the sink never wrote) is ended with
// one at opening, never cut: the records appended go on a line of their own.
TEST(RotatingFileTest, OpeningEndsATornLastLineWithANewline) {
  TempFolder dir;
  const std::string path = dir.Path("out.jsonl");
  {
    std::ofstream out(path);
    out << Lines(0, 2) << "line-";
  }
  auto file = OpenOrDie(path, RotationPolicy{});
  ASSERT_NE(file, nullptr);
  EXPECT_EQ(file->file_bytes(), static_cast<int64_t>(Lines(0, 2).size() + 6));
  EXPECT_TRUE(absl::StrContains(file->TakeWarning(), "(5 bytes)"));
  EXPECT_EQ(file->TakeWarning(), "");
  ASSERT_TRUE(file->Append(Line(3)).ok());
  ASSERT_TRUE(file->Flush().ok());
  EXPECT_EQ(ReadFile(path), Lines(0, 2) + "line-\n" + Line(3));
}

// A rotation whose reopen fails (here no file descriptor is left) has
// renamed the file away: its byte count is what waits in memory, and the
// write that reopens it counts the new file's size and the buffer.
TEST(RotatingFileTest, AFailedReopenAfterRotationCountsTheNewFilesBytes) {
  TempFolder dir;
  const std::string path = dir.Path("out.jsonl");
  RotationPolicy policy;
  policy.max_bytes = 40;  // five records of 8 bytes
  auto file = OpenOrDie(path, policy);
  ASSERT_NE(file, nullptr);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(file->Append(Line(i)).ok());
  ASSERT_TRUE(file->Flush().ok());
  struct rlimit old_limit;
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &old_limit), 0);
  struct rlimit no_descriptors = old_limit;
  no_descriptors.rlim_cur = 0;
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &no_descriptors), 0);
  const absl::Status appended = file->Append(Line(5));  // rotates
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &old_limit), 0);
  ASSERT_TRUE(appended.ok()) << appended;
  ASSERT_TRUE(fs::exists(path + ".1"));
  EXPECT_FALSE(file->TakeRotationError().ok());
  EXPECT_EQ(file->file_bytes(), static_cast<int64_t>(Line(5).size()));
  ASSERT_TRUE(file->Append(Line(6)).ok());
  ASSERT_TRUE(file->Flush().ok());
  EXPECT_EQ(ReadFile(path), Lines(5, 6));
  EXPECT_EQ(file->file_bytes(), static_cast<int64_t>(fs::file_size(path)));
}

// A rotation held back for want of room (here the file size limit:
// RLIMIT_FSIZE, SIGXFSZ ignored) says so, with the errno's own words (a
// size limit is no full disk), not that the renames failed.
TEST(JsonlSinkStageTest, ARotationHeldBackForRoomSaysWhy) {
  TempFolder dir;
  const std::string path = dir.Path("out.jsonl");
  StageDriver driver(kJsonlSinkStageType);
  ASSERT_TRUE(driver.Create(SmallRotationConfig(path, 1)).ok());
  {
    const FileSizeLimit full_disk(0);
    for (int i = 0; i < 5; ++i) {
      (void)driver.Process(SampleArticle(absl::StrCat("a", i)));
    }
  }
  int no_room = 0;
  int rotation_failed = 0;
  for (const auto& [level, message] : driver.logs()) {
    if (level != NF_LOG_ERROR || message.find(path) == std::string::npos) {
      continue;
    }
    no_room += absl::StrContains(message, "no room to write") &&
               absl::StrContains(message, std::strerror(EFBIG));
    rotation_failed += absl::StrContains(message, "rotation failed");
  }
  EXPECT_EQ(no_room, 1);
  EXPECT_EQ(rotation_failed, 0);
}

// A file the sink did not write, whose last line has no newline (a seed or
// a hand-made file, `printf '{...}'`), keeps that line at opening, even
// when it is the file's only line.
TEST(RotatingFileTest, OpeningKeepsAUsersLineWithoutNewline) {
  TempFolder dir;
  const std::string path = dir.Path("out.jsonl");
  const std::string users = "{\"id\":\"seed\",\"title\":\"written by hand\"}";
  { std::ofstream(path) << users; }
  auto file = OpenOrDie(path, RotationPolicy{});
  ASSERT_NE(file, nullptr);
  ASSERT_TRUE(file->Append(Line(0)).ok());
  ASSERT_TRUE(file->Flush().ok());
  EXPECT_TRUE(absl::StrContains(ReadFile(path), users)) << ReadFile(path);
}

// A short write is taken back only while the file ends where it did: when
// another writer (a second process on the same path) appended after it,
// its record stays whole and the torn part stays before it; every record
// of this file is then written again whole, on a line of its own.
TEST(RotatingFileTest, TakingBackAShortWriteKeepsAnotherWritersRecord) {
  TempFolder dir;
  const std::string path = dir.Path("out.jsonl");
  RotationPolicy policy;
  auto file = OpenOrDie(path, policy);
  ASSERT_NE(file, nullptr);
  ASSERT_TRUE(file->Append(Lines(0, 9)).ok());
  ASSERT_TRUE(file->Flush().ok());
  ASSERT_TRUE(file->Append(Lines(10, 19)).ok());
  const int other = open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  ASSERT_GE(other, 0);
  // The sink's fd: the other one open on `path`.
  int sink_fd = -1;
  for (const auto& entry : fs::directory_iterator("/proc/self/fd")) {
    std::error_code error;
    const fs::path target = fs::read_symlink(entry.path(), error);
    const int fd = std::stoi(entry.path().filename().string());
    if (!error && target == fs::path(path) && fd != other) sink_fd = fd;
  }
  ASSERT_GE(sink_fd, 0);
  g_other_fd = other;
  g_race_calls = 0;
  g_race_fd = sink_fd;
  EXPECT_FALSE(file->Flush().ok());
  g_race_fd = -1;
  close(other);
  ASSERT_TRUE(file->Flush().ok());
  const std::string content = ReadFile(path);
  EXPECT_TRUE(absl::StrContains(content, "{\"other\":\"acknowledged\"}\n"))
      << content;
  for (int i = 0; i < 20; ++i) {
    EXPECT_TRUE(absl::StrContains(content, absl::StrCat("\n", Line(i))) ||
                absl::StartsWith(content, Line(i)))
        << i << ":\n"
        << content;
  }
  EXPECT_TRUE(absl::StrContains(file->TakeWarning(), "torn line"));
}

// Two sinks on one file (two processes on one path, `replicas: 2`) would
// interleave records and rename each other's file away: the second is
// refused with the path, and the first writes on; once it is gone the
// path opens again.
TEST(RotatingFileTest, ASecondSinkOnOnePathIsRefused) {
  TempFolder dir;
  const std::string path = dir.Path("out.jsonl");
  auto first = OpenOrDie(path, RotationPolicy{});
  ASSERT_NE(first, nullptr);
  RotationPolicy no_wait;
  no_wait.lock_wait = absl::ZeroDuration();
  absl::StatusOr<std::unique_ptr<RotatingFile>> second =
      RotatingFile::Open(path, no_wait);
  ASSERT_FALSE(second.ok());
  EXPECT_TRUE(absl::StrContains(second.status().message(), path))
      << second.status();
  EXPECT_TRUE(absl::StrContains(second.status().message(), "another sink"))
      << second.status();
  ASSERT_TRUE(first->Append(Line(0)).ok());
  ASSERT_TRUE(first->Flush().ok());
  first.reset();
  EXPECT_NE(OpenOrDie(path, RotationPolicy{}), nullptr);
  EXPECT_EQ(ReadFile(path), Line(0));
}

// A sink replaced on reload still holds the file while its successor
// opens it: the successor waits for it to let go (up to lock_wait), then
// goes on after its last record.
TEST(RotatingFileTest, ASuccessorWaitsForTheSinkItReplaces) {
  TempFolder dir;
  const std::string path = dir.Path("out.jsonl");
  auto first = OpenOrDie(path, RotationPolicy{});
  ASSERT_NE(first, nullptr);
  ASSERT_TRUE(first->Append(Line(0)).ok());
  std::thread retire([&] {
    absl::SleepFor(absl::Milliseconds(300));
    ASSERT_TRUE(first->Flush().ok());
    first.reset();
  });
  absl::StatusOr<std::unique_ptr<RotatingFile>> successor =
      RotatingFile::Open(path, RotationPolicy{});
  retire.join();
  ASSERT_TRUE(successor.ok()) << successor.status();
  ASSERT_TRUE((*successor)->Append(Line(1)).ok());
  ASSERT_TRUE((*successor)->Flush().ok());
  EXPECT_EQ(ReadFile(path), Lines(0, 1));
}

// A second instance opening the path while another writes it (a replica
// restarted beside another, `replicas: 2` with one path) reads the file's
// end mid-write: it never cuts what the writer then fsyncs and
// acknowledges.
TEST(RotatingFileTest, OpeningBesideAWriterKeepsItsRecords) {
  TempFolder dir;
  const std::string path = dir.Path("out.jsonl");
  RotationPolicy policy;
  policy.max_bytes = 0;
  auto writer = OpenOrDie(path, policy);
  ASSERT_NE(writer, nullptr);
  std::atomic<bool> done{false};
  std::vector<std::string> acknowledged;
  std::thread write_thread([&] {
    for (int i = 0; i < 300; ++i) {
      std::string record = absl::StrCat("{\"n\":", i, ",\"pad\":\"",
                                        std::string(64 * 1024, 'x'), "\"}\n");
      if (!writer->Append(record).ok() || !writer->Flush().ok()) break;
      acknowledged.push_back(absl::StrCat("{\"n\":", i, ","));
    }
    done = true;
  });
  int opened = 0;
  RotationPolicy no_wait = policy;
  no_wait.lock_wait = absl::ZeroDuration();
  while (!done) {
    auto second = RotatingFile::Open(path, no_wait);
    if (second.ok()) ++opened;
  }
  write_thread.join();
  const std::string content = ReadFile(path);
  int lost = 0;
  for (const std::string& head : acknowledged) {
    if (!absl::StrContains(content, head)) ++lost;
  }
  EXPECT_EQ(lost, 0) << "of " << acknowledged.size() << " acknowledged, "
                     << opened << " opens beside the writer";
}

}  // namespace
}  // namespace newsflow::plugins::jsonl_sink
