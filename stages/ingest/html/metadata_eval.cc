#include "stages/ingest/html/metadata_eval.h"

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "common/html_entities.h"
#include "common/letters.h"
#include "common/text.h"
#include "common/utf8.h"
#include "stages/ingest/html/extract.h"
#include "stages/ingest/html/json_value.h"

namespace newsflow::html {
namespace {

// One <script type="application/ld+json"> element: where it starts, where
// its text starts and ends, and where the element ends.
struct ScriptSpan {
  size_t start, text_start, text_end, end;
};

std::vector<ScriptSpan> FindJsonLdScripts(absl::string_view html) {
  std::vector<ScriptSpan> spans;
  const std::string lower = absl::AsciiStrToLower(html);
  for (size_t at = lower.find("<script"); at != std::string::npos;
       at = lower.find("<script", at + 1)) {
    size_t tag_end = lower.find('>', at);
    if (tag_end == std::string::npos) break;
    absl::string_view tag(lower.data() + at, tag_end - at);
    size_t close = lower.find("</script", tag_end);
    if (close == std::string::npos) close = lower.size();
    size_t end = lower.find('>', close);
    end = end == std::string::npos ? lower.size() : end + 1;
    if (absl::StrContains(tag, "application/ld+json")) {
      spans.push_back({at, tag_end + 1, close, end});
    }
    at = end - 1;
  }
  return spans;
}

bool IsTruthType(const JsonValue& object) {
  const JsonValue* type = object.Find("@type");
  if (type == nullptr) return false;
  auto named = [](const JsonValue& t) {
    return t.is_string() &&
           (t.string == "NewsArticle" || t.string == "Article" ||
            t.string == "BlogPosting");
  };
  if (named(*type)) return true;
  if (!type->is_array()) return false;
  for (const JsonValue& t : type->array) {
    if (named(t)) return true;
  }
  return false;
}

void AddAuthors(const JsonValue& value, std::vector<std::string>* out) {
  if (value.is_string()) {
    if (!value.string.empty()) out->push_back(value.string);
  } else if (value.is_object()) {
    const std::string& name = value.StringOr("name");
    if (!name.empty()) out->push_back(name);
  } else if (value.is_array()) {
    for (const JsonValue& item : value.array) {
      if (!item.is_array()) AddAuthors(item, out);
    }
  }
}

// Entities decoded, case and marks folded, ASCII punctuation.
std::string FoldText(absl::string_view text) {
  FoldOptions options;
  options.ascii_punctuation = true;
  return FoldCaseAndMarks(
      DecodeHtmlEntities(std::string_view(text.data(), text.size()),
                         EntityMode::kMarkup),
      options);
}

std::string LettersAndDigits(absl::string_view text) {
  const std::string folded = FoldText(text);
  const std::string_view view(folded);
  std::string out;
  for (size_t pos = 0; pos < view.size();) {
    size_t length = 0;
    char32_t cp = DecodeUtf8At(view, pos, &length);
    if (IsLetter(cp) || IsDecimalDigit(cp))
      out.append(view.substr(pos, length));
    pos += length;
  }
  return out;
}

std::string NameKey(absl::string_view name) {
  std::string folded = FoldText(name);
  std::string out;
  for (char c : folded) {
    if (absl::ascii_isspace(static_cast<unsigned char>(c))) {
      if (!out.empty() && out.back() != ' ') out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  if (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

}  // namespace

MetadataTruth ReadJsonLdTruth(absl::string_view html) {
  MetadataTruth truth;
  std::vector<JsonValue> blocks;
  for (const ScriptSpan& span : FindJsonLdScripts(html)) {
    absl::StatusOr<JsonValue> json = ParseJson(
        html.substr(span.text_start, span.text_end - span.text_start));
    if (json.ok()) blocks.push_back(*std::move(json));
  }
  const JsonValue* article = FindJsonLdObject(blocks, IsTruthType);
  if (article == nullptr) return truth;
  truth.found = true;
  truth.headline = article->StringOr("headline");
  truth.date_published = article->StringOr("datePublished");
  if (const JsonValue* author = article->Find("author")) {
    AddAuthors(*author, &truth.authors);
  }
  return truth;
}

std::string BlankJsonLd(absl::string_view html) {
  std::string out;
  size_t copied = 0;
  for (const ScriptSpan& span : FindJsonLdScripts(html)) {
    out.append(html.data() + copied, span.start - copied);
    copied = span.end;
  }
  out.append(html.data() + copied, html.size() - copied);
  return out;
}

bool TitleMatches(absl::string_view truth, absl::string_view extracted) {
  const std::string a = LettersAndDigits(truth);
  return !a.empty() && a == LettersAndDigits(extracted);
}

bool DateMatches(absl::string_view truth, absl::string_view extracted) {
  const std::string utc = NormalizeDate(truth);
  const std::string ours = NormalizeDate(extracted);
  if (utc.size() < 10 || ours.size() < 10) return false;
  const std::string day = ours.substr(0, 10);
  // NormalizeDate accepted the truth, so it starts with YYYY-MM-DD.
  const std::string written(
      absl::StripLeadingAsciiWhitespace(truth).substr(0, 10));
  return day == utc.substr(0, 10) || day == written;
}

bool AuthorMatches(const std::vector<std::string>& truth,
                   const std::vector<std::string>& extracted, bool name_only) {
  auto key = [name_only](absl::string_view name) {
    std::string folded = NameKey(name);
    if (!name_only) return folded;
    if (absl::StartsWith(folded, "by ")) folded.erase(0, 3);
    for (absl::string_view separator : {", ", " | ", " - ", ";"}) {
      size_t at = folded.find(separator.data(), 0, separator.size());
      if (at != std::string::npos) folded.resize(at);
    }
    return folded;
  };
  if (extracted.empty()) return false;
  const std::string ours = key(extracted.front());
  if (ours.empty()) return false;
  for (const std::string& name : truth) {
    if (key(name) == ours) return true;
  }
  return false;
}

}  // namespace newsflow::html
