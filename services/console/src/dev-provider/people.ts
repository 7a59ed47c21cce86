// The demo people of the development OpenID Provider (every password is "demo"). A module, not a
// JSON file, so the compiled provider (the compose stack's `oidc` service) carries them in dist/.
export interface Person { sub: string; name: string; role: string; team?: string; division?: string; password: string }

export const demoPeople: Person[] = [
  { sub: "op-1", name: "王芳 Wang Fang", role: "operator", password: "demo" },
  { sub: "cw-chen", name: "陈静 Chen Jing", role: "caseworker", team: "lianhua-community", password: "demo" },
  { sub: "sup-1", name: "李强 Li Qiang", role: "supervisor", team: "lianhua-community", division: "440402", password: "demo" },
  { sub: "admin-1", name: "Admin", role: "admin", password: "demo" },
];
