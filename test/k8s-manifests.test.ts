// The Kubernetes manifests, rendered as `kubectl apply -k` would render them and validated
// offline against the Kubernetes and operator schemas; then what the services rely on from them.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it, vi } from "vitest";
import { topicSpecs } from "@grievance-hub/schema";
import { loadConfig } from "@grievance-hub/kit";
import { IntakeConfig } from "@grievance-hub/intake";
import { TriageConfig } from "@grievance-hub/triage";
import { NotificationConfig } from "@grievance-hub/notification";
import { ConsoleConfig } from "@grievance-hub/console";
import { findKubectl, k8sDir, overlays, parseManifests, render, validateAll, validateManifest, vendoredOperators, type Manifest } from "./k8s/validate";

// Rendering runs kubectl and the first validation compiles the schemas: seconds on a busy machine.
vi.setConfig({ testTimeout: 60_000 });

const prefix = "gh.";
const rendered = new Map<string, Manifest[]>();
const docsOf = (overlay: string) => {
  if (!rendered.has(overlay)) rendered.set(overlay, render(overlay));
  return rendered.get(overlay)!;
};
const ofKind = (docs: Manifest[], kind: string) => docs.filter((d) => d.kind === kind);
const named = (docs: Manifest[], kind: string, name: string) => {
  const found = docs.find((d) => d.kind === kind && d.metadata?.name === name);
  if (!found) throw new Error(`no ${kind}/${name}`);
  return structuredClone(found);
};
/**
 * The environment a Deployment's container gets, as the kubelet builds it: ConfigMaps of envFrom
 * first, then env with $(VAR) expanded; a Secret's value stands in as a long placeholder.
 */
function containerEnv(docs: Manifest[], deployment: Manifest): Record<string, string> {
  const container = (deployment.spec as Any).template.spec.containers[0];
  const env: Record<string, string> = {};
  for (const from of container.envFrom ?? []) {
    const map = docs.find((d) => d.kind === "ConfigMap" && d.metadata?.name === from.configMapRef.name);
    if (!map && from.configMapRef.optional) continue;
    Object.assign(env, (map as Any).data);
  }
  for (const e of container.env) {
    if (e.value !== undefined) env[e.name] = String(e.value).replace(/\$\((\w+)\)/g, (_m, v: string) => env[v] ?? "");
    else if (e.valueFrom?.configMapKeyRef) {
      const ref = e.valueFrom.configMapKeyRef;
      const value = (docs.find((d) => d.kind === "ConfigMap" && d.metadata?.name === ref.name) as Any)?.data?.[ref.key];
      if (value !== undefined) env[e.name] = value;
      else expect(ref.optional, `${e.name}: ConfigMap ${ref.name} has no ${ref.key}`).toBe(true);
    } else if (e.valueFrom?.secretKeyRef && !e.valueFrom.secretKeyRef.optional) env[e.name] = `placeholder-of-${e.valueFrom.secretKeyRef.name}-${e.valueFrom.secretKeyRef.key}-0123456789abcdef`;
  }
  return env;
}

// Loose access into a rendered document's nested fields.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

it("kubectl is installed (it renders Kustomize offline)", () => {
  expect(findKubectl()).toMatch(/kubectl$/);
});

it("vendors the CRD schemas of Strimzi, CloudNativePG and KEDA with their versions", () => {
  expect(vendoredOperators()).toEqual([expect.stringMatching(/^cloudnative-pg-\d+\.\d+\.\d+$/), expect.stringMatching(/^keda-\d+\.\d+\.\d+$/), expect.stringMatching(/^strimzi-\d+\.\d+\.\d+$/)]);
});

describe.each(overlays())("overlay %s", (overlay) => {
  it("renders, and every document is valid against its schema", async () => {
    const docs = docsOf(overlay);
    expect(docs.length).toBeGreaterThan(30);
    expect(await validateAll(docs)).toEqual([]);
  });

  it("has a KafkaTopic for every topic of the contract: replication 3, min.insync.replicas 2, at least the contract's partitions, its kind's retention", () => {
    const topics = new Map(ofKind(docsOf(overlay), "KafkaTopic").map((t) => [(t.spec as Any).topicName as string, t.spec as Any]));
    expect([...topics.keys()].sort()).toEqual(topicSpecs.map((t) => prefix + t.name).sort());
    for (const t of topicSpecs) {
      const spec = topics.get(prefix + t.name);
      expect(spec.replicas).toBe(3);
      expect(spec.config["min.insync.replicas"]).toBe(2);
      expect(spec.partitions).toBeGreaterThanOrEqual(t.partitions);
      expect(spec.config["retention.ms"], t.name).toBe(t.retentionMs);
    }
  });

  it("caps every consumer's replicas at the partition count of the topics it scales on", () => {
    const docs = docsOf(overlay);
    const partitions = new Map(ofKind(docs, "KafkaTopic").map((t) => [(t.spec as Any).topicName as string, (t.spec as Any).partitions as number]));
    const scaled = ofKind(docs, "ScaledObject");
    expect(scaled.map((s) => s.metadata?.name).sort()).toEqual(["intake", "notification", "triage"]);
    for (const s of scaled) {
      const kafkaTriggers = (s.spec as Any).triggers.filter((t: Any) => t.type === "kafka");
      expect(kafkaTriggers.length).toBeGreaterThan(0);
      for (const trigger of kafkaTriggers) {
        expect(partitions.has(trigger.metadata.topic)).toBe(true);
        expect((s.spec as Any).maxReplicaCount).toBeLessThanOrEqual(partitions.get(trigger.metadata.topic)!);
        expect(trigger.metadata.consumerGroup).toBe(`${prefix}${s.metadata?.name}`);
      }
    }
  });

  it("runs each service with its health probes, bounded memory, and secrets only by reference", () => {
    const docs = docsOf(overlay);
    expect(ofKind(docs, "Secret")).toEqual([]);
    for (const d of ofKind(docs, "Deployment")) {
      const [container, ...others] = (d.spec as Any).template.spec.containers;
      expect(others).toEqual([]);
      expect(container.readinessProbe.httpGet.path).toBe("/health/ready");
      expect(container.livenessProbe.httpGet.path).toBe("/health/live");
      expect(container.resources.limits.memory).toBe("256Mi");
      // The console keeps no data and has no metrics port.
      expect(container.ports.map((p: Any) => p.name)).toEqual(d.metadata!.name === "console" ? ["http"] : ["http", "metrics"]);
      for (const env of container.env) {
        if (/PASSWORD|SECRET|_KEY$|TOKEN|PASS$/.test(env.name)) expect(env.valueFrom?.secretKeyRef, env.name).toBeDefined();
      }
      for (const kind of ["ServiceAccount", "Service", "PodDisruptionBudget"]) named(docs, kind, d.metadata!.name!);
    }
  });

  it("gives each service an environment its own start-up checks accept", () => {
    const docs = docsOf(overlay);
    const loaders: Record<string, (env: Record<string, string>) => unknown> = {
      intake: (env) => loadConfig(IntakeConfig, env),
      triage: (env) => loadConfig(TriageConfig, env),
      notification: (env) => loadConfig(NotificationConfig, env),
      console: (env) => loadConfig(ConsoleConfig, env),
    };
    for (const [service, load] of Object.entries(loaders)) {
      const env = containerEnv(docs, named(docs, "Deployment", service));
      expect(env["NODE_ENV"]).toBe("production");
      // One proxy in front of each (the ingress controller, or the console for the services), so rate limits count the caller.
      expect(env["TRUST_PROXY"], service).toBe("1");
      expect(() => load(env), service).not.toThrow();
    }
  });

  it("keeps every service's database connections at full scale within its role's limit and the server's", () => {
    const docs = docsOf(overlay);
    const cluster = named(docs, "Cluster", "postgres").spec as Any;
    const roles = new Map<string, number>(cluster.managed.roles.map((r: Any) => [r.name, r.connectionLimit]));
    for (const service of ["intake", "triage", "notification"]) {
      const pool = Number(containerEnv(docs, named(docs, "Deployment", service))["DB_POOL_SIZE"] ?? 10);
      const pods = (named(docs, "ScaledObject", service).spec as Any).maxReplicaCount as number;
      // per pod: the pool, the outbox relay's LISTEN client and notification's; and one more process (a rebuild, a migration)
      expect(pods * (pool + 2) + pool, service).toBeLessThanOrEqual(roles.get(service)!);
    }
    // the console: a fixed count of pods, each with its pool, and one more pod during a rolling update
    const consoleDeployment = named(docs, "Deployment", "console");
    const consolePool = Number(containerEnv(docs, consoleDeployment)["DB_POOL_SIZE"] ?? 10);
    expect(((consoleDeployment.spec as Any).replicas + 1) * consolePool).toBeLessThanOrEqual(roles.get("console")!);
    const reservedForOperatorAndReplication = 10;
    expect([...roles.values()].reduce((a, b) => a + b, 0) + reservedForOperatorAndReplication).toBeLessThanOrEqual(Number(cluster.postgresql.parameters.max_connections));
  });

  it("gives each service a Kafka user with its own consumer group only", () => {
    const users = ofKind(docsOf(overlay), "KafkaUser");
    for (const service of ["intake", "triage", "notification"]) {
      const acls = (users.find((u) => u.metadata?.name === service)?.spec as Any).authorization.acls;
      const groups = acls.filter((a: Any) => a.resource.type === "group").map((a: Any) => a.resource.name);
      expect(groups).toEqual([`${prefix}${service}`]);
      const writes = acls.filter((a: Any) => a.operations.includes("Write")).map((a: Any) => a.resource.name);
      expect(writes).toContain(`${prefix}deadletter.${service}`);
      expect(writes.filter((t: string) => t.startsWith(`${prefix}deadletter.`))).toEqual([`${prefix}deadletter.${service}`]);
    }
  });
});

describe.each(overlays())("overlay %s: the console", (overlay) => {
  it("is deployed with its image, probes and client secret by reference, reaching its Postgres role and intake, triage and notification by their Services", () => {
    const docs = docsOf(overlay);
    const deployment = named(docs, "Deployment", "console");
    const container = (deployment.spec as Any).template.spec.containers[0];
    expect(container.image).toMatch(/^grievance-hub\/console:/);
    expect(container.command).toEqual(["node", "--conditions=compiled", "dist/main.js"]);
    const env = containerEnv(docs, deployment);
    expect(env["OIDC_CLIENT_SECRET"]).toMatch(/^placeholder-of-grievance-hub-console-/);
    expect([env["INTAKE_URL"], env["TRIAGE_URL"], env["NOTIFICATION_URL"]]).toEqual(["http://intake", "http://triage", "http://notification"]);
    for (const name of ["intake", "triage", "notification"]) named(docs, "Service", name);
    const fromConsole = named(docs, "NetworkPolicy", "services-http-from-console").spec as Any;
    expect(fromConsole.podSelector.matchExpressions[0].values).toEqual(["intake", "triage", "notification"]);
    const egress = (named(docs, "NetworkPolicy", "console").spec as Any).egress.flatMap((e: Any) => e.ports.map((p: Any) => p.port));
    expect(egress).toEqual(expect.arrayContaining([5432, 3001, 3002, 3003, 443]));
    const database = new URL(env["DATABASE_URL"]!);
    expect([database.username, database.hostname, database.password]).toEqual(["console", "postgres-rw", "placeholder-of-postgres-console-password-0123456789abcdef"]);
    expect((named(docs, "Cluster", "postgres").spec as Any).bootstrap.initdb.postInitApplicationSQL).toContain("CREATE SCHEMA console AUTHORIZATION console");
    // Sessions are shared through Postgres: no pinning of a browser to a pod.
    expect((named(docs, "Service", "console").spec as Any).sessionAffinity).toBeUndefined();
  });
});

describe("the validation refuses a broken manifest", () => {
  const docs = () => docsOf(overlays()[0]!);
  it.each<[string, (docs: Manifest[]) => Manifest]>([
    ["a Deployment whose replicas is a string", (d) => Object.assign(named(d, "Deployment", "triage"), { spec: { ...named(d, "Deployment", "triage").spec, replicas: "two" } })],
    ["a Deployment without its selector", (d) => { const x = named(d, "Deployment", "intake"); delete (x.spec as Any).selector; return x; }],
    ["a container port that is not a number", (d) => { const x = named(d, "Deployment", "notification"); (x.spec as Any).template.spec.containers[0].ports[0].containerPort = "http"; return x; }],
    ["a NetworkPolicy with a policy type that does not exist", (d) => { const x = named(d, "NetworkPolicy", "services-default-deny"); (x.spec as Any).policyTypes = [42]; return x; }],
    ["a KafkaTopic whose partitions is a string", (d) => { const x = named(d, "KafkaTopic", "cases-internal"); (x.spec as Any).partitions = "twelve"; return x; }],
    ["a KafkaTopic with a misspelt field", (d) => { const x = named(d, "KafkaTopic", "cases-internal"); (x.spec as Any).partitons = 12; return x; }],
    ["a KafkaNodePool without its roles", (d) => { const x = named(d, "KafkaNodePool", "combined"); delete (x.spec as Any).roles; return x; }],
    ["a KafkaUser ACL with an operation Kafka does not have", (d) => { const x = named(d, "KafkaUser", "triage"); (x.spec as Any).authorization.acls[0].operations = ["Publish"]; return x; }],
    ["a Cluster without its instances", (d) => { const x = named(d, "Cluster", "postgres"); delete (x.spec as Any).instances; return x; }],
    ["a ScheduledBackup with an unknown method", (d) => { const x = named(d, "ScheduledBackup", "postgres-nightly"); (x.spec as Any).method = "tape"; return x; }],
    ["a ScaledObject without scaleTargetRef", (d) => { const x = named(d, "ScaledObject", "triage"); delete (x.spec as Any).scaleTargetRef; return x; }],
    ["a custom resource whose label value is not a string", (d) => { const x = named(d, "KafkaUser", "intake"); x.metadata!["labels"] = { "strimzi.io/cluster": 3 }; return x; }],
    ["an unknown kind", (d) => ({ ...named(d, "KafkaTopic", "cases-internal"), kind: "KafkaTopc" })],
    ["an unknown API version", (d) => ({ ...named(d, "Deployment", "intake"), apiVersion: "apps/v1beta9" })],
  ])("%s", async (_name, breakIt) => {
    const problems = await validateManifest(breakIt(docs()));
    expect(problems).not.toEqual([]);
  });

  it("while the same documents unbroken are valid", async () => {
    const d = docs();
    for (const [kind, name] of [["Deployment", "triage"], ["KafkaTopic", "cases-internal"], ["KafkaNodePool", "combined"], ["Cluster", "postgres"], ["ScaledObject", "triage"]] as const) {
      expect(await validateManifest(named(d, kind, name))).toEqual([]);
    }
  });
});

it("the example Secrets are valid and name what the manifests reference", async () => {
  const examples = parseManifests(readFileSync(path.join(k8sDir, "secrets.example/secrets.yaml"), "utf8"));
  expect(await validateAll(examples)).toEqual([]);
  const provided = new Set(examples.filter((e) => e.kind === "Secret").map((e) => e.metadata!.name!));
  const docs = docsOf("production");
  // Secrets the operators make: the Strimzi cluster CA and users' certificates, the CloudNativePG CA.
  const madeByOperators = new Set(["events-cluster-ca-cert", "postgres-ca", ...ofKind(docs, "KafkaUser").map((u) => u.metadata!.name)]);
  const referenced = new Set<string>();
  JSON.stringify(docs, (key, value) => {
    if ((key === "secretKeyRef" || key === "passwordSecret") && value?.name) referenced.add(value.name);
    if (key === "secret" && value?.secretName) referenced.add(value.secretName);
    if (key === "secret" && value?.name) referenced.add(value.name);
    if (key === "secretTargetRef") for (const r of value) referenced.add(r.name);
    if ((key === "accessKeyId" || key === "secretAccessKey") && value?.name) referenced.add(value.name);
    return value;
  });
  expect([...referenced].filter((n) => !provided.has(n) && !madeByOperators.has(n))).toEqual([]);
  expect([...provided].filter((n) => !referenced.has(n))).toEqual([]);
});
