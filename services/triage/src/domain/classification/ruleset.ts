// The classification ruleset: the reviewable JSON file, its zod schema, and its
// compiled form (phrases turned into regular expressions once, at load).
import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { Category, Urgency } from "@grievance-hub/schema";
import { compileDangerModel, DangerModelFile, DatedVersion, type DangerModel } from "./danger-model";
import { normaliseText } from "./normalise";
import { NeedleIndex } from "./needles";

export const defaultRulesetPath: string = fileURLToPath(new URL("../../../rules/ruleset.json", import.meta.url));

const ELLIPSIS = "...";

/**
 * A phrase as a reviewer writes it: plain words, `*` at the end of an English word
 * for any ending ("threat*"), `...` for a short gap ("反映...次", "burn ... down").
 */
const Phrase = z.string().superRefine((raw, ctx) => {
  const phrase = normaliseText(raw).trim();
  if (phrase === "") {
    ctx.addIssue({ code: "custom", message: "a phrase must not be empty" });
    return;
  }
  const parts = phrase.split(ELLIPSIS).map((p) => p.trim());
  if (parts.some((p) => p === "")) {
    ctx.addIssue({ code: "custom", message: `"${raw}": "..." must stand between two words` });
  }
  if (/(^|[^a-z])\*|\*[a-z0-9]/.test(phrase)) {
    ctx.addIssue({ code: "custom", message: `"${raw}": "*" may only end an English word` });
  }
});

const Pattern = z.string().superRefine((source, ctx) => {
  try {
    new RegExp(source, "giu");
  } catch (error) {
    ctx.addIssue({ code: "custom", message: `not a valid regular expression: ${(error as Error).message}` });
    return;
  }
  // A lookbehind that may reach back over the whole text is checked again at every position:
  // quadratic in the text, and it made classification seven times slower once.
  if (/\(\?<[!=](?:[^()]|\([^()]*\))*(?:\[\\s\\S\]|\[\^[^\]]*\]|\.)[*+]/.test(source)) {
    ctx.addIssue({ code: "custom", message: "a lookbehind with an unbounded '*' or '+' rescans the text at every position; use 'unlessAnywhere' (or a bounded {0,n})" });
  }
});

const RuleId = z
  .string()
  .regex(/^[a-z0-9]+(?:[.-][a-z0-9]+)*$/, "a rule id is lowercase words joined by '-' or '.', e.g. \"p1.weapon\"");

const matchFields = {
  id: RuleId,
  note: z.string().optional(),
  zh: z.array(Phrase).optional(),
  en: z.array(Phrase).optional(),
  patterns: z.array(Pattern).optional(),
  /** A match that is part of one of these phrases does not count ("打电话" is not "打"). */
  except: z.array(Phrase).optional(),
  /** The rule fires only if one of these also appears somewhere in the text. */
  onlyIfAlso: z.array(Phrase).min(1).optional(),
  /**
   * Regular expressions: the rule does not fire when one of them matches anywhere in the text
   * (an injury told alongside "accident" or "surgery"). One scan of the text, where a
   * lookbehind over the whole text in every pattern would scan it again at every position.
   */
  unlessAnywhere: z.array(Pattern).min(1).optional(),
};

function hasSomethingToMatch(rule: { zh?: string[]; en?: string[]; patterns?: string[] }): boolean {
  return (rule.zh?.length ?? 0) + (rule.en?.length ?? 0) + (rule.patterns?.length ?? 0) > 0;
}
const nothingToMatch = { message: "a rule needs at least one phrase (zh or en) or pattern" };

const CategoryRule = z.strictObject({ ...matchFields, weight: z.number().int().min(1).max(10) }).refine(hasSomethingToMatch, nothingToMatch);

const UrgencyRule = z
  .strictObject({
    ...matchFields,
    level: Urgency,
    /** false: the rule fires even when negated ("I won't kill myself" is still self-harm talk). */
    negatable: z.boolean().default(true),
    /** Whether frames ("剧本杀", a news story, a concluded case) can set this rule's words aside; by default only P1 rules can. */
    framed: z.boolean().optional(),
  })
  .refine(hasSomethingToMatch, nothingToMatch);

/**
 * A frame: words that show a danger word is not about present danger to anyone ("剧本杀",
 * "prices are killing pensioners", "在新闻上看到", "was convicted and has had no contact since").
 * A P1 match the frame reaches is set aside; if a doubt cue appears in the text, it is held at
 * `framing.heldAt` (P2) instead, never lower.
 */
const FrameRule = z
  .strictObject({
    ...matchFields,
    /** What kind of framing this is, for the reader: a figure of speech, a product, a report, the law, a concluded past case, a non-violent threat. */
    kind: z.enum(["figure-of-speech", "product", "report", "law", "concluded", "non-violent"]),
    /** How far the frame reaches: only the danger words inside its own match, its clause, or its sentence. */
    reach: z.enum(["match", "clause", "sentence"]),
    /** true: the frame may also set aside rules that are never negated (self-harm talk), but only when no doubt cue appears. */
    evenIfNotNegatable: z.boolean().default(false),
    /** Doubt cues for this frame only, on top of framing.doubt: the framed words are held at heldAt. */
    doubtIf: z.array(Phrase).optional(),
    /** With one of these anywhere in the text the frame does not apply at all (first-person harm next to a news story, 'released', 'again'). */
    notIf: z.array(Phrase).optional(),
  })
  .refine(hasSomethingToMatch, nothingToMatch);

const Framing = z.strictObject({
  note: z.string().optional(),
  /** The urgency framed P1 evidence is held at when doubt remains. */
  heldAt: Urgency,
  /** Signs of present danger anywhere in the text: with one, framed P1 evidence is held at heldAt instead of set aside. */
  doubt: z.strictObject({ zh: z.array(Phrase).optional(), en: z.array(Phrase).optional(), patterns: z.array(Pattern).optional() }),
  /** Characters that end a clause and a sentence, for frames that reach that far (text is folded first: "，" is ","). */
  clauseBreaks: z.array(z.string().min(1)).min(1),
  sentenceBreaks: z.array(z.string().min(1)).min(1),
  frames: z.array(FrameRule),
});

const NegationLanguage = z.strictObject({
  note: z.string().optional(),
  cues: z.array(Phrase).min(1),
  /** Largest distance from cue to phrase: characters for Chinese, words for English. */
  window: z.number().int().min(0).max(10),
  /** Phrases that contain a cue but do not negate ("不停", "won't stop"). */
  notNegation: z.array(Phrase),
  /** Punctuation and words that end a negation's reach ("，", "but"). */
  clauseBreaks: z.array(z.string().min(1)),
});

export const RulesetFile = z
  .strictObject({
    version: DatedVersion,
    notes: z.array(z.string()).optional(),
    defaults: z.strictObject({
      category: Category,
      urgency: Urgency,
      /** Below this total weight the text is not about any category: the default applies. */
      minimumCategoryScore: z.number().int().min(1),
    }),
    /** How far "..." in a phrase reaches: characters for Chinese, words for English. */
    gap: z.strictObject({ zh: z.number().int().min(1).max(20), en: z.number().int().min(1).max(10) }),
    negation: z.strictObject({ zh: NegationLanguage, en: NegationLanguage }),
    categories: z.partialRecord(Category, z.array(CategoryRule)),
    urgency: z.array(UrgencyRule),
    framing: Framing.optional(),
    /**
     * The learned second opinion (danger-model.ts): the file, relative to this one, and the
     * version it must carry, so a ruleset version pins the model it was measured with. When the
     * model's score passes `threshold` and the rules decided less urgent than `raiseTo`, it raises.
     */
    model: z
      .strictObject({
        note: z.string().optional(),
        file: z.string().min(1),
        version: DatedVersion,
        threshold: z.number(),
        raiseTo: Urgency,
        /**
         * The urgency rules whose words may explain a raise: words that tell of danger on their
         * own ("害怕", "drunk", "gas"). The model weighs every word of the text, and many that
         * weigh most are neutral on their own ("丈夫", "tonight"): a caseworker shown "P1 because:
         * husband" learns nothing. The raise is shown by the words of these rules that the model
         * weighed most, or by no word at all when none of them carried it.
         */
        explainBy: z.array(RuleId).min(1),
      })
      .optional(),
  })
  .superRefine((file, ctx) => {
    const seen = new Set<string>();
    const check = (id: string, path: (string | number)[]) => {
      if (seen.has(id)) ctx.addIssue({ code: "custom", path: [...path, "id"], message: `rule id "${id}" is used twice` });
      seen.add(id);
    };
    for (const [category, rules] of Object.entries(file.categories)) rules?.forEach((r, i) => check(r.id, ["categories", category, i]));
    file.urgency.forEach((r, i) => check(r.id, ["urgency", i]));
    file.framing?.frames.forEach((r, i) => check(r.id, ["framing", "frames", i]));
    const urgencyIds = new Set(file.urgency.map((r) => r.id));
    file.model?.explainBy.forEach((id, i) => {
      if (!urgencyIds.has(id)) ctx.addIssue({ code: "custom", path: ["model", "explainBy", i], message: `"${id}" is not an urgency rule of this ruleset` });
    });
  });
export type RulesetFile = z.infer<typeof RulesetFile>;

/** A ruleset that failed to load; the message names the file and the bad fields. */
export class RulesetError extends Error {
  override readonly name = "RulesetError";
}

// ---- compiled form ----------------------------------------------------------

export interface CompiledPhrase {
  /** The phrase or pattern as written in the file. */
  source: string;
  regex: RegExp;
  /**
   * The literal pieces ("needles") the folded text must contain for the phrase to match at all,
   * as ids in the ruleset's `needles` index, whose one scan of a text says which are in it: most
   * phrases of a large ruleset are absent from any one grievance. Empty for patterns (raw
   * regular expressions).
   */
  needleIds: Int32Array;
}

export interface CompiledRule {
  id: string;
  phrases: CompiledPhrase[];
  except: CompiledPhrase[];
  onlyIfAlso: CompiledPhrase[];
  unlessAnywhere: RegExp[];
}
export interface CompiledCategoryRule extends CompiledRule {
  category: Category;
  weight: number;
}
export interface CompiledUrgencyRule extends CompiledRule {
  level: Urgency;
  negatable: boolean;
  framed: boolean;
}

export interface CompiledFrame extends CompiledRule {
  kind: z.infer<typeof FrameRule>["kind"];
  reach: z.infer<typeof FrameRule>["reach"];
  evenIfNotNegatable: boolean;
  doubtIf: CompiledPhrase[];
  notIf: CompiledPhrase[];
}

export interface CompiledFraming {
  heldAt: Urgency;
  doubt: CompiledPhrase[];
  clauseBreaks: string[];
  sentenceBreaks: string[];
  frames: CompiledFrame[];
}

export interface CompiledNegation {
  /** Chinese cues count distance in characters, English cues in words. */
  cues: Array<CompiledPhrase & { unit: "char" | "word"; window: number }>;
  notNegation: CompiledPhrase[];
  clauseBreaks: CompiledPhrase[];
}

export interface Ruleset {
  version: string;
  defaults: RulesetFile["defaults"];
  /** In file order, which also breaks ties between categories. */
  categoryOrder: Category[];
  categoryRules: CompiledCategoryRule[];
  urgencyRules: CompiledUrgencyRule[];
  negation: CompiledNegation;
  /** Absent in a ruleset without framing: nothing is set aside. */
  framing?: CompiledFraming;
  /** Every phrase's needles, found in a text in one scan (needles.ts). */
  needles: NeedleIndex;
  /** Absent in a ruleset without a model: the rules alone decide. */
  model?: { model: DangerModel; threshold: number; raiseTo: Urgency; explainBy: ReadonlySet<string> };
}

const CJK = /[\p{Script=Han}\u3000-\u303f]/u;
const LATIN_WORD_CHAR = /[a-z0-9]/;

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** One part of a phrase, between "..." gaps: spaces match any whitespace, "word*" any ending. */
function partToRegex(part: string): string {
  let body = escapeRegex(part).replace(/\s+/g, "\\s+").replace(/\\\*/g, "[a-z']*");
  if (LATIN_WORD_CHAR.test(part[0] ?? "")) body = `(?<![a-z0-9])${body}`;
  if (LATIN_WORD_CHAR.test(part.at(-1) ?? "") || part.endsWith("*")) body = `${body}(?![a-z0-9])`;
  return body;
}

/** Compiles one phrase of a ruleset, its needles interned in the ruleset's index. */
type PhraseCompiler = (raw: string) => CompiledPhrase;

function compilePhrase(raw: string, gap: RulesetFile["gap"], index: NeedleIndex): CompiledPhrase {
  const parts = normaliseText(raw).trim().split(ELLIPSIS).map((p) => p.trim());
  let source = partToRegex(parts[0] ?? "");
  for (let i = 1; i < parts.length; i++) {
    const left = parts[i - 1] ?? "";
    const right = parts[i] ?? "";
    const chinese = CJK.test(left.at(-1) ?? "") || CJK.test(right[0] ?? "");
    // A gap never crosses the end of a sentence.
    const gapRegex = chinese ? `[^。!?;\\n]{0,${gap.zh}}?` : `\\s*(?:[^\\s.!?;。]+\\s+){0,${gap.en}}?`;
    source += gapRegex + partToRegex(right);
  }
  // Spaces match any whitespace and "*" any ending, so only the runs between them are literal.
  const needles = parts.flatMap((p) => p.split(/\s+|\*/)).filter((n) => n.length > 0);
  return { source: raw, regex: new RegExp(source, "gu"), needleIds: index.intern(needles) };
}

function compilePattern(source: string): CompiledPhrase {
  return { source, regex: new RegExp(source, "giu"), needleIds: new Int32Array(0) };
}

function compileRule(rule: z.infer<typeof CategoryRule> | z.infer<typeof UrgencyRule> | z.infer<typeof FrameRule>, phrase: PhraseCompiler): CompiledRule {
  return {
    id: rule.id,
    phrases: [...(rule.zh ?? []).map(phrase), ...(rule.en ?? []).map(phrase), ...(rule.patterns ?? []).map(compilePattern)],
    except: (rule.except ?? []).map(phrase),
    onlyIfAlso: (rule.onlyIfAlso ?? []).map(phrase),
    unlessAnywhere: (rule.unlessAnywhere ?? []).map((source) => new RegExp(source, "iu")),
  };
}

function compileFraming(framing: NonNullable<RulesetFile["framing"]>, phrase: PhraseCompiler): CompiledFraming {
  return {
    heldAt: framing.heldAt,
    doubt: [...(framing.doubt.zh ?? []).map(phrase), ...(framing.doubt.en ?? []).map(phrase), ...(framing.doubt.patterns ?? []).map(compilePattern)],
    clauseBreaks: framing.clauseBreaks.map((b) => normaliseText(b)),
    sentenceBreaks: framing.sentenceBreaks.map((b) => normaliseText(b)),
    frames: framing.frames.map((frame) => ({
      ...compileRule(frame, phrase),
      kind: frame.kind,
      reach: frame.reach,
      evenIfNotNegatable: frame.evenIfNotNegatable,
      doubtIf: (frame.doubtIf ?? []).map(phrase),
      notIf: (frame.notIf ?? []).map(phrase),
    })),
  };
}

function compile(file: RulesetFile, model?: DangerModel): Ruleset {
  const categoryOrder = Object.keys(file.categories) as Category[];
  const needles = new NeedleIndex();
  const phrase: PhraseCompiler = (p) => compilePhrase(p, file.gap, needles);
  const { zh, en } = file.negation;
  return {
    needles,
    ...(file.framing ? { framing: compileFraming(file.framing, phrase) } : {}),
    ...(file.model && model ? { model: { model, threshold: file.model.threshold, raiseTo: file.model.raiseTo, explainBy: new Set(file.model.explainBy) } } : {}),
    version: file.version,
    defaults: file.defaults,
    categoryOrder,
    categoryRules: categoryOrder.flatMap((category) =>
      (file.categories[category] ?? []).map((rule) => ({ ...compileRule(rule, phrase), category, weight: rule.weight })),
    ),
    urgencyRules: file.urgency.map((rule) => ({ ...compileRule(rule, phrase), level: rule.level, negatable: rule.negatable, framed: rule.framed ?? rule.level === "P1" })),
    negation: {
      cues: [
        ...zh.cues.map((c) => ({ ...phrase(c), unit: "char" as const, window: zh.window })),
        ...en.cues.map((c) => ({ ...phrase(c), unit: "word" as const, window: en.window })),
      ],
      notNegation: [...zh.notNegation, ...en.notNegation].map(phrase),
      clauseBreaks: [...zh.clauseBreaks, ...en.clauseBreaks].map(phrase),
    },
  };
}

function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = "";
  for (const key of path) out += typeof key === "number" ? `[${key}]` : `${out === "" ? "" : "."}${String(key)}`;
  return out === "" ? "(top level)" : out;
}

function validate<T>(schema: z.ZodType<T>, json: unknown, what: string): T {
  const result = schema.safeParse(json);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `  - ${formatPath(issue.path)}: ${issue.message}`);
    throw new RulesetError(`${what} is invalid:\n${lines.join("\n")}`);
  }
  return result.data;
}

/**
 * Validates and compiles an already-parsed ruleset; `sourceName` names it in errors. A ruleset
 * that names a model needs the model's parsed file too (`loadRuleset` reads it from disk).
 */
export function parseRuleset(json: unknown, sourceName: string, modelJson?: { json: unknown; sourceName: string }): Ruleset {
  return compileWithModel(validate(RulesetFile, json, `ruleset ${sourceName}`), sourceName, modelJson);
}

function compileWithModel(file: RulesetFile, sourceName: string, modelJson?: { json: unknown; sourceName: string }): Ruleset {
  if (!file.model) return compile(file);
  if (!modelJson) throw new RulesetError(`ruleset ${sourceName} names the model ${file.model.file}, which was not given`);
  const model = validate(DangerModelFile, modelJson.json, `model ${modelJson.sourceName}`);
  if (model.version !== file.model.version) {
    throw new RulesetError(`ruleset ${sourceName} wants model version ${file.model.version}, but ${modelJson.sourceName} is version ${model.version}`);
  }
  return compile(file, compileDangerModel(model));
}

async function readJson(path: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new RulesetError(`cannot read ${what} ${path}: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new RulesetError(`${what} ${path} is not valid JSON: ${(error as Error).message}`);
  }
}

/** Reads, validates and compiles the ruleset file at `path`, and the model it names (a path relative to it). */
export async function loadRuleset(path: string = defaultRulesetPath): Promise<Ruleset> {
  const json = await readJson(path, "ruleset");
  const file = validate(RulesetFile, json, `ruleset ${path}`);
  if (!file.model) return compileWithModel(file, path);
  const modelPath = resolve(dirname(path), file.model.file);
  return compileWithModel(file, path, { json: await readJson(modelPath, "model"), sourceName: modelPath });
}
