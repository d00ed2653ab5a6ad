#include "plugins/filter/article_filter.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "re2/re2.h"

namespace newsflow::plugins::filter {
namespace {

using google::protobuf::Value;
using Field = FilterRule::Field;
using Operator = FilterRule::Operator;

struct NamedField {
  const char* name;
  Field field;
  bool list;
  int number;  // of the top-level Article field the values come from
};

using v1::Article;
constexpr NamedField kFields[] = {
    {"id", Field::kId, false, Article::kIdFieldNumber},
    {"source", Field::kSource, false, Article::kSourceFieldNumber},
    {"url", Field::kUrl, false, Article::kUrlFieldNumber},
    {"title", Field::kTitle, false, Article::kTitleFieldNumber},
    {"body", Field::kBody, false, Article::kBodyFieldNumber},
    {"published_at", Field::kPublishedAt, false,
     Article::kPublishedAtFieldNumber},
    {"language", Field::kLanguage, false, Article::kLanguageFieldNumber},
    {"story_id", Field::kStoryId, false, Article::kStoryIdFieldNumber},
    {"ingested_at", Field::kIngestedAt, false, Article::kIngestedAtFieldNumber},
    {"format", Field::kFormat, false, Article::kFormatFieldNumber},
    {"dateline", Field::kDateline, false, Article::kDatelineFieldNumber},
    {"byline", Field::kByline, false, Article::kBylineFieldNumber},
    {"keywords", Field::kKeywords, true, Article::kKeywordsFieldNumber},
    {"warnings", Field::kWarnings, true, Article::kWarningsFieldNumber},
    {"entities.text", Field::kEntityText, true, Article::kEntitiesFieldNumber},
    {"entities.type", Field::kEntityType, true, Article::kEntitiesFieldNumber},
    {"entities.canonical", Field::kEntityCanonical, true,
     Article::kEntitiesFieldNumber},
    {"entities.canonical_id", Field::kEntityCanonicalId, true,
     Article::kEntitiesFieldNumber},
    {"entities.aliases", Field::kEntityAliases, true,
     Article::kEntitiesFieldNumber},
};

constexpr char kMetadataPrefix[] = "metadata.";

struct NamedOperator {
  const char* name;
  Operator op;
};

constexpr NamedOperator kOperators[] = {
    {"equals", Operator::kEquals},
    {"matches", Operator::kMatches},
    {"contains", Operator::kContains},
    {"in", Operator::kIn},
};

constexpr char kOperatorNames[] = "equals, matches, contains, in";

const char* KindName(const Value& value) {
  switch (value.kind_case()) {
    case Value::kNullValue:
    case Value::KIND_NOT_SET:
      return "nothing";
    case Value::kNumberValue:
      return "a number";
    case Value::kStringValue:
      return "a string";
    case Value::kBoolValue:
      return "a boolean";
    case Value::kStructValue:
      return "a map";
    case Value::kListValue:
      return "a list";
  }
  return "an unknown value";
}

// The text a scalar operand stands for. Numbers are accepted (2024 means
// "2024"); booleans are refused because YAML reads an unquoted no, off or
// yes as one, which is rarely what a rule on text means.
absl::StatusOr<std::string> OperandText(const Value& value,
                                        const std::string& where,
                                        const std::string& op) {
  switch (value.kind_case()) {
    case Value::kStringValue:
      return value.string_value();
    case Value::kNumberValue: {
      double number = value.number_value();
      if (std::trunc(number) == number && std::fabs(number) < 1e15) {
        return absl::StrCat(static_cast<int64_t>(number));
      }
      return absl::StrCat(number);
    }
    case Value::kBoolValue:
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": '", op, "' got the boolean ",
          value.bool_value() ? "true" : "false",
          "; YAML reads unquoted yes/no/on/off/true/false as booleans, so "
          "quote the text you mean, e.g. \"no\""));
    default:
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": '", op, "' needs a text value, got ", KindName(value)));
  }
}

// Calls `passes` on each value of `field`; true as soon as one passes.
template <typename Predicate>
bool AnyValue(const v1::Article& article, Field field,
              const std::string& metadata_key, const Predicate& passes) {
  auto any_entity = [&](auto value_of) {
    for (const auto& entity : article.entities()) {
      if (passes(value_of(entity))) return true;
    }
    return false;
  };
  auto any_of = [&](const auto& values) {
    for (const std::string& value : values) {
      if (passes(value)) return true;
    }
    return false;
  };
  switch (field) {
    case Field::kId:
      return passes(article.id());
    case Field::kSource:
      return passes(article.source());
    case Field::kUrl:
      return passes(article.url());
    case Field::kTitle:
      return passes(article.title());
    case Field::kBody:
      return passes(article.body());
    case Field::kPublishedAt:
      return passes(article.published_at());
    case Field::kLanguage:
      return passes(article.language());
    case Field::kStoryId:
      return passes(article.story_id());
    case Field::kIngestedAt:
      return passes(article.ingested_at());
    case Field::kFormat:
      return passes(article.format());
    case Field::kDateline:
      return passes(article.dateline());
    case Field::kByline:
      return passes(article.byline());
    case Field::kKeywords:
      return any_of(article.keywords());
    case Field::kWarnings:
      return any_of(article.warnings());
    case Field::kEntityText:
      return any_entity(
          [](const v1::Entity& e) -> const std::string& { return e.text(); });
    case Field::kEntityType:
      return any_entity([](const v1::Entity& e) -> const std::string& {
        return v1::EntityType_Name(e.type());
      });
    case Field::kEntityCanonical:
      return any_entity([](const v1::Entity& e) -> const std::string& {
        return e.canonical();
      });
    case Field::kEntityCanonicalId:
      return any_entity([](const v1::Entity& e) -> const std::string& {
        return e.canonical_id();
      });
    case Field::kEntityAliases:
      for (const auto& entity : article.entities()) {
        if (any_of(entity.aliases())) return true;
      }
      return false;
    case Field::kMetadata: {
      auto it = article.metadata().find(metadata_key);
      return it != article.metadata().end() && passes(it->second);
    }
  }
  return false;
}

absl::StatusOr<std::vector<FilterRule>> ParseRules(const Value& rules,
                                                   const std::string& option) {
  std::vector<FilterRule> parsed;
  if (rules.kind_case() == Value::kNullValue ||
      rules.kind_case() == Value::KIND_NOT_SET) {
    return parsed;
  }
  if (rules.kind_case() != Value::kListValue) {
    return absl::InvalidArgumentError(absl::StrCat(
        option,
        ": expected a list of rules like [{field: language, equals: "
        "en}], got ",
        KindName(rules)));
  }
  for (int i = 0; i < rules.list_value().values_size(); ++i) {
    absl::StatusOr<FilterRule> rule = FilterRule::Parse(
        rules.list_value().values(i), absl::StrCat(option, "[", i, "]"));
    if (!rule.ok()) return rule.status();
    parsed.push_back(*std::move(rule));
  }
  return parsed;
}

}  // namespace

std::string FieldNames() {
  std::vector<std::string> names;
  for (const auto& field : kFields) names.push_back(field.name);
  names.push_back("metadata.KEY");
  return absl::StrJoin(names, ", ");
}

absl::StatusOr<FilterRule> FilterRule::Parse(const Value& rule,
                                             const std::string& where) {
  if (rule.kind_case() != Value::kStructValue) {
    return absl::InvalidArgumentError(
        absl::StrCat(where,
                     ": expected a map like {field: language, equals: "
                     "en}, got ",
                     KindName(rule)));
  }
  const auto& entries = rule.struct_value().fields();
  // Sorted, so the first problem reported does not depend on hash order.
  std::vector<std::string> keys;
  for (const auto& [key, value] : entries) keys.push_back(key);
  std::sort(keys.begin(), keys.end());

  FilterRule parsed;
  auto field_entry = entries.find("field");
  if (field_entry == entries.end()) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": needs 'field' (one of ", FieldNames(), ")"));
  }
  if (field_entry->second.kind_case() != Value::kStringValue) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": 'field' must be a field name, got ",
                     KindName(field_entry->second)));
  }
  const std::string& field_name = field_entry->second.string_value();
  bool known_field = false;
  for (const auto& field : kFields) {
    if (field_name == field.name) {
      parsed.field_ = field.field;
      parsed.list_field_ = field.list;
      parsed.field_number_ = field.number;
      known_field = true;
    }
  }
  if (!known_field && absl::StartsWith(field_name, kMetadataPrefix) &&
      field_name.size() > sizeof(kMetadataPrefix) - 1) {
    parsed.field_ = Field::kMetadata;
    parsed.field_number_ = Article::kMetadataFieldNumber;
    parsed.metadata_key_ = field_name.substr(sizeof(kMetadataPrefix) - 1);
    known_field = true;
  }
  if (!known_field) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": unknown field '", field_name,
                     "' (fields: ", FieldNames(), ")"));
  }

  std::string operator_name;
  for (const std::string& key : keys) {
    if (key == "field") continue;
    const NamedOperator* found = nullptr;
    for (const auto& op : kOperators) {
      if (key == op.name) found = &op;
    }
    if (found == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": unknown operator '", key,
                       "' (operators: ", kOperatorNames, ")"));
    }
    if (!operator_name.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": has both '", operator_name, "' and '", key,
                       "'; write one operator per rule"));
    }
    operator_name = key;
    parsed.operator_ = found->op;
  }
  if (operator_name.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": needs an operator (", kOperatorNames, ")"));
  }

  const Value& operand = entries.at(operator_name);
  if (parsed.operator_ == Operator::kIn) {
    if (operand.kind_case() != Value::kListValue ||
        operand.list_value().values_size() == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": 'in' needs a non-empty list like [a, b], got ",
                       KindName(operand)));
    }
    std::vector<std::string> texts;
    for (const Value& item : operand.list_value().values()) {
      absl::StatusOr<std::string> text = OperandText(item, where, "in");
      if (!text.ok()) return text.status();
      parsed.operands_.insert(*text);
      texts.push_back(*std::move(text));
    }
    parsed.description_ =
        absl::StrCat(field_name, " in [", absl::StrJoin(texts, ", "), "]");
    return parsed;
  }
  absl::StatusOr<std::string> text = OperandText(operand, where, operator_name);
  if (!text.ok()) return text.status();
  parsed.operand_ = *std::move(text);
  parsed.description_ = absl::StrCat(field_name, " ", operator_name, " \"",
                                     parsed.operand_, "\"");
  if (parsed.operator_ == Operator::kMatches) {
    RE2::Options options;
    options.set_log_errors(false);
    auto regex = std::make_shared<const RE2>(parsed.operand_, options);
    if (!regex->ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": invalid regular expression '", parsed.operand_,
                       "': ", regex->error()));
    }
    parsed.regex_ = std::move(regex);
  }
  return parsed;
}

bool FilterRule::Passes(const std::string& value) const {
  switch (operator_) {
    case Operator::kEquals:
      return value == operand_;
    case Operator::kMatches:
      return RE2::PartialMatch(value, *regex_);
    case Operator::kContains:
      return list_field_ ? value == operand_
                         : absl::StrContains(value, operand_);
    case Operator::kIn:
      return operands_.contains(value);
  }
  return false;
}

bool FilterRule::Matches(const v1::Article& article) const {
  return AnyValue(article, field_, metadata_key_,
                  [this](const std::string& value) { return Passes(value); });
}

absl::StatusOr<ArticleFilter> ArticleFilter::Create(const Value& keep,
                                                    const Value& drop) {
  ArticleFilter filter;
  absl::StatusOr<std::vector<FilterRule>> keep_rules = ParseRules(keep, "keep");
  if (!keep_rules.ok()) return keep_rules.status();
  absl::StatusOr<std::vector<FilterRule>> drop_rules = ParseRules(drop, "drop");
  if (!drop_rules.ok()) return drop_rules.status();
  filter.keep_ = *std::move(keep_rules);
  filter.drop_ = *std::move(drop_rules);
  return filter;
}

std::vector<int> ArticleFilter::FieldsRead() const {
  std::vector<int> fields;
  for (const auto* rules : {&keep_, &drop_}) {
    for (const FilterRule& rule : *rules) {
      if (std::find(fields.begin(), fields.end(), rule.field_number()) ==
          fields.end()) {
        fields.push_back(rule.field_number());
      }
    }
  }
  return fields;
}

Decision ArticleFilter::Decide(const v1::Article& article) const {
  if (!keep_.empty() &&
      std::none_of(keep_.begin(), keep_.end(), [&](const FilterRule& rule) {
        return rule.Matches(article);
      })) {
    return Decision{false, -1};
  }
  for (size_t i = 0; i < drop_.size(); ++i) {
    if (drop_[i].Matches(article)) return Decision{false, static_cast<int>(i)};
  }
  return Decision{true, -1};
}

}  // namespace newsflow::plugins::filter
