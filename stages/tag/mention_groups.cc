#include "stages/tag/mention_groups.h"

#include <algorithm>
#include <numeric>

#include "absl/container/flat_hash_map.h"
#include "common/text.h"
#include "stages/tag/entities.h"
#include "stages/tag/gazetteer.h"
#include "stages/tag/tokenizer.h"

namespace newsflow {
namespace tag {
namespace {

bool IsInitialsFunctionWord(std::string_view word) {
  return word == "of" || word == "the" || word == "and" || word == "for" ||
         word == "on" || word == "in" || word == "de" || word == "&";
}

class UnionFind {
 public:
  explicit UnionFind(int n) : parent_(n) {
    std::iota(parent_.begin(), parent_.end(), 0);
  }
  int Find(int i) {
    while (parent_[i] != i) {
      parent_[i] = parent_[parent_[i]];
      i = parent_[i];
    }
    return i;
  }
  // Joins `child`'s group into `root`'s.
  void Join(int child, int root) { parent_[Find(child)] = Find(root); }

 private:
  std::vector<int> parent_;
};

std::string JoinWords(const std::vector<std::string_view>& words, size_t begin,
                      size_t end) {
  std::string out;
  for (size_t i = begin; i < end; ++i) {
    if (i > begin) out.push_back(' ');
    out.append(words[i]);
  }
  return out;
}

// The one group among `candidates` (spelling indices), or -1 when there
// are none or they belong to different groups.
int UniqueRoot(const std::vector<int>& candidates, int self,
               UnionFind* groups) {
  int root = -1;
  for (int candidate : candidates) {
    if (candidate == self) continue;
    int r = groups->Find(candidate);
    if (root != -1 && r != root) return -1;
    root = r;
  }
  return root;
}

}  // namespace

const GazetteerEntry* KnownName(std::string_view name, std::string* scratch) {
  const Gazetteer& gazetteer = Gazetteer::Default();
  if (const GazetteerEntry* entry = gazetteer.Find(name, scratch)) return entry;
  // "U.S. State Department", "Russian Foreign Ministry": a country or
  // nationality before a known organisation is that organisation.
  size_t space = name.find(' ');
  if (space == std::string_view::npos) return nullptr;
  const GazetteerEntry* head = gazetteer.Find(name.substr(0, space), scratch);
  if (head == nullptr || !(head->country || head->type == v1::MISC)) {
    return nullptr;
  }
  const GazetteerEntry* rest = gazetteer.Find(name.substr(space + 1), scratch);
  return rest != nullptr && rest->type == v1::ORG ? rest : nullptr;
}

bool IsNameArticle(std::string_view lower) {
  return lower == "al" || lower == "el" || lower == "ad" || lower == "ed" ||
         lower == "as" || lower == "ash" || lower == "ar" || lower == "an" ||
         lower == "at" || lower == "az" || lower == "ul";
}

bool IsArticlePrefixedName(std::string_view word) {
  const size_t hyphen = word.find('-');
  return hyphen != std::string_view::npos && hyphen + 2 < word.size() &&
         word[hyphen + 1] >= 'A' && word[hyphen + 1] <= 'Z' &&
         IsNameArticle(word.substr(0, hyphen));
}

std::vector<std::string_view> NameWords(std::string_view name) {
  std::vector<std::string_view> words;
  size_t start = 0;
  while (start < name.size()) {
    size_t end = name.find(' ', start);
    if (end == std::string_view::npos) end = name.size();
    if (end > start) words.push_back(name.substr(start, end - start));
    start = end + 1;
  }
  return words;
}

namespace {

// The initials of `words`; function words count as their capitalised
// first letter when `function_words` ("Bank of Japan" → "BOJ"), else are
// skipped ("BJ"); "the" is always skipped.
std::string InitialsOf(const std::vector<std::string_view>& words,
                       bool function_words) {
  std::string initials;
  for (std::string_view word : words) {
    if (IsInitialsFunctionWord(word)) {
      if (function_words && word != "the" && word[0] >= 'a' && word[0] <= 'z') {
        initials.push_back(static_cast<char>(word[0] - 'a' + 'A'));
      }
      continue;
    }
    std::string letters = AcronymLetters(word);
    if (!letters.empty()) {
      initials += letters;  // "UN Security Council" → "UNSC"
    } else if (word[0] >= 'A' && word[0] <= 'Z') {
      initials.push_back(word[0]);
    } else {
      return "";
    }
  }
  return initials.size() >= 2 ? initials : "";
}

}  // namespace

std::string Initials(std::string_view name) {
  std::vector<std::string_view> words = NameWords(name);
  if (words.size() < 2) return "";
  return InitialsOf(words, false);
}

std::vector<std::string> InitialsVariants(std::string_view name) {
  std::vector<std::string> out;
  std::vector<std::string_view> words = NameWords(name);
  if (words.size() < 2) return out;
  for (bool function_words : {false, true}) {
    std::string initials = InitialsOf(words, function_words);
    if (!initials.empty() &&
        std::find(out.begin(), out.end(), initials) == out.end()) {
      out.push_back(std::move(initials));
    }
  }
  return out;
}

std::string AcronymLetters(std::string_view word) {
  // Capitals, dots, and single lower-case letters between capitals
  // ("BoJ", "DoJ": "of" written small).
  std::string letters;
  for (size_t i = 0; i < word.size(); ++i) {
    const char c = word[i];
    if (c >= 'A' && c <= 'Z') {
      letters.push_back(c);
    } else if (c >= 'a' && c <= 'z' && i > 0 && i + 1 < word.size() &&
               word[i - 1] >= 'A' && word[i - 1] <= 'Z' && word[i + 1] >= 'A' &&
               word[i + 1] <= 'Z') {
      letters.push_back(static_cast<char>(c - 'a' + 'A'));
    } else if (c != '.') {
      return "";
    }
  }
  return letters.size() >= 2 ? letters : "";
}

std::vector<MentionGroup> GroupMentions(
    const std::vector<MentionSpelling>& spellings) {
  const int n = static_cast<int>(spellings.size());
  UnionFind groups(n);
  std::vector<int> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::vector<std::vector<std::string_view>> words(n);
  for (int i = 0; i < n; ++i) words[i] = NameWords(spellings[i].text);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
    return words[a].size() > words[b].size();
  });
  std::vector<v1::EntityType> type(n);
  for (int i = 0; i < n; ++i) type[i] = spellings[i].type;

  // 1 and 2: one normalised form, one gazetteer name.
  std::vector<const GazetteerEntry*> known(n, nullptr);
  absl::flat_hash_map<std::string, int> by_form;
  std::string scratch;
  for (int i : order) {
    std::string form =
        FoldCaseAndMarks(Lowercase(NormalizeCanonical(spellings[i].text)));
    known[i] = KnownName(spellings[i].text, &scratch);
    if (known[i] != nullptr) form = "#" + Lowercase(known[i]->canonical);
    auto [it, inserted] = by_form.try_emplace(form, i);
    if (!inserted) groups.Join(i, it->second);
  }

  // A longer name the tagger typed otherwise is a person when its last
  // word is a person's name mentioned at least as often ("Moamer Kadhafi"
  // once as a place, "Kadhafi" six times as a person).
  absl::flat_hash_map<std::string, int> person_words;
  for (int i = 0; i < n; ++i) {
    if (type[i] == v1::PERSON && words[i].size() == 1) {
      person_words[NormalizeCanonical(spellings[i].text)] = spellings[i].count;
    }
  }
  for (int i = 0; i < n; ++i) {
    if (type[i] == v1::PERSON || words[i].size() < 2 || known[i] != nullptr) {
      continue;
    }
    auto it = person_words.find(NormalizeCanonical(words[i].back()));
    if (it != person_words.end() && it->second >= spellings[i].count) {
      type[i] = v1::PERSON;
    }
  }

  // 3: people. Keys of every longer person name: each proper suffix of its
  // words, and first + last word of names of three or more.
  absl::flat_hash_map<std::string, std::vector<int>> person_keys;
  for (int i : order) {
    const bool known_elsewhere =
        known[i] != nullptr && known[i]->type != v1::PERSON;
    const bool may_join =
        type[i] == v1::PERSON || (words[i].size() == 1 && !known_elsewhere &&
                                  AcronymLetters(spellings[i].text).empty());
    if (may_join) {
      auto it = person_keys.find(NormalizeCanonical(spellings[i].text));
      if (it != person_keys.end()) {
        int root = UniqueRoot(it->second, i, &groups);
        if (root != -1 && groups.Find(i) != root) {
          groups.Join(i, root);
          type[i] = v1::PERSON;
        }
      }
    }
    if (type[i] != v1::PERSON || words[i].size() < 2) continue;
    for (size_t start = 1; start < words[i].size(); ++start) {
      person_keys[NormalizeCanonical(
                      JoinWords(words[i], start, words[i].size()))]
          .push_back(i);
    }
    if (words[i].size() >= 3) {
      person_keys[NormalizeCanonical(std::string(words[i].front()) + " " +
                                     std::string(words[i].back()))]
          .push_back(i);
    }
  }

  // 4: organisations. Initials and proper suffixes of longer names.
  absl::flat_hash_map<std::string, std::vector<int>> org_keys;
  for (int i : order) {
    if (type[i] != v1::ORG || words[i].size() < 2) continue;
    for (const std::string& initials :
         InitialsVariants(NormalizeCanonical(spellings[i].text))) {
      org_keys["#" + initials].push_back(i);
    }
    for (size_t start = 1; start + 1 < words[i].size(); ++start) {
      org_keys[NormalizeCanonical(JoinWords(words[i], start, words[i].size()))]
          .push_back(i);
    }
  }
  for (int i : order) {
    std::string key;
    std::string letters =
        words[i].size() == 1 ? AcronymLetters(spellings[i].text) : "";
    if (!letters.empty() && type[i] != v1::PERSON) {
      key = "#" + letters;
    } else if (type[i] == v1::ORG && words[i].size() >= 2) {
      key = NormalizeCanonical(spellings[i].text);
    } else {
      continue;
    }
    auto it = org_keys.find(key);
    if (it == org_keys.end()) continue;
    int root = UniqueRoot(it->second, i, &groups);
    if (root != -1 && groups.Find(i) != root) {
      groups.Join(i, root);
      type[i] = v1::ORG;
    }
  }

  // Collect, each group typed by its longest (then most mentioned)
  // spelling.
  absl::flat_hash_map<int, int> group_of_root;
  std::vector<MentionGroup> result;
  std::vector<int> by_first(n);
  std::iota(by_first.begin(), by_first.end(), 0);
  std::sort(by_first.begin(), by_first.end(), [&](int a, int b) {
    return spellings[a].first < spellings[b].first;
  });
  for (int i : by_first) {
    auto [it, inserted] = group_of_root.try_emplace(
        groups.Find(i), static_cast<int>(result.size()));
    if (inserted) result.emplace_back();
    result[it->second].spellings.push_back(i);
  }
  for (MentionGroup& group : result) {
    int best = group.spellings.front();
    bool person = false;
    for (int i : group.spellings) {
      person |= type[i] == v1::PERSON && spellings[i].type != v1::PERSON;
      if (words[i].size() > words[best].size() ||
          (words[i].size() == words[best].size() &&
           spellings[i].count > spellings[best].count)) {
        best = i;
      }
    }
    group.type = person ? v1::PERSON : type[best];
    // A name the gazetteer knows in full has its type, whatever the
    // tagger read in a headline ("Sao Paulo" as a person).
    if (known[best] != nullptr && known[best]->type != v1::PERSON && !person) {
      group.type = known[best]->type;
    }
  }
  return result;
}

}  // namespace tag
}  // namespace newsflow
