// `pnpm --silent dev-token --role operator --sub op-1 [--team T] [--division D] [--expires 12h]`
// prints a token signed with JWT_SECRET (the development secret unless set) and nothing else.
import { parseArgs } from "node:util";
import { AuthConfig, loadConfig, Principal, signDevelopmentToken } from "@grievance-hub/kit";

const { values } = parseArgs({
  options: {
    role: { type: "string" },
    sub: { type: "string" },
    team: { type: "string" },
    division: { type: "string" },
    expires: { type: "string", default: "12h" },
  },
});
const principal = Principal.safeParse({ sub: values.sub, role: values.role, team: values.team, division: values.division });
if (!principal.success) {
  process.stderr.write(`dev-token: ${principal.error.issues.map((i) => `--${i.path.join(".")}: ${i.message}`).join("; ")}\n`);
  process.stderr.write("usage: pnpm --silent dev-token --role operator|caseworker|supervisor|admin|auditor --sub ID [--team TEAM] [--division CODE] [--expires 12h]\n");
  process.exit(2);
}
process.stdout.write(`${await signDevelopmentToken(principal.data, loadConfig(AuthConfig), values.expires)}\n`);
