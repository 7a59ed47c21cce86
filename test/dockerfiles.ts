// The services' Dockerfiles read with a maintained parser (dockerfile-ast), for the tests that
// lint them, check compose against them and do what their stages do without Docker.
import { readFileSync } from "node:fs";
import path from "node:path";
import { DockerfileParser, type Instruction } from "dockerfile-ast";

export const root = path.resolve(import.meta.dirname, "..");
/** The services that own data (a database, Kafka topics, a metrics port). */
export const serviceNames = ["intake", "triage", "notification"] as const;
export type ServiceName = (typeof serviceNames)[number];
/** Every image: the services and the console (the SPA and its BFF: sessions in Postgres, no Kafka). */
export const imageNames = [...serviceNames, "console"] as const;
export type ImageName = (typeof imageNames)[number];

export interface Stage {
  image: string;
  name: string | null;
  instructions: Instruction[];
}

export interface Image {
  path: string;
  text: string;
  stages: Stage[];
  /** The last stage: what the container runs. */
  runtime: Stage;
  /** ENV of the runtime stage, as the container starts with it. */
  env: Record<string, string>;
  workdir: string | undefined;
  cmd: string[];
  healthcheckCmd: string[];
  user: string | undefined;
  exposed: string[];
}

const keyword = (i: Instruction) => i.getKeyword();
const args = (i: Instruction) => (i.getArgumentsContent() ?? "").replace(/\\\n\s*/g, " ");

export function readImage(dockerfile: string): Image {
  const file = path.join(root, dockerfile);
  const text = readFileSync(file, "utf8");
  const stages: Stage[] = [];
  for (const i of DockerfileParser.parse(text).getInstructions()) {
    if (keyword(i) === "FROM") {
      const [image = "", , name = null] = args(i).split(/\s+/);
      stages.push({ image, name, instructions: [] });
    }
    stages.at(-1)?.instructions.push(i);
  }
  const runtime = stages.at(-1)!;
  const env: Record<string, string> = {};
  for (const i of runtime.instructions.filter((i) => keyword(i) === "ENV")) {
    for (const p of (i as unknown as { getProperties: () => { getName: () => string; getValue: () => string | null }[] }).getProperties()) {
      env[p.getName()] = (p.getValue() ?? "").replace(/^"(.*)"$/, "$1");
    }
  }
  const last = (k: string) => runtime.instructions.filter((i) => keyword(i) === k).at(-1);
  const cmd = last("CMD");
  const healthcheck = last("HEALTHCHECK");
  return {
    path: file,
    text,
    stages,
    runtime,
    env,
    workdir: last("WORKDIR") && args(last("WORKDIR")!),
    cmd: cmd ? jsonArray(args(cmd)) : [],
    healthcheckCmd: healthcheck ? jsonArray(args(healthcheck).replace(/^.*?\bCMD\s+/, "")) : [],
    user: last("USER") && args(last("USER")!),
    exposed: runtime.instructions.filter((i) => keyword(i) === "EXPOSE").flatMap((i) => args(i).split(/\s+/)),
  };
}

/** The exec form of CMD and HEALTHCHECK CMD: a JSON array of strings (shell form gives []). */
function jsonArray(text: string): string[] {
  try {
    const parsed = JSON.parse(text) as unknown;
    return Array.isArray(parsed) && parsed.every((s) => typeof s === "string") ? parsed : [];
  } catch {
    return [];
  }
}

export function serviceImage(name: ImageName): Image {
  return readImage(`services/${name}/Dockerfile`);
}

/** The RUN instructions of a stage, each as one line of shell. */
export function runCommands(stage: Stage): string[] {
  return stage.instructions.filter((i) => keyword(i) === "RUN").map(args);
}

/** The value of an instruction's flag, such as COPY's `--from` or `--chown`. */
export function flag(instruction: Instruction, name: string): string | null | undefined {
  const flags = (instruction as unknown as { getFlags?: () => { getName: () => string; getValue: () => string | null }[] }).getFlags?.() ?? [];
  return flags.find((f) => f.getName() === name)?.getValue();
}
