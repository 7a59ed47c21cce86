import { z } from "zod";
import { BaseConfig, developmentDefault } from "@grievance-hub/kit";

/** The console owns no case data: it needs where it is seen, where the services are, the OpenID Provider, and its sessions' database. */
export const ConsoleConfig = z.object({
  NODE_ENV: z.enum(["development", "test", "production"]).default("production"),
  HOST: z.string().default("127.0.0.1"),
  PORT: z.coerce.number().int().min(0).max(65535).default(3004),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** The console's own origin as browsers see it (redirect URI, links); https makes the session cookie Secure. */
  PUBLIC_URL: developmentDefault(z.url({ protocol: /^https?$/ }).optional()),
  INTAKE_URL: developmentDefault(z.url({ protocol: /^https?$/ }).default("http://127.0.0.1:3001")),
  TRIAGE_URL: developmentDefault(z.url({ protocol: /^https?$/ }).default("http://127.0.0.1:3002")),
  NOTIFICATION_URL: developmentDefault(z.url({ protocol: /^https?$/ }).default("http://127.0.0.1:3003")),
  OIDC_ISSUER: developmentDefault(z.url({ protocol: /^https?$/ }).default("http://127.0.0.1:3005")),
  OIDC_CLIENT_ID: z.string().min(1).default("grievance-hub-console"),
  OIDC_CLIENT_SECRET: developmentDefault(z.string().min(16).default("development-only-console-client-secret"), { secret: true }),
  /** The resource indicator asked for, so the provider issues a JWT access token the services accept. */
  OIDC_RESOURCE: z.string().min(1).default("urn:grievance-hub"),
  /** Sessions and pending sign-ins, shared by the replicas (schema `console`), with the services' pool bounds. */
  DATABASE_URL: BaseConfig.shape.DATABASE_URL,
  DB_POOL_SIZE: BaseConfig.shape.DB_POOL_SIZE,
  DB_CONNECT_TIMEOUT_MS: BaseConfig.shape.DB_CONNECT_TIMEOUT_MS,
  /** Idle lifetime of a session, in minutes. */
  SESSION_IDLE_MINUTES: z.coerce.number().int().min(1).default(480),
  /** How often an open live feed looks whether its session still exists (signed out elsewhere, idle), in seconds. */
  FEED_SESSION_CHECK_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  /** Sign-in attempts (starting one, or coming back from the provider) per client address and minute. */
  SIGNIN_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(20),
  /** The proxies whose X-Forwarded-For names the client the sign-in limit counts (as the services read it). */
  TRUST_PROXY: BaseConfig.shape.TRUST_PROXY,
});
export type ConsoleConfig = z.infer<typeof ConsoleConfig>;
