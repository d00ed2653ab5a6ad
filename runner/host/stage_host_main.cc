// newsflow-stage: the process that runs one replica of one stage.
// Started by `newsflow run`; see runner/host/stage_host.h.
//
//   newsflow-stage --spec-fd FD [--name NAME]
//                                       run a stage from the launch spec
//                                       (JSON) read from FD until EOF: what
//                                       the runner does, so that options
//                                       holding secrets touch no file; NAME
//                                       only labels the process
//   newsflow-stage --spec LAUNCH.json   run a stage from a spec file
//   newsflow-stage --validate LIB.so TYPE
//                                       check the options JSON on stdin with
//                                       the type's validate callback, print
//                                       the problems (OptionProblemList JSON)
//   newsflow-stage --describe LIB.so    load a plugin, print its description
//                                       as JSON (what the runner asks to
//                                       learn a plugin's types safely)
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "runner/host/plugin_loader.h"
#include "runner/host/stage_host.h"

namespace {

constexpr int kDescribeFailed = 4;

// Loads `library` beside the built-ins; the reason on stderr if it fails.
const nf_plugin_descriptor* LoadOrSayWhy(const std::string& library,
                                         newsflow::StageRegistry* registry) {
  absl::StatusOr<const nf_plugin_descriptor*> descriptor =
      newsflow::LoadPluginLibrary(library, registry);
  if (!descriptor.ok()) {
    std::cerr << descriptor.status().message() << "\n";
    return nullptr;
  }
  return *descriptor;
}

int Describe(const std::string& library) {
  newsflow::StageRegistry registry = newsflow::StageRegistry::WithBuiltins();
  const nf_plugin_descriptor* descriptor = LoadOrSayWhy(library, &registry);
  if (descriptor == nullptr) return kDescribeFailed;
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(
      newsflow::DescribePlugin(*descriptor), &json, options);
  std::cout << json << "\n";
  return 0;
}

constexpr char kUsage[] =
    "Usage: newsflow-stage --spec-fd FD [--name NAME]\n"
    "       newsflow-stage --spec LAUNCH.json\n"
    "       newsflow-stage --describe PLUGIN.so\n"
    "       newsflow-stage --validate PLUGIN.so TYPE < OPTIONS.json\n"
    "\n"
    "Runs one replica of one newsflow stage. Started by `newsflow run`, not\n"
    "by hand: the runner passes the stage's launch spec (JSON) through a\n"
    "pipe on FD, so that options holding secrets touch no file.\n"
    "\n"
    "  --spec-fd FD       read the launch spec from file descriptor FD\n"
    "  --name NAME        label of the process (ignored; shown by ps)\n"
    "  --spec FILE        read the launch spec from FILE\n"
    "  --describe LIB.so  load a plugin and print its descriptor as JSON\n"
    "  --validate LIB.so TYPE\n"
    "                     check the options JSON on stdin with TYPE's\n"
    "                     validate callback; print the problems as JSON\n"
    "  --help, --version  this text; the version\n";

int Validate(const std::string& library, const std::string& type_name) {
  newsflow::StageRegistry registry = newsflow::StageRegistry::WithBuiltins();
  if (LoadOrSayWhy(library, &registry) == nullptr) return kDescribeFailed;
  const newsflow::RegisteredStageType* type = registry.Find(type_name);
  if (type == nullptr) {
    std::cerr << library << ": no stage type '" << type_name << "'\n";
    return kDescribeFailed;
  }
  std::stringstream options;
  options << std::cin.rdbuf();
  newsflow::v1::OptionProblemList list;
  for (const auto& problem :
       newsflow::ValidateStageOptions(*type->type, options.str())) {
    auto* entry = list.add_problems();
    entry->set_field_path(problem.field_path);
    entry->set_message(problem.message);
  }
  std::string json;
  (void)google::protobuf::util::MessageToJsonString(list, &json);
  std::cout << json << "\n";
  return 0;
}

// Reads the spec from a file or a descriptor; "" with a message on failure.
bool ReadSpec(int argc, char** argv, std::string* text, std::string* source) {
  const std::string flag = argv[1];
  if (flag == "--spec-fd" && (argc == 3 || argc == 5)) {
    int fd = -1;
    if (!absl::SimpleAtoi(argv[2], &fd) || fd < 0) return false;
    *source = absl::StrCat("descriptor ", fd);
    char buffer[65536];
    while (true) {
      ssize_t got = read(fd, buffer, sizeof(buffer));
      if (got < 0 && errno == EINTR) continue;
      if (got < 0) return false;
      if (got == 0) break;
      text->append(buffer, static_cast<size_t>(got));
    }
    close(fd);
    return true;
  }
  if (flag == "--spec" && argc == 3) {
    *source = argv[2];
    std::ifstream in(argv[2]);
    if (!in) return false;
    std::stringstream contents;
    contents << in.rdbuf();
    *text = contents.str();
    return true;
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::string(argv[1]) == "--help") {
    fputs(kUsage, stdout);
    return 0;
  }
  if (argc == 2 && std::string(argv[1]) == "--version") {
    printf("newsflow-stage %s (plugin ABI %d.%d)\n", NEWSFLOW_VERSION,
           NEWSFLOW_STAGE_ABI_MAJOR, NEWSFLOW_STAGE_ABI_MINOR);
    return 0;
  }
  if (argc == 3 && std::string(argv[1]) == "--describe") {
    return Describe(argv[2]);
  }
  if (argc == 4 && std::string(argv[1]) == "--validate") {
    return Validate(argv[2], argv[3]);
  }
  std::string text, source;
  if (argc < 3 || !ReadSpec(argc, argv, &text, &source)) {
    fprintf(stderr, "%s", kUsage);
    if (!source.empty()) {
      fprintf(stderr, "error: cannot read the launch spec from %s: %s\n",
              source.c_str(), strerror(errno));
    }
    return newsflow::kStageExitBadLaunch;
  }
  newsflow::v1::StageLaunch launch;
  auto status = google::protobuf::util::JsonStringToMessage(text, &launch);
  if (!status.ok()) {
    fprintf(stderr, "error: launch spec from %s: %s\n", source.c_str(),
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
