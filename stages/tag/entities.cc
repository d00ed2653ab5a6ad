#include "stages/tag/entities.h"

#include <algorithm>
#include <deque>
#include <map>
#include <mutex>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "common/hash.h"
#include "stages/tag/gazetteer.h"
#include "stages/tag/lexicon.h"
#include "stages/tag/mention_groups.h"
#include "stages/tag/ner_tagger.h"
#include "stages/tag/ner_text.h"

namespace newsflow {
namespace tag {
namespace {

bool IsAsciiUpper(char c) { return c >= 'A' && c <= 'Z'; }

constexpr v1::EntityType kTypeOfNer[kNerTypes] = {v1::PERSON, v1::ORG, v1::LOC,
                                                  v1::MISC};

// A headline in title case: most words of four letters or more are
// capitalised ("Serdyukov Seeks Libya Cease-Fire").
bool IsTitleCase(const std::vector<Token>& tokens, size_t begin, size_t end) {
  int long_words = 0, capitalized = 0;
  for (size_t i = begin; i < end; ++i) {
    const Token& token = tokens[i];
    if (!token.IsWord() || token.text.size() < 4) continue;
    ++long_words;
    capitalized += token.Has(Token::kCapitalized);
  }
  return long_words >= 3 && capitalized * 4 >= long_words * 3;
}

// Where the name ends in a word like "NATO-led" or "U.S.-backed": the
// offset of the hyphen before the first lower-case letter; npos when the
// word has no such tail or starts in lower case.
size_t HyphenTail(std::string_view word) {
  if (word.empty() ||
      !(IsAsciiUpper(word[0]) || static_cast<unsigned char>(word[0]) >= 0x80)) {
    return std::string_view::npos;
  }
  for (size_t i = 1; i + 1 < word.size(); ++i) {
    if (word[i] == '-' && word[i + 1] >= 'a' && word[i + 1] <= 'z') return i;
  }
  return std::string_view::npos;
}

// Collapses whitespace runs (a name broken across lines) to one space.
std::string CollapseSpaces(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool space = false;
  for (char c : text) {
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
      space = true;
      continue;
    }
    if (space && !out.empty()) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

class StatisticalEntityRecognizer : public EntityRecognizer {
 public:
  explicit StatisticalEntityRecognizer(std::shared_ptr<const NerModel> model)
      : model_(std::move(model)), tagger_(*model_) {}

  void Recognize(const TokenizedArticle& article,
                 EntityResult* result) override;

 private:
  std::shared_ptr<const NerModel> model_;
  NerTagger tagger_;
  NerInput input_;
  std::vector<int32_t> origin_;
  std::deque<std::string> uppercased_;
  std::vector<NerSpan> spans_;
};

void StatisticalEntityRecognizer::Recognize(const TokenizedArticle& article,
                                            EntityResult* result) {
  result->Clear();
  input_.Clear();
  origin_.clear();
  uppercased_.clear();
  const std::vector<Token>& tokens = article.tokens;
  AppendNerWords(tokens, 0, article.body_begin, &input_, &origin_);
  if (IsTitleCase(tokens, 0, article.body_begin)) {
    for (size_t w = 0; w < input_.words.size(); ++w) {
      std::string upper(input_.words[w]);
      for (char& c : upper) {
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
      }
      input_.words[w] = uppercased_.emplace_back(std::move(upper));
    }
  }
  AppendNerWords(tokens, article.body_begin, tokens.size(), &input_, &origin_);
  tagger_.TagSpans(input_, &spans_);

  // Spellings and their type votes.
  struct Found {
    int spelling;
    uint32_t begin, end;
    bool in_title;
    v1::EntityType type;
  };
  std::vector<Found> found;
  std::vector<MentionSpelling> spellings;
  std::vector<bool> in_span(tokens.size(), false);
  for (const NerSpan& span : spans_) {
    for (uint32_t w = span.begin; w < span.end; ++w) {
      if (origin_[w] >= 0) in_span[static_cast<size_t>(origin_[w])] = true;
    }
  }
  std::vector<std::map<int, int>> votes;
  absl::flat_hash_map<std::string, int> spelling_index;
  for (const NerSpan& span : spans_) {
    // Split-off possessives carry no token of their own.
    uint32_t first = span.begin, last = span.end;
    while (first < last && origin_[first] < 0) ++first;
    while (last > first && origin_[last - 1] < 0) --last;
    if (first == last) continue;
    // Titles are cues, not names: "Mayor Carmel Zammit" → "Carmel Zammit"
    // (the model, like CoNLL, mostly leaves them out, but not always at
    // the start of a sentence).
    if (span.type == 0) {
      while (last - first > 1 && origin_[first] >= 0 &&
             (TitleRoleOf(tokens[origin_[first]].text) != TitleRole::kNone ||
              tokens[origin_[first]].Has(Token::kLowerInitial))) {
        ++first;
      }
    }
    const size_t first_token = static_cast<size_t>(origin_[first]);
    size_t last_token = static_cast<size_t>(origin_[last - 1]);
    const bool in_title = article.InTitle(first_token);
    // "Abdel Rahman el-Sharif": a surname after an Arabic article belongs
    // to the person's name, though the model, trained on 1996 wire text,
    // often stops before the small letter.
    if (span.type == 0) {
      while (last_token + 1 < tokens.size() && !in_span[last_token + 1] &&
             article.InTitle(last_token + 1) == in_title &&
             IsArticlePrefixedName(tokens[last_token + 1].text)) {
        ++last_token;
      }
    }
    if (in_title != article.InTitle(last_token)) continue;
    const std::string_view section = article.SectionOf(first_token);
    const Token& a = tokens[first_token];
    const Token& b = tokens[last_token];
    const uint32_t begin =
        static_cast<uint32_t>(a.text.data() - section.data());
    uint32_t end =
        static_cast<uint32_t>(b.text.data() + b.text.size() - section.data());
    // "NATO-led", "U.S.-based": CoNLL tags the whole word MISC; the entity
    // is the name before the lower-case tail.
    bool name_prefix = false;
    if (first_token == last_token && a.Has(Token::kHyphenated)) {
      size_t cut = HyphenTail(a.text);
      if (cut != std::string_view::npos) {
        end = begin + static_cast<uint32_t>(cut);
        name_prefix = true;
      }
    }
    std::string text = CollapseSpaces(section.substr(begin, end - begin));
    auto [it, inserted] =
        spelling_index.try_emplace(text, static_cast<int>(spellings.size()));
    if (inserted) {
      MentionSpelling& spelling = spellings.emplace_back();
      spelling.text = std::move(text);
      spelling.first = static_cast<int>(found.size());
      votes.emplace_back();
    }
    ++spellings[it->second].count;
    const v1::EntityType type = kTypeOfNer[span.type];
    // A name cut from a hyphenated word says nothing about its type.
    if (!name_prefix) ++votes[it->second][type];
    found.push_back({it->second, begin, end, in_title, type});
  }
  std::string scratch;
  std::vector<bool> dropped(spellings.size(), false);
  for (size_t i = 0; i < spellings.size(); ++i) {
    int best = 0;
    for (const auto& [type, count] : votes[i]) {
      if (count > best) {
        best = count;
        spellings[i].type = static_cast<v1::EntityType>(type);
      }
    }
    if (best > 0) continue;
    // Only seen before a hyphen: typed by the gazetteer, or an acronym
    // ("AU-backed") as an organisation; other words ("Toronto-born" when
    // Toronto is unknown) are left out.
    if (const GazetteerEntry* known =
            Gazetteer::Default().Find(spellings[i].text, &scratch)) {
      spellings[i].type = known->type;
    } else if (!AcronymLetters(spellings[i].text).empty()) {
      spellings[i].type = v1::ORG;
    } else {
      dropped[i] = true;
    }
  }
  if (std::find(dropped.begin(), dropped.end(), true) != dropped.end()) {
    std::vector<int> renumber(spellings.size(), -1);
    std::vector<MentionSpelling> kept;
    for (size_t i = 0; i < spellings.size(); ++i) {
      if (dropped[i]) continue;
      renumber[i] = static_cast<int>(kept.size());
      kept.push_back(std::move(spellings[i]));
    }
    spellings = std::move(kept);
    std::vector<Found> kept_found;
    for (Found& f : found) {
      if (renumber[f.spelling] < 0) continue;
      f.spelling = renumber[f.spelling];
      kept_found.push_back(f);
    }
    found = std::move(kept_found);
  }

  std::vector<MentionGroup> groups = GroupMentions(spellings);
  std::vector<int> entity_of_spelling(spellings.size(), -1);
  for (const MentionGroup& group : groups) {
    const int entity_index = static_cast<int>(result->entities.size());
    v1::Entity& entity = result->entities.emplace_back();
    int best = group.spellings.front();
    int mentions = 0;
    for (int i : group.spellings) {
      const MentionSpelling& s = spellings[i];
      const MentionSpelling& b = spellings[best];
      // Words, counted in place: one more than the spaces.
      const size_t words = std::count(s.text.begin(), s.text.end(), ' ') + 1;
      const size_t best_words =
          std::count(b.text.begin(), b.text.end(), ' ') + 1;
      if (words > best_words || (words == best_words && s.count > b.count)) {
        best = i;
      }
      mentions += s.count;
      entity.add_aliases(s.text);
      entity_of_spelling[i] = entity_index;
    }
    entity.set_text(spellings[group.spellings.front()].text);
    entity.set_type(group.type);
    // The gazetteer's name when it knows one ("U.S." → "United States").
    const GazetteerEntry* known = nullptr;
    if (group.type != v1::PERSON) {
      for (int i : group.spellings) {
        known = KnownName(spellings[i].text, &scratch);
        if (known != nullptr) break;
      }
    }
    entity.set_canonical(NormalizeCanonical(
        known != nullptr ? known->canonical : spellings[best].text));
    entity.set_canonical_id(CanonicalId(group.type, entity.canonical()));
    entity.set_mentions(mentions);
  }
  for (const Found& f : found) {
    EntityMention& mention = result->mentions.emplace_back();
    mention.in_title = f.in_title;
    mention.begin = f.begin;
    mention.end = f.end;
    mention.entity = entity_of_spelling[f.spelling];
    mention.type = result->entities[mention.entity].type();
  }
}

}  // namespace

std::unique_ptr<EntityRecognizer> NewStatisticalEntityRecognizer(
    std::shared_ptr<const NerModel> model) {
  return std::make_unique<StatisticalEntityRecognizer>(std::move(model));
}

absl::StatusOr<std::shared_ptr<const NerModel>> LoadSharedNerModel(
    const std::string& path) {
  static std::mutex* const mutex = new std::mutex;
  // Kept for the life of the process: a stage or test that creates
  // taggers one after another loads the file once.
  static auto* const loaded =
      new std::map<std::string, std::shared_ptr<const NerModel>>;
  std::lock_guard<std::mutex> lock(*mutex);
  if (auto it = loaded->find(path); it != loaded->end()) return it->second;
  absl::StatusOr<std::unique_ptr<NerModel>> model = NerModel::Load(path);
  if (!model.ok()) return model.status();
  std::shared_ptr<const NerModel> shared = std::move(*model);
  (*loaded)[path] = shared;
  return shared;
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
  // The words between single spaces (empty ones included), read in place:
  // this runs for every mention and alias, and a vector of the parts was
  // most of its cost.
  for (size_t start = 0, end = 0; end != std::string_view::npos;
       start = end + 1) {
    end = name.find(' ', start);
    const std::string_view word =
        name.substr(start, end == std::string_view::npos ? end : end - start);
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
      if (word[i] == '\xE2' && word.compare(i, 3, "\xE2\x80\x99") == 0) {
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
