# newsflow_extract_bench: article extraction quality on the Zyte benchmark
# beside the extractors it ships, and speed against Readability.js (run from
# bench/extract_bench_readability when node and its npm packages are there);
# then trafilatura-eval-dev beside readability-lxml (Debian's
# python3-readability, run by bench/extract_bench_readability_lxml.py).
# With --metadata: title/date/author accuracy against each page's JSON-LD
# (extract_bench_metadata.h). Ingest's charset decoding turns those pages into UTF-8 as ingest would.
add_executable(newsflow_extract_bench extract_bench.cc extract_bench_metadata.cc)
target_link_libraries(newsflow_extract_bench PRIVATE newsflow_html_eval
                      newsflow_stage_ingest CLI11::CLI11 absl::str_format)
target_compile_definitions(newsflow_extract_bench PRIVATE
  NEWSFLOW_SHARED_DIR="${NEWSFLOW_SHARED_DIR}"
  NEWSFLOW_SOURCE_DIR="${CMAKE_SOURCE_DIR}")

# newsflow_block_scorer_fit: fits the extractor's block scorer
# (stages/ingest/html/block_scorer.h) on fold A of trafilatura-eval-dev and
# prints its cross-validated figure and weights.
add_executable(newsflow_block_scorer_fit block_scorer_fit.cc)
target_link_libraries(newsflow_block_scorer_fit PRIVATE newsflow_html_eval
                      newsflow_stage_ingest CLI11::CLI11 absl::str_format)
target_compile_definitions(newsflow_block_scorer_fit PRIVATE
  NEWSFLOW_SHARED_DIR="${NEWSFLOW_SHARED_DIR}")
