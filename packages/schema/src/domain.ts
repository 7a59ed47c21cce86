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

export const Role = z.enum(["operator", "caseworker", "supervisor", "admin"]);
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

/** Returns the more urgent of two urgencies. */
export function moreUrgent(a: Urgency, b: Urgency): Urgency {
  return a <= b ? a : b;
}
