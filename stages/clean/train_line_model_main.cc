// newsflow_train_line_model: trains the clean stage's learned line scorer
// (line_model.h) on labelled lines and writes the model file.
//
// Usage: newsflow_train_line_model --lines LINES.tsv --out MODEL
//          [--epochs N] [--body-weight W] [--own-weight W] [--holdout K]
//          [--prune P] [--skip PREFIX]
// LINES.tsv is what scripts/render-clean-lines writes. With --holdout K,
// every K-th page is left out of training and the scorer's precision on it
// is printed per threshold (lines outside the long paragraphs, as
// LearnedChromeLines scores them); the model is then trained on all pages.
// --skip leaves out the pages whose id starts with PREFIX (to measure a set
// of our own articles the model has not seen: "own/clean_heldout_f/").
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "stages/clean/boilerplate.h"
#include "stages/clean/line_model.h"

namespace newsflow {
namespace clean {
namespace {

struct Page {
  std::string id;
  std::string title;
  std::vector<std::string> texts;
  std::vector<char> labels;  // 'B', 'C' or 'U'
};

struct Example {
  std::vector<uint32_t> features;
  bool chrome = false;
  double weight = 1;
  bool edge = false;  // outside the long paragraphs
  size_t page = 0;
  bool skipped = false;     // --skip: never trained on
  bool rules_keep = false;  // ClassifyLine keeps it
};

std::vector<Page> ReadPages(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    std::fprintf(stderr, "cannot read %s\n", path.c_str());
    std::exit(1);
  }
  std::vector<Page> pages;
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> fields = absl::StrSplit(line, '\t');
    if (fields.size() < 2) continue;
    if (fields[0] == "#doc") {
      pages.emplace_back();
      pages.back().id = fields[1];
      if (fields.size() > 2) pages.back().title = fields[2];
    } else if (!pages.empty() && fields[0].size() == 1) {
      pages.back().labels.push_back(fields[0][0]);
      pages.back().texts.push_back(fields[1]);
    }
  }
  return pages;
}

bool IsEdge(const std::vector<LineView>& lines, size_t index) {
  size_t first = 0, last = 0;
  return FindLongParagraphs(lines, &first, &last) &&
         (index < first || index > last);
}

int Main(int argc, char** argv) {
  std::string lines_path, out_path, skip;
  int epochs = 6, holdout = 0;
  double body_weight = 1.5, own_weight = 10, prune = 0.01;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string_view flag = argv[i];
    absl::string_view value = argv[i + 1];
    bool ok = true;
    if (flag == "--lines") {
      lines_path = std::string(value);
    } else if (flag == "--out") {
      out_path = std::string(value);
    } else if (flag == "--skip") {
      skip = std::string(value);
    } else if (flag == "--epochs") {
      ok = absl::SimpleAtoi(value, &epochs);
    } else if (flag == "--holdout") {
      ok = absl::SimpleAtoi(value, &holdout);
    } else if (flag == "--body-weight") {
      ok = absl::SimpleAtod(value, &body_weight);
    } else if (flag == "--own-weight") {
      ok = absl::SimpleAtod(value, &own_weight);
    } else if (flag == "--prune") {
      ok = absl::SimpleAtod(value, &prune);
    } else {
      ok = false;
    }
    if (!ok) {
      std::fprintf(stderr, "bad flag %s %s\n", argv[i], argv[i + 1]);
      return 2;
    }
  }
  if (lines_path.empty() || out_path.empty()) {
    std::fprintf(stderr,
                 "usage: newsflow_train_line_model --lines LINES.tsv --out "
                 "MODEL [--epochs N] [--body-weight W] [--own-weight W] "
                 "[--holdout K] [--prune P] [--skip PREFIX]\n");
    return 2;
  }
  std::vector<Page> pages = ReadPages(lines_path);
  std::vector<Example> examples;
  for (size_t p = 0; p < pages.size(); ++p) {
    const Page& page = pages[p];
    const bool skipped = !skip.empty() && page.id.rfind(skip, 0) == 0;
    std::vector<LineView> lines;
    // What the rules would remove on their own, as they would see it.
    for (const std::string& text : page.texts) {
      lines.push_back({text, ClassifyLine(text).empty()});
    }
    const bool own = page.id.rfind("own/", 0) == 0;
    for (size_t i = 0; i < lines.size(); ++i) {
      if (page.labels[i] != 'B' && page.labels[i] != 'C') continue;
      Example example;
      example.features = LineFeatures(lines, i, page.title);
      example.chrome = page.labels[i] == 'C';
      example.weight =
          (example.chrome ? 1 : body_weight) * (own ? own_weight : 1);
      example.edge = IsEdge(lines, i);
      example.page = p;
      example.skipped = skipped;
      example.rules_keep = lines[i].kept;
      examples.push_back(std::move(example));
    }
  }
  std::fprintf(stderr, "%zu pages, %zu labelled lines\n", pages.size(),
               examples.size());
  auto train = [&](bool use_holdout) {
    LineModel model;
    std::vector<size_t> order;
    for (size_t i = 0; i < examples.size(); ++i) {
      if (examples[i].skipped ||
          (use_holdout && holdout > 0 && examples[i].page % holdout == 0)) {
        continue;
      }
      order.push_back(i);
    }
    std::mt19937 random(1);
    for (int epoch = 0; epoch < epochs; ++epoch) {
      std::shuffle(order.begin(), order.end(), random);
      const double rate = 0.1 / (1 + epoch);
      for (size_t i : order) {
        model.Learn(examples[i].features, examples[i].chrome, rate,
                    examples[i].weight);
      }
    }
    model.Prune(prune);
    return model;
  };
  // How the scorer does on lines it was not trained on, outside the long
  // paragraphs, among the lines ClassifyLine keeps (where
  // LearnedChromeLines lets it act).
  auto report = [&](const LineModel& model, const char* what, auto&& unseen) {
    for (double threshold : {0.5, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99}) {
      int chrome = 0, caught = 0, body = 0, lost = 0;
      for (const Example& example : examples) {
        if (!unseen(example) || !example.edge || !example.rules_keep) {
          continue;
        }
        const bool flagged = model.Probability(example.features) >= threshold;
        if (example.chrome) {
          ++chrome;
          caught += flagged;
        } else {
          ++body;
          lost += flagged;
        }
      }
      std::printf(
          "%s, lines the rules keep outside the long paragraphs, threshold "
          "%.2f: chrome "
          "caught %d/%d (%.3f), body flagged %d/%d (%.3f)\n",
          what, threshold, caught, chrome, caught / std::max(1.0, 1.0 * chrome),
          lost, body, lost / std::max(1.0, 1.0 * body));
    }
  };
  if (holdout > 0) {
    report(train(true), "held-out pages", [&](const Example& example) {
      return !example.skipped && example.page % holdout == 0;
    });
  }
  LineModel model = train(false);
  if (!skip.empty()) {
    report(model, "skipped pages",
           [](const Example& example) { return example.skipped; });
  }
  std::ofstream out(out_path);
  out << "# clean line model: see models/README.md, \"clean_lines.tsv\"\n"
      << model.Serialize();
  if (!out) {
    std::fprintf(stderr, "cannot write %s\n", out_path.c_str());
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace clean
}  // namespace newsflow

int main(int argc, char** argv) { return newsflow::clean::Main(argc, argv); }
