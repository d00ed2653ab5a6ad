// newsflow_big_input_bench: ingest of one big JSON-lines file through the
// real runner (ingest -> jsonl_sink into /dev/null), with the peak RSS of
// each stage process as the run summary reports it. Shows that a source
// holds a bounded amount whatever the file's size (issue: under 64 MiB on
// a 2 GB file). The file is generated (invented text), then deleted.
//
//   newsflow_big_input_bench [--megabytes 2048] [--work DIR] [--keep]
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"

namespace {

namespace fs = std::filesystem;

int64_t WriteJsonLines(const std::string& path, int64_t bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  const std::string body(1900, 'w');
  int64_t records = 0;
  for (; out.tellp() < bytes; ++records) {
    out << "{\"id\": \"big" << records << "\", \"title\": \"Record " << records
        << " of the big file\", \"body\": \"The council said " << records
        << " times that " << body << "\"}\n";
  }
  return records;
}

int Main(int argc, char** argv) {
  int64_t megabytes = 2048;
  std::string work = fs::temp_directory_path() / "newsflow-big-input-bench";
  bool keep = false;
  CLI::App app{"Peak RSS of ingest on one big JSON-lines file"};
  app.add_option("--megabytes", megabytes, "Size of the generated file");
  app.add_option("--work", work, "Folder for the file and the run");
  app.add_flag("--keep", keep, "Keep the folder afterwards");
  CLI11_PARSE(app, argc, argv);

  fs::create_directories(work);
  const std::string data = work + "/big.jsonl";
  std::cerr << "writing " << megabytes << " MB of JSON lines to " << data
            << "\n";
  const int64_t records = WriteJsonLines(data, megabytes << 20);
  const int64_t size = static_cast<int64_t>(fs::file_size(data));
  const std::string config = work + "/pipeline.yaml";
  std::ofstream(config) << "pipeline: big-input\nrun_dir: " << work
                        << "/run\nstages:\n  ingest: { type: ingest, paths: ["
                        << data
                        << "] }\n  sink: { type: jsonl_sink, inputs: "
                           "[ingest], path: /dev/null }\n";
  const std::string summary_path = work + "/summary.json";
  const std::string command =
      absl::StrCat(NEWSFLOW_CLI_PATH, " run ", config,
                   " --once --progress log --summary-json ", summary_path);
  const auto start = std::chrono::steady_clock::now();
  const int status = std::system(command.c_str());
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::cerr << "run failed: " << command << "\n";
    return 1;
  }
  std::stringstream text;
  text << std::ifstream(summary_path).rdbuf();
  google::protobuf::Struct summary;
  if (!google::protobuf::util::JsonStringToMessage(text.str(), &summary).ok()) {
    std::cerr << "unreadable summary " << summary_path << "\n";
    return 1;
  }
  std::cout << absl::StrFormat(
      "\n| file | records | seconds | MB/s | stage | in | out | peak RSS |\n"
      "|---|---:|---:|---:|---|---:|---:|---:|\n");
  for (const auto& value :
       summary.fields().at("stages").list_value().values()) {
    const auto& stage = value.struct_value().fields();
    std::cout << absl::StrFormat(
        "| %.0f MB JSON lines | %d | %.1f | %.1f | %s | %.0f | %.0f | %.1f MiB "
        "|\n",
        size / 1e6, records, seconds, size / 1e6 / seconds,
        stage.at("stage").string_value(), stage.at("in").number_value(),
        stage.at("out").number_value(),
        stage.at("peak_rss_kib").number_value() / 1024);
  }
  if (!keep) fs::remove_all(work);
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return Main(argc, argv); }
