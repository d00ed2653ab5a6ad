// Stage options declared once, as a proto message annotated with
// (newsflow.option) (proto/newsflow/options.proto), and everything derived
// from that declaration: the ABI option table, defaults, range checks and
// validation that names the field at fault by its path.
//
//   const OptionSchema& schema = OptionSchemaOf<TagOptions>();
//   TagOptions options;
//   absl::Status parsed = schema.Parse(options_json, &options);  // defaults in
//   std::vector<OptionProblem> problems = schema.Check(options_json);
//
// Header-only, so a plugin gets it from the SDK with nothing to link.
//
// Field paths: "max_keywords", "sources[2].url", "" for the whole object.
// JSON keys are the proto field names (snake_case). A field of type
// google.protobuf.Value, Struct or ListValue accepts any JSON and is left
// to the stage's own checks.
#ifndef NEWSFLOW_OPTIONS_H_
#define NEWSFLOW_OPTIONS_H_

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <deque>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/types/optional.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "newsflow/options.pb.h"
#include "newsflow/stage_plugin.h"

namespace newsflow {

// One problem in a stage's options; see nf_option_problem_fn.
struct OptionProblem {
  std::string field_path;
  std::string message;
};

// "PATH: MESSAGE; PATH: MESSAGE" (a problem without a path: its message).
// The number of single-character edits (insert, delete, replace) that
// turn `a` into `b` (Levenshtein).
inline size_t EditDistance(absl::string_view a, absl::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1,
                         diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// "; did you mean 'NAME'?" for the name among `names` closest to what was
// typed, when it is close (at most 2 edits, and fewer than half the
// letters of the shorter word); "" otherwise. Used for every unknown key,
// stage name and type, so suggestions follow one rule.
inline std::string DidYouMean(absl::string_view typed,
                              const std::vector<std::string>& names) {
  std::string nearest;
  size_t best = 3;
  for (const std::string& name : names) {
    const size_t distance = EditDistance(typed, name);
    const size_t shorter = std::min(typed.size(), name.size());
    if (distance < best && distance * 2 < std::max<size_t>(shorter, 2)) {
      best = distance;
      nearest = name;
    }
  }
  return nearest.empty() ? "" : absl::StrCat("; did you mean '", nearest, "'?");
}

inline std::string FormatOptionProblems(
    const std::vector<OptionProblem>& problems) {
  return absl::StrJoin(problems, "; ",
                       [](std::string* out, const OptionProblem& problem) {
                         if (!problem.field_path.empty()) {
                           absl::StrAppend(out, problem.field_path, ": ");
                         }
                         absl::StrAppend(out, problem.message);
                       });
}

// A stage's own checks (beyond the schema) name the option at fault with
// an error built here: the field path and the bare problem travel as
// payloads, so that OptionProblemOf() recovers them without reading text.
inline constexpr char kFieldPathPayload[] = "type.newsflow/option_field_path";
inline constexpr char kProblemPayload[] = "type.newsflow/option_problem";

// InvalidArgument "invalid options: FIELD_PATH: PROBLEM" (as Parse()
// words its own) carrying both as payloads.
inline absl::Status OptionError(absl::string_view field_path,
                                absl::string_view problem) {
  absl::Status status = absl::InvalidArgumentError(
      absl::StrCat("invalid options: ", field_path, ": ", problem));
  status.SetPayload(kFieldPathPayload, absl::Cord(field_path));
  status.SetPayload(kProblemPayload, absl::Cord(problem));
  return status;
}

// The problem a failed status reports: its field path and bare problem
// when it came from OptionError, else no path and the whole message.
inline OptionProblem OptionProblemOf(const absl::Status& status) {
  absl::optional<absl::Cord> path = status.GetPayload(kFieldPathPayload);
  absl::optional<absl::Cord> problem = status.GetPayload(kProblemPayload);
  if (path.has_value() && problem.has_value()) {
    return {std::string(*path), std::string(*problem)};
  }
  return {"", std::string(status.message())};
}

class OptionSchema {
 public:
  explicit OptionSchema(const google::protobuf::Descriptor* descriptor)
      : descriptor_(descriptor) {
    for (int i = 0; i < descriptor->field_count(); ++i) {
      const google::protobuf::FieldDescriptor* field = descriptor->field(i);
      const OptionSpec& spec = SpecOf(field);
      const std::string& help = strings_.emplace_back(HelpText(field, spec));
      const std::string* default_json = nullptr;
      if (!spec.required()) {
        default_json = &strings_.emplace_back(DefaultJson(field, spec));
      }
      specs_.push_back(nf_option_spec{
          field->name().c_str(), AbiType(field, spec),
          default_json != nullptr ? default_json->c_str() : nullptr,
          help.c_str()});
    }
  }
  OptionSchema(const OptionSchema&) = delete;
  OptionSchema& operator=(const OptionSchema&) = delete;

  // The option table of the stage type (nf_stage_type.options).
  const nf_option_spec* specs() const { return specs_.data(); }
  size_t spec_count() const { return specs_.size(); }
  const google::protobuf::Descriptor* descriptor() const { return descriptor_; }

  // Every problem of `options_json` against the schema: unknown keys (with
  // the nearest known name), wrong JSON types, numbers out of range or not
  // integers, unknown enum names, two members of a oneof, missing required
  // options. Empty when the options parse.
  std::vector<OptionProblem> Check(std::string_view options_json) const {
    std::vector<OptionProblem> problems;
    google::protobuf::Value root;
    if (!ParseJson(options_json, &root, &problems)) return problems;
    WrapSingleValues(descriptor_, &root);
    CheckMessage(root, descriptor_, "", &problems);
    return problems;
  }

  // Parses `options_json` into `options` with every absent option at its
  // declared default. InvalidArgument "invalid options: PATH: MESSAGE; ..."
  // listing every problem of Check().
  absl::Status Parse(std::string_view options_json,
                     google::protobuf::Message* options) const {
    std::vector<OptionProblem> problems;
    google::protobuf::Value root;
    if (ParseJson(options_json, &root, &problems)) {
      WrapSingleValues(descriptor_, &root);
      CheckMessage(root, descriptor_, "", &problems);
    }
    if (!problems.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid options: ", FormatOptionProblems(problems)));
    }
    ApplyDefaults(descriptor_, &root);
    std::string json;
    google::protobuf::util::JsonPrintOptions print;
    print.preserve_proto_field_names = true;
    (void)google::protobuf::util::MessageToJsonString(root, &json, print);
    google::protobuf::util::JsonParseOptions parse;
    parse.ignore_unknown_fields = false;
    options->Clear();
    auto status =
        google::protobuf::util::JsonStringToMessage(json, options, parse);
    if (!status.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid options: ", std::string(status.message())));
    }
    return absl::OkStatus();
  }

  static const OptionSpec& SpecOf(const google::protobuf::FieldDescriptor* f) {
    return f->options().GetExtension(option);
  }

 private:
  using Field = google::protobuf::FieldDescriptor;

  static bool IsFreeForm(const google::protobuf::Descriptor* message) {
    const std::string& name = message->full_name();
    return name == "google.protobuf.Value" ||
           name == "google.protobuf.Struct" ||
           name == "google.protobuf.ListValue";
  }

  static nf_option_type AbiType(const Field* field, const OptionSpec& spec) {
    if (field->is_map() || field->cpp_type() == Field::CPPTYPE_MESSAGE) {
      return NF_OPTION_ANY;
    }
    switch (field->cpp_type()) {
      case Field::CPPTYPE_INT32:
      case Field::CPPTYPE_INT64:
      case Field::CPPTYPE_UINT32:
      case Field::CPPTYPE_UINT64:
        return field->is_repeated() ? NF_OPTION_ANY : NF_OPTION_INT;
      case Field::CPPTYPE_DOUBLE:
      case Field::CPPTYPE_FLOAT:
        return field->is_repeated() ? NF_OPTION_ANY : NF_OPTION_DOUBLE;
      case Field::CPPTYPE_BOOL:
        return field->is_repeated() ? NF_OPTION_ANY : NF_OPTION_BOOL;
      default:  // strings and enums
        if (field->is_repeated()) {
          return spec.path() ? NF_OPTION_PATH_LIST : NF_OPTION_STRING_LIST;
        }
        return spec.path() ? NF_OPTION_PATH : NF_OPTION_STRING;
    }
  }

  static std::string DefaultJson(const Field* field, const OptionSpec& spec) {
    if (spec.has_default_()) return spec.default_();
    if (field->is_map()) return "{}";
    if (field->is_repeated()) return "[]";
    switch (field->cpp_type()) {
      case Field::CPPTYPE_MESSAGE:
        return "{}";
      case Field::CPPTYPE_BOOL:
        return "false";
      case Field::CPPTYPE_STRING:
        return "\"\"";
      case Field::CPPTYPE_ENUM:
        return absl::StrCat("\"", field->enum_type()->value(0)->name(), "\"");
      default:
        return "0";
    }
  }

  static std::string FormatNumber(double value) {
    if (value == std::floor(value) && std::fabs(value) < 1e15) {
      return absl::StrCat(static_cast<int64_t>(value));
    }
    return absl::StrCat(value);
  }

  static std::string RangeText(const OptionSpec& spec) {
    if (spec.has_min() && spec.has_max()) {
      return absl::StrCat(spec.exclusive_min() ? "more than " : "",
                          FormatNumber(spec.min()),
                          spec.exclusive_min() ? " and at most " : " to ",
                          FormatNumber(spec.max()));
    }
    if (spec.has_min()) {
      return absl::StrCat(spec.exclusive_min() ? "more than " : "at least ",
                          FormatNumber(spec.min()));
    }
    if (spec.has_max())
      return absl::StrCat("at most ", FormatNumber(spec.max()));
    return "";
  }

  // The help shown by `newsflow plugins TYPE`: the annotation's text, with
  // the range and the enum's names appended so they are never restated.
  static std::string HelpText(const Field* field, const OptionSpec& spec) {
    std::string help = spec.help();
    if (std::string range = RangeText(spec); !range.empty()) {
      absl::StrAppend(&help, " Range: ", range, ".");
    }
    if (field->cpp_type() == Field::CPPTYPE_ENUM) {
      std::vector<std::string> names;
      for (int i = 0; i < field->enum_type()->value_count(); ++i) {
        names.push_back(field->enum_type()->value(i)->name());
      }
      absl::StrAppend(&help, " One of: ", absl::StrJoin(names, ", "), ".");
    }
    if (spec.required()) absl::StrAppend(&help, " Required.");
    return help;
  }

  static bool ParseJson(std::string_view json, google::protobuf::Value* root,
                        std::vector<OptionProblem>* problems) {
    auto status = google::protobuf::util::JsonStringToMessage(
        json.empty() ? std::string("{}") : std::string(json), root);
    if (!status.ok()) {
      problems->push_back({"", absl::StrCat("options are not valid JSON: ",
                                            std::string(status.message()))});
      return false;
    }
    return true;
  }

  static std::string UnknownKeyMessage(
      absl::string_view key, const google::protobuf::Descriptor* message) {
    std::vector<std::string> names;
    for (int i = 0; i < message->field_count(); ++i) {
      names.push_back(message->field(i)->name());
    }
    return absl::StrCat("unknown option", DidYouMean(key, names),
                        " (options: ", absl::StrJoin(names, ", "), ")");
  }

  static std::string JoinPath(const std::string& path, absl::string_view key) {
    return path.empty() ? std::string(key) : absl::StrCat(path, ".", key);
  }

  static void CheckMessage(const google::protobuf::Value& value,
                           const google::protobuf::Descriptor* message,
                           const std::string& path,
                           std::vector<OptionProblem>* problems) {
    if (IsFreeForm(message)) return;
    if (!value.has_struct_value()) {
      problems->push_back({path, "must be a map of options"});
      return;
    }
    const auto& fields = value.struct_value().fields();
    for (const auto& [key, child] : fields) {
      const Field* field = message->FindFieldByName(key);
      if (field == nullptr) {
        problems->push_back(
            {JoinPath(path, key), UnknownKeyMessage(key, message)});
        continue;
      }
      CheckField(child, field, JoinPath(path, key), problems);
    }
    for (int i = 0; i < message->field_count(); ++i) {
      const Field* field = message->field(i);
      if (SpecOf(field).required() && !fields.contains(field->name())) {
        problems->push_back(
            {JoinPath(path, field->name()),
             absl::StrCat("is required (", SpecOf(field).help(), ")")});
      }
    }
    for (int i = 0; i < message->real_oneof_decl_count(); ++i) {
      const google::protobuf::OneofDescriptor* oneof = message->oneof_decl(i);
      std::vector<std::string> given;
      for (int j = 0; j < oneof->field_count(); ++j) {
        if (fields.contains(oneof->field(j)->name())) {
          given.push_back(oneof->field(j)->name());
        }
      }
      if (given.size() > 1) {
        problems->push_back({path, absl::StrCat("give only one of ",
                                                absl::StrJoin(given, ", "))});
      }
    }
  }

  static void CheckField(const google::protobuf::Value& value,
                         const Field* field, const std::string& path,
                         std::vector<OptionProblem>* problems) {
    if (value.has_null_value()) return;  // protobuf's JSON: the default
    if (field->is_map()) {
      if (!value.has_struct_value()) {
        problems->push_back({path, "must be a map"});
        return;
      }
      const Field* mapped = field->message_type()->map_value();
      for (const auto& [key, child] : value.struct_value().fields()) {
        CheckSingle(child, mapped, SpecOf(field), JoinPath(path, key),
                    problems);
      }
      return;
    }
    if (field->is_repeated()) {
      if (!value.has_list_value()) {
        problems->push_back({path, "must be a list"});
        return;
      }
      const auto& items = value.list_value().values();
      for (int i = 0; i < items.size(); ++i) {
        CheckSingle(items[i], field, SpecOf(field),
                    absl::StrCat(path, "[", i, "]"), problems);
      }
      return;
    }
    CheckSingle(value, field, SpecOf(field), path, problems);
  }

  static void CheckSingle(const google::protobuf::Value& value,
                          const Field* field, const OptionSpec& spec,
                          const std::string& path,
                          std::vector<OptionProblem>* problems) {
    switch (field->cpp_type()) {
      case Field::CPPTYPE_MESSAGE:
        CheckMessage(value, field->message_type(), path, problems);
        return;
      case Field::CPPTYPE_STRING:
        if (!value.has_string_value()) {
          problems->push_back({path, "must be text"});
        }
        return;
      case Field::CPPTYPE_BOOL:
        if (!value.has_bool_value()) {
          problems->push_back({path, "must be true or false"});
        }
        return;
      case Field::CPPTYPE_ENUM: {
        const bool known =
            value.has_string_value() && field->enum_type()->FindValueByName(
                                            value.string_value()) != nullptr;
        if (!known) {
          std::vector<std::string> names;
          for (int i = 0; i < field->enum_type()->value_count(); ++i) {
            names.push_back(field->enum_type()->value(i)->name());
          }
          problems->push_back({path, absl::StrCat("must be one of ",
                                                  absl::StrJoin(names, ", "))});
        }
        return;
      }
      default:
        CheckNumber(value, field, spec, path, problems);
    }
  }

  static void CheckNumber(const google::protobuf::Value& value,
                          const Field* field, const OptionSpec& spec,
                          const std::string& path,
                          std::vector<OptionProblem>* problems) {
    double number = 0;
    if (value.has_number_value()) {
      number = value.number_value();
    } else if (!value.has_string_value() ||
               !absl::SimpleAtod(value.string_value(), &number)) {
      problems->push_back({path, "must be a number"});
      return;
    }
    double low = -std::numeric_limits<double>::infinity();
    double high = std::numeric_limits<double>::infinity();
    switch (field->cpp_type()) {
      case Field::CPPTYPE_INT32:
        low = std::numeric_limits<int32_t>::min();
        high = std::numeric_limits<int32_t>::max();
        break;
      case Field::CPPTYPE_UINT32:
        low = 0;
        high = std::numeric_limits<uint32_t>::max();
        break;
      case Field::CPPTYPE_INT64:
        low = -9.2e18;
        high = 9.2e18;
        break;
      case Field::CPPTYPE_UINT64:
        low = 0;
        high = 1.8e19;
        break;
      default:
        break;
    }
    const bool integral = field->cpp_type() != Field::CPPTYPE_DOUBLE &&
                          field->cpp_type() != Field::CPPTYPE_FLOAT;
    if (integral && number != std::floor(number)) {
      problems->push_back(
          {path, absl::StrCat("must be a whole number, got ", number)});
      return;
    }
    if (number < low || number > high || std::isnan(number)) {
      problems->push_back(
          {path, absl::StrCat("is out of range for a ", field->cpp_type_name(),
                              ": ", number)});
      return;
    }
    const bool below_min =
        spec.has_min() &&
        (number < spec.min() || (spec.exclusive_min() && number == spec.min()));
    if (below_min || (spec.has_max() && number > spec.max())) {
      problems->push_back({path, absl::StrCat("must be ", RangeText(spec),
                                              ", got ", FormatNumber(number))});
    }
  }

  // Fills absent options with their defaults, in nested option messages too.
  // A single value where a list is expected is a list of one, as people
  // write it in YAML (`paths: inbox` for `paths: [inbox]`).
  static void WrapSingleValues(const google::protobuf::Descriptor* message,
                               google::protobuf::Value* value) {
    if (IsFreeForm(message) || !value->has_struct_value()) return;
    for (auto& [key, child] :
         *value->mutable_struct_value()->mutable_fields()) {
      const Field* field = message->FindFieldByName(key);
      if (field == nullptr || field->is_map()) continue;
      if (field->is_repeated() && !child.has_list_value() &&
          !child.has_null_value()) {
        google::protobuf::Value single = std::move(child);
        *child.mutable_list_value()->add_values() = std::move(single);
      }
      if (field->cpp_type() != Field::CPPTYPE_MESSAGE) continue;
      if (child.has_list_value()) {
        for (auto& item : *child.mutable_list_value()->mutable_values()) {
          WrapSingleValues(field->message_type(), &item);
        }
      } else {
        WrapSingleValues(field->message_type(), &child);
      }
    }
  }

  static void ApplyDefaults(const google::protobuf::Descriptor* message,
                            google::protobuf::Value* value) {
    if (IsFreeForm(message) || !value->has_struct_value()) return;
    auto& fields = *value->mutable_struct_value()->mutable_fields();
    for (int i = 0; i < message->field_count(); ++i) {
      const Field* field = message->field(i);
      const OptionSpec& spec = SpecOf(field);
      auto present = fields.find(field->name());
      if (present == fields.end() || present->second.has_null_value()) {
        // Only declared defaults: a zero value is what protobuf gives an
        // absent field anyway, and a oneof member must stay unset.
        if (!spec.has_default_()) continue;
        google::protobuf::Value fallback;
        if (google::protobuf::util::JsonStringToMessage(spec.default_(),
                                                        &fallback)
                .ok()) {
          fields[field->name()] = fallback;
        }
        continue;
      }
      if (field->cpp_type() != Field::CPPTYPE_MESSAGE || field->is_map()) {
        continue;
      }
      if (field->is_repeated()) {
        if (!present->second.has_list_value()) continue;
        for (auto& item :
             *present->second.mutable_list_value()->mutable_values()) {
          ApplyDefaults(field->message_type(), &item);
        }
      } else {
        ApplyDefaults(field->message_type(), &present->second);
      }
    }
  }

  const google::protobuf::Descriptor* descriptor_;
  std::deque<std::string> strings_;  // stable addresses for specs_
  std::vector<nf_option_spec> specs_;
};

// The schema of an options message, built once.
template <typename OptionsProto>
const OptionSchema& OptionSchemaOf() {
  static const OptionSchema* const schema =
      new OptionSchema(OptionsProto::descriptor());
  return *schema;
}

// OptionsProto with every declared default, for a library's own options
// struct whose defaults must be the stage's (one declaration, not two).
template <typename OptionsProto>
const OptionsProto& DeclaredDefaults() {
  static const OptionsProto* const defaults = [] {
    auto* options = new OptionsProto;
    (void)OptionSchemaOf<OptionsProto>().Parse("{}", options);
    return options;
  }();
  return *defaults;
}

}  // namespace newsflow

#endif  // NEWSFLOW_OPTIONS_H_
