#include "runner/observe/metrics.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <mutex>
#include <optional>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "runner/observe/log.h"
#include "runner/observe/pipeline_view.h"
#include "runner/host/stage_host.h"

namespace newsflow {
namespace {

std::string EscapeLabel(absl::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

// Accumulates metric families: HELP and TYPE once, then the samples.
class Exposition {
 public:
  explicit Exposition(std::string pipeline)
      : pipeline_label_(
            absl::StrCat("pipeline=\"", EscapeLabel(pipeline), "\"")) {}

  void Family(absl::string_view name, absl::string_view type,
              absl::string_view help) {
    absl::StrAppend(&text_, "# HELP ", name, " ", help, "\n# TYPE ", name, " ",
                    type, "\n");
  }

  // `labels` are name="value" pairs already escaped, or empty.
  void Sample(absl::string_view name, absl::string_view labels, double value) {
    absl::StrAppend(&text_, name, "{", pipeline_label_,
                    labels.empty() ? "" : ",", labels, "} ", FormatValue(value),
                    "\n");
  }

  std::string Take() { return std::move(text_); }

 private:
  static std::string FormatValue(double value) {
    if (value == static_cast<double>(static_cast<int64_t>(value)) &&
        std::abs(value) < 1e15) {
      return absl::StrCat(static_cast<int64_t>(value));
    }
    return absl::StrFormat("%.9g", value);
  }

  std::string pipeline_label_;
  std::string text_;
};

std::string ReplicaLabels(const v1::ReplicaStatus& r) {
  return absl::StrCat("stage=\"", EscapeLabel(r.stage()), "\",replica=\"",
                      r.replica(), "\",type=\"", EscapeLabel(r.type()), "\"");
}

using ReplicaValue = double (*)(const v1::ReplicaStatus&);

struct CounterSpec {
  const char* name;
  const char* type;
  const char* help;
  ReplicaValue value;
};

constexpr double kNanos = 1e9;

const CounterSpec kReplicaMetrics[] = {
    {"newsflow_stage_up", "gauge",
     "1 while the replica's process is running, 0 otherwise.",
     [](const v1::ReplicaStatus& r) -> double {
       return r.state() == "running" ? 1 : 0;
     }},
    {"newsflow_stage_restarts_total", "counter",
     "Times the runner restarted the replica after a crash.",
     [](const v1::ReplicaStatus& r) -> double { return r.restarts(); }},
    {"newsflow_stage_received_total", "counter",
     "Messages the replica took from its input.",
     [](const v1::ReplicaStatus& r) -> double {
       return static_cast<double>(r.totals().received());
     }},
    {"newsflow_stage_emitted_total", "counter",
     "Messages the replica sent downstream (once, whatever the fan-out).",
     [](const v1::ReplicaStatus& r) -> double {
       return static_cast<double>(r.totals().emitted());
     }},
    {"newsflow_stage_completed_total", "counter",
     "Messages whose processing is complete and durable (store: committed).",
     [](const v1::ReplicaStatus& r) -> double {
       return static_cast<double>(r.totals().completed());
     }},
    {"newsflow_stage_errors_total", "counter",
     "Inputs that failed: unreadable files, bad frames, stage errors.",
     [](const v1::ReplicaStatus& r) -> double {
       return static_cast<double>(r.totals().failed());
     }},
    {"newsflow_stage_dead_letters_total", "counter",
     "Inputs sent to the dead-letter store.",
     [](const v1::ReplicaStatus& r) -> double {
       return static_cast<double>(r.totals().dead_letters());
     }},
    {"newsflow_stage_received_bytes_total", "counter",
     "Bytes of the messages the replica received.",
     [](const v1::ReplicaStatus& r) -> double {
       return static_cast<double>(r.totals().bytes_in());
     }},
    {"newsflow_stage_emitted_bytes_total", "counter",
     "Bytes of the messages the replica emitted.",
     [](const v1::ReplicaStatus& r) -> double {
       return static_cast<double>(r.totals().bytes_out());
     }},
    {"newsflow_stage_busy_seconds_total", "counter",
     "Time spent inside the stage's process, poll and flush calls.",
     [](const v1::ReplicaStatus& r) -> double {
       return static_cast<double>(r.totals().busy_ns()) / kNanos;
     }},
    {"newsflow_stage_blocked_seconds_total", "counter",
     "Time spent waiting for a full downstream queue (backpressure).",
     [](const v1::ReplicaStatus& r) -> double {
       return static_cast<double>(r.totals().blocked_ns()) / kNanos;
     }},
    {"newsflow_stage_peak_rss_bytes", "gauge",
     "Peak resident memory of the replica's current process.",
     [](const v1::ReplicaStatus& r) -> double {
       return static_cast<double>(r.totals().peak_rss_kib()) * 1024;
     }},
    {"newsflow_stage_pending_acks", "gauge",
     "Sources: messages emitted but not yet acknowledged by every sink.",
     [](const v1::ReplicaStatus& r) -> double {
       return static_cast<double>(r.totals().pending_acks());
     }},
    {"newsflow_stage_last_report_timestamp_seconds", "gauge",
     "When the replica last reported its counters (Unix time).",
     [](const v1::ReplicaStatus& r) -> double {
       return r.last_report_unix_ms() > 0
                  ? static_cast<double>(r.last_report_unix_ms()) / 1000
                  : 0;
     }},
};

std::string JsonStringList(const std::vector<std::string>& items) {
  std::vector<std::string> quoted;
  for (const auto& item : items) quoted.push_back(JsonQuote(item));
  return absl::StrCat("[", absl::StrJoin(quoted, ","), "]");
}

struct Request {
  std::string method;
  std::string path;
};

std::optional<Request> ParseRequestLine(absl::string_view head) {
  size_t end = head.find("\r\n");
  absl::string_view line = head.substr(0, end);
  size_t first = line.find(' ');
  if (first == absl::string_view::npos) return std::nullopt;
  size_t second = line.find(' ', first + 1);
  if (second == absl::string_view::npos) return std::nullopt;
  Request request;
  request.method = std::string(line.substr(0, first));
  absl::string_view target = line.substr(first + 1, second - first - 1);
  request.path = std::string(target.substr(0, target.find('?')));
  if (!absl::StartsWith(line.substr(second + 1), "HTTP/")) return std::nullopt;
  return request;
}

void SendAll(int fd, const std::string& data) {
  size_t sent = 0;
  while (sent < data.size()) {
    ssize_t n = send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) {
      if (n < 0 && errno == EINTR) continue;
      return;
    }
    sent += static_cast<size_t>(n);
  }
}

std::string Response(int code, absl::string_view reason,
                     absl::string_view content_type, absl::string_view body,
                     bool head_only, absl::string_view extra_headers = "") {
  return absl::StrCat("HTTP/1.1 ", code, " ", reason,
                      "\r\nContent-Type: ", content_type,
                      "\r\nContent-Length: ", body.size(),
                      "\r\nCache-Control: no-store\r\nConnection: close\r\n",
                      extra_headers, "\r\n", head_only ? "" : body);
}

}  // namespace

std::string PrometheusText(const v1::PipelineStatus& status) {
  Exposition out(status.pipeline());
  out.Family("newsflow_pipeline_start_time_seconds", "gauge",
             "When the runner started the pipeline (Unix time).");
  out.Sample("newsflow_pipeline_start_time_seconds", "",
             static_cast<double>(status.started_unix_ms()) / 1000);

  std::vector<const v1::ReplicaStatus*> live;
  for (const auto& r : status.replicas()) {
    if (r.state() != "retired") live.push_back(&r);
  }
  for (const CounterSpec& spec : kReplicaMetrics) {
    out.Family(spec.name, spec.type, spec.help);
    for (const v1::ReplicaStatus* r : live) {
      out.Sample(spec.name, ReplicaLabels(*r), spec.value(*r));
    }
  }

  const char* histogram = "newsflow_stage_processing_seconds";
  out.Family(histogram, "histogram",
             "Time per process/poll call. The sum is the busy time, which "
             "also counts flush calls.");
  for (const v1::ReplicaStatus* r : live) {
    const std::string labels = ReplicaLabels(*r);
    int64_t cumulative = 0;
    const auto& buckets = r->totals().latency_buckets();
    for (int i = 0; i < kLatencyBuckets - 1; ++i) {
      if (i < buckets.size()) cumulative += buckets[i];
      out.Sample(
          absl::StrCat(histogram, "_bucket"),
          absl::StrCat(labels, ",le=\"",
                       absl::StrFormat("%g", kLatencyBucketBoundsUs[i] / 1e6),
                       "\""),
          static_cast<double>(cumulative));
    }
    if (kLatencyBuckets - 1 < buckets.size()) {
      cumulative += buckets[kLatencyBuckets - 1];
    }
    out.Sample(absl::StrCat(histogram, "_bucket"),
               absl::StrCat(labels, ",le=\"+Inf\""),
               static_cast<double>(cumulative));
    out.Sample(absl::StrCat(histogram, "_sum"), labels,
               static_cast<double>(r->totals().busy_ns()) / kNanos);
    out.Sample(absl::StrCat(histogram, "_count"), labels,
               static_cast<double>(cumulative));
  }

  const PipelineView view = MakePipelineView(status, nullptr);
  out.Family("newsflow_stage_queue_messages", "gauge",
             "Messages the stage's inputs emitted that it has not received "
             "yet (queued between the processes).");
  for (const auto& stage : view.stages) {
    if (!stage.queue_messages.has_value()) continue;
    out.Sample("newsflow_stage_queue_messages",
               absl::StrCat("stage=\"", EscapeLabel(stage.name), "\""),
               static_cast<double>(*stage.queue_messages));
  }
  out.Family("newsflow_stage_queue_fill_ratio", "gauge",
             "The queue relative to the stage's receive high-water marks; "
             "above 1 the senders queue too.");
  for (const auto& stage : view.stages) {
    if (!stage.queue_fill.has_value()) continue;
    out.Sample("newsflow_stage_queue_fill_ratio",
               absl::StrCat("stage=\"", EscapeLabel(stage.name), "\""),
               *stage.queue_fill);
  }
  return out.Take();
}

Health CheckHealth(const v1::PipelineStatus* status, absl::Time now) {
  Health health;
  if (status == nullptr) {
    health.problems.push_back("the runner has not published a status yet");
  } else {
    const absl::Time at = absl::FromUnixMillis(status->now_unix_ms());
    if (now - at > kHealthStatusDeadline) {
      health.problems.push_back(absl::StrCat(
          "the runner's status is ", absl::FormatDuration(now - at), " old"));
    }
    const absl::Time started = absl::FromUnixMillis(status->started_unix_ms());
    for (const auto& r : status->replicas()) {
      if (r.state() == "retired") continue;
      const std::string label = absl::StrCat(r.stage(), ".", r.replica());
      if (r.state() != "running") {
        health.problems.push_back(absl::StrCat(label, " is ", r.state()));
        continue;
      }
      const absl::Time reported =
          r.last_report_unix_ms() > 0
              ? absl::FromUnixMillis(r.last_report_unix_ms())
              : started;
      if (at - reported > kHealthReportDeadline) {
        health.problems.push_back(
            absl::StrCat(label, " has not reported for ",
                         absl::FormatDuration(
                             absl::Trunc(at - reported, absl::Seconds(1)))));
      }
    }
  }
  health.ok = health.problems.empty();
  health.body = absl::StrCat(
      "{\"status\":", health.ok ? "\"ok\"" : "\"unhealthy\"",
      status != nullptr
          ? absl::StrCat(",\"pipeline\":", JsonQuote(status->pipeline()))
          : "",
      ",\"problems\":", JsonStringList(health.problems), "}\n");
  return health;
}

class MetricsServer::Impl {
 public:
  Impl(int listen_fd, std::string url, int port)
      : listen_fd_(listen_fd), url_(std::move(url)), port_(port) {}

  ~Impl() {
    if (thread_.joinable()) {
      const char byte = 0;
      (void)!write(wake_[1], &byte, 1);
      thread_.join();
    }
    for (int fd : {listen_fd_, wake_[0], wake_[1]}) {
      if (fd >= 0) close(fd);
    }
  }

  absl::Status StartThread() {
    if (pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0) {
      return absl::InternalError(absl::StrCat("pipe: ", strerror(errno)));
    }
    thread_ = std::thread([this] { Serve(); });
    return absl::OkStatus();
  }

  void Update(const v1::PipelineStatus& status) {
    std::lock_guard<std::mutex> lock(mutex_);
    status_ = status;
  }

  int port() const { return port_; }
  const std::string& url() const { return url_; }

 private:
  void Serve() {
    while (true) {
      pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
      int rc = poll(fds, 2, -1);
      if (rc < 0 && errno == EINTR) continue;
      if (rc < 0 || (fds[1].revents & POLLIN)) return;
      if (!(fds[0].revents & POLLIN)) continue;
      int client = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (client < 0) continue;
      timeval timeout = {2, 0};
      setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
      setsockopt(client, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
      Handle(client);
      close(client);
    }
  }

  void Handle(int client) {
    std::string head;
    char buffer[4096];
    while (head.find("\r\n\r\n") == std::string::npos && head.size() < 16384) {
      ssize_t n = recv(client, buffer, sizeof(buffer), 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      head.append(buffer, static_cast<size_t>(n));
    }
    std::optional<Request> request = ParseRequestLine(head);
    if (!request.has_value()) {
      SendAll(client, Response(400, "Bad Request", "text/plain",
                               "bad request\n", false));
      return;
    }
    const bool head_only = request->method == "HEAD";
    if (request->method != "GET" && !head_only) {
      SendAll(client,
              Response(405, "Method Not Allowed", "text/plain",
                       "only GET and HEAD\n", false, "Allow: GET, HEAD\r\n"));
      return;
    }
    std::optional<v1::PipelineStatus> status;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      status = status_;
    }
    if (request->path == "/metrics") {
      if (!status.has_value()) {
        SendAll(client, Response(503, "Service Unavailable", "text/plain",
                                 "the runner has not published a status yet\n",
                                 head_only));
        return;
      }
      SendAll(client,
              Response(200, "OK", "text/plain; version=0.0.4; charset=utf-8",
                       PrometheusText(*status), head_only));
    } else if (request->path == "/health") {
      Health health =
          CheckHealth(status.has_value() ? &*status : nullptr, absl::Now());
      SendAll(client, Response(health.ok ? 200 : 503,
                               health.ok ? "OK" : "Service Unavailable",
                               "application/json", health.body, head_only));
    } else if (request->path == "/") {
      SendAll(client,
              Response(200, "OK", "text/plain; charset=utf-8",
                       "newsflow runner\n  /metrics  Prometheus metrics\n"
                       "  /health   200 when every stage runs and reports\n",
                       head_only));
    } else {
      SendAll(client,
              Response(404, "Not Found", "text/plain",
                       "not found; try /metrics or /health\n", head_only));
    }
  }

  int listen_fd_;
  int wake_[2] = {-1, -1};
  std::string url_;
  int port_;
  std::thread thread_;
  std::mutex mutex_;
  std::optional<v1::PipelineStatus> status_;
};

absl::StatusOr<std::unique_ptr<MetricsServer>> MetricsServer::Start(
    const std::string& address, int port) {
  addrinfo hints = {};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string service = absl::StrCat(port);
  if (int rc = getaddrinfo(address.c_str(), service.c_str(), &hints, &found);
      rc != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("metrics address '", address, "': ", gai_strerror(rc)));
  }
  std::string error = "no usable address";
  int fd = -1;
  for (addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
    fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
      error = strerror(errno);
      continue;
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 16) == 0) {
      break;
    }
    error = strerror(errno);
    close(fd);
    fd = -1;
  }
  freeaddrinfo(found);
  if (fd < 0) {
    return absl::UnavailableError(absl::StrCat(
        "cannot serve metrics on ", address, ":", port, ": ", error));
  }
  sockaddr_storage bound = {};
  socklen_t length = sizeof(bound);
  getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &length);
  char host[INET6_ADDRSTRLEN] = "";
  int bound_port = port;
  if (bound.ss_family == AF_INET6) {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&bound);
    inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
    bound_port = ntohs(in6->sin6_port);
  } else {
    auto* in4 = reinterpret_cast<sockaddr_in*>(&bound);
    inet_ntop(AF_INET, &in4->sin_addr, host, sizeof(host));
    bound_port = ntohs(in4->sin_port);
  }
  const std::string url = bound.ss_family == AF_INET6
                              ? absl::StrCat("http://[", host, "]:", bound_port)
                              : absl::StrCat("http://", host, ":", bound_port);
  auto impl = std::make_unique<Impl>(fd, url, bound_port);
  if (absl::Status status = impl->StartThread(); !status.ok()) return status;
  return std::unique_ptr<MetricsServer>(new MetricsServer(std::move(impl)));
}

MetricsServer::MetricsServer(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl)) {}
MetricsServer::~MetricsServer() = default;

void MetricsServer::Update(const v1::PipelineStatus& status) {
  impl_->Update(status);
}
int MetricsServer::port() const { return impl_->port(); }
std::string MetricsServer::url() const { return impl_->url(); }

}  // namespace newsflow
