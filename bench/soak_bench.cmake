# newsflow_soak_bench: RSS of every process of a long-running pipeline
# (feed on a loopback server, watched folder, rate_limit) sampled each
# second; fails when one grows more than 10% after the first minute. Run on
# demand (10 minutes by default), never in CI. It reuses the integration
# harness and the scripted HTTP server, so it needs the test targets.
if(TARGET newsflow_test_harness AND TARGET newsflow_test_http_server)
  add_executable(newsflow_soak_bench soak_bench.cc)
  target_link_libraries(newsflow_soak_bench PRIVATE newsflow_test_harness
    newsflow_test_http_server newsflow_bench_proc_stats CLI11::CLI11 absl::str_format absl::time)
  add_dependencies(newsflow_soak_bench newsflow newsflow-stage)
endif()

# newsflow_soak_tag_bench: the tag stage's stream state (TaggerStats) and
# heap over the soak's articles, in one process: which part grows.
add_executable(newsflow_soak_tag_bench soak_bench_tag.cc)
target_link_libraries(newsflow_soak_tag_bench PRIVATE newsflow_stage_tag
  newsflow_bench_proc_stats CLI11::CLI11 absl::str_format absl::strings)
