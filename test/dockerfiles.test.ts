// Lints the services' Dockerfiles. hadolint is neither a Debian package nor a maintained npm
// package here, so its key rules (numbers in brackets) are checked on dockerfile-ast's parse.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { flag, imageNames, root, runCommands, serviceImage } from "./dockerfiles";

const defaultPorts = { intake: "3001", triage: "3002", notification: "3003", console: "3004" };

describe.each(imageNames)("services/%s/Dockerfile", (name) => {
  const image = serviceImage(name);

  it("builds in stages from the official Node 24 slim image, pinned to a release (DL3006, DL3007)", () => {
    expect(image.stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of image.stages) {
      expect(stage.image).toMatch(/^node:24\.\d+\.\d+-[a-z]+-slim$/);
      expect(stage.image).not.toMatch(/:latest$/);
    }
  });

  it("names each stage it copies from, before that stage is used (DL3022)", () => {
    const names = image.stages.map((s) => s.name);
    image.stages.forEach((stage, index) => {
      for (const i of stage.instructions.filter((i) => i.getKeyword() === "COPY")) {
        const from = flag(i, "from");
        if (from) expect(names.slice(0, index)).toContain(from);
      }
    });
  });

  it("runs as a user that is not root (DL3002), with code it cannot change", () => {
    expect(image.user).toBeDefined();
    expect(image.user).not.toMatch(/^(root|0)(:|$)/);
    const runtimeCopies = image.runtime.instructions.filter((i) => i.getKeyword() === "COPY" || i.getKeyword() === "ADD");
    for (const i of runtimeCopies) expect(flag(i, "chown") ?? "root").toMatch(/^root(:root)?$/);
    expect(runCommands(image.runtime).join("\n")).not.toMatch(/\bchown\b/);
  });

  it("has no package manager, compiler or source code in the runtime stage", () => {
    const runtime = runCommands(image.runtime).join("\n");
    expect(runtime).not.toMatch(/\b(pnpm|npm|yarn|tsc|apt-get|apk)\b/);
    const copies = image.runtime.instructions.filter((i) => i.getKeyword() === "COPY");
    expect(copies.length).toBeGreaterThan(0);
    for (const i of copies) expect(flag(i, "from")).toBe(image.stages[0]!.name);
  });

  it("starts the compiled service in exec form (DL3025), in production, on its port", () => {
    expect(image.cmd).toEqual(["node", "--conditions=compiled", "dist/main.js"]);
    expect(image.workdir).toMatch(/^\//); // DL3000
    expect(image.env.NODE_ENV).toBe("production");
    expect(image.env.PORT).toBe(defaultPorts[name]);
    // the public port, and the metrics port Prometheus scrapes (the console, which keeps only sessions, has none)
    expect(image.exposed).toEqual(name === "console" ? [defaultPorts[name]] : [defaultPorts[name], "9464"]);
  });

  it("checks its health on /health/ready", () => {
    expect(image.healthcheckCmd[0]).toBe("node");
    expect(image.healthcheckCmd.join(" ")).toContain("/health/ready");
  });

  it("pins what it installs (DL3016) and cleans up after apt (DL3008, DL3009, DL3015)", () => {
    const all = image.stages.flatMap(runCommands).join("\n");
    for (const m of all.matchAll(/npm install --global (\S+)/g)) expect(m[1]).toMatch(/@\d+\.\d+\.\d+$/);
    expect(all).toMatch(/pnpm install --frozen-lockfile/);
    for (const line of all.split("\n").filter((l) => /apt-get install/.test(l))) {
      expect(line).toMatch(/--no-install-recommends/);
      expect(line).toMatch(/rm -rf \/var\/lib\/apt\/lists/);
    }
  });

  it("uses WORKDIR rather than cd (DL3003), COPY rather than ADD (DL3020), and no sudo (DL3004)", () => {
    const all = image.stages.flatMap(runCommands).join("\n");
    expect(all).not.toMatch(/(^|&&|;)\s*cd\s/);
    expect(all).not.toMatch(/\bsudo\b/);
    expect(image.stages.flatMap((s) => s.instructions).map((i) => i.getKeyword())).not.toContain("ADD");
  });
});

describe(".dockerignore", () => {
  const ignored = readFileSync(path.join(root, ".dockerignore"), "utf8").split("\n").map((l) => l.trim());

  it("keeps installed modules, build output, history and local tools out of the build context", () => {
    for (const entry of ["**/node_modules", "**/dist", ".git", ".tools", ".data"]) expect(ignored).toContain(entry);
  });
});
