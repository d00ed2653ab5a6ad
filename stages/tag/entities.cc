#include "stages/tag/entities.h"

#include <algorithm>
#include <array>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "common/hash.h"
#include "stages/tag/gazetteer.h"
#include "stages/tag/lexicon.h"

namespace newsflow {
namespace tag {
namespace {

// absl::StrSplit yields absl::string_view, a distinct type in this Abseil.
std::vector<std::string_view> Split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t end = text.find(separator, start);
    if (end == std::string_view::npos) {
      parts.push_back(text.substr(start));
      return parts;
    }
    parts.push_back(text.substr(start, end - start));
    start = end + 1;
  }
}

constexpr int kTypeCount = 5;  // v1::EntityType values 0..4
using Votes = std::array<float, kTypeCount>;

// Evidence weights. Forced evidence (gazetteer, head words) outweighs any
// sum of contextual cues.
constexpr float kGazetteerWeight = 100;
constexpr float kHeadWordWeight = 20;
constexpr float kTitleCueWeight = 3;
constexpr float kPersonNounWeight = 3;
constexpr float kAcronymWeight = 2;
constexpr float kGivenNameWeight = 2;
constexpr float kPlaceNounWeight = 2;
constexpr float kDatelineWeight = 2;
constexpr float kSpeechVerbWeight = 1;
constexpr float kPlacePrepositionWeight = 1;
constexpr float kDefaultMultiWordPersonWeight = 0.4f;
constexpr float kDefaultMiscWeight = 0.2f;

// Longest run of tokens a title-case line is matched against.
constexpr int kMaxKnownSpan = 6;

bool IsAsciiUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool IsAsciiLower(char c) { return c >= 'a' && c <= 'z'; }

// "al-Assad", "bin-Laden": a lower-case particle glued to a capitalised name.
bool IsParticleHyphenName(std::string_view text) {
  size_t hyphen = text.find('-');
  if (hyphen == std::string_view::npos || hyphen + 1 >= text.size()) {
    return false;
  }
  std::string_view prefix = text.substr(0, hyphen);
  return (prefix == "al" || prefix == "el" || prefix == "ad" ||
          prefix == "as" || prefix == "ash" || prefix == "ar" ||
          prefix == "an" || prefix == "at" || prefix == "az" ||
          prefix == "bin" || prefix == "ibn" || prefix == "abu" ||
          prefix == "ben" || prefix == "de") &&
         IsAsciiUpper(text[hyphen + 1]);
}

// The name part of a token: "NATO-led" → "NATO", "U.S.-based" → "U.S.".
// Sets *cut when a lower-case tail was removed (the name ends there).
std::string_view NameText(const Token& token, bool* cut) {
  *cut = false;
  if (!token.Has(Token::kHyphenated)) return token.text;
  std::string_view text = token.text;
  size_t start = IsParticleHyphenName(text) ? text.find('-') + 1 : 0;
  for (size_t i = start; i + 1 < text.size(); ++i) {
    if (text[i] == '-' && IsAsciiLower(text[i + 1])) {
      if (i == 0) return text;
      *cut = true;
      return text.substr(0, i);
    }
  }
  return text;
}

std::string_view NameText(const Token& token) {
  bool cut;
  return NameText(token, &cut);
}

// All letters upper case, dots allowed ("NATO", "U.N.", "AU").
bool LooksLikeAcronym(std::string_view text, int* letters) {
  *letters = 0;
  for (char c : text) {
    if (IsAsciiUpper(c)) {
      ++*letters;
    } else if (c != '.' && c != '&' && !(c >= '0' && c <= '9')) {
      return false;
    }
  }
  return *letters >= 2;
}

// One candidate mention before entities are resolved.
struct Candidate {
  uint32_t begin_token = 0;
  uint32_t end_token = 0;
  std::string surface;
  Votes cues{};    // contextual evidence
  Votes forced{};  // gazetteer and head-word evidence
  const GazetteerEntry* gazetteer = nullptr;
  bool strong = false;     // survives the common-word filters
  bool uncertain = false;  // lone sentence-initial word, needs confirmation
  bool acronym = false;
  bool rejected = false;
  int surface_index = -1;
};

// Everything known about one spelling in the article.
struct Surface {
  std::string text;
  Votes cues{};
  Votes forced{};
  const GazetteerEntry* gazetteer = nullptr;
  bool strong = false;
  bool acronym = false;
  int count = 0;
  uint32_t first_token = 0;
  int words = 0;
  v1::EntityType type = v1::ENTITY_TYPE_UNSPECIFIED;
  bool dropped = false;
  int parent = -1;  // union-find
};

v1::EntityType ArgMax(const Votes& votes) {
  // Ties go to the first in this order.
  constexpr v1::EntityType kOrder[] = {v1::PERSON, v1::ORG, v1::LOC, v1::MISC};
  v1::EntityType best = v1::ENTITY_TYPE_UNSPECIFIED;
  float best_votes = 0;
  for (v1::EntityType type : kOrder) {
    if (votes[type] > best_votes) {
      best = type;
      best_votes = votes[type];
    }
  }
  return best;
}

bool AnyVotes(const Votes& votes) {
  for (float v : votes) {
    if (v > 0) return true;
  }
  return false;
}

class RuleBasedEntityRecognizer : public EntityRecognizer {
 public:
  RuleBasedEntityRecognizer() : gazetteer_(Gazetteer::Default()) {}

  void Recognize(const TokenizedArticle& article,
                 EntityResult* result) override;

 private:
  // --- Token helpers ------------------------------------------------------
  const Token& token(size_t i) const { return article_->tokens[i]; }
  std::string_view Lower(size_t i) {
    lower_.clear();
    AppendLowercase(token(i).text, &lower_);
    return lower_;
  }
  bool IsLowerWord(size_t i, std::string_view word) {
    return i < section_end_ && i >= section_begin_ && token(i).IsWord() &&
           token(i).Has(Token::kLowerInitial) && Lower(i) == word;
  }
  bool NameCanStart(size_t i);
  bool NameCanContinue(size_t i);
  bool IsConnector(size_t i, size_t last_name);

  // --- Candidate generation ------------------------------------------------
  // Splits a section into sentences; lines whose capitals say nothing
  // about names (title case, all caps) are deferred to MatchKnownNames.
  void ScanSentences(size_t begin, size_t end, bool is_title);
  bool LacksCaseSignal(size_t begin, size_t end, bool is_title);
  void FindRuns(size_t begin, size_t end);
  void Segment(size_t begin, size_t end, bool sentence_initial);
  bool SplitTitle(size_t begin, size_t end, bool sentence_initial);
  bool SplitOrganization(size_t begin, size_t end, bool sentence_initial);
  const GazetteerEntry* LookupSpan(size_t begin, size_t end);
  size_t LongestGazetteerPrefix(size_t begin, size_t end,
                                const GazetteerEntry** entry);
  Candidate* AddCandidate(size_t begin, size_t end);
  void AddContextCues(Candidate* candidate);
  void BuildSurface(size_t begin, size_t end, std::string* out);
  void MatchKnownNames(size_t begin, size_t end);

  // --- Resolution ----------------------------------------------------------
  void ConfirmUncertain();
  void AggregateSurfaces();
  void DecideTypes();
  void MergeMentions();
  int Find(int i);
  void Union(int child, int root);
  void Emit(EntityResult* result);

  const Gazetteer& gazetteer_;
  const TokenizedArticle* article_ = nullptr;
  size_t section_begin_ = 0;
  size_t section_end_ = 0;

  std::vector<Candidate> candidates_;
  std::vector<std::pair<size_t, size_t>> deferred_;  // title-case/caps lines
  absl::flat_hash_set<std::string_view> lowercase_words_;
  absl::flat_hash_set<std::string> known_names_;  // lower-cased
  std::vector<Surface> surfaces_;
  absl::flat_hash_map<std::string, int> surface_index_;
  std::string lower_;
  std::string span_;
  std::string gazetteer_scratch_;
};

bool RuleBasedEntityRecognizer::NameCanStart(size_t i) {
  const Token& t = token(i);
  if (!t.IsWord()) return false;
  std::string_view name = NameText(t);
  if (!t.Has(Token::kCapitalized) && !IsParticleHyphenName(name)) {
    return false;
  }
  if (t.Has(Token::kAbbreviation) && name.size() <= 2) {
    // An initial starts a name only before one: "S. Warne".
    return i + 1 < section_end_ && NameCanContinue(i + 1) &&
           !(token(i + 1).Has(Token::kAbbreviation) &&
             token(i + 1).text.size() <= 2);
  }
  if (t.Has(Token::kAllCaps)) {
    int letters;
    if (LooksLikeAcronym(name, &letters) && IsNonEntityAcronym(name)) {
      return false;
    }
    return !IsWeekday(Lower(i)) && !IsMonth(lower_);
  }
  if (name.size() == 1) return false;
  std::string_view lower = Lower(i);
  if (IsFunctionWord(lower) || IsWeekday(lower) || IsMonth(lower)) {
    return false;
  }
  if (t.Has(Token::kSentenceStart) && IsSentenceStarter(lower)) return false;
  return true;
}

bool RuleBasedEntityRecognizer::NameCanContinue(size_t i) {
  if (i >= section_end_) return false;
  const Token& t = token(i);
  if (!t.IsWord() || t.Has(Token::kSentenceStart)) return false;
  std::string_view name = NameText(t);
  if (!t.Has(Token::kCapitalized) && !IsParticleHyphenName(name)) {
    return false;
  }
  if (t.Has(Token::kAllCaps)) {
    int letters;
    return !(LooksLikeAcronym(name, &letters) && IsNonEntityAcronym(name) &&
             letters > 1);
  }
  if (t.Has(Token::kAbbreviation) && name.size() <= 2) return true;  // "F."
  if (name.size() == 1) return false;
  std::string_view lower = Lower(i);
  if (IsFunctionWord(lower) || IsWeekday(lower)) return false;
  // A month continues a name ("Theresa May") unless a date follows.
  if (IsMonth(lower) && i + 1 < section_end_ &&
      token(i + 1).kind == TokenKind::kNumber) {
    return false;
  }
  return true;
}

bool RuleBasedEntityRecognizer::IsConnector(size_t i, size_t last_name) {
  const Token& t = token(i);
  if (t.kind == TokenKind::kPunct) return t.text == "&";
  if (!t.IsWord() || !t.Has(Token::kLowerInitial)) return false;
  std::string_view lower = Lower(i);
  if (lower == "of" || lower == "for") {
    return i == last_name + 1 && TakesOfComplement(NameText(token(last_name)));
  }
  if (lower == "the") {
    return i > last_name + 1 &&
           (IsLowerWord(i - 1, "of") || IsLowerWord(i - 1, "for"));
  }
  return IsNameParticle(lower);
}

void RuleBasedEntityRecognizer::BuildSurface(size_t begin, size_t end,
                                             std::string* out) {
  out->clear();
  for (size_t i = begin; i < end; ++i) {
    if (i > begin) out->push_back(' ');
    out->append(NameText(token(i)));
  }
}

const GazetteerEntry* RuleBasedEntityRecognizer::LookupSpan(size_t begin,
                                                            size_t end) {
  BuildSurface(begin, end, &span_);
  return gazetteer_.Find(span_, &gazetteer_scratch_);
}

size_t RuleBasedEntityRecognizer::LongestGazetteerPrefix(
    size_t begin, size_t end, const GazetteerEntry** entry) {
  size_t longest =
      std::min(end - begin, static_cast<size_t>(gazetteer_.max_tokens()));
  for (size_t length = longest; length >= 1; --length) {
    if (const GazetteerEntry* found = LookupSpan(begin, begin + length)) {
      *entry = found;
      return length;
    }
  }
  *entry = nullptr;
  return 0;
}

bool RuleBasedEntityRecognizer::LacksCaseSignal(size_t begin, size_t end,
                                                bool is_title) {
  int all_caps = 0;
  int other_words = 0;
  int capitalized = 0;  // content words of four letters or more
  int lower = 0;        // words other than function words
  bool ends_sentence = false;
  bool numbers = false;
  for (size_t i = begin; i < end; ++i) {
    const Token& t = token(i);
    ends_sentence |= t.Has(Token::kSentenceEnd);
    numbers |= t.kind == TokenKind::kNumber;
    if (!t.IsWord()) continue;
    if (t.Has(Token::kAllCaps)) {
      ++all_caps;
    } else if (t.text.size() > 1) {
      ++other_words;
    }
    if (IsFunctionWord(Lower(i))) continue;
    if (t.Has(Token::kLowerInitial)) ++lower;
    if (t.Has(Token::kCapitalized) && !t.Has(Token::kAllCaps) &&
        t.text.size() >= 4) {
      ++capitalized;
    }
  }
  if (all_caps >= 3 && all_caps > other_words) return true;
  if (is_title) {
    return (capitalized >= 2 && lower == 0) || (capitalized >= 4 && lower <= 1);
  }
  // A headline-like line inside the body: no verb in lower case, no period,
  // and no numbers (which mark results lists and tables instead).
  return capitalized >= 3 && lower == 0 && !ends_sentence && !numbers;
}

void RuleBasedEntityRecognizer::ScanSentences(size_t begin, size_t end,
                                              bool is_title) {
  section_begin_ = begin;
  section_end_ = end;
  if (is_title && LacksCaseSignal(begin, end, true)) {
    deferred_.emplace_back(begin, end);
    return;
  }
  size_t sentence = begin;
  while (sentence < end) {
    size_t next = sentence + 1;
    while (next < end && !token(next).Has(Token::kSentenceStart)) ++next;
    if (!is_title && LacksCaseSignal(sentence, next, false)) {
      deferred_.emplace_back(sentence, next);
    } else {
      FindRuns(sentence, next);
    }
    sentence = next;
  }
}

void RuleBasedEntityRecognizer::FindRuns(size_t begin, size_t end) {
  size_t i = begin;
  while (i < end) {
    if (!NameCanStart(i)) {
      ++i;
      continue;
    }
    size_t last = i;
    bool cut;
    NameText(token(last), &cut);
    while (!token(last).Has(Token::kPossessive) && !cut) {
      size_t next = last + 1;
      if (NameCanContinue(next)) {
        last = next;
        NameText(token(last), &cut);
        continue;
      }
      size_t after = next;
      while (after < end && after - next < 3 && IsConnector(after, last)) {
        ++after;
      }
      if (after > next && NameCanContinue(after)) {
        last = after;
        NameText(token(last), &cut);
        continue;
      }
      break;
    }
    Segment(i, last + 1, token(i).Has(Token::kSentenceStart));
    i = last + 1;
  }
}

void RuleBasedEntityRecognizer::Segment(size_t begin, size_t end,
                                        bool sentence_initial) {
  if (begin >= end) return;
  if (const GazetteerEntry* entry = LookupSpan(begin, end)) {
    Candidate* candidate = AddCandidate(begin, end);
    candidate->gazetteer = entry;
    candidate->forced[entry->type] += kGazetteerWeight;
    candidate->strong = true;
    return;
  }
  if (SplitTitle(begin, end, sentence_initial)) return;
  if (SplitOrganization(begin, end, sentence_initial)) return;
  if (end - begin >= 2) {
    std::string_view first = NameText(token(begin));
    std::string_view last = NameText(token(end - 1));
    // "World Cup", "Gulf War", "World War Two".
    std::string_view event = last;
    if (end - begin >= 3 &&
        (last == "One" || last == "Two" || last == "Three" || last == "II" ||
         last == "III")) {
      event = NameText(token(end - 2));
    }
    if (IsEventHeadCapitalized(event)) {
      Candidate* candidate = AddCandidate(begin, end);
      candidate->forced[v1::MISC] += kHeadWordWeight;
      candidate->strong = true;
      return;
    }
    // Several all-caps words the gazetteer does not know are a table
    // header or a shouted phrase ("CENTRAL DIVISION"), not a name.
    bool all_caps = true;
    for (size_t i = begin; i < end && all_caps; ++i) {
      all_caps = token(i).Has(Token::kAllCaps);
    }
    if (all_caps) return;
    bool of_place = IsLocHeadCapitalized(first) && IsLowerWord(begin + 1, "of");
    if (IsLocHeadCapitalized(last) || IsLocPrefixCapitalized(first) ||
        of_place) {
      Candidate* candidate = AddCandidate(begin, end);
      candidate->forced[v1::LOC] += kHeadWordWeight;
      candidate->strong = true;
      return;
    }
    // A nationality before a name: "Libyan Moammar Kadafi".
    const GazetteerEntry* prefix = nullptr;
    size_t length = LongestGazetteerPrefix(begin, end - 1, &prefix);
    if (length > 0 && prefix->type == v1::MISC &&
        !IsGivenName(NameText(token(begin)))) {
      Segment(begin, begin + length, sentence_initial);
      Segment(begin + length, end, false);
      return;
    }
  }
  Candidate* candidate = AddCandidate(begin, end);
  int letters;
  std::string_view name = NameText(token(begin));
  if (end - begin == 1 && token(begin).Has(Token::kAllCaps) &&
      LooksLikeAcronym(name, &letters) && letters <= 6) {
    candidate->acronym = true;
    candidate->strong = true;
    candidate->cues[v1::ORG] += kAcronymWeight;
  }
  if (end - begin == 1 && sentence_initial && !candidate->acronym) {
    candidate->uncertain = true;
  }
}

bool RuleBasedEntityRecognizer::SplitTitle(size_t begin, size_t end,
                                           bool sentence_initial) {
  size_t head = end;
  for (size_t k = end; k-- > begin;) {
    if (TitleRoleOf(NameText(token(k))) == TitleRole::kHead) {
      head = k;
      break;
    }
  }
  if (head == end) return false;

  // Skip an "of X" complement ("Secretary of State", "President of Russia").
  size_t name_begin = head + 1;
  if (name_begin < end &&
      (IsLowerWord(name_begin, "of") || IsLowerWord(name_begin, "for"))) {
    size_t complement = name_begin + 1;
    if (IsLowerWord(complement, "the")) ++complement;
    const GazetteerEntry* entry = nullptr;
    size_t length =
        complement < end ? LongestGazetteerPrefix(complement, end, &entry) : 0;
    if (length > 0) {
      Segment(complement, complement + length, false);
      name_begin = complement + length;
    } else {
      name_begin = std::min(end, complement + 1);
    }
  }
  while (name_begin < end &&
         TitleRoleOf(NameText(token(name_begin))) != TitleRole::kNone) {
    ++name_begin;
  }
  if (name_begin < end) {
    std::string_view last = NameText(token(end - 1));
    if (IsOrgHeadCapitalized(last) || IsLocHeadCapitalized(last)) {
      return false;  // "General Motors", "Justice Department"
    }
  }
  size_t title_begin = head;
  while (title_begin > begin &&
         TitleRoleOf(NameText(token(title_begin - 1))) != TitleRole::kNone) {
    --title_begin;
  }
  if (name_begin >= end && title_begin > begin) {
    // A title with no name after it is dropped only after a modifier such
    // as "Russian" or "NATO"; otherwise the head ends a name ("Martin
    // Luther King").
    bool modifier =
        LookupSpan(begin, title_begin) != nullptr ||
        (title_begin - begin == 1 && token(begin).Has(Token::kAllCaps));
    if (!modifier) return false;
  }
  Segment(begin, title_begin, sentence_initial);
  if (name_begin < end) {
    Candidate* person = AddCandidate(name_begin, end);
    person->cues[v1::PERSON] += kTitleCueWeight;
    person->strong = true;
  }
  return true;
}

bool RuleBasedEntityRecognizer::SplitOrganization(size_t begin, size_t end,
                                                  bool sentence_initial) {
  for (size_t head = begin; head < end; ++head) {
    if (!IsOrgHeadCapitalized(NameText(token(head)))) continue;
    size_t org_end = head + 1;
    bool complement = org_end < end && (IsLowerWord(org_end, "of") ||
                                        IsLowerWord(org_end, "for"));
    if (head == begin && !complement) continue;
    while (org_end < end && IsOrgHeadCapitalized(NameText(token(org_end)))) {
      ++org_end;
    }
    if (complement) org_end = end;  // "Council of Europe"
    // A country before a body is a separate place: "U.S. State Department".
    size_t org_begin = begin;
    const GazetteerEntry* prefix = nullptr;
    size_t length = LongestGazetteerPrefix(begin, org_end, &prefix);
    if (length > 0 && prefix->country && org_end - (begin + length) >= 2) {
      Segment(begin, begin + length, sentence_initial);
      org_begin = begin + length;
    }
    Candidate* org = AddCandidate(org_begin, org_end);
    if (const GazetteerEntry* entry = LookupSpan(org_begin, org_end)) {
      org->gazetteer = entry;
      org->forced[entry->type] += kGazetteerWeight;
    } else {
      org->forced[v1::ORG] += kHeadWordWeight;
    }
    org->strong = true;
    Segment(org_end, end, false);
    return true;
  }
  return false;
}

Candidate* RuleBasedEntityRecognizer::AddCandidate(size_t begin, size_t end) {
  candidates_.emplace_back();
  Candidate* candidate = &candidates_.back();
  candidate->begin_token = static_cast<uint32_t>(begin);
  candidate->end_token = static_cast<uint32_t>(end);
  BuildSurface(begin, end, &candidate->surface);
  AddContextCues(candidate);
  return candidate;
}

void RuleBasedEntityRecognizer::AddContextCues(Candidate* candidate) {
  const size_t begin = candidate->begin_token;
  const size_t end = candidate->end_token;
  const size_t words = end - begin;
  Votes& cues = candidate->cues;

  if (words >= 2 && IsGivenName(NameText(token(begin)))) {
    cues[v1::PERSON] += kGivenNameWeight;
  }
  if (words == 1 && IsGivenName(NameText(token(begin)))) {
    cues[v1::PERSON] += kGivenNameWeight / 4;
  }

  // Before the name.
  if (begin > section_begin_ && token(begin - 1).IsWord() &&
      token(begin - 1).Has(Token::kLowerInitial)) {
    // A copy: Lower() below reuses the scratch buffer.
    const std::string before(Lower(begin - 1));
    if (IsPersonCueNoun(before)) {
      cues[v1::PERSON] += kPersonNounWeight;
      candidate->strong = true;
    } else if (IsPlaceNoun(before)) {
      cues[v1::LOC] += kPlaceNounWeight;  // "capital Tripoli"
    } else if (before == "in" || before == "near" || before == "outside" ||
               before == "across" || before == "throughout" ||
               before == "inside") {
      cues[v1::LOC] += kPlacePrepositionWeight;
    } else if (before == "from") {
      cues[v1::LOC] += kPlacePrepositionWeight * 0.6f;
    } else if (before == "of" && begin >= section_begin_ + 2 &&
               token(begin - 2).IsWord() && IsPlaceNoun(Lower(begin - 2))) {
      cues[v1::LOC] += kPlaceNounWeight;  // "port of Brega"
    } else if (before == "to" && begin >= section_begin_ + 2 &&
               token(begin - 2).IsWord() && IsMotionWord(Lower(begin - 2))) {
      cues[v1::LOC] += kPlacePrepositionWeight;  // "retreated to Ras Lanuf"
    } else if (before == "the") {
      cues[v1::PERSON] -= 1;
      cues[v1::ORG] += 0.5f;
    }
  }
  // A dateline: "TRIPOLI -", "MOSCOW:", "BEIRUT, Lebanon".
  if (token(begin).Has(Token::kSentenceStart) &&
      token(begin).Has(Token::kAllCaps) && end < section_end_ &&
      token(end).kind == TokenKind::kPunct) {
    std::string_view mark = token(end).text;
    if (mark == "," || mark == ":" || mark == "(" || mark[0] == '-' ||
        mark.rfind("\u2013", 0) == 0 || mark.rfind("\u2014", 0) == 0) {
      cues[v1::LOC] += kDatelineWeight;
    }
  }

  // After the name.
  if (end < section_end_) {
    const Token& after = token(end);
    if (after.IsWord() && after.Has(Token::kLowerInitial) &&
        IsSpeechVerb(Lower(end))) {
      cues[v1::PERSON] += kSpeechVerbWeight;
    } else if (after.kind == TokenKind::kPunct && after.text == ",") {
      if (IsLowerWord(end + 1, "who")) {
        cues[v1::PERSON] += kSpeechVerbWeight;
      } else if (IsLowerWord(end + 1, "the") || IsLowerWord(end + 1, "a")) {
        // "Tripoli, the Libyan capital"
        for (size_t i = end + 2; i < std::min(section_end_, end + 5); ++i) {
          if (!token(i).IsWord()) break;
          if (token(i).Has(Token::kLowerInitial) && IsPlaceNoun(Lower(i))) {
            cues[v1::LOC] += kPlaceNounWeight;
            break;
          }
        }
      }
    }
  }
}

// In a title-case headline or an all-caps line only known names count: the
// article's own names (case-insensitively) and the gazetteer.
void RuleBasedEntityRecognizer::MatchKnownNames(size_t begin, size_t end) {
  section_begin_ = begin < article_->body_begin ? 0 : article_->body_begin;
  section_end_ = begin < article_->body_begin ? article_->body_begin
                                              : article_->tokens.size();
  size_t i = begin;
  while (i < end) {
    if (!token(i).IsWord() || !(token(i).Has(Token::kCapitalized) ||
                                IsParticleHyphenName(token(i).text))) {
      ++i;
      continue;
    }
    size_t longest = 0;
    const GazetteerEntry* entry = nullptr;
    size_t limit = std::min(end - i, static_cast<size_t>(kMaxKnownSpan));
    for (size_t length = limit; length >= 1 && longest == 0; --length) {
      bool all_names = true;
      for (size_t k = i; k < i + length && all_names; ++k) {
        all_names = token(k).IsWord() &&
                    (token(k).Has(Token::kCapitalized) ||
                     IsParticleHyphenName(token(k).text) ||
                     (k > i && k + 1 < i + length &&
                      (IsLowerWord(k, "of") || IsLowerWord(k, "the"))));
        if (k > i && token(k).Has(Token::kSentenceStart)) all_names = false;
      }
      if (!all_names) continue;
      entry = LookupSpan(i, i + length);
      lower_.clear();
      AppendLowercase(span_, &lower_);
      if (entry != nullptr || known_names_.contains(lower_)) {
        longest = length;
      }
    }
    if (longest == 0) {
      ++i;
      continue;
    }
    Candidate* candidate = AddCandidate(i, i + longest);
    // Cues from a headline's word order are unreliable.
    candidate->cues = Votes{};
    candidate->strong = entry != nullptr;
    if (entry != nullptr) {
      candidate->gazetteer = entry;
      candidate->forced[entry->type] += kGazetteerWeight;
    }
    i += longest;
  }
}

void RuleBasedEntityRecognizer::ConfirmUncertain() {
  absl::flat_hash_set<std::string_view> confirmed;
  for (const Candidate& candidate : candidates_) {
    if (candidate.uncertain) continue;
    std::string_view surface = candidate.surface;
    confirmed.insert(surface);
    size_t space = surface.rfind(' ');
    if (space != std::string_view::npos) {
      confirmed.insert(surface.substr(space + 1));
    }
  }
  // A lone sentence-initial word stays only when the article confirms it.
  // Decide before erasing: `confirmed` views the surfaces erasing moves.
  for (Candidate& candidate : candidates_) {
    candidate.rejected = candidate.uncertain && !candidate.strong &&
                         candidate.gazetteer == nullptr &&
                         !confirmed.contains(candidate.surface);
  }
  confirmed.clear();
  candidates_.erase(std::remove_if(candidates_.begin(), candidates_.end(),
                                   [](const Candidate& candidate) {
                                     return candidate.rejected;
                                   }),
                    candidates_.end());
  known_names_.clear();
  for (const Candidate& candidate : candidates_) {
    known_names_.insert(Lowercase(candidate.surface));
    size_t space = candidate.surface.rfind(' ');
    if (space != std::string::npos) {
      known_names_.insert(Lowercase(candidate.surface.substr(space + 1)));
    }
  }
}

void RuleBasedEntityRecognizer::AggregateSurfaces() {
  for (size_t c = 0; c < candidates_.size(); ++c) {
    Candidate& candidate = candidates_[c];
    auto [it, inserted] = surface_index_.try_emplace(
        candidate.surface, static_cast<int>(surfaces_.size()));
    if (inserted) {
      surfaces_.emplace_back();
      Surface& surface = surfaces_.back();
      surface.text = candidate.surface;
      surface.first_token = candidate.begin_token;
      surface.words = static_cast<int>(
          std::count(candidate.surface.begin(), candidate.surface.end(), ' ') +
          1);
    }
    candidate.surface_index = it->second;
    Surface& surface = surfaces_[it->second];
    for (int t = 0; t < kTypeCount; ++t) {
      surface.cues[t] += candidate.cues[t];
      surface.forced[t] += candidate.forced[t];
    }
    if (candidate.gazetteer != nullptr) surface.gazetteer = candidate.gazetteer;
    surface.strong |= candidate.strong;
    surface.acronym |= candidate.acronym;
    surface.first_token = std::min(surface.first_token, candidate.begin_token);
    ++surface.count;
  }
}

void RuleBasedEntityRecognizer::DecideTypes() {
  for (Surface& surface : surfaces_) {
    if (AnyVotes(surface.forced)) {
      surface.type = ArgMax(surface.forced);
    } else {
      Votes votes = surface.cues;
      votes[surface.words >= 2 ? v1::PERSON : v1::MISC] +=
          surface.words >= 2 ? kDefaultMultiWordPersonWeight
                             : kDefaultMiscWeight;
      surface.type = ArgMax(votes);
      if (surface.type == v1::ENTITY_TYPE_UNSPECIFIED) {
        surface.type = surface.words >= 2 ? v1::PERSON : v1::MISC;
      }
    }
    if (surface.gazetteer != nullptr) continue;
    std::string lower = Lowercase(surface.text);
    if (surface.words == 1) {
      int letters;
      bool acronym_shape = LooksLikeAcronym(surface.text, &letters);
      if (surface.text.size() < 2 || (acronym_shape && letters > 6) ||
          IsGenericCapitalized(lower) ||
          (!surface.strong && lowercase_words_.contains(lower))) {
        surface.dropped = true;
      }
    } else {
      bool all_title_words = true;
      for (std::string_view word : Split(surface.text, ' ')) {
        all_title_words &= TitleRoleOf(word) != TitleRole::kNone;
      }
      surface.dropped = all_title_words;
    }
  }
}

int RuleBasedEntityRecognizer::Find(int i) {
  while (surfaces_[i].parent != i) {
    surfaces_[i].parent = surfaces_[surfaces_[i].parent].parent;
    i = surfaces_[i].parent;
  }
  return i;
}

void RuleBasedEntityRecognizer::Union(int child, int root) {
  surfaces_[Find(child)].parent = Find(root);
}

void RuleBasedEntityRecognizer::MergeMentions() {
  const int n = static_cast<int>(surfaces_.size());
  for (int i = 0; i < n; ++i) surfaces_[i].parent = i;

  // Longer names first, so every shorter form sees its candidates merged.
  std::vector<int> order;
  for (int i = 0; i < n; ++i) {
    if (!surfaces_[i].dropped) order.push_back(i);
  }
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
    return surfaces_[a].words > surfaces_[b].words;
  });

  // Spellings the gazetteer knows share its canonical name.
  absl::flat_hash_map<std::string_view, int> by_canonical;
  for (int i : order) {
    const Surface& surface = surfaces_[i];
    if (surface.gazetteer == nullptr ||
        surface.type != surface.gazetteer->type) {
      continue;
    }
    auto [it, inserted] =
        by_canonical.try_emplace(surface.gazetteer->canonical, i);
    if (!inserted) Union(i, it->second);
  }

  // PERSON: "Feltman" and "Hillary Clinton" join "Jeffrey Feltman" and
  // "Hillary Rodham Clinton" when exactly one longer name fits.
  absl::flat_hash_map<std::string, std::vector<int>> person_keys;
  for (int i : order) {
    Surface& surface = surfaces_[i];
    bool can_join_person =
        surface.type == v1::PERSON ||
        (!AnyVotes(surface.forced) && !surface.acronym) ||
        (surface.gazetteer != nullptr && surface.words == 1 &&
         surface.gazetteer->type == v1::LOC && surface.cues[v1::LOC] <= 0);
    if (can_join_person) {
      auto it = person_keys.find(surface.text);
      if (it != person_keys.end()) {
        int root = -1;
        bool ambiguous = false;
        for (int longer : it->second) {
          int r = Find(longer);
          if (root != -1 && r != root) ambiguous = true;
          root = r;
        }
        if (!ambiguous && root != -1 && Find(i) != root) {
          Union(i, root);
          surface.type = v1::PERSON;
        }
      }
    }
    if (surface.type != v1::PERSON || surface.words < 2) continue;
    std::vector<std::string_view> words = Split(surface.text, ' ');
    std::string key;
    for (size_t start = 1; start < words.size(); ++start) {
      key.clear();
      for (size_t w = start; w < words.size(); ++w) {
        if (w > start) key.push_back(' ');
        key.append(words[w]);
      }
      person_keys[key].push_back(i);
    }
    if (words.size() >= 3) {
      key = std::string(words.front()) + " " + std::string(words.back());
      person_keys[key].push_back(i);
    }
  }

  // ORG: an acronym joins the one longer name whose initials it spells, and
  // "Security Council" joins "UN Security Council".
  absl::flat_hash_map<std::string, std::vector<int>> org_keys;
  for (int i : order) {
    const Surface& surface = surfaces_[i];
    if (surface.type != v1::ORG || surface.words < 2) continue;
    std::string initials;
    for (std::string_view word : Split(surface.text, ' ')) {
      if (!word.empty() && IsAsciiUpper(word[0])) initials.push_back(word[0]);
    }
    if (initials.size() >= 2) org_keys["#" + initials].push_back(i);
    std::vector<std::string_view> words = Split(surface.text, ' ');
    for (size_t start = 1; start + 1 < words.size(); ++start) {
      std::string key;
      for (size_t w = start; w < words.size(); ++w) {
        if (w > start) key.push_back(' ');
        key.append(words[w]);
      }
      org_keys[key].push_back(i);
    }
  }
  for (int i : order) {
    Surface& surface = surfaces_[i];
    std::string key;
    if (surface.acronym) {
      key = "#";
      for (char c : surface.text) {
        if (c != '.') key.push_back(c);
      }
    } else if (surface.type == v1::ORG && surface.words >= 2) {
      key = surface.text;
    } else {
      continue;
    }
    auto it = org_keys.find(key);
    if (it == org_keys.end()) continue;
    int root = -1;
    bool ambiguous = false;
    for (int longer : it->second) {
      if (longer == i) continue;
      int r = Find(longer);
      if (root != -1 && r != root) ambiguous = true;
      root = r;
    }
    if (!ambiguous && root != -1 && Find(i) != root) {
      Union(i, root);
      surface.type = v1::ORG;
    }
  }
}

void RuleBasedEntityRecognizer::Emit(EntityResult* result) {
  // Group the surviving surfaces by cluster.
  absl::flat_hash_map<int, std::vector<int>> clusters;
  std::vector<int> roots;
  for (int i = 0; i < static_cast<int>(surfaces_.size()); ++i) {
    if (surfaces_[i].dropped) continue;
    int root = Find(i);
    auto [it, inserted] = clusters.try_emplace(root);
    if (inserted) roots.push_back(root);
    it->second.push_back(i);
  }
  for (auto& [root, members] : clusters) {
    std::sort(members.begin(), members.end(), [&](int a, int b) {
      return surfaces_[a].first_token < surfaces_[b].first_token;
    });
  }
  std::sort(roots.begin(), roots.end(), [&](int a, int b) {
    return surfaces_[clusters[a].front()].first_token <
           surfaces_[clusters[b].front()].first_token;
  });

  absl::flat_hash_map<int, int> entity_of_root;
  for (int root : roots) {
    const std::vector<int>& members = clusters[root];
    // The most complete spelling names the entity.
    int best = members.front();
    const GazetteerEntry* known = nullptr;
    for (int m : members) {
      const Surface& s = surfaces_[m];
      const Surface& b = surfaces_[best];
      if (s.words > b.words ||
          (s.words == b.words && s.text.size() > b.text.size())) {
        best = m;
      }
      if (s.gazetteer != nullptr && s.gazetteer->type == s.type &&
          known == nullptr) {
        known = s.gazetteer;
      }
    }
    v1::EntityType type = surfaces_[best].type;
    if (known != nullptr) type = known->type;
    v1::Entity* entity = &result->entities.emplace_back();
    entity->set_text(surfaces_[members.front()].text);
    entity->set_type(type);
    entity->set_canonical(NormalizeCanonical(
        known != nullptr ? known->canonical : surfaces_[best].text));
    entity->set_canonical_id(CanonicalId(type, entity->canonical()));
    int mentions = 0;
    for (int m : members) {
      mentions += surfaces_[m].count;
      entity->add_aliases(surfaces_[m].text);
    }
    entity->set_mentions(mentions);
    entity_of_root[root] = static_cast<int>(result->entities.size()) - 1;
  }

  std::vector<const Candidate*> kept;
  for (const Candidate& candidate : candidates_) {
    if (!surfaces_[candidate.surface_index].dropped) kept.push_back(&candidate);
  }
  std::sort(kept.begin(), kept.end(),
            [](const Candidate* a, const Candidate* b) {
              return a->begin_token < b->begin_token;
            });
  for (const Candidate* candidate : kept) {
    int entity = entity_of_root[Find(candidate->surface_index)];
    const Token& first = token(candidate->begin_token);
    const Token& last = token(candidate->end_token - 1);
    bool in_title = article_->InTitle(candidate->begin_token);
    std::string_view section = in_title ? article_->title : article_->body;
    EntityMention& mention = result->mentions.emplace_back();
    mention.in_title = in_title;
    mention.begin = static_cast<uint32_t>(first.text.data() - section.data());
    std::string_view last_name = NameText(last);
    mention.end = static_cast<uint32_t>(last_name.data() + last_name.size() -
                                        section.data());
    mention.type = result->entities[entity].type();
    mention.entity = entity;
  }
}

void RuleBasedEntityRecognizer::Recognize(const TokenizedArticle& article,
                                          EntityResult* result) {
  result->Clear();
  article_ = &article;
  candidates_.clear();
  deferred_.clear();
  lowercase_words_.clear();
  surfaces_.clear();
  surface_index_.clear();
  const size_t n = article.tokens.size();

  for (const Token& t : article.tokens) {
    if (t.IsWord() && t.Has(Token::kLowerInitial)) {
      lowercase_words_.insert(t.text);
    }
  }

  ScanSentences(article.body_begin, n, false);
  ScanSentences(0, article.body_begin, true);
  ConfirmUncertain();
  for (auto [begin, end] : deferred_) MatchKnownNames(begin, end);

  AggregateSurfaces();
  DecideTypes();
  MergeMentions();
  Emit(result);
  article_ = nullptr;
}

}  // namespace

std::unique_ptr<EntityRecognizer> NewRuleBasedEntityRecognizer() {
  return std::make_unique<RuleBasedEntityRecognizer>();
}

std::string_view EntityTypeName(v1::EntityType type) {
  switch (type) {
    case v1::PERSON:
      return "PERSON";
    case v1::ORG:
      return "ORG";
    case v1::LOC:
      return "LOC";
    case v1::MISC:
      return "MISC";
    default:
      return "UNSPECIFIED";
  }
}

std::string CanonicalId(v1::EntityType type, std::string_view canonical) {
  std::string key(EntityTypeName(type));
  key.push_back(':');
  AppendLowercase(canonical, &key);
  return StableHashHex(key);
}

std::string NormalizeCanonical(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  for (std::string_view word : Split(name, ' ')) {
    if (!out.empty()) out.push_back(' ');
    // "U.N." → "UN": letters alternating with dots.
    bool initialism = word.size() >= 4;
    for (size_t i = 0; i < word.size() && initialism; ++i) {
      initialism = (i % 2 == 0) ? IsAsciiUpper(word[i]) : word[i] == '.';
    }
    if (initialism) {
      for (size_t i = 0; i < word.size(); i += 2) out.push_back(word[i]);
      continue;
    }
    for (size_t i = 0; i < word.size(); ++i) {
      if (word.compare(i, 3, "\xE2\x80\x99") == 0) {
        out.push_back('\'');
        i += 2;
      } else {
        out.push_back(word[i]);
      }
    }
  }
  return out;
}

}  // namespace tag
}  // namespace newsflow
