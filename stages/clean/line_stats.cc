#include "stages/clean/line_stats.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/hash.h"
#include "common/letters.h"
#include "common/utf8.h"
#include "line_stats_state.pb.h"

namespace newsflow {
namespace clean {
namespace {

constexpr uint32_t kStateVersion = 1;

// Debian's Abseil has its own string_view, which heterogeneous lookup in
// string-keyed maps takes.
absl::string_view AbslView(std::string_view text) {
  return absl::string_view(text.data(), text.size());
}

}  // namespace

LineStats::LineStats(LineStatsLimits limits) : limits_(limits) {}

namespace {

// Per ASCII byte: whether it is part of a word (letters and digits, as
// IsWordChar says), whether a digit, and the byte a key holds for it.
constexpr unsigned kWord = 1;
constexpr unsigned kDigit = 2;
struct AsciiKeyTables {
  unsigned char kind[128] = {};
  char key_byte[128] = {};
  constexpr AsciiKeyTables() {
    for (int c = 0; c < 128; ++c) {
      const bool digit = c >= '0' && c <= '9';
      const bool letter = (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
      kind[c] = (digit || letter ? kWord : 0) | (digit ? kDigit : 0);
      key_byte[c] = digit ? '0' : static_cast<char>(letter ? c | 0x20 : c);
    }
  }
};
constexpr AsciiKeyTables kAsciiKeyTables;
constexpr const unsigned char* kAsciiKeyKind = kAsciiKeyTables.kind;
constexpr const char* kAsciiKeyByte = kAsciiKeyTables.key_byte;

// Appends to *out the bytes LineKey hashes for `line`: its words, ASCII
// lowercased, each run of digits as one '0', one ' ' between words. Empty
// for a line without letters or digits. ASCII takes a branch-free step per
// byte (the word boundaries of a branchy loop mispredict); the output is
// never longer than the line, a separator standing for at least one byte.
void AppendKeyText(std::string_view line, std::string* out) {
  const size_t start = out->size();
  out->resize(start + line.size() + 2);  // room for the step's spare writes
  char* const base = &(*out)[0];
  char* p = base + start;
  unsigned any = 0;
  unsigned in_number = 0;
  unsigned pending_separator = 0;
  size_t length = 0;
  for (size_t pos = 0; pos < line.size(); pos += length) {
    const auto byte = static_cast<unsigned char>(line[pos]);
    length = 1;
    if (byte < 0x80) {
      const unsigned kind = kAsciiKeyKind[byte];
      const unsigned word = kind & kWord;
      const unsigned digit = (kind & kDigit) != 0;
      *p = ' ';
      p += word & pending_separator;
      *p = kAsciiKeyByte[byte];
      p += word & ~(digit & in_number);
      // Punctuation and spaces only separate words: "Read more »" and
      // "read more" are one line, "ab c" and "a bc" two.
      pending_separator = ~word & 1 & any;
      any |= word;
      in_number = digit;
      continue;
    }
    const char32_t cp = DecodeUtf8At(line, pos, &length);
    if (!IsWordChar(cp)) {
      pending_separator = any;
      in_number = 0;
      continue;
    }
    if (pending_separator) *p++ = ' ';
    pending_separator = 0;
    any = 1;
    in_number = 0;  // ASCII digits only take the path above
    std::memcpy(p, line.data() + pos, length);
    p += length;
  }
  out->resize(static_cast<size_t>(p - base));
}

uint64_t KeyOf(std::string_view key_text, uint64_t hash) {
  if (key_text.empty()) return 0;
  return hash == 0 ? 1 : hash;
}

}  // namespace

uint64_t LineStats::LineKey(std::string_view line) {
  std::string key_text;
  AppendKeyText(line, &key_text);
  return KeyOf(key_text, StableHash64(key_text));
}

std::vector<uint64_t> LineStats::LineKeys(
    const std::vector<std::string_view>& lines) {
  // The key texts first, then their hashes four side by side: FNV-1a is one
  // serial multiply per byte, the cost of a key hashed alone.
  std::string key_texts;
  std::vector<size_t> ends;
  ends.reserve(lines.size());
  for (std::string_view line : lines) {
    AppendKeyText(line, &key_texts);
    ends.push_back(key_texts.size());
  }
  std::vector<std::string_view> views;
  views.reserve(lines.size());
  size_t begin = 0;
  for (size_t end : ends) {
    views.push_back(std::string_view(key_texts).substr(begin, end - begin));
    begin = end;
  }
  std::vector<uint64_t> keys = StableHash64Many(views);
  for (size_t i = 0; i < keys.size(); ++i) keys[i] = KeyOf(views[i], keys[i]);
  return keys;
}

LineStats::SourceStats& LineStats::SourceFor(std::string_view source) {
  auto it = sources_.find(AbslView(source));
  if (it == sources_.end()) {
    if (static_cast<int>(sources_.size()) >= limits_.max_sources &&
        !sources_.empty()) {
      auto oldest = sources_.begin();
      for (auto s = sources_.begin(); s != sources_.end(); ++s) {
        if (s->second.last_used < oldest->second.last_used) oldest = s;
      }
      sources_.erase(oldest);
    }
    it = sources_.emplace(std::string(source), SourceStats()).first;
  }
  it->second.last_used = ++clock_;
  return it->second;
}

void LineStats::Remember(uint64_t article_key, SourceStats* stats) const {
  stats->recent_articles.push_back(article_key);
  stats->recent_set.insert(article_key);
  while (static_cast<int>(stats->recent_articles.size()) >
         limits_.max_recent_articles) {
    stats->recent_set.erase(stats->recent_articles.front());
    stats->recent_articles.pop_front();
  }
}

void LineStats::Prune(SourceStats* stats) const {
  if (static_cast<int>(stats->lines.size()) <= limits_.max_lines_per_source) {
    return;
  }
  struct Ranked {
    uint32_t articles;
    uint64_t last_seen;
    uint64_t key;
  };
  std::vector<Ranked> ranked;
  ranked.reserve(stats->lines.size());
  for (const auto& [key, entry] : stats->lines) {
    ranked.push_back({entry.articles, entry.last_seen, key});
  }
  const size_t keep = static_cast<size_t>(limits_.max_lines_per_source) * 3 / 4;
  const size_t drop = ranked.size() - keep;
  std::nth_element(ranked.begin(), ranked.begin() + drop, ranked.end(),
                   [](const Ranked& a, const Ranked& b) {
                     if (a.articles != b.articles) {
                       return a.articles < b.articles;
                     }
                     if (a.last_seen != b.last_seen) {
                       return a.last_seen < b.last_seen;
                     }
                     return a.key < b.key;
                   });
  for (size_t i = 0; i < drop; ++i) stats->lines.erase(ranked[i].key);
}

std::vector<LineStats::Seen> LineStats::Observe(
    std::string_view source, std::string_view article_id,
    const std::vector<uint64_t>& keys) {
  SourceStats& stats = SourceFor(source);
  const uint64_t article_key = StableHash64(article_id);
  const bool counted_before =
      !article_id.empty() && stats.recent_set.contains(article_key);
  if (!counted_before) {
    ++stats.articles;
    const auto number = static_cast<uint64_t>(stats.articles);
    if (!article_id.empty()) Remember(article_key, &stats);
    absl::flat_hash_set<uint64_t> seen;
    seen.reserve(keys.size());
    for (uint64_t key : keys) {
      if (key == 0 || !seen.insert(key).second) continue;
      LineEntry& entry = stats.lines[key];
      if (entry.articles == 0) entry.first_seen = number;
      ++entry.articles;
      entry.last_seen = number;
    }
    dirty_ = true;
  }
  std::vector<Seen> result(keys.size());
  const auto now = static_cast<uint64_t>(stats.articles);
  for (size_t i = 0; i < keys.size(); ++i) {
    if (keys[i] == 0) continue;
    auto it = stats.lines.find(keys[i]);
    if (it == stats.lines.end()) continue;
    const LineEntry& entry = it->second;
    result[i].articles = static_cast<int>(entry.articles);
    const uint64_t span =
        now >= entry.first_seen ? now - entry.first_seen + 1 : 1;
    result[i].share = std::min(
        1.0, static_cast<double>(entry.articles) / static_cast<double>(span));
  }
  if (!counted_before) Prune(&stats);
  return result;
}

int64_t LineStats::ArticlesOf(std::string_view source) const {
  auto it = sources_.find(AbslView(source));
  return it == sources_.end() ? 0 : it->second.articles;
}

size_t LineStats::LineCountOf(std::string_view source) const {
  auto it = sources_.find(AbslView(source));
  return it == sources_.end() ? 0 : it->second.lines.size();
}

absl::Status LineStats::Save(const std::string& path) {
  stages::clean::LineStatsState state;
  state.set_version(kStateVersion);
  state.set_clock(clock_);
  for (const auto& [name, stats] : sources_) {
    stages::clean::SourceLineStats* source = state.add_sources();
    source->set_source(name);
    source->set_articles(static_cast<uint64_t>(stats.articles));
    source->set_last_used(stats.last_used);
    // Sorted by key so that the same statistics always give the same file.
    std::vector<std::pair<uint64_t, LineEntry>> lines(stats.lines.begin(),
                                                      stats.lines.end());
    std::sort(lines.begin(), lines.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& [key, entry] : lines) {
      source->add_line_keys(key);
      source->add_line_articles(entry.articles);
      source->add_line_last_seen(entry.last_seen);
      source->add_line_first_seen(entry.first_seen);
    }
    for (uint64_t article : stats.recent_articles) {
      source->add_recent_articles(article);
    }
  }
  std::sort(
      state.mutable_sources()->begin(), state.mutable_sources()->end(),
      [](const auto& a, const auto& b) { return a.source() < b.source(); });
  std::string bytes;
  if (!state.SerializeToString(&bytes)) {
    return absl::InternalError("cannot serialize the line statistics");
  }
  const std::string temporary = absl::StrCat(path, ".tmp.", getpid());
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.flush();
    if (!out) {
      std::remove(temporary.c_str());
      return absl::UnavailableError(
          absl::StrCat("cannot write the clean state file ", temporary));
    }
  }
  std::error_code error;
  std::filesystem::rename(temporary, path, error);
  if (error) {
    std::remove(temporary.c_str());
    return absl::UnavailableError(absl::StrCat(
        "cannot replace the clean state file ", path, ": ", error.message()));
  }
  dirty_ = false;
  return absl::OkStatus();
}

absl::Status LineStats::Load(const std::string& path) {
  std::error_code error;
  if (!std::filesystem::exists(path, error)) {
    sources_.clear();
    clock_ = 0;
    dirty_ = false;
    return absl::OkStatus();
  }
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  stages::clean::LineStatsState state;
  if (!in || !state.ParseFromString(buffer.str()) ||
      state.version() != kStateVersion) {
    return absl::DataLossError(absl::StrCat(
        "the clean state file ", path,
        " is unreadable or not a clean-stage state file; move it away to "
        "start learning afresh"));
  }
  sources_.clear();
  clock_ = state.clock();
  for (const stages::clean::SourceLineStats& source : state.sources()) {
    if (source.line_keys_size() != source.line_articles_size() ||
        source.line_keys_size() != source.line_last_seen_size() ||
        source.line_keys_size() != source.line_first_seen_size()) {
      return absl::DataLossError(absl::StrCat("the clean state file ", path,
                                              " is inconsistent (source \"",
                                              source.source(), "\")"));
    }
    SourceStats stats;
    stats.articles = static_cast<int64_t>(source.articles());
    stats.last_used = source.last_used();
    stats.lines.reserve(source.line_keys_size());
    for (int i = 0; i < source.line_keys_size(); ++i) {
      stats.lines[source.line_keys(i)] = {source.line_articles(i),
                                          source.line_first_seen(i),
                                          source.line_last_seen(i)};
    }
    for (uint64_t article : source.recent_articles()) {
      Remember(article, &stats);
    }
    Prune(&stats);
    sources_[source.source()] = std::move(stats);
  }
  while (static_cast<int>(sources_.size()) > limits_.max_sources) {
    auto oldest = sources_.begin();
    for (auto s = sources_.begin(); s != sources_.end(); ++s) {
      if (s->second.last_used < oldest->second.last_used) oldest = s;
    }
    sources_.erase(oldest);
  }
  dirty_ = false;
  return absl::OkStatus();
}

}  // namespace clean
}  // namespace newsflow
