import { describe, expect, it } from "vitest";
import { countdown } from "../web/src/features/tasks/countdown";
import { runningDeadline } from "../web/src/features/tasks/order";

const now = Date.parse("2026-12-05T08:00:00Z");

describe("the countdown of a deadline", () => {
  it.each([
    ["2026-12-07T11:30:00Z", { unit: "days", overdue: false, days: 2, hours: 3 }],
    ["2026-12-05T10:05:59Z", { unit: "hours", overdue: false, hours: 2, minutes: 5 }],
    ["2026-12-05T08:04:09Z", { unit: "minutes", overdue: false, minutes: 4, seconds: 9 }],
    ["2026-12-05T07:50:00Z", { unit: "minutes", overdue: true, minutes: 10, seconds: 0 }],
    ["2026-12-04T06:00:00Z", { unit: "days", overdue: true, days: 1, hours: 2 }],
  ])("shows %s in its two largest units", (due, expected) => {
    expect(countdown(due, now)).toEqual(expected);
  });

  it("counts nothing down once the case is resolved, closed or handed over", () => {
    const due = { acknowledgeBy: "2026-12-05T09:00:00Z", resolveBy: "2026-12-20T00:00:00Z" };
    expect(runningDeadline({ status: "assigned", ...due })).toBe(due.acknowledgeBy);
    expect(runningDeadline({ status: "in_mediation", ...due })).toBe(due.resolveBy);
    for (const status of ["referred", "resolved", "closed"] as const) expect(runningDeadline({ status, ...due })).toBeNull();
  });
});
