#include "stages/tag/ner_trainer.h"

#include <time.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <random>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "stages/tag/ner_tagger.h"

namespace newsflow {
namespace tag {
namespace {

constexpr int L = kNerLabels;
constexpr int T = kNerTransitionSize;

// One sentence with its features as dense ids.
struct Example {
  // Token i's static features are ids[offsets[i], offsets[i + 1]).
  std::vector<uint32_t> offsets;
  std::vector<uint8_t> gold;
  // For the prediction-history features, which change as tagging goes on.
  std::vector<const WordFacts*> facts;
};

struct Corpus {
  std::vector<Example> sentences;
  // Sentence ranges [first, second) of each document.
  std::vector<std::pair<size_t, size_t>> documents;
  std::vector<uint32_t> ids;
  size_t tokens = 0;
};

// Keys of every token of `documents`, sentence by sentence.
struct KeyedCorpus {
  std::vector<std::vector<uint64_t>> keys;        // per token
  std::vector<const WordFacts*> facts;            // per token
  std::vector<std::vector<uint8_t>> gold;         // per sentence
  std::vector<std::pair<size_t, size_t>> ranges;  // token range per sentence
  std::vector<std::pair<size_t, size_t>> documents;
};

KeyedCorpus ExtractKeys(const std::vector<ConllDocument>& documents,
                        NerFeatures* features) {
  KeyedCorpus corpus;
  NerInput input;
  std::vector<uint8_t> labels;
  PreparedDocument prepared;
  for (const ConllDocument& document : documents) {
    ConllToNer(document, &input, &labels);
    features->Prepare(input, &prepared);
    const size_t first_sentence = corpus.ranges.size();
    for (size_t s = 0; s < prepared.sentences.size(); ++s) {
      const auto& sentence = prepared.sentences[s];
      corpus.ranges.emplace_back(
          corpus.keys.size(),
          corpus.keys.size() + sentence.end - sentence.begin);
      corpus.gold.emplace_back(labels.begin() + sentence.begin,
                               labels.begin() + sentence.end);
      for (size_t i = sentence.begin; i < sentence.end; ++i) {
        std::vector<uint64_t>& keys = corpus.keys.emplace_back();
        features->AppendAllKeys(prepared, s, i, &keys);
        corpus.facts.push_back(prepared.tokens[i].facts);
      }
    }
    if (corpus.ranges.size() > first_sentence) {
      corpus.documents.emplace_back(first_sentence, corpus.ranges.size());
    }
  }
  return corpus;
}

Corpus ToDense(const KeyedCorpus& keyed,
               const absl::flat_hash_map<uint64_t, uint32_t>& ids) {
  Corpus corpus;
  corpus.documents = keyed.documents;
  for (size_t s = 0; s < keyed.ranges.size(); ++s) {
    Example& example = corpus.sentences.emplace_back();
    example.gold = keyed.gold[s];
    example.offsets.push_back(static_cast<uint32_t>(corpus.ids.size()));
    for (size_t t = keyed.ranges[s].first; t < keyed.ranges[s].second; ++t) {
      for (uint64_t key : keyed.keys[t]) {
        auto it = ids.find(key);
        if (it != ids.end()) corpus.ids.push_back(it->second);
      }
      example.offsets.push_back(static_cast<uint32_t>(corpus.ids.size()));
      example.facts.push_back(keyed.facts[t]);
      ++corpus.tokens;
    }
  }
  return corpus;
}

NerTransitions Masked(const std::vector<float>& transitions) {
  NerTransitions masked;
  for (int i = 0; i < T * T; ++i) {
    masked[i] = NerTransitionAllowed(i / T, i % T) ? transitions[i] : -1e30f;
  }
  return masked;
}

// Decodes corpus documents in order, as the tagger does, keeping the
// prediction history per document.
class SequentialDecoder {
 public:
  SequentialDecoder(const NerFeatures& features,
                    const absl::flat_hash_map<uint64_t, uint32_t>& ids)
      : features_(features), ids_(ids) {}

  void StartDocument() { history_.Clear(); }

  // Decodes one sentence into `guess`; dynamic_ids()/dynamic_offsets()
  // then hold its history features.
  void Decode(const Example& example, const std::vector<uint32_t>& ids,
              const std::vector<float>& weights,
              const NerTransitions& transitions, std::vector<uint8_t>* guess) {
    const size_t n = example.gold.size();
    emissions_.assign(n * L, 0.0f);
    dynamic_ids_.clear();
    dynamic_offsets_.assign(1, 0);
    for (size_t i = 0; i < n; ++i) {
      float* row = &emissions_[i * L];
      for (uint32_t k = example.offsets[i]; k < example.offsets[i + 1]; ++k) {
        const float* w = &weights[size_t(ids[k]) * L];
        for (int y = 0; y < L; ++y) row[y] += w[y];
      }
      keys_.clear();
      features_.AppendHistoryKeys(history_, *example.facts[i], &keys_);
      for (uint64_t key : keys_) {
        auto it = ids_.find(key);
        if (it == ids_.end()) continue;
        dynamic_ids_.push_back(it->second);
        const float* w = &weights[size_t(it->second) * L];
        for (int y = 0; y < L; ++y) row[y] += w[y];
      }
      dynamic_offsets_.push_back(static_cast<uint32_t>(dynamic_ids_.size()));
    }
    guess->resize(n);
    decoder_.Decode(emissions_.data(), n, transitions, guess->data());
    for (size_t i = 0; i < n; ++i) history_.Add(*example.facts[i], (*guess)[i]);
  }

  const std::vector<uint32_t>& dynamic_ids() const { return dynamic_ids_; }
  const std::vector<uint32_t>& dynamic_offsets() const {
    return dynamic_offsets_;
  }

 private:
  const NerFeatures& features_;
  const absl::flat_hash_map<uint64_t, uint32_t>& ids_;
  NerHistory history_;
  NerDecoder decoder_;
  std::vector<float> emissions_;
  std::vector<uint64_t> keys_;
  std::vector<uint32_t> dynamic_ids_;
  std::vector<uint32_t> dynamic_offsets_;
};

// Span F1 of `weights` on `corpus`.
double DevF1(const Corpus& corpus, const NerFeatures& features,
             const absl::flat_hash_map<uint64_t, uint32_t>& ids,
             const std::vector<float>& weights,
             const std::vector<float>& transitions) {
  SequentialDecoder decoder(features, ids);
  NerTransitions masked = Masked(transitions);
  std::vector<uint8_t> guess;
  std::vector<NerSpan> gold_spans, guess_spans;
  int gold = 0, found = 0, correct = 0;
  for (auto [first, last] : corpus.documents) {
    decoder.StartDocument();
    for (size_t s = first; s < last; ++s) {
      const Example& example = corpus.sentences[s];
      const size_t n = example.gold.size();
      decoder.Decode(example, corpus.ids, weights, masked, &guess);
      NerSpans(example.gold.data(), n, &gold_spans);
      NerSpans(guess.data(), n, &guess_spans);
      gold += static_cast<int>(gold_spans.size());
      found += static_cast<int>(guess_spans.size());
      for (const NerSpan& g : guess_spans) {
        for (const NerSpan& t : gold_spans) {
          if (g.begin == t.begin && g.end == t.end && g.type == t.type) {
            ++correct;
            break;
          }
        }
      }
    }
  }
  double p = found ? double(correct) / found : 0;
  double r = gold ? double(correct) / gold : 0;
  return p + r > 0 ? 2 * p * r / (p + r) : 0;
}

}  // namespace

void ConllToNer(const ConllDocument& document, NerInput* input,
                std::vector<uint8_t>* labels) {
  input->Clear();
  labels->clear();
  for (const ConllSentence& sentence : document.sentences) {
    const size_t base = input->words.size();
    for (const std::string& word : sentence.words) input->words.push_back(word);
    input->sentence_ends.push_back(static_cast<uint32_t>(input->words.size()));
    labels->resize(input->words.size(), 0);
    for (const ConllChunk& chunk : ChunksOf(sentence.tags)) {
      const int type = NerTypeFromName(chunk.type);
      if (type < 0) continue;
      for (int i = chunk.begin; i < chunk.end; ++i) {
        int position = chunk.end - chunk.begin == 1 ? kUnit
                       : i == chunk.begin           ? kBegin
                       : i + 1 == chunk.end         ? kLast
                                                    : kInside;
        (*labels)[base + i] = static_cast<uint8_t>(NerLabel(type, position));
      }
    }
  }
}

absl::StatusOr<std::unique_ptr<NerModel>> TrainNerModel(
    const std::vector<ConllDocument>& train,
    const std::vector<ConllDocument>& dev, NerLexicon lexicon,
    const NerTrainOptions& options, std::string description) {
  auto report = [&](const std::string& line) {
    if (options.progress) options.progress(line);
  };
  if (options.epochs < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("epochs must be positive, got ", options.epochs));
  }
  // Nothing may be evicted: the corpora keep pointers to the facts of
  // every word, digits included, for the prediction history.
  NerFeatures features(&lexicon, SIZE_MAX, SIZE_MAX);
  KeyedCorpus train_keys = ExtractKeys(train, &features);
  if (train_keys.keys.empty()) {
    return absl::InvalidArgumentError("no training sentences");
  }
  absl::flat_hash_map<uint64_t, uint32_t> counts;
  for (const auto& keys : train_keys.keys) {
    for (uint64_t key : keys) ++counts[key];
  }
  absl::flat_hash_map<uint64_t, uint32_t> ids;
  std::vector<uint64_t> id_keys;
  for (const auto& [key, count] : counts) {
    if (static_cast<int>(count) < options.min_feature_count) continue;
    ids[key] = static_cast<uint32_t>(id_keys.size());
    id_keys.push_back(key);
  }
  for (uint64_t key : NerFeatures::AllHistoryKeys()) {
    if (ids.try_emplace(key, static_cast<uint32_t>(id_keys.size())).second) {
      id_keys.push_back(key);
    }
  }
  counts.clear();
  Corpus train_corpus = ToDense(train_keys, ids);
  train_keys = KeyedCorpus();
  Corpus dev_corpus = ToDense(ExtractKeys(dev, &features), ids);
  report(absl::StrFormat("train: %d sentences, %d tokens, %d features",
                         train_corpus.sentences.size(), train_corpus.tokens,
                         id_keys.size()));

  const size_t F = id_keys.size();
  // One averaged perceptron, trained visiting documents in the order
  // `seed` shuffles them; its best epoch's weights go to *best, *best_t.
  auto train_with_seed = [&](uint64_t seed, std::vector<float>* best,
                             std::vector<float>* best_t) {
    std::vector<float> weights(F * L, 0.0f), accumulated(F * L, 0.0f);
    std::vector<float> transitions(T * T, 0.0f), accumulated_t(T * T, 0.0f);
    std::vector<float> average(F * L), average_t(T * T);
    double best_f1 = -1;
    int best_epoch = 0;
    double step = 1;

    SequentialDecoder decoder(features, ids);
    std::vector<uint8_t> guess;
    std::vector<size_t> order(train_corpus.documents.size());
    std::iota(order.begin(), order.end(), 0);
    std::mt19937_64 rng(seed);

    auto update = [&](const Example& example, size_t i, int label,
                      float delta) {
      auto bump = [&](uint32_t id) {
        size_t index = size_t(id) * L + label;
        weights[index] += delta;
        accumulated[index] += static_cast<float>(step) * delta;
      };
      for (uint32_t k = example.offsets[i]; k < example.offsets[i + 1]; ++k) {
        bump(train_corpus.ids[k]);
      }
      for (uint32_t k = decoder.dynamic_offsets()[i];
           k < decoder.dynamic_offsets()[i + 1]; ++k) {
        bump(decoder.dynamic_ids()[k]);
      }
    };
    auto update_transition = [&](int from, int to, float delta) {
      transitions[from * T + to] += delta;
      accumulated_t[from * T + to] += static_cast<float>(step) * delta;
    };

    for (int epoch = 1; epoch <= options.epochs; ++epoch) {
      const auto start = std::chrono::steady_clock::now();
      for (size_t i = order.size(); i > 1; --i) {
        std::swap(order[i - 1], order[rng() % i]);
      }
      int mistakes = 0;
      for (size_t document : order) {
        decoder.StartDocument();
        const auto [first, last] = train_corpus.documents[document];
        for (size_t index = first; index < last; ++index) {
          const Example& example = train_corpus.sentences[index];
          const size_t n = example.gold.size();
          decoder.Decode(example, train_corpus.ids, weights,
                         Masked(transitions), &guess);
          if (guess != example.gold) {
            ++mistakes;
            for (size_t i = 0; i < n; ++i) {
              if (guess[i] == example.gold[i]) continue;
              update(example, i, example.gold[i], 1.0f);
              update(example, i, guess[i], -1.0f);
            }
            for (size_t i = 0; i <= n; ++i) {
              int gold_from = i == 0 ? kNerBoundary : example.gold[i - 1];
              int gold_to = i == n ? kNerBoundary : example.gold[i];
              int guess_from = i == 0 ? kNerBoundary : guess[i - 1];
              int guess_to = i == n ? kNerBoundary : guess[i];
              if (gold_from == guess_from && gold_to == guess_to) continue;
              update_transition(gold_from, gold_to, 1.0f);
              update_transition(guess_from, guess_to, -1.0f);
            }
          }
          step += 1;
        }
      }
      for (size_t i = 0; i < weights.size(); ++i) {
        average[i] = weights[i] - accumulated[i] / static_cast<float>(step);
      }
      for (size_t i = 0; i < transitions.size(); ++i) {
        average_t[i] =
            transitions[i] - accumulated_t[i] / static_cast<float>(step);
      }
      const double f1 =
          dev_corpus.sentences.empty()
              ? 0
              : DevF1(dev_corpus, features, ids, average, average_t);
      const double seconds = std::chrono::duration<double>(
                                 std::chrono::steady_clock::now() - start)
                                 .count();
      report(absl::StrFormat(
          "seed %d epoch %2d: %d sentences wrong, dev F1 %.4f (%.1fs)", seed,
          epoch, mistakes, f1, seconds));
      if (dev_corpus.sentences.empty() || f1 > best_f1) {
        best_f1 = f1;
        best_epoch = epoch;
        *best = average;
        *best_t = average_t;
      }
    }
    report(absl::StrFormat("seed %d: best epoch %d, dev F1 %.4f", seed,
                           best_epoch, best_f1));
  };

  // Several perceptrons that differ only in the order they saw the data,
  // averaged into one model (parameter mixing, Mann et al. 2009; McDonald
  // et al. 2010): the same size and speed as one, and less sensitive to
  // the luck of one order.
  std::vector<float> best(F * L, 0.0f), best_t(T * T, 0.0f);
  std::vector<float> one, one_t;
  const int members = std::max(1, options.ensemble);
  for (int member = 0; member < members; ++member) {
    train_with_seed(options.seed + member, &one, &one_t);
    for (size_t i = 0; i < best.size(); ++i) best[i] += one[i] / members;
    for (size_t i = 0; i < best_t.size(); ++i) best_t[i] += one_t[i] / members;
  }
  if (members > 1 && !dev_corpus.sentences.empty()) {
    report(absl::StrFormat("average of %d: dev F1 %.4f", members,
                           DevF1(dev_corpus, features, ids, best, best_t)));
  }

  if (options.prune_below > 0) {
    for (float& w : best) {
      if (std::fabs(w) < options.prune_below) w = 0;
    }
  }
  NerTransitions final_transitions;
  std::copy(best_t.begin(), best_t.end(), final_transitions.begin());
  return NerModel::FromWeights(std::move(lexicon), id_keys, best,
                               final_transitions, std::move(description));
}

std::vector<std::string> Iob1Tags(const uint8_t* labels, size_t n) {
  std::vector<std::string> tags(n, "O");
  std::vector<NerSpan> spans;
  NerSpans(labels, n, &spans);
  for (size_t k = 0; k < spans.size(); ++k) {
    const NerSpan& span = spans[k];
    const std::string type(NerTypeName(span.type));
    for (uint32_t i = span.begin; i < span.end; ++i) tags[i] = "I-" + type;
    if (k > 0 && spans[k - 1].end == span.begin &&
        spans[k - 1].type == span.type) {
      tags[span.begin] = "B-" + type;
    }
  }
  return tags;
}

namespace {

// On a shared machine wall time measures the neighbours as much as the
// tagger; this thread's CPU time does not.
double ThreadCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + ts.tv_nsec * 1e-9;
}

}  // namespace

NerEvaluation EvaluateNer(const NerModel& model,
                          const std::vector<ConllDocument>& documents,
                          std::ostream* predictions) {
  NerEvaluation evaluation;
  NerTagger tagger(model);
  NerInput input;
  std::vector<uint8_t> gold, labels;
  for (const ConllDocument& document : documents) {
    ConllToNer(document, &input, &gold);
    const double start = ThreadCpuSeconds();
    tagger.Tag(input, &labels);
    evaluation.seconds += ThreadCpuSeconds() - start;
    evaluation.tokens += input.words.size();
    size_t base = 0;
    if (predictions != nullptr) *predictions << "-DOCSTART- O O\n\n";
    for (const ConllSentence& sentence : document.sentences) {
      std::vector<std::string> guessed =
          Iob1Tags(labels.data() + base, sentence.words.size());
      evaluation.scores.Add(sentence.tags, guessed);
      if (predictions != nullptr) {
        for (size_t i = 0; i < sentence.words.size(); ++i) {
          *predictions << sentence.words[i] << ' ' << sentence.tags[i] << ' '
                       << guessed[i] << '\n';
        }
        *predictions << '\n';
      }
      base += sentence.words.size();
    }
  }
  return evaluation;
}

}  // namespace tag
}  // namespace newsflow
