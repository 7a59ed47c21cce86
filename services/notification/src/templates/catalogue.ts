// Which messages exist, who reads each, and the only facts each may be given. Schemas are
// strict: a fact outside a template's set (a caseworker's name for the complainant, the
// complainant's phone for a caseworker) is refused, not silently dropped.
import { z } from "zod";
import { Category, DivisionCode, ResolutionOutcome, Urgency, type Language } from "@grievance-hub/schema";

const TrackingCode = z.string().regex(/^[0-9A-Z-]{6,16}$/, "a tracking code is 6 to 16 upper-case letters, digits and '-'");
const WebUrl = z.url({ protocol: /^https?$/ });
const Timestamp = z.iso.datetime({ offset: true });

/** What staff (caseworkers, supervisors) are told about a case: no complainant data at all. */
const StaffCaseFacts = z.strictObject({
  trackingCode: TrackingCode,
  category: Category,
  urgency: Urgency,
  divisionCode: DivisionCode,
  /** The deadline the message is about (acknowledge by, resolve by), rendered in its own offset. */
  dueBy: Timestamp,
  caseUrl: WebUrl,
});

export const templateCatalogue = {
  "grievance.received": {
    audience: "complainant",
    variables: z.strictObject({ trackingCode: TrackingCode, statusUrl: WebUrl }),
  },
  "case.resolved": {
    audience: "complainant",
    variables: z.strictObject({ trackingCode: TrackingCode, outcome: ResolutionOutcome, statusUrl: WebUrl }),
  },
  "case.assigned": { audience: "staff", variables: StaffCaseFacts },
  "case.reassigned": { audience: "staff", variables: StaffCaseFacts },
  // case.queued.v1 and case.escalated.v1 carry no deadline: there is none to show.
  "case.queued": { audience: "staff", variables: StaffCaseFacts.omit({ dueBy: true }) },
  "case.escalated": { audience: "staff", variables: StaffCaseFacts.omit({ dueBy: true }) },
  // The caseworker's reason is free text and stays on the case page, not in a message.
  "case.reassignment_requested": { audience: "staff", variables: StaffCaseFacts.omit({ dueBy: true }) },
  "case.deadline_near": { audience: "staff", variables: StaffCaseFacts },
  "case.deadline_breached": { audience: "staff", variables: StaffCaseFacts },
  "grievance.p1_alert": { audience: "staff", variables: StaffCaseFacts.omit({ urgency: true }) },
  // A day before a mediation session: the mediator gets the case's facts and the time (the place, which staff
  // typed and may be someone's home, is on the case page, as a reason is), an invited party when and where.
  "session.reminder": { audience: "staff", variables: StaffCaseFacts.omit({ dueBy: true }).extend({ at: Timestamp }) },
  "session.reminder_party": { audience: "party", variables: z.strictObject({ at: Timestamp, place: z.string().min(1).max(500) }) },
} as const satisfies Record<string, { audience: "complainant" | "party" | "staff"; variables: z.ZodObject }>;

export type TemplateName = keyof typeof templateCatalogue;
export type TemplateVariables<N extends TemplateName> = z.input<(typeof templateCatalogue)[N]["variables"]>;
export const templateNames = Object.keys(templateCatalogue) as TemplateName[];

const categoryLabels: Record<Language, Record<Category, string>> = {
  zh: {
    family: "婚姻家庭",
    neighbour: "邻里纠纷",
    labour: "劳动报酬",
    land_housing: "土地房屋",
    consumer: "消费维权",
    public_services: "公共服务",
    legal: "涉法涉诉",
    other: "其他",
  },
  en: {
    family: "family & marriage",
    neighbour: "neighbour dispute",
    labour: "labour & wages",
    land_housing: "land & housing",
    consumer: "consumer",
    public_services: "public services",
    legal: "legal & litigation",
    other: "other",
  },
};

const outcomeLabels: Record<Language, Record<ResolutionOutcome, string>> = {
  zh: {
    mediated_agreement: "经调解达成协议",
    resolved: "已解决",
    referred_to_court: "已引导至人民法院处理",
    referred_to_agency: "已转交主管部门处理",
    withdrawn: "已撤回",
  },
  en: {
    mediated_agreement: "settled by a mediated agreement",
    resolved: "resolved",
    referred_to_court: "referred to the court",
    referred_to_agency: "referred to the responsible agency",
    withdrawn: "withdrawn",
  },
};

/** Validated facts as the words a reader sees: codes become labels in `language`, timestamps wall-clock time. */
export function displayValues(facts: Record<string, unknown>, language: Language): Record<string, string> {
  const shown: Record<string, string> = {};
  for (const [name, value] of Object.entries(facts)) {
    if (name === "category") shown[name] = categoryLabels[language][Category.parse(value)];
    else if (name === "outcome") shown[name] = outcomeLabels[language][ResolutionOutcome.parse(value)];
    else if (name === "dueBy" || name === "at") shown[name] = wallClock(String(value));
    else shown[name] = String(value);
  }
  return shown;
}

/** `2025-03-01T14:30:00+08:00` -> `2025-03-01 14:30 (UTC+08:00)`: the time where the deadline was set, no time-zone database needed. */
function wallClock(iso: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}(?::?\d{2})?)$/.exec(iso);
  if (!m) return iso;
  return `${m[1]} ${m[2]} (UTC${m[3] === "Z" ? "" : m[3]})`;
}
