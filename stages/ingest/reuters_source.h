// Articles from Reuters-21578 SGML files: a file, or a folder whose *.sgm
// files are read in name order, a document at a time (at most
// kDocumentsPerRead per ReadNext()), so that neither a file nor its
// articles are ever held whole.
#ifndef NEWSFLOW_STAGES_INGEST_REUTERS_SOURCE_H_
#define NEWSFLOW_STAGES_INGEST_REUTERS_SOURCE_H_

#include <cstdint>
#include <deque>
#include <fstream>
#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "newsflow/stage.h"
#include "stages/ingest/article_source.h"
#include "stages/ingest/reuters_sgml.h"

namespace newsflow::ingest {

struct ReutersSourceOptions {
  std::string path;  // absolute
  std::string source_name = "reuters";
  int64_t max_file_bytes = 64 << 20;
};

// One Article per document: id "reuters-NEWID", title, body, dateline,
// published_at from <DATE>, url "file://PATH#NEWID", format "text", and
// metadata topics / places / people / orgs / exchanges / companies (comma
// separated, as listed), newid, oldid, lewis_split, cgi_split, text_type
// (when not empty), path and line. Bytes that are not UTF-8 are decoded
// per charset.h (the collection is ASCII with a few Latin-1 bytes);
// documents that cannot be decoded or have no text are rejected as
// "PATH:LINE".
class ReutersSource : public ArticleSource {
 public:
  ReutersSource(ReutersSourceOptions options, StageContext context);
  nf_poll_state ReadNext(std::deque<v1::Article>* out) override;

  static constexpr int kDocumentsPerRead = 64;

 private:
  // Starts reading `path`; false (having rejected it) when it cannot be.
  bool OpenFile(const std::string& path);
  void TakeDocuments(const ReutersFile& parsed, std::deque<v1::Article>* out);
  v1::Article ToArticle(const std::string& path, const ReutersDocument& d);

  const ReutersSourceOptions options_;
  SourceProgress progress_;
  bool listed_ = false;
  std::deque<std::string> files_;
  // The file being read, if any.
  std::string path_;
  std::unique_ptr<std::ifstream> file_;
  // Size of each listed file, and how much of the open one counts as read,
  // for progress by bytes.
  absl::flat_hash_map<std::string, int64_t> listed_bytes_;
  int64_t file_bytes_counted_ = 0;
  std::unique_ptr<ReutersSgmlReader> reader_;
};

}  // namespace newsflow::ingest

#endif  // NEWSFLOW_STAGES_INGEST_REUTERS_SOURCE_H_
