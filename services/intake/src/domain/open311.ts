// Open311 GeoReport v2 in the hotline's terms: the grievance categories are the services,
// a grievance is a service request. Pure: the catalogue, reading a submitted form into a
// grievance, reading the list filters, and what a public answer may show.
import { z } from "zod";
import { Category, DivisionCode, Language, type CreateGrievanceRequest, type GrievanceStatus } from "@grievance-hub/schema";
import { normalisePhone } from "./phone";

// ---------------------------------------------------------------------------------------
// Services (GET services.json, GET services/{code}.json)

export const Open311Service = z.object({
  service_code: Category,
  service_name: z.string(),
  description: z.string(),
  metadata: z.boolean(),
  type: z.enum(["realtime", "batch", "blackbox"]),
  keywords: z.string(),
  group: z.string(),
});
export type Open311Service = z.infer<typeof Open311Service>;

const catalogue: Record<Category, { name: string; description: string; keywords: string[]; group: string }> = {
  family: {
    name: "Family and marriage",
    description: "Disputes within a family or a marriage: separation, maintenance, care of children or elders, property between relatives.",
    keywords: ["family", "marriage", "divorce", "maintenance", "elder care", "家庭", "婚姻", "赡养", "抚养"],
    group: "disputes between people",
  },
  neighbour: {
    name: "Neighbour dispute",
    description: "Disputes between neighbours: noise, renovation, boundaries, shared walls, leaks, parking, animals.",
    keywords: ["neighbour", "noise", "boundary", "leak", "parking", "邻里", "噪音", "漏水", "装修"],
    group: "disputes between people",
  },
  labour: {
    name: "Labour and wages",
    description: "Wages owed, dismissal, labour contracts, working hours and injuries at work.",
    keywords: ["wages", "salary", "dismissal", "contract", "work injury", "劳动", "工资", "欠薪", "工伤"],
    group: "work and property",
  },
  land_housing: {
    name: "Land and housing",
    description: "Land use rights, demolition and relocation, tenancy, property management and building quality.",
    keywords: ["land", "housing", "tenancy", "rent", "demolition", "property management", "土地", "房屋", "拆迁", "物业"],
    group: "work and property",
  },
  consumer: {
    name: "Consumer",
    description: "Faulty goods or services, refunds, prepaid cards, misleading sales.",
    keywords: ["consumer", "refund", "faulty goods", "prepaid card", "消费", "退款", "预付卡"],
    group: "consumers and public services",
  },
  public_services: {
    name: "Public services",
    description: "Complaints about public services: water, power, heating, sanitation, transport, public offices.",
    keywords: ["public service", "water", "electricity", "heating", "sanitation", "公共服务", "供水", "供暖", "环卫"],
    group: "consumers and public services",
  },
  legal: {
    name: "Legal and litigation",
    description: "Questions about legal procedures, court judgments and their enforcement, legal aid.",
    keywords: ["legal", "court", "judgment", "enforcement", "legal aid", "法律", "诉讼", "执行", "法律援助"],
    group: "legal",
  },
  other: {
    name: "Other",
    description: "Any other grievance; the hotline decides where it belongs.",
    keywords: ["other", "其他"],
    group: "other",
  },
};

/** The service list: one service per grievance category, each with a definition (metadata true). */
export const services: Open311Service[] = Category.options.map((code) => ({
  service_code: code,
  service_name: catalogue[code].name,
  description: catalogue[code].description,
  metadata: true,
  type: "realtime",
  keywords: catalogue[code].keywords.join(", "),
  group: catalogue[code].group,
}));

export function findService(code: string): Open311Service | undefined {
  return services.find((s) => s.service_code === code);
}

export const ServiceAttribute = z.object({
  variable: z.boolean(),
  code: z.string(),
  datatype: z.enum(["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"]),
  required: z.boolean(),
  datatype_description: z.string().nullable(),
  order: z.number().int().positive(),
  description: z.string(),
  values: z.array(z.object({ key: z.string(), name: z.string() })).optional(),
});
export type ServiceAttribute = z.infer<typeof ServiceAttribute>;

export const ServiceDefinition = z.object({ service_code: Category, attributes: z.array(ServiceAttribute) });
export type ServiceDefinition = z.infer<typeof ServiceDefinition>;

// Routing needs the division where a grievance arose and no Open311 field carries it, so it
// is an attribute of every service; language and consent have no Open311 field either.
const attributes: ServiceAttribute[] = [
  {
    variable: true,
    code: "division_code",
    datatype: "string",
    required: true,
    datatype_description: "6 to 12 digits: district, street or township, community or village",
    order: 1,
    description: "Code of the administrative division (community or village where known) where the grievance arose.",
  },
  {
    variable: true,
    code: "language",
    datatype: "singlevaluelist",
    required: false,
    datatype_description: null,
    order: 2,
    description: "Language of the description and of any contact. When not given: Chinese if the description contains Chinese characters, else English.",
    values: [
      { key: "zh", name: "中文" },
      { key: "en", name: "English" },
    ],
  },
  {
    variable: true,
    code: "consent_to_contact",
    datatype: "singlevaluelist",
    required: false,
    datatype_description: null,
    order: 3,
    description: "May the hotline send the person who submitted the request updates on the phone number given? Default: no.",
    values: [
      { key: "true", name: "Yes" },
      { key: "false", name: "No" },
    ],
  },
];

export function serviceDefinition(service: Open311Service): ServiceDefinition {
  return { service_code: service.service_code, attributes };
}

// ---------------------------------------------------------------------------------------
// POST requests.json: the form, read into the body v1 records

/** A parsed application/x-www-form-urlencoded body: a repeated key gives an array. */
export type Form = Record<string, string | string[] | undefined>;
export interface FieldError {
  field: string;
  message: string;
}
/** 404 for a service_code that does not exist (as the spec has it), 400 for every other fault. */
export interface FormRefusal {
  status: 400 | 404;
  errors: FieldError[];
}
export type Open311GrievanceRequest = Omit<CreateGrievanceRequest, "channel">;

/** The spec's limit for a description. */
export const MAX_DESCRIPTION = 4000;
const han = /\p{Script=Han}/u;
const allHan = /^\p{Script=Han}+$/u;

/** zh when the text contains Chinese characters, else en. */
export function detectLanguage(text: string): Language {
  return han.test(text) ? "zh" : "en";
}

/** A Chinese name is written family name first without a space; others given name first. */
export function fullName(first: string | undefined, last: string | undefined): string | undefined {
  if (!first || !last) return first ?? last;
  return allHan.test(first) && allHan.test(last) ? `${last}${first}` : `${first} ${last}`;
}

const knownAttributes = new Set(attributes.map((a) => a.code));
const decimal = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

export function toGrievanceRequest(
  form: Form,
  opts: { defaultPhoneRegion: string },
): { ok: true; request: Open311GrievanceRequest } | { ok: false; refusal: FormRefusal } {
  const errors: FieldError[] = [];
  // The first fault of a field is the one worth telling: "given more than once", not also "is required".
  const refuse = (field: string, message: string) => void (errors.some((e) => e.field === field) || errors.push({ field, message }));
  // "Optional" in the spec: a parameter sent empty is the same as one not sent.
  const value = (field: string): string | undefined => {
    const v = form[field];
    if (Array.isArray(v)) {
      refuse(field, "given more than once");
      return undefined;
    }
    const trimmed = v?.trim();
    return trimmed ? trimmed : undefined;
  };

  const serviceCode = value("service_code");
  if (serviceCode === undefined) refuse("service_code", "is required (see services.json)");
  else if (!findService(serviceCode)) return { ok: false, refusal: { status: 404, errors: [{ field: "service_code", message: `no service with code "${serviceCode}" (see services.json)` }] } };

  const attribute: Record<string, string | undefined> = {};
  for (const key of Object.keys(form)) {
    if (!key.startsWith("attribute")) continue;
    const code = /^attribute\[([^\]]+)\]$/.exec(key)?.[1];
    if (code === undefined || !knownAttributes.has(code)) refuse(key, "not an attribute of this service (see services/{service_code}.json)");
    else attribute[code] = value(key);
  }

  const divisionCode = attribute.division_code;
  if (divisionCode === undefined) refuse("attribute[division_code]", "is required: the code of the division where the grievance arose");
  else if (!DivisionCode.safeParse(divisionCode).success) refuse("attribute[division_code]", "a division code is 6 to 12 digits");

  const language = attribute.language;
  if (language !== undefined && !Language.safeParse(language).success) refuse("attribute[language]", "one of: zh, en");
  const consent = attribute.consent_to_contact;
  if (consent !== undefined && consent !== "true" && consent !== "false") refuse("attribute[consent_to_contact]", "one of: true, false");

  const lat = value("lat");
  const long = value("long");
  let coordinates: { lat: number; lon: number } | undefined;
  if (lat !== undefined || long !== undefined) {
    const la = lat !== undefined && decimal.test(lat) ? Number(lat) : NaN;
    const lo = long !== undefined && decimal.test(long) ? Number(long) : NaN;
    if (lat === undefined) refuse("lat", "is required with long");
    else if (!(la >= -90 && la <= 90)) refuse("lat", "a WGS84 latitude between -90 and 90");
    if (long === undefined) refuse("long", "is required with lat");
    else if (!(lo >= -180 && lo <= 180)) refuse("long", "a WGS84 longitude between -180 and 180");
    if (!Number.isNaN(la) && !Number.isNaN(lo)) coordinates = { lat: la, lon: lo };
  }
  const addressString = value("address_string");
  const addressId = value("address_id");
  if (lat === undefined && long === undefined && addressString === undefined && addressId === undefined) {
    refuse("location", "one of lat and long, address_string or address_id is required");
  }
  const address = [addressString, addressId && `address_id ${addressId}`].filter(Boolean).join("; ") || undefined;
  if (address && address.length > 500) refuse("address_string", "at most 500 characters");

  const description = value("description");
  if (description === undefined) refuse("description", "is required: what happened, in the caller's words");
  else if (description.length > MAX_DESCRIPTION) refuse("description", `at most ${MAX_DESCRIPTION} characters`);

  const phone = value("phone");
  const name = fullName(value("first_name"), value("last_name"));
  if (phone !== undefined) {
    if (phone.length > 40 || !normalisePhone(phone, opts.defaultPhoneRegion)) refuse("phone", "not a valid phone number");
    if (name === undefined) refuse("first_name", "first_name or last_name is required with a phone number");
    else if (name.length > 200) refuse("first_name", "first_name and last_name together at most 200 characters");
  }

  if (errors.length > 0) return { ok: false, refusal: { status: 400, errors } };

  const lang: Language = (language as Language | undefined) ?? detectLanguage(description!);
  // Without a phone number nobody can be called back, and the model's complainant has one: anonymous.
  const who: Pick<Open311GrievanceRequest, "complainant" | "anonymous" | "language"> =
    phone !== undefined ? { complainant: { name: name!, phone, language: lang, consentToContact: consent === "true" } } : { anonymous: true, language: lang };
  return {
    ok: true,
    request: {
      ...who,
      location: { divisionCode: divisionCode!, ...(address ? { address } : {}), ...(coordinates ? { coordinates } : {}) },
      description: description!,
      hints: { category: serviceCode as Category },
    },
  };
}

export const PostedServiceRequest = z.object({
  service_request_id: z.string(),
  service_notice: z.string(),
  account_id: z.null(),
});
export type PostedServiceRequest = z.infer<typeof PostedServiceRequest>;

/** The answer to a POST: realtime, so the id and no token; the notice carries the tracking code. */
export function postedServiceRequest(recorded: { id: string; trackingCode: string }, language: Language): PostedServiceRequest {
  const service_notice =
    language === "zh"
      ? `已受理。查询编号 ${recorded.trackingCode}，致电热线时请提供。诉求将转交离事发地最近的调解员处理。`
      : `Received. Tracking code ${recorded.trackingCode}: quote it when calling the hotline. The grievance goes to the mediators closest to where it arose.`;
  return { service_request_id: recorded.id, service_notice, account_id: null };
}

// ---------------------------------------------------------------------------------------
// GET requests.json, requests/{id}.json: what anyone on the internet may see

export const Open311Status = z.enum(["open", "closed"]);
export type Open311Status = z.infer<typeof Open311Status>;

const closedStatuses: readonly GrievanceStatus[] = ["resolved", "closed"];
const openStatuses: readonly GrievanceStatus[] = ["received", "triaged", "assigned", "queued", "in_progress"];

export function open311Status(status: GrievanceStatus): Open311Status {
  return closedStatuses.includes(status) ? "closed" : "open";
}

const statusNotes: Record<GrievanceStatus, string> = {
  received: "received, waiting to be triaged",
  triaged: "triaged, waiting for a caseworker",
  assigned: "assigned to a caseworker",
  queued: "waiting for a free caseworker",
  in_progress: "a caseworker is working on it",
  resolved: "resolved",
  closed: "closed",
};

const agencies = { community: "community mediators", street: "street or township office", district: "district office" } as const;

// description, address and contact details are never shown: free text and addresses carry
// personal data, and these answers go to anyone. The schema says null, so nothing else can pass.
export const ServiceRequest = z.object({
  service_request_id: z.string(),
  status: Open311Status,
  status_notes: z.string(),
  service_name: z.string(),
  service_code: Category,
  description: z.null(),
  agency_responsible: z.string().nullable(),
  service_notice: z.null(),
  requested_datetime: z.string(),
  updated_datetime: z.string(),
  expected_datetime: z.null(),
  address: z.null(),
  address_id: z.null(),
  zipcode: z.null(),
  lat: z.number().nullable(),
  long: z.number().nullable(),
  media_url: z.null(),
});
export type ServiceRequest = z.infer<typeof ServiceRequest>;

/** What intake stores that a public answer may draw on. */
export interface StoredServiceRequest {
  id: string;
  status: GrievanceStatus;
  category: Category | null;
  receivedAt: Date;
  statusChangedAt: Date;
  handlingLevel: keyof typeof agencies | null;
  latitude: number | null;
  longitude: number | null;
}

/** W3C date-time in UTC without fractions, as in the spec's examples. */
export function w3DateTime(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** About 1 km, as on the public topic: enough for a map of where disputes arise, not to find a door. */
export function approximate(v: number): number {
  return Math.round(v * 100) / 100;
}

export function toServiceRequest(g: StoredServiceRequest): ServiceRequest {
  const service = findService(g.category ?? "other")!;
  const located = g.latitude !== null && g.longitude !== null;
  return {
    service_request_id: g.id,
    status: open311Status(g.status),
    status_notes: statusNotes[g.status],
    service_name: service.service_name,
    service_code: service.service_code,
    description: null,
    agency_responsible: g.handlingLevel ? agencies[g.handlingLevel] : null,
    service_notice: null,
    requested_datetime: w3DateTime(g.receivedAt),
    updated_datetime: w3DateTime(g.statusChangedAt),
    expected_datetime: null,
    address: null,
    address_id: null,
    zipcode: null,
    lat: located ? approximate(g.latitude!) : null,
    long: located ? approximate(g.longitude!) : null,
    media_url: null,
  };
}

export const MAX_REQUESTS = 1000;
export const MAX_SPAN_DAYS = 90;
const DAY_MS = 24 * 60 * 60 * 1000;

export type RequestsFilter =
  | { ids: string[] }
  | { from: Date; to: Date; categories: Category[] | null; statuses: GrievanceStatus[] | null };

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Timezone required, as the spec demands; a "+" sent unencoded in a query arrives as a space.
const w3Input = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

function parseW3(input: string): Date | undefined {
  const text = input.replace(/ (\d{2}:\d{2})$/, "+$1");
  if (!w3Input.test(text)) return undefined;
  const d = new Date(text);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

const commaList = (v: string) => v.split(",").map((s) => s.trim()).filter(Boolean);

/**
 * The filters of GET requests.json. service_request_id overrides every other filter; otherwise
 * the window is the 90 days up to end_date (default now), or from start_date when only that is given.
 */
export function parseRequestsQuery(
  query: Partial<Record<"service_request_id" | "service_code" | "start_date" | "end_date" | "status", string>>,
  now: Date,
): { ok: true; filter: RequestsFilter } | { ok: false; errors: FieldError[] } {
  const present = (v: string | undefined) => (v?.trim() ? v.trim() : undefined);
  const ids = present(query.service_request_id);
  if (ids !== undefined) {
    const list = commaList(ids);
    if (list.length > MAX_REQUESTS) return { ok: false, errors: [{ field: "service_request_id", message: `at most ${MAX_REQUESTS} ids` }] };
    return { ok: true, filter: { ids: [...new Set(list.filter((id) => uuid.test(id)).map((id) => id.toLowerCase()))] } };
  }

  const errors: FieldError[] = [];
  let categories: Category[] | null = null;
  const codes = present(query.service_code);
  if (codes !== undefined) {
    const list = commaList(codes);
    const unknown = list.filter((c) => !findService(c));
    if (unknown.length > 0) errors.push({ field: "service_code", message: `no service with code ${unknown.map((c) => `"${c}"`).join(", ")} (see services.json)` });
    else categories = list as Category[];
  }
  let statuses: GrievanceStatus[] | null = null;
  const status = present(query.status);
  if (status !== undefined) {
    const list = commaList(status);
    if (list.some((s) => !Open311Status.safeParse(s).success)) errors.push({ field: "status", message: "open, closed or both, comma delimited" });
    else statuses = [...(list.includes("open") ? openStatuses : []), ...(list.includes("closed") ? closedStatuses : [])];
  }
  const dates: Partial<Record<"start_date" | "end_date", Date>> = {};
  for (const field of ["start_date", "end_date"] as const) {
    const v = present(query[field]);
    if (v === undefined) continue;
    const d = parseW3(v);
    if (d) dates[field] = d;
    else errors.push({ field, message: "a W3C date-time with a timezone, e.g. 2026-01-01T00:00:00Z" });
  }
  if (errors.length > 0) return { ok: false, errors };

  const span = MAX_SPAN_DAYS * DAY_MS;
  const { start_date: start, end_date: end } = dates;
  const from = start ?? new Date((end ?? now).getTime() - span);
  const to = end ?? (start ? new Date(start.getTime() + span) : now);
  if (to < from) return { ok: false, errors: [{ field: "end_date", message: "before start_date" }] };
  if (to.getTime() - from.getTime() > span) return { ok: false, errors: [{ field: "end_date", message: `the range may not span more than ${MAX_SPAN_DAYS} days` }] };
  return { ok: true, filter: { from, to, categories, statuses } };
}
