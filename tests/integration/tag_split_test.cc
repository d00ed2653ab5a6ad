// The tag stage split in two through the real runner: annotate on two
// replicas, then link, beside today's tag on the same articles.
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/harness.h"

namespace newsflow::testing {
namespace {

std::map<std::string, v1::Article> ById(const std::vector<v1::Article>& all) {
  std::map<std::string, v1::Article> by_id;
  for (const v1::Article& article : all) by_id[article.id()] = article;
  return by_id;
}

std::vector<std::string> Stages(const v1::Article& article) {
  std::vector<std::string> stages;
  for (const auto& hop : article.trace()) stages.push_back(hop.stage());
  return stages;
}

TEST(TagSplitPipelineTest, AnnotateReplicasThenLinkTagLikeTag) {
  TempDir dir;
  const std::string examples = SourceDir() + "/examples/articles";
  // One ingest and clean feed both branches; each stateful stage has its
  // own state file.
  const std::string config = dir.Write(
      "pipeline.yaml",
      absl::StrCat(
          "pipeline: split\nrun_dir: ", dir.path(), "/run\nstages:\n",
          "  ingest:   { type: ingest, paths: [", examples, "] }\n",
          "  clean:    { type: clean, inputs: [ingest] }\n",
          "  tag:      { type: tag, inputs: [clean], state_path: tag.bin }\n",
          "  whole:    { type: store, inputs: [tag], path: whole.db }\n",
          "  annotate: { type: annotate, inputs: [clean], replicas: 2 }\n",
          "  link:     { type: link, inputs: [annotate], state_path: link.bin "
          "}\n",
          "  split:    { type: store, inputs: [link], path: split.db }\n",
          // The same split written as one stage (runner/config/config.h).
          "  tag2:     { type: tag, inputs: [clean], annotate_replicas: 2, "
          "state_path: tag2.bin }\n",
          "  split2:   { type: store, inputs: [tag2], path: split2.db }\n"));
  CommandResult run = RunCommand({NewsflowBinary(), "run", config, "--once"},
                                 absl::Seconds(180));
  ASSERT_EQ(run.exit_code, 0) << run.err;

  const auto whole = ById(StoredArticles(dir.path() + "/whole.db"));
  const auto split = ById(StoredArticles(dir.path() + "/split.db"));
  ASSERT_GE(whole.size(), 6u) << run.err;
  ASSERT_EQ(split.size(), whole.size()) << run.err;
  int with_entities = 0;
  std::set<int> replicas;
  for (const auto& [id, tagged] : whole) {
    auto found = split.find(id);
    ASSERT_NE(found, split.end()) << id;
    const v1::Article& linked = found->second;
    EXPECT_THAT(
        Stages(linked),
        ::testing::ElementsAre("ingest", "clean", "annotate", "link", "split"));
    EXPECT_FALSE(linked.has_annotations()) << id;
    for (const auto& hop : linked.trace()) {
      if (hop.stage() == "annotate") replicas.insert(hop.replica());
    }
    // What depends on the article alone is equal whatever order the two
    // replicas delivered in; identities, keyword weights and stories
    // depend on the order articles reach the stream state, which
    // replicas do not keep (tests/unit/stages/tag_split_test.cc compares
    // those in one order).
    EXPECT_EQ(linked.language(), tagged.language()) << id;
    EXPECT_EQ(linked.simhash(), tagged.simhash()) << id;
    ASSERT_EQ(linked.entities_size(), tagged.entities_size()) << id;
    for (int e = 0; e < tagged.entities_size(); ++e) {
      EXPECT_EQ(linked.entities(e).text(), tagged.entities(e).text()) << id;
      EXPECT_EQ(linked.entities(e).type(), tagged.entities(e).type()) << id;
      EXPECT_EQ(linked.entities(e).mentions(), tagged.entities(e).mentions())
          << id;
      EXPECT_FALSE(linked.entities(e).canonical_id().empty()) << id;
    }
    EXPECT_EQ(linked.keywords_size(), tagged.keywords_size()) << id;
    EXPECT_FALSE(linked.story_id().empty()) << id;
    with_entities += !tagged.entities().empty();
  }
  EXPECT_GE(with_entities, 6);
  // Both replicas annotated.
  EXPECT_EQ(replicas.size(), 2u);

  // `annotate_replicas` runs the same two halves under the tag's name.
  const auto split2 = ById(StoredArticles(dir.path() + "/split2.db"));
  ASSERT_EQ(split2.size(), whole.size()) << run.err;
  std::set<int> replicas2;
  for (const auto& [id, linked] : split2) {
    EXPECT_THAT(Stages(linked),
                ::testing::ElementsAre("ingest", "clean", "tag2-annotate",
                                       "tag2", "split2"));
    EXPECT_FALSE(linked.has_annotations()) << id;
    EXPECT_EQ(linked.entities_size(), whole.at(id).entities_size()) << id;
    for (const auto& hop : linked.trace()) {
      if (hop.stage() == "tag2-annotate") replicas2.insert(hop.replica());
    }
  }
  EXPECT_EQ(replicas2.size(), 2u);
}

}  // namespace
}  // namespace newsflow::testing
