// The soak benchmarks' synthetic articles (newsflow_soak_bench and
// newsflow_soak_tag_bench): every article is distinct (its number is in
// the text, and ingest derives ids from content) and long enough that a
// page is taken as an article rather than replaced by the feed's summary.
// The names, places and subjects come from small fixed lists; the numbers
// (report number, percents, petition counts) are new in every article.
#ifndef NEWSFLOW_BENCH_SOAK_BENCH_ARTICLES_H_
#define NEWSFLOW_BENCH_SOAK_BENCH_ARTICLES_H_

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace newsflow {
namespace soak {

constexpr const char* kFirstNames[] = {
    "Marta", "Tomas",  "Ilse",   "Ravi",  "Noor",  "Pieter", "Aiko",
    "Jonah", "Leonie", "Mateus", "Sanna", "Dario", "Greta",  "Owen",
    "Farah", "Lukas",  "Ines",   "Bram",  "Yusuf", "Hedda"};
constexpr const char* kLastNames[] = {
    "Okafor",  "Lindqvist", "Brennan",   "Takeda", "Moreau", "Vasquez",
    "Holm",    "Adeyemi",   "Castellan", "Novak",  "Rautio", "Ferreira",
    "Kowalik", "Ashdown",   "Quintero",  "Mbeki",  "Strand", "Delacroix"};
constexpr const char* kPlaces[] = {
    "Harrowgate", "Port Elmsley", "Vellmar",     "Kestrel Bay", "Oakhurst",
    "Lindenfeld", "Saltmere",     "Brightwater", "Castelnovo",  "Dunmore",
    "Ravensholm", "Maple Ford",   "Westerly",    "Norbury",     "Tallis"};
constexpr const char* kOrganisations[] = {
    "Regional Water Board",   "Harbour Authority",       "Teachers' Union",
    "Chamber of Commerce",    "Rail Operators' Council", "County Health Trust",
    "Farmers' Cooperative",   "Energy Regulator",        "Library Trust",
    "Fire and Rescue Service"};
constexpr const char* kSubjects[] = {
    "the new tram line",   "the river embankment",  "school meals",
    "the wind farm",       "the night bus service", "the market hall",
    "flood defences",      "the public library",    "broadband coverage",
    "the ferry timetable", "the hospital car park", "the recycling centre"};
constexpr const char* kVerbs[] = {"cost",    "save",    "delay",
                                  "reshape", "improve", "divide"};
constexpr const char* kDays[] = {"Monday",   "Tuesday", "Wednesday",
                                 "Thursday", "Friday",  "Saturday"};

class ArticleWriter {
 public:
  struct Article {
    std::string title;
    std::vector<std::string> paragraphs;
  };

  explicit ArticleWriter(uint32_t seed) : random_(seed) {}

  Article Write(int64_t number) {
    const std::string place = Pick(kPlaces);
    const std::string organisation = Pick(kOrganisations);
    const std::string subject = Pick(kSubjects);
    const std::string person =
        absl::StrCat(Pick(kFirstNames), " ", Pick(kLastNames));
    Article article;
    article.title = absl::StrCat(place, " ", organisation, " weighs plan on ",
                                 subject, " (report ", number, ")");
    article.paragraphs.push_back(absl::StrCat(
        place, " - The ", organisation, " said on ", Pick(kDays),
        " that a decision on ", subject, " would ", Pick(kVerbs),
        " the town's budget by ", Number(2, 40), " percent, according to ",
        person, ", who chairs its planning committee."));
    article.paragraphs.push_back(absl::StrCat(
        "Residents of ", Pick(kPlaces), " and ", Pick(kPlaces),
        " have asked for a public meeting before the vote, which is expected "
        "in ",
        Number(2, 11), " weeks. A petition has gathered ", Number(300, 9000),
        " signatures so far."));
    article.paragraphs.push_back(absl::StrCat(
        "\"We have heard the concerns and we will publish every figure,\" ",
        person, " said. ", Pick(kFirstNames), " ", Pick(kLastNames), " of the ",
        Pick(kOrganisations), " said the plan had been discussed for ",
        Number(2, 9), " years without a result."));
    article.paragraphs.push_back(absl::StrCat(
        "Report number ", number, " in this series. Work could begin in ",
        Pick(kDays), "'s session of the council if the ", organisation,
        " agrees, with a first phase worth ", Number(1, 60),
        " million to be finished within ", Number(6, 30), " months."));
    return article;
  }

 private:
  template <size_t N>
  const char* Pick(const char* const (&words)[N]) {
    return words[std::uniform_int_distribution<size_t>(0, N - 1)(random_)];
  }
  int Number(int low, int high) {
    return std::uniform_int_distribution<int>(low, high)(random_);
  }

  std::mt19937 random_;
};

inline std::string ArticleText(const ArticleWriter::Article& article) {
  return absl::StrCat(article.title, "\n\n",
                      absl::StrJoin(article.paragraphs, "\n\n"), "\n");
}

}  // namespace soak
}  // namespace newsflow

#endif  // NEWSFLOW_BENCH_SOAK_BENCH_ARTICLES_H_
