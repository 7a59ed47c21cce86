// Message templates: `templates/<name>.<lang>.txt`, a `Subject: ` line then the body, with
// `{{variable}}` placeholders. Rendering is strict: facts are validated against the
// template's catalogue entry, a placeholder without a value is an error, and in HTML every
// value and every literal is escaped.
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Language } from "@grievance-hub/schema";
import { displayValues, templateCatalogue, templateNames, type TemplateName, type TemplateVariables } from "./catalogue";

export class TemplateError extends Error {
  override name = "TemplateError";
}

export const DEFAULT_TEMPLATES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../templates");

type Segment = { literal: string } | { variable: string };

export interface RenderedMessage {
  subject: string;
  text: string;
  html: string;
}

export interface Templates {
  render<N extends TemplateName>(name: N, language: Language, variables: TemplateVariables<N>): RenderedMessage;
}

const PLACEHOLDER = /\{\{\s*([A-Za-z][A-Za-z0-9]*)\s*\}\}/g;

/** Splits a template into literals and placeholders; a stray `{{` or `}}` is an error, not text. */
export function parseTemplate(source: string): Segment[] {
  const segments: Segment[] = [];
  let last = 0;
  for (const match of source.matchAll(PLACEHOLDER)) {
    segments.push({ literal: source.slice(last, match.index) });
    segments.push({ variable: match[1]! });
    last = match.index + match[0].length;
  }
  segments.push({ literal: source.slice(last) });
  for (const s of segments) {
    if ("literal" in s && (s.literal.includes("{{") || s.literal.includes("}}"))) throw new TemplateError("malformed placeholder");
  }
  return segments.filter((s) => !("literal" in s) || s.literal.length > 0);
}

export function renderSegments(segments: Segment[], values: Record<string, string>, escape: (s: string) => string = (s) => s): string {
  return segments
    .map((s) => {
      if ("literal" in s) return escape(s.literal);
      const value = values[s.variable];
      if (value === undefined) throw new TemplateError(`no value for {{${s.variable}}}`);
      return escape(value);
    })
    .join("");
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

interface CompiledTemplate {
  subject: Segment[];
  body: Segment[];
}

/** `Subject: ...` on the first line, an optional blank line, then the body. */
export function compileTemplate(source: string, allowed: ReadonlySet<string>, where: string): CompiledTemplate {
  const normalised = source.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n");
  const newline = normalised.indexOf("\n");
  const first = newline < 0 ? normalised : normalised.slice(0, newline);
  const subjectLine = /^Subject:[ \t]*(\S.*)$/.exec(first);
  if (!subjectLine) throw new TemplateError(`${where}: the first line must be "Subject: ..."`);
  const bodySource = (newline < 0 ? "" : normalised.slice(newline + 1)).replace(/^\n/, "").replace(/\s+$/, "") + "\n";
  if (bodySource.trim().length === 0) throw new TemplateError(`${where}: empty body`);
  let compiled: CompiledTemplate;
  try {
    compiled = { subject: parseTemplate(subjectLine[1]!.trim()), body: parseTemplate(bodySource) };
  } catch (err) {
    throw new TemplateError(`${where}: ${(err as Error).message}`);
  }
  for (const s of [...compiled.subject, ...compiled.body]) {
    if ("variable" in s && !allowed.has(s.variable)) throw new TemplateError(`${where}: {{${s.variable}}} is not a variable this template may use`);
  }
  return compiled;
}

/** Reads and checks every template once: each catalogue entry in every language, nothing else. */
export async function loadTemplates(dir: string = DEFAULT_TEMPLATES_DIR): Promise<Templates> {
  const files = new Set((await readdir(dir)).filter((f) => f.endsWith(".txt")));
  const compiled = new Map<string, CompiledTemplate>();
  for (const name of templateNames) {
    const allowed = new Set(Object.keys(templateCatalogue[name].variables.shape));
    for (const language of Language.options) {
      const file = `${name}.${language}.txt`;
      if (!files.delete(file)) throw new TemplateError(`missing template ${file}`);
      compiled.set(`${name}.${language}`, compileTemplate(await readFile(path.join(dir, file), "utf8"), allowed, file));
    }
  }
  if (files.size > 0) throw new TemplateError(`templates not in the catalogue: ${[...files].sort().join(", ")}`);

  return {
    render(name, language, variables) {
      const template = compiled.get(`${name}.${language}`);
      if (!template) throw new TemplateError(`unknown template ${name}.${language}`);
      const parsed = templateCatalogue[name].variables.safeParse(variables);
      if (!parsed.success) {
        // Names and issue codes only: the values may be personal data.
        const issues = parsed.error.issues.flatMap((i) =>
          i.code === "unrecognized_keys" ? i.keys.map((k) => `${k} (not allowed)`) : [`${i.path.join(".") || "(root)"} (${i.code})`],
        );
        throw new TemplateError(`${name}: invalid variables: ${issues.join(", ")}`);
      }
      const values = displayValues(parsed.data, language);
      const subject = renderSegments(template.subject, values);
      if (/[\r\n]/.test(subject)) throw new TemplateError(`${name}: subject would span lines`);
      const text = renderSegments(template.body, values);
      const html = renderSegments(template.body, values, escapeHtml)
        .trimEnd()
        .split(/\n{2,}/)
        .map((paragraph) => `<p>${paragraph.replace(/\n/g, "<br>\n")}</p>`)
        .join("\n");
      return { subject, text, html };
    },
  };
}
