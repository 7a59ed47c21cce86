// The Kafka message key of every event about a grievance: its district, the first 6 digits of
// its division code. A district is the unit whose decisions must be made in order (its teams'
// caseworker loads, a caller's repeats, escalation, which stays inside the district), so all of
// them land on one partition and one consumer applies them; two districts never share a row.

const DISTRICT_DIGITS = 6;

/** The partition key of an event about a grievance in this division (a 6- to 12-digit code). */
export function partitionKeyFor(divisionCode: string): string {
  if (!/^\d{6,12}$/.test(divisionCode)) throw new Error("a division code is 6 to 12 digits");
  return divisionCode.slice(0, DISTRICT_DIGITS);
}
