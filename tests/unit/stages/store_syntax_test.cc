// The pure parts of the store: what an article contributes to the derived
// tables, the query syntax, time bounds, URL redaction. No database.
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "stages/store/article_db.h"
#include "stages/store/catalogue.h"
#include "stages/store/postgres_article_db.h"
#include "stages/store/query_syntax.h"
#include "tests/unit/stages/store_test_support.h"

namespace newsflow {
namespace {

using store_test::AddEntity;
using store_test::MakeArticle;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

TEST(FoldKeyTest, FoldsCaseAccentsAndSpaces) {
  EXPECT_EQ(FoldKey("  Muammar   al-Qaddāfi "), "muammar al-qaddafi");
  EXPECT_EQ(FoldKey("KADAFI"), "kadafi");
  EXPECT_EQ(FoldKey("Zürich\u00a0Straße"), "zurich strasse");
  EXPECT_EQ(FoldKey(""), "");
}

TEST(SearchTokensTest, SplitsLikeUnicode61) {
  EXPECT_THAT(SearchTokens("Zürich's tram-line, 2031!"),
              ElementsAre("zurich", "s", "tram", "line", "2031"));
  EXPECT_THAT(SearchTokens("snake_case"), ElementsAre("snake", "case"));
  EXPECT_THAT(SearchTokens(" ... "), IsEmpty());
  EXPECT_EQ(SearchText("One two three", 7), "one two");
}

TEST(QuerySyntaxTest, OneQuotedPhraseIsThePhraseAlone) {
  EXPECT_TRUE(IsOneQuotedPhrase("\"kelp forest\""));
  EXPECT_TRUE(IsOneQuotedPhrase("  \"kelp\" "));
  EXPECT_FALSE(IsOneQuotedPhrase("kelp forest"));
  EXPECT_FALSE(IsOneQuotedPhrase("\"kelp\" + \"forest\""));
  EXPECT_FALSE(IsOneQuotedPhrase("\"kelp forest\"*"));
  EXPECT_FALSE(IsOneQuotedPhrase("title:\"kelp forest\""));
  EXPECT_FALSE(IsOneQuotedPhrase("\"kelp\" OR \"tide\""));
  EXPECT_FALSE(IsOneQuotedPhrase("\"a \"\"quoted\"\" word\""));
  EXPECT_FALSE(IsOneQuotedPhrase("\""));
}

TEST(QuerySyntaxTest, PhrasesOfSeveralTokensAreSeenInTheText) {
  EXPECT_TRUE(HasPhraseOfSeveralTokens("\"kelp forest\""));
  EXPECT_TRUE(HasPhraseOfSeveralTokens("tide \"u.s\""));
  EXPECT_TRUE(HasPhraseOfSeveralTokens("\"kelp\" + \"forest\""));
  EXPECT_TRUE(HasPhraseOfSeveralTokens("\"a \"\"b\"\"\""));
  EXPECT_FALSE(HasPhraseOfSeveralTokens("kelp forest"));
  EXPECT_FALSE(HasPhraseOfSeveralTokens("\"kelp\" OR title:tide"));
  EXPECT_FALSE(HasPhraseOfSeveralTokens("NEAR(kelp tide, 5) -title:x"));
}

TEST(CatalogueTest, CanonicalIdFallsBackToAStableHashOfTypeAndName) {
  v1::Entity tagged;
  tagged.set_canonical_id("person:x");
  EXPECT_EQ(CanonicalIdOf(tagged), "person:x");
  v1::Entity untagged;
  untagged.set_type(v1::ORG);
  untagged.set_text("Grain  Board");
  v1::Entity same_name;
  same_name.set_type(v1::ORG);
  same_name.set_canonical("grain board");
  v1::Entity other_type = same_name;
  other_type.set_type(v1::LOC);
  EXPECT_EQ(CanonicalIdOf(untagged), CanonicalIdOf(same_name));
  EXPECT_NE(CanonicalIdOf(untagged), CanonicalIdOf(other_type));
  EXPECT_EQ(CanonicalIdOf(v1::Entity()), "");
}

TEST(CatalogueTest, ContributionsMergeEntriesOfOneEntity) {
  v1::Article article = MakeArticle("a", "t", "b");
  AddEntity(article, "Gaddafi", v1::PERSON, "Muammar Gaddafi", "p:g", 2,
            {"Gaddafi"});
  AddEntity(article, "Kadafi", v1::PERSON, "Muammar Gaddafi", "p:g", 0, {});
  AddEntity(article, "Sirte", v1::LOC, "", "", 1, {"Sirte", "Surt"});
  AddEntity(article, "", v1::MISC, "", "", 4, {});  // Nothing to name.
  std::vector<EntityContribution> entities = EntityContributions(article);
  ASSERT_EQ(entities.size(), 2u);
  const EntityContribution& gaddafi =
      entities[0].canonical_id == "p:g" ? entities[0] : entities[1];
  const EntityContribution& sirte =
      entities[0].canonical_id == "p:g" ? entities[1] : entities[0];
  EXPECT_EQ(gaddafi.name, "Muammar Gaddafi");
  EXPECT_EQ(gaddafi.mentions, 3) << "a zero count still is one mention";
  EXPECT_THAT(gaddafi.aliases, ElementsAre("Gaddafi", "Kadafi"));
  EXPECT_EQ(sirte.name, "Sirte");
  EXPECT_EQ(sirte.type, v1::LOC);
  EXPECT_THAT(sirte.aliases, ElementsAre("Sirte", "Surt"));
  EXPECT_LT(entities[0].canonical_id, entities[1].canonical_id);
}

TEST(CatalogueTest, DeltaOfAReplacedArticleIsTheDifference) {
  v1::Article old_version = MakeArticle("a", "t", "b");
  old_version.set_story_id("s1");
  AddEntity(old_version, "Kadafi", v1::PERSON, "Muammar Gaddafi", "p:g", 2,
            {"Kadafi"});
  AddEntity(old_version, "Sirte", v1::LOC, "Sirte", "l:s", 1, {"Sirte"});
  v1::Article new_version = old_version;
  new_version.set_story_id("s2");
  new_version.mutable_entities(0)->set_mentions(5);
  new_version.mutable_entities()->RemoveLast();
  CatalogueDeltaBuilder builder;
  builder.Remove(old_version);
  builder.Add(new_version);
  CatalogueDelta delta = builder.Build();
  ASSERT_EQ(delta.entities.size(), 2u);
  EXPECT_EQ(delta.entities[0].canonical_id, "l:s");
  EXPECT_EQ(delta.entities[0].article_delta, -1);
  EXPECT_EQ(delta.entities[0].name, "") << "a removal keeps the stored name";
  EXPECT_EQ(delta.entities[1].canonical_id, "p:g");
  EXPECT_EQ(delta.entities[1].article_delta, 0);
  EXPECT_EQ(delta.entities[1].mention_delta, 3);
  EXPECT_EQ(delta.entities[1].name, "Muammar Gaddafi");
  EXPECT_EQ(delta.entities[1].type, "PERSON");
  ASSERT_EQ(delta.aliases.size(), 1u) << "Kadafi is unchanged";
  EXPECT_EQ(delta.aliases[0].alias, "Sirte");
  EXPECT_EQ(delta.aliases[0].article_delta, -1);
  EXPECT_EQ(delta.aliases[0].alias_key, "sirte");
  EXPECT_THAT(delta.stories, ElementsAre("s1", "s2"));
}

TEST(CatalogueTest, OutletIsTheUrlHostOrTheSource) {
  v1::Article article = MakeArticle("a", "t", "b");
  article.set_url("https://www.News.example:8443/path?q=1");
  EXPECT_EQ(OutletOf(article), "news.example");
  article.set_url("http://user:pw@wire.test/x");
  EXPECT_EQ(OutletOf(article), "wire.test");
  article.set_url("file:///var/inbox/a.txt");
  article.set_source("files");
  EXPECT_EQ(OutletOf(article), "files");
}

TEST(CatalogueTest, SeenAtIsPublishedOrIngestedTime) {
  v1::Article article = MakeArticle("a", "t", "b");
  article.set_published_at("2031-04-02T10:00:00+02:00");
  EXPECT_EQ(SeenAtOf(article),
            absl::ToUnixSeconds(absl::FromCivil(
                absl::CivilSecond(2031, 4, 2, 8, 0, 0), absl::UTCTimeZone())));
  article.set_published_at("2031-04-02");
  EXPECT_EQ(SeenAtOf(article),
            absl::ToUnixSeconds(absl::FromCivil(absl::CivilDay(2031, 4, 2),
                                                absl::UTCTimeZone())));
  article.set_published_at("sometime last spring");
  article.set_ingested_at("2031-04-03T00:00:01.5Z");
  EXPECT_EQ(SeenAtOf(article),
            absl::ToUnixSeconds(absl::FromCivil(
                absl::CivilSecond(2031, 4, 3, 0, 0, 1), absl::UTCTimeZone())));
  article.set_ingested_at("");
  EXPECT_EQ(SeenAtOf(article), std::nullopt);
}

TEST(CatalogueTest, EntityTypesParseInAnyCase) {
  EXPECT_EQ(ParseEntityType("person"), v1::PERSON);
  EXPECT_EQ(ParseEntityType(" ORG "), v1::ORG);
  EXPECT_EQ(ParseEntityType("Organisation"), v1::ORG);
  EXPECT_EQ(ParseEntityType("location"), v1::LOC);
  EXPECT_EQ(ParseEntityType("misc"), v1::MISC);
  EXPECT_EQ(ParseEntityType("planet"), std::nullopt);
  EXPECT_EQ(ParseEntityType(""), std::nullopt);
  EXPECT_EQ(EntityTypeText(v1::LOC), "LOC");
  EXPECT_EQ(EntityTypeText(v1::ENTITY_TYPE_UNSPECIFIED), "");
}

TEST(TextQueryTest, TranslatesFts5SyntaxToTsQuery) {
  auto ts = [](const char* query) {
    absl::StatusOr<std::string> translated = TextQueryToTsQuery(query);
    EXPECT_TRUE(translated.ok()) << query << ": " << translated.status();
    return translated.ok() ? *translated : std::string();
  };
  EXPECT_EQ(ts("ceasefire"), "'ceasefire'");
  EXPECT_EQ(ts("Ceasefire Russia"), "('ceasefire' & 'russia')");
  EXPECT_EQ(ts("ceasefire AND russia"), "('ceasefire' & 'russia')");
  EXPECT_EQ(ts("a OR b c"), "('a' | ('b' & 'c'))");
  EXPECT_EQ(ts("one OR two NOT three"), "('one' | ('two' & !'three'))");
  EXPECT_EQ(ts("\"telescope evenings\""), "('telescope' <-> 'evenings')");
  EXPECT_EQ(ts("\"tele\" + scope"), "('tele' <-> 'scope')");
  EXPECT_EQ(ts("observ*"), "'observ':*");
  EXPECT_EQ(ts("\"new obs\"*"), "('new' <-> 'obs':*)");
  EXPECT_EQ(ts("title:observatory"), "'observatory':A");
  EXPECT_EQ(ts("body:(a OR b*)"), "('a':B | 'b':*B)");
  EXPECT_EQ(ts("{title body}:a"), "'a'");
  EXPECT_EQ(ts("-title:a"), "'a':B");
  EXPECT_EQ(ts("\"Zürich's\""), "('zurich' <-> 's')");
  EXPECT_EQ(ts("(a OR b) NOT c"), "(('a' | 'b') & !'c')");
  EXPECT_EQ(ts("and or"), "('and' & 'or')") << "keywords are upper case";
}

TEST(TextQueryTest, RejectsWhatFts5Rejects) {
  for (const char* query :
       {"ceasefire AND", "AND x", "NOT x", "(x", "x)", "a (b OR c)",
        "(a OR b) c", "U.S.", "a:b", "title:", "\"open"}) {
    absl::StatusOr<std::string> translated = TextQueryToTsQuery(query);
    EXPECT_EQ(translated.status().code(), absl::StatusCode::kInvalidArgument)
        << query << " -> " << translated.value_or("");
  }
  EXPECT_THAT(std::string(TextQueryToTsQuery("x AND").status().message()),
              HasSubstr("syntax error"));
  EXPECT_THAT(
      std::string(TextQueryToTsQuery("NEAR(a b, 3)").status().message()),
      HasSubstr("SQLite"));
  EXPECT_THAT(std::string(TextQueryToTsQuery("^a").status().message()),
              HasSubstr("SQLite"));
  EXPECT_THAT(std::string(TextQueryToTsQuery("headline:a").status().message()),
              HasSubstr("no such column: headline"));
}

TEST(TimeBoundTest, ParsesDatesTimesAndAges) {
  const absl::Time day =
      absl::FromCivil(absl::CivilDay(2031, 4, 2), absl::UTCTimeZone());
  EXPECT_EQ(*ParseTimeBound("2031-04-02", TimeBound::kSince), day);
  EXPECT_EQ(*ParseTimeBound("2031-04-02", TimeBound::kUntil),
            day + absl::Hours(24));
  EXPECT_EQ(*ParseTimeBound("2031-04-02T08:15:00Z", TimeBound::kUntil),
            day + absl::Hours(8) + absl::Minutes(15));
  EXPECT_EQ(*ParseTimeBound("2031-04-02T10:15:00+02:00", TimeBound::kSince),
            day + absl::Hours(8) + absl::Minutes(15));
  EXPECT_EQ(*ParseTimeBound("2031-04-02 08:15", TimeBound::kSince),
            day + absl::Hours(8) + absl::Minutes(15));
  const absl::Time now = day + absl::Hours(12);
  EXPECT_EQ(*ParseTimeBound("7d", TimeBound::kSince, now),
            now - absl::Hours(24 * 7));
  EXPECT_EQ(*ParseTimeBound("90m", TimeBound::kSince, now),
            now - absl::Minutes(90));
  EXPECT_EQ(*ParseTimeBound("2w", TimeBound::kSince, now),
            now - absl::Hours(24 * 14));
  for (const char* bad : {"", "yesterday", "2031-13-01", "7y", "-3d"}) {
    absl::StatusOr<absl::Time> parsed = ParseTimeBound(bad, TimeBound::kSince);
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument)
        << bad;
  }
  EXPECT_THAT(
      std::string(ParseTimeBound("soon", TimeBound::kSince).status().message()),
      HasSubstr("\"soon\""));
}

TEST(PostgresUrlTest, PasswordsAreRedacted) {
  EXPECT_EQ(RedactPostgresUrl("postgresql://news:s3cret@db.example:5432/news"),
            "postgresql://news:***@db.example:5432/news");
  EXPECT_EQ(RedactPostgresUrl(
                "postgres://db.example/news?user=a&password=s3cret&sslmode=on"),
            "postgres://db.example/news?user=a&password=***&sslmode=on");
  EXPECT_EQ(RedactPostgresUrl("postgresql://news@db.example/news"),
            "postgresql://news@db.example/news");
  EXPECT_TRUE(ArticleDb::IsPostgresLocation("postgresql://x/y"));
  EXPECT_TRUE(ArticleDb::IsPostgresLocation("POSTGRES://x/y"));
  EXPECT_FALSE(ArticleDb::IsPostgresLocation("news.db"));
  EXPECT_FALSE(ArticleDb::IsPostgresLocation("/data/postgresql/news.db"));
}

}  // namespace
}  // namespace newsflow
