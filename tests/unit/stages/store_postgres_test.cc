// What only the PostgreSQL backend has: a server that may be unreachable,
// refuse writes, lose the connection, or hold another application's
// tables. The tests both backends share are in store_test.cc.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <random>
#include <thread>

#ifdef NEWSFLOW_TEST_HAVE_LIBPQ
#include <libpq-fe.h>
#endif

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/hash.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "stages/store/article_db.h"
#include "stages/store/catalogue.h"
#include "tests/unit/stages/store_test_support.h"

namespace newsflow::store_test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using OpenMode = ArticleDb::OpenMode;

class PostgresArticleDbTest : public ::testing::Test {
 protected:
  void SetUp() override {
    NEWSFLOW_REQUIRE_PG_SERVER();
    url_ = PgTestServer::NewDatabase();
    ASSERT_FALSE(url_.empty());
  }
  void TearDown() override { PgTestServer::DropDatabase(url_); }

  std::string url_;
};

TEST(PostgresConnectionTest, UnreachableServerIsUnavailableWithoutPassword) {
  // Port 1 on loopback: nothing listens there.
  const std::string url =
      "postgresql://news:s3cret@127.0.0.1:1/news?connect_timeout=5";
  absl::StatusOr<std::unique_ptr<ArticleDb>> db =
      ArticleDb::Open(url, OpenMode::kReadWrite);
  ASSERT_FALSE(db.ok());
  if (db.status().code() == absl::StatusCode::kUnimplemented) {
    GTEST_SKIP() << "built without libpq: " << db.status();
  }
  EXPECT_EQ(db.status().code(), absl::StatusCode::kUnavailable) << db.status();
  const std::string message(db.status().message());
  EXPECT_THAT(message, HasSubstr("postgresql://news:***@127.0.0.1:1/news"));
  EXPECT_THAT(message, Not(HasSubstr("s3cret")));
  EXPECT_THAT(message, HasSubstr("cannot connect"));
}

TEST_F(PostgresArticleDbTest, MissingDatabaseIsNotFound) {
  const std::string server = PgTestServer::ServerUrlForTests();
  const std::string missing =
      server.substr(0, server.rfind('/')) + "/no_such_newsflow_db";
  for (OpenMode mode : {OpenMode::kReadOnly, OpenMode::kReadWrite}) {
    absl::StatusOr<std::unique_ptr<ArticleDb>> db =
        ArticleDb::Open(missing, mode);
    ASSERT_FALSE(db.ok());
    EXPECT_EQ(db.status().code(), absl::StatusCode::kNotFound) << db.status();
    EXPECT_THAT(std::string(db.status().message()),
                HasSubstr("no_such_newsflow_db"));
  }
}

TEST_F(PostgresArticleDbTest, ReadOnlyServerRefusesWritesAndStoresNothing) {
  {
    std::unique_ptr<ArticleDb> db = OpenOrDie(url_, OpenMode::kReadWrite);
    ASSERT_NE(db, nullptr);
    ASSERT_TRUE(db->UpsertBatch({MakeArticle("kept", "Kept", "yes")}).ok());
  }
  // What a hot standby, or a database set read-only, answers.
  const std::string read_only =
      url_ + "%20-cdefault_transaction_read_only%3Don";
  std::unique_ptr<ArticleDb> db = OpenOrDie(read_only, OpenMode::kReadWrite);
  ASSERT_NE(db, nullptr);
  v1::Article article = MakeArticle("new", "Refused", "no");
  AddEntity(article, "Port", v1::LOC, "Port", "loc:port", 1, {"Port"});
  absl::Status status = db->UpsertBatch({article});
  EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied) << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr("refuses writes"));
  EXPECT_THAT(std::string(status.message()), HasSubstr("new"));
  EXPECT_EQ(db->AddDeadLetter({}).status().code(),
            absl::StatusCode::kPermissionDenied);

  std::unique_ptr<ArticleDb> reader = OpenOrDie(url_, OpenMode::kReadOnly);
  ASSERT_NE(reader, nullptr);
  EXPECT_EQ(CountOrDie(*reader), 1);
  absl::StatusOr<std::vector<EntityInfo>> entities = reader->Entities({});
  ASSERT_TRUE(entities.ok());
  EXPECT_TRUE(entities->empty());

  // A database without the schema cannot get one there.
  const std::string fresh = PgTestServer::NewDatabase();
  absl::StatusOr<std::unique_ptr<ArticleDb>> created = ArticleDb::Open(
      fresh + "%20-cdefault_transaction_read_only%3Don", OpenMode::kReadWrite);
  EXPECT_EQ(created.status().code(), absl::StatusCode::kPermissionDenied)
      << created.status();
  PgTestServer::DropDatabase(fresh);
}

TEST_F(PostgresArticleDbTest, AnotherApplicationsArticlesTableIsRefused) {
  ASSERT_EQ(PgTestServer::Exec(url_,
                               "CREATE TABLE articles (x integer); "
                               "INSERT INTO articles VALUES (7)"),
            "");
  for (OpenMode mode : {OpenMode::kReadOnly, OpenMode::kReadWrite}) {
    absl::StatusOr<std::unique_ptr<ArticleDb>> db = ArticleDb::Open(url_, mode);
    ASSERT_FALSE(db.ok());
    EXPECT_EQ(db.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_THAT(std::string(db.status().message()),
                HasSubstr("not a newsflow database"));
  }
  EXPECT_EQ(PgTestServer::QueryValue(url_, "SELECT x FROM articles"), "7");
}

TEST_F(PostgresArticleDbTest, Version3DatabaseMigratesKeepingAliasesAndTimes) {
  {
    std::unique_ptr<ArticleDb> db = OpenOrDie(url_, OpenMode::kReadWrite);
    ASSERT_NE(db, nullptr);
    v1::Article article =
        MakeArticle("p1", "Kadafi in Sirte", "Muammar Gaddafi spoke.");
    AddEntity(article, "Muammar Gaddafi", v1::PERSON, "Muammar Gaddafi",
              "person:gaddafi", 2, {"Muammar Gaddafi", "Kadafi"});
    ASSERT_TRUE(db->UpsertBatch({article}).ok());
  }
  // Version 3 as released: aliases without the rule that joined them,
  // mentions without their article's time.
  ASSERT_EQ(PgTestServer::Exec(url_,
                               "ALTER TABLE entity_aliases DROP COLUMN "
                               "join_rule; ALTER TABLE mentions DROP COLUMN "
                               "seen_at; UPDATE newsflow_schema SET "
                               "version = 3"),
            "");
  absl::StatusOr<std::unique_ptr<ArticleDb>> reader =
      ArticleDb::Open(url_, OpenMode::kReadOnly);
  EXPECT_EQ(reader.status().code(), absl::StatusCode::kFailedPrecondition);

  std::unique_ptr<ArticleDb> db = OpenOrDie(url_, OpenMode::kReadWrite);
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(
      PgTestServer::QueryValue(url_, "SELECT version FROM newsflow_schema"),
      absl::StrCat(kArticleDbSchemaVersion));
  using Rules = std::map<std::string, std::string>;
  EXPECT_EQ(StoredAliasRules(*db, "person:gaddafi"),
            (Rules{{"Kadafi", ""}, {"Muammar Gaddafi", ""}}));
  // Version 5 gave the stored mentions their article's time.
  EXPECT_EQ(PgTestServer::QueryValue(
                url_,
                "SELECT count(*) FROM mentions AS m JOIN articles AS a ON "
                "a.seq = m.article_seq WHERE m.seen_at = a.seen_at"),
            "1");
  // A rule stored later fills in an unknown one.
  v1::Article later = MakeArticle("p2", "Kadafi again", "Kadafi spoke.");
  AddAliasRule(AddEntity(later, "Kadafi", v1::PERSON, "Muammar Gaddafi",
                         "person:gaddafi", 1, {"Kadafi"}),
               "Kadafi", "transliteration");
  ASSERT_TRUE(db->UpsertBatch({later}).ok());
  EXPECT_EQ(StoredAliasRules(*db, "person:gaddafi"),
            (Rules{{"Kadafi", "transliteration"}, {"Muammar Gaddafi", ""}}));
}

// A batch big enough to be split (by story, into transactions of their own
// on two connections at once) stores exactly what the same articles stored
// in small batches (one transaction each) do: the rows, the catalogue, the
// stories and the search results; storing it again changes nothing.
TEST_F(PostgresArticleDbTest, SplitBatchStoresWhatSmallBatchesStore) {
  std::vector<v1::Article> batch;
  for (int i = 0; i < 600; ++i) {
    v1::Article article = MakeArticle(
        absl::StrCat("harbour-", i),
        absl::StrCat("Harbour notice ", i, i % 3 == 0 ? " ferry" : " crane"),
        absl::StrCat("The pilots of berth ", i % 20, " report calm water."));
    article.set_story_id(absl::StrCat("berth-", i % 20));
    article.set_published_at(
        absl::StrCat("2031-04-0", 1 + i % 9, "T10:00:00Z"));
    AddEntity(article, "Harbour Board", v1::ORG, "Harbour Board", "org:harbour",
              1 + i % 2, {"Harbour Board"});
    if (i % 5 == 0) {
      AddEntity(article, "Pilots", v1::ORG, "Pilot Guild", "org:pilots", 1,
                {"Pilots"});
    }
    batch.push_back(article);
  }
  const std::string small_url = PgTestServer::NewDatabase();
  ASSERT_FALSE(small_url.empty());
  std::unique_ptr<ArticleDb> small = OpenOrDie(small_url, OpenMode::kReadWrite);
  std::unique_ptr<ArticleDb> split = OpenOrDie(url_, OpenMode::kReadWrite);
  ASSERT_NE(small, nullptr);
  ASSERT_NE(split, nullptr);
  for (size_t first = 0; first < batch.size(); first += 100) {
    absl::Status status = small->UpsertBatch(std::vector<v1::Article>(
        batch.begin() + static_cast<std::ptrdiff_t>(first),
        batch.begin() + static_cast<std::ptrdiff_t>(first + 100)));
    ASSERT_TRUE(status.ok()) << status;
  }
  for (int round = 0; round < 2; ++round) {
    absl::Status status = split->UpsertBatch(batch);
    ASSERT_TRUE(status.ok()) << status;
  }

  auto summary = [](ArticleDb& db) {
    std::vector<std::string> lines;
    for (const v1::Article& article : ExportAll(db)) {
      lines.push_back(absl::StrCat("article ", article.ShortDebugString()));
    }
    // Export follows the order rows were written in, which the parts
    // interleave.
    std::sort(lines.begin(), lines.end());
    absl::StatusOr<std::vector<EntityInfo>> entities = db.Entities({});
    EXPECT_TRUE(entities.ok()) << entities.status();
    for (const EntityInfo& info :
         entities.value_or(std::vector<EntityInfo>())) {
      std::string line = absl::StrCat(
          "entity ", info.entity.canonical_id, " ", info.entity.name, " ",
          info.entity.article_count, " ", info.mention_count);
      for (const EntityAlias& alias : info.aliases) {
        absl::StrAppend(&line, " ", alias.alias, "=", alias.article_count);
      }
      lines.push_back(line);
    }
    StoryQuery stories_query;
    stories_query.limit = 100;
    absl::StatusOr<std::vector<StoryInfo>> stories = db.Stories(stories_query);
    EXPECT_TRUE(stories.ok()) << stories.status();
    for (const StoryInfo& story : stories.value_or(std::vector<StoryInfo>())) {
      std::string line = absl::StrCat(
          "story ", story.id, " ", story.article_count, " ", story.headline,
          " ",
          absl::FormatTime(story.first_seen.value_or(absl::InfinitePast())),
          " ",
          absl::FormatTime(story.last_seen.value_or(absl::InfinitePast())));
      for (const EntityRef& entity : story.top_entities) {
        absl::StrAppend(&line, " ", entity.canonical_id, "=",
                        entity.article_count);
      }
      lines.push_back(line);
    }
    for (const char* text : {"ferry", "crane", "berth 7", "pilots calm"}) {
      SearchRequest request;
      request.text = text;
      request.limit = 1000;
      lines.push_back(
          absl::StrCat("search ", text, ": ",
                       absl::StrJoin(HitIds(db.Search(request)), " ")));
      request.filter.entity = "Pilots";
      lines.push_back(absl::StrCat(
          "search ", text,
          " +Pilots: ", absl::StrJoin(HitIds(db.Search(request)), " ")));
    }
    return lines;
  };
  const std::vector<std::string> expected = summary(*small);
  EXPECT_EQ(CountOrDie(*split), 600);
  EXPECT_GT(expected.size(), 600u + 2u + 20u);
  EXPECT_EQ(summary(*split), expected);
  PgTestServer::DropDatabase(small_url);
}

TEST_F(PostgresArticleDbTest, LostConnectionIsReconnectedAndTheBatchStored) {
  const std::string name = absl::StrCat("nf_lost_", getpid());
  std::unique_ptr<ArticleDb> db = OpenOrDie(
      absl::StrCat(url_, "&application_name=", name), OpenMode::kReadWrite);
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(db->UpsertBatch({MakeArticle("before", "Before", "b")}).ok());
  ASSERT_EQ(PgTestServer::QueryValue(
                url_, absl::StrCat("SELECT count(pg_terminate_backend(pid)) "
                                   "FROM pg_stat_activity WHERE "
                                   "application_name = '",
                                   name, "'")),
            "1");
  absl::Status status = db->UpsertBatch({MakeArticle("after", "After", "a")});
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(CountOrDie(*db), 2);
}

// The search vector is built by the client; it must be the one the server's
// own to_tsvector() makes of the same words, limits included (a word of 2047
// bytes or more is left out, positions stop at 16383, a word keeps at most
// 256 of them, the body's positions follow the title's).
TEST_F(PostgresArticleDbTest, SearchVectorIsTheServersOwn) {
  std::unique_ptr<ArticleDb> db = OpenOrDie(url_, OpenMode::kReadWrite);
  ASSERT_NE(db, nullptr);
  std::vector<std::string> many;
  for (int i = 0; i < 17000; ++i) {
    many.push_back(i % 7 == 0 ? "lantern" : absl::StrCat("w", i % 50));
  }
  many.push_back("finale");
  std::vector<std::string> echoes(300, "echo");
  const std::string long_word(2046, 'q');
  const std::string too_long(2047, 'z');
  const std::vector<v1::Article> articles = {
      MakeArticle("plain", "Harbour Lights Return",
                  "The harbour lights return at dusk, and the lights stay."),
      MakeArticle("repeats", absl::StrJoin(echoes, " "),
                  absl::StrCat("echo ", absl::StrJoin(echoes, " "), " end")),
      MakeArticle("long", absl::StrCat("Lantern ", absl::StrJoin(many, " ")),
                  absl::StrJoin(many, " ")),
      MakeArticle("words", absl::StrCat(long_word, " ", too_long, " kept"),
                  absl::StrCat("Caf\xC3\xA9 Z\xC3\xBCrich 2031 covid19 x2 ",
                               too_long, " after")),
      MakeArticle("untitled", "", "Only a body here, body words."),
      MakeArticle("empty", "Only a title", ""),
      // Words sharing their first 8 bytes (the client sorts by those
      // first), shorter and longer ones, and repeats.
      MakeArticle("prefixes", "stationmaster stationm station stationmasters",
                  "stationmasters stationm stationma stationmaster "
                  "stationm stationmaster station stationa"),
  };
  ASSERT_TRUE(db->UpsertBatch(articles).ok());
  for (const v1::Article& article : articles) {
    const std::string sql = absl::StrCat(
        "SELECT search = setweight(to_tsvector('simple', $w$",
        SearchText(article.title(), 256 * 1024),
        "$w$), 'A') || setweight(to_tsvector('simple', $w$",
        SearchText(article.body(), 256 * 1024),
        "$w$), 'B') FROM articles WHERE id = '", article.id(), "'");
    EXPECT_EQ(PgTestServer::QueryValue(url_, sql), "t") << article.id();
  }
  // And the words are found, a phrase across the title's end too.
  EXPECT_THAT(HitIds(db->Search("\"lights return\"", 10)),
              ::testing::ElementsAre("plain"));
  EXPECT_THAT(HitIds(db->Search("zurich covid19", 10)),
              ::testing::ElementsAre("words"));
  EXPECT_THAT(HitIds(db->Search("\"title only\"", 10)), ::testing::IsEmpty());
}

// A read-write open makes `check` say `applied`; after `undo`, when it
// says `undone`, a read-only open leaves it so and the next read-write open
// applies it again.
void ExpectReadWriteOpenApplies(const std::string& url,
                                const std::string& check,
                                const std::string& applied,
                                const std::string& undo,
                                const std::string& undone) {
  {
    std::unique_ptr<ArticleDb> db = OpenOrDie(url, OpenMode::kReadWrite);
    ASSERT_NE(db, nullptr);
  }
  EXPECT_EQ(PgTestServer::QueryValue(url, check), applied);
  ASSERT_EQ(PgTestServer::Exec(url, undo), "");
  {
    std::unique_ptr<ArticleDb> reader = OpenOrDie(url, OpenMode::kReadOnly);
    ASSERT_NE(reader, nullptr);
  }
  EXPECT_EQ(PgTestServer::QueryValue(url, check), undone);
  std::unique_ptr<ArticleDb> db = OpenOrDie(url, OpenMode::kReadWrite);
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(PgTestServer::QueryValue(url, check), applied);
}

// Search vectors stay in their rows (STORAGE MAIN), also in a database
// made before that setting: the read-write open applies it.
TEST_F(PostgresArticleDbTest, SearchVectorsAreKeptInTheirRows) {
  ExpectReadWriteOpenApplies(
      url_,
      "SELECT attstorage FROM pg_attribute WHERE attrelid = "
      "'articles'::regclass AND attname = 'search'",
      "m", "ALTER TABLE articles ALTER COLUMN search SET STORAGE EXTENDED",
      "x");
}

// Articles of up to 8 KB are kept whole in their rows (no TOAST row), also
// in a database made before that setting; longer ones are still stored
// whole (compressed, out of line).
TEST_F(PostgresArticleDbTest, ArticlesUpTo8KbAreKeptInTheirRows) {
  ExpectReadWriteOpenApplies(
      url_,
      "SELECT coalesce(reloptions::text, '') FROM pg_class WHERE oid = "
      "'articles'::regclass",
      "{toast_tuple_target=8160}",
      "ALTER TABLE articles RESET (toast_tuple_target)", "");
  std::unique_ptr<ArticleDb> db = OpenOrDie(url_, OpenMode::kReadWrite);
  ASSERT_NE(db, nullptr);
  const std::string toast_rows =
      "SELECT (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) "
      "AS n FROM %s', reltoastrelid::regclass), false, true, '')))[1]::text "
      "FROM pg_class WHERE oid = 'articles'::regclass";
  std::string body;
  for (int i = 0; body.size() < 2500; ++i) {
    absl::StrAppend(&body, "Tide table ", i, " for the north quay. ");
  }
  ASSERT_TRUE(db->UpsertBatch({MakeArticle("mid", "Tides", body)}).ok());
  EXPECT_EQ(PgTestServer::QueryValue(url_, toast_rows), "0");
  std::string long_body;
  for (int i = 0; long_body.size() < 40000; ++i) {
    absl::StrAppend(&long_body, "Tide table ", i, " for the south quay. ");
  }
  ASSERT_TRUE(db->UpsertBatch({MakeArticle("long", "Tides", long_body)}).ok());
  EXPECT_NE(PgTestServer::QueryValue(url_, toast_rows), "0");
  for (const auto& [id, text] : {std::pair{"mid", body}, {"long", long_body}}) {
    absl::StatusOr<StoredArticle> stored = db->Get(id);
    ASSERT_TRUE(stored.ok()) << stored.status();
    EXPECT_EQ(stored->article.body(), text);
  }
}

// Alias rows leave room on their pages (fillfactor 80, also set on a
// database made before), so that a count change is a HOT update: the rows
// of 600 aliases fill several pages, and adding an article to every fifth
// leaves each row on its page (a HOT update writes the new version on the
// row's own page, as no indexed column changes; packed full, the new
// versions went to other pages, with index entries). The page, not the
// indexes' size: that depended on how the two writers interleaved.
TEST_F(PostgresArticleDbTest, AliasCountChangesKeepRowsOnTheirPages) {
  ExpectReadWriteOpenApplies(
      url_,
      "SELECT coalesce(reloptions::text, '') FROM pg_class WHERE oid = "
      "'entity_aliases'::regclass",
      "{fillfactor=80}", "ALTER TABLE entity_aliases RESET (fillfactor)", "");
  std::unique_ptr<ArticleDb> db = OpenOrDie(url_, OpenMode::kReadWrite);
  ASSERT_NE(db, nullptr);
  auto batch = [](const std::string& prefix, int step) {
    std::vector<v1::Article> articles;
    for (int i = 0; i < 600; i += step) {
      v1::Article article =
          MakeArticle(absl::StrCat(prefix, i), "Harbour pilots", "Tug crews.");
      const std::string name = absl::StrCat("Pilot Station ", i);
      AddEntity(article, name, v1::ORG, name, absl::StrCat("org:pilot-", i), 1,
                {name});
      articles.push_back(article);
    }
    return articles;
  };
  ASSERT_TRUE(db->UpsertBatch(batch("first-", 1)).ok());
  ASSERT_EQ(PgTestServer::QueryValue(
                url_, "SELECT pg_relation_size('entity_aliases') > 16384"),
            "t");
  const std::string pages =
      "SELECT string_agg(alias || '@' || (ctid::text::point)[0], ' ' "
      "ORDER BY alias) FROM entity_aliases";
  const std::string before = PgTestServer::QueryValue(url_, pages);
  ASSERT_TRUE(db->UpsertBatch(batch("second-", 5)).ok());
  EXPECT_EQ(PgTestServer::QueryValue(url_, pages), before);
  EXPECT_EQ(
      PgTestServer::QueryValue(
          url_, "SELECT count(*) FROM entity_aliases WHERE article_count = 2"),
      "120");
}

// Mentions have no primary or foreign key (a database made with them loses
// them at its next read-write open), and storing an article again, changed
// or not, alone or in a split batch, still leaves one mention per entity.
TEST_F(PostgresArticleDbTest, MentionsWithoutConstraintsStayOnePerEntity) {
  ExpectReadWriteOpenApplies(
      url_,
      "SELECT count(*) FROM pg_constraint WHERE conrelid = "
      "'mentions'::regclass AND contype IN ('p', 'f')",
      "0",
      "ALTER TABLE mentions ADD PRIMARY KEY (canonical_id, article_seq), "
      "ADD FOREIGN KEY (article_seq) REFERENCES articles (seq) ON DELETE "
      "CASCADE",
      "2");
  std::unique_ptr<ArticleDb> db = OpenOrDie(url_, OpenMode::kReadWrite);
  ASSERT_NE(db, nullptr);
  std::vector<v1::Article> batch;
  for (int i = 0; i < 300; ++i) {
    v1::Article article =
        MakeArticle(absl::StrCat("orchard-", i), "Orchard frost warning",
                    "Growers cover the young trees before dawn.");
    article.set_story_id(absl::StrCat("frost-", i % 7));
    AddEntity(article, "Growers Union", v1::ORG, "Growers Union", "org:growers",
              1, {"Growers Union"});
    AddEntity(article, "Vale", v1::LOC, "Vale", "loc:vale", 2, {"Vale"});
    batch.push_back(article);
  }
  for (int round = 0; round < 3; ++round) {
    if (round == 2) {
      // Changed articles replace their mentions.
      for (v1::Article& article : batch) article.set_body("Frost came late.");
    }
    absl::Status status = db->UpsertBatch(batch);
    ASSERT_TRUE(status.ok()) << status;
    status = db->UpsertBatch({batch[0]});
    ASSERT_TRUE(status.ok()) << status;
  }
  EXPECT_EQ(PgTestServer::QueryValue(url_, "SELECT count(*) FROM mentions"),
            "600");
  EXPECT_EQ(PgTestServer::QueryValue(
                url_,
                "SELECT count(*) FROM (SELECT canonical_id, article_seq FROM "
                "mentions GROUP BY 1, 2 HAVING count(*) > 1) AS d"),
            "0");
  SearchRequest request;
  request.filter.entity = "Vale";
  request.limit = 500;
  absl::StatusOr<std::vector<SearchHit>> vale = db->Search(request);
  ASSERT_TRUE(vale.ok()) << vale.status();
  EXPECT_EQ(vale->size(), 300u);
}

// An article of story `story`.
v1::Article ArticleOfStory(const std::string& id, const std::string& story) {
  v1::Article made = MakeArticle(id, "Ferry timetable", "Boats run late.");
  made.set_story_id(story);
  return made;
}

// A story goes when its last article moves to another story, also in a
// batch of new articles (which alone never empty a story).
TEST_F(PostgresArticleDbTest, StoryLeftByItsLastArticleGoes) {
  std::unique_ptr<ArticleDb> db = OpenOrDie(url_, OpenMode::kReadWrite);
  ASSERT_NE(db, nullptr);
  auto story_ids = [&db] {
    std::vector<std::string> ids;
    absl::StatusOr<std::vector<StoryInfo>> stories = db->Stories({});
    EXPECT_TRUE(stories.ok()) << stories.status();
    if (stories.ok()) {
      for (const StoryInfo& story : *stories) ids.push_back(story.id);
    }
    std::sort(ids.begin(), ids.end());
    return ids;
  };
  ASSERT_TRUE(db->UpsertBatch(
                    {ArticleOfStory("a", "quay"), ArticleOfStory("b", "pier")})
                  .ok());
  ASSERT_TRUE(db->UpsertBatch({ArticleOfStory("c", "pier")}).ok());
  EXPECT_THAT(story_ids(), ::testing::ElementsAre("pier", "quay"));
  ASSERT_TRUE(db->UpsertBatch(
                    {ArticleOfStory("d", "dock"), ArticleOfStory("a", "slip")})
                  .ok());
  EXPECT_THAT(story_ids(), ::testing::ElementsAre("dock", "pier", "slip"));
}

#ifdef NEWSFLOW_TEST_HAVE_LIBPQ
// A transaction of another application's session, holding rows that the
// store's batches must wait for until it commits.
class ForeignTransaction {
 public:
  // Connects and begins the transaction; false (and a test failure) when
  // that fails.
  bool Begin(const std::string& url) {
    connection_.reset(PQconnectdb(url.c_str()));
    EXPECT_EQ(PQstatus(connection_.get()), CONNECTION_OK)
        << PQerrorMessage(connection_.get());
    return PQstatus(connection_.get()) == CONNECTION_OK && Exec("BEGIN");
  }
  // Runs `sql`; false (and a test failure) unless it succeeds.
  bool Exec(const char* sql) {
    PGresult* result = PQexec(connection_.get(), sql);
    const bool ok = PQresultStatus(result) == PGRES_COMMAND_OK;
    EXPECT_TRUE(ok) << sql << ": " << PQresultErrorMessage(result);
    PQclear(result);
    return ok;
  }
  // The server process of this transaction's connection.
  int BackendPid() const { return PQbackendPID(connection_.get()); }

 private:
  std::unique_ptr<PGconn, void (*)(PGconn*)> connection_{nullptr, PQfinish};
};

// The number of sessions waiting for a lock `foreign` holds, once it is 1
// or after 10 s. Only sessions it blocks count: the tests of one run share
// a database (a schema each), and a test running beside this one has its
// own waiting sessions (CI ci37 and ci38 saw "2").
std::string SessionsWaitingFor(const std::string& url,
                               const ForeignTransaction& foreign) {
  const std::string query =
      absl::StrCat("SELECT count(*) FROM pg_stat_activity WHERE ",
                   foreign.BackendPid(), " = ANY(pg_blocking_pids(pid))");
  std::string waiting;
  for (int i = 0; i < 200 && waiting != "1"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    waiting = PgTestServer::QueryValue(url, query);
  }
  return waiting;
}

// A batch inserts the articles it read as new without a conflict clause
// (under their locks no store writes them). A writer without those locks
// that inserts one meanwhile fails that attempt, and the next one reads
// and replaces its row.
TEST_F(PostgresArticleDbTest, ArticleInsertedWithoutTheLocksIsReplaced) {
  std::unique_ptr<ArticleDb> db = OpenOrDie(url_, OpenMode::kReadWrite);
  ASSERT_NE(db, nullptr);
  ForeignTransaction foreign;
  ASSERT_TRUE(foreign.Begin(url_));
  ASSERT_TRUE(foreign.Exec(
      "INSERT INTO articles (id, source, url, title, body, "
      "published_at, language, story_id, stored_at, article, outlet, "
      "search) VALUES ('quince', '', '', 'Foreign', '', '', '', '', '', "
      "'\\x', '', '')"));
  absl::Status status;
  std::thread writer([&] {
    status = db->UpsertBatch(
        {MakeArticle("quince", "Quince harvest", "Pickers start early.")});
  });
  // The batch waits for the foreign row's transaction.
  EXPECT_EQ(SessionsWaitingFor(url_, foreign), "1");
  ASSERT_TRUE(foreign.Exec("COMMIT"));
  writer.join();
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(CountOrDie(*db), 1);
  absl::StatusOr<StoredArticle> stored = db->Get("quince");
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->article.title(), "Quince harvest");
  EXPECT_THAT(HitIds(db->Search("pickers", 10)),
              ::testing::ElementsAre("quince"));
}

// Stories with articles but no row, and rows counting other than their
// articles; empty when the story rows are right.
std::string StoryRowErrors(const std::string& url) {
  return absl::StrCat(
      PgTestServer::QueryValue(
          url,
          "SELECT coalesce(string_agg('no row: ' || story_id, ' '), '') FROM "
          "(SELECT DISTINCT story_id FROM articles AS a WHERE story_id <> '' "
          "AND NOT EXISTS (SELECT 1 FROM stories AS s WHERE s.id = "
          "a.story_id)) AS lost"),
      PgTestServer::QueryValue(
          url,
          "SELECT coalesce(string_agg(id || ' counts ' || article_count, ' '), "
          "'') FROM stories AS s WHERE article_count <> (SELECT count(*) FROM "
          "articles WHERE story_id = s.id)"));
}

// One writer: a batch of kParallelBatch articles or more is stored in two
// transactions at once. An article leaving story S (its last) and a new
// article joining S must be stored by the same one, or the one moving the
// article empties S while the other adds to it, neither seeing the other's
// article. `to` is chosen so that a split by new story alone separates
// them.
TEST_F(PostgresArticleDbTest, SplitBatchMovingAndJoiningAStoryKeepsItsRow) {
  std::unique_ptr<ArticleDb> db = OpenOrDie(url_, OpenMode::kReadWrite);
  ASSERT_NE(db, nullptr);
  for (int round = 0; round < 40; ++round) {
    const std::string from = absl::StrCat("from-", round);
    std::string to;
    for (int k = 0;
         to.empty() || StableHash64(to) % 2 == StableHash64(from) % 2; ++k) {
      to = absl::StrCat("to-", round, "-", k);
    }
    v1::Article mover = MakeArticle(absl::StrCat("m", round), "Mover", "Body.");
    mover.set_story_id(from);
    ASSERT_TRUE(db->UpsertBatch({mover}).ok());
    mover.set_story_id(to);
    mover.set_body("Moved body.");
    v1::Article joiner =
        MakeArticle(absl::StrCat("j", round), "Joiner", "Body.");
    joiner.set_story_id(from);
    std::vector<v1::Article> batch = {mover, joiner};
    for (int f = 0; f < 300; ++f) {
      v1::Article filler = MakeArticle(absl::StrCat("f", round, "-", f),
                                       "Filler", "Filler body words.");
      filler.set_story_id(absl::StrCat("fill-", round, "-", f % 10));
      batch.push_back(filler);
    }
    ASSERT_TRUE(db->UpsertBatch(batch).ok());
  }
  EXPECT_EQ(StoryRowErrors(url_), "");
}

// Two writers: one adds to story s-lone and waits for the lock of another
// story it touches, held by a foreign transaction; meanwhile the other
// moves s-lone's last committed article away and commits, not seeing the
// first's article. The first then locks s-lone and must find its row.
TEST_F(PostgresArticleDbTest, StoryEmptiedByAnotherWriterKeepsItsRow) {
  std::unique_ptr<ArticleDb> db = OpenOrDie(url_, OpenMode::kReadWrite);
  ASSERT_NE(db, nullptr);
  std::unique_ptr<ArticleDb> other = OpenOrDie(url_, OpenMode::kReadWrite);
  ASSERT_NE(other, nullptr);
  ASSERT_TRUE(db->UpsertBatch({ArticleOfStory("k0", "a-known"),
                               ArticleOfStory("a1", "s-lone")})
                  .ok());
  ForeignTransaction foreign;
  ASSERT_TRUE(foreign.Begin(url_));
  ASSERT_TRUE(foreign.Exec(
      "DO $$ BEGIN PERFORM 1 FROM stories WHERE id = 'a-known' FOR UPDATE; "
      "END $$"));
  absl::Status status;
  std::thread writer([&] {
    status = db->UpsertBatch(
        {ArticleOfStory("n1", "s-lone"), ArticleOfStory("n2", "a-known")});
  });
  // The batch has written its articles and waits to lock a-known.
  EXPECT_EQ(SessionsWaitingFor(url_, foreign), "1");
  EXPECT_TRUE(other->UpsertBatch({ArticleOfStory("a1", "elsewhere")}).ok());
  ASSERT_TRUE(foreign.Exec("COMMIT"));
  writer.join();
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(StoryRowErrors(url_), "");
  EXPECT_EQ(PgTestServer::QueryValue(
                url_, "SELECT article_count FROM stories WHERE id = 's-lone'"),
            "1");
}

// A batch that starts a story writes its row from the batch's own articles.
// Two writers starting one story at once: the one that meets the other's
// row waits for it and then summarizes the story from the table, counting
// both articles.
TEST_F(PostgresArticleDbTest, StoryStartedByTwoWritersAtOnceCountsBoth) {
  std::unique_ptr<ArticleDb> db = OpenOrDie(url_, OpenMode::kReadWrite);
  ASSERT_NE(db, nullptr);
  // The other writer has stored its article and its new story's row.
  ForeignTransaction foreign;
  ASSERT_TRUE(foreign.Begin(url_));
  ASSERT_TRUE(foreign.Exec(
      "INSERT INTO articles (id, source, url, title, body, published_at, "
      "language, story_id, stored_at, article, outlet, seen_at, search) "
      "VALUES ('twin-a', '', '', 'First twin', '', '2031-04-01T00:00:00Z', "
      "'', 's-twin', '', '\\x', 'a.test', 1932768000, '')"));
  ASSERT_TRUE(foreign.Exec(
      "INSERT INTO stories VALUES ('s-twin', 1932768000, 1932768000, 1, "
      "'a.test', 'First twin')"));
  absl::Status status;
  std::thread writer(
      [&] { status = db->UpsertBatch({ArticleOfStory("twin-b", "s-twin")}); });
  EXPECT_EQ(SessionsWaitingFor(url_, foreign), "1");
  ASSERT_TRUE(foreign.Exec("COMMIT"));
  writer.join();
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(StoryRowErrors(url_), "");
  EXPECT_EQ(PgTestServer::QueryValue(
                url_,
                "SELECT article_count || ' ' || headline || ' ' || "
                "replace(outlets, E'\\n', ',') FROM stories WHERE id = "
                "'s-twin'"),
            "2 First twin a.test,example.test");
}

// Story ids that differ only by NUL characters are one story on PostgreSQL
// (its text columns drop them): a batch starting it counts both articles.
TEST_F(PostgresArticleDbTest, StoryIdsEqualWithoutNulsAreOneStory) {
  std::unique_ptr<ArticleDb> db = OpenOrDie(url_, OpenMode::kReadWrite);
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(
      db->UpsertBatch({ArticleOfStory("pool-1", "tidepool"),
                       ArticleOfStory("pool-2", std::string("tide\0pool", 9))})
          .ok());
  EXPECT_EQ(StoryRowErrors(url_), "");
  EXPECT_EQ(
      PgTestServer::QueryValue(
          url_, "SELECT article_count FROM stories WHERE id = 'tidepool'"),
      "2");
}

// Entity ids and aliases that differ only by NUL characters are one row on
// PostgreSQL too: a batch naming both spellings counts each article once
// in that row, keeps one join rule, and an article naming both ids has one
// mention row (the upserts failed the batch, "cannot affect row a second
// time", and the store retried it forever).
TEST_F(PostgresArticleDbTest, EntityIdsAndAliasesEqualWithoutNulsAreOneRow) {
  std::unique_ptr<ArticleDb> db = OpenOrDie(url_, OpenMode::kReadWrite);
  ASSERT_NE(db, nullptr);
  const std::string quay_with_nul("Qu\0ay", 5);
  const std::string dock_id_with_nul("loc:do\0ck", 9);
  v1::Article a = MakeArticle("al-1", "Quay", "x");
  AddEntity(a, "Quay", v1::LOC, "Quay", "loc:quay", 1, {"Quay"});
  v1::Article b = MakeArticle("al-2", "Quay", "y");
  AddAliasRule(
      AddEntity(b, "Quay", v1::LOC, "Quay", "loc:quay", 1, {quay_with_nul}),
      quay_with_nul, "spelling");
  v1::Article c = MakeArticle("en-1", "Dock", "x");
  AddEntity(c, "Dock", v1::LOC, "Dock", "loc:dock", 2, {"Dock"});
  AddEntity(c, "Dock", v1::LOC, "Dock", dock_id_with_nul, 1,
            {std::string("Do\0ck", 5)});
  v1::Article d = MakeArticle("en-2", "Dock", "y");
  AddEntity(d, "Dock", v1::LOC, "Dock", dock_id_with_nul, 1, {"Dock"});
  // An id or alias of only NULs is stored as '': none.
  AddEntity(d, "Void", v1::LOC, "Void", std::string("\0", 1), 1,
            {std::string("\0\0", 2)});
  const absl::Status status = db->UpsertBatch({a, b, c, d});
  ASSERT_TRUE(status.ok()) << status;
  const std::string entities =
      "SELECT string_agg(quote_literal(canonical_id) || ' ' || article_count "
      "|| ' ' || mention_count, ',' ORDER BY canonical_id) FROM entities";
  const std::string aliases =
      "SELECT string_agg(canonical_id || ' ' || quote_literal(alias) || ' ' "
      "|| article_count || ' ' || quote_literal(join_rule), ',' ORDER BY "
      "canonical_id, alias) FROM entity_aliases";
  const std::string mentions =
      "SELECT string_agg(a.id || ' ' || m.canonical_id || ' ' || m.mentions, "
      "',' ORDER BY a.id, m.canonical_id) FROM mentions AS m JOIN articles "
      "AS a ON a.seq = m.article_seq";
  EXPECT_EQ(PgTestServer::QueryValue(url_, entities),
            "'loc:dock' 2 4,'loc:quay' 2 2");
  EXPECT_EQ(PgTestServer::QueryValue(url_, aliases),
            "loc:dock 'Dock' 2 '',loc:quay 'Quay' 2 'spelling'");
  EXPECT_EQ(PgTestServer::QueryValue(url_, mentions),
            "al-1 loc:quay 1,al-2 loc:quay 1,en-1 loc:dock 3,en-2 loc:dock 1");
  // Replacing the article that named both ids subtracts it once.
  ASSERT_TRUE(db->UpsertBatch({MakeArticle("en-1", "Dock", "z")}).ok());
  EXPECT_EQ(PgTestServer::QueryValue(url_, entities),
            "'loc:dock' 1 1,'loc:quay' 2 2");
  EXPECT_EQ(PgTestServer::QueryValue(url_, aliases),
            "loc:dock 'Dock' 1 '',loc:quay 'Quay' 2 'spelling'");
}

// Article ids that differ only by NUL characters are one article on
// PostgreSQL: in one batch the later one is stored (a second insert of the
// row failed the batch on every retry), with one mention row per entity,
// also when it replaces a stored version.
TEST_F(PostgresArticleDbTest, ArticleIdsEqualWithoutNulsAreOneArticle) {
  std::unique_ptr<ArticleDb> db = OpenOrDie(url_, OpenMode::kReadWrite);
  ASSERT_NE(db, nullptr);
  auto batch = [](const std::string& later_title) {
    v1::Article plain = MakeArticle("pier", "Earlier", "x");
    AddEntity(plain, "Pier", v1::LOC, "Pier", "loc:pier", 1, {"Pier"});
    v1::Article with_nul =
        MakeArticle(std::string("pi\0er", 5), later_title, "y");
    AddEntity(with_nul, "Pier", v1::LOC, "Pier", "loc:pier", 2, {"Pier"});
    return std::vector<v1::Article>{plain, with_nul};
  };
  const std::string rows =
      "SELECT (SELECT string_agg(id || ' ' || title, ',') FROM articles) || "
      "' | ' || (SELECT string_agg(canonical_id || ' ' || mentions, ',') "
      "FROM mentions) || ' | ' || (SELECT string_agg(canonical_id || ' ' || "
      "article_count || ' ' || mention_count, ',') FROM entities)";
  for (const std::string title : {"Later", "Changed"}) {
    const absl::Status status = db->UpsertBatch(batch(title));
    ASSERT_TRUE(status.ok()) << status;
    EXPECT_EQ(PgTestServer::QueryValue(url_, rows),
              absl::StrCat("pier ", title, " | loc:pier 2 | loc:pier 1 2"));
  }
}

// A story with stored articles but no row (as an older version could leave
// one) is not taken for one the batch starts: it is summarized from all of
// its articles.
TEST_F(PostgresArticleDbTest, StoryWithoutARowIsSummarizedFromItsArticles) {
  std::unique_ptr<ArticleDb> db = OpenOrDie(url_, OpenMode::kReadWrite);
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(db->UpsertBatch({ArticleOfStory("old-1", "s-rowless"),
                               ArticleOfStory("old-2", "s-rowless")})
                  .ok());
  ASSERT_EQ(PgTestServer::QueryValue(
                url_,
                "WITH d AS (DELETE FROM stories WHERE id = 's-rowless' "
                "RETURNING 1) SELECT count(*) FROM d"),
            "1");
  ASSERT_TRUE(db->UpsertBatch({ArticleOfStory("new-1", "s-rowless")}).ok());
  EXPECT_EQ(StoryRowErrors(url_), "");
  EXPECT_EQ(
      PgTestServer::QueryValue(
          url_, "SELECT article_count FROM stories WHERE id = 's-rowless'"),
      "3");
}

// Every story row against a recomputation from the articles (count, first
// and last seen, outlets, headline); rows with count 0 must have no
// articles. Empty when they agree, else "id:row count/article count" each.
std::string StoryRowMismatches(const std::string& url) {
  return PgTestServer::QueryValue(
      url,
      "WITH agg AS (SELECT story_id, count(*) AS n, "
      "coalesce(min(seen_at) FILTER (WHERE published_at <> ''), "
      "min(seen_at)) AS f, coalesce(max(seen_at) FILTER (WHERE "
      "published_at <> ''), max(seen_at)) AS l, coalesce(string_agg("
      "DISTINCT outlet COLLATE \"C\", E'\\n' ORDER BY outlet COLLATE \"C\") "
      "FILTER (WHERE outlet <> ''), '') AS o, (array_agg(title ORDER BY "
      "seen_at ASC NULLS LAST, seq))[1] AS h FROM articles WHERE story_id "
      "<> '' GROUP BY story_id), cmp AS (SELECT coalesce(s.id, a.story_id) "
      "AS id, s.article_count AS sn, a.n FROM (SELECT * FROM stories WHERE "
      "article_count > 0) AS s FULL JOIN agg AS a ON a.story_id = s.id "
      "WHERE s.id IS NULL OR a.story_id IS NULL OR s.article_count <> a.n "
      "OR s.first_seen IS DISTINCT FROM a.f OR s.last_seen IS DISTINCT "
      "FROM a.l OR s.outlets <> a.o OR s.headline IS DISTINCT FROM a.h) "
      "SELECT coalesce(string_agg(id || ':' || coalesce(sn::text, '-') || "
      "'/' || coalesce(n::text, '-'), ' '), '') FROM cmp");
}

// Random batches from two replicas (and split batches) at once:
// new stories started by both, articles moving between stories, stories
// emptied and refilled, unchanged re-stores, NUL and non-ASCII story ids,
// varied times, outlets and titles. Every story row must equal the
// recomputation. (From review 14d; about a second.)
TEST_F(PostgresArticleDbTest, ConcurrentRandomBatchesKeepStoryRowsExact) {
  std::unique_ptr<ArticleDb> dbs[2] = {OpenOrDie(url_, OpenMode::kReadWrite),
                                       OpenOrDie(url_, OpenMode::kReadWrite)};
  ASSERT_NE(dbs[0], nullptr);
  ASSERT_NE(dbs[1], nullptr);
  const std::vector<std::string> stories = {"s-a",
                                            "s-b",
                                            "s-c",
                                            std::string("s-\0d", 4),
                                            "s-d",
                                            "s-\xc3\xa9",
                                            "s-\xe2\x82\xac",
                                            "s-f",
                                            "s-g",
                                            "s-h"};
  int fresh = 0;
  auto make = [&](std::mt19937& rng, int id_space) {
    v1::Article a = MakeArticle(absl::StrCat("r", rng() % id_space),
                                absl::StrCat("T", rng() % 7),
                                absl::StrCat("body ", rng() % 5));
    a.set_story_id(stories[rng() % stories.size()]);
    if (rng() % 2 == 0)
      a.set_story_id(absl::StrCat("new-", fresh, "-", rng() % 3));
    if (rng() % 5 == 0) a.set_story_id("");
    const int t = static_cast<int>(rng() % 4);
    if (t == 0) a.set_published_at("");
    if (t == 1)
      a.set_published_at(
          absl::StrCat("2031-04-0", 1 + rng() % 9, "T08:15:00Z"));
    if (t == 2) a.set_published_at("garbage");
    a.set_ingested_at(
        rng() % 2 ? absl::StrCat("2031-05-0", 1 + rng() % 9, "T00:00:00Z")
                  : "");
    a.set_url(absl::StrCat("https://o", rng() % 4, ".test/x"));
    return a;
  };
  // Another seed explores other batches (NEWSFLOW_TEST_STORY_SEED).
  const char* seed_text = std::getenv("NEWSFLOW_TEST_STORY_SEED");
  const int seed = seed_text != nullptr ? std::atoi(seed_text) : 0;
  for (int round = 0; round < 60; ++round) {
    fresh = round;
    absl::Status statuses[2];
    std::thread threads[2];
    for (int w = 0; w < 2; ++w) {
      threads[w] = std::thread([&, w] {
        std::mt19937 rng(seed * 1000 + round * 7 + w);
        std::vector<v1::Article> batch;
        const int n = round % 5 == 4 ? 300 : 1 + static_cast<int>(rng() % 8);
        for (int i = 0; i < n; ++i) batch.push_back(make(rng, 400));
        statuses[w] = dbs[w]->UpsertBatch(batch);
      });
    }
    for (std::thread& t : threads) t.join();
    ASSERT_TRUE(statuses[0].ok()) << statuses[0];
    ASSERT_TRUE(statuses[1].ok()) << statuses[1];
    ASSERT_EQ(StoryRowMismatches(url_), "") << "round " << round;
  }
  EXPECT_EQ(StoryRowErrors(url_), "");
}

// Re-storing an unchanged article writes no new story row version.
TEST_F(PostgresArticleDbTest, UnchangedRestoreWritesNoStoryRow) {
  std::unique_ptr<ArticleDb> db = OpenOrDie(url_, OpenMode::kReadWrite);
  ASSERT_NE(db, nullptr);
  const v1::Article a = ArticleOfStory("u1", "s-u");
  ASSERT_TRUE(db->UpsertBatch({a}).ok());
  const std::string before = PgTestServer::QueryValue(
      url_, "SELECT xmin::text || ctid::text FROM stories WHERE id = 's-u'");
  ASSERT_TRUE(db->UpsertBatch({a}).ok());
  EXPECT_EQ(PgTestServer::QueryValue(
                url_,
                "SELECT xmin::text || ctid::text FROM stories WHERE id = "
                "'s-u'"),
            before);
  EXPECT_EQ(StoryRowMismatches(url_), "");
}

// An older database (without the storage setting of articles) opened
// read-write on a server that refuses writes opens, as before the setting,
// and leaves the setting unapplied; writes are refused batch by batch.
TEST_F(PostgresArticleDbTest, OldDatabaseReadWriteOpenOnReadOnlyServer) {
  {
    std::unique_ptr<ArticleDb> db = OpenOrDie(url_, OpenMode::kReadWrite);
    ASSERT_NE(db, nullptr);
    ASSERT_TRUE(db->UpsertBatch({MakeArticle("kept", "Kept", "yes")}).ok());
  }
  ASSERT_EQ(PgTestServer::Exec(
                url_, "ALTER TABLE articles RESET (toast_tuple_target)"),
            "");
  absl::StatusOr<std::unique_ptr<ArticleDb>> db = ArticleDb::Open(
      url_ + "%20-cdefault_transaction_read_only%3Don", OpenMode::kReadWrite);
  EXPECT_TRUE(db.ok()) << db.status();
  absl::StatusOr<std::unique_ptr<ArticleDb>> reader =
      ArticleDb::Open(url_, OpenMode::kReadOnly);
  ASSERT_TRUE(reader.ok()) << reader.status();
  EXPECT_EQ(PgTestServer::QueryValue(url_,
                                     "SELECT coalesce(reloptions::text, '') "
                                     "FROM pg_class WHERE oid = "
                                     "'articles'::regclass"),
            "");
}

// A story id made only of NULs is stored as '' (see TextArray): no story,
// not one gathering every article without a story.
TEST_F(PostgresArticleDbTest, StoryIdOfOnlyNulsIsNoStory) {
  std::unique_ptr<ArticleDb> db = OpenOrDie(url_, OpenMode::kReadWrite);
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(db->UpsertBatch({MakeArticle("plain", "Plain", "x")}).ok());
  ASSERT_TRUE(
      db->UpsertBatch({ArticleOfStory("nul", std::string("\0", 1))}).ok());
  EXPECT_EQ(PgTestServer::QueryValue(
                url_,
                "SELECT coalesce(string_agg(quote_literal(id) || ' ' || "
                "article_count, ','), 'none') FROM stories"),
            "none");
  absl::StatusOr<std::vector<StoryInfo>> listed = db->Stories({});
  ASSERT_TRUE(listed.ok());
  for (const StoryInfo& s : *listed) {
    ADD_FAILURE() << "listed story '" << s.id << "' of " << s.article_count;
  }
}

// After xid wraparound a frozen story row keeps its raw xmin, which the
// current xid (mod 2^32) can equal: the row must still be summarized. Needs
// a server prepared by hand, so out of the suite: with NEWSFLOW_XID_URL set,
// run with NEWSFLOW_XID_PHASE=1 (prints the row's xmin), stop the server,
// `pg_resetwal -e 1 -x <xmin> <datadir>`, start it, run with phase 2.
TEST(PostgresXidWraparound, DISABLED_FrozenRowWithOwnRawXminIsSummarized) {
  const char* url = std::getenv("NEWSFLOW_XID_URL");
  const char* phase = std::getenv("NEWSFLOW_XID_PHASE");
  if (url == nullptr || phase == nullptr) GTEST_SKIP() << "manual";
  std::unique_ptr<ArticleDb> db = OpenOrDie(url, OpenMode::kReadWrite);
  ASSERT_NE(db, nullptr);
  if (std::string(phase) == "1") {
    ASSERT_TRUE(db->UpsertBatch({ArticleOfStory("w1", "s-wrap")}).ok());
    PgTestServer::Exec(url, "VACUUM FREEZE stories");
    std::cout << "XMIN "
              << PgTestServer::QueryValue(
                     url, "SELECT xmin FROM stories WHERE id = 's-wrap'")
              << "\n";
    return;
  }
  ASSERT_TRUE(db->UpsertBatch({ArticleOfStory("w2", "s-wrap")}).ok());
  EXPECT_EQ(StoryRowErrors(url), "");
  EXPECT_EQ(StoryRowMismatches(url), "");
}
#endif

TEST_F(PostgresArticleDbTest, SqliteOnlyQuerySyntaxIsExplained) {
  std::unique_ptr<ArticleDb> db = OpenOrDie(url_, OpenMode::kReadWrite);
  ASSERT_NE(db, nullptr);
  absl::StatusOr<std::vector<SearchHit>> near = db->Search("NEAR(a b, 3)", 5);
  EXPECT_EQ(near.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(near.status().message()), HasSubstr("SQLite"));
}

}  // namespace
}  // namespace newsflow::store_test
