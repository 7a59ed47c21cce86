// Who is told what: from an event's facts to the messages it makes due (recipient,
// template, the facts the template may show). Pure; channels and language come later.
//
// caseworker      assigned, reassigned to them, deadline near, deadline breached
// team supervisor a P1 on arrival, every escalation (the team it went to), every breach, a caseworker's request for reassignment,
//                 a case left in the team queue (and a deadline near for a case nobody holds)
// complainant     receipt with the tracking code; the outcome when resolved — only with
//                 consent, never when anonymous (checked again on sending, see mayBeTold)
// mediator        a day before each session they hold (addressed as staff of kind caseworker,
//                 by their mediator id: mediators sign in with the caseworker role)
// party           a day before a session they are invited to — only with consent and a phone
// team supervisor also when danger at a mediation session raises a case to P1 (the P1 alert)
import { erasedMarker, isSealed, type DecodedEvent, type Keyring } from "@grievance-hub/kit";
import { dataSubjectOf, type Category, type EventData, type GrievanceReceivedV1, type GrievanceReceivedV2, type Language, type Urgency } from "@grievance-hub/schema";
import type { TemplateName, TemplateVariables } from "../templates/catalogue";

export type StaffKind = "caseworker" | "team_supervisor";
/** A complainant is known by their grievance id: no personal data names a recipient. */
/** A party to a dispute is known by grievance id and party id (`<grievanceId>:<partyId>`): no personal data names them either. */
export type Recipient = { kind: StaffKind; id: string } | { kind: "complainant"; id: string } | { kind: "party"; id: string };

export type Message = { [N in TemplateName]: { recipient: Recipient; template: N; variables: TemplateVariables<N>; rendering?: SealedRendering<N> } }[TemplateName];

/**
 * For a message whose facts hold a sealed value (a party's reminder names the session's place):
 * the facts opened for rendering, and a sealer for the rendered text under the same person's key,
 * so the delivery keeps facts and text sealed and opens them only to send (`openForRendering`).
 */
export interface SealedRendering<N extends TemplateName> {
  variables: TemplateVariables<N>;
  seal: (field: string, plaintext: string) => string;
}

/** The facts of a message that may arrive sealed (from a v2 event). */
const sealableVariables: ReadonlySet<string> = new Set(["place"]);

/** The message, with its facts opened for rendering when one of them is sealed; as it is otherwise. */
export async function openForRendering(keyring: Keyring, message: Message): Promise<Message> {
  const sealed = Object.entries(message.variables).find(([k, v]) => sealableVariables.has(k) && typeof v === "string" && isSealed(v))?.[1] as string | undefined;
  if (sealed === undefined) return message;
  const [variables, seal] = await Promise.all([keyring.openDeep(message.variables, sealableVariables), keyring.sealerBeside(sealed)]);
  return { ...message, rendering: { variables, seal } } as Message;
}

export interface Links {
  caseUrl: (caseId: string) => string;
  /** The public status page; a `{code}` in it is replaced by the tracking code. */
  statusUrl: string;
}

function statusLink(links: Links, trackingCode: string): string {
  return links.statusUrl.replace("{code}", encodeURIComponent(trackingCode));
}

interface CaseFacts {
  caseId: string;
  trackingCode: string;
  divisionCode: string;
  category: Category;
  urgency: Urgency;
}

export function whoIsTold(event: Pick<DecodedEvent, "type" | "data">, links: Links): Message[] {
  const staffFacts = (d: CaseFacts) => ({
    trackingCode: d.trackingCode,
    category: d.category,
    urgency: d.urgency,
    divisionCode: d.divisionCode,
    caseUrl: links.caseUrl(d.caseId),
  });
  const caseworker = (id: string): Recipient => ({ kind: "caseworker", id });
  const supervisorOf = (teamId: string): Recipient => ({ kind: "team_supervisor", id: teamId });

  switch (event.type) {
    case "grievance.received.v1": {
      const d = event.data as GrievanceReceivedV1;
      if (!mayBeTold(contactOf(d))) return [];
      return [{ recipient: { kind: "complainant", id: d.grievanceId }, template: "grievance.received", variables: { trackingCode: d.trackingCode, statusUrl: statusLink(links, d.trackingCode) } }];
    }
    case "case.assigned.v1":
    case "case.assigned.v2": {
      const d = event.data as EventData<"case.assigned.v1" | "case.assigned.v2">;
      const messages: Message[] = [{ recipient: caseworker(d.caseworkerId), template: "case.assigned", variables: { ...staffFacts(d), dueBy: d.acknowledgeBy } }];
      if (d.urgency === "P1") {
        const { urgency: _shownInTheSubject, ...facts } = staffFacts(d);
        messages.push({ recipient: supervisorOf(d.team.id), template: "grievance.p1_alert", variables: { ...facts, dueBy: d.acknowledgeBy } });
      }
      return messages;
    }
    case "case.reassigned.v1":
    case "case.reassigned.v2": {
      const d = event.data as EventData<"case.reassigned.v1" | "case.reassigned.v2">;
      return [{ recipient: caseworker(d.toCaseworkerId), template: "case.reassigned", variables: { ...staffFacts(d), dueBy: d.acknowledgeBy } }];
    }
    case "case.queued.v1": {
      const d = event.data as EventData<"case.queued.v1">;
      return d.team ? [{ recipient: supervisorOf(d.team.id), template: "case.queued", variables: staffFacts(d) }] : [];
    }
    case "case.escalated.v1":
    case "case.escalated.v2": {
      const d = event.data as EventData<"case.escalated.v1" | "case.escalated.v2">;
      return [{ recipient: supervisorOf(d.toTeam.id), template: "case.escalated", variables: staffFacts(d) }];
    }
    case "case.reassignment_requested.v1":
    case "case.reassignment_requested.v2": {
      const d = event.data as EventData<"case.reassignment_requested.v1" | "case.reassignment_requested.v2">;
      return [{ recipient: supervisorOf(d.team.id), template: "case.reassignment_requested", variables: staffFacts(d) }];
    }
    case "case.deadline_approaching.v1": {
      const d = event.data as EventData<"case.deadline_approaching.v1">;
      const to = d.caseworkerId ? caseworker(d.caseworkerId) : d.team ? supervisorOf(d.team.id) : undefined;
      return to ? [{ recipient: to, template: "case.deadline_near", variables: { ...staffFacts(d), dueBy: d.dueAt } }] : [];
    }
    case "case.deadline_breached.v1": {
      const d = event.data as EventData<"case.deadline_breached.v1">;
      const to = [...(d.caseworkerId ? [caseworker(d.caseworkerId)] : []), ...(d.team ? [supervisorOf(d.team.id)] : [])];
      return to.map((recipient) => ({ recipient, template: "case.deadline_breached", variables: { ...staffFacts(d), dueBy: d.dueAt } }));
    }
    case "case.urgency_raised.v1": {
      // Danger seen at a mediation session: the same alert as a P1 at intake.
      const d = event.data as EventData<"case.urgency_raised.v1">;
      if (d.urgency !== "P1" || !d.alertSupervisor || !d.team) return [];
      const { urgency: _shownInTheSubject, ...facts } = staffFacts(d);
      return [{ recipient: supervisorOf(d.team.id), template: "grievance.p1_alert", variables: { ...facts, dueBy: d.acknowledgeBy } }];
    }
    case "case.session_reminder_due.v1":
    case "case.session_reminder_due.v2": {
      const d = event.data as EventData<"case.session_reminder_due.v1" | "case.session_reminder_due.v2">;
      const { urgency: _notShown, ...facts } = staffFacts(d);
      return [
        { recipient: caseworker(d.mediatorId), template: "session.reminder", variables: { ...facts, urgency: d.urgency, at: d.at } },
        ...d.invitedPartyIds.map((partyId): Message => ({ recipient: { kind: "party", id: partyRecipientId(d.grievanceId, partyId) }, template: "session.reminder_party", variables: { at: d.at, place: d.place } })),
      ];
    }
    case "case.resolved.v1":
    case "case.resolved.v2": {
      const d = event.data as EventData<"case.resolved.v1" | "case.resolved.v2">;
      return [{ recipient: { kind: "complainant", id: d.grievanceId }, template: "case.resolved", variables: { trackingCode: d.trackingCode, outcome: d.outcome, statusUrl: statusLink(links, d.trackingCode) } }];
    }
    default:
      return [];
  }
}

export const partyRecipientId = (grievanceId: string, partyId: string) => `${grievanceId}:${partyId}`;

/** What notification keeps of a party to a dispute: the phone only when they consented. */
export interface PartyContact {
  grievanceId: string;
  partyId: string;
  consent: boolean;
  language: Language;
  phone: string | null;
}

export const isPartyAdded = (type: string): boolean => type === "case.party_added.v1" || type === "case.party_added.v2";

/** A party's contact as notification keeps it: from v2 the phone stays sealed as it came (opened only to send). */
export function partyContactOf(d: EventData<"case.party_added.v1" | "case.party_added.v2">): PartyContact {
  return { grievanceId: d.grievanceId, partyId: d.partyId, consent: d.consentToContact, language: d.language ?? "zh", phone: d.consentToContact ? d.phone : null };
}

/** What notification keeps of a complainant: the phone only when they may be told. */
export interface ComplainantContact {
  grievanceId: string;
  trackingCode: string;
  anonymous: boolean;
  consent: boolean;
  language: Language;
  phone: string | null;
}

export function contactOf(g: GrievanceReceivedV1): ComplainantContact {
  const c = g.complainant;
  if (c.anonymous) return { grievanceId: g.grievanceId, trackingCode: g.trackingCode, anonymous: true, consent: false, language: g.language, phone: null };
  return { grievanceId: g.grievanceId, trackingCode: g.trackingCode, anonymous: false, consent: c.consentToContact, language: c.language, phone: c.consentToContact ? c.phone : null };
}

/** The field a complainant's kept phone is sealed for: intake's, whose sealed value is kept as it came. */
export const complainantPhoneField = "complainant.phone";

/**
 * The contact as notification keeps it: the phone sealed with the person's data key (opened only
 * to send) — a v2 grievance's own sealed value, a v1's sealed here; an erased person's grievance
 * (its phone opened as the marker) keeps no phone.
 */
export async function sealedContactOf(keyring: Pick<Keyring, "sealerFor">, event: Pick<DecodedEvent, "data" | "sealed">): Promise<ComplainantContact> {
  const g = event.data as GrievanceReceivedV1;
  const contact = contactOf(g);
  if (contact.phone === null) return contact;
  if (contact.phone === erasedMarker) return { ...contact, phone: null };
  const sealed = (event.sealed as GrievanceReceivedV2 | undefined)?.complainant;
  if (sealed && !sealed.anonymous) return { ...contact, phone: sealed.phone };
  return { ...contact, phone: (await keyring.sealerFor(dataSubjectOf(g)))(complainantPhoneField, contact.phone) };
}

export function mayBeTold(contact: ComplainantContact): boolean {
  return !contact.anonymous && contact.consent && contact.phone !== null;
}
