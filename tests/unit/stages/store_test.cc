// The ArticleDb contract, run against both backends: every test here runs
// once on SQLite and once on PostgreSQL (skipped, saying why, when no
// PostgreSQL server can be started; see store_test_support.h).
#include <algorithm>
#include <random>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "stages/store/article_db.h"
#include "tests/unit/stages/store_test_support.h"

namespace newsflow::store_test {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using OpenMode = ArticleDb::OpenMode;

absl::Time Utc(int year, int month, int day, int hour = 0) {
  return absl::FromCivil(absl::CivilSecond(year, month, day, hour, 0, 0),
                         absl::UTCTimeZone());
}

class ArticleDbTest : public BackendTest {
 protected:
  std::unique_ptr<ArticleDb> Writer() {
    return OpenOrDie(location(), OpenMode::kReadWrite);
  }
  std::unique_ptr<ArticleDb> Reader() {
    return OpenOrDie(location(), OpenMode::kReadOnly);
  }

  // The catalogue entry of `name` (any alias), or a default EntityInfo.
  EntityInfo EntityNamed(ArticleDb& db, const std::string& name) {
    EntityQuery query;
    query.name = name;
    absl::StatusOr<std::vector<EntityInfo>> found = db.Entities(query);
    EXPECT_TRUE(found.ok()) << found.status();
    if (!found.ok() || found->empty()) return EntityInfo();
    EXPECT_EQ(found->size(), 1u) << name;
    return found->front();
  }

  std::vector<StoryInfo> AllStories(ArticleDb& db) {
    absl::StatusOr<std::vector<StoryInfo>> stories = db.Stories({});
    EXPECT_TRUE(stories.ok()) << stories.status();
    return stories.ok() ? *stories : std::vector<StoryInfo>();
  }
};

// Gaddafi, spelled three ways by three articles, and his city.
std::vector<v1::Article> GaddafiArticles() {
  v1::Article first = MakeArticle("g1", "Gaddafi speaks in Tripoli",
                                  "Muammar Gaddafi addressed a crowd.");
  AddEntity(first, "Muammar Gaddafi", v1::PERSON, "Muammar Gaddafi",
            "person:gaddafi", 2, {"Muammar Gaddafi", "Gaddafi"});
  AddEntity(first, "Tripoli", v1::LOC, "Tripoli", "loc:tripoli", 1,
            {"Tripoli"});
  v1::Article second = MakeArticle("g2", "Qaddafi visits the coast",
                                   "Colonel Qaddafi toured the harbour.");
  AddEntity(second, "Colonel Qaddafi", v1::PERSON, "Muammar Gaddafi",
            "person:gaddafi", 1, {"Colonel Qaddafi", "Qaddafi"});
  v1::Article third = MakeArticle("g3", "Kadafi meets envoys",
                                  "Envoys met Kadafi behind closed doors.");
  AddEntity(third, "Kadafi", v1::PERSON, "Muammar Gaddafi", "person:gaddafi", 3,
            {"Kadafi"});
  v1::Article other = MakeArticle("o1", "Harbour crane repaired",
                                  "Dockers in Tripoli welcomed the news.");
  AddEntity(other, "Tripoli", v1::LOC, "Tripoli", "loc:tripoli", 1,
            {"Tripoli"});
  return {first, second, third, other};
}

TEST_P(ArticleDbTest, CreatesThenReopensReadWriteAndReadOnly) {
  {
    std::unique_ptr<ArticleDb> db = Writer();
    ASSERT_NE(db, nullptr);
    EXPECT_EQ(db->location(), location());
    EXPECT_EQ(CountOrDie(*db), 0);
    ASSERT_TRUE(db->UpsertBatch({MakeArticle("a1", "Harbour reopens", "x"),
                                 MakeArticle("a2", "Ferry delayed", "y")})
                    .ok());
  }
  {
    std::unique_ptr<ArticleDb> db = Writer();
    ASSERT_NE(db, nullptr);
    EXPECT_EQ(CountOrDie(*db), 2);
  }
  std::unique_ptr<ArticleDb> db = Reader();
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(CountOrDie(*db), 2);
}

TEST_P(ArticleDbTest, ReadOnlyOpenOfAnEmptyLocationFails) {
  const std::string empty = OtherLocation("absent.db");
  absl::StatusOr<std::unique_ptr<ArticleDb>> db =
      ArticleDb::Open(empty, OpenMode::kReadOnly);
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), absl::StatusCode::kNotFound) << db.status();
  EXPECT_THAT(std::string(db.status().message()), HasSubstr(empty));
}

TEST_P(ArticleDbTest, UpsertOfSameIdKeepsOneRowWithLatestFields) {
  std::unique_ptr<ArticleDb> db = Writer();
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(db->UpsertBatch({MakeArticle("same", "Orchard frost warning",
                                           "Growers cover apricot trees.")})
                  .ok());
  v1::Article revised =
      MakeArticle("same", "Orchard frost eases", "Growers uncover the plums.");
  revised.set_story_id("story-7");
  ASSERT_TRUE(db->UpsertBatch({revised}).ok());

  EXPECT_EQ(CountOrDie(*db), 1);
  std::vector<v1::Article> stored = ExportAll(*db);
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].title(), "Orchard frost eases");
  EXPECT_EQ(stored[0].body(), "Growers uncover the plums.");
  EXPECT_EQ(stored[0].story_id(), "story-7");

  // The search index follows the row: no stale hits for replaced words.
  EXPECT_THAT(HitIds(db->Search("apricot OR warning", 10)), IsEmpty());
  absl::StatusOr<std::vector<SearchHit>> new_words = db->Search("plums", 10);
  ASSERT_TRUE(new_words.ok()) << new_words.status();
  ASSERT_EQ(new_words->size(), 1u);
  EXPECT_EQ((*new_words)[0].title, "Orchard frost eases");
  EXPECT_EQ((*new_words)[0].story_id, "story-7");
}

TEST_P(ArticleDbTest, LaterDuplicateWithinOneBatchWins) {
  std::unique_ptr<ArticleDb> db = Writer();
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(db->UpsertBatch({MakeArticle("dup", "First take", "one"),
                               MakeArticle("other", "Unrelated", "two"),
                               MakeArticle("dup", "Second take", "three")})
                  .ok());
  std::vector<v1::Article> stored = ExportAll(*db);
  ASSERT_EQ(stored.size(), 2u);
  EXPECT_EQ(stored[0].id(), "dup");
  EXPECT_EQ(stored[0].title(), "Second take");
}

TEST_P(ArticleDbTest, BatchOfAThousandIsAllOrNothing) {
  std::unique_ptr<ArticleDb> db = Writer();
  ASSERT_NE(db, nullptr);
  // A trigger (as a foreign tool could add) that refuses one article makes
  // the batch fail in the middle.
  if (is_sqlite()) {
    RawExec(
        "CREATE TRIGGER refuse_poison BEFORE INSERT ON articles "
        "WHEN new.id = 'article-0700' "
        "BEGIN SELECT RAISE(ABORT, 'refused by the test trigger'); END;");
  } else {
    RawExec(
        "CREATE FUNCTION refuse_poison() RETURNS trigger AS $$ BEGIN "
        "IF NEW.id = 'article-0700' THEN RAISE EXCEPTION "
        "'% refused by the test trigger', NEW.id; END IF; RETURN NEW; END "
        "$$ LANGUAGE plpgsql; "
        "CREATE TRIGGER refuse_poison BEFORE INSERT ON articles FOR EACH ROW "
        "EXECUTE FUNCTION refuse_poison();");
  }
  std::vector<v1::Article> batch;
  for (int i = 0; i < 1000; ++i) {
    std::string number = std::to_string(i);
    number.insert(0, 4 - number.size(), '0');
    v1::Article article =
        MakeArticle("article-" + number, absl::StrCat("Bulletin number ", i),
                    "Tide tables for the northern coast.");
    article.set_story_id(absl::StrCat("tides-", i % 10));
    AddEntity(article, "Coast Guard", v1::ORG, "Coast Guard", "org:coast", 1,
              {"Coast Guard"});
    batch.push_back(article);
  }
  absl::Status failed = db->UpsertBatch(batch);
  EXPECT_FALSE(failed.ok());
  EXPECT_THAT(std::string(failed.message()), HasSubstr("article-0700"));
  EXPECT_THAT(std::string(failed.message()),
              HasSubstr("refused by the test trigger"));
  EXPECT_THAT(std::string(failed.message()), HasSubstr(location()));
  if (is_sqlite()) {
    EXPECT_EQ(CountOrDie(*db), 0) << "the first 700 must have been rolled back";
    EXPECT_THAT(AllStories(*db), IsEmpty());
    EXPECT_EQ(EntityNamed(*db, "Coast Guard").entity.article_count, 0);
  } else {
    // PostgreSQL stores a big batch in parts by story, each in a
    // transaction of its own: the part holding article-0700 (story
    // tides-0) is rolled back whole, another may have committed, and the
    // catalogue and stories agree with the articles that are there.
    const int64_t count = CountOrDie(*db);
    EXPECT_LT(count, 1000);
    EXPECT_EQ(count % 100, 0) << "whole stories of 100 articles each";
    std::vector<StoryInfo> stories = AllStories(*db);
    EXPECT_EQ(static_cast<int64_t>(stories.size()) * 100, count);
    for (const StoryInfo& story : stories) {
      EXPECT_NE(story.id, "tides-0");
      EXPECT_EQ(story.article_count, 100) << story.id;
    }
    EXPECT_EQ(EntityNamed(*db, "Coast Guard").entity.article_count, count);
  }

  RawExec(is_sqlite() ? "DROP TRIGGER refuse_poison"
                      : "DROP TRIGGER refuse_poison ON articles");
  absl::Status stored = db->UpsertBatch(batch);
  ASSERT_TRUE(stored.ok()) << stored;
  EXPECT_EQ(CountOrDie(*db), 1000);
  EXPECT_EQ(AllStories(*db).size(), 10u);
  EXPECT_EQ(EntityNamed(*db, "Coast Guard").entity.article_count, 1000);
}

// A story id of only NULs never gathers the articles without a story.
// PostgreSQL text holds no NUL, so there it is no story at all; SQLite keeps
// the id as written, a story of its own articles.
TEST_P(ArticleDbTest, StoryIdOfOnlyNulsGathersNoStorylessArticle) {
  std::unique_ptr<ArticleDb> db = Writer();
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(db->UpsertBatch({MakeArticle("plain", "Plain", "x")}).ok());
  v1::Article nul = MakeArticle("nul", "Nul", "y");
  nul.set_story_id(std::string("\0\0", 2));
  ASSERT_TRUE(db->UpsertBatch({nul}).ok());
  std::vector<StoryInfo> stories = AllStories(*db);
  for (const StoryInfo& story : stories) {
    EXPECT_NE(story.id, "");
    EXPECT_EQ(story.article_count, 1) << story.id;
    EXPECT_EQ(story.headline, "Nul");
  }
  EXPECT_EQ(stories.size(), is_sqlite() ? 1u : 0u);
}

TEST_P(ArticleDbTest, ArticleWithoutIdIsRefused) {
  std::unique_ptr<ArticleDb> db = Writer();
  ASSERT_NE(db, nullptr);
  absl::Status status = db->UpsertBatch(
      {MakeArticle("fine", "Fine", "ok"), MakeArticle("", "Nameless", "no")});
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("Nameless"));
  EXPECT_EQ(CountOrDie(*db), 0);
}

TEST_P(ArticleDbTest, TitleMatchOutranksBodyOnlyMatch) {
  std::unique_ptr<ArticleDb> db = Writer();
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(
      db->UpsertBatch(
            {MakeArticle("body-only", "Council debates the bus timetable",
                         "A member asked about the glacier viewpoint car "
                         "park; the glacier shuttle returns in spring."),
             MakeArticle("title", "Glacier retreat measured by students",
                         "Pupils from the valley school placed markers along "
                         "the ice edge and returned each month."),
             MakeArticle("none", "Bakery wins regional prize",
                         "The rye loaf impressed the judges.")})
          .ok());

  absl::StatusOr<std::vector<SearchHit>> hits = db->Search("glacier", 10);
  ASSERT_TRUE(hits.ok()) << hits.status();
  ASSERT_EQ(hits->size(), 2u);
  EXPECT_EQ((*hits)[0].id, "title");
  EXPECT_EQ((*hits)[1].id, "body-only");
  EXPECT_GT((*hits)[0].score, (*hits)[1].score);
  EXPECT_EQ((*hits)[1].url, "https://example.test/body-only");
  EXPECT_EQ((*hits)[1].source, "unit-test");
  EXPECT_EQ((*hits)[1].published_at, "2031-04-02T08:15:00Z");
  EXPECT_THAT(
      (*hits)[1].snippet,
      HasSubstr(absl::StrCat(kSnippetMatchStart, "glacier", kSnippetMatchEnd)));
  EXPECT_THAT(
      (*hits)[0].snippet,
      HasSubstr(absl::StrCat(kSnippetMatchStart, "Glacier", kSnippetMatchEnd)));

  absl::StatusOr<std::vector<SearchHit>> limited = db->Search("glacier", 1);
  ASSERT_TRUE(limited.ok()) << limited.status();
  ASSERT_EQ(limited->size(), 1u);
  EXPECT_EQ((*limited)[0].id, "title");
}

TEST_P(ArticleDbTest, LongBodySnippetIsCutWithEllipses) {
  std::unique_ptr<ArticleDb> db = Writer();
  ASSERT_NE(db, nullptr);
  std::string body;
  for (int i = 0; i < 60; ++i) absl::StrAppend(&body, "filler", i, " ");
  body += "the lighthouse keeper waved ";
  for (int i = 0; i < 60; ++i) absl::StrAppend(&body, "padding", i, " ");
  ASSERT_TRUE(
      db->UpsertBatch({MakeArticle("long", "Coastal notes", body)}).ok());
  absl::StatusOr<std::vector<SearchHit>> hits = db->Search("lighthouse", 5);
  ASSERT_TRUE(hits.ok()) << hits.status();
  ASSERT_EQ(hits->size(), 1u);
  const std::string& snippet = (*hits)[0].snippet;
  EXPECT_THAT(snippet, HasSubstr(absl::StrCat(kSnippetMatchStart, "lighthouse",
                                              kSnippetMatchEnd)));
  EXPECT_EQ(snippet.rfind(kSnippetEllipsis, 0), 0u) << snippet;
  EXPECT_LT(snippet.size(), 300u) << snippet;
}

TEST_P(ArticleDbTest, SearchSpeaksFts5Syntax) {
  std::unique_ptr<ArticleDb> db = Writer();
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(
      db->UpsertBatch(
            {MakeArticle("a", "Ceasefire talks resume in the capital",
                         "Delegations met at the old observatory."),
             MakeArticle("b", "Observatory reopens after repairs",
                         "Visitors can book telescope evenings again."),
             MakeArticle("c", "Talks on fishing quotas stall",
                         "No ceasefire in the long quarrel over herring.")})
          .ok());
  using Ids = std::vector<std::string>;
  EXPECT_EQ(HitIds(db->Search("ceasefire AND talks", 10)), (Ids{"a", "c"}));
  EXPECT_EQ(HitIds(db->Search("ceasefire talks", 10)), (Ids{"a", "c"}));
  EXPECT_EQ(HitIds(db->Search("ceasefire NOT herring", 10)), (Ids{"a"}));
  EXPECT_EQ(HitIds(db->Search("herring OR telescope", 10)), (Ids{"b", "c"}));
  EXPECT_EQ(HitIds(db->Search("\"telescope evenings\"", 10)), (Ids{"b"}));
  EXPECT_THAT(HitIds(db->Search("\"evenings telescope\"", 10)), IsEmpty());
  EXPECT_EQ(HitIds(db->Search("observ*", 10)), (Ids{"a", "b"}));
  EXPECT_EQ(HitIds(db->Search("title:observatory", 10)), (Ids{"b"}));
  EXPECT_EQ(HitIds(db->Search("body:observatory", 10)), (Ids{"a"}));
  EXPECT_EQ(HitIds(db->Search("(herring OR telescope) NOT quotas", 10)),
            (Ids{"b"}));
  // Case and accents do not matter.
  EXPECT_EQ(HitIds(db->Search("CEASEFIRE NOT Hérring", 10)), (Ids{"a"}));
}

TEST_P(ArticleDbTest, AccentsAndCaseAreFoldedInTheIndex) {
  std::unique_ptr<ArticleDb> db = Writer();
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(db->UpsertBatch({MakeArticle("z", "Zürich opens a new tram line",
                                           "São Paulo engineers advised.")})
                  .ok());
  EXPECT_EQ(HitIds(db->Search("zurich", 10)), std::vector<std::string>{"z"});
  EXPECT_EQ(HitIds(db->Search("\"sao paulo\"", 10)),
            std::vector<std::string>{"z"});
}

TEST_P(ArticleDbTest, MalformedQueryIsInvalidArgumentQuotingIt) {
  std::unique_ptr<ArticleDb> db = Writer();
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(
      db->UpsertBatch({MakeArticle("a", "Quiet day", "Nothing.")}).ok());

  for (const char* query :
       {"ceasefire AND", "ceasefire AND (", "NOT quiet", "(quiet", "quiet)"}) {
    absl::StatusOr<std::vector<SearchHit>> bad = db->Search(query, 10);
    EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument)
        << query << ": " << bad.status();
    EXPECT_THAT(std::string(bad.status().message()),
                HasSubstr(absl::StrCat("\"", query, "\"")));
    EXPECT_THAT(std::string(bad.status().message()), HasSubstr("syntax error"))
        << query;
  }
  absl::StatusOr<std::vector<SearchHit>> unbalanced =
      db->Search("\"open quote", 10);
  EXPECT_EQ(unbalanced.status().code(), absl::StatusCode::kInvalidArgument);
  absl::StatusOr<std::vector<SearchHit>> column =
      db->Search("headline:quiet", 10);
  EXPECT_EQ(column.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(column.status().message()), HasSubstr("headline"));

  EXPECT_EQ(db->Search("   ", 10).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(db->Search("quiet", 0).status().code(),
            absl::StatusCode::kInvalidArgument);
  // A failed query leaves the database usable.
  absl::StatusOr<std::vector<SearchHit>> fine = db->Search("quiet", 5);
  ASSERT_TRUE(fine.ok()) << fine.status();
  EXPECT_EQ(fine->size(), 1u);
}

TEST_P(ArticleDbTest, ReaderWorksBesideAnOpenWriterAndSeesCommits) {
  std::unique_ptr<ArticleDb> writer = Writer();
  ASSERT_NE(writer, nullptr);
  ASSERT_TRUE(writer
                  ->UpsertBatch({MakeArticle("w1", "Lighthouse keeper retires",
                                             "Forty winters on the rock.")})
                  .ok());

  std::unique_ptr<ArticleDb> reader = Reader();
  ASSERT_NE(reader, nullptr);
  EXPECT_EQ(CountOrDie(*reader), 1);

  ASSERT_TRUE(
      writer
          ->UpsertBatch({MakeArticle("w2", "New lamp installed",
                                     "The lighthouse beam is brighter."),
                         MakeArticle("w3", "Fog horn silenced",
                                     "Neighbours sleep soundly.")})
          .ok());
  EXPECT_EQ(CountOrDie(*reader), 3);
  // Text search finds articles once indexed (SQLite: on the writer's
  // indexer thread, after the commit).
  ASSERT_TRUE(writer->WaitForSearchIndex().ok());
  EXPECT_EQ(HitIds(reader->Search("lighthouse", 5)),
            (std::vector<std::string>{"w1", "w2"}));

  absl::Status write = reader->UpsertBatch({MakeArticle("r", "No", "no")});
  EXPECT_EQ(write.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(write.message()), HasSubstr("read-only"));
  EXPECT_EQ(reader->AddDeadLetter({}).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_P(ArticleDbTest, NewerSchemaVersionIsRefused) {
  ASSERT_NE(Writer(), nullptr);
  RawExec(is_sqlite() ? "PRAGMA user_version = 9999;"
                      : "UPDATE newsflow_schema SET version = 9999;");
  for (OpenMode mode : {OpenMode::kReadOnly, OpenMode::kReadWrite}) {
    absl::StatusOr<std::unique_ptr<ArticleDb>> db =
        ArticleDb::Open(location(), mode);
    ASSERT_FALSE(db.ok());
    EXPECT_EQ(db.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_THAT(std::string(db.status().message()), HasSubstr("9999"));
    EXPECT_THAT(std::string(db.status().message()), HasSubstr("newer"));
    EXPECT_THAT(std::string(db.status().message()), HasSubstr(location()));
  }
}

TEST_P(ArticleDbTest, ExportReturnsFullArticlesInFirstStoredOrder) {
  std::unique_ptr<ArticleDb> db = Writer();
  ASSERT_NE(db, nullptr);
  v1::Article rich = MakeArticle("rich", "Mayor Lind opens the river bridge",
                                 "The bridge links both banks of Eastford.");
  AddEntity(rich, "Mayor Lind", v1::PERSON, "Astrid Lind", "person:astrid-lind",
            2, {"Lind"});
  v1::TraceHop* hop = rich.add_trace();
  hop->set_stage("ingest");
  hop->set_at("2031-04-02T08:16:00.000001Z");
  hop->set_pid(4242);
  rich.add_keywords("bridge");
  rich.add_warnings("converted from windows-1252");
  v1::RemovedLine* removed = rich.add_removed();
  removed->set_text("Subscribe now");
  removed->set_reason("boilerplate");
  (*rich.mutable_metadata())["desk"] = "city";
  rich.set_language_confidence(0.97);
  rich.set_byline("By a staff writer");

  ASSERT_TRUE(db->UpsertBatch({MakeArticle("zeta", "First stored", "1"), rich,
                               MakeArticle("alpha", "Third stored", "3")})
                  .ok());
  // Replacing an article keeps its place in the export order.
  ASSERT_TRUE(
      db->UpsertBatch({MakeArticle("zeta", "First stored, revised", "1b")})
          .ok());

  std::vector<v1::Article> exported = ExportAll(*db);
  ASSERT_EQ(exported.size(), 3u);
  EXPECT_EQ(exported[0].id(), "zeta");
  EXPECT_EQ(exported[0].title(), "First stored, revised");
  EXPECT_TRUE(
      google::protobuf::util::MessageDifferencer::Equals(exported[1], rich))
      << exported[1].DebugString();
  EXPECT_EQ(exported[2].id(), "alpha");
}

TEST_P(ArticleDbTest, ForEachStopsAtTheVisitorsError) {
  std::unique_ptr<ArticleDb> db = Writer();
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(db->UpsertBatch({MakeArticle("1", "One", "a"),
                               MakeArticle("2", "Two", "b"),
                               MakeArticle("3", "Three", "c")})
                  .ok());
  int visited = 0;
  absl::Status status = db->ForEach([&](const v1::Article&) {
    return ++visited == 2 ? absl::CancelledError("reader went away")
                          : absl::OkStatus();
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(visited, 2);
}

TEST_P(ArticleDbTest, ForEachVisitsEveryPageOfAManyArticleExport) {
  std::unique_ptr<ArticleDb> db = Writer();
  ASSERT_NE(db, nullptr);
  std::vector<v1::Article> batch;
  for (int i = 0; i < 1234; ++i) {
    batch.push_back(MakeArticle(absl::StrCat("p", i), "Page", "text"));
  }
  ASSERT_TRUE(db->UpsertBatch(batch).ok());
  std::vector<std::string> exported;
  for (const v1::Article& article : ExportAll(*db)) {
    exported.push_back(article.id());
  }
  // In no particular order: PostgreSQL stores a batch this big in two
  // transactions at once, which interleave the articles' seqs.
  std::sort(exported.begin(), exported.end());
  std::vector<std::string> expected;
  for (const v1::Article& article : batch) expected.push_back(article.id());
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(exported, expected);
}

TEST_P(ArticleDbTest, GetReturnsTheStoredArticleOrNotFound) {
  std::unique_ptr<ArticleDb> db = Writer();
  ASSERT_NE(db, nullptr);
  v1::Article article = MakeArticle("one", "Kite festival", "Wind was kind.");
  v1::TraceHop* hop = article.add_trace();
  hop->set_stage("ingest");
  hop->set_at("2031-04-02T08:16:00.000001Z");
  ASSERT_TRUE(db->UpsertBatch({article}).ok());

  std::unique_ptr<ArticleDb> reader = Reader();
  ASSERT_NE(reader, nullptr);
  absl::StatusOr<StoredArticle> stored = reader->Get("one");
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(
      stored->article, article));
  EXPECT_FALSE(stored->stored_at.empty());
  absl::StatusOr<StoredArticle> missing = reader->Get("two");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(missing.status().message()), HasSubstr("two"));
}

TEST_P(ArticleDbTest, AnIdCanBeTypedAsAUniquePrefix) {
  std::unique_ptr<ArticleDb> db = Writer();
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(db->UpsertBatch({MakeArticle("a1b2c3d4e5f6", "One", "x"),
                               MakeArticle("a1b2ffff0000", "Two", "y"),
                               MakeArticle("a1b", "Three", "z"),
                               MakeArticle("50%_off", "Four", "w")})
                  .ok());
  std::unique_ptr<ArticleDb> reader = Reader();
  ASSERT_NE(reader, nullptr);
  // A whole id, even a short one, is itself.
  EXPECT_EQ(reader->ResolveId("a1b").value_or(""), "a1b");
  EXPECT_EQ(reader->ResolveId("a1b2c").value_or(""), "a1b2c3d4e5f6");
  EXPECT_EQ(reader->ResolveId("a1b2f").value_or(""), "a1b2ffff0000");
  // SQL wildcards in what was typed are characters, not patterns.
  EXPECT_EQ(reader->ResolveId("50%_").value_or(""), "50%_off");
  EXPECT_EQ(reader->ResolveId("50%%").status().code(),
            absl::StatusCode::kNotFound);

  absl::StatusOr<std::string> ambiguous = reader->ResolveId("a1b2");
  EXPECT_EQ(ambiguous.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(ambiguous.status().message()),
              HasSubstr("a1b2c3d4e5f6, a1b2ffff0000"));
  absl::StatusOr<std::string> too_short = reader->ResolveId("a1");
  EXPECT_EQ(too_short.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(too_short.status().message()),
              HasSubstr("at least 4 characters"));
  EXPECT_EQ(reader->ResolveId("ffff").status().code(),
            absl::StatusCode::kNotFound);
}

TEST_P(ArticleDbTest, EntityCatalogueCountsArticlesMentionsAndAliases) {
  std::unique_ptr<ArticleDb> db = Writer();
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(db->UpsertBatch(GaddafiArticles()).ok());

  std::unique_ptr<ArticleDb> reader = Reader();
  ASSERT_NE(reader, nullptr);
  absl::StatusOr<std::vector<EntityInfo>> all = reader->Entities({});
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), 2u);
  const EntityInfo& gaddafi = (*all)[0];
  EXPECT_EQ(gaddafi.entity.canonical_id, "person:gaddafi");
  EXPECT_EQ(gaddafi.entity.name, "Muammar Gaddafi");
  EXPECT_EQ(gaddafi.entity.type, v1::PERSON);
  EXPECT_EQ(gaddafi.entity.article_count, 3);
  EXPECT_EQ(gaddafi.mention_count, 6);
  std::vector<std::string> aliases;
  for (const EntityAlias& alias : gaddafi.aliases) {
    aliases.push_back(absl::StrCat(alias.alias, "=", alias.article_count));
  }
  EXPECT_THAT(aliases, ::testing::UnorderedElementsAre(
                           "Colonel Qaddafi=1", "Gaddafi=1", "Kadafi=1",
                           "Muammar Gaddafi=1", "Qaddafi=1"));
  const EntityInfo& tripoli = (*all)[1];
  EXPECT_EQ(tripoli.entity.name, "Tripoli");
  EXPECT_EQ(tripoli.entity.type, v1::LOC);
  EXPECT_EQ(tripoli.entity.article_count, 2);
  ASSERT_EQ(tripoli.aliases.size(), 1u);
  EXPECT_EQ(tripoli.aliases[0].article_count, 2);

  EntityQuery people;
  people.type = v1::PERSON;
  absl::StatusOr<std::vector<EntityInfo>> persons = reader->Entities(people);
  ASSERT_TRUE(persons.ok()) << persons.status();
  ASSERT_EQ(persons->size(), 1u);
  EXPECT_EQ((*persons)[0].entity.canonical_id, "person:gaddafi");
  EXPECT_EQ(EntityNamed(*reader, "QADDAFI").entity.canonical_id,
            "person:gaddafi");
  EntityQuery limited;
  limited.limit = 1;
  absl::StatusOr<std::vector<EntityInfo>> one = reader->Entities(limited);
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->size(), 1u);
}

TEST_P(ArticleDbTest, EntityFilterMatchesAnyAliasCaseAndAccentInsensitive) {
  std::unique_ptr<ArticleDb> db = Writer();
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(db->UpsertBatch(GaddafiArticles()).ok());
  using Ids = std::vector<std::string>;
  for (const char* name : {"Kadafi", "kadafi", "QADDAFI", "Muammar Gaddafi",
                           "muammar  gaddafi", "person:gaddafi", "Kadáfi"}) {
    SearchRequest request;
    request.filter.entity = name;
    EXPECT_EQ(HitIds(db->Search(request)), (Ids{"g1", "g2", "g3"})) << name;
  }
  SearchRequest with_text;
  with_text.text = "envoys OR crowd";
  with_text.filter.entity = "Kadafi";
  EXPECT_EQ(HitIds(db->Search(with_text)), (Ids{"g1", "g3"}));

  SearchRequest typed;
  typed.filter.entity = "Tripoli";
  typed.filter.entity_type = v1::PERSON;
  EXPECT_THAT(HitIds(db->Search(typed)), IsEmpty());
  typed.filter.entity_type = v1::LOC;
  EXPECT_EQ(HitIds(db->Search(typed)), (Ids{"g1", "o1"}));
  SearchRequest any_person;
  any_person.filter.entity_type = v1::PERSON;
  EXPECT_EQ(HitIds(db->Search(any_person)), (Ids{"g1", "g2", "g3"}));
  SearchRequest nobody;
  nobody.filter.entity = "Gadafy";
  EXPECT_THAT(HitIds(db->Search(nobody)), IsEmpty());
}

TEST_P(ArticleDbTest, ArticleThatChangesEntitiesMovesItsCounts) {
  std::unique_ptr<ArticleDb> db = Writer();
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(db->UpsertBatch(GaddafiArticles()).ok());
  // The tagger thought better of g3: not Gaddafi but a different Kadafi.
  v1::Article retagged = GaddafiArticles()[2];
  retagged.clear_entities();
  AddEntity(retagged, "Kadafi", v1::PERSON, "Omar Kadafi", "person:omar", 1,
            {"Kadafi"});
  ASSERT_TRUE(db->UpsertBatch({retagged}).ok());

  EXPECT_EQ(CountOrDie(*db), 4);
  const EntityInfo gaddafi = EntityNamed(*db, "Muammar Gaddafi");
  EXPECT_EQ(gaddafi.entity.article_count, 2);
  EXPECT_EQ(gaddafi.mention_count, 3);
  for (const EntityAlias& alias : gaddafi.aliases) {
    EXPECT_NE(alias.alias, "Kadafi") << "the alias left with the article";
  }
  EXPECT_EQ(EntityNamed(*db, "Omar Kadafi").entity.article_count, 1);
  SearchRequest request;
  request.filter.entity = "Kadafi";
  EXPECT_EQ(HitIds(db->Search(request)), std::vector<std::string>{"g3"});

  // The last article leaves an entity: it disappears from the catalogue.
  retagged.clear_entities();
  ASSERT_TRUE(db->UpsertBatch({retagged}).ok());
  EntityQuery omar;
  omar.name = "Omar Kadafi";
  absl::StatusOr<std::vector<EntityInfo>> gone = db->Entities(omar);
  ASSERT_TRUE(gone.ok());
  EXPECT_THAT(*gone, IsEmpty());
  EXPECT_EQ(RawQueryValue("SELECT count(*) FROM entity_aliases WHERE "
                          "canonical_id = 'person:omar'"),
            "0");
}

TEST_P(ArticleDbTest, StoringTheSameBatchAgainChangesNothing) {
  std::unique_ptr<ArticleDb> db = Writer();
  ASSERT_NE(db, nullptr);
  std::vector<v1::Article> articles = GaddafiArticles();
  for (v1::Article& article : articles) article.set_story_id("story-g");
  for (int round = 0; round < 3; ++round) {
    ASSERT_TRUE(db->UpsertBatch(articles).ok());
  }
  EXPECT_EQ(CountOrDie(*db), 4);
  EXPECT_EQ(EntityNamed(*db, "Gaddafi").entity.article_count, 3);
  EXPECT_EQ(EntityNamed(*db, "Gaddafi").mention_count, 6);
  EXPECT_EQ(RawQueryValue("SELECT count(*) FROM mentions"), "5");
  std::vector<StoryInfo> stories = AllStories(*db);
  ASSERT_EQ(stories.size(), 1u);
  EXPECT_EQ(stories[0].article_count, 4);
}

// A batch that starts stories summarizes them from its own articles
// (SQLite); the summaries must equal what recomputing them from the stored
// articles gives, which storing every article again with a new body forces.
// Covered: stated and ingest-only times mixed, no time at all, equal times
// (first stored wins the headline), outlets repeated or from the source.
TEST_P(ArticleDbTest, StoriesStartedByABatchMatchTheirRecomputedSummaries) {
  std::unique_ptr<ArticleDb> db = Writer();
  ASSERT_NE(db, nullptr);
  std::vector<v1::Article> articles;
  auto add = [&](const std::string& story, const std::string& published,
                 const std::string& ingested, const std::string& url) {
    v1::Article& article = articles.emplace_back(MakeArticle(
        absl::StrCat("st", articles.size()),
        absl::StrCat("Headline ", articles.size()), "Quay works resumed."));
    article.set_story_id(story);
    article.set_published_at(published);
    article.set_ingested_at(ingested);
    article.set_url(url);
  };
  add("stated", "2031-04-02T12:00:00Z", "", "https://a.test/1");
  add("stated", "2031-04-01T09:00:00Z", "", "https://b.test/2");
  add("stated", "2031-04-03T09:00:00Z", "", "https://www.a.test/3");
  add("mixed", "", "2031-03-01T00:00:00Z", "https://c.test/4");
  add("mixed", "2031-04-05T00:00:00Z", "", "");
  add("mixed", "2031-04-04T00:00:00Z", "2031-03-02T00:00:00Z", "");
  add("ingested", "", "2031-02-02T00:00:00Z", "https://d.test/7");
  add("ingested", "not a time", "", "https://e.test/8");
  add("ingested", "", "2031-02-01T00:00:00Z", "https://d.test/9");
  add("undated", "", "", "https://f.test/10");
  add("undated", "", "", "https://g.test/11");
  add("same", "2031-05-01T00:00:00Z", "", "https://h.test/12");
  add("same", "2031-05-01T00:00:00Z", "", "https://h.test/13");
  ASSERT_TRUE(db->UpsertBatch(articles).ok());
  const std::vector<StoryInfo> started = AllStories(*db);
  ASSERT_EQ(started.size(), 5u);

  for (v1::Article& article : articles) article.set_body("Quay works ended.");
  ASSERT_TRUE(db->UpsertBatch(articles).ok());
  const std::vector<StoryInfo> recomputed = AllStories(*db);
  ASSERT_EQ(recomputed.size(), started.size());
  for (size_t i = 0; i < started.size(); ++i) {
    SCOPED_TRACE(started[i].id);
    EXPECT_EQ(started[i].id, recomputed[i].id);
    EXPECT_EQ(started[i].first_seen, recomputed[i].first_seen);
    EXPECT_EQ(started[i].last_seen, recomputed[i].last_seen);
    EXPECT_EQ(started[i].article_count, recomputed[i].article_count);
    EXPECT_EQ(started[i].outlets, recomputed[i].outlets);
    EXPECT_EQ(started[i].headline, recomputed[i].headline);
  }
}

TEST_P(ArticleDbTest, StoriesSummarizeTheirArticlesAndFollowMoves) {
  std::unique_ptr<ArticleDb> db = Writer();
  ASSERT_NE(db, nullptr);
  std::vector<v1::Article> articles = GaddafiArticles();
  articles[0].set_story_id("speech");
  articles[0].set_published_at("2031-04-02T10:00:00+02:00");  // 08:00 UTC
  articles[1].set_story_id("speech");
  articles[1].set_published_at("2031-04-02T12:30:00Z");
  articles[1].set_url("https://www.wire.test/coast");
  articles[2].set_story_id("speech");
  articles[2].set_published_at("2031-04-01T23:00:00Z");
  articles[2].set_url("http://wire.test:8080/envoys?x=1");
  articles[3].set_story_id("harbour");
  articles[3].set_published_at("");
  articles[3].set_ingested_at("2031-03-30T06:00:00.123456Z");
  ASSERT_TRUE(db->UpsertBatch(articles).ok());

  std::unique_ptr<ArticleDb> reader = Reader();
  ASSERT_NE(reader, nullptr);
  std::vector<StoryInfo> stories = AllStories(*reader);
  ASSERT_EQ(stories.size(), 2u);
  const StoryInfo& speech = stories[0];  // The most recently active.
  EXPECT_EQ(speech.id, "speech");
  EXPECT_EQ(speech.article_count, 3);
  EXPECT_EQ(speech.headline, "Kadafi meets envoys");  // The earliest.
  EXPECT_EQ(speech.first_seen, Utc(2031, 4, 1, 23));
  EXPECT_EQ(speech.last_seen,
            absl::FromCivil(absl::CivilSecond(2031, 4, 2, 12, 30, 0),
                            absl::UTCTimeZone()));
  EXPECT_EQ(speech.outlets,
            (std::vector<std::string>{"example.test", "wire.test"}));
  ASSERT_FALSE(speech.top_entities.empty());
  EXPECT_EQ(speech.top_entities[0].name, "Muammar Gaddafi");
  EXPECT_EQ(speech.top_entities[0].article_count, 3);
  const StoryInfo& harbour = stories[1];
  EXPECT_EQ(harbour.id, "harbour");
  EXPECT_EQ(harbour.first_seen, Utc(2031, 3, 30, 6));

  StoryQuery recent;
  recent.since = Utc(2031, 4, 1);
  absl::StatusOr<std::vector<StoryInfo>> since = reader->Stories(recent);
  ASSERT_TRUE(since.ok()) << since.status();
  ASSERT_EQ(since->size(), 1u);
  EXPECT_EQ((*since)[0].id, "speech");

  // g3 moves to the harbour story: counted there, no longer in speech.
  v1::Article moved = articles[2];
  moved.set_story_id("harbour");
  ASSERT_TRUE(db->UpsertBatch({moved}).ok());
  stories = AllStories(*reader);
  ASSERT_EQ(stories.size(), 2u);
  EXPECT_EQ(stories[0].id, "speech");
  EXPECT_EQ(stories[0].article_count, 2);
  EXPECT_EQ(stories[0].headline, "Gaddafi speaks in Tripoli");
  EXPECT_EQ(stories[1].article_count, 2);
  EXPECT_EQ(CountOrDie(*reader), 4);

  // An emptied story disappears.
  moved.set_story_id("");
  v1::Article other = articles[3];
  other.set_story_id("speech");
  ASSERT_TRUE(db->UpsertBatch({moved, other}).ok());
  stories = AllStories(*reader);
  ASSERT_EQ(stories.size(), 1u);
  EXPECT_EQ(stories[0].id, "speech");
  EXPECT_EQ(stories[0].article_count, 3);
  // The undated article (ingested on 30 March) does not stretch the span
  // of a story whose other articles state their times.
  EXPECT_EQ(stories[0].first_seen, Utc(2031, 4, 2, 8));
  EXPECT_EQ(stories[0].last_seen,
            absl::FromCivil(absl::CivilSecond(2031, 4, 2, 12, 30, 0),
                            absl::UTCTimeZone()));
}

TEST_P(ArticleDbTest, SearchFiltersBySourceTimeAndStory) {
  std::unique_ptr<ArticleDb> db = Writer();
  ASSERT_NE(db, nullptr);
  v1::Article early = MakeArticle("early", "Storm warning", "Gales expected.");
  early.set_published_at("2031-03-01T10:00:00Z");
  early.set_source("wire");
  v1::Article middle = MakeArticle("middle", "Storm arrives", "Gales blew.");
  middle.set_published_at("2031-03-15T10:00:00Z");
  middle.set_story_id("storm");
  v1::Article late = MakeArticle("late", "Storm clean-up", "Gales gone.");
  late.set_published_at("2031-04-01T10:00:00Z");
  late.set_story_id("storm");
  v1::Article undated = MakeArticle("undated", "Storm memories", "Gales.");
  undated.set_published_at("");
  ASSERT_TRUE(db->UpsertBatch({early, middle, late, undated}).ok());

  using Ids = std::vector<std::string>;
  SearchRequest request;
  request.text = "gales";
  EXPECT_EQ(HitIds(db->Search(request)),
            (Ids{"early", "late", "middle", "undated"}));
  request.filter.source = "wire";
  EXPECT_EQ(HitIds(db->Search(request)), (Ids{"early"}));
  request.filter = {};
  request.filter.since = Utc(2031, 3, 15, 10);
  EXPECT_EQ(HitIds(db->Search(request)), (Ids{"late", "middle"}));
  request.filter.until = Utc(2031, 3, 15, 10);
  EXPECT_THAT(HitIds(db->Search(request)), IsEmpty()) << "until is exclusive";
  request.filter.since.reset();
  EXPECT_EQ(HitIds(db->Search(request)), (Ids{"early"}));
  request.filter = {};
  request.filter.story_id = "storm";
  EXPECT_EQ(HitIds(db->Search(request)), (Ids{"late", "middle"}));

  // Without text: the filter's articles, newest first, undated last.
  SearchRequest filter_only;
  filter_only.filter.since = Utc(2031, 1, 1);
  absl::StatusOr<std::vector<SearchHit>> newest = db->Search(filter_only);
  EXPECT_EQ(HitIds(newest, /*sorted=*/false), (Ids{"late", "middle", "early"}));
  ASSERT_TRUE(newest.ok());
  EXPECT_EQ((*newest)[0].snippet, "Gales gone.");
  filter_only.filter = {};
  filter_only.filter.source = "unit-test";
  EXPECT_EQ(HitIds(db->Search(filter_only), /*sorted=*/false),
            (Ids{"late", "middle", "undated"}));

  // Export takes the same filter.
  ArticleFilter storm;
  storm.story_id = "storm";
  std::vector<std::string> exported;
  ASSERT_TRUE(db->ForEach(storm, [&](const v1::Article& article) {
                  exported.push_back(article.id());
                  return absl::OkStatus();
                }).ok());
  EXPECT_EQ(exported, (Ids{"middle", "late"}));
}

// Pages of `request` fetched with cursors until a short page, as ids.
std::vector<std::string> PagedIds(ArticleDb& db, SearchRequest request) {
  std::vector<std::string> ids;
  for (int pages = 0; pages < 100; ++pages) {
    absl::StatusOr<std::vector<SearchHit>> page = db.Search(request);
    EXPECT_TRUE(page.ok()) << page.status();
    if (!page.ok()) break;
    for (const SearchHit& hit : *page) ids.push_back(hit.id);
    if (static_cast<int>(page->size()) < request.limit) break;
    request.after = page->back().cursor;
  }
  return ids;
}

TEST_P(ArticleDbTest, RankedSearchPagesByOffsetAndCursorWithTiesById) {
  std::unique_ptr<ArticleDb> db = Writer();
  ASSERT_NE(db, nullptr);
  // Identical articles tie on score: only the tiebreak orders them.
  std::vector<v1::Article> batch;
  for (int i = 0; i < 12; ++i) {
    batch.push_back(MakeArticle(absl::StrFormat("body-%02d", i), "Quay news",
                                "The ferry left on time."));
    batch.push_back(MakeArticle(absl::StrFormat("title-%02d", i), "Ferry news",
                                "Nothing else."));
  }
  batch.push_back(MakeArticle("none", "Quay news", "Calm."));
  ASSERT_TRUE(db->UpsertBatch(batch).ok());

  SearchRequest request;
  request.text = "ferry";
  request.limit = 100;
  const std::vector<std::string> all = HitIds(db->Search(request), false);
  ASSERT_EQ(all.size(), 24u);
  for (int i = 0; i < 12; ++i) {
    EXPECT_EQ(all[i], absl::StrFormat("title-%02d", i))
        << "title hits first, ties in first-stored order";
    EXPECT_EQ(all[12 + i], absl::StrFormat("body-%02d", i));
  }

  request.limit = 5;
  EXPECT_EQ(PagedIds(*db, request), all);
  std::vector<std::string> by_offset;
  for (request.offset = 0; request.offset < 30; request.offset += 5) {
    std::vector<std::string> page = HitIds(db->Search(request), false);
    by_offset.insert(by_offset.end(), page.begin(), page.end());
  }
  EXPECT_EQ(by_offset, all);

  // Offset counts from the cursor.
  request.offset = 0;
  absl::StatusOr<std::vector<SearchHit>> first = db->Search(request);
  ASSERT_TRUE(first.ok()) << first.status();
  request.after = first->back().cursor;
  request.offset = 2;
  EXPECT_EQ(HitIds(db->Search(request), false),
            (std::vector<std::string>(all.begin() + 7, all.begin() + 12)));
}

TEST_P(ArticleDbTest, FilterOnlyPagesAreNewestFirstAndStableUnderInserts) {
  std::unique_ptr<ArticleDb> db = Writer();
  ASSERT_NE(db, nullptr);
  // Times repeat (ties) and some are unknown (last).
  std::vector<v1::Article> batch;
  for (int i = 0; i < 20; ++i) {
    v1::Article article =
        MakeArticle(absl::StrFormat("a%02d", i), "Tide", "Low.");
    article.set_source("wire");
    if (i % 5 == 4) {
      article.set_published_at("");
    } else {
      article.set_published_at(
          absl::StrFormat("2031-04-%02dT08:00:00Z", 1 + i % 3));
    }
    batch.push_back(article);
  }
  ASSERT_TRUE(db->UpsertBatch(batch).ok());

  SearchRequest request;
  request.filter.source = "wire";
  request.limit = 100;
  const std::vector<std::string> all = HitIds(db->Search(request), false);
  ASSERT_EQ(all.size(), 20u);
  EXPECT_EQ(all.front(), "a17") << "newest time, most recently stored";
  EXPECT_EQ(all.back(), "a04") << "unknown times last, oldest stored last";
  request.limit = 3;
  EXPECT_EQ(PagedIds(*db, request), all);

  // A page, then writes (newer, older, undated), then the rest: nothing
  // repeats and nothing that was there is skipped.
  absl::StatusOr<std::vector<SearchHit>> first = db->Search(request);
  ASSERT_TRUE(first.ok()) << first.status();
  std::vector<v1::Article> more;
  for (const char* published : {"2031-05-01T00:00:00Z", "2031-04-02T08:00:00Z",
                                "2030-01-01T00:00:00Z", ""}) {
    v1::Article article =
        MakeArticle(absl::StrCat("new-", more.size()), "Tide", "High.");
    article.set_source("wire");
    article.set_published_at(published);
    more.push_back(article);
  }
  ASSERT_TRUE(db->UpsertBatch(more).ok());
  request.after = first->back().cursor;
  std::vector<std::string> seen = HitIds(first, false);
  for (const std::string& id : PagedIds(*db, request)) seen.push_back(id);
  std::vector<std::string> old_seen;
  for (const std::string& id : seen) {
    if (id.rfind("new-", 0) != 0) old_seen.push_back(id);
  }
  EXPECT_EQ(old_seen, all);
  std::vector<std::string> sorted = seen;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(std::adjacent_find(sorted.begin(), sorted.end()), sorted.end());
  // Those sorting after the cursor appear; the newer one does not.
  EXPECT_THAT(seen, ::testing::Contains("new-2"));
  EXPECT_THAT(seen, ::testing::Contains("new-3"));
  EXPECT_THAT(seen, ::testing::Not(::testing::Contains("new-0")));
}

TEST_P(ArticleDbTest, BadCursorOrOffsetIsInvalidArgument) {
  std::unique_ptr<ArticleDb> db = Writer();
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(db->UpsertBatch({MakeArticle("a", "Quay", "Ferry.")}).ok());
  SearchRequest ranked;
  ranked.text = "ferry";
  absl::StatusOr<std::vector<SearchHit>> hits = db->Search(ranked);
  ASSERT_TRUE(hits.ok()) << hits.status();
  ASSERT_EQ(hits->size(), 1u);
  SearchRequest filter_only;
  filter_only.filter.source = "unit-test";
  filter_only.after = (*hits)[0].cursor;
  for (const SearchRequest& request : {filter_only,
                                       [&] {
                                         SearchRequest bad = ranked;
                                         bad.after =
                                             "r:1;DROP TABLE articles:1";
                                         return bad;
                                       }(),
                                       [&] {
                                         SearchRequest bad = ranked;
                                         bad.after = "nonsense";
                                         return bad;
                                       }(),
                                       [&] {
                                         SearchRequest bad = ranked;
                                         bad.offset = -1;
                                         return bad;
                                       }()}) {
    absl::StatusOr<std::vector<SearchHit>> result = db->Search(request);
    ASSERT_FALSE(result.ok()) << request.after;
    EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument)
        << result.status();
  }
  EXPECT_EQ(CountOrDie(*db), 1);
}

TEST_P(ArticleDbTest, DeadLettersAreKeptNewestFirst) {
  std::unique_ptr<ArticleDb> db = Writer();
  ASSERT_NE(db, nullptr);
  DeadLetter first;
  first.stage = "ingest";
  first.reason = "binary file";
  first.raw = std::string("\x00\x01\xff raw", 7);
  absl::StatusOr<int64_t> first_id = db->AddDeadLetter(first);
  ASSERT_TRUE(first_id.ok()) << first_id.status();
  DeadLetter second;
  second.stage = "clean";
  second.reason = "empty after cleaning";
  second.at = "2031-04-02T08:15:00Z";
  absl::StatusOr<int64_t> second_id = db->AddDeadLetter(second);
  ASSERT_TRUE(second_id.ok()) << second_id.status();
  EXPECT_GT(*second_id, *first_id);

  std::unique_ptr<ArticleDb> reader = Reader();
  ASSERT_NE(reader, nullptr);
  absl::StatusOr<std::vector<DeadLetter>> letters = reader->ListDeadLetters(10);
  ASSERT_TRUE(letters.ok()) << letters.status();
  ASSERT_EQ(letters->size(), 2u);
  EXPECT_EQ((*letters)[0].id, *second_id);
  EXPECT_EQ((*letters)[0].stage, "clean");
  EXPECT_EQ((*letters)[0].at, "2031-04-02T08:15:00Z");
  EXPECT_EQ((*letters)[1].reason, "binary file");
  EXPECT_EQ((*letters)[1].raw, first.raw);
  EXPECT_FALSE((*letters)[1].at.empty());
  absl::StatusOr<std::vector<DeadLetter>> newest = reader->ListDeadLetters(1);
  ASSERT_TRUE(newest.ok());
  ASSERT_EQ(newest->size(), 1u);
  EXPECT_EQ((*newest)[0].stage, "clean");
  EXPECT_EQ(CountOrDie(*reader), 0) << "dead letters are not articles";
}

// Several writers (store replicas) storing overlapping batches at once:
// every article once, every count exact, no deadlock surfaces as an error.
TEST_P(ArticleDbTest, ConcurrentWritersNeitherDuplicateNorDeadlock) {
  ASSERT_NE(Writer(), nullptr);  // The schema, once.
  constexpr int kWriters = 4;
  constexpr int kArticles = 240;
  std::vector<v1::Article> articles;
  for (int i = 0; i < kArticles; ++i) {
    v1::Article article =
        MakeArticle(absl::StrCat("c", i), absl::StrCat("Market report ", i),
                    "Prices of grain and wool moved.");
    article.set_story_id(absl::StrCat("story-", i % 7));
    // Every article shares the busiest entity; others overlap in pairs.
    AddEntity(article, "Grain Board", v1::ORG, "Grain Board", "org:grain", 2,
              {"Grain Board"});
    AddEntity(article, absl::StrCat("Town ", i % 11), v1::LOC,
              absl::StrCat("Town ", i % 11), absl::StrCat("loc:town-", i % 11),
              1, {absl::StrCat("Town ", i % 11)});
    articles.push_back(article);
  }
  std::vector<std::string> errors(kWriters);
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      absl::StatusOr<std::unique_ptr<ArticleDb>> db =
          ArticleDb::Open(location(), OpenMode::kReadWrite);
      if (!db.ok()) {
        errors[w] = std::string(db.status().message());
        return;
      }
      // Each writer stores every article, in its own order and batches.
      std::vector<v1::Article> mine = articles;
      std::shuffle(mine.begin(), mine.end(), std::mt19937(w + 1));
      for (size_t start = 0; start < mine.size(); start += 16) {
        std::vector<v1::Article> batch(
            mine.begin() + start,
            mine.begin() + std::min(mine.size(), start + 16));
        absl::Status status = (*db)->UpsertBatch(batch);
        if (!status.ok()) {
          errors[w] = std::string(status.message());
          return;
        }
      }
    });
  }
  for (std::thread& writer : writers) writer.join();
  for (int w = 0; w < kWriters; ++w) EXPECT_EQ(errors[w], "") << "writer " << w;

  std::unique_ptr<ArticleDb> reader = Reader();
  ASSERT_NE(reader, nullptr);
  EXPECT_EQ(CountOrDie(*reader), kArticles);
  const EntityInfo grain = EntityNamed(*reader, "Grain Board");
  EXPECT_EQ(grain.entity.article_count, kArticles);
  EXPECT_EQ(grain.mention_count, 2 * kArticles);
  ASSERT_EQ(grain.aliases.size(), 1u);
  EXPECT_EQ(grain.aliases[0].article_count, kArticles);
  EntityQuery towns;
  towns.type = v1::LOC;
  absl::StatusOr<std::vector<EntityInfo>> places = reader->Entities(towns);
  ASSERT_TRUE(places.ok());
  int64_t town_articles = 0;
  for (const EntityInfo& town : *places) {
    town_articles += town.entity.article_count;
  }
  EXPECT_EQ(town_articles, kArticles);
  std::vector<StoryInfo> stories = AllStories(*reader);
  ASSERT_EQ(stories.size(), 7u);
  int64_t story_articles = 0;
  for (const StoryInfo& story : stories) story_articles += story.article_count;
  EXPECT_EQ(story_articles, kArticles);
  EXPECT_EQ(RawQueryValue("SELECT count(*) FROM mentions"),
            std::to_string(2 * kArticles));
}

// An entity's newest articles come from its mentions (by their time), and
// a name two entities share lists the articles of both, each once: newest
// first, unknown times last, by pages of offsets or of cursors.
TEST_P(ArticleDbTest, EntityNewestArticlesPageAcrossEntitiesSharingAName) {
  std::unique_ptr<ArticleDb> db = Writer();
  ASSERT_NE(db, nullptr);
  std::vector<v1::Article> batch;
  for (int i = 0; i < 10; ++i) {
    v1::Article article = MakeArticle(absl::StrCat("n", i),
                                      absl::StrCat("Quay report ", i), "Calm.");
    article.set_published_at(
        i < 8 ? absl::StrFormat("2031-04-%02dT08:00:00Z", 10 + i) : "");
    if (i % 2 == 0) {
      AddEntity(article, "Harbour Master", v1::PERSON, "Harbour Master Ames",
                "person:ames", 1, {"Harbour Master"});
    }
    if (i % 3 == 0) {
      AddEntity(article, "Harbour Master", v1::PERSON, "Harbour Master Bell",
                "person:bell", 1, {"Harbour Master"});
    }
    batch.push_back(article);
  }
  ASSERT_TRUE(db->UpsertBatch(batch).ok());
  const std::vector<std::string> expected = {"n6", "n4", "n3", "n2",
                                             "n0", "n9", "n8"};
  SearchRequest request;
  request.filter.entity = "harbour master";
  request.limit = 3;
  EXPECT_EQ(PagedIds(*db, request), expected);
  request.limit = 2;
  request.offset = 2;
  EXPECT_EQ(HitIds(db->Search(request), false),
            (std::vector<std::string>{"n3", "n2"}));
  request.offset = 0;
  request.limit = 10;
  request.filter.entity = "Harbour Master Bell";
  EXPECT_EQ(HitIds(db->Search(request), false),
            (std::vector<std::string>{"n6", "n3", "n0", "n9"}));
}

// Text queries rank the newest rank_window matches, widening until the
// page is full: a strong old match loses to recent ones while recent ones
// fill the page, and is found once the window must widen to reach it.
TEST_P(ArticleDbTest, TextSearchRanksTheNewestMatchesAndWidens) {
  std::unique_ptr<ArticleDb> db = Writer();
  ASSERT_NE(db, nullptr);
  std::vector<v1::Article> batch;
  v1::Article best = MakeArticle("old-best", "Harbour harbour harbour",
                                 "The harbour, the harbour again.");
  AddEntity(best, "Quay Warden", v1::PERSON, "Quay Warden",
            "person:quay-warden", 1, {"Quay Warden"});
  batch.push_back(best);
  for (int i = 0; i < 39; ++i) {
    batch.push_back(MakeArticle(absl::StrFormat("s%02d", i),
                                absl::StrCat("Tide table ", i),
                                "Boats left the harbour early, then calm."));
  }
  ASSERT_TRUE(db->UpsertBatch(batch).ok());
  auto search = [&](int limit, int64_t window, const std::string& entity) {
    SearchRequest request;
    request.text = "harbour";
    request.limit = limit;
    request.rank_window = window;
    request.filter.entity = entity;
    absl::StatusOr<std::vector<SearchHit>> hits = db->Search(request);
    EXPECT_TRUE(hits.ok()) << hits.status();
    std::vector<std::string> ids;
    if (hits.ok()) {
      for (const SearchHit& hit : *hits) ids.push_back(hit.id);
    }
    return ids;
  };
  // The newest 8 fill a page of 3: the old best match is not ranked.
  std::vector<std::string> recent = search(3, 8, "");
  ASSERT_EQ(recent.size(), 3u);
  for (const std::string& id : recent) {
    EXPECT_GE(id, "s31") << "ranked outside the newest 8 matches";
  }
  // Every match ranked: the old best comes first.
  EXPECT_EQ(search(3, 0, "").front(), "old-best");
  // A page of 20 widens the window of 4 (to 32): full.
  EXPECT_EQ(search(20, 4, "").size(), 20u);
  // A filtered search ranks every match: the one the filter passes is found.
  EXPECT_EQ(search(3, 4, "quay warden"), std::vector<std::string>{"old-best"});
  // A query the backend rejects is still named.
  SearchRequest broken;
  broken.text = "harbour AND";
  absl::StatusOr<std::vector<SearchHit>> hits = db->Search(broken);
  ASSERT_FALSE(hits.ok());
  EXPECT_THAT(std::string(hits.status().message()),
              HasSubstr("invalid search query"));
}

INSTANTIATE_TEST_SUITE_P(Backends, ArticleDbTest,
                         ::testing::Values(Backend::kSqlite,
                                           Backend::kPostgres),
                         BackendName);

}  // namespace
}  // namespace newsflow::store_test
