// Helpers shared by the tag stage's test files.
#ifndef NEWSFLOW_TESTS_UNIT_STAGES_TAG_TEST_UTIL_H_
#define NEWSFLOW_TESTS_UNIT_STAGES_TAG_TEST_UTIL_H_

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "newsflow/stage_plugin.h"
#include "newsflow/v1/article.pb.h"
#include "stages/tag/tagger.h"

namespace newsflow {
namespace tag {
namespace testing_util {

inline std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

inline std::filesystem::path TagData() {
  return std::filesystem::path(NEWSFLOW_SOURCE_DIR) / "tests" / "data" / "tag";
}

inline std::filesystem::path Shared() {
  return std::filesystem::path(NEWSFLOW_SHARED_DIR);
}

// An empty directory of its own under the temporary directory.
inline std::filesystem::path FreshDir(const std::string& name) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                    (name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

inline bool Verbose() { return std::getenv("NEWSFLOW_TAG_VERBOSE") != nullptr; }

// With NEWSFLOW_STORY_DUMP=path, appends "article story_id duplicate_of"
// to that file for every article a story test tags: two builds' story ids
// can then be compared line by line (a speed change must not move them).
inline void DumpStory(const v1::Article& article) {
  const char* path = std::getenv("NEWSFLOW_STORY_DUMP");
  if (path == nullptr) return;
  std::ofstream out(path, std::ios::app);
  out << article.id() << ' ' << article.story_id() << ' '
      << article.duplicate_of() << '\n';
}

// A host for driving a stage type through the C ABI: keeps what the
// stage emits and rejects.
class FakeHost {
 public:
  FakeHost() {
    host_.struct_size = sizeof(nf_host);
    host_.context = this;
    host_.emit = [](void* context, const void* data, size_t size) {
      static_cast<FakeHost*>(context)->emitted.emplace_back(
          static_cast<const char*>(data), size);
      return NF_OK;
    };
    host_.log = [](void*, nf_log_level, const char*) {};
    host_.reject = [](void* context, const char*, const char* reason,
                      const void*, size_t) {
      static_cast<FakeHost*>(context)->rejected.emplace_back(reason);
    };
  }
  const nf_host* host() const { return &host_; }

  std::vector<std::string> emitted;
  std::vector<std::string> rejected;

 private:
  nf_host host_{};
};

// A Tagger with the shipped model and these options; fails the test when
// it cannot be created.
inline std::unique_ptr<Tagger> NewTagger(TaggerOptions options = {}) {
  absl::StatusOr<std::unique_ptr<Tagger>> tagger = Tagger::Create(options);
  EXPECT_TRUE(tagger.ok()) << tagger.status().message();
  return tagger.ok() ? *std::move(tagger) : nullptr;
}

// The entity with `alias` among its spellings, or nullptr.
inline const v1::Entity* FindEntity(const v1::Article& article,
                                    const std::string& alias) {
  for (const v1::Entity& entity : article.entities()) {
    for (const std::string& a : entity.aliases()) {
      if (a == alias) return &entity;
    }
  }
  return nullptr;
}

// One article of a labelled story set (tests/data/tag/stories,
// tests/data/stories): header lines ("story: ...",
// "published_at: ...", "title: ..."), a blank line, the body.
struct LabelledArticle {
  std::string file;
  std::string story;
  v1::Article article;
};

inline std::vector<LabelledArticle> ReadLabelledStories(
    const std::filesystem::path& dir = TagData() / "stories") {
  std::vector<LabelledArticle> articles;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".txt") continue;
    std::string text = ReadFile(entry.path());
    LabelledArticle& labelled = articles.emplace_back();
    labelled.file = entry.path().filename().string();
    labelled.article.set_id(labelled.file);
    size_t pos = 0;
    while (pos < text.size()) {
      size_t end = text.find('\n', pos);
      if (end == std::string::npos) end = text.size();
      std::string line = text.substr(pos, end - pos);
      pos = end + 1;
      if (line.empty()) break;
      size_t colon = line.find(": ");
      std::string key = line.substr(0, colon), value = line.substr(colon + 2);
      if (key == "story") labelled.story = value;
      if (key == "published_at") labelled.article.set_published_at(value);
      if (key == "title") labelled.article.set_title(value);
    }
    labelled.article.set_body(pos < text.size() ? text.substr(pos) : "");
  }
  // Publication order, as a stream would bring them.
  std::sort(articles.begin(), articles.end(), [](const auto& a, const auto& b) {
    if (a.article.published_at() != b.article.published_at()) {
      return a.article.published_at() < b.article.published_at();
    }
    return a.file < b.file;
  });
  return articles;
}

// Seed articles: title = first non-blank line, body = the rest.
inline v1::Article ReadSeed(const std::filesystem::path& path) {
  std::istringstream in(ReadFile(path));
  std::string line, body;
  v1::Article article;
  article.set_id(path.filename().string());
  bool have_title = false;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!have_title) {
      if (line.find_first_not_of(" \t") == std::string::npos) continue;
      article.set_title(line);
      have_title = true;
      continue;
    }
    if (!body.empty()) body.push_back('\n');
    body += line;
  }
  article.set_body(body);
  return article;
}

// The BBC corpus's articles (its topic folders' files) in file order, the
// way an ingest of the folder brings them; empty without the corpus.
inline std::vector<std::filesystem::path> BbcFiles() {
  const std::filesystem::path dir = Shared() / "corpora" / "bbc";
  std::vector<std::filesystem::path> files;
  if (!std::filesystem::exists(dir)) return files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (entry.path().extension() == ".txt" &&
        entry.path().parent_path() != dir) {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

// A BBC file as an article whose id is "folder/file".
inline v1::Article ReadBbc(const std::filesystem::path& file) {
  v1::Article article = ReadSeed(file);
  article.set_id(file.parent_path().filename().string() + "/" +
                 file.filename().string());
  return article;
}

// Equal weights over `count` terms named prefix0, prefix1, ... (a story
// input's unit-length term vector).
inline std::vector<std::pair<std::string, double>> Terms(
    const std::string& prefix, int count) {
  std::vector<std::pair<std::string, double>> terms;
  for (int i = 0; i < count; ++i) {
    terms.emplace_back(prefix + std::to_string(i), 1 / std::sqrt(count));
  }
  return terms;
}

}  // namespace testing_util
}  // namespace tag
}  // namespace newsflow

#endif  // NEWSFLOW_TESTS_UNIT_STAGES_TAG_TEST_UTIL_H_
