#include "stages/clean/cleaner.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "common/date_words.h"
#include "common/html_entities.h"
#include "common/letters.h"
#include "common/text.h"
#include "common/utf8.h"
#include "stages/clean/article_facts.h"
#include "stages/clean/boilerplate.h"
#include "stages/clean/hyphenation.h"
#include "stages/clean/line_model.h"
#include "stages/clean/line_stats.h"
#include "stages/clean/mojibake.h"
#include "stages/clean/quotes.h"
#include "stages/clean/text_repair.h"
#include "stages/clean/vocabulary.h"

namespace newsflow {
namespace clean {
namespace {

// One body line (or several, rejoined) that is kept or removed as a whole.
struct Unit {
  std::string text;
  int paragraph = 0;                // index of the input paragraph it came from
  std::string_view removed_reason;  // a kReason* tag; empty while kept
};

// What extract_facts found.
struct Facts {
  std::optional<StatedTime> published;
  std::optional<StatedTime> updated;
  std::string dateline;
  std::string byline;
  std::vector<std::string> credits;
  std::string stripped_dateline;  // the prefix strip_dateline cut
};

// The article while it moves through the steps.
struct Document {
  std::string title;
  std::string replaced_title;  // the candidate title a step dropped
  std::string_view replaced_title_reason;
  bool title_repeated = false;  // the source repeats it across articles
  std::vector<Unit> units;
  std::vector<std::string> warnings;
  Facts facts;
  // For remove_boilerplate's line statistics.
  LineStats* line_stats = nullptr;
  std::string source_key;
  std::string article_id;
  // Lowercase words naming the outlet, from its URL host (see OutletNames).
  absl::flat_hash_set<std::string> outlet_names;
};

bool IsFactReason(std::string_view reason) {
  return reason == kReasonDateline || reason == kReasonByline ||
         reason == kReasonDateStamp;
}

// ---------------------------------------------------------------------------
// repair_text: repair, then lay the body out as units.

bool IsBulletStart(std::string_view line) {
  size_t length = 0;
  char32_t cp = DecodeUtf8At(line, 0, &length);
  return cp == 0x2022 || cp == '-' || cp == '*' || cp == 0x2013 ||
         cp == 0x2014 || cp == 0x00B7;
}

bool StartsLowercase(std::string_view line) {
  size_t length = 0;
  return IsLowercaseLetter(DecodeUtf8At(line, 0, &length));
}

// "Secu-" at the end of a line: a word broken by the layout.
bool EndsWithWordHyphen(std::string_view line) {
  if (line.size() < 2 || line.back() != '-') return false;
  size_t length = 0;
  char32_t before = DecodeUtf8Before(line, line.size() - 1, &length);
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
  if (open_ended * 2 < lines.size() - 1) return false;
  // A block of stamp lines ("By ...", "Updated ...", "Published ...") has
  // the same shape but is no wrapped paragraph.
  for (std::string_view line : lines) {
    if (ParseStampLine(line).has_value()) return false;
  }
  return true;
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
    return IsLetter(DecodeUtf8At(line, 0, &length)) ? previous : nullptr;
  }
  if (!StartsLowercase(line)) return nullptr;
  size_t index = units->size() - 1;
  if (skip_chrome) {
    int skipped = 0;
    while (!ClassifyLine((*units)[index].text).empty() ||
           IsContactPrompt((*units)[index].text)) {
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
      if (continued == nullptr && same_paragraph &&
          IsTimeOfDayLine(units.back().text)) {
        continued = &units.back();  // "14:52" heading a live-page entry
      }
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

// Entities and mojibake first: both can produce the spaces, invisible
// characters and quotes the later repairs normalize.
absl::StatusOr<std::string> RepairField(const CleanerOptions& options,
                                        std::string_view text, int* mojibake) {
  std::string decoded;
  if (options.decode_entities && text.find('&') != std::string_view::npos) {
    decoded = DecodeHtmlEntities(text, EntityMode::kScrapedText);
    text = decoded;
  }
  std::string repaired;
  // Mojibake always holds a character of U+00C0..U+00FF (0xC3 0x80..0xBF).
  if (options.repair_mojibake && text.find('\xC3') != std::string_view::npos) {
    int count = 0;
    repaired = RepairMojibake(text, &count);
    *mojibake += count;
    text = repaired;
  }
  return RepairText(text, options.normalize_unicode);
}

QuoteStyle ChooseQuoteStyle(QuotePolicy policy, std::string_view title,
                            std::string_view body) {
  switch (policy) {
    case QuotePolicy::kAscii:
      return QuoteStyle::kAscii;
    case QuotePolicy::kTypographic:
      return QuoteStyle::kTypographic;
    case QuotePolicy::kAsWritten:
      return QuoteStyle::kAsWritten;
    case QuotePolicy::kKeep:
      break;
  }
  return DominantQuoteStyle(title, body);
}

absl::StatusOr<Document> RepairAndLayOut(const CleanerOptions& options,
                                         const v1::Article& article) {
  Document doc;
  int mojibake = 0;
  absl::StatusOr<std::string> title =
      RepairField(options, article.title(), &mojibake);
  if (!title.ok()) return title.status();
  absl::StatusOr<std::string> body =
      RepairField(options, article.body(), &mojibake);
  if (!body.ok()) return body.status();
  QuoteStyle style = ChooseQuoteStyle(options.quotes, *title, *body);
  if (style != QuoteStyle::kAsWritten) {
    *title = ApplyQuoteStyle(*title, style);
    *body = ApplyQuoteStyle(*body, style);
  }
  doc.title = FlattenToLine(*title);
  doc.units = LayOutUnits(*body, options.remove_boilerplate);
  if (mojibake > 0) {
    doc.warnings.push_back(
        absl::StrCat("clean: repaired ", mojibake,
                     " mojibake character(s) (UTF-8 read as Windows-1252)"));
  }
  return doc;
}

// ---------------------------------------------------------------------------
// join_hyphenation

void JoinHyphenationStep(const CleanerOptions& options, Document* doc) {
  std::shared_ptr<const Vocabulary> vocabulary = options.vocabulary;
  auto join = [&](const std::string& text) {
    // The built-in list is parsed on first need only.
    if (vocabulary == nullptr) vocabulary = Vocabulary::English();
    return JoinHyphenation(text, vocabulary.get());
  };
  if (doc->title.find("- ") != std::string::npos) doc->title = join(doc->title);
  for (Unit& unit : doc->units) {
    if (unit.text.find("- ") != std::string::npos) unit.text = join(unit.text);
  }
}

// ---------------------------------------------------------------------------
// extract_facts

// A paragraph that reads as story text; stamp lines are looked for before
// the first and after the last (live pages time-stamp their entries in
// between, and those stamps are content).
bool IsProse(const Unit& unit) {
  return unit.removed_reason.empty() && EndsSentence(unit.text) &&
         HasAtLeastWords(unit.text, 8);
}

// Paragraphs from the top in which a dateline may open the story (after a
// standfirst, a caption and its credit), and in which stamp lines are taken
// whatever precedes them.
constexpr int kMaxDatelineParagraph = 6;

void AddCredit(std::string credit, std::vector<std::string>* credits) {
  if (credit.empty()) return;
  for (const std::string& known : *credits) {
    if (absl::EqualsIgnoreCase(known, credit)) return;
  }
  credits->push_back(std::move(credit));
}

std::string_view StampReason(const StampLine& stamp) {
  if (!stamp.byline.empty()) return kReasonByline;
  if (!stamp.dateline.empty()) return kReasonDateline;
  return kReasonDateStamp;
}

void TakeStamp(StampLine stamp, Facts* facts) {
  if (!facts->published.has_value()) facts->published = stamp.published;
  if (!facts->updated.has_value()) facts->updated = stamp.updated;
  if (facts->dateline.empty()) facts->dateline = std::move(stamp.dateline);
  if (facts->byline.empty()) facts->byline = std::move(stamp.byline);
  for (std::string& credit : stamp.credits) {
    AddCredit(std::move(credit), &facts->credits);
  }
}

int HeadlineByShape(const Document& doc, bool shape_bylines_are_stamps);

// Whether `line` holds a byline read before a comma and the writer's role
// after it ("Answered by NAME, Pensions Columnist"): a headline's clause
// before the comma leaves the name it reads after it ("Backed by Rovers,
// Ann Vale Signs On").
bool NamesBeforeRole(std::string_view line) {
  const size_t comma = line.find(", ");
  if (comma == std::string_view::npos) return false;
  std::optional<StampLine> stamp = ParseStampLine(line);
  return stamp.has_value() && !stamp->byline.empty() &&
         line.substr(0, comma).find(stamp->byline) != std::string_view::npos;
}

// Whether a byline read from its shape alone (StampLine::byline_by_shape)
// at unit `i` stands where bylines do: directly under another stamp line,
// with a role between a headline-shaped line and a date stamp, or below
// the headline found by shape (`headline`, -1 when none). A line
// just above the opening byline and date is where the headline stands
// ("Profile: Jane Doe" over "By Jon Roe"), so a stamp line under it does
// not make it a byline.
bool StandsAsByline(const std::vector<Unit>& units, size_t i, int headline) {
  if (i > 0) {
    const Unit& above = units[i - 1];
    if (IsFactReason(above.removed_reason)) return true;
    if (std::optional<StampLine> stamp = ParseStampLine(above.text);
        stamp.has_value() && !stamp->byline_by_shape) {
      return true;
    }
    // With the writer's role after a comma, between a headline-shaped line
    // and a stamp of dates alone ("Can I retire early?" / "Answered by
    // NAME, Pensions Columnist" / "Published DATE"): a headline names no
    // role, and the byline's place is above the date.
    if (i + 1 < units.size() && above.removed_reason.empty() &&
        HasHeadlineShape(above.text) && NamesBeforeRole(units[i].text)) {
      std::optional<StampLine> below = ParseStampLine(units[i + 1].text);
      if (below.has_value() && below->byline.empty() &&
          below->dateline.empty() &&
          (below->published.has_value() || below->updated.has_value())) {
        return true;
      }
    }
  }
  return headline >= 0 && static_cast<size_t>(headline) < i;
}

bool NamesOutlet(std::string_view line,
                 const absl::flat_hash_set<std::string>& names,
                 bool partial = false);

// Whether the only fact of `stamp` is a place in capitals: a dateline, or
// a masthead or an end mark set the same way.
bool HoldsOnlyADateline(const StampLine& stamp) {
  return !stamp.dateline.empty() && stamp.byline.empty() &&
         !stamp.published.has_value() && !stamp.updated.has_value();
}

// A dateline opens the story and names where it was written: a line that
// holds only capitals naming the outlet ("MOORSIDE VOICE" for
// moorsidevoice.example) is its masthead, and one under the story's last
// paragraph ("ENDS") is no dateline either.
bool IsFalseDateline(const StampLine& stamp, bool after_story,
                     const absl::flat_hash_set<std::string>& outlet_names) {
  return HoldsOnlyADateline(stamp) &&
         (after_story || NamesOutlet(stamp.dateline, outlet_names));
}

// Whether a stamp the title reads as states a fact the story's own first
// line states as well (a byline, or a date): a page prints its opening
// byline and date once, so such a title is a headline that reads as one
// ("Good News Team · 3 May 2024" over "By NAME | DATE").
// Only a title that names someone (a byline or a credit) other than the
// story's byline: a title that is only a date, or the story's byline, is a
// stamp still.
bool StampRepeatedUnderTitle(const StampLine& title_stamp,
                             const std::vector<Unit>& units) {
  if (title_stamp.byline.empty() && title_stamp.credits.empty()) return false;
  for (const Unit& unit : units) {
    if (!unit.removed_reason.empty()) continue;
    const std::optional<StampLine> stamp = ParseStampLine(unit.text);
    return stamp.has_value() && stamp->byline != title_stamp.byline &&
           (!stamp->byline.empty() || (title_stamp.published.has_value() &&
                                       stamp->published.has_value()));
  }
  return false;
}

void ExtractFactsStep(const CleanerOptions& options, Document* doc) {
  if (!doc->title.empty()) {
    if (std::optional<StampLine> stamp = ParseStampLine(doc->title);
        stamp.has_value() && !stamp->byline_by_shape &&
        !(HasHeadlineShape(doc->title) &&
          StampRepeatedUnderTitle(*stamp, doc->units))) {
      // A masthead in capitals is no title either, and gives no fact.
      if (IsFalseDateline(*stamp, /*after_story=*/false, doc->outlet_names)) {
        doc->replaced_title_reason = kReasonOutletName;
      } else {
        doc->replaced_title_reason = StampReason(*stamp);
        TakeStamp(*std::move(stamp), &doc->facts);
      }
      doc->replaced_title = std::move(doc->title);
      doc->title.clear();
    }
  }
  std::vector<Unit>& units = doc->units;
  size_t first_prose = units.size();
  size_t last_prose = 0;
  for (size_t i = 0; i < units.size(); ++i) {
    if (!IsProse(units[i])) continue;
    first_prose = std::min(first_prose, i);
    last_prose = i;
  }
  // Shape bylines count as stamps here, so that the headline found is the
  // line above them when it has a headline's shape.
  const int headline = HeadlineByShape(*doc, /*shape_bylines_are_stamps=*/true);
  int kept_before = 0;
  for (size_t i = 0; i < units.size(); ++i) {
    // The head of the article counts as outside too: a promo sentence
    // ("Members read without limits.") can sit between the headline and
    // the byline, and a stamp line is a whole line of facts, so the head
    // holds no prose it could be confused with.
    const bool head = kept_before < kMaxDatelineParagraph;
    if (units[i].removed_reason.empty()) ++kept_before;
    bool outside = head || i < first_prose || i > last_prose;
    if (!outside || !units[i].removed_reason.empty()) continue;
    if (std::optional<StampLine> stamp = ParseStampLine(units[i].text);
        stamp.has_value() &&
        (!stamp->byline_by_shape || StandsAsByline(units, i, headline)) &&
        !IsFalseDateline(*stamp, first_prose < units.size() && i > last_prose,
                         doc->outlet_names)) {
      units[i].removed_reason = StampReason(*stamp);
      TakeStamp(*std::move(stamp), &doc->facts);
    }
  }
  // "Jan Visser / 7th October 2025": a bare name on the line just above
  // the head's date stamp is its byline.
  for (size_t i = 1; i < units.size() && i < first_prose; ++i) {
    if (units[i].removed_reason != kReasonDateStamp) continue;
    Unit& above = units[i - 1];
    if (doc->facts.byline.empty() && above.removed_reason.empty()) {
      if (std::optional<std::string> name = ParseBareName(above.text)) {
        above.removed_reason = kReasonByline;
        doc->facts.byline = *std::move(name);
      }
    }
    break;
  }
  int looked_at = 0;
  for (size_t i = 0; i < units.size() && looked_at < kMaxDatelineParagraph;
       ++i) {
    if (!units[i].removed_reason.empty()) continue;
    ++looked_at;
    std::optional<DatelinePrefix> dateline = MatchDatelinePrefix(units[i].text);
    if (!dateline.has_value()) continue;
    if (doc->facts.dateline.empty()) doc->facts.dateline = dateline->city;
    if (!doc->facts.published.has_value()) {
      doc->facts.published = dateline->date;
    }
    AddCredit(dateline->agency, &doc->facts.credits);
    if (options.strip_dateline) {
      std::string prefix = units[i].text.substr(0, dateline->length);
      while (!prefix.empty() && prefix.back() == ' ') prefix.pop_back();
      doc->facts.stripped_dateline = std::move(prefix);
      units[i].text.erase(0, dateline->length);
    }
    break;
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
           unit.removed_reason != kReasonShortLine &&
           !IsFactReason(unit.removed_reason);
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
        !HasAtLeastWords(u[i - 1].text, kMaxCaptionWords + 1) &&
        IsPhotoCreditLine(u[i].text)) {
      u[i - 1].removed_reason = kReasonCaption;
    }
  }
}

// Fewest words of a sentence that anchors the run of sentences (shorter
// ones, "Like Loading...", are as likely to be buttons).
constexpr int kMinAnchorWords = 3;
// Longest button-like line ("Leave a tribute") taken for a call to action
// after the last sentence.
constexpr int kMaxTailButtonWords = 6;

// Removes short fragments (see IsShortFragment) that hold no letter or lie
// outside the run of sentences: menus, bylines and widgets gather before the
// first sentence and after the last, while between sentences a short line
// is most likely a subheading. A fragment heading a bullet list ("Key
// points") stays with its list. After the last sentence, a short line
// that tells the reader to do something is a button ("Leave a tribute").
void RemoveShortFragments(int min_words, std::vector<Unit>* units) {
  if (min_words <= 0) return;
  std::vector<Unit>& u = *units;
  size_t first_sentence = u.size();
  size_t last_sentence = 0;
  for (size_t i = 0; i < u.size(); ++i) {
    if (u[i].removed_reason.empty() && EndsSentence(u[i].text) &&
        HasAtLeastWords(u[i].text, kMinAnchorWords)) {
      first_sentence = std::min(first_sentence, i);
      last_sentence = i;
    }
  }
  for (size_t i = 0; i < u.size(); ++i) {
    if (!u[i].removed_reason.empty()) continue;
    const bool heads_list =
        i + 1 < u.size() && u[i + 1].paragraph == u[i].paragraph &&
        u[i + 1].removed_reason.empty() && IsBulletStart(u[i + 1].text) &&
        !IsBulletStart(u[i].text);
    if (first_sentence < u.size() && i > last_sentence &&
        !EndsSentence(u[i].text) &&
        !HasAtLeastWords(u[i].text, kMaxTailButtonWords + 1) &&
        StartsWithImperative(u[i].text)) {
      u[i].removed_reason = kReasonCallToAction;  // a button under the story
      continue;
    }
    if (!IsShortFragment(u[i].text, min_words)) continue;
    bool outside = i < first_sentence || i > last_sentence;
    if (HasNoLetters(u[i].text) || (outside && !heads_list)) {
      u[i].removed_reason = kReasonShortLine;
    }
  }
}

// Fewest headline-shaped lines after the story that make a list of links.
constexpr int kMinTailListLines = 2;

// "1. ", "2) ": a list number; its length, 0 when `line` opens without one.
size_t ListNumberLength(std::string_view line) {
  size_t digits = 0;
  while (digits < line.size() && digits < 3 &&
         absl::ascii_isdigit(static_cast<unsigned char>(line[digits]))) {
    ++digits;
  }
  if (digits == 0 || digits + 1 >= line.size() ||
      (line[digits] != '.' && line[digits] != ')') || line[digits + 1] != ' ') {
    return 0;
  }
  return digits + 2;
}

// Fewest words of a headline in a list of other stories (shorter lines are
// a table's cells: "16th PREM", "WINNERS (once)").
constexpr int kMinListItemWords = 4;
// Most words of the label that heads a list of other stories.
constexpr int kMaxListLabelWords = 4;

// After the story's last sentence, a line already cut as chrome ("More
// from the Gazette", "Most read") heading two or more headline-shaped lines
// of four or more words (maybe numbered), or one with nothing kept under
// it, is the label of a list of other stories: the lines go.
// A list that follows the story's text or a kept heading (a draw, a table
// of seeds) is the story's own.
void RemoveTailLinkLists(std::vector<Unit>* units) {
  std::vector<Unit>& u = *units;
  size_t last_sentence = u.size();
  for (size_t i = 0; i < u.size(); ++i) {
    if (u[i].removed_reason.empty() && EndsSentence(u[i].text) &&
        HasAtLeastWords(u[i].text, kMinAnchorWords)) {
      last_sentence = i;
    }
  }
  if (last_sentence == u.size()) return;
  for (size_t label = last_sentence + 1; label + 1 < u.size(); ++label) {
    if (u[label].removed_reason.empty() ||
        IsFactReason(u[label].removed_reason) || EndsSentence(u[label].text) ||
        HasAtLeastWords(u[label].text, kMaxListLabelWords + 1)) {
      continue;
    }
    // The list runs on over lines other rules cut (one naming the outlet).
    size_t end = label + 1;
    int headlines = 0;
    while (
        end < u.size() && !IsFactReason(u[end].removed_reason) &&
        HasAtLeastWords(u[end].text, kMinListItemWords) &&
        HasHeadlineShape(u[end].text.substr(ListNumberLength(u[end].text)))) {
      ++headlines;
      ++end;
    }
    // One headline is a list too when nothing of the article is kept
    // under it: a subheading heads text, and the story is over.
    bool text_under = false;
    for (size_t i = end; i < u.size() && !text_under; ++i) {
      text_under = u[i].removed_reason.empty();
    }
    if (headlines < kMinTailListLines && (headlines == 0 || text_under)) {
      continue;
    }
    for (size_t i = label + 1; i < end; ++i) {
      if (u[i].removed_reason.empty()) u[i].removed_reason = kReasonLinkLabel;
    }
    label = end - 1;
  }
}

// Share of a source's articles (since a line first appeared) that must
// repeat the line: chrome is on most pages, while a background paragraph
// that a few stories about the same event reuse is on few of them.
constexpr double kMinRepeatedShare = 0.2;
// Distinct articles of a source that make a line without sentence
// punctuation outside the story's prose chrome.
constexpr int kMinEdgeArticles = 2;
// Most repeated sentences taken from each edge of an article (a footer
// has a few).
constexpr int kMaxEdgeSentences = 3;

// Removes lines the source has repeated in at least `min_articles`
// distinct articles. A line without sentence punctuation goes wherever it
// stands ("Advertisement", "Most read"); a sentence only when it is part of
// the run of chrome at the top or bottom of the article (a footer
// promoting a newsletter): inside the story, a repeated sentence is more
// likely a quote or background the outlet reuses.
void RemoveRepeatedLines(int min_articles, Document* doc) {
  if (doc->line_stats == nullptr || min_articles <= 0) return;
  std::vector<Unit>& u = doc->units;
  std::vector<std::string_view> lines;
  lines.reserve(u.size() + 1);
  for (const Unit& unit : u) lines.push_back(unit.text);
  lines.push_back(doc->title);
  const std::vector<uint64_t> keys = LineStats::LineKeys(lines);
  std::vector<LineStats::Seen> seen =
      doc->line_stats->Observe(doc->source_key, doc->article_id, keys);
  auto is_repeated = [&](size_t i) {
    return seen[i].articles >= min_articles &&
           seen[i].share >= kMinRepeatedShare;
  };
  doc->title_repeated = !doc->title.empty() && is_repeated(u.size());
  // Outside the story's prose, a line without sentence punctuation that the
  // source printed in another article already is its chrome ("Print this
  // page"): a story's own words rarely repeat there.
  size_t first_prose = u.size(), last_prose = 0;
  for (size_t i = 0; i < u.size(); ++i) {
    if (!IsProse(u[i])) continue;
    first_prose = std::min(first_prose, i);
    last_prose = i;
  }
  std::vector<bool> repeated(u.size());
  for (size_t i = 0; i < u.size(); ++i) {
    repeated[i] = is_repeated(i);
    const bool edge = i < first_prose || i > last_prose;
    const bool repeated_at_edge =
        edge && seen[i].articles >= std::min(min_articles, kMinEdgeArticles) &&
        seen[i].share >= kMinRepeatedShare;
    if ((repeated[i] || repeated_at_edge) && u[i].removed_reason.empty() &&
        !EndsSentence(u[i].text)) {
      u[i].removed_reason = kReasonRepeatedLine;
    }
  }
  // An update of a story the source already sent repeats most of it: then
  // repeated sentences are the story, not chrome. Otherwise the edges give
  // up at most a few sentences, and never the last of the prose.
  int kept_prose = 0;
  int repeated_prose = 0;
  for (size_t i = 0; i < u.size(); ++i) {
    if (!IsProse(u[i])) continue;
    ++kept_prose;
    repeated_prose += repeated[i];
  }
  if (repeated_prose * 2 > kept_prose) return;
  int sentence_budget = 0;
  auto take_edge = [&](size_t i) {
    if (!u[i].removed_reason.empty()) return true;
    if (!repeated[i] || sentence_budget == 0) return false;
    const bool prose = IsProse(u[i]);
    if (prose && kept_prose <= 1) return false;
    kept_prose -= prose;
    --sentence_budget;
    u[i].removed_reason = kReasonRepeatedLine;
    return true;
  };
  sentence_budget = kMaxEdgeSentences;
  for (size_t i = u.size(); i-- > 0 && take_edge(i);) {
  }
  sentence_budget = kMaxEdgeSentences;
  for (size_t i = 0; i < u.size() && take_edge(i); ++i) {
  }
}

// Cut lines that make a footer: past them, the story is over.
constexpr int kMinFooterLines = 2;
// Longest line taken for the outlet's own tagline or promotion.
constexpr int kMaxOutletLineWords = 15;

// Fewest letters of a capitalised word run that names the outlet by
// starting or ending its host's name, and fewest letters the host's name
// must hold beyond it.
constexpr size_t kMinPartialNameLetters = 5;
constexpr size_t kMinHostNameRest = 3;

// Whether `line` names the outlet: one of its words, or two or three
// adjacent words run together ("The Hindu" for thehindu.com), is a name
// from the URL host. An apostrophe ends a word, so a possessive ("Ostmark
// Wire's") still names the outlet. With `partial`, a capitalised run of
// words that the host's name starts or ends with also names it
// ("Fernvale" for fernvaleherald.example, "Skerry" for skerrypost): hosts
// join a place to a generic word the masthead spells otherwise.
bool NamesOutlet(std::string_view line,
                 const absl::flat_hash_set<std::string>& names, bool partial) {
  std::vector<std::string> words;
  std::vector<bool> capitalised;
  std::string word;
  bool capital = false;
  for (size_t i = 0; i <= line.size(); ++i) {
    char c = i < line.size() ? line[i] : ' ';
    if (c == '\'' || line.substr(i, 3) == "\xE2\x80\x99") c = ' ';
    if (absl::ascii_isalnum(static_cast<unsigned char>(c))) {
      if (word.empty())
        capital = absl::ascii_isupper(static_cast<unsigned char>(c));
      word += absl::ascii_tolower(static_cast<unsigned char>(c));
    } else if (c == ' ' || c == '-' || c == '/' || c == ':' || c == '|') {
      if (!word.empty()) {
        words.push_back(std::move(word));
        capitalised.push_back(capital);
      }
      word.clear();
    }
  }
  auto starts_or_ends_a_name = [&](const std::string& run) {
    if (run.size() < kMinPartialNameLetters) return false;
    for (const std::string& name : names) {
      if (name.size() < run.size() + kMinHostNameRest) continue;
      if (absl::StartsWith(name, run) || absl::EndsWith(name, run)) {
        return true;
      }
    }
    return false;
  };
  for (size_t i = 0; i < words.size(); ++i) {
    std::string run;
    for (size_t k = i; k < words.size() && k < i + 3; ++k) {
      run += words[k];
      if (names.contains(run)) return true;
      if (partial && capitalised[i] && starts_or_ends_a_name(run)) return true;
    }
  }
  return false;
}

// Most words of the name that opens an outlet's note about itself.
constexpr int kMaxOutletSubjectWords = 5;

// "Larchmere FM is part of the Heartland network.", "Deep Time Quarterly
// is published by the Wessex Trust.": a sentence whose subject is the
// outlet's name (capitalised words naming it) and whose verb says what
// the outlet is or who makes it ("is" or "are" then "part of", "a member
// of" or a participle before "by") is the outlet describing itself, not
// the news: a story tells what its subjects did. With `allow_partial`, a
// subject of several words may name the outlet by part of its name (the
// place it is named after, "Hollin Moss" for the Hollin Courier).
bool DescribesTheOutlet(std::string_view line,
                        const absl::flat_hash_set<std::string>& names,
                        bool allow_partial) {
  std::vector<absl::string_view> words = absl::StrSplit(
      absl::string_view(line.data(), line.size()), ' ', absl::SkipEmpty());
  size_t verb = 0;
  while (verb < words.size() && words[verb] != "is" && words[verb] != "are") {
    if (!absl::ascii_isupper(static_cast<unsigned char>(words[verb][0]))) {
      return false;
    }
    ++verb;
  }
  if (verb == 0 || verb > static_cast<size_t>(kMaxOutletSubjectWords) ||
      verb + 2 >= words.size()) {
    return false;
  }
  const absl::string_view last_word = words[verb - 1];
  const std::string_view subject = line.substr(
      0,
      static_cast<size_t>(last_word.data() + last_word.size() - line.data()));
  if (!NamesOutlet(subject, names, /*partial=*/allow_partial && verb > 1)) {
    return false;
  }
  const absl::string_view next = words[verb + 1];
  const absl::string_view after = words[verb + 2];
  if ((next == "part" && after == "of") ||
      (verb + 3 < words.size() && next == "a" && after == "member" &&
       words[verb + 3] == "of")) {
    return true;
  }
  return after == "by" || (absl::EndsWith(next, "ed") && after == "and");
}

// "Ann Vale is a retired teacher.": a sentence of prose that opens with the
// byline's name `name` and a lowercase word. Reporters do not name
// themselves in their own story, so such a sentence is about the writer.
bool IsWritersBlurb(const Unit& unit, const std::string& name) {
  const std::string& text = unit.text;
  return !name.empty() && text.size() > name.size() + 1 &&
         absl::StartsWith(text, name) && text[name.size()] == ' ' &&
         absl::ascii_islower(
             static_cast<unsigned char>(text[name.size() + 1])) &&
         EndsSentence(text) && IsProse(unit);
}

// Whether `line` shares a longer word (see HeadlineWordsInText) with
// `story` other than a word naming the outlet.
bool SharesStoryWord(std::string_view line, std::string_view story,
                     const Document& doc) {
  for (absl::string_view part :
       absl::StrSplit(absl::string_view(line.data(), line.size()), ' ',
                      absl::SkipEmpty())) {
    const std::string_view word(part.data(), part.size());
    if (!NamesOutlet(word, doc.outlet_names, /*partial=*/true) &&
        HeadlineWordsInText(word, story) > 0) {
      return true;
    }
  }
  return false;
}

// Fewest "Label: value" lines under a story that make its fact box
// ("Dates: ...", "Venue: ...") whatever they say; one alone is a page's
// listing unless it counts something (see ReadsAsPageListing).
constexpr int kMinFactBoxLines = 2;

// Whether the "Label: value" line `line`, alone under a story, is the
// page's listing rather than the story's fact box: its value has no number
// ("Topic: Festival", "More on this story: Larchmere festival", where a
// fact box counts, "Staff: 14 journalists"), or its label is one with
// which pages file or link a story whatever follows ("Comments: 12 on the
// festival").
bool ReadsAsPageListing(std::string_view line) {
  static const auto* labels = new absl::flat_hash_set<std::string>{
      "categories", "category", "comments", "filed",    "keywords",
      "posted",     "related",  "section",  "sections", "share",
      "tagged",     "tags",     "topics"};
  const absl::string_view text(line.data(), line.size());
  const absl::string_view first = text.substr(0, text.find_first_of(" :"));
  const size_t colon = text.find(':');
  const absl::string_view value =
      colon == absl::string_view::npos ? text : text.substr(colon + 1);
  return labels->contains(absl::AsciiStrToLower(first)) ||
         std::none_of(value.begin(), value.end(),
                      [](char c) { return absl::ascii_isdigit(c); });
}

// Lines after the story that name the outlet itself: taglines
// ("Portville Ledger - local news since 1887") and house notes ("Our
// Standards: The CPA Trust Principles."). Only after the last paragraph of
// prose: a story may well mention its own paper.
void RemoveOutletLines(Document* doc) {
  if (doc->outlet_names.empty()) return;
  std::vector<Unit>& u = doc->units;
  size_t last_prose = u.size();
  for (size_t i = 0; i < u.size(); ++i) {
    if (IsProse(u[i])) last_prose = i;
  }
  if (last_prose == u.size()) return;
  auto names_outlet = [&](size_t i, bool partial) {
    return u[i].removed_reason.empty() &&
           !HasAtLeastWords(u[i].text, kMaxOutletLineWords + 1) &&
           NamesOutlet(u[i].text, doc->outlet_names, partial);
  };
  // A house note written as a sentence ("The Post is part of the Upland
  // group.", an author's blurb) is the last prose when it sits under the
  // footer: past a run of chrome the story is over. One cut line (an
  // advertisement) is no such run, but a sign-off credit ("(Writing by ...;
  // editing by ...)") ends the story by itself.
  for (;;) {
    if (!names_outlet(last_prose, /*partial=*/false)) break;
    size_t previous = last_prose;
    int chrome = 0;
    bool signed_off = false;
    while (previous-- > 0 && !IsProse(u[previous])) {
      chrome += !u[previous].removed_reason.empty() &&
                !IsFactReason(u[previous].removed_reason);
      signed_off = signed_off || u[previous].removed_reason == kReasonCredit;
    }
    if (previous == static_cast<size_t>(-1) ||
        (chrome < kMinFooterLines && !signed_off)) {
      break;
    }
    u[last_prose].removed_reason = kReasonOutletName;
    last_prose = previous;
  }
  // Past the story's sentences a place name that starts the host's name
  // is the outlet's too ("Turn on alerts for Fernvale").
  for (size_t i = last_prose + 1; i < u.size(); ++i) {
    // The place alone is no evidence: a story's closing lines name it too
    // ("Tickets for Fernvale Park cost £5.").
    if (names_outlet(i, /*partial=*/InvitesTheReader(u[i].text))) {
      u[i].removed_reason = kReasonOutletName;
    }
  }
  // The outlet's note about itself at the page's end (see
  // DescribesTheOutlet), above the lines already cut and the links.
  size_t first_prose = 0;
  while (!IsProse(u[first_prose])) ++first_prose;
  std::vector<size_t> notes;
  size_t story_end = first_prose;
  // The writer's blurb (see RemoveAuthorBlurb) stacked with the note is
  // the page's footer as much as a cut line is.
  bool blurb = false;
  for (size_t i = u.size(); i-- > first_prose + 1;) {
    if (!u[i].removed_reason.empty()) continue;
    if (!IsProse(u[i])) continue;
    if (IsWritersBlurb(u[i], doc->facts.byline)) {
      blurb = true;
      continue;
    }
    if (!DescribesTheOutlet(u[i].text, doc->outlet_names,
                            /*allow_partial=*/true)) {
      story_end = i;
      break;
    }
    notes.push_back(i);
  }
  if (notes.empty()) return;
  // Only under chrome (a line cut between the story and the note, or the
  // writer's blurb): a story's own last sentence may say who runs a place
  // the host is named after ("Fernvale is run by a trust of local
  // families"), or name its own paper in full ("The Larchmere Gazette is
  // owned by Heartland Media, which bought it in 2019.").
  bool cut_line = false;
  // A control the page prints under its story (see IsFooterControl: a
  // "Label: value" listing, "Loading comments…") is weaker evidence, as
  // the blurb is: with it the note must name the outlet in full.
  // But the story's own fact box ("Venue: Castle Park", "Staff: 14
  // journalists") is a listing too: when one of its lines tells of what
  // the story tells (a longer word in common, beside the outlet's name),
  // none of them is a control, unless it is one line that reads as the
  // page's listing ("Section: Festival guide", "Topic: Festival").
  bool control = false;
  int listing_lines = 0;
  bool page_listing = false;
  bool listing_tells_story = false;
  std::string story;
  for (size_t k = first_prose; k <= story_end; ++k) {
    if (IsProse(u[k])) absl::StrAppend(&story, u[k].text, "\n");
  }
  for (size_t k = story_end + 1; k < notes.back(); ++k) {
    cut_line = cut_line || (!u[k].removed_reason.empty() &&
                            !IsFactReason(u[k].removed_reason));
    if (u[k].removed_reason.empty() && IsFooterControl(u[k].text)) {
      control = true;
      const size_t colon = u[k].text.find(": ");
      if (colon == std::string::npos) continue;
      ++listing_lines;
      page_listing = page_listing || ReadsAsPageListing(u[k].text);
      listing_tells_story =
          listing_tells_story || SharesStoryWord(u[k].text, story, *doc);
    }
  }
  control = control && !(listing_tells_story &&
                         (listing_lines >= kMinFactBoxLines || !page_listing));
  if (!cut_line && !blurb && !control) return;
  for (size_t i : notes) {
    // The blurb alone is weaker evidence (a writer's blurb closes many a
    // story): then a note must name the outlet in full, and the lines
    // above one that does not are the story's.
    if (!cut_line && !DescribesTheOutlet(u[i].text, doc->outlet_names,
                                         /*allow_partial=*/false)) {
      break;
    }
    u[i].removed_reason = kReasonOutletName;
  }
}

// The writer's blurb under the story ("Ann Vale is a retired teacher and
// chairs the library friends."): the last sentences that open with the
// byline's name and a lowercase word, whatever cut lines, links and labels
// stand below them. Reporters do not name themselves in
// their own story, so such a sentence is about the writer, not the news.
void RemoveAuthorBlurb(Document* doc) {
  const std::string& name = doc->facts.byline;
  if (name.empty()) return;
  std::vector<Unit>& u = doc->units;
  for (size_t i = u.size(); i-- > 0;) {
    // Links and labels under the blurb ("More columns by ...") are no
    // sentence of the story either.
    if (!u[i].removed_reason.empty()) continue;
    if (!EndsSentence(u[i].text)) {
      if (u[i].text.find(name) != std::string::npos) continue;
      return;
    }
    if (!IsWritersBlurb(u[i], name)) return;
    u[i].removed_reason = kReasonAuthorBlurb;
  }
}

// The first paragraph of prose, -1 when there is none.
int FirstProse(const std::vector<Unit>& units) {
  for (size_t i = 0; i < units.size(); ++i) {
    if (IsProse(units[i])) return static_cast<int>(i);
  }
  return -1;
}

// The controls a page prints under its story (see IsFooterControl:
// "Forward this to a neighbour", "Next match: ...", "Loading comments…"):
// walking up from the article's end, each kept control under a line
// already cut as chrome goes; the first other kept line is the story's and
// ends the walk. At least one paragraph of prose stays above.
void RemoveFooterControls(Document* doc) {
  std::vector<Unit>& u = doc->units;
  const int first_prose = FirstProse(u);
  if (first_prose < 0) return;
  bool under_chrome = false;
  for (int i = static_cast<int>(u.size()) - 1; i > first_prose; --i) {
    if (!u[i].removed_reason.empty()) {
      under_chrome = under_chrome || !IsFactReason(u[i].removed_reason);
      continue;
    }
    if (!under_chrome || !IsFooterControl(u[i].text)) return;
    u[i].removed_reason = kReasonCallToAction;
  }
}

// Sentences at the article's end that speak of the page itself (see
// RefersToThePage): walking up from the end over what is already cut, each
// kept line that does is the outlet's note (an affiliate, disclaimer or
// translation note); the first that does not is the story's, and ends the
// walk. At least one paragraph of prose stays above.
void RemovePageNotes(Document* doc) {
  std::vector<Unit>& u = doc->units;
  const int first_prose = FirstProse(u);
  // No story to keep above: such a line is the page's own text.
  if (first_prose < 0) return;
  for (int i = static_cast<int>(u.size()) - 1; i > first_prose; --i) {
    if (!u[i].removed_reason.empty()) continue;
    if (!RefersToThePage(u[i].text)) return;
    u[i].removed_reason = kReasonPageNote;
  }
}

// The learned scorer's removals, added to the rules' (see
// LearnedChromeLines for where it may act).
void RemoveLearnedChrome(double threshold, Document* doc) {
  if (threshold <= 0) return;
  std::vector<LineView> lines;
  lines.reserve(doc->units.size());
  for (const Unit& unit : doc->units) {
    lines.push_back({unit.text, unit.removed_reason.empty(),
                     IsFactReason(unit.removed_reason),
                     unit.removed_reason == kReasonShortLine});
  }
  for (size_t i :
       LearnedChromeLines(LineModel::BuiltIn(), lines, doc->title, threshold)) {
    doc->units[i].removed_reason = kReasonLearnedChrome;
  }
}

std::string LeadText(const Document& doc, int from);

// True when a sentence ends inside `line` ("... at dawn. Ken Obi", a
// caption and its credit): a lowercase word closed by '.', '!' or '?' and a
// capital after it. A headline is one phrase; initials ("J. Doe") and
// abbreviations ("U.S. aid") are no sentence end.
bool HoldsSentenceEnd(std::string_view line) {
  for (size_t i = 2; i + 2 < line.size(); ++i) {
    const char c = line[i];
    if ((c == '.' || c == '!') && line[i + 1] == ' ' &&
        absl::ascii_islower(static_cast<unsigned char>(line[i - 1])) &&
        absl::ascii_islower(static_cast<unsigned char>(line[i - 2])) &&
        absl::ascii_isupper(static_cast<unsigned char>(line[i + 2]))) {
      return true;
    }
  }
  return false;
}

// Most words of a line that closes on a date for it to be read as the
// stamp under a headline (see ClosesOnFullDate).
constexpr int kMaxDateStampWords = 10;

// Whether `line` is a short phrase that closes on a full date, day month
// year ("Sale report · 18 June 2025", "Posted by the Hall Trust on 17 June
// 2025") or month day, year ("Newsroom | June 17, 2025"): the stamp line
// under a headline, whatever label the outlet gives it, even when the
// stamp parser does not read it.
bool ClosesOnFullDate(std::string_view line) {
  if (HasAtLeastWords(line, kMaxDateStampWords + 1) || HoldsSentenceEnd(line)) {
    return false;
  }
  const std::vector<absl::string_view> words = absl::StrSplit(
      absl::string_view(line.data(), line.size()), ' ', absl::SkipEmpty());
  if (words.size() < 3) return false;
  auto is_number = [](absl::string_view word, size_t min_digits,
                      size_t max_digits) {
    return word.size() >= min_digits && word.size() <= max_digits &&
           std::all_of(word.begin(), word.end(), [](char c) {
             return absl::ascii_isdigit(static_cast<unsigned char>(c));
           });
  };
  auto is_month = [](absl::string_view word) {
    const std::string lower = absl::AsciiStrToLower(word);
    return MonthOfWord(lower, MonthNames::kEnglish) > 0;
  };
  const size_t n = words.size();
  if (!is_number(words[n - 1], 4, 4)) return false;
  const bool closes_on_date =
      (is_number(words[n - 3], 1, 2) && is_month(words[n - 2])) ||
      (is_month(words[n - 3]) &&
       is_number(absl::StripSuffix(words[n - 2], ","), 1, 2));
  // A label of at most kMaxBareStampLabelWords may run into the date ("Sale
  // report 18 June 2025", "Petra Lund 14 May 2025").
  constexpr size_t kMaxBareStampLabelWords = 2;
  if (!closes_on_date || n <= 3 + kMaxBareStampLabelWords) {
    return closes_on_date;
  }
  // A longer one sets its date off ("Sale report · 18 June", "... on 17
  // June"); a headline runs into it ("Pennock Hall reopens 14 June").
  const absl::string_view before = words[n - 4];
  static constexpr absl::string_view kDateSeparators[] = {
      "·", "|", "-", "–", "—", "/", "•", "on", "On"};
  return absl::EndsWith(before, ",") || absl::EndsWith(before, ":") ||
         std::find(std::begin(kDateSeparators), std::end(kDateSeparators),
                   before) != std::end(kDateSeparators);
}

// The first prominent line followed by the body: walking up from the
// story's first paragraph of prose past the stamp lines and picture credits
// under the headline (and one short deck sentence), the first line, when it
// has a headline's shape and no marks of page furniture. Found by shape
// alone, so whatever words it holds ("Sign up for ...", "Watch: ...") it is
// where pages print the headline. -1 when there is none. Bylines read from
// their shape alone are candidates unless `shape_bylines_are_stamps`.
int HeadlineByShape(const Document& doc, bool shape_bylines_are_stamps) {
  const std::vector<Unit>& u = doc.units;
  int i = 0;
  while (i < static_cast<int>(u.size()) && !IsProse(u[i])) ++i;
  if (i == static_cast<int>(u.size())) return -1;
  bool deck_skipped = false;
  auto is_stamp = [&](const Unit& unit) {
    if (IsFactReason(unit.removed_reason)) return true;
    if (ClosesOnFullDate(unit.text)) return true;
    std::optional<StampLine> stamp = ParseStampLine(unit.text);
    return stamp.has_value() &&
           (shape_bylines_are_stamps || !stamp->byline_by_shape);
  };
  constexpr int kMaxFurnitureUnderStamps = 2;
  auto under_stamps = [&](int line) {
    for (int k = std::max(0, line - kMaxFurnitureUnderStamps); k < line; ++k) {
      if (is_stamp(u[k])) return true;
    }
    return false;
  };
  for (--i; i >= 0; --i) {
    const Unit& unit = u[i];
    if (is_stamp(unit) || IsPhotoCreditLine(unit.text)) continue;
    if (!deck_skipped && EndsSentence(unit.text) &&
        !absl::EndsWith(unit.text, "?")) {
      deck_skipped = true;
      continue;
    }
    // The headline opens the head: a line under the byline or date ("Share
    // this article", a caption, a reading time) is furniture there.
    if (under_stamps(i)) continue;
    return HasHeadlineShape(unit.text) && !HasFurnitureMarks(unit.text) &&
                   !HoldsSentenceEnd(unit.text)
               ? i
               : -1;
  }
  return -1;
}

// Longer words (see HeadlineWordsInText) the lead repeats from a cut line
// above it for that line to come back beside a title that heads the same
// lead: one shared word is often only the topic a section label or a
// newsletter button names ("Sign up to our Politics newsletter").
constexpr int kMinHeadlineWordsInLead = 2;

// Keeps the headline found by shape (HeadlineByShape) that a rule or the
// scorer cut, unless it is the title already: a headline is never chrome,
// whatever words it holds. The story must repeat one of its longer words,
// so that a line of chrome standing where a headline would (a listen
// button above the byline) does not come back. When the page's title heads
// the story (the lead repeats one of its longer words), the headline is
// found already: the line must then agree with the title (share a longer
// word) and the lead must repeat kMinHeadlineWordsInLead of its words.
void KeepTheHeadline(Document* doc) {
  const int headline =
      HeadlineByShape(*doc, /*shape_bylines_are_stamps=*/false);
  if (headline < 0) return;
  Unit& unit = doc->units[headline];
  if (unit.removed_reason.empty() || IsFactReason(unit.removed_reason) ||
      absl::EqualsIgnoreCase(unit.text, doc->title)) {
    return;
  }
  const std::string lead = LeadText(*doc, headline + 1);
  // Directly above the stamp line that opens the story is where pages
  // print the headline, whatever words it holds ("Now boarding: ...") and
  // whether or not the lead repeats them, unless the page's title is the
  // headline already: the lead repeats kMinHeadlineWordsInLead of its
  // longer words (a masthead, "Save Pennock Hall", shares one at most).
  // A line a rule cut (a promo or a "Related:" link) printed between a
  // headline-shaped line and the stamp is no headline; the scorer's cuts
  // are guesses the guard may overrule.
  const Unit& below = doc->units[headline + 1];
  const Unit* above = headline > 0 ? &doc->units[headline - 1] : nullptr;
  const bool under_a_headline =
      above != nullptr &&
      (above->removed_reason.empty() ||
       (absl::EqualsIgnoreCase(above->text, doc->title) &&
        HeadlineWordsInText(doc->title, lead) > 0)) &&
      HasHeadlineShape(above->text) && !HasFurnitureMarks(above->text) &&
      !HoldsSentenceEnd(above->text);
  if ((unit.removed_reason == kReasonLearnedChrome || !under_a_headline) &&
      HeadlineWordsInText(doc->title, lead) < kMinHeadlineWordsInLead &&
      (IsFactReason(below.removed_reason) || ClosesOnFullDate(below.text) ||
       ParseStampLine(below.text).has_value())) {
    unit.removed_reason = {};
    return;
  }
  const int in_lead = HeadlineWordsInText(unit.text, lead);
  const bool title_heads_lead =
      !doc->title.empty() && HeadlineWordsInText(doc->title, lead) > 0;
  if (in_lead == 0 ||
      (title_heads_lead && (in_lead < kMinHeadlineWordsInLead ||
                            HeadlineWordsInText(unit.text, doc->title) == 0))) {
    return;
  }
  unit.removed_reason = {};
}

// Most words of the heading of a sign-up box, and of its label before the
// colon.
constexpr int kMaxBoxHeadingWords = 20;
constexpr int kMaxBoxLabelWords = 5;

// A sign-up box is a heading over its form ("Get the morning briefing:
// the day's markets in five minutes." over "Enter your email"): a line
// that opens with an imperative and a colon label right above a line cut
// as a call to action is that box's heading, whatever it goes on to say.
void RemoveCallToActionHeadings(std::vector<Unit>* units) {
  std::vector<Unit>& u = *units;
  for (size_t i = 0; i + 1 < u.size(); ++i) {
    if (!u[i].removed_reason.empty() ||
        u[i + 1].removed_reason != kReasonCallToAction) {
      continue;
    }
    const std::string& text = u[i].text;
    const size_t colon = text.find(": ");
    if (colon == std::string::npos ||
        HasAtLeastWords(text.substr(0, colon), kMaxBoxLabelWords + 1) ||
        HasAtLeastWords(text, kMaxBoxHeadingWords + 1) ||
        !StartsWithImperative(text)) {
      continue;
    }
    if (!InvitesTheReader(text)) continue;
    u[i].removed_reason = kReasonCallToAction;
  }
}

void RemoveBoilerplateStep(const CleanerOptions& options, Document* doc) {
  for (Unit& unit : doc->units) {
    if (unit.removed_reason.empty()) {
      unit.removed_reason = ClassifyLine(unit.text);
    }
    if (unit.removed_reason.empty() && IsHookedPitch(unit.text)) {
      unit.removed_reason = kReasonCallToAction;
    }
    if (unit.removed_reason.empty() && IsContactPrompt(unit.text)) {
      unit.removed_reason = kReasonPageAction;
    }
  }
  RemoveCallToActionHeadings(&doc->units);
  RemoveOutletLines(doc);
  RemoveAuthorBlurb(doc);
  RemoveRepeatedLines(options.repeated_line_min_articles, doc);
  SpreadToWeakNeighbours(&doc->units);
  RemoveShortFragments(options.min_body_line_words, &doc->units);
  RemoveTailLinkLists(&doc->units);
  RemovePageNotes(doc);
  RemoveLearnedChrome(options.learned_chrome_threshold, doc);
  // The footer the scorer cut may have stood under the writer's blurb.
  RemoveAuthorBlurb(doc);
  RemoveFooterControls(doc);
  // With the blurb and the footer's sentences gone, the story's run of
  // sentences may end higher: fragments under it are chrome now.
  RemoveShortFragments(options.min_body_line_words, &doc->units);
  KeepTheHeadline(doc);
}

// ---------------------------------------------------------------------------
// fix_title

int FirstKeptUnit(const Document& doc) {
  for (size_t i = 0; i < doc.units.size(); ++i) {
    if (doc.units[i].removed_reason.empty()) return static_cast<int>(i);
  }
  return -1;
}

// "Reporting and photographs by Ann Beck and Tom Dale": words, then "by"
// and only names (joined by "and" or commas) to the line's end.
bool ReadsAsCreditLine(std::string_view line) {
  const std::string text(line);
  const size_t by = absl::AsciiStrToLower(text).find(" by ");
  if (by == std::string::npos) return false;
  const std::string names = absl::StrReplaceAll(
      absl::string_view(text).substr(by + 4),
      {{", and ", " and "}, {", ", " and "}, {" & ", " and "}});
  for (absl::string_view name : absl::StrSplit(names, " and ")) {
    const absl::string_view stripped = absl::StripAsciiWhitespace(name);
    if (!ParseBareName(std::string_view(stripped.data(), stripped.size()))
             .has_value()) {
      return false;
    }
  }
  return true;
}

// Most words after "our" in the outlet's note about where the story ran,
// besides dates, numbers and words naming an issue (see
// IsIssueWordOrDate): "our archive", "our spring number".
constexpr size_t kMaxNoteWordsAfterOur = 3;

// Whether `word` (lowercase) names an issue of a paper or a date in a note
// of where the story ran ("our 14 June 2025 edition", "our print edition
// of 14 June").
bool IsIssueWordOrDate(absl::string_view word) {
  static const auto* words = new absl::flat_hash_set<std::string>{
      "edition", "editions", "issue", "issues", "number", "print"};
  return words->contains(std::string(word)) ||
         MonthOfWord(std::string_view(word.data(), word.size()),
                     MonthNames::kEnglishFull) > 0 ||
         std::any_of(word.begin(), word.end(),
                     [](char c) { return absl::ascii_isdigit(c); });
}

// Whether `line` is the outlet's note about where the story ran: "our" is
// followed by at most three words besides dates and issue words, and
// either the line opens on a preposition or "as" ("From our June issue",
// "From our archive, June 1987", "As printed in our spring number") or a
// verb of publishing comes before "our" ("This story ran in our print
// edition of 14 June", "First published in our spring number"). A
// headline in the outlet's voice opens on its subject ("Our town's last
// picture house goes dark"), goes on after the phrase ("In our view, this
// is a false economy") or has no such verb ("Farewell to our picture
// house", "Save our library").
bool ReadsAsOutletsNote(std::string_view line) {
  static const auto* note_openers = new absl::flat_hash_set<std::string>{
      "as", "at", "by", "for", "from", "in", "of", "on", "via", "with"};
  static const auto* publishing_verbs = new absl::flat_hash_set<std::string>{
      "appeared", "printed", "published", "ran", "reprinted", "run"};
  const std::vector<std::string> words = absl::StrSplit(
      absl::AsciiStrToLower(absl::string_view(line.data(), line.size())),
      absl::ByAnyChar(" ,.:;!?\""), absl::SkipEmpty());
  if (words.size() < 3) return false;
  bool published = note_openers->contains(words[0]);
  for (size_t i = 0; i + 1 < words.size(); ++i) {
    if (words[i] != "our") {
      published = published || publishing_verbs->contains(words[i]);
      continue;
    }
    if (i == 0 || !published) return false;
    size_t phrase_words = 0;
    for (size_t k = i + 1; k < words.size(); ++k) {
      if (!IsIssueWordOrDate(words[k])) ++phrase_words;
    }
    return phrase_words <= kMaxNoteWordsAfterOur;
  }
  return false;
}

// Of two headline-shaped lines over the stamps that open the story
// (`lower` just above them, `lower` - 1 above it), the headline is the one
// the lead repeats when the lower reads as a credit the byline parser does
// not read ("Reporting and photographs by NAME and NAME") or reads as
// the outlet's note with none of its longer words in the lead ("From our June
// issue"): its words are not the lead's, and it must not make the headline
// above it chrome. When the lead repeats both, the upper is the headline
// and the lower its deck ("Transport committee ends late-evening routes"
// over "Shift workers left stranded") when the lead repeats it more; on a
// tie the lower stays the headline, the upper a kicker above it ("Drivers
// unions promise to fight" over "Transport committee ends late-evening
// routes"). Any other lower line (a headline under another story's teaser
// or a kicker the lead does not repeat) stays the headline, and so does
// one that is the feed's title.
// Returns `lower` or the line above it.
int HeadlineTheLeadRepeats(const Document& doc, int lower, int stamps) {
  if (lower < 1) return lower;
  const std::string& lower_text = doc.units[lower].text;
  if (FoldCaseAndMarks(lower_text) == FoldCaseAndMarks(doc.title)) {
    return lower;
  }
  const Unit& upper = doc.units[lower - 1];
  if (IsFactReason(upper.removed_reason) || IsPhotoCreditLine(upper.text) ||
      !HasHeadlineShape(upper.text) || HasFurnitureMarks(upper.text)) {
    return lower;
  }
  const std::string lead = LeadText(doc, stamps);
  const int lower_in_lead = HeadlineWordsInText(lower_text, lead);
  const int upper_in_lead = HeadlineWordsInText(upper.text, lead);
  if (!ReadsAsCreditLine(lower_text)) {
    // A lower line with the shape of the outlet's note that the lead
    // repeats nothing of, under an upper it repeats, is the note under the
    // headline ("From our June issue"), as a credit line is: over the
    // scorer's guess that the upper is chrome, too (the note beside it is
    // what the scorer reads as chrome).
    const bool lower_is_note =
        lower_in_lead == 0 && ReadsAsOutletsNote(lower_text);
    return (upper.removed_reason.empty() ||
            (lower_is_note && upper.removed_reason == kReasonLearnedChrome)) &&
                   upper_in_lead >= kMinHeadlineWordsInLead &&
                   (lower_is_note ||
                    (lower_in_lead >= kMinHeadlineWordsInLead &&
                     upper_in_lead > lower_in_lead))
               ? lower - 1
               : lower;
  }
  return lower_in_lead == 0 && upper_in_lead >= kMinHeadlineWordsInLead
             ? lower - 1
             : lower;
}

// The headline-shaped line just above the stamp lines that open the story
// ("Headline / By NAME / DATE / story"): where pages print the headline,
// whatever its words say (see HeadlineTheLeadRepeats when two such lines
// stand there). -1 when the story opens without stamp lines.
int HeadlineAboveStamps(const Document& doc) {
  for (size_t i = 0; i < doc.units.size(); ++i) {
    const Unit& unit = doc.units[i];
    if (unit.removed_reason == kReasonByline ||
        unit.removed_reason == kReasonDateStamp) {
      if (i == 0) return -1;
      const Unit& above = doc.units[i - 1];
      // Words that read as chrome elsewhere ("Share Your Photos: ...") do
      // not unmake a headline printed where headlines go, whichever rule
      // or the scorer cut it; a photo credit there is still a credit.
      const bool chrome_words =
          !IsFactReason(above.removed_reason) && !IsPhotoCreditLine(above.text);
      if ((!above.removed_reason.empty() && !chrome_words) ||
          !HasHeadlineShape(above.text)) {
        return -1;
      }
      return HeadlineTheLeadRepeats(doc, static_cast<int>(i - 1),
                                    static_cast<int>(i));
    }
    // A question directly above the stamps is a headline as often as a
    // sentence ("Can I retire early?" over "Answered by NAME").
    const bool question_over_stamps =
        absl::EndsWith(unit.text, "?") && i + 1 < doc.units.size() &&
        (doc.units[i + 1].removed_reason == kReasonByline ||
         doc.units[i + 1].removed_reason == kReasonDateStamp);
    if (IsProse(unit) && !question_over_stamps) return -1;
  }
  return -1;
}

// The first few kept paragraphs after unit `from`: the lead a headline
// announces.
std::string LeadText(const Document& doc, int from) {
  constexpr int kLeadParagraphs = 3;
  std::string lead;
  int taken = 0;
  for (size_t i = from; i < doc.units.size() && taken < kLeadParagraphs; ++i) {
    if (!IsProse(doc.units[i])) continue;
    absl::StrAppend(&lead, doc.units[i].text, "\n");
    ++taken;
  }
  return lead;
}

// Makes unit `index` the title; the kept lines above it are page chrome
// (a headline opens the article).
void TakeTitleFromBody(int index, Document* doc) {
  for (int i = 0; i < index; ++i) {
    if (doc->units[i].removed_reason.empty()) {
      doc->units[i].removed_reason = kReasonAboveHeadline;
    }
  }
  doc->title = std::move(doc->units[index].text);
  doc->units.erase(doc->units.begin() + index);
}

// Most words of a masthead ("The Kestrel Valley Echo"), which may name the
// outlet by a word its host's name starts with; a longer title is more
// likely a headline about the place the outlet is named after.
constexpr int kMaxMastheadWords = 4;

// Where a title's first part ends: at its first dash or bar between
// spaces ("Halyard — stories from ...", "Kestrel storm | live updates"),
// else at its end.
size_t TitleHeadEnd(std::string_view title) {
  size_t end = title.size();
  for (std::string_view separator :
       {" \xE2\x80\x94 ", " \xE2\x80\x93 ", " | ", " - "}) {
    end = std::min(end, title.find(separator));
  }
  return end;
}

// The masthead of a title that adds the outlet's motto or edition after a
// dash or a bar ("Halyard — stories from working waterfronts"): the part
// before the first such separator when that part is the outlet's name (its
// letters, a leading "The" dropped, start or end a name from the host);
// the whole title when it has no such separator; else empty: a headline
// about the place the outlet is named after puts its news there too, in
// any number of words ("Kestrel floods — what we know so far", "Kestrel
// storm | live updates").
std::string_view MastheadPart(std::string_view title,
                              const absl::flat_hash_set<std::string>& names) {
  const size_t end = TitleHeadEnd(title);
  if (end == title.size()) return title;
  std::string_view part = title.substr(0, end);
  if (part.size() > 4 &&
      absl::StartsWithIgnoreCase(absl::string_view(part.data(), part.size()),
                                 "the ")) {
    part.remove_prefix(4);
  }
  std::string letters;
  for (const char c : part) {
    if (absl::ascii_isalnum(static_cast<unsigned char>(c))) {
      letters += absl::ascii_tolower(static_cast<unsigned char>(c));
    }
  }
  if (letters.empty()) return {};
  for (const std::string& name : names) {
    if (absl::StartsWith(name, letters) || absl::EndsWith(name, letters)) {
      return title.substr(0, end);
    }
  }
  return {};
}

// Most words of a button taken for the title.
constexpr int kMaxButtonTitleWords = 4;

// Most words on either side of a section trail's one separator.
constexpr int kMaxTrailPartWords = 2;

// A section trail of two short parts, each a capitalised name ("Council
// news / Housing", "Cycling | Council"); headlines that print one bar or
// slash have a longer side or go on in lowercase ("Kestrel storm | live
// updates").
bool IsShortSectionTrail(std::string_view title) {
  if (std::count(title.begin(), title.end(), '/') +
          std::count(title.begin(), title.end(), '|') !=
      1) {
    return false;
  }
  for (std::string_view separator : {" / ", " | "}) {
    const size_t at = title.find(separator);
    if (at == std::string_view::npos) continue;
    for (std::string_view part :
         {title.substr(0, at), title.substr(at + separator.size())}) {
      if (!HasAtLeastWords(part, 1) ||
          HasAtLeastWords(part, kMaxTrailPartWords + 1) ||
          !absl::ascii_isupper(static_cast<unsigned char>(part.front()))) {
        return false;
      }
    }
    return true;
  }
  return false;
}

// Whether some of `words` (each used once, in any order) run together
// spell `name` exactly from `from` on; `used` marks the words taken.
bool SpellsName(const std::vector<std::string>& words, std::string_view name,
                size_t from, std::vector<bool>* used) {
  if (from == name.size()) return true;
  for (size_t i = 0; i < words.size(); ++i) {
    if ((*used)[i] || name.substr(from, words[i].size()) != words[i]) continue;
    (*used)[i] = true;
    if (SpellsName(words, name, from + words[i].size(), used)) return true;
    (*used)[i] = false;
  }
  return false;
}

// Words a masthead prints around the name its host spells ("Netmaker
// Weekly", "Kestrel Echo Online", "Brannock Health Trust", "The Daily
// ..."); a headline goes on with what happened ("Tarnhollow Gazette
// Editor Retires").
bool IsMastheadWord(std::string_view word) {
  static const auto* words = new absl::flat_hash_set<std::string_view>{
      "chronicle", "daily",   "echo",  "gazette",  "group",
      "herald",    "journal", "live",  "magazine", "media",
      "news",      "online",  "post",  "press",    "times",
      "today",     "tribune", "trust", "weekly"};
  return words->contains(word);
}

// Edition and section words: what a masthead prints beside the brand its
// host spells for one of its editions or sections ("Sunday Express",
// "Evening Standard", "Irish Independent", "BBC Sport", "HuffPost UK",
// "Politico Europe", "Kestrel Observer"). A headline's word beside the
// name tells what happened ("Kestrel Mourns", "Gazette Sold").
bool IsEditionWord(std::string_view word) {
  static const auto* words = new absl::flat_hash_set<std::string_view>{
      "business", "europe",   "evening", "international", "irish",  "morning",
      "observer", "scottish", "sport",   "sports",        "sunday", "uk",
      "us",       "weekend",  "welsh",   "world"};
  return words->contains(word);
}

// Whether the title's part before a dash or bar (its motto after it) is a
// name that names the outlet: capitalised words, joined by "of", "the",
// "and", "for" or "&", of which some spell one of the host's names whole
// and the others are no more ("Brannock Valley Health Trust" for
// brannockhealth, "The Gazette of Tarnhollow", "Netmaker Weekly — the
// trade paper for ..."); "the" may spell part of the name and is never an
// extra ("The Hindu" for thehindu). A headline that names the outlet's
// place or the outlet spells no name whole, or adds more words than the
// name has ("Tarnhollow Ferry Wins Reprieve", "Tarnhollow Gazette Wins
// Press Award"), or words after the name that no masthead adds and no
// "of" ties to it as its place ("Tarnhollow Gazette Editor Retires", where
// "Assembly of Norland" is a name; an edition's or section's words are a
// masthead's, "BBC Sport", "Sunday Express"), or words before the name
// that no masthead prints ("Saving The Herald");
// one goes on in lowercase ("Kestrel mill to close").
bool ReadsAsOutletName(std::string_view title,
                       const absl::flat_hash_set<std::string>& names) {
  const size_t end = TitleHeadEnd(title);
  const std::string_view head = title.substr(0, end);
  std::vector<std::string> words;
  // Whether each word follows "of": the place a name belongs to.
  std::vector<bool> after_of;
  bool of_before = false;
  for (absl::string_view word :
       absl::StrSplit(absl::string_view(head.data(), head.size()), ' ',
                      absl::SkipEmpty())) {
    if (word == "of" || word == "and" || word == "for" || word == "&") {
      of_before = word == "of";
      continue;
    }
    if (!absl::ascii_isupper(static_cast<unsigned char>(word[0])) &&
        word != "the") {
      return false;
    }
    words.push_back(absl::AsciiStrToLower(word));
    after_of.push_back(of_before);
    of_before = false;
  }
  for (const std::string& name : names) {
    std::vector<bool> used(words.size(), false);
    if (!SpellsName(words, name, 0, &used)) continue;
    size_t spelling = 0;
    size_t extras = 0;
    size_t last_spelling = 0;
    for (size_t i = 0; i < words.size(); ++i) {
      if (words[i] == "the") continue;
      if (used[i]) {
        ++spelling;
        last_spelling = i;
      } else {
        ++extras;
      }
    }
    // Words before the name's first are a masthead's own, an edition's or
    // none ("Saving The Herald" on theherald is a headline).
    size_t first_spelling = 0;
    while (first_spelling < words.size() && !used[first_spelling]) {
      ++first_spelling;
    }
    bool head_is_masthead = true;
    for (size_t i = 0; i < first_spelling; ++i) {
      head_is_masthead =
          head_is_masthead && (words[i] == "the" || IsMastheadWord(words[i]) ||
                               IsEditionWord(words[i]));
    }
    bool tail_is_masthead = true;
    for (size_t i = last_spelling + 1; i < words.size(); ++i) {
      if (after_of[i]) break;
      if (!used[i] && words[i] != "the" && !IsMastheadWord(words[i]) &&
          !IsEditionWord(words[i])) {
        tail_is_masthead = false;
      }
    }
    if (spelling > 0 && extras <= spelling && head_is_masthead &&
        tail_is_masthead) {
      return true;
    }
  }
  return false;
}

// Most lines of a page's head (notices, menus, labels) searched for the
// stamps that open the story under a masthead.
constexpr size_t kMaxHeadUnits = 6;
// Fewest longer words a paragraph above shares with the lead to be the
// story's own.
constexpr int kMinStoryWordsShared = 2;

// The headline under the page's masthead, or -1: when the title candidate reads
// as the outlet's name (see ReadsAsOutletName), no kept paragraph above the
// candidate tells of what the lead tells, and lines of the page's head (a
// notice, a menu, a section label) stand between it and the headline-shaped
// line over the stamps that open the story, that line is the headline if the
// lead repeats it (twice or more) more than the title and the two share no
// longer word other than the outlet's name ("Netmaker Weekly — the trade paper
// for the fishing gear industry" / "Logged in as a guest. ..." / "Regulation" /
// "New mesh rules give net makers eighteen months to retool" / "By NAME |
// DATE"). A headline naming the outlet's place over its deck has nothing
// between them, or shares a story word with it.
int HeadlineUnderMasthead(const Document& doc) {
  if (!ReadsAsOutletName(doc.title, doc.outlet_names)) return -1;
  int above = -1;
  for (size_t i = 1; i < doc.units.size() && i <= kMaxHeadUnits; ++i) {
    const std::string_view reason = doc.units[i].removed_reason;
    if (reason == kReasonByline || reason == kReasonDateStamp) {
      above = static_cast<int>(i) - 1;
      break;
    }
  }
  // Of a headline over its deck, the one the lead repeats more.
  if (above >= 1) above = HeadlineTheLeadRepeats(doc, above, above + 1);
  if (above < 1) return -1;
  const Unit& candidate = doc.units[above];
  if (!candidate.removed_reason.empty() || !HasHeadlineShape(candidate.text) ||
      HasFurnitureMarks(candidate.text)) {
    return -1;
  }
  const std::string lead = LeadText(doc, above + 1);
  // The story's opening paragraphs over a subheading and a dated update
  // are no page head: a kept paragraph above that tells of what the lead
  // tells (two longer words in common) keeps the title where it is.
  for (int i = 0; i < above; ++i) {
    if (IsProse(doc.units[i]) &&
        HeadlineWordsInText(doc.units[i].text, lead) >= kMinStoryWordsShared) {
      return -1;
    }
  }
  const int headline_in_lead = HeadlineWordsInText(candidate.text, lead);
  if (headline_in_lead < kMinHeadlineWordsInLead ||
      headline_in_lead <= HeadlineWordsInText(doc.title, lead)) {
    return -1;
  }
  return SharesStoryWord(doc.title, candidate.text, doc) ? -1 : above;
}

void FixTitleStep(const CleanerOptions& options, Document* doc) {
  int first = FirstKeptUnit(*doc);
  bool headline_follows =
      first >= 0 && LooksLikeHeadline(doc->units[first].text);
  std::string_view reason;
  int under_masthead = -1;
  if (!doc->title.empty()) {
    if (LooksLikeSectionLabel(doc->title, headline_follows)) {
      reason = kReasonSectionLabel;
    } else if (options.remove_boilerplate) {
      reason = ClassifyTitleLine(doc->title);
      if (reason.empty() && doc->title_repeated && headline_follows) {
        reason = kReasonRepeatedLine;  // the site's name atop every page
      }
      // Call-to-action words in a headline-shaped title with no other
      // headline after it ("Don't Miss Out: Festival Tickets Sell Out"):
      // it is the only headline there is.
      if (reason == kReasonCallToAction && !headline_follows &&
          HasHeadlineShape(doc->title)) {
        reason = {};
      }
    }
    // A short button ("Jump to recipe", "Skip to content") above the line
    // that heads the opening byline and date is not the headline.
    if (reason.empty() &&
        !HasAtLeastWords(doc->title, kMaxButtonTitleWords + 1) &&
        StartsWithImperative(doc->title) && HeadlineAboveStamps(*doc) >= 0) {
      reason = kReasonAboveHeadline;
    }
    // Pages print the headline just above the byline and date that open
    // the story: a candidate title from elsewhere that is not shaped like a
    // headline (a notice written as a sentence), that holds the marks of
    // page furniture where that line does not (a breadcrumb trail, a price
    // ticker with its arrows), that names the outlet (a
    // masthead with its motto), or that shares no word with
    // the lead where that line shares several (an archive notice, a
    // sponsored line), is chrome, whatever its words. A deck above the
    // byline under a real title ("Ferry fares rise") leaves the title be:
    // the lead repeats some of a real title.
    int above = HeadlineAboveStamps(*doc);
    if (above < 0)
      above = HeadlineByShape(*doc, /*shape_bylines_are_stamps=*/false);
    if (reason.empty() && above >= 0 &&
        !absl::EqualsIgnoreCase(doc->units[above].text, doc->title)) {
      const std::string lead = LeadText(*doc, above + 1);
      const std::string_view masthead =
          MastheadPart(doc->title, doc->outlet_names);
      if (!HasHeadlineShape(doc->title) ||
          ((HasFurnitureMarks(doc->title) ||
            (IsShortSectionTrail(doc->title) &&
             HeadlineAboveStamps(*doc) == above &&
             HeadlineWordsInText(doc->title, lead) <
                 kMinHeadlineWordsInLead)) &&
           !HasFurnitureMarks(doc->units[above].text) &&
           !IsShortSectionTrail(doc->units[above].text)) ||
          (NamesOutlet(doc->title, doc->outlet_names,
                       /*partial=*/!masthead.empty() &&
                           !HasAtLeastWords(masthead, kMaxMastheadWords + 1) &&
                           HeadlineWordsInText(doc->title, lead) <
                               kMinHeadlineWordsInLead) &&
           !NamesOutlet(doc->units[above].text, doc->outlet_names)) ||
          (HeadlineWordsInText(doc->title, lead) == 0 &&
           HeadlineWordsInText(doc->units[above].text, lead) >=
               kMinHeadlineWordsInLead)) {
        reason = kReasonAboveHeadline;
      }
    }
    under_masthead = reason.empty() ? HeadlineUnderMasthead(*doc) : -1;
    if (under_masthead >= 0) reason = kReasonAboveHeadline;
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
  if (under_masthead >= 0) {
    TakeTitleFromBody(under_masthead, doc);
    return;
  }
  if (int above_stamps = HeadlineAboveStamps(*doc); above_stamps >= 0) {
    TakeTitleFromBody(above_stamps, doc);
    return;
  }
  if (headline_follows) {
    TakeTitleFromBody(first, doc);
    return;
  }
  if (int by_shape = HeadlineByShape(*doc, /*shape_bylines_are_stamps=*/false);
      by_shape >= 0) {
    TakeTitleFromBody(by_shape, doc);
    return;
  }
  // The body's opening line, headline-shaped and followed by the body, is
  // the headline even when its words read as a call to action.
  if (!doc->units.empty() && first > 0 &&
      doc->units[0].removed_reason == kReasonCallToAction &&
      HasHeadlineShape(doc->units[0].text)) {
    doc->title = std::move(doc->units[0].text);
    doc->units.erase(doc->units.begin());
    return;
  }
  doc->warnings.push_back("clean: no headline found; title left empty");
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
    {"extract_facts", &CleanerOptions::extract_facts, &ExtractFactsStep},
    {"remove_boilerplate", &CleanerOptions::remove_boilerplate,
     &RemoveBoilerplateStep},
    {"fix_title", &CleanerOptions::fix_title, &FixTitleStep},
};

// "(AP, Reuters)" -> "AP, Reuters".
std::string WithoutBrackets(std::string_view text) {
  while (text.size() >= 2 && ((text.front() == '(' && text.back() == ')') ||
                              (text.front() == '[' && text.back() == ']'))) {
    text = text.substr(1, text.size() - 2);
  }
  return std::string(text);
}

void WriteFacts(const CleanerOptions& options, Document* doc,
                v1::Article* article) {
  Facts& facts = doc->facts;
  for (const Unit& unit : doc->units) {
    if (unit.removed_reason == kReasonCredit ||
        unit.removed_reason == kReasonCopyright ||
        (unit.removed_reason == kReasonCaption &&
         IsPhotoCreditLine(unit.text))) {
      AddCredit(WithoutBrackets(unit.text), &facts.credits);
    }
  }
  if (article->published_at().empty() && facts.published.has_value()) {
    article->set_published_at(
        facts.published->ToRfc3339(options.default_utc_offset_minutes));
  }
  if (facts.updated.has_value()) {
    std::string updated =
        facts.updated->ToRfc3339(options.default_utc_offset_minutes);
    if (!updated.empty()) {
      (*article->mutable_metadata())["updated_at"] = updated;
    }
  }
  if (article->dateline().empty()) article->set_dateline(facts.dateline);
  if (article->byline().empty()) article->set_byline(facts.byline);
  for (std::string& credit : facts.credits) {
    bool known = false;
    for (const std::string& existing : article->credits()) {
      known = known || absl::EqualsIgnoreCase(existing, credit);
    }
    if (!known) article->add_credits(std::move(credit));
  }
}

void WriteBack(const CleanerOptions& options, Document doc,
               v1::Article* article) {
  if (options.extract_facts) WriteFacts(options, &doc, article);
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
    if (!doc.facts.stripped_dateline.empty()) {
      v1::RemovedLine* removed = article->add_removed();
      removed->set_text(std::move(doc.facts.stripped_dateline));
      removed->set_reason(std::string(kReasonDateline));
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

// The host of an http(s) URL, lowercase, without "www."; empty otherwise.
std::string HostOf(std::string_view url) {
  for (std::string_view scheme : {"http://", "https://"}) {
    if (url.size() > scheme.size() &&
        absl::EqualsIgnoreCase(
            absl::string_view(url.data(), scheme.size()),
            absl::string_view(scheme.data(), scheme.size()))) {
      std::string_view rest = url.substr(scheme.size());
      rest = rest.substr(0, rest.find_first_of("/?#"));
      size_t at = rest.find('@');
      if (at != std::string_view::npos) rest = rest.substr(at + 1);
      rest = rest.substr(0, rest.find(':'));  // the port
      std::string host = absl::AsciiStrToLower(std::string(rest));
      if (host.rfind("www.", 0) == 0) host.erase(0, 4);
      return host;
    }
  }
  return "";
}

// Host labels too generic to name an outlet.
bool IsGenericHostLabel(std::string_view label) {
  for (std::string_view generic :
       {"www",   "com",  "co",      "org",  "net",   "gov",    "edu",  "ac",
        "news",  "the",  "online",  "web",  "amp",   "mobile", "live", "daily",
        "media", "home", "example", "info", "press", "today"}) {
    if (label == generic) return true;
  }
  return label.size() < 3;
}

// "portville-ledger.example" -> {"portville", "ledger",
// "portvilleledger"}; the top-level domain is dropped.
absl::flat_hash_set<std::string> OutletNames(std::string_view host) {
  absl::flat_hash_set<std::string> names;
  std::vector<absl::string_view> labels = absl::StrSplit(
      absl::string_view(host.data(), host.size()), '.', absl::SkipEmpty());
  if (labels.size() < 2) return names;
  labels.pop_back();
  for (absl::string_view label : labels) {
    std::string joined;
    for (absl::string_view part : absl::StrSplit(label, '-')) {
      joined.append(part.data(), part.size());
      if (!IsGenericHostLabel(std::string_view(part.data(), part.size()))) {
        names.insert(std::string(part));
      }
    }
    if (!IsGenericHostLabel(joined)) names.insert(joined);
  }
  return names;
}

}  // namespace

std::vector<std::string_view> CleanStepNames() {
  std::vector<std::string_view> names = {"repair_text"};
  for (const Step& step : kSteps) names.push_back(step.name);
  return names;
}

absl::StatusOr<std::string> CleanLineText(const CleanerOptions& options,
                                          std::string_view line) {
  int mojibake = 0;
  absl::StatusOr<std::string> repaired = RepairField(options, line, &mojibake);
  if (!repaired.ok()) return repaired.status();
  QuoteStyle style = ChooseQuoteStyle(options.quotes, "", *repaired);
  std::string text = FlattenToLine(ApplyQuoteStyle(*repaired, style));
  if (options.join_hyphenation) {
    std::shared_ptr<const Vocabulary> vocabulary = options.vocabulary != nullptr
                                                       ? options.vocabulary
                                                       : Vocabulary::English();
    text = JoinHyphenation(text, vocabulary.get());
  }
  return text;
}

std::string SourceKeyOf(const v1::Article& article) {
  std::string host = HostOf(article.url());
  return host.empty() ? article.source() : host;
}

absl::Status CleanArticle(const CleanerOptions& options, v1::Article* article,
                          LineStats* line_stats) {
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
  if (options.remove_boilerplate) {
    doc->outlet_names = OutletNames(HostOf(article->url()));
    if (line_stats != nullptr) {
      doc->line_stats = line_stats;
      doc->source_key = SourceKeyOf(*article);
      doc->article_id = article->id();
    }
  }
  for (const Step& step : kSteps) {
    if (options.*step.enabled) step.run(options, &*doc);
  }
  WriteBack(options, *std::move(doc), article);
  return absl::OkStatus();
}

}  // namespace clean
}  // namespace newsflow
