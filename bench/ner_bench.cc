// newsflow_ner_bench: speed of the tag stage's pieces, one thread.
//
//   1. NER alone on a CoNLL file (default: CoNLL-2003 testb), tokens/s:
//      "cold" is the first pass of a fresh tagger (every word's facts and
//      cached scores computed on first sight), "warm" the passes after it,
//      which is what a long-running stage sees;
// Times are this thread's CPU time (so other processes on a busy machine
// do not count).
//   2. the whole tag stage logic (tag::Tagger: language, tokenizer, NER,
//      entity identities, keywords, story clustering) over the BBC corpus,
//      articles/s and tokens/s.
// One long run per mode, printed as a Markdown table; not a test.
//
// Usage: newsflow_ner_bench [--model FILE] [--conll FILE] [--corpus DIR]
//                           [--repeat N]
#include <time.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/str_format.h"
#include "newsflow/v1/article.pb.h"
#include "stages/tag/conll.h"
#include "stages/tag/ner_model.h"
#include "stages/tag/ner_tagger.h"
#include "stages/tag/ner_trainer.h"
#include "stages/tag/tagger.h"

namespace newsflow {
namespace {

// CPU time of this thread: on a shared machine wall time measures the
// neighbours as much as the code.
struct Clock {
  using time_point = double;
  static double now() {
    timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
  }
};

double Seconds(double start) { return Clock::now() - start; }

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// BBC files: the first line is the title, the rest the body.
std::vector<v1::Article> ReadBbc(const std::filesystem::path& root) {
  std::vector<std::filesystem::path> files;
  std::error_code error;
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(root, error)) {
    if (entry.is_regular_file() && entry.path().extension() == ".txt") {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  std::vector<v1::Article> articles;
  for (const auto& file : files) {
    std::string text = ReadFile(file);
    size_t newline = text.find('\n');
    v1::Article& article = articles.emplace_back();
    article.set_id(file.filename().string());
    article.set_source(file.parent_path().filename().string());
    article.set_title(text.substr(0, newline));
    article.set_body(newline == std::string::npos ? ""
                                                  : text.substr(newline + 1));
  }
  return articles;
}

int Main(int argc, char** argv) {
  const std::string shared = NEWSFLOW_SHARED_DIR;
  std::string model_path = tag::DefaultNerModelPath();
  std::string conll = shared + "/corpora/conll2003/eng.testb";
  std::string corpus = shared + "/corpora/bbc";
  int repeat = 5;
  CLI::App app{"Speed of NER and of the whole tag stage logic"};
  app.add_option("--model", model_path, "NER model");
  app.add_option("--conll", conll, "CoNLL file for the NER pass");
  app.add_option("--corpus", corpus, "BBC-style folder for the tag stage");
  app.add_option("--repeat", repeat, "Warm passes");
  CLI11_PARSE(app, argc, argv);

  auto model = tag::NerModel::Load(model_path);
  if (!model.ok()) {
    std::cerr << model.status().message() << "\n";
    return 1;
  }
  std::cout << "| measure | value |\n|---|---|\n";
  auto documents = tag::ReadConllFile(conll);
  if (documents.ok()) {
    std::vector<tag::NerInput> inputs(documents->size());
    std::vector<uint8_t> gold;
    size_t tokens = 0;
    for (size_t i = 0; i < documents->size(); ++i) {
      tag::ConllToNer((*documents)[i], &inputs[i], &gold);
      tokens += inputs[i].words.size();
    }
    std::vector<uint8_t> labels;
    double cold = 0;
    for (int r = 0; r < std::max(1, repeat); ++r) {
      tag::NerTagger fresh(**model);
      auto start = Clock::now();
      for (const auto& input : inputs) fresh.Tag(input, &labels);
      cold += Seconds(start);
    }
    cold /= std::max(1, repeat);
    tag::NerTagger tagger(**model);
    for (const auto& input : inputs) tagger.Tag(input, &labels);
    auto start = Clock::now();
    for (int r = 0; r < repeat; ++r) {
      for (const auto& input : inputs) tagger.Tag(input, &labels);
    }
    const double warm = Seconds(start) / std::max(1, repeat);
    std::cout << absl::StrFormat(
        "| NER tokens/s, cold (first pass over %d tokens) | %.0f |\n"
        "| NER tokens/s, warm | %.0f |\n",
        tokens, tokens / cold, tokens / warm);
  } else {
    std::cerr << "skipping NER: " << documents.status().message() << "\n";
  }

  std::vector<v1::Article> articles = ReadBbc(corpus);
  if (!articles.empty()) {
    auto created = tag::Tagger::Create(tag::TaggerOptions{});
    if (!created.ok()) {
      std::cerr << created.status().message() << "\n";
      return 1;
    }
    tag::Tagger& tagger = **created;
    size_t bytes = 0;
    for (const auto& article : articles) {
      bytes += article.title().size() + article.body().size();
    }
    auto start = Clock::now();
    for (v1::Article article : articles) tagger.Tag(&article);
    const double seconds = Seconds(start);
    std::cout << absl::StrFormat(
        "| tag stage articles/s (%d BBC articles, %.1f MB) | %.0f |\n"
        "| tag stage MB/s | %.2f |\n",
        articles.size(), bytes / 1e6, articles.size() / seconds,
        bytes / 1e6 / seconds);
  } else {
    std::cerr << "skipping the tag stage: no articles under " << corpus << "\n";
  }
  return 0;
}

}  // namespace
}  // namespace newsflow

int main(int argc, char** argv) { return newsflow::Main(argc, argv); }
