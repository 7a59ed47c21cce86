// docker-compose.yml cannot run on machines without Docker; this keeps it true to the code.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { IntakeConfig } from "@grievance-hub/intake";
import { TriageConfig } from "@grievance-hub/triage";
import { NotificationConfig } from "@grievance-hub/notification";

const root = path.resolve(import.meta.dirname, "..");
const compose = parse(readFileSync(path.join(root, "docker-compose.yml"), "utf8")) as {
  services: Record<string, { environment?: Record<string, string>; ports?: string[]; build?: { dockerfile: string } }>;
};

const services = [
  { name: "intake", schema: IntakeConfig, port: 3001 },
  { name: "triage", schema: TriageConfig, port: 3002 },
  { name: "notification", schema: NotificationConfig, port: 3003 },
] as const;

describe("docker-compose.yml", () => {
  it("has Kafka, Postgres and the three services", () => {
    expect(Object.keys(compose.services).sort()).toEqual(["intake", "kafka", "notification", "postgres", "triage"]);
  });

  for (const s of services) {
    describe(s.name, () => {
      const def = compose.services[s.name]!;
      const env = def.environment ?? {};

      it("only sets variables its config schema reads, and they parse", () => {
        const known = Object.keys(s.schema.shape);
        expect(Object.keys(env).filter((k) => !known.includes(k))).toEqual([]);
        const parsed = s.schema.safeParse(env);
        expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
      });

      it("publishes the service's default port and points at the compose Kafka and Postgres", () => {
        expect(s.schema.parse({}).PORT).toBe(s.port);
        expect(env.PORT).toBe(String(s.port));
        expect(def.ports).toContain(`${s.port}:${s.port}`);
        expect(env.KAFKA_BROKERS).toBe("kafka:9092");
        expect(new URL(env.DATABASE_URL!).hostname).toBe("postgres");
      });

      it("builds from a Dockerfile that runs the service's main", () => {
        const dockerfile = readFileSync(path.join(root, def.build!.dockerfile), "utf8");
        expect(dockerfile).toContain(`services/${s.name}/src/main.ts`);
        expect(dockerfile).toContain(`EXPOSE ${s.port}`);
      });
    });
  }
});
