// Sessions live on the server; the browser holds only an opaque random id in an httpOnly cookie,
// so no token ever reaches the page, localStorage or a URL.
import { randomBytes } from "node:crypto";

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

export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  private readonly pending = new Map<string, PendingSignIn>();
  constructor(private readonly idleMs: number) {}

  create(session: Session): string {
    const id = randomBytes(32).toString("base64url");
    this.sessions.set(id, session);
    return id;
  }

  get(id: string | undefined, now = Date.now()): Session | undefined {
    const s = id ? this.sessions.get(id) : undefined;
    if (!s) return undefined;
    if (now - s.lastSeen > this.idleMs || now >= s.expiresAt) {
      this.sessions.delete(id!);
      return undefined;
    }
    s.lastSeen = now;
    return s;
  }

  end(id: string | undefined): Session | undefined {
    const s = id ? this.sessions.get(id) : undefined;
    if (id) this.sessions.delete(id);
    return s;
  }

  startSignIn(p: PendingSignIn): string {
    const id = randomBytes(24).toString("base64url");
    for (const [key, old] of this.pending) if (p.createdAt - old.createdAt > 10 * 60_000) this.pending.delete(key);
    this.pending.set(id, p);
    return id;
  }

  takeSignIn(id: string | undefined): PendingSignIn | undefined {
    const p = id ? this.pending.get(id) : undefined;
    if (id) this.pending.delete(id);
    return p;
  }
}
