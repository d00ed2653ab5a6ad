// Tests of the tag stage: tokenizer, entity recognizer, keywords, language
// detection, the Tagger facade and the C ABI. Every sentence here is our own
// writing; the seed and CoNLL checks read ../shared at run time and print
// their scores. Set NEWSFLOW_TAG_VERBOSE=1 to also print every seed entity
// and every CoNLL false positive / false negative.
#include <algorithm>
#include <array>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "common/hash.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "newsflow/stage.h"
#include "newsflow/stage_plugin.h"
#include "newsflow/v1/article.pb.h"
#include "stages/tag/entities.h"
#include "stages/tag/gazetteer.h"
#include "stages/tag/keywords.h"
#include "stages/tag/language.h"
#include "stages/tag/tag_stage.h"
#include "stages/tag/tagger.h"
#include "stages/tag/tokenizer.h"
#include "tag_options.pb.h"
#include "tests/unit/stages/tag_test_util.h"

namespace newsflow {
namespace tag {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::UnorderedElementsAre;

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string Fixture(const std::string& name) {
  return ReadFile(std::filesystem::path(NEWSFLOW_SOURCE_DIR) / "tests" /
                  "data" / "tag" / name);
}

bool Verbose() { return std::getenv("NEWSFLOW_TAG_VERBOSE") != nullptr; }

// --- Tokenizer ---------------------------------------------------------------

std::vector<std::string> Texts(const std::vector<Token>& tokens) {
  std::vector<std::string> texts;
  for (const Token& token : tokens) texts.emplace_back(token.text);
  return texts;
}

std::vector<Token> Tokens(std::string_view text) {
  std::vector<Token> tokens;
  Tokenize(text, &tokens);
  return tokens;
}

const Token* FindToken(const std::vector<Token>& tokens, std::string_view text,
                       int occurrence = 0) {
  for (const Token& token : tokens) {
    if (token.text == text && occurrence-- == 0) return &token;
  }
  return nullptr;
}

TEST(TokenizerTest, KeepsInitialismsAndTitlesWhole) {
  std::vector<Token> tokens =
      Tokens("The U.S. and the U.N. thanked Mr. Okafor and Dr. Lind.");
  EXPECT_THAT(Texts(tokens),
              ElementsAre("The", "U.S.", "and", "the", "U.N.", "thanked", "Mr.",
                          "Okafor", "and", "Dr.", "Lind", "."));
  EXPECT_TRUE(FindToken(tokens, "U.S.")->Has(Token::kAbbreviation));
  EXPECT_TRUE(FindToken(tokens, "U.S.")->Has(Token::kAllCaps));
  EXPECT_FALSE(FindToken(tokens, "Okafor")->Has(Token::kSentenceStart));
  EXPECT_TRUE(tokens.back().Has(Token::kSentenceEnd));
}

TEST(TokenizerTest, StripsPossessivesWithBothApostrophes) {
  std::vector<Token> tokens =
      Tokens("Ostrova’s navy and Ostrova's army backed the dockers’ strike.");
  EXPECT_THAT(Texts(tokens),
              ElementsAre("Ostrova", "navy", "and", "Ostrova", "army", "backed",
                          "the", "dockers", "strike", "."));
  EXPECT_TRUE(tokens[0].Has(Token::kPossessive));
  EXPECT_TRUE(tokens[3].Has(Token::kPossessive));
  EXPECT_TRUE(tokens[7].Has(Token::kPossessive));
  EXPECT_FALSE(tokens[1].Has(Token::kPossessive));
}

TEST(TokenizerTest, KeepsInternalApostrophesAndHyphens) {
  std::vector<Token> tokens = Tokens(
      "Jean-Luc O’Neill didn’t sign the cease-fire with al-Rashid's men.");
  EXPECT_THAT(Texts(tokens),
              ElementsAre("Jean-Luc", "O’Neill", "didn’t", "sign", "the",
                          "cease-fire", "with", "al-Rashid", "men", "."));
  EXPECT_TRUE(tokens[0].Has(Token::kHyphenated));
  EXPECT_TRUE(tokens[0].Has(Token::kCapitalized));
  EXPECT_TRUE(tokens[7].Has(Token::kLowerInitial));
  EXPECT_TRUE(tokens[7].Has(Token::kPossessive));
}

TEST(TokenizerTest, QuotesArePunctuationAndOpenSentences) {
  std::vector<Token> tokens =
      Tokens("He said: “Harbours stay open,” and added \"Nothing else.\"");
  EXPECT_THAT(
      Texts(tokens),
      ElementsAre("He", "said", ":", "“", "Harbours", "stay", "open", ",", "”",
                  "and", "added", "\"", "Nothing", "else", ".", "\""));
  EXPECT_TRUE(FindToken(tokens, "“")->Has(Token::kOpeningQuote));
  EXPECT_FALSE(FindToken(tokens, "”")->Has(Token::kOpeningQuote));
  EXPECT_TRUE(FindToken(tokens, "Harbours")->Has(Token::kSentenceStart));
  EXPECT_TRUE(FindToken(tokens, "Nothing")->Has(Token::kSentenceStart));
  EXPECT_FALSE(FindToken(tokens, "\"", 1)->Has(Token::kOpeningQuote));
}

TEST(TokenizerTest, MarksSentenceStarts) {
  std::vector<Token> tokens = Tokens(
      "Talks ended. Then Marta Silva left!\nPorts reopened after the U.S. "
      "Navy arrived near the U.S. He stayed.");
  EXPECT_TRUE(FindToken(tokens, "Talks")->Has(Token::kSentenceStart));
  EXPECT_TRUE(FindToken(tokens, "Then")->Has(Token::kSentenceStart));
  EXPECT_FALSE(FindToken(tokens, "Marta")->Has(Token::kSentenceStart));
  EXPECT_TRUE(FindToken(tokens, "Ports")->Has(Token::kSentenceStart));
  // After an initialism only a capitalised function word starts a sentence.
  EXPECT_FALSE(FindToken(tokens, "Navy")->Has(Token::kSentenceStart));
  EXPECT_TRUE(FindToken(tokens, "He")->Has(Token::kSentenceStart));
}

TEST(TokenizerTest, ReadsNumbersAndDashes) {
  std::vector<Token> tokens = Tokens("Prices rose 3.5% to 1,200 — a record.");
  EXPECT_THAT(Texts(tokens), ElementsAre("Prices", "rose", "3.5", "%", "to",
                                         "1,200", "—", "a", "record", "."));
  EXPECT_EQ(tokens[2].kind, TokenKind::kNumber);
  EXPECT_EQ(tokens[5].kind, TokenKind::kNumber);
  EXPECT_EQ(tokens[6].kind, TokenKind::kPunct);
}

TEST(TokenizerTest, HandlesNonAsciiLetters) {
  std::vector<Token> tokens = Tokens("Ødegård met Çelik in Zürich.");
  EXPECT_THAT(Texts(tokens),
              ElementsAre("Ødegård", "met", "Çelik", "in", "Zürich", "."));
  EXPECT_TRUE(tokens[0].Has(Token::kCapitalized));
  EXPECT_TRUE(tokens[2].Has(Token::kCapitalized));
  EXPECT_EQ(Lowercase("ÉCOLE Ostrova’s"), "école ostrova's");
}

TEST(TokenizerTest, SplitsTitleAndBody) {
  TokenizedArticle article;
  article.Reset("Storm Hits Coast", "Waves rose. Boats sank.");
  ASSERT_EQ(article.body_begin, 3u);
  EXPECT_TRUE(article.InTitle(2));
  EXPECT_FALSE(article.InTitle(3));
  EXPECT_EQ(article.tokens[3].text, "Waves");
  EXPECT_TRUE(article.tokens[3].Has(Token::kSentenceStart));
}

// --- Entities ----------------------------------------------------------------

class EntitiesTest : public ::testing::Test {
 protected:
  const EntityResult& Recognize(std::string_view title, std::string_view body) {
    title_ = std::string(title);
    body_ = std::string(body);
    article_.Reset(title_, body_);
    recognizer_->Recognize(article_, &result_);
    return result_;
  }

  // The entity with `alias` among its spellings, or nullptr.
  const v1::Entity* Find(std::string_view alias) const {
    for (const v1::Entity& entity : result_.entities) {
      for (const std::string& a : entity.aliases()) {
        if (a == alias) return &entity;
      }
    }
    return nullptr;
  }

  std::vector<std::string> AllAliases() const {
    std::vector<std::string> aliases;
    for (const v1::Entity& entity : result_.entities) {
      for (const std::string& a : entity.aliases()) aliases.push_back(a);
    }
    return aliases;
  }

  std::unique_ptr<EntityRecognizer> recognizer_ =
      NewStatisticalEntityRecognizer(
          *LoadSharedNerModel(DefaultNerModelPath()));
  std::string title_;
  std::string body_;
  TokenizedArticle article_;
  EntityResult result_;
};

TEST_F(EntitiesTest, TypesPeopleOrganizationsAndPlaces) {
  Recognize("Fishing talks stall in Valletta",
            "Fisheries Minister Elena Varga of Hungary met the Baltic "
            "Shipping Association in Valletta on Tuesday. Varga said talks "
            "would resume in Lisbon next month.\n\nA spokesman for the "
            "Maritime Safety Agency, Tomas Brandt, told reporters the "
            "agency was ready.");
  const v1::Entity* varga = Find("Elena Varga");
  ASSERT_NE(varga, nullptr);
  EXPECT_EQ(varga->type(), v1::PERSON);
  EXPECT_THAT(varga->aliases(), UnorderedElementsAre("Elena Varga", "Varga"));
  EXPECT_EQ(varga->mentions(), 2);

  ASSERT_NE(Find("Baltic Shipping Association"), nullptr);
  EXPECT_EQ(Find("Baltic Shipping Association")->type(), v1::ORG);
  ASSERT_NE(Find("Maritime Safety Agency"), nullptr);
  EXPECT_EQ(Find("Maritime Safety Agency")->type(), v1::ORG);
  ASSERT_NE(Find("Tomas Brandt"), nullptr);
  EXPECT_EQ(Find("Tomas Brandt")->type(), v1::PERSON);
  for (const char* place : {"Valletta", "Hungary", "Lisbon"}) {
    ASSERT_NE(Find(place), nullptr) << place;
    EXPECT_EQ(Find(place)->type(), v1::LOC) << place;
  }
  EXPECT_EQ(Find("Valletta")->mentions(), 2);  // title and body
  // Titles are cues, not part of the name.
  EXPECT_EQ(Find("Fisheries Minister Elena Varga"), nullptr);
  EXPECT_EQ(Find("Fisheries Minister"), nullptr);
}

TEST_F(EntitiesTest, UnknownPlacesFromContext) {
  Recognize("",
            "Rebels fought for the port of Qarzat on Sunday. Later they "
            "retreated to Wadi Tamra and regrouped in Sulbara, the "
            "regional capital.");
  for (const char* place : {"Qarzat", "Sulbara"}) {
    ASSERT_NE(Find(place), nullptr) << place;
    EXPECT_EQ(Find(place)->type(), v1::LOC) << place;
  }
  EXPECT_NE(Find("Wadi Tamra"), nullptr);
  EXPECT_EQ(Find("Rebels"), nullptr);
}

TEST_F(EntitiesTest, SentenceStartWordsAreNotEntities) {
  Recognize("",
            "The inquiry opened on Monday. But witnesses stayed away. "
            "However, the judge pressed on. In March the court sat "
            "again. Unfortunately nobody came. This was new. Officials "
            "said little. Rebel fighters left; a rebel commander "
            "stayed.");
  EXPECT_THAT(AllAliases(), IsEmpty());
}

TEST_F(EntitiesTest, SentenceStartNamesNeedConfirmation) {
  Recognize("",
            "Ostrovsky arrived late. Delegates waited for Ostrovsky "
            "for an hour. Speaking afterwards, he apologised.");
  ASSERT_NE(Find("Ostrovsky"), nullptr);
  EXPECT_EQ(Find("Ostrovsky")->mentions(), 2);
  EXPECT_EQ(Find("Speaking"), nullptr);
  EXPECT_EQ(Find("Delegates"), nullptr);
}

TEST_F(EntitiesTest, MergesSurnameWithFullName) {
  Recognize("",
            "Jeffrey Feltman, a senior American diplomat, flew to the "
            "region on Friday. Feltman met local leaders. Officials said "
            "Feltman’s visit was brief.");
  const v1::Entity* feltman = Find("Feltman");
  ASSERT_NE(feltman, nullptr);
  EXPECT_EQ(feltman->type(), v1::PERSON);
  EXPECT_EQ(feltman->text(), "Jeffrey Feltman");
  EXPECT_EQ(feltman->canonical(), "Jeffrey Feltman");
  EXPECT_THAT(feltman->aliases(), ElementsAre("Jeffrey Feltman", "Feltman"));
  EXPECT_EQ(feltman->mentions(), 3);
  EXPECT_EQ(feltman->canonical_id(), StableHashHex("PERSON:jeffrey feltman"));
}

TEST_F(EntitiesTest, KeepsDifferentPeopleApart) {
  Recognize("",
            "President Dmitry Medvedev and Prime Minister Vladimir Putin "
            "disagreed on Monday. Medvedev said the plan was sound. "
            "Putin did not reply, and aides to Putin declined comment.");
  const v1::Entity* medvedev = Find("Medvedev");
  const v1::Entity* putin = Find("Putin");
  ASSERT_NE(medvedev, nullptr);
  ASSERT_NE(putin, nullptr);
  EXPECT_NE(medvedev, putin);
  EXPECT_EQ(medvedev->canonical(), "Dmitry Medvedev");
  EXPECT_EQ(putin->canonical(), "Vladimir Putin");
  EXPECT_EQ(medvedev->type(), v1::PERSON);
  EXPECT_EQ(putin->type(), v1::PERSON);
  EXPECT_EQ(putin->mentions(), 3);
  EXPECT_NE(medvedev->canonical_id(), putin->canonical_id());
}

TEST_F(EntitiesTest, AmbiguousSurnameStaysApart) {
  Recognize("",
            "Anna Lindqvist and Peter Lindqvist both spoke. Later "
            "reporters asked Lindqvist about the vote.");
  ASSERT_NE(Find("Anna Lindqvist"), nullptr);
  ASSERT_NE(Find("Peter Lindqvist"), nullptr);
  EXPECT_NE(Find("Anna Lindqvist"), Find("Peter Lindqvist"));
  const v1::Entity* alone = Find("Lindqvist");
  ASSERT_NE(alone, nullptr);
  EXPECT_EQ(alone->aliases_size(), 1);
}

// Issue 19's third list: well-known modern names typed in sentences of our
// own (tests/data/tag/modern_names.txt). A measurement of the shipped
// model on names it never saw in 1996 text; the floor keeps it from
// getting worse.
TEST_F(EntitiesTest, TypesModernNames) {
  std::istringstream lines(
      testing_util::ReadFile(testing_util::TagData() / "modern_names.txt"));
  std::string line;
  int total = 0, right = 0;
  std::map<std::string, int> wrong_as;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#') continue;
    const size_t bar1 = line.find(" | ");
    const size_t bar2 = line.find(" | ", bar1 + 3);
    ASSERT_NE(bar2, std::string::npos) << line;
    const std::string type = line.substr(0, bar1);
    const std::string name = line.substr(bar1 + 3, bar2 - bar1 - 3);
    Recognize("", line.substr(bar2 + 3));
    ++total;
    const v1::Entity* entity = Find(name);
    const std::string got = entity == nullptr
                                ? "none"
                                : std::string(EntityTypeName(entity->type()));
    if (got == type) {
      ++right;
    } else {
      ++wrong_as[type + " as " + got];
      if (testing_util::Verbose()) {
        std::cout << "  " << name << ": " << got << " (want " << type << ")\n";
      }
    }
  }
  std::cout << "[ types    ] modern names typed right: " << right << " of "
            << total;
  for (const auto& [what, count] : wrong_as) {
    std::cout << "; " << what << " " << count;
  }
  std::cout << "\n";
  EXPECT_EQ(total, 50);
  EXPECT_GE(right, total / 2);
}

TEST_F(EntitiesTest, ArticlePrefixedSurnameContinuesTheName) {
  Recognize("",
            "Members agreed on Tuesday to buy fuel jointly, said Abdel "
            "Rahman el-Sharif, closing the meeting. Later el-Sharif left.");
  const v1::Entity* sharif = Find("Abdel Rahman el-Sharif");
  ASSERT_NE(sharif, nullptr);
  EXPECT_EQ(sharif->type(), v1::PERSON);
  EXPECT_EQ(Find("Abdel Rahman"), nullptr);
}

TEST_F(EntitiesTest, MergesAcronymWithMatchingInitials) {
  Recognize("",
            "The North Atlantic Treaty Organization met in Brussels. "
            "Patrols continued, a NATO officer said. NATO commanders "
            "agreed.\n\n"
            "The Coastal Fisheries Development Board (CFDB) objected. "
            "A CFDB statement followed. The FIFA World Cup went on.");
  const v1::Entity* nato = Find("NATO");
  ASSERT_NE(nato, nullptr);
  EXPECT_EQ(nato, Find("North Atlantic Treaty Organization"));
  EXPECT_EQ(nato->type(), v1::ORG);
  EXPECT_EQ(nato->mentions(), 3);
  EXPECT_EQ(nato->canonical(), "North Atlantic Treaty Organization");

  const v1::Entity* board = Find("CFDB");
  ASSERT_NE(board, nullptr);
  EXPECT_EQ(board, Find("Coastal Fisheries Development Board"));
  EXPECT_EQ(board->type(), v1::ORG);
  EXPECT_EQ(board->mentions(), 3);
  EXPECT_EQ(board->canonical(), "Coastal Fisheries Development Board");
}

TEST_F(EntitiesTest, AcronymWithOtherInitialsStaysApart) {
  Recognize("", "The Northern Grain Council met. Later the WFU objected.");
  ASSERT_NE(Find("WFU"), nullptr);
  ASSERT_NE(Find("Northern Grain Council"), nullptr);
  EXPECT_NE(Find("WFU"), Find("Northern Grain Council"));
  EXPECT_EQ(Find("WFU")->type(), v1::ORG);
}

TEST_F(EntitiesTest, SplitsTitlesNationalitiesAndCountries) {
  Recognize("",
            "Russian Foreign Minister Sergei Lavrov spoke with U.S. "
            "Secretary of State Hillary Rodham Clinton. The U.S. State "
            "Department later thanked Mr. Lavrov.");
  ASSERT_NE(Find("Sergei Lavrov"), nullptr);
  EXPECT_EQ(Find("Sergei Lavrov")->type(), v1::PERSON);
  EXPECT_EQ(Find("Lavrov"), Find("Sergei Lavrov"));
  ASSERT_NE(Find("Hillary Rodham Clinton"), nullptr);
  EXPECT_EQ(Find("Hillary Rodham Clinton")->type(), v1::PERSON);
  ASSERT_NE(Find("Russian"), nullptr);
  EXPECT_EQ(Find("Russian")->type(), v1::MISC);
  // A country before a known organisation is part of how it is written,
  // not of what it is.
  ASSERT_NE(Find("U.S. State Department"), nullptr);
  EXPECT_EQ(Find("U.S. State Department")->type(), v1::ORG);
  EXPECT_EQ(Find("U.S. State Department")->canonical(), "State Department");
  const v1::Entity* us = Find("U.S.");
  ASSERT_NE(us, nullptr);
  EXPECT_EQ(us->type(), v1::LOC);
  EXPECT_EQ(us->canonical(), "United States");
  // The "U.S." inside "U.S. State Department" is part of that span.
  EXPECT_EQ(us->mentions(), 1);
  EXPECT_EQ(Find("Secretary of State"), nullptr);
}

TEST_F(EntitiesTest, TitleWordsInsideNamesStay) {
  Recognize("",
            "Crowds marched past the Martin Luther King memorial, where "
            "the Libyan President spoke briefly.");
  ASSERT_NE(Find("Martin Luther King"), nullptr);
  EXPECT_EQ(Find("Martin Luther King")->type(), v1::PERSON);
  EXPECT_EQ(Find("Libyan President"), nullptr);
  ASSERT_NE(Find("Libyan"), nullptr);
}

TEST_F(EntitiesTest, TitleCaseHeadlineOnlyRepeatsKnownNames) {
  Recognize("Varga Warns Over Shrinking Cod Quotas In Baltic Sea",
            "Fisheries minister Elena Varga warned on Friday that quotas "
            "would shrink.");
  EXPECT_THAT(AllAliases(),
              UnorderedElementsAre("Elena Varga", "Varga", "Baltic Sea"));
  EXPECT_EQ(Find("Varga")->mentions(), 2);
}

TEST_F(EntitiesTest, ReportsMentionOffsets) {
  const EntityResult& result =
      Recognize("Storm reaches Lisbon", "Lisbon closed its port.");
  ASSERT_EQ(result.mentions.size(), 2u);
  EXPECT_TRUE(result.mentions[0].in_title);
  EXPECT_EQ(title_.substr(result.mentions[0].begin,
                          result.mentions[0].end - result.mentions[0].begin),
            "Lisbon");
  EXPECT_FALSE(result.mentions[1].in_title);
  EXPECT_EQ(result.mentions[1].begin, 0u);
  EXPECT_EQ(result.mentions[1].end, 6u);
  EXPECT_EQ(result.mentions[0].entity, result.mentions[1].entity);
}

TEST_F(EntitiesTest, MentionsSpellTheirEntity) {
  const EntityResult& result = Recognize(
      "Lisbon and Porto Sign Port Deal",
      "Marta Silva, the mayor of Lisbon, met Porto’s mayor Rui Costa on "
      "Friday. Silva said the Port of Lisbon Authority would cut fees. "
      "The plan, Costa said, helps the U.S.-based lines too.");
  ASSERT_FALSE(result.mentions.empty());
  for (const EntityMention& mention : result.mentions) {
    const std::string& section = mention.in_title ? title_ : body_;
    ASSERT_LE(mention.begin, mention.end);
    ASSERT_LE(mention.end, section.size());
    const std::string spelled =
        section.substr(mention.begin, mention.end - mention.begin);
    EXPECT_THAT(result.entities[mention.entity].aliases(), Contains(spelled));
  }
  // "U.S.-based": the name before the hyphenated tail.
  ASSERT_NE(Find("U.S."), nullptr);
  EXPECT_EQ(Find("U.S.")->canonical(), "United States");
}

TEST_F(EntitiesTest, SurvivesOddInput) {
  const std::string long_word(100000, 'A');
  for (std::string_view body :
       {std::string_view(""), std::string_view("...!!!???—“”‘’"),
        std::string_view("\xff\xfe Mr. \xc3 Lisbon \xe2\x80"),
        std::string_view("A. B. C. D."), std::string_view("al- -al de of the"),
        std::string_view("U.S.-U.N.-NATO-led"),
        std::string_view("’s ’ 's ' O’ Mr.’s"), std::string_view(long_word)}) {
    const EntityResult& result = Recognize(body, body);
    for (const EntityMention& mention : result.mentions) {
      const std::string& section = mention.in_title ? title_ : body_;
      EXPECT_LE(mention.begin, mention.end);
      EXPECT_LE(mention.end, section.size());
      EXPECT_LT(mention.entity, static_cast<int>(result.entities.size()));
    }
  }
}

TEST(CanonicalTest, NormalizesInitialismsAndApostrophes) {
  EXPECT_EQ(NormalizeCanonical("U.N. Security Council"), "UN Security Council");
  EXPECT_EQ(NormalizeCanonical("Kurdistan Workers’ Party"),
            "Kurdistan Workers' Party");
  EXPECT_EQ(NormalizeCanonical("Jeffrey Feltman"), "Jeffrey Feltman");
  // Words are what lies between single spaces: runs of spaces are kept,
  // leading ones dropped, the last word normalised too.
  EXPECT_EQ(NormalizeCanonical(" U.N.  O’Mara ’"), "UN  O'Mara '");
  EXPECT_EQ(NormalizeCanonical("Tarn Vale E.U. "), "Tarn Vale EU ");
  EXPECT_EQ(NormalizeCanonical("’\xE2\x80"), "'\xE2\x80");
  EXPECT_EQ(NormalizeCanonical(""), "");
  EXPECT_EQ(CanonicalId(v1::ORG, "NATO"), StableHashHex("ORG:nato"));
  EXPECT_NE(CanonicalId(v1::ORG, "Jordan"), CanonicalId(v1::LOC, "Jordan"));
}

TEST(GazetteerTest, FindsAliasesAndRespectsAcronymCase) {
  const Gazetteer& gazetteer = Gazetteer::Default();
  std::string scratch;
  const GazetteerEntry* us = gazetteer.Find("U.S.", &scratch);
  ASSERT_NE(us, nullptr);
  EXPECT_EQ(us->canonical, "United States");
  EXPECT_TRUE(us->country);
  EXPECT_EQ(gazetteer.Find("Us", &scratch), nullptr);
  ASSERT_NE(gazetteer.Find("TRIPOLI", &scratch), nullptr);
  EXPECT_EQ(gazetteer.Find("TRIPOLI", &scratch)->type, v1::LOC);
  ASSERT_NE(gazetteer.Find("Libyan", &scratch), nullptr);
  EXPECT_EQ(gazetteer.Find("Libyan", &scratch)->type, v1::MISC);
  EXPECT_EQ(gazetteer.Find("Who", &scratch), nullptr);
  EXPECT_GE(gazetteer.max_tokens(), 5);
}

// --- Canonical ids across articles -------------------------------------------

std::vector<v1::Entity> TagFixture(const std::string& name) {
  std::string text = Fixture(name);
  size_t split = text.find('\n');
  v1::Article article;
  article.set_title(text.substr(0, split));
  article.set_body(text.substr(split + 1));
  std::unique_ptr<Tagger> created = *Tagger::Create(TaggerOptions{});
  Tagger& tagger = *created;
  tagger.Tag(&article);
  return {article.entities().begin(), article.entities().end()};
}

const v1::Entity* ByCanonical(const std::vector<v1::Entity>& entities,
                              std::string_view canonical) {
  for (const v1::Entity& entity : entities) {
    if (entity.canonical() == canonical) return &entity;
  }
  return nullptr;
}

TEST(CanonicalIdTest, StableAcrossArticlesAndSpellings) {
  std::vector<v1::Entity> first = TagFixture("harbour_talks_1.txt");
  std::vector<v1::Entity> second = TagFixture("harbour_talks_2.txt");
  ASSERT_FALSE(first.empty());
  ASSERT_FALSE(second.empty());
  for (const char* canonical :
       {"Jeffrey Feltman", "UN Security Council", "United States",
        "North Atlantic Treaty Organization", "Valletta"}) {
    const v1::Entity* a = ByCanonical(first, canonical);
    const v1::Entity* b = ByCanonical(second, canonical);
    ASSERT_NE(a, nullptr) << canonical;
    ASSERT_NE(b, nullptr) << canonical;
    EXPECT_EQ(a->canonical_id(), b->canonical_id()) << canonical;
    EXPECT_EQ(a->type(), b->type()) << canonical;
  }
  // The two articles spell the Council and the U.S. differently.
  EXPECT_THAT(ByCanonical(first, "UN Security Council")->aliases(),
              Contains("U.N. Security Council"));
  EXPECT_THAT(ByCanonical(second, "UN Security Council")->aliases(),
              Contains("UN Security Council"));
  // Running again gives the same ids.
  std::vector<v1::Entity> again = TagFixture("harbour_talks_1.txt");
  ASSERT_EQ(again.size(), first.size());
  for (size_t i = 0; i < first.size(); ++i) {
    EXPECT_EQ(again[i].canonical_id(), first[i].canonical_id());
  }
}

// --- Keywords ----------------------------------------------------------------

std::vector<std::string> Keywords(std::string_view title, std::string_view body,
                                  int max,
                                  DocumentFrequencies* frequencies = nullptr) {
  DocumentFrequencies own;
  TokenizedArticle article;
  article.Reset(title, body);
  KeywordResult result;
  NewTfIdfKeywordExtractor(frequencies != nullptr ? frequencies : &own)
      ->Extract(article, max, &result);
  return result.keywords;
}

TEST(KeywordsTest, RanksContentWordsAndPhrasesWithoutStopwords) {
  std::vector<std::string> keywords = Keywords(
      "Cod quotas cut again",
      "The council said cod quotas would be cut by a third. Fishermen said "
      "the cod quotas were already too low, and the council said it would "
      "review the decision. Cod stocks have fallen for years, scientists "
      "said. The fishermen plan a protest at the harbour.",
      6);
  ASSERT_EQ(keywords.size(), 6u);
  EXPECT_EQ(keywords[0], "cod quotas");
  EXPECT_THAT(keywords, AllOf(Contains("council"), Contains("fishermen")));
  for (const std::string& keyword : keywords) {
    EXPECT_THAT(keyword, Not(::testing::AnyOf("the", "said", "would", "and",
                                              "have", "for", "years")));
    EXPECT_EQ(keyword, Lowercase(keyword));
  }
  std::vector<std::string> sorted = keywords;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(std::adjacent_find(sorted.begin(), sorted.end()), sorted.end());
}

TEST(KeywordsTest, TitleWordsWeighMore) {
  std::vector<std::string> keywords = Keywords("Lighthouse restored",
                                               "Volunteers painted the tower. "
                                               "Volunteers fixed the lamp.",
                                               1);
  ASSERT_EQ(keywords.size(), 1u);
  EXPECT_EQ(keywords[0], "lighthouse");
}

TEST(KeywordsTest, StemsAndWeighsByRarityInTheStream) {
  // "Quotas" and "quota" are one term; hyphens do not split it.
  std::vector<std::string> keywords = Keywords(
      "", "The quota rose. Quotas fell. A cease-fire and a ceasefire.", 2);
  EXPECT_THAT(keywords, ElementsAre("quota", "cease-fire"));

  // A word every earlier article had weighs less than a rare one.
  DocumentFrequencies stream;
  for (int i = 0; i < 20; ++i) {
    Keywords("", "The harbour was busy again today.", 5, &stream);
  }
  std::vector<std::string> ranked = Keywords(
      "", "The harbour and the lighthouse; harbour, lighthouse.", 2, &stream);
  EXPECT_THAT(ranked, ElementsAre("lighthouse", "harbour"));
  EXPECT_GT(stream.Idf("lighthous"), stream.Idf("harbour"));
}

TEST(KeywordsTest, RespectsTheLimit) {
  EXPECT_THAT(Keywords("Harbour news", "Boats, nets, gulls and ropes.", 0),
              IsEmpty());
  EXPECT_EQ(Keywords("Harbour news", "Boats, nets, gulls and ropes.", 3).size(),
            3u);
}

// --- Language ----------------------------------------------------------------

TEST(LanguageTest, DetectsEnglishFrenchAndGerman) {
  std::unique_ptr<LanguageDetector> detector = NewCld2LanguageDetector();
  LanguageGuess english =
      detector->Detect("Harbour reopens after storm", Fixture("english.txt"));
  EXPECT_EQ(english.code, "en");
  EXPECT_GT(english.confidence, 0.5);
  EXPECT_LE(english.confidence, 1.0);

  LanguageGuess french =
      detector->Detect("Le port rouvre", Fixture("french.txt"));
  EXPECT_EQ(french.code, "fr");
  EXPECT_GT(french.confidence, 0.5);

  LanguageGuess german =
      detector->Detect("Der Hafen öffnet wieder", Fixture("german.txt"));
  EXPECT_EQ(german.code, "de");
  EXPECT_GT(german.confidence, 0.5);
}

TEST(LanguageTest, UnknownWhenThereIsNothingToRead) {
  std::unique_ptr<LanguageDetector> detector = NewCld2LanguageDetector();
  LanguageGuess empty = detector->Detect("", "");
  EXPECT_EQ(empty.code, "");
  EXPECT_EQ(empty.confidence, 0);
  LanguageGuess invalid = detector->Detect("", std::string("\xff\xfe\xfd", 3));
  EXPECT_EQ(invalid.code, "");
  EXPECT_EQ(invalid.confidence, 0);
}

// --- Tagger and options ------------------------------------------------------

TEST(TaggerOptionsTest, ParsingAppliesDeclaredDefaultsAndRanges) {
  stages::tag::TagOptions proto;
  ASSERT_TRUE(ParseStageOptions("{}", &proto).ok());
  TaggerOptions defaults = TaggerOptionsFromProto(proto);
  EXPECT_EQ(defaults.max_keywords, 10);
  EXPECT_TRUE(defaults.detect_language);
  EXPECT_TRUE(defaults.extract_entities);
  EXPECT_EQ(defaults.min_entity_mentions, 1);
  EXPECT_DOUBLE_EQ(defaults.story_threshold, 0.3);
  // What users get by default: state beside the config (a relative path).
  EXPECT_EQ(defaults.state_path, "tag-state.bin");

  ASSERT_TRUE(ParseStageOptions(
                  R"({"max_keywords": 0, "detect_language": false})", &proto)
                  .ok());
  TaggerOptions set = TaggerOptionsFromProto(proto);
  EXPECT_EQ(set.max_keywords, 0);
  EXPECT_FALSE(set.detect_language);

  for (const char* bad :
       {R"({"max_keywords": -1})", R"({"min_entity_mentions": 0})",
        R"({"story_threshold": 0})", R"({"story_threshold": 1.5})",
        R"({"story_window_hours": 0})", R"({"max_identities": 99})"}) {
    EXPECT_FALSE(ParseStageOptions(bad, &proto).ok()) << bad;
  }
  EXPECT_THAT(
      std::string(
          ParseStageOptions(R"({"story_threshold": 0})", &proto).message()),
      HasSubstr("story_threshold: must be more than 0 and at most 1, got 0"));
}

TEST(TaggerOptionsTest, TheLibraryDefaultsAreTheStagesDefaults) {
  // TaggerOptions reads them from tag_options.proto: nothing to drift.
  const TaggerOptions library;
  stages::tag::TagOptions proto;
  ASSERT_TRUE(ParseStageOptions("{}", &proto).ok());
  EXPECT_EQ(library.max_keywords, proto.max_keywords());
  EXPECT_EQ(library.max_identities, proto.max_identities());
  EXPECT_DOUBLE_EQ(library.story_window_hours, proto.story_window_hours());
  EXPECT_EQ(library.state_path, "") << "a library user opts in to a file";
}

TEST(TaggerTest, FillsLanguageEntitiesAndKeywords) {
  v1::Article article;
  article.set_title("Harbour reopens after storm");
  article.set_body(Fixture("english.txt"));
  article.add_keywords("stale");
  std::unique_ptr<Tagger> created = *Tagger::Create(TaggerOptions{});
  Tagger& tagger = *created;
  tagger.Tag(&article);
  EXPECT_EQ(article.language(), "en");
  EXPECT_GT(article.language_confidence(), 0.5);
  EXPECT_FALSE(article.entities().empty());
  EXPECT_FALSE(article.keywords().empty());
  EXPECT_LE(article.keywords_size(), 10);
  EXPECT_THAT(article.keywords(), Not(Contains("stale")));
  for (const v1::Entity& entity : article.entities()) {
    EXPECT_FALSE(entity.text().empty());
    EXPECT_NE(entity.type(), v1::ENTITY_TYPE_UNSPECIFIED);
    EXPECT_FALSE(entity.canonical().empty());
    EXPECT_EQ(entity.canonical_id().size(), 16u);
    EXPECT_GE(entity.mentions(), 1);
    EXPECT_THAT(entity.aliases(), Contains(entity.text()));
  }
}

TEST(TaggerTest, FiltersRareEntities) {
  v1::Article article;
  article.set_body("Marta Silva met Jonas Berg in Lisbon. Silva left early.");
  TaggerOptions options;
  options.min_entity_mentions = 2;
  options.detect_language = false;
  std::unique_ptr<Tagger> created = *Tagger::Create(options);
  Tagger& tagger = *created;
  tagger.Tag(&article);
  ASSERT_EQ(article.entities_size(), 1);
  EXPECT_EQ(article.entities(0).canonical(), "Marta Silva");
}

TEST(TaggerTest, LeavesOtherLanguagesAlone) {
  v1::Article article;
  article.set_title("Le port rouvre");
  article.set_body(Fixture("french.txt"));
  std::unique_ptr<Tagger> created = *Tagger::Create(TaggerOptions{});
  Tagger& tagger = *created;
  tagger.Tag(&article);
  EXPECT_EQ(article.language(), "fr");
  EXPECT_THAT(article.entities(), IsEmpty());
  EXPECT_THAT(article.keywords(), IsEmpty());
}

TEST(TaggerTest, DisabledFeaturesKeepIncomingFields) {
  v1::Article article;
  article.set_body("Marta Silva met Jonas Berg in Lisbon.");
  article.set_language("en");
  article.set_language_confidence(0.25);
  article.add_keywords("kept");
  TaggerOptions options;
  options.detect_language = false;
  options.max_keywords = 0;
  options.extract_entities = false;
  std::unique_ptr<Tagger> created = *Tagger::Create(options);
  Tagger& tagger = *created;
  tagger.Tag(&article);
  EXPECT_EQ(article.language_confidence(), 0.25);
  EXPECT_THAT(article.keywords(), ElementsAre("kept"));
  EXPECT_THAT(article.entities(), IsEmpty());
}

// --- The C ABI ---------------------------------------------------------------

using testing_util::FakeHost;

TEST(TagStageTest, DescriptorNamesTheTypeAndItsOptions) {
  EXPECT_STREQ(kTagStageType.name, "tag");
  EXPECT_EQ(kTagStageType.kind, NF_STAGE_TRANSFORM);
  EXPECT_STREQ(kTagStageType.consumes, "newsflow.v1.Article");
  EXPECT_STREQ(kTagStageType.emits, "newsflow.v1.Article");
  // The schema lists exactly the fields of the options proto.
  const google::protobuf::Descriptor* descriptor =
      stages::tag::TagOptions::descriptor();
  ASSERT_EQ(kTagStageType.option_count,
            static_cast<size_t>(descriptor->field_count()));
  for (size_t i = 0; i < kTagStageType.option_count; ++i) {
    const nf_option_spec& spec = kTagStageType.options[i];
    EXPECT_NE(descriptor->FindFieldByName(spec.name), nullptr) << spec.name;
    ASSERT_NE(spec.default_value, nullptr) << spec.name;
    ASSERT_NE(spec.help, nullptr) << spec.name;
    EXPECT_GT(std::string(spec.help).size(), 20u) << spec.name;
  }
}

TEST(TagStageTest, TagsArticlesThroughTheAbi) {
  FakeHost host;
  char message[256] = {};
  nf_error error{message, sizeof(message)};
  void* instance = kTagStageType.create(
      R"({"max_keywords": 3, "min_entity_mentions": 1})", host.host(), &error);
  ASSERT_NE(instance, nullptr) << message;

  v1::Article article;
  article.set_id("a1");
  article.set_title("Harbour reopens after storm");
  article.set_body(Fixture("english.txt"));
  std::string bytes = article.SerializeAsString();
  ASSERT_EQ(kTagStageType.process(instance, bytes.data(), bytes.size(), &error),
            NF_OK)
      << message;
  ASSERT_EQ(kTagStageType.flush(instance, &error), NF_OK);
  kTagStageType.destroy(instance);

  ASSERT_EQ(host.emitted.size(), 1u);
  v1::Article tagged;
  ASSERT_TRUE(tagged.ParseFromString(host.emitted[0]));
  EXPECT_EQ(tagged.id(), "a1");
  EXPECT_EQ(tagged.body(), article.body());
  EXPECT_EQ(tagged.language(), "en");
  EXPECT_EQ(tagged.keywords_size(), 3);
  ASSERT_FALSE(tagged.entities().empty());
  bool found_person = false;
  for (const v1::Entity& entity : tagged.entities()) {
    found_person |= entity.type() == v1::PERSON;
  }
  EXPECT_TRUE(found_person);
  EXPECT_THAT(host.rejected, IsEmpty());
}

TEST(TagStageTest, RejectsBadOptions) {
  FakeHost host;
  for (const char* options :
       {R"({"max_keyword": 3})", R"({"max_keywords": -2})",
        R"({"min_entity_mentions": 0})", R"({"max_keywords": "many"})"}) {
    char message[256] = {};
    nf_error error{message, sizeof(message)};
    void* instance = kTagStageType.create(options, host.host(), &error);
    EXPECT_EQ(instance, nullptr) << options;
    EXPECT_GT(std::string(message).size(), 0u) << options;
    if (instance != nullptr) kTagStageType.destroy(instance);
  }
}

TEST(TagStageTest, FailsOnBytesThatAreNotAnArticle) {
  FakeHost host;
  char message[256] = {};
  nf_error error{message, sizeof(message)};
  void* instance = kTagStageType.create("{}", host.host(), &error);
  ASSERT_NE(instance, nullptr);
  const std::string garbage = "\xff\xff\xff\xff";
  EXPECT_EQ(
      kTagStageType.process(instance, garbage.data(), garbage.size(), &error),
      NF_ERROR);
  EXPECT_THAT(host.emitted, IsEmpty());
  kTagStageType.destroy(instance);
}

// --- Seeds and CoNLL (read from ../shared at run time) -----------------------

std::vector<std::string> SplitLines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(line);
  }
  return lines;
}

bool IsBlank(const std::string& line) {
  return line.find_first_not_of(" \t") == std::string::npos;
}

TEST(TagSeedsTest, FindsMostGoldEntities) {
  const std::filesystem::path seeds =
      std::filesystem::path(NEWSFLOW_SHARED_DIR) / "seeds";
  if (!std::filesystem::exists(seeds / "gold.json")) {
    GTEST_SKIP() << "no seed articles at " << seeds;
  }
  google::protobuf::Struct gold;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(
                  ReadFile(seeds / "gold.json"), &gold)
                  .ok());
  const google::protobuf::Struct& articles =
      gold.fields().at("articles").struct_value();
  ASSERT_FALSE(articles.fields().empty());

  int gold_total = 0;
  int found = 0;
  int typed = 0;
  std::unique_ptr<Tagger> created = *Tagger::Create(TaggerOptions{});
  Tagger& tagger = *created;
  std::vector<std::string> files;
  for (const auto& [file, value] : articles.fields()) files.push_back(file);
  std::sort(files.begin(), files.end());
  for (const std::string& file : files) {
    const google::protobuf::Struct& entry =
        articles.fields().at(file).struct_value();
    // Title = first non-blank line, body = the rest.
    std::vector<std::string> lines = SplitLines(ReadFile(seeds / file));
    v1::Article article;
    size_t i = 0;
    while (i < lines.size() && IsBlank(lines[i])) ++i;
    if (i < lines.size()) article.set_title(lines[i++]);
    std::string body;
    for (; i < lines.size(); ++i) {
      if (!body.empty()) body.push_back('\n');
      body += lines[i];
    }
    article.set_body(body);
    tagger.Tag(&article);
    EXPECT_EQ(article.language(), "en") << file;

    for (const auto& value :
         entry.fields().at("entities").list_value().values()) {
      const auto& fields = value.struct_value().fields();
      const std::string& text = fields.at("text").string_value();
      const std::string& type = fields.at("type").string_value();
      if (type != "PERSON" && type != "ORG" && type != "LOC") continue;
      ++gold_total;
      const v1::Entity* match = nullptr;
      for (const v1::Entity& entity : article.entities()) {
        for (const std::string& alias : entity.aliases()) {
          if (alias == text) match = &entity;
        }
      }
      if (match != nullptr) {
        ++found;
        if (EntityTypeName(match->type()) == type) {
          ++typed;
        } else if (Verbose()) {
          std::cout << "  " << file << ": wrong type for " << text << ": "
                    << EntityTypeName(match->type()) << " (gold " << type
                    << ")\n";
        }
      } else if (Verbose()) {
        std::cout << "  " << file << ": missed " << type << " " << text << "\n";
      }
    }
    if (Verbose()) {
      std::cout << file << "\n";
      for (const v1::Entity& entity : article.entities()) {
        std::cout << "    " << EntityTypeName(entity.type()) << " "
                  << entity.canonical() << " x" << entity.mentions() << " [";
        for (const std::string& alias : entity.aliases()) {
          std::cout << alias << "; ";
        }
        std::cout << "]\n";
      }
      std::cout << "    keywords:";
      for (const std::string& keyword : article.keywords()) {
        std::cout << " " << keyword << ";";
      }
      std::cout << "\n";
    }
  }
  ASSERT_GT(gold_total, 0);
  const double recall = static_cast<double>(found) / gold_total;
  const double typed_recall = static_cast<double>(typed) / gold_total;
  std::cout << "[ seeds    ] gold PERSON/ORG/LOC entities: " << gold_total
            << ", found: " << found << " (recall " << recall
            << "), found with the gold type: " << typed << " (recall "
            << typed_recall << ")\n";
  // Floors below today's result (all found, all typed right), leaving room
  // for rule changes that trade a seed name for general accuracy.
  EXPECT_GE(recall, 0.9);
  EXPECT_GE(typed_recall, 0.85);
}

// One CoNLL-2003 document rebuilt as running text, with its gold spans.
struct ConllDocument {
  std::string text;
  struct Span {
    uint32_t begin;
    uint32_t end;
    v1::EntityType type;
    bool operator==(const Span& other) const {
      return begin == other.begin && end == other.end && type == other.type;
    }
  };
  std::vector<Span> gold;
};

v1::EntityType ConllType(std::string_view tag) {
  if (tag == "PER") return v1::PERSON;
  if (tag == "ORG") return v1::ORG;
  if (tag == "LOC") return v1::LOC;
  return v1::MISC;
}

// Joins CoNLL tokens the way a newspaper prints them ("Kadafi 's" →
// "Kadafi's", "( AP )" → "(AP)"); one sentence per line.
std::vector<ConllDocument> ReadConll(const std::filesystem::path& path) {
  std::vector<ConllDocument> documents;
  std::istringstream in(ReadFile(path));
  std::string line;
  ConllDocument* document = nullptr;
  bool sentence_open = false;
  bool glue_next = false;
  bool open_quote = false;
  std::string previous_tag = "O";
  auto close_span = [&](uint32_t end) {
    if (previous_tag != "O" && document != nullptr) {
      document->gold.back().end = end;
    }
  };
  uint32_t last_end = 0;
  while (std::getline(in, line)) {
    if (line.rfind("-DOCSTART-", 0) == 0) {
      close_span(last_end);
      previous_tag = "O";
      document = &documents.emplace_back();
      sentence_open = false;
      continue;
    }
    if (document == nullptr) continue;
    if (line.empty()) {
      close_span(last_end);
      previous_tag = "O";
      if (sentence_open) document->text.push_back('\n');
      sentence_open = false;
      glue_next = true;
      open_quote = false;
      continue;
    }
    std::istringstream fields(line);
    std::string word, pos, chunk, tag;
    fields >> word >> pos >> chunk >> tag;
    static const std::vector<std::string> kGlueBefore = {
        ",",  ".", ":",   ";",   "?",   "!",   ")",  "]", "%",
        "'s", "'", "n't", "'re", "'ve", "'ll", "'d", "'m"};
    bool glue = glue_next || std::find(kGlueBefore.begin(), kGlueBefore.end(),
                                       word) != kGlueBefore.end();
    if (word == "\"") {
      glue = glue || open_quote;
      open_quote = !open_quote;
    }
    if (!glue) document->text.push_back(' ');
    uint32_t begin = static_cast<uint32_t>(document->text.size());
    document->text += word;
    uint32_t end = static_cast<uint32_t>(document->text.size());
    glue_next = word == "(" || word == "[" || word == "$" ||
                (word == "\"" && open_quote);
    sentence_open = true;

    std::string type = tag == "O" ? "O" : tag.substr(2);
    bool starts = tag != "O" && (previous_tag == "O" || tag[0] == 'B' ||
                                 previous_tag.substr(2) != type);
    if (tag == "O" || starts) close_span(last_end);
    if (starts) document->gold.push_back({begin, end, ConllType(type)});
    previous_tag = tag;
    last_end = end;
  }
  close_span(last_end);
  return documents;
}

TEST(TagConllTest, ReportsExactSpanScores) {
  const std::filesystem::path path =
      std::filesystem::path(NEWSFLOW_SHARED_DIR) / "corpora" / "conll2003" /
      "eng.testb";
  if (!std::filesystem::exists(path)) {
    GTEST_SKIP() << "no CoNLL-2003 test set at " << path;
  }
  std::vector<ConllDocument> documents = ReadConll(path);
  ASSERT_GT(documents.size(), 100u);

  std::unique_ptr<EntityRecognizer> recognizer = NewStatisticalEntityRecognizer(
      *LoadSharedNerModel(DefaultNerModelPath()));
  TokenizedArticle article;
  EntityResult result;
  // Per type (index = v1::EntityType) and overall (index 0).
  std::array<int, 5> true_positives{}, predicted{}, gold{};
  for (const ConllDocument& document : documents) {
    article.Reset("", document.text);
    recognizer->Recognize(article, &result);
    std::vector<ConllDocument::Span> found;
    for (const EntityMention& mention : result.mentions) {
      found.push_back({mention.begin, mention.end, mention.type});
    }
    for (const ConllDocument::Span& span : found) {
      ++predicted[span.type];
      ++predicted[0];
      if (std::find(document.gold.begin(), document.gold.end(), span) !=
          document.gold.end()) {
        ++true_positives[span.type];
        ++true_positives[0];
      } else if (Verbose()) {
        std::cout << "FP " << EntityTypeName(span.type) << " "
                  << document.text.substr(span.begin, span.end - span.begin)
                  << "\n";
      }
    }
    if (Verbose()) {
      for (const ConllDocument::Span& span : document.gold) {
        if (std::find(found.begin(), found.end(), span) == found.end()) {
          std::cout << "FN " << EntityTypeName(span.type) << " "
                    << document.text.substr(span.begin, span.end - span.begin)
                    << "\n";
        }
      }
    }
    for (const ConllDocument::Span& span : document.gold) {
      ++gold[span.type];
      ++gold[0];
    }
  }
  auto f1 = [&](int i, double* precision, double* recall) {
    *precision = predicted[i] ? double(true_positives[i]) / predicted[i] : 0;
    *recall = gold[i] ? double(true_positives[i]) / gold[i] : 0;
    return *precision + *recall > 0
               ? 2 * *precision * *recall / (*precision + *recall)
               : 0.0;
  };
  double precision, recall;
  for (int i : {1, 2, 3, 4, 0}) {
    double score = f1(i, &precision, &recall);
    std::cout << "[ conll    ] "
              << (i == 0 ? std::string("ALL")
                         : std::string(EntityTypeName(v1::EntityType(i))))
              << ": gold " << gold[i] << ", predicted " << predicted[i]
              << ", P " << precision << " R " << recall << " F1 " << score
              << "\n";
  }
  // A floor under what the rules reach today (see the report line above);
  // the trained recognizer of a later issue must beat it by far.
  EXPECT_GE(f1(0, &precision, &recall), 0.62);
  EXPECT_GE(f1(v1::PERSON, &precision, &recall), 0.72);
  EXPECT_GE(f1(v1::LOC, &precision, &recall), 0.75);
}

}  // namespace
}  // namespace tag
}  // namespace newsflow
