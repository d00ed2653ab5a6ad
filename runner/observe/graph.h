// `newsflow graph`: a pipeline's topology as Graphviz DOT.
//
// Each stage is a box labelled with its name, type, replica count and the
// endpoints of its replicas (input and tap). Given a live view of the
// running pipeline, edges carry the messages per second flowing along them
// and the queue in front of the consumer, nodes their busy share, and the
// bottleneck is drawn in red.
#ifndef NEWSFLOW_RUNNER_OBSERVE_GRAPH_H_
#define NEWSFLOW_RUNNER_OBSERVE_GRAPH_H_

#include <string>

#include "absl/status/status.h"
#include "runner/observe/pipeline_view.h"
#include "runner/config/plan.h"

namespace newsflow {

// `live` may be null (no running pipeline).
std::string PipelineDot(const PipelinePlan& plan, const PipelineView* live);

// Whether Graphviz's `dot` is on PATH.
bool DotAvailable();

// Renders `dot_source` to an SVG file with `dot -Tsvg`. FailedPrecondition
// when `dot` is not installed; Internal when it rejects the input.
absl::Status WriteSvg(const std::string& dot_source, const std::string& path);

}  // namespace newsflow

#endif  // NEWSFLOW_RUNNER_OBSERVE_GRAPH_H_
