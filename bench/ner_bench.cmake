# The tag stage's speed table (bench/ner_bench.md): NER tokens/s and F1 side
# by side with compromise (npm, bench/ner_bench_compromise), and whole tag
# stage articles/s, one thread.
add_executable(newsflow_ner_bench ner_bench.cc)
target_link_libraries(newsflow_ner_bench PRIVATE newsflow_stage_tag
                      CLI11::CLI11 absl::str_format absl::strings)
target_compile_definitions(newsflow_ner_bench PRIVATE
  NEWSFLOW_SHARED_DIR="${NEWSFLOW_SHARED_DIR}"
  NEWSFLOW_COMPROMISE_DIR="${CMAKE_CURRENT_SOURCE_DIR}/ner_bench_compromise")
