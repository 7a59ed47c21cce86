// Prometheus metrics (prom-client): process defaults plus the outbox lag, served at /metrics.
import { collectDefaultMetrics, Gauge, Registry } from "prom-client";
import type { OutboxRelay } from "./outbox";

export function createMetrics(service: string, relay: OutboxRelay): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  let last: Awaited<ReturnType<OutboxRelay["status"]>> | undefined;
  const refresh = async () => {
    last = await relay.status().catch(() => last);
  };
  new Gauge({
    name: "outbox_unsent_events",
    help: "Events written to the outbox and not yet published to Kafka",
    registers: [registry],
    async collect() {
      await refresh();
      if (last) this.set(last.unsent);
    },
  });
  new Gauge({
    name: "outbox_oldest_unsent_age_seconds",
    help: "Age of the oldest unpublished outbox event (the relay's lag)",
    registers: [registry],
    collect() {
      if (last) this.set(last.oldestUnsentAgeMs / 1000);
    },
  });
  new Gauge({
    name: "outbox_relay_leader",
    help: "1 when this replica holds the relay lock and publishes",
    registers: [registry],
    collect() {
      if (last) this.set(last.leader ? 1 : 0);
    },
  });
  return registry;
}
