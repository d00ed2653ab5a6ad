// What the stream teaches about site chrome: a line that appears in many
// different articles of the same source is furniture ("Get all the day's
// news with our newsletter", "0 Comments To This Article"), whatever it
// says. LineStats counts, per source, in how many distinct articles each
// line occurred, within fixed memory, and saves itself to a file so that a
// restart keeps what was learned.
//
// Bounded: at most `max_sources` sources (the least recently seen is
// forgotten), `max_lines_per_source` lines per source (when full, the
// quarter seen in the fewest articles, least recently among equals, is
// dropped: one-off article lines go first while chrome, seen again and
// again, stays) and `max_recent_articles` remembered article ids per
// source. Not thread-safe: one stage instance owns one LineStats.
#ifndef NEWSFLOW_STAGES_CLEAN_LINE_STATS_H_
#define NEWSFLOW_STAGES_CLEAN_LINE_STATS_H_

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"

namespace newsflow {
namespace clean {

struct LineStatsLimits {
  int max_sources = 64;
  int max_lines_per_source = 8192;
  int max_recent_articles = 4096;
};

class LineStats {
 public:
  explicit LineStats(LineStatsLimits limits = {});

  // The key a line is counted under: FNV-1a of its words, ASCII
  // lowercased, every run of digits read as one "0" ("3 comments" and "12
  // comments" are the same line), punctuation and spaces only separating
  // words ("Read more »" is "read more"). 0 for a line without letters or
  // digits, which is not counted. Expects valid UTF-8.
  static uint64_t LineKey(std::string_view line);

  // LineKey of each of `lines`, the same values, faster.
  static std::vector<uint64_t> LineKeys(
      const std::vector<std::string_view>& lines);

  // How often a line has been seen in a source.
  struct Seen {
    // Distinct articles that held it, the current one included.
    int articles = 0;
    // Their share of the source's articles since the line was first seen:
    // near 1 for a footer on every page, small for a background paragraph
    // that a few stories about one event repeat.
    double share = 0;
  };

  // Counts the distinct keys of one article of `source`, unless this
  // source already counted `article_id`. Returns what is known of each
  // entry of `keys` (nothing for key 0).
  std::vector<Seen> Observe(std::string_view source,
                            std::string_view article_id,
                            const std::vector<uint64_t>& keys);

  // How many distinct articles of `source` were counted.
  int64_t ArticlesOf(std::string_view source) const;
  size_t source_count() const { return sources_.size(); }
  size_t LineCountOf(std::string_view source) const;

  // True when something changed since the last Save or Load.
  bool dirty() const { return dirty_; }

  // Writes the statistics to `path` atomically (a temporary file in the
  // same folder, then rename), so a crash leaves the old file or the new
  // one, never half of one.
  absl::Status Save(const std::string& path);

  // Replaces the statistics by those saved at `path`. A missing file is no
  // error (nothing learned yet); an unreadable or foreign file is
  // DataLoss naming the path. Limits apply to what is loaded.
  absl::Status Load(const std::string& path);

 private:
  struct LineEntry {
    uint32_t articles = 0;
    uint64_t first_seen = 0;  // article numbers within the source
    uint64_t last_seen = 0;
  };
  struct SourceStats {
    int64_t articles = 0;
    uint64_t last_used = 0;
    absl::flat_hash_map<uint64_t, LineEntry> lines;
    std::deque<uint64_t> recent_articles;
    absl::flat_hash_set<uint64_t> recent_set;
  };

  SourceStats& SourceFor(std::string_view source);
  void Remember(uint64_t article_key, SourceStats* stats) const;
  void Prune(SourceStats* stats) const;

  LineStatsLimits limits_;
  uint64_t clock_ = 0;
  bool dirty_ = false;
  absl::flat_hash_map<std::string, SourceStats> sources_;
};

}  // namespace clean
}  // namespace newsflow

#endif  // NEWSFLOW_STAGES_CLEAN_LINE_STATS_H_
