#include "stages/ingest/html/segment_eval.h"

#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/utf8.h"
#include "stages/ingest/html/json_value.h"
#include "stages/ingest/html/shingle_eval.h"

namespace newsflow::html {
namespace {

// What `\s` matches in a Python 3 str pattern (str.isspace()).
bool IsPythonSpace(char32_t cp) {
  if (cp <= 0x20)
    return cp == ' ' || (cp >= 0x09 && cp <= 0x0D) ||
           (cp >= 0x1C && cp <= 0x1F);
  return cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
         (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 ||
         cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

std::vector<std::string> Strings(const JsonValue* value) {
  std::vector<std::string> out;
  if (value == nullptr || !value->is_array()) return out;
  for (const JsonValue& item : value->array) {
    if (item.is_string()) out.push_back(item.string);
  }
  return out;
}

}  // namespace

std::string NormalizePythonSpace(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  const std::string_view view(text.data(), text.size());
  bool pending_space = false;
  size_t pos = 0;
  while (pos < view.size()) {
    size_t length = 0;
    char32_t cp = DecodeUtf8At(view, pos, &length);
    if (IsPythonSpace(cp)) {
      pending_space = true;
    } else {
      if (pending_space && !out.empty()) out.push_back(' ');
      pending_space = false;
      out.append(view.data() + pos, length);
    }
    pos += length;
  }
  return out;
}

void SegmentCounts::Add(const SegmentCounts& other) {
  tp += other.tp;
  fp += other.fp;
  fn += other.fn;
  tn += other.tn;
}

double SegmentCounts::Precision() const {
  return tp + fp == 0 ? 0.0 : static_cast<double>(tp) / (tp + fp);
}

double SegmentCounts::Recall() const {
  return tp + fn == 0 ? 0.0 : static_cast<double>(tp) / (tp + fn);
}

double SegmentCounts::F1() const {
  int denominator = 2 * tp + fp + fn;
  return denominator == 0 ? 0.0 : 2.0 * tp / denominator;
}

SegmentCounts CountSegments(const SegmentPage& page, absl::string_view output) {
  std::string text = NormalizePythonSpace(output);
  SegmentCounts counts;
  for (const std::string& segment : page.with) {
    if (absl::StrContains(text, NormalizePythonSpace(segment))) {
      ++counts.tp;
    } else {
      ++counts.fn;
    }
  }
  for (const std::string& segment : page.without) {
    if (absl::StrContains(text, NormalizePythonSpace(segment))) {
      ++counts.fp;
    } else {
      ++counts.tn;
    }
  }
  return counts;
}

absl::StatusOr<std::vector<SegmentPage>> LoadSegmentPages(
    const std::string& folder) {
  absl::StatusOr<std::string> text = ReadWholeFile(folder + "/evaldata.json");
  if (!text.ok()) return text.status();
  absl::StatusOr<JsonValue> json = ParseJson(*text);
  if (!json.ok()) return json.status();
  if (!json->is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat(folder, "/evaldata.json: not a JSON object"));
  }
  std::vector<SegmentPage> pages;
  for (const auto& [url, item] : json->object) {
    SegmentPage page;
    page.url = url;
    page.file = item.StringOr("file");
    page.with = Strings(item.Find("with"));
    page.without = Strings(item.Find("without"));
    if (page.file.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(folder, "/evaldata.json: ", url, " names no file"));
    }
    pages.push_back(std::move(page));
  }
  return pages;
}

}  // namespace newsflow::html
