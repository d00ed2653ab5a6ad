// Articles from JSON lines on standard input (the format `newsflow export`
// and `tail --json` write, see common/article_json.h), so newsflow can sit
// in a Unix pipe: `newsflow export ... | newsflow run pipeline.yaml`.
#ifndef NEWSFLOW_STAGES_INGEST_STDIN_SOURCE_H_
#define NEWSFLOW_STAGES_INGEST_STDIN_SOURCE_H_

#include <cstdint>
#include <deque>
#include <string>

#include "newsflow/stage.h"
#include "stages/ingest/article_source.h"

namespace newsflow::ingest {

struct StdinSourceOptions {
  int fd = 0;  // tests pass a pipe
  std::string source_name = "stdin";
  // A longer line is rejected (and skipped up to its newline).
  int64_t max_line_bytes = 16 << 20;
};

// Reads without blocking: NF_POLL_IDLE while the writer is quiet,
// NF_POLL_DONE at end of input. Each non-blank line is one JSON object
// with Article fields (unknown keys ignored); a line that does not parse,
// is not UTF-8 or is too long is rejected as "stdin:LINE" with its bytes.
// Articles without an id get StableHashHex of the line; without a source,
// `source_name`; ingested_at is set unless given; metadata["line"] is set.
// A last line without a newline is read at end of input.
class StdinSource : public ArticleSource {
 public:
  StdinSource(StdinSourceOptions options, StageContext context);
  nf_poll_state ReadNext(std::deque<v1::Article>* out) override;

 private:
  void TakeLine(std::string_view line, std::deque<v1::Article>* out);

  const StdinSourceOptions options_;
  SourceProgress progress_;
  std::string buffer_;
  bool skipping_long_line_ = false;
  bool eof_ = false;
  int64_t line_number_ = 0;
};

}  // namespace newsflow::ingest

#endif  // NEWSFLOW_STAGES_INGEST_STDIN_SOURCE_H_
