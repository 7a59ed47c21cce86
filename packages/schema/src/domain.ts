// Domain vocabulary shared by every service and by the event contract.
import { z } from "zod";

export const Category = z.enum([
  "family",
  "neighbour",
  "labour",
  "land_housing",
  "consumer",
  "public_services",
  "legal",
  "other",
]);
export type Category = z.infer<typeof Category>;

/** P1 immediate danger .. P4 enquiry. Lower number = more urgent. */
export const Urgency = z.enum(["P1", "P2", "P3", "P4"]);
export type Urgency = z.infer<typeof Urgency>;

export const Channel = z.enum(["phone", "web", "walk_in", "letter", "app", "open311"]);
export type Channel = z.infer<typeof Channel>;

export const Language = z.enum(["zh", "en"]);
export type Language = z.infer<typeof Language>;

/** An auditor reads the access logs (who read whose file) and nothing else. */
export const Role = z.enum(["operator", "caseworker", "supervisor", "admin", "auditor"]);
export type Role = z.infer<typeof Role>;

/** Administrative area code: district > street/township > community/village, 6 to 12 digits. */
export const DivisionCode = z.string().regex(/^\d{6,12}$/, "a division code is 6 to 12 digits");

export const ResolutionOutcome = z.enum([
  "mediated_agreement",
  "resolved",
  "referred_to_court",
  "referred_to_agency",
  "withdrawn",
]);
export type ResolutionOutcome = z.infer<typeof ResolutionOutcome>;

/** Where a resolution was reached: the team's level, or handed to another body. */
export const ResolutionLevel = z.enum(["community", "street", "district", "referred"]);
export type ResolutionLevel = z.infer<typeof ResolutionLevel>;

/** The other side(s) of a dispute, by their part in it. */
export const PartyRole = z.enum(["respondent", "family_member", "employer", "landlord", "property_manager", "other"]);
export type PartyRole = z.infer<typeof PartyRole>;

/** What a mediation session came to. */
export const SessionResult = z.enum(["agreement", "partial_agreement", "no_agreement", "adjourned", "party_absent"]);
export type SessionResult = z.infer<typeof SessionResult>;

/** Danger seen at a session: any but none raises the case to P1. */
export const SessionDanger = z.enum(["none", "threat", "violence"]);
export type SessionDanger = z.infer<typeof SessionDanger>;

export const Satisfaction = z.enum(["satisfied", "partly", "not_satisfied"]);
export type Satisfaction = z.infer<typeof Satisfaction>;

/** The kinds of body a case can be handed to. */
export const ReceivingBodyKind = z.enum(["court", "legal_aid", "police", "labour_arbitration", "womens_federation", "social_services", "other_department"]);
export type ReceivingBodyKind = z.infer<typeof ReceivingBodyKind>;

/** Returns the more urgent of two urgencies. */
export function moreUrgent(a: Urgency, b: Urgency): Urgency {
  return a <= b ? a : b;
}
