#include "stages/ingest/ingest_stage.h"

#include <deque>
#include <memory>
#include <utility>

#include "ingest_options.pb.h"
#include "newsflow/stage.h"
#include "stages/ingest/article_source.h"
#include "stages/ingest/file_source.h"
#include "stages/ingest/ingest_settings.h"

namespace newsflow {
namespace {

// Batches what its source yields: at most batch_size articles per Poll(),
// and at most batch_size source reads, so that a folder of rejected files
// cannot hold one Poll() for long.
class IngestStage : public Stage {
 public:
  static absl::StatusOr<std::unique_ptr<Stage>> Create(
      std::string_view options_json, StageContext context) {
    stages::ingest::IngestOptions options;
    if (auto status = ParseStageOptions(options_json, &options); !status.ok()) {
      return status;
    }
    absl::StatusOr<ingest::IngestSettings> settings =
        ingest::ResolveIngestOptions(options);
    if (!settings.ok()) return settings.status();
    auto source = std::make_unique<ingest::FileSource>(
        std::move(settings->files), context);
    return std::unique_ptr<Stage>(
        new IngestStage(context, std::move(source), settings->batch_size));
  }

  absl::StatusOr<nf_poll_state> Poll() override {
    const size_t batch_size = static_cast<size_t>(batch_size_);
    nf_poll_state source_state = NF_POLL_MORE;
    for (size_t reads = 0; reads < batch_size && pending_.size() < batch_size &&
                           source_state == NF_POLL_MORE;
         ++reads) {
      source_state = source_->ReadNext(&pending_);
    }
    for (size_t emitted = 0; emitted < batch_size && !pending_.empty();
         ++emitted) {
      if (auto status = context().Emit(pending_.front()); !status.ok()) {
        return status;
      }
      pending_.pop_front();
    }
    return pending_.empty() ? source_state : NF_POLL_MORE;
  }

 private:
  IngestStage(StageContext context,
              std::unique_ptr<ingest::ArticleSource> source, int batch_size)
      : Stage(context), source_(std::move(source)), batch_size_(batch_size) {}

  std::unique_ptr<ingest::ArticleSource> source_;
  const int batch_size_;
  // Read but not yet emitted: one JSON file may hold many articles.
  std::deque<v1::Article> pending_;
};

// Every field of IngestOptions, with the defaults of ingest_settings.cc.
constexpr nf_option_spec kOptions[] = {
    {"paths", NF_OPTION_PATH_LIST, nullptr,
     "Files or directories to read; directories are read recursively, in "
     "sorted order."},
    {"extensions", NF_OPTION_STRING_LIST,
     R"([".txt", ".html", ".htm", ".json", ".jsonl"])",
     "File-name endings read inside directories (case-insensitive). Files "
     "named in paths are always read."},
    {"max_file_bytes", NF_OPTION_INT, "16777216",
     "Files larger than this are rejected without being read."},
    {"watch", NF_OPTION_BOOL, "false",
     "Keep scanning the paths for new or changed files (by size and "
     "modification time)."},
    {"watch_interval_ms", NF_OPTION_INT, "1000",
     "Milliseconds between scans while watching."},
    {"source", NF_OPTION_STRING, R"("files")",
     "Article.source of the articles read (unless a JSON record has one)."},
    {"batch_size", NF_OPTION_INT, "64", "Most articles emitted per poll."},
};

}  // namespace

const nf_stage_type kIngestStageType = MakeStageType<IngestStage>(
    "ingest",
    "Reads articles from text, HTML, JSON and JSON-lines files, optionally "
    "watching folders for new ones.",
    NF_STAGE_SOURCE, kOptions, sizeof(kOptions) / sizeof(kOptions[0]));

}  // namespace newsflow
