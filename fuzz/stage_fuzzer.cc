// Fuzzes each built-in stage that processes articles (clean, tag, store)
// through the same C ABI the stage host uses. An input picks the stage and
// is either raw bytes (a frame that may not even be an Article) or an
// Article built from it, whose text can be any bytes. A stage must answer
// OK or ERROR (the host dead-letters it) — never FATAL, never crash.
//
// The ingest stage is a source: it reads files, not messages, and its
// parsers are covered by their unit tests over malformed files.
#include <stdlib.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "fuzz/fuzz_input.h"
#include "newsflow/v1/article.pb.h"
#include "stages/builtin_plugin.h"
#include "tests/unit/plugins/stage_driver.h"

namespace {

using newsflow::testing::StageDriver;

const nf_stage_type* FindType(const char* name) {
  const nf_plugin_descriptor* plugin = newsflow::BuiltinPluginDescriptor();
  for (size_t i = 0; i < plugin->type_count; ++i) {
    if (std::string(plugin->types[i]->name) == name) return plugin->types[i];
  }
  return nullptr;
}

// The schema's defaults, as the runner would pass them, with one option
// (a path into the fuzzer's own folder) overridden.
std::string DefaultOptions(const nf_stage_type& type, const std::string& name,
                           const std::string& value) {
  std::string json = "{";
  for (size_t i = 0; i < type.option_count; ++i) {
    const nf_option_spec& spec = type.options[i];
    const bool overridden = name == spec.name;
    if (spec.default_value == nullptr && !overridden) continue;
    absl::StrAppend(&json, json.size() > 1 ? "," : "", "\"", spec.name, "\":",
                    overridden ? absl::StrCat("\"", value, "\"")
                               : std::string(spec.default_value));
  }
  return json + "}";
}

std::vector<std::unique_ptr<StageDriver>>& Stages() {
  static auto* stages = [] {
    auto* made = new std::vector<std::unique_ptr<StageDriver>>();
    char folder[] = "/tmp/newsflow-fuzz-XXXXXX";
    const std::string dir = mkdtemp(folder) != nullptr ? folder : "/tmp";
    struct Wanted {
      const char* stage;
      const char* option;
      std::string value;
    };
    const Wanted wanted[] = {{"clean", "", ""},
                             {"tag", "state_path", dir + "/tag-state.bin"},
                             {"store", "path", dir + "/news.db"}};
    for (const auto& [name, option, value] : wanted) {
      const nf_stage_type* type = FindType(name);
      newsflow::fuzz::Require(type != nullptr);
      auto driver = std::make_unique<StageDriver>(*type);
      absl::Status created =
          driver->Create(DefaultOptions(*type, option, value));
      if (!created.ok()) {
        fprintf(stderr, "cannot create stage %s: %s\n", name,
                std::string(created.message()).c_str());
        abort();
      }
      made->push_back(std::move(driver));
    }
    return made;
  }();
  return *stages;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  newsflow::fuzz::FuzzInput input(data, size);
  const uint8_t choice = input.Byte();
  StageDriver& stage = *Stages()[choice % Stages().size()];
  absl::Status status;
  if (choice & 0x80) {
    newsflow::v1::Article article;
    // Raw bytes: whatever parses is processed, the rest is rejected.
    std::string raw(input.Rest());
    if (!article.ParseFromString(raw)) return 0;
    status = stage.Process(article);
  } else {
    newsflow::v1::Article article;
    article.set_id(absl::StrCat("fuzz-", choice));
    article.set_source("fuzz");
    article.set_title(std::string(input.Piece()));
    article.set_published_at(std::string(input.Piece()));
    article.set_body(std::string(input.Rest()));
    status = stage.Process(article);
  }
  // ERROR is a dead letter; ABORTED would be NF_FATAL, which kills the stage.
  newsflow::fuzz::Require(!absl::IsAborted(status));
  if ((choice & 0x40) != 0) {
    newsflow::fuzz::Require(!absl::IsAborted(stage.Flush()));
  }
  return 0;
}
