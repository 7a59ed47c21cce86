// classify: grievance text in, category + urgency + the evidence for both out. Pure:
// the ruleset comes in as an argument, already loaded and compiled.
import { moreUrgent, type Category, type Urgency } from "@grievance-hub/schema";
import { predictCategory, type CategoryModel } from "./category-model";
import { scoreDanger } from "./danger-model";
import { allPresent, type NeedleIndex } from "./needles";
import { normaliseWithMap, type NormalisedText } from "./normalise";
import type { CompiledFrame, CompiledFraming, CompiledPhrase, CompiledRule, Ruleset } from "./ruleset";

export interface ClassificationInput {
  text: string;
  /** What the operator judged on the call. A category hint decides the category; an urgency hint can only raise urgency. */
  hints?: { category?: Category; urgency?: Urgency };
}

interface SignalBase {
  /** Id of the rule in the ruleset that fired. */
  rule: string;
  /** The caller's own words that the rule matched. */
  matched: string;
  /** Where `matched` starts in the text, in UTF-16 units. */
  at: number;
}
export interface UrgencySignal extends SignalBase {
  kind: "urgency";
  level: Urgency;
  /**
   * For rules that need a second phrase (a vulnerable person and a harm): the second phrase.
   * For a frame held at P2: the doubt cue that kept it from setting the danger words aside.
   */
  alongside?: string;
}
export interface CategorySignal extends SignalBase {
  kind: "category";
  category: Category;
  weight: number;
  alongside?: string;
}
export type Signal = UrgencySignal | CategorySignal;

/** An urgency phrase that matched but was negated ("没有打人", "no threat"), so it did not fire. */
export interface NegatedMatch {
  rule: string;
  matched: string;
  at: number;
  cue: string;
}

/**
 * A match of a framed rule (every P1 rule, and the P2 safety net) that stood inside a frame
 * ("剧本杀", a news report, a concluded case) and so did not fire: set aside, or held at
 * `heldAt` (P2) because the text also shows a sign of present danger.
 */
export interface FramedMatch {
  rule: string;
  matched: string;
  at: number;
  frame: string;
  frameMatched: string;
  heldAt?: Urgency;
}

export type DecidedBy = "rules" | "model" | "default" | "operator-hint";

/** What the category model (category-model.ts) made of the text: the top three categories, each with the caller's words that carried it. */
export interface CategoryModelOpinion {
  version: string;
  confidence: number;
  threshold: number;
  candidates: Array<{ category: Category; probability: number; evidence: Array<{ matched: string; at: number; weight: number }> }>;
}

/** What the learned model (danger-model.ts) made of the text, when the ruleset has one. */
export interface ModelOpinion {
  version: string;
  /** The model's score over the words the rules did not set aside (danger-model.ts: log odds, scaled by the number of features). */
  score: number;
  threshold: number;
  /** Whether it raised the urgency the rules decided (to raiseTo). */
  raised: boolean;
  /**
   * The caller's danger words (ruleset.model.explainBy) the model weighed most, strongest first
   * (at most three): never a word that is neutral on its own. Empty when none carried the score.
   */
  evidence: Array<{ matched: string; at: number; weight: number }>;
}

export interface Classification {
  category: Category;
  urgency: Urgency;
  /** The category model's calibrated confidence in `category` (absent without a category model, 1 for an operator's hint). */
  confidence?: number;
  /**
   * True when a human triager should settle the category before routing: the model is below its
   * threshold, no operator hint decided, and the grievance is not P1 (a P1 never waits).
   */
  needsReview: boolean;
  /** The category model's version, beside the ruleset version, when one decided. */
  modelVersion?: string;
  /** Urgency signals first, most urgent first; then category signals in text order. */
  signals: Signal[];
  rulesetVersion: string;
  reasons: {
    category: { decidedBy: DecidedBy; byRules: Category; scores: Partial<Record<Category, number>> };
    urgency: { decidedBy: DecidedBy; byRules: Urgency };
    negated: NegatedMatch[];
    framed: FramedMatch[];
    model?: ModelOpinion;
    categoryModel?: CategoryModelOpinion;
  };
}

interface Span {
  start: number;
  end: number;
}

const NO_SPANS: readonly Span[] = Object.freeze([]);

function spansOf(phrase: CompiledPhrase, grievance: GrievanceText): readonly Span[] {
  if (!allPresent(phrase.needleIds, grievance.present)) return NO_SPANS;
  const spans: Span[] = [];
  const text = grievance.folded;
  // exec on the compiled (global) regex itself: matchAll would clone it for every phrase and text.
  // Safe to share its lastIndex: classification is synchronous, and it is left at 0.
  const re = phrase.regex;
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    if (m[0].length > 0) spans.push({ start: m.index, end: m.index + m[0].length });
    else re.lastIndex = m.index + ((text.codePointAt(m.index) ?? 0) > 0xffff ? 2 : 1);
  }
  re.lastIndex = 0;
  return spans;
}

const overlaps = (a: Span, b: Span) => a.start < b.end && b.start < a.end;
const contains = (outer: Span, inner: Span) => outer.start <= inner.start && inner.end <= outer.end && (outer.start !== inner.start || outer.end !== inner.end);

/** The text being classified, with helpers that report spans in the caller's own words. */
class GrievanceText {
  readonly norm: NormalisedText;
  /** Which of the ruleset's needles the folded text contains (NeedleIndex.scan). */
  readonly present: Uint8Array;
  constructor(readonly original: string, needles: NeedleIndex) {
    this.norm = normaliseWithMap(original);
    this.present = needles.scan(this.norm.text);
  }
  get folded(): string {
    return this.norm.text;
  }
  originalAt(span: Span): { matched: string; at: number } {
    const at = this.norm.sourceStart[span.start] ?? 0;
    const end = this.norm.sourceEnd[span.end - 1] ?? at;
    return { matched: this.original.slice(at, end), at };
  }
}

class NegationScope {
  private readonly cues: Array<Span & { cue: string; unit: "char" | "word"; window: number }>;
  private readonly clauseBreakEnds: number[];

  constructor(ruleset: Ruleset, private readonly text: GrievanceText) {
    const folded = text.folded;
    const notNegation = ruleset.negation.notNegation.flatMap((p) => spansOf(p, text));
    this.cues = ruleset.negation.cues.flatMap((cue) =>
      spansOf(cue, text)
        .filter((span) => !notNegation.some((n) => overlaps(n, span)))
        .map((span) => ({ ...span, cue: cue.source, unit: cue.unit, window: cue.window })),
    );
    this.clauseBreakEnds = ruleset.negation.clauseBreaks.flatMap((p) => spansOf(p, text).map((s) => s.end));
  }

  /** The cue that negates a match starting at `start`, if one stands close before it in the same clause. */
  negationOf(start: number): string | undefined {
    const clauseStart = Math.max(0, ...this.clauseBreakEnds.filter((end) => end <= start));
    for (const cue of this.cues) {
      if (cue.start < clauseStart || cue.end > start) continue;
      const between = this.text.folded.slice(cue.end, start);
      const distance = cue.unit === "char" ? between.replace(/\s/g, "").length : between.split(/\s+/).filter(Boolean).length;
      if (distance <= cue.window) return cue.cue;
    }
    return undefined;
  }
}

const ABBREVIATIONS = new Set(["mr", "mrs", "ms", "dr", "st", "no", "vs", "etc", "approx", "dept", "govt", "jr", "sr"]);

/**
 * Whether the full stop at `i` ends a sentence: it is followed by a space or the end of the
 * text, and it does not close an abbreviation ("3 a.m.", "e.g.", "Mr.") or a number ("3.5").
 */
function endsSentence(folded: string, i: number): boolean {
  const next = folded[i + 1];
  if (next !== undefined && !/\s/.test(next)) return false;
  const word = /([a-z]+)$/.exec(folded.slice(Math.max(0, i - 12), i))?.[1];
  if (word === undefined) return true;
  if (word.length === 1 && word !== "i" && (i < 2 || folded[i - 2] === "." || /\s/.test(folded[i - 2]!))) return false;
  return !ABBREVIATIONS.has(word);
}

interface FrameHit {
  frame: CompiledFrame;
  span: Span;
  /** The doubt cue that holds this frame's danger words at heldAt, if any. */
  doubt?: Span;
}

/** Where the frames stand in the text, and which P1 matches they reach. */
class FrameScope {
  private readonly hits: FrameHit[];
  private readonly clauseBreaks: number[];
  private readonly sentenceBreaks: number[];

  constructor(readonly framing: CompiledFraming, text: GrievanceText) {
    const folded = text.folded;
    // Offsets in UTF-16 units, as the spans are (an emoji before a break must not shift it).
    const breaksOf = (chars: string[]) => Array.from({ length: folded.length }, (_, i) => i).filter((i) => chars.includes(folded[i]!));
    this.sentenceBreaks = breaksOf(framing.sentenceBreaks).filter((i) => folded[i] !== "." || endsSentence(folded, i));
    this.clauseBreaks = [...new Set([...breaksOf(framing.clauseBreaks), ...this.sentenceBreaks])].sort((a, b) => a - b);
    const firstOf = (phrases: CompiledPhrase[]) => phrases.flatMap((p) => spansOf(p, text)).sort((a, b) => a.start - b.start)[0];
    const globalDoubt = firstOf(framing.doubt);
    this.hits = framing.frames.flatMap((frame) => {
      if (frame.unlessAnywhere.some((r) => r.test(folded))) return [];
      if (frame.onlyIfAlso.length > 0 && !firstOf(frame.onlyIfAlso)) return [];
      if (firstOf(frame.notIf)) return [];
      const exceptions = frame.except.flatMap((p) => spansOf(p, text));
      const doubt = firstOf(frame.doubtIf) ?? globalDoubt;
      return frame.phrases
        .flatMap((p) => spansOf(p, text))
        .filter((span) => !exceptions.some((x) => overlaps(x, span)))
        .map((span) => (doubt === undefined ? { frame, span } : { frame, span, doubt }));
    });
  }

  private segment(breaks: number[], span: Span): Span {
    const start = Math.max(0, ...breaks.filter((b) => b < span.start).map((b) => b + 1));
    const end = Math.min(Number.MAX_SAFE_INTEGER, ...breaks.filter((b) => b >= span.end));
    return { start, end };
  }

  private reaches(hit: FrameHit, span: Span): boolean {
    switch (hit.frame.reach) {
      case "match":
        return hit.span.start <= span.start && span.end <= hit.span.end;
      case "clause":
        return overlaps(this.segment(this.clauseBreaks, hit.span), span);
      case "sentence":
        return overlaps(this.segment(this.sentenceBreaks, hit.span), span);
    }
  }

  /** The first frame that reaches a P1 match of a rule; unnegatable rules only by frames allowed to, and only without doubt. */
  frameOf(span: Span, negatable: boolean): FrameHit | undefined {
    return this.hits.find((hit) => (negatable || (hit.frame.evenIfNotNegatable && hit.doubt === undefined)) && this.reaches(hit, span));
  }
}

interface RuleHit {
  span: Span;
  alongside?: string;
}

/**
 * Where a rule fires: at most one hit per phrase (its first occurrence that is neither
 * part of an exception nor negated), dropping hits inside another hit of the same rule.
 */
function hitsOf(
  rule: CompiledRule,
  text: GrievanceText,
  negation: NegationScope | undefined,
  negated: NegatedMatch[],
  framing?: { scope: FrameScope; negatable: boolean; framed: Array<{ rule: string; span: Span; by: FrameHit }> },
  setAside?: Span[],
): RuleHit[] {
  const folded = text.folded;
  // Most rules match nothing in a text: their phrases first (cheap needle checks), and the rest
  // of the rule (its exceptions, companions and whole-text conditions) only for a rule that can fire.
  const phraseSpans: (readonly Span[])[] = [];
  for (const phrase of rule.phrases) {
    const spans = spansOf(phrase, text);
    if (spans.length > 0) phraseSpans.push(spans);
  }
  if (phraseSpans.length === 0) return [];
  if (rule.unlessAnywhere.some((r) => r.test(folded))) return [];
  let alongside: string | undefined;
  if (rule.onlyIfAlso.length > 0) {
    const companion = rule.onlyIfAlso.flatMap((p) => spansOf(p, text)).sort((a, b) => a.start - b.start)[0];
    if (!companion) return [];
    alongside = text.originalAt(companion).matched;
  }
  const exceptions = rule.except.flatMap((p) => spansOf(p, text));
  const hits: Span[] = [];
  for (const spans of phraseSpans) {
    for (const span of spans) {
      if (exceptions.some((x) => overlaps(x, span))) continue;
      const cue = negation?.negationOf(span.start);
      if (cue !== undefined) {
        setAside?.push(span);
        if (!negated.some((n) => n.rule === rule.id && n.at === text.originalAt(span).at)) {
          negated.push({ rule: rule.id, ...text.originalAt(span), cue });
        }
        continue;
      }
      const frame = framing?.scope.frameOf(span, framing.negatable);
      if (frame !== undefined) {
        if (!framing!.framed.some((f) => f.rule === rule.id && f.span.start === span.start)) framing!.framed.push({ rule: rule.id, span, by: frame });
        continue;
      }
      hits.push(span);
      break;
    }
  }
  return hits
    .filter((span, i) => !hits.some((other, j) => j !== i && contains(other, span)))
    .filter((span, i, all) => all.findIndex((s) => s.start === span.start && s.end === span.end) === i)
    .map((span) => (alongside === undefined ? { span } : { span, alongside }));
}

const URGENCIES: readonly Urgency[] = ["P1", "P2", "P3", "P4"];

/** The signal id of a raise by the learned model. */
export const MODEL_RULE = "model.danger";

function modelOpinion(
  { model, threshold, raiseTo }: NonNullable<Ruleset["model"]>,
  text: GrievanceText,
  setAside: Span[],
  byRules: Urgency,
  explaining: Span[],
): ModelOpinion {
  const { score, evidence } = scoreDanger(model, text.folded, setAside);
  return {
    version: model.version,
    score: Math.round(score * 100) / 100,
    threshold,
    raised: score > threshold && moreUrgent(byRules, raiseTo) !== byRules,
    evidence: explainedBy(evidence, explaining)
      .slice(0, 3)
      .map((e) => ({ ...text.originalAt(e.span), weight: Math.round(e.weight * 1000) / 1000 })),
  };
}

/**
 * The words that explain a model's score: of the danger words the rules found in the text
 * (`explaining`, the ruleset's `model.explainBy`), those the model weighed, each by the weight of
 * its features that overlap it, strongest first. A feature that overlaps none of them (a neutral
 * word such as "丈夫" or "tonight", however much it weighed) explains nothing and is not shown.
 */
function explainedBy(evidence: ReadonlyArray<Span & { weight: number }>, explaining: readonly Span[]): Array<{ span: Span; weight: number }> {
  const words: Array<{ span: Span; weight: number }> = [];
  for (const span of explaining) {
    if (words.some((w) => overlaps(w.span, span))) continue;
    const weight = evidence.filter((f) => overlaps(f, span)).reduce((sum, f) => sum + f.weight, 0);
    if (weight > 0) words.push({ span, weight });
  }
  return words.sort((a, b) => b.weight - a.weight || a.span.start - b.span.start);
}

export function classify(input: ClassificationInput, ruleset: Ruleset, categoryModel?: CategoryModel): Classification {
  const text = new GrievanceText(input.text, ruleset.needles);
  const negation = new NegationScope(ruleset, text);
  const negated: NegatedMatch[] = [];
  const frames = ruleset.framing ? new FrameScope(ruleset.framing, text) : undefined;
  const framedHits: Array<{ rule: string; span: Span; by: FrameHit }> = [];
  /** Words the rules found negated or framed: the model does not count them either. */
  const setAside: Span[] = [];

  /** Where the danger words that may explain the model's opinion stand (ruleset.model.explainBy). */
  const explaining: Span[] = [];
  const urgencySignals: UrgencySignal[] = ruleset.urgencyRules.flatMap((rule) =>
    hitsOf(
      rule,
      text,
      rule.negatable ? negation : undefined,
      negated,
      frames && rule.framed ? { scope: frames, negatable: rule.negatable, framed: framedHits } : undefined,
      setAside,
    ).map((hit) => {
      if (ruleset.model?.explainBy.has(rule.id)) explaining.push(hit.span);
      return {
        rule: rule.id,
        kind: "urgency" as const,
        level: rule.level,
        ...text.originalAt(hit.span),
        ...(hit.alongside === undefined ? {} : { alongside: hit.alongside }),
      };
    }),
  );
  const categorySignals: CategorySignal[] = ruleset.categoryRules.flatMap((rule) =>
    hitsOf(rule, text, undefined, negated).map((hit) => ({
      rule: rule.id,
      kind: "category" as const,
      category: rule.category,
      weight: rule.weight,
      ...text.originalAt(hit.span),
      ...(hit.alongside === undefined ? {} : { alongside: hit.alongside }),
    })),
  );

  const scores: Partial<Record<Category, number>> = {};
  for (const s of categorySignals) scores[s.category] = (scores[s.category] ?? 0) + s.weight;
  let categoryByRules: Category = ruleset.defaults.category;
  let best = ruleset.defaults.minimumCategoryScore - 1;
  for (const category of ruleset.categoryOrder) {
    const score = scores[category] ?? 0;
    if (score > best) {
      best = score;
      categoryByRules = category;
    }
  }
  const categoryFromRules = best >= ruleset.defaults.minimumCategoryScore;

  // Frames: one signal per frame match that set words aside. Held (doubt): it stands at heldAt.
  // Set aside: it does not decide, and is shown at the level the rest of the text reached.
  const heldAt = ruleset.framing?.heldAt ?? "P2";
  const frameSignals: Array<UrgencySignal & { held: boolean }> = [];
  for (const f of framedHits) {
    const held = f.by.doubt !== undefined;
    if (frameSignals.some((s) => s.rule === f.by.frame.id && s.at === text.originalAt(f.by.span).at)) continue;
    frameSignals.push({
      rule: f.by.frame.id,
      kind: "urgency",
      level: held ? heldAt : ruleset.defaults.urgency,
      ...text.originalAt(f.by.span),
      ...(f.by.doubt === undefined ? {} : { alongside: text.originalAt(f.by.doubt).matched }),
      held,
    });
  }
  const deciding = [...urgencySignals, ...frameSignals.filter((s) => s.held)];
  const urgencyByRules = URGENCIES.find((level) => deciding.some((s) => s.level === level)) ?? ruleset.defaults.urgency;
  const opinion = ruleset.model ? modelOpinion(ruleset.model, text, [...setAside, ...framedHits.map((f) => f.span)], urgencyByRules, explaining) : undefined;
  const raisedTo = opinion?.raised ? ruleset.model?.raiseTo : undefined;
  if (opinion && raisedTo) {
    // One signal per word that explains the raise, so each is shown and marked in the text; one
    // without a word when none does: the model read the text as a whole, and says no more.
    const words = opinion.evidence.length > 0 ? opinion.evidence : [{ matched: "", at: 0 }];
    for (const { matched, at } of words) urgencySignals.push({ rule: MODEL_RULE, kind: "urgency", level: raisedTo, matched, at });
  }
  const urgencyByText = raisedTo ?? urgencyByRules;
  for (const s of frameSignals) {
    if (!s.held) s.level = urgencyByRules;
    const { held: _held, ...signal } = s;
    urgencySignals.push(signal);
  }
  const framed: FramedMatch[] = framedHits.map((f) => ({
    rule: f.rule,
    ...text.originalAt(f.span),
    frame: f.by.frame.id,
    frameMatched: text.originalAt(f.by.span).matched,
    ...(f.by.doubt === undefined ? {} : { heldAt }),
  }));
  const urgency = input.hints?.urgency ? moreUrgent(urgencyByText, input.hints.urgency) : urgencyByText;
  const urgencyDecidedBy: DecidedBy =
    urgency !== urgencyByText ? "operator-hint" : raisedTo ? "model" : deciding.length > 0 ? "rules" : "default";

  urgencySignals.sort((a, b) => URGENCIES.indexOf(a.level) - URGENCIES.indexOf(b.level) || a.at - b.at);
  categorySignals.sort((a, b) => a.at - b.at);

  const categoryOpinion = categoryModel ? categoryModelOpinion(categoryModel, text) : undefined;
  const category = input.hints?.category ?? categoryOpinion?.candidates[0]?.category ?? categoryByRules;
  const confidence = input.hints?.category ? 1 : categoryOpinion?.confidence;
  return {
    category,
    urgency,
    ...(confidence === undefined ? {} : { confidence }),
    needsReview: categoryOpinion !== undefined && !input.hints?.category && categoryOpinion.confidence < categoryOpinion.threshold && urgency !== "P1",
    ...(categoryOpinion === undefined ? {} : { modelVersion: categoryOpinion.version }),
    signals: [...urgencySignals, ...categorySignals],
    rulesetVersion: ruleset.version,
    reasons: {
      category: {
        decidedBy: input.hints?.category ? "operator-hint" : categoryOpinion ? "model" : categoryFromRules ? "rules" : "default",
        byRules: categoryByRules,
        scores,
      },
      urgency: { decidedBy: urgencyDecidedBy, byRules: urgencyByRules },
      negated: negated.sort((a, b) => a.at - b.at),
      framed: framed.sort((a, b) => a.at - b.at),
      ...(opinion === undefined ? {} : { model: opinion }),
      ...(categoryOpinion === undefined ? {} : { categoryModel: categoryOpinion }),
    },
  };
}

function categoryModelOpinion(model: CategoryModel, text: GrievanceText): CategoryModelOpinion {
  const opinion = predictCategory(model, text.folded);
  return {
    version: opinion.version,
    confidence: Math.round(opinion.confidence * 10000) / 10000,
    threshold: opinion.threshold,
    candidates: opinion.candidates.map((c) => ({ ...c, evidence: c.evidence.map((e) => ({ ...text.originalAt(e), weight: e.weight })) })),
  };
}
