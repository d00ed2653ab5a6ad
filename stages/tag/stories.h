// Same story across outlets: incremental, single-pass clustering of the
// stream into stories, and near-duplicate detection of syndicated copies.
//
// Story clustering. Each article is a pair of vectors: its entities (by
// canonical_id, so every spelling counts as one; weighted by type — people
// name an event best, places least — by 1 + log(mentions), and by the
// entity's rarity in the stream so far) and its TF-IDF terms (keywords.h).
// A story keeps the sums of its articles' vectors and the span of their
// publication times. An article joins an open story it is similar to
// when
//     similarity = kEntityShare * cosine(entities)
//                + (1 - kEntityShare) * cosine(terms)  ≥ threshold
// (scaled down for an article of few terms, a headline or a brief, whose
// cosine with a many-article story stays low even when it fits)
// and the story with the article added spans at most window_hours of
// publication time (either side's time unknown: no time test), and every
// member the story remembers (its most recent 256, and at most
// max_members over all open stories) would stay
// at or above the bar it was held to, measured against the story as a
// whole; of the stories it may join, it tries first the one agreeing most
// on what happened (the cosine of its event terms and figures with the
// story's terms; a headline, whose few terms are mostly names, the most
// similar), then the next, then starts a new one: a cyclist's crash report
// shares more names with his stage win the day before, but its crash words
// with the crash's story.
// Comparing with the whole story rather than one member, and re-checking
// the members as it grows, is what keeps a story from chaining A ~ B ~ C
// into one topic's season (on undated BBC articles, where no window
// applies, it is the only thing that does). Outlets
// word one event differently, so this compares who and what, not text.
// An article with a body (15 or more terms) must also agree with the story
// on what happened, not only on who and where: its entity cosine counts
// only when it shares two or more entities with the story, and the cosine
// of its event terms (its terms that are not words of its entities' names,
// MarkNameTerms, with its numbers, AddNumberTerms) with the story's terms
// must reach two thirds of its bar, or a third when it tells of one of the
// story's very days (itself agreement on what happened; a report naming no
// day, by its publication day), unless it repeats
// one of the story's figures (a number term), or it is short (under 40
// terms) and shares three entities, one of them a person it names twice or
// more (a brief may say little beyond who was involved; a town's or
// company's places and organisations recur in all of its news; a full
// article that does not say what the story says happened is about another
// happening). It must also be at or
// above its bar with at least half of the story's remembered members each
// on its own (a quorum), not only with their sum, which shares a word or
// two with anything that echoes each report's topic.
// The days an article tells of (those it names, AddEventDays, or else,
// dated, the day it was published: a report naming no day tells of that
// day or the one before; as the UTC day, it is compared within two days)
// must not all lie two or more days from every day its story's members
// told of: the research centre opened on Monday
// is not the earthquake of Wednesday, nor the club's signing reported on
// Monday its coach's sacking on Wednesday. And one that shares fewer than
// two entities with a story, or repeats two of its figures, but tells of
// one of its days (or the next) and agrees on its event terms at a full
// article's share, is compared with it by its terms alone when they say
// more: outlets spell names their own way (Graham / Graeme Muir, Château /
// Chateau), and few of them then resolve alike.
// Otherwise the same city, company or minister in another happening
// (the metro's fare rise beside its fire) joins on the names alone, which
// weigh 60% of the similarity. Headlines are not held to it: their few
// terms are mostly their names, and their story often just those names.
// Stories not joined for max_open further articles are closed (forgotten).
// A story's id is derived from its first article's id.
//
// Near-duplicates. SimHash (Charikar; Manku et al. 2007): a 64-bit
// fingerprint of the body's words weighted by their counts; two articles
// within Hamming distance 3 are copies of one text (a syndicated wire
// story, a re-post). Words rather than word 3-shingles, because news
// bodies are short: over 300 BBC articles, changing one word moves a
// 3-shingle fingerprint by more than 3 bits in 29% of cases and a word
// fingerprint in 1%; different articles stay 7 or more bits apart, and
// two outlets' own reports of one event 13 or more (our labelled set).
// A copy is marked duplicate_of the closest earlier one seen, and shares
// its story.
//
// Diagnostics: with NEWSFLOW_STORY_TRACE=file set when a clusterer is
// made, it appends to that file, per article, its vectors ("A id time
// bodied terms D days... E entity-key:weight... T term:weight:kind...",
// kind n for a name's word, f a figure, e an event term), each candidate
// story's scores and the outcome ("C article story outcome entity_cos
// term_cos event_cos similarity event_need bar shared_entities
// shared_figures"; outcome window, day, event, bar, passes,
// passes-by-terms, members, quorum or join) and the story it was given
// ("R article story"). scripts/story-pair-signals reads it.
#ifndef NEWSFLOW_STAGES_TAG_STORIES_H_
#define NEWSFLOW_STAGES_TAG_STORIES_H_

#include <cstdint>
#include <cstdio>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "newsflow/v1/article.pb.h"
#include "stages/tag/fingerprint_index.h"
#include "stages/tag/keywords.h"
#include "stages/tag/tokenizer.h"

namespace newsflow {
namespace tag {

class BinaryReader;

// 64-bit SimHash of the lower-cased words (and numbers) of `text`, each
// weighted by its count; 0 for a text without words.
uint64_t SimHash(std::string_view text);
// The same over tokens already made by Tokenize() from one text (the tag
// stage has them: tokenizing the body twice was a measurable cost).
uint64_t SimHash(const Token* begin, const Token* end);
// Inline: the duplicate search calls it once per remembered fingerprint
// for every article.
inline int HammingDistance(uint64_t a, uint64_t b) {
  return __builtin_popcountll(a ^ b);
}

struct StoryOptions {
  double window_hours = 96;
  double threshold = 0.3;
  // Stories kept open, and fingerprints kept for duplicate search.
  size_t max_open = 2000;
  size_t max_fingerprints = 100000;
  // Members remembered across all open stories (each story remembers at
  // most its 256 most recent): past it, the story remembering the most
  // forgets its oldest. About 1 KB each for an article of 80 terms.
  size_t max_members = 8192;
  int max_duplicate_distance = 3;
};

struct StoryInput {
  std::string article_id;
  // Seconds since the epoch; unset when unknown.
  std::optional<int64_t> time;
  // Entities of the article (canonical_id, type and mentions are read).
  std::vector<const v1::Entity*> entities;
  // TF-IDF terms, L2-normalised (KeywordResult::terms).
  std::vector<std::pair<std::string, double>> terms;
  // Per entry of `terms` (the first ones: those compared with stories),
  // whether it is a word of one of the entities' names (MarkNameTerms);
  // empty when none is.
  std::vector<bool> name_terms;
  // Days (since the epoch, UTC) the article says something happened on
  // (AddEventDays), sorted; empty when it names none.
  std::vector<int32_t> days;
  uint64_t simhash = 0;
};

// Sets input->name_terms: a term is a name's when its most frequent
// spelling in the article (`counts`, the article's TermCounts) is a word of
// an alias of one of input->entities (split at spaces and hyphens).
void MarkNameTerms(const TermCounts& counts, StoryInput* input);

// Adds the numbers of the title and body to input->terms as terms of their own
// ("#1500" for "1,500"; "#1800000" for "1.8 million" as for "1,800,000"),
// each weighted half as much as the article's heaviest term,
// and L2-normalises the terms again. Two reports of one happening repeat
// its figures (14 injured, 1,500 jobs, 2:19:42); single digits, years
// (bare 1900-2099; "2,000" and "2 thousand" are figures) and dates and
// times (digit groups joined by '-' or '/', hh:mm, a number beside a month
// name: "March 12 at 10:30") are left out, as any two articles of one day
// share them.
void AddNumberTerms(std::string_view title, std::string_view body,
                    StoryInput* input);

// Sets input->days from the days the title and body name: a weekday ("on
// Sunday", "Sunday's vote") as the latest such day at or before the
// publication day (input->time; nothing without it) when that is at most
// four days back, "today", "yesterday", "two days after" as the day
// two days back, and a calendar date ("2 March", "March 2nd", "Mar. 2",
// "March 2, 2026") as the latest such day at or before the day after
// publication, or in the year it gives, when that is at most four days
// back (further back it recalls an earlier step, "the intruders logged in
// on 20 May", or another happening). A weekday after a word of the future in
// its clause ("will reopen on Friday", "is due to vote on Wednesday") names
// none: a report places its happening in the past. A day word beside a
// capitalised word in its clause that does not open sentences is part of a name
// and names none ("Sheffield Wednesday", "the Sunday Times", "USA Today"; not
// "On Sunday"), and "Today"/"Yesterday" capitalised name a day only opening
// their clause ("the Today programme" names none). Two reports of one
// happening name its day, or the day after for a follow-up; the same
// company's or town's other happening is usually on another day.
void AddEventDays(std::string_view title, std::string_view body,
                  StoryInput* input);

struct StoryAssignment {
  std::string story_id;
  // Id of the earlier article this one copies; empty when none.
  std::string duplicate_of;
  // Similarity to the joined story; 0 for a new story.
  double similarity = 0;
};

// One remembered member of an open story (StoryClusterer::Audit).
struct MemberCheck {
  std::string story_id;
  // To the story as it now stands.
  double similarity = 0;
  // The similarity the member was held to when it joined.
  double bar = 0;
};

// How much the clusterer holds, by count (the soak benchmark reports it;
// tests check the bounds with it).
struct StoryStats {
  size_t stories = 0;
  // Remembered members of all stories, and their entity and term entries.
  size_t members = 0;
  size_t member_entries = 0;
  // Entries of the stories' own vectors, and the keys they are indexed by.
  size_t story_entries = 0;
  size_t story_keys = 0;
  size_t index_keys = 0;
  size_t postings_keys = 0;
  size_t fingerprints = 0;
  // Bytes of the fingerprints' index (FingerprintIndex::memory_bytes).
  size_t fingerprint_bytes = 0;
  size_t entity_df = 0;
};

class StoryClusterer {
 public:
  explicit StoryClusterer(StoryOptions options = {});

  StoryAssignment Assign(const StoryInput& input);

  size_t open_stories() const { return stories_.size(); }
  // Every remembered member of every open story with its similarity to
  // the story: Assign keeps each at or above its bar (up to the lightest
  // entries a story's vectors drop when they outgrow their bounds).
  std::vector<MemberCheck> Audit() const;
  StoryStats Stats() const;

  // `spill` as in EntityIdentity::AppendTo.
  void AppendTo(std::string* out,
                const std::function<void(std::string*)>& spill = {}) const;
  absl::Status ReadFrom(std::string_view data, size_t* pos);

  // An incremental save (tag_state.h): what each open story was when last
  // saved, by id: (last_joined, remembered members). A story changes only
  // by an article joining it (which stamps last_joined) or by forgetting
  // members, so a story whose pair is unchanged is unchanged.
  using SaveMarks =
      absl::flat_hash_map<std::string, std::pair<uint64_t, size_t>>;
  // Marks every open story as saved (after a whole save or a load).
  void MarkSaved(SaveMarks* marks) const;
  // Appends the open stories in order, each whole when changed since
  // `marks` and by id when not, then the fingerprints and entity counts
  // whole; marks them saved.
  void AppendChangesTo(std::string* out,
                       const std::function<void(std::string*)>& spill,
                       SaveMarks* marks) const;
  // Applies what AppendChangesTo wrote; the result is what ReadFrom gives
  // for a whole save of the same state.
  absl::Status ReadChangesFrom(std::string_view data, size_t* pos);

 private:
  // Keyed by KeyOf("e:" canonical_id) or KeyOf("t:" term): comparing an
  // article with every candidate story is the tag stage's hottest loop,
  // and 64-bit keys spare it hashing and comparing strings.
  using Vector = absl::flat_hash_map<uint64_t, double>;
  // A remembered member's entry: 12 bytes rather than a pair's 16 (a
  // float weight; the check compares a cosine with a bar, far coarser).
#pragma pack(push, 4)
  struct MemberEntry {
    uint64_t key;
    float weight;
  };
#pragma pack(pop)
  static_assert(sizeof(MemberEntry) == 12);
  struct Member {
    // The entities (sorted by key), then the terms (sorted by key).
    std::vector<MemberEntry> entries;
    uint32_t entity_count = 0;
    double bar = 0;
  };
  struct Story {
    std::string id;
    Vector entities;
    Vector terms;
    std::optional<int64_t> first_time;
    std::optional<int64_t> last_time;
    uint32_t articles = 0;
    uint64_t last_joined = 0;  // article sequence number
    // Squared norms of the vectors, kept up to date by Join.
    double entity_norm = 0;
    double term_norm = 0;
    // The keys this story is indexed under (its articles' entities and
    // best terms).
    std::vector<uint64_t> keys;
    // The most recent members' own vectors, re-checked as the story grows.
    std::deque<Member> members;
    // The latest days its members named (StoryInput::days), sorted.
    std::vector<int32_t> days;
  };
  struct Fingerprint {
    std::string article_id;
    std::string story_id;
  };

  // One story holding a key, with the key's weight there (a copy of the
  // story vector's entry, kept in step by AddInto).
  // Packed to 12 bytes rather than 16: walking the postings is the story
  // step's largest cost, and it is bound by memory.
#pragma pack(push, 4)
  struct Posting {
    uint32_t story;
    double weight;
  };
#pragma pack(pop)
  static_assert(sizeof(Posting) == 12);
  // Key → the stories holding it, sorted by story index.
  using Postings = absl::flat_hash_map<uint64_t, std::vector<Posting>>;

  Vector EntityVector(const StoryInput& input) const;
  // Adds `vector` into `story` (its index in stories_: `index`), pruned to
  // `keep` entries, keeping `postings` in step.
  void AddInto(uint32_t index, const Vector& vector, size_t keep, Vector* story,
               Postings* postings);
  // Rebuilds index_ and postings_ from stories_.
  void RebuildIndex();
  bool WithinWindow(const Story& story, std::optional<int64_t> time) const;
  // Whether, with the article (`entities`, `terms`, held to `bar`) added to
  // stories_[index], every remembered member and the article stay at or
  // above their bars; uses entity_dot_/term_dot_ of the article.
  bool KeepsMembers(uint32_t index, const Vector& entities, const Vector& terms,
                    double bar) const;
  // Whether the article (`entities`, `terms`: unit length) is at or above
  // `bar` against at least half of stories_[index]'s remembered members,
  // each on its own.
  // With `terms_only`, by the term cosine alone.
  bool SimilarToMostMembers(uint32_t index, const Vector& entities,
                            const Vector& terms, double bar,
                            bool terms_only) const;
  static Member MemberOf(const Vector& entities, const Vector& terms,
                         double bar);
  // `days_told`: the days the article names, or the day it was published
  // when it names none (sorted).
  void Join(Story* story, const Vector& entities, const Vector& terms,
            const StoryInput& input, const std::vector<int32_t>& days_told,
            double bar);
  // Forgets the oldest members of the stories remembering the most until
  // at most max_members remain.
  void ForgetMembers();
  // One story's record in a state file, and back (`version` the file's).
  static void AppendStory(const Story& story, std::string* out);
  static void ReadStory(BinaryReader* reader, uint32_t version, Story* story);
  // What follows the stories in a state file: fingerprints, entity counts.
  void AppendTail(std::string* out,
                  const std::function<void(std::string*)>& spill) const;
  void ReadTail(BinaryReader* reader);
  // After reading stories_ and the tail: the indexes, the member count and
  // bound.
  void FinishReading();

  // What decided a candidate (the trace; zeros where the step that failed
  // came before the scores).
  struct CandidateScores {
    double entity_cos = 0, term_cos = 0, event_cos = 0, similarity = 0;
    double event_need = 0, bar = 0;
  };
  void TraceArticle(const StoryInput& input, bool bodied,
                    const std::vector<int32_t>& days_told,
                    const Vector& entities) const;
  void TraceCandidate(const StoryInput& input, uint32_t index,
                      const char* outcome, const CandidateScores& scores) const;

  // A clusterer that keeps `trace` (ReadFrom's and ReadChangesFrom's fresh
  // state), not reading the environment.
  StoryClusterer(StoryOptions options, std::shared_ptr<std::FILE> trace,
                 std::string trace_path);
  void ReserveStories();

  StoryOptions options_;
  // NEWSFLOW_STORY_TRACE's file; null when unset, unopenable or once a
  // write to it failed (each reported once on stderr, naming trace_path_).
  std::shared_ptr<std::FILE> trace_;
  std::string trace_path_;
  std::vector<Story> stories_;
  // Entity ids and terms → indices into stories_: only stories sharing
  // something with an article are compared with it.
  absl::flat_hash_map<uint64_t, std::vector<uint32_t>> index_;
  // Every key of every story's entity (term) vector → the stories holding
  // it and its weight there. Similarity is accumulated along these, one
  // sequential step per key an article shares with a story: looking the
  // key up in each story's own vector instead was the story step's
  // largest cost (a hash probe, usually a cache miss, per step).
  Postings entity_postings_;
  Postings term_postings_;
  // Story id → its index in stories_ (the last, should two share an id):
  // a copy joins its original's story, and comparing the id with every
  // open story's was a string compare per story per copy.
  absl::flat_hash_map<std::string, uint32_t> story_by_id_;
  // Per story, the dot products with the article being assigned.
  std::vector<double> entity_dot_;
  std::vector<double> term_dot_;
  std::vector<double> event_dot_;
  std::vector<uint32_t> shared_entities_;
  std::vector<uint32_t> shared_numbers_;
  // Per story, the dot product of the article's figures with it.
  std::vector<double> figure_dot_;
  // Per story, whether the article is compared with it by terms alone
  // (its names spelled otherwise, its day and happening the story's).
  std::vector<bool> terms_only_;
  // AddInto's keys, reused across articles.
  std::vector<uint64_t> keys_;
  // Per story, whether it is a candidate for the article being assigned.
  std::vector<bool> candidate_;
  // Remembered members of all stories_.
  size_t members_ = 0;
  // The fingerprints, searched for every article, and beside them (same
  // order) whose they are.
  FingerprintIndex fingerprint_hashes_;
  std::deque<Fingerprint> fingerprints_;
  // In how many articles each entity appeared (bounded like stories).
  absl::flat_hash_map<std::string, uint32_t> entity_df_;
  uint64_t articles_ = 0;
};

}  // namespace tag
}  // namespace newsflow

#endif  // NEWSFLOW_STAGES_TAG_STORIES_H_
