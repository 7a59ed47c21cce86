import { connect, type Socket } from "node:net";
import { describe, expect, it } from "vitest";
import { buildHttp } from "../src/http";
import { createLogger } from "../src/logger";

/** A raw connection: write bytes, and read everything the server sends until it closes. */
function rawConnection(port: number): Promise<{ socket: Socket; answer: Promise<string> }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => resolve({ socket, answer }));
    let received = "";
    const answer = new Promise<string>((done) => socket.on("close", () => done(received)));
    socket.on("data", (d) => (received += d.toString("utf8")));
    socket.on("error", reject);
  });
}

describe("an instance that is shutting down", () => {
  it("answers a request that arrives meanwhile 503 problem+json with Retry-After, not fastify's plain 503", async () => {
    const app = buildHttp({ logger: createLogger("test", "silent"), readiness: [] });
    // Hooks run in the order they were added: when this one runs, the instance knows it is closing.
    let closingSeen!: () => void;
    const closingKnown = new Promise<void>((r) => (closingSeen = r));
    app.addHook("preClose", async () => closingSeen());
    await app.listen({ port: 0, host: "127.0.0.1" });
    const port = (app.server.address() as { port: number }).port;

    // A request whose headers have begun to arrive when the instance starts to close...
    const { socket, answer } = await rawConnection(port);
    socket.write("GET /health/live HTTP/1.1\r\nHost: x\r\n");
    await new Promise((r) => setImmediate(r));
    const closed = app.close();
    await closingKnown;
    // ...and are complete once it knows it is closing.
    socket.write("\r\n");
    const received = await answer;
    await closed;

    expect(received).toMatch(/^HTTP\/1\.1 503/);
    expect(received).toMatch(/content-type: application\/problem\+json/i);
    expect(received).toMatch(/retry-after: 1/i);
    expect(received).toContain('"title":"Service unavailable"');
  });
});
