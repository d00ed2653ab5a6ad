// How a pipeline delivers: the `delivery:` section of a config file, as one
// value that travels unchanged from the config through the plan to every
// stage process (in its StageLaunch) and into the stage host's Delivery.
//
// The YAML keys (`delivery: { acks, ack_timeout_ms, max_in_flight }`) and
// their defaults are a public contract: they are documented in README and
// runner/config/config_keys.h and must not change meaning.
#ifndef NEWSFLOW_RUNNER_CONFIG_DELIVERY_POLICY_H_
#define NEWSFLOW_RUNNER_CONFIG_DELIVERY_POLICY_H_

#include "absl/time/time.h"
#include "newsflow/v1/control.pb.h"

namespace newsflow {

struct DeliveryPolicy {
  // Acknowledge every article end to end: sources keep a journal and
  // re-send what is not acknowledged. False: at-most-once across crashes.
  bool acks = true;
  // A source re-sends a message not acknowledged within this time.
  int ack_timeout_ms = 10000;
  // A source stops reading while this many messages are unacknowledged.
  int max_in_flight = 5000;

  absl::Duration ack_timeout() const {
    return absl::Milliseconds(ack_timeout_ms);
  }

  friend bool operator==(const DeliveryPolicy& a, const DeliveryPolicy& b) {
    return a.acks == b.acks && a.ack_timeout_ms == b.ack_timeout_ms &&
           a.max_in_flight == b.max_in_flight;
  }
  friend bool operator!=(const DeliveryPolicy& a, const DeliveryPolicy& b) {
    return !(a == b);
  }
};

// Writes `policy` into the fields of `launch` that carry it to a stage.
void SetDeliveryPolicy(const DeliveryPolicy& policy, v1::StageLaunch* launch);

// The policy a stage process was launched with.
DeliveryPolicy DeliveryPolicyOf(const v1::StageLaunch& launch);

}  // namespace newsflow

#endif  // NEWSFLOW_RUNNER_CONFIG_DELIVERY_POLICY_H_
