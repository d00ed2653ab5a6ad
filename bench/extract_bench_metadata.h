// The metadata section of newsflow_extract_bench (--metadata): title, date
// and author accuracy against each page's own JSON-LD, with the JSON-LD
// blanked out before extraction (stages/ingest/html/metadata_eval.h), on
// the Zyte benchmark and trafilatura-eval-dev; readability-lxml's title
// (it gives no date or author) scored the same way on the same blanked
// pages in the same run.
#ifndef NEWSFLOW_BENCH_EXTRACT_BENCH_METADATA_H_
#define NEWSFLOW_BENCH_EXTRACT_BENCH_METADATA_H_

#include <string>

namespace newsflow::bench {

// The Python that runs readability-lxml when python3-readability is
// installed; nullptr, saying so, when it is not.
const char* ReadabilityLxmlPython();

// Prints the table (and, with `worst` > 0, up to that many misses per
// field); returns a process exit code.
int MetadataBench(const std::string& zyte, const std::string& trafilatura,
                  bool no_readability, int worst);

}  // namespace newsflow::bench

#endif  // NEWSFLOW_BENCH_EXTRACT_BENCH_METADATA_H_
