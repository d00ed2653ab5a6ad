#include "runner/tail.h"

#include <signal.h>

#include <atomic>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/article_json.h"
#include "zmq.hpp"

namespace newsflow {
namespace {

std::atomic<bool> g_tail_stop{false};
void StopTail(int) { g_tail_stop.store(true); }

}  // namespace

absl::Status RunTail(const PipelinePlan& plan, const TailOptions& options,
                     std::ostream& out) {
  const StagePlan* stage = plan.FindStage(options.stage);
  if (stage == nullptr) {
    std::string names;
    for (const auto& s : plan.stages) absl::StrAppend(&names, names.empty() ? "" : ", ", s.name);
    return absl::NotFoundError(absl::StrCat("no stage '", options.stage,
                                            "' in pipeline '", plan.pipeline,
                                            "' (stages: ", names, ")"));
  }
  if (stage->kind == NF_STAGE_SINK) {
    return absl::InvalidArgumentError(absl::StrCat(
        "stage '", stage->name, "' is a sink and emits nothing; tail one of ",
        "its inputs instead"));
  }
  struct sigaction action = {};
  action.sa_handler = StopTail;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);

  zmq::context_t context(1);
  zmq::socket_t subscriber(context, zmq::socket_type::sub);
  subscriber.set(zmq::sockopt::linger, 0);
  subscriber.set(zmq::sockopt::rcvhwm, 10000);
  try {
    for (const auto& replica : stage->replicas) {
      subscriber.connect(replica.tap_endpoint);
    }
    subscriber.set(zmq::sockopt::subscribe, "");
  } catch (const zmq::error_t& e) {
    return absl::UnavailableError(
        absl::StrCat("cannot connect to the tap of '", stage->name,
                     "': ", e.what()));
  }
  const absl::Time deadline = options.duration == absl::InfiniteDuration()
                                  ? absl::InfiniteFuture()
                                  : absl::Now() + options.duration;
  int64_t printed = 0;
  int64_t undecodable = 0;
  while (!g_tail_stop.load() && absl::Now() < deadline &&
         (options.limit == 0 || printed < options.limit)) {
    zmq_pollitem_t item = {subscriber.handle(), 0, ZMQ_POLLIN, 0};
    if (zmq_poll(&item, 1, 100) <= 0) continue;
    zmq::message_t message;
    if (!subscriber.recv(message, zmq::recv_flags::dontwait)) continue;
    v1::Article article;
    if (!article.ParseFromArray(message.data(),
                                static_cast<int>(message.size()))) {
      ++undecodable;
      continue;
    }
    absl::StatusOr<std::string> json = ArticleToJson(article);
    if (!json.ok()) {
      ++undecodable;
      continue;
    }
    out << *json << "\n";
    out.flush();
    ++printed;
  }
  if (undecodable > 0) {
    return absl::DataLossError(absl::StrCat(
        undecodable, " tapped messages were not newsflow.v1.Article"));
  }
  return absl::OkStatus();
}

}  // namespace newsflow
