// Tells site chrome (navigation, promotions, credits, counters, section
// labels) from article text, one line at a time, by generic features rather
// than lists of known lines: call-to-action vocabulary and the outlet's own
// voice ("our newsletter", "you may"), copyright and credit patterns, caption
// markers, comment counters, link-like labels and very short fragments.
//
// Every function takes one line of repaired text (see RepairText) and is
// pure; the clean pipeline (cleaner.h) adds context between lines.
#ifndef NEWSFLOW_STAGES_CLEAN_BOILERPLATE_H_
#define NEWSFLOW_STAGES_CLEAN_BOILERPLATE_H_

#include <string_view>

namespace newsflow {
namespace clean {

// Reason tags recorded in Article.removed.
inline constexpr std::string_view kReasonCallToAction = "call-to-action";
inline constexpr std::string_view kReasonCopyright = "copyright";
inline constexpr std::string_view kReasonCredit = "credit";
inline constexpr std::string_view kReasonCaption = "caption";
inline constexpr std::string_view kReasonCommentCounter = "comment-counter";
inline constexpr std::string_view kReasonLinkLabel = "link-label";
inline constexpr std::string_view kReasonReadingTime = "reading-time";
inline constexpr std::string_view kReasonPageAction = "page-action";
inline constexpr std::string_view kReasonShortLine = "short-line";
inline constexpr std::string_view kReasonSectionLabel = "section-label";
inline constexpr std::string_view kReasonDuplicateTitle = "duplicate-title";

// Why `line` is chrome rather than article text, as one of the reason tags
// above; empty when it reads as article text. A line ending in sentence
// punctuation is chrome only on strong evidence: call-to-action vocabulary
// together with the outlet speaking to the reader outside quotes ("Get ...
// with our newsletter").
std::string_view ClassifyLine(std::string_view line);

// ClassifyLine for a candidate title: a headline may name a page or count
// places ("Sun drops Page 3", "Terminals 1, 2 and 3 shut"), so a page's
// navigation among pages is judged on body lines only.
std::string_view ClassifyTitleLine(std::string_view line);

// True for the outlet's pitch "Not a member yet? Join online in five
// minutes", "Never miss a recipe — join 20,000 readers": a short hook, a
// question mark or a dash, then a clause that opens with a call-to-action
// verb, unquoted. A story's sentences that tell readers what to do are
// reported speech (quoted) or run longer before the verb. Not part of
// ClassifyLine: a headline may be written so ("Bored? Visit the museum"),
// so the cleaner judges body lines by it, never the title.
bool IsHookedPitch(std::string_view line);

// True for the outlet's contact box: a short line that gives an e-mail
// address ("Letters to the editor: write to letters@paper.example"), or
// opens by telling the reader to call or text and ends on the number to
// use ("Text the studio on 81976"); a date or a year range is no such
// number. Not part of ClassifyLine: a headline may open with such a verb
// and end on a date ("Ring road opening delayed to 2025-26"), so the
// cleaner judges body lines by it, never the title.
bool IsContactPrompt(std::string_view line);

// True when `line` has fewer than `min_words` words and no sentence
// punctuation. Such a fragment is chrome when it holds no letter ("___",
// "0 / 0") or sits outside the article's run of sentences (before the
// first or after the last); in between it is most likely a subheading. The
// cleaner applies that position rule (reason "short-line").
bool IsShortFragment(std::string_view line, int min_words);

// True when `line` holds no letter of any script.
bool HasNoLetters(std::string_view line);

// True for a line too weak to stand on its own (no sentence punctuation and
// few words, or no words at all: "0 / 0", a bullet fragment, a caption's
// first half). Such a line shares the fate of an adjacent chrome line of
// the same paragraph.
bool IsWeakLine(std::string_view line);

// True for a line that is only a photo credit ("(photo credit: ...)",
// "Photo: Jane Doe", "REUTERS/Jane Doe"). The caption it credits is the line
// before it, even when that line is a full sentence.
bool IsPhotoCreditLine(std::string_view line);

// True when `line` speaks of the page it is printed on, outside quotes:
// "this" or "our" before "page", "website" or "webpage" ("We may earn a
// commission through links on this page."), or before "article" not
// followed by "of" or a number in a line that also addresses the reader or
// speaks of the page's making ("This article was translated
// automatically.", not "Lawyers say this article has never been tested.").
// A story speaks of its subject, so the cleaner takes such sentences under
// the story for the outlet's notes.
bool RefersToThePage(std::string_view line);

// True when an unquoted word of `line` offers the reader something to sign
// up for, follow or receive ("Get your free morning briefing", "Turn on
// alerts for Fernvale"): the words of sign-up boxes, which a story's own
// sentences about a place or a vote ("Read the minutes: four members ...")
// do not use.
bool InvitesTheReader(std::string_view line);

// True when `line` has the shape of an imperative button label, whatever
// its verb: two to four words, no sentence end, no digit, the first a
// capitalized word that is no plural, past tense, gerund or adverb (no
// "-s", "-ed", "-ing", "-ly") and the second a particle, preposition,
// article or possessive ("Add to watchlist", "Save for later", "Compare
// all prices"); "Rates to fall" or "Talks on trade" open with a plural.
bool HasImperativeShape(std::string_view line);

// True when `line` reads as one of the controls a page prints under its
// story, in at most 20 words: a capitalised label of one to three words
// and a colon ("Next match: Tuesday v Rovers"; two or three words before a
// sentence that states something: "Correction policy: we correct ..."),
// but no speech ("He said:", a quotation after the colon) and no appeal
// ("Anyone with information: call ..."); a widget's state of at most three
// words in an ellipsis ("Loading comments…"); or, with no sentence end, an
// imperative opening ("Forward this to a neighbour"). No evidence on its
// own: the cleaner asks it only of lines under the page's cut footer.
bool IsFooterControl(std::string_view line);

// True when `line` is advice on what to do in a case the story describes:
// an imperative opening by its shape (not a control's verb: "Click",
// "Share", "Sign", see StartsWithImperative), a condition put
// to the reader ("if you", "unless you"), and no word of the outlet or its
// page ("us", "our", "we", "this", "here") nor an offer ("newsletter",
// "free", ...): "Call 999 if you see anyone digging near the main", not
// "Contact us if you have a story". The story's, even without a full stop.
bool IsConditionalAdvice(std::string_view line);

// True when `line` opens with a verb telling the reader what to do
// ("Leave a tribute", "Sign the guest book", "Watch the video"), outside
// quotes. On its own no evidence of chrome: the cleaner uses it for short
// lines after the article's last sentence.
bool StartsWithImperative(std::string_view line);

// True when a candidate title is a site section label ("World & Nation",
// "Politics", "Middle East"): only section vocabulary, or, when the next
// paragraph looks like the real headline, a few capitalized words without
// punctuation or digits.
bool LooksLikeSectionLabel(std::string_view title, bool followed_by_headline);

// True when `line` has a headline's shape, whatever its words: 2 to 20
// words, not starting lowercase or with a bullet, not ending in '.', ',',
// ';' or ':'.
bool HasHeadlineShape(std::string_view line);

// True when `line` holds the marks of page furniture that no headline
// needs: a separator between link labels standing alone (" › ", " » ",
// " > ", " → "; " / " or " | " twice or after a label's colon: "You are
// here: News / Housing", since a headline may print one between its
// parts) or a sign of
// the arrows or geometric shapes blocks ("wheat £198/t ▲").
bool HasFurnitureMarks(std::string_view line);

// True when `line` is shaped like a headline (HasHeadlineShape) and is not
// chrome.
bool LooksLikeHeadline(std::string_view line);

// How many distinct words of five letters or more in `headline` open, by
// their first five letters, a word of `text` (case and marks folded;
// "Photos" meets "photographs", "Ãcoles" meets "Ã©coles"): how much of a
// headline the story under it repeats. Short words are left out because most
// are function words ("this", "from").
int HeadlineWordsInText(std::string_view headline, std::string_view text);

}  // namespace clean
}  // namespace newsflow

#endif  // NEWSFLOW_STAGES_CLEAN_BOILERPLATE_H_
