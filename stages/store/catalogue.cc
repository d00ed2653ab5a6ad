#include "stages/store/catalogue.h"

#include <algorithm>
#include <cstdlib>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/hash.h"
#include "common/letters.h"
#include "common/text.h"
#include "common/time.h"
#include "common/utf8.h"

namespace newsflow {
namespace {

// Debian's Abseil has its own string_view.
absl::string_view Absl(std::string_view text) {
  return absl::string_view(text.data(), text.size());
}

// The stored name and word keys. Stroked letters stay: the keys already in
// databases hold them, and folding them now would need every key rebuilt.
std::string Fold(std::string_view text) {
  FoldOptions options;
  options.plain_latin_letters = false;
  options.ascii_punctuation = true;
  return FoldCaseAndMarks(text, options);
}

bool IsWordCodePoint(char32_t code_point) {
  return IsInClass(code_point, kWordCharClasses | kPrivateUseClass);
}

// Calls `word(token)` for each word of already folded text.
template <typename Visit>
void ForEachWord(std::string_view folded, Visit word) {
  const auto size = static_cast<ptrdiff_t>(folded.size());
  ptrdiff_t offset = 0;
  ptrdiff_t start = -1;
  while (offset < size) {
    size_t length = 0;
    // An ill-formed byte decodes as U+FFFD: a separator.
    const char32_t code_point =
        DecodeUtf8At(folded, static_cast<size_t>(offset), &length);
    if (IsWordCodePoint(code_point)) {
      if (start < 0) start = offset;
    } else if (start >= 0) {
      if (!word(folded.substr(static_cast<size_t>(start),
                              static_cast<size_t>(offset - start)))) {
        return;
      }
      start = -1;
    }
    offset += static_cast<ptrdiff_t>(length);
  }
  if (start >= 0) {
    word(folded.substr(static_cast<size_t>(start),
                       static_cast<size_t>(size - start)));
  }
}

std::string InStoredForm(StoredKeyForm form, const std::string& key) {
  return form == nullptr ? key : form(key);
}

}  // namespace

std::string FoldKey(std::string_view text) {
  const std::string folded = Fold(text);
  std::string key;
  key.reserve(folded.size());
  bool pending_space = false;
  for (char c : folded) {
    if (absl::ascii_isspace(static_cast<unsigned char>(c))) {
      pending_space = !key.empty();
      continue;
    }
    if (pending_space) key.push_back(' ');
    pending_space = false;
    key.push_back(c);
  }
  return key;
}

std::vector<std::string> SearchTokens(std::string_view text) {
  std::vector<std::string> tokens;
  ForEachWord(Fold(text), [&](std::string_view word) {
    tokens.emplace_back(word);
    return true;
  });
  return tokens;
}

std::string SearchText(std::string_view text, size_t max_bytes) {
  std::string joined;
  ForEachWord(Fold(text), [&](std::string_view word) {
    const size_t needed = word.size() + (joined.empty() ? 0 : 1);
    if (joined.size() + needed > max_bytes) return false;
    if (!joined.empty()) joined.push_back(' ');
    joined.append(word);
    return true;
  });
  return joined;
}

std::string CanonicalIdOf(const v1::Entity& entity) {
  if (!entity.canonical_id().empty()) return entity.canonical_id();
  const std::string& name =
      entity.canonical().empty() ? entity.text() : entity.canonical();
  const std::string key = FoldKey(name);
  if (key.empty()) return std::string();
  return StableHashHex(absl::StrCat(EntityTypeText(entity.type()), ":", key));
}

std::vector<EntityContribution> EntityContributions(const v1::Article& article,
                                                    StoredKeyForm stored_form) {
  std::map<std::string, EntityContribution> by_id;
  std::map<std::string, std::set<std::string>> aliases_by_id;
  for (const v1::Entity& entity : article.entities()) {
    std::string id = InStoredForm(stored_form, CanonicalIdOf(entity));
    if (id.empty()) continue;
    EntityContribution& merged = by_id[id];
    if (merged.canonical_id.empty()) {
      merged.canonical_id = id;
      merged.name = !entity.canonical().empty() ? entity.canonical()
                    : !entity.text().empty()    ? entity.text()
                                                : id;
      merged.type = entity.type();
    }
    merged.mentions += std::max<int64_t>(1, entity.mentions());
    std::set<std::string>& aliases = aliases_by_id[id];
    auto add_alias = [&](const std::string& alias) {
      std::string key = InStoredForm(stored_form, alias);
      if (!key.empty()) aliases.insert(std::move(key));
    };
    add_alias(entity.text());
    for (const std::string& alias : entity.aliases()) add_alias(alias);
    for (const v1::AliasRule& rule : entity.alias_rules()) {
      std::string alias = InStoredForm(stored_form, rule.alias());
      if (!alias.empty() && !rule.rule().empty()) {
        merged.rules.emplace(std::move(alias), rule.rule());
      }
    }
  }
  std::vector<EntityContribution> contributions;
  contributions.reserve(by_id.size());
  for (auto& [id, contribution] : by_id) {
    const std::set<std::string>& aliases = aliases_by_id[id];
    contribution.aliases.assign(aliases.begin(), aliases.end());
    contributions.push_back(std::move(contribution));
  }
  return contributions;
}

std::string OutletOf(const v1::Article& article) {
  std::string_view url = article.url();
  for (std::string_view scheme : {"https://", "http://"}) {
    if (!absl::StartsWithIgnoreCase(Absl(url), Absl(scheme))) continue;
    std::string_view rest = url.substr(scheme.size());
    rest = rest.substr(0, rest.find_first_of("/?#"));
    if (size_t at = rest.rfind('@'); at != std::string_view::npos) {
      rest.remove_prefix(at + 1);
    }
    if (!rest.empty() && rest.front() != '[') {
      rest = rest.substr(0, rest.find(':'));
    }
    std::string host = absl::AsciiStrToLower(Absl(rest));
    if (absl::StartsWith(host, "www.")) host.erase(0, 4);
    if (!host.empty()) return host;
  }
  return article.source();
}

std::optional<int64_t> SeenAtOf(const v1::Article& article) {
  for (const std::string* text :
       {&article.published_at(), &article.ingested_at()}) {
    if (std::optional<absl::Time> time = ParseTimestamp(*text)) {
      return absl::ToUnixSeconds(*time);
    }
  }
  return std::nullopt;
}

std::string EntityTypeText(v1::EntityType type) {
  if (type == v1::ENTITY_TYPE_UNSPECIFIED || !v1::EntityType_IsValid(type)) {
    return std::string();
  }
  return v1::EntityType_Name(type);
}

std::optional<v1::EntityType> ParseEntityType(std::string_view text) {
  const std::string upper =
      absl::AsciiStrToUpper(absl::StripAsciiWhitespace(Absl(text)));
  if (upper == "LOCATION") return v1::LOC;
  if (upper == "ORGANIZATION" || upper == "ORGANISATION") return v1::ORG;
  if (upper == "MISCELLANEOUS") return v1::MISC;
  v1::EntityType type;
  if (!upper.empty() && upper != "ENTITY_TYPE_UNSPECIFIED" &&
      v1::EntityType_Parse(upper, &type)) {
    return type;
  }
  return std::nullopt;
}

StorySummary SummarizeStory(const std::vector<StoryMember>& members) {
  StorySummary summary;
  summary.article_count = static_cast<int64_t>(members.size());
  std::optional<int64_t> first_stated, last_stated;
  std::set<std::string> outlets;
  const StoryMember* earliest = nullptr;
  // Unknown times last, then first stored.
  auto before = [](const StoryMember& a, const StoryMember& b) {
    if (a.seen_at.has_value() != b.seen_at.has_value()) {
      return a.seen_at.has_value();
    }
    if (a.seen_at != b.seen_at) return *a.seen_at < *b.seen_at;
    return a.seq < b.seq;
  };
  auto widen = [](std::optional<int64_t>& first, std::optional<int64_t>& last,
                  int64_t time) {
    first = first.has_value() ? std::min(*first, time) : time;
    last = last.has_value() ? std::max(*last, time) : time;
  };
  for (const StoryMember& member : members) {
    if (member.seen_at.has_value()) {
      widen(summary.first_seen, summary.last_seen, *member.seen_at);
      if (member.stated) widen(first_stated, last_stated, *member.seen_at);
    }
    if (!member.outlet.empty()) outlets.insert(member.outlet);
    if (earliest == nullptr || before(member, *earliest)) earliest = &member;
  }
  if (first_stated.has_value()) {
    summary.first_seen = first_stated;
    summary.last_seen = last_stated;
  }
  for (const std::string& outlet : outlets) {
    if (!summary.outlets.empty()) summary.outlets.push_back('\n');
    summary.outlets.append(outlet);
  }
  if (earliest != nullptr) summary.headline = earliest->title;
  return summary;
}

void CatalogueDeltaBuilder::Add(const v1::Article& article) {
  Apply(article, EntityContributions(article, stored_form_), +1);
}

void CatalogueDeltaBuilder::Add(
    const v1::Article& article,
    const std::vector<EntityContribution>& entities) {
  Apply(article, entities, +1);
}

void CatalogueDeltaBuilder::Remove(const v1::Article& article) {
  Apply(article, EntityContributions(article, stored_form_), -1);
}

void CatalogueDeltaBuilder::Apply(
    const v1::Article& article, const std::vector<EntityContribution>& entities,
    int sign) {
  for (const EntityContribution& entity : entities) {
    EntityTotals& totals = entities_[entity.canonical_id];
    totals.article_delta += sign;
    totals.mention_delta += sign * entity.mentions;
    if (sign > 0) {
      totals.named = true;
      totals.name = entity.name;
      totals.type = EntityTypeText(entity.type);
    }
    for (const std::string& alias : entity.aliases) {
      aliases_[{entity.canonical_id, alias}] += sign;
      auto rule = entity.rules.find(alias);
      if (sign > 0 && rule != entity.rules.end()) {
        rules_.emplace(std::make_pair(entity.canonical_id, alias),
                       rule->second);
      }
    }
  }
  std::string story = InStoredForm(stored_form_, article.story_id());
  if (!story.empty()) stories_.insert(std::move(story));
}

CatalogueDelta CatalogueDeltaBuilder::Build() const {
  CatalogueDelta delta;
  for (const auto& [id, totals] : entities_) {
    if (!totals.named && totals.article_delta == 0 &&
        totals.mention_delta == 0) {
      continue;
    }
    CatalogueDelta::Entity& entity = delta.entities.emplace_back();
    entity.canonical_id = id;
    if (totals.named) {
      entity.name = totals.name;
      entity.name_key = FoldKey(totals.name);
      entity.type = totals.type;
    }
    entity.article_delta = totals.article_delta;
    entity.mention_delta = totals.mention_delta;
  }
  for (const auto& [key, count] : aliases_) {
    if (count == 0) continue;
    CatalogueDelta::Alias& alias = delta.aliases.emplace_back();
    alias.canonical_id = key.first;
    alias.alias = key.second;
    alias.alias_key = FoldKey(key.second);
    alias.article_delta = count;
    if (auto rule = rules_.find(key); rule != rules_.end()) {
      alias.rule = rule->second;
    }
  }
  delta.stories.assign(stories_.begin(), stories_.end());
  return delta;
}

}  // namespace newsflow
