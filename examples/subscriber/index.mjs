// An outside system subscribing to Grievance Hub: reads the public case topic with its own
// consumer group, checks each event against the published JSON Schema of its ce_type, and
// keeps a running count of grievances per category and urgency. It uses none of Grievance
// Hub's code: only Kafka, the CloudEvents headers and the published schema files.
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { Kafka, logLevel } from "kafkajs";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

const config = {
  brokers: (process.env.KAFKA_BROKERS ?? "127.0.0.1:9092").split(","),
  topic: process.env.TOPIC ?? "gh.cases.public",
  group: process.env.GROUP ?? "example-statistics",
  schemaDir: process.env.SCHEMA_DIR ?? path.resolve(import.meta.dirname, "../../packages/schema/contract/json-schema/public"),
  printEvery: Number(process.env.PRINT_EVERY ?? 10),
};

/** One validator per event type, from the published files (<ce_type>.json). */
function loadValidators(dir) {
  const ajv = new Ajv2020({ allErrors: true });
  addFormats(ajv);
  const schemas = new Map();
  const validators = new Map();
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".json"))) {
    const schema = JSON.parse(readFileSync(path.join(dir, file), "utf8"));
    const type = file.slice(0, -".json".length);
    schemas.set(type, schema);
    validators.set(type, ajv.compile(schema));
  }
  return { schemas, validators };
}

const { schemas, validators } = loadValidators(config.schemaDir);
const triaged = schemas.get("grievance.triaged.v1");
if (!triaged) throw new Error(`no grievance.triaged.v1.json in ${config.schemaDir}`);
// The rows and columns come from the published enums, so a category added later shows up.
const categories = triaged.properties.category.enum;
const urgencies = triaged.properties.urgency.enum;

const counts = new Map(categories.map((c) => [c, new Map(urgencies.map((u) => [u, 0]))]));
/** Delivery is at least once: an event seen again has the same ce_id and is not counted twice. */
const counted = new Set();
const seen = { read: 0, invalid: 0, skipped: 0 };

function countTriaged(data) {
  const row = counts.get(data.category) ?? new Map(urgencies.map((u) => [u, 0]));
  counts.set(data.category, row);
  row.set(data.urgency, (row.get(data.urgency) ?? 0) + 1);
}

function headersOf(message) {
  return Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, v === undefined ? undefined : String(v)]));
}

function handle({ partition, message }) {
  seen.read += 1;
  const headers = headersOf(message);
  const where = `${config.topic}/${partition}@${message.offset}`;
  const type = headers.ce_type;
  const validate = validators.get(type);
  if (!validate) {
    // A type this subscriber has no schema for (a new version, say): leave it, say so.
    seen.skipped += 1;
    console.warn(`skipped ${where}: no published schema for ce_type ${type ?? "(missing)"}`);
    return;
  }
  let data;
  try {
    data = JSON.parse(message.value?.toString() ?? "");
  } catch {
    seen.invalid += 1;
    console.warn(`invalid ${where} ${type} ${headers.ce_id}: the value is not JSON`);
    return;
  }
  if (!validate(data)) {
    seen.invalid += 1;
    const why = validate.errors.map((e) => `${e.instancePath || "(data)"} ${e.message}`).join("; ");
    console.warn(`invalid ${where} ${type} ${headers.ce_id}: ${why}`);
    return;
  }
  // v2 publishes the same public fields as v1 (only the internal event seals more).
  if ((type === "grievance.triaged.v1" || type === "grievance.triaged.v2") && !counted.has(headers.ce_id)) {
    counted.add(headers.ce_id);
    countTriaged(data);
  }
}

function printTable() {
  const width = Math.max(8, ...[...counts.keys()].map((c) => c.length));
  const line = (label, cells) => [label.padEnd(width), ...cells.map((c) => String(c).padStart(5))].join(" ");
  const rows = [...counts].map(([category, row]) => {
    const cells = urgencies.map((u) => row.get(u));
    return line(category, [...cells, cells.reduce((a, b) => a + b, 0)]);
  });
  const totals = urgencies.map((u) => [...counts.values()].reduce((sum, row) => sum + row.get(u), 0));
  console.log(
    [
      `${seen.read} events read (${seen.invalid} invalid, ${seen.skipped} skipped); grievances triaged, by category and urgency:`,
      line("category", [...urgencies, "total"]),
      ...rows,
      line("total", [...totals, totals.reduce((a, b) => a + b, 0)]),
      "",
    ].join("\n"),
  );
}

const kafka = new Kafka({ clientId: config.group, brokers: config.brokers, logLevel: logLevel.WARN });
const consumer = kafka.consumer({ groupId: config.group });

async function stop() {
  printTable();
  await consumer.disconnect();
  process.exit(0);
}
process.once("SIGINT", stop);
process.once("SIGTERM", stop);

await consumer.connect();
// A new group starts from the first event the topic still holds; a known group from where it stopped.
await consumer.subscribe({ topic: config.topic, fromBeginning: true });
console.log(`reading ${config.topic} as group ${config.group}, schemas from ${config.schemaDir}`);
await consumer.run({
  eachMessage: async (payload) => {
    handle(payload);
    if (seen.read % config.printEvery === 0) printTable();
  },
});
