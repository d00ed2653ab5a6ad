#include "stages/clean/boilerplate.h"

#include <algorithm>
#include <bitset>
#include <string>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_split.h"
#include "common/call_to_action.h"
#include "common/date_words.h"
#include "common/letters.h"
#include "common/text.h"
#include "common/utf8.h"
#include "stages/clean/article_facts.h"
#include "stages/clean/text_repair.h"
#include "stages/clean/word_set.h"

namespace newsflow {
namespace clean {
namespace {

// std::string_view versions of absl/strings/match.h (Debian's Abseil has
// its own absl::string_view).
bool HasSubstr(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}
bool HasSubstr(std::string_view text, char c) {
  return text.find(c) != std::string_view::npos;
}
bool HasPrefix(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}
bool HasSuffix(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() &&
         text.substr(text.size() - suffix.size()) == suffix;
}

// ---------------------------------------------------------------------------
// Vocabulary. Words are lowercase; phrases are space-separated words.

// Call-to-action and site-furniture phrases with their cue weights:
// kCallToActionPhrases (common/call_to_action.h), shared with HTML
// extraction.

// Verbs that open a call to action ("Support ...", "Get ...").
const WordSet& ImperativeOpeners() {
  static const auto* words = new WordSet{
      "become",   "buy",     "click",  "discover", "don't",     "donate",
      "download", "explore", "follow", "get",      "join",      "listen",
      "leave",    "refresh", "log",    "order",    "read",      "register",
      "share",    "shop",    "sign",   "sign-up",  "subscribe", "support",
      "tap",      "try",     "visit",  "watch",    "jump",      "skip",
  };
  return *words;
}

// Openers that are a call to action whenever a cue follows ("Follow
// the Ledger on Instagram"); unlike "Share" or "Watch" they rarely open a
// news sentence.
const WordSet& CallToActionVerbs() {
  static const auto* words = new WordSet{
      "click",    "donate", "download",  "follow", "join",
      "register", "sign",   "subscribe", "tap",    "visit",
  };
  return *words;
}

// Pronouns of the outlet speaking to its reader.
const WordSet& ReaderAddress() {
  static const auto* words = new WordSet{
      "our", "ours", "you", "your", "you're", "yours", "you'll", "please",
  };
  return *words;
}

// Last words of newspaper names ("the Los Angeles Times", "The Hindu").
const WordSet& OutletNouns() {
  static const auto* words = new WordSet{
      "bulletin",    "daily",     "dispatch", "ledger",    "monitor",
      "sentinel",    "chronicle", "courier",  "examiner",  "express",
      "gazette",     "globe",     "guardian", "herald",    "hindu",
      "independent", "inquirer",  "journal",  "mail",      "mirror",
      "observer",    "post",      "standard", "telegraph", "times",
      "tribune",
  };
  return *words;
}

const WordSet& NewsAgencies() {
  static const auto* words = new WordSet{
      "afp",  "agence",     "agencies",  "anadolu",   "ani",   "ansa",
      "ap",   "associated", "bloomberg", "dpa",       "efe",   "france-presse",
      "ians", "interfax",   "irna",      "itar-tass", "kyodo", "novosti",
      "pa",   "press",      "pti",       "reuters",   "ria",   "tass",
      "upi",  "wires",      "xinhua",    "yonhap",
  };
  return *words;
}

// Words that may join agency names in a credit line ("AP and Reuters",
// "With inputs from agencies").
const WordSet& CreditConnectors() {
  static const auto* words = new WordSet{
      "and", "with", "from", "inputs", "input", "staff", "agency", "by",
  };
  return *words;
}

// Words of a comment widget ("0 Comments To This Article").
const WordSet& CommentWidgetWords() {
  // With "are closed", "is disabled for": notes that comments are off.
  static const auto* words = new WordSet{
      "a",
      "add",
      "all",
      "article",
      "comment",
      "comments",
      "count",
      "join",
      "leave",
      "on",
      "post",
      "read",
      "show",
      "story",
      "the",
      "this",
      "to",
      "total",
      "view",
      "your",
      "discussion",
      "conversation",
      "Comments are closed.",
      "Comments are disabled for this story",
      "are",
      "is",
      "now",
      "closed",
      "disabled",
      "for",
  };
  return *words;
}

// Whole lines that are only a navigation link.
const WordSet& LinkLabels() {
  static const auto* words = new WordSet{
      "back to top",
      "close",
      "continue",
      "email",
      "expand",
      "full story",
      "gallery",
      "home",
      "load more",
      "menu",
      "advertising",
      "advertisement",
      "have your say",
      "more",
      "more on this story",
      "most popular",
      "most read",
      "most viewed",
      "more stories",
      "recommended for you",
      "top stories",
      "latest news",
      "trending",
      "up next",
      "search",
      "next",
      "next story",
      "photos",
      "previous",
      "previous story",
      "print",
      "related",
      "related content",
      "see all",
      "see also",
      "see more",
      "share",
      "show more",
      "skip to content",
      "top",
      "tweet",
      "video",
      "videos",
      "view all",
      "view comments",
      "watch",
      "listen",
  };
  return *words;
}

// Capitalized words that open a sentence rather than a name ("... in
// Birmingham. And then").
const WordSet& SentenceOpeners() {
  static const auto* words = new WordSet{
      "a",     "after", "also",  "an",    "and",       "as",   "at",
      "but",   "by",    "for",   "he",    "her",       "his",  "i",
      "if",    "in",    "it",    "its",   "meanwhile", "no",   "not",
      "now",   "on",    "or",    "she",   "so",        "that", "the",
      "their", "then",  "there", "these", "they",      "this", "those",
      "to",    "we",    "when",  "while", "with",      "yet",  "you",
  };
  return *words;
}

// Words of site sections ("World & Nation", "Middle East").
const WordSet& SectionWords() {
  static const auto* words = new WordSet{
      "africa",        "america",       "americas",   "analysis",
      "art",           "arts",          "asia",       "asia-pacific",
      "autos",         "blogs",         "books",      "breaking",
      "business",      "careers",       "cars",       "city",
      "climate",       "columnists",    "columns",    "crime",
      "culture",       "defence",       "defense",    "east",
      "economy",       "editorial",     "editorials", "education",
      "entertainment", "environment",   "europe",     "features",
      "film",          "finance",       "food",       "football",
      "gallery",       "games",         "global",     "health",
      "home",          "international", "jobs",       "latest",
      "law",           "letters",       "life",       "lifestyle",
      "live",          "local",         "market",     "markets",
      "media",         "metro",         "middle",     "money",
      "movies",        "music",         "nation",     "national",
      "news",          "north",         "obituaries", "opinion",
      "opinions",      "pacific",       "photos",     "politics",
      "property",      "region",        "regional",   "religion",
      "science",       "security",      "society",    "south",
      "sport",         "sports",        "style",      "tech",
      "technology",    "top",           "travel",     "tv",
      "u.k",           "u.s",           "uk",         "us",
      "video",         "weather",       "west",       "world",
  };
  return *words;
}

// Markers of photo captions and credits (searched in the lowercased line).
constexpr std::string_view kCaptionMarkers[] = {
    "photo credit",  "photo:",       "photograph:",    "photos:",
    "picture:",      "pictured:",    "image:",         "credit:",
    "caption:",      "getty images", "photo by ",      "photograph by ",
    "file photo",    "ap photo",     "afp photo",      "reuters photo",
    "(photo",        "photo/",       "photo courtesy", "image caption",
    "media caption",
};

// Agencies whose name next to a slash marks a photo credit
// ("REUTERS/Jane Doe", "AFP/Getty", "Jane Doe/AP").
constexpr std::string_view kPhotoAgencies[] = {
    "reuters", "afp", "ap", "epa", "getty", "xinhua", "dpa", "ansa", "pa",
};

// ---------------------------------------------------------------------------
// Line features.

struct Token {
  std::string_view raw;    // as written, edge punctuation stripped
  std::string_view lower;  // the same span of the lowercased line
  bool quoted = false;     // inside a quotation
  bool capitalized = false;
  bool has_digit = false;
};

bool IsOpeningQuote(char32_t cp) { return cp == '"' || cp == 0x201C; }
bool IsClosingQuote(char32_t cp) { return cp == '"' || cp == 0x201D; }

bool IsBullet(char32_t cp) {
  return cp == 0x2022 || cp == '-' || cp == '*' || cp == 0x2013 ||
         cp == 0x2014 || cp == 0x00B7 || cp == 0x25AA || cp == 0x25CF;
}

class LineFeatures {
 public:
  explicit LineFeatures(std::string_view line)
      : line_(line), lower_(AsciiLowercase(line)) {
    Tokenize();
    // The token count misses words of scripts written without spaces.
    if (!IsAscii(line)) words_ = CountWords(line);
    ends_sentence_ = EndsSentence(line);
  }

  std::string_view line() const { return line_; }
  std::string_view lower() const { return lower_; }
  const std::vector<Token>& tokens() const { return tokens_; }
  int words() const { return words_; }
  bool ends_sentence() const { return ends_sentence_; }

  bool HasToken(std::string_view lower_word) const {
    for (const Token& token : tokens_) {
      if (token.lower == lower_word) return true;
    }
    return false;
  }

 private:
  void Tokenize() {
    tokens_.reserve(line_.size() / 5 + 1);
    bool in_quote = false;
    // Words (as CountWords counts them) are space-separated; tokens also
    // split at '/' and '|' ("Sign-up/manage"). The separators of 16 bytes
    // at a time come as a bit mask, so the loop's branches follow tokens,
    // not bytes.
    bool word_has_token = false;
    size_t begin = 0;
    auto separator_at = [&](size_t i) {
      if (i > begin) word_has_token |= AddToken(begin, i, &in_quote);
      if (i == line_.size() || line_[i] == ' ') {
        words_ += word_has_token ? 1 : 0;
        word_has_token = false;
      }
      begin = i + 1;
    };
    for (size_t block = 0; block < line_.size(); block += 16) {
      for (uint32_t mask = SeparatorMask(line_, block); mask != 0;
           mask &= mask - 1) {
        separator_at(block + static_cast<size_t>(__builtin_ctz(mask)));
      }
    }
    separator_at(line_.size());
  }

  // absl::AsciiStrToLower(line), 16 bytes per step with SSE2.
  static std::string AsciiLowercase(std::string_view line) {
    std::string lower(line.size(), '\0');
    size_t i = 0;
#if defined(__SSE2__)
    for (; line.size() - i >= 16; i += 16) {
      const __m128i bytes =
          _mm_loadu_si128(reinterpret_cast<const __m128i*>(line.data() + i));
      // Signed compares: bytes from 0x80 up are negative, never 'A'..'Z'.
      const __m128i upper =
          _mm_and_si128(_mm_cmpgt_epi8(bytes, _mm_set1_epi8('A' - 1)),
                        _mm_cmplt_epi8(bytes, _mm_set1_epi8('Z' + 1)));
      _mm_storeu_si128(
          reinterpret_cast<__m128i*>(&lower[i]),
          _mm_add_epi8(bytes, _mm_and_si128(upper, _mm_set1_epi8(0x20))));
    }
#endif
    for (; i < line.size(); ++i) {
      lower[i] = absl::ascii_tolower(static_cast<unsigned char>(line[i]));
    }
    return lower;
  }

  // Bit k set when line[block + k] separates tokens, for the (up to) 16
  // bytes from `block`.
  static uint32_t SeparatorMask(std::string_view line, size_t block) {
#if defined(__SSE2__)
    if (line.size() - block >= 16) {
      const __m128i bytes = _mm_loadu_si128(
          reinterpret_cast<const __m128i*>(line.data() + block));
      return static_cast<uint32_t>(_mm_movemask_epi8(_mm_or_si128(
          _mm_cmpeq_epi8(bytes, _mm_set1_epi8(' ')),
          _mm_or_si128(_mm_cmpeq_epi8(bytes, _mm_set1_epi8('/')),
                       _mm_cmpeq_epi8(bytes, _mm_set1_epi8('|'))))));
    }
#endif
    uint32_t mask = 0;
    const size_t end = std::min(line.size(), block + 16);
    for (size_t i = block; i < end; ++i) {
      const char c = line[i];
      mask |= static_cast<uint32_t>(c == ' ' || c == '/' || c == '|')
              << (i - block);
    }
    return mask;
  }

  // Adds the token in [begin, end) without its edge punctuation; returns
  // whether there was one.
  bool AddToken(size_t begin, size_t end, bool* in_quote) {
    bool opens = false;
    bool closes = false;
    size_t length = 0;
    while (begin < end) {
      char32_t cp = DecodeUtf8At(line_, begin, &length);
      if (IsWordChar(cp)) break;
      opens = opens || IsOpeningQuote(cp);
      begin += length;
    }
    while (end > begin) {
      char32_t cp = DecodeUtf8Before(line_, end, &length);
      if (IsWordChar(cp)) break;
      closes = closes || IsClosingQuote(cp);
      end -= length;
    }
    if (begin < end) {
      // Built in place: a Token assembled on the stack and copied in cost
      // a store-forwarding stall per token.
      Token& token = tokens_.emplace_back();
      token.raw = line_.substr(begin, end - begin);
      token.lower = std::string_view(lower_).substr(begin, end - begin);
      token.quoted = *in_quote || opens;
      token.capitalized =
          IsUppercaseLetter(DecodeUtf8At(line_, begin, &length));
      for (char c : token.raw) {
        if (c >= '0' && c <= '9') token.has_digit = true;
      }
    }
    if (closes) {
      *in_quote = false;
    } else if (opens) {
      *in_quote = true;
    }
    return begin < end;
  }

  std::string_view line_;
  std::string lower_;
  std::vector<Token> tokens_;
  int words_ = 0;
  bool ends_sentence_ = false;
};

// ---------------------------------------------------------------------------
// Call-to-action scoring.

struct CueLexicon {
  struct Cue {
    std::vector<std::string_view> words;
    int weight = 0;
  };
  std::vector<Cue> cues;
  WordSet first_words;  // pre-check before the map lookup
  absl::flat_hash_map<std::string_view, std::vector<int>, ShortWordHash>
      by_first_word;
};

const CueLexicon& Cues() {
  static const CueLexicon* lexicon = [] {
    auto* built = new CueLexicon;
    for (const CallToActionPhrase& entry : kCallToActionPhrases) {
      if (entry.cue_weight <= 0) continue;
      CueLexicon::Cue cue;
      for (absl::string_view word : absl::StrSplit(
               absl::string_view(entry.phrase.data(), entry.phrase.size()),
               ' ')) {
        cue.words.emplace_back(word.data(), word.size());
      }
      cue.weight = entry.cue_weight;
      built->first_words.Add(cue.words[0]);
      built->by_first_word[cue.words[0]].push_back(
          static_cast<int>(built->cues.size()));
      built->cues.push_back(std::move(cue));
    }
    return built;
  }();
  return *lexicon;
}

constexpr size_t kMaxCues = 128;
static_assert(CallToActionCueCount() <= kMaxCues, "raise kMaxCues");

// Sum of the weights of the distinct cues found in the line.
int CueScore(const LineFeatures& features) {
  const CueLexicon& lexicon = Cues();
  const std::vector<Token>& tokens = features.tokens();
  std::bitset<kMaxCues> seen;
  int score = 0;
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (!lexicon.first_words.MayContain(tokens[i].lower)) continue;
    auto it = lexicon.by_first_word.find(tokens[i].lower);
    if (it == lexicon.by_first_word.end()) continue;
    for (int index : it->second) {
      const CueLexicon::Cue& cue = lexicon.cues[index];
      if (seen[index] || i + cue.words.size() > tokens.size()) continue;
      bool match = true;
      for (size_t k = 1; k < cue.words.size() && match; ++k) {
        match = tokens[i + k].lower == cue.words[k];
      }
      if (match) {
        seen[index] = true;
        score += cue.weight;
      }
    }
  }
  return score;
}

bool MentionsOutlet(const std::vector<Token>& tokens, size_t noun) {
  if (noun == 0 || !tokens[noun].capitalized ||
      !OutletNouns().contains(tokens[noun].lower)) {
    return false;
  }
  if (tokens[noun - 1].lower == "the") return true;  // "The Hindu"
  if (!tokens[noun - 1].capitalized) return false;
  for (size_t back = 2; back <= 3 && back <= noun; ++back) {
    if (tokens[noun - back].lower == "the") return true;
  }
  return false;
}

// Evidence that the outlet itself is talking to the reader, counted outside
// quotations only: reader address, an imperative opener, an exclamation,
// the outlet's own name.
int ReaderAddressScore(const LineFeatures& features) {
  const std::vector<Token>& tokens = features.tokens();
  if (tokens.empty()) return 0;
  int score = 0;
  bool addressed = false;
  bool named_outlet = false;
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (tokens[i].quoted) continue;
    if (!addressed && ReaderAddress().contains(tokens[i].lower)) {
      addressed = true;
      ++score;
    }
    if (!named_outlet && MentionsOutlet(tokens, i)) {
      named_outlet = true;
      ++score;
    }
  }
  if (!tokens[0].quoted && ImperativeOpeners().contains(tokens[0].lower)) {
    ++score;
  }
  std::string_view line = features.line();
  if (!line.empty() && line.back() == '!' && !tokens.back().quoted) ++score;
  return score;
}

// Longest line without sentence punctuation still judged like a menu
// entry rather than like a sentence.
constexpr int kMaxChromeWords = 30;
// A sentence must have a cue point for every this many words.
constexpr int kWordsPerCuePoint = 12;

bool IsCallToAction(const LineFeatures& features) {
  if (features.tokens().empty()) return false;
  const int cues = CueScore(features);
  const int address = ReaderAddressScore(features);
  const int words = features.words();
  // A menu entry, button or promo line rather than a sentence.
  if (!features.ends_sentence() && words <= kMaxChromeWords) {
    if (cues >= 2 || (cues >= 1 && address >= 1)) return true;
    return words <= 8 && address >= 2;
  }
  const Token& first = features.tokens().front();
  if (cues >= 1 && words <= 16 && !first.quoted &&
      CallToActionVerbs().contains(first.lower)) {
    return true;  // "Follow the Ledger on Instagram."
  }
  if (words <= 8) {
    // "Subscribe today!", "Support The Portville Ledger!"; but "Share
    // prices fell after the app launched." is news.
    const bool exclaims = features.line().back() == '!';
    return (cues >= 2 && address >= 1) || (cues >= 1 && address >= 2) ||
           address >= 3 || (exclaims && address >= 2);
  }
  // A real sentence: only when the outlet itself advertises to the reader,
  // densely enough that a long paragraph does not qualify by accumulating
  // stray words.
  return cues >= 2 && address >= 1 && cues + address >= 3 &&
         cues * kWordsPerCuePoint >= words;
}

// ---------------------------------------------------------------------------
// Pattern rules.

bool IsYear(std::string_view word) {
  return word.size() == 4 && (word[0] == '1' || word[0] == '2') &&
         absl::ascii_isdigit(static_cast<unsigned char>(word[1])) &&
         absl::ascii_isdigit(static_cast<unsigned char>(word[2])) &&
         absl::ascii_isdigit(static_cast<unsigned char>(word[3]));
}

bool IsCopyright(const LineFeatures& features) {
  if (features.words() > 25) return false;
  std::string_view lower = features.lower();
  if (HasSubstr(lower, "\xC2\xA9") ||  // ©
      HasSubstr(lower, "all rights reserved")) {
    return true;
  }
  // The outlet's legal notices: "Disclaimer: This article does not
  // constitute investment advice."
  for (std::string_view label : {"disclaimer:", "disclosure:"}) {
    if (HasPrefix(lower, label)) return true;
  }
  // "The views expressed are the author's own."
  if (HasSubstr(lower, "views expressed") ||
      HasSubstr(lower, "do not necessarily reflect")) {
    return true;
  }
  const std::vector<Token>& tokens = features.tokens();
  for (size_t i = 0; i < tokens.size(); ++i) {
    bool next_is_year = i + 1 < tokens.size() && IsYear(tokens[i + 1].lower);
    if (tokens[i].lower == "copyright" && (i == 0 || next_is_year)) {
      return true;
    }
    if (tokens[i].lower == "c" && next_is_year && HasSubstr(lower, "(c)")) {
      return true;
    }
  }
  return false;
}

// "2 thoughts on "Title"", "14 responses to "Title"": a blog's comment
// section heading.
bool StartsWithReplyCount(const std::vector<Token>& tokens) {
  return tokens.size() >= 3 && tokens[0].has_digit &&
         (tokens[1].lower == "thoughts" || tokens[1].lower == "responses" ||
          tokens[1].lower == "replies" || tokens[1].lower == "reactions") &&
         (tokens[2].lower == "on" || tokens[2].lower == "to");
}

bool IsCommentCounter(const LineFeatures& features) {
  if (features.words() <= 20 && StartsWithReplyCount(features.tokens())) {
    return true;
  }
  if (features.words() > 8) return false;
  bool names_comments =
      features.HasToken("comments") || features.HasToken("comment");
  if (!names_comments) return false;
  bool only_widget_words = true;
  for (const Token& token : features.tokens()) {
    if (token.has_digit) return true;
    if (!CommentWidgetWords().contains(token.lower)) only_widget_words = false;
  }
  return only_widget_words;
}

// Most words of a reading-time line ("Estimated reading time: 3 minutes").
constexpr int kMaxReadingTimeWords = 6;

// "4 min read", "Reading time: 3 min", "Listen (5 minutes)": how long the
// page takes, a number of minutes beside a reading or listening word, in a
// line too short to be a sentence of the story.
bool IsReadingTime(const LineFeatures& features) {
  if (features.words() > kMaxReadingTimeWords || features.ends_sentence()) {
    return false;
  }
  bool number = false, minutes = false, reading = false;
  for (const Token& token : features.tokens()) {
    number = number || token.has_digit;
    minutes = minutes || token.lower == "min" || token.lower == "mins" ||
              token.lower == "minute" || token.lower == "minutes";
    reading = reading || token.lower == "read" || token.lower == "reading" ||
              token.lower == "listen" || token.lower == "listening";
  }
  return number && minutes && reading;
}

// Verbs of the buttons a page offers on itself.
const WordSet& PageActionVerbs() {
  static const auto* words = new WordSet{
      "print",    "email", "e-mail", "pin",  "rate",   "save",
      "bookmark", "send",  "copy",   "cite", "report",
  };
  return *words;
}

// What such a button acts on: the page, its author, a friend, a mistake.
const WordSet& PageActionObjects() {
  static const auto* words = new WordSet{
      "this",   "page",   "article", "story", "post",       "recipe",
      "author", "friend", "later",   "error", "correction", "link",
  };
  return *words;
}

// Most words of a page-action button ("Pin this recipe for later").
constexpr int kMaxPageActionWords = 6;

// "Print this page", "Email the author", "Pin this for later!": a short line
// that opens with a verb of what a page does with itself and names the page
// or its author; "Rate cuts ahead" names neither.
bool IsPageAction(const LineFeatures& features) {
  const std::vector<Token>& tokens = features.tokens();
  if (tokens.size() < 2 || features.words() > kMaxPageActionWords ||
      HasSuffix(features.line(), ".") || tokens[0].quoted ||
      !PageActionVerbs().contains(tokens[0].lower)) {
    return false;
  }
  for (size_t i = 1; i < tokens.size(); ++i) {
    if (PageActionObjects().contains(tokens[i].lower)) return true;
  }
  return false;
}

// Words that count pictures in a gallery ("Image 1 of 4").
bool IsGalleryCounter(const LineFeatures& features) {
  const std::vector<Token>& tokens = features.tokens();
  if (tokens.size() != 4) return false;
  const std::string_view noun = tokens[0].lower;
  return (noun == "image" || noun == "photo" || noun == "picture" ||
          noun == "slide") &&
         tokens[1].has_digit && tokens[2].lower == "of" && tokens[3].has_digit;
}

// The integer a token spells, -1 when it is not one.
int IntegerToken(const Token& token) {
  if (token.raw.empty() || token.raw.size() > 4) return -1;
  int value = 0;
  for (char c : token.raw) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return -1;
    value = value * 10 + (c - '0');
  }
  return value;
}

// Fewest pages counted in a row on a page strip ("1 2 3").
constexpr int kMinPageStripRun = 3;
// Most tokens of a page strip: a paragraph is no strip.
constexpr size_t kMaxPageStripTokens = 40;
// Most words of a jump line ("Continued on Page 6").
constexpr size_t kMaxJumpLineWords = 5;

// True when a jump line opens the tokens: a word that sends the reader on
// ("Continued on Page 6", "See page 2", "Story continues on page 6"); a
// headline naming a page ("Sun drops Page 3", "Story of Page 3") opens
// otherwise.
bool OpensJumpLine(const std::vector<Token>& tokens) {
  static const auto* openers = new WordSet{
      "continued", "continues", "from", "see", "turn",
  };
  return openers->contains(tokens[0].lower) ||
         (tokens[0].lower == "story" && openers->contains(tokens[1].lower));
}

// Words a page strip prints besides its numbers ("« Previous 1 2 3 Next »").
const WordSet& PageStripWords() {
  static const auto* words = new WordSet{
      "page", "pages", "previous", "prev", "next", "first",
      "last", "older", "newer",    "of",   "more",
  };
  return *words;
}

// A page's navigation among pages: a page strip of page words and numbers
// counting up one by one from 1 ("Pages: 1 2 3 4 5 6 … 32", "« 1 2 3 Next
// »"), or a short jump line ending on a page's number ("Continued on Page
// 6", "From Page 1"). A list counting places ("1. Paris 2. Rome 3. Madrid",
// "Platforms 1, 2 and 3 closed") holds other words.
bool IsPageNavigation(const LineFeatures& features) {
  const std::vector<Token>& tokens = features.tokens();
  if (tokens.size() >= 2 && tokens.size() <= kMaxJumpLineWords &&
      !features.ends_sentence() && tokens[0].capitalized &&
      OpensJumpLine(tokens) && tokens[tokens.size() - 2].lower == "page" &&
      IntegerToken(tokens.back()) >= 0) {
    return true;
  }
  // From page 1: a draw's numbers ("4 5 6 17 28 40") may run too.
  if (tokens.size() < kMinPageStripRun || tokens.size() > kMaxPageStripTokens) {
    return false;
  }
  size_t numbers = 0;
  int run = 0, longest_run = 0;  // pages counted from 1
  for (const Token& token : tokens) {
    const int value = IntegerToken(token);
    if (value < 0) {
      if (!token.has_digit && !PageStripWords().contains(token.lower) &&
          std::any_of(token.raw.begin(), token.raw.end(), [](char c) {
            return absl::ascii_isalpha(static_cast<unsigned char>(c));
          })) {
        return false;
      }
      continue;
    }
    ++numbers;
    run = value == 1 ? 1 : (run > 0 && value == run + 1 ? run + 1 : 0);
    longest_run = std::max(longest_run, run);
  }
  return longest_run >= kMinPageStripRun && 2 * numbers >= tokens.size();
}

// Most words of a contact prompt ("Have a news tip? Email us at ...").
constexpr int kMaxContactPromptWords = 15;

// Verbs that tell the reader to get in touch by telephone or text.
const WordSet& ContactVerbs() {
  static const auto* words = new WordSet{
      "call", "phone", "ring", "text", "dial", "whatsapp", "sms", "message",
  };
  return *words;
}

// Fewest digits of a telephone number or text short code ("81976"); years
// and house numbers have fewer.
constexpr int kMinPhoneDigits = 5;

// Digits of the number that ends `features` when a preposition of
// contact introduces it ("on 81976", "to 0161 555 0199"): adjacent tokens
// made only of digits, so that a number written in groups counts whole;
// a date or year range among them counts none. 0 when the line ends
// otherwise ("Text message record smashed #10772").
int ClosingNumberDigits(const LineFeatures& features) {
  const std::vector<Token>& tokens = features.tokens();
  int digits = 0;
  size_t k = tokens.size();
  for (; k > 0; --k) {
    int in_token = tokens[k - 1].has_digit ? 0 : -1;
    for (size_t c = 0; c < tokens[k - 1].raw.size() && in_token >= 0; ++c) {
      const char ch = tokens[k - 1].raw[c];
      if (absl::ascii_isdigit(static_cast<unsigned char>(ch))) {
        ++in_token;
      } else if (ch != '+' && ch != '-' && ch != '(' && ch != ')') {
        in_token = -1;
      }
    }
    if (in_token <= 0) break;
    digits += in_token;
  }
  if (k == 0 || digits == 0) return 0;
  const std::string_view before = tokens[k - 1].lower;
  if (before != "on" && before != "to" && before != "at") return 0;
  // Tokens split at '/', so the number's words are read from the line.
  const std::string_view line = features.line();
  const std::string_view number = line.substr(
      static_cast<size_t>(tokens[k].raw.data() - line.data()),
      static_cast<size_t>(tokens.back().raw.data() + tokens.back().raw.size() -
                          tokens[k].raw.data()));
  for (absl::string_view chunk :
       absl::StrSplit(absl::string_view(number.data(), number.size()), ' ',
                      absl::SkipEmpty())) {
    if (ReadsAsDateOrYearRange(std::string_view(chunk.data(), chunk.size()))) {
      for (char ch : chunk) {
        digits -= absl::ascii_isdigit(static_cast<unsigned char>(ch)) ? 1 : 0;
      }
    }
  }
  return digits;
}

// "Letters to the editor: write to letters@paper.example", "Text the
// studio on 81976": a short line that gives an e-mail address, or opens by
// telling the reader to call or text and ends on the number to use ("on",
// "to" or "at" it), and is not a sentence of the story (those end in
// sentence punctuation). A headline opening with such a verb ("Call for
// action on scams") ends otherwise.
bool IsContactPrompt(const LineFeatures& features) {
  if (features.words() > kMaxContactPromptWords || features.ends_sentence()) {
    return false;
  }
  for (const Token& token : features.tokens()) {
    size_t at = token.lower.find('@');
    if (at != std::string_view::npos && at > 0 &&
        token.lower.find('.', at) != std::string_view::npos) {
      return true;
    }
  }
  const std::vector<Token>& tokens = features.tokens();
  return !tokens.empty() && !tokens[0].quoted && tokens[0].capitalized &&
         ContactVerbs().contains(tokens[0].lower) &&
         ClosingNumberDigits(features) >= kMinPhoneDigits;
}

bool IsCredit(const LineFeatures& features) {
  const std::vector<Token>& tokens = features.tokens();
  if (tokens.empty()) return false;
  std::string_view lower = features.lower();
  if (!lower.empty() && lower.front() == '(' && lower.back() == ')') {
    lower = lower.substr(1, lower.size() - 2);  // "(Reporting by ...)"
  }
  if (HasPrefix(lower, "reporting by ") ||
      HasPrefix(lower, "additional reporting by ") ||
      HasPrefix(lower, "editing by ") || HasPrefix(lower, "compiled by ") ||
      HasPrefix(lower, "writing by ")) {
    return features.words() <= 30;
  }
  if (features.words() > 6) return false;
  // "(AP, Reuters)", "(With inputs from agencies)".
  std::string_view line = features.line();
  if (line.front() == '(' && line.back() == ')' && !HasSubstr(line, ". ")) {
    bool all_names = true;
    for (const Token& token : tokens) {
      if (!token.capitalized && !CreditConnectors().contains(token.lower) &&
          !NewsAgencies().contains(token.lower)) {
        all_names = false;
      }
    }
    if (all_names) return true;
  }
  // "AP", "Reuters and AFP".
  bool names_agency = false;
  for (const Token& token : tokens) {
    if (NewsAgencies().contains(token.lower)) {
      names_agency = true;
    } else if (!CreditConnectors().contains(token.lower)) {
      return false;
    }
  }
  return names_agency;
}

bool IsWordByte(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c));
}

// "REUTERS/Jane Doe", "AFP/Getty", "Jane Doe/AP", "... | Reuters".
bool HasAgencyPhotoCredit(std::string_view lower) {
  for (std::string_view agency : kPhotoAgencies) {
    size_t pos = 0;
    while ((pos = lower.find(agency, pos)) != std::string_view::npos) {
      size_t end = pos + agency.size();
      bool starts_word = pos == 0 || !IsWordByte(lower[pos - 1]);
      bool ends_word = end == lower.size() || !IsWordByte(lower[end]);
      if (starts_word && ends_word) {
        bool slash_after = end < lower.size() && lower[end] == '/';
        bool slash_before = pos > 0 && lower[pos - 1] == '/';
        bool piped =
            pos >= 2 && lower.substr(pos - 2, 2) == "| " && end == lower.size();
        if (slash_after || slash_before || piped) return true;
      }
      pos = end;
    }
  }
  return false;
}

bool IsNameWord(std::string_view word) {
  if (SentenceOpeners().contains(absl::AsciiStrToLower(std::string(word)))) {
    return false;
  }
  size_t length = 0;
  if (!IsUppercaseLetter(DecodeUtf8At(word, 0, &length))) return false;
  for (size_t pos = length; pos < word.size(); pos += length) {
    char32_t cp = DecodeUtf8At(word, pos, &length);
    if (!IsLetter(cp) && cp != '-' && cp != '\'' && cp != 0x2019) return false;
  }
  return true;
}

// "Crowds gather in the square on Monday. Jane Doe": a caption sentence
// followed by the photographer's name.
bool EndsWithPhotographerName(const LineFeatures& features) {
  std::string_view line = features.line();
  size_t dot = line.rfind(". ");
  if (dot == std::string_view::npos || features.ends_sentence()) return false;
  std::string_view tail = line.substr(dot + 2);
  std::string_view head = line.substr(0, dot);
  int tail_words = CountWords(tail);
  if (tail_words < 2 || tail_words > 4 || CountWords(head) < 4) return false;
  // The dot must end a sentence, not an abbreviation ("Mr.", "U.S.").
  size_t last_space = head.rfind(' ');
  std::string_view last_word =
      last_space == std::string_view::npos ? head : head.substr(last_space + 1);
  if (last_word.size() < 3 || HasSubstr(last_word, '.') ||
      IsUppercaseLetter(static_cast<unsigned char>(last_word.back()))) {
    return false;
  }
  size_t pos = 0;
  while (pos < tail.size()) {
    size_t end = std::min(tail.find(' ', pos), tail.size());
    if (end > pos && !IsNameWord(tail.substr(pos, end - pos))) return false;
    pos = end + 1;
  }
  return true;
}

// Whether a caption marker at `pos` labels the line rather than being part
// of a sentence ("... posted it with the caption: ..."): the line is short,
// or the marker opens it, a bracket, or a final credit.
bool MarkerLabelsLine(std::string_view lower, size_t pos, size_t marker_size,
                      int words) {
  if (words <= 12 || pos == 0) return true;
  char before = lower[pos - 1];
  if (before == '(' || before == '[') return true;
  if (CountWords(lower.substr(0, pos)) <= 2) return true;  // "Cover image:"
  std::string_view before_marker = lower.substr(0, pos);
  bool starts_part = HasSuffix(before_marker, ". ") ||
                     HasSuffix(before_marker, "| ") ||
                     HasSuffix(before_marker, "\xE2\x80\x94 ");  // em dash
  return starts_part && CountWords(lower.substr(pos + marker_size)) <= 6;
}

// Words that make a bracketed tail a photo credit: "(Ledger photo / Sam
// Oyelaran)", "(Image courtesy of the museum)".
constexpr std::string_view kPictureWords[] = {
    "photo",  "photos",       "photograph", "picture", "pictures", "image",
    "images", "illustration", "graphic",    "video",   "footage",
};

// A line ending in a short bracketed group that names a picture.
bool EndsWithPictureCredit(std::string_view lower) {
  if (lower.empty() || lower.back() != ')') return false;
  size_t open = lower.rfind('(');
  if (open == std::string_view::npos) return false;
  std::string_view group = lower.substr(open + 1, lower.size() - open - 2);
  if (CountWords(group) > 8) return false;
  for (absl::string_view word :
       absl::StrSplit(absl::string_view(group.data(), group.size()),
                      absl::ByAnyChar(" /:,"), absl::SkipEmpty())) {
    for (std::string_view picture : kPictureWords) {
      if (std::string_view(word.data(), word.size()) == picture) return true;
    }
  }
  return false;
}

// The caption markers by their first two bytes, so that one pass over a
// line finds every marker in it (a search per marker read each line 21
// times).
struct CaptionMarkerIndex {
  std::bitset<1 << 16> first_pairs;
  std::vector<std::string_view> by_first_byte[256];

  static size_t Pair(std::string_view text, size_t pos) {
    return static_cast<unsigned char>(text[pos]) << 8 |
           static_cast<unsigned char>(text[pos + 1]);
  }
};

const CaptionMarkerIndex& CaptionMarkers() {
  static const CaptionMarkerIndex* index = [] {
    auto* built = new CaptionMarkerIndex;
    for (std::string_view marker : kCaptionMarkers) {
      built->first_pairs.set(CaptionMarkerIndex::Pair(marker, 0));
      built->by_first_byte[static_cast<unsigned char>(marker[0])].push_back(
          marker);
    }
    return built;
  }();
  return *index;
}

bool IsCaption(const LineFeatures& features) {
  const int words = features.words();
  if (words > 45) return false;
  std::string_view lower = features.lower();
  if (EndsWithPictureCredit(lower)) return true;
  const CaptionMarkerIndex& markers = CaptionMarkers();
  for (size_t pos = 0; pos + 1 < lower.size(); ++pos) {
    if (!markers.first_pairs.test(CaptionMarkerIndex::Pair(lower, pos))) {
      continue;
    }
    for (std::string_view marker :
         markers.by_first_byte[static_cast<unsigned char>(lower[pos])]) {
      if (HasPrefix(lower.substr(pos), marker) &&
          MarkerLabelsLine(lower, pos, marker.size(), words)) {
        return true;
      }
    }
  }
  return HasAgencyPhotoCredit(lower) || EndsWithPhotographerName(features);
}

// "RELATED: ...", "See also: ...": a line of links to other articles, or
// the label alone, heading them.
bool IsLinkList(const LineFeatures& features) {
  if (features.words() > 30) return false;
  std::string_view lower = features.lower();
  for (std::string_view opener : {"related",
                                  "see also",
                                  "also read",
                                  "read also",
                                  "also see",
                                  "read more",
                                  "more on this",
                                  "recommended",
                                  "you may also like",
                                  "you might also like",
                                  "most read",
                                  "most popular",
                                  "filed under",
                                  "posted in",
                                  "tags",
                                  "tagged",
                                  "categories",
                                  "topics",
                                  "more from",
                                  "read next",
                                  "up next",
                                  "about the author",
                                  "keywords",
                                  "editor's picks",
                                  "editors' picks",
                                  "text size",
                                  "font size"}) {
    if (!HasPrefix(lower, opener)) continue;
    std::string_view rest = lower.substr(opener.size());
    // The label alone ("You might also like", "Most read") heads a list.
    if (rest.find_first_not_of(" .:") == std::string_view::npos) return true;
    size_t mark = rest.find_first_not_of(' ');
    // "Related: ...", "Also Read | ...", "Read more » ..."
    if (mark != std::string_view::npos &&
        (rest[mark] == ':' || rest[mark] == '|' ||
         HasPrefix(rest.substr(mark), "\xC2\xBB"))) {
      return true;
    }
  }
  return false;
}

// Most words of one item of a menu line.
constexpr int kMaxMenuItemWords = 4;

// "Home | News | Sport | Weather", "Trending: Floods · Strike · Cup": three
// or more short items joined by a separator a sentence does not use, and
// no item a sentence. A headline joins two parts at most ("Budget 2025 |
// What it means for you").
bool IsMenuLine(std::string_view line) {
  for (std::string_view separator :
       {std::string_view(" | "), std::string_view(" \xC2\xB7 "),
        std::string_view(" \xE2\x80\xA2 ")}) {
    // Looked for without its spaces: memchr on a rare byte, not on ' '.
    if (line.find(separator.substr(1, separator.size() - 2)) ==
        std::string_view::npos) {
      continue;
    }
    int items = 0;
    bool menu = true;
    for (size_t start = 0; menu && start <= line.size(); ++items) {
      size_t end = line.find(separator, start);
      if (end == std::string_view::npos) end = line.size();
      std::string_view item = line.substr(start, end - start);
      while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
      menu = HasAtLeastWords(item, 1) &&
             !HasAtLeastWords(item, kMaxMenuItemWords + 1) &&
             !EndsSentence(item);
      start = end + separator.size();
    }
    menu = menu && items >= 3;
    if (menu) return true;
  }
  return false;
}

bool IsLinkLabel(const LineFeatures& features) {
  const std::vector<Token>& tokens = features.tokens();
  std::string_view line = features.line();
  if (IsLinkList(features) || IsMenuLine(line)) return true;
  if (line.find(' ') == std::string_view::npos &&
      (HasPrefix(features.lower(), "http://") ||
       HasPrefix(features.lower(), "https://") ||
       HasPrefix(features.lower(), "www."))) {
    return true;
  }
  if (features.ends_sentence() || tokens.empty() || tokens.size() > 6) {
    return false;
  }
  if (HasSuffix(line, "\xC2\xBB") ||      // »
      HasSuffix(line, "\xE2\x80\xBA") ||  // ›
      HasSuffix(line, "\xE2\x86\x92") ||  // →
      HasSuffix(line, ">>")) {
    return true;
  }
  // "Back to news", "Back to Sport": a link up to a section.
  if (tokens.size() <= 4 && tokens.size() >= 3 && tokens[0].lower == "back" &&
      tokens[1].lower == "to") {
    return true;
  }
  // "More in Planning", "More from Sport": a section's list heading.
  if (tokens.size() >= 3 && tokens.size() <= 4 && tokens[0].lower == "more" &&
      (tokens[1].lower == "in" || tokens[1].lower == "from") &&
      std::all_of(tokens.begin() + 2, tokens.end(),
                  [](const Token& token) { return token.capitalized; })) {
    return true;
  }
  std::string label;
  for (const Token& token : tokens) {
    if (!label.empty()) label += ' ';
    label.append(token.lower.data(), token.lower.size());
  }
  return LinkLabels().contains(label);
}

}  // namespace

// Longest line whose last sentence alone may make it a call to action.
constexpr int kMaxPromoLineWords = 30;

// "This article appeared in the spring issue. Subscribe to the print
// edition.": a short line that ends by telling the reader what to do.
bool EndsWithCallToAction(const LineFeatures& features) {
  if (!features.ends_sentence() || features.words() > kMaxPromoLineWords) {
    return false;
  }
  std::string_view line = features.line();
  size_t end = line.size() - 1;  // the final punctuation
  size_t start = std::string_view::npos;
  for (size_t pos = end; pos-- > 0;) {
    if ((line[pos] == '.' || line[pos] == '!' || line[pos] == '?') &&
        pos + 1 < line.size() && line[pos + 1] == ' ') {
      start = pos + 2;
      break;
    }
  }
  if (start == std::string_view::npos || start >= line.size()) return false;
  LineFeatures last(line.substr(start));
  if (last.tokens().empty() || last.tokens().front().quoted) return false;
  return CallToActionVerbs().contains(last.tokens().front().lower) &&
         IsCallToAction(last);
}

namespace {

std::string_view Classify(std::string_view line, bool page_navigation) {
  LineFeatures features(line);
  if (features.words() == 0) return {};
  if (IsCopyright(features)) return kReasonCopyright;
  if (IsCommentCounter(features)) return kReasonCommentCounter;
  if (IsReadingTime(features)) return kReasonReadingTime;
  if (IsPageAction(features)) return kReasonPageAction;
  if (IsGalleryCounter(features)) return kReasonCaption;
  if (IsCredit(features)) return kReasonCredit;
  if (IsCaption(features)) return kReasonCaption;
  if (IsCallToAction(features) || EndsWithCallToAction(features)) {
    return kReasonCallToAction;
  }
  if (IsLinkLabel(features) ||
      (page_navigation && IsPageNavigation(features))) {
    return kReasonLinkLabel;
  }
  return {};
}

}  // namespace

std::string_view ClassifyLine(std::string_view line) {
  return Classify(line, /*page_navigation=*/true);
}

std::string_view ClassifyTitleLine(std::string_view line) {
  return Classify(line, /*page_navigation=*/false);
}

// Most words of the hook before a pitch ("Not a member yet?", "Never miss
// a recipe"), and of the whole line.
constexpr int kMaxPitchHookWords = 5;
constexpr int kMaxPitchWords = 16;

// Verbs of reported speech: a sentence that reports what someone said is
// the story's ("Follow the money, says the auditor").
const WordSet& ReportingVerbs() {
  static const auto* words = new WordSet{
      "said", "says", "say", "told", "tells", "according", "added", "adds",
  };
  return *words;
}

// Words that follow a call-to-action verb in a pitch: whom or what it is
// for ("join us", "follow the page", "sign up now", "join 20,000
// readers"). A verb used as a noun's modifier ("tap water", "sign
// language", "visit times") is followed by its noun instead.
const WordSet& PitchObjects() {
  static const auto* words = new WordSet{
      "you", "your",  "us",   "our",    "the", "a",  "an",   "this",
      "now", "today", "here", "online", "up",  "in", "with", "to",
      "for", "on",    "at",   "free",   "and", "or",
  };
  return *words;
}

bool IsOpeningSingleQuoteAt(std::string_view line, size_t pos) {
  const bool quote =
      line[pos] == '\'' || HasPrefix(line.substr(pos), "\xE2\x80\x98");
  return quote && (pos == 0 || line[pos - 1] == ' ' || line[pos - 1] == '(');
}

// Whether `line` quotes something in single quotes ('...' or
// \u2018...\u2019): an opening quote at a word's start, and later a closing
// one at a word's end (not an apostrophe inside a word, "club's").
bool HasSingleQuotedSpan(std::string_view line) {
  size_t open = std::string_view::npos;
  for (size_t pos = 0; pos < line.size(); ++pos) {
    if (open == std::string_view::npos) {
      if (IsOpeningSingleQuoteAt(line, pos)) open = pos;
      continue;
    }
    size_t width = 0;
    if (line[pos] == '\'') {
      width = 1;
    } else if (HasPrefix(line.substr(pos), "\xE2\x80\x99")) {
      width = 3;
    } else {
      continue;
    }
    const size_t after = pos + width;
    if (pos > open + 1 && line[pos - 1] != ' ' &&
        (after == line.size() || line[after] == ' ' ||
         absl::ascii_ispunct(static_cast<unsigned char>(line[after])))) {
      return true;
    }
  }
  return false;
}

bool IsHookedPitch(std::string_view line) {
  // Most of the text is long paragraphs: count a few words before looking
  // for the marks, and look for them before tokenizing.
  if (HasAtLeastWords(line, kMaxPitchWords + 1)) return false;
  constexpr std::string_view kQuestion = "? ";
  constexpr std::string_view kDashes[] = {" \xE2\x80\x94 ", " \xE2\x80\x93 ",
                                          " - "};
  size_t clause = std::string_view::npos;
  std::string_view clause_mark;
  for (std::string_view mark :
       {kQuestion, kDashes[0], kDashes[1], kDashes[2]}) {
    size_t at = line.find(mark);
    if (at != std::string_view::npos && at + mark.size() < clause) {
      clause = at + mark.size();
      clause_mark = mark;
    }
  }
  if (clause == std::string_view::npos || clause >= line.size() ||
      CountWords(line.substr(0, clause)) > kMaxPitchHookWords) {
    return false;
  }
  // A clause between two dashes is an aside ("Ms Okafor - sign language
  // interpreter - said ...").
  if (clause_mark != kQuestion) {
    for (std::string_view dash : kDashes) {
      if (line.find(dash, clause) != std::string_view::npos) return false;
    }
  }
  if (HasSingleQuotedSpan(line)) return false;
  LineFeatures features(line);
  for (const Token& token : features.tokens()) {
    if (token.quoted || ReportingVerbs().contains(token.lower)) return false;
  }
  LineFeatures pitch(line.substr(clause));
  const std::vector<Token>& tokens = pitch.tokens();
  if (tokens.empty() || !CallToActionVerbs().contains(tokens[0].lower)) {
    return false;
  }
  return tokens.size() == 1 || tokens[1].has_digit ||
         PitchObjects().contains(tokens[1].lower);
}

bool IsContactPrompt(std::string_view line) {
  // Most lines are paragraphs: look at their end and count words before
  // tokenizing.
  if (EndsSentence(line) || HasAtLeastWords(line, kMaxContactPromptWords + 1)) {
    return false;
  }
  return IsContactPrompt(LineFeatures(line));
}

bool IsShortFragment(std::string_view line, int min_words) {
  // Counting stops at `min_words`: most lines are long paragraphs.
  if (HasAtLeastWords(line, min_words)) return false;
  // "Like Loading...": an ellipsis ends a button, not a sentence.
  return !EndsSentence(line) || HasSuffix(line, "...") ||
         HasSuffix(line, "\xE2\x80\xA6");
}

bool HasNoLetters(std::string_view line) {
  size_t length = 0;
  for (size_t pos = 0; pos < line.size(); pos += length) {
    if (IsLetter(DecodeUtf8At(line, pos, &length))) return false;
  }
  return true;
}

bool IsWeakLine(std::string_view line) {
  int words = CountWords(line);
  return words == 0 || (words < 16 && !EndsSentence(line));
}

// Whether an unquoted word of `tokens` addresses the reader ("you") or
// speaks of how the page was made or is paid for ("translated", "links").
bool SpeaksToReaderOrOfPage(const std::vector<Token>& tokens) {
  static const auto* words = new WordSet{
      "you",        "your",      "you'll",      "you're",     "readers",
      "site",       "website",   "page",        "link",       "links",
      "translated", "published", "republished", "updated",    "corrected",
      "amended",    "sponsored", "affiliate",   "commission", "appeared",
      "originally"};
  for (const Token& token : tokens) {
    if (!token.quoted && words->contains(token.lower)) return true;
  }
  return false;
}

bool InvitesTheReader(std::string_view line) {
  static const auto* words = new WordSet{
      "you",      "your",   "free",      "inbox",         "newsletter", "email",
      "briefing", "alerts", "subscribe", "notifications", "follow"};
  LineFeatures features(line);
  for (const Token& token : features.tokens()) {
    if (!token.quoted && words->contains(token.lower)) return true;
  }
  return false;
}

bool RefersToThePage(std::string_view line) {
  // Most lines name none of the nouns: skip tokenizing them.
  if (line.find("age") == std::string_view::npos &&
      line.find("rticle") == std::string_view::npos &&
      line.find("ebsite") == std::string_view::npos &&
      line.find("ebpage") == std::string_view::npos) {
    return false;
  }
  LineFeatures features(line);
  const std::vector<Token>& tokens = features.tokens();
  for (size_t i = 0; i + 1 < tokens.size(); ++i) {
    if (tokens[i].quoted || tokens[i + 1].quoted ||
        (tokens[i].lower != "this" && tokens[i].lower != "our")) {
      continue;
    }
    const std::string_view noun = tokens[i + 1].lower;
    if (noun == "page" || noun == "website" || noun == "webpage") return true;
    // "Article" is also a clause of a treaty or law ("article 50", "this
    // article of the constitution"), so it names the page only in a line
    // that also speaks to the reader or of the page's making.
    if (noun == "article" &&
        !(i + 2 < tokens.size() &&
          (tokens[i + 2].lower == "of" || tokens[i + 2].has_digit)) &&
        SpeaksToReaderOrOfPage(tokens)) {
      return true;
    }
  }
  return false;
}

namespace {

// The opening of HasImperativeShape, whatever the line's length.
// Whether the line's first token has the shape of a bare verb:
// capitalised, three letters or more, no plural, past tense, gerund or
// adverb ending, and no word that opens sentences or names no action.
bool OpensWithBareVerbShape(const std::vector<Token>& tokens) {
  if (tokens.empty() || tokens[0].quoted) return false;
  const std::string_view verb = tokens[0].lower;
  // A subheading may open with a preposition or a question word ("Between
  // the lines", "What the rules say"): no verb at all.
  static const auto* not_verbs = new WordSet{
      "about",  "above",  "across",  "against", "among",   "around", "before",
      "behind", "below",  "beneath", "beside",  "between", "beyond", "during",
      "from",   "inside", "into",    "outside", "over",    "under",  "until",
      "upon",   "within", "without", "what",    "where",   "which",  "who",
      "why",    "how",    "whose",   "one",     "two",     "three",  "our",
      "your",   "my",     "back",
  };
  if (verb.size() < 3 || !tokens[0].capitalized ||
      SentenceOpeners().contains(verb) || not_verbs->contains(verb)) {
    return false;
  }
  for (std::string_view ending : {"s", "ed", "ing", "ly"}) {
    if (HasSuffix(verb, ending)) return false;
  }
  return true;
}

bool OpensWithImperativeShape(const std::vector<Token>& tokens) {
  if (tokens.size() < 2 || !OpensWithBareVerbShape(tokens)) return false;
  static const auto* particles = new WordSet{
      "to",   "for", "on",  "in", "up",   "out", "this", "these", "the",
      "your", "our", "all", "a",  "more", "now", "with", "my",
  };
  return particles->contains(tokens[1].lower);
}

}  // namespace

bool HasImperativeShape(std::string_view line) {
  constexpr size_t kMaxWords = 4;
  LineFeatures features(line);
  const std::vector<Token>& tokens = features.tokens();
  if (tokens.size() > kMaxWords || features.ends_sentence()) return false;
  for (const Token& token : tokens) {
    if (token.has_digit) return false;
  }
  return OpensWithImperativeShape(tokens);
}

bool IsFooterControl(std::string_view line) {
  constexpr int kMaxControlWords = 20;
  constexpr int kMaxLabelWords = 3;
  constexpr size_t kMaxWidgetStateWords = 3;
  LineFeatures features(line);
  const std::vector<Token>& tokens = features.tokens();
  if (tokens.empty() || tokens.size() > kMaxControlWords) return false;
  // A label and a colon ("Next match: ...", "Correction policy: we ...");
  // before a sentence a one-word label is as often the story's own
  // ("Update: ...", "Q: ...").
  const size_t colon = line.find(": ");
  if (colon != std::string_view::npos && colon > 0 &&
      absl::ascii_isupper(static_cast<unsigned char>(line[0])) &&
      !tokens[0].quoted) {
    const std::string_view label = line.substr(0, colon);
    const int label_words = CountWords(label);
    // A label names a thing: a verb of speech in it ("She added:") or a
    // quotation after the colon ("Mrs Patel said: \"...\"") makes the line
    // the story's. A label's sentence states something ("Correction
    // policy: we correct ..."); one opening on a bare verb is an appeal in
    // the story ("Anyone with information: call police on 101.").
    bool clause = false;
    for (const Token& token : tokens) {
      if (token.raw.data() >= line.data() + colon) {
        clause = clause || token.quoted ||
                 (features.ends_sentence() &&
                  !SentenceOpeners().contains(token.lower));
        break;
      }
      clause = clause || ReportingVerbs().contains(token.lower);
    }
    const bool label_shape =
        label_words <= kMaxLabelWords && !clause &&
        label.find_first_of("0123456789\"") == std::string_view::npos;
    if (label_shape && (!features.ends_sentence() || label_words >= 2)) {
      return true;
    }
  }
  // A widget's state ("Loading comments…", "Fetching replies..."): a few
  // words opening on an -ing verb and an ellipsis; a story's short line
  // trailing off ("And then…", "To be continued...") opens otherwise.
  if (tokens.size() <= kMaxWidgetStateWords && !tokens.empty() &&
      tokens.front().lower.size() > 4 &&
      HasSuffix(tokens.front().lower, "ing") &&
      (HasSuffix(line, "\xE2\x80\xA6") || HasSuffix(line, "..."))) {
    return true;
  }
  if (features.ends_sentence() || IsConditionalAdvice(line)) return false;
  return StartsWithImperative(line) || OpensWithImperativeShape(tokens);
}

bool StartsWithImperative(std::string_view line) {
  LineFeatures features(line);
  const std::vector<Token>& tokens = features.tokens();
  return !tokens.empty() && !tokens[0].quoted &&
         ImperativeOpeners().contains(tokens[0].lower);
}

namespace {

// True when tokens[i] names the outlet's own people or desks, whom a footer
// asks the reader to reach ("Contact the newsdesk if ...", "Report a
// correction if ..."); a team or desk only as "the team", since the reader
// has their own ("your care team").
bool IsOutletNoun(const std::vector<Token>& tokens, size_t i) {
  static const auto* newsroom_words = new WordSet{
      "newsroom",  "newsdesk",   "editor",      "editors",
      "reporters", "correction", "corrections",
  };
  const std::string_view word = tokens[i].lower;
  return newsroom_words->contains(word) ||
         ((word == "team" || word == "desk") && i > 0 &&
          tokens[i - 1].lower == "the");
}

}  // namespace

bool IsConditionalAdvice(std::string_view line) {
  constexpr size_t kMinAdviceWords = 4;
  LineFeatures features(line);
  const std::vector<Token>& tokens = features.tokens();
  // The verbs of a page's controls ("Click", "Share", "Sign") open no
  // advice.
  if (tokens.size() < kMinAdviceWords || !OpensWithBareVerbShape(tokens) ||
      StartsWithImperative(line)) {
    return false;
  }
  // A code word in capitals naming the news or inviting the reader
  // ("NEWS", "ALERTS"), to send to a number ("Text NEWS to 88088 if ..."),
  // signs the reader up to a text service: an offer, not advice. A word
  // naming the hazard ("Send FLOOD to 60060 if ...") or the story's
  // updates ("Text UPDATES to 60777 if you need news of road closures") is
  // a warning service's or the council's, and a helpline's ("Text SHOUT
  // to 85258 if you need to talk") is advice still.
  auto in_capitals = [](std::string_view word) {
    return word.size() >= 2 &&
           std::all_of(word.begin(), word.end(), [](char c) {
             return absl::ascii_isupper(static_cast<unsigned char>(c));
           });
  };
  if (tokens.size() > 3 && in_capitals(tokens[1].raw) &&
      (tokens[1].lower == "news" || InvitesTheReader(tokens[1].lower)) &&
      tokens[2].lower == "to" && tokens[3].has_digit) {
    return false;
  }
  bool condition = false;
  for (size_t i = 1; i < tokens.size(); ++i) {
    const std::string_view word = tokens[i].lower;
    if (tokens[i].quoted) continue;
    // The outlet, its people or its page: a control ("Contact us if ...",
    // "Let the editor know if ...", "Share this if ..."); or an offer
    // ("... if you want our free newsletter").
    if (word == "us" || word == "our" || word == "we" || word == "this" ||
        word == "here" || IsOutletNoun(tokens, i) ||
        (word != "you" && word != "your" && InvitesTheReader(word))) {
      return false;
    }
    condition =
        condition || ((word == "if" || word == "unless") &&
                      i + 1 < tokens.size() && tokens[i + 1].lower == "you");
  }
  return condition && !RefersToThePage(line);
}

bool IsPhotoCreditLine(std::string_view line) {
  std::string lower = absl::AsciiStrToLower(std::string(line));
  for (std::string_view opener :
       {"(photo", "photo:", "photograph:", "photo by ",
        "picture:", "image:", "credit:", "(credit"}) {
    if (HasPrefix(lower, opener)) return true;
  }
  // "Photos: Ana Ruiz": a picture label and a colon before a name.
  if (size_t colon = line.find(':');
      colon != std::string_view::npos && colon + 1 < line.size() &&
      IsPictureLabel(std::string_view(lower).substr(0, colon)) &&
      ParseBareName(line.substr(line.find_first_not_of(' ', colon + 1) ==
                                        std::string_view::npos
                                    ? line.size()
                                    : line.find_first_not_of(' ', colon + 1)))
          .has_value()) {
    return true;
  }
  return CountWords(line) <= 4 && HasAgencyPhotoCredit(lower);
}

bool LooksLikeSectionLabel(std::string_view title, bool followed_by_headline) {
  LineFeatures features(title);
  const std::vector<Token>& tokens = features.tokens();
  if (tokens.empty() || features.ends_sentence() || HasSubstr(title, ',')) {
    return false;
  }
  int content_words = 0;
  bool all_section_words = true;
  bool all_capitalized = true;
  for (const Token& token : tokens) {
    if (token.lower == "and" || token.lower == "of") continue;
    ++content_words;
    if (token.has_digit) return false;
    if (!SectionWords().contains(token.lower)) all_section_words = false;
    if (!token.capitalized) all_capitalized = false;
  }
  if (content_words == 0 || content_words > 4) return false;
  if (all_section_words) return true;
  return followed_by_headline && content_words <= 3 && all_capitalized &&
         title.back() != '?' && title.back() != '!';
}

bool HasHeadlineShape(std::string_view line) {
  int words = CountWords(line);
  if (words < 2 || words > 20) return false;
  size_t length = 0;
  char32_t first = DecodeUtf8At(line, 0, &length);
  if (IsLowercaseLetter(first) || IsBullet(first)) return false;
  char last = line.back();
  return last != '.' && last != ',' && last != ';' && last != ':';
}

bool HasFurnitureMarks(std::string_view line) {
  int link_separators = 0;
  bool labelled = false;
  for (size_t pos = 0; pos < line.size();) {
    size_t length = 0;
    const char32_t cp = DecodeUtf8At(line, pos, &length);
    const bool alone = pos > 0 && line[pos - 1] == ' ' &&
                       pos + length < line.size() && line[pos + length] == ' ';
    pos += length;
    if ((cp >= 0x2190 && cp <= 0x21FF) || (cp >= 0x25A0 && cp <= 0x25FF)) {
      return true;
    }
    if (alone && (cp == '>' || cp == 0x203A || cp == 0xBB)) return true;
    // Headlines print one bar or slash between their parts ("Kestrel storm
    // | live updates", "Opinion | ..."); menus print several, and trails
    // one after a label ("You are here: News / Housing").
    if (alone && (cp == '/' || cp == '|') &&
        (++link_separators >= 2 || labelled)) {
      return true;
    }
    labelled = labelled || cp == ':';
  }
  return false;
}

namespace {

// Case-folded word prefixes (five letters at most) of the words with at
// least `min_letters` letters in `text`; folded with their marks, since a
// capital with an accent ("Ãcoles") opens the word its lowercase spells.
absl::flat_hash_set<std::string> WordPrefixes(std::string_view raw_text,
                                              int min_letters) {
  constexpr int kPrefixLetters = 5;
  const std::string folded = FoldCaseAndMarks(raw_text);
  const std::string_view text = folded;
  absl::flat_hash_set<std::string> prefixes;
  std::string prefix;
  int letters = 0;
  auto flush = [&] {
    if (letters >= min_letters) prefixes.insert(prefix);
    prefix.clear();
    letters = 0;
  };
  size_t pos = 0;
  while (pos < text.size()) {
    size_t length = 0;
    char32_t cp = DecodeUtf8At(text, pos, &length);
    if (IsInClass(cp, kWordLetterClasses)) {
      if (letters < kPrefixLetters) {
        prefix.append(text.substr(pos, length));
      }
      ++letters;
    } else {
      flush();
    }
    pos += length;
  }
  flush();
  return prefixes;
}

}  // namespace

int HeadlineWordsInText(std::string_view headline, std::string_view text) {
  constexpr int kMinHeadlineWordLetters = 5;
  absl::flat_hash_set<std::string> in_text = WordPrefixes(text, 1);
  int shared = 0;
  for (const std::string& prefix :
       WordPrefixes(headline, kMinHeadlineWordLetters)) {
    shared += in_text.contains(prefix) ? 1 : 0;
  }
  return shared;
}

bool LooksLikeHeadline(std::string_view line) {
  return HasHeadlineShape(line) && ClassifyLine(line).empty();
}

}  // namespace clean
}  // namespace newsflow
