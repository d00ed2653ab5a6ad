// Keeps or drops articles by rules on their fields.
//
// A rule is a map with a field and one operator:
//
//   {field: language, equals: en}
//   {field: title, matches: "(?i)ceasefire"}     RE2 syntax, searches
//   {field: keywords, contains: oil}
//   {field: source, in: [wire, files]}
//   {field: entities.canonical, equals: "Muammar Gaddafi"}
//   {field: metadata.word_count, equals: "0"}
//
// Text fields hold one value (an absent metadata key holds none); list
// fields (keywords, warnings, entities.*) hold one value per element, and a
// rule matches when any value passes. `equals` and `in` compare exactly;
// `matches` searches with RE2; `contains` tests membership for list fields
// and substring for text fields.
//
// An article is kept when it matches any keep rule (or there are none) and
// no drop rule.
#ifndef NEWSFLOW_PLUGINS_FILTER_ARTICLE_FILTER_H_
#define NEWSFLOW_PLUGINS_FILTER_ARTICLE_FILTER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "google/protobuf/struct.pb.h"
#include "newsflow/v1/article.pb.h"

namespace re2 {
class RE2;
}  // namespace re2

namespace newsflow::plugins::filter {

// The article fields rules may name, for error messages and help text.
std::string FieldNames();

class FilterRule {
 public:
  // Parses one rule. `where` names it in errors, e.g. "keep[2]".
  static absl::StatusOr<FilterRule> Parse(const google::protobuf::Value& rule,
                                          const std::string& where);

  bool Matches(const v1::Article& article) const;

  // The number of the top-level Article field its values come from
  // (entities.* and metadata.* name one field each).
  int field_number() const { return field_number_; }

  // The rule as written, for logs: "title matches \"(?i)ceasefire\"".
  const std::string& description() const { return description_; }

  enum class Field {
    kId,
    kSource,
    kUrl,
    kTitle,
    kBody,
    kPublishedAt,
    kLanguage,
    kStoryId,
    kIngestedAt,
    kFormat,
    kDateline,
    kByline,
    kKeywords,
    kWarnings,
    kEntityText,
    kEntityType,
    kEntityCanonical,
    kEntityCanonicalId,
    kEntityAliases,
    kMetadata,
  };
  enum class Operator { kEquals, kMatches, kContains, kIn };

 private:
  FilterRule() = default;

  bool Passes(const std::string& value) const;

  Field field_ = Field::kId;
  bool list_field_ = false;
  int field_number_ = 0;
  std::string metadata_key_;
  Operator operator_ = Operator::kEquals;
  std::string operand_;
  absl::flat_hash_set<std::string> operands_;  // for `in`
  std::shared_ptr<const re2::RE2> regex_;      // for `matches`
  std::string description_;
};

// Why Decide() kept or dropped an article.
struct Decision {
  bool keep = true;
  // Index of the drop rule that dropped the article; -1 when it was kept
  // or dropped for matching no keep rule.
  int drop_rule = -1;
};

class ArticleFilter {
 public:
  // Builds a filter from the `keep` and `drop` option values, each null or a
  // list of rule maps. Errors name the rule: "drop[1]: unknown field ...".
  static absl::StatusOr<ArticleFilter> Create(
      const google::protobuf::Value& keep, const google::protobuf::Value& drop);

  // Decide() reads only these top-level Article fields (by number, each
  // once), so a stage may parse just these.
  std::vector<int> FieldsRead() const;

  Decision Decide(const v1::Article& article) const;

  const std::vector<FilterRule>& keep_rules() const { return keep_; }
  const std::vector<FilterRule>& drop_rules() const { return drop_; }

 private:
  std::vector<FilterRule> keep_;
  std::vector<FilterRule> drop_;
};

}  // namespace newsflow::plugins::filter

#endif  // NEWSFLOW_PLUGINS_FILTER_ARTICLE_FILTER_H_
