#include "bench/in_process_pipeline.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/hash.h"
#include "common/time.h"
#include "newsflow/v1/article.pb.h"
#include "runner/host/stage_host.h"

namespace newsflow {
namespace {

// One stage instance and the consumers its emits feed.
struct StageNode {
  const StagePlan* plan = nullptr;
  const nf_stage_type* type = nullptr;
  void* instance = nullptr;
  nf_host host = {};
  std::vector<StageNode*> consumers;
  InProcessStageCounters counters;
  // Sources: ids emitted so far, to drop repeats as the host's journal does.
  absl::flat_hash_set<std::string> emitted_ids;
  // Set when this stage (or one it feeds) returned NF_FATAL.
  absl::Status* fatal = nullptr;
};

class InProcessPipeline {
 public:
  explicit InProcessPipeline(const PipelinePlan& plan) : plan_(plan) {}

  ~InProcessPipeline() {
    for (auto& node : nodes_) {
      if (node->instance != nullptr) node->type->destroy(node->instance);
    }
  }

  InProcessPipeline(const InProcessPipeline&) = delete;
  InProcessPipeline& operator=(const InProcessPipeline&) = delete;

  absl::Status Create(const StageRegistry& registry) {
    for (const StagePlan& stage : plan_.stages) {
      const RegisteredStageType* registered = registry.Find(stage.type);
      if (registered == nullptr) {
        return absl::NotFoundError(absl::StrCat(
            "stage '", stage.name, "': unknown type '", stage.type, "'"));
      }
      auto node = std::make_unique<StageNode>();
      node->plan = &stage;
      node->type = registered->type;
      node->counters.stage = stage.name;
      node->fatal = &fatal_;
      node->host = {sizeof(nf_host), node.get(), &EmitThunk, &LogThunk,
                    &RejectThunk,    nullptr,    nullptr,    nullptr};
      nodes_.push_back(std::move(node));
    }
    // Plan order puts inputs first, so consumers are wired after creation
    // of the node list and before any instance can emit.
    for (auto& node : nodes_) {
      for (const std::string& consumer : node->plan->consumers) {
        node->consumers.push_back(FindNode(consumer));
      }
    }
    for (auto& node : nodes_) {
      char error_text[1024] = "";
      nf_error error = {error_text, sizeof(error_text)};
      node->instance = node->type->create(node->plan->options_json.c_str(),
                                          &node->host, &error);
      if (node->instance == nullptr) {
        return absl::FailedPreconditionError(
            absl::StrCat("cannot start stage '", node->plan->name, "' (type ",
                         node->type->name, "): ", error_text));
      }
    }
    return absl::OkStatus();
  }

  absl::Status Run() {
    std::vector<StageNode*> active_sources;
    for (auto& node : nodes_) {
      if (node->type->kind == NF_STAGE_SOURCE) {
        active_sources.push_back(node.get());
      }
    }
    while (!active_sources.empty()) {
      std::vector<StageNode*> still_active;
      for (StageNode* source : active_sources) {
        nf_poll_state state = NF_POLL_MORE;
        char error_text[1024] = "";
        nf_error error = {error_text, sizeof(error_text)};
        nf_result result = source->type->poll(source->instance, &state, &error);
        if (result == NF_FATAL && fatal_.ok()) {
          fatal_ = absl::InternalError(absl::StrCat(
              "source '", source->plan->name, "' failed: ", error_text));
        }
        if (!fatal_.ok()) return fatal_;
        if (result == NF_ERROR) {
          ++source->counters.failed;
          Log(*source, NF_LOG_ERROR,
              absl::StrCat("source error: ", error_text));
        }
        // As under `newsflow run --once`: idle counts as finished.
        if (state == NF_POLL_MORE) still_active.push_back(source);
      }
      active_sources = std::move(still_active);
    }
    for (auto& node : nodes_) {
      if (node->type->flush == nullptr) continue;
      char error_text[1024] = "";
      nf_error error = {error_text, sizeof(error_text)};
      nf_result result = node->type->flush(node->instance, &error);
      if (!fatal_.ok()) return fatal_;
      if (result != NF_OK) {
        return absl::InternalError(absl::StrCat(
            "stage '", node->plan->name, "': flush failed: ", error_text));
      }
    }
    // Destroying is part of the run: a sink may still write in teardown.
    for (auto& node : nodes_) {
      node->type->destroy(node->instance);
      node->instance = nullptr;
    }
    return absl::OkStatus();
  }

  InProcessRunResult Counters() const {
    InProcessRunResult result;
    for (const auto& node : nodes_) result.push_back(node->counters);
    return result;
  }

 private:
  StageNode* FindNode(const std::string& name) {
    for (auto& node : nodes_) {
      if (node->plan->name == name) return node.get();
    }
    return nullptr;
  }

  static v1::TraceHop MakeHop(const StageNode& node) {
    v1::TraceHop hop;
    hop.set_stage(node.plan->name);
    hop.set_at(NowRfc3339());
    hop.set_replica(0);
    hop.set_pid(getpid());
    return hop;
  }

  static nf_result Emit(StageNode& node, const void* data, size_t size) {
    std::string emitted(static_cast<const char*>(data), size);
    if (node.type->kind == NF_STAGE_SOURCE) {
      AppendTraceHop(MakeHop(node), &emitted);
      std::string id = ArticleIdOf(emitted);
      if (id.empty()) id = StableHashHex(emitted);
      if (!node.emitted_ids.insert(std::move(id)).second) {
        ++node.counters.duplicates;
        return NF_OK;
      }
    }
    ++node.counters.emitted;
    for (StageNode* consumer : node.consumers) {
      if (consumer == nullptr) continue;
      std::string input = emitted;
      AppendTraceHop(MakeHop(*consumer), &input);
      ++consumer->counters.received;
      char error_text[1024] = "";
      nf_error error = {error_text, sizeof(error_text)};
      nf_result result = consumer->type->process(
          consumer->instance, input.data(), input.size(), &error);
      if (result == NF_FATAL || !node.fatal->ok()) {
        if (node.fatal->ok()) {
          *node.fatal = absl::InternalError(absl::StrCat(
              "stage '", consumer->plan->name, "' failed: ", error_text));
        }
        return NF_FATAL;
      }
      if (result == NF_ERROR) {
        ++consumer->counters.failed;
        Log(*consumer, NF_LOG_ERROR,
            absl::StrCat("message #", consumer->counters.received, " (",
                         input.size(), " bytes) failed: ", error_text));
      }
    }
    return NF_OK;
  }

  static void Log(StageNode& node, nf_log_level level,
                  absl::string_view message) {
    static constexpr const char* kLevels[] = {"debug", "info", "warning",
                                              "error"};
    if (level >= NF_LOG_WARNING) ++node.counters.warnings;
    if (level == NF_LOG_DEBUG && getenv("NEWSFLOW_DEBUG") == nullptr) return;
    const int index =
        level >= NF_LOG_DEBUG && level <= NF_LOG_ERROR ? level : 1;
    std::string line = absl::StrCat("[", node.plan->name, "] ", kLevels[index],
                                    ": ", message, "\n");
    fwrite(line.data(), 1, line.size(), stderr);
  }

  static nf_result EmitThunk(void* context, const void* data, size_t size) {
    return Emit(*static_cast<StageNode*>(context), data, size);
  }

  static void LogThunk(void* context, nf_log_level level, const char* text) {
    Log(*static_cast<StageNode*>(context), level, text == nullptr ? "" : text);
  }

  static void RejectThunk(void* context, const char* what, const char* reason,
                          const void* /*raw*/, size_t raw_size) {
    auto& node = *static_cast<StageNode*>(context);
    ++node.counters.failed;
    Log(node, NF_LOG_WARNING,
        absl::StrCat(
            "rejected ", what == nullptr ? "input" : what, ": ",
            reason == nullptr ? "" : reason,
            raw_size == 0 ? "" : absl::StrCat(" (", raw_size, " bytes)")));
  }

  const PipelinePlan& plan_;
  std::vector<std::unique_ptr<StageNode>> nodes_;
  absl::Status fatal_;
};

}  // namespace

absl::StatusOr<InProcessRunResult> RunPlanInProcess(
    const PipelinePlan& plan, const StageRegistry& registry) {
  InProcessPipeline pipeline(plan);
  if (absl::Status status = pipeline.Create(registry); !status.ok()) {
    return status;
  }
  if (absl::Status status = pipeline.Run(); !status.ok()) return status;
  return pipeline.Counters();
}

}  // namespace newsflow
