import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { firstLoad } from "../scripts/bundle-budget";
import { daysBetween } from "../web/src/features/dashboard/palette";

describe("the first-load budget", () => {
  it("counts the entry chunk and what it imports statically, gzipped, and not the lazily loaded chunks", () => {
    const dist = mkdtempSync(path.join(os.tmpdir(), "budget-"));
    mkdirSync(path.join(dist, ".vite"));
    mkdirSync(path.join(dist, "assets"));
    const files = { "assets/index.js": "console.log('entry');".repeat(50), "assets/shared.js": "export const x = 1;".repeat(80), "assets/Dashboard.js": "chart".repeat(10_000), "assets/index.css": "body{}" };
    for (const [file, text] of Object.entries(files)) writeFileSync(path.join(dist, file), text);
    writeFileSync(path.join(dist, ".vite/manifest.json"), JSON.stringify({
      "index.html": { file: "assets/index.js", isEntry: true, imports: ["_shared"], dynamicImports: ["src/Dashboard.tsx"], css: ["assets/index.css"] },
      _shared: { file: "assets/shared.js" },
      "src/Dashboard.tsx": { file: "assets/Dashboard.js", isDynamicEntry: true, imports: ["_shared"] },
    }));
    const gz = (file: keyof typeof files) => gzipSync(files[file], { level: 9 }).length;
    const load = firstLoad(dist);
    expect(load.files.map((f) => f.file)).toEqual(["assets/index.js", "assets/shared.js"]);
    expect(load.total).toBe(gz("assets/index.js") + gz("assets/shared.js"));
  });
});

describe("the dashboard's days", () => {
  it("lists every day of the window, both ends included, across a month's end", () => {
    expect(daysBetween("2026-11-29", "2026-12-02")).toEqual(["2026-11-29", "2026-11-30", "2026-12-01", "2026-12-02"]);
    expect(daysBetween("2026-12-05", "2026-12-05")).toEqual(["2026-12-05"]);
  });
});
