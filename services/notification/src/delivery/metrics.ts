// What the delivery worker reports to Prometheus: attempts by channel and outcome, deliveries
// dead-lettered by channel, and how many receivers' circuits are open or half-open.
import { Counter, Gauge, type Registry } from "@grievance-hub/kit";
import type { ChannelName } from "../domain/destination";
import type { CircuitBreaker } from "../channels/circuit-breaker";

export type AttemptOutcome = "sent" | "transient_error" | "permanent_error";

export interface DeliveryMetrics {
  attempted: (channel: ChannelName, outcome: AttemptOutcome) => void;
  deadLettered: (channel: ChannelName) => void;
}

export function deliveryMetrics(registry: Registry, breaker: CircuitBreaker): DeliveryMetrics {
  const registers = [registry];
  const attempts = new Counter({ name: "notification_delivery_attempts_total", help: "Delivery attempts by channel and outcome", labelNames: ["channel", "outcome"], registers });
  const deadLettered = new Counter({ name: "notification_deliveries_dead_lettered_total", help: "Deliveries given up on and sent to the dead-letter topic, by channel", labelNames: ["channel"], registers });
  new Gauge({
    name: "notification_circuits",
    help: "Receivers whose circuit breaker is open (deliveries paused) or half-open (one probe let through)",
    labelNames: ["state"],
    registers,
    collect() {
      this.set({ state: "open" }, breaker.count("open"));
      this.set({ state: "half_open" }, breaker.count("half_open"));
    },
  });
  return {
    attempted: (channel, outcome) => attempts.inc({ channel, outcome }),
    deadLettered: (channel) => deadLettered.inc({ channel }),
  };
}
