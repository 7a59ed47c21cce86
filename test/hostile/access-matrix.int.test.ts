// Who may do what, route by route: every role (and no token) against every route of the three
// services, on a resource of their own, of another team and of another division, each cell
// a test with the status it must get. Case actions are sent with the case's current If-Match,
// so each cell meets the permission check itself: a refusal leaves the case as it was, a
// success changes it. Then every way a token can be wrong — missing, expired,
// malformed, signed with another key, for another issuer or audience, alg:none — is a 401 on
// every protected route, and a resource outside the caller's scope is a 404 that reads the
// same as one that does not exist.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { DEVELOPMENT_JWT_SECRET, loadConfig, type RunningService } from "@grievance-hub/kit";
import { CaseActionBodies } from "@grievance-hub/schema";
import { IntakeConfig, startIntake } from "@grievance-hub/intake";
import { TriageConfig, startTriage } from "@grievance-hub/triage";
import { NotificationConfig, startNotification } from "@grievance-hub/notification";
import { createApiKey, revokeApiKey } from "../../services/intake/src/db/api-keys";
import { captureLogs, createTestEnv, eventually, tokenFor, type TestEnv } from "../support";
import { address, capturedLogger, claims, complainantOnLine, descriptionMark, handmadeJwt, personalIn, problemIn, send, sound, type Answer } from "./support";

let env: TestEnv;
let intake: RunningService;
let triage: RunningService;
let notification: RunningService;
let db: pg.Pool;
const logs = captureLogs();

type Who = "operator" | "caseworker" | "caseworker (team-mate)" | "supervisor" | "supervisor without team or division" | "admin" | "auditor" | "no token";
type Owner = "own" | "other team" | "other division";
const owners: Owner[] = ["own", "other team", "other division"];
const everyone: Who[] = ["operator", "caseworker", "caseworker (team-mate)", "supervisor", "supervisor without team or division", "admin", "auditor", "no token"];

/** The teams and places of the three owners: the caller's own, another team of the same district, another district. */
const place: Record<Owner, { team: string; prefix: string; division: string; caseworkers: [string, string] }> = {
  own: { team: "am-a", prefix: "440402001", division: "440402001001", caseworkers: ["cw-a1", "cw-a2"] },
  "other team": { team: "am-b", prefix: "440402003", division: "440402003001", caseworkers: ["cw-b1", "cw-b2"] },
  "other division": { team: "am-c", prefix: "110101001", division: "110101001001", caseworkers: ["cw-c1", "cw-c2"] },
};
const categories = ["family", "neighbour", "labour", "land_housing", "consumer", "public_services", "legal", "other"];

/** What each owner's resources are, once created. */
const resource = {} as Record<Owner, { grievanceId: string; trackingCode: string; caseId: string; assignee: string; teamMate: string }>;
const tokens = {} as Record<Exclude<Who, "no token">, string>;
let adminToken: string;

beforeAll(async () => {
  env = await createTestEnv();
  const settings = { ...env.env, DEADLINE_SCAN_INTERVAL_MS: "3600000", TRACK_RATE_LIMIT_PER_MINUTE: "100000", PUBLIC_RATE_LIMIT_PER_MINUTE: "100000", STAFF_RATE_LIMIT_PER_MINUTE: "100000" };
  intake = await startIntake(loadConfig(IntakeConfig, settings), capturedLogger("intake", logs));
  triage = await startTriage(loadConfig(TriageConfig, settings), capturedLogger("triage", logs));
  notification = await startNotification(loadConfig(NotificationConfig, settings), capturedLogger("notification", logs));
  db = new pg.Pool({ connectionString: env.databaseUrl });
  adminToken = await tokenFor("admin", "admin-am");

  let line = 0;
  for (const owner of owners) {
    const p = place[owner];
    expect((await json(triage, "PUT", `/v1/admin/teams/${p.team}`, bearer(adminToken), { name: `Team ${p.team}`, level: "community", divisionPrefix: p.prefix, categories })).status).toBe(200);
    for (const cw of p.caseworkers) {
      expect((await json(triage, "PUT", `/v1/admin/caseworkers/${cw}`, bearer(adminToken), { teamId: p.team, name: `Worker ${cw}`, categories, languages: ["zh", "en"], capacity: 100 })).status).toBe(200);
    }
    const created = await json(intake, "POST", "/v1/grievances", bearer(await tokenFor("operator", "op-seed")), {
      channel: "phone",
      complainant: complainantOnLine(++line),
      location: { divisionCode: p.division, address },
      description: `${descriptionMark}，请尽快处理`,
    });
    expect(created.status).toBe(202);
    const { id, trackingCode } = created.json<{ id: string; trackingCode: string }>();
    const assigned = await eventually(async () => {
      const { rows } = await db.query<{ id: string; caseworker_id: string | null }>("SELECT id, caseworker_id FROM triage.cases WHERE grievance_id = $1", [id]);
      return rows[0]?.caseworker_id ? rows[0] : undefined;
    }, 30_000, `the ${owner} case to be assigned`);
    resource[owner] = { grievanceId: id, trackingCode, caseId: assigned.id, assignee: assigned.caseworker_id!, teamMate: p.caseworkers.find((c) => c !== assigned.caseworker_id)! };
    // Notification knows which team handles the case (a supervisor's scope there) once it has heard of the assignment.
    await eventually(async () => ((await db.query("SELECT 1 FROM notification.case_teams WHERE grievance_id = $1", [id])).rowCount === 1 ? true : undefined), 30_000, `notification to hear of the ${owner} case's team`);
  }
  // The caller works in the "own" team and division.
  const own = place.own;
  tokens.operator = await tokenFor("operator", "op-am");
  tokens.caseworker = await tokenFor("caseworker", resource.own.assignee, { team: own.team });
  tokens["caseworker (team-mate)"] = await tokenFor("caseworker", resource.own.teamMate, { team: own.team });
  tokens.supervisor = await tokenFor("supervisor", "sup-am", { team: own.team, division: own.prefix });
  tokens["supervisor without team or division"] = await tokenFor("supervisor", "sup-bare");
  tokens.admin = adminToken;
  tokens.auditor = await tokenFor("auditor", "auditor-am");
  const intakeDb = new pg.Client({ connectionString: env.databaseUrl, options: "-c search_path=intake,public" });
  await intakeDb.connect();
  open311Key = await createApiKey(intakeDb, "matrix-app");
  revokedKey = await createApiKey(intakeDb, "revoked-app");
  await revokeApiKey(intakeDb, "revoked-app");
  await intakeDb.end();
});

let open311Key: string;
let revokedKey: string;

async function caseVersions(): Promise<Record<string, number>> {
  const { rows } = await db.query<{ id: string; version: number }>("SELECT id, version FROM triage.cases WHERE id = ANY($1::uuid[])", [owners.map((o) => resource[o].caseId)]);
  return Object.fromEntries(rows.map((r) => [r.id, r.version]));
}

afterAll(async () => {
  await Promise.allSettled([intake?.stop(), triage?.stop(), notification?.stop()]);
  await db?.end();
  await env?.drop();
});

/** A JSON request; `authorization` is the whole header value, or null to send none. */
function json(service: RunningService, method: string, path: string, authorization: string | null, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  return send(service.url, path, {
    method,
    headers: { ...(authorization === null ? {} : { authorization }), ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

const bearer = (token: string) => `Bearer ${token}`;
const authorizationOf = (who: Who) => (who === "no token" ? null : bearer(tokens[who]));

// --- the matrix ---------------------------------------------------------------------------

/** A status, or for a list: whether the owner's resource is in it (the request itself answering 200). */
type Outcome = number | "listed" | "not listed";
type Cell = Outcome | Record<Owner, Outcome>;
const scoped = (own: Outcome, others: Outcome): Record<Owner, Outcome> => ({ own, "other team": others, "other division": others });

interface MatrixRoute {
  route: string;
  /** Whether the route is about a resource that has an owner (else it is tried once per role). */
  owned: boolean;
  /** The route's request with this Authorization header (null: none). */
  request: (authorization: string | null, owner: Owner) => Promise<Answer>;
  /** For a list: whether the owner's resource is in the answer. */
  lists?: (answer: Answer, owner: Owner) => boolean;
  /** An auditor reads the access logs and nothing else: 403 wherever the route does not say otherwise. */
  expect: Record<Exclude<Who, "auditor">, Cell> & { auditor?: Cell };
  /** A case action: a refusal must leave the case as it was, a success must change it. */
  action?: boolean;
}

/** A body each case action accepts. Reassigning or assigning names the case's own assignee, so no cell moves the case to the team-mate. */
const actionBodies: Record<string, (owner: Owner) => unknown> = {
  accept: () => ({}),
  notes: () => ({ text: "checked in" }),
  mediation: () => ({ at: "2031-01-01T09:00:00Z", place: "community office" }),
  resolve: () => ({ outcome: "resolved", summary: "agreed" }),
  escalate: () => ({ reason: "needs the street team" }),
  "request-reassignment": () => ({ reason: "the respondent is a relative" }),
  reassign: (owner) => ({ toCaseworkerId: resource[owner].assignee, reason: "workload" }),
  assign: (owner) => ({ caseworkerId: resource[owner].assignee, reason: "workload" }),
  reopen: () => ({ reason: "came back" }),
  close: () => ({}),
  parties: () => ({ role: "respondent", kind: "person", name: "Wang Fang", phone: "+8613900139000", consentToContact: true }),
  mediator: () => ({}),
  sessions: () => ({ at: "2031-01-01T09:00:00Z", place: "community office", invitedPartyIds: [] }),
  "reschedule-session": () => ({ sessionId: "session-1", at: "2031-01-02T09:00:00Z" }),
  "cancel-session": () => ({ sessionId: "session-1", reason: "respondent ill" }),
  "record-session": () => ({ sessionId: "session-1", complainantAttended: true, attendedPartyIds: [], result: "adjourned" }),
  agreement: () => ({ sessionId: "session-1", terms: "quiet after 22:00", signedOn: "2030-12-31", obligations: [{ owedBy: "party-1", what: "quiet", dueBy: "2031-01-31" }] }),
  obligation: () => ({ agreementId: "agreement-1", obligationId: "agreement-1.1", status: "fulfilled" }),
  "follow-up": () => ({ reached: true, satisfaction: "satisfied" }),
  refer: () => ({ to: { kind: "legal_aid", name: "legal aid centre" }, reason: "needs a lawyer" }),
  "acknowledge-referral": () => ({ referralId: "referral-1" }),
  decline: () => ({ reason: "not a dispute the hotline handles", goTo: { kind: "police", name: "police station" } }),
  withdraw: () => ({ reason: "settled privately" }),
  recategorise: () => ({ category: "neighbour", reason: "as classified" }),
};

/**
 * Who may take each case action (the specification, written here rather than read from triage):
 * the assigned caseworker, a supervisor of the team holding the case, an admin. Everyone else who
 * can see the case (a team-mate) is refused with 403; who cannot see it gets 404.
 */
type Actor = "assignee" | "team supervisor" | "admin";
const everyActor: Actor[] = ["assignee", "team supervisor", "admin"];
const mayAct: Record<string, Actor[]> = {
  ...Object.fromEntries(Object.keys(CaseActionBodies).map((a) => [a, everyActor])),
  // Only the caseworker it was given accepts a case; only a supervisor or admin moves or reopens one.
  accept: ["assignee"],
  // The caseworker asks; a supervisor or admin reassigns instead.
  "request-reassignment": ["assignee"],
  reassign: ["team supervisor", "admin"],
  assign: ["team supervisor", "admin"],
  reopen: ["team supervisor", "admin"],
};

/**
 * What a permitted caller gets, given the state the case has reached by then: cells run in
 * order (route by route, role by role, owner by owner) on the same three cases. 200: done;
 * 409: not in this state (or nothing to escalate to, no mediator free); 422: the command names
 * what is not so (reassigning to the caseworker who has it). The caller's own case is accepted
 * and taken to mediation by its caseworker, resolved, reopened by the supervisor (assigned
 * again), then declined by its caseworker, so every later action finds it closed; the other
 * two stay assigned until the admin declines them.
 */
const everywhere = (status: number): Record<Owner, number> => ({ own: status, "other team": status, "other division": status });
const refusedByState = { caseworker: 409, supervisor: 409, admin: everywhere(409) };
const stateOutcome: Record<string, { caseworker?: number; supervisor?: number; admin?: Record<Owner, number> }> = {
  accept: { caseworker: 200 },
  notes: { caseworker: 200, supervisor: 200, admin: everywhere(200) },
  mediation: { caseworker: 200, supervisor: 200, admin: { own: 200, "other team": 409, "other division": 409 } },
  resolve: { caseworker: 200, supervisor: 409, admin: everywhere(409) },
  escalate: refusedByState,
  "request-reassignment": { caseworker: 409 },
  reassign: { supervisor: 409, admin: { own: 409, "other team": 422, "other division": 422 } },
  assign: { supervisor: 409, admin: everywhere(409) },
  reopen: { supervisor: 200, admin: everywhere(409) },
  close: refusedByState,
  parties: { caseworker: 200, supervisor: 200, admin: everywhere(200) },
  mediator: refusedByState,
  sessions: refusedByState,
  "reschedule-session": refusedByState,
  "cancel-session": refusedByState,
  "record-session": refusedByState,
  agreement: refusedByState,
  obligation: refusedByState,
  "follow-up": refusedByState,
  refer: refusedByState,
  "acknowledge-referral": refusedByState,
  decline: { caseworker: 200, supervisor: 409, admin: { own: 409, "other team": 200, "other division": 200 } },
  withdraw: refusedByState,
  recategorise: refusedByState,
};

const actionCell = (action: string): MatrixRoute["expect"] => {
  const allowed = mayAct[action]!;
  const outcome = stateOutcome[action];
  // A status of -1 (never given) marks an action missing from stateOutcome: its cells fail.
  const ownOnly = (status: number | undefined): Cell => scoped(status ?? -1, 404);
  return {
    operator: 403,
    caseworker: ownOnly(allowed.includes("assignee") ? outcome?.caseworker : 403),
    "caseworker (team-mate)": scoped(403, 404),
    supervisor: ownOnly(allowed.includes("team supervisor") ? outcome?.supervisor : 403),
    "supervisor without team or division": 404,
    admin: allowed.includes("admin") ? (outcome?.admin ?? everywhere(-1)) : 403,
    "no token": 401,
  };
};

/** The case's current ETag, read over HTTP as a caller about to act would. */
async function currentEtag(owner: Owner): Promise<string> {
  const view = await json(triage, "GET", `/v1/cases/${resource[owner].caseId}`, bearer(adminToken));
  expect(view.status).toBe(200);
  return String(view.headers.etag);
}

const staffOnly = (allowed: Cell): MatrixRoute["expect"] => ({
  operator: 403,
  caseworker: allowed,
  "caseworker (team-mate)": allowed,
  supervisor: allowed,
  "supervisor without team or division": allowed,
  admin: allowed,
  "no token": 401,
});
const adminOnly = (ok: number): MatrixRoute["expect"] => ({
  operator: 403,
  caseworker: 403,
  "caseworker (team-mate)": 403,
  supervisor: 403,
  "supervisor without team or division": 403,
  admin: ok,
  "no token": 401,
});

const matrix: MatrixRoute[] = [
  {
    route: "POST /v1/grievances",
    owned: true,
    request: (t, owner) => json(intake, "POST", "/v1/grievances", t, { channel: "web", anonymous: true, language: "zh", location: { divisionCode: place[owner].division }, description: "路灯坏了一周" }),
    expect: { operator: 202, caseworker: 403, "caseworker (team-mate)": 403, supervisor: 202, "supervisor without team or division": 202, admin: 202, "no token": 401 },
  },
  {
    route: "GET /v1/grievances/:id",
    owned: true,
    request: (t, owner) => json(intake, "GET", `/v1/grievances/${resource[owner].grievanceId}`, t),
    expect: {
      operator: 200,
      caseworker: 403,
      "caseworker (team-mate)": 403,
      supervisor: scoped(200, 404),
      // Without a division claim a supervisor's scope is nothing, not everything.
      "supervisor without team or division": 404,
      admin: 200,
      "no token": 401,
    },
  },
  {
    route: "POST /v1/grievances/caller-history",
    owned: false,
    request: (t) => json(intake, "POST", "/v1/grievances/caller-history", t, { phone: "+86 139 0013 9000" }),
    expect: { operator: 200, caseworker: 403, "caseworker (team-mate)": 403, supervisor: 200, "supervisor without team or division": 200, admin: 200, "no token": 401 },
  },
  {
    route: "GET /v1/track/:code",
    owned: true,
    request: (t, owner) => json(intake, "GET", `/v1/track/${resource[owner].trackingCode}`, t),
    expect: { operator: 200, caseworker: 200, "caseworker (team-mate)": 200, supervisor: 200, "supervisor without team or division": 200, admin: 200, auditor: 200, "no token": 200 },
  },
  {
    route: "GET /v1/tasks",
    owned: true,
    request: (t) => json(triage, "GET", "/v1/tasks?limit=500", t),
    lists: (a, owner) => a.json<{ tasks: { caseId: string }[] }>().tasks.some((x) => x.caseId === resource[owner].caseId),
    expect: {
      operator: 403,
      caseworker: scoped("listed", "not listed"),
      // A team-mate's assigned case is theirs to read but not in one's own task list.
      "caseworker (team-mate)": "not listed",
      supervisor: scoped("listed", "not listed"),
      "supervisor without team or division": "not listed",
      admin: "listed",
      "no token": 401,
    },
  },
  {
    route: "GET /v1/cases/:id",
    owned: true,
    request: (t, owner) => json(triage, "GET", `/v1/cases/${resource[owner].caseId}`, t),
    expect: { ...staffOnly(scoped(200, 404)), "supervisor without team or division": 404, admin: 200 },
  },
  {
    route: "GET /v1/cases/:id/access-log",
    owned: true,
    request: (t, owner) => json(triage, "GET", `/v1/cases/${resource[owner].caseId}/access-log`, t),
    expect: { ...adminOnly(200), supervisor: scoped(200, 404), "supervisor without team or division": 404, auditor: 200 },
  },
  {
    route: "GET /v1/grievances/:id/access-log (intake)",
    owned: true,
    request: (t, owner) => json(intake, "GET", `/v1/grievances/${resource[owner].grievanceId}/access-log`, t),
    expect: { ...adminOnly(200), supervisor: scoped(200, 404), "supervisor without team or division": 404, auditor: 200 },
  },
  {
    route: "GET /v1/grievances/:id/access-log (notification)",
    owned: true,
    request: (t, owner) => json(notification, "GET", `/v1/grievances/${resource[owner].grievanceId}/access-log`, t),
    expect: { ...adminOnly(200), supervisor: scoped(200, 404), "supervisor without team or division": 404, auditor: 200 },
  },
  {
    route: "GET /v1/recipients/:kind/:id/access-log",
    owned: true,
    request: (t, owner) => json(notification, "GET", `/v1/recipients/caseworker/${place[owner].caseworkers[0]}/access-log`, t),
    expect: { ...adminOnly(200), auditor: 200 },
  },
  ...Object.keys(CaseActionBodies).map(
    (action): MatrixRoute => ({
      route: `POST /v1/cases/:id/${action}`,
      owned: true,
      request: async (t, owner) => json(triage, "POST", `/v1/cases/${resource[owner].caseId}/${action}`, t, actionBodies[action]!(owner), { "if-match": await currentEtag(owner) }),
      action: true,
      expect: actionCell(action),
    }),
  ),
  {
    route: "POST /v1/admin/erasures",
    owned: false,
    // A tracking code nobody has: the role is checked before the person is looked for, and nobody is erased.
    request: (t) => json(intake, "POST", "/v1/admin/erasures", t, { trackingCode: "00000-00000" }),
    expect: adminOnly(404),
  },
  {
    route: "GET /v1/admin/teams",
    owned: false,
    request: (t) => json(triage, "GET", "/v1/admin/teams", t),
    expect: { operator: 403, caseworker: 403, "caseworker (team-mate)": 403, supervisor: 200, "supervisor without team or division": 200, admin: 200, "no token": 401 },
  },
  {
    route: "PUT /v1/admin/teams/:id",
    owned: true,
    request: (t, owner) => json(triage, "PUT", `/v1/admin/teams/${place[owner].team}`, t, { name: `Team ${place[owner].team}`, level: "community", divisionPrefix: place[owner].prefix, categories }),
    expect: adminOnly(200),
  },
  {
    route: "GET /v1/admin/caseworkers?teamId=",
    owned: true,
    request: (t, owner) => json(triage, "GET", `/v1/admin/caseworkers?teamId=${place[owner].team}`, t),
    lists: (a, owner) => a.json<{ caseworkers: { id: string }[] }>().caseworkers.some((c) => place[owner].caseworkers.includes(c.id)),
    expect: {
      operator: 403,
      caseworker: 403,
      "caseworker (team-mate)": 403,
      // A supervisor asking for another team's caseworkers still gets only their own team's.
      supervisor: scoped("listed", "not listed"),
      "supervisor without team or division": "not listed",
      admin: "listed",
      "no token": 401,
    },
  },
  {
    route: "PUT /v1/admin/caseworkers/:id",
    owned: true,
    request: (t, owner) => {
      const id = place[owner].caseworkers[0];
      return json(triage, "PUT", `/v1/admin/caseworkers/${id}`, t, { teamId: place[owner].team, name: `Worker ${id}`, categories, languages: ["zh", "en"], capacity: 100 });
    },
    expect: adminOnly(200),
  },
  {
    route: "GET /v1/admin/mediators",
    owned: false,
    request: (t) => json(triage, "GET", "/v1/admin/mediators", t),
    expect: { operator: 403, caseworker: 403, "caseworker (team-mate)": 403, supervisor: 200, "supervisor without team or division": 200, admin: 200, "no token": 401 },
  },
  {
    route: "PUT /v1/admin/mediators/:id",
    owned: true,
    request: (t, owner) => json(triage, "PUT", `/v1/admin/mediators/med-${place[owner].team}`, t, { name: "Li Hua", level: "community", divisionPrefix: place[owner].prefix, specialties: ["neighbour"], languages: ["zh"], capacity: 10 }),
    expect: adminOnly(200),
  },
  {
    route: "GET /v1/statistics?division=",
    owned: true,
    request: (t, owner) => json(triage, "GET", `/v1/statistics?division=${place[owner].prefix}`, t),
    expect: {
      operator: 403,
      caseworker: 403,
      "caseworker (team-mate)": 403,
      // A supervisor sees their own team's area; another's is refused, naming the division.
      supervisor: scoped(200, 403),
      // Without a team a supervisor's scope is nothing: an empty answer.
      "supervisor without team or division": 200,
      admin: 200,
      "no token": 401,
    },
  },
  {
    route: "GET /v1/statistics/dashboard?division=",
    owned: true,
    request: (t, owner) => json(triage, "GET", `/v1/statistics/dashboard?division=${place[owner].prefix}`, t),
    expect: {
      operator: 403,
      caseworker: 403,
      "caseworker (team-mate)": 403,
      // A supervisor sees their own team's area; another's is refused, naming the division.
      supervisor: scoped(200, 403),
      // Without a team a supervisor has no area: refused, naming the division.
      "supervisor without team or division": 403,
      admin: 200,
      "no token": 401,
    },
  },
  {
    route: "PUT /v1/recipients/:kind/:id",
    owned: true,
    request: (t, owner) => json(notification, "PUT", `/v1/recipients/caseworker/${place[owner].caseworkers[0]}`, t, { language: "zh", channels: { feed: true } }),
    expect: adminOnly(200),
  },
  { route: "GET /v1/recipients", owned: false, request: (t) => json(notification, "GET", "/v1/recipients", t), expect: adminOnly(200) },
  {
    route: "GET /v1/deliveries",
    owned: false,
    request: (t) => json(notification, "GET", "/v1/deliveries", t),
    expect: { operator: 403, caseworker: 403, "caseworker (team-mate)": 403, supervisor: 200, "supervisor without team or division": 200, admin: 200, "no token": 401 },
  },
  { route: "GET /v1/feed", owned: false, request: (t) => json(notification, "GET", "/v1/feed", t), expect: staffOnly(200) },
];

describe("every role against every route, on their own resources and others'", () => {
  for (const m of matrix) {
    describe(m.route, () => {
      for (const who of everyone) {
        for (const owner of m.owned ? owners : (["own"] as Owner[])) {
          const cell = m.expect[who] ?? 403;
          const outcome = typeof cell === "object" ? cell[owner] : cell;
          const on = m.owned ? ` on the ${owner === "own" ? "caller's own" : owner}'s resource` : "";
          it(`${who}${on}: ${typeof outcome === "number" ? outcome : `200, ${outcome}`}`, async () => {
            const before = m.action ? await caseVersions() : undefined;
            const answer = sound(await m.request(authorizationOf(who), owner), `${who} ${m.route}`);
            if (before) {
              const after = await caseVersions();
              if (answer.status === 200) expect(after[resource[owner].caseId]).toBeGreaterThan(before[resource[owner].caseId]!);
              else expect(after, "a refused action changed a case").toEqual(before);
            }
            if (typeof outcome === "number") {
              expect(answer.status, answer.text().slice(0, 300)).toBe(outcome);
            } else {
              expect(answer.status, answer.text().slice(0, 300)).toBe(200);
              expect(m.lists!(answer, owner)).toBe(outcome === "listed");
            }
            if (answer.status === 401) expect(answer.headers["www-authenticate"]).toMatch(/^Bearer /);
          });
        }
      }
    });
  }

});

// --- existence does not leak --------------------------------------------------------------

describe("a resource outside the caller's scope reads exactly like one that does not exist", () => {
  const strip = (p: Record<string, unknown>) => ({ ...p, instance: undefined });

  it("for a case of another team or division, to a caseworker and a supervisor, to read or to act on", async () => {
    for (const who of ["caseworker", "supervisor"] as const) {
      const unknown = strip(problemIn(await json(triage, "GET", "/v1/cases/00000000-0000-4000-8000-000000000000", bearer(tokens[who])).then(asProblemInput)));
      const unknownAction = strip(problemIn(await json(triage, "POST", "/v1/cases/00000000-0000-4000-8000-000000000000/notes", bearer(tokens[who]), { text: "x" }).then(asProblemInput)));
      for (const owner of ["other team", "other division"] as const) {
        expect(strip(problemIn(await json(triage, "GET", `/v1/cases/${resource[owner].caseId}`, bearer(tokens[who])).then(asProblemInput)))).toEqual(unknown);
        expect(strip(problemIn(await json(triage, "POST", `/v1/cases/${resource[owner].caseId}/notes`, bearer(tokens[who]), { text: "x" }).then(asProblemInput)))).toEqual(unknownAction);
      }
    }
  });

  it("for a grievance outside a supervisor's division", async () => {
    const unknown = strip(problemIn(await json(intake, "GET", "/v1/grievances/00000000-0000-4000-8000-000000000000", bearer(tokens.supervisor)).then(asProblemInput)));
    for (const owner of ["other team", "other division"] as const) {
      expect(strip(problemIn(await json(intake, "GET", `/v1/grievances/${resource[owner].grievanceId}`, bearer(tokens.supervisor)).then(asProblemInput)))).toEqual(unknown);
    }
  });

  it("and the public tracking lookup shows no personal data to anyone", async () => {
    const answer = await json(intake, "GET", `/v1/track/${resource.own.trackingCode}`, null);
    expect(answer.status).toBe(200);
    expect(personalIn(answer.text())).toEqual([]);
    expect(answer.text()).not.toContain(resource.own.assignee);
  });
});

function asProblemInput(a: Answer): { status: number; headers: Record<string, string | string[] | undefined>; body: Buffer } {
  return { status: a.status, headers: a.headers, body: a.body };
}

// --- tokens -------------------------------------------------------------------------------

describe("a token that is missing, expired, malformed or not ours is 401 on every protected route, and nothing happens", () => {
  const other = "another-identity-providers-secret-of-32-chars";
  const alg = { alg: "HS256", typ: "JWT" };
  const badTokens: [string, () => Promise<string | null>][] = [
    ["no Authorization header", async () => null],
    ["an empty Authorization header", async () => ""],
    ["'Bearer' alone", async () => "Bearer"],
    ["'Bearer ' and nothing", async () => "Bearer "],
    ["'Bearer x.y'", async () => "Bearer x.y"],
    ["Basic credentials", async () => "Basic YWRtaW46YWRtaW4="],
    ["two bearer tokens", async () => `Bearer ${adminToken}, Bearer ${adminToken}`],
    ["the token without 'Bearer'", async () => adminToken],
    ["an expired token", async () => `Bearer ${await tokenFor("admin", "admin-am", { expiresIn: "-1m" })}`],
    ["a token signed with another secret", async () => `Bearer ${handmadeJwt(alg, claims("admin", "admin-am"), other)}`],
    ["a token from another issuer", async () => `Bearer ${handmadeJwt(alg, claims("admin", "admin-am", { iss: "someone-else" }), DEVELOPMENT_JWT_SECRET)}`],
    ["a token for another audience", async () => `Bearer ${handmadeJwt(alg, claims("admin", "admin-am", { aud: "another-service" }), DEVELOPMENT_JWT_SECRET)}`],
    ["an unsigned token (alg: none)", async () => `Bearer ${handmadeJwt({ alg: "none", typ: "JWT" }, claims("admin", "admin-am"), null)}`],
    ["alg: none with a signature", async () => `Bearer ${handmadeJwt({ alg: "none", typ: "JWT" }, claims("admin", "admin-am"), DEVELOPMENT_JWT_SECRET)}`],
    ["HS512 with the right secret (an algorithm not accepted)", async () => `Bearer ${handmadeJwt({ alg: "HS512", typ: "JWT" }, claims("admin", "admin-am"), DEVELOPMENT_JWT_SECRET, "sha512")}`],
    ["a token without an expiry", async () => `Bearer ${handmadeJwt(alg, { ...claims("admin", "admin-am"), exp: undefined }, DEVELOPMENT_JWT_SECRET)}`],
    ["a token not valid yet", async () => `Bearer ${handmadeJwt(alg, claims("admin", "admin-am", { nbf: Math.floor(Date.now() / 1000) + 3600 }), DEVELOPMENT_JWT_SECRET)}`],
    ["a role the services do not know", async () => `Bearer ${handmadeJwt(alg, claims("superuser", "root"), DEVELOPMENT_JWT_SECRET)}`],
    ["a division claim that is not a division code", async () => `Bearer ${handmadeJwt(alg, claims("supervisor", "sup-x", { division: "44' OR 1=1" }), DEVELOPMENT_JWT_SECRET)}`],
    [
      "an operator's token whose payload was changed to admin",
      async () => {
        const [head, , signature] = tokens.operator.split(".");
        return `Bearer ${head}.${Buffer.from(JSON.stringify(claims("admin", "op-am"))).toString("base64url")}.${signature}`;
      },
    ],
    ["a token with its signature cut off", async () => `Bearer ${adminToken.split(".").slice(0, 2).join(".")}.`],
  ];

  const protectedRoutes = matrix.filter((m) => m.expect["no token"] === 401);
  const fingerprint = async () =>
    (
      await db.query<{ v: string }>(
        `SELECT concat_ws('/', (SELECT count(*) FROM intake.grievances), (SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM intake.outbox_id_seq), (SELECT sum(version) FROM triage.cases),
           (SELECT count(*) FROM triage.case_timeline), (SELECT md5(string_agg(t::text, ',' ORDER BY t.id)) FROM triage.teams t),
           (SELECT md5(string_agg(c::text, ',' ORDER BY c.id)) FROM triage.caseworkers c), (SELECT md5(coalesce(string_agg(r.id, ',' ORDER BY r.id), '')) FROM notification.recipients r),
           (SELECT count(*) FROM intake.access_log), (SELECT count(*) FROM notification.access_log),
           -- but the admin's reads of the case page, which is how each action request learns the case's ETag
           (SELECT count(*) FROM triage.access_log WHERE actor_id IS DISTINCT FROM 'admin-am' OR route <> 'GET /v1/cases/:id')) AS v`,
      )
    ).rows[0]!.v;

  for (const [what, make] of badTokens) {
    it(`refuses ${what}`, async () => {
      const header = await make();
      const before = await fingerprint();
      for (const m of protectedRoutes) {
        for (const owner of m.owned ? owners : (["own"] as Owner[])) {
          const answer = await m.request(header, owner);
          const where = `${m.route} (${owner})`;
          sound(answer, where);
          expect(answer.status, `${where}: ${answer.text().slice(0, 200)}`).toBe(401);
          expect(answer.headers["www-authenticate"], where).toMatch(/^Bearer realm=/);
        }
      }
      expect(await fingerprint()).toBe(before);
    });
  }

  it("takes the token from ?access_token= on the live feed only, and refuses a bad one there too", async () => {
    expect((await json(notification, "GET", `/v1/feed?access_token=${tokens.caseworker}`, null)).status).toBe(200);
    expect(sound(await json(notification, "GET", `/v1/feed?access_token=${handmadeJwt(alg, claims("admin", "a"), other)}`, null), "feed").status).toBe(401);
    expect(sound(await json(triage, "GET", `/v1/tasks?access_token=${tokens.caseworker}`, null), "tasks").status).toBe(401);
    expect(sound(await json(notification, "GET", `/v1/recipients?access_token=${tokens.admin}`, null), "recipients").status).toBe(401);
    expect(sound(await json(intake, "GET", `/v1/grievances/${resource.own.grievanceId}?access_token=${tokens.admin}`, null), "grievance").status).toBe(401);
  });
});


// --- Open311 ------------------------------------------------------------------------------

describe("Open311: the api_key decides, whoever the bearer token says the caller is", () => {
  const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
  const request = (apiKey: string | null, authorization: string | null) =>
    send(intake.url, "/open311/v2/requests.json", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", ...(authorization === null ? {} : { authorization }) },
      body: form({ ...(apiKey === null ? {} : { api_key: apiKey }), service_code: "neighbour", "attribute[division_code]": place.own.division, address_string: "Xiangzhou", description: "路灯坏了" }),
    });
  const open311Errors = (a: Answer) => {
    expect(String(a.headers["content-type"])).toMatch(/^application\/json/);
    return a.json<{ code: number; description: string }[]>();
  };

  for (const who of everyone) {
    it(`${who}: 200 with a valid api_key, 403 without one, with an unknown one or a revoked one`, async () => {
      expect((await request(open311Key, authorizationOf(who))).status).toBe(200);
      for (const key of [null, "", "o311_not-a-key", revokedKey, `${open311Key}x`]) {
        const refused = await request(key, authorizationOf(who));
        expect(refused.status, `api_key ${String(key).slice(0, 12)}`).toBe(403);
        expect(open311Errors(refused)[0]).toMatchObject({ code: 403 });
      }
      for (const path of ["/open311/v2/services.json", "/open311/v2/services/neighbour.json", `/open311/v2/tokens/${resource.own.trackingCode}.json`]) {
        const answer = await send(intake.url, path, { headers: authorizationOf(who) === null ? {} : { authorization: authorizationOf(who)! } });
        expect(answer.status, path).toBeLessThan(500);
        expect(personalIn(answer.text()), path).toEqual([]);
      }
    });
  }

  it("never lists a grievance that did not come in through Open311, nor shows its text", async () => {
    const listed = await send(intake.url, `/open311/v2/requests/${resource.own.grievanceId}.json`);
    expect(listed.status).toBe(404);
    expect(open311Errors(listed)[0]).toMatchObject({ code: 404 });
  });
});

describe("logs", () => {
  it("hold no personal data and no token, whatever was refused above", () => {
    const text = logs.text();
    expect(text.length).toBeGreaterThan(0);
    expect(personalIn(text)).toEqual([]);
    for (const token of Object.values(tokens)) expect(text).not.toContain(token.split(".")[2]);
    expect(text).not.toContain(open311Key);
  });
});
