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

// Everything the stage needs, resolved from its options proto.
struct CleanSettings {
  clean::CleanerOptions cleaner;
  clean::LineStatsLimits limits;
  std::string state_path;
  int state_save_every = 0;
};

absl::Status Invalid(std::string_view option, std::string_view problem) {
  return OptionError(std::string(option), std::string(problem));
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

// Defaults and ranges were applied when the options were parsed
// (clean_options.proto); what is left are rules a range cannot say.
absl::StatusOr<CleanSettings> ResolveSettings(
    const stages::clean::CleanOptions& proto) {
  CleanSettings settings;
  clean::CleanerOptions& options = settings.cleaner;
  options.normalize_unicode = proto.normalize_unicode();
  options.decode_entities = proto.decode_entities();
  options.repair_mojibake = proto.repair_mojibake();
  absl::StatusOr<clean::QuotePolicy> quotes = ParseQuotePolicy(proto.quotes());
  if (!quotes.ok()) return quotes.status();
  options.quotes = *quotes;
  options.join_hyphenation = proto.join_hyphenation();
  if (!proto.vocabulary_path().empty()) {
    auto vocabulary = clean::Vocabulary::Load(proto.vocabulary_path());
    if (!vocabulary.ok()) {
      return Invalid("vocabulary_path",
                     std::string(vocabulary.status().message()));
    }
    options.vocabulary = *std::move(vocabulary);
  }
  options.extract_facts = proto.extract_facts();
  options.strip_dateline = proto.strip_dateline();
  auto offset = ParseUtcOffset(proto.default_utc_offset());
  if (!offset.ok()) return offset.status();
  options.default_utc_offset_minutes = *offset;
  options.remove_boilerplate = proto.remove_boilerplate();
  options.min_body_line_words = proto.min_body_line_words();
  if (proto.repeated_line_min_articles() == 1) {
    return Invalid("repeated_line_min_articles",
                   "must be 0 (off) or at least 2, got 1");
  }
  options.repeated_line_min_articles = proto.repeated_line_min_articles();
  options.learned_chrome_threshold = proto.learned_chrome_threshold();
  options.fix_title = proto.fix_title();
  options.keep_removed = proto.keep_removed();
  settings.state_path = proto.state_path();
  settings.state_save_every = proto.state_save_every();
  settings.limits.max_sources = proto.max_sources();
  settings.limits.max_lines_per_source = proto.max_lines_per_source();
  return settings;
}

// Adapts clean::CleanArticle to the stage SDK: one article in, one out.
// Owns the learned line statistics and saves them to `state_path` every
// `state_save_every` articles and on Flush.
class CleanStage : public Stage {
 public:
  using Options = stages::clean::CleanOptions;

  static std::vector<OptionProblem> ValidateOptions(const Options& options) {
    absl::StatusOr<CleanSettings> settings = ResolveSettings(options);
    if (settings.ok()) return {};
    return {OptionProblemOf(settings.status())};
  }

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

}  // namespace

const nf_stage_type kCleanStageType = MakeStageType<CleanStage>(
    "clean",
    "Repairs text (entities, mojibake, Unicode, quotes, print hyphenation), "
    "removes site boilerplate (by line features and by what the source "
    "repeats), finds the real headline and reads the publication time, "
    "dateline, byline and credits.",
    NF_STAGE_TRANSFORM);

}  // namespace newsflow
