// Open311 GeoReport v2, JSON format, under /open311/v2. Requests are form-encoded and answers
// and errors take the spec's shapes (errors: [{code, description}]), so this plugin has its own
// body parser, error and not-found handlers, encapsulated away from the v1 routes.
// Grievances enter through the same recordGrievance as v1; the public GET answers list only
// grievances that came in through Open311, and never their text, address or contact details.
import type { FastifyInstance } from "fastify";
import { HttpProblem, safeErrorMessage, toProblem, type Pool, type ServiceRuntime, type ZodTypeProvider } from "@grievance-hub/kit";
import type { Category, GrievanceStatus } from "@grievance-hub/schema";
import { z } from "zod";
import type { IntakeConfig } from "../config";
import { recordGrievance } from "../commands/record-grievance";
import { findApiKey } from "../db/api-keys";
import {
  findService, MAX_REQUESTS, Open311Service, parseRequestsQuery, PostedServiceRequest, postedServiceRequest, ServiceDefinition,
  serviceDefinition, ServiceRequest, services, toGrievanceRequest, toServiceRequest, type RequestsFilter, type StoredServiceRequest,
} from "../domain/open311";
import { normaliseTrackingCode } from "../domain/tracking-code";

const Open311Error = z.array(z.object({ code: z.number().int(), description: z.string() }));
type Open311Error = z.infer<typeof Open311Error>;

const tags = ["Open311 GeoReport v2"];
const errors = { 400: Open311Error, 404: Open311Error };

/** The spec's error answer: 403 for the api_key, 404 for what does not exist, 400 for any other fault. */
function toOpen311Error(err: unknown, url: string): { status: number; body: Open311Error } {
  const problem = toProblem(err, url);
  // 503 (database unreachable) and 429 (rate limit) stay: they tell a client to retry later.
  const status = problem.status >= 500 || [403, 404, 429].includes(problem.status) ? problem.status : 400;
  const body = problem.errors?.length
    ? problem.errors.map((e) => ({ code: status, description: `${e.field.replace(/^(querystring|params)\./, "")}: ${e.message}` }))
    : [{ code: status, description: problem.detail ?? problem.title }];
  return { status, body };
}

const RequestsQuery = z.object({
  service_request_id: z.string().optional().describe("comma-delimited ids; overrides every other filter"),
  service_code: z.string().optional().describe("comma-delimited service codes"),
  start_date: z.string().optional().describe("W3C date-time with timezone; the range may span at most 90 days"),
  end_date: z.string().optional().describe("W3C date-time with timezone; default now"),
  status: z.string().optional().describe("open, closed, or both comma-delimited"),
  jurisdiction_id: z.string().optional().describe("ignored: one jurisdiction"),
});

const FormBody = z.record(z.string(), z.union([z.string(), z.array(z.string())])).describe(
  "application/x-www-form-urlencoded: api_key, service_code, lat & long or address_string or address_id, attribute[division_code], " +
    "description, first_name, last_name, phone, attribute[language], attribute[consent_to_contact]",
);

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * A form body, read strictly: bytes that are not UTF-8, or %-escapes that are malformed or
 * not UTF-8, are refused rather than stored as U+FFFD. A key given more than once is an array.
 */
function parseForm(body: Buffer): Record<string, string | string[]> {
  const form: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
  for (const pair of utf8.decode(body).split("&")) {
    if (pair === "") continue;
    const at = pair.indexOf("=");
    const [key, value] = (at < 0 ? [pair, ""] : [pair.slice(0, at), pair.slice(at + 1)]).map((x) => decodeURIComponent(x.replaceAll("+", " "))) as [string, string];
    const earlier = form[key];
    form[key] = earlier === undefined ? value : [...(Array.isArray(earlier) ? earlier : [earlier]), value];
  }
  return form;
}

export async function open311Routes(app: FastifyInstance, rt: ServiceRuntime, config: IntakeConfig): Promise<void> {
  await app.register(
    async (scope) => {
      scope.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "buffer" }, (_req, body, done) => {
        try {
          done(null, parseForm(body as Buffer));
        } catch {
          done(new HttpProblem(400, "Bad request", "The form is not valid UTF-8, or has a malformed %-escape."), undefined);
        }
      });
      scope.setErrorHandler((err, req, reply) => {
        const { status, body } = toOpen311Error(err, req.url);
        if (status >= 500) req.log.error({ err: { message: safeErrorMessage(err) } }, "open311 request failed");
        if (status === 503) reply.header("retry-after", "2");
        return reply.status(status).send(body);
      });
      scope.setNotFoundHandler((req, reply) =>
        reply.status(404).send([{ code: 404, description: `${req.method} ${req.url.split("?")[0]} does not exist; this server answers Open311 GeoReport v2 in JSON (.json) only` }]),
      );
      const api = scope.withTypeProvider<ZodTypeProvider>();

      api.get("/services.json", { schema: { summary: "Service list: the grievance categories", tags, response: { 200: z.array(Open311Service) } } }, async () => services);

      api.get(
        "/services/:code.json",
        { schema: { summary: "Service definition: the attributes a request takes", tags, params: z.object({ code: z.string() }), response: { 200: ServiceDefinition, ...errors } } },
        async (req) => {
          const service = findService(req.params.code);
          if (!service) throw new HttpProblem(404, "Not found", `service_code: no service with code "${req.params.code}"`);
          return serviceDefinition(service);
        },
      );

      api.post(
        "/requests.json",
        {
          // Before the body is validated, so a client without a valid key learns nothing else.
          preValidation: async (req) => {
            if (!/^application\/x-www-form-urlencoded\b/i.test(req.headers["content-type"] ?? "")) {
              throw new HttpProblem(400, "Bad request", "POST requests.json takes Content-Type: application/x-www-form-urlencoded");
            }
            const key = (req.body as Record<string, unknown> | undefined)?.api_key;
            if (typeof key !== "string" || key === "") throw new HttpProblem(403, "Forbidden", "api_key is required in the form body to create a service request");
            if (!(await findApiKey(rt.pool, key))) throw new HttpProblem(403, "Forbidden", "Invalid api_key received -- can't proceed with create_request");
          },
          schema: { summary: "Create a service request: records a grievance (api_key)", tags, body: FormBody, response: { 200: z.array(PostedServiceRequest), ...errors, 403: Open311Error } },
        },
        async (req) => {
          const read = toGrievanceRequest(req.body, { defaultPhoneRegion: config.DEFAULT_PHONE_REGION });
          if (!read.ok) throw new HttpProblem(read.refusal.status, read.refusal.status === 404 ? "Not found" : "Invalid request", undefined, { errors: read.refusal.errors });
          // recordGrievance takes channel "open311" at run time, but its parameter type intersects
          // CreateGrievanceRequest's channel (which excludes it) with the wider union, leaving it out.
          const body: Parameters<typeof recordGrievance>[2] = { ...read.request, channel: "open311" };
          const { response } = await recordGrievance(rt, config, body);
          return [postedServiceRequest(response, read.request.complainant?.language ?? read.request.language ?? "en")];
        },
      );

      api.get(
        "/requests.json",
        { schema: { summary: `Service requests: newest first, at most ${MAX_REQUESTS}, within 90 days (public, no personal data)`, tags, querystring: RequestsQuery, response: { 200: z.array(ServiceRequest), ...errors } } },
        async (req) => {
          const parsed = parseRequestsQuery(req.query, new Date());
          if (!parsed.ok) throw new HttpProblem(400, "Invalid request", undefined, { errors: parsed.errors });
          return (await findServiceRequests(rt.pool, parsed.filter)).map(toServiceRequest);
        },
      );

      api.get(
        "/requests/:id.json",
        { schema: { summary: "One service request (public, no personal data)", tags, params: z.object({ id: z.string() }), response: { 200: z.array(ServiceRequest), ...errors } } },
        async (req) => {
          const [found] = z.uuid().safeParse(req.params.id).success ? await findServiceRequests(rt.pool, { ids: [req.params.id.toLowerCase()] }) : [];
          if (!found) throw new HttpProblem(404, "Not found", `service_request_id: no service request with id "${req.params.id}"`);
          return [toServiceRequest(found)];
        },
      );

      api.get(
        "/tokens/:token.json",
        {
          // The token is the tracking code the caller was given: limited like /v1/track so codes cannot be probed.
          config: { rateLimit: { max: config.TRACK_RATE_LIMIT_PER_MINUTE, timeWindow: "1 minute" } },
          schema: {
            summary: "The service_request_id of a tracking code (public)",
            tags,
            params: z.object({ token: z.string().max(64) }),
            response: { 200: z.array(z.object({ service_request_id: z.string(), token: z.string() })), ...errors },
          },
        },
        async (req) => {
          const code = normaliseTrackingCode(req.params.token);
          const id = code ? await findServiceRequestIdByToken(rt.pool, code) : undefined;
          if (!id) throw new HttpProblem(404, "Not found", "token: no service request with this token");
          return [{ service_request_id: id, token: code! }];
        },
      );
    },
    { prefix: "/open311/v2" },
  );
}

interface ServiceRequestRow {
  id: string;
  status: GrievanceStatus;
  category: Category | null;
  received_at: Date;
  status_changed_at: Date;
  handling_level: StoredServiceRequest["handlingLevel"];
  latitude: number | null;
  longitude: number | null;
}

async function findServiceRequests(pool: Pool, filter: RequestsFilter): Promise<StoredServiceRequest[]> {
  const select = `SELECT id, status, hints->>'category' AS category, received_at, status_changed_at, handling_level, latitude, longitude
    FROM grievances WHERE channel = 'open311'`;
  const { rows } =
    "ids" in filter
      ? await pool.query<ServiceRequestRow>(`${select} AND id = ANY($1::uuid[]) ORDER BY received_at DESC, id LIMIT ${MAX_REQUESTS}`, [filter.ids])
      : await pool.query<ServiceRequestRow>(
          `${select} AND received_at BETWEEN $1 AND $2
             AND ($3::text[] IS NULL OR hints->>'category' = ANY($3)) AND ($4::text[] IS NULL OR status = ANY($4))
           ORDER BY received_at DESC, id LIMIT ${MAX_REQUESTS}`,
          [filter.from, filter.to, filter.categories, filter.statuses],
        );
  return rows.map((r) => ({
    id: r.id,
    status: r.status,
    category: r.category,
    receivedAt: r.received_at,
    statusChangedAt: r.status_changed_at,
    handlingLevel: r.handling_level,
    latitude: r.latitude,
    longitude: r.longitude,
  }));
}

async function findServiceRequestIdByToken(pool: Pool, trackingCode: string): Promise<string | undefined> {
  const { rows } = await pool.query<{ id: string }>("SELECT id FROM grievances WHERE tracking_code = $1 AND channel = 'open311'", [trackingCode]);
  return rows[0]?.id;
}
