#include "stages/tag/tagger_options.h"

#include "common/install_layout.h"

namespace newsflow {
namespace tag {

TaggerOptions TaggerOptionsFromProto(const stages::tag::TagOptions& proto) {
  TaggerOptions options;
  options.max_keywords = proto.max_keywords();
  options.detect_language = proto.detect_language();
  options.extract_entities = proto.extract_entities();
  options.min_entity_mentions = proto.min_entity_mentions();
  options.ner_model = proto.ner_model();
  options.keyword_df = proto.keyword_df();
  options.state_path = proto.state_path();
  options.assign_stories = proto.assign_stories();
  options.story_window_hours = proto.story_window_hours();
  options.story_threshold = proto.story_threshold();
  options.max_identities = proto.max_identities();
  return options;
}

std::string DefaultKeywordDfPath() {
  return FindShippedFile("models/keyword_df.tsv");
}

}  // namespace tag
}  // namespace newsflow
