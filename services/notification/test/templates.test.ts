import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Language } from "@grievance-hub/schema";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { templateCatalogue, templateNames, type TemplateName, type TemplateVariables } from "../src/templates/catalogue";
import {
  DEFAULT_TEMPLATES_DIR,
  TemplateError,
  compileTemplate,
  escapeHtml,
  loadTemplates,
  parseTemplate,
  renderSegments,
  type Templates,
} from "../src/templates/render";

const staffFacts = {
  trackingCode: "7KQ2M-X9PTR",
  category: "neighbour",
  urgency: "P2",
  divisionCode: "110105003002",
  dueBy: "2025-03-01T14:30:00+08:00",
  caseUrl: "https://hub.example.org/cases/7KQ2M-X9PTR?tab=notes&from=mail",
} as const;

const { dueBy: _noDeadline, ...withoutDeadline } = staffFacts;

const sample: { [N in TemplateName]: TemplateVariables<N> } = {
  "grievance.received": { trackingCode: "7KQ2M-X9PTR", statusUrl: "https://hotline.example.org/s" },
  "case.resolved": { trackingCode: "7KQ2M-X9PTR", outcome: "mediated_agreement", statusUrl: "https://hotline.example.org/s" },
  "case.assigned": staffFacts,
  "case.reassigned": staffFacts,
  "case.queued": withoutDeadline,
  "case.escalated": withoutDeadline,
  "case.reassignment_requested": withoutDeadline,
  "case.deadline_near": staffFacts,
  "case.deadline_breached": staffFacts,
  "grievance.p1_alert": { trackingCode: "7KQ2M-X9PTR", category: "family", divisionCode: "110105003002", dueBy: "2025-03-01T14:30:00Z", caseUrl: "https://hub.example.org/cases/1" },
  "session.reminder": { ...withoutDeadline, at: "2025-03-02T09:30:00+08:00" },
  "session.reminder_party": { at: "2025-03-02T09:30:00+08:00", place: "community office, room 2" },
};

const complainantData = { complainantName: "王小明", phone: "+8613800138000", address: "朝阳区某街道 12 号", description: "邻居威胁我" };
const staffData = { caseworkerName: "李娜", caseworkerPhone: "+8613900139000", team: "调解一组" };

let templates: Templates;
beforeAll(async () => {
  templates = await loadTemplates();
});

const pairs = templateNames.flatMap((name) => Language.options.map((language) => [name, language] as const));

describe("the message templates", () => {
  it("exist for every catalogue entry in every language, and nothing else", async () => {
    const files = (await readdir(DEFAULT_TEMPLATES_DIR)).filter((f) => f.endsWith(".txt")).sort();
    expect(files).toEqual(pairs.map(([n, l]) => `${n}.${l}.txt`).sort());
  });

  it.each(pairs)("%s.%s renders every placeholder, in its language", (name, language) => {
    const message = templates.render(name, language, sample[name] as never);
    for (const part of [message.subject, message.text, message.html]) {
      expect(part).not.toMatch(/\{\{|\}\}/);
      // A party to a dispute is not given the complainant's tracking code; their reminder names the place.
      expect(part).toContain("trackingCode" in sample[name] ? "7KQ2M-X9PTR" : "community office");
    }
    expect(message.subject.length).toBeGreaterThan(0);
    expect(message.subject).not.toMatch(/[\r\n]/);
    const cjk = /[\u4e00-\u9fff]/;
    if (language === "zh") expect(message.text).toMatch(cjk);
    else expect(message.text).not.toMatch(cjk);
  });

  it("renders a caseworker's assignment with labels, local deadline and the case link", () => {
    const message = templates.render("case.assigned", "zh", staffFacts);
    expect(message.subject).toBe("[P2] 新案件 7KQ2M-X9PTR 已分派给您");
    expect(message.text).toBe(
      [
        "有一件案件分派给您办理。",
        "",
        "受理编号：7KQ2M-X9PTR",
        "类别：邻里纠纷",
        "紧急程度：P2",
        "区划代码：110105003002",
        "请在此时间前确认受理：2025-03-01 14:30 (UTC+08:00)",
        "",
        "查看并受理案件：https://hub.example.org/cases/7KQ2M-X9PTR?tab=notes&from=mail",
        "",
      ].join("\n"),
    );
  });

  it("tells the complainant the outcome in words, in English too", () => {
    const message = templates.render("case.resolved", "en", sample["case.resolved"]);
    expect(message.text).toContain("settled by a mediated agreement");
    expect(message.text).not.toContain("mediated_agreement");
  });

  it("escapes values and text in the HTML version", () => {
    const { html } = templates.render("case.assigned", "en", staffFacts);
    expect(html).toContain("https://hub.example.org/cases/7KQ2M-X9PTR?tab=notes&amp;from=mail");
    expect(html.startsWith("<p>")).toBe(true);
    expect(html).toContain("Tracking code: 7KQ2M-X9PTR<br>");
    const family = templates.render("case.assigned", "en", { ...staffFacts, category: "family" });
    expect(family.html).toContain("Category: family &amp; marriage");
    expect(family.text).toContain("Category: family & marriage");
  });

  it.each(templateNames.filter((n) => templateCatalogue[n].audience === "staff"))("%s refuses the complainant's personal data", (name) => {
    for (const [key, value] of Object.entries(complainantData)) {
      const attempt = () => templates.render(name, "zh", { ...sample[name], [key]: value } as never);
      expect(attempt).toThrow(TemplateError);
      expect(attempt).toThrow(`${key} (not allowed)`);
      expect(attempt).not.toThrow(value);
    }
  });

  it.each(templateNames.filter((n) => templateCatalogue[n].audience === "complainant"))("%s refuses caseworkers' personal data", (name) => {
    for (const [key, value] of Object.entries(staffData)) {
      const attempt = () => templates.render(name, "en", { ...sample[name], [key]: value } as never);
      expect(attempt).toThrow(`${key} (not allowed)`);
      expect(attempt).not.toThrow(value);
    }
  });

  it("refuses a missing or invalid fact, naming it but not quoting it", () => {
    const { caseUrl: _omitted, ...withoutUrl } = staffFacts;
    expect(() => templates.render("case.assigned", "en", withoutUrl as never)).toThrow(/caseUrl \(invalid_type\)/);
    const badCode = () => templates.render("grievance.received", "en", { trackingCode: "+8613800138000", statusUrl: "https://x.example.org" });
    expect(badCode).toThrow(/trackingCode \(invalid_format\)/);
    expect(badCode).not.toThrow("13800138000");
    expect(() => templates.render("case.assigned", "en", { ...staffFacts, caseUrl: "javascript:alert(1)" })).toThrow(/caseUrl/);
    expect(() => templates.render("case.assigned", "en", { ...staffFacts, category: "gossip" as never })).toThrow(/category/);
  });

  it("shows a UTC deadline as UTC", () => {
    expect(templates.render("grievance.p1_alert", "en", sample["grievance.p1_alert"]).text).toContain("Respond by: 2025-03-01 14:30 (UTC)");
  });

  it("keeps complainant messages within two SMS segments", () => {
    for (const name of templateNames.filter((n) => templateCatalogue[n].audience === "complainant")) {
      const zh = templates.render(name, "zh", sample[name] as never).text.trim();
      const en = templates.render(name, "en", sample[name] as never).text.trim();
      expect(zh.length, `${name}.zh`).toBeLessThanOrEqual(2 * 67);
      expect(en.length, `${name}.en`).toBeLessThanOrEqual(2 * 153);
    }
  });
});

describe("the strict renderer", () => {
  it("substitutes placeholders, with or without inner spaces", () => {
    expect(renderSegments(parseTemplate("A {{x}} and {{ y }}."), { x: "1", y: "2" })).toBe("A 1 and 2.");
  });

  it("fails on a placeholder without a value", () => {
    expect(() => renderSegments(parseTemplate("Hello {{name}}"), {})).toThrow(new TemplateError("no value for {{name}}"));
  });

  it.each(["{{ unclosed", "closed }} only", "{{1digit}}", "{{with-dash}}", "{{}}"])("refuses the malformed template %j", (source) => {
    expect(() => parseTemplate(source)).toThrow(TemplateError);
  });

  it("escapes both the literal text and the values for HTML", () => {
    const html = renderSegments(parseTemplate("<b>{{v}}</b> & co"), { v: `<script>alert("x")</script>'` }, escapeHtml);
    expect(html).toBe("&lt;b&gt;&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39;&lt;/b&gt; &amp; co");
  });

  it("needs a Subject line and a body, and only allowed placeholders", () => {
    const allowed = new Set(["trackingCode"]);
    expect(() => compileTemplate("Hello {{trackingCode}}\n\nbody", allowed, "t")).toThrow(/Subject/);
    expect(() => compileTemplate("Subject: x\n\n  \n", allowed, "t")).toThrow(/empty body/);
    expect(() => compileTemplate("Subject: x\n\nDear {{caseworkerName}}", allowed, "t")).toThrow(/caseworkerName/);
    const ok = compileTemplate("\uFEFFSubject:  Re {{trackingCode}}\r\n\r\nLine\r\n", allowed, "t");
    expect(renderSegments(ok.subject, { trackingCode: "C" })).toBe("Re C");
    expect(renderSegments(ok.body, {})).toBe("Line\n");
  });
});

describe("loading a templates folder", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "templates-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function copyAll(): Promise<void> {
    for (const f of await readdir(DEFAULT_TEMPLATES_DIR)) await writeFile(path.join(dir, f), await readFile(path.join(DEFAULT_TEMPLATES_DIR, f)));
  }

  it("refuses a folder missing a language", async () => {
    await copyAll();
    await rm(path.join(dir, "case.queued.en.txt"));
    await expect(loadTemplates(dir)).rejects.toThrow("missing template case.queued.en.txt");
  });

  it("refuses a template the catalogue does not know", async () => {
    await copyAll();
    await writeFile(path.join(dir, "case.gossip.en.txt"), "Subject: x\n\ny\n");
    await expect(loadTemplates(dir)).rejects.toThrow("case.gossip.en.txt");
    await rm(path.join(dir, "case.gossip.en.txt"));
  });

  it("refuses a template edited to show data its audience must not see", async () => {
    await copyAll();
    await writeFile(path.join(dir, "case.resolved.en.txt"), "Subject: Closed {{trackingCode}}\n\nYour caseworker {{caseworkerName}} closed it.\n");
    await expect(loadTemplates(dir)).rejects.toThrow(/case\.resolved\.en\.txt: \{\{caseworkerName\}\}/);
  });
});
