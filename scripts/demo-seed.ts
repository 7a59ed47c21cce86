// Demo teams and caseworkers for `pnpm start`, put through triage's admin API (idempotent PUTs).
import { AuthConfig, loadConfig, signDevelopmentToken } from "@grievance-hub/kit";

const all = ["family", "neighbour", "labour", "land_housing", "consumer", "public_services", "legal", "other"];

export const demoTeams = [
  { id: "xz-district", name: "Xiangzhou district mediation centre", level: "district", divisionPrefix: "440402", categories: all },
  { id: "gongbei-street", name: "Gongbei street office", level: "street", divisionPrefix: "440402001", categories: all },
  { id: "lianhua-community", name: "Lianhua community committee", level: "community", divisionPrefix: "440402001001", categories: ["family", "neighbour", "consumer", "other"] },
  { id: "xz-labour", name: "Xiangzhou labour inspection", level: "district", divisionPrefix: "440402", categories: ["labour"] },
];

export const demoCaseworkers = [
  { id: "cw-chen", teamId: "lianhua-community", name: "Chen Jing", categories: ["family", "neighbour", "consumer", "other"], languages: ["zh", "en"], capacity: 12 },
  { id: "cw-wang", teamId: "lianhua-community", name: "Wang Fang", categories: ["family", "neighbour"], languages: ["zh"], capacity: 10 },
  { id: "cw-liu", teamId: "gongbei-street", name: "Liu Yang", categories: all, languages: ["zh", "en"], capacity: 20 },
  { id: "cw-zhao", teamId: "xz-district", name: "Zhao Lei", categories: all, languages: ["zh"], capacity: 25 },
  { id: "cw-huang", teamId: "xz-labour", name: "Huang Min", categories: ["labour"], languages: ["zh", "en"], capacity: 15 },
];

/** People's mediators of the community and the street, for the mediation walk in README. */
export const demoMediators = [
  { id: "med-li", name: "Li Hua", level: "community", divisionPrefix: "440402001001", specialties: ["family", "neighbour"], languages: ["zh"], capacity: 10 },
  { id: "med-sun", name: "Sun Mei", level: "street", divisionPrefix: "440402001", specialties: ["family", "neighbour", "labour", "land_housing"], languages: ["zh", "en"], capacity: 15 },
];

export async function seedDemo(triageUrl: string): Promise<void> {
  const token = await signDevelopmentToken({ sub: "demo-seed", role: "admin" }, loadConfig(AuthConfig));
  const put = async (path: string, body: object) => {
    const res = await fetch(`${triageUrl}${path}`, { method: "PUT", headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`seeding ${path} answered ${res.status}: ${await res.text()}`);
  };
  for (const { id, ...team } of demoTeams) await put(`/v1/admin/teams/${id}`, team);
  for (const { id, ...cw } of demoCaseworkers) await put(`/v1/admin/caseworkers/${id}`, cw);
  for (const { id, ...m } of demoMediators) await put(`/v1/admin/mediators/${id}`, m);
}
