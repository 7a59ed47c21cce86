-- Up Migration
-- Triage keeps the case description sealed with its person's data key (issue 18): the column
-- holds the sealed value. The related-grievance search compares keyed trigram signatures
-- (src/domain/signature.ts) instead of the text; signature_similarity is pg_trgm's similarity
-- over them. A case saved before this keeps no signature and is not found as related.
-- The intersection is intarray's (a trusted contrib extension, like pg_trgm): a pair costs a few
-- microseconds where a set operation in SQL cost about twenty, times up to 200 candidates.
CREATE EXTENSION IF NOT EXISTS intarray WITH SCHEMA public;
ALTER TABLE cases ADD COLUMN description_signature int[];

-- Both arrays sorted and distinct (as descriptionSignature makes them); a plain expression, so the planner inlines it.
CREATE FUNCTION signature_similarity(a int[], b int[]) RETURNS real
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN coalesce(cardinality(a), 0) = 0 OR coalesce(cardinality(b), 0) = 0 THEN 0::real
              ELSE public.icount(a OPERATOR(public.&) b)::real / (cardinality(a) + cardinality(b) - public.icount(a OPERATOR(public.&) b)) END
$$;

-- Down Migration
DROP FUNCTION signature_similarity(int[], int[]);
ALTER TABLE cases DROP COLUMN description_signature;
