// Reports the JavaScript a first visit loads (the entry chunk and the chunks it imports
// statically, gzipped as a server would send them) and fails when it is over the budget.
// Lazily loaded chunks (the dashboard and its charts) are not part of the first load.
import { readFileSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";

export const BUDGET_BYTES = 250 * 1024;

interface ManifestChunk { file: string; isEntry?: boolean; imports?: string[]; dynamicImports?: string[] }

/** The files a first load fetches, with their gzipped sizes. */
export function firstLoad(distDir: string): { files: { file: string; gzip: number }[]; total: number } {
  const manifest = JSON.parse(readFileSync(path.join(distDir, ".vite/manifest.json"), "utf8")) as Record<string, ManifestChunk>;
  const seen = new Set<string>();
  const visit = (key: string) => {
    if (seen.has(key)) return;
    seen.add(key);
    for (const next of manifest[key]!.imports ?? []) visit(next);
  };
  for (const [key, chunk] of Object.entries(manifest)) if (chunk.isEntry) visit(key);
  const files = [...seen]
    .map((key) => manifest[key]!.file)
    .filter((file) => file.endsWith(".js"))
    .map((file) => ({ file, gzip: gzipSync(readFileSync(path.join(distDir, file)), { level: 9 }).length }));
  return { files, total: files.reduce((n, f) => n + f.gzip, 0) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dist = path.resolve(import.meta.dirname, "../dist/web");
  const { files, total } = firstLoad(dist);
  for (const f of files) process.stdout.write(`first load: ${f.file} ${(f.gzip / 1024).toFixed(1)} KiB gzipped\n`);
  process.stdout.write(`first load: ${(total / 1024).toFixed(1)} KiB of JavaScript gzipped (budget ${BUDGET_BYTES / 1024} KiB)\n`);
  if (total > BUDGET_BYTES) {
    process.stderr.write("first load: over budget\n");
    process.exit(1);
  }
}
