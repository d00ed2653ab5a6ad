// newsflow_soak_bench: does any process of a long-running pipeline grow?
//
// Runs `newsflow run` (the real runner and stage processes of the build
// tree) for --minutes on a pipeline fed the way a deployment is: an RSS
// feed on a loopback HTTP server whose items change over time (a new item
// every few seconds, each pointing at an article page the server also
// serves), and a watched folder into which new article files are dropped
// at a steady rate. Ingest polls the feed and watches the folder; clean,
// tag and store (SQLite) follow, and clean runs under `rate_limit`, so the
// feed's bursts queue and drain.
//
// Once a second it samples VmRSS of the runner and of every newsflow-stage
// process (found by `--name RUN_DIR/STAGE.REPLICA` on its command line, so
// a restarted stage is followed under its new pid). The first minute is
// warm-up (the NER model is read, caches fill); after it no process may
// grow by more than 10%. Exits 1 when one did.
//
// All text is generated here from word lists. A benchmark, run on demand:
// nothing here runs in ctest.
//
// Usage: newsflow_soak_bench [--minutes N] [--files-per-second F]
//                            [--feed-item-seconds S] [--out samples.csv]
#include <signal.h>
#include <sys/types.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/proc_stats.h"
#include "bench/soak_bench_articles.h"
#include "tests/integration/harness.h"
#include "tests/support/test_http_server.h"

namespace newsflow {
namespace {

using bench::LoadAverage;
using bench::MiB;
using testing::ChildProcess;
using testing::HttpRequest;
using testing::HttpResponse;
using testing::TempDir;
using testing::TestHttpServer;

constexpr double kWarmUpSeconds = 60;
constexpr double kAllowedGrowth = 0.10;
// RSS at a moment is the median of this many one-second samples around
// it, so one allocation burst at the wrong second does not decide.
constexpr int kWindowSamples = 10;
// Items the feed lists at once: older ones drop off, as on a real site.
constexpr size_t kFeedWindow = 20;

std::atomic<bool> interrupted{false};

// ---------------------------------------------------------------------------
// Synthetic articles (soak_bench_articles.h).

using soak::ArticleText;
using soak::ArticleWriter;

std::string ArticlePage(const ArticleWriter::Article& article) {
  std::string body;
  for (const auto& p : article.paragraphs) {
    absl::StrAppend(&body, "<p>", p, "</p>\n");
  }
  return absl::StrCat(
      "<!doctype html><html><head><meta charset=\"utf-8\"><title>",
      article.title, "</title></head><body><nav>Home | News | Sport</nav>",
      "<article><h1>", article.title, "</h1>\n", body,
      "</article><footer>Share this story</footer></body></html>");
}

// ---------------------------------------------------------------------------
// The feed: the newest kFeedWindow items, with an ETag per version so an
// unchanged feed costs a 304, as from a real server.

class Feed {
 public:
  explicit Feed(TestHttpServer* server) : server_(server) {
    server_->SetHandler("/feed.xml", [this](const HttpRequest& request) {
      return Serve(request);
    });
  }

  void Publish(int64_t number, const ArticleWriter::Article& article) {
    const std::string path = absl::StrCat("/news/", number, ".html");
    server_->Set(path, TestHttpServer::Html(ArticlePage(article)));
    std::lock_guard<std::mutex> lock(mutex_);
    items_.push_back(absl::StrCat(
        "<item><guid>soak-", number, "</guid><link>", server_->Url(path),
        "</link><title>", article.title, "</title><description>",
        article.paragraphs[0], "</description></item>"));
    if (items_.size() > kFeedWindow) items_.erase(items_.begin());
    ++version_;
  }

 private:
  HttpResponse Serve(const HttpRequest& request) {
    std::lock_guard<std::mutex> lock(mutex_);
    const std::string etag = absl::StrCat("\"v", version_, "\"");
    HttpResponse response;
    auto it = request.headers.find("if-none-match");
    if (it != request.headers.end() && it->second == etag) {
      response.status = 304;
      return response;
    }
    response.headers = {{"Content-Type", "application/rss+xml"},
                        {"ETag", etag}};
    response.body = absl::StrCat(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel>"
        "<title>Soak Gazette</title>",
        absl::StrJoin(items_.rbegin(), items_.rend(), ""), "</channel></rss>");
    return response;
  }

  TestHttpServer* server_;
  std::mutex mutex_;
  std::vector<std::string> items_;
  int64_t version_ = 0;
};

// ---------------------------------------------------------------------------
// Sampling.

int64_t VmRssKib(pid_t pid) {
  return bench::ProcStatusKib(absl::StrCat("/proc/", pid, "/status"), "VmRSS");
}

struct Sample {
  double seconds;
  int64_t rss_kib;
};

struct ProcessTrack {
  pid_t pid = 0;
  int pids_seen = 0;  // > 1: restarted
  std::vector<Sample> samples;
};

int64_t MedianRss(std::vector<int64_t> values) {
  if (values.empty()) return 0;
  std::nth_element(values.begin(), values.begin() + values.size() / 2,
                   values.end());
  return values[values.size() / 2];
}

// The median of the kWindowSamples samples from `from` on.
int64_t RssFrom(const ProcessTrack& track, double from) {
  std::vector<int64_t> window;
  for (const Sample& s : track.samples) {
    if (s.seconds >= from && window.size() < kWindowSamples) {
      window.push_back(s.rss_kib);
    }
  }
  return MedianRss(window);
}

int64_t RssAtEnd(const ProcessTrack& track) {
  std::vector<int64_t> window;
  for (size_t i = track.samples.size() >= kWindowSamples
                      ? track.samples.size() - kWindowSamples
                      : 0;
       i < track.samples.size(); ++i) {
    window.push_back(track.samples[i].rss_kib);
  }
  return MedianRss(window);
}

std::string PipelineYaml(const std::string& dir, const std::string& feed_url,
                         int feed_every_seconds, int clean_rate_limit,
                         int store_cache_mib) {
  return absl::StrCat(
      "# Written by newsflow_soak_bench.\npipeline: soak\nrun_dir: ", dir,
      "/run\nstate_dir: ", dir,
      "/state\nstages:\n"
      "  ingest:\n    type: ingest\n    host_delay_ms: 0\n    sources:\n"
      "      - feed: ",
      feed_url, "\n        every: ", feed_every_seconds,
      "s\n        source: soak-gazette\n"
      "      - files: [inbox]\n        watch: true\n"
      "  clean: { type: clean, inputs: [ingest], rate_limit: ",
      clean_rate_limit,
      " }\n"
      "  tag:   { type: tag,   inputs: [clean] }\n"
      "  store: { type: store, inputs: [tag], path: ",
      dir, "/news.db",
      store_cache_mib > 0
          ? absl::StrCat(", sqlite_cache_mib: ", store_cache_mib)
          : "",
      " }\n");
}

int Main(int argc, char** argv) {
  double minutes = 10;
  double files_per_second = 2;
  double feed_item_seconds = 2;
  int feed_every_seconds = 5;
  int clean_rate_limit = 10;
  int store_cache_mib = 0;
  std::string out_csv;
  CLI::App app{"Soak test: RSS of every newsflow process over a long run"};
  app.add_option("--minutes", minutes, "How long the pipeline runs")
      ->check(CLI::Range(1.5, 24.0 * 60));
  app.add_option("--files-per-second", files_per_second,
                 "Article files dropped into the watched folder per second")
      ->check(CLI::Range(0.1, 100.0));
  app.add_option("--feed-item-seconds", feed_item_seconds,
                 "Seconds between two new feed items")
      ->check(CLI::Range(0.1, 3600.0));
  app.add_option("--feed-every", feed_every_seconds,
                 "The feed source's polling interval in seconds")
      ->check(CLI::Range(1, 3600));
  app.add_option("--rate-limit", clean_rate_limit,
                 "rate_limit of the clean stage (inputs per second)")
      ->check(CLI::Range(1, 100000));
  app.add_option("--store-cache-mib", store_cache_mib,
                 "sqlite_cache_mib of the store (default: the option's "
                 "default); the store reserves this much when it starts")
      ->check(CLI::Range(0, 4096));
  app.add_option("--out", out_csv,
                 "CSV of every sample: seconds,process,pid,rss_kib");
  CLI11_PARSE(app, argc, argv);

  TempDir dir;
  if (dir.path().empty()) return 2;
  TestHttpServer server;
  if (!server.ok()) {
    std::fprintf(stderr, "cannot start the loopback HTTP server\n");
    return 2;
  }
  Feed feed(&server);
  ArticleWriter writer(20261201);
  int64_t next_number = 1;
  int64_t feed_items = 0;
  int64_t files_written = 0;
  // Two items before start, so the first poll already finds something.
  for (int i = 0; i < 2; ++i, ++feed_items) {
    feed.Publish(next_number, writer.Write(next_number));
    ++next_number;
  }
  dir.Write("inbox/.keep", "");
  const std::string config = dir.Write(
      "pipeline.yaml",
      PipelineYaml(dir.path(), server.Url("/feed.xml"), feed_every_seconds,
                   clean_rate_limit, store_cache_mib));
  const std::string run_prefix = dir.path() + "/run/";

  signal(SIGINT, [](int) { interrupted = true; });
  signal(SIGTERM, [](int) { interrupted = true; });

  std::printf(
      "soak: %.1f min; feed polled every %d s, a new item every %.1f s; "
      "%.1f files/s into a watched folder; clean rate_limit %d/s\n"
      "load average at start: %s\n",
      minutes, feed_every_seconds, feed_item_seconds, files_per_second,
      clean_rate_limit, LoadAverage().c_str());
  std::fflush(stdout);

  ChildProcess runner({testing::NewsflowBinary(), "run", config}, dir.path());
  const absl::Time start = absl::Now();
  const absl::Duration length = absl::Seconds(minutes * 60);
  std::map<std::string, ProcessTrack> tracks;
  std::ofstream csv;
  if (!out_csv.empty()) {
    csv.open(out_csv, std::ios::trunc);
    csv << "seconds,process,pid,rss_kib\n";
  }
  double file_credit = 0;
  double item_credit = 0;
  bool runner_died = false;
  for (int64_t tick = 1; !interrupted; ++tick) {
    absl::SleepFor(start + absl::Seconds(tick) - absl::Now());
    const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
    if (seconds > absl::ToDoubleSeconds(length)) break;
    if (runner.Wait(absl::ZeroDuration()) != -1) {
      runner_died = true;
      break;
    }

    for (file_credit += files_per_second; file_credit >= 1; file_credit -= 1) {
      dir.Write(absl::StrCat("inbox/", next_number, ".txt"),
                ArticleText(writer.Write(next_number)));
      ++next_number;
      ++files_written;
    }
    for (item_credit += 1.0 / feed_item_seconds; item_credit >= 1;
         item_credit -= 1) {
      feed.Publish(next_number, writer.Write(next_number));
      ++next_number;
      ++feed_items;
    }

    std::vector<std::pair<std::string, pid_t>> processes =
        testing::NamedStageProcesses(run_prefix);
    processes.emplace_back("runner", runner.pid());
    for (auto& [name, pid] : processes) {
      const std::string label =
          std::string(absl::StripPrefix(name, run_prefix));
      const int64_t rss = VmRssKib(pid);
      if (rss == 0) continue;
      ProcessTrack& track = tracks[label];
      if (track.pid != pid) {
        track.pid = pid;
        ++track.pids_seen;
      }
      track.samples.push_back({seconds, rss});
      if (csv.is_open()) {
        csv << absl::StrFormat("%.1f,%s,%d,%d\n", seconds, label, pid, rss);
      }
    }
    // Flushed each second, so a plot can follow a run in progress.
    if (csv.is_open()) csv.flush();
    if (tick % 60 == 0) {
      std::printf("  %3lld min: %lld stored\n",
                  static_cast<long long>(tick / 60),
                  static_cast<long long>(
                      testing::StoredCount(dir.path() + "/news.db")));
      std::fflush(stdout);
    }
  }
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);

  // The count before the stop: what the pipeline kept up with while
  // sampled, not what the graceful stop drains afterwards.
  const int64_t stored = testing::StoredCount(dir.path() + "/news.db");
  runner.Signal(SIGTERM);
  const int exit_code = runner.Wait(absl::Seconds(30));
  if (csv.is_open()) csv.close();

  std::printf("\n%-10s %5s %10s %10s %10s %9s %8s\n", "process", "pids",
              "1 min MiB", "end MiB", "max MiB", "growth", "result");
  bool failed = runner_died || interrupted;
  for (const auto& [label, track] : tracks) {
    const int64_t at_warm_up = RssFrom(track, kWarmUpSeconds);
    const int64_t at_end = RssAtEnd(track);
    int64_t max_kib = 0;
    for (const Sample& s : track.samples)
      max_kib = std::max(max_kib, s.rss_kib);
    const double growth = at_warm_up > 0
                              ? static_cast<double>(at_end - at_warm_up) /
                                    static_cast<double>(at_warm_up)
                              : 0;
    const bool pass = at_warm_up > 0 && growth <= kAllowedGrowth;
    failed |= !pass;
    std::printf("%-10s %5d %10.1f %10.1f %10.1f %+8.1f%% %8s\n", label.c_str(),
                track.pids_seen, MiB(at_warm_up), MiB(at_end), MiB(max_kib),
                growth * 100, pass ? "PASS" : "FAIL");
  }
  std::printf(
      "\nran %.1f s; produced %lld articles (%lld feed items, %lld files); "
      "stored %lld (%.2f articles/s)\nrunner exit after SIGTERM: %d; load "
      "average at end: %s\n"
      "1 min / end: medians of %d one-second samples from 60 s and at the "
      "end; growth = end / 1 min - 1, bound %+.0f%%; pids > 1: restarted\n",
      seconds, static_cast<long long>(feed_items + files_written),
      static_cast<long long>(feed_items), static_cast<long long>(files_written),
      static_cast<long long>(stored), static_cast<double>(stored) / seconds,
      exit_code, LoadAverage().c_str(), kWindowSamples, kAllowedGrowth * 100);
  if (runner_died) {
    std::printf("the runner exited early:\n%s\n", runner.Stderr().c_str());
  }
  if (interrupted) std::printf("interrupted before the end\n");
  return failed ? 1 : 0;
}

}  // namespace
}  // namespace newsflow

int main(int argc, char** argv) { return newsflow::Main(argc, argv); }
