#include "stages/tag/entity_identity.h"

#include <algorithm>
#include <cstdlib>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/hash.h"
#include "common/text.h"
#include "newsflow/options.h"  // EditDistance
#include "stages/tag/binary_io.h"
#include "stages/tag/entities.h"
#include "stages/tag/gazetteer.h"
#include "stages/tag/lexicon.h"
#include "stages/tag/mention_groups.h"
#include "stages/tag/tokenizer.h"

namespace newsflow {
namespace tag {
namespace {

constexpr uint32_t kStateVersion = 1;

bool IsVowel(char c) {
  return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u';
}

std::string Consonants(std::string_view folded) {
  std::string out;
  for (char c : folded) {
    if (!IsVowel(c)) out.push_back(c);
  }
  return out;
}

// Whether two folded given names differ in an ending that many languages
// use to mark a woman's name: exactly one of them ends in "a" or "e"
// ("Mario" / "Maria", "Daniel" / "Danielle", "Carol" / "Carole"). Other
// endings are transliterations of one name ("Dmitry" / "Dmytro", "Vasily"
// / "Vasyl", "Muhammad" / "Muhammadu").
bool EndingsDiffer(const std::string& folded_a, const std::string& folded_b) {
  auto feminine = [](const std::string& folded) {
    return !folded.empty() && (folded.back() == 'a' || folded.back() == 'e');
  };
  return !folded_a.empty() && !folded_b.empty() &&
         feminine(folded_a) != feminine(folded_b);
}

// Particles that make one name with the next word, written joined,
// hyphenated or apart ("Abdel Rahman" = "Abdel-Rahman" = "Abdulrahman").
bool IsJoiningParticle(std::string_view lower) {
  return lower == "abd" || lower == "abdel" || lower == "abdul" ||
         lower == "abdal" || lower == "abu" || lower == "abou" ||
         lower == "bin" || lower == "ibn" || lower == "bint";
}

std::string AsciiLower(std::string_view word) {
  std::string out(word);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Words of a person's name that identify them: single-letter initials
// ("W.", "J") carry too little to compare, an article before a word is
// dropped and a joining particle is joined to its word.
std::vector<std::string> PersonWords(std::string_view name) {
  const std::vector<std::string_view> raw = NameWords(name);
  std::vector<std::string> words;
  std::string pending;
  for (size_t i = 0; i < raw.size(); ++i) {
    const std::string_view word = raw[i];
    const size_t letters =
        word.size() - std::count(word.begin(), word.end(), '.');
    if (letters < 2) continue;
    const bool more = i + 1 < raw.size();
    const std::string lower = AsciiLower(word);
    if (more && IsNameArticle(lower)) continue;
    // "Ben" (Maghreb Arabic, Hebrew: "son of") joins like "bin" after a
    // given name ("Kareema Ben Ali" = "Karima Benali"); first, it is the
    // given name ("Ben Stokes").
    if (more && raw.size() >= 3 &&
        (IsJoiningParticle(lower) || (!words.empty() && lower == "ben"))) {
      pending.append(word);
      continue;
    }
    words.push_back(pending + std::string(word));
    pending.clear();
  }
  return words;
}

// The letters of a name word in lower case without diacritics, an
// article prefix dropped ("al-Sharif" → "sharif", "Müller" → "muller").
std::string NameLetters(std::string_view word) {
  const size_t hyphen = word.find('-');
  if (hyphen != std::string_view::npos && hyphen + 1 < word.size() &&
      IsNameArticle(AsciiLower(word.substr(0, hyphen)))) {
    word.remove_prefix(hyphen + 1);
  }
  std::string letters;
  for (char c : FoldCaseAndMarks(word)) {
    if (c >= 'a' && c <= 'z') letters.push_back(c);
  }
  return letters;
}

// Words that open a club's name before the name proper ("Sporting
// Marinha", "Athletic Corvesa", "FC Tarvin"): the club is later named by
// the word after them alone. Not words that also open companies' names
// ("Club Med", "Racing Post", "SC Johnson", "AC Hotels"), whose last word
// is often a surname or a common noun.
bool IsClubDescriptor(std::string_view word) {
  static const absl::flat_hash_set<std::string_view> kWords = {
      "Sporting", "Athletic", "Atletico",  "Atlético",  "Real",
      "Dynamo",   "Dinamo",   "Olympique", "Deportivo", "Hapoel",
      "Maccabi",  "FC",       "AFC",       "CF",        "FK"};
  return kWords.contains(word);
}

// Words that follow a place's name, not an organisation's: prepositions of
// position and direction ("the Odra below Szczecin", "across the Odra to").
bool IsPlacePreposition(std::string_view lower) {
  static const absl::flat_hash_set<std::string_view> kWords = {
      "in",    "on",    "at",      "below",      "above",   "near",
      "into",  "onto",  "from",    "to",         "through", "across",
      "along", "past",  "beyond",  "upstream",   "between", "around",
      "off",   "over",  "under",   "downstream", "towards", "toward",
      "where", "until", "beneath", "alongside",  "within",  "outside"};
  return kWords.contains(lower);
}

// The key of a name's first word for the acronym rule: the gazetteer's name
// for the longest leading words it knows ("US", "U.S.", "United States" →
// "united states"), else the word itself.
std::string FirstWordKey(const std::vector<std::string_view>& words) {
  if (words.empty()) return "";
  std::string scratch;
  for (size_t count = words.size() - 1; count >= 1; --count) {
    std::string leading(words[0]);
    for (size_t w = 1; w < count; ++w) {
      leading.push_back(' ');
      leading.append(words[w]);
    }
    if (const GazetteerEntry* known =
            Gazetteer::Default().Find(leading, &scratch)) {
      return FoldCaseAndMarks(Lowercase(known->canonical));
    }
  }
  return FoldCaseAndMarks(Lowercase(words[0]));
}

// Index-key markers in the prefix index, beside the plain short forms: the
// name after a club's descriptors, and a lone name's transliteration fold.
constexpr char kClubNameMark = '$';
constexpr char kFoldedMark = '~';

// Names this short are compared letter for letter: with three letters one
// changed letter is another name ("Ali" / "Alli" / "Ala").
constexpr size_t kMinFuzzyLetters = 4;

void RemoveFrom(std::vector<uint32_t>* serials, uint32_t serial) {
  serials->erase(std::remove(serials->begin(), serials->end(), serial),
                 serials->end());
}

void AddTo(std::vector<uint32_t>* serials, uint32_t serial) {
  if (std::find(serials->begin(), serials->end(), serial) == serials->end()) {
    serials->push_back(serial);
  }
}

}  // namespace

const char* AliasRuleName(AliasRule rule) {
  switch (rule) {
    case AliasRule::kSameSpelling:
      return "same spelling";
    case AliasRule::kDiacritics:
      return "diacritics";
    case AliasRule::kGazetteer:
      return "gazetteer";
    case AliasRule::kMemberForm:
      return "member form";
    case AliasRule::kInitials:
      return "initials";
    case AliasRule::kShortForm:
      return "short form";
    case AliasRule::kTransliteration:
      return "transliteration";
    case AliasRule::kSurname:
      return "surname";
    case AliasRule::kFirstSpelling:
      return "first spelling";
    case AliasRule::kSameArticle:
      break;
  }
  return "same article";
}

v1::EntityType EntityIdentity::Identity::type() const {
  int best = 0;
  for (int t = 1; t < 5; ++t) {
    if (type_counts[t] > type_counts[best]) best = t;
  }
  return static_cast<v1::EntityType>(best);
}

EntityIdentity::EntityIdentity(EntityIdentityOptions options)
    : options_(options) {}

std::string EntityIdentity::FoldName(std::string_view word) {
  const std::string letters = NameLetters(word);
  // Digraphs first, then single letters, then doubled letters once.
  std::string folded;
  for (size_t i = 0; i < letters.size(); ++i) {
    const char c = letters[i];
    const char next = i + 1 < letters.size() ? letters[i + 1] : 0;
    if (next == 'h' &&
        (c == 'd' || c == 't' || c == 'k' || c == 'g' || c == 'p')) {
      folded.push_back(c == 'p' ? 'f' : c);
      ++i;
      continue;
    }
    // Russian ё written "yo" or "e" before a consonant ("Pyotr" / "Petr",
    // "Fyodor" / "Fedor").
    if ((c == 'i' || c == 'y') && next == 'o' && i > 0 &&
        !IsVowel(letters[i - 1]) && i + 2 < letters.size() &&
        !IsVowel(letters[i + 2]) && letters[i + 2] != 'y') {
      folded.push_back('e');
      ++i;
      continue;
    }
    // Swedish "qv" written "qu" or "qw" after a consonant ("Lindqvist" /
    // "Lindquist"): the sound is "kv"; not "Qureshi" or "Farouq".
    if (c == 'q' && i > 0 && !IsVowel(letters[i - 1]) &&
        (next == 'u' || next == 'v' || next == 'w') && i + 2 < letters.size() &&
        IsVowel(letters[i + 2])) {
      folded.append("kv");
      ++i;
      continue;
    }
    if ((c == 'o' && next == 'u') || (c == 'o' && next == 'o')) {
      folded.push_back('u');
      ++i;
      continue;
    }
    if (c == 'e' && next == 'e') {
      folded.push_back('i');
      ++i;
      continue;
    }
    switch (c) {
      case 'x':
        folded.append("ks");
        break;
      case 'q':
      case 'c':
      case 'g':
        folded.push_back('k');
        break;
      case 'y':
        folded.push_back('i');
        break;
      case 'z':
        folded.push_back('s');
        break;
      case 'w':  // German and Polish "Wolkow" for "Volkov"
        folded.push_back('v');
        break;
      default:
        folded.push_back(c);
    }
  }
  std::string out;
  for (char c : folded) {
    if (out.empty() || out.back() != c) out.push_back(c);
  }
  // "Abdel", "Abdul", "Abdal" + name: one prefix however its vowel is
  // written ("abdulrahman" = "abdelrahman" → "abdrahman").
  if (out.size() > 7 && out.compare(0, 3, "abd") == 0 && IsVowel(out[3]) &&
      out[4] == 'l') {
    out.erase(3, 2);
  }
  return out;
}

std::string EntityIdentity::PrefixKey(std::string_view name) {
  return FoldCaseAndMarks(Lowercase(name));
}

std::string EntityIdentity::NameKey(std::string_view word) {
  const std::string letters = NameLetters(word);
  if (letters.size() < kMinFuzzyLetters) return "=" + letters;
  return Consonants(FoldName(word));
}

bool EntityIdentity::SameName(std::string_view a, std::string_view b) {
  const std::string la = NameLetters(a), lb = NameLetters(b);
  if (la.size() < kMinFuzzyLetters || lb.size() < kMinFuzzyLetters) {
    return !la.empty() && la == lb;
  }
  return FoldName(a) == FoldName(b);
}

namespace {

// Whether the UTF-8 character before `at` is a space or punctuation mark
// (U+00A0, U+2000-U+206F: dashes, curly quotes), which ends a word.
bool AfterPunctuation(std::string_view text, size_t at) {
  auto byte = [&](size_t back) {
    return static_cast<unsigned char>(text[at - back]);
  };
  return (at >= 2 && byte(2) == 0xC2 && byte(1) == 0xA0) ||
         (at >= 3 && byte(3) == 0xE2 && (byte(2) == 0x80 || byte(2) == 0x81));
}

// Bytes of a no-break space (U+00A0) at `at`, or 0.
size_t NoBreakSpaceAt(std::string_view text, size_t at) {
  return at + 1 < text.size() && static_cast<unsigned char>(text[at]) == 0xC2 &&
                 static_cast<unsigned char>(text[at + 1]) == 0xA0
             ? 2
             : 0;
}

// Whether an en or em dash or a closing double quote (U+2013, U+2014,
// U+201D) starts at `at`: like a full stop, it ends the clause. (U+2019
// stays a possessive's apostrophe, U+2010/U+2011 a compound's hyphen.)
bool ClauseMarkAt(std::string_view text, size_t at) {
  if (at + 2 >= text.size() || static_cast<unsigned char>(text[at]) != 0xE2 ||
      static_cast<unsigned char>(text[at + 1]) != 0x80) {
    return false;
  }
  const unsigned char last = static_cast<unsigned char>(text[at + 2]);
  return last == 0x93 || last == 0x94 || last == 0x9D;
}

// Whether the byte at `at` is part of a word: an ASCII letter or digit, or
// part of a UTF-8 letter.
bool InWordAt(std::string_view text, size_t at) {
  const unsigned char c = static_cast<unsigned char>(text[at]);
  return absl::ascii_isalnum(c) || c >= 0x80;
}

// Bytes of the run of spaces, line breaks and no-break spaces at `at`.
size_t SpaceRunAt(std::string_view text, size_t at) {
  size_t end = at;
  while (end < text.size()) {
    const char c = text[end];
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
      ++end;
    } else if (size_t bytes = NoBreakSpaceAt(text, end); bytes > 0) {
      end += bytes;
    } else {
      break;
    }
  }
  return end - at;
}

// Where `text` first writes the words of `name` as whole words, with any
// run of spaces or line breaks between them (hard-wrapped text), or npos.
size_t FindName(std::string_view text, std::string_view name) {
  const std::vector<std::string_view> words = NameWords(name);
  if (words.empty()) return std::string_view::npos;
  for (size_t at = text.find(words[0]); at != std::string_view::npos;
       at = text.find(words[0], at + 1)) {
    if (at > 0 && InWordAt(text, at - 1)) continue;
    size_t end = at + words[0].size();
    bool whole = true;
    for (size_t w = 1; w < words.size() && whole; ++w) {
      const size_t space = SpaceRunAt(text, end);
      whole =
          space > 0 && text.substr(end + space, words[w].size()) == words[w];
      end += space + words[w].size();
    }
    if (whole && (end >= text.size() || !InWordAt(text, end))) return at;
  }
  return std::string_view::npos;
}

}  // namespace

bool EntityIdentity::WrittenWithTheOnly(std::string_view word,
                                        std::string_view title,
                                        std::string_view body) {
  if (word.empty()) return false;
  // A byte of a word: an ASCII letter or digit, or part of a UTF-8 letter.
  auto in_word = [](char c) {
    return absl::ascii_isalnum(static_cast<unsigned char>(c)) ||
           static_cast<unsigned char>(c) >= 0x80;
  };
  // How `text` writes the word alone: not at all, bare, or only after "the".
  enum class Use { kNone, kBare, kWithTheOnly };
  auto use_in = [&](std::string_view text) {
    Use use = Use::kNone;
    for (size_t at = text.find(word); at != std::string_view::npos;
         at = text.find(word, at + 1)) {
      const size_t end = at + word.size();
      if ((at > 0 && in_word(text[at - 1]) && !AfterPunctuation(text, at)) ||
          (end < text.size() && in_word(text[end]) &&
           NoBreakSpaceAt(text, end) == 0 && !ClauseMarkAt(text, end))) {
        continue;
      }
      // The start of a longer name ("Odra Shipping"), a compound
      // ("Odra-based") or a possessive says nothing of how the word alone
      // is written.
      size_t next = end;
      while (next < text.size()) {
        if (text[next] == ' ') {
          ++next;
        } else if (size_t bytes = NoBreakSpaceAt(text, next); bytes > 0) {
          next += bytes;
        } else {
          break;
        }
      }
      const unsigned char after =
          next < text.size() ? static_cast<unsigned char>(text[next]) : 0;
      if (after == '-' || after == '\'' || absl::ascii_isupper(after) ||
          (after >= 0x80 && !ClauseMarkAt(text, next))) {
        continue;
      }
      // Spaces, line breaks (hard-wrapped text) and no-break spaces may
      // stand between "the" and the word.
      size_t before = at;
      while (before > 0) {
        const char c = text[before - 1];
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
          --before;
        } else if (before >= 2 && NoBreakSpaceAt(text, before - 2) == 2) {
          before -= 2;
        } else {
          break;
        }
      }
      if (before < 3 || AsciiLower(text.substr(before - 3, 3)) != "the" ||
          (before > 3 && in_word(text[before - 4]) &&
           !AfterPunctuation(text, before - 3))) {
        // After a capitalised word, the end of a longer name ("Marek
        // Warta", a person) says nothing of how the word alone is written;
        // a word that opens sentences ("But Warta said") starts no name.
        if (before < at) {
          size_t start = before;
          while (start > 0 && in_word(text[start - 1])) --start;
          if (start < before &&
              absl::ascii_isupper(static_cast<unsigned char>(text[start])) &&
              !(IsSentenceStarter(
                    AsciiLower(text.substr(start, before - start))) &&
                !IsGivenName(text.substr(start, before - start)) &&
                !IsMonth(AsciiLower(text.substr(start, before - start))))) {
            continue;
          }
        }
        return Use::kBare;  // a name of its own ("Tengri said")
      }
      // "the X" then a word other than a preposition is the name used as
      // a modifier, as organisations are too ("the Dow fell", "the Pew
      // researchers"); then the end of a clause or a preposition, it
      // stands for a place ("in the Odra below Szczecin", "on the Odra.").
      if (absl::ascii_islower(after)) {
        size_t stop = next;
        while (stop < text.size() &&
               absl::ascii_isalpha(static_cast<unsigned char>(text[stop]))) {
          ++stop;
        }
        if (!IsPlacePreposition(text.substr(next, stop - next))) continue;
      }
      use = Use::kWithTheOnly;
    }
    return use;
  };
  // Headlines drop "the" ("Toxic spill reaches Odra"): the title is read
  // only when the body writes the word nowhere alone.
  Use use = use_in(body);
  if (use == Use::kNone) use = use_in(title);
  return use == Use::kWithTheOnly;
}

bool EntityIdentity::NameWordsMatch(std::string_view a, std::string_view b) {
  const std::string la = NameLetters(a), lb = NameLetters(b);
  if (la.size() < kMinFuzzyLetters || lb.size() < kMinFuzzyLetters) {
    return !la.empty() && la == lb;
  }
  const std::string fa = FoldName(a), fb = FoldName(b);
  if (fa.empty() || fb.empty()) return false;
  if (fa == fb) return true;
  if (Consonants(fa) != Consonants(fb)) return false;
  // The w → v fold joins only names that fold alike ("Wolkow" / "Volkov"),
  // never on top of a differing letter: "Dawes" / "Davis", "Dawson" /
  // "Davison" are different names.
  if (std::count(la.begin(), la.end(), 'w') !=
      std::count(lb.begin(), lb.end(), 'w')) {
    return false;
  }
  // Only a small share may differ: one letter in a short name
  // ("Moammar" / "Muammar", "Kerimov" / "Karimov"; but "John" ≠ "Jean",
  // "Marin" ≠ "Moran", "Candy" ≠ "Kennedy"), a third in a long one
  // ("Oleksandr" / "Alexander").
  const size_t distance = EditDistance(fa, fb);
  const size_t longest = std::max(fa.size(), fb.size());
  return longest < 7 ? distance <= 1 : distance * 3 <= longest;
}

bool EntityIdentity::PersonNamesMatch(std::string_view a, std::string_view b,
                                      WordsMatch words_match) const {
  std::vector<std::string> wa = PersonWords(a), wb = PersonWords(b);
  if (wa.size() < 2 || wb.size() < 2) return false;
  if (words_match(wa.front(), wb.front()) &&
      words_match(wa.back(), wb.back())) {
    return true;
  }
  return wa.size() == 2 && wb.size() == 2 &&
         words_match(wa.front(), wb.back()) &&
         words_match(wa.back(), wb.front());
}

bool EntityIdentity::TypesCompatible(v1::EntityType a, v1::EntityType b) {
  if (a == v1::PERSON || b == v1::PERSON) return a == b;
  return true;
}

EntityIdentity::Keys EntityIdentity::KeysOf(std::string_view alias,
                                            v1::EntityType type, bool person) {
  Keys keys;
  const std::string normalized = NormalizeCanonical(alias);
  const std::string lower = Lowercase(normalized);
  const std::vector<std::string_view> words = NameWords(normalized);
  if (words.empty()) return keys;
  std::string scratch;
  if (const GazetteerEntry* entry = KnownName(alias, &scratch);
      entry != nullptr && !person) {
    keys.strong.push_back("g:" + Lowercase(entry->canonical));
  }
  const std::string letters =
      words.size() == 1 ? AcronymLetters(normalized) : "";
  if (words.size() >= 2 || !person) {
    keys.strong.push_back("s:" + FoldCaseAndMarks(lower));
  }
  if (person) {
    std::vector<std::string> name = PersonWords(normalized);
    if (name.empty()) name.assign(words.begin(), words.end());
    keys.last.push_back(NameKey(name.back()));
    if (name.size() >= 2) keys.first.push_back(NameKey(name.front()));
  }
  if (!person && !letters.empty()) keys.acronym.push_back(letters);
  if (!person && words.size() == 1 && letters.empty() &&
      KnownName(alias, &scratch) == nullptr) {
    // A group and its members: "the Marwanis" = "Marwani" fighters.
    std::string singular = FoldCaseAndMarks(lower);
    if (singular.size() >= 5 && singular.back() == 's' &&
        singular[singular.size() - 2] != 's') {
      singular.pop_back();
    }
    keys.strong.push_back("m:" + singular);
    // A lone name written another way ("Akaba" / "Aqaba"): the story
    // decides (PrefixMatches).
    if (NameLetters(normalized).size() >= 5) {
      keys.prefix.push_back(std::string(1, kFoldedMark) + FoldName(normalized));
    }
  }
  if (!person && words.size() >= 2) {
    // Short forms: the first words of an organisation's name ("Volga
    // Grain" for "Volga Grain Holdings"), not ending in a function word
    // and not a name the gazetteer knows ("China" of "China Mobile").
    for (size_t k = 1; k < words.size(); ++k) {
      const std::string_view last = words[k - 1];
      if (last[0] < 'A' || last[0] > 'Z') break;
      const std::string prefix(normalized.substr(
          0,
          static_cast<size_t>(last.data() + last.size() - normalized.data())));
      if (KnownName(prefix, &scratch) != nullptr) continue;
      keys.prefix.push_back(PrefixKey(prefix));
    }
    // The name after a club's descriptors ("Marinha" of "Sporting
    // Marinha"), unless a place of its own ("Madrid" of "Real Madrid").
    const std::string_view name = words.back();
    if (std::all_of(words.begin(), words.end() - 1, IsClubDescriptor) &&
        KnownName(name, &scratch) == nullptr) {
      keys.prefix.push_back(std::string(1, kClubNameMark) + PrefixKey(name));
    }
  }
  if (type == v1::ORG && words.size() >= 2) {
    keys.initials = InitialsVariants(normalized);
  }
  return keys;
}

const EntityIdentity::Keys& EntityIdentity::CachedKeysOf(std::string_view alias,
                                                         v1::EntityType type,
                                                         bool person) const {
  // Aliases are names, a few dozen bytes: the memo holds a few megabytes.
  constexpr size_t kMaxMemo = 8192;
  std::string& key = memo_key_;
  key.assign(alias.data(), alias.size());
  key.push_back('\0');
  key.push_back(static_cast<char>(type));
  key.push_back(person ? 'p' : 'o');
  if (auto it = keys_memo_.find(key); it != keys_memo_.end()) {
    return it->second;
  }
  if (keys_memo_.size() >= kMaxMemo) keys_memo_.clear();
  return keys_memo_.emplace(key, KeysOf(alias, type, person)).first->second;
}

void EntityIdentity::IndexAlias(uint32_t serial, std::string_view alias,
                                bool person) {
  const Identity& identity = identities_.at(serial);
  const Keys& keys = CachedKeysOf(alias, identity.type(), person);
  for (const std::string& key : keys.strong) AddTo(&strong_[key], serial);
  for (const std::string& key : keys.last) AddTo(&last_[key], serial);
  for (const std::string& key : keys.first) AddTo(&first_[key], serial);
  for (const std::string& key : keys.acronym) AddTo(&acronyms_[key], serial);
  for (const std::string& key : keys.initials) AddTo(&initials_[key], serial);
  for (const std::string& key : keys.prefix) AddTo(&prefixes_[key], serial);
}

void EntityIdentity::AddKeys(const Identity& identity) {
  for (const Alias& alias : identity.aliases) {
    IndexAlias(identity.serial, alias.text, identity.is_person());
  }
}

void EntityIdentity::RemoveKeys(const Identity& identity) {
  auto remove = [&](Index* index, const std::vector<std::string>& keys) {
    for (const std::string& key : keys) {
      auto it = index->find(key);
      if (it == index->end()) continue;
      RemoveFrom(&it->second, identity.serial);
      if (it->second.empty()) index->erase(it);
    }
  };
  // Keys under both readings, in case the identity's type changed since
  // they were added.
  for (bool person : {false, true}) {
    for (const Alias& alias : identity.aliases) {
      Keys keys = CachedKeysOf(alias.text, identity.type(), person);
      remove(&strong_, keys.strong);
      remove(&last_, keys.last);
      remove(&first_, keys.first);
      remove(&acronyms_, keys.acronym);
      remove(&prefixes_, keys.prefix);
      const Keys& org = CachedKeysOf(alias.text, v1::ORG, person);
      remove(&initials_, org.initials);
    }
  }
}

std::string EntityIdentity::CanonicalOf(const Identity& identity) const {
  if (!identity.gazetteer_name.empty()) return identity.gazetteer_name;
  const Alias* best = nullptr;
  size_t best_words = 0;
  for (const Alias& alias : identity.aliases) {
    size_t words = NameWords(alias.text).size();
    if (best == nullptr || words > best_words ||
        (words == best_words && alias.count > best->count)) {
      best = &alias;
      best_words = words;
    }
  }
  return best == nullptr ? "" : best->text;
}

AliasRule EntityIdentity::RuleBetween(std::string_view a, std::string_view b,
                                      bool person) const {
  const std::string la = Lowercase(a), lb = Lowercase(b);
  if (la == lb) return AliasRule::kSameSpelling;
  if (FoldCaseAndMarks(la) == FoldCaseAndMarks(lb)) {
    return AliasRule::kDiacritics;
  }
  if (!person) {
    const Keys ka = KeysOf(a, v1::ORG, false), kb = KeysOf(b, v1::ORG, false);
    auto shared = [](const std::vector<std::string>& x,
                     const std::vector<std::string>& y, std::string_view kind) {
      for (const std::string& key : x) {
        if (key.compare(0, kind.size(), kind) == 0 &&
            std::find(y.begin(), y.end(), key) != y.end()) {
          return true;
        }
      }
      return false;
    };
    if (shared(ka.strong, kb.strong, "g:")) return AliasRule::kGazetteer;
    if (shared(ka.strong, kb.strong, "m:")) return AliasRule::kMemberForm;
    if (shared(ka.acronym, kb.initials, "") ||
        shared(kb.acronym, ka.initials, "")) {
      return AliasRule::kInitials;
    }
    const std::vector<std::string> pa = {PrefixKey(a),
                                         kClubNameMark + PrefixKey(a)},
                                   pb = {PrefixKey(b),
                                         kClubNameMark + PrefixKey(b)};
    if (shared(pa, kb.prefix, "") || shared(pb, ka.prefix, "")) {
      return AliasRule::kShortForm;
    }
  }
  const std::vector<std::string> wa = PersonWords(a), wb = PersonWords(b);
  if (wa.size() >= 2 && wb.size() >= 2 && PersonNamesMatch(a, b)) {
    return AliasRule::kTransliteration;
  }
  if (wa.size() == 1 && wb.size() == 1 && SameName(wa[0], wb[0])) {
    return AliasRule::kTransliteration;
  }
  if ((wa.size() == 1 && wb.size() >= 2 && SameName(wa[0], wb.back())) ||
      (wb.size() == 1 && wa.size() >= 2 && SameName(wb[0], wa.back()))) {
    return AliasRule::kSurname;
  }
  return AliasRule::kSameArticle;
}

void EntityIdentity::Explain(const Identity& identity,
                             v1::Entity* entity) const {
  entity->clear_alias_rules();
  const bool person = identity.aliases.empty() ? entity->type() == v1::PERSON
                                               : identity.is_person();
  std::vector<std::string> known;
  for (const Alias& alias : identity.aliases) known.push_back(alias.text);
  // The text first: it is the spelling that creates a new identity.
  std::vector<std::string> spellings;
  if (!entity->text().empty()) spellings.push_back(entity->text());
  for (const std::string& alias : entity->aliases()) {
    if (std::find(spellings.begin(), spellings.end(), alias) ==
        spellings.end()) {
      spellings.push_back(alias);
    }
  }
  for (const std::string& spelling : spellings) {
    const std::string text = NormalizeCanonical(spelling);
    AliasRule rule =
        known.empty() ? AliasRule::kFirstSpelling : AliasRule::kSameArticle;
    // Most spellings are known already: only a new one is compared.
    if (std::find(known.begin(), known.end(), text) != known.end()) {
      rule = AliasRule::kSameSpelling;
    }
    for (size_t k = 0; k < known.size() && rule != AliasRule::kSameSpelling;
         ++k) {
      rule = std::min(rule, RuleBetween(text, known[k], person));
    }
    v1::AliasRule* explained = entity->add_alias_rules();
    explained->set_alias(spelling);
    explained->set_rule(AliasRuleName(rule));
    known.push_back(text);
  }
}

uint32_t EntityIdentity::Create(const v1::Entity& entity) {
  const uint32_t serial = next_serial_++;
  Identity& identity = identities_[serial];
  identity.serial = serial;
  ++identity.type_counts[entity.type()];
  // The id: type and the gazetteer's name or else the most complete
  // spelling, made unique. Two streams that meet a name first in the same
  // spelling give it the same id.
  std::string best = NormalizeCanonical(
      entity.canonical().empty() ? entity.text() : entity.canonical());
  std::string scratch;
  if (entity.type() != v1::PERSON) {
    for (const std::string& alias : entity.aliases()) {
      if (const GazetteerEntry* known = KnownName(alias, &scratch)) {
        best = NormalizeCanonical(known->canonical);
        break;
      }
    }
  }
  std::string seed = absl::StrCat(std::string(EntityTypeName(entity.type())),
                                  ":", Lowercase(best));
  std::string id = StableHashHex(seed);
  for (int n = 2; ids_.contains(id); ++n) {
    id = StableHashHex(absl::StrCat(seed, "#", n));
  }
  identity.id = id;
  ids_[id] = serial;
  return serial;
}

void EntityIdentity::Learn(uint32_t serial, const v1::Entity& entity) {
  Identity& identity = identities_.at(serial);
  const bool was_person = identity.is_person();
  ++identity.type_counts[entity.type()];
  identity.mentions += static_cast<uint32_t>(std::max(1, entity.mentions()));
  identity.last_seen = articles_;
  std::string scratch;
  for (const std::string& spelling : entity.aliases()) {
    std::string text = NormalizeCanonical(spelling);
    auto it =
        std::find_if(identity.aliases.begin(), identity.aliases.end(),
                     [&](const Alias& alias) { return alias.text == text; });
    if (it != identity.aliases.end()) {
      ++it->count;
      continue;
    }
    identity.aliases.push_back({text, 1});
    if (identity.gazetteer_name.empty() && !identity.is_person()) {
      if (const GazetteerEntry* known = KnownName(spelling, &scratch)) {
        identity.gazetteer_name = NormalizeCanonical(known->canonical);
      }
    }
    IndexAlias(serial, text, identity.is_person());
  }
  if (identity.is_person() != was_person) {
    RemoveKeys(identity);
    AddKeys(identity);
  }
  if (identity.aliases.size() > options_.max_aliases) {
    RemoveKeys(identity);
    std::stable_sort(
        identity.aliases.begin(), identity.aliases.end(),
        [](const Alias& a, const Alias& b) { return a.count > b.count; });
    identity.aliases.resize(options_.max_aliases);
    AddKeys(identity);
  }
}

void EntityIdentity::Absorb(uint32_t from, uint32_t into) {
  if (from == into) return;
  auto it = identities_.find(from);
  if (it == identities_.end()) return;
  Identity absorbed = std::move(it->second);
  RemoveKeys(absorbed);
  identities_.erase(it);
  ids_.erase(absorbed.id);
  Identity& target = identities_.at(into);
  for (int t = 0; t < 5; ++t) target.type_counts[t] += absorbed.type_counts[t];
  target.mentions += absorbed.mentions;
  target.last_seen = std::max(target.last_seen, absorbed.last_seen);
  if (target.gazetteer_name.empty()) {
    target.gazetteer_name = absorbed.gazetteer_name;
  }
  for (const Alias& alias : absorbed.aliases) {
    auto existing =
        std::find_if(target.aliases.begin(), target.aliases.end(),
                     [&](const Alias& a) { return a.text == alias.text; });
    if (existing != target.aliases.end()) {
      existing->count += alias.count;
    } else {
      target.aliases.push_back(alias);
    }
  }
  for (const auto& [serial, count] : absorbed.neighbors) {
    target.neighbors.emplace_back(serial, count);
  }
  RemoveKeys(target);
  AddKeys(target);
}

uint32_t EntityIdentity::Choose(const std::vector<uint32_t>& candidates,
                                const std::vector<uint32_t>& context) const {
  uint32_t best = 0;
  uint64_t best_score = 0, best_seen = 0;
  for (uint32_t serial : candidates) {
    const Identity& identity = identities_.at(serial);
    uint64_t score = 0;
    for (const auto& [neighbor, count] : identity.neighbors) {
      if (std::find(context.begin(), context.end(), neighbor) !=
          context.end()) {
        score += count;
      }
    }
    if (best == 0 || score > best_score ||
        (score == best_score && identity.last_seen > best_seen)) {
      best = serial;
      best_score = score;
      best_seen = identity.last_seen;
    }
  }
  return best;
}

std::vector<uint32_t> EntityIdentity::StrongHits(
    const v1::Entity& entity) const {
  const bool person = entity.type() == v1::PERSON;
  std::vector<uint32_t> hits;
  for (const std::string& alias : entity.aliases()) {
    for (const std::string& key :
         CachedKeysOf(alias, entity.type(), person).strong) {
      auto it = strong_.find(key);
      if (it == strong_.end()) continue;
      for (uint32_t serial : it->second) {
        if (TypesCompatible(identities_.at(serial).type(), entity.type())) {
          AddTo(&hits, serial);
        }
      }
    }
  }
  std::sort(hits.begin(), hits.end());
  return hits;
}

bool EntityIdentity::GivenNameOfAnother(std::string_view given,
                                        std::string_view surname,
                                        uint32_t candidate) const {
  auto it = first_.find(NameKey(given));
  if (it == first_.end()) return false;
  for (uint32_t serial : it->second) {
    // The candidate's own spellings ("Frederic Forsythe" of "Frederick
    // Forsyth") are no other person.
    if (serial == candidate) continue;
    const Identity& other = identities_.at(serial);
    if (!other.is_person()) continue;
    for (const Alias& alias : other.aliases) {
      std::vector<std::string> words = PersonWords(alias.text);
      if (words.size() >= 2 && SameName(words.front(), given) &&
          !SameName(words.back(), surname)) {
        return true;
      }
    }
  }
  return false;
}

std::vector<uint32_t> EntityIdentity::PersonMatches(
    const v1::Entity& entity, const std::vector<uint32_t>& known,
    const std::vector<uint32_t>& named_in_full) const {
  std::vector<uint32_t> matches;
  std::string longest;
  for (const std::string& alias : entity.aliases()) {
    if (PersonWords(alias).size() > PersonWords(longest).size()) {
      longest = alias;
    }
  }
  if (longest.empty()) longest = entity.text();
  std::vector<std::string> words = PersonWords(longest);
  if (words.empty()) {
    for (std::string_view word : NameWords(longest)) words.emplace_back(word);
  }
  std::vector<uint32_t> candidates;
  auto gather = [&](const Index& index, std::string_view word) {
    auto it = index.find(NameKey(word));
    if (it == index.end()) return;
    for (uint32_t serial : it->second) AddTo(&candidates, serial);
  };
  if (!words.empty()) {
    gather(last_, words.back());
    if (words.size() >= 2) {
      gather(first_, words.back());
      gather(last_, words.front());
    }
  }
  auto seen_with_known = [&](const Identity& identity) {
    for (const auto& [neighbor, count] : identity.neighbors) {
      if (std::find(known.begin(), known.end(), neighbor) != known.end()) {
        return true;
      }
    }
    return false;
  };
  for (uint32_t serial : candidates) {
    const Identity& identity = identities_.at(serial);
    if (!identity.is_person()) continue;
    bool full_names = false, fits = false, near_given = false,
         near_surname = false;
    for (const Alias& alias : identity.aliases) {
      const std::vector<std::string> alias_words = PersonWords(alias.text);
      if (alias_words.size() < 2) continue;
      full_names = true;
      if (words.size() >= 2) {
        if (PersonNamesMatch(longest, alias.text, SameName)) {
          fits = true;
        } else if (SameName(words.back(), alias_words.back()) &&
                   NameWordsMatch(words.front(), alias_words.front()) &&
                   !EndingsDiffer(FoldName(words.front()),
                                  FoldName(alias_words.front())) &&
                   !GivenNameOfAnother(words.front(), alias_words.back(),
                                       serial) &&
                   !GivenNameOfAnother(alias_words.front(), alias_words.back(),
                                       serial)) {
          // Unless the two given names are two names (that needs the
          // story, as a near surname does): they end differently, where
          // many languages mark a name's gender ("Mario" / "Maria"), or
          // either is another person's ("Michelle Obama" for "Michael" /
          // "Michelle Collins").
          near_given = true;
        } else {
          near_surname |= PersonNamesMatch(longest, alias.text);
        }
      } else {
        fits |= SameName(alias_words.back(), words.back());
      }
    }
    if (!full_names) {
      // Known by a lone name so far: it fits a full name ending so, or
      // the same lone name.
      for (const Alias& alias : identity.aliases) {
        fits |= SameName(alias.text, words.back());
      }
    } else if (fits && words.size() == 1 && !known.empty()) {
      // A lone surname in an article whose other names are known joins a
      // person only if the person was seen with one of them: "Haddad" in
      // a Chilean mining story is not the Haddad of a Gulf ports story.
      fits = seen_with_known(identity);
    } else if (!fits && near_given) {
      // The same surname under a given name a letter off ("Moammar" /
      // "Muammar Gaddafi"): outlets spell given names their own way, so
      // it joins without the story, in one article too (one quoting
      // another outlet's spelling: split there, the variant's identity
      // would own that spelling for good).
      fits = true;
    } else if (!fits && near_surname &&
               std::find(named_in_full.begin(), named_in_full.end(), serial) !=
                   named_in_full.end()) {
      // Two names (a near surname, endings that differ, a given name of
      // another person) beside a full name this article already gives
      // the person are two people ("Mario Rossi ... his sister Maria
      // Rossi"). A lone surname ("Gaddafi" in a headline) is no such
      // name: it says nothing of how the article spells the given name.
      fits = false;
    } else if (!fits && near_surname) {
      // A surname a letter away ("Peter Saunders" / "Peter Sanders"), or
      // a given name that is a name of its own, is as often another person
      // as a misspelling: it joins only a person seen with one of the
      // article's known names.
      fits = seen_with_known(identity);
    }
    if (fits) matches.push_back(serial);
  }
  return matches;
}

std::vector<uint32_t> EntityIdentity::InitialsMatches(
    const v1::Entity& entity) const {
  std::vector<uint32_t> candidates, matches;
  // An acronym stands for one name: an identity that already spells its
  // initials out with another first word ("SA": "Salvation Army") takes no
  // other expansion ("Singapore Airlines"). A word and the same with one
  // letter more are one ("Korea" / "Korean", "Game" / "Games").
  // The first word is read as the gazetteer names it ("US" / "United
  // States"); two spellings of one word folded a letter apart
  // ("Organisation" / "Organization") are one word.
  auto same_first_word = [](const std::vector<std::string_view>& a,
                            const std::vector<std::string_view>& b) {
    const std::string x = FirstWordKey(a), y = FirstWordKey(b);
    const std::string& shorter = x.size() <= y.size() ? x : y;
    const std::string& longer = x.size() <= y.size() ? y : x;
    if (longer.size() - shorter.size() <= 1 &&
        longer.compare(0, shorter.size(), shorter) == 0) {
      return true;
    }
    if (NameLetters(x).size() < kMinFuzzyLetters ||
        NameLetters(y).size() < kMinFuzzyLetters) {
      return false;
    }
    return FoldName(x) == FoldName(y);
  };
  // Initials of an identity's aliases, spelt out once per call: the same
  // aliases are read for each spelling of the entity.
  absl::flat_hash_map<std::string, std::vector<std::string>> initials_of;
  auto spelt_out_otherwise = [&](uint32_t serial, const std::string& initials,
                                 std::string_view name) {
    const std::vector<std::string_view> name_words = NameWords(name);
    for (const Alias& alias : identities_.at(serial).aliases) {
      const std::vector<std::string_view> words = NameWords(alias.text);
      if (words.size() < 2 || same_first_word(words, name_words)) continue;
      auto [it, added] = initials_of.try_emplace(alias.text);
      if (added) it->second = InitialsVariants(alias.text);
      if (std::find(it->second.begin(), it->second.end(), initials) !=
          it->second.end()) {
        return true;
      }
    }
    return false;
  };
  bool taken = false;
  for (const std::string& alias : entity.aliases()) {
    const Keys& keys = CachedKeysOf(alias, v1::ORG, false);
    for (const std::string& letters : keys.acronym) {
      if (auto it = initials_.find(letters); it != initials_.end()) {
        for (uint32_t serial : it->second) AddTo(&candidates, serial);
      }
    }
    // Initials spell an organisation's name: "South Asia" is no "SA".
    if (entity.type() != v1::ORG) continue;
    for (const std::string& initials : keys.initials) {
      if (auto it = acronyms_.find(initials); it != acronyms_.end()) {
        for (uint32_t serial : it->second) {
          if (spelt_out_otherwise(serial, initials, alias)) {
            taken = true;
          } else {
            AddTo(&candidates, serial);
          }
        }
      }
    }
  }
  // Initials another name has taken are ambiguous, as two fits are
  // ("Education and Agriculture": "EA" is Electronic Arts, so "EAA" is no
  // safer a guess).
  if (taken) return matches;
  for (uint32_t serial : candidates) {
    if (identities_.at(serial).type() == v1::ORG) matches.push_back(serial);
  }
  return matches;
}

std::vector<uint32_t> EntityIdentity::PrefixMatches(
    const v1::Entity& entity, const std::vector<uint32_t>& story,
    bool single_words) const {
  std::vector<uint32_t> matches;
  for (const std::string& alias : entity.aliases()) {
    const std::string normalized = NormalizeCanonical(alias);
    const bool single = NameWords(normalized).size() == 1;
    if (single != single_words) continue;
    // A given name, a generic word or an initial starts too many names
    // ("Victoria Wood", "Royal Court", "M Corry").
    if (single && (IsGivenName(normalized) ||
                   IsGenericCapitalized(Lowercase(normalized)) ||
                   NameLetters(normalized).size() < 2)) {
      continue;
    }
    // `accepts` says which identity types the key may join.
    auto gather = [&](const std::string& key, auto accepts) {
      auto it = prefixes_.find(key);
      if (it == prefixes_.end()) return;
      for (uint32_t serial : it->second) {
        if (!accepts(identities_.at(serial).type())) continue;
        // One word is little evidence: its organisation must belong to the
        // article's story.
        if (single && !std::binary_search(story.begin(), story.end(), serial)) {
          continue;
        }
        AddTo(&matches, serial);
      }
    };
    const std::string key = PrefixKey(normalized);
    gather(key, [](v1::EntityType t) { return t == v1::ORG; });
    // The looser keys below only when no organisation starts with the word
    // ("Atletico" is Atletico Madrid's even beside an "Athletico").
    if (!single || !matches.empty()) continue;
    // A club's name after its descriptors: the tagger often reads the full
    // name as MISC.
    if (entity.type() == v1::ORG || entity.type() == v1::MISC) {
      gather(kClubNameMark + key,
             [](v1::EntityType t) { return t == v1::ORG || t == v1::MISC; });
    }
    if (matches.empty() && NameLetters(normalized).size() >= 5) {
      const v1::EntityType type = entity.type();
      gather(kFoldedMark + FoldName(normalized),
             [type](v1::EntityType t) { return t == type; });
    }
  }
  return matches;
}

std::vector<uint32_t> EntityIdentity::CrossTypeMatches(
    const v1::Entity& entity, const std::vector<uint32_t>& story) const {
  std::vector<uint32_t> matches;
  const std::string normalized = NormalizeCanonical(entity.text());
  std::string scratch;
  if (NameWords(normalized).size() != 1 ||
      KnownName(entity.text(), &scratch) != nullptr ||
      !AcronymLetters(normalized).empty()) {
    return matches;
  }
  std::vector<uint32_t> candidates;
  if (entity.type() == v1::PERSON) {
    // A "person" named like a group, club or company of the story, by one
    // of its names: not by the first word of a longer one, which is often
    // a person's ("Gates" of "Gates Foundation").
    for (const std::string& key :
         CachedKeysOf(normalized, v1::ORG, false).strong) {
      if (auto it = strong_.find(key); it != strong_.end()) {
        for (uint32_t serial : it->second) AddTo(&candidates, serial);
      }
    }
    // A club's name after its descriptors is one of its names too
    // ("Marinha" of "Sporting Marinha").
    if (auto it = prefixes_.find(kClubNameMark + PrefixKey(normalized));
        it != prefixes_.end()) {
      for (uint32_t serial : it->second) AddTo(&candidates, serial);
    }
  } else {
    // A surname the tagger typed as a place or organisation.
    v1::Entity as_person = entity;
    as_person.set_type(v1::PERSON);
    candidates = PersonMatches(as_person, {}, {});
  }
  for (uint32_t serial : candidates) {
    const bool person = identities_.at(serial).is_person();
    if (person != (entity.type() != v1::PERSON)) continue;
    if (!std::binary_search(story.begin(), story.end(), serial)) continue;
    AddTo(&matches, serial);
  }
  return matches;
}

std::vector<uint32_t> EntityIdentity::PluralPeopleMatches(
    const v1::Entity& entity, const std::vector<uint32_t>& story) const {
  std::vector<uint32_t> matches;
  const std::string normalized = NormalizeCanonical(entity.text());
  std::string scratch;
  if (entity.type() == v1::PERSON || NameWords(normalized).size() != 1 ||
      KnownName(entity.text(), &scratch) != nullptr ||
      !AcronymLetters(normalized).empty()) {
    return matches;
  }
  auto member_key = [&](std::string_view name) -> std::string {
    for (const std::string& key : CachedKeysOf(name, v1::ORG, false).strong) {
      if (key.compare(0, 2, "m:") == 0) return key;
    }
    return "";
  };
  const std::string key = member_key(normalized);
  if (key.empty()) return matches;
  const std::string folded = FoldCaseAndMarks(Lowercase(normalized));
  for (uint32_t serial : story) {
    // The story may list identities absorbed or forgotten since.
    auto it = identities_.find(serial);
    if (it == identities_.end()) continue;
    const Identity& identity = it->second;
    if (!identity.is_person() || identity.aliases.empty()) continue;
    // Every name of the identity is this group's plural (the singular and
    // an "s"): a person named by a first name too, or by the singular
    // itself ("Durrani", then "the Durranis"), is a person.
    const bool all_plurals = std::all_of(
        identity.aliases.begin(), identity.aliases.end(),
        [&](const Alias& alias) {
          const std::string plural = FoldCaseAndMarks(Lowercase(alias.text));
          return NameWords(alias.text).size() == 1 &&
                 plural.size() == folded.size() + 1 && plural.back() == 's' &&
                 plural.compare(0, folded.size(), folded) == 0 &&
                 member_key(alias.text) == key;
        });
    if (all_plurals) AddTo(&matches, serial);
  }
  return matches;
}

void EntityIdentity::RetypeAsGroup(uint32_t serial, v1::EntityType type) {
  Identity& identity = identities_.at(serial);
  RemoveKeys(identity);
  identity.type_counts[type] += identity.type_counts[v1::PERSON];
  identity.type_counts[v1::PERSON] = 0;
  AddKeys(identity);
}

std::vector<uint32_t> EntityIdentity::StoryOf(
    const std::vector<uint32_t>& context) const {
  // Sorted and deduplicated once: adding each neighbour with a linear
  // search cost the square of the story's size.
  std::vector<uint32_t> story = context;
  for (uint32_t serial : context) {
    auto it = identities_.find(serial);
    if (it == identities_.end()) continue;
    for (const auto& [neighbor, count] : it->second.neighbors) {
      story.push_back(neighbor);
    }
  }
  std::sort(story.begin(), story.end());
  story.erase(std::unique(story.begin(), story.end()), story.end());
  return story;
}

void EntityIdentity::Resolve(
    google::protobuf::RepeatedPtrField<v1::Entity>* entities,
    std::string_view title, std::string_view body) {
  ++articles_;
  // A lone name the article writes only as "the X" is a river, sea or
  // region, not the short form of an organisation of the story (the river
  // "Odra" beside "Odra Shipping Group"), whatever type the tagger gave it.
  // Read only for a lone word an organisation claims, as scanning the
  // text for every lone word cost a long article a fifth of a second.
  auto written_as_a_place = [&](const v1::Entity& entity) {
    if (title.empty() && body.empty()) return false;
    for (const std::string& alias : entity.aliases()) {
      if (NameWords(alias).size() == 1 &&
          WrittenWithTheOnly(alias, title, body)) {
        return true;
      }
    }
    return false;
  };
  const int n = entities->size();
  std::vector<uint32_t> resolved(n, 0);
  std::vector<uint32_t> context;
  // The people of `context` this article names by a full name.
  std::vector<uint32_t> named_in_full;
  auto note_full_name = [&](const v1::Entity& entity, uint32_t serial) {
    if (entity.type() != v1::PERSON) return;
    for (const std::string& alias : entity.aliases()) {
      if (PersonWords(alias).size() >= 2) AddTo(&named_in_full, serial);
    }
    if (PersonWords(entity.text()).size() >= 2) AddTo(&named_in_full, serial);
  };
  // An identity this article already resolved an entity to may be absorbed
  // by a later entity's keys: that entity, the article's context and its
  // full names follow the surviving identity, or the entity would be left
  // pointing at a gone identity and end without a canonical id.
  auto absorb = [&](uint32_t from, uint32_t into) {
    if (from == into || !identities_.contains(from)) return;
    Absorb(from, into);
    std::replace(resolved.begin(), resolved.end(), from, into);
    for (std::vector<uint32_t>* serials : {&context, &named_in_full}) {
      auto it = std::find(serials->begin(), serials->end(), from);
      if (it == serials->end()) continue;
      if (std::find(serials->begin(), serials->end(), into) == serials->end()) {
        *it = into;
      } else {
        serials->erase(it);
      }
    }
  };
  auto settle = [&](int e, uint32_t serial) {
    resolved[e] = serial;
    AddTo(&context, serial);
    note_full_name(entities->Get(e), serial);
    Explain(identities_.at(serial), entities->Mutable(e));
    Learn(serial, entities->Get(e));
  };

  // Whether the article uses entity `e`'s lone word before it first names
  // identity `serial` by another of its entities: in the body when the
  // body names it, else in the order of first mention.
  auto used_before_its_name = [&](int e, uint32_t serial) {
    constexpr size_t kNone = std::string_view::npos;
    int first_entity = n;
    size_t first_name = kNone;
    for (int f = 0; f < n; ++f) {
      if (f == e || resolved[f] != serial) continue;
      first_entity = std::min(first_entity, f);
      for (const std::string& alias : entities->Get(f).aliases()) {
        first_name = std::min(first_name, FindName(body, alias));
      }
    }
    if (first_entity == n) return false;
    if (first_name == kNone) return e < first_entity;
    // Any earlier use counts, not only one that reads as a place: the town
    // names its people and its mayor too ("Sorvik fishermen ... the Sorvik
    // Phosphate Group"). The price: a short form opening the lede before the
    // full name stays apart (a missed join, the lesser error).
    for (const std::string& word : entities->Get(e).aliases()) {
      if (word.empty()) continue;
      for (size_t at = body.find(word); at < first_name;
           at = body.find(word, at + 1)) {
        const size_t end = at + word.size();
        if ((at == 0 || !InWordAt(body, at - 1)) &&
            (end >= body.size() || !InWordAt(body, end))) {
          return true;
        }
      }
    }
    return false;
  };

  // Pass 1: strong keys of identities seen before.
  for (int e = 0; e < n; ++e) {
    const v1::Entity& entity = entities->Get(e);
    if (entity.type() == v1::ENTITY_TYPE_UNSPECIFIED) continue;
    std::vector<uint32_t> hits = StrongHits(entity);
    if (hits.empty()) continue;
    for (size_t h = 1; h < hits.size(); ++h) absorb(hits[h], hits[0]);
    resolved[e] = hits[0];
    AddTo(&context, hits[0]);
    note_full_name(entity, hits[0]);
  }
  for (int e = 0; e < n; ++e) {
    if (resolved[e] != 0 && identities_.contains(resolved[e])) {
      Explain(identities_.at(resolved[e]), entities->Mutable(e));
      Learn(resolved[e], entities->Get(e));
    }
  }

  // Identities known before this article that it names.
  const std::vector<uint32_t> known = context;

  // Pass 2: strong keys again (of identities this article created), people
  // by name rules, organisations by initials or a longer name they start.
  // A lone word nothing claims waits for pass 3.
  std::vector<int> deferred;
  for (int e = 0; e < n; ++e) {
    if (resolved[e] != 0) continue;
    const v1::Entity& entity = entities->Get(e);
    if (entity.type() == v1::ENTITY_TYPE_UNSPECIFIED) continue;
    if (std::vector<uint32_t> hits = StrongHits(entity); !hits.empty()) {
      for (size_t h = 1; h < hits.size(); ++h) absorb(hits[h], hits[0]);
      settle(e, hits[0]);
      continue;
    }
    std::vector<uint32_t> matches;
    if (entity.type() == v1::PERSON) {
      matches = PersonMatches(entity, known, named_in_full);
    } else {
      matches = InitialsMatches(entity);
      if (matches.empty()) matches = PrefixMatches(entity, {}, false);
      // Initials and short forms are ambiguous: only one fit counts.
      if (matches.size() > 1) matches.clear();
    }
    if (matches.empty() && NameWords(entity.text()).size() == 1) {
      deferred.push_back(e);
      continue;
    }
    settle(e, matches.empty() ? Create(entity) : Choose(matches, context));
  }

  // Pass 3: lone words, now that the article's story is known: the first
  // word of an organisation of the story ("Corvina" for "Corvina United"),
  // or a name the tagger typed against the story (the surname "Alli" as an
  // organisation, the club "Corvina" as a person) when one identity of the
  // story fits.
  // (Gathered only when a lone word waits: sorting every neighbour of the
  // article's identities was a few percent of tagging.)
  std::vector<uint32_t> story;
  if (!deferred.empty()) story = StoryOf(context);
  // Names typed as people last, so a group this article introduces can
  // claim its plural typed as people ("Marwani" fighters, "the Marwanis").
  std::stable_partition(deferred.begin(), deferred.end(), [&](int e) {
    return entities->Get(e).type() != v1::PERSON;
  });
  for (int e : deferred) {
    v1::Entity* entity = entities->Mutable(e);
    std::vector<uint32_t> matches;
    if (entity->type() != v1::PERSON) {
      matches = PrefixMatches(*entity, story, true);
      if (!matches.empty() && written_as_a_place(*entity)) matches.clear();
      // A short form follows the name it shortens: a word read as a place
      // that the article uses before it names the organisation in full is
      // the place the organisation is named after ("the port of Gabès ...
      // the Gabès Phosphate Group"), not its short form.
      if (entity->type() == v1::LOC) {
        matches.erase(std::remove_if(matches.begin(), matches.end(),
                                     [&](uint32_t serial) {
                                       return used_before_its_name(e, serial);
                                     }),
                      matches.end());
      }
    }
    if (matches.empty()) {
      // People have no plural: "the Marwanis" typed as people earlier in
      // the story were the group this "Marwani" names.
      matches = PluralPeopleMatches(*entity, story);
      if (matches.size() == 1) {
        RetypeAsGroup(matches[0], entity->type());
        // This article's own mentions of the plural are the group too.
        for (int other = 0; other < n; ++other) {
          if (resolved[other] == matches[0]) {
            entities->Mutable(other)->set_type(entity->type());
          }
        }
      } else {
        matches.clear();
      }
    }
    if (matches.empty()) {
      matches = CrossTypeMatches(*entity, story);
      // The same place reading holds for a "person" named like a group,
      // club or company ("the Odra" typed as a person is no club "FC Odra",
      // which the tagger may have typed MISC): only a place may take it,
      // or an identity of another type that names nothing longer than
      // such a word (a river the tagger once typed MISC).
      if (entity->type() == v1::PERSON && !matches.empty() &&
          written_as_a_place(*entity)) {
        auto names_a_longer_name = [&](uint32_t serial) {
          const Identity& identity = identities_.at(serial);
          if (identity.type() != v1::LOC && identity.type() != v1::MISC) {
            return true;
          }
          return identity.type() != v1::LOC &&
                 std::any_of(identity.aliases.begin(), identity.aliases.end(),
                             [](const Alias& alias) {
                               return NameWords(alias.text).size() >= 2;
                             });
        };
        matches.erase(
            std::remove_if(matches.begin(), matches.end(), names_a_longer_name),
            matches.end());
      }
      // A word written only as "the X" is no person named in full ("the
      // Warta" beside "Marek Warta"); a "person" the stream knows only by
      // this word may be the same river mistyped.
      if (entity->type() != v1::PERSON && !matches.empty() &&
          written_as_a_place(*entity)) {
        matches.erase(
            std::remove_if(
                matches.begin(), matches.end(),
                [&](uint32_t serial) {
                  const Identity& identity = identities_.at(serial);
                  return identity.is_person() &&
                         std::any_of(
                             identity.aliases.begin(), identity.aliases.end(),
                             [](const Alias& alias) {
                               return PersonWords(alias.text).size() >= 2;
                             });
                }),
            matches.end());
      }
      if (matches.size() == 1) {
        entity->set_type(identities_.at(matches[0]).type());
      }
    }
    if (matches.size() > 1) matches.clear();
    settle(e, matches.empty() ? Create(*entity) : matches[0]);
    if (auto at = std::lower_bound(story.begin(), story.end(), resolved[e]);
        at == story.end() || *at != resolved[e]) {
      story.insert(at, resolved[e]);
    }
  }
  // Co-occurrence, for choosing between namesakes later.
  NoteSeenTogether(context);
  for (int e = 0; e < n; ++e) {
    if (resolved[e] == 0) continue;
    auto it = identities_.find(resolved[e]);
    if (it == identities_.end()) continue;
    v1::Entity* entity = entities->Mutable(e);
    entity->set_canonical(CanonicalOf(it->second));
    entity->set_canonical_id(it->second.id);
    // One type per name across the stream: a name seen at least three
    // times and twice as often as another non-person type takes that type
    // ("Twitter" read once as a place, as an organisation every other
    // time). People and the rest never trade types here.
    const Identity& identity = it->second;
    const v1::EntityType majority = identity.type();
    if (entity->type() != majority && entity->type() != v1::PERSON &&
        majority != v1::PERSON && identity.type_counts[majority] >= 3 &&
        identity.type_counts[majority] >=
            2 * identity.type_counts[entity->type()]) {
      entity->set_type(majority);
    }
  }
  if (identities_.size() > options_.max_identities) Evict();
}

void EntityIdentity::NoteSeenTogether(const std::vector<uint32_t>& context) {
  // Each identity of the article counts every other once: an article's
  // identity already listed gains one, a newcomer joins with count 1 in
  // context order. Walking the whole context per identity, with a linear
  // search of its list per step, made a long article cost the cube of its
  // names (4,000 names: seconds); this costs a list's length and the cap
  // per identity. `context` holds each serial once.
  const size_t k = context.size();
  std::vector<std::pair<uint32_t, uint32_t>> position;  // serial, index
  position.reserve(k);
  for (size_t i = 0; i < k; ++i) position.emplace_back(context[i], i);
  std::sort(position.begin(), position.end());
  // listed[i] == stamp: context[i] is the identity being updated or on its
  // list already (the first copy of a serial listed twice, as Absorb may
  // leave it, is the one counted).
  std::vector<size_t> listed(k, 0);
  for (size_t at = 0; at < k; ++at) {
    auto it = identities_.find(context[at]);
    if (it == identities_.end()) continue;
    auto& neighbors = it->second.neighbors;
    const size_t stamp = at + 1;
    listed[at] = stamp;
    size_t already = 0;
    for (auto& [neighbor, count] : neighbors) {
      auto found = std::lower_bound(position.begin(), position.end(),
                                    std::pair<uint32_t, uint32_t>(neighbor, 0));
      if (found == position.end() || found->first != neighbor) continue;
      if (listed[found->second] == stamp) continue;
      listed[found->second] = stamp;
      ++count;
      ++already;
    }
    const size_t newcomers = k - 1 - already;
    const size_t total = neighbors.size() + newcomers;
    const bool over_cap = total > options_.max_neighbors;
    // Over the cap, newcomers tie at count 1 behind one another, so only
    // the first max_neighbors of them can survive the stable sort below.
    size_t to_add =
        over_cap ? std::min(newcomers, options_.max_neighbors) : newcomers;
    for (size_t i = 0; i < k && to_add > 0; ++i) {
      if (listed[i] == stamp) continue;
      neighbors.emplace_back(context[i], 1);
      --to_add;
    }
    if (over_cap) {
      // A known limit: among equal counts the newest neighbour is cut, so a
      // full list takes no newcomer (NeighbourCapFreezesSeenWith, disabled).
      // Keeping this article's neighbours instead moved 251 BBC mentions,
      // mostly initials to the wrong namesake ("J Robinson"): an initial
      // must first contradict another given name.
      std::stable_sort(
          neighbors.begin(), neighbors.end(),
          [](const auto& a, const auto& b) { return a.second > b.second; });
      neighbors.resize(options_.max_neighbors);
    }
  }
}

std::vector<std::pair<std::string, uint32_t>> EntityIdentity::SeenWith(
    std::string_view id) const {
  std::vector<std::pair<std::string, uint32_t>> seen;
  auto serial = ids_.find(std::string(id));
  if (serial == ids_.end()) return seen;
  for (const auto& [neighbor, count] :
       identities_.at(serial->second).neighbors) {
    auto it = identities_.find(neighbor);
    seen.emplace_back(it == identities_.end() ? "" : it->second.id, count);
  }
  return seen;
}

IdentityStats EntityIdentity::Stats() const {
  IdentityStats stats;
  stats.identities = identities_.size();
  for (const auto& [serial, identity] : identities_) {
    stats.aliases += identity.aliases.size();
    stats.neighbors += identity.neighbors.size();
  }
  for (const Index* index :
       {&strong_, &last_, &first_, &acronyms_, &initials_, &prefixes_}) {
    stats.index_keys += index->size();
    for (const auto& [key, serials] : *index) {
      stats.index_entries += serials.size();
    }
  }
  stats.ids = ids_.size();
  return stats;
}

void EntityIdentity::Evict() {
  std::vector<std::pair<uint64_t, uint32_t>> by_age;
  for (const auto& [serial, identity] : identities_) {
    by_age.emplace_back(identity.last_seen, serial);
  }
  std::sort(by_age.begin(), by_age.end());
  const size_t target = options_.max_identities - options_.max_identities / 10;
  for (size_t i = 0; i + target < by_age.size(); ++i) {
    auto it = identities_.find(by_age[i].second);
    RemoveKeys(it->second);
    ids_.erase(it->second.id);
    identities_.erase(it);
  }
}

void EntityIdentity::AppendIdentity(const Identity& identity,
                                    std::string* out) {
  PutU32(out, identity.serial);
  PutString(out, identity.id);
  for (uint32_t count : identity.type_counts) PutU32(out, count);
  PutU32(out, identity.mentions);
  PutU64(out, identity.last_seen);
  PutString(out, identity.gazetteer_name);
  PutU32(out, static_cast<uint32_t>(identity.aliases.size()));
  for (const Alias& alias : identity.aliases) {
    PutString(out, alias.text);
    PutU32(out, alias.count);
  }
  PutU32(out, static_cast<uint32_t>(identity.neighbors.size()));
  for (const auto& [neighbor, count] : identity.neighbors) {
    PutU32(out, neighbor);
    PutU32(out, count);
  }
}

bool EntityIdentity::ReadIdentity(BinaryReader* reader, Identity* identity) {
  identity->serial = reader->U32();
  identity->id = std::string(reader->String());
  for (uint32_t& c : identity->type_counts) c = reader->U32();
  identity->mentions = reader->U32();
  identity->last_seen = reader->U64();
  identity->gazetteer_name = std::string(reader->String());
  const uint32_t aliases = reader->U32();
  for (uint32_t a = 0; a < aliases && reader->ok(); ++a) {
    Alias alias;
    alias.text = std::string(reader->String());
    alias.count = reader->U32();
    identity->aliases.push_back(std::move(alias));
  }
  const uint32_t neighbors = reader->U32();
  for (uint32_t k = 0; k < neighbors && reader->ok(); ++k) {
    uint32_t serial = reader->U32();
    uint32_t c = reader->U32();
    identity->neighbors.emplace_back(serial, c);
  }
  return reader->ok() && identity->serial != 0;
}

void EntityIdentity::AppendTo(
    std::string* out, const std::function<void(std::string*)>& spill) const {
  PutU32(out, kStateVersion);
  PutU32(out, next_serial_);
  PutU64(out, articles_);
  std::vector<uint32_t> serials;
  for (const auto& [serial, identity] : identities_) serials.push_back(serial);
  std::sort(serials.begin(), serials.end());
  PutU32(out, static_cast<uint32_t>(serials.size()));
  for (uint32_t serial : serials) {
    AppendIdentity(identities_.at(serial), out);
    if (spill) spill(out);
  }
}

absl::Status EntityIdentity::Rebuild(uint32_t next_serial, uint64_t articles,
                                     std::vector<Identity> identities) {
  EntityIdentity fresh(options_);
  fresh.next_serial_ = next_serial;
  fresh.articles_ = articles;
  for (Identity& identity : identities) {
    if (identity.serial >= next_serial) {
      return absl::DataLossError("entity identities: corrupt record");
    }
    fresh.ids_[identity.id] = identity.serial;
    const uint32_t serial = identity.serial;
    fresh.identities_.emplace(serial, std::move(identity));
  }
  for (const auto& [serial, identity] : fresh.identities_) {
    fresh.AddKeys(identity);
  }
  *this = std::move(fresh);
  return absl::OkStatus();
}

absl::Status EntityIdentity::ReadFrom(std::string_view data, size_t* pos) {
  BinaryReader reader(data, *pos);
  if (reader.U32() != kStateVersion) {
    return absl::DataLossError("entity identities: unknown version");
  }
  const uint32_t next_serial = reader.U32();
  const uint64_t articles = reader.U64();
  const uint32_t count = reader.U32();
  std::vector<Identity> identities;
  for (uint32_t i = 0; i < count && reader.ok(); ++i) {
    if (!ReadIdentity(&reader, &identities.emplace_back())) {
      if (!reader.ok()) break;
      return absl::DataLossError("entity identities: corrupt record");
    }
  }
  if (!reader.ok()) return absl::DataLossError("entity identities: truncated");
  if (absl::Status s = Rebuild(next_serial, articles, std::move(identities));
      !s.ok()) {
    return s;
  }
  *pos = reader.pos();
  return absl::OkStatus();
}

void EntityIdentity::MarkSaved(SaveMarks* marks) const {
  marks->clear();
  marks->reserve(identities_.size());
  for (const auto& [serial, identity] : identities_) {
    (*marks)[serial] = {identity.last_seen, identity.mentions};
  }
}

void EntityIdentity::AppendChangesTo(
    std::string* out, const std::function<void(std::string*)>& spill,
    SaveMarks* marks) const {
  std::vector<uint32_t> gone;
  for (const auto& [serial, mark] : *marks) {
    if (!identities_.contains(serial)) gone.push_back(serial);
  }
  for (uint32_t serial : gone) marks->erase(serial);
  std::vector<uint32_t> changed;
  for (const auto& [serial, identity] : identities_) {
    const std::pair<uint64_t, uint32_t> mark{identity.last_seen,
                                             identity.mentions};
    auto [it, added] = marks->try_emplace(serial, mark);
    if (added || it->second != mark) {
      it->second = mark;
      changed.push_back(serial);
    }
  }
  std::sort(gone.begin(), gone.end());
  std::sort(changed.begin(), changed.end());
  PutU32(out, kStateVersion);
  PutU32(out, next_serial_);
  PutU64(out, articles_);
  PutU32(out, static_cast<uint32_t>(gone.size()));
  for (uint32_t serial : gone) PutU32(out, serial);
  PutU32(out, static_cast<uint32_t>(changed.size()));
  for (uint32_t serial : changed) {
    AppendIdentity(identities_.at(serial), out);
    if (spill) spill(out);
  }
}

absl::Status EntityIdentity::ReadChangesFrom(std::string_view data,
                                             size_t* pos) {
  BinaryReader reader(data, *pos);
  if (reader.U32() != kStateVersion) {
    return absl::DataLossError("entity identities: unknown version");
  }
  const uint32_t next_serial = reader.U32();
  const uint64_t articles = reader.U64();
  absl::flat_hash_map<uint32_t, Identity> merged = std::move(identities_);
  const uint32_t gone = reader.U32();
  for (uint32_t i = 0; i < gone && reader.ok(); ++i) merged.erase(reader.U32());
  const uint32_t changed = reader.U32();
  for (uint32_t i = 0; i < changed && reader.ok(); ++i) {
    Identity identity;
    if (!ReadIdentity(&reader, &identity)) {
      if (!reader.ok()) break;
      return absl::DataLossError("entity identities: corrupt record");
    }
    const uint32_t serial = identity.serial;
    merged[serial] = std::move(identity);
  }
  if (!reader.ok()) return absl::DataLossError("entity identities: truncated");
  // In serial order, as a whole file lists them, so the tables come out as
  // a whole load builds them.
  std::vector<Identity> identities;
  identities.reserve(merged.size());
  for (auto& [serial, identity] : merged) {
    identities.push_back(std::move(identity));
  }
  std::sort(
      identities.begin(), identities.end(),
      [](const Identity& a, const Identity& b) { return a.serial < b.serial; });
  if (absl::Status s = Rebuild(next_serial, articles, std::move(identities));
      !s.ok()) {
    return s;
  }
  *pos = reader.pos();
  return absl::OkStatus();
}

}  // namespace tag
}  // namespace newsflow
