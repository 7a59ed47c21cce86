import { describe, expect, it } from "vitest";
import { retryingRetriable } from "../src/replay";

const notLeader = () => Object.assign(new Error("This server is not the leader for that topic-partition"), { retriable: true, type: "NOT_LEADER_FOR_PARTITION" });

describe("offsets fetched for a rebuild", () => {
  it("are asked again while the broker answers with an error it marks retriable, pausing longer each time", async () => {
    const pauses: number[] = [];
    let calls = 0;
    const got = await retryingRetriable(async () => {
      calls++;
      if (calls < 4) throw notLeader();
      return "offsets";
    }, 15_000, async (ms) => void pauses.push(ms));
    expect(got).toBe("offsets");
    expect(pauses).toEqual([100, 200, 400]);
  });

  it("gives up with the broker's error once the time allowed has gone", async () => {
    const pauses: number[] = [];
    await expect(retryingRetriable(async () => { throw notLeader(); }, 1_000, async (ms) => void pauses.push(ms))).rejects.toThrow("not the leader");
    expect(pauses.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(1_000);
    expect(pauses.length).toBeGreaterThan(1);
  });

  it("throws any other error at once", async () => {
    let calls = 0;
    await expect(retryingRetriable(async () => { calls++; throw new Error("topic does not exist"); }, 15_000, async () => undefined)).rejects.toThrow("does not exist");
    expect(calls).toBe(1);
  });
});
