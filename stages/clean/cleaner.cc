#include "stages/clean/cleaner.h"

#include <algorithm>
#include <string>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/text.h"
#include "stages/clean/boilerplate.h"
#include "stages/clean/hyphenation.h"
#include "stages/clean/text_repair.h"
#include "stages/clean/utf8_scan.h"

namespace newsflow {
namespace clean {
namespace {

// One body line (or several, rejoined) that is kept or removed as a whole.
struct Unit {
  std::string text;
  int paragraph = 0;                // index of the input paragraph it came from
  std::string_view removed_reason;  // a kReason* tag; empty while kept
};

// The article while it moves through the steps.
struct Document {
  std::string title;
  std::string replaced_title;  // the candidate title fix_title dropped
  std::string_view replaced_title_reason;
  std::vector<Unit> units;
  std::vector<std::string> warnings;
};

// ---------------------------------------------------------------------------
// repair_text: repair, then lay the body out as units.

bool IsBulletStart(std::string_view line) {
  size_t length = 0;
  char32_t cp = DecodeAt(line, 0, &length);
  return cp == 0x2022 || cp == '-' || cp == '*' || cp == 0x2013 ||
         cp == 0x2014 || cp == 0x00B7;
}

bool StartsLowercase(std::string_view line) {
  size_t length = 0;
  return IsLowercaseLetter(DecodeAt(line, 0, &length));
}

// "Secu-" at the end of a line: a word broken by the layout.
bool EndsWithWordHyphen(std::string_view line) {
  if (line.size() < 2 || line.back() != '-') return false;
  size_t length = 0;
  char32_t before = DecodeBefore(line, line.size() - 1, &length);
  return IsLetter(before) || IsAsciiDigit(before);
}

// A paragraph of lines cut at a fixed width (e-mail, wire copy): three or
// more lines of similar length that mostly stop mid-sentence.
bool IsHardWrapped(const std::vector<std::string_view>& lines) {
  if (lines.size() < 3) return false;
  size_t longest = 0;
  for (std::string_view line : lines) longest = std::max(longest, line.size());
  if (longest < 40) return false;
  size_t open_ended = 0;
  for (size_t i = 0; i + 1 < lines.size(); ++i) {
    if (lines[i].size() * 10 < longest * 6 || IsBulletStart(lines[i])) {
      return false;
    }
    if (!EndsSentence(lines[i])) ++open_ended;
  }
  return open_ended * 2 >= lines.size() - 1;
}

void AppendContinuation(std::string_view line, std::string* unit) {
  // A capitalized continuation after a line-end hyphen was a compound
  // ("pro-\nWestern"); a lowercase one is left to join_hyphenation, which
  // sees the same "Secu- rity" as in print that lost its line breaks.
  if (!(EndsWithWordHyphen(*unit) && !StartsLowercase(line))) *unit += ' ';
  unit->append(line.data(), line.size());
}

// How many chrome units a continuation may reach back over
// ("... the plan would\n\nAdvertisement\n\nrequire new funding.").
constexpr int kMaxChromeSkipped = 3;

// The unit that `line` continues, or nullptr when `line` starts a new one.
// A lowercase start after an unfinished sentence continues it: a hard wrap,
// text around a link the scraper lost ("Jamaican\n\nstretched her lead"),
// or a sentence an advertisement cut in two. A line-end hyphen joins the
// next line of the same paragraph.
Unit* ContinuedUnit(std::string_view line, bool same_paragraph,
                    bool skip_chrome, std::vector<Unit>* units) {
  if (units->empty()) return nullptr;
  Unit* previous = &units->back();
  if (same_paragraph && EndsWithWordHyphen(previous->text)) {
    size_t length = 0;
    return IsLetter(DecodeAt(line, 0, &length)) ? previous : nullptr;
  }
  if (!StartsLowercase(line)) return nullptr;
  size_t index = units->size() - 1;
  if (skip_chrome) {
    int skipped = 0;
    while (!ClassifyLine((*units)[index].text).empty()) {
      if (index == 0 || ++skipped > kMaxChromeSkipped) return nullptr;
      --index;
    }
  }
  Unit* target = &(*units)[index];
  return EndsSentence(target->text) ? nullptr : target;
}

std::vector<Unit> LayOutUnits(std::string_view repaired_body,
                              bool skip_chrome) {
  std::vector<Unit> units;
  int paragraph = 0;
  for (absl::string_view para : absl::StrSplit(
           absl::string_view(repaired_body.data(), repaired_body.size()),
           "\n\n", absl::SkipEmpty())) {
    std::vector<std::string_view> lines;
    for (absl::string_view line : absl::StrSplit(para, '\n')) {
      lines.emplace_back(line.data(), line.size());
    }
    bool wrapped = IsHardWrapped(lines);
    bool first_line = true;
    for (std::string_view line : lines) {
      bool same_paragraph = !first_line;
      first_line = false;
      Unit* continued =
          wrapped && same_paragraph
              ? &units.back()
              : ContinuedUnit(line, same_paragraph, skip_chrome, &units);
      if (continued != nullptr) {
        AppendContinuation(line, &continued->text);
      } else {
        units.push_back(Unit{std::string(line), paragraph, {}});
      }
    }
    ++paragraph;
  }
  return units;
}

absl::StatusOr<Document> RepairAndLayOut(const CleanerOptions& options,
                                         const v1::Article& article) {
  Document doc;
  absl::StatusOr<std::string> title =
      RepairText(article.title(), options.normalize_unicode);
  if (!title.ok()) return title.status();
  doc.title = FlattenToLine(*title);
  absl::StatusOr<std::string> body =
      RepairText(article.body(), options.normalize_unicode);
  if (!body.ok()) return body.status();
  doc.units = LayOutUnits(*body, options.remove_boilerplate);
  return doc;
}

// ---------------------------------------------------------------------------
// join_hyphenation

void JoinHyphenationStep(const CleanerOptions&, Document* doc) {
  doc->title = JoinHyphenation(doc->title);
  for (Unit& unit : doc->units) {
    if (unit.text.find("- ") != std::string::npos) {
      unit.text = JoinHyphenation(unit.text);
    }
  }
}

// ---------------------------------------------------------------------------
// remove_boilerplate

// Longest line taken for a caption without caption markers of its own.
constexpr int kMaxCaptionWords = 30;

// Lets weak lines share the fate of adjacent chrome in the same paragraph
// ("0 / 0" above a sign-in box, the bullets under it, a caption's first
// half). Short-line removals do not spread: a short line alone is no
// evidence about its neighbours.
void SpreadToWeakNeighbours(std::vector<Unit>* units) {
  auto spreads = [](const Unit& unit) {
    return !unit.removed_reason.empty() &&
           unit.removed_reason != kReasonShortLine;
  };
  auto absorbs = [](const Unit& unit, int paragraph) {
    return unit.removed_reason.empty() && unit.paragraph == paragraph &&
           IsWeakLine(unit.text);
  };
  std::vector<Unit>& u = *units;
  for (size_t i = 0; i < u.size(); ++i) {
    if (!spreads(u[i])) continue;
    for (size_t j = i + 1; j < u.size() && absorbs(u[j], u[i].paragraph); ++j) {
      u[j].removed_reason = u[i].removed_reason;
    }
  }
  for (size_t i = u.size(); i-- > 0;) {
    if (!spreads(u[i])) continue;
    for (size_t j = i; j-- > 0 && absorbs(u[j], u[i].paragraph);) {
      u[j].removed_reason = u[i].removed_reason;
    }
    // A credit-only line takes the caption above it, sentence or not.
    if (i > 0 && u[i].removed_reason == kReasonCaption &&
        u[i - 1].removed_reason.empty() &&
        u[i - 1].paragraph == u[i].paragraph &&
        CountWords(u[i - 1].text) <= kMaxCaptionWords &&
        IsPhotoCreditLine(u[i].text)) {
      u[i - 1].removed_reason = kReasonCaption;
    }
  }
}

// Removes short fragments (see IsShortFragment) that hold no letter or lie
// outside the run of sentences: menus, bylines and widgets gather before the
// first sentence and after the last, while between sentences a short line
// is most likely a subheading.
void RemoveShortFragments(int min_words, std::vector<Unit>* units) {
  if (min_words <= 0) return;
  std::vector<Unit>& u = *units;
  size_t first_sentence = u.size();
  size_t last_sentence = 0;
  for (size_t i = 0; i < u.size(); ++i) {
    if (u[i].removed_reason.empty() && EndsSentence(u[i].text)) {
      first_sentence = std::min(first_sentence, i);
      last_sentence = i;
    }
  }
  for (size_t i = 0; i < u.size(); ++i) {
    if (!u[i].removed_reason.empty() ||
        !IsShortFragment(u[i].text, min_words)) {
      continue;
    }
    bool outside = i < first_sentence || i > last_sentence;
    if (outside || HasNoLetters(u[i].text)) {
      u[i].removed_reason = kReasonShortLine;
    }
  }
}

void RemoveBoilerplateStep(const CleanerOptions& options, Document* doc) {
  for (Unit& unit : doc->units) unit.removed_reason = ClassifyLine(unit.text);
  RemoveShortFragments(options.min_body_line_words, &doc->units);
  SpreadToWeakNeighbours(&doc->units);
}

// ---------------------------------------------------------------------------
// fix_title

int FirstKeptUnit(const Document& doc) {
  for (size_t i = 0; i < doc.units.size(); ++i) {
    if (doc.units[i].removed_reason.empty()) return static_cast<int>(i);
  }
  return -1;
}

void FixTitleStep(const CleanerOptions& options, Document* doc) {
  int first = FirstKeptUnit(*doc);
  bool headline_follows =
      first >= 0 && LooksLikeHeadline(doc->units[first].text);
  std::string_view reason;
  if (!doc->title.empty()) {
    if (LooksLikeSectionLabel(doc->title, headline_follows)) {
      reason = kReasonSectionLabel;
    } else if (options.remove_boilerplate) {
      reason = ClassifyLine(doc->title);
    }
    if (reason.empty()) {
      // A page that repeats its headline as the first paragraph.
      if (first >= 0 &&
          absl::EqualsIgnoreCase(doc->units[first].text, doc->title)) {
        doc->units[first].removed_reason = kReasonDuplicateTitle;
      }
      return;
    }
    doc->replaced_title = std::move(doc->title);
    doc->replaced_title_reason = reason;
    doc->title.clear();
  }
  if (headline_follows) {
    doc->title = std::move(doc->units[first].text);
    doc->units.erase(doc->units.begin() + first);
  } else {
    doc->warnings.push_back("clean: no headline found; title left empty");
  }
}

// ---------------------------------------------------------------------------
// The pipeline.

using StepFunction = void (*)(const CleanerOptions&, Document*);

struct Step {
  std::string_view name;
  bool CleanerOptions::*enabled;
  StepFunction run;
};

// repair_text runs first and always (it builds the Document), so it is not
// in this table. A new step goes here, with a switch in CleanerOptions.
constexpr Step kSteps[] = {
    {"join_hyphenation", &CleanerOptions::join_hyphenation,
     &JoinHyphenationStep},
    {"remove_boilerplate", &CleanerOptions::remove_boilerplate,
     &RemoveBoilerplateStep},
    {"fix_title", &CleanerOptions::fix_title, &FixTitleStep},
};

void WriteBack(const CleanerOptions& options, Document doc,
               v1::Article* article) {
  std::string body;
  for (const Unit& unit : doc.units) {
    if (!unit.removed_reason.empty()) continue;
    if (!body.empty()) body += "\n\n";
    body += unit.text;
  }
  if (options.keep_removed) {
    if (!doc.replaced_title.empty()) {
      v1::RemovedLine* removed = article->add_removed();
      removed->set_text(std::move(doc.replaced_title));
      removed->set_reason(std::string(doc.replaced_title_reason));
    }
    for (Unit& unit : doc.units) {
      if (unit.removed_reason.empty()) continue;
      v1::RemovedLine* removed = article->add_removed();
      removed->set_text(std::move(unit.text));
      removed->set_reason(std::string(unit.removed_reason));
    }
  }
  if (body.empty()) {
    doc.warnings.push_back("clean: body is empty after cleaning");
  }
  article->set_title(std::move(doc.title));
  article->set_body(std::move(body));
  for (std::string& warning : doc.warnings) {
    article->add_warnings(std::move(warning));
  }
}

absl::Status CheckUtf8(const v1::Article& article, const char* field,
                       std::string_view text) {
  size_t bad = FirstInvalidUtf8Offset(text);
  if (bad == std::string_view::npos) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("article ", article.id(), ": ", field,
                   " is not valid UTF-8 (bad byte at offset ", bad, ")"));
}

}  // namespace

std::vector<std::string_view> CleanStepNames() {
  std::vector<std::string_view> names = {"repair_text"};
  for (const Step& step : kSteps) names.push_back(step.name);
  return names;
}

absl::Status CleanArticle(const CleanerOptions& options, v1::Article* article) {
  if (absl::Status s = CheckUtf8(*article, "title", article->title());
      !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckUtf8(*article, "body", article->body()); !s.ok()) {
    return s;
  }
  absl::StatusOr<Document> doc = RepairAndLayOut(options, *article);
  if (!doc.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "article ", article->id(), ": ", std::string(doc.status().message())));
  }
  for (const Step& step : kSteps) {
    if (options.*step.enabled) step.run(options, &*doc);
  }
  WriteBack(options, *std::move(doc), article);
  return absl::OkStatus();
}

}  // namespace clean
}  // namespace newsflow
