import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

/** Runs loadConfig expecting it to refuse, and returns the ConfigError it threw. */
function refusal(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

const herokuLikeProduction: NodeJS.ProcessEnv = {
  NODE_ENV: 'production',
  PORT: '8080',
  BASE_URL: 'https://crm.acme.example/',
  DATABASE_URL: 'postgres://porta:s3cret@db.internal:5432/porta',
  SMTP_URL: 'smtps://mailer:pw@smtp.acme.example:465',
};

describe('loadConfig defaults (empty environment)', () => {
  const config = loadConfig({});

  it('listens on port 3000, on this machine only while the demo (with its published password) is seeded', () => {
    expect(config.port).toBe(3000);
    expect(config.host).toBe('127.0.0.1');
    expect(loadConfig({ DATABASE_URL: 'postgres://db.example/porta' }).host).toBe('0.0.0.0');
    expect(loadConfig({ HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
  });

  it('runs in development mode', () => {
    expect(config.env).toBe('development');
  });

  it('derives the base URL from the port', () => {
    expect(config.baseUrl).toBe('http://localhost:3000');
  });

  it('uses the embedded PostgreSQL on port 54329 in its default place', () => {
    expect(config.databaseUrl).toBeUndefined();
    expect(config.embeddedPort).toBe(54329);
    // Chosen when the server starts: .data/postgres, or under /var/lib/porta when that is out of the postgres user's reach.
    expect(config.embeddedDir).toBeUndefined();
  });

  it('keeps the EMBEDDED_PG_DIR it is given', () => {
    expect(loadConfig({ EMBEDDED_PG_DIR: '/srv/porta/postgres' }).embeddedDir).toBe('/srv/porta/postgres');
  });

  it('seeds the demo organization when no DATABASE_URL is given', () => {
    expect(config.seedDemo).toBe(true);
  });

  it('logs at info level outside tests', () => {
    expect(config.logLevel).toBe('info');
  });

  it('has no SMTP server, so mail stays in the outbox', () => {
    expect(config.smtpUrl).toBeUndefined();
    expect(config.mailFrom).toBe('Porta <no-reply@localhost>');
  });

  it('keeps sessions 30 days, does not trust proxies and runs the worker in-process', () => {
    expect(config.sessionDays).toBe(30);
    expect(config.trustProxyHops).toBe(0);
    expect(config.workerInProcess).toBe(true);
    expect(config.databasePoolMax).toBe(10);
    expect(config.shutdownTimeoutMs).toBe(10_000);
  });
});

describe('loadConfig with values', () => {
  it('does not seed the demo when an external DATABASE_URL is given', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://porta@localhost/porta' });
    expect(config.databaseUrl).toBe('postgres://porta@localhost/porta');
    expect(config.seedDemo).toBe(false);
  });

  it('lets SEED_DEMO override the default in both directions', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://h/db', SEED_DEMO: 'yes' }).seedDemo).toBe(true);
    expect(loadConfig({ SEED_DEMO: '0' }).seedDemo).toBe(false);
  });

  it('accepts the postgresql:// spelling too', () => {
    expect(loadConfig({ DATABASE_URL: 'postgresql://h:5433/db' }).databaseUrl).toBe('postgresql://h:5433/db');
  });

  it('is silent by default when NODE_ENV=test', () => {
    expect(loadConfig({ NODE_ENV: 'test' }).logLevel).toBe('silent');
  });

  it('lets LOG_LEVEL override the test default', () => {
    expect(loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'debug' }).logLevel).toBe('debug');
  });

  it('trims trailing slashes from BASE_URL', () => {
    expect(loadConfig({ BASE_URL: 'https://crm.acme.example///' }).baseUrl).toBe('https://crm.acme.example');
    expect(loadConfig({ BASE_URL: 'https://acme.example/crm/' }).baseUrl).toBe('https://acme.example/crm');
  });

  it('uses the given PORT in the default base URL', () => {
    const config = loadConfig({ PORT: '8080' });
    expect(config.port).toBe(8080);
    expect(config.baseUrl).toBe('http://localhost:8080');
  });

  it('reads a full production environment', () => {
    const config = loadConfig(herokuLikeProduction);
    expect(config).toMatchObject({
      env: 'production',
      port: 8080,
      baseUrl: 'https://crm.acme.example',
      databaseUrl: 'postgres://porta:s3cret@db.internal:5432/porta',
      smtpUrl: 'smtps://mailer:pw@smtp.acme.example:465',
      logLevel: 'info',
      trustProxyHops: 1,
      seedDemo: false,
    });
  });

  it('accepts smtp:// as well as smtps://', () => {
    expect(loadConfig({ SMTP_URL: 'smtp://localhost:1025' }).smtpUrl).toBe('smtp://localhost:1025');
  });

  it('treats empty strings as unset', () => {
    const config = loadConfig({ PORT: '', BASE_URL: '', DATABASE_URL: '', SMTP_URL: '', NODE_ENV: '', EMBEDDED_PG_PORT: '' });
    expect(config.port).toBe(3000);
    expect(config.baseUrl).toBe('http://localhost:3000');
    expect(config.databaseUrl).toBeUndefined();
    expect(config.smtpUrl).toBeUndefined();
    expect(config.env).toBe('development');
    expect(config.embeddedPort).toBe(54329);
    expect(config.seedDemo).toBe(true);
  });

  it('treats an empty BASE_URL as missing in production', () => {
    expect(refusal({ NODE_ENV: 'production', BASE_URL: '' }).problems).toEqual(['BASE_URL: is required when NODE_ENV=production']);
  });

  it('reads flags: the number of trusted proxies, and booleans spelled 1/0, true/false, yes/no', () => {
    expect(loadConfig({ TRUST_PROXY: '2' }).trustProxyHops).toBe(2);
    expect(loadConfig({ NODE_ENV: 'production', BASE_URL: 'https://x.example', TRUST_PROXY: '0' }).trustProxyHops).toBe(0);
    expect(() => loadConfig({ TRUST_PROXY: 'yes' })).toThrow(/TRUST_PROXY: must be a number of proxies/);
    expect(loadConfig({ WORKER_IN_PROCESS: 'false' }).workerInProcess).toBe(false);
  });
});

describe('loadConfig refusals', () => {
  it('throws a ConfigError named ConfigError', () => {
    const error = refusal({ PORT: 'abc' });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('ConfigError');
  });

  it('refuses a DATABASE_URL that is not postgres:// and names the variable', () => {
    const error = refusal({ DATABASE_URL: 'mysql://porta@localhost/porta' });
    expect(error.problems).toEqual(['DATABASE_URL: must be a postgres:// or postgresql:// URL']);
    expect(error.message).toContain('DATABASE_URL');
  });

  it('never echoes a rejected DATABASE_URL, which may hold a password', () => {
    const error = refusal({ DATABASE_URL: 'mysql://porta:hunter2secret@localhost/porta' });
    expect(error.message).not.toContain('hunter2secret');
  });

  it('refuses a non-numeric PORT, showing the value', () => {
    expect(refusal({ PORT: 'abc' }).problems).toEqual(['PORT: must be a number (got "abc")']);
  });

  it('refuses PORT 0 and PORT 70000', () => {
    expect(refusal({ PORT: '0' }).problems).toEqual(['PORT: must be between 1 and 65535 (got "0")']);
    expect(refusal({ PORT: '70000' }).problems).toEqual(['PORT: must be between 1 and 65535 (got "70000")']);
  });

  it('refuses a fractional PORT', () => {
    expect(refusal({ PORT: '30.5' }).problems).toEqual(['PORT: must be a whole number (got "30.5")']);
  });

  it('refuses EMBEDDED_PG_PORT=5432, the system PostgreSQL port', () => {
    const [problem] = refusal({ EMBEDDED_PG_PORT: '5432' }).problems;
    expect(problem).toMatch(/^EMBEDDED_PG_PORT: must not be 5432/);
  });

  it('accepts another EMBEDDED_PG_PORT', () => {
    expect(loadConfig({ EMBEDDED_PG_PORT: '5433' }).embeddedPort).toBe(5433);
  });

  it('requires BASE_URL when NODE_ENV=production', () => {
    const error = refusal({ NODE_ENV: 'production' });
    expect(error.problems).toEqual(['BASE_URL: is required when NODE_ENV=production']);
    expect(error.message).toBe('Invalid configuration:\n  - BASE_URL: is required when NODE_ENV=production');
  });

  it('refuses a BASE_URL that is not http(s)', () => {
    expect(refusal({ BASE_URL: 'ftp://files.acme.example' }).problems).toEqual(['BASE_URL: must be an http:// or https:// URL']);
  });

  it('refuses an SMTP_URL that is not smtp:// or smtps://', () => {
    expect(refusal({ SMTP_URL: 'http://mail.acme.example' }).problems).toEqual(['SMTP_URL: must be an smtp:// or smtps:// URL']);
  });

  it('refuses an unknown NODE_ENV', () => {
    expect(refusal({ NODE_ENV: 'staging' }).problems).toEqual(['NODE_ENV: must be development, production or test (got "staging")']);
  });

  it('refuses a boolean it cannot read', () => {
    expect(refusal({ WORKER_IN_PROCESS: 'maybe' }).problems).toEqual(['WORKER_IN_PROCESS: must be true or false (got "maybe")']);
  });

  it('refuses a sender that is not an email address', () => {
    expect(refusal({ MAIL_FROM: 'Porta' }).problems[0]).toMatch(/^MAIL_FROM: must be an address/);
    expect(loadConfig({ MAIL_FROM: 'Acme CRM <crm@acme.example>' }).mailFrom).toBe('Acme CRM <crm@acme.example>');
  });

  it('lists every problem at once, one line each', () => {
    const error = refusal({ PORT: 'x', DATABASE_URL: 'nope', SMTP_URL: 'mail', NODE_ENV: 'staging', TRUST_PROXY: 'maybe' });
    expect(error.problems).toHaveLength(5);
    expect(error.problems.map((p) => p.split(':')[0]).sort()).toEqual(['DATABASE_URL', 'NODE_ENV', 'PORT', 'SMTP_URL', 'TRUST_PROXY']);
    for (const problem of error.problems) expect(error.message).toContain(`\n  - ${problem}`);
  });
});

describe('loadConfig reports every problem at once', () => {
  it('names the missing production BASE_URL together with other problems', () => {
    try {
      loadConfig({ NODE_ENV: 'production', PORT: 'x' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const problems = (err as ConfigError).problems;
      expect(problems.some((p) => p.startsWith('PORT:'))).toBe(true);
      expect(problems).toContain('BASE_URL: is required when NODE_ENV=production');
    }
  });

  it('treats a whitespace-only value as unset', () => {
    expect(loadConfig({ PORT: '  ' }).port).toBe(3000);
  });
});
