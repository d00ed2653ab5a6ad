// The tag stage split in two (annotator.h, tagger.h): annotations survive
// the wire unchanged, and annotate → link emits exactly what tag emits.
#include <algorithm>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "newsflow/stage_plugin.h"
#include "newsflow/v1/article.pb.h"
#include "stages/tag/annotator.h"
#include "stages/tag/keywords.h"
#include "stages/tag/tag_stage.h"
#include "stages/tag/tagger.h"
#include "tests/unit/stages/tag_test_util.h"

namespace newsflow {
namespace tag {
namespace {

using testing_util::FakeHost;
using testing_util::NewTagger;
using testing_util::ReadFile;
using testing_util::ReadSeed;
using testing_util::Shared;
using testing_util::TagData;

std::unique_ptr<Annotator> NewAnnotator(const TaggerOptions& options = {}) {
  absl::StatusOr<std::unique_ptr<Annotator>> annotator =
      Annotator::Create(options);
  EXPECT_TRUE(annotator.ok()) << annotator.status().message();
  return annotator.ok() ? *std::move(annotator) : nullptr;
}

std::string Bytes(const google::protobuf::Message& message) {
  std::string bytes;
  google::protobuf::io::StringOutputStream stream(&bytes);
  google::protobuf::io::CodedOutputStream out(&stream);
  out.SetSerializationDeterministic(true);
  message.SerializeToCodedStream(&out);
  out.Trim();
  return bytes;
}

// An invented article: repeated two-word phrases, a title word, names.
v1::Article Invented() {
  v1::Article article;
  article.set_id("invented-1");
  article.set_title("Lantern makers strike in Port Verlaine");
  article.set_body(
      "Lantern makers in Port Verlaine stopped work on Tuesday. The lantern "
      "makers say the Verlaine Guild of Glassworks cut their pay.\n\n"
      "Odile Marchetti, who speaks for the lantern makers, said the guild "
      "had broken its word. Marchetti said the strike would go on until "
      "the Glassworks guild restored the old rates.");
  return article;
}

void ExpectSameAnnotation(const Annotation& a, const Annotation& b) {
  EXPECT_EQ(a.english, b.english);
  EXPECT_EQ(a.simhash, b.simhash);
  ASSERT_EQ(a.entities.size(), b.entities.size());
  for (int i = 0; i < a.entities.size(); ++i) {
    EXPECT_EQ(Bytes(a.entities[i]), Bytes(b.entities[i])) << i;
  }
  ASSERT_EQ(a.terms.terms.size(), b.terms.terms.size());
  for (size_t i = 0; i < a.terms.terms.size(); ++i) {
    const TermCount& x = a.terms.terms[i];
    const TermCount& y = b.terms.terms[i];
    EXPECT_EQ(x.term, y.term);
    EXPECT_EQ(x.spelling, y.spelling);
    EXPECT_EQ(x.count, y.count);
    EXPECT_EQ(x.first, y.first);
  }
  ASSERT_EQ(a.terms.phrases.size(), b.terms.phrases.size());
  for (size_t i = 0; i < a.terms.phrases.size(); ++i) {
    const PhraseCount& x = a.terms.phrases[i];
    const PhraseCount& y = b.terms.phrases[i];
    EXPECT_EQ(x.first_term, y.first_term);
    EXPECT_EQ(x.second_term, y.second_term);
    EXPECT_EQ(x.count, y.count);
    EXPECT_EQ(x.first, y.first);
    EXPECT_EQ(x.text, y.text);
  }
}

TEST(AnnotationTest, SurvivesTheWireUnchanged) {
  std::unique_ptr<Annotator> annotator = NewAnnotator();
  ASSERT_NE(annotator, nullptr);
  v1::Article article = Invented();
  Annotation annotation, original;
  annotator->Annotate(&article, &annotation);
  annotator->Annotate(&article, &original);
  EXPECT_TRUE(annotation.english);
  EXPECT_FALSE(annotation.entities.empty());
  EXPECT_NE(annotation.simhash, 0u);
  // "lantern makers" twice or more; "port verlaine" too.
  ASSERT_FALSE(annotation.terms.phrases.empty());
  bool stem_differs = false;
  for (const TermCount& term : annotation.terms.terms) {
    stem_differs |= term.term != term.spelling;
  }
  EXPECT_TRUE(stem_differs);

  AnnotationToProto(&annotation, article.mutable_annotations());
  EXPECT_TRUE(annotation.terms.terms.empty());  // moved out
  v1::Article received;
  ASSERT_TRUE(received.ParseFromString(article.SerializeAsString()));
  ASSERT_TRUE(received.has_annotations());
  Annotation read;
  AnnotationFromProto(received.mutable_annotations(), &read);
  ExpectSameAnnotation(original, read);
}

TEST(AnnotationTest, OtherLanguagesAreFingerprintedOnly) {
  std::unique_ptr<Annotator> annotator = NewAnnotator();
  ASSERT_NE(annotator, nullptr);
  v1::Article article;
  article.set_title("Le port rouvre après la tempête");
  article.set_body(ReadFile(TagData() / "french.txt"));
  Annotation annotation;
  annotator->Annotate(&article, &annotation);
  EXPECT_EQ(article.language(), "fr");
  EXPECT_FALSE(annotation.english);
  EXPECT_TRUE(annotation.entities.empty());
  EXPECT_TRUE(annotation.terms.terms.empty());
  EXPECT_NE(annotation.simhash, 0u);

  // An empty annotation still says it is there, so link does not redo it.
  Annotation empty;
  v1::Article carrier;
  AnnotationToProto(&empty, carrier.mutable_annotations());
  v1::Article received;
  ASSERT_TRUE(received.ParseFromString(carrier.SerializeAsString()));
  EXPECT_TRUE(received.has_annotations());
}

TEST(AnnotationTest, PhrasesNamingMissingTermsAreDropped) {
  v1::Annotations proto;
  proto.set_english(true);
  v1::AnnotatedTerm* term = proto.add_terms();
  term->set_term("harbour");
  term->set_count(2);
  v1::AnnotatedPhrase* phrase = proto.add_phrases();
  phrase->set_first_term(0);
  phrase->set_second_term(7);
  phrase->set_count(2);
  Annotation annotation;
  AnnotationFromProto(&proto, &annotation);
  ASSERT_EQ(annotation.terms.terms.size(), 1u);
  EXPECT_EQ(annotation.terms.terms[0].spelling, "harbour");
  EXPECT_TRUE(annotation.terms.phrases.empty());
}

// Counting then scoring is the extractor the tag stage always had.
TEST(KeywordSplitTest, CountingThenScoringIsExtracting) {
  v1::Article article = Invented();
  TokenizedArticle tokens;
  tokens.Reset(article.title(), article.body());
  DocumentFrequencies whole_frequencies, split_frequencies;
  KeywordResult whole, split;
  NewTfIdfKeywordExtractor(&whole_frequencies)->Extract(tokens, 5, &whole);
  TermCounter counter;
  TermCounts counts;
  counter.Count(tokens, &counts);
  ScoreKeywords(counts, 5, &split_frequencies, &split);
  EXPECT_EQ(whole.keywords, split.keywords);
  EXPECT_EQ(whole.terms, split.terms);
  EXPECT_THAT(split.keywords, ::testing::Contains("lantern makers"));
  EXPECT_EQ(whole_frequencies.documents(), split_frequencies.documents());
  EXPECT_EQ(split_frequencies.stream_terms(), counts.terms.size());
}

// A counter remembers each word's term across articles: counting an
// article after others gives what a fresh counter gives, spellings,
// counts and phrases alike.
TEST(KeywordSplitTest, RememberedTermsCountAsFreshOnes) {
  v1::Article article = Invented();
  TokenizedArticle tokens;
  tokens.Reset(article.title(), article.body());
  TermCounter fresh, used;
  TermCounts expected, counts;
  fresh.Count(tokens, &expected);
  TokenizedArticle other;
  other.Reset("Glassworks makers and lantern guilds",
              "The makers' guild met. Lantern-makers, lanterns and LANTERN "
              "MAKERS all came; Verlaine's glassworks stayed shut.");
  used.Count(other, &counts);
  used.Count(tokens, &counts);
  ASSERT_EQ(counts.terms.size(), expected.terms.size());
  for (size_t t = 0; t < counts.terms.size(); ++t) {
    EXPECT_EQ(counts.terms[t].term, expected.terms[t].term);
    EXPECT_EQ(counts.terms[t].spelling, expected.terms[t].spelling);
    EXPECT_EQ(counts.terms[t].count, expected.terms[t].count);
    EXPECT_EQ(counts.terms[t].first, expected.terms[t].first);
  }
  ASSERT_EQ(counts.phrases.size(), expected.phrases.size());
  ASSERT_FALSE(counts.phrases.empty());
  for (size_t p = 0; p < counts.phrases.size(); ++p) {
    EXPECT_EQ(counts.phrases[p].text, expected.phrases[p].text);
    EXPECT_EQ(counts.phrases[p].count, expected.phrases[p].count);
    EXPECT_EQ(counts.phrases[p].first_term, expected.phrases[p].first_term);
    EXPECT_EQ(counts.phrases[p].second_term, expected.phrases[p].second_term);
  }
}

// A term is shown as its most frequent lower-case spelling in the article,
// the first seen among equally frequent ones, whatever the counter saw
// before.
TEST(KeywordSplitTest, SpellingIsTheMostFrequentThenTheFirstSeen) {
  TermCounter counter;
  TermCounts counts;
  auto spelling_of = [&](const std::string& body, const std::string& term) {
    TokenizedArticle tokens;
    tokens.Reset("", body);
    counter.Count(tokens, &counts);
    for (const TermCount& count : counts.terms) {
      if (count.term == term) return count.spelling;
    }
    return std::string("(missing)");
  };
  Stemmer stemmer;
  const std::string term = TermOf("ceasefire", &stemmer);
  ASSERT_EQ(term, TermOf("Cease-fire", &stemmer));
  EXPECT_EQ(spelling_of("The Cease-fire held; a ceasefire is rare. "
                        "Ceasefire talks, cease-fire monitors.",
                        term),
            "cease-fire");
  EXPECT_EQ(spelling_of("A ceasefire. The cease-fire held; a ceasefire is "
                        "rare. Ceasefire talks, cease-fire monitors.",
                        term),
            "ceasefire");
  EXPECT_EQ(spelling_of("CEASE-FIRE now, said the cease-fire monitors.", term),
            "cease-fire");
}

// A phrase is a pair of content words that occurs at least twice; its
// text is its first occurrence's lower-case spelling (built only for the
// pairs that repeat), and pairs seen once are not phrases.
TEST(KeywordSplitTest, PhraseTextIsTheFirstOccurrencesSpelling) {
  TermCounter counter;
  TermCounts counts;
  TokenizedArticle tokens;
  tokens.Reset("",
               "Kelp Farmers met on the pier. The kelp farmer spoke. "
               "Kelp farmer wept, and tide tables were read.");
  counter.Count(tokens, &counts);
  std::vector<std::string> texts;
  for (const PhraseCount& phrase : counts.phrases) {
    texts.push_back(phrase.text);
  }
  EXPECT_THAT(texts, testing::ElementsAre("kelp farmers"));
  ASSERT_EQ(counts.phrases.size(), 1u);
  EXPECT_EQ(counts.phrases[0].first, 0u);
  EXPECT_EQ(counts.phrases[0].count, 3u);
}

// Link trusts what annotate found: it reads the annotations, not the text.
TEST(TagSplitTest, LinkReadsTheAnnotationsNotTheText) {
  std::unique_ptr<Tagger> link = NewTagger();
  ASSERT_NE(link, nullptr);
  v1::Article article = Invented();
  article.set_language("en");
  v1::Annotations* annotations = article.mutable_annotations();
  annotations->set_english(true);
  v1::Entity* entity = annotations->add_entities();
  entity->set_text("Quillon Brack");
  entity->set_type(v1::PERSON);
  entity->set_canonical("Quillon Brack");
  entity->set_mentions(2);
  entity->add_aliases("Quillon Brack");
  v1::AnnotatedTerm* term = annotations->add_terms();
  term->set_term("zephyrin");
  term->set_count(4);
  link->Tag(&article);
  EXPECT_FALSE(article.has_annotations());
  ASSERT_EQ(article.entities_size(), 1);
  EXPECT_EQ(article.entities(0).canonical(), "Quillon Brack");
  EXPECT_FALSE(article.entities(0).canonical_id().empty());
  EXPECT_THAT(article.keywords(), ::testing::ElementsAre("zephyrin"));
  EXPECT_TRUE(article.simhash().empty());  // none was annotated
  EXPECT_FALSE(article.story_id().empty());
}

// Tags `articles` twice, with `tag` and with two annotators taking turns
// (as replicas would) → the wire → link, and expects the same articles.
void ExpectSplitEqualsTag(const std::vector<v1::Article>& articles) {
  std::unique_ptr<Tagger> tag = NewTagger();
  std::unique_ptr<Tagger> link = NewTagger();
  std::unique_ptr<Annotator> annotate[2] = {NewAnnotator(), NewAnnotator()};
  ASSERT_NE(tag, nullptr);
  ASSERT_NE(link, nullptr);
  int with_entities = 0, with_stories = 0;
  for (size_t i = 0; i < articles.size(); ++i) {
    v1::Article whole = articles[i];
    tag->Tag(&whole);

    v1::Article annotated = articles[i];
    Annotation annotation;
    annotate[i % 2]->Annotate(&annotated, &annotation);
    AnnotationToProto(&annotation, annotated.mutable_annotations());
    v1::Article linked;
    ASSERT_TRUE(linked.ParseFromString(annotated.SerializeAsString()));
    link->Tag(&linked);

    EXPECT_FALSE(linked.has_annotations());
    ASSERT_EQ(whole.entities_size(), linked.entities_size()) << whole.id();
    for (int e = 0; e < whole.entities_size(); ++e) {
      EXPECT_EQ(whole.entities(e).canonical_id(),
                linked.entities(e).canonical_id())
          << whole.id();
    }
    EXPECT_THAT(linked.keywords(),
                ::testing::ElementsAreArray(whole.keywords()))
        << whole.id();
    EXPECT_EQ(whole.story_id(), linked.story_id()) << whole.id();
    EXPECT_EQ(whole.duplicate_of(), linked.duplicate_of()) << whole.id();
    // And every other field, byte for byte.
    EXPECT_EQ(Bytes(whole), Bytes(linked)) << whole.id();
    with_entities += !whole.entities().empty();
    with_stories += !whole.story_id().empty();
  }
  // The comparison means something only when tagging found things.
  EXPECT_GT(with_entities, static_cast<int>(articles.size()) / 2);
  EXPECT_EQ(with_stories, static_cast<int>(articles.size()));
}

TEST(TagSplitTest, AnnotateThenLinkEqualsTagOnSeeds) {
  const std::filesystem::path dir = Shared() / "seeds";
  std::vector<std::filesystem::path> files;
  if (std::filesystem::exists(dir)) {
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      if (entry.path().extension() == ".txt") files.push_back(entry.path());
    }
  }
  if (files.empty()) GTEST_SKIP() << "no seed articles at " << dir;
  std::sort(files.begin(), files.end());
  std::vector<v1::Article> articles;
  for (const auto& file : files) articles.push_back(ReadSeed(file));
  ExpectSplitEqualsTag(articles);
}

// 400 BBC articles across its five folders, in file order, so that
// stories form and identities recur.
TEST(TagSplitTest, AnnotateThenLinkEqualsTagOnBbc) {
  const std::vector<std::filesystem::path> files = testing_util::BbcFiles();
  if (files.empty()) {
    GTEST_SKIP() << "no BBC corpus at " << Shared() / "corpora" / "bbc";
  }
  // Every fifth file: 445 of 2,225, from every folder.
  std::vector<v1::Article> articles;
  for (size_t i = 0; i < files.size(); i += 5) {
    articles.push_back(testing_util::ReadBbc(files[i]));
  }
  ExpectSplitEqualsTag(articles);
}

// The stage types, through the C ABI: annotate emits annotations, link
// consumes and clears them.

TEST(TagSplitTest, StageTypesPassAnnotationsAlong) {
  EXPECT_STREQ(kAnnotateStageType.name, "annotate");
  EXPECT_STREQ(kLinkStageType.name, "link");
  EXPECT_EQ(kAnnotateStageType.option_count, kTagStageType.option_count);
  EXPECT_EQ(kLinkStageType.option_count, kTagStageType.option_count);

  const std::string options = R"({"state_path": ""})";
  FakeHost annotated, linked;
  char message[256] = {};
  nf_error error{message, sizeof(message)};
  void* annotate =
      kAnnotateStageType.create(options.c_str(), annotated.host(), &error);
  ASSERT_NE(annotate, nullptr) << message;
  void* link = kLinkStageType.create(options.c_str(), linked.host(), &error);
  ASSERT_NE(link, nullptr) << message;

  const std::string bytes = Invented().SerializeAsString();
  ASSERT_EQ(
      kAnnotateStageType.process(annotate, bytes.data(), bytes.size(), &error),
      NF_OK)
      << message;
  ASSERT_EQ(annotated.emitted.size(), 1u);
  v1::Article middle;
  ASSERT_TRUE(middle.ParseFromString(annotated.emitted[0]));
  EXPECT_TRUE(middle.has_annotations());
  EXPECT_EQ(middle.language(), "en");
  EXPECT_TRUE(middle.entities().empty());  // identities are link's
  EXPECT_TRUE(middle.story_id().empty());

  const std::string& hop = annotated.emitted[0];
  ASSERT_EQ(kLinkStageType.process(link, hop.data(), hop.size(), &error), NF_OK)
      << message;
  ASSERT_EQ(linked.emitted.size(), 1u);
  v1::Article out;
  ASSERT_TRUE(out.ParseFromString(linked.emitted[0]));
  EXPECT_FALSE(out.has_annotations());
  EXPECT_FALSE(out.entities().empty());
  EXPECT_FALSE(out.keywords().empty());
  EXPECT_FALSE(out.story_id().empty());
  kAnnotateStageType.destroy(annotate);
  kLinkStageType.destroy(link);
}

}  // namespace
}  // namespace tag
}  // namespace newsflow
