// Tag stage CPU per article (issue 20 item 4): the whole tag::Tagger
// (language, tokens, NER, identities, keywords, stories, the state file
// saved every 1,000 articles as the stage does) over every BBC article,
// one tagger, one thread. Prints this thread's CPU microseconds per
// article for the cold first pass (a fresh tagger: model caches empty,
// stream state empty) and the median of the warm later passes (the same
// tagger, articles given fresh ids so they count as new arrivals).
//
//   build/bench/newsflow_tag_bench [--corpus DIR] [--passes N]
//       [--no-state]
//
// For a before/after comparison build the older code in another build
// directory and run the two binaries alternately (bench/tag_bench.md).
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "bench/bbc_corpus.h"
#include "newsflow/v1/article.pb.h"
#include "stages/tag/tagger.h"

namespace newsflow {
namespace {

// CPU time of this thread: on a shared machine wall time measures the
// neighbours as much as the code.
double CpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

// Of every pass's tagged articles (language, entities, keywords, simhash,
// story ids): equal digests across two builds mean equal outputs.
uint64_t Fnv1a(const std::string& bytes, uint64_t hash) {
  for (unsigned char c : bytes) hash = (hash ^ c) * 1099511628211ull;
  return hash;
}

int Main(int argc, char** argv) {
  CLI::App app{"Tag stage CPU microseconds per BBC article"};
  std::string corpus = std::string(NEWSFLOW_SHARED_DIR) + "/corpora/bbc";
  int passes = 4;
  bool no_state = false;
  app.add_option("--corpus", corpus, "BBC corpus directory");
  app.add_option("--passes", passes, "passes over the corpus (first cold)");
  app.add_flag("--no-state", no_state, "no state file (nothing saved)");
  CLI11_PARSE(app, argc, argv);

  std::vector<v1::Article> articles = ReadBbc(corpus);
  if (articles.empty()) {
    std::cerr << "skipping: no BBC articles under " << corpus << "\n";
    return 0;
  }
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() /
      absl::StrCat("newsflow-tag-bench-", getpid());
  std::filesystem::create_directories(dir);
  tag::TaggerOptions options;
  if (!no_state) options.state_path = (dir / "tag-state.bin").string();
  auto created = tag::Tagger::Create(options);
  if (!created.ok()) {
    std::cerr << created.status().message() << "\n";
    return 1;
  }
  tag::Tagger& tagger = **created;

  std::vector<double> warm;
  std::vector<uint64_t> digests(std::max(1, passes), 14695981039346656037ull);
  double cold = 0;
  for (int pass = 0; pass < std::max(1, passes); ++pass) {
    std::vector<v1::Article> copies = articles;
    if (pass > 0) {
      for (v1::Article& article : copies) {
        article.set_id(absl::StrCat("p", pass, "/", article.id()));
      }
    }
    const double start = CpuSeconds();
    for (v1::Article& article : copies) tagger.Tag(&article);
    const double us = (CpuSeconds() - start) * 1e6 / articles.size();
    for (const v1::Article& article : copies) {
      digests[pass] = Fnv1a(article.SerializeAsString(), digests[pass]);
    }
    if (pass == 0) {
      cold = us;
    } else {
      warm.push_back(us);
    }
  }
  std::filesystem::remove_all(dir);
  std::sort(warm.begin(), warm.end());
  std::cout << absl::StrFormat(
      "| tag CPU us per BBC article (%d articles, state file %s) | cold %.0f "
      "| warm %s |\n",
      articles.size(), no_state ? "off" : "on", cold,
      warm.empty() ? std::string("-")
                   : absl::StrFormat("%.0f (median of %d)",
                                     warm[warm.size() / 2], warm.size()));
  std::cout << "| output digest per pass |";
  for (uint64_t digest : digests)
    std::cout << absl::StrFormat(" %016x", digest);
  std::cout << " |\n";
  return 0;
}

}  // namespace
}  // namespace newsflow

int main(int argc, char** argv) { return newsflow::Main(argc, argv); }
