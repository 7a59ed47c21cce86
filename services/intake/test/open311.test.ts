// The Open311 mapping without a server: the catalogue, the form a client posts, the list
// filters and what a public answer may show.
import { describe, expect, it } from "vitest";
import { Category, CreateGrievanceRequest } from "@grievance-hub/schema";
import {
  detectLanguage, findService, fullName, open311Status, parseRequestsQuery, postedServiceRequest, serviceDefinition, services,
  toGrievanceRequest, toServiceRequest, type Form, type StoredServiceRequest,
} from "../src/domain/open311";

const region = { defaultPhoneRegion: "CN" };
const minimal: Form = { service_code: "neighbour", "attribute[division_code]": "440402001001", lat: "22.2711", long: "113.5767", description: "Street lights out for a week." };

function accepted(form: Form) {
  const read = toGrievanceRequest(form, region);
  if (!read.ok) throw new Error(`refused: ${JSON.stringify(read.refusal)}`);
  return read.request;
}

function refusal(form: Form) {
  const read = toGrievanceRequest(form, region);
  if (read.ok) throw new Error("accepted");
  return read.refusal;
}

describe("service list and definitions", () => {
  it("offers one realtime service per grievance category, with the spec's fields", () => {
    expect(services.map((s) => s.service_code)).toEqual(Category.options);
    for (const s of services) {
      expect(Object.keys(s).sort()).toEqual(["description", "group", "keywords", "metadata", "service_code", "service_name", "type"]);
      expect(s).toMatchObject({ metadata: true, type: "realtime" });
      expect(s.keywords).toMatch(/^[^,]+(, [^,]+)*$/);
    }
  });

  it("defines a required division_code attribute and optional language and consent lists", () => {
    const def = serviceDefinition(findService("labour")!);
    expect(def.service_code).toBe("labour");
    expect(def.attributes.map((a) => [a.code, a.datatype, a.required, a.order])).toEqual([
      ["division_code", "string", true, 1],
      ["language", "singlevaluelist", false, 2],
      ["consent_to_contact", "singlevaluelist", false, 3],
    ]);
    expect(def.attributes[1]!.values!.map((v) => v.key)).toEqual(["zh", "en"]);
  });

  it("knows no service outside the categories", () => {
    expect(findService("pothole")).toBeUndefined();
  });
});

describe("reading a posted service request", () => {
  it("turns the minimal form into an anonymous grievance that v1's schema accepts", () => {
    const request = accepted(minimal);
    expect(request).toEqual({
      anonymous: true,
      language: "en",
      location: { divisionCode: "440402001001", coordinates: { lat: 22.2711, lon: 113.5767 } },
      description: "Street lights out for a week.",
      hints: { category: "neighbour" },
    });
    expect(CreateGrievanceRequest.safeParse({ ...request, channel: "web" }).success).toBe(true);
  });

  it("makes a complainant of the name and phone, with consent only when given", () => {
    const request = accepted({ ...minimal, first_name: "Wei", last_name: "Li", phone: "138 0013 8000", "attribute[consent_to_contact]": "true" });
    expect(request.complainant).toEqual({ name: "Wei Li", phone: "138 0013 8000", language: "en", consentToContact: true });
    expect(request.anonymous).toBeUndefined();
    expect(accepted({ ...minimal, first_name: "Wei", phone: "13800138000" }).complainant?.consentToContact).toBe(false);
  });

  it("keeps an address string and an address id, and the coordinates exactly", () => {
    const request = accepted({ ...minimal, lat: "", long: "", address_string: "Xiangzhou Lane 7", address_id: "545483" });
    expect(request.location).toEqual({ divisionCode: "440402001001", address: "Xiangzhou Lane 7; address_id 545483" });
  });

  it("ignores what the model has no place for (email, media_url, device_id, account_id, jurisdiction_id)", () => {
    const request = accepted({ ...minimal, email: "a@b.example", media_url: "https://x.example/p.jpg", device_id: "d", account_id: "1", jurisdiction_id: "x" });
    expect(JSON.stringify(request)).not.toMatch(/a@b|p\.jpg/);
  });

  it.each([
    ["邻居装修噪音每天到深夜", "zh"],
    ["Noise every night", "en"],
    ["Noise from 李家 every night", "zh"],
  ])("detects the language of %j as %s", (text, lang) => {
    expect(detectLanguage(text)).toBe(lang);
    expect(accepted({ ...minimal, description: text }).language).toBe(lang);
  });

  it("takes the language from attribute[language] over the description", () => {
    expect(accepted({ ...minimal, description: "邻居噪音", "attribute[language]": "en" }).language).toBe("en");
  });

  it.each([
    ["伟", "李", "李伟"],
    ["Wei", "Li", "Wei Li"],
    ["Wei", undefined, "Wei"],
    [undefined, "Li", "Li"],
  ])("writes first_name %j and last_name %j as %j", (first, last, name) => {
    expect(fullName(first, last)).toBe(name);
  });

  const refusals: [string, Form, 400 | 404, string[]][] = [
    ["no service_code", { ...minimal, service_code: undefined }, 400, ["service_code"]],
    ["an unknown service_code (404, as the spec has it)", { ...minimal, service_code: "pothole" }, 404, ["service_code"]],
    ["no division code", { ...minimal, "attribute[division_code]": undefined }, 400, ["attribute[division_code]"]],
    ["a malformed division code", { ...minimal, "attribute[division_code]": "44A" }, 400, ["attribute[division_code]"]],
    ["an attribute no service defines", { ...minimal, "attribute[WHISPAWN]": "1" }, 400, ["attribute[WHISPAWN]"]],
    ["a language that is not zh or en", { ...minimal, "attribute[language]": "fr" }, 400, ["attribute[language]"]],
    ["consent that is not true or false", { ...minimal, "attribute[consent_to_contact]": "yes" }, 400, ["attribute[consent_to_contact]"]],
    ["no location at all", { ...minimal, lat: undefined, long: undefined }, 400, ["location"]],
    ["lat without long", { ...minimal, long: undefined }, 400, ["long"]],
    ["a latitude out of range", { ...minimal, lat: "91" }, 400, ["lat"]],
    ["a longitude that is not a number", { ...minimal, long: "east" }, 400, ["long"]],
    ["no description", { ...minimal, description: "  " }, 400, ["description"]],
    ["a description over 4,000 characters", { ...minimal, description: "x".repeat(4001) }, 400, ["description"]],
    ["a phone number that cannot be one", { ...minimal, first_name: "Wei", phone: "12" }, 400, ["phone"]],
    ["a phone number without a name", { ...minimal, phone: "13800138000" }, 400, ["first_name"]],
    ["a field given twice", { ...minimal, description: ["a", "b"] }, 400, ["description"]],
    ["a service_code given twice", { ...minimal, service_code: ["family", "labour"] }, 400, ["service_code"]],
  ];
  it.each(refusals)("refuses %s, naming the field", (_what, form, status, fields) => {
    const r = refusal(form);
    expect(r.status).toBe(status);
    expect(r.errors.map((e) => e.field)).toEqual(fields);
  });

  it("names every faulty field at once", () => {
    expect(refusal({ lat: "1" }).errors.map((e) => e.field)).toEqual(["service_code", "attribute[division_code]", "long", "description"]);
  });

  it("answers a POST with the id, the tracking code in the notice, no token and account_id null", () => {
    const answer = postedServiceRequest({ id: "0b9c1c9e-5a8e-4c7e-9d6b-3d1f0e6a2b11", trackingCode: "TAERX-6MFTA" }, "en");
    expect(Object.keys(answer).sort()).toEqual(["account_id", "service_notice", "service_request_id"]);
    expect(answer).toMatchObject({ service_request_id: "0b9c1c9e-5a8e-4c7e-9d6b-3d1f0e6a2b11", account_id: null });
    expect(answer.service_notice).toContain("TAERX-6MFTA");
    expect(postedServiceRequest({ id: "x", trackingCode: "TAERX-6MFTA" }, "zh").service_notice).toMatch(/查询编号 TAERX-6MFTA/);
  });
});

describe("what a public answer shows", () => {
  const stored: StoredServiceRequest = {
    id: "0b9c1c9e-5a8e-4c7e-9d6b-3d1f0e6a2b11",
    status: "assigned",
    category: "neighbour",
    receivedAt: new Date("2026-03-01T08:15:30.123Z"),
    statusChangedAt: new Date("2026-03-01T09:00:00.000Z"),
    handlingLevel: "community",
    latitude: 22.271149,
    longitude: 113.576712,
  };

  it("has every field of the spec, with text, address and media null and the location to about 1 km", () => {
    expect(toServiceRequest(stored)).toEqual({
      service_request_id: stored.id,
      status: "open",
      status_notes: "assigned to a caseworker",
      service_name: "Neighbour dispute",
      service_code: "neighbour",
      description: null,
      agency_responsible: "community mediators",
      service_notice: null,
      requested_datetime: "2026-03-01T08:15:30Z",
      updated_datetime: "2026-03-01T09:00:00Z",
      expected_datetime: null,
      address: null,
      address_id: null,
      zipcode: null,
      lat: 22.27,
      long: 113.58,
      media_url: null,
    });
  });

  it("has no location when none was given", () => {
    expect(toServiceRequest({ ...stored, latitude: null, longitude: null })).toMatchObject({ lat: null, long: null });
  });

  it.each([
    ["received", "open"],
    ["triaged", "open"],
    ["assigned", "open"],
    ["queued", "open"],
    ["in_progress", "open"],
    ["resolved", "closed"],
    ["closed", "closed"],
  ] as const)("shows %s as %s", (ours, theirs) => {
    expect(open311Status(ours)).toBe(theirs);
  });
});

describe("the filters of requests.json", () => {
  const now = new Date("2026-06-30T12:00:00Z");
  const day = 24 * 60 * 60 * 1000;

  it("defaults to the 90 days up to now, every service and status", () => {
    expect(parseRequestsQuery({}, now)).toEqual({ ok: true, filter: { from: new Date(now.getTime() - 90 * day), to: now, categories: null, statuses: null } });
  });

  it("treats empty parameters as absent", () => {
    expect(parseRequestsQuery({ service_code: "", status: "", start_date: "", service_request_id: "" }, now)).toEqual(parseRequestsQuery({}, now));
  });

  it("counts 90 days back from end_date, or forward from start_date", () => {
    const end = new Date("2026-02-01T00:00:00Z");
    expect(parseRequestsQuery({ end_date: "2026-02-01T00:00:00Z" }, now)).toMatchObject({ filter: { from: new Date(end.getTime() - 90 * day), to: end } });
    expect(parseRequestsQuery({ start_date: "2026-02-01T08:00:00+08:00" }, now)).toMatchObject({ filter: { from: end, to: new Date(end.getTime() + 90 * day) } });
  });

  it("reads an offset whose + arrived as a space", () => {
    expect(parseRequestsQuery({ start_date: "2026-02-01T08:00:00 08:00" }, now)).toMatchObject({ filter: { from: new Date("2026-02-01T00:00:00Z") } });
  });

  it("maps open and closed to the hotline's statuses", () => {
    expect(parseRequestsQuery({ status: "closed" }, now)).toMatchObject({ filter: { statuses: ["resolved", "closed"] } });
    expect(parseRequestsQuery({ status: "open" }, now)).toMatchObject({ filter: { statuses: ["received", "triaged", "assigned", "queued", "in_progress"] } });
  });

  it("takes comma-delimited service codes", () => {
    expect(parseRequestsQuery({ service_code: "family, labour" }, now)).toMatchObject({ filter: { categories: ["family", "labour"] } });
  });

  it("lets service_request_id override every other filter, keeping only ids that can exist", () => {
    const id = "0B9C1C9E-5A8E-4C7E-9D6B-3D1F0E6A2B11";
    expect(parseRequestsQuery({ service_request_id: `${id},42`, status: "bogus" }, now)).toEqual({ ok: true, filter: { ids: [id.toLowerCase()] } });
  });

  it.each([
    ["an unknown service code", { service_code: "family,pothole" }, "service_code"],
    ["a status other than open and closed", { status: "pending" }, "status"],
    ["a date without time and timezone", { start_date: "2026-01-01" }, "start_date"],
    ["a date that is not one", { end_date: "yesterday" }, "end_date"],
    ["a range over 90 days", { start_date: "2026-01-01T00:00:00Z", end_date: "2026-04-02T00:00:00Z" }, "end_date"],
    ["an end before the start", { start_date: "2026-02-01T00:00:00Z", end_date: "2026-01-01T00:00:00Z" }, "end_date"],
    ["more than 1000 ids", { service_request_id: Array.from({ length: 1001 }, (_, i) => String(i)).join(",") }, "service_request_id"],
  ])("refuses %s, naming the field", (_what, query, field) => {
    const parsed = parseRequestsQuery(query, now);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.errors.map((e) => e.field)).toEqual([field]);
  });
});
