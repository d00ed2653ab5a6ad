# newsflow_clean_bench: MB/s of the clean stage's cleaner on the BBC corpus,
# per configuration (see clean_bench.cc).
add_executable(newsflow_clean_bench clean_bench.cc)
target_link_libraries(newsflow_clean_bench PRIVATE newsflow_stage_clean)
target_compile_definitions(newsflow_clean_bench PRIVATE
  NEWSFLOW_SHARED_DIR="${NEWSFLOW_SHARED_DIR}")
