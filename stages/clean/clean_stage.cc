#include "stages/clean/clean_stage.h"

#include <memory>
#include <string_view>
#include <utility>

#include "absl/strings/str_cat.h"
#include "clean_options.pb.h"
#include "newsflow/stage.h"
#include "stages/clean/cleaner.h"

namespace newsflow {
namespace {

absl::StatusOr<clean::CleanerOptions> ToCleanerOptions(
    const stages::clean::CleanOptions& proto) {
  clean::CleanerOptions options;
  if (proto.has_normalize_unicode()) {
    options.normalize_unicode = proto.normalize_unicode();
  }
  if (proto.has_join_hyphenation()) {
    options.join_hyphenation = proto.join_hyphenation();
  }
  if (proto.has_remove_boilerplate()) {
    options.remove_boilerplate = proto.remove_boilerplate();
  }
  if (proto.has_fix_title()) options.fix_title = proto.fix_title();
  if (proto.has_min_body_line_words()) {
    if (proto.min_body_line_words() < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid options: min_body_line_words must be >= 0, "
                       "got ",
                       proto.min_body_line_words()));
    }
    options.min_body_line_words = proto.min_body_line_words();
  }
  if (proto.has_keep_removed()) options.keep_removed = proto.keep_removed();
  return options;
}

// Adapts clean::CleanArticle to the stage SDK: one article in, one out.
class CleanStage : public Stage {
 public:
  static absl::StatusOr<std::unique_ptr<Stage>> Create(
      std::string_view options_json, StageContext context) {
    stages::clean::CleanOptions proto;
    if (auto status = ParseStageOptions(options_json, &proto); !status.ok()) {
      return status;
    }
    absl::StatusOr<clean::CleanerOptions> options = ToCleanerOptions(proto);
    if (!options.ok()) return options.status();
    return std::unique_ptr<Stage>(new CleanStage(context, *options));
  }

  absl::Status Process(v1::Article article) override {
    if (absl::Status status = clean::CleanArticle(options_, &article);
        !status.ok()) {
      return status;
    }
    return context().Emit(article);
  }

 private:
  CleanStage(StageContext context, clean::CleanerOptions options)
      : Stage(context), options_(options) {}

  const clean::CleanerOptions options_;
};

constexpr nf_option_spec kOptions[] = {
    {"normalize_unicode", NF_OPTION_BOOL, "true",
     "Apply Unicode NFC, turn no-break and other Unicode spaces into spaces, "
     "and drop zero-width characters and soft hyphens. Line endings, tabs, "
     "space runs and blank lines are always normalized."},
    {"join_hyphenation", NF_OPTION_BOOL, "true",
     "Rejoin words split by print hyphenation (\"Secu- rity\" -> "
     "\"Security\"); compounds keep their hyphen (\"well- known\" -> "
     "\"well-known\")."},
    {"remove_boilerplate", NF_OPTION_BOOL, "true",
     "Remove site chrome from the body: calls to action, newsletter and "
     "sign-in promotions, copyright and agency credits, photo captions, "
     "comment counters, link labels and very short fragments."},
    {"fix_title", NF_OPTION_BOOL, "true",
     "When the title is a section label (\"World & Nation\"), chrome or "
     "empty, move it to removed and promote the first headline-shaped "
     "paragraph."},
    {"min_body_line_words", NF_OPTION_INT, "3",
     "Body lines with fewer words than this and no sentence punctuation are "
     "removed as short-line; 0 keeps them."},
    {"keep_removed", NF_OPTION_BOOL, "true",
     "Record every removed line and the reason in the article's removed "
     "list, for auditing."},
};

}  // namespace

const nf_stage_type kCleanStageType = MakeStageType<CleanStage>(
    "clean",
    "Repairs text (Unicode, whitespace, print hyphenation), removes site "
    "boilerplate and finds the real headline.",
    NF_STAGE_TRANSFORM, kOptions, sizeof(kOptions) / sizeof(kOptions[0]));

}  // namespace newsflow
