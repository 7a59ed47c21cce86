// `pnpm contract` writes the generated contract into packages/schema/contract/ (and a
// snapshot for each newly published type); `pnpm contract --check` writes nothing and fails,
// listing them, on files that differ from what the code generates and on breaking changes
// to a published type.
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { breakingChanges } from "./compat";
import { formatJson, generateContract, schemaPath, snapshotPath, type Audience, type GeneratedContract, type JsonSchema, type PublishedSnapshot } from "./contract";

export const contractDir = path.resolve(import.meta.dirname, "../contract");

/** What `pnpm contract` owns and rewrites; `published/` it only adds to. */
const generatedPaths = ["json-schema", "asyncapi.yaml"];

/** Every file under `dir`, by path relative to it with / separators. */
async function readTree(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  let entries: string[];
  try {
    entries = await readdir(dir, { recursive: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return files;
    throw err;
  }
  for (const entry of entries.sort()) {
    const full = path.join(dir, entry);
    try {
      files.set(entry.split(path.sep).join("/"), await readFile(full, "utf8"));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EISDIR") throw err;
    }
  }
  return files;
}

function isGenerated(file: string): boolean {
  return generatedPaths.some((f) => file === f || file.startsWith(`${f}/`));
}

/** Generated files that are missing, differ or are left over. */
function differences(contract: GeneratedContract, onDisk: Map<string, string>): string[] {
  const out: string[] = [];
  for (const [file, content] of contract.files) {
    const current = onDisk.get(file);
    if (current === undefined) out.push(`${file}: missing`);
    else if (current !== content) out.push(`${file}: differs from what the code generates (first at line ${firstDifferingLine(current, content)})`);
  }
  for (const file of onDisk.keys()) if (isGenerated(file) && !contract.files.has(file)) out.push(`${file}: no longer generated`);
  return out;
}

function firstDifferingLine(a: string, b: string): number {
  const [x, y] = [a.split("\n"), b.split("\n")];
  const i = x.findIndex((line, n) => line !== y[n]);
  return (i === -1 ? x.length : i) + 1;
}

/**
 * The compatibility gate: each published type against its snapshot and against the schema
 * checked in now (which may have gained optional fields since the snapshot, and must keep them).
 */
function compatibilityProblems(contract: GeneratedContract, onDisk: Map<string, string>): { problems: string[]; unpublished: string[] } {
  const problems: string[] = [];
  const published = new Set<string>();
  for (const [file, content] of onDisk) {
    if (!file.startsWith("published/") || !file.endsWith(".json")) continue;
    const snapshot = JSON.parse(content) as PublishedSnapshot;
    published.add(snapshot.type);
    const current = contract.schemas.get(snapshot.type);
    if (snapshot.retired !== undefined) {
      if (current) problems.push(`${snapshot.type}: ${file} says it is retired, but the code still defines it`);
      continue;
    }
    if (!current) {
      problems.push(`${snapshot.type}: published, but the code no longer produces it; to retire it deliberately, add "retired": "<since when and why>" to ${file}`);
      continue;
    }
    for (const audience of ["internal", "public"] as Audience[]) {
      const checkedIn = onDisk.get(schemaPath(snapshot.type, audience));
      const breaks = new Set(breakingChanges(snapshot[audience], current[audience]));
      if (checkedIn !== undefined) for (const b of breakingChanges(JSON.parse(checkedIn) as JsonSchema, current[audience])) breaks.add(b);
      for (const b of breaks) problems.push(`${snapshot.type} (${audience}): ${b}`);
    }
  }
  const unpublished = [...contract.snapshots.keys()].filter((t) => !published.has(t));
  return { problems, unpublished };
}

/** Problems that make `--check` fail; none when the checked-in contract is what the code generates and nothing published broke. */
export async function checkContract(dir = contractDir): Promise<string[]> {
  const contract = generateContract();
  const onDisk = await readTree(dir);
  const { problems, unpublished } = compatibilityProblems(contract, onDisk);
  return [
    ...differences(contract, onDisk),
    ...unpublished.map((t) => `${snapshotPath(t)}: missing (${t} is not published yet)`),
    ...problems.map((p) => `breaking change: ${p}`),
  ];
}

/** Writes the generated files and the snapshots of new types; refuses, writing nothing, when a published type would break. */
export async function writeContract(dir = contractDir): Promise<{ written: string[]; removed: string[]; refused: string[] }> {
  const contract = generateContract();
  const onDisk = await readTree(dir);
  const { problems, unpublished } = compatibilityProblems(contract, onDisk);
  if (problems.length) return { written: [], removed: [], refused: problems };
  const written: string[] = [];
  const files = new Map(contract.files);
  for (const type of unpublished) files.set(snapshotPath(type), formatJson(contract.snapshots.get(type)));
  for (const [file, content] of files) {
    if (onDisk.get(file) === content) continue;
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), content);
    written.push(file);
  }
  const removed = [...onDisk.keys()].filter((f) => isGenerated(f) && !contract.files.has(f));
  for (const file of removed) await rm(path.join(dir, file));
  return { written, removed, refused: [] };
}

export async function main(args: string[], dir = contractDir, log: (line: string) => void = console.log): Promise<number> {
  if (args.includes("--check")) {
    const problems = await checkContract(dir);
    if (problems.length === 0) {
      log("contract: the checked-in files are what the code generates, and no published type broke");
      return 0;
    }
    log(`contract: ${problems.length} problem(s); run \`pnpm contract\` to regenerate, or make a breaking change a new version (…v2):`);
    for (const p of problems) log(`  ${p}`);
    return 1;
  }
  const { written, removed, refused } = await writeContract(dir);
  if (refused.length) {
    log("contract: not written: these changes would break subscribers of a published type; make them a new version (…v2) instead:");
    for (const p of refused) log(`  ${p}`);
    return 1;
  }
  for (const f of written) log(`  wrote ${f}`);
  for (const f of removed) log(`  removed ${f}`);
  log(`contract: ${written.length} file(s) written, ${removed.length} removed`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
