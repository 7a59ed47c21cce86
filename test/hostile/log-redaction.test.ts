// Personal data never reaches a log line, however deep a logged object holds it: a whole
// grievance, a case with its parties, a mediation agreement, a recipient's contact details and a
// delivery's destination, each logged the ways a service
// may (top level, inside an event, inside a batch of outbox rows) through every service's logger.
import { describe, expect, it } from "vitest";
import { createLogger } from "@grievance-hub/kit";
import { captureLogs } from "../support";

const person = { name: "Qiao Mingyue", phone: "+8613924681357", address: "Lantern Alley 42, Unit 9", lat: 23.27119, lon: 113.58237 };
const partyPerson = { name: "Wang Fangfei", phone: "+8613900139000" };
const description = "隔壁邻居半夜敲墙威胁要放火";
const terms = "Wang Fangfei stops the drilling after 22:00 and pays 800 yuan to Qiao Mingyue";
const obligation = "pay 800 yuan for the cracked tiles";
const note = "caller's sister Qiao Lan can be reached at the market stall";
const staffContact = { email: "chen.li@lianhua.example.org", sms: "+8613700137000", secret: "whsec-at-least-16-chars-0042" };
const personalStrings = [
  person.name, person.phone, "13924681357", person.address, String(person.lat), String(person.lon), partyPerson.name, "13900139000", description, terms, obligation, note, "威胁要放火",
  staffContact.email, staffContact.sms, "13700137000", staffContact.secret,
];

const grievance = {
  grievanceId: "9b0e8a53-53a1-4d0c-9d3b-1f4c6f0f6a01",
  trackingCode: "TAERX-6MFTA",
  channel: "phone",
  receivedAt: "2026-12-04T09:00:00Z",
  divisionCode: "440402001001",
  language: "zh",
  description,
  complainant: { anonymous: false, name: person.name, phone: person.phone, phoneHash: "0123456789abcdef0123", language: "zh", consentToContact: true },
  location: { divisionCode: "440402001001", address: person.address, coordinates: { lat: person.lat, lon: person.lon } },
  externalReference: `call of ${person.name}`,
};
const caseWithParties = {
  caseId: "1c3e6a2b-2f7d-4c55-8a0e-5b3a3d1c9e02",
  status: "in_mediation",
  description,
  signals: [{ rule: "threat_of_arson", level: "P1", matched: ["威胁要放火"] }],
  dispute: {
    parties: [
      { partyId: "party-1", role: "respondent", kind: "person", ...partyPerson, language: "zh", consentToContact: true },
      { partyId: "party-2", role: "witness", kind: "person", name: person.name, phone: person.phone, language: "zh", consentToContact: false },
    ],
    sessions: [{ sessionId: "session-1", place: person.address, note, attendedPartyIds: ["party-1"] }],
  },
  timeline: [{ type: "case.note_added.v1", facts: { text: note } }, { type: "case.resolved.v1", facts: { summary: `${partyPerson.name} agreed`, reason: note } }],
};
const agreement = {
  agreementId: "agreement-1",
  sessionId: "session-1",
  terms,
  signedOn: "2026-12-01",
  obligations: [{ obligationId: "agreement-1.1", owedBy: "party-1", what: obligation, dueBy: "2026-12-31" }],
  judicialConfirmation: true,
};

function logEverything(service: string): string {
  const logs = captureLogs();
  const log = createLogger(service, "debug", logs.stream);
  log.info(grievance, "grievance at the top level");
  log.info({ grievance }, "a grievance");
  log.info({ event: { type: "grievance.received.v1", data: grievance } }, "an event");
  log.warn({ batch: { topic: "grievances.internal", messages: [{ offset: "7", value: { data: grievance } }] } }, "a batch");
  log.info({ case: caseWithParties }, "a case");
  log.debug({ rows: [{ payload: { case: caseWithParties, agreement } }] }, "outbox rows");
  log.info({ agreement }, "an agreement");
  log.child({ caseId: caseWithParties.caseId }).error({ deadLetter: { reason: note, original: { value: { data: { ...agreement, party: partyPerson } } } } }, "a dead letter");
  // Notification's own: a recipient's channels (as stored and as sent), a gateway request, a delivery's destination.
  log.info(
    {
      recipient: { kind: "caseworker", id: "cw-chen", channels: { email: staffContact.email, sms: staffContact.sms, webhook: { url: "https://hooks.example.org/gh", secret: staffContact.secret } } },
      row: { sms_phone: staffContact.sms, email: staffContact.email, webhook_secret: staffContact.secret },
      gateway: { to: person.phone, text: `您的查询编号 ${grievance.trackingCode}`, reference: "delivery-17" },
      delivery: { id: "17", channel: "sms", destination: person.phone },
    },
    "a recipient and a delivery",
  );
  const deep = "abcdefghijklmn".split("").reduceRight<unknown>((inner, key) => ({ [key]: inner }), grievance);
  log.info({ deep }, "very deep");
  return logs.text();
}

describe("logs hold no personal data at any depth", () => {
  for (const service of ["intake", "triage", "notification", "triage-rebuild"]) {
    it(`through ${service}'s logger: a full grievance, a case with its parties, a mediation agreement`, () => {
      const text = logEverything(service);
      expect(text.split("\n").filter(Boolean)).toHaveLength(10);
      expect(personalStrings.filter((s) => text.includes(s))).toEqual([]);
      // What is not personal stays readable: the line is still useful to whoever reads it.
      expect(text).toContain(grievance.trackingCode);
      expect(text).toContain("agreement-1.1");
      expect(text).toContain("threat_of_arson");
      expect(text).toContain("delivery-17");
      expect(text).toContain("[redacted]");
    });
  }

  it("keeps errors logged with their message and stack", () => {
    const logs = captureLogs();
    createLogger("intake", "info", logs.stream).error({ err: new Error("broker gone") }, "failed");
    const line = JSON.parse(logs.text()) as { err: { message: string; stack: string } };
    expect(line.err.message).toBe("broker gone");
    expect(line.err.stack).toContain("Error: broker gone");
  });
});
