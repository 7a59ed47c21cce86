// Sessions live on the server, in the console's Postgres schema, so any replica serves any signed-in
// person; the browser holds only an opaque random id in an httpOnly cookie, so no token ever reaches
// the page, localStorage or a URL. A row is keyed by the SHA-256 of that id (the id is never stored)
// and the person's name and tokens are sealed under a key derived from the id: the rows alone (a
// dump, a backup) cannot be used to act as anybody.
import { createHash, hkdfSync, randomBytes } from "node:crypto";
import { openWith, periodicRounds, sealWith, SealedValueError, type BackgroundTask, type Logger, type Pool } from "@grievance-hub/kit";

export interface Session {
  sub: string;
  name: string;
  role: string;
  team?: string;
  accessToken: string;
  idToken: string;
  expiresAt: number;
  lastSeen: number;
}

export interface PendingSignIn { codeVerifier: string; state: string; returnTo: string; createdAt: number }

/** How long a sign-in may take between /auth/login and the provider sending the browser back. */
export const SIGN_IN_MS = 10 * 60_000;
/** last_seen is written at most this often per session (not on every request): the idle timeout is exact to it. */
const LAST_SEEN_EVERY_MS = 60_000;

/** What a row seals, and the HKDF info and key id that keep a session's key apart from a sign-in's. */
const sessionSealing = { info: "grievance-hub console session", keyId: "session" };
const signInSealing = { info: "grievance-hub console sign-in", keyId: "sign-in" };
type Sealing = typeof sessionSealing;
type SessionSecrets = Pick<Session, "name" | "accessToken" | "idToken">;
type SignInSecrets = Omit<PendingSignIn, "createdAt">;

/** The table's key of a cookie id. */
function rowKey(id: string): Buffer {
  return createHash("sha256").update(id).digest();
}

/** AES-256-GCM under HKDF-SHA256(cookie id), with the row's key as associated data. */
function seal(sealing: Sealing, id: string, key: Buffer, secrets: object): string {
  return sealWith(keyOf(sealing, id), sealing.keyId, key.toString("hex"), JSON.stringify(secrets));
}

function open<T>(sealing: Sealing, id: string, key: Buffer, sealed: string): T | undefined {
  try {
    return JSON.parse(openWith(keyOf(sealing, id), key.toString("hex"), sealed)) as T;
  } catch (err) {
    if (err instanceof SealedValueError) return undefined;
    throw err;
  }
}

function keyOf(sealing: Sealing, id: string): Buffer {
  return Buffer.from(hkdfSync("sha256", id, Buffer.alloc(0), sealing.info, 32));
}

interface SessionRow { sub: string; role: string; team: string | null; expires_at: Date; last_seen: Date; sealed: string }

export class SessionStore {
  constructor(
    private readonly pool: Pool,
    private readonly idleMs: number,
  ) {}

  async create(session: Session): Promise<string> {
    const id = randomBytes(32).toString("base64url");
    const key = rowKey(id);
    const { sub, role, team, name, accessToken, idToken } = session;
    await this.pool.query("INSERT INTO sessions (key, sub, role, team, expires_at, last_seen, sealed) VALUES ($1, $2, $3, $4, $5, $6, $7)", [
      key, sub, role, team ?? null, new Date(session.expiresAt), new Date(session.lastSeen), seal(sessionSealing, id, key, { name, accessToken, idToken } satisfies SessionSecrets),
    ]);
    return id;
  }

  /**
   * The session of a cookie id; an idle or expired one is deleted and refused. A person's request
   * counts as activity (touch); a check made on their behalf, such as the open feed's, does not.
   */
  async get(id: string | undefined, now = Date.now(), touch = true): Promise<Session | undefined> {
    if (!id) return undefined;
    const key = rowKey(id);
    const { rows } = await this.pool.query<SessionRow>("SELECT sub, role, team, expires_at, last_seen, sealed FROM sessions WHERE key = $1", [key]);
    const session = rows[0] && sessionOf(id, key, rows[0]);
    if (!session) return undefined;
    if (now - session.lastSeen > this.idleMs || now >= session.expiresAt) {
      await this.pool.query("DELETE FROM sessions WHERE key = $1", [key]);
      return undefined;
    }
    if (touch && now - session.lastSeen >= LAST_SEEN_EVERY_MS) {
      await this.pool.query("UPDATE sessions SET last_seen = $2 WHERE key = $1 AND last_seen < $2", [key, new Date(now)]);
      session.lastSeen = now;
    }
    return session;
  }

  /** Ends a session for every replica; the session it was, if any (its id token ends the provider's). */
  async end(id: string | undefined): Promise<Session | undefined> {
    if (!id) return undefined;
    const key = rowKey(id);
    const { rows } = await this.pool.query<SessionRow>("DELETE FROM sessions WHERE key = $1 RETURNING sub, role, team, expires_at, last_seen, sealed", [key]);
    return rows[0] && sessionOf(id, key, rows[0]);
  }

  async startSignIn(p: PendingSignIn): Promise<string> {
    const id = randomBytes(24).toString("base64url");
    const key = rowKey(id);
    const { codeVerifier, state, returnTo } = p;
    await this.pool.query("INSERT INTO sign_ins (key, created_at, sealed) VALUES ($1, $2, $3)", [
      key, new Date(p.createdAt), seal(signInSealing, id, key, { codeVerifier, state, returnTo } satisfies SignInSecrets),
    ]);
    return id;
  }

  /** Takes a pending sign-in once (whichever replica the provider sends the browser back to); a stale one is refused. */
  async takeSignIn(id: string | undefined, now = Date.now()): Promise<PendingSignIn | undefined> {
    if (!id) return undefined;
    const key = rowKey(id);
    const { rows } = await this.pool.query<{ created_at: Date; sealed: string }>("DELETE FROM sign_ins WHERE key = $1 RETURNING created_at, sealed", [key]);
    const row = rows[0];
    if (!row || now - row.created_at.getTime() > SIGN_IN_MS) return undefined;
    const secrets = open<SignInSecrets>(signInSealing, id, key, row.sealed);
    return secrets && { ...secrets, createdAt: row.created_at.getTime() };
  }

  /** Deletes idle and expired sessions and stale sign-ins, in one statement; any replica may run it at any time. */
  async deleteExpired(now = Date.now()): Promise<{ sessions: number; signIns: number }> {
    const { rows } = await this.pool.query<{ sessions: number; sign_ins: number }>(
      `WITH sessions_gone AS (DELETE FROM sessions WHERE expires_at <= $1 OR last_seen < $2 RETURNING 1),
            sign_ins_gone AS (DELETE FROM sign_ins WHERE created_at < $3 RETURNING 1)
       SELECT (SELECT count(*) FROM sessions_gone)::int AS sessions, (SELECT count(*) FROM sign_ins_gone)::int AS sign_ins`,
      [new Date(now), new Date(now - this.idleMs), new Date(now - SIGN_IN_MS)],
    );
    return { sessions: rows[0]!.sessions, signIns: rows[0]!.sign_ins };
  }
}

function sessionOf(id: string, key: Buffer, row: SessionRow): Session | undefined {
  const secrets = open<SessionSecrets>(sessionSealing, id, key, row.sealed);
  if (!secrets) return undefined;
  return {
    sub: row.sub,
    role: row.role,
    ...(row.team === null ? {} : { team: row.team }),
    ...secrets,
    expiresAt: row.expires_at.getTime(),
    lastSeen: row.last_seen.getTime(),
  };
}

/** Runs `store.deleteExpired` at start and every `intervalMs`; a failed round is logged and tried again at the next. */
export function expireSessions(store: SessionStore, intervalMs: number, logger: Logger): BackgroundTask {
  return periodicRounds(intervalMs, logger, "deleting expired console sessions failed; tried again at the next round", async () => {
    const deleted = await store.deleteExpired();
    if (deleted.sessions + deleted.signIns > 0) logger.debug({ deleted }, "expired console sessions deleted");
  });
}
