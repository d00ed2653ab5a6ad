#include "stages/ingest/ingest_stage.h"

#include <deque>
#include <memory>
#include <utility>
#include <vector>

#include "ingest_options.pb.h"
#include "newsflow/stage.h"
#include "stages/ingest/article_source.h"
#include "stages/ingest/feed_source.h"
#include "stages/ingest/file_source.h"
#include "stages/ingest/http_fetcher.h"
#include "stages/ingest/ingest_settings.h"
#include "stages/ingest/reuters_source.h"
#include "stages/ingest/stdin_source.h"
#include "stages/ingest/url_source.h"

namespace newsflow {
namespace {

// Batches what its sources yield: at most batch_size articles per Poll(),
// and at most batch_size source reads, so that a folder of rejected files
// cannot hold one Poll() for long. Sources are read round-robin, one unit
// each in turn, so a large archive does not starve a feed.
class IngestStage : public Stage {
 public:
  using Options = stages::ingest::IngestOptions;

  // Beyond the schema: the sources and files named (ingest_settings.h).
  static std::vector<OptionProblem> ValidateOptions(const Options& options) {
    absl::StatusOr<ingest::IngestSettings> settings =
        ingest::ResolveIngestOptions(options);
    if (settings.ok()) return {};
    return {OptionProblemOf(settings.status())};
  }

  static absl::StatusOr<std::unique_ptr<Stage>> Create(
      std::string_view options_json, StageContext context) {
    stages::ingest::IngestOptions options;
    if (auto status = ParseStageOptions(options_json, &options); !status.ok()) {
      return status;
    }
    absl::StatusOr<ingest::IngestSettings> settings =
        ingest::ResolveIngestOptions(options);
    if (!settings.ok()) return settings.status();
    std::vector<std::unique_ptr<ingest::ArticleSource>> sources;
    if (settings->has_paths) {
      sources.push_back(std::make_unique<ingest::FileSource>(
          std::move(settings->files), context));
    }
    // One fetcher for the stage: its per-host delay spans every source.
    std::shared_ptr<ingest::HttpFetcher> fetcher;
    settings->fetch.stopping = [context] { return context.Stopping(); };
    for (ingest::SourceSpec& spec : settings->sources) {
      using Kind = ingest::SourceSpec::Kind;
      if ((spec.kind == Kind::kUrls || spec.kind == Kind::kFeed) &&
          fetcher == nullptr) {
        fetcher = std::make_shared<ingest::HttpFetcher>(settings->fetch);
      }
      switch (spec.kind) {
        case Kind::kFiles:
          sources.push_back(std::make_unique<ingest::FileSource>(
              std::move(spec.files), context));
          break;
        case Kind::kReutersSgml:
          sources.push_back(std::make_unique<ingest::ReutersSource>(
              std::move(spec.reuters), context));
          break;
        case Kind::kStdin:
          sources.push_back(std::make_unique<ingest::StdinSource>(
              std::move(spec.stdin_options), context));
          break;
        case Kind::kUrls:
          sources.push_back(std::make_unique<ingest::UrlSource>(
              std::move(spec.urls), fetcher, context));
          break;
        case Kind::kFeed:
          sources.push_back(std::make_unique<ingest::FeedSource>(
              std::move(spec.feed), fetcher, context));
          break;
      }
    }
    return std::unique_ptr<Stage>(
        new IngestStage(context, std::move(sources), settings->batch_size));
  }

  absl::StatusOr<nf_poll_state> Poll() override {
    const size_t batch_size = static_cast<size_t>(batch_size_);
    asked_this_poll_.assign(sources_.size(), false);
    CommitIfEmitted();
    // Stopping: what was not read yet is read after the next start.
    for (size_t reads = 0; reads < batch_size && pending_.size() < batch_size &&
                           !context().Stopping();
         ++reads) {
      if (!ReadOneUnit()) break;
    }
    for (size_t emitted = 0; emitted < batch_size && !pending_.empty();
         ++emitted) {
      // Serialized into a buffer kept across articles: no allocation each.
      if (!pending_.front().SerializeToString(&emit_buffer_)) {
        return absl::InternalError("could not serialize article " +
                                   pending_.front().id());
      }
      if (auto status = context().EmitBytes(emit_buffer_); !status.ok()) {
        return status;
      }
      pending_.pop_front();
    }
    if (!pending_.empty()) return NF_POLL_MORE;
    all_read_emitted_ = true;
    return Combined();
  }

  absl::Status Flush() override {
    CommitIfEmitted();
    return absl::OkStatus();
  }

 private:
  // Sources remember what they read (a feed's seen items) only once all of
  // it is in the host's journal, which holds a poll's emissions once that
  // poll has returned (the host writes them out before sending them): so
  // in the next callback, not in the poll that emitted them. A crash in
  // between reads them again (same ids: the journal drops the duplicate).
  void CommitIfEmitted() {
    if (!all_read_emitted_) return;
    all_read_emitted_ = false;
    for (auto& source : sources_) source->Commit();
  }

  IngestStage(StageContext context,
              std::vector<std::unique_ptr<ingest::ArticleSource>> sources,
              int batch_size)
      : Stage(context),
        sources_(std::move(sources)),
        states_(sources_.size(), NF_POLL_MORE),
        batch_size_(batch_size) {}

  // Reads from the next source, in turn, that is not done; false when no
  // source has anything ready now.
  bool ReadOneUnit() {
    for (size_t tried = 0; tried < sources_.size(); ++tried) {
      const size_t i = next_;
      next_ = (next_ + 1) % sources_.size();
      // Idle and done sources are asked again, once per Poll, since a
      // watched folder or a feed may have something new.
      if (states_[i] != NF_POLL_MORE && asked_this_poll_[i]) continue;
      asked_this_poll_[i] = true;
      states_[i] = sources_[i]->ReadNext(&pending_);
      if (states_[i] == NF_POLL_MORE) return true;
    }
    return false;
  }

  nf_poll_state Combined() const {
    bool idle = false;
    for (nf_poll_state state : states_) {
      if (state == NF_POLL_MORE) return NF_POLL_MORE;
      if (state == NF_POLL_IDLE) idle = true;
    }
    return idle ? NF_POLL_IDLE : NF_POLL_DONE;
  }

  std::vector<std::unique_ptr<ingest::ArticleSource>> sources_;
  std::vector<nf_poll_state> states_;
  std::vector<bool> asked_this_poll_ = std::vector<bool>(sources_.size());
  size_t next_ = 0;
  const int batch_size_;
  // Read but not yet emitted: one JSON file may hold many articles.
  std::deque<v1::Article> pending_;
  // The last Poll() emitted everything its sources read (CommitIfEmitted).
  bool all_read_emitted_ = false;
  std::string emit_buffer_;  // the article being emitted, serialized
};

}  // namespace

absl::Status ValidateIngestOptions(const std::string& options_json) {
  stages::ingest::IngestOptions options;
  if (auto status = ParseStageOptions(options_json, &options); !status.ok()) {
    return status;
  }
  return ingest::ResolveIngestOptions(options).status();
}

const nf_stage_type kIngestStageType = MakeStageType<IngestStage>(
    "ingest",
    "Reads articles from files and folders (text, HTML, JSON, JSON lines; "
    "optionally watched), Reuters-21578 SGML, standard input, web pages and "
    "RSS/Atom feeds.",
    NF_STAGE_SOURCE);

}  // namespace newsflow
