// The BBC news corpus (../shared/corpora/bbc) as articles, for the tag
// stage benches.
#ifndef NEWSFLOW_BENCH_BBC_CORPUS_H_
#define NEWSFLOW_BENCH_BBC_CORPUS_H_

#include <filesystem>
#include <vector>

#include "newsflow/v1/article.pb.h"

namespace newsflow {

// Every .txt file under `root`, in path order: the first line is the
// title, the rest the body; id "category/file", source the category.
// Empty when there are none.
std::vector<v1::Article> ReadBbc(const std::filesystem::path& root);

}  // namespace newsflow

#endif  // NEWSFLOW_BENCH_BBC_CORPUS_H_
