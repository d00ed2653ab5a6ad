#include "stages/clean/clean_stage.h"

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "clean_options.pb.h"
#include "newsflow/stage.h"
#include "stages/clean/cleaner.h"
#include "stages/clean/line_stats.h"
#include "stages/clean/vocabulary.h"

namespace newsflow {
namespace {

constexpr int kDefaultStateSaveEvery = 500;

// Everything the stage needs, resolved from its options proto.
struct CleanSettings {
  clean::CleanerOptions cleaner;
  clean::LineStatsLimits limits;
  std::string state_path;
  int state_save_every = kDefaultStateSaveEvery;
};

absl::Status Invalid(std::string_view option, std::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(
      "invalid options: ", std::string(option), " ", std::string(problem)));
}

absl::StatusOr<int> Positive(std::string_view option, int32_t value) {
  if (value < 1) {
    return Invalid(option, absl::StrCat("must be >= 1, got ", value));
  }
  return value;
}

absl::StatusOr<clean::QuotePolicy> ParseQuotePolicy(const std::string& name) {
  if (name == "keep") return clean::QuotePolicy::kKeep;
  if (name == "ascii") return clean::QuotePolicy::kAscii;
  if (name == "typographic") return clean::QuotePolicy::kTypographic;
  if (name == "as-written") return clean::QuotePolicy::kAsWritten;
  return Invalid("quotes", absl::StrCat("must be keep, ascii, typographic or "
                                        "as-written, got \"",
                                        name, "\""));
}

// "Z", "+05:30", "-0400", "+3" -> minutes east of UTC.
absl::StatusOr<std::optional<int>> ParseUtcOffset(const std::string& text) {
  if (text.empty()) return std::optional<int>();
  if (text == "Z" || text == "z" || text == "UTC" || text == "GMT") {
    return std::optional<int>(0);
  }
  auto bad = [&] {
    return Invalid(
        "default_utc_offset",
        absl::StrCat("must look like +05:30, -04:00 or Z, got \"", text, "\""));
  };
  if (text.size() < 2 || (text[0] != '+' && text[0] != '-')) return bad();
  std::string digits = text.substr(1);
  std::string hours_text = digits;
  std::string minutes_text = "0";
  if (size_t colon = digits.find(':'); colon != std::string::npos) {
    hours_text = digits.substr(0, colon);
    minutes_text = digits.substr(colon + 1);
  } else if (digits.size() == 4) {
    hours_text = digits.substr(0, 2);
    minutes_text = digits.substr(2);
  }
  int hours = 0, minutes = 0;
  if (hours_text.empty() || hours_text.size() > 2 ||
      !absl::SimpleAtoi(hours_text, &hours) ||
      !absl::SimpleAtoi(minutes_text, &minutes) || hours > 14 || minutes < 0 ||
      minutes > 59) {
    return bad();
  }
  int total = hours * 60 + minutes;
  return std::optional<int>(text[0] == '-' ? -total : total);
}

absl::StatusOr<CleanSettings> ResolveSettings(
    const stages::clean::CleanOptions& proto) {
  CleanSettings settings;
  clean::CleanerOptions& options = settings.cleaner;
  if (proto.has_normalize_unicode()) {
    options.normalize_unicode = proto.normalize_unicode();
  }
  if (proto.has_decode_entities()) {
    options.decode_entities = proto.decode_entities();
  }
  if (proto.has_repair_mojibake()) {
    options.repair_mojibake = proto.repair_mojibake();
  }
  if (proto.has_quotes()) {
    absl::StatusOr<clean::QuotePolicy> quotes =
        ParseQuotePolicy(proto.quotes());
    if (!quotes.ok()) return quotes.status();
    options.quotes = *quotes;
  }
  if (proto.has_join_hyphenation()) {
    options.join_hyphenation = proto.join_hyphenation();
  }
  if (proto.has_vocabulary_path() && !proto.vocabulary_path().empty()) {
    auto vocabulary = clean::Vocabulary::Load(proto.vocabulary_path());
    if (!vocabulary.ok()) {
      return Invalid("vocabulary_path",
                     std::string(vocabulary.status().message()));
    }
    options.vocabulary = *std::move(vocabulary);
  }
  if (proto.has_extract_facts()) options.extract_facts = proto.extract_facts();
  if (proto.has_strip_dateline()) {
    options.strip_dateline = proto.strip_dateline();
  }
  if (proto.has_default_utc_offset()) {
    auto offset = ParseUtcOffset(proto.default_utc_offset());
    if (!offset.ok()) return offset.status();
    options.default_utc_offset_minutes = *offset;
  }
  if (proto.has_remove_boilerplate()) {
    options.remove_boilerplate = proto.remove_boilerplate();
  }
  if (proto.has_min_body_line_words()) {
    if (proto.min_body_line_words() < 0) {
      return Invalid(
          "min_body_line_words",
          absl::StrCat("must be >= 0, got ", proto.min_body_line_words()));
    }
    options.min_body_line_words = proto.min_body_line_words();
  }
  if (proto.has_repeated_line_min_articles()) {
    int value = proto.repeated_line_min_articles();
    if (value < 0 || value == 1) {
      return Invalid("repeated_line_min_articles",
                     absl::StrCat("must be 0 (off) or >= 2, got ", value));
    }
    options.repeated_line_min_articles = value;
  }
  if (proto.has_fix_title()) options.fix_title = proto.fix_title();
  if (proto.has_keep_removed()) options.keep_removed = proto.keep_removed();
  if (proto.has_state_path()) settings.state_path = proto.state_path();
  if (proto.has_state_save_every()) {
    auto value = Positive("state_save_every", proto.state_save_every());
    if (!value.ok()) return value.status();
    settings.state_save_every = *value;
  }
  if (proto.has_max_sources()) {
    auto value = Positive("max_sources", proto.max_sources());
    if (!value.ok()) return value.status();
    settings.limits.max_sources = *value;
  }
  if (proto.has_max_lines_per_source()) {
    auto value = Positive("max_lines_per_source", proto.max_lines_per_source());
    if (!value.ok()) return value.status();
    settings.limits.max_lines_per_source = *value;
  }
  return settings;
}

// Adapts clean::CleanArticle to the stage SDK: one article in, one out.
// Owns the learned line statistics and saves them to `state_path` every
// `state_save_every` articles and on Flush.
class CleanStage : public Stage {
 public:
  static absl::StatusOr<std::unique_ptr<Stage>> Create(
      std::string_view options_json, StageContext context) {
    stages::clean::CleanOptions proto;
    if (auto status = ParseStageOptions(options_json, &proto); !status.ok()) {
      return status;
    }
    absl::StatusOr<CleanSettings> settings = ResolveSettings(proto);
    if (!settings.ok()) return settings.status();
    std::unique_ptr<clean::LineStats> line_stats;
    if (settings->cleaner.remove_boilerplate &&
        settings->cleaner.repeated_line_min_articles > 0) {
      line_stats = std::make_unique<clean::LineStats>(settings->limits);
      if (!settings->state_path.empty()) {
        if (absl::Status status = line_stats->Load(settings->state_path);
            !status.ok()) {
          return status;
        }
      }
    }
    return std::unique_ptr<Stage>(
        new CleanStage(context, *std::move(settings), std::move(line_stats)));
  }

  absl::Status Process(v1::Article article) override {
    if (absl::Status status =
            clean::CleanArticle(settings_.cleaner, &article, line_stats_.get());
        !status.ok()) {
      return status;
    }
    if (++since_save_ >= settings_.state_save_every) {
      if (absl::Status status = SaveState(); !status.ok()) {
        // The article is fine; the next save may succeed.
        context().Warn(std::string(status.message()));
      }
    }
    return context().Emit(article);
  }

  absl::Status Flush() override { return SaveState(); }

 private:
  CleanStage(StageContext context, CleanSettings settings,
             std::unique_ptr<clean::LineStats> line_stats)
      : Stage(context),
        settings_(std::move(settings)),
        line_stats_(std::move(line_stats)) {}

  absl::Status SaveState() {
    since_save_ = 0;
    if (line_stats_ == nullptr || settings_.state_path.empty() ||
        !line_stats_->dirty()) {
      return absl::OkStatus();
    }
    return line_stats_->Save(settings_.state_path);
  }

  const CleanSettings settings_;
  std::unique_ptr<clean::LineStats> line_stats_;
  int since_save_ = 0;
};

constexpr nf_option_spec kOptions[] = {
    {"normalize_unicode", NF_OPTION_BOOL, "true",
     "Apply Unicode NFC, turn no-break and other Unicode spaces into spaces, "
     "and drop zero-width characters and soft hyphens. Line endings, tabs, "
     "space runs and blank lines are always normalized."},
    {"join_hyphenation", NF_OPTION_BOOL, "true",
     "Rejoin words split by print hyphenation: the word list decides, so "
     "\"Secu- rity\" -> \"Security\" but \"well- known\" -> \"well-known\"."},
    {"remove_boilerplate", NF_OPTION_BOOL, "true",
     "Remove site chrome from the body: calls to action, newsletter and "
     "sign-in promotions, copyright and agency credits, photo captions, "
     "comment counters, link labels, very short fragments, and lines the "
     "source repeats across articles (see repeated_line_min_articles)."},
    {"fix_title", NF_OPTION_BOOL, "true",
     "When the title is a section label (\"World & Nation\"), chrome, a "
     "date stamp or empty, move it to removed and promote the first "
     "headline-shaped paragraph."},
    {"min_body_line_words", NF_OPTION_INT, "3",
     "Body lines with fewer words than this and no sentence punctuation are "
     "removed as short-line before the first or after the last sentence; "
     "0 keeps them."},
    {"keep_removed", NF_OPTION_BOOL, "true",
     "Record every removed line and the reason in the article's removed "
     "list, for auditing (newsflow export shows them)."},
    {"decode_entities", NF_OPTION_BOOL, "true",
     "Decode HTML character references left in the text (\"&amp;\", "
     "\"&#8217;\", \"&eacute;\"), including doubly escaped ones."},
    {"repair_mojibake", NF_OPTION_BOOL, "true",
     "Reverse UTF-8 that was read as Windows-1252 (\"â€™\" -> \"’\", "
     "\"Ã©\" -> \"é\") when the result is plausible text; adds a warning."},
    {"quotes", NF_OPTION_STRING, "\"keep\"",
     "Quotation marks: keep (the article's majority style, applied to its "
     "stray marks too), ascii (\" and '), typographic (curly, placed by "
     "context) or as-written (untouched)."},
    {"extract_facts", NF_OPTION_BOOL, "true",
     "Read the stated publication time into published_at (RFC 3339; the "
     "first date, not an \"Updated\" one, which goes to "
     "metadata.updated_at), the dateline city, the byline and credits "
     "(agencies, copyright, photo credits); stamp lines holding only such "
     "facts leave the body. Fields already set are kept."},
    {"strip_dateline", NF_OPTION_BOOL, "false",
     "Also cut the dateline (\"TRIPOLI - \") from the paragraph it opens, "
     "recording it in removed; by default the paragraph keeps it."},
    {"default_utc_offset", NF_OPTION_STRING, "\"\"",
     "UTC offset (\"+05:30\", \"-04:00\", \"Z\") for stated times that "
     "name no time zone; empty: such a time gives its date only."},
    {"vocabulary_path", NF_OPTION_PATH, "\"\"",
     "Word list deciding print hyphenation, one \"word<TAB>count\" or "
     "\"word\" per line (e.g. /usr/share/dict/words); empty: the built-in "
     "English list made from news corpora (stages/clean/data)."},
    {"repeated_line_min_articles", NF_OPTION_INT, "3",
     "A line seen in this many distinct articles of the same source (URL "
     "host, else source name), and in at least a fifth of the source's "
     "articles since it first appeared, is chrome: lines without sentence "
     "punctuation go anywhere, sentences only from the top or bottom run of "
     "chrome. 0 turns learning off."},
    {"state_path", NF_OPTION_PATH, "\"\"",
     "File that keeps the learned line statistics across restarts, written "
     "atomically on flush and every state_save_every articles; empty: "
     "learn in memory only. Replicas sharing the file: last save wins."},
    {"state_save_every", NF_OPTION_INT, "500",
     "Articles between two saves of state_path (it is also saved on every "
     "flush)."},
    {"max_sources", NF_OPTION_INT, "64",
     "Sources whose lines are counted at most; the least recently seen "
     "source is forgotten first."},
    {"max_lines_per_source", NF_OPTION_INT, "8192",
     "Lines counted per source at most; when full, the lines seen in the "
     "fewest articles are forgotten first, so chrome stays."},
};

}  // namespace

const nf_stage_type kCleanStageType = MakeStageType<CleanStage>(
    "clean",
    "Repairs text (entities, mojibake, Unicode, quotes, print hyphenation), "
    "removes site boilerplate (by line features and by what the source "
    "repeats), finds the real headline and reads the publication time, "
    "dateline, byline and credits.",
    NF_STAGE_TRANSFORM, kOptions, sizeof(kOptions) / sizeof(kOptions[0]));

}  // namespace newsflow
