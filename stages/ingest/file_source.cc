#include "stages/ingest/file_source.h"

#include <fcntl.h>
#include <fnmatch.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <system_error>
#include <utility>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/text.h"
#include "common/time.h"
#include "stages/ingest/file_parser.h"

namespace newsflow::ingest {
namespace {

namespace fs = std::filesystem;

std::string OsErrorMessage(int error) {
  return std::generic_category().message(error);
}

// Paths are bytes; messages and Article fields must be UTF-8.
std::string PathToUtf8(const std::string& path) {
  return IsValidUtf8(path) ? path : Windows1252ToUtf8(path);
}

std::string AsciiLower(std::string text) {
  for (char& c : text) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return text;
}

class ScopedFd {
 public:
  explicit ScopedFd(int fd) : fd_(fd) {}
  ~ScopedFd() {
    if (fd_ >= 0) close(fd_);
  }
  ScopedFd(const ScopedFd&) = delete;
  ScopedFd& operator=(const ScopedFd&) = delete;
  int get() const { return fd_; }
  int release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_;
};

// Reads at most `limit` bytes of an open file; returns 0 or an errno value.
int ReadUpTo(int fd, size_t limit, std::string* bytes) {
  constexpr size_t kChunk = 1 << 16;
  bytes->clear();
  while (bytes->size() < limit) {
    size_t old_size = bytes->size();
    size_t want = std::min(kChunk, limit - old_size);
    bytes->resize(old_size + want);
    ssize_t n = read(fd, bytes->data() + old_size, want);
    if (n < 0) {
      bytes->resize(old_size);
      if (errno == EINTR) continue;
      return errno;
    }
    bytes->resize(old_size + static_cast<size_t>(n));
    if (n == 0) break;
  }
  return 0;
}

bool HasGlobCharacters(std::string_view text) {
  return text.find_first_of("*?[") != std::string_view::npos;
}

bool MatchComponents(const std::vector<std::string>& pattern, size_t p,
                     const std::vector<std::string>& path, size_t i) {
  if (p == pattern.size()) return i == path.size();
  if (pattern[p] == "**") {
    for (size_t skip = i; skip <= path.size(); ++skip) {
      if (MatchComponents(pattern, p + 1, path, skip)) return true;
    }
    return false;
  }
  if (i == path.size()) return false;
  return fnmatch(pattern[p].c_str(), path[i].c_str(), FNM_PERIOD) == 0 &&
         MatchComponents(pattern, p + 1, path, i + 1);
}

// The folder a glob's walk starts from: its components before the first
// one holding a wildcard.
std::string GlobBase(const std::string& pattern) {
  std::vector<std::string> components = absl::StrSplit(pattern, '/');
  std::string base;
  for (size_t i = 0; i + 1 < components.size(); ++i) {
    if (HasGlobCharacters(components[i])) break;
    if (i > 0) base += "/";
    base += components[i];
  }
  return base.empty() ? "/" : base;
}

}  // namespace

bool GlobMatches(std::string_view pattern, std::string_view relative) {
  std::vector<std::string> p =
      absl::StrSplit(std::string(pattern), '/', absl::SkipEmpty());
  std::vector<std::string> r =
      absl::StrSplit(std::string(relative), '/', absl::SkipEmpty());
  return MatchComponents(p, 0, r, 0);
}

std::string FileUrl(const std::string& utf8_path) {
  std::string url = "file://";
  for (char c : utf8_path) {
    auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7F || c == ' ' || c == '%' || c == '#' ||
        c == '?') {
      absl::StrAppend(&url, "%", absl::Hex(byte, absl::kZeroPad2));
    } else {
      url.push_back(c);
    }
  }
  return url;
}

FileSource::FileSource(FileSourceOptions options, StageContext context)
    : options_(std::move(options)),
      context_(context),
      progress_(options_.progress_name, context) {
  if (options_.watch && options_.inotify) {
    inotify_fd_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (inotify_fd_ < 0) {
      context_.Warn(absl::StrCat(
          "inotify unavailable (", OsErrorMessage(errno), "); scanning every ",
          absl::FormatDuration(options_.watch_interval)));
    }
  }
}

FileSource::~FileSource() {
  if (inotify_fd_ >= 0) close(inotify_fd_);
}

void FileSource::WatchDirectory(const std::string& directory) {
  if (inotify_fd_ < 0 || watched_directories_.contains(directory)) return;
  if (inotify_add_watch(inotify_fd_, directory.c_str(),
                        IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE |
                            IN_MOVED_FROM) >= 0) {
    watched_directories_.insert(directory);
  }
}

nf_poll_state FileSource::ReadNext(std::deque<v1::Article>* out) {
  const nf_poll_state nothing_left =
      options_.watch ? NF_POLL_IDLE : NF_POLL_DONE;
  if (stream_ != nullptr) {
    ContinueStream(out);
    return stream_ != nullptr || !queue_.empty() ? NF_POLL_MORE : nothing_left;
  }
  if (queue_.empty()) {
    if (!ScanDue()) return nothing_left;
    Scan();
    if (queue_.empty()) return nothing_left;
  }
  QueuedFile next = std::move(queue_.front());
  queue_.pop_front();
  ReadFile(next.path, next.size, out);
  return queue_.empty() && stream_ == nullptr ? nothing_left : NF_POLL_MORE;
}

bool FileSource::ScanDue() {
  if (!last_scan_.has_value()) return true;
  if (!options_.watch) return false;
  if (inotify_fd_ >= 0) {
    // Drained whole: one scan answers any number of events.
    alignas(struct inotify_event) char buffer[8192];
    bool changed = false;
    while (read(inotify_fd_, buffer, sizeof(buffer)) > 0) changed = true;
    if (changed) return true;
  }
  return absl::Now() - *last_scan_ >= options_.watch_interval;
}

void FileSource::Scan() {
  last_scan_ = absl::Now();
  absl::flat_hash_set<std::string> listed;
  bool complete = true;
  for (const std::string& configured : options_.paths) {
    std::error_code error;
    std::string path =
        fs::absolute(configured, error).lexically_normal().string();
    if (error) path = configured;
    std::string name = PathToUtf8(path);
    fs::file_status status = fs::status(path, error);
    if (status.type() == fs::file_type::not_found ||
        status.type() == fs::file_type::none) {
      RejectOnce(path, name,
                 error ? OsErrorMessage(error.value())
                       : std::string("no such file or directory"));
      complete = false;
      continue;
    }
    if (fs::is_directory(status)) {
      reported_problems_.erase(path);
      ScanDirectory(path, &listed, &complete);
    } else if (fs::is_regular_file(status)) {
      WatchDirectory(fs::path(path).parent_path().string());
      Consider(path, &listed);
    } else {
      RejectOnce(path, name, "not a regular file or directory");
    }
  }
  for (const std::string& pattern : options_.globs) {
    ScanGlob(pattern, &listed, &complete);
  }
  if (complete) {
    // Forget files that are gone, so a long watch does not grow without
    // bound; skipped when a listing failed, lest a transient error make
    // every file under it look new afterwards.
    absl::erase_if(seen_, [&listed](const auto& entry) {
      return !listed.contains(entry.first);
    });
  }
}

bool FileSource::ListDirectory(const std::string& directory,
                               std::vector<fs::directory_entry>* entries) {
  std::error_code error;
  fs::directory_iterator it(directory, error);
  for (; !error && it != fs::directory_iterator(); it.increment(error)) {
    std::string file_name = it->path().filename().string();
    if (file_name.empty() || file_name[0] == '.') continue;
    entries->push_back(*it);
  }
  if (error) {
    RejectOnce(
        directory, PathToUtf8(directory),
        absl::StrCat("cannot list directory: ", OsErrorMessage(error.value())));
    return false;
  }
  reported_problems_.erase(directory);
  WatchDirectory(directory);
  std::sort(entries->begin(), entries->end(),
            [](const fs::directory_entry& a, const fs::directory_entry& b) {
              return a.path().filename() < b.path().filename();
            });
  return true;
}

void FileSource::ScanDirectory(const std::string& directory,
                               absl::flat_hash_set<std::string>* listed,
                               bool* complete) {
  std::vector<fs::directory_entry> entries;
  if (!ListDirectory(directory, &entries)) {
    *complete = false;
    return;
  }
  for (const fs::directory_entry& entry : entries) {
    std::string path = entry.path().string();
    if (Excluded(path)) continue;
    std::error_code entry_error;
    if (entry.is_symlink(entry_error)) {
      // Following links to directories could loop; links to files are fine.
      if (entry.is_regular_file(entry_error) &&
          HasWantedExtension(entry.path().filename().string())) {
        Consider(path, listed);
      }
    } else if (entry.is_directory(entry_error)) {
      ScanDirectory(path, listed, complete);
    } else if (entry.is_regular_file(entry_error) &&
               HasWantedExtension(entry.path().filename().string())) {
      Consider(path, listed);
    }
  }
}

void FileSource::ScanGlob(const std::string& pattern,
                          absl::flat_hash_set<std::string>* listed,
                          bool* complete) {
  const std::string base = GlobBase(pattern);
  std::error_code error;
  if (!fs::is_directory(base, error)) {
    // Not yet there is normal for a watched inbox; watch its parent so its
    // creation triggers a scan.
    if (!options_.watch) {
      RejectOnce(pattern, PathToUtf8(pattern),
                 absl::StrCat("no such directory: ", PathToUtf8(base)));
    }
    WatchDirectory(fs::path(base).parent_path().string());
    *complete = false;
    return;
  }
  reported_problems_.erase(pattern);
  WalkForGlob(base, base, pattern, listed, complete);
}

void FileSource::WalkForGlob(const std::string& directory,
                             const std::string& base,
                             const std::string& pattern,
                             absl::flat_hash_set<std::string>* listed,
                             bool* complete) {
  std::vector<fs::directory_entry> entries;
  if (!ListDirectory(directory, &entries)) {
    *complete = false;
    return;
  }
  const bool deep = pattern.find("**") != std::string::npos;
  const size_t depth_limit =
      static_cast<size_t>(std::count(pattern.begin(), pattern.end(), '/'));
  for (const fs::directory_entry& entry : entries) {
    const std::string path = entry.path().string();
    if (Excluded(path)) continue;
    std::error_code entry_error;
    if (entry.is_directory(entry_error) && !entry.is_symlink(entry_error)) {
      const size_t depth =
          static_cast<size_t>(std::count(path.begin(), path.end(), '/'));
      if (deep || depth < depth_limit) {
        WalkForGlob(path, base, pattern, listed, complete);
      }
    } else if (entry.is_regular_file(entry_error) &&
               GlobMatches(pattern, path)) {
      Consider(path, listed);
    }
  }
}

void FileSource::Consider(const std::string& path,
                          absl::flat_hash_set<std::string>* listed) {
  if (!listed->insert(path).second) return;
  struct stat info;
  const bool stated = stat(path.c_str(), &info) == 0;
  auto seen = seen_.find(path);
  if (seen != seen_.end() && stated &&
      seen->second ==
          FileStamp{info.st_size, info.st_mtim.tv_sec * 1000000000LL +
                                      info.st_mtim.tv_nsec}) {
    return;  // unchanged since read
  }
  const int64_t size = stated && S_ISREG(info.st_mode) ? info.st_size : 0;
  progress_.BytesListed(size);
  queue_.push_back({path, size});
}

bool FileSource::Excluded(const std::string& path) const {
  if (options_.exclude.empty()) return false;
  const std::string name = fs::path(path).filename().string();
  for (const std::string& pattern : options_.exclude) {
    if (GlobMatches(pattern, pattern.find('/') == std::string::npos
                                 ? std::string_view(name)
                                 : std::string_view(path))) {
      return true;
    }
  }
  return false;
}

bool FileSource::HasWantedExtension(const std::string& file_name) const {
  std::string lower = AsciiLower(file_name);
  for (const std::string& extension : options_.extensions) {
    if (lower.size() > extension.size() &&
        lower.compare(lower.size() - extension.size(), extension.size(),
                      extension) == 0) {
      return true;
    }
  }
  return false;
}

void FileSource::ReadFile(const std::string& path, int64_t listed_bytes,
                          std::deque<v1::Article>* out) {
  const std::string name = PathToUtf8(path);
  progress_.Seen();
  // A JSON-lines stream counts its bytes as it reads them.
  bool streamed = false;
  absl::Cleanup count_as_read = [&] {
    if (!streamed) progress_.BytesRead(listed_bytes);
  };
  // O_NONBLOCK: a FIFO swapped in for a file must not hang the stage.
  ScopedFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (fd.get() < 0) {
    // Not marked as seen: the next scan retries, quietly, in case the
    // permissions get fixed.
    RejectOnce(path, name,
               absl::StrCat("cannot open: ", OsErrorMessage(errno)));
    return;
  }
  struct stat info;
  if (fstat(fd.get(), &info) != 0) {
    RejectOnce(path, name,
               absl::StrCat("cannot stat: ", OsErrorMessage(errno)));
    return;
  }
  if (!S_ISREG(info.st_mode)) {
    RejectOnce(path, name, "not a regular file");
    return;
  }
  reported_problems_.erase(path);
  seen_[path] = FileStamp{
      info.st_size, info.st_mtim.tv_sec * 1000000000LL + info.st_mtim.tv_nsec};
  if (FormatForPath(path) == FileFormat::kJsonLines) {
    streamed = true;
    stream_ =
        std::make_unique<JsonLinesStream>(fd.release(), name, listed_bytes);
    ContinueStream(out);
    return;
  }
  const auto limit = static_cast<uint64_t>(options_.max_file_bytes);
  auto over_size = [&](uint64_t size) {
    progress_.Reject(
        name, absl::StrCat("file is ", size, " bytes, over max_file_bytes (",
                           limit, ")"));
  };
  if (static_cast<uint64_t>(info.st_size) > limit) {
    over_size(static_cast<uint64_t>(info.st_size));
    return;
  }
  std::string bytes;
  // One byte past the limit tells a file that grew since fstat.
  if (int error = ReadUpTo(fd.get(), limit + 1, &bytes); error != 0) {
    progress_.Reject(name,
                     absl::StrCat("cannot read: ", OsErrorMessage(error)));
    return;
  }
  if (bytes.size() > limit) {
    over_size(bytes.size());
    return;
  }

  Deliver(ParseFile(name, bytes, FormatForPath(path)), name, out);
}

void FileSource::Deliver(ParsedFile parsed, const std::string& name,
                         std::deque<v1::Article>* out) {
  for (const Rejection& rejection : parsed.rejections) {
    progress_.Reject(rejection.what, rejection.reason, rejection.raw);
  }
  progress_.Added(static_cast<int64_t>(parsed.articles.size()));
  for (const std::string& warning : parsed.warnings) context_.Warn(warning);
  const std::string url = FileUrl(name);
  const std::string now = NowRfc3339();
  for (v1::Article& article : parsed.articles) {
    if (article.source().empty()) article.set_source(options_.source_name);
    if (article.url().empty()) article.set_url(url);
    article.set_ingested_at(now);
    (*article.mutable_metadata())["path"] = name;
    out->push_back(std::move(article));
  }
}

void FileSource::RejectOnce(const std::string& path, const std::string& what,
                            const std::string& reason) {
  if (reported_problems_.insert(path).second) progress_.Reject(what, reason);
}

struct FileSource::JsonLinesStream {
  JsonLinesStream(int fd_in, std::string name_in, int64_t listed_bytes)
      : fd(fd_in), name(std::move(name_in)), unread_listed(listed_bytes) {}
  ~JsonLinesStream() {
    if (fd >= 0) close(fd);
  }
  int fd;
  const std::string name;
  std::string pending;          // read, not yet split into lines
  uint64_t pending_offset = 0;  // where `pending` starts in the file
  int line = 0;                 // lines handed out so far
  bool started = false;         // the first chunk was checked
  bool skipping = false;        // inside a line over the limit
  bool anything = false;        // a record or a rejection was produced
  // Of the size listed for progress, what is not yet counted as read (a
  // file that grows after listing counts no further).
  int64_t unread_listed;
};

void FileSource::ContinueStream(std::deque<v1::Article>* out) {
  JsonLinesStream& s = *stream_;
  constexpr size_t kChunk = 1 << 20;
  // A record per line is small; stop after a batch worth of bytes so that
  // the host sends them on before more is read.
  constexpr size_t kBytesPerCall = 1 << 20;
  const auto line_limit = static_cast<size_t>(options_.max_file_bytes);
  ParsedFile parsed;
  size_t read_now = 0;
  bool at_end = false;
  auto reject_long_line = [&](int line) {
    parsed.rejections.push_back(
        {absl::StrCat(s.name, ":", line),
         absl::StrCat("line is over max_file_bytes (", line_limit, " bytes)"),
         ""});
    s.anything = true;
  };
  auto take_line = [&](std::string_view line, uint64_t offset) {
    ++s.line;
    if (s.skipping) {
      s.skipping = false;
      return;  // the end of a line already rejected
    }
    if (line.size() > line_limit) {
      reject_long_line(s.line);
      return;
    }
    const size_t before = parsed.articles.size() + parsed.rejections.size();
    ParseJsonLine(s.name, line, s.line, offset, &parsed);
    s.anything |= parsed.articles.size() + parsed.rejections.size() > before;
  };
  while (read_now < kBytesPerCall && !at_end) {
    const size_t old_size = s.pending.size();
    s.pending.resize(old_size + kChunk);
    ssize_t n;
    do {
      n = read(s.fd, s.pending.data() + old_size, kChunk);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
      s.pending.resize(old_size);
      parsed.rejections.push_back(
          {absl::StrCat(s.name, ":", s.line + 1),
           absl::StrCat("cannot read: ", OsErrorMessage(errno)), ""});
      at_end = true;
      break;
    }
    s.pending.resize(old_size + static_cast<size_t>(n));
    read_now += static_cast<size_t>(n);
    const int64_t counted = std::min<int64_t>(n, s.unread_listed);
    s.unread_listed -= counted;
    progress_.BytesRead(counted);
    at_end = n == 0;
    if (!s.started && (!s.pending.empty() || at_end)) {
      s.started = true;
      std::string_view head(s.pending);
      if (head.size() >= 2 && (head.substr(0, 2) == "\xFF\xFE" ||
                               head.substr(0, 2) == "\xFE\xFF")) {
        parsed.rejections.push_back(
            {s.name, "UTF-16 text is not supported; convert it to UTF-8", ""});
        s.anything = true;
        at_end = true;
        s.pending.clear();
        break;
      }
      if (LooksBinary(head.substr(0, 1 << 16))) {
        parsed.rejections.push_back({s.name, "binary file", ""});
        s.anything = true;
        at_end = true;
        s.pending.clear();
        break;
      }
      const size_t bom = head.size() - StripUtf8Bom(head).size();
      s.pending.erase(0, bom);
      s.pending_offset += bom;
    }
    size_t start = 0;
    for (size_t end; (end = s.pending.find('\n', start)) != std::string::npos;
         start = end + 1) {
      take_line(std::string_view(s.pending).substr(start, end - start),
                s.pending_offset + start);
    }
    AssignContentIds(&parsed);  // while the lines are in s.pending
    s.pending.erase(0, start);
    s.pending_offset += start;
    if (s.pending.size() > line_limit) {
      // One record over the limit: rejected, and skipped to its end
      // without holding it.
      if (!s.skipping) reject_long_line(s.line + 1);
      s.skipping = true;
      s.pending_offset += s.pending.size();
      s.pending.clear();
    }
  }
  if (at_end) {
    if (!s.pending.empty()) take_line(s.pending, s.pending_offset);
    AssignContentIds(&parsed);
    if (!s.anything) parsed.rejections.push_back({s.name, "empty file", ""});
  }
  const std::string name = s.name;
  if (at_end) {
    progress_.BytesRead(s.unread_listed);  // stopped early, or it shrank
    stream_.reset();
  }
  Deliver(std::move(parsed), name, out);
}

}  // namespace newsflow::ingest
