// A shared library that is no newsflow plugin: it exports no
// newsflow_plugin_descriptor().
extern "C" __attribute__((visibility("default"))) int fixture_answer(void) {
  return 42;
}
