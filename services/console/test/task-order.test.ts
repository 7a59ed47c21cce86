import { describe, expect, it } from "vitest";
import { byUrgencyThenDeadline } from "../web/src/features/tasks/order";
import type { TaskView } from "../web/src/api";

const task = (id: string, urgency: TaskView["urgency"], status: TaskView["status"], acknowledgeBy: string | null, resolveBy: string | null): TaskView => ({
  caseId: id, trackingCode: id, status, category: "neighbour", urgency, divisionCode: "440402001001", teamId: "t", caseworkerId: "cw",
  acknowledgeBy, resolveBy, receivedAt: "2026-12-01T00:00:00Z", version: 1,
});

describe("the order of My tasks", () => {
  it("puts the most urgent first, then the nearest deadline still to meet", () => {
    const tasks = [
      task("p3-late", "P3", "assigned", "2026-12-05T12:00:00Z", "2026-12-20T00:00:00Z"),
      task("p3-accepted-soon", "P3", "accepted", "2026-12-06T00:00:00Z", "2026-12-04T00:00:00Z"),
      task("p1", "P1", "assigned", "2026-12-06T00:00:00Z", "2026-12-07T00:00:00Z"),
      task("unclassified", null, "received", null, null),
      task("p3-early", "P3", "assigned", "2026-12-05T08:00:00+08:00", "2026-12-21T00:00:00Z"),
    ];
    expect([...tasks].sort(byUrgencyThenDeadline).map((t) => t.caseId)).toEqual(["p1", "p3-accepted-soon", "p3-early", "p3-late", "unclassified"]);
  });

  it("sinks finished cases below every open one, a resolved P1 below an open P4", () => {
    const tasks = [
      task("p1-resolved", "P1", "resolved", "2026-12-05T00:00:00Z", "2026-12-06T00:00:00Z"),
      task("p4-open", "P4", "accepted", "2026-12-09T00:00:00Z", "2026-12-30T00:00:00Z"),
      task("p2-referred", "P2", "referred", "2026-12-05T00:00:00Z", "2026-12-06T00:00:00Z"),
      task("p2-open", "P2", "assigned", "2026-12-05T00:00:00Z", "2026-12-10T00:00:00Z"),
      task("p3-closed", "P3", "closed", null, null),
    ];
    expect([...tasks].sort(byUrgencyThenDeadline).map((t) => t.caseId)).toEqual(["p2-open", "p4-open", "p1-resolved", "p2-referred", "p3-closed"]);
  });
});
