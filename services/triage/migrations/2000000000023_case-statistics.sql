-- Up Migration
-- The statistics projection: one row of PII-free facts per case (see src/domain/statistics.ts), upserted
-- with every case write, read by GET /v1/statistics, GET /v1/statistics/dashboard and the daily
-- statistics event. Backfilled here from the cases already saved, with the same derivation.
CREATE TABLE case_statistics (
  case_id uuid PRIMARY KEY,
  division_code text NOT NULL,
  category text,
  urgency text,
  received_at timestamptz NOT NULL,
  accepted_at timestamptz,
  resolved_at timestamptz,
  resolution_level text,
  outcome text,
  mediated boolean NOT NULL,
  agreed boolean NOT NULL,
  followed_up boolean NOT NULL,
  holding boolean NOT NULL,
  reached boolean NOT NULL,
  satisfaction text,
  group_dispute boolean NOT NULL,
  repeat_count integer NOT NULL DEFAULT 0,
  acknowledge_due_at timestamptz,
  acknowledge_outcome text,
  resolve_due_at timestamptz,
  resolve_outcome text
);
CREATE INDEX case_statistics_division_received ON case_statistics (division_code text_pattern_ops, received_at);
CREATE INDEX case_statistics_resolved ON case_statistics (resolved_at) WHERE resolved_at IS NOT NULL;
CREATE INDEX case_statistics_accepted ON case_statistics (accepted_at) WHERE accepted_at IS NOT NULL;
CREATE INDEX case_statistics_acknowledge_due ON case_statistics (acknowledge_due_at);
CREATE INDEX case_statistics_resolve_due ON case_statistics (resolve_due_at);

INSERT INTO case_statistics
SELECT id, division_code, category, urgency, received_at, accepted_at, resolved_at, resolution_level, outcome,
  mediated, agreed, followed_up, followed_up AND NOT broken, reached, satisfaction, group_dispute, repeat_count,
  acknowledge_due_at,
  CASE WHEN acknowledge_due_at IS NULL THEN NULL WHEN (s -> 'breached' ->> 'acknowledge')::boolean THEN 'breached'
    WHEN accepted_at IS NOT NULL THEN CASE WHEN accepted_at <= acknowledge_due_at THEN 'met' ELSE 'breached' END
    WHEN owed THEN 'open' ELSE 'void' END,
  resolve_due_at,
  CASE WHEN resolve_due_at IS NULL THEN NULL WHEN (s -> 'breached' ->> 'resolve')::boolean THEN 'breached'
    WHEN resolved_at IS NOT NULL THEN CASE WHEN resolved_at <= resolve_due_at THEN 'met' ELSE 'breached' END
    WHEN owed THEN 'open' ELSE 'void' END
FROM (
  SELECT c.id, c.state AS s, c.division_code, c.repeat_count,
    c.state -> 'classification' ->> 'category' AS category,
    c.state -> 'classification' ->> 'urgency' AS urgency,
    (c.state ->> 'receivedAt')::timestamptz AS received_at,
    (c.state ->> 'acknowledgedAt')::timestamptz AS accepted_at,
    (r ->> 'resolvedAt')::timestamptz AS resolved_at,
    CASE WHEN r IS NOT NULL THEN d ->> 'resolutionLevel' END AS resolution_level,
    r ->> 'outcome' AS outcome,
    EXISTS (SELECT 1 FROM jsonb_array_elements(COALESCE(d -> 'sessions', '[]')) x WHERE x ->> 'status' = 'held') AS mediated,
    EXISTS (SELECT 1 FROM jsonb_array_elements(COALESCE(d -> 'sessions', '[]')) x WHERE x ->> 'result' IN ('agreement', 'partial_agreement')) AS agreed,
    jsonb_array_length(COALESCE(d -> 'agreements', '[]')) > 0 AND d -> 'followUp' ->> 'recordedAt' IS NOT NULL AS followed_up,
    EXISTS (SELECT 1 FROM jsonb_array_elements(COALESCE(d -> 'agreements' -> -1 -> 'obligations', '[]')) o WHERE o ->> 'status' = 'broken') AS broken,
    COALESCE(d -> 'followUp' ->> 'reached' = 'true', false) AS reached,
    d -> 'followUp' ->> 'satisfaction' AS satisfaction,
    EXISTS (SELECT 1 FROM jsonb_array_elements(COALESCE(c.state -> 'classification' -> 'signals', '[]')) g WHERE g ->> 'rule' = 'p2.group') AS group_dispute,
    (c.state -> 'dueDates' ->> 'acknowledgeBy')::timestamptz AS acknowledge_due_at,
    (c.state -> 'dueDates' ->> 'resolveBy')::timestamptz AS resolve_due_at,
    c.status IN ('triaged', 'queued', 'assigned', 'accepted', 'in_mediation') AS owed
  FROM cases c,
    LATERAL (SELECT COALESCE(c.state -> 'dispute', '{}'::jsonb) AS d,
      CASE WHEN jsonb_typeof(c.state -> 'resolution') = 'object' THEN c.state -> 'resolution' END AS r) j
  WHERE c.state IS NOT NULL
) f;

-- Down Migration
DROP TABLE case_statistics;
