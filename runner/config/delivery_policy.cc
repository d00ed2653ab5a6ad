#include "runner/config/delivery_policy.h"

namespace newsflow {

void SetDeliveryPolicy(const DeliveryPolicy& policy, v1::StageLaunch* launch) {
  launch->set_acks(policy.acks);
  launch->set_ack_timeout_ms(policy.ack_timeout_ms);
  launch->set_max_in_flight(policy.max_in_flight);
}

DeliveryPolicy DeliveryPolicyOf(const v1::StageLaunch& launch) {
  DeliveryPolicy policy;
  policy.acks = launch.acks();
  policy.ack_timeout_ms = launch.ack_timeout_ms();
  policy.max_in_flight = launch.max_in_flight();
  return policy;
}

}  // namespace newsflow
