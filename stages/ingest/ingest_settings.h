// The ingest stage's options, validated and with defaults applied.
//
// `sources` entries (YAML in the config, JSON here), one type key each:
//   { files: GLOB | [GLOB, ...], watch: BOOL, watch_interval_ms: INT,
//     extensions: [...], exclude: [...] }  files, folders, globs ('**')
//   { reuters_sgml: PATH }        a file or folder of Reuters-21578 SGML
//   { stdin: jsonl }              JSON lines on standard input
//   { urls: [URL, ...] } or { urls_file: PATH }   pages fetched once
//   { feed: URL, every: DURATION }  RSS/Atom polled ("5m", "30s", "1h";
//                                   a bare number is seconds; default 5m)
// Every entry may also give `source: NAME` (Article.source). The entry's
// type is stages::ingest::IngestSource, so unknown keys and wrong types are
// found by the schema (newsflow/options.h) before this reads it.
#ifndef NEWSFLOW_STAGES_INGEST_INGEST_SETTINGS_H_
#define NEWSFLOW_STAGES_INGEST_INGEST_SETTINGS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "ingest_options.pb.h"
#include "stages/ingest/feed_source.h"
#include "stages/ingest/file_source.h"
#include "stages/ingest/http_fetcher.h"
#include "stages/ingest/reuters_source.h"
#include "stages/ingest/stdin_source.h"
#include "stages/ingest/url_source.h"

namespace newsflow::ingest {

struct SourceSpec {
  enum class Kind { kFiles, kReutersSgml, kStdin, kUrls, kFeed };
  Kind kind = Kind::kFiles;
  // The options of `kind`; the others stay default.
  FileSourceOptions files;
  ReutersSourceOptions reuters;
  StdinSourceOptions stdin_options;
  UrlSourceOptions urls;
  FeedSourceOptions feed;
};

struct IngestSettings {
  // `paths` as the foundation defined it; read only if has_paths.
  bool has_paths = false;
  FileSourceOptions files;
  std::vector<SourceSpec> sources;
  FetchOptions fetch;
  int batch_size = 0;
};

// Fails with InvalidArgument naming the option when a value is unusable:
// neither paths nor sources, an empty path or extension, max_file_bytes or
// batch_size below 1, a negative watch_interval_ms, and for sources
// "sources[INDEX]" or "sources[INDEX].KEY" followed by the problem (an
// entry that is not an object, has no or two type keys, an unknown key, a
// value of the wrong type, a relative or non-HTTP feed URL, a duration
// that does not parse, a second stdin), and for tls_ca_file when the file
// cannot be read or holds no PEM certificate (CheckCaFile). The runner turns
// that prefix into the YAML node's file:line:column. Relative paths in sources
// resolve against base_dir; feed and url state files go to
// STATE_DIR/STAGE_ID.KIND-HASH.seen, where STATE_DIR is state_dir or
// $NEWSFLOW_STATE_DIR and STAGE_ID is $NEWSFLOW_STAGE_ID ("ingest" when
// unset); without a state folder nothing is remembered across runs.
absl::StatusOr<IngestSettings> ResolveIngestOptions(
    const stages::ingest::IngestOptions& options);

}  // namespace newsflow::ingest

#endif  // NEWSFLOW_STAGES_INGEST_INGEST_SETTINGS_H_
