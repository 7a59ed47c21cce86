// Summarises V8 CPU profiles written with BENCH_CPU_PROF (node --cpu-prof): the functions
// with the most self time, and self time by package, so the report can say where time goes.
//   tsx bench/profile-summary.ts bench/results/profiles.tmp/triage.*.cpuprofile [--top 25]
import { readFile } from "node:fs/promises";
import path from "node:path";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

function where(url: string): string {
  const m = /node_modules\/\.pnpm\/[^/]+\/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1]!;
  if (url.startsWith("node:")) return url;
  const i = url.indexOf("/work/");
  return i >= 0 ? url.slice(url.indexOf("/", i + 6) + 1).replace(/^main\//, "") : url || "(native)";
}

async function summarise(file: string, top: number): Promise<void> {
  const profile = JSON.parse(await readFile(file, "utf8")) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const fn = new Map<string, number>();
  const pkg = new Map<string, number>();
  for (const [id, us] of self) {
    const { callFrame: c } = byId.get(id)!;
    const name = `${c.functionName || "(anonymous)"} ${where(c.url)}${c.url ? `:${c.lineNumber + 1}` : ""}`;
    fn.set(name, (fn.get(name) ?? 0) + us);
    const p = c.url ? where(c.url).split(":")[0]!.replace(/\/.*$/, (s) => (c.url.includes("node_modules") ? "" : s)) : c.functionName;
    pkg.set(p, (pkg.get(p) ?? 0) + us);
  }
  const pct = (us: number) => `${((us / total) * 100).toFixed(1).padStart(5)} %`;
  const lines = [`${path.basename(file)}: ${(total / 1e6).toFixed(1)} s sampled`, "  self time by function:"];
  for (const [name, us] of [...fn].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`  ${pct(us)}  ${name}`);
  lines.push("  self time by package or file:");
  for (const [name, us] of [...pkg].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`  ${pct(us)}  ${name}`);
  process.stdout.write(lines.join("\n") + "\n\n");
}

const args = process.argv.slice(2);
const topAt = args.indexOf("--top");
const top = topAt >= 0 ? Number(args[topAt + 1]) : 25;
for (const file of args.filter((a, i) => a !== "--top" && i !== topAt + 1)) await summarise(file, top);
