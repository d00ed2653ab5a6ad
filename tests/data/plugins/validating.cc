// A plugin with an ABI 1.2 validate callback, so tests can see a plugin's
// own option check in `newsflow validate` and at start (the bad
// configuration exit, never restarted). It refuses
//   - a negative max_items;
//   - any options while the file named by refuse_if_exists exists (so a
//     test can turn a config bad after the pipeline started).
// Deliberately naive string matching: the fixture has no JSON parser.
#include <string.h>
#include <unistd.h>

#include <string>

#include "tests/data/plugins/fixture_plugin.h"

namespace {

constexpr nf_option_spec kOptions[] = {
    {"max_items", NF_OPTION_INT, "10", "Items kept; not negative."},
    {"refuse_if_exists", NF_OPTION_STRING, "\"\"",
     "Refuse to start while this file exists."}};

int Validate(const char* options_json, nf_option_problem_fn report,
             void* context) {
  const std::string json = options_json == nullptr ? "" : options_json;
  int problems = 0;
  if (json.find("\"max_items\":-") != std::string::npos ||
      json.find("\"max_items\": -") != std::string::npos) {
    report(context, "max_items", "must not be negative");
    ++problems;
  }
  const std::string key = "\"refuse_if_exists\":\"";
  if (size_t at = json.find(key); at != std::string::npos) {
    const size_t start = at + key.size();
    const std::string path = json.substr(start, json.find('"', start) - start);
    if (!path.empty() && access(path.c_str(), F_OK) == 0) {
      report(context, "refuse_if_exists", ("the file exists: " + path).c_str());
      ++problems;
    }
  }
  return problems;
}

constexpr nf_stage_type MakeType() {
  nf_stage_type type = fixture::PassThrough("fixture_validating");
  type.options = kOptions;
  type.option_count = 2;
  type.validate = &Validate;
  return type;
}
constexpr nf_stage_type kType = MakeType();

}  // namespace

FIXTURE_PLUGIN(NEWSFLOW_STAGE_ABI_MAJOR, NEWSFLOW_STAGE_ABI_MINOR,
               sizeof(nf_plugin_descriptor), kType)
