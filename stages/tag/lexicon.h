// Closed English word classes used by the tokenizer, the entity recognizer
// and the keyword extractor. All lists are our own, compiled into the binary
// and built once on first use (thread-safe).
//
// Unless stated otherwise a function takes the lower-case form of a word
// (see AppendLowercase in tokenizer.h); functions named "...Capitalized"
// take the word as written.
#ifndef NEWSFLOW_STAGES_TAG_LEXICON_H_
#define NEWSFLOW_STAGES_TAG_LEXICON_H_

#include <string_view>

namespace newsflow {
namespace tag {

// Determiners, pronouns, prepositions, conjunctions, auxiliaries: never
// the start of a name ("The", "But", "In", "This").
bool IsFunctionWord(std::string_view lower);

// Function words plus adverbs, quantifiers and discourse words that
// commonly open a sentence ("However", "Meanwhile", "Many", "Last").
bool IsSentenceStarter(std::string_view lower);

// Stopwords for keyword extraction: function words, reporting verbs and
// other words too common in news to describe an article.
bool IsStopword(std::string_view lower);

bool IsWeekday(std::string_view lower);
bool IsMonth(std::string_view lower);

// A word written without its final period that keeps the period as part
// of the token ("Mr", "Gen", "Inc", "Jan"). Case-sensitive.
bool IsAbbreviation(std::string_view word);

// Honorific and rank abbreviations with their period ("Mr.", "Gen."):
// they never end a sentence.
bool IsTitleAbbreviation(std::string_view word_with_period);

// Role of a capitalised word inside a personal title ("Prime Minister",
// "Secretary of State", "Mr."). Case-sensitive.
enum class TitleRole {
  kNone,
  kModifier,  // "Prime", "Foreign", "Deputy": only ever before a head
  kHead,      // "Minister", "President", "Mr.": a name may follow
};
TitleRole TitleRoleOf(std::string_view capitalized);

// Lower-case nouns that introduce a person's name right after them:
// "leader Moammar Kadafi", "spokesman Ibrahim Moussa", "son Muhammad".
bool IsPersonCueNoun(std::string_view lower);

// Verbs that follow a person as subject: "Feltman said", "Zuma told".
bool IsSpeechVerb(std::string_view lower);

// Capitalised last words of organisation names ("Council", "Ministry",
// "Press", "Corp"). Case-sensitive.
bool IsOrgHeadCapitalized(std::string_view capitalized);

// Capitalised last words of event names ("World Cup", "Gulf War",
// "Asian Games"). Case-sensitive.
bool IsEventHeadCapitalized(std::string_view capitalized);

// Capitalised last words of place names ("Sea", "Mountains", "Province").
bool IsLocHeadCapitalized(std::string_view capitalized);

// Capitalised first words of place names ("Mount", "Lake", "Cape").
bool IsLocPrefixCapitalized(std::string_view capitalized);

// Capitalised words that take an "of" complement inside a name: "Bank of
// England", "Secretary of State", "Republic of Ireland".
bool TakesOfComplement(std::string_view capitalized);

// Lower-case connectors inside a name ("bin", "de", "van", "al").
bool IsNameParticle(std::string_view lower);

// Capitalised words that are never a name on their own ("State",
// "Resolution", "Government") even though they appear capitalised.
bool IsGenericCapitalized(std::string_view lower);

// All-caps abbreviations that are not organisations ("CEO", "GMT", "TV").
bool IsNonEntityAcronym(std::string_view word);

// Common given names (as written: "Jeffrey", "Sergei", "Muammar").
bool IsGivenName(std::string_view capitalized);

// Lower-case nouns for places that precede a place name, directly
// ("capital Tripoli") or with "of" ("port of Brega").
bool IsPlaceNoun(std::string_view lower);

// Lower-case verbs and nouns of movement that make "to X" a place:
// "retreated to Ras Lanuf", "trip to Slovenia".
bool IsMotionWord(std::string_view lower);

}  // namespace tag
}  // namespace newsflow

#endif  // NEWSFLOW_STAGES_TAG_LEXICON_H_
