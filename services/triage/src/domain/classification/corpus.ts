// The labelled corpus (services/triage/corpus/): JSON lines of {id, text, lang, category,
// urgency}, hand-written sets under handwritten/, the generator's output under generated/.
// Read by the training commands and the corpus tests; never by the running service.
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { Category, Urgency } from "@grievance-hub/schema";

export const CorpusCase = z.object({
  id: z.string().min(1),
  text: z.string().min(1),
  /** The language the caller used; "mixed" when Chinese and English are combined. */
  lang: z.enum(["zh", "en", "mixed"]),
  category: Category,
  urgency: Urgency,
  /** Why the expectation is what it is, when that is not obvious. */
  note: z.string().optional(),
});
export type CorpusCase = z.infer<typeof CorpusCase>;

export const corpusDir = fileURLToPath(new URL("../../../corpus/", import.meta.url));

/** A corpus row with where it came from: "handwritten/<set>", "generated/<lang>", "grown/<set>" or "corrections/<file>". */
export interface SourcedCase extends CorpusCase {
  source: string;
}

/**
 * Every row of the corpus: hand-written, generated, hand-written after the test split was
 * recorded (grown), and corrections exported from the service.
 */
export function loadCorpus(dir: string = corpusDir): SourcedCase[] {
  return ["handwritten", "generated", "grown", "corrections"].flatMap((folder) => {
    if (!existsSync(`${dir}${folder}`)) return [];
    const files = readdirSync(`${dir}${folder}`).filter((f) => f.endsWith(".jsonl")).sort();
    return files.flatMap((f) => readCorpusFile(`${dir}${folder}/${f}`).map((row) => ({ ...row, source: `${folder}/${f.slice(0, -".jsonl".length)}` })));
  });
}

/** One JSONL file of the corpus, validated line by line (a bad line names its file and line). */
export function readCorpusFile(path: string): CorpusCase[] {
  return readFileSync(path, "utf8")
    .split("\n")
    .flatMap((line, i) => {
      if (line.trim() === "") return [];
      const parsed = CorpusCase.safeParse(JSON.parse(line));
      if (!parsed.success) throw new Error(`${path}:${i + 1}: ${parsed.error.issues.map((x) => `${x.path.join(".")}: ${x.message}`).join("; ")}`);
      return [parsed.data];
    });
}

/** A hand-written set by name (train, holdout, holdout2 … holdout12). */
export function handwrittenSet(name: string): CorpusCase[] {
  return readCorpusFile(`${corpusDir}handwritten/${name}.jsonl`);
}

export function handwrittenSetNames(): string[] {
  return readdirSync(`${corpusDir}handwritten`).filter((f) => f.endsWith(".jsonl")).map((f) => f.slice(0, -".jsonl".length)).sort();
}
