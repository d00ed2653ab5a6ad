// newsflow_ner_bench: speed of the tag stage's pieces, one thread, and
// newsflow's NER side by side with compromise (npm), all in one run.
//
//   1. NER alone on a CoNLL file (default: CoNLL-2003 testb), tokens/s:
//      "cold" is the first pass of a fresh tagger (every word's facts and
//      cached scores computed on first sight), "warm" the passes after it,
//      which is what a long-running stage sees;
//   2. compromise's people(), places() and organizations() on the same
//      text (bench/ner_bench_compromise/run.js under node), its spans
//      mapped back onto the CoNLL tokens and scored by the same ConllScorer
//      as ours over PER, LOC and ORG (compromise has no MISC, so MISC is
//      removed from the gold tags and from ours for this table); speed as
//      tokens/s and as the ratio of ours to compromise's;
//   3. the whole tag stage logic (tag::Tagger: language, tokenizer, NER,
//      entity identities, keywords, story clustering) over the BBC corpus,
//      articles/s and tokens/s.
// Times are CPU time (this thread's for ours, the node process's for
// compromise), so other processes on a busy machine do not count. One
// long run per mode, printed as Markdown tables; not a test. See
// bench/ner_bench.md.
//
// Usage: newsflow_ner_bench [--model FILE] [--conll FILE] [--corpus DIR]
//                           [--repeat N] [--compromise DIR] [--node PATH]
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "bench/bbc_corpus.h"
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

// The CoNLL text as compromise reads it, with where each token lies.
struct CompromiseInput {
  // One line per sentence, tokens joined by spaces, documents separated by
  // an empty line (run.js's input format).
  std::string file_text;
  // Per document, per token: [begin, end) in UTF-16 code units of that
  // document's text (JavaScript string offsets).
  std::vector<std::vector<std::pair<size_t, size_t>>> token_offsets;
};

size_t Utf16Length(std::string_view text) {
  size_t units = 0;
  for (unsigned char c : text) {
    if ((c & 0xC0) != 0x80) units += c >= 0xF0 ? 2 : 1;
  }
  return units;
}

CompromiseInput MakeCompromiseInput(
    const std::vector<tag::ConllDocument>& documents) {
  CompromiseInput input;
  for (const tag::ConllDocument& document : documents) {
    auto& offsets = input.token_offsets.emplace_back();
    size_t position = 0;
    for (const tag::ConllSentence& sentence : document.sentences) {
      for (size_t i = 0; i < sentence.words.size(); ++i) {
        if (i > 0) {
          input.file_text.push_back(' ');
          ++position;
        }
        const size_t length = Utf16Length(sentence.words[i]);
        offsets.emplace_back(position, position + length);
        input.file_text += sentence.words[i];
        position += length;
      }
      input.file_text.push_back('\n');
      ++position;
    }
    input.file_text.push_back('\n');
  }
  return input;
}

struct CompromiseResult {
  std::string version;
  double cold_seconds = 0;
  double warm_seconds = 0;
  // Per document: type and [start, start + length) in UTF-16 units.
  struct Span {
    std::string type;
    size_t start = 0;
    size_t length = 0;
  };
  std::vector<std::vector<Span>> spans;
};

std::string ShellQuote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted.push_back(c);
    }
  }
  return quoted + "'";
}

// Runs run.js; nullopt (after saying why on stderr) when node or the
// compromise module is missing or the script fails.
std::optional<CompromiseResult> RunCompromise(const std::string& node,
                                              const std::string& directory,
                                              const CompromiseInput& input,
                                              int repeat) {
  const std::string script = directory + "/run.js";
  if (!std::filesystem::exists(script)) {
    std::cerr << "skipping compromise: no " << script << "\n";
    return std::nullopt;
  }
  if (std::system(
          ("command -v " + ShellQuote(node) + " >/dev/null 2>&1").c_str()) !=
      0) {
    std::cerr << "skipping compromise: node (" << node
              << ") not found; install Node.js (Debian: apt-get install "
                 "nodejs npm), then run `npm install` in "
              << directory << "\n";
    return std::nullopt;
  }
  if (!std::filesystem::exists(directory + "/node_modules/compromise")) {
    std::cerr << "skipping compromise: the npm module is not installed; run "
                 "`npm install` in "
              << directory << "\n";
    return std::nullopt;
  }
  char path[] = "/tmp/newsflow_ner_bench_XXXXXX";
  const int fd = mkstemp(path);
  if (fd < 0) {
    std::cerr << "skipping compromise: cannot create a temporary file\n";
    return std::nullopt;
  }
  close(fd);
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << input.file_text;
  }
  const std::string command = ShellQuote(node) + " " + ShellQuote(script) +
                              " " + ShellQuote(path) + " " +
                              std::to_string(std::max(1, repeat));
  FILE* pipe = popen(command.c_str(), "r");
  std::string output;
  if (pipe != nullptr) {
    char buffer[1 << 16];
    size_t n;
    while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) {
      output.append(buffer, n);
    }
  }
  const int status = pipe == nullptr ? -1 : pclose(pipe);
  std::filesystem::remove(path);
  if (status != 0) {
    std::cerr << "skipping compromise: `" << command << "` failed (status "
              << (status >= 0 && WIFEXITED(status) ? WEXITSTATUS(status)
                                                   : status)
              << ")\n";
    return std::nullopt;
  }
  CompromiseResult result;
  result.spans.resize(input.token_offsets.size());
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(output, '\n')) {
    ++line_number;
    if (line.empty()) continue;
    std::vector<absl::string_view> fields = absl::StrSplit(line, ' ');
    bool ok = true;
    if (fields[0] == "version" && fields.size() == 2) {
      result.version = std::string(fields[1]);
    } else if (fields[0] == "cold_seconds" && fields.size() == 2) {
      ok = absl::SimpleAtod(fields[1], &result.cold_seconds);
    } else if (fields[0] == "warm_seconds" && fields.size() == 2) {
      ok = absl::SimpleAtod(fields[1], &result.warm_seconds);
    } else if (fields[0] == "span" && fields.size() == 5) {
      size_t document = 0;
      CompromiseResult::Span span;
      span.type = std::string(fields[2]);
      ok = absl::SimpleAtoi(fields[1], &document) &&
           absl::SimpleAtoi(fields[3], &span.start) &&
           absl::SimpleAtoi(fields[4], &span.length) &&
           document < result.spans.size();
      if (ok) result.spans[document].push_back(std::move(span));
    } else {
      ok = false;
    }
    if (!ok) {
      std::cerr << "skipping compromise: run.js output line " << line_number
                << " unreadable: " << std::string(line) << "\n";
      return std::nullopt;
    }
  }
  return result;
}

bool HasAlphanumeric(const std::string& word) {
  for (unsigned char c : word) {
    if (std::isalnum(c) || c >= 0x80) return true;
  }
  return false;
}

// IOB2 tags for one document's tokens from character spans: a span takes
// the tokens it overlaps, less punctuation at its edges ("New York ."
// → "New York"); a token already taken by an earlier span stays with it.
std::vector<std::string> TagsFromSpans(
    const std::vector<CompromiseResult::Span>& spans,
    const std::vector<std::pair<size_t, size_t>>& offsets,
    const std::vector<std::string>& words) {
  std::vector<std::string> tags(offsets.size(), "O");
  for (const CompromiseResult::Span& span : spans) {
    const size_t end = span.start + span.length;
    size_t first = offsets.size(), last = 0;
    for (size_t i = 0; i < offsets.size(); ++i) {
      if (offsets[i].first < end && offsets[i].second > span.start) {
        first = std::min(first, i);
        last = i;
      }
    }
    while (first <= last && first < offsets.size() &&
           !HasAlphanumeric(words[first])) {
      ++first;
    }
    while (last >= first && first < offsets.size() &&
           !HasAlphanumeric(words[last])) {
      if (last == 0) break;
      --last;
    }
    if (first >= offsets.size() || first > last) continue;
    bool taken = false;
    for (size_t i = first; i <= last; ++i) taken |= tags[i] != "O";
    if (taken) continue;
    for (size_t i = first; i <= last; ++i) {
      tags[i] = (i == first ? "B-" : "I-") + span.type;
    }
  }
  return tags;
}

// "I-MISC" → "O": compromise has no MISC, so the side-by-side table scores
// PER, LOC and ORG only.
std::vector<std::string> WithoutMisc(std::vector<std::string> tags) {
  for (std::string& tag : tags) {
    if (tag.size() > 2 && tag.compare(2, std::string::npos, "MISC") == 0) {
      tag = "O";
    }
  }
  return tags;
}

std::string Figures(const tag::ConllScorer& scores, const std::string& type) {
  auto it = scores.PerType().find(type);
  const tag::ConllScorer::Figures figures =
      it == scores.PerType().end() ? tag::ConllScorer::Figures{} : it->second;
  return absl::StrFormat("%.1f / %.1f / %.1f", 100 * figures.precision(),
                         100 * figures.recall(), 100 * figures.f1());
}

std::string ScoreRow(const std::string& system, const tag::ConllScorer& scores,
                     double tokens_per_second, const std::string& ratio) {
  return absl::StrFormat("| %s | %s | %s | %s | %.1f | %.0f | %s |\n", system,
                         Figures(scores, "PER"), Figures(scores, "LOC"),
                         Figures(scores, "ORG"), 100 * scores.Overall().f1(),
                         tokens_per_second, ratio);
}

int Main(int argc, char** argv) {
  const std::string shared = NEWSFLOW_SHARED_DIR;
  std::string model_path = tag::DefaultNerModelPath();
  std::string conll = shared + "/corpora/conll2003/eng.testb";
  std::string corpus = shared + "/corpora/bbc";
  std::string compromise_dir = NEWSFLOW_COMPROMISE_DIR;
  std::string node = "node";
  int repeat = 5;
  CLI::App app{"Speed of NER and of the whole tag stage logic"};
  app.add_option("--model", model_path, "NER model");
  app.add_option("--conll", conll, "CoNLL file for the NER pass");
  app.add_option("--corpus", corpus, "BBC-style folder for the tag stage");
  app.add_option("--repeat", repeat, "Warm passes");
  app.add_option("--compromise", compromise_dir,
                 "Folder of run.js and its node_modules");
  app.add_option("--node", node, "Node.js executable");
  CLI11_PARSE(app, argc, argv);
  repeat = std::max(1, repeat);

  if (model_path.empty()) {
    std::cerr << "no NER model found; pass --model\n";
    return 1;
  }
  auto model = tag::NerModel::Load(model_path);
  if (!model.ok()) {
    std::cerr << model.status().message() << "\n";
    return 1;
  }
  auto documents = tag::ReadConllFile(conll);
  if (documents.ok()) {
    std::vector<tag::NerInput> inputs(documents->size());
    std::vector<uint8_t> gold;
    size_t tokens = 0;
    for (size_t i = 0; i < documents->size(); ++i) {
      tag::ConllToNer((*documents)[i], &inputs[i], &gold);
      tokens += inputs[i].words.size();
    }
    // Ours: cold passes with fresh taggers, then warm passes with one.
    std::vector<std::vector<uint8_t>> labels(inputs.size());
    double cold = 0;
    for (int r = 0; r < repeat; ++r) {
      tag::NerTagger fresh(**model);
      auto start = Clock::now();
      for (size_t i = 0; i < inputs.size(); ++i) {
        fresh.Tag(inputs[i], &labels[i]);
      }
      cold += Seconds(start);
    }
    cold /= repeat;
    tag::NerTagger tagger(**model);
    std::vector<uint8_t> scratch;
    for (const auto& input : inputs) tagger.Tag(input, &scratch);
    auto start = Clock::now();
    for (int r = 0; r < repeat; ++r) {
      for (const auto& input : inputs) tagger.Tag(input, &scratch);
    }
    const double warm = Seconds(start) / repeat;

    // Scores, all four types and PER/LOC/ORG only.
    tag::ConllScorer all_types, ours;
    for (size_t d = 0; d < documents->size(); ++d) {
      size_t base = 0;
      for (const tag::ConllSentence& sentence : (*documents)[d].sentences) {
        std::vector<std::string> guessed =
            tag::Iob1Tags(labels[d].data() + base, sentence.words.size());
        all_types.Add(sentence.tags, guessed);
        ours.Add(WithoutMisc(sentence.tags), WithoutMisc(guessed));
        base += sentence.words.size();
      }
    }
    std::cout << absl::StrFormat(
        "NER on %s (%d tokens, %d documents), one thread, CPU time\n\n", conll,
        tokens, documents->size());
    std::cout << "| measure | value |\n|---|---|\n"
              << absl::StrFormat(
                     "| F1, all four types (conlleval) | %.2f |\n"
                     "| NER tokens/s, cold (fresh tagger, mean of %d) | %.0f "
                     "|\n"
                     "| NER tokens/s, warm (mean of %d passes) | %.0f |\n\n",
                     100 * all_types.Overall().f1(), repeat, tokens / cold,
                     repeat, tokens / warm);

    const CompromiseInput input = MakeCompromiseInput(*documents);
    std::optional<CompromiseResult> theirs =
        RunCompromise(node, compromise_dir, input, repeat);
    std::cout << "PER, LOC and ORG only (MISC removed from gold and from "
                 "ours); P / R / F1 in %; warm tokens/s\n\n"
              << "| system | PER P / R / F1 | LOC P / R / F1 | ORG P / R / "
                 "F1 | F1 | tokens/s | speed vs compromise |\n"
              << "|---|---|---|---|---|---|---|\n";
    std::string ratio = "n/a";
    if (theirs.has_value()) {
      ratio = absl::StrFormat("%.0fx", theirs->warm_seconds / warm);
    }
    std::cout << ScoreRow("newsflow", ours, tokens / warm, ratio);
    if (theirs.has_value()) {
      tag::ConllScorer scores;
      for (size_t d = 0; d < documents->size(); ++d) {
        std::vector<std::string> words;
        for (const auto& sentence : (*documents)[d].sentences) {
          words.insert(words.end(), sentence.words.begin(),
                       sentence.words.end());
        }
        std::vector<std::string> tags =
            TagsFromSpans(theirs->spans[d], input.token_offsets[d], words);
        size_t base = 0;
        for (const auto& sentence : (*documents)[d].sentences) {
          std::vector<std::string> guessed(
              tags.begin() + base, tags.begin() + base + sentence.words.size());
          scores.Add(WithoutMisc(sentence.tags), guessed);
          base += sentence.words.size();
        }
      }
      std::cout << ScoreRow("compromise " + theirs->version, scores,
                            tokens / theirs->warm_seconds, "1x");
      std::cout << absl::StrFormat(
          "\ncold first pass: newsflow %.0f tokens/s, compromise %.0f "
          "tokens/s (includes its JIT warm-up)\n",
          tokens / cold, tokens / theirs->cold_seconds);
    } else {
      std::cout << "| compromise | not run (see stderr) | | | | | |\n";
    }
    std::cout << "\n";
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
    std::cout << "| measure | value |\n|---|---|\n"
              << absl::StrFormat(
                     "| tag stage articles/s (%d BBC articles, %.1f MB) | "
                     "%.0f |\n"
                     "| tag stage MB/s | %.2f |\n",
                     articles.size(), bytes / 1e6, articles.size() / seconds,
                     bytes / 1e6 / seconds);
    // The story step's share of tag time (story assignment and the
    // near-duplicate fingerprint; issue: under 15%): the same articles
    // through fresh taggers with and without stories, alternated so that
    // the machine's noise falls on both, medians taken.
    std::vector<double> with_stories, without_stories;
    for (int round = 0; round < std::max(3, std::min(repeat, 5)); ++round) {
      for (bool stories : {true, false}) {
        tag::TaggerOptions options;
        options.assign_stories = stories;
        auto fresh = tag::Tagger::Create(options);
        if (!fresh.ok()) {
          std::cerr << fresh.status().message() << "\n";
          return 1;
        }
        const double round_start = Clock::now();
        for (v1::Article article : articles) (*fresh)->Tag(&article);
        (stories ? with_stories : without_stories)
            .push_back(Seconds(round_start));
      }
    }
    auto median = [](std::vector<double> values) {
      std::sort(values.begin(), values.end());
      return values[values.size() / 2];
    };
    const double with = median(with_stories);
    const double without = median(without_stories);
    std::cout << absl::StrFormat(
        "| tag stage with / without stories: s (median of %d) | %.2f / %.2f "
        "|\n| story step share of tag time | %.1f%% |\n",
        with_stories.size(), with, without, 100 * (with - without) / with);
  } else {
    std::cerr << "skipping the tag stage: no articles under " << corpus << "\n";
  }
  return 0;
}

}  // namespace
}  // namespace newsflow

int main(int argc, char** argv) { return newsflow::Main(argc, argv); }
