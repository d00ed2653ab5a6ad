// The observability modules on synthetic status snapshots: the pipeline
// view and its bottleneck rule, Prometheus text and /health, the metrics
// HTTP server, top's table and JSON, the DOT graph, log lines, progress,
// tail's --where language and its gap counting.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "runner/config/config.h"
#include "runner/host/stage_host.h"
#include "runner/observe/graph.h"
#include "runner/observe/log.h"
#include "runner/observe/metrics.h"
#include "runner/observe/pipeline_view.h"
#include "runner/observe/progress.h"
#include "runner/observe/tail.h"
#include "runner/observe/top.h"
#include "runner/observe/where.h"

namespace newsflow {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr int64_t kStartMs = 1'700'000'000'000;

struct ReplicaSpec {
  std::string stage;
  int64_t received = 0;
  int64_t emitted = 0;
  double busy_seconds = 0;
  double blocked_seconds = 0;
  std::string state = "running";
  std::vector<int64_t> buckets = {};
};

// A three-stage chain source -> work -> sink at `seconds` after the start.
v1::PipelineStatus Status(double seconds,
                          const std::vector<ReplicaSpec>& replicas) {
  v1::PipelineStatus status;
  status.set_pipeline("demo");
  status.set_config_path("/srv/demo.yaml");
  status.set_started_unix_ms(kStartMs);
  status.set_now_unix_ms(kStartMs + static_cast<int64_t>(seconds * 1000));
  (*status.mutable_inputs())["source"] = "";
  (*status.mutable_inputs())["work"] = "source";
  (*status.mutable_inputs())["sink"] = "work";
  for (const auto& spec : replicas) {
    v1::ReplicaStatus* r = status.add_replicas();
    r->set_stage(spec.stage);
    r->set_replica(0);
    r->set_type(spec.stage == "source" ? "ingest" : spec.stage);
    r->set_state(spec.state);
    r->set_last_report_unix_ms(status.now_unix_ms());
    v1::StageReport* t = r->mutable_totals();
    t->set_stage(spec.stage);
    t->set_pid(100);
    t->set_received(spec.received);
    t->set_emitted(spec.emitted);
    t->set_completed(spec.received);
    t->set_busy_ns(static_cast<int64_t>(spec.busy_seconds * 1e9));
    t->set_blocked_ns(static_cast<int64_t>(spec.blocked_seconds * 1e9));
    for (int i = 0; i < kLatencyBuckets; ++i) {
      t->add_latency_buckets(
          i < static_cast<int>(spec.buckets.size()) ? spec.buckets[i] : 0);
    }
  }
  return status;
}

// ---- Pipeline view and bottleneck -----------------------------------------

TEST(LatencyQuantileTest, InterpolatesInsideTheBucket) {
  // 100 calls, all in the (100, 300] us bucket.
  std::vector<int64_t> buckets(kLatencyBuckets, 0);
  buckets[3] = 100;
  EXPECT_DOUBLE_EQ(*LatencyQuantileUs(buckets, 0.5), 200);
  EXPECT_DOUBLE_EQ(*LatencyQuantileUs(buckets, 1.0), 300);
  // 90 fast (<= 10 us) and 10 in (1, 3] ms: p50 is fast, p99 is slow.
  std::vector<int64_t> mixed(kLatencyBuckets, 0);
  mixed[0] = 90;
  mixed[5] = 10;
  EXPECT_LE(*LatencyQuantileUs(mixed, 0.5), 10);
  EXPECT_GT(*LatencyQuantileUs(mixed, 0.99), 1000);
  EXPECT_LE(*LatencyQuantileUs(mixed, 0.99), 3000);
  // The overflow bucket reports the last bound.
  std::vector<int64_t> slow(kLatencyBuckets, 0);
  slow[kLatencyBuckets - 1] = 5;
  EXPECT_DOUBLE_EQ(*LatencyQuantileUs(slow, 0.5),
                   kLatencyBucketBoundsUs[kLatencyBuckets - 2]);
  EXPECT_FALSE(LatencyQuantileUs(std::vector<int64_t>(kLatencyBuckets, 0), 0.5)
                   .has_value());
}

TEST(PipelineViewTest, RatesSharesAndQueuesCoverTheInterval) {
  v1::PipelineStatus before = Status(10, {{"source", 0, 1000, 1, 0},
                                          {"work", 900, 900, 5, 0},
                                          {"sink", 800, 0, 1, 0}});
  std::vector<int64_t> buckets(kLatencyBuckets, 0);
  buckets[4] = 200;  // (300, 1000] us
  v1::PipelineStatus after =
      Status(12, {{"source", 0, 1400, 1.2, 0},
                  {"work", 1100, 1100, 6.5, 0.1, "running", buckets},
                  {"sink", 1000, 0, 1.1, 0}});
  PipelineView view = MakePipelineView(after, &before);
  EXPECT_DOUBLE_EQ(view.interval_seconds, 2);
  ASSERT_EQ(view.stages.size(), 3u);
  EXPECT_EQ(view.stages[0].name, "source");
  EXPECT_TRUE(view.stages[0].source);
  EXPECT_FALSE(view.stages[0].queue_fill.has_value());
  EXPECT_TRUE(view.stages[2].sink);
  const StageView& work = *view.FindStage("work");
  EXPECT_DOUBLE_EQ(work.in_per_second, 100);
  EXPECT_DOUBLE_EQ(work.busy_share, 0.75);
  EXPECT_DOUBLE_EQ(work.blocked_share, 0.05);
  EXPECT_EQ(*work.queue_messages, 300);  // 1400 emitted upstream - 1100
  EXPECT_DOUBLE_EQ(*work.queue_fill, 300.0 / kDefaultHighWaterMark);
  const ReplicaView& replica = view.replicas[1];
  EXPECT_EQ(replica.stage, "work");
  EXPECT_GT(*replica.p50_us, 300);
  EXPECT_LE(*replica.p99_us, 1000);
  // Without calls in the interval there is no latency to show.
  EXPECT_FALSE(view.replicas[2].p50_us.has_value());
  // Without a previous snapshot: averages since the start.
  PipelineView since_start = MakePipelineView(after, nullptr);
  EXPECT_DOUBLE_EQ(since_start.interval_seconds, 12);
  EXPECT_NEAR(since_start.FindStage("work")->in_per_second, 1100 / 12.0, 1e-9);
}

TEST(PipelineViewTest, TheBusyStageItsUpstreamWaitsOnIsTheBottleneck) {
  v1::PipelineStatus before = Status(10, {{"source", 0, 100, 1, 2},
                                          {"work", 100, 100, 5, 0},
                                          {"sink", 100, 0, 1, 0}});
  v1::PipelineStatus after = Status(11, {{"source", 0, 200, 1.1, 2.7},
                                         {"work", 200, 200, 5.95, 0},
                                         {"sink", 200, 0, 1.05, 0}});
  PipelineView view = MakePipelineView(after, &before);
  EXPECT_EQ(view.bottleneck, "work");
  EXPECT_THAT(view.bottleneck_reason, HasSubstr("busy 95%"));
  EXPECT_THAT(view.bottleneck_reason, HasSubstr("source waits on it 70%"));
  EXPECT_TRUE(view.FindStage("work")->bottleneck);
  EXPECT_FALSE(view.FindStage("source")->bottleneck);
  EXPECT_TRUE(view.replicas[1].bottleneck);
  EXPECT_FALSE(view.replicas[2].bottleneck);
}

TEST(PipelineViewTest, AStageHeldBackByItsOutputIsNotTheBottleneck) {
  // work is busy but blocked 60% on the sink, which is saturated.
  v1::PipelineStatus before = Status(10, {{"source", 0, 100, 0, 0},
                                          {"work", 100, 100, 0, 0},
                                          {"sink", 100, 0, 0, 0}});
  v1::PipelineStatus after = Status(11, {{"source", 0, 150, 0.1, 0},
                                         {"work", 150, 150, 0.9, 0.6},
                                         {"sink", 150, 0, 0.99, 0}});
  EXPECT_EQ(MakePipelineView(after, &before).bottleneck, "sink");
}

TEST(PipelineViewTest, NoStageUnderPressureMeansNoBottleneck) {
  v1::PipelineStatus before = Status(10, {{"source", 0, 100, 0, 0},
                                          {"work", 100, 100, 0, 0},
                                          {"sink", 100, 0, 0, 0}});
  v1::PipelineStatus after = Status(11, {{"source", 0, 110, 0.01, 0},
                                         {"work", 110, 110, 0.05, 0},
                                         {"sink", 110, 0, 0.02, 0}});
  PipelineView view = MakePipelineView(after, &before);
  EXPECT_EQ(view.bottleneck, "");
  for (const auto& stage : view.stages) EXPECT_FALSE(stage.bottleneck);
}

TEST(PipelineViewTest, AFullInputQueueIsPressureEvenWhenIdleLooking) {
  v1::PipelineStatus before = Status(10, {{"source", 0, 2000, 0, 0},
                                          {"work", 1000, 1000, 0, 0},
                                          {"sink", 1000, 0, 0, 0}});
  v1::PipelineStatus after = Status(11, {{"source", 0, 2000, 0, 0},
                                         {"work", 1100, 1100, 0.3, 0},
                                         {"sink", 1100, 0, 0.01, 0}});
  PipelineView view = MakePipelineView(after, &before);
  EXPECT_EQ(view.bottleneck, "work");
  EXPECT_THAT(view.bottleneck_reason, HasSubstr("input queue 90% full"));
}

TEST(PipelineViewTest, RetiredReplicasCountForQueuesButAreNotShown) {
  v1::PipelineStatus status = Status(5, {{"source", 0, 50, 0, 0},
                                         {"work", 30, 30, 0, 0, "retired"},
                                         {"work", 20, 20, 0, 0},
                                         {"sink", 50, 0, 0, 0}});
  PipelineView view = MakePipelineView(status, nullptr);
  EXPECT_EQ(view.replicas.size(), 3u);
  EXPECT_EQ(view.FindStage("work")->replicas, 1);
  EXPECT_EQ(*view.FindStage("work")->queue_messages, 0);
}

// ---- Prometheus and /health ------------------------------------------------

TEST(PrometheusTextTest, ExposesCountersHistogramsAndQueues) {
  std::vector<int64_t> buckets(kLatencyBuckets, 0);
  buckets[0] = 3;
  buckets[2] = 2;
  buckets[kLatencyBuckets - 1] = 1;
  v1::PipelineStatus status =
      Status(4, {{"source", 0, 10, 0.5, 0},
                 {"work", 7, 6, 1.5, 0.25, "running", buckets},
                 {"sink", 6, 0, 0.1, 0}});
  status.mutable_replicas(1)->set_restarts(2);
  const std::string text = PrometheusText(status);
  const std::string work =
      "pipeline=\"demo\",stage=\"work\",replica=\"0\",type=\"work\"";
  EXPECT_THAT(text, HasSubstr("# TYPE newsflow_stage_received_total counter"));
  EXPECT_THAT(text, HasSubstr("newsflow_stage_received_total{" + work + "} 7"));
  EXPECT_THAT(text, HasSubstr("newsflow_stage_emitted_total{" + work + "} 6"));
  EXPECT_THAT(text, HasSubstr("newsflow_stage_restarts_total{" + work + "} 2"));
  EXPECT_THAT(text, HasSubstr("newsflow_stage_up{" + work + "} 1"));
  EXPECT_THAT(text, HasSubstr("newsflow_stage_blocked_seconds_total{" + work +
                              "} 0.25"));
  // Buckets are cumulative and end with +Inf == _count.
  EXPECT_THAT(text, HasSubstr("newsflow_stage_processing_seconds_bucket{" +
                              work + ",le=\"1e-05\"} 3"));
  EXPECT_THAT(text, HasSubstr("newsflow_stage_processing_seconds_bucket{" +
                              work + ",le=\"0.0001\"} 5"));
  EXPECT_THAT(text, HasSubstr("newsflow_stage_processing_seconds_bucket{" +
                              work + ",le=\"+Inf\"} 6"));
  EXPECT_THAT(text, HasSubstr("newsflow_stage_processing_seconds_count{" +
                              work + "} 6"));
  EXPECT_THAT(text, HasSubstr("newsflow_stage_queue_messages{pipeline=\"demo\","
                              "stage=\"work\"} 3"));
  // Every sample line is "name{labels} value".
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    if (absl::StartsWith(line, "#")) continue;
    EXPECT_THAT(std::string(line),
                ::testing::MatchesRegex("[a-z_]+\\{[^}]*\\} [-+.e0-9]+"))
        << line;
  }
}

TEST(PrometheusTextTest, EscapesLabelValues) {
  v1::PipelineStatus status = Status(1, {{"source", 0, 1, 0, 0}});
  status.set_pipeline("a\"b\\c");
  EXPECT_THAT(PrometheusText(status), HasSubstr("pipeline=\"a\\\"b\\\\c\""));
}

TEST(HealthTest, NamesEveryProblem) {
  v1::PipelineStatus status = Status(30, {{"source", 0, 1, 0, 0},
                                          {"work", 1, 1, 0, 0, "restarting"},
                                          {"sink", 1, 0, 0, 0}});
  const absl::Time now = absl::FromUnixMillis(status.now_unix_ms());
  status.mutable_replicas(2)->set_last_report_unix_ms(status.now_unix_ms() -
                                                      20000);
  Health health = CheckHealth(&status, now);
  EXPECT_FALSE(health.ok);
  EXPECT_THAT(health.problems,
              ::testing::UnorderedElementsAre(
                  "work.0 is restarting", "sink.0 has not reported for 20s"));
  EXPECT_THAT(health.body, HasSubstr("\"status\":\"unhealthy\""));

  v1::PipelineStatus good = Status(30, {{"source", 0, 1, 0, 0}});
  EXPECT_TRUE(CheckHealth(&good, now).ok);
  EXPECT_FALSE(CheckHealth(&good, now + absl::Seconds(60)).ok);
  EXPECT_FALSE(CheckHealth(nullptr, now).ok);
}

// A raw HTTP/1.1 exchange with the server on 127.0.0.1:port.
std::string HttpRequest(int port, const std::string& request) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address = {};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) !=
      0) {
    close(fd);
    return "";
  }
  (void)!write(fd, request.data(), request.size());
  std::string response;
  char buffer[4096];
  ssize_t n;
  while ((n = read(fd, buffer, sizeof(buffer))) > 0) {
    response.append(buffer, static_cast<size_t>(n));
  }
  close(fd);
  return response;
}

TEST(MetricsServerTest, ServesMetricsAndHealthOverHttp) {
  absl::StatusOr<std::unique_ptr<MetricsServer>> server =
      MetricsServer::Start("127.0.0.1", 0);
  ASSERT_TRUE(server.ok()) << server.status();
  const int port = (*server)->port();
  ASSERT_GT(port, 0);
  EXPECT_EQ((*server)->url(), absl::StrCat("http://127.0.0.1:", port));

  // Before the first status: 503 on both.
  EXPECT_THAT(HttpRequest(port, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"),
              HasSubstr("HTTP/1.1 503"));

  v1::PipelineStatus status = Status(1, {{"source", 0, 42, 0, 0}});
  status.set_now_unix_ms(absl::ToUnixMillis(absl::Now()));
  status.mutable_replicas(0)->set_last_report_unix_ms(status.now_unix_ms());
  (*server)->Update(status);
  const std::string metrics =
      HttpRequest(port, "GET /metrics?x=1 HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_THAT(metrics, HasSubstr("HTTP/1.1 200 OK"));
  EXPECT_THAT(metrics, HasSubstr("text/plain; version=0.0.4"));
  EXPECT_THAT(metrics, HasSubstr("newsflow_stage_emitted_total{"));
  EXPECT_THAT(metrics, HasSubstr("} 42\n"));
  const std::string health = HttpRequest(port, "GET /health HTTP/1.0\r\n\r\n");
  EXPECT_THAT(health, HasSubstr("HTTP/1.1 200 OK"));
  EXPECT_THAT(health, HasSubstr("\"status\":\"ok\""));
  EXPECT_THAT(HttpRequest(port, "GET /nope HTTP/1.1\r\n\r\n"),
              HasSubstr("HTTP/1.1 404"));
  EXPECT_THAT(HttpRequest(port, "POST /metrics HTTP/1.1\r\n\r\n"),
              HasSubstr("HTTP/1.1 405"));
  const std::string head = HttpRequest(port, "HEAD /metrics HTTP/1.1\r\n\r\n");
  EXPECT_THAT(head, HasSubstr("HTTP/1.1 200 OK"));
  EXPECT_THAT(head, Not(HasSubstr("newsflow_stage")));
  EXPECT_THAT(HttpRequest(port, "garbage\r\n\r\n"), HasSubstr("HTTP/1.1 400"));
}

TEST(MetricsServerTest, ABusyPortIsAnErrorNamingIt) {
  absl::StatusOr<std::unique_ptr<MetricsServer>> first =
      MetricsServer::Start("127.0.0.1", 0);
  ASSERT_TRUE(first.ok());
  absl::StatusOr<std::unique_ptr<MetricsServer>> second =
      MetricsServer::Start("127.0.0.1", (*first)->port());
  ASSERT_FALSE(second.ok());
  EXPECT_THAT(std::string(second.status().message()),
              HasSubstr(absl::StrCat("127.0.0.1:", (*first)->port())));
}

// ---- top ------------------------------------------------------------------

PipelineView BottleneckView() {
  v1::PipelineStatus before = Status(10, {{"source", 0, 100, 1, 2},
                                          {"work", 100, 100, 5, 0},
                                          {"sink", 100, 0, 1, 0}});
  std::vector<int64_t> buckets(kLatencyBuckets, 0);
  buckets[6] = 100;
  v1::PipelineStatus after =
      Status(11, {{"source", 0, 200, 1.1, 2.7},
                  {"work", 200, 200, 5.95, 0, "running", buckets},
                  {"sink", 200, 0, 1.05, 0}});
  return MakePipelineView(after, &before);
}

TEST(TopTest, TheTableFitsEightyColumnsAndMarksTheBottleneck) {
  const std::string table = RenderTop(BottleneckView(), 79);
  for (absl::string_view line : absl::StrSplit(table, '\n')) {
    EXPECT_LE(line.size(), 79u) << line;
  }
  EXPECT_THAT(table, HasSubstr("*work.0"));
  EXPECT_THAT(table, HasSubstr(" source.0"));
  EXPECT_THAT(table, HasSubstr("* bottleneck: work"));
  EXPECT_THAT(table, HasSubstr("STAGE"));
  EXPECT_THAT(table, HasSubstr("QUEUE"));
}

TEST(TopTest, TheTableStartsWithTotalsAndTheRateWindow) {
  const std::string table = RenderTop(BottleneckView(), 79);
  EXPECT_THAT(table, HasSubstr("  totals: 200 read, "));
  EXPECT_THAT(table, HasSubstr("0 errors; rates over the last 1s"));
}

v1::PipelineStatus Snapshot(int64_t started_ms, int64_t now_ms) {
  v1::PipelineStatus status;
  status.set_started_unix_ms(started_ms);
  status.set_now_unix_ms(now_ms);
  return status;
}

TEST(TopTest, RatesAverageOverTheWindowNotTheLastRefresh) {
  StatusWindow window(absl::Seconds(10));
  window.Add(Snapshot(0, 1000));
  EXPECT_EQ(window.Base(), nullptr);  // one snapshot measures nothing
  for (int64_t t = 2; t <= 30; ++t) window.Add(Snapshot(0, t * 1000));
  ASSERT_NE(window.Base(), nullptr);
  EXPECT_EQ(window.Base()->now_unix_ms(), 20000);  // 10 s before the newest
  EXPECT_EQ(window.Newest()->now_unix_ms(), 30000);
  // Refreshes slower than the window: the one before the newest.
  StatusWindow slow(absl::Seconds(1));
  slow.Add(Snapshot(0, 1000));
  slow.Add(Snapshot(0, 5000));
  slow.Add(Snapshot(0, 9000));
  EXPECT_EQ(slow.Base()->now_unix_ms(), 5000);
  // A restarted pipeline starts a new window.
  window.Add(Snapshot(31000, 31500));
  EXPECT_EQ(window.Base(), nullptr);
}

TEST(TopTest, JsonIsOneParsableObject) {
  const std::string json = TopJson(BottleneckView());
  EXPECT_EQ(json.find('\n'), std::string::npos);
  google::protobuf::Struct parsed;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(json, &parsed).ok())
      << json;
  const auto& fields = parsed.fields();
  EXPECT_EQ(fields.at("bottleneck").string_value(), "work");
  const auto& replicas = fields.at("replicas").list_value();
  ASSERT_EQ(replicas.values_size(), 3);
  const auto& work = replicas.values(1).struct_value().fields();
  EXPECT_EQ(work.at("stage").string_value(), "work");
  EXPECT_TRUE(work.at("bottleneck").bool_value());
  EXPECT_DOUBLE_EQ(work.at("busy").number_value(), 0.95);
  EXPECT_GT(work.at("p50_ms").number_value(), 3);
  const auto& source = replicas.values(0).struct_value().fields();
  EXPECT_TRUE(source.at("queue_fill").has_null_value());
  EXPECT_TRUE(source.at("p50_ms").has_null_value());
}

// ---- graph ------------------------------------------------------------------

PipelinePlan ChainPlan() {
  PipelinePlan plan;
  plan.pipeline = "demo";
  auto add = [&](const std::string& name, nf_stage_kind kind,
                 std::vector<std::string> inputs) {
    StagePlan stage;
    stage.name = name;
    stage.type = name == "source" ? "ingest" : name;
    stage.kind = kind;
    stage.inputs = std::move(inputs);
    ReplicaPlan replica;
    if (kind != NF_STAGE_SOURCE) {
      replica.input_endpoint = "ipc:///run/" + name + ".0.in";
    }
    replica.tap_endpoint = "ipc:///run/" + name + ".0.tap";
    stage.replicas.push_back(replica);
    plan.stages.push_back(stage);
  };
  add("source", NF_STAGE_SOURCE, {});
  add("work", NF_STAGE_TRANSFORM, {"source"});
  add("sink", NF_STAGE_SINK, {"work"});
  return plan;
}

TEST(GraphTest, LabelsStagesAndLiveEdges) {
  const std::string still = PipelineDot(ChainPlan(), nullptr);
  EXPECT_THAT(still, HasSubstr("digraph \"demo\""));
  EXPECT_THAT(still, HasSubstr("type: ingest (source)"));
  EXPECT_THAT(still, HasSubstr("1 replica"));
  EXPECT_THAT(still, HasSubstr("0 in:  ipc:///run/work.0.in\\l"));
  EXPECT_THAT(still, HasSubstr("\"source\" -> \"work\";"));
  EXPECT_THAT(still, Not(HasSubstr("-> \"work\" [label")));
  EXPECT_THAT(still, Not(HasSubstr("BOTTLENECK")));

  PipelineView view = BottleneckView();
  const std::string live = PipelineDot(ChainPlan(), &view);
  EXPECT_THAT(live, HasSubstr("\"source\" -> \"work\" [label=\"100/s\\n\"]"));
  EXPECT_THAT(live, HasSubstr("BOTTLENECK"));
  EXPECT_THAT(live, HasSubstr("color=red"));
}

// ---- log lines --------------------------------------------------------------

TEST(LogTest, StageLinesKeepTheirLevelAndEverythingElse) {
  LogRecord warning = StageLineRecord("clean", 1, 4242, "warning: odd input");
  EXPECT_EQ(warning.level, "warning");
  EXPECT_EQ(warning.message, "odd input");
  LogRecord raw = StageLineRecord("clean", 1, 4242, "terminate called");
  EXPECT_EQ(raw.level, "info");
  EXPECT_EQ(raw.message, "terminate called");
  EXPECT_EQ(FormatLogRecord(warning, LogFormat::kText),
            "[clean.1 pid 4242] warning: odd input\n");
}

TEST(LogTest, JsonLinesHaveEveryFieldAndStayValid) {
  LogRecord record;
  record.time = absl::FromUnixMillis(kStartMs + 5);
  record.level = "error";
  record.stage = "tag";
  record.replica = 0;
  record.pid = 77;
  record.message = "bad \"quote\"\n\x01 and \xff byte";
  const std::string line = FormatLogRecord(record, LogFormat::kJson);
  ASSERT_EQ(line.back(), '\n');
  google::protobuf::Struct parsed;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(line, &parsed).ok())
      << line;
  const auto& f = parsed.fields();
  EXPECT_EQ(f.at("time").string_value(), "2023-11-14T22:13:20.005Z");
  EXPECT_EQ(f.at("level").string_value(), "error");
  EXPECT_EQ(f.at("stage").string_value(), "tag");
  EXPECT_EQ(f.at("replica").number_value(), 0);
  EXPECT_EQ(f.at("pid").number_value(), 77);
  EXPECT_EQ(f.at("message").string_value(),
            "bad \"quote\"\n\x01 and \xef\xbf\xbd byte");

  LogRecord runner;
  runner.level = "info";
  runner.stage = "runner";
  runner.pid = 1;
  runner.message = "started";
  EXPECT_THAT(FormatLogRecord(runner, LogFormat::kJson),
              HasSubstr("\"replica\":null"));
  EXPECT_EQ(FormatLogRecord(runner, LogFormat::kText),
            "[runner] info: started\n");
  EXPECT_FALSE(ParseLogFormat("xml").ok());
}

// ---- progress ---------------------------------------------------------------

TEST(ProgressTest, ReadStoredRateAndEta) {
  ProgressReporter reporter(ProgressMode::kLog, absl::Hours(1));
  v1::PipelineStatus first = Status(1, {{"source", 0, 100, 0, 0},
                                        {"work", 100, 100, 0, 0},
                                        {"sink", 50, 0, 0, 0}});
  reporter.Update(first);
  EXPECT_EQ(reporter.progress().read, 100);
  EXPECT_EQ(reporter.progress().stored, 50);
  EXPECT_FALSE(reporter.progress().total_known);
  EXPECT_FALSE(reporter.progress().eta.has_value());

  v1::PipelineStatus second = Status(3, {{"source", 0, 400, 0, 0},
                                         {"work", 300, 300, 0, 0},
                                         {"sink", 250, 0, 0, 0}});
  second.mutable_replicas(0)->mutable_totals()->set_source_done(true);
  reporter.Update(second);
  const Progress& p = reporter.progress();
  EXPECT_TRUE(p.total_known);
  EXPECT_DOUBLE_EQ(p.per_second, 100);  // 200 stored in 2 s
  ASSERT_TRUE(p.eta.has_value());
  EXPECT_EQ(*p.eta, absl::Seconds(1.5));  // 150 left at 100/s
  EXPECT_EQ(FormatProgress(p),
            "400 read, 250/400 stored (62%), 100/s, ETA 2s, 3.0s elapsed");
  EXPECT_EQ(ParseProgressMode("auto", true, true).value(), ProgressMode::kLine);
  EXPECT_EQ(ParseProgressMode("auto", true, false).value(), ProgressMode::kLog);
  EXPECT_EQ(ParseProgressMode("auto", false, true).value(), ProgressMode::kOff);
  EXPECT_FALSE(ParseProgressMode("loud", true, true).ok());
}

TEST(ProgressTest, WhileSourcesReadTheEtaComesFromBytes) {
  ProgressReporter reporter(ProgressMode::kLog, absl::Hours(1));
  auto with_bytes = [](v1::PipelineStatus status, int64_t read, int64_t total) {
    v1::SourceProgress* source =
        status.mutable_replicas(0)->mutable_totals()->add_sources();
    source->set_name("files /in");
    source->set_bytes_read(read);
    source->set_bytes_total(total);
    return status;
  };
  reporter.Update(
      with_bytes(Status(1, {{"source", 0, 10, 0, 0}, {"sink", 5, 0, 0, 0}}),
                 1'000'000, 5'000'000));
  reporter.Update(
      with_bytes(Status(3, {{"source", 0, 30, 0, 0}, {"sink", 25, 0, 0, 0}}),
                 2'000'000, 5'000'000));
  const Progress& p = reporter.progress();
  EXPECT_FALSE(p.total_known);
  EXPECT_EQ(p.bytes_read, 2'000'000);
  ASSERT_TRUE(p.eta.has_value());
  EXPECT_EQ(*p.eta, absl::Seconds(6));  // 3 MB left at 0.5 MB/s
  EXPECT_EQ(FormatProgress(p),
            "2.0 MB of 5.0 MB read (40%), 30 read, 25 stored, 10/s, ETA 6s, "
            "3.0s elapsed");
}

// ---- tail -------------------------------------------------------------------

v1::Article SampleArticle() {
  v1::Article article;
  article.set_id("a1b2c3d4e5f6a7b8");
  article.set_title("Ceasefire holds in the northern valley");
  article.set_language("en");
  article.set_language_confidence(0.97);
  article.set_source("files");
  article.set_published_at("2024-03-02T08:00:00Z");
  article.add_keywords("ceasefire");
  auto* person = article.add_entities();
  person->set_text("Gaddafi");
  person->set_canonical("Muammar Gaddafi");
  person->set_type(v1::PERSON);
  auto* place = article.add_entities();
  place->set_text("Tripoli");
  place->set_canonical("Tripoli");
  place->set_type(v1::LOC);
  (*article.mutable_metadata())["desk"] = "world";
  (*article.mutable_metadata())["word_count"] = "640";
  return article;
}

bool Matches(const std::string& expression) {
  absl::StatusOr<WhereExpression> where =
      WhereExpression::Parse(expression, v1::Article::descriptor());
  EXPECT_TRUE(where.ok()) << where.status();
  return where.ok() && where->Matches(SampleArticle());
}

std::string ParseError(const std::string& expression) {
  absl::StatusOr<WhereExpression> where =
      WhereExpression::Parse(expression, v1::Article::descriptor());
  return where.ok() ? "" : std::string(where.status().message());
}

TEST(WhereTest, ComparesFieldsThroughListsAndMaps) {
  EXPECT_TRUE(Matches("language == \"en\""));
  EXPECT_FALSE(Matches("language == 'fr'"));
  EXPECT_TRUE(Matches("entities.canonical == \"Muammar Gaddafi\""));
  EXPECT_FALSE(Matches("entities.canonical == \"Gaddafi\""));
  EXPECT_TRUE(Matches("title ~ \"CEASEFIRE\""));
  EXPECT_TRUE(Matches("title !~ \"election\""));
  EXPECT_TRUE(Matches("entities.type == PERSON"));
  EXPECT_TRUE(Matches("entities.type == loc && language_confidence > 0.9"));
  EXPECT_FALSE(Matches("entities.type == ORG"));
  EXPECT_TRUE(Matches("entities.type != ORG"));
  EXPECT_FALSE(Matches("keywords != \"ceasefire\""));
  EXPECT_TRUE(Matches("metadata.desk == \"world\""));
  EXPECT_FALSE(Matches("metadata.missing == \"world\""));
  EXPECT_TRUE(Matches("published_at >= \"2024-01-01\""));
  EXPECT_TRUE(Matches("entities and not warnings"));
  EXPECT_TRUE(
      Matches("language == \"fr\" or (title ~ \"valley\" and "
              "source == \"files\")"));
  EXPECT_FALSE(Matches("not (language == \"en\")"));
  EXPECT_TRUE(Matches("entities.mentions == 0"));
}

TEST(WhereTest, TextThatHoldsANumberComparesAsANumber) {
  // Lexically "640" < "90"; as numbers it is not.
  EXPECT_TRUE(Matches("metadata.word_count > 500"));
  EXPECT_TRUE(Matches("metadata.word_count > 90"));
  EXPECT_FALSE(Matches("metadata.word_count < 90"));
  EXPECT_TRUE(Matches("metadata.word_count == 640.0"));
  EXPECT_TRUE(Matches("metadata.word_count != 641"));
  // Text that is not a number never satisfies a numeric comparison.
  EXPECT_FALSE(Matches("metadata.desk > 1"));
  EXPECT_FALSE(Matches("metadata.missing > 1"));
  // Quoted, the value is text and compares as text.
  EXPECT_FALSE(Matches("metadata.word_count > \"90\""));
}

TEST(WhereTest, MistakesAreErrorsWithAColumn) {
  EXPECT_THAT(ParseError("langauge == \"en\""),
              HasSubstr("column 1: no field 'langauge' in Article (fields: "));
  EXPECT_THAT(ParseError("language = \"en\""),
              HasSubstr("column 10: use '==' to compare"));
  EXPECT_THAT(ParseError("language == en"),
              HasSubstr("'language' is text; quote the value"));
  EXPECT_THAT(ParseError("entities == \"x\""), HasSubstr("entities.canonical"));
  EXPECT_THAT(ParseError("entities.type == PRESIDENT"),
              HasSubstr("values: ENTITY_TYPE_UNSPECIFIED, PERSON"));
  EXPECT_THAT(ParseError("language_confidence ~ \"9\""),
              HasSubstr("~ works on text"));
  EXPECT_THAT(ParseError("(language == \"en\""), HasSubstr("expected ')'"));
  EXPECT_THAT(ParseError("title ~ \"open"), HasSubstr("unterminated string"));
  EXPECT_THAT(ParseError(""), HasSubstr("empty"));
  EXPECT_THAT(ParseError("language == \"en\" \"fr\""),
              HasSubstr("expected and, or or the end"));
}

TEST(TailTest, SequenceGapsCountMissedMessages) {
  TapSequence sequence;
  EXPECT_EQ(sequence.Observe(500), 0);  // joined mid-stream
  EXPECT_EQ(sequence.Observe(501), 0);
  EXPECT_EQ(sequence.Observe(505), 3);
  EXPECT_EQ(sequence.Observe(1), 0);  // the publisher restarted
  EXPECT_EQ(sequence.Observe(3), 1);
}

TEST(TailTest, TextLinesAreOneLineEach) {
  v1::Article article = SampleArticle();
  article.set_title("Two\nlines");
  EXPECT_EQ(ArticleTextLine(article),
            "2024-03-02T08:00:00Z  en  Two lines  [files] a1b2c3d4e5f6  "
            "(Muammar Gaddafi, Tripoli)");
  EXPECT_FALSE(ParseTailFormat("xml").ok());
  EXPECT_EQ(ParseTailFormat("proto").value(), TailFormat::kProto);
}

// ---- config -----------------------------------------------------------------

TEST(MetricsConfigTest, PortOrMapOrNothing) {
  const std::string head = "pipeline: demo\nstages:\n  a: { type: ingest }\n";
  absl::StatusOr<PipelineConfig> none = ParseConfig(head, "/p.yaml");
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_EQ(none->metrics_port, -1);
  absl::StatusOr<PipelineConfig> port =
      ParseConfig(head + "metrics: 9100\n", "/p.yaml");
  ASSERT_TRUE(port.ok()) << port.status();
  EXPECT_EQ(port->metrics_port, 9100);
  EXPECT_EQ(port->metrics_address, "127.0.0.1");
  absl::StatusOr<PipelineConfig> map =
      ParseConfig(head + "metrics: { address: 0.0.0.0 }\n", "/p.yaml");
  ASSERT_TRUE(map.ok()) << map.status();
  EXPECT_EQ(map->metrics_port, 9598);
  EXPECT_EQ(map->metrics_address, "0.0.0.0");
  absl::StatusOr<PipelineConfig> bad =
      ParseConfig(head + "metrics: { port: 70000, bind: x }\n", "/p.yaml");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()),
              HasSubstr("/p.yaml:4:18: metrics port must be an integer"));
  EXPECT_THAT(std::string(bad.status().message()),
              HasSubstr("unknown key 'bind' in metrics"));
}

}  // namespace
}  // namespace newsflow
