// Articles from files and directories on the local filesystem.
#ifndef NEWSFLOW_STAGES_INGEST_FILE_SOURCE_H_
#define NEWSFLOW_STAGES_INGEST_FILE_SOURCE_H_

#include <cstdint>
#include <deque>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/time/time.h"
#include "newsflow/stage.h"
#include "stages/ingest/article_source.h"
#include "stages/ingest/file_parser.h"

namespace newsflow::ingest {

struct FileSourceOptions {
  // Files or directories. Relative paths resolve against the working
  // directory (the runner passes absolute ones).
  std::vector<std::string> paths;
  // File-name endings read inside directories, lowercase, e.g. ".txt".
  // Files named directly in `paths` are read whatever their ending.
  std::vector<std::string> extensions;
  // Larger files are rejected without being read.
  int64_t max_file_bytes = 0;
  // Keep scanning for new or changed files, at most once per interval.
  bool watch = false;
  absl::Duration watch_interval = absl::ZeroDuration();
  // Article.source for records that do not name their own.
  std::string source_name;
  // Glob patterns ('*', '?', '[...]' within a path component; '**' for any
  // number of components), absolute after config resolution. Matching
  // files are read whatever their extension.
  std::vector<std::string> globs;
  // What not to read. A pattern without '/' matches a file or folder name
  // (an excluded folder is not entered); one with '/' matches the whole
  // path, as `globs` do. Applies to what folders and globs list, not to a
  // file named directly in `paths`.
  std::vector<std::string> exclude;
  // With `watch`: also scan as soon as inotify reports a change in a
  // watched directory (every directory listed by a scan, and the parent of
  // each file named directly), not only every watch_interval.
  bool inotify = false;
  // Name of this source in progress reports.
  std::string progress_name = "files";
};

// True when `relative` (components separated by '/') matches `pattern`
// as described for FileSourceOptions::globs.
bool GlobMatches(std::string_view pattern, std::string_view relative);

// "file://" + path with space, '%', '#', '?' and control characters
// percent-encoded.
std::string FileUrl(const std::string& utf8_path);

// Reads the configured paths, one file per ReadNext() call, in a fixed
// order: paths as listed; inside a directory, entries sorted by name, depth
// first. Hidden entries (names starting with '.') and symbolic links to
// directories are skipped while walking a directory.
//
// A file is read again only if its size or modification time changed (so
// a path listed twice is read once). Without `watch` the paths are scanned
// once; with it, a new scan runs when the queue is empty and the interval
// has passed since the last one.
//
// Problems become rejections naming the path: a missing path, an
// unreadable file or directory (with the OS error), an over-size file, and
// whatever ParseFile rejects. Each is reported once, not once per scan: a
// file's content again only if the file changes.
//
// Articles get source (unless a JSON record gives one), url ("file://" +
// path with space, '%', '#', '?' and control characters percent-encoded,
// unless a JSON record gives one), ingested_at and metadata["path"] here; see
// file_parser.h for the rest. Conversion warnings are also logged with
// StageContext::Warn.
class FileSource : public ArticleSource {
 public:
  FileSource(FileSourceOptions options, StageContext context);

  ~FileSource() override;

  nf_poll_state ReadNext(std::deque<v1::Article>* out) override;

 private:
  struct FileStamp {
    int64_t size = 0;
    int64_t mtime_ns = 0;
    bool operator==(const FileStamp& other) const {
      return size == other.size && mtime_ns == other.mtime_ns;
    }
  };

  bool ScanDue();
  // Queues the files matching `pattern`.
  void ScanGlob(const std::string& pattern,
                absl::flat_hash_set<std::string>* listed, bool* complete);
  void WalkForGlob(const std::string& directory, const std::string& base,
                   const std::string& pattern,
                   absl::flat_hash_set<std::string>* listed, bool* complete);
  void WatchDirectory(const std::string& directory);
  // The visible entries of `directory`, sorted by name, and watched when
  // watching; false (reported once) when it cannot be listed.
  bool ListDirectory(const std::string& directory,
                     std::vector<std::filesystem::directory_entry>* entries);
  void Scan();
  // Queues the files under `directory`; clears *complete if any part of it
  // could not be listed.
  void ScanDirectory(const std::string& directory,
                     absl::flat_hash_set<std::string>* listed, bool* complete);
  // Queues `path` unless it is already listed or unchanged since read.
  void Consider(const std::string& path,
                absl::flat_hash_set<std::string>* listed);
  bool HasWantedExtension(const std::string& file_name) const;
  bool Excluded(const std::string& path) const;
  // Reads one queued file; `listed_bytes` is its size when it was queued,
  // all of which counts as read once it is done with, whatever the outcome.
  void ReadFile(const std::string& path, int64_t listed_bytes,
                std::deque<v1::Article>* out);
  // JSON lines are read a chunk at a time across ReadNext() calls, so a
  // file of any size takes bounded memory.
  struct JsonLinesStream;
  void ContinueStream(std::deque<v1::Article>* out);
  // Gives the parsed articles the fields FileSource owns, and reports.
  void Deliver(ParsedFile parsed, const std::string& name,
               std::deque<v1::Article>* out);
  void RejectOnce(const std::string& path, const std::string& what,
                  const std::string& reason);

  const FileSourceOptions options_;
  const StageContext context_;
  std::unique_ptr<JsonLinesStream> stream_;
  struct QueuedFile {
    std::string path;
    int64_t size = 0;  // when listed, for progress by bytes
  };
  std::deque<QueuedFile> queue_;
  std::optional<absl::Time> last_scan_;
  // Size and mtime of each file as it was read (or rejected).
  absl::flat_hash_map<std::string, FileStamp> seen_;
  // Paths with an outstanding problem already reported.
  absl::flat_hash_set<std::string> reported_problems_;
  SourceProgress progress_;
  int inotify_fd_ = -1;
  absl::flat_hash_set<std::string> watched_directories_;
};

}  // namespace newsflow::ingest

#endif  // NEWSFLOW_STAGES_INGEST_FILE_SOURCE_H_
