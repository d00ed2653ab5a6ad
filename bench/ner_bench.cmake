# The tag stage's speed table (bench/ner_bench.md): NER tokens/s and F1 side
# by side with compromise (npm, bench/ner_bench_compromise), and whole tag
# stage articles/s, one thread.
# The BBC corpus as articles, for the tag benches.
add_library(newsflow_bench_bbc_corpus STATIC bbc_corpus.cc)
target_include_directories(newsflow_bench_bbc_corpus PUBLIC "${CMAKE_SOURCE_DIR}")
target_link_libraries(newsflow_bench_bbc_corpus PUBLIC newsflow_proto)

add_executable(newsflow_ner_bench ner_bench.cc)
target_link_libraries(newsflow_ner_bench PRIVATE newsflow_stage_tag
                      newsflow_bench_bbc_corpus
                      CLI11::CLI11 absl::str_format absl::strings)
target_compile_definitions(newsflow_ner_bench PRIVATE
  NEWSFLOW_SHARED_DIR="${NEWSFLOW_SHARED_DIR}"
  NEWSFLOW_COMPROMISE_DIR="${CMAKE_CURRENT_SOURCE_DIR}/ner_bench_compromise")

# Tag stage CPU microseconds per BBC article, cold and warm, with the state
# file saved as the stage does (issue 20 item 4).
add_executable(newsflow_tag_bench tag_bench.cc)
target_link_libraries(newsflow_tag_bench PRIVATE newsflow_stage_tag
                      newsflow_bench_bbc_corpus newsflow_process_allocator
                      CLI11::CLI11 absl::str_format absl::strings)
target_compile_definitions(newsflow_tag_bench PRIVATE
  NEWSFLOW_SHARED_DIR="${NEWSFLOW_SHARED_DIR}")
