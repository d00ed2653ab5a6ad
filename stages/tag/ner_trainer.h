// Training and evaluation of the named-entity model on CoNLL-format data.
//
// Training is an averaged structured perceptron (Collins 2002): each
// training sentence is decoded with Viterbi under BILOU constraints and,
// when the best path is wrong, the weights of the gold path's features go
// up and those of the predicted path go down. The weights returned are the
// average over every update step, taken after the epoch that scores best
// on the development set. Features seen fewer than min_feature_count times
// in training and weights that round to zero are dropped.
#ifndef NEWSFLOW_STAGES_TAG_NER_TRAINER_H_
#define NEWSFLOW_STAGES_TAG_NER_TRAINER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "stages/tag/conll.h"
#include "stages/tag/ner_features.h"
#include "stages/tag/ner_model.h"

namespace newsflow {
namespace tag {

struct NerTrainOptions {
  int epochs = 15;
  int min_feature_count = 2;
  // Weights (of the averaged model) smaller than this are dropped, which
  // keeps the model file small at no measurable cost.
  float prune_below = 0.0f;
  // Seed of the first training order; member k of an ensemble uses
  // seed + k.
  uint64_t seed = 1;
  // Perceptrons trained (each on its own document order) and averaged
  // into the model.
  int ensemble = 1;
  // Receives one line per epoch.
  std::function<void(const std::string&)> progress;
};

// The words of a CoNLL document as NER input, and its gold BILOU labels.
void ConllToNer(const ConllDocument& document, NerInput* input,
                std::vector<uint8_t>* labels);

// Trains on `train`, choosing the epoch by F1 on `dev` (by the last epoch
// when `dev` is empty). `description` is stored in the model.
absl::StatusOr<std::unique_ptr<NerModel>> TrainNerModel(
    const std::vector<ConllDocument>& train,
    const std::vector<ConllDocument>& dev, NerLexicon lexicon,
    const NerTrainOptions& options, std::string description);

struct NerEvaluation {
  ConllScorer scores;
  size_t tokens = 0;
  // This thread's CPU time spent tagging alone (features, scoring,
  // decoding), with a fresh tagger: every word is seen for the first time.
  double seconds = 0;
};

// Tags `documents` with `model` the way the tag stage does (NerTagger) and
// scores the result against their tags. When `predictions` is set it
// receives "word gold guess" lines (IOB1) that conlleval.pl reads.
NerEvaluation EvaluateNer(const NerModel& model,
                          const std::vector<ConllDocument>& documents,
                          std::ostream* predictions = nullptr);

// IOB1 tags (CoNLL-2003's scheme) for labels: "I-" everywhere, "B-" only
// where a chunk directly follows one of the same type.
std::vector<std::string> Iob1Tags(const uint8_t* labels, size_t n);

}  // namespace tag
}  // namespace newsflow

#endif  // NEWSFLOW_STAGES_TAG_NER_TRAINER_H_
