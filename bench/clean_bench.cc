// newsflow_clean_bench: throughput of the clean stage's cleaner.
//
// Loads the BBC corpus into memory (title = first line, body = the rest,
// as ingest splits a text file; files that are not valid UTF-8 are skipped,
// since ingest converts those first), then cleans every article with
// clean::CleanArticle, several passes per configuration: all steps with
// their defaults, with the repeated-line statistics, and with each step
// switched off in turn. Prints MB/s of input text (title + body) and
// articles/s per configuration, from wall time and from the thread's CPU
// time (the steadier figure on a shared machine). One thread: the stage
// runs one article at a time.
//
// Usage: newsflow_clean_bench [CORPUS_DIR] [--passes N] [--digest]
//                             [--only TEXT]
//
// --only TEXT runs only the configurations whose name holds TEXT (for a
// profiler).
//
// --digest times nothing: it cleans every article once per configuration,
// both as ingest splits it and with the whole text as the body (so the
// title search runs too), and prints a stable hash of the cleaned articles
// (text, removed lines with reasons, facts) per configuration. Two builds
// whose digests agree on a corpus produce byte-identical output on it.
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "common/hash.h"
#include "common/text.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "newsflow/v1/article.pb.h"
#include "stages/clean/cleaner.h"
#include "stages/clean/line_stats.h"
#include "stages/clean/vocabulary.h"

namespace newsflow {
namespace {

struct Configuration {
  const char* name;
  clean::CleanerOptions options;
  bool line_stats = false;
};

double ThreadCpuSeconds() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + now.tv_nsec / 1e9;
}

std::vector<v1::Article> LoadCorpus(const std::filesystem::path& folder,
                                    size_t* bytes) {
  std::vector<std::filesystem::path> files;
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(folder)) {
    const std::string name = entry.path().filename().string();
    if (entry.path().extension() == ".txt" && name.rfind("README", 0) != 0) {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  std::vector<v1::Article> articles;
  *bytes = 0;
  for (const std::filesystem::path& path : files) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    std::string text = buffer.str();
    if (!IsValidUtf8(text)) continue;
    size_t newline = text.find('\n');
    v1::Article article;
    article.set_id(path.string());
    article.set_source("bbc");
    article.set_title(text.substr(0, newline));
    if (newline != std::string::npos)
      article.set_body(text.substr(newline + 1));
    *bytes += article.title().size() + article.body().size();
    articles.push_back(std::move(article));
  }
  return articles;
}

// Prints one StableHash64 per configuration over every cleaned article's
// deterministic serialization, for comparing two builds' output.
int PrintDigests(const std::vector<Configuration>& configurations,
                 const std::vector<v1::Article>& articles) {
  std::vector<v1::Article> inputs;
  for (const v1::Article& article : articles) {
    inputs.push_back(article);
    v1::Article whole = article;
    whole.clear_title();
    whole.set_body(article.title() + "\n" + article.body());
    inputs.push_back(std::move(whole));
  }
  std::string all;
  for (const Configuration& configuration : configurations) {
    clean::LineStats stats;
    std::string serialized;
    for (const v1::Article& input : inputs) {
      v1::Article article = input;
      absl::Status status =
          clean::CleanArticle(configuration.options, &article,
                              configuration.line_stats ? &stats : nullptr);
      if (!status.ok()) {
        std::fprintf(stderr, "%s\n", std::string(status.message()).c_str());
        return 1;
      }
      std::string bytes;
      {
        google::protobuf::io::StringOutputStream stream(&bytes);
        google::protobuf::io::CodedOutputStream coded(&stream);
        coded.SetSerializationDeterministic(true);
        article.SerializeToCodedStream(&coded);
      }
      serialized += StableHashHex(bytes);
    }
    const std::string digest = StableHashHex(serialized);
    all += digest;
    std::printf("| %s | %s |\n", configuration.name, digest.c_str());
  }
  std::printf("| all configurations | %s |\n", StableHashHex(all).c_str());
  return 0;
}

}  // namespace
}  // namespace newsflow

int main(int argc, char** argv) {
  using newsflow::clean::CleanerOptions;
  std::filesystem::path corpus =
      std::filesystem::path(NEWSFLOW_SHARED_DIR) / "corpora" / "bbc";
  int passes = 5;
  bool digest = false;
  std::string only;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--passes") == 0 && i + 1 < argc) {
      passes = std::max(1, std::atoi(argv[++i]));
    } else if (std::strcmp(argv[i], "--digest") == 0) {
      digest = true;
    } else if (std::strcmp(argv[i], "--only") == 0 && i + 1 < argc) {
      only = argv[++i];
    } else {
      corpus = argv[i];
    }
  }
  if (!std::filesystem::exists(corpus)) {
    std::fprintf(stderr, "no corpus at %s\n", corpus.c_str());
    return 1;
  }
  size_t bytes = 0;
  const std::vector<newsflow::v1::Article> articles =
      newsflow::LoadCorpus(corpus, &bytes);
  if (articles.empty()) {
    std::fprintf(stderr, "no articles in %s\n", corpus.c_str());
    return 1;
  }
  // Parse the built-in word list before timing (once per process).
  newsflow::clean::Vocabulary::English();

  std::vector<newsflow::Configuration> configurations;
  configurations.push_back({"all steps (defaults)", CleanerOptions(), false});
  configurations.push_back(
      {"all steps + repeated-line stats", CleanerOptions(), true});
  {
    CleanerOptions repair_only;
    repair_only.join_hyphenation = false;
    repair_only.extract_facts = false;
    repair_only.remove_boilerplate = false;
    repair_only.fix_title = false;
    configurations.push_back({"repair_text only", repair_only, false});
  }
  {
    CleanerOptions options;
    options.decode_entities = false;
    options.repair_mojibake = false;
    options.quotes = newsflow::clean::QuotePolicy::kAsWritten;
    configurations.push_back({"- entities, mojibake, quotes", options, false});
  }
  {
    CleanerOptions options;
    options.join_hyphenation = false;
    configurations.push_back({"- join_hyphenation", options, false});
  }
  {
    CleanerOptions options;
    options.extract_facts = false;
    configurations.push_back({"- extract_facts", options, false});
  }
  {
    CleanerOptions options;
    options.remove_boilerplate = false;
    configurations.push_back({"- remove_boilerplate", options, false});
  }
  {
    CleanerOptions options;
    options.learned_chrome_threshold = 0;
    configurations.push_back({"- learned line scorer", options, false});
  }

  if (digest) {
    std::printf("clean stage digests on %s: %zu articles\n\n", corpus.c_str(),
                articles.size());
    std::printf("| configuration | digest |\n|---|---|\n");
    return newsflow::PrintDigests(configurations, articles);
  }
  std::printf(
      "clean stage on %s: %zu articles, %.2f MB of text, best of %d "
      "passes, 1 thread\n\n",
      corpus.c_str(), articles.size(), bytes / 1e6, passes);
  std::printf(
      "| configuration | MB/s (wall) | MB/s (CPU) | articles/s (CPU) | "
      "us/article (CPU) |\n");
  std::printf("|---|---:|---:|---:|---:|\n");
  for (const newsflow::Configuration& configuration : configurations) {
    if (std::string(configuration.name).find(only) == std::string::npos) {
      continue;
    }
    double best = 1e30;
    double best_cpu = 1e30;
    for (int pass = 0; pass < passes; ++pass) {
      newsflow::clean::LineStats stats;
      auto start = std::chrono::steady_clock::now();
      const double cpu_start = newsflow::ThreadCpuSeconds();
      for (const newsflow::v1::Article& input : articles) {
        newsflow::v1::Article article = input;
        absl::Status status = newsflow::clean::CleanArticle(
            configuration.options, &article,
            configuration.line_stats ? &stats : nullptr);
        if (!status.ok()) {
          std::fprintf(stderr, "%s\n", std::string(status.message()).c_str());
          return 1;
        }
      }
      std::chrono::duration<double> elapsed =
          std::chrono::steady_clock::now() - start;
      best = std::min(best, elapsed.count());
      best_cpu = std::min(best_cpu, newsflow::ThreadCpuSeconds() - cpu_start);
    }
    std::printf("| %s | %.1f | %.1f | %.0f | %.1f |\n", configuration.name,
                bytes / 1e6 / best, bytes / 1e6 / best_cpu,
                articles.size() / best_cpu, best_cpu * 1e6 / articles.size());
    std::fflush(stdout);
  }
  return 0;
}
