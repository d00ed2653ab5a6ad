// A fresh directory under the test's temporary directory, removed with
// everything in it when the object goes.
#ifndef NEWSFLOW_TESTS_UNIT_RUNNER_TEMP_DIR_H_
#define NEWSFLOW_TESTS_UNIT_RUNNER_TEMP_DIR_H_

#include <stdlib.h>

#include <filesystem>
#include <string>

#include "gtest/gtest.h"

namespace newsflow {

class TempDir {
 public:
  TempDir() {
    std::string pattern = ::testing::TempDir() + "newsflow_unit_XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) {
      ADD_FAILURE() << "mkdtemp failed for " << pattern;
    }
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace newsflow

#endif  // NEWSFLOW_TESTS_UNIT_RUNNER_TEMP_DIR_H_
