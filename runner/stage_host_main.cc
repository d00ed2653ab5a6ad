// newsflow-stage: the process that runs one replica of one stage.
// Started by `newsflow run`; see runner/stage_host.h.
//
//   newsflow-stage --spec LAUNCH.json   run a stage (what the runner does)
//   newsflow-stage --describe LIB.so    load a plugin, print its description
//                                       as JSON (what the runner asks to
//                                       learn a plugin's types safely)
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "google/protobuf/util/json_util.h"
#include "runner/plugin_loader.h"
#include "runner/stage_host.h"

namespace {

constexpr int kDescribeFailed = 4;

int Describe(const std::string& library) {
  newsflow::StageRegistry registry = newsflow::StageRegistry::WithBuiltins();
  absl::StatusOr<const nf_plugin_descriptor*> descriptor =
      newsflow::LoadPluginLibrary(library, &registry);
  if (!descriptor.ok()) {
    std::cerr << descriptor.status().message() << "\n";
    return kDescribeFailed;
  }
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(
      newsflow::DescribePlugin(**descriptor), &json, options);
  std::cout << json << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::string(argv[1]) == "--describe") {
    return Describe(argv[2]);
  }
  if (argc != 3 || std::string(argv[1]) != "--spec") {
    fprintf(stderr,
            "usage: newsflow-stage --spec LAUNCH.json\n"
            "       newsflow-stage --describe PLUGIN.so\n"
            "(started by `newsflow run`, not by hand)\n");
    return newsflow::kStageExitBadLaunch;
  }
  std::ifstream in(argv[2]);
  if (!in) {
    fprintf(stderr, "error: cannot read launch spec %s\n", argv[2]);
    return newsflow::kStageExitBadLaunch;
  }
  std::stringstream text;
  text << in.rdbuf();
  newsflow::v1::StageLaunch launch;
  auto status =
      google::protobuf::util::JsonStringToMessage(text.str(), &launch);
  if (!status.ok()) {
    fprintf(stderr, "error: launch spec %s: %s\n", argv[2],
            std::string(status.message()).c_str());
    return newsflow::kStageExitBadLaunch;
  }
  newsflow::StageRegistry registry = newsflow::StageRegistry::WithBuiltins();
  if (!launch.plugin_library().empty()) {
    auto loaded =
        newsflow::LoadPluginLibrary(launch.plugin_library(), &registry);
    if (!loaded.ok()) {
      fprintf(stderr, "error: %s\n",
              std::string(loaded.status().message()).c_str());
      return newsflow::kStageExitBadLaunch;
    }
  }
  return newsflow::RunStageHost(launch, registry);
}
