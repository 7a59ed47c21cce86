-- Up Migration
-- Triage keeps the case description sealed with its person's data key (issue 18): the column
-- holds the sealed value. The related-grievance search compares keyed trigram signatures
-- (src/domain/signature.ts) instead of the text; signature_similarity is pg_trgm's similarity
-- over them. A case saved before this keeps no signature and is not found as related.
ALTER TABLE cases ADD COLUMN description_signature int[];

CREATE FUNCTION signature_similarity(a int[], b int[]) RETURNS real
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN coalesce(cardinality(a), 0) = 0 OR coalesce(cardinality(b), 0) = 0 THEN 0::real
              ELSE shared::real / (cardinality(a) + cardinality(b) - shared) END
  FROM (SELECT count(*)::int AS shared FROM (SELECT unnest(a) INTERSECT SELECT unnest(b)) s) x
$$;

-- Down Migration
DROP FUNCTION signature_similarity(int[], int[]);
ALTER TABLE cases DROP COLUMN description_signature;
