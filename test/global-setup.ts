// Real infrastructure for the integration tests: KAFKA_BROKERS / DATABASE_URL when set,
// else containers when a Docker engine answers, else the local broker script and the
// machine's Postgres (or an embedded one when none answers).
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import type { TestProject } from "vitest/node";
import { postgresAnswers } from "../scripts/postgres-answers";

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, "..");
const stops: (() => Promise<unknown>)[] = [];

async function dockerAvailable(): Promise<boolean> {
  try {
    const { getContainerRuntimeClient } = await import("testcontainers");
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}

async function kafkaBrokers(docker: boolean): Promise<string> {
  if (process.env.KAFKA_BROKERS) return process.env.KAFKA_BROKERS;
  if (docker) {
    const { KafkaContainer } = await import("@testcontainers/kafka");
    const container = await new KafkaContainer("apache/kafka:4.1.1").withKraft().start();
    stops.push(() => container.stop());
    return `${container.getHost()}:${container.getMappedPort(9093)}`;
  }
  // The script is idempotent: a broker already running is reused and left running.
  await run("bash", [path.join(root, "infra/kafka/kafka.sh"), "start"], { cwd: root, timeout: 300_000 });
  return "127.0.0.1:9092";
}

async function databaseUrl(docker: boolean): Promise<string> {
  if (process.env.DATABASE_URL) return process.env.DATABASE_URL;
  const local = "postgres://postgres@127.0.0.1:5432/postgres";
  if (await postgresAnswers(local)) return local;
  if (docker) {
    const { PostgreSqlContainer } = await import("@testcontainers/postgresql");
    const container = await new PostgreSqlContainer("postgres:16").start();
    stops.push(() => container.stop());
    return container.getConnectionUri();
  }
  const { startEmbeddedPostgres } = await import("../scripts/embedded-postgres");
  const embedded = await startEmbeddedPostgres(path.join(root, ".data/test-postgres"), 5433);
  stops.push(embedded.stop);
  return embedded.url;
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const docker = !process.env.KAFKA_BROKERS || !process.env.DATABASE_URL ? await dockerAvailable() : false;
  const [brokers, dbUrl] = await Promise.all([kafkaBrokers(docker), databaseUrl(docker)]);
  project.provide("kafkaBrokers", brokers);
  project.provide("databaseUrl", dbUrl);
  return async () => {
    await Promise.allSettled(stops.map((s) => s()));
  };
}

declare module "vitest" {
  export interface ProvidedContext {
    kafkaBrokers: string;
    databaseUrl: string;
  }
}
