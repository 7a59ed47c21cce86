// The Kafka key of every event about a grievance: its district (the first 6 digits of the
// division code), so that a district's caseworker loads and a caller's repeats within it are
// decided on one partition, in order, by one consumer.
export function partitionKeyFor(divisionCode: string): string {
  return divisionCode.slice(0, 6);
}
