// The statistical NER: CoNLL reading and conlleval-exact scoring, BILOU
// decoding, the model file, a tiny training run, and the shipped model's
// accuracy on CoNLL-2003 testb (read from ../shared at run time; training
// on the real data is `newsflow train-ner`'s job, never a test's). Every
// sentence here is our own writing.
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "stages/tag/conll.h"
#include "stages/tag/ner_features.h"
#include "stages/tag/ner_lexicon.h"
#include "stages/tag/ner_model.h"
#include "stages/tag/ner_tagger.h"
#include "stages/tag/ner_text.h"
#include "stages/tag/ner_trainer.h"
#include "stages/tag/u64_map.h"
#include "tests/unit/stages/tag_test_util.h"

namespace newsflow {
namespace tag {
namespace {

// The per-document tally map: counts survive growth, Clear() forgets them
// all (the next document starts from zero), and any key (0, keys that
// collide in the low bits) is its own.
TEST(U64MapTest, TalliesGrowAndClearForTheNextDocument) {
  U64Map<int> map;
  EXPECT_EQ(map.Find(0), nullptr);
  for (int document = 0; document < 3; ++document) {
    const uint64_t keys = document == 1 ? 5000 : 40;
    for (uint64_t k = 0; k < keys; ++k) {
      for (uint64_t times = 0; times <= k % 3; ++times) ++map[k << 20];
    }
    ASSERT_EQ(map.size(), keys);
    for (uint64_t k = 0; k < keys; ++k) {
      const int* count = map.Find(k << 20);
      ASSERT_NE(count, nullptr) << k;
      EXPECT_EQ(*count, static_cast<int>(k % 3) + 1) << k;
    }
    EXPECT_EQ(map.Find((keys << 20) + 1), nullptr);
    map.Clear();
    EXPECT_EQ(map.size(), 0u);
    EXPECT_EQ(map.Find(0), nullptr);
    EXPECT_EQ(map[0], 0);
    map.Clear();
  }
  // A table grown past what is kept is released, and works again.
  for (uint64_t k = 0; k < 100000; ++k) map[k] = 1;
  map.Clear();
  EXPECT_EQ(map.Find(7), nullptr);
  map[7] = 3;
  EXPECT_EQ(*map.Find(7), 3);
}

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

// A little under what the shipped model scores on eng.testb (87.95, see
// models/README.md), so that retraining may move it slightly. The model
// before the name cues scored 88.31 here but 81.12 on CoNLL++ (2020 news);
// the cues were chosen on eng.testa and the CoNLL++ dev half, which both
// rose, and cost 0.36 on this 1996 test set.
constexpr double kShippedF1Floor = 0.875;
// A little under the shipped model on the CoNLL++ dev half (82.60; 81.12
// before issue 19's name cues, apostrophes and label consistency).
constexpr double kShippedConllppFloor = 0.820;

// --- CoNLL files and conlleval's chunks --------------------------------------

constexpr char kConll[] =
    "-DOCSTART- -X- -X- O\n"
    "\n"
    "Marta NNP I-NP I-PER\n"
    "Silva NNP I-NP I-PER\n"
    "visited VBD I-VP O\n"
    "Porto NNP I-NP I-LOC\n"
    ". . O O\n"
    "\n"
    "-DOCSTART- -X- -X- O\n"
    "\n"
    "Lisbon NNP I-NP I-LOC\n"
    "Porto NNP I-NP B-LOC\n"
    "Benfica NNP I-NP I-ORG\n"
    "\n";

TEST(ConllTest, ReadsDocumentsSentencesAndTags) {
  absl::StatusOr<std::vector<ConllDocument>> documents =
      ParseConll(kConll, "test");
  ASSERT_TRUE(documents.ok()) << documents.status().message();
  ASSERT_EQ(documents->size(), 2u);
  ASSERT_EQ((*documents)[0].sentences.size(), 1u);
  EXPECT_THAT((*documents)[0].sentences[0].words,
              ElementsAre("Marta", "Silva", "visited", "Porto", "."));
  EXPECT_THAT((*documents)[1].sentences[0].tags,
              ElementsAre("I-LOC", "B-LOC", "I-ORG"));
  absl::StatusOr<std::vector<ConllDocument>> bad =
      ParseConll("word NN X-PER\n", "bad.conll");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("bad.conll:1"));
}

TEST(ConllTest, ChunksFollowConlleval) {
  // IOB1: B- only separates touching chunks of one type.
  EXPECT_THAT(ChunksOf({"I-LOC", "B-LOC", "I-ORG", "O", "I-PER", "I-PER"}),
              ElementsAre(ConllChunk{0, 1, "LOC"}, ConllChunk{1, 2, "LOC"},
                          ConllChunk{2, 3, "ORG"}, ConllChunk{4, 6, "PER"}));
  // IOB2 and BILOU spellings of the same chunks.
  EXPECT_THAT(ChunksOf({"B-PER", "I-PER", "O", "B-LOC"}),
              ElementsAre(ConllChunk{0, 2, "PER"}, ConllChunk{3, 4, "LOC"}));
  EXPECT_THAT(ChunksOf({"B-PER", "L-PER", "U-LOC", "U-LOC"}),
              ElementsAre(ConllChunk{0, 2, "PER"}, ConllChunk{2, 3, "LOC"},
                          ConllChunk{3, 4, "LOC"}));
}

TEST(ConllTest, ScoresLikeConlleval) {
  ConllScorer scorer;
  // Gold: PER(0-2), LOC(3); guess: PER(0-2) right, LOC(3) typed ORG.
  scorer.Add({"I-PER", "I-PER", "O", "I-LOC"},
             {"I-PER", "I-PER", "O", "I-ORG"});
  // Gold: LOC(0); guess: nothing.
  scorer.Add({"I-LOC", "O"}, {"O", "O"});
  EXPECT_EQ(scorer.Overall().gold, 3);
  EXPECT_EQ(scorer.Overall().found, 2);
  EXPECT_EQ(scorer.Overall().correct, 1);
  EXPECT_DOUBLE_EQ(scorer.accuracy(), 4.0 / 6.0);
  const std::string report = scorer.Format();
  EXPECT_THAT(report, HasSubstr("processed 6 tokens with 3 phrases; found: 2 "
                                "phrases; correct: 1."));
  EXPECT_THAT(report, HasSubstr("precision:  50.00%; recall:  33.33%; FB1:  "
                                "40.00"));
  EXPECT_THAT(report, HasSubstr("              PER: precision: 100.00%; "
                                "recall: 100.00%; FB1: 100.00  1"));
  EXPECT_THAT(report, HasSubstr("              LOC: precision:   0.00%"));
}

// The model's filter of known keys never says no to a known key, and says
// yes to few unknown ones (about 2% at 16 bits per key).
TEST(NerModelTest, MayHaveEveryKnownKeyAndFewUnknownOnes) {
  uint64_t state = 12345;
  auto next_key = [&state] {
    state += 0x9e3779b97f4a7c15ull;
    uint64_t x = state;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
  };
  std::vector<uint64_t> keys(5000);
  for (uint64_t& key : keys) key = next_key();
  std::vector<float> weights(keys.size() * kNerLabels, 0.5f);
  const std::unique_ptr<NerModel> model = NerModel::FromWeights(
      NerLexicon(), keys, weights, NerTransitions{}, "filter test");
  ASSERT_EQ(model->features(), keys.size());
  for (uint64_t key : keys) {
    ASSERT_TRUE(model->MayHave(key)) << key;
    ASSERT_NE(model->Find(key), nullptr) << key;
  }
  int unknown_yes = 0;
  constexpr int kUnknown = 100000;
  for (int i = 0; i < kUnknown; ++i) {
    const uint64_t key = next_key();
    if (model->MayHave(key)) {
      ++unknown_yes;
    } else {
      ASSERT_EQ(model->Find(key), nullptr) << key;
    }
  }
  EXPECT_LT(unknown_yes, kUnknown / 20);
}

// --- Labels and decoding -----------------------------------------------------

TEST(NerDecoderTest, BilouConstraintsHold) {
  EXPECT_TRUE(NerTransitionAllowed(kNerBoundary, NerLabel(0, kBegin)));
  EXPECT_FALSE(NerTransitionAllowed(kNerBoundary, NerLabel(0, kInside)));
  EXPECT_TRUE(NerTransitionAllowed(NerLabel(1, kBegin), NerLabel(1, kLast)));
  EXPECT_FALSE(NerTransitionAllowed(NerLabel(1, kBegin), NerLabel(2, kLast)));
  EXPECT_FALSE(NerTransitionAllowed(NerLabel(1, kInside), kNerBoundary));
  EXPECT_TRUE(NerTransitionAllowed(NerLabel(3, kUnit), 0));

  // Emissions that prefer an illegal path ("I-PER" first): the decoder
  // still returns a legal one.
  std::vector<float> emissions(3 * kNerLabels, 0.0f);
  emissions[0 * kNerLabels + NerLabel(0, kInside)] = 5;
  emissions[1 * kNerLabels + NerLabel(0, kLast)] = 5;
  emissions[2 * kNerLabels + 0] = 1;
  NerTransitions transitions{};
  for (int from = 0; from < kNerTransitionSize; ++from) {
    for (int to = 0; to < kNerTransitionSize; ++to) {
      if (!NerTransitionAllowed(from, to)) {
        transitions[from * kNerTransitionSize + to] = -1e30f;
      }
    }
  }
  uint8_t labels[3];
  NerDecoder decoder;
  decoder.Decode(emissions.data(), 3, transitions, labels);
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(
        NerTransitionAllowed(i == 0 ? kNerBoundary : labels[i - 1], labels[i]));
  }
  EXPECT_TRUE(NerTransitionAllowed(labels[2], kNerBoundary));
  std::vector<NerSpan> spans;
  NerSpans(labels, 3, &spans);
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(spans[0].begin, 0u);
  EXPECT_EQ(spans[0].end, 2u);
  EXPECT_EQ(spans[0].type, 0);
  const std::vector<uint8_t> two_units = {
      static_cast<uint8_t>(NerLabel(2, kUnit)),
      static_cast<uint8_t>(NerLabel(2, kUnit))};
  EXPECT_THAT(Iob1Tags(two_units.data(), 2), ElementsAre("I-LOC", "B-LOC"));
}

// --- Text for the model ------------------------------------------------------

TEST(NerTextTest, FollowsConllConventions) {
  TokenizedArticle article;
  const std::string body =
      "Kadafi’s envoy met “rebels” in Brega. He left.\n"
      "(The talks — brief — ended.)";
  article.Reset("", body);
  NerInput input;
  std::vector<int32_t> origin;
  AppendNerWords(article.tokens, 0, article.tokens.size(), &input, &origin);
  std::vector<std::string> words(input.words.begin(), input.words.end());
  EXPECT_THAT(words,
              ElementsAre("Kadafi", "'s", "envoy", "met", "\"", "rebels", "\"",
                          "in", "Brega", ".", "He", "left", ".", "(", "The",
                          "talks", "-", "brief", "-", "ended", ".", ")"));
  EXPECT_THAT(input.sentence_ends, ElementsAre(10, 13, 22));
  ASSERT_EQ(origin.size(), words.size());
  EXPECT_EQ(origin[1], -1);  // the split-off possessive
  EXPECT_EQ(article.tokens[origin[8]].text, "Brega");
}

// --- A model trained on a toy corpus -----------------------------------------

std::vector<ConllDocument> ToyCorpus() {
  // People are "<Given> <Surname>" before "said"; places follow "in".
  const std::vector<std::string> given = {"Marta", "Jonas", "Elena", "Tomas"};
  const std::vector<std::string> surnames = {"Silva", "Berg", "Varga",
                                             "Brandt"};
  const std::vector<std::string> places = {"Porto", "Riga", "Split", "Bergen"};
  std::vector<ConllDocument> documents(1);
  for (size_t i = 0; i < 16; ++i) {
    ConllSentence& s = documents[0].sentences.emplace_back();
    s.words = {given[i % 4], surnames[(i / 4) % 4], "said",  "talks",
               "in",         places[(i + 1) % 4],   "ended", "."};
    s.tags = {"I-PER", "I-PER", "O", "O", "O", "I-LOC", "O", "O"};
  }
  return documents;
}

// A lexicon built from the words of `document`, with clusters small enough
// for a toy corpus.
NerLexicon ToyLexicon(const ConllDocument& document) {
  std::vector<LexiconSentence> unlabeled;
  for (const ConllSentence& s : document.sentences) {
    unlabeled.push_back(s.words);
  }
  LexiconBuildOptions lexicon_options;
  lexicon_options.clusters = {2, 4, 8};
  lexicon_options.min_count = 1;
  lexicon_options.threads = 1;
  return NerLexicon::Build(unlabeled, lexicon_options);
}

TEST(NerTrainerTest, LearnsAToyCorpusAndRoundTrips) {
  std::vector<ConllDocument> corpus = ToyCorpus();
  NerLexicon lexicon = ToyLexicon(corpus[0]);
  EXPECT_GT(lexicon.clustered_words(), 10u);
  EXPECT_NE(lexicon.Clusters("Porto")[0], 0);

  NerTrainOptions options;
  options.epochs = 5;
  options.min_feature_count = 1;
  absl::StatusOr<std::unique_ptr<NerModel>> model =
      TrainNerModel(corpus, corpus, std::move(lexicon), options, "toy");
  ASSERT_TRUE(model.ok()) << model.status().message();
  NerEvaluation evaluation = EvaluateNer(**model, corpus);
  EXPECT_DOUBLE_EQ(evaluation.scores.Overall().f1(), 1.0);

  // An unseen sentence of the same shape.
  absl::StatusOr<std::vector<ConllDocument>> unseen = ParseConll(
      "Elena X I-PER\nBerg X I-PER\nsaid X O\ntalks X O\nin X O\n"
      "Split X I-LOC\nended X O\n. X O\n",
      "unseen");
  ASSERT_TRUE(unseen.ok());
  EXPECT_DOUBLE_EQ(EvaluateNer(**model, *unseen).scores.Overall().f1(), 1.0);

  // Saved and loaded, it tags the same.
  const std::string bytes = (*model)->ToBytes();
  absl::StatusOr<std::unique_ptr<NerModel>> loaded = NerModel::FromBytes(bytes);
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  EXPECT_EQ((*loaded)->description(), "toy");
  EXPECT_EQ((*loaded)->features(), (*model)->features());
  EXPECT_EQ((*loaded)->ToBytes(), bytes);

  // Damage is detected, never misread.
  std::string damaged = bytes;
  damaged[damaged.size() / 2] ^= 0x40;
  EXPECT_FALSE(NerModel::FromBytes(damaged).ok());
  EXPECT_FALSE(NerModel::FromBytes(bytes.substr(0, 100)).ok());
  EXPECT_FALSE(NerModel::FromBytes("not a model").ok());
}

// An ensemble averages perceptrons trained on different document orders:
// reported member by member, as accurate on the toy corpus, different from
// its first member alone, and the same bytes every time it is trained.
TEST(NerTrainerTest, EnsembleAveragesMembersDeterministically) {
  std::vector<ConllDocument> corpus = ToyCorpus();
  // Several documents, so that the seeds' orders differ.
  for (int copy = 0; copy < 3; ++copy) corpus.push_back(corpus[0]);
  const NerLexicon lexicon = ToyLexicon(corpus[0]);

  auto train = [&](int ensemble, std::vector<std::string>* lines) {
    NerTrainOptions options;
    options.epochs = 3;
    options.min_feature_count = 1;
    options.ensemble = ensemble;
    options.progress = [lines](const std::string& line) {
      lines->push_back(line);
    };
    absl::StatusOr<std::unique_ptr<NerModel>> model =
        TrainNerModel(corpus, corpus, lexicon, options, "toy");
    EXPECT_TRUE(model.ok()) << model.status().message();
    return model.ok() ? std::move(*model) : nullptr;
  };
  std::vector<std::string> single_lines, lines, again_lines;
  std::unique_ptr<NerModel> single = train(1, &single_lines);
  std::unique_ptr<NerModel> ensemble = train(3, &lines);
  std::unique_ptr<NerModel> again = train(3, &again_lines);
  ASSERT_NE(single, nullptr);
  ASSERT_NE(ensemble, nullptr);
  ASSERT_NE(again, nullptr);

  EXPECT_THAT(lines, Contains(HasSubstr("seed 3: best epoch")));
  EXPECT_THAT(lines, Contains(HasSubstr("average of 3")));
  EXPECT_THAT(single_lines, Not(Contains(HasSubstr("average of"))));
  EXPECT_DOUBLE_EQ(EvaluateNer(*ensemble, corpus).scores.Overall().f1(), 1.0);
  EXPECT_NE(ensemble->ToBytes(), single->ToBytes());
  EXPECT_EQ(ensemble->ToBytes(), again->ToBytes());
}

// Training keeps pointers to every word's facts for the prediction history,
// so no facts cache may be emptied while it runs: a corpus with more
// numbers than the tagger's bounded cache of digit words once read freed
// facts and trained a different model each time (from one process to the
// next; within one the freed memory is reused alike, so this test shows it
// reliably only under valgrind, which reported those reads).
TEST(NerTrainerTest, ManyNumbersTrainTheSameModelEveryTime) {
  std::string text = "-DOCSTART- X O\n\n";
  for (int n = 0; n < 3000; ++n) {
    text += n % 2 ? "Rosa X I-PER\nVale X I-PER\npaid X O\n"
                  : "Orvik X I-LOC\nreported X O\n";
    // A code with letters, mentioned twice, so the history reads its facts.
    const std::string code = "Q" + std::to_string(1000 + n / 2);
    text += code + " X I-MISC\ncases X O\n. X O\n\n";
    if (n % 50 == 49) text += "-DOCSTART- X O\n\n";
  }
  absl::StatusOr<std::vector<ConllDocument>> corpus =
      ParseConll(text, "numbers");
  ASSERT_TRUE(corpus.ok());
  auto train = [&]() {
    NerTrainOptions options;
    options.epochs = 2;
    options.min_feature_count = 1;
    absl::StatusOr<std::unique_ptr<NerModel>> model =
        TrainNerModel(*corpus, *corpus, NerLexicon(), options, "numbers");
    EXPECT_TRUE(model.ok()) << model.status().message();
    return model.ok() ? (*model)->ToBytes() : std::string();
  };
  const std::string first = train();
  EXPECT_FALSE(first.empty());
  EXPECT_EQ(train(), first);
}

// --- Name cues, apostrophes, document consistency ----------------------------

// Words of our own sentences, split on spaces.
LexiconSentence Words(std::string_view text) {
  LexiconSentence words;
  for (size_t begin = 0; begin < text.size();) {
    size_t end = text.find(' ', begin);
    if (end == std::string_view::npos) end = text.size();
    words.emplace_back(text.substr(begin, end - begin));
    begin = end + 1;
  }
  return words;
}

TEST(NerLexiconTest, LearnsNameCuesFromUnlabelledText) {
  std::vector<LexiconSentence> text = {
      Words("the board of Zorvex Inc met on a wet day ."),
      Words("analysts said shares of Quellmark rose after the results ."),
      Words("we heard that Mr Tarrow Pendle spoke at the dinner ."),
      Words("later Zorvex and Tarrow were seen by the river ."),
      Words("then Brindle Holdings bought a small farm ."),
  };
  LexiconBuildOptions options;
  options.clusters = {2, 2, 2};
  options.min_count = 1;
  options.threads = 1;
  NerLexicon lexicon = NerLexicon::Build(text, options);
  // Zorvex: once before a designator, once alone: half its mentions.
  EXPECT_EQ(OrganisationCue(lexicon.NameCues("zorvex")), 3);
  EXPECT_EQ(PersonCue(lexicon.NameCues("zorvex")), 0);
  EXPECT_EQ(OrganisationCue(lexicon.NameCues("quellmark")), 3);
  EXPECT_EQ(OrganisationCue(lexicon.NameCues("brindle")), 3);
  // The designator itself is no cue for its own word.
  EXPECT_EQ(lexicon.NameCues("holdings"), 0);
  EXPECT_EQ(PersonCue(lexicon.NameCues("pendle")), 3);
  EXPECT_EQ(PersonCue(lexicon.NameCues("tarrow")), 3);
  EXPECT_EQ(OrganisationCue(lexicon.NameCues("tarrow")), 0);
  EXPECT_EQ(lexicon.NameCues("river"), 0);

  // Saved with the lexicon.
  std::string bytes;
  lexicon.AppendTo(&bytes);
  NerLexicon loaded;
  size_t pos = 0;
  ASSERT_TRUE(loaded.ReadFrom(bytes, &pos).ok());
  EXPECT_EQ(pos, bytes.size());
  EXPECT_EQ(loaded.cued_words(), lexicon.cued_words());
  EXPECT_EQ(loaded.NameCues("zorvex"), lexicon.NameCues("zorvex"));
  EXPECT_EQ(loaded.NameCues("pendle"), lexicon.NameCues("pendle"));
}

TEST(NerFeaturesTest, TypographicApostrophesReadAsAscii) {
  NerFeatures features(nullptr);
  NerInput input;
  input.words = {
      "O\xE2\x80\x99"
      "Dwyer",
      "\xE2\x80\x99s", "O'Dwyer", "'s",
      "O\xE2\x80\x98"
      "Dwyer"};
  input.sentence_ends = {5};
  PreparedDocument document;
  features.Prepare(input, &document);
  EXPECT_EQ(document.tokens[0].facts->word, document.tokens[2].facts->word);
  EXPECT_EQ(document.tokens[0].facts->shape, document.tokens[2].facts->shape);
  EXPECT_EQ(document.tokens[1].facts->word, document.tokens[3].facts->word);
  EXPECT_EQ(document.tokens[4].facts->word, document.tokens[2].facts->word);
}

TEST(NerFeaturesTest, WordsWithADigitHaveABoundedCacheOfTheirOwn) {
  NerFeatures features(nullptr, /*max_cached_words=*/200000,
                       /*max_cached_digit_words=*/8);
  PreparedDocument document;
  std::vector<std::string> numbers;
  for (int i = 0; i < 50; ++i) {
    numbers = {absl::StrCat(1000 + i), absl::StrCat("A", 300 + i)};
    NerInput input;
    input.words = {"Report", numbers[0], "cost", numbers[1], numbers[0], "."};
    input.sentence_ends = {6};
    features.Prepare(input, &document);
    // Within the document a number is one word type, facts shared.
    EXPECT_EQ(document.tokens[1].facts, document.tokens[4].facts);
    EXPECT_TRUE(document.tokens[1].facts->Has(WordFacts::kHasDigit));
    EXPECT_TRUE(document.tokens[3].facts->Has(WordFacts::kHasDigit));
    EXPECT_FALSE(document.tokens[0].facts->Has(WordFacts::kHasDigit));
    EXPECT_LE(features.cached_digit_words(), 8u + 2u);
  }
  // A hundred new numbers never reached the main cache, and emptied the
  // digit cache more than once.
  EXPECT_EQ(features.cached_words(), 3u);  // Report, cost, "."
  EXPECT_GE(features.digit_generation(), 5u);
  EXPECT_EQ(features.generation(), 0u);
}

// A pair's keys are its two word keys and the keys of its class, and
// pairs of one class share those: what lets the tagger score a pair whose
// word keys a model lacks by its class alone.
TEST(NerFeaturesTest, PairKeysAreWordKeysThenClassKeys) {
  NerFeatures features(nullptr);
  NerInput input;
  input.words = {"Elena", "Varga", "Marta", "Lopez", "paid", "1,200"};
  input.sentence_ends = {6};
  PreparedDocument document;
  features.Prepare(input, &document);
  auto facts = [&](size_t i) -> const WordFacts& {
    return *document.tokens[i].facts;
  };
  struct Keys {
    std::vector<uint64_t> left, right, class_left, class_right;
    NerFeatures::PairWordKeys words;
  };
  auto keys_of = [&](const WordFacts& left, const WordFacts& right) {
    Keys keys;
    features.AppendPairKeys(left, right, &keys.left, &keys.right);
    features.AppendPairClassKeys(left, right, &keys.class_left,
                                 &keys.class_right);
    keys.words = features.PairWordKeysOf(left, right);
    return keys;
  };
  const Keys names = keys_of(facts(0), facts(1));
  const Keys other_names = keys_of(facts(2), facts(3));
  const Keys verb_number = keys_of(facts(4), facts(5));
  for (const Keys* keys : {&names, &other_names, &verb_number}) {
    std::vector<uint64_t> left = {keys->words.left};
    left.insert(left.end(), keys->class_left.begin(), keys->class_left.end());
    std::vector<uint64_t> right = {keys->words.right};
    right.insert(right.end(), keys->class_right.begin(),
                 keys->class_right.end());
    EXPECT_EQ(keys->left, left);
    EXPECT_EQ(keys->right, right);
  }
  ASSERT_TRUE(NerPairClass::Of(facts(0), facts(1)) ==
              NerPairClass::Of(facts(2), facts(3)));
  EXPECT_EQ(names.class_left, other_names.class_left);
  EXPECT_EQ(names.class_right, other_names.class_right);
  EXPECT_NE(names.words.left, other_names.words.left);
  EXPECT_NE(names.words.right, other_names.words.right);
  EXPECT_FALSE(NerPairClass::Of(facts(0), facts(1)) ==
               NerPairClass::Of(facts(4), facts(5)));
  EXPECT_NE(names.class_left, verb_number.class_left);
}

// The first word of a long capitalised run is typed by the run's last
// word, three tokens away and so outside the +-2 window.
TEST(NerFeaturesTest, CapitalisedRunsCarryTheirLastWord) {
  NerFeatures features(nullptr);
  auto keys_of = [&](std::vector<std::string_view> words, size_t i) {
    NerInput input;
    input.words = std::move(words);
    input.sentence_ends = {static_cast<uint32_t>(input.words.size())};
    PreparedDocument document;
    features.Prepare(input, &document);
    std::vector<uint64_t> keys;
    features.AppendAllKeys(document, 0, i, &keys);
    std::sort(keys.begin(), keys.end());
    return keys;
  };
  const auto junction =
      keys_of({"near", "Upper", "Marsh", "Vale", "Junction", "today"}, 1);
  const auto railroad =
      keys_of({"near", "Upper", "Marsh", "Vale", "Railroad", "today"}, 1);
  EXPECT_NE(junction, railroad);
  // A lower-case word before the run sees no more than its window.
  EXPECT_EQ(keys_of({"out", "near", "Upper", "Marsh", "Vale", "Junction"}, 0),
            keys_of({"out", "near", "Upper", "Marsh", "Vale", "Railroad"}, 0));
  // In an all-caps line capitals say nothing: no runs.
  EXPECT_EQ(keys_of({"NEAR", "UPPER", "MARSH", "VALE", "JUNCTION"}, 0),
            keys_of({"NEAR", "UPPER", "MARSH", "VALE", "RAILROAD"}, 0));
}

// A word that ends a longer capitalised run elsewhere in the document (a
// surname after the full name) carries that as evidence; inside a run it
// does not.
TEST(NerFeaturesTest, EndingALongerRunElsewhereIsEvidence) {
  NerFeatures features(nullptr);
  auto keys_of_second_sentence = [&](std::vector<std::string_view> first) {
    NerInput input;
    input.words = std::move(first);
    input.sentence_ends = {static_cast<uint32_t>(input.words.size())};
    for (std::string_view word : {"Later", "Vantrel", "left", "."}) {
      input.words.push_back(word);
    }
    input.sentence_ends.push_back(static_cast<uint32_t>(input.words.size()));
    PreparedDocument document;
    features.Prepare(input, &document);
    std::vector<uint64_t> keys;
    features.AppendAllKeys(document, 1, input.sentence_ends[0] + 1, &keys);
    std::sort(keys.begin(), keys.end());
    return keys;
  };
  const auto ends =
      keys_of_second_sentence({"Then", "Dr", "Osric", "Vantrel", "spoke", "."});
  const auto inside =
      keys_of_second_sentence({"Then", "Dr", "Vantrel", "Osric", "spoke", "."});
  const auto starts = keys_of_second_sentence(
      {"Then", "Dr", "Mila", "Vantrel", "Osric", "spoke"});
  EXPECT_NE(ends, inside);
  EXPECT_EQ(inside, starts);
}

// Three one-sentence documents' worth of words, tagged by hand.
struct Labelled {
  NerInput input;
  std::vector<uint8_t> labels;

  void Sentence(std::vector<std::string_view> words,
                std::vector<uint8_t> sentence_labels) {
    input.words.insert(input.words.end(), words.begin(), words.end());
    input.sentence_ends.push_back(static_cast<uint32_t>(input.words.size()));
    labels.insert(labels.end(), sentence_labels.begin(), sentence_labels.end());
  }
};

TEST(NerHarmonizeTest, SpansTakeTheDocumentMajorityType) {
  const uint8_t u_org = static_cast<uint8_t>(NerLabel(1, kUnit));
  const uint8_t u_per = static_cast<uint8_t>(NerLabel(0, kUnit));
  const uint8_t b_loc = static_cast<uint8_t>(NerLabel(2, kBegin));
  const uint8_t l_loc = static_cast<uint8_t>(NerLabel(2, kLast));
  const uint8_t b_org = static_cast<uint8_t>(NerLabel(1, kBegin));
  const uint8_t l_org = static_cast<uint8_t>(NerLabel(1, kLast));
  Labelled doc;
  doc.Sentence({"Zorvex", "said", "so", "."}, {u_org, 0, 0, 0});
  doc.Sentence({"Zorvex", "rose", "."}, {u_org, 0, 0});
  doc.Sentence({"Zorvex", "fell", "."}, {u_per, 0, 0});
  // A tie stays as it is.
  doc.Sentence({"Kell", "Bay", "won", "."}, {b_loc, l_loc, 0, 0});
  doc.Sentence({"at", "Kell", "Bay", "."}, {0, b_org, l_org, 0});
  // The same word inside a longer span is another name.
  doc.Sentence({"Zorvex", "Arena", "."}, {b_loc, l_loc, 0});
  // A surname of a person named in full: once tagged ORG, once as a
  // person's last name and once alone as a person.
  const uint8_t b_per = static_cast<uint8_t>(NerLabel(0, kBegin));
  const uint8_t l_per = static_cast<uint8_t>(NerLabel(0, kLast));
  doc.Sentence({"Lena", "Marsh", "spoke", "."}, {b_per, l_per, 0, 0});
  doc.Sentence({"Marsh", "left", "."}, {u_org, 0, 0});
  doc.Sentence({"Marsh", "won", "."}, {u_per, 0, 0});
  NerFeatures features(nullptr);
  PreparedDocument document;
  features.Prepare(doc.input, &document);
  std::vector<uint8_t> labels = doc.labels;
  HarmonizeDocumentLabels(document, &labels);
  std::vector<uint8_t> expected = doc.labels;
  expected[7] = u_org;   // the third Zorvex
  expected[25] = u_per;  // the Marsh tagged ORG
  EXPECT_EQ(labels, expected);
}

// --- The shipped model -------------------------------------------------------

TEST(ShippedNerModelTest, LoadsAndTagsPlainText) {
  const std::string path = DefaultNerModelPath();
  ASSERT_FALSE(path.empty()) << "models/ner.bin is missing";
  absl::StatusOr<std::unique_ptr<NerModel>> model = NerModel::Load(path);
  ASSERT_TRUE(model.ok()) << model.status().message();
  EXPECT_THAT((*model)->description(), HasSubstr("train-ner"));
  EXPECT_GT((*model)->lexicon().clustered_words(), 10000u);

  NerTagger tagger(**model);
  NerInput input;
  for (const char* word : {"Foreign", "Minister", "Elena", "Varga", "flew",
                           "to", "Lisbon", "on", "Monday", "."}) {
    input.words.push_back(word);
  }
  input.sentence_ends = {static_cast<uint32_t>(input.words.size())};
  std::vector<NerSpan> spans;
  tagger.TagSpans(input, &spans);
  ASSERT_EQ(spans.size(), 2u);
  EXPECT_EQ(spans[0].begin, 2u);
  EXPECT_EQ(spans[0].end, 4u);
  EXPECT_EQ(NerTypeName(spans[0].type), "PER");
  EXPECT_EQ(spans[1].begin, 6u);
  EXPECT_EQ(NerTypeName(spans[1].type), "LOC");
}

// Words with a digit have caches of their own, emptied when full; a
// tagger that has seen other documents must label exactly as a fresh one.
TEST(ShippedNerModelTest, LabelsDoNotDependOnEarlierDocuments) {
  absl::StatusOr<std::unique_ptr<NerModel>> model =
      NerModel::Load(DefaultNerModelPath());
  ASSERT_TRUE(model.ok()) << model.status().message();
  struct Document {
    std::vector<std::string> words;
    NerInput input;
  };
  auto write = [](int n, Document* document) {
    document->words = {"Elena",
                       "Varga",
                       "of",
                       "Kestrel",
                       "Holdings",
                       "paid",
                       absl::StrCat(n * 7),
                       "euros",
                       "for",
                       "flight",
                       absl::StrCat("A", n),
                       "to",
                       "Lisbon",
                       "on",
                       absl::StrCat(n % 28 + 1),
                       "May",
                       "."};
    document->input.Clear();
    for (const std::string& word : document->words) {
      document->input.words.push_back(word);
    }
    document->input.sentence_ends = {
        static_cast<uint32_t>(document->input.words.size())};
  };
  NerTagger warm_tagger(**model);
  std::vector<uint8_t> fresh, warm;
  Document document;
  // Each number more than once, with other documents in between; 700
  // documents of three new numbers each empty the digit caches (1,024
  // words) twice, and the comparisons straddle that.
  for (int n = 1; n <= 700; ++n) {
    for (int m : {n, n / 2 + 1}) {
      write(m, &document);
      warm_tagger.Tag(document.input, &warm);
      if (n % 50 != 0 && n > 3) continue;
      NerTagger fresh_tagger(**model);
      fresh_tagger.Tag(document.input, &fresh);
      ASSERT_EQ(fresh, warm) << "document " << m << " after " << n;
    }
  }
  EXPECT_NE(std::count(fresh.begin(), fresh.end(), 0),
            static_cast<ptrdiff_t>(fresh.size()));
}

// The scores of pairs without word keys are cached per pair class, up to a
// bound: a tagger whose bound is tiny empties that cache often and labels
// exactly as one whose cache never fills.
TEST(ShippedNerModelTest, PairClassCacheStaysBoundedAndLabelsAlike) {
  absl::StatusOr<std::unique_ptr<NerModel>> model =
      NerModel::Load(DefaultNerModelPath());
  ASSERT_TRUE(model.ok()) << model.status().message();
  const std::vector<std::string> vocabulary = {
      "Elena",  "Varga", "paid",   "1,200", "A380", "NATO",     "e-mail",
      "O'Neil", "to",    "Lisbon", "on",    "May",  "Kestrel",  "Holdings",
      "said",   "the",   "U.S.",   "(",     ")",    "Forecast", "IBM"};
  constexpr size_t kBound = 8;
  NerTagger small(**model, kBound);
  NerTagger large(**model);
  std::vector<uint8_t> small_labels, large_labels;
  bool any_entity = false;
  for (size_t d = 0; d < 200; ++d) {
    std::vector<std::string> words;
    NerInput input;
    // Sentences of up to 6 words, so 7 pairs: each fits the bound.
    for (size_t i = 0; i < 18; ++i) {
      words.push_back(
          vocabulary[(d * 7 + i * (d % 5 + 1)) % vocabulary.size()]);
    }
    for (const std::string& word : words) input.words.push_back(word);
    input.sentence_ends = {6, 11, 18};
    small.Tag(input, &small_labels);
    large.Tag(input, &large_labels);
    ASSERT_EQ(small_labels, large_labels) << "document " << d;
    EXPECT_LE(small.cached_pair_classes(), kBound);
    for (uint8_t label : large_labels) any_entity |= label != 0;
  }
  EXPECT_TRUE(any_entity);
  // The large cache holds many more classes than the bound.
  EXPECT_GT(large.cached_pair_classes(), 4 * kBound);
}

// The shipped model's conlleval scores on the CoNLL file `file`.
void ScoreShippedModel(const std::filesystem::path& file,
                       NerEvaluation* evaluation) {
  absl::StatusOr<std::unique_ptr<NerModel>> model =
      NerModel::Load(DefaultNerModelPath());
  ASSERT_TRUE(model.ok()) << model.status().message();
  absl::StatusOr<std::vector<ConllDocument>> documents =
      ReadConllFile(file.string());
  ASSERT_TRUE(documents.ok()) << documents.status().message();
  *evaluation = EvaluateNer(**model, *documents);
}

TEST(ShippedNerModelTest, ConllTestbF1Floor) {
  const std::filesystem::path testb =
      testing_util::Shared() / "corpora" / "conll2003" / "eng.testb";
  if (!std::filesystem::exists(testb)) {
    GTEST_SKIP() << "no CoNLL-2003 test set at " << testb;
  }
  NerEvaluation evaluation;
  ASSERT_NO_FATAL_FAILURE(ScoreShippedModel(testb, &evaluation));
  std::cout << "[ conll    ] eng.testb, conlleval:\n"
            << evaluation.scores.Format();
  EXPECT_EQ(evaluation.scores.tokens(), 46435);
  EXPECT_EQ(evaluation.scores.Overall().gold, 5648);
  // Floors a little under what the shipped model scores (models/README.md).
  EXPECT_GE(evaluation.scores.Overall().f1(), kShippedF1Floor);
  EXPECT_GE(evaluation.scores.PerType().at("PER").f1(), 0.90);
  EXPECT_GE(evaluation.scores.PerType().at("LOC").f1(), 0.88);
}

// Issue 19: news of December 2020 annotated like CoNLL-2003 (the dev half;
// the other half is never read).
TEST(ShippedNerModelTest, ConllppDevF1Floor) {
  const std::filesystem::path dev =
      testing_util::Shared() / "corpora" / "conllpp-dev" / "conllpp.dev";
  if (!std::filesystem::exists(dev)) {
    GTEST_SKIP() << "no CoNLL++ dev half at " << dev;
  }
  NerEvaluation evaluation;
  ASSERT_NO_FATAL_FAILURE(ScoreShippedModel(dev, &evaluation));
  std::cout << "[ conll++  ] dev half, conlleval:\n"
            << evaluation.scores.Format();
  EXPECT_GE(evaluation.scores.Overall().f1(), kShippedConllppFloor);
}

}  // namespace
}  // namespace tag
}  // namespace newsflow
