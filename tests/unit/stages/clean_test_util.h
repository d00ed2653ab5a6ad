// Helpers shared by the clean stage's tests: reading article files and
// splitting them into title and body the way the ingest stage does.
#ifndef NEWSFLOW_TESTS_UNIT_STAGES_CLEAN_TEST_UTIL_H_
#define NEWSFLOW_TESTS_UNIT_STAGES_CLEAN_TEST_UTIL_H_

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "newsflow/v1/article.pb.h"

namespace newsflow::clean::testing {

inline std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

inline std::vector<std::string> SplitLines(const std::string& text) {
  std::vector<std::string> lines;
  std::stringstream stream(text);
  std::string line;
  while (std::getline(stream, line)) lines.push_back(line);
  return lines;
}

inline bool IsBlank(const std::string& line) {
  return line.find_first_not_of(" \t\r") == std::string::npos;
}

// Splits a text file the way ingest does: the first non-blank line is the
// candidate title, the rest is the body. Returns the title's line index.
inline size_t SplitLikeIngest(const std::vector<std::string>& lines,
                              v1::Article* article) {
  size_t title = 0;
  while (title < lines.size() && IsBlank(lines[title])) ++title;
  if (title < lines.size()) article->set_title(lines[title]);
  std::string body;
  for (size_t i = title + 1; i < lines.size(); ++i) {
    body += lines[i];
    body += '\n';
  }
  article->set_body(body);
  return title;
}

}  // namespace newsflow::clean::testing

#endif  // NEWSFLOW_TESTS_UNIT_STAGES_CLEAN_TEST_UTIL_H_
