import type { Category, Urgency } from "@grievance-hub/schema";

/** One colour per category and per urgency (colour-blind-safe Okabe–Ito hues). */
export const categoryColour: Record<Category, string> = {
  family: "#E69F00", neighbour: "#56B4E9", labour: "#009E73", land_housing: "#F0E442",
  consumer: "#0072B2", public_services: "#D55E00", legal: "#CC79A7", other: "#999999",
};
export const urgencyColour: Record<Urgency, string> = { P1: "#B00020", P2: "#D55E00", P3: "#0072B2", P4: "#999999" };

/** The days from `from` to `to` inclusive (ISO dates, UTC). */
export function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  for (let d = Date.parse(`${from}T00:00:00Z`); d <= Date.parse(`${to}T00:00:00Z`); d += 86_400_000) days.push(new Date(d).toISOString().slice(0, 10));
  return days;
}
