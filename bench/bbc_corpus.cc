#include "bench/bbc_corpus.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>

namespace newsflow {

std::vector<v1::Article> ReadBbc(const std::filesystem::path& root) {
  std::vector<std::filesystem::path> files;
  std::error_code error;
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(root, error)) {
    if (entry.is_regular_file() && entry.path().extension() == ".txt") {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  std::vector<v1::Article> articles;
  for (const auto& file : files) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream read;
    read << in.rdbuf();
    const std::string text = read.str();
    const size_t newline = text.find('\n');
    const std::string category = file.parent_path().filename().string();
    v1::Article& article = articles.emplace_back();
    article.set_id(category + "/" + file.filename().string());
    article.set_source(category);
    article.set_title(text.substr(0, newline));
    article.set_body(newline == std::string::npos ? ""
                                                  : text.substr(newline + 1));
  }
  return articles;
}

}  // namespace newsflow
