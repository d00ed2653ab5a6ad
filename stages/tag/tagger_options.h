// The settings of the tag stage and of its two halves, annotate and link
// (annotator.h, tagger.h): one struct, so that a `tag` stage and an
// annotate → link pair given the same options do the same thing.
#ifndef NEWSFLOW_STAGES_TAG_TAGGER_OPTIONS_H_
#define NEWSFLOW_STAGES_TAG_TAGGER_OPTIONS_H_

#include <string>

#include "newsflow/options.h"
#include "tag_options.pb.h"

namespace newsflow {
namespace tag {

// Each default is the tag stage's, declared once in tag_options.proto (help
// and ranges there too), except state_path.
struct TaggerOptions {
  int max_keywords = Defaults().max_keywords();
  bool detect_language = Defaults().detect_language();
  bool extract_entities = Defaults().extract_entities();
  int min_entity_mentions = Defaults().min_entity_mentions();
  // Empty: DefaultNerModelPath().
  std::string ner_model;
  // Empty: DefaultKeywordDfPath(); "none": the stream's counts alone.
  std::string keyword_df;
  // Empty: the state lives in memory only. A library user opts in to a
  // file; the stage's default file is in tag_options.proto.
  std::string state_path;
  bool assign_stories = Defaults().assign_stories();
  double story_window_hours = Defaults().story_window_hours();
  double story_threshold = Defaults().story_threshold();
  int max_identities = Defaults().max_identities();

 private:
  static const stages::tag::TagOptions& Defaults() {
    return DeclaredDefaults<stages::tag::TagOptions>();
  }
};

// The settings of parsed options (ParseStageOptions applied the defaults
// and checked the ranges).
TaggerOptions TaggerOptionsFromProto(const stages::tag::TagOptions& proto);

// The shipped keyword frequencies, models/keyword_df.tsv, found like every
// shipped file (common/install_layout.h: the binary's own installation
// first, then the source tree). Empty when neither has it.
std::string DefaultKeywordDfPath();

}  // namespace tag
}  // namespace newsflow

#endif  // NEWSFLOW_STAGES_TAG_TAGGER_OPTIONS_H_
