// The alert rules and the Grafana dashboard under infra/observability against the metrics the
// services register: every query parses as PromQL (Prometheus' own grammar), names only metrics
// (and their labels) that some service exposes, and the rule file has Prometheus' shape;
// promtool checks it too where it is installed.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { parser } from "@prometheus-io/lezer-promql";
import pg from "pg";
import { describe, expect, it } from "vitest";
import YAML from "yaml";
import { createKafka, createLogger, createMetrics, createProducer, Histogram, OutboxRelay, type Registry } from "@grievance-hub/kit";
import { observeCases } from "../../services/triage/src/metrics";
import { deliveryMetrics } from "../../services/notification/src/delivery/metrics";
import { CircuitBreaker } from "../../services/notification/src/channels/circuit-breaker";

const root = path.resolve(import.meta.dirname, "../..");
const dir = path.join(root, "infra/observability");

/** Each service's registry, built by the same calls the services make at start-up (nothing is connected). */
function registries(): Record<string, Registry> {
  const logger = createLogger("rules-test", "silent");
  const pool = new pg.Pool();
  const kafka = createKafka({ clientId: "rules-test", brokers: ["127.0.0.1:1"], logger });
  const runtime = (name: string) => createMetrics(name, new OutboxRelay({ pool, databaseUrl: "postgres://unused", schema: name, producer: createProducer(kafka), logger, pollIntervalMs: 1000 }), kafka).registry;
  const intake = runtime("intake");
  const triage = runtime("triage");
  observeCases(triage, pool);
  const notification = runtime("notification");
  deliveryMetrics(notification, new CircuitBreaker({ failureThreshold: 1, coolDownMs: 1 }));
  return { intake, triage, notification };
}

/** Series names as Prometheus stores them (a histogram's _bucket, _sum, _count) with their label names. */
function exposedSeries(): Map<string, Set<string>> {
  const series = new Map<string, Set<string>>();
  const add = (name: string, labels: string[]) => {
    const known = series.get(name) ?? new Set<string>();
    for (const l of labels) known.add(l);
    series.set(name, known);
  };
  for (const registry of Object.values(registries())) {
    for (const metric of registry.getMetricsAsArray()) {
      // The registry's default label, and the target labels Prometheus adds to every series.
      const labels = [...((metric as unknown as { labelNames?: string[] }).labelNames ?? []), "service", "job", "instance"];
      if (metric instanceof Histogram) {
        add(`${metric.name}_bucket`, [...labels, "le"]);
        add(`${metric.name}_sum`, labels);
        add(`${metric.name}_count`, labels);
      } else {
        add(metric.name, labels);
      }
    }
  }
  // Prometheus' own, per scrape target.
  add("up", ["job", "instance"]);
  return series;
}

interface Selector {
  metric: string;
  labels: string[];
}

/** The vector selectors of a PromQL expression, or the text Prometheus' grammar could not parse. */
function selectorsOf(expr: string): { selectors: Selector[]; errors: string[] } {
  const selectors: Selector[] = [];
  const errors: string[] = [];
  const cursor = parser.parse(expr).cursor();
  do {
    if (cursor.type.isError) errors.push(`cannot parse at ${cursor.from}: ${JSON.stringify(expr.slice(cursor.from, cursor.from + 20))}`);
    if (cursor.name === "VectorSelector") {
      const node = cursor.node;
      const identifier = node.getChild("Identifier");
      const labels = (node.getChild("LabelMatchers")?.getChildren("UnquotedLabelMatcher") ?? []).map((m) => expr.slice(m.getChild("LabelName")!.from, m.getChild("LabelName")!.to));
      if (identifier) selectors.push({ metric: expr.slice(identifier.from, identifier.to), labels });
      else errors.push(`a selector without a metric name: ${expr.slice(node.from, node.to)}`);
    }
  } while (cursor.next());
  return { selectors, errors };
}

/** What in `expr` is not exposed by any service: unparsable text, unknown metrics, unknown labels. */
function problemsOf(expr: string, series: Map<string, Set<string>>): string[] {
  const { selectors, errors } = selectorsOf(expr);
  if (selectors.length === 0) errors.push("names no metric");
  for (const s of selectors) {
    const labels = series.get(s.metric);
    if (!labels) errors.push(`no service exposes ${s.metric}`);
    else for (const l of s.labels) if (!labels.has(l)) errors.push(`${s.metric} has no label ${l}`);
  }
  return errors;
}

interface RuleFile {
  groups: { name: string; rules: { alert?: string; record?: string; expr: string; for?: string; labels?: Record<string, string>; annotations?: Record<string, string> }[] }[];
}

const loadRules = async () => YAML.parse(await readFile(path.join(dir, "alerts.yml"), "utf8")) as RuleFile;

describe("the alert rules", () => {
  it("have the rule-file shape: groups of named alerts, each with a severity, a summary and a description", async () => {
    const file = await loadRules();
    expect(Object.keys(file)).toEqual(["groups"]);
    const names = file.groups.flatMap((g) => g.rules.map((r) => r.alert));
    expect(new Set(file.groups.map((g) => g.name)).size).toBe(file.groups.length);
    expect(new Set(names).size).toBe(names.length);
    for (const group of file.groups) {
      expect(group.rules.length, group.name).toBeGreaterThan(0);
      for (const rule of group.rules) {
        expect(Object.keys(rule).every((k) => ["alert", "expr", "for", "labels", "annotations"].includes(k)), rule.alert).toBe(true);
        expect(rule.alert, JSON.stringify(rule)).toMatch(/^[A-Z][A-Za-z0-9]+$/);
        expect(typeof rule.expr).toBe("string");
        if (rule.for !== undefined) expect(rule.for, rule.alert).toMatch(/^\d+[smhd]$/);
        expect(["critical", "warning"], rule.alert).toContain(rule.labels?.severity);
        expect(rule.annotations?.summary, rule.alert).toBeTruthy();
        expect(rule.annotations?.description, rule.alert).toBeTruthy();
      }
    }
  });

  it("cover what an operator must hear of", async () => {
    const names = (await loadRules()).groups.flatMap((g) => g.rules.map((r) => r.alert));
    expect(names).toEqual(expect.arrayContaining(["ServiceDown", "ConsumerLagGrowing", "OutboxNotPublishing", "P1CaseUnassigned", "EventsDeadLettered", "DeliveriesFailing", "DeliveriesDeadLettered"]));
  });

  it("query only metrics and labels the services expose", async () => {
    const series = exposedSeries();
    const problems = (await loadRules()).groups.flatMap((g) => g.rules.flatMap((r) => problemsOf(r.expr, series).map((p) => `${r.alert}: ${p}`)));
    expect(problems).toEqual([]);
  });

  it("are refused when they name a metric nobody exposes (the check itself)", () => {
    const series = exposedSeries();
    expect(problemsOf("max(outbox_oldest_unsent_age_seconds) > 60", series)).toEqual([]);
    expect(problemsOf("max(outbox_oldest_unsent_seconds) > 60", series)).toEqual(["no service exposes outbox_oldest_unsent_seconds"]);
    expect(problemsOf('sum(events_applied_total{channel="sms"})', series)).toEqual(["events_applied_total has no label channel"]);
    expect(problemsOf("sum(rate(events_applied_total[5m]) by", series)).not.toEqual([]);
  });

  // promtool comes with Debian's `prometheus` package; where it is missing this check is skipped.
  const promtool = (process.env.PATH ?? "").split(path.delimiter).some((p) => p !== "" && existsSync(path.join(p, "promtool")));
  it.skipIf(!promtool)("pass promtool check rules and check config", async () => {
    const run = promisify(execFile);
    const rules = await run("promtool", ["check", "rules", path.join(dir, "alerts.yml")]);
    expect(rules.stdout).toMatch(/SUCCESS: \d+ rules found/);
    const config = await run("promtool", ["check", "config", path.join(dir, "prometheus.yml")]);
    expect(config.stdout).toContain("is valid prometheus config file syntax");
  });
});

describe("the Grafana dashboard", () => {
  interface Panel {
    type: string;
    title: string;
    datasource?: { type: string; uid: string };
    targets?: { expr: string; refId: string }[];
  }

  it("has panels whose queries name only metrics and labels the services expose", async () => {
    const dashboard = JSON.parse(await readFile(path.join(dir, "grafana-dashboard.json"), "utf8")) as { uid: string; title: string; panels: Panel[]; templating: { list: { name: string; type: string }[] } };
    expect(dashboard.uid).toBeTruthy();
    expect(dashboard.templating.list).toContainEqual(expect.objectContaining({ name: "datasource", type: "datasource" }));
    const panels = dashboard.panels.filter((p) => p.type !== "row");
    expect(panels.length).toBeGreaterThan(10);
    const series = exposedSeries();
    const problems: string[] = [];
    for (const panel of panels) {
      expect(panel.datasource, panel.title).toEqual({ type: "prometheus", uid: "${datasource}" });
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      for (const target of panel.targets ?? []) problems.push(...problemsOf(target.expr, series).map((p) => `${panel.title}: ${p}`));
    }
    expect(problems).toEqual([]);
    // Every metric the services add to the process defaults is on the dashboard.
    const charted = new Set(panels.flatMap((p) => (p.targets ?? []).flatMap((t) => selectorsOf(t.expr).selectors.map((s) => s.metric.replace(/_(bucket|sum|count)$/, "")))));
    const own = [...series.keys()].filter((m) => !/^(process_|nodejs_|up$)/.test(m)).map((m) => m.replace(/_(bucket|sum|count)$/, ""));
    expect(own.filter((m) => !charted.has(m))).toEqual([]);
  });
});

