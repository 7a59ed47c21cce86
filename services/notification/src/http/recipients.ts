// The recipients directory (admin): how each caseworker and each team's supervisors are
// reached. Caseworkers are known by triage's caseworker id, supervisors by their team id.
import type { FastifyInstance } from "fastify";
import { logRefusedReads, recordAccess, requireRole, routeOf, staffActor, type ServiceRuntime, type ZodTypeProvider } from "@grievance-hub/kit";
import { Language } from "@grievance-hub/schema";
import { z } from "zod";
import { RecipientKind, recipientRecord } from "./access-log";

const RecipientChannels = z.strictObject({
  webhook: z.strictObject({ url: z.url({ protocol: /^https?$/ }), secret: z.string().min(16).max(200) }).optional(),
  email: z.email().optional(),
  sms: z.string().regex(/^\+[1-9]\d{6,14}$/, "E.164, e.g. +8613800138000").optional(),
  feed: z.boolean().default(true),
});

const RecipientBody = z.strictObject({ language: Language.default("zh"), channels: RecipientChannels });

const RecipientView = z.object({
  kind: RecipientKind,
  id: z.string(),
  language: Language,
  channels: z.object({
    /** The secret is never shown again. */
    webhook: z.object({ url: z.string() }).optional(),
    email: z.string().optional(),
    sms: z.string().optional(),
    feed: z.boolean(),
  }),
  updatedAt: z.iso.datetime({ offset: true }),
});
type RecipientView = z.infer<typeof RecipientView>;

interface RecipientRow {
  kind: z.infer<typeof RecipientKind>;
  id: string;
  language: Language;
  webhook_url: string | null;
  email: string | null;
  sms_phone: string | null;
  feed: boolean;
  updated_at: Date;
}

function view(r: RecipientRow): RecipientView {
  return {
    kind: r.kind,
    id: r.id,
    language: r.language,
    channels: {
      ...(r.webhook_url ? { webhook: { url: r.webhook_url } } : {}),
      ...(r.email ? { email: r.email } : {}),
      ...(r.sms_phone ? { sms: r.sms_phone } : {}),
      feed: r.feed,
    },
    updatedAt: r.updated_at.toISOString(),
  };
}

export function recipientRoutes(app: FastifyInstance, rt: ServiceRuntime): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const admin = requireRole(rt.auth, ["admin"]);

  api.put(
    "/v1/recipients/:kind/:id",
    {
      onRequest: admin,
      onError: logRefusedReads(rt.pool, "recipient", (req) => {
        const { kind, id } = req.params as { kind?: string; id?: string };
        return RecipientKind.safeParse(kind).success && id ? recipientRecord(kind!, id) : undefined;
      }),
      schema: {
        summary: "Set how a caseworker (id = caseworker id) or a team's supervisors (id = team id) are notified (admin)",
        security: [{ bearer: [] }],
        params: z.object({ kind: RecipientKind, id: z.string().min(1).max(200) }),
        body: RecipientBody,
        response: { 200: RecipientView },
      },
    },
    async (req) => {
      const { kind, id } = req.params;
      const { language, channels } = req.body;
      const { rows } = await rt.pool.query<RecipientRow>(
        `INSERT INTO recipients (kind, id, language, webhook_url, webhook_secret, email, sms_phone, feed, updated_at)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8, now())
         ON CONFLICT (kind, id) DO UPDATE SET language = EXCLUDED.language, webhook_url = EXCLUDED.webhook_url,
           webhook_secret = EXCLUDED.webhook_secret, email = EXCLUDED.email, sms_phone = EXCLUDED.sms_phone,
           feed = EXCLUDED.feed, updated_at = now()
         RETURNING kind, id, language, webhook_url, email, sms_phone, feed, updated_at`,
        [kind, id, language, channels.webhook?.url ?? null, channels.webhook?.secret ?? null, channels.email ?? null, channels.sms ?? null, channels.feed],
      );
      // The answer shows the contact details again: a read, logged.
      await recordAccess(rt.pool, [{ recordKind: "recipient", recordId: recipientRecord(kind, id), actor: staffActor(req.principal!), reason: "admin", route: routeOf(req) }]);
      return view(rows[0]!);
    },
  );

  api.get(
    "/v1/recipients",
    {
      onRequest: admin,
      schema: {
        summary: "The recipients directory (admin)",
        security: [{ bearer: [] }],
        response: { 200: z.object({ recipients: z.array(RecipientView) }) },
      },
    },
    async (req) => {
      const { rows } = await rt.pool.query<RecipientRow>("SELECT kind, id, language, webhook_url, email, sms_phone, feed, updated_at FROM recipients ORDER BY kind, id");
      // One entry per recipient whose contact details the answer shows.
      await recordAccess(rt.pool, rows.map((r) => ({ recordKind: "recipient", recordId: recipientRecord(r.kind, r.id), actor: staffActor(req.principal!), reason: "admin", route: routeOf(req) })));
      return { recipients: rows.map(view) };
    },
  );
}
