// The store's command-line verbs (what `newsflow query|stories|entities|show|
// export|import` run), on both backends.
#include "stages/store/store_cli.h"

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/article_json.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "stages/store/article_db.h"
#include "tests/unit/stages/store_test_support.h"

namespace newsflow::store_test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using OpenMode = ArticleDb::OpenMode;

struct Output {
  int exit_code = -1;
  std::string out;
  std::string err;
};

std::vector<std::string> Lines(const std::string& text) {
  return absl::StrSplit(text, '\n', absl::SkipEmpty());
}

class StoreCliTest : public BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    std::unique_ptr<ArticleDb> db = OpenOrDie(location(), OpenMode::kReadWrite);
    ASSERT_NE(db, nullptr);
    v1::Article speech =
        MakeArticle("g1c0ffee5eed", "Gaddafi speaks in Tripoli",
                    "Muammar Gaddafi addressed a crowd "
                    "about the ceasefire.");
    speech.set_story_id("speech");
    speech.set_published_at("2031-04-02T08:00:00Z");
    AddEntity(speech, "Muammar Gaddafi", v1::PERSON, "Muammar Gaddafi",
              "person:gaddafi", 2, {"Muammar Gaddafi", "Gaddafi"});
    AddEntity(speech, "Tripoli", v1::LOC, "Tripoli", "loc:tripoli", 1,
              {"Tripoli"});
    for (const char* stage : {"ingest", "clean", "tag", "store"}) {
      v1::TraceHop* hop = speech.add_trace();
      hop->set_stage(stage);
      hop->set_pid(4242);
    }
    speech.mutable_trace(0)->set_at("2031-04-02T08:01:00.000000Z");
    speech.mutable_trace(1)->set_at("2031-04-02T08:01:00.002500Z");
    speech.mutable_trace(2)->set_at("2031-04-02T08:01:00.010000Z");
    speech.mutable_trace(3)->set_at("2031-04-02T08:01:00.011000Z");
    speech.add_warnings("converted from windows-1252");
    v1::Article envoys = MakeArticle("g3", "Kadafi meets envoys",
                                     "Envoys discussed the ceasefire with "
                                     "Kadafi.");
    envoys.set_story_id("speech");
    envoys.set_published_at("2031-04-03T09:00:00Z");
    envoys.set_url("https://www.wire.test/envoys");
    envoys.set_source("wire");
    AddEntity(envoys, "Kadafi", v1::PERSON, "Muammar Gaddafi", "person:gaddafi",
              1, {"Kadafi"});
    v1::Article harbour = MakeArticle("h1", "Harbour crane repaired",
                                      "Dockers welcomed the news.");
    harbour.set_published_at("2031-03-01T09:00:00Z");
    articles_ = {speech, envoys, harbour};
    ASSERT_TRUE(db->UpsertBatch(articles_).ok());
  }

  template <typename Args, typename Run>
  Output Capture(const Args& args, Run run) {
    std::ostringstream out, err;
    Output output;
    output.exit_code = run(args, out, err);
    output.out = out.str();
    output.err = err.str();
    return output;
  }

  std::vector<v1::Article> articles_;
};

TEST_P(StoreCliTest, QueryPrintsRankedHitsWithSnippetsAndIds) {
  QueryArgs args;
  args.db = location();
  args.text = "ceasefire";
  Output output = Capture(args, RunQuery);
  ASSERT_EQ(output.exit_code, 0) << output.err;
  EXPECT_THAT(output.out, HasSubstr(" 1. "));
  EXPECT_THAT(output.out, HasSubstr(" 2. "));
  EXPECT_THAT(output.out, HasSubstr("id g1c0ffee5eed"));
  EXPECT_THAT(output.out, HasSubstr("story speech"));
  EXPECT_THAT(output.out, HasSubstr("\u00abceasefire\u00bb"));
  EXPECT_THAT(output.out, Not(HasSubstr("Harbour")));
}

TEST_P(StoreCliTest, QueryFiltersByAnyAliasAndPrintsJson) {
  QueryArgs args;
  args.db = location();
  args.filter.entity = "Kadafi";
  args.json = true;
  Output output = Capture(args, RunQuery);
  ASSERT_EQ(output.exit_code, 0) << output.err;
  std::vector<std::string> lines = Lines(output.out);
  ASSERT_EQ(lines.size(), 2u) << output.out;
  EXPECT_THAT(lines[0], HasSubstr("\"id\":\"g3\"")) << "newest first";
  EXPECT_THAT(lines[1], HasSubstr("\"id\":\"g1c0ffee5eed\""));
  EXPECT_THAT(lines[1], HasSubstr("\"story_id\":\"speech\""));

  args.filter.entity.clear();
  args.filter.source = "wire";
  args.text = "ceasefire";
  output = Capture(args, RunQuery);
  ASSERT_EQ(output.exit_code, 0) << output.err;
  ASSERT_EQ(Lines(output.out).size(), 1u);
  EXPECT_THAT(output.out, HasSubstr("\"id\":\"g3\""));

  args.filter = {};
  args.filter.until = "2031-04-02";  // The whole day.
  output = Capture(args, RunQuery);
  ASSERT_EQ(output.exit_code, 0) << output.err;
  ASSERT_EQ(Lines(output.out).size(), 1u);
  EXPECT_THAT(output.out, HasSubstr("\"id\":\"g1c0ffee5eed\""));
}

TEST_P(StoreCliTest, QueryMistakesAreUsageErrors) {
  QueryArgs args;
  args.db = location();
  args.text = "ceasefire AND (";
  Output output = Capture(args, RunQuery);
  EXPECT_EQ(output.exit_code, 2);
  EXPECT_THAT(output.err, HasSubstr("\"ceasefire AND (\""));
  EXPECT_TRUE(output.out.empty());

  args.text = "ceasefire";
  args.filter.since = "last tuesday";
  output = Capture(args, RunQuery);
  EXPECT_EQ(output.exit_code, 2);
  EXPECT_THAT(output.err, HasSubstr("--since"));

  args.filter = {};
  args.filter.type = "planet";
  output = Capture(args, RunQuery);
  EXPECT_EQ(output.exit_code, 2);
  EXPECT_THAT(output.err, HasSubstr("planet"));

  QueryArgs nothing;
  nothing.db = location();
  output = Capture(nothing, RunQuery);
  EXPECT_EQ(output.exit_code, 2);
  EXPECT_THAT(output.err, HasSubstr("empty search query"));
}

TEST_P(StoreCliTest, QueryNarrowsByTypeStoryAndLimit) {
  QueryArgs args;
  args.db = location();
  args.json = true;
  args.filter.type = "loc";  // Articles mentioning any place.
  Output output = Capture(args, RunQuery);
  ASSERT_EQ(output.exit_code, 0) << output.err;
  ASSERT_EQ(Lines(output.out).size(), 1u) << output.out;
  EXPECT_THAT(output.out, HasSubstr("\"id\":\"g1c0ffee5eed\""));

  // An alias with the wrong type finds nothing.
  args.filter.entity = "Kadafi";
  output = Capture(args, RunQuery);
  ASSERT_EQ(output.exit_code, 0) << output.err;
  EXPECT_EQ(output.out, "");
  args.filter.type = "PERSON";
  output = Capture(args, RunQuery);
  ASSERT_EQ(output.exit_code, 0) << output.err;
  EXPECT_EQ(Lines(output.out).size(), 2u) << output.out;

  args.filter = {};
  args.filter.story = "speech";
  args.text = "ceasefire OR crane";
  output = Capture(args, RunQuery);
  ASSERT_EQ(output.exit_code, 0) << output.err;
  EXPECT_EQ(Lines(output.out).size(), 2u) << output.out;
  EXPECT_THAT(output.out, Not(HasSubstr("\"id\":\"h1\"")));

  args.filter = {};
  args.limit = 1;
  output = Capture(args, RunQuery);
  ASSERT_EQ(output.exit_code, 0) << output.err;
  EXPECT_EQ(Lines(output.out).size(), 1u) << output.out;
  args.limit = 0;
  output = Capture(args, RunQuery);
  EXPECT_EQ(output.exit_code, 2);
  EXPECT_THAT(output.err, HasSubstr("limit"));
}

TEST_P(StoreCliTest, QueryPagesWithOffsetAndTheCursorItPrints) {
  QueryArgs args;
  args.db = location();
  args.text = "ceasefire OR crane OR dockers";
  args.limit = 2;
  Output first = Capture(args, RunQuery);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  std::vector<std::string> lines = Lines(first.out);
  ASSERT_FALSE(lines.empty());
  const std::string next = lines.back();
  ASSERT_EQ(next.rfind("next: --after ", 0), 0u) << first.out;
  EXPECT_THAT(first.out, HasSubstr(" 2. "));

  args.after = next.substr(std::string("next: --after ").size());
  Output second = Capture(args, RunQuery);
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_THAT(second.out, Not(HasSubstr("next:"))) << "a short page is last";
  EXPECT_THAT(second.out, HasSubstr(" 1. "));
  EXPECT_THAT(second.out, Not(HasSubstr(" 2. ")));

  // --offset 2 gives the same third hit, numbered 3; --json carries cursors.
  args.after.clear();
  args.offset = 2;
  Output skipped = Capture(args, RunQuery);
  ASSERT_EQ(skipped.exit_code, 0) << skipped.err;
  EXPECT_THAT(skipped.out, HasSubstr(" 3. "));
  EXPECT_EQ(Lines(skipped.out)[1], Lines(second.out)[1]) << "same hit";
  args.offset = 0;
  args.json = true;
  Output json = Capture(args, RunQuery);
  ASSERT_EQ(json.exit_code, 0) << json.err;
  const std::string cursor = next.substr(std::string("next: --after ").size());
  EXPECT_THAT(Lines(json.out).back(),
              HasSubstr(absl::StrCat("\"cursor\":\"", cursor, "\"")));

  args.json = false;
  args.after = "garbage";
  Output bad = Capture(args, RunQuery);
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.err, HasSubstr("cursor"));
  args.after.clear();
  args.offset = -3;
  bad = Capture(args, RunQuery);
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.err, HasSubstr("offset"));
}

TEST_P(StoreCliTest, ReadOnlyVerbsWorkWhileAWriterHoldsItsLocks) {
  OpenWriteTransaction writer(backend(), location());
  ASSERT_EQ(writer.error(), "");
  QueryArgs query;
  query.db = location();
  query.text = "ceasefire";
  Output output = Capture(query, RunQuery);
  EXPECT_EQ(output.exit_code, 0) << output.err;
  EXPECT_THAT(output.out, HasSubstr("id g1c0ffee5eed"));
  StoriesArgs stories;
  stories.db = location();
  output = Capture(stories, RunStories);
  EXPECT_EQ(output.exit_code, 0) << output.err;
  EXPECT_THAT(output.out, HasSubstr("speech"));
  EntitiesArgs entities;
  entities.db = location();
  output = Capture(entities, RunEntities);
  EXPECT_EQ(output.exit_code, 0) << output.err;
  EXPECT_THAT(output.out, HasSubstr("Kadafi"));
  ShowArgs show;
  show.db = location();
  show.id = "h1";
  output = Capture(show, RunShow);
  EXPECT_EQ(output.exit_code, 0) << output.err;
  EXPECT_THAT(output.out, HasSubstr("Harbour crane repaired"));
  ExportArgs export_args;
  export_args.db = location();
  export_args.filter.since = "2031-04-01";
  output = Capture(export_args, RunExport);
  EXPECT_EQ(output.exit_code, 0) << output.err;
  EXPECT_EQ(Lines(output.out).size(), 2u) << "g1 and g3, not h1";
  EXPECT_THAT(output.out, Not(HasSubstr("Harbour")));
}

TEST_P(StoreCliTest, MissingDatabaseIsAFailureNamingIt) {
  QueryArgs args;
  args.db = OtherLocation("absent.db");
  args.text = "ceasefire";
  Output output = Capture(args, RunQuery);
  EXPECT_EQ(output.exit_code, 1);
  EXPECT_THAT(output.err, HasSubstr(args.db));
}

TEST_P(StoreCliTest, StoriesShowSizeOutletsSpanAndEntities) {
  StoriesArgs args;
  args.db = location();
  Output output = Capture(args, RunStories);
  ASSERT_EQ(output.exit_code, 0) << output.err;
  EXPECT_THAT(output.out, HasSubstr("speech  2 articles, 2 outlets"));
  EXPECT_THAT(output.out, HasSubstr("2031-04-02 08:00 .. 2031-04-03 09:00"));
  EXPECT_THAT(output.out, HasSubstr("Gaddafi speaks in Tripoli"));
  EXPECT_THAT(output.out, HasSubstr("outlets: example.test, wire.test"));
  EXPECT_THAT(output.out, HasSubstr("Muammar Gaddafi (PERSON, 2)"));

  args.json = true;
  args.since = "2031-05-01";
  output = Capture(args, RunStories);
  ASSERT_EQ(output.exit_code, 0) << output.err;
  EXPECT_TRUE(output.out.empty()) << output.out;
  args.since = "2031-04-01";
  output = Capture(args, RunStories);
  ASSERT_EQ(output.exit_code, 0) << output.err;
  std::vector<std::string> lines = Lines(output.out);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_THAT(lines[0], HasSubstr("\"first_seen\":\"2031-04-02T08:00:00Z\""));
  EXPECT_THAT(lines[0], HasSubstr("\"outlets\":[\"example.test\","
                                  "\"wire.test\"]"));
  EXPECT_THAT(lines[0], HasSubstr("\"canonical_id\":\"person:gaddafi\""));
}

TEST_P(StoreCliTest, EntitiesListAliasesAndCounts) {
  EntitiesArgs args;
  args.db = location();
  Output output = Capture(args, RunEntities);
  ASSERT_EQ(output.exit_code, 0) << output.err;
  std::vector<std::string> lines = Lines(output.out);
  ASSERT_GE(lines.size(), 3u) << output.out;
  EXPECT_EQ(lines[0],
            "Muammar Gaddafi  PERSON  2 articles, 3 mentions  "
            "[person:gaddafi]");
  EXPECT_THAT(lines[1], HasSubstr("aliases: "));
  EXPECT_THAT(lines[1], HasSubstr("Kadafi (1)"));
  EXPECT_THAT(output.out, HasSubstr("Tripoli  LOC  1 article, 1 mention"));

  args.type = "loc";
  args.json = true;
  output = Capture(args, RunEntities);
  ASSERT_EQ(output.exit_code, 0) << output.err;
  lines = Lines(output.out);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_THAT(lines[0], HasSubstr("\"name\":\"Tripoli\""));
  EXPECT_THAT(lines[0], HasSubstr("\"aliases\":[{"));
}

// An entity with the rule the tagger gave each alias.
v1::Entity* AddExplainedEntity(
    v1::Article& article, const std::string& text, v1::EntityType type,
    const std::string& canonical, const std::string& id,
    const std::vector<std::pair<std::string, std::string>>& rules) {
  std::vector<std::string> aliases;
  for (const auto& [alias, rule] : rules) aliases.push_back(alias);
  v1::Entity* entity =
      AddEntity(article, text, type, canonical, id, 1, aliases);
  for (const auto& [alias, rule] : rules) {
    if (!rule.empty()) AddAliasRule(entity, alias, rule);
  }
  return entity;
}

TEST_P(StoreCliTest, EntitiesExplainTheRuleThatJoinedEachAlias) {
  {
    std::unique_ptr<ArticleDb> db = OpenOrDie(location(), OpenMode::kReadWrite);
    ASSERT_NE(db, nullptr);
    v1::Article first =
        MakeArticle("c1", "Corvina United sign a keeper", "A new keeper.");
    AddExplainedEntity(first, "Corvina United", v1::ORG, "Corvina United",
                       "org:corvina", {{"Corvina United", "first spelling"}});
    v1::Article second =
        MakeArticle("c2", "Corvina win at home", "Corvina United won.");
    AddExplainedEntity(second, "Corvina", v1::ORG, "Corvina United",
                       "org:corvina",
                       {{"Corvina", "short form"},
                        {"Corvina United", "same spelling"},
                        {"Corvina FC", ""}});
    AddExplainedEntity(second, "Corvina", v1::LOC, "Corvina", "loc:corvina",
                       {{"Corvina", "first spelling"}});
    ASSERT_TRUE(db->UpsertBatch({first, second}).ok());
    // A later article's rule does not replace the first one.
    v1::Article third = MakeArticle("c3", "Corvina lose", "Corvina lost.");
    AddExplainedEntity(third, "Corvina", v1::ORG, "Corvina United",
                       "org:corvina", {{"Corvina", "same spelling"}});
    ASSERT_TRUE(db->UpsertBatch({third}).ok());
  }
  EntitiesArgs args;
  args.db = location();
  args.explain = "Corvina United";
  Output output = Capture(args, RunEntities);
  ASSERT_EQ(output.exit_code, 0) << output.err;
  std::vector<std::string> lines = Lines(output.out);
  ASSERT_EQ(lines.size(), 4u) << output.out;
  EXPECT_EQ(lines[0],
            "Corvina United  ORG  3 articles, 3 mentions  [org:corvina]");
  EXPECT_EQ(lines[1],
            "  Corvina  short form  2 articles  first: c2 \"Corvina win at "
            "home\"");
  EXPECT_EQ(lines[2],
            "  Corvina United  first spelling  2 articles  first: c1 "
            "\"Corvina United sign a keeper\"");
  EXPECT_EQ(lines[3],
            "  Corvina FC  unknown  1 article  first: c2 \"Corvina win at "
            "home\"");

  args.explain = "org:corvina";
  args.json = true;
  output = Capture(args, RunEntities);
  ASSERT_EQ(output.exit_code, 0) << output.err;
  lines = Lines(output.out);
  ASSERT_EQ(lines.size(), 1u) << output.out;
  EXPECT_THAT(lines[0], HasSubstr("\"alias\":\"Corvina\""));
  EXPECT_THAT(lines[0], HasSubstr("\"rule\":\"short form\""));
  EXPECT_THAT(lines[0], HasSubstr("\"first_article_id\":\"c1\""));
  EXPECT_THAT(lines[0],
              HasSubstr("\"first_article_title\":\"Corvina win at home\""));

  // A name two entities share lists them; a name none has is not found.
  args.json = false;
  args.explain = "Corvina";
  output = Capture(args, RunEntities);
  EXPECT_EQ(output.exit_code, 2);
  EXPECT_THAT(output.err, HasSubstr("[org:corvina]"));
  EXPECT_THAT(output.err, HasSubstr("[loc:corvina]"));
  args.type = "LOC";
  output = Capture(args, RunEntities);
  ASSERT_EQ(output.exit_code, 0) << output.err;
  EXPECT_THAT(output.out, HasSubstr("  Corvina  first spelling  1 article"));
  args.type.clear();
  args.explain = "Marrowby";
  output = Capture(args, RunEntities);
  EXPECT_EQ(output.exit_code, 1);
  EXPECT_THAT(output.err, HasSubstr("no entity \"Marrowby\""));
}

TEST_P(StoreCliTest, ShowPrintsTheArticleWithItsTrace) {
  ShowArgs args;
  args.db = location();
  args.id = "g1c0ffee5eed";
  Output output = Capture(args, RunShow);
  ASSERT_EQ(output.exit_code, 0) << output.err;
  EXPECT_THAT(output.out, HasSubstr("Gaddafi speaks in Tripoli\n"));
  EXPECT_THAT(output.out, HasSubstr("story:      speech"));
  EXPECT_THAT(output.out, HasSubstr("PERSON  Muammar Gaddafi  2 mentions"));
  EXPECT_THAT(output.out, HasSubstr("converted from windows-1252"));
  EXPECT_THAT(output.out, HasSubstr("trace:"));
  EXPECT_THAT(output.out, HasSubstr("+2.500 ms"));
  EXPECT_THAT(output.out, HasSubstr("+7.500 ms"));
  EXPECT_THAT(output.out, HasSubstr("about the ceasefire."));

  args.json = true;
  output = Capture(args, RunShow);
  ASSERT_EQ(output.exit_code, 0) << output.err;
  absl::StatusOr<v1::Article> parsed = ArticleFromJson(output.out, false);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(*parsed,
                                                                 articles_[0]));

  // What tail prints (a shortened id) is enough to show an article.
  args.id = "g1c0";
  args.json = false;
  output = Capture(args, RunShow);
  EXPECT_EQ(output.exit_code, 0) << output.err;
  EXPECT_THAT(output.out, HasSubstr("Gaddafi speaks in Tripoli\n"));

  args.id = "nope";
  output = Capture(args, RunShow);
  EXPECT_EQ(output.exit_code, 1);
  EXPECT_THAT(output.err, HasSubstr("nope"));
}

TEST_P(StoreCliTest, ExportThenImportRoundTripsEveryField) {
  ExportArgs export_args;
  export_args.db = location();
  Output exported = Capture(export_args, RunExport);
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  ASSERT_EQ(Lines(exported.out).size(), 3u);

  // Into a fresh database of the same backend, from a file and from stdin.
  const std::string copy = OtherLocation("copy.db");
  const std::string file = (dir() / "articles.jsonl").string();
  std::ofstream(file) << exported.out;
  ImportArgs import_args;
  import_args.db = copy;
  import_args.file = file;
  import_args.batch_size = 2;
  std::istringstream no_input;
  std::ostringstream out, err;
  ASSERT_EQ(RunImport(import_args, no_input, out, err), 0) << err.str();
  EXPECT_THAT(out.str(), HasSubstr("imported 3 articles"));
  EXPECT_THAT(out.str(), HasSubstr("(3 new)"));

  import_args.file = "-";
  std::istringstream again(exported.out);
  std::ostringstream out2, err2;
  ASSERT_EQ(RunImport(import_args, again, out2, err2), 0) << err2.str();
  EXPECT_THAT(out2.str(), HasSubstr("(0 new)"));

  std::unique_ptr<ArticleDb> db = OpenOrDie(copy, OpenMode::kReadOnly);
  ASSERT_NE(db, nullptr);
  std::vector<v1::Article> imported = ExportAll(*db);
  ASSERT_EQ(imported.size(), articles_.size());
  for (size_t i = 0; i < imported.size(); ++i) {
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(
        imported[i], articles_[i]))
        << imported[i].DebugString();
  }
  absl::StatusOr<std::vector<EntityInfo>> entities = db->Entities({});
  ASSERT_TRUE(entities.ok());
  EXPECT_EQ(entities->size(), 2u) << "the catalogue is rebuilt on import";

  // The filtered export.
  export_args.filter.entity = "Tripoli";
  exported = Capture(export_args, RunExport);
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  ASSERT_EQ(Lines(exported.out).size(), 1u);
  EXPECT_THAT(exported.out, HasSubstr("\"id\":\"g1c0ffee5eed\""));
}

TEST_P(StoreCliTest, ImportWithABadLineStoresNothing) {
  const std::string copy = OtherLocation("copy.db");
  std::string input;
  for (const v1::Article& article : articles_) {
    absl::StatusOr<std::string> json = ArticleToJson(article);
    ASSERT_TRUE(json.ok());
    absl::StrAppend(&input, *json, "\n");
  }
  input += "{\"id\": \"x\", \"titel\": \"typo\"}\n";
  ImportArgs args;
  args.db = copy;
  args.file = "-";
  std::istringstream in(input);
  std::ostringstream out, err;
  EXPECT_EQ(RunImport(args, in, out, err), 2);
  EXPECT_THAT(err.str(), HasSubstr("<stdin>:4"));
  EXPECT_THAT(err.str(), HasSubstr("nothing imported"));
  if (is_sqlite()) {
    EXPECT_FALSE(std::filesystem::exists(copy)) << "not even created";
  } else {
    absl::StatusOr<std::unique_ptr<ArticleDb>> db =
        ArticleDb::Open(copy, OpenMode::kReadOnly);
    EXPECT_EQ(db.status().code(), absl::StatusCode::kNotFound);
  }
}

// Discards what is written, as a pipe into a fast reader would.
class NullBuffer : public std::streambuf {
 protected:
  int overflow(int c) override { return c; }
  std::streamsize xsputn(const char*, std::streamsize n) override { return n; }
};

int64_t PeakRssKib() {
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;  // KiB on Linux.
}

// Export streams: the process does not grow with the database. The
// database is written by a child process, so that this process's peak
// resident size before the export is its baseline.
TEST(StoreExportMemoryTest, ExportOfABigDatabaseRunsInConstantMemory) {
  const std::filesystem::path dir =
      std::filesystem::path(::testing::TempDir()) /
      absl::StrCat("export-memory-", getpid());
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "big.db").string();
  constexpr int kArticles = 3000;
  constexpr size_t kBodyBytes = 24 * 1024;  // 72 MiB of bodies in all.
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    int code = 1;
    {
      absl::StatusOr<std::unique_ptr<ArticleDb>> db =
          ArticleDb::Open(path, ArticleDb::OpenMode::kReadWrite);
      if (db.ok()) {
        code = 0;
        // Few, long words: cheap to index, big to hold.
        std::string body;
        while (body.size() < kBodyBytes) {
          absl::StrAppend(&body, std::string(1000, 'a' + body.size() % 26),
                          " ");
        }
        std::vector<v1::Article> batch;
        for (int i = 0; i < kArticles && code == 0; ++i) {
          batch.push_back(
              MakeArticle(absl::StrCat("big-", i), "Bulletin", body));
          if (batch.size() == 100) {
            if (!(*db)->UpsertBatch(batch).ok()) code = 1;
            batch.clear();
          }
        }
      }
    }
    _exit(code);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;

  const int64_t before = PeakRssKib();
  NullBuffer discard;
  std::ostream out(&discard);
  std::ostringstream err;
  ExportArgs args;
  args.db = path;
  ASSERT_EQ(RunExport(args, out, err), 0) << err.str();
  const int64_t growth = PeakRssKib() - before;
  const int64_t data_kib = kArticles * static_cast<int64_t>(kBodyBytes) / 1024;
  // Holding every article (or its JSON) would grow by more than the data.
  EXPECT_LT(growth, data_kib / 4)
      << "grew by " << growth << " KiB exporting " << data_kib << " KiB";
  std::filesystem::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreCliTest,
                         ::testing::Values(Backend::kSqlite,
                                           Backend::kPostgres),
                         BackendName);

}  // namespace
}  // namespace newsflow::store_test
