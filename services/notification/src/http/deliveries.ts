// The delivery log (supervisor, admin): what was sent to whom, when, how often, with which
// result. Destinations are masked and no message text is shown.
import type { FastifyInstance } from "fastify";
import { logRefusedReads, recordAccess, requireRole, routeOf, staffActor, uuidIn, type ServiceRuntime, type ZodTypeProvider } from "@grievance-hub/kit";
import { z } from "zod";
import { channelNames } from "../domain/destination";

const Timestamp = z.iso.datetime({ offset: true });
const Status = z.enum(["pending", "sent", "dead_lettered", "skipped"]);

const DeliveryView = z.object({
  id: z.string(),
  deliveryKey: z.string().nullable(),
  eventId: z.string(),
  eventType: z.string(),
  grievanceId: z.string(),
  recipient: z.object({ kind: z.string(), id: z.string() }),
  channel: z.string(),
  template: z.string().nullable(),
  language: z.string().nullable(),
  destination: z.string().nullable(),
  status: Status,
  attempts: z.number().int(),
  replays: z.number().int(),
  createdAt: Timestamp,
  lastAttemptAt: Timestamp.nullable(),
  nextAttemptAt: Timestamp.nullable(),
  sentAt: Timestamp.nullable(),
  lastError: z.string().nullable(),
  history: z.array(z.object({ attempt: z.number().int(), at: Timestamp, durationMs: z.number().int(), outcome: z.string(), error: z.string().nullable() })),
});

const Query = z.strictObject({
  grievanceId: z.uuid().optional(),
  recipientKind: z.enum(["caseworker", "team_supervisor", "complainant"]).optional(),
  recipientId: z.string().min(1).max(200).optional(),
  channel: z.enum(channelNames as [string, ...string[]]).optional(),
  status: Status.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

interface Row {
  id: string;
  delivery_key: string | null;
  event_id: string;
  event_type: string;
  grievance_id: string;
  recipient_kind: string;
  recipient_id: string;
  channel: string;
  template: string | null;
  language: string | null;
  destination: string | null;
  status: z.infer<typeof Status>;
  attempts: number;
  replays: number;
  created_at: Date;
  last_attempt_at: Date | null;
  next_attempt_at: Date | null;
  sent_at: Date | null;
  last_error: string | null;
  history: { attempt: number; at: string; duration_ms: number; outcome: string; error: string | null }[];
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function deliveryRoutes(app: FastifyInstance, rt: ServiceRuntime): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    "/v1/deliveries",
    {
      onRequest: requireRole(rt.auth, ["supervisor", "admin"]),
      onError: logRefusedReads(rt.pool, "grievance", (req) => uuidIn((req.query ?? {}) as Record<string, unknown>, "grievanceId")),
      schema: {
        summary: "The delivery log, newest first (supervisor: their team's cases and what was addressed to them; admin: all)",
        security: [{ bearer: [] }],
        querystring: Query,
        response: { 200: z.object({ deliveries: z.array(DeliveryView) }) },
      },
    },
    async (req) => {
      const q = req.query;
      const p = req.principal!;
      // A supervisor sees the deliveries of the cases their team handles now, and those addressed
      // to them; an admin sees all.
      const scoped = p.role === "supervisor";
      const { rows } = await rt.pool.query<Row>(
        `SELECT d.id, d.delivery_key, d.event_id, d.event_type, d.grievance_id, d.recipient_kind, d.recipient_id, d.channel, d.template,
                d.language, d.destination, d.status, d.attempts, d.replays, d.created_at, d.last_attempt_at, d.next_attempt_at, d.sent_at, d.last_error,
                coalesce((SELECT json_agg(json_build_object('attempt', a.attempt, 'at', a.at, 'duration_ms', a.duration_ms, 'outcome', a.outcome, 'error', a.error) ORDER BY a.id)
                          FROM delivery_attempts a WHERE a.delivery_id = d.id), '[]') AS history
         FROM deliveries d
         WHERE ($1::uuid IS NULL OR d.grievance_id = $1) AND ($2::text IS NULL OR d.recipient_kind = $2) AND ($3::text IS NULL OR d.recipient_id = $3)
           AND ($4::text IS NULL OR d.channel = $4) AND ($5::text IS NULL OR d.status = $5)
           AND (NOT $7::boolean
                OR d.grievance_id IN (SELECT grievance_id FROM case_teams WHERE team_id = $8)
                OR (d.recipient_kind = 'team_supervisor' AND d.recipient_id = $8)
                OR (d.recipient_kind = 'caseworker' AND d.recipient_id = $9))
         ORDER BY d.id DESC LIMIT $6`,
        [q.grievanceId ?? null, q.recipientKind ?? null, q.recipientId ?? null, q.channel ?? null, q.status ?? null, q.limit, scoped, p.team ?? null, p.sub],
      );
      // Deliveries show whom a grievance's messages went to: one access-log entry per grievance in the answer.
      const actor = staffActor(p);
      const route = routeOf(req);
      await recordAccess(rt.pool, [...new Set(rows.map((r) => r.grievance_id))].map((g) => ({ recordKind: "grievance", recordId: g, actor, reason: scoped ? "supervisor" : "admin", route })));
      return {
        deliveries: rows.map((r) => ({
          id: r.id,
          deliveryKey: r.delivery_key,
          eventId: r.event_id,
          eventType: r.event_type,
          grievanceId: r.grievance_id,
          recipient: { kind: r.recipient_kind, id: r.recipient_id },
          channel: r.channel,
          template: r.template,
          language: r.language,
          destination: r.destination,
          status: r.status,
          attempts: r.attempts,
          replays: r.replays,
          createdAt: r.created_at.toISOString(),
          lastAttemptAt: iso(r.last_attempt_at),
          nextAttemptAt: iso(r.next_attempt_at),
          sentAt: iso(r.sent_at),
          lastError: r.last_error,
          history: r.history.map((a) => ({ attempt: a.attempt, at: new Date(a.at).toISOString(), durationMs: a.duration_ms, outcome: a.outcome, error: a.error })),
        })),
      };
    },
  );
}
