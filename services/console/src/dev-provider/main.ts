// `tsx services/console/src/dev-provider/main.ts`: the development OpenID Provider on its own (pnpm start runs it).
import { startDevProvider } from "./provider";

const env = process.env;
const provider = await startDevProvider({
  port: Number(env.OIDC_PORT ?? 3005),
  ...(env.OIDC_HOST ? { host: env.OIDC_HOST } : {}),
  ...(env.OIDC_ISSUER ? { issuer: env.OIDC_ISSUER } : {}),
  clientId: env.OIDC_CLIENT_ID ?? "grievance-hub-console",
  clientSecret: env.OIDC_CLIENT_SECRET ?? "development-only-console-client-secret",
  consoleUrl: env.CONSOLE_URL ?? "http://127.0.0.1:3004",
  resource: env.OIDC_RESOURCE ?? "urn:grievance-hub",
}).catch((err: Error) => {
  process.stderr.write(`dev-provider: ${err.message}\n`);
  process.exit(2);
});
process.stdout.write(`dev OpenID Provider at ${provider.issuer}\n`);
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => void provider.close().then(() => process.exit(0)));
