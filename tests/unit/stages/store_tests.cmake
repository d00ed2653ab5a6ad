# The store's tests: one binary, every ArticleDb test run on SQLite and on a
# throwaway PostgreSQL server. CTest starts that server once for the run
# (fixture newsflow_pg: scripts/pg-test-server start/stop) and tells the
# tests where it is in NEWSFLOW_TEST_PG_DIR. Without PostgreSQL installed the
# start step says so and the PostgreSQL cases skip; NEWSFLOW_REQUIRE_PG=1
# makes them fail instead (for CI).
set(NEWSFLOW_PG_TEST_DIR "${CMAKE_BINARY_DIR}/pg-test-server")

add_executable(store_test
  stages/store_test.cc
  stages/store_cli_test.cc
  stages/store_sqlite_test.cc
  stages/store_postgres_test.cc
  stages/store_syntax_test.cc
  stages/store_rank_row_length_test.cc
  stages/store_pair_tokenizer_test.cc
  stages/store_test_support.cc)
target_link_libraries(store_test PRIVATE newsflow_stage_store
  newsflow_store_cli GTest::gtest GTest::gmock GTest::gtest_main)
if(LIBPQ_FOUND)
  target_link_libraries(store_test PRIVATE PkgConfig::LIBPQ)
  target_compile_definitions(store_test PRIVATE NEWSFLOW_TEST_HAVE_LIBPQ)
endif()
target_compile_definitions(store_test PRIVATE
  NEWSFLOW_SOURCE_DIR="${CMAKE_SOURCE_DIR}"
  NEWSFLOW_BINARY_DIR="${CMAKE_BINARY_DIR}"
  NEWSFLOW_SHARED_DIR="${NEWSFLOW_SHARED_DIR}")
gtest_discover_tests(store_test DISCOVERY_TIMEOUT 60
  PROPERTIES FIXTURES_REQUIRED newsflow_pg
             ENVIRONMENT "NEWSFLOW_TEST_PG_DIR=${NEWSFLOW_PG_TEST_DIR}")

add_test(NAME store_pg_server_start
         COMMAND "${CMAKE_SOURCE_DIR}/scripts/pg-test-server" start
                 "${NEWSFLOW_PG_TEST_DIR}" --optional)
set_tests_properties(store_pg_server_start PROPERTIES
  FIXTURES_SETUP newsflow_pg TIMEOUT 120)
add_test(NAME store_pg_server_stop
         COMMAND "${CMAKE_SOURCE_DIR}/scripts/pg-test-server" stop
                 "${NEWSFLOW_PG_TEST_DIR}")
set_tests_properties(store_pg_server_stop PROPERTIES
  FIXTURES_CLEANUP newsflow_pg)
