import { z } from 'zod';
import { OperatorError } from './errors.js';

export type Config = {
  env: 'development' | 'production' | 'test';
  port: number;
  host: string;
  baseUrl: string;
  /** Unset means: start the embedded PostgreSQL in `embeddedDir`. */
  databaseUrl: string | undefined;
  databasePoolMax: number;
  /** Unset: `.data/postgres`, or under /var/lib/porta as root when the project folder is out of the postgres user's reach. */
  embeddedDir: string | undefined;
  embeddedPort: number;
  smtpUrl: string | undefined;
  mailFrom: string;
  /** Replies to case emails go to this address with a token after a plus sign (replies+token@…). */
  inboundAddress: string;
  /** The built-in SMTP listener for replies; 0: not started. */
  inboundSmtpPort: number;
  /** Shared secret for the HTTP endpoint that takes raw inbound messages; unset: no endpoint. */
  inboundSecret: string | undefined;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  sessionDays: number;
  /** How many proxies in front of Porta append to X-Forwarded-For (0: use the socket address). */
  trustProxyHops: number;
  shutdownTimeoutMs: number;
  /** true: `npm start` seeds the demo organization on an empty database. */
  seedDemo: boolean;
  workerInProcess: boolean;
  /** true: every answer carries a Server-Timing header with the statements it sent and their time. */
  serverTiming: boolean;
  /** The application key (32 bytes) that encrypts stored secrets such as a portal's single sign-on client secret; unset: no single sign-on. */
  appKey: Buffer | undefined;
};

const bool = z.enum(['1', '0', 'true', 'false', 'yes', 'no'], { message: 'must be true or false' }).transform((v) => v === '1' || v === 'true' || v === 'yes');

const postgresUrl = z.string().refine((v) => /^postgres(ql)?:\/\//.test(v) && URL.canParse(v), {
  message: 'must be a postgres:// or postgresql:// URL',
});

const httpUrl = z
  .string()
  .refine((v) => /^https?:\/\//.test(v) && URL.canParse(v), { message: 'must be an http:// or https:// URL' })
  .transform((v) => v.replace(/\/+$/, ''));

const port = z.coerce
  .number({ message: 'must be a number' })
  .int('must be a whole number')
  .min(1, 'must be between 1 and 65535')
  .max(65535, 'must be between 1 and 65535');

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test'], { message: 'must be development, production or test' }).default('development'),
  PORT: port.default(3000),
  HOST: z.string().min(1, 'must not be empty').optional(),
  BASE_URL: httpUrl.optional(),
  DATABASE_URL: postgresUrl.optional(),
  DATABASE_POOL_MAX: z.coerce.number({ message: 'must be a number' }).int().min(2, 'must be at least 2').max(200).default(10),
  EMBEDDED_PG_DIR: z.string().min(1).optional(),
  EMBEDDED_PG_PORT: port.refine((p) => p !== 5432, { message: 'must not be 5432, the port a system PostgreSQL usually holds' }).default(54329),
  SMTP_URL: z
    .string()
    .refine((v) => /^smtps?:\/\//.test(v) && URL.canParse(v), { message: 'must be an smtp:// or smtps:// URL' })
    .optional(),
  MAIL_FROM: z
    .string()
    .refine((v) => /^([^<>]*<[^\s@<>]+@[^\s@<>]+>|[^\s@<>]+@[^\s@<>]+)$/.test(v.trim()), {
      message: 'must be an address such as crm@example.com or "Name <crm@example.com>"',
    })
    .default('Porta <no-reply@localhost>'),
  INBOUND_ADDRESS: z
    .string()
    .refine((v) => /^[^\s@<>+"]+@[^\s@<>]+\.?[^\s@<>]*$/.test(v.trim()), {
      message: 'must be a plain address without a plus sign, such as replies@support.example.com',
    })
    .optional(),
  INBOUND_SMTP_PORT: z.coerce
    .number({ message: 'must be a number' })
    .int('must be a whole number')
    .min(0, 'must be between 0 (off) and 65535')
    .max(65535, 'must be between 0 (off) and 65535')
    .default(2525),
  INBOUND_SECRET: z.string().min(24, 'must be at least 24 characters').optional(),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { message: 'must be one of fatal, error, warn, info, debug, trace, silent' })
    .optional(),
  SESSION_DAYS: z.coerce.number({ message: 'must be a number' }).int().min(1, 'must be at least 1').max(365).default(30),
  TRUST_PROXY: z.coerce
    .number({ message: 'must be a number of proxies (0, 1, 2…)' })
    .int('must be a whole number')
    .min(0, 'must be 0 or more')
    .max(10, 'must be at most 10')
    .optional(),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number({ message: 'must be a number' }).int().min(0).default(10_000),
  SEED_DEMO: bool.optional(),
  WORKER_IN_PROCESS: bool.default(true),
  SERVER_TIMING: bool.default(false),
  APP_KEY: z
    .string()
    .transform((v) => appKeyBytes(v.trim()))
    .refine((v): v is Buffer => v !== undefined, {
      message: 'must be 32 random bytes written as base64 (44 characters) or hex (64 characters), e.g. the output of `openssl rand -base64 32`',
    })
    .optional(),
});

export class ConfigError extends OperatorError {
  constructor(public readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Reads the environment once. Empty strings count as unset. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''));
  const parsed = schema.safeParse(cleaned);
  const problems = parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}${showValue(i.path[0], cleaned)}`);
  // Checked apart from the schema so it is reported together with any other problem.
  if (cleaned.NODE_ENV === 'production' && !cleaned.BASE_URL) problems.push('BASE_URL: is required when NODE_ENV=production');
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';
  return {
    env: e.NODE_ENV,
    port: e.PORT,
    // The demo's administrator password is published: keep a demo on this machine unless told otherwise.
    host: e.HOST ?? ((e.SEED_DEMO ?? !e.DATABASE_URL) ? '127.0.0.1' : '0.0.0.0'),
    baseUrl: e.BASE_URL ?? `http://localhost:${e.PORT}`,
    databaseUrl: e.DATABASE_URL,
    databasePoolMax: e.DATABASE_POOL_MAX,
    embeddedDir: e.EMBEDDED_PG_DIR,
    embeddedPort: e.EMBEDDED_PG_PORT,
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    inboundAddress: (e.INBOUND_ADDRESS ?? `replies@${mailDomain(e.MAIL_FROM)}`).trim().toLowerCase(),
    inboundSmtpPort: e.INBOUND_SMTP_PORT,
    inboundSecret: e.INBOUND_SECRET,
    logLevel: e.LOG_LEVEL ?? (e.NODE_ENV === 'test' ? 'silent' : 'info'),
    sessionDays: e.SESSION_DAYS,
    trustProxyHops: e.TRUST_PROXY ?? (production ? 1 : 0),
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    seedDemo: e.SEED_DEMO ?? !e.DATABASE_URL,
    workerInProcess: e.WORKER_IN_PROCESS,
    serverTiming: e.SERVER_TIMING,
    appKey: e.APP_KEY,
  };
}

/** APP_KEY's 32 bytes, from 64 hex digits or base64 (standard or URL-safe); undefined for anything else. */
function appKeyBytes(value: string): Buffer | undefined {
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, 'hex');
  if (!/^[A-Za-z0-9+/_-]{43}={0,1}$/.test(value)) return undefined;
  const bytes = Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  return bytes.length === 32 ? bytes : undefined;
}

/** The address customers' replies go to, when Porta receives mail (its SMTP listener or the HTTP endpoint). */
export function replyInbox(config: Config): string | undefined {
  return config.inboundSmtpPort > 0 || config.inboundSecret ? config.inboundAddress : undefined;
}

/** The domain of MAIL_FROM's address ("Porta <no-reply@localhost>" → localhost). */
function mailDomain(from: string): string {
  const address = /<([^>]+)>/.exec(from)?.[1] ?? from.trim();
  return address.slice(address.lastIndexOf('@') + 1);
}

function showValue(key: PropertyKey | undefined, env: Record<string, string | undefined>): string {
  if (typeof key !== 'string' || /URL|PASSWORD|SECRET|KEY/.test(key)) return '';
  const v = env[key];
  return v === undefined ? '' : ` (got "${v}")`;
}
