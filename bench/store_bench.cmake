# newsflow_store_bench: the article database on SQLite and PostgreSQL:
# insert throughput, query latency on 100,000 articles, size per article
# (see store_bench.cc). Without libpq it measures SQLite only.
add_executable(newsflow_store_bench store_bench.cc)
target_link_libraries(newsflow_store_bench PRIVATE newsflow_article_db
  CLI11::CLI11 absl::str_format)
target_compile_definitions(newsflow_store_bench PRIVATE
  NEWSFLOW_SHARED_DIR="${NEWSFLOW_SHARED_DIR}"
  NEWSFLOW_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
if(LIBPQ_FOUND)
  target_link_libraries(newsflow_store_bench PRIVATE PkgConfig::LIBPQ)
  target_compile_definitions(newsflow_store_bench PRIVATE
    NEWSFLOW_BENCH_HAVE_LIBPQ)
endif()
