#include "stages/tag/lexicon.h"

#include <iterator>

#include "absl/container/flat_hash_set.h"
#include "common/date_words.h"

namespace newsflow {
namespace tag {
namespace {

using WordSet = absl::flat_hash_set<std::string_view>;

// --- Function words -------------------------------------------------------

constexpr std::string_view kFunctionWords[] = {
    "a",         "about",      "above",      "across",   "after",
    "again",     "against",    "ago",        "all",      "along",
    "also",      "although",   "am",         "among",    "amid",
    "amidst",    "an",         "and",        "another",  "any",
    "anybody",   "anyone",     "anything",   "are",      "around",
    "as",        "at",         "be",         "because",  "been",
    "before",    "behind",     "being",      "below",    "beneath",
    "beside",    "besides",    "between",    "beyond",   "both",
    "but",       "by",         "can",        "cannot",   "could",
    "despite",   "did",        "do",         "does",     "doing",
    "done",      "down",       "during",     "each",     "either",
    "else",      "enough",     "even",       "ever",     "every",
    "everybody", "everyone",   "everything", "except",   "few",
    "for",       "from",       "had",        "has",      "have",
    "having",    "he",         "her",        "here",     "hers",
    "herself",   "him",        "himself",    "his",      "how",
    "however",   "i",          "if",         "in",       "inside",
    "instead",   "into",       "is",         "it",       "its",
    "itself",    "just",       "least",      "less",     "let",
    "like",      "many",       "may",        "me",       "might",
    "mine",      "more",       "most",       "much",     "must",
    "my",        "myself",     "neither",    "never",    "no",
    "nobody",    "none",       "nor",        "not",      "nothing",
    "now",       "of",         "off",        "on",       "once",
    "one",       "only",       "onto",       "or",       "other",
    "others",    "otherwise",  "ought",      "our",      "ours",
    "ourselves", "out",        "outside",    "over",     "own",
    "past",      "per",        "perhaps",    "quite",    "rather",
    "same",      "shall",      "she",        "should",   "since",
    "so",        "some",       "somebody",   "someone",  "something",
    "such",      "than",       "that",       "the",      "their",
    "theirs",    "them",       "themselves", "then",     "there",
    "these",     "they",       "this",       "those",    "though",
    "through",   "throughout", "thus",       "till",     "to",
    "too",       "toward",     "towards",    "under",    "underneath",
    "unless",    "unlike",     "until",      "up",       "upon",
    "us",        "very",       "via",        "was",      "we",
    "were",      "what",       "whatever",   "when",     "whenever",
    "where",     "whereas",    "wherever",   "whether",  "which",
    "while",     "who",        "whoever",    "whole",    "whom",
    "whose",     "why",        "will",       "with",     "within",
    "without",   "would",      "yet",        "you",      "your",
    "yours",     "yourself",   "yourselves", "it's",     "i'm",
    "i've",      "i'd",        "i'll",       "we're",    "we've",
    "we'll",     "we'd",       "you're",     "you've",   "you'll",
    "you'd",     "he's",       "she's",      "they're",  "they've",
    "they'll",   "they'd",     "that's",     "there's",  "what's",
    "who's",     "let's",      "don't",      "doesn't",  "didn't",
    "won't",     "wouldn't",   "can't",      "couldn't", "shouldn't",
    "isn't",     "aren't",     "wasn't",     "weren't",  "hasn't",
    "haven't",   "hadn't",     "mustn't",    "ok",       "yes",
    "oh"};

// Sentence openers that are not function words.
constexpr std::string_view kSentenceStarters[] = {
    "accordingly", "additionally",  "afterwards",   "already",
    "always",      "anyway",        "asked",        "back",
    "basically",   "certainly",     "clearly",      "consequently",
    "currently",   "earlier",       "eventually",   "finally",
    "first",       "firstly",       "following",    "former",
    "further",     "furthermore",   "generally",    "hence",
    "hopefully",   "ideally",       "importantly",  "indeed",
    "initially",   "interestingly", "last",         "lastly",
    "later",       "likewise",      "maybe",        "meanwhile",
    "moreover",    "nearly",        "nevertheless", "next",
    "nonetheless", "normally",      "notably",      "obviously",
    "often",       "overall",       "please",       "previously",
    "probably",    "recently",      "regardless",   "second",
    "secondly",    "separately",    "several",      "similarly",
    "still",       "subsequently",  "surely",       "third",
    "today",       "tomorrow",      "tonight",      "together",
    "usually",     "well",          "yesterday",    "two",
    "three",       "four",          "five",         "six",
    "seven",       "eight",         "nine",         "ten",
    "eleven",      "twelve",        "twenty",       "thirty",
    "forty",       "fifty",         "hundred",      "hundreds",
    "thousand",    "thousands",     "million",      "millions",
    "dozens",      "some",          "most",         "more",
    "fewer",       "new",           "old",          "top",
    "senior",      "local",         "many",         "officials",
    "analysts",    "experts",       "residents",    "witnesses",
    "critics",     "sources",       "police",       "troops",
    "rebels",      "soldiers",      "protesters",   "people",
    "government",  "here",          "click",        "read",
    "watch",       "see",           "sign",         "related",
    "share",       "follow",        "subscribe",    "photo",
    "video",       "advertisement", "updated",      "posted",
    "published",   "copyright",     "according"};

// Words too common in news to characterise an article (IsStopword adds
// the weekday and month words of common/date_words.h).
constexpr std::string_view kNewsStopwords[] = {
    "said",      "says",     "say",       "saying",     "told",     "tell",
    "tells",     "added",    "according", "reported",   "reports",  "report",
    "stated",    "asked",    "noted",     "year",       "years",    "month",
    "months",    "week",     "weeks",     "day",        "days",     "time",
    "times",     "today",    "yesterday", "tomorrow",   "last",     "next",
    "first",     "second",   "new",       "old",        "also",     "just",
    "well",      "back",     "still",     "made",       "make",     "makes",
    "making",    "get",      "gets",      "got",        "getting",  "go",
    "goes",      "going",    "went",      "gone",       "come",     "comes",
    "came",      "coming",   "take",      "takes",      "took",     "taken",
    "taking",    "give",     "gives",     "gave",       "given",    "see",
    "seen",      "saw",      "know",      "knew",       "known",    "think",
    "thought",   "want",     "wants",     "wanted",     "way",      "ways",
    "thing",     "things",   "lot",       "lots",       "number",   "part",
    "since",     "mr",       "mrs",       "ms",         "dr",       "per",
    "cent",      "percent",  "including", "include",    "includes", "included",
    "while",     "whether",  "around",    "several",    "many",     "much",
    "two",       "three",    "four",      "five",       "six",      "seven",
    "eight",     "nine",     "ten",       "hundred",    "thousand", "million",
    "billion",   "among",    "likely",    "already",    "yet",      "however",
    "although",  "though",   "even",      "ever",       "never",    "really",
    "something", "nothing",  "anything",  "everything", "whose",    "use",
    "used",      "using",    "put",       "puts",       "set",      "sets",
    "called",    "call",     "calls",     "show",       "shows",    "showed",
    "shown",     "went",     "become",    "became",     "becomes",  "put",
    "able",      "unable",   "another",   "around",     "across",   "later",
    "earlier",   "least",    "less",      "little",     "long",     "longer",
    "far",       "near",     "high",      "higher",     "low",      "lower",
    "big",       "bigger",   "large",     "larger",     "small",    "smaller",
    "good",      "better",   "best",      "bad",        "worse",    "worst",
    "great",     "greater",  "full",      "left",       "right",    "top",
    "end",       "ended",    "ends",      "keep",       "kept",     "keeps",
    "let",       "lets",     "look",      "looks",      "looked",   "seem",
    "seems",     "seemed",   "told",      "tell",       "try",      "tries",
    "tried",     "trying",   "need",      "needs",      "needed",   "mean",
    "means",     "meant",    "via",       "amid",       "others",   "other",
    "one",       "ones",     "people",    "recent",     "recently", "currently",
    "now",       "next",     "today's",   "news",       "story",    "stories",
    "article",   "articles", "comment",   "comments",   "click",    "read",
    "share",     "page",     "www",       "http",       "https",    "com",
    "html",      "more"};

// Case-sensitive; written without the period.
constexpr std::string_view kAbbreviations[] = {
    "Mr",   "Mrs",  "Ms",   "Dr",   "Prof", "Gen",    "Lt",   "Col",   "Sgt",
    "Capt", "Cmdr", "Adm",  "Maj",  "Brig", "Cpl",    "Pvt",  "Sen",   "Rep",
    "Gov",  "Pres", "Rev",  "Fr",   "St",   "Jr",     "Sr",   "Inc",   "Corp",
    "Co",   "Ltd",  "Bros", "Mt",   "Ft",   "Ave",    "Blvd", "Dept",  "Univ",
    "Assn", "No",   "Nos",  "vs",   "etc",  "approx", "est",  "Jan",   "Feb",
    "Mar",  "Apr",  "Jun",  "Jul",  "Aug",  "Sep",    "Sept", "Oct",   "Nov",
    "Dec",  "Mon",  "Tue",  "Tues", "Wed",  "Thu",    "Thur", "Thurs", "Fri",
    "Sat",  "Sun",  "al",   "cf",   "ca",   "Messrs", "Mme",  "Mlle",  "Hon",
    "Gens", "Supt", "Insp", "Det",  "Cllr"};

constexpr std::string_view kTitleAbbreviations[] = {
    "Mr.",   "Mrs.", "Ms.",   "Dr.",   "Prof.", "Gen.",    "Lt.",
    "Col.",  "Sgt.", "Capt.", "Cmdr.", "Adm.",  "Maj.",    "Brig.",
    "Cpl.",  "Pvt.", "Sen.",  "Rep.",  "Gov.",  "Pres.",   "Rev.",
    "Fr.",   "St.",  "Mt.",   "Ft.",   "No.",   "Messrs.", "Mme.",
    "Mlle.", "Hon.", "Gens.", "Supt.", "Insp.", "Det.",    "Cllr."};

// --- Names and titles -----------------------------------------------------

constexpr std::string_view kTitleHeads[] = {"President",
                                            "Minister",
                                            "Secretary",
                                            "Chancellor",
                                            "Premier",
                                            "Ambassador",
                                            "Envoy",
                                            "Spokesman",
                                            "Spokeswoman",
                                            "Spokesperson",
                                            "Governor",
                                            "Senator",
                                            "Congressman",
                                            "Congresswoman",
                                            "Representative",
                                            "Mayor",
                                            "King",
                                            "Queen",
                                            "Prince",
                                            "Princess",
                                            "Emperor",
                                            "Empress",
                                            "Sheikh",
                                            "Sheik",
                                            "Emir",
                                            "Sultan",
                                            "Pope",
                                            "Cardinal",
                                            "Archbishop",
                                            "Bishop",
                                            "Rabbi",
                                            "Imam",
                                            "Ayatollah",
                                            "Judge",
                                            "Justice",
                                            "General",
                                            "Colonel",
                                            "Captain",
                                            "Admiral",
                                            "Commander",
                                            "Sergeant",
                                            "Lieutenant",
                                            "Marshal",
                                            "Brigadier",
                                            "Corporal",
                                            "Chief",
                                            "Director",
                                            "Chairman",
                                            "Chairwoman",
                                            "Chairperson",
                                            "Leader",
                                            "Speaker",
                                            "Professor",
                                            "Sir",
                                            "Dame",
                                            "Lord",
                                            "Lady",
                                            "Baron",
                                            "Baroness",
                                            "Duke",
                                            "Duchess",
                                            "Coach",
                                            "Inspector",
                                            "Superintendent",
                                            "Detective",
                                            "Officer",
                                            "Commissioner",
                                            "Councillor",
                                            "Councilman",
                                            "Councilwoman",
                                            "Attorney",
                                            "Prosecutor",
                                            "Consul",
                                            "Counselor",
                                            "Adviser",
                                            "Advisor",
                                            "Secretary-General",
                                            "President-elect",
                                            "Vice-President",
                                            "Dictator",
                                            "Pastor",
                                            "Saint",
                                            "Rev.",
                                            "Mr.",
                                            "Mrs.",
                                            "Ms.",
                                            "Dr.",
                                            "Prof.",
                                            "Gen.",
                                            "Lt.",
                                            "Col.",
                                            "Sgt.",
                                            "Capt.",
                                            "Cmdr.",
                                            "Adm.",
                                            "Maj.",
                                            "Brig.",
                                            "Cpl.",
                                            "Pvt.",
                                            "Sen.",
                                            "Rep.",
                                            "Gov.",
                                            "Pres.",
                                            "Fr.",
                                            "Messrs.",
                                            "Mme.",
                                            "Mlle.",
                                            "Hon.",
                                            "Gens.",
                                            "Supt.",
                                            "Insp.",
                                            "Det.",
                                            "Cllr.",
                                            "Mr",
                                            "Mrs",
                                            "Ms",
                                            "Dr",
                                            "CEO",
                                            "Crown"};

constexpr std::string_view kTitleModifiers[] = {
    "Prime",         "Major",
    "Foreign",       "Defense",
    "Defence",       "Interior",
    "Finance",       "Home",
    "Health",        "Trade",
    "Energy",        "Economy",
    "Economic",      "Education",
    "Transport",     "Agriculture",
    "Environment",   "Labor",
    "Labour",        "Culture",
    "Information",   "Oil",
    "Petroleum",     "Treasury",
    "Deputy",        "Vice",
    "Under",         "Assistant",
    "Associate",     "Acting",
    "Former",        "First",
    "Supreme",       "Executive",
    "Managing",      "Senior",
    "Chief",         "Grand",
    "Lord",          "High",
    "Attorney",      "Crown",
    "Opposition",    "Majority",
    "Minority",      "Army",
    "Navy",          "Air",
    "Police",        "Military",
    "Special",       "State",
    "National",      "Security",
    "Intelligence",  "Justice",
    "Immigration",   "Communications",
    "Housing",       "Development",
    "Industry",      "Tourism",
    "Sports",        "Youth",
    "Women's",       "Emergency",
    "Fisheries",     "Water",
    "Mines",         "Planning",
    "Science",       "Technology",
    "Chief-of-staff"};

constexpr std::string_view kPersonCueNouns[] = {"president",
                                                "minister",
                                                "secretary",
                                                "chancellor",
                                                "premier",
                                                "ambassador",
                                                "envoy",
                                                "spokesman",
                                                "spokeswoman",
                                                "spokesperson",
                                                "governor",
                                                "senator",
                                                "congressman",
                                                "congresswoman",
                                                "mayor",
                                                "king",
                                                "queen",
                                                "prince",
                                                "princess",
                                                "sheikh",
                                                "emir",
                                                "sultan",
                                                "pope",
                                                "cardinal",
                                                "bishop",
                                                "rabbi",
                                                "imam",
                                                "judge",
                                                "general",
                                                "colonel",
                                                "captain",
                                                "admiral",
                                                "commander",
                                                "sergeant",
                                                "lieutenant",
                                                "chief",
                                                "director",
                                                "chairman",
                                                "chairwoman",
                                                "leader",
                                                "speaker",
                                                "professor",
                                                "coach",
                                                "inspector",
                                                "officer",
                                                "commissioner",
                                                "attorney",
                                                "prosecutor",
                                                "lawyer",
                                                "counterpart",
                                                "adviser",
                                                "advisor",
                                                "aide",
                                                "deputy",
                                                "official",
                                                "diplomat",
                                                "negotiator",
                                                "colleague",
                                                "analyst",
                                                "economist",
                                                "expert",
                                                "researcher",
                                                "scientist",
                                                "author",
                                                "writer",
                                                "journalist",
                                                "reporter",
                                                "correspondent",
                                                "editor",
                                                "photographer",
                                                "actor",
                                                "actress",
                                                "singer",
                                                "artist",
                                                "director",
                                                "producer",
                                                "player",
                                                "striker",
                                                "midfielder",
                                                "defender",
                                                "goalkeeper",
                                                "captain",
                                                "manager",
                                                "executive",
                                                "ceo",
                                                "founder",
                                                "owner",
                                                "chief",
                                                "head",
                                                "son",
                                                "daughter",
                                                "wife",
                                                "husband",
                                                "brother",
                                                "sister",
                                                "father",
                                                "mother",
                                                "uncle",
                                                "aunt",
                                                "nephew",
                                                "niece",
                                                "cousin",
                                                "widow",
                                                "grandson",
                                                "granddaughter",
                                                "dictator",
                                                "strongman",
                                                "ruler",
                                                "monarch",
                                                "candidate",
                                                "challenger",
                                                "opponent",
                                                "rival",
                                                "lawmaker",
                                                "legislator",
                                                "mp",
                                                "activist",
                                                "dissident",
                                                "cleric",
                                                "commentator",
                                                "economist",
                                                "militant",
                                                "suspect",
                                                "defendant",
                                                "victim",
                                                "witness",
                                                "resident",
                                                "student",
                                                "teacher",
                                                "doctor",
                                                "dr",
                                                "mr",
                                                "mrs",
                                                "ms",
                                                "sir",
                                                "emissary",
                                                "representative",
                                                "delegate",
                                                "councillor",
                                                "chairperson"};

constexpr std::string_view kSpeechVerbs[] = {
    "said",         "says",       "told",      "tells",      "added",
    "adds",         "stated",     "states",    "announced",  "announces",
    "argued",       "argues",     "insisted",  "insists",    "wondered",
    "warned",       "warns",      "explained", "explains",   "asked",
    "asks",         "noted",      "notes",     "responded",  "replied",
    "urged",        "urges",      "claimed",   "claims",     "admitted",
    "acknowledged", "denied",     "denies",    "confirmed",  "recalled",
    "wrote",        "writes",     "tweeted",   "declared",   "stressed",
    "emphasised",   "emphasized", "suggested", "believes",   "believed",
    "thinks",       "thought",    "hopes",     "hoped",      "wants",
    "wanted",       "met",        "visited",   "criticised", "criticized",
    "praised",      "accused",    "vowed",     "promised",   "pledged",
    "threatened",   "resigned",   "died",      "smiled",     "laughed",
    "spoke",        "speaks",     "testified", "commented",  "conceded",
    "complained",   "predicted",  "disagreed", "agreed",     "refused",
    "joked"};

constexpr std::string_view kOrgHeads[] = {"Department",
                                          "Ministry",
                                          "Council",
                                          "Organization",
                                          "Organisation",
                                          "Agency",
                                          "Party",
                                          "Union",
                                          "Association",
                                          "Press",
                                          "Bank",
                                          "Corp",
                                          "Corp.",
                                          "Corporation",
                                          "Inc",
                                          "Inc.",
                                          "Ltd",
                                          "Ltd.",
                                          "Co.",
                                          "Company",
                                          "Army",
                                          "Forces",
                                          "Committee",
                                          "Court",
                                          "University",
                                          "College",
                                          "Institute",
                                          "Institution",
                                          "Foundation",
                                          "Commission",
                                          "Authority",
                                          "Administration",
                                          "Bureau",
                                          "Office",
                                          "Service",
                                          "Services",
                                          "Board",
                                          "Federation",
                                          "Confederation",
                                          "Alliance",
                                          "Coalition",
                                          "Front",
                                          "Movement",
                                          "Brigade",
                                          "Brigades",
                                          "Group",
                                          "Holdings",
                                          "Industries",
                                          "Airlines",
                                          "Airways",
                                          "Motors",
                                          "Systems",
                                          "Technologies",
                                          "Pharmaceuticals",
                                          "Communications",
                                          "Partners",
                                          "Bancorp",
                                          "Trust",
                                          "Fund",
                                          "Exchange",
                                          "Assembly",
                                          "Parliament",
                                          "Congress",
                                          "Senate",
                                          "Cabinet",
                                          "Tribunal",
                                          "Police",
                                          "Navy",
                                          "Guard",
                                          "Guards",
                                          "Academy",
                                          "School",
                                          "Hospital",
                                          "Club",
                                          "Society",
                                          "League",
                                          "Network",
                                          "Times",
                                          "Post",
                                          "Journal",
                                          "Herald",
                                          "Tribune",
                                          "Gazette",
                                          "Telegraph",
                                          "Guardian",
                                          "Observer",
                                          "Chronicle",
                                          "Monitor",
                                          "Daily",
                                          "Magazine",
                                          "News",
                                          "Broadcasting",
                                          "Television",
                                          "Radio",
                                          "Reuters",
                                          "Media",
                                          "Studios",
                                          "Records",
                                          "Newsroom",
                                          "Desk",
                                          "Electric",
                                          "Energy",
                                          "Petroleum",
                                          "Oil",
                                          "Gas",
                                          "Steel",
                                          "Chemicals",
                                          "Telecom",
                                          "Insurance",
                                          "Securities",
                                          "Capital",
                                          "Investments",
                                          "Group",
                                          "Team",
                                          "Federation",
                                          "Secretariat",
                                          "Directorate",
                                          "Inspectorate",
                                          "Command",
                                          "Corps",
                                          "Regiment",
                                          "Battalion",
                                          "Division",
                                          "Squad",
                                          "Taskforce",
                                          "Church",
                                          "Mission",
                                          "Reserve",
                                          "Treasury",
                                          "Kremlin",
                                          "Pentagon",
                                          "Politburo",
                                          "Junta",
                                          "GmbH",
                                          "AG",
                                          "SA",
                                          "PLC",
                                          "plc",
                                          "LLC",
                                          "LLP",
                                          "NV",
                                          "BV"};

constexpr std::string_view kEventHeads[] = {
    "Cup",        "Cups",        "Series",   "Championship", "Championships",
    "Open",       "Prix",        "Trophy",   "Shield",       "Bowl",
    "War",        "Wars",        "Pact",     "Games",        "Olympics",
    "Olympiad",   "Paralympics", "Festival", "Awards",       "Prize",
    "Marathon",   "Classic",     "Derby",    "Tournament",   "Rally",
    "Masters",    "Slam",        "Expo",     "Accord",       "Accords",
    "Revolution", "Uprising",    "Crisis",   "Spring",       "Week",
    "Day",        "Fair",        "Biennale", "Show",         "Summit"};

constexpr std::string_view kLocHeads[] = {
    "Sea",         "Ocean",      "River",       "Mountains", "Mountain",
    "Hills",       "Island",     "Islands",     "Isles",     "Gulf",
    "Bay",         "Strait",     "Straits",     "Channel",   "Valley",
    "Desert",      "Peninsula",  "Province",    "Region",    "District",
    "County",      "Prefecture", "Governorate", "Oblast",    "Territory",
    "Territories", "Street",     "Avenue",      "Road",      "Boulevard",
    "Square",      "Bridge",     "Airport",     "Canal",     "Coast",
    "Basin",       "Plateau",    "Highlands",   "Heights",   "Plain",
    "Plains",      "Delta",      "Harbor",      "Harbour",   "Lake",
    "Lakes",       "Falls",      "Forest",      "Reef",      "Glacier",
    "Beach",       "Cape",       "Peak",        "Volcano",   "Republic",
    "Kingdom",     "Emirates",   "Federation",  "Strip",     "Bank",
    "City",        "Town",       "Village",     "Palace",    "Tomb",
    "Cathedral",   "Mosque",     "Stadium",     "Arena",     "Tower",
    "Square"};

constexpr std::string_view kLocPrefixes[] = {
    "Mount", "Mt.",    "Lake", "Cape", "Gulf", "Port", "Fort",  "Ft.",
    "Isle",  "Sierra", "Lac",  "Rio",  "Mont", "Bay",  "Strait"};

constexpr std::string_view kOfComplementHeads[] = {
    "Bank",        "University",  "College",      "Institute",    "Ministry",
    "Department",  "Council",     "Organization", "Organisation", "Association",
    "Federation",  "Union",       "Court",        "Commission",   "Committee",
    "Office",      "Board",       "Bureau",       "Academy",      "Society",
    "League",      "Church",      "Republic",     "Kingdom",      "Emirate",
    "Gulf",        "Bay",         "Isle",         "Cape",         "Sea",
    "Strait",      "Straits",     "Tomb",         "Museum",       "Palace",
    "Cathedral",   "Temple",      "Statue",       "Bay",          "Duke",
    "Duchess",     "Prince",      "Princess",     "King",         "Queen",
    "Secretary",   "Minister",    "President",    "Chancellor",   "Governor",
    "Mayor",       "Director",    "Chairman",     "Speaker",      "Archbishop",
    "Bishop",      "Earl",        "Lord",         "House",        "Chamber",
    "Party",       "Front",       "Movement",     "Alliance",     "Fund",
    "Agency",      "Authority",   "School",       "Hospital",     "Army",
    "Forces",      "Coalition",   "Brotherhood",  "Order",        "Federation",
    "Conference",  "Summit",      "Battle",       "Siege",        "Treaty",
    "Declaration", "Convention",  "Statue",       "Port",         "Straits",
    "Isles",       "Islands",     "Mountains",    "City",         "Province",
    "Ministry",    "Secretariat", "Assembly"};

constexpr std::string_view kNameParticles[] = {
    "de",  "da",  "del", "della", "di",  "du",  "des",  "dos", "das",  "do",
    "van", "von", "der", "den",   "ter", "ten", "bin",  "ibn", "bint", "ben",
    "al",  "el",  "le",  "la",    "y",   "abu", "ould", "mac", "st"};

// Capitalised words that never make a name alone.
constexpr std::string_view kGenericCapitalized[] = {
    "state",       "states",
    "government",  "governments",
    "resolution",  "act",
    "bill",        "law",
    "article",     "section",
    "chapter",     "part",
    "page",        "comments",
    "comment",     "share",
    "click",       "read",
    "more",        "photo",
    "photos",      "video",
    "videos",      "news",
    "update",      "updated",
    "sign",        "login",
    "log",         "register",
    "subscribe",   "follow",
    "email",       "print",
    "home",        "menu",
    "search",      "advertisement",
    "sponsored",   "related",
    "copyright",   "rights",
    "reserved",    "internet",
    "web",         "online",
    "breaking",    "live",
    "exclusive",   "opinion",
    "editorial",   "analysis",
    "feature",     "features",
    "world",       "nation",
    "national",    "international",
    "local",       "politics",
    "business",    "sport",
    "sports",      "entertainment",
    "technology",  "science",
    "health",      "culture",
    "travel",      "weather",
    "president",   "minister",
    "secretary",   "prime",
    "foreign",     "defense",
    "defence",     "council",
    "department",  "ministry",
    "committee",   "court",
    "congress",    "parliament",
    "senate",      "army",
    "police",      "agency",
    "party",       "union",
    "university",  "republic",
    "kingdom",     "city",
    "county",      "province",
    "region",      "street",
    "mr",          "mrs",
    "ms",          "dr",
    "mr.",         "mrs.",
    "ms.",         "dr.",
    "sir",         "chief",
    "general",     "god",
    "lord",        "majesty",
    "highness",    "excellency",
    "premier",     "league",
    "cup",         "championship",
    "division",    "group",
    "team",        "club",
    "north",       "south",
    "east",        "west",
    "northern",    "southern",
    "eastern",     "central",
    "northeast",   "northwest",
    "southeast",   "southwest",
    "upper",       "lower",
    "new",         "old",
    "great",       "grand",
    "greater",     "royal",
    "federal",     "public",
    "private",     "special",
    "security",    "justice",
    "treasury",    "office",
    "commission",  "administration",
    "cabinet",     "embassy",
    "consulate",   "mission",
    "delegation",  "alliance",
    "coalition",   "forces",
    "force",       "military",
    "navy",        "guard",
    "guards",      "brigade",
    "unit",        "summit",
    "conference",  "meeting",
    "talks",       "treaty",
    "accord",      "agreement",
    "plan",        "program",
    "programme",   "project",
    "initiative",  "fund",
    "bank",        "market",
    "markets",     "index",
    "exchange",    "stock",
    "stocks",      "shares",
    "inc",         "corp",
    "ltd",         "co",
    "company",     "reporting",
    "editing",     "additional",
    "writing",     "contact",
    "contributed", "pm",
    "am",          "gmt",
    "utc",         "est",
    "edt",         "pst",
    "pdt",         "ist",
    "cet",         "cest",
    "bst",         "ap",
    "ok",          "tv",
    "oh",          "yes",
    "hey",         "dear",
    "welcome",     "thanks",
    "sorry"};

constexpr std::string_view kNonEntityAcronyms[] = {
    "CEO",       "CFO",      "COO",  "CTO",   "GMT",   "UTC",    "EST",
    "EDT",       "CST",      "CDT",  "MST",   "MDT",   "PST",    "PDT",
    "IST",       "CET",      "CEST", "BST",   "AM",    "PM",     "TV",
    "DVD",       "CD",       "PC",   "OK",    "GDP",   "GNP",    "CPI",
    "VAT",       "PDF",      "URL",  "HTML",  "HTTP",  "FAQ",    "USB",
    "ID",        "IQ",       "DNA",  "HIV",   "AIDS",  "SARS",   "MP",
    "MPS",       "MEP",      "PR",   "HR",    "IT",    "AI",     "VIP",
    "RSS",       "SMS",      "GPS",  "WMD",   "KM",    "KG",     "MPH",
    "RPG",       "LNG",      "LPG",  "TNT",   "AK",    "IED",    "IEDS",
    "RIP",       "ASAP",     "FYI",  "NB",    "PS",    "AD",     "BC",
    "BCE",       "CE",       "AKA",  "II",    "III",   "IV",     "VI",
    "VII",       "VIII",     "IX",   "XI",    "XII",   "XX",     "XXI",
    "I",         "A",        "THE",  "AND",   "OF",    "IN",     "ON",
    "FOR",       "TO",       "BY",   "AT",    "IS",    "WITH",   "FROM",
    "AS",        "OR",       "BUT",  "NOT",   "NO",    "YES",    "UPDATE",
    "UPDATED",   "BREAKING", "LIVE", "VIDEO", "PHOTO", "PHOTOS", "WATCH",
    "READ",      "MORE",     "SEE",  "ALSO",  "NOTE",  "EDITOR", "EDITORS",
    "EXCLUSIVE", "R",        "L",    "C",     "S",     "U",      "E",
    "W",         "N",        "ET",   "PT",    "CT",    "MT"};

constexpr std::string_view kGivenNames[] = {
    // English and international.
    "Aaron", "Adam", "Adrian", "Alan", "Albert", "Alex", "Alexander", "Alfred",
    "Alice", "Alison", "Amanda", "Amy", "Andrew", "Andy", "Angela", "Ann",
    "Anna", "Anne", "Anthony", "Antonio", "Arthur", "Barack", "Barbara", "Ben",
    "Benjamin", "Bernard", "Bernie", "Beth", "Betty", "Bill", "Bob", "Bobby",
    "Brad", "Brandon", "Brian", "Bruce", "Carl", "Carlos", "Carol", "Caroline",
    "Catherine", "Charles", "Charlie", "Charlotte", "Chris", "Christian",
    "Christina", "Christine", "Christopher", "Chuck", "Claire", "Colin",
    "Condoleezza", "Craig", "Dan", "Daniel", "Danny", "Dave", "David",
    "Deborah", "Dennis", "Derek", "Diana", "Diane", "Dick", "Donald", "Doug",
    "Douglas", "Ed", "Eddie", "Edward", "Elizabeth", "Ellen", "Emily", "Emma",
    "Eric", "Frank", "Fred", "Gary", "Gene", "George", "Gerald", "Gordon",
    "Greg", "Gregory", "Harold", "Harry", "Heather", "Helen", "Henry",
    "Hillary", "Howard", "Ian", "Jack", "Jacob", "James", "Jane", "Janet",
    "Jason", "Jeff", "Jeffrey", "Jennifer", "Jeremy", "Jerry", "Jessica",
    "Jill", "Jim", "Jimmy", "Joan", "Joe", "John", "Johnny", "Jon", "Jonathan",
    "Joseph", "Joshua", "Joyce", "Judith", "Julia", "Julie", "Justin", "Karen",
    "Kate", "Katherine", "Kathleen", "Keith", "Kelly", "Ken", "Kenneth",
    "Kevin", "Kim", "Larry", "Laura", "Lawrence", "Leon", "Linda", "Lisa",
    "Louis", "Lucy", "Margaret", "Maria", "Marie", "Mark", "Martha", "Martin",
    "Mary", "Matt", "Matthew", "Melissa", "Michael", "Michelle", "Mike", "Mitt",
    "Nancy", "Neil", "Nicholas", "Nick", "Nicole", "Oliver", "Pamela",
    "Patricia", "Patrick", "Paul", "Peter", "Philip", "Phillip", "Rachel",
    "Ralph", "Raymond", "Rebecca", "Richard", "Rick", "Rob", "Robert", "Roger",
    "Ron", "Ronald", "Rose", "Roy", "Russell", "Ruth", "Ryan", "Sam", "Samuel",
    "Sandra", "Sarah", "Scott", "Sean", "Sharon", "Stephen", "Steve", "Steven",
    "Stuart", "Susan", "Thomas", "Tim", "Timothy", "Tom", "Tony", "Victoria",
    "Walter", "Wayne", "William", "Joe", "Kamala", "Nikki", "Rudy", "Newt",
    "Rand", "Ted", "Marco", "Nigel", "Boris", "Theresa", "Tony", "Gordon",
    "Keir", "Rishi", "Liz",
    // French, German, Italian, Spanish, Portuguese, Nordic, Dutch.
    "Alain", "Angela", "Anders", "Andreas", "Bernd", "Carla", "Christoph",
    "Claude", "Dieter", "Emmanuel", "Enrique", "Fernando", "Francesco",
    "Francois", "François", "Franz", "Frederik", "Gerhard", "Giorgio",
    "Giovanni", "Giuseppe", "Guido", "Hans", "Heinz", "Helmut", "Henrik",
    "Jacques", "Jan", "Javier", "Jean", "Jens", "Joachim", "Johan", "Johann",
    "Jorge", "José", "Jose", "Juan", "Jürgen", "Juergen", "Karl", "Klaus",
    "Lars", "Luigi", "Luis", "Manuel", "Marine", "Mario", "Matteo", "Michel",
    "Miguel", "Nicolas", "Olaf", "Pablo", "Pedro", "Per", "Philippe", "Pierre",
    "Rafael", "Silvio", "Stefan", "Sven", "Thierry", "Ursula", "Wolfgang",
    "Xavier", "Mariano", "Luiz", "Dilma", "Jair", "Hugo", "Nicolás", "Cristina",
    "Evo", "Fidel", "Raul", "Raúl", "Emmanuelle", "Ségolène", "Segolene",
    "Dominique", "Laurent", "Rutger", "Mark", "Viktor", "Recep", "Ahmet",
    "Mehmet", "Tayyip", "Abdullah",
    // Russian, Ukrainian and other Slavic.
    "Alexei", "Alexey", "Aleksei", "Anatoly", "Anatoli", "Andrei", "Andrey",
    "Boris", "Dmitry", "Dmitri", "Dmitriy", "Gennady", "Igor", "Ivan", "Kirsan",
    "Leonid", "Mikhail", "Nikita", "Nikolai", "Oleg", "Pavel", "Petro", "Pyotr",
    "Ramzan", "Sergei", "Sergey", "Vitaly", "Vitali", "Vladimir", "Volodymyr",
    "Viktor", "Yevgeny", "Yuri", "Yulia", "Alexander", "Alexandr", "Grigory",
    "Konstantin", "Maxim", "Valentina", "Natalia", "Olga", "Tatiana",
    "Svetlana", "Irina", "Elena", "Lech", "Donald", "Jaroslaw", "Vaclav",
    "Václav", "Milos", "Slobodan", "Radovan", "Ratko",
    // Arabic, Persian, Turkish, South Asian.
    "Abdel", "Abdul", "Abdulaziz", "Abdulla", "Abu", "Ahmad", "Ahmed", "Ali",
    "Amr", "Anwar", "Ashraf", "Bashar", "Fayez", "Hamad", "Hamid", "Hassan",
    "Hosni", "Hussein", "Ibrahim", "Ismail", "Jalal", "Khaled", "Khalid",
    "Khalifa", "Mahmoud", "Mahmud", "Mohamed", "Mohammad", "Mohammed",
    "Mohammad", "Moammar", "Muammar", "Moamer", "Muamar", "Muhammad", "Musa",
    "Moussa", "Mustafa", "Mustapha", "Nabil", "Nasser", "Omar", "Osama",
    "Rafik", "Saad", "Saddam", "Saif", "Salman", "Salem", "Sami", "Tariq",
    "Walid", "Yasser", "Yousef", "Youssef", "Yusuf", "Zine", "Hamid", "Hassan",
    "Mahmoud", "Ayman", "Abdelaziz", "Abdelhakim", "Shamsiddin", "Nouri",
    "Hamza", "Jamal", "Karim", "Majid", "Rami", "Hasan", "Hossein", "Akbar",
    "Ali", "Mir", "Ruhollah", "Javad", "Benjamin", "Ehud", "Ariel", "Shimon",
    "Yitzhak", "Naftali", "Yair", "Benny", "Avigdor", "Tzipi", "Narendra",
    "Manmohan", "Rahul", "Sonia", "Imran", "Nawaz", "Benazir", "Pervez", "Asif",
    "Hamid", "Ashraf",
    // East and Southeast Asian, African.
    "Shinzo", "Junichiro", "Yoshihiko", "Naoto", "Fumio", "Moon", "Park",
    "Jae-in", "Kim", "Aung", "Thaksin", "Yingluck", "Joko", "Rodrigo", "Jacob",
    "Nelson", "Thabo", "Cyril", "Robert", "Uhuru", "Raila", "Goodluck",
    "Muhammadu", "Olusegun", "Paul", "Yoweri", "Kofi", "Ellen", "Haile",
    "Meles", "Abiy", "Isaias", "Omar", "Salva", "Riek", "Idriss", "Laurent",
    "Alassane", "Blaise", "Macky", "Denis", "Joseph", "Felix"};

constexpr std::string_view kPlaceNouns[] = {
    "city",         "town",       "village",   "port",
    "capital",      "province",   "region",    "district",
    "county",       "state",      "suburb",    "outskirts",
    "island",       "islands",    "country",   "nation",
    "republic",     "kingdom",    "area",      "neighbourhood",
    "neighborhood", "enclave",    "oasis",     "stronghold",
    "hometown",     "border",     "coast",     "resort",
    "harbour",      "harbor",     "valley",    "municipality",
    "governorate",  "prefecture", "territory", "heartland",
    "borough",      "settlement", "crossing",  "region",
    "mountains",    "desert"};

constexpr std::string_view kMotionWords[] = {
    "went",        "go",        "goes",       "going",      "gone",
    "travelled",   "traveled",  "traveling",  "travelling", "travel",
    "flew",        "fly",       "flying",     "moved",      "move",
    "moving",      "returned",  "return",     "returning",  "retreated",
    "retreat",     "fled",      "flee",       "fleeing",    "headed",
    "heading",     "sailed",    "drove",      "driven",     "marched",
    "advanced",    "advancing", "withdrew",   "withdrawn",  "deployed",
    "sent",        "send",      "sending",    "trip",       "visit",
    "journey",     "flight",    "flights",    "road",       "way",
    "route",       "return",    "arrived",    "came",       "come",
    "coming",      "relocated", "exiled",     "deported",   "extradited",
    "transferred", "evacuated", "pushed",     "escaped",    "bound",
    "migrated",    "emigrated", "immigrated", "shipped",    "exported",
    "imported"};

// The union of the given word lists, built once and kept for the program.
template <size_t... N>
WordSet* NewSet(const std::string_view (&... lists)[N]) {
  auto* set = new WordSet();
  (set->insert(std::begin(lists), std::end(lists)), ...);
  return set;
}

// `set` with the English month words (common/date_words.h) added.
WordSet* WithMonths(WordSet* set) {
  set->insert(EnglishMonthWords().begin(), EnglishMonthWords().end());
  return set;
}

// `set` with the English weekday words (common/date_words.h) added, not the
// informal "weds": headlines use it as the verb ("Prince weds actress").
WordSet* WithWeekdays(WordSet* set) {
  const auto words = EnglishWeekdayWords(/*informal=*/false);
  set->insert(words.begin(), words.end());
  return set;
}

}  // namespace

bool IsFunctionWord(std::string_view lower) {
  static const WordSet* const kSet = NewSet(kFunctionWords);
  return kSet->contains(lower);
}

bool IsSentenceStarter(std::string_view lower) {
  static const WordSet* const kSet =
      WithWeekdays(WithMonths(NewSet(kFunctionWords, kSentenceStarters)));
  return kSet->contains(lower);
}

bool IsStopword(std::string_view lower) {
  static const WordSet* const kSet =
      WithWeekdays(WithMonths(NewSet(kFunctionWords, kNewsStopwords)));
  return kSet->contains(lower);
}

bool IsWeekday(std::string_view lower) {
  static const WordSet* const kSet = WithWeekdays(new WordSet());
  return kSet->contains(lower);
}

bool IsMonth(std::string_view lower) {
  static const WordSet* const kSet = WithMonths(new WordSet());
  return kSet->contains(lower);
}

bool IsAbbreviation(std::string_view word) {
  static const WordSet* const kSet = NewSet(kAbbreviations);
  return kSet->contains(word);
}

bool IsTitleAbbreviation(std::string_view word_with_period) {
  static const WordSet* const kSet = NewSet(kTitleAbbreviations);
  return kSet->contains(word_with_period);
}

TitleRole TitleRoleOf(std::string_view capitalized) {
  static const WordSet* const kHeads = NewSet(kTitleHeads);
  static const WordSet* const kModifiers = NewSet(kTitleModifiers);
  if (kHeads->contains(capitalized)) return TitleRole::kHead;
  if (kModifiers->contains(capitalized)) return TitleRole::kModifier;
  return TitleRole::kNone;
}

bool IsPersonCueNoun(std::string_view lower) {
  static const WordSet* const kSet = NewSet(kPersonCueNouns);
  return kSet->contains(lower);
}

bool IsSpeechVerb(std::string_view lower) {
  static const WordSet* const kSet = NewSet(kSpeechVerbs);
  return kSet->contains(lower);
}

bool IsOrgHeadCapitalized(std::string_view capitalized) {
  static const WordSet* const kSet = NewSet(kOrgHeads);
  return kSet->contains(capitalized);
}

bool IsEventHeadCapitalized(std::string_view capitalized) {
  static const WordSet* const kSet = NewSet(kEventHeads);
  return kSet->contains(capitalized);
}

bool IsLocHeadCapitalized(std::string_view capitalized) {
  static const WordSet* const kSet = NewSet(kLocHeads);
  return kSet->contains(capitalized);
}

bool IsLocPrefixCapitalized(std::string_view capitalized) {
  static const WordSet* const kSet = NewSet(kLocPrefixes);
  return kSet->contains(capitalized);
}

bool TakesOfComplement(std::string_view capitalized) {
  static const WordSet* const kSet = NewSet(kOfComplementHeads);
  return kSet->contains(capitalized) ||
         TitleRoleOf(capitalized) == TitleRole::kHead;
}

bool IsNameParticle(std::string_view lower) {
  static const WordSet* const kSet = NewSet(kNameParticles);
  return kSet->contains(lower);
}

bool IsGenericCapitalized(std::string_view lower) {
  static const WordSet* const kSet = NewSet(kGenericCapitalized);
  return kSet->contains(lower);
}

bool IsNonEntityAcronym(std::string_view word) {
  static const WordSet* const kSet = NewSet(kNonEntityAcronyms);
  return kSet->contains(word);
}

bool IsGivenName(std::string_view capitalized) {
  static const WordSet* const kSet = NewSet(kGivenNames);
  return kSet->contains(capitalized);
}

bool IsPlaceNoun(std::string_view lower) {
  static const WordSet* const kSet = NewSet(kPlaceNouns);
  return kSet->contains(lower);
}

bool IsMotionWord(std::string_view lower) {
  static const WordSet* const kSet = NewSet(kMotionWords);
  return kSet->contains(lower);
}

}  // namespace tag
}  // namespace newsflow
