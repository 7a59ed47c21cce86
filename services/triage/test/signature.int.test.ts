// Description signatures against pg_trgm: the similarity of two signatures, in the SQL function
// of triage's migration and in TypeScript, is pg_trgm's similarity of the two texts, and a
// signature holds nothing of the text without triage's secret.
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { descriptionSignature, signatureSimilarity, trigramsOf } from "../src/domain/signature";
import { createTestEnv, type TestEnv } from "../../../test/support";

let env: TestEnv;
let db: pg.Pool;
const secret = randomBytes(32);

const pairs: [string, string][] = [
  ["邻居在楼道里堆放杂物", "邻居在楼道里堆放垃圾"],
  ["楼上每天晚上十一点以后还在装修，噪音太大", "楼上装修噪音太大，每天晚上十一点以后还在施工"],
  ["The factory has not paid our wages for three months", "Factory owes us three months of wages, not paid"],
  ["工厂拖欠工资三个月 factory wages", "Upstairs neighbour's dog barks all night"],
  ["A-b c3, déjà vu!", "a B C3 DÉJÀ"],
  ["", "anything"],
];

beforeAll(async () => {
  env = await createTestEnv();
  db = new pg.Pool({ connectionString: env.databaseUrl });
  const migration = readFileSync(new URL("../migrations/2000000000050_sealed-description.sql", import.meta.url), "utf8");
  const up = migration.slice(0, migration.indexOf("-- Down Migration")).replace(/ALTER TABLE cases[^;]*;/, "");
  await db.query(up);
  await db.query("CREATE EXTENSION IF NOT EXISTS pg_trgm");
});

afterAll(async () => {
  await db?.end();
  await env?.drop();
});

describe("description signatures", () => {
  it("take the trigrams pg_trgm takes", async () => {
    for (const [a] of pairs) {
      const { rows } = await db.query<{ n: number }>("SELECT cardinality(show_trgm($1))::int AS n", [a]);
      expect(trigramsOf(a).size, a).toBe(rows[0]!.n);
    }
  });

  it("are as similar as pg_trgm says the texts are, in SQL and in TypeScript", async () => {
    for (const [a, b] of pairs) {
      const sa = descriptionSignature(a, secret);
      const sb = descriptionSignature(b, secret);
      const { rows } = await db.query<{ trgm: number; sig: number }>(
        "SELECT similarity($1, $2) AS trgm, signature_similarity($3::int[], $4::int[]) AS sig",
        [a, b, `{${sa.join(",")}}`, `{${sb.join(",")}}`],
      );
      expect(rows[0]!.sig, `${a} / ${b}`).toBeCloseTo(rows[0]!.trgm, 5);
      expect(signatureSimilarity(sa, sb), `${a} / ${b}`).toBeCloseTo(rows[0]!.trgm, 5);
    }
  });

  it("depend on the secret: another secret gives values with nothing in common", () => {
    const text = pairs[1]![0];
    const other = descriptionSignature(text, randomBytes(32));
    expect(signatureSimilarity(descriptionSignature(text, secret), other)).toBe(0);
    expect(descriptionSignature(text, secret)).toEqual(descriptionSignature(text, secret));
  });
});
