// The phrases with which a site asks its reader to act (sign up, subscribe,
// follow, download, log in) or labels its own furniture (cookies, related
// stories, share buttons): one table for every stage that tells such text
// from an article's. Each stage keeps its own way of matching:
//
// - HTML extraction (stages/ingest/html/extract.cc) takes a short block
//   whose lowercased text contains a phrase marked `page_block` anywhere,
//   as a substring ("subscribers" holds "subscribe"), for a call to action.
// - The clean stage (stages/clean/boilerplate.cc) scores a line by the
//   phrases with a `cue_weight` it holds as whole words, in a row, outside
//   its other evidence (reader address, sentence shape).
//
// A phrase is lowercase, its words separated by single spaces.
#ifndef NEWSFLOW_COMMON_CALL_TO_ACTION_H_
#define NEWSFLOW_COMMON_CALL_TO_ACTION_H_

#include <cstddef>
#include <string_view>

namespace newsflow {

struct CallToActionPhrase {
  std::string_view phrase;
  // Weight as a cue in the clean stage: 2 for phrases that almost only
  // occur in chrome, 1 for words that also occur in news text and only
  // count together with other evidence; 0 when not a cue there.
  int cue_weight;
  // Whether HTML extraction takes a short block containing it for a call
  // to action (several languages).
  bool page_block;
};

inline constexpr CallToActionPhrase kCallToActionPhrases[] = {
    // Signing up, subscribing, logging in.
    {"sign in", 2, false},
    {"sign up", 2, true},
    {"sign-up", 2, false},
    {"signup", 2, false},
    {"log in", 2, false},
    {"log-in", 2, false},
    {"logged in", 2, false},
    {"subscribe", 2, true},
    {"subscription", 2, false},
    {"subscriptions", 2, false},
    {"unsubscribe", 2, false},
    {"newsletter", 2, true},
    {"newsletters", 2, false},
    {"abonnier", 0, true},        // de: abonnieren, abonnieren Sie
    {"inscrivez-vous", 0, true},  // fr
    // Following the outlet, downloading its app.
    {"follow us", 2, true},
    {"folgen sie", 0, true},   // de
    {"folge uns", 0, true},    // de
    {"siguenos", 0, true},     // es, without its accent
    {"síguenos", 0, true},     // es
    {"suivez-nous", 0, true},  // fr
    {"seguici", 0, true},      // it
    {"download our", 2, true},
    {"download the", 0, true},
    {"download the app", 2, false},
    {"our app", 2, false},
    // Links and buttons.
    {"click here", 2, false},
    {"click for", 2, false},
    {"click to", 2, false},
    {"tap here", 2, false},
    {"read more", 2, false},
    {"read later", 2, false},
    {"continue reading", 2, false},
    {"keep reading", 2, false},
    {"advertisement", 2, false},
    {"sponsored content", 2, false},
    {"paid content", 2, false},
    {"cookies", 2, false},
    {"cookie policy", 2, false},
    {"privacy policy", 2, false},
    {"terms of use", 2, false},
    {"terms of service", 2, false},
    {"member-only", 2, false},
    {"members-only", 2, false},
    {"members only", 2, false},
    {"unlock", 2, false},
    {"registered user", 2, false},
    {"promotional content", 2, false},
    {"must-read", 2, false},
    {"must read", 2, false},
    {"related stories", 2, false},
    {"related articles", 2, false},
    {"share this", 2, false},
    {"share on", 2, false},
    {"share via", 2, false},
    {"community guidelines", 2, false},
    {"commenting", 2, false},
    {"donate", 2, false},
    {"inbox", 2, false},
    {"free trial", 2, false},
    {"paywall", 2, false},
    {"join the conversation", 2, false},
    {"buy now", 2, false},
    {"free edition", 2, false},
    {"full edition", 2, false},
    {"upgrade", 1, false},
    {"save articles", 2, false},
    {"saved articles", 2, false},
    {"follow topics", 2, false},
    {"briefing", 1, false},
    {"don't miss", 2, false},
    {"listen to this article", 2, false},
    {"refresh the page", 2, false},
    {"refresh this page", 2, false},
    {"support our journalism", 2, false},
    {"independent journalism", 1, false},
    {"earn a commission", 2, false},
    {"affiliate link", 2, false},
    {"affiliate links", 2, false},
    {"affiliate commission", 2, false},
    {"through our links", 2, false},
    {"leave a comment", 2, false},
    // Words that also occur in news text.
    {"comment", 1, false},
    {"comments", 1, false},
    {"account", 1, false},
    {"email", 1, false},
    {"e-mail", 1, false},
    {"offer", 1, false},
    {"offers", 1, false},
    {"discounts", 1, false},
    {"products", 1, false},
    {"notified", 1, false},
    {"notifications", 1, false},
    {"register", 1, false},
    {"login", 1, false},
    {"facebook", 1, false},
    {"twitter", 1, false},
    {"whatsapp", 1, false},
    {"instagram", 1, false},
    {"linkedin", 1, false},
    {"telegram", 1, false},
    {"youtube", 1, false},
    {"app", 1, false},
    {"apps", 1, false},
    {"premium", 1, false},
    {"membership", 1, false},
    {"subscriber", 1, false},
    {"subscribers", 1, false},
    {"headlines", 1, false},
    {"journalism", 1, false},
    {"readers", 1, false},
};

// How many phrases of the table are cues of the clean stage.
constexpr size_t CallToActionCueCount() {
  size_t count = 0;
  for (const CallToActionPhrase& entry : kCallToActionPhrases) {
    count += entry.cue_weight > 0 ? 1 : 0;
  }
  return count;
}

}  // namespace newsflow

#endif  // NEWSFLOW_COMMON_CALL_TO_ACTION_H_
