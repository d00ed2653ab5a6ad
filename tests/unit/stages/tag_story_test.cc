// Stories and near-duplicates (stories.h), and the stream state file
// (tag_state.h). The labelled set in tests/data/tag/stories is our own
// writing; the seed check reads ../shared at run time.
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "common/hash.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "stages/tag/binary_io.h"
#include "stages/tag/lexicon.h"
#include "stages/tag/stories.h"
#include "stages/tag/tagger.h"
#include "stages/tag/tokenizer.h"
#include "tests/unit/stages/tag_test_util.h"

namespace newsflow {
namespace tag {
namespace {

using ::testing::IsEmpty;
using ::testing::Not;
using testing_util::LabelledArticle;
using testing_util::NewTagger;
using testing_util::ReadLabelledStories;
using testing_util::Terms;
using testing_util::Verbose;

constexpr char kWire[] =
    "Harbour officials in Valletta said on Tuesday that the breakwater "
    "would be rebuilt before winter, after storms last month tore a gap "
    "in the old stone wall and flooded the fish market. Work will start "
    "in September and cost about four million euros, the ministry said.\n\n"
    "Fishermen have moored their boats in the inner basin since the storm, "
    "and traders moved the market to a car park near the ferry terminal. "
    "The ministry said engineers would use concrete blocks faced with local "
    "limestone so that the new wall looks like the old one from the "
    "waterfront. Divers surveyed the damage last week and found that the "
    "foundations were sound along most of the length of the breakwater.\n\n"
    "The harbour master asked skippers to keep clear of the works and to "
    "follow the instructions of the pilot boats while the cranes are in "
    "place. A temporary light will mark the end of the wall at night.";

TEST(SimHashTest, CopiesAreCloseAndOtherTextsFar) {
  const uint64_t original = SimHash(kWire);
  EXPECT_NE(original, 0u);
  EXPECT_EQ(SimHash(kWire), original);
  std::string edited(kWire);
  edited.replace(edited.find("Tuesday"), 7, "Monday");
  EXPECT_LE(HammingDistance(SimHash(edited), original), 3);
  const uint64_t other = SimHash(
      "The city council voted to close two libraries and a swimming pool "
      "to balance next year's budget, despite protests from parents.");
  EXPECT_GT(HammingDistance(other, original), 10);
  EXPECT_EQ(SimHash(""), 0u);
  EXPECT_EQ(SimHash("... !!"), 0u);
  EXPECT_EQ(HammingDistance(0, ~uint64_t{0}), 64);
}

// The tag stage fingerprints the body tokens it already has; that must be
// the fingerprint of the body text, whatever title came before it.
TEST(SimHashTest, TokensOfTheBodyGiveTheBodysFingerprint) {
  TokenizedArticle article;
  article.Reset("Breakwater to be rebuilt", kWire);
  ASSERT_GT(article.body_begin, 0u);
  EXPECT_EQ(SimHash(article.tokens.data() + article.body_begin,
                    article.tokens.data() + article.tokens.size()),
            SimHash(kWire));
}

// SimHash's definition: bit b is set when the words whose hash sets it
// outweigh (by count) those whose hash does not.
TEST(SimHashTest, EachBitIsTheSignOfItsWeightedSum) {
  // A word said 300 times among 200 others: SimHash counts bits in bytes,
  // and no count may wrap past 255.
  std::string long_text;
  for (int i = 0; i < 300; ++i)
    absl::StrAppend(&long_text, "storm w", i % 200, " ");
  for (const std::string& text :
       {std::string(kWire), std::string("one"),
        std::string("Storm storm STORM calm"),
        std::string("a b c d e f g h i j k"),
        std::string("Gdańsk GDAŃSK gdańsk Huế’s quay"),
        std::string("The ferry, the ferry and the harbour; the harbour wall."),
        long_text}) {
    std::vector<Token> tokens;
    Tokenize(text, &tokens);
    std::map<uint64_t, int64_t> counts;
    for (const Token& token : tokens) {
      if (token.kind == TokenKind::kPunct) continue;
      std::string lower;
      AppendLowercase(token.text, &lower);
      ++counts[StableHash64(lower)];
    }
    uint64_t expected = 0;
    for (int bit = 0; bit < 64; ++bit) {
      int64_t sum = 0;
      for (const auto& [hash, count] : counts) {
        sum += (hash >> bit) & 1 ? count : -count;
      }
      if (sum > 0) expected |= uint64_t{1} << bit;
    }
    EXPECT_EQ(SimHash(text), expected) << text;
  }
}

struct PairCounts {
  int true_positive = 0, false_positive = 0, false_negative = 0;
  double precision() const {
    return true_positive + false_positive
               ? double(true_positive) / (true_positive + false_positive)
               : 1;
  }
  double recall() const {
    return true_positive + false_negative
               ? double(true_positive) / (true_positive + false_negative)
               : 1;
  }
  double f1() const {
    return 2 * precision() * recall() / (precision() + recall());
  }
};

// Pairwise agreement of predicted clusters with labels.
PairCounts ComparePairs(const std::vector<std::string>& labels,
                        const std::vector<std::string>& predicted) {
  PairCounts counts;
  for (size_t i = 0; i < labels.size(); ++i) {
    for (size_t j = i + 1; j < labels.size(); ++j) {
      const bool same = labels[i] == labels[j];
      const bool together = predicted[i] == predicted[j];
      counts.true_positive += same && together;
      counts.false_positive += !same && together;
      counts.false_negative += same && !together;
    }
  }
  return counts;
}

TEST(StoryTest, ClustersTheLabelledSet) {
  std::vector<LabelledArticle> articles = ReadLabelledStories();
  ASSERT_GE(articles.size(), 30u);
  std::set<std::string> events;
  for (const LabelledArticle& a : articles) events.insert(a.story);
  ASSERT_GE(events.size(), 8u);

  std::unique_ptr<Tagger> tagger = NewTagger();
  ASSERT_NE(tagger, nullptr);
  std::vector<std::string> labels, predicted;
  std::map<std::string, std::string> duplicate_of;
  for (LabelledArticle& labelled : articles) {
    tagger->Tag(&labelled.article);
    EXPECT_THAT(labelled.article.story_id(), Not(IsEmpty()));
    EXPECT_EQ(labelled.article.simhash().size(), 16u);
    labels.push_back(labelled.story);
    predicted.push_back(labelled.article.story_id());
    duplicate_of[labelled.file] = labelled.article.duplicate_of();
    testing_util::DumpStory(labelled.article);
    if (Verbose()) {
      std::cout << labelled.story << "  " << labelled.file << " -> "
                << labelled.article.story_id() << "\n";
    }
  }
  const PairCounts pairs = ComparePairs(labels, predicted);
  std::cout << absl::StrFormat(
      "[ stories  ] %d articles, %d events: pairwise precision %.3f recall "
      "%.3f F1 %.3f\n",
      articles.size(), events.size(), pairs.precision(), pairs.recall(),
      pairs.f1());
  EXPECT_GE(pairs.f1(), 0.9);
  EXPECT_GE(pairs.precision(), 0.9);

  // The syndicated copy, and only it, is flagged.
  EXPECT_EQ(duplicate_of["northwind-breach_coastal.txt"],
            "northwind-breach_wire.txt");
  for (const auto& [file, original] : duplicate_of) {
    if (file != "northwind-breach_coastal.txt") {
      EXPECT_THAT(original, IsEmpty()) << file;
    }
  }
}

// Clusters a labelled set in publication order with a fresh tagger and
// scores its story ids pairwise against the labels.
PairCounts ClusterLabelledSet(const std::string& name, const char* what) {
  std::vector<LabelledArticle> articles = ReadLabelledStories(
      std::filesystem::path(NEWSFLOW_SOURCE_DIR) / "tests" / "data" / name);
  EXPECT_GE(articles.size(), 24u);
  std::unique_ptr<Tagger> tagger = NewTagger();
  if (tagger == nullptr) return {};
  std::vector<std::string> labels, predicted;
  for (LabelledArticle& labelled : articles) {
    tagger->Tag(&labelled.article);
    labels.push_back(labelled.story);
    predicted.push_back(labelled.article.story_id());
    testing_util::DumpStory(labelled.article);
    if (Verbose()) {
      std::cout << labelled.story << "  " << labelled.file << " -> "
                << labelled.article.story_id() << "\n";
    }
  }
  const PairCounts pairs = ComparePairs(labels, predicted);
  std::cout << absl::StrFormat(
      "[ stories  ] %s, %d articles: pairwise precision %.3f recall %.3f F1 "
      "%.3f\n",
      what, articles.size(), pairs.precision(), pairs.recall(), pairs.f1());
  return pairs;
}

// Eight events by several outlets each, and a distractor beside each one
// (same place, person or company; another event): tests/data/stories.
TEST(StoryTest, ClustersMultiOutletSet) {
  const PairCounts pairs = ClusterLabelledSet("stories", "multi-outlet set");
  // The aim is 0.95; this guards what is reached (0.870, then 0.930 with
  // the quorum of members: the metro's fare rise, a 60-word brief sharing
  // two names and some words with its fire, still joins).
  EXPECT_GE(pairs.f1(), 0.92);
}

// The same kind of set, written before the "same happening" gate and not
// tuned on: tests/data/stories-check.
TEST(StoryTest, ClustersCheckSet) {
  const PairCounts pairs = ClusterLabelledSet("stories-check", "check set");
  // 0.692 before the gate, 0.735 with it, 1.000 once full articles were
  // no longer excused by their names (tuned on from then).
  EXPECT_GE(pairs.f1(), 0.95);
}

// A third such set, written after the gate and measured once before the
// next round of changes: tests/data/stories-check2 (not tuned on).
TEST(StoryTest, ClustersSecondCheckSet) {
  const PairCounts pairs = ClusterLabelledSet("stories-check2", "check set 2");
  // 0.627 before (229b0ce), 0.889 after the full-article gate and the
  // quorum of members, measured at the end; its errors were not looked at
  // then. Tuned on from issue 23's third round (1.000 with the day rules).
  EXPECT_GE(pairs.f1(), 0.95);
}

// A fourth, written after the second check set had been measured at the
// end of its round: tests/data/stories-check3 (not tuned on).
TEST(StoryTest, ClustersThirdCheckSet) {
  const PairCounts pairs = ClusterLabelledSet("stories-check3", "check set 3");
  // 0.667 with 229b0ce, 0.800 with 604f272, measured when written; tuned
  // on from issue 23's third round (0.923 with the day rules, 1.000 once a
  // report naming no day told of its publication day).
  EXPECT_GE(pairs.f1(), 0.9);
}

// A fifth, written at the start of issue 23's third round, before any of
// its changes: tests/data/stories-check4 (not tuned on; measured once
// when written and once at the end of the round).
TEST(StoryTest, ClustersFourthCheckSet) {
  const PairCounts pairs = ClusterLabelledSet("stories-check4", "check set 4");
  // 0.629 with d757e82, measured when written; 0.722 with 36f73b9; tuned
  // on from then (0.800 with 578bf81, 0.895 once a full article naming the
  // story's very day needed fewer event terms, 0.950 once a report naming
  // no day was compared by its terms on its publication day).
  EXPECT_GE(pairs.f1(), 0.85);
}

// A sixth, written once this round's code was frozen (36f73b9):
// tests/data/stories-check5 (not tuned on; measured once on that code and
// once on the code before the round).
TEST(StoryTest, ClustersFifthCheckSet) {
  const PairCounts pairs = ClusterLabelledSet("stories-check5", "check set 5");
  // 0.708 with d757e82, 0.652 with 36f73b9, measured when written; tuned
  // on from then (0.829 with 578bf81, 0.857 with the same-day share, 0.933
  // with the publication day of a report naming none; 0.857 from fe479c4
  // until a river typed MISC kept its identity when typed as a person).
  EXPECT_GE(pairs.f1(), 0.93);
}

// A seventh, written once the round's second cycle was frozen (578bf81),
// after check sets 4 and 5 had become tuned on: tests/data/stories-check6
// (not tuned on; measured once on that code and once on d757e82).
TEST(StoryTest, ClustersSixthCheckSet) {
  const PairCounts pairs = ClusterLabelledSet("stories-check6", "check set 6");
  // 0.579 with d757e82, 0.765 with 578bf81, measured when written; 0.800
  // once a brief off the story's day needed two thirds of its bar; 0.889
  // once a report joined the story agreeing most on what happened.
  EXPECT_GE(pairs.f1(), 0.7);
}

// An eighth, written at the start of issue 23's fourth round, before any of
// its changes: tests/data/stories-check7 (not tuned on; measured once when
// written and once at the end of the round).
TEST(StoryTest, ClustersSeventhCheckSet) {
  const PairCounts pairs = ClusterLabelledSet("stories-check7", "check set 7");
  // 1.000 with f0110c4, measured when written.
  EXPECT_GE(pairs.f1(), 0.95);
}

// A ninth, written when issue 23's fourth round froze, with distractors at
// most two days off: tests/data/stories-check8 (measured once on that code
// and once on f0110c4; tuned on from session 12).
TEST(StoryTest, ClustersEighthCheckSet) {
  const PairCounts pairs = ClusterLabelledSet("stories-check8", "check set 8");
  // 0.588 with the round's frozen code, measured when written; tuned on
  // from then (0.780 with the publication day of a report naming none, two
  // repeated figures, a brief's person and the share by day).
  EXPECT_GE(pairs.f1(), 0.7);
}

// A tenth, written in session 12 once its code was frozen (06312df), with
// distractors of new kinds (the same kind of happening the same day in
// another town or the same town, another happening's report citing the
// event, the same place's earlier happening recalled that day):
// tests/data/stories-check9 (not tuned on; measured once on that code and
// once on d616e5f).
TEST(StoryTest, ClustersNinthCheckSet) {
  const PairCounts pairs = ClusterLabelledSet("stories-check9", "check set 9");
  // P 0.536 R 0.750 F1 0.625 with d616e5f, P 0.533 R 0.800 F1 0.640 with
  // 06312df, measured when written; tuned on from session 13 (P 0.552 R
  // 0.800 F1 0.653 once a report joined the story agreeing most on what
  // happened).
  EXPECT_GE(pairs.recall(), 0.75);
  EXPECT_GE(pairs.f1(), 0.6);
}

// An eleventh, written in session 13 once its code was frozen (d9d9afe),
// with distractors of new kinds (the same kind of happening the day after
// in a neighbouring town, the same kind announced for next week in another
// city, the same organisation's statistics the same day, the same person's
// other act the day before, a drill rehearsing the happening, a namesake
// person, a namesake place, another kind of emergency the same morning in
// the same city): tests/data/stories-check10 (not tuned on; measured once
// on that code and once on 6607676).
TEST(StoryTest, ClustersTenthCheckSet) {
  const PairCounts pairs =
      ClusterLabelledSet("stories-check10", "check set 10");
  // P 0.571 R 0.800 F1 0.667 with both, measured when written; tuned on
  // from session 14 (0.711 with a coming-day rule, reverted after review:
  // it split follow-ups from their stories).
  EXPECT_GE(pairs.recall(), 0.75);
  EXPECT_GE(pairs.f1(), 0.65);
}

// A twelfth, written in session 14 once its code was frozen (20015aa),
// with distractors of new kinds (a commemoration of the place's earlier
// disaster the same day, an obituary of a man tied to the place, the same
// museum's exhibition the day of its theft, national statistics of the
// happening's kind, an honour for the same responders' earlier rescue, the
// same operator's coming timetable, a regulator's report on the kind of
// failure, a history book on the happening's background):
// tests/data/stories-check11 (not tuned on; measured once on that code and
// once on main's, a4f9d34).
TEST(StoryTest, ClustersEleventhCheckSet) {
  const PairCounts pairs =
      ClusterLabelledSet("stories-check11", "check set 11");
  // P 0.625 R 0.750 F1 0.682 with both, measured when written; its errors
  // read in session 14, tuned on from session 15.
  EXPECT_GE(pairs.recall(), 0.75);
  EXPECT_GE(pairs.f1(), 0.68);
}

// A thirteenth, written in session 15 once its code was frozen (6387827,
// main's story ids), with distractors of new kinds (a travel feature on the
// same city, a court verdict in another case against the same contractor,
// the same company's recruitment drive, an opinion column on the
// happening's risk written before it, a sports result at the venue named
// after the company, a human-interest story about the same operator's
// staff, the same institution's election of its head, a business deal of
// the same venue): tests/data/stories-check12 (not tuned on; measured once
// on that code and once on main's, 4ed15d9).
TEST(StoryTest, ClustersTwelfthCheckSet) {
  const PairCounts pairs =
      ClusterLabelledSet("stories-check12", "check set 12");
  // P 0.556 R 0.750 F1 0.638 with both (the same ids), measured when
  // written; tuned on since.
  EXPECT_GE(pairs.recall(), 0.75);
  EXPECT_GE(pairs.f1(), 0.63);
}

// A fourteenth, written in session 16 once its code was frozen (658c6ee),
// with distractors of new kinds (a rescue drill staging the happening, the
// same kind of happening in the same city the same day, another vote of the
// same council in the same session, a weather warning for the same city,
// a call for tenders for work at the same site, a lawsuit over an earlier
// happening of the same kind at the same place, the same utility's planned
// works, the same vendor's product launch): tests/data/stories-check13
// (measured once on that code and once on main's story code).
TEST(StoryTest, ClustersThirteenthCheckSet) {
  const PairCounts pairs =
      ClusterLabelledSet("stories-check13", "check set 13");
  // P 0.400 R 0.800 F1 0.533 with both (the same ids), measured when
  // written.
  EXPECT_GE(pairs.recall(), 0.80);
  EXPECT_GE(pairs.f1(), 0.53);
}

// A fifteenth, written in session 17 before its story code was read or
// changed (measured once on main's code and once on the session's frozen
// code), with confusable distractors (a drill staging the happening,
// planned works on the line that broke down, the recalling maker's launch,
// a lawsuit and a verdict over earlier happenings at the same place, last
// year's edition of the same event, the same company's other news at the
// same site): tests/data/stories-check14.
TEST(StoryTest, ClustersFourteenthCheckSet) {
  const PairCounts pairs =
      ClusterLabelledSet("stories-check14", "check set 14");
  // P 0.593 R 0.889 F1 0.711 on main's story code (117cb07), measured when
  // written; P 0.552 R 0.889 F1 0.681 on session 17's frozen code (ebbee90),
  // measured once at the freeze; tuned on from then. Session 18's
  // earlier-year rule (P 0.640) was reverted after review 18.
  EXPECT_GE(pairs.recall(), 0.88);
  EXPECT_GE(pairs.precision(), 0.55);
  EXPECT_GE(pairs.f1(), 0.68);
}

// A sixteenth, written in session 18 before its story code was read or
// changed (measured once on main's code and once on the session's frozen
// code), with confusable distractors (a drill at the same port, a lawsuit
// and a verdict over earlier happenings against the same body, planned
// works on the network that failed, the same kind of happening in another
// city the same day, last year's edition, the same city's prevention plan,
// the same utility's prices, the recalling maker's launch):
// tests/data/stories-check15.
TEST(StoryTest, ClustersFifteenthCheckSet) {
  const PairCounts pairs =
      ClusterLabelledSet("stories-check15", "check set 15");
  // P 0.441 R 0.833 F1 0.577 on main's story code (506898f), measured when
  // written; P 0.455 R 0.833 F1 0.588 on session 18's frozen code
  // (bebae97, reverted after review 18), measured once; tuned on from then.
  EXPECT_GE(pairs.recall(), 0.83);
  EXPECT_GE(pairs.precision(), 0.44);
  EXPECT_GE(pairs.f1(), 0.57);
}

// A term is a name's when its spelling is a word of an entity's alias
// (hyphenated aliases by their parts too); other terms are left alone.
TEST(StoryTest, MarksTheTermsThatAreWordsOfNames) {
  v1::Entity bank, minister;
  bank.set_canonical_id("halvard bank");
  bank.add_aliases("Halvard Bank");
  minister.set_canonical_id("abena owusu-mensah");
  minister.add_aliases("Abena Owusu-Mensah");
  TermCounts counts;
  for (const auto& [term, spelling] :
       std::vector<std::pair<std::string, std::string>>{{"halvard", "halvard"},
                                                        {"bank", "bank"},
                                                        {"owusu", "owusu"},
                                                        {"outag", "outage"},
                                                        {"updat", "update"}}) {
    TermCount& count = counts.terms.emplace_back();
    count.term = term;
    count.spelling = spelling;
  }
  StoryInput input;
  input.entities = {&bank, &minister};
  input.terms = {{"outag", 0.6}, {"halvard", 0.5}, {"updat", 0.4},
                 {"bank", 0.3},  {"owusu", 0.3},   {"restor", 0.2}};
  MarkNameTerms(counts, &input);
  EXPECT_THAT(input.name_terms,
              ::testing::ElementsAre(false, true, false, true, true, false));
  input.entities.clear();
  MarkNameTerms(counts, &input);
  EXPECT_THAT(input.name_terms, IsEmpty());
}

// Figures two reports of one happening repeat become terms, an amount in
// words as its digits; single digits and years, which any two articles
// share, do not.
TEST(StoryTest, NumbersBecomeTerms) {
  StoryInput input;
  input.terms = {{"injur", 0.8}, {"ferri", 0.6}};
  AddNumberTerms("14 injured in 2025 collision",
                 "The 1,500 passengers, 3 ships; record of 2:19:42 and 3.5 "
                 "metres. Route A380 and 14 again. 400 thousand euros, "
                 "1.8 million and 1,800,000 people; 2 millionaires.",
                 &input);
  std::set<std::string> terms;
  double norm = 0;
  for (const auto& [term, weight] : input.terms) {
    terms.insert(term);
    norm += weight * weight;
  }
  EXPECT_EQ(terms,
            (std::set<std::string>{"injur", "ferri", "#14", "#1500", "#2:19:42",
                                   "#3.5", "#400000", "#1800000"}));
  EXPECT_NEAR(norm, 1.0, 1e-9);
  for (size_t i = 1; i < input.terms.size(); ++i) {
    EXPECT_GE(input.terms[i - 1].second, input.terms[i].second);
  }
}

// The figures AddNumberTerms reads from a body, in order.
std::vector<std::string> FiguresOf(std::string_view body) {
  StoryInput input;
  input.terms = {{"word", 1.0}};
  AddNumberTerms("", body, &input);
  std::vector<std::string> figures;
  for (const auto& [term, weight] : input.terms) {
    if (term[0] == '#') figures.push_back(term);
  }
  return figures;
}

// A city, a company and a person, each mentioned three times: the names
// of the synthetic articles below.
struct Names {
  Names() {
    city.set_canonical_id("city");
    city.set_type(v1::LOC);
    company.set_canonical_id("company");
    company.set_type(v1::ORG);
    person.set_canonical_id("person");
    person.set_type(v1::PERSON);
    for (v1::Entity* entity : {&city, &company, &person}) {
      entity->set_mentions(3);
    }
  }
  v1::Entity city, company, person;
};

// Full articles: a report that shares the story's names and what happened
// joins it; one that shares a name, or the names but not what happened,
// starts its own; a headline (few terms) that shares the names joins.
TEST(StoryTest, ABodyMustAgreeOnWhatHappened) {
  const Names names;
  const v1::Entity &city = names.city, &company = names.company;
  // `names` name-terms, then `event` event terms w<from>..: unit length.
  auto article = [](std::string id, std::vector<const v1::Entity*> entities,
                    int event_from, int event_count) {
    StoryInput input;
    input.article_id = std::move(id);
    input.entities = std::move(entities);
    for (const char* name : {"city", "company", "person"}) {
      input.terms.emplace_back(name, 1);
      input.name_terms.push_back(true);
    }
    for (int w = event_from; w < event_from + event_count; ++w) {
      input.terms.emplace_back("w" + std::to_string(w), 1);
      input.name_terms.push_back(false);
    }
    for (auto& [term, weight] : input.terms) {
      weight = 1 / std::sqrt(double(input.terms.size()));
    }
    return input;
  };
  StoryClusterer clusterer;
  const std::string story =
      clusterer.Assign(article("event", {&city, &company}, 0, 30)).story_id;
  // Same names, half the happening's words: the same story.
  EXPECT_EQ(
      clusterer.Assign(article("report", {&city, &company}, 15, 30)).story_id,
      story);
  // One shared name (the city) and other words: another happening.
  EXPECT_NE(clusterer.Assign(article("one-name", {&city}, 100, 30)).story_id,
            story);
  // Both names, but nothing of what happened: another happening too,
  // though the entity cosine alone (0.6 of the similarity) is above the
  // bar.
  EXPECT_NE(clusterer.Assign(article("names-only", {&city, &company}, 200, 30))
                .story_id,
            story);
  // A headline carrying the names and a word of the story joins.
  StoryInput headline = article("headline", {&city, &company}, 300, 3);
  headline.terms.resize(4);
  headline.name_terms.resize(4);
  headline.terms[3].first = "w20";
  EXPECT_EQ(clusterer.Assign(headline).story_id, story);
}

// Of the stories an article may join, it joins the one agreeing most on
// what happened, not the one sharing most names: the rider's crash report
// names him, his team and the race like his stage win the day before, but
// tells of the crash.
TEST(StoryTest, AReportJoinsTheStoryAgreeingOnWhatHappened) {
  const Names names;
  // The entities' ids as name terms, then event terms w<from>.. for each
  // range, all of one weight (unit length).
  auto article = [](std::string id, std::vector<const v1::Entity*> entities,
                    std::vector<std::pair<int, int>> ranges) {
    std::vector<std::string> words;
    for (const v1::Entity* entity : entities) {
      words.push_back(entity->canonical_id());
    }
    const size_t name_count = words.size();
    for (const auto& [from, count] : ranges) {
      for (int w = from; w < from + count; ++w) {
        words.push_back(absl::StrCat("w", w));
      }
    }
    StoryInput input;
    input.article_id = std::move(id);
    input.entities = std::move(entities);
    input.name_terms.assign(words.size(), false);
    std::fill_n(input.name_terms.begin(), name_count, true);
    for (std::string& word : words) {
      input.terms.emplace_back(std::move(word),
                               1 / std::sqrt(double(input.name_terms.size())));
    }
    return input;
  };
  StoryClusterer clusterer;
  const std::string win =
      clusterer
          .Assign(article("win", {&names.city, &names.company, &names.person},
                          {{0, 40}}))
          .story_id;
  const std::string crash =
      clusterer
          .Assign(article("crash", {&names.city, &names.company}, {{100, 40}}))
          .story_id;
  ASSERT_NE(win, crash);
  // All three names and 10 of the win's words (similarity about 0.72,
  // event cosine 0.24), two names and 20 of the crash's (0.62 and 0.49):
  // both pass; the crash's words decide.
  EXPECT_EQ(clusterer
                .Assign(article("report",
                                {&names.city, &names.company, &names.person},
                                {{30, 10}, {100, 20}, {500, 10}}))
                .story_id,
            crash);
}

// Three shared names excuse a short article from agreeing on what
// happened, not a full one (40 or more terms): it must share event terms
// at two thirds of its bar, or repeat one of the story's figures.
TEST(StoryTest, AFullArticleIsNotExcusedByItsNames) {
  const Names names;
  const v1::Entity &city = names.city, &company = names.company,
                   &person = names.person;
  // The three names, `count` event terms w<from>.., and `figures`: unit
  // length.
  auto article = [&](std::string id, int from, int count,
                     std::vector<std::string> figures = {}) {
    StoryInput input;
    input.article_id = std::move(id);
    input.entities = {&city, &company, &person};
    for (const char* name : {"city", "company", "person"}) {
      input.terms.emplace_back(name, 1);
      input.name_terms.push_back(true);
    }
    for (int w = from; w < from + count; ++w) {
      input.terms.emplace_back("w" + std::to_string(w), 1);
      input.name_terms.push_back(false);
    }
    for (std::string& figure : figures) {
      input.terms.emplace_back(std::move(figure), 1);
      input.name_terms.push_back(false);
    }
    for (auto& [term, weight] : input.terms) {
      weight = 1 / std::sqrt(double(input.terms.size()));
    }
    return input;
  };
  // Each case against a story of one full article: 3 names, 40 event
  // terms and the figure 47. An article of 43 terms sharing k event terms
  // has an event cosine of about k / 41.5 with it; the bar is 0.3.
  auto joins = [&](const StoryInput& input) {
    StoryClusterer clusterer;
    const std::string story =
        clusterer.Assign(article("event", 0, 40, {"#47"})).story_id;
    return clusterer.Assign(input).story_id == story;
  };
  // Twelve shared event terms (0.29, above 0.2): the same happening.
  EXPECT_TRUE(joins(article("report", 28, 40)));
  // Five (0.12): the same names in another happening, however many.
  EXPECT_FALSE(joins(article("other-happening", 35, 40)));
  // Two, and the story's figure: the same happening.
  EXPECT_TRUE(joins(article("same-figure", 38, 39, {"#47"})));
  // Two, and another figure: another happening.
  EXPECT_FALSE(joins(article("other-figure", 38, 39, {"#12"})));
  // A short article (23 terms) with the three names and nothing else of
  // the story's: its names suffice.
  EXPECT_TRUE(joins(article("brief", 100, 20)));
  // The same with two of the names does not.
  StoryInput two_names = article("brief-two-names", 100, 20);
  two_names.entities.pop_back();
  EXPECT_FALSE(joins(two_names));
}

// A full article that names one of the story's very days needs its event
// terms to agree with the story's at a third of its bar, not two thirds:
// the day is agreement on what happened in itself.
TEST(StoryTest, AFullArticleOnTheStorysDayNeedsFewerEventTerms) {
  const Names names;
  // Three names and `count` event terms w<from>.., unit length, naming
  // `days`.
  auto article = [&](std::string id, int from, int count,
                     std::vector<int32_t> days) {
    StoryInput input;
    input.article_id = std::move(id);
    input.entities = {&names.city, &names.company, &names.person};
    for (const char* name : {"city", "company", "person"}) {
      input.terms.emplace_back(name, 1);
      input.name_terms.push_back(true);
    }
    for (int w = from; w < from + count; ++w) {
      input.terms.emplace_back("w" + std::to_string(w), 1);
      input.name_terms.push_back(false);
    }
    for (auto& [term, weight] : input.terms) {
      weight = 1 / std::sqrt(double(input.terms.size()));
    }
    input.days = std::move(days);
    return input;
  };
  // Against a story of one full article naming day 20334: five shared
  // event terms give an event cosine of about 0.12, between a third (0.1)
  // and two thirds (0.2) of the bar.
  auto joins = [&](const StoryInput& input) {
    StoryClusterer clusterer;
    const std::string story =
        clusterer.Assign(article("event", 0, 40, {20334})).story_id;
    return clusterer.Assign(input).story_id == story;
  };
  EXPECT_TRUE(joins(article("same-day", 35, 40, {20334})));
  // The day after is not enough: it may be a follow-up's day.
  EXPECT_FALSE(joins(article("day-after", 35, 40, {20335})));
  EXPECT_FALSE(joins(article("no-day", 35, 40, {})));
  EXPECT_FALSE(joins(article("other-day", 35, 40, {20330})));
  // Two shared event terms (0.05) are too few even on the day.
  EXPECT_FALSE(joins(article("same-day-few", 38, 40, {20334})));
}

// Weekdays name the latest such day at or before publication (Wednesday
// 3 September 2025, day 20334) up to four days back; a weekday after a
// word of the future in its clause names none; "two days after" names the
// day two days back.
TEST(StoryTest, WeekdaysBecomeDays) {
  StoryInput input;
  input.time = 1756900800;  // 2025-09-03T12:00:00Z, a Wednesday
  AddEventDays("Plant blast on Wednesday",
               "The company will reopen on Friday. Police searched the site "
               "on Monday's orders, and the company will reopen later. "
               "Talks are due on Thursday; shares fell yesterday.",
               &input);
  EXPECT_THAT(input.days, ::testing::ElementsAre(20332, 20333, 20334));
  AddEventDays("", "Inspectors arrived, two days after the blast.", &input);
  EXPECT_THAT(input.days, ::testing::ElementsAre(20332));
  // Thursday would be six days back: it may as well be the coming one.
  AddEventDays("", "Talks were set for Thursday.", &input);
  EXPECT_THAT(input.days, IsEmpty());
  input.time.reset();
  AddEventDays("Plant blast on Wednesday", "", &input);
  EXPECT_THAT(input.days, IsEmpty());
}

// A day word beside a capitalised name word in its clause is part of a
// name and names no day ("Sheffield Wednesday", "the Sunday Times", "Good
// Friday Agreement"); a word that opens sentences ("On", "Last") beside it
// does not make a name. "Today" and "Yesterday" capitalised name a day
// only opening their clause ("the Today programme", "USA Today" do not).
TEST(StoryTest, DayWordsInsideNamesNameNoDay) {
  StoryInput input;
  input.time = 1757160000;  // 2025-09-06T12:00:00Z, a Saturday: day 20337
  auto days = [&](std::string_view body) {
    AddEventDays("", body, &input);
    return input.days;
  };
  EXPECT_THAT(days("Fans of Sheffield Wednesday sang in the rain."), IsEmpty());
  EXPECT_THAT(days("Shops opened early for Black Friday deals."), IsEmpty());
  EXPECT_THAT(days("The Good Friday Agreement was cited again."), IsEmpty());
  EXPECT_THAT(days("Her win on Super Tuesday surprised nobody."), IsEmpty());
  EXPECT_THAT(days("Wednesday Adams signed for the club."), IsEmpty());
  EXPECT_THAT(days("She told USA Today and the Today programme so."),
              IsEmpty());
  // The same days outside names, and capitalised where a sentence opens.
  EXPECT_THAT(days("Last Friday the mill shut. On Wednesday it burned."),
              ::testing::ElementsAre(20334, 20336));
  EXPECT_THAT(days("Fans of Sheffield Wednesday sang on Thursday."),
              ::testing::ElementsAre(20335));
  EXPECT_THAT(days("Friday's vote passed, and the Tuesday 2 September talks "
                   "failed."),
              ::testing::ElementsAre(20333, 20336));
  EXPECT_THAT(days("Yesterday the mill shut. Today, it is empty."),
              ::testing::ElementsAre(20336, 20337));
  EXPECT_THAT(days("Prices fell today, said a clerk reading Today."),
              ::testing::ElementsAre(20337));
  input.time = 1756728000;  // 2025-09-01T12:00:00Z, a Monday: day 20332
  EXPECT_THAT(days("The Sunday Times printed the memo."), IsEmpty());
  EXPECT_THAT(days("The Sunday vote printed the memo."),
              ::testing::ElementsAre(20331));
}

// A full article (40 event terms w<from>.., unit length) with its names
// and days.
StoryInput DatedArticle(std::string id, std::vector<const v1::Entity*> entities,
                        int from, std::vector<int32_t> days) {
  StoryInput input;
  input.article_id = std::move(id);
  input.entities = std::move(entities);
  for (int w = from; w < from + 40; ++w) {
    input.terms.emplace_back("w" + std::to_string(w), 1 / std::sqrt(40.0));
  }
  input.days = std::move(days);
  return input;
}

// Three shared names excuse a brief from agreeing on what happened only
// when one is a person it is about (named twice or more): a town's or
// company's places and organisations recur in all of its news.
TEST(StoryTest, ThreeSharedNamesExcuseABriefOnlyWithThePersonItIsAbout) {
  const Names names;
  v1::Entity passing_person = names.person, other_company = names.company;
  passing_person.set_mentions(1);
  other_company.set_canonical_id("other company");
  auto joins = [&](std::vector<const v1::Entity*> entities) {
    StoryClusterer clusterer;
    const std::string story =
        clusterer
            .Assign(DatedArticle(
                "event",
                {&names.city, &names.company, &names.person, &other_company}, 0,
                {}))
            .story_id;
    // 20 event terms, none of the story's.
    StoryInput brief = DatedArticle("brief", std::move(entities), 100, {});
    brief.terms.resize(20);
    for (auto& [term, weight] : brief.terms) weight = 1 / std::sqrt(20.0);
    return clusterer.Assign(brief).story_id == story;
  };
  EXPECT_TRUE(joins({&names.city, &names.company, &names.person}));
  EXPECT_FALSE(joins({&names.city, &names.company, &passing_person}));
  EXPECT_FALSE(joins({&names.city, &names.company, &other_company}));
}

// A brief that shares two names and some words with a story needs its
// event terms at a third of its bar on one of the story's very days, and
// at two thirds on any other (or none known), as a full article does.
TEST(StoryTest, ABriefOffTheStorysDayNeedsTwoThirdsOfItsBar) {
  const Names names;
  auto joins = [&](std::vector<int32_t> days) {
    StoryClusterer clusterer;
    const std::string story =
        clusterer
            .Assign(DatedArticle("event",
                                 {&names.city, &names.company, &names.person},
                                 0, {20334}))
            .story_id;
    // 22 event terms, 3 of them the story's: an event cosine of about
    // 0.10, between a third (0.055) and two thirds (0.11) of the bar.
    StoryInput brief = DatedArticle("brief", {&names.city, &names.company}, 37,
                                    std::move(days));
    brief.terms.resize(22);
    for (auto& [term, weight] : brief.terms) weight = 1 / std::sqrt(22.0);
    return clusterer.Assign(brief).story_id == story;
  };
  EXPECT_TRUE(joins({20334}));
  EXPECT_FALSE(joins({20335}));
  EXPECT_FALSE(joins({}));
}

// A full report sharing the story's names and what happened joins it on
// the day of the happening or the day after, or when it names no day;
// naming only days two or more from the story's, it is another happening.
TEST(StoryTest, AReportOfAnotherDayIsAnotherHappening) {
  const Names names;
  auto article = [&](std::string id, int from, std::vector<int32_t> days) {
    return DatedArticle(std::move(id),
                        {&names.city, &names.company, &names.person}, from,
                        std::move(days));
  };
  // Sharing 10 of the story's 40 event terms (a cosine of 0.25, above
  // two thirds of the bar).
  auto joins = [&](std::vector<int32_t> days) {
    StoryClusterer clusterer;
    const std::string story =
        clusterer.Assign(article("event", 0, {20334})).story_id;
    return clusterer.Assign(article("report", 30, std::move(days))).story_id ==
           story;
  };
  EXPECT_TRUE(joins({20334}));
  EXPECT_TRUE(joins({20335}));
  EXPECT_TRUE(joins({}));
  EXPECT_FALSE(joins({20337}));
  EXPECT_FALSE(joins({20331, 20337}));
}

// NEWSFLOW_STORY_TRACE (stories.h) writes each article's vectors, each
// candidate story's scores with the outcome, and the story given, in the
// order scripts/story-pair-signals reads; unset, nothing is written.
TEST(StoryTest, TheTraceWritesEachCandidatesScoresAndOutcome) {
  const Names names;
  const std::filesystem::path dir = testing_util::FreshDir("story_trace");
  const std::string path = (dir / "trace").string();
  auto assign_two = [&](std::vector<int32_t> report_days) {
    StoryClusterer clusterer;
    clusterer.Assign(
        DatedArticle("event", {&names.city, &names.company}, 0, {20334}));
    clusterer.Assign(DatedArticle("report", {&names.city, &names.company}, 30,
                                  std::move(report_days)));
  };
  ASSERT_EQ(::setenv("NEWSFLOW_STORY_TRACE", path.c_str(), 1), 0);
  assign_two({20334});
  assign_two({20337});
  ASSERT_EQ(::unsetenv("NEWSFLOW_STORY_TRACE"), 0);
  assign_two({20334});
  std::vector<std::string> kinds;
  std::vector<std::string> outcomes;
  std::istringstream lines(testing_util::ReadFile(path));
  for (std::string line; std::getline(lines, line);) {
    std::vector<std::string> fields = absl::StrSplit(line, ' ');
    ASSERT_GE(fields.size(), 3u) << line;
    kinds.push_back(fields[0]);
    if (fields[0] == "C") {
      EXPECT_EQ(fields[1], "report");
      outcomes.push_back(fields[3]);
      EXPECT_EQ(fields.size(), 12u) << line;
    }
    if (fields[0] == "A") {
      EXPECT_THAT(fields, ::testing::Contains("E"));
      EXPECT_THAT(fields, ::testing::Contains("w30:0.158114:e")) << line;
    }
  }
  // Joined, with its scores; then kept apart by the day rule.
  EXPECT_THAT(kinds, ::testing::ElementsAre("A", "R", "A", "C", "C", "R", "A",
                                            "R", "A", "C", "R"));
  EXPECT_THAT(outcomes, ::testing::ElementsAre("passes", "join", "day"));
  std::filesystem::remove_all(dir);
}

// A match report published on the Sunday after a Saturday happening,
// naming a club whose name holds a weekday, names no day of its own and
// joins the happening's story.
TEST(StoryTest, AWeekdayInANameDoesNotSplitAReportFromItsStory) {
  const Names names;
  StoryInput read;
  read.time = 1757246400;  // 2025-09-07T12:00:00Z, a Sunday: day 20338
  AddEventDays("", "Sheffield Wednesday held on in front of a full ground.",
               &read);
  EXPECT_THAT(read.days, IsEmpty());
  StoryClusterer clusterer;
  const std::vector<const v1::Entity*> entities = {&names.city, &names.company,
                                                   &names.person};
  const std::string story =
      clusterer.Assign(DatedArticle("event", entities, 0, {20337})).story_id;
  EXPECT_EQ(clusterer.Assign(DatedArticle("report", entities, 30, read.days))
                .story_id,
            story);
}

// Outlets spell names their own way, so a report may share only one
// resolved name with the story: naming the story's day and agreeing on
// what happened, it is compared by its terms alone and joins; naming no
// day, or another, its one shared name does not count and it stays apart.
TEST(StoryTest, NamesSpelledOtherwiseJoinOnTheDayOfTheHappening) {
  const Names names;
  v1::Entity company2 = names.company, person2 = names.person;
  company2.set_canonical_id("company spelled otherwise");
  person2.set_canonical_id("person spelled otherwise");
  const auto& article = DatedArticle;
  auto joins = [&](std::vector<int32_t> days) {
    StoryClusterer clusterer;
    const std::string story =
        clusterer
            .Assign(article("event",
                            {&names.city, &names.company, &names.person}, 0,
                            {20334}))
            .story_id;
    // Half the story's terms: a term cosine of 0.5, 0.2 of similarity
    // when its names count for nothing.
    return clusterer
               .Assign(article("report", {&names.city, &company2, &person2}, 20,
                               std::move(days)))
               .story_id == story;
  };
  EXPECT_TRUE(joins({20334}));
  EXPECT_TRUE(joins({20335}));
  EXPECT_FALSE(joins({}));
  EXPECT_FALSE(joins({20338}));
}

// Noon of a day (since the epoch), as a publication time.
int64_t NoonOf(int32_t day) { return int64_t{day} * 86400 + 43200; }

// A dated report that names no day tells of the day it was published: a
// story whose only article named none lies on that day, and a report two
// or more days from it, naming its day or published then, is another
// happening of the same names (the club's signing on Monday, its coach's
// sacking on Wednesday); the day after is a follow-up's.
TEST(StoryTest, AReportNamingNoDayTellsOfItsPublicationDay) {
  const Names names;
  const std::vector<const v1::Entity*> entities = {&names.city, &names.company,
                                                   &names.person};
  // The story's article, published on day 20334 naming no day; the report
  // shares 10 of its 40 event terms (a cosine of 0.25).
  auto joins = [&](int32_t published, std::vector<int32_t> days) {
    StoryClusterer clusterer;
    StoryInput event = DatedArticle("event", entities, 0, {});
    event.time = NoonOf(20334);
    const std::string story = clusterer.Assign(event).story_id;
    StoryInput report = DatedArticle("report", entities, 30, std::move(days));
    report.time = NoonOf(published);
    return clusterer.Assign(report).story_id == story;
  };
  EXPECT_TRUE(joins(20334, {}));
  EXPECT_TRUE(joins(20335, {}));
  EXPECT_TRUE(joins(20335, {20335}));
  EXPECT_TRUE(joins(20336, {20333}));
  EXPECT_FALSE(joins(20336, {20336}));
  EXPECT_FALSE(joins(20336, {20336}));
  // Two UTC days on may be the local day after
  // (TheLocalDayAfterIsTwoUtcDaysOn).
  EXPECT_TRUE(joins(20336, {}));
  EXPECT_FALSE(joins(20337, {}));
}

// Names spelled otherwise (one shared name) and no day named: the report's
// publication day stands for its day, so on the story's day (or the next)
// it is compared by its terms alone and joins.
TEST(StoryTest, NamesSpelledOtherwiseJoinOnTheDayTheReportWasPublished) {
  const Names names;
  v1::Entity company2 = names.company, person2 = names.person;
  company2.set_canonical_id("company spelled otherwise");
  person2.set_canonical_id("person spelled otherwise");
  auto joins = [&](std::optional<int64_t> published) {
    StoryClusterer clusterer;
    StoryInput event = DatedArticle(
        "event", {&names.city, &names.company, &names.person}, 0, {20334});
    event.time = NoonOf(20334);
    const std::string story = clusterer.Assign(event).story_id;
    // Half the story's terms: a term cosine of 0.5.
    StoryInput report =
        DatedArticle("report", {&names.city, &company2, &person2}, 20, {});
    report.time = published;
    return clusterer.Assign(report).story_id == story;
  };
  EXPECT_TRUE(joins(NoonOf(20334)));
  EXPECT_TRUE(joins(NoonOf(20335)));
  EXPECT_FALSE(joins(NoonOf(20337)));
  // Undated: no day to go by.
  EXPECT_FALSE(joins(std::nullopt));
}

// Two names shared, but few beside the names each report resolves on its
// own (the entity cosine is low): repeating two of the story's figures on
// its day and agreeing on what happened, the report is compared by its
// terms alone and joins; one figure, or no day to go by, is not enough.
TEST(StoryTest, TwoRepeatedFiguresOnTheStorysDayOutweighTheNames) {
  const Names names;
  std::vector<v1::Entity> others(15);
  for (size_t i = 0; i < others.size(); ++i) {
    others[i].set_canonical_id("other" + std::to_string(i));
    others[i].set_type(v1::PERSON);
    others[i].set_mentions(3);
  }
  // `count` event terms w<from>.. and `figures`, unit length.
  auto article = [](std::string id, std::vector<const v1::Entity*> entities,
                    int from, int count, std::vector<std::string> figures,
                    std::vector<int32_t> days) {
    StoryInput input;
    input.article_id = std::move(id);
    input.entities = std::move(entities);
    for (int w = from; w < from + count; ++w) {
      input.terms.emplace_back("w" + std::to_string(w), 1);
    }
    for (std::string& figure : figures) {
      input.terms.emplace_back(std::move(figure), 1);
    }
    for (auto& [term, weight] : input.terms) {
      weight = 1 / std::sqrt(double(input.terms.size()));
    }
    input.days = std::move(days);
    if (!input.days.empty()) input.time = NoonOf(input.days.front());
    return input;
  };
  auto joins = [&](std::vector<std::string> story_figures,
                   std::vector<std::string> figures,
                   std::vector<int32_t> days) {
    StoryClusterer clusterer;
    std::vector<const v1::Entity*> story_names = {&names.city, &names.company,
                                                  &names.person};
    for (int i = 0; i < 7; ++i) story_names.push_back(&others[i]);
    const std::string story =
        clusterer
            .Assign(article("event", story_names, 0, 40,
                            std::move(story_figures), {20334}))
            .story_id;
    // The city and the company, and eight names of its own; 14 of the
    // story's 40 event terms (a term cosine of about 0.38, an entity
    // cosine under 0.2: a blend under the bar of 0.3).
    std::vector<const v1::Entity*> report_names = {&names.city, &names.company};
    for (int i = 7; i < 15; ++i) report_names.push_back(&others[i]);
    return clusterer
               .Assign(article("report", report_names, 26, 40,
                               std::move(figures), std::move(days)))
               .story_id == story;
  };
  const std::vector<std::string> story = {"#14000", "#2000000"};
  EXPECT_TRUE(joins(story, {"#14000", "#2000000"}, {20334}));
  EXPECT_TRUE(joins(story, {"#14000", "#2000000"}, {20335}));
  EXPECT_FALSE(joins(story, {"#14000", "#75"}, {20334}));
  EXPECT_FALSE(joins(story, {"#14000", "#2000000"}, {}));
  // The figures AddNumberTerms reads: a date both cite is not two repeated
  // figures (its day and month were read as two).
  EXPECT_TRUE(joins(FiguresOf("14,000 bottles, 2 million euros"),
                    FiguresOf("14000 bottles worth 2 million euros"), {20334}));
  EXPECT_FALSE(joins(FiguresOf("14,000 bottles on 12/03/2026"),
                     FiguresOf("75 staff on 12/03/2026"), {20334}));
}

// An article with a body joins only if it is at or above its bar with at
// least half of the story's members on their own, not only with their
// sum: three briefs on one happening, each in its own words, and a full
// article taking a few words from each (the company's other news, echoing
// each report's topic words) reach the bar against the story as a whole
// but against none of them alone.
TEST(StoryTest, ABodyMustBeSimilarToMostMembers) {
  const Names names;
  v1::Entity people[3];
  for (int i = 0; i < 3; ++i) {
    people[i].set_canonical_id("person" + std::to_string(i));
    people[i].set_type(v1::PERSON);
    people[i].set_mentions(3);
  }
  // Terms `words` (each a prefix and a count, in that order), unit length.
  auto article = [](std::string id, std::vector<const v1::Entity*> entities,
                    std::vector<std::pair<std::string, int>> words) {
    StoryInput input;
    input.article_id = std::move(id);
    input.entities = std::move(entities);
    for (const auto& [prefix, count] : words) {
      for (int w = 0; w < count; ++w) {
        input.terms.emplace_back(prefix + std::to_string(w), 1);
      }
    }
    for (auto& [term, weight] : input.terms) {
      weight = 1 / std::sqrt(double(input.terms.size()));
    }
    return input;
  };
  auto joins = [&](int from_each) {
    StoryClusterer clusterer;
    const std::vector<const v1::Entity*> story_names = {&names.city,
                                                        &names.company};
    std::string story;
    for (const char* report : {"a", "b", "c"}) {
      const std::string id =
          clusterer
              .Assign(article(report, story_names, {{"core", 4}, {report, 16}}))
              .story_id;
      if (story.empty()) story = id;
      EXPECT_EQ(id, story) << report;
    }
    // 40 terms: `from_each` of each report's own, the rest its own.
    return clusterer
               .Assign(article("full",
                               {&names.city, &names.company, &people[0],
                                &people[1], &people[2]},
                               {{"a", from_each},
                                {"b", from_each},
                                {"c", from_each},
                                {"own", 40 - 3 * from_each}}))
               .story_id == story;
  };
  EXPECT_TRUE(joins(12));
  EXPECT_FALSE(joins(8));
}

// A story is held together by its centroid, not by a chain: articles that
// each share 45 of their 50 terms with the one before (A~B, B~C, ...)
// would make one story of a single-link chain, however far the last is
// from the first; here every member must stay at or above its bar against
// the story as a whole, recomputed by hand.
TEST(StoryTest, MembersStaySimilarToTheirStory) {
  StoryOptions options;
  options.threshold = 0.3;
  StoryClusterer clusterer(options);
  std::map<std::string, std::vector<std::vector<std::string>>> members;
  for (int i = 0; i < 40; ++i) {
    std::vector<std::string> words;
    for (int w = 5 * i; w < 5 * i + 50; ++w) {
      words.push_back("w" + std::to_string(w));
    }
    StoryInput input;
    input.article_id = "chain" + std::to_string(i);
    for (const std::string& word : words) {
      input.terms.emplace_back(word, 1 / std::sqrt(50.0));
    }
    members[clusterer.Assign(input).story_id].push_back(words);
  }
  // Neighbours are similar enough (terms only: 0.4 * 0.9 = 0.36 >= 0.3),
  // but the first and the last share nothing.
  EXPECT_GE(members.size(), 3u);
  for (const auto& [story, vectors] : members) {
    std::map<std::string, double> centroid;
    for (const auto& words : vectors) {
      for (const auto& word : words) centroid[word] += 1 / std::sqrt(50.0);
    }
    double norm = 0;
    for (const auto& [word, weight] : centroid) norm += weight * weight;
    for (const auto& words : vectors) {
      double dot = 0;
      for (const auto& word : words) dot += centroid[word] / std::sqrt(50.0);
      // Terms only: the term share of the similarity.
      EXPECT_GE(0.4 * dot / std::sqrt(norm), options.threshold - 1e-9)
          << story << " of " << vectors.size();
    }
  }
  for (const MemberCheck& check : clusterer.Audit()) {
    EXPECT_GE(check.similarity, check.bar - 1e-9) << check.story_id;
  }
}

TEST(StoryTest, SeedStories) {
  const std::filesystem::path seeds = testing_util::Shared() / "seeds";
  if (!std::filesystem::exists(seeds / "gold.json")) {
    GTEST_SKIP() << "no seed articles at " << seeds;
  }
  std::unique_ptr<Tagger> tagger = NewTagger();
  ASSERT_NE(tagger, nullptr);
  std::map<std::string, std::string> story;
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(seeds)) {
    if (entry.path().extension() == ".txt") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  ASSERT_EQ(files.size(), 5u);
  for (const auto& file : files) {
    v1::Article article = testing_util::ReadSeed(file);
    tagger->Tag(&article);
    story[file.filename().string().substr(0, 3)] = article.story_id();
  }
  EXPECT_EQ(story["000"], story["001"]);
  EXPECT_EQ(story["003"], story["004"]);
  EXPECT_NE(story["002"], story["000"]);
  EXPECT_NE(story["002"], story["003"]);
  EXPECT_NE(story["000"], story["003"]);
}

v1::Article Dated(const std::string& id, const std::string& published_at,
                  const std::string& body) {
  v1::Article article;
  article.set_id(id);
  article.set_published_at(published_at);
  article.set_title("Valletta breakwater to be rebuilt");
  article.set_body(body);
  return article;
}

TEST(StoryTest, AHeadlineJoinsTheStoryItsTermsBelongTo) {
  StoryClusterer clusterer;
  StoryInput report;
  report.article_id = "report";
  report.terms = Terms("strike", 60);
  const std::string story = clusterer.Assign(report).story_id;
  // Five of the report's sixty terms: a cosine of 0.29, under the full
  // threshold, but all a headline has.
  StoryInput headline;
  headline.article_id = "headline";
  headline.terms = Terms("strike", 5);
  EXPECT_EQ(clusterer.Assign(headline).story_id, story);
  StoryInput other;
  other.article_id = "other";
  other.terms = Terms("storm", 5);
  EXPECT_NE(clusterer.Assign(other).story_id, story);
}

// Candidate scores are accumulated along postings that copy each story's
// weights; they must stay those of the story's own vectors as weights grow
// and the lightest entries are pruned. Twelve articles of 20 shared and 40
// own terms make one story of 500 terms, cut to 300; an article repeating
// a member must then score what Audit computes for that member from the
// story's vectors.
TEST(StoryTest, ScoresFollowTheStoryAsItIsPruned) {
  StoryClusterer clusterer;
  std::vector<std::vector<std::pair<std::string, double>>> articles;
  std::string story;
  for (int i = 0; i < 12; ++i) {
    StoryInput input;
    input.article_id = "part" + std::to_string(i);
    for (int t = 0; t < 20; ++t) {
      input.terms.emplace_back("core" + std::to_string(t), 0.2);
    }
    for (int t = 0; t < 40; ++t) {
      input.terms.emplace_back(
          "tail" + std::to_string(i) + "x" + std::to_string(t),
          std::sqrt(0.2 / 40));
    }
    const std::string joined = clusterer.Assign(input).story_id;
    if (i == 0) story = joined;
    ASSERT_EQ(joined, story) << i;
    articles.push_back(input.terms);
  }
  const StoryStats stats = clusterer.Stats();
  ASSERT_EQ(stats.story_entries, 300u);
  EXPECT_EQ(stats.postings_keys, 300u);
  const std::vector<MemberCheck> checks = clusterer.Audit();
  ASSERT_EQ(checks.size(), articles.size());
  for (size_t i = 0; i < articles.size(); ++i) {
    StoryClusterer probe_of = clusterer;
    StoryInput probe;
    probe.article_id = "probe" + std::to_string(i);
    probe.terms = articles[i];
    const StoryAssignment assignment = probe_of.Assign(probe);
    EXPECT_EQ(assignment.story_id, story);
    // Members keep float weights.
    EXPECT_NEAR(assignment.similarity, checks[i].similarity, 1e-6) << i;
  }
}

TEST(StoryTest, TimeWindowSeparatesRepeats) {
  TaggerOptions options;
  options.story_window_hours = 48;
  std::unique_ptr<Tagger> tagger = NewTagger(options);
  ASSERT_NE(tagger, nullptr);
  v1::Article first = Dated("a", "2024-01-01T10:00:00Z", kWire);
  v1::Article reworded =
      Dated("b", "2024-01-01T18:00:00Z",
            "Malta will rebuild the Valletta breakwater before winter, the "
            "ministry said, after last month's storms broke the old stone wall "
            "and seawater flooded the fish market. The four million euro job "
            "starts in September.");
  v1::Article much_later =
      Dated("c", "2024-03-01T10:00:00Z",
            "The Valletta breakwater will be rebuilt before winter, officials "
            "said, because storms broke the stone wall and flooded the fish "
            "market; the four million euro work starts in September.");
  tagger->Tag(&first);
  tagger->Tag(&reworded);
  tagger->Tag(&much_later);
  EXPECT_EQ(first.story_id(), reworded.story_id());
  EXPECT_THAT(reworded.duplicate_of(), IsEmpty());
  EXPECT_NE(much_later.story_id(), first.story_id());
}

TEST(StoryTest, AStoryNeverSpansMoreThanTheWindow) {
  StoryOptions options;
  options.window_hours = 48;
  StoryClusterer clusterer(options);
  // The same event reported every 24 hours: each is within 48 hours of
  // the last, but the story must stop once it would span more than 48.
  std::set<std::string> stories;
  for (int day = 0; day < 6; ++day) {
    StoryInput input;
    input.article_id = "day" + std::to_string(day);
    input.time = int64_t{1700000000} + day * 24 * 3600;
    input.terms = Terms("flood", 60);
    stories.insert(clusterer.Assign(input).story_id);
  }
  EXPECT_EQ(stories.size(), 2u);
}

// State files written before vectors were keyed by 64-bit hashes (state
// version 1, string keys) still load: the open story keeps its articles,
// and a new article sharing its entity and terms joins it.
TEST(StoryTest, ReadsVersionOneState) {
  std::string state;
  PutU32(&state, 1);  // version
  PutU64(&state, 1);  // articles seen
  PutU32(&state, 1);  // open stories
  PutString(&state, "story-one");
  PutU32(&state, 1);  // entity vector
  PutString(&state, "person:carmel-zammit");
  PutF64(&state, 1.0);
  PutU32(&state, 2);  // term vector
  PutString(&state, "breakwat");
  PutF64(&state, 0.8);
  PutString(&state, "valletta");
  PutF64(&state, 0.6);
  for (int time = 0; time < 2; ++time) {  // first and last time: unknown
    PutU8(&state, 0);
    PutU64(&state, 0);
  }
  PutU32(&state, 1);  // articles
  PutU64(&state, 1);  // last joined
  PutF64(&state, 1.0);
  PutF64(&state, 1.0);
  PutU32(&state, 2);  // index keys
  PutString(&state, "e:person:carmel-zammit");
  PutString(&state, "t:breakwat");
  PutU32(&state, 0);  // fingerprints
  PutU32(&state, 1);  // entity document frequencies
  PutString(&state, "person:carmel-zammit");
  PutU32(&state, 1);

  StoryClusterer clusterer;
  size_t pos = 0;
  ASSERT_TRUE(clusterer.ReadFrom(state, &pos).ok());
  EXPECT_EQ(pos, state.size());
  EXPECT_EQ(clusterer.open_stories(), 1u);

  v1::Entity mayor;
  mayor.set_canonical_id("person:carmel-zammit");
  mayor.set_type(v1::PERSON);
  mayor.set_mentions(2);
  StoryInput input;
  input.article_id = "two";
  input.entities = {&mayor};
  input.terms = {{"breakwat", 0.8}, {"valletta", 0.6}};
  StoryAssignment assignment = clusterer.Assign(input);
  EXPECT_EQ(assignment.story_id, "story-one");
  EXPECT_GT(assignment.similarity, 0.9);

  // What it writes back is the current version, and reads back the same.
  std::string saved;
  clusterer.AppendTo(&saved);
  StoryClusterer reloaded;
  pos = 0;
  ASSERT_TRUE(reloaded.ReadFrom(saved, &pos).ok());
  EXPECT_EQ(reloaded.open_stories(), 1u);
  input.article_id = "three";
  EXPECT_EQ(reloaded.Assign(input).story_id, "story-one");
}

// A copy joins its original's story also after closing stories reordered
// the open ones: the story is found by its id, not by where it stood.
TEST(StoryTest, ACopyJoinsItsOriginalsStoryAfterStoriesClose) {
  StoryOptions options;
  options.max_open = 10;
  StoryClusterer clusterer(options);
  auto article = [](const std::string& id, int topic) {
    StoryInput input;
    input.article_id = id;
    input.terms = Terms("topic" + std::to_string(topic) + "term", 30);
    input.simhash = 0x9e3779b97f4a7c15ull * (topic + 1);
    return input;
  };
  // Eleven topics, each its own story; the original is the third. The
  // eleventh story closes the two least recently joined and reorders the
  // rest, most recent first: the original moves from third to last.
  std::string original_story;
  for (int topic = 0; topic < 11; ++topic) {
    StoryAssignment assignment =
        clusterer.Assign(article("a" + std::to_string(topic), topic));
    EXPECT_EQ(assignment.similarity, 0) << topic;
    if (topic == 2) original_story = assignment.story_id;
  }
  ASSERT_EQ(clusterer.open_stories(), 9u);
  const StoryAssignment copy = clusterer.Assign(article("copy", 2));
  EXPECT_EQ(copy.duplicate_of, "a2");
  EXPECT_EQ(copy.story_id, original_story);
  std::map<std::string, int> members;
  for (const MemberCheck& member : clusterer.Audit()) {
    ++members[member.story_id];
  }
  EXPECT_EQ(members[original_story], 2);
  for (const auto& [story, count] : members) {
    if (story != original_story) {
      EXPECT_EQ(count, 1) << story;
    }
  }
}

TEST(StoryTest, StateSurvivesARestart) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() /
      ("tag_state_test_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  TaggerOptions options;
  options.state_path = (dir / "tag-state.bin").string();

  v1::Article first = Dated("a", "2024-01-01T10:00:00Z", kWire);
  first.set_body(first.body() + " Mayor Carmel Zammit welcomed the plan.");
  std::string first_entity_id;
  {
    std::unique_ptr<Tagger> tagger = NewTagger(options);
    ASSERT_NE(tagger, nullptr);
    EXPECT_THAT(tagger->warnings(), IsEmpty());
    tagger->Tag(&first);
    const v1::Entity* mayor = testing_util::FindEntity(first, "Carmel Zammit");
    ASSERT_NE(mayor, nullptr);
    first_entity_id = mayor->canonical_id();
    // A second owner of the same file keeps its state in memory.
    std::unique_ptr<Tagger> second = NewTagger(options);
    ASSERT_NE(second, nullptr);
    EXPECT_THAT(second->warnings(), Not(IsEmpty()));
    ASSERT_TRUE(tagger->SaveState().ok());
  }
  ASSERT_TRUE(std::filesystem::exists(dir / "tag-state.bin"));
  std::unique_ptr<Tagger> restarted = NewTagger(options);
  ASSERT_NE(restarted, nullptr);
  EXPECT_GE(restarted->identities(), 1u);
  EXPECT_EQ(restarted->open_stories(), 1u);
  v1::Article next =
      Dated("b", "2024-01-02T09:00:00Z",
            "Speaking on Tuesday, Mayor Zammit said the Valletta breakwater "
            "works, "
            "which will cost four million euros, would begin in September once "
            "storms had passed and the fish market had been cleaned.");
  restarted->Tag(&next);
  EXPECT_EQ(next.story_id(), first.story_id());
  const v1::Entity* mayor = testing_util::FindEntity(next, "Zammit");
  ASSERT_NE(mayor, nullptr);
  EXPECT_EQ(mayor->canonical_id(), first_entity_id) << next.DebugString();
  EXPECT_EQ(mayor->canonical(), "Carmel Zammit");

  // A damaged state file is an error, not a silent fresh start.
  restarted.reset();
  {
    std::ofstream damage(dir / "tag-state.bin",
                         std::ios::binary | std::ios::app);
    damage << "x";
  }
  EXPECT_FALSE(Tagger::Create(options).ok());
  std::filesystem::remove_all(dir);
}

// A calendar date names its day ("on 2 March", "March 2nd", "Mar. 2"):
// the latest such day at or before the day after publication, or in the
// year given; a date further back than a weekday may reach (four days:
// an earlier step, "the intruders logged in on 20 May" in the report of
// the breach's disclosure), or after a word of the future, names none. Read as
// no day, the publication day stood in and the day veto parted the report from
// the story whose day it names.
TEST(StoryTest, ACalendarDateNamesItsDay) {
  // Monday 2 March 2026 is day 20514; Wednesday 4 March is 20516.
  auto days = [](std::string_view body, int32_t published) {
    StoryInput input;
    input.time = NoonOf(published);
    AddEventDays("Fire destroys plant", body, &input);
    return input.days;
  };
  using Days = std::vector<int32_t>;
  EXPECT_EQ(days("The fire on 2 March destroyed the plant, which had opened "
                 "on March 2, 1998.",
                 20516),
            Days{20514});
  EXPECT_EQ(days("The fire on March 2nd destroyed the plant.", 20516),
            Days{20514});
  EXPECT_EQ(days("The fire on Mar. 2 destroyed the plant.", 20516),
            Days{20514});
  EXPECT_EQ(days("The fire on March 2, 2026 destroyed the plant.", 20516),
            Days{20514});
  // The day after publication (a report dated in the reader's zone).
  EXPECT_EQ(days("The fire on 2 March destroyed the plant.", 20513),
            Days{20514});
  // 30 December in a report of 2 January 2026 is 2025's.
  EXPECT_EQ(days("The fire on 30 December destroyed the plant.", 20455),
            Days{20452});
  EXPECT_TRUE(days("The plant will reopen on 9 March.", 20516).empty());
  EXPECT_TRUE(days("The plant opened on 2 May.", 20516).empty());
  EXPECT_TRUE(days("The intruders logged in on 25 February.", 20516).empty());
  EXPECT_EQ(days("The intruders logged in on 28 February.", 20516),
            Days{20512});
  EXPECT_TRUE(days("Protesters may march 2 miles.", 20516).empty());
  // "1 January" in a report of 31 December 2025 (20453) is the next day.
  EXPECT_EQ(days("The fire on 1 January destroyed the plant.", 20453),
            Days{20454});
  // A day its month does not have names none (2 March and 2 May 2025).
  EXPECT_TRUE(days("The twins were born on 29 February.", 20149).empty());
  EXPECT_TRUE(days("The fire on 31 April destroyed the plant.", 20210).empty());
  // ... but 29 February of a leap year does (1 March 2024 is 19783).
  EXPECT_EQ(days("The fire on 29 February destroyed the plant.", 19783),
            Days{19782});

  const Names names;
  const std::vector<const v1::Entity*> entities = {&names.city, &names.company,
                                                   &names.person};
  StoryInput probe;
  probe.time = NoonOf(20516);
  AddEventDays("Fire destroys plant", "The fire on 2 March destroyed it.",
               &probe);
  StoryClusterer clusterer;
  StoryInput event = DatedArticle("event", entities, 0, {});
  event.time = NoonOf(20514);
  const std::string story = clusterer.Assign(event).story_id;
  // 30 of the story's 40 terms and all its names, two days on.
  StoryInput report = DatedArticle("report", entities, 10, probe.days);
  report.time = NoonOf(20516);
  EXPECT_EQ(clusterer.Assign(report).story_id, story);
}

// The publication day is the UTC day (the zone is lost at ingest): a
// follow-up published on Monday evening in New York (20:30 -04:00, 00:30
// UTC Tuesday) of Sunday's happening, naming no day, is two UTC days from
// it though locally the day after, and joins; three UTC days on it does
// not.
TEST(StoryTest, TheLocalDayAfterIsTwoUtcDaysOn) {
  const Names names;
  const std::vector<const v1::Entity*> entities = {&names.city, &names.company,
                                                   &names.person};
  auto joins = [&](int64_t published) {
    StoryClusterer clusterer;
    StoryInput event = DatedArticle("event", entities, 0, {});
    event.time = int64_t{20513} * 86400 + 15 * 3600;  // Sun 1 Mar 15:00Z
    const std::string story = clusterer.Assign(event).story_id;
    StoryInput report = DatedArticle("report", entities, 10, {});
    report.time = published;
    return clusterer.Assign(report).story_id == story;
  };
  EXPECT_TRUE(joins(int64_t{20515} * 86400 + 1800));  // Mon 20:30 -04:00
  EXPECT_FALSE(joins(int64_t{20516} * 86400 + 1800));
}

// "2,000" and "2 thousand" are amounts, not years; dates and clock times
// ("2026-03-12", "12/03/2026", "March 12 at 10:30") are not figures, as
// any two reports of one day share them; a race time is.
TEST(StoryTest, DatesAndTimesAreNotFiguresButAmountsAre) {
  using V = std::vector<std::string>;
  EXPECT_EQ(FiguresOf("1,400 homes"), V{"#1400"});
  EXPECT_EQ(FiguresOf("1400 homes"), V{"#1400"});
  EXPECT_EQ(FiguresOf("in 2026 homes"), V{});
  EXPECT_EQ(FiguresOf("2,000 homes were evacuated"), V{"#2000"});
  EXPECT_EQ(FiguresOf("2 thousand homes were evacuated"), V{"#2000"});
  EXPECT_EQ(FiguresOf("the order of 2026-03-12"), V{});
  EXPECT_EQ(FiguresOf("the order of 12/03/2026"), V{});
  EXPECT_EQ(FiguresOf("on March 12 at 10:30"), V{});
  EXPECT_EQ(FiguresOf("the plant closed on Mar. 12, 14 hurt"), V{"#14"});
  EXPECT_EQ(FiguresOf("on the 12th March, 14 hurt"), V{"#14"});
  EXPECT_EQ(FiguresOf("won in 2:19:42"), V{"#2:19:42"});
}

// Known limit, kept on purpose: a report naming no day tells of its
// publication day, and that day, the story's, holds it to a third of its
// bar like a day it names. So same-day news of the same company and city
// (the bank's results beside its outage, sharing few event words) joins;
// published the next day or undated it stays apart. Held to two thirds
// instead, reports of one happening that name no day split (own labelled
// set F1 1.000 -> 0.960, check set 6 0.800 -> 0.765) and no set gained.
TEST(StoryTest, APublicationDayCountsAsTheStorysDay) {
  const Names names;
  auto joins = [&](std::optional<int64_t> published,
                   std::vector<int32_t> days) {
    StoryClusterer clusterer;
    StoryInput event = DatedArticle(
        "outage", {&names.city, &names.company, &names.person}, 0, {});
    event.time = NoonOf(20514);
    const std::string story = clusterer.Assign(event).story_id;
    // 6 of the story's 40 words: an event cosine of 0.15, between a third
    // (0.1) and two thirds (0.2) of the bar.
    StoryInput results = DatedArticle("results", {&names.city, &names.company},
                                      34, std::move(days));
    results.time = published;
    return clusterer.Assign(results).story_id == story;
  };
  EXPECT_FALSE(joins(std::nullopt, {}));
  EXPECT_FALSE(joins(NoonOf(20515), {}));
  EXPECT_TRUE(joins(NoonOf(20514), {20514}));
  EXPECT_TRUE(joins(NoonOf(20514), {}));
}

// A story's publication days survive a save and load: the day veto holds
// after a restart as before it.
TEST(StoryTest, PublicationDaysSurviveASaveAndLoad) {
  const Names names;
  const std::vector<const v1::Entity*> entities = {&names.city, &names.company,
                                                   &names.person};
  StoryClusterer clusterer;
  StoryInput event = DatedArticle("event", entities, 0, {});
  event.time = NoonOf(20514);
  const std::string story = clusterer.Assign(event).story_id;
  std::string saved;
  clusterer.AppendTo(&saved, nullptr);
  auto joins_after_load = [&](int32_t published) {
    StoryClusterer loaded;
    size_t pos = 0;
    EXPECT_TRUE(loaded.ReadFrom(saved, &pos).ok());
    StoryInput report = DatedArticle("report", entities, 10, {});
    report.time = NoonOf(published);
    return loaded.Assign(report).story_id == story;
  };
  EXPECT_FALSE(joins_after_load(20517));
  EXPECT_TRUE(joins_after_load(20515));
}

}  // namespace
}  // namespace tag
}  // namespace newsflow

// ---- Weekday words, the trace, the fingerprints' bound -------------------
namespace newsflow {
namespace tag {
namespace {

// The informal "weds" is the verb in headlines ("Prince weds actress"):
// tag's stopwords and sentence starters leave it out (it kept the keyword
// before the weekday words moved to common/date_words).
TEST(StoryTest, WedsIsNoStopwordOrSentenceStarter) {
  EXPECT_FALSE(IsStopword("weds"));
  EXPECT_FALSE(IsSentenceStarter("weds"));
  EXPECT_TRUE(IsStopword("wednesday"));
  EXPECT_TRUE(IsSentenceStarter("wed"));
}

// A full disk: the first failing write is reported once, and the trace
// stops (no crash, no message per article).
TEST(StoryTest, AFailingTraceWriteIsReportedOnce) {
  if (!std::filesystem::exists("/dev/full")) GTEST_SKIP();
  const Names names;
  ASSERT_EQ(::setenv("NEWSFLOW_STORY_TRACE", "/dev/full", 1), 0);
  ::testing::internal::CaptureStderr();
  {
    StoryClusterer clusterer;
    for (int i = 0; i < 3; ++i) {
      clusterer.Assign(DatedArticle(absl::StrCat("event", i),
                                    {&names.city, &names.company}, i * 10,
                                    {20334}));
    }
  }
  const std::string err = ::testing::internal::GetCapturedStderr();
  ASSERT_EQ(::unsetenv("NEWSFLOW_STORY_TRACE"), 0);
  EXPECT_THAT(err, ::testing::HasSubstr("/dev/full"));
  EXPECT_THAT(err, ::testing::HasSubstr(std::strerror(ENOSPC)));
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
}

// The clusterer forgets its oldest fingerprint before it remembers a new
// one: holding max_fingerprints + 1 for a moment doubled the index's ring
// at a power-of-two cap (the header's 63 bytes a fingerprint).
TEST(StoryTest, APowerOfTwoFingerprintCapKeepsTheRingItsSize) {
  constexpr size_t kCap = 1024;
  StoryOptions options;
  options.max_fingerprints = kCap;
  StoryClusterer clusterer(options);
  std::mt19937_64 random(1);
  FingerprintIndex full;
  for (size_t i = 0; i < 2 * kCap; ++i) {
    StoryInput input;
    input.article_id = absl::StrCat("a", i);
    input.simhash = random() | 1;
    clusterer.Assign(input);
    if (i < kCap) full.PushBack(input.simhash);
  }
  const StoryStats stats = clusterer.Stats();
  EXPECT_EQ(stats.fingerprints, kCap);
  EXPECT_EQ(stats.fingerprint_bytes, full.memory_bytes());
}

// NEWSFLOW_STORY_TRACE naming a file that cannot be opened is reported
// once, with the path and the reason, also across a load: loading a state
// (ReadFrom, and ReadChangesFrom per log record) builds a fresh clusterer,
// which keeps the trace instead of opening NEWSFLOW_STORY_TRACE again (review
// 16b: a tag stage starting from its state said it twice or more).
TEST(StoryTest, AnUnopenableTraceFileIsReportedOnceAcrossALoad) {
  const Names names;
  ASSERT_EQ(::setenv("NEWSFLOW_STORY_TRACE", "/nonexistent-dir/trace", 1), 0);
  ::testing::internal::CaptureStderr();
  {
    StoryClusterer clusterer;
    clusterer.Assign(
        DatedArticle("event", {&names.city, &names.company}, 0, {20334}));
    std::string saved;
    clusterer.AppendTo(&saved);
    size_t pos = 0;
    EXPECT_TRUE(clusterer.ReadFrom(saved, &pos).ok());
  }
  const std::string err = ::testing::internal::GetCapturedStderr();
  ASSERT_EQ(::unsetenv("NEWSFLOW_STORY_TRACE"), 0);
  EXPECT_THAT(err, ::testing::HasSubstr("/nonexistent-dir/trace"));
  EXPECT_THAT(err, ::testing::HasSubstr(std::strerror(ENOENT)));
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
}

}  // namespace
}  // namespace tag
}  // namespace newsflow

// ---- Check set 5: a river typed as a person in one report ----------------
namespace newsflow {
namespace tag {
namespace {

// fe479c4 lets a "person" written as a place ("under the Bisagno,") be taken
// by a LOC identity only; the river's identity was first typed MISC ("Genoa
// opens flood tunnel under the Bisagno"), so the fourth flood report's
// Bisagno became an identity of its own and the report left its story.
TEST(CheckSet5Identity, TheRiverTypedAsAPersonKeepsItsIdentity) {
  std::vector<LabelledArticle> articles =
      ReadLabelledStories(std::filesystem::path(NEWSFLOW_SOURCE_DIR) / "tests" /
                          "data" / "stories-check5");
  std::unique_ptr<Tagger> tagger = NewTagger();
  ASSERT_NE(tagger, nullptr);
  std::map<std::string, std::string> bisagno, story;
  for (LabelledArticle& labelled : articles) {
    tagger->Tag(&labelled.article);
    story[labelled.file] = labelled.article.story_id();
    if (const v1::Entity* entity =
            testing_util::FindEntity(labelled.article, "Bisagno")) {
      bisagno[labelled.file] = entity->canonical_id();
    }
  }
  ASSERT_EQ(bisagno.count("genoa-flood_ligurianews.txt"), 1u);
  EXPECT_EQ(bisagno["genoa-flood_ligurianews.txt"],
            bisagno["genoa-tunnel_italiandaily-english.txt"]);
  EXPECT_EQ(bisagno["genoa-flood_ligurianews.txt"],
            bisagno["genoa-flood_italiandaily-english.txt"]);
  EXPECT_EQ(story["genoa-flood_ligurianews.txt"],
            story["genoa-flood_italiandaily-english.txt"]);
}

}  // namespace
}  // namespace tag
}  // namespace newsflow
