import { describe, expect, it } from "vitest";
import { flagsOf, supervisorQueue } from "../web/src/features/supervisor/queue";
import { withRegion } from "../web/src/features/operator/phone";
import type { TaskView } from "../web/src/api";

const now = Date.parse("2026-12-05T12:00:00Z");
const task = (id: string, status: TaskView["status"], caseworkerId: string | null, acknowledgeBy: string | null, resolveBy: string | null): TaskView => ({
  caseId: id, trackingCode: id, status, category: "neighbour", urgency: "P3", divisionCode: "440402001001", teamId: "t", caseworkerId,
  acknowledgeBy, resolveBy, receivedAt: "2026-12-01T12:00:00Z", version: 1,
});

describe("the supervisor's queue", () => {
  it("flags queued, unaccepted, at-risk and breached cases", () => {
    expect(flagsOf(task("q", "queued", null, "2026-12-09T12:00:00Z", null), now)).toEqual(["queued"]);
    expect(flagsOf(task("u", "assigned", "cw", "2026-12-09T12:00:00Z", null), now)).toEqual(["unaccepted"]);
    // 4 days from receipt to the deadline, 12 hours left: less than a quarter.
    expect(flagsOf(task("r", "assigned", "cw", "2026-12-06T00:00:00Z", null), now)).toEqual(["unaccepted", "atRisk"]);
    expect(flagsOf(task("b", "assigned", "cw", "2026-12-05T11:00:00Z", null), now)).toEqual(["unaccepted", "breached"]);
    // Once accepted, the resolution deadline counts, not the acknowledgement one.
    expect(flagsOf(task("a", "accepted", "cw", "2026-12-02T00:00:00Z", "2026-12-20T00:00:00Z"), now)).toEqual([]);
    expect(flagsOf(task("a", "accepted", "cw", "2026-12-02T00:00:00Z", "2026-12-05T00:00:00Z"), now)).toEqual(["breached"]);
  });

  it("puts breached first, then at risk, then the rest needing a look, and leaves finished cases out", () => {
    const tasks = [
      task("fine", "accepted", "cw", null, "2026-12-20T00:00:00Z"),
      task("queued", "queued", null, "2026-12-09T12:00:00Z", null),
      task("done", "resolved", "cw", null, "2026-12-01T00:00:00Z"),
      task("risk", "accepted", "cw", null, "2026-12-05T20:00:00Z"),
      task("late", "assigned", "cw", "2026-12-05T00:00:00Z", null),
    ];
    expect(supervisorQueue(tasks, now).map((t) => t.caseId)).toEqual(["late", "risk", "queued", "fine"]);
  });
});

describe("the operator's phone region", () => {
  it("puts +86 in front of a local number, dropping a trunk 0, and leaves international numbers alone", () => {
    expect(withRegion("13800138000", "86")).toBe("+86 13800138000");
    expect(withRegion("020 8888 8888", "86")).toBe("+86 20 8888 8888");
    expect(withRegion("+852 9123 4567", "86")).toBe("+852 9123 4567");
    expect(withRegion("0085291234567", "86")).toBe("+85291234567");
    expect(withRegion("9123 4567", "852")).toBe("+852 9123 4567");
    expect(withRegion("  ", "86")).toBe("");
  });
});
