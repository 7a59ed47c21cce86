// Offline validation of the Kubernetes manifests: each overlay rendered by `kubectl kustomize`,
// each document checked against the Kubernetes schemas (kubernetes-models) or against the
// operators' CRD schemas vendored under infra/k8s/schemas/<operator>-<version>/.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv, type ValidateFunction } from "ajv";
import { parseAllDocuments } from "yaml";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";

export const k8sDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../infra/k8s");

export interface Manifest {
  apiVersion?: unknown;
  kind?: unknown;
  metadata?: { name?: string; namespace?: string; [k: string]: unknown };
  spec?: Record<string, unknown>;
  [k: string]: unknown;
}

/** kubectl's path, or a message saying why the manifests cannot be rendered here. */
export function findKubectl(): string {
  try {
    return execFileSync("sh", ["-c", "command -v kubectl"], { encoding: "utf8" }).trim();
  } catch {
    throw new Error(
      "kubectl is not installed: the Kubernetes manifests cannot be rendered (kubectl kustomize renders them offline). Install kubectl (Debian: apt-get install kubectl, or the kubernetes-client package) and run the test again.",
    );
  }
}

export function overlays(): string[] {
  return readdirSync(path.join(k8sDir, "overlays")).sort();
}

export function render(overlay: string): Manifest[] {
  const yaml = execFileSync(findKubectl(), ["kustomize", path.join(k8sDir, "overlays", overlay)], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  return parseManifests(yaml);
}

export function parseManifests(yaml: string): Manifest[] {
  return parseAllDocuments(yaml)
    .map((d) => d.toJS() as Manifest | null)
    .filter((d): d is Manifest => d !== null);
}

/**
 * The API server prunes or (with strict field validation, kubectl's default) refuses fields a
 * structural schema does not declare; the vendored schemas say so by omission, ajv needs it said.
 */
function closeObjects(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closeObjects);
  if (typeof schema !== "object" || schema === null) return schema;
  const s = Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, k === "enum" || k === "default" || k === "example" ? v : closeObjects(v)])) as Record<string, unknown>;
  if (s["properties"] && s["additionalProperties"] === undefined && !s["x-kubernetes-preserve-unknown-fields"]) s["additionalProperties"] = false;
  return s;
}

const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
const crdValidators = new Map<string, { validate: ValidateFunction; source: string }>();
for (const dir of readdirSync(path.join(k8sDir, "schemas"), { withFileTypes: true })) {
  if (!dir.isDirectory()) continue;
  for (const file of readdirSync(path.join(k8sDir, "schemas", dir.name)).filter((f) => f.endsWith(".json"))) {
    // <group>_<version>_<Kind>.json
    const [group, version, kind] = file.replace(/\.json$/, "").split("_");
    const schema = JSON.parse(readFileSync(path.join(k8sDir, "schemas", dir.name, file), "utf8"));
    crdValidators.set(`${group}/${version}/${kind}`, { validate: ajv.compile(closeObjects(schema) as object), source: dir.name });
  }
}

/** The operators whose CRD schemas are vendored, as <operator>-<version>. */
export const vendoredOperators = () => [...new Set([...crdValidators.values()].map((v) => v.source))].sort();

type KubernetesModel = new (data: unknown) => { validate(): void };

async function kubernetesModel(apiVersion: string, kind: string): Promise<KubernetesModel | undefined> {
  // kubernetes-models lays its classes out as <group>/<version>/<Kind> ("v1/<Kind>" for the core group).
  if (!/^[A-Za-z0-9.]+(\/[A-Za-z0-9]+)?$/.test(apiVersion) || !/^[A-Z][A-Za-z0-9]*$/.test(kind)) return undefined;
  try {
    const mod = (await import(/* @vite-ignore */ `kubernetes-models/${apiVersion}/${kind}`)) as Record<string, unknown>;
    const model = mod[kind];
    return typeof model === "function" && "apiVersion" in model ? (model as unknown as KubernetesModel) : undefined;
  } catch {
    return undefined;
  }
}

/** Every problem of one document, each as "<Kind>/<name>: <where> <what>"; empty when valid. */
export async function validateManifest(doc: Manifest): Promise<string[]> {
  const name = `${String(doc.kind)}/${doc.metadata?.name ?? "(no name)"}`;
  if (typeof doc.apiVersion !== "string" || typeof doc.kind !== "string") return [`${name}: apiVersion and kind are required strings`];
  const crd = crdValidators.get(`${doc.apiVersion}/${doc.kind}`);
  if (crd) {
    const problems: string[] = [];
    if (!crd.validate(doc)) problems.push(...(crd.validate.errors ?? []).map((e) => `${name}: ${e.instancePath || "/"} ${e.message} (${crd.source})`));
    // A custom resource's metadata is the API machinery's ObjectMeta, checked by the same model.
    try {
      new ConfigMap({ metadata: doc.metadata }).validate();
    } catch (err) {
      problems.push(`${name}: metadata ${(err as Error).message}`);
    }
    return problems;
  }
  const model = await kubernetesModel(doc.apiVersion, doc.kind);
  if (!model) return [`${name}: no schema for ${doc.apiVersion} ${doc.kind} (neither a Kubernetes kind nor a vendored CRD)`];
  try {
    new model(doc).validate();
    return [];
  } catch (err) {
    return [`${name}: ${(err as Error).message}`];
  }
}

export async function validateAll(docs: Manifest[]): Promise<string[]> {
  return (await Promise.all(docs.map(validateManifest))).flat();
}
