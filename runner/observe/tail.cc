#include "runner/observe/tail.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <optional>
#include <ostream>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "common/article_json.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/delimited_message_util.h"
#include "google/protobuf/util/json_util.h"
#include "runner/observe/where.h"
#include "stages/store/article_db.h"
#include "zmq.hpp"

namespace newsflow {
namespace {

std::atomic<bool> g_tail_stop{false};
void StopTail(int) { g_tail_stop.store(true); }

constexpr size_t kSequenceBytes = 8;

uint64_t DecodeSequence(const zmq::message_t& part) {
  const auto* bytes = static_cast<const unsigned char*>(part.data());
  uint64_t sequence = 0;
  for (size_t i = 0; i < kSequenceBytes; ++i)
    sequence = (sequence << 8) | bytes[i];
  return sequence;
}

// Prints what matches; counts the rest. Stops at `limit`.
class Printer {
 public:
  Printer(const TailOptions& options, const WhereExpression* where,
          std::ostream& out, TailStats& stats)
      : options_(options), where_(where), out_(out), stats_(stats) {}

  // Returns false once the limit is reached or output failed.
  bool Print(const v1::Article& article) {
    if (where_ != nullptr && !where_->Matches(article)) {
      ++stats_.filtered_out;
      return true;
    }
    switch (options_.format) {
      case TailFormat::kJson: {
        absl::StatusOr<std::string> json = ArticleToJson(article);
        if (!json.ok()) {
          ++stats_.undecodable;
          return true;
        }
        out_ << *json << "\n";
        break;
      }
      case TailFormat::kText:
        out_ << ArticleTextLine(article) << "\n";
        break;
      case TailFormat::kProto:
        google::protobuf::util::SerializeDelimitedToOstream(article, &out_);
        break;
    }
    out_.flush();
    ++stats_.printed;
    return out_.good() && !Done();
  }

  bool Done() const {
    return options_.limit > 0 && stats_.printed >= options_.limit;
  }

 private:
  const TailOptions& options_;
  const WhereExpression* where_;
  std::ostream& out_;
  TailStats& stats_;
};

bool Running(absl::Time deadline, const Printer& printer) {
  return !g_tail_stop.load() && absl::Now() < deadline && !printer.Done();
}

bool SleepUntil(absl::Duration d, absl::Time deadline) {
  const absl::Time until = std::min(absl::Now() + d, deadline);
  while (!g_tail_stop.load() && absl::Now() < until) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  return !g_tail_stop.load();
}

// Whether a process of `stage` is there to tail: its ipc socket file
// exists. Unknown (nullopt) over TCP, where only a connection would tell.
std::optional<bool> StageRunning(const StagePlan& stage) {
  for (const auto& replica : stage.replicas) {
    if (!absl::StartsWith(replica.tap_endpoint, "ipc://")) return std::nullopt;
    if (access(replica.tap_endpoint.substr(6).c_str(), F_OK) == 0) {
      return true;
    }
  }
  return false;
}

// Says, once per change, whether tail is waiting for the pipeline.
class RunningNotice {
 public:
  RunningNotice(const StagePlan& stage, std::ostream* out)
      : stage_(stage), out_(out) {}

  void Check() {
    if (out_ == nullptr || absl::Now() < next_check_) return;
    next_check_ = absl::Now() + absl::Seconds(1);
    const std::optional<bool> running = StageRunning(stage_);
    if (!running.has_value() || *running == last_) return;
    if (!*running) {
      *out_ << "waiting for stage '" << stage_.name << "' to run ("
            << (said_ ? "it stopped" : "no pipeline is running it yet")
            << "; Ctrl-C to stop)" << std::endl;
    } else if (said_) {
      *out_ << "stage '" << stage_.name << "' is running; tailing" << std::endl;
    }
    said_ = said_ || !*running;
    last_ = *running;
  }

 private:
  const StagePlan& stage_;
  std::ostream* out_;
  absl::Time next_check_ = absl::InfinitePast();
  bool last_ = true;
  bool said_ = false;
};

absl::Status TailTaps(const StagePlan& stage,
                      const std::optional<KeyPair>& client_key,
                      std::ostream* notices, absl::Time deadline,
                      Printer& printer, TailStats& stats) {
  RunningNotice notice(stage, notices);
  zmq::context_t context(1);
  std::vector<std::unique_ptr<zmq::socket_t>> taps;
  // One socket per replica: sequences are per publisher.
  std::vector<TapSequence> sequences(stage.replicas.size());
  // CURVE taps: a monitor per tap reports a refused key, so a tail whose
  // key is not in the config says so instead of printing nothing forever.
  std::vector<std::unique_ptr<zmq::socket_t>> monitors;
  try {
    for (const auto& replica : stage.replicas) {
      auto tap =
          std::make_unique<zmq::socket_t>(context, zmq::socket_type::sub);
      tap->set(zmq::sockopt::linger, 0);
      tap->set(zmq::sockopt::rcvhwm, 10000);
      if (!replica.server_key.empty()) {
        if (!client_key.has_value()) {
          return absl::UnauthenticatedError(absl::StrCat(
              "the tap of '", stage.name, "' on host ", replica.host,
              " is CURVE-protected; pass --key FILE (the secret key of a "
              "client listed under clients:, or of a host)"));
        }
        MakeCurveClient(*tap, *client_key, replica.server_key);
        const std::string monitor_endpoint =
            absl::StrCat("inproc://tail-monitor-", monitors.size());
        if (zmq_socket_monitor(tap->handle(), monitor_endpoint.c_str(),
                               ZMQ_EVENT_HANDSHAKE_FAILED_AUTH |
                                   ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL) == 0) {
          auto monitor =
              std::make_unique<zmq::socket_t>(context, zmq::socket_type::pair);
          monitor->set(zmq::sockopt::linger, 0);
          monitor->connect(monitor_endpoint);
          monitors.push_back(std::move(monitor));
        }
      }
      tap->connect(replica.tap_endpoint);
      tap->set(zmq::sockopt::subscribe, "");
      taps.push_back(std::move(tap));
    }
  } catch (const zmq::error_t& e) {
    return absl::UnavailableError(absl::StrCat("cannot connect to the tap of '",
                                               stage.name, "': ", e.what()));
  }
  std::vector<zmq_pollitem_t> items;
  for (auto& tap : taps) items.push_back({tap->handle(), 0, ZMQ_POLLIN, 0});
  for (auto& monitor : monitors) {
    items.push_back({monitor->handle(), 0, ZMQ_POLLIN, 0});
  }
  while (Running(deadline, printer)) {
    notice.Check();
    for (auto& item : items) item.revents = 0;
    if (zmq_poll(items.data(), static_cast<int>(items.size()), 100) <= 0) {
      continue;
    }
    for (size_t m = 0; m < monitors.size(); ++m) {
      if (!(items[taps.size() + m].revents & ZMQ_POLLIN)) continue;
      zmq::message_t event, address;
      if (monitors[m]->recv(event, zmq::recv_flags::dontwait) && event.more()) {
        (void)monitors[m]->recv(address, zmq::recv_flags::dontwait);
      }
      return absl::PermissionDeniedError(absl::StrCat(
          "the tap of '", stage.name, "' at ", address.to_string(),
          " refused this key: its public key is not listed under clients: "
          "(or hosts:) in the config the pipeline runs with"));
    }
    for (size_t i = 0; i < taps.size() && Running(deadline, printer); ++i) {
      if (!(items[i].revents & ZMQ_POLLIN)) continue;
      for (int burst = 0; burst < 256 && Running(deadline, printer); ++burst) {
        zmq::message_t first;
        if (!taps[i]->recv(first, zmq::recv_flags::dontwait)) break;
        zmq::message_t body;
        if (first.more()) {
          if (first.size() == kSequenceBytes) {
            stats.dropped += sequences[i].Observe(DecodeSequence(first));
          }
          (void)taps[i]->recv(body, zmq::recv_flags::none);
          while (body.more()) {  // not ours: skip the rest of the frame
            zmq::message_t rest;
            (void)taps[i]->recv(rest, zmq::recv_flags::none);
            body.swap(rest);
            ++stats.undecodable;
          }
        } else {
          body.swap(first);  // a single-part frame (an older stage host)
        }
        v1::Article article;
        if (!article.ParseFromArray(body.data(),
                                    static_cast<int>(body.size()))) {
          ++stats.undecodable;
          continue;
        }
        if (!printer.Print(article)) break;
      }
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> StoreLocation(const StagePlan& stage) {
  google::protobuf::Struct options;
  if (!google::protobuf::util::JsonStringToMessage(stage.options_json, &options)
           .ok()) {
    return absl::InternalError(
        absl::StrCat("cannot read the options of store '", stage.name, "'"));
  }
  const auto& fields = options.fields();
  for (const char* key : {"url", "path"}) {
    auto it = fields.find(key);
    if (it != fields.end() && !it->second.string_value().empty()) {
      return it->second.string_value();
    }
  }
  return absl::InvalidArgumentError(
      absl::StrCat("store '", stage.name, "' names no database"));
}

absl::Status TailStore(const StagePlan& stage, const TailOptions& options,
                       absl::Time deadline, Printer& printer) {
  absl::StatusOr<std::string> location = StoreLocation(stage);
  if (!location.ok()) return location.status();
  std::unique_ptr<ArticleDb> db;
  // Rows (in ForEach order) already printed or skipped.
  std::optional<int64_t> seen;
  if (options.from_start) seen = 0;
  while (Running(deadline, printer)) {
    if (!db) {
      absl::StatusOr<std::unique_ptr<ArticleDb>> opened =
          ArticleDb::Open(*location, ArticleDb::OpenMode::kReadOnly);
      if (absl::IsNotFound(opened.status())) {
        seen = 0;  // every row will be new
        SleepUntil(options.store_poll_interval, deadline);
        continue;
      }
      if (!opened.ok()) return opened.status();
      db = *std::move(opened);
    }
    absl::StatusOr<int64_t> count = db->Count();
    if (!count.ok()) return count.status();
    if (!seen.has_value()) seen = *count;  // follow: only what comes next
    if (*count > *seen) {
      const int64_t skip = *seen;
      int64_t index = 0;
      absl::Status status = db->ForEach([&](const v1::Article& article) {
        if (index++ < skip) return absl::OkStatus();
        ++*seen;
        if (!printer.Print(article) || g_tail_stop.load()) {
          return absl::CancelledError("tail stopped");
        }
        return absl::OkStatus();
      });
      if (!status.ok() && !absl::IsCancelled(status)) return status;
    }
    SleepUntil(options.store_poll_interval, deadline);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<TailFormat> ParseTailFormat(absl::string_view name) {
  if (name == "text") return TailFormat::kText;
  if (name == "json") return TailFormat::kJson;
  if (name == "proto") return TailFormat::kProto;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown format '", name, "' (known: text, json, proto)"));
}

int64_t TapSequence::Observe(uint64_t sequence) {
  int64_t missed = 0;
  if (started_ && sequence > last_) {
    missed = static_cast<int64_t>(sequence - last_ - 1);
  }
  started_ = true;
  last_ = sequence;
  return missed;
}

std::string ArticleTextLine(const v1::Article& article) {
  const std::string& time = !article.published_at().empty()
                                ? article.published_at()
                                : article.ingested_at();
  std::string title = absl::StrReplaceAll(
      article.title(), {{"\r\n", " "}, {"\n", " "}, {"\r", " "}, {"\t", " "}});
  std::string line =
      absl::StrCat(time.empty() ? "-" : time, "  ",
                   article.language().empty() ? "--" : article.language(), "  ",
                   title.empty() ? "(untitled)" : title, "  [",
                   article.source(), "] ", article.id().substr(0, 12));
  if (article.entities_size() > 0) {
    std::vector<std::string> names;
    for (const auto& entity : article.entities()) {
      if (names.size() == 5) break;
      names.push_back(entity.canonical().empty() ? entity.text()
                                                 : entity.canonical());
    }
    absl::StrAppend(&line, "  (", absl::StrJoin(names, ", "),
                    article.entities_size() > 5
                        ? absl::StrCat(" +", article.entities_size() - 5)
                        : "",
                    ")");
  }
  return line;
}

absl::StatusOr<TailStats> RunTail(const PipelinePlan& plan,
                                  const TailOptions& options,
                                  std::ostream& out) {
  const StagePlan* stage = plan.FindStage(options.stage);
  if (stage == nullptr) {
    std::vector<std::string> names;
    for (const auto& s : plan.stages) names.push_back(s.name);
    return absl::NotFoundError(absl::StrCat(
        "no stage '", options.stage, "' in pipeline '", plan.pipeline,
        "' (stages: ", absl::StrJoin(names, ", "), ")"));
  }
  const bool store = stage->type == "store";
  if (stage->kind == NF_STAGE_SINK && !store) {
    return absl::InvalidArgumentError(absl::StrCat(
        "stage '", stage->name, "' is a ", stage->type,
        " sink and emits nothing; tail one of its inputs instead"));
  }
  if (options.from_start && !store) {
    return absl::InvalidArgumentError(
        absl::StrCat("--from-start reads a store's database, and '",
                     stage->name, "' is a ", stage->type,
                     " stage that keeps nothing; tail it without "
                     "--from-start"));
  }
  std::optional<WhereExpression> where;
  if (!options.where.empty()) {
    absl::StatusOr<WhereExpression> parsed =
        WhereExpression::Parse(options.where, v1::Article::descriptor());
    if (!parsed.ok()) return parsed.status();
    where = *std::move(parsed);
  }

  g_tail_stop.store(false);
  struct sigaction action = {};
  action.sa_handler = StopTail;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);

  const absl::Time deadline = options.duration == absl::InfiniteDuration()
                                  ? absl::InfiniteFuture()
                                  : absl::Now() + options.duration;
  TailStats stats;
  Printer printer(options, where ? &*where : nullptr, out, stats);
  absl::Status status =
      store ? TailStore(*stage, options, deadline, printer)
            : TailTaps(*stage, options.client_key, options.notices, deadline,
                       printer, stats);
  if (!status.ok()) return status;
  return stats;
}

}  // namespace newsflow
