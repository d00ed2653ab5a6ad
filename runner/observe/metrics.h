// Prometheus metrics and a health check for a running pipeline, served
// over HTTP by `newsflow run` when the config has a `metrics:` key:
//
//   metrics: { address: 127.0.0.1, port: 9598 }   # or `metrics: 9598`
//
//   GET /metrics  text exposition format 0.0.4 (what Prometheus scrapes)
//   GET /health   200 {"status":"ok",...} or 503 {"status":"unhealthy",
//                 "problems":[...]}; see CheckHealth
//   GET /         a short index
//
// The server is a minimal HTTP/1.1 responder on its own thread: one
// connection at a time, `Connection: close`, 2 s socket timeouts, GET and
// HEAD only. Scrapers and health probes need nothing more, and the runner
// already has every number in one PipelineStatus snapshot (refreshed about
// every 500 ms through SupervisorOptions::on_status), so a metrics library
// that mirrors counters at instrumentation points would add a dependency
// (and an embedded web server) for no gain. Bind it to loopback unless the
// network in between is trusted: it has no authentication.
#ifndef NEWSFLOW_RUNNER_OBSERVE_METRICS_H_
#define NEWSFLOW_RUNNER_OBSERVE_METRICS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "newsflow/v1/control.pb.h"

namespace newsflow {

// A stage replica that has not reported for this long is unhealthy (it is
// hung inside a call, or its process is wedged).
inline constexpr absl::Duration kHealthReportDeadline = absl::Seconds(10);
// The runner refreshes the status every ~500 ms; older means it is stuck.
inline constexpr absl::Duration kHealthStatusDeadline = absl::Seconds(5);

// Every metric of `status` in the Prometheus text format. Metric names:
//   newsflow_pipeline_start_time_seconds                      gauge
//   newsflow_stage_up{stage,replica,type}                     gauge 1/0
//   newsflow_stage_restarts_total{...}                        counter
//   newsflow_stage_received_total / _emitted_total / _completed_total
//   newsflow_stage_errors_total / _dead_letters_total         counters
//   newsflow_stage_received_bytes_total / _emitted_bytes_total
//   newsflow_stage_busy_seconds_total / _blocked_seconds_total
//   newsflow_stage_processing_seconds{...}                    histogram
//   newsflow_stage_peak_rss_bytes / _pending_acks             gauges
//   newsflow_stage_queue_messages{stage} / _queue_fill_ratio  gauges
// Every sample also has a `pipeline` label; retired replicas (replaced by
// a reload) are left out.
std::string PrometheusText(const v1::PipelineStatus& status);

struct Health {
  bool ok = false;
  std::vector<std::string> problems;
  // The /health response body (JSON).
  std::string body;
};

// Healthy: a status no older than kHealthStatusDeadline, and every replica
// running and reporting within kHealthReportDeadline (a replica that has
// not reported yet is given that long from the pipeline's start).
Health CheckHealth(const v1::PipelineStatus* status, absl::Time now);

class MetricsServer {
 public:
  // Binds address:port (port 0: any free port) and starts serving.
  static absl::StatusOr<std::unique_ptr<MetricsServer>> Start(
      const std::string& address, int port);
  ~MetricsServer();  // stops the thread and closes the socket
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  // Replaces the status the server answers from. Thread-safe.
  void Update(const v1::PipelineStatus& status);

  int port() const;
  // "http://ADDRESS:PORT"
  std::string url() const;

 private:
  class Impl;
  explicit MetricsServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace newsflow

#endif  // NEWSFLOW_RUNNER_OBSERVE_METRICS_H_
