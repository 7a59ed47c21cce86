// The access log (issue #18) over the running services and real Postgres: every read of a
// record's personal data through the API is one row (who, when, which record, on what grounds),
// refused attempts too; the rows hold ids and roles only; the table refuses to be changed; and
// the log is listed per record, paged, to those who supervise it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { loadConfig, type RunningService } from "@grievance-hub/kit";
import { IntakeConfig, startIntake } from "@grievance-hub/intake";
import { TriageConfig, startTriage } from "@grievance-hub/triage";
import { NotificationConfig, startNotification } from "@grievance-hub/notification";
import { createTestEnv, eventually, tokenFor, type TestEnv } from "./support";

let env: TestEnv;
let intake: RunningService;
let triage: RunningService;
let notification: RunningService;
let db: pg.Pool;

const team = "al-team";
const categories = ["family", "neighbour", "labour", "land_housing", "consumer", "public_services", "legal", "other"];
const tokens = {} as Record<"operator" | "assignee" | "teamMate" | "supervisor" | "otherSupervisor" | "admin", string>;
let grievanceId: string;
let trackingCode: string;
let caseId: string;
let assignee: string;
let teamMate: string;

interface Row {
  record_kind: string;
  record_id: string;
  actor_id: string | null;
  actor_role: string;
  reason: string | null;
  route: string;
  outcome: string;
}

async function call(service: RunningService, method: string, path: string, token: string | null, body?: unknown): Promise<Response> {
  return fetch(service.url + path, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

/** The rows a request added to `schema`'s access log. */
async function rowsAddedBy(schema: "intake" | "triage" | "notification", request: () => Promise<Response>, status: number): Promise<Row[]> {
  const { rows: before } = await db.query<{ max: string | null }>(`SELECT max(id)::text AS max FROM ${schema}.access_log`);
  const answer = await request();
  expect(answer.status, await answer.clone().text()).toBe(status);
  await answer.arrayBuffer();
  const { rows } = await db.query<Row>(
    `SELECT record_kind, record_id, actor_id, actor_role, reason, route, outcome FROM ${schema}.access_log WHERE id > $1::bigint ORDER BY id`,
    [before[0]!.max ?? "0"],
  );
  return rows;
}

beforeAll(async () => {
  env = await createTestEnv();
  const settings = { ...env.env, DEADLINE_SCAN_INTERVAL_MS: "3600000" };
  intake = await startIntake(loadConfig(IntakeConfig, settings), env.logger);
  triage = await startTriage(loadConfig(TriageConfig, settings), env.logger);
  notification = await startNotification(loadConfig(NotificationConfig, settings), env.logger);
  db = new pg.Pool({ connectionString: env.databaseUrl });
  tokens.admin = await tokenFor("admin", "admin-al");
  expect((await call(triage, "PUT", `/v1/admin/teams/${team}`, tokens.admin, { name: "Team AL", level: "community", divisionPrefix: "440402001", categories })).status).toBe(200);
  for (const cw of ["cw-al1", "cw-al2"]) {
    expect((await call(triage, "PUT", `/v1/admin/caseworkers/${cw}`, tokens.admin, { teamId: team, name: `Worker ${cw}`, categories, languages: ["zh", "en"], capacity: 100 })).status).toBe(200);
  }
  tokens.operator = await tokenFor("operator", "op-al");
  const created = await call(intake, "POST", "/v1/grievances", tokens.operator, {
    channel: "phone",
    complainant: { name: "Dou Xiaoling", phone: "+86 139 1122 3344", language: "zh", consentToContact: true },
    location: { divisionCode: "440402001001", address: "Willow Lane 7" },
    description: "楼上漏水三个月没人管",
  });
  expect(created.status).toBe(202);
  ({ id: grievanceId, trackingCode } = (await created.json()) as { id: string; trackingCode: string });
  const assigned = await eventually(async () => {
    const { rows } = await db.query<{ id: string; caseworker_id: string | null }>("SELECT id, caseworker_id FROM triage.cases WHERE grievance_id = $1", [grievanceId]);
    return rows[0]?.caseworker_id ? rows[0] : undefined;
  }, 30_000, "the case to be assigned");
  caseId = assigned.id;
  assignee = assigned.caseworker_id!;
  teamMate = assignee === "cw-al1" ? "cw-al2" : "cw-al1";
  await eventually(async () => ((await db.query("SELECT 1 FROM notification.case_teams WHERE grievance_id = $1", [grievanceId])).rowCount === 1 ? true : undefined), 30_000, "notification to hear of the case");
  tokens.assignee = await tokenFor("caseworker", assignee, { team });
  tokens.teamMate = await tokenFor("caseworker", teamMate, { team });
  tokens.supervisor = await tokenFor("supervisor", "sup-al", { team, division: "440402001" });
  tokens.otherSupervisor = await tokenFor("supervisor", "sup-elsewhere", { team: "elsewhere", division: "110101" });
});

afterAll(async () => {
  await Promise.allSettled([intake?.stop(), triage?.stop(), notification?.stop()]);
  await db?.end();
  await env?.drop();
});

const granted = (recordKind: string, recordId: string, actorId: string | null, actorRole: string, reason: string, route: string): Row => ({
  record_kind: recordKind,
  record_id: recordId,
  actor_id: actorId,
  actor_role: actorRole,
  reason,
  route,
  outcome: "granted",
});
const refused = (recordKind: string, recordId: string, actorId: string, actorRole: string, route: string): Row => ({
  record_kind: recordKind,
  record_id: recordId,
  actor_id: actorId,
  actor_role: actorRole,
  reason: null,
  route,
  outcome: "refused",
});

describe("triage: the case page and the case actions", () => {
  it("records each read of the case page once, with the grounds the reader had", async () => {
    const read = (token: string) => () => call(triage, "GET", `/v1/cases/${caseId}`, token);
    const route = "GET /v1/cases/:id";
    expect(await rowsAddedBy("triage", read(tokens.assignee), 200)).toEqual([granted("case", caseId, assignee, "caseworker", "own_case", route)]);
    expect(await rowsAddedBy("triage", read(tokens.teamMate), 200)).toEqual([granted("case", caseId, teamMate, "caseworker", "team_case", route)]);
    expect(await rowsAddedBy("triage", read(tokens.supervisor), 200)).toEqual([granted("case", caseId, "sup-al", "supervisor", "supervisor", route)]);
    expect(await rowsAddedBy("triage", read(tokens.admin), 200)).toEqual([granted("case", caseId, "admin-al", "admin", "admin", route)]);
  });

  it("records refused reads: a role that may not read cases, and a case outside the caller's team; not a case that does not exist", async () => {
    const route = "GET /v1/cases/:id";
    expect(await rowsAddedBy("triage", () => call(triage, "GET", `/v1/cases/${caseId}`, tokens.operator), 403)).toEqual([refused("case", caseId, "op-al", "operator", route)]);
    expect(await rowsAddedBy("triage", () => call(triage, "GET", `/v1/cases/${caseId}`, tokens.otherSupervisor), 404)).toEqual([refused("case", caseId, "sup-elsewhere", "supervisor", route)]);
    expect(await rowsAddedBy("triage", () => call(triage, "GET", "/v1/cases/00000000-0000-4000-8000-000000000000", tokens.otherSupervisor), 404)).toEqual([]);
    expect(await rowsAddedBy("triage", () => call(triage, "GET", "/v1/cases/not-a-case", tokens.operator), 403)).toEqual([]);
    expect(await rowsAddedBy("triage", () => call(triage, "GET", `/v1/cases/${caseId}`, null), 401)).toEqual([]);
  });

  it("records an action that answers with the case page as a read, and an action refused to a team-mate as a refused one", async () => {
    const etag = (await call(triage, "GET", `/v1/cases/${caseId}`, tokens.admin)).headers.get("etag")!;
    const noted = await rowsAddedBy("triage", () => fetch(`${triage.url}/v1/cases/${caseId}/notes`, { method: "POST", headers: { authorization: `Bearer ${tokens.assignee}`, "content-type": "application/json", "if-match": etag }, body: JSON.stringify({ text: "called back" }) }), 200);
    expect(noted).toEqual([granted("case", caseId, assignee, "caseworker", "own_case", "POST /v1/cases/:id/notes")]);
    expect(await rowsAddedBy("triage", () => call(triage, "POST", `/v1/cases/${caseId}/accept`, tokens.teamMate, {}), 403)).toEqual([refused("case", caseId, teamMate, "caseworker", "POST /v1/cases/:id/accept")]);
    expect(await rowsAddedBy("triage", () => call(triage, "POST", `/v1/cases/${caseId}/notes`, tokens.otherSupervisor, { text: "x" }), 404)).toEqual([refused("case", caseId, "sup-elsewhere", "supervisor", "POST /v1/cases/:id/notes")]);
  });
});

describe("intake: the grievance and the complainant's tracking lookup", () => {
  it("records the operator's, the supervisor's and the admin's reads, and a supervisor of another division refused", async () => {
    const route = "GET /v1/grievances/:id";
    const read = (token: string) => () => call(intake, "GET", `/v1/grievances/${grievanceId}`, token);
    expect(await rowsAddedBy("intake", read(tokens.operator), 200)).toEqual([granted("grievance", grievanceId, "op-al", "operator", "operator", route)]);
    expect(await rowsAddedBy("intake", read(tokens.supervisor), 200)).toEqual([granted("grievance", grievanceId, "sup-al", "supervisor", "supervisor", route)]);
    expect(await rowsAddedBy("intake", read(tokens.admin), 200)).toEqual([granted("grievance", grievanceId, "admin-al", "admin", "admin", route)]);
    expect(await rowsAddedBy("intake", read(tokens.otherSupervisor), 404)).toEqual([refused("grievance", grievanceId, "sup-elsewhere", "supervisor", route)]);
    expect(await rowsAddedBy("intake", read(tokens.assignee), 403)).toEqual([refused("grievance", grievanceId, assignee, "caseworker", route)]);
  });

  it("records the complainant's lookup with the tracking code by the grievance's id, keeping nothing of the caller", async () => {
    expect(await rowsAddedBy("intake", () => call(intake, "GET", `/v1/track/${trackingCode}`, null), 200)).toEqual([granted("grievance", grievanceId, null, "complainant", "complainant", "GET /v1/track/:code")]);
    expect(await rowsAddedBy("intake", () => call(intake, "GET", "/v1/track/AAAAA-AAAAA", null), 404)).toEqual([]);
  });
});

describe("notification: deliveries and recipients' contact details", () => {
  it("records one read per grievance in the delivery log's answer, and one per recipient in the directory's", async () => {
    await eventually(async () => ((await db.query("SELECT 1 FROM notification.deliveries WHERE grievance_id = $1", [grievanceId])).rowCount! > 0 ? true : undefined), 30_000, "a delivery");
    expect(await rowsAddedBy("notification", () => call(notification, "GET", `/v1/deliveries?grievanceId=${grievanceId}`, tokens.supervisor), 200)).toEqual([
      granted("grievance", grievanceId, "sup-al", "supervisor", "supervisor", "GET /v1/deliveries"),
    ]);
    expect(await rowsAddedBy("notification", () => call(notification, "GET", `/v1/deliveries?grievanceId=${grievanceId}`, tokens.assignee), 403)).toEqual([
      refused("grievance", grievanceId, assignee, "caseworker", "GET /v1/deliveries"),
    ]);
    expect(await rowsAddedBy("notification", () => call(notification, "PUT", "/v1/recipients/caseworker/cw-al1", tokens.admin, { language: "zh", channels: { email: "al1@example.org", feed: true } }), 200)).toEqual([
      granted("recipient", "caseworker:cw-al1", "admin-al", "admin", "admin", "PUT /v1/recipients/:kind/:id"),
    ]);
    await call(notification, "PUT", "/v1/recipients/team_supervisor/al-team", tokens.admin, { language: "zh", channels: { feed: true } });
    expect(await rowsAddedBy("notification", () => call(notification, "GET", "/v1/recipients", tokens.admin), 200)).toEqual([
      granted("recipient", "caseworker:cw-al1", "admin-al", "admin", "admin", "GET /v1/recipients"),
      granted("recipient", "team_supervisor:al-team", "admin-al", "admin", "admin", "GET /v1/recipients"),
    ]);
    expect(await rowsAddedBy("notification", () => call(notification, "PUT", "/v1/recipients/caseworker/cw-al1", tokens.supervisor, { language: "zh", channels: { feed: true } }), 403)).toEqual([
      refused("recipient", "caseworker:cw-al1", "sup-al", "supervisor", "PUT /v1/recipients/:kind/:id"),
    ]);
  });
});

describe("the log itself", () => {
  it("holds ids and roles only: none of the complainant's data, no tracking code", async () => {
    for (const schema of ["intake", "triage", "notification"]) {
      const { rows } = await db.query<{ t: string }>(`SELECT string_agg(a::text, '\n') AS t FROM ${schema}.access_log a`);
      const text = rows[0]!.t;
      expect(text.length).toBeGreaterThan(0);
      // The phone's whole digits: a fragment such as "1122" turns up in a row's microseconds by chance.
      for (const personal of ["Dou Xiaoling", "13911223344", "1122 3344", "Willow Lane", "漏水", trackingCode, "al1@example.org"]) expect(text, schema).not.toContain(personal);
    }
  });

  it.each(["intake", "triage", "notification"])("refuses UPDATE, DELETE and TRUNCATE in %s's schema, even from the service's own connection", async (schema) => {
    const own = new pg.Client({ connectionString: env.databaseUrl, options: `-c search_path=${schema},public` });
    await own.connect();
    try {
      const { rows } = await own.query<{ n: number }>("SELECT count(*)::int AS n FROM access_log");
      expect(rows[0]!.n).toBeGreaterThan(0);
      await expect(own.query("UPDATE access_log SET actor_id = 'someone-else'")).rejects.toThrow(/access_log is append-only: UPDATE refused/);
      await expect(own.query("DELETE FROM access_log")).rejects.toThrow(/access_log is append-only: DELETE refused/);
      await expect(own.query("TRUNCATE access_log")).rejects.toThrow(/access_log is append-only: TRUNCATE refused/);
      expect((await own.query<{ n: number }>("SELECT count(*)::int AS n FROM access_log")).rows[0]!.n).toBe(rows[0]!.n);
    } finally {
      await own.end();
    }
  });
});

describe("listing a record's log", () => {
  interface Page {
    entries: { id: string; at: string; recordId: string; actor: { id: string | null; role: string }; reason: string | null; outcome: string; route: string }[];
    next: string | null;
  }

  it("gives the team's supervisor the case's entries, oldest first, page by page", async () => {
    const { rows } = await db.query<{ id: string }>("SELECT id::text FROM triage.access_log WHERE record_kind = 'case' AND record_id = $1 ORDER BY access_log.id", [caseId]);
    expect(rows.length).toBeGreaterThan(4);
    const seen: Page["entries"] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const answer = await call(triage, "GET", `/v1/cases/${caseId}/access-log?limit=2${after ? `&after=${after}` : ""}`, tokens.supervisor);
      expect(answer.status).toBe(200);
      const page = (await answer.json()) as Page;
      expect(page.entries.length).toBeLessThanOrEqual(2);
      seen.push(...page.entries);
      after = page.next;
      pages++;
    } while (after !== null && pages < 50);
    expect(seen.map((e) => e.id)).toEqual(rows.map((r) => r.id));
    expect(seen[0]).toMatchObject({ recordId: caseId, actor: { id: assignee, role: "caseworker" }, reason: "own_case", outcome: "granted", route: "GET /v1/cases/:id" });
    expect(seen.find((e) => e.outcome === "refused")).toMatchObject({ actor: { id: "op-al", role: "operator" }, reason: null });
  });

  it("lists the grievance's entries in intake, the complainant's lookup included, and the deliveries' reads in notification", async () => {
    const fromIntake = (await (await call(intake, "GET", `/v1/grievances/${grievanceId}/access-log`, tokens.supervisor)).json()) as Page;
    expect(fromIntake.entries.map((e) => [e.actor.role, e.reason])).toContainEqual(["complainant", "complainant"]);
    expect(fromIntake.next).toBeNull();
    const fromNotification = (await (await call(notification, "GET", `/v1/grievances/${grievanceId}/access-log`, tokens.admin)).json()) as Page;
    expect(fromNotification.entries.map((e) => e.route)).toEqual(["GET /v1/deliveries", "GET /v1/deliveries"]);
    const recipient = (await (await call(notification, "GET", "/v1/recipients/caseworker/cw-al1/access-log", tokens.admin)).json()) as Page;
    expect(recipient.entries.map((e) => e.route)).toEqual(["PUT /v1/recipients/:kind/:id", "GET /v1/recipients", "PUT /v1/recipients/:kind/:id"]);
  });

  it("is open to an auditor, who may read the logs but not the records", async () => {
    const auditor = await tokenFor("auditor", "auditor-al");
    expect((await call(triage, "GET", `/v1/cases/${caseId}/access-log`, auditor)).status).toBe(200);
    expect((await call(intake, "GET", `/v1/grievances/${grievanceId}/access-log`, auditor)).status).toBe(200);
    expect((await call(notification, "GET", `/v1/grievances/${grievanceId}/access-log`, auditor)).status).toBe(200);
    expect(await rowsAddedBy("triage", () => call(triage, "GET", `/v1/cases/${caseId}`, auditor), 403)).toEqual([refused("case", caseId, "auditor-al", "auditor", "GET /v1/cases/:id")]);
    expect(await rowsAddedBy("intake", () => call(intake, "GET", `/v1/grievances/${grievanceId}`, auditor), 403)).toEqual([refused("grievance", grievanceId, "auditor-al", "auditor", "GET /v1/grievances/:id")]);
  });

  it("is refused to caseworkers and operators, and a bad cursor is a 400 naming it", async () => {
    expect((await call(triage, "GET", `/v1/cases/${caseId}/access-log`, tokens.assignee)).status).toBe(403);
    expect((await call(intake, "GET", `/v1/grievances/${grievanceId}/access-log`, tokens.operator)).status).toBe(403);
    const bad = await call(triage, "GET", `/v1/cases/${caseId}/access-log?after=x`, tokens.admin);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { errors: { field: string }[] }).errors[0]!.field).toBe("querystring.after");
  });
});
