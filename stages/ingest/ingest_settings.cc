#include "stages/ingest/ingest_settings.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/hash.h"
#include "newsflow/options.h"

namespace newsflow::ingest {
namespace {

// With inotify a files source rescans on every change; the timed scan is
// only a safety net for what inotify cannot see (network filesystems).
constexpr int64_t kInotifyFallbackScanMs = 60000;

absl::Status Invalid(const std::string& option, const std::string& problem) {
  return OptionError(option, problem);
}

using google::protobuf::Value;

struct SourceContext {
  std::string base_dir;
  std::string state_dir;
  PageOptions page;
  // The stage-wide file options the files entries start from.
  const FileSourceOptions* files = nullptr;
  std::string stage_id;
};

std::string Resolve(const std::string& base, const std::string& path) {
  if (path.empty() || path[0] == '/' || base.empty()) return path;
  return (std::filesystem::path(base) / path).lexically_normal().string();
}

// Reads one `sources` entry, naming "sources[INDEX].KEY" in errors.
class EntryReader {
 public:
  EntryReader(const google::protobuf::Struct& entry, int index)
      : entry_(entry), index_(index) {}

  std::string Where(const std::string& key = "") const {
    return key.empty() ? absl::StrCat("sources[", index_, "]")
                       : absl::StrCat("sources[", index_, "].", key);
  }

  const Value* Find(const std::string& key) {
    used_.insert(key);
    auto it = entry_.fields().find(key);
    return it == entry_.fields().end() ? nullptr : &it->second;
  }

  absl::StatusOr<std::string> String(const std::string& key,
                                     const std::string& fallback = "") {
    const Value* value = Find(key);
    if (value == nullptr || value->has_null_value()) return fallback;
    if (!value->has_string_value()) {
      return Invalid(Where(key), "expected a string");
    }
    return value->string_value();
  }

  absl::StatusOr<std::vector<std::string>> Strings(const std::string& key) {
    const Value* value = Find(key);
    std::vector<std::string> out;
    if (value == nullptr || value->has_null_value()) return out;
    if (value->has_string_value()) {
      out.push_back(value->string_value());
    } else if (value->has_list_value()) {
      for (const Value& item : value->list_value().values()) {
        if (!item.has_string_value() || item.string_value().empty()) {
          return Invalid(Where(key), "expected a list of non-empty strings");
        }
        out.push_back(item.string_value());
      }
    } else {
      return Invalid(Where(key), "expected a string or a list of strings");
    }
    return out;
  }

  absl::StatusOr<bool> Bool(const std::string& key, bool fallback) {
    const Value* value = Find(key);
    if (value == nullptr || value->has_null_value()) return fallback;
    if (!value->has_bool_value())
      return Invalid(Where(key), "expected true or false");
    return value->bool_value();
  }

  absl::StatusOr<int64_t> Int(const std::string& key, int64_t fallback) {
    const Value* value = Find(key);
    if (value == nullptr || value->has_null_value()) return fallback;
    double number = value->number_value();
    if (!value->has_number_value() ||
        number != static_cast<double>(static_cast<int64_t>(number))) {
      return Invalid(Where(key), "expected an integer");
    }
    return static_cast<int64_t>(number);
  }

  // "5m", "90s", "1h30m", "250ms", or a number of seconds.
  absl::StatusOr<absl::Duration> Duration(const std::string& key,
                                          absl::Duration fallback) {
    const Value* value = Find(key);
    if (value == nullptr || value->has_null_value()) return fallback;
    absl::Duration duration;
    if (value->has_number_value()) {
      duration = absl::Seconds(value->number_value());
    } else if (!value->has_string_value() ||
               !absl::ParseDuration(value->string_value(), &duration)) {
      return Invalid(Where(key), "expected a duration such as 30s, 5m or 1h");
    }
    if (duration <= absl::ZeroDuration()) {
      return Invalid(Where(key), "must be longer than zero");
    }
    return duration;
  }

  // Fails on keys nothing asked for.
  absl::Status CheckNoOtherKeys(const std::string& kind) const {
    std::vector<std::string> allowed(used_.begin(), used_.end());
    std::sort(allowed.begin(), allowed.end());
    for (const auto& [key, value] : entry_.fields()) {
      if (!used_.contains(key)) {
        return Invalid(
            Where(key),
            absl::StrCat("unknown key '", key, "' for a ", kind,
                         " source (keys: ", absl::StrJoin(allowed, ", "), ")"));
      }
    }
    return absl::OkStatus();
  }

 private:
  const google::protobuf::Struct& entry_;
  const int index_;
  absl::flat_hash_set<std::string> used_;
};

constexpr const char* kSourceKinds[] = {"files", "reuters_sgml", "stdin",
                                        "urls",  "urls_file",    "feed"};

std::string StatePath(const SourceContext& context, const std::string& kind,
                      const std::string& identity) {
  if (context.state_dir.empty()) return "";
  return absl::StrCat(context.state_dir, "/", context.stage_id, ".", kind, "-",
                      StableHashHex(identity).substr(0, 16), ".seen");
}

#define NF_ASSIGN_OR_RETURN(lhs, expr)                \
  do {                                                \
    auto nf_result_ = (expr);                         \
    if (!nf_result_.ok()) return nf_result_.status(); \
    lhs = *std::move(nf_result_);                     \
  } while (false)

absl::StatusOr<SourceSpec> ResolveSource(const Value& value, int index,
                                         const SourceContext& context) {
  if (!value.has_struct_value()) {
    return Invalid(absl::StrCat("sources[", index, "]"),
                   "expected an object such as { feed: URL }");
  }
  EntryReader entry(value.struct_value(), index);
  std::vector<std::string> kinds;
  for (const char* kind : kSourceKinds) {
    if (value.struct_value().fields().contains(kind)) kinds.push_back(kind);
  }
  if (kinds.size() == 2 && kinds[0] == "urls" && kinds[1] == "urls_file") {
    kinds.pop_back();  // one URL source may take both
  }
  if (kinds.size() != 1) {
    return Invalid(entry.Where(),
                   kinds.empty()
                       ? "needs one of files, reuters_sgml, stdin, urls, "
                         "urls_file, feed"
                       : absl::StrCat("has more than one source type (",
                                      absl::StrJoin(kinds, ", "), ")"));
  }
  const std::string kind = kinds[0];
  SourceSpec spec;
  std::string source_name;
  NF_ASSIGN_OR_RETURN(source_name, entry.String("source"));
  if (kind == "files") {
    spec.kind = SourceSpec::Kind::kFiles;
    FileSourceOptions& files = spec.files;
    files = *context.files;
    files.paths.clear();
    std::vector<std::string> patterns;
    NF_ASSIGN_OR_RETURN(patterns, entry.Strings("files"));
    if (patterns.empty()) {
      return Invalid(entry.Where("files"), "list at least one path or glob");
    }
    for (const std::string& pattern : patterns) {
      std::string resolved = Resolve(context.base_dir, pattern);
      if (resolved.find_first_of("*?[") != std::string::npos) {
        files.globs.push_back(std::move(resolved));
      } else {
        files.paths.push_back(std::move(resolved));
      }
    }
    NF_ASSIGN_OR_RETURN(files.watch, entry.Bool("watch", false));
    int64_t interval_ms = 0;
    NF_ASSIGN_OR_RETURN(interval_ms,
                        entry.Int("watch_interval_ms", kInotifyFallbackScanMs));
    if (interval_ms < 0) {
      return Invalid(entry.Where("watch_interval_ms"), "must not be negative");
    }
    files.watch_interval = absl::Milliseconds(interval_ms);
    files.inotify = true;
    std::vector<std::string> extensions;
    NF_ASSIGN_OR_RETURN(extensions, entry.Strings("extensions"));
    if (!extensions.empty()) {
      files.extensions.clear();
      for (std::string& extension : extensions) {
        std::string lower = absl::AsciiStrToLower(
            extension[0] == '.' ? extension : "." + extension);
        files.extensions.push_back(std::move(lower));
      }
    }
    if (!source_name.empty()) files.source_name = source_name;
    files.progress_name = absl::StrCat("files ", absl::StrJoin(patterns, " "));
  } else if (kind == "reuters_sgml") {
    spec.kind = SourceSpec::Kind::kReutersSgml;
    std::string path;
    NF_ASSIGN_OR_RETURN(path, entry.String("reuters_sgml"));
    if (path.empty()) return Invalid(entry.Where(kind), "needs a path");
    spec.reuters.path = Resolve(context.base_dir, path);
    if (!source_name.empty()) spec.reuters.source_name = source_name;
  } else if (kind == "stdin") {
    spec.kind = SourceSpec::Kind::kStdin;
    std::string format;
    NF_ASSIGN_OR_RETURN(format, entry.String("stdin"));
    if (format != "jsonl") {
      return Invalid(
          entry.Where(kind),
          absl::StrCat("the only format is jsonl, not '", format, "'"));
    }
    if (!source_name.empty()) spec.stdin_options.source_name = source_name;
  } else if (kind == "urls" || kind == "urls_file") {
    spec.kind = SourceSpec::Kind::kUrls;
    UrlSourceOptions& urls = spec.urls;
    NF_ASSIGN_OR_RETURN(urls.urls, entry.Strings("urls"));
    std::string file;
    NF_ASSIGN_OR_RETURN(file, entry.String("urls_file"));
    urls.urls_file = Resolve(context.base_dir, file);
    if (urls.urls.empty() && urls.urls_file.empty()) {
      return Invalid(entry.Where(kind), "list at least one URL");
    }
    for (const std::string& url : urls.urls) {
      if (UrlHost(url).empty() || (!absl::StartsWith(url, "http://") &&
                                   !absl::StartsWith(url, "https://"))) {
        return Invalid(entry.Where("urls"),
                       absl::StrCat("'", url, "' is not an http(s) URL"));
      }
    }
    urls.source_name = source_name;
    urls.page = context.page;
    urls.state_path = StatePath(
        context, "urls",
        absl::StrCat(absl::StrJoin(urls.urls, "\n"), "\n", urls.urls_file));
  } else {
    spec.kind = SourceSpec::Kind::kFeed;
    FeedSourceOptions& feed = spec.feed;
    NF_ASSIGN_OR_RETURN(feed.url, entry.String("feed"));
    if (UrlHost(feed.url).empty() ||
        (!absl::StartsWith(feed.url, "http://") &&
         !absl::StartsWith(feed.url, "https://"))) {
      return Invalid(entry.Where("feed"),
                     absl::StrCat("'", feed.url, "' is not an http(s) URL"));
    }
    NF_ASSIGN_OR_RETURN(feed.every, entry.Duration("every", feed.every));
    feed.source_name = source_name;
    feed.page = context.page;
    feed.state_path = StatePath(context, "feed", feed.url);
  }
  if (absl::Status status = entry.CheckNoOtherKeys(kind); !status.ok()) {
    return status;
  }
  return spec;
}

#undef NF_ASSIGN_OR_RETURN

}  // namespace

absl::StatusOr<IngestSettings> ResolveIngestOptions(
    const stages::ingest::IngestOptions& options) {
  IngestSettings settings;
  FileSourceOptions& files = settings.files;

  if (options.paths().empty() && options.sources().empty()) {
    return Invalid("paths",
                   "list at least one file or directory (or use sources)");
  }
  settings.has_paths = !options.paths().empty();
  for (const std::string& path : options.paths()) {
    if (path.empty()) return Invalid("paths", "a path is empty");
    files.paths.push_back(path);
  }

  for (const std::string& extension : options.extensions()) {
    if (extension.empty() || extension == ".") {
      return Invalid("extensions", "an extension is empty");
    }
    std::string lower = extension[0] == '.' ? extension : "." + extension;
    for (char& c : lower) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    files.extensions.push_back(std::move(lower));
  }

  files.max_file_bytes = options.max_file_bytes();

  files.watch = options.watch();
  files.watch_interval = absl::Milliseconds(options.watch_interval_ms());

  files.source_name = options.source();
  settings.batch_size = options.batch_size();

  FetchOptions& fetch = settings.fetch;
  fetch.user_agent = options.user_agent();
  fetch.timeout = absl::Milliseconds(options.fetch_timeout_ms());
  fetch.connect_timeout = std::min(fetch.timeout, absl::Seconds(10));
  fetch.max_bytes = options.max_fetch_bytes();
  fetch.max_redirects = options.max_redirects();
  fetch.host_delay = absl::Milliseconds(options.host_delay_ms());
  fetch.ca_file = options.tls_ca_file();
  if (!fetch.ca_file.empty()) {
    // Checked here, not at the first https fetch, so that a wrong path
    // fails validation rather than every fetch of a running pipeline.
    if (absl::Status status = CheckCaFile(fetch.ca_file); !status.ok()) {
      return Invalid("tls_ca_file", std::string(status.message()));
    }
  }
  PageOptions page;
  page.min_body_chars = options.min_body_chars();

  SourceContext context;
  context.base_dir = options.base_dir();
  context.state_dir = options.state_dir();
  context.page = page;
  context.files = &settings.files;
  if (context.state_dir.empty()) {
    const char* env = std::getenv("NEWSFLOW_STATE_DIR");
    if (env != nullptr) context.state_dir = env;
  }
  const char* stage_id = std::getenv("NEWSFLOW_STAGE_ID");
  context.stage_id = stage_id != nullptr && *stage_id ? stage_id : "ingest";
  bool has_stdin = false;
  for (int i = 0; i < options.sources_size(); ++i) {
    absl::StatusOr<SourceSpec> spec =
        ResolveSource(options.sources(i), i, context);
    if (!spec.ok()) return spec.status();
    if (spec->kind == SourceSpec::Kind::kStdin) {
      if (has_stdin) {
        return Invalid(absl::StrCat("sources[", i, "]"),
                       "standard input can be read by one source only");
      }
      has_stdin = true;
    }
    settings.sources.push_back(*std::move(spec));
  }
  return settings;
}

}  // namespace newsflow::ingest
