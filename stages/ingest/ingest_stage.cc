#include "stages/ingest/ingest_stage.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/hash.h"
#include "ingest_options.pb.h"
#include "newsflow/stage.h"

namespace newsflow {
namespace {

class IngestStage : public Stage {
 public:
  static absl::StatusOr<std::unique_ptr<Stage>> Create(
      std::string_view options_json, StageContext context) {
    stages::ingest::IngestOptions options;
    if (auto status = ParseStageOptions(options_json, &options); !status.ok()) {
      return status;
    }
    return std::unique_ptr<Stage>(new IngestStage(context, options));
  }

  absl::StatusOr<nf_poll_state> Poll() override {
    for (const auto& path : options_.paths()) {
      for (const auto& entry : std::filesystem::directory_iterator(path)) {
        std::ifstream in(entry.path());
        std::stringstream buffer;
        buffer << in.rdbuf();
        v1::Article article;
        article.set_body(buffer.str());
        article.set_id(StableHashHex(article.body()));
        article.set_url("file://" + entry.path().string());
        if (auto status = context().Emit(article); !status.ok()) return status;
      }
    }
    return NF_POLL_DONE;
  }

 private:
  IngestStage(StageContext context, stages::ingest::IngestOptions options)
      : Stage(context), options_(std::move(options)) {}
  stages::ingest::IngestOptions options_;
};

constexpr nf_option_spec kOptions[] = {
    {"paths", NF_OPTION_PATH_LIST, "[]", "Files or directories to read."},
};

}  // namespace

const nf_stage_type kIngestStageType = MakeStageType<IngestStage>(
    "ingest", "(stub) reads files", NF_STAGE_SOURCE, kOptions,
    sizeof(kOptions) / sizeof(kOptions[0]));

}  // namespace newsflow
