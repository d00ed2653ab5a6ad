// `newsflow schema`: the JSON Schema editors use must describe exactly what
// `newsflow validate` accepts: every stage type, each option with its type,
// default and help (ranges included), required options, and the keys the
// shipped examples use.
#include <string>

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "tests/integration/harness.h"
#include "yaml-cpp/yaml.h"

namespace newsflow::testing {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;
using ::testing::HasSubstr;

Struct Schema() {
  CommandResult printed = RunCommand({NewsflowBinary(), "schema"});
  EXPECT_EQ(printed.exit_code, 0) << printed.err;
  Struct schema;
  EXPECT_TRUE(
      google::protobuf::util::JsonStringToMessage(printed.out, &schema).ok())
      << printed.out.substr(0, 2000);
  return schema;
}

const Value& At(const Struct& object, const std::string& key) {
  static const Value kMissing;
  auto it = object.fields().find(key);
  EXPECT_NE(it, object.fields().end()) << "no key " << key;
  return it == object.fields().end() ? kMissing : it->second;
}

// The `then` branch of stage type `type`: its allowed properties.
Struct StageCase(const Struct& schema, const std::string& type) {
  const Struct& stage =
      At(At(schema, "definitions").struct_value(), "stage").struct_value();
  for (const Value& branch : At(stage, "allOf").list_value().values()) {
    const Struct& condition = At(branch.struct_value(), "if").struct_value();
    const std::string name =
        At(At(At(condition, "properties").struct_value(), "type")
               .struct_value(),
           "const")
            .string_value();
    if (name == type) return At(branch.struct_value(), "then").struct_value();
  }
  ADD_FAILURE() << "no stage type " << type;
  return Struct();
}

TEST(SchemaTest, DescribesEveryOptionWithItsDefaultRangeAndHelp) {
  const Struct schema = Schema();
  const Struct tag = StageCase(schema, "tag");
  const Struct& threshold =
      At(At(tag, "properties").struct_value(), "story_threshold")
          .struct_value();
  EXPECT_EQ(At(threshold, "type").string_value(), "number");
  EXPECT_DOUBLE_EQ(At(threshold, "default").number_value(), 0.3);
  EXPECT_THAT(At(threshold, "description").string_value(),
              HasSubstr("Range: more than 0 and at most 1."));
  EXPECT_FALSE(At(tag, "additionalProperties").bool_value());
  // A required option of a shipped plugin.
  const Struct sink = StageCase(schema, "jsonl_sink");
  ASSERT_EQ(At(sink, "required").list_value().values_size(), 1);
  EXPECT_EQ(At(sink, "required").list_value().values(0).string_value(), "path");
}

TEST(SchemaTest, AcceptsEveryKeyOfTheShippedExamples) {
  const Struct schema = Schema();
  for (const char* example : {"pipeline.yaml", "sources.yaml", "pipe.yaml"}) {
    SCOPED_TRACE(example);
    YAML::Node config =
        YAML::LoadFile(SourceDir() + "/examples/" + std::string(example));
    const Struct& top = At(schema, "properties").struct_value();
    for (auto key = config.begin(); key != config.end(); ++key) {
      EXPECT_TRUE(top.fields().contains(key->first.Scalar()))
          << key->first.Scalar();
    }
    for (auto stage = config["stages"].begin(); stage != config["stages"].end();
         ++stage) {
      const Struct allowed = StageCase(schema, stage->second["type"].Scalar());
      const Struct& properties = At(allowed, "properties").struct_value();
      for (auto key = stage->second.begin(); key != stage->second.end();
           ++key) {
        EXPECT_TRUE(properties.fields().contains(key->first.Scalar()))
            << stage->first.Scalar() << "." << key->first.Scalar();
      }
    }
  }
}

}  // namespace
}  // namespace newsflow::testing
