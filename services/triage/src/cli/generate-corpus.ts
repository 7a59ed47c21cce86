// `pnpm corpus:generate [--per-language 2500] [--seed 16]`: composes the generated part of the
// corpus (corpus/generated/{zh,en}.jsonl) from the parts in corpus/parts/{zh,en}.json: a
// situation of each category with its parties, places, amounts and durations filled in, said
// in one register (opener, closer) and sometimes with dialect words; turned into an enquiry
// (P4), given a sign of escalation (P2) or of present danger (P1), or wrapped in a false alarm
// (violence on the news, long past, a figure of speech) that stays P3/P4. Deterministic for a
// seed. The labels come from how a text was composed, so these rows teach vocabulary and
// structure; the honest figures are the hand-written ones (see README).
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { z } from "zod";
import { Category, Urgency } from "@grievance-hub/schema";
import { corpusDir, type CorpusCase } from "../domain/classification/corpus";
import { readFileSync } from "node:fs";

const Parts = z.object({
  slots: z.record(z.string(), z.array(z.string()).min(1)),
  situations: z.array(z.object({ category: Category, texts: z.array(z.string()).min(1) })),
  ambiguous: z.array(z.object({ category: Category, text: z.string(), note: z.string() })),
  urgency: z.object({
    P1: z.array(z.object({ category: Category, text: z.string() })),
    P2: z.array(z.string()),
    P4: z.array(z.string()),
    controls: z.array(z.object({ urgency: Urgency, text: z.string(), note: z.string(), category: Category.optional() })),
  }),
  registers: z.object({ openers: z.array(z.string()), closers: z.array(z.string()) }),
  dialect: z.array(z.tuple([z.string(), z.string()])),
});
type Parts = z.infer<typeof Parts>;

/** mulberry32: a small seeded generator, so the same seed gives the same corpus. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function generate(parts: Parts, lang: "zh" | "en", count: number, seed: number): CorpusCase[] {
  const random = seeded(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const fill = (template: string): string => template.replace(/\{(\w+)\}/g, (whole, slot: string) => (parts.slots[slot] ? pick(parts.slots[slot]) : whole));
  const situation = (category?: Category) => {
    const group = category ? parts.situations.find((s) => s.category === category) ?? pick(parts.situations) : pick(parts.situations);
    return { category: group.category, text: fill(pick(group.texts)) };
  };
  const join = (a: string, b: string) => (lang === "zh" ? `${a}，${b}` : `${a}, and ${b}`);
  const say = (body: string): string => {
    let text = `${fill(pick(parts.registers.openers))}${body}${pick(parts.registers.closers)}`;
    if (random() < 0.25) for (const [from, to] of parts.dialect) if (random() < 0.4) text = text.split(from).join(to);
    if (lang === "en") {
      if (random() < 0.2) text = text.toLowerCase();
      else text = text.charAt(0).toUpperCase() + text.slice(1);
    }
    return text;
  };
  const rows: CorpusCase[] = [];
  const seen = new Set<string>();
  for (let attempts = 0; rows.length < count && attempts < count * 20; attempts++) {
    const roll = random();
    let row: Omit<CorpusCase, "id" | "lang">;
    if (roll < 0.42) {
      const s = situation();
      const body = random() < 0.35 ? join(s.text, situation(s.category).text) : s.text;
      row = { category: s.category, urgency: s.category === "other" ? "P4" : "P3", text: say(body) };
    } else if (roll < 0.54) {
      const s = situation();
      row = { category: s.category, urgency: "P4", text: say(fill(pick(parts.urgency.P4)).replace("{text}", s.text)) };
    } else if (roll < 0.65) {
      const s = situation();
      if (s.category === "other") continue;
      row = { category: s.category, urgency: "P2", text: say(join(s.text, fill(pick(parts.urgency.P2)))) };
    } else if (roll < 0.8) {
      const danger = pick(parts.urgency.P1);
      const body = random() < 0.4 ? join(situation(danger.category).text, fill(danger.text)) : fill(danger.text);
      row = { category: danger.category, urgency: "P1", text: say(body) };
    } else if (roll < 0.91) {
      const control = pick(parts.urgency.controls);
      const s = situation();
      row = { category: control.category ?? s.category, urgency: control.urgency, text: say(fill(control.text).replace("{text}", s.text)), note: control.note };
    } else {
      const a = pick(parts.ambiguous);
      row = { category: a.category, urgency: "P3", text: say(fill(a.text)), note: `ambiguous: ${a.note}` };
    }
    if (seen.has(row.text)) continue;
    seen.add(row.text);
    rows.push({ id: `gen-${lang}-${String(rows.length + 1).padStart(5, "0")}`, lang, ...row });
  }
  return rows;
}

function main(): number {
  const { values } = parseArgs({ options: { "per-language": { type: "string", default: "2500" }, seed: { type: "string", default: "16" } } });
  const count = Number(values["per-language"]);
  const seed = Number(values.seed);
  if (!Number.isInteger(count) || count <= 0 || !Number.isInteger(seed)) {
    process.stderr.write("usage: pnpm corpus:generate [--per-language 2500] [--seed 16]\n");
    return 2;
  }
  for (const lang of ["zh", "en"] as const) {
    const parts = Parts.parse(JSON.parse(readFileSync(`${corpusDir}parts/${lang}.json`, "utf8")));
    const rows = generate(parts, lang, count, seed + (lang === "zh" ? 0 : 1));
    writeFileSync(`${corpusDir}generated/${lang}.jsonl`, rows.map((r) => JSON.stringify(r)).join("\n") + "\n");
    process.stdout.write(`${lang}: ${rows.length} grievances\n`);
  }
  return 0;
}

process.exitCode = main();
