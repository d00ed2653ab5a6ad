// `newsflow train-ner`, `newsflow eval-ner` and `newsflow
// build-keyword-df`: build the model files the tag stage ships with
// (models/README.md) and score a NER model on CoNLL-format data exactly as
// conlleval.pl does.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "runner/commands/command.h"
#include "stages/tag/conll.h"
#include "stages/tag/keywords.h"
#include "stages/tag/ner_model.h"
#include "stages/tag/ner_text.h"
#include "stages/tag/ner_trainer.h"
#include "stages/tag/tokenizer.h"

namespace newsflow {
namespace {

struct TrainOptions {
  std::string train;
  std::string dev;
  std::vector<std::string> corpora;
  std::string lexicon;
  std::string out;
  int epochs = 15;
  uint64_t seed = 1;
  int ensemble = 1;
  int min_count = 2;
  float prune = 0;
  int clusters_threads = 2;
  std::string command_line;
};

void PrintProgress(const std::string& line) { std::cerr << line << "\n"; }

int TrainNer(const TrainOptions& options) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  auto train = tag::ReadConllFile(options.train);
  if (!train.ok()) {
    PrintError(train.status());
    return 1;
  }
  std::vector<tag::ConllDocument> dev;
  if (!options.dev.empty()) {
    auto read = tag::ReadConllFile(options.dev);
    if (!read.ok()) {
      PrintError(read.status());
      return 1;
    }
    dev = *std::move(read);
  }

  // The lexicon: read from --lexicon when that file exists (a cache for
  // repeated training runs), otherwise built from the corpora and the
  // training and development words.
  tag::NerLexicon lexicon;
  bool have_lexicon = false;
  if (!options.lexicon.empty()) {
    std::ifstream in(options.lexicon, std::ios::binary);
    if (in) {
      std::string bytes((std::istreambuf_iterator<char>(in)),
                        std::istreambuf_iterator<char>());
      size_t pos = 0;
      if (absl::Status status = lexicon.ReadFrom(bytes, &pos); !status.ok()) {
        PrintError(status);
        return 1;
      }
      have_lexicon = true;
      std::cerr << "lexicon: read " << options.lexicon << " ("
                << lexicon.clustered_words() << " clustered words)\n";
    }
  }
  if (!have_lexicon) {
    std::vector<std::string> sources = options.corpora;
    sources.push_back(options.train);
    if (!options.dev.empty()) sources.push_back(options.dev);
    auto sentences = tag::ReadUnlabeledText(sources);
    if (!sentences.ok()) {
      PrintError(sentences.status());
      return 1;
    }
    tag::LexiconBuildOptions lexicon_options;
    lexicon_options.threads = options.clusters_threads;
    lexicon =
        tag::NerLexicon::Build(*sentences, lexicon_options, &PrintProgress);
    if (!options.lexicon.empty()) {
      std::string bytes;
      lexicon.AppendTo(&bytes);
      std::ofstream out(options.lexicon, std::ios::binary | std::ios::trunc);
      out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    }
  }

  tag::NerTrainOptions train_options;
  train_options.epochs = options.epochs;
  train_options.seed = options.seed;
  train_options.ensemble = options.ensemble;
  train_options.min_feature_count = options.min_count;
  train_options.prune_below = options.prune;
  train_options.progress = PrintProgress;
  std::string description = absl::StrCat(
      "newsflow NER model (averaged perceptron, BILOU, Viterbi).\n"
      "Trained by: ",
      options.command_line, "\n");
  auto model = tag::TrainNerModel(*train, dev, std::move(lexicon),
                                  train_options, description);
  if (!model.ok()) {
    PrintError(model.status());
    return 1;
  }
  if (!dev.empty()) {
    tag::NerEvaluation evaluation = tag::EvaluateNer(**model, dev);
    std::cerr << "dev (" << options.dev << "):\n" << evaluation.scores.Format();
  }
  if (absl::Status status = (*model)->Save(options.out); !status.ok()) {
    PrintError(status);
    return 1;
  }
  const double seconds =
      std::chrono::duration<double>(Clock::now() - start).count();
  std::cerr << absl::StrFormat("wrote %s: %d features, %.1f MB, %.0f s\n",
                               options.out, (*model)->features(),
                               (*model)->ToBytes().size() / 1e6, seconds);
  return 0;
}

// One line of eval-ner's summary table.
std::string SummaryRow(const std::string& name,
                       const tag::NerEvaluation& evaluation) {
  auto f1 = [&](const std::string& type) {
    auto it = evaluation.scores.PerType().find(type);
    return it == evaluation.scores.PerType().end()
               ? std::string("-")
               : absl::StrFormat("%.2f", 100 * it->second.f1());
  };
  const tag::ConllScorer::Figures overall = evaluation.scores.Overall();
  return absl::StrFormat(
      "| %s | %.2f | %.2f | **%.2f** | %s | %s | %s | %s | %.0f |\n", name,
      100 * overall.precision(), 100 * overall.recall(), 100 * overall.f1(),
      f1("PER"), f1("LOC"), f1("ORG"), f1("MISC"),
      evaluation.tokens / std::max(evaluation.seconds, 1e-9));
}

int EvalNer(const std::string& model_path,
            const std::vector<std::string>& test_paths,
            const std::string& predictions_path) {
  std::string path =
      model_path.empty() ? tag::DefaultNerModelPath() : model_path;
  if (path.empty()) {
    std::cerr << "no NER model found; pass --model\n";
    return 1;
  }
  auto model = tag::NerModel::Load(path);
  if (!model.ok()) {
    PrintError(model.status());
    return 1;
  }
  std::unique_ptr<std::ofstream> predictions;
  if (!predictions_path.empty()) {
    predictions = std::make_unique<std::ofstream>(predictions_path);
  }
  std::cout << "model: " << path << "\n";
  std::string table =
      "| test set | precision | recall | F1 | PER | LOC | ORG | MISC | "
      "tokens/s |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  for (const std::string& test_path : test_paths) {
    auto test = tag::ReadConllFile(test_path);
    if (!test.ok()) {
      PrintError(test.status());
      return 1;
    }
    tag::NerEvaluation evaluation =
        tag::EvaluateNer(**model, *test, predictions.get());
    std::cout << "test:  " << test_path << "\n"
              << evaluation.scores.Format()
              << absl::StrFormat(
                     "speed: %d tokens in %.3f s, %.0f tokens/s "
                     "(one thread, CPU time, tagging only, cold caches)\n",
                     evaluation.tokens, evaluation.seconds,
                     evaluation.tokens / std::max(evaluation.seconds, 1e-9));
    table += SummaryRow(std::filesystem::path(test_path).filename().string(),
                        evaluation);
  }
  // Several sets: one table to compare them (each set is tagged by a
  // fresh tagger, so every tokens/s is a cold pass).
  if (test_paths.size() > 1) std::cout << "\n" << table;
  return 0;
}

// Counts, for every keyword term (keywords.h), the documents of the
// corpora that contain it.
int BuildKeywordDf(const std::vector<std::string>& corpora, int min_df,
                   const std::string& out_path,
                   const std::string& command_line) {
  auto documents = tag::ReadDocuments(corpora);
  if (!documents.ok()) {
    PrintError(documents.status());
    return 1;
  }
  tag::Stemmer stemmer;
  absl::flat_hash_map<std::string, int> df;
  std::vector<tag::Token> tokens;
  for (const std::string& document : *documents) {
    tokens.clear();
    tag::Tokenize(document, &tokens);
    absl::flat_hash_set<std::string> terms;
    for (const tag::Token& token : tokens) {
      if (!token.IsWord()) continue;
      std::string term = tag::TermOf(token.text, &stemmer);
      if (!term.empty()) terms.insert(std::move(term));
    }
    for (const std::string& term : terms) ++df[term];
  }
  std::vector<std::pair<std::string, int>> kept;
  for (const auto& [term, count] : df) {
    if (count >= min_df) kept.emplace_back(term, count);
  }
  std::sort(kept.begin(), kept.end());
  std::ofstream out(out_path, std::ios::trunc);
  out << "# newsflow keyword document frequencies: in how many documents "
         "each stemmed term occurs.\n"
      << "# Built by: " << command_line << "\n"
      << "#documents " << documents->size() << "\n";
  for (const auto& [term, count] : kept) out << term << '\t' << count << '\n';
  out.close();
  if (!out) {
    std::cerr << "cannot write " << out_path << "\n";
    return 1;
  }
  std::cerr << absl::StrFormat("wrote %s: %d documents, %d terms\n", out_path,
                               documents->size(), kept.size());
  return 0;
}

}  // namespace

void RegisterNerCommands(CLI::App& app, CommandContext& context) {
  auto train = std::make_shared<TrainOptions>();
  auto* train_command = app.add_subcommand(
      "train-ner",
      "Train the named-entity model on CoNLL-format files.\n"
      "Example: newsflow train-ner --train eng.train --dev eng.testa "
      "--corpus ../shared/corpora/reuters21578 --corpus "
      "../shared/corpora/bbc --out models/ner.bin");
  train_command->add_option("--train", train->train, "CoNLL training file")
      ->required();
  train_command->add_option("--dev", train->dev,
                            "CoNLL development file: picks the epoch");
  train_command->add_option(
      "--corpus", train->corpora,
      "Unlabelled text (files or folders; .sgm, CoNLL or plain text) for "
      "word clusters and capitalisation profiles; repeatable");
  train_command->add_option(
      "--lexicon", train->lexicon,
      "Cache file for the built lexicon: read if it exists, else written");
  train_command->add_option("--out", train->out, "Model file to write")
      ->required();
  train_command->add_option("--epochs", train->epochs, "Training epochs")
      ->check(CLI::PositiveNumber);
  train_command->add_option(
      "--seed", train->seed,
      "Seed of the order in which training documents are visited");
  train_command
      ->add_option("--ensemble", train->ensemble,
                   "Perceptrons trained on different document orders (seeds "
                   "seed, seed+1, ...) and averaged into the model")
      ->check(CLI::PositiveNumber);
  train_command->add_option("--min-count", train->min_count,
                            "Drop features seen fewer times in training");
  train_command->add_option("--prune", train->prune,
                            "Drop weights smaller than this");
  train_command->add_option("--threads", train->clusters_threads,
                            "Threads for clustering");
  train_command->callback([train, &context] {
    std::vector<std::string> args = {"newsflow", "train-ner"};
    for (const auto& [flag, value] :
         std::vector<std::pair<std::string, std::string>>{
             {"--train", train->train}, {"--dev", train->dev}}) {
      if (!value.empty()) args.push_back(flag + " " + value);
    }
    for (const std::string& corpus : train->corpora) {
      args.push_back("--corpus " + corpus);
    }
    // A lexicon read from this cache was built by an earlier run: name it,
    // so that the description never hides where the clusters came from.
    if (!train->lexicon.empty()) args.push_back("--lexicon " + train->lexicon);
    args.push_back(absl::StrCat("--epochs ", train->epochs, " --seed ",
                                train->seed, " --ensemble ", train->ensemble,
                                " --min-count ", train->min_count, " --prune ",
                                train->prune));
    args.push_back("--out " + train->out);
    train->command_line = absl::StrJoin(args, " ");
    context.exit_code = TrainNer(*train);
  });

  struct EvalOptions {
    std::string model;
    std::vector<std::string> tests;
    std::string predictions;
  };
  auto eval = std::make_shared<EvalOptions>();
  auto* eval_command = app.add_subcommand(
      "eval-ner",
      "Score a named-entity model on CoNLL files (conlleval's exact-span "
      "precision, recall and F1 per type and overall) and time it; with "
      "several --test files, also one table of them all.\n"
      "Example: newsflow eval-ner --test ../shared/corpora/conll2003/"
      "eng.testb --test ../shared/corpora/conllpp-dev/conllpp.dev "
      "--test ../shared/corpora/wikigold/wikigold.conll.txt");
  eval_command->add_option("--model", eval->model,
                           "Model file (default: the shipped models/ner.bin)");
  eval_command
      ->add_option("--test", eval->tests,
                   "CoNLL file to score; repeatable (one table of all)")
      ->required();
  eval_command->add_option(
      "--predictions", eval->predictions,
      "Also write \"word gold guess\" lines for conlleval.pl here");
  eval_command->callback([eval, &context] {
    context.exit_code = EvalNer(eval->model, eval->tests, eval->predictions);
  });

  struct DfOptions {
    std::vector<std::string> corpora;
    int min_df = 3;
    std::string out;
  };
  auto df = std::make_shared<DfOptions>();
  auto* df_command = app.add_subcommand(
      "build-keyword-df",
      "Count keyword document frequencies over corpora, for the tag "
      "stage's TF-IDF (its keyword_df option).\n"
      "Example: newsflow build-keyword-df --corpus ../shared/corpora/bbc "
      "--corpus ../shared/corpora/reuters21578 --out models/keyword_df.tsv");
  df_command
      ->add_option("--corpus", df->corpora,
                   "Files or folders (.sgm, CoNLL or plain text; one "
                   "document per Reuters record or file); repeatable")
      ->required();
  df_command->add_option("--min-df", df->min_df,
                         "Leave out terms found in fewer documents");
  df_command->add_option("--out", df->out, "Table to write")->required();
  df_command->callback([df, &context] {
    std::string command_line = "newsflow build-keyword-df";
    for (const std::string& corpus : df->corpora) {
      command_line += " --corpus " + corpus;
    }
    command_line += absl::StrCat(" --min-df ", df->min_df, " --out ", df->out);
    context.exit_code =
        BuildKeywordDf(df->corpora, df->min_df, df->out, command_line);
  });
}

}  // namespace newsflow
