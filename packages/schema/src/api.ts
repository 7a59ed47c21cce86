// HTTP request and response bodies, shared by the services and the OpenAPI documents.
import { z } from "zod";
import { Category, Channel, DivisionCode, Language, Urgency } from "./domain";

export const ComplainantInput = z.object({
  name: z.string().trim().min(1).max(200),
  /** Any common notation; normalised to E.164 by intake. */
  phone: z.string().trim().min(3).max(40),
  language: Language,
  consentToContact: z.boolean(),
});

export const LocationInput = z.object({
  divisionCode: DivisionCode,
  address: z.string().trim().min(1).max(500).optional(),
  coordinates: z.object({ lat: z.number().min(-90).max(90), lon: z.number().min(-180).max(180) }).optional(),
});

export const CreateGrievanceRequest = z
  .object({
    channel: Channel.exclude(["open311"]),
    complainant: ComplainantInput.optional(),
    anonymous: z.literal(true).optional(),
    /** Language of the description when there is no complainant to take it from. */
    language: Language.optional(),
    location: LocationInput,
    description: z.string().trim().min(1).max(10_000),
    hints: z.object({ category: Category.optional(), urgency: Urgency.optional() }).strict().optional(),
    externalReference: z.string().trim().min(1).max(200).optional(),
  })
  .strict()
  .superRefine((body, ctx) => {
    if (body.complainant && body.anonymous) {
      ctx.addIssue({ code: "custom", path: ["anonymous"], message: "a grievance is either anonymous or has a complainant, not both" });
    }
    if (!body.complainant && !body.anonymous) {
      ctx.addIssue({ code: "custom", path: ["complainant"], message: "complainant is required unless anonymous is true" });
    }
  });
export type CreateGrievanceRequest = z.infer<typeof CreateGrievanceRequest>;

export const GrievanceStatus = z.enum(["received", "triaged", "assigned", "queued", "in_progress", "resolved", "closed"]);
export type GrievanceStatus = z.infer<typeof GrievanceStatus>;

export const CreateGrievanceResponse = z.object({
  id: z.uuid(),
  trackingCode: z.string(),
  status: GrievanceStatus,
});
export type CreateGrievanceResponse = z.infer<typeof CreateGrievanceResponse>;

export const HandlingLevel = z.enum(["community", "street", "district"]);

export const TimelineEntry = z.object({ type: z.string(), status: GrievanceStatus, level: HandlingLevel.nullable(), at: z.iso.datetime({ offset: true }) });

/** What an operator or supervisor sees of a grievance. */
export const GrievanceDetail = z.object({
  id: z.uuid(),
  trackingCode: z.string(),
  status: GrievanceStatus,
  channel: Channel,
  receivedAt: z.iso.datetime({ offset: true }),
  language: Language,
  description: z.string(),
  complainant: z.union([
    z.object({ anonymous: z.literal(false), name: z.string(), phone: z.string(), consentToContact: z.boolean() }),
    z.object({ anonymous: z.literal(true) }),
  ]),
  location: LocationInput,
  hints: z.object({ category: Category.optional(), urgency: Urgency.optional() }).nullable(),
  externalReference: z.string().nullable(),
  handlingLevel: HandlingLevel.nullable(),
  timeline: z.array(TimelineEntry),
});
export type GrievanceDetail = z.infer<typeof GrievanceDetail>;

/** What anyone holding the tracking code sees: no personal data, no caseworker names. */
export const TrackingStatus = z.object({
  trackingCode: z.string(),
  status: GrievanceStatus,
  receivedAt: z.iso.datetime({ offset: true }),
  updatedAt: z.iso.datetime({ offset: true }),
  handlingLevel: HandlingLevel.nullable(),
});
export type TrackingStatus = z.infer<typeof TrackingStatus>;

/** An admin's request to erase a person: by their phone number (all their grievances) or by one grievance's tracking code (its person). */
export const ErasureRequest = z.union([
  z.strictObject({ phone: z.string().min(3).max(40) }),
  z.strictObject({ trackingCode: z.string().min(6).max(16) }),
]);
export type ErasureRequest = z.infer<typeof ErasureRequest>;

export const ErasureResponse = z.object({
  erasureId: z.uuid(),
  /** grievances whose personal data was replaced by the erased marker */
  grievances: z.number().int().min(0),
  /** data keys destroyed (0 when the person was erased before) */
  keysDestroyed: z.number().int().min(0),
});
export type ErasureResponse = z.infer<typeof ErasureResponse>;

/** The operator's look-up of a caller's earlier grievances, by phone (in the body, never in a URL). */
export const CallerHistoryRequest = z.object({ phone: ComplainantInput.shape.phone }).strict();
export type CallerHistoryRequest = z.infer<typeof CallerHistoryRequest>;

/** One earlier grievance of the same caller: nothing about the person, nothing of the description. */
export const CallerHistoryEntry = z.object({
  id: z.uuid(),
  trackingCode: z.string(),
  receivedAt: z.iso.datetime({ offset: true }),
  status: GrievanceStatus,
  category: Category.nullable(),
});
export const CallerHistory = z.object({ grievances: z.array(CallerHistoryEntry) });
export type CallerHistory = z.infer<typeof CallerHistory>;
