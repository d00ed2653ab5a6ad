#include "stages/ingest/html/shingle_eval.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/letters.h"
#include "common/utf8.h"
#include "stages/ingest/html/json_value.h"

namespace newsflow::html {
namespace {

// Python's str.isalnum() plus '_': what `\w` matches in a str pattern.
bool IsWordCodePoint(char32_t code_point) {
  return code_point == '_' ||
         IsInClass(code_point, kLetterClass | kNumberClass);
}

absl::flat_hash_map<std::string, int> Shingles(absl::string_view text) {
  constexpr size_t kN = 4;
  std::vector<std::string> tokens = BenchmarkTokens(text);
  absl::flat_hash_map<std::string, int> counts;
  if (tokens.empty()) return counts;
  size_t windows = tokens.size() >= kN ? tokens.size() - kN + 1 : 1;
  for (size_t i = 0; i < windows; ++i) {
    size_t end = std::min(tokens.size(), i + kN);
    // U+001F never occurs inside a token, so joined keys are unambiguous.
    ++counts[absl::StrJoin(tokens.begin() + i, tokens.begin() + end, "\x1f")];
  }
  return counts;
}

}  // namespace

std::vector<std::string> BenchmarkTokens(absl::string_view text) {
  std::vector<std::string> tokens;
  std::string token;
  const std::string_view view(text.data(), text.size());
  size_t pos = 0;
  while (pos < view.size()) {
    size_t length = 0;
    const char32_t code_point = DecodeUtf8At(view, pos, &length);
    if (IsWordCodePoint(code_point)) {
      token.append(view.data() + pos, length);
    } else if (!token.empty()) {
      tokens.push_back(std::move(token));
      token.clear();
    }
    pos += length;
  }
  if (!token.empty()) tokens.push_back(std::move(token));
  return tokens;
}

ShingleMatch MatchShingles(absl::string_view truth,
                           absl::string_view predicted) {
  absl::flat_hash_map<std::string, int> expected = Shingles(truth);
  absl::flat_hash_map<std::string, int> got = Shingles(predicted);
  ShingleMatch match;
  for (const auto& [shingle, count] : expected) {
    auto it = got.find(shingle);
    int other = it == got.end() ? 0 : it->second;
    match.tp += std::min(count, other);
    match.fn += std::max(0, count - other);
    match.fp += std::max(0, other - count);
  }
  for (const auto& [shingle, count] : got) {
    if (!expected.contains(shingle)) match.fp += count;
  }
  double sum = match.tp + match.fp + match.fn;
  if (sum > 0) {
    match.tp /= sum;
    match.fp /= sum;
    match.fn /= sum;
  }
  return match;
}

Quality ScoreMatches(const std::vector<ShingleMatch>& matches) {
  double precision_sum = 0, recall_sum = 0;
  int precision_pages = 0, recall_pages = 0;
  for (const ShingleMatch& m : matches) {
    bool perfect = m.fp == 0 && m.fn == 0;
    if (m.tp + m.fp > 0) {
      precision_sum += perfect ? 1.0 : m.tp / (m.tp + m.fp);
      ++precision_pages;
    }
    if (m.tp + m.fn > 0) {
      recall_sum += perfect ? 1.0 : m.tp / (m.tp + m.fn);
      ++recall_pages;
    }
  }
  Quality quality;
  if (precision_pages > 0) quality.precision = precision_sum / precision_pages;
  if (recall_pages > 0) quality.recall = recall_sum / recall_pages;
  if (quality.precision + quality.recall > 0) {
    quality.f1 = 2 * quality.precision * quality.recall /
                 (quality.precision + quality.recall);
  }
  return quality;
}

absl::StatusOr<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat("cannot open ", path, ": ", std::strerror(errno)));
  }
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

absl::StatusOr<std::vector<BenchmarkPage>> LoadGroundTruth(
    const std::string& folder) {
  std::string path = folder + "/ground-truth.json";
  absl::StatusOr<std::string> text = ReadWholeFile(path);
  if (!text.ok()) return text.status();
  absl::StatusOr<JsonValue> json = ParseJson(*text);
  if (!json.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": ", std::string(json.status().message())));
  }
  if (!json->is_object()) {
    return absl::InvalidArgumentError(path + ": not a JSON object");
  }
  std::vector<BenchmarkPage> pages;
  for (const auto& [id, record] : json->object) {
    pages.push_back(
        {id, record.StringOr("url"), record.StringOr("articleBody")});
  }
  std::sort(pages.begin(), pages.end(),
            [](const BenchmarkPage& a, const BenchmarkPage& b) {
              return a.id < b.id;
            });
  return pages;
}

absl::StatusOr<std::string> ReadPageHtml(const std::string& folder,
                                         const std::string& id) {
  std::string path = absl::StrCat(folder, "/html/", id, ".html.gz");
  gzFile file = gzopen(path.c_str(), "rb");
  if (file == nullptr) return absl::NotFoundError("cannot open " + path);
  std::string out;
  char buffer[1 << 16];
  int read = 0;
  while ((read = gzread(file, buffer, sizeof(buffer))) > 0) {
    out.append(buffer, read);
  }
  bool failed = read < 0;
  gzclose(file);
  if (failed) return absl::DataLossError("cannot gunzip " + path);
  return out;
}

absl::StatusOr<absl::flat_hash_map<std::string, std::string>> LoadPredictions(
    const std::string& path) {
  absl::StatusOr<std::string> text = ReadWholeFile(path);
  if (!text.ok()) return text.status();
  absl::StatusOr<JsonValue> json = ParseJson(*text);
  if (!json.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": ", std::string(json.status().message())));
  }
  const JsonValue* records = &*json;
  const JsonValue* nested = json->Find("output");
  if (nested != nullptr && nested->is_object() && json->Find("version")) {
    records = nested;
  }
  if (!records->is_object()) {
    return absl::InvalidArgumentError(path + ": not a JSON object");
  }
  absl::flat_hash_map<std::string, std::string> predictions;
  for (const auto& [id, record] : records->object) {
    predictions[id] = record.StringOr("articleBody");
  }
  return predictions;
}

}  // namespace newsflow::html
