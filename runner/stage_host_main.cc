// newsflow-stage: the process that runs one replica of one stage.
// Started by `newsflow run`; see runner/stage_host.h.
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "google/protobuf/util/json_util.h"
#include "runner/stage_host.h"

int main(int argc, char** argv) {
  if (argc != 3 || std::string(argv[1]) != "--spec") {
    fprintf(stderr, "usage: newsflow-stage --spec LAUNCH.json\n"
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
  auto status = google::protobuf::util::JsonStringToMessage(text.str(), &launch);
  if (!status.ok()) {
    fprintf(stderr, "error: launch spec %s: %s\n", argv[2],
            std::string(status.message()).c_str());
    return newsflow::kStageExitBadLaunch;
  }
  return newsflow::RunStageHost(launch,
                                newsflow::StageRegistry::WithBuiltins());
}
