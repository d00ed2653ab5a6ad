// newsflow_soak_tag_bench: what grows inside the tag stage during a soak?
//
// Feeds one Tagger (default options, a state file in a temporary folder,
// as the stage has) the soak benchmark's synthetic articles, and every
// --every articles prints the process's RSS, the heap in use (mallinfo2)
// and the sizes of the stream state (TaggerStats): identities and their
// indexes, stories, remembered members, fingerprints, document
// frequencies. Where newsflow_soak_bench says that tag grows, this says
// which part, in seconds rather than minutes.
//
// Usage: newsflow_soak_tag_bench [--articles N] [--every N] [--seed S]
//            [--state false] [--entities false] [--stories false]
//            [--same-numbers]
#include <malloc.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "bench/proc_stats.h"
#include "bench/soak_bench_articles.h"
#include "common/hash.h"
#include "stages/tag/tagger.h"

namespace newsflow {
namespace {

int Main(int argc, char** argv) {
  int articles = 20000;
  int every = 1000;
  uint32_t seed = 1;
  bool state = true;
  bool entities = true;
  bool stories = true;
  bool same_numbers = false;
  CLI::App app{"The tag stage's stream state over the soak's articles"};
  app.add_option("--articles", articles, "Articles to tag");
  app.add_option("--every", every, "Report every this many articles");
  app.add_option("--seed", seed, "Seed of the article generator");
  app.add_option("--state", state, "Keep a state file, as the stage does");
  app.add_option("--entities", entities, "Extract entities (the NER)");
  app.add_option("--stories", stories, "Assign stories");
  app.add_flag("--same-numbers", same_numbers,
               "Every digit written as 5: what the articles' new numbers cost");
  CLI11_PARSE(app, argc, argv);

  char folder[] = "/tmp/newsflow-soak-tag-XXXXXX";
  if (::mkdtemp(folder) == nullptr) {
    std::perror("mkdtemp");
    return 1;
  }
  tag::TaggerOptions options;
  options.extract_entities = entities;
  options.assign_stories = stories;
  if (state) options.state_path = absl::StrCat(folder, "/tag-state.bin");
  auto tagger = tag::Tagger::Create(options);
  if (!tagger.ok()) {
    std::fprintf(stderr, "%s\n", tagger.status().ToString().c_str());
    return 1;
  }
  soak::ArticleWriter writer(seed);
  std::printf(
      "articles  rss_mib  heap_mib  free_mib  mmap_mib  identities aliases "
      "idx_keys idx_entries  "
      "stories members member_entries story_entries index_keys postings "
      "fingerprints entity_df  keyword_terms\n");
  for (int i = 1; i <= articles; ++i) {
    const soak::ArticleWriter::Article written = writer.Write(i);
    v1::Article article;
    article.set_title(written.title);
    std::string body;
    for (const std::string& paragraph : written.paragraphs) {
      absl::StrAppend(&body, body.empty() ? "" : "\n\n", paragraph);
    }
    article.set_id(StableHashHex(soak::ArticleText(written)));
    article.set_body(std::move(body));
    if (same_numbers) {
      for (std::string* text :
           {article.mutable_title(), article.mutable_body()}) {
        for (char& c : *text) {
          if (c >= '0' && c <= '9') c = '5';
        }
      }
    }
    (*tagger)->Tag(&article);
    if (i % every != 0) continue;
    const struct mallinfo2 heap = ::mallinfo2();
    const tag::TaggerStats stats = (*tagger)->Stats();
    std::printf(
        "%8d %8.1f %9.1f %9.1f %9.1f  %10zu %7zu %8zu %11zu  %7zu %7zu %14zu "
        "%13zu %10zu "
        "%8zu %12zu %9zu  %13zu\n",
        i, bench::MiB(bench::ProcStatusKib("/proc/self/status", "VmRSS")),
        static_cast<double>(heap.uordblks) / (1 << 20),
        static_cast<double>(heap.fordblks) / (1 << 20),
        static_cast<double>(heap.hblkhd) / (1 << 20),
        stats.identities.identities, stats.identities.aliases,
        stats.identities.index_keys, stats.identities.index_entries,
        stats.stories.stories, stats.stories.members,
        stats.stories.member_entries, stats.stories.story_entries,
        stats.stories.index_keys, stats.stories.postings_keys,
        stats.stories.fingerprints, stats.stories.entity_df,
        stats.keyword_terms);
    std::fflush(stdout);
  }
  tagger->reset();
  if (std::system(absl::StrCat("rm -r ", folder).c_str()) != 0) {
    std::fprintf(stderr, "could not remove %s\n", folder);
  }
  return 0;
}

}  // namespace
}  // namespace newsflow

int main(int argc, char** argv) { return newsflow::Main(argc, argv); }
