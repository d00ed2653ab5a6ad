#include "plugins/filter/filter_stage.h"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "filter_options.pb.h"
#include "newsflow/stage.h"
#include "plugins/filter/article_filter.h"

namespace newsflow::plugins {
namespace {

using filter::ArticleFilter;
using filter::Decision;

class FilterStage : public Stage {
 public:
  using Options = filter::FilterOptions;

  // Beyond the schema: every rule names a known field and operator, and
  // its regex compiles ("keep[1]: unknown field 'headline'").
  static std::vector<OptionProblem> ValidateOptions(const Options& options) {
    absl::StatusOr<ArticleFilter> article_filter =
        ArticleFilter::Create(options.keep(), options.drop());
    if (article_filter.ok()) return {};
    return {OptionProblemOf(article_filter.status())};
  }

  static absl::StatusOr<std::unique_ptr<Stage>> Create(
      std::string_view options_json, StageContext context) {
    filter::FilterOptions options;
    if (absl::Status status = ParseStageOptions(options_json, &options);
        !status.ok()) {
      return status;
    }
    absl::StatusOr<ArticleFilter> article_filter =
        ArticleFilter::Create(options.keep(), options.drop());
    if (!article_filter.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "invalid options: ", std::string(article_filter.status().message())));
    }
    return std::unique_ptr<Stage>(
        new FilterStage(context, *std::move(article_filter)));
  }

  // Parses only the fields the rules read, and passes a kept article on
  // as the bytes it came in.
  absl::Status ProcessInput(ArticleInput& input) override {
    absl::StatusOr<const v1::Article*> article = input.Fields(fields_read_);
    if (!article.ok()) return article.status();
    const Decision decision = filter_.Decide(**article);
    if (decision.keep) {
      ++kept_;
      return context().Forward(input);
    }
    if (decision.drop_rule >= 0) {
      ++dropped_by_rule_[static_cast<size_t>(decision.drop_rule)];
    } else {
      ++dropped_unkept_;
    }
    return absl::OkStatus();
  }

  absl::Status Flush() override {
    int64_t seen = kept_ + dropped_unkept_;
    for (int64_t count : dropped_by_rule_) seen += count;
    if (seen != logged_) {
      context().Log(NF_LOG_DEBUG, Summary(seen));
      logged_ = seen;
    }
    return absl::OkStatus();
  }

 private:
  FilterStage(StageContext context, ArticleFilter article_filter)
      : Stage(context),
        filter_(std::move(article_filter)),
        fields_read_(filter_.FieldsRead()),
        dropped_by_rule_(filter_.drop_rules().size(), 0) {}

  // "kept 7, dropped 3 (1 matched no keep rule; 2 by drop[0] title matches
  // "(?i)ceasefire")"
  std::string Summary(int64_t seen) const {
    std::vector<std::string> reasons;
    if (dropped_unkept_ > 0) {
      reasons.push_back(absl::StrCat(dropped_unkept_, " matched no keep rule"));
    }
    for (size_t i = 0; i < dropped_by_rule_.size(); ++i) {
      if (dropped_by_rule_[i] == 0) continue;
      reasons.push_back(absl::StrCat(dropped_by_rule_[i], " by drop[", i, "] ",
                                     filter_.drop_rules()[i].description()));
    }
    std::string summary =
        absl::StrCat("filter: kept ", kept_, ", dropped ", seen - kept_);
    if (!reasons.empty()) {
      absl::StrAppend(&summary, " (", absl::StrJoin(reasons, "; "), ")");
    }
    return summary;
  }

  const ArticleFilter filter_;
  const std::vector<int> fields_read_;
  int64_t kept_ = 0;
  int64_t dropped_unkept_ = 0;
  std::vector<int64_t> dropped_by_rule_;
  int64_t logged_ = 0;  // articles counted in the last summary
};

}  // namespace

const nf_stage_type kFilterStageType = MakeStageType<FilterStage>(
    "filter",
    "Keeps or drops articles by rules on their fields (language, title "
    "regex, keywords, entities, source, metadata).",
    NF_STAGE_TRANSFORM);

}  // namespace newsflow::plugins
