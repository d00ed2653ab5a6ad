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

std::string Where(int index, const std::string& key = "") {
  return key.empty() ? absl::StrCat("sources[", index, "]")
                     : absl::StrCat("sources[", index, "].", key);
}

// "5m", "90s", "1h30m", "250ms", or a number of seconds.
absl::StatusOr<absl::Duration> DurationOf(const Value& value,
                                          const std::string& where) {
  absl::Duration duration;
  if (value.has_number_value()) {
    duration = absl::Seconds(value.number_value());
  } else if (!value.has_string_value() ||
             !absl::ParseDuration(value.string_value(), &duration)) {
    return Invalid(where, "expected a duration such as 30s, 5m or 1h");
  }
  if (duration <= absl::ZeroDuration()) {
    return Invalid(where, "must be longer than zero");
  }
  return duration;
}

bool IsHttpUrl(const std::string& url) {
  return !UrlHost(url).empty() && (absl::StartsWith(url, "http://") ||
                                   absl::StartsWith(url, "https://"));
}

std::string StatePath(const SourceContext& context, const std::string& kind,
                      const std::string& identity) {
  if (context.state_dir.empty()) return "";
  return absl::StrCat(context.state_dir, "/", context.stage_id, ".", kind, "-",
                      StableHashHex(identity).substr(0, 16), ".seen");
}

// Lower-case, with the leading dot; InvalidArgument for an empty one.
absl::Status AddExtensions(
    const google::protobuf::RepeatedPtrField<std::string>& given,
    const std::string& where, std::vector<std::string>* extensions) {
  for (const std::string& extension : given) {
    if (extension.empty() || extension == ".") {
      return Invalid(where, "an extension is empty");
    }
    extensions->push_back(absl::AsciiStrToLower(
        extension[0] == '.' ? extension : "." + extension));
  }
  return absl::OkStatus();
}

// A pattern with '/' is a path and resolves like one; a bare name does not.
absl::Status AddExcludes(
    const google::protobuf::RepeatedPtrField<std::string>& given,
    const std::string& base_dir, const std::string& where,
    std::vector<std::string>* exclude) {
  for (const std::string& pattern : given) {
    if (pattern.empty()) return Invalid(where, "a pattern is empty");
    exclude->push_back(
        absl::StrContains(pattern, '/') ? Resolve(base_dir, pattern) : pattern);
  }
  return absl::OkStatus();
}

absl::StatusOr<FileSourceOptions> ResolveFiles(
    const stages::ingest::IngestSource& entry, int index,
    const SourceContext& context) {
  FileSourceOptions files = *context.files;
  files.paths.clear();
  for (const std::string& pattern : entry.files()) {
    if (pattern.empty())
      return Invalid(Where(index, "files"), "a path is empty");
    std::string resolved = Resolve(context.base_dir, pattern);
    if (resolved.find_first_of("*?[") != std::string::npos) {
      files.globs.push_back(std::move(resolved));
    } else {
      files.paths.push_back(std::move(resolved));
    }
  }
  files.watch = entry.watch();
  if (entry.watch_interval_ms() < 0) {
    return Invalid(Where(index, "watch_interval_ms"), "must not be negative");
  }
  files.watch_interval = absl::Milliseconds(entry.watch_interval_ms());
  files.inotify = true;
  if (!entry.extensions().empty()) {
    files.extensions.clear();
    if (absl::Status status = AddExtensions(
            entry.extensions(), Where(index, "extensions"), &files.extensions);
        !status.ok()) {
      return status;
    }
  }
  if (absl::Status status =
          AddExcludes(entry.exclude(), context.base_dir,
                      Where(index, "exclude"), &files.exclude);
      !status.ok()) {
    return status;
  }
  if (!entry.source().empty()) files.source_name = entry.source();
  files.progress_name =
      absl::StrCat("files ", absl::StrJoin(entry.files(), " "));
  return files;
}

absl::StatusOr<SourceSpec> ResolveSource(
    const stages::ingest::IngestSource& entry, int index,
    const SourceContext& context) {
  std::vector<std::string> kinds;
  if (!entry.files().empty()) kinds.push_back("files");
  if (!entry.reuters_sgml().empty()) kinds.push_back("reuters_sgml");
  if (!entry.stdin().empty()) kinds.push_back("stdin");
  // One URL source may take both a list and a file of URLs.
  if (!entry.urls().empty() || !entry.urls_file().empty()) {
    kinds.push_back("urls");
  }
  if (!entry.feed().empty()) kinds.push_back("feed");
  if (kinds.size() != 1) {
    return Invalid(Where(index),
                   kinds.empty()
                       ? "needs one of files, reuters_sgml, stdin, urls, "
                         "urls_file, feed"
                       : absl::StrCat("has more than one source type (",
                                      absl::StrJoin(kinds, ", "), ")"));
  }
  const std::string& kind = kinds[0];
  SourceSpec spec;
  if (kind == "files") {
    spec.kind = SourceSpec::Kind::kFiles;
    absl::StatusOr<FileSourceOptions> files =
        ResolveFiles(entry, index, context);
    if (!files.ok()) return files.status();
    spec.files = *std::move(files);
  } else if (kind == "reuters_sgml") {
    spec.kind = SourceSpec::Kind::kReutersSgml;
    spec.reuters.path = Resolve(context.base_dir, entry.reuters_sgml());
    if (!entry.source().empty()) spec.reuters.source_name = entry.source();
  } else if (kind == "stdin") {
    spec.kind = SourceSpec::Kind::kStdin;
    if (entry.stdin() != "jsonl") {
      return Invalid(
          Where(index, kind),
          absl::StrCat("the only format is jsonl, not '", entry.stdin(), "'"));
    }
    if (!entry.source().empty()) {
      spec.stdin_options.source_name = entry.source();
    }
  } else if (kind == "urls") {
    spec.kind = SourceSpec::Kind::kUrls;
    UrlSourceOptions& urls = spec.urls;
    urls.urls.assign(entry.urls().begin(), entry.urls().end());
    urls.urls_file = Resolve(context.base_dir, entry.urls_file());
    for (const std::string& url : urls.urls) {
      if (!IsHttpUrl(url)) {
        return Invalid(Where(index, "urls"),
                       absl::StrCat("'", url, "' is not an http(s) URL"));
      }
    }
    urls.source_name = entry.source();
    urls.page = context.page;
    urls.state_path = StatePath(
        context, "urls",
        absl::StrCat(absl::StrJoin(urls.urls, "\n"), "\n", urls.urls_file));
  } else {
    spec.kind = SourceSpec::Kind::kFeed;
    FeedSourceOptions& feed = spec.feed;
    feed.url = entry.feed();
    if (!IsHttpUrl(feed.url)) {
      return Invalid(Where(index, "feed"),
                     absl::StrCat("'", feed.url, "' is not an http(s) URL"));
    }
    if (entry.has_every()) {
      absl::StatusOr<absl::Duration> every =
          DurationOf(entry.every(), Where(index, "every"));
      if (!every.ok()) return every.status();
      feed.every = *every;
    }
    feed.source_name = entry.source();
    feed.page = context.page;
    feed.state_path = StatePath(context, "feed", feed.url);
  }
  if (kind != "files" && (entry.watch() || !entry.extensions().empty() ||
                          !entry.exclude().empty())) {
    return Invalid(Where(index),
                   absl::StrCat("watch, extensions and exclude are for files "
                                "sources, not ",
                                kind));
  }
  if (kind != "feed" && entry.has_every()) {
    return Invalid(Where(index, "every"),
                   absl::StrCat("is for feed sources, not ", kind));
  }
  return spec;
}

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

  if (absl::Status status =
          AddExtensions(options.extensions(), "extensions", &files.extensions);
      !status.ok()) {
    return status;
  }
  if (absl::Status status = AddExcludes(options.exclude(), options.base_dir(),
                                        "exclude", &files.exclude);
      !status.ok()) {
    return status;
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
