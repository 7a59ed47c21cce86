// Teams and caseworkers enough for every bench grievance to be assigned (a community team
// per community, three caseworkers in each with room for 1000 open cases, both languages),
// and every caseworker and team supervisor in notification's directory with a webhook to
// this process, through the services' own admin APIs.
import { randomBytes } from "node:crypto";
import { communities, districts, streets } from "./grievances";

const all = ["family", "neighbour", "labour", "land_housing", "consumer", "public_services", "legal", "other"];

export async function seedDirectory(opts: { triageUrl: string; notificationUrl: string; adminToken: string; webhookBase: string }): Promise<Map<string, string>> {
  const put = async (url: string, body: object) => {
    const res = await fetch(url, { method: "PUT", headers: { "content-type": "application/json", authorization: `Bearer ${opts.adminToken}` }, body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`seeding ${url} answered ${res.status}: ${await res.text()}`);
  };
  const teams = [
    ...districts.map((d) => ({ id: `district-${d}`, name: `District ${d} mediation centre`, level: "district", divisionPrefix: d })),
    ...streets.map((s) => ({ id: `street-${s}`, name: `Street office ${s}`, level: "street", divisionPrefix: s })),
    ...communities.map((c) => ({ id: `community-${c}`, name: `Community committee ${c}`, level: "community", divisionPrefix: c })),
  ];
  const secrets = new Map<string, string>();
  const recipient = async (kind: "caseworker" | "team_supervisor", id: string, language: "zh" | "en") => {
    const secret = randomBytes(24).toString("base64url");
    secrets.set(`${kind}/${id}`, secret);
    await put(`${opts.notificationUrl}/v1/recipients/${kind}/${id}`, { language, channels: { webhook: { url: `${opts.webhookBase}/hooks/${kind}/${encodeURIComponent(id)}`, secret } } });
  };
  for (const { id, ...team } of teams) {
    await put(`${opts.triageUrl}/v1/admin/teams/${id}`, { ...team, categories: all });
    await recipient("team_supervisor", id, "zh");
    const staff = team.level === "community" ? 3 : 1;
    for (let i = 1; i <= staff; i++) {
      const cw = `cw-${id}-${i}`;
      await put(`${opts.triageUrl}/v1/admin/caseworkers/${cw}`, { teamId: id, name: `Caseworker ${i} of ${team.name}`, categories: all, languages: ["zh", "en"], capacity: 1000 });
      await recipient("caseworker", cw, i % 2 === 0 ? "en" : "zh");
    }
  }
  return secrets;
}
